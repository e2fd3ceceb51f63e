// SPDX-License-Identifier: GPL-2.0
/*
 * store.c - content store of the vxf backend: private content, a pool of
 * grantable page slots, migration between the two on revoke and unmap.
 *
 * Slots are either pages of a pool of our own, granted and ungranted through
 * the transport (loop mode), or pages the transport allocates and shares on
 * demand and frees when they are unshared (Xen's gntshr): see transport.h.
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

/**
 * vxf_store_reclaim() - take back the slots of a range
 * @s: store
 * @first: first window page
 * @count: number of pages (the range must be inside the window)
 *
 * Copies each slot back into the content, poisons it, ungrants its
 * reference and puts the slot at the tail of the free list. Only call it
 * when the frontend no longer maps the range.
 *
 * Return: the number of pages that had a slot.
 */
uint64_t vxf_store_reclaim(struct vxf_store *s, uint64_t first,
			   uint64_t count)
{
	uint32_t refs[256], slots[256];
	unsigned int n = 0;
	uint64_t page, done = 0;

	for (page = first; page < first + count; page++) {
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
 * Return: 0, or -XEN_ENOMEM (no free slot) / -XEN_EIO (grant failed), in
 * which case nothing changed.
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

bool vxf_store_page_mapped(const struct vxf_store *s, uint64_t page)
{
	return page < s->window_pages && s->page_slot[page];
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
	uint8_t *base;

	if (s->page_slot[page])
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
	if (!vxf_store_page_mapped(s, page))
		return NULL;
	return slot_mem(s, s->page_slot[page] - 1);
}

/* Ungrant every slot without copying it back (the backend quits). */
static void ungrant_all(struct vxf_store *s)
{
	uint32_t refs[256], slots[256];
	unsigned int n = 0;
	uint32_t slot;

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
	if (s->slot_page)
		ungrant_all(s);
	free_all(s);
}
