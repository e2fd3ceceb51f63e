// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - host-side test of the vxf backend's protocol and store
 *
 * Runs proto.c and store.c against an in-process fake transport: both rings
 * live in plain memory, a fake frontend in this file plays the guest with
 * ring.h's macros (front end of the request ring, back end of the event
 * ring), and "grants" are entries of a table from reference to address.
 * Time is simulated. Every test runs twice: with a transport that grants
 * the store's own pool (as loop mode), and with one that shares pages it
 * allocates itself (as Xen's gntshr, "[share]"). The super-* tests use a
 * bigger window with superpages and 2 MiB huge slots granted with order-9
 * references (the share transport has none: there they check that the
 * store refuses huge slots). Prints one line per test, exits 0 if all
 * passed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#include "ctl.h"
#include "proto.h"
#include "store.h"
#include "transport.h"
#include "vxf_pattern.h"

#define WINDOW_PAGES	256
#define RING_BYTES	4096
#define MAX_REFS	4096
#define GRAVE_PAGES	64
/* Superpage tests: two whole 2 MiB blocks and a partial one. */
#define SUPER_PAGES	(2 * 512 + 76)

/* ---- fake transport ---------------------------------------------------- */

struct fake {
	void *ring_mem;
	void *ref_addr[MAX_REFS];	/* NULL: not granted */
	uint32_t next_ref;
	unsigned int notifies;
	unsigned int grant_calls;
	int fail_grant;
	bool huge_not_contig;
	unsigned int huge_grants;
	unsigned int unshared;
	void *grave[GRAVE_PAGES];
};

static bool share_mode;

static struct fake *to_fake(struct vxf_transport *t)
{
	return t->priv;
}

static int fake_connect(struct vxf_transport *t,
			const struct vxf_transport_params *p,
			struct vxf_transport_rings *r)
{
	struct fake *f = to_fake(t);

	f->ring_mem = aligned_alloc(4096, 2 * RING_BYTES);
	if (!f->ring_mem)
		return -ENOMEM;
	memset(f->ring_mem, 0, 2 * RING_BYTES);
	/* The frontend initialises the shared rings. */
	SHARED_RING_INIT((xenvxf_req_sring_t *)f->ring_mem);
	SHARED_RING_INIT((xenvxf_evt_sring_t *)((char *)f->ring_mem +
						  RING_BYTES));
	r->req = f->ring_mem;
	r->evt = (char *)f->ring_mem + RING_BYTES;
	r->ring_bytes = RING_BYTES;
	r->index = 0;
	r->window_pages = p->window_pages;
	snprintf(r->dev, sizeof(r->dev), "fake");
	return 0;
}

static int fake_notify(struct vxf_transport *t)
{
	to_fake(t)->notifies++;
	return 0;
}

static int fake_kick_fd(struct vxf_transport *t)
{
	(void)t;
	return -1;
}

static int64_t fake_ack_kicks(struct vxf_transport *t)
{
	(void)t;
	return 0;
}

static int fake_ungrant(struct vxf_transport *t, const uint32_t *refs,
			unsigned int nr);

static int fake_grant(struct vxf_transport *t, void *addr, unsigned int nr,
		      uint32_t *refs)
{
	struct fake *f = to_fake(t);
	unsigned int i;

	f->grant_calls++;
	if (f->fail_grant)
		return -f->fail_grant;
	for (i = 0; i < nr; i++) {
		uint32_t tries = 0;

		do {
			f->next_ref = f->next_ref % (MAX_REFS - 1) + 1;
			if (++tries == MAX_REFS) {
				fake_ungrant(t, refs, i);
				return -ENOSPC;
			}
		} while (f->ref_addr[f->next_ref]);
		refs[i] = f->next_ref;
		f->ref_addr[refs[i]] = (char *)addr + i * 4096UL;
	}
	return 0;
}

/* One order-9 reference; the loop device's contiguity check is faked. */
static int fake_grant_huge(struct vxf_transport *t, void *addr,
			   uint32_t *ref)
{
	struct fake *f = to_fake(t);

	if ((uintptr_t)addr % (512 * 4096UL) || f->huge_not_contig)
		return -EINVAL;
	f->huge_grants++;
	return fake_grant(t, addr, 1, ref);
}

static int fake_ungrant(struct vxf_transport *t, const uint32_t *refs,
			unsigned int nr)
{
	struct fake *f = to_fake(t);
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (refs[i] >= MAX_REFS || !f->ref_addr[refs[i]])
			return -ENOENT;
		f->ref_addr[refs[i]] = NULL;
	}
	return 0;
}

/* The transport's own frames (loop mode's host-visible region), faked. */
static uint8_t fake_frames[WINDOW_PAGES * 4096UL] __attribute__((aligned(4096)));

static int fake_grant_fixed(struct vxf_transport *t, uint64_t first,
			    uint64_t nr, uint32_t *refs)
{
	if (first > WINDOW_PAGES || nr > WINDOW_PAGES - first)
		return -EINVAL;
	return fake_grant(t, fake_frames + first * 4096UL, nr, refs);
}

/* Share mode: a fresh page per reference, freed (poisoned) on unshare. */
static void *fake_share(struct vxf_transport *t, uint32_t *ref)
{
	void *page;

	if (to_fake(t)->fail_grant) {
		to_fake(t)->grant_calls++;
		errno = to_fake(t)->fail_grant;
		return NULL;
	}
	page = aligned_alloc(4096, 4096);
	if (!page)
		return NULL;
	memset(page, 0, 4096);
	if (fake_grant(t, page, 1, ref)) {
		free(page);
		errno = ENOSPC;
		return NULL;
	}
	return page;
}

static int fake_unshare(struct vxf_transport *t, void *addr, uint32_t ref)
{
	struct fake *f = to_fake(t);

	if (ref >= MAX_REFS || f->ref_addr[ref] != addr)
		return -ENOENT;
	f->ref_addr[ref] = NULL;
	/* Freed a little later, so that tests can still see the poison. */
	free(f->grave[f->unshared % GRAVE_PAGES]);
	f->grave[f->unshared++ % GRAVE_PAGES] = addr;
	return 0;
}

static void fake_disconnect(struct vxf_transport *t)
{
	struct fake *f = to_fake(t);
	unsigned int i;

	free(f->ring_mem);
	for (i = 0; i < GRAVE_PAGES; i++)
		free(f->grave[i]);
}

static void fake_destroy(struct vxf_transport *t)
{
	(void)t;
}

static const struct vxf_transport_ops fake_ops = {
	.name = "fake",
	.connect = fake_connect,
	.notify = fake_notify,
	.kick_fd = fake_kick_fd,
	.ack_kicks = fake_ack_kicks,
	.grant = fake_grant,
	.grant_huge = fake_grant_huge,
	.grant_fixed = fake_grant_fixed,
	.ungrant = fake_ungrant,
	.disconnect = fake_disconnect,
	.destroy = fake_destroy,
};

static const struct vxf_transport_ops fake_share_ops = {
	.name = "fake-share",
	.connect = fake_connect,
	.notify = fake_notify,
	.kick_fd = fake_kick_fd,
	.ack_kicks = fake_ack_kicks,
	.share = fake_share,
	.unshare = fake_unshare,
	.disconnect = fake_disconnect,
	.destroy = fake_destroy,
};

/*
 * Hypervisor mode on Xen: share mode whose MAPs lend the pages at the
 * frontend's frames (fake_hv_lend) and whose revokes take them back
 * (fake_hv_revoke). With @scribble, a revoke first writes word 5 of each
 * lent page of its range: the guest's last write before the frame went,
 * which the store must keep.
 */
static struct {
	uint32_t lent_ref[WINDOW_PAGES];	/* ref + 1; 0: not lent */
	unsigned int lends, revokes;
	uint64_t first, count;
	bool scribble;
} fake_hv;

#define HV_SCRIBBLE(page)	(0x5c7166ab1e000000ULL + (page))

static int fake_hv_lend(struct vxf_transport *t, uint64_t first,
			const uint32_t *refs, unsigned int nr)
{
	unsigned int i;

	(void)t;
	if (first + nr > WINDOW_PAGES)
		return -EINVAL;
	for (i = 0; i < nr; i++)
		fake_hv.lent_ref[first + i] = refs[i] + 1;
	fake_hv.lends++;
	return 0;
}

static int fake_hv_revoke(struct vxf_transport *t, uint64_t first,
			  uint64_t count)
{
	struct fake *f = to_fake(t);
	uint64_t page;

	if (first + count > WINDOW_PAGES)
		return -EINVAL;
	fake_hv.revokes++;
	fake_hv.first = first;
	fake_hv.count = count;
	for (page = first; page < first + count; page++) {
		uint32_t ref = fake_hv.lent_ref[page];

		if (!ref)
			continue;
		if (fake_hv.scribble && f->ref_addr[ref - 1])
			((uint64_t *)f->ref_addr[ref - 1])[5] =
				HV_SCRIBBLE(page);
		fake_hv.lent_ref[page] = 0;
	}
	return 0;
}

static const struct vxf_transport_ops fake_hv_ops = {
	.name = "fake-hv",
	.connect = fake_connect,
	.notify = fake_notify,
	.kick_fd = fake_kick_fd,
	.ack_kicks = fake_ack_kicks,
	.share = fake_share,
	.unshare = fake_unshare,
	.hv_revoke = fake_hv_revoke,
	.hv_lend = fake_hv_lend,
	.disconnect = fake_disconnect,
	.destroy = fake_destroy,
};

/* The test bed's transport: set by a test before it re-initialises it. */
static bool hv_mode;

/* ---- test bed: backend + fake frontend --------------------------------- */

struct bed {
	struct fake fake;
	struct vxf_transport t;
	struct vxf_transport_rings rings;
	struct vxf_store store;
	struct vxf_proto proto;
	xenvxf_req_front_ring_t fe_req;
	xenvxf_evt_back_ring_t fe_evt;
	uint64_t now;
	uint64_t next_id;
	unsigned int done_calls;
	struct vxf_proto_done last_done;
};

static void on_done(void *ctx, const struct vxf_proto_done *d)
{
	struct bed *b = ctx;

	b->done_calls++;
	b->last_done = *d;
}

static void bed_init_pages(struct bed *b, uint64_t pages)
{
	struct vxf_transport_params params = {
		.index = -1,
		.window_pages = pages,
	};

	memset(b, 0, sizeof(*b));
	b->t.ops = hv_mode ? &fake_hv_ops :
		   share_mode ? &fake_share_ops : &fake_ops;
	b->t.priv = &b->fake;
	b->now = 1000000;
	b->next_id = 1;
	if (fake_connect(&b->t, &params, &b->rings) ||
	    vxf_store_init(&b->store, &b->t, pages, pages + 64) ||
	    vxf_proto_init(&b->proto, &b->t, &b->store, &b->rings, 42,
			   on_done, b)) {
		fprintf(stderr, "selftest: setup failed\n");
		exit(1);
	}
	FRONT_RING_INIT(&b->fe_req, (xenvxf_req_sring_t *)b->rings.req,
			RING_BYTES);
	BACK_RING_INIT(&b->fe_evt, (xenvxf_evt_sring_t *)b->rings.evt,
		       RING_BYTES);
}

static void bed_init(struct bed *b)
{
	bed_init_pages(b, WINDOW_PAGES);
}

static void bed_fini(struct bed *b)
{
	vxf_proto_fini(&b->proto);
	vxf_store_fini(&b->store);
	fake_disconnect(&b->t);
}

/*
 * Start over with a SUPER_PAGES window; with superpages and @nr_huge huge
 * slots if @super. Returns false in share mode when @super (no huge slots
 * there: checked here).
 */
static bool bed_super(struct bed *b, bool super, uint32_t nr_huge)
{
	bed_fini(b);
	bed_init_pages(b, SUPER_PAGES);
	if (!super)
		return true;
	if (share_mode) {
		if (vxf_store_init_huge(&b->store, nr_huge) != -EOPNOTSUPP) {
			fprintf(stderr, "  share mode took huge slots\n");
			exit(1);
		}
		return false;
	}
	if (vxf_store_init_huge(&b->store, nr_huge)) {
		fprintf(stderr, "selftest: huge slot setup failed\n");
		exit(1);
	}
	b->proto.superpage = true;
	return true;
}

static int service(struct bed *b)
{
	return vxf_proto_service(&b->proto, b->now);
}

static uint64_t fe_send(struct bed *b, uint8_t op, uint8_t flags,
			uint64_t first, uint32_t count)
{
	struct xenvxf_req *req;

	if (RING_FULL(&b->fe_req))
		return 0;
	req = RING_GET_REQUEST(&b->fe_req, b->fe_req.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	req->id = b->next_id++;
	req->operation = op;
	req->flags = flags;
	req->first_page = first;
	req->count = count;
	b->fe_req.req_prod_pvt++;
	RING_PUSH_REQUESTS(&b->fe_req);
	return req->id;
}

static uint64_t fe_map(struct bed *b, uint64_t first, uint32_t count)
{
	return fe_send(b, XENVXF_OP_MAP, XENVXF_MAP_F_WRITE, first, count);
}

static int fe_rsp(struct bed *b, struct xenvxf_rsp *rsp)
{
	if (b->fe_req.rsp_cons == b->fe_req.sring->rsp_prod)
		return 0;
	RING_COPY_RESPONSE(&b->fe_req, b->fe_req.rsp_cons, rsp);
	b->fe_req.rsp_cons++;
	return 1;
}

static int fe_evt(struct bed *b, struct xenvxf_evt *evt)
{
	if (b->fe_evt.req_cons == b->fe_evt.sring->req_prod)
		return 0;
	RING_COPY_REQUEST(&b->fe_evt, b->fe_evt.req_cons, evt);
	b->fe_evt.req_cons++;
	return 1;
}

static void fe_answer(struct bed *b, uint64_t id, uint8_t type, int status)
{
	struct xenvxf_evt_rsp *rsp;

	rsp = RING_GET_RESPONSE(&b->fe_evt, b->fe_evt.rsp_prod_pvt);
	memset(rsp, 0, sizeof(*rsp));
	rsp->id = id;
	rsp->type = type;
	rsp->status = status;
	b->fe_evt.rsp_prod_pvt++;
	RING_PUSH_RESPONSES(&b->fe_evt);
}

static uint64_t *ref_word(struct bed *b, uint32_t ref, unsigned int word)
{
	if (ref >= MAX_REFS || !b->fake.ref_addr[ref])
		return NULL;
	return (uint64_t *)b->fake.ref_addr[ref] + word;
}

/* ---- assertions -------------------------------------------------------- */

static int failures;
static const char *cur_test;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s: %s:%d: CHECK(%s) failed\n",	\
			cur_test, __FILE__, __LINE__, #cond);		\
		failures++;						\
		return;							\
	}								\
} while (0)

/* MAP a range and check the answer; refs out. */
#define MAP_OK(b, first, count, refs) do {				\
	struct xenvxf_rsp __r;						\
	uint64_t __id = fe_map(b, first, count);			\
	CHECK(__id);							\
	CHECK(service(b) == 0);						\
	CHECK(fe_rsp(b, &__r));						\
	CHECK(__r.id == __id && __r.status == 0);			\
	CHECK(__r.operation == XENVXF_OP_MAP && __r.ref_order == 0);	\
	CHECK(__r.nr_refs == (count));					\
	memcpy(refs, __r.ref, sizeof(uint32_t) * (count));		\
} while (0)

static bool page_is_pattern(struct bed *b, uint32_t ref, uint64_t page)
{
	return vxf_pattern_check_page(b->fake.ref_addr[ref], page) < 0;
}

static bool page_is_poison(const void *p)
{
	const uint64_t *w = p;
	unsigned int i;

	for (i = 0; i < VXF_PATTERN_WORDS; i++)
		if (w[i] != VXF_POISON)
			return false;
	return true;
}

/* ---- tests ------------------------------------------------------------- */

static void test_pattern(struct bed *b)
{
	uint8_t page[4096] __attribute__((aligned(8)));

	(void)b;
	CHECK(vxf_pattern(0) == 0x7866762d626c6f62ULL);
	CHECK(vxf_pattern(8) == (0x9E3779B97F4A7C15ULL * 8 ^
				 0x7866762d626c6f62ULL));
	vxf_pattern_fill_page(page, 3);
	CHECK(vxf_pattern_check_page(page, 3) == -1);
	CHECK(vxf_pattern_check_page(page, 4) == 0);
	page[4095] ^= 1;
	CHECK(vxf_pattern_check_page(page, 3) == 511);
}

static void test_map_roundtrip(struct bed *b)
{
	uint32_t refs[4], again[4];
	unsigned int i, grants;

	MAP_OK(b, 8, 4, refs);
	for (i = 0; i < 4; i++) {
		CHECK(ref_word(b, refs[i], 0));
		CHECK(page_is_pattern(b, refs[i], 8 + i));
	}
	CHECK(b->fake.notifies >= 1);
	CHECK(b->store.granted == 4);
	grants = b->fake.grant_calls;
	/* fresh FIFO slots are contiguous: one call; share: one per page */
	CHECK(grants == (share_mode ? 4 : 1));

	/* Pages that have a slot are answered with the same reference. */
	MAP_OK(b, 8, 4, again);
	CHECK(!memcmp(refs, again, sizeof(refs)));
	CHECK(b->fake.grant_calls == grants);
	CHECK(b->proto.stats.maps == 2 && b->proto.stats.map_pages == 8);
}

static void test_coherence(struct bed *b)
{
	uint32_t ref;

	MAP_OK(b, 5, 1, &ref);
	*ref_word(b, ref, 7) = 0x1122334455667788ULL;	/* guest writes */
	CHECK(vxf_store_peek(&b->store, 5, 7) == 0x1122334455667788ULL);
	vxf_store_poke(&b->store, 5, 9, 0xabcdef);	/* host writes */
	CHECK(*ref_word(b, ref, 9) == 0xabcdef);
	/* Unmapped pages: peek/poke go to the content. */
	CHECK(vxf_store_peek(&b->store, 100, 3) == vxf_pattern_word(100, 3));
	vxf_store_poke(&b->store, 100, 3, 77);
	CHECK(vxf_store_peek(&b->store, 100, 3) == 77);
}

static void test_revoke(struct bed *b)
{
	struct xenvxf_evt evt;
	uint32_t refs[2], after[2];
	void *old0;

	MAP_OK(b, 0, 2, refs);
	old0 = b->fake.ref_addr[refs[0]];
	*ref_word(b, refs[0], 1) = 0xfeedULL;

	CHECK(vxf_proto_revoke(&b->proto, 0, 2, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	CHECK(evt.type == XENVXF_EVT_REVOKE && evt.first_page == 0);
	CHECK(evt.count == 2 && evt.deadline_us == vxf_revoke_deadline_us);
	CHECK(b->store.granted == 2);
	fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && !b->last_done.timeout);
	CHECK(b->last_done.status == 0 && b->last_done.pages == 2);
	CHECK(b->store.granted == 0);
	CHECK(!ref_word(b, refs[0], 0) && !ref_word(b, refs[1], 0));
	CHECK(page_is_poison(old0));
	/* Migration: the write survived. */
	CHECK(vxf_store_peek(&b->store, 0, 1) == 0xfeedULL);
	CHECK(vxf_store_peek(&b->store, 0, 2) == vxf_pattern_word(0, 2));

	/* Mapped again, into other slots than the ones just freed. */
	MAP_OK(b, 0, 2, after);
	CHECK(b->fake.ref_addr[after[0]] != old0);
	CHECK(*ref_word(b, after[0], 1) == 0xfeedULL);
	CHECK(b->proto.stats.revokes == 1 && b->proto.stats.revoke_done == 1);
	CHECK(b->proto.stats.revoked_pages == 2);
}

static void test_map_held_by_revoke(struct bed *b)
{
	struct xenvxf_evt evt;
	struct xenvxf_rsp rsp;
	uint32_t ref;
	uint64_t id;

	MAP_OK(b, 10, 1, &ref);
	CHECK(vxf_proto_revoke(&b->proto, 10, 1, false, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	id = fe_map(b, 10, 1);
	CHECK(service(b) == 0);
	CHECK(!fe_rsp(b, &rsp));	/* held: the REVOKE is in flight */
	/* A MAP elsewhere is not held. */
	MAP_OK(b, 11, 1, &ref);
	fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
	CHECK(service(b) == 0);
	CHECK(fe_rsp(b, &rsp));
	CHECK(rsp.id == id && rsp.status == 0 && rsp.nr_refs == 1);
	CHECK(page_is_pattern(b, rsp.ref[0], 10));
	CHECK(b->done_calls == 0);	/* not a control revoke */
}

static void expect_status(struct bed *b, uint8_t op, uint8_t flags,
			  uint64_t first, uint32_t count, int status)
{
	struct xenvxf_rsp rsp;
	uint64_t id = fe_send(b, op, flags, first, count);

	CHECK(service(b) == 0);
	CHECK(fe_rsp(b, &rsp));
	CHECK(rsp.id == id && rsp.operation == op);
	CHECK(rsp.status == status && rsp.nr_refs == 0);
}

static void test_bad_requests(struct bed *b)
{
	expect_status(b, 7, 0, 0, 1, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, 0, 0, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, 0, XENVXF_MAX_MAP_PAGES + 1,
		      -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, WINDOW_PAGES, 1, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, WINDOW_PAGES - 1, 2, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, UINT64_MAX, 2, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0x80, 0, 1, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_UNMAP, 0, 0, WINDOW_PAGES + 1, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_UNMAP, 0, 0, 0, -XEN_EINVAL);
	CHECK(b->proto.stats.bad_requests == 9);
	CHECK(b->store.granted == 0);
	/* Prefetch is served like any MAP. */
	expect_status(b, XENVXF_OP_UNMAP, 0, 0, WINDOW_PAGES, 0);
}

static void test_fail_injection(struct bed *b)
{
	uint32_t ref;

	CHECK(vxf_proto_fail_add(&b->proto, 20, 2) == 0);
	expect_status(b, XENVXF_OP_MAP, 0, 18, 3, -XEN_EIO);
	expect_status(b, XENVXF_OP_MAP, 0, 21, 1, -XEN_EIO);
	MAP_OK(b, 22, 1, &ref);
	vxf_proto_fail_clear(&b->proto);
	MAP_OK(b, 21, 1, &ref);
	CHECK(b->proto.stats.map_errors == 2);
	/* A failing grant is an -XEN_EIO answer and leaks nothing. */
	b->fake.fail_grant = ENOMEM;
	expect_status(b, XENVXF_OP_MAP, 0, 40, 4, -XEN_EIO);
	b->fake.fail_grant = 0;
	CHECK(b->store.granted == 2);
	CHECK(b->store.nr_free == b->store.nr_slots - 2);
}

static void test_delay_and_hang(struct bed *b)
{
	struct xenvxf_rsp rsp;
	uint64_t id, t0 = b->now;

	b->proto.delay_us = 1000;
	id = fe_map(b, 50, 1);
	CHECK(service(b) == 0);
	CHECK(!fe_rsp(b, &rsp));
	CHECK(vxf_proto_next_wakeup(&b->proto) == t0 + 1000);
	b->now = t0 + 999;
	CHECK(service(b) == 0);
	CHECK(!fe_rsp(b, &rsp));
	b->now = t0 + 1000;
	CHECK(service(b) == 0);
	CHECK(fe_rsp(b, &rsp) && rsp.id == id && rsp.status == 0);

	b->proto.delay_us = 0;
	b->proto.hang = true;
	id = fe_map(b, 51, 1);
	b->now += 5000000;
	CHECK(service(b) == 0);
	CHECK(!fe_rsp(b, &rsp));
	CHECK(vxf_proto_next_wakeup(&b->proto) == UINT64_MAX);
	b->proto.hang = false;
	CHECK(service(b) == 0);
	CHECK(fe_rsp(b, &rsp) && rsp.id == id && rsp.status == 0);
}

static void test_unmap(struct bed *b)
{
	struct xenvxf_rsp rsp;
	uint32_t refs[2];
	uint64_t id;

	MAP_OK(b, 30, 2, refs);
	*ref_word(b, refs[1], 0) = 99;
	id = fe_send(b, XENVXF_OP_UNMAP, 0, 30, 2);
	CHECK(service(b) == 0);
	CHECK(fe_rsp(b, &rsp) && rsp.id == id && rsp.status == 0);
	CHECK(rsp.operation == XENVXF_OP_UNMAP);
	CHECK(!ref_word(b, refs[0], 0) && !ref_word(b, refs[1], 0));
	CHECK(b->store.granted == 0);
	CHECK(vxf_store_peek(&b->store, 31, 0) == 99);
	CHECK(b->proto.stats.unmaps == 1);
}

static void test_revoke_timeout(struct bed *b)
{
	struct xenvxf_evt evt;
	uint32_t ref;

	MAP_OK(b, 60, 1, &ref);
	CHECK(vxf_proto_revoke(&b->proto, 60, 1, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	CHECK(vxf_proto_next_wakeup(&b->proto) ==
	      b->now + vxf_revoke_deadline_us);
	b->now += vxf_revoke_deadline_us;
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && b->last_done.timeout);
	CHECK(b->store.granted == 1);
	/* A late answer still migrates, silently. */
	fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && b->store.granted == 0);
}

static void test_revoke_failed(struct bed *b)
{
	struct xenvxf_evt evt;
	uint32_t ref;

	MAP_OK(b, 61, 1, &ref);
	CHECK(vxf_proto_revoke(&b->proto, 61, 1, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, -XEN_EIO);
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && b->last_done.status == -XEN_EIO);
	CHECK(b->last_done.pages == 0);
	CHECK(ref_word(b, ref, 0));	/* still lent */
}

static void test_reset(struct bed *b)
{
	struct xenvxf_evt evt;
	struct xenvxf_rsp rsp;
	uint32_t refs[3];
	uint64_t id;

	MAP_OK(b, 70, 3, refs);
	CHECK(vxf_proto_reset(&b->proto, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	CHECK(evt.type == XENVXF_EVT_RESET && evt.first_page == 0);
	CHECK(evt.count == 0);
	id = fe_map(b, 100, 1);
	CHECK(service(b) == 0);
	CHECK(!fe_rsp(b, &rsp));	/* held until the RESET is answered */
	fe_answer(b, evt.id, XENVXF_EVT_RESET, 0);
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && b->last_done.type == XENVXF_EVT_RESET);
	CHECK(!ref_word(b, refs[0], 0));
	CHECK(fe_rsp(b, &rsp) && rsp.id == id && rsp.status == 0);
	CHECK(b->store.granted == 1);
	CHECK(b->proto.stats.resets == 1);
}

static void test_bad_answers(struct bed *b)
{
	struct xenvxf_evt evt, evt2;

	/* Unknown id and wrong type: counted, ignored. */
	CHECK(vxf_proto_revoke(&b->proto, 0, 1, false, b->now) == 0);
	CHECK(vxf_proto_revoke(&b->proto, 1, 1, false, b->now) == 0);
	CHECK(fe_evt(b, &evt) && fe_evt(b, &evt2));
	fe_answer(b, evt.id + 100, XENVXF_EVT_REVOKE_DONE, 0);
	fe_answer(b, evt.id, XENVXF_EVT_RESET, 0);
	CHECK(service(b) == 0);
	CHECK(b->proto.stats.bad_requests == 2);
	CHECK(b->proto.nr_evts == 2);
	/* More answers than events sent: the frontend broke the ring. */
	b->fe_evt.sring->rsp_prod += 5;
	CHECK(service(b) == -EPROTO);
}

static void test_broken_req_ring(struct bed *b)
{
	b->fe_req.sring->req_prod = b->fe_req.req_prod_pvt + 1000;
	CHECK(service(b) == -EPROTO);
}

static void test_ring_full(struct bed *b)
{
	struct xenvxf_rsp rsp;
	unsigned int i, n = RING_SIZE(&b->fe_req), got = 0;

	b->proto.hang = true;
	for (i = 0; i < n; i++)
		CHECK(fe_map(b, i % WINDOW_PAGES, 1));
	CHECK(!fe_map(b, 0, 1));
	CHECK(service(b) == 0);
	CHECK(b->proto.nr_pending == n);
	b->proto.hang = false;
	CHECK(service(b) == 0);
	while (fe_rsp(b, &rsp))
		got += rsp.status == 0;
	CHECK(got == n);
	/* A frontend that writes past the ring is caught, for good. */
	b->fe_req.sring->req_prod += n + 1;
	CHECK(service(b) == -EPROTO);
	b->fe_req.sring->req_prod -= n + 1;
	CHECK(service(b) == -EPROTO);
}

static void test_full_window(struct bed *b)
{
	uint32_t refs[12];
	uint64_t p;

	for (p = 0; p + 12 <= WINDOW_PAGES; p += 12)
		MAP_OK(b, p, 12, refs);
	MAP_OK(b, 252, 4, refs);
	CHECK(b->store.granted == WINDOW_PAGES);
	CHECK(b->store.nr_free == 64);
}

/*
 * Fixed frames (--vgpu): page N is lent as frame N, granted once; a revoke
 * copies and poisons nothing and the next MAP lends the same frame, with
 * what was written there (by the guest or the host) in it.
 */
static void test_fixed_frames(struct bed *b)
{
	uint32_t refs[4], again[4];
	struct xenvxf_evt evt;
	unsigned int i;

	if (share_mode) {
		CHECK(vxf_store_init_fixed(&b->store) == -EOPNOTSUPP);
		return;
	}
	CHECK(vxf_store_init_fixed(&b->store) == 0);
	CHECK(b->store.granted == WINDOW_PAGES);
	MAP_OK(b, 8, 4, refs);
	for (i = 0; i < 4; i++)
		CHECK(b->fake.ref_addr[refs[i]] ==
		      fake_frames + (8 + i) * 4096UL);
	CHECK(vxf_store_page_mapped(&b->store, 9));
	*ref_word(b, refs[1], 3) = 0x5e01ULL;

	CHECK(vxf_proto_revoke(&b->proto, 8, 4, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	/* the host writes the frame while it is revoked */
	*ref_word(b, refs[1], 4) = 0x5e02ULL;
	fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && b->last_done.pages == 4);
	CHECK(!vxf_store_page_mapped(&b->store, 9));
	CHECK(b->store.granted == WINDOW_PAGES);

	MAP_OK(b, 8, 4, again);
	CHECK(!memcmp(refs, again, sizeof(refs)));
	CHECK(*ref_word(b, again[1], 3) == 0x5e01ULL);
	CHECK(*ref_word(b, again[1], 4) == 0x5e02ULL);
	CHECK(!page_is_poison(b->fake.ref_addr[again[0]]));
}

/* A pool smaller than the window: a MAP that finds no slot is -ENOMEM. */
static void test_small_pool(struct bed *b)
{
	uint32_t refs[12];

	vxf_store_fini(&b->store);
	CHECK(vxf_store_init(&b->store, &b->t, WINDOW_PAGES, 16) == 0);
	MAP_OK(b, 0, 12, refs);
	expect_status(b, XENVXF_OP_MAP, 0, 100, 5, -XEN_ENOMEM);
	CHECK(b->store.granted == 12 && b->store.nr_free == 4);
	MAP_OK(b, 100, 4, refs);
	CHECK(b->store.nr_free == 0);
	CHECK(vxf_store_reclaim(&b->store, 0, 12) == 12);
	MAP_OK(b, 100, 5, refs);
}

/* Revoke storm with random MAPs and writes; the content must survive. */
static void test_storm(struct bed *b)
{
	static uint64_t truth[WINDOW_PAGES], first_of[1 << 16];
	struct xenvxf_evt evt;
	struct xenvxf_rsp rsp;
	unsigned int i, step, revokes = 0;
	uint64_t rnd = 7, id, page;

	for (i = 0; i < WINDOW_PAGES; i++)
		truth[i] = vxf_pattern_word(i, 5);
	vxf_proto_set_storm(&b->proto, 100, b->now);
	for (step = 0; step < 20000; step++) {
		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		b->now += 37;
		page = (rnd >> 33) % (WINDOW_PAGES - 3);
		if (!RING_FULL(&b->fe_req)) {
			id = fe_map(b, page, 1 + (rnd >> 20) % 3);
			CHECK(id < (1 << 16));
			first_of[id] = page;
		}
		CHECK(service(b) == 0);
		/* Answers first (they precede the REVOKEs that undo them). */
		while (fe_rsp(b, &rsp)) {
			CHECK(rsp.status == 0 && rsp.id < (1 << 16));
			page = first_of[rsp.id];
			for (i = 0; i < rsp.nr_refs; i++) {
				CHECK(ref_word(b, rsp.ref[i], 5));
				CHECK(*ref_word(b, rsp.ref[i], 5) ==
				      truth[page + i]);
			}
			*ref_word(b, rsp.ref[0], 5) = rnd;
			truth[page] = rnd;
		}
		while (fe_evt(b, &evt)) {
			CHECK(evt.type == XENVXF_EVT_REVOKE);
			CHECK(evt.count >= 1 && evt.count <= 16);
			CHECK(evt.first_page + evt.count <= WINDOW_PAGES);
			fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
			revokes++;
		}
	}
	CHECK(revokes > 500);
	CHECK(b->proto.stats.revoked_pages > 100);
	vxf_proto_set_storm(&b->proto, 0, b->now);
	CHECK(service(b) == 0);
	for (i = 0; i < WINDOW_PAGES; i++)
		CHECK(vxf_store_peek(&b->store, i, 5) == truth[i]);
	printf("  storm: %u revokes, %llu pages migrated, %llu maps\n",
	       revokes, (unsigned long long)b->proto.stats.revoked_pages,
	       (unsigned long long)b->proto.stats.maps);
}

/* ---- hypervisor mode: the control channel ------------------------------ */

static void ctl_capture(void *ctx, const char *line)
{
	snprintf(ctx, 128, "%s", line);
}

/* Run @cmd through the control channel; its one-line reply in @reply. */
static void ctl_cmd(struct bed *b, const char *cmd, char *reply)
{
	struct vxf_ctl c = {
		.proto = &b->proto,
		.store = &b->store,
		.reply = ctl_capture,
		.reply_ctx = reply,
	};
	char line[64];

	snprintf(line, sizeof(line), "%s", cmd);
	reply[0] = '\0';
	vxf_ctl_run(&c, line, b->now);
}

/* MAP one page in hypervisor mode: lent, answered with no reference. */
#define MAP_HV_OK(b, page) do {						\
	struct xenvxf_rsp __r;						\
	uint64_t __id = fe_map(b, page, 1);				\
	CHECK(__id);							\
	CHECK(service(b) == 0);						\
	CHECK(fe_rsp(b, &__r));						\
	CHECK(__r.id == __id && __r.status == 0 && __r.nr_refs == 0);	\
	CHECK(fake_hv.lent_ref[page]);					\
} while (0)

/*
 * vxfif.h, feature-hv-fault: in hypervisor mode pages go back through the
 * hypervisor, never by a REVOKE or RESET on the event ring. The control
 * channel's revoke and revoke-all are hypervisor revokes there, taken
 * before the store copies the pages (a guest write made up to the revoke
 * is kept), and its reset fails.
 */
static void test_hv_ctl(struct bed *b)
{
	struct xenvxf_evt evt;
	char reply[128];

	bed_fini(b);
	memset(&fake_hv, 0, sizeof(fake_hv));
	hv_mode = true;
	bed_init(b);
	hv_mode = false;

	MAP_HV_OK(b, 3);
	MAP_HV_OK(b, 4);
	CHECK(fake_hv.lends == 2);
	fake_hv.scribble = true;
	ctl_cmd(b, "revoke 0 4", reply);
	CHECK(!strcmp(reply, "ok revoke status=0 pages=1"));
	CHECK(fake_hv.revokes == 1 && fake_hv.first == 0 &&
	      fake_hv.count == 4);
	CHECK(vxf_store_peek(&b->store, 3, 5) == HV_SCRIBBLE(3));
	CHECK(fake_hv.lent_ref[4]);

	MAP_HV_OK(b, 3);
	ctl_cmd(b, "revoke-all", reply);
	CHECK(!strcmp(reply, "ok revoke status=0 pages=2"));
	CHECK(fake_hv.first == 0 && fake_hv.count == WINDOW_PAGES);
	CHECK(vxf_store_peek(&b->store, 4, 5) == HV_SCRIBBLE(4));
	CHECK(!fake_hv.lent_ref[3] && !fake_hv.lent_ref[4]);
	CHECK(b->proto.stats.hv_revoked_pages == 3);

	MAP_HV_OK(b, 7);
	ctl_cmd(b, "hv-revoke 7 1", reply);
	CHECK(!strcmp(reply, "ok hv-revoke pages=1"));
	CHECK(vxf_store_peek(&b->store, 7, 5) == HV_SCRIBBLE(7));
	CHECK(b->proto.stats.hv_revoked_pages == 4);

	ctl_cmd(b, "revoke 250 10", reply);
	CHECK(!strcmp(reply, "err revoke range outside the window"));
	ctl_cmd(b, "revoke 0 0", reply);
	CHECK(!strcmp(reply, "err revoke range outside the window"));
	CHECK(fake_hv.revokes == 3);
	ctl_cmd(b, "reset", reply);
	CHECK(!strncmp(reply, "err reset", 9));

	/* Nothing went on the event ring. */
	CHECK(service(b) == 0);
	CHECK(!fe_evt(b, &evt));
	CHECK(b->proto.stats.revokes == 0 && b->proto.stats.resets == 0);
}

/* ---- superpages -------------------------------------------------------- */

/* MAP a whole block and check the one order-9 answer; its ref out. */
#define MAP_HUGE_OK(b, first, refp) do {				\
	struct xenvxf_rsp __r;						\
	uint64_t __id = fe_map(b, first, 512);				\
	CHECK(__id);							\
	CHECK(service(b) == 0);						\
	CHECK(fe_rsp(b, &__r));						\
	CHECK(__r.id == __id && __r.status == 0);			\
	CHECK(__r.operation == XENVXF_OP_MAP);				\
	CHECK(__r.ref_order == XENVXF_SUPERPAGE_ORDER && __r.nr_refs == 1); \
	*(refp) = __r.ref[0];						\
} while (0)

/* Word @word of page @i of the block behind a huge reference. */
static uint64_t *huge_word(struct bed *b, uint32_t ref, unsigned int i,
			   unsigned int word)
{
	uint64_t *base = ref_word(b, ref, 0);

	return base ? base + (size_t)i * 512 + word : NULL;
}

/* Poison in each 4 KiB page of a freed huge slot. */
static bool huge_is_poison(const void *p)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (!page_is_poison((const char *)p + i * 4096UL))
			return false;
	return true;
}

static void test_super_map(struct bed *b)
{
	uint32_t ref, again, refs[8];
	unsigned int i;

	if (!bed_super(b, true, 2))
		return;
	MAP_HUGE_OK(b, 512, &ref);
	for (i = 0; i < 512; i++)
		CHECK(vxf_pattern_check_page(huge_word(b, ref, i, 0),
					     512 + i) < 0);
	CHECK(b->store.granted == 1 && b->fake.huge_grants == 1);
	CHECK(b->proto.stats.maps == 1 && b->proto.stats.map_pages == 512);
	CHECK(vxf_store_page_huge(&b->store, 700));
	CHECK(vxf_store_page_mapped(&b->store, 1023));
	CHECK(!vxf_store_page_mapped(&b->store, 1024));

	/* peek and poke go to the huge slot while it is lent. */
	*huge_word(b, ref, 3, 7) = 0x5555;
	CHECK(vxf_store_peek(&b->store, 515, 7) == 0x5555);
	vxf_store_poke(&b->store, 600, 9, 0x6666);
	CHECK(*huge_word(b, ref, 88, 9) == 0x6666);
	CHECK(vxf_store_slot_addr(&b->store, 515) == huge_word(b, ref, 3, 0));

	/* Asked again: the same reference, no new grant. */
	MAP_HUGE_OK(b, 512, &again);
	CHECK(again == ref && b->fake.huge_grants == 1);

	/* The partial tail block is served in small order-0 runs. */
	MAP_OK(b, 1096, 4, refs);
	CHECK(page_is_pattern(b, refs[3], 1099));

	/* Unaligned, or past the window's end: invalid. */
	expect_status(b, XENVXF_OP_MAP, 0, 256, 512, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, 1024, 512, -XEN_EINVAL);
	expect_status(b, XENVXF_OP_MAP, 0, 0, 513, -XEN_EINVAL);
	CHECK(b->proto.stats.bad_requests == 3);
}

/* Without superpages a 512-page MAP stays invalid, as before. */
static void test_super_needs_flag(struct bed *b)
{
	bed_super(b, false, 0);
	expect_status(b, XENVXF_OP_MAP, 0, 0, 512, -XEN_EINVAL);
	CHECK(b->proto.stats.bad_requests == 1 && b->store.granted == 0);
}

static void test_super_revoke(struct bed *b)
{
	struct xenvxf_evt evt;
	uint32_t ref, after;
	void *old;

	if (!bed_super(b, true, 2))
		return;
	MAP_HUGE_OK(b, 0, &ref);
	old = ref_word(b, ref, 0);
	*huge_word(b, ref, 100, 1) = 0xfeed;
	*huge_word(b, ref, 511, 2) = 0xbeef;

	/* One page revoked: the whole block comes back. */
	CHECK(vxf_proto_revoke(&b->proto, 100, 1, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
	CHECK(service(b) == 0);
	CHECK(b->done_calls == 1 && b->last_done.pages == 512);
	CHECK(b->proto.stats.revoked_pages == 512);
	CHECK(b->store.granted == 0 && !ref_word(b, ref, 0));
	CHECK(huge_is_poison(old));
	CHECK(!vxf_store_page_mapped(&b->store, 300));
	CHECK(vxf_store_peek(&b->store, 100, 1) == 0xfeed);
	CHECK(vxf_store_peek(&b->store, 511, 2) == 0xbeef);
	CHECK(vxf_store_peek(&b->store, 300, 4) == vxf_pattern_word(300, 4));

	/* Mapped again (into the other huge slot), data intact. */
	MAP_HUGE_OK(b, 0, &after);
	CHECK(ref_word(b, after, 0) != old);
	CHECK(*huge_word(b, after, 100, 1) == 0xfeed);
	CHECK(*huge_word(b, after, 511, 2) == 0xbeef);

	/* UNMAP of one page and RESET reclaim whole blocks too. */
	expect_status(b, XENVXF_OP_UNMAP, 0, 5, 1, 0);
	CHECK(b->store.granted == 0);
	MAP_HUGE_OK(b, 512, &after);
	CHECK(vxf_proto_reset(&b->proto, true, b->now) == 0);
	CHECK(fe_evt(b, &evt));
	fe_answer(b, evt.id, XENVXF_EVT_RESET, 0);
	CHECK(service(b) == 0);
	CHECK(b->store.granted == 0 && b->store.huge_free == 2);
}

/* Small slots and huge slots of one block take over from each other. */
static void test_super_small_and_huge(struct bed *b)
{
	uint32_t refs[8], ref, small;

	if (!bed_super(b, true, 2))
		return;
	MAP_OK(b, 8, 8, refs);
	*ref_word(b, refs[2], 3) = 0xaaaa;
	/* The frontend asks for the block whole: it maps none of it. */
	MAP_HUGE_OK(b, 0, &ref);
	CHECK(b->store.granted == 1 && !ref_word(b, refs[2], 0));
	CHECK(*huge_word(b, ref, 10, 3) == 0xaaaa);
	*huge_word(b, ref, 20, 3) = 0xbbbb;
	/* It asks for a few pages of it: it no longer maps it whole. */
	MAP_OK(b, 20, 1, &small);
	CHECK(b->store.granted == 1 && !ref_word(b, ref, 0));
	CHECK(!vxf_store_page_huge(&b->store, 20));
	CHECK(*ref_word(b, small, 3) == 0xbbbb);
	CHECK(vxf_store_peek(&b->store, 10, 3) == 0xaaaa);
}

/* No huge page behind a slot, or no slot left: -XEN_ENOMEM, no leak. */
static void test_super_no_huge(struct bed *b)
{
	uint32_t ref;

	if (!bed_super(b, true, 1))
		return;
	b->fake.huge_not_contig = true;
	expect_status(b, XENVXF_OP_MAP, 0, 0, 512, -XEN_ENOMEM);
	CHECK(b->store.granted == 0 && b->store.huge_free == 1);
	CHECK(b->store.huge_warned);
	b->fake.huge_not_contig = false;
	MAP_HUGE_OK(b, 0, &ref);
	expect_status(b, XENVXF_OP_MAP, 0, 512, 512, -XEN_ENOMEM);
	CHECK(b->store.granted == 1 && b->proto.stats.map_errors == 2);
}

/*
 * Revoke storm over a superpage window, the fake frontend behaving as the
 * driver: it asks for a whole block when it maps none of it, else for one
 * page, and drops a whole block when any page of it is revoked.
 */
static void test_super_storm(struct bed *b)
{
	static uint64_t truth[SUPER_PAGES];
	static uint64_t *fe_addr[SUPER_PAGES];
	struct xenvxf_evt evt;
	struct xenvxf_rsp rsp;
	uint64_t rnd = 7, p, q, blk, first, count;
	unsigned int iter, i, revokes = 0;

	if (!bed_super(b, true, 2))
		return;
	memset(fe_addr, 0, sizeof(fe_addr));
	for (p = 0; p < SUPER_PAGES; p++)
		truth[p] = vxf_pattern_word(p, 5);
	for (iter = 0; iter < 20000; iter++) {
		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		p = (rnd >> 20) % SUPER_PAGES;
		blk = p / 512;
		if (fe_addr[p]) {
			CHECK(*fe_addr[p] == truth[p]);
			*fe_addr[p] = truth[p] = rnd;
		} else {
			bool whole = (blk + 1) * 512 <= SUPER_PAGES;

			for (q = blk * 512; whole && q < (blk + 1) * 512; q++)
				whole = !fe_addr[q];
			first = whole ? blk * 512 : p;
			count = whole ? 512 : 1;
			CHECK(fe_map(b, first, count));
			CHECK(service(b) == 0);
			CHECK(fe_rsp(b, &rsp) && rsp.status == 0);
			for (q = 0; q < count; q++)
				fe_addr[first + q] = (whole ?
					huge_word(b, rsp.ref[0], q, 5) :
					ref_word(b, rsp.ref[0], 5));
			CHECK(*fe_addr[p] == truth[p]);
		}
		if ((rnd >> 50) % 8)
			continue;
		/* Revoke a few pages, maybe across blocks. */
		first = (rnd >> 8) % SUPER_PAGES;
		count = 1 + (rnd >> 40) % 16;
		if (count > SUPER_PAGES - first)
			count = SUPER_PAGES - first;
		CHECK(vxf_proto_revoke(&b->proto, first, count, false,
				       b->now) == 0);
		CHECK(fe_evt(b, &evt));
		for (q = first; q < first + count; q++) {
			blk = q / 512;
			if ((blk + 1) * 512 <= SUPER_PAGES &&
			    vxf_store_page_huge(&b->store, q))
				for (i = 0; i < 512; i++)
					fe_addr[blk * 512 + i] = NULL;
			fe_addr[q] = NULL;
		}
		fe_answer(b, evt.id, XENVXF_EVT_REVOKE_DONE, 0);
		CHECK(service(b) == 0);
		revokes++;
	}
	for (p = 0; p < SUPER_PAGES; p++)
		CHECK(vxf_store_peek(&b->store, p, 5) == truth[p]);
	printf("  super-storm: %u revokes, %llu pages migrated, %llu maps\n",
	       revokes, (unsigned long long)b->proto.stats.revoked_pages,
	       (unsigned long long)b->proto.stats.maps);
}

/* References still granted or shared (all must end with the store). */
static unsigned int leaked_refs(const struct fake *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_REFS; i++)
		n += f->ref_addr[i] != NULL;
	return n;
}

struct test {
	const char *name;
	void (*fn)(struct bed *b);
};

static const struct test tests[] = {
	{ "pattern", test_pattern },
	{ "map-roundtrip", test_map_roundtrip },
	{ "coherence", test_coherence },
	{ "revoke", test_revoke },
	{ "map-held-by-revoke", test_map_held_by_revoke },
	{ "bad-requests", test_bad_requests },
	{ "fail-injection", test_fail_injection },
	{ "delay-and-hang", test_delay_and_hang },
	{ "unmap", test_unmap },
	{ "revoke-timeout", test_revoke_timeout },
	{ "revoke-failed", test_revoke_failed },
	{ "reset", test_reset },
	{ "bad-answers", test_bad_answers },
	{ "broken-req-ring", test_broken_req_ring },
	{ "ring-full", test_ring_full },
	{ "full-window", test_full_window },
	{ "fixed-frames", test_fixed_frames },
	{ "small-pool", test_small_pool },
	{ "storm", test_storm },
	{ "hv-ctl", test_hv_ctl },
	{ "super-map", test_super_map },
	{ "super-needs-flag", test_super_needs_flag },
	{ "super-revoke", test_super_revoke },
	{ "super-small-and-huge", test_super_small_and_huge },
	{ "super-no-huge", test_super_no_huge },
	{ "super-storm", test_super_storm },
};

int main(void)
{
	static struct bed bed;
	unsigned int i;
	int before;

	for (i = 0; i < 2 * sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i % (sizeof(tests) /
						   sizeof(tests[0]))];

		share_mode = i >= sizeof(tests) / sizeof(tests[0]);
		before = failures;
		cur_test = t->name;
		bed_init(&bed);
		t->fn(&bed);
		bed_fini(&bed);
		if (leaked_refs(&bed.fake)) {
			fprintf(stderr, "  %s: %u references left after fini\n",
				t->name, leaked_refs(&bed.fake));
			failures++;
		}
		printf("%-20s%s %s\n", t->name, share_mode ? " [share]" : "",
		       failures == before ? "ok" : "FAIL");
	}
	printf("selftest: %s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
