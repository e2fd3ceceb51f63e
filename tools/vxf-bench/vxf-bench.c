// SPDX-License-Identifier: GPL-2.0
/*
 * vxf-bench.c - performance figures of virtio-xen-fault, with references
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The payload of `make bench` (scripts/bench.sh). Runs in the VM, starts the
 * reference backend itself (tests/igt/vxf_helpers.c) and measures:
 *
 *  1. fault round trip of a revoked page, against a userfaultfd round trip
 *     (MISSING + UFFDIO_COPY from a handler thread) and a minor fault on a
 *     shared memfd page;
 *  2. first touch of a window after revoke-all, with 1-page and 8-page MAPs
 *     and 2 MiB mappings (when the backend and driver offer them), against
 *     memset of pre-faulted anonymous memory;
 *  3. fault throughput of 1, 2, 4, 8 threads on distinct pages, and the
 *     number of MAPs 8 threads faulting the same page cost;
 *  4. revoke time of a fully mapped window, against the backend's command
 *     round trip and MADV_DONTNEED of as much shared memory;
 *  5. the driver's kernel memory per GiB of mapped window (slab deltas).
 *
 * Every figure has a reference taken in the same VM in the same run:
 * absolute times under TCG mean little. Output lines:
 *
 *   bench: NAME VALUE UNIT          a figure
 *   ratio: NAME VALUE               figure / reference
 *   target: NAME OP LIMIT (met|not met)   never asserted
 *   note: TEXT                      how a figure was taken
 *   profile: ...                    where the fault round trip goes
 *   cdf: NAME PERCENT MICROSECONDS  latency distributions, for the plot
 *
 * Exit status: 0 when everything could be measured (whatever the numbers),
 * 1 when something failed functionally (a data mismatch, a failed revoke,
 * a backend that would not start with a mandatory configuration), 2 for a
 * usage error. A SIGBUS or SIGSEGV ends the run with status 1 too.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vxf_helpers.h"

#define PAGE		4096UL
#define MIB		(1024UL * 1024UL)
#define RTT_PAGES	64
#define RTT_WARMUP	50
#define MAX_THREADS	8
#define SAME_ROUNDS	40
#define FILL_A		0x5a
#define FILL_B		0xa5
#define SUPERPAGE_PAGES	512
#define ALL		UINT64_MAX

/**
 * struct opts - command line
 * @samples: fault round trip samples per kind
 * @touch_mib: first-touch window size, 0 to calibrate
 * @budget_s: wall time the first-touch runs may take together
 * @revoke_mib: revoke test window size
 * @scale_pages: pages faulted per scaling run (split over the threads)
 * @trace: profile the round trip with the vxf tracepoints
 */
struct opts {
	unsigned int samples;
	unsigned int touch_mib;
	unsigned int budget_s;
	unsigned int revoke_mib;
	unsigned int scale_pages;
	bool trace;
};

static struct opts opt = {
	.samples = 2000,
	.touch_mib = 0,
	.budget_s = 100,
	.revoke_mib = 64,
	.scale_pages = 4096,
	.trace = true,
};

static bool failed;
static volatile pid_t current_backend;

/**
 * struct win - a backend and its window, mapped whole
 * @be: the backend process
 * @fd: /dev/vxfN
 * @map: the mapping
 * @pages: window size
 * @info: VXF_IOC_INFO
 */
struct win {
	struct vxf_backend be;
	int fd;
	uint8_t *map;
	uint64_t pages;
	struct vxf_info info;
};

/* ---- small helpers ---------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *v, size_t n, double p)
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

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return pct(v, n, 50);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failed = true;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("note: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void bench(const char *name, double v, const char *unit)
{
	const char *f = v >= 1000 ? "%.0f" : v >= 10 ? "%.1f" : "%.3f";
	char num[64];

	snprintf(num, sizeof(num), f, v);
	printf("bench: %s %s %s\n", name, num, unit);
	fflush(stdout);
}

static void bench_skip(const char *name, const char *why)
{
	printf("bench: %s skipped %s\n", name, why);
	fflush(stdout);
}

static void ratio(const char *name, double a, double b)
{
	if (a > 0 && b > 0)
		printf("ratio: %s %.3f\n", name, a / b);
	else
		printf("ratio: %s skipped no figure\n", name);
	fflush(stdout);
}

/* @le: met when value <= limit, else when value >= limit */
static void target(const char *name, double value, bool have, bool le,
		   double limit)
{
	printf("target: %s %s %g (%s)\n", name, le ? "<=" : ">=", limit,
	       !have ? "not measured" :
	       (le ? value <= limit : value >= limit) ? "met" : "not met");
	fflush(stdout);
}

/* Latency distribution for the plot: microseconds at each percentile. */
static void print_cdf(const char *name, uint64_t *v, size_t n)
{
	static const double extra[] = { 99.5, 99.9, 100 };
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < 100; i++)
		printf("cdf: %s %zu %.3f\n", name, i ? i : 1,
		       pct(v, n, i ? i : 1) / 1000.0);
	for (i = 0; i < ARRAY_SIZE(extra); i++)
		printf("cdf: %s %.1f %.3f\n", name, extra[i],
		       pct(v, n, extra[i]) / 1000.0);
}

static void on_fatal(int sig)
{
	static const char msg[] = "error: fatal signal in the benchmark\n";

	if (current_backend > 0)
		kill(current_backend, SIGKILL);
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	(void)sig;
	_exit(1);
}

static inline uint64_t rd64(const uint8_t *p)
{
	return *(const volatile uint64_t *)p;
}

/* ---- windows ---------------------------------------------------------- */

/* Does the backend know option @name? (Its --help lists every option.) */
static bool backend_has_option(const char *name)
{
	char cmd[512], line[512];
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --help 2>&1", vxf_backend_path());
	f = popen(cmd, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			found = true;
	pclose(f);
	return found;
}

/*
 * Start a backend with a window of @pages and map it whole. @map_pages 0
 * means 2 MiB mappings (--superpages). Returns 0, or -1 with @why set.
 */
static int win_open(struct win *w, uint64_t pages, unsigned int map_pages,
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
	args[n++] = "--pages";
	args[n++] = p;
	if (map_pages) {
		args[n++] = "--map-pages";
		args[n++] = m;
	} else {
		args[n++] = "--superpages";
	}
	args[n] = NULL;

	ret = vxf_backend_startv(&w->be, args);
	if (ret) {
		snprintf(why, len, "backend: %s", vxf_backend_last_error());
		return -1;
	}
	current_backend = w->be.pid;
	w->pages = pages;
	w->fd = vxf_open(&w->be);
	if (w->fd < 0) {
		snprintf(why, len, "open %s: %s", w->be.dev, strerror(errno));
		goto err;
	}
	if (vxf_info(w->fd, &w->info)) {
		snprintf(why, len, "VXF_IOC_INFO: %s", strerror(errno));
		goto err;
	}
	w->map = vxf_map(w->fd, 0, pages, PROT_READ | PROT_WRITE);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		snprintf(why, len, "mmap %" PRIu64 " pages: %s", pages,
			 strerror(errno));
		goto err;
	}
	return 0;
err:
	if (w->fd >= 0)
		close(w->fd);
	vxf_backend_kill(&w->be);
	current_backend = 0;
	return -1;
}

static void win_close(struct win *w)
{
	if (w->map)
		munmap(w->map, w->pages * PAGE);
	if (w->fd >= 0)
		close(w->fd);
	if (vxf_backend_stop(&w->be))
		fail("backend did not stop cleanly: %s",
		     vxf_backend_last_error());
	current_backend = 0;
}

/* revoke FIRST COUNT, or revoke-all for @count ALL; pages that were mapped */
static int win_revoke(struct win *w, uint64_t first, uint64_t count,
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
static int touch_read_check(struct win *w, uint64_t first, uint64_t n)
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

/* ---- 1. fault round trip ---------------------------------------------- */

static uint64_t *rtt_vxf(unsigned int n, bool tracing, uint64_t *t_user)
{
	uint64_t *lat = calloc(n, sizeof(*lat));
	unsigned int i, total = n + (tracing ? 0 : RTT_WARMUP);
	char why[512];
	struct win w;

	if (!lat)
		return NULL;
	if (win_open(&w, RTT_PAGES, 1, why, sizeof(why))) {
		fail("fault round trip: %s", why);
		free(lat);
		return NULL;
	}
	if (touch_read_check(&w, 0, RTT_PAGES))
		goto err;
	for (i = 0; i < total; i++) {
		uint64_t p = i % RTT_PAGES, t0, t1, v;

		if (win_revoke(&w, p, 1, NULL))
			goto err;
		t0 = now_ns();
		v = rd64(w.map + p * PAGE);
		t1 = now_ns();
		if (v != vxf_pattern_word(p, 0)) {
			fail("fault round trip: page %" PRIu64 " read %#" PRIx64,
			     p, v);
			goto err;
		}
		if (tracing) {
			t_user[2 * i] = t0;
			t_user[2 * i + 1] = t1;
		}
		if (tracing || i >= RTT_WARMUP)
			lat[tracing ? i : i - RTT_WARMUP] = t1 - t0;
	}
	win_close(&w);
	return lat;
err:
	win_close(&w);
	free(lat);
	return NULL;
}

/**
 * struct uffd_ctx - the userfaultfd reference
 * @uffd: the userfaultfd
 * @stop: pipe read end, readable when the handler must stop
 * @src: the page UFFDIO_COPY copies from
 * @faults: faults handled
 */
struct uffd_ctx {
	int uffd;
	int stop;
	uint8_t *src;
	uint64_t faults;
};

static void *uffd_handler(void *arg)
{
	struct uffd_ctx *c = arg;
	struct pollfd pfd[2] = {
		{ .fd = c->uffd, .events = POLLIN },
		{ .fd = c->stop, .events = POLLIN },
	};
	struct uffd_msg msg;

	for (;;) {
		struct uffdio_copy cp;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (read(c->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		cp.dst = msg.arg.pagefault.address & ~(PAGE - 1);
		cp.src = (uintptr_t)c->src;
		cp.len = PAGE;
		cp.mode = 0;
		cp.copy = 0;
		if (ioctl(c->uffd, UFFDIO_COPY, &cp) && errno != EEXIST)
			break;
		c->faults++;
	}
	return NULL;
}

static int uffd_create(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	/* poll() on a blocking userfaultfd only ever reports POLLERR */
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 && errno == EPERM)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK |
			     UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t *rtt_uffd(unsigned int n, char *why, size_t len)
{
	struct uffdio_register reg = { 0 };
	uint64_t *lat = calloc(n, sizeof(*lat));
	struct uffd_ctx c = { .uffd = -1 };
	int stop[2] = { -1, -1 };
	uint8_t *region = MAP_FAILED;
	bool thread = false;
	pthread_t th;
	unsigned int i;

	c.src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!lat || c.src == MAP_FAILED) {
		snprintf(why, len, "out of memory");
		goto out;
	}
	memset(c.src, FILL_B, PAGE);
	c.uffd = uffd_create();
	if (c.uffd < 0) {
		snprintf(why, len, "userfaultfd: %s", strerror(errno));
		goto out;
	}
	region = mmap(NULL, RTT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || pipe2(stop, O_CLOEXEC)) {
		snprintf(why, len, "mmap/pipe: %s", strerror(errno));
		goto out;
	}
	reg.range.start = (uintptr_t)region;
	reg.range.len = RTT_PAGES * PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(c.uffd, UFFDIO_REGISTER, &reg)) {
		snprintf(why, len, "UFFDIO_REGISTER: %s", strerror(errno));
		goto out;
	}
	c.stop = stop[0];
	if (pthread_create(&th, NULL, uffd_handler, &c)) {
		snprintf(why, len, "pthread_create failed");
		goto out;
	}
	thread = true;
	for (i = 0; i < n + RTT_WARMUP; i++) {
		uint8_t *pg = region + (i % RTT_PAGES) * PAGE;
		uint64_t t0, t1, v;

		madvise(pg, PAGE, MADV_DONTNEED);
		t0 = now_ns();
		v = rd64(pg);
		t1 = now_ns();
		if (v != 0xa5a5a5a5a5a5a5a5ULL) {
			fail("userfaultfd reference read %#" PRIx64, v);
			break;
		}
		if (i >= RTT_WARMUP)
			lat[i - RTT_WARMUP] = t1 - t0;
	}
	if (i < n + RTT_WARMUP) {
		snprintf(why, len, "data mismatch");
		goto out;
	}
	if (c.faults < n) {
		snprintf(why, len, "only %" PRIu64 " userfaults for %u reads",
			 c.faults, n);
		goto out;
	}
	if (write(stop[1], "x", 1) != 1)
		pthread_cancel(th);
	pthread_join(th, NULL);
	close(stop[0]);
	close(stop[1]);
	close(c.uffd);
	munmap(region, RTT_PAGES * PAGE);
	munmap(c.src, PAGE);
	return lat;
out:
	if (thread) {
		if (write(stop[1], "x", 1) != 1)
			pthread_cancel(th);
		pthread_join(th, NULL);
	}
	if (stop[0] >= 0) {
		close(stop[0]);
		close(stop[1]);
	}
	if (c.uffd >= 0)
		close(c.uffd);
	if (region != MAP_FAILED)
		munmap(region, RTT_PAGES * PAGE);
	if (c.src != MAP_FAILED)
		munmap(c.src, PAGE);
	free(lat);
	return NULL;
}

static uint64_t *rtt_minor(unsigned int n, char *why, size_t len)
{
	uint64_t *lat = calloc(n, sizeof(*lat));
	uint8_t *region;
	unsigned int i;
	int fd;

	fd = memfd_create("vxf-bench-minor", MFD_CLOEXEC);
	if (!lat || fd < 0 || ftruncate(fd, RTT_PAGES * PAGE)) {
		snprintf(why, len, "memfd: %s", strerror(errno));
		goto err;
	}
	region = mmap(NULL, RTT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, fd, 0);
	if (region == MAP_FAILED) {
		snprintf(why, len, "mmap memfd: %s", strerror(errno));
		goto err;
	}
	memset(region, FILL_A, RTT_PAGES * PAGE);
	for (i = 0; i < n + RTT_WARMUP; i++) {
		uint8_t *pg = region + (i % RTT_PAGES) * PAGE;
		uint64_t t0, t1, v;

		madvise(pg, PAGE, MADV_DONTNEED);
		t0 = now_ns();
		v = rd64(pg);
		t1 = now_ns();
		if (v != 0x5a5a5a5a5a5a5a5aULL) {
			fail("minor fault reference read %#" PRIx64, v);
			break;
		}
		if (i >= RTT_WARMUP)
			lat[i - RTT_WARMUP] = t1 - t0;
	}
	munmap(region, RTT_PAGES * PAGE);
	close(fd);
	if (i < n + RTT_WARMUP) {
		snprintf(why, len, "data mismatch");
		free(lat);
		return NULL;
	}
	return lat;
err:
	if (fd >= 0)
		close(fd);
	free(lat);
	return NULL;
}

/* ---- 1b. where the round trip goes: vxf tracepoints ------------------- */

static const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/trace", dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	if (!mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Phases of one traced fault round trip, in order. */
enum {
	PH_ENTRY,	/* user access -> vxf_fault_start */
	PH_LOOKUP,	/* -> vxf_map_request (lookup, chunk, xarray) */
	PH_BACKEND,	/* -> vxf_map_answer (kick, backend, answer) */
	PH_WAKE,	/* -> vxf_fault_end RETRY (install, wake-up) */
	PH_RETRY,	/* -> vxf_fault_start again (retried fault) */
	PH_INSERT,	/* -> vxf_fault_end (PFN insertion) */
	PH_EXIT,	/* -> back in user space */
	PH_NR
};

static const char *const ph_name[PH_NR] = {
	"entry_to_driver", "lookup_and_queue", "ring_and_backend",
	"install_and_wakeup", "retry_fault_entry", "pfn_insert",
	"return_to_user",
};

static uint64_t trace_ts(const char *line)
{
	const char *c = strstr(line, ": vxf_");
	const char *s;
	unsigned long sec, usec;

	if (!c)
		return 0;
	/* "... 123.456789: vxf_..." : find the start of the timestamp */
	for (s = c; s > line && s[-1] != ' '; s--)
		;
	if (sscanf(s, "%lu.%lu", &sec, &usec) != 2)
		return 0;
	return (uint64_t)sec * 1000000000ULL + (uint64_t)usec * 1000;
}

/* b - a, 0 if the trace's microsecond rounding put b before a */
static uint64_t dt(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

/* One sample's phases from its six event times and user t0/t1. */
static unsigned int store_phases(uint64_t **ph, unsigned int i,
				 const uint64_t *ts, const uint64_t *u)
{
	ph[PH_ENTRY][i] = dt(u[0], ts[0]);
	ph[PH_LOOKUP][i] = dt(ts[0], ts[1]);
	ph[PH_BACKEND][i] = dt(ts[1], ts[2]);
	ph[PH_WAKE][i] = dt(ts[2], ts[3]);
	ph[PH_RETRY][i] = dt(ts[3], ts[4]);
	ph[PH_INSERT][i] = dt(ts[4], ts[5]);
	ph[PH_EXIT][i] = dt(ts[5], u[1]);
	return 1;
}

static void profile_rtt(unsigned int n)
{
	uint64_t *t_user = calloc(2 * n, sizeof(uint64_t));
	uint64_t *ph[PH_NR] = { NULL }, ts[6];
	unsigned int i, k = 0, got = 0, used = 0;
	char path[256], line[512];
	const char *dir = tracefs();
	uint64_t *lat;
	FILE *f;

	if (!dir || !t_user) {
		printf("profile: skipped no tracefs\n");
		free(t_user);
		return;
	}
	if (write_file(dir, "trace_clock", "mono") ||
	    write_file(dir, "buffer_size_kb", "4096") ||
	    write_file(dir, "trace", "") ||
	    write_file(dir, "events/vxf/enable", "1")) {
		printf("profile: skipped cannot enable events/vxf\n");
		free(t_user);
		return;
	}
	lat = rtt_vxf(n, true, t_user);
	write_file(dir, "events/vxf/enable", "0");
	if (!lat)
		goto out;
	for (i = 0; i < PH_NR; i++)
		ph[i] = calloc(n, sizeof(uint64_t));

	/*
	 * Per sample: revoke_start, revoke_done, then fault_start,
	 * map_request, map_answer, fault_end (RETRY), fault_start (TRIED),
	 * fault_end. A sample that does not follow it is left out.
	 */
	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		goto out;
	k = (unsigned int)-1;
	while (fgets(line, sizeof(line), f)) {
		uint64_t t = trace_ts(line);
		int ev = -1;

		if (!t)
			continue;
		if (strstr(line, "vxf_revoke_start:")) {
			if (got == 6 && k < n)
				used += store_phases(ph, used, ts, t_user + 2 * k);
			k++;
			got = 0;
			continue;
		}
		if (strstr(line, "vxf_fault_start:"))
			ev = got == 0 || got == 4 ? (int)got : -2;
		else if (strstr(line, "vxf_map_request:"))
			ev = got == 1 ? 1 : -2;
		else if (strstr(line, "vxf_map_answer:"))
			ev = got == 2 ? 2 : -2;
		else if (strstr(line, "vxf_fault_end:"))
			ev = got == 3 || got == 5 ? (int)got : -2;
		if (ev >= 0)
			ts[got++] = t;
		else if (ev == -2)
			got = 7;	/* out of pattern: drop the sample */
	}
	fclose(f);
	if (got == 6 && k < n)
		used += store_phases(ph, used, ts, t_user + 2 * k);
	if (used < n / 2) {
		printf("profile: skipped only %u of %u samples matched the expected event order\n",
		       used, n);
		goto out;
	}
	{
		uint64_t med[PH_NR], sum = 0, tot = median(lat, n);

		for (i = 0; i < PH_NR; i++) {
			/* timestamps have microsecond resolution */
			med[i] = median(ph[i], used);
			sum += med[i];
		}
		printf("profile: %u traced round trips (trace clock mono, 1 us resolution), p50 total %.1f us; median per phase:\n",
		       used, tot / 1000.0);
		for (i = 0; i < PH_NR; i++)
			printf("profile: %-20s %8.1f us %5.1f%%\n", ph_name[i],
			       med[i] / 1000.0,
			       sum ? 100.0 * med[i] / sum : 0.0);
	}
out:
	for (i = 0; i < PH_NR; i++)
		free(ph[i]);
	free(lat);
	free(t_user);
	fflush(stdout);
}

static void fig_rtt(void)
{
	uint64_t *vxf, *uf, *mi, v50 = 0, u50 = 0, m50 = 0;
	unsigned int n = opt.samples;
	char why[256];

	note("fault round trip: one thread reads word 0 of a page right after the backend's 'revoke PAGE 1' returned; CLOCK_MONOTONIC around the read; %u samples over %d pages after %d warm-up ones; backend --map-pages 1",
	     n, RTT_PAGES, RTT_WARMUP);
	vxf = rtt_vxf(n, false, NULL);
	if (vxf) {
		qsort(vxf, n, sizeof(*vxf), cmp_u64);
		v50 = pct(vxf, n, 50);
		bench("fault_rtt_p50", v50 / 1000.0, "us");
		bench("fault_rtt_p99", pct(vxf, n, 99) / 1000.0, "us");
	}

	note("uffd reference: anonymous region registered MISSING, a handler thread (poll+read+UFFDIO_COPY of 4 KiB), MADV_DONTNEED before each read");
	uf = rtt_uffd(n, why, sizeof(why));
	if (uf) {
		qsort(uf, n, sizeof(*uf), cmp_u64);
		u50 = pct(uf, n, 50);
		bench("uffd_rtt_p50", u50 / 1000.0, "us");
		bench("uffd_rtt_p99", pct(uf, n, 99) / 1000.0, "us");
	} else {
		bench_skip("uffd_rtt", why);
	}

	note("minor fault reference: shared memfd page dropped from the page table with MADV_DONTNEED, still in the page cache");
	mi = rtt_minor(n, why, sizeof(why));
	if (mi) {
		qsort(mi, n, sizeof(*mi), cmp_u64);
		m50 = pct(mi, n, 50);
		bench("minor_fault_p50", m50 / 1000.0, "us");
		bench("minor_fault_p99", pct(mi, n, 99) / 1000.0, "us");
	} else {
		bench_skip("minor_fault", why);
	}

	ratio("fault_rtt_vs_uffd", v50, u50);
	ratio("fault_rtt_vs_minor", v50, m50);
	target("fault_rtt_vs_uffd", u50 ? (double)v50 / u50 : 0, v50 && u50,
	       true, 1.0);
	if (vxf)
		print_cdf("vxf_fault_rtt", vxf, n);
	if (uf)
		print_cdf("uffd_rtt", uf, n);
	if (mi)
		print_cdf("minor_fault", mi, n);
	free(vxf);
	free(uf);
	free(mi);
	if (opt.trace)
		profile_rtt(n < 400 ? n : 400);
}

/* ---- 5. kernel memory --------------------------------------------------- */

/**
 * struct kmem - kernel memory snapshot
 * @slab_all: sum of active_objs * objsize over every slab cache
 * @slab_xa: the same over radix_tree_node (xarray nodes)
 * @slab_kmalloc: the same over kmalloc-*
 * @slab_kb: /proc/meminfo Slab
 * @pt_kb: /proc/meminfo PageTables
 */
struct kmem {
	uint64_t slab_all, slab_xa, slab_kmalloc;
	uint64_t slab_kb, pt_kb;
};

static int kmem_snap(struct kmem *k)
{
	char line[512], name[128];
	unsigned long active, num, size;
	FILE *f;

	memset(k, 0, sizeof(*k));
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
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
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Slab: %" SCNu64, &k->slab_kb);
		sscanf(line, "PageTables: %" SCNu64, &k->pt_kb);
	}
	fclose(f);
	return 0;
}

static void report_kmem(const char *tag, const struct kmem *a,
			const struct kmem *b, uint64_t mib, uint64_t granted)
{
	double per_gib = 1024.0 / mib / 1024.0;	/* bytes -> KiB per GiB */
	int64_t all = b->slab_all - a->slab_all;
	int64_t xa = b->slab_xa - a->slab_xa;
	int64_t km = b->slab_kmalloc - a->slab_kmalloc;
	char name[96];

	snprintf(name, sizeof(name), "driver_mem_per_gib_%s", tag);
	bench(name, all * per_gib, "KiB");
	printf("bench: driver_mem_detail_%s xarray_nodes=%.0fKiB/GiB kmalloc=%.0fKiB/GiB meminfo_slab=%.0fKiB/GiB pagetables=%.0fKiB/GiB backend_grants=%" PRIu64 "\n",
	       tag, xa * per_gib, km * per_gib,
	       ((double)b->slab_kb - a->slab_kb) * 1024 * per_gib,
	       ((double)b->pt_kb - a->pt_kb) * 1024 * per_gib, granted);
	target(name, all * per_gib, a->slab_all && b->slab_all, true, 256);
}

/* ---- 2. first touch (and 5. memory, 4. revoke of the whole window) ---- */

/**
 * struct touch - one first-touch configuration
 * @tag: figure suffix
 * @map_pages: backend --map-pages, 0 for --superpages
 * @prefetch: the driver's prefetch_pages for the window (0: none)
 * @mibs: result, MiB/s, 0 if not measured
 * @secs: wall time the configuration took
 */
struct touch {
	const char *tag;
	unsigned int map_pages;
	unsigned int prefetch;
	double mibs;
	double secs;
};

#define PREFETCH_PARAM	"/sys/module/virtio_xen_fault/parameters/prefetch_pages"
#define PREFETCH_DEFAULT	64

/* Set the driver's prefetch_pages; 0 or -1 if the parameter is missing. */
static int set_prefetch(unsigned int pages)
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

/*
 * Map the window whole (memset), measuring kernel memory around it, revoke
 * everything, then time memset of the whole window: every page faults.
 */
static int first_touch(struct touch *t, uint64_t mib, bool quiet)
{
	uint64_t pages = mib * MIB / PAGE, t0, t1, t2, t3, revoked, i;
	uint64_t start = now_ns();
	struct vxf_backend_stats bst = { 0 };
	struct kmem k0, k1;
	char why[512], name[64];
	struct win w;

	if (!t->map_pages && !backend_has_option("--superpages")) {
		snprintf(name, sizeof(name), "first_touch_%s", t->tag);
		bench_skip(name, "backend has no --superpages option yet");
		return 1;
	}
	/* read by the driver when the window is made */
	if (set_prefetch(t->prefetch)) {
		snprintf(name, sizeof(name), "first_touch_%s", t->tag);
		bench_skip(name, "no prefetch_pages module parameter");
		return 1;
	}
	if (win_open(&w, pages, t->map_pages, why, sizeof(why))) {
		set_prefetch(0);
		snprintf(name, sizeof(name), "first_touch_%s", t->tag);
		if (!t->map_pages) {
			bench_skip(name, why);
			return 1;
		}
		fail("%s: %s", name, why);
		return -1;
	}
	if (!t->map_pages && w.info.map_pages < SUPERPAGE_PAGES) {
		snprintf(name, sizeof(name), "first_touch_%s", t->tag);
		snprintf(why, sizeof(why),
			 "driver map granule is %u pages, not a superpage",
			 w.info.map_pages);
		bench_skip(name, why);
		win_close(&w);
		return 1;
	}

	set_prefetch(0);
	kmem_snap(&k0);
	t0 = now_ns();
	memset(w.map, FILL_A, pages * PAGE);
	t1 = now_ns();
	kmem_snap(&k1);
	vxf_backend_stats(&w.be, &bst);
	if (win_revoke(&w, 0, ALL, &revoked))
		goto err;
	t2 = now_ns();
	memset(w.map, FILL_B, pages * PAGE);
	t3 = now_ns();

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
	report_kmem(t->tag, &k0, &k1, mib, bst.granted);
	return 0;
err:
	win_close(&w);
	return -1;
}

static double memset_ref(uint64_t mib)
{
	size_t len = mib * MIB;
	uint64_t best = UINT64_MAX;
	uint8_t *m;
	int i;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	memset(m, 1, len);
	for (i = 0; i < 3; i++) {
		uint64_t t0 = now_ns(), t;

		memset(m, FILL_B + i, len);
		t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	munmap(m, len);
	return mib / (best / 1e9);
}

static void fig_first_touch(void)
{
	struct touch cfg[] = {
		{ .tag = "4k", .map_pages = 1 },
		{ .tag = "prefetch", .map_pages = 1,
		  .prefetch = PREFETCH_DEFAULT },
		{ .tag = "32k", .map_pages = 8 },
		{ .tag = "2m", .map_pages = 0 },
	};
	uint64_t mib = opt.touch_mib;
	double ref;
	size_t i;

	note("first touch: backend window mapped whole, memset once (maps every page; kernel memory measured around it), 'revoke-all', then memset of the whole window timed: every page faults; 4k = --map-pages 1 and no prefetch, prefetch = --map-pages 1 with the driver's sequential prefetch (prefetch_pages=64), 32k = --map-pages 8 and no prefetch, 2m = --superpages; reference: best of 3 memsets of pre-faulted anonymous memory of the same size");
	if (!mib) {
		/* Calibrate with 16 MiB of 4 KiB MAPs, the slowest case. */
		struct touch cal = cfg[0];
		double per_mib, room;

		if (first_touch(&cal, 16, true))
			return;
		per_mib = cal.secs / 16;
		/* 4k and the faster ones together cost about 2.5x 4k alone */
		room = opt.budget_s / (2.7 * per_mib);
		for (mib = 16; mib < 256 && 2 * mib <= room; mib *= 2)
			;
		note("calibration: 16 MiB with 4 KiB MAPs took %.1f s in all; size chosen for a %u s budget",
		     cal.secs, opt.budget_s);
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
	for (i = 0; i < ARRAY_SIZE(cfg); i++)
		first_touch(&cfg[i], mib, false);
	for (i = 0; i < ARRAY_SIZE(cfg); i++) {
		char name[64];

		snprintf(name, sizeof(name), "first_touch_%s_vs_memset",
			 cfg[i].tag);
		ratio(name, cfg[i].mibs, ref);
	}
	target("first_touch_2m_vs_memset", cfg[2].mibs / ref, cfg[2].mibs > 0,
	       false, 0.5);
}

/* ---- 3. scaling --------------------------------------------------------- */

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

static void fig_scaling(void)
{
	static const int counts[] = { 1, 2, 4, 8 };
	uint64_t pages = opt.scale_pages, maps = 0, coal = 0, flts = 0;
	struct vxf_stats s0, s1;
	double rate[ARRAY_SIZE(counts)] = { 0 };
	char why[512], name[64];
	struct win w;
	size_t i;
	int r;

	note("scaling: %" PRIu64 " pages (--map-pages 1), revoke-all, then N threads read word 0 of their own contiguous share; aggregate = pages / (last end - first start); %ld vCPUs",
	     pages, sysconf(_SC_NPROCESSORS_ONLN));
	if (win_open(&w, pages, 1, why, sizeof(why))) {
		fail("scaling: %s", why);
		return;
	}
	if (touch_read_check(&w, 0, pages))
		goto out;
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		if (win_revoke(&w, 0, ALL, NULL))
			goto out;
		rate[i] = run_threads(&w, counts[i], pages / counts[i], false);
		snprintf(name, sizeof(name), "faults_per_s_%d_threads",
			 counts[i]);
		bench(name, rate[i], "faults/s");
	}
	ratio("scaling_8_vs_1", rate[3], rate[0]);
	target("scaling_8_vs_1", rate[0] ? rate[3] / rate[0] : 0,
	       rate[0] > 0 && rate[3] > 0, false, 1.5);

	/* 8 threads on one revoked page, SAME_ROUNDS times */
	if (vxf_stats(w.fd, &s0)) {
		fail("VXF_IOC_STATS: %s", strerror(errno));
		goto out;
	}
	for (r = 0; r < SAME_ROUNDS; r++) {
		if (win_revoke(&w, 0, 1, NULL))
			goto out;
		run_threads(&w, 8, 1, true);
	}
	if (vxf_stats(w.fd, &s1)) {
		fail("VXF_IOC_STATS: %s", strerror(errno));
		goto out;
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
out:
	win_close(&w);
}

/* ---- 4. revoke ---------------------------------------------------------- */

static uint64_t cmd_rtt(struct win *w)
{
	uint64_t v[50];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0 = now_ns();

		if (vxf_backend_cmd(&w->be, NULL, 0, "stats"))
			return 0;
		v[i] = now_ns() - t0;
	}
	return median(v, ARRAY_SIZE(v));
}

static uint64_t dontneed_ref(uint64_t mib)
{
	size_t len = mib * MIB;
	uint64_t v[3];
	uint8_t *m;
	size_t i;
	int fd = memfd_create("vxf-bench-revoke", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, len))
		return 0;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0;

		memset(m, 1, len);
		t0 = now_ns();
		madvise(m, len, MADV_DONTNEED);
		v[i] = now_ns() - t0;
	}
	munmap(m, len);
	return median(v, ARRAY_SIZE(v));
}

/*
 * One more revoke with the vxf_revoke_* tracepoints on: the driver's part
 * (vxf_revoke_start to vxf_revoke_done, i.e. taking the pages out of the
 * window, zapping and releasing them) against the whole command.
 */
static void revoke_traced(struct win *w, const char *tag, uint64_t pages,
			  uint64_t whole)
{
	const char *dir = tracefs();
	uint64_t a = 0, b = 0, t;
	char path[256], line[512], name[64];
	FILE *f;

	if (!dir || write_file(dir, "trace_clock", "mono") ||
	    write_file(dir, "trace", "") ||
	    write_file(dir, "events/vxf/vxf_revoke_start/enable", "1") ||
	    write_file(dir, "events/vxf/vxf_revoke_done/enable", "1"))
		return;
	win_revoke(w, 0, pages, NULL);
	write_file(dir, "events/vxf/vxf_revoke_start/enable", "0");
	write_file(dir, "events/vxf/vxf_revoke_done/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		t = trace_ts(line);
		if (t && !a && strstr(line, "vxf_revoke_start:"))
			a = t;
		else if (t && strstr(line, "vxf_revoke_done:"))
			b = t;
	}
	fclose(f);
	if (!a || b < a)
		return;
	snprintf(name, sizeof(name), "revoke_%s_driver_part", tag);
	bench(name, (b - a) / 1e6, "ms");
	printf("profile: revoke %s: driver (revoke_start..revoke_done tracepoints) %.1f ms of %.1f ms for the whole command (median of the untraced ones); the rest is the backend (ring, copy-back, poison, ungrant) and the pipe\n",
	       tag, (b - a) / 1e6, whole / 1e6);
}

static void revoke_one(const char *tag, unsigned int map_pages, uint64_t mib,
		       uint64_t ref_ns, uint64_t *rtt_out)
{
	uint64_t pages = mib * MIB / PAGE, v[3], got = 0, med;
	char why[512], name[64];
	struct win w;
	size_t i;

	snprintf(name, sizeof(name), "revoke_%" PRIu64 "m_%s", mib, tag);
	if (!map_pages && !backend_has_option("--superpages")) {
		bench_skip(name, "backend has no --superpages option yet");
		return;
	}
	if (win_open(&w, pages, map_pages, why, sizeof(why))) {
		if (map_pages)
			fail("%s: %s", name, why);
		else
			bench_skip(name, why);
		return;
	}
	if (!map_pages && w.info.map_pages < SUPERPAGE_PAGES) {
		bench_skip(name, "driver map granule is not a superpage");
		win_close(&w);
		return;
	}
	if (rtt_out)
		*rtt_out = cmd_rtt(&w);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0;

		if (touch_read_check(&w, 0, pages))
			goto out;
		t0 = now_ns();
		if (win_revoke(&w, 0, pages, &got))
			goto out;
		v[i] = now_ns() - t0;
		if (got != pages)
			note("%s: revoke found %" PRIu64 " of %" PRIu64 " pages mapped",
			     name, got, pages);
	}
	med = median(v, ARRAY_SIZE(v));
	bench(name, med / 1e6, "ms");
	snprintf(name, sizeof(name), "revoke_%s_per_mib", tag);
	bench(name, med / 1e3 / mib, "us/MiB");
	snprintf(name, sizeof(name), "revoke_%s_vs_dontneed", tag);
	ratio(name, med, ref_ns);
	if (opt.trace && !touch_read_check(&w, 0, pages))
		revoke_traced(&w, tag, pages, med);
out:
	win_close(&w);
}

static void fig_revoke(void)
{
	uint64_t mib = opt.revoke_mib, ref, rtt = 0;
	char name[64];

	note("revoke: %" PRIu64 " MiB window, every page mapped (read), then the backend's 'revoke 0 N' timed from the benchmark: command through a pipe, REVOKE on the ring, driver zap + release, REVOKE_DONE, backend copies the pages back and ungrants them, reply; median of 3; 4k = --map-pages 8 (4 KiB mappings, fewer MAPs to fill)",
	     mib);
	ref = dontneed_ref(mib);
	if (ref) {
		snprintf(name, sizeof(name), "dontneed_shared_%" PRIu64 "m_ref",
			 mib);
		bench(name, ref / 1e6, "ms");
	}
	revoke_one("4k", 8, mib, ref, &rtt);
	revoke_one("2m", 0, mib, ref, NULL);
	if (rtt)
		bench("backend_cmd_rtt", rtt / 1e3, "us");
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: vxf-bench [--samples N] [--touch-mib N] [--budget S]\n"
"                 [--revoke-mib N] [--scale-pages N] [--no-trace]\n"
"  --samples N      fault round trip samples (default 2000)\n"
"  --touch-mib N    first-touch window size (default: calibrate, <= 256)\n"
"  --budget S       seconds the first-touch runs may take (default 100)\n"
"  --revoke-mib N   revoke test window (default 64)\n"
"  --scale-pages N  pages per scaling run, a multiple of 8 (default 4096)\n"
"  --no-trace       no tracepoint profile of the round trip\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "touch-mib", required_argument, NULL, 't' },
		{ "budget", required_argument, NULL, 'b' },
		{ "revoke-mib", required_argument, NULL, 'r' },
		{ "scale-pages", required_argument, NULL, 'p' },
		{ "no-trace", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t t0 = now_ns();
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.samples = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt.touch_mib = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			opt.budget_s = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			opt.revoke_mib = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt.scale_pages = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.trace = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.samples || opt.scale_pages < 8 || opt.scale_pages % 8 ||
	    !opt.revoke_mib || opt.touch_mib > 256 || opt.revoke_mib > 256) {
		usage(stderr);
		return 2;
	}
	if (!vxf_backend_available()) {
		printf("error: no backend at %s\n", vxf_backend_path());
		return 1;
	}
	signal(SIGBUS, on_fatal);
	signal(SIGSEGV, on_fatal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/*
	 * The fault path itself, without the prefetch policy (which would
	 * ask ahead of the round-trip loop's and the threads' sequential
	 * pages): only the first-touch figures turn it on, per row.
	 */
	if (set_prefetch(0))
		note("no prefetch_pages module parameter: the driver does not prefetch");
	fig_rtt();
	fig_scaling();
	fig_revoke();
	fig_first_touch();

	note("memory: /proc/slabinfo, sum of active_objs * objsize over all caches, before and after the first memset mapped the window whole (window already open and mmap()ed, backend started); the backend's pinned pages are user memory and not in slab; the loop transport's grant bookkeeping (one kmalloc'd reference per granted page, backend_grants) is in the delta, it stands in for Xen's grant table; pagetables are the benchmark's and backend's PTEs, not the driver's");
	note("memory split (from xarray geometry, not measured): a full xarray node is 576 B for 64 entries, about 2.3 MiB per GiB of 4 KiB pages; loop mode keeps three per-page xarrays (core: window page -> PFN; loop: PFN -> reference, reference id -> reference) and a 32 B kmalloc reference per granted page (8 MiB/GiB): the core's own share is about 2.3 MiB/GiB");
	printf("bench: total_time %.1f s\n", (now_ns() - t0) / 1e9);
	return failed ? 1 : 0;
}
