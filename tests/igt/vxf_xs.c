// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_xs.c - a minimal xenstore client for domU test programs
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * One request, one reply, over the xenbus device (/dev/xen/xenbus, or the
 * older /proc/xen/xenbus). No watches and no transactions: the test channel
 * is polled. Used by the IGT helpers (Xen mode) and tools/vxf-backend's
 * xen-smoke. No IGT calls; errors are negative errnos.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<xen/io/xs_wire.h>)
#include <xen/io/xs_wire.h>
#else
/* The stable part of Xen's public xs_wire.h (libxen-dev not installed). */
enum xsd_sockmsg_type { XS_READ = 2, XS_WRITE = 11, XS_ERROR = 16 };
struct xsd_sockmsg {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
};
#define XENSTORE_PAYLOAD_MAX 4096
#endif

#include "vxf_xs.h"

/* test-reply is polled every 1 ms at first, backing off to this */
#define VXF_XS_POLL_MAX_MS	32

/**
 * vxf_xs_open - open the xenbus device
 *
 * Returns an fd or -errno.
 */
int vxf_xs_open(void)
{
	int fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fd = open("/proc/xen/xenbus", O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void vxf_xs_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Names of xsd_errors, as XS_ERROR payloads carry them. */
static int xs_errno(const char *name)
{
	static const struct {
		const char *name;
		int err;
	} errs[] = {
		{ "ENOENT", ENOENT }, { "EACCES", EACCES }, { "EINVAL", EINVAL },
		{ "EEXIST", EEXIST }, { "EAGAIN", EAGAIN }, { "ENOSPC", ENOSPC },
		{ "EBUSY", EBUSY }, { "E2BIG", E2BIG }, { "EPERM", EPERM },
	};
	size_t i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (!strcmp(name, errs[i].name))
			return -errs[i].err;
	return -EIO;
}

/*
 * One request: @a (a path, sent with its NUL) then @blen bytes of @b; the
 * reply's payload to @out (NUL-terminated) if @out.
 */
static int xs_req(int fd, uint32_t type, const char *a, const char *b,
		  size_t blen, char *out, size_t max)
{
	static uint32_t req_id;
	struct xsd_sockmsg m = { .type = type, .req_id = ++req_id };
	char buf[sizeof(m) + XENSTORE_PAYLOAD_MAX + 1];
	size_t alen = strlen(a) + 1, got = 0;
	ssize_t n;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -EINVAL;
	m.len = alen + blen;
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), a, alen);
	if (blen)
		memcpy(buf + sizeof(m) + alen, b, blen);
	n = write(fd, buf, sizeof(m) + m.len);
	if (n != (ssize_t)(sizeof(m) + m.len))
		return n < 0 ? -errno : -EIO;
	/* The device hands out whole messages, but be ready for pieces. */
	for (;;) {
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += n;
		if (got < sizeof(m))
			continue;
		memcpy(&m, buf, sizeof(m));
		if (m.len > XENSTORE_PAYLOAD_MAX)
			return -EIO;
		if (got >= sizeof(m) + m.len)
			break;
	}
	buf[sizeof(m) + m.len] = '\0';
	if (m.type == XS_ERROR)
		return xs_errno(buf + sizeof(m));
	if (m.type != type)
		return -EIO;
	if (out) {
		if (m.len >= max)
			return -E2BIG;
		memcpy(out, buf + sizeof(m), m.len);
		out[m.len] = '\0';
	}
	return 0;
}

/**
 * vxf_xs_read - read a key
 * @fd: from vxf_xs_open()
 * @path: absolute, or relative to the domain's home
 * @out: the value, NUL-terminated
 * @max: size of @out
 */
int vxf_xs_read(int fd, const char *path, char *out, size_t max)
{
	return xs_req(fd, XS_READ, path, NULL, 0, out, max);
}

/**
 * vxf_xs_write - write a key (created if needed)
 */
int vxf_xs_write(int fd, const char *path, const char *value)
{
	return xs_req(fd, XS_WRITE, path, value, strlen(value), NULL, 0);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/**
 * vxf_xs_test_cmd - run one command of the backend's test channel
 * @fd: from vxf_xs_open()
 * @devid: the vxf device (device/vxf/@devid)
 * @cmd: "COMMAND [ARGS]"
 * @reply: the backend's reply line, without the SEQ
 * @max: size of @reply
 * @timeout_ms: how long to wait for it
 *
 * Writes test-cmd = "SEQ @cmd" with a SEQ never used before (pid, time,
 * counter) and polls test-reply until it starts with that SEQ.
 *
 * Returns 0 when a reply came (whatever it says), -ETIMEDOUT if none did,
 * another -errno if xenstore failed.
 */
int vxf_xs_test_cmd(int fd, unsigned int devid, const char *cmd,
		    char *reply, size_t max, int timeout_ms)
{
	static unsigned int counter;
	char path[96], line[320], got[512], tag[32];
	struct timespec ts;
	size_t tl;
	int ret, waited, step;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(tag, sizeof(tag), "%x.%lx.%u", (unsigned int)getpid(),
		 (unsigned long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000),
		 ++counter);
	tl = strlen(tag);
	if (snprintf(line, sizeof(line), "%s %s", tag, cmd) >=
	    (int)sizeof(line))
		return -EINVAL;
	snprintf(path, sizeof(path), "device/vxf/%u/test-cmd", devid);
	ret = vxf_xs_write(fd, path, line);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "device/vxf/%u/test-reply", devid);
	for (waited = 0, step = 1; waited <= timeout_ms; waited += step) {
		ret = vxf_xs_read(fd, path, got, sizeof(got));
		if (ret && ret != -ENOENT)
			return ret;
		if (!ret && !strncmp(got, tag, tl) && got[tl] == ' ') {
			snprintf(reply, max, "%s", got + tl + 1);
			return 0;
		}
		if (waited)	/* xenstored runs in dom0: do not flood it */
			step = step * 2 > VXF_XS_POLL_MAX_MS ?
			       VXF_XS_POLL_MAX_MS : step * 2;
		sleep_ms(step);
	}
	return -ETIMEDOUT;
}
