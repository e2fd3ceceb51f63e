// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_super.c - vxf_loop subtests of 2 MiB superpage windows
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Windows here are created with the backend's --superpages
 * (VXF_LOOP_F_SUPERPAGE): the driver asks for a whole absent aligned 2 MiB
 * block (512 pages) in one MAP and gets one order-9 reference, which the
 * backend lends from a transparent huge page; it asks for runs of at most
 * 8 pages where a block is partly present or cut by the window's end; a
 * revoke of any page of a block drops the whole block. On 6.12 a block is
 * mapped into user space with one PMD.
 *
 * Each subtest skips, saying why, when the backend (no --superpages) or
 * the kernel (transparent huge pages absent or "never") cannot do
 * superpages. Anything else that keeps a block from being mapped, on the
 * driver's side or the backend's, fails.
 */

#include <pthread.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "igt.h"
#include "vxf_loop.h"

#define BLOCK_PAGES	512ULL
#define BLOCK_SIZE	(BLOCK_PAGES * VXF_PAGE_SIZE)
#define SMALL_RUN	8	/* the driver's small MAPs in superpage windows */
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* The bracketed word of the THP "enabled" setting, or "" without THP. */
static const char *thp_setting(void)
{
	static char buf[128];
	char *l, *r;
	FILE *f = fopen(THP_ENABLED, "r");

	buf[0] = '\0';
	if (!f)
		return buf;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!l || !r)
		return buf;
	*r = '\0';
	return l + 1;
}

/*
 * Start a superpage window of @pages, or skip saying what is missing: a
 * backend without --superpages, a kernel whose transparent huge pages are
 * absent or "never" (no 2 MiB block to lend). A window that then has no
 * 512-page granule is the driver's failure.
 */
static void super_start(struct window *w, const char *pages,
			const char *extra)
{
	igt_require_f(vxf_backend_has_option("--superpages"),
		      "backend %s has no --superpages\n", vxf_backend_path());
	igt_require_f(access(THP_ENABLED, R_OK) == 0,
		      "kernel without transparent huge pages: the backend cannot lend 2 MiB blocks\n");
	igt_require_f(strcmp(thp_setting(), "never"),
		      "transparent huge pages 'never': the backend cannot lend 2 MiB blocks\n");
	if (extra)
		START(w, "--superpages", "--pages", pages, "--quiet", extra);
	else
		START(w, "--superpages", "--pages", pages, "--quiet");
	igt_assert_f(info(w).map_pages == BLOCK_PAGES,
		     "a --superpages window has map granule %u, not %llu\n",
		     info(w).map_pages, BLOCK_PAGES);
}

/*
 * First access to @page, which must be absent; it must complete (a MAP
 * the driver could not map, or one the backend could not lend, fails the
 * subtest). Returns the stats from just before.
 */
static struct vxf_stats first_touch(struct window *w, uint64_t page)
{
	struct vxf_backend_stats b0, b1;
	struct vxf_stats s0 = stats(w), s1;
	uint64_t v;
	bool ok;

	igt_assert_eq(vxf_backend_stats(&w->be, &b0), 0);
	ok = vxf_try_read64(word(w, page, 0), &v);
	if (!ok) {
		s1 = stats(w);
		igt_assert_eq(vxf_backend_stats(&w->be, &b1), 0);
		igt_warn("driver map_errors +%llu, backend error answers +%llu (transparent huge pages '%s'; see the backend's stderr)\n",
			 (unsigned long long)(s1.map_errors - s0.map_errors),
			 (unsigned long long)(b1.map_errors - b0.map_errors),
			 thp_setting());
	}
	igt_assert_f(ok, "signal %d on the first access to page %llu\n",
		     vxf_last_fault_signal(), (unsigned long long)page);
	igt_assert_eq_u64(v, pattern(page, 0));
	return s0;
}

static void test_super_first_touch(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page, blk;

	super_start(&w, "2048", NULL);
	igt_assert_eq_u64(info(&w).window_pages, 2048);

	/* One page of block 1 costs one MAP of the whole block. */
	s0 = first_touch(&w, 517);
	s1 = stats(&w);
	igt_info("first touch: faults %llu maps %llu map_pages %llu\n",
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.map_pages - s0.map_pages));
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, BLOCK_PAGES);
	igt_assert_eq_u64(s1.mapped_pages, BLOCK_PAGES);
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);

	/* The rest of the block is there; the other blocks, one MAP each. */
	for (page = 512; page < 1024; page++)
		check_page(&w, page, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);
	for (blk = 0; blk < 4; blk++) {
		if (blk == 1)
			continue;
		s0 = stats(&w);
		check_page(&w, blk * BLOCK_PAGES + 300, expect_pattern, 0);
		s1 = stats(&w);
		igt_assert_eq_u64(s1.maps - s0.maps, 1);
		igt_assert_eq_u64(s1.map_pages - s0.map_pages, BLOCK_PAGES);
	}
	for (page = 0; page < w.pages; page++)
		check_page(&w, page, expect_pattern, 0);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.mapped_pages, 2048);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_super_revoke_part(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page;

	super_start(&w, "1024", NULL);
	first_touch(&w, 0);
	for (page = 0; page < BLOCK_PAGES; page++)
		fill_page(&w, page, 1);

	/* One page revoked: every page of its block goes. */
	s0 = stats(&w);
	be_revoke(&w, 100, 1);
	s1 = stats(&w);
	igt_info("revoke of 1 page: revokes %llu revoked_pages %llu mapped %llu\n",
		 (unsigned long long)(s1.revokes - s0.revokes),
		 (unsigned long long)(s1.revoked_pages - s0.revoked_pages),
		 (unsigned long long)s1.mapped_pages);
	igt_assert_eq_u64(s1.revoked_pages - s0.revoked_pages, BLOCK_PAGES);
	igt_assert_eq_u64(s1.mapped_pages, 0);
	/* The backend got it all back, not just the page it asked for. */
	igt_assert_eq_u64(be_peek(&w, 100, 7), value(100, 7, 1));
	igt_assert_eq_u64(be_peek(&w, 0, 0), value(0, 0, 1));
	igt_assert_eq_u64(be_peek(&w, 511, 511), value(511, 511, 1));

	/* The next access maps the block again, data intact. */
	check_page(&w, 300, value, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, BLOCK_PAGES);
	for (page = 0; page < BLOCK_PAGES; page++)
		check_page(&w, page, value, 1);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);

	/* A revoke across two blocks drops both. */
	check_page(&w, 600, expect_pattern, 0);
	s0 = stats(&w);
	be_revoke(&w, 510, 4);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.revoked_pages - s0.revoked_pages,
			  2 * BLOCK_PAGES);
	check_page(&w, 5, value, 1);
	check_page(&w, 1000, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_super_partial_block(void)
{
	struct vxf_stats s0, s1, s2;
	struct window w;
	uint64_t page, tail = 2 * BLOCK_PAGES, maps = 0;

	/* Two whole blocks, then 76 pages the window's end cuts off. */
	super_start(&w, "1100", NULL);

	s0 = stats(&w);
	check_page(&w, tail + 6, expect_pattern, 0);
	s1 = stats(&w);
	igt_info("tail page: maps %llu map_pages %llu\n",
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.map_pages - s0.map_pages));
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_lte_u64(1, s1.map_pages - s0.map_pages);
	igt_assert_lte_u64(s1.map_pages - s0.map_pages, SMALL_RUN);

	/* Every MAP of the cut block is a small run. */
	for (page = tail; page < w.pages; page++) {
		s1 = stats(&w);
		check_page(&w, page, expect_pattern, 0);
		s2 = stats(&w);
		igt_assert_lte_u64(s2.map_pages - s1.map_pages, SMALL_RUN);
		maps += s2.maps - s1.maps;
	}
	s1 = stats(&w);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, w.pages - tail);
	igt_assert_lte_u64((w.pages - tail + SMALL_RUN - 1) / SMALL_RUN,
			   s1.maps - s0.maps);
	igt_assert_eq_u64(s1.mapped_pages, w.pages - tail);

	/* Small pages are revoked one by one, whole blocks whole. */
	fill_page(&w, tail + 70, 4);
	s0 = stats(&w);
	be_revoke(&w, tail + 70, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.revoked_pages - s0.revoked_pages, 1);
	check_page(&w, tail + 70, value, 4);
	s2 = stats(&w);
	igt_assert_eq_u64(s2.maps - s1.maps, 1);
	igt_assert_lte_u64(s2.map_pages - s1.map_pages, 1);

	/* The whole blocks next to it still come whole. */
	s0 = first_touch(&w, BLOCK_PAGES + 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, BLOCK_PAGES);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

/* Map @npages of the window from @first at a 2 MiB aligned address. */
static volatile uint64_t *map_aligned(int fd, uint64_t first, uint64_t npages)
{
	size_t len = npages * VXF_PAGE_SIZE;
	uint8_t *r, *a;
	void *m;

	r = mmap(NULL, len + BLOCK_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(r != MAP_FAILED);
	a = (uint8_t *)(((uintptr_t)r + BLOCK_SIZE - 1) & ~(BLOCK_SIZE - 1));
	m = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)(first * VXF_PAGE_SIZE));
	igt_assert_f(m == a, "mmap at %p: %s\n", (void *)a, strerror(errno));
	if (a > r)
		munmap(r, a - r);
	munmap(a + len, r + len + BLOCK_SIZE - (a + len));
	return m;
}

/* A field of /proc/self/smaps for the VMA that starts at @addr, or -1. */
static long smaps_field(const volatile void *addr, const char *field)
{
	unsigned long start, end;
	char line[512];
	bool in = false;
	long v = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A VMA's header; no field name parses as "hex-hex". */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == (uintptr_t)addr;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field)) &&
		    line[strlen(field)] == ':') {
			v = atol(line + strlen(field) + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * /proc/self/smaps cannot show these PMDs: the page walk of smaps skips
 * VM_PFNMAP VMAs (mm/pagewalk.c, walk_page_test()), so Rss and
 * FilePmdMapped stay 0 however the window is mapped; THPeligible only says
 * the kernel would call ->huge_fault. What does show is the driver's fault
 * counter: a block mapped with one PMD costs one fault for all its 512
 * pages, one mapped with 4 KiB entries costs 512.
 */
static void test_super_pmd(void)
{
	volatile uint64_t *m;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page, faults;
	long eligible;

	igt_require_f(kernel_at_least(6, 12),
		      "PMD mappings of device memory need Linux 6.12\n");
	super_start(&w, "1024", NULL);
	first_touch(&w, 3);	/* block 0 mapped, through w.map */

	m = map_aligned(w.fd, 0, 2 * BLOCK_PAGES);
	if (madvise((void *)m, 2 * BLOCK_SIZE, MADV_HUGEPAGE))
		igt_info("madvise(MADV_HUGEPAGE) on the window: %s\n",
			 strerror(errno));
	eligible = smaps_field(m, "THPeligible");
	igt_info("THP '%s', THPeligible %ld, FilePmdMapped %ld kB\n",
		 thp_setting(), eligible, smaps_field(m, "FilePmdMapped"));
	/* THP is on (super_start()), 6.12: the VMA is the driver's to offer */
	igt_assert_f(eligible == 1,
		     "the kernel offers no PMD mappings of this VMA (transparent huge pages '%s')\n",
		     thp_setting());

	/* Block 0 is mapped: all its pages through one fault. */
	s0 = stats(&w);
	for (page = 0; page < BLOCK_PAGES; page++)
		igt_assert_eq_u64(m[page * VXF_WORDS_PER_PAGE + 9],
				  pattern(page, 9));
	s1 = stats(&w);
	faults = s1.faults - s0.faults;
	igt_info("512 pages of a mapped block: %llu faults, %llu present\n",
		 (unsigned long long)faults,
		 (unsigned long long)(s1.faults_present - s0.faults_present));
	igt_assert_f(faults <= 2,
		     "block mapped with 4 KiB entries: %llu faults for its 512 pages\n",
		     (unsigned long long)faults);

	/* Writes through the PMD reach the backend's huge slot. */
	for (page = 0; page < BLOCK_PAGES; page += 37)
		m[page * VXF_WORDS_PER_PAGE + 1] = value(page, 1, 5);
	igt_assert_eq_u64(be_peek(&w, 37, 1), value(37, 1, 5));
	igt_assert_eq_u64(*word(&w, 74, 1), value(74, 1, 5));

	/* A revoke zaps the PMD; the data comes back on the next access. */
	s0 = stats(&w);
	be_revoke(&w, 200, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.revoked_pages - s0.revoked_pages, BLOCK_PAGES);
	for (page = 0; page < BLOCK_PAGES; page += 37)
		igt_assert_eq_u64(m[page * VXF_WORDS_PER_PAGE + 1],
				  value(page, 1, 5));

	/* Block 1, first touched through the aligned mapping. */
	s0 = stats(&w);
	for (page = BLOCK_PAGES; page < 2 * BLOCK_PAGES; page++)
		igt_assert_eq_u64(m[page * VXF_WORDS_PER_PAGE + 2],
				  pattern(page, 2));
	s1 = stats(&w);
	igt_info("block 1 first touched via the aligned mapping: %llu faults, %llu maps\n",
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	munmap((void *)m, 2 * BLOCK_SIZE);
	window_stop(&w);
}

#define SUPER_THREADS	4
#define SUPER_WORDS	4

struct super_thread {
	struct window *w;
	pthread_t thread;
	int id;
	uint64_t loops;
	uint64_t errors;
	char first_error[256];
};

static const uint64_t super_idx[SUPER_WORDS] = { 0, 31, 300, 511 };

static void super_error(struct super_thread *t, const char *what,
			uint64_t page, uint64_t idx, uint64_t got,
			uint64_t expect)
{
	if (t->errors++)
		return;
	snprintf(t->first_error, sizeof(t->first_error),
		 "thread %d loop %llu page %llu word %llu: %s %#llx, expected %#llx",
		 t->id, (unsigned long long)t->loops,
		 (unsigned long long)page, (unsigned long long)idx, what,
		 (unsigned long long)got, (unsigned long long)expect);
}

/* Write generation @gen to the thread's pages, then read it all back. */
static void super_pass(struct super_thread *t, uint64_t gen)
{
	struct window *w = t->w;
	uint64_t page, got, e;
	int i;

	for (page = t->id; page < w->pages; page += SUPER_THREADS)
		for (i = 0; i < SUPER_WORDS; i++)
			if (!vxf_try_write64(word(w, page, super_idx[i]),
					     value(page, super_idx[i], gen)))
				super_error(t, "signal on write", page,
					    super_idx[i],
					    vxf_last_fault_signal(), 0);
	for (page = t->id; page < w->pages; page += SUPER_THREADS) {
		for (i = 0; i < SUPER_WORDS; i++) {
			e = value(page, super_idx[i], gen);
			if (!vxf_try_read64(word(w, page, super_idx[i]), &got))
				super_error(t, "signal on read", page,
					    super_idx[i],
					    vxf_last_fault_signal(), e);
			else if (got != e)
				super_error(t, "read", page, super_idx[i],
					    got, e);
		}
		/* Nobody writes word 100: the backend's pattern stays. */
		e = pattern(page, 100);
		if (!vxf_try_read64(word(w, page, 100), &got))
			super_error(t, "signal on read", page, 100,
				    vxf_last_fault_signal(), e);
		else if (got != e)
			super_error(t, "read", page, 100, got, e);
	}
}

static void *super_thread_fn(void *arg)
{
	struct super_thread *t = arg;
	struct timespec start = { };

	while (igt_seconds_elapsed(&start) < 3 && t->errors < 16)
		super_pass(t, ++t->loops);
	return NULL;
}

static void test_super_storm(void)
{
	struct super_thread t[SUPER_THREADS];
	struct vxf_backend_stats bs;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t errors = 0;
	int i;

	/* Two whole blocks and a cut one: both kinds of MAP are stormed. */
	super_start(&w, "1088", NULL);
	first_touch(&w, 0);
	be_cmd(&w, "storm 1000");
	s0 = stats(&w);
	for (i = 0; i < SUPER_THREADS; i++) {
		t[i] = (struct super_thread){ .w = &w, .id = i };
		igt_assert_eq(pthread_create(&t[i].thread, NULL,
					     super_thread_fn, &t[i]), 0);
	}
	for (i = 0; i < SUPER_THREADS; i++) {
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
	igt_info("revokes %llu (backend %llu), revoked pages %llu, maps %llu, map pages %llu, faults %llu\n",
		 (unsigned long long)(s1.revokes - s0.revokes),
		 (unsigned long long)bs.revokes,
		 (unsigned long long)(s1.revoked_pages - s0.revoked_pages),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.map_pages - s0.map_pages),
		 (unsigned long long)(s1.faults - s0.faults));
	igt_assert_eq_u64(errors, 0);
	igt_assert_lt_u64(0, bs.revokes);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);
	window_stop(&w);
}

/*
 * A write-combined superpage window: the 512 frames of a block change type
 * together, and the PMD that maps them selects write-combining, also after
 * the block went back to the backend and came again.
 */
static void test_super_pmd_wc(void)
{
	volatile uint64_t *m;
	struct vxf_loop_pte p;
	struct window w;
	uint64_t page;

	igt_require_f(kernel_at_least(6, 12),
		      "PMD mappings of device memory need Linux 6.12\n");
	igt_require_f(vxf_backend_has_option("--superpages"),
		      "backend %s has no --superpages\n", vxf_backend_path());
	igt_require_f(access(THP_ENABLED, R_OK) == 0 &&
		      strcmp(thp_setting(), "never"),
		      "no transparent huge pages: the backend cannot lend 2 MiB blocks\n");
	START(&w, "--superpages", "--pages", "1024", "--cache", "wc",
	      "--quiet");
	igt_assert_eq(info(&w).map_pages, BLOCK_PAGES);
	igt_assert_eq(info(&w).cache, VXF_CACHE_WC);
	munmap(w.map, w.pages * VXF_PAGE_SIZE);
	m = map_aligned(w.fd, 0, 2 * BLOCK_PAGES);
	madvise((void *)m, 2 * BLOCK_SIZE, MADV_HUGEPAGE);

	igt_assert_eq_u64(must_read(m + 9), pattern(0, 9));
	p = pte_of(m);
	igt_assert(p.present);
	igt_info("block 0: %s, %s\n", p.huge ? "one PMD" : "4 KiB PTEs",
		 cache_name(p.cache));
	igt_assert_f(p.huge, "block 0 not mapped with a PMD\n");
	expect_pte_cache(m, VXF_CACHE_WC);
	for (page = 0; page < BLOCK_PAGES; page += 101)
		m[page * VXF_WORDS_PER_PAGE + 3] = value(page, 3, 1);

	/* The block goes back (write-back again) and comes back WC. */
	be_revoke(&w, 300, 1);
	igt_assert(!pte_of(m).present);
	for (page = 0; page < BLOCK_PAGES; page += 101)
		igt_assert_eq_u64(must_read(&m[page * VXF_WORDS_PER_PAGE + 3]),
				  value(page, 3, 1));
	expect_pte_cache(m + 300 * VXF_WORDS_PER_PAGE, VXF_CACHE_WC);
	igt_assert(pte_of(m).huge);
	/* Block 1, first touched here: the same. */
	igt_assert_eq_u64(must_read(m + BLOCK_PAGES * VXF_WORDS_PER_PAGE + 2),
			  pattern(BLOCK_PAGES, 2));
	expect_pte_cache(m + (BLOCK_PAGES + 7) * VXF_WORDS_PER_PAGE,
			 VXF_CACHE_WC);
	munmap((void *)m, 2 * BLOCK_SIZE);
	window_stop(&w);
}

void vxf_loop_super_subtests(void)
{
	igt_describe("In a superpage window, touching one page of a block "
		     "maps the whole 2 MiB block with one MAP of 512 pages.");
	igt_subtest("super-first-touch")
		test_super_first_touch();

	igt_describe("Revoking one page of a mapped block takes the whole "
		     "block; its data survives and comes back in one MAP.");
	igt_subtest("super-revoke-part")
		test_super_revoke_part();

	igt_describe("The block the window's end cuts off is asked for in "
		     "runs of at most 8 pages and revoked page by page.");
	igt_subtest("super-partial-block")
		test_super_partial_block();

	igt_describe("On 6.12 a mapped block is mapped into user space with "
		     "one PMD: one fault for its 512 pages.");
	igt_subtest("super-pmd")
		test_super_pmd();

	igt_describe("In a write-combined superpage window the PMD of a "
		     "block selects write-combining, also after a revoke.");
	igt_subtest("super-pmd-wc")
		test_super_pmd_wc();

	igt_describe("Four threads read and write while the backend revokes "
		     "random ranges of a superpage window: nothing lost.");
	igt_subtest("super-storm")
		test_super_storm();
}
