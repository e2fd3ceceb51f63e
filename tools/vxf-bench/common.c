// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - vxf-bench's helpers: statistics, output lines, windows
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Every line the benchmark prints for a figure goes through the output
 * helpers here, which put the --tag prefix in front of its name. A window
 * is a backend (tests/igt/vxf_helpers.c) and its /dev/vxfN mapped whole; in
 * Xen mode it is the dom0 backend's window, and win_open() returns
 * -EOPNOTSUPP when that window cannot be what a figure needs, for the
 * figure to be skipped rather than failed.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"


bool failed;
pid_t current_backend;

/* ---- time and statistics ------------------------------------------------ */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return pct(v, n, 50);
}

/* ---- output lines ------------------------------------------------------- */

/* "KIND: TEXT\n" */
static void vline(const char *kind, const char *fmt, va_list ap)
{
	printf("%s: ", kind);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

/* "KIND: NAME" with the --tag prefix; the caller ends the line */
static void put_name(const char *kind, const char *name)
{
	printf("%s: %s%s", kind, opt.tag, name);
}

/* A functional failure: the run's exit status becomes 1. */
void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("error", fmt, ap);
	va_end(ap);
	failed = true;
}

/* How a figure was taken. */
void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("note", fmt, ap);
	va_end(ap);
}

/* "bench: NAME VALUE UNIT", 3 or 4 significant digits */
void bench(const char *name, double v, const char *unit)
{
	const char *f = v >= 1000 ? "%.0f" : v >= 10 ? "%.1f" : "%.3f";
	char num[64];

	snprintf(num, sizeof(num), f, v);
	put_name("bench", name);
	printf(" %s %s\n", num, unit);
	fflush(stdout);
}

/* "bench: NAME skipped WHY": the figure could not be taken, no failure */
void bench_skip(const char *name, const char *why)
{
	put_name("bench", name);
	printf(" skipped %s\n", why);
	fflush(stdout);
}

/* "bench: NAME TEXT", for figures that are not one value and unit */
void bench_text(const char *name, const char *fmt, ...)
{
	va_list ap;

	put_name("bench", name);
	putchar(' ');
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* "ratio: NAME A/B", skipped when either is missing */
void ratio(const char *name, double a, double b)
{
	put_name("ratio", name);
	/* three significant digits at least (Xen's first touch: 0.0005) */
	if (a > 0 && b > 0)
		printf(a / b >= 0.1 ? " %.3f\n" : " %.6f\n", a / b);
	else
		printf(" skipped no figure\n");
	fflush(stdout);
}

/* @le: met when value <= limit, else when value >= limit */
void target(const char *name, double value, bool have, bool le,
	    double limit)
{
	put_name("target", name);
	printf(" %s %g (%s)\n", le ? "<=" : ">=", limit,
	       !have ? "not measured" :
	       (le ? value <= limit : value >= limit) ? "met" : "not met");
	fflush(stdout);
}

/* Latency distribution for the plot: microseconds at each percentile. */
void print_cdf(const char *name, uint64_t *v, size_t n)
{
	static const double extra[] = { 99.5, 99.9, 100 };
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < 100; i++) {
		put_name("cdf", name);
		printf(" %zu %.3f\n", i ? i : 1, pct(v, n, i ? i : 1) / 1000.0);
	}
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		put_name("cdf", name);
		printf(" %.1f %.3f\n", extra[i], pct(v, n, extra[i]) / 1000.0);
	}
}

/* SIGBUS, SIGSEGV: take the backend along, exit 1 */
void on_fatal(int sig)
{
	static const char msg[] = "error: fatal signal in the benchmark\n";
	pid_t be = __atomic_load_n(&current_backend, __ATOMIC_SEQ_CST);

	if (be > 0)
		kill(be, SIGKILL);
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	(void)sig;
	_exit(1);
}

/* ---- windows ------------------------------------------------------------ */

static void set_backend_pid(pid_t pid)
{
	__atomic_store_n(&current_backend, pid, __ATOMIC_SEQ_CST);
}

/* Set the driver's prefetch_pages; 0 or -1 if the parameter is missing. */
int set_prefetch(unsigned int pages)
{
	FILE *f = fopen(PREFETCH_PARAM, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%u\n", pages) > 0 ? 0 : -1;
	if (fclose(f))
		ret = -1;
	return ret;
}

/* -errno of a failed call, never -EOPNOTSUPP (that one means "skip") */
static int win_errno(void)
{
	return errno && errno != EOPNOTSUPP ? -errno : -EIO;
}

/*
 * Start a backend with a window of @pages and map it whole. @map_pages 0
 * means 2 MiB mappings (--superpages), MAP_ANY the backend's own map
 * granule (in Xen mode the window's). Prefetch is whatever set_prefetch()
 * last set: the driver reads it at each sequential miss, in Xen mode too.
 *
 * Returns 0; -EOPNOTSUPP, in Xen mode only, when the dom0 backend's window
 * cannot be what is asked (the figure is skipped); another -errno when
 * something failed. @why says why.
 */
int win_open(struct win *w, uint64_t pages, unsigned int map_pages,
	     char *why, size_t len)
{
	char p[32], m[32];
	const char *args[8];
	int n = 0, ret;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	snprintf(p, sizeof(p), "%" PRIu64, pages);
	snprintf(m, sizeof(m), "%u", map_pages);
	args[n++] = "--quiet";
	/* before --pages, so that Xen mode's refusal names the option */
	if (!map_pages)
		args[n++] = "--superpages";
	args[n++] = "--pages";
	args[n++] = p;
	if (map_pages && map_pages != MAP_ANY) {
		args[n++] = "--map-pages";
		args[n++] = m;
	}
	args[n] = NULL;

	ret = vxf_backend_startv(&w->be, args);
	if (ret) {
		snprintf(why, len, "backend: %s", vxf_backend_last_error());
		if (ret == -EOPNOTSUPP && !w->be.xen)
			ret = -EIO;
		return ret < 0 ? ret : -EIO;
	}
	set_backend_pid(w->be.pid);
	w->pages = pages;
	w->fd = vxf_open(&w->be);
	if (w->fd < 0) {
		ret = win_errno();
		snprintf(why, len, "open %s: %s", w->be.dev, strerror(-ret));
		goto err;
	}
	ret = vxf_info(w->fd, &w->info);
	if (ret) {
		errno = -ret;
		ret = win_errno();
		snprintf(why, len, "VXF_IOC_INFO: %s", strerror(-ret));
		goto err;
	}
	w->map = vxf_map(w->fd, 0, pages, PROT_READ | PROT_WRITE);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		ret = win_errno();
		snprintf(why, len, "mmap %" PRIu64 " pages: %s", pages,
			 strerror(-ret));
		goto err;
	}
	return 0;
err:
	if (w->fd >= 0)
		close(w->fd);
	/* Xen mode: detach; vxf_backend_kill() would kill the dom0 backend */
	if (w->be.xen)
		vxf_backend_stop(&w->be);
	else
		vxf_backend_kill(&w->be);
	set_backend_pid(0);
	return ret;
}

/*
 * Unmap, close, quit the backend. In Xen mode vxf_backend_stop() only
 * closes the xenbus channel and returns 0: the window stays dom0's.
 */
void win_close(struct win *w)
{
	if (w->map)
		munmap(w->map, w->pages * PAGE);
	if (w->fd >= 0)
		close(w->fd);
	if (vxf_backend_stop(&w->be))
		fail("backend did not stop cleanly: %s",
		     vxf_backend_last_error());
	set_backend_pid(0);
}

/* revoke FIRST COUNT, or revoke-all for @count ALL; pages that were mapped */
int win_revoke(struct win *w, uint64_t first, uint64_t count,
	       uint64_t *pages)
{
	char line[256];
	const char *s;
	int ret;

	if (count == ALL)
		ret = vxf_backend_cmd(&w->be, line, sizeof(line), "revoke-all");
	else
		ret = vxf_backend_cmd(&w->be, line, sizeof(line),
				      "revoke %" PRIu64 " %" PRIu64, first,
				      count);
	s = ret ? NULL : strstr(line, "status=");
	if (!s || atoi(s + 7)) {
		fail("revoke %" PRIu64 "+%" PRIu64 ": %s", first, count,
		     ret ? vxf_backend_last_error() : line);
		return -1;
	}
	s = strstr(line, "pages=");
	if (pages)
		*pages = s ? strtoull(s + 6, NULL, 0) : 0;
	return 0;
}

/* Read word 0 of every page and check it against the initial pattern. */
int touch_read_check(struct win *w, uint64_t first, uint64_t n)
{
	uint64_t p, bad = 0;

	for (p = first; p < first + n; p++)
		if (rd64(w->map + p * PAGE) != vxf_pattern_word(p, 0))
			bad++;
	if (bad)
		fail("%" PRIu64 " pages of %" PRIu64 " read wrong data", bad,
		     n);
	return bad ? -1 : 0;
}
