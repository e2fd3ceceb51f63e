// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_obs.c - vxf_loop subtests: what the driver lets one observe, and
 * what it does when nobody uses a window any more
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The debugfs files of a window (with the fault latency histogram, which
 * is not in the uapi), and the counters the backend reads through the
 * loop device, agree with VXF_IOC_STATS, the vxf:*
 * tracepoints fire for faults, MAPs and revokes, and a window whose last
 * user went away gives its pages back to the backend (UNMAP).
 */

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "igt.h"
#include "vxf_loop.h"

static const char *const tracing_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

/* Read a whole small file into @buf; false if it cannot be read. */
static bool read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	while ((size_t)got < len - 1 &&
	       (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got > 0;
}

/* The value of "@key N" in a debugfs stats file. */
static uint64_t debugfs_value(const char *text, const char *key)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s ", key);
	p = strstr(text, needle);
	if (!p && !strncmp(text, needle + 1, strlen(needle + 1)))
		p = text - 1;
	igt_assert_f(p, "no \"%s\" in debugfs stats\n", key);
	return strtoull(p + strlen(needle), NULL, 10);
}

/* The value of " @key=N" in a backend reply line, which must have it. */
static uint64_t reply_value(const char *line, const char *key)
{
	char needle[64];

	snprintf(needle, sizeof(needle), " %s=", key);
	igt_assert_f(strstr(line, needle), "no %s in '%s'\n", key, line);
	return vxf_reply_field(line, key);
}

static void test_debugfs_stats(void)
{
	char path[128], text[4096], want[64];
	struct vxf_stats s0, st;
	struct window w;
	uint64_t p;

	START(&w, "--pages", "32", "--quiet");
	s0 = stats(&w);	/* all 0 in a fresh window; Xen mode reuses one */
	snprintf(path, sizeof(path), "/sys/kernel/debug/vxf/vxf%d/stats",
		 w.be.index);
	igt_require_f(access(path, R_OK) == 0, "no %s (debugfs?)\n", path);

	for (p = 0; p < 8; p++)
		check_page(&w, p, expect_pattern, 0);
	be_revoke(&w, 0, 4);
	check_page(&w, 1, expect_pattern, 0);

	st = stats(&w);
	igt_assert(read_file(path, text, sizeof(text)));
	igt_assert_eq_u64(debugfs_value(text, "faults"), st.faults);
	igt_assert_eq_u64(debugfs_value(text, "maps"), st.maps);
	igt_assert_eq_u64(debugfs_value(text, "revokes"), st.revokes);
	igt_assert_eq_u64(debugfs_value(text, "revoked_pages"),
			  st.revoked_pages);
	igt_assert_eq_u64(debugfs_value(text, "mapped_pages"),
			  st.mapped_pages);
	igt_assert_lte_u64(9, st.faults - s0.faults);
	igt_assert_eq_u64(st.revokes - s0.revokes, 1);
	igt_assert_eq_u64(st.revoked_pages - s0.revoked_pages, 4);
	if (!w.be.xen)
		igt_assert_eq_u64(s0.faults + s0.revokes + s0.revoked_pages, 0);

	/*
	 * The backend reads the same counters through the loop device (a
	 * dom0 backend has no such view of a domU).
	 */
	igt_assert(vxf_backend_cmd(&w.be, text, sizeof(text), "stats") == 0);
	if (!w.be.xen) {
		igt_assert_eq_u64(reply_value(text, "fe_faults"), st.faults);
		igt_assert_eq_u64(reply_value(text, "fe_maps"), st.maps);
		igt_assert_eq_u64(reply_value(text, "fe_revokes"),
				  st.revokes);
		igt_assert_eq_u64(reply_value(text, "fe_mapped_pages"),
				  st.mapped_pages);
	}

	snprintf(path, sizeof(path), "/sys/kernel/debug/vxf/vxf%d/info",
		 w.be.index);
	igt_assert(read_file(path, text, sizeof(text)));
	igt_assert_f(strstr(text, "state connected\n"), "info: %s\n", text);
	snprintf(want, sizeof(want), "window_pages %llu\n",
		 (unsigned long long)w.be.window_pages);	/* 32 but in Xen */
	igt_assert_f(strstr(text, want), "info: %s\n", text);
	window_stop(&w);
}

/* The sum of the latency_us[LOW] buckets of a debugfs stats text. */
static uint64_t latency_sum(const char *text)
{
	const char *p = text;
	uint64_t sum = 0;
	int n = 0;

	while ((p = strstr(p, "\nlatency_us["))) {
		p = strchr(p, ']');
		igt_assert_f(p && p[1] == ' ', "bad latency line\n");
		sum += strtoull(p + 2, NULL, 10);
		n++;
	}
	igt_assert_eq(n, 16);
	return sum;
}

/*
 * The fault latency histogram, which is not ABI, is in debugfs: its
 * buckets add up to its count of faults that waited, and each fault that
 * found its page absent waited once.
 */
static void test_debugfs_latency(void)
{
	static const uint64_t pages[] = { 0, 5, 10, 15, 20 };
	static char t0[4096], t1[4096];
	struct vxf_stats s0, s1;
	uint64_t waits, absent;
	struct window w;
	char path[128];
	size_t i;

	START(&w, "--pages", "32", "--quiet");
	snprintf(path, sizeof(path), "/sys/kernel/debug/vxf/vxf%d/stats",
		 w.be.index);
	igt_require_f(access(path, R_OK) == 0, "no %s (debugfs?)\n", path);

	s0 = stats(&w);
	igt_assert(read_file(path, t0, sizeof(t0)));
	/* pages far apart (nothing prefetched), then one revoked */
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		check_page(&w, pages[i], expect_pattern, 0);
	be_revoke(&w, 0, 1);
	check_page(&w, 0, expect_pattern, 0);
	igt_assert(read_file(path, t1, sizeof(t1)));
	s1 = stats(&w);

	waits = debugfs_value(t1, "fault_waits") -
		debugfs_value(t0, "fault_waits");
	absent = (s1.faults - s0.faults) -
		 (s1.faults_present - s0.faults_present) -
		 (s1.sigbus - s0.sigbus);
	igt_info("faults that waited: %llu, histogram: %llu\n",
		 (unsigned long long)absent, (unsigned long long)waits);
	igt_assert_eq_u64(latency_sum(t1) - latency_sum(t0), waits);
	igt_assert_eq_u64(waits, absent);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	/* a fresh window has every page absent; Xen mode reuses one */
	if (!w.be.xen)
		igt_assert_eq_u64(waits, ARRAY_SIZE(pages) + 1);
	else
		igt_assert_lte_u64(1, waits);
	window_stop(&w);
}

static const char *tracing_dir(void)
{
	static char path[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracing_dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/vxf/enable",
			 tracing_dirs[i]);
		if (access(path, W_OK) == 0)
			return tracing_dirs[i];
	}
	return NULL;
}

static void test_tracepoints(void)
{
	static const char *const events[] = {
		"vxf_fault_start", "vxf_fault_end", "vxf_map_request",
		"vxf_map_answer", "vxf_revoke_start", "vxf_revoke_done",
	};
	const char *dir = tracing_dir();
	char path[128], needle[64];
	static char text[1 << 20];
	struct window w;
	size_t i;

	igt_require_f(dir, "no tracefs with the vxf events\n");
	START(&w, "--pages", "8", "--quiet");

	snprintf(path, sizeof(path), "%s/trace", dir);
	igt_assert(vxf_write_file(path, ""));
	snprintf(path, sizeof(path), "%s/events/vxf/enable", dir);
	igt_assert(vxf_write_file(path, "1"));

	check_page(&w, 3, expect_pattern, 0);
	be_revoke(&w, 3, 1);
	check_page(&w, 3, expect_pattern, 0);

	igt_assert(vxf_write_file(path, "0"));
	snprintf(path, sizeof(path), "%s/trace", dir);
	igt_assert(read_file(path, text, sizeof(text)));
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(needle, sizeof(needle), "%s: vxf%d ", events[i],
			 w.be.index);
		igt_assert_f(strstr(text, needle), "no %s in the trace\n",
			     needle);
	}
	snprintf(needle, sizeof(needle), "vxf%d page=3 ", w.be.index);
	igt_assert_f(strstr(text, needle), "no fault of page 3 traced\n");
	window_stop(&w);
}

#define PREFETCH_PARAM	"/sys/module/virtio_xen_fault/parameters/prefetch_pages"
#define DEMAND_PAGE	1500
#define RING_SLOTS	32	/* of a ring of order 0 (64-byte slots) */
#define MAX_TRACED	1024
#define MAP_F_PREFETCH	0x2	/* XENVXF_MAP_F_PREFETCH of vxfif.h */

/* The id=, first= and flags= of a vxf_map_request line of device @index. */
static bool traced_request(const char *line, const char *req, uint64_t *id,
			   uint64_t *first, unsigned long *flags)
{
	const char *p = strstr(line, req);

	if (!p || !strstr(p, "id=") || !strstr(p, "first=") ||
	    !strstr(p, "flags="))
		return false;
	*id = strtoull(strstr(p, "id=") + 3, NULL, 10);
	*first = strtoull(strstr(p, "first=") + 6, NULL, 10);
	*flags = strtoul(strstr(p, "flags=") + 6, NULL, 0);
	return true;
}

/*
 * In the trace of vxf_map_request/vxf_map_answer of device @index: how
 * many answers to PREFETCH MAPs came before the answer to the MAP of
 * page @page; -1 if that MAP or its answer is not in the trace.
 */
static int prefetch_answers_before(const char *text, int index,
				   uint64_t page)
{
	static uint64_t prefetch[MAX_TRACED];
	unsigned int nr = 0, i;
	uint64_t demand = 0, id, first;
	char req[64], ans[64];
	const char *line, *p;
	unsigned long flags;
	int count = 0;

	snprintf(req, sizeof(req), "vxf_map_request: vxf%d ", index);
	snprintf(ans, sizeof(ans), "vxf_map_answer: vxf%d ", index);
	for (line = text; line; line = strchr(line + 1, '\n')) {
		if (!traced_request(line, req, &id, &first, &flags) ||
		    (strchr(line + 1, '\n') &&
		     strstr(line, req) > strchr(line + 1, '\n')))
			continue;
		if (flags & MAP_F_PREFETCH) {
			if (nr < MAX_TRACED)
				prefetch[nr++] = id;
		} else if (first == page) {
			demand = id;
		}
	}
	igt_info("traced: %u prefetch MAPs, demand MAP id %llu\n", nr,
		 (unsigned long long)demand);
	if (!demand)
		return -1;
	for (line = text; line; line = strchr(line + 1, '\n')) {
		p = strstr(line, ans);
		if (!p || (strchr(line + 1, '\n') &&
			   p > strchr(line + 1, '\n')))
			continue;
		id = strtoull(strstr(p, "id=") + 3, NULL, 10);
		if (id == demand)
			return count;
		for (i = 0; i < nr; i++)
			if (prefetch[i] == id)
				count++;
	}
	return -1;
}

/*
 * A demand MAP is not queued behind prefetch: while a large prefetch
 * waits for ring slots, a fault on another page gets the next free slot,
 * so at most one ring's worth of prefetch MAPs (those already on the
 * ring) is answered before it.
 */
static void test_prefetch_demand_first(void)
{
	static const uint64_t stream[] = { 0, 1, 6, 15, 32, 65, 130 };
	const char *dir = tracing_dir();
	char path[128], old[32] = "", clock_old[64] = "local";
	static char text[1 << 20];
	struct reader a, b;
	struct vxf_stats s0;
	struct window w;
	size_t i;
	int n;

	igt_require_f(!vxf_hv_mode(), "reported faults do not prefetch\n");
	igt_require_f(dir, "no tracefs with the vxf events\n");
	igt_require_f(read_file(PREFETCH_PARAM, old, sizeof(old)),
		      "no prefetch_pages parameter\n");
	START(&w, "--pages", "2048", "--map-pages", "1", "--timeout-ms",
	      "60000", "--quiet");
	igt_assert(vxf_write_file(PREFETCH_PARAM, "128"));

	/* A stream whose prefetch has doubled up to 128 pages. */
	for (i = 0; i < ARRAY_SIZE(stream); i++)
		check_page(&w, stream[i], expect_pattern, 0);
	WAIT_STAT(&w, mapped_pages, 259);	/* pages 0..258 */

	snprintf(path, sizeof(path), "%s/trace_clock", dir);
	if (read_file(path, text, sizeof(text))) {
		char *l = strchr(text, '['), *r = l ? strchr(l, ']') : NULL;

		if (l && r && r - l - 1 < (int)sizeof(clock_old)) {
			memcpy(clock_old, l + 1, r - l - 1);
			clock_old[r - l - 1] = '\0';
		}
	}
	/* Answers may be handled on either CPU: one clock for both. */
	vxf_write_file(path, "global");
	snprintf(path, sizeof(path), "%s/trace", dir);
	igt_assert(vxf_write_file(path, ""));
	snprintf(path, sizeof(path), "%s/events/vxf/vxf_map_request/enable",
		 dir);
	igt_assert(vxf_write_file(path, "1"));
	snprintf(path, sizeof(path), "%s/events/vxf/vxf_map_answer/enable",
		 dir);
	igt_assert(vxf_write_file(path, "1"));

	be_cmd(&w, "hang on");
	s0 = stats(&w);
	/* The stream's next miss: a MAP and 128 pages of prefetch... */
	reader_start(&a, &w, 259);
	WAIT_STAT(&w, prefetched_pages, s0.prefetched_pages + 128);
	/* ...then a fault elsewhere, while most of them wait for slots. */
	reader_start(&b, &w, DEMAND_PAGE);
	WAIT_STAT(&w, maps, s0.maps + 130);
	be_cmd(&w, "hang off");
	reader_join(&a, 30000);
	reader_join(&b, 30000);

	snprintf(path, sizeof(path), "%s/events/vxf/enable", dir);
	igt_assert(vxf_write_file(path, "0"));
	snprintf(path, sizeof(path), "%s/trace", dir);
	igt_assert(read_file(path, text, sizeof(text)));
	/* After reading: a change of clock empties the buffer. */
	snprintf(path, sizeof(path), "%s/trace_clock", dir);
	vxf_write_file(path, clock_old);
	vxf_write_file(PREFETCH_PARAM, old);

	igt_assert_f(a.ok && b.ok, "signal %d / %d\n", a.sig, b.sig);
	igt_assert_eq_u64(a.value, pattern(259, 0));
	igt_assert_eq_u64(b.value, pattern(DEMAND_PAGE, 0));
	n = prefetch_answers_before(text, w.be.index, DEMAND_PAGE);
	igt_info("prefetch answers before the demand MAP's: %d\n", n);
	igt_assert_f(n >= 0, "the demand MAP or its answer is not traced\n");
	igt_assert_lt(n, RING_SLOTS);
	window_stop(&w);
}

static void test_unmap_on_last_close(void)
{
	struct vxf_backend_stats bs0, bs;
	struct vxf_stats st;
	struct window w;
	uint64_t p, u0;

	START(&w, "--pages", "16", "--quiet");
	for (p = 0; p < 16; p++)
		fill_page(&w, p, 5);
	st = stats(&w);
	igt_assert_eq_u64(st.mapped_pages, 16);
	/* a fresh window has none; Xen mode reuses the dom0 window */
	u0 = st.unmaps;
	if (!w.be.xen)
		igt_assert_eq_u64(u0, 0);
	igt_assert_eq(vxf_backend_stats(&w.be, &bs0), 0);

	/*
	 * The last user goes: the backend gets its pages back at once (a
	 * dom0 backend handles the UNMAP after its event: wait for it).
	 */
	munmap(w.map, w.pages * VXF_PAGE_SIZE);
	close(w.fd);
	for (p = 0; p < 100; p++) {
		igt_assert_eq(vxf_backend_stats(&w.be, &bs), 0);
		if (bs.unmaps != bs0.unmaps || !w.be.xen)
			break;
		usleep(50 * 1000);
	}
	igt_assert_eq_u64(bs.unmaps - bs0.unmaps, 1);
	igt_assert_eq_u64(bs.granted, 0);
	for (p = 0; p < 16; p++)
		igt_assert_eq_u64(be_peek(&w, p, 7), value(p, 7, 5));

	/* A new user finds the data again, fetched anew. */
	w.fd = vxf_open(&w.be);
	igt_assert(w.fd >= 0);
	w.map = vxf_map(w.fd, 0, w.pages, PROT_READ | PROT_WRITE);
	igt_assert(w.map != MAP_FAILED);
	st = stats(&w);
	igt_assert_eq_u64(st.unmaps - u0, 1);
	igt_assert_eq_u64(st.mapped_pages, 0);
	for (p = 0; p < 16; p++)
		check_page(&w, p, value, 5);
	igt_assert_eq_u64(stats(&w).mapped_pages, 16);
	window_stop(&w);
}

void vxf_loop_obs_subtests(void)
{
	igt_describe("debugfs stats and info, and VXF_LOOP_IOC_STATS, agree "
		     "with VXF_IOC_STATS.");
	igt_subtest("debugfs-stats")
		test_debugfs_stats();

	igt_describe("The fault latency histogram in debugfs adds up to its "
		     "count of waits, which is the number of faults that "
		     "found their page absent (VXF_IOC_STATS).");
	igt_subtest("debugfs-latency")
		test_debugfs_latency();

	igt_describe("The vxf:* tracepoints fire for faults, MAPs and "
		     "revokes of the window.");
	igt_subtest("tracepoints")
		test_tracepoints();

	igt_describe("A demand MAP overtakes prefetch MAPs waiting for ring "
		     "slots (answer order seen through the tracepoints).");
	igt_subtest("prefetch-demand-first")
		test_prefetch_demand_first();

	igt_describe("When the last mapping and file go away the window "
		     "sends UNMAP: the backend has every page back, with the "
		     "data, and a new user faults them in again.");
	igt_subtest("unmap-on-last-close")
		test_unmap_on_last_close();
}
