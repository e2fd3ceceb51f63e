// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_vgpu.c - Mesa's blob mappings on a real virtio-gpu render node
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Makes the calls Mesa's virtio-gpu layers make (src/virtio/vdrm's
 * vdrm_virtgpu_connect() and Venus's vn_renderer_virtgpu.c), in their
 * order: GET_CAPS, CONTEXT_INIT, RESOURCE_CREATE_BLOB (HOST3D, MAPPABLE,
 * 0x4000 bytes, blob_id 0: the shared page both use), MAP, then mmap() of
 * the render node at the returned offset, always the whole blob and
 * MAP_SHARED, sometimes MAP_FIXED at a placed address. Around that it
 * checks what Mesa relies on: the data, a second mapping and a re-mapping
 * of the same blob, a mapping that outlives its GEM handle, a forked
 * child's view, the refusals virtio-gpu makes (Debian 6.12 maps only whole
 * host-visible blobs), the memory type the kernel gave the mapping, and
 * words the host writes into a blob while the guest spins on them.
 *
 * The context is Venus's (capset 4): the DRM native context's capset needs
 * a GPU kernel driver on the host. The blob-mapping code in the guest
 * kernel is the same for both (virtio_gpu_vram_create, _map, _mmap).
 * A Venus context creates a host-visible blob without a command only for
 * blob_id 0 (a shared-memory page of its own, which the host reports as
 * VIRTIO_GPU_MAP_CACHE_CACHED); any other blob_id names memory that a
 * Venus command (vkAllocateMemory) made first.
 *
 * Skips when there is no virtio-gpu render node with host-visible memory,
 * HOST3D blobs and a Venus capset (scripts/vgpu-run.sh boots one).
 *
 * With VXF_VGPU_WINDOW=1 (vgpu-vxf) the same calls run on the patched
 * virtio-gpu with virtio-gpu's host-visible region lent as a window bound
 * to it (vxf_vgpu_window.c): the frames and memory types are then read
 * from the page table instead of x86 PAT's list (a window's mapping
 * reserves nothing), and the window-* subtests revoke the blobs' pages
 * underneath their mappings. Without it those skip.
 */

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <drm/drm.h>
#include <drm/virtgpu_drm.h>
#include <linux/virtio_gpu.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_vgpu.h"

#ifndef VIRTGPU_DRM_CAPSET_VENUS
#define VIRTGPU_DRM_CAPSET_VENUS	4
#endif
#ifndef VIRTGPU_DRM_CAPSET_DRM
#define VIRTGPU_DRM_CAPSET_DRM		6
#endif

#define RENDER_NODE	"/dev/dri/renderD128"
#define TRACING		"/sys/kernel/tracing"
#define SHMEM_SZ	0x4000	/* vdrm's and Venus's shared page */
#define PAGE_SZ		4096

struct blob {
	uint32_t handle;
	uint32_t res_handle;
	uint64_t size;
	uint64_t offset;	/* for mmap() of the render node */
};

static int drm_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

static uint64_t getparam(int fd, uint64_t param)
{
	uint64_t value = 0;
	struct drm_virtgpu_getparam gp = {
		.param = param,
		.value = (uintptr_t)&value,
	};

	if (drm_ioctl(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp))
		return 0;
	return value;
}

/*
 * vdrm_virtgpu_connect() up to init_shmem(), with Venus's capset: open the
 * render node, check the device can do it (skip if not), GET_CAPS,
 * CONTEXT_INIT.
 */
static int vgpu_open(void)
{
	struct drm_virtgpu_context_set_param params[] = {
		{ VIRTGPU_CONTEXT_PARAM_CAPSET_ID, VIRTGPU_DRM_CAPSET_VENUS },
		{ VIRTGPU_CONTEXT_PARAM_NUM_RINGS, 64 },
	};
	struct drm_virtgpu_context_init init = {
		.num_params = 2,
		.ctx_set_params = (uintptr_t)params,
	};
	uint32_t caps[64] = { 0 };
	struct drm_virtgpu_get_caps gc = {
		.cap_set_id = VIRTGPU_DRM_CAPSET_VENUS,
		.cap_set_ver = 0,
		.addr = (uintptr_t)caps,
		.size = sizeof(caps),
	};
	uint64_t capsets;
	int fd;

	fd = open(RENDER_NODE, O_RDWR | O_CLOEXEC);
	igt_require_f(fd >= 0, "no %s: %s\n", RENDER_NODE, strerror(errno));
	igt_require_f(getparam(fd, VIRTGPU_PARAM_3D_FEATURES),
		      "virtio-gpu without 3D (virgl)\n");
	igt_require_f(getparam(fd, VIRTGPU_PARAM_RESOURCE_BLOB),
		      "virtio-gpu without blob resources\n");
	igt_require_f(getparam(fd, VIRTGPU_PARAM_HOST_VISIBLE),
		      "virtio-gpu without a host-visible region (hostmem)\n");
	igt_require_f(getparam(fd, VIRTGPU_PARAM_CONTEXT_INIT),
		      "virtio-gpu without context init\n");
	capsets = getparam(fd, VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs);
	igt_require_f(capsets & (1ull << VIRTGPU_DRM_CAPSET_VENUS),
		      "no Venus capset (capsets %#llx)\n",
		      (unsigned long long)capsets);

	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_VIRTGPU_GET_CAPS, &gc), 0);
	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), 0);
	return fd;
}

/* init_shmem(): RESOURCE_CREATE_BLOB, then map_handle()'s MAP */
static struct blob blob_create(int fd, uint64_t size)
{
	struct drm_virtgpu_resource_create_blob cb = {
		.blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
		.blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
		.size = size,
		.blob_id = 0,
	};
	struct drm_virtgpu_map map = { 0 };
	struct blob b = { 0 };

	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB,
				&cb), 0);
	igt_assert_neq(cb.bo_handle, 0);
	b.handle = cb.bo_handle;
	b.res_handle = cb.res_handle;
	b.size = size;

	map.handle = b.handle;
	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_VIRTGPU_MAP, &map), 0);
	igt_assert_neq_u64(map.offset, 0);
	b.offset = map.offset;
	return b;
}

static void gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
}

/* map_handle()'s mmap: the whole blob, MAP_SHARED, maybe at @placed */
static uint32_t *blob_mmap(int fd, const struct blob *b, void *placed)
{
	void *p;

	p = mmap(placed, b->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (placed ? MAP_FIXED : 0), fd, b->offset);
	igt_assert_f(p != MAP_FAILED, "mmap of blob %u (%#llx bytes): %s\n",
		     b->handle, (unsigned long long)b->size, strerror(errno));
	if (placed)
		igt_assert(p == placed);
	return p;
}

static void fill(uint32_t *p, uint64_t size, uint32_t seed)
{
	for (uint64_t i = 0; i < size / 4; i++)
		p[i] = seed ^ (uint32_t)(i * 2654435761u);
}

/* the number of words that differ from fill(seed) */
static uint64_t mismatches(const volatile uint32_t *p, uint64_t size,
			   uint32_t seed)
{
	uint64_t bad = 0;

	for (uint64_t i = 0; i < size / 4; i++)
		bad += p[i] != (seed ^ (uint32_t)(i * 2654435761u));
	return bad;
}

/* an entry of x86 PAT's memory type list */
struct pat_ent {
	unsigned long long start, end;	/* [start, end) */
	char type[32];
};

#define PAT_MAX	8192

/* Read PAT's list of reserved ranges into @e (PAT_MAX entries). */
static int pat_read(struct pat_ent *e)
{
	char line[256];
	FILE *f;
	int n = 0;

	f = fopen(VXF_PAT_LIST, "r");
	igt_assert_f(f, "%s: %s\n", VXF_PAT_LIST, strerror(errno));
	while (n < PAT_MAX && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %31s", &e[n].start,
			   &e[n].end, e[n].type) == 3)
			n++;
	}
	fclose(f);
	igt_assert(n < PAT_MAX);
	return n;
}

static int pat_count(const struct pat_ent *e, int n, const struct pat_ent *x)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += e[i].start == x->start && e[i].end == x->end &&
		     !strcmp(e[i].type, x->type);
	return c;
}

/*
 * blob_mmap(), and the memory-type entry the mapping added to PAT's list:
 * io_remap_pfn_range() over a whole VMA reserves the blob's frames with
 * the mapping's cache mode (track_pfn_remap()), so exactly one entry,
 * the blob's size, appears. (/proc/self/pagemap cannot tell: the page
 * walker skips VM_PFNMAP mappings.)
 */
static uint32_t *blob_mmap_pat(int fd, const struct blob *b, void *placed,
			       struct pat_ent *ent)
{
	struct pat_ent *before, *after;
	struct vxf_loop_pte first, last;
	int nb, na, nnew = 0;
	uint32_t *p;

	igt_require_f(access(VXF_PAT_LIST, R_OK) == 0, "no %s (PAT off?)\n",
		      VXF_PAT_LIST);
	if (vgpu_window_on()) {
		/*
		 * A window's mapping reserves nothing (vmf_insert_pfn() at each
		 * fault): the frames and their type are the page table's, once
		 * faulted in. The blob's frames are contiguous (window page N
		 * is frame N of the region).
		 */
		before = calloc(PAT_MAX, sizeof(*before));
		igt_assert(before);
		nb = pat_read(before);
		p = blob_mmap(fd, b, placed);
		(void)((volatile uint32_t *)p)[0];
		(void)((volatile uint32_t *)p)[(b->size - PAGE_SZ) / 4];
		igt_assert_eq(pat_read(before), nb);
		free(before);
		vgpu_pte(p, &first);
		vgpu_pte((uint8_t *)p + b->size - PAGE_SZ, &last);
		igt_assert(first.present && last.present);
		igt_assert_eq_u64(last.pfn, first.pfn + b->size / PAGE_SZ - 1);
		ent->start = first.pfn * PAGE_SZ;
		ent->end = ent->start + b->size;
		snprintf(ent->type, sizeof(ent->type), "%s",
			 first.cache == VXF_CACHE_WB ? "write-back" :
			 first.cache == VXF_CACHE_WC ? "write-combining" :
			 first.cache == VXF_CACHE_UC ? "uncached-minus" :
			 "other");
		return p;
	}
	before = calloc(PAT_MAX, sizeof(*before));
	after = calloc(PAT_MAX, sizeof(*after));
	igt_assert(before && after);
	nb = pat_read(before);
	p = blob_mmap(fd, b, placed);
	na = pat_read(after);
	for (int i = 0; i < na; i++) {
		if (pat_count(after, i + 1, &after[i]) <=
		    pat_count(before, nb, &after[i]))
			continue;
		*ent = after[i];
		nnew++;
	}
	igt_assert_f(nnew == 1, "%d new PAT entries for one mapping\n", nnew);
	igt_assert_eq_u64(ent->end - ent->start, b->size);
	free(before);
	free(after);
	return p;
}

/* how many times [@x->start, @x->end) with @x->type is in PAT's list */
static int pat_now(const struct pat_ent *x)
{
	struct pat_ent *e = calloc(PAT_MAX, sizeof(*e));
	int n;

	igt_assert(e);
	n = pat_count(e, pat_read(e), x);
	free(e);
	return n;
}

static void test_vdrm_calls(void)
{
	struct blob b;
	uint32_t *p;
	int fd;

	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	p = blob_mmap(fd, &b, NULL);
	fill(p, b.size, 0x5eed0001);
	igt_assert_eq_u64(mismatches(p, b.size, 0x5eed0001), 0);
	igt_info("blob %u (res %u): %#llx bytes, mmap offset %#llx\n",
		 b.handle, b.res_handle, (unsigned long long)b.size,
		 (unsigned long long)b.offset);
	igt_assert_eq(munmap(p, b.size), 0);
	gem_close(fd, b.handle);
	close(fd);
}

/*
 * Venus and turnip place maps (VK_EXT_map_memory_placed): MAP_FIXED over
 * an address range the application reserved. A second, unplaced mapping of
 * the same blob sees the same memory; several blobs coexist.
 */
static void test_placed(void)
{
	struct pat_ent ea, eb, eq, eqb;
	struct blob a, b;
	uint32_t *q, *qb;
	uint8_t *resv;
	int fd;

	fd = vgpu_open();
	a = blob_create(fd, SHMEM_SZ);
	b = blob_create(fd, 2 * SHMEM_SZ);
	resv = mmap(NULL, 4 * SHMEM_SZ, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(resv != MAP_FAILED);

	/* a at the reservation's second page, b right after it */
	blob_mmap_pat(fd, &a, resv + PAGE_SZ, &ea);
	blob_mmap_pat(fd, &b, resv + PAGE_SZ + SHMEM_SZ, &eb);
	fill((uint32_t *)(resv + PAGE_SZ), a.size, 0xa0a0a0a0);
	fill((uint32_t *)(resv + PAGE_SZ + SHMEM_SZ), b.size, 0xb0b0b0b0);

	/* unplaced maps: the same frames, the same data */
	q = blob_mmap_pat(fd, &a, NULL, &eq);
	qb = blob_mmap_pat(fd, &b, NULL, &eqb);
	igt_assert_eq_u64(eq.start, ea.start);
	igt_assert_eq_u64(eqb.start, eb.start);
	igt_assert(eb.start >= ea.end || eb.end <= ea.start);
	igt_assert_eq_u64(mismatches(q, a.size, 0xa0a0a0a0), 0);
	igt_assert_eq_u64(mismatches(qb, b.size, 0xb0b0b0b0), 0);

	/* a write through one mapping is seen through the other */
	q[7] = 0x12345678;
	igt_assert_eq_u32(((volatile uint32_t *)(resv + PAGE_SZ))[7],
			  0x12345678);
	igt_assert_eq(munmap(resv, 4 * SHMEM_SZ), 0);
	igt_assert_eq(munmap(q, a.size), 0);
	igt_assert_eq(munmap(qb, b.size), 0);
	close(fd);
}

/* munmap and map again (Mesa drops and re-creates bo->map): data kept */
static void test_remap(void)
{
	struct pat_ent e0, e;
	struct blob b;
	uint32_t *p;
	int fd;

	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	p = blob_mmap_pat(fd, &b, NULL, &e0);
	fill(p, b.size, 0x7e3a0001);
	igt_assert_eq(munmap(p, b.size), 0);

	for (int i = 0; i < 8; i++) {
		p = blob_mmap_pat(fd, &b, NULL, &e);
		igt_assert_eq_u64(e.start, e0.start);
		igt_assert_eq_u64(mismatches(p, b.size, 0x7e3a0001 + i), 0);
		fill(p, b.size, 0x7e3a0001 + i + 1);
		igt_assert_eq(munmap(p, b.size), 0);
	}
	close(fd);
}

/*
 * The VMA holds the GEM object: closing the handle (and the file) while
 * mapped leaves the mapping valid until munmap.
 */
static void test_close_while_mapped(void)
{
	struct blob b;
	uint32_t *p;
	int fd;

	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	p = blob_mmap(fd, &b, NULL);
	fill(p, b.size, 0xc105e001);
	gem_close(fd, b.handle);
	igt_assert_eq_u64(mismatches(p, b.size, 0xc105e001), 0);
	close(fd);
	fill(p, b.size, 0xc105e002);
	igt_assert_eq_u64(mismatches(p, b.size, 0xc105e002), 0);
	igt_assert_eq(munmap(p, b.size), 0);
}

/* A forked child shares the MAP_SHARED mapping both ways. */
static void test_fork(void)
{
	volatile uint32_t *p;
	struct blob b;
	int fd, status;
	pid_t pid;

	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	p = blob_mmap(fd, &b, NULL);
	fill((uint32_t *)p, b.size, 0xf0f0f001);

	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		if (mismatches(p, b.size, 0xf0f0f001))
			_exit(1);
		fill((uint32_t *)p, b.size, 0xf0f0f002);
		_exit(0);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child: status %#x\n", status);
	igt_assert_eq_u64(mismatches(p, b.size, 0xf0f0f002), 0);
	igt_assert_eq(munmap((void *)p, b.size), 0);
	close(fd);
}

static void expect_mmap_einval(int fd, size_t len, int flags, uint64_t off)
{
	void *p;

	errno = 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
	igt_assert_f(p == MAP_FAILED, "mmap(len %#zx, flags %#x, off %#llx) "
		     "succeeded\n", len, flags, (unsigned long long)off);
	igt_assert_eq(errno, EINVAL);
}

/*
 * Debian 6.12's virtio_gpu_vram_mmap() maps only whole host-visible blobs
 * (mainline lets a mapping be smaller): a part of the blob, from its start
 * or from its second page, is refused. Mesa never asks for one.
 */
static void test_partial_refused(void)
{
	struct blob b;
	uint32_t *p;
	int fd;

	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	expect_mmap_einval(fd, b.size - PAGE_SZ, MAP_SHARED, b.offset);
	expect_mmap_einval(fd, PAGE_SZ, MAP_SHARED, b.offset);
	expect_mmap_einval(fd, b.size - PAGE_SZ, MAP_SHARED,
			   b.offset + PAGE_SZ);
	/* and the whole blob still maps after the refusals */
	p = blob_mmap(fd, &b, NULL);
	fill(p, b.size, 0x9a47);
	igt_assert_eq_u64(mismatches(p, b.size, 0x9a47), 0);
	igt_assert_eq(munmap(p, b.size), 0);
	close(fd);
}

/*
 * The /proc/iomem resource that holds [@start, @end): virtio-gpu requests
 * its host-visible region under the virtio device's name ("virtioN").
 */
static bool in_host_visible(unsigned long long start, unsigned long long end)
{
	unsigned long long s, e;
	char line[256], name[64];
	bool found = false;
	FILE *f;

	f = fopen("/proc/iomem", "r");
	igt_assert(f);
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %llx-%llx : %63s", &s, &e, name) != 3)
			continue;
		if (s <= start && end - 1 <= e && !strncmp(name, "virtio", 6)) {
			igt_info("in %s", line);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static bool write_file(const char *path, const char *text, int flags)
{
	ssize_t len = strlen(text);
	bool ok;
	int fd;

	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return false;
	ok = write(fd, text, len) == len;
	close(fd);
	return ok;
}

/*
 * The host's map_info is not in the uAPI: virtio-gpu keeps it in the
 * object. An fprobe on the response callback reads it from the response
 * itself (struct virtio_gpu_resp_map_info: the 24-byte header, then
 * map_info), through BTF (CONFIG_PROBE_EVENTS_BTF_ARGS).
 */
#define MAPCB_EVENT	TRACING "/events/vxf_vgpu/mapcb/enable"

static void map_info_probe_on(void)
{
	if (access(TRACING "/dynamic_events", F_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	igt_require_f(access(TRACING "/dynamic_events", W_OK) == 0,
		      "no %s/dynamic_events\n", TRACING);
	write_file(TRACING "/dynamic_events", "-:vxf_vgpu/mapcb\n", O_APPEND);
	igt_require_f(write_file(TRACING "/dynamic_events",
				 "f:vxf_vgpu/mapcb virtio_gpu_cmd_resource_map_cb "
				 "type=+0(vbuf->resp_buf):u32 "
				 "map_info=+24(vbuf->resp_buf):u32\n",
				 O_APPEND),
		      "no fprobe with BTF arguments on virtio-gpu: %s\n",
		      strerror(errno));
	igt_assert(write_file(TRACING "/trace", "", O_TRUNC));
	igt_assert(write_file(MAPCB_EVENT, "1\n", 0));
}

/* the map_info of the only RESOURCE_MAP_BLOB answered since probe_on */
static uint32_t map_info_read(void)
{
	unsigned int type = 0, info = 0, n = 0;
	char line[512], *m;
	FILE *f;

	f = fopen(TRACING "/trace", "r");
	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		m = strstr(line, " type=");
		if (!m || line[0] == '#')
			continue;
		igt_info("trace: %s", line);
		igt_assert_eq(sscanf(m, " type=%u map_info=%u", &type, &info),
			      2);
		n++;
	}
	fclose(f);
	write_file(MAPCB_EVENT, "0\n", 0);
	write_file(TRACING "/dynamic_events", "-:vxf_vgpu/mapcb\n", O_APPEND);
	igt_assert_eq(n, 1);
	igt_assert_eq(type, VIRTIO_GPU_RESP_OK_MAP_INFO);
	return info;
}

/*
 * Whether a variable MTRR makes [@start, @end) uncachable: x86 PAT turns
 * a write-back request on such a range into uncached-minus
 * (pat_x_mtrr_type()), and QEMU's firmware marks the 32-bit PCI hole so.
 * A range no variable MTRR names is taken as write-back, the firmware's
 * default type.
 */
static bool mtrr_uncachable(unsigned long long start, unsigned long long end)
{
	unsigned long long base, mb;
	char line[256];
	bool uc = false;
	FILE *f;

	f = fopen("/proc/mtrr", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		igt_info("mtrr: %s", line);
		if (!strstr(line, "uncachable") ||
		    sscanf(line, "reg%*d: base=0x%llx (%*[^)]), size=%lluMB",
			   &base, &mb) != 2)
			continue;
		if (base < end && start < base + (mb << 20))
			uc = true;
	}
	fclose(f);
	return uc;
}

/* the type x86 PAT gives virtio_gpu_vram_mmap()'s protection for map_info */
static const char *pat_expected(uint32_t map_info, unsigned long long start,
				unsigned long long end)
{
	switch (map_info & VIRTIO_GPU_MAP_CACHE_MASK) {
	case VIRTIO_GPU_MAP_CACHE_WC:
		return "write-combining";	/* pgprot_writecombine */
	case VIRTIO_GPU_MAP_CACHE_UNCACHED:
		return "uncached-minus";	/* pgprot_noncached */
	default:				/* the default protection */
		return mtrr_uncachable(start, end) ? "uncached-minus" :
						     "write-back";
	}
}

/*
 * The memory type the kernel used for the mapping, from x86 PAT's own
 * record (the entry io_remap_pfn_range() reserved for exactly the blob's
 * frames, which lie in the host-visible region), against the one the
 * host's map_info asks for: CACHED (what virglrenderer answers for a Venus
 * shared-memory blob) is the default protection, write-back unless an
 * MTRR makes the range uncachable; WC is write-combining, UNCACHED
 * uncached-minus. The entry is this mapping's: it is gone after munmap.
 */
static void test_memtype(void)
{
	const char *want;
	struct pat_ent e;
	uint32_t map_info;
	struct blob b;
	uint32_t *p;
	int fd;

	fd = vgpu_open();
	map_info_probe_on();
	b = blob_create(fd, SHMEM_SZ);
	p = blob_mmap_pat(fd, &b, NULL, &e);
	map_info = map_info_read();
	/*
	 * A window's mapping takes what PAT tracks for the frames, which is
	 * uncached-minus for a BAR nothing reserved: the stand-in has the
	 * region tracked write-back while it holds it (loop_vgpu.c), so PAT
	 * answers as for the stock mapping of a CACHED blob. Its frames
	 * cannot be given WC or UC (no struct page): such blobs are refused
	 * at mmap, and this one is CACHED.
	 */
	want = pat_expected(map_info, e.start, e.end);
	if (vgpu_window_on()) {
		char type[32] = "";

		igt_assert_f(vxf_pat_type(e.start, e.end, type,
					  sizeof(type)) == 1,
			     "PAT tracks nothing for the region's frames\n");
		igt_info("the region's PAT entry: %s\n", type);
	}
	igt_info("blob frames [%#llx-%#llx): map_info %#x, PAT memory type \"%s\", expected \"%s\"\n",
		 e.start, e.end, map_info, e.type, want);
	igt_assert_f(in_host_visible(e.start, e.end),
		     "[%#llx-%#llx) outside the host-visible region\n",
		     e.start, e.end);
	igt_assert_f(strcmp(e.type, want) == 0,
		     "memory type \"%s\", want \"%s\" (map_info %#x)\n",
		     e.type, want, map_info);
	fill(p, b.size, 0x3e3e);
	igt_assert_eq_u64(mismatches(p, b.size, 0x3e3e), 0);

	/* the stock mapping's own reservation; a window's has none */
	igt_assert_eq(pat_now(&e), vgpu_window_on() ? 0 : 1);
	igt_assert_eq(munmap(p, b.size), 0);
	igt_assert_eq(pat_now(&e), 0);
	close(fd);
}

/*
 * Venus's transport commands (venus-protocol, vn_protocol_renderer_defines.h):
 * a command is its type and flags (u32 each) and its arguments, 32-bit
 * words and 64-bit ones (size_t and pointers' presence too), little-endian.
 */
#define VN_CMD_CREATE_RING		188	/* vkCreateRingMESA */
#define VN_CMD_DESTROY_RING		189	/* vkDestroyRingMESA */
#define VN_CMD_WRITE_RING_EXTRA		191	/* vkWriteRingExtraMESA */
#define VN_STYPE_RING_CREATE_INFO	1000384000u
#define VN_RING_STATUS_IDLE		0x1

/* the ring's layout in the blob, as Venus lays out its own */
#define RING_HEAD	0x0
#define RING_TAIL	0x40
#define RING_STATUS	0x80
#define RING_BUF	0x1000
#define RING_BUF_SZ	0x1000
#define RING_EXTRA	0x2000
#define RING_EXTRA_SZ	0x40
#define RING_ID		0x7e57

struct vn_cs {
	uint32_t w[64];
	unsigned int n;
};

static void cs_u32(struct vn_cs *cs, uint32_t v)
{
	igt_assert(cs->n < 64);
	cs->w[cs->n++] = v;
}

static void cs_u64(struct vn_cs *cs, uint64_t v)
{
	cs_u32(cs, (uint32_t)v);
	cs_u32(cs, (uint32_t)(v >> 32));
}

/* a context-level command stream to the Venus context, as Mesa's
 * vn_renderer_submit() sends one (ring_idx 0) */
static void vn_submit(int fd, const struct vn_cs *cs)
{
	struct drm_virtgpu_execbuffer eb = {
		.size = cs->n * 4,
		.command = (uintptr_t)cs->w,
	};

	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), 0);
}

/*
 * The host writes this page: vkCreateRingMESA makes virglrenderer's ring
 * thread watch a ring laid out in the blob (it sets the ring's status word
 * when idle), and each vkWriteRingExtraMESA makes the host store a value
 * in the ring's extra region. The guest spins on those words the way
 * vdrm_host_sync() spins on its seqno: every value must show up, in
 * order, never older than the last one seen, with no fault.
 */
static void test_host_written(bool revoke)
{
	volatile uint32_t *extra, *status;
	struct vxf_stats st0, st1;
	uint64_t spins = 0, revoked = 0;
	uint32_t *p, v, last = 0;
	struct vn_cs cs;
	struct blob b;
	int fd;

	if (revoke)
		igt_require_f(vgpu_window_on(),
			      "no window bound to virtio-gpu (VXF_VGPU_WINDOW)\n");
	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	p = blob_mmap(fd, &b, NULL);
	memset(p, 0, b.size);
	extra = (volatile uint32_t *)((uint8_t *)p + RING_EXTRA);
	status = (volatile uint32_t *)((uint8_t *)p + RING_STATUS);

	cs.n = 0;
	cs_u32(&cs, VN_CMD_CREATE_RING);
	cs_u32(&cs, 0);				/* command flags */
	cs_u64(&cs, RING_ID);
	cs_u64(&cs, 1);				/* pCreateInfo present */
	cs_u32(&cs, VN_STYPE_RING_CREATE_INFO);
	cs_u64(&cs, 0);				/* pNext */
	cs_u32(&cs, 0);				/* flags */
	cs_u32(&cs, b.res_handle);
	cs_u64(&cs, 0);				/* offset */
	cs_u64(&cs, b.size);
	cs_u64(&cs, 1000000);			/* idleTimeout, ns */
	cs_u64(&cs, RING_HEAD);
	cs_u64(&cs, RING_TAIL);
	cs_u64(&cs, RING_STATUS);
	cs_u64(&cs, RING_BUF);
	cs_u64(&cs, RING_BUF_SZ);
	cs_u64(&cs, RING_EXTRA);
	cs_u64(&cs, RING_EXTRA_SZ);
	vn_submit(fd, &cs);

	/* the ring thread goes idle with nothing to do, and says so */
	while (!(*status & VN_RING_STATUS_IDLE))
		sched_yield();
	igt_info("ring status %#x\n", *status);

	for (uint32_t i = 1; i <= 256; i++) {
		cs.n = 0;
		cs_u32(&cs, VN_CMD_WRITE_RING_EXTRA);
		cs_u32(&cs, 0);
		cs_u64(&cs, RING_ID);
		cs_u64(&cs, 0);			/* offset in extra */
		cs_u32(&cs, i);
		vn_submit(fd, &cs);
		if (revoke && i % 4 == 1) {
			/* the next read faults: it must see the host's word */
			if (i == 1)
				vgpu_window_stats(&st0);
			revoked += vgpu_window_revoke_all();
		}
		while ((v = extra[0]) != i) {
			igt_assert_f(v == last, "host word %#x, last %#x, "
				     "waiting for %#x\n", v, last, i);
			spins++;
			sched_yield();
		}
		last = v;
	}
	igt_info("256 host writes seen in order (%llu spins)\n",
		 (unsigned long long)spins);
	if (revoke) {
		/* 64 revokes, each took the spun-on page at least */
		vgpu_window_stats(&st1);
		igt_info("64 revokes underneath: %llu pages revoked, %llu faults\n",
			 (unsigned long long)revoked,
			 (unsigned long long)(st1.faults - st0.faults));
		igt_assert_lte_u64(64, revoked);
		igt_assert_lte_u64(64, st1.faults - st0.faults);
	}

	cs.n = 0;
	cs_u32(&cs, VN_CMD_DESTROY_RING);
	cs_u32(&cs, 0);
	cs_u64(&cs, RING_ID);
	vn_submit(fd, &cs);
	igt_assert_eq(munmap(p, b.size), 0);
	close(fd);
}

/*
 * The DRM native context's capset needs a GPU kernel driver on the host:
 * here it is absent, and CONTEXT_INIT with it fails. Recorded so that a
 * host that has it shows up.
 */
static void test_drm_capset_absent(void)
{
	struct drm_virtgpu_context_set_param params[] = {
		{ VIRTGPU_CONTEXT_PARAM_CAPSET_ID, VIRTGPU_DRM_CAPSET_DRM },
		{ VIRTGPU_CONTEXT_PARAM_NUM_RINGS, 64 },
	};
	struct drm_virtgpu_context_init init = {
		.num_params = 2,
		.ctx_set_params = (uintptr_t)params,
	};
	uint64_t capsets;
	int fd;

	fd = open(RENDER_NODE, O_RDWR | O_CLOEXEC);
	igt_require_f(fd >= 0, "no %s\n", RENDER_NODE);
	capsets = getparam(fd, VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs);
	igt_info("capsets %#llx\n", (unsigned long long)capsets);
	igt_skip_on_f(capsets & (1ull << VIRTGPU_DRM_CAPSET_DRM),
		      "the host offers the DRM native context\n");
	errno = 0;
	igt_assert_eq(drm_ioctl(fd, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -1);
	igt_assert_eq(errno, EINVAL);
	close(fd);
}

/*
 * dma-buf export of a host-visible blob (DRM_IOCTL_PRIME_HANDLE_TO_FD):
 * stock virtio-gpu exports it; with a window bound, the patched one
 * refuses (EOPNOTSUPP): frames a window lends must never reach an IOMMU.
 */
static void test_export(void)
{
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct blob b;
	int fd, ret;

	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	ph.handle = b.handle;
	ph.fd = -1;
	errno = 0;
	ret = drm_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	igt_info("PRIME_HANDLE_TO_FD: %d (%s), fd %d\n", ret, strerror(errno),
		 ph.fd);
	if (vgpu_window_on()) {
		igt_assert_eq(ret, -1);
		igt_assert_eq(errno, EOPNOTSUPP);
	} else {
		igt_assert_eq(ret, 0);
		igt_assert_lte(0, ph.fd);
		close(ph.fd);
	}
	gem_close(fd, b.handle);
	close(fd);
}

static void require_window(void)
{
	igt_require_f(vgpu_window_on(),
		      "no window bound to virtio-gpu (VXF_VGPU_WINDOW; vgpu-vxf runs these)\n");
}

/*
 * The blob mapping is the window's: nothing is mapped until touched (stock
 * virtio-gpu maps the whole blob at mmap), a touch faults the region's
 * frame in, a revoke takes it out of the page table, and the next access
 * faults the same frame back, data intact.
 */
static void test_window_routed(void)
{
	struct vxf_loop_pte pte, again;
	struct vxf_stats st0, st1, st2;
	uint64_t revoked;
	struct blob b;
	uint32_t *p;
	int fd;

	require_window();
	fd = vgpu_open();
	b = blob_create(fd, SHMEM_SZ);
	vgpu_window_stats(&st0);
	p = blob_mmap(fd, &b, NULL);
	vgpu_pte(p, &pte);
	igt_assert_f(!pte.present, "mapped before the first access\n");

	fill(p, b.size, 0x40e7);
	vgpu_window_stats(&st1);
	vgpu_pte(p, &pte);
	igt_assert(pte.present);
	igt_assert(in_host_visible(pte.pfn * PAGE_SZ,
				   pte.pfn * PAGE_SZ + b.size));
	igt_info("frame %#llx, %llu faults, %llu pages mapped\n",
		 (unsigned long long)pte.pfn,
		 (unsigned long long)(st1.faults - st0.faults),
		 (unsigned long long)st1.mapped_pages);
	igt_assert_lt_u64(st0.faults, st1.faults);
	igt_assert_lte_u64(b.size / PAGE_SZ, st1.mapped_pages);

	revoked = vgpu_window_revoke_all();
	igt_assert_lte_u64(b.size / PAGE_SZ, revoked);
	vgpu_pte(p, &again);
	igt_assert_f(!again.present, "still mapped after the revoke\n");

	igt_assert_eq_u64(mismatches(p, b.size, 0x40e7), 0);
	vgpu_window_stats(&st2);
	vgpu_pte(p, &again);
	igt_assert(again.present);
	igt_assert_eq_u64(again.pfn, pte.pfn);
	igt_assert_lt_u64(st1.faults, st2.faults);
	igt_assert_eq_u64(st2.sigbus, st0.sigbus);

	igt_assert_eq(munmap(p, b.size), 0);
	gem_close(fd, b.handle);
	close(fd);
}

/*
 * Revokes until it made @min_revokes and the accessor made @min_rounds
 * rounds: both sides overlap however the two are scheduled.
 */
struct revoker {
	uint64_t min_revokes, min_rounds;
	uint64_t revokes, pages;
	uint64_t rounds;	/* the accessor's, atomic */
	int done;		/* atomic */
};

static void *revoker_main(void *arg)
{
	struct revoker *r = arg;

	while (r->revokes < r->min_revokes ||
	       __atomic_load_n(&r->rounds, __ATOMIC_RELAXED) < r->min_rounds) {
		r->pages += vgpu_window_revoke_all();
		r->revokes++;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Revokes underneath a mapped blob while the test reads and writes it:
 * first one revoke before each access (each access then faults), then a
 * thread revoking over and over (64 times at least, and until the test
 * made 1024 rounds) while the test writes and reads back words. The data
 * is intact afterwards, faults happened, no SIGBUS.
 */
static void test_revoke_under_map(void)
{
	const uint32_t words = 4 * SHMEM_SZ / 4;
	struct vxf_stats st0, st1, st2;
	struct revoker r = { .min_revokes = 64, .min_rounds = 1024 };
	volatile uint32_t *p;
	uint64_t iters = 0;
	uint32_t *shadow;
	pthread_t t;
	struct blob b;
	int fd;

	require_window();
	fd = vgpu_open();
	b = blob_create(fd, 4 * SHMEM_SZ);
	p = blob_mmap(fd, &b, NULL);
	shadow = malloc(b.size);
	igt_assert(shadow);
	fill((uint32_t *)p, b.size, 0x4e40);
	fill(shadow, b.size, 0x4e40);
	vgpu_window_stats(&st0);

	for (uint32_t i = 0; i < 32; i++) {
		uint32_t w = (i * 1031) % words;

		igt_assert_lte_u64(1, vgpu_window_revoke_all());
		p[w] = shadow[w] = 0xa5000000 | i;
		igt_assert_eq_u32(p[w], shadow[w]);
	}
	vgpu_window_stats(&st1);
	igt_info("32 revokes, one before each access: %llu faults\n",
		 (unsigned long long)(st1.faults - st0.faults));
	igt_assert_lte_u64(32, st1.faults - st0.faults);

	igt_assert_eq(pthread_create(&t, NULL, revoker_main, &r), 0);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		uint32_t w = (uint32_t)(iters * 2654435761u) % words;
		uint32_t v = 0x5a000000 | (uint32_t)(iters & 0xffffff);

		igt_assert_eq_u32(p[w], shadow[w]);
		p[w] = shadow[w] = v;
		igt_assert_eq_u32(p[w], v);
		__atomic_store_n(&r.rounds, ++iters, __ATOMIC_RELAXED);
	}
	igt_assert_eq(pthread_join(t, NULL), 0);
	vgpu_window_stats(&st2);
	igt_info("%llu revokes (%llu pages) under %llu write-read rounds: %llu faults\n",
		 (unsigned long long)r.revokes, (unsigned long long)r.pages,
		 (unsigned long long)iters,
		 (unsigned long long)(st2.faults - st1.faults));
	igt_assert_eq(memcmp((const void *)p, shadow, b.size), 0);
	igt_assert_eq_u64(st2.sigbus, st0.sigbus);

	igt_assert_eq(munmap((void *)p, b.size), 0);
	free(shadow);
	gem_close(fd, b.handle);
	close(fd);
}

igt_main
{
	igt_fixture {
		if (vgpu_window_wanted()) {
			/* a device that cannot run them skips them all here */
			close(vgpu_open());
			vgpu_window_start();
		}
	}

	igt_describe("vdrm's calls: GET_CAPS, CONTEXT_INIT, CREATE_BLOB, MAP, mmap");
	igt_subtest("vdrm-calls")
		test_vdrm_calls();
	igt_describe("MAP_FIXED maps at placed addresses, beside unplaced ones");
	igt_subtest("placed")
		test_placed();
	igt_describe("munmap and mmap again keep the blob's data and frames");
	igt_subtest("remap")
		test_remap();
	igt_describe("a mapping outlives its GEM handle and the file");
	igt_subtest("close-while-mapped")
		test_close_while_mapped();
	igt_describe("a forked child shares the mapping");
	igt_subtest("fork")
		test_fork();
	igt_describe("a partial map of a HOST3D blob is refused (6.12)");
	igt_subtest("partial-refused")
		test_partial_refused();
	igt_describe("PAT's memory type for the blob matches map_info");
	igt_subtest("memtype")
		test_memtype();
	igt_describe("spin on words the host writes into a blob (Venus ring)");
	igt_subtest("host-written")
		test_host_written(false);
	igt_describe("no DRM native context without a host GPU");
	igt_subtest("drm-capset-absent")
		test_drm_capset_absent();
	igt_describe("dma-buf export: stock exports, a window's blob is refused");
	igt_subtest("export")
		test_export();
	igt_describe("a blob mapping is the window's: faults, revoke, same frame");
	igt_subtest("window-routed")
		test_window_routed();
	igt_describe("revokes underneath a mapped blob while it is read and written");
	igt_subtest("window-revoke-under-map")
		test_revoke_under_map();
	igt_describe("host-written words spun on while revokes take the page");
	igt_subtest("window-host-written")
		test_host_written(true);

	igt_fixture
		vgpu_window_stop();
}
