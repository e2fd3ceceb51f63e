// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_uapi.c - vxf_loop subtests: the uapi's errors, coherence, reset
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The documented errors of /dev/vxfN's ioctls and mmap and of
 * /dev/vxf-loop's CONNECT, the size rule of VXF_IOC_STATS, memory the
 * backend writes being seen without a revoke (Mesa's shared sequence
 * numbers depend on it), and RESET.
 */

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "igt.h"
#include "vxf_loop.h"

#define BAD_PTR	((void *)16)

static void test_bad_ioctl(void)
{
	struct vxf_info in;
	struct window w;

	START(&w, "--pages", "4", "--quiet");
	errno = 0;
	igt_assert_eq(ioctl(w.fd, _IO(VXF_IOC_MAGIC, 0x7f)), -1);
	igt_assert_eq(errno, ENOTTY);
	errno = 0;	/* a known number with the wrong size is unknown */
	igt_assert_eq(ioctl(w.fd, _IOR(VXF_IOC_MAGIC, 0x00, __u32), &in), -1);
	igt_assert_eq(errno, ENOTTY);
	errno = 0;	/* loop ioctls are not window ioctls */
	igt_assert_eq(ioctl(w.fd, VXF_LOOP_IOC_NOTIFY), -1);
	igt_assert_eq(errno, ENOTTY);

	errno = 0;
	igt_assert_eq(ioctl(w.fd, VXF_IOC_INFO, BAD_PTR), -1);
	igt_assert_eq(errno, EFAULT);
	errno = 0;
	igt_assert_eq(ioctl(w.fd, VXF_IOC_STATS, BAD_PTR), -1);
	igt_assert_eq(errno, EFAULT);

	in = info(&w);
	igt_assert_eq_u64(in.window_pages, w.be.xen ? w.be.window_pages : 4);
	igt_assert_eq(in.index, w.be.index);
	igt_assert_eq(in.state, VXF_STATE_CONNECTED);
	igt_assert_eq(in.cache, VXF_CACHE_WB);
	igt_assert_lt(0, (int)in.protocol);
	igt_assert_lt(0, (int)in.fault_timeout_ms);
	/* Only a hypervisor-mode window has a frame base. */
	igt_assert_eq(in.hv_gfn != 0, vxf_hv_mode());
	window_stop(&w);
}

static void expect_mmap_error(int fd, size_t len, int flags, off_t off,
			      int err)
{
	void *p;

	errno = 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
	igt_assert_f(p == MAP_FAILED, "mmap(len %zu, flags %#x, off %#llx) "
		     "succeeded\n", len, flags, (unsigned long long)off);
	igt_assert_eq(errno, err);
}

static void test_bad_mmap(void)
{
	const size_t pg = VXF_PAGE_SIZE;
	struct window w;
	uint64_t *p, n;

	START(&w, "--pages", "8", "--quiet");
	n = w.be.window_pages;	/* 8, or the dom0 window's size (Xen) */
	expect_mmap_error(w.fd, pg, MAP_PRIVATE, 0, EINVAL);
	errno = 0;
	igt_assert(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, w.fd, 0) ==
		   MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	expect_mmap_error(w.fd, pg, MAP_SHARED, n * pg, ENXIO);
	expect_mmap_error(w.fd, pg, MAP_SHARED, (n + 992) * pg, ENXIO);
	expect_mmap_error(w.fd, 2 * pg, MAP_SHARED, (n - 1) * pg, ENXIO);
	expect_mmap_error(w.fd, (n + 1) * pg, MAP_SHARED, 0, ENXIO);
	expect_mmap_error(w.fd, 0, MAP_SHARED, 0, EINVAL);

	/* The last page alone is fine, and is the last page. */
	p = vxf_map(w.fd, n - 1, 1, PROT_READ);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq_u64(must_read(p), pattern(n - 1, 0));
	igt_assert_eq_u64(p[511], pattern(n - 1, 511));
	munmap(p, pg);
	window_stop(&w);
}

static void test_mmap_offset(void)
{
	struct window w;
	uint64_t *p, *q;

	START(&w, "--pages", "16", "--quiet");
	p = vxf_map(w.fd, 4, 4, PROT_READ | PROT_WRITE);
	igt_assert(p != MAP_FAILED);
	q = vxf_map(w.fd, 6, 1, PROT_READ);
	igt_assert(q != MAP_FAILED);
	igt_assert_eq_u64(must_read(p), pattern(4, 0));
	igt_assert_eq_u64(must_read(p + 3 * VXF_WORDS_PER_PAGE + 511),
			  pattern(7, 511));
	/* Three views of page 6: all the same memory, also after a revoke. */
	must_write(p + 2 * VXF_WORDS_PER_PAGE + 1, 0x600d);
	igt_assert_eq_u64(must_read(q + 1), 0x600d);
	igt_assert_eq_u64(must_read(word(&w, 6, 1)), 0x600d);
	be_revoke(&w, 6, 1);
	must_write(word(&w, 6, 1), 0xbeef);
	igt_assert_eq_u64(must_read(q + 1), 0xbeef);
	igt_assert_eq_u64(must_read(p + 2 * VXF_WORDS_PER_PAGE + 1), 0xbeef);
	/* Unmapping part of a view leaves the rest working. */
	igt_assert_eq(munmap(p, VXF_PAGE_SIZE), 0);
	be_revoke(&w, 0, 16);
	igt_assert_eq_u64(must_read(p + VXF_WORDS_PER_PAGE), pattern(5, 0));
	munmap(p + VXF_WORDS_PER_PAGE, 3 * VXF_PAGE_SIZE);
	munmap(q, VXF_PAGE_SIZE);
	window_stop(&w);
}

static void test_coherence(const char *cache, int expect_cache)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t seq;
	bool types;

	START(&w, "--pages", "4", "--map-pages", "1", "--cache", cache,
	      "--quiet");
	igt_assert_eq(info(&w).cache, expect_cache);
	igt_assert_eq_u64(must_read(word(&w, 1, 5)), pattern(1, 5));
	/*
	 * The memory type the kernel used, not only the one asked for
	 * (where a page table tells it: x86 with PAT, loop mode).
	 */
	types = !w.be.xen && pte_of(word(&w, 1, 5)).cache !=
			     VXF_LOOP_CACHE_UNKNOWN;
	if (!types)
		igt_info("no memory type to read back from the page table\n");
	if (types)
		expect_pte_cache(word(&w, 1, 5), expect_cache);
	s0 = stats(&w);

	/* The backend writes sequence numbers; we see each at once. */
	for (seq = 1; seq <= 64; seq++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "poke 1 5 %llu",
			 (unsigned long long)(seq << 32 | seq));
		be_cmd(&w, cmd);
		igt_assert_eq_u64(*word(&w, 1, 5), seq << 32 | seq);
	}
	/* And sees what we write, without a revoke. */
	must_write(word(&w, 2, 9), 0x1122334455667788ULL);
	igt_assert_eq_u64(be_peek(&w, 2, 9), 0x1122334455667788ULL);
	*word(&w, 1, 6) = 77;
	igt_assert_eq_u64(be_peek(&w, 1, 6), 77);

	s1 = stats(&w);
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	/* page 2's, and page 3's if the driver saw 1, 2 as sequential */
	igt_assert_lte_u64(s1.maps - s0.maps -
			   (s1.prefetched_pages - s0.prefetched_pages), 1);

	/* A page fetched again gets the same memory type. */
	if (types) {
		expect_pte_cache(word(&w, 2, 9), expect_cache);
		be_revoke(&w, 1, 2);
		/* the last value poked */
		seq--;
		igt_assert_eq_u64(must_read(word(&w, 1, 5)),
				  seq << 32 | seq);
		igt_assert_eq_u64(must_read(word(&w, 2, 9)),
				  0x1122334455667788ULL);
		expect_pte_cache(word(&w, 1, 5), expect_cache);
		expect_pte_cache(word(&w, 2, 9), expect_cache);
	}
	window_stop(&w);
}

/* CONNECT on a fresh /dev/vxf-loop; returns 0 or the errno. */
static int loop_connect(struct vxf_loop_connect *c, int *fdp)
{
	int fd = open("/dev/vxf-loop", O_RDWR | O_CLOEXEC);
	int err;

	igt_assert_f(fd >= 0, "open /dev/vxf-loop: %s\n", strerror(errno));
	err = ioctl(fd, VXF_LOOP_IOC_CONNECT, c) ? errno : 0;
	if (fdp && !err)
		*fdp = fd;
	else
		close(fd);
	return err;
}

static struct vxf_loop_connect good_connect(void)
{
	return (struct vxf_loop_connect){
		.index = -1,
		.ring_order = 0,
		.window_pages = 16,
		.cache = VXF_CACHE_WB,
	};
}

static void expect_connect(struct vxf_loop_connect c, int err,
			   const char *what)
{
	int got = loop_connect(&c, NULL);

	igt_assert_f(got == err, "%s: %s, expected %s\n", what,
		     got ? strerror(got) : "success", strerror(err));
}

static void test_loop_bad_connect(void)
{
	struct vxf_loop_connect c;
	int fd, fd2;

	igt_require_f(access("/dev/vxf-loop", R_OK | W_OK) == 0,
		      "no /dev/vxf-loop: the loop test module is not loaded (Xen mode)\n");
	c = good_connect();
	c.ring_order = 5;	/* XENVXF_MAX_RING_PAGE_ORDER is 4 */
	expect_connect(c, EINVAL, "ring_order 5");
	c = good_connect();
	c.ring_order = 64;
	expect_connect(c, EINVAL, "ring_order 64");
	c = good_connect();
	c.window_pages = 0;
	expect_connect(c, EINVAL, "window_pages 0");
	c = good_connect();
	c.window_pages = (1ULL << 28) + 1;	/* XENVXF_MAX_WINDOW_PAGES */
	expect_connect(c, EINVAL, "window_pages too big");
	c = good_connect();
	c.map_pages = 3;
	expect_connect(c, EINVAL, "map_pages 3");
	c = good_connect();
	c.cache = 7;
	expect_connect(c, EINVAL, "cache 7");
	c = good_connect();
	c.flags = 1U << 31;	/* not a VXF_LOOP_F_* */
	expect_connect(c, EINVAL, "unknown flag");
	c = good_connect();
	c.index = 1000000;
	c.window_pages = 0;
	expect_connect(c, ENOENT, "index 1000000");

	/* A good one; a second CONNECT on the file or the window is EBUSY. */
	c = good_connect();
	igt_assert_eq(loop_connect(&c, &fd), 0);
	igt_assert_lte(0, c.index);
	errno = 0;
	igt_assert_eq(ioctl(fd, VXF_LOOP_IOC_CONNECT, &c), -1);
	igt_assert_eq(errno, EBUSY);
	c.window_pages = 0;
	igt_assert_eq(loop_connect(&c, &fd2), EBUSY);
	close(fd);
}

/* ---- VXF_IOC_STATS' size rule (struct vxf_stats in linux/vxf.h) ---- */

/* Larger than any size the kernel accepts (4096), to see what it writes. */
#define STATS_BUF	8192
#define STATS_FILL	0xa5

/*
 * STATS (@cmd: VXF_IOC_STATS, or VXF_LOOP_IOC_STATS on a loop file) into
 * @buf, filled with STATS_FILL except for the @size and @flags it asks
 * with; returns 0 or the errno.
 */
static int stats_sized(int fd, unsigned long cmd, uint32_t size,
		       uint32_t flags, uint64_t *buf)
{
	struct vxf_stats *st = (struct vxf_stats *)buf;

	memset(buf, STATS_FILL, STATS_BUF);
	st->size = size;
	st->flags = flags;
	return ioctl(fd, cmd, buf) ? errno : 0;
}

/* The first byte from @from in @buf that is not STATS_FILL, or -1. */
static int touched_from(const uint64_t *buf, size_t from)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t i;

	for (i = from; i < STATS_BUF; i++)
		if (b[i] != STATS_FILL)
			return i;
	return -1;
}

/*
 * A STATS of @size on the window, with the counters still: the full
 * structure read just before and just after it is the same (tried again
 * if a late answer moved a counter meanwhile), and returned in @full.
 */
static void stats_still(struct window *w, uint32_t size, uint64_t *buf,
			struct vxf_stats *full)
{
	struct vxf_stats after;
	int i;

	for (i = 0; i < 100; i++) {
		igt_assert_eq(vxf_stats(w->fd, full), 0);
		igt_assert_eq(stats_sized(w->fd, VXF_IOC_STATS, size, 0, buf),
			      0);
		igt_assert_eq(vxf_stats(w->fd, &after), 0);
		if (!memcmp(full, &after, sizeof(after)))
			return;
	}
	igt_assert_f(false, "the counters never stood still\n");
}

/* A window with some of every VER0 counter that is easy to move. */
static void stats_window(struct window *w)
{
	START(w, "--pages", "16", "--quiet");
	/* pages far apart: new streams, nothing prefetched */
	check_page(w, 0, expect_pattern, 0);
	check_page(w, 5, expect_pattern, 0);
	check_page(w, 10, expect_pattern, 0);
	be_revoke(w, 5, 1);
}

static void test_stats_old_size(void)
{
	static uint64_t buf[STATS_BUF / 8];
	struct vxf_stats *st = (struct vxf_stats *)buf, full;
	struct window w;

	stats_window(&w);
	stats_still(&w, VXF_STATS_SIZE_VER0, buf, &full);
	igt_assert_eq_u32(full.size, sizeof(full));
	/* the first layout's counters, exactly, and not a byte more */
	igt_assert_eq_u32(st->size, VXF_STATS_SIZE_VER0);
	igt_assert_eq_u32(st->flags, 0);
	igt_assert(!memcmp((char *)buf + 8, (char *)&full + 8,
			   VXF_STATS_SIZE_VER0 - 8));
	igt_assert_eq(touched_from(buf, VXF_STATS_SIZE_VER0), -1);
	/* (counters that moved, so that the comparison means something) */
	igt_assert_lte_u64(1, st->faults);
	igt_assert_lte_u64(1, st->maps);
	igt_assert_lte_u64(1, st->revokes);
	igt_assert_eq_u64(st->mapped_pages, full.mapped_pages);
	window_stop(&w);
}

static void test_stats_new_size(void)
{
	static const uint32_t sizes[] = {
		sizeof(struct vxf_stats) + 8, sizeof(struct vxf_stats) + 64,
		4096,
	};
	static uint64_t buf[STATS_BUF / 8];
	struct vxf_stats *st = (struct vxf_stats *)buf, full;
	struct window w;
	size_t i;

	stats_window(&w);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		stats_still(&w, sizes[i], buf, &full);
		/* the kernel's structure, and its size to say so */
		igt_assert_eq_u32(st->size, sizeof(struct vxf_stats));
		igt_assert_lte(VXF_STATS_SIZE_VER1, (int)st->size);
		igt_assert(!memcmp(buf, &full, sizeof(full)));
		/* and nothing written past it */
		igt_assert_eq(touched_from(buf, st->size), -1);
	}
	window_stop(&w);
}

/* Every size and flag the rule refuses, on @fd's STATS @cmd. */
static void expect_bad_stats(int fd, unsigned long cmd, const char *what)
{
	static const uint32_t sizes[] = {
		0, 4, 8, VXF_STATS_SIZE_VER0 - 8, VXF_STATS_SIZE_VER0 - 1,
		VXF_STATS_SIZE_VER0 + 4, sizeof(struct vxf_stats) + 1,
		4096 + 8, 1U << 20, 0xfffffff8U, 0xffffffffU,
	};
	static uint64_t buf[STATS_BUF / 8];
	struct vxf_stats *st = (struct vxf_stats *)buf;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		err = stats_sized(fd, cmd, sizes[i], 0, buf);
		igt_assert_f(err == EINVAL, "%s: size %u: %s\n", what,
			     sizes[i], err ? strerror(err) : "success");
		/* nothing written on failure */
		igt_assert_eq_u32(st->size, sizes[i]);
		igt_assert_eq(touched_from(buf, 8), -1);
	}
	err = stats_sized(fd, cmd, sizeof(struct vxf_stats), 1, buf);
	igt_assert_f(err == EINVAL, "%s: flags 1: %s\n", what,
		     err ? strerror(err) : "success");
	igt_assert_eq(touched_from(buf, 8), -1);
	/* the sizes around them work */
	igt_assert_eq(stats_sized(fd, cmd, VXF_STATS_SIZE_VER0, 0, buf), 0);
	igt_assert_eq(stats_sized(fd, cmd, 4096, 0, buf), 0);
}

static void test_stats_bad_size(void)
{
	struct vxf_loop_connect c = good_connect();
	struct window w;
	uint64_t buf[64];
	int fd;

	START(&w, "--pages", "4", "--quiet");
	expect_bad_stats(w.fd, VXF_IOC_STATS, "VXF_IOC_STATS");
	/* 0.1.0's fixed-size number is retired */
	errno = 0;
	igt_assert_eq(ioctl(w.fd, _IOC(_IOC_READ, VXF_IOC_MAGIC, 0x01, 288),
			    buf), -1);
	igt_assert_eq(errno, ENOTTY);
	window_stop(&w);

	/* The test module's copy of the ioctl follows the same rule. */
	if (access("/dev/vxf-loop", R_OK | W_OK)) {
		igt_info("no /dev/vxf-loop (Xen mode): VXF_IOC_STATS only\n");
		return;
	}
	igt_assert_eq(loop_connect(&c, &fd), 0);
	expect_bad_stats(fd, VXF_LOOP_IOC_STATS, "VXF_LOOP_IOC_STATS");
	close(fd);
}

static void test_backend_reset(void)
{
	struct vxf_stats s0, s1;
	char line[256];
	struct window w;
	uint64_t v;

	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	check_page(&w, 1, expect_pattern, 0);
	s0 = stats(&w);
	igt_assert_f(vxf_backend_cmd(&w.be, line, sizeof(line), "reset") == 0,
		     "%s\n", vxf_backend_last_error());
	igt_assert_f(strstr(line, "status=0"), "%s\n", line);
	/* Every reference was dropped: the page comes back with a MAP. */
	igt_assert(vxf_try_read64(word(&w, 1, 0), &v));
	s1 = stats(&w);
	igt_assert_eq_u64(s1.resets - s0.resets, 1);
	igt_assert_lte_u64(1, s1.maps - s0.maps);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

static void test_revoke_bad_range(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t end;

	START(&w, "--pages", "8", "--quiet");
	/* Xen mode: the test has the first 8 pages of a larger window */
	end = w.be.xen ? w.be.window_pages : w.pages;
	check_page(&w, 2, expect_pattern, 0);
	s0 = stats(&w);
	/* Pages never mapped: nothing to do, but it succeeds. */
	be_revoke(&w, 5, 3);
	/* Past the end: an error, whoever (backend or frontend) says so. */
	igt_assert_neq(vxf_backend_revoke(&w.be, end - 2, 4), 0);
	igt_assert_neq(vxf_backend_revoke(&w.be, end + 92, 1), 0);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.revoked_pages, s0.revoked_pages);
	check_page(&w, 2, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);
	window_stop(&w);
}

void vxf_loop_uapi_subtests(void)
{
	igt_describe("Unknown ioctls are ENOTTY, bad pointers EFAULT, INFO "
		     "describes the window.");
	igt_subtest("bad-ioctl")
		test_bad_ioctl();

	igt_describe("mmap refuses MAP_PRIVATE, zero length and ranges past "
		     "the window.");
	igt_subtest("bad-mmap")
		test_bad_mmap();

	igt_describe("Mappings at an offset, several views of one page, "
		     "partial munmap.");
	igt_subtest("mmap-offset")
		test_mmap_offset();

	igt_describe("What the backend writes is seen at once, and what we "
		     "write it sees, without a revoke.");
	igt_subtest("coherence-poke")
		test_coherence("wb", VXF_CACHE_WB);
	igt_describe("coherence-poke in a write-combined window.");
	igt_subtest("coherence-poke-wc")
		test_coherence("wc", VXF_CACHE_WC);
	igt_describe("coherence-poke in an uncached window.");
	igt_subtest("coherence-poke-uc")
		test_coherence("uc", VXF_CACHE_UC);

	igt_describe("VXF_LOOP_IOC_CONNECT refuses bad sizes, unknown windows "
		     "and a second backend.");
	igt_subtest("loop-bad-connect")
		test_loop_bad_connect();

	igt_describe("VXF_IOC_STATS with the first layout's size "
		     "(VXF_STATS_SIZE_VER0) gets exactly that prefix of the "
		     "counters, size says so, and not a byte past it is "
		     "written.");
	igt_subtest("stats-size-old")
		test_stats_old_size();

	igt_describe("VXF_IOC_STATS with a size larger than the kernel's gets "
		     "the kernel's whole structure, its size in the size "
		     "field, and nothing written past it.");
	igt_subtest("stats-size-new")
		test_stats_new_size();

	igt_describe("VXF_IOC_STATS and the loop module's VXF_LOOP_IOC_STATS "
		     "refuse sizes below VXF_STATS_SIZE_VER0, above 4096 or not "
		     "a multiple of 8, and non-zero flags, with EINVAL and "
		     "nothing written; 0.1.0's fixed-size number is ENOTTY.");
	igt_subtest("stats-size-bad")
		test_stats_bad_size();

	igt_describe("After a RESET every page comes back through a MAP.");
	igt_subtest("backend-reset")
		test_backend_reset();

	igt_describe("A revoke of unmapped pages succeeds, one past the "
		     "window fails, neither disturbs mapped pages.");
	igt_subtest("revoke-bad-range")
		test_revoke_bad_range();
}
