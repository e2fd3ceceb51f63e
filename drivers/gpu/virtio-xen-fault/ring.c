// SPDX-License-Identifier: GPL-2.0
/*
 * ring.c - frontend half of the vxfif shared-ring protocol
 *
 * Sends MAP requests, matches the backend's answers to them, and handles the
 * backend's events (REVOKE, RESET). Nothing the backend writes is trusted:
 * producer indexes are checked against what the frontend can have consumed,
 * each message is copied out of shared memory once, and every id, operation
 * and count is checked against the request it claims to answer. A backend
 * that breaks the rules gets one rate-limited message and is disconnected:
 * every page it lent is dropped and the faults waiting on it get SIGBUS.
 *
 * Ring processing runs in process context (the transport's work item or,
 * in loop mode, the backend's notify call), in passes of at most
 * VXF_RING_BUDGET messages: a backend that keeps producing gets its
 * messages handled in several passes, with the ring lock dropped between
 * them, rather than one loop that never ends.
 */

#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "trace.h"
#include "vxf.h"

/**
 * vxf_ring_init() - set up the ring state of a new device
 * @ring: the ring
 *
 * Context: process context.
 */
void vxf_ring_init(struct vxf_ring *ring)
{
	mutex_init(&ring->lock);
	spin_lock_init(&ring->push_lock);
	xa_init(&ring->inflight);
	INIT_LIST_HEAD(&ring->backlog);
	ring->next_id = 1;
}

static struct device *vxf_ring_dev(struct vxf_device *dev)
{
	return dev->misc.this_device;
}

static int __vxf_ring_send(struct vxf_device *dev, struct vxf_request *req);

/*
 * The backend lent the pages of @chunk's MAP and they were not installed
 * (unusable references, or the chunk left the window): give back, with
 * UNMAP, those that nothing else in the window maps or asks for, so that
 * the backend can end its grants. Pages that another MAP in flight is for
 * are left alone: its answer lends them again.
 */
static void vxf_ring_give_back(struct vxf_device *dev,
			       struct vxf_chunk *chunk)
{
	u64 first = chunk->req.first, end = first + chunk->req.count;
	struct vxf_request *req;
	u32 count;

	lockdep_assert_held(&dev->ring.lock);
	while (vxf_window_free_run(&dev->win, chunk, &first, end, &count)) {
		req = kzalloc(sizeof(*req), GFP_KERNEL);
		if (!req)
			return;	/* the backend reclaims them with a REVOKE */
		vxf_live_add(VXF_LIVE_REQUESTS, 1);
		req->op = XENVXF_OP_UNMAP;
		req->first = first;
		req->count = count;
		INIT_LIST_HEAD(&req->backlog);
		if (__vxf_ring_send(dev, req)) {
			kfree(req);
			vxf_live_add(VXF_LIVE_REQUESTS, -1);
			return;
		}
		vxf_count(&dev->win, VXF_CNT_UNMAPS);
		first += count;
	}
}

/* Finish a request: a MAP goes back to its chunk, anything else is freed. */
static void vxf_request_done(struct vxf_device *dev, struct vxf_request *req,
			     const struct xenvxf_rsp *rsp, int error)
{
	struct vxf_chunk *chunk;

	if (req->op != XENVXF_OP_MAP) {
		kfree(req);
		vxf_live_add(VXF_LIVE_REQUESTS, -1);
		return;
	}

	chunk = container_of(req, struct vxf_chunk, req);
	if (!rsp)
		vxf_window_map_failed(&dev->win, chunk, error);
	else if (!vxf_window_map_done(&dev->win, chunk, rsp))
		vxf_ring_give_back(dev, chunk);
	vxf_chunk_put(chunk);
}

/*
 * Fail everything queued or in flight: the rings are no longer read (the
 * backend broke the protocol, or went away), so no answer will come.
 */
static void vxf_ring_fail_all(struct vxf_device *dev, int error)
{
	struct vxf_ring *ring = &dev->ring;
	struct vxf_request *req, *next;
	unsigned long id;

	lockdep_assert_held(&ring->lock);

	list_for_each_entry_safe(req, next, &ring->backlog, backlog) {
		list_del_init(&req->backlog);
		vxf_request_done(dev, req, NULL, error);
	}

	xa_for_each(&ring->inflight, id, req) {
		xa_erase(&ring->inflight, id);
		vxf_request_done(dev, req, NULL, error);
	}
}

/*
 * The backend broke the protocol: say so once, stop reading the rings, and
 * drop everything it lent. The transport disconnects the device for good
 * when it next can; until then the device stays BROKEN.
 */
static void vxf_ring_break(struct vxf_device *dev, const char *why, u64 a,
			   u64 b)
{
	struct vxf_ring *ring = &dev->ring;

	lockdep_assert_held(&ring->lock);
	vxf_count(&dev->win, VXF_CNT_PROTOCOL_ERRORS);
	if (ring->broken)
		return;

	dev_warn_ratelimited(vxf_ring_dev(dev),
			     "backend violated the protocol: %s (%llu, %llu); disconnecting\n",
			     why, a, b);
	WRITE_ONCE(ring->broken_why, why);
	ring->broken = true;
	vxf_window_drop_all(&dev->win);
	vxf_ring_fail_all(dev, -EIO);
}

/* Write a request to the next free slot; the caller holds push_lock. */
static void vxf_ring_write(struct vxf_ring *ring, const struct xenvxf_req *wire)
{
	lockdep_assert_held(&ring->push_lock);
	memcpy(RING_GET_REQUEST(&ring->req, ring->req.req_prod_pvt), wire,
	       sizeof(*wire));
	ring->req.req_prod_pvt++;
}

/*
 * Put @req in the next free slot. The caller pushes and notifies. Returns
 * 0, -ENOMEM, or -EBUSY when the ring is full (the hypervisor mode's event
 * handler may have taken the last slot since the caller looked).
 */
static int vxf_ring_put(struct vxf_device *dev, struct vxf_request *req)
{
	struct vxf_ring *ring = &dev->ring;
	struct xenvxf_req wire = {};
	unsigned long flags;
	bool full;
	int err;

	req->id = ring->next_id++;
	err = xa_err(xa_store(&ring->inflight, req->id, req, GFP_KERNEL));
	if (err)
		return err;

	wire.id = req->id;
	wire.operation = req->op;
	wire.flags = req->flags;
	wire.count = req->count;
	wire.first_page = req->first;
	spin_lock_irqsave(&ring->push_lock, flags);
	full = RING_FULL(&ring->req);
	if (!full)
		vxf_ring_write(ring, &wire);
	spin_unlock_irqrestore(&ring->push_lock, flags);
	if (full) {
		xa_erase(&ring->inflight, req->id);
		return -EBUSY;
	}
	trace_vxf_map_request(dev->index, req->id, req->op, req->first,
			      req->count, req->flags);
	return 0;
}

static void vxf_ring_push(struct vxf_device *dev)
{
	struct vxf_ring *ring = &dev->ring;
	unsigned long flags;
	int notify;

	spin_lock_irqsave(&ring->push_lock, flags);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring->req, notify);
	spin_unlock_irqrestore(&ring->push_lock, flags);
	if (notify)
		dev->ops->notify(dev);
}

/**
 * vxf_ring_send_hv_map() - send a one-page MAP from any context
 * @dev: the device
 * @id: the wire id, with VXF_HV_MAP_ID set, chosen by the caller, whose
 *	transport's @hv_answer gets the answer
 * @page: the window page, inside the window
 *
 * For the Xen hypervisor mode's event handler: a vCPU Xen holds on an
 * access in kernel mode runs nothing but interrupt handlers until the page
 * is lent, so the MAP must leave from one (vxf_fault.h). The request skips
 * the backlog: with the ring full it is not sent at all.
 *
 * Context: any, including hard interrupt; takes vxf_ring.push_lock.
 * Return: 0, -ENOTCONN without a usable backend, -EBUSY with the ring full.
 */
int vxf_ring_send_hv_map(struct vxf_device *dev, u64 id, u64 page)
{
	struct vxf_ring *ring = &dev->ring;
	struct xenvxf_req wire = {
		.id = id,
		.operation = XENVXF_OP_MAP,
		.count = 1,
		.first_page = page,
	};
	unsigned long flags;
	int notify, err = 0;

	spin_lock_irqsave(&ring->push_lock, flags);
	if (!ring->connected || READ_ONCE(ring->broken)) {
		err = -ENOTCONN;
	} else if (RING_FULL(&ring->req)) {
		err = -EBUSY;
	} else {
		vxf_ring_write(ring, &wire);
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring->req, notify);
		/* Inside the lock: connected, so the transport is there. */
		if (notify)
			dev->ops->notify(dev);
	}
	spin_unlock_irqrestore(&ring->push_lock, flags);
	if (!err)
		trace_vxf_map_request(dev->index, id, XENVXF_OP_MAP, page, 1, 0);
	return err;
}

/* Move queued requests into the free slots. */
static void vxf_ring_drain_backlog(struct vxf_device *dev)
{
	struct vxf_ring *ring = &dev->ring;
	struct vxf_request *req;
	bool queued = false;
	int err;

	while (!RING_FULL(&ring->req) && !list_empty(&ring->backlog)) {
		req = list_first_entry(&ring->backlog, struct vxf_request,
				       backlog);
		list_del_init(&req->backlog);
		err = vxf_ring_put(dev, req);
		if (err == -EBUSY) {
			list_add(&req->backlog, &ring->backlog);
			break;
		}
		if (err)
			vxf_request_done(dev, req, NULL, err);
		else
			queued = true;
	}
	if (queued)
		vxf_ring_push(dev);
}

static bool vxf_request_prefetch(const struct vxf_request *req)
{
	return req->op == XENVXF_OP_MAP && (req->flags & XENVXF_MAP_F_PREFETCH);
}

/*
 * Queue a request until a slot frees up. Somebody waits for anything but a
 * prefetch: it goes ahead of the prefetch MAPs queued, behind the others.
 */
static void vxf_ring_queue(struct vxf_ring *ring, struct vxf_request *req)
{
	struct vxf_request *pos;

	if (!vxf_request_prefetch(req))
		list_for_each_entry(pos, &ring->backlog, backlog)
			if (vxf_request_prefetch(pos)) {
				list_add_tail(&req->backlog, &pos->backlog);
				return;
			}
	list_add_tail(&req->backlog, &ring->backlog);
}

/* vxf_ring_send() with vxf_ring.lock held. */
static int __vxf_ring_send(struct vxf_device *dev, struct vxf_request *req)
{
	struct vxf_ring *ring = &dev->ring;
	int err;

	lockdep_assert_held(&ring->lock);
	if (!ring->connected || ring->broken)
		return -ENOTCONN;
	if (RING_FULL(&ring->req) || !list_empty(&ring->backlog)) {
		vxf_ring_queue(ring, req);
		return 0;
	}
	err = vxf_ring_put(dev, req);
	if (err == -EBUSY) {
		vxf_ring_queue(ring, req);
		return 0;
	}
	if (!err)
		vxf_ring_push(dev);
	return err;
}

/**
 * vxf_ring_send() - queue a request for the backend
 * @dev: the device
 * @req: the request; on success the ring owns it until it is answered (a
 *	MAP's chunk then hears of it through vxf_window_map_done() or
 *	vxf_window_map_failed())
 *
 * A full ring queues the request until answers free a slot; requests
 * somebody waits for go ahead of queued prefetch MAPs.
 *
 * Context: process context; takes vxf_ring.lock, so the caller must hold
 * neither map_sem nor the window lock.
 * Return: 0, -ENOTCONN when there is no usable backend, -ENOMEM.
 */
int vxf_ring_send(struct vxf_device *dev, struct vxf_request *req)
{
	int err;

	mutex_lock(&dev->ring.lock);
	err = __vxf_ring_send(dev, req);
	mutex_unlock(&dev->ring.lock);
	return err;
}

/**
 * vxf_ring_release_window() - give every page of an unused window back
 * @dev: the device, which nobody maps or has open any more
 *
 * Drops every mapped page and sends UNMAP for the whole window, so that the
 * backend may reclaim its memory without revoking it. Does nothing without
 * a usable backend.
 *
 * Context: process context, possibly under the mmap lock (vm_close); takes
 * vxf_ring.lock.
 */
void vxf_ring_release_window(struct vxf_device *dev)
{
	struct vxf_ring *ring = &dev->ring;
	struct vxf_window *win = &dev->win;
	struct vxf_request *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return;	/* the pages stay mapped until a revoke or reset */
	vxf_live_add(VXF_LIVE_REQUESTS, 1);
	req->op = XENVXF_OP_UNMAP;
	req->first = 0;
	req->count = win->nr_pages;
	INIT_LIST_HEAD(&req->backlog);

	mutex_lock(&ring->lock);
	if (ring->connected && !ring->broken &&
	    atomic64_read(&win->mapped_pages)) {
		vxf_window_drop_all(win);
		if (!__vxf_ring_send(dev, req)) {
			vxf_count(win, VXF_CNT_UNMAPS);
			req = NULL;
		}
	}
	mutex_unlock(&ring->lock);
	if (!req)
		return;	/* the ring owns it */
	kfree(req);
	vxf_live_add(VXF_LIVE_REQUESTS, -1);
}

/**
 * vxf_ring_cancel_map() - give up waiting for a chunk's MAP
 * @dev: the device
 * @chunk: the chunk
 * @error: what its waiters are told, e.g. -ETIMEDOUT
 *
 * A MAP not sent yet leaves the backlog and the chunk fails. A MAP the
 * backend has is still owed an answer: the chunk keeps its pages
 * (CANCELLED) and that answer is installed when it comes (see "Answers
 * that come late" in vxfif.h).
 *
 * Context: process context; takes vxf_ring.lock.
 */
void vxf_ring_cancel_map(struct vxf_device *dev, struct vxf_chunk *chunk,
			 int error)
{
	struct vxf_ring *ring = &dev->ring;
	struct vxf_request *req = &chunk->req;
	bool owned = false;

	mutex_lock(&ring->lock);
	if (!list_empty(&req->backlog)) {
		list_del_init(&req->backlog);
		owned = true;
	} else if (req->id && xa_load(&ring->inflight, req->id) == req) {
		vxf_window_map_cancel(&dev->win, chunk);
		mutex_unlock(&ring->lock);
		return;
	}
	vxf_window_map_failed(&dev->win, chunk, error);
	mutex_unlock(&ring->lock);

	if (owned)
		vxf_chunk_put(chunk);
}

static int vxf_ring_handle_response(struct vxf_device *dev,
				    const struct xenvxf_rsp *rsp)
{
	struct vxf_ring *ring = &dev->ring;
	struct vxf_request *req;

	if (rsp->id & VXF_HV_MAP_ID) {
		if (!dev->ops->hv_answer || dev->ops->hv_answer(dev, rsp)) {
			vxf_ring_break(dev, "answer to a MAP not in flight",
				       rsp->id, rsp->operation);
			return -EPROTO;
		}
		return 0;
	}
	req = xa_load(&ring->inflight, rsp->id);
	if (!req) {
		vxf_ring_break(dev, "answer to a request not in flight",
			       rsp->id, rsp->operation);
		return -EPROTO;
	}
	if (!vxf_rsp_valid(req, rsp, dev->win.superpage)) {
		vxf_ring_break(dev, "malformed answer", rsp->id,
			       rsp->nr_refs);
		return -EPROTO;
	}
	xa_erase(&ring->inflight, rsp->id);
	trace_vxf_map_answer(dev->index, rsp->id, rsp->status, rsp->nr_refs);
	vxf_request_done(dev, req, rsp, 0);
	return 0;
}

/*
 * Consume responses, at most *@budget of them. Returns 0 when every response
 * published was consumed, 1 when the budget ran out first, -EPROTO.
 */
static int vxf_ring_consume_responses(struct vxf_device *dev,
				      unsigned int *budget)
{
	struct xenvxf_req_front_ring *r = &dev->ring.req;
	struct xenvxf_rsp rsp;
	RING_IDX prod, i;

	prod = READ_ONCE(r->sring->rsp_prod);
	virt_rmb(); /* read the responses after the index that covers them */
	/*
	 * Stricter than RING_RESPONSE_PROD_OVERFLOW(): no more answers than
	 * requests sent, or the frontend would read its own requests back.
	 */
	if (prod - r->rsp_cons > r->req_prod_pvt - r->rsp_cons) {
		vxf_ring_break(dev, "response producer index out of range",
			       prod, r->req_prod_pvt);
		return -EPROTO;
	}

	for (i = r->rsp_cons; i != prod; i++) {
		if (!*budget)
			return 1;
		--*budget;
		RING_COPY_RESPONSE(r, i, &rsp);
		r->rsp_cons = i + 1;
		if (vxf_ring_handle_response(dev, &rsp))
			return -EPROTO;
	}
	return 0;
}

/*
 * Xen hypervisor mode: the backend takes pages back through the hypervisor
 * and sends no REVOKE or RESET (vxfif.h, feature-hv-fault). The window's
 * user mappings point at the lent frames whatever this end does, so an
 * answer of success would have the backend copy pages the guest may still
 * be writing: such an event is refused, and the device carries on.
 */
static bool vxf_ring_hv_event(struct vxf_device *dev, const char *what)
{
	if (!READ_ONCE(dev->win.hv_frames))
		return false;
	vxf_count(&dev->win, VXF_CNT_PROTOCOL_ERRORS);
	dev_warn_ratelimited(vxf_ring_dev(dev),
			     "%s in hypervisor mode refused (pages go back through the hypervisor)\n",
			     what);
	return true;
}

static int vxf_ring_handle_revoke(struct vxf_device *dev,
				  const struct xenvxf_evt *evt)
{
	struct vxf_window *win = &dev->win;
	int status;
	u64 pages;

	if (!vxf_range_valid(evt->first_page, evt->count, win->nr_pages)) {
		vxf_count(win, VXF_CNT_PROTOCOL_ERRORS);
		dev_warn_ratelimited(vxf_ring_dev(dev),
				     "REVOKE of pages %llu+%u outside the window\n",
				     evt->first_page, evt->count);
		return XENVXF_STATUS_EINVAL;
	}

	if (vxf_ring_hv_event(dev, "REVOKE"))
		return XENVXF_STATUS_EINVAL;

	trace_vxf_revoke_start(dev->index, evt->id, evt->first_page,
			       evt->count);
	win->take_kept = false;
	pages = vxf_window_revoke(win, evt->first_page, evt->count);
	status = win->take_kept ? XENVXF_STATUS_EIO : XENVXF_STATUS_OK;
	trace_vxf_revoke_done(dev->index, evt->id, status, pages);
	return status;
}

static int vxf_ring_handle_reset(struct vxf_device *dev)
{
	struct vxf_window *win = &dev->win;

	if (vxf_ring_hv_event(dev, "RESET"))
		return XENVXF_STATUS_EINVAL;

	/*
	 * Every reference the frontend holds is void; MAPs in flight are
	 * still owed their answers, which come after this one's and are
	 * installed (vxfif.h): their chunks and waiters stay.
	 */
	win->take_kept = false;
	vxf_window_drop_mapped(win);
	vxf_count(win, VXF_CNT_RESETS);
	return win->take_kept ? XENVXF_STATUS_EIO : XENVXF_STATUS_OK;
}

static void vxf_ring_answer_event(struct vxf_device *dev, u64 id, u8 type,
				  int status)
{
	struct xenvxf_evt_back_ring *r = &dev->ring.evt;
	struct xenvxf_evt_rsp wire = {};
	int notify;

	wire.id = id;
	wire.type = type;
	wire.status = status;
	memcpy(RING_GET_RESPONSE(r, r->rsp_prod_pvt), &wire, sizeof(wire));
	r->rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify);
	if (notify)
		dev->ops->notify(dev);
}

/* As vxf_ring_consume_responses(), for events up to @prod. */
static int vxf_ring_consume_events(struct vxf_device *dev, RING_IDX prod,
				   unsigned int *budget)
{
	struct xenvxf_evt_back_ring *r = &dev->ring.evt;
	struct xenvxf_evt evt;
	RING_IDX i;
	int status;
	u8 type;

	for (i = r->req_cons; i != prod; i++) {
		if (!*budget)
			return 1;
		--*budget;
		RING_COPY_REQUEST(r, i, &evt);
		r->req_cons = i + 1;

		switch (evt.type) {
		case XENVXF_EVT_REVOKE:
			status = vxf_ring_handle_revoke(dev, &evt);
			type = XENVXF_EVT_REVOKE_DONE;
			break;
		case XENVXF_EVT_RESET:
			status = vxf_ring_handle_reset(dev);
			type = XENVXF_EVT_RESET;
			break;
		default:
			vxf_ring_break(dev, "unknown event", evt.id, evt.type);
			return -EPROTO;
		}
		vxf_ring_answer_event(dev, evt.id, type, status);
	}
	return 0;
}

/*
 * One pass: at most VXF_RING_BUDGET responses and events. Returns true if
 * the budget ran out with work left (the caller comes back for it), false
 * when the rings are empty (and the backend will notify for more) or the
 * backend broke the protocol.
 */
static bool vxf_ring_process_locked(struct vxf_device *dev,
				    unsigned int *budget)
{
	struct vxf_ring *ring = &dev->ring;
	RING_IDX evt_prod;
	int more;

	for (;;) {
		/*
		 * Events are read up to an index taken before the responses:
		 * a MAP answered before a REVOKE is installed before the
		 * REVOKE takes it away (see "Ordering" in vxfif.h). A pass
		 * that stops among the responses handles none of the events.
		 */
		evt_prod = READ_ONCE(ring->evt.sring->req_prod);
		/* Events up to evt_prod are read after the index itself. */
		virt_rmb();
		if (RING_REQUEST_PROD_OVERFLOW(&ring->evt, evt_prod)) {
			vxf_ring_break(dev, "event producer index out of range",
				       evt_prod, ring->evt.rsp_prod_pvt);
			return false;
		}
		more = vxf_ring_consume_responses(dev, budget);
		if (more < 0)
			return false;
		vxf_ring_drain_backlog(dev);
		if (more)
			return true;
		more = vxf_ring_consume_events(dev, evt_prod, budget);
		if (more)
			return more > 0;

		RING_FINAL_CHECK_FOR_RESPONSES(&ring->req, more);
		if (!more)
			RING_FINAL_CHECK_FOR_REQUESTS(&ring->evt, more);
		if (!more)
			return false;
		if (!*budget)
			return true;
	}
}

/**
 * vxf_ring_process_pass() - handle part of what the backend put on the rings
 * @dev: the device
 * @handled: set to the number of responses and events handled (may be NULL)
 *
 * Handles at most VXF_RING_BUDGET messages, so that a backend that keeps
 * producing cannot hold the ring lock, or the CPU, for as long as it likes.
 *
 * Context: process context; takes vxf_ring.lock, then window locks.
 * Return: true if work is left: the caller must call again (requeue), as
 * the backend will not notify for what it already published.
 */
bool vxf_ring_process_pass(struct vxf_device *dev, unsigned int *handled)
{
	struct vxf_ring *ring = &dev->ring;
	unsigned int budget = VXF_RING_BUDGET;
	bool more = false;

	mutex_lock(&ring->lock);
	if (ring->connected && !ring->broken)
		more = vxf_ring_process_locked(dev, &budget);
	if (more)
		ring->requeues++;
	mutex_unlock(&ring->lock);
	/* MAPs may have settled: reported faults waiting on them go on. */
	vxf_hv_kick(dev);
	if (handled)
		*handled = VXF_RING_BUDGET - budget;
	return more;
}

/**
 * vxf_ring_process() - handle whatever the backend put on the rings
 * @dev: the device
 *
 * Passes of vxf_ring_process_pass() until the rings are empty, the lock
 * dropped and the CPU offered between them; a fatal signal ends it early
 * (the rest waits for the next call).
 *
 * Context: process context; takes vxf_ring.lock, then window locks.
 */
void vxf_ring_process(struct vxf_device *dev)
{
	while (vxf_ring_process_pass(dev, NULL)) {
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
}
EXPORT_SYMBOL_NS_GPL(vxf_ring_process, VIRTIO_XEN_FAULT);

/**
 * vxf_ring_connect() - start using freshly allocated shared rings
 * @dev: the device
 * @req: the request ring's shared page(s)
 * @evt: the event ring's shared page(s)
 * @ring_bytes: size of each ring
 *
 * Context: vxf_ring.lock held.
 */
void vxf_ring_connect(struct vxf_device *dev, struct xenvxf_req_sring *req,
		      struct xenvxf_evt_sring *evt, size_t ring_bytes)
{
	struct vxf_ring *ring = &dev->ring;

	lockdep_assert_held(&ring->lock);
	SHARED_RING_INIT(req);
	FRONT_RING_INIT(&ring->req, req, ring_bytes);
	SHARED_RING_INIT(evt);
	BACK_RING_INIT(&ring->evt, evt, ring_bytes);
	ring->broken = false;
	WRITE_ONCE(ring->broken_why, NULL);
	spin_lock_irq(&ring->push_lock);
	WRITE_ONCE(ring->connected, true);
	spin_unlock_irq(&ring->push_lock);
}

/**
 * vxf_ring_disconnect() - stop using the rings
 * @dev: the device
 *
 * Every page the backend lent is dropped and every request fails.
 *
 * Context: vxf_ring.lock held, transport still attached.
 */
void vxf_ring_disconnect(struct vxf_device *dev)
{
	struct vxf_ring *ring = &dev->ring;

	lockdep_assert_held(&ring->lock);
	/* No MAP from the hypervisor mode's event handler after this. */
	spin_lock_irq(&ring->push_lock);
	WRITE_ONCE(ring->connected, false);
	spin_unlock_irq(&ring->push_lock);
	vxf_window_drop_all(&dev->win);
	vxf_ring_fail_all(dev, -ENOTCONN);
}
