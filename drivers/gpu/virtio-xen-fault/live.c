// SPDX-License-Identifier: GPL-2.0
/*
 * live.c - the driver's objects alive, by kind, for the tests' leak checks
 *
 * A test hook (CONFIG_VIRTIO_XEN_FAULT_DEBUG): each kind is counted where
 * its objects are made and freed (vxf_live_add()), the loop test module's
 * kinds included, and <debugfs>/vxf/allocations shows the counts with the
 * failures inject.c injected. After every window, backend and mapping is
 * gone, every count is back to 0.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/seq_file.h>

#include "vxf.h"

atomic_long_t vxf_live[VXF_LIVE_NR];
EXPORT_SYMBOL_NS_GPL(vxf_live, VIRTIO_XEN_FAULT);

static int vxf_allocations_show(struct seq_file *m, void *unused)
{
	static const char * const names[VXF_LIVE_NR] = {
		[VXF_LIVE_DEVICES] = "devices",
		[VXF_LIVE_CHUNKS] = "chunks",
		[VXF_LIVE_REQUESTS] = "requests",
		[VXF_LIVE_HV_PENDING] = "hv_pending",
		[VXF_LIVE_LOOP_BACKENDS] = "loop_backends",
		[VXF_LIVE_LOOP_REFS] = "loop_refs",
		[VXF_LIVE_LOOP_PINNED_PAGES] = "loop_pinned_pages",
		[VXF_LIVE_XEN_MAPPED_PAGES] = "xen_mapped_pages",
		[VXF_LIVE_LOOP_BLOBS] = "loop_blobs",
	};
	static const char * const sites[VXF_INJECT_NR] = {
		[VXF_INJECT_ALLOC] = "alloc",
		[VXF_INJECT_MAP] = "map",
		[VXF_INJECT_TIMEOUT] = "timeout",
		[VXF_INJECT_UNMAP] = "unmap",
		[VXF_INJECT_RETYPE] = "retype",
	};
	int i;

	for (i = 0; i < VXF_LIVE_NR; i++)
		seq_printf(m, "%s %ld\n", names[i],
			   atomic_long_read(&vxf_live[i]));
	for (i = 0; i < VXF_INJECT_NR; i++)
		seq_printf(m, "injected_%s %ld\n", sites[i],
			   atomic_long_read(&vxf_injected[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxf_allocations);

/**
 * vxf_live_init() - create <debugfs>/vxf/allocations
 *
 * Context: process context, module init, after vxf_debugfs_root.
 */
void vxf_live_init(void)
{
	debugfs_create_file("allocations", 0444, vxf_debugfs_root, NULL,
			    &vxf_allocations_fops);
}
