// SPDX-License-Identifier: GPL-2.0
/*
 * hv.c - faults reported by the hypervisor (include/xen/interface/hvm/
 * vxf_fault.h, a proposal)
 *
 * When the backend revokes through the hypervisor, the guest learns of a
 * hole only when it touches it: the hypervisor writes a fault record to the
 * report area and raises an event, and holds the faulting vCPU at the
 * instruction (taking interrupts) until the record is resolved. This file
 * consumes the records: each is copied out of the shared page once and
 * checked, then joins the MAP of its page (one MAP however many records),
 * and is resolved once that MAP settles: the page is there (the access
 * completes), or the MAP failed (the driver's own mapping is dropped first,
 * so the retried access takes a guest page fault and ends in SIGBUS or
 * -EFAULT), or it was given up after the fault timeout.
 *
 * Who plays the hypervisor (Xen, or the loop stand-in) is behind struct
 * vxf_hv_ops.
 */

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <xen/interface/hvm/vxf_fault.h>

#include "trace.h"
#include "vxf.h"

/* How often pending records are looked at when nothing else happens. */
#define VXF_HV_SWEEP_MS		50

/**
 * struct vxf_hv_pending - a record waiting for its page's MAP to settle
 * @page: window page
 * @since: jiffies when it arrived, for the fault timeout
 */
struct vxf_hv_pending {
	u64 page;
	unsigned long since;
};

/**
 * struct vxf_hv - the report area and the records being served
 * @dev: the device
 * @ops: the hypervisor, or its stand-in
 * @area: the report area (guest memory the hypervisor writes)
 * @window_id: id of the window, as records name it
 * @base_gfn: guest frame of window page 0
 * @work: consumes records and settles pending ones
 * @lock: serialises @work's runs with teardown; protects @cons, @last_seq,
 *	@pending
 * @cons: records consumed, the private copy of area->cons
 * @overflow_seen: area->overflow when last looked at
 * @last_seq: the newest record seen
 * @pending: seq -> struct vxf_hv_pending
 * @dead: torn down (detached, or the area was found corrupt); nothing more
 *	is read, and faults on absent pages fail (read locklessly by
 *	vxf_hv_ops())
 */
struct vxf_hv {
	struct vxf_device *dev;
	const struct vxf_hv_ops *ops;
	struct xen_fault_report_area *area;
	u32 window_id;
	u64 base_gfn;
	struct delayed_work work;
	struct mutex lock;	/* @cons, @last_seq, @pending, @dead */
	u32 cons;
	u32 overflow_seen;
	u64 last_seq;
	struct xarray pending;
	bool dead;
};

static void vxf_hv_resolve(struct vxf_hv *hv, u64 seq)
{
	hv->ops->resolve(hv->dev, seq);
}

/*
 * The ops of the hypervisor (or stand-in) reporting for @dev; NULL once the
 * interface was torn down, so that a fault on an absent page fails.
 */
const struct vxf_hv_ops *vxf_hv_ops(struct vxf_device *dev)
{
	struct vxf_hv *hv = dev->hv;

	return hv && !READ_ONCE(hv->dead) ? hv->ops : NULL;
}

/*
 * Fail a reported access: drop the guest's own mapping of the page, so that
 * the retried access faults in the guest (and finds the FAILED chunk), then
 * let the vCPU retry.
 */
static void vxf_hv_zap(struct vxf_hv *hv, u64 page, u64 pages)
{
	struct inode *inode = READ_ONCE(hv->dev->inode);

	if (inode)
		unmap_mapping_range(inode->i_mapping, (loff_t)page << PAGE_SHIFT,
				    (loff_t)pages << PAGE_SHIFT, 1);
}

static void vxf_hv_fail(struct vxf_hv *hv, u64 page, u64 seq)
{
	vxf_count(&hv->dev->win, VXF_CNT_HV_FAILED);
	vxf_hv_zap(hv, page, 1);
	vxf_hv_resolve(hv, seq);
}

/* Let every vCPU held on a pending record retry, and forget the records. */
static void vxf_hv_resolve_all(struct vxf_hv *hv)
{
	struct vxf_hv_pending *p;
	unsigned long seq;

	xa_for_each(&hv->pending, seq, p) {
		xa_erase(&hv->pending, seq);
		vxf_hv_resolve(hv, seq);
		kfree(p);
		vxf_live_add(VXF_LIVE_HV_PENDING, -1);
	}
}

/*
 * The report area cannot be trusted any more (vxf_fault.h: a corrupt
 * producer index): stop reading it, release the held vCPUs, and take every
 * user mapping of the window away, so that an access to a page that is not
 * there ends in SIGBUS or -EFAULT (a guest page fault, which finds no
 * hypervisor to report to) instead of reading a hole. Called with @hv->lock
 * held.
 */
static void vxf_hv_break(struct vxf_hv *hv, const char *why)
{
	pr_err("%s: %s; fault reports torn down\n", hv->dev->name, why);
	WRITE_ONCE(hv->dead, true);
	vxf_hv_resolve_all(hv);
	if (hv->ops->teardown)
		hv->ops->teardown(hv->dev);
	vxf_hv_zap(hv, 0, hv->dev->win.nr_pages);
}

/**
 * vxf_hv_record_copy() - copy a fault record out of the report area
 * @dst: the private copy
 * @src: the record in the shared page
 *
 * Each field is read exactly once, so that what is checked is what is used
 * whatever the hypervisor writes meanwhile.
 */
void vxf_hv_record_copy(struct xen_fault_record *dst,
			const struct xen_fault_record *src)
{
	dst->seq = READ_ONCE(src->seq);
	dst->gfn = READ_ONCE(src->gfn);
	dst->window = READ_ONCE(src->window);
	dst->vcpu = READ_ONCE(src->vcpu);
	dst->access = READ_ONCE(src->access);
	dst->flags = READ_ONCE(src->flags);
	memset(dst->pad, 0, sizeof(dst->pad));
}

/**
 * vxf_hv_record_take() - check a copied fault record and count it
 * @dev: the device
 * @rec: the record (vxf_hv_record_copy())
 * @window_id: the id the window was registered under
 * @base_gfn: guest frame of window page 0
 * @last_seq: the newest sequence number seen (see vxf_hv_record_page())
 *
 * A record vxf_hv_record_page() refuses is counted as rejected and logged
 * (rate-limited); one it accepts, as a report. Either is traced
 * (vxf_hv_record).
 *
 * Return: the window page, or -1 for a rejected record.
 */
s64 vxf_hv_record_take(struct vxf_device *dev,
		       const struct xen_fault_record *rec, u32 window_id,
		       u64 base_gfn, u64 *last_seq)
{
	struct vxf_window *win = &dev->win;
	s64 page;

	page = vxf_hv_record_page(rec, window_id, base_gfn, win->nr_pages,
				  last_seq);
	trace_vxf_hv_record(dev->index, rec, page < 0 ? -1 : page);
	if (page < 0) {
		vxf_count(win, VXF_CNT_HV_REJECTED);
		pr_warn_ratelimited("%s: rejected fault record seq %llu gfn %#llx window %u vcpu %u access %#x\n",
				    dev->name, rec->seq, rec->gfn,
				    rec->window, rec->vcpu, rec->access);
		return -1;
	}
	vxf_count(win, VXF_CNT_HV_REPORTS);
	return page;
}

static void vxf_hv_handle(struct vxf_hv *hv, const struct xen_fault_record *rec)
{
	struct vxf_window *win = &hv->dev->win;
	struct vxf_hv_pending *p;
	s64 page;

	page = vxf_hv_record_take(hv->dev, rec, hv->window_id, hv->base_gfn,
				  &hv->last_seq);
	if (page < 0) {
		/* A vCPU may wait on it all the same: let it retry. */
		if (rec->seq == hv->last_seq)
			vxf_hv_resolve(hv, rec->seq);
		return;
	}

	switch (vxf_window_hv_fault(win, page,
				    rec->access & XEN_FAULT_ACCESS_WRITE)) {
	case VXF_HV_RESOLVE:
		vxf_hv_resolve(hv, rec->seq);
		return;
	case VXF_HV_FAIL:
		vxf_hv_fail(hv, page, rec->seq);
		return;
	default:
		break;
	}

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (p) {
		p->page = page;
		p->since = jiffies;
		if (!xa_err(xa_store(&hv->pending, rec->seq, p, GFP_KERNEL))) {
			vxf_live_add(VXF_LIVE_HV_PENDING, 1);
			return;
		}
		kfree(p);
	}
	/* Cannot track it: let the vCPU retry (and report again). */
	vxf_hv_resolve(hv, rec->seq);
}

/*
 * Copy out and handle every record the hypervisor produced. Returns false
 * when the area is corrupt and the interface was torn down.
 */
static bool vxf_hv_consume(struct vxf_hv *hv)
{
	struct xen_fault_report_area *area = hv->area;
	struct xen_fault_record rec;
	u32 prod, overflow;

	overflow = READ_ONCE(area->overflow);
	if (overflow != hv->overflow_seen) {
		vxf_count_add(&hv->dev->win, VXF_CNT_HV_OVERFLOWS,
			      overflow - hv->overflow_seen);
		hv->overflow_seen = overflow;
	}

	prod = READ_ONCE(area->prod);
	/* Records up to prod are read after the index itself. */
	virt_rmb();
	if (!vxf_hv_prod_valid(prod, hv->cons)) {
		vxf_count(&hv->dev->win, VXF_CNT_HV_OVERFLOWS);
		pr_err("%s: fault report producer index %u, consumer %u\n",
		       hv->dev->name, prod, hv->cons);
		vxf_hv_break(hv, "corrupt report area");
		return false;
	}

	while (hv->cons != prod) {
		vxf_hv_record_copy(&rec,
				   &area->rec[hv->cons % XEN_FAULT_RING_SIZE]);
		hv->cons++;
		vxf_hv_handle(hv, &rec);
	}
	/* The slots are free once the copies are taken. */
	virt_mb();
	WRITE_ONCE(area->cons, hv->cons);
	return true;
}

/* Resolve the pending records whose MAP has settled, or timed out. */
static bool vxf_hv_settle(struct vxf_hv *hv)
{
	struct vxf_window *win = &hv->dev->win;
	struct vxf_hv_pending *p;
	unsigned long seq;
	bool left = false;

	xa_for_each(&hv->pending, seq, p) {
		enum vxf_hv_action act = vxf_window_hv_state(win, p->page);

		if (act == VXF_HV_WAIT &&
		    time_after(jiffies, p->since + win->fault_timeout)) {
			vxf_window_hv_give_up(win, p->page);
			act = VXF_HV_FAIL;
		}
		if (act == VXF_HV_WAIT) {
			left = true;
			continue;
		}
		xa_erase(&hv->pending, seq);
		if (act == VXF_HV_FAIL)
			vxf_hv_fail(hv, p->page, seq);
		else
			vxf_hv_resolve(hv, seq);
		kfree(p);
		vxf_live_add(VXF_LIVE_HV_PENDING, -1);
	}
	return left;
}

static void vxf_hv_work(struct work_struct *work)
{
	struct vxf_hv *hv = container_of(to_delayed_work(work), struct vxf_hv,
					 work);
	bool left;

	mutex_lock(&hv->lock);
	if (hv->dead || !vxf_hv_consume(hv)) {
		mutex_unlock(&hv->lock);
		return;
	}
	left = vxf_hv_settle(hv);
	mutex_unlock(&hv->lock);

	/* MAP answers kick this too; the timer only catches time-outs. */
	if (left)
		mod_delayed_work(system_wq, &hv->work,
				 msecs_to_jiffies(VXF_HV_SWEEP_MS));
}

/**
 * vxf_hv_kick() - records arrived, or a MAP settled: look again
 * @dev: the device
 *
 * Context: any, including hard interrupt (the event channel's handler).
 */
void vxf_hv_kick(struct vxf_device *dev)
{
	struct vxf_hv *hv = dev->hv;

	if (hv)
		mod_delayed_work(system_wq, &hv->work, 0);
}
EXPORT_SYMBOL_NS_GPL(vxf_hv_kick, VIRTIO_XEN_FAULT);

/**
 * vxf_hv_attach() - start consuming fault reports for a device
 * @dev: the device
 * @ops: the hypervisor or its stand-in
 * @area: the report area, zeroed, in guest memory
 * @window_id: the id the window was registered under
 * @base_gfn: guest frame of window page 0
 *
 * Context: process context, before the first report can arrive.
 * Return: 0 or -ENOMEM.
 */
int vxf_hv_attach(struct vxf_device *dev, const struct vxf_hv_ops *ops,
		  struct xen_fault_report_area *area, u32 window_id,
		  u64 base_gfn)
{
	struct vxf_hv *hv;

	hv = kzalloc(sizeof(*hv), GFP_KERNEL);
	if (!hv)
		return -ENOMEM;
	hv->dev = dev;
	hv->ops = ops;
	hv->area = area;
	hv->window_id = window_id;
	hv->base_gfn = base_gfn;
	INIT_DELAYED_WORK(&hv->work, vxf_hv_work);
	mutex_init(&hv->lock);
	xa_init(&hv->pending);
	dev->win.hv_gfn = base_gfn;
	dev->hv = hv;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vxf_hv_attach, VIRTIO_XEN_FAULT);

/**
 * vxf_hv_detach() - stop consuming reports; resolve every pending one
 * @dev: the device, being released
 *
 * The vCPUs held on pending records retry. The hypervisor side's data goes
 * too.
 *
 * Context: process context; not from the hv work itself.
 */
void vxf_hv_detach(struct vxf_device *dev)
{
	struct vxf_hv *hv = dev->hv;

	if (!hv)
		return;
	mutex_lock(&hv->lock);
	WRITE_ONCE(hv->dead, true);
	vxf_hv_resolve_all(hv);
	mutex_unlock(&hv->lock);
	cancel_delayed_work_sync(&hv->work);
	xa_destroy(&hv->pending);
	if (hv->ops->release)
		hv->ops->release(dev);
	dev->hv = NULL;
	kfree(hv);
}
