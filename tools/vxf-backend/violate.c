// SPDX-License-Identifier: GPL-2.0
/*
 * violate.c - vxf-backend-xen --violate KIND: break the protocol, once
 *
 * A well-behaved backend (proto.c) until the first MAP request of any
 * device; that request is never answered as it should be. Instead:
 *
 *   bad-id         a MAP answer under an id no request carries (the
 *                  request's id with bit 62 flipped: the frontend sets
 *                  bit 63 only on the MAPs of hypervisor mode, and
 *                  reports an answer with it as to such a MAP), status 0
 *   bad-nr-refs    a MAP answer to the request with nr_refs one more than
 *                  the pages it asked for (and zero references)
 *   bad-ref-order  a MAP answer to the request with ref_order 1 in a window
 *                  that negotiated no superpages (nr_refs half the count,
 *                  at least 1)
 *   storm          the request is held and a storm starts: every round of
 *                  the main loop fills the event ring with one-page REVOKEs
 *                  (as "flood": more events than the frontend handles per
 *                  pass) and notifies the event channel VXF_STORM_NOTIFIES
 *                  times in a tight loop, most of them announcing nothing.
 *                  The main loop does not sleep meanwhile. The control
 *                  command "violate-end" ends it (a test in the domU says
 *                  it saw the storm while it went on): then one event of an
 *                  unknown type is sent.
 *
 * The frontend must answer each of these with xenbus_dev_fatal() (an
 * "error" node naming the violation) and Closing, then Closed. Later MAPs
 * get no answer (the frontend stops reading the rings). When the frontend
 * has closed, xen_bus.c leaves the device Closed (vxf_violate_sent()) instead
 * of going to InitWait again: the test looks at the frontend's state, then
 * has dom0 start a well-behaved backend ("die": scripts/xen-suite-dom0.sh
 * restarts it), which takes the device over.
 *
 * The state is the process's, not a device's: one violation per process.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "violate.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Notifications per storm round, on top of flood's own one. */
#define VXF_STORM_NOTIFIES	64
/* The event type sent to end the storm: not one of XENVXF_EVT_*. */
#define VXF_VIOLATE_EVT_TYPE	0xee

enum phase { PH_ARMED, PH_STORMING, PH_ENDING, PH_SENT };

static const char *const names[] = {
	[VXF_VIOLATE_BAD_ID] = "bad-id",
	[VXF_VIOLATE_BAD_NR_REFS] = "bad-nr-refs",
	[VXF_VIOLATE_BAD_REF_ORDER] = "bad-ref-order",
	[VXF_VIOLATE_STORM] = "storm",
};

static enum vxf_violate_kind kind;
static enum phase phase;
static uint64_t rounds, events, notifies;

/**
 * vxf_violate_set() - choose the violation (--violate NAME)
 * @name: one of VXF_VIOLATE_NAMES
 *
 * Return: 0, or -EINVAL for an unknown name.
 */
int vxf_violate_set(const char *name)
{
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i])) {
			kind = i;
			phase = PH_ARMED;
			return 0;
		}
	return -EINVAL;
}

/* What push_rsp() of proto.c does, for an answer it would never write. */
static void push_bad_rsp(struct vxf_proto *p, const struct xenvxf_rsp *rsp)
{
	memcpy(RING_GET_RESPONSE(&p->req, p->req.rsp_prod_pvt), rsp,
	       sizeof(*rsp));
	p->req.rsp_prod_pvt++;
	RING_PUSH_RESPONSES(&p->req);
	p->kick = true;
}

/**
 * vxf_violate_map() - take over the answer to a MAP request
 * @p: protocol state
 * @req: the request, about to be answered
 *
 * Return: true if the request was taken over (answered wrongly, or held for
 * ever): proto.c must not answer it.
 */
bool vxf_violate_map(struct vxf_proto *p, const struct xenvxf_req *req)
{
	struct xenvxf_rsp rsp;

	if (kind == VXF_VIOLATE_NONE || phase == PH_SENT)
		return false;
	if (phase != PH_ARMED)
		return true;	/* a storm goes on: held too */

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = req->id;
	rsp.operation = XENVXF_OP_MAP;
	switch (kind) {
	case VXF_VIOLATE_BAD_ID:
		rsp.id = req->id ^ (1ULL << 62);
		break;
	case VXF_VIOLATE_BAD_NR_REFS:
		rsp.nr_refs = req->count + 1;
		break;
	case VXF_VIOLATE_BAD_REF_ORDER:
		rsp.ref_order = 1;
		rsp.nr_refs = req->count > 1 ? req->count / 2 : 1;
		break;
	case VXF_VIOLATE_STORM:
	default:
		phase = PH_STORMING;
		fprintf(stderr, "vxf-backend: --violate storm: MAP %llu held; storming\n",
			(unsigned long long)req->id);
		return true;
	}
	push_bad_rsp(p, &rsp);
	phase = PH_SENT;
	fprintf(stderr, "vxf-backend: --violate %s: sent for MAP %llu\n",
		names[kind], (unsigned long long)req->id);
	return true;
}

/* The storm's end: an event of a type the frontend does not know. */
static void send_unknown_event(struct vxf_proto *p)
{
	struct xenvxf_evt evt;

	if (RING_FULL(&p->evt))
		return;		/* next round, once answers freed a slot */
	memset(&evt, 0, sizeof(evt));
	evt.id = p->next_evt_id++;
	evt.type = VXF_VIOLATE_EVT_TYPE;
	memcpy(RING_GET_REQUEST(&p->evt, p->evt.req_prod_pvt), &evt,
	       sizeof(evt));
	p->evt.req_prod_pvt++;
	RING_PUSH_REQUESTS(&p->evt);
	p->kick = true;
	phase = PH_SENT;
	fprintf(stderr, "vxf-backend: --violate storm: %llu rounds, %llu events, %llu notifications; "
		"sent an event of type %#x\n", (unsigned long long)rounds, (unsigned long long)events,
		(unsigned long long)notifies, VXF_VIOLATE_EVT_TYPE);
}

/**
 * vxf_violate_tick() - one round of the storm, or its end
 * @p: protocol state
 * @now_us: monotonic time
 *
 * Called by vxf_proto_service() after the usual work.
 */
void vxf_violate_tick(struct vxf_proto *p, uint64_t now_us)
{
	unsigned int i;

	if (phase == PH_ENDING) {
		send_unknown_event(p);
		return;
	}
	if (phase != PH_STORMING)
		return;
	rounds++;
	events += vxf_proto_flood(p, p->max_evts, now_us);
	for (i = 0; i < VXF_STORM_NOTIFIES; i++)
		if (!p->t->ops->notify(p->t))
			notifies++;
	p->stats.kicks_out += VXF_STORM_NOTIFIES;
}

/**
 * vxf_violate_busy() - whether the main loop must not sleep
 *
 * Return: true while a storm goes on or waits to send its end.
 */
bool vxf_violate_busy(void)
{
	return phase == PH_STORMING || phase == PH_ENDING;
}

/**
 * vxf_violate_end() - end the storm (control command "violate-end")
 *
 * Return: 0, or -EINVAL if no storm goes on.
 */
int vxf_violate_end(void)
{
	if (phase != PH_STORMING)
		return -EINVAL;
	phase = PH_ENDING;
	return 0;
}

/**
 * vxf_violate_sent() - whether the violation was sent
 *
 * Return: true once it was: the device stays Closed after the frontend
 * closes (see the top of this file).
 */
bool vxf_violate_sent(void)
{
	return kind != VXF_VIOLATE_NONE && phase == PH_SENT;
}
