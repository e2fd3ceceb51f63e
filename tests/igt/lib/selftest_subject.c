// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_subject.c - a throwaway IGT test for the harness self-test
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * One subtest per outcome the harness must report; selftest.c runs this
 * binary and checks what it prints and how it exits.
 */

#include <signal.h>

#include "igt.h"

static int fixture_value;

igt_main
{
	igt_fixture
		fixture_value = 42;

	igt_subtest("pass")
		igt_assert_eq(fixture_value, 42);

	igt_subtest("fail")
		igt_assert_eq(fixture_value, 41);

	igt_subtest("skip")
		igt_require_f(fixture_value == 0, "no such feature\n");

	igt_subtest("crash")
		raise(SIGSEGV);

	igt_subtest("fork-pass") {
		igt_fork(child, 3)
			igt_assert_lt(child, 3);
		igt_waitchildren();
	}

	igt_subtest("fork-fail") {
		igt_fork(child, 3)
			igt_assert_neq(child, 1);
		igt_waitchildren();
		igt_info("not reached\n");
	}

	for (int i = 0; i < 2; i++)
		igt_subtest_f("formatted-%d", i)
			igt_assert(i < 2);

	igt_subtest("hang")
		pause();

	igt_fixture
		igt_skip("fixture skips the rest\n");

	igt_subtest("after-skip")
		igt_assert(false);
}
