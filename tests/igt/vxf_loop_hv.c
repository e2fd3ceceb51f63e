// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_hv.c - vxf_loop subtests of faults reported by the hypervisor
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Windows here are in hypervisor mode (the backend's --hv: the loop
 * device plays the hypervisor of include/xen/interface/hvm/vxf_fault.h).
 * Pages are taken away with hv-revoke, unannounced; the driver hears of it
 * from a fault record when a task touches one. Records the stand-in would
 * never write are injected raw with hv-inject.
 */

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>

#include "igt.h"
#include "vxf_loop.h"

#define HV_WINDOW_ID	1	/* the loop stand-in registers window 1 */

static void hv_start(struct window *w, const char *pages, const char *extra)
{
	if (extra)
		START(w, "--hv", "--pages", pages, "--quiet", extra);
	else
		START(w, "--hv", "--pages", pages, "--quiet");
	igt_require_f(info(w).hv_gfn, "driver without hypervisor mode\n");
}

static void hv_revoke(struct window *w, uint64_t first, uint64_t count)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "hv-revoke %llu %llu",
		 (unsigned long long)first, (unsigned long long)count);
	be_cmd(w, cmd);
}

/* Inject @count records; returns how many the ring took. */
static unsigned int hv_inject(struct window *w, uint64_t seq, uint64_t gfn,
			      uint32_t window, uint32_t vcpu, uint32_t access,
			      unsigned int count)
{
	char line[256];
	const char *p;

	igt_assert_f(vxf_backend_cmd(&w->be, line, sizeof(line),
				     "hv-inject %llu %llu %u %u %u %u",
				     (unsigned long long)seq,
				     (unsigned long long)gfn, window, vcpu,
				     access, count) == 0,
		     "%s\n", vxf_backend_last_error());
	p = strstr(line, "written=");
	igt_assert_f(p, "%s\n", line);
	return atoi(p + 8);
}

/* Wait (bounded) until the driver has looked at @n more records. */
static void wait_records(struct window *w, const struct vxf_stats *since,
			 uint64_t n)
{
	struct vxf_stats st;
	int i;

	for (i = 0; i < 500; i++) {
		st = stats(w);
		if (st.hv_reports + st.hv_rejected + st.hv_overflows >=
		    since->hv_reports + since->hv_rejected +
		    since->hv_overflows + n)
			return;
		usleep(10000);
	}
	igt_assert_f(false, "records not handled\n");
}

static void test_hv_report(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t p;

	hv_start(&w, "16", NULL);
	for (p = 0; p < 16; p++)
		fill_page(&w, p, 3);
	s0 = stats(&w);
	hv_revoke(&w, 0, 16);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.mapped_pages, 0);
	igt_assert_eq_u64(s1.revoked_pages - s0.revoked_pages, 16);

	/* No message reached the frontend: it learns of it by touching. */
	for (p = 0; p < 16; p++)
		check_page(&w, p, value, 3);
	s1 = stats(&w);
	igt_assert_lte_u64(16, s1.hv_reports - s0.hv_reports);
	igt_assert_eq_u64(s1.hv_rejected, s0.hv_rejected);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_hv_kernel_access(void)
{
	uint64_t buf[VXF_WORDS_PER_PAGE];
	struct vxf_stats s0;
	struct window w;
	int fd;

	hv_start(&w, "8", NULL);
	fill_page(&w, 2, 9);
	hv_revoke(&w, 2, 1);
	s0 = stats(&w);

	/* write(2) from the revoked page: the kernel's access is reported. */
	fd = memfd_create("vxf-hv", 0);
	igt_assert(fd >= 0);
	igt_assert_eq(pwrite(fd, (void *)word(&w, 2, 0), VXF_PAGE_SIZE, 0),
		      (int)VXF_PAGE_SIZE);
	igt_assert_eq(pread(fd, buf, VXF_PAGE_SIZE, 0), (int)VXF_PAGE_SIZE);
	igt_assert_eq_u64(buf[17], value(2, 17, 9));
	igt_assert_lte_u64(1, stats(&w).hv_reports - s0.hv_reports);

	/* read(2) into it, after another revoke. */
	hv_revoke(&w, 2, 1);
	igt_assert_eq(pread(fd, (void *)word(&w, 2, 0), VXF_PAGE_SIZE, 0),
		      (int)VXF_PAGE_SIZE);
	igt_assert_eq_u64(be_peek(&w, 2, 17), value(2, 17, 9));
	close(fd);
	window_stop(&w);
}

static void test_hv_backend_error(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;

	hv_start(&w, "8", "--fail=4:1");
	check_page(&w, 3, expect_pattern, 0);
	s0 = stats(&w);
	igt_assert(!vxf_try_read64(word(&w, 4, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.hv_failed - s0.hv_failed);
	igt_assert_lte_u64(1, s1.sigbus - s0.sigbus);
	/* The rest of the window is unharmed. */
	hv_revoke(&w, 3, 1);
	check_page(&w, 3, expect_pattern, 0);
	window_stop(&w);
}

static void test_hv_malformed_records(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t gfn;

	igt_emit_ignore_dmesg_regex("vxf[0-9]+: rejected fault record ");
	hv_start(&w, "8", NULL);
	gfn = info(&w).hv_gfn;
	check_page(&w, 1, expect_pattern, 0);
	s0 = stats(&w);

	/* Outside the window, unknown window, bad vCPU, bad access bits. */
	igt_assert_eq(hv_inject(&w, 1000, gfn + 8, HV_WINDOW_ID, 0, 1, 1), 1);
	igt_assert_eq(hv_inject(&w, 1001, gfn - 1, HV_WINDOW_ID, 0, 1, 1), 1);
	igt_assert_eq(hv_inject(&w, 1002, gfn, 77, 0, 1, 1), 1);
	igt_assert_eq(hv_inject(&w, 1003, gfn, HV_WINDOW_ID, 100000, 1, 1), 1);
	igt_assert_eq(hv_inject(&w, 1004, gfn, HV_WINDOW_ID, 0, 0, 1), 1);
	igt_assert_eq(hv_inject(&w, 1005, gfn, HV_WINDOW_ID, 0, 0x80, 1), 1);
	/* Stale: a sequence number already seen. */
	igt_assert_eq(hv_inject(&w, 1003, gfn + 1, HV_WINDOW_ID, 0, 1, 1), 1);
	wait_records(&w, &s0, 7);

	s1 = stats(&w);
	igt_assert_eq_u64(s1.hv_rejected - s0.hv_rejected, 7);
	igt_assert_eq_u64(s1.hv_reports, s0.hv_reports);
	igt_assert_eq_u64(s1.maps, s0.maps);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);

	/* And the window still works, through reports. */
	hv_revoke(&w, 1, 1);
	check_page(&w, 1, expect_pattern, 0);
	window_stop(&w);
}

static void test_hv_mapped_meanwhile(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t gfn;

	hv_start(&w, "8", NULL);
	gfn = info(&w).hv_gfn;
	check_page(&w, 5, expect_pattern, 0);
	s0 = stats(&w);

	/* A report for a page that is mapped: resolved, no MAP sent. */
	igt_assert_eq(hv_inject(&w, 2000, gfn + 5, HV_WINDOW_ID, 0, 1, 1), 1);
	wait_records(&w, &s0, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.hv_reports - s0.hv_reports, 1);
	igt_assert_eq_u64(s1.maps, s0.maps);
	igt_assert_eq_u64(s1.hv_failed, s0.hv_failed);
	window_stop(&w);
}

static void test_hv_flood(void)
{
	struct vxf_stats s0, s1;
	unsigned int written;
	struct window w;
	uint64_t gfn, p;

	hv_start(&w, "64", NULL);
	gfn = info(&w).hv_gfn;
	s0 = stats(&w);

	/*
	 * 4096 valid records, 64 sweeps over 64 pages nobody touched, as fast
	 * as they can be written: the ring takes what fits, the rest is
	 * counted as overflow; each page is asked for once however many
	 * records name it.
	 */
	for (written = 0, p = 0; p < 64; p++)
		written += hv_inject(&w, 3000 + 64 * p, gfn, HV_WINDOW_ID, 0,
				     1, 64);
	igt_assert_lt(0, (int)written);
	wait_records(&w, &s0, 4096);

	s1 = stats(&w);
	igt_assert_eq_u64(s1.hv_overflows - s0.hv_overflows, 4096 - written);
	igt_assert_eq_u64(s1.hv_reports - s0.hv_reports, written);
	igt_assert_eq_u64(s1.hv_rejected, s0.hv_rejected);
	igt_assert_lte_u64(s1.maps - s0.maps, 64);
	for (p = 0; p < 64; p++)
		check_page(&w, p, expect_pattern, 0);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	window_stop(&w);
}

/*
 * vxf_fault.h: a producer index more than a ring ahead of the consumer's
 * is a corrupt area, and the guest tears the interface down. From then on
 * an access to a page that is not there fails (SIGBUS, or EFAULT for the
 * kernel) instead of waiting for reports that cannot be trusted; a page
 * still mapped is still served.
 */
static void test_hv_corrupt_area(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	char line[128];
	uint64_t v;
	int fd;

	igt_emit_ignore_dmesg_regex("vxf[0-9]+: (fault report producer index|"
				    "corrupt report area)");
	hv_start(&w, "8", NULL);
	fill_page(&w, 1, 5);
	fill_page(&w, 2, 6);
	hv_revoke(&w, 2, 1);
	s0 = stats(&w);
	igt_assert_f(vxf_backend_cmd(&w.be, line, sizeof(line),
				     "hv-corrupt") == 0,
		     "%s\n", vxf_backend_last_error());
	wait_records(&w, &s0, 1);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.hv_overflows - s0.hv_overflows);

	/* The revoked page is not served any more, by report or otherwise. */
	igt_assert(!vxf_try_read64(word(&w, 2, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	fd = memfd_create("vxf-hv", 0);
	igt_assert(fd >= 0);
	igt_assert_eq(pwrite(fd, (void *)word(&w, 2, 0), VXF_PAGE_SIZE, 0),
		      -1);
	igt_assert_eq(errno, EFAULT);
	close(fd);
	/* The page still mapped is, through a fresh guest mapping. */
	check_page(&w, 1, value, 5);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.hv_reports, s0.hv_reports);
	window_stop(&w);
}

static void test_hv_record_fields(void)
{
	struct window w;

	hv_start(&w, "32", NULL);
	hv_check_record_fields(&w);
	hv_check_rejected_traced(&w, HV_WINDOW_ID);
	window_stop(&w);
}

/*
 * The stand-in reports what the fault handler was asked for, a read or a
 * write: it would call an instruction fetch a read. No fetch gets there:
 * the driver maps no window page executable.
 */
static void test_hv_exec(void)
{
	struct window w;

	hv_start(&w, "8", NULL);
	hv_check_exec(&w);
	window_stop(&w);
}

void vxf_loop_hv_subtests(void)
{
	igt_describe("Pages taken away by the hypervisor, unannounced, come "
		     "back on the next access through fault reports, with "
		     "their data.");
	igt_subtest("hv-report")
		test_hv_report();

	igt_describe("Kernel accesses (read(2)/write(2)) to pages the "
		     "hypervisor took away are reported and resolved too.");
	igt_subtest("hv-kernel-access")
		test_hv_kernel_access();

	igt_describe("A reported access the backend cannot serve ends in "
		     "SIGBUS, through a dropped guest mapping.");
	igt_subtest("hv-backend-error")
		test_hv_backend_error();

	igt_describe("Records outside the window, of an unknown window, vCPU "
		     "or access, and stale ones are rejected without harm.");
	igt_subtest("hv-malformed-records")
		test_hv_malformed_records();

	igt_describe("A report for a page mapped in the meantime is resolved "
		     "without a MAP.");
	igt_subtest("hv-mapped-meanwhile")
		test_hv_mapped_meanwhile();

	igt_describe("A flood of records fills the report ring; overflow is "
		     "counted, each page asked for once, nothing hangs.");
	igt_subtest("hv-flood")
		test_hv_flood();

	igt_describe("A corrupt report area (producer index past a ring "
		     "ahead) tears fault reports down: an absent page then "
		     "ends in SIGBUS or EFAULT, a mapped one is still served.");
	igt_subtest("hv-corrupt-area")
		test_hv_corrupt_area();

	igt_describe("Through the vxf_hv_record tracepoint: user reads and "
		     "writes and kernel accesses on each CPU in turn give one "
		     "record each, with the page's frame, the access, the user "
		     "flag, the CPU and an increasing sequence number; a "
		     "rejected record is traced with page -1.");
	igt_subtest("hv-record-fields")
		test_hv_record_fields();

	igt_describe("No window page can be mapped or mprotect()ed "
		     "executable (EPERM, EACCES); code written to a page "
		     "comes back as data through a read record, never EXEC.");
	igt_subtest("hv-exec")
		test_hv_exec();
}
