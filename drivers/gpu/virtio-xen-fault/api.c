// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - windows for DRM drivers: lookup, binding, and mmap() handover
 *
 * The interface of include/linux/vxf.h. A DRM driver whose blobs live in a
 * window (virtio-gpu's host-visible region, lent page by page by the
 * backend) finds the window bound to its device, and hands each blob
 * mapping's VMA to it with vxf_window_mmap(), as drm_gem_shmem_mmap() hands
 * an imported object's VMA to dma_buf_mmap(). From then on the VMA is a
 * mapping of the window like /dev/vxfN's (mmap.c): same faults, same
 * revokes, same SIGBUS; only its memory type is its own.
 *
 * Who binds a window to which device is the transport's business: the loop
 * test module binds on request of the tests; a hypervisor-mode transport
 * would bind virtio-gpu's device when it registers its host-visible region
 * as a window.
 */

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>

#include "vxf.h"

/*
 * Windows bound to a consumer device (vxf_device.bound), each holding a
 * reference to its device and to its consumer.
 */
static DEFINE_MUTEX(vxf_bind_lock);	/* vxf_bindings, vxf_device.consumer */
static LIST_HEAD(vxf_bindings);

/**
 * vxf_window_get_file() - the window of an open /dev/vxfN
 * @file: a file, for instance from a file descriptor userspace passed, as
 *	dma_buf_get() takes one
 *
 * Context: any context that may sleep.
 * Return: the window with a reference (vxf_window_put()), or
 * ERR_PTR(-EINVAL) if @file is not an open /dev/vxfN.
 */
struct vxf_window *vxf_window_get_file(struct file *file)
{
	struct vxf_device *dev;

	if (file->f_op != &vxf_user_fops)
		return ERR_PTR(-EINVAL);
	dev = file->private_data;
	vxf_device_get(dev);
	return &dev->win;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_get_file, VIRTIO_XEN_FAULT);

/**
 * vxf_window_find() - the window bound to a device
 * @consumer: the DRM driver's device; a window bound to one of its parents
 *	(the PCI device of a virtio device) counts too
 *
 * Cheap enough to call at each mmap() of a blob: a window may be bound, or
 * unbound, after the driver probed.
 *
 * Context: process context; takes vxf_bind_lock.
 * Return: the window with a reference (vxf_window_put()), or NULL if none
 * is bound to @consumer.
 */
struct vxf_window *vxf_window_find(struct device *consumer)
{
	struct vxf_device *dev;
	struct device *d;

	mutex_lock(&vxf_bind_lock);
	for (d = consumer; d; d = d->parent) {
		list_for_each_entry(dev, &vxf_bindings, bound) {
			if (dev->consumer == d) {
				vxf_device_get(dev);
				mutex_unlock(&vxf_bind_lock);
				return &dev->win;
			}
		}
	}
	mutex_unlock(&vxf_bind_lock);
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_find, VIRTIO_XEN_FAULT);

/**
 * vxf_window_put() - drop a reference from vxf_window_get_file() or
 *	vxf_window_find()
 * @win: the window, or NULL
 *
 * Context: process context (the last reference frees the window).
 */
void vxf_window_put(struct vxf_window *win)
{
	if (win)
		vxf_device_put(win->dev);
}
EXPORT_SYMBOL_NS_GPL(vxf_window_put, VIRTIO_XEN_FAULT);

/**
 * vxf_window_bind() - make a window the one vxf_window_find() gives a device
 * @win: the window
 * @consumer: the device (a DRM driver's, or a parent of it)
 *
 * The binding holds a reference to the window and to @consumer until
 * vxf_window_unbind(), or until the window's device is unregistered.
 *
 * Context: process context; takes vxf_bind_lock.
 * Return: 0, -EBUSY if @win is bound already or @consumer has a window,
 * -ENODEV if the window's device is being removed.
 */
int vxf_window_bind(struct vxf_window *win, struct device *consumer)
{
	struct vxf_device *dev = win->dev, *other;
	bool dead;
	int err = 0;

	mutex_lock(&vxf_bind_lock);
	/* vxf_device_unregister() marks it dead, then unbinds. */
	spin_lock(&dev->users_lock);
	dead = dev->dead;
	spin_unlock(&dev->users_lock);
	if (dead) {
		err = -ENODEV;
		goto out;
	}
	if (dev->consumer) {
		err = -EBUSY;
		goto out;
	}
	list_for_each_entry(other, &vxf_bindings, bound) {
		if (other->consumer == consumer) {
			err = -EBUSY;
			goto out;
		}
	}
	dev->consumer = get_device(consumer);
	vxf_device_get(dev);
	list_add_tail(&dev->bound, &vxf_bindings);
out:
	mutex_unlock(&vxf_bind_lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_bind, VIRTIO_XEN_FAULT);

/**
 * vxf_device_unbind() - end the binding of a device's window, if any
 * @dev: the device
 *
 * Context: process context; takes vxf_bind_lock.
 */
void vxf_device_unbind(struct vxf_device *dev)
{
	struct device *consumer;

	mutex_lock(&vxf_bind_lock);
	consumer = dev->consumer;
	if (consumer) {
		list_del_init(&dev->bound);
		dev->consumer = NULL;
	}
	mutex_unlock(&vxf_bind_lock);
	if (consumer) {
		put_device(consumer);
		vxf_device_put(dev);
	}
}

/**
 * vxf_window_unbind() - end the binding made by vxf_window_bind()
 * @win: the window; nothing happens if it is not bound
 *
 * Mappings made through the binding stay: they are the window's.
 *
 * Context: process context; takes vxf_bind_lock.
 */
void vxf_window_unbind(struct vxf_window *win)
{
	vxf_device_unbind(win->dev);
}
EXPORT_SYMBOL_NS_GPL(vxf_window_unbind, VIRTIO_XEN_FAULT);

/**
 * vxf_window_pages() - size of a window
 * @win: the window
 *
 * Context: any.
 * Return: the number of 4 KiB pages in the window.
 */
u64 vxf_window_pages(const struct vxf_window *win)
{
	return win->nr_pages;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_pages, VIRTIO_XEN_FAULT);

/**
 * vxf_window_is_lent() - whether pages are lent memory
 * @win: the window
 * @first: first window page
 * @count: number of pages
 *
 * Lent memory is the backend's: it may take any page back at any time, an
 * access then faults and waits for the page. It must never reach an IOMMU
 * or a device (an IOTLB fault cannot be replayed): a caller must refuse to
 * export it as a dma-buf, and must not pin or DMA-map it in any other way.
 *
 * Context: any.
 * Return: true if any of the pages is in the window, false otherwise.
 */
bool vxf_window_is_lent(const struct vxf_window *win, u64 first, u64 count)
{
	return count && first < win->nr_pages;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_is_lent, VIRTIO_XEN_FAULT);

/**
 * vxf_window_mmap() - make a VMA a mapping of window pages
 * @win: the window
 * @vma: the VMA of a caller's mmap() (of a DRM blob), MAP_SHARED, whose
 *	vm_ops and vm_private_data the caller has cleared
 * @pgoff: the window page that the VMA's first page maps
 * @cache: VXF_CACHE_* of this mapping: its page table entries select that
 *	memory type (cache.c), whatever other mappings of the window use
 * @release: called with @data once the last VMA of the mapping (splits and
 *	fork copies included) is gone, or NULL; the caller's object (and the
 *	place of its blob in the window) thus lives as long as it is mapped
 * @data: the caller's, for @release
 *
 * Modelled on dma_buf_mmap(): the VMA's file becomes one of the window's,
 * whose address space every revoke zaps, vm_pgoff becomes @pgoff, and the
 * window's vm_ops fault pages in on demand. The VMA keeps the window, its
 * device and this module alive, and keeps the file mmap() was called on
 * open (the VMA held it before: the caller's module and device stay too).
 * The range is checked: [@pgoff, @pgoff + vma_pages(@vma)) must be inside
 * the window. On success @release owns whatever @data stands for (the
 * reference drm_gem_mmap_obj() took, for a GEM object); on failure nothing
 * changed and the caller still owns it.
 *
 * Context: process context, from a driver's mmap() (mmap lock held for
 * writing); takes vxf_window.claims_lock.
 * Return: 0; -EINVAL for a private mapping, a range outside the window, or
 * a memory type the window's frames cannot take (vxf_window_params.caches);
 * -EPERM for an executable VMA (no mapping of a window is: mmap.c); -EBUSY
 * if a live mapping uses some of the pages with another memory type
 * (a frame has one); -ENODEV if the window is going away; -ENOMEM.
 */
int vxf_window_mmap(struct vxf_window *win, struct vm_area_struct *vma,
		    pgoff_t pgoff, u32 cache, void (*release)(void *data),
		    void *data)
{
	pgoff_t end;

	if (!vma->vm_file || !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (check_add_overflow(pgoff, vma_pages(vma), &end) ||
	    end > win->nr_pages)
		return -EINVAL;
	return vxf_mapping_setup(win->dev, vma, pgoff, cache, true, release,
				 data);
}
EXPORT_SYMBOL_NS_GPL(vxf_window_mmap, VIRTIO_XEN_FAULT);
