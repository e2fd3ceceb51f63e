// SPDX-License-Identifier: GPL-2.0
/*
 * scale.c - vxf-bench figure 3: fault throughput against threads
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * 1, 2, 4 and 8 threads fault distinct pages of a revoked window, each its
 * own contiguous share; then 8 threads fault the same revoked page, and the
 * driver's counters say how many MAPs, faults and coalesced faults that
 * cost.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_THREADS	8
#define SAME_ROUNDS	40

static const int counts[] = { 1, 2, 4, 8 };

/**
 * struct sthread - one faulting thread
 * @w: the window
 * @first: first page of its share
 * @n: pages in its share
 * @bar: start line
 * @t0: when it started
 * @t1: when it finished
 * @bad: pages that read wrong data
 */
struct sthread {
	struct win *w;
	uint64_t first, n;
	pthread_barrier_t *bar;
	uint64_t t0, t1, bad;
};

static void *sthread_fn(void *arg)
{
	struct sthread *s = arg;
	uint64_t p;

	pthread_barrier_wait(s->bar);
	s->t0 = now_ns();
	for (p = s->first; p < s->first + s->n; p++)
		if (rd64(s->w->map + p * PAGE) != vxf_pattern_word(p, 0))
			s->bad++;
	s->t1 = now_ns();
	return NULL;
}

/* @nthreads threads read their pages; returns aggregate faults/s. */
static double run_threads(struct win *w, int nthreads, uint64_t per_thread,
			  bool same)
{
	struct sthread st[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	pthread_barrier_t bar;
	uint64_t lo = UINT64_MAX, hi = 0, bad = 0;
	int i;

	pthread_barrier_init(&bar, NULL, nthreads);
	for (i = 0; i < nthreads; i++) {
		st[i] = (struct sthread){
			.w = w, .bar = &bar, .n = per_thread,
			.first = same ? 0 : i * per_thread,
		};
		if (pthread_create(&th[i], NULL, sthread_fn, &st[i])) {
			fail("pthread_create failed");
			nthreads = i;
			break;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		lo = st[i].t0 < lo ? st[i].t0 : lo;
		hi = st[i].t1 > hi ? st[i].t1 : hi;
		bad += st[i].bad;
	}
	pthread_barrier_destroy(&bar);
	if (bad)
		fail("scaling: %" PRIu64 " pages read wrong data", bad);
	return hi > lo ? nthreads * per_thread / ((hi - lo) / 1e9) : 0;
}

/* The throughput figures, skipped */
static void throughput_skip(const char *why)
{
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		snprintf(name, sizeof(name), "faults_per_s_%d_threads",
			 counts[i]);
		bench_skip(name, why);
	}
	ratio("scaling_8_vs_1", 0, 0);
	target("scaling_8_vs_1", 0, false, false, 1.5);
}

/* The same-page figures, skipped */
static void same_page_skip(const char *why)
{
	bench_skip("same_page_8_threads_maps_per_round", why);
	bench_skip("same_page_8_threads_faults_per_round", why);
	bench_skip("same_page_8_threads_coalesced_per_round", why);
	target("same_page_maps_per_round", 0, false, true, 1.0);
}

/* 1, 2, 4, 8 threads on their own shares of the revoked window */
static int throughput(struct win *w)
{
	double rate[ARRAY_SIZE(counts)] = { 0 };
	uint64_t pages = w->pages;
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		if (win_revoke(w, 0, ALL, NULL))
			return -1;
		rate[i] = run_threads(w, counts[i], pages / counts[i], false);
		snprintf(name, sizeof(name), "faults_per_s_%d_threads",
			 counts[i]);
		bench(name, rate[i], "faults/s");
	}
	ratio("scaling_8_vs_1", rate[3], rate[0]);
	target("scaling_8_vs_1", rate[0] ? rate[3] / rate[0] : 0,
	       rate[0] > 0 && rate[3] > 0, false, 1.5);
	return 0;
}

/* 8 threads on one revoked page, SAME_ROUNDS times */
static void same_page(struct win *w)
{
	uint64_t maps, coal, flts;
	struct vxf_stats s0, s1;
	int r;

	if (vxf_stats(w->fd, &s0)) {
		fail("VXF_IOC_STATS: %s", strerror(errno));
		return;
	}
	for (r = 0; r < SAME_ROUNDS; r++) {
		if (win_revoke(w, 0, 1, NULL))
			return;
		run_threads(w, 8, 1, true);
	}
	if (vxf_stats(w->fd, &s1)) {
		fail("VXF_IOC_STATS: %s", strerror(errno));
		return;
	}
	maps = s1.maps - s0.maps;
	coal = s1.coalesced - s0.coalesced;
	flts = s1.faults - s0.faults;
	note("same page: 8 threads read one page right after it was revoked, %d rounds; VXF_IOC_STATS deltas per round (threads that came after the MAP was installed take no fault)",
	     SAME_ROUNDS);
	bench("same_page_8_threads_maps_per_round", (double)maps / SAME_ROUNDS,
	      "MAPs");
	bench("same_page_8_threads_faults_per_round",
	      (double)flts / SAME_ROUNDS, "faults");
	bench("same_page_8_threads_coalesced_per_round",
	      (double)coal / SAME_ROUNDS, "faults");
	target("same_page_maps_per_round", (double)maps / SAME_ROUNDS, true,
	       true, 1.0);
}

/* Figure 3 */
void fig_scaling(void)
{
	uint64_t pages = opt.scale_pages;
	char why[512];
	struct win w;
	int r;

	note("scaling: %" PRIu64 " pages (--map-pages 1), revoke-all, then N threads read word 0 of their own contiguous share; aggregate = pages / (last end - first start); %ld vCPUs",
	     pages, sysconf(_SC_NPROCESSORS_ONLN));
	r = win_open(&w, pages, 1, why, sizeof(why));
	if (r == -EOPNOTSUPP) {
		throughput_skip(why);
		same_page_skip(why);
		return;
	}
	if (r) {
		fail("scaling: %s", why);
		return;
	}
	/* prefetch is off (main.c), or most reads would not fault */
	if (touch_read_check(&w, 0, pages) || throughput(&w))
		goto out;
	same_page(&w);
out:
	win_close(&w);
}
