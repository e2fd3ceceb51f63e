// SPDX-License-Identifier: GPL-2.0
/*
 * xen_bus.c - the xenbus state machine of one Xen-mode device (see xen.c
 * for the states): advertise and InitWait, connect and serve once the
 * frontend is Initialised, close when it closes, restarts or fails, and
 * stay Closed after too many connections that never reached Connected.
 */

#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vxf.h>

#include "violate.h"
#include "xen_priv.h"

#define EXTRA_SLOTS		64
#define MAX_FAILED_CYCLES	3

static const char *cache_name(unsigned int cache)
{
	if (cache == VXF_CACHE_WC)
		return XENVXF_CACHE_WC;
	if (cache == VXF_CACHE_UC)
		return XENVXF_CACHE_UC;
	return XENVXF_CACHE_WB;
}

/* Write our entries and go to InitWait. */
void advertise(struct xdev *d)
{
	struct srv *s = d->srv;
	char path[PATH_LEN + 16];

	snprintf(path, sizeof(path), "%s/error", d->be);
	xs_rm(s->xs, XBT_NULL, path);
	xs_put(s, d->be, XENVXF_FIELD_BE_VERSIONS, "%d",
	       XENVXF_PROTOCOL_VERSION);
	xs_put(s, d->be, XENVXF_FIELD_MAX_RING_ORDER, "%u",
	       s->o->max_ring_order);
	xs_put(s, d->be, XENVXF_FIELD_WINDOW_PAGES, "%" PRIu64,
	       s->o->window_pages);
	xs_put(s, d->be, XENVXF_FIELD_WINDOW_CACHE, "%s",
	       cache_name(s->o->cache));
	xs_put(s, d->be, XENVXF_FIELD_FEATURE_SUPERPAGE, "0");
	xs_put(s, d->be, XENVXF_FIELD_FEATURE_HV_FAULT, "%d", s->o->hv ? 1 : 0);
	set_state(d, XenbusStateInitWait);
	d->phase = PH_INITWAIT;
	info(s, "%s: InitWait (%" PRIu64 " pages, %s)", d->be,
	     s->o->window_pages, cache_name(s->o->cache));
}

/* Stop serving: every page unshared, rings unmapped, port unbound. */
static void dev_disconnect(struct xdev *d)
{
	if (d->serving && d->hv &&
	    hv_revoke_range(d, 0, d->store.window_pages))
		/* Then each slot is revoked alone before its unsharing. */
		fprintf(stderr, "vxf-backend: %s: revoking the window failed\n",
			d->fe);
	if (d->serving) {
		vxf_proto_fini(&d->proto);
		vxf_store_fini(&d->store);
		d->serving = false;
	}
	d->hv = false;
	free(d->page_ref);
	free(d->ref_page);
	d->page_ref = NULL;
	d->ref_page = NULL;
	d->nr_ref_page = 0;
	xt_disconnect(&d->t);
	if (d->ctl.waiting) {
		d->ctl.waiting = false;
		dev_reply(d, "err disconnected");
	}
	dev_unblock(d);
}

static void apply_knobs(struct xdev *d)
{
	const struct vxf_xen_opts *o = d->srv->o;
	unsigned int i;

	d->proto.delay_us = o->delay_us;
	d->proto.hang = o->no_answer;
	for (i = 0; i < o->nr_fail; i++)
		vxf_proto_fail_add(&d->proto, o->fail[i].first,
				   o->fail[i].count);
	vxf_proto_set_storm(&d->proto, o->storm_us, now_us());
}

static int start_serving(struct xdev *d, const struct vxf_transport_rings *r)
{
	const struct vxf_xen_opts *o = d->srv->o;
	uint64_t slots = o->nr_slots ? o->nr_slots :
				       o->window_pages + EXTRA_SLOTS;
	int ret;

	if (slots > UINT32_MAX / 2)
		slots = UINT32_MAX / 2;
	ret = vxf_store_init(&d->store, &d->t, o->window_pages,
			     (uint32_t)slots);
	if (ret) {
		dev_error(d, ENOMEM, "no memory for %" PRIu64 " pages",
			  o->window_pages);
		return ret;
	}
	ret = vxf_proto_init(&d->proto, &d->t, &d->store, r,
			     o->seed + d->domid * 256 + d->devid,
			     dev_evt_done, d);
	if (ret) {
		vxf_store_fini(&d->store);
		dev_error(d, ENOMEM, "no memory for the protocol state");
		return ret;
	}
	d->serving = true;
	apply_knobs(d);
	return 0;
}

/* Close after an error: the frontend sees Closing and tears down. */
void dev_fail(struct xdev *d)
{
	dev_disconnect(d);
	set_state(d, XenbusStateClosing);
	d->phase = PH_CLOSING;
}

static void dev_connect(struct xdev *d)
{
	struct vxf_transport_params p = {
		.index = -1,
		.window_pages = d->srv->o->window_pages,
		.ring_order = d->srv->o->max_ring_order,
		.cache = d->srv->o->cache,
	};
	struct vxf_transport_rings r;

	if (xt_connect(&d->t, &p, &r) || start_serving(d, &r)) {
		dev_fail(d);
		return;
	}
	set_state(d, XenbusStateConnected);
	d->phase = PH_CONNECTED;
	d->failed_cycles = 0;
	d->served = true;
	info(d->srv, "%s: Connected (ring %u page(s), port %u)", d->be,
	     d->ring_pages, d->port);
}

/* The frontend closed (or went away): Closed, and InitWait again. */
void dev_closed(struct xdev *d, bool again)
{
	dev_disconnect(d);
	set_state(d, XenbusStateClosed);
	d->phase = PH_CLOSED;
	/* failed_cycles was reset to 0 if this cycle reached Connected. */
	if (again && !d->served)
		d->failed_cycles++;
	d->served = false;
	if (!again)
		return;
	if (vxf_violate_sent()) {
		/* --violate: the test looks at the frontend's Closed state. */
		info(d->srv, "%s: staying Closed after the --violate violation",
		     d->be);
		return;
	}
	if (d->failed_cycles >= MAX_FAILED_CYCLES) {
		fprintf(stderr, "vxf-backend: %s: %u failed connections in a row; staying Closed until the frontend goes Initialising\n",
			d->be, d->failed_cycles);
		return;
	}
	advertise(d);
}

/* React to the frontend's state. */
void fe_changed(struct xdev *d)
{
	int st = fe_state(d);

	switch (st) {
	case XenbusStateInitialising:
	case XenbusStateInitWait:
		if (d->phase == PH_CONNECTED)
			dev_closed(d, true);	/* it restarted */
		else if (d->phase == PH_CLOSED) {
			d->failed_cycles = 0;
			advertise(d);
		}
		break;
	case XenbusStateInitialised:
		if (d->phase == PH_INITWAIT)
			dev_connect(d);
		break;
	case XenbusStateConnected:
		if (d->phase == PH_INITWAIT) {
			/* Connected to an earlier backend: start over. */
			info(d->srv, "%s: frontend still connected to an earlier backend; closing",
			     d->be);
			dev_fail(d);
		}
		break;
	case XenbusStateClosing:
		if (d->phase == PH_INITWAIT || d->phase == PH_CONNECTED) {
			dev_disconnect(d);
			set_state(d, XenbusStateClosing);
			d->phase = PH_CLOSING;
		}
		break;
	case XenbusStateClosed:
		if (d->phase == PH_CONNECTED || d->phase == PH_CLOSING)
			dev_closed(d, true);
		break;
	default:	/* missing, Unknown or garbage: handled by the caller */
		break;
	}
}
