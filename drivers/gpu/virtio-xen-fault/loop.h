/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loop.h - inside the virtio-xen-fault-loop test module: what loop.c (the
 * transport stand-in) asks of loop_hv.c (the hypervisor stand-in), of
 * loop_pte.c (page table reads for tests of memory types) and of
 * loop_drm.c (a DRM driver's side of include/linux/vxf.h)
 */

#ifndef _VXF_LOOP_H
#define _VXF_LOOP_H

#include <linux/compiler_types.h>

#include "vxf_loop_uapi.h"

struct vxf_device;

int vxf_loop_hv_setup(struct vxf_device *dev);
long vxf_loop_hv_revoke(struct vxf_device *dev,
			struct vxf_loop_hv_revoke __user *uarg);
long vxf_loop_hv_inject(struct vxf_device *dev,
			struct vxf_loop_hv_inject __user *uarg);
long vxf_loop_pte(struct vxf_loop_pte __user *uarg);
int vxf_loop_drm_init(void);
void vxf_loop_drm_exit(void);

#endif /* _VXF_LOOP_H */
