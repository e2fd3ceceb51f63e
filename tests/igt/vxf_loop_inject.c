// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_inject.c - vxf_loop subtests: the driver's failure paths, made
 * to fail on purpose, and its allocations coming back to zero
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The module parameters inject_alloc, inject_map, inject_timeout and
 * inject_unmap make the next N chunk allocations, transport mappings (grant
 * maps in Xen mode), fault waits and loop transport releases fail
 * (drivers/gpu/virtio-xen-fault/inject.c);
 * <debugfs>/vxf/allocations counts the driver's live objects and the
 * failures injected.
 *
 *   inject-alloc     the fault is retried and completes
 *   inject-map       the access gets SIGBUS, the pages lent go back to
 *                    the backend (UNMAP), the next access completes
 *   inject-timeout   the access gets SIGBUS at once, the late answer is
 *                    installed, the next access completes
 *   inject-unmap     a page the transport could not release: the REVOKE
 *                    that took it is answered -XEN_EIO, not success
 *   inject-retype    a frame refused the mapping's memory type: SIGBUS,
 *                    never a mapping of another type; the next access
 *                    completes with the type
 *   allocations-balance  after a window's life (faults, revokes, failed
 *                    MAPs), every live count is back where it was
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_loop.h"

#define PARAMS		"/sys/module/virtio_xen_fault/parameters/"
#define ALLOCATIONS	VXF_ALLOCATIONS_PATH

static bool read_counts(struct vxf_counters *c)
{
	return vxf_counters_read(c, ALLOCATIONS) == 0;
}

static long count_of(const struct vxf_counters *c, const char *name)
{
	long long v = 0;

	igt_assert_f(vxf_counter_find(c, name, &v), "no %s in %s\n", name,
		     ALLOCATIONS);
	return (long)v;
}

static void set_param(const char *name, int value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	igt_assert(fprintf(f, "%d\n", value) > 0);
	igt_assert_eq(fclose(f), 0);
}

static int get_param(const char *name)
{
	char path[128];
	int value = -1;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	igt_assert_eq(fscanf(f, "%d", &value), 1);
	fclose(f);
	return value;
}

static void require_injection(void)
{
	struct vxf_counters c;

	igt_require_f(access(PARAMS "inject_map", W_OK) == 0,
		      "no inject_* parameters\n");
	igt_require_f(read_counts(&c), "no %s\n", ALLOCATIONS);
}

static void test_inject_alloc(void)
{
	struct vxf_counters c0, c1;
	struct window w;

	require_injection();
	/*
	 * The fault handler's VM_FAULT_OOM, with no OOM kill behind it, makes
	 * the kernel's page fault handler warn (pagefault_out_of_memory())
	 * before it retries the fault: expected, not the driver's.
	 */
	igt_emit_ignore_dmesg_regex("VM_FAULT_OOM leaked out to the #PF handler");
	/* Reported faults fail a failed allocation instead (no retry). */
	igt_require_f(!vxf_hv_mode(), "hypervisor mode reports the fault\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	igt_assert(read_counts(&c0));
	set_param("inject_alloc", 1);
	check_page(&w, 0, expect_pattern, 0);
	igt_assert_eq(get_param("inject_alloc"), 0);
	igt_assert(read_counts(&c1));
	igt_assert_eq(count_of(&c1, "injected_alloc") -
		      count_of(&c0, "injected_alloc"), 1);
	window_stop(&w);
}

static void test_inject_map(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;

	require_injection();
	igt_emit_ignore_dmesg_regex(VXF_DMESG_BAD_BACKEND);
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	s0 = stats(&w);
	set_param("inject_map", 1);
	igt_assert(!vxf_try_read64(word(&w, 1, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	igt_assert_eq(get_param("inject_map"), 0);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.map_errors - s0.map_errors, 1);
	igt_assert_eq_u64(s1.mapped_pages, s0.mapped_pages);
	/* The pages lent and not installed went back (UNMAP). */
	if (!vxf_xen_mode())
		expect_lent_is_mapped(&w, 0);
	/* The device goes on: the next access maps the page. */
	check_page(&w, 1, expect_pattern, 0);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	window_stop(&w);
}

static void test_inject_timeout(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;

	require_injection();
	igt_require_f(!vxf_hv_mode(), "hypervisor mode waits elsewhere\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	s0 = stats(&w);
	/* the answer comes 300 ms late; the injected timeout is at once */
	be_cmd(&w, "delay 300000");
	set_param("inject_timeout", 1);
	igt_assert(!vxf_try_read64(word(&w, 2, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	igt_assert_eq(get_param("inject_timeout"), 0);
	be_cmd(&w, "delay 0");
	/* the late answer comes, and what the backend lent is mapped */
	expect_lent_is_mapped(&w, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.timeouts - s0.timeouts, 1);
	/* The answer that came meanwhile was installed (vxfif.h)... */
	igt_assert_eq_u64(s1.mapped_pages, s0.mapped_pages + 1);
	igt_assert_eq_u64(s1.protocol_errors, s0.protocol_errors);
	/* ...and page 2 is there on the next access, without a MAP. */
	check_page(&w, 2, expect_pattern, 0);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.mapped_pages - s0.mapped_pages, 1);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	window_stop(&w);
}

static void test_inject_retype(void)
{
	struct vxf_counters c0, c1;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;

	require_injection();
	START(&w, "--pages", "8", "--map-pages", "1", "--cache", "wc",
	      "--quiet");
	igt_assert(read_counts(&c0));
	s0 = stats(&w);
	set_param("inject_retype", 1);
	igt_assert(!vxf_try_read64(word(&w, 3, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	igt_assert_eq(get_param("inject_retype"), 0);
	igt_assert(read_counts(&c1));
	igt_assert_eq(count_of(&c1, "injected_retype") -
		      count_of(&c0, "injected_retype"), 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.sigbus - s0.sigbus, 1);
	/* The frame stayed in the window: the next access completes. */
	check_page(&w, 3, expect_pattern, 0);
	if (!vxf_xen_mode())
		expect_pte_cache(word(&w, 3, 0), VXF_CACHE_WC);
	igt_assert_eq_u64(stats(&w).sigbus, s1.sigbus);
	window_stop(&w);
}

static void test_inject_unmap(void)
{
	struct vxf_counters c0, c1;
	struct window w;
	int status;

	require_injection();
	igt_require_f(!vxf_hv_mode(), "hypervisor revokes get no answer\n");
	igt_require_f(!vxf_xen_mode(), "only the loop transport injects it\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	check_page(&w, 3, expect_pattern, 0);
	igt_assert(read_counts(&c0));
	set_param("inject_unmap", 1);
	status = vxf_backend_revoke(&w.be, 3, 1);
	igt_assert_eq(get_param("inject_unmap"), 0);
	igt_assert(read_counts(&c1));
	igt_assert_eq(count_of(&c1, "injected_unmap") -
		      count_of(&c0, "injected_unmap"), 1);
	/* vxfif.h: -XEN_EIO if a page could not be released */
	igt_assert_f(status == -5, "REVOKE_DONE status %d, not -XEN_EIO\n",
		     status);
	/* The page was still taken from the guest; it comes back on access. */
	check_page(&w, 3, expect_pattern, 0);
	/* A release that works is answered 0 again. */
	be_revoke(&w, 3, 1);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	window_stop(&w);
}

static bool counts_back(void *arg)
{
	const struct vxf_counters *c0 = arg;
	struct vxf_counters c;
	unsigned int i;

	if (!read_counts(&c))
		return false;
	for (i = 0; i < c0->n; i++)
		if (strncmp(c0->c[i].name, "injected_", 9) &&
		    count_of(&c, c0->c[i].name) != c0->c[i].value)
			return false;
	return true;
}

static void test_allocations_balance(void)
{
	struct vxf_counters c0, c1;
	struct window w;
	uint64_t page, v;
	unsigned int i;

	/* the injected map failure makes the driver warn */
	igt_emit_ignore_dmesg_regex(VXF_DMESG_BAD_BACKEND);

	require_injection();
	/* A xenbus device outlives its windows. */
	igt_require_f(!vxf_xen_mode(), "the dom0 backend's device stays\n");
	igt_assert(read_counts(&c0));
	START(&w, "--pages", "64", "--map-pages", "4", "--fail", "40:4",
	      "--quiet");
	igt_assert(read_counts(&c1));
	igt_assert_lt(count_of(&c0, "devices"), count_of(&c1, "devices"));
	for (page = 0; page < w.pages; page++)
		vxf_try_read64(word(&w, page, 0), &v);
	be_revoke(&w, 0, 16);
	for (page = 0; page < 8; page++)
		check_page(&w, page, expect_pattern, 0);
	/* an absent page away from the pages read in order: its MAP fails */
	be_revoke(&w, 48, 4);
	set_param("inject_map", 1);
	igt_assert(!vxf_try_read64(word(&w, 48, 0), &v));
	igt_assert_eq(get_param("inject_map"), 0);
	window_stop(&w);

	igt_assert_f(vxf_wait_for(counts_back, &c0, 5000) == 0,
		     "live objects not back to their count before the window\n");
	for (i = 0; i < c0.n; i++)
		igt_info("%s %lld\n", c0.c[i].name, c0.c[i].value);
}

void vxf_loop_inject_subtests(void)
{
	igt_describe("A chunk allocation made to fail: the fault is retried "
		     "and completes.");
	igt_subtest("inject-alloc")
		test_inject_alloc();
	igt_describe("A transport mapping made to fail: SIGBUS, then the "
		     "next access completes.");
	igt_subtest("inject-map")
		test_inject_map();
	igt_describe("A fault wait made to time out: SIGBUS at once, the late "
		     "answer is installed, the next access completes.");
	igt_subtest("inject-timeout")
		test_inject_timeout();
	igt_describe("A page the transport could not release is reported to "
		     "the backend: REVOKE_DONE says -XEN_EIO.");
	igt_subtest("inject-unmap")
		test_inject_unmap();
	igt_describe("A frame that refuses a write-combined mapping's memory "
		     "type: SIGBUS, not a write-back mapping; the next access "
		     "gets the type.");
	igt_subtest("inject-retype")
		test_inject_retype();
	igt_describe("After a window's life every live object count of "
		     "<debugfs>/vxf/allocations is back where it was.");
	igt_subtest("allocations-balance")
		test_allocations_balance();
}
