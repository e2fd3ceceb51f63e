/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf_vk.h - the Vulkan side of vxf_vk_map: an instance and a device on
 * Mesa's Venus driver, host-visible coherent memory and its maps
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 */

#ifndef VXF_VK_H
#define VXF_VK_H

#include <stdbool.h>
#include <stdint.h>

#include <vulkan/vulkan.h>

/*
 * VK_KHR_map_memory2 and VK_EXT_map_memory_placed, as the Vulkan registry
 * defines them (extensions 272 and 273), for headers older than 1.3.251
 * (Debian 12 ships 1.3.239).
 */
#ifndef VK_KHR_map_memory2
#define VK_KHR_map_memory2 1
#define VK_KHR_MAP_MEMORY_2_EXTENSION_NAME "VK_KHR_map_memory2"
#define VK_STRUCTURE_TYPE_MEMORY_MAP_INFO_KHR ((VkStructureType)1000271000)
#define VK_STRUCTURE_TYPE_MEMORY_UNMAP_INFO_KHR ((VkStructureType)1000271001)
typedef VkFlags VkMemoryUnmapFlagsKHR;
typedef struct VkMemoryMapInfoKHR {
	VkStructureType sType;
	const void *pNext;
	VkMemoryMapFlags flags;
	VkDeviceMemory memory;
	VkDeviceSize offset;
	VkDeviceSize size;
} VkMemoryMapInfoKHR;
typedef struct VkMemoryUnmapInfoKHR {
	VkStructureType sType;
	const void *pNext;
	VkMemoryUnmapFlagsKHR flags;
	VkDeviceMemory memory;
} VkMemoryUnmapInfoKHR;
typedef VkResult (VKAPI_PTR *PFN_vkMapMemory2KHR)(VkDevice device,
	const VkMemoryMapInfoKHR *info, void **data);
typedef VkResult (VKAPI_PTR *PFN_vkUnmapMemory2KHR)(VkDevice device,
	const VkMemoryUnmapInfoKHR *info);
#endif

#ifndef VK_EXT_map_memory_placed
#define VK_EXT_map_memory_placed 1
#define VK_EXT_MAP_MEMORY_PLACED_EXTENSION_NAME "VK_EXT_map_memory_placed"
#define VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAP_MEMORY_PLACED_FEATURES_EXT \
	((VkStructureType)1000272000)
#define VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAP_MEMORY_PLACED_PROPERTIES_EXT \
	((VkStructureType)1000272001)
#define VK_STRUCTURE_TYPE_MEMORY_MAP_PLACED_INFO_EXT \
	((VkStructureType)1000272002)
#define VK_MEMORY_MAP_PLACED_BIT_EXT 0x00000001
typedef struct VkPhysicalDeviceMapMemoryPlacedFeaturesEXT {
	VkStructureType sType;
	void *pNext;
	VkBool32 memoryMapPlaced;
	VkBool32 memoryMapRangePlaced;
	VkBool32 memoryUnmapReserve;
} VkPhysicalDeviceMapMemoryPlacedFeaturesEXT;
typedef struct VkPhysicalDeviceMapMemoryPlacedPropertiesEXT {
	VkStructureType sType;
	void *pNext;
	VkDeviceSize minPlacedMemoryMapAlignment;
} VkPhysicalDeviceMapMemoryPlacedPropertiesEXT;
typedef struct VkMemoryMapPlacedInfoEXT {
	VkStructureType sType;
	const void *pNext;
	void *pPlacedAddress;
} VkMemoryMapPlacedInfoEXT;
#endif

/**
 * struct vk - one Vulkan device and what the checks need of it
 * @inst: the instance
 * @pd: the physical device (the first one: VK_ICD_FILENAMES names Venus)
 * @dev: the logical device
 * @queue: queue 0 of @qfam
 * @qfam: a queue family with transfer (graphics, compute or transfer)
 * @mtype: a HOST_VISIBLE | HOST_COHERENT memory type
 * @pool: command pool of @qfam, buffers individually resettable
 * @placed: VK_EXT_map_memory_placed enabled with memoryMapPlaced
 * @placed_align: its minPlacedMemoryMapAlignment
 * @map2: vkMapMemory2KHR, NULL without VK_KHR_map_memory2
 * @unmap2: vkUnmapMemory2KHR, NULL without it
 * @name: the device's name
 * @driver: the driver's name (VkPhysicalDeviceDriverProperties)
 */
struct vk {
	VkInstance inst;
	VkPhysicalDevice pd;
	VkDevice dev;
	VkQueue queue;
	uint32_t qfam;
	uint32_t mtype;
	VkCommandPool pool;
	bool placed;
	VkDeviceSize placed_align;
	PFN_vkMapMemory2KHR map2;
	PFN_vkUnmapMemory2KHR unmap2;
	char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
	char driver[VK_MAX_DRIVER_NAME_SIZE];
};

int vk_open(struct vk *vk);
void vk_close(struct vk *vk);
int vk_alloc(struct vk *vk, VkDeviceSize size, uint32_t type_bits,
	     VkDeviceMemory *mem);
void *vk_map(struct vk *vk, VkDeviceMemory mem, VkDeviceSize offset);
void *vk_map_placed(struct vk *vk, VkDeviceMemory mem, void *addr);
void vk_unmap(struct vk *vk, VkDeviceMemory mem);
const char *vk_result_str(VkResult r);

/**
 * struct vk_nudge - what a second submission on the queue needs
 * @cmd: an empty command buffer, recorded once
 * @fence: signalled once the host ran it
 */
struct vk_nudge {
	VkCommandBuffer cmd;
	VkFence fence;
};

/**
 * enum vk_wait_end - how vk_wait_fence() ended
 * @VK_WAIT_SIGNALLED: the fence was signalled within the stall limit
 * @VK_WAIT_WOKEN: it was only after a second submission on the queue:
 *	the host's renderer had not taken the commands from Venus's ring
 *	until that submission's notification woke it
 * @VK_WAIT_STUCK: it, or the second submission's fence, was not within the
 *	stall limit after that
 * @VK_WAIT_ERROR: a Vulkan call failed (printed)
 */
enum vk_wait_end {
	VK_WAIT_SIGNALLED,
	VK_WAIT_WOKEN,
	VK_WAIT_STUCK,
	VK_WAIT_ERROR,
};

int vk_nudge_init(struct vk *vk, struct vk_nudge *n);
void vk_nudge_fini(struct vk *vk, struct vk_nudge *n);
enum vk_wait_end vk_wait_fence(struct vk *vk, struct vk_nudge *n,
			       VkFence fence, unsigned int stall_s);

/*
 * Set: the program's ioctl() swallows Venus's ring notifications (each one
 * counted in vk_notify_dropped) until vk_wait_fence() sends its second
 * submission; see vxf_vk_wakeup.c. vk_notify_sent counts those it let
 * through. All __atomic.
 */
extern bool vk_notify_drop;
extern unsigned long vk_notify_dropped;
extern unsigned long vk_notify_sent;

#endif /* VXF_VK_H */
