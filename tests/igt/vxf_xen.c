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
 *   xen-violation-bad-id, xen-violation-bad-nr-refs,
 *   xen-violation-bad-ref-order, xen-violation-storm
 *       the domU asks dom0 (key data/vxf-violate) to start the next backend
 *       with --violate KIND (tools/vxf-backend/violate.c), kills the running
 *       one, and faults on the window once the violating backend serves it:
 *       the fault gets SIGBUS, the frontend writes an "error" node naming
 *       the violation and goes Closed; a well-behaved backend (dom0's
 *       restart loop, after "die") then gets a fresh connection and a fault
 *       maps again. The storm keeps the event ring full and the event
 *       channel busy until this test, which must get the CPU meanwhile,
 *       has seen the frontend's ring_requeues and ring_spurious_events
 *       (debugfs) move while still connected. Need xen-suite-dom0.sh's
 *       restart loop (VXF_XEN_VIOLATE=1).
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

#define VIOLATE_KEY	"data/vxf-violate"
#define VIOLATE_WAIT_MS	120000
/* The frontend reports right after the ring broke: no dom0 round trip. */
#define REPORT_WAIT_MS	60000
#define XS_POLL_MS	50

/* "@key N" of the window's debugfs stats, or -1 if not there. */
static int64_t debugfs_stat(struct window *w, const char *key)
{
	struct vxf_counters cs;
	char path[128];
	long long v;

	snprintf(path, sizeof(path), "/sys/kernel/debug/vxf/vxf%d/stats",
		 w->be.index);
	if (vxf_counters_read(&cs, path) || !vxf_counter_find(&cs, key, &v))
		return -1;
	return v;
}

/*
 * Wait until the frontend's "error" node names @why and its state is Closed
 * (the violating backend leaves the device Closed); what they hold last.
 */
static bool wait_reported(int fd, unsigned int devid, const char *why,
			  char *err, size_t len, char *state)
{
	char err_path[64], state_path[64];
	int ms;

	snprintf(err_path, sizeof(err_path), "error/device/vxf/%u/error",
		 devid);
	snprintf(state_path, sizeof(state_path), "device/vxf/%u/state", devid);
	for (ms = 0; ms < REPORT_WAIT_MS; ms += XS_POLL_MS) {
		if (vxf_xs_read(fd, err_path, err, len))
			snprintf(err, len, "(none)");
		if (vxf_xs_read(fd, state_path, state, 16))
			snprintf(state, 16, "(none)");
		if (strstr(err, why) && !strcmp(state, "6"))
			return true;
		usleep(XS_POLL_MS * 1000);
	}
	return false;
}

/* The backend answers the test channel: it has mapped the rings. */
static bool wait_serving(struct window *w)
{
	char line[256];
	int ms;

	for (ms = 0; ms < VIOLATE_WAIT_MS; ms += XS_POLL_MS) {
		if (info(w).state == VXF_STATE_CONNECTED &&
		    !vxf_backend_cmd(&w->be, line, sizeof(line), "stats"))
			return true;
		usleep(XS_POLL_MS * 1000);
	}
	return false;
}

/*
 * The storm goes on until this thread says it saw enough of it: the
 * frontend's budget (STORM_REQUEUES requeued passes) and spurious-event
 * (STORM_SPURIOUS) paths taken while the device is still connected, each
 * step of which this thread can only see if it gets the CPU while the
 * storm lasts.
 */
#define STORM_REQUEUES	16
#define STORM_SPURIOUS	4

static void see_storm(struct window *w, int64_t rq0, int64_t sp0)
{
	int64_t rq = rq0, sp = sp0, last = rq0;
	unsigned int seen = 0;
	bool on = true;
	int ms;

	for (ms = 0; ms < VIOLATE_WAIT_MS; ms += 20) {
		rq = debugfs_stat(w, "ring_requeues");
		sp = debugfs_stat(w, "ring_spurious_events");
		on = info(w).state == VXF_STATE_CONNECTED;
		if (rq != last)
			seen++;		/* ran again while the storm went on */
		last = rq;
		if (!on || (rq >= rq0 + STORM_REQUEUES &&
			    sp >= sp0 + STORM_SPURIOUS))
			break;
		usleep(20 * 1000);
	}
	igt_info("during the storm: ring_requeues %lld -> %lld (seen moving %u times), ring_spurious_events %lld -> %lld, %s\n",
		 (long long)rq0, (long long)rq, seen, (long long)sp0,
		 (long long)sp, on ? "connected" : "not connected");
	igt_assert_f(on, "the device broke before the storm ended\n");
	igt_assert_f(rq >= rq0 + STORM_REQUEUES,
		     "%lld passes ran out of budget in the storm\n",
		     (long long)(rq - rq0));
	igt_assert_f(sp >= sp0 + STORM_SPURIOUS,
		     "%lld notifications were seen as spurious\n",
		     (long long)(sp - sp0));
	be_cmd(w, "violate-end");
}

static void test_violation(const char *kind, const char *why)
{
	const char *ok = getenv("VXF_XEN_VIOLATE");
	bool storm = !strcmp(kind, "storm");
	char err[256], state[16];
	int64_t rq0 = 0, sp0 = 0;
	struct vxf_stats s0, s1;
	unsigned int devid;
	struct reader r;
	struct window w;
	int fd;

	require_xen_alone();
	igt_require_f(ok && !strcmp(ok, "1"),
		      "no dom0 restart loop that takes --violate (VXF_XEN_VIOLATE)\n");
	START(&w, "--pages", "16", "--quiet");
	devid = w.be.devid;
	if (storm)
		igt_require_f(debugfs_stat(&w, "ring_spurious_events") >= 0,
			      "no debugfs stats with ring_spurious_events\n");
	fd = vxf_xs_open();
	igt_assert_f(fd >= 0, "xenbus: %s\n", strerror(-fd));
	/* an error node left by an earlier violation must not count */
	snprintf(err, sizeof(err), "error/device/vxf/%u/error", devid);
	igt_assert_eq(vxf_xs_write(fd, err, "none"), 0);

	/* dom0's restart loop starts the next backend with --violate */
	s0 = stats(&w);
	igt_assert_eq(vxf_xs_write(fd, VIOLATE_KEY, kind), 0);
	vxf_backend_kill(&w.be);
	/* it takes the device over: the old connection goes, a new one comes */
	igt_assert_f(wait_stat_ms(&w, offsetof(struct vxf_stats, disconnects),
				  s0.disconnects + 1, VIOLATE_WAIT_MS),
		     "the window never saw its backend go\n");
	igt_assert_f(wait_serving(&w), "the --violate %s backend never served "
		     "the window: %s\n", kind, vxf_backend_last_error());

	s1 = stats(&w);
	if (storm) {
		rq0 = debugfs_stat(&w, "ring_requeues");
		sp0 = debugfs_stat(&w, "ring_spurious_events");
	}
	reader_start(&r, &w, 3);
	if (storm) {
		igt_assert_f(wait_faults(&w, &s1, 1), "the fault never came\n");
		see_storm(&w, rq0, sp0);
	}
	reader_join(&r, VIOLATE_WAIT_MS);
	igt_assert_f(!r.ok, "read %#llx from a backend that broke the "
		     "protocol\n", (unsigned long long)r.value);
	igt_assert_eq(r.sig, SIGBUS);

	igt_assert_f(wait_reported(fd, devid, why, err, sizeof(err), state),
		     "frontend error node '%s', state %s: want '%s', Closed "
		     "(6)\n", err, state, why);
	igt_info("error node: %s; frontend state %s\n", err, state);
	igt_assert_lt_u64(s1.protocol_errors, stats(&w).protocol_errors);
	igt_assert_neq(info(&w).state, VXF_STATE_CONNECTED);
	vxf_xs_close(fd);

	/* a well-behaved backend gets a fresh connection */
	vxf_backend_kill(&w.be);
	igt_assert_f(vxf_backend_start(&w.be, "--pages", "16", "--quiet",
				       NULL) == 0,
		     "%s\n", vxf_backend_last_error());
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 3, expect_pattern, 0);
	fill_page(&w, 4, 5);
	check_page(&w, 4, value, 5);
	window_stop(&w);
}

void vxf_xen_subtests(void)
{
	static const struct {
		const char *kind;
		const char *why;
		const char *desc;
	} violations[] = {
		{ "bad-id", "answer to a request not in flight",
		  "a MAP answer under an id no request carries" },
		{ "bad-nr-refs", "malformed answer",
		  "a MAP answer with one reference more than asked for" },
		{ "bad-ref-order", "malformed answer",
		  "a MAP answer with order-1 references (no superpages)" },
		{ "storm", "unknown event",
		  "an event storm (the event ring kept full, the event channel "
		  "notified in a tight loop) ended by an unknown event type" },
	};
	unsigned int i;

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

	for (i = 0; i < ARRAY_SIZE(violations); i++) {
		igt_describe_f("The dom0 backend is restarted to send %s over "
			       "the real Xen transport: the fault waiting on "
			       "it gets SIGBUS, the frontend writes an error "
			       "node naming the violation and goes Closed%s; "
			       "a well-behaved backend then reconnects and "
			       "faults map again.", violations[i].desc,
			       strcmp(violations[i].kind, "storm") ? "" :
			       " (during the storm this test still runs and "
			       "sees the budget and spurious-event paths "
			       "taken)");
		igt_subtest_f("xen-violation-%s", violations[i].kind)
			test_violation(violations[i].kind, violations[i].why);
	}
}
