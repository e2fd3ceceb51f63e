// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - line commands of the vxf backend's control channel: parse one
 * line, act on one window's protocol state and store, answer one line.
 * See main.c's header for the commands and their replies.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vxf.h>

#include "ctl.h"
#include "vxf_fault.h"
#include "violate.h"
#include "vxf_pattern.h"

#define REPLY_MAX	512

void vxf_ctl_replyf(struct vxf_ctl *c, const char *fmt, ...)
{
	char line[REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->reply(c->reply_ctx, line);
}

/**
 * vxf_ctl_evt_done() - answer the command that waited for this event
 * @c: control state
 * @d: how the event ended
 */
void vxf_ctl_evt_done(struct vxf_ctl *c, const struct vxf_proto_done *d)
{
	const char *what = d->type == XENVXF_EVT_RESET ? "reset" : "revoke";

	if (!c->waiting)
		return;
	c->waiting = false;
	if (d->timeout)
		vxf_ctl_replyf(c, "err %s timeout", what);
	else if (d->type == XENVXF_EVT_RESET)
		vxf_ctl_replyf(c, "ok reset status=%d", d->status);
	else
		vxf_ctl_replyf(c, "ok revoke status=%d pages=%" PRIu64,
			       d->status, d->pages);
}

/* Decimal or 0x-hex, no sign, no trailing junk. */
int vxf_ctl_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

/* Split @line into at most @max words; returns how many. */
static int split_words(char *line, char **argv, int max)
{
	char *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(line, " \t\r", &save); w;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (n == max)
			return max + 1;
		argv[n++] = w;
	}
	return n;
}

/*
 * hv-revoke FIRST COUNT: the hypervisor takes the pages away at once (no
 * REVOKE to the frontend); their slots come back to the store. @what is
 * the command: "revoke" in hypervisor mode on Xen is one too
 * (vxf_transport_lends()), answered as a revoke.
 */
static void cmd_hv_revoke(struct vxf_ctl *c, uint64_t first, uint64_t count,
			  const char *what)
{
	struct vxf_transport *t = c->store->t;
	uint64_t pages;
	int ret;

	if (!t->ops->hv_revoke) {
		vxf_ctl_replyf(c, "err %s needs hypervisor mode", what);
		return;
	}
	if (!count || first >= c->store->window_pages ||
	    count > c->store->window_pages - first) {
		vxf_ctl_replyf(c, "err %s range outside the window", what);
		return;
	}
	ret = t->ops->hv_revoke(t, first, count);
	if (ret) {
		vxf_ctl_replyf(c, "err %s: %s", what, strerror(-ret));
		return;
	}
	pages = vxf_store_reclaim(c->store, first, count);
	c->proto->stats.hv_revoked_pages += pages;
	if (strcmp(what, "hv-revoke"))
		vxf_ctl_replyf(c, "ok %s status=0 pages=%" PRIu64, what, pages);
	else
		vxf_ctl_replyf(c, "ok hv-revoke pages=%" PRIu64, pages);
}

static void cmd_revoke(struct vxf_ctl *c, uint64_t first, uint64_t count,
		       uint64_t now)
{
	int ret;

	/*
	 * In hypervisor mode the frontend has nothing to take out for a
	 * REVOKE, and its user mappings keep pointing at the lent frames: the
	 * store would copy pages the guest may still be writing.
	 */
	if (vxf_transport_lends(c->store->t)) {
		cmd_hv_revoke(c, first, count, "revoke");
		return;
	}
	ret = vxf_proto_revoke(c->proto, first, count, true, now);
	if (ret == -EINVAL)
		vxf_ctl_replyf(c, "err revoke range outside the window");
	else if (ret)
		vxf_ctl_replyf(c, "err revoke event ring full");
	else
		c->waiting = true;
}

static void cmd_reset(struct vxf_ctl *c, uint64_t now)
{
	if (vxf_transport_lends(c->store->t))
		vxf_ctl_replyf(c, "err reset: hypervisor mode sends no RESET (revoke-all takes every page back)");
	else if (vxf_proto_reset(c->proto, true, now))
		vxf_ctl_replyf(c, "err reset event ring full");
	else
		c->waiting = true;
}

/*
 * The frontend's own counters, read through the loop device (empty where
 * the transport cannot read them).
 */
static void fe_stats_words(struct vxf_ctl *c, char *buf, size_t len)
{
	struct vxf_transport *t = c->store->t;
	struct vxf_stats st;

	buf[0] = '\0';
	if (!t->ops->fe_stats || t->ops->fe_stats(t, &st))
		return;
	snprintf(buf, len, " fe_faults=%llu fe_maps=%llu fe_revokes=%llu"
		 " fe_mapped_pages=%llu", (unsigned long long)st.faults,
		 (unsigned long long)st.maps, (unsigned long long)st.revokes,
		 (unsigned long long)st.mapped_pages);
}

static void cmd_stats(struct vxf_ctl *c)
{
	const struct vxf_proto_stats *s = &c->proto->stats;
	char fe[160];

	fe_stats_words(c, fe, sizeof(fe));
	vxf_ctl_replyf(c, "ok stats maps=%" PRIu64 " map_pages=%" PRIu64
		       " map_errors=%" PRIu64 " revokes=%" PRIu64
		       " revoke_done=%" PRIu64 " revoked_pages=%" PRIu64
		       " resets=%" PRIu64 " unmaps=%" PRIu64
		       " kicks_in=%" PRIu64 " kicks_out=%" PRIu64
		       " granted=%u bad_requests=%" PRIu64
		       " declined=%" PRIu64 " hv_revoked_pages=%" PRIu64 "%s",
		       s->maps, s->map_pages, s->map_errors, s->revokes,
		       s->revoke_done, s->revoked_pages, s->resets, s->unmaps,
		       s->kicks_in, s->kicks_out, c->store->granted,
		       s->bad_requests, s->declined, s->hv_revoked_pages, fe);
}

static void cmd_peek_poke(struct vxf_ctl *c, int argc, char **argv)
{
	uint64_t page, word, value = 0;
	bool poke = !strcmp(argv[0], "poke");

	if (argc != (poke ? 4 : 3) || vxf_ctl_parse_u64(argv[1], &page) ||
	    vxf_ctl_parse_u64(argv[2], &word) ||
	    (poke && vxf_ctl_parse_u64(argv[3], &value))) {
		vxf_ctl_replyf(c, "err usage: %s",
			       poke ? "poke PAGE WORD VALUE" : "peek PAGE WORD");
		return;
	}
	if (page >= c->store->window_pages || word >= VXF_PATTERN_WORDS) {
		vxf_ctl_replyf(c, "err %s outside the window", argv[0]);
		return;
	}
	if (poke) {
		vxf_store_poke(c->store, page, word, value);
		vxf_ctl_replyf(c, "ok");
	} else {
		vxf_ctl_replyf(c, "ok peek 0x%016" PRIx64,
			       vxf_store_peek(c->store, page, word));
	}
}

/*
 * hv-inject SEQ GFN WINDOW VCPU ACCESS: write COUNT (the sixth word, default
 * 1) raw fault records, seq and gfn counting up from the given ones.
 */
static void cmd_hv_inject(struct vxf_ctl *c, int argc, char **argv)
{
	struct vxf_transport *t = c->store->t;
	uint64_t v[6] = { 0, 0, 0, 0, 0, 1 };
	struct xen_fault_record *recs;
	unsigned int i, written = 0;
	int ret;

	if (argc < 6 || argc > 7) {
		vxf_ctl_replyf(c, "err usage: hv-inject SEQ GFN WINDOW VCPU ACCESS [COUNT]");
		return;
	}
	for (i = 1; i < (unsigned int)argc; i++)
		if (vxf_ctl_parse_u64(argv[i], &v[i - 1])) {
			vxf_ctl_replyf(c, "err hv-inject bad number: %s",
				       argv[i]);
			return;
		}
	if (!t->ops->hv_inject) {
		vxf_ctl_replyf(c, "err hv-inject needs hypervisor mode");
		return;
	}
	if (!v[5] || v[5] > 4096) {
		vxf_ctl_replyf(c, "err hv-inject COUNT from 1 to 4096");
		return;
	}
	recs = calloc(v[5], sizeof(*recs));
	if (!recs) {
		vxf_ctl_replyf(c, "err hv-inject: out of memory");
		return;
	}
	for (i = 0; i < v[5]; i++) {
		recs[i].seq = v[0] + i;
		recs[i].gfn = v[1] + i;
		recs[i].window = (uint32_t)v[2];
		recs[i].vcpu = (uint32_t)v[3];
		recs[i].access = (uint8_t)v[4];
	}
	ret = t->ops->hv_inject(t, recs, v[5], &written);
	free(recs);
	if (ret)
		vxf_ctl_replyf(c, "err hv-inject: %s", strerror(-ret));
	else
		vxf_ctl_replyf(c, "ok hv-inject written=%u", written);
}

/* hv-corrupt: make the report area's producer index impossible. */
static void cmd_hv_corrupt(struct vxf_ctl *c)
{
	struct vxf_transport *t = c->store->t;
	int ret;

	if (!t->ops->hv_corrupt) {
		vxf_ctl_replyf(c, "err hv-corrupt needs hypervisor mode");
		return;
	}
	ret = t->ops->hv_corrupt(t);
	if (ret)
		vxf_ctl_replyf(c, "err hv-corrupt: %s", strerror(-ret));
	else
		vxf_ctl_replyf(c, "ok hv-corrupt");
}

/* Commands taking a FIRST COUNT range. */
static void cmd_range(struct vxf_ctl *c, int argc, char **argv, uint64_t now)
{
	uint64_t first, count;

	if (argc != 3 || vxf_ctl_parse_u64(argv[1], &first) ||
	    vxf_ctl_parse_u64(argv[2], &count)) {
		vxf_ctl_replyf(c, "err usage: %s FIRST COUNT", argv[0]);
		return;
	}
	if (!strcmp(argv[0], "revoke"))
		cmd_revoke(c, first, count, now);
	else if (!strcmp(argv[0], "hv-revoke"))
		cmd_hv_revoke(c, first, count, argv[0]);
	else if (vxf_proto_fail_add(c->proto, first, count))
		vxf_ctl_replyf(c, "err fail bad range or too many ranges");
	else
		vxf_ctl_replyf(c, "ok");
}

/* Commands taking one number or on/off. */
static void cmd_knob(struct vxf_ctl *c, int argc, char **argv, uint64_t now)
{
	uint64_t v;

	if (!strcmp(argv[0], "hang")) {
		if (argc != 2 || (strcmp(argv[1], "on") &&
				  strcmp(argv[1], "off"))) {
			vxf_ctl_replyf(c, "err usage: hang on|off");
			return;
		}
		c->proto->hang = !strcmp(argv[1], "on");
		vxf_ctl_replyf(c, "ok");
		return;
	}
	if (argc != 2 || vxf_ctl_parse_u64(argv[1], &v)) {
		vxf_ctl_replyf(c, "err usage: %s US", argv[0]);
		return;
	}
	if (!strcmp(argv[0], "delay"))
		c->proto->delay_us = v;
	else if (!strcmp(argv[0], "flood"))
		vxf_ctl_replyf(c, "ok flood pushed=%u",
			       vxf_proto_flood(c->proto,
					       v > UINT32_MAX ? UINT32_MAX : v,
					       now));
	else
		vxf_proto_set_storm(c->proto, v, now);
	if (strcmp(argv[0], "flood"))
		vxf_ctl_replyf(c, "ok");
}

/**
 * vxf_ctl_run() - run one command line
 * @c: control state (must not be waiting)
 * @line: the line, without its newline; modified
 * @now_us: monotonic time
 *
 * Exactly one reply, now or (revoke, revoke-all, reset) from
 * vxf_ctl_evt_done() later; none for a blank line.
 */
void vxf_ctl_run(struct vxf_ctl *c, char *line, uint64_t now_us)
{
	char *argv[8];
	int argc = split_words(line, argv, 7);

	if (argc == 0)
		return;
	if (argc > 7) {
		vxf_ctl_replyf(c, "err too many arguments");
	} else if (!strcmp(argv[0], "hv-inject")) {
		cmd_hv_inject(c, argc, argv);
	} else if (!strcmp(argv[0], "hv-corrupt")) {
		cmd_hv_corrupt(c);
	} else if (argc > 5) {
		vxf_ctl_replyf(c, "err too many arguments");
	} else if (!strcmp(argv[0], "revoke") || !strcmp(argv[0], "fail") ||
		   !strcmp(argv[0], "hv-revoke")) {
		cmd_range(c, argc, argv, now_us);
	} else if (!strcmp(argv[0], "revoke-all") && argc == 1) {
		cmd_revoke(c, 0, c->store->window_pages, now_us);
	} else if (!strcmp(argv[0], "reset") && argc == 1) {
		cmd_reset(c, now_us);
	} else if (!strcmp(argv[0], "unfail") && argc == 1) {
		vxf_proto_fail_clear(c->proto);
		vxf_ctl_replyf(c, "ok");
	} else if (!strcmp(argv[0], "delay") || !strcmp(argv[0], "hang") ||
		   !strcmp(argv[0], "storm") || !strcmp(argv[0], "flood")) {
		cmd_knob(c, argc, argv, now_us);
	} else if (!strcmp(argv[0], "stats") && argc == 1) {
		cmd_stats(c);
	} else if (!strcmp(argv[0], "peek") || !strcmp(argv[0], "poke")) {
		cmd_peek_poke(c, argc, argv);
	} else if (!strcmp(argv[0], "violate-end") && argc == 1) {
		if (vxf_violate_end())
			vxf_ctl_replyf(c, "err violate-end: no --violate storm going");
		else
			vxf_ctl_replyf(c, "ok violate-end");
	} else if (!strcmp(argv[0], "quit") && argc == 1) {
		vxf_ctl_replyf(c, "ok quit");
		c->quit = true;
	} else {
		vxf_ctl_replyf(c, "err unknown command: %s", argv[0]);
	}
}
