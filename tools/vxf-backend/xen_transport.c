// SPDX-License-Identifier: GPL-2.0
/*
 * xen_transport.c - the transport of one Xen-mode device (transport.h;
 * see xen.c): notify and take kicks over the event channel, slot pages
 * shared with gntshr, and connect: the frontend's keys read and checked,
 * its rings mapped with gnttab, its event channel bound; disconnect
 * undoes whatever part of connect was done.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "xen_priv.h"

#define XPAGE_SIZE		4096UL
#define MAX_RING_PAGES		(1U << XENVXF_MAX_RING_PAGE_ORDER)

static int xt_notify(struct vxf_transport *t)
{
	struct xdev *d = to_dev(t);

	if (xenevtchn_notify(d->xce, d->port) < 0)
		return -errno;
	return 0;
}

static int xt_kick_fd(struct vxf_transport *t)
{
	return xenevtchn_fd(to_dev(t)->xce);
}

/* Consume pending events of our port (the fd is non-blocking). */
int64_t xt_ack_kicks(struct vxf_transport *t)
{
	struct xdev *d = to_dev(t);
	xenevtchn_port_or_error_t port;
	int64_t n = 0;

	for (;;) {
		port = xenevtchn_pending(d->xce);
		if (port < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (xenevtchn_unmask(d->xce, port) < 0)
			return -errno;
		n++;
	}
}

static void *xt_share(struct vxf_transport *t, uint32_t *ref)
{
	struct xdev *d = to_dev(t);
	void *p = xengntshr_share_pages(d->gs, d->domid, 1, ref, 1);

	if (p)
		d->srv->shared++;
	return p;
}

static int xt_unshare(struct vxf_transport *t, void *addr, uint32_t ref)
{
	struct xdev *d = to_dev(t);

	if (hv_unshare_check(d, ref)) {
		fprintf(stderr, "vxf-backend: %s: cannot revoke a lent slot; leaking it\n",
			d->fe);
		return -EBUSY;
	}
	if (xengntshr_unshare(d->gs, addr, 1))
		return -errno;
	d->srv->shared--;
	return 0;
}

static int read_fe_uint(struct xdev *d, const char *key, uint64_t max,
			uint64_t *v)
{
	int ret = xs_get_uint(d->srv, d->fe, key, max, v);

	if (ret == -ENOENT)
		dev_error(d, ENOENT, "frontend key %s missing", key);
	else if (ret)
		dev_error(d, EINVAL, "frontend key %s invalid (max %" PRIu64 ")",
			  key, max);
	return ret;
}

static int read_refs(struct xdev *d, const char *base, unsigned int nr,
		     uint32_t *refs)
{
	char key[32];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < nr; i++) {
		snprintf(key, sizeof(key), "%s%u", base, i);
		if (read_fe_uint(d, key, UINT32_MAX, &v))
			return -EINVAL;
		refs[i] = (uint32_t)v;
	}
	return 0;
}

static void *map_ring(struct xdev *d, const uint32_t *refs, const char *what)
{
	void *p = xengnttab_map_domain_grant_refs(d->gt, d->ring_pages,
						  d->domid, (uint32_t *)refs,
						  PROT_READ | PROT_WRITE);

	if (!p) {
		dev_error(d, errno, "mapping the %s ring (%u grants, first %u): %s",
			  what, d->ring_pages, refs[0], strerror(errno));
		return NULL;
	}
	d->srv->mapped += d->ring_pages;
	return p;
}

static int open_handles(struct xdev *d)
{
	int fl;

	d->gt = xengnttab_open(NULL, 0);
	d->gs = xengntshr_open(NULL, 0);
	d->xce = xenevtchn_open(NULL, 0);
	if (!d->gt || !d->gs || !d->xce) {
		dev_error(d, errno, "opening gnttab/gntshr/evtchn: %s (modules xen-gntdev, xen-gntalloc, xen-evtchn?)",
			  strerror(errno));
		return -ENODEV;
	}
	fl = fcntl(xenevtchn_fd(d->xce), F_GETFL);
	if (fl < 0 ||
	    fcntl(xenevtchn_fd(d->xce), F_SETFL, fl | O_NONBLOCK) < 0) {
		dev_error(d, errno, "evtchn O_NONBLOCK: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int bind_port(struct xdev *d, uint64_t remote)
{
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_interdomain(d->xce, d->domid,
					  (evtchn_port_t)remote);
	if (port < 0) {
		dev_error(d, errno, "binding event channel %" PRIu64 ": %s",
			  remote, strerror(errno));
		return -errno;
	}
	d->port = port;
	d->port_bound = true;
	d->srv->ports++;
	return 0;
}

/* The frontend is Initialised: take its rings. @p->ring_order is our max. */
int xt_connect(struct vxf_transport *t,
	       const struct vxf_transport_params *p,
	       struct vxf_transport_rings *r)
{
	struct xdev *d = to_dev(t);
	uint32_t req_refs[MAX_RING_PAGES], evt_refs[MAX_RING_PAGES];
	uint64_t version, order, evtchn;

	if (read_fe_uint(d, XENVXF_FIELD_FE_VERSION, UINT32_MAX, &version) ||
	    read_fe_uint(d, XENVXF_FIELD_RING_ORDER, p->ring_order, &order) ||
	    read_fe_uint(d, XENVXF_FIELD_EVT_CHANNEL, UINT32_MAX, &evtchn))
		return -EINVAL;
	if (version != XENVXF_PROTOCOL_VERSION) {
		dev_error(d, EPROTO, "frontend chose protocol version %" PRIu64
			  ", we offer %d", version, XENVXF_PROTOCOL_VERSION);
		return -EPROTO;
	}
	d->ring_pages = 1U << order;
	if (read_refs(d, XENVXF_FIELD_REQ_RING_REF, d->ring_pages, req_refs) ||
	    read_refs(d, XENVXF_FIELD_EVT_RING_REF, d->ring_pages, evt_refs))
		return -EINVAL;
	if (open_handles(d))
		return -ENODEV;
	d->req_ring = map_ring(d, req_refs, "request");
	if (!d->req_ring)
		return -EIO;
	d->evt_ring = map_ring(d, evt_refs, "event");
	if (!d->evt_ring)
		return -EIO;
	if (bind_port(d, evtchn))
		return -EIO;
	if (hv_setup(d, p->window_pages))
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	r->req = d->req_ring;
	r->evt = d->evt_ring;
	r->ring_bytes = XPAGE_SIZE * d->ring_pages;
	r->index = -1;
	r->window_pages = p->window_pages;
	snprintf(r->dev, sizeof(r->dev), "vxf %u/%u", d->domid, d->devid);
	return 0;
}

static void unmap_ring(struct xdev *d, void **ring)
{
	if (!*ring)
		return;
	if (xengnttab_unmap(d->gt, *ring, d->ring_pages))
		fprintf(stderr, "vxf-backend: %s: unmapping a ring: %s\n",
			d->fe, strerror(errno));
	else
		d->srv->mapped -= d->ring_pages;
	*ring = NULL;
}

/* Undo xt_connect(), whatever part of it was done. */
void xt_disconnect(struct vxf_transport *t)
{
	struct xdev *d = to_dev(t);

	if (d->port_bound) {
		xenevtchn_unbind(d->xce, d->port);
		d->port_bound = false;
		d->srv->ports--;
	}
	if (d->gt) {
		unmap_ring(d, &d->req_ring);
		unmap_ring(d, &d->evt_ring);
		xengnttab_close(d->gt);
	}
	if (d->gs)
		xengntshr_close(d->gs);
	if (d->xce)
		xenevtchn_close(d->xce);
	d->gt = NULL;
	d->gs = NULL;
	d->xce = NULL;
}

static void xt_destroy(struct vxf_transport *t)
{
	(void)t;
}

const struct vxf_transport_ops xen_ops = {
	.name = "xen",
	.connect = xt_connect,
	.notify = xt_notify,
	.kick_fd = xt_kick_fd,
	.ack_kicks = xt_ack_kicks,
	.share = xt_share,
	.unshare = xt_unshare,
	.disconnect = xt_disconnect,
	.destroy = xt_destroy,
};

/* Hypervisor mode: MAPs lend, hv-revoke revokes. */
const struct vxf_transport_ops xen_hv_ops = {
	.name = "xen-hv",
	.connect = xt_connect,
	.notify = xt_notify,
	.kick_fd = xt_kick_fd,
	.ack_kicks = xt_ack_kicks,
	.share = xt_share,
	.unshare = xt_unshare,
	.hv_revoke = xt_hv_revoke,
	.hv_lend = xt_hv_lend,
	.disconnect = xt_disconnect,
	.destroy = xt_destroy,
};
