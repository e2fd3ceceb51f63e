// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_api.c - vxf_loop subtests: a DRM driver's blob mappings handed
 * to a window (include/linux/vxf.h)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * /dev/vxf-loop-drm (the loop test module, loop_drm.c) makes the calls a
 * DRM driver makes: its mmap() of a blob hands the VMA to the window bound
 * to it (vxf_window_mmap()). These check what such a mapping must be: the
 * window's pages at the blob's place, placed (MAP_FIXED) or not; ranges
 * outside the window refused; the memory type of the mapping itself in
 * its page table entries, and no two types on one page; revokes reaching
 * it like any other mapping of the window; fork; the mapping outliving
 * its handle and its file, and holding the modules while it lives; a
 * dma-buf export of lent memory refused.
 */

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "igt.h"
#include "vxf_loop.h"

#define DRM_DEV		"/dev/vxf-loop-drm"
#define PAGES(n)	((size_t)(n) * VXF_PAGE_SIZE)

static int drm_open(void)
{
	int fd = open(DRM_DEV, O_RDWR | O_CLOEXEC);

	igt_require_f(fd >= 0, "no %s (the loop test module is not loaded, or is older): %s\n",
		      DRM_DEV, strerror(errno));
	return fd;
}

/* Bind @w's window to the stand-in: the transport's part. */
static void drm_bind(int drm, struct window *w)
{
	struct vxf_loop_drm_bind b = { .fd = w->fd };

	igt_assert_f(ioctl(drm, VXF_LOOP_DRM_IOC_BIND, &b) == 0,
		     "BIND: %s\n", strerror(errno));
}

/* A blob of @pages at window page @first; returns its mmap() offset. */
static uint64_t blob_create(int drm, uint64_t first, uint64_t pages,
			    uint32_t cache, uint32_t *handle)
{
	struct vxf_loop_drm_blob c = {
		.first = first,
		.pages = pages,
		.cache = cache,
	};

	igt_assert_f(ioctl(drm, VXF_LOOP_DRM_IOC_CREATE, &c) == 0,
		     "CREATE: %s\n", strerror(errno));
	if (handle)
		*handle = c.handle;
	return c.offset;
}

static int blob_op(int drm, unsigned long cmd, uint32_t handle)
{
	struct vxf_loop_drm_handle h = { .handle = handle };

	return ioctl(drm, cmd, &h) ? errno : 0;
}

/* mmap() @pages of a blob from page @in of it, as Mesa does (SHARED). */
static volatile uint64_t *blob_map(int drm, uint64_t offset, uint64_t in,
				   uint64_t pages, void *at, int flags)
{
	void *p = mmap(at, PAGES(pages), PROT_READ | PROT_WRITE,
		       MAP_SHARED | flags, drm, offset + PAGES(in));

	return p == MAP_FAILED ? NULL : p;
}

static int blob_map_errno(int drm, uint64_t offset, uint64_t in,
			  uint64_t pages, int flags)
{
	void *p;

	errno = 0;
	p = mmap(NULL, PAGES(pages), PROT_READ | PROT_WRITE, flags, drm,
		 offset + PAGES(in));
	if (p != MAP_FAILED) {
		munmap(p, PAGES(pages));
		return 0;
	}
	return errno;
}

static volatile uint64_t *at_word(volatile uint64_t *m, uint64_t page,
				  uint64_t idx)
{
	return m + page * VXF_WORDS_PER_PAGE + idx;
}

/* Every word of @pages mapped at @m is window page @first + i's. */
static void expect_window_pages(volatile uint64_t *m, uint64_t first,
				uint64_t pages)
{
	uint64_t i, idx;

	for (i = 0; i < pages; i++) {
		igt_assert_eq_u64(must_read(at_word(m, i, 0)),
				  pattern(first + i, 0));
		for (idx = 1; idx < VXF_WORDS_PER_PAGE; idx += 61)
			igt_assert_eq_u64(*at_word(m, i, idx),
					  pattern(first + i, idx));
	}
}

static void test_api_map(void)
{
	volatile uint64_t *m, *part, *placed;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t off;
	uint8_t *area;
	int drm;

	START(&w, "--pages", "16", "--quiet");
	drm = drm_open();
	drm_bind(drm, &w);
	off = blob_create(drm, 4, 6, VXF_CACHE_WB, NULL);

	/* The whole blob: window pages 4..9, fetched on demand. */
	s0 = stats(&w);
	m = blob_map(drm, off, 0, 6, NULL, 0);
	igt_assert_f(m, "mmap of the blob: %s\n", strerror(errno));
	expect_window_pages(m, 4, 6);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.maps - s0.maps);

	/* Same memory as /dev/vxfN's mapping and as the backend's page. */
	must_write(at_word(m, 1, 3), 0x5151);
	igt_assert_eq_u64(*word(&w, 5, 3), 0x5151);
	igt_assert_eq_u64(be_peek(&w, 5, 3), 0x5151);
	must_write(word(&w, 6, 8), 0x6262);
	igt_assert_eq_u64(*at_word(m, 2, 8), 0x6262);

	/* Part of the blob, from its third page: window pages 6..7. */
	part = blob_map(drm, off, 2, 2, NULL, 0);
	igt_assert_f(part, "mmap of pages 2-3 of the blob: %s\n",
		     strerror(errno));
	igt_assert_eq_u64(must_read(at_word(part, 0, 8)), 0x6262);
	igt_assert_eq_u64(must_read(at_word(part, 1, 0)), pattern(7, 0));

	/* Placed, MAP_FIXED, inside a reserved range, then again. */
	area = mmap(NULL, PAGES(32), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	igt_assert(area != MAP_FAILED);
	placed = blob_map(drm, off, 0, 6, area + PAGES(8), MAP_FIXED);
	igt_assert_f(placed == (volatile uint64_t *)(area + PAGES(8)),
		     "MAP_FIXED mmap of the blob: %s\n", strerror(errno));
	expect_window_pages(placed, 4, 1);
	igt_assert_eq_u64(must_read(at_word(placed, 1, 3)), 0x5151);
	igt_assert_eq(munmap((void *)placed, PAGES(6)), 0);
	placed = blob_map(drm, off, 0, 6, area + PAGES(8), MAP_FIXED);
	igt_assert(placed == (volatile uint64_t *)(area + PAGES(8)));
	igt_assert_eq_u64(must_read(at_word(placed, 2, 8)), 0x6262);
	/* A revoke reaches all three. */
	be_revoke(&w, 4, 6);
	must_write(word(&w, 7, 1), 0x7373);
	igt_assert_eq_u64(must_read(at_word(placed, 3, 1)), 0x7373);
	igt_assert_eq_u64(must_read(at_word(part, 1, 1)), 0x7373);
	igt_assert_eq_u64(must_read(at_word(m, 3, 1)), 0x7373);

	munmap(area, PAGES(32));
	munmap((void *)part, PAGES(2));
	munmap((void *)m, PAGES(6));
	close(drm);
	window_stop(&w);
}

static void test_api_bad_range(void)
{
	volatile uint64_t *m;
	struct window w;
	uint64_t in, past, wrap, last;
	int drm, drm2;

	START(&w, "--pages", "16", "--quiet");
	drm = drm_open();
	/* Not bound yet: the driver finds no window. */
	in = blob_create(drm, 0, 4, VXF_CACHE_WB, NULL);
	igt_assert_eq(blob_map_errno(drm, in, 0, 4, MAP_SHARED), ENODEV);
	drm_bind(drm, &w);

	/* Partly past the window's end; past it; wrapping around. */
	past = blob_create(drm, 14, 4, VXF_CACHE_WB, NULL);
	igt_assert_eq(blob_map_errno(drm, past, 0, 4, MAP_SHARED), EINVAL);
	igt_assert_eq(blob_map_errno(drm, past, 0, 2, MAP_SHARED), 0);
	igt_assert_eq(blob_map_errno(drm, past, 1, 2, MAP_SHARED), EINVAL);
	igt_assert_eq(blob_map_errno(drm, past, 2, 1, MAP_SHARED), EINVAL);
	past = blob_create(drm, 1000, 1, VXF_CACHE_WB, NULL);
	igt_assert_eq(blob_map_errno(drm, past, 0, 1, MAP_SHARED), EINVAL);
	wrap = blob_create(drm, UINT64_MAX - 1, 4, VXF_CACHE_WB, NULL);
	igt_assert_eq(blob_map_errno(drm, wrap, 0, 4, MAP_SHARED), EINVAL);
	igt_assert_eq(blob_map_errno(drm, wrap, 2, 1, MAP_SHARED), EINVAL);

	/* Past the blob (the driver's check), private: refused. */
	igt_assert_eq(blob_map_errno(drm, in, 0, 5, MAP_SHARED), EINVAL);
	igt_assert_eq(blob_map_errno(drm, in, 4, 1, MAP_SHARED), EINVAL);
	igt_assert_eq(blob_map_errno(drm, in, 0, 4, MAP_PRIVATE), EINVAL);

	/* Executable: refused, now and later (no window mapping is: mmap.c). */
	errno = 0;
	igt_assert(mmap(NULL, PAGES(4), PROT_READ | PROT_EXEC, MAP_SHARED, drm,
			in) == MAP_FAILED);
	igt_assert_eq(errno, EPERM);
	m = blob_map(drm, in, 0, 4, NULL, 0);
	igt_assert(m);
	errno = 0;
	igt_assert_eq(mprotect((void *)m, PAGES(4), PROT_READ | PROT_EXEC), -1);
	igt_assert_eq(errno, EACCES);
	munmap((void *)m, PAGES(4));

	/* The window's last page is fine, and is the last page. */
	last = blob_create(drm, 15, 1, VXF_CACHE_WB, NULL);
	m = blob_map(drm, last, 0, 1, NULL, 0);
	igt_assert(m);
	expect_window_pages(m, 15, 1);
	munmap((void *)m, PAGES(1));

	/* Binding: one window, and only a /dev/vxfN. */
	drm2 = drm_open();
	{
		struct vxf_loop_drm_bind b = { .fd = w.fd };

		errno = 0;
		igt_assert_eq(ioctl(drm2, VXF_LOOP_DRM_IOC_BIND, &b), -1);
		igt_assert_eq(errno, EBUSY);
		b.fd = drm2;
		igt_assert_eq(ioctl(drm, VXF_LOOP_DRM_IOC_UNBIND), 0);
		errno = 0;
		igt_assert_eq(ioctl(drm2, VXF_LOOP_DRM_IOC_BIND, &b), -1);
		igt_assert_eq(errno, EINVAL);
		b.fd = -1;
		errno = 0;
		igt_assert_eq(ioctl(drm2, VXF_LOOP_DRM_IOC_BIND, &b), -1);
		igt_assert_eq(errno, EBADF);
	}
	igt_assert_eq(blob_map_errno(drm, in, 0, 4, MAP_SHARED), ENODEV);
	close(drm2);
	close(drm);
	window_stop(&w);
}

static void test_api_cache(void)
{
	volatile uint64_t *wc, *uc, *wb, *v;
	uint64_t owc, ouc, owb, oclash;
	struct window w;
	int drm;

	START(&w, "--pages", "16", "--map-pages", "1", "--quiet");
	/* /dev/vxfN's own write-back mapping of every page would clash. */
	munmap(w.map, PAGES(w.pages));
	drm = drm_open();
	drm_bind(drm, &w);
	owc = blob_create(drm, 0, 4, VXF_CACHE_WC, NULL);
	ouc = blob_create(drm, 4, 4, VXF_CACHE_UC, NULL);
	owb = blob_create(drm, 8, 4, VXF_CACHE_WB, NULL);
	wc = blob_map(drm, owc, 0, 4, NULL, 0);
	uc = blob_map(drm, ouc, 0, 4, NULL, 0);
	wb = blob_map(drm, owb, 0, 4, NULL, 0);
	igt_assert(wc && uc && wb);

	/* One window, three memory types, each the one its mapping asked. */
	expect_window_pages(wc, 0, 4);
	expect_window_pages(uc, 4, 4);
	expect_window_pages(wb, 8, 4);
	expect_pte_cache(at_word(wc, 1, 0), VXF_CACHE_WC);
	expect_pte_cache(at_word(uc, 2, 0), VXF_CACHE_UC);
	expect_pte_cache(at_word(wb, 3, 0), VXF_CACHE_WB);

	/* A page has one type: a mapping with another is refused. */
	oclash = blob_create(drm, 3, 2, VXF_CACHE_WB, NULL);
	igt_assert_eq(blob_map_errno(drm, oclash, 0, 2, MAP_SHARED), EBUSY);
	igt_assert_eq(blob_map_errno(drm, oclash, 1, 1, MAP_SHARED), EBUSY);
	errno = 0;
	igt_assert(mmap(NULL, PAGES(1), PROT_READ, MAP_SHARED, w.fd,
			PAGES(2)) == MAP_FAILED);
	igt_assert_eq(errno, EBUSY);
	/* The same type is fine: a second WC view of page 2. */
	v = blob_map(drm, owc, 2, 1, NULL, 0);
	igt_assert(v);
	igt_assert_eq_u64(must_read(v), pattern(2, 0));
	expect_pte_cache(v, VXF_CACHE_WC);
	munmap((void *)v, PAGES(1));

	/* Fetched again after a revoke: the same types. */
	must_write(at_word(wc, 1, 2), 0xc0c0);
	must_write(at_word(uc, 1, 2), 0xd0d0);
	be_revoke(&w, 0, 12);
	igt_assert_eq_u64(must_read(at_word(wc, 1, 2)), 0xc0c0);
	igt_assert_eq_u64(must_read(at_word(uc, 1, 2)), 0xd0d0);
	igt_assert_eq_u64(must_read(at_word(wb, 1, 2)), pattern(9, 2));
	expect_pte_cache(at_word(wc, 1, 0), VXF_CACHE_WC);
	expect_pte_cache(at_word(uc, 1, 0), VXF_CACHE_UC);
	expect_pte_cache(at_word(wb, 1, 0), VXF_CACHE_WB);

	/* Once the WC mapping is gone, its pages can be mapped WB. */
	igt_assert_eq(munmap((void *)wc, PAGES(4)), 0);
	v = mmap(NULL, PAGES(4), PROT_READ | PROT_WRITE, MAP_SHARED, w.fd, 0);
	igt_assert(v != MAP_FAILED);
	igt_assert_eq_u64(must_read(at_word(v, 1, 2)), 0xc0c0);
	expect_pte_cache(at_word(v, 1, 0), VXF_CACHE_WB);
	munmap((void *)v, PAGES(4));

	munmap((void *)uc, PAGES(4));
	munmap((void *)wb, PAGES(4));
	close(drm);
	window_stop(&w);
}

static void test_api_revoke(void)
{
	struct vxf_stats s0, s1;
	volatile uint64_t *m;
	struct window w;
	uint64_t off, page;
	int drm;

	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	drm = drm_open();
	drm_bind(drm, &w);
	off = blob_create(drm, 0, 8, VXF_CACHE_WB, NULL);
	m = blob_map(drm, off, 0, 8, NULL, 0);
	igt_assert(m);
	for (page = 0; page < 8; page++)
		must_write(at_word(m, page, 0), value(page, 0, 1));
	igt_assert(pte_of(at_word(m, 5, 0)).present);

	s0 = stats(&w);
	be_revoke(&w, 2, 4);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.revokes - s0.revokes, 1);
	igt_assert_eq_u64(s1.revoked_pages - s0.revoked_pages, 4);
	/* Zapped from the blob mapping too, the rest still mapped. */
	for (page = 0; page < 8; page++)
		igt_assert_eq(pte_of(at_word(m, page, 0)).present,
			      page < 2 || page >= 6);

	/* The backend kept what we wrote; it comes back on the next access. */
	for (page = 0; page < 8; page++)
		igt_assert_eq_u64(must_read(at_word(m, page, 0)),
				  value(page, 0, 1));
	s0 = stats(&w);
	igt_assert_eq_u64(s0.map_pages - s1.map_pages, 4);
	igt_assert_eq_u64(s0.sigbus, s1.sigbus);
	munmap((void *)m, PAGES(8));
	close(drm);
	window_stop(&w);
}

static void test_api_fork(void)
{
	volatile uint64_t *m;
	struct window w;
	uint64_t off;
	int drm;

	START(&w, "--pages", "8", "--quiet");
	drm = drm_open();
	drm_bind(drm, &w);
	off = blob_create(drm, 2, 4, VXF_CACHE_WB, NULL);
	m = blob_map(drm, off, 0, 4, NULL, 0);
	igt_assert(m);
	must_write(at_word(m, 0, 0), 1);

	igt_fork(child, 1) {
		igt_assert_eq_u64(must_read(at_word(m, 0, 0)), 1);
		must_write(at_word(m, 3, 0), 2);
	}
	igt_waitchildren();
	igt_assert_eq_u64(must_read(at_word(m, 3, 0)), 2);
	igt_assert_eq_u64(*word(&w, 5, 0), 2);

	/* The child's copy of the mapping faults back after a revoke. */
	be_revoke(&w, 0, 8);
	igt_fork(child, 1) {
		igt_assert_eq_u64(must_read(at_word(m, 3, 0)), 2);
		must_write(at_word(m, 1, 0), 3);
	}
	igt_waitchildren();
	igt_assert_eq_u64(must_read(at_word(m, 1, 0)), 3);
	munmap((void *)m, PAGES(4));
	close(drm);
	window_stop(&w);
}

/* A module's reference count, -1 where it is built in. */
static long module_refcnt(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static long live_blobs(void)
{
	struct vxf_counters c;
	long long v;

	if (vxf_counters_read(&c, VXF_ALLOCATIONS_PATH) ||
	    !vxf_counter_find(&c, "loop_blobs", &v))
		return -1;
	return v;
}

static void test_api_close_while_mapped(void)
{
	long drv0, loop0, drv1, loop1, blobs0;
	volatile uint64_t *m;
	struct window w;
	uint32_t handle;
	uint64_t off;
	int drm;

	START(&w, "--pages", "8", "--quiet");
	blobs0 = live_blobs();
	drv0 = module_refcnt("virtio_xen_fault");
	loop0 = module_refcnt("virtio_xen_fault_loop");
	drm = drm_open();
	drm_bind(drm, &w);
	off = blob_create(drm, 1, 4, VXF_CACHE_WB, &handle);
	m = blob_map(drm, off, 0, 4, NULL, 0);
	igt_assert(m);
	must_write(at_word(m, 2, 4), 0xabcd);

	/* The handle, then the file go: the mapping keeps its blob. */
	igt_assert_eq(blob_op(drm, VXF_LOOP_DRM_IOC_CLOSE, handle), 0);
	igt_assert_eq(blob_op(drm, VXF_LOOP_DRM_IOC_CLOSE, handle), ENOENT);
	close(drm);
	if (blobs0 >= 0)
		igt_assert_eq(live_blobs(), blobs0 + 1);
	igt_assert_eq_u64(must_read(at_word(m, 2, 4)), 0xabcd);
	be_revoke(&w, 0, 8);
	igt_assert_eq_u64(must_read(at_word(m, 2, 4)), 0xabcd);
	must_write(at_word(m, 0, 0), 0xef01);
	igt_assert_eq_u64(be_peek(&w, 1, 0), 0xef01);

	/*
	 * And it holds both modules: the window's file (virtio-xen-fault),
	 * the file mmap() was called on (the stand-in's, as a DRM file).
	 */
	drv1 = module_refcnt("virtio_xen_fault");
	loop1 = module_refcnt("virtio_xen_fault_loop");
	if (drv0 >= 0) {
		igt_assert_f(drv1 == drv0 + 1,
			     "virtio_xen_fault refcnt %ld, %ld before the mapping\n",
			     drv1, drv0);
		igt_assert_f(loop1 == loop0 + 1,
			     "virtio_xen_fault_loop refcnt %ld, %ld before the mapping\n",
			     loop1, loop0);
	} else {
		igt_info("modules built in: no reference counts to check\n");
	}
	igt_assert_eq(munmap((void *)m, PAGES(4)), 0);
	if (drv0 >= 0) {
		igt_assert_eq(module_refcnt("virtio_xen_fault"), drv0);
		igt_assert_eq(module_refcnt("virtio_xen_fault_loop"), loop0);
	}
	if (blobs0 >= 0)
		igt_assert_eq(live_blobs(), blobs0);
	window_stop(&w);
}

static void test_api_export_refused(void)
{
	uint32_t in, out;
	struct window w;
	int drm;

	START(&w, "--pages", "8", "--quiet");
	drm = drm_open();
	drm_bind(drm, &w);
	blob_create(drm, 6, 4, VXF_CACHE_WB, &in);
	blob_create(drm, 8, 4, VXF_CACHE_WB, &out);
	igt_assert_eq(blob_op(drm, VXF_LOOP_DRM_IOC_EXPORT, in), EOPNOTSUPP);
	igt_assert_eq(blob_op(drm, VXF_LOOP_DRM_IOC_EXPORT, out), 0);
	igt_assert_eq(blob_op(drm, VXF_LOOP_DRM_IOC_EXPORT, 1000), ENOENT);
	close(drm);
	window_stop(&w);
}

void vxf_loop_api_subtests(void)
{
	igt_describe("A blob mapping handed to the window maps the window's "
		     "pages at the blob's place: whole, in part, placed with "
		     "MAP_FIXED and mapped again; a revoke reaches it.");
	igt_subtest("api-map")
		test_api_map();

	igt_describe("Ranges partly or wholly outside the window, wrapping "
		     "around, past the blob, or MAP_PRIVATE are refused with "
		     "EINVAL; with no window bound, ENODEV; PROT_EXEC with "
		     "EPERM (EACCES for mprotect()).");
	igt_subtest("api-bad-range")
		test_api_bad_range();

	igt_describe("Write-combined, uncached and write-back blob mappings "
		     "of one window each get their memory type in the page "
		     "table, also after a revoke; a page mapped with two "
		     "types is refused (EBUSY).");
	igt_subtest("api-cache")
		test_api_cache();

	igt_describe("A revoke zaps the blob mapping's pages and counts them; "
		     "they fault back with the data.");
	igt_subtest("api-revoke")
		test_api_revoke();

	igt_describe("A forked child shares the blob mapping, also across a "
		     "revoke.");
	igt_subtest("api-fork")
		test_api_fork();

	igt_describe("A blob mapping outlives its handle and its file, keeps "
		     "its blob and holds both modules until it is unmapped.");
	igt_subtest("api-close-while-mapped")
		test_api_close_while_mapped();

	igt_describe("A dma-buf export of a blob in the window is refused, "
		     "one outside it is not.");
	igt_subtest("api-export-refused")
		test_api_export_refused();
}
