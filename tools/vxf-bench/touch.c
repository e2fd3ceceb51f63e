// SPDX-License-Identifier: GPL-2.0
/*
 * touch.c - vxf-bench figures 2 and 5: first touch, kernel memory
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * A window is mapped whole once (kernel memory is measured around that, for
 * figure 5), revoked whole ('revoke-all'), then written whole again, timed:
 * every page faults. One row per MAP configuration: 1-page MAPs with and
 * without the driver's sequential prefetch, 8-page MAPs, 2 MiB mappings;
 * the reference is memset of as much pre-faulted anonymous memory.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"

#define SLABINFO	"/proc/slabinfo"
#define MEMINFO		"/proc/meminfo"

/**
 * struct kmem - kernel memory snapshot
 * @slab_all: sum of active_objs * objsize over every slab cache
 * @slab_xa: the same over radix_tree_node (xarray nodes)
 * @slab_kmalloc: the same over kmalloc-*
 * @slab_kb: /proc/meminfo Slab
 * @pt_kb: /proc/meminfo PageTables
 * @bad: the file that could not be read, NULL if none
 * @err: errno of that
 */
struct kmem {
	uint64_t slab_all, slab_xa, slab_kmalloc;
	uint64_t slab_kb, pt_kb;
	const char *bad;
	int err;
};

/* Slab and page table use now; -1 (and @k->bad set) on a missing file */
static int kmem_snap(struct kmem *k)
{
	char line[512], name[128];
	unsigned long active, num, size;
	FILE *f;

	memset(k, 0, sizeof(*k));
	f = fopen(SLABINFO, "r");
	if (!f)
		goto err;
	while (fgets(line, sizeof(line), f)) {
		uint64_t b;

		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &num,
			   &size) != 4)
			continue;
		b = (uint64_t)active * size;
		k->slab_all += b;
		if (!strcmp(name, "radix_tree_node"))
			k->slab_xa += b;
		else if (!strncmp(name, "kmalloc-", 8))
			k->slab_kmalloc += b;
	}
	fclose(f);
	f = fopen(MEMINFO, "r");
	if (!f) {
		k->bad = MEMINFO;
		k->err = errno;
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		uint64_t v;

		if (sscanf(line, "Slab: %" SCNu64, &v) == 1)
			k->slab_kb = v;
		else if (sscanf(line, "PageTables: %" SCNu64, &v) == 1)
			k->pt_kb = v;
	}
	fclose(f);
	return 0;
err:
	k->bad = SLABINFO;
	k->err = errno;
	return -1;
}

/*
 * The "before" reading: once the slab caches stop shrinking. Nodes of an
 * xarray emptied just before (the previous row's window, or in Xen mode
 * the revoke-all that cleared this one) are freed after an RCU grace
 * period; counted in the delta they would make it negative. At most 5 s.
 */
static int kmem_settle(struct kmem *k)
{
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	struct kmem prev;
	int i, ret;

	ret = kmem_snap(&prev);
	for (i = 0; !ret && i < 50; i++) {
		nanosleep(&pause, NULL);
		ret = kmem_snap(k);
		if (ret || (k->slab_xa == prev.slab_xa &&
			    k->slab_all >= prev.slab_all))
			return ret;
		prev = *k;
	}
	*k = prev;
	return ret;
}

/* Figure 5 for one row: kernel memory per GiB of mapped window. */
static void report_kmem(const char *tag, const struct kmem *a,
			const struct kmem *b, uint64_t mib, uint64_t granted)
{
	double per_gib = 1024.0 / mib / 1024.0;	/* bytes -> KiB per GiB */
	int64_t all = b->slab_all - a->slab_all;
	int64_t xa = b->slab_xa - a->slab_xa;
	int64_t km = b->slab_kmalloc - a->slab_kmalloc;
	const struct kmem *bad = a->bad ? a : b->bad ? b : NULL;
	char name[96], why[256];

	snprintf(name, sizeof(name), "driver_mem_per_gib_%s", tag);
	if (bad) {
		snprintf(why, sizeof(why), "cannot read %s: %s", bad->bad,
			 strerror(bad->err));
		bench_skip(name, why);
		target(name, 0, false, true, 256);
		return;
	}
	bench(name, all * per_gib, "KiB");
	snprintf(name, sizeof(name), "driver_mem_detail_%s", tag);
	bench_text(name, "xarray_nodes=%.0fKiB/GiB kmalloc=%.0fKiB/GiB meminfo_slab=%.0fKiB/GiB pagetables=%.0fKiB/GiB backend_grants=%" PRIu64,
		   xa * per_gib, km * per_gib,
		   ((double)b->slab_kb - a->slab_kb) * 1024 * per_gib,
		   ((double)b->pt_kb - a->pt_kb) * 1024 * per_gib, granted);
	snprintf(name, sizeof(name), "driver_mem_per_gib_%s", tag);
	target(name, all * per_gib, a->slab_all && b->slab_all, true, 256);
}

/**
 * struct touch - one first-touch configuration
 * @tag: figure suffix
 * @what: how it maps, for the calibration note
 * @map_pages: backend --map-pages, 0 for --superpages
 * @prefetch: the driver's prefetch_pages for the window (0: none)
 * @mibs: result, MiB/s, 0 if not measured
 * @secs: wall time the configuration took
 * @window_pages: Xen mode: the dom0 backend's whole window, 0 otherwise
 */
struct touch {
	const char *tag;
	const char *what;
	unsigned int map_pages;
	unsigned int prefetch;
	double mibs;
	double secs;
	uint64_t window_pages;
};

/* A row that cannot be measured here: its figures, figure 5's too. */
static void touch_skip(const char *tag, const char *why)
{
	static const char *const fmt[] = {
		"first_touch_%s", "first_touch_fresh_%s",
		"revoke_all_%s_per_mib", "driver_mem_per_gib_%s",
	};
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fmt); i++) {
		snprintf(name, sizeof(name), fmt[i], tag);
		bench_skip(name, why);
	}
	snprintf(name, sizeof(name), "driver_mem_per_gib_%s", tag);
	target(name, 0, false, true, 256);
}

/*
 * Map the window whole (memset), measuring kernel memory around it, revoke
 * everything, then time memset of the whole window: every page faults.
 * Returns 0 (figures printed unless @quiet); 1 when the row cannot be
 * measured here, with @why set (printed as skipped unless @quiet); -1 on a
 * failure, reported.
 */
static int first_touch(struct touch *t, uint64_t mib, bool quiet, char *why,
		       size_t len)
{
	uint64_t pages = mib * MIB / PAGE, t0, t1, t2, t3, revoked, i;
	uint64_t start = now_ns();
	struct vxf_backend_stats bst = { 0 };
	struct vxf_stats st0 = { 0 }, st1 = { 0 };
	struct kmem k0, k1;
	char name[64];
	struct win w;
	int ret;

	/* Xen mode: the local backend is not the window's, ask the window */
	if (!t->map_pages && !vxf_xen_mode() &&
	    !vxf_backend_has_option("--superpages")) {
		snprintf(why, len, "backend has no --superpages option yet");
		goto skip;
	}
	/* in force for both memsets (the driver reads it at each miss) */
	if (set_prefetch(t->prefetch)) {
		snprintf(why, len, "no prefetch_pages module parameter");
		goto skip;
	}
	ret = win_open(&w, pages, t->map_pages, why, len);
	t->window_pages = w.be.xen ? w.be.window_pages : 0;
	if (ret) {
		set_prefetch(0);
		if (ret == -EOPNOTSUPP || !t->map_pages)
			goto skip;
		fail("first_touch_%s: %s", t->tag, why);
		return -1;
	}
	if (!t->map_pages && w.info.map_pages < SUPERPAGE_PAGES) {
		snprintf(why, len,
			 "driver map granule is %u pages, not a superpage",
			 w.info.map_pages);
		win_close(&w);
		goto skip;
	}

	kmem_settle(&k0);
	t0 = now_ns();
	memset(w.map, FILL_A, pages * PAGE);
	t1 = now_ns();
	kmem_snap(&k1);
	vxf_backend_stats(&w.be, &bst);
	if (win_revoke(&w, 0, ALL, &revoked))
		goto err;
	vxf_stats(w.fd, &st0);
	t2 = now_ns();
	memset(w.map, FILL_B, pages * PAGE);
	t3 = now_ns();
	vxf_stats(w.fd, &st1);
	set_prefetch(0);

	/* The backend's copy of mapped pages is what we wrote. */
	for (i = 0; i < 4; i++) {
		uint64_t p = i * (pages - 1) / 3, v = 0;

		if (vxf_backend_peek(&w.be, p, 7, &v) ||
		    v != 0xa5a5a5a5a5a5a5a5ULL) {
			fail("first_touch_%s: page %" PRIu64 " holds %#" PRIx64,
			     t->tag, p, v);
			goto err;
		}
	}
	if (revoked != pages)
		note("first_touch_%s: revoke-all found %" PRIu64 " of %" PRIu64 " pages mapped",
		     t->tag, revoked, pages);
	t->mibs = mib / ((t3 - t2) / 1e9);
	win_close(&w);
	t->secs = (now_ns() - start) / 1e9;
	if (quiet)
		return 0;

	snprintf(name, sizeof(name), "first_touch_%s", t->tag);
	bench(name, t->mibs, "MiB/s");
	snprintf(name, sizeof(name), "first_touch_fresh_%s", t->tag);
	bench(name, mib / ((t1 - t0) / 1e9), "MiB/s");
	snprintf(name, sizeof(name), "revoke_all_%s_per_mib", t->tag);
	bench(name, (t2 - t1) / 1e3 / mib, "us/MiB");
	/* 1 per 2 MiB block when PMDs are inserted, 1 per page without */
	snprintf(name, sizeof(name), "first_touch_%s_faults_per_mib", t->tag);
	bench(name, (double)(st1.faults - st0.faults) / mib, "faults/MiB");
	report_kmem(t->tag, &k0, &k1, mib, bst.granted);
	return 0;
err:
	set_prefetch(0);
	win_close(&w);
	return -1;
skip:
	set_prefetch(0);
	if (!quiet)
		touch_skip(t->tag, why);
	return 1;
}

/*
 * The reference: memset of @mib MiB pre-faulted, MiB/s; the best of 3
 * timings, each of as many memsets as fill 20 ms (a Xen domU's clock was
 * seen not to move across one 4 MiB memset).
 */
static double memset_ref(uint64_t mib)
{
	const uint64_t min_ns = 20 * 1000 * 1000;
	size_t len = mib * MIB;
	double best = 0;
	uint8_t *m;
	int i;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	memset(m, 1, len);
	for (i = 0; i < 3; i++) {
		uint64_t t0 = now_ns(), t, n = 0;

		do {
			memset(m, FILL_B + i + n, len);
			n++;
			t = now_ns() - t0;
		} while (t < min_ns);
		if (n * mib / (t / 1e9) > best)
			best = n * mib / (t / 1e9);
	}
	munmap(m, len);
	return best;
}

enum { ROW_4K, ROW_PREFETCH, ROW_32K, ROW_2M, ROW_NR };

/*
 * Size for the budget: 16 MiB with the first row that can be measured
 * (4 KiB MAPs, the slowest, unless a Xen-mode window of another granule
 * or smaller than 16 MiB cannot do them).
 * Returns 0 with *@mibp set; 1 when no row could be measured, each row's
 * reason in @why; -1 on a failure, reported.
 */
static int calibrate(const struct touch *cfg, char why[][512],
		     uint64_t *mibp)
{
	struct touch cal;
	double per_mib, room;
	uint64_t mib, cap;
	int r = 1;
	size_t i;

	for (i = 0; i < ROW_NR && r > 0; i++) {
		cal = cfg[i];
		r = first_touch(&cal, 16, true, why[i], sizeof(why[i]));
	}
	if (r)
		return r;
	per_mib = cal.secs / 16;
	/* 4k and the faster ones together cost about 2.5x 4k alone */
	room = opt.budget_s / (2.7 * per_mib);
	/* Xen mode: no more than the dom0 backend's window */
	cap = cal.window_pages ? cal.window_pages * PAGE / MIB : 256;
	for (mib = 16; mib < 256 && 2 * mib <= room && 2 * mib <= cap;
	     mib *= 2)
		;
	note("calibration: 16 MiB with %s took %.1f s in all; size chosen for a %u s budget",
	     cal.what, cal.secs, opt.budget_s);
	if (cal.window_pages)
		note("calibration: Xen mode: the dom0 backend's window has %" PRIu64 " MiB",
		     cap);
	*mibp = mib;
	return 0;
}

/* Figures 2 and 5 */
void fig_first_touch(void)
{
	struct touch cfg[ROW_NR] = {
		[ROW_4K] = { .tag = "4k", .what = "4 KiB MAPs",
			     .map_pages = 1 },
		[ROW_PREFETCH] = { .tag = "prefetch",
				   .what = "4 KiB MAPs and prefetch",
				   .map_pages = 1,
				   .prefetch = PREFETCH_DEFAULT },
		[ROW_32K] = { .tag = "32k", .what = "8-page MAPs",
			      .map_pages = 8 },
		[ROW_2M] = { .tag = "2m", .what = "2 MiB mappings",
			     .map_pages = 0 },
	};
	char why[ROW_NR][512], name[64];
	uint64_t mib = opt.touch_mib;
	double ref = 0;
	size_t i;
	int r;

	note("first touch: backend window mapped whole, memset once (maps every page; kernel memory measured around it), 'revoke-all', then memset of the whole window timed: every page faults; 4k = --map-pages 1 and no prefetch, prefetch = --map-pages 1 with the driver's sequential prefetch (prefetch_pages=64), 32k = --map-pages 8 and no prefetch, 2m = --superpages; reference: memset of pre-faulted anonymous memory of the same size, best of 3 timings of at least 20 ms each");
	if (!mib) {
		r = calibrate(cfg, why, &mib);
		if (r < 0)
			return;
		if (r) {
			/* no row can be measured (Xen mode: none fits) */
			bench_skip("first_touch_size",
				   "no configuration could be calibrated");
			for (i = 0; i < ROW_NR; i++)
				touch_skip(cfg[i].tag, why[i]);
			goto ratios;
		}
	}
	bench("first_touch_size", mib, "MiB");
	if (mib < 1024)
		note("memory per GiB below is scaled from %" PRIu64 " MiB", mib);

	ref = memset_ref(mib);
	if (!ref) {
		fail("memset reference: cannot map %" PRIu64 " MiB", mib);
		return;
	}
	bench("memset_prefaulted", ref, "MiB/s");
	for (i = 0; i < ROW_NR; i++)
		first_touch(&cfg[i], mib, false, why[i], sizeof(why[i]));
ratios:
	for (i = 0; i < ROW_NR; i++) {
		snprintf(name, sizeof(name), "first_touch_%s_vs_memset",
			 cfg[i].tag);
		ratio(name, cfg[i].mibs, ref);
	}
	target("first_touch_2m_vs_memset",
	       ref ? cfg[ROW_2M].mibs / ref : 0, cfg[ROW_2M].mibs > 0,
	       false, 0.5);
}
