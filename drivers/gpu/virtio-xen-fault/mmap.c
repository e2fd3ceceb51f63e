// SPDX-License-Identifier: GPL-2.0
/*
 * mmap.c - /dev/vxfN: user mappings of a window
 *
 * A window is mapped MAP_SHARED at its own page offsets. Mappings are
 * VM_PFNMAP | VM_IO: the kernel never takes references on their pages, so
 * get_user_pages(), O_DIRECT and DMA setup on them fail (the lent memory
 * must not end up in a hypercall, a grant or an IOMMU mapping), and core
 * dumps skip them. VFIO type1 is the exception the driver cannot refuse: it
 * follows the page table of a VM_PFNMAP range whose frames are reserved
 * (README.md, "What it is"). Every open file shares the address space of
 * the device's own inode (device.c), whichever node it was opened through,
 * so that a revoke reaches every mapping with a single
 * unmap_mapping_range().
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "vxf.h"

static void vxf_vm_open(struct vm_area_struct *vma)
{
	vxf_device_users_inc(vma->vm_private_data);
}

static void vxf_vm_close(struct vm_area_struct *vma)
{
	vxf_device_users_dec(vma->vm_private_data);
}

static vm_fault_t vxf_vm_fault(struct vm_fault *vmf)
{
	struct vxf_device *dev = vmf->vma->vm_private_data;

	return vxf_window_fault(&dev->win, vmf);
}

static vm_fault_t vxf_vm_huge_fault(VXF_HUGE_FAULT_ARGS)
{
	struct vxf_device *dev = vmf->vma->vm_private_data;

	if (!VXF_HUGE_FAULT_IS_PMD)
		return VM_FAULT_FALLBACK;
	return vxf_window_huge_fault(&dev->win, vmf);
}

static const struct vm_operations_struct vxf_vm_ops = {
	.open = vxf_vm_open,
	.close = vxf_vm_close,
	.fault = vxf_vm_fault,
	.huge_fault = vxf_vm_huge_fault,
};

static int vxf_user_open(struct inode *inode, struct file *file)
{
	struct vxf_device *dev = container_of(file->private_data,
					      struct vxf_device, misc);

	spin_lock(&dev->users_lock);
	if (dev->dead) {
		spin_unlock(&dev->users_lock);
		return -ENODEV;
	}
	dev->users++;
	spin_unlock(&dev->users_lock);

	vxf_device_get(dev);
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
	struct vxf_window *win = &dev->win;
	unsigned long pages = vma_pages(vma);

	/* MAP_PRIVATE would need copy-on-write of memory the host owns. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!vxf_range_valid(vma->vm_pgoff, pages, win->nr_pages))
		return -ENXIO;

	switch (win->cache) {
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
	vma->vm_ops = &vxf_vm_ops;
	vma->vm_private_data = dev;
	vxf_vm_open(vma);
	return 0;
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
