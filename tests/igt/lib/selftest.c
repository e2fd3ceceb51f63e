// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - checks the IGT-compatible harness against IGT's conventions
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Runs selftest_subject (next to this binary) with several options and
 * checks its output lines and exit codes. Exits 0 when all checks pass.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char subject[4096];
static int failures;

/* Run the subject with @args; return its exit code, output in @out. */
static int run(const char *args, const char *env, char *out, size_t len)
{
	char cmd[8192];
	size_t n = 0;
	FILE *p;
	int status;

	/* the build host's kernel log is not ours (@env may say otherwise) */
	snprintf(cmd, sizeof(cmd), "VXF_IGT_KMSG=/dev/null %s %s %s 2>&1",
		 env ? env : "", subject, args);
	p = popen(cmd, "r");
	if (!p) {
		perror("popen");
		exit(1);
	}
	while (n + 1 < len && fgets(out + n, len - n, p))
		n += strlen(out + n);
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check(bool ok, const char *what, const char *out)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok) {
		printf("---- output ----\n%s----------------\n", out);
		failures++;
	}
}

static bool has(const char *out, const char *line)
{
	return strstr(out, line) != NULL;
}

static void check_list(void)
{
	static char out[65536];
	int rc = run("--list-subtests", NULL, out, sizeof(out));

	check(rc == 0, "--list-subtests exits 0", out);
	check(strcmp(out, "pass\nfail\nskip\ncrash\nfork-pass\nfork-fail\n"
		      "formatted-0\nformatted-1\nhang\nexit-handler-fail\n"
		      "exit-handler-crash\nexit-handler-hang\n"
		      "exit-handler-dies\nignore-regex\nerrno-set\n"
		      "same-pgrp\nfault-chained\nundescribed\n"
		      "after-skip\n") == 0,
	      "--list-subtests lists every subtest, in order, nothing else",
	      out);
}

static void check_one(const char *name, const char *result, int code)
{
	static char out[65536];
	char args[256], line[256];
	int rc;

	snprintf(args, sizeof(args), "--run-subtest %s", name);
	rc = run(args, NULL, out, sizeof(out));
	snprintf(line, sizeof(line), "Starting subtest: %s\n", name);
	check(has(out, line), line, out);
	snprintf(line, sizeof(line), "Subtest %s: %s (", name, result);
	check(has(out, line), line, out);
	snprintf(line, sizeof(line), "%s exits %d", name, code);
	check(rc == code, line, out);
}

static void check_all(void)
{
	static char out[65536];
	int rc = run("--run-subtest 'pass,fail,skip,crash,fork-*,formatted-*,after-skip'",
		     NULL, out, sizeof(out));

	check(rc == 98, "a failing run exits 98", out);
	check(has(out, "Subtest pass: SUCCESS ("), "pass is SUCCESS", out);
	check(has(out, "Subtest fail: FAIL ("), "fail is FAIL", out);
	check(has(out, "Failed assertion: fixture_value == 41"),
	      "assertion text is printed", out);
	check(has(out, "error: 42 != 41"), "values are printed", out);
	check(has(out, "Subtest skip: SKIP ("), "skip is SKIP", out);
	check(has(out, "Test requirement: fixture_value == 0"),
	      "requirement text is printed", out);
	check(has(out, "Received signal SIGSEGV."), "signal is named", out);
	check(has(out, "Subtest crash: CRASH ("), "crash is CRASH", out);
	check(has(out, "Subtest fork-pass: SUCCESS ("), "fork-pass", out);
	check(has(out, "Subtest fork-fail: FAIL ("), "fork-fail", out);
	check(!has(out, "not reached"), "failed children stop the subtest",
	      out);
	check(has(out, "Subtest formatted-1: SUCCESS ("), "igt_subtest_f",
	      out);
	check(has(out, "Subtest after-skip: SKIP (0.000s)\n"),
	      "a skipping fixture skips later subtests, with a time", out);
	check(!has(out, "Last errno"),
	      "an errno older than the subtest is not printed", out);
	check(!has(out, "Starting subtest: hang"),
	      "--run-subtest selects", out);
}

static void check_timeout(void)
{
	static char out[65536];
	int rc = run("--run-subtest hang", "IGT_SUBTEST_TIMEOUT=1", out,
		     sizeof(out));

	check(rc == 98, "a hanging subtest fails the run", out);
	check(has(out, "Subtest hang: FAIL ("), "a hang is FAIL", out);
	check(has(out, "timed out"), "a hang says timed out", out);
}

static void check_unknown(void)
{
	static char out[65536];
	int rc = run("--run-subtest nosuch", NULL, out, sizeof(out));

	check(rc == 79, "an unknown subtest exits 79", out);
	rc = run("--run-subtest after-skip", NULL, out, sizeof(out));
	check(rc == 77, "only skipped subtests exit 77", out);
}

static void check_exit_handlers(void)
{
	static char out[65536];
	int rc;

	rc = run("--run-subtest exit-handler-fail", NULL, out, sizeof(out));
	check(rc == 98, "a failure with an exit handler exits 98", out);
	check(has(out, "exit handler ran, signal 0\n"),
	      "a failing subtest runs its exit handlers", out);
	check(has(out, "Subtest exit-handler-fail: FAIL ("), "and is FAIL",
	      out);

	rc = run("--run-subtest exit-handler-crash", NULL, out, sizeof(out));
	check(rc == 128 + 11, "a crash with an exit handler exits 139", out);
	check(has(out, "exit handler ran, signal 11\n"),
	      "a crash runs the exit handlers with its signal", out);
	check(has(out, "Subtest exit-handler-crash: CRASH ("),
	      "and is CRASH", out);

	rc = run("--run-subtest exit-handler-hang", "IGT_SUBTEST_TIMEOUT=1",
		 out, sizeof(out));
	check(rc == 98, "a hang with an exit handler exits 98", out);
	check(has(out, "exit handler ran, signal 15\n"),
	      "the watchdog's SIGTERM runs the exit handlers", out);

	rc = run("--run-subtest exit-handler-dies", NULL, out, sizeof(out));
	check(rc == 98 && has(out, "Subtest exit-handler-dies: FAIL ("),
	      "an exit handler dying after a failure leaves it a FAIL", out);
	check(has(out, "its exit handlers died of SIGBUS"),
	      "and says how they died", out);

	rc = run("--run-subtest same-pgrp", NULL, out, sizeof(out));
	check(rc == 0, "a subtest stays in the binary's process group", out);
}

/*
 * igt_runner's timeout: SIGQUIT to the binary's process group, here with
 * SIGQUIT inherited as ignored (as from a shell): the binary and its
 * subtest must die of it all the same, as IGT's do.
 */
static void check_sigquit_ignored(void)
{
	static char out[65536];
	size_t n = 0;
	int pipefd[2], status = 0, i;
	bool gone = false;
	ssize_t r;
	pid_t pid;

	if (pipe(pipefd)) {
		perror("pipe");
		exit(1);
	}
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGQUIT, SIG_IGN);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		setenv("VXF_IGT_KMSG", "/dev/null", 1);
		alarm(60);	/* a bound, should SIGQUIT not end it */
		execl(subject, subject, "--run-subtest", "hang", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (n + 1 < sizeof(out) && !strstr(out, "Starting subtest: hang")) {
		r = read(pipefd[0], out + n, sizeof(out) - 1 - n);
		if (r <= 0)
			break;
		n += r;
		out[n] = '\0';
	}
	kill(-pid, SIGQUIT);
	while ((r = read(pipefd[0], out + n, sizeof(out) - 1 - n)) > 0) {
		n += r;
		out[n] = '\0';
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	/* the subtest's child, in the same group, goes too */
	for (i = 0; i < 500 && !gone; i++) {
		gone = kill(-pid, 0) && errno == ESRCH;
		if (!gone)
			usleep(10000);
	}
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT,
	      "SIGQUIT ends the binary, even inherited as ignored", out);
	check(has(out, "Received signal SIGQUIT."), "and is named", out);
	check(gone, "and its subtest's process", out);
	if (!gone)
		kill(-pid, SIGKILL);
}

static void check_fault_chaining(void)
{
	static char out[65536];
	int rc = run("--run-subtest fault-chained", NULL, out, sizeof(out));

	check(has(out, "expected fault caught\n"),
	      "vxf_try_read64() catches the fault it expects", out);
	check(rc == 128 + 11 && has(out, "Subtest fault-chained: CRASH ("),
	      "a fault nobody expects is a CRASH", out);
	check(has(out, "exit handler ran, signal 11\n"),
	      "a fault nobody expects reaches the harness's handler", out);
	check(!has(out, "not reached"), "the faulting access goes no further",
	      out);
}

static void check_errno(void)
{
	static char out[65536];
	int rc = run("--run-subtest errno-set", NULL, out, sizeof(out));

	check(rc == 98 && has(out, "Last errno: 22, Invalid argument"),
	      "errno set before the failing check is printed", out);
	rc = run("--run-subtest fail", NULL, out, sizeof(out));
	check(rc == 98 && !has(out, "Last errno"),
	      "an errno from before the subtest is not printed", out);
}

static void check_patterns(void)
{
	static char out[65536];
	int rc;

	rc = run("--run-subtest 'fork-*,!fork-fail'", NULL, out, sizeof(out));
	check(rc == 0 && has(out, "Subtest fork-pass: SUCCESS (") &&
	      !has(out, "Starting subtest: fork-fail"),
	      "'fork-*,!fork-fail' runs fork-pass only", out);
	rc = run("--run-subtest 'formatted-[01],pass'", NULL, out,
		 sizeof(out));
	check(rc == 0 && has(out, "Subtest formatted-1: SUCCESS (") &&
	      has(out, "Subtest pass: SUCCESS ("),
	      "a comma list with a bracket glob", out);
	rc = run("--run-subtest '!pass'", NULL, out, sizeof(out));
	check(rc == 79, "a lone negation selects nothing (79, as IGT)", out);
	rc = run("--list-subtests --run-subtest 'f*,!fork-*,!fault*'", NULL,
		 out, sizeof(out));
	check(rc == 0 && !strcmp(out, "fail\nformatted-0\nformatted-1\n"),
	      "--list-subtests lists what a pattern selects", out);
}

static void check_kmsg(void)
{
	static char out[65536], log[8192];
	char env[256], path[] = "/tmp/vxf-igt-kmsg-XXXXXX";
	int fd = mkstemp(path), rc;
	ssize_t n;

	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	snprintf(env, sizeof(env), "VXF_IGT_KMSG=%s", path);
	rc = run("--run-subtest 'pass,skip,ignore-regex'", env, out,
		 sizeof(out));
	n = read(fd, log, sizeof(log) - 1);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	check(rc == 0, "pass,skip,ignore-regex exits 0", out);
	check(!strcmp(log,
		      "<6>[IGT] selftest_subject: executing\n"
		      "<6>[IGT] selftest_subject: starting subtest pass\n"
		      "<6>[IGT] selftest_subject: finished subtest pass, SUCCESS\n"
		      "<6>[IGT] selftest_subject: starting subtest skip\n"
		      "<6>[IGT] selftest_subject: finished subtest skip, SKIP\n"
		      "<6>[IGT] selftest_subject: starting subtest ignore-regex\n"
		      "<6>[IGT] add ignored dmesg regex: vxf[0-9]+: a warning [+]\n"
		      "<6>[IGT] selftest_subject: finished subtest ignore-regex, SUCCESS\n"
		      "<6>[IGT] selftest_subject: exiting, ret=0\n"),
	      "the kernel log gets IGT's lines", log);
	check(!strncmp(out, "IGT-Version: vxf-harness-", 25),
	      "the output starts with IGT-Version", out);
}

static void check_hook(void)
{
	static char out[65536];
	int rc;

	rc = run("--run-subtest pass --hook 'post-subtest,post-test:echo "
		 "HOOK $IGT_HOOK_EVENT $IGT_HOOK_TEST_FULLNAME "
		 "$IGT_HOOK_RESULT' --hook 'pre-subtest:echo PRE "
		 "$IGT_HOOK_SUBTEST'", NULL, out, sizeof(out));
	check(rc == 0, "--hook is accepted", out);
	check(has(out, "PRE pass\n"), "pre-subtest hook", out);
	check(has(out, "HOOK post-subtest igt@selftest_subject@pass "
		  "SUCCESS\n"), "post-subtest hook", out);
	check(has(out, "HOOK post-test igt@selftest_subject SUCCESS\n"),
	      "post-test hook", out);
	rc = run("--run-subtest pass --hook 'nosuch:true'", NULL, out,
		 sizeof(out));
	check(rc == 79, "a hook with an unknown event exits 79", out);
}

static void check_describe(void)
{
	static char out[65536];
	int rc = run("--describe", NULL, out, sizeof(out));

	check(rc == 0, "--describe exits 0", out);
	check(has(out, "SUB pass lib/selftest_subject.c:") &&
	      has(out, ":\n  Passes.\n"), "--describe shows a description",
	      out);
	check(has(out, "SUB undescribed ") &&
	      has(out, ":\n  NO DOCUMENTATION!\n"),
	      "--describe shows a subtest without one", out);
	check(!has(out, "Starting subtest"), "--describe runs nothing", out);
}

int main(int argc, char **argv)
{
	char *slash;

	(void)argc;
	snprintf(subject, sizeof(subject), "%s", argv[0]);
	slash = strrchr(subject, '/');
	snprintf(slash ? slash + 1 : subject,
		 sizeof(subject) - (slash ? slash + 1 - subject : 0),
		 "selftest_subject");

	check_list();
	check_one("pass", "SUCCESS", 0);
	check_one("fail", "FAIL", 98);
	check_one("skip", "SKIP", 77);
	check_one("crash", "CRASH", 128 + 11);
	check_all();
	check_timeout();
	check_unknown();
	check_exit_handlers();
	check_sigquit_ignored();
	check_fault_chaining();
	check_errno();
	check_patterns();
	check_kmsg();
	check_hook();
	check_describe();

	printf("%s: %d check(s) failed\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}
