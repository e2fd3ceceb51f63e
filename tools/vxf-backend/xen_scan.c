// SPDX-License-Identifier: GPL-2.0
/*
 * xen_scan.c - which devices Xen mode serves (see xen.c): those under our
 * backend/vxf directory whose frontend agrees, added with their watches,
 * forgotten when their frontend, domain or backend directory goes; and
 * the dispatch of xenstore watch events.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_priv.h"

struct xdev *dev_find(struct srv *s, unsigned int domid,
		      unsigned int devid)
{
	struct xdev *d;

	for (d = s->devs; d; d = d->next)
		if (d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static void watch_token(char *buf, size_t len, char kind, struct xdev *d)
{
	snprintf(buf, len, "%c %u %u", kind, d->domid, d->devid);
}

/* Watch (@on) or stop watching the frontend's node @key, token @kind. */
static void dev_watch_key(struct xdev *d, const char *key, char kind, bool on)
{
	char path[PATH_LEN + 16], tok[48];

	snprintf(path, sizeof(path), "%s/%s", d->fe, key);
	watch_token(tok, sizeof(tok), kind, d);
	if (on ? !xs_watch(d->srv->xs, path, tok) :
		 !xs_unwatch(d->srv->xs, path, tok))
		fprintf(stderr, "vxf-backend: %swatch %s: %s\n", on ? "" : "un",
			path, strerror(errno));
}

static void dev_watch(struct xdev *d, bool on)
{
	dev_watch_key(d, "state", 's', on);
	dev_watch_key(d, "test-cmd", 'c', on);
}

/* Forget a device whose frontend or domain is gone. */
void dev_forget(struct xdev *d)
{
	struct srv *s = d->srv;
	struct xdev **pp;
	char path[PATH_LEN];

	dev_closed(d, false);
	dev_watch(d, false);
	/* Keep state=Closed only if the directory is still there. */
	snprintf(path, sizeof(path), "%s", d->be);
	for (pp = &s->devs; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	if (s->stdin_dev == d)
		s->stdin_dev = NULL;
	s->nr_devs--;
	info(s, "%s: forgotten", path);
	free(d);
}

static bool domain_alive(struct srv *s, unsigned int domid)
{
	return xs_is_domain_introduced(s->xs, domid);
}

/* Are the backend entries for DOMID/DEVID complete and consistent? */
static int check_pair(struct srv *s, unsigned int domid, unsigned int devid,
		      const char *be, char *fe)
{
	char want[PATH_LEN], back[PATH_LEN], st[8];
	uint64_t fid;

	if (xs_get_uint(s, be, "frontend-id", DOMID_FIRST_RESERVED - 1, &fid) ||
	    fid != domid || xs_get(s, be, "frontend", fe, PATH_LEN))
		return -ENOENT;		/* not (yet) ours to serve */
	snprintf(want, sizeof(want), "/local/domain/%u/device/vxf/%u", domid,
		 devid);
	if (strcmp(fe, want)) {
		fprintf(stderr, "vxf-backend: %s: frontend is %s, expected %s; ignored\n",
			be, fe, want);
		return -EINVAL;
	}
	if (!domain_alive(s, domid))
		return -ENOENT;		/* gone */
	if (xs_get(s, fe, "state", st, sizeof(st)))
		return -EAGAIN;		/* frontend not written yet */
	if (xs_get(s, fe, "backend", back, sizeof(back)) || strcmp(back, be)) {
		fprintf(stderr, "vxf-backend: %s: its backend key does not name %s; ignored\n",
			fe, be);
		return -EINVAL;
	}
	return 0;
}

/*
 * The backend entries came before the frontend's: watch the frontend's
 * state until it is there ('p' events retry dev_add()). Watching twice or
 * unwatching what is not watched fails harmlessly.
 */
static void pending_watch(struct srv *s, unsigned int domid,
			  unsigned int devid, const char *fe, bool on)
{
	char path[PATH_LEN + 16], tok[48];

	snprintf(path, sizeof(path), "%s/state", fe);
	snprintf(tok, sizeof(tok), "p %u %u", domid, devid);
	if (on)
		xs_watch(s->xs, path, tok);
	else
		xs_unwatch(s->xs, path, tok);
}

static void dev_add(struct srv *s, unsigned int domid, unsigned int devid)
{
	char be[PATH_LEN], fe[PATH_LEN];
	struct xdev *d;
	uint64_t st;
	int ret;

	if (dev_find(s, domid, devid) || s->nr_devs >= MAX_DEVICES)
		return;
	snprintf(be, sizeof(be), "%s/%u/%u", s->root, domid, devid);
	ret = check_pair(s, domid, devid, be, fe);
	if (ret == -EAGAIN)
		pending_watch(s, domid, devid, fe, true);
	if (ret)
		return;
	pending_watch(s, domid, devid, fe, false);
	d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "vxf-backend: %s: out of memory\n", be);
		return;
	}
	d->srv = s;
	d->domid = domid;
	d->devid = devid;
	memcpy(d->be, be, sizeof(be));
	memcpy(d->fe, fe, sizeof(fe));
	d->t.ops = &xen_ops;
	d->t.priv = d;
	d->ctl.proto = &d->proto;
	d->ctl.store = &d->store;
	d->ctl.reply = dev_reply;
	d->ctl.reply_ctx = d;
	d->next = s->devs;
	s->devs = d;
	s->nr_devs++;
	info(s, "%s: new device for %s", be, fe);
	if (!xs_get_uint(s, be, "state", XenbusStateReconfigured, &st) &&
	    (st == XenbusStateConnected || st == XenbusStateClosing)) {
		/* An earlier backend served it: have the frontend start over. */
		info(s, "%s: was %s: closing first", be,
		     st == XenbusStateConnected ? "Connected" : "Closing");
		set_state(d, XenbusStateClosing);
		d->phase = PH_CLOSING;
	} else {
		advertise(d);
	}
	dev_watch(d, true);	/* fires at once: fe_changed, xs_command */
}

static int parse_id(const char *str, unsigned int max, unsigned int *v)
{
	uint64_t n;

	if (parse_dec(str, max, &n))
		return -1;
	*v = (unsigned int)n;
	return 0;
}

/* Look at everything under our backend/vxf. */
static void scan(struct srv *s)
{
	char path[PATH_LEN + 16], **doms, **devs;
	unsigned int i, j, nd, nv, domid, devid;

	doms = xs_directory(s->xs, XBT_NULL, s->root, &nd);
	for (i = 0; doms && i < nd; i++) {
		if (parse_id(doms[i], DOMID_FIRST_RESERVED - 1, &domid))
			continue;
		snprintf(path, sizeof(path), "%s/%u", s->root, domid);
		devs = xs_directory(s->xs, XBT_NULL, path, &nv);
		for (j = 0; devs && j < nv; j++)
			if (!parse_id(devs[j], INT32_MAX, &devid))
				dev_add(s, domid, devid);
		free(devs);
	}
	free(doms);
}

/* Forget the devices whose frontend, domain or backend dir went away. */
static void reap(struct srv *s)
{
	struct xdev *d, *next;
	char buf[PATH_LEN];

	for (d = s->devs; d; d = next) {
		next = d->next;
		if (!domain_alive(s, d->domid) ||
		    xs_get(s, d->fe, "state", buf, sizeof(buf)) == -ENOENT ||
		    xs_get(s, d->be, "frontend", buf, sizeof(buf)) == -ENOENT)
			dev_forget(d);
	}
}

/* ---- watch events -------------------------------------------------------- */

static void on_dev_event(struct srv *s, const char *token)
{
	unsigned int domid, devid;
	struct xdev *d;
	char kind;

	if (sscanf(token, "%c %u %u", &kind, &domid, &devid) != 3)
		return;
	if (kind == 'p') {
		dev_add(s, domid, devid);
		return;
	}
	d = dev_find(s, domid, devid);
	if (!d)
		return;		/* stale event of a forgotten device */
	if (kind == 'c') {
		xs_command(d);
		return;
	}
	if (fe_state(d) < 0) {
		reap(s);	/* the frontend directory may be gone */
		return;
	}
	fe_changed(d);
}

static void on_watch(struct srv *s, char **ev)
{
	const char *path = ev[XS_WATCH_PATH], *token = ev[XS_WATCH_TOKEN];

	if (!strcmp(token, "be")) {
		scan(s);
		reap(s);
	} else if (!strcmp(token, "rel")) {
		reap(s);
	} else {
		on_dev_event(s, token);
	}
	(void)path;
}

int drain_watches(struct srv *s)
{
	char **ev;

	while ((ev = xs_check_watch(s->xs))) {
		on_watch(s, ev);
		free(ev);
	}
	if (errno != EAGAIN) {
		fprintf(stderr, "vxf-backend: xenstore connection: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}
