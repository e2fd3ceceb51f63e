/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen.h - Xen mode of the vxf backend (vxf-backend-xen --xen): serve every
 * "vxf" frontend whose backend directory is under this domain's
 * backend/vxf, over xenstore, grant tables and event channels.
 */

#ifndef VXF_BACKEND_XEN_H
#define VXF_BACKEND_XEN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

/**
 * struct vxf_xen_opts - what every device gets
 * @window_pages: window-pages advertised
 * @cache: VXF_CACHE_* advertised as window-cache
 * @max_ring_order: max-ring-page-order advertised
 * @nr_slots: pages shared at most per device (0: window_pages + 64)
 * @delay_us: initial MAP answer delay
 * @storm_us: initial revoke storm period
 * @seed: randomness seed (each device gets seed + its index)
 * @no_answer: start with MAP answers hung
 * @quiet: no informational messages on stderr
 * @stats_on_exit: print the grant counters on stdout before exiting
 * @fail: initial fail ranges
 * @nr_fail: entries of @fail
 * @hv: offer feature-hv-fault=1 (hypervisor mode, on the patched Xen)
 */
struct vxf_xen_opts {
	uint64_t window_pages;
	unsigned int cache;
	unsigned int max_ring_order;
	uint32_t nr_slots;
	uint64_t delay_us;
	uint64_t storm_us;
	uint64_t seed;
	bool no_answer;
	bool quiet;
	bool stats_on_exit;
	const struct vxf_range *fail;
	unsigned int nr_fail;
	bool hv;
};

int vxf_xen_main(const struct vxf_xen_opts *o, const sigset_t *waitmask,
		 volatile sig_atomic_t *got_signal);

#endif /* VXF_BACKEND_XEN_H */
