// SPDX-License-Identifier: GPL-2.0
/*
 * vxf-fuzz.c - a hostile backend against a faulting guest
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Runs in the guest as root. Records free memory and the driver's object
 * counters (<debugfs>/vxf/allocations), starts
 *   vxf-backend --loop --hostile --seed S --messages N --pages P
 *               --timeout-ms 30 --ring-order 1
 * ($VXF_BACKEND, else /bin/vxf-backend), maps the window it creates and
 * lets victim threads read and write random words of it (and read(2) from
 * /dev/zero into it) while the backend does its worst. Each access either
 * completes or ends in SIGBUS (EFAULT for read(2)): the backend may deny
 * service, nothing else. When the backend is done the victims stop, the
 * window's counters are read, the window is closed, and the allocation
 * counters and free memory must be back where they were.
 *
 * Prints "fuzz: ..." lines, each target with "met" or "NOT met", then
 * "fuzz: PASS" (exit 0) or "fuzz: FAIL" (exit 1). A backend or a victim
 * that does not finish within the watchdog (--watchdog, default 600 s) is
 * a hang: it is killed (a victim stuck in the kernel cannot be; then the
 * program exits without cleaning up) and the run fails.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vxf.h>

#include "vxf_helpers.h"

#define ALLOC_FILE		VXF_ALLOCATIONS_PATH
#define DEFAULT_BACKEND		"/bin/vxf-backend"
#define DEFAULT_MESSAGES	1000000ULL
#define MESSAGES_TARGET		1000000ULL
#define DEFAULT_THREADS		4
#define MAX_THREADS		64
#define DEFAULT_PAGES		1024
#define DEFAULT_WATCHDOG_S	600
#define READY_TIMEOUT_MS	30000
#define JOIN_TIMEOUT_S		60
#define FREE_WAIT_MS		10000
#define MEM_TARGET_KIB		1024
#define PAGE_BYTES		4096UL
#define WORDS_PER_PAGE		(PAGE_BYTES / sizeof(uint64_t))

/**
 * struct victim - a thread touching the window
 * @thread: the thread
 * @id: its number
 * @started: pthread_create succeeded
 * @done: it left its loop
 * @accesses: loads and stores that completed
 * @sigbus: loads and stores that ended in SIGBUS
 * @reads: read(2) calls into the window that completed
 * @efault: read(2) calls into the window that failed with EFAULT
 * @other_errors: read(2) calls that failed otherwise
 */
struct victim {
	pthread_t thread;
	int id;
	bool started;
	volatile bool done;
	uint64_t accesses;
	uint64_t sigbus;
	uint64_t reads;
	uint64_t efault;
	uint64_t other_errors;
};

static struct {
	uint64_t seed;
	uint64_t messages;
	unsigned int threads;
	uint64_t pages;
	unsigned int watchdog_s;
} opt = {
	.seed = 1,
	.messages = DEFAULT_MESSAGES,
	.threads = DEFAULT_THREADS,
	.pages = DEFAULT_PAGES,
	.watchdog_s = DEFAULT_WATCHDOG_S,
};

static volatile uint8_t *window;
static uint64_t window_pages;
static int zero_fd = -1;
static volatile int stop_victims;
static volatile pid_t backend_pid;

static __thread sigjmp_buf victim_jmp;
static __thread volatile sig_atomic_t victim_armed;

static void usage(FILE *f)
{
	fprintf(f,
"usage: vxf-fuzz [--seed N] [--messages N] [--threads N] [--pages N]\n"
"                [--watchdog S]\n"
"       vxf-fuzz --help | --version\n"
"  Runs vxf-backend --loop --hostile against victim threads faulting on its\n"
"  window; checks that the guest only ever sees SIGBUS, and that no driver\n"
"  object and no memory is left once the window is gone. As root.\n"
"  --seed N        the backend's seed (default 1)\n"
"  --messages N    ring messages the backend sends (default 1000000; the\n"
"                  target is min(N, 1000000))\n"
"  --threads N     victim threads (default 4)\n"
"  --pages N       window size in pages (default 1024)\n"
"  --watchdog S    a backend or victim still running after S seconds is a\n"
"                  hang (default 600)\n"
"  $VXF_BACKEND    the backend binary (default /bin/vxf-backend)\n"
"exit: 0 every target met, 1 otherwise\n");
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the kernel's figures --------------------------------------------- */

static int read_counters(struct vxf_counters *cs)
{
	return vxf_counters_read(cs, ALLOC_FILE);
}

static long long counter_value(const struct vxf_counters *cs, const char *name,
			       bool *found)
{
	long long v = 0;

	*found = vxf_counter_find(cs, name, &v);
	return v;
}

/* Whether every counter of @after is what it was in @before. */
/* injected_* lines count failures injected (module parameters), not objects */
static bool live_counter(const char *name)
{
	return strncmp(name, "injected_", 9) != 0;
}

static bool counters_back(const struct vxf_counters *before,
			  const struct vxf_counters *after)
{
	unsigned int i;
	bool found;

	for (i = 0; i < after->n; i++)
		if (live_counter(after->c[i].name) && after->c[i].value !=
		    counter_value(before, after->c[i].name, &found))
			return false;
	for (i = 0; i < before->n; i++) {
		counter_value(after, before->c[i].name, &found);
		if (!found)
			return false;
	}
	return true;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0) {
		/* best effort */
	}
	close(fd);
}

/* Give back what the kernel keeps around, so that free memory compares. */
static void settle_memory(void)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	/* SLUB: free the empty slabs of every cache */
	d = opendir("/sys/kernel/slab");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		write_file(path, "1");
	}
	if (d)
		closedir(d);
	write_file("/proc/sys/vm/compact_memory", "1");
	write_file("/proc/sys/vm/drop_caches", "3");
}

/*
 * Free memory from one read of /proc/zoneinfo: the buddy allocator's free
 * pages ("pages free", MemFree) and those on the per-CPU lists ("count"),
 * which MemFree does not include but which are as free. One file, zone by
 * zone, because Linux 6.12's per-CPU lists drain to the buddy allocator
 * on their own every second (decay_pcp_high()): reading the two from two
 * files, a page that moved in between was counted twice or not at all,
 * megabytes at a time.
 */
static int zone_free_kib(long long *free_kib, long long *pcp_kib)
{
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");
	long long pages = 0, pcp = 0, n;
	bool got = false;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %lld", &n) == 1) {
			pages += n;
			got = true;
		} else if (sscanf(line, " count: %lld", &n) == 1) {
			pcp += n;
		}
	}
	fclose(f);
	*free_kib = pages * (PAGE_BYTES / 1024);
	*pcp_kib = pcp * (PAGE_BYTES / 1024);
	return got ? 0 : -EINVAL;
}

static int meminfo(long long *free_kib, long long *avail_kib)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	int got = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemFree: %lld", free_kib) == 1)
			got |= 1;
		else if (sscanf(line, "MemAvailable: %lld", avail_kib) == 1)
			got |= 2;
	}
	fclose(f);
	return got == 3 ? 0 : -EINVAL;
}

/*
 * A snapshot of every "Name: value" (/proc/meminfo, /proc/self/status) or
 * "name value" (/proc/vmstat) line, so that a missed free-memory target
 * says where the memory went.
 */
#define SNAP_MAX		256

struct snapshot {
	unsigned int n;
	struct {
		char name[40];
		long long value;
	} e[SNAP_MAX];
};

static void snap_file(struct snapshot *sn, const char *path,
		      const char *prefix)
{
	char line[256], name[32];
	long long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (sn->n < SNAP_MAX && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31[^: ]:%lld", name, &v) != 2 &&
		    sscanf(line, "%31s %lld", name, &v) != 2)
			continue;
		snprintf(sn->e[sn->n].name, sizeof(sn->e[0].name), "%s%s",
			 prefix, name);
		sn->e[sn->n++].value = v;
	}
	fclose(f);
}

static void snap_take(struct snapshot *sn)
{
	sn->n = 0;
	snap_file(sn, "/proc/meminfo", "");
	snap_file(sn, "/proc/self/status", "self.");
	snap_file(sn, "/proc/vmstat", "vmstat.");
}

/* Print the fields that moved by at least @min (KiB, or pages for vmstat). */
static void snap_print_deltas(const struct snapshot *a,
			      const struct snapshot *b, long long min)
{
	unsigned int i, j;

	printf("fuzz: changes since the start (meminfo, self: KiB; vmstat.nr_*: pages; >= %lld):",
	       min);
	for (i = 0; i < b->n; i++) {
		for (j = 0; j < a->n; j++)
			if (!strcmp(a->e[j].name, b->e[i].name))
				break;
		if (j == a->n)
			continue;
		if (!strncmp(b->e[i].name, "vmstat.", 7) &&
		    strncmp(b->e[i].name, "vmstat.nr_", 10))
			continue;	/* event counters only grow */
		if (!strncmp(b->e[i].name, "self.", 5) &&
		    strncmp(b->e[i].name, "self.Vm", 7) &&
		    strncmp(b->e[i].name, "self.Rss", 8))
			continue;	/* masks and ids, not sizes */
		if (llabs(b->e[i].value - a->e[j].value) >= min)
			printf(" %s=%+lld", b->e[i].name,
			       b->e[i].value - a->e[j].value);
	}
	printf("\n");
}

/* ---- victims ---------------------------------------------------------- */

static void on_sigbus(int sig)
{
	if (victim_armed) {
		victim_armed = 0;
		siglongjmp(victim_jmp, 1);
	}
	/* Not during an access: a real crash. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint64_t rng_step(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* One load or store; false if it raised SIGBUS. */
static bool touch(volatile uint64_t *p, bool write, uint64_t v)
{
	if (sigsetjmp(victim_jmp, 1))
		return false;
	victim_armed = 1;
	if (write)
		*p = v;
	else
		v = *p;
	victim_armed = 0;
	(void)v;
	return true;
}

static void *victim_main(void *arg)
{
	const struct timespec backoff = { 0, 50 * 1000 };
	struct victim *v = arg;
	uint64_t rng = (opt.seed + 1) * 0x9e3779b97f4a7c15ULL ^
		       ((uint64_t)v->id << 32 | 0x5bd1e995);
	uint64_t r, page, word, run, i;
	volatile uint64_t *p;
	ssize_t n;

	if (!rng)
		rng = 1;
	while (!stop_victims) {
		r = rng_step(&rng);
		page = (r >> 8) % window_pages;
		word = (r >> 40) % WORDS_PER_PAGE;
		p = (volatile uint64_t *)(window + page * PAGE_BYTES) + word;
		if ((r & 31) == 0 && zero_fd >= 0) {
			/* a kernel access: EFAULT, not SIGBUS, when denied */
			n = read(zero_fd, (void *)p, sizeof(uint64_t));
			if (n == sizeof(uint64_t))
				v->reads++;
			else if (n < 0 && errno == EFAULT)
				v->efault++;
			else
				v->other_errors++;
			continue;
		}
		/* Sometimes a run of pages, for MAPs of several pages. */
		run = (r & 0xe0) == 0 ? 8 : 1;
		for (i = 0; i < run && page + i < window_pages; i++) {
			if (touch(p + i * WORDS_PER_PAGE, r & 0x100, r)) {
				v->accesses++;
				continue;
			}
			v->sigbus++;
			/* Denied: do not spin while the backend reconnects. */
			nanosleep(&backoff, NULL);
			break;
		}
	}
	v->done = true;
	return NULL;
}

/* ---- the backend ------------------------------------------------------ */

static pid_t start_backend(int *out_fd)
{
	char seed[32], messages[32], pages[32];
	const char *path = getenv("VXF_BACKEND");
	const char *argv[] = {
		NULL, "--loop", "--hostile", "--seed", seed, "--messages",
		messages, "--pages", pages, "--timeout-ms", "30",
		"--ring-order", "1", NULL,
	};
	int pfd[2], devnull;
	pid_t pid;

	if (!path || !*path)
		path = DEFAULT_BACKEND;
	argv[0] = path;
	snprintf(seed, sizeof(seed), "%" PRIu64, opt.seed);
	snprintf(messages, sizeof(messages), "%" PRIu64, opt.messages);
	snprintf(pages, sizeof(pages), "%" PRIu64, opt.pages);
	if (pipe2(pfd, O_CLOEXEC)) {
		perror("fuzz: pipe");
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fuzz: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0)
			_exit(126);
		execv(path, (char *const *)argv);
		fprintf(stderr, "fuzz: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	*out_fd = pfd[0];
	printf("fuzz: started %s --loop --hostile --seed %s --messages %s --pages %s --timeout-ms 30 --ring-order 1\n",
	       path, seed, messages, pages);
	fflush(stdout);
	return pid;
}

struct line_reader {
	int fd;
	char buf[4096];
	size_t len;
	bool eof;
};

/* Next line within @timeout_ms: 1 got one, 0 timeout, -1 EOF. */
static int read_line(struct line_reader *lr, char *line, size_t size,
		     int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = lr->fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	int left;

	for (;;) {
		nl = memchr(lr->buf, '\n', lr->len);
		if (nl) {
			size_t l = nl - lr->buf;

			snprintf(line, size, "%.*s", (int)l, lr->buf);
			memmove(lr->buf, nl + 1, lr->len - l - 1);
			lr->len -= l + 1;
			return 1;
		}
		if (lr->eof)
			return -1;
		if (lr->len == sizeof(lr->buf))
			lr->len = 0;	/* an absurd line */
		left = (int)(deadline - now_ms());
		if (deadline <= now_ms())
			return 0;
		n = poll(&pfd, 1, left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		n = read(lr->fd, lr->buf + lr->len, sizeof(lr->buf) - lr->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			lr->eof = true;
		else
			lr->len += n;
	}
}

/* ---- watchdog of last resort ------------------------------------------ */

static void on_alarm(int sig)
{
	static const char msg[] =
		"fuzz: watchdog: still running long after the deadline\n"
		"fuzz: hangs 1 (target 0: NOT met)\nfuzz: FAIL\n";

	(void)sig;
	if (backend_pid > 0)
		kill(backend_pid, SIGKILL);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to do */
	}
	_exit(1);
}

/* ---- main ------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *v < min || *v > max ? -1 : 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "messages", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "pages", required_argument, NULL, 'p' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_u64(optarg, 0, UINT64_MAX, &opt.seed))
				goto bad;
			break;
		case 'm':
			if (parse_u64(optarg, 1, UINT64_MAX, &opt.messages))
				goto bad;
			break;
		case 't':
			if (parse_u64(optarg, 1, MAX_THREADS, &v))
				goto bad;
			opt.threads = v;
			break;
		case 'p':
			if (parse_u64(optarg, 1, 1 << 20, &opt.pages))
				goto bad;
			break;
		case 'w':
			if (parse_u64(optarg, 1, 86400, &v))
				goto bad;
			opt.watchdog_s = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vxf-fuzz %s\n", VXF_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vxf-fuzz: stray argument %s\n", argv[optind]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "vxf-fuzz: bad value %s\n", optarg);
	return -1;
}

static const char *met(bool ok)
{
	return ok ? "met" : "NOT met";
}

/* Stop the victims; true if all of them finished in time. */
static bool stop_all(struct victim *v, unsigned int n)
{
	struct timespec deadline;
	bool ok = true;
	unsigned int i;

	stop_victims = 1;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_TIMEOUT_S;
	for (i = 0; i < n; i++) {
		if (!v[i].started)
			continue;
		if (pthread_timedjoin_np(v[i].thread, NULL, &deadline)) {
			printf("fuzz: victim %u did not stop within %d s\n", i,
			       JOIN_TIMEOUT_S);
			ok = false;
		} else {
			v[i].started = false;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	static struct victim victims[MAX_THREADS];
	static struct snapshot snap0, snap1;
	struct vxf_counters before, after;
	long long free0, avail0, pcp0, free1 = 0, avail1 = 0, pcp1 = 0;
	long long f, a, p, mf, lost;
	char line[1024], summary[1024] = "";
	struct line_reader lr = { .fd = -1 };
	uint64_t target, sent, accesses = 0, sigbus = 0, reads = 0;
	uint64_t efault = 0, other = 0, deadline, t0;
	struct sigaction sa;
	struct vxf_stats st;
	struct vxf_info info;
	int fd = -1, status = 0, ret, idx = -1, hangs = 0, i;
	bool exited = false, all_back, ok = true, have_stats = false;
	unsigned int n;
	char dev[64] = "";
	pid_t pid;

	if (parse_args(argc, argv))
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	target = opt.messages < MESSAGES_TARGET ? opt.messages :
						  MESSAGES_TARGET;

	ret = read_counters(&before);
	if (ret) {
		printf("fuzz: %s missing (%s): the driver's allocation counters are needed\n",
		       ALLOC_FILE, strerror(-ret));
		printf("fuzz: FAIL\n");
		return 1;
	}
	settle_memory();
	if (zone_free_kib(&free0, &pcp0) || meminfo(&f, &avail0)) {
		printf("fuzz: cannot read /proc/zoneinfo or /proc/meminfo\nfuzz: FAIL\n");
		return 1;
	}
	read_counters(&before);
	snap_take(&snap0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	alarm(opt.watchdog_s + 3 * JOIN_TIMEOUT_S);

	t0 = now_ms();
	deadline = t0 + opt.watchdog_s * 1000ULL;
	pid = start_backend(&lr.fd);
	if (pid < 0) {
		printf("fuzz: FAIL\n");
		return 1;
	}
	backend_pid = pid;
	for (;;) {
		ret = read_line(&lr, line, sizeof(line), READY_TIMEOUT_MS);
		if (ret <= 0)
			break;
		if (!strncmp(line, "ready ", 6))
			break;
	}
	if (ret <= 0 || sscanf(line, "ready index=%d dev=%63s", &idx, dev) != 2) {
		printf("fuzz: the backend did not get ready (%s)\n",
		       ret == 0 ? "timeout" : "it exited");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("fuzz: FAIL\n");
		return 1;
	}
	printf("fuzz: backend ready: window %d (%s)\n", idx, dev);

	for (i = 0; i < 100; i++) {
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		sleep_ms(10);
	}
	if (fd < 0 || ioctl(fd, VXF_IOC_INFO, &info)) {
		printf("fuzz: open %s: %s\n", dev, strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("fuzz: FAIL\n");
		return 1;
	}
	window_pages = info.window_pages;
	window = mmap(NULL, window_pages * PAGE_BYTES, PROT_READ | PROT_WRITE,
		      MAP_SHARED, fd, 0);
	if (window == MAP_FAILED) {
		printf("fuzz: mmap %s: %s\n", dev, strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("fuzz: FAIL\n");
		return 1;
	}
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	for (n = 0; n < opt.threads; n++) {
		victims[n].id = n;
		if (pthread_create(&victims[n].thread, NULL, victim_main,
				   &victims[n])) {
			printf("fuzz: pthread_create failed\n");
			ok = false;
			break;
		}
		victims[n].started = true;
	}
	printf("fuzz: %u victims on %" PRIu64 " pages, map granule %u, fault timeout %u ms\n",
	       n, window_pages, info.map_pages, info.fault_timeout_ms);

	/* The backend's output until it exits, or the watchdog. */
	while (!exited) {
		ret = read_line(&lr, line, sizeof(line), 100);
		if (ret > 0) {
			printf("fuzz: backend: %s\n", line);
			if (!strncmp(line, "hostile: ", 9))
				snprintf(summary, sizeof(summary), "%s", line);
			continue;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			backend_pid = 0;
			break;
		}
		if (ret < 0)
			sleep_ms(100);
		if (now_ms() >= deadline) {
			printf("fuzz: the backend did not finish within %u s: killed\n",
			       opt.watchdog_s);
			hangs++;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			backend_pid = 0;
			break;
		}
	}
	/* Whatever it printed just before exiting. */
	while (read_line(&lr, line, sizeof(line), 0) > 0) {
		printf("fuzz: backend: %s\n", line);
		if (!strncmp(line, "hostile: ", 9))
			snprintf(summary, sizeof(summary), "%s", line);
	}
	close(lr.fd);
	printf("fuzz: backend finished after %.1f s\n",
	       (now_ms() - t0) / 1000.0);

	if (!stop_all(victims, n)) {
		hangs++;
		printf("fuzz: hangs %d (target 0: NOT met)\nfuzz: FAIL\n",
		       hangs);
		fflush(stdout);
		_exit(1);	/* a victim is stuck in the kernel */
	}
	for (i = 0; i < (int)n; i++) {
		accesses += victims[i].accesses;
		sigbus += victims[i].sigbus;
		reads += victims[i].reads;
		efault += victims[i].efault;
		other += victims[i].other_errors;
	}
	if (!vxf_stats(fd, &st))
		have_stats = true;
	else
		printf("fuzz: VXF_IOC_STATS: %s\n", strerror(errno));
	munmap((void *)window, window_pages * PAGE_BYTES);
	close(fd);
	if (zero_fd >= 0)
		close(zero_fd);

	/* The window goes with its last user: wait until it is freed. */
	for (t0 = now_ms(); now_ms() - t0 < FREE_WAIT_MS; sleep_ms(50))
		if (!read_counters(&after) && counters_back(&before, &after))
			break;
	if (read_counters(&after))
		after.n = 0;
	all_back = counters_back(&before, &after);
	/* Free memory: the best of a few looks, as the kernel settles. */
	for (i = 0; i < 5; i++) {
		settle_memory();
		if (!zone_free_kib(&f, &p) && !meminfo(&mf, &a) &&
		    (!i || f + p > free1 + pcp1)) {
			free1 = f;
			avail1 = a;
			pcp1 = p;
		}
		if (free0 + pcp0 - free1 - pcp1 <= MEM_TARGET_KIB)
			break;
		sleep_ms(1000);
	}
	/* Pages on the per-CPU free lists are free too. */
	lost = free0 + pcp0 - free1 - pcp1;

	sent = summary[0] ? vxf_reply_field(summary, "messages") : 0;
	printf("fuzz: seed %" PRIu64 " messages %" PRIu64 " (target >= %" PRIu64 ": %s)\n",
	       opt.seed, sent, target, met(sent >= target));
	ok &= sent >= target;
	if (have_stats) {
		printf("fuzz: frontend rejected %llu (protocol_errors), disconnected %llu times, REVOKE EINVAL answers %" PRIu64 ", map errors %llu, timeouts %llu\n",
		       (unsigned long long)st.protocol_errors,
		       (unsigned long long)st.disconnects,
		       vxf_reply_field(summary, "einval_answers"),
		       (unsigned long long)st.map_errors,
		       (unsigned long long)st.timeouts);
		printf("fuzz: window: faults %llu maps %llu revokes %llu resets %llu sigbus %llu coalesced %llu\n",
		       (unsigned long long)st.faults,
		       (unsigned long long)st.maps,
		       (unsigned long long)st.revokes,
		       (unsigned long long)st.resets,
		       (unsigned long long)st.sigbus,
		       (unsigned long long)st.coalesced);
	} else {
		ok = false;
	}
	printf("fuzz: victims %" PRIu64 " accesses completed, %" PRIu64 " SIGBUS (each SIGBUS is a fault the hostile backend denied)\n",
	       accesses, sigbus);
	printf("fuzz: victims' read(2) into the window: %" PRIu64 " completed, %" PRIu64 " EFAULT, %" PRIu64 " other errors\n",
	       reads, efault, other);
	ok &= !other;
	printf("fuzz: allocations after disconnect:");
	for (i = 0; i < (int)after.n; i++) {
		bool found;
		long long b = counter_value(&before, after.c[i].name, &found);

		if (live_counter(after.c[i].name))
			printf(" %s=%lld", after.c[i].name,
			       after.c[i].value - b);
	}
	if (!after.n)
		printf(" (%s unreadable)", ALLOC_FILE);
	printf(" (target all 0: %s)\n", met(all_back && after.n));
	ok &= all_back && after.n;
	printf("fuzz: guest free memory delta %lld KiB (target within %d KiB: %s)\n",
	       lost, MEM_TARGET_KIB, met(lost <= MEM_TARGET_KIB));
	printf("fuzz: (lost: buddy free pages %lld KiB, per-CPU free lists %lld KiB; MemAvailable %lld KiB)\n",
	       free0 - free1, pcp0 - pcp1, avail0 - avail1);
	if (lost > MEM_TARGET_KIB) {
		snap_take(&snap1);
		snap_print_deltas(&snap0, &snap1, 128);
	}
	ok &= lost <= MEM_TARGET_KIB;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("fuzz: the backend exited with %s %d (target 0: NOT met)\n",
		       WIFEXITED(status) ? "status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) :
					   WTERMSIG(status));
		ok = false;
	}
	printf("fuzz: hangs %d (target 0: %s)\n", hangs, met(!hangs));
	ok &= !hangs;
	printf("fuzz: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
