/* SPDX-License-Identifier: MIT */
/*
 * vxf_fault.h - hypervisor-reported faults on revocable memory
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Status: a proposal for review on xen-devel, implemented by the project's
 * Xen 4.17 patch series (xen/patches/, public/hvm/hvm_op.h there, which
 * this file mirrors); stock Xen has none of it. The numbers are the
 * series' own, chosen not to collide with upstream Xen's: the Xen
 * maintainers would allocate the final ones. The guest side is
 * implemented by virtio-xen-fault and exercised against an in-guest
 * stand-in of the hypervisor (loop mode).
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
 * offers this interface to the calling domain (an HVM or PVH domain using
 * hardware assisted paging, on the patched Xen). Without it (stock Xen)
 * the guest must not rely on reports: the frontend falls back to grant
 * mode, where revocation goes through the guest (REVOKE/REVOKE_DONE on the
 * ring), and the backend sees feature-hv-fault=0 in XenStore. Upstream
 * allocates features from the bottom of submap 0 (20 is taken): the
 * series takes the top bit.
 */
#define XENFEAT_fault_report		31

/*
 ******************************************************************************
 *                              Hypercall
 ******************************************************************************
 *
 * HYPERVISOR_hvm_op(HVMOP_fault_report, struct xen_hvm_fault_report *arg)
 *
 * One sub-operation per call, always on the calling domain. Errors:
 * -EOPNOTSUPP without XENFEAT_fault_report, -EINVAL for a malformed
 * argument (reserved fields must be 0), -EBUSY for setup twice or a window
 * overlapping another or reusing an id, -ENOENT for an unknown window or
 * for any sub-operation but SETUP before SETUP, -ENOSPC past
 * XEN_FAULT_MAX_WINDOWS. Upstream's HVMOPs end at 25.
 */
#define HVMOP_fault_report		50

#define XEN_FAULT_OP_SETUP		0
#define XEN_FAULT_OP_TEARDOWN		1
#define XEN_FAULT_OP_ADD_WINDOW		2
#define XEN_FAULT_OP_REMOVE_WINDOW	3
#define XEN_FAULT_OP_RESOLVE		4

#define XEN_FAULT_MAX_WINDOWS		64

/*
 * XEN_FAULT_OP_SETUP: register the report area, one page of the guest's
 *      own RAM at @setup.area_gfn (not a frame lent or granted by another
 *      domain: -EINVAL), laid out as struct xen_fault_report_area, and the
 *      event channel Xen raises, @setup.port: a port of the calling domain
 *      allocated with EVTCHNOP_alloc_unbound(remote_dom = DOMID_XEN) and
 *      left unbound (anything else: -EINVAL). Xen zeroes the area's header
 *      and keeps the page mapped until TEARDOWN or the domain's end. Xen
 *      never changes the port: it raises it, on the vCPU it is bound to
 *      (EVTCHNOP_bind_vcpu), as long as it is in that state.
 *
 * XEN_FAULT_OP_TEARDOWN: stop reporting. Every window is removed, every
 *      vCPU waiting on a report is released (its access then behaves as
 *      without this interface). The area and the port are the guest's
 *      again.
 *
 * XEN_FAULT_OP_ADD_WINDOW: report accesses to holes in [@window.first_gfn,
 *      @window.first_gfn + @window.nr_gfns), below the guest's maximum
 *      physical address. @window.id (chosen by the guest, unique) names it
 *      in records and in REMOVE_WINDOW. Holes outside every window keep
 *      today's behaviour.
 *
 * XEN_FAULT_OP_REMOVE_WINDOW: stop reporting for window @window.id (its
 *      other fields 0); vCPUs waiting on a report in it are released as for
 *      TEARDOWN.
 *
 * XEN_FAULT_OP_RESOLVE: the guest handled the record with sequence number
 *      @resolve.seq: the vCPU waiting on it, if any, retries the access
 *      now; a stale seq is ignored (returns 0). If the page is still a hole
 *      the retry reports again (with a new seq).
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
 *    barrier) increments @prod, then raises @port. It never writes a slot
 *    the guest has not consumed: when prod - cons == XEN_FAULT_RING_SIZE it
 *    instead increments @overflow, once per access it could not report,
 *    and the vCPU waits as if it had reported it: it retries on its next
 *    interrupt or on any RESOLVE, and reports once there is room. No record
 *    is ever lost or overwritten; an overflow raises no event.
 *  - Xen keeps @prod and @overflow to itself and only writes them here: of
 *    the area it reads nothing but @cons.
 *  - The guest reads @prod, (read barrier) copies each record out once,
 *    checks it, then writes @cons. A @prod more than XEN_FAULT_RING_SIZE
 *    ahead of @cons is a corrupt area: the guest tears the interface down.
 *
 * A record's @seq is strictly increasing across the domain (never reused,
 * not even after TEARDOWN and a new SETUP): a record whose @seq is not
 * greater than the last one the guest saw is stale and ignored.
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
 *    instruction is retried. A retry that finds the same hole writes no new
 *    record: one held access is one record, however many interrupts it
 *    takes. A retry that finds a hole at another frame (the guest switched
 *    tasks) or needs more access writes a new one, and the earlier record
 *    then names no waiting vCPU (resolving it is harmless);
 *  - with no interrupt deliverable it blocks as with HLT, so that it costs
 *    no CPU time;
 *  - it is released, and the instruction retried, when the guest resolves
 *    the record (XEN_FAULT_OP_RESOLVE), when the gfn becomes mapped (the
 *    backend lends a page there), when its window is removed, or on
 *    TEARDOWN.
 *
 * A retry after a release that still finds a hole reports again. So a
 * guest with a single vCPU makes progress: the notification itself is an
 * interrupt on that vCPU, and the guest serves the fault (sends MAP) from
 * it; if the access was made in user mode, the guest may also switch to
 * another task on the way back from that interrupt, leaving the faulting
 * task paused at the instruction. A vCPU that touches a window with
 * interrupts disabled takes no interrupt: it waits until another vCPU
 * resolves its record or the page is mapped. A guest must never do that on
 * a single vCPU.
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
 * only stalls its own vCPUs. The guest resolves every record it is given:
 * until it does (or the page is mapped, or the window goes) the vCPU
 * counts as waiting on it, so if the access completed by other means and
 * the vCPU later faults on the same frame again, it waits without a new
 * record. Windows, the area and waiting vCPUs are not saved or migrated.
 *
 * Not reported: accesses Xen makes on the guest's behalf (emulating the
 * instruction of another exit, hypercall buffers, grant copies) behave as
 * without this interface; accesses by a nested guest too. Lent pages are
 * never executable: an instruction fetch from a window page can only be
 * failed (page table entry removed, then RESOLVE), never completed.
 */

#endif /* __XEN_PUBLIC_HVM_VXF_FAULT_H__ */
