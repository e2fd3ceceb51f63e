// SPDX-License-Identifier: GPL-2.0
/*
 * xen.c - Xen mode of the vxf backend: a xenbus backend in dom0 userspace
 *
 * One process serves every "vxf" device whose backend directory appears
 * under /local/domain/<self>/backend/vxf/<frontend-id>/<devid> (self is read
 * from the "domid" key). Per device, following vxfif.h:
 *
 *   discovered  write versions, max-ring-page-order, window-pages,
 *               window-cache, feature-superpage=0, feature-hv-fault=0 and
 *               state=InitWait (2)
 *   frontend Initialised (3)
 *               read version, ring-page-order, req-ring-ref%u,
 *               evt-ring-ref%u, event-channel; map the rings (gnttab), bind
 *               the event channel (evtchn); state=Connected (4); serve with
 *               proto.c, slot pages shared with gntshr, one page each
 *   frontend Closing (5) / Closed (6) / reloaded (Initialising while we are
 *   connected) / its directory or domain gone
 *               unbind, unmap the rings, unshare every page; Closing, then
 *               Closed and InitWait again for the next frontend; a device
 *               whose domain is gone is forgotten (state Closed)
 *
 * Hypervisor mode (--hv, on the patched Xen of xen/patches/): advertise
 * feature-hv-fault=1. A frontend that writes hv-window-gfn (vxfif.h) is
 * served in that mode: each MAP is answered by lending the slot pages
 * (gntshr pages, named to Xen by their grant references) at hv-window-gfn
 * + page with XEN_DMOP_lend_pages, through privcmd's DM_OP ioctl, and the
 * answer carries no references; "hv-revoke FIRST COUNT" takes pages back
 * with XEN_DMOP_revoke_pages (synchronous) and sends nothing on the event
 * ring; the content is copied back into the store as for a REVOKE. The
 * test channel's revoke and revoke-all do the same there (vxfif.h: no
 * REVOKE or RESET on the ring in that mode), and its reset fails. Every
 * lent page is revoked before its slot is unshared and when the device
 * disconnects, and a new connection revokes the whole window first (pages
 * a killed predecessor left lent). A frontend without hv-window-gfn gets
 * grant mode.
 *
 * Bad frontend values (missing keys, bad version or ring order, rings that
 * cannot be mapped, a broken ring) write "error" = "<errno> <message>" into
 * the backend directory and close that device only. A backend that finds
 * its own state Connected at start (a previous backend process died) makes
 * the frontend reconnect through Closing/Closed/InitWait: the frontend drops
 * the dead backend's pages and grants fresh rings. After three closes in a
 * row that never reached Connected the device stays Closed until its
 * frontend goes Initialising (1).
 *
 * Test control channel over xenstore (for tests running in the domU):
 *   the domU writes its frontend directory's key "test-cmd" = "SEQ COMMAND
 *   [ARGS]" (SEQ: 1 to 31 characters without blanks, different for each
 *   command); the backend runs COMMAND for that device and writes
 *   "test-reply" = "SEQ REPLY" into the same directory, REPLY being the
 *   line stdin would get (see main.c). Write the next command only after
 *   the reply with your SEQ came: a command arriving while a revoke/reset
 *   waits for the frontend is held (only the latest one). A command whose
 *   SEQ is already in test-reply is not run again (so a restarted backend
 *   does not replay the last one). Commands: revoke FIRST COUNT,
 *   revoke-all, reset, fail FIRST COUNT, unfail, delay US, hang on|off,
 *   storm US, flood N, violate-end, stats, peek PAGE WORD, poke PAGE
 *   WORD VALUE, and
 *     die      reply "SEQ ok die", then SIGKILL ourselves: no cleanup, as
 *              kill -9 (grants, mappings and xenstore state are left to the
 *              kernel and to the next backend)
 *   On a device that is not connected: "SEQ err not connected".
 *
 * Stdin (optional; EOF only stops reading it): "dev DOMID DEVID COMMAND"
 * runs COMMAND on that device, a bare COMMAND runs it on the only device
 * if there is exactly one; replies are the lines of loop mode. Also
 *   devices   ok devices N DOMID/DEVID:STATE... (STATE: initwait,
 *             connected, closing, closed)
 *   grants    ok grants shared=N mapped=N evtchns=N devices=N
 *             (pages shared with gntshr, ring pages mapped with gnttab,
 *             event channels bound, devices known; all 0 when clean;
 *             with --hv also lent=N, pages lent with the DM op now)
 *   quit      ok quit; close every device and exit
 * SIGUSR1 prints the grants line on stdout too, and --stats-on-exit prints
 * "exit grants shared=N mapped=N evtchns=N devices=N" after the teardown.
 *
 * The code: xen.c (this file) runs the main loop; xen_priv.h lists the
 * other files of Xen mode and what they share.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xen_priv.h"

#define MAX_SLEEP_US		1000000ULL

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

void info(struct srv *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o->quiet)
		return;
	va_start(ap, fmt);
	fputs("vxf-backend: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void out_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void service_all(struct srv *s)
{
	struct xdev *d, *next;

	for (d = s->devs; d; d = next) {
		next = d->next;
		if (!d->serving)
			continue;
		if (vxf_proto_service(&d->proto, now_us())) {
			dev_error(d, EPROTO, "ring protocol broken (%s)",
				  strerror(-d->proto.broken));
			dev_fail(d);
		}
		dev_unblock(d);
	}
}

static int timeout_ms(struct srv *s)
{
	uint64_t wake = UINT64_MAX, now = now_us(), w;
	struct xdev *d;

	for (d = s->devs; d; d = d->next) {
		if (!d->serving)
			continue;
		w = vxf_proto_next_wakeup(&d->proto);
		if (w < wake)
			wake = w;
	}
	w = wake <= now ? 0 : wake - now;
	if (w > MAX_SLEEP_US)
		w = MAX_SLEEP_US;
	return (int)((w + 999) / 1000);
}

static void handle_kick(struct xdev *d, short revents)
{
	int64_t kicks;

	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		dev_error(d, EIO, "event channel device reported an error");
		dev_fail(d);
		return;
	}
	kicks = xt_ack_kicks(&d->t);
	if (kicks < 0) {
		dev_error(d, (int)-kicks, "reading events: %s",
			  strerror((int)-kicks));
		dev_fail(d);
		return;
	}
	d->proto.stats.kicks_in += kicks;
}

/* One ppoll round; -1 if the xenstore connection broke. */
static int poll_once(struct srv *s, const sigset_t *mask)
{
	struct pollfd fds[MAX_DEVICES + 2];
	struct xdev *devs[MAX_DEVICES];
	unsigned int n = 0, nd = 0, i;
	struct timespec ts;
	struct xdev *d;
	int ms = timeout_ms(s), ret, in = -1;

	fds[n].fd = xs_fileno(s->xs);
	fds[n++].events = POLLIN;
	if (!s->eof && !s->stdin_dev) {
		in = n;
		fds[n].fd = STDIN_FILENO;
		fds[n++].events = POLLIN;
	}
	for (d = s->devs; d; d = d->next) {
		if (!d->serving)
			continue;
		devs[nd++] = d;
		fds[n].fd = xenevtchn_fd(d->xce);
		fds[n++].events = POLLIN;
	}
	for (i = 0; i < n; i++)
		fds[i].revents = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	ret = ppoll(fds, n, &ts, mask);
	if (ret < 0)
		return errno == EINTR ? 0 : (perror("vxf-backend: ppoll"), -1);
	/* Kicks first: watch events may forget devices. */
	for (i = 0; i < nd; i++)
		if (fds[n - nd + i].revents && devs[i]->serving)
			handle_kick(devs[i], fds[n - nd + i].revents);
	if (in >= 0 && fds[in].revents)
		read_stdin(s);
	if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
		fprintf(stderr, "vxf-backend: xenstore connection lost\n");
		return -1;
	}
	return fds[0].revents ? drain_watches(s) : 0;
}

static int srv_open(struct srv *s)
{
	uint64_t self;

	s->privcmd = -1;
	if (s->o->hv) {
		s->privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
		if (s->privcmd < 0) {
			fprintf(stderr, "vxf-backend: --hv: /dev/xen/privcmd: %s\n",
				strerror(errno));
			return -1;
		}
	}
	s->xs = xs_open(0);
	if (!s->xs) {
		fprintf(stderr, "vxf-backend: cannot reach xenstore: %s (is xenstored running, /proc/xen mounted?)\n",
			strerror(errno));
		return -1;
	}
	if (xs_get_uint(s, "domid", NULL, DOMID_FIRST_RESERVED - 1, &self))
		self = 0;	/* dom0 often has no "domid" key */
	s->self = (unsigned int)self;
	snprintf(s->root, sizeof(s->root), "/local/domain/%u/backend/vxf",
		 s->self);
	if (!xs_watch(s->xs, s->root, "be") ||
	    !xs_watch(s->xs, "@releaseDomain", "rel")) {
		fprintf(stderr, "vxf-backend: watching %s: %s\n", s->root,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void srv_close(struct srv *s)
{
	while (s->devs)
		dev_forget(s->devs);
	if (s->xs)
		xs_close(s->xs);
	if (s->privcmd >= 0)
		close(s->privcmd);
}

static void usr1_setup(sigset_t *mask, const sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	*mask = *waitmask;
	sigdelset(mask, SIGUSR1);
}

/**
 * vxf_xen_main() - serve every vxf frontend until quit or a signal
 * @o: options
 * @waitmask: signal mask for ppoll (SIGTERM, SIGINT unblocked)
 * @got_signal: set by the SIGTERM/SIGINT handler
 *
 * Return: exit status: 0 on quit or a signal, 1 on a setup error, 2 if the
 * xenstore connection broke.
 */
int vxf_xen_main(const struct vxf_xen_opts *o, const sigset_t *waitmask,
		 volatile sig_atomic_t *got_signal)
{
	static struct srv s;
	sigset_t mask;
	int status = 0;

	s.o = o;
	usr1_setup(&mask, waitmask);
	if (srv_open(&s)) {
		srv_close(&s);
		return 1;
	}
	out_line("ready xen domid=%u dir=%s pages=%" PRIu64, s.self, s.root,
		 o->window_pages);
	while (!s.quit && !*got_signal) {
		service_all(&s);
		run_lines(&s);
		if (got_usr1) {
			got_usr1 = 0;
			print_grants(&s, "");
		}
		if (s.quit || *got_signal)
			break;
		if (poll_once(&s, &mask)) {
			status = 2;
			break;
		}
	}
	srv_close(&s);
	if (o->stats_on_exit)
		print_grants(&s, "exit ");
	return status;
}
