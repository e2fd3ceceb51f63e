// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_xen.c - IGT subtests that only make sense against the dom0 backend
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Part of the vxf_loop binary; every subtest here skips unless the helpers
 * run in Xen mode (a domU whose vxf device the dom0 backend serves, see
 * vxf_xen_mode()). They kill the dom0 backend or unload the frontend
 * module: run them where nothing else uses the backend (scripts/xen-suite.sh
 * sets VXF_XEN_SHARED=1 in domUs that share it, and then they skip).
 *
 *   xen-backend-killed-restarted-while-faulting  a fault waits on a hung
 *       backend that dies (SIGKILL, "die"): SIGBUS in bounded time, and the
 *       backend that dom0 starts again serves the window, with fresh
 *       contents (never the dead one's pages)
 *   xen-frontend-reload  unbind the xenbus device, rmmod, insmod (the
 *       device probes again by itself, or is bound): the window reconnects
 *       and works
 *   xen-save-restore  with window pages mapped, the domU asks dom0 (key
 *       data/vxf-save) to save it with `xl save` and restore it: a new
 *       domain, a new backend device. The frontend's resume drops the old
 *       grants; the window reconnects and serves the new backend's pages.
 *       Needs a dom0 that answers (VXF_XEN_SAVE=1, xen-suite-dom0.sh).
 */

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop.h"
#include "vxf_xs.h"

#define RESTART_MS	60000

static void require_xen_alone(void)
{
	const char *shared = getenv("VXF_XEN_SHARED");

	igt_require_f(vxf_xen_mode(), "not in Xen mode (no dom0 backend)\n");
	igt_require_f(!shared || !*shared || !strcmp(shared, "0"),
		      "the dom0 backend serves other domUs too "
		      "(VXF_XEN_SHARED)\n");
}

static void test_killed_restarted(void)
{
	struct vxf_backend_stats b0;
	struct reader r, after;
	struct vxf_stats s0;
	struct window w;
	double t0;

	require_xen_alone();
	START(&w, "--pages", "16", "--map-pages", "1", "--quiet");
	fill_page(&w, 0, 1);	/* mapped, and unlike a fresh backend's */
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	reader_start(&r, &w, 2);
	igt_assert_f(wait_faults(&w, &s0, 1), "the fault never came\n");
	igt_assert_f(wait_in_fault(&w, &b0, &r.tid),
		     "the reader does not wait for its MAP\n");

	t0 = now_s();
	vxf_backend_kill(&w.be);	/* "die": SIGKILL in dom0 */
	reader_join(&r, 30000);
	igt_info("fault ended %.3f s after the backend died: %s\n",
		 now_s() - t0, r.ok ? "served" : "signal");
	igt_assert_f(!r.ok, "read %#llx while the backend was dead\n",
		     (unsigned long long)r.value);
	igt_assert_eq(r.sig, SIGBUS);

	/*
	 * dom0's restart loop starts a new backend, which takes the device
	 * over: only then does the frontend learn that the old one died,
	 * disconnect and drop its pages (until then page 0 stays the dead
	 * backend's, as a grant outlives its granter). On a loaded machine
	 * that took longer than the first reader's fault timeout.
	 */
	igt_assert_f(wait_stat_ms(&w, offsetof(struct vxf_stats, disconnects),
				  s0.disconnects + 1, RESTART_MS),
		     "the window never saw its backend go\n");
	reader_start(&after, &w, 0);
	t0 = now_s();
	igt_assert_f(vxf_backend_start(&w.be, "--pages", "16", "--quiet",
				       NULL) == 0,
		     "%s\n", vxf_backend_last_error());
	igt_info("reconnected %.3f s later\n", now_s() - t0);
	reader_join(&after, 40000);
	igt_info("page 0 while reconnecting: %s\n",
		 after.ok ? "served" : "SIGBUS");
	igt_assert_f(!after.ok || after.value == pattern(0, 0),
		     "page 0 shows %#llx after its backend died%s\n",
		     (unsigned long long)after.value,
		     after.value == value(0, 0, 1) ? " (the dead backend's "
		     "page is still mapped)" : "");
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 0, expect_pattern, 0);
	check_page(&w, 2, expect_pattern, 0);
	fill_page(&w, 7, 1);
	be_revoke(&w, 7, 1);
	check_page(&w, 7, value, 1);
	window_stop(&w);
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(s, f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	igt_debug("%s -> %d\n", cmd, st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The module file the harness loaded: $VXF_TEST_XEN_KO or /lib/modules/vxf. */
static bool find_ko(char *path, size_t len)
{
	const char *env = getenv("VXF_TEST_XEN_KO");
	struct dirent *de;
	DIR *d;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		return access(path, R_OK) == 0;
	}
	d = opendir("/lib/modules/vxf");
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strstr(de->d_name, "virtio-xen-fault.ko")) {
			snprintf(path, len, "/lib/modules/vxf/%.200s",
				 de->d_name);
			closedir(d);
			return true;
		}
	closedir(d);
	return false;
}

static bool dev_bound(const char *dev)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/xen/drivers/vxf/%s", dev);
	return access(path, F_OK) == 0;
}

static void test_frontend_reload(void)
{
	char ko[300], dev[32], cmd[320];
	struct window w;
	double t0;
	int i;

	require_xen_alone();
	snprintf(dev, sizeof(dev), "vxf-%s",
		 getenv("VXF_TEST_XEN_DEVID") ?: "0");
	igt_require_f(dev_bound(dev), "%s not bound to the vxf driver\n", dev);
	igt_require_f(find_ko(ko, sizeof(ko)), "no module file to reload\n");

	START(&w, "--pages", "16", "--quiet");
	fill_page(&w, 3, 1);
	check_page(&w, 3, value, 1);
	window_stop(&w);

	t0 = now_s();
	igt_assert_eq(write_file("/sys/bus/xen/drivers/vxf/unbind", dev), 0);
	igt_assert(!dev_bound(dev));
	igt_assert_eq(run("rmmod virtio_xen_fault"), 0);
	snprintf(cmd, sizeof(cmd), "insmod %s", ko);
	igt_assert_eq(run(cmd), 0);
	/* Registering the driver probes the device again; bind if not. */
	for (i = 0; i < 50 && !dev_bound(dev); i++)
		usleep(100 * 1000);
	if (!dev_bound(dev)) {
		igt_info("%s not probed again by itself: bind\n", dev);
		igt_assert_eq(write_file("/sys/bus/xen/drivers/vxf/bind", dev),
			      0);
	}
	START(&w, "--pages", "16", "--quiet");
	igt_info("window back %.3f s after the unbind\n", now_s() - t0);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 3, expect_pattern, 0);
	check_page(&w, 4, expect_pattern, 0);
	fill_page(&w, 5, 2);
	be_revoke(&w, 5, 1);
	check_page(&w, 5, value, 2);
	window_stop(&w);
}

#define SAVE_KEY	"data/vxf-save"
#define SAVE_WAIT_MS	180000

/* Ask dom0 to save and restore us; true once it says it is done. */
static bool save_restore(void)
{
	char v[32];
	int fd, ms, ret;

	fd = vxf_xs_open();
	igt_assert_f(fd >= 0, "xenbus: %s\n", strerror(-fd));
	igt_assert_eq(vxf_xs_write(fd, SAVE_KEY, "request"), 0);
	/*
	 * Frozen in here. Restored, relative paths name the new domain's
	 * home, where dom0 writes "done"; until then the key is "request"
	 * (not saved yet) or absent.
	 */
	for (ms = 0; ms < SAVE_WAIT_MS; ms += 100) {
		ret = vxf_xs_read(fd, SAVE_KEY, v, sizeof(v));
		if (!ret && !strcmp(v, "done"))
			break;
		if (ret && ret != -ENOENT) {
			vxf_xs_close(fd);
			fd = vxf_xs_open();
			igt_assert_f(fd >= 0, "xenbus: %s\n", strerror(-fd));
		}
		usleep(100 * 1000);
	}
	vxf_xs_close(fd);
	return ms < SAVE_WAIT_MS;
}

static void test_save_restore(void)
{
	const char *save = getenv("VXF_XEN_SAVE");
	struct vxf_stats s0, s1;
	struct vxf_info in;
	struct window w;
	uint64_t p;
	double t0;
	int ms;

	require_xen_alone();
	igt_require_f(save && !strcmp(save, "1"),
		      "no dom0 to save and restore this domU (VXF_XEN_SAVE)\n");
	START(&w, "--pages", "16", "--quiet");
	for (p = 0; p < 4; p++)
		fill_page(&w, p, 3);
	s0 = stats(&w);
	igt_assert_lte_u64(4, s0.mapped_pages);	/* prefetch may add some */

	t0 = now_s();
	igt_assert_f(save_restore(), "dom0 did not restore us in %d s\n",
		     SAVE_WAIT_MS / 1000);
	/* the test channel's xenbus connection was the old domain's */
	vxf_xs_close(w.be.xs_fd);
	w.be.xs_fd = -1;
	for (ms = 0; ms < 60000; ms += 100) {
		in = info(&w);
		if (in.state == VXF_STATE_CONNECTED)
			break;
		usleep(100 * 1000);
	}
	igt_info("connected again %.3f s after the save request\n",
		 now_s() - t0);
	igt_assert_eq(in.state, VXF_STATE_CONNECTED);
	s1 = stats(&w);
	/* the old backend's grants went with the old domain */
	igt_assert_eq_u64(s1.mapped_pages, 0);
	/* the same mapping, now served by the new backend device */
	for (p = 0; p < 4; p++)
		check_page(&w, p, expect_pattern, 0);
	fill_page(&w, 5, 4);
	be_revoke(&w, 5, 1);
	check_page(&w, 5, value, 4);
	igt_assert_eq_u64(stats(&w).sigbus, s0.sigbus);
	window_stop(&w);
}

void vxf_xen_subtests(void)
{
	igt_describe("A fault waiting on a hung dom0 backend ends in SIGBUS "
		     "when the backend dies; the backend dom0 restarts serves "
		     "the window again, never with the dead one's pages.");
	igt_subtest("xen-backend-killed-restarted-while-faulting")
		test_killed_restarted();

	igt_describe("Unbinding the xenbus device, unloading and reloading "
		     "the frontend module gives a working window again.");
	igt_subtest("xen-frontend-reload")
		test_frontend_reload();

	igt_describe("The domU is saved and restored by dom0 with pages "
		     "mapped: the window reconnects to the new backend device "
		     "and its pages are served again.");
	igt_subtest("xen-save-restore")
		test_save_restore();
}
