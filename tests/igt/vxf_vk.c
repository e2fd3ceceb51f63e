// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_vk.c - the Vulkan side of vxf_vk_map: an instance and a device on
 * Mesa's Venus driver, host-visible coherent memory and its maps
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Each function prints what failed, with the VkResult, and returns an
 * error (or NULL): the caller counts it as a failed check.
 */

#include <stdio.h>
#include <string.h>

#include "vxf_vk.h"

#define VK_WANT_FLAGS (VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | \
		       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)

const char *vk_result_str(VkResult r)
{
	switch (r) {
	case VK_SUCCESS: return "VK_SUCCESS";
	case VK_TIMEOUT: return "VK_TIMEOUT";
	case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
	case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
	case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
	case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
	case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
	case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
	case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
	case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
	default: return "VkResult";
	}
}

static int vk_fail(const char *what, VkResult r)
{
	printf("vk-map: %s: %s (%d)\n", what, vk_result_str(r), r);
	return -1;
}

static bool has_ext(const VkExtensionProperties *exts, uint32_t n,
		    const char *name)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(exts[i].extensionName, name))
			return true;
	return false;
}

/* the first HOST_VISIBLE | HOST_COHERENT type among @bits, or -1 */
static int pick_type(const VkPhysicalDeviceMemoryProperties *mp,
		     uint32_t bits)
{
	uint32_t i;

	for (i = 0; i < mp->memoryTypeCount; i++)
		if ((bits & (1u << i)) &&
		    (mp->memoryTypes[i].propertyFlags & VK_WANT_FLAGS) ==
		    VK_WANT_FLAGS)
			return i;
	return -1;
}

static int pick_queue(struct vk *vk)
{
	VkQueueFamilyProperties qf[16];
	uint32_t n = 16, i;

	vkGetPhysicalDeviceQueueFamilyProperties(vk->pd, &n, qf);
	for (i = 0; i < n; i++) {
		if (qf[i].queueCount && (qf[i].queueFlags &
		    (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT |
		     VK_QUEUE_TRANSFER_BIT))) {
			vk->qfam = i;
			return 0;
		}
	}
	printf("vk-map: no queue family with transfer\n");
	return -1;
}

/*
 * What the device offers: its names, a memory type, a queue, and whether
 * VK_KHR_map_memory2 and VK_EXT_map_memory_placed (memoryMapPlaced) are
 * there; sets @exts/@nexts to the extensions to enable.
 */
static int vk_probe(struct vk *vk, const char **exts, uint32_t *nexts,
		    VkPhysicalDeviceMapMemoryPlacedFeaturesEXT *pf)
{
	VkPhysicalDeviceMapMemoryPlacedPropertiesEXT pp = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAP_MEMORY_PLACED_PROPERTIES_EXT,
	};
	VkPhysicalDeviceDriverProperties dp = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
	};
	VkPhysicalDeviceProperties2 props = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
		.pNext = &dp,
	};
	VkPhysicalDeviceFeatures2 feat = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
		.pNext = pf,
	};
	VkPhysicalDeviceMemoryProperties mp;
	static VkExtensionProperties ext[512];
	uint32_t n = 512;
	bool map2, placed;
	VkResult r;
	int t;

	r = vkEnumerateDeviceExtensionProperties(vk->pd, NULL, &n, ext);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE)
		return vk_fail("vkEnumerateDeviceExtensionProperties", r);
	map2 = has_ext(ext, n, VK_KHR_MAP_MEMORY_2_EXTENSION_NAME);
	placed = map2 && has_ext(ext, n, VK_EXT_MAP_MEMORY_PLACED_EXTENSION_NAME);
	if (placed)
		dp.pNext = &pp;
	vkGetPhysicalDeviceProperties2(vk->pd, &props);
	snprintf(vk->name, sizeof(vk->name), "%s", props.properties.deviceName);
	snprintf(vk->driver, sizeof(vk->driver), "%s", dp.driverName);
	printf("vk-map: device \"%s\", driver \"%s\" (%s)\n", vk->name,
	       vk->driver, dp.driverInfo);

	*nexts = 0;
	if (map2)
		exts[(*nexts)++] = VK_KHR_MAP_MEMORY_2_EXTENSION_NAME;
	if (placed) {
		vkGetPhysicalDeviceFeatures2(vk->pd, &feat);
		if (pf->memoryMapPlaced) {
			exts[(*nexts)++] = VK_EXT_MAP_MEMORY_PLACED_EXTENSION_NAME;
			vk->placed = true;
			vk->placed_align = pp.minPlacedMemoryMapAlignment;
		}
	}
	printf("vk-map: VK_KHR_map_memory2 %s, VK_EXT_map_memory_placed %s\n",
	       map2 ? "exposed" : "not exposed",
	       vk->placed ? "exposed (memoryMapPlaced)" :
	       placed ? "exposed without memoryMapPlaced" : "not exposed");

	vkGetPhysicalDeviceMemoryProperties(vk->pd, &mp);
	t = pick_type(&mp, ~0u);
	if (t < 0) {
		printf("vk-map: no HOST_VISIBLE | HOST_COHERENT memory type\n");
		return -1;
	}
	vk->mtype = t;
	printf("vk-map: memory type %d (flags 0x%x, heap %u)\n", t,
	       mp.memoryTypes[t].propertyFlags, mp.memoryTypes[t].heapIndex);
	return pick_queue(vk);
}

/**
 * vk_open - an instance, the first physical device and a device on it
 *
 * Return: 0, or -1 after printing what failed.
 */
int vk_open(struct vk *vk)
{
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "vxf_vk_map",
		.apiVersion = VK_API_VERSION_1_2,
	};
	VkInstanceCreateInfo ici = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	VkPhysicalDeviceMapMemoryPlacedFeaturesEXT pf = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAP_MEMORY_PLACED_FEATURES_EXT,
	};
	const float prio = 1.0f;
	VkDeviceQueueCreateInfo qci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueCount = 1,
		.pQueuePriorities = &prio,
	};
	VkDeviceCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qci,
	};
	VkCommandPoolCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
	};
	const char *exts[2];
	uint32_t n = 1, nexts = 0;
	VkResult r;

	memset(vk, 0, sizeof(*vk));
	r = vkCreateInstance(&ici, NULL, &vk->inst);
	if (r != VK_SUCCESS)
		return vk_fail("vkCreateInstance", r);
	r = vkEnumeratePhysicalDevices(vk->inst, &n, &vk->pd);
	if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || !n)
		return vk_fail("vkEnumeratePhysicalDevices (no device?)", r);
	if (vk_probe(vk, exts, &nexts, &pf))
		return -1;

	qci.queueFamilyIndex = vk->qfam;
	dci.enabledExtensionCount = nexts;
	dci.ppEnabledExtensionNames = exts;
	if (vk->placed) {
		/* memoryMapPlaced only: the others are not used */
		pf.memoryMapRangePlaced = VK_FALSE;
		pf.memoryUnmapReserve = VK_FALSE;
		pf.pNext = NULL;
		dci.pNext = &pf;
	}
	r = vkCreateDevice(vk->pd, &dci, NULL, &vk->dev);
	if (r != VK_SUCCESS)
		return vk_fail("vkCreateDevice", r);
	vkGetDeviceQueue(vk->dev, vk->qfam, 0, &vk->queue);
	if (nexts) {
		vk->map2 = (PFN_vkMapMemory2KHR)
			vkGetDeviceProcAddr(vk->dev, "vkMapMemory2KHR");
		vk->unmap2 = (PFN_vkUnmapMemory2KHR)
			vkGetDeviceProcAddr(vk->dev, "vkUnmapMemory2KHR");
		if (!vk->map2 || !vk->unmap2) {
			printf("vk-map: VK_KHR_map_memory2 enabled, but no vkMapMemory2KHR\n");
			return -1;
		}
	}
	pci.queueFamilyIndex = vk->qfam;
	r = vkCreateCommandPool(vk->dev, &pci, NULL, &vk->pool);
	if (r != VK_SUCCESS)
		return vk_fail("vkCreateCommandPool", r);
	return 0;
}

/* the caller has freed its memory and buffers */
void vk_close(struct vk *vk)
{
	if (vk->pool)
		vkDestroyCommandPool(vk->dev, vk->pool, NULL);
	if (vk->dev)
		vkDestroyDevice(vk->dev, NULL);
	if (vk->inst)
		vkDestroyInstance(vk->inst, NULL);
	memset(vk, 0, sizeof(*vk));
}

/**
 * vk_alloc - @size bytes of HOST_VISIBLE | HOST_COHERENT memory
 * @type_bits: the memory types allowed (a buffer's memoryTypeBits), ~0 for
 *	any: the type picked at vk_open() if it is among them
 */
int vk_alloc(struct vk *vk, VkDeviceSize size, uint32_t type_bits,
	     VkDeviceMemory *mem)
{
	VkMemoryAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.allocationSize = size,
		.memoryTypeIndex = vk->mtype,
	};
	VkResult r;

	if (!(type_bits & (1u << vk->mtype))) {
		printf("vk-map: memory type %u not allowed (bits 0x%x)\n",
		       vk->mtype, type_bits);
		return -1;
	}
	r = vkAllocateMemory(vk->dev, &ai, NULL, mem);
	if (r != VK_SUCCESS)
		return vk_fail("vkAllocateMemory", r);
	return 0;
}

/* vkMapMemory from @offset to the end */
void *vk_map(struct vk *vk, VkDeviceMemory mem, VkDeviceSize offset)
{
	void *p = NULL;
	VkResult r;

	r = vkMapMemory(vk->dev, mem, offset, VK_WHOLE_SIZE, 0, &p);
	if (r != VK_SUCCESS) {
		vk_fail("vkMapMemory", r);
		return NULL;
	}
	return p;
}

/*
 * vkMapMemory2KHR of the whole allocation at @addr (VK_MEMORY_MAP_PLACED_BIT_EXT,
 * vk->placed): NULL if it fails or maps elsewhere.
 */
void *vk_map_placed(struct vk *vk, VkDeviceMemory mem, void *addr)
{
	VkMemoryMapPlacedInfoEXT pi = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_MAP_PLACED_INFO_EXT,
		.pPlacedAddress = addr,
	};
	VkMemoryMapInfoKHR mi = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_MAP_INFO_KHR,
		.pNext = &pi,
		.flags = VK_MEMORY_MAP_PLACED_BIT_EXT,
		.memory = mem,
		.size = VK_WHOLE_SIZE,
	};
	void *p = NULL;
	VkResult r;

	r = vk->map2(vk->dev, &mi, &p);
	if (r != VK_SUCCESS) {
		vk_fail("vkMapMemory2KHR (placed)", r);
		return NULL;
	}
	if (p != addr) {
		printf("vk-map: placed map at %p, asked for %p\n", p, addr);
		vkUnmapMemory(vk->dev, mem);
		return NULL;
	}
	return p;
}

void vk_unmap(struct vk *vk, VkDeviceMemory mem)
{
	vkUnmapMemory(vk->dev, mem);
}
