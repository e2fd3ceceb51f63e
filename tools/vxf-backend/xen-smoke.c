// SPDX-License-Identifier: GPL-2.0
/*
 * xen-smoke.c - smoke test of vxf-backend-xen, run inside a PVH domU
 *
 * Static, needs nothing but the driver: waits for /dev/vxfN, maps the
 * window, checks the pattern of the first pages, writes a word, has the
 * backend revoke the range through the xenstore test channel (test-cmd /
 * test-reply in device/vxf/DEVID, spoken over /dev/xen/xenbus), checks that
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
#include <xen/io/xs_wire.h>

#include "vxf_pattern.h"

#define PAGE		4096UL
#define REPLY_WAIT_MS	20000

static int xb_fd = -1;
static unsigned int devid;
static unsigned int seq;

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One xenstore request over /dev/xen/xenbus; the reply's payload to @out. */
static int xs_req(uint32_t type, const char *a, const char *b, size_t blen,
		  char *out, size_t max)
{
	struct xsd_sockmsg m = { .type = type, .req_id = 1 };
	char buf[sizeof(m) + XENSTORE_PAYLOAD_MAX];
	size_t alen = strlen(a) + 1;
	ssize_t n;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -EINVAL;
	m.len = alen + blen;
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), a, alen);
	if (blen)
		memcpy(buf + sizeof(m) + alen, b, blen);
	if (write(xb_fd, buf, sizeof(m) + m.len) != (ssize_t)(sizeof(m) + m.len))
		return -errno;
	n = read(xb_fd, buf, sizeof(buf));
	if (n < (ssize_t)sizeof(m))
		return -EIO;
	memcpy(&m, buf, sizeof(m));
	if (m.type == XS_ERROR)
		return -ENOENT;
	if (out) {
		if (m.len >= max)
			return -E2BIG;
		memcpy(out, buf + sizeof(m), m.len);
		out[m.len] = '\0';
	}
	return 0;
}

/* Run one backend command over the test channel; its reply in @reply. */
static int backend_cmd(const char *cmd, char *reply, size_t max)
{
	char path[96], line[256], got[512], tag[16];
	unsigned int waited;

	seq++;
	snprintf(tag, sizeof(tag), "s%u-%u", (unsigned int)getpid(), seq);
	snprintf(line, sizeof(line), "%s %s", tag, cmd);
	snprintf(path, sizeof(path), "device/vxf/%u/test-cmd", devid);
	if (xs_req(XS_WRITE, path, line, strlen(line), NULL, 0)) {
		fprintf(stderr, "xen-smoke: writing %s failed\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "device/vxf/%u/test-reply", devid);
	for (waited = 0; waited < REPLY_WAIT_MS; waited += 10) {
		if (!xs_req(XS_READ, path, NULL, 0, got, sizeof(got)) &&
		    !strncmp(got, tag, strlen(tag)) &&
		    got[strlen(tag)] == ' ') {
			snprintf(reply, max, "%s", got + strlen(tag) + 1);
			printf("xen-smoke: backend '%s' -> '%s' (%u ms)\n", cmd,
			       reply, waited);
			return 0;
		}
		msleep(10);
	}
	fprintf(stderr, "xen-smoke: no reply to '%s' within %u ms\n", cmd,
		REPLY_WAIT_MS);
	return -1;
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
	xb_fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (xb_fd < 0) {
		perror("xen-smoke: /dev/xen/xenbus");
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
