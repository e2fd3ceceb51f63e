// SPDX-License-Identifier: GPL-2.0
/*
 * xen_hv.c - hypervisor mode on Xen: fault reports from the patched Xen
 *
 * With XENFEAT_fault_report (include/xen/interface/hvm/vxf_fault.h) and a
 * backend offering feature-hv-fault, the window is a range of guest frames
 * that the backend fills by lending its own pages there (XEN_DMOP_lend_pages)
 * and empties behind the guest's back (XEN_DMOP_revoke_pages). Window page
 * N is guest frame base_gfn + N for the window's whole life: a user mapping
 * points at it as virtio-gpu maps a blob, and a revoke touches no guest page
 * table. An access to a frame the backend did not lend reaches Xen, which
 * holds the vCPU at the instruction, writes a record to the report area and
 * raises our port; we send the page's MAP; the backend lends the page and
 * answers; Xen releases the vCPU as soon as the page is lent, and the
 * answer resolves the record. A refused MAP fails the access: the page's
 * user mappings are zapped, its next fault gets SIGBUS (a task) or -EFAULT
 * (the kernel's user copies), and the record is resolved.
 *
 * Liveness on one vCPU: a vCPU held in kernel mode (copy_to_user() into the
 * window) runs interrupt handlers and nothing else until the page is lent:
 * no work item, no kthread. So the records are consumed and the MAPs sent
 * from the port's interrupt handler, through vxf_ring_send_hv_map(). What
 * can wait for process context (an answer, a refusal, a timeout) does, on
 * unbound workers (any vCPU but a held one can run them): the lend alone
 * releases the vCPU. A refusal for a vCPU held in kernel mode on
 * a one-vCPU guest is served only once something else lets the ring work
 * run (vxf_fault.h: a vCPU must never touch a window with interrupts off;
 * here, a kernel access to a window page the backend may refuse is only
 * bounded on a guest with a vCPU to spare).
 *
 * The window's frames: a range of guest-physical address space reserved in
 * iomem_resource, above RAM and 2 MiB aligned, never populated by the guest.
 * Not xen_alloc_unpopulated_pages(): it hands out struct pages (ZONE_DEVICE
 * memmap the window never uses, as nothing here is ever a page of the
 * guest's) in no guaranteed order, while a window needs one contiguous run
 * (records name frames, and the backend lends at base + page). The
 * reservation keeps every other user of the address space (the unpopulated
 * page allocator, hotplug) off the range for the device's life.
 *
 * The frames are no RAM, and vmf_insert_pfn() maps such a frame with the
 * memory type x86 PAT tracks for it, uncached-minus where it tracks none
 * (lookup_memtype()): every write-back mapping of the window would be
 * uncached. So the range is also mapped write-back in the kernel
 * (ioremap_cache()), which is what makes PAT track it write-back, for as
 * long as the frames are the window's. Nothing reads through that mapping.
 *
 * Xen takes one report area per domain: one window per guest uses this
 * mode; the next ones fall back to grant mode.
 */

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include <xen/events.h>
#include <xen/features.h>
#include <xen/interface/event_channel.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>

#include <xen/interface/hvm/vxf_fault.h>

#include "vxf.h"

/* MAPs in flight at once (a power of two: the slot is in the wire id). */
#define VXF_XEN_HV_MAPS		64
/* Records waiting on those MAPs; one per held access. */
#define VXF_XEN_HV_WAITS	256
/* How often MAPs are looked at for time-outs and resends while any is out. */
#define VXF_XEN_HV_SWEEP_MS	50

/**
 * enum vxf_xen_hv_map_state - life of a MAP slot
 * @VXF_XEN_HV_MAP_FREE: unused
 * @VXF_XEN_HV_MAP_UNSENT: wanted, not on the ring yet (the ring was full)
 * @VXF_XEN_HV_MAP_SENT: on the ring, answer owed
 * @VXF_XEN_HV_MAP_FAILING: to be failed by the work (no backend to ask)
 * @VXF_XEN_HV_MAP_ABANDONED: timed out, its records failed; the answer is
 *	still owed and only frees the slot
 */
enum vxf_xen_hv_map_state {
	VXF_XEN_HV_MAP_FREE,
	VXF_XEN_HV_MAP_UNSENT,
	VXF_XEN_HV_MAP_SENT,
	VXF_XEN_HV_MAP_FAILING,
	VXF_XEN_HV_MAP_ABANDONED,
};

/**
 * struct vxf_xen_hv_map - a MAP the event handler asked for
 * @state: enum vxf_xen_hv_map_state
 * @page: the window page
 * @id: its wire id (VXF_HV_MAP_ID, a generation, the slot)
 * @since: jiffies when it was wanted, for the fault timeout
 */
struct vxf_xen_hv_map {
	u8 state;
	u64 page;
	u64 id;
	unsigned long since;
};

/**
 * struct vxf_xen_hv_wait - a record waiting on a MAP
 * @seq: the record, 0 for a free entry
 * @page: its window page
 * @pos: its place in the report ring (the free-running index it had)
 */
struct vxf_xen_hv_wait {
	u64 seq;
	u64 page;
	u32 pos;
};

/**
 * struct vxf_xen_hv - hypervisor mode of one window
 * @dev: the window's device
 * @res: the window's guest frames
 * @wb: @res mapped write-back in the kernel: PAT then tracks it write-back
 * @base_gfn: guest frame of window page 0
 * @nr_pages: window size
 * @window_id: the id the window was added under
 * @area: the report area (a page of guest RAM Xen writes)
 * @port: the port Xen raises
 * @irq: @port's interrupt, 0 when not bound
 * @work: fails what must be failed, times MAPs out, resends
 * @lock: protects everything below (taken in the port's interrupt handler)
 * @cons: records consumed, the private copy of @area->cons
 * @overflow_seen: @area->overflow when last looked at
 * @last_seq: the newest record seen
 * @gen: generation of the next MAP id
 * @taken_prod: @area->prod when a fault last took a page's failure: the
 *	records before it were written before that fault
 * @dead: the area was found corrupt, or teardown began: nothing more is
 *	read or sent
 * @corrupt: @dead because of the area: the work takes the window away
 * @maps: MAP slots
 * @waits: records waiting on them
 */
struct vxf_xen_hv {
	struct vxf_device *dev;
	struct resource res;
	void __iomem *wb;
	u64 base_gfn;
	u64 nr_pages;
	u32 window_id;
	struct xen_fault_report_area *area;
	evtchn_port_t port;
	int irq;
	struct delayed_work work;
	spinlock_t lock;	/* everything below */
	u32 cons;
	u32 overflow_seen;
	u64 last_seq;
	u64 gen;
	u32 taken_prod;
	bool dead;
	bool corrupt;
	struct vxf_xen_hv_map maps[VXF_XEN_HV_MAPS];
	struct vxf_xen_hv_wait waits[VXF_XEN_HV_WAITS];
};

static int vxf_xen_hv_op(u32 op, u64 a, u64 b, u32 c)
{
	struct xen_hvm_fault_report arg = { .op = op };

	switch (op) {
	case XEN_FAULT_OP_SETUP:
		arg.u.setup.area_gfn = a;
		arg.u.setup.port = c;
		break;
	case XEN_FAULT_OP_ADD_WINDOW:
		arg.u.window.first_gfn = a;
		arg.u.window.nr_gfns = b;
		arg.u.window.id = c;
		break;
	case XEN_FAULT_OP_REMOVE_WINDOW:
		arg.u.window.id = c;
		break;
	case XEN_FAULT_OP_RESOLVE:
		arg.u.resolve.seq = a;
		break;
	default:
		break;
	}
	return HYPERVISOR_hvm_op(HVMOP_fault_report, &arg);
}

/* Let the vCPU held on record @seq retry; a stale seq is harmless. */
static void vxf_xen_hv_resolve(u64 seq)
{
	vxf_xen_hv_op(XEN_FAULT_OP_RESOLVE, seq, 0, 0);
}

static struct vxf_xen_hv_map *vxf_xen_hv_map_of(struct vxf_xen_hv *xhv,
						u64 page)
{
	unsigned int i;

	for (i = 0; i < VXF_XEN_HV_MAPS; i++)
		if ((xhv->maps[i].state == VXF_XEN_HV_MAP_UNSENT ||
		     xhv->maps[i].state == VXF_XEN_HV_MAP_SENT) &&
		    xhv->maps[i].page == page)
			return &xhv->maps[i];
	return NULL;
}

static struct vxf_xen_hv_map *vxf_xen_hv_map_new(struct vxf_xen_hv *xhv,
						 u64 page)
{
	struct vxf_xen_hv_map *m;
	unsigned int i;

	for (i = 0; i < VXF_XEN_HV_MAPS; i++) {
		m = &xhv->maps[i];
		if (m->state != VXF_XEN_HV_MAP_FREE)
			continue;
		m->state = VXF_XEN_HV_MAP_UNSENT;
		m->page = page;
		m->id = VXF_HV_MAP_ID | (++xhv->gen << ilog2(VXF_XEN_HV_MAPS)) | i;
		m->since = jiffies;
		return m;
	}
	return NULL;
}

static bool vxf_xen_hv_wait_add(struct vxf_xen_hv *xhv, u64 seq, u64 page,
				u32 pos)
{
	unsigned int i;

	for (i = 0; i < VXF_XEN_HV_WAITS; i++) {
		if (xhv->waits[i].seq)
			continue;
		xhv->waits[i].seq = seq;
		xhv->waits[i].page = page;
		xhv->waits[i].pos = pos;
		return true;
	}
	return false;
}

/*
 * Whether an access may still be held on @page: a record waiting on it that
 * was written after the last failure a fault took (vxf_xen_hv_fail_taken()).
 * An older one may be a second record of an access that took its SIGBUS
 * already: a task held in user mode can be moved to another vCPU, whose
 * retry reports the same access again. The last failure is the window's,
 * on whatever page: an access held behind an older record on another page
 * costs one more report and MAP, never a wrong result. Called with
 * @xhv->lock held.
 */
static bool vxf_xen_hv_held(struct vxf_xen_hv *xhv, u64 page)
{
	unsigned int i;

	lockdep_assert_held(&xhv->lock);
	for (i = 0; i < VXF_XEN_HV_WAITS; i++)
		if (xhv->waits[i].seq && xhv->waits[i].page == page &&
		    (s32)(xhv->waits[i].pos - xhv->taken_prod) >= 0)
			return true;
	return false;
}

/* Take one record waiting on @page off the table: its seq, or 0. */
static u64 vxf_xen_hv_wait_take(struct vxf_xen_hv *xhv, u64 page)
{
	unsigned int i;
	u64 seq;

	for (i = 0; i < VXF_XEN_HV_WAITS; i++) {
		if (!xhv->waits[i].seq || xhv->waits[i].page != page)
			continue;
		seq = xhv->waits[i].seq;
		xhv->waits[i].seq = 0;
		return seq;
	}
	return 0;
}

/* Resolve every record waiting on @page. Context: process, no lock held. */
static void vxf_xen_hv_resolve_page(struct vxf_xen_hv *xhv, u64 page)
{
	u64 seq;

	for (;;) {
		spin_lock_irq(&xhv->lock);
		seq = vxf_xen_hv_wait_take(xhv, page);
		spin_unlock_irq(&xhv->lock);
		if (!seq)
			return;
		vxf_xen_hv_resolve(seq);
	}
}

/*
 * Fail the accesses held on @page, then let them retry (into SIGBUS).
 *
 * The page is failed only if an access may still be held on it: else the
 * failure would be left for the page's next access, however much later,
 * after the backend served the page again. A refusal with no record
 * waiting, or only records older than the last failure taken, is that of
 * a second MAP for one access (made by a record of the moved task that
 * came after the answer to the first MAP), and fails nothing. The records
 * are resolved all the same: an access still held, whose record was older,
 * reports again and gets the next refusal.
 */
static void vxf_xen_hv_fail_page(struct vxf_xen_hv *xhv, u64 page)
{
	bool held;

	spin_lock_irq(&xhv->lock);
	held = vxf_xen_hv_held(xhv, page);
	spin_unlock_irq(&xhv->lock);
	if (held)
		vxf_window_hv_frame_fail(&xhv->dev->win, page);
	vxf_xen_hv_resolve_page(xhv, page);
}

/**
 * vxf_xen_hv_fail_taken() - a fault is about to take a page's failure
 * @xhv: hypervisor mode of the window
 *
 * The faulting access is the retry of one Xen held: every record of it was
 * written before now, so no refusal that comes for one of them may fail
 * the page again (vxf_xen_hv_fail_page()).
 *
 * Context: a fault in frames mode, vxf_window.map_sem held for reading.
 */
void vxf_xen_hv_fail_taken(struct vxf_xen_hv *xhv)
{
	u32 prod = READ_ONCE(xhv->area->prod);

	spin_lock_irq(&xhv->lock);
	xhv->taken_prod = prod;
	spin_unlock_irq(&xhv->lock);
}

/* Put the wanted MAPs on the ring. Called with @xhv->lock held. */
static bool vxf_xen_hv_send(struct vxf_xen_hv *xhv)
{
	struct vxf_xen_hv_map *m;
	bool busy = false;
	unsigned int i;
	int err;

	lockdep_assert_held(&xhv->lock);
	for (i = 0; i < VXF_XEN_HV_MAPS; i++) {
		m = &xhv->maps[i];
		if (m->state != VXF_XEN_HV_MAP_UNSENT)
			continue;
		err = vxf_ring_send_hv_map(xhv->dev, m->id, m->page);
		if (!err) {
			m->state = VXF_XEN_HV_MAP_SENT;
			vxf_count(&xhv->dev->win, VXF_CNT_MAPS);
			vxf_count(&xhv->dev->win, VXF_CNT_MAP_PAGES);
		} else if (err == -EBUSY) {
			busy = true;	/* the ring is full: later */
		} else {
			m->state = VXF_XEN_HV_MAP_FAILING;
		}
	}
	return busy;
}

static void vxf_xen_hv_record(struct vxf_xen_hv *xhv,
			      const struct xen_fault_record *rec, u32 pos)
{
	s64 page;

	page = vxf_hv_record_take(xhv->dev, rec, xhv->window_id, xhv->base_gfn,
				  &xhv->last_seq);
	if (page < 0) {
		/* A vCPU may wait on it all the same: let it retry. */
		if (rec->seq == xhv->last_seq)
			vxf_xen_hv_resolve(rec->seq);
		return;
	}
	if (!vxf_xen_hv_map_of(xhv, page) && !vxf_xen_hv_map_new(xhv, page)) {
		/* Too many MAPs out: the vCPU retries and reports again. */
		vxf_xen_hv_resolve(rec->seq);
		return;
	}
	if (!vxf_xen_hv_wait_add(xhv, rec->seq, page, pos))
		vxf_xen_hv_resolve(rec->seq);
}

/*
 * Consume what Xen produced. Called with @xhv->lock held; returns false
 * when the area is corrupt (@xhv is then dead).
 */
static bool vxf_xen_hv_consume(struct vxf_xen_hv *xhv)
{
	struct xen_fault_report_area *area = xhv->area;
	struct vxf_window *win = &xhv->dev->win;
	struct xen_fault_record rec;
	u32 prod, overflow;

	lockdep_assert_held(&xhv->lock);
	overflow = READ_ONCE(area->overflow);
	if (overflow != xhv->overflow_seen) {
		vxf_count_add(win, VXF_CNT_HV_OVERFLOWS,
			      overflow - xhv->overflow_seen);
		xhv->overflow_seen = overflow;
	}

	prod = READ_ONCE(area->prod);
	/* Records up to prod are read after the index itself. */
	virt_rmb();
	if (!vxf_hv_prod_valid(prod, xhv->cons)) {
		vxf_count(win, VXF_CNT_HV_OVERFLOWS);
		pr_err_ratelimited("%s: fault report producer index %u, consumer %u; fault reports torn down\n",
				   xhv->dev->name, prod, xhv->cons);
		xhv->dead = true;
		xhv->corrupt = true;
		return false;
	}
	while (xhv->cons != prod) {
		vxf_hv_record_copy(&rec, &area->rec[xhv->cons % XEN_FAULT_RING_SIZE]);
		vxf_xen_hv_record(xhv, &rec, xhv->cons);
		xhv->cons++;
	}
	/* The slots are free once the copies are taken. */
	virt_mb();
	WRITE_ONCE(area->cons, xhv->cons);
	return true;
}

static bool vxf_xen_hv_busy(struct vxf_xen_hv *xhv)
{
	unsigned int i;

	for (i = 0; i < VXF_XEN_HV_MAPS; i++)
		if (xhv->maps[i].state != VXF_XEN_HV_MAP_FREE &&
		    xhv->maps[i].state != VXF_XEN_HV_MAP_ABANDONED)
			return true;
	return false;
}

/*
 * The port's handler: records in, MAPs out, in hard interrupt context (see
 * the header: the vCPU Xen holds may run nothing else).
 */
static irqreturn_t vxf_xen_hv_event(int irq, void *data)
{
	struct vxf_xen_hv *xhv = data;
	bool later = false;

	spin_lock(&xhv->lock);
	if (!xhv->dead) {
		if (vxf_xen_hv_consume(xhv))
			vxf_xen_hv_send(xhv);
		later = xhv->corrupt || vxf_xen_hv_busy(xhv);
	}
	spin_unlock(&xhv->lock);
	if (later)
		mod_delayed_work(system_unbound_wq, &xhv->work,
				 xhv->corrupt ? 0 :
				 msecs_to_jiffies(VXF_XEN_HV_SWEEP_MS));
	return IRQ_HANDLED;
}

/*
 * The area went bad: Xen stops reporting (TEARDOWN releases the held
 * vCPUs), and the window leaves the frames mode, its user mappings zapped:
 * from now on an access faults in the guest and gets SIGBUS (no hypervisor
 * to report to) rather than reading a hole.
 */
static void vxf_xen_hv_break(struct vxf_xen_hv *xhv)
{
	unsigned int i;

	vxf_xen_hv_op(XEN_FAULT_OP_TEARDOWN, 0, 0, 0);
	vxf_window_hv_frames_end(&xhv->dev->win);
	spin_lock_irq(&xhv->lock);
	for (i = 0; i < VXF_XEN_HV_WAITS; i++)
		xhv->waits[i].seq = 0;
	spin_unlock_irq(&xhv->lock);
}

/* Fail what cannot be asked for, time MAPs out, resend. */
static void vxf_xen_hv_work(struct work_struct *work)
{
	struct vxf_xen_hv *xhv = container_of(to_delayed_work(work),
					      struct vxf_xen_hv, work);
	unsigned long timeout = xhv->dev->win.fault_timeout;
	struct vxf_xen_hv_map *m;
	bool corrupt, again;
	unsigned int i;
	u64 page;

	spin_lock_irq(&xhv->lock);
	corrupt = xhv->corrupt;
	xhv->corrupt = false;
	spin_unlock_irq(&xhv->lock);
	if (corrupt) {
		vxf_xen_hv_break(xhv);
		return;
	}

	for (i = 0; i < VXF_XEN_HV_MAPS; i++) {
		m = &xhv->maps[i];
		spin_lock_irq(&xhv->lock);
		page = U64_MAX;
		if (m->state == VXF_XEN_HV_MAP_FAILING) {
			m->state = VXF_XEN_HV_MAP_FREE;
			page = m->page;
		} else if (m->state == VXF_XEN_HV_MAP_SENT &&
			   time_after(jiffies, m->since + timeout)) {
			m->state = VXF_XEN_HV_MAP_ABANDONED;
			page = m->page;
			vxf_count(&xhv->dev->win, VXF_CNT_TIMEOUTS);
		}
		spin_unlock_irq(&xhv->lock);
		if (page != U64_MAX)
			vxf_xen_hv_fail_page(xhv, page);
	}

	spin_lock_irq(&xhv->lock);
	again = false;
	if (!xhv->dead) {
		vxf_xen_hv_send(xhv);
		again = vxf_xen_hv_busy(xhv);
	}
	spin_unlock_irq(&xhv->lock);
	if (again)
		mod_delayed_work(system_unbound_wq, &xhv->work,
				 msecs_to_jiffies(VXF_XEN_HV_SWEEP_MS));
}

/**
 * vxf_xen_hv_answer() - the backend answered a MAP the event handler sent
 * @xhv: hypervisor mode of the window
 * @rsp: the answer, copied out of the ring
 *
 * In hypervisor mode a MAP answer carries no reference: status 0 says the
 * page is lent at its frame, a negative status that it will not be.
 *
 * Context: process context, vxf_ring.lock held (ring processing).
 * Return: 0, or -EPROTO for an answer that matches no MAP in flight or is
 * malformed.
 */
int vxf_xen_hv_answer(struct vxf_xen_hv *xhv, const struct xenvxf_rsp *rsp)
{
	struct vxf_window *win = &xhv->dev->win;
	u64 id = rsp->id;
	struct vxf_xen_hv_map *m = &xhv->maps[id & (VXF_XEN_HV_MAPS - 1)];
	s32 status = rsp->status;
	bool abandoned;
	u64 page;

	if (rsp->operation != XENVXF_OP_MAP || rsp->nr_refs ||
	    rsp->ref_order || status > 0)
		return -EPROTO;

	spin_lock_irq(&xhv->lock);
	if (m->id != id || (m->state != VXF_XEN_HV_MAP_SENT &&
			    m->state != VXF_XEN_HV_MAP_ABANDONED)) {
		spin_unlock_irq(&xhv->lock);
		return -EPROTO;
	}
	abandoned = m->state == VXF_XEN_HV_MAP_ABANDONED;
	m->state = VXF_XEN_HV_MAP_FREE;
	page = m->page;
	spin_unlock_irq(&xhv->lock);

	if (abandoned)
		return 0;
	if (status) {
		vxf_count(win, VXF_CNT_MAP_ERRORS);
		vxf_xen_hv_fail_page(xhv, page);
	} else {
		/* Xen released the vCPUs at the lend: the records are done. */
		vxf_xen_hv_resolve_page(xhv, page);
	}
	return 0;
}

/**
 * vxf_xen_hv_disconnected() - the backend went away
 * @xhv: hypervisor mode of the window
 *
 * No answer comes for the MAPs in flight: their accesses fail. The frames
 * stay the window's; a new backend lends them again on demand.
 *
 * Context: process context, after vxf_device_disconnect().
 */
void vxf_xen_hv_disconnected(struct vxf_xen_hv *xhv)
{
	unsigned int i;

	spin_lock_irq(&xhv->lock);
	for (i = 0; i < VXF_XEN_HV_MAPS; i++) {
		if (xhv->maps[i].state == VXF_XEN_HV_MAP_ABANDONED)
			xhv->maps[i].state = VXF_XEN_HV_MAP_FREE;
		else if (xhv->maps[i].state != VXF_XEN_HV_MAP_FREE)
			xhv->maps[i].state = VXF_XEN_HV_MAP_FAILING;
	}
	spin_unlock_irq(&xhv->lock);
	mod_delayed_work(system_unbound_wq, &xhv->work, 0);
}

/**
 * vxf_xen_hv_base_gfn() - guest frame of window page 0
 * @xhv: hypervisor mode of the window
 *
 * Return: the frame, for the backend (XENVXF_FIELD_HV_WINDOW_GFN).
 */
u64 vxf_xen_hv_base_gfn(const struct vxf_xen_hv *xhv)
{
	return xhv->base_gfn;
}

static void vxf_xen_hv_close_port(evtchn_port_t port)
{
	struct evtchn_close close = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
}

static int vxf_xen_hv_ram_end(struct resource *res, void *arg)
{
	resource_size_t *end = arg;

	*end = max(*end, res->end + 1);
	return 0;
}

/* Reserve the window's frames: above RAM and 4 GiB, 2 MiB aligned. */
static int vxf_xen_hv_reserve(struct vxf_xen_hv *xhv)
{
	resource_size_t size = (resource_size_t)xhv->nr_pages << PAGE_SHIFT;
	resource_size_t min = SZ_4G;
	int err;

	walk_iomem_res_desc(IORES_DESC_NONE,
			    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY, 0, -1,
			    &min, vxf_xen_hv_ram_end);

	xhv->res.name = xhv->dev->name;
	xhv->res.flags = IORESOURCE_MEM | IORESOURCE_BUSY;
	err = allocate_resource(&iomem_resource, &xhv->res, size, min,
				iomem_resource.end, SZ_2M, NULL, NULL);
	if (err)
		return err;
	/* The range's memory type for PAT: write-back (see the top). */
	xhv->wb = ioremap_cache(xhv->res.start, size);
	if (!xhv->wb) {
		release_resource(&xhv->res);
		return -ENOMEM;
	}
	return 0;
}

static void vxf_xen_hv_unreserve(struct vxf_xen_hv *xhv)
{
	iounmap(xhv->wb);
	release_resource(&xhv->res);
}

/**
 * vxf_xen_hv_create() - put a new window in Xen hypervisor mode
 * @dev: the window's device, not registered yet
 * @parent: for messages
 *
 * Reserves the window's guest frames, registers the report area and its
 * port with Xen (XEN_FAULT_OP_SETUP) and the frames as a window
 * (XEN_FAULT_OP_ADD_WINDOW); from then on the window is in frames mode.
 *
 * Context: process context.
 * Return: the mode's state, or ERR_PTR(-EOPNOTSUPP) when Xen does not
 * report faults (or another window took the domain's report area), or
 * another ERR_PTR(): the caller then stays in grant mode.
 */
struct vxf_xen_hv *vxf_xen_hv_create(struct vxf_device *dev,
				     struct device *parent)
{
	struct evtchn_alloc_unbound unbound = {
		.dom = DOMID_SELF,
		.remote_dom = DOMID_XEN,
	};
	struct vxf_xen_hv *xhv;
	int err;

	if (!xen_hvm_domain() || !xen_feature(XENFEAT_fault_report))
		return ERR_PTR(-EOPNOTSUPP);
	if (dev->win.superpage)
		return ERR_PTR(-EOPNOTSUPP);

	xhv = kzalloc(sizeof(*xhv), GFP_KERNEL);
	if (!xhv)
		return ERR_PTR(-ENOMEM);
	xhv->dev = dev;
	xhv->nr_pages = dev->win.nr_pages;
	xhv->window_id = dev->index + 1;
	spin_lock_init(&xhv->lock);
	INIT_DELAYED_WORK(&xhv->work, vxf_xen_hv_work);

	err = vxf_xen_hv_reserve(xhv);
	if (err)
		goto err_free;
	xhv->base_gfn = PHYS_PFN(xhv->res.start);

	err = -ENOMEM;
	xhv->area = (void *)get_zeroed_page(GFP_KERNEL);
	if (!xhv->area)
		goto err_release;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &unbound);
	if (err)
		goto err_area;
	xhv->port = unbound.port;

	err = vxf_xen_hv_op(XEN_FAULT_OP_SETUP, virt_to_gfn(xhv->area), 0,
			    xhv->port);
	if (err) {
		/* -EBUSY: another window has the domain's report area. */
		dev_info(parent, "no fault reports (SETUP: %d): grant mode\n",
			 err);
		err = -EOPNOTSUPP;
		goto err_port;
	}
	err = bind_evtchn_to_irqhandler(xhv->port, vxf_xen_hv_event, 0,
					dev->name, xhv);
	if (err < 0)
		goto err_teardown;
	xhv->irq = err;

	err = vxf_xen_hv_op(XEN_FAULT_OP_ADD_WINDOW, xhv->base_gfn,
			    xhv->nr_pages, xhv->window_id);
	if (err)
		goto err_unbind;

	dev->win.hv_gfn = xhv->base_gfn;
	dev->win.hv_xen = xhv;
	dev->win.hv_frames = true;
	dev_info(parent, "%s: hypervisor mode, frames %#llx-%#llx\n", dev->name,
		 xhv->base_gfn, xhv->base_gfn + xhv->nr_pages - 1);
	return xhv;

err_unbind:
	vxf_xen_hv_op(XEN_FAULT_OP_TEARDOWN, 0, 0, 0);
	unbind_from_irqhandler(xhv->irq, xhv);	/* closes the port */
	goto err_area;
err_teardown:
	vxf_xen_hv_op(XEN_FAULT_OP_TEARDOWN, 0, 0, 0);
err_port:
	vxf_xen_hv_close_port(xhv->port);
err_area:
	free_page((unsigned long)xhv->area);
err_release:
	vxf_xen_hv_unreserve(xhv);
err_free:
	kfree(xhv);
	return ERR_PTR(err);
}

/**
 * vxf_xen_hv_destroy() - leave hypervisor mode, at the device's end
 * @xhv: hypervisor mode of the window, or NULL
 *
 * The window's user mappings are zapped and its later faults get SIGBUS
 * (the device may outlive its xenbus device); then Xen stops reporting and
 * releases every vCPU it holds (TEARDOWN), and the area, the port and the
 * frames are the guest's again.
 *
 * Context: process context, the transport disconnected.
 */
void vxf_xen_hv_destroy(struct vxf_xen_hv *xhv)
{
	if (!xhv)
		return;
	vxf_window_hv_frames_end(&xhv->dev->win);
	spin_lock_irq(&xhv->lock);
	xhv->dead = true;
	spin_unlock_irq(&xhv->lock);
	vxf_xen_hv_op(XEN_FAULT_OP_TEARDOWN, 0, 0, 0);
	unbind_from_irqhandler(xhv->irq, xhv);	/* closes the port */
	cancel_delayed_work_sync(&xhv->work);
	free_page((unsigned long)xhv->area);
	vxf_xen_hv_unreserve(xhv);
	kfree(xhv);
}
