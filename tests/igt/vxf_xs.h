/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf_xs.h - a minimal xenstore client for domU test programs
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Speaks the xenstore wire protocol (xs_wire.h) over /dev/xen/xenbus, so
 * that static programs in a busybox domU need no libxenstore: XS_READ,
 * XS_WRITE, and the vxf backend's test channel (test-cmd / test-reply in
 * the frontend directory, see tools/vxf-backend/xen.c). Relative paths are
 * relative to the domain's home (/local/domain/<self>).
 */

#ifndef VXF_XS_H
#define VXF_XS_H

#include <stddef.h>

int vxf_xs_open(void);
void vxf_xs_close(int fd);
int vxf_xs_read(int fd, const char *path, char *out, size_t max);
int vxf_xs_write(int fd, const char *path, const char *value);
int vxf_xs_test_cmd(int fd, unsigned int devid, const char *cmd,
		    char *reply, size_t max, int timeout_ms);

#endif /* VXF_XS_H */
