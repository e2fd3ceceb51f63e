// SPDX-License-Identifier: GPL-2.0
/*
 * hostile.c - vxf-backend --loop --hostile: a compromised backend
 *
 * In a Qubes-style deployment the backend may be compromised: it may deny
 * service, but must never crash, hang or corrupt the guest, nor make it
 * leak. This mode plays such a backend against the frontend over the loop
 * transport. It does not use proto.c: it writes both shared rings itself.
 *
 * Once connected it grants a pool of POOL_PAGES pages of its own memory
 * (and DEAD_PAGES more that it ungrants at once, so that it knows
 * references it does not own), prints the usual ready line, and then sends
 * ring messages until --messages of them were published. Every response
 * slot, event slot and producer index it publishes is one message; a
 * half-written slot that is never published is not. Every choice comes from
 * one xorshift64* generator seeded with --seed.
 *
 * Messages the frontend must survive, keeping the device:
 *  - MAP requests (every one the frontend sends is answered, each with a
 *    fate drawn when it is read): valid answers with pool references
 *    (sometimes one reference for every page), error statuses (negative,
 *    positive, with or without junk in the other fields), garbage
 *    references (random numbers, references it ungranted, 0, ~0, mixed
 *    with valid ones), and late answers: held for twice the window's fault
 *    timeout plus 10 ms, after the frontend gave the request up;
 *  - events, as many as the event ring holds per kick: REVOKE of random
 *    ranges inside the window (whether mapped or not), REVOKE outside it
 *    (count 0, past the end, first_page near U64_MAX) which must be
 *    answered REVOKE_DONE with status XENVXF_STATUS_EINVAL, and RESET;
 *  - kicks with nothing new (counted as spurious_kicks, not messages).
 *
 * Messages the frontend must disconnect for (VXF_LOOP_IOC_NOTIFY then
 * fails with EPIPE), about one in BREAK_EVERY: answers with an id not in
 * flight, a duplicate answer, the wrong operation, nr_refs not matching
 * the count asked for, a ref_order other than 0, a slot of random bytes
 * (on either ring), a response or event producer index more than a ring
 * ahead of what the frontend consumed, an unknown event type, and a
 * backend that stops in the middle of a slot and closes the transport.
 * After each of them it reconnects to the same window (--index of the
 * window it got) and grants a fresh pool. A connection lives at least as
 * long as a late answer is held, so that late answers do happen. A wrong
 * nr_refs or ref_order (vxf_rsp_valid() refuses both) sent for a request
 * the frontend has just given up (its fault timed out, or a RESET) is a
 * valid late answer: accepted while the frontend's timeouts or resets
 * counter moved since the request came, it is counted as absorbed;
 * accepted while neither moved, as missed.
 *
 * Events are paced to --rate messages a second (0: as fast as the frontend
 * takes them, some 400000 a second in a TCG guest, which would leave the
 * guest's faulting tasks about one fault per disconnect); answers to
 * requests are never held back by the pacing.
 *
 * It holds the window (/dev/vxfN) open from the first connect to the end,
 * so that the window outlives every reconnect even before anybody else
 * opened it.
 *
 * Every answer the frontend writes on the event ring is checked against
 * the event it answers. At the end one line goes to stdout:
 *   hostile: seed=S messages=N valid_maps=.. error_maps=.. garbage_refs=..
 *   late_answers=.. revokes=.. bad_revokes=.. resets=.. breaking=..
 *   spurious_kicks=.. reconnects=.. einval_answers=..
 * and one with the details to stderr (unless --quiet).
 *
 * Exit status: 0; 1 if it could not set up; 2 if the loop device or the
 * frontend misbehaved: CONNECT or NOTIFY failing other than as described,
 * a breaking message the frontend accepted, a disconnect with no breaking
 * message, or an event answer that does not match its event.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vxf.h>

#include "hostile.h"
#include "proto.h"	/* ring.h's prerequisites, then vxfif.h */

#define PAGE_BYTES		4096UL
#define POOL_PAGES		64
#define DEAD_PAGES		16
#define BREAK_EVERY		500	/* messages per breaking one, on average */
#define RESET_PER_MILLE		1	/* of the events */
#define BAD_REVOKE_PER_MILLE	50
#define SPURIOUS_EVERY		32	/* rounds per spurious kick, on average */
#define REQ_WAIT_ROUNDS		64	/* rounds a break waits for a request */
#define MAX_REPORTS		30
#define MAX_VALID_REFS		0x100000U	/* the loop device's largest id */

/* What happens to a request, drawn when it is read. */
enum fate {
	FATE_VALID,
	FATE_ERROR,
	FATE_GARBAGE,
	FATE_LATE,
	FATE_OTHER,	/* UNMAP (or unknown): answered as asked */
	FATE_RESERVED,	/* kept for the breaking message due now */
};

/* Breaking messages. The ones before BRK_RSP_PROD take a request's slot. */
enum brk {
	BRK_UNKNOWN_ID,
	BRK_DUPLICATE,
	BRK_WRONG_OP,
	BRK_NR_REFS,
	BRK_REF_ORDER,
	BRK_RANDOM_RSP,
	BRK_RSP_PROD,
	BRK_EVT_PROD,
	BRK_EVT_TYPE,
	BRK_RANDOM_EVT,
	BRK_STOP_MID,
	BRK_NR
};

static const char *const brk_names[BRK_NR] = {
	[BRK_UNKNOWN_ID] = "unknown_id",
	[BRK_DUPLICATE] = "duplicate",
	[BRK_WRONG_OP] = "wrong_op",
	[BRK_NR_REFS] = "nr_refs",
	[BRK_REF_ORDER] = "ref_order",
	[BRK_RANDOM_RSP] = "random_rsp",
	[BRK_RSP_PROD] = "rsp_prod",
	[BRK_EVT_PROD] = "evt_prod",
	[BRK_EVT_TYPE] = "evt_type",
	[BRK_RANDOM_EVT] = "random_evt",
	[BRK_STOP_MID] = "stop_mid",
};

/* Only these two can meet a request the frontend gave up meanwhile. */
static bool brk_needs_live_map(int kind)
{
	return kind == BRK_NR_REFS || kind == BRK_REF_ORDER;
}

/**
 * struct hpend - a request read and not answered yet
 * @req: the request
 * @arrived_us: when it was read
 * @due_us: when to answer it
 * @fate: enum fate
 * @late_valid: FATE_LATE: answer with pages (else with an error)
 * @giveups_known: FATE_RESERVED: @giveups was read
 * @giveups: FATE_RESERVED: the frontend's timeouts + resets when it came
 */
struct hpend {
	struct xenvxf_req req;
	uint64_t arrived_us;
	uint64_t due_us;
	uint8_t fate;
	bool late_valid;
	bool giveups_known;
	uint64_t giveups;
};

/* The answer an event in a slot must get. */
struct hexp {
	uint64_t id;
	uint8_t type;
	int32_t status;
};

struct hstats {
	uint64_t messages;
	uint64_t valid_maps;
	uint64_t error_maps;
	uint64_t garbage_refs;
	uint64_t late_answers;
	uint64_t revokes;
	uint64_t bad_revokes;
	uint64_t resets;
	uint64_t breaking;
	uint64_t spurious_kicks;
	uint64_t reconnects;
	uint64_t einval_answers;
	uint64_t other_answers;
	uint64_t notifies;
	uint64_t absorbed;
	uint64_t missed;
	uint64_t unexpected;
	uint64_t bad_answers;
	uint64_t brk[BRK_NR];
};

/**
 * struct hostile - the whole state
 * @o: options
 * @t: the loop transport
 * @rings: what connect handed back
 * @req: request ring, back end
 * @evt: event ring, front end
 * @connected: @t is connected
 * @index: the window's index once known, else -1
 * @window_pages: the window's size
 * @win_fd: the window, held open
 * @hold_us: how long a late answer is held
 * @pool: POOL_PAGES pages lent on every connection
 * @dead: DEAD_PAGES pages lent and ended on every connection
 * @pool_refs: references to @pool of the current connection
 * @dead_refs: ended references of the current connection
 * @pend: requests read and not answered, oldest first
 * @nr_pend: entries of @pend
 * @exp: per event ring slot, the answer expected
 * @next_evt_id: id of the next event
 * @answered_id: id of an answer sent on this connection (duplicates)
 * @answered_op: its operation
 * @have_answered: @answered_id is set
 * @rng: xorshift64* state
 * @next_break: message count at which the next breaking message is due
 * @break_kind: its enum brk
 * @break_wait: rounds it waited for a request
 * @reserved: a request was kept for it
 * @conn_us: when the current connection was made
 * @now: the current round's time
 * @status: exit status so far
 * @reports: problem reports printed
 * @start_us: when the messages started
 * @st: counters
 */
struct hostile {
	const struct vxf_hostile_opts *o;
	struct vxf_transport t;
	struct vxf_transport_rings rings;
	xenvxf_req_back_ring_t req;
	xenvxf_evt_front_ring_t evt;
	bool connected;
	int index;
	uint64_t window_pages;
	int win_fd;
	uint64_t hold_us;
	uint8_t *pool;
	uint8_t *dead;
	uint32_t pool_refs[POOL_PAGES];
	uint32_t dead_refs[DEAD_PAGES];
	struct hpend *pend;
	unsigned int nr_pend;
	struct hexp *exp;
	uint64_t next_evt_id;
	uint64_t answered_id;
	uint8_t answered_op;
	bool have_answered;
	uint64_t rng;
	uint64_t next_break;
	int break_kind;
	unsigned int break_wait;
	bool reserved;
	uint64_t conn_us;
	uint64_t now;
	int status;
	unsigned int reports;
	uint64_t start_us;
	struct hstats st;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* A problem worth a line on stderr, whatever --quiet says; rate-limited. */
static void report(struct hostile *h, const char *fmt, ...)
{
	va_list ap;

	if (h->reports >= MAX_REPORTS)
		return;
	if (++h->reports == MAX_REPORTS)
		fprintf(stderr, "vxf-backend: hostile: further reports suppressed\n");
	fprintf(stderr, "vxf-backend: hostile: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- randomness (xorshift64*) ---------------------------------------- */

static void rng_seed(struct hostile *h, uint64_t seed)
{
	unsigned int i;

	/* Any seed, 0 included, gives a non-zero state; spread it first. */
	h->rng = seed ^ 0x6a09e667f3bcc909ULL;
	if (!h->rng)
		h->rng = 1;
	for (i = 0; i < 8; i++) {
		h->rng ^= h->rng >> 12;
		h->rng ^= h->rng << 25;
		h->rng ^= h->rng >> 27;
	}
}

static uint64_t rng64(struct hostile *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n), n > 0. */
static uint64_t rnd(struct hostile *h, uint64_t n)
{
	return rng64(h) % n;
}

static void rnd_bytes(struct hostile *h, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i % 8))
			v = rng64(h);
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* ---- connection ------------------------------------------------------ */

static void hostile_disconnect(struct hostile *h)
{
	if (h->connected)
		h->t.ops->disconnect(&h->t);
	h->connected = false;
	h->nr_pend = 0;
}

static int grant_pool(struct hostile *h)
{
	int ret;

	ret = h->t.ops->grant(&h->t, h->pool, POOL_PAGES, h->pool_refs);
	if (ret) {
		report(h, "granting the pool: %s", strerror(-ret));
		return ret;
	}
	ret = h->t.ops->grant(&h->t, h->dead, DEAD_PAGES, h->dead_refs);
	if (!ret)
		ret = h->t.ops->ungrant(&h->t, h->dead_refs, DEAD_PAGES);
	if (ret)
		report(h, "granting and ending references: %s", strerror(-ret));
	return ret;
}

/* Connect (the first time as asked, then to our window) and lend a pool. */
static int hostile_connect(struct hostile *h)
{
	struct vxf_transport_params p = h->o->params;
	xenvxf_req_sring_t *req;
	xenvxf_evt_sring_t *evt;
	int ret;

	if (h->index >= 0) {
		p.index = h->index;
		p.window_pages = 0;
	}
	ret = h->t.ops->connect(&h->t, &p, &h->rings);
	if (ret)
		return ret;
	h->connected = true;
	req = h->rings.req;
	evt = h->rings.evt;
	BACK_RING_INIT(&h->req, req, h->rings.ring_bytes);
	FRONT_RING_INIT(&h->evt, evt, h->rings.ring_bytes);
	if (!h->pend) {
		h->pend = calloc(RING_SIZE(&h->req), sizeof(*h->pend));
		h->exp = calloc(RING_SIZE(&h->evt), sizeof(*h->exp));
		if (!h->pend || !h->exp)
			return -ENOMEM;
	}
	h->index = h->rings.index;
	h->window_pages = h->rings.window_pages;
	h->nr_pend = 0;
	h->next_evt_id = 1;
	h->have_answered = false;
	h->reserved = false;
	h->conn_us = now_us();
	return grant_pool(h);
}

static void schedule_break(struct hostile *h);

static int hostile_reconnect(struct hostile *h)
{
	int ret;

	hostile_disconnect(h);
	h->st.reconnects++;
	ret = hostile_connect(h);
	if (ret) {
		report(h, "cannot reconnect to window %d: %s", h->index,
		       strerror(-ret));
		h->status = 2;
		return ret;
	}
	schedule_break(h);
	return 0;
}

/* Hold the window open; learn its fault timeout. */
static int hold_window(struct hostile *h)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct vxf_info info;
	int i;

	for (i = 0; i < 100; i++) {
		h->win_fd = open(h->rings.dev, O_RDWR | O_CLOEXEC);
		if (h->win_fd >= 0 || errno != ENOENT)
			break;
		nanosleep(&tick, NULL);	/* devtmpfs may be late */
	}
	if (h->win_fd < 0) {
		fprintf(stderr, "vxf-backend: open %s: %s\n", h->rings.dev,
			strerror(errno));
		return -1;
	}
	if (ioctl(h->win_fd, VXF_IOC_INFO, &info)) {
		fprintf(stderr, "vxf-backend: VXF_IOC_INFO on %s: %s\n",
			h->rings.dev, strerror(errno));
		return -1;
	}
	/* the frontend gives up after the timeout: answer well after it */
	h->hold_us = 1500ULL * info.fault_timeout_ms + 5000;
	return 0;
}

/* Kick the frontend: it handles what was published before this returns. */
static int kick(struct hostile *h)
{
	int ret = h->t.ops->notify(&h->t);

	h->st.notifies++;
	if (ret == -EPIPE)
		return 1;	/* it disconnected us */
	if (ret) {
		report(h, "VXF_LOOP_IOC_NOTIFY: %s", strerror(-ret));
		h->status = 2;
	}
	return ret;
}

/* ---- event ring answers ---------------------------------------------- */

static int consume_answers(struct hostile *h)
{
	xenvxf_evt_front_ring_t *r = &h->evt;
	struct xenvxf_evt_rsp a;
	const struct hexp *e;
	RING_IDX rp;

	rp = __atomic_load_n(&r->sring->rsp_prod, __ATOMIC_RELAXED);
	xen_rmb();
	if (rp - r->rsp_cons > r->req_prod_pvt - r->rsp_cons) {
		report(h, "frontend answered events never sent (rsp_prod %u, %u sent)",
		       rp, r->req_prod_pvt);
		h->status = 2;
		return -EPROTO;
	}
	for (; r->rsp_cons != rp; r->rsp_cons++) {
		RING_COPY_RESPONSE(r, r->rsp_cons, &a);
		e = &h->exp[r->rsp_cons & (RING_SIZE(r) - 1)];
		if (a.status == XENVXF_STATUS_EINVAL)
			h->st.einval_answers++;
		if (a.id != e->id || a.type != e->type ||
		    a.status != e->status) {
			h->st.bad_answers++;
			report(h, "event %" PRIu64 " answered as id %" PRIu64
			       " type %u status %d, expected type %u status %d",
			       e->id, a.id, a.type, a.status, e->type,
			       e->status);
		}
	}
	return 0;
}

/* ---- request ring ---------------------------------------------------- */

static bool break_due(const struct hostile *h)
{
	return h->st.messages >= h->next_break &&
	       h->now - h->conn_us >= h->hold_us + 10000;
}

/*
 * The frontend's timeouts + resets: every request it gives up (and so may
 * get any late answer for) moves one of them. 0, or -1 if unreadable.
 */
static int fe_giveups(struct hostile *h, uint64_t *n)
{
	struct vxf_stats st;

	if (!h->t.ops->fe_stats || h->t.ops->fe_stats(&h->t, &st))
		return -1;
	*n = st.timeouts + st.resets;
	return 0;
}

static void add_pending(struct hostile *h, const struct xenvxf_req *req,
			uint64_t now)
{
	struct hpend *p = &h->pend[h->nr_pend++];
	uint64_t r;

	memset(p, 0, sizeof(*p));
	p->req = *req;
	p->arrived_us = now;
	p->due_us = now;
	if (req->operation != XENVXF_OP_MAP) {
		p->fate = FATE_OTHER;
		return;
	}
	if (break_due(h) && h->break_kind < BRK_RSP_PROD && !h->reserved) {
		p->fate = FATE_RESERVED;
		h->reserved = true;
		p->giveups_known = !fe_giveups(h, &p->giveups);
		return;
	}
	r = rnd(h, 100);
	if (r < 55) {
		p->fate = FATE_VALID;
	} else if (r < 70) {
		p->fate = FATE_ERROR;
	} else if (r < 85) {
		p->fate = FATE_GARBAGE;
	} else {
		p->fate = FATE_LATE;
		p->late_valid = rnd(h, 5) < 3;
		p->due_us = now + h->hold_us;
	}
}

static int consume_requests(struct hostile *h, uint64_t now)
{
	xenvxf_req_back_ring_t *r = &h->req;
	struct xenvxf_req req;
	RING_IDX rp;
	int more;

	do {
		rp = __atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED);
		xen_rmb();
		if (RING_REQUEST_PROD_OVERFLOW(r, rp)) {
			report(h, "frontend broke the request ring (req_prod %u, rsp_prod %u)",
			       rp, r->rsp_prod_pvt);
			h->status = 2;
			return -EPROTO;
		}
		while (r->req_cons != rp &&
		       !RING_REQUEST_CONS_OVERFLOW(r, r->req_cons)) {
			RING_COPY_REQUEST(r, r->req_cons, &req);
			r->req_cons++;
			add_pending(h, &req, now);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(r, more);
	} while (more && !RING_REQUEST_CONS_OVERFLOW(r, r->req_cons));
	return 0;
}

static void put_rsp(struct hostile *h, const struct xenvxf_rsp *rsp)
{
	memcpy(RING_GET_RESPONSE(&h->req, h->req.rsp_prod_pvt), rsp,
	       sizeof(*rsp));
	h->req.rsp_prod_pvt++;
	h->st.messages++;
}

static uint32_t pool_ref(struct hostile *h)
{
	return h->pool_refs[rnd(h, POOL_PAGES)];
}

static uint32_t garbage_ref(struct hostile *h)
{
	uint32_t v;

	switch (rnd(h, 4)) {
	case 0:
		return h->dead_refs[rnd(h, DEAD_PAGES)];
	case 1:
		v = (uint32_t)rng64(h);
		return v > MAX_VALID_REFS ? v : v | 0x80000000U;
	case 2:
		return 0;
	default:
		return UINT32_MAX;
	}
}

static void fill_valid(struct hostile *h, const struct xenvxf_req *req,
		       struct xenvxf_rsp *rsp)
{
	bool same = req->count > 1 && !rnd(h, 4);
	uint32_t ref = pool_ref(h);
	unsigned int i;

	rsp->status = XENVXF_STATUS_OK;
	rsp->ref_order = 0;
	rsp->nr_refs = req->count;
	for (i = 0; i < req->count && i < XENVXF_MAX_REFS; i++)
		rsp->ref[i] = same ? ref : pool_ref(h);
}

static void fill_error(struct hostile *h, struct xenvxf_rsp *rsp)
{
	static const int32_t statuses[] = {
		XENVXF_STATUS_EIO, XENVXF_STATUS_EAGAIN, XENVXF_STATUS_ENOMEM,
		XENVXF_STATUS_EINVAL, -1, -38, 1, 22, INT32_MIN, INT32_MAX,
	};
	int32_t status = statuses[rnd(h, sizeof(statuses) /
					sizeof(statuses[0]))];

	if (!rnd(h, 4)) {
		status = (int32_t)rng64(h);
		if (!status)
			status = -1;
	}
	rsp->status = status;
	/* An error answer carries no references, whatever else it says. */
	if (!rnd(h, 4)) {
		rsp->nr_refs = (uint16_t)rng64(h);
		rsp->ref_order = (uint8_t)rng64(h);
		rnd_bytes(h, rsp->ref, sizeof(rsp->ref));
	}
}

static void fill_garbage(struct hostile *h, const struct xenvxf_req *req,
			 struct xenvxf_rsp *rsp)
{
	unsigned int i, n = req->count;

	if (n > XENVXF_MAX_REFS)
		n = XENVXF_MAX_REFS;
	fill_valid(h, req, rsp);
	for (i = 0; i < n; i++)
		if (rnd(h, 3))
			rsp->ref[i] = garbage_ref(h);
	if (n)
		rsp->ref[rnd(h, n)] = garbage_ref(h);
}

static void answer(struct hostile *h, const struct hpend *p)
{
	struct xenvxf_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = p->req.id;
	rsp.operation = p->req.operation;
	switch (p->fate) {
	case FATE_VALID:
		fill_valid(h, &p->req, &rsp);
		h->st.valid_maps++;
		break;
	case FATE_ERROR:
		fill_error(h, &rsp);
		h->st.error_maps++;
		break;
	case FATE_GARBAGE:
		fill_garbage(h, &p->req, &rsp);
		h->st.garbage_refs++;
		break;
	case FATE_LATE:
		if (p->late_valid)
			fill_valid(h, &p->req, &rsp);
		else
			fill_error(h, &rsp);
		h->st.late_answers++;
		break;
	default:
		/* UNMAP: done; anything else is refused */
		rsp.status = p->req.operation == XENVXF_OP_UNMAP ?
			     XENVXF_STATUS_OK : XENVXF_STATUS_EINVAL;
		h->st.other_answers++;
		break;
	}
	put_rsp(h, &rsp);
	h->answered_id = rsp.id;
	h->answered_op = rsp.operation;
	h->have_answered = true;
}

/* Answer the requests that are due, keeping the others in order. */
static unsigned int answer_due(struct hostile *h, uint64_t now)
{
	unsigned int i, kept = 0, n = 0;

	for (i = 0; i < h->nr_pend; i++) {
		struct hpend *p = &h->pend[i];

		if (p->fate != FATE_RESERVED && p->due_us <= now &&
		    h->st.messages < h->o->messages) {
			answer(h, p);
			n++;
		} else {
			h->pend[kept++] = *p;
		}
	}
	h->nr_pend = kept;
	if (n)
		RING_PUSH_RESPONSES(&h->req);
	return n;
}

static void drop_pending(struct hostile *h, struct hpend *p)
{
	unsigned int i = p - h->pend;

	memmove(p, p + 1, (h->nr_pend - i - 1) * sizeof(*p));
	h->nr_pend--;
}

/* ---- events ---------------------------------------------------------- */

static unsigned int evt_free(const struct hostile *h)
{
	return RING_SIZE(&h->evt) - (h->evt.req_prod_pvt - h->evt.rsp_cons);
}

static void put_evt(struct hostile *h, struct xenvxf_evt *evt, uint8_t type,
		    int32_t status)
{
	RING_IDX i = h->evt.req_prod_pvt;
	struct hexp *e = &h->exp[i & (RING_SIZE(&h->evt) - 1)];

	evt->id = h->next_evt_id++;
	memcpy(RING_GET_REQUEST(&h->evt, i), evt, sizeof(*evt));
	e->id = evt->id;
	e->type = type;
	e->status = status;
	h->evt.req_prod_pvt = i + 1;
	h->st.messages++;
}

/* Reserved fields are to be ignored on reading: sometimes fill them. */
static void junk_reserved(struct hostile *h, struct xenvxf_evt *evt)
{
	if (rnd(h, 8))
		return;
	rnd_bytes(h, evt->reserved, sizeof(evt->reserved));
	rnd_bytes(h, evt->reserved2, sizeof(evt->reserved2));
}

static void send_revoke(struct hostile *h)
{
	struct xenvxf_evt evt;
	uint64_t max, r;

	memset(&evt, 0, sizeof(evt));
	evt.type = XENVXF_EVT_REVOKE;
	evt.deadline_us = rnd(h, 4) ? (uint32_t)rnd(h, 5000000) : 0;
	/* Mostly a few pages: a storm must leave the victims some progress. */
	r = rnd(h, 1000);
	if (!r) {
		evt.first_page = 0;
		evt.count = (uint32_t)h->window_pages;
	} else {
		evt.first_page = rnd(h, h->window_pages);
		max = h->window_pages - evt.first_page;
		if (r < 850 && max > 4)
			max = 4;
		else if (max > 64)
			max = 64;
		evt.count = 1 + rnd(h, max);
	}
	junk_reserved(h, &evt);
	put_evt(h, &evt, XENVXF_EVT_REVOKE_DONE, XENVXF_STATUS_OK);
	h->st.revokes++;
}

static void send_bad_revoke(struct hostile *h)
{
	uint64_t wp = h->window_pages, past;
	struct xenvxf_evt evt;

	memset(&evt, 0, sizeof(evt));
	evt.type = XENVXF_EVT_REVOKE;
	evt.deadline_us = (uint32_t)rng64(h);
	switch (rnd(h, 5)) {
	case 0:		/* wholly past the end */
		evt.first_page = wp + rnd(h, 1 << 20);
		evt.count = 1 + rnd(h, 64);
		break;
	case 1:		/* nothing */
		evt.first_page = rnd(h, wp);
		evt.count = 0;
		break;
	case 2:		/* first_page + count wraps around */
		evt.first_page = UINT64_MAX - rnd(h, 64);
		evt.count = 1 + rnd(h, UINT32_MAX);
		break;
	case 3:		/* starts inside, ends past the end */
		evt.first_page = rnd(h, wp);
		past = wp - evt.first_page + 1 + rnd(h, 1000);
		evt.count = past > UINT32_MAX ? UINT32_MAX : (uint32_t)past;
		break;
	default:	/* anywhere, as much as can be said */
		evt.first_page = rng64(h) | (1ULL << 63);
		evt.count = UINT32_MAX;
		break;
	}
	junk_reserved(h, &evt);
	put_evt(h, &evt, XENVXF_EVT_REVOKE_DONE, XENVXF_STATUS_EINVAL);
	h->st.bad_revokes++;
}

static void send_reset(struct hostile *h)
{
	struct xenvxf_evt evt;

	memset(&evt, 0, sizeof(evt));
	evt.type = XENVXF_EVT_RESET;
	junk_reserved(h, &evt);
	put_evt(h, &evt, XENVXF_EVT_RESET, XENVXF_STATUS_OK);
	h->st.resets++;
}

/* Messages the pacing allows now. */
static uint64_t allowance(const struct hostile *h)
{
	uint64_t due;

	if (!h->o->rate)
		return UINT64_MAX;
	due = (h->now - h->start_us) * h->o->rate / 1000000;
	return due > h->st.messages ? due - h->st.messages : 0;
}

/*
 * A storm: most of the time as many events as the ring holds. The pacing
 * saves up for a whole ring's worth.
 */
static unsigned int send_events(struct hostile *h)
{
	uint64_t left = h->o->messages - h->st.messages;
	unsigned int n = evt_free(h), i;
	uint64_t r;

	if (n > left)
		n = (unsigned int)left;
	if (allowance(h) < n)
		return 0;
	if (n && rnd(h, 4) == 0)
		n = 1 + rnd(h, n);
	for (i = 0; i < n; i++) {
		r = rnd(h, 1000);
		if (r < RESET_PER_MILLE)
			send_reset(h);
		else if (r < RESET_PER_MILLE + BAD_REVOKE_PER_MILLE)
			send_bad_revoke(h);
		else
			send_revoke(h);
	}
	if (n)
		RING_PUSH_REQUESTS(&h->evt);
	return n;
}

/* ---- breaking messages ----------------------------------------------- */

static void schedule_break(struct hostile *h)
{
	h->next_break = h->st.messages + 1 + rnd(h, 2 * BREAK_EVERY - 1);
	h->break_kind = (int)rnd(h, BRK_NR);
	h->break_wait = 0;
	h->reserved = false;
}

/* The request a breaking answer takes the slot of, or NULL. */
static struct hpend *break_victim(struct hostile *h, int kind)
{
	unsigned int i;

	for (i = 0; i < h->nr_pend; i++)
		if (h->pend[i].fate == FATE_RESERVED)
			return &h->pend[i];
	if (brk_needs_live_map(kind) || !h->nr_pend)
		return NULL;
	return &h->pend[rnd(h, h->nr_pend)];
}

static uint64_t unknown_id(struct hostile *h)
{
	/* The frontend numbers its requests from 1 up. */
	return rnd(h, 2) ? 0 : rng64(h) | (1ULL << 63);
}

/* Write the breaking answer of @kind in @p's slot. */
static void break_answer(struct hostile *h, int kind, const struct hpend *p)
{
	struct xenvxf_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = p->req.id;
	rsp.operation = p->req.operation;
	if (p->req.operation == XENVXF_OP_MAP)
		fill_valid(h, &p->req, &rsp);
	switch (kind) {
	case BRK_UNKNOWN_ID:
		rsp.id = unknown_id(h);
		break;
	case BRK_DUPLICATE:
		rsp.id = h->answered_id;
		rsp.operation = h->answered_op;
		break;
	case BRK_WRONG_OP:
		if (p->req.operation != XENVXF_OP_MAP)
			rsp.operation = XENVXF_OP_MAP;
		else if (rnd(h, 2))
			rsp.operation = XENVXF_OP_UNMAP;
		else
			rsp.operation = 2 + rnd(h, 254);
		break;
	case BRK_NR_REFS:
		do {
			rsp.nr_refs = rnd(h, 2) ? (uint16_t)rnd(h, 13) :
						  (uint16_t)rng64(h);
		} while (rsp.nr_refs == p->req.count);
		break;
	case BRK_REF_ORDER:
		do {
			rsp.ref_order = 1 + rnd(h, 255);
		} while ((h->rings.flags & VXF_LOOP_F_SUPERPAGE) &&
			 rsp.ref_order == XENVXF_SUPERPAGE_ORDER);
		break;
	default:	/* BRK_RANDOM_RSP: an id the frontend never used */
		rnd_bytes(h, &rsp, sizeof(rsp));
		rsp.id |= 1ULL << 63;
		break;
	}
	put_rsp(h, &rsp);
	RING_PUSH_RESPONSES(&h->req);
}

/* Half a slot, never published; then the backend is gone. */
static void stop_mid_message(struct hostile *h, const struct hpend *p)
{
	uint8_t junk[64];
	void *slot;

	rnd_bytes(h, junk, sizeof(junk));
	if (p) {
		struct xenvxf_rsp rsp;

		memset(&rsp, 0, sizeof(rsp));
		rsp.id = p->req.id;
		rsp.operation = p->req.operation;
		memcpy(junk, &rsp, 16);
		slot = RING_GET_RESPONSE(&h->req, h->req.rsp_prod_pvt);
	} else {
		slot = RING_GET_REQUEST(&h->evt, h->evt.req_prod_pvt);
	}
	memcpy(slot, junk, sizeof(junk) / 2);
}

/*
 * Send the breaking message that is due. Returns 1 once sent (and the
 * connection renewed), 0 while it waits for a request, -errno if the loop
 * device failed.
 */
static int send_break(struct hostile *h)
{
	int kind = h->break_kind, ret;
	uint64_t giveups_then = 0, giveups_now;
	bool certain = true, giveups_known = false;
	struct hpend *p = NULL;
	struct xenvxf_evt evt;

	if (kind < BRK_RSP_PROD || kind == BRK_STOP_MID)
		p = break_victim(h, kind);
	if (kind < BRK_RSP_PROD && !p) {
		if (++h->break_wait < REQ_WAIT_ROUNDS)
			return 0;
		/* Nobody faults: one that needs no request. */
		kind = BRK_RSP_PROD + (int)rnd(h, BRK_NR - BRK_RSP_PROD);
	}
	if (kind == BRK_DUPLICATE && !h->have_answered)
		kind = BRK_UNKNOWN_ID;
	h->st.breaking++;
	h->st.brk[kind]++;

	switch (kind) {
	case BRK_RSP_PROD:
		xen_wmb();
		h->req.sring->rsp_prod = h->req.rsp_prod_pvt +
					 RING_SIZE(&h->req) + 1 +
					 (RING_IDX)rnd(h, 1U << 30);
		h->st.messages++;
		break;
	case BRK_EVT_PROD:
		xen_wmb();
		h->evt.sring->req_prod = h->evt.req_prod_pvt +
					 RING_SIZE(&h->evt) + 1 +
					 (RING_IDX)rnd(h, 1U << 30);
		h->st.messages++;
		break;
	case BRK_EVT_TYPE:
	case BRK_RANDOM_EVT:
		memset(&evt, 0, sizeof(evt));
		if (kind == BRK_RANDOM_EVT) {
			rnd_bytes(h, &evt, sizeof(evt));
		} else {
			evt.first_page = rnd(h, h->window_pages);
			evt.count = 1;
		}
		/* An event type the protocol does not have. */
		evt.type = XENVXF_EVT_REVOKE_DONE + 1 + rnd(h, 253);
		put_evt(h, &evt, 0, 0);
		RING_PUSH_REQUESTS(&h->evt);
		break;
	case BRK_STOP_MID:
		stop_mid_message(h, p);
		return hostile_reconnect(h) ? -EIO : 1;
	default:
		certain = !brk_needs_live_map(kind);
		giveups_known = p->giveups_known;
		giveups_then = p->giveups;
		break_answer(h, kind, p);
		drop_pending(h, p);
		break;
	}

	ret = kick(h);
	if (ret < 0)
		return ret;
	/* Nothing given up since the request came: it was in flight. */
	if (!ret && !certain && giveups_known && !fe_giveups(h, &giveups_now) &&
	    giveups_now == giveups_then)
		certain = true;
	if (!ret) {
		if (certain) {
			h->st.missed++;
			report(h, "the frontend accepted a breaking message (%s)",
			       brk_names[kind]);
		} else {
			/* It had given the request up: a valid late answer */
			h->st.absorbed++;
			schedule_break(h);
			return 1;
		}
	}
	return hostile_reconnect(h) ? -EIO : 1;
}

/* ---- main loop ------------------------------------------------------- */

/* Nothing to send: sleep until a kick, a late answer or the pacing. */
static void idle(struct hostile *h, uint64_t now)
{
	uint64_t wake = now + 10000, t;
	struct pollfd pfd;
	unsigned int i;
	int ms;

	h->t.ops->ack_kicks(&h->t);
	for (i = 0; i < h->nr_pend; i++)
		if (h->pend[i].due_us < wake)
			wake = h->pend[i].due_us;
	if (h->o->rate) {
		/* when the next storm is allowed */
		t = h->start_us + (h->st.messages + evt_free(h)) * 1000000 /
				  h->o->rate;
		if (t < wake)
			wake = t;
	}
	ms = wake > now ? (int)((wake - now + 999) / 1000) : 0;
	pfd.fd = h->t.ops->kick_fd(&h->t);
	pfd.events = POLLIN;
	pfd.revents = 0;
	poll(&pfd, 1, ms);
}

static int one_round(struct hostile *h)
{
	uint64_t now = now_us();
	unsigned int written = 0, resets;
	int ret;

	h->now = now;
	if (consume_answers(h) || consume_requests(h, now))
		return -EPROTO;
	written += answer_due(h, now);
	if (break_due(h)) {
		ret = send_break(h);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	resets = h->st.resets;
	written += send_events(h);
	if (written) {
		ret = kick(h);
		if (ret < 0)
			return ret;
		if (ret) {
			h->st.unexpected++;
			report(h, "disconnected after %u ordinary messages (%u resets among them)",
			       written, (unsigned int)(h->st.resets - resets));
			return hostile_reconnect(h) ? -EIO : 0;
		}
	}
	if (!rnd(h, SPURIOUS_EVERY)) {
		/* A kick with nothing new on either ring. */
		if (consume_answers(h))
			return -EPROTO;
		ret = kick(h);
		h->st.spurious_kicks++;
		if (ret < 0)
			return ret;
		if (ret) {
			h->st.unexpected++;
			report(h, "disconnected after a spurious kick");
			return hostile_reconnect(h) ? -EIO : 0;
		}
	}
	if (!written)
		idle(h, now);
	return 0;
}

static void print_summary(struct hostile *h)
{
	const struct hstats *s = &h->st;
	double secs = (now_us() - h->start_us) / 1e6;
	unsigned int i;

	printf("hostile: seed=%" PRIu64 " messages=%" PRIu64
	       " valid_maps=%" PRIu64 " error_maps=%" PRIu64
	       " garbage_refs=%" PRIu64 " late_answers=%" PRIu64
	       " revokes=%" PRIu64 " bad_revokes=%" PRIu64
	       " resets=%" PRIu64 " breaking=%" PRIu64
	       " spurious_kicks=%" PRIu64 " reconnects=%" PRIu64
	       " einval_answers=%" PRIu64 "\n",
	       h->o->seed, s->messages, s->valid_maps, s->error_maps,
	       s->garbage_refs, s->late_answers, s->revokes, s->bad_revokes,
	       s->resets, s->breaking, s->spurious_kicks, s->reconnects,
	       s->einval_answers);
	fflush(stdout);
	if (h->o->quiet)
		return;
	fprintf(stderr, "vxf-backend: hostile: breaking:");
	for (i = 0; i < BRK_NR; i++)
		fprintf(stderr, " %s=%" PRIu64, brk_names[i], s->brk[i]);
	fprintf(stderr, "\nvxf-backend: hostile: absorbed=%" PRIu64
		" missed=%" PRIu64 " unexpected=%" PRIu64
		" bad_answers=%" PRIu64 " unmap_answers=%" PRIu64
		" notifies=%" PRIu64 " time=%.1fs rate=%.0f/s\n",
		s->absorbed, s->missed, s->unexpected, s->bad_answers,
		s->other_answers, s->notifies, secs,
		secs > 0 ? s->messages / secs : 0.0);
}

static void *alloc_pages(size_t pages)
{
	void *p = mmap(NULL, pages * PAGE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/**
 * vxf_hostile_main() - run the hostile backend
 * @o: options
 * @stop: set by a signal: stop early (the summary is still printed)
 *
 * Return: the exit status (0, 1 setup error, 2 misbehaviour seen).
 */
int vxf_hostile_main(const struct vxf_hostile_opts *o,
		     volatile sig_atomic_t *stop)
{
	static struct hostile h;
	int ret;

	h.o = o;
	h.index = -1;
	h.win_fd = -1;
	rng_seed(&h, o->seed);
	h.pool = alloc_pages(POOL_PAGES);
	h.dead = alloc_pages(DEAD_PAGES);
	if (!h.pool || !h.dead || vxf_loop_transport_init(&h.t)) {
		fprintf(stderr, "vxf-backend: out of memory\n");
		return 1;
	}
	rnd_bytes(&h, h.pool, POOL_PAGES * PAGE_BYTES);
	rnd_bytes(&h, h.dead, DEAD_PAGES * PAGE_BYTES);
	if (hostile_connect(&h) || hold_window(&h)) {
		hostile_disconnect(&h);
		h.t.ops->destroy(&h.t);
		return 1;
	}
	printf("ready index=%d dev=%s pages=%" PRIu64 "\n", h.index,
	       h.rings.dev, h.window_pages);
	fflush(stdout);
	if (!o->quiet)
		fprintf(stderr, "vxf-backend: hostile on %s: seed %" PRIu64
			", %" PRIu64 " messages at %" PRIu64 "/s, late answers after %" PRIu64
			" us\n", h.rings.dev, o->seed, o->messages, o->rate,
			h.hold_us);

	h.start_us = now_us();
	schedule_break(&h);
	while (h.st.messages < o->messages && !*stop) {
		ret = one_round(&h);
		if (ret) {
			report(&h, "giving up: %s", strerror(-ret));
			h.status = 2;
			break;
		}
	}
	hostile_disconnect(&h);
	h.t.ops->destroy(&h.t);
	close(h.win_fd);
	if (h.st.missed || h.st.unexpected || h.st.bad_answers)
		h.status = 2;
	print_summary(&h);
	free(h.pend);
	free(h.exp);
	return h.status;
}
