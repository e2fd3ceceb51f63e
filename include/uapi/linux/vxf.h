/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vxf.h - user interface of virtio-xen-fault, on-demand GPU blob memory
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Two character devices:
 *
 * /dev/vxfN - one window of on-demand memory, N from 0. mmap() it
 *	MAP_SHARED at a page offset inside the window and use the memory:
 *	pages are fetched from the backend on first touch, and again after
 *	the backend took them back. An access that cannot be served (the
 *	backend failed it, died, or did not answer within the fault timeout)
 *	raises SIGBUS; the kernel's own accesses (read(2) into the mapping)
 *	fail with EFAULT. Mappings are VM_PFNMAP: get_user_pages() and
 *	O_DIRECT on them fail with EFAULT.
 *
 *	mmap() errors:
 *	  EINVAL  not MAP_SHARED (MAP_PRIVATE is refused), or a zero length
 *	  ENXIO   offset + length past the end of the window
 *	  ENODEV  the device is being removed
 *
 * /dev/vxf-loop - loop mode: a stand-in for the Xen transport inside one
 *	guest, for tests. The process that opens it is the backend: it creates
 *	(or reattaches to) a /dev/vxfN, maps the two shared rings, hands pages
 *	of its own memory to the frontend as loop references, and kicks the
 *	frontend with VXF_LOOP_IOC_NOTIFY. The frontend kicks the backend by
 *	making the loop file readable: read(2) returns a __u64 count of kicks
 *	since the last read, poll(2) reports POLLIN. Closing the file is the
 *	backend going away: every MAP in flight fails and every page the
 *	frontend mapped is dropped. /dev/vxfN lives while it has a backend or
 *	a user (an open file or a mapping); a new backend may reattach to it.
 */

#ifndef _UAPI_LINUX_VXF_H
#define _UAPI_LINUX_VXF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VXF_IOC_MAGIC		'x'

/* Memory type of a window (struct vxf_info.cache, vxf_loop_connect.cache). */
#define VXF_CACHE_WB		0
#define VXF_CACHE_WC		1
#define VXF_CACHE_UC		2

/* struct vxf_info.state */
#define VXF_STATE_DISCONNECTED	0
#define VXF_STATE_CONNECTED	1
#define VXF_STATE_BROKEN	2	/* backend violated the protocol */

/**
 * struct vxf_info - VXF_IOC_INFO: what a window is
 * @window_pages: size of the window in 4 KiB pages
 * @map_pages: pages asked for per MAP (the map granule)
 * @cache: VXF_CACHE_*
 * @state: VXF_STATE_*
 * @protocol: negotiated protocol version, 0 when disconnected
 * @index: N of /dev/vxfN
 * @fault_timeout_ms: how long a fault waits for the backend before SIGBUS
 * @hv_gfn: when faults are reported by the hypervisor (or its loop-mode
 *	stand-in), the guest frame number of window page 0 as fault records
 *	name it; 0 otherwise
 */
struct vxf_info {
	__u64 window_pages;
	__u32 map_pages;
	__u32 cache;
	__u32 state;
	__u32 protocol;
	__u32 index;
	__u32 fault_timeout_ms;
	__u64 hv_gfn;
};

#define VXF_LAT_BUCKETS		16

/**
 * struct vxf_stats - VXF_IOC_STATS and VXF_LOOP_IOC_STATS: window counters
 * @faults: user and kernel faults on the window that reached the driver
 * @faults_present: faults served without asking the backend
 * @coalesced: faults that waited for a MAP another fault had sent
 * @maps: MAP requests sent
 * @map_pages: pages asked for by those requests
 * @map_errors: MAP requests answered with an error, or whose references
 *	could not be used
 * @timeouts: MAP requests given up after the fault timeout
 * @revokes: REVOKE events handled
 * @revoked_pages: pages mapped at the time they were revoked
 * @resets: RESET events handled
 * @unmaps: UNMAP requests sent
 * @sigbus: faults that ended in SIGBUS (or EFAULT for the kernel)
 * @protocol_errors: backend messages rejected as malformed
 * @disconnects: times the backend went away or was disconnected
 * @mapped_pages: pages mapped now
 * @lat_hist: fault latency of faults that waited for a MAP: bucket i counts
 *	latencies in [2^i, 2^(i+1)) microseconds, the last bucket everything
 *	above
 * @hv_reports: fault records from the hypervisor handled
 * @hv_rejected: fault records rejected (malformed, stale, out of any window)
 * @hv_overflows: report ring overruns seen (a corrupt producer index, or
 *	accesses the hypervisor could not report)
 * @hv_failed: reported accesses failed (they end in SIGBUS or EFAULT)
 * @prefetched_pages: pages asked for ahead of sequential faults (MAP
 *	requests flagged XENVXF_MAP_F_PREFETCH); included in @map_pages
 */
struct vxf_stats {
	__u64 faults;
	__u64 faults_present;
	__u64 coalesced;
	__u64 maps;
	__u64 map_pages;
	__u64 map_errors;
	__u64 timeouts;
	__u64 revokes;
	__u64 revoked_pages;
	__u64 resets;
	__u64 unmaps;
	__u64 sigbus;
	__u64 protocol_errors;
	__u64 disconnects;
	__u64 mapped_pages;
	__u64 lat_hist[VXF_LAT_BUCKETS];
	__u64 hv_reports;
	__u64 hv_rejected;
	__u64 hv_overflows;
	__u64 hv_failed;
	__u64 prefetched_pages;
};

#define VXF_IOC_INFO		_IOR(VXF_IOC_MAGIC, 0x00, struct vxf_info)
#define VXF_IOC_STATS		_IOR(VXF_IOC_MAGIC, 0x01, struct vxf_stats)

/* ---- /dev/vxf-loop ---------------------------------------------------- */

/**
 * struct vxf_loop_connect - VXF_LOOP_IOC_CONNECT: become a window's backend
 * @index: in: -1 to create a new /dev/vxfN, or N to reattach to an existing
 *	one that has no backend; out: N
 * @ring_order: in: both rings are (1 << @ring_order) pages, at most
 *	XENVXF_MAX_RING_PAGE_ORDER
 * @window_pages: in: window size in pages for a new window; must match
 *	when reattaching, or be 0 there
 * @cache: in: VXF_CACHE_* for a new window
 * @map_pages: in: pages per MAP, a power of two, at most
 *	XENVXF_MAX_MAP_PAGES; 0 for the module's default
 * @fault_timeout_ms: in: fault timeout, 0 for the module's default
 * @flags: in: VXF_LOOP_F_* for a new window, 0 when reattaching (a
 *	reattached window keeps its flags)
 * @ring_offset: out: mmap() offset of the rings on the loop file: the
 *	request ring's pages, then the event ring's pages
 *
 * Errors: EBUSY (this file already has a window, or the window already has
 * a backend), ENOENT (no such window), EINVAL (bad sizes or flags).
 */
struct vxf_loop_connect {
	__s32 index;
	__u32 ring_order;
	__u64 window_pages;
	__u32 cache;
	__u32 map_pages;
	__u32 fault_timeout_ms;
	__u32 flags;
	__u64 ring_offset;
};

/**
 * struct vxf_loop_grant - VXF_LOOP_IOC_GRANT: lend pages to the frontend
 * @addr: in: page-aligned address in the caller's memory
 * @nr_refs: in: number of references to make, at most VXF_LOOP_MAX_GRANT
 * @order: in: each reference covers (1 << @order) pages: 0, or 9 for a
 *	2 MiB aligned, physically contiguous range (hugetlbfs or THP)
 * @refs: in: pointer to a __u32 array of @nr_refs entries; out: the
 *	references, in address order
 *
 * The pages are pinned until they are ungranted and the frontend no longer
 * maps them. Errors: EFAULT, EINVAL, ENOMEM, ENOSPC (too many references).
 */
struct vxf_loop_grant {
	__u64 addr;
	__u32 nr_refs;
	__u32 order;
	__u64 refs;
};

/**
 * struct vxf_loop_ungrant - VXF_LOOP_IOC_UNGRANT: end references
 * @refs: in: pointer to a __u32 array of references
 * @nr_refs: in: number of entries
 * @pad: zero
 *
 * A reference the frontend still maps stays pinned until the frontend drops
 * it, but can no longer be named in a MAP answer. Errors: EFAULT, ENOENT
 * (not a reference of this backend; the ones before it were ended).
 */
struct vxf_loop_ungrant {
	__u64 refs;
	__u32 nr_refs;
	__u32 pad;
};

#define VXF_LOOP_MAX_GRANT	4096

/*
 * The window uses 2 MiB superpages: a MAP of a whole absent, aligned 2 MiB
 * block (512 pages) is answered with one reference of order 9, which user
 * mappings map with one PMD where the kernel allows it (6.12: yes; 6.1:
 * never for device mappings, so 4 KiB entries are used). Smaller MAPs (at
 * most 8 pages) are answered with order-0 references as usual.
 * VXF_IOC_INFO then reports map_pages 512.
 */
#define VXF_LOOP_F_SUPERPAGE	(1U << 0)

/*
 * Hypervisor mode, played by the loop device (see
 * include/xen/interface/hvm/vxf_fault.h for the interface it stands in
 * for): the backend takes pages away with VXF_LOOP_IOC_HV_REVOKE, at once
 * and without asking the frontend, and the frontend learns of it only when
 * a task touches such a page: the stand-in writes a fault record to the
 * report area and raises the event, and the driver asks for the page (MAP)
 * and resolves the record. REVOKE on the event ring still works.
 */
#define VXF_LOOP_F_HV		(1U << 1)

/**
 * struct vxf_loop_hv_revoke - VXF_LOOP_IOC_HV_REVOKE: take pages away now
 * @first: first window page
 * @count: number of pages, from 1
 *
 * As the hypervisor's Revoke would: every user mapping of the range is gone
 * and the pages' references are released when this returns; nothing is sent
 * to the frontend. Errors: EINVAL (range), ENOTCONN, EOPNOTSUPP (window
 * without VXF_LOOP_F_HV).
 */
struct vxf_loop_hv_revoke {
	__u64 first;
	__u64 count;
};

/**
 * struct vxf_loop_hv_inject - VXF_LOOP_IOC_HV_INJECT: write raw records
 * @records: pointer to @nr struct xen_fault_record (vxf_fault.h), written
 *	to the report area as they are, then the event is raised; for tests
 *	of malformed, stale and flooding records
 * @nr: number of records, at most 4096
 * @written: out: records written before the ring was full (the rest count
 *	as overflow, as the hypervisor would count them)
 */
struct vxf_loop_hv_inject {
	__u64 records;
	__u32 nr;
	__u32 written;
};

#define VXF_LOOP_IOC_CONNECT	_IOWR(VXF_IOC_MAGIC, 0x40, struct vxf_loop_connect)
#define VXF_LOOP_IOC_NOTIFY	_IO(VXF_IOC_MAGIC, 0x41)
#define VXF_LOOP_IOC_GRANT	_IOWR(VXF_IOC_MAGIC, 0x42, struct vxf_loop_grant)
#define VXF_LOOP_IOC_UNGRANT	_IOW(VXF_IOC_MAGIC, 0x43, struct vxf_loop_ungrant)
#define VXF_LOOP_IOC_STATS	_IOR(VXF_IOC_MAGIC, 0x44, struct vxf_stats)
#define VXF_LOOP_IOC_HV_REVOKE	_IOW(VXF_IOC_MAGIC, 0x45, struct vxf_loop_hv_revoke)
#define VXF_LOOP_IOC_HV_INJECT	_IOWR(VXF_IOC_MAGIC, 0x46, struct vxf_loop_hv_inject)

#endif /* _UAPI_LINUX_VXF_H */
