/* SPDX-License-Identifier: GPL-2.0 */
/*
 * store.h - content store of the vxf backend
 *
 * The truth about the window's content lives in a private buffer that is
 * never lent. Pages the frontend maps are copied into "slots": pages of a
 * pool that is granted through the transport, or pages that the transport
 * allocates and shares itself (see transport.h). When a page is revoked or
 * unmapped its slot is copied back (migration), poisoned, ungranted (or
 * unshared) and returned to a FIFO free list, so that a stale mapping reads
 * poison.
 *
 * Superpage windows have a second pool of 2 MiB "huge slots": anonymous
 * memory backed by transparent huge pages, each lent whole with one
 * reference of order 9. A whole aligned block of 512 window pages lives in
 * one huge slot while the frontend maps it, and is reclaimed whole when any
 * of its pages is.
 *
 * A store with fixed frames (vxf_store_init_fixed()) lends window page N
 * as the transport's frame N, granted once: the frame is the memory (loop
 * mode's VXF_LOOP_F_VGPU, virtio-gpu's host-visible region, which the host
 * writes), so nothing is copied, poisoned or ungranted when it is
 * reclaimed, and the next MAP lends the same frame.
 */

#ifndef VXF_BACKEND_STORE_H
#define VXF_BACKEND_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

#define VXF_STORE_PAGE_SIZE	4096UL
#define VXF_STORE_HUGE_PAGES	512U	/* XENVXF_SUPERPAGE_PAGES */
#define VXF_STORE_HUGE_SIZE	(VXF_STORE_PAGE_SIZE * VXF_STORE_HUGE_PAGES)

/**
 * struct vxf_store - window content and page slots
 * @t: transport that grants the slots
 * @window_pages: window size in pages
 * @content: private content, @window_pages pages, filled lazily
 * @content_ready: bitmap: page of @content holds its initial pattern
 * @page_slot: per window page, slot index + 1, 0 for none
 * @nr_slots: size of the slot pool
 * @slots: the slot pool memory (transports with @grant)
 * @slot_addr: per slot, its page while shared, else NULL (transports with
 *	@share; @slots is NULL then)
 * @slot_page: per slot, the window page it holds, or UINT64_MAX if free
 * @slot_ref: per slot, its reference while granted
 * @free_fifo: ring of free slot indices, oldest freed first
 * @free_head: index of the next slot to take in @free_fifo
 * @nr_free: free slots
 * @granted: references granted now (a huge slot's counts once)
 * @ungrant_errors: ungrant failures seen
 * @nr_huge: size of the huge slot pool, 0 without superpages
 * @huge_mem: the huge pool, @nr_huge * 2 MiB, 2 MiB aligned
 * @block_huge: per whole 2 MiB block of the window, huge slot index + 1,
 *	0 for none
 * @nr_blocks: whole blocks in the window
 * @huge_block: per huge slot, the block it holds, or UINT64_MAX if free
 * @huge_ref: per huge slot, its reference while granted
 * @huge_fifo: ring of free huge slots, oldest freed first
 * @huge_head: index of the next huge slot to take in @huge_fifo
 * @huge_free: free huge slots
 * @huge_warned: the "no huge page" message was printed
 * @fixed_ref: per window page, the reference of its fixed frame, or NULL
 *	for a store of slots
 * @fixed_mapped: per window page, whether the frontend maps its fixed
 *	frame
 */
struct vxf_store {
	struct vxf_transport *t;
	uint64_t window_pages;
	uint8_t *content;
	uint64_t *content_ready;
	uint32_t *page_slot;
	uint32_t nr_slots;
	uint8_t *slots;
	void **slot_addr;
	uint64_t *slot_page;
	uint32_t *slot_ref;
	uint32_t *free_fifo;
	uint32_t free_head;
	uint32_t nr_free;
	uint32_t granted;
	uint64_t ungrant_errors;
	uint32_t nr_huge;
	uint8_t *huge_mem;
	uint32_t *block_huge;
	uint64_t nr_blocks;
	uint64_t *huge_block;
	uint32_t *huge_ref;
	uint32_t *huge_fifo;
	uint32_t huge_head;
	uint32_t huge_free;
	bool huge_warned;
	uint32_t *fixed_ref;
	uint8_t *fixed_mapped;
};

int vxf_store_init(struct vxf_store *s, struct vxf_transport *t,
		   uint64_t window_pages, uint32_t nr_slots);
int vxf_store_init_huge(struct vxf_store *s, uint32_t nr_huge);
int vxf_store_init_fixed(struct vxf_store *s);
void vxf_store_fini(struct vxf_store *s);
int vxf_store_map(struct vxf_store *s, uint64_t first, uint32_t count,
		  uint32_t *refs);
int vxf_store_map_huge(struct vxf_store *s, uint64_t first, uint32_t *ref);
bool vxf_store_page_huge(const struct vxf_store *s, uint64_t page);
uint64_t vxf_store_reclaim(struct vxf_store *s, uint64_t first,
			   uint64_t count);
bool vxf_store_page_mapped(const struct vxf_store *s, uint64_t page);
bool vxf_store_random_mapped(const struct vxf_store *s, uint64_t rnd,
			     uint64_t *page);
uint64_t vxf_store_peek(struct vxf_store *s, uint64_t page,
			unsigned int word);
void vxf_store_poke(struct vxf_store *s, uint64_t page, unsigned int word,
		    uint64_t value);
void *vxf_store_slot_addr(const struct vxf_store *s, uint64_t page);

#endif /* VXF_BACKEND_STORE_H */
