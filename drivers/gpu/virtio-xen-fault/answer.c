// SPDX-License-Identifier: GPL-2.0
/*
 * answer.c - what the backend's answers to MAPs do to a window
 *
 * A MAP that is answered with pages installs them in the pages its chunk
 * still stands for (the others are given back at once); one that fails,
 * times out or is declined leaves its waiters to retry, with SIGBUS for
 * those that cannot be served. See core.c for the chunks themselves.
 */

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "compat.h"
#include "trace.h"
#include "vxf.h"

/**
 * vxf_window_map_failed() - a MAP will not be answered with pages
 * @win: the window
 * @chunk: the chunk whose MAP failed
 * @error: negative errno: -EIO (backend error), -ETIMEDOUT, -ENOTCONN, ...
 *
 * A chunk still waited for becomes FAILED: its waiters retry and get SIGBUS.
 * A chunk already taken out of the window is left alone.
 *
 * Context: process context; takes the window lock.
 */
void vxf_window_map_failed(struct vxf_window *win, struct vxf_chunk *chunk,
			   int error)
{
	mutex_lock(&win->lock);
	if (chunk->state == VXF_CHUNK_PENDING) {
		if (error == -ETIMEDOUT)
			vxf_count(win, VXF_CNT_TIMEOUTS);
		else
			vxf_count(win, VXF_CNT_MAP_ERRORS);
	}
	/* A CANCELLED chunk's timeout was counted already. */
	if (chunk->state == VXF_CHUNK_PENDING ||
	    chunk->state == VXF_CHUNK_CANCELLED) {
		vxf_chunk_set_state(win, chunk, VXF_CHUNK_FAILED);
		chunk->error = error;
	}
	wake_up_all(&chunk->wq);
	mutex_unlock(&win->lock);
}

/*
 * The backend declined a PREFETCH MAP (vxfif.h: at no cost): the chunk goes
 * away as if it had never been sent, and the faults that joined it retry
 * and ask again with MAPs of their own.
 */
static void vxf_window_map_declined(struct vxf_window *win,
				    struct vxf_chunk *chunk)
{
	mutex_lock(&win->lock);
	if (chunk->state == VXF_CHUNK_PENDING ||
	    chunk->state == VXF_CHUNK_CANCELLED)
		vxf_chunk_unlink(win, chunk, VXF_CHUNK_DEAD);
	mutex_unlock(&win->lock);
}

/**
 * vxf_window_map_cancel() - stop waiting for a MAP that is still owed
 * @win: the window
 * @chunk: the chunk, whose MAP the backend has not answered yet
 *
 * The waiters give up (a retried fault gets SIGBUS); the chunk keeps its
 * pages until the answer comes, which is installed, so that the frontend
 * never has two MAPs of a page in flight (see vxfif.h, "Answers that come
 * late").
 *
 * Context: process context, vxf_ring.lock held; takes the window lock.
 */
void vxf_window_map_cancel(struct vxf_window *win, struct vxf_chunk *chunk)
{
	mutex_lock(&win->lock);
	if (chunk->state == VXF_CHUNK_PENDING) {
		vxf_chunk_set_state(win, chunk, VXF_CHUNK_CANCELLED);
		chunk->error = -ETIMEDOUT;
		vxf_count(win, VXF_CNT_TIMEOUTS);
	}
	wake_up_all(&chunk->wq);
	mutex_unlock(&win->lock);
}

/**
 * vxf_window_free_run() - the next run of pages nobody maps or asks for
 * @win: the window
 * @chunk: a chunk whose own pages count as free
 * @first: in: where to start looking; out: the run's first page
 * @end: where to stop looking (exclusive), inside the window
 * @count: out: the run's length
 *
 * For giving back the pages of a MAP answer that was not installed: a page
 * that is mapped, or that another MAP in flight is for, must not be.
 *
 * Context: process context, vxf_ring.lock held (no MAP can be sent
 * meanwhile); takes the window lock.
 * Return: true if a run was found.
 */
bool vxf_window_free_run(struct vxf_window *win,
			 const struct vxf_chunk *chunk, u64 *first, u64 end,
			 u32 *count)
{
	u64 p = *first, start;
	void *entry;

	mutex_lock(&win->lock);
	for (; p < end; p++) {
		entry = xa_load(&win->pages, p);
		if (!entry || entry == chunk)
			break;
	}
	start = p;
	for (; p < end; p++) {
		entry = xa_load(&win->pages, p);
		if (entry && entry != chunk)
			break;
	}
	mutex_unlock(&win->lock);
	*first = start;
	*count = p - start;
	return p > start;
}

/**
 * vxf_window_map_done() - a MAP was answered
 * @win: the window
 * @chunk: the chunk the MAP was for
 * @rsp: the answer, a private copy whose counts ring.c has checked
 *
 * Maps the page references through the transport and puts the PFNs in the
 * window in place of the chunk, also when its waiters gave up (CANCELLED).
 * An answer for a chunk taken out of the window in the meantime is released
 * again at once. A PREFETCH MAP declined with XENVXF_STATUS_EAGAIN leaves
 * its pages absent, to be asked for again; any other error status fails the
 * MAP. References the transport refuses fail the MAP (SIGBUS for the
 * faulting tasks), not the device.
 *
 * Context: process context, vxf_ring.lock held, transport connected.
 * Return: false if the backend lent pages that were not installed (the
 * caller gives them back), true otherwise.
 */
bool vxf_window_map_done(struct vxf_window *win, struct vxf_chunk *chunk,
			 const struct xenvxf_rsp *rsp)
{
	struct vxf_device *dev = win->dev;
	u32 count = chunk->req.count;
	bool installed = false;
	u8 state;
	u32 i;
	int err;

	if (rsp->status == XENVXF_STATUS_EAGAIN &&
	    (chunk->req.flags & XENVXF_MAP_F_PREFETCH)) {
		vxf_window_map_declined(win, chunk);
		return true;
	}
	if (rsp->status) {
		vxf_window_map_failed(win, chunk, -EIO);
		return true;
	}
	state = READ_ONCE(chunk->state);
	if (state != VXF_CHUNK_PENDING && state != VXF_CHUNK_CANCELLED)
		return false;

	if (vxf_inject(VXF_INJECT_MAP))
		err = -ENOMEM;
	else
		err = dev->ops->map_refs(dev, rsp->ref, rsp->nr_refs,
					 rsp->ref_order, chunk->pfns);
	if (err) {
		dev_warn_ratelimited(dev->misc.this_device,
				     "backend gave unusable page references for pages %llu+%u: %d\n",
				     chunk->req.first, count, err);
		vxf_window_map_failed(win, chunk, -EIO);
		return false;
	}

	mutex_lock(&win->lock);
	if (chunk->state == VXF_CHUNK_PENDING ||
	    chunk->state == VXF_CHUNK_CANCELLED) {
		if (vxf_chunk_huge(chunk)) {
			/* The same range as the chunk's entry. */
			err = xa_err(xa_store_range(&win->pages,
						    chunk->req.first,
						    chunk->req.first + count - 1,
						    vxf_entry(chunk->pfns[0],
							      true,
							      VXF_CACHE_WB),
						    GFP_KERNEL));
			if (err) {
				mutex_unlock(&win->lock);
				dev->ops->unmap_pages(dev, chunk->pfns, count);
				vxf_window_map_failed(win, chunk, err);
				return false;
			}
		} else {
			/* Replacing existing entries allocates nothing. */
			for (i = 0; i < count; i++)
				xa_store(&win->pages, chunk->req.first + i,
					 vxf_entry(chunk->pfns[i], false,
						   VXF_CACHE_WB),
					 GFP_KERNEL);
		}
		vxf_chunk_set_state(win, chunk, VXF_CHUNK_INSTALLED);
		atomic64_add(count, &win->mapped_pages);
		/* The window's reference; the caller still holds one. */
		vxf_chunk_put(chunk);
		installed = true;
	}
	wake_up_all(&chunk->wq);
	mutex_unlock(&win->lock);

	if (!installed)
		dev->ops->unmap_pages(dev, chunk->pfns, count);
	return installed;
}
