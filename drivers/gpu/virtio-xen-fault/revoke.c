// SPDX-License-Identifier: GPL-2.0
/*
 * revoke.c - taking pages out of a window
 *
 * A REVOKE from the backend, the hypervisor stand-in's revoke, a RESET or
 * a disconnect: the pages leave the window's xarray, every user mapping of
 * them is zapped while map_sem keeps new insertions out, their memory type
 * goes back to write-back, and the transport releases them, in batches.
 */

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "compat.h"
#include "trace.h"
#include "vxf.h"

/* Take the 2 MiB block at @index out; its PFNs go to take_pfns[@n...]. */
static unsigned int vxf_take_block(struct vxf_window *win, u64 index,
				   void *entry, unsigned int n)
{
	unsigned long pfn = vxf_entry_pfn(entry, index);
	unsigned int i;

	xa_erase(&win->pages, index);
	for (i = 0; i < XENVXF_SUPERPAGE_PAGES; i++)
		win->take_pfns[n + i] = pfn + i;
	if (vxf_entry_cache(entry) != VXF_CACHE_WB)
		bitmap_set(win->take_typed, n, XENVXF_SUPERPAGE_PAGES);
	return XENVXF_SUPERPAGE_PAGES;
}

/*
 * Take pages [first, last] out of the window: mapped pages are zapped from
 * every user mapping, given back their write-back memory type if a mapping
 * had them change it, and released through the transport, in batches;
 * with @unlink, pending and failed MAPs are unlinked (their waiters retry),
 * without, they stay (a MAP in flight is installed when answered). Returns
 * the number of pages that were mapped.
 */
static u64 vxf_window_take(struct vxf_window *win, u64 first, u64 last,
			   bool unlink)
{
	struct vxf_device *dev = win->dev;
	unsigned long index, next = first;
	struct inode *inode;
	u64 lo, hi, total = 0;
	unsigned int n;
	bool more;
	void *entry;

	lockdep_assert_held(&dev->ring.lock);
	do {
		more = false;
		n = 0;
		lo = U64_MAX;
		hi = 0;
		bitmap_zero(win->take_typed, VXF_TAKE_BATCH);
		down_write(&win->map_sem);
		mutex_lock(&win->lock);
		xa_for_each_range(&win->pages, index, entry, next, last) {
			if (!xa_is_value(entry)) {
				if (unlink)
					vxf_chunk_unlink(win, entry,
							 VXF_CHUNK_DEAD);
				continue;
			}
			if (vxf_entry_huge(entry)) {
				/* A block goes whole, even if partly revoked. */
				if (n + XENVXF_SUPERPAGE_PAGES >
				    VXF_TAKE_BATCH) {
					more = true;
					break;
				}
				index = round_down(index,
						   XENVXF_SUPERPAGE_PAGES);
				n += vxf_take_block(win, index, entry, n);
				lo = min_t(u64, lo, index);
				hi = max_t(u64, hi,
					   index + XENVXF_SUPERPAGE_PAGES - 1);
				next = index + XENVXF_SUPERPAGE_PAGES;
				continue;
			}
			if (n == VXF_TAKE_BATCH) {
				more = true;
				break;
			}
			xa_erase(&win->pages, index);
			if (vxf_entry_cache(entry) != VXF_CACHE_WB)
				__set_bit(n, win->take_typed);
			win->take_pfns[n++] = vxf_entry_pfn(entry, index);
			lo = min_t(u64, lo, index);
			hi = max_t(u64, hi, index);
			next = index + 1;
		}
		mutex_unlock(&win->lock);

		/*
		 * Every PFN taken was inserted under map_sem before it left
		 * the window, so this zap removes them all. It is done before
		 * map_sem is released: otherwise a new MAP of the range could
		 * be inserted meanwhile where the old PTE or PMD still is, and
		 * the fault would find the stale entry in its way.
		 */
		inode = READ_ONCE(dev->inode);
		if (n && inode)
			unmap_mapping_range(inode->i_mapping,
					    (loff_t)lo << PAGE_SHIFT,
					    (loff_t)(hi - lo + 1) << PAGE_SHIFT,
					    1);
		up_write(&win->map_sem);
		if (!n)
			break;

		/* No page table maps them any more: write-back again. */
		vxf_frames_restore(win->take_pfns, win->take_typed, n);
		if (dev->ops->unmap_pages(dev, win->take_pfns, n))
			win->take_kept = true;
		atomic64_sub(n, &win->mapped_pages);
		total += n;
		/* A pass stops where the batch is full: pages may remain. */
	} while (more);

	return total;
}

/**
 * vxf_window_revoke() - give pages back to the backend
 * @win: the window
 * @first: first window page
 * @count: number of pages, from 1, inside the window
 *
 * When this returns, no user mapping of the range is left and a later
 * access faults. No guest task is waited for: a fault that is inserting a
 * PFN of the range holds map_sem only for the insertion. MAPs in flight
 * for pages of the range stay: their answers come after the REVOKE's and
 * are installed (vxfif.h).
 *
 * Context: process context, vxf_ring.lock held, transport connected.
 * Return: the number of pages that were mapped.
 */
u64 vxf_window_revoke(struct vxf_window *win, u64 first, u64 count)
{
	u64 pages = vxf_window_take(win, first, first + count - 1, false);

	vxf_count(win, VXF_CNT_REVOKES);
	vxf_count_add(win, VXF_CNT_REVOKED_PAGES, pages);
	return pages;
}

/**
 * vxf_window_hv_revoke() - the hypervisor took pages away (loop stand-in)
 * @win: the window
 * @first: first window page
 * @count: number of pages, from 1, inside the window
 *
 * As the hypervisor's Revoke removes p2m entries: the pages are gone from
 * every user mapping and released at once; the frontend hears nothing
 * until a task touches one of them.
 *
 * Context: process context; takes vxf_ring.lock.
 * Return: the number of pages that were mapped, or -ENOTCONN.
 */
u64 vxf_window_hv_revoke(struct vxf_window *win, u64 first, u64 count)
{
	struct vxf_ring *ring = &win->dev->ring;
	u64 pages = 0;

	mutex_lock(&ring->lock);
	if (ring->connected && !ring->broken) {
		/* Id 0: no event on the ring stands behind it. */
		trace_vxf_revoke_start(win->dev->index, 0, first, count);
		pages = vxf_window_take(win, first, first + count - 1, true);
		trace_vxf_revoke_done(win->dev->index, 0, 0, pages);
		vxf_count(win, VXF_CNT_REVOKES);
		vxf_count_add(win, VXF_CNT_REVOKED_PAGES, pages);
	}
	mutex_unlock(&ring->lock);
	return pages;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_hv_revoke, VIRTIO_XEN_FAULT);

/**
 * vxf_window_drop_all() - drop every page of the window
 * @win: the window
 *
 * For a reset or a disconnect: user mappings are zapped, page references
 * released, and the waiters of pending MAPs retry (and get SIGBUS while the
 * device is disconnected).
 *
 * Context: process context, vxf_ring.lock held, transport still attached.
 */
void vxf_window_drop_all(struct vxf_window *win)
{
	vxf_window_take(win, 0, win->nr_pages - 1, true);
}

/**
 * vxf_window_drop_mapped() - drop every mapped page, keep MAPs in flight
 * @win: the window
 *
 * For a RESET: user mappings are zapped and page references released; the
 * MAPs in flight stay, their answers are still owed and installed.
 *
 * Context: process context, vxf_ring.lock held, transport attached.
 */
void vxf_window_drop_mapped(struct vxf_window *win)
{
	vxf_window_take(win, 0, win->nr_pages - 1, false);
}
