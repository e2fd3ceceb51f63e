// SPDX-License-Identifier: GPL-2.0
/*
 * core.c - windows of on-demand memory: chunks and faults
 *
 * Per-page state is one xarray slot: the page's PFN (a value entry) while it
 * is mapped, nothing while it is absent. A page whose MAP is pending or has
 * just failed points to a struct vxf_chunk instead, which lives only that
 * long. However many tasks fault on a page, one MAP is sent for it: the
 * others wait for it. A MAP asks for the run of absent pages around the
 * faulting one, inside an aligned block of (1 << granule_shift) pages.
 *
 * The fault path follows handle_userfault(): a fault that must wait for the
 * backend drops the mmap (or per-VMA) lock, sleeps, and returns
 * VM_FAULT_RETRY, so that a slow backend never stalls munmap(), mprotect()
 * or other faults of the process. A caller that cannot retry (no
 * FAULT_FLAG_ALLOW_RETRY: fixup_user_fault() from futex, for instance) gets
 * the page if it is mapped and SIGBUS otherwise, without asking the backend:
 * it would have to wait with the lock held. Prefetch MAPs are queued after
 * the lock is dropped, and only so many per window are in flight.
 */

#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <xen/interface/hvm/vxf_fault.h>

#include "compat.h"
#include "trace.h"
#include "vxf.h"

/*
 * A reported fault (hypervisor mode) that cannot retry looks at its page at
 * most this often.
 */
#define VXF_NORETRY_ATTEMPTS	8

static struct vxf_chunk *vxf_chunk_alloc(struct vxf_window *win)
{
	struct vxf_chunk *chunk;

	if (vxf_inject(VXF_INJECT_ALLOC))
		return NULL;
	chunk = kvzalloc(struct_size(chunk, pfns, 1U << win->granule_shift),
			 GFP_KERNEL);
	if (!chunk)
		return NULL;
	vxf_live_add(VXF_LIVE_CHUNKS, 1);

	kref_init(&chunk->kref);
	init_waitqueue_head(&chunk->wq);
	chunk->req.op = XENVXF_OP_MAP;
	INIT_LIST_HEAD(&chunk->req.backlog);
	chunk->state = VXF_CHUNK_PENDING;
	return chunk;
}

static void vxf_chunk_release(struct kref *kref)
{
	kvfree(container_of(kref, struct vxf_chunk, kref));
	vxf_live_add(VXF_LIVE_CHUNKS, -1);
}

/**
 * vxf_chunk_put() - drop a reference to a chunk
 * @chunk: the chunk
 *
 * Context: any context that may sleep; no window lock needed.
 */
void vxf_chunk_put(struct vxf_chunk *chunk)
{
	kref_put(&chunk->kref, vxf_chunk_release);
}

/*
 * Move a chunk to @state. A prefetch chunk leaving PENDING no longer counts
 * against the window's prefetch in flight.
 */
void vxf_chunk_set_state(struct vxf_window *win, struct vxf_chunk *chunk,
			 u8 state)
{
	lockdep_assert_held(&win->lock);
	if (chunk->state == VXF_CHUNK_PENDING && state != VXF_CHUNK_PENDING &&
	    chunk->prefetch)
		win->prefetch_inflight -= chunk->req.count;
	chunk->state = state;
}

/*
 * Take a PENDING or FAILED chunk off its pages and give it @state. Drops the
 * window's reference: the caller must not touch the chunk afterwards unless
 * it holds one of its own.
 */
void vxf_chunk_unlink(struct vxf_window *win, struct vxf_chunk *chunk,
		      u8 state)
{
	u64 i;

	lockdep_assert_held(&win->lock);
	if (vxf_chunk_huge(chunk))
		xa_cmpxchg(&win->pages, chunk->req.first, chunk, NULL, 0);
	else
		for (i = 0; i < chunk->req.count; i++)
			xa_cmpxchg(&win->pages, chunk->req.first + i, chunk,
				   NULL, 0);
	vxf_chunk_set_state(win, chunk, state);
	wake_up_all(&chunk->wq);
	vxf_chunk_put(chunk);
}

/**
 * vxf_window_init() - set up an empty window
 * @win: the window
 * @dev: its device
 * @params: size, map granule, cache types and fault timeout
 *
 * Context: process context.
 * Return: 0, or -EINVAL for parameters out of range.
 */
int vxf_window_init(struct vxf_window *win, struct vxf_device *dev,
		    const struct vxf_window_params *params)
{
	u32 map_pages = params->map_pages ?: vxf_default_map_pages;
	u32 timeout_ms = params->fault_timeout_ms ?:
			 vxf_default_fault_timeout_ms;
	int i;

	if (!params->nr_pages || params->nr_pages > XENVXF_MAX_WINDOW_PAGES)
		return -EINVAL;
	if (!is_power_of_2(map_pages) || map_pages > XENVXF_MAX_MAP_PAGES)
		return -EINVAL;
	if (params->cache > VXF_CACHE_UC || !timeout_ms)
		return -EINVAL;

	win->dev = dev;
	win->nr_pages = params->nr_pages;
	win->superpage = params->superpage;
	win->granule_shift = params->superpage ? XENVXF_SUPERPAGE_ORDER :
			     ilog2(map_pages);
	win->cache = params->cache;
	win->caches = (params->caches & (BIT(VXF_CACHE_WC) | BIT(VXF_CACHE_UC))) |
		      BIT(VXF_CACHE_WB);
	win->fault_timeout = msecs_to_jiffies(timeout_ms);
	win->prefetch_inflight = 0;
	for (i = 0; i < VXF_RA_STREAMS; i++)
		win->ra[i] = (struct vxf_ra_stream){ .next = U64_MAX };
	init_rwsem(&win->map_sem);
	mutex_init(&win->lock);
	mutex_init(&win->huge_lock);
	mutex_init(&win->claims_lock);
	win->claims = RB_ROOT_CACHED;
	xa_init(&win->pages);
	xa_init(&win->hv_failed);
	atomic64_set(&win->mapped_pages, 0);
	for (i = 0; i < VXF_CNT_NR; i++)
		atomic64_set(&win->counters[i], 0);
	for (i = 0; i < VXF_LAT_BUCKETS; i++)
		atomic64_set(&win->lat_hist[i], 0);
	return 0;
}

/**
 * vxf_window_destroy() - free what is left of a window
 * @win: the window, with no user, no transport and no request in flight
 *
 * Context: process context.
 */
void vxf_window_destroy(struct vxf_window *win)
{
	unsigned long index;
	void *entry;

	/* Disconnect dropped every mapped page; FAILED chunks may remain. */
	mutex_lock(&win->lock);
	xa_for_each(&win->pages, index, entry) {
		if (WARN_ON_ONCE(xa_is_value(entry)))
			xa_erase(&win->pages, index);
		else
			vxf_chunk_unlink(win, entry, VXF_CHUNK_DEAD);
	}
	mutex_unlock(&win->lock);
	xa_destroy(&win->pages);
	xa_destroy(&win->hv_failed);
}

static void vxf_window_record_latency(struct vxf_window *win, u64 start_ns)
{
	u64 us = div_u64(ktime_get_ns() - start_ns, NSEC_PER_USEC);
	unsigned int bucket = us ? ilog2(us) : 0;

	atomic64_inc(&win->lat_hist[min(bucket, VXF_LAT_BUCKETS - 1U)]);
}

/*
 * What to ask for when @pgoff is absent: its whole aligned block of
 * (1 << granule_shift) pages if the window uses superpages and the block is
 * entirely absent and inside the window, otherwise the run of absent pages
 * around @pgoff inside its aligned block of at most XENVXF_MAX_MAP_PAGES.
 */
static void vxf_window_absent_run(struct vxf_window *win, u64 pgoff,
				  struct vxf_request *req)
{
	unsigned int shift = win->granule_shift;
	unsigned long index;
	u64 block, end, lo, hi;

	if (win->superpage) {
		block = round_down(pgoff, XENVXF_SUPERPAGE_PAGES);
		index = block;
		if (block + XENVXF_SUPERPAGE_PAGES <= win->nr_pages &&
		    !xa_find(&win->pages, &index,
			     block + XENVXF_SUPERPAGE_PAGES - 1, XA_PRESENT)) {
			req->first = block;
			req->count = XENVXF_SUPERPAGE_PAGES;
			return;
		}
		shift = VXF_SMALL_MAP_SHIFT;
	}

	block = round_down(pgoff, 1ULL << shift);
	end = min(block + (1ULL << shift), win->nr_pages);
	lo = pgoff;
	hi = pgoff + 1;
	while (lo > block && !xa_load(&win->pages, lo - 1))
		lo--;
	while (hi < end && !xa_load(&win->pages, hi))
		hi++;
	req->first = lo;
	req->count = hi - lo;
}

/* Put a new chunk on all its pages, or on none. */
static int vxf_chunk_link(struct vxf_window *win, struct vxf_chunk *chunk)
{
	u64 last = chunk->req.first + chunk->req.count - 1;
	u64 i;
	int err;

	lockdep_assert_held(&win->lock);
	if (vxf_chunk_huge(chunk))
		return xa_err(xa_store_range(&win->pages, chunk->req.first,
					     last, chunk, GFP_KERNEL));

	for (i = 0; i < chunk->req.count; i++) {
		err = xa_err(xa_store(&win->pages, chunk->req.first + i, chunk,
				      GFP_KERNEL));
		if (err)
			goto err_unwind;
	}
	return 0;

err_unwind:
	while (i--)
		xa_erase(&win->pages, chunk->req.first + i);
	return err;
}

/*
 * Give the frames of mapped page @pgoff (every frame of its block, for a
 * 2 MiB entry) the memory type @cache of the mapping that faults, if they
 * have another, and return the entry as it is then in *@entryp. The claims
 * of the window's mappings (mmap.c) make sure that no page table maps the
 * frames with the other type meanwhile: every live mapping of the page has
 * type @cache. SIGBUS when the kernel refuses the type (cache.c): a frame
 * is never mapped with another type than the mapping's.
 *
 * Context: map_sem held for reading (the entry stays); takes the window
 * lock.
 */
static vm_fault_t vxf_entry_retype(struct vxf_window *win, u64 pgoff,
				   void **entryp, u32 cache)
{
	unsigned int nr;
	void *entry;
	u32 now;
	int err;

	mutex_lock(&win->lock);
	entry = xa_load(&win->pages, pgoff);
	now = vxf_entry_cache(entry);
	if (now != cache) {
		nr = vxf_entry_huge(entry) ? XENVXF_SUPERPAGE_PAGES : 1;
		err = vxf_frames_retype(vxf_entry_base_pfn(entry), nr, now,
					cache, &now);
		if (err)
			dev_warn_ratelimited(win->dev->misc.this_device,
					     "cannot give window page %llu memory type %u: %d\n",
					     pgoff, cache, err);
		entry = vxf_entry(vxf_entry_base_pfn(entry),
				  vxf_entry_huge(entry), now);
		/* Replaces the whole entry, also a 2 MiB one: no allocation. */
		xa_store(&win->pages, pgoff, entry, GFP_KERNEL);
	}
	mutex_unlock(&win->lock);
	*entryp = entry;
	return now == cache ? 0 : VM_FAULT_SIGBUS;
}

/*
 * Insert the PTE of a mapped page. A page of a 2 MiB block may meanwhile be
 * getting a PMD from vxf_window_huge_fault() on another CPU: a PTE must
 * never be put under it (the page table walk would find a huge PMD), so
 * both insertions of a block's pages are serialised, and a PMD already
 * there maps the page.
 */
static vm_fault_t vxf_insert_pte(struct vxf_window *win, struct vm_fault *vmf,
				 void *entry, u32 cache)
{
	unsigned long addr = vmf->address & PAGE_MASK;
	unsigned long pfn;
	vm_fault_t ret;

	if (vxf_entry_cache(entry) != cache) {
		ret = vxf_entry_retype(win, vmf->pgoff, &entry, cache);
		if (ret)
			return ret;
	}
	pfn = vxf_entry_pfn(entry, vmf->pgoff);
	if (!vxf_entry_huge(entry))
		return vmf_insert_pfn(vmf->vma, addr, pfn);

	mutex_lock(&win->huge_lock);
	if (pmd_trans_huge(READ_ONCE(*vmf->pmd)))
		ret = VM_FAULT_NOPAGE;
	else
		ret = vmf_insert_pfn(vmf->vma, addr, pfn);
	mutex_unlock(&win->huge_lock);
	return ret;
}

/* Make @chunk the MAP of the absent run around @pgoff, on all its pages. */
static int vxf_chunk_link_run(struct vxf_window *win, struct vxf_chunk *chunk,
			      u64 pgoff)
{
	vxf_window_absent_run(win, pgoff, &chunk->req);
	return vxf_chunk_link(win, chunk);
}

/*
 * Sequential detection, for a fresh MAP about to be sent. The window follows
 * up to VXF_RA_STREAMS streams, most recently used first: a MAP that starts
 * where a stream's last MAP (and the prefetch after it) ended continues that
 * stream. A stream's first sequential miss asks for 4 times its own size
 * ahead, each next one twice as much as the last, up to
 * vxf_window_prefetch_max() (read here, so that a change of the module
 * parameter applies to every window from its next miss on). Any
 * other miss starts a stream in place of the least recently used one, so
 * threads reading their own ranges each keep theirs. Returns the pages to
 * ask for after @req.
 */
static u64 vxf_window_ra_update(struct vxf_window *win,
				const struct vxf_request *req)
{
	u64 end = req->first + req->count;
	struct vxf_ra_stream hit = { .next = end, .pages = 0 };
	unsigned int i, last = VXF_RA_STREAMS - 1;
	u32 max = vxf_window_prefetch_max(win);

	lockdep_assert_held(&win->lock);
	if (!max)
		return 0;
	for (i = 0; i < VXF_RA_STREAMS; i++) {
		if (win->ra[i].next == req->first) {
			u64 n = win->ra[i].pages ? 2 * win->ra[i].pages :
						   4ULL * req->count;

			hit.pages = min3(n, (u64)max,
					 win->nr_pages - end);
			hit.next = end + hit.pages;
			last = i;
			break;
		}
	}
	/* The stream moves to the front, the others down one slot. */
	memmove(&win->ra[1], &win->ra[0], last * sizeof(win->ra[0]));
	win->ra[0] = hit;
	return hit.pages;
}

/*
 * The prefetch that vxf_window_ra_update() planned to end at @planned
 * stopped at @end (the cap on prefetch in flight, or no memory): the stream
 * goes on from there, its next miss asking for as much as a first one.
 */
static void vxf_window_ra_trim(struct vxf_window *win, u64 planned, u64 end)
{
	unsigned int i;

	mutex_lock(&win->lock);
	for (i = 0; i < VXF_RA_STREAMS; i++) {
		if (win->ra[i].next == planned) {
			win->ra[i].next = end;
			win->ra[i].pages = 0;
			break;
		}
	}
	mutex_unlock(&win->lock);
}

/*
 * One look at @vmf->pgoff, under map_sem and the window lock. Returns
 * VM_FAULT_NOPAGE (PFN inserted) or an error when the fault is over.
 * Returns 0 with *waitp set, and a reference held, when the fault must wait
 * for a MAP; *sendp then says that this fault made the chunk and must queue
 * its MAP. A fault that cannot wait (@nowait) gets SIGBUS for a page that is
 * not mapped, unless the hypervisor reports it.
 */
static vm_fault_t vxf_fault_lookup(struct vxf_window *win,
				   struct vm_fault *vmf, u32 cache, bool tried,
				   bool nowait, struct vxf_chunk **waitp,
				   bool *sendp, bool *reportp, u64 *prefetchp)
{
	struct vxf_chunk *chunk, *fresh = NULL;
	vm_fault_t ret = 0;
	void *entry;

	*waitp = NULL;
	*sendp = false;
	*reportp = false;
	*prefetchp = 0;
again:
	down_read(&win->map_sem);
	/*
	 * A mapped page's entry only goes away under map_sem written: no
	 * window lock is needed to insert it.
	 */
	entry = xa_load(&win->pages, vmf->pgoff);
	if (xa_is_value(entry)) {
		ret = vxf_insert_pte(win, vmf, entry, cache);
		up_read(&win->map_sem);
		if (!tried)
			vxf_count(win, VXF_CNT_FAULTS_PRESENT);
		goto out;
	}
	if (nowait && !win->hv_gfn) {
		/*
		 * As handle_userfault(): a fault that cannot drop the lock
		 * must not wait for the backend with it held.
		 */
		up_read(&win->map_sem);
		ret = VM_FAULT_SIGBUS;
		goto out;
	}

	mutex_lock(&win->lock);
	entry = xa_load(&win->pages, vmf->pgoff);
	if (xa_is_value(entry)) {
		/* Installed since the first look: take the fast path. */
		mutex_unlock(&win->lock);
		up_read(&win->map_sem);
		goto again;
	}
	chunk = entry;
	if (chunk && chunk->state == VXF_CHUNK_CANCELLED && !tried) {
		/* Its MAP is still owed an answer: wait for that again. */
		chunk->state = VXF_CHUNK_PENDING;
	}
	if (chunk && chunk->state == VXF_CHUNK_FAILED && !tried) {
		/* A new access gives the backend another chance. */
		vxf_chunk_unlink(win, chunk, VXF_CHUNK_DEAD);
		chunk = NULL;
	}
	if (chunk && chunk->state != VXF_CHUNK_PENDING) {
		ret = VM_FAULT_SIGBUS;
		goto unlock;
	}
	if (win->hv_gfn) {
		/* The hypervisor sees the access and reports it. */
		if (READ_ONCE(win->dev->ring.connected))
			*reportp = true;
		else
			ret = VM_FAULT_SIGBUS;
		goto unlock;
	}
	if (chunk) {
		kref_get(&chunk->kref);
		*waitp = chunk;
		if (!tried)
			vxf_count(win, VXF_CNT_COALESCED);
		goto unlock;
	}

	if (!READ_ONCE(win->dev->ring.connected)) {
		ret = VM_FAULT_SIGBUS;
		goto unlock;
	}
	if (!fresh) {
		/* Allocate outside the locks, then look again. */
		mutex_unlock(&win->lock);
		up_read(&win->map_sem);
		fresh = vxf_chunk_alloc(win);
		if (!fresh)
			return VM_FAULT_OOM;
		goto again;
	}

	if (vxf_chunk_link_run(win, fresh, vmf->pgoff)) {
		ret = VM_FAULT_OOM;
		goto unlock;
	}
	/* The window holds the initial reference; this one is the waiter's. */
	kref_get(&fresh->kref);
	*waitp = fresh;
	*sendp = true;
	*prefetchp = vxf_window_ra_update(win, &fresh->req);
	fresh = NULL;
unlock:
	mutex_unlock(&win->lock);
	up_read(&win->map_sem);
out:
	if (fresh)
		vxf_chunk_put(fresh);
	return ret;
}

/*
 * Queue the MAP of a chunk just linked into the window. On failure the chunk
 * is FAILED and -errno returned.
 */
static int vxf_chunk_send(struct vxf_window *win, struct vxf_chunk *chunk,
			  bool write)
{
	int err;

	if (write)
		chunk->req.flags |= XENVXF_MAP_F_WRITE;
	vxf_count(win, VXF_CNT_MAPS);
	vxf_count_add(win, VXF_CNT_MAP_PAGES, chunk->req.count);

	/* The request in flight holds a reference, dropped when answered. */
	kref_get(&chunk->kref);
	err = vxf_ring_send(win->dev, &chunk->req);
	if (err) {
		vxf_window_map_failed(win, chunk, err);
		vxf_chunk_put(chunk);
	}
	return err;
}

/*
 * Ask for the absent pages of [@first, @first + @count) ahead of a
 * sequential fault: MAPs flagged XENVXF_MAP_F_PREFETCH that nobody waits
 * for, each for an absent run inside its aligned block like any MAP. Pages
 * already mapped or asked for are skipped. Best effort: stops at the
 * first allocation or send failure, and where the window's prefetch in
 * flight would pass VXF_PREFETCH_INFLIGHT_PAGES. Called without the fault
 * lock: the faulting task has dropped it.
 *
 * Returns the page where it stopped (@first + @count when it did not).
 */
static u64 vxf_window_prefetch(struct vxf_window *win, u64 first, u64 count,
			       bool write)
{
	u64 p = first, end = first + count;
	struct vxf_chunk *chunk;
	int err;

	while (p < end) {
		chunk = vxf_chunk_alloc(win);
		if (!chunk)
			return p;
		mutex_lock(&win->lock);
		while (p < end && xa_load(&win->pages, p))
			p++;
		if (p == end ||
		    win->prefetch_inflight >= VXF_PREFETCH_INFLIGHT_PAGES ||
		    vxf_chunk_link_run(win, chunk, p)) {
			mutex_unlock(&win->lock);
			vxf_chunk_put(chunk);
			return p;
		}
		chunk->req.flags |= XENVXF_MAP_F_PREFETCH;
		chunk->prefetch = true;
		win->prefetch_inflight += chunk->req.count;
		/* Ours across the send: a revoke may unlink it meanwhile. */
		kref_get(&chunk->kref);
		mutex_unlock(&win->lock);

		err = vxf_chunk_send(win, chunk, write);
		if (!err)
			vxf_count_add(win, VXF_CNT_PREFETCH_PAGES,
				      chunk->req.count);
		p = chunk->req.first + chunk->req.count;
		vxf_chunk_put(chunk);
		if (err)
			return p;
	}
	return end;
}

/* Prefetch after a sequential miss whose MAP is @chunk's; see above. */
static void vxf_fault_prefetch(struct vxf_window *win,
			       const struct vxf_chunk *chunk, u64 pages,
			       bool write)
{
	u64 first = chunk->req.first + chunk->req.count;
	u64 end = first;

	if (pages)
		end = vxf_window_prefetch(win, first, pages, write);
	if (end != first + pages)
		vxf_window_ra_trim(win, first + pages, end);
}

static bool vxf_chunk_settled(struct vxf_chunk *chunk)
{
	return READ_ONCE(chunk->state) != VXF_CHUNK_PENDING;
}

/*
 * Wait until the chunk leaves PENDING, for at most the fault timeout.
 * Returns 0, -ETIMEDOUT (the MAP was given up), or -EINTR (a signal: the MAP
 * goes on, the fault is retried once the signal is handled).
 *
 * As handle_userfault(), a fault flagged FAULT_FLAG_INTERRUPTIBLE waits
 * interruptibly, so that SIGSTOP and ptrace reach a task waiting for the
 * backend; a fatal signal always ends the wait. Only user-mode faults: a
 * kernel access (copy_to_user()) is retried at once while the signal is
 * pending, which would make an interruptible wait a busy loop.
 */
static int vxf_fault_wait(struct vxf_window *win, struct vxf_chunk *chunk,
			  unsigned int flags)
{
	long left;

	if (vxf_inject(VXF_INJECT_TIMEOUT))
		left = 0;
	else if ((flags & FAULT_FLAG_INTERRUPTIBLE) &&
		 (flags & FAULT_FLAG_USER))
		left = wait_event_interruptible_timeout(chunk->wq,
							vxf_chunk_settled(chunk),
							win->fault_timeout);
	else
		left = wait_event_killable_timeout(chunk->wq,
						   vxf_chunk_settled(chunk),
						   win->fault_timeout);
	if (left > 0)
		return 0;
	if (left < 0)
		return -EINTR;

	vxf_ring_cancel_map(win->dev, chunk, -ETIMEDOUT);
	return -ETIMEDOUT;
}

/*
 * Before a fault drops the fault lock to wait: the VMA may go meanwhile,
 * and with it the file that pins this module and the last reference to the
 * device, so the waiting task holds both itself (the device holds its
 * transport's module). handle_userfault() needs no module reference, being
 * built in; this driver is not.
 */
static void vxf_fault_hold(struct vxf_device *dev)
{
	__module_get(THIS_MODULE);
	vxf_device_get(dev);
}

static void vxf_fault_unhold(struct vxf_device *dev)
{
	vxf_device_put(dev);
	module_put(THIS_MODULE);
}

/*
 * Hypervisor mode: the access reaches the hypervisor (here its stand-in),
 * which reports it and holds the faulting context until the report is
 * resolved. Returns VM_FAULT_RETRY when the fault lock was dropped, 0 to
 * look again with the lock held, or VM_FAULT_SIGBUS.
 */
static vm_fault_t vxf_fault_report(struct vxf_window *win,
				   struct vm_fault *vmf, u64 start)
{
	struct vxf_device *dev = win->dev;
	const struct vxf_hv_ops *ops = vxf_hv_ops(dev);
	unsigned long timeout = 2 * win->fault_timeout;
	u8 access = vmf->flags & FAULT_FLAG_WRITE ? XEN_FAULT_ACCESS_WRITE :
						    XEN_FAULT_ACCESS_READ;
	u64 seq;

	if (!ops || !ops->report ||
	    ops->report(dev, vmf->pgoff, access,
			vmf->flags & FAULT_FLAG_USER, &seq))
		return VM_FAULT_SIGBUS;

	if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY)) {
		if (!ops->report_wait(dev, seq, timeout))
			vxf_window_record_latency(win, start);
		return 0;
	}
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT) {
		ops->report_wait(dev, seq, 0);
		return VM_FAULT_RETRY;
	}
	vxf_fault_hold(dev);
	vxf_release_fault_lock(vmf);
	if (!ops->report_wait(dev, seq, timeout))
		vxf_window_record_latency(win, start);
	vxf_fault_unhold(dev);
	return VM_FAULT_RETRY;
}

/*
 * Xen hypervisor mode: window page N is guest frame hv_gfn + N, always. The
 * fault inserts that frame and never waits: if the backend's page is not
 * there, the access reaches Xen, which holds the vCPU and reports it
 * (xen_hv.c sends the MAP). A page whose MAP the backend refused while a
 * vCPU was held on it gets SIGBUS once, which ends that access; the next
 * one tries again.
 */
static vm_fault_t vxf_frame_fault(struct vxf_window *win, struct vm_fault *vmf)
{
	vm_fault_t ret = VM_FAULT_SIGBUS;

	/* map_sem: no frame is inserted after vxf_window_hv_frames_end(). */
	down_read(&win->map_sem);
	if (!READ_ONCE(win->hv_frames))
		goto out;
	/* Told before the failure is taken: see vxf_xen_hv_fail_page(). */
	if (xa_load(&win->hv_failed, vmf->pgoff)) {
		vxf_xen_hv_fail_taken(win->hv_xen);
		if (xa_erase(&win->hv_failed, vmf->pgoff))
			goto out;
	}
	if (READ_ONCE(win->dev->ring.connected))
		ret = vmf_insert_pfn(vmf->vma, vmf->address & PAGE_MASK,
				     win->hv_gfn + vmf->pgoff);
out:
	up_read(&win->map_sem);
	return ret;
}

/**
 * vxf_window_hv_frames_end() - take the window out of hypervisor frames mode
 * @win: the window
 *
 * Every user mapping of the window is zapped, and no frame is inserted
 * afterwards: the window's next faults find no hypervisor and get SIGBUS,
 * so that nothing reads a hole Xen no longer reports.
 *
 * Context: process context.
 */
void vxf_window_hv_frames_end(struct vxf_window *win)
{
	struct inode *inode = READ_ONCE(win->dev->inode);

	down_write(&win->map_sem);
	WRITE_ONCE(win->hv_frames, false);
	if (inode)
		unmap_mapping_range(inode->i_mapping, 0,
				    (loff_t)win->nr_pages << PAGE_SHIFT, 1);
	up_write(&win->map_sem);
}

/**
 * vxf_window_hv_frame_fail() - fail the held accesses to a window page
 * @win: the window, in hypervisor frames mode
 * @page: the window page, inside the window
 *
 * The page's next fault gets SIGBUS (a task) or -EFAULT (the kernel's user
 * copies); every user mapping of the page is zapped so that the retried
 * access takes that fault. The caller then resolves the records.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM (nothing marked: the retry reports again).
 */
int vxf_window_hv_frame_fail(struct vxf_window *win, u64 page)
{
	struct inode *inode = READ_ONCE(win->dev->inode);
	int err;

	/*
	 * Counted first: Xen lets a held vCPU take interrupts, and the access
	 * it retries after one may fault and take the SIGBUS as soon as the
	 * page is marked and unmapped, before the caller resolves the record.
	 * A task reading the statistics in its handler must see the refusal.
	 */
	vxf_count(win, VXF_CNT_HV_FAILED);
	err = xa_err(xa_store(&win->hv_failed, page, xa_mk_value(1),
			      GFP_KERNEL));
	if (err)
		return err;
	if (inode)
		unmap_mapping_range(inode->i_mapping, (loff_t)page << PAGE_SHIFT,
				    PAGE_SIZE, 1);
	return 0;
}

/**
 * vxf_window_fault() - resolve a fault on a window page
 * @win: the window
 * @vmf: the fault; vmf->pgoff is the window page
 * @cache: VXF_CACHE_* of the mapping that faults
 *
 * Inserts the page's PFN if it is mapped; otherwise sends (or joins) the MAP
 * of the page and waits for it. The wait drops the fault lock and
 * VM_FAULT_RETRY is returned, as handle_userfault() does; the retried fault
 * then finds the page (or its failure: SIGBUS). A fault that cannot retry
 * (no FAULT_FLAG_ALLOW_RETRY) gets SIGBUS for a page that is not mapped.
 *
 * Context: a page fault, mmap lock or per-VMA lock held for reading.
 * Return: VM_FAULT_NOPAGE, VM_FAULT_RETRY, VM_FAULT_SIGBUS or VM_FAULT_OOM.
 */
vm_fault_t vxf_window_fault(struct vxf_window *win, struct vm_fault *vmf,
			    u32 cache)
{
	bool nowait = !(vmf->flags & FAULT_FLAG_ALLOW_RETRY);
	bool tried = vmf->flags & FAULT_FLAG_TRIED;
	bool write = vmf->vma->vm_flags & VM_WRITE;
	unsigned int flags = vmf->flags;
	u64 start = ktime_get_ns();
	struct vxf_chunk *chunk;
	unsigned int attempt;
	bool send, report;
	u64 prefetch;
	vm_fault_t ret;
	int err;

	trace_vxf_fault_start(win->dev->index, vmf->pgoff, vmf->flags);
	if (!tried)
		vxf_count(win, VXF_CNT_FAULTS);
	if (vmf->pgoff >= win->nr_pages) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}

	if (READ_ONCE(win->hv_frames)) {
		ret = vxf_frame_fault(win, vmf);
		goto out;
	}

	for (attempt = 0; ; attempt++) {
		ret = vxf_fault_lookup(win, vmf, cache, tried || attempt,
				       nowait, &chunk, &send, &report,
				       &prefetch);
		if (!report)
			break;
		ret = vxf_fault_report(win, vmf, start);
		if (!ret && attempt >= VXF_NORETRY_ATTEMPTS)
			ret = VM_FAULT_SIGBUS;
		if (ret == VM_FAULT_RETRY)
			return ret;	/* the fault lock was dropped */
		if (ret)
			goto out;
	}
	if (!chunk)
		goto out;
	if (send)
		vxf_chunk_send(win, chunk, write);

	if (flags & FAULT_FLAG_RETRY_NOWAIT) {
		/* The caller keeps the lock and retries: no prefetch. */
		if (send && prefetch)
			vxf_window_ra_trim(win, chunk->req.first +
					   chunk->req.count + prefetch,
					   chunk->req.first + chunk->req.count);
		vxf_chunk_put(chunk);
		ret = VM_FAULT_RETRY;
		goto out;
	}

	vxf_fault_hold(win->dev);
	vxf_release_fault_lock(vmf);
	if (send)
		vxf_fault_prefetch(win, chunk, prefetch, write);
	err = vxf_fault_wait(win, chunk, flags);
	vxf_chunk_put(chunk);
	if (!err)
		vxf_window_record_latency(win, start);
	trace_vxf_fault_end(win->dev->index, vmf->pgoff,
			    (__force unsigned int)VM_FAULT_RETRY);
	vxf_fault_unhold(win->dev);
	return VM_FAULT_RETRY;

out:
	if (ret & VM_FAULT_SIGBUS)
		vxf_count(win, VXF_CNT_SIGBUS);
	trace_vxf_fault_end(win->dev->index, vmf->pgoff,
			    (__force unsigned int)ret);
	return ret;
}

/**
 * vxf_window_huge_fault() - map a whole 2 MiB block with one PMD
 * @win: the window
 * @vmf: a PMD-sized fault; vmf->pgoff is the window page
 * @cache: VXF_CACHE_* of the mapping that faults
 *
 * Only a block that is mapped, as one superpage, and that lines up with the
 * PMD inside the VMA, is inserted here; anything else falls back to the PTE
 * path, which asks for the block and makes the next access come back here.
 *
 * Context: a page fault, mmap lock or per-VMA lock held for reading.
 * Return: VM_FAULT_NOPAGE, VM_FAULT_FALLBACK, or an error.
 */
vm_fault_t vxf_window_huge_fault(struct vxf_window *win, struct vm_fault *vmf,
				 u32 cache)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address & PMD_MASK;
	vm_fault_t ret = VM_FAULT_FALLBACK;
	void *entry;

	if (!win->superpage || vmf->pgoff >= win->nr_pages)
		return VM_FAULT_FALLBACK;
	if (((vmf->address >> PAGE_SHIFT) ^ vmf->pgoff) &
	    (XENVXF_SUPERPAGE_PAGES - 1))
		return VM_FAULT_FALLBACK;
	if (addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;

	down_read(&win->map_sem);
	entry = xa_load(&win->pages, vmf->pgoff);
	/* A type the frames cannot take: the PTE path fails the fault. */
	if (xa_is_value(entry) && vxf_entry_huge(entry) &&
	    vxf_entry_cache(entry) != cache &&
	    vxf_entry_retype(win, vmf->pgoff, &entry, cache))
		entry = NULL;
	if (xa_is_value(entry) && vxf_entry_huge(entry)) {
		pmd_t pmd;

		mutex_lock(&win->huge_lock);
		pmd = READ_ONCE(*vmf->pmd);
		/*
		 * A page table already there (PTEs of this block, or left
		 * empty by a zap from when it was mapped in small runs): go on
		 * with PTEs rather than put a PMD over it.
		 */
		if (!pmd_none(pmd) && !pmd_trans_huge(pmd))
			ret = VM_FAULT_FALLBACK;
		else
			ret = vxf_insert_pfn_pmd(vmf, vxf_entry_base_pfn(entry),
						 vmf->flags & FAULT_FLAG_WRITE);
		mutex_unlock(&win->huge_lock);
		vxf_count(win, VXF_CNT_FAULTS);
		vxf_count(win, VXF_CNT_FAULTS_PRESENT);
	}
	up_read(&win->map_sem);
	return ret;
}

/**
 * vxf_window_hv_fault() - the hypervisor reported an access to a page
 * @win: the window
 * @page: the window page, checked to be inside the window
 * @write: the access was a write
 *
 * Joins the page's MAP in flight, or sends one.
 *
 * Context: process context; takes map_sem, the window lock, vxf_ring.lock.
 * Return: what to do with the report now.
 */
enum vxf_hv_action vxf_window_hv_fault(struct vxf_window *win, u64 page,
				       bool write)
{
	struct vxf_chunk *chunk, *fresh;
	enum vxf_hv_action act;
	bool made = false;
	void *entry;

	fresh = vxf_chunk_alloc(win);
	down_read(&win->map_sem);
	mutex_lock(&win->lock);
	entry = xa_load(&win->pages, page);
	chunk = xa_is_value(entry) ? NULL : entry;
	if (xa_is_value(entry)) {
		act = VXF_HV_RESOLVE;	/* mapped in the meantime */
	} else if (chunk && chunk->state == VXF_CHUNK_PENDING) {
		act = VXF_HV_WAIT;
		vxf_count(win, VXF_CNT_COALESCED);
	} else if (chunk || !READ_ONCE(win->dev->ring.connected) || !fresh) {
		act = VXF_HV_FAIL;
	} else {
		made = !vxf_chunk_link_run(win, fresh, page);
		act = made ? VXF_HV_WAIT : VXF_HV_FAIL;
	}
	/*
	 * The window holds the initial reference; ours across the send, or a
	 * revoke unlinking the chunk meanwhile would free it under us.
	 */
	if (made)
		kref_get(&fresh->kref);
	mutex_unlock(&win->lock);
	up_read(&win->map_sem);
	if (!made) {
		if (fresh)
			vxf_chunk_put(fresh);
		return act;
	}

	/* The chunk this report made: send its MAP. */
	if (vxf_chunk_send(win, fresh, write))
		act = VXF_HV_FAIL;
	vxf_chunk_put(fresh);
	return act;
}

/**
 * vxf_window_hv_state() - how a reported page stands now
 * @win: the window
 * @page: the window page
 *
 * Context: process context; takes the window lock.
 * Return: VXF_HV_WAIT while its MAP is in flight, VXF_HV_FAIL if that MAP
 * failed, VXF_HV_RESOLVE otherwise (mapped, or to be asked for again).
 */
enum vxf_hv_action vxf_window_hv_state(struct vxf_window *win, u64 page)
{
	enum vxf_hv_action act = VXF_HV_RESOLVE;
	struct vxf_chunk *chunk;
	void *entry;

	mutex_lock(&win->lock);
	entry = xa_load(&win->pages, page);
	chunk = xa_is_value(entry) ? NULL : entry;
	if (chunk)
		act = chunk->state == VXF_CHUNK_PENDING ? VXF_HV_WAIT :
							  VXF_HV_FAIL;
	mutex_unlock(&win->lock);
	return act;
}

/**
 * vxf_window_hv_give_up() - the fault timeout passed for a reported page
 * @win: the window
 * @page: the window page
 *
 * Context: process context; takes vxf_ring.lock and the window lock.
 */
void vxf_window_hv_give_up(struct vxf_window *win, u64 page)
{
	struct vxf_chunk *chunk = NULL;
	void *entry;

	mutex_lock(&win->lock);
	entry = xa_load(&win->pages, page);
	if (entry && !xa_is_value(entry)) {
		chunk = entry;
		kref_get(&chunk->kref);
	}
	mutex_unlock(&win->lock);
	if (chunk) {
		vxf_ring_cancel_map(win->dev, chunk, -ETIMEDOUT);
		vxf_chunk_put(chunk);
	}
}

/**
 * vxf_window_get_stats() - a snapshot of the window's counters
 * @win: the window
 * @st: filled in; its size and flags are left 0
 *
 * Context: any.
 */
void vxf_window_get_stats(struct vxf_window *win, struct vxf_stats *st)
{
	atomic64_t *c = win->counters;

	memset(st, 0, sizeof(*st));
	st->faults = atomic64_read(&c[VXF_CNT_FAULTS]);
	st->faults_present = atomic64_read(&c[VXF_CNT_FAULTS_PRESENT]);
	st->coalesced = atomic64_read(&c[VXF_CNT_COALESCED]);
	st->maps = atomic64_read(&c[VXF_CNT_MAPS]);
	st->map_pages = atomic64_read(&c[VXF_CNT_MAP_PAGES]);
	st->map_errors = atomic64_read(&c[VXF_CNT_MAP_ERRORS]);
	st->timeouts = atomic64_read(&c[VXF_CNT_TIMEOUTS]);
	st->revokes = atomic64_read(&c[VXF_CNT_REVOKES]);
	st->revoked_pages = atomic64_read(&c[VXF_CNT_REVOKED_PAGES]);
	st->resets = atomic64_read(&c[VXF_CNT_RESETS]);
	st->unmaps = atomic64_read(&c[VXF_CNT_UNMAPS]);
	st->sigbus = atomic64_read(&c[VXF_CNT_SIGBUS]);
	st->protocol_errors = atomic64_read(&c[VXF_CNT_PROTOCOL_ERRORS]);
	st->disconnects = atomic64_read(&c[VXF_CNT_DISCONNECTS]);
	st->hv_reports = atomic64_read(&c[VXF_CNT_HV_REPORTS]);
	st->hv_rejected = atomic64_read(&c[VXF_CNT_HV_REJECTED]);
	st->hv_overflows = atomic64_read(&c[VXF_CNT_HV_OVERFLOWS]);
	st->hv_failed = atomic64_read(&c[VXF_CNT_HV_FAILED]);
	st->prefetched_pages = atomic64_read(&c[VXF_CNT_PREFETCH_PAGES]);
	st->mapped_pages = atomic64_read(&win->mapped_pages);
}
