// SPDX-License-Identifier: GPL-2.0
/*
 * xen_hv.c - hypervisor mode of a Xen-mode device (--hv, on the patched
 * Xen of xen/patches/; see xen.c): MAP answers lend the slot pages at the
 * frontend's window frames with XEN_DMOP_lend_pages, hv-revoke and the
 * teardown take them back with XEN_DMOP_revoke_pages, both through
 * privcmd's DM_OP ioctl; which grant is lent at which window page.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "xen_priv.h"

#include <xen/sys/privcmd.h>

/* The ABI of xen/patches/0001 (public/hvm/dm_op.h there). */
#define XEN_DMOP_lend_pages	64
#define XEN_DMOP_revoke_pages	65
#define XEN_DMOP_LEND_SRC_GREF	(1u << 0)
#define XEN_DMOP_REVOKE_SYNC	(1u << 0)

struct dmop_lend_entry {
	uint64_t gfn;
	uint64_t src;
};

struct dmop {
	uint32_t op;
	uint32_t pad;
	union {
		struct {
			uint32_t nr;
			uint32_t flags;
			uint32_t done;
			uint32_t pad;
		} lend;
		struct {
			uint64_t first_gfn;
			uint32_t nr;
			uint32_t flags;
		} revoke;
		uint8_t size[16];
	} u;
};

static int dm_op(struct xdev *d, struct dmop *op, void *buf, size_t size)
{
	struct privcmd_dm_op_buf bufs[2] = {
		{ .uptr = op, .size = sizeof(*op) },
		{ .uptr = buf, .size = size },
	};
	struct privcmd_dm_op arg = {
		.dom = (domid_t)d->domid,
		.num = buf ? 2 : 1,
		.ubufs = bufs,
	};

	return ioctl(d->srv->privcmd, IOCTL_PRIVCMD_DM_OP, &arg) ? -errno : 0;
}

/* Forget that window page @page is lent. */
static void hv_forget(struct xdev *d, uint64_t page)
{
	uint64_t ref = d->page_ref[page];

	if (!ref)
		return;
	d->page_ref[page] = 0;
	if (ref - 1 < d->nr_ref_page)
		d->ref_page[ref - 1] = 0;
	d->srv->lent--;
}

/* Take window pages [first, first + count) back from the frontend. */
int hv_revoke_range(struct xdev *d, uint64_t first, uint64_t count)
{
	struct dmop op = { .op = XEN_DMOP_revoke_pages };
	uint64_t page;
	int ret;

	op.u.revoke.first_gfn = d->hv_gfn + first;
	op.u.revoke.nr = (uint32_t)count;
	op.u.revoke.flags = XEN_DMOP_REVOKE_SYNC;
	ret = dm_op(d, &op, NULL, 0);
	/* A domain that is gone had every lent frame revoked by Xen. */
	if (ret == -ESRCH)
		ret = 0;
	if (!ret && d->page_ref)
		for (page = first; page < first + count; page++)
			hv_forget(d, page);
	return ret;
}

/*
 * The store reclaims slots after hv-revoke; a slot still lent (a RESET, an
 * UNMAP) is revoked here first: a page is never unshared while lent.
 */
int hv_unshare_check(struct xdev *d, uint32_t ref)
{
	uint64_t page;

	if (!d->hv || ref >= d->nr_ref_page || !d->ref_page[ref])
		return 0;
	page = d->ref_page[ref] - 1;
	return hv_revoke_range(d, page, 1);
}

int xt_hv_revoke(struct vxf_transport *t, uint64_t first,
		 uint64_t count)
{
	struct xdev *d = to_dev(t);
	int ret;

	if (count > UINT32_MAX)
		return -EINVAL;
	ret = hv_revoke_range(d, first, count);
	if (ret)
		fprintf(stderr, "vxf-backend: %s: XEN_DMOP_revoke_pages %" PRIu64
			"+%" PRIu64 ": %s\n", d->fe, first, count,
			strerror(-ret));
	return ret;
}

/* Remember that @ref is lent at @page; false without memory. */
static bool hv_remember(struct xdev *d, uint64_t page, uint32_t ref)
{
	uint64_t *n;
	size_t cap;

	if (ref >= d->nr_ref_page) {
		cap = (size_t)ref * 2 + 64;
		n = realloc(d->ref_page, cap * sizeof(*n));
		if (!n)
			return false;
		memset(n + d->nr_ref_page, 0,
		       (cap - d->nr_ref_page) * sizeof(*n));
		d->ref_page = n;
		d->nr_ref_page = cap;
	}
	if (d->page_ref[page])
		hv_forget(d, page);	/* lent anew: replaced */
	d->page_ref[page] = (uint64_t)ref + 1;
	d->ref_page[ref] = page + 1;
	d->srv->lent++;
	return true;
}

int xt_hv_lend(struct vxf_transport *t, uint64_t first,
	       const uint32_t *refs, unsigned int nr)
{
	struct xdev *d = to_dev(t);
	struct dmop_lend_entry e[XENVXF_MAX_REFS];
	struct dmop op = { .op = XEN_DMOP_lend_pages };
	unsigned int i;
	int ret;

	if (nr > XENVXF_MAX_REFS)
		return XENVXF_STATUS_EINVAL;
	for (i = 0; i < nr; i++) {
		e[i].gfn = d->hv_gfn + first + i;
		e[i].src = refs[i];
	}
	op.u.lend.nr = nr;
	op.u.lend.flags = XEN_DMOP_LEND_SRC_GREF;
	ret = dm_op(d, &op, e, nr * sizeof(e[0]));
	for (i = 0; !ret && i < nr; i++)
		if (!hv_remember(d, first + i, refs[i]))
			ret = -ENOMEM;
	if (ret) {
		fprintf(stderr, "vxf-backend: %s: XEN_DMOP_lend_pages %" PRIu64
			"+%u: %s (%u lent)\n", d->fe, first, nr,
			strerror(-ret), op.u.lend.done);
		/* Leave nothing half lent. */
		hv_revoke_range(d, first, nr);
		return XENVXF_STATUS_EIO;
	}
	return 0;
}

/*
 * Hypervisor mode if we offer it and the frontend wrote hv-window-gfn;
 * then revoke the whole window (what a killed predecessor left lent).
 */
int hv_setup(struct xdev *d, uint64_t window_pages)
{
	uint64_t gfn;
	char buf[32];
	int ret;

	d->hv = false;
	d->t.ops = &xen_ops;
	if (!d->srv->o->hv ||
	    xs_get(d->srv, d->fe, XENVXF_FIELD_HV_WINDOW_GFN, buf, sizeof(buf)))
		return 0;
	/* Below 2^52 (a frame of a 64-bit physical address), window inside. */
	if (parse_dec(buf, (1ULL << 52) - window_pages, &gfn) || !gfn) {
		dev_error(d, EINVAL, "bad %s: %s", XENVXF_FIELD_HV_WINDOW_GFN,
			  buf);
		return -EINVAL;
	}
	if (d->srv->privcmd < 0) {
		dev_error(d, ENODEV, "hypervisor mode without /dev/xen/privcmd");
		return -ENODEV;
	}
	d->page_ref = calloc(window_pages, sizeof(*d->page_ref));
	if (!d->page_ref) {
		dev_error(d, ENOMEM, "no memory for %" PRIu64 " pages",
			  window_pages);
		return -ENOMEM;
	}
	d->hv = true;
	d->hv_gfn = gfn;
	ret = hv_revoke_range(d, 0, window_pages);
	if (ret) {
		dev_error(d, -ret, "XEN_DMOP_revoke_pages of the window: %s (not the patched Xen?)",
			  strerror(-ret));
		d->hv = false;
		return ret;
	}
	d->t.ops = &xen_hv_ops;
	info(d->srv, "%s: hypervisor mode, frames %#" PRIx64 "+%" PRIu64,
	     d->be, gfn, window_pages);
	return 0;
}
