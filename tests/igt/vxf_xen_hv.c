// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_xen_hv.c - IGT subtests of hypervisor mode on the patched Xen
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Part of the vxf_loop binary; every subtest here skips unless the helpers
 * run in Xen mode against a window in hypervisor mode: the domU runs on the
 * patched Xen (xen/patches/, XENFEAT_fault_report) and the dom0 backend was
 * started with --hv (scripts/xen-hv.sh suite). Window page N is then guest
 * frame hv_gfn + N for good; the backend lends its pages there on MAP and
 * takes them back with hv-revoke (XEN_DMOP_revoke_pages), sending nothing
 * on the event ring; Xen reports the next access to such a page, holding
 * the vCPU, and the driver asks for the page again from the report's
 * interrupt handler.
 *
 *   xen-hv-first-touch      fresh pages come through reports and MAPs
 *   xen-hv-revoke-migrates  hv-revoke, then user-mode reads see what was
 *       written before (the backend copied it back); no REVOKE went over
 *       the event ring (both ends' counters)
 *   xen-hv-kernel-access    write(2) from and read(2) into revoked pages
 *       complete with the migrated contents: a vCPU held by Xen in kernel
 *       mode gets its MAP sent (the liveness case on one vCPU)
 *   xen-hv-revoke-cycles    many revoke/access rounds, contents kept
 *   xen-hv-backend-error    a refused MAP ends the access in SIGBUS; the
 *       domU and the rest of the window live on, and the page works once
 *       the backend serves it again; with a second vCPU, a kernel access
 *       to a refused page ends in EFAULT
 *   xen-hv-refusal-moved    refused reads by a reader moved between
 *       vCPUs while held end in SIGBUS once and leave no refusal behind
 *       (vxf_xen_hv_moved.c)
 *   xen-hv-revoke-storm     the backend takes random ranges back through
 *       the hypervisor every 2 ms while 4 threads write and read their
 *       pages: every value read is the last one written, no signal, no
 *       REVOKE on the event ring
 *   xen-hv-backend-killed-restarted  the backend dies ("die": SIGKILL in
 *       dom0) with written pages lent; the one dom0 starts again takes the
 *       device over (the window disconnects and reconnects), and the pages
 *       then come from it, fresh: never the dead backend's contents, no
 *       SIGBUS. Needs dom0's restart loop (VXF_XEN_HV_RESTART=1,
 *       scripts/xen-hv.sh suite).
 *   xen-hv-record-fields  a thread pinned to each vCPU in turn reads one
 *       revoked page, writes another, and makes a kernel read and a
 *       kernel write (write(2)/read(2)) of two more: the driver's
 *       vxf_hv_record tracepoint shows one record from Xen for each, with
 *       gfn = hv_gfn + page, READ or WRITE, the USER flag for the user
 *       accesses only, vcpu = the vCPU pinned, seq increasing
 *       (vxf_hv_records.c)
 *   xen-hv-exec  PROT_EXEC mappings of the window are refused (EPERM, and
 *       EACCES for mprotect()): a lent frame is never executable on Xen,
 *       and a fetch from one would crash the domU; code written to a page
 *       comes back as data through a READ record, no EXEC one
 *   xen-hv-held-timer  a user read held by Xen on vCPU 0 while the backend
 *       does not answer ("hang on"): another thread pinned to vCPU 0
 *       finishes its sleeps (the held vCPU takes its timer interrupts and
 *       the domU schedules), the read stays held throughout, and its
 *       retries after each switch back give no second record; once the
 *       backend answers, the read completes with the migrated contents
 *   xen-hv-memtype  the window's frames are no RAM, so a write-back mapping
 *       of them is write-back only if x86 PAT tracks them so (else it
 *       maps them uncached-minus): PAT's list has a write-back entry
 *       covering them
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop.h"

#define HV_CYCLES	50
#define RESTART_MS	60000

static void hv_start(struct window *w, const char *pages, const char *fail)
{
	igt_require_f(vxf_xen_mode(), "not in Xen mode (no dom0 backend)\n");
	if (fail)
		START(w, "--pages", pages, "--quiet", "--fail", fail);
	else
		START(w, "--pages", pages, "--quiet");
	if (!info(w).hv_gfn) {
		window_stop(w);
		igt_skip("the window is not in hypervisor mode (stock Xen, or "
			 "a backend without --hv)\n");
	}
}

static void hv_revoke(struct window *w, uint64_t first, uint64_t count)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "hv-revoke %llu %llu",
		 (unsigned long long)first, (unsigned long long)count);
	be_cmd(w, cmd);
}

static void test_first_touch(void)
{
	struct vxf_backend_stats b0, b1;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t p;

	hv_start(&w, "16", NULL);
	s0 = stats(&w);
	b0 = be_stats(&w);
	for (p = 0; p < 4; p++)
		check_page(&w, p, expect_pattern, 0);
	s1 = stats(&w);
	b1 = be_stats(&w);
	/* Each page was a hole: Xen reported it and its MAP was answered. */
	igt_assert_lte_u64(4, s1.hv_reports - s0.hv_reports);
	igt_assert_lte_u64(4, s1.maps - s0.maps);
	igt_assert_lte_u64(4, b1.map_pages - b0.map_pages);
	igt_assert_eq_u64(s1.hv_rejected, s0.hv_rejected);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);
	window_stop(&w);
}

static void test_revoke_migrates(void)
{
	struct vxf_backend_stats b0, b1;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t p;

	hv_start(&w, "8", NULL);
	for (p = 0; p < 8; p++)
		fill_page(&w, p, 3);
	s0 = stats(&w);
	b0 = be_stats(&w);
	hv_revoke(&w, 0, 8);
	/* The backend has the contents back, before anyone asks. */
	igt_assert_eq_u64(be_peek(&w, 5, 17), value(5, 17, 3));

	for (p = 0; p < 8; p++)
		check_page(&w, p, value, 3);
	s1 = stats(&w);
	b1 = be_stats(&w);
	igt_assert_lte_u64(8, s1.hv_reports - s0.hv_reports);
	igt_assert_lte_u64(8, s1.maps - s0.maps);
	/* Nothing went over the event ring: no REVOKE, at either end. */
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	igt_assert_eq_u64(b1.revokes, b0.revokes);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_kernel_access(void)
{
	uint64_t buf[VXF_WORDS_PER_PAGE];
	struct vxf_backend_stats b0;
	struct vxf_stats s0, s1;
	struct window w;
	int fd;

	hv_start(&w, "8", NULL);
	fill_page(&w, 2, 9);
	fill_page(&w, 3, 10);
	hv_revoke(&w, 2, 2);
	s0 = stats(&w);
	b0 = be_stats(&w);

	/* write(2) from the revoked page: the kernel's read is held, served. */
	fd = memfd_create("vxf-xen-hv", 0);
	igt_assert(fd >= 0);
	igt_assert_eq(pwrite(fd, (void *)word(&w, 2, 0), VXF_PAGE_SIZE, 0),
		      (int)VXF_PAGE_SIZE);
	igt_assert_eq(pread(fd, buf, VXF_PAGE_SIZE, 0), (int)VXF_PAGE_SIZE);
	igt_assert_eq_u64(buf[17], value(2, 17, 9));
	igt_assert_eq_u64(buf[VXF_WORDS_PER_PAGE - 1],
			  value(2, VXF_WORDS_PER_PAGE - 1, 9));

	/* read(2) into the other revoked page: the kernel's write is held. */
	igt_assert_eq(pread(fd, (void *)word(&w, 3, 0), VXF_PAGE_SIZE, 0),
		      (int)VXF_PAGE_SIZE);
	/* What the kernel wrote reached the backend's page, through a lend. */
	hv_revoke(&w, 3, 1);
	igt_assert_eq_u64(be_peek(&w, 3, 17), value(2, 17, 9));
	close(fd);

	s1 = stats(&w);
	igt_assert_lte_u64(2, s1.hv_reports - s0.hv_reports);
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	igt_assert_eq_u64(be_stats(&w).revokes, b0.revokes);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_revoke_cycles(void)
{
	struct vxf_backend_stats b0;
	uint64_t gen[4], p;
	struct vxf_stats s0, s1;
	struct window w;
	unsigned int i;

	hv_start(&w, "4", NULL);
	for (p = 0; p < 4; p++) {
		gen[p] = 1;
		fill_page(&w, p, gen[p]);
	}
	s0 = stats(&w);
	b0 = be_stats(&w);
	for (i = 0; i < HV_CYCLES; i++) {
		p = i % 4;
		hv_revoke(&w, 0, 4);
		igt_assert_eq_u64(must_read(word(&w, p, 7)),
				  value(p, 7, gen[p]));
		gen[p] = i + 2;
		fill_page(&w, p, gen[p]);
	}
	for (p = 0; p < 4; p++)
		check_page(&w, p, value, gen[p]);
	s1 = stats(&w);
	igt_assert_lte_u64(HV_CYCLES, s1.hv_reports - s0.hv_reports);
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	igt_assert_eq_u64(be_stats(&w).revokes, b0.revokes);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_backend_error(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;
	int fd;

	hv_start(&w, "8", "4:2");
	check_page(&w, 3, expect_pattern, 0);
	s0 = stats(&w);

	/* Page 4 is a hole the backend will not fill: SIGBUS, not ones. */
	igt_assert(!vxf_try_read64(word(&w, 4, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.hv_reports - s0.hv_reports);
	igt_assert_lte_u64(1, s1.hv_failed - s0.hv_failed);
	igt_assert_lte_u64(1, s1.map_errors - s0.map_errors);
	igt_assert_lte_u64(1, s1.sigbus - s0.sigbus);

	/*
	 * A refusal met by a kernel access is served from the ring's work
	 * item: a vCPU Xen holds in kernel mode lets it run only if another
	 * vCPU is there (xen_hv.c).
	 */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		fd = memfd_create("vxf-xen-hv", 0);
		igt_assert(fd >= 0);
		igt_assert_eq(pwrite(fd, (void *)word(&w, 5, 0),
				     VXF_PAGE_SIZE, 0), -1);
		igt_assert_eq(errno, EFAULT);
		close(fd);
	} else {
		igt_info("one vCPU: no kernel access to a refused page\n");
	}

	/* The domU and the rest of the window live on. */
	hv_revoke(&w, 3, 1);
	check_page(&w, 3, expect_pattern, 0);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);

	/* A new access gives the backend another chance. */
	be_cmd(&w, "unfail");
	check_page(&w, 4, expect_pattern, 0);
	window_stop(&w);
}

static void test_refusal_moved(void)
{
	struct window w;

	hv_start(&w, "8", NULL);
	xen_hv_check_refusal_moved(&w);
	window_stop(&w);
}

#define STORM_THREADS	4
#define STORM_PAGES	32
#define STORM_WORDS	4

struct hv_storm {
	pthread_t thread;
	struct window *w;
	unsigned int id;
	uint64_t rounds, errors;
	char first_error[160];
};

static void hv_storm_error(struct hv_storm *t, const char *what,
			   uint64_t page, uint64_t got, uint64_t want)
{
	if (!t->errors++)
		snprintf(t->first_error, sizeof(t->first_error),
			 "thread %u: %s page %llu: %#llx, wanted %#llx", t->id,
			 what, (unsigned long long)page,
			 (unsigned long long)got, (unsigned long long)want);
}

/* Write a new generation into the thread's pages, then read it back. */
static void *hv_storm_main(void *arg)
{
	static const uint64_t idx[STORM_WORDS] = { 0, 17, 255, 511 };
	struct hv_storm *t = arg;
	struct timespec start = { };
	uint64_t page, got, gen;
	unsigned int i;

	while (igt_seconds_elapsed(&start) < 3 && t->errors < 8) {
		gen = ++t->rounds + 1;
		for (page = t->id; page < STORM_PAGES; page += STORM_THREADS)
			for (i = 0; i < STORM_WORDS; i++)
				if (!vxf_try_write64(word(t->w, page, idx[i]),
						     value(page, idx[i], gen)))
					hv_storm_error(t, "signal on a write to",
						       page,
						       vxf_last_fault_signal(),
						       0);
		for (page = t->id; page < STORM_PAGES; page += STORM_THREADS)
			for (i = 0; i < STORM_WORDS; i++) {
				uint64_t e = value(page, idx[i], gen);

				if (!vxf_try_read64(word(t->w, page, idx[i]),
						    &got))
					hv_storm_error(t, "signal on a read of",
						       page,
						       vxf_last_fault_signal(),
						       e);
				else if (got != e)
					hv_storm_error(t, "read", page, got, e);
			}
	}
	return NULL;
}

static void test_revoke_storm(void)
{
	struct hv_storm t[STORM_THREADS];
	struct vxf_backend_stats b0, b1;
	struct vxf_stats s0, s1;
	uint64_t page, errors = 0;
	struct window w;
	unsigned int i;

	hv_start(&w, "32", NULL);
	for (page = 0; page < STORM_PAGES; page++)
		fill_page(&w, page, 1);	/* every page lent once */
	s0 = stats(&w);
	b0 = be_stats(&w);
	be_cmd(&w, "storm 2000");
	for (i = 0; i < STORM_THREADS; i++) {
		t[i] = (struct hv_storm){ .w = &w, .id = i };
		igt_assert_eq(pthread_create(&t[i].thread, NULL, hv_storm_main,
					     &t[i]), 0);
	}
	for (i = 0; i < STORM_THREADS; i++) {
		pthread_join(t[i].thread, NULL);
		igt_info("thread %u: %llu rounds, %llu errors\n", i,
			 (unsigned long long)t[i].rounds,
			 (unsigned long long)t[i].errors);
		if (t[i].errors)
			igt_warn("%s\n", t[i].first_error);
		errors += t[i].errors;
		igt_assert_lt_u64(0, t[i].rounds);
	}
	be_cmd(&w, "storm 0");
	s1 = stats(&w);
	b1 = be_stats(&w);
	igt_info("hypervisor revokes took %llu pages; %llu reports, %llu "
		 "MAPs\n",
		 (unsigned long long)(b1.hv_revoked_pages - b0.hv_revoked_pages),
		 (unsigned long long)(s1.hv_reports - s0.hv_reports),
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert_eq_u64(errors, 0);
	igt_assert_lt_u64(0, b1.hv_revoked_pages - b0.hv_revoked_pages);
	igt_assert_lt_u64(0, s1.hv_reports - s0.hv_reports);
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	igt_assert_eq_u64(b1.revokes, b0.revokes);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_killed_restarted(void)
{
	const char *restart = getenv("VXF_XEN_HV_RESTART");
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t p;
	double t0;

	igt_require_f(restart && !strcmp(restart, "1"),
		      "no dom0 restart loop (VXF_XEN_HV_RESTART)\n");
	hv_start(&w, "8", NULL);
	for (p = 0; p < 4; p++)
		fill_page(&w, p, 9);	/* lent, and unlike a fresh page */
	s0 = stats(&w);

	vxf_backend_kill(&w.be);	/* "die": SIGKILL in dom0 */
	igt_assert_f(wait_stat_ms(&w, offsetof(struct vxf_stats, disconnects),
				  s0.disconnects + 1, RESTART_MS),
		     "the window never saw its backend go\n");
	t0 = now_s();
	igt_assert_f(vxf_backend_start(&w.be, "--pages", "8", "--quiet",
				       NULL) == 0,
		     "%s\n", vxf_backend_last_error());
	igt_info("reconnected %.3f s later, hv_gfn %#llx\n", now_s() - t0,
		 (unsigned long long)info(&w).hv_gfn);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	igt_assert_f(info(&w).hv_gfn, "not in hypervisor mode after the "
		     "reconnection\n");

	/* Pages from the new backend: never what was written before. */
	for (p = 0; p < 4; p++)
		check_page(&w, p, expect_pattern, 0);
	fill_page(&w, 5, 2);
	hv_revoke(&w, 5, 1);
	check_page(&w, 5, value, 2);
	s1 = stats(&w);
	igt_assert_lte_u64(5, s1.hv_reports - s0.hv_reports);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_record_fields(void)
{
	struct window w;

	hv_start(&w, "32", NULL);
	hv_check_record_fields(&w);
	window_stop(&w);
}

/*
 * A lent page is a foreign frame, which Xen never maps executable: a fetch
 * from one would crash the domU, one from a hole be reported as EXEC and
 * then crash it. The driver refuses executable mappings instead.
 */
static void test_exec(void)
{
	struct window w;

	hv_start(&w, "8", NULL);
	hv_check_exec(&w);
	window_stop(&w);
}

/*
 * Window page N is frame hv_gfn + N, no RAM: vmf_insert_pfn() gives its page
 * table entry the type PAT tracks for the frame, uncached-minus where PAT
 * tracks none (lookup_memtype()). The driver has the window's range tracked
 * write-back (xen_hv.c).
 */
static void test_memtype(void)
{
	unsigned long long start, end;
	char type[32] = "";
	struct window w;
	int found;

	hv_start(&w, "16", NULL);
	check_page(&w, 0, expect_pattern, 0);
	start = info(&w).hv_gfn * VXF_PAGE_SIZE;
	end = start + 16 * VXF_PAGE_SIZE;
	found = vxf_pat_type(start, end, type, sizeof(type));
	igt_info("frames [%#llx-%#llx): %s\n", start, end,
		 found > 0 ? type : "no PAT entry");
	igt_assert_f(found >= 0, "%s: %s\n", VXF_PAT_LIST, strerror(-found));
	igt_assert_f(found, "PAT tracks nothing for the window's frames: its "
		     "write-back mappings are uncached-minus\n");
	igt_assert_f(!strcmp(type, "write-back"),
		     "PAT tracks the window's frames %s\n", type);
	window_stop(&w);
}

#define HELD_PAGE	3
#define HELD_GEN	7
#define HELD_SLEEPS	10
#define HELD_SLEEP_US	20000
#define HELD_CPU	0

/*
 * A user read held on a hole, and a thread sharing its vCPU. Each thread
 * writes only its own fields; the test reads them after the joins.
 */
struct hv_held {
	struct window *w;
	pthread_t reader, ticker;
	bool reader_pinned, ticker_pinned;
	bool read_ok;
	int sig;		/* the read's signal, if it raised one */
	uint64_t got;
	int done;		/* the read returned (atomic) */
	unsigned int ticks;	/* sleeps ended while the read was held */
};

static void *hv_held_read(void *arg)
{
	struct hv_held *h = arg;

	h->reader_pinned = vxf_pin_cpu(HELD_CPU);
	if (h->reader_pinned)
		h->read_ok = vxf_try_read64(word(h->w, HELD_PAGE, 0), &h->got);
	if (h->reader_pinned && !h->read_ok)
		h->sig = vxf_last_fault_signal();
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Runs only when the held vCPU takes an interrupt and switches to it. */
static void *hv_held_tick(void *arg)
{
	struct hv_held *h = arg;
	unsigned int i;

	h->ticker_pinned = vxf_pin_cpu(HELD_CPU);
	for (i = 0; h->ticker_pinned && i < HELD_SLEEPS; i++) {
		usleep(HELD_SLEEP_US);
		if (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE))
			break;
		h->ticks++;
	}
	return NULL;
}

static void test_held_timer(void)
{
	struct vxf_backend_stats b0;
	struct vxf_stats s0, s1, s2;
	struct hv_held h = { };
	struct window w;
	bool reported;
	int held;

	hv_start(&w, "16", NULL);
	h.w = &w;
	fill_page(&w, HELD_PAGE, HELD_GEN);
	hv_revoke(&w, HELD_PAGE, 1);
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);

	igt_assert(!pthread_create(&h.reader, NULL, hv_held_read, &h));
	reported = wait_stat_ms(&w, offsetof(struct vxf_stats, hv_reports),
				s0.hv_reports + 1, 20000);
	if (reported) {
		igt_assert(!pthread_create(&h.ticker, NULL, hv_held_tick, &h));
		igt_assert(!pthread_join(h.ticker, NULL));
	}
	s1 = stats(&w);
	held = !__atomic_load_n(&h.done, __ATOMIC_ACQUIRE);
	be_cmd(&w, "hang off");
	igt_assert(!pthread_join(h.reader, NULL));
	s2 = stats(&w);
	igt_info("reports %llu while held, %u of %d sleeps beside it\n",
		 (unsigned long long)(s1.hv_reports - s0.hv_reports), h.ticks,
		 HELD_SLEEPS);

	igt_assert_f(h.reader_pinned, "cannot pin the reader to CPU %d\n",
		     HELD_CPU);
	igt_assert_f(reported, "no report for the read of a revoked page\n");
	igt_assert_f(h.ticker_pinned, "cannot pin a thread to CPU %d\n",
		     HELD_CPU);
	igt_assert_f(held, "the read completed while the backend hung\n");
	igt_assert_f(h.ticks == HELD_SLEEPS,
		     "%u of %d sleeps ended on the held vCPU\n", h.ticks,
		     HELD_SLEEPS);
	/* One held access, one record, however often it was retried. */
	igt_assert_eq_u64(s1.hv_reports - s0.hv_reports, 1);
	igt_assert_f(h.read_ok, "the held read ended in signal %d\n", h.sig);
	igt_assert_eq_u64(h.got, value(HELD_PAGE, 0, HELD_GEN));
	igt_assert_eq_u64(s2.hv_rejected, s0.hv_rejected);
	igt_assert_eq_u64(s2.revokes, s0.revokes);
	igt_assert_eq_u64(be_stats(&w).revokes, b0.revokes);
	igt_assert_eq_u64(s2.sigbus, s0.sigbus);
	window_stop(&w);
}

void vxf_xen_hv_subtests(void)
{
	igt_describe("On the patched Xen, fresh window pages come through "
		     "hypervisor fault reports and MAPs.");
	igt_subtest("xen-hv-first-touch")
		test_first_touch();

	igt_describe("Pages the backend takes back through the hypervisor, "
		     "with no message to the guest, are served again on the "
		     "next user access, with the contents written before.");
	igt_subtest("xen-hv-revoke-migrates")
		test_revoke_migrates();

	igt_describe("read(2) into and write(2) from revoked window pages "
		     "complete with the migrated contents: a vCPU held by Xen "
		     "in kernel mode gets its page.");
	igt_subtest("xen-hv-kernel-access")
		test_kernel_access();

	igt_describe("Many hypervisor revokes and accesses in a row keep the "
		     "contents and send no REVOKE.");
	igt_subtest("xen-hv-revoke-cycles")
		test_revoke_cycles();

	igt_describe("A reported access the backend refuses ends in SIGBUS "
		     "(EFAULT for the kernel, with a vCPU to spare); the domU "
		     "lives and the page works once the backend serves it.");
	igt_subtest("xen-hv-backend-error")
		test_backend_error();

	igt_describe("A reader moved between vCPUs while Xen holds it on a "
		     "page the backend refuses: its read ends in SIGBUS once, "
		     "and no refusal is left behind for the page's next "
		     "access once the backend serves it again.");
	igt_subtest("xen-hv-refusal-moved")
		test_refusal_moved();

	igt_describe("Random ranges taken back through the hypervisor every "
		     "2 ms under 4 writing and reading threads: every read "
		     "sees the last write, no signal, no REVOKE.");
	igt_subtest("xen-hv-revoke-storm")
		test_revoke_storm();

	igt_describe("A backend killed with pages lent is replaced by the one "
		     "dom0 restarts: the window reconnects in hypervisor mode "
		     "and its pages come fresh from the new backend.");
	igt_subtest("xen-hv-backend-killed-restarted")
		test_killed_restarted();

	igt_describe("Through the driver's vxf_hv_record tracepoint: user "
		     "reads and writes and kernel accesses on each vCPU in "
		     "turn give one record each from Xen, with the page's "
		     "frame, the access, the user flag, the vCPU and an "
		     "increasing sequence number.");
	igt_subtest("xen-hv-record-fields")
		test_record_fields();

	igt_describe("No window page can be mapped or mprotect()ed executable "
		     "(lent frames never are on Xen): code written to a page "
		     "comes back as data through a read record, never EXEC, "
		     "and the domU lives.");
	igt_subtest("xen-hv-exec")
		test_exec();

	igt_describe("A user read held by Xen while the backend does not "
		     "answer: a thread on the same vCPU keeps running (timer "
		     "interrupts reach the held vCPU), the retried read gives "
		     "no second record, and it completes once the backend "
		     "answers.");
	igt_subtest("xen-hv-held-timer")
		test_held_timer();

	igt_describe("The window's frames, which are no RAM, are tracked "
		     "write-back by x86 PAT, so that its write-back mappings "
		     "are not uncached.");
	igt_subtest("xen-hv-memtype")
		test_memtype();
}
