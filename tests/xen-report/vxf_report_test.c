// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_report_test.c - the domU half of the xen-hv-report check: fault
 * reports from the patched Xen (xen/patches/ 0005-0008, HVMOP_fault_report
 * in include/xen/interface/hvm/vxf_fault.h), without the driver
 *
 * Loaded in a PVH domU of the patched Xen (scripts/xen-hv.sh report), the
 * module runs every check from its init and prints one line per check,
 * "vxf_report_test: ok: ..." or "vxf_report_test: FAIL: ...", then
 * "vxf_report_test: done: N ok, M failed". It asks dom0 for pages through
 * XenStore (tools/vxf-backend/xen-lend serve): "lend GFN P" puts dom0's
 * pool page P at GFN, "peek P W" reads word W of it.
 *
 *  1. the hypercall's argument checks, before and after SETUP;
 *  2. SETUP refuses a bad port, a hole and a frame dom0 lent as the area;
 *  3. windows: overlap, duplicate id, empty, out of range, 64 at most;
 *  4. a kernel thread on vCPU @hold_cpu reads a hole of the window: one
 *     record (seq, gfn, window, vcpu, access, flags); the vCPU keeps taking
 *     its timer interrupts while held, and they add no record; dom0 lends
 *     the frame, which releases the thread with dom0's data;
 *  5. a user process (busybox devmem) writes a hole: a WRITE record with
 *     F_USER; dom0 lends the frame and sees the write;
 *  6. from the event handler alone (as on a single vCPU): RESOLVE makes
 *     the retry report again with a new seq, REMOVE_WINDOW releases the
 *     thread, whose read then gets the emulated all ones;
 *  7. overflow: with nothing consumed the ring fills, the overflow count
 *     goes up once for the held access however many interrupts it takes,
 *     and once records are consumed the access is reported;
 *  8. TEARDOWN releases the held thread; SETUP works again afterwards.
 *
 * Checks 4, 5 and 7 need a second vCPU (the checking thread runs while
 * another is held); with one vCPU they are skipped and said so.
 *
 * With hold_only=1 the module sets up, has a thread held on a hole, and
 * stays loaded with the thread held, so that dom0 can destroy the domain
 * in that state; its event handler says "VXF-REPORT-HELD" on the console
 * once the thread is held. On one vCPU, that thread then keeps the CPU for
 * good (Debian's kernel does not preempt kernel threads): the domain is
 * stuck but for interrupts, and insmod never returns.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/umh.h>
#include <linux/wait.h>

#include <asm/xen/hypercall.h>
#include <xen/events.h>
#include <xen/features.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/xenbus.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/vcpu.h>

#include <xen/interface/hvm/vxf_fault.h>

static unsigned long hole_gfn = 0x1000000;
module_param(hole_gfn, ulong, 0444);
MODULE_PARM_DESC(hole_gfn, "first guest frame of the windows (a hole)");
static int hold_cpu = -1;
module_param(hold_cpu, int, 0444);
MODULE_PARM_DESC(hold_cpu, "CPU of the faulting threads (default: the last)");
static unsigned int wait_secs = 120;
module_param(wait_secs, uint, 0444);
MODULE_PARM_DESC(wait_secs, "bound on every wait");
static bool hold_only;
module_param(hold_only, bool, 0444);
MODULE_PARM_DESC(hold_only, "only leave a thread held, for a destroy test");

#define WIN_ID		7	/* pages 0..WIN_PAGES-1 of hole_gfn */
#define WIN_PAGES	8
#define WIN2_ID		9	/* one page, at WIN2_PAGE */
#define WIN2_PAGE	16
#define LENT_PAGE	32	/* outside the windows: a lent area candidate */
#define MAP_PAGES	33
#define LOG_SIZE	512
#define AUTO_RESOLVES	3
#define TICK_NS		(5 * NSEC_PER_MSEC)
#define HELD_TICKS	40	/* timer interrupts a held vCPU must take */
#define DATA_MAGIC	0x56584644u	/* tools/vxf-backend/xen-lend.c */
#define USER_VALUE	0x55534552u
#define ONES		0xffffffffu

/**
 * struct vxf_rt - the test's state
 * @area: the report area
 * @port: its event channel
 * @irq: the irq bound to @port, or 0
 * @win: ioremap() of MAP_PAGES frames from hole_gfn
 * @lock: protects @seen, @log, @nlog, @consume, @auto_gfn, @auto_left,
 *	@auto_removed, @auto_err, @corrupt (taken in the event handler)
 * @seen: records copied out of the area
 * @log: the records, in order
 * @nlog: entries of @log
 * @consume: the handler advances area->cons
 * @auto_gfn: records of this gfn are resolved by the handler itself
 * @auto_left: resolves before the handler removes window WIN2_ID instead;
 *	negative: resolve for ever
 * @auto_removed: the handler removed window WIN2_ID
 * @auto_err: the first error of the handler's hypercalls
 * @corrupt: the area's producer index made no sense
 * @wq: woken by the handler and the timer
 * @ticks: timer interrupts on hold_cpu
 * @timer: the timer, pinned to hold_cpu
 * @req: requests sent to dom0
 * @nok: checks passed
 * @nfail: checks failed
 */
struct vxf_rt {
	struct xen_fault_report_area *area;
	evtchn_port_t port;
	int irq;
	void __iomem *win;
	spinlock_t lock;	/* the handler's state, see above */
	u32 seen;
	struct xen_fault_record log[LOG_SIZE];
	unsigned int nlog;
	bool consume;
	u64 auto_gfn;
	int auto_left;
	bool auto_removed;
	int auto_err;
	bool corrupt;
	wait_queue_head_t wq;
	atomic_t ticks;
	struct hrtimer timer;
	unsigned int req;
	unsigned int nok;
	unsigned int nfail;
};

static struct vxf_rt *rt;
/* A thread could not be released: keep the module (and its code) loaded. */
static bool stuck;

/* One check: print it, count it, return @cond. */
static __printf(3, 4) bool check(struct vxf_rt *rt, bool cond,
				 const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	pr_info("%s: %pV\n", cond ? "ok" : "FAIL", &vaf);
	va_end(ap);
	if (cond)
		rt->nok++;
	else
		rt->nfail++;
	return cond;
}

static int vxf_rt_op(u32 op, u64 a, u64 b, u32 c, u32 flags, u32 pad)
{
	struct xen_hvm_fault_report arg = { .op = op, .pad = pad };

	switch (op) {
	case XEN_FAULT_OP_SETUP:
		arg.u.setup.area_gfn = a;
		arg.u.setup.port = c;
		arg.u.setup.flags = flags;
		break;
	case XEN_FAULT_OP_ADD_WINDOW:
	case XEN_FAULT_OP_REMOVE_WINDOW:
		arg.u.window.first_gfn = a;
		arg.u.window.nr_gfns = b;
		arg.u.window.id = c;
		arg.u.window.flags = flags;
		break;
	case XEN_FAULT_OP_RESOLVE:
		arg.u.resolve.seq = a;
		break;
	default:
		break;
	}
	return HYPERVISOR_hvm_op(HVMOP_fault_report, &arg);
}

static int vxf_rt_add(u64 first, u64 nr, u32 id)
{
	return vxf_rt_op(XEN_FAULT_OP_ADD_WINDOW, first, nr, id, 0, 0);
}

static int vxf_rt_remove(u32 id)
{
	return vxf_rt_op(XEN_FAULT_OP_REMOVE_WINDOW, 0, 0, id, 0, 0);
}

static int vxf_rt_resolve(u64 seq)
{
	return vxf_rt_op(XEN_FAULT_OP_RESOLVE, seq, 0, 0, 0, 0);
}

static int vxf_rt_setup(u64 gfn, evtchn_port_t port)
{
	return vxf_rt_op(XEN_FAULT_OP_SETUP, gfn, 0, port, 0, 0);
}

static int vxf_rt_teardown(void)
{
	return vxf_rt_op(XEN_FAULT_OP_TEARDOWN, 0, 0, 0, 0, 0);
}

static irqreturn_t vxf_rt_event(int irq, void *data)
{
	struct vxf_rt *rt = data;
	struct xen_fault_report_area *area = rt->area;
	u32 prod;
	int err;

	spin_lock(&rt->lock);
	prod = READ_ONCE(area->prod);
	/* The records up to prod are read after the index. */
	virt_rmb();
	if (prod - rt->seen > XEN_FAULT_RING_SIZE) {
		rt->corrupt = true;
		goto out;
	}
	while (rt->seen != prod) {
		const struct xen_fault_record *src;
		struct xen_fault_record rec;

		src = &area->rec[rt->seen % XEN_FAULT_RING_SIZE];
		rec.seq = READ_ONCE(src->seq);
		rec.gfn = READ_ONCE(src->gfn);
		rec.window = READ_ONCE(src->window);
		rec.vcpu = READ_ONCE(src->vcpu);
		rec.access = READ_ONCE(src->access);
		rec.flags = READ_ONCE(src->flags);
		memcpy(rec.pad, src->pad, sizeof(rec.pad));
		rt->seen++;
		if (rt->nlog < LOG_SIZE)
			rt->log[rt->nlog++] = rec;
		/*
		 * hold_only: tell dom0 from here, at a level the console
		 * prints at once: on one vCPU nothing else runs any more, and
		 * on two a task printing through the tty layer may wait for
		 * the held CPU for ever.
		 */
		if (hold_only && rt->seen == 1)
			pr_notice("VXF-REPORT-HELD vcpu %u, record seq %llu\n",
				  rec.vcpu, rec.seq);
		if (!rt->auto_gfn || rec.gfn != rt->auto_gfn || rt->auto_removed)
			continue;
		if (rt->auto_left) {
			if (rt->auto_left > 0)
				rt->auto_left--;
			err = vxf_rt_resolve(rec.seq);
		} else {
			err = vxf_rt_remove(WIN2_ID);
			rt->auto_removed = true;
		}
		if (err && !rt->auto_err)
			rt->auto_err = err;
	}
	if (rt->consume) {
		/* The slots are free once the copies are taken. */
		virt_mb();
		WRITE_ONCE(area->cons, rt->seen);
	}
out:
	spin_unlock(&rt->lock);
	wake_up_all(&rt->wq);
	return IRQ_HANDLED;
}

static enum hrtimer_restart vxf_rt_tick(struct hrtimer *t)
{
	struct vxf_rt *rt = container_of(t, struct vxf_rt, timer);

	atomic_inc(&rt->ticks);
	wake_up_all(&rt->wq);
	hrtimer_forward_now(t, ns_to_ktime(TICK_NS));
	return HRTIMER_RESTART;
}

static void vxf_rt_start_timer(void *data)
{
	struct vxf_rt *rt = data;

	hrtimer_start(&rt->timer, ns_to_ktime(TICK_NS), HRTIMER_MODE_REL_PINNED);
}

static unsigned int vxf_rt_nlog(struct vxf_rt *rt)
{
	unsigned int n;

	spin_lock_irq(&rt->lock);
	n = rt->nlog;
	spin_unlock_irq(&rt->lock);
	return n;
}

static struct xen_fault_record vxf_rt_rec(struct vxf_rt *rt, unsigned int i)
{
	struct xen_fault_record r;

	spin_lock_irq(&rt->lock);
	r = rt->log[i];
	spin_unlock_irq(&rt->lock);
	return r;
}

#define vxf_rt_wait(rt, cond) \
	(wait_event_timeout((rt)->wq, (cond), (long)wait_secs * HZ) > 0)

/* Time hold_cpu's vCPU spent in @state (RUNSTATE_*), in ns. */
static u64 vxf_rt_runstate(int state)
{
	struct vcpu_runstate_info info;

	if (HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, xen_vcpu_nr(hold_cpu),
			       &info))
		return 0;
	return info.time[state];
}

/*
 * Wait until hold_cpu took HELD_TICKS timer interrupts, and check that its
 * vCPU, held meanwhile, spent some of that time blocked in Xen, not
 * spinning.
 */
static void vxf_rt_ticks(struct vxf_rt *rt)
{
	u64 blocked = vxf_rt_runstate(RUNSTATE_blocked);
	u64 running = vxf_rt_runstate(RUNSTATE_running);
	int ticks = atomic_read(&rt->ticks);
	bool ok;

	ok = vxf_rt_wait(rt, atomic_read(&rt->ticks) >= ticks + HELD_TICKS);
	check(rt, ok, "the held vCPU took %d timer interrupts",
	      atomic_read(&rt->ticks) - ticks);
	blocked = vxf_rt_runstate(RUNSTATE_blocked) - blocked;
	running = vxf_rt_runstate(RUNSTATE_running) - running;
	check(rt, blocked > 0,
	      "meanwhile it was blocked %llu us and running %llu us",
	      blocked / NSEC_PER_USEC, running / NSEC_PER_USEC);
}

/* -- asking dom0 ---------------------------------------------------------- */

/* Send "N CMD" to dom0's xen-lend serve; 0 or its -errno, *val its value. */
static int vxf_rt_dom0(struct vxf_rt *rt, u32 *val, const char *fmt, ...)
{
	unsigned long end = jiffies + (long)wait_secs * HZ;
	char cmd[64];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rt->req++;
	err = xenbus_printf(XBT_NIL, "data/vxf-report", "req", "%u %s",
			    rt->req, cmd);
	if (err)
		return err;
	while (time_before(jiffies, end)) {
		unsigned int n, v;
		int rc;

		if (xenbus_scanf(XBT_NIL, "data/vxf-report", "ack", "%u %d %u",
				 &n, &rc, &v) == 3 && n == rt->req) {
			if (val)
				*val = v;
			return rc;
		}
		msleep(20);
	}
	return -ETIMEDOUT;
}

/* -- faulting threads ------------------------------------------------------- */

/**
 * struct vxf_rt_toucher - a kernel thread making one access
 * @addr: where
 * @value: read: the value read
 * @done: the access completed
 */
struct vxf_rt_toucher {
	void __iomem *addr;
	u32 value;
	struct completion done;
};

static int vxf_rt_touch(void *data)
{
	struct vxf_rt_toucher *t = data;

	t->value = readl(t->addr);
	complete(&t->done);
	return 0;
}

static struct vxf_rt_toucher *vxf_rt_start(struct vxf_rt *rt, unsigned int page)
{
	struct vxf_rt_toucher *t;
	struct task_struct *task;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->addr = rt->win + page * PAGE_SIZE;
	init_completion(&t->done);
	task = kthread_create(vxf_rt_touch, t, "vxf-rt-touch");
	if (IS_ERR(task)) {
		kfree(t);
		return NULL;
	}
	kthread_bind(task, hold_cpu);
	wake_up_process(task);
	return t;
}

/* Wait for @t to finish; false if it did not (it is then left behind). */
static bool vxf_rt_finish(struct vxf_rt_toucher *t)
{
	if (!wait_for_completion_timeout(&t->done, (long)wait_secs * HZ)) {
		stuck = true;
		return false;
	}
	return true;
}

/**
 * struct vxf_rt_user - a user process (busybox devmem) writing a hole
 * @addr: physical address, as its argument
 * @val: the value, as its argument
 * @argv: its arguments
 * @rc: call_usermodehelper()'s result
 * @done: it ended
 */
struct vxf_rt_user {
	char addr[24];
	char val[16];
	char *argv[5];
	int rc;
	struct completion done;
};

static char *vxf_rt_envp[] = { "PATH=/bin:/sbin", NULL };

static int vxf_rt_user_fn(void *data)
{
	struct vxf_rt_user *u = data;

	u->rc = call_usermodehelper(u->argv[0], u->argv, vxf_rt_envp,
				    UMH_WAIT_PROC);
	complete(&u->done);
	return 0;
}

/* -- the checks ------------------------------------------------------------- */

static void vxf_rt_check_rec(struct vxf_rt *rt, const struct xen_fault_record *r,
			     const char *what, u64 seq, unsigned int page,
			     u32 window, int vcpu, u8 access, u8 flags)
{
	check(rt, r->seq == seq && r->gfn == hole_gfn + page &&
	      r->window == window && (vcpu < 0 ? r->vcpu < nr_cpu_ids :
				      r->vcpu == vcpu) &&
	      r->access == access && r->flags == flags &&
	      !memchr_inv(r->pad, 0, sizeof(r->pad)),
	      "%s: record seq %llu gfn %#llx window %u vcpu %u access %#x flags %#x (want seq %llu gfn %#llx window %u vcpu %d access %#x flags %#x)",
	      what, r->seq, r->gfn, r->window, r->vcpu, r->access, r->flags,
	      seq, (u64)hole_gfn + page, window, vcpu, access, flags);
}

static u32 pattern(unsigned int page, unsigned int word)
{
	return DATA_MAGIC ^ (page << 16) ^ word;
}

static void vxf_rt_args(struct vxf_rt *rt)
{
	int err;

	err = vxf_rt_add(hole_gfn, 1, WIN_ID);
	check(rt, err == -ENOENT, "ADD_WINDOW before SETUP: %d", err);
	err = vxf_rt_resolve(1);
	check(rt, err == -ENOENT, "RESOLVE before SETUP: %d", err);
	err = vxf_rt_teardown();
	check(rt, err == -ENOENT, "TEARDOWN before SETUP: %d", err);
	err = vxf_rt_op(99, 0, 0, 0, 0, 0);
	check(rt, err == -EINVAL, "an unknown sub-operation: %d", err);
	err = vxf_rt_op(XEN_FAULT_OP_RESOLVE, 1, 0, 0, 0, 1);
	check(rt, err == -EINVAL, "a non-zero pad: %d", err);
}

static int vxf_rt_alloc_port(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	int err;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);
	if (!err)
		*port = a.port;
	return err;
}

static void vxf_rt_close_port(evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

static int vxf_rt_setup_checks(struct vxf_rt *rt)
{
	u64 area_gfn = virt_to_gfn(rt->area);
	evtchn_port_t other;
	u32 v;
	int err;

	err = vxf_rt_alloc_port(DOMID_XEN, &rt->port);
	if (!check(rt, !err, "a port unbound for DOMID_XEN: %d (port %u)", err, rt->port))
		return err;
	err = vxf_rt_alloc_port(0, &other);
	if (!check(rt, !err, "a port unbound for dom0: %d", err))
		return err;
	err = vxf_rt_setup(area_gfn, other);
	check(rt, err == -EINVAL, "SETUP with a port unbound for dom0: %d", err);
	vxf_rt_close_port(other);
	err = vxf_rt_setup(area_gfn, 0xfffff);
	check(rt, err == -EINVAL, "SETUP with a port out of range: %d", err);
	err = vxf_rt_op(XEN_FAULT_OP_SETUP, area_gfn, 0, rt->port, 1, 0);
	check(rt, err == -EINVAL, "SETUP with flags: %d", err);
	err = vxf_rt_setup(hole_gfn, rt->port);
	check(rt, err == -EINVAL, "SETUP on a hole: %d", err);
	err = vxf_rt_dom0(rt, NULL, "lend %lx 5", hole_gfn + LENT_PAGE);
	if (check(rt, !err, "dom0 lends its page 5 at gfn %#lx: %d",
		  hole_gfn + LENT_PAGE, err)) {
		v = readl(rt->win + LENT_PAGE * PAGE_SIZE + 8);
		check(rt, v == pattern(5, 2), "the lent page reads dom0's data: %#x", v);
		err = vxf_rt_setup(hole_gfn + LENT_PAGE, rt->port);
		check(rt, err == -EINVAL, "SETUP on a frame lent by dom0: %d", err);
	}

	memset(rt->area, 0xa5, PAGE_SIZE);
	err = vxf_rt_setup(area_gfn, rt->port);
	if (!check(rt, !err, "SETUP (area gfn %#llx, port %u): %d", area_gfn,
		   rt->port, err))
		return err;
	check(rt, !rt->area->prod && !rt->area->cons && !rt->area->overflow &&
	      !memchr_inv(rt->area->pad, 0, sizeof(rt->area->pad)),
	      "SETUP zeroed the area's header");
	err = vxf_rt_setup(area_gfn, rt->port);
	check(rt, err == -EBUSY, "SETUP again: %d", err);
	return 0;
}

static void vxf_rt_windows(struct vxf_rt *rt)
{
	unsigned int i, added = 0;
	int err;

	err = vxf_rt_add(hole_gfn, WIN_PAGES, WIN_ID);
	check(rt, !err, "ADD_WINDOW %u: gfns %#lx+%u: %d", WIN_ID, hole_gfn,
	      WIN_PAGES, err);
	err = vxf_rt_add(hole_gfn + WIN_PAGES - 1, 2, 8);
	check(rt, err == -EBUSY, "an overlapping window: %d", err);
	err = vxf_rt_add(hole_gfn + 100, 1, WIN_ID);
	check(rt, err == -EBUSY, "a window reusing an id: %d", err);
	err = vxf_rt_add(hole_gfn + 100, 0, 8);
	check(rt, err == -EINVAL, "an empty window: %d", err);
	err = vxf_rt_add(1ULL << 52, 1, 8);
	check(rt, err == -EINVAL, "a window past the physical address width: %d", err);
	err = vxf_rt_add(~0ULL - 1, 4, 8);
	check(rt, err == -EINVAL, "a window wrapping around: %d", err);
	err = vxf_rt_op(XEN_FAULT_OP_ADD_WINDOW, hole_gfn + 100, 1, 8, 1, 0);
	check(rt, err == -EINVAL, "a window with flags: %d", err);
	err = vxf_rt_remove(12345);
	check(rt, err == -ENOENT, "REMOVE_WINDOW of an unknown id: %d", err);
	err = vxf_rt_op(XEN_FAULT_OP_REMOVE_WINDOW, hole_gfn, 1, WIN_ID, 0, 0);
	check(rt, err == -EINVAL, "REMOVE_WINDOW with a range: %d", err);
	err = vxf_rt_add(hole_gfn + WIN2_PAGE, 1, WIN2_ID);
	check(rt, !err, "ADD_WINDOW %u: gfn %#lx: %d", WIN2_ID,
	      hole_gfn + WIN2_PAGE, err);

	/* 2 windows now: 62 more fit, the next does not. */
	for (i = 0; i < XEN_FAULT_MAX_WINDOWS; i++) {
		err = vxf_rt_add(hole_gfn + 1000 + i, 1, 100 + i);
		if (err)
			break;
		added++;
	}
	check(rt, added == XEN_FAULT_MAX_WINDOWS - 2 && err == -ENOSPC,
	      "%u windows at most: %u more added, then %d", XEN_FAULT_MAX_WINDOWS,
	      added, err);
	for (i = 0; i < added; i++) {
		err = vxf_rt_remove(100 + i);
		if (err)
			break;
	}
	check(rt, !err, "removing them: %d", err);
}

/* 4: a held kernel read, its timer interrupts, released by a lend */
static void vxf_rt_held_read(struct vxf_rt *rt)
{
	struct xen_fault_record r;
	struct vxf_rt_toucher *t;
	u32 prod;
	int err;

	t = vxf_rt_start(rt, 0);
	if (!check(rt, t, "a thread reading page 0 on CPU %d", hold_cpu))
		return;
	if (!check(rt, vxf_rt_wait(rt, vxf_rt_nlog(rt) >= 1),
		   "a record arrives for the read"))
		goto out;
	r = vxf_rt_rec(rt, 0);
	vxf_rt_check_rec(rt, &r, "kernel read", 1, 0, WIN_ID,
			 xen_vcpu_nr(hold_cpu), XEN_FAULT_ACCESS_READ, 0);
	check(rt, !completion_done(&t->done), "the thread is held");

	vxf_rt_ticks(rt);
	prod = READ_ONCE(rt->area->prod);
	check(rt, prod == 1 && !completion_done(&t->done),
	      "still held, and still one record (prod %u)", prod);

	err = vxf_rt_dom0(rt, NULL, "lend %lx 0", hole_gfn);
	check(rt, !err, "dom0 lends its page 0 at the hole: %d", err);
	if (check(rt, vxf_rt_finish(t), "the lend released the thread"))
		check(rt, t->value == pattern(0, 0),
		      "the held read completed with dom0's data: %#x", t->value);
	prod = READ_ONCE(rt->area->prod);
	check(rt, prod == 1, "no other record (prod %u)", prod);
	err = vxf_rt_resolve(1);
	check(rt, !err, "RESOLVE of a record nobody waits on: %d", err);
	err = vxf_rt_resolve(1ULL << 60);
	check(rt, !err, "RESOLVE of a sequence number never used: %d", err);
out:
	if (!stuck)
		kfree(t);
}

/* 5: a held user write, released by a lend */
static void vxf_rt_user_write(struct vxf_rt *rt)
{
	struct vxf_rt_user *u;
	struct task_struct *task;
	struct xen_fault_record r;
	unsigned int n = vxf_rt_nlog(rt);
	u32 v;
	int err;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return;
	snprintf(u->addr, sizeof(u->addr), "0x%llx",
		 (u64)(hole_gfn + 1) * PAGE_SIZE + 8);
	snprintf(u->val, sizeof(u->val), "0x%x", USER_VALUE);
	u->argv[0] = "/bin/devmem";
	u->argv[1] = u->addr;
	u->argv[2] = "32";
	u->argv[3] = u->val;
	init_completion(&u->done);
	task = kthread_run(vxf_rt_user_fn, u, "vxf-rt-user");
	if (!check(rt, !IS_ERR(task), "run devmem to write page 1")) {
		kfree(u);
		return;
	}
	if (check(rt, vxf_rt_wait(rt, vxf_rt_nlog(rt) > n),
		  "a record arrives for the user write")) {
		r = vxf_rt_rec(rt, n);
		vxf_rt_check_rec(rt, &r, "user write", n + 1, 1, WIN_ID, -1,
				 XEN_FAULT_ACCESS_WRITE, XEN_FAULT_F_USER);
	}
	check(rt, !completion_done(&u->done), "devmem is held");
	err = vxf_rt_dom0(rt, NULL, "lend %lx 1", hole_gfn + 1);
	check(rt, !err, "dom0 lends its page 1 there: %d", err);
	if (!wait_for_completion_timeout(&u->done, (long)wait_secs * HZ)) {
		check(rt, false, "devmem never ended");
		stuck = true;
		return;
	}
	check(rt, !u->rc, "devmem ended: %d", u->rc);
	err = vxf_rt_dom0(rt, &v, "peek 1 2");
	check(rt, !err && v == USER_VALUE, "dom0's page got the write: %d, %#x",
	      err, v);
	kfree(u);
}

/* 6: served from the event handler: RESOLVE, then REMOVE_WINDOW */
static void vxf_rt_from_handler(struct vxf_rt *rt)
{
	unsigned int n = vxf_rt_nlog(rt), i;
	struct vxf_rt_toucher *t;
	struct xen_fault_record r;
	u64 seq0 = 0;
	bool ok = true;
	int err;

	spin_lock_irq(&rt->lock);
	rt->auto_gfn = hole_gfn + WIN2_PAGE;
	rt->auto_left = AUTO_RESOLVES;
	rt->auto_removed = false;
	spin_unlock_irq(&rt->lock);

	t = vxf_rt_start(rt, WIN2_PAGE);
	if (!check(rt, t, "a thread reading window %u on CPU %d", WIN2_ID, hold_cpu))
		return;
	if (check(rt, vxf_rt_finish(t),
		  "the handler's RESOLVEs and REMOVE_WINDOW released the thread"))
		check(rt, t->value == ONES,
		      "after REMOVE_WINDOW the read got the emulated all ones: %#x",
		      t->value);
	check(rt, !rt->auto_err, "the handler's hypercalls: %d", rt->auto_err);
	check(rt, vxf_rt_nlog(rt) == n + AUTO_RESOLVES + 1,
	      "%u records: one, then one more per RESOLVE (%d)",
	      vxf_rt_nlog(rt) - n, AUTO_RESOLVES);
	for (i = n; i < vxf_rt_nlog(rt); i++) {
		r = vxf_rt_rec(rt, i);
		if (i == n)
			seq0 = r.seq;
		if (r.seq != seq0 + i - n || r.gfn != hole_gfn + WIN2_PAGE ||
		    r.window != WIN2_ID || r.vcpu != xen_vcpu_nr(hold_cpu))
			ok = false;
	}
	check(rt, ok, "their sequence numbers follow each other, all for the held read");
	err = vxf_rt_remove(WIN2_ID);
	check(rt, err == -ENOENT, "the window is gone: %d", err);
	spin_lock_irq(&rt->lock);
	rt->auto_gfn = 0;
	spin_unlock_irq(&rt->lock);
	if (!stuck)
		kfree(t);
}

/* 7 and 8: overflow and recovery, then TEARDOWN with a thread held */
static void vxf_rt_overflow(struct vxf_rt *rt)
{
	struct xen_fault_report_area *area = rt->area;
	struct vxf_rt_toucher *t;
	struct xen_fault_record r;
	u32 prod, cons, ov;
	unsigned int n;
	int err;

	spin_lock_irq(&rt->lock);
	rt->consume = false;
	rt->auto_gfn = hole_gfn + 2;
	rt->auto_left = -1;
	rt->auto_removed = false;
	spin_unlock_irq(&rt->lock);

	t = vxf_rt_start(rt, 2);
	if (!check(rt, t, "a thread reading page 2 on CPU %d", hold_cpu))
		return;
	check(rt, vxf_rt_wait(rt, READ_ONCE(area->overflow) > 0),
	      "with the records resolved but not consumed, the ring fills up");
	prod = READ_ONCE(area->prod);
	cons = READ_ONCE(area->cons);
	check(rt, prod - cons == XEN_FAULT_RING_SIZE && area->overflow == 1 &&
	      !completion_done(&t->done),
	      "a full ring (prod %u cons %u), overflow %u, the thread held",
	      prod, cons, area->overflow);
	vxf_rt_ticks(rt);
	ov = READ_ONCE(area->overflow);
	check(rt, ov == 1 && READ_ONCE(area->prod) == prod,
	      "overflow still %u, no record: counted once for the held access", ov);

	spin_lock_irq(&rt->lock);
	rt->auto_gfn = 0;
	rt->consume = true;
	n = rt->nlog;
	WRITE_ONCE(area->cons, rt->seen);
	spin_unlock_irq(&rt->lock);
	if (check(rt, vxf_rt_wait(rt, vxf_rt_nlog(rt) > n),
		  "once consumed, the held access is reported")) {
		r = vxf_rt_rec(rt, n);
		vxf_rt_check_rec(rt, &r, "after the overflow", prod + 1, 2, WIN_ID,
				 xen_vcpu_nr(hold_cpu), XEN_FAULT_ACCESS_READ, 0);
	}
	check(rt, READ_ONCE(area->overflow) == 1 && !completion_done(&t->done),
	      "overflow %u, the thread still held", READ_ONCE(area->overflow));

	err = vxf_rt_teardown();
	check(rt, !err, "TEARDOWN with the thread held: %d", err);
	if (check(rt, vxf_rt_finish(t), "TEARDOWN released the thread"))
		check(rt, t->value == ONES,
		      "its read got the emulated all ones: %#x", t->value);
	if (!stuck)
		kfree(t);
}

/* Bind the report port to vxf_rt_event(); false (and a failed check) if not. */
static bool vxf_rt_bind(struct vxf_rt *rt)
{
	int irq = bind_evtchn_to_irqhandler(rt->port, vxf_rt_event, 0,
					    "vxf-report-test", rt);

	if (!check(rt, irq > 0, "bind port %u: irq %d", rt->port, irq))
		return false;
	rt->irq = irq;
	return true;
}

/* hold_only: a thread held on a hole, left so for dom0's xl destroy */
static void vxf_rt_hold_only(struct vxf_rt *rt)
{
	u64 area_gfn = virt_to_gfn(rt->area);
	struct vxf_rt_toucher *t;
	int err;

	err = vxf_rt_alloc_port(DOMID_XEN, &rt->port);
	if (!check(rt, !err, "a port unbound for DOMID_XEN: %d", err))
		return;
	err = vxf_rt_setup(area_gfn, rt->port);
	if (!check(rt, !err, "SETUP: %d", err))
		return;
	if (!vxf_rt_bind(rt))
		return;
	err = vxf_rt_add(hole_gfn, WIN_PAGES, WIN_ID);
	if (!check(rt, !err, "ADD_WINDOW: %d", err))
		return;
	t = vxf_rt_start(rt, 0);
	if (!check(rt, t, "a thread reading page 0 on CPU %d", hold_cpu))
		return;
	/* On one vCPU, this never returns: the held thread keeps the CPU. */
	if (check(rt, vxf_rt_wait(rt, vxf_rt_nlog(rt) >= 1),
		  "a record arrives for the read"))
		check(rt, !completion_done(&t->done), "the thread is held");
	/* Everything stays: the thread, the area, the port, this module. */
	stuck = true;
}

static void vxf_rt_run(struct vxf_rt *rt)
{
	u64 area_gfn = virt_to_gfn(rt->area);
	bool two = num_online_cpus() > 1;
	int err;

	if (!check(rt, xen_feature(XENFEAT_fault_report),
		   "Xen advertises XENFEAT_fault_report (%d)", XENFEAT_fault_report))
		return;
	vxf_rt_args(rt);
	if (vxf_rt_setup_checks(rt))
		return;
	if (!vxf_rt_bind(rt))
		return;
	vxf_rt_windows(rt);
	smp_call_function_single(hold_cpu, vxf_rt_start_timer, rt, 1);

	if (two) {
		vxf_rt_held_read(rt);
		if (!stuck)
			vxf_rt_user_write(rt);
	} else {
		pr_info("skip: held read, user write and overflow need 2 vCPUs\n");
	}
	if (!stuck)
		vxf_rt_from_handler(rt);
	if (!stuck && two)
		vxf_rt_overflow(rt);
	else
		vxf_rt_teardown();

	err = vxf_rt_resolve(1);
	check(rt, err == -ENOENT, "RESOLVE after TEARDOWN: %d", err);
	err = vxf_rt_setup(area_gfn, rt->port);
	check(rt, !err, "SETUP again after TEARDOWN: %d", err);
	err = vxf_rt_teardown();
	check(rt, !err, "and TEARDOWN: %d", err);
}

static int __init vxf_rt_init(void)
{
	int err;

	if (!xen_hvm_domain())
		return -ENODEV;
	if (hold_cpu < 0)
		hold_cpu = cpumask_last(cpu_online_mask);
	if (!cpu_online(hold_cpu))
		return -EINVAL;

	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	spin_lock_init(&rt->lock);
	init_waitqueue_head(&rt->wq);
	rt->consume = true;
	hrtimer_init(&rt->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	rt->timer.function = vxf_rt_tick;
	err = -ENOMEM;
	rt->area = (void *)get_zeroed_page(GFP_KERNEL);
	if (!rt->area)
		goto err_free;
	rt->win = ioremap((phys_addr_t)hole_gfn << PAGE_SHIFT,
			  MAP_PAGES * PAGE_SIZE);
	if (!rt->win)
		goto err_area;

	pr_info("hole gfn %#lx, faulting threads on CPU %d of %u\n", hole_gfn,
		hold_cpu, num_online_cpus());
	if (hold_only) {
		vxf_rt_hold_only(rt);
		pr_info("done: %u ok, %u failed; held for destroy\n", rt->nok,
			rt->nfail);
		__module_get(THIS_MODULE);
		return 0;
	}
	vxf_rt_run(rt);

	hrtimer_cancel(&rt->timer);
	/* Xen holds the area and raises the port until TEARDOWN. */
	err = vxf_rt_teardown();
	if (rt->irq)
		unbind_from_irqhandler(rt->irq, rt);	/* closes the port */
	else if (rt->port)
		vxf_rt_close_port(rt->port);
	check(rt, !rt->corrupt, "the producer index always made sense");
	vxf_rt_dom0(rt, NULL, "done");
	pr_info("done: %u ok, %u failed\n", rt->nok, rt->nfail);
	if (stuck) {
		pr_info("FAIL: a thread was never released: the module stays\n");
		__module_get(THIS_MODULE);
		return 0;
	}
	iounmap(rt->win);
	if (err != -ENOENT)	/* still set up: never give Xen's page back */
		rt->area = NULL;
	free_page((unsigned long)rt->area);
	kfree(rt);
	rt = NULL;
	return 0;

err_area:
	free_page((unsigned long)rt->area);
err_free:
	kfree(rt);
	return err;
}

static void __exit vxf_rt_exit(void)
{
}

module_init(vxf_rt_init);
module_exit(vxf_rt_exit);
MODULE_DESCRIPTION("Domain-side test of HVMOP_fault_report on the patched Xen");
MODULE_LICENSE("GPL");
