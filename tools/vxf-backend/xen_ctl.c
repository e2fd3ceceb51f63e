// SPDX-License-Identifier: GPL-2.0
/*
 * xen_ctl.c - the control channels of Xen mode (see xen.c): per device,
 * the xenstore test channel (test-cmd, test-reply: tests in the domU);
 * for the whole backend, stdin (dev DOMID DEVID COMMAND, devices, grants,
 * quit). The commands themselves are ctl.c's.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xen_priv.h"

void dev_reply(void *ctx, const char *line)
{
	struct xdev *d = ctx;

	if (d->owner == OWNER_XS)
		xs_put(d->srv, d->fe, "test-reply", "%s %s", d->seq, line);
	else
		out_line("%s", line);
}

void dev_evt_done(void *ctx, const struct vxf_proto_done *dn)
{
	struct xdev *d = ctx;

	vxf_ctl_evt_done(&d->ctl, dn);
}

/* Run a command on @d for @owner; false if it now waits for the frontend. */
static bool dev_run(struct xdev *d, enum owner owner, char *cmd)
{
	d->owner = owner;
	if (!d->serving) {
		dev_reply(d, "err not connected");
		return true;
	}
	vxf_ctl_run(&d->ctl, cmd, now_us());
	if (d->ctl.quit) {
		d->ctl.quit = false;	/* "quit" is for the whole backend */
		d->srv->quit = true;
	}
	return !d->ctl.waiting;
}

static void die_now(struct xdev *d)
{
	xs_put(d->srv, d->fe, "test-reply", "%s ok die", d->seq);
	fprintf(stderr, "vxf-backend: die requested by %s\n", d->fe);
	kill(getpid(), SIGKILL);
	_exit(137);
}

/* Run "SEQ COMMAND" from test-cmd (already checked by xs_command()). */
static void xs_exec(struct xdev *d, char *buf)
{
	char *sp = strchr(buf, ' ');

	if (sp)
		*sp++ = '\0';
	snprintf(d->seq, sizeof(d->seq), "%s", buf);
	d->owner = OWNER_XS;
	while (sp && *sp == ' ')
		sp++;
	if (!sp || !*sp)
		dev_reply(d, "err empty command");
	else if (!strcmp(sp, "die"))
		die_now(d);
	else if (!strcmp(sp, "quit"))
		dev_reply(d, "err quit is for stdin; use die");
	else
		dev_run(d, OWNER_XS, sp);
}

/* A waiting command got its reply (or never will): run what was held. */
void dev_unblock(struct xdev *d)
{
	char cmd[CMD_LEN];

	if (d->srv->stdin_dev == d && !d->ctl.waiting)
		d->srv->stdin_dev = NULL;
	if (d->ctl.waiting || !d->held[0])
		return;
	memcpy(cmd, d->held, sizeof(cmd));
	d->held[0] = '\0';
	xs_exec(d, cmd);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			return false;
	return true;
}

/* The frontend's test-cmd changed. */
void xs_command(struct xdev *d)
{
	char buf[CMD_LEN], reply[CMD_LEN + SEQ_LEN + 64];
	size_t n;

	if (xs_get(d->srv, d->fe, "test-cmd", buf, sizeof(buf)))
		return;
	n = strcspn(buf, " ");
	if (!n || n >= SEQ_LEN || !printable(buf))
		return;		/* not a command line: ignore */
	/* Already answered (a duplicate event, or an earlier backend)? */
	if (!xs_get(d->srv, d->fe, "test-reply", reply, sizeof(reply)) &&
	    !strncmp(reply, buf, n) && reply[n] == ' ')
		return;
	if (d->ctl.waiting) {
		memcpy(d->held, buf, sizeof(d->held));
		return;
	}
	xs_exec(d, buf);
}

/* ---- stdin --------------------------------------------------------------- */

void print_grants(struct srv *s, const char *prefix)
{
	if (s->o->hv)	/* pages lent with XEN_DMOP_lend_pages too */
		out_line("%sgrants shared=%lu mapped=%lu evtchns=%lu devices=%u lent=%lu",
			 prefix, s->shared, s->mapped, s->ports, s->nr_devs,
			 s->lent);
	else
		out_line("%sgrants shared=%lu mapped=%lu evtchns=%lu devices=%u",
			 prefix, s->shared, s->mapped, s->ports, s->nr_devs);
}

static const char *phase_name(enum phase p)
{
	static const char * const names[] = {
		"initwait", "connected", "closing", "closed",
	};

	return names[p];
}

static void print_devices(struct srv *s)
{
	char buf[LINE_LEN];
	size_t len;
	struct xdev *d;

	len = snprintf(buf, sizeof(buf), "ok devices %u", s->nr_devs);
	for (d = s->devs; d && len < sizeof(buf); d = d->next)
		len += snprintf(buf + len, sizeof(buf) - len, " %u/%u:%s",
				d->domid, d->devid, phase_name(d->phase));
	out_line("%s", buf);
}

/* Which device a bare command is for: the only one. */
static struct xdev *only_dev(struct srv *s)
{
	if (s->nr_devs != 1) {
		out_line("err %s: use dev DOMID DEVID COMMAND",
			 s->nr_devs ? "several devices" : "no device");
		return NULL;
	}
	return s->devs;
}

static void stdin_command(struct srv *s, char *line)
{
	unsigned int domid, devid;
	struct xdev *d;
	int n = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line)
		return;
	if (!strcmp(line, "grants")) {
		print_grants(s, "ok ");
	} else if (!strcmp(line, "devices")) {
		print_devices(s);
	} else if (!strcmp(line, "quit")) {
		out_line("ok quit");
		s->quit = true;
	} else if (!strncmp(line, "dev ", 4)) {
		if (sscanf(line, "dev %u %u %n", &domid, &devid, &n) != 2 ||
		    !n) {
			out_line("err usage: dev DOMID DEVID COMMAND");
			return;
		}
		d = dev_find(s, domid, devid);
		if (!d)
			out_line("err no device %u/%u", domid, devid);
		else if (!dev_run(d, OWNER_STDIN, line + n))
			s->stdin_dev = d;
	} else {
		d = only_dev(s);
		if (d && !dev_run(d, OWNER_STDIN, line))
			s->stdin_dev = d;
	}
}

void run_lines(struct srv *s)
{
	char *nl;
	size_t len;

	while (!s->stdin_dev && !s->quit &&
	       (nl = memchr(s->line, '\n', s->line_len))) {
		*nl = '\0';
		len = nl - s->line + 1;
		stdin_command(s, s->line);
		memmove(s->line, s->line + len, s->line_len - len);
		s->line_len -= len;
	}
	if (s->line_len == sizeof(s->line)) {
		out_line("err line too long");
		s->line_len = 0;
	}
}

void read_stdin(struct srv *s)
{
	ssize_t n = read(STDIN_FILENO, s->line + s->line_len,
			 sizeof(s->line) - s->line_len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		s->eof = true;	/* Xen mode goes on without stdin */
		if (s->line_len && s->line_len < sizeof(s->line))
			s->line[s->line_len++] = '\n';
		return;
	}
	s->line_len += n;
}
