/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loop.h - inside the virtio-xen-fault-loop test module: what loop.c (the
 * transport stand-in) asks of loop_hv.c (the hypervisor stand-in), of
 * loop_pte.c (page table reads for tests of memory types), of
 * loop_drm.c (a DRM driver's side of include/linux/vxf.h) and of
 * loop_vgpu.c (virtio-gpu's host-visible region lent as a window)
 */

#ifndef _VXF_LOOP_H
#define _VXF_LOOP_H

#include <linux/compiler_types.h>
#include <linux/types.h>

#include "vxf_loop_uapi.h"

struct pci_dev;
struct vxf_device;
struct vxf_window;

/**
 * struct vxf_loop_vgpu - virtio-gpu's host-visible region, lent by a
 *	backend (VXF_LOOP_F_VGPU)
 * @pdev: virtio-gpu's PCI device, with a reference
 * @pfn: the region's first frame
 * @pages: its size
 * @wb: the region mapped write-back in the kernel: PAT then tracks it
 *	write-back (loop_vgpu.c)
 * @bound: the window bound to @pdev by vxf_loop_vgpu_bind(), or NULL
 */
struct vxf_loop_vgpu {
	struct pci_dev *pdev;
	unsigned long pfn;
	u64 pages;
	void __iomem *wb;
	struct vxf_window *bound;
};

int vxf_loop_hv_setup(struct vxf_device *dev);
long vxf_loop_hv_revoke(struct vxf_device *dev,
			struct vxf_loop_hv_revoke __user *uarg);
long vxf_loop_hv_inject(struct vxf_device *dev,
			struct vxf_loop_hv_inject __user *uarg);
long vxf_loop_pte(struct vxf_loop_pte __user *uarg);
int vxf_loop_drm_init(void);
void vxf_loop_drm_exit(void);
struct vxf_loop_vgpu *vxf_loop_vgpu_get(void);
int vxf_loop_vgpu_bind(struct vxf_loop_vgpu *vg, struct vxf_window *win);
void vxf_loop_vgpu_put(struct vxf_loop_vgpu *vg);

#endif /* _VXF_LOOP_H */
