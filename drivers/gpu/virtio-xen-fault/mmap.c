// SPDX-License-Identifier: GPL-2.0
/*
 * mmap.c - user mappings of a window: /dev/vxfN's, and those handed over
 * by vxf_window_mmap() (api.c)
 *
 * A window is mapped MAP_SHARED at its own page offsets. Mappings are
 * VM_PFNMAP | VM_IO: the kernel never takes references on their pages, so
 * get_user_pages(), O_DIRECT and DMA setup on them fail (the lent memory
 * must not end up in a hypercall, a grant or an IOMMU mapping), and core
 * dumps skip them. VFIO type1 is the exception the driver cannot refuse: it
 * follows the page table of a VM_PFNMAP range whose frames are reserved
 * (README.md, "What it is"). Every mapping's file shares the address space
 * of the device's own inode (device.c): an open /dev/vxfN, whichever node
 * it was opened through, and the file a mapping made by vxf_window_mmap()
 * gets; so a revoke reaches every mapping with a single
 * unmap_mapping_range().
 *
 * Each mapping has a memory type: /dev/vxfN's the window's, one made by
 * vxf_window_mmap() its own. A frame can have only one (cache.c), so the
 * window pages a live mapping uses are claimed with its type, and a new
 * mapping of some of them with another type is refused (EBUSY), as PAT
 * refuses a conflicting memtype_reserve(). In a superpage window a claim
 * covers whole 2 MiB blocks, whose frames change type together.
 *
 * No mapping of a window is executable: PROT_EXEC is refused (EPERM, as on
 * a noexec mount) and VM_MAYEXEC cleared, so mprotect() cannot add it
 * later (EACCES). GPU blob memory holds data and GPU code, never CPU code,
 * and on Xen a lent page is a foreign frame, which the p2m never makes
 * executable: an instruction fetch from one is not a fault the guest can
 * handle but an error for Xen, which crashes the whole domain (and one
 * from a hole would be reported as EXEC, its MAP sent, and the retry would
 * crash it the same way, vxf_fault.h). Refusing the mapping keeps that
 * out of reach of anyone who may map the window, in every mode, so that a
 * program behaves alike on every transport.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/interval_tree.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "vxf.h"

/* Claim the pages of @m for its type; -EBUSY if taken with another. */
static int vxf_mapping_claim(struct vxf_window *win, struct vxf_mapping *m,
			     pgoff_t first, unsigned long pages)
{
	unsigned long start = first, last = first + pages - 1;
	struct interval_tree_node *node;
	int err = 0;

	if (win->superpage) {
		start = round_down(start, XENVXF_SUPERPAGE_PAGES);
		last = min_t(u64, round_up(last + 1, XENVXF_SUPERPAGE_PAGES),
			     win->nr_pages) - 1;
	}
	mutex_lock(&win->claims_lock);
	for (node = interval_tree_iter_first(&win->claims, start, last); node;
	     node = interval_tree_iter_next(node, start, last)) {
		if (container_of(node, struct vxf_mapping, claim)->cache !=
		    m->cache) {
			err = -EBUSY;
			goto out;
		}
	}
	m->claim.start = start;
	m->claim.last = last;
	interval_tree_insert(&m->claim, &win->claims);
out:
	mutex_unlock(&win->claims_lock);
	return err;
}

static void vxf_mapping_put(struct vxf_mapping *m)
{
	struct vxf_window *win = &m->dev->win;

	if (!refcount_dec_and_test(&m->refs))
		return;
	mutex_lock(&win->claims_lock);
	interval_tree_remove(&m->claim, &win->claims);
	mutex_unlock(&win->claims_lock);
	if (m->release)
		m->release(m->data);
	if (m->caller_file)
		fput(m->caller_file);
	vxf_device_put(m->dev);
	kfree(m);
}

static void vxf_vm_open(struct vm_area_struct *vma)
{
	struct vxf_mapping *m = vma->vm_private_data;

	refcount_inc(&m->refs);
	vxf_device_users_inc(m->dev);
}

/*
 * The VMA's page table entries are gone by now (munmap zaps before it
 * closes), so its claim goes with the last VMA of the mapping.
 */
static void vxf_vm_close(struct vm_area_struct *vma)
{
	struct vxf_mapping *m = vma->vm_private_data;

	vxf_device_users_dec(m->dev);
	vxf_mapping_put(m);
}

static vm_fault_t vxf_vm_fault(struct vm_fault *vmf)
{
	struct vxf_mapping *m = vmf->vma->vm_private_data;

	return vxf_window_fault(&m->dev->win, vmf, m->cache);
}

static vm_fault_t vxf_vm_huge_fault(VXF_HUGE_FAULT_ARGS)
{
	struct vxf_mapping *m = vmf->vma->vm_private_data;

	if (!VXF_HUGE_FAULT_IS_PMD)
		return VM_FAULT_FALLBACK;
	return vxf_window_huge_fault(&m->dev->win, vmf, m->cache);
}

static const struct vm_operations_struct vxf_vm_ops = {
	.open = vxf_vm_open,
	.close = vxf_vm_close,
	.fault = vxf_vm_fault,
	.huge_fault = vxf_vm_huge_fault,
};

static int vxf_window_file_release(struct inode *inode, struct file *file)
{
	vxf_device_put(file->private_data);
	return 0;
}

/*
 * The file of a mapping made by vxf_window_mmap(): its address space is the
 * device's, and it keeps the device and this module (.owner) as long as a
 * VMA has it.
 */
static const struct file_operations vxf_window_file_fops = {
	.owner = THIS_MODULE,
	.release = vxf_window_file_release,
	.llseek = noop_llseek,
};

static struct file *vxf_window_file(struct vxf_device *dev)
{
	struct file *file;

	vxf_device_get(dev);
	file = anon_inode_getfile("[vxf]", &vxf_window_file_fops, dev,
				  O_RDWR);
	if (IS_ERR(file)) {
		vxf_device_put(dev);
		return file;
	}
	file->f_mapping = dev->inode->i_mapping;
	return file;
}

/**
 * vxf_mapping_setup() - make a VMA a mapping of a window
 * @dev: the window's device
 * @vma: the VMA, MAP_SHARED, whose range the caller has checked
 * @first: the window page its first page maps
 * @cache: VXF_CACHE_* of the mapping
 * @api: the VMA comes from vxf_window_mmap(): it gets a file of the
 *	window's own in place of the one mmap() was called on, which the
 *	mapping keeps open, and becomes a user of the device unless the device
 *	is going away; otherwise it is /dev/vxfN's
 * @release: (@api) called with @data once the last VMA of the mapping is
 *	gone, or NULL
 * @data: (@api) the caller's
 *
 * Context: process context, mmap lock held for writing (mmap()).
 * Return: 0; -EINVAL for a memory type the window's frames cannot take,
 * -EPERM for an executable mapping (see the top of this file), -EBUSY if
 * some of the pages are mapped with another type, -ENODEV for a device
 * going away, -ENOMEM.
 */
int vxf_mapping_setup(struct vxf_device *dev, struct vm_area_struct *vma,
		      pgoff_t first, u32 cache, bool api,
		      void (*release)(void *data), void *data)
{
	struct vxf_window *win = &dev->win;
	struct file *file = NULL;
	struct vxf_mapping *m;
	int err;

	if (cache > VXF_CACHE_UC || !(win->caches & BIT(cache)))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	refcount_set(&m->refs, 1);
	m->dev = dev;
	m->cache = cache;
	err = vxf_mapping_claim(win, m, first, vma_pages(vma));
	if (err)
		goto err_free;

	if (api) {
		file = vxf_window_file(dev);
		if (IS_ERR(file)) {
			err = PTR_ERR(file);
			goto err_unclaim;
		}
		if (!vxf_device_users_inc_live(dev)) {
			err = -ENODEV;
			goto err_fput;
		}
		/* Nothing fails from here on. */
		m->caller_file = get_file(vma->vm_file);
		vma_set_file(vma, file);
		fput(file);
		vma->vm_pgoff = first;
		m->release = release;
		m->data = data;
	} else {
		vxf_device_users_inc(dev);
	}
	vxf_device_get(dev);

	switch (cache) {
	case VXF_CACHE_WC:
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
		break;
	case VXF_CACHE_UC:
		vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
		break;
	default:
		break;
	}
	vxf_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND |
			 VM_DONTDUMP);
	vxf_vm_flags_clear(vma, VM_MAYEXEC);
	vma->vm_ops = &vxf_vm_ops;
	vma->vm_private_data = m;
	return 0;

err_fput:
	fput(file);
err_unclaim:
	mutex_lock(&win->claims_lock);
	interval_tree_remove(&m->claim, &win->claims);
	mutex_unlock(&win->claims_lock);
err_free:
	kfree(m);
	return err;
}

static int vxf_user_open(struct inode *inode, struct file *file)
{
	struct vxf_device *dev = container_of(file->private_data,
					      struct vxf_device, misc);

	if (!vxf_device_users_inc_live(dev))
		return -ENODEV;
	file->private_data = dev;
	file->f_mapping = dev->inode->i_mapping;
	return 0;
}

static int vxf_user_release(struct inode *inode, struct file *file)
{
	vxf_device_users_dec(file->private_data);
	return 0;
}

static int vxf_user_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vxf_device *dev = file->private_data;

	/* MAP_PRIVATE would need copy-on-write of memory the host owns. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!vxf_range_valid(vma->vm_pgoff, vma_pages(vma), dev->win.nr_pages))
		return -ENXIO;
	return vxf_mapping_setup(dev, vma, vma->vm_pgoff, dev->win.cache,
				 false, NULL, NULL);
}

/* A struct vxf_stats larger than this is no structure but garbage. */
#define VXF_STATS_USIZE_MAX	4096

static_assert(offsetofend(struct vxf_stats, mapped_pages) ==
	      VXF_STATS_SIZE_VER0);
static_assert(sizeof(struct vxf_stats) == VXF_STATS_SIZE_VER1);

/**
 * vxf_window_stats_to_user() - VXF_IOC_STATS: copy the counters out
 * @win: the window
 * @ustats: the caller's struct vxf_stats
 *
 * Follows the size rule of struct vxf_stats (include/uapi/linux/vxf.h):
 * the caller's size is read once and checked, then the smaller of it and
 * the kernel's size is written, nothing beyond, and recorded in the size
 * field. Also serves the loop test module's VXF_LOOP_IOC_STATS.
 *
 * Context: process context.
 * Return: 0, -EFAULT, or -EINVAL for a size or flags the rule refuses.
 */
int vxf_window_stats_to_user(struct vxf_window *win,
			     struct vxf_stats __user *ustats)
{
	struct vxf_stats st;
	u32 usize, flags;

	if (get_user(usize, &ustats->size) || get_user(flags, &ustats->flags))
		return -EFAULT;
	if (usize < VXF_STATS_SIZE_VER0 || usize > VXF_STATS_USIZE_MAX ||
	    !IS_ALIGNED(usize, sizeof(__u64)) || flags)
		return -EINVAL;
	vxf_window_get_stats(win, &st);
	st.size = min_t(u32, usize, sizeof(st));
	st.flags = 0;
	return copy_to_user(ustats, &st, st.size) ? -EFAULT : 0;
}
EXPORT_SYMBOL_NS_GPL(vxf_window_stats_to_user, VIRTIO_XEN_FAULT);

static long vxf_user_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct vxf_device *dev = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VXF_IOC_INFO: {
		struct vxf_info info;

		vxf_device_info(dev, &info);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case VXF_IOC_STATS:
		return vxf_window_stats_to_user(&dev->win, uarg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations vxf_user_fops = {
	.owner = THIS_MODULE,
	.open = vxf_user_open,
	.release = vxf_user_release,
	.mmap = vxf_user_mmap,
	/* 2 MiB aligned addresses for 2 MiB aligned offsets, for PMDs. */
	.get_unmapped_area = thp_get_unmapped_area,
	.unlocked_ioctl = vxf_user_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};
