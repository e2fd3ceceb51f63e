// SPDX-License-Identifier: GPL-2.0
/*
 * xen_xs.c - xenstore helpers of Xen mode (see xen.c): read a key, parse
 * a decimal number, write a key, the xenbus states of a device and of its
 * frontend, and the "error" key of a device that fails.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_priv.h"

/* Read DIR/KEY (KEY may be NULL), at most @max - 1 bytes; 0 or -errno. */
int xs_get(struct srv *s, const char *dir, const char *key, char *buf,
	   size_t max)
{
	char path[PATH_LEN + 64];
	unsigned int len;
	char *v;

	if (key)
		snprintf(path, sizeof(path), "%s/%s", dir, key);
	else
		snprintf(path, sizeof(path), "%s", dir);
	v = xs_read(s->xs, XBT_NULL, path, &len);
	if (!v)
		return errno ? -errno : -ENOENT;
	if (len >= max || strlen(v) != len) {
		free(v);
		return -EINVAL;
	}
	memcpy(buf, v, len + 1);
	free(v);
	return 0;
}

/* A decimal number at most @max, nothing else; 0, -ENOENT or -EINVAL. */
int parse_dec(const char *str, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;
	const char *p;

	if (!*str || strlen(str) > 20)
		return -EINVAL;
	for (p = str; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (*p - '0');
	}
	if (n > max)
		return -EINVAL;
	*v = n;
	return 0;
}

int xs_get_uint(struct srv *s, const char *dir, const char *key,
		uint64_t max, uint64_t *v)
{
	char buf[32];
	int ret = xs_get(s, dir, key, buf, sizeof(buf));

	return ret ? ret : parse_dec(buf, max, v);
}

int xs_put(struct srv *s, const char *dir, const char *key,
	   const char *fmt, ...)
{
	char path[PATH_LEN + 64], val[CMD_LEN + SEQ_LEN + 64];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (xs_write(s->xs, XBT_NULL, path, val, strlen(val)))
		return 0;
	fprintf(stderr, "vxf-backend: writing %s: %s\n", path, strerror(errno));
	return -errno;
}

int fe_state(struct xdev *d)
{
	uint64_t v;

	if (xs_get_uint(d->srv, d->fe, "state", XenbusStateReconfigured, &v))
		return -1;
	return (int)v;
}

void set_state(struct xdev *d, enum xenbus_state st)
{
	xs_put(d->srv, d->be, "state", "%d", st);
}

/* Record why a device fails, in the backend's "error" key and on stderr. */
void dev_error(struct xdev *d, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vxf-backend: %s: %s\n", d->fe, msg);
	xs_put(d->srv, d->be, "error", "%d %s", err < 0 ? -err : err, msg);
}
