// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - loop-mode transport of the vxf backend: /dev/vxf-loop, the
 * in-guest stand-in for Xen's grant tables and event channel.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vxf.h>

#include "transport.h"

#define VXF_LOOP_DEV	"/dev/vxf-loop"
#define RING_PAGE_SIZE	4096UL
/* XENVXF_SUPERPAGE_ORDER of vxfif.h, which wants ring.h's setup. */
#define SUPERPAGE_ORDER	9

/**
 * struct vxf_loop - loop transport state
 * @fd: the open /dev/vxf-loop
 * @rings: both rings, mapped from @fd
 * @rings_len: length of @rings
 */
struct vxf_loop {
	int fd;
	void *rings;
	size_t rings_len;
};

static struct vxf_loop *to_loop(struct vxf_transport *t)
{
	return t->priv;
}

static int ioctl_retry(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

static void loop_disconnect(struct vxf_transport *t)
{
	struct vxf_loop *l = to_loop(t);

	if (l->rings)
		munmap(l->rings, l->rings_len);
	if (l->fd >= 0)
		close(l->fd);
	l->rings = NULL;
	l->fd = -1;
}

/* What an existing window is, for reattaching: its size and granule. */
static int window_info(int index, struct vxf_info *info)
{
	char dev[64];
	int fd, ret;

	snprintf(dev, sizeof(dev), "/dev/vxf%d", index);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "vxf-backend: open %s: %s\n", dev,
			strerror(errno));
		return ret;
	}
	ret = ioctl_retry(fd, VXF_IOC_INFO, info);
	close(fd);
	if (ret)
		fprintf(stderr, "vxf-backend: VXF_IOC_INFO on %s: %s\n", dev,
			strerror(-ret));
	return ret;
}

static int loop_connect(struct vxf_transport *t,
			const struct vxf_transport_params *p,
			struct vxf_transport_rings *r)
{
	struct vxf_loop *l = to_loop(t);
	struct vxf_loop_connect c;
	struct vxf_info info;
	size_t ring_bytes = RING_PAGE_SIZE << p->ring_order;
	void *rings;
	int ret;

	l->fd = open(VXF_LOOP_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (l->fd < 0) {
		ret = -errno;
		fprintf(stderr, "vxf-backend: open %s: %s\n", VXF_LOOP_DEV,
			strerror(errno));
		return ret;
	}
	memset(&c, 0, sizeof(c));
	c.index = p->index;
	c.ring_order = p->ring_order;
	c.window_pages = p->window_pages;
	c.cache = p->cache;
	c.map_pages = p->map_pages;
	c.fault_timeout_ms = p->fault_timeout_ms;
	c.flags = p->flags;
	ret = ioctl_retry(l->fd, VXF_LOOP_IOC_CONNECT, &c);
	if (ret) {
		fprintf(stderr, "vxf-backend: VXF_LOOP_IOC_CONNECT: %s\n",
			strerror(-ret));
		goto err_close;
	}
	/* The driver writes the window's size back; older ones may not. */
	r->window_pages = c.window_pages ? c.window_pages : p->window_pages;
	r->flags = p->flags;
	if (p->index >= 0) {
		/* A reattached window keeps its flags: learn its granule. */
		ret = window_info(c.index, &info);
		if (ret)
			goto err_close;
		if (!r->window_pages)
			r->window_pages = info.window_pages;
		if (info.map_pages == 1U << SUPERPAGE_ORDER)
			r->flags |= VXF_LOOP_F_SUPERPAGE;
	}
	l->rings_len = 2 * ring_bytes;
	rings = mmap(NULL, l->rings_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     l->fd, (off_t)c.ring_offset);
	if (rings == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "vxf-backend: mmap rings at 0x%llx: %s\n",
			(unsigned long long)c.ring_offset, strerror(errno));
		goto err_close;
	}
	l->rings = rings;
	r->req = rings;
	r->evt = (uint8_t *)rings + ring_bytes;
	r->ring_bytes = ring_bytes;
	r->index = c.index;
	snprintf(r->dev, sizeof(r->dev), "/dev/vxf%d", c.index);
	return 0;

err_close:
	loop_disconnect(t);
	return ret;
}

static int loop_notify(struct vxf_transport *t)
{
	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_NOTIFY, NULL);
}

static int loop_kick_fd(struct vxf_transport *t)
{
	return to_loop(t)->fd;
}

static int64_t loop_ack_kicks(struct vxf_transport *t)
{
	uint64_t kicks;
	ssize_t n;

	do {
		n = read(to_loop(t)->fd, &kicks, sizeof(kicks));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != sizeof(kicks))
		return -EIO;
	return (int64_t)(kicks & INT64_MAX);
}

static int loop_grant(struct vxf_transport *t, void *addr, unsigned int nr,
		      uint32_t *refs)
{
	struct vxf_loop_grant g = {
		.addr = (uintptr_t)addr,
		.nr_refs = nr,
		.order = 0,
		.refs = (uintptr_t)refs,
	};

	if (nr > VXF_LOOP_MAX_GRANT)
		return -EINVAL;
	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_GRANT, &g);
}

static int loop_grant_huge(struct vxf_transport *t, void *addr,
			   uint32_t *ref)
{
	struct vxf_loop_grant g = {
		.addr = (uintptr_t)addr,
		.nr_refs = 1,
		.order = SUPERPAGE_ORDER,
		.refs = (uintptr_t)ref,
	};

	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_GRANT, &g);
}

static int loop_grant_fixed(struct vxf_transport *t, uint64_t first,
			    uint64_t nr, uint32_t *refs)
{
	struct vxf_loop_grant_vgpu g = { 0 };
	struct vxf_loop_ungrant u = { 0 };
	uint64_t done;
	int ret;

	for (done = 0; done < nr; done += g.nr_refs) {
		g.first = first + done;
		g.nr_refs = nr - done > VXF_LOOP_MAX_GRANT ?
			    VXF_LOOP_MAX_GRANT : (uint32_t)(nr - done);
		g.refs = (uintptr_t)(refs + done);
		ret = ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_GRANT_VGPU, &g);
		if (ret)
			goto err_ungrant;
	}
	return 0;

err_ungrant:
	while (done) {
		u.nr_refs = done > VXF_LOOP_MAX_GRANT ? VXF_LOOP_MAX_GRANT :
			    (uint32_t)done;
		done -= u.nr_refs;
		u.refs = (uintptr_t)(refs + done);
		ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_UNGRANT, &u);
	}
	return ret;
}

static int loop_ungrant(struct vxf_transport *t, const uint32_t *refs,
			unsigned int nr)
{
	struct vxf_loop_ungrant u = {
		.refs = (uintptr_t)refs,
		.nr_refs = nr,
	};

	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_UNGRANT, &u);
}

static void loop_destroy(struct vxf_transport *t)
{
	free(t->priv);
	t->priv = NULL;
}

static int loop_hv_revoke(struct vxf_transport *t, uint64_t first,
			  uint64_t count)
{
	struct vxf_loop_hv_revoke r = { .first = first, .count = count };

	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_HV_REVOKE, &r);
}

static int loop_hv_inject(struct vxf_transport *t, const void *records,
			  unsigned int nr, unsigned int *written)
{
	struct vxf_loop_hv_inject in = {
		.records = (uintptr_t)records,
		.nr = nr,
	};
	int ret;

	ret = ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_HV_INJECT, &in);
	*written = in.written;
	return ret;
}

static int loop_hv_corrupt(struct vxf_transport *t)
{
	struct vxf_loop_hv_inject in = {
		.flags = VXF_LOOP_HV_INJECT_F_CORRUPT_PROD,
	};

	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_HV_INJECT, &in);
}

static int loop_fe_stats(struct vxf_transport *t, void *st)
{
	struct vxf_stats *s = st;

	/* the size rule of VXF_IOC_STATS: what we know, zero if not filled */
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	return ioctl_retry(to_loop(t)->fd, VXF_LOOP_IOC_STATS, s);
}

static const struct vxf_transport_ops vxf_loop_ops = {
	.name = "loop",
	.connect = loop_connect,
	.notify = loop_notify,
	.kick_fd = loop_kick_fd,
	.ack_kicks = loop_ack_kicks,
	.grant = loop_grant,
	.grant_huge = loop_grant_huge,
	.grant_fixed = loop_grant_fixed,
	.ungrant = loop_ungrant,
	.hv_revoke = loop_hv_revoke,
	.hv_inject = loop_hv_inject,
	.hv_corrupt = loop_hv_corrupt,
	.fe_stats = loop_fe_stats,
	.disconnect = loop_disconnect,
	.destroy = loop_destroy,
};

/**
 * vxf_loop_transport_init() - set up a loop transport (not connected yet)
 * @t: transport to fill
 *
 * Return: 0 or -ENOMEM.
 */
int vxf_loop_transport_init(struct vxf_transport *t)
{
	struct vxf_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->fd = -1;
	t->ops = &vxf_loop_ops;
	t->priv = l;
	return 0;
}
