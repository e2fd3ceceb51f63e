// SPDX-License-Identifier: GPL-2.0
/*
 * hv.c - vxf-bench --hv-pair: the fault round trip in hypervisor mode
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * On the patched Xen (xen/patches/), in a domU with two vxf devices served
 * by one dom0 backend started with --hv (scripts/bench.sh): the window that
 * connected first is in hypervisor mode, the other one in grant mode (Xen
 * takes one report area per domain, the driver falls back). One thread
 * reads word 0 of a page of each window right after the backend took that
 * page away, the two windows in turn, so that both see the same load:
 *
 *   hypervisor mode  'hv-revoke PAGE 1' (XEN_DMOP_revoke_pages, nothing on
 *                    the event ring); the read reaches Xen, which holds the
 *                    vCPU and writes a fault record; the driver sends the
 *                    MAP from the report's interrupt; the backend lends the
 *                    page again and Xen releases the vCPU.
 *   grant mode       'revoke PAGE 1' (REVOKE on the ring, REVOKE_DONE); the
 *                    read faults in the guest, MAP, the backend grants the
 *                    page, the driver maps the grant and retries the fault.
 *
 * Then the userfaultfd reference, in the same process (rtt.c). Failures,
 * not figures: a window not in the mode its device is named for, a read
 * returning anything but the page's pattern, an hv-revoke that did not take
 * exactly the one page back, a hypervisor-mode read that did not come
 * through a fault report, a REVOKE on the hypervisor-mode window's ring, a
 * SIGBUS.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Open device @devid's window (vxf_helpers.c picks it by this variable). */
static int hv_open(struct win *w, unsigned int devid, char *why, size_t len)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", devid);
	if (setenv("VXF_TEST_XEN_DEVID", v, 1)) {
		snprintf(why, len, "setenv: %s", strerror(errno));
		return -errno;
	}
	return win_open(w, RTT_PAGES, 1, why, len);
}

/* After a failure on device @devid's window: its counters, to say why. */
static void hv_dump_stats(unsigned int devid)
{
	struct vxf_stats st;
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/vxf%u", devid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!vxf_stats(fd, &st))
		note("%s counters: faults=%llu maps=%llu map_errors=%llu timeouts=%llu sigbus=%llu disconnects=%llu hv_reports=%llu hv_rejected=%llu hv_overflows=%llu hv_failed=%llu",
		     path, (unsigned long long)st.faults,
		     (unsigned long long)st.maps,
		     (unsigned long long)st.map_errors,
		     (unsigned long long)st.timeouts,
		     (unsigned long long)st.sigbus,
		     (unsigned long long)st.disconnects,
		     (unsigned long long)st.hv_reports,
		     (unsigned long long)st.hv_rejected,
		     (unsigned long long)st.hv_overflows,
		     (unsigned long long)st.hv_failed);
	close(fd);
}

/*
 * Take page @p of @w away (through the hypervisor when @hv), time the read
 * that brings it back into *@lat. Returns 0, or -1 after fail().
 */
static int hv_sample(struct win *w, bool hv, uint64_t p, uint64_t *lat)
{
	uint64_t t0, t1, v, pages = 0;
	char line[256];

	if (hv) {
		if (vxf_backend_cmd(&w->be, line, sizeof(line),
				    "hv-revoke %" PRIu64 " 1", p)) {
			fail("hv-revoke %" PRIu64 " 1: %s", p,
			     vxf_backend_last_error());
			return -1;
		}
		pages = vxf_reply_field(line, "pages");
	} else if (win_revoke(w, p, 1, &pages)) {
		return -1;
	}
	if (pages != 1) {
		fail("%srevoke %" PRIu64 " 1 took %" PRIu64 " pages back, not 1",
		     hv ? "hv-" : "", p, pages);
		return -1;
	}
	t0 = now_ns();
	v = rd64(w->map + p * PAGE);
	t1 = now_ns();
	if (v != vxf_pattern_word(p, 0)) {
		fail("%s mode: page %" PRIu64 " read %#" PRIx64,
		     hv ? "hypervisor" : "grant", p, v);
		return -1;
	}
	*lat = t1 - t0;
	return 0;
}

/* The counters of @w, or a failure. */
static int hv_stats(struct win *w, struct vxf_stats *st)
{
	int ret = vxf_stats(w->fd, st);

	if (ret)
		fail("VXF_IOC_STATS on %s: %s", w->be.dev, strerror(-ret));
	return ret;
}

/* What the windows' counters must say after @total reads of each. */
static void hv_check_stats(const struct vxf_stats *h0,
			   const struct vxf_stats *h1,
			   const struct vxf_stats *g0,
			   const struct vxf_stats *g1, unsigned int total)
{
	uint64_t reports = h1->hv_reports - h0->hv_reports;

	if (reports < total)
		fail("hypervisor mode: %" PRIu64 " fault reports for %u reads of revoked pages",
		     reports, total);
	if (h1->revokes != h0->revokes)
		fail("hypervisor mode: %" PRIu64 " REVOKEs on the event ring",
		     h1->revokes - h0->revokes);
	if (h1->sigbus != h0->sigbus || g1->sigbus != g0->sigbus)
		fail("SIGBUS/EFAULT counted: %" PRIu64 " hypervisor mode, %" PRIu64 " grant mode",
		     h1->sigbus - h0->sigbus, g1->sigbus - g0->sigbus);
	if (g1->revokes - g0->revokes != total)
		fail("grant mode: %" PRIu64 " REVOKEs handled for %u revokes",
		     g1->revokes - g0->revokes, total);
	if (g1->hv_reports != g0->hv_reports)
		fail("grant mode: %" PRIu64 " fault reports",
		     g1->hv_reports - g0->hv_reports);
	bench("fault_reports_per_read", (double)reports / total, "reports");
}

/*
 * Both windows' round trips, @n samples each after RTT_WARMUP, into @hl
 * (hypervisor mode) and @gl (grant mode). Returns 0, or -1 after fail().
 */
static int hv_rtt(unsigned int hv_dev, unsigned int grant_dev,
		  unsigned int n, uint64_t *hl, uint64_t *gl)
{
	struct vxf_stats h0, h1, g0, g1;
	unsigned int i, total = n + RTT_WARMUP;
	struct win h, g;
	char why[512];
	int ret = -1;

	if (hv_open(&h, hv_dev, why, sizeof(why))) {
		fail("device %u (hypervisor mode): %s", hv_dev, why);
		hv_dump_stats(hv_dev);
		return -1;
	}
	if (hv_open(&g, grant_dev, why, sizeof(why))) {
		fail("device %u (grant mode): %s", grant_dev, why);
		hv_dump_stats(grant_dev);
		win_close(&h);
		return -1;
	}
	if (!h.info.hv_gfn) {
		fail("device %u: the window is in grant mode, not hypervisor mode (stock Xen, or a backend without --hv?)",
		     hv_dev);
		goto out;
	}
	if (g.info.hv_gfn) {
		fail("device %u: the window is in hypervisor mode, not grant mode",
		     grant_dev);
		goto out;
	}
	note("hypervisor mode window: device %u (%s, guest frames from %#llx); grant mode window: device %u (%s)",
	     hv_dev, h.be.dev, (unsigned long long)h.info.hv_gfn, grant_dev,
	     g.be.dev);
	if (touch_read_check(&h, 0, RTT_PAGES) ||
	    touch_read_check(&g, 0, RTT_PAGES) ||
	    hv_stats(&h, &h0) || hv_stats(&g, &g0))
		goto out;
	for (i = 0; i < total; i++) {
		uint64_t p = i % RTT_PAGES, a, b;

		if (hv_sample(&h, true, p, &a) || hv_sample(&g, false, p, &b))
			goto out;
		if (i >= RTT_WARMUP) {
			hl[i - RTT_WARMUP] = a;
			gl[i - RTT_WARMUP] = b;
		}
	}
	if (hv_stats(&h, &h1) || hv_stats(&g, &g1))
		goto out;
	hv_check_stats(&h0, &h1, &g0, &g1, total);
	ret = 0;
out:
	if (ret) {
		hv_dump_stats(hv_dev);
		hv_dump_stats(grant_dev);
	}
	win_close(&g);
	win_close(&h);
	return ret;
}

/* --hv-pair HV:GRANT: the round trip in both modes and userfaultfd's */
void fig_hv(unsigned int hv_dev, unsigned int grant_dev)
{
	uint64_t *hl, *gl, *uf = NULL, h50 = 0, g50 = 0, u50 = 0;
	unsigned int n = opt.samples;

	hl = calloc(n, sizeof(*hl));
	gl = calloc(n, sizeof(*gl));
	if (!hl || !gl) {
		fail("out of memory");
		goto out;
	}
	note("hypervisor mode vs grant mode: one thread reads word 0 of a page right after the backend took it away, the two windows in turn: hypervisor mode 'hv-revoke PAGE 1' (the read is held by Xen and reported, the MAP lends the page again), grant mode 'revoke PAGE 1' (REVOKE on the ring; the MAP grants the page); CLOCK_MONOTONIC around the read; %u samples each over %d pages after %d warm-up ones; one dom0 backend with --hv serves both",
	     n, RTT_PAGES, RTT_WARMUP);
	if (hv_rtt(hv_dev, grant_dev, n, hl, gl))
		goto out;
	h50 = report_p50_p99("fault_rtt", hl, n);
	g50 = report_p50_p99("grant_fault_rtt", gl, n);

	u50 = rtt_uffd_reference(n, &uf);

	ratio("fault_rtt_vs_grant", h50, g50);
	ratio("fault_rtt_vs_uffd", h50, u50);
	ratio("grant_fault_rtt_vs_uffd", g50, u50);
	print_cdf("vxf_fault_rtt", hl, n);
	print_cdf("grant_fault_rtt", gl, n);
	if (uf)
		print_cdf("uffd_rtt", uf, n);
out:
	free(hl);
	free(gl);
	free(uf);
}
