// SPDX-License-Identifier: GPL-2.0
/*
 * loop_drm.c - /dev/vxf-loop-drm: a DRM driver's side of include/linux/vxf.h
 *
 * virtio-gpu will hand the VMAs of its host-visible blob mappings to the
 * window bound to its device. This device plays that driver for the tests,
 * with nothing of DRM but the shape: blobs with handles and mmap() offsets
 * (as GEM objects), an mmap() that looks the blob up, checks the range
 * inside the blob (as virtio_gpu_vram_mmap() does on mainline), clears
 * vm_ops and vm_private_data and calls vxf_window_mmap() (as
 * drm_gem_shmem_mmap() calls dma_buf_mmap() for an imported object), with
 * the blob's reference for the mapping to keep. A dma-buf export asks
 * vxf_window_is_lent() first. The binding that a transport would make is
 * made on request (VXF_LOOP_DRM_IOC_BIND), from an open /dev/vxfN.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "loop.h"
#include "vxf.h"

/* A blob's handle is the upper half of its mmap() offset. */
#define VXF_LOOP_DRM_HANDLE_SHIFT	(32 - PAGE_SHIFT)

/**
 * struct vxf_loop_blob - a blob in the window, as a GEM object would be
 * @kref: held by its handle and by each mapping of it
 * @first: its first window page
 * @pages: its size
 * @cache: VXF_CACHE_* of its mappings
 */
struct vxf_loop_blob {
	struct kref kref;
	u64 first;
	u64 pages;
	u32 cache;
};

/**
 * struct vxf_loop_drm_file - an open /dev/vxf-loop-drm
 * @blobs: handle -> struct vxf_loop_blob (the xarray's lock guards lookups)
 * @bound: the window this file bound, holding a reference (under
 *	vxf_loop_drm_lock)
 */
struct vxf_loop_drm_file {
	struct xarray blobs;
	struct vxf_window *bound;
};

static DEFINE_MUTEX(vxf_loop_drm_lock);	/* vxf_loop_drm_file.bound */

static struct miscdevice vxf_loop_drm_misc;

static void vxf_loop_blob_free(struct kref *kref)
{
	kfree(container_of(kref, struct vxf_loop_blob, kref));
	vxf_live_add(VXF_LIVE_LOOP_BLOBS, -1);
}

/* The release the mappings call: the blob's reference they kept. */
static void vxf_loop_blob_put(void *data)
{
	struct vxf_loop_blob *blob = data;

	kref_put(&blob->kref, vxf_loop_blob_free);
}

static struct vxf_loop_blob *vxf_loop_blob_get(struct vxf_loop_drm_file *f,
					       unsigned long handle)
{
	struct vxf_loop_blob *blob;

	xa_lock(&f->blobs);
	blob = xa_load(&f->blobs, handle);
	if (blob)
		kref_get(&blob->kref);
	xa_unlock(&f->blobs);
	return blob;
}

static int vxf_loop_drm_open(struct inode *inode, struct file *file)
{
	struct vxf_loop_drm_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	xa_init_flags(&f->blobs, XA_FLAGS_ALLOC1);
	file->private_data = f;
	return 0;
}

static void vxf_loop_drm_unbind(struct vxf_loop_drm_file *f)
{
	struct vxf_window *win;

	mutex_lock(&vxf_loop_drm_lock);
	win = f->bound;
	f->bound = NULL;
	mutex_unlock(&vxf_loop_drm_lock);
	if (win) {
		vxf_window_unbind(win);
		vxf_window_put(win);
	}
}

static int vxf_loop_drm_release(struct inode *inode, struct file *file)
{
	struct vxf_loop_drm_file *f = file->private_data;
	struct vxf_loop_blob *blob;
	unsigned long handle;

	vxf_loop_drm_unbind(f);
	xa_for_each(&f->blobs, handle, blob) {
		xa_erase(&f->blobs, handle);
		vxf_loop_blob_put(blob);
	}
	xa_destroy(&f->blobs);
	kfree(f);
	return 0;
}

static long vxf_loop_drm_bind(struct vxf_loop_drm_file *f,
			      struct vxf_loop_drm_bind __user *uarg)
{
	struct vxf_loop_drm_bind b;
	struct vxf_window *win;
	struct file *vxf;
	int err;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	if (b.pad)
		return -EINVAL;
	vxf = fget(b.fd);
	if (!vxf)
		return -EBADF;
	win = vxf_window_get_file(vxf);
	fput(vxf);
	if (IS_ERR(win))
		return PTR_ERR(win);

	mutex_lock(&vxf_loop_drm_lock);
	err = f->bound ? -EBUSY :
	      vxf_window_bind(win, vxf_loop_drm_misc.this_device);
	if (!err)
		f->bound = win;
	mutex_unlock(&vxf_loop_drm_lock);
	if (err)
		vxf_window_put(win);
	return err;
}

static long vxf_loop_drm_create(struct vxf_loop_drm_file *f,
				struct vxf_loop_drm_blob __user *uarg)
{
	struct vxf_loop_drm_blob c;
	struct vxf_loop_blob *blob;
	u32 handle;
	int err;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (!c.pages || c.pages > VXF_LOOP_DRM_MAX_PAGES ||
	    c.cache > VXF_CACHE_UC)
		return -EINVAL;
	blob = kzalloc(sizeof(*blob), GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	vxf_live_add(VXF_LIVE_LOOP_BLOBS, 1);
	kref_init(&blob->kref);
	blob->first = c.first;
	blob->pages = c.pages;
	blob->cache = c.cache;
	err = xa_alloc(&f->blobs, &handle, blob,
		       XA_LIMIT(1, U32_MAX >> VXF_LOOP_DRM_HANDLE_SHIFT),
		       GFP_KERNEL);
	if (err) {
		vxf_loop_blob_put(blob);
		return err;
	}
	c.handle = handle;
	c.offset = (u64)handle << 32;
	if (copy_to_user(uarg, &c, sizeof(c))) {
		/* The handle was never seen: take it back. */
		vxf_loop_blob_put(xa_erase(&f->blobs, handle));
		return -EFAULT;
	}
	return 0;
}

static long vxf_loop_drm_handle_op(struct vxf_loop_drm_file *f,
				   unsigned int cmd,
				   struct vxf_loop_drm_handle __user *uarg)
{
	struct vxf_loop_drm_handle h;
	struct vxf_loop_blob *blob;
	struct vxf_window *win;
	long ret = 0;

	if (copy_from_user(&h, uarg, sizeof(h)))
		return -EFAULT;
	if (h.pad)
		return -EINVAL;
	if (cmd == VXF_LOOP_DRM_IOC_CLOSE) {
		blob = xa_erase(&f->blobs, h.handle);
		if (!blob)
			return -ENOENT;
		vxf_loop_blob_put(blob);
		return 0;
	}

	/* EXPORT: what a DRM driver's gem_prime_export() would ask. */
	blob = vxf_loop_blob_get(f, h.handle);
	if (!blob)
		return -ENOENT;
	win = vxf_window_find(vxf_loop_drm_misc.this_device);
	if (win && vxf_window_is_lent(win, blob->first, blob->pages))
		ret = -EOPNOTSUPP;
	vxf_window_put(win);
	vxf_loop_blob_put(blob);
	return ret;
}

static long vxf_loop_drm_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct vxf_loop_drm_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VXF_LOOP_DRM_IOC_BIND:
		return vxf_loop_drm_bind(f, uarg);
	case VXF_LOOP_DRM_IOC_UNBIND:
		vxf_loop_drm_unbind(f);
		return 0;
	case VXF_LOOP_DRM_IOC_CREATE:
		return vxf_loop_drm_create(f, uarg);
	case VXF_LOOP_DRM_IOC_CLOSE:
	case VXF_LOOP_DRM_IOC_EXPORT:
		return vxf_loop_drm_handle_op(f, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

static int vxf_loop_drm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vxf_loop_drm_file *f = file->private_data;
	u64 within = vma->vm_pgoff & ((1UL << VXF_LOOP_DRM_HANDLE_SHIFT) - 1);
	struct vxf_loop_blob *blob;
	struct vxf_window *win;
	u64 pgoff;
	int err;

	blob = vxf_loop_blob_get(f, vma->vm_pgoff >> VXF_LOOP_DRM_HANDLE_SHIFT);
	if (!blob)
		return -EINVAL;
	err = -EINVAL;
	if (within + vma_pages(vma) > blob->pages ||
	    check_add_overflow(blob->first, within, &pgoff))
		goto out_put;
	err = -ENODEV;
	win = vxf_window_find(vxf_loop_drm_misc.this_device);
	if (!win)
		goto out_put;

	/* As drm_gem_shmem_mmap() before dma_buf_mmap(). */
	vma->vm_ops = NULL;
	vma->vm_private_data = NULL;
	/* On success the mapping keeps our reference to the blob. */
	err = vxf_window_mmap(win, vma, pgoff, blob->cache, vxf_loop_blob_put,
			      blob);
	vxf_window_put(win);
	if (!err)
		return 0;
out_put:
	vxf_loop_blob_put(blob);
	return err;
}

static const struct file_operations vxf_loop_drm_fops = {
	.owner = THIS_MODULE,
	.open = vxf_loop_drm_open,
	.release = vxf_loop_drm_release,
	.mmap = vxf_loop_drm_mmap,
	.unlocked_ioctl = vxf_loop_drm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vxf_loop_drm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vxf-loop-drm",
	.fops = &vxf_loop_drm_fops,
	.mode = 0600,
};

int vxf_loop_drm_init(void)
{
	return misc_register(&vxf_loop_drm_misc);
}

void vxf_loop_drm_exit(void)
{
	misc_deregister(&vxf_loop_drm_misc);
}
