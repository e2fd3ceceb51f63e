// SPDX-License-Identifier: GPL-2.0
/*
 * loop_hv.c - the loop device's stand-in for the hypervisor of vxf_fault.h
 *
 * No Xen implements hypervisor-reported faults yet, and CI runs no Xen at
 * all: this plays the hypervisor's part inside the guest, so that the
 * guest's side (hv.c) runs unchanged. It does what the proposal says Xen
 * does, and nothing more:
 *
 *  - Revoke: VXF_LOOP_IOC_HV_REVOKE takes pages away at once, without a
 *    message to the frontend (here by removing them from the window and
 *    every user mapping, as a p2m removal would make them unreachable);
 *  - report: an access to such a page writes a record to the report area
 *    and raises the event; the faulting context is held until the record
 *    is resolved, as Xen holds the vCPU at the instruction (here the task
 *    sleeps in its fault handler, so the CPU runs other work meanwhile);
 *  - VXF_LOOP_IOC_HV_INJECT writes raw records, for tests of records no
 *    sane hypervisor would write.
 */

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/interface/hvm/vxf_fault.h>

#include "loop.h"
#include "vxf.h"

#define VXF_LOOP_HV_WINDOW_ID	1
/* Made-up guest frames for the windows: far above any RAM of the VM. */
#define VXF_LOOP_HV_GFN_BASE	BIT_ULL(32)
#define VXF_LOOP_HV_MAX_INJECT	4096

/**
 * struct vxf_loop_hv_wait - a context held on a record
 * @seq: the record
 * @done: resolved
 * @link: in vxf_loop_hv.waiting
 */
struct vxf_loop_hv_wait {
	u64 seq;
	bool done;
	struct list_head link;
};

/**
 * struct vxf_loop_hv - the stand-in's state, for the device's whole life
 * @area: the report area (one page)
 * @lock: producer side of @area; @seq, @waiting
 * @seq: the last sequence number written
 * @waiting: struct vxf_loop_hv_wait of the held contexts
 * @wq: where they sleep
 */
struct vxf_loop_hv {
	struct xen_fault_report_area *area;
	spinlock_t lock;	/* @area's producer side, @seq, @waiting */
	u64 seq;
	struct list_head waiting;
	wait_queue_head_t wq;
};

static struct vxf_loop_hv_wait *vxf_loop_hv_find(struct vxf_loop_hv *st,
						 u64 seq)
{
	struct vxf_loop_hv_wait *w;

	lockdep_assert_held(&st->lock);
	list_for_each_entry(w, &st->waiting, link)
		if (w->seq == seq)
			return w;
	return NULL;
}

static void vxf_loop_hv_resolve(struct vxf_device *dev, u64 seq)
{
	struct vxf_loop_hv *st = dev->hv_priv;
	struct vxf_loop_hv_wait *w;

	spin_lock(&st->lock);
	w = vxf_loop_hv_find(st, seq);
	if (w)
		WRITE_ONCE(w->done, true);
	spin_unlock(&st->lock);
	/* Records nobody waits for (injected ones) are simply done. */
	if (w)
		wake_up_all(&st->wq);
}

/* Write one record if the ring has room; the caller holds st->lock. */
static bool vxf_loop_hv_put(struct vxf_loop_hv *st,
			    const struct xen_fault_record *rec)
{
	struct xen_fault_report_area *area = st->area;
	u32 prod = area->prod;

	if (prod - READ_ONCE(area->cons) >= XEN_FAULT_RING_SIZE) {
		area->overflow++;
		return false;
	}
	memcpy(&area->rec[prod % XEN_FAULT_RING_SIZE], rec, sizeof(*rec));
	/* The record before the index that publishes it. */
	smp_wmb();
	WRITE_ONCE(area->prod, prod + 1);
	return true;
}

static int vxf_loop_hv_report(struct vxf_device *dev, u64 page, u8 access,
			      bool user, u64 *seq)
{
	struct vxf_loop_hv *st = dev->hv_priv;
	unsigned long deadline = jiffies + dev->win.fault_timeout;
	struct xen_fault_record rec = {
		.gfn = dev->win.hv_gfn + page,
		.window = VXF_LOOP_HV_WINDOW_ID,
		.vcpu = raw_smp_processor_id(),
		.access = access,
		.flags = user ? XEN_FAULT_F_USER : 0,
	};
	struct vxf_loop_hv_wait *w;
	bool put;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;

	for (;;) {
		spin_lock(&st->lock);
		rec.seq = st->seq + 1;
		put = vxf_loop_hv_put(st, &rec);
		if (put) {
			st->seq = rec.seq;
			w->seq = rec.seq;
			list_add(&w->link, &st->waiting);
		}
		spin_unlock(&st->lock);
		if (put)
			break;
		/* A full ring: as Xen would, let the vCPU try again later. */
		if (time_after(jiffies, deadline) || fatal_signal_pending(current)) {
			kfree(w);
			return -EAGAIN;
		}
		vxf_hv_kick(dev);
		usleep_range(500, 1000);
	}

	*seq = rec.seq;
	vxf_hv_kick(dev);	/* the event channel notification */
	return 0;
}

static int vxf_loop_hv_report_wait(struct vxf_device *dev, u64 seq,
				   unsigned long timeout)
{
	struct vxf_loop_hv *st = dev->hv_priv;
	struct vxf_loop_hv_wait *w;
	long left = 1;

	spin_lock(&st->lock);
	w = vxf_loop_hv_find(st, seq);
	spin_unlock(&st->lock);
	if (!w)
		return 0;

	if (timeout)
		left = wait_event_killable_timeout(st->wq, READ_ONCE(w->done),
						   timeout);
	spin_lock(&st->lock);
	list_del(&w->link);
	spin_unlock(&st->lock);
	kfree(w);
	if (!left)
		return -ETIMEDOUT;
	return left < 0 ? -EINTR : 0;
}

static void vxf_loop_hv_release(struct vxf_device *dev)
{
	struct vxf_loop_hv *st = dev->hv_priv;

	WARN_ON_ONCE(!list_empty(&st->waiting));
	free_page((unsigned long)st->area);
	kfree(st);
	dev->hv_priv = NULL;
}

static const struct vxf_hv_ops vxf_loop_hv_ops = {
	.resolve = vxf_loop_hv_resolve,
	.report = vxf_loop_hv_report,
	.report_wait = vxf_loop_hv_report_wait,
	.release = vxf_loop_hv_release,
};

/**
 * vxf_loop_hv_setup() - give a new loop window a stand-in hypervisor
 * @dev: the device, not yet registered
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int vxf_loop_hv_setup(struct vxf_device *dev)
{
	struct vxf_loop_hv *st;
	int err = -ENOMEM;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->area = (void *)get_zeroed_page(GFP_KERNEL);
	if (!st->area)
		goto err_free;
	spin_lock_init(&st->lock);
	INIT_LIST_HEAD(&st->waiting);
	init_waitqueue_head(&st->wq);

	dev->hv_priv = st;
	err = vxf_hv_attach(dev, &vxf_loop_hv_ops, st->area,
			    VXF_LOOP_HV_WINDOW_ID,
			    VXF_LOOP_HV_GFN_BASE +
			    (u64)dev->index * XENVXF_MAX_WINDOW_PAGES);
	if (err)
		goto err_free_area;
	return 0;

err_free_area:
	dev->hv_priv = NULL;
	free_page((unsigned long)st->area);
err_free:
	kfree(st);
	return err;
}

/**
 * vxf_loop_hv_revoke() - VXF_LOOP_IOC_HV_REVOKE
 * @dev: the device
 * @uarg: struct vxf_loop_hv_revoke
 *
 * Context: process context (the backend's ioctl).
 * Return: 0 or -errno.
 */
long vxf_loop_hv_revoke(struct vxf_device *dev,
			struct vxf_loop_hv_revoke __user *uarg)
{
	struct vxf_loop_hv_revoke r;
	u64 nr = dev->win.nr_pages;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (!dev->hv)
		return -EOPNOTSUPP;
	if (!vxf_range_valid(r.first, r.count, nr))
		return -EINVAL;
	if (!READ_ONCE(dev->ring.connected))
		return -ENOTCONN;
	vxf_window_hv_revoke(&dev->win, r.first, r.count);
	return 0;
}

/**
 * vxf_loop_hv_inject() - VXF_LOOP_IOC_HV_INJECT
 * @dev: the device
 * @uarg: struct vxf_loop_hv_inject
 *
 * Context: process context (the backend's ioctl).
 * Return: 0 or -errno.
 */
long vxf_loop_hv_inject(struct vxf_device *dev,
			struct vxf_loop_hv_inject __user *uarg)
{
	struct vxf_loop_hv *st = dev->hv_priv;
	struct vxf_loop_hv_inject in;
	struct xen_fault_record *recs = NULL;
	u32 i, written = 0;
	long err = 0;

	if (copy_from_user(&in, uarg, sizeof(in)))
		return -EFAULT;
	if (!dev->hv)
		return -EOPNOTSUPP;
	if (in.flags & ~VXF_LOOP_HV_INJECT_F_CORRUPT_PROD || in.pad ||
	    (!in.nr && !in.flags) || in.nr > VXF_LOOP_HV_MAX_INJECT)
		return -EINVAL;

	if (in.nr) {
		/* nr is bounded: the product cannot overflow. */
		recs = memdup_user(u64_to_user_ptr(in.records),
				   (size_t)in.nr * sizeof(*recs));
		if (IS_ERR(recs))
			return PTR_ERR(recs);
	}

	spin_lock(&st->lock);
	for (i = 0; i < in.nr; i++) {
		if (!vxf_loop_hv_put(st, &recs[i]))
			continue;
		written++;
		/* Later genuine reports must stay newer than anything seen. */
		st->seq = max(st->seq, recs[i].seq);
	}
	if (in.flags & VXF_LOOP_HV_INJECT_F_CORRUPT_PROD)
		WRITE_ONCE(st->area->prod, READ_ONCE(st->area->cons) +
			   XEN_FAULT_RING_SIZE + 1);
	spin_unlock(&st->lock);
	kfree(recs);
	vxf_hv_kick(dev);

	if (put_user(written, &uarg->written))
		err = -EFAULT;
	return err;
}
