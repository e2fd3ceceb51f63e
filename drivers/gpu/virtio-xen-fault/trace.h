/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - tracepoints of virtio-xen-fault: faults, MAPs, revokes
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM vxf

#if !defined(_VXF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VXF_TRACE_H

#include <linux/mm_types.h>
#include <linux/tracepoint.h>

#include <xen/interface/hvm/vxf_fault.h>

TRACE_EVENT(vxf_fault_start,
	TP_PROTO(int dev, u64 page, unsigned int flags),
	TP_ARGS(dev, page, flags),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, page)
		__field(unsigned int, flags)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->page = page;
		__entry->flags = flags;
	),
	TP_printk("vxf%d page=%llu flags=%#x", __entry->dev, __entry->page,
		  __entry->flags)
);

TRACE_EVENT(vxf_fault_end,
	TP_PROTO(int dev, u64 page, unsigned int ret),
	TP_ARGS(dev, page, ret),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, page)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->page = page;
		__entry->ret = ret;
	),
	TP_printk("vxf%d page=%llu ret=%#x", __entry->dev, __entry->page,
		  __entry->ret)
);

TRACE_EVENT(vxf_map_request,
	TP_PROTO(int dev, u64 id, u8 op, u64 first, u32 count, u8 flags),
	TP_ARGS(dev, id, op, first, count, flags),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, id)
		__field(u8, op)
		__field(u64, first)
		__field(u32, count)
		__field(u8, flags)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->op = op;
		__entry->first = first;
		__entry->count = count;
		__entry->flags = flags;
	),
	TP_printk("vxf%d id=%llu op=%u first=%llu count=%u flags=%#x",
		  __entry->dev, __entry->id, __entry->op, __entry->first,
		  __entry->count, __entry->flags)
);

TRACE_EVENT(vxf_map_answer,
	TP_PROTO(int dev, u64 id, int status, unsigned int nr_refs),
	TP_ARGS(dev, id, status, nr_refs),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, id)
		__field(int, status)
		__field(unsigned int, nr_refs)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->status = status;
		__entry->nr_refs = nr_refs;
	),
	TP_printk("vxf%d id=%llu status=%d nr_refs=%u", __entry->dev,
		  __entry->id, __entry->status, __entry->nr_refs)
);

TRACE_EVENT(vxf_revoke_start,
	TP_PROTO(int dev, u64 id, u64 first, u32 count),
	TP_ARGS(dev, id, first, count),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, id)
		__field(u64, first)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->first = first;
		__entry->count = count;
	),
	TP_printk("vxf%d id=%llu first=%llu count=%u", __entry->dev,
		  __entry->id, __entry->first, __entry->count)
);

TRACE_EVENT(vxf_revoke_done,
	TP_PROTO(int dev, u64 id, int status, u64 pages),
	TP_ARGS(dev, id, status, pages),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, id)
		__field(int, status)
		__field(u64, pages)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->status = status;
		__entry->pages = pages;
	),
	TP_printk("vxf%d id=%llu status=%d mapped_pages=%llu", __entry->dev,
		  __entry->id, __entry->status, __entry->pages)
);

/**
 * vxf_hv_record - a fault record taken from the report area (hv.c)
 * @dev: index of the device (vxfN)
 * @rec: the record, as copied out of the shared page: its sequence
 *	number, guest frame, window id, vCPU, access (XEN_FAULT_ACCESS_*:
 *	1 read, 2 write, 4 execute) and flags (XEN_FAULT_F_USER: 1)
 * @page: the window page it names, or -1 if the record was rejected
 *	(stale, another window, out of range, bad vCPU or access)
 *
 * Fired for every record, accepted or not, from vxf_hv_record_take(): in
 * hard interrupt context on Xen, from a work item with the loop stand-in.
 */
TRACE_EVENT(vxf_hv_record,
	TP_PROTO(int dev, const struct xen_fault_record *rec, s64 page),
	TP_ARGS(dev, rec, page),
	TP_STRUCT__entry(
		__field(int, dev)
		__field(u64, seq)
		__field(u64, gfn)
		__field(u32, window)
		__field(u32, vcpu)
		__field(u8, access)
		__field(u8, flags)
		__field(s64, page)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->seq = rec->seq;
		__entry->gfn = rec->gfn;
		__entry->window = rec->window;
		__entry->vcpu = rec->vcpu;
		__entry->access = rec->access;
		__entry->flags = rec->flags;
		__entry->page = page;
	),
	TP_printk("vxf%d seq=%llu gfn=%#llx window=%u vcpu=%u access=%#x flags=%#x page=%lld",
		  __entry->dev, __entry->seq, __entry->gfn, __entry->window,
		  __entry->vcpu, __entry->access, __entry->flags,
		  __entry->page)
);

#endif /* _VXF_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
