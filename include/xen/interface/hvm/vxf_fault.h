/* SPDX-License-Identifier: MIT */
/*
 * vxf_fault.h - PROPOSAL: hypervisor-reported faults on revocable memory
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Status: a proposal for review on xen-devel. Nothing here is implemented
 * by Xen today; the numbers below are placeholders to be allocated by the
 * Xen maintainers. The guest side is implemented by virtio-xen-fault and
 * exercised against an in-guest stand-in of the hypervisor (loop mode).
 */

#ifndef __XEN_PUBLIC_HVM_VXF_FAULT_H__
#define __XEN_PUBLIC_HVM_VXF_FAULT_H__

/*
 ******************************************************************************
 *                              Motivation
 ******************************************************************************
 *
 * A backend lends a guest memory (typically the host-visible region of a
 * virtual GPU, an emulated PCI BAR) and must be able to take any page of it
 * back at once, from the host kernel's MMU notifier: without waiting for the
 * guest, without failing, in bounded time even if the guest is malicious.
 * The Revoke operation (a separate proposal) removes the p2m entries; after
 * it nothing in the guest can reach the pages.
 *
 * Today a guest access to such a hole is handled as MMIO: with no ioreq
 * server claiming the range, reads return all-ones and writes are dropped,
 * silently. This interface makes Xen report the access to the guest instead,
 * so that the guest asks the backend to map the page again (over its own
 * ring, see xen/interface/io/vxfif.h, MAP) and the access then completes.
 * The guest never sees a hole.
 *
 ******************************************************************************
 *                              Discovery
 ******************************************************************************
 *
 * XENFEAT_fault_report (in XENVER_get_features, submap 0) says that Xen
 * offers this interface to the calling domain. Without it (every Xen today)
 * the guest must not rely on reports: the frontend falls back to grant mode,
 * where revocation goes through the guest (REVOKE/REVOKE_DONE on the ring),
 * and the backend sees feature-hv-fault=0 in XenStore.
 */
#define XENFEAT_fault_report		20	/* placeholder */

/*
 ******************************************************************************
 *                              Hypercall
 ******************************************************************************
 *
 * HYPERVISOR_hvm_op(HVMOP_fault_report, struct xen_hvm_fault_report *arg)
 *
 * One sub-operation per call, always on the calling domain (DOMID_SELF).
 * Errors: -EOPNOTSUPP without XENFEAT_fault_report, -EINVAL for a malformed
 * argument, -EBUSY for setup twice or a window overlapping another, -ENOENT
 * for an unknown window, -ENOSPC past XEN_FAULT_MAX_WINDOWS.
 */
#define HVMOP_fault_report		50	/* placeholder */

#define XEN_FAULT_OP_SETUP		0
#define XEN_FAULT_OP_TEARDOWN		1
#define XEN_FAULT_OP_ADD_WINDOW		2
#define XEN_FAULT_OP_REMOVE_WINDOW	3
#define XEN_FAULT_OP_RESOLVE		4

#define XEN_FAULT_MAX_WINDOWS		64

/*
 * XEN_FAULT_OP_SETUP: register the report area, one page of guest memory
 *      (ordinary RAM, never a window page) at @setup.area_gfn, laid out as
 *      struct xen_fault_report_area, and the event channel Xen notifies,
 *      @setup.port: an unbound port of the calling domain, allocated by the
 *      guest with EVTCHNOP_alloc_unbound(remote_dom = DOMID_XEN); Xen binds
 *      it. Xen zeroes the area's header.
 *
 * XEN_FAULT_OP_TEARDOWN: stop reporting. Every vCPU waiting on a report is
 *      released (its access then behaves as without this interface). The
 *      area and the port are the guest's again.
 *
 * XEN_FAULT_OP_ADD_WINDOW: report accesses to holes in [@window.first_gfn,
 *      @window.first_gfn + @window.nr_gfns). @window.id (chosen by the
 *      guest, unique) names it in records and in REMOVE_WINDOW. Holes outside
 *      every window keep today's behaviour.
 *
 * XEN_FAULT_OP_REMOVE_WINDOW: stop reporting for window @window.id; vCPUs
 *      waiting on a report in it are released as for TEARDOWN.
 *
 * XEN_FAULT_OP_RESOLVE: the guest handled the record with sequence number
 *      @resolve.seq: the vCPU that reported it retries the access now. If
 *      the page is still a hole the retry reports again (with a new seq).
 */
struct xen_hvm_fault_report {
	uint32_t op;			/* IN: XEN_FAULT_OP_* */
	uint32_t pad;
	union {
		struct {
			uint64_t area_gfn;	/* IN */
			uint32_t port;		/* IN: evtchn_port_t */
			uint32_t flags;		/* IN: 0 */
		} setup;
		struct {
			uint64_t first_gfn;	/* IN */
			uint64_t nr_gfns;	/* IN, from 1 */
			uint32_t id;		/* IN */
			uint32_t flags;		/* IN: 0 */
		} window;
		struct {
			uint64_t seq;		/* IN */
		} resolve;
	} u;
};

/*
 ******************************************************************************
 *                          The report area
 ******************************************************************************
 *
 * One 4 KiB page: a header and a ring of records. Xen is the only producer,
 * the guest the only consumer:
 *
 *  - Xen writes the record at rec[prod % XEN_FAULT_RING_SIZE], then (write
 *    barrier) increments @prod, then notifies @port. It never writes a slot
 *    the guest has not consumed: when prod - cons == XEN_FAULT_RING_SIZE it
 *    instead increments @overflow and the vCPU retries its access later (as
 *    after an interrupt, below); no record is ever lost or overwritten.
 *  - The guest reads @prod, (read barrier) copies each record out once,
 *    checks it, then writes @cons. A @prod more than XEN_FAULT_RING_SIZE
 *    ahead of @cons is a corrupt area: the guest tears the interface down.
 *
 * A record's @seq is strictly increasing across the domain (never reused):
 * a record whose @seq is not greater than the last one the guest saw is
 * stale and ignored.
 */
#define XEN_FAULT_RING_SIZE		120

#define XEN_FAULT_ACCESS_READ		(1U << 0)
#define XEN_FAULT_ACCESS_WRITE		(1U << 1)
#define XEN_FAULT_ACCESS_EXEC		(1U << 2)
#define XEN_FAULT_ACCESS_MASK		0x7U

#define XEN_FAULT_F_USER		(1U << 0)	/* access at CPL 3 */

/**
 * struct xen_fault_record - one access to a hole, written by Xen (32 octets)
 * @seq: sequence number, from 1, strictly increasing
 * @gfn: the guest frame accessed
 * @window: id of the window @gfn is in
 * @vcpu: the vCPU that made the access
 * @access: XEN_FAULT_ACCESS_*: what the access needed
 * @flags: XEN_FAULT_F_*
 * @pad: zero
 */
struct xen_fault_record {
	uint64_t seq;			/* offset 0 */
	uint64_t gfn;			/* offset 8 */
	uint32_t window;		/* offset 16 */
	uint32_t vcpu;			/* offset 20 */
	uint8_t access;			/* offset 24 */
	uint8_t flags;			/* offset 25 */
	uint8_t pad[6];			/* offset 26 */
};

/**
 * struct xen_fault_report_area - the shared page
 * @prod: records written by Xen (free-running)
 * @cons: records consumed by the guest (free-running)
 * @overflow: accesses not reported because the ring was full
 * @pad: zero
 * @rec: the ring
 */
struct xen_fault_report_area {
	uint32_t prod;			/* offset 0: written by Xen */
	uint32_t cons;			/* offset 4: written by the guest */
	uint32_t overflow;		/* offset 8: written by Xen */
	uint32_t pad[5];		/* offset 12 */
	struct xen_fault_record rec[XEN_FAULT_RING_SIZE];	/* offset 32 */
};

/*
 ******************************************************************************
 *                    The faulting vCPU, and how a fault ends
 ******************************************************************************
 *
 * On an access to a hole inside a window, Xen writes a record, notifies the
 * guest, and does not complete the instruction. The vCPU is not paused: it
 * stays in the "fault pending" state at the faulting instruction, in which
 *
 *  - any interrupt pending for it (event channel upcall, timer, IPI) is
 *    delivered as usual; the guest's handler runs and, when it returns, the
 *    instruction is retried;
 *  - with no interrupt pending it blocks as with HLT, so that it costs no
 *    CPU time;
 *  - it is released, and the instruction retried, when the guest resolves
 *    the record (XEN_FAULT_OP_RESOLVE) or when the gfn becomes mapped.
 *
 * A retried instruction that still finds a hole reports again. So a guest
 * with a single vCPU makes progress: the notification itself is an interrupt
 * on that vCPU, and the guest serves the fault (sends MAP) from it; if the
 * access was made in user mode, the guest may also switch to another task
 * on the way back from that interrupt, leaving the faulting task paused at
 * the instruction.
 *
 * The guest ends a fault in one of two ways:
 *
 *  - retry once mapped: it asks the backend to map the page (MAP); the
 *    backend populates the p2m entry; the guest resolves the record (or
 *    simply lets the retry succeed);
 *  - fail the access: it removes its own mapping of the address (the page
 *    table entry) and resolves the record; the retry then takes an
 *    ordinary guest page fault, which the guest turns into SIGBUS for a
 *    task, or into -EFAULT for a kernel access through the exception table
 *    (copy_to_user() and friends). Xen never completes an access to a hole
 *    silently while a window covers it.
 *
 * Guest obligations: the report area and the port are trusted by nobody.
 * Xen reads nothing from the area but @cons; a guest that never consumes
 * only stalls its own vCPUs.
 */

#endif /* __XEN_PUBLIC_HVM_VXF_FAULT_H__ */
