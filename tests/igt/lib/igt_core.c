// SPDX-License-Identifier: GPL-2.0
/*
 * igt_core.c - the core of the small IGT-compatible harness (see igt.h)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The main process parses the options, runs fixtures and, for each selected
 * subtest, forks a child that runs the body. The child's exit status is the
 * subtest's result: IGT_EXIT_SUCCESS, IGT_EXIT_SKIP, IGT_EXIT_FAILURE, or
 * death by a signal (CRASH). The child stays in the binary's process group,
 * so that igt_runner's kill of that group reaches it and whatever it
 * started; the parent watches it with a timeout and stops it (SIGTERM, which
 * runs its exit handlers, then SIGKILL) when that expires.
 *
 * As IGT does, the binary writes "[IGT] <binary>: ..." lines to /dev/kmsg
 * (or to $VXF_IGT_KMSG, for the self-test) when it starts, when each
 * subtest starts and finishes and when it exits, and runs --hook commands.
 * Its first line of output, "IGT-Version: ...", is the one igt_runner
 * records as the test's igt-version.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "igt.h"

#define IGT_DEFAULT_TIMEOUT_S	60
#define IGT_TERM_GRACE_S	5
#define IGT_MAX_CHILDREN	256
#define IGT_MAX_EXIT_HANDLERS	10
#define IGT_MAX_HOOKS		8
#define IGT_KMSG_INFO		"<6>[IGT] "

#ifndef VXF_VERSION
#define VXF_VERSION		"unknown"
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

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

static bool describe_only;		/* --describe */
static char description[4096];		/* igt_describe() of the next subtest */

/* --hook [<events>:]<cmd>: IGT's events, without the dynamic ones */
enum hook_event {
	HOOK_PRE_TEST,
	HOOK_PRE_SUBTEST,
	HOOK_PRE_DYN_SUBTEST,		/* accepted, never happens here */
	HOOK_POST_DYN_SUBTEST,		/* accepted, never happens here */
	HOOK_POST_SUBTEST,
	HOOK_POST_TEST,
	HOOK_POST_KMOD_UNBIND,		/* accepted, never happens here */
	HOOK_NR_EVENTS,
};

static const char *const hook_event_names[] = {
	[HOOK_PRE_TEST] = "pre-test",
	[HOOK_PRE_SUBTEST] = "pre-subtest",
	[HOOK_PRE_DYN_SUBTEST] = "pre-dyn-subtest",
	[HOOK_POST_DYN_SUBTEST] = "post-dyn-subtest",
	[HOOK_POST_SUBTEST] = "post-subtest",
	[HOOK_POST_TEST] = "post-test",
	[HOOK_POST_KMOD_UNBIND] = "post-kmod-unbind",
};

static struct hook {
	unsigned int events;		/* 1 << enum hook_event */
	const char *cmd;
} hooks[IGT_MAX_HOOKS];
static int nr_hooks;

static igt_exit_handler_t exit_handlers[IGT_MAX_EXIT_HANDLERS];
static int nr_exit_handlers;
static bool exit_handlers_armed;	/* signal handlers and atexit set */
static bool in_atexit_handler;

/* Results seen in the main process. */
static int skip_henceforth;		/* IGT_EXIT_SKIP after a fixture skip */
static int nr_success, nr_skip, nr_fail;
static int first_fail_code;		/* exit code of the first failure */

static pid_t children[IGT_MAX_CHILDREN];
static int nr_children;

static void arm_exit_handlers(void);

/*
 * In a subtest's child, the write end of a pipe to the main process: the
 * child's result, written when it is decided, before the exit handlers
 * run. If they then die of a signal (a thread still in a fault gets
 * SIGBUS once they kill the backend, and they run with the default
 * handlers), the subtest's result is still the one decided, as in IGT,
 * where exit handlers run long after the result was printed.
 */
static int result_fd = -1;

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --run-subtest <pattern>\n"
		"  --describe[=<pattern>]\n"
		"  --debug\n"
		"  --hook [<events>:]<cmd>\n"
		"  --help-hook\n"
		"  --help\n", command_name);
}

static void help_hook(FILE *f)
{
	int i;

	fprintf(f, "--hook [<events>:]<cmd> runs the shell command <cmd> at each of\n"
		"<events> (a comma-separated list of event names or '*'; all events\n"
		"when left out), with IGT_HOOK_EVENT, IGT_HOOK_TEST_FULLNAME,\n"
		"IGT_HOOK_TEST, IGT_HOOK_SUBTEST, IGT_HOOK_DYN_SUBTEST,\n"
		"IGT_HOOK_KMOD_UNBIND_MODULE_NAME and IGT_HOOK_RESULT set.\n"
		"Events:\n");
	for (i = 0; i < HOOK_NR_EVENTS; i++)
		fprintf(f, "  %s\n", hook_event_names[i]);
}

/* "[<events>:]<cmd>" as IGT's --hook takes it; false if malformed. */
static bool parse_hook(const char *arg, struct hook *h)
{
	const char *p = arg, *colon = strchr(arg, ':');

	if (!colon) {
		h->events = ~0U;
		h->cmd = arg;
		return true;
	}
	h->events = 0;
	while (p < colon) {
		const char *end = p + strcspn(p, ",:");
		size_t len = end - p;
		bool found = false;
		int i;

		if (!len)
			return false;
		for (i = 0; i < HOOK_NR_EVENTS; i++) {
			if ((len == 1 && *p == '*') ||
			    (strlen(hook_event_names[i]) == len &&
			     !strncmp(p, hook_event_names[i], len))) {
				h->events |= 1U << i;
				found = true;
			}
		}
		if (!found)
			return false;
		p = end + 1;
	}
	h->cmd = colon + 1;
	return true;
}

/* Run the --hook commands that want @ev. */
static void run_hooks(enum hook_event ev, const char *subtest,
		      const char *result)
{
	char full[512];
	int i;

	for (i = 0; i < nr_hooks; i++) {
		if (!(hooks[i].events & (1U << ev)))
			continue;
		if (subtest && *subtest)
			snprintf(full, sizeof(full), "igt@%s@%s", command_name,
				 subtest);
		else
			snprintf(full, sizeof(full), "igt@%s", command_name);
		setenv("IGT_HOOK_EVENT", hook_event_names[ev], 1);
		setenv("IGT_HOOK_TEST_FULLNAME", full, 1);
		setenv("IGT_HOOK_TEST", command_name, 1);
		setenv("IGT_HOOK_SUBTEST", subtest ? subtest : "", 1);
		setenv("IGT_HOOK_DYN_SUBTEST", "", 1);
		setenv("IGT_HOOK_KMOD_UNBIND_MODULE_NAME", "", 1);
		setenv("IGT_HOOK_RESULT", result ? result : "", 1);
		fflush(stdout);
		fflush(stderr);
		if (system(hooks[i].cmd) == -1)
			fprintf(stderr, "hook '%s': %s\n", hooks[i].cmd,
				strerror(errno));
	}
}

/* One line to the kernel log, as IGT's igt_kmsg(); best effort. */
static void kmsg(const char *fmt, ...)
{
	const char *path = getenv("VXF_IGT_KMSG");
	char line[512];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	fd = open(path && *path ? path : "/dev/kmsg",
		  O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n)
		n = 0;	/* nothing to do about it */
	close(fd);
}

/*
 * As IGT's first line: igt_runner files it as the test's "igt-version".
 * IGT prints its own version and git hash; this is the harness's.
 */
static void print_version(void)
{
	struct utsname uts;

	if (uname(&uts))
		memset(&uts, 0, sizeof(uts));
	printf("IGT-Version: vxf-harness-%s (%s) (%s: %s %s)\n", VXF_VERSION,
	       uts.machine, uts.sysname, uts.release, uts.machine);
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
		{ "describe", optional_argument, NULL, 'D' },
		{ "debug", optional_argument, NULL, 'd' },
		{ "hook", required_argument, NULL, 'k' },
		{ "help-hook", no_argument, NULL, 'K' },
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
		case 'D':
			list_only = true;
			describe_only = true;
			if (optarg)
				run_pattern = optarg;
			break;
		case 'd':
			debug_log = true;
			break;
		case 'k':
			if (nr_hooks == IGT_MAX_HOOKS ||
			    !parse_hook(optarg, &hooks[nr_hooks])) {
				fprintf(stderr, "(%s:%d) CRITICAL: Failed to "
					"initialize hook data: %s\n",
					command_name, getpid(),
					nr_hooks == IGT_MAX_HOOKS ?
					"too many hooks" :
					"invalid event name");
				exit(IGT_EXIT_INVALID);
			}
			nr_hooks++;
			break;
		case 'K':
			help_hook(stdout);
			exit(IGT_EXIT_SUCCESS);
		case 'h':
			usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		default:
			usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!list_only) {
		arm_exit_handlers();
		print_version();
		kmsg(IGT_KMSG_INFO "%s: executing\n", command_name);
		run_hooks(HOOK_PRE_TEST, NULL, NULL);
	}
	errno = 0;	/* what the setup left is no failure's errno */
}

bool igt_only_list_subtests(void)
{
	return list_only;
}

/**
 * igt_subtest_name - the name of the subtest running, NULL outside one
 */
const char *igt_subtest_name(void)
{
	return in_subtest ? subtest_name : NULL;
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

/**
 * igt_describe_f - describe the next subtest (printed by --describe)
 * @fmt: printf format
 */
void igt_describe_f(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(description, sizeof(description), fmt, ap);
	va_end(ap);
}

/**
 * igt_emit_ignore_dmesg_regex - kernel messages the running subtest expects
 * @regex: an extended regular expression (and a PCRE one: igt_runner
 *	   compiles it with GRegex), without a backslash: the kernel log
 *	   hands a backslash on as the four characters "\x5c", so "\+"
 *	   reaches the runner as "\x5c+" (write "[+]"); an invalid one, or
 *	   one with a backslash, fails the caller
 *
 * As IGT's: writes "[IGT] add ignored dmesg regex: @regex" to the kernel
 * log. igt_runner (IGT 1.30 and later) then does not turn the subtest's
 * result into dmesg-warn or dmesg-fail for a warning that matches, until
 * the next subtest starts or the next call replaces @regex. For subtests
 * that make the driver (or the kernel) warn on purpose.
 */
void igt_emit_ignore_dmesg_regex(const char *regex)
{
	regex_t re;
	int err = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);

	igt_assert_f(err == 0, "bad ignore regex '%s' (%d)\n", regex, err);
	regfree(&re);
	igt_assert_f(!strchr(regex, '\\'),
		     "ignore regex '%s': the kernel log escapes its backslash\n",
		     regex);
	kmsg(IGT_KMSG_INFO "add ignored dmesg regex: %s\n", regex);
}

/* --describe: IGT's "SUB name file:line:" block for one subtest. */
static void print_description(const char *name, const char *file, int line)
{
	const char *p = description;

	printf("SUB %s %s:%d:\n", name, file, line);
	if (!*p) {
		printf("  NO DOCUMENTATION!\n\n");
		return;
	}
	while (*p) {
		size_t n = strcspn(p, "\n");

		printf("  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	printf("\n");
}

/* ---- exit handlers --------------------------------------------------- */

static const int handled_signals[] = {
	SIGINT, SIGHUP, SIGPIPE, SIGTERM, SIGQUIT,
	SIGABRT, SIGSEGV, SIGBUS, SIGFPE,
};

static void call_exit_handlers(int sig)
{
	int i;

	/* Each runs once, even if a signal comes while they run. */
	for (i = nr_exit_handlers - 1; i >= 0; i--) {
		igt_exit_handler_t fn = exit_handlers[i];

		nr_exit_handlers = i;
		fn(sig);
	}
}

static void restore_signals(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(handled_signals); i++)
		signal(handled_signals[i], SIG_DFL);
}

static void atexit_handler(void)
{
	in_atexit_handler = true;
	restore_signals();
	call_exit_handlers(0);
}

/* A fatal signal: run the exit handlers, then die of it after all. */
static void fatal_signal_handler(int sig)
{
	/* as IGT, which names these (SIGQUIT: igt_runner's timeout) */
	if (sig == SIGQUIT || sig == SIGABRT || sig == SIGSEGV ||
	    sig == SIGBUS || sig == SIGFPE) {
		const char *name = sigabbrev_np(sig);
		char line[64];
		int n = snprintf(line, sizeof(line), "Received signal SIG%s.\n",
				 name ? name : "?");

		if (n > 0 && write(STDERR_FILENO, line, n) != n)
			n = 0;	/* nothing to do about it */
	}
	restore_signals();
	call_exit_handlers(sig);
	raise(sig);
}

/*
 * The handlers of the fatal signals, once. Also done when the binary
 * starts, as IGT does (its own exit handler): a signal the binary
 * inherited as ignored (a shell's SIGQUIT, say) must still end it when
 * igt_runner's timeout sends it.
 */
static void arm_exit_handlers(void)
{
	struct sigaction sa = { .sa_handler = fatal_signal_handler };
	size_t i;

	if (exit_handlers_armed)
		return;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(handled_signals); i++)
		sigaction(handled_signals[i], &sa, NULL);
	igt_assert(atexit(atexit_handler) == 0);
	exit_handlers_armed = true;
}

/**
 * igt_install_exit_handler - run @fn when the process ends
 * @fn: called with the signal number, or 0 for exit()
 *
 * As in IGT: @fn runs once, at exit() (the end of igt_main included) or on
 * SIGINT, SIGHUP, SIGPIPE, SIGTERM, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS or
 * SIGFPE, after which the signal is raised again with its default action.
 * Handlers run newest first; installing one twice installs it once.
 * Here a subtest's body is a process of its own, so a handler installed in
 * it runs when the subtest ends, whatever its result; igt_fork() children
 * and subtest children start with no handler.
 */
void igt_install_exit_handler(igt_exit_handler_t fn)
{
	size_t i;

	for (i = 0; i < (size_t)nr_exit_handlers; i++)
		if (exit_handlers[i] == fn)
			return;
	igt_assert(nr_exit_handlers < IGT_MAX_EXIT_HANDLERS);
	exit_handlers[nr_exit_handlers++] = fn;
	arm_exit_handlers();
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

/*
 * --run-subtest as IGT matches it (uwildmat): a comma-separated list of
 * shell patterns, each possibly negated by a leading '!'; the last pattern
 * that matches decides. "*,!foo" is every subtest but foo, "!foo" alone
 * none. A comma inside [...] or escaped by '\\' does not split.
 */
static bool subtest_selected(const char *name)
{
	const char *p = run_pattern;
	bool match = false;

	if (!run_pattern || !strcmp(run_pattern, "*"))
		return true;
	for (;;) {
		const char *end = p;
		bool negate = *p == '!', escaped = false;
		char *pat;

		if (negate)
			end = ++p;
		for (; *end && (*end != ',' || escaped); end++) {
			if (*end == '[' && !escaped) {
				const char *close = strchr(end + 2, ']');

				if (close)
					end = close;
			}
			escaped = *end == '\\' && !escaped;
		}
		pat = strndup(p, end - p);
		if (pat && fnmatch(pat, name, 0) == 0)
			match = !negate;
		free(pat);
		if (!*end)
			return match;
		p = end + 1;
	}
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
	kmsg(IGT_KMSG_INFO "%s: finished subtest %s, %s\n", command_name,
	     name, result);
	run_hooks(HOOK_POST_SUBTEST, name, result);
}

/* A subtest's child: tell the main process the result @code, once. */
static void report_result(int code)
{
	unsigned char c = code;

	if (!in_subtest || test_child || result_fd < 0)
		return;
	if (write(result_fd, &c, 1) != 1)
		c = 0;	/* the exit status says it all the same */
	close(result_fd);
	result_fd = -1;
}

/* Wait up to @s seconds for @pid; true with *@status if it ended. */
static bool wait_child(pid_t pid, int *status, double s)
{
	const struct timespec tick = { 0, 2 * 1000 * 1000 };
	double deadline = now_s() + s;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (now_s() > deadline)
			return false;
		nanosleep(&tick, NULL);
	}
}

/*
 * Wait for the subtest child. When the timeout expires, SIGTERM it (its
 * exit handlers stop what it started), then SIGKILL it. Returns the wait
 * status, or -1 after a timeout.
 */
static int wait_subtest(pid_t pid)
{
	int status;

	if (wait_child(pid, &status, subtest_timeout()))
		return status;
	kill(pid, SIGTERM);
	if (!wait_child(pid, &status, IGT_TERM_GRACE_S)) {
		kill(pid, SIGKILL);
		/* A task stuck in the kernel may never die: give up. */
		wait_child(pid, &status, 5);
	}
	return -1;
}

static void run_in_parent(const char *name, pid_t pid, double t0, int rfd)
{
	int status = wait_subtest(pid);
	unsigned char code;

	/* died after its result was decided: that result stands */
	if (status != -1 && WIFSIGNALED(status) && rfd >= 0 &&
	    read(rfd, &code, 1) == 1) {
		const char *sig = sigabbrev_np(WTERMSIG(status));

		fprintf(stderr, "Subtest %s: its exit handlers died of SIG%s\n",
			name, sig ? sig : "?");
		status = code << 8;	/* as if it had exited with it */
	}
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
 * @file: where it is, for --describe
 * @line: likewise
 *
 * Returns true in the child that runs the body, false in the main process.
 */
bool __igt_run_subtest(const char *name, const char *file, int line)
{
	int fds[2] = { -1, -1 };
	double t0;
	pid_t pid;

	if (in_subtest)
		__igt_subtest_done();
	if (!subtest_selected(name)) {
		description[0] = '\0';
		return false;
	}
	run_pattern_found = true;
	if (describe_only) {
		print_description(name, file, line);
		description[0] = '\0';
		return false;
	}
	description[0] = '\0';
	if (list_only) {
		printf("%s\n", name);
		return false;
	}
	if (skip_henceforth) {
		nr_skip++;
		printf("Subtest %s: SKIP (0.000s)\n", name);
		return false;
	}

	kmsg(IGT_KMSG_INFO "%s: starting subtest %s\n", command_name, name);
	printf("Starting subtest: %s\n", name);
	run_hooks(HOOK_PRE_SUBTEST, name, NULL);
	fflush(stdout);
	fflush(stderr);
	t0 = now_s();
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		fds[0] = fds[1] = -1;	/* then the exit status alone decides */
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		nr_fail++;
		report(name, "FAIL", t0);
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		result_fd = fds[1];
		in_subtest = true;
		subtest_name = strdup(name);
		/* the main process's handlers are for the main process */
		nr_exit_handlers = 0;
		errno = 0;	/* "Last errno" is the subtest's, as in IGT */
		return true;
	}
	close(fds[1]);
	run_in_parent(name, pid, t0, fds[0]);
	close(fds[0]);
	return false;
}

/* The body of a subtest completed: the child reports success. */
void __igt_subtest_done(void)
{
	igt_waitchildren();
	fflush(stdout);
	report_result(IGT_EXIT_SUCCESS);
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
	if (in_subtest) {
		report_result(IGT_EXIT_SKIP);
		exit(IGT_EXIT_SKIP);
	}
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

/* Kill and reap the igt_fork() children a failed subtest leaves behind. */
static void kill_children(void)
{
	int i;

	for (i = 0; i < nr_children; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	nr_children = 0;
}

void igt_fail(int exitcode)
{
	fflush(stdout);
	fflush(stderr);
	/* An assertion failing in an exit handler: leave at once, as IGT. */
	if (in_atexit_handler)
		_exit(IGT_EXIT_FAILURE);
	if (in_subtest && !test_child)
		kill_children();
	report_result(exitcode);
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
		nr_exit_handlers = 0;	/* as IGT: a child starts with none */
		/* an orphan would go on faulting: die with the subtest */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
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
	const char *result;
	int code;

	if (in_subtest)
		__igt_subtest_done();
	fflush(stdout);
	if (run_pattern && !run_pattern_found) {
		fprintf(stderr, "Unknown subtest: %s\n", run_pattern);
		exit(IGT_EXIT_INVALID);
	}
	if (list_only)
		exit(IGT_EXIT_SUCCESS);
	if (nr_fail)
		code = first_fail_code ? first_fail_code : IGT_EXIT_FAILURE;
	else if (nr_success)
		code = IGT_EXIT_SUCCESS;
	else if (nr_skip || skip_henceforth)
		code = IGT_EXIT_SKIP;
	else
		code = IGT_EXIT_SUCCESS;
	result = code == IGT_EXIT_SUCCESS ? "SUCCESS" :
		 code == IGT_EXIT_SKIP ? "SKIP" : "FAIL";
	kmsg(IGT_KMSG_INFO "%s: exiting, ret=%d\n", command_name, code);
	run_hooks(HOOK_POST_TEST, NULL, result);
	exit(code);
}
