/* SPDX-License-Identifier: MIT */
/*
 * vxf_pattern.h - content model of the vxf reference backend
 *
 * Shared by tools/vxf-backend and the test suite: the initial content of
 * every window word, and the poison written into a page slot once it has
 * been revoked and ungranted. Header-only so that anyone can include it.
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 */

#ifndef VXF_PATTERN_H
#define VXF_PATTERN_H

#include <stdint.h>
#include <stddef.h>

#define VXF_PATTERN_PAGE_SIZE	4096ULL
#define VXF_PATTERN_WORDS	(VXF_PATTERN_PAGE_SIZE / 8)

/* What a page slot holds after it was revoked and ungranted. */
#define VXF_POISON		0xdeadbeefdeadbeefULL

/**
 * vxf_pattern() - initial value of a window word
 * @offset: byte offset of the word in the window, a multiple of 8
 *
 * Return: the 64-bit value stored little-endian at @offset.
 */
static inline uint64_t vxf_pattern(uint64_t offset)
{
	return (offset * 0x9E3779B97F4A7C15ULL) ^ 0x7866762d626c6f62ULL;
}

/* Host value <-> little-endian memory word. */
static inline uint64_t vxf_pattern_le(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

/**
 * vxf_pattern_word() - initial value of word @word of window page @page
 */
static inline uint64_t vxf_pattern_word(uint64_t page, unsigned int word)
{
	return vxf_pattern(page * VXF_PATTERN_PAGE_SIZE + (uint64_t)word * 8);
}

/**
 * vxf_pattern_fill_page() - write the initial content of a window page
 * @dst: 4096 bytes, 8-byte aligned
 * @page: window page number
 */
static inline void vxf_pattern_fill_page(void *dst, uint64_t page)
{
	uint64_t *w = (uint64_t *)dst;
	unsigned int i;

	for (i = 0; i < VXF_PATTERN_WORDS; i++)
		w[i] = vxf_pattern_le(vxf_pattern_word(page, i));
}

/**
 * vxf_pattern_check_page() - compare a page with its initial content
 * @src: 4096 bytes, 8-byte aligned
 * @page: window page number
 *
 * Return: the index of the first word that differs, or -1 if none does.
 */
static inline int vxf_pattern_check_page(const void *src, uint64_t page)
{
	const volatile uint64_t *w = (const volatile uint64_t *)src;
	unsigned int i;

	for (i = 0; i < VXF_PATTERN_WORDS; i++)
		if (w[i] != vxf_pattern_le(vxf_pattern_word(page, i)))
			return (int)i;
	return -1;
}

#endif /* VXF_PATTERN_H */
