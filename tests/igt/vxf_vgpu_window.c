// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_vgpu_window.c - vxf_vgpu with virtio-gpu's host-visible region lent
 * as a window (make check step vgpu-vxf)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * With VXF_VGPU_WINDOW=1 the tests run on the patched virtio-gpu
 * (patches/linux/) with a window bound to its device: the fixture starts
 * the reference backend with --vgpu, whose window the loop test module
 * makes over virtio-gpu's own host-visible region (VXF_LOOP_F_VGPU, a
 * stand-in for a hypervisor that lends it) and binds to the device. Every
 * blob mapping is then the window's: window page N is frame N of the
 * region, a revoke zaps it from every mapping, and the next access faults
 * the same frame back in. Without the variable nothing is started and the
 * tests run on stock virtio-gpu (vgpu-stock).
 */

#include <fcntl.h>
#include <sys/ioctl.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop_uapi.h"
#include "vxf_vgpu.h"

static struct vxf_backend be;
static int win_fd = -1;		/* the window's /dev/vxfN */
static int loop_fd = -1;	/* /dev/vxf-loop, for VXF_LOOP_IOC_PTE */

bool vgpu_window_wanted(void)
{
	const char *v = getenv("VXF_VGPU_WINDOW");

	return v && *v && strcmp(v, "0");
}

bool vgpu_window_on(void)
{
	return win_fd >= 0;
}

/*
 * Start the backend that lends the host-visible region: a failure fails
 * (vgpu-vxf must never pass on stock mappings).
 */
void vgpu_window_start(void)
{
	struct vxf_info info;

	igt_assert_f(vxf_backend_available(), "no backend at %s\n",
		     vxf_backend_path());
	igt_assert_f(vxf_backend_start(&be, "--vgpu", "--quiet", NULL) == 0,
		     "backend --vgpu: %s\n", vxf_backend_last_error());
	win_fd = vxf_open(&be);
	igt_assert_f(win_fd >= 0, "%s: %s\n", be.dev, strerror(errno));
	igt_assert_eq(vxf_info(win_fd, &info), 0);
	igt_info("window %s over the host-visible region: %llu pages, bound to virtio-gpu\n",
		 be.dev, (unsigned long long)info.window_pages);
	loop_fd = open("/dev/vxf-loop", O_RDWR | O_CLOEXEC);
	igt_assert_f(loop_fd >= 0, "/dev/vxf-loop: %s\n", strerror(errno));
}

void vgpu_window_stop(void)
{
	if (loop_fd >= 0)
		close(loop_fd);
	if (win_fd >= 0) {
		close(win_fd);
		igt_assert_eq(vxf_backend_stop(&be), 0);
	}
	loop_fd = win_fd = -1;
}

void vgpu_window_stats(struct vxf_stats *st)
{
	igt_assert_eq(vxf_stats(win_fd, st), 0);
}

/* REVOKE of the whole window; returns the pages the backend took back */
uint64_t vgpu_window_revoke_all(void)
{
	char line[512];

	igt_assert_f(vxf_backend_cmd(&be, line, sizeof(line), "revoke-all") == 0,
		     "revoke-all: %s\n", vxf_backend_last_error());
	igt_assert_f(vxf_reply_field(line, "status") == 0 &&
		     strstr(line, "status="), "revoke-all: '%s'\n", line);
	return vxf_reply_field(line, "pages");
}

/* the page table entry behind @addr, as the CPU sees it */
void vgpu_pte(const volatile void *addr, struct vxf_loop_pte *pte)
{
	memset(pte, 0, sizeof(*pte));
	pte->addr = (uintptr_t)addr;
	igt_assert_f(ioctl(loop_fd, VXF_LOOP_IOC_PTE, pte) == 0,
		     "PTE of %p: %s\n", (const void *)addr, strerror(errno));
}
