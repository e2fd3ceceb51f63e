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
 *	open() fails with ENODEV once the device is being removed.
 *
 * Documentation/userspace-api/vxf.rst describes it all, with the ioctls
 * below.
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

/**
 * struct vxf_stats - VXF_IOC_STATS: window counters
 * @size: in: the size of the caller's structure, sizeof(struct vxf_stats)
 *	as the caller's header has it; out: the bytes the kernel wrote, the
 *	smaller of that size and its own
 * @flags: in: 0; out: 0
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
 * @hv_reports: fault records from the hypervisor handled
 * @hv_rejected: fault records rejected (malformed, stale, out of any window)
 * @hv_overflows: report ring overruns seen (a corrupt producer index, or
 *	accesses the hypervisor could not report)
 * @hv_failed: reported accesses failed (they end in SIGBUS or EFAULT)
 * @prefetched_pages: pages asked for ahead of sequential faults (MAP
 *	requests flagged XENVXF_MAP_F_PREFETCH); included in @map_pages
 *
 * The structure is extensible: new counters are only ever appended, each
 * addition gets a VXF_STATS_SIZE_VER* define, and no field changes
 * meaning. The size travels in @size, not in the ioctl number, which never
 * changes. The caller zeroes the structure and sets @size; the kernel
 *
 * - fails with EINVAL if @size is below VXF_STATS_SIZE_VER0, above 4096
 *   or not a multiple of 8, or if @flags is not 0;
 * - otherwise writes the smaller of @size and its own size, and nothing
 *   beyond it, and stores that number in @size.
 *
 * An older caller (a smaller @size) thus gets the counters it knows; a
 * newer caller on an older kernel finds in @size which fields were filled:
 * a field is valid if it ends at or below @size, and the rest of its
 * structure is as it left it (zero). Userspace never needs to know the
 * kernel's version. The fault latency histogram is not ABI: it is in
 * debugfs (<debugfs>/vxf/vxfN/stats), as are other debugging counters.
 */
struct vxf_stats {
	__u32 size;
	__u32 flags;
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
	/* VXF_STATS_SIZE_VER0 ends here */
	__u64 hv_reports;
	__u64 hv_rejected;
	__u64 hv_overflows;
	__u64 hv_failed;
	__u64 prefetched_pages;
	/* VXF_STATS_SIZE_VER1 ends here */
};

/*
 * Sizes of struct vxf_stats: VER0 is the counters every transport keeps,
 * the smallest size the kernel accepts; VER1 adds the hypervisor-report
 * and prefetch counters.
 */
#define VXF_STATS_SIZE_VER0	128
#define VXF_STATS_SIZE_VER1	168

/**
 * DOC: virtio-xen-fault ioctls
 *
 * Both take a pointer to their structure and fail with EFAULT if it cannot
 * be read or written; an unknown number fails with ENOTTY.
 *
 * VXF_IOC_INFO (struct vxf_info, out): what the window is.
 *
 * VXF_IOC_STATS (struct vxf_stats, in and out): the window's counters,
 * with the size rules of struct vxf_stats. It is _IO(): the structure's
 * size is in its @size field, so the number stays the same as the
 * structure grows.
 *
 * Number 0x01 was the fixed-size VXF_IOC_STATS of release 0.1.0, with the
 * latency histogram inside; it is retired (ENOTTY) and not reused.
 * Numbers 0x40 to 0x4f belong to the loop test module
 * (drivers/gpu/virtio-xen-fault/vxf_loop_uapi.h).
 */
#define VXF_IOC_INFO		_IOR(VXF_IOC_MAGIC, 0x00, struct vxf_info)
#define VXF_IOC_STATS		_IO(VXF_IOC_MAGIC, 0x02)

#endif /* _UAPI_LINUX_VXF_H */
