/* SPDX-License-Identifier: MIT */
/*
 * vxfif.h - on-demand memory ("virtio-xen-fault") shared-ring protocol
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 */

#ifndef __XEN_PUBLIC_IO_VXFIF_H__
#define __XEN_PUBLIC_IO_VXFIF_H__

#include "ring.h"

/*
 ******************************************************************************
 *                           Purpose
 ******************************************************************************
 *
 * A backend (dom0, or a GPU driver domain) lends a guest a window of memory
 * whose pages it may take back at any time: typically the host-visible region
 * of a virtual GPU, where each GPU buffer object ("blob") lives. The frontend
 * in the guest asks for pages when the guest touches them (MAP), and gives
 * them back when the backend asks (REVOKE). A guest access to a page that is
 * not mapped at the moment waits for a MAP, it never reads all-ones nor loses
 * a write.
 *
 * The window is a range of "window pages", numbered from 0, each
 * XEN_PAGE_SIZE (4096) octets. How a window page is supplied is the
 * transport's business: in grant mode a page reference is a grant reference
 * of the backend's domain, in loop mode (both ends inside one guest, for
 * testing) it is a reference handed out by the loop device.
 *
 ******************************************************************************
 *                           Protocol version
 ******************************************************************************
 */
#define XENVXF_PROTOCOL_VERSION		1

/*
 ******************************************************************************
 *                  Feature and Parameter Negotiation
 ******************************************************************************
 *
 * Front and back ends negotiate through XenStore, under the usual
 * device/vxf/<index> (frontend) and backend/vxf/<frontend-id>/<index>
 * (backend) paths. The device type is "vxf".
 *
 * All numbers are written as decimal strings.
 *
 *------------------------- Backend entries ----------------------------------
 *
 * versions
 *      Values:         <string>
 *      Comma-separated list of protocol versions the backend supports,
 *      e.g. "1".
 *
 * max-ring-page-order
 *      Values:         <uint32_t>
 *      Default:        0
 *      Largest ring-page-order the backend accepts. Both rings use it.
 *
 * window-pages
 *      Values:         <uint64_t>
 *      Size of the window in 4 KiB pages. Must be non-zero and at most
 *      XENVXF_MAX_WINDOW_PAGES.
 *
 * window-cache
 *      Values:         "wb" | "wc" | "uc"
 *      Default:        "wb"
 *      Memory type the guest must use when it maps window pages, as for the
 *      blob this window holds (write-back, write-combining, uncached).
 *
 * feature-superpage
 *      Values:         <bool>
 *      Default:        0
 *      The backend may answer a MAP with references of order
 *      XENVXF_SUPERPAGE_ORDER (one reference for 512 contiguous pages).
 *
 * feature-hv-fault
 *      Values:         <bool>
 *      Default:        0
 *      The backend can serve the window in hypervisor mode: it lends its
 *      pages into the guest's physmap at the frames the frontend names in
 *      hv-window-gfn (XEN_DMOP_lend_pages), and takes them back through the
 *      hypervisor (XEN_DMOP_revoke_pages) without asking the guest; the
 *      guest learns of holes from hypervisor fault reports (see
 *      include/xen/interface/hvm/vxf_fault.h). The mode is in use only if
 *      the frontend writes hv-window-gfn: a frontend without
 *      XENFEAT_fault_report, or that does not implement the mode, writes
 *      no such key, and both ends use grant mode. A backend without the
 *      feature (or with it 0) is always in grant mode: the frontend writes
 *      no hv-window-gfn for it. A frontend that used hypervisor mode with
 *      an earlier backend of the same device treats a backend without the
 *      feature as a fatal error (the window's user mappings point at its
 *      frames).
 *
 *------------------------- Frontend entries ---------------------------------
 *
 * version
 *      Values:         <uint32_t>
 *      The protocol version the frontend chose from "versions".
 *
 * ring-page-order
 *      Values:         <uint32_t>
 *      Both rings are (1 << ring-page-order) pages long.
 *
 * req-ring-ref%u, evt-ring-ref%u
 *      Values:         <uint32_t>
 *      Grant references of the pages of the request ring and of the event
 *      ring, %u from 0 to (1 << ring-page-order) - 1 (so "req-ring-ref0"
 *      even for a one-page ring).
 *
 * event-channel
 *      Values:         <uint32_t>
 *      One event channel serves both rings, in both directions.
 *
 * map-granule
 *      Values:         <uint32_t>
 *      Default:        1
 *      Number of pages the frontend asks for at a time (a power of two, at
 *      most XENVXF_MAX_MAP_PAGES, or XENVXF_SUPERPAGE_PAGES when superpages
 *      were negotiated). Informative: every MAP still names its own range.
 *
 * hv-window-gfn
 *      Values:         <uint64_t>
 *      Written only in hypervisor mode (see feature-hv-fault), and only if
 *      the backend offers it: the guest frame of window page 0. Window page
 *      N is guest frame hv-window-gfn + N for the window's whole life: a
 *      range of the guest's physical address space with nothing of the
 *      guest's behind it, registered as a fault report window with Xen.
 *      The backend answers a MAP by lending its page for window page N at
 *      that frame, in the frontend's domain, before it pushes the response
 *      (status 0, nr_refs 0: a hypervisor-mode MAP response carries no
 *      references); it takes pages back with XEN_DMOP_revoke_pages and no
 *      event (no REVOKE or RESET on the event ring: the frontend hears of
 *      nothing until a guest access finds the hole and Xen reports it, and
 *      then sends a MAP of that page again). A backend that disconnects
 *      revokes every page it lent first. The frontend sends hypervisor-mode
 *      MAPs of one page, with ids it picks from its own space; a backend
 *      that answers them with an error status fails the guest access
 *      (SIGBUS or -EFAULT).
 *
 ******************************************************************************
 *                               STATE DIAGRAM
 ******************************************************************************
 *
 * The usual XenBus handshake (see xenbus.h):
 *
 *  Frontend                                Backend
 *  Initialising                            InitWait (writes its entries)
 *  reads backend entries, allocates and
 *  grants rings, writes its entries
 *  Initialised ------------------------->  maps rings, binds event channel
 *                                          Connected
 *  Connected   <-------------------------
 *
 * When the backend goes to Closing or Closed, the frontend fails every MAP in
 * flight (the faulting tasks get SIGBUS or retry once reconnected, never
 * hang), drops every page it mapped, and waits in Initialising for a new
 * backend. A backend that loses its state without closing sends
 * XENVXF_EVT_RESET instead.
 *
 * A frontend that finds the backend breaking the protocol (see "Request
 * ring: responses") writes an "error" node (xenbus_dev_fatal), stops reading
 * the rings, drops every page, and goes to Closing, then Closed. A backend
 * that comes back to InitWait gets a fresh connection (new rings, new event
 * channel, request ids that do not repeat old ones).
 *
 ******************************************************************************
 *                              Rings
 ******************************************************************************
 *
 * Two rings, built with ring.h's macros:
 *
 * Request ring ("req"): the frontend is the producer of requests
 *      (struct xenvxf_req: MAP, UNMAP) and the backend of responses
 *      (struct xenvxf_rsp).
 *
 * Event ring ("evt"): the backend is the producer of requests
 *      (struct xenvxf_evt: REVOKE, RESET) and the frontend of responses
 *      (struct xenvxf_evt_rsp: REVOKE_DONE). On this ring the frontend uses
 *      the BACK_RING macros.
 *
 * Ordering: a backend that answers a MAP and then revokes any of its pages
 * must push the MAP response before the REVOKE. The frontend reads the event
 * ring's producer index first, then consumes every response on the request
 * ring, then the events: a REVOKE therefore always applies to pages already
 * installed from earlier responses. The frontend may handle the messages of
 * one notification in several passes; each pass keeps this order.
 *
 * Answers that come late: every request gets exactly one response (slots of
 * the request ring are freed by responses only), including a MAP whose
 * faulting tasks gave up waiting (the frontend's fault timeout) and a MAP
 * that was in flight when a REVOKE or a RESET came. The frontend waits for
 * at most one MAP of any window page at a time, and installs the pages of
 * every successful response to such a MAP, late or not. When it cannot
 * (it could not map the references, or it gave the MAP up when the window
 * went unused, see XENVXF_OP_UNMAP) it sends
 * XENVXF_OP_UNMAP, right away, for the pages of that response that are not
 * mapped and that no other MAP in flight is for. The pages a backend has
 * lent are therefore exactly those of its successful MAP responses, less
 * those of REVOKEs answered with status 0 (and of RESETs), less UNMAPs.
 *
 * Every slot of both rings is 64 octets. All fields are little-endian.
 * Reserved fields must be written as zero and are ignored on reading.
 *
 ******************************************************************************
 *                         Request ring: requests
 ******************************************************************************
 *
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                               id                                  | 4
 * +----------------+----------------+----------------+----------------+
 * |                                                                   | 8
 * +----------------+----------------+----------------+----------------+
 * |   operation    |     flags      |            reserved             | 12
 * +----------------+----------------+----------------+----------------+
 * |                             count                                 | 16
 * +----------------+----------------+----------------+----------------+
 * |                           first_page                              | 20
 * +----------------+----------------+----------------+----------------+
 * |                                                                   | 24
 * +----------------+----------------+----------------+----------------+
 * |                           reserved                                | 28
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                           reserved                                | 64
 * +----------------+----------------+----------------+----------------+
 *
 * id - uint64_t, chosen by the frontend, echoed in the response. At most one
 *      request with a given id is in flight.
 * operation - XENVXF_OP_*.
 * flags - XENVXF_MAP_F_* for MAP, 0 otherwise.
 * count - number of window pages, from 1.
 * first_page - first window page of the range. first_page + count must not
 *      pass window-pages.
 *
 * XENVXF_OP_MAP: supply the pages [first_page, first_page + count).
 *      count is at most XENVXF_MAX_MAP_PAGES, or exactly
 *      XENVXF_SUPERPAGE_PAGES with first_page aligned to it when superpages
 *      were negotiated. The backend answers once the pages are there.
 *      XENVXF_MAP_F_WRITE: the frontend will write to the pages.
 *      XENVXF_MAP_F_PREFETCH: nobody waits for these pages yet; the backend
 *      may decline with status XENVXF_STATUS_EAGAIN at no cost: the frontend
 *      forgets the request, and a guest access that had started waiting
 *      for these pages asks for them again with a MAP of its own (without
 *      this flag). Any other error status, or XENVXF_STATUS_EAGAIN for a
 *      MAP without this flag, fails the MAP: the accesses waiting for it
 *      fail.
 *
 * XENVXF_OP_UNMAP: the frontend no longer maps [first_page, first_page +
 *      count): it dropped every mapping of these pages before sending this,
 *      and the backend may reclaim them without a REVOKE. count is at most
 *      window-pages. Sent when the window goes unused, and for the pages of
 *      a MAP response the frontend did not install (see "Answers that come
 *      late"). A MAP in flight for pages of an UNMAP was given up by the
 *      frontend before it sent the UNMAP: the backend answers it as usual,
 *      and the frontend gives those pages back in turn. A page that a MAP
 *      the frontend still waits for will install is never unmapped.
 *
 ******************************************************************************
 *                         Request ring: responses
 ******************************************************************************
 *
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                               id                                  | 4
 * +----------------+----------------+----------------+----------------+
 * |                                                                   | 8
 * +----------------+----------------+----------------+----------------+
 * |   operation    |   ref_order    |             nr_refs             | 12
 * +----------------+----------------+----------------+----------------+
 * |                             status                                | 16
 * +----------------+----------------+----------------+----------------+
 * |                             ref[0]                                | 20
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             ref[11]                               | 64
 * +----------------+----------------+----------------+----------------+
 *
 * id - the id of the request this answers.
 * operation - the operation of the request this answers.
 * status - 0 on success, or a negated XEN_E* error (xen/errno.h).
 * ref_order - MAP only: each reference covers (1 << ref_order) contiguous
 *      window pages; 0, or XENVXF_SUPERPAGE_ORDER if negotiated.
 * nr_refs - MAP only: number of valid references in ref[]; on success
 *      (nr_refs << ref_order) equals the request's count; 0 on error.
 * ref - MAP only: page references, in window page order. Grant references
 *      (grant_ref_t) in grant mode.
 *
 * Anything else (an unknown id, an id not in flight, an operation that does
 * not match, a count that does not add up) is a protocol violation: the
 * frontend disconnects.
 *
 ******************************************************************************
 *                          Event ring: events
 ******************************************************************************
 *
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                               id                                  | 4
 * +----------------+----------------+----------------+----------------+
 * |                                                                   | 8
 * +----------------+----------------+----------------+----------------+
 * |      type      |                   reserved                       | 12
 * +----------------+----------------+----------------+----------------+
 * |                             count                                 | 16
 * +----------------+----------------+----------------+----------------+
 * |                           first_page                              | 20
 * +----------------+----------------+----------------+----------------+
 * |                                                                   | 24
 * +----------------+----------------+----------------+----------------+
 * |                          deadline_us                              | 28
 * +----------------+----------------+----------------+----------------+
 * |                           reserved                                | 32
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                           reserved                                | 64
 * +----------------+----------------+----------------+----------------+
 *
 * id - chosen by the backend, echoed in the answer.
 * type - XENVXF_EVT_*.
 *
 * XENVXF_EVT_REVOKE: give back [first_page, first_page + count). When the
 *      frontend answers XENVXF_EVT_REVOKE_DONE with status 0, no mapping of
 *      these pages is left in the guest and any later access faults; pages
 *      of the range that the frontend did not map are covered too.
 *      deadline_us is the time the backend allows, in microseconds; 0 means
 *      no deadline. The frontend never waits for a guest task while
 *      revoking.
 *      A MAP in flight for pages of the range is not cancelled: the frontend
 *      keeps waiting for its response and installs it. A response pushed
 *      before the REVOKE is undone by it (see "Ordering"); one pushed after
 *      the backend consumed the REVOKE_DONE lends the pages anew. The
 *      backend must not push, between the REVOKE and its REVOKE_DONE, the
 *      response of a MAP that overlaps the range: the frontend may consume
 *      it before or after the REVOKE, and the backend could not tell
 *      whether its pages are still mapped.
 *      Pages that something other than the guest writes while they are
 *      lent (a GPU's fence words, a renderer's sequence number or ring
 *      status, which guest drivers spin on) must stay the memory that
 *      writer writes: a backend either lends such a page again as the
 *      same frame after the REVOKE_DONE, copying nothing, or stops the
 *      writer's writes to the page before it copies the page, and
 *      points them at the copy before it lends the copy. A copy taken
 *      while the writer still writes the old frame loses the writes
 *      made after it, and a guest spinning for one of them spins
 *      forever.
 *
 * XENVXF_EVT_RESET: the backend lost its state. Every page reference the
 *      frontend holds is void; the frontend drops them all and answers.
 *      Requests in flight stay in flight: each is still owed its response
 *      (see "Answers that come late"), which the backend pushes after it
 *      consumed the RESET's answer, with references valid after the reset,
 *      or with an error status (the faulting tasks then get SIGBUS); the
 *      frontend installs the pages of successful ones. first_page and count
 *      are 0.
 *
 ******************************************************************************
 *                          Event ring: answers
 ******************************************************************************
 *
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                               id                                  | 4
 * +----------------+----------------+----------------+----------------+
 * |                                                                   | 8
 * +----------------+----------------+----------------+----------------+
 * |      type      |                   reserved                       | 12
 * +----------------+----------------+----------------+----------------+
 * |                             status                                | 16
 * +----------------+----------------+----------------+----------------+
 * |                           reserved                                | 20
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                           reserved                                | 64
 * +----------------+----------------+----------------+----------------+
 *
 * id - the id of the event this answers.
 * type - XENVXF_EVT_REVOKE_DONE for REVOKE, XENVXF_EVT_RESET for RESET.
 * status - 0, or a negated XEN_E* error: -XEN_EINVAL for a range outside the
 *      window, -XEN_EIO if a page could not be released (grant mode: a grant
 *      the frontend could not unmap). After -XEN_EIO some page of the range
 *      (for a RESET: some page the backend had lent) is still mapped by the
 *      frontend, which never uses it again; the backend cannot tell which,
 *      and must not reuse any of them while this frontend is connected.
 *      Every user mapping of the range is gone all the same.
 */

/* Operations on the request ring. */
#define XENVXF_OP_MAP			0
#define XENVXF_OP_UNMAP			1

/* Flags of XENVXF_OP_MAP. */
#define XENVXF_MAP_F_WRITE		(1 << 0)
#define XENVXF_MAP_F_PREFETCH		(1 << 1)
#define XENVXF_MAP_F_MASK		(XENVXF_MAP_F_WRITE | \
					 XENVXF_MAP_F_PREFETCH)

/* Event types on the event ring. */
#define XENVXF_EVT_REVOKE		0
#define XENVXF_EVT_RESET		1
#define XENVXF_EVT_REVOKE_DONE		2

/*
 * Status values, the negated XEN_E* codes of xen/include/public/errno.h that
 * this protocol uses.
 */
#define XENVXF_STATUS_OK		0
#define XENVXF_STATUS_EIO		(-5)	/* -XEN_EIO */
#define XENVXF_STATUS_EAGAIN		(-11)	/* -XEN_EAGAIN */
#define XENVXF_STATUS_ENOMEM		(-12)	/* -XEN_ENOMEM */
#define XENVXF_STATUS_EINVAL		(-22)	/* -XEN_EINVAL */

/* Limits. */
#define XENVXF_MAX_MAP_PAGES		12
#define XENVXF_MAX_REFS			12
#define XENVXF_SUPERPAGE_ORDER		9
#define XENVXF_SUPERPAGE_PAGES		(1U << XENVXF_SUPERPAGE_ORDER)
#define XENVXF_MAX_RING_PAGE_ORDER	4
#define XENVXF_MAX_WINDOW_PAGES		(1ULL << 28)	/* 1 TiB */

/* XenStore keys and values. */
#define XENVXF_FIELD_BE_VERSIONS	"versions"
#define XENVXF_FIELD_MAX_RING_ORDER	"max-ring-page-order"
#define XENVXF_FIELD_WINDOW_PAGES	"window-pages"
#define XENVXF_FIELD_WINDOW_CACHE	"window-cache"
#define XENVXF_FIELD_FEATURE_SUPERPAGE	"feature-superpage"
#define XENVXF_FIELD_FEATURE_HV_FAULT	"feature-hv-fault"
#define XENVXF_FIELD_FE_VERSION		"version"
#define XENVXF_FIELD_RING_ORDER		"ring-page-order"
#define XENVXF_FIELD_REQ_RING_REF	"req-ring-ref"
#define XENVXF_FIELD_EVT_RING_REF	"evt-ring-ref"
#define XENVXF_FIELD_EVT_CHANNEL	"event-channel"
#define XENVXF_FIELD_MAP_GRANULE	"map-granule"
#define XENVXF_FIELD_HV_WINDOW_GFN	"hv-window-gfn"

#define XENVXF_CACHE_WB			"wb"
#define XENVXF_CACHE_WC			"wc"
#define XENVXF_CACHE_UC			"uc"

/**
 * struct xenvxf_req - request ring: request, frontend to backend
 * @id: frontend-chosen id, echoed in the response
 * @operation: XENVXF_OP_MAP or XENVXF_OP_UNMAP
 * @flags: XENVXF_MAP_F_* for MAP, 0 otherwise
 * @reserved: zero
 * @count: number of window pages
 * @first_page: first window page of the range
 * @reserved2: zero
 */
struct xenvxf_req {
	uint64_t id;			/* offset 0 */
	uint8_t operation;		/* offset 8 */
	uint8_t flags;			/* offset 9 */
	uint16_t reserved;		/* offset 10 */
	uint32_t count;			/* offset 12 */
	uint64_t first_page;		/* offset 16 */
	uint8_t reserved2[40];		/* offset 24 */
};

/**
 * struct xenvxf_rsp - request ring: response, backend to frontend
 * @id: id of the request answered
 * @operation: operation of the request answered
 * @ref_order: MAP: each reference covers (1 << ref_order) pages
 * @nr_refs: MAP: number of valid entries in @ref
 * @status: 0 or a negated XEN_E* error
 * @ref: MAP: page references in window page order
 */
struct xenvxf_rsp {
	uint64_t id;			/* offset 0 */
	uint8_t operation;		/* offset 8 */
	uint8_t ref_order;		/* offset 9 */
	uint16_t nr_refs;		/* offset 10 */
	int32_t status;			/* offset 12 */
	uint32_t ref[XENVXF_MAX_REFS];	/* offset 16 */
};

/**
 * struct xenvxf_evt - event ring: event, backend to frontend
 * @id: backend-chosen id, echoed in the answer
 * @type: XENVXF_EVT_REVOKE or XENVXF_EVT_RESET
 * @reserved: zero
 * @count: REVOKE: number of window pages
 * @first_page: REVOKE: first window page of the range
 * @deadline_us: REVOKE: time allowed in microseconds, 0 for none
 * @reserved2: zero
 */
struct xenvxf_evt {
	uint64_t id;			/* offset 0 */
	uint8_t type;			/* offset 8 */
	uint8_t reserved[3];		/* offset 9 */
	uint32_t count;			/* offset 12 */
	uint64_t first_page;		/* offset 16 */
	uint32_t deadline_us;		/* offset 24 */
	uint8_t reserved2[36];		/* offset 28 */
};

/**
 * struct xenvxf_evt_rsp - event ring: answer, frontend to backend
 * @id: id of the event answered
 * @type: XENVXF_EVT_REVOKE_DONE or XENVXF_EVT_RESET
 * @reserved: zero
 * @status: 0 or a negated XEN_E* error
 * @reserved2: zero
 */
struct xenvxf_evt_rsp {
	uint64_t id;			/* offset 0 */
	uint8_t type;			/* offset 8 */
	uint8_t reserved[3];		/* offset 9 */
	int32_t status;			/* offset 12 */
	uint8_t reserved2[48];		/* offset 16 */
};

DEFINE_RING_TYPES(xenvxf_req, struct xenvxf_req, struct xenvxf_rsp);
DEFINE_RING_TYPES(xenvxf_evt, struct xenvxf_evt, struct xenvxf_evt_rsp);

#endif /* __XEN_PUBLIC_IO_VXFIF_H__ */
