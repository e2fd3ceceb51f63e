// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_fuzz.c - IGT tests of virtio-xen-fault against a hostile backend
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * A compromised backend may deny service but must never crash, hang or
 * corrupt the guest, nor make it leak. hostile-short runs tools/vxf-fuzz
 * (vxf-backend --loop --hostile against faulting threads, then the leak
 * checks) with a fixed seed; recovers checks that a window a hostile
 * backend abused serves correct data again once a sane backend reattaches.
 */

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_helpers.h"

#define ALLOC_FILE		VXF_ALLOCATIONS_PATH
#define SHORT_SEED		"7"
#define SHORT_MESSAGES		"20000"
#define SHORT_WATCHDOG_S	"45"
#define RECOVER_PAGES		64
#define RECOVER_MESSAGES	"6000"

static const char *fuzz_path(void)
{
	static const char *const rel[] = {
		"vxf-fuzz",
		"../../tools/vxf-fuzz/vxf-fuzz",
	};

	return vxf_tool_path("VXF_FUZZ", rel, ARRAY_SIZE(rel),
			     "/bin/vxf-fuzz");
}

/* ---- the driver's allocation counters ------------------------------- */

static bool read_counters(struct vxf_counters *c)
{
	return vxf_counters_read(c, ALLOC_FILE) == 0;
}

/* The first counter that differs, or NULL. */
static const char *counters_differ(const struct vxf_counters *a,
				   const struct vxf_counters *b)
{
	unsigned int i;

	if (a->n != b->n)
		return "(number of counters)";
	for (i = 0; i < a->n; i++)
		if (strcmp(a->c[i].name, b->c[i].name) ||
		    a->c[i].value != b->c[i].value)
			return a->c[i].name;
	return NULL;
}

static void wait_counters_back(const struct vxf_counters *before)
{
	const char *differs = "(unreadable)";
	struct vxf_counters now;
	int ms;

	for (ms = 0; ms < 10000; ms += 50) {
		if (read_counters(&now)) {
			differs = counters_differ(before, &now);
			if (!differs)
				return;
		}
		usleep(50 * 1000);
	}
	igt_assert_f(!differs, "allocation counter %s not back after 10 s\n",
		     differs);
}

/* Exit handler: the backends and vxf-fuzz a failed subtest left running. */
static void stop_leftovers(int sig)
{
	(void)sig;
	vxf_children_kill();
}

/* ---- hostile-short -------------------------------------------------- */

static void test_hostile_short(void)
{
	const char *argv[] = {
		fuzz_path(), "--seed", SHORT_SEED, "--messages",
		SHORT_MESSAGES, "--threads", "2", "--watchdog",
		SHORT_WATCHDOG_S, NULL,
	};
	char buf[16384], *line, *save;
	size_t len = 0;
	int pfd[2], status;
	bool pass = false;
	ssize_t n;
	pid_t pid;

	igt_install_exit_handler(stop_leftovers);
	igt_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert_lte(0, pid);
	if (!pid) {
		/* the same backend binary as every other subtest */
		setenv("VXF_BACKEND", vxf_backend_path(), 1);
		if (dup2(pfd[1], 1) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	vxf_child_track(pid);
	close(pfd[1]);
	for (;;) {
		n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len == sizeof(buf) - 1)
			len = 0;	/* keep the end */
	}
	buf[len] = '\0';
	close(pfd[0]);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	vxf_child_untrack(pid);

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		igt_info("%s\n", line);
		if (!strcmp(line, "fuzz: PASS"))
			pass = true;
	}
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "vxf-fuzz exited with %#x\n", status);
	igt_assert_f(pass, "no 'fuzz: PASS' line\n");
}

/* ---- recovers ------------------------------------------------------- */

struct victim {
	pthread_t thread;
	volatile uint64_t *map;
	volatile bool *stop;
	unsigned int seed;
	uint64_t done;
	uint64_t denied;
};

static void *victim_main(void *arg)
{
	struct victim *v = arg;
	uint64_t page, word, val;

	while (!*v->stop) {
		page = rand_r(&v->seed) % RECOVER_PAGES;
		word = rand_r(&v->seed) % VXF_WORDS_PER_PAGE;
		if (rand_r(&v->seed) & 1 ?
		    vxf_try_read64(v->map + page * VXF_WORDS_PER_PAGE + word,
				   &val) :
		    vxf_try_write64(v->map + page * VXF_WORDS_PER_PAGE + word,
				    page ^ word))
			v->done++;
		else
			v->denied++;
	}
	return NULL;
}

/* The rest of the backend's stdout, up to its exit; its summary line. */
static void read_summary(struct vxf_backend *be, char *summary, size_t size)
{
	char buf[8192], *line, *save;
	size_t len = be->buf_len;
	ssize_t n;

	memcpy(buf, be->buf, len);
	for (;;) {
		n = read(be->reply_fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || len + n >= sizeof(buf) - 1)
			break;
		len += n;
	}
	buf[len] = '\0';
	summary[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "hostile: ", 9))
			snprintf(summary, size, "%s", line);
}

static uint64_t expect_word(uint64_t page, uint64_t idx, uint64_t gen)
{
	uint64_t p = vxf_pattern(page * VXF_PAGE_SIZE + idx * sizeof(uint64_t));

	return gen ? p ^ (gen * 0x0123456789abcdefULL) : p;
}

/*
 * The window keeps the hostile session's 30 ms fault timeout: on a loaded
 * machine the sane backend may answer later than that. An access that
 * timed out (the window's timeouts counter moved, nothing else) is tried
 * again (counted in recover_timeouts); any other SIGBUS fails.
 */
static uint64_t recover_timeouts;

static void read_recovered(int fd, volatile uint64_t *p, uint64_t page,
			   uint64_t *got)
{
	struct vxf_stats s0, s1;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		igt_assert_eq(vxf_stats(fd, &s0), 0);
		if (vxf_try_read64(p, got))
			return;
		igt_assert_eq(vxf_stats(fd, &s1), 0);
		igt_assert_f(s1.timeouts != s0.timeouts &&
			     s1.map_errors == s0.map_errors &&
			     s1.protocol_errors == s0.protocol_errors,
			     "page %llu: signal %d after the recovery (timeouts +%llu, map_errors +%llu, protocol_errors +%llu)\n",
			     (unsigned long long)page, vxf_last_fault_signal(),
			     (unsigned long long)(s1.timeouts - s0.timeouts),
			     (unsigned long long)(s1.map_errors - s0.map_errors),
			     (unsigned long long)(s1.protocol_errors -
						  s0.protocol_errors));
		igt_info("page %llu: the MAP timed out (30 ms), again\n",
			 (unsigned long long)page);
		recover_timeouts++;
	}
	igt_assert_f(false, "page %llu: 20 MAPs in a row timed out\n",
		     (unsigned long long)page);
}

static void check_window(int fd, volatile uint64_t *map, uint64_t gen)
{
	uint64_t page, idx, got;

	for (page = 0; page < RECOVER_PAGES; page++) {
		volatile uint64_t *p = map + page * VXF_WORDS_PER_PAGE;

		read_recovered(fd, p, page, &got);
		for (idx = 0; idx < VXF_WORDS_PER_PAGE; idx++) {
			got = p[idx];
			igt_assert_f(got == expect_word(page, idx, gen),
				     "page %llu word %llu: %#llx, expected %#llx\n",
				     (unsigned long long)page,
				     (unsigned long long)idx,
				     (unsigned long long)got,
				     (unsigned long long)expect_word(page, idx,
								     gen));
		}
	}
}

static void test_recovers(void)
{
	const char *const hostile[] = {
		"--hostile", "--seed", "11", "--messages", RECOVER_MESSAGES,
		"--pages", "64", "--timeout-ms", "30", "--ring-order", "1",
		NULL,	/* not --quiet: its details on stderr, for a failure */
	};
	struct vxf_stats s0, s1, s2;
	struct victim v[2];
	struct vxf_counters before;
	struct vxf_backend be, sane;
	char summary[1024], index[16];
	volatile uint64_t *map;
	volatile bool stop = false;
	struct vxf_info in;
	uint64_t page, idx, got;
	int fd, status, i;

	igt_assert(read_counters(&before));
	igt_install_exit_handler(stop_leftovers);
	igt_assert_f(vxf_backend_startv(&be, hostile) == 0, "%s\n",
		     vxf_backend_last_error());
	fd = vxf_open(&be);
	igt_assert_f(fd >= 0, "open %s: %s\n", be.dev, strerror(errno));
	map = vxf_map(fd, 0, RECOVER_PAGES, PROT_READ | PROT_WRITE);
	igt_assert(map != MAP_FAILED);
	for (i = 0; i < 2; i++) {
		v[i] = (struct victim){ .map = map, .stop = &stop,
					.seed = 1 + i };
		igt_assert_eq(pthread_create(&v[i].thread, NULL, victim_main,
					     &v[i]), 0);
	}

	/* The hostile backend quits on its own after its messages. */
	read_summary(&be, summary, sizeof(summary));
	igt_assert_eq(waitpid(be.pid, &status, 0), be.pid);
	vxf_child_untrack(be.pid);
	be.pid = 0;
	close(be.cmd_fd);
	close(be.reply_fd);
	stop = true;
	for (i = 0; i < 2; i++) {
		pthread_join(v[i].thread, NULL);
		igt_info("victim %d: %llu accesses, %llu denied\n", i,
			 (unsigned long long)v[i].done,
			 (unsigned long long)v[i].denied);
	}
	igt_info("%s\n", summary);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "the hostile backend exited with %#x (2: the frontend misbehaved, see its stderr above): %s\n",
		     status, summary);
	igt_assert_f(strstr(summary, " messages=" RECOVER_MESSAGES " "),
		     "summary: '%s'\n", summary);

	igt_assert_eq(vxf_stats(fd, &s0), 0);
	igt_info("frontend: protocol_errors %llu disconnects %llu map_errors %llu timeouts %llu sigbus %llu\n",
		 (unsigned long long)s0.protocol_errors,
		 (unsigned long long)s0.disconnects,
		 (unsigned long long)s0.map_errors,
		 (unsigned long long)s0.timeouts,
		 (unsigned long long)s0.sigbus);
	igt_assert_lt_u64(0, s0.protocol_errors);
	igt_assert_lt_u64(0, s0.disconnects);
	igt_assert_eq(vxf_info(fd, &in), 0);
	igt_assert_eq(in.state, VXF_STATE_DISCONNECTED);
	/* No backend: an access is denied, never served from stale pages. */
	igt_assert(!vxf_try_read64(map, &got));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);

	/* A sane backend takes the window over. */
	snprintf(index, sizeof(index), "%d", be.index);
	igt_assert_f(vxf_backend_start(&sane, "--index", index, "--quiet",
				       NULL) == 0,
		     "%s\n", vxf_backend_last_error());
	igt_assert_eq(sane.index, be.index);
	igt_assert_eq(vxf_info(fd, &in), 0);
	igt_assert_eq(in.state, VXF_STATE_CONNECTED);
	igt_assert_eq(vxf_stats(fd, &s1), 0);
	check_window(fd, map, 0);

	/* What we write survives a revoke of everything. */
	for (page = 0; page < RECOVER_PAGES; page++)
		for (idx = 0; idx < VXF_WORDS_PER_PAGE; idx++)
			map[page * VXF_WORDS_PER_PAGE + idx] =
				expect_word(page, idx, 1);
	igt_assert_f(vxf_backend_revoke(&sane, 0, RECOVER_PAGES) == 0, "%s\n",
		     vxf_backend_last_error());
	check_window(fd, map, 1);
	igt_assert_eq(vxf_backend_peek(&sane, RECOVER_PAGES - 1, 511, &got),
		      0);
	igt_assert_eq_u64(got, expect_word(RECOVER_PAGES - 1, 511, 1));
	igt_assert_eq(vxf_stats(fd, &s2), 0);
	/* no SIGBUS but the timed out MAPs tried again */
	igt_assert_eq_u64(s2.sigbus - s1.sigbus, recover_timeouts);
	igt_assert_eq_u64(s2.protocol_errors, s1.protocol_errors);

	munmap((void *)map, RECOVER_PAGES * VXF_PAGE_SIZE);
	close(fd);
	igt_assert_eq(vxf_backend_stop(&sane), 0);
	wait_counters_back(&before);
}

igt_main
{
	igt_fixture {
		igt_require_f(!vxf_xen_mode(),
			      "the hostile backend runs in loop mode only\n");
		igt_require_f(vxf_backend_available(), "no backend at %s\n",
			      vxf_backend_path());
		igt_require_f(access("/dev/vxf-loop", R_OK | W_OK) == 0,
			      "no /dev/vxf-loop: driver not loaded?\n");
		igt_require_f(access(ALLOC_FILE, R_OK) == 0,
			      "no %s: debugfs not mounted, or a driver without allocation counters\n",
			      ALLOC_FILE);
	}

	igt_describe("vxf-fuzz with a fixed seed: 20000 messages of a hostile "
		     "backend while two threads fault; only SIGBUS, no leak, "
		     "no hang.");
	igt_subtest("hostile-short") {
		igt_require_f(access(fuzz_path(), X_OK) == 0, "no %s\n",
			      fuzz_path());
		igt_emit_ignore_dmesg_regex(VXF_DMESG_BAD_BACKEND);
		test_hostile_short();
	}

	igt_describe("After a hostile session, a sane backend reattached to "
		     "the same window serves every page with correct data.");
	igt_subtest("recovers") {
		igt_emit_ignore_dmesg_regex(VXF_DMESG_BAD_BACKEND);
		test_recovers();
	}

	/* IGT: what a failed subtest left running, before igt_exit() */
	igt_fixture
		stop_leftovers(0);
}
