// SPDX-License-Identifier: GPL-2.0
/*
 * loop_vgpu.c - the loop device's stand-in for a hypervisor that lends
 * virtio-gpu's host-visible region (VXF_LOOP_F_VGPU)
 *
 * In hypervisor mode, the driver is meant to find virtio-gpu's host-visible
 * region itself, register it as a window whose pages the hypervisor lends
 * and revokes, and bind that window to virtio-gpu's device, so that a
 * virtio-gpu that hands its blob mappings to a bound window (the patch in
 * patches/linux/) maps them on demand. No hypervisor lends the region in
 * the test VM: this finds the region the same way and lets a loop backend
 * lend its frames, window page N as frame N of the region, so that a
 * revoke takes a frame out of every user mapping and the fault maps the
 * same frame back; the host keeps writing the memory the guest maps.
 *
 * The region is a PCI BAR: its frames have no struct page, so mappings of
 * the window are write-back only (cache.c cannot retype them), and the
 * references made here pin nothing. vmf_insert_pfn() maps such a frame
 * with the memory type x86 PAT tracks for it, uncached-minus where it
 * tracks none: the region is mapped write-back in the kernel while it is
 * held here (ioremap_cache()), so that PAT tracks it write-back (or
 * uncached-minus where an MTRR makes it uncachable), as hypervisor mode
 * does for its window (xen_hv.c) and as virtio-gpu's own mmap() of a
 * cached blob gets. Nothing reads through that mapping.
 */

#include <linux/err.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_gpu.h>
#include <linux/virtio_ids.h>
#include <linux/vxf.h>

#include "loop.h"

/* virtio 1.0 PCI IDs: 0x1040 + the device ID, virtio-gpu is 16 */
#define VXF_LOOP_VGPU_VENDOR	PCI_VENDOR_ID_REDHAT_QUMRANET
#define VXF_LOOP_VGPU_DEVICE	(0x1040 + VIRTIO_ID_GPU)

static int vxf_loop_vgpu_match(struct device *dev, void *data)
{
	return dev->bus && !strcmp(dev->bus->name, "virtio");
}

/**
 * vxf_loop_vgpu_get() - find virtio-gpu's host-visible region
 *
 * Takes the first virtio-gpu PCI device whose virtio device has a
 * host-visible shared-memory region (VIRTIO_GPU_SHM_ID_HOST_VISIBLE).
 *
 * Context: process context.
 * Return: the region, holding a reference to the PCI device and the
 * region's write-back tracking (vxf_loop_vgpu_put()); ERR_PTR(-ENODEV) if
 * there is none, or -ENOMEM.
 */
struct vxf_loop_vgpu *vxf_loop_vgpu_get(void)
{
	struct pci_dev *pdev = NULL;
	struct virtio_shm_region region;
	struct vxf_loop_vgpu *vg;
	struct device *child;
	bool found;

	while ((pdev = pci_get_device(VXF_LOOP_VGPU_VENDOR,
				      VXF_LOOP_VGPU_DEVICE, pdev))) {
		child = device_find_child(&pdev->dev, NULL, vxf_loop_vgpu_match);
		if (!child)
			continue;
		found = virtio_get_shm_region(dev_to_virtio(child), &region,
					      VIRTIO_GPU_SHM_ID_HOST_VISIBLE);
		put_device(child);
		if (found && region.len >= PAGE_SIZE &&
		    PAGE_ALIGNED(region.addr) && PAGE_ALIGNED(region.len))
			break;
	}
	if (!pdev)
		return ERR_PTR(-ENODEV);

	vg = kzalloc(sizeof(*vg), GFP_KERNEL);
	if (!vg)
		goto err_put;
	vg->wb = ioremap_cache(region.addr, region.len);
	if (!vg->wb)
		goto err_free;
	vg->pdev = pdev;
	vg->pfn = PHYS_PFN(region.addr);
	vg->pages = region.len >> PAGE_SHIFT;
	return vg;

err_free:
	kfree(vg);
err_put:
	pci_dev_put(pdev);
	return ERR_PTR(-ENOMEM);
}

/**
 * vxf_loop_vgpu_bind() - bind a window to virtio-gpu's device
 * @vg: the region, from vxf_loop_vgpu_get()
 * @win: the window standing for it
 *
 * Context: process context.
 * Return: 0, or vxf_window_bind()'s error (EBUSY: a window is bound to
 * the device already).
 */
int vxf_loop_vgpu_bind(struct vxf_loop_vgpu *vg, struct vxf_window *win)
{
	int err = vxf_window_bind(win, &vg->pdev->dev);

	if (!err)
		vg->bound = win;
	return err;
}

/**
 * vxf_loop_vgpu_put() - end the binding, if any, and drop the region
 * @vg: the region, or NULL
 *
 * Mappings made through the binding stay the window's.
 *
 * Context: process context.
 */
void vxf_loop_vgpu_put(struct vxf_loop_vgpu *vg)
{
	if (!vg)
		return;
	if (vg->bound)
		vxf_window_unbind(vg->bound);
	iounmap(vg->wb);
	pci_dev_put(vg->pdev);
	kfree(vg);
}
