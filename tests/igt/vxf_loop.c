// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop.c - IGT tests of virtio-xen-fault in loop mode
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The fault and revoke subtests and igt_main (the helpers the subtest
 * files share are in vxf_loop_common.c, the ring protocol's finer rules in
 * vxf_loop_proto.c). Each subtest starts its own reference backend (tools/vxf-backend)
 * in loop mode, maps the window it creates and checks one behaviour a user
 * of /dev/vxfN relies on: contents survive revokes, failures end in SIGBUS or
 * EFAULT and never in a hang or silent garbage, get_user_pages is refused,
 * errors of the uapi are the documented ones.
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

static void test_first_touch(void)
{
	struct vxf_stats s0, s1;
	struct vxf_info in;
	struct window w;
	uint64_t page;

	START(&w, "--pages", "64", "--quiet");
	in = info(&w);
	/* Xen mode: the test uses the first 64 pages of the dom0 window */
	igt_assert_eq_u64(in.window_pages, w.be.xen ? w.be.window_pages : 64);
	igt_assert_eq(in.index, w.be.index);
	igt_assert_eq(in.state, VXF_STATE_CONNECTED);
	igt_assert_lt(0, (int)in.map_pages);

	s0 = stats(&w);
	for (page = 0; page < w.pages; page++)
		check_page(&w, page, expect_pattern, 0);
	s1 = stats(&w);

	igt_info("faults %llu maps %llu map_pages %llu (granule %u)\n",
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.map_pages - s0.map_pages),
		 in.map_pages);
	igt_assert_lte_u64(w.pages / in.map_pages, s1.faults - s0.faults);
	igt_assert_lte_u64(w.pages / in.map_pages, s1.maps - s0.maps);
	igt_assert_lte_u64(w.pages, s1.map_pages - s0.map_pages);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	/*
	 * Xen mode: the test has the first pages of a larger window, and
	 * prefetch may have gone past them.
	 */
	if (w.be.xen)
		igt_assert_lte_u64(w.pages, s1.mapped_pages);
	else
		igt_assert_eq_u64(s1.mapped_pages, w.pages);

	/* Present pages are not asked for again. */
	for (page = 0; page < w.pages; page++)
		check_page(&w, page, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);
	window_stop(&w);
}

static void test_rw_after_revoke(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t gen[64] = { }, page;
	unsigned int seed = 1;
	int round;

	START(&w, "--pages", "64", "--quiet");
	s0 = stats(&w);
	for (page = 0; page < w.pages; page++)
		fill_page(&w, page, gen[page]);

	for (round = 0; round < 16; round++) {
		uint64_t first = rand_r(&seed) % w.pages;
		uint64_t count = 1 + rand_r(&seed) % (w.pages - first);

		if (round % 4 == 3) {
			first = 0;
			count = w.pages;
			be_revoke_all(&w);
		} else {
			be_revoke(&w, first, count);
		}
		/* The backend holds what we wrote, and so do we. */
		igt_assert_eq_u64(be_peek(&w, first, 0), value(first, 0,
							    gen[first]));
		igt_assert_eq_u64(be_peek(&w, first + count - 1, 511),
				  value(first + count - 1, 511,
					gen[first + count - 1]));
		for (page = 0; page < w.pages; page++)
			check_page(&w, page, value, gen[page]);

		/* Write after a revoke, then revoke what was written. */
		for (page = first; page < first + count; page++)
			fill_page(&w, page, ++gen[page]);
		be_revoke(&w, first, count);
		for (page = 0; page < w.pages; page++)
			check_page(&w, page, value, gen[page]);
	}
	s1 = stats(&w);
	igt_assert_lte_u64(32, s1.revokes - s0.revokes);
	igt_assert_lt_u64(0, s1.revoked_pages - s0.revoked_pages);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

#define STORM_THREADS	8
#define STORM_WORDS	4

struct storm_thread {
	struct window *w;
	pthread_t thread;
	int id;
	uint64_t loops;
	uint64_t errors;
	char first_error[256];
};

static const uint64_t storm_idx[STORM_WORDS] = { 0, 17, 256, 511 };

static void storm_error(struct storm_thread *t, const char *what,
			uint64_t page, uint64_t idx, uint64_t got,
			uint64_t expect)
{
	if (!t->errors++)
		snprintf(t->first_error, sizeof(t->first_error),
			 "thread %d loop %llu page %llu word %llu: %s "
			 "%#llx, expected %#llx", t->id,
			 (unsigned long long)t->loops,
			 (unsigned long long)page, (unsigned long long)idx,
			 what, (unsigned long long)got,
			 (unsigned long long)expect);
}

/* One pass over the thread's pages: write a generation, read it back. */
static void storm_pass(struct storm_thread *t, uint64_t gen)
{
	struct window *w = t->w;
	uint64_t page, got;
	int i;

	for (page = t->id; page < w->pages; page += STORM_THREADS)
		for (i = 0; i < STORM_WORDS; i++)
			if (!vxf_try_write64(word(w, page, storm_idx[i]),
					     value(page, storm_idx[i], gen)))
				storm_error(t, "signal on write", page,
					    storm_idx[i],
					    vxf_last_fault_signal(), 0);
	for (page = t->id; page < w->pages; page += STORM_THREADS) {
		for (i = 0; i < STORM_WORDS; i++) {
			uint64_t e = value(page, storm_idx[i], gen);

			if (!vxf_try_read64(word(w, page, storm_idx[i]), &got))
				storm_error(t, "signal on read", page,
					    storm_idx[i],
					    vxf_last_fault_signal(), e);
			else if (got != e)
				storm_error(t, "read", page, storm_idx[i],
					    got, e);
		}
		/* A word nobody writes keeps the backend's pattern. */
		if (!vxf_try_read64(word(w, page, 100), &got))
			storm_error(t, "signal on read", page, 100,
				    vxf_last_fault_signal(),
				    pattern(page, 100));
		else if (got != pattern(page, 100))
			storm_error(t, "read", page, 100, got,
				    pattern(page, 100));
	}
}

static void *storm_thread(void *arg)
{
	struct storm_thread *t = arg;
	struct timespec start = { };

	while (igt_seconds_elapsed(&start) < 3 && t->errors < 16)
		storm_pass(t, ++t->loops);
	return NULL;
}

static void test_revoke_storm(void)
{
	struct storm_thread t[STORM_THREADS];
	struct vxf_backend_stats bs;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t errors = 0;
	int i;

	START(&w, "--pages", "256", "--storm-us", "500", "--quiet");
	s0 = stats(&w);
	for (i = 0; i < STORM_THREADS; i++) {
		t[i] = (struct storm_thread){ .w = &w, .id = i };
		igt_assert_eq(pthread_create(&t[i].thread, NULL, storm_thread,
					     &t[i]), 0);
	}
	for (i = 0; i < STORM_THREADS; i++) {
		pthread_join(t[i].thread, NULL);
		igt_info("thread %d: %llu loops, %llu errors\n", i,
			 (unsigned long long)t[i].loops,
			 (unsigned long long)t[i].errors);
		if (t[i].errors)
			igt_warn("%s\n", t[i].first_error);
		errors += t[i].errors;
		igt_assert_lt_u64(0, t[i].loops);
	}
	be_cmd(&w, "storm 0");
	s1 = stats(&w);
	igt_assert_eq(vxf_backend_stats(&w.be, &bs), 0);
	igt_info("revokes %llu (backend %llu), revoked pages %llu, "
		 "faults %llu\n", (unsigned long long)(s1.revokes - s0.revokes),
		 (unsigned long long)bs.revokes,
		 (unsigned long long)(s1.revoked_pages - s0.revoked_pages),
		 (unsigned long long)(s1.faults - s0.faults));
	igt_assert_eq_u64(errors, 0);
	igt_assert_lt_u64(0, s1.revokes - s0.revokes);
	igt_assert_lt_u64(0, bs.revokes);
	window_stop(&w);
}

#define COALESCE_THREADS	4
#define COALESCE_PAGE		5

static void test_coalesce_one_page(void)
{
	struct reader r[COALESCE_THREADS];
	struct vxf_backend_stats b0;
	struct vxf_stats s0, s1;
	struct window w;
	bool faulted, waiting;
	int i;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	for (i = 0; i < COALESCE_THREADS; i++)
		reader_start(&r[i], &w, COALESCE_PAGE);
	faulted = wait_faults(&w, &s0, COALESCE_THREADS);
	/*
	 * All wait for the one MAP before it is answered: the first sent it,
	 * the others joined it (coalesced is counted as a fault joins). With
	 * a hypervisor a task sleeps once it has reported the access, and the
	 * driver's worker joins its report to the MAP later: so wait for the
	 * count, not only for the sleep.
	 */
	waiting = faulted;
	for (i = 0; waiting && i < COALESCE_THREADS; i++)
		waiting = wait_in_fault(&w, &b0, &r[i].tid);
	waiting = waiting &&
		  wait_stat_ms(&w, offsetof(struct vxf_stats, coalesced),
			       s0.coalesced + COALESCE_THREADS - 1, 10000);
	be_cmd(&w, "hang off");
	for (i = 0; i < COALESCE_THREADS; i++) {
		reader_join(&r[i], 20000);
		igt_assert_f(r[i].ok, "reader %d: signal %d\n", i, r[i].sig);
		igt_assert_eq_u64(r[i].value, pattern(COALESCE_PAGE, 0));
	}
	s1 = stats(&w);
	igt_info("faults %llu coalesced %llu maps %llu\n",
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.coalesced - s0.coalesced),
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert_f(faulted, "not all %d readers reached the driver\n",
		     COALESCE_THREADS);
	igt_assert_f(waiting, "not all %d readers waited for the MAP\n",
		     COALESCE_THREADS);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, 1);
	igt_assert_lte_u64(COALESCE_THREADS - 1, s1.coalesced - s0.coalesced);
	window_stop(&w);
}

static void test_fatal_signal_pending_fault(void)
{
	struct vxf_backend_stats b0;
	volatile pid_t child;
	struct vxf_stats s0;
	struct window w;
	double t0;
	int status;
	pid_t pid;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint64_t v;

		_exit(vxf_try_read64(word(&w, 3, 0), &v) ? 0 : 1);
	}
	vxf_child_track(pid);
	igt_assert_f(wait_faults(&w, &s0, 1), "the child's fault never came\n");
	child = pid;
	igt_assert_f(wait_in_fault(&w, &b0, &child),
		     "the child does not wait for its MAP\n");

	t0 = now_s();
	kill(pid, SIGKILL);
	igt_assert_f(wait_pid(pid, &status, 5000),
		     "a SIGKILLed task waiting in a fault did not die\n");
	igt_info("child died %.3f s after SIGKILL\n", now_s() - t0);
	igt_assert(WIFSIGNALED(status));
	igt_assert_eq(WTERMSIG(status), SIGKILL);

	be_cmd(&w, "hang off");
	check_page(&w, 3, expect_pattern, 0);
	check_page(&w, 4, expect_pattern, 0);
	window_stop(&w);
}

static void test_backend_error_sigbus(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page, v;

	START(&w, "--pages", "32", "--map-pages", "1", "--fail", "8:4",
	      "--quiet");
	s0 = stats(&w);
	for (page = 0; page < w.pages; page++) {
		bool ok = vxf_try_read64(word(&w, page, 0), &v);

		if (page >= 8 && page < 12) {
			igt_assert_f(!ok, "page %llu read %#llx, not SIGBUS\n",
				     (unsigned long long)page,
				     (unsigned long long)v);
			igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
		} else {
			igt_assert_f(ok, "page %llu: signal %d\n",
				     (unsigned long long)page,
				     vxf_last_fault_signal());
			igt_assert_eq_u64(v, pattern(page, 0));
		}
	}
	igt_assert(!vxf_try_write64(word(&w, 9, 3), 1));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.map_errors - s0.map_errors);
	igt_assert_lte_u64(5, s1.sigbus - s0.sigbus);

	/* An error is not sticky: once the backend recovers, so do we. */
	be_cmd(&w, "unfail");
	check_page(&w, 9, expect_pattern, 0);
	window_stop(&w);
}

static void test_backend_timeout_sigbus(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;
	double t0;

	START(&w, "--pages", "8", "--no-answer", "--timeout-ms", "500",
	      "--quiet");
	igt_assert_eq(info(&w).fault_timeout_ms, 500);
	s0 = stats(&w);
	t0 = now_s();
	igt_assert(!vxf_try_read64(word(&w, 1, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	igt_info("SIGBUS after %.3f s\n", now_s() - t0);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.timeouts - s0.timeouts);
	igt_assert_lte_u64(1, s1.sigbus - s0.sigbus);

	window_stop(&w);	/* with the MAP still unanswered */

	/* A MAP given up on and answered late changes nothing. */
	START(&w, "--pages", "16", "--timeout-ms", "300", "--quiet");
	be_cmd(&w, "hang on");
	igt_assert(!vxf_try_read64(word(&w, 2, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	be_cmd(&w, "hang off");
	check_page(&w, 9, expect_pattern, 0);
	check_page(&w, 2, expect_pattern, 0);
	be_cmd(&w, "revoke-all");
	check_page(&w, 2, expect_pattern, 0);
	window_stop(&w);

	/* Nor in the next window, which may reuse what those freed. */
	START(&w, "--pages", "16", "--quiet");
	check_page(&w, 1, expect_pattern, 0);
	check_page(&w, 15, expect_pattern, 0);
	window_stop(&w);
}

static void test_backend_killed_mid_fault(void)
{
	struct vxf_backend_stats b0;
	struct vxf_backend again;
	struct reader r, after;
	struct vxf_stats s0;
	struct window w;
	char index[16];

	igt_require_f(!vxf_xen_mode(), "Xen mode: the dom0 backend is "
		      "restarted by dom0, not by the test: see "
		      "xen-backend-killed-restarted-while-faulting\n");
	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	fill_page(&w, 0, 1);	/* mapped, and unlike a fresh backend's */
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	reader_start(&r, &w, 2);
	igt_assert_f(wait_faults(&w, &s0, 1), "the fault never came\n");
	igt_assert_f(wait_in_fault(&w, &b0, &r.tid),
		     "the reader does not wait for its MAP\n");

	vxf_backend_kill(&w.be);
	reader_join(&r, 20000);
	igt_assert_f(!r.ok, "read %#llx from a dead backend\n",
		     (unsigned long long)r.value);
	igt_assert_eq(r.sig, SIGBUS);
	igt_assert_eq(info(&w).state, VXF_STATE_DISCONNECTED);

	/*
	 * The dead backend's pages are gone: page 0 may fail or wait for
	 * the next backend, but must never show what it held.
	 */
	reader_start(&after, &w, 0);
	snprintf(index, sizeof(index), "%d", w.be.index);
	igt_assert_f(vxf_backend_start(&again, "--index", index, "--pages",
				       "16", "--map-pages", "1", "--quiet",
				       NULL) == 0,
		     "%s\n", vxf_backend_last_error());
	igt_assert_eq(again.index, w.be.index);
	w.be = again;
	reader_join(&after, 40000);
	igt_info("page 0 while reattaching: %s\n",
		 after.ok ? "served" : "SIGBUS");
	igt_assert_f(!after.ok || after.value == pattern(0, 0),
		     "page 0 shows %#llx after its backend died%s\n",
		     (unsigned long long)after.value,
		     after.value == value(0, 0, 1) ? " (the dead backend's "
		     "page is still mapped)" : "");

	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 0, expect_pattern, 0);
	check_page(&w, 2, expect_pattern, 0);
	fill_page(&w, 7, 1);
	check_page(&w, 7, value, 1);
	window_stop(&w);
}

static void test_revoke_during_map(void)
{
	struct vxf_stats s0;
	struct reader r;
	struct window w;
	double t0;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	fill_page(&w, 3, 1);
	be_revoke(&w, 3, 1);	/* page 3 now lives in the backend only */
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	reader_start(&r, &w, 3);
	igt_assert_f(wait_faults(&w, &s0, 1), "the fault never came\n");

	/* The frontend answers a REVOKE without waiting for the fault. */
	t0 = now_s();
	be_revoke(&w, 0, 16);
	igt_info("revoke answered in %.3f s with a MAP in flight\n",
		 now_s() - t0);
	be_cmd(&w, "hang off");
	reader_join(&r, 20000);
	igt_assert_f(r.ok, "signal %d\n", r.sig);
	igt_assert_eq_u64(r.value, value(3, 0, 1));
	check_page(&w, 3, value, 1);
	window_stop(&w);
}


igt_main
{
	igt_fixture {
		igt_require_f(vxf_backend_available(), "no backend at %s\n",
			      vxf_backend_path());
		/* Xen mode uses the dom0 backend's window, not the loop module */
		igt_require_f(vxf_xen_mode() ||
			      access("/dev/vxf-loop", R_OK | W_OK) == 0,
			      "no /dev/vxf-loop: test module virtio-xen-fault-loop not loaded?\n");
	}

	igt_describe("Reading every page of a fresh window faults each in "
		     "once and shows the backend's contents.");
	igt_subtest("first-touch")
		test_first_touch();

	igt_describe("Data written survives repeated revokes of ranges and "
		     "of the whole window, on both sides.");
	igt_subtest("read-write-after-revoke")
		test_rw_after_revoke();

	igt_describe("Eight threads read and write their own pages while the "
		     "backend revokes random ranges: nothing lost or stale.");
	igt_subtest("revoke-storm-8-threads")
		test_revoke_storm();

	igt_describe("Concurrent faults on one page send a single MAP.");
	igt_subtest("coalesce-one-page")
		test_coalesce_one_page();

	igt_describe("A task waiting in a fault dies promptly of SIGKILL.");
	igt_subtest("fatal-signal-pending-fault")
		test_fatal_signal_pending_fault();

	igt_describe("A MAP the backend fails ends the access in SIGBUS.");
	igt_subtest("backend-error-sigbus")
		test_backend_error_sigbus();

	igt_describe("A MAP the backend never answers ends in SIGBUS.");
	igt_subtest("backend-timeout-sigbus")
		test_backend_timeout_sigbus();

	igt_describe("A backend killed during a fault gives SIGBUS; a new "
		     "backend reattached to the window serves it again.");
	igt_subtest("backend-killed-mid-fault")
		test_backend_killed_mid_fault();

	igt_describe("A REVOKE of a page whose MAP is in flight is answered "
		     "at once; the fault then gets the page's contents.");
	igt_subtest("revoke-during-map")
		test_revoke_during_map();

	vxf_loop_proto_subtests();
	vxf_loop_mm_subtests();
	vxf_loop_uapi_subtests();
	vxf_loop_api_subtests();
	vxf_loop_obs_subtests();
	vxf_loop_hv_subtests();
	vxf_loop_super_subtests();
	vxf_loop_inject_subtests();
	vxf_xen_subtests();
	vxf_xen_hv_subtests();

	/* IGT: what a failed subtest left running, before igt_exit() */
	igt_fixture
		stop_leftovers(0);
}
