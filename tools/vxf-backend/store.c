// SPDX-License-Identifier: GPL-2.0
/*
 * store.c - content store of the vxf backend: private content, a pool of
 * grantable page slots, migration between the two on revoke and unmap.
 *
 * Slots are either pages of a pool of our own, granted and ungranted through
 * the transport (loop mode), or pages the transport allocates and shares on
 * demand and frees when they are unshared (Xen's gntshr): see transport.h.
 *
 * Superpage windows (loop mode) add huge slots: 2 MiB blocks of
 * THP-backed memory, each granted with one order-9 reference for a whole
 * aligned block of 512 window pages, and reclaimed whole.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/errno.h>

#include "store.h"
#include "vxf_pattern.h"

#define PAGE_SZ		VXF_STORE_PAGE_SIZE
#define SLOT_FREE	UINT64_MAX
/* Pools up to this size (64 MiB) are faulted in up front. */
#define POPULATE_MAX_SLOTS	16384
#define HUGE_PAGES	VXF_STORE_HUGE_PAGES
#define HUGE_SZ		VXF_STORE_HUGE_SIZE
#define HUGE_FREE	UINT64_MAX

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25	/* Linux 6.1 */
#endif

static void *map_anon(size_t len, int extra)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static uint8_t *content_page(struct vxf_store *s, uint64_t page)
{
	uint8_t *p = s->content + page * PAGE_SZ;
	uint64_t bit = 1ULL << (page % 64);

	if (!(s->content_ready[page / 64] & bit)) {
		vxf_pattern_fill_page(p, page);
		s->content_ready[page / 64] |= bit;
	}
	return p;
}

static bool share_mode(const struct vxf_store *s)
{
	return s->slot_addr != NULL;
}

static uint8_t *slot_mem(const struct vxf_store *s, uint32_t slot)
{
	if (share_mode(s))
		return s->slot_addr[slot];
	return s->slots + (size_t)slot * PAGE_SZ;
}

/* Take the slot that has been free the longest. */
static int slot_take(struct vxf_store *s, uint32_t *slot)
{
	if (!s->nr_free)
		return -1;
	*slot = s->free_fifo[s->free_head];
	s->free_head = (s->free_head + 1) % s->nr_slots;
	s->nr_free--;
	return 0;
}

static void slot_put(struct vxf_store *s, uint32_t slot)
{
	uint32_t tail = (s->free_head + s->nr_free) % s->nr_slots;

	s->free_fifo[tail] = slot;
	s->nr_free++;
	s->slot_page[slot] = SLOT_FREE;
}

/* Give back a slot that was taken but never granted (a MAP that failed). */
static void slot_untake(struct vxf_store *s, uint32_t slot)
{
	s->free_head = (s->free_head + s->nr_slots - 1) % s->nr_slots;
	s->free_fifo[s->free_head] = slot;
	s->nr_free++;
	s->slot_page[slot] = SLOT_FREE;
}

/* Huge slot index + 1 holding @page's block, 0 for none. */
static uint32_t block_slot(const struct vxf_store *s, uint64_t page)
{
	uint64_t blk = page / HUGE_PAGES;

	return blk < s->nr_blocks ? s->block_huge[blk] : 0;
}

static uint8_t *huge_slot_mem(const struct vxf_store *s, uint32_t hs)
{
	return s->huge_mem + (size_t)hs * HUGE_SZ;
}

static int huge_take(struct vxf_store *s, uint32_t *hs)
{
	if (!s->huge_free)
		return -1;
	*hs = s->huge_fifo[s->huge_head];
	s->huge_head = (s->huge_head + 1) % s->nr_huge;
	s->huge_free--;
	return 0;
}

static void huge_put(struct vxf_store *s, uint32_t hs)
{
	s->huge_fifo[(s->huge_head + s->huge_free) % s->nr_huge] = hs;
	s->huge_free++;
	s->huge_block[hs] = HUGE_FREE;
}

static void huge_untake(struct vxf_store *s, uint32_t hs)
{
	s->huge_head = (s->huge_head + s->nr_huge - 1) % s->nr_huge;
	s->huge_fifo[s->huge_head] = hs;
	s->huge_free++;
	s->huge_block[hs] = HUGE_FREE;
}

static void free_all(struct vxf_store *s)
{
	if (s->content)
		munmap(s->content, s->window_pages * PAGE_SZ);
	if (s->slots)
		munmap(s->slots, (size_t)s->nr_slots * PAGE_SZ);
	free(s->content_ready);
	free(s->page_slot);
	free(s->slot_page);
	free(s->slot_ref);
	free(s->slot_addr);
	free(s->free_fifo);
	if (s->huge_mem)
		munmap(s->huge_mem, (size_t)s->nr_huge * HUGE_SZ);
	free(s->block_huge);
	free(s->huge_block);
	free(s->huge_ref);
	free(s->huge_fifo);
	memset(s, 0, sizeof(*s));
}

/**
 * vxf_store_init() - allocate the content buffer and the slot pool
 * @s: store to set up
 * @t: transport that grants slots
 * @window_pages: window size
 * @nr_slots: slot pool size
 *
 * Return: 0, or -errno (nothing left allocated).
 */
int vxf_store_init(struct vxf_store *s, struct vxf_transport *t,
		   uint64_t window_pages, uint32_t nr_slots)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->t = t;
	s->window_pages = window_pages;
	s->nr_slots = nr_slots;
	s->content = map_anon(window_pages * PAGE_SZ, MAP_NORESERVE);
	s->content_ready = calloc((window_pages + 63) / 64, 8);
	s->page_slot = calloc(window_pages, sizeof(*s->page_slot));
	if (t->ops->share)
		s->slot_addr = calloc(nr_slots, sizeof(*s->slot_addr));
	else
		s->slots = map_anon((size_t)nr_slots * PAGE_SZ,
				    nr_slots <= POPULATE_MAX_SLOTS ?
				    MAP_POPULATE : MAP_NORESERVE);
	s->slot_page = calloc(nr_slots, sizeof(*s->slot_page));
	s->slot_ref = calloc(nr_slots, sizeof(*s->slot_ref));
	s->free_fifo = calloc(nr_slots, sizeof(*s->free_fifo));
	if (!s->content || !s->content_ready || !s->page_slot ||
	    (!s->slots && !s->slot_addr) || !s->slot_page || !s->slot_ref ||
	    !s->free_fifo) {
		free_all(s);
		return -ENOMEM;
	}
	if (s->slots)
		madvise(s->slots, (size_t)nr_slots * PAGE_SZ, MADV_NOHUGEPAGE);
	for (i = 0; i < nr_slots; i++) {
		s->free_fifo[i] = i;
		s->slot_page[i] = SLOT_FREE;
	}
	s->nr_free = nr_slots;
	return 0;
}

/**
 * vxf_store_init_huge() - add a pool of 2 MiB huge slots (superpages)
 * @s: store set up by vxf_store_init(), with a transport that has
 *	@grant_huge
 * @nr_huge: number of huge slots
 *
 * The pool is reserved, 2 MiB aligned and marked MADV_HUGEPAGE here; a
 * huge slot is faulted in (as one transparent huge page, if the kernel
 * gives one) the first time a block is copied into it.
 *
 * Return: 0, -EOPNOTSUPP (transport without order-9 grants), or -ENOMEM
 * (no pool, the store is as before).
 */
int vxf_store_init_huge(struct vxf_store *s, uint32_t nr_huge)
{
	size_t len = (size_t)nr_huge * HUGE_SZ, head;
	uint8_t *p;
	uint32_t i;

	if (!s->t->ops->grant_huge || share_mode(s))
		return -EOPNOTSUPP;
	if (!nr_huge)
		return 0;
	p = map_anon(len + HUGE_SZ, MAP_NORESERVE);
	if (!p)
		return -ENOMEM;
	/* Keep the 2 MiB aligned part only. */
	head = -(uintptr_t)p & (HUGE_SZ - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + len, HUGE_SZ - head);
	p += head;

	s->nr_blocks = s->window_pages / HUGE_PAGES;
	s->block_huge = calloc(s->nr_blocks ? s->nr_blocks : 1,
			       sizeof(*s->block_huge));
	s->huge_block = calloc(nr_huge, sizeof(*s->huge_block));
	s->huge_ref = calloc(nr_huge, sizeof(*s->huge_ref));
	s->huge_fifo = calloc(nr_huge, sizeof(*s->huge_fifo));
	if (!s->block_huge || !s->huge_block || !s->huge_ref ||
	    !s->huge_fifo) {
		munmap(p, len);
		free(s->block_huge);
		free(s->huge_block);
		free(s->huge_ref);
		free(s->huge_fifo);
		s->block_huge = NULL;
		s->huge_block = NULL;
		s->huge_ref = NULL;
		s->huge_fifo = NULL;
		s->nr_blocks = 0;
		return -ENOMEM;
	}
	if (madvise(p, len, MADV_HUGEPAGE))
		fprintf(stderr, "vxf-backend: madvise(MADV_HUGEPAGE): %s (no transparent huge pages?)\n",
			strerror(errno));
	s->huge_mem = p;
	s->nr_huge = nr_huge;
	for (i = 0; i < nr_huge; i++) {
		s->huge_fifo[i] = i;
		s->huge_block[i] = HUGE_FREE;
	}
	s->huge_head = 0;
	s->huge_free = nr_huge;
	return 0;
}

/**
 * vxf_store_init_fixed() - lend each window page as a fixed frame
 * @s: store set up by vxf_store_init(), with a transport that has
 *	@grant_fixed
 *
 * Grants the transport's frames 0 to window_pages - 1 once, window page N
 * as frame N. Pages are then lent as those frames only: the content, the
 * slots and the huge slots go unused, and peek and poke see the private
 * content, not the frames.
 *
 * Return: 0, -EOPNOTSUPP (transport without fixed frames), -ENOMEM, or the
 * transport's error (the store is as before).
 */
int vxf_store_init_fixed(struct vxf_store *s)
{
	uint32_t *refs;
	uint8_t *mapped;
	int ret;

	if (!s->t->ops->grant_fixed)
		return -EOPNOTSUPP;
	refs = calloc(s->window_pages, sizeof(*refs));
	mapped = calloc(s->window_pages, sizeof(*mapped));
	if (!refs || !mapped) {
		free(refs);
		free(mapped);
		return -ENOMEM;
	}
	ret = s->t->ops->grant_fixed(s->t, 0, s->window_pages, refs);
	if (ret) {
		free(refs);
		free(mapped);
		return ret;
	}
	s->granted += s->window_pages;
	s->fixed_ref = refs;
	s->fixed_mapped = mapped;
	return 0;
}

static void ungrant_refs(struct vxf_store *s, const uint32_t *refs,
			 unsigned int nr)
{
	int ret;

	if (!nr)
		return;
	ret = s->t->ops->ungrant(s->t, refs, nr);
	if (ret) {
		s->ungrant_errors++;
		fprintf(stderr, "vxf-backend: ungrant of %u refs: %s\n", nr,
			strerror(-ret));
	}
	s->granted -= nr;
}

/* Share mode: unshare (and so free) the pages of @nr slots. */
static void unshare_slots(struct vxf_store *s, const uint32_t *slots,
			  unsigned int nr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = s->t->ops->unshare(s->t, s->slot_addr[slots[i]],
					 s->slot_ref[slots[i]]);
		if (ret) {
			s->ungrant_errors++;
			fprintf(stderr, "vxf-backend: unshare of ref %u: %s\n",
				s->slot_ref[slots[i]], strerror(-ret));
		}
		s->slot_addr[slots[i]] = NULL;
		s->granted--;
	}
}

/* End the lending of @nr slots and put them on the free list. */
static void release_slots(struct vxf_store *s, const uint32_t *slots,
			  const uint32_t *refs, unsigned int nr)
{
	unsigned int i;

	if (share_mode(s))
		unshare_slots(s, slots, nr);
	else
		ungrant_refs(s, refs, nr);
	for (i = 0; i < nr; i++)
		slot_put(s, slots[i]);
}

/* Migrate back and poison one slot; its ref goes to @ref. */
static void reclaim_page(struct vxf_store *s, uint64_t page, uint32_t *ref)
{
	uint32_t slot = s->page_slot[page] - 1;
	uint64_t *w = (uint64_t *)slot_mem(s, slot);
	unsigned int i;

	memcpy(content_page(s, page), w, PAGE_SZ);
	for (i = 0; i < VXF_PATTERN_WORDS; i++)
		w[i] = VXF_POISON;
	*ref = s->slot_ref[slot];
	s->page_slot[page] = 0;
}

/* Migrate back, poison, ungrant and free the huge slot of block @blk. */
static void reclaim_huge(struct vxf_store *s, uint64_t blk)
{
	uint32_t hs = s->block_huge[blk] - 1;
	uint8_t *mem = huge_slot_mem(s, hs);
	uint64_t first = blk * HUGE_PAGES;
	unsigned int i, j;

	for (i = 0; i < HUGE_PAGES; i++) {
		uint64_t *w = (uint64_t *)(mem + (size_t)i * PAGE_SZ);

		memcpy(content_page(s, first + i), w, PAGE_SZ);
		for (j = 0; j < VXF_PATTERN_WORDS; j++)
			w[j] = VXF_POISON;
	}
	s->block_huge[blk] = 0;
	ungrant_refs(s, &s->huge_ref[hs], 1);
	huge_put(s, hs);
}

/**
 * vxf_store_reclaim() - take back the slots of a range
 * @s: store
 * @first: first window page
 * @count: number of pages (the range must be inside the window)
 *
 * Copies each slot back into the content, poisons it, ungrants its
 * reference and puts the slot at the tail of the free list. A 2 MiB block
 * in a huge slot goes back whole, even if the range covers part of it (the
 * frontend drops a superpage whole). Only call it when the frontend no
 * longer maps the range.
 *
 * Return: the number of pages that had a slot (512 per huge slot).
 */
uint64_t vxf_store_reclaim(struct vxf_store *s, uint64_t first,
			   uint64_t count)
{
	uint32_t refs[256], slots[256];
	unsigned int n = 0;
	uint64_t page, done = 0;

	if (s->fixed_ref) {
		/* The frame keeps what was written: nothing to copy. */
		for (page = first; page < first + count; page++) {
			done += s->fixed_mapped[page];
			s->fixed_mapped[page] = 0;
		}
		return done;
	}
	for (page = first; page < first + count; page++) {
		if (block_slot(s, page)) {
			reclaim_huge(s, page / HUGE_PAGES);
			done += HUGE_PAGES;
			continue;
		}
		if (!s->page_slot[page])
			continue;
		slots[n] = s->page_slot[page] - 1;
		reclaim_page(s, page, &refs[n]);
		n++;
		done++;
		if (n == 256) {
			release_slots(s, slots, refs, n);
			n = 0;
		}
	}
	release_slots(s, slots, refs, n);
	return done;
}

/* Share mode: get a page for each of @slots[0..n) from the transport. */
static int share_slots(struct vxf_store *s, const uint32_t *slots,
		       unsigned int n, uint32_t *refs)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		errno = 0;
		s->slot_addr[slots[i]] = s->t->ops->share(s->t, &refs[i]);
		if (!s->slot_addr[slots[i]]) {
			ret = errno ? -errno : -ENOMEM;
			fprintf(stderr, "vxf-backend: sharing a page: %s\n",
				strerror(-ret));
			for (; i > 0; i--)
				s->slot_ref[slots[i - 1]] = refs[i - 1];
			unshare_slots(s, slots, i);
			return ret;
		}
		s->granted++;
	}
	for (i = 0; i < n; i++)
		s->slot_ref[slots[i]] = refs[i];
	return 0;
}

/* Grant the runs of address-contiguous slots among @slots[0..n). */
static int grant_slots(struct vxf_store *s, const uint32_t *slots,
		       unsigned int n, uint32_t *refs)
{
	unsigned int start = 0, end, i;
	int ret;

	if (share_mode(s))
		return share_slots(s, slots, n, refs);

	while (start < n) {
		end = start + 1;
		while (end < n && slots[end] == slots[end - 1] + 1)
			end++;
		ret = s->t->ops->grant(s->t, slot_mem(s, slots[start]),
				       end - start, &refs[start]);
		if (ret) {
			fprintf(stderr, "vxf-backend: grant of %u pages: %s\n",
				end - start, strerror(-ret));
			ungrant_refs(s, refs, start);
			return ret;
		}
		s->granted += end - start;
		start = end;
	}
	for (i = 0; i < n; i++)
		s->slot_ref[slots[i]] = refs[i];
	return 0;
}

/**
 * vxf_store_map() - supply a range: slots for pages without one, granted
 * @s: store
 * @first: first window page
 * @count: pages, at most 64; the range must be inside the window
 * @refs: out: one reference per page, in page order
 *
 * A huge slot holding pages of the range is reclaimed first: a frontend
 * that asks for some pages of a block does not map the block whole.
 *
 * Return: 0, or -XEN_ENOMEM (no free slot) / -XEN_EIO (grant failed), in
 * which case no small slot changed.
 */
int vxf_store_map(struct vxf_store *s, uint64_t first, uint32_t count,
		  uint32_t *refs)
{
	uint32_t new_slots[64], new_refs[64];
	uint64_t new_pages[64];
	unsigned int n = 0, i;
	int ret;

	if (count > 64)
		return -XEN_EINVAL;
	if (s->fixed_ref) {
		for (i = 0; i < count; i++) {
			refs[i] = s->fixed_ref[first + i];
			s->fixed_mapped[first + i] = 1;
		}
		return 0;
	}
	for (i = 0; i < count; i++)
		if (block_slot(s, first + i))
			reclaim_huge(s, (first + i) / HUGE_PAGES);
	for (i = 0; i < count; i++) {
		uint64_t page = first + i;

		if (s->page_slot[page])
			continue;
		if (slot_take(s, &new_slots[n]))
			goto fail_untake;
		new_pages[n] = page;
		n++;
	}
	ret = grant_slots(s, new_slots, n, new_refs);
	if (ret) {
		ret = -XEN_EIO;
		goto fail_release;
	}
	/* The references reach the frontend only with the answer. */
	for (i = 0; i < n; i++) {
		memcpy(slot_mem(s, new_slots[i]), content_page(s, new_pages[i]),
		       PAGE_SZ);
		s->slot_page[new_slots[i]] = new_pages[i];
		s->page_slot[new_pages[i]] = new_slots[i] + 1;
	}
	for (i = 0; i < count; i++)
		refs[i] = s->slot_ref[s->page_slot[first + i] - 1];
	return 0;

fail_untake:
	ret = -XEN_ENOMEM;
fail_release:
	while (n--)
		slot_untake(s, new_slots[n]);
	return ret;
}

/* Print once why a superpage could not be lent. */
static void huge_warn(struct vxf_store *s, const char *why)
{
	if (s->huge_warned)
		return;
	s->huge_warned = true;
	fprintf(stderr, "vxf-backend: cannot lend a 2 MiB superpage: %s; such MAPs get -XEN_ENOMEM (said once)\n",
		why);
}

/**
 * vxf_store_map_huge() - supply a whole 2 MiB block with one reference
 * @s: store with huge slots
 * @first: first window page of the block, 512-aligned, block inside the
 *	window
 * @ref: out: the block's order-9 reference
 *
 * Small slots still held for pages of the block are reclaimed (the frontend
 * asks for the whole block only when it maps none of it), the block's
 * content is copied into a huge slot, which is granted with one order-9
 * reference. A block already in a huge slot is answered with its reference.
 * If the huge slot is not one physically contiguous huge page (GRANT says
 * EINVAL), it is collapsed with MADV_COLLAPSE and granted once more.
 *
 * Return: 0, -XEN_EINVAL (no huge slots, bad block), -XEN_ENOMEM (no free
 * huge slot, or no huge page to back it), -XEN_EIO (grant failed).
 */
int vxf_store_map_huge(struct vxf_store *s, uint64_t first, uint32_t *ref)
{
	uint64_t blk = first / HUGE_PAGES;
	uint8_t *mem;
	uint32_t hs;
	unsigned int i;
	int ret;

	if (!s->nr_huge || first % HUGE_PAGES || blk >= s->nr_blocks)
		return -XEN_EINVAL;
	if (s->block_huge[blk]) {
		*ref = s->huge_ref[s->block_huge[blk] - 1];
		return 0;
	}
	if (huge_take(s, &hs)) {
		huge_warn(s, "every huge slot is in use (see --huge-slots)");
		return -XEN_ENOMEM;
	}
	vxf_store_reclaim(s, first, HUGE_PAGES);

	/* The first write faults the slot in, as a THP if there is one. */
	mem = huge_slot_mem(s, hs);
	for (i = 0; i < HUGE_PAGES; i++)
		memcpy(mem + (size_t)i * PAGE_SZ, content_page(s, first + i),
		       PAGE_SZ);
	ret = s->t->ops->grant_huge(s->t, mem, ref);
	if (ret == -EINVAL && !madvise(mem, HUGE_SZ, MADV_COLLAPSE))
		ret = s->t->ops->grant_huge(s->t, mem, ref);
	if (ret) {
		huge_untake(s, hs);
		if (ret == -EINVAL) {
			huge_warn(s, "its memory is not one 2 MiB transparent huge page (THP disabled, or no free huge page?)");
			return -XEN_ENOMEM;
		}
		fprintf(stderr, "vxf-backend: grant of a 2 MiB block: %s\n",
			strerror(-ret));
		return -XEN_EIO;
	}
	s->granted++;
	s->huge_ref[hs] = *ref;
	s->huge_block[hs] = blk;
	s->block_huge[blk] = hs + 1;
	return 0;
}

/* Whether @page is lent as part of a 2 MiB block. */
bool vxf_store_page_huge(const struct vxf_store *s, uint64_t page)
{
	return page < s->window_pages && block_slot(s, page);
}

bool vxf_store_page_mapped(const struct vxf_store *s, uint64_t page)
{
	return page < s->window_pages &&
	       (s->page_slot[page] || block_slot(s, page) ||
		(s->fixed_mapped && s->fixed_mapped[page]));
}

/**
 * vxf_store_random_mapped() - pick a page that has a slot
 * @s: store
 * @rnd: a random number
 * @page: out: the page
 *
 * Return: false if a few probes found no slot in use.
 */
bool vxf_store_random_mapped(const struct vxf_store *s, uint64_t rnd,
			     uint64_t *page)
{
	unsigned int i;

	if (s->huge_free < s->nr_huge && (s->nr_free == s->nr_slots ||
					  rnd % 2)) {
		for (i = 0; i < s->nr_huge; i++) {
			uint32_t hs = (rnd / 2 + i) % s->nr_huge;

			if (s->huge_block[hs] != HUGE_FREE) {
				*page = s->huge_block[hs] * HUGE_PAGES +
					(rnd >> 32) % HUGE_PAGES;
				return true;
			}
		}
	}
	if (s->nr_free == s->nr_slots)
		return false;
	for (i = 0; i < 16; i++) {
		uint32_t slot = (rnd >> (i * 3)) % s->nr_slots;

		slot = (slot + i * 7919) % s->nr_slots;
		if (s->slot_page[slot] != SLOT_FREE) {
			*page = s->slot_page[slot];
			return true;
		}
	}
	return false;
}

/* Where the current value of a page lives: its slot, else the content. */
static uint64_t *word_addr(struct vxf_store *s, uint64_t page,
			   unsigned int word)
{
	uint32_t hs = block_slot(s, page);
	uint8_t *base;

	if (hs)
		base = huge_slot_mem(s, hs - 1) +
		       (page % HUGE_PAGES) * PAGE_SZ;
	else if (s->page_slot[page])
		base = slot_mem(s, s->page_slot[page] - 1);
	else
		base = content_page(s, page);
	return (uint64_t *)base + word;
}

uint64_t vxf_store_peek(struct vxf_store *s, uint64_t page, unsigned int word)
{
	return vxf_pattern_le(__atomic_load_n(word_addr(s, page, word),
					      __ATOMIC_RELAXED));
}

void vxf_store_poke(struct vxf_store *s, uint64_t page, unsigned int word,
		    uint64_t value)
{
	__atomic_store_n(word_addr(s, page, word), vxf_pattern_le(value),
			 __ATOMIC_RELAXED);
}

void *vxf_store_slot_addr(const struct vxf_store *s, uint64_t page)
{
	uint32_t hs;

	if (s->fixed_ref || !vxf_store_page_mapped(s, page))
		return NULL;
	hs = block_slot(s, page);
	if (hs)
		return huge_slot_mem(s, hs - 1) +
		       (page % HUGE_PAGES) * PAGE_SZ;
	return slot_mem(s, s->page_slot[page] - 1);
}

/* Ungrant every slot without copying it back (the backend quits). */
static void ungrant_all(struct vxf_store *s)
{
	uint32_t refs[256], slots[256];
	unsigned int n = 0;
	uint32_t slot;

	for (slot = 0; slot < s->nr_huge; slot++) {
		if (s->huge_block[slot] == HUGE_FREE)
			continue;
		s->block_huge[s->huge_block[slot]] = 0;
		ungrant_refs(s, &s->huge_ref[slot], 1);
		huge_put(s, slot);
	}
	for (slot = 0; slot < s->nr_slots; slot++) {
		if (s->slot_page[slot] == SLOT_FREE)
			continue;
		s->page_slot[s->slot_page[slot]] = 0;
		slots[n] = slot;
		refs[n++] = s->slot_ref[slot];
		if (n == 256) {
			release_slots(s, slots, refs, n);
			n = 0;
		}
	}
	release_slots(s, slots, refs, n);
}

/**
 * vxf_store_fini() - ungrant every slot and free everything
 * @s: store (possibly half set up)
 */
void vxf_store_fini(struct vxf_store *s)
{
	uint64_t done, n;

	for (done = 0; s->fixed_ref && done < s->window_pages; done += n) {
		n = s->window_pages - done;
		if (n > 256)
			n = 256;
		ungrant_refs(s, &s->fixed_ref[done], n);
	}
	free(s->fixed_ref);
	free(s->fixed_mapped);
	s->fixed_ref = NULL;
	s->fixed_mapped = NULL;
	if (s->slot_page)
		ungrant_all(s);
	free_all(s);
}
