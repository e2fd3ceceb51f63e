// SPDX-License-Identifier: GPL-2.0
/*
 * proto.c - backend half of the vxf shared-ring protocol: request ring
 * (consume MAP/UNMAP, answer them, possibly late), event ring (send
 * REVOKE/RESET, consume their answers), fail injection and revoke storms.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <xen/errno.h>

#include "proto.h"
#include "violate.h"

uint32_t vxf_revoke_deadline_us = VXF_REVOKE_DEADLINE_US;

#define MAX_WARNINGS	20

static unsigned int warnings;

static void proto_warn(const char *what, uint64_t a, uint64_t b)
{
	if (warnings >= MAX_WARNINGS)
		return;
	if (++warnings == MAX_WARNINGS)
		fprintf(stderr, "vxf-backend: further warnings suppressed\n");
	fprintf(stderr, "vxf-backend: %s (%llu, %llu)\n", what,
		(unsigned long long)a, (unsigned long long)b);
}

static uint64_t rng_next(struct vxf_proto *p)
{
	uint64_t z = (p->rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

static bool range_valid(const struct vxf_proto *p, uint64_t first,
			uint64_t count)
{
	return count && first < p->window_pages &&
	       count <= p->window_pages - first;
}

/* Is a REVOKE or RESET in flight that covers part of the range? */
static bool evt_overlaps(const struct vxf_proto *p, uint64_t first,
			 uint64_t count)
{
	unsigned int i;

	for (i = 0; i < p->nr_evts; i++) {
		const struct vxf_inflight_evt *e = &p->evts[i];

		if (e->type == XENVXF_EVT_RESET ||
		    ranges_overlap(first, count, e->first, e->count))
			return true;
	}
	return false;
}

static bool fail_overlaps(const struct vxf_proto *p, uint64_t first,
			  uint64_t count)
{
	unsigned int i;

	for (i = 0; i < p->nr_fail; i++)
		if (ranges_overlap(first, count, p->fail[i].first,
				   p->fail[i].count))
			return true;
	return false;
}

/* ---- request ring ------------------------------------------------------ */

static void push_rsp(struct vxf_proto *p, const struct xenvxf_rsp *rsp)
{
	struct xenvxf_rsp *slot = RING_GET_RESPONSE(&p->req,
						    p->req.rsp_prod_pvt);

	memcpy(slot, rsp, sizeof(*rsp));
	p->req.rsp_prod_pvt++;
	RING_PUSH_RESPONSES(&p->req);
	p->kick = true;
}

static void answer_status(struct vxf_proto *p, const struct xenvxf_req *req,
			  int32_t status)
{
	struct xenvxf_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = req->id;
	rsp.operation = req->operation;
	rsp.status = status;
	if (req->operation == XENVXF_OP_MAP && status)
		p->stats.map_errors++;
	push_rsp(p, &rsp);
}

static void answer_map(struct vxf_proto *p, const struct xenvxf_req *req)
{
	struct xenvxf_rsp rsp;
	int ret;

	if (vxf_violate_map(p, req))
		return;		/* --violate: answered wrongly, or held */
	if (fail_overlaps(p, req->first_page, req->count)) {
		answer_status(p, req, -XEN_EIO);
		return;
	}
	/* vxfif.h: a PREFETCH MAP may be declined at no cost. */
	if ((req->flags & XENVXF_MAP_F_PREFETCH) && p->decline_prefetch &&
	    ++p->prefetch_seen % p->decline_prefetch == 0) {
		memset(&rsp, 0, sizeof(rsp));
		rsp.id = req->id;
		rsp.operation = XENVXF_OP_MAP;
		rsp.status = -XEN_EAGAIN;
		p->stats.declined++;
		push_rsp(p, &rsp);
		return;
	}
	memset(&rsp, 0, sizeof(rsp));
	if (req->count == XENVXF_SUPERPAGE_PAGES) {
		/* map_valid(): only in a superpage window, aligned */
		ret = vxf_store_map_huge(p->store, req->first_page, rsp.ref);
		rsp.ref_order = XENVXF_SUPERPAGE_ORDER;
		rsp.nr_refs = 1;
	} else {
		ret = vxf_store_map(p->store, req->first_page, req->count,
				    rsp.ref);
		rsp.ref_order = 0;
		rsp.nr_refs = req->count;
	}
	if (!ret && p->t->ops->hv_lend) {
		/* vxfif.h hv-window-gfn: lent at the frames, no references. */
		ret = p->t->ops->hv_lend(p->t, req->first_page, rsp.ref,
					 req->count);
		memset(rsp.ref, 0, sizeof(rsp.ref));
		rsp.nr_refs = 0;
	}
	if (ret) {
		answer_status(p, req, ret);
		return;
	}
	rsp.id = req->id;
	rsp.operation = XENVXF_OP_MAP;
	p->stats.map_pages += req->count;
	push_rsp(p, &rsp);
}

/* At most XENVXF_MAX_MAP_PAGES, or a whole aligned superpage block. */
static bool map_valid(const struct vxf_proto *p, const struct xenvxf_req *req)
{
	bool huge = p->superpage && req->count == XENVXF_SUPERPAGE_PAGES &&
		    !(req->first_page % XENVXF_SUPERPAGE_PAGES);

	return !(req->flags & ~XENVXF_MAP_F_MASK) &&
	       (req->count <= XENVXF_MAX_MAP_PAGES || huge) &&
	       range_valid(p, req->first_page, req->count);
}

static void handle_req(struct vxf_proto *p, const struct xenvxf_req *req,
		       uint64_t now_us)
{
	struct vxf_pending_map *pm;

	switch (req->operation) {
	case XENVXF_OP_MAP:
		if (!map_valid(p, req))
			break;
		p->stats.maps++;
		pm = &p->pending[p->nr_pending++];
		pm->req = *req;
		pm->due_us = now_us + p->delay_us;
		return;
	case XENVXF_OP_UNMAP:
		if (!range_valid(p, req->first_page, req->count))
			break;
		p->stats.unmaps++;
		vxf_store_reclaim(p->store, req->first_page, req->count);
		answer_status(p, req, 0);
		return;
	}
	p->stats.bad_requests++;
	proto_warn("invalid request (operation, first_page)", req->operation,
		   req->first_page);
	answer_status(p, req, -XEN_EINVAL);
}

/* Consume every request on the ring. Returns -EPROTO if the ring is bad. */
static int consume_requests(struct vxf_proto *p, uint64_t now_us)
{
	struct xenvxf_req req;
	RING_IDX rp;
	int more;

	do {
		rp = __atomic_load_n(&p->req.sring->req_prod, __ATOMIC_RELAXED);
		xen_rmb();
		if (RING_REQUEST_PROD_OVERFLOW(&p->req, rp)) {
			fprintf(stderr,
				"vxf-backend: frontend broke the request ring (req_prod %u, rsp_prod %u)\n",
				rp, p->req.rsp_prod_pvt);
			return -EPROTO;
		}
		while (p->req.req_cons != rp &&
		       !RING_REQUEST_CONS_OVERFLOW(&p->req, p->req.req_cons)) {
			RING_COPY_REQUEST(&p->req, p->req.req_cons, &req);
			p->req.req_cons++;
			handle_req(p, &req, now_us);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&p->req, more);
	} while (more && !RING_REQUEST_CONS_OVERFLOW(&p->req, p->req.req_cons));
	return 0;
}

static bool map_ready(const struct vxf_proto *p,
		      const struct vxf_pending_map *pm, uint64_t now_us)
{
	return !p->hang && pm->due_us <= now_us &&
	       !evt_overlaps(p, pm->req.first_page, pm->req.count);
}

/* Answer the pending MAPs whose time has come, keeping the others' order. */
static void answer_due_maps(struct vxf_proto *p, uint64_t now_us)
{
	unsigned int i, kept = 0;

	for (i = 0; i < p->nr_pending; i++) {
		struct vxf_pending_map *pm = &p->pending[i];

		if (map_ready(p, pm, now_us))
			answer_map(p, &pm->req);
		else
			p->pending[kept++] = *pm;
	}
	p->nr_pending = kept;
}

/* ---- event ring -------------------------------------------------------- */

static struct vxf_inflight_evt *evt_find(struct vxf_proto *p, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < p->nr_evts; i++)
		if (p->evts[i].id == id)
			return &p->evts[i];
	return NULL;
}

static void evt_remove(struct vxf_proto *p, struct vxf_inflight_evt *e)
{
	*e = p->evts[--p->nr_evts];
}

static int push_evt(struct vxf_proto *p, uint8_t type, uint64_t first,
		    uint64_t count, bool ctl, uint64_t now_us)
{
	struct xenvxf_evt evt, *slot;
	struct vxf_inflight_evt *e;

	if (RING_FULL(&p->evt) || p->nr_evts >= p->max_evts)
		return -ENOSPC;
	memset(&evt, 0, sizeof(evt));
	evt.id = p->next_evt_id++;
	evt.type = type;
	if (type == XENVXF_EVT_REVOKE) {
		evt.first_page = first;
		evt.count = (uint32_t)count;
	}
	evt.deadline_us = type == XENVXF_EVT_REVOKE ? vxf_revoke_deadline_us : 0;

	e = &p->evts[p->nr_evts++];
	e->id = evt.id;
	e->type = type;
	e->first = first;
	e->count = count;
	e->deadline_us = now_us + vxf_revoke_deadline_us;
	e->ctl = ctl;
	e->expired = false;

	slot = RING_GET_REQUEST(&p->evt, p->evt.req_prod_pvt);
	memcpy(slot, &evt, sizeof(evt));
	p->evt.req_prod_pvt++;
	RING_PUSH_REQUESTS(&p->evt);
	p->kick = true;
	return 0;
}

static void report_done(struct vxf_proto *p, struct vxf_inflight_evt *e,
			int32_t status, uint64_t pages)
{
	struct vxf_proto_done d = {
		.type = e->type,
		.status = status,
		.pages = pages,
	};

	if (e->ctl && !e->expired && p->done)
		p->done(p->done_ctx, &d);
}

static void handle_evt_rsp(struct vxf_proto *p,
			   const struct xenvxf_evt_rsp *rsp)
{
	struct vxf_inflight_evt *e = evt_find(p, rsp->id);
	uint8_t want;
	uint64_t pages = 0;

	if (!e) {
		p->stats.bad_requests++;
		proto_warn("answer to no event in flight (id, type)", rsp->id,
			   rsp->type);
		return;
	}
	want = e->type == XENVXF_EVT_REVOKE ? XENVXF_EVT_REVOKE_DONE :
					      XENVXF_EVT_RESET;
	if (rsp->type != want) {
		p->stats.bad_requests++;
		proto_warn("answer of the wrong type (id, type)", rsp->id,
			   rsp->type);
		return;
	}
	if (e->type == XENVXF_EVT_REVOKE)
		p->stats.revoke_done++;
	if (!rsp->status) {
		pages = vxf_store_reclaim(p->store, e->first, e->count);
		if (e->type == XENVXF_EVT_REVOKE)
			p->stats.revoked_pages += pages;
	} else {
		proto_warn("event failed (id, -status)", rsp->id,
			   (uint64_t)-(int64_t)rsp->status);
	}
	report_done(p, e, rsp->status, pages);
	evt_remove(p, e);
}

static int consume_evt_answers(struct vxf_proto *p)
{
	struct xenvxf_evt_rsp rsp;
	RING_IDX rp;
	int more;

	do {
		rp = __atomic_load_n(&p->evt.sring->rsp_prod, __ATOMIC_RELAXED);
		xen_rmb();
		if (RING_RESPONSE_PROD_OVERFLOW(&p->evt, rp) ||
		    rp - p->evt.rsp_cons > p->evt.req_prod_pvt - p->evt.rsp_cons) {
			fprintf(stderr,
				"vxf-backend: frontend broke the event ring (rsp_prod %u, req_prod %u)\n",
				rp, p->evt.req_prod_pvt);
			return -EPROTO;
		}
		while (p->evt.rsp_cons != rp) {
			RING_COPY_RESPONSE(&p->evt, p->evt.rsp_cons, &rsp);
			p->evt.rsp_cons++;
			handle_evt_rsp(p, &rsp);
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&p->evt, more);
	} while (more);
	return 0;
}

static void expire_evts(struct vxf_proto *p, uint64_t now_us)
{
	struct vxf_proto_done d = { .timeout = true };
	unsigned int i;

	for (i = 0; i < p->nr_evts; i++) {
		struct vxf_inflight_evt *e = &p->evts[i];

		if (e->expired || e->deadline_us > now_us)
			continue;
		e->expired = true;
		proto_warn("event not answered within its deadline (id, type)",
			   e->id, e->type);
		if (e->ctl && p->done) {
			d.type = e->type;
			p->done(p->done_ctx, &d);
		}
	}
}

/* ---- revoke storm ------------------------------------------------------ */

static void storm_revoke(struct vxf_proto *p, uint64_t now_us)
{
	uint64_t r = rng_next(p), first, count, back;

	count = 1 + rng_next(p) % VXF_STORM_MAX_PAGES;
	if (r % 4 == 0 || !vxf_store_random_mapped(p->store, rng_next(p),
						    &first)) {
		first = (r >> 2) % p->window_pages;
	} else {
		back = (r >> 8) % count;
		first = back <= first ? first - back : 0;
	}
	if (count > p->window_pages - first)
		count = p->window_pages - first;
	if (evt_overlaps(p, first, count))
		return;
	/*
	 * Hypervisor mode on Xen (MAPs lend): the hypervisor takes the pages
	 * away, with no REVOKE on the event ring; the store gets their
	 * contents back. (The loop stand-in's storms stay REVOKEs.)
	 */
	if (vxf_transport_lends(p->t)) {
		if (!p->t->ops->hv_revoke(p->t, first, count))
			p->stats.hv_revoked_pages +=
				vxf_store_reclaim(p->store, first, count);
		return;
	}
	vxf_proto_revoke(p, first, count, false, now_us);
}

static void storm_tick(struct vxf_proto *p, uint64_t now_us)
{
	if (!p->storm_us || now_us < p->storm_next_us)
		return;
	storm_revoke(p, now_us);
	p->storm_next_us += p->storm_us;
	if (p->storm_next_us <= now_us)
		p->storm_next_us = now_us + p->storm_us;
}

/* ---- entry points ------------------------------------------------------ */

static int kick_frontend(struct vxf_proto *p)
{
	int ret;

	if (!p->kick)
		return 0;
	p->kick = false;
	p->stats.kicks_out++;
	ret = p->t->ops->notify(p->t);
	if (ret && !p->broken) {
		fprintf(stderr, "vxf-backend: kicking the frontend: %s\n",
			strerror(-ret));
		p->broken = ret;
	}
	return ret;
}

/**
 * vxf_proto_service() - do everything that can be done now
 * @p: protocol state
 * @now_us: monotonic time
 *
 * Consumes event answers (migrating revoked pages back), then requests,
 * answers the MAPs that are due, sends a storm revoke if one is due,
 * notices expired deadlines, and kicks the frontend once if anything was
 * pushed. Responses are always pushed before any event sent after them.
 *
 * Return: 0, or a negative errno if the frontend or the transport broke
 * (for good: every later call fails the same way).
 */
int vxf_proto_service(struct vxf_proto *p, uint64_t now_us)
{
	int ret;

	if (p->broken)
		return p->broken;
	ret = consume_evt_answers(p);
	if (!ret)
		ret = consume_requests(p, now_us);
	if (ret) {
		p->broken = ret;
		return ret;
	}
	answer_due_maps(p, now_us);
	storm_tick(p, now_us);
	vxf_violate_tick(p, now_us);
	expire_evts(p, now_us);
	return kick_frontend(p);
}

/**
 * vxf_proto_next_wakeup() - when vxf_proto_service() has timed work to do
 * @p: protocol state
 *
 * Return: a monotonic time in microseconds, or UINT64_MAX for "on the next
 * kick". MAPs held back by an event in flight wait for its answer, which
 * comes with a kick.
 */
uint64_t vxf_proto_next_wakeup(const struct vxf_proto *p)
{
	uint64_t t = UINT64_MAX;
	unsigned int i;

	if (vxf_violate_busy())
		return 0;	/* a --violate storm: no sleep */
	if (!p->hang) {
		for (i = 0; i < p->nr_pending; i++) {
			const struct vxf_pending_map *pm = &p->pending[i];

			if (pm->due_us < t &&
			    !evt_overlaps(p, pm->req.first_page, pm->req.count))
				t = pm->due_us;
		}
	}
	for (i = 0; i < p->nr_evts; i++)
		if (!p->evts[i].expired && p->evts[i].deadline_us < t)
			t = p->evts[i].deadline_us;
	if (p->storm_us && p->storm_next_us < t)
		t = p->storm_next_us;
	return t;
}

/**
 * vxf_proto_revoke() - ask the frontend to give back a range
 * @p: protocol state
 * @first: first window page
 * @count: pages
 * @ctl: report the outcome through the done callback
 * @now_us: monotonic time
 *
 * MAP answers for pages of the range are held back until the answer.
 *
 * Return: 0, -EINVAL for a range outside the window, -ENOSPC if the event
 * ring is full.
 */
int vxf_proto_revoke(struct vxf_proto *p, uint64_t first, uint64_t count,
		     bool ctl, uint64_t now_us)
{
	int ret;

	if (!range_valid(p, first, count) || count > UINT32_MAX)
		return -EINVAL;
	ret = push_evt(p, XENVXF_EVT_REVOKE, first, count, ctl, now_us);
	if (ret)
		return ret;
	p->stats.revokes++;
	kick_frontend(p);
	return 0;
}

/**
 * vxf_proto_reset() - tell the frontend that every reference is void
 * @p: protocol state
 * @ctl: report the outcome through the done callback
 * @now_us: monotonic time
 *
 * Every page is reclaimed once the frontend answers. MAPs pending or
 * arriving meanwhile are answered after that, with fresh references: every
 * request still gets exactly one response.
 *
 * Return: 0 or -ENOSPC if the event ring is full.
 */
int vxf_proto_reset(struct vxf_proto *p, bool ctl, uint64_t now_us)
{
	int ret;

	ret = push_evt(p, XENVXF_EVT_RESET, 0, p->window_pages, ctl, now_us);
	if (ret)
		return ret;
	p->stats.resets++;
	kick_frontend(p);
	return 0;
}

/**
 * vxf_proto_flood() - push many one-page REVOKEs at once, then kick once
 * @p: protocol state
 * @n: REVOKEs wanted, of pages 0, 1, ... (modulo the window)
 * @now_us: monotonic time
 *
 * For tests of the frontend's processing budget: the frontend finds them
 * all on the ring at its next pass. Their answers are consumed as usual.
 *
 * Return: the number pushed (the event ring's free slots bound it).
 */
unsigned int vxf_proto_flood(struct vxf_proto *p, unsigned int n,
			     uint64_t now_us)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (push_evt(p, XENVXF_EVT_REVOKE, i % p->window_pages, 1,
			     false, now_us))
			break;
	p->stats.revokes += i;
	kick_frontend(p);
	return i;
}

int vxf_proto_fail_add(struct vxf_proto *p, uint64_t first, uint64_t count)
{
	if (!count || p->nr_fail >= VXF_MAX_FAIL_RANGES)
		return -EINVAL;
	p->fail[p->nr_fail].first = first;
	p->fail[p->nr_fail].count = count;
	p->nr_fail++;
	return 0;
}

void vxf_proto_fail_clear(struct vxf_proto *p)
{
	p->nr_fail = 0;
}

void vxf_proto_set_storm(struct vxf_proto *p, uint64_t period_us,
			 uint64_t now_us)
{
	p->storm_us = period_us;
	p->storm_next_us = now_us + period_us;
}

/**
 * vxf_proto_init() - attach to rings the frontend has initialised
 * @p: protocol state to set up
 * @t: transport
 * @store: content store
 * @rings: the rings
 * @seed: seed of the revoke storm's randomness
 * @done: called when an event a control command waits for ends
 * @done_ctx: its argument
 *
 * Return: 0 or -ENOMEM.
 */
int vxf_proto_init(struct vxf_proto *p, struct vxf_transport *t,
		   struct vxf_store *store,
		   const struct vxf_transport_rings *rings, uint64_t seed,
		   vxf_proto_done_fn done, void *done_ctx)
{
	xenvxf_req_sring_t *req = rings->req;
	xenvxf_evt_sring_t *evt = rings->evt;

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->store = store;
	p->window_pages = store->window_pages;
	p->rng = seed;
	p->next_evt_id = 1;
	p->done = done;
	p->done_ctx = done_ctx;
	if (req->req_prod || req->rsp_prod || evt->req_prod || evt->rsp_prod)
		fprintf(stderr,
			"vxf-backend: warning: rings not freshly initialised\n");
	BACK_RING_INIT(&p->req, req, rings->ring_bytes);
	FRONT_RING_INIT(&p->evt, evt, rings->ring_bytes);
	p->max_evts = RING_SIZE(&p->evt);
	p->pending = calloc(RING_SIZE(&p->req), sizeof(*p->pending));
	p->evts = calloc(p->max_evts, sizeof(*p->evts));
	if (!p->pending || !p->evts) {
		vxf_proto_fini(p);
		return -ENOMEM;
	}
	return 0;
}

void vxf_proto_fini(struct vxf_proto *p)
{
	free(p->pending);
	free(p->evts);
	p->pending = NULL;
	p->evts = NULL;
}
