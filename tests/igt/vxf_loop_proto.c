// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_proto.c - IGT tests of the ring protocol's finer rules
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * What the frontend does with MAPs in flight at a REVOKE or a RESET, with
 * late answers, with a full event ring (budgeted passes), with its map
 * granule, and with PREFETCH MAPs, including ones the backend declines
 * (include/xen/interface/io/vxfif.h).
 */


#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop.h"

/* "@key N" of /sys/kernel/debug/vxf/vxfN/@file, or -1 if not there. */
static int64_t window_debugfs(struct window *w, const char *file,
			      const char *key)
{
	struct vxf_counters cs;
	char path[128];
	long long v;

	snprintf(path, sizeof(path), "/sys/kernel/debug/vxf/vxf%d/%s",
		 w->be.index, file);
	if (vxf_counters_read(&cs, path) || !vxf_counter_find(&cs, key, &v))
		return -1;
	return v;
}

enum prefetch_order {
	PREFETCH_SEQUENTIAL,
	PREFETCH_SCATTERED,
	PREFETCH_TWO_STREAMS,
};

/*
 * Sequential first touches make the driver ask ahead (MAPs flagged
 * PREFETCH); touches in a scattered order do not; two sequential streams
 * interleaved (as two threads reading their own halves would make them) are
 * each followed. Contents are right either way.
 */
static void test_prefetch(enum prefetch_order order)
{
	static const char *const names[] = {
		"sequential", "scattered", "two streams",
	};
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t i, page;

	igt_require_f(!vxf_hv_mode(), "reported faults do not prefetch\n");
	START(&w, "--pages", "256", "--map-pages", "1", "--quiet");
	igt_require_f(window_debugfs(&w, "info", "prefetch_max") > 0,
		      "prefetch disabled (prefetch_pages=0)\n");
	s0 = stats(&w);
	for (i = 0; i < w.pages; i++) {
		if (order == PREFETCH_SEQUENTIAL)
			page = i;
		else if (order == PREFETCH_SCATTERED)
			/* 37 is prime to 256: every page once, no neighbours */
			page = (i * 37) % w.pages;
		else
			page = i / 2 + (i % 2) * (w.pages / 2);
		check_page(&w, page, expect_pattern, 0);
	}
	s1 = stats(&w);
	igt_info("%s: faults %llu maps %llu prefetched %llu\n", names[order],
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.prefetched_pages -
				      s0.prefetched_pages));
	if (order == PREFETCH_SCATTERED)
		igt_assert_eq_u64(s1.prefetched_pages, s0.prefetched_pages);
	else
		/* all but the first few misses were asked for ahead */
		igt_assert_lte_u64(w.pages / 2,
				   s1.prefetched_pages - s0.prefetched_pages);
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);
	window_stop(&w);
}

/*
 * The backend may decline a PREFETCH MAP (-XEN_EAGAIN, vxfif.h): faults
 * that joined the declined MAP ask again, with a MAP of their own, and
 * complete; none gets SIGBUS.
 */
static void test_prefetch_declined(void)
{
	struct reader seq, r[4];
	struct vxf_stats s0, s1;
	struct window w;
	char line[512];
	int i;

	igt_require_f(!vxf_hv_mode(), "reported faults do not prefetch\n");
	igt_require_f(vxf_backend_has_option("--decline-prefetch"),
		      "backend %s has no --decline-prefetch\n",
		      vxf_backend_path());
	START(&w, "--pages", "64", "--map-pages", "1", "--timeout-ms",
	      "30000", "--decline-prefetch", "1", "--quiet");
	igt_require_f(window_debugfs(&w, "info", "prefetch_max") >= 4,
		      "prefetch_pages below 4\n");

	/* Page 0 starts a stream; the miss on page 1 prefetches 2..5. */
	check_page(&w, 0, expect_pattern, 0);
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	reader_start(&seq, &w, 1);
	WAIT_STAT(&w, prefetched_pages, s0.prefetched_pages + 4);
	/* Demand faults join the prefetch MAPs in flight. */
	for (i = 0; i < 4; i++)
		reader_start(&r[i], &w, 2 + i);
	WAIT_STAT(&w, coalesced, s0.coalesced + 4);
	be_cmd(&w, "hang off");

	reader_join(&seq, 20000);
	igt_assert_f(seq.ok, "page 1: signal %d\n", seq.sig);
	igt_assert_eq_u64(seq.value, pattern(1, 0));
	for (i = 0; i < 4; i++) {
		reader_join(&r[i], 20000);
		igt_assert_f(r[i].ok, "page %d (joined a declined prefetch): signal %d\n",
			     2 + i, r[i].sig);
		igt_assert_eq_u64(r[i].value, pattern(2 + i, 0));
	}
	s1 = stats(&w);
	igt_assert(vxf_backend_cmd(&w.be, line, sizeof(line), "stats") == 0);
	igt_info("declined %llu; maps %llu sigbus %llu map_errors %llu\n",
		 (unsigned long long)vxf_reply_field(line, "declined"),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.sigbus - s0.sigbus),
		 (unsigned long long)(s1.map_errors - s0.map_errors));
	igt_assert_lte_u64(4, vxf_reply_field(line, "declined"));
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	/* A declined prefetch is no error. */
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);
	for (i = 0; i < 8; i++)
		check_page(&w, i, expect_pattern, 0);
	window_stop(&w);
}

/* The backend has received @maps MAPs in all. */
struct maps_wait {
	struct window *w;
	uint64_t maps;
};

static bool backend_got_maps(void *arg)
{
	struct maps_wait *mw = arg;
	struct vxf_backend_stats st;

	return vxf_backend_stats(&mw->w->be, &st) == 0 &&
	       st.maps >= mw->maps;
}

static void wait_backend_maps(struct window *w, uint64_t maps)
{
	struct maps_wait mw = { .w = w, .maps = maps };

	igt_assert_f(vxf_wait_for(backend_got_maps, &mw, 10000) == 0,
		     "the backend never got MAP number %llu\n",
		     (unsigned long long)maps);
}

struct lent_wait {
	struct window *w;
	uint64_t min;
};

/* The backend lent at least @min pages, and they are the frontend's. */
static bool lent_is_mapped(void *arg)
{
	struct lent_wait *lw = arg;
	struct vxf_backend_stats st;

	return vxf_backend_stats(&lw->w->be, &st) == 0 &&
	       st.granted >= lw->min &&
	       st.granted == stats(lw->w).mapped_pages;
}

/*
 * Wait until the pages the backend lent (at least @min) are exactly the
 * pages the frontend maps; fail if that never happens.
 */
void expect_lent_is_mapped(struct window *w, uint64_t min)
{
	struct lent_wait lw = { .w = w, .min = min };
	struct vxf_backend_stats st;

	if (vxf_wait_for(lent_is_mapped, &lw, 10000) == 0)
		return;
	igt_assert(vxf_backend_stats(&w->be, &st) == 0);
	igt_assert_f(false, "backend lent %llu pages, frontend maps %llu\n",
		     (unsigned long long)st.granted,
		     (unsigned long long)stats(w).mapped_pages);
}

/*
 * vxfif.h: a MAP in flight when a REVOKE (or a RESET) of its pages comes is
 * not cancelled; its answer, which the backend pushes after the REVOKE_DONE
 * (or the RESET's answer), is installed. The fault is served by that one
 * MAP, and the backend's lent pages are the frontend's mapped pages.
 */
static void test_map_in_flight(bool reset)
{
	struct vxf_backend_stats b0;
	struct vxf_stats s0, s1;
	struct reader r;
	struct window w;
	char line[256];

	igt_require_f(!vxf_hv_mode(), "hypervisor revokes need no answer\n");
	igt_require_f(!vxf_xen_mode(), "checked in loop mode\n");
	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	check_page(&w, 5, expect_pattern, 0);
	igt_assert(vxf_backend_stats(&w.be, &b0) == 0);
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	reader_start(&r, &w, 3);
	wait_backend_maps(&w, b0.maps + 1);

	if (reset) {
		igt_assert_f(vxf_backend_cmd(&w.be, line, sizeof(line),
					     "reset") == 0,
			     "%s\n", vxf_backend_last_error());
		igt_assert_f(strstr(line, "status=0"), "%s\n", line);
	} else {
		be_revoke(&w, 0, 16);
	}
	be_cmd(&w, "hang off");
	reader_join(&r, 20000);
	igt_assert_f(r.ok, "signal %d\n", r.sig);
	igt_assert_eq_u64(r.value, pattern(3, 0));

	s1 = stats(&w);
	igt_info("MAPs sent for the fault: %llu\n",
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert_f(s1.maps - s0.maps == 1,
		     "the MAP in flight was not honoured: %llu MAPs\n",
		     (unsigned long long)(s1.maps - s0.maps));
	expect_lent_is_mapped(&w, 1);
	check_page(&w, 5, expect_pattern, 0);
	window_stop(&w);
}

/*
 * vxfif.h: a MAP whose fault gave up waiting (fault timeout) is still owed
 * its answer, which is installed when it comes: the backend's lent pages
 * stay the frontend's mapped pages, and the page needs no new MAP.
 */
static void test_late_answer(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;

	igt_require_f(!vxf_hv_mode(), "hypervisor mode waits elsewhere\n");
	igt_require_f(!vxf_xen_mode(), "checked in loop mode\n");
	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms", "300",
	      "--quiet");
	be_cmd(&w, "hang on");
	igt_assert(!vxf_try_read64(word(&w, 2, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	s0 = stats(&w);
	igt_assert_eq_u64(s0.mapped_pages, 0);
	be_cmd(&w, "hang off");
	expect_lent_is_mapped(&w, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.mapped_pages, 1);
	check_page(&w, 2, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);
	window_stop(&w);
}

struct revoke_wait {
	struct window *w;
	uint64_t done;
};

static bool revokes_answered(void *arg)
{
	struct revoke_wait *rw = arg;
	struct vxf_backend_stats st;

	return vxf_backend_stats(&rw->w->be, &st) == 0 &&
	       st.revoke_done >= rw->done;
}

/*
 * A backend that fills the event ring at once has its events handled in
 * several passes (the driver's budget), each counted in ring_requeues of
 * the window's debugfs stats; every event is still answered and the window
 * goes on.
 */
static void test_ring_budget(void)
{
	struct vxf_backend_stats b0;
	struct revoke_wait rw;
	unsigned int pushed;
	struct window w;
	char line[256];
	int64_t r0, r1;

	igt_require_f(!vxf_hv_mode(), "the ring is the same in hv mode\n");
	igt_require_f(!vxf_xen_mode(), "debugfs of the loop window only\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	igt_require_f(window_debugfs(&w, "info", "window_pages") > 0,
		      "no debugfs\n");
	r0 = window_debugfs(&w, "stats", "ring_requeues");
	igt_assert_f(r0 >= 0, "no ring_requeues in the window's stats\n");
	check_page(&w, 0, expect_pattern, 0);
	igt_assert(vxf_backend_stats(&w.be, &b0) == 0);

	igt_assert_f(vxf_backend_cmd(&w.be, line, sizeof(line), "flood 32") ==
		     0, "%s\n", vxf_backend_last_error());
	pushed = vxf_reply_field(line, "pushed");
	igt_info("%u REVOKEs pushed at once\n", pushed);
	igt_assert_lte(32, pushed);
	rw.w = &w;
	rw.done = b0.revoke_done + pushed;
	igt_assert_f(vxf_wait_for(revokes_answered, &rw, 20000) == 0,
		     "not every REVOKE was answered\n");

	r1 = window_debugfs(&w, "stats", "ring_requeues");
	igt_info("ring_requeues %lld -> %lld\n", (long long)r0, (long long)r1);
	igt_assert_f(r1 > r0, "%u events handled in one pass\n", pushed);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 0, expect_pattern, 0);
	window_stop(&w);
}

static void test_map_granule(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page;

	START(&w, "--pages", "10", "--map-pages", "8", "--quiet");
	igt_assert_eq(info(&w).map_pages, 8);
	s0 = stats(&w);
	check_page(&w, 0, expect_pattern, 0);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, 8);
	for (page = 1; page < 8; page++)
		check_page(&w, page, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);

	/* The last granule is cut at the end of the window. */
	check_page(&w, 9, expect_pattern, 0);
	check_page(&w, 8, expect_pattern, 0);
	s0 = stats(&w);
	igt_assert_eq_u64(s0.maps - s1.maps, 1);
	igt_assert_eq_u64(s0.map_pages - s1.map_pages, 2);
	igt_assert_eq_u64(s0.mapped_pages, 10);
	window_stop(&w);
}

void vxf_loop_proto_subtests(void)
{
	igt_describe("A full event ring is handled in several budgeted "
		     "passes, every event answered.");
	igt_subtest("ring-budget")
		test_ring_budget();

	igt_describe("A MAP in flight at a REVOKE of its page is answered "
		     "after it and installed, not asked again.");
	igt_subtest("map-in-flight-at-revoke")
		test_map_in_flight(false);

	igt_describe("A MAP in flight at a RESET is still owed its answer, "
		     "which is installed.");
	igt_subtest("map-in-flight-at-reset")
		test_map_in_flight(true);

	igt_describe("The late answer to a MAP whose fault timed out is "
		     "installed: the backend lends what the frontend maps.");
	igt_subtest("late-answer-installed")
		test_late_answer();

	igt_describe("A fault maps a whole granule, cut at the window's end.");
	igt_subtest("map-granule")
		test_map_granule();

	igt_describe("Sequential first touches are prefetched.");
	igt_subtest("prefetch-sequential")
		test_prefetch(PREFETCH_SEQUENTIAL);
	igt_describe("First touches in a scattered order are not prefetched.");
	igt_subtest("prefetch-scattered")
		test_prefetch(PREFETCH_SCATTERED);
	igt_describe("Two sequential streams interleaved are each prefetched.");
	igt_subtest("prefetch-two-streams")
		test_prefetch(PREFETCH_TWO_STREAMS);
	igt_describe("Faults that joined PREFETCH MAPs the backend declines "
		     "ask again and complete, without SIGBUS.");
	igt_subtest("prefetch-declined")
		test_prefetch_declined();
}
