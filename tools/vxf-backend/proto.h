/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - backend half of the vxf shared-ring protocol
 *
 * Serves MAP and UNMAP from the request ring, sends REVOKE and RESET on the
 * event ring and consumes their answers. Knows nothing of the transport
 * beyond struct vxf_transport_ops, and nothing of time beyond the "now"
 * its caller passes in (microseconds, monotonic), so it runs unchanged
 * against /dev/vxf-loop, Xen, or the in-memory fake of selftest.c.
 */

#ifndef VXF_BACKEND_PROTO_H
#define VXF_BACKEND_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ring.h wants these before it is included (Xen's public headers). */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__	0x00040e00
#endif
#define xen_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)

#include "vxfif.h"
#include "store.h"
#include "transport.h"

/*
 * How long an event waits for its answer (the deadline sent with a REVOKE):
 * VXF_REVOKE_DEADLINE_US unless --revoke-deadline-ms set another.
 */
#define VXF_REVOKE_DEADLINE_US	2000000U
extern uint32_t vxf_revoke_deadline_us;
#define VXF_MAX_FAIL_RANGES	64
#define VXF_STORM_MAX_PAGES	16

/**
 * struct vxf_proto_stats - counters of the `stats` control command
 * @maps: valid MAP requests received
 * @map_pages: pages supplied by successful MAP answers
 * @map_errors: MAP answers with an error status (injected or invalid)
 * @revokes: REVOKE events sent
 * @revoke_done: REVOKE_DONE answers received
 * @revoked_pages: pages migrated back after a REVOKE_DONE
 * @resets: RESET events sent
 * @unmaps: valid UNMAP requests received
 * @kicks_in: kicks from the frontend
 * @kicks_out: kicks to the frontend
 * @bad_requests: invalid requests, and answers on the event ring that did
 *	not match an event in flight
 * @declined: PREFETCH MAPs declined with -XEN_EAGAIN (--decline-prefetch)
 * @hv_revoked_pages: pages taken back through the hypervisor (hv-revoke,
 *	and a revoke storm in hypervisor mode on Xen), contents kept
 */
struct vxf_proto_stats {
	uint64_t maps;
	uint64_t map_pages;
	uint64_t map_errors;
	uint64_t revokes;
	uint64_t revoke_done;
	uint64_t revoked_pages;
	uint64_t resets;
	uint64_t unmaps;
	uint64_t kicks_in;
	uint64_t kicks_out;
	uint64_t bad_requests;
	uint64_t declined;
	uint64_t hv_revoked_pages;
};

/**
 * struct vxf_proto_done - an event a control command waits for ended
 * @type: XENVXF_EVT_REVOKE or XENVXF_EVT_RESET
 * @timeout: no answer came within the deadline (status, pages unset)
 * @status: the frontend's answer
 * @pages: pages migrated back (pages that had a slot)
 */
struct vxf_proto_done {
	uint8_t type;
	bool timeout;
	int32_t status;
	uint64_t pages;
};

typedef void (*vxf_proto_done_fn)(void *ctx, const struct vxf_proto_done *d);

/* A MAP request waiting for its answer (delay, hang, revoke in flight). */
struct vxf_pending_map {
	struct xenvxf_req req;
	uint64_t due_us;
};

/* An event sent and not answered yet. */
struct vxf_inflight_evt {
	uint64_t id;
	uint64_t first;
	uint64_t count;
	uint64_t deadline_us;
	uint8_t type;
	bool ctl;
	bool expired;
};

struct vxf_range {
	uint64_t first;
	uint64_t count;
};

/**
 * struct vxf_proto - backend protocol state (single-threaded)
 * @t: transport
 * @store: content store
 * @window_pages: window size
 * @req: request ring, back end
 * @evt: event ring, front end (events are its requests)
 * @pending: MAP requests not answered yet, oldest first
 * @nr_pending: entries of @pending
 * @evts: events in flight
 * @nr_evts: entries of @evts
 * @max_evts: size of @evts (the event ring's size)
 * @next_evt_id: id of the next event
 * @fail: fail-injection ranges
 * @nr_fail: entries of @fail
 * @delay_us: answer delay given to newly arrived MAPs
 * @hang: do not answer MAPs
 * @decline_prefetch: decline every Nth MAP flagged XENVXF_MAP_F_PREFETCH
 *	with -XEN_EAGAIN, 0 for never
 * @prefetch_seen: PREFETCH MAPs answered or declined so far
 * @storm_us: revoke storm period, 0 for none
 * @storm_next_us: when the next storm revoke is due
 * @rng: random state
 * @kick: the frontend must be kicked at the end of this round
 * @broken: the frontend or the transport broke (negative errno), or 0
 * @superpage: the window uses superpages: a MAP of a whole aligned 2 MiB
 *	block is valid and answered with one order-9 reference (the store
 *	must have huge slots)
 * @stats: counters
 * @done: called when an event a control command waits for ends
 * @done_ctx: its argument
 */
struct vxf_proto {
	struct vxf_transport *t;
	struct vxf_store *store;
	uint64_t window_pages;
	xenvxf_req_back_ring_t req;
	xenvxf_evt_front_ring_t evt;
	struct vxf_pending_map *pending;
	unsigned int nr_pending;
	struct vxf_inflight_evt *evts;
	unsigned int nr_evts;
	unsigned int max_evts;
	uint64_t next_evt_id;
	struct vxf_range fail[VXF_MAX_FAIL_RANGES];
	unsigned int nr_fail;
	uint64_t delay_us;
	bool hang;
	uint64_t decline_prefetch;
	uint64_t prefetch_seen;
	uint64_t storm_us;
	uint64_t storm_next_us;
	uint64_t rng;
	bool kick;
	int broken;
	bool superpage;
	struct vxf_proto_stats stats;
	vxf_proto_done_fn done;
	void *done_ctx;
};

int vxf_proto_init(struct vxf_proto *p, struct vxf_transport *t,
		   struct vxf_store *store,
		   const struct vxf_transport_rings *rings, uint64_t seed,
		   vxf_proto_done_fn done, void *done_ctx);
void vxf_proto_fini(struct vxf_proto *p);
int vxf_proto_service(struct vxf_proto *p, uint64_t now_us);
uint64_t vxf_proto_next_wakeup(const struct vxf_proto *p);
int vxf_proto_revoke(struct vxf_proto *p, uint64_t first, uint64_t count,
		     bool ctl, uint64_t now_us);
int vxf_proto_reset(struct vxf_proto *p, bool ctl, uint64_t now_us);
unsigned int vxf_proto_flood(struct vxf_proto *p, unsigned int n,
			     uint64_t now_us);
int vxf_proto_fail_add(struct vxf_proto *p, uint64_t first, uint64_t count);
void vxf_proto_fail_clear(struct vxf_proto *p);
void vxf_proto_set_storm(struct vxf_proto *p, uint64_t period_us,
			 uint64_t now_us);

#endif /* VXF_BACKEND_PROTO_H */
