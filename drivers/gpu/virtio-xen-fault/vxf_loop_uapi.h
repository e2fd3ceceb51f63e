/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vxf_loop_uapi.h - user interface of the virtio-xen-fault-loop test module
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Private to the tests (tests/igt, tools/vxf-backend's loop mode and the
 * tools built on them), as lib/test_hmm_uapi.h is to the HMM selftests:
 * not installed with the kernel's headers, and free to change with the
 * tests. The window side, /dev/vxfN, is include/uapi/linux/vxf.h.
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

#ifndef _VXF_LOOP_UAPI_H
#define _VXF_LOOP_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vxf.h>

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

/*
 * The window stands for virtio-gpu's host-visible region, as hypervisor
 * mode would register it: no hypervisor lends the region in the test VM,
 * the loop backend does (a stand-in). At CONNECT the module finds the
 * region of the first virtio-gpu PCI device that has one; the window takes
 * its size (window_pages 0, or that size), takes write-back mappings only
 * (the region's frames have no struct page, their type cannot be changed),
 * and is bound to the device (include/linux/vxf.h's vxf_window_bind())
 * while this backend is connected, so that a virtio-gpu that hands its
 * host-visible blob mappings to a bound window (patches/linux/) makes them
 * mappings of this window. VXF_LOOP_IOC_GRANT_VGPU names the region's own
 * frames: a backend that lends window page N as frame N of the region
 * keeps the memory the host writes the memory the guest maps, across
 * revokes. A new window only (index -1). Errors: ENODEV (no virtio-gpu
 * with a host-visible region), EBUSY (a window is bound to it already).
 */
#define VXF_LOOP_F_VGPU		(1U << 2)

/**
 * struct vxf_loop_grant_vgpu - VXF_LOOP_IOC_GRANT_VGPU: lend region frames
 * @first: in: first frame, counted from the start of the region
 * @nr_refs: in: number of frames, one reference each, from 1 to
 *	VXF_LOOP_MAX_GRANT
 * @pad: in: 0
 * @refs: in: pointer to a __u32 array of @nr_refs entries; out: the
 *	references, in frame order
 *
 * Nothing is pinned: the frames are the device's. Errors: ENOTCONN,
 * EOPNOTSUPP (window without VXF_LOOP_F_VGPU), EINVAL (a range outside the
 * region, @pad), EFAULT, ENOMEM, ENOSPC (too many references).
 */
struct vxf_loop_grant_vgpu {
	__u64 first;
	__u32 nr_refs;
	__u32 pad;
	__u64 refs;
};

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
 * @flags: in: VXF_LOOP_HV_INJECT_F_*; @nr may be 0 when a flag is set
 * @pad: in: 0
 */
struct vxf_loop_hv_inject {
	__u64 records;
	__u32 nr;
	__u32 written;
	__u32 flags;
	__u32 pad;
};

/*
 * After the records, move the report area's producer index more than a
 * ring's worth past the consumer's, as a corrupt hypervisor would: the
 * driver must tear the interface down (vxf_fault.h).
 */
#define VXF_LOOP_HV_INJECT_F_CORRUPT_PROD	(1U << 0)

/**
 * struct vxf_loop_pte - VXF_LOOP_IOC_PTE: how the kernel maps a user address
 * @addr: in: an address in a VM_PFNMAP mapping of the caller (a window
 *	mapping)
 * @present: out: 1 if a page table entry maps @addr now, 0 if not (the
 *	other fields are then 0)
 * @huge: out: 1 if that entry maps 2 MiB (a PMD), 0 for a 4 KiB PTE
 * @cache: out: the memory type its cache bits select, as the kernel
 *	programs x86's PAT: VXF_CACHE_WB, VXF_CACHE_WC, VXF_CACHE_UC (UC or
 *	UC-), VXF_LOOP_CACHE_OTHER (write-through, write-protect), or
 *	VXF_LOOP_CACHE_UNKNOWN on a kernel without PAT
 * @pad: out: 0
 * @pfn: out: the frame it maps
 *
 * For tests of memory types: what a mapping was given, read from the page
 * table itself. Needs no connected backend. Errors: EFAULT (bad pointer),
 * EINVAL (@addr in no VM_PFNMAP mapping), EOPNOTSUPP (not x86).
 */
struct vxf_loop_pte {
	__u64 addr;
	__u32 present;
	__u32 huge;
	__u32 cache;
	__u32 pad;
	__u64 pfn;
};

#define VXF_LOOP_CACHE_OTHER	0xffU
#define VXF_LOOP_CACHE_UNKNOWN	0xfeU

/*
 * VXF_LOOP_IOC_NOTIFY kicks the frontend (its ring processing runs in the
 * caller); VXF_LOOP_IOC_STATS reads the connected window's struct vxf_stats,
 * as VXF_IOC_STATS does on /dev/vxfN and with its size rule (the caller
 * sets the size field). Both need a connected backend (ENOTCONN otherwise).
 */
#define VXF_LOOP_IOC_CONNECT	_IOWR(VXF_IOC_MAGIC, 0x40, struct vxf_loop_connect)
#define VXF_LOOP_IOC_NOTIFY	_IO(VXF_IOC_MAGIC, 0x41)
#define VXF_LOOP_IOC_GRANT	_IOWR(VXF_IOC_MAGIC, 0x42, struct vxf_loop_grant)
#define VXF_LOOP_IOC_UNGRANT	_IOW(VXF_IOC_MAGIC, 0x43, struct vxf_loop_ungrant)
#define VXF_LOOP_IOC_STATS	_IO(VXF_IOC_MAGIC, 0x44)
#define VXF_LOOP_IOC_HV_REVOKE	_IOW(VXF_IOC_MAGIC, 0x45, struct vxf_loop_hv_revoke)
#define VXF_LOOP_IOC_HV_INJECT	_IOWR(VXF_IOC_MAGIC, 0x46, struct vxf_loop_hv_inject)
#define VXF_LOOP_IOC_PTE	_IOWR(VXF_IOC_MAGIC, 0x47, struct vxf_loop_pte)
#define VXF_LOOP_IOC_GRANT_VGPU	_IOWR(VXF_IOC_MAGIC, 0x4d, struct vxf_loop_grant_vgpu)

/*
 * /dev/vxf-loop-drm - a stand-in for a DRM driver whose blobs live in a
 *	window (as virtio-gpu's host-visible blobs would), for tests of the
 *	in-kernel interface include/linux/vxf.h. It makes exactly the calls
 *	such a driver makes: vxf_window_find() on its own device, and
 *	vxf_window_mmap() from its mmap(), which hands the blob mapping's VMA
 *	to the window; vxf_window_is_lent() before a dma-buf export.
 *
 *	VXF_LOOP_DRM_IOC_BIND binds the window of an open /dev/vxfN to it (what
 *	a transport does), as long as the binding file stays open or until
 *	VXF_LOOP_DRM_IOC_UNBIND; one window at a time. A blob, like a GEM
 *	object, has a handle in the file that made it and an mmap() offset
 *	on it (handle << 32): mmap() at that offset plus a page offset
 *	inside the blob maps those pages of the blob, MAP_SHARED only; a
 *	mapping keeps its blob after VXF_LOOP_DRM_IOC_CLOSE, and after the
 *	file is closed.
 */

/**
 * struct vxf_loop_drm_bind - VXF_LOOP_DRM_IOC_BIND
 * @fd: in: an open /dev/vxfN
 * @pad: in: 0
 *
 * Errors: EBADF, EINVAL (@fd is no /dev/vxfN), EBUSY (a window is bound),
 * ENODEV (the window is being removed).
 */
struct vxf_loop_drm_bind {
	__s32 fd;
	__u32 pad;
};

/**
 * struct vxf_loop_drm_blob - VXF_LOOP_DRM_IOC_CREATE: a blob in the window
 * @first: in: its first window page; not checked against the window (the
 *	window's own checks are what the tests look at)
 * @pages: in: its size in pages, from 1 to 2^20
 * @cache: in: VXF_CACHE_* of its mappings (virtio-gpu's map_info)
 * @handle: out: its handle
 * @offset: out: the mmap() offset of its first page
 */
struct vxf_loop_drm_blob {
	__u64 first;
	__u64 pages;
	__u32 cache;
	__u32 handle;
	__u64 offset;
};

/**
 * struct vxf_loop_drm_handle - VXF_LOOP_DRM_IOC_CLOSE, _EXPORT: a blob
 * @handle: in: the blob's handle in this file
 * @pad: in: 0
 *
 * CLOSE drops the handle (ENOENT if there is none). EXPORT asks what a
 * dma-buf export of the blob would do: EOPNOTSUPP for a blob in the bound
 * window (lent memory never goes to a device), 0 otherwise (nothing is
 * exported).
 */
struct vxf_loop_drm_handle {
	__u32 handle;
	__u32 pad;
};

#define VXF_LOOP_DRM_IOC_BIND	_IOW(VXF_IOC_MAGIC, 0x48, struct vxf_loop_drm_bind)
#define VXF_LOOP_DRM_IOC_UNBIND	_IO(VXF_IOC_MAGIC, 0x49)
#define VXF_LOOP_DRM_IOC_CREATE	_IOWR(VXF_IOC_MAGIC, 0x4a, struct vxf_loop_drm_blob)
#define VXF_LOOP_DRM_IOC_CLOSE	_IOW(VXF_IOC_MAGIC, 0x4b, struct vxf_loop_drm_handle)
#define VXF_LOOP_DRM_IOC_EXPORT	_IOW(VXF_IOC_MAGIC, 0x4c, struct vxf_loop_drm_handle)
#define VXF_LOOP_DRM_MAX_PAGES	(1U << 20)

#endif /* _VXF_LOOP_UAPI_H */
