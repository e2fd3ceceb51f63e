// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - life of a vxf device: creation, users, transport attachment
 *
 * A device is created by its transport (the loop device, or a xenbus
 * frontend), appears as /dev/vxfN once registered, and is freed when the
 * last reference goes: the transport's, an open file's, or a user VMA's.
 * The transport may come and go (a backend restarting); the device and its
 * users' mappings stay.
 *
 * Every open file of a device shares the address space of one inode of the
 * device's own, so that one unmap_mapping_range() reaches every user
 * mapping, whichever device node it was opened through. That inode lives
 * on a private pseudo filesystem, mounted while any device exists: a
 * node's own inode belongs to a filesystem that may be unmounted (a
 * container's /dev on tmpfs) while the device lives on.
 */

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include "vxf.h"

/* The pseudo filesystem's magic number: "vxf" */
#define VXF_FS_MAGIC	0x00767866

static DEFINE_IDA(vxf_ida);

/*
 * A transport in another module (the loop test module) is called back by
 * its devices until their last reference goes: it stays loaded until then.
 */
static bool vxf_owner_get(struct module *owner)
{
	return owner == THIS_MODULE || try_module_get(owner);
}

static void vxf_owner_put(struct module *owner)
{
	if (owner != THIS_MODULE)
		module_put(owner);
}

/* The pseudo filesystem, pinned by each device's inode (simple_pin_fs()). */
static struct vfsmount *vxf_fs_mnt;
static int vxf_fs_users;

static int vxf_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VXF_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * Never registered, so never mounted from userspace. No .owner: a mount
 * would pin the module, and a Xen device lives until the module goes;
 * nothing of the module runs once the last device's inode is put.
 */
static struct file_system_type vxf_fs_type = {
	.name = "vxf",
	.init_fs_context = vxf_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* A private inode for a new device, on the pinned pseudo filesystem. */
static struct inode *vxf_device_inode_new(void)
{
	struct inode *inode;
	int err;

	err = simple_pin_fs(&vxf_fs_type, &vxf_fs_mnt, &vxf_fs_users);
	if (err)
		return ERR_PTR(err);
	inode = alloc_anon_inode(vxf_fs_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&vxf_fs_mnt, &vxf_fs_users);
	return inode;
}

static void vxf_device_inode_free(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&vxf_fs_mnt, &vxf_fs_users);
}

/**
 * __vxf_device_create() - make a device with an empty window, not yet visible
 * @params: the window's parameters
 * @owner_idle: called when the last user goes away (may be NULL)
 * @owner: the calling transport's module (vxf_device_create() passes
 *	THIS_MODULE), held until the device is freed
 *
 * Context: process context.
 * Return: the device with one reference (the caller's), or an ERR_PTR.
 */
struct vxf_device *__vxf_device_create(const struct vxf_window_params *params,
				       void (*owner_idle)(struct vxf_device *),
				       struct module *owner)
{
	struct vxf_device *dev;
	int err;

	if (!vxf_owner_get(owner))
		return ERR_PTR(-ENODEV);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		err = -ENOMEM;
		goto err_owner;
	}
	vxf_live_add(VXF_LIVE_DEVICES, 1);

	kref_init(&dev->kref);
	spin_lock_init(&dev->users_lock);
	INIT_LIST_HEAD(&dev->bound);
	dev->owner_idle = owner_idle;
	dev->owner = owner;
	vxf_ring_init(&dev->ring);
	err = vxf_window_init(&dev->win, dev, params);
	if (err)
		goto err_free;

	dev->inode = vxf_device_inode_new();
	if (IS_ERR(dev->inode)) {
		err = PTR_ERR(dev->inode);
		goto err_free;
	}

	dev->index = ida_alloc(&vxf_ida, GFP_KERNEL);
	if (dev->index < 0) {
		err = dev->index;
		goto err_inode;
	}
	snprintf(dev->name, sizeof(dev->name), "vxf%d", dev->index);
	return dev;

err_inode:
	vxf_device_inode_free(dev->inode);
err_free:
	kfree(dev);
	vxf_live_add(VXF_LIVE_DEVICES, -1);
err_owner:
	vxf_owner_put(owner);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_NS_GPL(__vxf_device_create, VIRTIO_XEN_FAULT);

/**
 * vxf_device_register() - make /dev/vxfN appear
 * @dev: the device
 *
 * Context: process context.
 * Return: 0 or -errno.
 */
int vxf_device_register(struct vxf_device *dev)
{
	int err;

	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.fops = &vxf_user_fops;
	dev->misc.mode = 0660;
	err = misc_register(&dev->misc);
	if (err)
		return err;
	dev->registered = true;
	vxf_debugfs_add(dev);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vxf_device_register, VIRTIO_XEN_FAULT);

/**
 * vxf_device_kill_if_unused() - forbid new users if there are none now
 * @dev: the device
 *
 * Context: any; takes vxf_device.users_lock.
 * Return: true if the device had no user and is now dead.
 */
bool vxf_device_kill_if_unused(struct vxf_device *dev)
{
	bool killed = false;

	spin_lock(&dev->users_lock);
	if (!dev->users && !dev->dead) {
		dev->dead = true;
		killed = true;
	}
	spin_unlock(&dev->users_lock);
	return killed;
}
EXPORT_SYMBOL_NS_GPL(vxf_device_kill_if_unused, VIRTIO_XEN_FAULT);

/**
 * vxf_device_unregister() - make /dev/vxfN disappear
 * @dev: the device
 *
 * Existing users keep their files and mappings (which fault with SIGBUS once
 * the transport is gone); no new one can open the device, and the window
 * is no longer bound to a consumer (vxf_window_bind()).
 *
 * Context: process context; not under misc_mtx.
 */
void vxf_device_unregister(struct vxf_device *dev)
{
	spin_lock(&dev->users_lock);
	dev->dead = true;
	spin_unlock(&dev->users_lock);

	vxf_device_unbind(dev);
	vxf_debugfs_remove(dev);
	if (dev->registered) {
		misc_deregister(&dev->misc);
		dev->registered = false;
	}
}
EXPORT_SYMBOL_NS_GPL(vxf_device_unregister, VIRTIO_XEN_FAULT);

static void vxf_device_release(struct kref *kref)
{
	struct vxf_device *dev = container_of(kref, struct vxf_device, kref);
	struct module *owner;

	WARN_ON_ONCE(dev->ops);
	vxf_hv_detach(dev);
	vxf_window_destroy(&dev->win);
	xa_destroy(&dev->ring.inflight);
	ida_free(&vxf_ida, dev->index);
	vxf_device_inode_free(dev->inode);
	owner = dev->owner;
	kfree(dev);
	vxf_live_add(VXF_LIVE_DEVICES, -1);
	/* Last: the hv ops' release above may have been the owner's code. */
	vxf_owner_put(owner);
}

/**
 * vxf_device_get() - take a reference
 * @dev: the device
 *
 * Context: any; the caller holds a reference already.
 */
void vxf_device_get(struct vxf_device *dev)
{
	kref_get(&dev->kref);
}
EXPORT_SYMBOL_NS_GPL(vxf_device_get, VIRTIO_XEN_FAULT);

/**
 * vxf_device_put() - drop a reference
 * @dev: the device
 *
 * Context: process context (the last put frees the window).
 */
void vxf_device_put(struct vxf_device *dev)
{
	kref_put(&dev->kref, vxf_device_release);
}
EXPORT_SYMBOL_NS_GPL(vxf_device_put, VIRTIO_XEN_FAULT);

/**
 * vxf_device_users_inc() - a user (open file or VMA) arrives
 * @dev: the device
 *
 * Context: any; takes vxf_device.users_lock.
 */
void vxf_device_users_inc(struct vxf_device *dev)
{
	spin_lock(&dev->users_lock);
	dev->users++;
	spin_unlock(&dev->users_lock);
	vxf_device_get(dev);
}

/**
 * vxf_device_users_inc_live() - a new user arrives, unless the device goes
 * @dev: the device
 *
 * Context: any; takes vxf_device.users_lock.
 * Return: false if the device is being removed (no new user may come).
 */
bool vxf_device_users_inc_live(struct vxf_device *dev)
{
	spin_lock(&dev->users_lock);
	if (dev->dead) {
		spin_unlock(&dev->users_lock);
		return false;
	}
	dev->users++;
	spin_unlock(&dev->users_lock);
	vxf_device_get(dev);
	return true;
}

/**
 * vxf_device_users_dec() - a user goes away
 * @dev: the device
 *
 * When it was the last one, the window's pages go back to the backend
 * (UNMAP) and the owner is told.
 *
 * Context: process context, possibly with the mmap lock held (vm_close).
 */
void vxf_device_users_dec(struct vxf_device *dev)
{
	bool idle;

	spin_lock(&dev->users_lock);
	idle = !--dev->users;
	spin_unlock(&dev->users_lock);

	if (idle) {
		vxf_ring_release_window(dev);
		if (dev->owner_idle)
			dev->owner_idle(dev);
	}
	vxf_device_put(dev);
}

/**
 * vxf_device_connect() - attach a transport and its freshly made rings
 * @dev: the device
 * @ops: the transport
 * @priv: the transport's data
 * @req: request ring shared page(s), initialised here
 * @evt: event ring shared page(s), initialised here
 * @ring_bytes: size of each ring
 *
 * Context: process context.
 * Return: 0, or -EBUSY if the device already has a transport.
 */
int vxf_device_connect(struct vxf_device *dev,
		       const struct vxf_transport_ops *ops, void *priv,
		       struct xenvxf_req_sring *req,
		       struct xenvxf_evt_sring *evt, size_t ring_bytes)
{
	struct vxf_ring *ring = &dev->ring;
	int err = 0;

	mutex_lock(&ring->lock);
	if (dev->ops) {
		err = -EBUSY;
		goto out;
	}
	dev->ops = ops;
	dev->priv = priv;
	vxf_ring_connect(dev, req, evt, ring_bytes);
out:
	mutex_unlock(&ring->lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(vxf_device_connect, VIRTIO_XEN_FAULT);

/**
 * vxf_device_disconnect() - the transport goes away
 * @dev: the device
 *
 * Every page the backend lent is dropped from user mappings and released
 * through the transport, which is then forgotten. Faults in flight, and new
 * ones until a transport connects again, get SIGBUS.
 *
 * Context: process context.
 */
void vxf_device_disconnect(struct vxf_device *dev)
{
	struct vxf_ring *ring = &dev->ring;

	mutex_lock(&ring->lock);
	if (dev->ops) {
		vxf_ring_disconnect(dev);
		dev->ops = NULL;
		dev->priv = NULL;
		vxf_count(&dev->win, VXF_CNT_DISCONNECTS);
	}
	mutex_unlock(&ring->lock);
}
EXPORT_SYMBOL_NS_GPL(vxf_device_disconnect, VIRTIO_XEN_FAULT);

/**
 * vxf_device_has_transport() - whether a transport is attached
 * @dev: the device
 *
 * Context: process context; takes vxf_ring.lock.
 * Return: true if attached.
 */
bool vxf_device_has_transport(struct vxf_device *dev)
{
	bool ret;

	mutex_lock(&dev->ring.lock);
	ret = dev->ops;
	mutex_unlock(&dev->ring.lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(vxf_device_has_transport, VIRTIO_XEN_FAULT);

/**
 * vxf_device_state() - VXF_STATE_* of the device
 * @dev: the device
 *
 * Context: any (a racy snapshot).
 * Return: the state.
 */
u32 vxf_device_state(struct vxf_device *dev)
{
	if (READ_ONCE(dev->ring.broken))
		return VXF_STATE_BROKEN;
	if (READ_ONCE(dev->ring.connected))
		return VXF_STATE_CONNECTED;
	return VXF_STATE_DISCONNECTED;
}

/**
 * vxf_device_info() - fill in VXF_IOC_INFO
 * @dev: the device
 * @info: filled in
 *
 * Context: any.
 */
void vxf_device_info(struct vxf_device *dev, struct vxf_info *info)
{
	struct vxf_window *win = &dev->win;

	memset(info, 0, sizeof(*info));
	info->window_pages = win->nr_pages;
	info->map_pages = 1U << win->granule_shift;
	info->cache = win->cache;
	info->state = vxf_device_state(dev);
	info->protocol = info->state == VXF_STATE_CONNECTED ?
			 XENVXF_PROTOCOL_VERSION : 0;
	info->index = dev->index;
	info->fault_timeout_ms = jiffies_to_msecs(win->fault_timeout);
	info->hv_gfn = win->hv_gfn;
}
