// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop_common.c - the helpers every vxf_loop subtest file shares
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Starting and stopping a backend with its window, reading and writing
 * window words, asking the backend (revoke, peek) and the driver (stats,
 * info, page-table entries), waiting for counters, and the reader threads
 * a failed subtest leaves behind (stop_leftovers()). They use IGT
 * assertions; vxf_loop.h declares them.
 */


#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop.h"

/* Window page @page, 64-bit word @idx. */
volatile uint64_t *word(struct window *w, uint64_t page, uint64_t idx)
{
	return (volatile uint64_t *)w->map + page * VXF_WORDS_PER_PAGE + idx;
}

uint64_t pattern(uint64_t page, uint64_t idx)
{
	return vxf_pattern(page * VXF_PAGE_SIZE + idx * sizeof(uint64_t));
}

/* A value no other page, word or generation has. */
uint64_t value(uint64_t page, uint64_t idx, uint64_t gen)
{
	return pattern(page, idx) ^ (gen * 0x0123456789abcdefULL) ^
	       0xa5a5a5a5a5a5a5a5ULL;
}

uint64_t must_read(volatile uint64_t *p)
{
	uint64_t v = 0;

	igt_assert_f(vxf_try_read64(p, &v), "signal %d reading %p\n",
		     vxf_last_fault_signal(), (void *)p);
	return v;
}

void must_write(volatile uint64_t *p, uint64_t v)
{
	igt_assert_f(vxf_try_write64(p, v), "signal %d writing %p\n",
		     vxf_last_fault_signal(), (void *)p);
}

/* Reader threads started and not joined yet; a failed subtest's */
#define MAX_READERS	64
static pthread_t readers[MAX_READERS];
static unsigned int nr_readers;
/* Bumped when readers are abandoned: they then leave their struct alone. */
static volatile unsigned int reader_gen;
/* The subtest that started what is tracked (IGT: one process for all) */
static char *leftovers_of;

/**
 * stop_leftovers - what a subtest started and did not stop
 * @sig: the signal that ends the process, 0 if none
 *
 * An exit handler (igt_install_exit_handler()): when a subtest fails
 * half-way, its backends and forked helpers are killed (the faults waiting
 * on them then end in SIGBUS) and, outside a signal, its reader threads
 * joined. Also called by the last igt_fixture, for IGT, where a failed
 * subtest does not end a process.
 */
void stop_leftovers(int sig)
{
	struct timespec ts;
	unsigned int i;

	reader_gen++;
	vxf_children_kill();
	if (sig)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	for (i = 0; i < nr_readers; i++)
		pthread_timedjoin_np(readers[i], NULL, &ts);
	nr_readers = 0;
}

/* Start a backend with @args, open its window and map all of it. */
void window_start(struct window *w, const char *const *args)
{
	const char *subtest = igt_subtest_name();
	int ret;

	/*
	 * Under IGT a subtest that failed half-way left its backends and
	 * readers to the next: stop them first. (Here each subtest is a
	 * process and starts with nothing tracked.)
	 */
	if (leftovers_of && (!subtest || strcmp(subtest, leftovers_of)))
		stop_leftovers(0);
	if (!leftovers_of || !subtest || strcmp(subtest, leftovers_of)) {
		free(leftovers_of);
		leftovers_of = subtest ? strdup(subtest) : NULL;
	}
	igt_install_exit_handler(stop_leftovers);
	memset(w, 0, sizeof(*w));
	ret = vxf_backend_startv(&w->be, args);
	/* Xen mode: the dom0 backend's window cannot be what @args ask */
	igt_require_f(ret != -EOPNOTSUPP, "%s\n", vxf_backend_last_error());
	igt_assert_f(ret == 0, "%s\n", vxf_backend_last_error());
	w->pages = w->be.pages;
	w->fd = vxf_open(&w->be);
	igt_assert_f(w->fd >= 0, "open %s: %s\n", w->be.dev, strerror(errno));
	w->map = vxf_map(w->fd, 0, w->pages, PROT_READ | PROT_WRITE);
	igt_assert_f(w->map != MAP_FAILED, "mmap %s: %s\n", w->be.dev,
		     strerror(errno));
}

void window_stop(struct window *w)
{
	munmap(w->map, w->pages * VXF_PAGE_SIZE);
	close(w->fd);
	igt_assert_eq(vxf_backend_stop(&w->be), 0);
}

struct vxf_stats stats(struct window *w)
{
	struct vxf_stats st;

	igt_assert_eq(vxf_stats(w->fd, &st), 0);
	return st;
}

struct vxf_info info(struct window *w)
{
	struct vxf_info in;

	igt_assert_eq(vxf_info(w->fd, &in), 0);
	return in;
}

void be_cmd(struct window *w, const char *cmd)
{
	igt_assert_f(vxf_backend_cmd(&w->be, NULL, 0, "%s", cmd) == 0,
		     "%s\n", vxf_backend_last_error());
}

void be_revoke(struct window *w, uint64_t first, uint64_t count)
{
	int status = vxf_backend_revoke(&w->be, first, count);

	igt_assert_f(status == 0, "revoke %llu %llu: %d: %s\n",
		     (unsigned long long)first, (unsigned long long)count,
		     status, vxf_backend_last_error());
}

void be_revoke_all(struct window *w)
{
	char line[256];
	const char *p;

	if (vxf_hv_mode()) {
		be_revoke(w, 0, w->pages);
		return;
	}
	igt_assert_f(vxf_backend_cmd(&w->be, line, sizeof(line),
				     "revoke-all") == 0,
		     "%s\n", vxf_backend_last_error());
	p = strstr(line, "status=");
	igt_assert_f(!p || atoi(p + 7) == 0, "%s\n", line);
}

uint64_t be_peek(struct window *w, uint64_t page, uint64_t idx)
{
	uint64_t v = 0;

	igt_assert_f(vxf_backend_peek(&w->be, page, idx, &v) == 0, "%s\n",
		     vxf_backend_last_error());
	return v;
}

/**
 * pte_of - the page table entry mapping @addr, read by the loop test module
 * @addr: an address in a window mapping of this process
 *
 * What the kernel really gave the mapping (VXF_LOOP_IOC_PTE), for tests of
 * memory types. Skips the subtest without /dev/vxf-loop (Xen mode) or off
 * x86.
 */
struct vxf_loop_pte pte_of(volatile void *addr)
{
	struct vxf_loop_pte p = { .addr = (uintptr_t)addr };
	int fd = open("/dev/vxf-loop", O_RDWR | O_CLOEXEC);
	int ret;

	igt_require_f(fd >= 0, "no /dev/vxf-loop to read page tables: %s\n",
		      strerror(errno));
	ret = ioctl(fd, VXF_LOOP_IOC_PTE, &p);
	close(fd);
	igt_require_f(ret == 0 || errno != EOPNOTSUPP,
		      "no page table reads here (not x86)\n");
	igt_assert_f(ret == 0, "VXF_LOOP_IOC_PTE %p: %s\n", (void *)addr,
		     strerror(errno));
	return p;
}

const char *cache_name(uint32_t cache)
{
	switch (cache) {
	case VXF_CACHE_WB:
		return "write-back";
	case VXF_CACHE_WC:
		return "write-combining";
	case VXF_CACHE_UC:
		return "uncached";
	default:
		return "other";
	}
}

/*
 * @addr is mapped now, with memory type @cache in its page table entry.
 * Skips the subtest on a kernel without x86 PAT (no type to read back).
 */
void expect_pte_cache(volatile void *addr, uint32_t cache)
{
	struct vxf_loop_pte p = pte_of(addr);

	igt_assert_f(p.present, "%p: no page table entry\n", (void *)addr);
	igt_require_f(p.cache != VXF_LOOP_CACHE_UNKNOWN,
		      "the kernel has no x86 PAT: no memory type to read back\n");
	igt_assert_f(p.cache == cache,
		     "%p: mapped %s (pfn %#llx%s), expected %s\n",
		     (void *)addr, cache_name(p.cache),
		     (unsigned long long)p.pfn, p.huge ? ", 2 MiB" : "",
		     cache_name(cache));
}

/* Check a whole page: every word against @expect(page, idx, gen). */
void check_page(struct window *w, uint64_t page,
		uint64_t (*expect)(uint64_t, uint64_t, uint64_t), uint64_t gen)
{
	uint64_t idx, got;

	got = must_read(word(w, page, 0));	/* the one that faults */
	igt_assert_f(got == expect(page, 0, gen),
		     "page %llu word 0: %#llx, expected %#llx\n",
		     (unsigned long long)page, (unsigned long long)got,
		     (unsigned long long)expect(page, 0, gen));
	for (idx = 1; idx < VXF_WORDS_PER_PAGE; idx++) {
		got = *word(w, page, idx);
		igt_assert_f(got == expect(page, idx, gen),
			     "page %llu word %llu: %#llx, expected %#llx%s\n",
			     (unsigned long long)page,
			     (unsigned long long)idx,
			     (unsigned long long)got,
			     (unsigned long long)expect(page, idx, gen),
			     got == VXF_POISON ? " (poison: stale page)" : "");
	}
}

uint64_t expect_pattern(uint64_t page, uint64_t idx, uint64_t gen)
{
	(void)gen;
	return pattern(page, idx);
}

void fill_page(struct window *w, uint64_t page, uint64_t gen)
{
	uint64_t idx;

	must_write(word(w, page, 0), value(page, 0, gen));
	for (idx = 1; idx < VXF_WORDS_PER_PAGE; idx++)
		*word(w, page, idx) = value(page, idx, gen);
}

static bool wait_faults_cond(void *arg)
{
	struct window *w = arg;
	struct vxf_stats st;

	return vxf_stats(w->fd, &st) == 0 && st.faults >= w->faults_target;
}

/* Wait until the window has seen @n more faults than @since; true if so. */
bool wait_faults(struct window *w, const struct vxf_stats *since, uint64_t n)
{
	w->faults_target = since->faults + n;
	return vxf_wait_for(wait_faults_cond, w, 10000) == 0;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether task @tid (a thread of any process) is asleep. */
static bool task_asleep(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the name may hold anything */
	return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

struct in_fault {
	struct window *w;
	uint64_t maps;
	volatile pid_t *tid;
};

static bool in_fault_cond(void *arg)
{
	struct in_fault *f = arg;
	struct vxf_backend_stats bs;

	return *f->tid && vxf_backend_stats(&f->w->be, &bs) == 0 &&
	       bs.maps > f->maps && task_asleep(*f->tid);
}

/**
 * wait_in_fault - wait until a task waits in a fault for its MAP's answer
 * @w: the window; its backend holds MAPs ("hang on")
 * @b0: the backend's stats from before the fault
 * @tid: the faulting task's thread id (0 until it is known)
 *
 * The backend has read a MAP more than at @b0 (it counts MAPs as it reads
 * them, answered or not) and the task sleeps: after sending its MAP a fault
 * sleeps nowhere but in the wait for the answer. No IGT calls (a forked
 * child uses it).
 *
 * Return: true once so, false after 10 s.
 */
bool wait_in_fault(struct window *w, const struct vxf_backend_stats *b0,
		   volatile pid_t *tid)
{
	struct in_fault f = { .w = w, .maps = b0->maps, .tid = tid };

	return vxf_wait_for(in_fault_cond, &f, 10000) == 0;
}

struct vxf_backend_stats be_stats(struct window *w)
{
	struct vxf_backend_stats bs;

	igt_assert_f(vxf_backend_stats(&w->be, &bs) == 0, "%s\n",
		     vxf_backend_last_error());
	return bs;
}

struct stat_wait {
	struct window *w;
	size_t offset;
	uint64_t target;
};

static bool stat_reached(void *arg)
{
	struct stat_wait *sw = arg;
	struct vxf_stats st;
	uint64_t v;

	if (vxf_stats(sw->w->fd, &st))
		return false;
	memcpy(&v, (char *)&st + sw->offset, sizeof(v));
	return v >= sw->target;
}

/*
 * Wait until the u64 at @offset in struct vxf_stats reaches @target (see
 * WAIT_STAT()); true if it did within @ms milliseconds (wait_stat(): 20 s).
 */
bool wait_stat_ms(struct window *w, size_t offset, uint64_t target, int ms)
{
	struct stat_wait sw = { w, offset, target };

	return vxf_wait_for(stat_reached, &sw, ms) == 0;
}

bool wait_stat(struct window *w, size_t offset, uint64_t target)
{
	return wait_stat_ms(w, offset, target, 20000);
}

/*
 * The first @max CPUs of @set into @cpus, lowest first; returns how many
 * there were.
 */
int cpus_in(const cpu_set_t *set, int *cpus, int max)
{
	int c, n = 0;

	for (c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, set))
			cpus[n++] = c;
	return n;
}

/* Wait for @pid for up to @ms milliseconds; true and *@status if it ended. */
bool wait_pid(pid_t pid, int *status, int ms)
{
	const struct timespec tick = { 0, 1000 * 1000 };

	for (; ms >= 0; ms--) {
		if (waitpid(pid, status, WNOHANG) == pid) {
			vxf_child_untrack(pid);
			return true;
		}
		nanosleep(&tick, NULL);
	}
	return false;
}

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	unsigned int gen = reader_gen;
	uint64_t v = 0;
	bool ok;
	int sig;

	r->tid = gettid();
	ok = vxf_try_read64(word(r->w, r->page, 0), &v);
	sig = vxf_last_fault_signal();
	if (gen != reader_gen)
		return NULL;	/* abandoned: *r may be gone */
	r->value = v;
	r->ok = ok;
	r->sig = sig;
	return NULL;
}

void reader_start(struct reader *r, struct window *w, uint64_t page)
{
	*r = (struct reader){ .w = w, .page = page };
	igt_assert_eq(pthread_create(&r->thread, NULL, reader_thread, r), 0);
	if (nr_readers < MAX_READERS)
		readers[nr_readers++] = r->thread;
}

/* Join a reader, failing after @ms rather than hanging. */
void reader_join(struct reader *r, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	igt_assert_f(pthread_timedjoin_np(r->thread, NULL, &ts) == 0,
		     "a fault on page %llu did not end within %d ms\n",
		     (unsigned long long)r->page, ms);
	for (unsigned int i = 0; i < nr_readers; i++)
		if (pthread_equal(readers[i], r->thread))
			readers[i] = readers[--nr_readers];
}
