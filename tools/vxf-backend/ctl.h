/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - line commands of the vxf backend's control channel
 *
 * One command line in, exactly one reply line out (through a callback), for
 * one served window. The commands are documented in main.c's header. Shared
 * by the stdin channel (loop and Xen modes) and the per-device xenstore
 * channel of Xen mode (xen_ctl.c).
 */

#ifndef VXF_BACKEND_CTL_H
#define VXF_BACKEND_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

typedef void (*vxf_ctl_reply_fn)(void *ctx, const char *line);

/**
 * struct vxf_ctl - control state of one window
 * @proto: its protocol state
 * @store: its content
 * @reply: writes one reply line (no newline)
 * @reply_ctx: argument of @reply
 * @waiting: a revoke/reset command waits for the frontend; its reply comes
 *	from vxf_ctl_evt_done()
 * @quit: a quit command was run
 */
struct vxf_ctl {
	struct vxf_proto *proto;
	struct vxf_store *store;
	vxf_ctl_reply_fn reply;
	void *reply_ctx;
	bool waiting;
	bool quit;
};

int vxf_ctl_parse_u64(const char *s, uint64_t *v);
void vxf_ctl_replyf(struct vxf_ctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vxf_ctl_run(struct vxf_ctl *c, char *line, uint64_t now_us);
void vxf_ctl_evt_done(struct vxf_ctl *c, const struct vxf_proto_done *d);

#endif /* VXF_BACKEND_CTL_H */
