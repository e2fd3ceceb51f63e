// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_subject.c - a throwaway IGT test for the harness self-test
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * One subtest per outcome the harness must report; selftest.c runs this
 * binary and checks what it prints and how it exits. It links vxf_helpers.c
 * too, to check that catching an expected fault leaves other faults to the
 * harness.
 */

#include <signal.h>
#include <sys/mman.h>

#include "igt.h"
#include "vxf_helpers.h"

static int fixture_value;

static void exit_handler(int sig)
{
	printf("exit handler ran, signal %d\n", sig);
	fflush(stdout);
}

/* As a thread still faulting gets SIGBUS when the handler kills its backend */
static void dying_exit_handler(int sig)
{
	(void)sig;
	raise(SIGBUS);
}

igt_main
{
	igt_fixture {
		fixture_value = 42;
		errno = EBUSY;	/* stale by the time a subtest fails */
	}

	igt_describe("Passes.");
	igt_subtest("pass")
		igt_assert_eq(fixture_value, 42);

	igt_describe("Fails.");
	igt_subtest("fail")
		igt_assert_eq(fixture_value, 41);

	igt_describe("Skips.");
	igt_subtest("skip")
		igt_require_f(fixture_value == 0, "no such feature\n");

	igt_describe("Crashes.");
	igt_subtest("crash")
		raise(SIGSEGV);

	igt_describe("Children that pass.");
	igt_subtest("fork-pass") {
		igt_fork(child, 3)
			igt_assert_lt(child, 3);
		igt_waitchildren();
	}

	igt_describe("A child that fails.");
	igt_subtest("fork-fail") {
		igt_fork(child, 3)
			igt_assert_neq(child, 1);
		igt_waitchildren();
		igt_info("not reached\n");
	}

	for (int i = 0; i < 2; i++) {
		igt_describe("Formatted names.");
		igt_subtest_f("formatted-%d", i)
			igt_assert(i < 2);
	}

	igt_describe("Hangs.");
	igt_subtest("hang")
		pause();

	igt_describe("Fails with the exit handler installed.");
	igt_subtest("exit-handler-fail") {
		igt_install_exit_handler(exit_handler);
		igt_assert(false);
	}

	igt_describe("Crashes with the exit handler installed.");
	igt_subtest("exit-handler-crash") {
		igt_install_exit_handler(exit_handler);
		raise(SIGSEGV);
	}

	igt_describe("Hangs with the exit handler installed.");
	igt_subtest("exit-handler-hang") {
		igt_install_exit_handler(exit_handler);
		pause();
	}

	igt_describe("Fails, then its exit handler dies of a signal.");
	igt_subtest("exit-handler-dies") {
		igt_install_exit_handler(dying_exit_handler);
		igt_assert(false);
	}

	igt_describe("Declares the kernel warnings it expects.");
	igt_subtest("ignore-regex")
		igt_emit_ignore_dmesg_regex("vxf[0-9]+: a warning [+]");

	igt_describe("Fails with errno set by the failing check.");
	igt_subtest("errno-set") {
		errno = EINVAL;
		igt_assert(false);
	}

	igt_describe("Runs in the binary's process group.");
	igt_subtest("same-pgrp")
		igt_assert_eq(getpgrp(), getpgid(getppid()));

	igt_describe("An expected fault is caught; the harness sees the next.");
	igt_subtest("fault-chained") {
		volatile uint64_t *p = mmap(NULL, 4096, PROT_NONE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t v;

		igt_install_exit_handler(exit_handler);
		igt_assert(p != MAP_FAILED);
		igt_assert(!vxf_try_read64(p, &v));
		igt_assert_eq(vxf_last_fault_signal(), SIGSEGV);
		igt_info("expected fault caught\n");
		v = *p;		/* not expected: a crash */
		igt_info("not reached %llu\n", (unsigned long long)v);
	}

	igt_subtest("undescribed")
		igt_assert(true);

	igt_fixture
		igt_skip("fixture skips the rest\n");

	igt_describe("Skipped by the fixture.");
	igt_subtest("after-skip")
		igt_assert(false);
}
