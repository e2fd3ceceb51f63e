// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - the checks applied to what the backend and the hypervisor write
 *
 * Pure functions over private copies: they read no shared memory and take
 * no lock, so that each rule is stated once and the KUnit tests
 * (vxf_kunit.c) can hold it to its word.
 */

#include <linux/cpumask.h>

#include <xen/interface/hvm/vxf_fault.h>

#include "vxf.h"

/**
 * vxf_range_valid() - whether pages [@first, @first + @count) are a
 *	non-empty range inside a window of @nr_pages pages
 * @first: first page
 * @count: number of pages
 * @nr_pages: size of the window
 *
 * Context: any.
 * Return: true if the range is usable; never overflows.
 */
bool vxf_range_valid(u64 first, u64 count, u64 nr_pages)
{
	return count && first < nr_pages && count <= nr_pages - first;
}
EXPORT_SYMBOL_NS_GPL(vxf_range_valid, VIRTIO_XEN_FAULT);

/**
 * vxf_rsp_valid() - whether an answer fits the request it names
 * @req: the request in flight under the answer's id
 * @rsp: the answer, copied out of the ring
 * @superpage: the window accepts order-9 references
 *
 * An error answer carries no references, whatever its other fields say. A
 * successful MAP carries one order-0 reference per page asked for, or one
 * order-9 reference for a whole superpage block.
 *
 * Return: true if the answer may be used; false is a protocol violation.
 */
bool vxf_rsp_valid(const struct vxf_request *req, const struct xenvxf_rsp *rsp,
		   bool superpage)
{
	if (rsp->operation != req->op)
		return false;
	if (req->op != XENVXF_OP_MAP || rsp->status)
		return true;
	if (rsp->ref_order == XENVXF_SUPERPAGE_ORDER)
		return superpage && rsp->nr_refs == 1 &&
		       req->count == XENVXF_SUPERPAGE_PAGES;
	return rsp->ref_order == 0 && rsp->nr_refs <= XENVXF_MAX_REFS &&
	       rsp->nr_refs == req->count;
}

/**
 * vxf_hv_record_page() - check a fault record, find its window page
 * @rec: the record, copied out of the report area
 * @window_id: the id the window was registered under
 * @base_gfn: guest frame of window page 0
 * @nr_pages: size of the window
 * @last_seq: the newest sequence number seen; advanced past @rec's if it
 *	is newer, even when the record is rejected for another reason
 *
 * Return: the window page, or -1 if the record is stale, replayed, for
 * another window, from a vCPU that does not exist, of an unknown access
 * kind, or outside the window.
 */
s64 vxf_hv_record_page(const struct xen_fault_record *rec, u32 window_id,
		       u64 base_gfn, u64 nr_pages, u64 *last_seq)
{
	if (rec->seq <= *last_seq)
		return -1;
	*last_seq = rec->seq;
	if (rec->window != window_id || rec->vcpu >= nr_cpu_ids ||
	    !rec->access || (rec->access & ~XEN_FAULT_ACCESS_MASK))
		return -1;
	if (rec->gfn < base_gfn || rec->gfn - base_gfn >= nr_pages)
		return -1;
	return rec->gfn - base_gfn;
}

/**
 * vxf_hv_prod_valid() - whether a report area's producer index can be true
 * @prod: the producer index the hypervisor wrote
 * @cons: the records the guest has consumed
 *
 * Return: true if at most a ring's worth of records is outstanding
 * (indexes wrap at 2^32).
 */
bool vxf_hv_prod_valid(u32 prod, u32 cons)
{
	return prod - cons <= XEN_FAULT_RING_SIZE;
}
