// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_vk_wakeup.c - a fence wait that survives a lost wakeup of Venus's
 * command ring, and a way to lose one on purpose (vxf_vk_map)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Mesa's Venus driver writes commands into a ring in shared memory, stores
 * the ring's tail, then loads the ring's status; only if the host's
 * renderer has marked the ring idle does it send a vkNotifyRingMESA
 * command (an execbuffer of its own) to wake it. The renderer marks the
 * ring idle, then loads the tail, and sleeps if it saw nothing new. Mesa
 * 25.0 (trixie's) has no full barrier between its store and its load (a
 * release store and a load: two plain moves on x86; later Mesa stores the
 * tail sequentially consistent), so the CPU may take the load before the
 * store is visible: Mesa sees the ring busy and sends nothing, the
 * renderer sees no new tail and sleeps, and the commands wait in the ring
 * for the next notification, which a program waiting on their fence never
 * causes. vk_wait_fence() waits a stall limit, then submits an empty
 * command buffer on the same queue: that submission finds the ring idle
 * and notifies, and the first fence is signalled if a lost wakeup was all
 * that held it.
 *
 * To show that recovery at work, the program exports its own ioctl(),
 * which Mesa's libdrm calls instead of the C library's (the program is
 * linked with -rdynamic): while vk_notify_drop is set it swallows every
 * execbuffer that holds only a vkNotifyRingMESA command, as if each of
 * those wakeups had been lost.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <drm/virtgpu_drm.h>

#include "vxf_vk.h"

/*
 * Venus's command type of vkNotifyRingMESA (VK_COMMAND_TYPE_..._EXT in
 * venus-protocol) and its whole encoding's size: type, flags, ring id,
 * seqno, flags.
 */
#define VN_NOTIFY_RING		190
#define VN_NOTIFY_RING_SIZE	24

bool vk_notify_drop;
unsigned long vk_notify_dropped;
unsigned long vk_notify_sent;

static bool is_notify(unsigned long req, const void *arg)
{
	const struct drm_virtgpu_execbuffer *eb = arg;
	uint32_t type;

	if (req != DRM_IOCTL_VIRTGPU_EXECBUFFER || !eb ||
	    eb->size != VN_NOTIFY_RING_SIZE || !eb->command)
		return false;
	memcpy(&type, (const void *)(uintptr_t)eb->command, sizeof(type));
	return type == VN_NOTIFY_RING;
}

/*
 * Every ioctl of the process, Mesa's included: passed to the kernel,
 * but for the notifications vk_notify_drop swallows; the notifications
 * are counted either way.
 */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (is_notify(req, arg)) {
		if (__atomic_load_n(&vk_notify_drop, __ATOMIC_ACQUIRE)) {
			__atomic_add_fetch(&vk_notify_dropped, 1,
					   __ATOMIC_RELAXED);
			return 0;
		}
		__atomic_add_fetch(&vk_notify_sent, 1, __ATOMIC_RELAXED);
	}
	return syscall(SYS_ioctl, fd, req, arg);
}

int vk_nudge_init(struct vk *vk, struct vk_nudge *n)
{
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = vk->pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
	};
	VkFenceCreateInfo fci = {
		.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO,
	};

	if (vkAllocateCommandBuffers(vk->dev, &cai, &n->cmd) != VK_SUCCESS)
		return -1;
	if (vkBeginCommandBuffer(n->cmd, &bi) != VK_SUCCESS ||
	    vkEndCommandBuffer(n->cmd) != VK_SUCCESS)
		return -1;
	if (vkCreateFence(vk->dev, &fci, NULL, &n->fence) != VK_SUCCESS)
		return -1;
	return 0;
}

void vk_nudge_fini(struct vk *vk, struct vk_nudge *n)
{
	if (n->fence)
		vkDestroyFence(vk->dev, n->fence, NULL);
	if (n->cmd)
		vkFreeCommandBuffers(vk->dev, vk->pool, 1, &n->cmd);
}

enum vk_wait_end vk_wait_fence(struct vk *vk, struct vk_nudge *n,
			       VkFence fence, unsigned int stall_s)
{
	const uint64_t limit = stall_s * 1000000000ULL;
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &n->cmd,
	};
	VkFence fences[2];
	VkResult res;

	res = vkWaitForFences(vk->dev, 1, &fence, VK_TRUE, limit);
	if (res == VK_SUCCESS)
		return VK_WAIT_SIGNALLED;
	if (res != VK_TIMEOUT) {
		printf("vk: vkWaitForFences: %s\n", vk_result_str(res));
		return VK_WAIT_ERROR;
	}
	/* the second submission has to reach the host */
	__atomic_store_n(&vk_notify_drop, false, __ATOMIC_RELEASE);
	res = vkResetFences(vk->dev, 1, &n->fence);
	if (res == VK_SUCCESS)
		res = vkQueueSubmit(vk->queue, 1, &si, n->fence);
	if (res != VK_SUCCESS) {
		printf("vk: the second submission: %s\n", vk_result_str(res));
		return VK_WAIT_ERROR;
	}
	fences[0] = fence;
	fences[1] = n->fence;
	res = vkWaitForFences(vk->dev, 2, fences, VK_TRUE, limit);
	if (res == VK_SUCCESS)
		return VK_WAIT_WOKEN;
	if (res == VK_TIMEOUT)
		return VK_WAIT_STUCK;
	printf("vk: vkWaitForFences after the second submission: %s\n",
	       vk_result_str(res));
	return VK_WAIT_ERROR;
}
