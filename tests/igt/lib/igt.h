/* SPDX-License-Identifier: MIT */
/*
 * igt.h - a small IGT-compatible test harness
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Debian ships no IGT headers, so the vxf tests build against this subset of
 * IGT's API (lib/igt_core.h) by default, and against a real IGT tree when
 * IGT_DIR is set (see ../Makefile). Tests must use only names that exist in
 * real IGT with the same meaning.
 *
 * Semantics follow IGT: igt_main parses --list-subtests and --run-subtest,
 * igt_fixture blocks run in the main process and a skip there skips every
 * later subtest, igt_fork children are processes whose failure fails the
 * subtest, the output lines and exit codes are IGT's.
 *
 * Deviation: each igt_subtest body runs in a forked child process (IGT uses
 * setjmp in the same process), in the binary's process group. State a
 * subtest changes is therefore lost at its end, a crash is reported as CRASH
 * without killing the binary, and a watchdog in the parent stops a subtest
 * that runs longer than IGT_SUBTEST_TIMEOUT seconds (environment, default
 * 60: SIGTERM, then SIGKILL) and reports FAIL. Exit handlers installed in a
 * subtest run when its child process ends; the child starts with none of the
 * main process's (igt_fork() children start with none either, as in IGT).
 */

#ifndef VXF_IGT_H
#define VXF_IGT_H

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_TIMEOUT	78
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

extern sigjmp_buf igt_fixture_jmpbuf;

void igt_subtest_init(int argc, char **argv);
void igt_exit(void) __attribute__((noreturn));
bool igt_only_list_subtests(void);
const char *igt_subtest_name(void);

bool __igt_fixture(void);
void __igt_fixture_end(void);
bool __igt_run_subtest(const char *name, const char *file, int line);
void __igt_subtest_done(void) __attribute__((noreturn));
bool __igt_fork(void);
void igt_waitchildren(void);

void igt_describe_f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_emit_ignore_dmesg_regex(const char *regex);

/**
 * igt_exit_handler_t - an exit handler
 * @sig: the signal that ends the process, 0 for a plain exit
 */
typedef void (*igt_exit_handler_t)(int sig);

void igt_install_exit_handler(igt_exit_handler_t fn);
void igt_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void __igt_skip_check(const char *file, int line, const char *func,
		      const char *check, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 5, 6)));
void igt_fail(int exitcode) __attribute__((noreturn));
void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *assertion, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 5, 6)));

enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
};

void igt_log(const char *domain, enum igt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define igt_debug(f...) igt_log(NULL, IGT_LOG_DEBUG, f)
#define igt_info(f...) igt_log(NULL, IGT_LOG_INFO, f)
#define igt_warn(f...) igt_log(NULL, IGT_LOG_WARN, f)
#define igt_critical(f...) igt_log(NULL, IGT_LOG_CRITICAL, f)

double igt_time_elapsed(struct timespec *then, struct timespec *now);
double igt_seconds_elapsed(struct timespec *start);

#define igt_tokencat2(x, y) x ## y
#define igt_tokencat(x, y) igt_tokencat2(x, y)
#define __igt_unique(prefix) igt_tokencat(prefix, __LINE__)

/**
 * igt_main - the main function of a test binary with subtests
 */
#define igt_main \
	static void __igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init(argc, argv); \
		__igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void __igt_unique(__real_main)(void)

/**
 * igt_fixture - setup or teardown code shared by the subtests around it
 *
 * Runs in the main process, never when only listing subtests. A skip in it
 * skips all later subtests, a failure ends the binary.
 */
#define igt_fixture \
	for (volatile int __fixture_once = 0; \
	     __fixture_once < 1 && __igt_fixture() && \
	     (sigsetjmp(igt_fixture_jmpbuf, 1) == 0); \
	     __fixture_once++, __igt_fixture_end())

/**
 * igt_subtest - a named subtest; the block runs in a child process
 */
#define igt_subtest(name) \
	for (bool __subtest_run = __igt_run_subtest(name, __FILE__, __LINE__); \
	     __subtest_run; \
	     __subtest_run = false, __igt_subtest_done())

#define igt_subtest_f(f...) \
	for (char *__subtest_name = NULL; \
	     (__subtest_name == NULL && \
	      asprintf(&__subtest_name, f) >= 0) ? true : \
	      (free(__subtest_name), false);) \
		igt_subtest(__subtest_name)

#define igt_describe(d) igt_describe_f("%s", d)

/**
 * igt_fork - run the block in @num_children child processes
 *
 * @child is the index of the child. Wait with igt_waitchildren(): a failed
 * or crashed child fails the subtest.
 */
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))

#define igt_until_timeout(timeout) \
	for (struct timespec t__ = {}; igt_seconds_elapsed(&t__) < (timeout); )

/* ---- requirements and assertions ----------------------------------- */

#define igt_require(expr) do { \
	if (!(expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL); \
} while (0)

#define igt_require_f(expr, f...) do { \
	if (!(expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, #expr, f); \
} while (0)

#define igt_skip_on(expr) do { \
	if ((expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, \
				 "!(" #expr ")", NULL); \
} while (0)

#define igt_skip_on_f(expr, f...) do { \
	if ((expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, \
				 "!(" #expr ")", f); \
} while (0)

#define igt_assert(expr) do { \
	if (!(expr)) \
		__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, NULL); \
} while (0)

#define igt_assert_f(expr, f...) do { \
	if (!(expr)) \
		__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, f); \
} while (0)

#define igt_fail_on(expr) igt_assert(!(expr))
#define igt_fail_on_f(expr, f...) igt_assert_f(!(expr), f)

#define igt_assert_cmptype(type, fmt, n1, cmp, ncmp, n2) do { \
	type __n1 = (n1), __n2 = (n2); \
	if (!(__n1 cmp __n2)) \
		__igt_fail_assert(__FILE__, __LINE__, __func__, \
				  #n1 " " #cmp " " #n2, \
				  "error: " fmt " " #ncmp " " fmt "\n", \
				  __n1, __n2); \
} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	igt_assert_cmptype(int, "%d", n1, cmp, ncmp, n2)
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	igt_assert_cmptype(unsigned int, "%#x", n1, cmp, ncmp, n2)
#define igt_assert_cmps64(n1, cmp, ncmp, n2) \
	igt_assert_cmptype(long long, "%lld", n1, cmp, ncmp, n2)
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	igt_assert_cmptype(unsigned long long, "%#llx", n1, cmp, ncmp, n2)

#define igt_assert_eq(n1, n2) igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2) igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lt(n1, n2) igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_lte(n1, n2) igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_eq_u32(n1, n2) igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_eq_u64(n1, n2) igt_assert_cmpu64(n1, ==, !=, n2)
#define igt_assert_neq_u64(n1, n2) igt_assert_cmpu64(n1, !=, ==, n2)
#define igt_assert_lt_u64(n1, n2) igt_assert_cmpu64(n1, <, >=, n2)
#define igt_assert_lte_u64(n1, n2) igt_assert_cmpu64(n1, <=, >, n2)
#define igt_assert_lt_s64(n1, n2) igt_assert_cmps64(n1, <, >=, n2)
#define igt_assert_lte_s64(n1, n2) igt_assert_cmps64(n1, <=, >, n2)

#endif /* VXF_IGT_H */
