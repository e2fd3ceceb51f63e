// SPDX-License-Identifier: GPL-2.0
/*
 * xen-smoke.c - smoke test of vxf-backend-xen, run inside a PVH domU
 *
 * Static, needs nothing but the driver: waits for /dev/vxfN, maps the
 * window, checks the pattern of the first pages, writes a word, has the
 * backend revoke the range through the xenstore test channel (test-cmd /
 * test-reply in device/vxf/DEVID, spoken over /dev/xen/xenbus by
 * tests/igt/vxf_xs.c, shared with the IGT helpers), checks that
 * the write survived the migration and the backend sees it (peek), and
 * prints the backend's stats. Exit 0 when everything held.
 *
 * usage: xen-smoke [--index N] [--devid N] [--pages N] [--wait S]
 *                  [--cmd "COMMAND"]...   (extra commands, replies printed)
 *                  [--die]                (last: ask the backend to die)
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vxf.h>

#include "vxf_pattern.h"
#include "vxf_xs.h"

#define PAGE		4096UL
#define REPLY_WAIT_MS	20000

static int xb_fd = -1;
static unsigned int devid;

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Run one backend command over the test channel; its reply in @reply. */
static int backend_cmd(const char *cmd, char *reply, size_t max)
{
	struct timespec t0, t1;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = vxf_xs_test_cmd(xb_fd, devid, cmd, reply, max, REPLY_WAIT_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "xen-smoke: no reply to '%s' within %u ms\n",
			cmd, REPLY_WAIT_MS);
		return -1;
	}
	if (ret) {
		fprintf(stderr, "xen-smoke: device/vxf/%u test channel: %s\n",
			devid, strerror(-ret));
		return -1;
	}
	printf("xen-smoke: backend '%s' -> '%s' (%ld ms)\n", cmd, reply,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return 0;
}

static int open_window(const char *dev, unsigned int wait_s)
{
	unsigned int i;
	int fd;

	for (i = 0; i < wait_s * 10; i++) {
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		msleep(100);
	}
	fprintf(stderr, "xen-smoke: %s did not appear within %u s\n", dev,
		wait_s);
	return -1;
}

static int check_pages(const uint8_t *win, uint64_t n)
{
	uint64_t p;
	int w;

	for (p = 0; p < n; p++) {
		w = vxf_pattern_check_page(win + p * PAGE, p);
		if (w >= 0) {
			fprintf(stderr, "xen-smoke: page %" PRIu64 " word %d is 0x%016" PRIx64 ", want 0x%016" PRIx64 "\n",
				p, w, ((const uint64_t *)(win + p * PAGE))[w],
				vxf_pattern_le(vxf_pattern_word(p, w)));
			return -1;
		}
	}
	return 0;
}

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000ULL +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Write, revoke, check the write survived on both sides. */
static int revoke_roundtrip(volatile uint64_t *win, uint64_t n)
{
	char reply[256], cmd[64];
	uint64_t want = 0x5a5a00001234abcdULL;

	win[1] = want;
	snprintf(cmd, sizeof(cmd), "revoke 0 %" PRIu64, n);
	if (backend_cmd(cmd, reply, sizeof(reply)) ||
	    strncmp(reply, "ok revoke status=0", 18))
		return -1;
	if (backend_cmd("peek 0 1", reply, sizeof(reply)))
		return -1;
	if (strtoull(reply + 8, NULL, 16) != want) {
		fprintf(stderr, "xen-smoke: backend has %s, want 0x%016" PRIx64 "\n",
			reply, want);
		return -1;
	}
	if (win[1] != want) {	/* faults the page back in */
		fprintf(stderr, "xen-smoke: write lost across the revoke\n");
		return -1;
	}
	win[1] = vxf_pattern_le(vxf_pattern_word(0, 1));
	return check_pages((const uint8_t *)win, n);
}

int main(int argc, char **argv)
{
	unsigned int index = 0, wait_s = 60, i;
	uint64_t pages = 16;
	struct vxf_info info;
	struct timespec t0;
	char dev[32], reply[512];
	bool die = false;
	uint8_t *win;
	int fd;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--die"))
			die = true;
		else if (i + 1 >= (unsigned int)argc)
			goto usage;
		else if (!strcmp(argv[i], "--index"))
			index = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--devid"))
			devid = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pages"))
			pages = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--wait"))
			wait_s = strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--cmd"))
			goto usage;
		else
			i++;	/* run after the checks */
	}
	xb_fd = vxf_xs_open();
	if (xb_fd < 0) {
		fprintf(stderr, "xen-smoke: /dev/xen/xenbus: %s\n",
			strerror(-xb_fd));
		return 1;
	}
	snprintf(dev, sizeof(dev), "/dev/vxf%u", index);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = open_window(dev, wait_s);
	if (fd < 0)
		return 1;
	/* After a backend restart the window stays but reconnects. */
	for (i = 0; i < wait_s * 10; i++) {
		if (ioctl(fd, VXF_IOC_INFO, &info)) {
			perror("xen-smoke: VXF_IOC_INFO");
			return 1;
		}
		if (info.state == VXF_STATE_CONNECTED)
			break;
		msleep(100);
	}
	printf("xen-smoke: %s after %" PRIu64 " ms: %llu pages, state %u, protocol %u\n",
	       dev, ms_since(&t0), (unsigned long long)info.window_pages,
	       info.state, info.protocol);
	if (pages > info.window_pages)
		pages = info.window_pages;
	win = mmap(NULL, info.window_pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (win == MAP_FAILED) {
		perror("xen-smoke: mmap");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (check_pages(win, pages))
		return 1;
	printf("xen-smoke: pattern OK on %" PRIu64 " pages (%" PRIu64 " ms, first touch)\n",
	       pages, ms_since(&t0));
	if (revoke_roundtrip((volatile uint64_t *)win, pages))
		return 1;
	printf("xen-smoke: revoke round trip OK\n");
	for (i = 1; i + 1 < (unsigned int)argc; i++)
		if (!strcmp(argv[i], "--cmd") &&
		    backend_cmd(argv[++i], reply, sizeof(reply)))
			return 1;
	if (backend_cmd("stats", reply, sizeof(reply)))
		return 1;
	munmap(win, info.window_pages * PAGE);
	close(fd);
	if (die && backend_cmd("die", reply, sizeof(reply)))
		return 1;
	printf("xen-smoke: OK\n");
	return 0;
usage:
	fprintf(stderr, "usage: xen-smoke [--index N] [--devid N] [--pages N] [--wait S] [--cmd CMD]... [--die]\n");
	return 2;
}
