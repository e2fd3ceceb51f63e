// SPDX-License-Identifier: GPL-2.0
/*
 * runner_probe.c - subtests whose result igt_runner must report as known
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * scripts/igt-runner.sh runs these under IGT's own igt_runner, beside
 * subtests of the vxf_* suites, and checks the verdict the runner gives
 * each: pass, skip, fail, crash, dmesg-warn, pass again for a warning the
 * subtest declares with igt_emit_ignore_dmesg_regex(), and timeout. Some
 * fail on purpose, so this is no vxf_* suite: no VM run of the suites
 * takes it. The subtests that fail or time out do so with a backend
 * running and a thread waiting in a fault on its window, the state a real
 * failure or hang leaves: after the runner is done, nothing of them may be
 * left running.
 */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_helpers.h"

#define INJECT_MAP	"/sys/module/virtio_xen_fault/parameters/inject_map"

static struct vxf_backend be;
static volatile uint64_t *map;
static int fd = -1;

/* An exit handler: what a subtest started must not outlive it. */
static void stop_backend(int sig)
{
	(void)sig;
	vxf_children_kill();
}

/* A backend with @pages pages and @args, and its whole window mapped. */
static void start(const char *pages, const char *const *args)
{
	const char *argv[16] = { "--pages", pages, "--map-pages", "1",
				 "--quiet" };
	unsigned int n = 5;
	int ret;

	while (*args && n < ARRAY_SIZE(argv) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	igt_install_exit_handler(stop_backend);
	ret = vxf_backend_startv(&be, argv);
	igt_require_f(ret != -EOPNOTSUPP, "%s\n", vxf_backend_last_error());
	igt_assert_f(ret == 0, "%s\n", vxf_backend_last_error());
	fd = vxf_open(&be);
	igt_assert_f(fd >= 0, "open %s: %s\n", be.dev, strerror(errno));
	map = vxf_map(fd, 0, be.pages, PROT_READ | PROT_WRITE);
	igt_assert_f(map != MAP_FAILED, "mmap %s: %s\n", be.dev,
		     strerror(errno));
}

static void stop(void)
{
	munmap((void *)map, be.pages * VXF_PAGE_SIZE);
	close(fd);
	igt_assert_eq(vxf_backend_stop(&be), 0);
}

static void *reader(void *arg)
{
	uint64_t v;

	(void)arg;
	vxf_try_read64(map, &v);
	return NULL;
}

static bool fault_arrived(void *arg)
{
	struct vxf_stats st;

	(void)arg;
	return vxf_stats(fd, &st) == 0 && st.faults > 0;
}

/*
 * A backend that never answers, with a fault timeout of 10 minutes, and a
 * thread waiting in a fault on page 0 of its window.
 */
static void start_stuck_fault(void)
{
	pthread_t t;

	start("4", (const char *const[]){ "--no-answer", "--timeout-ms",
					  "600000", NULL });
	igt_assert_eq(pthread_create(&t, NULL, reader, NULL), 0);
	igt_assert_f(vxf_wait_for(fault_arrived, NULL, 10000) == 0,
		     "the reader's fault never reached the driver\n");
}

static void set_inject_map(void)
{
	FILE *f = fopen(INJECT_MAP, "w");

	igt_require_f(f, "%s: %s\n", INJECT_MAP, strerror(errno));
	igt_assert(fprintf(f, "1\n") > 0);
	igt_assert_eq(fclose(f), 0);
}

/* The driver warns of the unusable page references an injection makes. */
static void provoke_driver_warning(void)
{
	uint64_t v;

	igt_require_f(access(INJECT_MAP, W_OK) == 0,
		      "no %s (driver built without its test hooks?)\n",
		      INJECT_MAP);
	start("4", (const char *const[]){ NULL });
	set_inject_map();
	igt_assert(!vxf_try_read64(map + VXF_WORDS_PER_PAGE, &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	stop();
}

igt_main
{
	igt_fixture {
		igt_require_f(vxf_backend_available(), "no backend at %s\n",
			      vxf_backend_path());
		igt_require_f(!vxf_xen_mode(), "loop mode only\n");
		igt_require_f(access("/dev/vxf-loop", R_OK | W_OK) == 0,
			      "no /dev/vxf-loop: test module not loaded?\n");
	}

	igt_describe("Passes: a fault on a fresh window shows the backend's "
		     "pattern.");
	igt_subtest("pass") {
		uint64_t v = 0;

		start("4", (const char *const[]){ NULL });
		igt_assert(vxf_try_read64(map, &v));
		igt_assert_eq_u64(v, vxf_pattern(0));
		stop();
	}

	igt_describe("Skips, on purpose.");
	igt_subtest("skip")
		igt_require_f(false, "a skip on purpose\n");

	igt_describe("Fails on purpose, with a backend running and a thread "
		     "waiting in a fault: none of them may be left behind.");
	igt_subtest("fail") {
		start_stuck_fault();
		igt_assert_f(false, "a failure on purpose\n");
	}

	igt_describe("Crashes on purpose: a write through a null pointer.");
	igt_subtest("crash") {
		volatile uintptr_t addr = 0;

		*(volatile int *)addr = 1;
	}

	igt_describe("Passes, but the driver warns in the kernel log "
		     "(an injected failure): igt_runner's verdict is "
		     "dmesg-warn.");
	igt_subtest("dmesg-warn")
		provoke_driver_warning();

	igt_describe("The same warning, declared first with "
		     "igt_emit_ignore_dmesg_regex(): the verdict stays pass.");
	igt_subtest("dmesg-warn-ignored") {
		igt_emit_ignore_dmesg_regex(VXF_DMESG_BAD_BACKEND);
		provoke_driver_warning();
	}

	igt_describe("Never ends: a thread waits in a fault the backend never "
		     "answers, the subtest waits for it. igt_runner's timeout "
		     "must stop all of it.");
	igt_subtest("timeout") {
		start_stuck_fault();
		igt_info("waiting for igt_runner's per-test timeout\n");
		for (;;)
			pause();
	}
}
