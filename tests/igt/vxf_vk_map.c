// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_vk_map.c - Mesa's Venus driver mapping host-visible memory, with
 * the window revoked underneath (make check steps vgpu-stock, vgpu-vxf)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * A small Vulkan program on the Venus ICD (VK_ICD_FILENAMES), the way an
 * application uses host-visible memory: it allocates HOST_VISIBLE |
 * HOST_COHERENT memory of a few sizes (4 KiB to 6 MiB), vkMapMemory()s it,
 * writes patterns, reads them back, unmaps and maps again (the data stays),
 * maps at an offset, maps at a placed address with vkMapMemory2KHR when
 * the device exposes VK_EXT_map_memory_placed (it says which), and then
 * runs ROUNDS rounds of: vkCmdFillBuffer() into a buffer bound to such
 * memory, vkQueueSubmit(), a fence, the CPU checking every word the host
 * wrote, and CPU patterns written and read back in every allocation. The
 * submissions go through Venus's own command ring, itself blob memory.
 *
 * With VXF_VGPU_WINDOW=1 (vgpu-vxf: the patched virtio-gpu and the
 * driver, VXF_BACKEND naming vxf-backend) it first starts vxf-backend
 * --vgpu, whose window over virtio-gpu's host-visible region is bound to
 * virtio-gpu, so that every mapping Venus makes (its ring and shared page
 * and the program's memory) is the window's. Then a thread revokes the
 * whole window every REVOKE_MS for as long as the rounds run, and each
 * round starts with a revoke of its own after which the page table entry
 * of every mapping of the program must be gone (read through
 * /dev/vxf-loop's VXF_LOOP_IOC_PTE): the proof that revokes took pages out
 * of the program's own mappings, without which the run fails (on a
 * virtio-gpu that does not route blob maps to the window, for one).
 *
 * Fails on any mismatch, any SIGBUS (counted by a handler that abandons
 * the check it hit), any Vulkan error; never on time. A fence not
 * signalled within the stall limit gets a second submission on the queue
 * (vk_wait_fence(), vxf_vk_wakeup.c: Venus's ring can lose the wakeup of
 * the host's renderer). If the fence is signalled after it, that was a
 * lost wakeup: without a window it is printed on a line "vk-map:
 * venus-lost-wakeup: ..." and the run goes on (no driver of ours is
 * loaded: it is Mesa's); with a window it fails the run, since a ring
 * write lost to a revoke would look the same. A fence not signalled even
 * then fails the run.
 *
 * usage: vxf_vk_map [--any-driver] [--stall-s S] [--drop-notify] [ROUNDS]
 *   --any-driver  run on whatever driver the loader gives (e.g. lavapipe
 *                 on the build host, to try the program out); by default
 *                 a driver other than Venus fails the run
 *   --stall-s S   the stall limit, in seconds (default 60)
 *   --drop-notify the first round's submission loses every notification
 *                 Venus sends for it (vk_notify_drop); it must then stall
 *                 for the whole limit and be recovered by the second
 *                 submission, else the run fails
 *   ROUNDS        default 30
 * Exit status: 0 pass, 1 fail.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vxf_helpers.h"
#include "vxf_loop_uapi.h"
#include "vxf_vk.h"

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define REVOKE_MS	20
#define FILL_SIZE	(256 * KIB)
#define STALL_S		60
/* --drop-notify: long enough for the renderer to mark its ring idle */
#define IDLE_WAIT_US	500000

static const VkDeviceSize sizes[] = { 4 * KIB, 76 * KIB, 1 * MIB, 6 * MIB };
#define NALLOC ARRAY_SIZE(sizes)

/**
 * struct alloc - one allocation and its current map
 * @mem: the memory
 * @size: its size
 * @p: where it is mapped now, NULL if it is not
 */
struct alloc {
	VkDeviceMemory mem;
	VkDeviceSize size;
	uint64_t *p;
};

/**
 * struct run - the whole run's state and counters
 * @vk: the Vulkan device
 * @a: the allocations
 * @fill_mem: memory of @fill_buf, mapped at @fill
 * @fill_buf: the buffer vkCmdFillBuffer() writes
 * @fill: its CPU view
 * @cmd: the command buffer, recorded again each round
 * @fence: the submission's fence
 * @nudge: the second submission after a stall (vk_wait_fence())
 * @stall_s: the stall limit (--stall-s)
 * @drop_notify: --drop-notify
 * @window: a window is bound (VXF_VGPU_WINDOW=1)
 * @be: the backend lending the window
 * @loop_fd: /dev/vxf-loop, for VXF_LOOP_IOC_PTE
 * @checks: checks run
 * @failed: checks failed
 * @mismatches: words read back different from what was written
 * @own_revokes: the rounds' own revokes of the whole window
 * @pte_checked: mapped pages looked at right after them
 * @pte_revoked: those of them the revoke had taken out
 * @wakeups: fences signalled only after the second submission
 */
struct run {
	struct vk vk;
	struct alloc a[NALLOC];
	VkDeviceMemory fill_mem;
	VkBuffer fill_buf;
	volatile uint32_t *fill;
	VkCommandBuffer cmd;
	VkFence fence;
	struct vk_nudge nudge;
	unsigned int stall_s;
	bool drop_notify;
	bool window;
	struct vxf_backend be;
	int loop_fd;
	unsigned long checks, failed, mismatches;
	unsigned long own_revokes, pte_checked, pte_revoked;
	unsigned long wakeups;
};

/*
 * The revoker thread and the rounds both send commands to the backend:
 * be_lock serialises them (vxf_backend_cmd() is not reentrant) and
 * protects the revoke counters below it.
 */
static pthread_mutex_t be_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long revokes, revoke_errors;
static uint64_t revoked_pages;
static bool revoker_stop;		/* __atomic */

/*
 * A SIGBUS abandons the check that hit it (sigsetjmp in checked()); one
 * in another thread (Venus's) fails the run at once.
 */
static volatile sig_atomic_t sigbus_count;
static __thread sigjmp_buf bus_jmp;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	static const char msg[] =
		"vk-map: SIGBUS outside a check (in Venus?): FAIL\n";

	(void)sig;
	sigbus_count++;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static uint64_t word_of(unsigned int a, unsigned int round, uint64_t i)
{
	return vxf_pattern(((uint64_t)a << 56) ^ ((uint64_t)round << 32) ^ i);
}

/*
 * Words [@first, @first + @n) of allocation @a, seen at @p: write the
 * round's pattern if @write, then read all of them back; returns the
 * mismatches.
 */
static unsigned long pattern_pass(volatile uint64_t *p, unsigned int a,
				  unsigned int round, uint64_t first,
				  uint64_t n, bool write)
{
	unsigned long bad = 0;
	uint64_t i;

	if (write)
		for (i = 0; i < n; i++)
			p[i] = word_of(a, round, first + i);
	for (i = 0; i < n; i++) {
		uint64_t v = p[i];

		if (v != word_of(a, round, first + i) && !bad++)
			printf("vk-map: allocation %u word %llu: 0x%016llx, wrote 0x%016llx (round %u)\n",
			       a, (unsigned long long)(first + i),
			       (unsigned long long)v,
			       (unsigned long long)word_of(a, round, first + i),
			       round);
	}
	return bad;
}

/* one check: pass/fail counted, a SIGBUS inside it fails it */
static bool checked(struct run *r, const char *what, unsigned int a,
		    volatile uint64_t *p, unsigned int round, uint64_t first,
		    uint64_t n, bool write)
{
	unsigned long bad;

	r->checks++;
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		printf("vk-map: %s, allocation %u: SIGBUS\n", what, a);
		r->failed++;
		return false;
	}
	bus_armed = 1;
	bad = pattern_pass(p, a, round, first, n, write);
	bus_armed = 0;
	if (bad) {
		printf("vk-map: %s, allocation %u: %lu mismatches\n", what, a,
		       bad);
		r->mismatches += bad;
		r->failed++;
		return false;
	}
	return true;
}

static bool fail(struct run *r, const char *fmt, const char *arg)
{
	r->checks++;
	r->failed++;
	printf("vk-map: FAIL: ");
	printf(fmt, arg);
	printf("\n");
	return false;
}

/* map, write, read back; unmap, map again: the data stays; at an offset */
static bool check_maps(struct run *r)
{
	unsigned int a;

	for (a = 0; a < NALLOC; a++) {
		struct alloc *al = &r->a[a];
		uint64_t words = al->size / 8;
		uint64_t *q;

		al->p = vk_map(&r->vk, al->mem, 0);
		if (!al->p)
			return fail(r, "%s", "vkMapMemory");
		if (!checked(r, "map, write, read back", a, al->p, 0, 0,
			     words, true))
			return false;
		vk_unmap(&r->vk, al->mem);
		al->p = vk_map(&r->vk, al->mem, 0);
		if (!al->p)
			return fail(r, "%s", "vkMapMemory again");
		if (!checked(r, "map again: the data stays", a, al->p, 0, 0,
			     words, false))
			return false;
		vk_unmap(&r->vk, al->mem);
		/* the second page on: Venus maps the blob, offsets into it */
		q = vk_map(&r->vk, al->mem, al->size > 4 * KIB ? 4 * KIB : 0);
		if (!q)
			return fail(r, "%s", "vkMapMemory at an offset");
		if (!checked(r, "map at an offset", a, q, 0,
			     al->size > 4 * KIB ? 512 : 0,
			     al->size > 4 * KIB ? words - 512 : words, false))
			return false;
		vk_unmap(&r->vk, al->mem);
		al->p = vk_map(&r->vk, al->mem, 0);
		if (!al->p)
			return fail(r, "%s", "vkMapMemory");
	}
	printf("vk-map: map, write, read back, unmap, map again, map at an offset: ok (%u allocations, 4 KiB to %llu MiB)\n",
	       (unsigned int)NALLOC, sizes[NALLOC - 1] / MIB);
	return true;
}

/*
 * vkMapMemory2KHR at an address of the program's choosing, in a PROT_NONE
 * reservation aligned to minPlacedMemoryMapAlignment: the map must land
 * there and show the data; writes through it stay after the unmap.
 */
static bool check_placed(struct run *r)
{
	unsigned int a;

	if (!r->vk.placed) {
		printf("vk-map: placed maps: VK_EXT_map_memory_placed is not exposed by this device: ordinary maps only\n");
		return true;
	}
	for (a = 0; a < NALLOC; a++) {
		struct alloc *al = &r->a[a];
		size_t align = r->vk.placed_align > 4096 ? r->vk.placed_align : 4096;
		size_t len = al->size + align;
		uintptr_t at;
		void *res;
		bool ok;

		vk_unmap(&r->vk, al->mem);
		al->p = NULL;
		res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			return fail(r, "placed: reservation: %s", strerror(errno));
		at = ((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1);
		al->p = vk_map_placed(&r->vk, al->mem, (void *)at);
		if (!al->p) {
			munmap(res, len);
			return fail(r, "%s", "vkMapMemory2KHR with a placed address");
		}
		ok = checked(r, "placed map: the data", a, al->p, 0, 0,
			     al->size / 8, false) &&
		     checked(r, "placed map: write, read back", a, al->p, 1, 0,
			     al->size / 8, true);
		vk_unmap(&r->vk, al->mem);
		munmap(res, len);
		al->p = vk_map(&r->vk, al->mem, 0);
		if (!ok)
			return false;
		if (!al->p)
			return fail(r, "%s", "vkMapMemory after a placed map");
		if (!checked(r, "after the placed map: its writes stay", a,
			     al->p, 1, 0, al->size / 8, false))
			return false;
	}
	printf("vk-map: placed maps (vkMapMemory2KHR, VK_MEMORY_MAP_PLACED_BIT_EXT, alignment %llu): ok\n",
	       (unsigned long long)r->vk.placed_align);
	return true;
}

static int make_fill_buffer(struct run *r)
{
	VkBufferCreateInfo bci = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = FILL_SIZE,
		.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT,
	};
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = r->vk.pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	VkMemoryRequirements req;

	if (vkCreateBuffer(r->vk.dev, &bci, NULL, &r->fill_buf) != VK_SUCCESS)
		return -1;
	vkGetBufferMemoryRequirements(r->vk.dev, r->fill_buf, &req);
	if (vk_alloc(&r->vk, req.size, req.memoryTypeBits, &r->fill_mem))
		return -1;
	if (vkBindBufferMemory(r->vk.dev, r->fill_buf, r->fill_mem, 0) != VK_SUCCESS)
		return -1;
	r->fill = vk_map(&r->vk, r->fill_mem, 0);
	if (!r->fill)
		return -1;
	if (vkAllocateCommandBuffers(r->vk.dev, &cai, &r->cmd) != VK_SUCCESS)
		return -1;
	return vkCreateFence(r->vk.dev, &fci, NULL, &r->fence) == VK_SUCCESS ? 0 : -1;
}

/*
 * The fill's fence: signalled, or signalled after a second submission
 * (a lost wakeup, counted where it is not the driver's to answer for).
 * With @drop, every notification of the submission was dropped: it must
 * have waited for the second submission. @sent0: vk_notify_sent before the
 * submission (whether Mesa notified for it tells its race from others).
 */
static bool fill_fence(struct run *r, uint32_t value, bool drop,
		       unsigned long sent0)
{
	unsigned long sent = __atomic_load_n(&vk_notify_sent,
					     __ATOMIC_RELAXED) - sent0;
	enum vk_wait_end end = vk_wait_fence(&r->vk, &r->nudge, r->fence,
					     r->stall_s);
	unsigned long dropped = __atomic_load_n(&vk_notify_dropped,
						__ATOMIC_RELAXED);

	__atomic_store_n(&vk_notify_drop, false, __ATOMIC_RELEASE);
	if (end == VK_WAIT_STUCK) {
		printf("vk-map: the fill's fence (value 0x%08x) or the second submission's not signalled %u s after the second submission\n",
		       value, r->stall_s);
		return false;
	}
	if (end == VK_WAIT_ERROR)
		return false;
	if (drop) {
		if (!dropped) {
			printf("vk-map: drop-notify: Venus sent no notification to drop (its ring was not idle %d ms after the last call)\n",
			       IDLE_WAIT_US / 1000);
			return false;
		}
		if (end == VK_WAIT_SIGNALLED) {
			printf("vk-map: drop-notify: %lu notification(s) dropped, yet the fill's fence was signalled within %u s\n",
			       dropped, r->stall_s);
			return false;
		}
		printf("vk-map: drop-notify: %lu notification(s) dropped; the fill's fence was not signalled in %u s, and was after a second submission: recovered\n",
		       dropped, r->stall_s);
		return true;
	}
	if (end == VK_WAIT_SIGNALLED)
		return true;
	if (r->window) {
		printf("vk-map: the fill's fence (value 0x%08x) not signalled in %u s, and signalled after a second submission: a wakeup of Venus's ring lost (Mesa's) or a ring write lost to a revoke (the driver's): FAIL with a window\n",
		       value, r->stall_s);
		return false;
	}
	r->wakeups++;
	if (!sent)
		printf("vk-map: venus-lost-wakeup: the fill's fence (value 0x%08x) not signalled in %u s, and signalled after a second submission on the queue woke the host's renderer: Venus's ring had lost its wakeup (Mesa sent no notification for the fill; Mesa's race, no driver of ours is loaded)\n",
		       value, r->stall_s);
	else
		printf("vk-map: venus-lost-wakeup: the fill's fence (value 0x%08x) not signalled in %u s, and signalled after a second submission on the queue woke the host's renderer, although Mesa had sent %lu notification(s) for the fill: not Mesa's barrier race (QEMU's or the renderer's; no driver of ours is loaded)\n",
		       value, r->stall_s, sent);
	return true;
}

/*
 * The host fills the buffer with @value through Venus's ring; after the
 * fence every word must be it (the CPU poisoned them first). @drop: the
 * submission's notifications are dropped (--drop-notify).
 */
static bool check_fill(struct run *r, uint32_t value, bool drop)
{
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &r->cmd,
	};
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_HOST_READ_BIT,
	};
	size_t n = FILL_SIZE / 4, i;
	unsigned long bad = 0, sent0;
	VkResult res;

	r->checks++;
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		printf("vk-map: fill buffer: SIGBUS\n");
		r->failed++;
		return false;
	}
	bus_armed = 1;
	for (i = 0; i < n; i++)
		r->fill[i] = ~value;
	bus_armed = 0;

	if (vkResetCommandBuffer(r->cmd, 0) != VK_SUCCESS ||
	    vkBeginCommandBuffer(r->cmd, &bi) != VK_SUCCESS)
		goto vk_err;
	vkCmdFillBuffer(r->cmd, r->fill_buf, 0, VK_WHOLE_SIZE, value);
	vkCmdPipelineBarrier(r->cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
			     VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL,
			     0, NULL);
	if (vkEndCommandBuffer(r->cmd) != VK_SUCCESS ||
	    vkResetFences(r->vk.dev, 1, &r->fence) != VK_SUCCESS)
		goto vk_err;
	if (drop) {
		usleep(IDLE_WAIT_US);
		__atomic_store_n(&vk_notify_drop, true, __ATOMIC_RELEASE);
	}
	sent0 = __atomic_load_n(&vk_notify_sent, __ATOMIC_RELAXED);
	res = vkQueueSubmit(r->vk.queue, 1, &si, r->fence);
	if (res != VK_SUCCESS) {
		__atomic_store_n(&vk_notify_drop, false, __ATOMIC_RELEASE);
		printf("vk-map: vkQueueSubmit: %s\n", vk_result_str(res));
		goto err;
	}
	if (!fill_fence(r, value, drop, sent0))
		goto err;

	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		printf("vk-map: fill buffer: SIGBUS\n");
		r->failed++;
		return false;
	}
	bus_armed = 1;
	for (i = 0; i < n; i++) {
		uint32_t v = r->fill[i];

		if (v != value && !bad++)
			printf("vk-map: fill buffer word %zu: 0x%08x, the host wrote 0x%08x\n",
			       i, v, value);
	}
	bus_armed = 0;
	if (bad) {
		printf("vk-map: fill buffer: %lu mismatches\n", bad);
		r->mismatches += bad;
		r->failed++;
		return false;
	}
	return true;

vk_err:
	printf("vk-map: recording the fill failed\n");
err:
	r->failed++;
	return false;
}

/* -- revokes underneath ------------------------------------------------- */

/* REVOKE of the whole window; the caller holds be_lock */
static int revoke_all_locked(struct run *r)
{
	char line[512];
	int ret;

	ret = vxf_backend_cmd(&r->be, line, sizeof(line), "revoke-all");
	if (!ret && strstr(line, "status=") && !vxf_reply_field(line, "status")) {
		revokes++;
		revoked_pages += vxf_reply_field(line, "pages");
		return 0;
	}
	revoke_errors++;
	printf("vk-map: revoke-all: %s\n", ret ? vxf_backend_last_error() : line);
	return -1;
}

static int revoke_all(struct run *r)
{
	int ret;

	pthread_mutex_lock(&be_lock);
	ret = revoke_all_locked(r);
	pthread_mutex_unlock(&be_lock);
	return ret;
}

static void *revoker(void *arg)
{
	struct run *r = arg;
	const struct timespec ts = { 0, REVOKE_MS * 1000000L };

	while (!__atomic_load_n(&revoker_stop, __ATOMIC_RELAXED)) {
		if (revoke_all(r))
			break;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* is the page behind @addr mapped now? -1 if the kernel cannot say */
static int pte_present(struct run *r, const volatile void *addr)
{
	struct vxf_loop_pte pte = { .addr = (uintptr_t)addr };

	if (ioctl(r->loop_fd, VXF_LOOP_IOC_PTE, &pte)) {
		printf("vk-map: VXF_LOOP_IOC_PTE of %p: %s\n",
		       (const void *)addr, strerror(errno));
		return -1;
	}
	return pte.present;
}

/* read a byte of each of @pages; false on a SIGBUS */
static bool touch(const volatile uint8_t *const *pages, unsigned int n)
{
	unsigned int i;

	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		printf("vk-map: touching the mappings before a revoke: SIGBUS\n");
		return false;
	}
	bus_armed = 1;
	for (i = 0; i < n; i++)
		(void)*pages[i];
	bus_armed = 0;
	return true;
}

/*
 * The first and the last page of each of the program's mappings: read,
 * they are mapped; right after a revoke of the whole window none of them
 * may be. be_lock held throughout keeps the revoker thread's revokes out
 * of it.
 */
static bool check_revoked(struct run *r)
{
	const volatile uint8_t *pages[2 * NALLOC + 1];
	unsigned int a, n = 0, i;
	bool ok = false;

	for (a = 0; a < NALLOC; a++) {
		pages[n++] = (const volatile uint8_t *)r->a[a].p;
		pages[n++] = (const volatile uint8_t *)r->a[a].p + r->a[a].size - 1;
	}
	pages[n++] = (const volatile uint8_t *)r->fill;
	r->checks++;
	pthread_mutex_lock(&be_lock);
	if (!touch(pages, n))
		goto out;
	for (i = 0; i < n; i++) {
		if (pte_present(r, pages[i]) != 1) {
			printf("vk-map: page %p not mapped right after a read\n",
			       (const void *)pages[i]);
			goto out;
		}
	}
	if (revoke_all_locked(r))
		goto out;
	r->own_revokes++;
	for (i = 0; i < n; i++) {
		int p = pte_present(r, pages[i]);

		r->pte_checked++;
		if (p != 0) {
			printf("vk-map: page %p still mapped after a revoke of the whole window\n",
			       (const void *)pages[i]);
			goto out;
		}
		r->pte_revoked++;
	}
	ok = true;
out:
	pthread_mutex_unlock(&be_lock);
	if (!ok)
		r->failed++;
	return ok;
}

/* the rounds, with the revoker running underneath them if @r->window */
static void run_rounds(struct run *r, unsigned int rounds)
{
	unsigned int round, a;
	pthread_t thr;
	bool thread = false;

	if (r->window) {
		__atomic_store_n(&revoker_stop, false, __ATOMIC_RELAXED);
		thread = !pthread_create(&thr, NULL, revoker, r);
		if (!thread)
			fail(r, "%s", "pthread_create");
	}
	for (round = 2; round < rounds + 2; round++) {
		if (r->window && !check_revoked(r))
			break;
		if (!check_fill(r, 0x5a000000u | round,
				r->drop_notify && round == 2))
			break;
		for (a = 0; a < NALLOC; a++)
			if (!checked(r, "round", a, r->a[a].p, round, 0,
				     r->a[a].size / 8, true))
				break;
		if (a < NALLOC)
			break;
	}
	if (thread) {
		__atomic_store_n(&revoker_stop, true, __ATOMIC_RELAXED);
		pthread_join(thr, NULL);
	}
	printf("vk-map: %u of %u rounds of fill (vkCmdFillBuffer, vkQueueSubmit, fence) and CPU patterns done\n",
	       round - 2, rounds);
}

static int window_start(struct run *r)
{
	if (!vxf_backend_available()) {
		printf("vk-map: no backend at %s\n", vxf_backend_path());
		return -1;
	}
	if (vxf_backend_start(&r->be, "--vgpu", "--quiet", NULL)) {
		printf("vk-map: backend --vgpu: %s\n", vxf_backend_last_error());
		return -1;
	}
	r->loop_fd = open("/dev/vxf-loop", O_RDWR | O_CLOEXEC);
	if (r->loop_fd < 0) {
		printf("vk-map: /dev/vxf-loop: %s\n", strerror(errno));
		return -1;
	}
	printf("vk-map: window %s over the host-visible region (%llu pages), bound to virtio-gpu; revoking all of it every %d ms\n",
	       r->be.dev, (unsigned long long)r->be.pages, REVOKE_MS);
	return 0;
}

/* the backend's own count of what it served and took back */
static bool window_stop(struct run *r)
{
	struct vxf_backend_stats st = { 0 };
	bool ok = true;

	if (r->loop_fd >= 0)
		close(r->loop_fd);
	if (!r->be.pid)
		return false;
	if (vxf_backend_stats(&r->be, &st)) {
		printf("vk-map: backend stats: %s\n", vxf_backend_last_error());
		ok = false;
	}
	printf("vk-map: backend: %llu MAPs of %llu pages served, %llu revokes took %llu pages back\n",
	       (unsigned long long)st.maps, (unsigned long long)st.map_pages,
	       (unsigned long long)st.revoke_done,
	       (unsigned long long)st.revoked_pages);
	if (vxf_backend_stop(&r->be)) {
		printf("vk-map: backend exit: %s\n", vxf_backend_last_error());
		ok = false;
	}
	return ok && st.maps > 0 && st.revoked_pages > 0;
}

static void teardown(struct run *r)
{
	unsigned int a;

	if (!r->vk.dev)
		goto out;
	vkDeviceWaitIdle(r->vk.dev);
	if (r->fence)
		vkDestroyFence(r->vk.dev, r->fence, NULL);
	vk_nudge_fini(&r->vk, &r->nudge);
	if (r->fill_buf)
		vkDestroyBuffer(r->vk.dev, r->fill_buf, NULL);
	if (r->fill_mem)
		vkFreeMemory(r->vk.dev, r->fill_mem, NULL);
	for (a = 0; a < NALLOC; a++)
		if (r->a[a].mem)
			vkFreeMemory(r->vk.dev, r->a[a].mem, NULL);
out:
	vk_close(&r->vk);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	static struct run run = { .loop_fd = -1, .stall_s = STALL_S };
	struct run *r = &run;
	const char *w = getenv("VXF_VGPU_WINDOW");
	unsigned int rounds = 30, a;
	bool any_driver = false;
	bool ok = true;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--any-driver"))
			any_driver = true;
		else if (!strcmp(argv[i], "--drop-notify"))
			r->drop_notify = true;
		else if (!strcmp(argv[i], "--stall-s") && i + 1 < argc)
			r->stall_s = strtoul(argv[++i], NULL, 0);
		else
			rounds = strtoul(argv[i], NULL, 0);
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGBUS, &sa, NULL);
	r->window = w && *w && strcmp(w, "0");
	if (r->window && window_start(r)) {
		fail(r, "%s", "no window");
		goto out;
	}
	if (!r->window)
		printf("vk-map: no window (stock virtio-gpu): no revokes\n");
	if (vk_open(&r->vk)) {
		fail(r, "%s", "Vulkan setup");
		goto out;
	}
	if (!any_driver && strcmp(r->vk.driver, "venus")) {
		fail(r, "the driver is \"%s\", not Mesa's Venus", r->vk.driver);
		goto out;
	}
	for (a = 0; a < NALLOC; a++) {
		r->a[a].size = sizes[a];
		if (vk_alloc(&r->vk, sizes[a], ~0u, &r->a[a].mem)) {
			fail(r, "%s", "vkAllocateMemory");
			goto out;
		}
	}
	if (make_fill_buffer(r) || vk_nudge_init(&r->vk, &r->nudge)) {
		fail(r, "%s", "the fill buffer, the command buffers and fences");
		goto out;
	}
	if (check_maps(r) && check_placed(r))
		run_rounds(r, rounds);
out:
	teardown(r);
	if (r->window) {
		ok = window_stop(r);
		printf("vk-map: revokes underneath: %lu of the whole window (%llu pages taken), %lu failed; after the rounds' own %lu, %lu of %lu pages of the program's mappings looked at were gone\n",
		       revokes, (unsigned long long)revoked_pages,
		       revoke_errors, r->own_revokes, r->pte_revoked,
		       r->pte_checked);
		if (!r->pte_revoked) {
			printf("vk-map: FAIL: no revoke took a page from the program's mappings\n");
			ok = false;
		}
	}
	printf("vk-map: %lu checks, %lu failed, %lu mismatches, %d SIGBUS, %lu lost wakeup(s) of Venus's ring\n",
	       r->checks, r->failed, r->mismatches, (int)sigbus_count,
	       r->wakeups);
	ok = ok && !r->failed && !r->mismatches && !sigbus_count && r->checks;
	printf("vk-map: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
