/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf.h - internal interfaces of virtio-xen-fault
 *
 * The driver is one core (windows of on-demand memory, their chunks, the
 * faults waiting on them), the frontend half of the ring protocol, and
 * transports behind struct vxf_transport_ops: the Xen grant-mode frontend
 * (xen.c) in this module, and the loop stand-in in a test module of its own
 * (virtio-xen-fault-loop), which uses the functions this module exports in
 * symbol namespace VIRTIO_XEN_FAULT. No part above the transport knows which
 * one is there.
 *
 * Lock order, outermost first:
 *
 *	vxf_hv.lock (the work consuming hypervisor fault reports)
 *	mmap_lock or the per-VMA lock (a fault)
 *	  vxf_ring.lock
 *	    vxf_window.map_sem
 *	      vxf_window.huge_lock (inserting a PTE or PMD of a 2 MiB block)
 *	      vxf_window.lock
 *	        vxf_device.users_lock
 *	mmap_lock (an mmap, a munmap)
 *	  vxf_bind_lock (api.c)
 *	    vxf_device.users_lock
 *	  vxf_window.claims_lock
 *
 * A fault never takes vxf_ring.lock while it holds map_sem or
 * vxf_window.lock: it queues its MAP after dropping them. Revokes run with
 * vxf_ring.lock held (they come from the ring) and zap user mappings
 * (i_mmap_rwsem, page table locks) with map_sem still written, after
 * dropping vxf_window.lock: no fault can insert a new PFN where a stale
 * one is still mapped.
 */

#ifndef _VXF_H
#define _VXF_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <xen/interface/io/vxfif.h>
#include <linux/vxf.h>

struct module;
struct vxf_device;

/* Counters of a window, in the order of struct vxf_stats. */
enum vxf_counter {
	VXF_CNT_FAULTS,
	VXF_CNT_FAULTS_PRESENT,
	VXF_CNT_COALESCED,
	VXF_CNT_MAPS,
	VXF_CNT_MAP_PAGES,
	VXF_CNT_MAP_ERRORS,
	VXF_CNT_TIMEOUTS,
	VXF_CNT_REVOKES,
	VXF_CNT_REVOKED_PAGES,
	VXF_CNT_RESETS,
	VXF_CNT_UNMAPS,
	VXF_CNT_SIGBUS,
	VXF_CNT_PROTOCOL_ERRORS,
	VXF_CNT_DISCONNECTS,
	VXF_CNT_HV_REPORTS,
	VXF_CNT_HV_REJECTED,
	VXF_CNT_HV_OVERFLOWS,
	VXF_CNT_HV_FAILED,
	VXF_CNT_PREFETCH_PAGES,
	VXF_CNT_NR
};

/**
 * enum vxf_hv_action - what to do with a reported access
 * @VXF_HV_RESOLVE: let the vCPU retry now (the page is there, or is to be
 *	asked for again)
 * @VXF_HV_FAIL: fail the access (drop the guest mapping, then retry)
 * @VXF_HV_WAIT: a MAP of the page is in flight: resolve when it settles
 */
enum vxf_hv_action {
	VXF_HV_RESOLVE,
	VXF_HV_FAIL,
	VXF_HV_WAIT,
};

struct vxf_hv;

/**
 * struct vxf_hv_ops - the hypervisor side of reported faults
 * @resolve: end the wait of the vCPU that reported record @seq
 * @report: (stand-in only) an access to absent window page @page, as the
 *	hypervisor would see it; writes a record and returns its seq
 * @report_wait: (stand-in only) hold the faulting context until record
 *	@seq is resolved, at most @timeout jiffies; 0, -ETIMEDOUT or -EINTR
 * @teardown: (optional) stop reporting: the hypervisor releases every vCPU
 *	it holds and reports nothing more (XEN_FAULT_OP_TEARDOWN)
 * @release: free the hypervisor side's data at device release
 *
 * On real Xen, @report and @report_wait do not exist: the hypervisor holds
 * the vCPU itself, and the guest's page tables always map the window.
 */
struct vxf_hv_ops {
	void (*resolve)(struct vxf_device *dev, u64 seq);
	int (*report)(struct vxf_device *dev, u64 page, u8 access, bool user,
		      u64 *seq);
	int (*report_wait)(struct vxf_device *dev, u64 seq,
			   unsigned long timeout);
	void (*teardown)(struct vxf_device *dev);
	void (*release)(struct vxf_device *dev);
};

/**
 * enum vxf_chunk_state - life of a MAP request and the pages it covers
 * @VXF_CHUNK_PENDING: queued or in flight; faults on its pages wait for it
 * @VXF_CHUNK_INSTALLED: answered; its pages are in the window as PFNs
 * @VXF_CHUNK_FAILED: the MAP failed; a retried fault gets SIGBUS, a new
 *	access replaces the chunk and asks again
 * @VXF_CHUNK_DEAD: taken out of the window (disconnected, window unused)
 *	before it was answered; its waiters retry from scratch
 * @VXF_CHUNK_CANCELLED: its waiters gave up (fault timeout) but the MAP is
 *	still owed an answer: a retried fault gets SIGBUS, a new access waits
 *	for that answer again (PENDING), and the answer is installed
 */
enum vxf_chunk_state {
	VXF_CHUNK_PENDING,
	VXF_CHUNK_INSTALLED,
	VXF_CHUNK_FAILED,
	VXF_CHUNK_DEAD,
	VXF_CHUNK_CANCELLED,
};

/**
 * struct vxf_request - a request the frontend has on the request ring
 * @id: wire id, never reused
 * @op: XENVXF_OP_*
 * @flags: XENVXF_MAP_F_*
 * @count: number of window pages
 * @first: first window page
 * @backlog: entry in vxf_ring.backlog while the ring is full
 */
struct vxf_request {
	u64 id;
	u8 op;
	u8 flags;
	u32 count;
	u64 first;
	struct list_head backlog;
};

/**
 * struct vxf_chunk - a MAP of a run of window pages, while it is unanswered
 * @kref: held by the window (while PENDING or FAILED), the request in
 *	flight and each waiter
 * @req: the MAP request
 * @state: enum vxf_chunk_state, written under vxf_window.lock
 * @prefetch: a PREFETCH MAP, counted in vxf_window.prefetch_inflight while
 *	PENDING; set under vxf_window.lock when the chunk is linked
 * @wq: faults waiting for the chunk to leave VXF_CHUNK_PENDING
 * @error: why a FAILED chunk failed (negative errno)
 * @pfns: the PFN of each page, filled in from the answer
 *
 * Mapped pages cost no chunk: the window keeps their PFNs directly.
 */
struct vxf_chunk {
	struct kref kref;
	struct vxf_request req;
	u8 state;
	bool prefetch;
	wait_queue_head_t wq;
	int error;
	unsigned long pfns[];
};

/* Mapped pages taken out of a window per pass of map_sem. */
#define VXF_TAKE_BATCH	(2 * XENVXF_SUPERPAGE_PAGES)

/* Pages asked for at once, in a superpage window, when not a whole block. */
#define VXF_SMALL_MAP_SHIFT	3

/*
 * A mapped page's entry in vxf_window.pages, a value entry: its PFN shifted
 * left by VXF_ENTRY_PFN_SHIFT; bit 0 set for a 2 MiB block stored as one
 * multi-index entry, whose PFN is that of the block's first page; bits 1-2
 * the memory type (VXF_CACHE_*) its frames were given (cache.c), the same
 * for every frame of a block.
 */
#define VXF_ENTRY_HUGE		1UL
#define VXF_ENTRY_CACHE_SHIFT	1
#define VXF_ENTRY_CACHE_MASK	(3UL << VXF_ENTRY_CACHE_SHIFT)
#define VXF_ENTRY_PFN_SHIFT	3

static inline void *vxf_entry(unsigned long pfn, bool huge, u32 cache)
{
	return xa_mk_value(pfn << VXF_ENTRY_PFN_SHIFT |
			   (unsigned long)cache << VXF_ENTRY_CACHE_SHIFT |
			   (huge ? VXF_ENTRY_HUGE : 0));
}

static inline bool vxf_entry_huge(void *entry)
{
	return xa_to_value(entry) & VXF_ENTRY_HUGE;
}

static inline u32 vxf_entry_cache(void *entry)
{
	return (xa_to_value(entry) & VXF_ENTRY_CACHE_MASK) >>
	       VXF_ENTRY_CACHE_SHIFT;
}

/* The PFN in an entry: a block's first page for a 2 MiB block. */
static inline unsigned long vxf_entry_base_pfn(void *entry)
{
	return xa_to_value(entry) >> VXF_ENTRY_PFN_SHIFT;
}

/* Sequential read streams a window follows for prefetch. */
#define VXF_RA_STREAMS	8

/*
 * Buckets of a window's fault latency histogram (debugfs only, not ABI):
 * bucket 0 counts waits below 2 us, bucket i > 0 waits in [2^i, 2^(i+1))
 * us, the last one everything from 2^15 us up.
 */
#define VXF_LAT_BUCKETS	16

/**
 * struct vxf_ra_stream - one sequential stream of misses
 * @next: the page the stream's next miss would fault on, U64_MAX for none
 * @pages: pages asked for ahead of its last miss, 0 if none were
 */
struct vxf_ra_stream {
	u64 next;
	u64 pages;
};

/**
 * struct vxf_window - a range of on-demand memory
 * @dev: the device the window belongs to
 * @nr_pages: size in pages
 * @granule_shift: a MAP asks for at most (1 << granule_shift) pages, from an
 *	aligned block
 * @superpage: a whole absent 2 MiB block is asked for as one order-9
 *	reference (granule_shift is then XENVXF_SUPERPAGE_ORDER)
 * @cache: VXF_CACHE_* of /dev/vxfN's mappings (a mapping made through
 *	vxf_window_mmap() has its own)
 * @caches: BIT(VXF_CACHE_*) of the memory types the transport's frames may
 *	be given (cache.c); write-back always
 * @fault_timeout: jiffies a fault waits for the backend
 * @map_sem: read by a fault while it reads a page's PFN and inserts it,
 *	written by whoever takes pages away, so that no PFN is inserted after
 *	the zap that should have removed it
 * @lock: protects @pages, the state of every chunk in it, @ra and
 *	@prefetch_inflight
 * @huge_lock: serialises the insertion of a 2 MiB block's PMD with that
 *	of PTEs for its pages (taken under map_sem read)
 * @pages: window page -> PFN (a value entry) when the page is mapped, or
 *	the struct vxf_chunk of its MAP while that is pending or failed;
 *	absent pages cost nothing
 * @mapped_pages: pages currently mapped
 * @counters: enum vxf_counter
 * @lat_hist: latency of the faults that waited for a MAP (or a hypervisor
 *	report) and got it, by VXF_LAT_BUCKETS bucket; shown in debugfs
 * @hv_gfn: guest frame of page 0 in hypervisor fault records, 0 when faults
 *	are not reported by a hypervisor
 * @hv_frames: Xen hypervisor mode (xen_hv.c): window page N is guest frame
 *	@hv_gfn + N for the window's whole life; a fault inserts that frame,
 *	and whether the backend's page is there is the hypervisor's business
 *	(@pages stays empty)
 * @hv_failed: in @hv_frames mode, the pages whose MAP the backend refused
 *	while a vCPU was held on them: the next fault on each gets SIGBUS
 * @hv_xen: in @hv_frames mode, the Xen hypervisor mode the window is in
 * @ra: the sequential streams, most recently used first (see
 *	vxf_window_ra_update())
 * @prefetch_inflight: pages of PREFETCH MAPs still PENDING, at most about
 *	VXF_PREFETCH_INFLIGHT_PAGES
 * @take_pfns: PFNs being taken away; used under vxf_ring.lock only
 * @take_kept: the transport kept some page it was asked to release since
 *	this was last cleared; used under vxf_ring.lock only
 * @take_typed: which of @take_pfns have another memory type than
 *	write-back, to be given back; used under vxf_ring.lock only
 * @claims_lock: protects @claims
 * @claims: the window pages each live mapping uses, with its memory type
 *	(struct vxf_mapping.claim): mappings that overlap have one type
 */
struct vxf_window {
	struct vxf_device *dev;
	u64 nr_pages;
	unsigned int granule_shift;
	bool superpage;
	u32 cache;
	u32 caches;
	unsigned long fault_timeout;
	struct rw_semaphore map_sem;	/* PFN insertion vs. taking away */
	struct mutex lock;		/* @pages, chunk states */
	struct mutex huge_lock;		/* PMD vs. PTE insertion in a block */
	struct xarray pages;
	atomic64_t mapped_pages;
	atomic64_t counters[VXF_CNT_NR];
	atomic64_t lat_hist[VXF_LAT_BUCKETS];
	u64 hv_gfn;
	bool hv_frames;
	struct xarray hv_failed;
	struct vxf_xen_hv *hv_xen;
	struct vxf_ra_stream ra[VXF_RA_STREAMS];
	u32 prefetch_inflight;
	unsigned long take_pfns[VXF_TAKE_BATCH];
	bool take_kept;
	DECLARE_BITMAP(take_typed, VXF_TAKE_BATCH);
	struct mutex claims_lock;	/* @claims */
	struct rb_root_cached claims;
};

/**
 * struct vxf_mapping - one mmap() of a window, shared by the VMAs it becomes
 * @refs: one per VMA (those a split or a fork makes included)
 * @dev: the window's device, a reference of the mapping's own
 * @claim: the window pages the mapping uses (rounded out to 2 MiB blocks in
 *	a superpage window), in vxf_window.claims
 * @cache: VXF_CACHE_* of the mapping
 * @caller_file: for a mapping made through vxf_window_mmap(), the file
 *	mmap() was called on, kept open as long as the mapping (as the VMA
 *	kept it before the call)
 * @release: for a mapping made through vxf_window_mmap(), called with
 *	@data once the last VMA is gone (may be NULL)
 * @data: the caller's
 */
struct vxf_mapping {
	refcount_t refs;
	struct vxf_device *dev;
	struct interval_tree_node claim;
	u32 cache;
	struct file *caller_file;
	void (*release)(void *data);
	void *data;
};

/**
 * struct vxf_ring - frontend half of the two shared rings
 * @lock: protects everything below but what @push_lock does, and
 *	serialises ring processing
 * @push_lock: protects the request ring's producer side (@req's private
 *	index and free slots) and @connected's changes, so that the
 *	hypervisor mode's event handler can send a MAP from hard interrupt
 *	context (vxf_ring_send_hv_map()); taken inside @lock
 * @connected: the transport is up and the rings are valid
 * @broken: the backend violated the protocol; nothing more is read
 * @broken_why: which rule it broke (a string constant), set with @broken
 * @req: request ring, frontend side
 * @evt: event ring, on which the frontend consumes events
 * @inflight: wire id -> struct vxf_request, until its answer (a MAP whose
 *	fault gave up stays: its answer is owed and installed)
 * @next_id: next wire id
 * @backlog: requests waiting for a free slot, prefetch MAPs last
 * @requeues: passes that ended with work left (VXF_RING_BUDGET spent), in
 *	the device's life
 * @spurious_events: notifications after which ring processing found
 *	nothing to do (Xen: EOIs sent with XEN_EOI_FLAG_SPURIOUS), in the
 *	device's life; written by the transport's ring work only, without
 *	@lock
 */
struct vxf_ring {
	struct mutex lock;		/* everything below; ring processing */
	spinlock_t push_lock;		/* @req producer side, @connected */
	bool connected;
	bool broken;
	const char *broken_why;
	struct xenvxf_req_front_ring req;
	struct xenvxf_evt_back_ring evt;
	struct xarray inflight;
	u64 next_id;
	struct list_head backlog;
	u64 requeues;
	u64 spurious_events;
};

/* Responses and events handled per pass of ring processing. */
#define VXF_RING_BUDGET	16

/**
 * struct vxf_transport_ops - what a transport does for the core
 * @notify: kick the backend (an event channel send)
 * @map_refs: turn @nr page references of order @order into the PFNs of the
 *	pages they cover (in @pfns, one per page) and keep those pages valid
 *	until @unmap_pages; may sleep; returns 0 or -errno, and leaves
 *	nothing mapped on error
 * @unmap_pages: release pages returned by @map_refs, by PFN, once no user
 *	mapping of them is left; returns 0, or -EIO if a page could not be
 *	released: the transport then keeps that page (it is never reused) and
 *	the backend hears of it (REVOKE_DONE or RESET answered -XEN_EIO)
 * @hv_answer: optional (Xen hypervisor mode): the answer to a MAP sent with
 *	vxf_ring_send_hv_map() (an id with VXF_HV_MAP_ID set), copied out of
 *	the ring but not checked; returns 0, or -EPROTO for an answer that
 *	matches no such MAP (the backend broke the protocol)
 *
 * The transport keeps whatever it needs to release a page (a grant handle,
 * a pinned reference) itself, keyed by PFN.
 */
struct vxf_transport_ops {
	void (*notify)(struct vxf_device *dev);
	int (*map_refs)(struct vxf_device *dev, const u32 *refs,
			unsigned int nr, unsigned int order,
			unsigned long *pfns);
	int (*unmap_pages)(struct vxf_device *dev, const unsigned long *pfns,
			   unsigned int nr);
	int (*hv_answer)(struct vxf_device *dev, const struct xenvxf_rsp *rsp);
};

/*
 * Wire ids of the MAPs the Xen hypervisor mode sends from its event handler
 * have this bit set; the ring's own ids count from 1 and never reach it.
 */
#define VXF_HV_MAP_ID	BIT_ULL(63)

/**
 * struct vxf_device - one window, its user device and its backend
 * @kref: lifetime; held by the owner (transport side), each open file and
 *	each user VMA
 * @index: N of /dev/vxfN
 * @name: "vxfN"
 * @misc: the character device
 * @win: the window
 * @ring: the rings to the backend
 * @ops: the transport, NULL while disconnected (changed under @ring.lock)
 * @priv: the transport's own data
 * @owner_idle: called, without locks, when the last user goes away
 * @owner: the module of the transport that made the device; a transport
 *	module other than this driver stays loaded while the device lives,
 *	since the device calls back into it (@ops, @owner_idle, hv ops)
 * @users_lock: protects @users and @dead
 * @users: open files and VMAs
 * @dead: no new user may come
 * @registered: @misc is registered
 * @inode: the device's own inode, on a private pseudo filesystem, whose
 *	address space every open file shares, so that one
 *	unmap_mapping_range() reaches every user mapping; NULL only in KUnit
 *	tests' devices
 * @debugfs: the device's debugfs directory
 * @hv: fault reports from the hypervisor, for the device's whole life
 * @hv_priv: the hypervisor side's data (the loop stand-in's)
 * @consumer: the device whose mappings the window serves
 *	(vxf_window_bind()), with a reference; under vxf_bind_lock (api.c)
 * @bound: entry in api.c's list of bound windows, under vxf_bind_lock
 */
struct vxf_device {
	struct kref kref;
	int index;
	char name[16];
	struct miscdevice misc;
	struct vxf_window win;
	struct vxf_ring ring;
	const struct vxf_transport_ops *ops;
	void *priv;
	void (*owner_idle)(struct vxf_device *dev);
	struct module *owner;
	spinlock_t users_lock;		/* @users, @dead */
	unsigned int users;
	bool dead;
	bool registered;
	struct inode *inode;
	struct dentry *debugfs;
	struct vxf_hv *hv;
	void *hv_priv;
	struct device *consumer;
	struct list_head bound;
};

/**
 * struct vxf_window_params - what a window is made of
 * @nr_pages: size in pages
 * @map_pages: pages per MAP, a power of two; 0 for the module default
 * @superpage: use 2 MiB blocks (overrides @map_pages)
 * @cache: VXF_CACHE_* of /dev/vxfN's mappings
 * @caches: BIT(VXF_CACHE_*) of the memory types the transport's frames may
 *	be given; write-back always, whatever is set here
 * @fault_timeout_ms: 0 for the module default
 */
struct vxf_window_params {
	u64 nr_pages;
	u32 map_pages;
	bool superpage;
	u32 cache;
	u32 caches;
	u32 fault_timeout_ms;
};

/* main.c: module parameters */
extern unsigned int vxf_default_map_pages;
extern unsigned int vxf_default_fault_timeout_ms;
extern unsigned int vxf_prefetch_pages;

/* The most pages prefetch_pages may ask for ahead of one miss. */
#define VXF_PREFETCH_MAX_PAGES	4096U

/*
 * The most pages of PREFETCH MAPs a window has in flight: beyond, the
 * stream waits for its next miss.
 */
#define VXF_PREFETCH_INFLIGHT_PAGES	1024U

/**
 * vxf_window_prefetch_max() - pages asked for ahead of a sequential miss
 * @win: the window
 *
 * The prefetch_pages module parameter, read at each call, capped; 0 (no
 * prefetch) for a superpage window, whose MAPs are 2 MiB already.
 *
 * Return: the most pages one sequential miss may prefetch.
 */
static inline u32 vxf_window_prefetch_max(const struct vxf_window *win)
{
	return win->superpage ? 0 :
	       min(READ_ONCE(vxf_prefetch_pages), VXF_PREFETCH_MAX_PAGES);
}

extern struct dentry *vxf_debugfs_root;

/* The PFN of window page @pgoff, whose entry is @entry. */
static inline unsigned long vxf_entry_pfn(void *entry, u64 pgoff)
{
	unsigned long pfn = vxf_entry_base_pfn(entry);

	if (vxf_entry_huge(entry))
		pfn += pgoff & (XENVXF_SUPERPAGE_PAGES - 1);
	return pfn;
}

/* Whether a chunk is one whole superpage block (one multi-index entry). */
static inline bool vxf_chunk_huge(const struct vxf_chunk *chunk)
{
	return chunk->req.count == XENVXF_SUPERPAGE_PAGES;
}

/* core.c */
int vxf_window_init(struct vxf_window *win, struct vxf_device *dev,
		    const struct vxf_window_params *params);
void vxf_window_destroy(struct vxf_window *win);
vm_fault_t vxf_window_fault(struct vxf_window *win, struct vm_fault *vmf,
			    u32 cache);
vm_fault_t vxf_window_huge_fault(struct vxf_window *win, struct vm_fault *vmf,
				 u32 cache);
void vxf_window_get_stats(struct vxf_window *win, struct vxf_stats *st);
int vxf_window_stats_to_user(struct vxf_window *win,
			     struct vxf_stats __user *ustats);
void vxf_chunk_put(struct vxf_chunk *chunk);
void vxf_chunk_set_state(struct vxf_window *win, struct vxf_chunk *chunk,
			 u8 state);
void vxf_chunk_unlink(struct vxf_window *win, struct vxf_chunk *chunk,
		      u8 state);
enum vxf_hv_action vxf_window_hv_fault(struct vxf_window *win, u64 page,
				       bool write);
enum vxf_hv_action vxf_window_hv_state(struct vxf_window *win, u64 page);
void vxf_window_hv_give_up(struct vxf_window *win, u64 page);
int vxf_window_hv_frame_fail(struct vxf_window *win, u64 page);
void vxf_window_hv_frames_end(struct vxf_window *win);

/* answer.c */
bool vxf_window_map_done(struct vxf_window *win, struct vxf_chunk *chunk,
			 const struct xenvxf_rsp *rsp);
void vxf_window_map_failed(struct vxf_window *win, struct vxf_chunk *chunk,
			   int error);
void vxf_window_map_cancel(struct vxf_window *win, struct vxf_chunk *chunk);
bool vxf_window_free_run(struct vxf_window *win,
			 const struct vxf_chunk *chunk, u64 *first, u64 end,
			 u32 *count);

/* revoke.c */
u64 vxf_window_revoke(struct vxf_window *win, u64 first, u64 count);
u64 vxf_window_hv_revoke(struct vxf_window *win, u64 first, u64 count);
void vxf_window_drop_mapped(struct vxf_window *win);
void vxf_window_drop_all(struct vxf_window *win);

static inline void vxf_count(struct vxf_window *win, enum vxf_counter c)
{
	atomic64_inc(&win->counters[c]);
}

static inline void vxf_count_add(struct vxf_window *win, enum vxf_counter c,
				 u64 n)
{
	atomic64_add(n, &win->counters[c]);
}

/*
 * Objects alive, by kind, for leak checks: <debugfs>/vxf/allocations
 * (live.c). Each is counted where it is allocated and freed; the loop test
 * module counts its own kinds here too.
 */
enum vxf_live {
	VXF_LIVE_DEVICES,
	VXF_LIVE_CHUNKS,
	VXF_LIVE_REQUESTS,
	VXF_LIVE_HV_PENDING,
	VXF_LIVE_LOOP_BACKENDS,
	VXF_LIVE_LOOP_REFS,
	VXF_LIVE_LOOP_PINNED_PAGES,
	VXF_LIVE_XEN_MAPPED_PAGES,
	VXF_LIVE_LOOP_BLOBS,
	VXF_LIVE_NR
};

/*
 * Fault injection for tests (inject.c): module parameters inject_alloc,
 * inject_map, inject_timeout, inject_unmap and inject_retype make that many
 * of the next chunk allocations, transport mappings, fault waits,
 * transport releases (unmap_pages) or memory type changes of frames
 * (cache.c) fail.
 */
enum vxf_inject_site {
	VXF_INJECT_ALLOC,
	VXF_INJECT_MAP,
	VXF_INJECT_TIMEOUT,
	VXF_INJECT_UNMAP,
	VXF_INJECT_RETYPE,
	VXF_INJECT_NR
};

/*
 * Both are test hooks (CONFIG_VIRTIO_XEN_FAULT_DEBUG): without it, the calls
 * stay where they are and compile to nothing.
 */
#if IS_ENABLED(CONFIG_VIRTIO_XEN_FAULT_DEBUG)
extern atomic_long_t vxf_live[VXF_LIVE_NR];

static inline void vxf_live_add(enum vxf_live what, long n)
{
	atomic_long_add(n, &vxf_live[what]);
}

void vxf_live_init(void);

bool vxf_inject(enum vxf_inject_site site);
extern atomic_long_t vxf_injected[VXF_INJECT_NR];
#else
static inline void vxf_live_add(enum vxf_live what, long n) { }
static inline void vxf_live_init(void) { }
static inline bool vxf_inject(enum vxf_inject_site site) { return false; }
#endif

/* check.c */
struct xen_fault_record;
bool vxf_range_valid(u64 first, u64 count, u64 nr_pages);
bool vxf_rsp_valid(const struct vxf_request *req, const struct xenvxf_rsp *rsp,
		   bool superpage);
s64 vxf_hv_record_page(const struct xen_fault_record *rec, u32 window_id,
		       u64 base_gfn, u64 nr_pages, u64 *last_seq);
bool vxf_hv_prod_valid(u32 prod, u32 cons);

/* ring.c */
void vxf_ring_init(struct vxf_ring *ring);
void vxf_ring_connect(struct vxf_device *dev, struct xenvxf_req_sring *req,
		      struct xenvxf_evt_sring *evt, size_t ring_bytes);
void vxf_ring_disconnect(struct vxf_device *dev);
int vxf_ring_send(struct vxf_device *dev, struct vxf_request *req);
int vxf_ring_send_hv_map(struct vxf_device *dev, u64 id, u64 page);
void vxf_ring_cancel_map(struct vxf_device *dev, struct vxf_chunk *chunk,
			 int error);
bool vxf_ring_process_pass(struct vxf_device *dev, unsigned int *handled);
void vxf_ring_process(struct vxf_device *dev);
void vxf_ring_release_window(struct vxf_device *dev);

/* device.c */
struct vxf_device *__vxf_device_create(const struct vxf_window_params *params,
				       void (*owner_idle)(struct vxf_device *),
				       struct module *owner);
#define vxf_device_create(params, owner_idle) \
	__vxf_device_create(params, owner_idle, THIS_MODULE)
int vxf_device_register(struct vxf_device *dev);
bool vxf_device_kill_if_unused(struct vxf_device *dev);
void vxf_device_unregister(struct vxf_device *dev);
void vxf_device_get(struct vxf_device *dev);
void vxf_device_put(struct vxf_device *dev);
void vxf_device_users_inc(struct vxf_device *dev);
bool vxf_device_users_inc_live(struct vxf_device *dev);
void vxf_device_users_dec(struct vxf_device *dev);
int vxf_device_connect(struct vxf_device *dev,
		       const struct vxf_transport_ops *ops, void *priv,
		       struct xenvxf_req_sring *req,
		       struct xenvxf_evt_sring *evt, size_t ring_bytes);
void vxf_device_disconnect(struct vxf_device *dev);
bool vxf_device_has_transport(struct vxf_device *dev);
u32 vxf_device_state(struct vxf_device *dev);
void vxf_device_info(struct vxf_device *dev, struct vxf_info *info);

/* mmap.c */
extern const struct file_operations vxf_user_fops;
int vxf_mapping_setup(struct vxf_device *dev, struct vm_area_struct *vma,
		      pgoff_t first, u32 cache, bool api,
		      void (*release)(void *data), void *data);

/* cache.c */
int vxf_frames_retype(unsigned long pfn, unsigned int nr, u32 from, u32 to,
		      u32 *now);
void vxf_frames_restore(const unsigned long *pfns, const unsigned long *typed,
			unsigned int nr);

/* api.c */
void vxf_device_unbind(struct vxf_device *dev);

/* debugfs.c */
void vxf_debugfs_add(struct vxf_device *dev);
void vxf_debugfs_remove(struct vxf_device *dev);

/* hv.c */
struct xen_fault_report_area;
int vxf_hv_attach(struct vxf_device *dev, const struct vxf_hv_ops *ops,
		  struct xen_fault_report_area *area, u32 window_id,
		  u64 base_gfn);
void vxf_hv_detach(struct vxf_device *dev);
void vxf_hv_kick(struct vxf_device *dev);
const struct vxf_hv_ops *vxf_hv_ops(struct vxf_device *dev);
void vxf_hv_record_copy(struct xen_fault_record *dst,
			const struct xen_fault_record *src);
s64 vxf_hv_record_take(struct vxf_device *dev,
		       const struct xen_fault_record *rec, u32 window_id,
		       u64 base_gfn, u64 *last_seq);

/* xen_hv.c */
struct vxf_xen_hv;
struct vxf_xen_hv *vxf_xen_hv_create(struct vxf_device *dev,
				     struct device *parent);
void vxf_xen_hv_destroy(struct vxf_xen_hv *xhv);
int vxf_xen_hv_answer(struct vxf_xen_hv *xhv, const struct xenvxf_rsp *rsp);
void vxf_xen_hv_disconnected(struct vxf_xen_hv *xhv);
u64 vxf_xen_hv_base_gfn(const struct vxf_xen_hv *xhv);
void vxf_xen_hv_fail_taken(struct vxf_xen_hv *xhv);

/* xen.c */
int vxf_xen_init(void);
void vxf_xen_exit(void);

#endif /* _VXF_H */
