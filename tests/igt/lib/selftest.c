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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char subject[4096];
static int failures;

/* Run the subject with @args; return its exit code, output in @out. */
static int run(const char *args, const char *env, char *out, size_t len)
{
	char cmd[8192];
	size_t n = 0;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", env ? env : "", subject,
		 args);
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
		      "formatted-0\nformatted-1\nhang\nafter-skip\n") == 0,
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
	check(has(out, "Subtest after-skip: SKIP\n"),
	      "a skipping fixture skips later subtests", out);
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

	printf("%s: %d check(s) failed\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}
