// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module entry of virtio-xen-fault: parameters, init and exit
 *
 * virtio-xen-fault gives Xen guests on-demand memory for GPU blobs: pages
 * the backend may take back at any time, which the guest fetches again on
 * the next access instead of reading a hole.
 */

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "vxf.h"

unsigned int vxf_default_map_pages = 1;
module_param_named(map_pages, vxf_default_map_pages, uint, 0644);
MODULE_PARM_DESC(map_pages,
		 "Pages asked for per MAP when the transport does not say (power of two, at most 12; default 1)");

unsigned int vxf_default_fault_timeout_ms = 10000;
module_param_named(fault_timeout_ms, vxf_default_fault_timeout_ms, uint,
		   0644);
MODULE_PARM_DESC(fault_timeout_ms,
		 "How long a fault waits for the backend before SIGBUS, when the transport does not say (default 10000)");

unsigned int vxf_prefetch_pages = 64;
module_param_named(prefetch_pages, vxf_prefetch_pages, uint, 0644);
MODULE_PARM_DESC(prefetch_pages,
		 "Most pages asked for ahead of sequential faults, read at each one, so a change applies to every window (0 disables; at most 4096; default 64)");

struct dentry *vxf_debugfs_root;

static int __init vxf_init(void)
{
	int err;

	vxf_debugfs_root = debugfs_create_dir("vxf", NULL);
	vxf_live_init();
	err = vxf_xen_init();
	if (err)
		goto err_debugfs;
	return 0;

err_debugfs:
	debugfs_remove(vxf_debugfs_root);
	return err;
}

static void __exit vxf_exit(void)
{
	vxf_xen_exit();
	debugfs_remove(vxf_debugfs_root);
}

module_init(vxf_init);
module_exit(vxf_exit);

MODULE_DESCRIPTION("On-demand GPU blob memory for Xen guests");
MODULE_AUTHOR("The virtio-xen-fault authors");
MODULE_LICENSE("GPL");
#ifdef VXF_VERSION	/* out of tree: the top-level VERSION file */
MODULE_VERSION(VXF_VERSION);
#endif
