// SPDX-License-Identifier: GPL-2.0
/*
 * rtt.c - vxf-bench figure 1: the fault round trip, with references
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * One thread reads a window page right after the backend revoked it: the
 * read faults, the driver asks the backend for the page and waits for it.
 * The references are the closest things the kernel does without a driver:
 * a userfaultfd round trip (MISSING + UFFDIO_COPY from a handler thread)
 * and a minor fault on a shared memfd page still in the page cache.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

/*
 * The round trip, @n samples in *@latp (ns, unsorted). With @t_user
 * (the tracepoint profile) there is no warm-up and each sample's start and
 * end times go there too. Returns 0; 1 when the window cannot be one of
 * 1-page MAPs (Xen mode), with @why set; -1 on a failure, reported.
 */
int rtt_vxf(unsigned int n, uint64_t *t_user, uint64_t **latp, char *why,
	    size_t len)
{
	bool tracing = t_user;
	uint64_t *lat = calloc(n, sizeof(*lat));
	unsigned int i, total = n + (tracing ? 0 : RTT_WARMUP);
	struct win w;
	int ret;

	*latp = NULL;
	if (!lat)
		return -1;
	ret = win_open(&w, RTT_PAGES, 1, why, len);
	if (ret) {
		free(lat);
		if (ret == -EOPNOTSUPP)
			return 1;
		fail("fault round trip: %s", why);
		return -1;
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
	*latp = lat;
	return 0;
err:
	win_close(&w);
	free(lat);
	return -1;
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

/*
 * The references' timed loop: drop a page of @region from the page table
 * (MADV_DONTNEED), read it back, RTT_WARMUP times untimed then @n times
 * into @lat; every byte read must be @fill. Returns 0, or -1 after fail().
 */
static int time_dropped_reads(uint8_t *region, uint8_t fill,
			      const char *what, uint64_t *lat, unsigned int n)
{
	uint64_t want;
	unsigned int i;

	memset(&want, fill, sizeof(want));
	for (i = 0; i < n + RTT_WARMUP; i++) {
		uint8_t *pg = region + (i % RTT_PAGES) * PAGE;
		uint64_t t0, t1, v;

		madvise(pg, PAGE, MADV_DONTNEED);
		t0 = now_ns();
		v = rd64(pg);
		t1 = now_ns();
		if (v != want) {
			fail("%s reference read %#" PRIx64, what, v);
			return -1;
		}
		if (i >= RTT_WARMUP)
			lat[i - RTT_WARMUP] = t1 - t0;
	}
	return 0;
}

/*
 * The userfaultfd reference: @n samples (ns, unsorted), or NULL with @why
 * set.
 */
uint64_t *rtt_uffd(unsigned int n, char *why, size_t len)
{
	struct uffdio_register reg = { 0 };
	uint64_t *lat = calloc(n, sizeof(*lat));
	struct uffd_ctx c = { .uffd = -1 };
	int stop[2] = { -1, -1 };
	uint8_t *region = MAP_FAILED;
	bool thread = false;
	pthread_t th;

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
	if (time_dropped_reads(region, 0xa5, "userfaultfd", lat, n)) {
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
	int ret;
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
	ret = time_dropped_reads(region, FILL_A, "minor fault", lat, n);
	munmap(region, RTT_PAGES * PAGE);
	close(fd);
	if (ret) {
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

/*
 * NAME_p50 and NAME_p99 of @n latencies (sorted here), in us; the p50, ns.
 * A p50 of 0 is a clock that did not move across the access (seen in a Xen
 * domU): both are then reported skipped, and 0 returned.
 */
uint64_t report_p50_p99(const char *name, uint64_t *v, unsigned int n)
{
	char full[64];
	uint64_t p50;

	qsort(v, n, sizeof(*v), cmp_u64);
	p50 = pct(v, n, 50);
	if (!p50) {
		snprintf(full, sizeof(full), "%s_p50", name);
		bench_skip(full, "clock: CLOCK_MONOTONIC did not advance across the access in half the samples");
		snprintf(full, sizeof(full), "%s_p99", name);
		bench_skip(full, "clock: see the p50");
		return 0;
	}
	snprintf(full, sizeof(full), "%s_p50", name);
	bench(full, p50 / 1000.0, "us");
	snprintf(full, sizeof(full), "%s_p99", name);
	bench(full, pct(v, n, 99) / 1000.0, "us");
	return p50;
}

/*
 * The userfaultfd reference of a fault round trip figure: @n samples,
 * reported as uffd_rtt_p50/p99 or skipped with the reason. *@out gets the
 * samples (the caller frees them), or NULL when skipped. Returns the p50,
 * ns, or 0.
 */
uint64_t rtt_uffd_reference(unsigned int n, uint64_t **out)
{
	char why[512];

	note("uffd reference: anonymous region registered MISSING, a handler thread (poll+read+UFFDIO_COPY of 4 KiB), MADV_DONTNEED before each read");
	*out = rtt_uffd(n, why, sizeof(why));
	if (*out)
		return report_p50_p99("uffd_rtt", *out, n);
	bench_skip("uffd_rtt", why);
	return 0;
}

/* Figure 1, and 1b (trace.c) unless --no-trace */
void fig_rtt(void)
{
	uint64_t *vxf, *uf, *mi, v50 = 0, u50 = 0, m50 = 0;
	unsigned int n = opt.samples;
	char why[512];
	int ret;

	note("fault round trip: one thread reads word 0 of a page right after the backend's 'revoke PAGE 1' returned; CLOCK_MONOTONIC around the read; %u samples over %d pages after %d warm-up ones; backend --map-pages 1",
	     n, RTT_PAGES, RTT_WARMUP);
	ret = rtt_vxf(n, NULL, &vxf, why, sizeof(why));
	if (vxf)
		v50 = report_p50_p99("fault_rtt", vxf, n);
	else if (ret > 0)
		bench_skip("fault_rtt", why);

	u50 = rtt_uffd_reference(n, &uf);

	note("minor fault reference: shared memfd page dropped from the page table with MADV_DONTNEED, still in the page cache");
	mi = rtt_minor(n, why, sizeof(why));
	if (mi)
		m50 = report_p50_p99("minor_fault", mi, n);
	else
		bench_skip("minor_fault", why);

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
