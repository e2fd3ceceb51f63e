// SPDX-License-Identifier: GPL-2.0
/*
 * xen.c - the Xen transport: xenbus frontend and grant-mode data path
 *
 * One xenbus device of type "vxf" is one window. The frontend reads the
 * backend's parameters when the backend reaches InitWait, grants its two ring
 * pages, binds one event channel and goes to Initialised; the rings are live
 * from then on. When the backend closes, every page it lent is dropped (the
 * faults in flight get SIGBUS) and the frontend waits for a new backend in
 * Initialising; the window and its users' mappings stay. A backend that
 * breaks the protocol is reported (xenbus_dev_fatal()) and disconnected in
 * the same way: it gets a fresh connection if it comes back.
 *
 * Grant mode: a MAP answer carries grant references of the backend's domain.
 * Each is mapped into a page of the unpopulated pool and that page's PFN goes
 * into the window; unmapping (on REVOKE, RESET, disconnect, or the window
 * going unused) happens only after every user mapping was zapped.
 *
 * Hypervisor mode (xen_hv.c): when Xen reports faults (XENFEAT_fault_report)
 * and the first backend offers feature-hv-fault, the window becomes a range
 * of guest frames the backend lends its pages at, and the frontend tells it
 * where (hv-window-gfn). The mode is the window's for its whole life: a
 * later backend must offer it too.
 */

#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/workqueue.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include "vxf.h"

static unsigned int vxf_xen_ring_order;
module_param_named(xen_ring_order, vxf_xen_ring_order, uint, 0444);
MODULE_PARM_DESC(xen_ring_order,
		 "Ring size the Xen frontend asks for, as a page order (default 0, capped by the backend)");

/* Grants mapped or unmapped per hypercall batch. */
#define VXF_XEN_BATCH	16

/**
 * struct vxf_xen_front - one "vxf" xenbus device
 * @xbdev: the xenbus device
 * @dev: the window, made when the first backend connects
 * @lock: serialises setup and teardown
 * @req_ring: request ring pages, granted to the backend
 * @evt_ring: event ring pages, granted to the backend
 * @req_grefs: grant references of @req_ring
 * @evt_grefs: grant references of @evt_ring
 * @ring_order: each ring is (1 << ring_order) pages
 * @evtchn: the event channel, 0 when none
 * @irq: its interrupt, 0 when none; bound for late EOI: the event channel
 *	stays masked from an event until @ring_work has handled what it
 *	announced
 * @ring_work: processes the rings after an event, a budget at a time,
 *	requeueing itself while work is left, then sends the EOI
 * @eoi_flags: XEN_EOI_FLAG_SPURIOUS until @ring_work finds something to do
 *	(used by @ring_work only, between the interrupt and its EOI)
 * @fatal_work: disconnects from a backend that broke the protocol
 * @attached: @dev has this transport attached
 * @hv: hypervisor mode of @dev, NULL in grant mode (set with @dev)
 * @mapped: PFN -> grant handle (a value entry) of each mapped grant
 */
struct vxf_xen_front {
	struct xenbus_device *xbdev;
	struct vxf_device *dev;
	struct mutex lock;	/* everything below but @mapped */
	void *req_ring;
	void *evt_ring;
	grant_ref_t req_grefs[1 << XENVXF_MAX_RING_PAGE_ORDER];
	grant_ref_t evt_grefs[1 << XENVXF_MAX_RING_PAGE_ORDER];
	unsigned int ring_order;
	evtchn_port_t evtchn;
	int irq;
	struct work_struct ring_work;
	unsigned int eoi_flags;
	struct work_struct fatal_work;
	bool attached;
	struct vxf_xen_hv *hv;
	struct xarray mapped;
};

static void vxf_xen_notify(struct vxf_device *dev)
{
	struct vxf_xen_front *front = dev->priv;

	notify_remote_via_irq(front->irq);
}

static unsigned long vxf_xen_page_addr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_xen_pfn(page));
}

/*
 * Unmap up to VXF_XEN_BATCH grants; pages whose grant stays mapped leak.
 * Returns 0 or -EIO.
 */
static int vxf_xen_unmap_batch(struct vxf_xen_front *front,
			       struct page **pages, grant_handle_t *handles,
			       unsigned int nr)
{
	struct gnttab_unmap_grant_ref ops[VXF_XEN_BATCH];
	struct gntab_unmap_queue_data unmap = {
		.unmap_ops = ops,
		.pages = pages,
		.count = nr,
	};
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++)
		gnttab_set_unmap_op(&ops[i], vxf_xen_page_addr(pages[i]),
				    GNTMAP_host_map, handles[i]);
	err = gnttab_unmap_refs_sync(&unmap);
	if (err) {
		/* Xen still maps the backend's pages there: never reuse them. */
		dev_err_ratelimited(&front->xbdev->dev,
				    "could not unmap %u grants (%d); leaking their pages\n",
				    nr, err);
		return -EIO;
	}
	gnttab_free_pages(nr, pages);
	vxf_live_add(VXF_LIVE_XEN_MAPPED_PAGES, -(long)nr);
	return 0;
}

static int vxf_xen_map_refs(struct vxf_device *dev, const u32 *refs,
			    unsigned int nr, unsigned int order,
			    unsigned long *pfns)
{
	struct vxf_xen_front *front = dev->priv;
	struct gnttab_map_grant_ref ops[XENVXF_MAX_REFS];
	struct page *pages[XENVXF_MAX_REFS];
	grant_handle_t handles[XENVXF_MAX_REFS];
	unsigned int i, good = 0;
	int err;

	/* Grant mode has no superpages: every reference is one page. */
	if (order || nr > XENVXF_MAX_REFS)
		return -EINVAL;

	err = gnttab_alloc_pages(nr, pages);
	if (err)
		return -ENOMEM;

	for (i = 0; i < nr; i++)
		gnttab_set_map_op(&ops[i], vxf_xen_page_addr(pages[i]),
				  GNTMAP_host_map, refs[i],
				  front->xbdev->otherend_id);
	err = gnttab_map_refs(ops, NULL, pages, nr);

	/* Keep the mapped ones in front, to unmap them on failure. */
	for (i = 0; i < nr; i++) {
		if (ops[i].status != GNTST_okay)
			continue;
		swap(pages[good], pages[i]);
		handles[good++] = ops[i].handle;
	}
	vxf_live_add(VXF_LIVE_XEN_MAPPED_PAGES, good);
	if (err || good != nr)
		goto err_unmap;

	for (i = 0; i < nr; i++) {
		pfns[i] = page_to_pfn(pages[i]);
		err = xa_err(xa_store(&front->mapped, pfns[i],
				      xa_mk_value(handles[i]), GFP_KERNEL));
		if (err)
			goto err_forget;
	}
	return 0;

err_forget:
	while (i--)
		xa_erase(&front->mapped, pfns[i]);
	err = -ENOMEM;
	goto err_unmap_all;
err_unmap:
	err = -EINVAL;
	if (good < nr)
		gnttab_free_pages(nr - good, pages + good);
	nr = good;
err_unmap_all:
	if (nr)
		vxf_xen_unmap_batch(front, pages, handles, nr);
	return err;
}

static int vxf_xen_unmap_pages(struct vxf_device *dev,
			       const unsigned long *pfns, unsigned int nr)
{
	struct vxf_xen_front *front = dev->priv;
	grant_handle_t handles[VXF_XEN_BATCH];
	struct page *pages[VXF_XEN_BATCH];
	unsigned int i, n = 0;
	void *entry;
	int err = 0;

	for (i = 0; i < nr; i++) {
		entry = xa_erase(&front->mapped, pfns[i]);
		if (WARN_ON_ONCE(!xa_is_value(entry)))
			continue;
		pages[n] = pfn_to_page(pfns[i]);
		handles[n++] = xa_to_value(entry);
		if (n == VXF_XEN_BATCH) {
			err = vxf_xen_unmap_batch(front, pages, handles, n) ?:
			      err;
			n = 0;
		}
	}
	if (n)
		err = vxf_xen_unmap_batch(front, pages, handles, n) ?: err;
	return err;
}

static int vxf_xen_hv_answer_op(struct vxf_device *dev,
				const struct xenvxf_rsp *rsp)
{
	struct vxf_xen_front *front = dev->priv;

	return front->hv ? vxf_xen_hv_answer(front->hv, rsp) : -EPROTO;
}

static const struct vxf_transport_ops vxf_xen_ops = {
	.notify = vxf_xen_notify,
	.map_refs = vxf_xen_map_refs,
	.unmap_pages = vxf_xen_unmap_pages,
	.hv_answer = vxf_xen_hv_answer_op,
};

/*
 * Where the ring work runs. In hypervisor mode a vCPU Xen holds in kernel
 * mode runs nothing but interrupt handlers, its CPU's bound workers
 * included: the answers (a refusal, which must reach the held access) are
 * handled by an unbound worker, on any other vCPU.
 */
static struct workqueue_struct *vxf_xen_wq(struct vxf_xen_front *front)
{
	return front->hv ? system_unbound_wq : system_highpri_wq;
}

/*
 * Ring processing sleeps (it revokes, maps grants): do it in a work item, one
 * budget per run, so that a backend that keeps the rings full shares the
 * worker with everyone else. The event channel stays masked until the EOI,
 * sent once the rings are empty: a backend's events cannot storm the guest
 * meanwhile, and an event that announced nothing is reported spurious (Xen
 * then delays the next ones).
 */
static void vxf_xen_ring_work(struct work_struct *work)
{
	struct vxf_xen_front *front = container_of(work, struct vxf_xen_front,
						   ring_work);
	unsigned int handled;
	bool more;

	more = vxf_ring_process_pass(front->dev, &handled);
	if (handled)
		front->eoi_flags = 0;
	if (more) {
		queue_work(vxf_xen_wq(front), &front->ring_work);
		return;
	}
	if (READ_ONCE(front->dev->ring.broken))
		schedule_work(&front->fatal_work);
	if (front->eoi_flags & XEN_EOI_FLAG_SPURIOUS)
		WRITE_ONCE(front->dev->ring.spurious_events,
			   front->dev->ring.spurious_events + 1);
	xen_irq_lateeoi(front->irq, front->eoi_flags);
}

static irqreturn_t vxf_xen_interrupt(int irq, void *data)
{
	struct vxf_xen_front *front = data;

	/* No other event until the EOI: the work item is idle here. */
	front->eoi_flags = XEN_EOI_FLAG_SPURIOUS;
	queue_work(vxf_xen_wq(front), &front->ring_work);
	return IRQ_HANDLED;
}

/* Whether the backend's "versions" list names ours. */
static bool vxf_xen_version_ok(struct xenbus_device *xbdev)
{
	char *list, *cur, *tok;
	bool ok = false;

	list = xenbus_read(XBT_NIL, xbdev->otherend, XENVXF_FIELD_BE_VERSIONS,
			   NULL);
	if (IS_ERR(list))
		return false;
	cur = list;
	while ((tok = strsep(&cur, ",")))
		if (!strcmp(strim(tok), __stringify(XENVXF_PROTOCOL_VERSION)))
			ok = true;
	kfree(list);
	return ok;
}

/* Read the window's parameters from the backend; 0 or -errno. */
static int vxf_xen_read_window(struct vxf_xen_front *front,
			       struct vxf_window_params *params)
{
	struct xenbus_device *xbdev = front->xbdev;
	char *cache;

	if (!vxf_xen_version_ok(xbdev)) {
		xenbus_dev_fatal(xbdev, -EPROTO,
				 "backend offers no protocol version %u",
				 XENVXF_PROTOCOL_VERSION);
		return -EPROTO;
	}

	memset(params, 0, sizeof(*params));
	if (xenbus_scanf(XBT_NIL, xbdev->otherend, XENVXF_FIELD_WINDOW_PAGES,
			 "%llu", &params->nr_pages) != 1 ||
	    !params->nr_pages || params->nr_pages > XENVXF_MAX_WINDOW_PAGES) {
		xenbus_dev_fatal(xbdev, -EINVAL, "bad or missing %s",
				 XENVXF_FIELD_WINDOW_PAGES);
		return -EINVAL;
	}

	params->cache = VXF_CACHE_WB;
	cache = xenbus_read(XBT_NIL, xbdev->otherend,
			    XENVXF_FIELD_WINDOW_CACHE, NULL);
	if (!IS_ERR(cache)) {
		if (!strcmp(cache, XENVXF_CACHE_WC))
			params->cache = VXF_CACHE_WC;
		else if (!strcmp(cache, XENVXF_CACHE_UC))
			params->cache = VXF_CACHE_UC;
		else if (strcmp(cache, XENVXF_CACHE_WB))
			params->cache = U32_MAX;
		kfree(cache);
		if (params->cache == U32_MAX) {
			xenbus_dev_fatal(xbdev, -EINVAL, "bad %s",
					 XENVXF_FIELD_WINDOW_CACHE);
			return -EINVAL;
		}
	}
	return 0;
}

/* Make the window on the first connection; check it on the next ones. */
static int vxf_xen_get_window(struct vxf_xen_front *front)
{
	struct vxf_window_params params;
	struct vxf_device *dev;
	int err;

	bool hv;

	err = vxf_xen_read_window(front, &params);
	if (err)
		return err;
	hv = xenbus_read_unsigned(front->xbdev->otherend,
				  XENVXF_FIELD_FEATURE_HV_FAULT, 0) == 1;

	if (front->dev) {
		if (params.nr_pages == front->dev->win.nr_pages &&
		    params.cache == front->dev->win.cache &&
		    (hv || !front->hv))
			return 0;
		xenbus_dev_fatal(front->xbdev, -EINVAL,
				 "backend changed the window (%llu pages)",
				 params.nr_pages);
		return -EINVAL;
	}

	dev = vxf_device_create(&params, NULL);
	if (IS_ERR(dev)) {
		xenbus_dev_fatal(front->xbdev, PTR_ERR(dev),
				 "creating the window");
		return PTR_ERR(dev);
	}
	/* Hypervisor mode if Xen and the backend both can; else grant mode. */
	if (hv && params.cache == VXF_CACHE_WB) {
		front->hv = vxf_xen_hv_create(dev, &front->xbdev->dev);
		if (IS_ERR(front->hv)) {
			if (PTR_ERR(front->hv) != -EOPNOTSUPP)
				dev_warn(&front->xbdev->dev,
					 "hypervisor mode: %ld; grant mode\n",
					 PTR_ERR(front->hv));
			front->hv = NULL;
		}
	}
	err = vxf_device_register(dev);
	if (err) {
		vxf_xen_hv_destroy(front->hv);
		front->hv = NULL;
		vxf_device_put(dev);
		xenbus_dev_fatal(front->xbdev, err, "registering the window");
		return err;
	}
	front->dev = dev;
	return 0;
}

static int vxf_xen_write_ring_refs(struct xenbus_transaction xbt,
				   struct vxf_xen_front *front)
{
	const char *dir = front->xbdev->nodename;
	unsigned int i, nr = 1U << front->ring_order;
	char key[32];
	int err;

	for (i = 0; i < nr; i++) {
		snprintf(key, sizeof(key), XENVXF_FIELD_REQ_RING_REF "%u", i);
		err = xenbus_printf(xbt, dir, key, "%u", front->req_grefs[i]);
		if (err)
			return err;
		snprintf(key, sizeof(key), XENVXF_FIELD_EVT_RING_REF "%u", i);
		err = xenbus_printf(xbt, dir, key, "%u", front->evt_grefs[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Publish the frontend's entries in one transaction, retried on -EAGAIN. */
static int vxf_xen_publish(struct vxf_xen_front *front)
{
	struct xenbus_device *xbdev = front->xbdev;
	const char *dir = xbdev->nodename;
	struct xenbus_transaction xbt;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		return err;
	err = xenbus_printf(xbt, dir, XENVXF_FIELD_FE_VERSION, "%u",
			    XENVXF_PROTOCOL_VERSION) ?:
	      xenbus_printf(xbt, dir, XENVXF_FIELD_RING_ORDER, "%u",
			    front->ring_order) ?:
	      vxf_xen_write_ring_refs(xbt, front) ?:
	      xenbus_printf(xbt, dir, XENVXF_FIELD_EVT_CHANNEL, "%u",
			    front->evtchn) ?:
	      xenbus_printf(xbt, dir, XENVXF_FIELD_MAP_GRANULE, "%u",
			    1U << front->dev->win.granule_shift);
	if (!err && front->hv)
		err = xenbus_printf(xbt, dir, XENVXF_FIELD_HV_WINDOW_GFN,
				    "%llu", vxf_xen_hv_base_gfn(front->hv));
	if (err) {
		xenbus_transaction_end(xbt, 1);
		return err;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	return err;
}

/* Undo vxf_xen_setup(), whatever part of it was done. */
static void vxf_xen_teardown(struct vxf_xen_front *front)
{
	unsigned int nr = 1U << front->ring_order;

	if (front->attached) {
		vxf_device_disconnect(front->dev);
		front->attached = false;
		if (front->hv)
			vxf_xen_hv_disconnected(front->hv);
	}
	if (front->irq > 0) {
		/*
		 * No new event, then no work item (it requeues itself, and
		 * sends the EOI for an irq that must still be bound).
		 */
		disable_irq(front->irq);
		cancel_work_sync(&front->ring_work);
		unbind_from_irqhandler(front->irq, front);
	} else if (front->evtchn) {
		xenbus_free_evtchn(front->xbdev, front->evtchn);
	}
	front->irq = 0;
	front->evtchn = 0;
	if (front->req_ring)
		xenbus_teardown_ring(&front->req_ring, nr, front->req_grefs);
	if (front->evt_ring)
		xenbus_teardown_ring(&front->evt_ring, nr, front->evt_grefs);
}

/* The backend is in InitWait: set everything up and go to Initialised. */
static int vxf_xen_setup(struct vxf_xen_front *front)
{
	struct xenbus_device *xbdev = front->xbdev;
	unsigned int max_order, nr;
	int err;

	err = vxf_xen_get_window(front);
	if (err)
		return err;

	max_order = xenbus_read_unsigned(xbdev->otherend,
					 XENVXF_FIELD_MAX_RING_ORDER, 0);
	front->ring_order = min3(vxf_xen_ring_order, max_order,
				 (unsigned int)XENVXF_MAX_RING_PAGE_ORDER);
	nr = 1U << front->ring_order;

	err = xenbus_setup_ring(xbdev, GFP_KERNEL, &front->req_ring, nr,
				front->req_grefs);
	if (err)
		goto err_teardown;
	err = xenbus_setup_ring(xbdev, GFP_KERNEL, &front->evt_ring, nr,
				front->evt_grefs);
	if (err)
		goto err_teardown;

	err = xenbus_alloc_evtchn(xbdev, &front->evtchn);
	if (err)
		goto err_teardown;
	err = bind_evtchn_to_irqhandler_lateeoi(front->evtchn,
						vxf_xen_interrupt, 0,
						front->dev->name, front);
	if (err < 0) {
		xenbus_dev_fatal(xbdev, err, "binding the event channel");
		goto err_teardown;
	}
	front->irq = err;

	err = vxf_device_connect(front->dev, &vxf_xen_ops, front,
				 front->req_ring, front->evt_ring,
				 PAGE_SIZE << front->ring_order);
	if (err)
		goto err_teardown;
	front->attached = true;

	err = vxf_xen_publish(front);
	if (err) {
		xenbus_dev_fatal(xbdev, err, "writing the frontend's entries");
		goto err_teardown;
	}
	return xenbus_switch_state(xbdev, XenbusStateInitialised);

err_teardown:
	vxf_xen_teardown(front);
	return err;
}

/*
 * The backend broke the protocol (ring.c stopped reading the rings and
 * dropped its pages): report it in xenstore, and close as a frontend does,
 * so that the toolstack sees the error and a new backend (InitWait) gets a
 * fresh connection.
 */
static void vxf_xen_fatal_work(struct work_struct *work)
{
	struct vxf_xen_front *front = container_of(work, struct vxf_xen_front,
						   fatal_work);

	mutex_lock(&front->lock);
	if (front->attached && READ_ONCE(front->dev->ring.broken)) {
		/* The "error" node names the rule broken, for the toolstack. */
		xenbus_dev_fatal(front->xbdev, -EPROTO,
				 "backend violated the protocol: %s",
				 READ_ONCE(front->dev->ring.broken_why) ?:
				 "unknown");
		vxf_xen_teardown(front);
		xenbus_frontend_closed(front->xbdev);
	}
	mutex_unlock(&front->lock);
}

static void vxf_xen_backend_changed(struct xenbus_device *xbdev,
				    enum xenbus_state backend_state)
{
	struct vxf_xen_front *front = dev_get_drvdata(&xbdev->dev);

	mutex_lock(&front->lock);
	switch (backend_state) {
	case XenbusStateInitWait:
		/* A backend (perhaps a new one) waits for us. */
		if (xbdev->state == XenbusStateClosed)
			xenbus_switch_state(xbdev, XenbusStateInitialising);
		if (xbdev->state == XenbusStateInitialising)
			vxf_xen_setup(front);
		break;
	case XenbusStateConnected:
		if (xbdev->state == XenbusStateInitialised)
			xenbus_switch_state(xbdev, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		vxf_xen_teardown(front);
		xenbus_frontend_closed(xbdev);
		break;
	case XenbusStateClosed:
	case XenbusStateUnknown:	/* the backend's directory went away */
		if (xbdev->state != XenbusStateClosed) {
			vxf_xen_teardown(front);
			xenbus_frontend_closed(xbdev);
		}
		break;
	default:
		break;
	}
	mutex_unlock(&front->lock);
}

static int vxf_xen_probe(struct xenbus_device *xbdev,
			 const struct xenbus_device_id *id)
{
	struct vxf_xen_front *front;

	front = kzalloc(sizeof(*front), GFP_KERNEL);
	if (!front)
		return -ENOMEM;
	front->xbdev = xbdev;
	mutex_init(&front->lock);
	INIT_WORK(&front->ring_work, vxf_xen_ring_work);
	INIT_WORK(&front->fatal_work, vxf_xen_fatal_work);
	xa_init(&front->mapped);
	dev_set_drvdata(&xbdev->dev, front);
	/* Everything else waits for the backend's parameters (InitWait). */
	return 0;
}

static void vxf_xen_remove(struct xenbus_device *xbdev)
{
	struct vxf_xen_front *front = dev_get_drvdata(&xbdev->dev);

	mutex_lock(&front->lock);
	vxf_xen_teardown(front);
	mutex_unlock(&front->lock);
	/* Finds nothing attached if it runs now; must not run later. */
	cancel_work_sync(&front->fatal_work);

	vxf_xen_hv_destroy(front->hv);
	if (front->dev) {
		vxf_device_unregister(front->dev);
		vxf_device_put(front->dev);
	}
	WARN_ON_ONCE(!xa_empty(&front->mapped));
	xa_destroy(&front->mapped);
	kfree(front);
}

static int vxf_xen_resume(struct xenbus_device *xbdev)
{
	struct vxf_xen_front *front = dev_get_drvdata(&xbdev->dev);

	/*
	 * After a restore the backend is another one and the grants are
	 * gone: drop everything; the watch on the backend, set up again
	 * after this, reconnects us from its InitWait.
	 */
	mutex_lock(&front->lock);
	vxf_xen_teardown(front);
	mutex_unlock(&front->lock);
	return 0;
}

static const struct xenbus_device_id vxf_xen_ids[] = {
	{ "vxf" },
	{ "" }
};

static struct xenbus_driver vxf_xen_driver = {
	.ids = vxf_xen_ids,
	.probe = vxf_xen_probe,
	.remove = vxf_xen_remove,
	.resume = vxf_xen_resume,
	.otherend_changed = vxf_xen_backend_changed,
	.not_essential = true,
};

/**
 * vxf_xen_init() - register the xenbus frontend when running on Xen
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int vxf_xen_init(void)
{
	if (!xen_domain())
		return 0;
	return xenbus_register_frontend(&vxf_xen_driver);
}

/**
 * vxf_xen_exit() - unregister it
 *
 * Context: module exit.
 */
void vxf_xen_exit(void)
{
	if (xen_domain())
		xenbus_unregister_driver(&vxf_xen_driver);
}
