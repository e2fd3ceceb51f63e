// SPDX-License-Identifier: GPL-2.0
/*
 * igt_core.c - the core of the small IGT-compatible harness (see igt.h)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The main process parses the options, runs fixtures and, for each selected
 * subtest, forks a child that runs the body. The child's exit status is the
 * subtest's result: IGT_EXIT_SUCCESS, IGT_EXIT_SKIP, IGT_EXIT_FAILURE, or
 * death by a signal (CRASH). The parent watches the child with a timeout and
 * kills its process group when it expires.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "igt.h"

#define IGT_DEFAULT_TIMEOUT_S	60
#define IGT_MAX_CHILDREN	256

sigjmp_buf igt_fixture_jmpbuf;

static const char *command_name;
static const char *run_pattern;		/* --run-subtest, NULL for all */
static bool list_only;
static bool debug_log;
static bool run_pattern_found;

static bool in_fixture;
static bool in_subtest;			/* true in a subtest's child */
static bool test_child;			/* true in an igt_fork child */
static const char *subtest_name;

/* Results seen in the main process. */
static int skip_henceforth;		/* IGT_EXIT_SKIP after a fixture skip */
static int nr_success, nr_skip, nr_fail;
static int first_fail_code;		/* exit code of the first failure */

static pid_t children[IGT_MAX_CHILDREN];
static int nr_children;

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --run-subtest <pattern>[,<pattern>...]\n"
		"  --debug\n"
		"  --help\n", command_name);
}

/**
 * igt_subtest_init - parse the command line of a test binary
 * @argc: from main
 * @argv: from main
 */
void igt_subtest_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, 'l' },
		{ "run-subtest", required_argument, NULL, 'r' },
		{ "debug", optional_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	command_name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
		       argv[0];
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			list_only = true;
			break;
		case 'r':
			run_pattern = optarg;
			break;
		case 'd':
			debug_log = true;
			break;
		case 'h':
			usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		default:
			usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

bool igt_only_list_subtests(void)
{
	return list_only;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double igt_time_elapsed(struct timespec *then, struct timespec *now)
{
	if (then->tv_sec == 0 && then->tv_nsec == 0)
		return -1;
	return (now->tv_sec - then->tv_sec) +
	       (now->tv_nsec - then->tv_nsec) / 1e9;
}

/**
 * igt_seconds_elapsed - seconds since *@start, which is set on first use
 * @start: zero-initialised the first time
 */
double igt_seconds_elapsed(struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (start->tv_sec == 0 && start->tv_nsec == 0) {
		*start = now;
		return 0;
	}
	return igt_time_elapsed(start, &now);
}

void igt_log(const char *domain, enum igt_log_level level, const char *fmt, ...)
{
	va_list ap;
	FILE *f = level >= IGT_LOG_WARN ? stderr : stdout;

	(void)domain;
	if (level == IGT_LOG_DEBUG && !debug_log)
		return;
	if (level >= IGT_LOG_WARN) {
		fflush(stdout);
		fprintf(f, "(%s:%d) %s: ", command_name, getpid(),
			level == IGT_LOG_WARN ? "WARNING" : "CRITICAL");
	} else if (level == IGT_LOG_DEBUG) {
		fprintf(f, "(%s:%d) DEBUG: ", command_name, getpid());
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fflush(f);
}

void igt_describe_f(const char *fmt, ...)
{
	(void)fmt;	/* documentation only; IGT prints it with --describe */
}

/* ---- fixtures -------------------------------------------------------- */

bool __igt_fixture(void)
{
	if (in_subtest)		/* a subtest body fell out of its block */
		__igt_subtest_done();
	if (list_only || skip_henceforth)
		return false;
	in_fixture = true;
	return true;
}

void __igt_fixture_end(void)
{
	in_fixture = false;
}

/* ---- subtests -------------------------------------------------------- */

static bool subtest_selected(const char *name)
{
	char *list, *tok, *save;
	bool match = false;

	if (!run_pattern)
		return true;
	list = strdup(run_pattern);
	for (tok = strtok_r(list, ",", &save); tok && !match;
	     tok = strtok_r(NULL, ",", &save))
		match = fnmatch(tok, name, 0) == 0;
	free(list);
	return match;
}

static int subtest_timeout(void)
{
	const char *env = getenv("IGT_SUBTEST_TIMEOUT");
	int t = env ? atoi(env) : 0;

	return t > 0 ? t : IGT_DEFAULT_TIMEOUT_S;
}

static void report(const char *name, const char *result, double t0)
{
	printf("Subtest %s: %s (%.3fs)\n", name, result, now_s() - t0);
	fflush(stdout);
}

/*
 * Wait for the subtest child; kill its process group when the timeout
 * expires. Returns the wait status, or -1 after a timeout.
 */
static int wait_subtest(pid_t pid)
{
	double deadline = now_s() + subtest_timeout();
	const struct timespec tick = { 0, 2 * 1000 * 1000 };
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_s() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			/* A task stuck in the kernel may never die: give up. */
			for (int i = 0; i < 2500; i++) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					break;
				nanosleep(&tick, NULL);
			}
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	/* Leftovers of the subtest (forked children, helpers) go too. */
	kill(-pid, SIGKILL);
	return status;
}

static void run_in_parent(const char *name, pid_t pid, double t0)
{
	int status = wait_subtest(pid);

	if (status == -1) {
		fprintf(stderr, "Subtest %s timed out after %ds, killed\n",
			name, subtest_timeout());
		nr_fail++;
		report(name, "FAIL", t0);
	} else if (WIFSIGNALED(status)) {
		const char *sig = sigabbrev_np(WTERMSIG(status));

		printf("Received signal SIG%s.\n", sig ? sig : "?");
		/* IGT exits with 128 + signal when a crash came first. */
		if (!nr_fail++)
			first_fail_code = 128 + WTERMSIG(status);
		report(name, "CRASH", t0);
	} else if (WEXITSTATUS(status) == IGT_EXIT_SUCCESS) {
		nr_success++;
		report(name, "SUCCESS", t0);
	} else if (WEXITSTATUS(status) == IGT_EXIT_SKIP) {
		nr_skip++;
		report(name, "SKIP", t0);
	} else {
		if (WEXITSTATUS(status) != IGT_EXIT_FAILURE)
			fprintf(stderr, "Subtest %s exited with %d\n", name,
				WEXITSTATUS(status));
		nr_fail++;
		report(name, "FAIL", t0);
	}
}

/**
 * __igt_run_subtest - start subtest @name if it is selected
 * @name: subtest name
 *
 * Returns true in the child that runs the body, false in the main process.
 */
bool __igt_run_subtest(const char *name)
{
	double t0;
	pid_t pid;

	if (in_subtest)
		__igt_subtest_done();
	if (list_only) {
		printf("%s\n", name);
		return false;
	}
	if (!subtest_selected(name))
		return false;
	run_pattern_found = true;
	if (skip_henceforth) {
		nr_skip++;
		printf("Subtest %s: SKIP\n", name);
		return false;
	}

	printf("Starting subtest: %s\n", name);
	fflush(stdout);
	fflush(stderr);
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		nr_fail++;
		report(name, "FAIL", t0);
		return false;
	}
	if (pid == 0) {
		setpgid(0, 0);
		in_subtest = true;
		subtest_name = strdup(name);
		return true;
	}
	setpgid(pid, pid);
	run_in_parent(name, pid, t0);
	return false;
}

/* The body of a subtest completed: the child reports success. */
void __igt_subtest_done(void)
{
	igt_waitchildren();
	fflush(stdout);
	exit(IGT_EXIT_SUCCESS);
}

/* ---- results --------------------------------------------------------- */

void igt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);

	if (test_child) {
		fprintf(stderr, "igt_skip in an igt_fork child is a failure\n");
		exit(IGT_EXIT_FAILURE);
	}
	if (in_subtest)
		exit(IGT_EXIT_SKIP);
	if (in_fixture) {
		skip_henceforth = IGT_EXIT_SKIP;
		in_fixture = false;
		siglongjmp(igt_fixture_jmpbuf, 1);
	}
	exit(IGT_EXIT_SKIP);	/* a test without subtests */
}

void __igt_skip_check(const char *file, int line, const char *func,
		      const char *check, const char *fmt, ...)
{
	char msg[1024] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	igt_skip("Test requirement not met in function %s, file %s:%i:\n"
		 "Test requirement: %s\n%s%s", func, file, line, check, msg,
		 fmt && msg[0] && msg[strlen(msg) - 1] != '\n' ? "\n" : "");
}

void igt_fail(int exitcode)
{
	fflush(stdout);
	fflush(stderr);
	if (test_child || in_subtest)
		exit(exitcode);
	/* A failed fixture (or a test without subtests) ends the binary. */
	exit(IGT_EXIT_FAILURE);
}

void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *assertion, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fflush(stdout);
	fprintf(stderr, "(%s:%d) CRITICAL: Test assertion failure function %s, "
		"file %s:%i:\n", command_name, getpid(), func, file, line);
	fprintf(stderr, "(%s:%d) CRITICAL: Failed assertion: %s\n",
		command_name, getpid(), assertion);
	if (err)
		fprintf(stderr, "(%s:%d) CRITICAL: Last errno: %i, %s\n",
			command_name, getpid(), err, strerror(err));
	if (fmt) {
		fprintf(stderr, "(%s:%d) CRITICAL: ", command_name, getpid());
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	if (in_subtest && !test_child)
		fprintf(stderr, "Subtest %s failed.\n", subtest_name);
	igt_fail(IGT_EXIT_FAILURE);
}

/* ---- forked children ------------------------------------------------- */

/**
 * __igt_fork - fork one igt_fork() child
 *
 * Returns true in the child, false in the parent.
 */
bool __igt_fork(void)
{
	pid_t pid;

	if (test_child)
		return false;	/* the child's exit(0) ends its loop */
	if (nr_children == IGT_MAX_CHILDREN) {
		fprintf(stderr, "too many igt_fork children\n");
		igt_fail(IGT_EXIT_FAILURE);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		igt_fail(IGT_EXIT_FAILURE);
	}
	if (pid == 0) {
		test_child = true;
		nr_children = 0;
		return true;
	}
	children[nr_children++] = pid;
	return false;
}

/**
 * igt_waitchildren - wait for all igt_fork() children
 *
 * A child that failed or died by a signal fails the caller.
 */
void igt_waitchildren(void)
{
	bool failed = false;
	int i;

	for (i = 0; i < nr_children; i++) {
		int status;

		while (waitpid(children[i], &status, 0) < 0) {
			if (errno != EINTR) {
				status = 0;
				break;
			}
		}
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "child %d died with signal %d, %s\n",
				i, WTERMSIG(status),
				strsignal(WTERMSIG(status)));
			failed = true;
		} else if (WEXITSTATUS(status) != 0) {
			fprintf(stderr, "child %d failed with exit status %d\n",
				i, WEXITSTATUS(status));
			failed = true;
		}
	}
	nr_children = 0;
	if (failed)
		igt_fail(IGT_EXIT_FAILURE);
}

/* ---- the end --------------------------------------------------------- */

/**
 * igt_exit - leave the binary with IGT's exit code for what ran
 */
void igt_exit(void)
{
	if (in_subtest)
		__igt_subtest_done();
	fflush(stdout);
	if (list_only)
		exit(IGT_EXIT_SUCCESS);
	if (run_pattern && !run_pattern_found) {
		fprintf(stderr, "Unknown subtest: %s\n", run_pattern);
		exit(IGT_EXIT_INVALID);
	}
	if (nr_fail)
		exit(first_fail_code ? first_fail_code : IGT_EXIT_FAILURE);
	if (nr_success)
		exit(IGT_EXIT_SUCCESS);
	if (nr_skip || skip_henceforth)
		exit(IGT_EXIT_SKIP);
	exit(IGT_EXIT_SUCCESS);
}
