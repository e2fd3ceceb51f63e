// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - <debugfs>/vxf/vxfN/{info,stats}: a window's state and counters;
 * <debugfs>/vxf/allocations: the driver's objects alive, for leak checks
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vxf.h"

static int vxf_stats_show(struct seq_file *m, void *unused)
{
	struct vxf_device *dev = m->private;
	struct vxf_stats st;
	int i;

	vxf_window_get_stats(&dev->win, &st);
	seq_printf(m, "faults %llu\n", st.faults);
	seq_printf(m, "faults_present %llu\n", st.faults_present);
	seq_printf(m, "coalesced %llu\n", st.coalesced);
	seq_printf(m, "maps %llu\n", st.maps);
	seq_printf(m, "map_pages %llu\n", st.map_pages);
	seq_printf(m, "map_errors %llu\n", st.map_errors);
	seq_printf(m, "timeouts %llu\n", st.timeouts);
	seq_printf(m, "revokes %llu\n", st.revokes);
	seq_printf(m, "revoked_pages %llu\n", st.revoked_pages);
	seq_printf(m, "resets %llu\n", st.resets);
	seq_printf(m, "unmaps %llu\n", st.unmaps);
	seq_printf(m, "sigbus %llu\n", st.sigbus);
	seq_printf(m, "protocol_errors %llu\n", st.protocol_errors);
	seq_printf(m, "disconnects %llu\n", st.disconnects);
	seq_printf(m, "mapped_pages %llu\n", st.mapped_pages);
	seq_printf(m, "prefetched_pages %llu\n", st.prefetched_pages);
	seq_printf(m, "ring_requeues %llu\n", READ_ONCE(dev->ring.requeues));
	for (i = 0; i < VXF_LAT_BUCKETS; i++)
		seq_printf(m, "latency_us[%u] %llu\n", 1U << i,
			   st.lat_hist[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxf_stats);

static int vxf_info_show(struct seq_file *m, void *unused)
{
	struct vxf_device *dev = m->private;
	static const char * const states[] = {
		[VXF_STATE_DISCONNECTED] = "disconnected",
		[VXF_STATE_CONNECTED] = "connected",
		[VXF_STATE_BROKEN] = "broken",
	};
	static const char * const caches[] = {
		[VXF_CACHE_WB] = "wb",
		[VXF_CACHE_WC] = "wc",
		[VXF_CACHE_UC] = "uc",
	};
	struct vxf_info info;

	vxf_device_info(dev, &info);
	seq_printf(m, "state %s\n", states[info.state]);
	seq_printf(m, "window_pages %llu\n", info.window_pages);
	seq_printf(m, "map_pages %u\n", info.map_pages);
	seq_printf(m, "cache %s\n", caches[info.cache]);
	seq_printf(m, "fault_timeout_ms %u\n", info.fault_timeout_ms);
	seq_printf(m, "prefetch_max %u\n", vxf_window_prefetch_max(&dev->win));
	seq_printf(m, "protocol %u\n", info.protocol);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxf_info);

atomic_long_t vxf_live[VXF_LIVE_NR];

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
	};
	static const char * const sites[VXF_INJECT_NR] = {
		[VXF_INJECT_ALLOC] = "alloc",
		[VXF_INJECT_MAP] = "map",
		[VXF_INJECT_TIMEOUT] = "timeout",
		[VXF_INJECT_UNMAP] = "unmap",
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
 * vxf_debugfs_init() - create the driver's own debugfs files
 *
 * Context: process context, module init, after vxf_debugfs_root.
 */
void vxf_debugfs_init(void)
{
	debugfs_create_file("allocations", 0444, vxf_debugfs_root, NULL,
			    &vxf_allocations_fops);
}

/**
 * vxf_debugfs_add() - create the device's debugfs files
 * @dev: the device
 *
 * Context: process context.
 */
void vxf_debugfs_add(struct vxf_device *dev)
{
	dev->debugfs = debugfs_create_dir(dev->name, vxf_debugfs_root);
	debugfs_create_file("stats", 0444, dev->debugfs, dev,
			    &vxf_stats_fops);
	debugfs_create_file("info", 0444, dev->debugfs, dev, &vxf_info_fops);
}

/**
 * vxf_debugfs_remove() - remove them; waits for readers
 * @dev: the device
 *
 * Context: process context.
 */
void vxf_debugfs_remove(struct vxf_device *dev)
{
	debugfs_remove(dev->debugfs);
	dev->debugfs = NULL;
}
