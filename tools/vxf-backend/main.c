// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - vxf-backend: reference backend of virtio-xen-fault
 *
 * The other end of the vxf rings: serves MAP/UNMAP, sends REVOKE/RESET,
 * keeps the window's content (see vxf_pattern.h). Loop mode
 * (/dev/vxf-loop, loop.c) and Xen mode (xen.c, vxf-backend-xen only); the
 * protocol (proto.c), the content (store.c) and the control commands
 * (ctl.c) know nothing of the transport.
 *
 * Usage:
 *   vxf-backend --loop [--index N] [--pages N] [--map-pages N]
 *               [--ring-order N] [--cache wb|wc|uc] [--timeout-ms N]
 *               [--delay-us N] [--fail FIRST:COUNT]... [--no-answer]
 *               [--decline-prefetch N]
 *               [--storm-us N] [--seed N] [--slots N] [--quiet]
 *               [--hv] [--superpages [--huge-slots N]] [--vgpu]
 *               [--revoke-deadline-ms N]
 *   vxf-backend --loop --hostile [--seed N] [--messages N] [--rate N]
 *               [--index N] [--pages N] [--map-pages N] [--ring-order N]
 *               [--cache wb|wc|uc] [--timeout-ms N] [--hv] [--quiet]
 *   vxf-backend-xen --xen [--pages N] [--cache wb|wc|uc] [--ring-order N]
 *               [--delay-us N] [--fail FIRST:COUNT]... [--no-answer]
 *               [--storm-us N] [--seed N] [--slots N] [--quiet]
 *               [--stats-on-exit] [--revoke-deadline-ms N]
 *               [--violate bad-id|bad-nr-refs|bad-ref-order|storm]
 *
 * Xen mode serves every vxf device under this domain's backend/vxf; its
 * stdin commands, its xenstore test channel and its life cycle are
 * documented at the top of xen.c. The loop mode text below holds for it
 * per device.
 *
 * Once connected it prints "ready index=N dev=/dev/vxfN pages=P" and reads
 * line commands on stdin, each answered by exactly one line on stdout
 * starting with "ok" or "err <reason>":
 *
 *   revoke FIRST COUNT    ok revoke status=S pages=P | err revoke timeout
 *                         (REVOKE with deadline_us 2000000; P = pages that
 *                         had a slot and were migrated back, 0 if S != 0;
 *                         in hypervisor mode on Xen, through the hypervisor
 *                         as hv-revoke, S = 0, with no REVOKE on the ring)
 *   revoke-all            the same for the whole window
 *   reset                 ok reset status=S | err reset timeout (err in
 *                         hypervisor mode on Xen: no RESET there)
 *   fail FIRST COUNT      ok (MAPs overlapping it get -XEN_EIO)
 *   unfail                ok (no fail range left)
 *   delay US              ok (MAPs arriving from now on wait US)
 *   hang on|off           ok (stop / resume answering MAPs)
 *   storm US              ok (revoke a random range every US; 0 stops;
 *                         in hypervisor mode on Xen, through the hypervisor)
 *   flood N               ok flood pushed=K (K <= N one-page REVOKEs of
 *                         pages 0, 1, ... pushed at once, one kick)
 *   stats                 ok stats maps=N map_pages=N map_errors=N
 *                         revokes=N revoke_done=N revoked_pages=N resets=N
 *                         unmaps=N kicks_in=N kicks_out=N granted=N
 *                         bad_requests=N declined=N hv_revoked_pages=N
 *   peek PAGE WORD        ok peek 0x<16 hex digits>
 *   poke PAGE WORD VALUE  ok
 *   violate-end           ok violate-end: end a --violate storm (Xen
 *                         mode; violate.c), err if none goes on
 *   quit                  ok quit (EOF, SIGTERM and SIGINT quit too)
 *
 * Numbers may be decimal or 0x-prefixed hex. A command that waits for the
 * frontend (revoke, revoke-all, reset) holds back the commands after it
 * until it is answered, so replies always come in command order; MAP
 * service goes on meanwhile. Blank lines get no answer.
 *
 * Exit status: 0 after quit, EOF on stdin, SIGTERM or SIGINT; 1 for a
 * usage or setup error; 2 if the frontend or the loop device broke.
 *
 * --hostile (loop mode) is a compromised backend instead (hostile.c): it
 * prints the same ready line, reads no commands, sends --messages ring
 * messages of every kind a frontend must survive or disconnect for,
 * reconnecting after each disconnect, prints one "hostile: ..." summary
 * line and exits 0 (1: setup error; 2: the loop device or the frontend
 * misbehaved).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/vxf.h>

#include "ctl.h"
#include "hostile.h"
#include "proto.h"
#include "store.h"
#include "transport.h"
#include "violate.h"
#include "vxf_pattern.h"
#ifdef VXF_HAVE_XEN
#include "xen.h"
#endif

#define LINE_MAX_LEN		4096
#define MAX_SLEEP_US		1000000ULL
#define DEFAULT_PAGES		1024
#define EXTRA_SLOTS		64
#define MAX_DEFAULT_SLOTS	(65536 + EXTRA_SLOTS)
#define MAX_DEFAULT_HUGE	256	/* 512 MiB of huge slots */

/**
 * struct backend - the whole program's state
 * @params: what to ask the transport for
 * @nr_slots: slot pool size, 0 for the default
 * @nr_huge: huge slot pool size (superpages), 0 for the default
 * @huge_set: --huge-slots was given
 * @delay_us: initial MAP answer delay
 * @storm_us: initial revoke storm period
 * @seed: randomness seed
 * @no_answer: start with MAP answers hung
 * @decline_prefetch: decline every Nth PREFETCH MAP (0: never)
 * @quiet: no informational messages on stderr
 * @xen: Xen mode (--xen) instead of loop mode
 * @stats_on_exit: Xen mode: print the grant counters when exiting
 * @ring_order_set: --ring-order was given
 * @hostile: --hostile: be a compromised backend (hostile.c)
 * @messages: --hostile: ring messages to send
 * @messages_set: --messages was given
 * @rate: --hostile: messages per second
 * @rate_set: --rate was given
 * @violate_set: --violate was given (violate.c keeps the kind)
 * @fail: initial fail ranges
 * @nr_fail: entries of @fail
 * @t: transport
 * @rings: connected rings
 * @store: content
 * @proto: protocol
 * @ctl: control channel state (ctl.quit: leave the main loop)
 * @eof: stdin is closed
 * @line: unprocessed input from stdin
 * @line_len: bytes in @line
 */
struct backend {
	struct vxf_transport_params params;
	uint32_t nr_slots;
	uint32_t nr_huge;
	bool huge_set;
	uint64_t delay_us;
	uint64_t storm_us;
	uint64_t seed;
	bool no_answer;
	uint64_t decline_prefetch;
	bool quiet;
	bool xen;
	bool stats_on_exit;
	bool ring_order_set;
	bool hostile;
	uint64_t messages;
	bool messages_set;
	uint64_t rate;
	bool rate_set;
	bool violate_set;
	struct vxf_range fail[VXF_MAX_FAIL_RANGES];
	unsigned int nr_fail;

	struct vxf_transport t;
	struct vxf_transport_rings rings;
	struct vxf_store store;
	struct vxf_proto proto;

	struct vxf_ctl ctl;
	bool eof;
	char line[LINE_MAX_LEN];
	size_t line_len;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vxf-backend --loop [options]\n"
"       vxf-backend-xen --xen [options]\n"
"  Reference backend of virtio-xen-fault.\n"
"options:\n"
"  --loop               loop mode: use /dev/vxf-loop\n"
"  --xen                Xen mode (vxf-backend-xen, in dom0): serve every\n"
"                       device under /local/domain/<self>/backend/vxf over\n"
"                       xenstore, gnttab/gntshr and evtchn; --pages,\n"
"                       --cache, --slots and the knobs apply to each device;\n"
"                       --ring-order is the largest order accepted\n"
"                       (default 4); EOF on stdin does not stop it\n"
"  --stats-on-exit      Xen mode: print 'exit grants shared=N mapped=N\n"
"                       evtchns=N devices=N' after closing every device\n"
"  --violate KIND       Xen mode, for tests: break the protocol once, at\n"
"                       the first MAP of any device, then leave that\n"
"                       device Closed once its frontend closed. KIND:\n"
"                       bad-id (an answer under an id no request carries),\n"
"                       bad-nr-refs (one reference more than asked for),\n"
"                       bad-ref-order (order-1 references), storm (hold\n"
"                       the MAP, keep the event ring full and notify in a\n"
"                       tight loop until 'violate-end', then send an\n"
"                       event of unknown type); see violate.c\n"
"  --index N            reattach to /dev/vxfN (default: create a window)\n"
"  --pages N            window size in pages (default 1024; when\n"
"                       reattaching, default: the window's size)\n"
"  --map-pages N        pages per MAP, passed to CONNECT (0: default)\n"
"  --ring-order N       rings are 2^N pages (default 0)\n"
"  --cache wb|wc|uc     window memory type (default wb)\n"
"  --timeout-ms N       frontend fault timeout (0: module default)\n"
"  --delay-us N         answer each MAP N us after it arrived\n"
"  --fail FIRST:COUNT   MAPs overlapping the range get -XEN_EIO (repeat)\n"
"  --no-answer          do not answer MAPs (as 'hang on')\n"
"  --decline-prefetch N decline every Nth MAP flagged PREFETCH with\n"
"                       -XEN_EAGAIN (vxfif.h allows it; loop mode)\n"
"  --hv                 loop mode: hypervisor mode, played by the loop\n"
"                       device (VXF_LOOP_F_HV): hv-revoke takes pages away\n"
"                       with no message to the frontend, which learns of\n"
"                       it from fault records on its next access;\n"
"                       Xen mode: offer feature-hv-fault=1 (the patched\n"
"                       Xen of xen/patches/): a frontend that writes\n"
"                       hv-window-gfn gets its MAPs answered by lending\n"
"                       pages at those frames (XEN_DMOP_lend_pages), and\n"
"                       hv-revoke takes them back (XEN_DMOP_revoke_pages)\n"
"  --superpages         loop mode: 2 MiB superpages (VXF_LOOP_F_SUPERPAGE):\n"
"                       a MAP of a whole aligned 512-page block is answered\n"
"                       with one order-9 reference to a THP-backed huge\n"
"                       slot; any reclaim of one of its pages reclaims the\n"
"                       block (needs transparent huge pages)\n"
"  --vgpu               loop mode: the window stands for virtio-gpu's\n"
"                       host-visible region (VXF_LOOP_F_VGPU), bound to\n"
"                       its device, its size (default), page N lent as\n"
"                       frame N of the region: revokes zap the mappings,\n"
"                       the next MAP lends the same frame, nothing is\n"
"                       copied (peek and poke do not see the frames)\n"
"  --huge-slots N       huge slot pool size (default: the window's whole\n"
"                       2 MiB blocks, at most 256)\n"
"  --storm-us N         revoke a random range every N us\n"
"  --revoke-deadline-ms N  how long a REVOKE or RESET waits for its answer\n"
"                       before 'err ... timeout' (default 2000; a\n"
"                       loaded machine's nested emulation needs more)\n"
"  --seed N             seed of all randomness (default 1)\n"
"  --slots N            page slot pool size (default pages + 64,\n"
"                       at most 65600)\n"
"  --quiet              no informational messages on stderr\n"
"  --hostile            loop mode: a compromised backend (for fuzzing the\n"
"                       frontend): seeded by --seed, sends --messages ring\n"
"                       messages (valid, failed, garbage and late MAP\n"
"                       answers, revoke storms, bad revokes, resets, and\n"
"                       about 1 in 500 protocol violations after which it\n"
"                       reconnects), reads no commands, prints one line\n"
"                       'hostile: seed=S messages=N ...' and exits;\n"
"                       --map-pages defaults to 4; takes --index, --pages,\n"
"                       --ring-order, --cache, --timeout-ms, --hv, --quiet\n"
"  --messages N         --hostile: ring messages to send (default 1000000)\n"
"  --rate N             --hostile: at most N messages a second (default\n"
"                       10000; 0: no limit)\n"
"  --help               this text\n"
"  --version            print the version and exit\n"
"stdout: 'ready index=N dev=/dev/vxfN pages=P' once connected, then one\n"
"line per command, 'ok ...' or 'err <reason>'. Commands on stdin:\n"
"  revoke FIRST COUNT   -> ok revoke status=S pages=P | err revoke timeout\n"
"  revoke-all           -> the same for the whole window\n"
"  reset                -> ok reset status=S | err reset timeout\n"
"  fail FIRST COUNT | unfail | delay US | hang on|off | storm US  -> ok\n"
"  flood N              -> ok flood pushed=K (one-page REVOKEs at once)\n"
"  stats                -> ok stats maps=N map_pages=N map_errors=N\n"
"                          revokes=N revoke_done=N revoked_pages=N\n"
"                          resets=N unmaps=N kicks_in=N kicks_out=N\n"
"                          granted=N bad_requests=N declined=N\n"
"                          hv_revoked_pages=N\n"
"                          [fe_faults=N\n"
"                          fe_maps=N fe_revokes=N fe_mapped_pages=N:\n"
"                          the window's counters, loop mode]\n"
"  peek PAGE WORD       -> ok peek 0x<16 hex digits>\n"
"  poke PAGE WORD VALUE -> ok\n"
"  hv-revoke FIRST COUNT -> ok hv-revoke pages=P (--hv)\n"
"  hv-inject SEQ GFN WINDOW VCPU ACCESS [COUNT] -> ok hv-inject written=W\n"
"                       (--hv: raw fault records, for tests)\n"
"  hv-corrupt -> ok hv-corrupt\n"
"                       (--hv: the report area's producer index made\n"
"                       impossible, for tests)\n"
"  quit                 -> ok quit (also EOF, SIGTERM, SIGINT)\n"
"exit: 0 quit, 1 usage/setup error, 2 frontend or device broke\n"
"Xen mode: stdout 'ready xen domid=D dir=PATH pages=P'; stdin commands\n"
"  are the above, prefixed 'dev DOMID DEVID ' (bare: the only device), plus\n"
"  'devices', 'grants' (ok grants shared=N mapped=N evtchns=N devices=N;\n"
"  also on SIGUSR1) and 'quit'. Test channel for tests in a domU: write\n"
"  'SEQ COMMAND' to device/vxf/DEVID/test-cmd, read 'SEQ REPLY' from\n"
"  device/vxf/DEVID/test-reply; COMMAND is one of the above or 'die'\n"
"  (SIGKILL the backend, no cleanup). Details: top of xen.c.\n"
"  Each device shares at most --slots pages at once (default pages + 64;\n"
"  dom0's xen-gntalloc 'limit' parameter caps all of them, default 1024).\n");
}

/* ---- replies ----------------------------------------------------------- */

static void reply_stdout(void *ctx, const char *line)
{
	struct backend *b = ctx;

	printf("%s\n", line);
	if (fflush(stdout) || ferror(stdout)) {
		if (!b->quiet)
			fprintf(stderr, "vxf-backend: stdout closed, quitting\n");
		b->ctl.quit = true;
	}
}

static void on_evt_done(void *ctx, const struct vxf_proto_done *d)
{
	struct backend *b = ctx;

	vxf_ctl_evt_done(&b->ctl, d);
}

/* ---- control commands -------------------------------------------------- */

/* Run the complete lines in the input buffer, stopping at a waiting one. */
static void run_lines(struct backend *b)
{
	char *nl;
	size_t len;

	while (!b->ctl.waiting && !b->ctl.quit &&
	       (nl = memchr(b->line, '\n', b->line_len))) {
		*nl = '\0';
		len = nl - b->line + 1;
		vxf_ctl_run(&b->ctl, b->line, now_us());
		memmove(b->line, b->line + len, b->line_len - len);
		b->line_len -= len;
	}
	if (b->line_len == sizeof(b->line)) {
		vxf_ctl_replyf(&b->ctl, "err line too long");
		b->line_len = 0;
	}
}

static void read_stdin(struct backend *b)
{
	ssize_t n;

	n = read(STDIN_FILENO, b->line + b->line_len,
		 sizeof(b->line) - b->line_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		b->eof = true;
		/* A last line without a newline is still a command. */
		if (b->line_len && b->line_len < sizeof(b->line))
			b->line[b->line_len++] = '\n';
		return;
	}
	b->line_len += n;
}

/* ---- main loop --------------------------------------------------------- */

static int handle_kick(struct backend *b, short revents)
{
	int64_t kicks;

	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		fprintf(stderr, "vxf-backend: %s device reported an error\n",
			b->t.ops->name);
		return -EIO;
	}
	if (!(revents & POLLIN))
		return 0;
	kicks = b->t.ops->ack_kicks(&b->t);
	if (kicks < 0) {
		fprintf(stderr, "vxf-backend: reading kicks: %s\n",
			strerror((int)-kicks));
		return (int)kicks;
	}
	b->proto.stats.kicks_in += kicks;
	return 0;
}

static struct timespec sleep_time(struct backend *b, uint64_t now)
{
	uint64_t wake = vxf_proto_next_wakeup(&b->proto), us;
	struct timespec ts;

	us = wake <= now ? 0 : wake - now;
	if (us > MAX_SLEEP_US)
		us = MAX_SLEEP_US;
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	return ts;
}

static bool done_reading(struct backend *b)
{
	return b->ctl.quit || got_signal ||
	       (b->eof && !b->ctl.waiting && !memchr(b->line, '\n', b->line_len));
}

/* Returns 0 on a clean quit, 2 if the frontend or the device broke. */
static int serve(struct backend *b, const sigset_t *waitmask)
{
	struct pollfd fds[2];
	struct timespec ts;
	nfds_t nfds;
	int ret;

	for (;;) {
		if (vxf_proto_service(&b->proto, now_us()))
			return 2;
		run_lines(b);
		if (done_reading(b))
			return 0;
		ts = sleep_time(b, now_us());
		fds[0].fd = b->t.ops->kick_fd(&b->t);
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		fds[1].fd = STDIN_FILENO;
		fds[1].events = POLLIN;
		fds[1].revents = 0;
		nfds = b->eof || b->ctl.waiting ? 1 : 2;
		ret = ppoll(fds, nfds, &ts, waitmask);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			perror("vxf-backend: ppoll");
			return 2;
		}
		if (handle_kick(b, fds[0].revents))
			return 2;
		if (nfds == 2 && fds[1].revents)
			read_stdin(b);
	}
}

/* ---- setup ------------------------------------------------------------- */

enum {
	OPT_LOOP = 256, OPT_INDEX, OPT_PAGES, OPT_MAP_PAGES, OPT_RING_ORDER,
	OPT_CACHE, OPT_TIMEOUT, OPT_DELAY, OPT_FAIL, OPT_NO_ANSWER,
	OPT_STORM, OPT_SEED, OPT_SLOTS, OPT_QUIET, OPT_HELP, OPT_XEN,
	OPT_HV,
	OPT_STATS_ON_EXIT, OPT_SUPERPAGES, OPT_HUGE_SLOTS, OPT_HOSTILE,
	OPT_MESSAGES, OPT_RATE, OPT_VERSION, OPT_DECLINE_PREFETCH,
	OPT_REVOKE_DEADLINE, OPT_VIOLATE, OPT_VGPU,
};

static const struct option long_opts[] = {
	{ "loop", no_argument, NULL, OPT_LOOP },
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "map-pages", required_argument, NULL, OPT_MAP_PAGES },
	{ "ring-order", required_argument, NULL, OPT_RING_ORDER },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
	{ "delay-us", required_argument, NULL, OPT_DELAY },
	{ "fail", required_argument, NULL, OPT_FAIL },
	{ "no-answer", no_argument, NULL, OPT_NO_ANSWER },
	{ "decline-prefetch", required_argument, NULL, OPT_DECLINE_PREFETCH },
	{ "hv", no_argument, NULL, OPT_HV },
	{ "vgpu", no_argument, NULL, OPT_VGPU },
	{ "storm-us", required_argument, NULL, OPT_STORM },
	{ "revoke-deadline-ms", required_argument, NULL, OPT_REVOKE_DEADLINE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "slots", required_argument, NULL, OPT_SLOTS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "xen", no_argument, NULL, OPT_XEN },
	{ "stats-on-exit", no_argument, NULL, OPT_STATS_ON_EXIT },
	{ "superpages", no_argument, NULL, OPT_SUPERPAGES },
	{ "huge-slots", required_argument, NULL, OPT_HUGE_SLOTS },
	{ "hostile", no_argument, NULL, OPT_HOSTILE },
	{ "messages", required_argument, NULL, OPT_MESSAGES },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "violate", required_argument, NULL, OPT_VIOLATE },
	{ NULL, 0, NULL, 0 },
};

static int parse_cache(const char *s, unsigned int *cache)
{
	if (!strcmp(s, "wb"))
		*cache = VXF_CACHE_WB;
	else if (!strcmp(s, "wc"))
		*cache = VXF_CACHE_WC;
	else if (!strcmp(s, "uc"))
		*cache = VXF_CACHE_UC;
	else
		return -1;
	return 0;
}

static int parse_fail(struct backend *b, const char *s)
{
	char buf[64], *colon;
	uint64_t first, count;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (!colon || b->nr_fail >= VXF_MAX_FAIL_RANGES)
		return -1;
	*colon = '\0';
	if (vxf_ctl_parse_u64(buf, &first) || vxf_ctl_parse_u64(colon + 1, &count) || !count)
		return -1;
	b->fail[b->nr_fail].first = first;
	b->fail[b->nr_fail].count = count;
	b->nr_fail++;
	return 0;
}

static int parse_num(const char *opt, const char *s, uint64_t max,
		     uint64_t *v)
{
	if (vxf_ctl_parse_u64(s, v) || *v > max) {
		fprintf(stderr, "vxf-backend: bad value for --%s: %s\n", opt,
			s);
		return -1;
	}
	return 0;
}

static int parse_opt(struct backend *b, int opt, const char *arg,
		     bool *loop, bool *pages_set)
{
	uint64_t v;

	switch (opt) {
	case OPT_LOOP:
		*loop = true;
		return 0;
	case OPT_INDEX:
		if (parse_num("index", arg, INT32_MAX, &v))
			return -1;
		b->params.index = (int)v;
		return 0;
	case OPT_PAGES:
		if (parse_num("pages", arg, XENVXF_MAX_WINDOW_PAGES, &v) || !v)
			return -1;
		b->params.window_pages = v;
		*pages_set = true;
		return 0;
	case OPT_MAP_PAGES:
		if (parse_num("map-pages", arg, XENVXF_MAX_MAP_PAGES, &v))
			return -1;
		b->params.map_pages = v;
		return 0;
	case OPT_RING_ORDER:
		if (parse_num("ring-order", arg, XENVXF_MAX_RING_PAGE_ORDER,
			      &v))
			return -1;
		b->params.ring_order = v;
		b->ring_order_set = true;
		return 0;
	case OPT_CACHE:
		if (parse_cache(arg, &b->params.cache)) {
			fprintf(stderr, "vxf-backend: bad --cache: %s\n", arg);
			return -1;
		}
		return 0;
	case OPT_TIMEOUT:
		if (parse_num("timeout-ms", arg, UINT32_MAX, &v))
			return -1;
		b->params.fault_timeout_ms = v;
		return 0;
	case OPT_DELAY:
		return parse_num("delay-us", arg, UINT32_MAX, &b->delay_us);
	case OPT_REVOKE_DEADLINE:
		/* (sent in microseconds in a 32-bit field) */
		if (parse_num("revoke-deadline-ms", arg, UINT32_MAX / 1000, &v))
			return -1;
		if (!v) {
			fprintf(stderr, "vxf-backend: --revoke-deadline-ms must be > 0\n");
			return -1;
		}
		vxf_revoke_deadline_us = v * 1000;
		return 0;
	case OPT_FAIL:
		if (parse_fail(b, arg)) {
			fprintf(stderr, "vxf-backend: bad --fail: %s\n", arg);
			return -1;
		}
		return 0;
	case OPT_HV:
		b->params.flags |= VXF_LOOP_F_HV;
		return 0;
	case OPT_SUPERPAGES:
		b->params.flags |= VXF_LOOP_F_SUPERPAGE;
		return 0;
	case OPT_VGPU:
		b->params.flags |= VXF_LOOP_F_VGPU;
		return 0;
	case OPT_HUGE_SLOTS:
		if (parse_num("huge-slots", arg, 65536, &v))
			return -1;
		b->nr_huge = v;
		b->huge_set = true;
		return 0;
	case OPT_NO_ANSWER:
		b->no_answer = true;
		return 0;
	case OPT_DECLINE_PREFETCH:
		return parse_num("decline-prefetch", arg, UINT32_MAX,
				 &b->decline_prefetch);
	case OPT_STORM:
		return parse_num("storm-us", arg, UINT32_MAX, &b->storm_us);
	case OPT_SEED:
		return parse_num("seed", arg, UINT64_MAX, &b->seed);
	case OPT_SLOTS:
		if (parse_num("slots", arg, UINT32_MAX / 2, &v) || !v)
			return -1;
		b->nr_slots = v;
		return 0;
	case OPT_QUIET:
		b->quiet = true;
		return 0;
	case OPT_HELP:
		usage(stdout);
		exit(0);
	case OPT_VERSION:
#ifdef VXF_HAVE_XEN
		printf("vxf-backend-xen %s\n", VXF_VERSION);
#else
		printf("vxf-backend %s\n", VXF_VERSION);
#endif
		exit(0);
	case OPT_XEN:
		b->xen = true;
		return 0;
	case OPT_STATS_ON_EXIT:
		b->stats_on_exit = true;
		return 0;
	case OPT_HOSTILE:
		b->hostile = true;
		return 0;
	case OPT_MESSAGES:
		if (parse_num("messages", arg, UINT64_MAX, &b->messages))
			return -1;
		b->messages_set = true;
		return 0;
	case OPT_RATE:
		if (parse_num("rate", arg, UINT32_MAX, &b->rate))
			return -1;
		b->rate_set = true;
		return 0;
	case OPT_VIOLATE:
		if (vxf_violate_set(arg)) {
			fprintf(stderr, "vxf-backend: --violate takes one of %s\n",
				VXF_VIOLATE_NAMES);
			return -1;
		}
		b->violate_set = true;
		return 0;
	}
	usage(stderr);
	return -1;
}

/* Options that mean nothing in Xen mode, and the Xen defaults. */
static int check_xen_args(struct backend *b)
{
#ifdef VXF_HAVE_XEN
	if (b->params.index >= 0 || b->params.map_pages ||
	    b->params.fault_timeout_ms) {
		fprintf(stderr, "vxf-backend: --index, --map-pages and --timeout-ms are loop mode only\n");
		return -1;
	}
	if ((b->params.flags & VXF_LOOP_F_SUPERPAGE) || b->huge_set) {
		fprintf(stderr, "vxf-backend: --superpages is loop mode only (feature-superpage=0 over Xen)\n");
		return -1;
	}
	if (!b->ring_order_set)
		b->params.ring_order = XENVXF_MAX_RING_PAGE_ORDER;
	return 0;
#else
	(void)b;
	fprintf(stderr, "vxf-backend: built without Xen support: use vxf-backend-xen\n");
	return -1;
#endif
}

static int parse_args(struct backend *b, int argc, char **argv)
{
	bool loop = false, pages_set = false;
	int opt;

	b->params.index = -1;
	b->params.window_pages = DEFAULT_PAGES;
	b->seed = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if (parse_opt(b, opt, optarg, &loop, &pages_set))
			return -1;
	if (optind < argc) {
		fprintf(stderr, "vxf-backend: stray argument: %s\n",
			argv[optind]);
		return -1;
	}
	if (loop == b->xen) {
		fprintf(stderr, "vxf-backend: give one of --loop and --xen\n");
		return -1;
	}
	if ((b->messages_set || b->rate_set) && !b->hostile) {
		fprintf(stderr, "vxf-backend: --messages and --rate need --hostile\n");
		return -1;
	}
	if (b->hostile && (b->xen || b->delay_us || b->nr_fail ||
			   b->no_answer || b->storm_us || b->nr_slots ||
			   b->huge_set || b->stats_on_exit ||
			   (b->params.flags & VXF_LOOP_F_SUPERPAGE))) {
		fprintf(stderr, "vxf-backend: --hostile is loop mode, without the knobs of the reference backend\n");
		return -1;
	}
	if (b->violate_set && !b->xen) {
		fprintf(stderr, "vxf-backend: --violate is Xen mode only\n");
		return -1;
	}
	if ((b->params.flags & VXF_LOOP_F_VGPU) &&
	    (b->xen || b->hostile || b->params.index >= 0 ||
	     (b->params.flags & VXF_LOOP_F_SUPERPAGE))) {
		fprintf(stderr, "vxf-backend: --vgpu is loop mode, for a new window without superpages\n");
		return -1;
	}
	if (b->xen)
		return check_xen_args(b);
	if ((b->params.flags & VXF_LOOP_F_VGPU) && !pages_set)
		b->params.window_pages = 0;	/* the region's size */
	if (b->params.index >= 0 && !pages_set)
		b->params.window_pages = 0;	/* the window's own size */
	return 0;
}

static uint32_t default_slots(uint64_t window_pages)
{
	uint64_t n = window_pages + EXTRA_SLOTS;

	return n > MAX_DEFAULT_SLOTS ? MAX_DEFAULT_SLOTS : (uint32_t)n;
}

static uint32_t default_huge_slots(uint64_t window_pages)
{
	uint64_t n = window_pages / XENVXF_SUPERPAGE_PAGES;

	return n > MAX_DEFAULT_HUGE ? MAX_DEFAULT_HUGE : (uint32_t)n;
}

static int setup(struct backend *b)
{
	unsigned int i;
	int ret;

	if (vxf_loop_transport_init(&b->t)) {
		fprintf(stderr, "vxf-backend: out of memory\n");
		return -1;
	}
	ret = b->t.ops->connect(&b->t, &b->params, &b->rings);
	if (ret)
		goto err_destroy;
	if (!b->nr_slots)
		b->nr_slots = default_slots(b->rings.window_pages);
	ret = vxf_store_init(&b->store, &b->t, b->rings.window_pages,
			     b->nr_slots);
	if (ret) {
		fprintf(stderr, "vxf-backend: cannot allocate %" PRIu64
			" pages of content and %u slots\n",
			b->rings.window_pages, b->nr_slots);
		goto err_disconnect;
	}
	if (b->rings.flags & VXF_LOOP_F_VGPU) {
		ret = vxf_store_init_fixed(&b->store);
		if (ret) {
			fprintf(stderr, "vxf-backend: cannot lend the host-visible region's %" PRIu64 " frames: %s\n",
				b->rings.window_pages, strerror(-ret));
			goto err_store;
		}
	}
	if (b->rings.flags & VXF_LOOP_F_SUPERPAGE) {
		if (!b->huge_set)
			b->nr_huge = default_huge_slots(b->rings.window_pages);
		ret = vxf_store_init_huge(&b->store, b->nr_huge);
		if (ret) {
			fprintf(stderr, "vxf-backend: cannot set up %u huge slots: %s\n",
				b->nr_huge, strerror(-ret));
			goto err_store;
		}
	}
	ret = vxf_proto_init(&b->proto, &b->t, &b->store, &b->rings, b->seed,
			     on_evt_done, b);
	if (ret) {
		fprintf(stderr, "vxf-backend: out of memory\n");
		goto err_store;
	}
	b->proto.superpage = b->rings.flags & VXF_LOOP_F_SUPERPAGE;
	b->ctl.proto = &b->proto;
	b->ctl.store = &b->store;
	b->ctl.reply = reply_stdout;
	b->ctl.reply_ctx = b;
	b->proto.delay_us = b->delay_us;
	b->proto.hang = b->no_answer;
	b->proto.decline_prefetch = b->decline_prefetch;
	for (i = 0; i < b->nr_fail; i++)
		vxf_proto_fail_add(&b->proto, b->fail[i].first,
				   b->fail[i].count);
	vxf_proto_set_storm(&b->proto, b->storm_us, now_us());
	return 0;

err_store:
	vxf_store_fini(&b->store);
err_disconnect:
	b->t.ops->disconnect(&b->t);
err_destroy:
	b->t.ops->destroy(&b->t);
	return -1;
}

static void teardown(struct backend *b)
{
	vxf_proto_fini(&b->proto);
	vxf_store_fini(&b->store);
	b->t.ops->disconnect(&b->t);
	b->t.ops->destroy(&b->t);
}

static void setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

static int run_hostile(struct backend *b, const sigset_t *waitmask)
{
	struct vxf_hostile_opts o = {
		.params = b->params,
		.seed = b->seed,
		.messages = b->messages_set ? b->messages :
					      VXF_HOSTILE_DEFAULT_MESSAGES,
		.rate = b->rate_set ? b->rate : VXF_HOSTILE_DEFAULT_RATE,
		.quiet = b->quiet,
	};

	if (!o.params.map_pages)
		o.params.map_pages = VXF_HOSTILE_DEFAULT_MAP_PAGES;
	/* No ppoll() there: take SIGTERM and SIGINT at any time. */
	sigprocmask(SIG_SETMASK, waitmask, NULL);
	return vxf_hostile_main(&o, &got_signal);
}

static int run_xen(struct backend *b, const sigset_t *waitmask)
{
#ifdef VXF_HAVE_XEN
	struct vxf_xen_opts o = {
		.window_pages = b->params.window_pages,
		.cache = b->params.cache,
		.max_ring_order = b->params.ring_order,
		.nr_slots = b->nr_slots,
		.delay_us = b->delay_us,
		.storm_us = b->storm_us,
		.seed = b->seed,
		.no_answer = b->no_answer,
		.quiet = b->quiet,
		.stats_on_exit = b->stats_on_exit,
		.fail = b->fail,
		.nr_fail = b->nr_fail,
		.hv = b->params.flags & VXF_LOOP_F_HV,
	};

	return vxf_xen_main(&o, waitmask, &got_signal);
#else
	(void)b;
	(void)waitmask;
	return 1;
#endif
}

int main(int argc, char **argv)
{
	static struct backend b;
	sigset_t waitmask;
	int status;

	if (parse_args(&b, argc, argv))
		return 1;
	setup_signals(&waitmask);
	if (b.xen)
		return run_xen(&b, &waitmask);
	if (b.hostile)
		return run_hostile(&b, &waitmask);
	if (setup(&b))
		return 1;
	printf("ready index=%d dev=%s pages=%" PRIu64 "\n", b.rings.index,
	       b.rings.dev, b.rings.window_pages);
	fflush(stdout);
	if (!b.quiet)
		fprintf(stderr, "vxf-backend: serving %s, %u slots, %u huge slots\n",
			b.rings.dev, b.nr_slots, b.store.nr_huge);
	status = serve(&b, &waitmask);
	if (status)
		fprintf(stderr, "vxf-backend: giving up on %s\n", b.rings.dev);
	teardown(&b);
	return status;
}
