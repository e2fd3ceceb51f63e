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
 * ring; the content is copied back into the store as for a REVOKE. Every
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
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vxf.h>

/* First: proto.h sets the interface version that ring.h needs. */
#include "ctl.h"
#include "proto.h"
#include "store.h"
#include "transport.h"
#include "violate.h"
#include "xen.h"

#include <sys/ioctl.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>
#include <xen/sys/privcmd.h>

/* The ABI of xen/patches/0001 (public/hvm/dm_op.h there). */
#define XEN_DMOP_lend_pages	64
#define XEN_DMOP_revoke_pages	65
#define XEN_DMOP_LEND_SRC_GREF	(1u << 0)
#define XEN_DMOP_REVOKE_SYNC	(1u << 0)

struct dmop_lend_entry {
	uint64_t gfn;
	uint64_t src;
};

struct dmop {
	uint32_t op;
	uint32_t pad;
	union {
		struct {
			uint32_t nr;
			uint32_t flags;
			uint32_t done;
			uint32_t pad;
		} lend;
		struct {
			uint64_t first_gfn;
			uint32_t nr;
			uint32_t flags;
		} revoke;
		uint8_t size[16];
	} u;
};

#define XPAGE_SIZE		4096UL
#define PATH_LEN		128
#define ROOT_LEN		64
#define SEQ_LEN			32
#define CMD_LEN			256
#define LINE_LEN		4096
#define MAX_SLEEP_US		1000000ULL
#define EXTRA_SLOTS		64
#define MAX_FAILED_CYCLES	3
#define MAX_RING_PAGES		(1U << XENVXF_MAX_RING_PAGE_ORDER)
#define MAX_DEVICES		256

enum phase { PH_INITWAIT, PH_CONNECTED, PH_CLOSING, PH_CLOSED };
enum owner { OWNER_NONE, OWNER_STDIN, OWNER_XS };

struct srv;

/**
 * struct xdev - one served device
 * @next: list of @srv's devices
 * @srv: the server
 * @domid: frontend domain
 * @devid: device index
 * @be: backend directory
 * @fe: frontend directory
 * @phase: where the handshake is
 * @failed_cycles: closes in a row that never reached Connected
 * @served: this cycle reached Connected
 * @gt: gnttab handle (rings), while connected
 * @gs: gntshr handle (slot pages), while connected
 * @xce: evtchn handle, while connected
 * @port: our end of the event channel
 * @req_ring: mapped request ring
 * @evt_ring: mapped event ring
 * @ring_pages: pages of each ring
 * @serving: @store and @proto are set up
 * @t: transport for proto.c and store.c (priv = this device)
 * @store: content
 * @proto: protocol
 * @ctl: control commands
 * @owner: which channel the reply of a waiting command goes to
 * @seq: SEQ of the xenstore command being run
 * @held: a xenstore command held while another one waits
 * @hv: this connection is in hypervisor mode
 * @hv_gfn: the frontend's hv-window-gfn
 * @page_ref: hypervisor mode: per window page, the grant reference + 1 of
 *	the slot lent there, 0 if none
 * @ref_page: hypervisor mode: per grant reference (below @nr_ref_page),
 *	the window page + 1 it is lent at, 0 if none
 * @nr_ref_page: entries of @ref_page
 */
struct xdev {
	struct xdev *next;
	struct srv *srv;
	unsigned int domid;
	unsigned int devid;
	char be[PATH_LEN];
	char fe[PATH_LEN];
	enum phase phase;
	unsigned int failed_cycles;
	bool served;

	xengnttab_handle *gt;
	xengntshr_handle *gs;
	xenevtchn_handle *xce;
	evtchn_port_t port;
	bool port_bound;
	void *req_ring;
	void *evt_ring;
	unsigned int ring_pages;

	bool serving;
	struct vxf_transport t;
	struct vxf_store store;
	struct vxf_proto proto;
	struct vxf_ctl ctl;
	enum owner owner;
	char seq[SEQ_LEN];
	char held[CMD_LEN];
	bool hv;
	uint64_t hv_gfn;
	uint64_t *page_ref;
	uint64_t *ref_page;
	size_t nr_ref_page;
};

/**
 * struct srv - the Xen-mode backend
 * @o: options
 * @xs: xenstore connection
 * @self: our domain id
 * @root: our backend/vxf directory
 * @devs: devices known
 * @nr_devs: entries of @devs
 * @shared: pages shared with gntshr now
 * @mapped: ring pages mapped with gnttab now
 * @ports: event channels bound now
 * @line: unprocessed stdin input
 * @line_len: bytes in @line
 * @eof: stdin is closed
 * @stdin_dev: a stdin command waits on this device
 * @quit: leave the main loop
 * @privcmd: /dev/xen/privcmd for the DM ops (hypervisor mode), or -1
 * @lent: pages lent now (hypervisor mode), all devices
 */
struct srv {
	const struct vxf_xen_opts *o;
	struct xs_handle *xs;
	unsigned int self;
	char root[ROOT_LEN];
	struct xdev *devs;
	unsigned int nr_devs;
	unsigned long shared;
	unsigned long mapped;
	unsigned long ports;
	char line[LINE_LEN];
	size_t line_len;
	bool eof;
	struct xdev *stdin_dev;
	bool quit;
	int privcmd;
	unsigned long lent;
};

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void info(struct srv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void info(struct srv *s, const char *fmt, ...)
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

static void out_line(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void out_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- xenstore helpers ---------------------------------------------------- */

/* Read DIR/KEY (KEY may be NULL), at most @max - 1 bytes; 0 or -errno. */
static int xs_get(struct srv *s, const char *dir, const char *key, char *buf,
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
static int parse_dec(const char *str, uint64_t max, uint64_t *v)
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

static int xs_get_uint(struct srv *s, const char *dir, const char *key,
		       uint64_t max, uint64_t *v)
{
	char buf[32];
	int ret = xs_get(s, dir, key, buf, sizeof(buf));

	return ret ? ret : parse_dec(buf, max, v);
}

static int xs_put(struct srv *s, const char *dir, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int xs_put(struct srv *s, const char *dir, const char *key,
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

static int fe_state(struct xdev *d)
{
	uint64_t v;

	if (xs_get_uint(d->srv, d->fe, "state", XenbusStateReconfigured, &v))
		return -1;
	return (int)v;
}

static void set_state(struct xdev *d, enum xenbus_state st)
{
	xs_put(d->srv, d->be, "state", "%d", st);
}

/* ---- transport: evtchn, gntshr ------------------------------------------- */

static struct xdev *to_dev(struct vxf_transport *t)
{
	return t->priv;
}

static int xt_notify(struct vxf_transport *t)
{
	struct xdev *d = to_dev(t);

	if (xenevtchn_notify(d->xce, d->port) < 0)
		return -errno;
	return 0;
}

static int xt_kick_fd(struct vxf_transport *t)
{
	return xenevtchn_fd(to_dev(t)->xce);
}

/* Consume pending events of our port (the fd is non-blocking). */
static int64_t xt_ack_kicks(struct vxf_transport *t)
{
	struct xdev *d = to_dev(t);
	xenevtchn_port_or_error_t port;
	int64_t n = 0;

	for (;;) {
		port = xenevtchn_pending(d->xce);
		if (port < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (xenevtchn_unmask(d->xce, port) < 0)
			return -errno;
		n++;
	}
}

static void *xt_share(struct vxf_transport *t, uint32_t *ref)
{
	struct xdev *d = to_dev(t);
	void *p = xengntshr_share_pages(d->gs, d->domid, 1, ref, 1);

	if (p)
		d->srv->shared++;
	return p;
}

static int hv_unshare_check(struct xdev *d, uint32_t ref);

static int xt_unshare(struct vxf_transport *t, void *addr, uint32_t ref)
{
	struct xdev *d = to_dev(t);

	if (hv_unshare_check(d, ref)) {
		fprintf(stderr, "vxf-backend: %s: cannot revoke a lent slot; leaking it\n",
			d->fe);
		return -EBUSY;
	}
	if (xengntshr_unshare(d->gs, addr, 1))
		return -errno;
	d->srv->shared--;
	return 0;
}

static int dm_op(struct xdev *d, struct dmop *op, void *buf, size_t size)
{
	struct privcmd_dm_op_buf bufs[2] = {
		{ .uptr = op, .size = sizeof(*op) },
		{ .uptr = buf, .size = size },
	};
	struct privcmd_dm_op arg = {
		.dom = (domid_t)d->domid,
		.num = buf ? 2 : 1,
		.ubufs = bufs,
	};

	return ioctl(d->srv->privcmd, IOCTL_PRIVCMD_DM_OP, &arg) ? -errno : 0;
}

/* Forget that window page @page is lent. */
static void hv_forget(struct xdev *d, uint64_t page)
{
	uint64_t ref = d->page_ref[page];

	if (!ref)
		return;
	d->page_ref[page] = 0;
	if (ref - 1 < d->nr_ref_page)
		d->ref_page[ref - 1] = 0;
	d->srv->lent--;
}

/* Take window pages [first, first + count) back from the frontend. */
static int hv_revoke_range(struct xdev *d, uint64_t first, uint64_t count)
{
	struct dmop op = { .op = XEN_DMOP_revoke_pages };
	uint64_t page;
	int ret;

	op.u.revoke.first_gfn = d->hv_gfn + first;
	op.u.revoke.nr = (uint32_t)count;
	op.u.revoke.flags = XEN_DMOP_REVOKE_SYNC;
	ret = dm_op(d, &op, NULL, 0);
	/* A domain that is gone had every lent frame revoked by Xen. */
	if (ret == -ESRCH)
		ret = 0;
	if (!ret && d->page_ref)
		for (page = first; page < first + count; page++)
			hv_forget(d, page);
	return ret;
}

/*
 * The store reclaims slots after hv-revoke; a slot still lent (a RESET, an
 * UNMAP) is revoked here first: a page is never unshared while lent.
 */
static int hv_unshare_check(struct xdev *d, uint32_t ref)
{
	uint64_t page;

	if (!d->hv || ref >= d->nr_ref_page || !d->ref_page[ref])
		return 0;
	page = d->ref_page[ref] - 1;
	return hv_revoke_range(d, page, 1);
}

static int xt_hv_revoke(struct vxf_transport *t, uint64_t first,
			uint64_t count)
{
	struct xdev *d = to_dev(t);
	int ret;

	if (count > UINT32_MAX)
		return -EINVAL;
	ret = hv_revoke_range(d, first, count);
	if (ret)
		fprintf(stderr, "vxf-backend: %s: XEN_DMOP_revoke_pages %" PRIu64
			"+%" PRIu64 ": %s\n", d->fe, first, count,
			strerror(-ret));
	return ret;
}

/* Remember that @ref is lent at @page; false without memory. */
static bool hv_remember(struct xdev *d, uint64_t page, uint32_t ref)
{
	uint64_t *n;
	size_t cap;

	if (ref >= d->nr_ref_page) {
		cap = (size_t)ref * 2 + 64;
		n = realloc(d->ref_page, cap * sizeof(*n));
		if (!n)
			return false;
		memset(n + d->nr_ref_page, 0,
		       (cap - d->nr_ref_page) * sizeof(*n));
		d->ref_page = n;
		d->nr_ref_page = cap;
	}
	if (d->page_ref[page])
		hv_forget(d, page);	/* lent anew: replaced */
	d->page_ref[page] = (uint64_t)ref + 1;
	d->ref_page[ref] = page + 1;
	d->srv->lent++;
	return true;
}

static int xt_hv_lend(struct vxf_transport *t, uint64_t first,
		      const uint32_t *refs, unsigned int nr)
{
	struct xdev *d = to_dev(t);
	struct dmop_lend_entry e[XENVXF_MAX_REFS];
	struct dmop op = { .op = XEN_DMOP_lend_pages };
	unsigned int i;
	int ret;

	if (nr > XENVXF_MAX_REFS)
		return XENVXF_STATUS_EINVAL;
	for (i = 0; i < nr; i++) {
		e[i].gfn = d->hv_gfn + first + i;
		e[i].src = refs[i];
	}
	op.u.lend.nr = nr;
	op.u.lend.flags = XEN_DMOP_LEND_SRC_GREF;
	ret = dm_op(d, &op, e, nr * sizeof(e[0]));
	for (i = 0; !ret && i < nr; i++)
		if (!hv_remember(d, first + i, refs[i]))
			ret = -ENOMEM;
	if (ret) {
		fprintf(stderr, "vxf-backend: %s: XEN_DMOP_lend_pages %" PRIu64
			"+%u: %s (%u lent)\n", d->fe, first, nr,
			strerror(-ret), op.u.lend.done);
		/* Leave nothing half lent. */
		hv_revoke_range(d, first, nr);
		return XENVXF_STATUS_EIO;
	}
	return 0;
}

static int xt_connect(struct vxf_transport *t,
		      const struct vxf_transport_params *p,
		      struct vxf_transport_rings *r);
static void xt_disconnect(struct vxf_transport *t);

static void xt_destroy(struct vxf_transport *t)
{
	(void)t;
}

static const struct vxf_transport_ops xen_ops = {
	.name = "xen",
	.connect = xt_connect,
	.notify = xt_notify,
	.kick_fd = xt_kick_fd,
	.ack_kicks = xt_ack_kicks,
	.share = xt_share,
	.unshare = xt_unshare,
	.disconnect = xt_disconnect,
	.destroy = xt_destroy,
};

/* Hypervisor mode: MAPs lend, hv-revoke revokes. */
static const struct vxf_transport_ops xen_hv_ops = {
	.name = "xen-hv",
	.connect = xt_connect,
	.notify = xt_notify,
	.kick_fd = xt_kick_fd,
	.ack_kicks = xt_ack_kicks,
	.share = xt_share,
	.unshare = xt_unshare,
	.hv_revoke = xt_hv_revoke,
	.hv_lend = xt_hv_lend,
	.disconnect = xt_disconnect,
	.destroy = xt_destroy,
};

/* ---- connect: read the frontend's keys, map, bind ------------------------- */

/* Record why a device fails, in the backend's "error" key and on stderr. */
static void dev_error(struct xdev *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void dev_error(struct xdev *d, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vxf-backend: %s: %s\n", d->fe, msg);
	xs_put(d->srv, d->be, "error", "%d %s", err < 0 ? -err : err, msg);
}

static int read_fe_uint(struct xdev *d, const char *key, uint64_t max,
			uint64_t *v)
{
	int ret = xs_get_uint(d->srv, d->fe, key, max, v);

	if (ret == -ENOENT)
		dev_error(d, ENOENT, "frontend key %s missing", key);
	else if (ret)
		dev_error(d, EINVAL, "frontend key %s invalid (max %" PRIu64 ")",
			  key, max);
	return ret;
}

static int read_refs(struct xdev *d, const char *base, unsigned int nr,
		     uint32_t *refs)
{
	char key[32];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < nr; i++) {
		snprintf(key, sizeof(key), "%s%u", base, i);
		if (read_fe_uint(d, key, UINT32_MAX, &v))
			return -EINVAL;
		refs[i] = (uint32_t)v;
	}
	return 0;
}

static void *map_ring(struct xdev *d, const uint32_t *refs, const char *what)
{
	void *p = xengnttab_map_domain_grant_refs(d->gt, d->ring_pages,
						  d->domid, (uint32_t *)refs,
						  PROT_READ | PROT_WRITE);

	if (!p) {
		dev_error(d, errno, "mapping the %s ring (%u grants, first %u): %s",
			  what, d->ring_pages, refs[0], strerror(errno));
		return NULL;
	}
	d->srv->mapped += d->ring_pages;
	return p;
}

static int open_handles(struct xdev *d)
{
	int fl;

	d->gt = xengnttab_open(NULL, 0);
	d->gs = xengntshr_open(NULL, 0);
	d->xce = xenevtchn_open(NULL, 0);
	if (!d->gt || !d->gs || !d->xce) {
		dev_error(d, errno, "opening gnttab/gntshr/evtchn: %s (modules xen-gntdev, xen-gntalloc, xen-evtchn?)",
			  strerror(errno));
		return -ENODEV;
	}
	fl = fcntl(xenevtchn_fd(d->xce), F_GETFL);
	if (fl < 0 ||
	    fcntl(xenevtchn_fd(d->xce), F_SETFL, fl | O_NONBLOCK) < 0) {
		dev_error(d, errno, "evtchn O_NONBLOCK: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int bind_port(struct xdev *d, uint64_t remote)
{
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_interdomain(d->xce, d->domid,
					  (evtchn_port_t)remote);
	if (port < 0) {
		dev_error(d, errno, "binding event channel %" PRIu64 ": %s",
			  remote, strerror(errno));
		return -errno;
	}
	d->port = port;
	d->port_bound = true;
	d->srv->ports++;
	return 0;
}

/*
 * Hypervisor mode if we offer it and the frontend wrote hv-window-gfn;
 * then revoke the whole window (what a killed predecessor left lent).
 */
static int hv_setup(struct xdev *d, uint64_t window_pages)
{
	uint64_t gfn;
	char buf[32];
	int ret;

	d->hv = false;
	d->t.ops = &xen_ops;
	if (!d->srv->o->hv ||
	    xs_get(d->srv, d->fe, XENVXF_FIELD_HV_WINDOW_GFN, buf, sizeof(buf)))
		return 0;
	/* Below 2^52 (a frame of a 64-bit physical address), window inside. */
	if (parse_dec(buf, (1ULL << 52) - window_pages, &gfn) || !gfn) {
		dev_error(d, EINVAL, "bad %s: %s", XENVXF_FIELD_HV_WINDOW_GFN,
			  buf);
		return -EINVAL;
	}
	if (d->srv->privcmd < 0) {
		dev_error(d, ENODEV, "hypervisor mode without /dev/xen/privcmd");
		return -ENODEV;
	}
	d->page_ref = calloc(window_pages, sizeof(*d->page_ref));
	if (!d->page_ref) {
		dev_error(d, ENOMEM, "no memory for %" PRIu64 " pages",
			  window_pages);
		return -ENOMEM;
	}
	d->hv = true;
	d->hv_gfn = gfn;
	ret = hv_revoke_range(d, 0, window_pages);
	if (ret) {
		dev_error(d, -ret, "XEN_DMOP_revoke_pages of the window: %s (not the patched Xen?)",
			  strerror(-ret));
		d->hv = false;
		return ret;
	}
	d->t.ops = &xen_hv_ops;
	info(d->srv, "%s: hypervisor mode, frames %#" PRIx64 "+%" PRIu64,
	     d->be, gfn, window_pages);
	return 0;
}

/* The frontend is Initialised: take its rings. @p->ring_order is our max. */
static int xt_connect(struct vxf_transport *t,
		      const struct vxf_transport_params *p,
		      struct vxf_transport_rings *r)
{
	struct xdev *d = to_dev(t);
	uint32_t req_refs[MAX_RING_PAGES], evt_refs[MAX_RING_PAGES];
	uint64_t version, order, evtchn;

	if (read_fe_uint(d, XENVXF_FIELD_FE_VERSION, UINT32_MAX, &version) ||
	    read_fe_uint(d, XENVXF_FIELD_RING_ORDER, p->ring_order, &order) ||
	    read_fe_uint(d, XENVXF_FIELD_EVT_CHANNEL, UINT32_MAX, &evtchn))
		return -EINVAL;
	if (version != XENVXF_PROTOCOL_VERSION) {
		dev_error(d, EPROTO, "frontend chose protocol version %" PRIu64
			  ", we offer %d", version, XENVXF_PROTOCOL_VERSION);
		return -EPROTO;
	}
	d->ring_pages = 1U << order;
	if (read_refs(d, XENVXF_FIELD_REQ_RING_REF, d->ring_pages, req_refs) ||
	    read_refs(d, XENVXF_FIELD_EVT_RING_REF, d->ring_pages, evt_refs))
		return -EINVAL;
	if (open_handles(d))
		return -ENODEV;
	d->req_ring = map_ring(d, req_refs, "request");
	if (!d->req_ring)
		return -EIO;
	d->evt_ring = map_ring(d, evt_refs, "event");
	if (!d->evt_ring)
		return -EIO;
	if (bind_port(d, evtchn))
		return -EIO;
	if (hv_setup(d, p->window_pages))
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	r->req = d->req_ring;
	r->evt = d->evt_ring;
	r->ring_bytes = XPAGE_SIZE * d->ring_pages;
	r->index = -1;
	r->window_pages = p->window_pages;
	snprintf(r->dev, sizeof(r->dev), "vxf %u/%u", d->domid, d->devid);
	return 0;
}

static void unmap_ring(struct xdev *d, void **ring)
{
	if (!*ring)
		return;
	if (xengnttab_unmap(d->gt, *ring, d->ring_pages))
		fprintf(stderr, "vxf-backend: %s: unmapping a ring: %s\n",
			d->fe, strerror(errno));
	else
		d->srv->mapped -= d->ring_pages;
	*ring = NULL;
}

/* Undo xt_connect(), whatever part of it was done. */
static void xt_disconnect(struct vxf_transport *t)
{
	struct xdev *d = to_dev(t);

	if (d->port_bound) {
		xenevtchn_unbind(d->xce, d->port);
		d->port_bound = false;
		d->srv->ports--;
	}
	if (d->gt) {
		unmap_ring(d, &d->req_ring);
		unmap_ring(d, &d->evt_ring);
		xengnttab_close(d->gt);
	}
	if (d->gs)
		xengntshr_close(d->gs);
	if (d->xce)
		xenevtchn_close(d->xce);
	d->gt = NULL;
	d->gs = NULL;
	d->xce = NULL;
}

/* ---- control channel ----------------------------------------------------- */

static void dev_reply(void *ctx, const char *line)
{
	struct xdev *d = ctx;

	if (d->owner == OWNER_XS)
		xs_put(d->srv, d->fe, "test-reply", "%s %s", d->seq, line);
	else
		out_line("%s", line);
}

static void dev_evt_done(void *ctx, const struct vxf_proto_done *dn)
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
static void dev_unblock(struct xdev *d)
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
static void xs_command(struct xdev *d)
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

/* ---- device life cycle --------------------------------------------------- */

static const char *cache_name(unsigned int cache)
{
	if (cache == VXF_CACHE_WC)
		return XENVXF_CACHE_WC;
	if (cache == VXF_CACHE_UC)
		return XENVXF_CACHE_UC;
	return XENVXF_CACHE_WB;
}

/* Write our entries and go to InitWait. */
static void advertise(struct xdev *d)
{
	struct srv *s = d->srv;
	char path[PATH_LEN + 16];

	snprintf(path, sizeof(path), "%s/error", d->be);
	xs_rm(s->xs, XBT_NULL, path);
	xs_put(s, d->be, XENVXF_FIELD_BE_VERSIONS, "%d",
	       XENVXF_PROTOCOL_VERSION);
	xs_put(s, d->be, XENVXF_FIELD_MAX_RING_ORDER, "%u",
	       s->o->max_ring_order);
	xs_put(s, d->be, XENVXF_FIELD_WINDOW_PAGES, "%" PRIu64,
	       s->o->window_pages);
	xs_put(s, d->be, XENVXF_FIELD_WINDOW_CACHE, "%s",
	       cache_name(s->o->cache));
	xs_put(s, d->be, XENVXF_FIELD_FEATURE_SUPERPAGE, "0");
	xs_put(s, d->be, XENVXF_FIELD_FEATURE_HV_FAULT, "%d", s->o->hv ? 1 : 0);
	set_state(d, XenbusStateInitWait);
	d->phase = PH_INITWAIT;
	info(s, "%s: InitWait (%" PRIu64 " pages, %s)", d->be,
	     s->o->window_pages, cache_name(s->o->cache));
}

/* Stop serving: every page unshared, rings unmapped, port unbound. */
static void dev_disconnect(struct xdev *d)
{
	if (d->serving && d->hv &&
	    hv_revoke_range(d, 0, d->store.window_pages))
		/* Then each slot is revoked alone before its unsharing. */
		fprintf(stderr, "vxf-backend: %s: revoking the window failed\n",
			d->fe);
	if (d->serving) {
		vxf_proto_fini(&d->proto);
		vxf_store_fini(&d->store);
		d->serving = false;
	}
	d->hv = false;
	free(d->page_ref);
	free(d->ref_page);
	d->page_ref = NULL;
	d->ref_page = NULL;
	d->nr_ref_page = 0;
	xt_disconnect(&d->t);
	if (d->ctl.waiting) {
		d->ctl.waiting = false;
		dev_reply(d, "err disconnected");
	}
	dev_unblock(d);
}

static void apply_knobs(struct xdev *d)
{
	const struct vxf_xen_opts *o = d->srv->o;
	unsigned int i;

	d->proto.delay_us = o->delay_us;
	d->proto.hang = o->no_answer;
	for (i = 0; i < o->nr_fail; i++)
		vxf_proto_fail_add(&d->proto, o->fail[i].first,
				   o->fail[i].count);
	vxf_proto_set_storm(&d->proto, o->storm_us, now_us());
}

static int start_serving(struct xdev *d, const struct vxf_transport_rings *r)
{
	const struct vxf_xen_opts *o = d->srv->o;
	uint64_t slots = o->nr_slots ? o->nr_slots :
				       o->window_pages + EXTRA_SLOTS;
	int ret;

	if (slots > UINT32_MAX / 2)
		slots = UINT32_MAX / 2;
	ret = vxf_store_init(&d->store, &d->t, o->window_pages,
			     (uint32_t)slots);
	if (ret) {
		dev_error(d, ENOMEM, "no memory for %" PRIu64 " pages",
			  o->window_pages);
		return ret;
	}
	ret = vxf_proto_init(&d->proto, &d->t, &d->store, r,
			     o->seed + d->domid * 256 + d->devid,
			     dev_evt_done, d);
	if (ret) {
		vxf_store_fini(&d->store);
		dev_error(d, ENOMEM, "no memory for the protocol state");
		return ret;
	}
	d->serving = true;
	apply_knobs(d);
	return 0;
}

/* Close after an error: the frontend sees Closing and tears down. */
static void dev_fail(struct xdev *d)
{
	dev_disconnect(d);
	set_state(d, XenbusStateClosing);
	d->phase = PH_CLOSING;
}

static void dev_connect(struct xdev *d)
{
	struct vxf_transport_params p = {
		.index = -1,
		.window_pages = d->srv->o->window_pages,
		.ring_order = d->srv->o->max_ring_order,
		.cache = d->srv->o->cache,
	};
	struct vxf_transport_rings r;

	if (xt_connect(&d->t, &p, &r) || start_serving(d, &r)) {
		dev_fail(d);
		return;
	}
	set_state(d, XenbusStateConnected);
	d->phase = PH_CONNECTED;
	d->failed_cycles = 0;
	d->served = true;
	info(d->srv, "%s: Connected (ring %u page(s), port %u)", d->be,
	     d->ring_pages, d->port);
}

/* The frontend closed (or went away): Closed, and InitWait again. */
static void dev_closed(struct xdev *d, bool again)
{
	dev_disconnect(d);
	set_state(d, XenbusStateClosed);
	d->phase = PH_CLOSED;
	/* failed_cycles was reset to 0 if this cycle reached Connected. */
	if (again && !d->served)
		d->failed_cycles++;
	d->served = false;
	if (!again)
		return;
	if (vxf_violate_sent()) {
		/* --violate: the test looks at the frontend's Closed state. */
		info(d->srv, "%s: staying Closed after the --violate violation",
		     d->be);
		return;
	}
	if (d->failed_cycles >= MAX_FAILED_CYCLES) {
		fprintf(stderr, "vxf-backend: %s: %u failed connections in a row; staying Closed until the frontend goes Initialising\n",
			d->be, d->failed_cycles);
		return;
	}
	advertise(d);
}

/* React to the frontend's state. */
static void fe_changed(struct xdev *d)
{
	int st = fe_state(d);

	switch (st) {
	case XenbusStateInitialising:
	case XenbusStateInitWait:
		if (d->phase == PH_CONNECTED)
			dev_closed(d, true);	/* it restarted */
		else if (d->phase == PH_CLOSED) {
			d->failed_cycles = 0;
			advertise(d);
		}
		break;
	case XenbusStateInitialised:
		if (d->phase == PH_INITWAIT)
			dev_connect(d);
		break;
	case XenbusStateConnected:
		if (d->phase == PH_INITWAIT) {
			/* Connected to an earlier backend: start over. */
			info(d->srv, "%s: frontend still connected to an earlier backend; closing",
			     d->be);
			dev_fail(d);
		}
		break;
	case XenbusStateClosing:
		if (d->phase == PH_INITWAIT || d->phase == PH_CONNECTED) {
			dev_disconnect(d);
			set_state(d, XenbusStateClosing);
			d->phase = PH_CLOSING;
		}
		break;
	case XenbusStateClosed:
		if (d->phase == PH_CONNECTED || d->phase == PH_CLOSING)
			dev_closed(d, true);
		break;
	default:	/* missing, Unknown or garbage: handled by the caller */
		break;
	}
}

/* ---- device discovery ---------------------------------------------------- */

static struct xdev *dev_find(struct srv *s, unsigned int domid,
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

static void dev_watch(struct xdev *d, bool on)
{
	char path[PATH_LEN + 16], tok[48];

	snprintf(path, sizeof(path), "%s/state", d->fe);
	watch_token(tok, sizeof(tok), 's', d);
	if (on ? !xs_watch(d->srv->xs, path, tok) :
		 !xs_unwatch(d->srv->xs, path, tok))
		fprintf(stderr, "vxf-backend: %swatch %s: %s\n", on ? "" : "un",
			path, strerror(errno));
	snprintf(path, sizeof(path), "%s/test-cmd", d->fe);
	watch_token(tok, sizeof(tok), 'c', d);
	if (on ? !xs_watch(d->srv->xs, path, tok) :
		 !xs_unwatch(d->srv->xs, path, tok))
		fprintf(stderr, "vxf-backend: %swatch %s: %s\n", on ? "" : "un",
			path, strerror(errno));
}

/* Forget a device whose frontend or domain is gone. */
static void dev_forget(struct xdev *d)
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

static int drain_watches(struct srv *s)
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

/* ---- stdin --------------------------------------------------------------- */

static void print_grants(struct srv *s, const char *prefix)
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
	} else if ((d = only_dev(s)) && !dev_run(d, OWNER_STDIN, line)) {
		s->stdin_dev = d;
	}
}

static void run_lines(struct srv *s)
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

static void read_stdin(struct srv *s)
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

/* ---- main loop ----------------------------------------------------------- */

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
	while (s->devs) {
		dev_forget(s->devs);
	}
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
