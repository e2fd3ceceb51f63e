/* SPDX-License-Identifier: GPL-2.0 */
/*
 * transport.h - what the vxf backend needs from a transport
 *
 * The protocol logic (proto.c) and the content store (store.c) only talk to
 * the other end through this table: loop mode (loop.c, /dev/vxf-loop), Xen
 * (xen_transport.c and xen_hv.c: gntshr, gnttab, evtchn, xenstore,
 * privcmd), an in-memory fake in selftest.c.
 *
 * Slot memory comes in one of two ways. A transport that can lend any page
 * of the process (loop) implements @grant/@ungrant: the store keeps its own
 * pool and asks for references to it. A transport that lends only pages it
 * allocates itself (Xen's gntshr) implements @share/@unshare: the store takes
 * each slot's page from it and gives it back when the slot is reclaimed.
 */

#ifndef VXF_BACKEND_TRANSPORT_H
#define VXF_BACKEND_TRANSPORT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* the loop test module's private uapi (VXF_LOOP_*), for loop mode */
#include "vxf_loop_uapi.h"

/**
 * struct vxf_transport_params - what the backend asks for at connect
 * @index: window to reattach to, or -1 to create one
 * @window_pages: window size in pages, 0 to reattach at the window's size
 * @ring_order: both rings are (1 << @ring_order) pages
 * @cache: VXF_CACHE_* of the window
 * @map_pages: pages per MAP (0: transport default)
 * @fault_timeout_ms: frontend fault timeout (0: transport default)
 * @flags: VXF_LOOP_F_* (loop mode only)
 */
struct vxf_transport_params {
	int index;
	uint64_t window_pages;
	unsigned int ring_order;
	unsigned int cache;
	unsigned int map_pages;
	unsigned int fault_timeout_ms;
	unsigned int flags;
};

/**
 * struct vxf_transport_rings - what connect hands back
 * @req: shared request ring, initialised by the frontend
 * @evt: shared event ring, initialised by the frontend
 * @ring_bytes: size of each ring
 * @index: the window's index (N of /dev/vxfN)
 * @window_pages: the window's size (learnt when reattaching with 0)
 * @dev: the window's device node, for humans
 * @flags: the window's VXF_LOOP_F_* (loop mode: also learnt when
 *	reattaching), 0 for transports without them
 */
struct vxf_transport_rings {
	void *req;
	void *evt;
	size_t ring_bytes;
	int index;
	uint64_t window_pages;
	char dev[64];
	unsigned int flags;
};

struct vxf_transport;

/**
 * struct vxf_transport_ops - transport operations
 * @connect: become the backend; fill @r. Returns 0 or -errno.
 * @notify: kick the frontend. Returns 0 or -errno.
 * @kick_fd: file descriptor that polls readable when the frontend kicked.
 * @ack_kicks: consume pending kicks. Returns how many (0 if none) or -errno
 *	if the transport broke.
 * @grant: lend @nr contiguous pages at @addr, one reference each, written
 *	to @refs in address order. Returns 0 or -errno (nothing granted).
 * @grant_huge: optional (superpage windows): lend the 2 MiB aligned,
 *	physically contiguous 512 pages at @addr with one reference of order
 *	XENVXF_SUPERPAGE_ORDER, written to @ref. Returns 0 or -errno; -EINVAL
 *	when the memory is not one contiguous 2 MiB block.
 * @grant_fixed: optional: lend the transport's own frames [@first, @first
 *	+ @nr), one reference each, written to @refs in frame order (loop
 *	mode with VXF_LOOP_F_VGPU: frames of virtio-gpu's host-visible
 *	region). Returns 0 or -errno (nothing granted).
 * @ungrant: end @nr references (of any order). Returns 0 or -errno.
 * @share: allocate one zeroed page and lend it; its reference goes to
 *	@ref. Returns the page's address, or NULL with errno set. Optional:
 *	when set, the store uses it instead of @grant/@ungrant.
 * @unshare: end the lending of a page from @share and free it (the
 *	transport may defer the freeing while the other end still maps it).
 *	Returns 0 or -errno.
 * @hv_revoke: optional (hypervisor mode): take pages [@first, @first +
 *	@count) away at once, without asking the frontend. Returns 0 or
 *	-errno.
 * @hv_lend: optional (hypervisor mode on Xen): lend the pages of
 *	references @refs[0..@nr) at window pages [@first, @first + @nr), in
 *	the frontend's physmap, before a MAP is answered; the answer then
 *	carries no references. Returns 0 or -errno (a negated XEN_E* for the
 *	answer's status).
 * @hv_inject: optional (hypervisor mode, tests): write @nr raw fault
 *	records (struct xen_fault_record) to the report area; *@written
 *	says how many fitted. Returns 0 or -errno.
 * @hv_corrupt: optional (hypervisor mode, tests): move the report area's
 *	producer index more than a ring past the consumer's, as a corrupt
 *	hypervisor would. Returns 0 or -errno.
 * @fe_stats: optional (loop mode): the frontend window's own counters
 *	(VXF_LOOP_IOC_STATS) into @st, a struct vxf_stats, which it zeroes
 *	and sizes first. Returns 0 or -errno.
 * @disconnect: stop being the backend; undo connect.
 * @destroy: free the transport (after disconnect).
 *
 * Context: all called from the backend's single thread.
 */
struct vxf_transport_ops {
	const char *name;
	int (*connect)(struct vxf_transport *t,
		       const struct vxf_transport_params *p,
		       struct vxf_transport_rings *r);
	int (*notify)(struct vxf_transport *t);
	int (*kick_fd)(struct vxf_transport *t);
	int64_t (*ack_kicks)(struct vxf_transport *t);
	int (*grant)(struct vxf_transport *t, void *addr, unsigned int nr,
		     uint32_t *refs);
	int (*grant_huge)(struct vxf_transport *t, void *addr, uint32_t *ref);
	int (*grant_fixed)(struct vxf_transport *t, uint64_t first,
			   uint64_t nr, uint32_t *refs);
	int (*ungrant)(struct vxf_transport *t, const uint32_t *refs,
		       unsigned int nr);
	void *(*share)(struct vxf_transport *t, uint32_t *ref);
	int (*unshare)(struct vxf_transport *t, void *addr, uint32_t ref);
	int (*hv_revoke)(struct vxf_transport *t, uint64_t first,
			 uint64_t count);
	int (*hv_lend)(struct vxf_transport *t, uint64_t first,
		       const uint32_t *refs, unsigned int nr);
	int (*hv_inject)(struct vxf_transport *t, const void *records,
			 unsigned int nr, unsigned int *written);
	int (*hv_corrupt)(struct vxf_transport *t);
	int (*fe_stats)(struct vxf_transport *t, void *st);
	void (*disconnect)(struct vxf_transport *t);
	void (*destroy)(struct vxf_transport *t);
};

/**
 * struct vxf_transport - one transport instance
 * @ops: its operations
 * @priv: its private state
 */
struct vxf_transport {
	const struct vxf_transport_ops *ops;
	void *priv;
};

/*
 * Hypervisor mode on Xen: MAPs lend at the frontend's frames, and pages go
 * back through the hypervisor, never by a REVOKE or RESET on the event
 * ring (vxfif.h, feature-hv-fault).
 */
static inline bool vxf_transport_lends(const struct vxf_transport *t)
{
	return t->ops->hv_lend && t->ops->hv_revoke;
}

/* loop.c: /dev/vxf-loop */
int vxf_loop_transport_init(struct vxf_transport *t);

#endif /* VXF_BACKEND_TRANSPORT_H */
