/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf.h - in-kernel interface of virtio-xen-fault: windows for DRM drivers
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * A window is a range of on-demand memory: its pages are lent by a backend,
 * which may take any of them back at any time; an access to a page taken
 * back faults, and the driver fetches it again. /dev/vxfN maps a window for
 * userspace. A DRM driver (virtio-gpu) whose blobs live in a window hands
 * the VMA of a blob mapping to the window instead of mapping the blob
 * itself, as drm_gem_shmem_mmap() hands an imported object's VMA to
 * dma_buf_mmap():
 *
 *	win = vxf_window_find(dev);		(NULL: no window bound)
 *	vma->vm_ops = NULL;
 *	vma->vm_private_data = NULL;
 *	err = vxf_window_mmap(win, vma, first_page + vma->vm_pgoff, cache,
 *			      release, obj);
 *	vxf_window_put(win);
 *
 * The VMA is then the window's: faults, revokes and SIGBUS are the
 * window's, and the VMA keeps the window, this module, and the file mmap()
 * was called on alive; @release(@obj) runs when the last VMA of the mapping
 * is gone, so a caller passing its object's reference keeps the object
 * (and the place of the blob in the window) for as long as it is mapped.
 *
 * Lent memory must never reach an IOMMU or a DMA engine: an IOTLB fault
 * cannot be replayed, and the backend may take the page back while the
 * device uses it. A caller must therefore refuse to export a blob that
 * vxf_window_is_lent() says lives in a window as a dma-buf (and must not
 * pin or DMA-map it any other way). The window's user mappings are
 * VM_PFNMAP | VM_IO: get_user_pages() on them fails.
 *
 * Everything is exported in symbol namespace VIRTIO_XEN_FAULT.
 */

#ifndef _LINUX_VXF_H
#define _LINUX_VXF_H

#include <linux/types.h>
#include <uapi/linux/vxf.h>

struct device;
struct file;
struct vm_area_struct;
struct vxf_window;

struct vxf_window *vxf_window_get_file(struct file *file);
struct vxf_window *vxf_window_find(struct device *consumer);
void vxf_window_put(struct vxf_window *win);
int vxf_window_bind(struct vxf_window *win, struct device *consumer);
void vxf_window_unbind(struct vxf_window *win);
u64 vxf_window_pages(const struct vxf_window *win);
bool vxf_window_is_lent(const struct vxf_window *win, u64 first, u64 count);
int vxf_window_mmap(struct vxf_window *win, struct vm_area_struct *vma,
		    pgoff_t pgoff, u32 cache, void (*release)(void *data),
		    void *data);

#endif /* _LINUX_VXF_H */
