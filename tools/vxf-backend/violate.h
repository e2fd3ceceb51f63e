/* SPDX-License-Identifier: GPL-2.0 */
/*
 * violate.h - vxf-backend-xen --violate KIND: a backend that breaks the
 * protocol on purpose, once, for the tests of the frontend's hardening
 * over the real Xen transport (tests/igt/vxf_xen.c). See violate.c.
 */

#ifndef VXF_BACKEND_VIOLATE_H
#define VXF_BACKEND_VIOLATE_H

#include <stdbool.h>
#include <stdint.h>

struct vxf_proto;
struct xenvxf_req;

/**
 * enum vxf_violate_kind - the rule --violate breaks
 * @VXF_VIOLATE_NONE: none (a well-behaved backend)
 * @VXF_VIOLATE_BAD_ID: the first MAP is answered under an id no request
 *	carries
 * @VXF_VIOLATE_BAD_NR_REFS: the first MAP is answered with one reference
 *	more than the pages it asked for
 * @VXF_VIOLATE_BAD_REF_ORDER: the first MAP is answered with order-1
 *	references (no superpages were negotiated)
 * @VXF_VIOLATE_STORM: the first MAP is held; meanwhile the event ring is
 *	kept full of REVOKEs (more than the frontend's budget per pass) and
 *	the event channel notified in a tight loop, until the control command
 *	"violate-end"; then an event of an unknown type is sent
 */
enum vxf_violate_kind {
	VXF_VIOLATE_NONE,
	VXF_VIOLATE_BAD_ID,
	VXF_VIOLATE_BAD_NR_REFS,
	VXF_VIOLATE_BAD_REF_ORDER,
	VXF_VIOLATE_STORM,
};

/* The kinds' names, as --violate takes them, for --help. */
#define VXF_VIOLATE_NAMES	"bad-id, bad-nr-refs, bad-ref-order, storm"

int vxf_violate_set(const char *name);
bool vxf_violate_map(struct vxf_proto *p, const struct xenvxf_req *req);
void vxf_violate_tick(struct vxf_proto *p, uint64_t now_us);
bool vxf_violate_busy(void);
int vxf_violate_end(void);
bool vxf_violate_sent(void);

#endif /* VXF_BACKEND_VIOLATE_H */
