// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_kunit.c - KUnit tests of the driver's logic
 *
 * vxf-check: the pure checks of check.c, rule by rule.
 *
 * vxf-ring: the window and ring code of core.c and ring.c driven through a
 * device with a fake transport. The test plays the backend by writing the
 * shared rings directly, well or badly, and looks at what the frontend did:
 * the chunks and pages it keeps, the counters, whether it broke the ring.
 * The fake transport "maps" a reference by calling it a PFN (no page table
 * ever sees one: the device has no inode) and counts what it is given back,
 * so that every test can check that nothing was leaked.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>

#include <xen/interface/hvm/vxf_fault.h>

#include "vxf.h"

/* -- vxf-check ------------------------------------------------------------- */

static void vxf_test_range(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vxf_range_valid(0, 1, 1));
	KUNIT_EXPECT_TRUE(test, vxf_range_valid(0, 64, 64));
	KUNIT_EXPECT_TRUE(test, vxf_range_valid(63, 1, 64));
	KUNIT_EXPECT_FALSE(test, vxf_range_valid(0, 0, 64));
	KUNIT_EXPECT_FALSE(test, vxf_range_valid(64, 1, 64));
	KUNIT_EXPECT_FALSE(test, vxf_range_valid(63, 2, 64));
	KUNIT_EXPECT_FALSE(test, vxf_range_valid(1, U64_MAX, 64));
	KUNIT_EXPECT_FALSE(test, vxf_range_valid(U64_MAX, 2, U64_MAX));
	KUNIT_EXPECT_FALSE(test, vxf_range_valid(0, 1, 0));
}

static void vxf_test_rsp(struct kunit *test)
{
	struct vxf_request req = { .op = XENVXF_OP_MAP, .count = 8 };
	struct xenvxf_rsp rsp = { .operation = XENVXF_OP_MAP, .nr_refs = 8 };

	KUNIT_EXPECT_TRUE(test, vxf_rsp_valid(&req, &rsp, false));

	rsp.operation = XENVXF_OP_UNMAP;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, false));
	rsp.operation = 0xff;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, false));
	rsp.operation = XENVXF_OP_MAP;

	rsp.nr_refs = 7;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, false));
	rsp.nr_refs = 0xffff;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, false));
	/* An error answer's reference fields mean nothing. */
	rsp.status = XENVXF_STATUS_EIO;
	KUNIT_EXPECT_TRUE(test, vxf_rsp_valid(&req, &rsp, false));
	rsp.status = 0;

	/* More references than a slot holds, even if asked for. */
	req.count = XENVXF_MAX_REFS + 1;
	rsp.nr_refs = XENVXF_MAX_REFS + 1;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, false));

	/* Orders other than 0 and 9 are never valid. */
	req.count = 1;
	rsp.nr_refs = 1;
	rsp.ref_order = 1;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, true));

	/* A superpage reference: only for a whole block, only if agreed. */
	rsp.ref_order = XENVXF_SUPERPAGE_ORDER;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, true));
	req.count = XENVXF_SUPERPAGE_PAGES;
	KUNIT_EXPECT_TRUE(test, vxf_rsp_valid(&req, &rsp, true));
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, false));
	rsp.nr_refs = 2;
	KUNIT_EXPECT_FALSE(test, vxf_rsp_valid(&req, &rsp, true));

	/* UNMAP answers carry nothing to check beyond their operation. */
	req.op = XENVXF_OP_UNMAP;
	rsp.operation = XENVXF_OP_UNMAP;
	KUNIT_EXPECT_TRUE(test, vxf_rsp_valid(&req, &rsp, false));
}

static void vxf_test_hv_record(struct kunit *test)
{
	struct xen_fault_record rec = {
		.seq = 5, .gfn = 0x1010, .window = 3, .vcpu = 0,
		.access = XEN_FAULT_ACCESS_READ,
	};
	u64 last = 4;

	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			0x10);
	KUNIT_EXPECT_EQ(test, last, 5);
	/* replayed */
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	rec.seq = 3;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	KUNIT_EXPECT_EQ(test, last, 5);

	/* each bad field rejects, and still moves the sequence on */
	rec.seq = 6;
	rec.window = 4;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	KUNIT_EXPECT_EQ(test, last, 6);
	rec.window = 3;

	rec.seq = 7;
	rec.vcpu = nr_cpu_ids;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	rec.vcpu = 0;

	rec.seq = 8;
	rec.access = 0;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	rec.seq = 9;
	rec.access = XEN_FAULT_ACCESS_READ | 0x8;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	rec.access = XEN_FAULT_ACCESS_WRITE;

	rec.seq = 10;
	rec.gfn = 0xfff;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	rec.seq = 11;
	rec.gfn = 0x1040;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			-1);
	rec.seq = 12;
	rec.gfn = 0x103f;
	KUNIT_EXPECT_EQ(test, vxf_hv_record_page(&rec, 3, 0x1000, 64, &last),
			0x3f);
	KUNIT_EXPECT_EQ(test, last, 12);
}

static void vxf_test_hv_prod(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vxf_hv_prod_valid(0, 0));
	KUNIT_EXPECT_TRUE(test, vxf_hv_prod_valid(XEN_FAULT_RING_SIZE, 0));
	KUNIT_EXPECT_FALSE(test, vxf_hv_prod_valid(XEN_FAULT_RING_SIZE + 1, 0));
	/* indexes wrap */
	KUNIT_EXPECT_TRUE(test, vxf_hv_prod_valid(5, U32_MAX - 5));
	KUNIT_EXPECT_FALSE(test, vxf_hv_prod_valid(0, 1));
}

static struct kunit_case vxf_check_cases[] = {
	KUNIT_CASE(vxf_test_range),
	KUNIT_CASE(vxf_test_rsp),
	KUNIT_CASE(vxf_test_hv_record),
	KUNIT_CASE(vxf_test_hv_prod),
	{}
};

static struct kunit_suite vxf_check_suite = {
	.name = "vxf-check",
	.test_cases = vxf_check_cases,
};

/* -- vxf-ring: a device with a fake transport -------------------------------- */

/* References at or above this are ones the fake transport refuses. */
#define VXF_TEST_BAD_REF	0xbad0000U

/**
 * struct vxf_test_dev - a device whose backend is the test
 * @dev: the device
 * @req: the backend's view of the request ring
 * @evt: the backend's view of the event ring
 * @mapped: pages the fake transport handed out
 * @unmapped: pages it was given back
 * @notified: notifications the frontend sent
 */
struct vxf_test_dev {
	struct vxf_device dev;
	struct xenvxf_req_back_ring req;
	struct xenvxf_evt_front_ring evt;
	unsigned long mapped;
	unsigned long unmapped;
	unsigned long notified;
};

static struct vxf_test_dev *vxf_test_of(struct vxf_device *dev)
{
	return container_of(dev, struct vxf_test_dev, dev);
}

static void vxf_test_notify(struct vxf_device *dev)
{
	vxf_test_of(dev)->notified++;
}

static int vxf_test_map_refs(struct vxf_device *dev, const u32 *refs,
			     unsigned int nr, unsigned int order,
			     unsigned long *pfns)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (refs[i] >= VXF_TEST_BAD_REF)
			return -EINVAL;
	for (i = 0; i < nr; i++)
		pfns[i] = refs[i];
	vxf_test_of(dev)->mapped += (unsigned long)nr << order;
	return 0;
}

static int vxf_test_unmap_pages(struct vxf_device *dev,
				const unsigned long *pfns, unsigned int nr)
{
	vxf_test_of(dev)->unmapped += nr;
	return 0;
}

static const struct vxf_transport_ops vxf_test_ops = {
	.notify = vxf_test_notify,
	.map_refs = vxf_test_map_refs,
	.unmap_pages = vxf_test_unmap_pages,
};

static void vxf_test_free_page(void *page)
{
	free_page((unsigned long)page);
}

static void *vxf_test_ring_page(struct kunit *test)
{
	void *page = (void *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
					vxf_test_free_page, page));
	return page;
}

static struct vxf_test_dev *vxf_test_dev_new(struct kunit *test, u64 pages,
					     u32 map_pages, bool superpage)
{
	struct vxf_window_params params = {
		.nr_pages = pages,
		.map_pages = map_pages,
		.superpage = superpage,
		.fault_timeout_ms = 1000,
	};
	struct xenvxf_req_sring *req;
	struct xenvxf_evt_sring *evt;
	struct vxf_test_dev *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	req = vxf_test_ring_page(test);
	evt = vxf_test_ring_page(test);

	kref_init(&t->dev.kref);
	spin_lock_init(&t->dev.users_lock);
	t->dev.ops = &vxf_test_ops;
	vxf_ring_init(&t->dev.ring);
	KUNIT_ASSERT_EQ(test, 0, vxf_window_init(&t->dev.win, &t->dev,
						 &params));
	mutex_lock(&t->dev.ring.lock);
	vxf_ring_connect(&t->dev, req, evt, PAGE_SIZE);
	mutex_unlock(&t->dev.ring.lock);
	BACK_RING_ATTACH(&t->req, req, 0, PAGE_SIZE);
	FRONT_RING_ATTACH(&t->evt, evt, 0, PAGE_SIZE);
	return t;
}

/* Disconnect and free; every page handed out must have come back. */
static void vxf_test_dev_end(struct kunit *test, struct vxf_test_dev *t)
{
	mutex_lock(&t->dev.ring.lock);
	vxf_ring_disconnect(&t->dev);
	mutex_unlock(&t->dev.ring.lock);
	vxf_window_destroy(&t->dev.win);
	KUNIT_EXPECT_EQ(test, t->mapped, t->unmapped);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 0);
}

static u64 vxf_test_count(struct vxf_test_dev *t, enum vxf_counter c)
{
	return atomic64_read(&t->dev.win.counters[c]);
}

/* Take the next request off the ring; false if there is none. */
static bool vxf_test_next_req(struct vxf_test_dev *t, struct xenvxf_req *req)
{
	if (!RING_HAS_UNCONSUMED_REQUESTS(&t->req))
		return false;
	*req = *RING_GET_REQUEST(&t->req, t->req.req_cons);
	t->req.req_cons++;
	return true;
}

/* Answer a MAP: references first_ref, first_ref + 1, ... */
static void vxf_test_answer(struct vxf_test_dev *t, const struct xenvxf_req *req,
			    int status, u32 first_ref)
{
	struct xenvxf_rsp *rsp = RING_GET_RESPONSE(&t->req, t->req.rsp_prod_pvt);
	u32 i;

	memset(rsp, 0, sizeof(*rsp));
	rsp->id = req->id;
	rsp->operation = req->operation;
	rsp->status = status;
	if (!status && req->operation == XENVXF_OP_MAP) {
		if (req->count == XENVXF_SUPERPAGE_PAGES) {
			rsp->ref_order = XENVXF_SUPERPAGE_ORDER;
			rsp->nr_refs = 1;
			rsp->ref[0] = first_ref;
		} else {
			rsp->nr_refs = req->count;
			for (i = 0; i < req->count && i < XENVXF_MAX_REFS; i++)
				rsp->ref[i] = first_ref + i;
		}
	}
	t->req.rsp_prod_pvt++;
	RING_PUSH_RESPONSES(&t->req);
	vxf_ring_process(&t->dev);
}

static void vxf_test_event(struct vxf_test_dev *t, u8 type, u64 first,
			   u32 count, struct xenvxf_evt_rsp *answer)
{
	struct xenvxf_evt *evt = RING_GET_REQUEST(&t->evt, t->evt.req_prod_pvt);

	memset(evt, 0, sizeof(*evt));
	evt->id = t->evt.req_prod_pvt + 100;
	evt->type = type;
	evt->first_page = first;
	evt->count = count;
	t->evt.req_prod_pvt++;
	RING_PUSH_REQUESTS(&t->evt);
	vxf_ring_process(&t->dev);
	memset(answer, 0, sizeof(*answer));
	if (RING_HAS_UNCONSUMED_RESPONSES(&t->evt)) {
		*answer = *RING_GET_RESPONSE(&t->evt, t->evt.rsp_cons);
		t->evt.rsp_cons++;
	}
}

/* A reported fault on @page, as the hypervisor path makes them. */
static enum vxf_hv_action vxf_test_fault(struct vxf_test_dev *t, u64 page)
{
	return vxf_window_hv_fault(&t->dev.win, page, false);
}

static u64 vxf_test_revoke(struct vxf_test_dev *t, u64 first, u64 count)
{
	u64 pages;

	mutex_lock(&t->dev.ring.lock);
	pages = vxf_window_revoke(&t->dev.win, first, count);
	mutex_unlock(&t->dev.ring.lock);
	return pages;
}

/* One MAP for many faults on a granule; the answer maps them all. */
static void vxf_test_map_coalesce(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_req req;

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 5), VXF_HV_WAIT);
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 6), VXF_HV_WAIT);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_COALESCED), 1);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_EQ(test, req.operation, XENVXF_OP_MAP);
	KUNIT_EXPECT_EQ(test, req.first_page, 0);
	KUNIT_EXPECT_EQ(test, req.count, 8);
	vxf_test_answer(t, &req, 0, 100);
	KUNIT_EXPECT_FALSE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_GE(test, t->notified, 1);
	KUNIT_EXPECT_EQ(test, vxf_window_hv_state(&t->dev.win, 5),
			VXF_HV_RESOLVE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 8);
	/* mapped now: resolved at once, nothing sent */
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 7), VXF_HV_RESOLVE);
	KUNIT_EXPECT_FALSE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_FALSE(test, t->dev.ring.broken);
	vxf_test_dev_end(test, t);
}

/* Revokes count what was mapped; a MAP asks for the absent run only. */
static void vxf_test_revoke_run(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_req req;

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 0), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	vxf_test_answer(t, &req, 0, 200);

	KUNIT_EXPECT_EQ(test, vxf_test_revoke(t, 3, 3), 3);
	KUNIT_EXPECT_EQ(test, vxf_test_revoke(t, 3, 3), 0);
	KUNIT_EXPECT_EQ(test, vxf_test_revoke(t, 40, 24), 0);
	KUNIT_EXPECT_EQ(test, t->unmapped, 3);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 5);

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 4), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_EQ(test, req.first_page, 3);
	KUNIT_EXPECT_EQ(test, req.count, 3);
	vxf_test_answer(t, &req, 0, 300);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 8);

	/* a revoke while the MAP is in flight: the answer after it counts */
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 9), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_EQ(test, vxf_test_revoke(t, 8, 8), 0);
	vxf_test_answer(t, &req, 0, 400);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages),
			8 + req.count);
	KUNIT_EXPECT_EQ(test, t->mapped - t->unmapped, 8 + req.count);
	vxf_test_dev_end(test, t);
}

/* A superpage window asks for whole blocks and takes them whole. */
static void vxf_test_superpage(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 1024, 0, true);
	struct xenvxf_req req;

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 700), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_EQ(test, req.first_page, 512);
	KUNIT_EXPECT_EQ(test, req.count, XENVXF_SUPERPAGE_PAGES);
	vxf_test_answer(t, &req, 0, 0x200);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 512);
	KUNIT_EXPECT_EQ(test, vxf_test_revoke(t, 600, 1), 512);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 0);
	KUNIT_EXPECT_FALSE(test, t->dev.ring.broken);
	vxf_test_dev_end(test, t);
}

/*
 * Put mapped pages straight into a window, as answered MAPs leave them: a
 * run of 4 KiB entries, or one 2 MiB block. Mixed runs cannot be made
 * through MAPs today (a superpage window asks for whole blocks), but the
 * take logic must not depend on that.
 */
static void vxf_test_install(struct kunit *test, struct vxf_test_dev *t,
			     u64 first, u64 count, bool huge)
{
	struct vxf_window *win = &t->dev.win;
	unsigned long pfn = 0x1000 + first;
	u64 last = first + XENVXF_SUPERPAGE_PAGES - 1;
	void *entry;
	u64 i;

	mutex_lock(&win->lock);
	if (huge) {
		entry = vxf_entry(pfn, true, VXF_CACHE_WB);
		entry = xa_store_range(&win->pages, first, last, entry,
				       GFP_KERNEL);
		KUNIT_ASSERT_EQ(test, 0, xa_err(entry));
		count = XENVXF_SUPERPAGE_PAGES;
	} else {
		for (i = 0; i < count; i++) {
			entry = xa_store(&win->pages, first + i,
					 vxf_entry(pfn + i, false,
						   VXF_CACHE_WB),
					 GFP_KERNEL);
			KUNIT_ASSERT_EQ(test, 0, xa_err(entry));
		}
	}
	mutex_unlock(&win->lock);
	atomic64_add(count, &win->mapped_pages);
	t->mapped += count;
}

/*
 * A revoke takes every mapped page of its range, also when a pass of the
 * take loop stops at a 2 MiB block that does not fit in what is left of
 * its batch (VXF_TAKE_BATCH pages).
 */
static void vxf_test_revoke_batch_block(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 4096, 0, true);
	u64 small = VXF_TAKE_BATCH - XENVXF_SUPERPAGE_PAGES / 2;
	unsigned long index;
	void *entry;

	vxf_test_install(test, t, 0, small, false);
	vxf_test_install(test, t, 2048, 0, true);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages),
			small + XENVXF_SUPERPAGE_PAGES);

	KUNIT_EXPECT_EQ(test, vxf_test_revoke(t, 0, 4096),
			small + XENVXF_SUPERPAGE_PAGES);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, t->unmapped, t->mapped);
	index = 0;
	entry = xa_find(&t->dev.win.pages, &index, ULONG_MAX, XA_PRESENT);
	KUNIT_EXPECT_PTR_EQ(test, entry, NULL);
	vxf_test_dev_end(test, t);
}

/* Errors and unusable references fail the MAP, not the device. */
static void vxf_test_map_errors(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_req req;
	u64 first;
	u32 count;

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 1), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	vxf_test_answer(t, &req, XENVXF_STATUS_EIO, 0);
	KUNIT_EXPECT_EQ(test, vxf_window_hv_state(&t->dev.win, 1), VXF_HV_FAIL);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_MAP_ERRORS), 1);

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 17), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	vxf_test_answer(t, &req, 0, VXF_TEST_BAD_REF);
	KUNIT_EXPECT_EQ(test, vxf_window_hv_state(&t->dev.win, 17),
			VXF_HV_FAIL);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_MAP_ERRORS), 2);
	KUNIT_EXPECT_EQ(test, t->mapped, 0);
	/* the pages lent and not installed go back */
	first = req.first_page;
	count = req.count;
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	KUNIT_EXPECT_EQ(test, req.operation, XENVXF_OP_UNMAP);
	KUNIT_EXPECT_EQ(test, req.first_page, first);
	KUNIT_EXPECT_EQ(test, req.count, count);
	vxf_test_answer(t, &req, 0, 0);

	/* given up (timeout): the late answer is installed all the same */
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 33), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	vxf_window_hv_give_up(&t->dev.win, 33);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_TIMEOUTS), 1);
	vxf_test_answer(t, &req, 0, 500);
	KUNIT_EXPECT_EQ(test, t->mapped, req.count);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages),
			req.count);
	KUNIT_EXPECT_FALSE(test, vxf_test_next_req(t, &req));

	KUNIT_EXPECT_FALSE(test, t->dev.ring.broken);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_PROTOCOL_ERRORS), 0);
	vxf_test_dev_end(test, t);
}

/* Map pages 0-7, then hand @t's backend to a hostile test. */
static void vxf_test_map_first(struct kunit *test, struct vxf_test_dev *t)
{
	struct xenvxf_req req;

	KUNIT_ASSERT_EQ(test, vxf_test_fault(t, 0), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	vxf_test_answer(t, &req, 0, 600);
	KUNIT_ASSERT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 8);
}

/* After a violation: ring broken, every page dropped, nothing leaked. */
static void vxf_test_expect_broken(struct kunit *test, struct vxf_test_dev *t)
{
	KUNIT_EXPECT_TRUE(test, t->dev.ring.broken);
	KUNIT_EXPECT_GE(test, vxf_test_count(t, VXF_CNT_PROTOCOL_ERRORS), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, t->mapped, t->unmapped);
	/* and nothing more is sent */
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 20), VXF_HV_FAIL);
}

static void vxf_test_hostile_unknown_id(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_req req;

	vxf_test_map_first(test, t);
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 9), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	req.id += 1000;
	vxf_test_answer(t, &req, 0, 700);
	/* the waiting chunk was unlinked: its fault retries */
	KUNIT_EXPECT_EQ(test, vxf_window_hv_state(&t->dev.win, 9),
			VXF_HV_RESOLVE);
	vxf_test_expect_broken(test, t);
	vxf_test_dev_end(test, t);
}

static void vxf_test_hostile_duplicate(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_req req;

	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 0), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	vxf_test_answer(t, &req, 0, 800);
	KUNIT_EXPECT_FALSE(test, t->dev.ring.broken);
	vxf_test_answer(t, &req, 0, 800);
	vxf_test_expect_broken(test, t);
	vxf_test_dev_end(test, t);
}

static void vxf_test_hostile_counts(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_req req;

	vxf_test_map_first(test, t);
	KUNIT_EXPECT_EQ(test, vxf_test_fault(t, 9), VXF_HV_WAIT);
	KUNIT_ASSERT_TRUE(test, vxf_test_next_req(t, &req));
	req.count = 4;	/* answers 4 references for 8 pages */
	vxf_test_answer(t, &req, 0, 900);
	vxf_test_expect_broken(test, t);
	vxf_test_dev_end(test, t);
}

static void vxf_test_hostile_prod(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);

	vxf_test_map_first(test, t);
	/* a producer index past every request ever sent */
	t->req.sring->rsp_prod = t->req.rsp_prod_pvt + 2;
	vxf_ring_process(&t->dev);
	vxf_test_expect_broken(test, t);
	vxf_test_dev_end(test, t);
}

static void vxf_test_hostile_events(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_evt_rsp ans;

	vxf_test_map_first(test, t);

	/* outside the window, or empty: refused, the device carries on */
	vxf_test_event(t, XENVXF_EVT_REVOKE, 60, 5, &ans);
	KUNIT_EXPECT_EQ(test, ans.type, XENVXF_EVT_REVOKE_DONE);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_EINVAL);
	vxf_test_event(t, XENVXF_EVT_REVOKE, U64_MAX, 2, &ans);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_EINVAL);
	vxf_test_event(t, XENVXF_EVT_REVOKE, 0, 0, &ans);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_EINVAL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 8);

	/* never mapped: fine, nothing to do */
	vxf_test_event(t, XENVXF_EVT_REVOKE, 32, 32, &ans);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_OK);
	KUNIT_EXPECT_EQ(test, ans.id, t->evt.req_prod_pvt - 1 + 100);

	vxf_test_event(t, XENVXF_EVT_REVOKE, 2, 2, &ans);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_OK);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 6);

	vxf_test_event(t, XENVXF_EVT_RESET, 0, 0, &ans);
	KUNIT_EXPECT_EQ(test, ans.type, XENVXF_EVT_RESET);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->dev.win.mapped_pages), 0);
	KUNIT_EXPECT_FALSE(test, t->dev.ring.broken);

	vxf_test_map_first(test, t);
	vxf_test_event(t, 0x7f, 0, 1, &ans);
	vxf_test_expect_broken(test, t);
	vxf_test_dev_end(test, t);
}

/* Hypervisor mode on Xen takes no REVOKE or RESET: refused, counted. */
static void vxf_test_hostile_hv_events(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);
	struct xenvxf_evt_rsp ans;

	t->dev.win.hv_frames = true;
	vxf_test_event(t, XENVXF_EVT_REVOKE, 0, 4, &ans);
	KUNIT_EXPECT_EQ(test, ans.type, XENVXF_EVT_REVOKE_DONE);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_EINVAL);
	vxf_test_event(t, XENVXF_EVT_RESET, 0, 0, &ans);
	KUNIT_EXPECT_EQ(test, ans.type, XENVXF_EVT_RESET);
	KUNIT_EXPECT_EQ(test, ans.status, XENVXF_STATUS_EINVAL);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_PROTOCOL_ERRORS), 2);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_REVOKES), 0);
	KUNIT_EXPECT_EQ(test, vxf_test_count(t, VXF_CNT_RESETS), 0);
	KUNIT_EXPECT_FALSE(test, t->dev.ring.broken);
	t->dev.win.hv_frames = false;
	vxf_test_dev_end(test, t);
}

static void vxf_test_hostile_evt_prod(struct kunit *test)
{
	struct vxf_test_dev *t = vxf_test_dev_new(test, 64, 8, false);

	vxf_test_map_first(test, t);
	t->evt.sring->req_prod = t->evt.req_prod_pvt + 1000;
	vxf_ring_process(&t->dev);
	vxf_test_expect_broken(test, t);
	vxf_test_dev_end(test, t);
}

static struct kunit_case vxf_ring_cases[] = {
	KUNIT_CASE(vxf_test_map_coalesce),
	KUNIT_CASE(vxf_test_revoke_run),
	KUNIT_CASE(vxf_test_superpage),
	KUNIT_CASE(vxf_test_revoke_batch_block),
	KUNIT_CASE(vxf_test_map_errors),
	KUNIT_CASE(vxf_test_hostile_unknown_id),
	KUNIT_CASE(vxf_test_hostile_duplicate),
	KUNIT_CASE(vxf_test_hostile_counts),
	KUNIT_CASE(vxf_test_hostile_prod),
	KUNIT_CASE(vxf_test_hostile_events),
	KUNIT_CASE(vxf_test_hostile_hv_events),
	KUNIT_CASE(vxf_test_hostile_evt_prod),
	{}
};

static struct kunit_suite vxf_ring_suite = {
	.name = "vxf-ring",
	.test_cases = vxf_ring_cases,
};

kunit_test_suites(&vxf_check_suite, &vxf_ring_suite);
