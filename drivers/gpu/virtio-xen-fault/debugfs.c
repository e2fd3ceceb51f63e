// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - <debugfs>/vxf/vxfN/{info,stats}: a window's state and counters
 * (<debugfs>/vxf/allocations, a test hook, is live.c's)
 *
 * Not ABI: for people and tests. stats has one "name value" line per
 * counter: those of struct vxf_stats, then what only debugging needs: the
 * ring's requeues and spurious events (notifications that announced
 * nothing), and the fault latency histogram of the faults that
 * waited for a MAP (or a hypervisor report) and got it: "fault_waits N",
 * their number, then one "latency_us[LOW] N" line per bucket, LOW the
 * bucket's lower bound in microseconds (0, 2, 4, ... 32768; each bucket
 * ends where the next begins, the last one has no end).
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vxf.h"

static int vxf_stats_show(struct seq_file *m, void *unused)
{
	struct vxf_device *dev = m->private;
	u64 hist[VXF_LAT_BUCKETS], waits = 0;
	struct vxf_stats st;
	int i;

	vxf_window_get_stats(&dev->win, &st);
	for (i = 0; i < VXF_LAT_BUCKETS; i++) {
		hist[i] = atomic64_read(&dev->win.lat_hist[i]);
		waits += hist[i];
	}
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
	seq_printf(m, "hv_reports %llu\n", st.hv_reports);
	seq_printf(m, "hv_rejected %llu\n", st.hv_rejected);
	seq_printf(m, "hv_overflows %llu\n", st.hv_overflows);
	seq_printf(m, "hv_failed %llu\n", st.hv_failed);
	seq_printf(m, "prefetched_pages %llu\n", st.prefetched_pages);
	seq_printf(m, "ring_requeues %llu\n", READ_ONCE(dev->ring.requeues));
	seq_printf(m, "ring_spurious_events %llu\n",
		   READ_ONCE(dev->ring.spurious_events));
	seq_printf(m, "fault_waits %llu\n", waits);
	for (i = 0; i < VXF_LAT_BUCKETS; i++)
		seq_printf(m, "latency_us[%u] %llu\n", i ? 1U << i : 0,
			   hist[i]);
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
