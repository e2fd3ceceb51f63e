// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - memory types of the frames a window maps
 *
 * A mapping's memory type (VXF_CACHE_*) is what its page table entries must
 * select. On x86 with PAT the kernel does not take it from the VMA:
 * vmf_insert_pfn() puts in the type PAT tracks for the frame
 * (track_pfn_insert()), write-back for ordinary RAM, so that no frame is
 * ever mapped with two types. So the window gives a frame the type of the
 * mappings that use it before inserting it, as TTM does with the pages of
 * write-combined buffers: set_pages_array_wc() or _uc() reserves the type
 * with PAT and changes the kernel's own direct mapping of the frame to
 * match (flushing the frame out of the caches), and set_pages_array_wb()
 * undoes both once no page table maps the frame any more, before the
 * transport gives it back. PAT refuses what it cannot honour, a frame
 * already reserved with another type (the unpopulated pool of a PVH guest
 * is reserved write-back as a whole), and a frame without a struct page
 * cannot be changed this way: the fault then fails with SIGBUS rather than
 * map the frame with a type the mapping did not ask for.
 *
 * Transports whose frames must not be changed at all say so
 * (vxf_window_params.caches): their windows refuse such mappings at mmap().
 *
 * Without PAT, or on another architecture, the page table takes the VMA's
 * bits as they are, and there is nothing to do here.
 */

#include <linux/mm.h>
#include <linux/printk.h>

#include "vxf.h"

#ifdef CONFIG_X86
#include <asm/memtype.h>
#include <asm/set_memory.h>

/* Frames changed per call into the kernel (an array on the stack). */
#define VXF_CACHE_BATCH	32

static int vxf_pages_set(struct page **pages, unsigned int nr, u32 cache)
{
	switch (cache) {
	case VXF_CACHE_WC:
		return set_pages_array_wc(pages, nr);
	case VXF_CACHE_UC:
		return set_pages_array_uc(pages, nr);
	default:
		return set_pages_array_wb(pages, nr);
	}
}

static void vxf_pages_wb(struct page **pages, unsigned int nr)
{
	int err = set_pages_array_wb(pages, nr);

	/* The types were ours: only a failed page split can get here. */
	if (err)
		pr_warn_ratelimited("virtio-xen-fault: could not give %u frames from pfn %#lx back write-back: %d\n",
				    nr, page_to_pfn(pages[0]), err);
}

/* Frames [@pfn, @pfn + @nr), to which this file gave a type, write-back. */
static void vxf_frames_wb(unsigned long pfn, unsigned int nr)
{
	struct page *pages[VXF_CACHE_BATCH];
	unsigned int i, n;

	for (; nr; nr -= n, pfn += n) {
		n = min(nr, VXF_CACHE_BATCH);
		for (i = 0; i < n; i++)
			pages[i] = pfn_to_page(pfn + i);
		vxf_pages_wb(pages, n);
	}
}

/**
 * vxf_frames_retype() - give contiguous frames of a window another type
 * @pfn: the first frame
 * @nr: how many
 * @from: VXF_CACHE_* they have now (write-back, or what this gave them)
 * @to: VXF_CACHE_* they are to have
 * @now: set to the type they have on return: @to, or write-back when the
 *	kernel refused @to (the frames are then as they came)
 *
 * No page table may map the frames meanwhile: the claims of the window's
 * mappings see to that (mmap.c).
 *
 * Context: process context; sleeps (changes the kernel's own mappings,
 * flushes caches and TLBs on every CPU).
 * Return: 0, or -errno when @to was refused: -EOPNOTSUPP for a frame with
 * no struct page, -EINVAL for a frame PAT has reserved with another type.
 */
int vxf_frames_retype(unsigned long pfn, unsigned int nr, u32 from, u32 to,
		      u32 *now)
{
	struct page *pages[VXF_CACHE_BATCH];
	unsigned int i, n, done;
	int err;

	*now = from;
	if (to != VXF_CACHE_WB && vxf_inject(VXF_INJECT_RETYPE))
		return -EINVAL;
	if (!pat_enabled()) {
		*now = to;
		return 0;
	}
	for (i = 0; i < nr; i++)
		if (!pfn_valid(pfn + i))
			return -EOPNOTSUPP;

	if (from != VXF_CACHE_WB) {
		vxf_frames_wb(pfn, nr);
		*now = VXF_CACHE_WB;
	}
	if (to == VXF_CACHE_WB)
		return 0;
	for (done = 0; done < nr; done += n) {
		n = min(nr - done, VXF_CACHE_BATCH);
		for (i = 0; i < n; i++)
			pages[i] = pfn_to_page(pfn + done + i);
		/* A batch that fails has undone its own reservations. */
		err = vxf_pages_set(pages, n, to);
		if (err) {
			vxf_frames_wb(pfn, done);
			return err;
		}
	}
	*now = to;
	return 0;
}

/**
 * vxf_frames_restore() - write-back again for frames leaving a window
 * @pfns: the frames
 * @typed: bitmap: which of @pfns vxf_frames_retype() gave another type
 * @nr: number of @pfns
 *
 * Called once no page table maps the frames, before the transport releases
 * them: the backend, or the page allocator, gets them as it gave them.
 *
 * Context: process context; sleeps.
 */
void vxf_frames_restore(const unsigned long *pfns, const unsigned long *typed,
			unsigned int nr)
{
	struct page *pages[VXF_CACHE_BATCH];
	unsigned int i, n = 0;

	if (!pat_enabled())
		return;
	for_each_set_bit(i, typed, nr) {
		pages[n++] = pfn_to_page(pfns[i]);
		if (n == VXF_CACHE_BATCH) {
			vxf_pages_wb(pages, n);
			n = 0;
		}
	}
	if (n)
		vxf_pages_wb(pages, n);
}
#else
int vxf_frames_retype(unsigned long pfn, unsigned int nr, u32 from, u32 to,
		      u32 *now)
{
	*now = from;
	if (to != VXF_CACHE_WB && vxf_inject(VXF_INJECT_RETYPE))
		return -EINVAL;
	*now = to;
	return 0;
}

void vxf_frames_restore(const unsigned long *pfns, const unsigned long *typed,
			unsigned int nr)
{
}
#endif
