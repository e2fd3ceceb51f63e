// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - vxf-bench: performance figures of virtio-xen-fault, with references
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The payload of `make bench` (scripts/bench.sh). Runs in the VM, starts the
 * reference backend itself (tests/igt/vxf_helpers.c) and measures:
 *
 *  1. fault round trip of a revoked page, against a userfaultfd round trip
 *     (MISSING + UFFDIO_COPY from a handler thread) and a minor fault on a
 *     shared memfd page (rtt.c; where it goes: trace.c);
 *  2. first touch of a window after revoke-all, with 1-page and 8-page MAPs
 *     and 2 MiB mappings (when the backend and driver offer them), against
 *     memset of pre-faulted anonymous memory (touch.c);
 *  3. fault throughput of 1, 2, 4, 8 threads on distinct pages, and the
 *     number of MAPs 8 threads faulting the same page cost (scale.c);
 *  4. revoke time of a fully mapped window, against the backend's command
 *     round trip and MADV_DONTNEED of as much shared memory (revoke.c);
 *  5. the driver's kernel memory per GiB of mapped window (slab deltas,
 *     touch.c).
 *
 * Every figure has a reference taken in the same VM in the same run:
 * absolute times under TCG mean little. Output lines:
 *
 *   bench: NAME VALUE UNIT          a figure
 *   bench: NAME skipped REASON      a figure that cannot be taken here
 *   ratio: NAME VALUE               figure / reference
 *   target: NAME OP LIMIT (met|not met|not measured)   never asserted
 *   note: TEXT                      how a figure was taken
 *   profile: ...                    where the fault round trip goes
 *   cdf: NAME PERCENT MICROSECONDS  latency distributions, for the plot
 *
 * --tag PREFIX puts PREFIX in front of every NAME of bench:, ratio:,
 * target: and cdf: lines (common.c's output helpers do it).
 *
 * --hv-pair HV:GRANT (Xen mode, on the patched Xen) measures instead the
 * fault round trip of device HV's window, in hypervisor mode, and of
 * device GRANT's, in grant mode, in turn, and the userfaultfd reference
 * (hv.c); nothing else.
 *
 * Xen mode (vxf_xen_mode(): a domU whose vxf device a dom0 backend serves):
 * nothing is started, every figure uses the dom0 backend's window, whose
 * size and map granule were fixed when it was made (prefetch_pages still
 * applies). A figure that window cannot provide (more pages than it has,
 * another granule, 2 MiB mappings) is printed as skipped, with the reason,
 * and is not a failure.
 *
 * Exit status: 0 when everything could be measured (whatever the numbers),
 * 1 when something failed functionally (a data mismatch, a failed revoke,
 * a backend that would not start with a mandatory configuration), 2 for a
 * usage error. A SIGBUS or SIGSEGV ends the run with status 1 too.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct opts opt = {
	.samples = 2000,
	.touch_mib = 0,
	.budget_s = 100,
	.revoke_mib = 64,
	.scale_pages = 4096,
	.trace = true,
	.tag = "",
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: vxf-bench [--samples N] [--touch-mib N] [--budget S]\n"
		"                 [--revoke-mib N] [--scale-pages N] [--no-trace]\n"
		"                 [--tag PREFIX] [--hv-pair HV:GRANT]\n"
		"       vxf-bench --help | --version\n"
		"  --samples N      fault round trip samples (default 2000)\n"
		"  --touch-mib N    first-touch window size (default: calibrate, <= 256)\n"
		"  --budget S       seconds the first-touch runs may take (default 100)\n"
		"  --revoke-mib N   revoke test window (default 64)\n"
		"  --scale-pages N  pages per scaling run, a multiple of 8 (default 4096)\n"
		"  --no-trace       no tracepoint profile of the round trip\n"
		"  --tag PREFIX     put PREFIX in front of every figure name of the\n"
		"                   bench:, ratio:, target: and cdf: lines (default none)\n"
		"  --hv-pair HV:GRANT  Xen mode: only the fault round trip of vxf device\n"
		"                   HV (hypervisor mode) and device GRANT (grant mode)\n"
		"                   in turn, and the userfaultfd reference\n");
}

/* The closing notes of figure 5: what the memory figures hold. */
static void memory_notes(void)
{
	if (vxf_xen_mode()) {
		note("memory: /proc/slabinfo, sum of active_objs * objsize over all caches, before and after the first memset mapped the window whole (window already open and mmap()ed); Xen mode: each page is a grant of dom0's mapped into a page of the unpopulated pool (the pages are not in slab), the frontend's per-page bookkeeping is in the delta; backend_grants is the dom0 backend's count; pagetables are the benchmark's PTEs, not the driver's");
		return;
	}
	note("memory: /proc/slabinfo, sum of active_objs * objsize over all caches, before and after the first memset mapped the window whole (window already open and mmap()ed, backend started); the backend's pinned pages are user memory and not in slab; the loop transport's grant bookkeeping (one kmalloc'd reference per granted page, backend_grants) is in the delta, it stands in for Xen's grant table; pagetables are the benchmark's and backend's PTEs, not the driver's");
	note("memory split (from xarray geometry, not measured): a full xarray node is 576 B for 64 entries, about 2.3 MiB per GiB of 4 KiB pages; loop mode keeps three per-page xarrays (core: window page -> PFN; loop: PFN -> reference, reference id -> reference) and a 32 B kmalloc reference per granted page (8 MiB/GiB): the core's own share is about 2.3 MiB/GiB");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "touch-mib", required_argument, NULL, 't' },
		{ "budget", required_argument, NULL, 'b' },
		{ "revoke-mib", required_argument, NULL, 'r' },
		{ "scale-pages", required_argument, NULL, 'p' },
		{ "no-trace", no_argument, NULL, 'n' },
		{ "tag", required_argument, NULL, 'T' },
		{ "hv-pair", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int hv_dev = 0, grant_dev = 0;
	uint64_t t0 = now_ns();
	bool hv_pair = false;
	char extra;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.samples = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt.touch_mib = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			opt.budget_s = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			opt.revoke_mib = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt.scale_pages = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.trace = false;
			break;
		case 'T':
			opt.tag = optarg;
			break;
		case 'H':
			hv_pair = sscanf(optarg, "%u:%u%c", &hv_dev, &grant_dev,
					 &extra) == 2 && hv_dev != grant_dev;
			if (!hv_pair) {
				print_usage(stderr);
				return 2;
			}
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		case 'V':
			printf("vxf-bench %s\n", VXF_VERSION);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	/* a figure name is one word of its line */
	if (!opt.samples || opt.scale_pages < 8 || opt.scale_pages % 8 ||
	    !opt.revoke_mib || opt.touch_mib > 256 || opt.revoke_mib > 256 ||
	    strpbrk(opt.tag, " \t\n")) {
		print_usage(stderr);
		return 2;
	}
	if (!vxf_backend_available()) {
		if (vxf_xen_mode())
			printf("error: Xen mode: no xenbus device to reach the dom0 backend\n");
		else
			printf("error: no backend at %s\n", vxf_backend_path());
		return 1;
	}
	signal(SIGBUS, on_fatal);
	signal(SIGSEGV, on_fatal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (hv_pair && !vxf_xen_mode()) {
		printf("error: --hv-pair: not in Xen mode\n");
		return 1;
	}
	if (vxf_xen_mode() && !hv_pair)
		note("Xen mode: every figure uses the dom0 backend's window, its commands go over the xenstore test channel rather than a pipe; what that window cannot provide is skipped");
	/*
	 * The fault path itself, without the prefetch policy (which would
	 * ask ahead of the round-trip loop's and the threads' sequential
	 * pages): only the first-touch figures turn it on, per row.
	 */
	if (set_prefetch(0))
		note("no prefetch_pages module parameter: the driver does not prefetch");
	if (hv_pair) {
		fig_hv(hv_dev, grant_dev);
		bench_text("total_time", "%.1f s", (now_ns() - t0) / 1e9);
		return failed ? 1 : 0;
	}
	fig_rtt();
	fig_scaling();
	fig_revoke();
	fig_first_touch();

	memory_notes();
	bench_text("total_time", "%.1f s", (now_ns() - t0) / 1e9);
	return failed ? 1 : 0;
}
