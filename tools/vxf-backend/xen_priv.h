/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen_priv.h - what the files of Xen mode share (vxf-backend-xen --xen):
 * the device and server state and the functions one file calls in another.
 * xen.h is the interface to main.c; the behaviour is described in xen.c.
 *
 *   xen.c            main loop: poll, kicks, timeouts, SIGUSR1, messages
 *   xen_xs.c         xenstore helpers: read, parse, write, device errors
 *   xen_transport.c  transport ops: event channel, gntshr slot pages,
 *                    connect (frontend keys, ring mapping, binding)
 *   xen_hv.c         hypervisor mode: XEN_DMOP_lend/revoke_pages
 *   xen_bus.c        xenbus state machine of one device
 *   xen_ctl.c        control channels: xenstore test-cmd, stdin
 *   xen_scan.c       device discovery and forgetting, watch events
 *
 * Locking: none. Xen mode runs on one thread (vxf_xen_main()'s loop) and
 * nothing runs in signal handlers but setting a flag; the comments on the
 * field groups below say which code changes the fields and when they are
 * valid instead.
 */

#ifndef VXF_BACKEND_XEN_PRIV_H
#define VXF_BACKEND_XEN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* First: proto.h sets the interface version that ring.h needs. */
#include "ctl.h"
#include "proto.h"
#include "store.h"
#include "transport.h"
#include "xen.h"

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#define PATH_LEN		128
#define ROOT_LEN		64
#define SEQ_LEN			32
#define CMD_LEN			256
#define LINE_LEN		4096
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
 * @port_bound: @port is bound
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
 *
 * Allocated by dev_add(), freed by dev_forget() (xen_scan.c); only the
 * main loop's thread touches it.
 */
struct xdev {
	/* Identity: set by dev_add(), fixed until dev_forget(). */
	struct xdev *next;
	struct srv *srv;
	unsigned int domid;
	unsigned int devid;
	char be[PATH_LEN];
	char fe[PATH_LEN];
	/* Handshake: changed by the xenbus state machine (xen_bus.c). */
	enum phase phase;
	unsigned int failed_cycles;
	bool served;

	/*
	 * Transport handles and rings: set by xt_connect(), each as it
	 * succeeds, all undone by xt_disconnect() (xen_transport.c).
	 */
	xengnttab_handle *gt;
	xengntshr_handle *gs;
	xenevtchn_handle *xce;
	evtchn_port_t port;
	bool port_bound;
	void *req_ring;
	void *evt_ring;
	unsigned int ring_pages;

	/*
	 * Serving: @store and @proto are valid while @serving, from
	 * start_serving() to dev_disconnect() (xen_bus.c). @t is set up by
	 * dev_add(); hv_setup() picks its ops at each connection.
	 */
	bool serving;
	struct vxf_transport t;
	struct vxf_store store;
	struct vxf_proto proto;
	/*
	 * Control channel (xen_ctl.c): @ctl is wired to @proto and @store by
	 * dev_add(); @owner, @seq and @held belong to the command running or
	 * waiting for the frontend.
	 */
	struct vxf_ctl ctl;
	enum owner owner;
	char seq[SEQ_LEN];
	char held[CMD_LEN];
	/*
	 * Hypervisor mode: set by hv_setup() at connect, kept by the lend and
	 * revoke paths (xen_hv.c), freed by dev_disconnect().
	 */
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
 * @privcmd: /dev/xen/privcmd for the DM ops (hypervisor mode), or -1
 * @devs: devices known
 * @nr_devs: entries of @devs
 * @shared: pages shared with gntshr now
 * @mapped: ring pages mapped with gnttab now
 * @ports: event channels bound now
 * @lent: pages lent now (hypervisor mode), all devices
 * @line: unprocessed stdin input
 * @line_len: bytes in @line
 * @eof: stdin is closed
 * @stdin_dev: a stdin command waits on this device
 * @quit: leave the main loop
 *
 * One instance, static in vxf_xen_main(); only its thread touches it.
 */
struct srv {
	/* Set by vxf_xen_main() and srv_open(), fixed until srv_close(). */
	const struct vxf_xen_opts *o;
	struct xs_handle *xs;
	unsigned int self;
	char root[ROOT_LEN];
	int privcmd;
	/* The device list: dev_add() and dev_forget() (xen_scan.c). */
	struct xdev *devs;
	unsigned int nr_devs;
	/*
	 * Counters of the grants line, all devices: changed where a page is
	 * shared, a ring mapped, a port bound (xen_transport.c) or a page
	 * lent (xen_hv.c), and where that is undone.
	 */
	unsigned long shared;
	unsigned long mapped;
	unsigned long ports;
	unsigned long lent;
	/* The stdin channel (xen_ctl.c). */
	char line[LINE_LEN];
	size_t line_len;
	bool eof;
	struct xdev *stdin_dev;
	/* Set by "quit" on stdin; the main loop ends. */
	bool quit;
};

/* The device behind a transport (t->priv). */
static inline struct xdev *to_dev(struct vxf_transport *t)
{
	return t->priv;
}

/* xen.c */
uint64_t now_us(void);
void info(struct srv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_line(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* xen_xs.c */
int xs_get(struct srv *s, const char *dir, const char *key, char *buf,
	   size_t max);
int parse_dec(const char *str, uint64_t max, uint64_t *v);
int xs_get_uint(struct srv *s, const char *dir, const char *key,
		uint64_t max, uint64_t *v);
int xs_put(struct srv *s, const char *dir, const char *key,
	   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int fe_state(struct xdev *d);
void set_state(struct xdev *d, enum xenbus_state st);
void dev_error(struct xdev *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* xen_transport.c */
extern const struct vxf_transport_ops xen_ops;
extern const struct vxf_transport_ops xen_hv_ops;
int64_t xt_ack_kicks(struct vxf_transport *t);
int xt_connect(struct vxf_transport *t,
	       const struct vxf_transport_params *p,
	       struct vxf_transport_rings *r);
void xt_disconnect(struct vxf_transport *t);

/* xen_hv.c */
int hv_revoke_range(struct xdev *d, uint64_t first, uint64_t count);
int hv_unshare_check(struct xdev *d, uint32_t ref);
int xt_hv_revoke(struct vxf_transport *t, uint64_t first, uint64_t count);
int xt_hv_lend(struct vxf_transport *t, uint64_t first,
	       const uint32_t *refs, unsigned int nr);
int hv_setup(struct xdev *d, uint64_t window_pages);

/* xen_bus.c */
void advertise(struct xdev *d);
void dev_fail(struct xdev *d);
void dev_closed(struct xdev *d, bool again);
void fe_changed(struct xdev *d);

/* xen_ctl.c */
void dev_reply(void *ctx, const char *line);
void dev_evt_done(void *ctx, const struct vxf_proto_done *dn);
void dev_unblock(struct xdev *d);
void xs_command(struct xdev *d);
void print_grants(struct srv *s, const char *prefix);
void run_lines(struct srv *s);
void read_stdin(struct srv *s);

/* xen_scan.c */
struct xdev *dev_find(struct srv *s, unsigned int domid, unsigned int devid);
void dev_forget(struct xdev *d);
int drain_watches(struct srv *s);

#endif /* VXF_BACKEND_XEN_PRIV_H */
