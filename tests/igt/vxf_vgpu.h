/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf_vgpu.h - vxf_vgpu's window mode (vxf_vgpu_window.c)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 */

#ifndef VXF_VGPU_H
#define VXF_VGPU_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/vxf.h>

#include "vxf_loop_uapi.h"

bool vgpu_window_wanted(void);
bool vgpu_window_on(void);
void vgpu_window_start(void);
void vgpu_window_stop(void);
void vgpu_window_stats(struct vxf_stats *st);
uint64_t vgpu_window_revoke_all(void);
void vgpu_pte(const volatile void *addr, struct vxf_loop_pte *pte);

#endif /* VXF_VGPU_H */
