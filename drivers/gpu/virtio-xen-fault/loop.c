// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - /dev/vxf-loop: a stand-in for the Xen transport inside one guest
 *
 * Stock Xen gives a guest no way to play both ends of the protocol, and CI
 * machines run no Xen: this device lets a userspace process be the backend.
 * It stands in for exactly three Xen parts and nothing else:
 *
 *  - the grant-shared ring pages: the frontend allocates them, as it does on
 *    Xen, and the backend mmap()s them from the loop file;
 *  - the event channel: VXF_LOOP_IOC_NOTIFY kicks the frontend (and runs its
 *    ring processing in the caller's context), the frontend kicks the
 *    backend by making the loop file readable;
 *  - grant references: VXF_LOOP_IOC_GRANT pins pages of the backend's own
 *    memory and names them with loop references, which MAP answers carry
 *    (VXF_LOOP_IOC_GRANT_VGPU: frames of virtio-gpu's host-visible region,
 *    standing for a hypervisor that lends them, loop_vgpu.c).
 *
 * Everything above the transport (core, ring protocol, user mappings) is the
 * code that runs on Xen: this test module reaches it only through the
 * functions virtio-xen-fault exports to transports (namespace
 * VIRTIO_XEN_FAULT), and the user interface is vxf_loop_uapi.h, private to
 * the tests. loop_drm.c adds /dev/vxf-loop-drm, a DRM driver's side of the
 * in-kernel interface (include/linux/vxf.h), to the same module.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "loop.h"
#include "vxf.h"

/* References one backend may hold at once: 4 GiB of 4 KiB pages. */
#define VXF_LOOP_MAX_REFS	SZ_1M

/**
 * struct vxf_loop_ref - pages a loop backend lent
 * @loop: the backend that lent them
 * @page: first page (pinned), or NULL for frames of virtio-gpu's
 *	host-visible region (no struct page, nothing pinned)
 * @pfn: first frame
 * @order: the reference covers (1 << order) contiguous pages
 * @users: one for the grant itself, one per page the frontend maps
 */
struct vxf_loop_ref {
	struct vxf_loop *loop;
	struct page *page;
	unsigned long pfn;
	unsigned int order;
	refcount_t users;
};

/**
 * struct vxf_loop - one open /dev/vxf-loop, i.e. one backend
 * @lock: protects @dev and the ring pages
 * @dev: the window this backend serves, once connected
 * @vgpu: virtio-gpu's host-visible region, which the window stands for
 *	(VXF_LOOP_F_VGPU), set at connect like @dev
 * @ring_pages: both rings: the request ring's pages, then the event ring's
 * @ring_order: each ring is (1 << ring_order) pages
 * @refs: reference -> struct vxf_loop_ref (the xarray's lock guards lookups)
 * @mapped: PFN -> struct vxf_loop_ref, for the pages the frontend maps
 * @kept: PFNs of pages the transport was told to keep mapped after their
 *	release (inject_unmap), released when the backend goes
 * @kick_lock: protects @kicks
 * @kicks: frontend notifications not yet read by the backend
 * @kick_wq: the backend waiting in read() or poll()
 */
struct vxf_loop {
	struct mutex lock;		/* @dev, @vgpu, @ring_pages, @ring_order */
	struct vxf_device *dev;
	struct vxf_loop_vgpu *vgpu;
	struct page *ring_pages;
	unsigned int ring_order;
	struct xarray refs;
	struct xarray mapped;
	struct xarray kept;
	spinlock_t kick_lock;		/* @kicks */
	u64 kicks;
	wait_queue_head_t kick_wq;
};

/*
 * Index -> device, for devices made by loop backends. A device stays here,
 * holding a reference, while it has a backend or a user.
 */
static DEFINE_MUTEX(vxf_loop_devices_lock);
static DEFINE_XARRAY(vxf_loop_devices);

static void vxf_loop_ref_put(struct vxf_loop_ref *ref)
{
	unsigned long pfn = ref->pfn;
	unsigned long i;

	if (!refcount_dec_and_test(&ref->users))
		return;
	/* One erase takes a multi-index entry whole. */
	for (i = 0; i < 1UL << ref->order; i++)
		if (xa_load(&ref->loop->mapped, pfn + i) == ref)
			xa_erase(&ref->loop->mapped, pfn + i);
	if (ref->page) {
		unpin_user_page_range_dirty_lock(ref->page, 1UL << ref->order,
						 true);
		vxf_live_add(VXF_LIVE_LOOP_PINNED_PAGES, -(1L << ref->order));
	}
	vxf_live_add(VXF_LIVE_LOOP_REFS, -1);
	kfree(ref);
}

static void vxf_loop_notify(struct vxf_device *dev)
{
	struct vxf_loop *loop = dev->priv;

	spin_lock(&loop->kick_lock);
	loop->kicks++;
	spin_unlock(&loop->kick_lock);
	wake_up_interruptible(&loop->kick_wq);
}

static void vxf_loop_unmap_page(struct vxf_loop *loop, unsigned long pfn)
{
	struct vxf_loop_ref *ref = xa_load(&loop->mapped, pfn);

	if (!WARN_ON_ONCE(!ref))
		vxf_loop_ref_put(ref);
}

/*
 * Map the pages of @ref: one count per page. A page is mapped through one
 * reference at a time, so that unmapping by PFN finds the reference that was
 * counted. A 2 MiB reference takes one multi-index entry.
 *
 * Context: vxf_ring.lock held (so @loop->mapped has no other writer).
 */
static int vxf_loop_map_ref(struct vxf_loop *loop, struct vxf_loop_ref *ref)
{
	unsigned long first = ref->pfn;
	unsigned long last = first + (1UL << ref->order) - 1;
	unsigned long index = first;
	void *old;
	int err;

	old = xa_find(&loop->mapped, &index, last, XA_PRESENT);
	if (old && old != ref)
		return -EBUSY;
	if (!old) {
		err = xa_err(xa_store_range(&loop->mapped, first, last, ref,
					    GFP_KERNEL));
		if (err)
			return err;
	}
	refcount_add(1U << ref->order, &ref->users);
	return 0;
}

static int vxf_loop_map_refs(struct vxf_device *dev, const u32 *refs,
			     unsigned int nr, unsigned int order,
			     unsigned long *pfns)
{
	struct vxf_loop *loop = dev->priv;
	unsigned int i, j, done = 0;
	struct vxf_loop_ref *ref;
	int err;

	for (i = 0; i < nr; i++) {
		/* Hold the reference while its pages are entered. */
		xa_lock(&loop->refs);
		ref = xa_load(&loop->refs, refs[i]);
		if (ref && ref->order == order)
			refcount_inc(&ref->users);
		else
			ref = NULL;
		xa_unlock(&loop->refs);
		if (!ref) {
			err = -EINVAL;
			goto err_unwind;
		}

		err = vxf_loop_map_ref(loop, ref);
		if (!err)
			for (j = 0; j < 1U << order; j++)
				pfns[done++] = ref->pfn + j;
		vxf_loop_ref_put(ref);
		if (err)
			goto err_unwind;
	}
	return 0;

err_unwind:
	while (done--)
		vxf_loop_unmap_page(loop, pfns[done]);
	return err;
}

/*
 * Keep pages as a transport keeps a grant it could not unmap (injected
 * failure): still mapped, until the backend goes.
 *
 * Context: vxf_ring.lock held.
 */
static int vxf_loop_keep_pages(struct vxf_loop *loop,
			       const unsigned long *pfns, unsigned int nr)
{
	unsigned int i;
	void *entry;
	int err;

	for (i = 0; i < nr; i++) {
		entry = xa_load(&loop->kept, pfns[i]);
		err = xa_err(xa_store(&loop->kept, pfns[i],
				      xa_mk_value(entry ?
						  xa_to_value(entry) + 1 : 1),
				      GFP_KERNEL));
		/* Cannot even remember it: release it after all. */
		if (err)
			vxf_loop_unmap_page(loop, pfns[i]);
	}
	return -EIO;
}

static int vxf_loop_unmap_pages(struct vxf_device *dev,
				const unsigned long *pfns, unsigned int nr)
{
	struct vxf_loop *loop = dev->priv;
	unsigned int i;

	if (vxf_inject(VXF_INJECT_UNMAP))
		return vxf_loop_keep_pages(loop, pfns, nr);
	for (i = 0; i < nr; i++)
		vxf_loop_unmap_page(loop, pfns[i]);
	return 0;
}

static const struct vxf_transport_ops vxf_loop_ops = {
	.notify = vxf_loop_notify,
	.map_refs = vxf_loop_map_refs,
	.unmap_pages = vxf_loop_unmap_pages,
};

/* Forget a device that has neither a backend nor a user any more. */
static void vxf_loop_forget_if_idle(struct vxf_device *dev)
{
	bool forget = false;

	mutex_lock(&vxf_loop_devices_lock);
	if (xa_load(&vxf_loop_devices, dev->index) == dev &&
	    !vxf_device_has_transport(dev) && vxf_device_kill_if_unused(dev)) {
		xa_erase(&vxf_loop_devices, dev->index);
		forget = true;
	}
	mutex_unlock(&vxf_loop_devices_lock);

	if (forget) {
		vxf_device_unregister(dev);
		vxf_device_put(dev);
	}
}

static int vxf_loop_open(struct inode *inode, struct file *file)
{
	struct vxf_loop *loop;

	loop = kzalloc(sizeof(*loop), GFP_KERNEL);
	if (!loop)
		return -ENOMEM;
	vxf_live_add(VXF_LIVE_LOOP_BACKENDS, 1);
	mutex_init(&loop->lock);
	xa_init_flags(&loop->refs, XA_FLAGS_ALLOC1);
	xa_init(&loop->mapped);
	xa_init(&loop->kept);
	spin_lock_init(&loop->kick_lock);
	init_waitqueue_head(&loop->kick_wq);
	file->private_data = loop;
	return 0;
}

static int vxf_loop_release(struct inode *inode, struct file *file)
{
	struct vxf_loop *loop = file->private_data;
	struct vxf_loop_ref *ref;
	unsigned long id, n;
	void *entry;

	/* Blob mappings made through the binding stay the window's. */
	vxf_loop_vgpu_put(loop->vgpu);
	if (loop->dev) {
		/* Drops every frontend mapping of this backend's pages. */
		vxf_device_disconnect(loop->dev);
		vxf_loop_forget_if_idle(loop->dev);
		vxf_device_put(loop->dev);
	}
	xa_for_each(&loop->kept, id, entry) {
		xa_erase(&loop->kept, id);
		for (n = xa_to_value(entry); n; n--)
			vxf_loop_unmap_page(loop, id);
	}
	xa_destroy(&loop->kept);
	xa_for_each(&loop->refs, id, ref) {
		xa_erase(&loop->refs, id);
		vxf_loop_ref_put(ref);
	}
	xa_destroy(&loop->refs);
	WARN_ON_ONCE(!xa_empty(&loop->mapped));
	xa_destroy(&loop->mapped);
	if (loop->ring_pages)
		__free_pages(loop->ring_pages, loop->ring_order + 1);
	kfree(loop);
	vxf_live_add(VXF_LIVE_LOOP_BACKENDS, -1);
	return 0;
}

static u32 vxf_loop_window_flags(struct vxf_device *dev)
{
	return (dev->win.superpage ? VXF_LOOP_F_SUPERPAGE : 0) |
	       (dev->hv ? VXF_LOOP_F_HV : 0);
}

/* Find the device to reattach to, with a reference. */
static struct vxf_device *vxf_loop_find(const struct vxf_loop_connect *c)
{
	struct vxf_device *dev;

	mutex_lock(&vxf_loop_devices_lock);
	dev = xa_load(&vxf_loop_devices, c->index);
	if (!dev)
		dev = ERR_PTR(-ENOENT);
	else if ((c->window_pages && c->window_pages != dev->win.nr_pages) ||
		 (c->flags && c->flags != vxf_loop_window_flags(dev)))
		dev = ERR_PTR(-EINVAL);
	else
		vxf_device_get(dev);
	mutex_unlock(&vxf_loop_devices_lock);
	return dev;
}

/* Make a new device, registered and listed, with a reference. */
static struct vxf_device *vxf_loop_create(const struct vxf_loop_connect *c)
{
	struct vxf_window_params params = {
		.nr_pages = c->window_pages,
		.map_pages = c->map_pages,
		.superpage = c->flags & VXF_LOOP_F_SUPERPAGE,
		.cache = c->cache,
		/*
		 * The backend's own pages: cache.c may change their type; not
		 * the frames of a PCI BAR.
		 */
		.caches = c->flags & VXF_LOOP_F_VGPU ? 0 :
			  BIT(VXF_CACHE_WC) | BIT(VXF_CACHE_UC),
		.fault_timeout_ms = c->fault_timeout_ms,
	};
	struct vxf_device *dev;
	int err;

	dev = vxf_device_create(&params, vxf_loop_forget_if_idle);
	if (IS_ERR(dev))
		return dev;
	if (c->flags & VXF_LOOP_F_HV) {
		err = vxf_loop_hv_setup(dev);
		if (err)
			goto err_put;
	}

	mutex_lock(&vxf_loop_devices_lock);
	err = xa_err(xa_store(&vxf_loop_devices, dev->index, dev,
			      GFP_KERNEL));
	mutex_unlock(&vxf_loop_devices_lock);
	if (err)
		goto err_put;

	err = vxf_device_register(dev);
	if (err)
		goto err_erase;

	/* The list's reference, and the caller's. */
	vxf_device_get(dev);
	return dev;

err_erase:
	mutex_lock(&vxf_loop_devices_lock);
	xa_erase(&vxf_loop_devices, dev->index);
	mutex_unlock(&vxf_loop_devices_lock);
err_put:
	vxf_device_put(dev);
	return ERR_PTR(err);
}

static long vxf_loop_connect(struct vxf_loop *loop,
			     struct vxf_loop_connect __user *uarg)
{
	struct vxf_loop_vgpu *vg = NULL;
	struct vxf_loop_connect c;
	struct vxf_device *dev;
	size_t ring_bytes;
	struct page *pages;
	int err;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~(VXF_LOOP_F_SUPERPAGE | VXF_LOOP_F_HV |
			 VXF_LOOP_F_VGPU)) ||
	    c.ring_order > XENVXF_MAX_RING_PAGE_ORDER || c.index < -1 ||
	    (c.flags & VXF_LOOP_F_VGPU && c.index != -1))
		return -EINVAL;

	mutex_lock(&loop->lock);
	if (loop->dev) {
		err = -EBUSY;
		goto out_unlock;
	}

	if (c.flags & VXF_LOOP_F_VGPU) {
		vg = vxf_loop_vgpu_get();
		if (IS_ERR(vg)) {
			err = PTR_ERR(vg);
			goto out_unlock;
		}
		if (c.window_pages && c.window_pages != vg->pages) {
			err = -EINVAL;
			goto err_put_vgpu;
		}
		c.window_pages = vg->pages;
	}

	dev = c.index < 0 ? vxf_loop_create(&c) : vxf_loop_find(&c);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto err_put_vgpu;
	}
	if (vg) {
		err = vxf_loop_vgpu_bind(vg, &dev->win);
		if (err)
			goto err_put;
	}

	ring_bytes = PAGE_SIZE << c.ring_order;
	pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, c.ring_order + 1);
	if (!pages) {
		err = -ENOMEM;
		goto err_put;
	}

	err = vxf_device_connect(dev, &vxf_loop_ops, loop,
				 page_address(pages),
				 page_address(pages) + ring_bytes, ring_bytes);
	if (err)
		goto err_free_pages;

	loop->dev = dev;
	loop->vgpu = vg;
	loop->ring_pages = pages;
	loop->ring_order = c.ring_order;
	mutex_unlock(&loop->lock);

	c.index = dev->index;
	c.window_pages = dev->win.nr_pages;
	c.ring_offset = 0;
	if (copy_to_user(uarg, &c, sizeof(c)))
		return -EFAULT;
	return 0;

err_free_pages:
	__free_pages(pages, c.ring_order + 1);
err_put:
	/* Unbinds first: the binding holds the device. */
	vxf_loop_vgpu_put(vg);
	vg = NULL;
	vxf_loop_forget_if_idle(dev);
	vxf_device_put(dev);
err_put_vgpu:
	vxf_loop_vgpu_put(vg);
out_unlock:
	mutex_unlock(&loop->lock);
	return err;
}

static int vxf_loop_grant_one(struct vxf_loop *loop, struct page **pages,
			      unsigned int order, u32 *id)
{
	struct vxf_loop_ref *ref;
	unsigned int i;
	int err;

	for (i = 1; i < 1U << order; i++)
		if (page_to_pfn(pages[i]) != page_to_pfn(pages[0]) + i)
			return -EINVAL;
	if (!IS_ALIGNED(page_to_pfn(pages[0]), 1UL << order))
		return -EINVAL;

	ref = kzalloc(sizeof(*ref), GFP_KERNEL);
	if (!ref)
		return -ENOMEM;
	ref->loop = loop;
	ref->page = pages[0];
	ref->pfn = page_to_pfn(pages[0]);
	ref->order = order;
	refcount_set(&ref->users, 1);

	err = xa_alloc(&loop->refs, id, ref, XA_LIMIT(1, VXF_LOOP_MAX_REFS),
		       GFP_KERNEL);
	if (err) {
		kfree(ref);
		return err == -EBUSY ? -ENOSPC : err;
	}
	/* From here the reference owns the pins of its pages. */
	vxf_live_add(VXF_LIVE_LOOP_REFS, 1);
	vxf_live_add(VXF_LIVE_LOOP_PINNED_PAGES, 1L << order);
	return 0;
}

static long vxf_loop_grant(struct vxf_loop *loop,
			   struct vxf_loop_grant __user *uarg)
{
	struct vxf_loop_grant g;
	unsigned long npages;
	struct page **pages;
	unsigned int i;
	int pinned, err;
	u32 *ids;

	if (copy_from_user(&g, uarg, sizeof(g)))
		return -EFAULT;
	if (!g.nr_refs || g.nr_refs > VXF_LOOP_MAX_GRANT ||
	    (g.order && g.order != XENVXF_SUPERPAGE_ORDER) ||
	    !IS_ALIGNED(g.addr, PAGE_SIZE << g.order))
		return -EINVAL;

	npages = (unsigned long)g.nr_refs << g.order;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	ids = kvmalloc_array(g.nr_refs, sizeof(*ids), GFP_KERNEL);
	if (!pages || !ids) {
		err = -ENOMEM;
		goto out_free;
	}

	pinned = pin_user_pages_fast(g.addr, npages,
				     FOLL_WRITE | FOLL_LONGTERM, pages);
	if (pinned < 0) {
		err = pinned;
		goto out_free;
	}
	if (pinned != npages) {
		err = -EFAULT;
		goto out_unpin;
	}

	for (i = 0; i < g.nr_refs; i++) {
		err = vxf_loop_grant_one(loop, &pages[i << g.order], g.order,
					 &ids[i]);
		if (err)
			goto out_ungrant;
	}

	if (copy_to_user(u64_to_user_ptr(g.refs), ids,
			 g.nr_refs * sizeof(*ids))) {
		err = -EFAULT;
		goto out_ungrant;
	}
	err = 0;
	goto out_free;

out_ungrant:
	/* References made so far own their pins; the rest are still ours. */
	unpin_user_pages(pages + ((unsigned long)i << g.order),
			 npages - ((unsigned long)i << g.order));
	while (i--)
		vxf_loop_ref_put(xa_erase(&loop->refs, ids[i]));
	goto out_free;
out_unpin:
	unpin_user_pages(pages, pinned);
out_free:
	kvfree(ids);
	kvfree(pages);
	return err;
}

/*
 * VXF_LOOP_IOC_GRANT_VGPU: references to frames of virtio-gpu's
 * host-visible region, which the connected window stands for (@loop->vgpu
 * stays until the file is released).
 */
static long vxf_loop_grant_vgpu(struct vxf_loop *loop,
				struct vxf_loop_grant_vgpu __user *uarg)
{
	struct vxf_loop_grant_vgpu g;
	struct vxf_loop_vgpu *vg;
	struct vxf_loop_ref *ref;
	unsigned int i;
	u32 *ids;
	int err;

	if (copy_from_user(&g, uarg, sizeof(g)))
		return -EFAULT;
	mutex_lock(&loop->lock);
	vg = loop->vgpu;
	mutex_unlock(&loop->lock);
	if (!vg)
		return -EOPNOTSUPP;
	if (g.pad || !g.nr_refs || g.nr_refs > VXF_LOOP_MAX_GRANT ||
	    g.first >= vg->pages || g.nr_refs > vg->pages - g.first)
		return -EINVAL;

	ids = kvmalloc_array(g.nr_refs, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < g.nr_refs; i++) {
		ref = kzalloc(sizeof(*ref), GFP_KERNEL);
		if (!ref) {
			err = -ENOMEM;
			goto err_ungrant;
		}
		ref->loop = loop;
		ref->pfn = vg->pfn + g.first + i;
		refcount_set(&ref->users, 1);
		err = xa_alloc(&loop->refs, &ids[i], ref,
			       XA_LIMIT(1, VXF_LOOP_MAX_REFS), GFP_KERNEL);
		if (err) {
			kfree(ref);
			err = err == -EBUSY ? -ENOSPC : err;
			goto err_ungrant;
		}
		vxf_live_add(VXF_LIVE_LOOP_REFS, 1);
	}
	if (copy_to_user(u64_to_user_ptr(g.refs), ids,
			 g.nr_refs * sizeof(*ids))) {
		err = -EFAULT;
		goto err_ungrant;
	}
	kvfree(ids);
	return 0;

err_ungrant:
	while (i--)
		vxf_loop_ref_put(xa_erase(&loop->refs, ids[i]));
	kvfree(ids);
	return err;
}

static long vxf_loop_ungrant(struct vxf_loop *loop,
			     struct vxf_loop_ungrant __user *uarg)
{
	struct vxf_loop_ungrant u;
	struct vxf_loop_ref *ref;
	u32 __user *uids;
	unsigned int i;
	u32 id;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	if (u.pad || u.nr_refs > VXF_LOOP_MAX_GRANT)
		return -EINVAL;

	uids = u64_to_user_ptr(u.refs);
	for (i = 0; i < u.nr_refs; i++) {
		if (get_user(id, &uids[i]))
			return -EFAULT;
		ref = xa_erase(&loop->refs, id);
		if (!ref)
			return -ENOENT;
		vxf_loop_ref_put(ref);
	}
	return 0;
}

static long vxf_loop_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct vxf_loop *loop = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VXF_LOOP_IOC_CONNECT:
		return vxf_loop_connect(loop, uarg);
	case VXF_LOOP_IOC_GRANT:
		return vxf_loop_grant(loop, uarg);
	case VXF_LOOP_IOC_UNGRANT:
		return vxf_loop_ungrant(loop, uarg);
	case VXF_LOOP_IOC_PTE:
		return vxf_loop_pte(uarg);
	}

	/* The rest needs a connected backend; loop->dev never changes then. */
	if (!READ_ONCE(loop->dev))
		return _IOC_TYPE(cmd) == VXF_IOC_MAGIC ? -ENOTCONN : -ENOTTY;

	switch (cmd) {
	case VXF_LOOP_IOC_NOTIFY:
		vxf_ring_process(loop->dev);
		return READ_ONCE(loop->dev->ring.broken) ? -EPIPE : 0;
	case VXF_LOOP_IOC_STATS:
		return vxf_window_stats_to_user(&loop->dev->win, uarg);
	case VXF_LOOP_IOC_HV_REVOKE:
		return vxf_loop_hv_revoke(loop->dev, uarg);
	case VXF_LOOP_IOC_HV_INJECT:
		return vxf_loop_hv_inject(loop->dev, uarg);
	case VXF_LOOP_IOC_GRANT_VGPU:
		return vxf_loop_grant_vgpu(loop, uarg);
	default:
		return -ENOTTY;
	}
}

static ssize_t vxf_loop_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct vxf_loop *loop = file->private_data;
	u64 kicks;
	int err;

	if (count < sizeof(kicks))
		return -EINVAL;

	for (;;) {
		spin_lock(&loop->kick_lock);
		kicks = loop->kicks;
		loop->kicks = 0;
		spin_unlock(&loop->kick_lock);
		if (kicks)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(loop->kick_wq,
					       READ_ONCE(loop->kicks));
		if (err)
			return err;
	}

	if (copy_to_user(buf, &kicks, sizeof(kicks)))
		return -EFAULT;
	return sizeof(kicks);
}

static __poll_t vxf_loop_poll(struct file *file, poll_table *wait)
{
	struct vxf_loop *loop = file->private_data;

	poll_wait(file, &loop->kick_wq, wait);
	return READ_ONCE(loop->kicks) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int vxf_loop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vxf_loop *loop = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	int err = -EINVAL;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	mutex_lock(&loop->lock);
	if (loop->ring_pages && !vma->vm_pgoff &&
	    size <= PAGE_SIZE << (loop->ring_order + 1))
		err = remap_pfn_range(vma, vma->vm_start,
				      page_to_pfn(loop->ring_pages), size,
				      vma->vm_page_prot);
	mutex_unlock(&loop->lock);
	return err;
}

static const struct file_operations vxf_loop_fops = {
	.owner = THIS_MODULE,
	.open = vxf_loop_open,
	.release = vxf_loop_release,
	.read = vxf_loop_read,
	.poll = vxf_loop_poll,
	.mmap = vxf_loop_mmap,
	.unlocked_ioctl = vxf_loop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vxf_loop_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vxf-loop",
	.fops = &vxf_loop_fops,
	.mode = 0600,
};

static int __init vxf_loop_init(void)
{
	int err;

	err = misc_register(&vxf_loop_misc);
	if (err)
		return err;
	err = vxf_loop_drm_init();
	if (err)
		goto err_loop;
	return 0;

err_loop:
	misc_deregister(&vxf_loop_misc);
	return err;
}

/*
 * Every loop file holds the module, and so does every device it made (the
 * core holds its owner), so no backend and no device is left; nor a blob
 * or a binding of /dev/vxf-loop-drm: its files and mappings hold the
 * module too.
 */
static void __exit vxf_loop_exit(void)
{
	vxf_loop_drm_exit();
	misc_deregister(&vxf_loop_misc);
	WARN_ON(!xa_empty(&vxf_loop_devices));
}

module_init(vxf_loop_init);
module_exit(vxf_loop_exit);

MODULE_IMPORT_NS(VIRTIO_XEN_FAULT);
MODULE_DESCRIPTION("virtio-xen-fault loop transport and hypervisor stand-in, for tests only");
MODULE_AUTHOR("The virtio-xen-fault authors");
MODULE_LICENSE("GPL");
