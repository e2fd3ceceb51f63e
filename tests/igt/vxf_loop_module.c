// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_module.c - IGT test of the loop test module's lifetime
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The loop transport is a module of its own (virtio-xen-fault-loop), and a
 * device it made calls back into it (its owner_idle, transport and
 * hypervisor ops) until the device's last reference goes, which may be a
 * user's open /dev/vxfN long after the backend closed /dev/vxf-loop. So
 * the driver holds the module while such a device lives:
 *
 *   unload-held  with /dev/vxfN open and its backend gone, the loop module
 *                cannot be unloaded; once the file is closed it can (and is
 *                loaded again).
 *
 * It needs the module to be unloadable and its file to load it again
 * ($VXF_LOOP_KO, default the one scripts/vm-run.sh installs), and skips
 * otherwise (built in, Xen mode).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop_uapi.h"

#define LOOP_MODULE	"virtio_xen_fault_loop"
#define LOOP_KO		"/lib/modules/vxf/99-virtio-xen-fault-loop.ko"

static const char *loop_ko(void)
{
	const char *env = getenv("VXF_LOOP_KO");

	return env && *env ? env : LOOP_KO;
}

/* Loaded as a module (not built in): listed in /proc/modules. */
static bool loop_module_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/modules", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, LOOP_MODULE " ", strlen(LOOP_MODULE) + 1);
	fclose(f);
	return found;
}

/* 0 or the errno of delete_module(2), without waiting for users. */
static int unload_loop_module(void)
{
	return syscall(SYS_delete_module, LOOP_MODULE, O_NONBLOCK) ? errno : 0;
}

/* 0 or the errno of finit_module(2) on the module file. */
static int load_loop_module(void)
{
	int fd = open(loop_ko(), O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return errno;
	err = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	return err;
}

static void test_unload_held(void)
{
	struct vxf_loop_connect c = {
		.index = -1,
		.window_pages = 16,
		.cache = VXF_CACHE_WB,
	};
	char path[32];
	int loop, user, err;

	loop = open("/dev/vxf-loop", O_RDWR | O_CLOEXEC);
	igt_assert_f(loop >= 0, "open /dev/vxf-loop: %s\n", strerror(errno));
	igt_assert_eq(ioctl(loop, VXF_LOOP_IOC_CONNECT, &c), 0);
	snprintf(path, sizeof(path), "/dev/vxf%d", c.index);
	user = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_f(user >= 0, "open %s: %s\n", path, strerror(errno));

	/* The backend goes; the device stays for its user. */
	close(loop);
	err = unload_loop_module();
	igt_assert_f(err == EWOULDBLOCK || err == EBUSY,
		     "unloading the loop module under %s: %s, expected EWOULDBLOCK\n",
		     path, err ? strerror(err) : "success");
	igt_assert(loop_module_loaded());

	/* The last user goes: the device is forgotten, the module free. */
	close(user);
	err = unload_loop_module();
	igt_assert_f(!err, "unloading the unused loop module: %s\n",
		     strerror(err));
	igt_assert(!loop_module_loaded());
	err = load_loop_module();
	igt_assert_f(!err, "loading %s again: %s\n", loop_ko(), strerror(err));
}

igt_main
{
	igt_fixture {
		igt_require_f(!vxf_xen_mode(), "Xen mode: no loop module\n");
		igt_require_f(loop_module_loaded(),
			      "%s not loaded as a module (built in?)\n",
			      LOOP_MODULE);
		igt_require_f(access(loop_ko(), R_OK) == 0,
			      "no %s to load it again (VXF_LOOP_KO)\n",
			      loop_ko());
	}

	igt_describe("The loop module stays while a device it made has a "
		     "user, and unloads once the device is gone.");
	igt_subtest("unload-held")
		test_unload_held();

	/* Whatever happened above, the suite after us needs the module. */
	igt_fixture {
		if (!loop_module_loaded())
			igt_assert_eq(load_loop_module(), 0);
	}
}
