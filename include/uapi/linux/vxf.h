/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vxf.h - user interface of virtio-xen-fault, on-demand GPU blob memory
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * One character device per window:
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
 *	A mapping's page table entries select the window's memory type
 *	(struct vxf_info.cache): on x86 with PAT the driver gives the
 *	frames that type before it maps them, and an access whose frame
 *	cannot take it (the kernel refuses) raises SIGBUS rather than map
 *	the frame with another type. A page has one type at a time: a
 *	mapping that would map pages another live mapping maps with another
 *	type (one a DRM driver made through the in-kernel interface) is
 *	refused.
 *
 *	mmap() errors:
 *	  EINVAL  not MAP_SHARED (MAP_PRIVATE is refused), a zero length, or
 *	          a window whose memory type its transport's frames cannot
 *	          take (grant mode: write-combined or uncached)
 *	  ENXIO   offset + length past the end of the window
 *	  EBUSY   some of the pages are mapped with another memory type
 *	  ENODEV  the device is being removed
 *
 * The loop test module's /dev/vxf-loop, through which the tests play the
 * backend inside the guest, has its own header, private to the tests:
 * drivers/gpu/virtio-xen-fault/vxf_loop_uapi.h.
 */

#ifndef _UAPI_LINUX_VXF_H
#define _UAPI_LINUX_VXF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VXF_IOC_MAGIC		'x'

/* Memory type of a window (struct vxf_info.cache), or of a mapping. */
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
 * struct vxf_stats - VXF_IOC_STATS: window counters
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

#endif /* _UAPI_LINUX_VXF_H */
