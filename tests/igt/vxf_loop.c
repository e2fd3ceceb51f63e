// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_loop.c - IGT tests of virtio-xen-fault in loop mode
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The fault and revoke subtests, the helpers the other files share, and
 * igt_main. Each subtest starts its own reference backend (tools/vxf-backend)
 * in loop mode, maps the window it creates and checks one behaviour a user
 * of /dev/vxfN relies on: contents survive revokes, failures end in SIGBUS or
 * EFAULT and never in a hang or silent garbage, get_user_pages is refused,
 * errors of the uapi are the documented ones.
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

/* ---- subtests ------------------------------------------------------- */

static void test_first_touch(void)
{
	struct vxf_stats s0, s1;
	struct vxf_info in;
	struct window w;
	uint64_t page;

	START(&w, "--pages", "64", "--quiet");
	in = info(&w);
	/* Xen mode: the test uses the first 64 pages of the dom0 window */
	igt_assert_eq_u64(in.window_pages, w.be.xen ? w.be.window_pages : 64);
	igt_assert_eq(in.index, w.be.index);
	igt_assert_eq(in.state, VXF_STATE_CONNECTED);
	igt_assert_lt(0, (int)in.map_pages);

	s0 = stats(&w);
	for (page = 0; page < w.pages; page++)
		check_page(&w, page, expect_pattern, 0);
	s1 = stats(&w);

	igt_info("faults %llu maps %llu map_pages %llu (granule %u)\n",
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.map_pages - s0.map_pages),
		 in.map_pages);
	igt_assert_lte_u64(w.pages / in.map_pages, s1.faults - s0.faults);
	igt_assert_lte_u64(w.pages / in.map_pages, s1.maps - s0.maps);
	igt_assert_lte_u64(w.pages, s1.map_pages - s0.map_pages);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	/*
	 * Xen mode: the test has the first pages of a larger window, and
	 * prefetch may have gone past them.
	 */
	if (w.be.xen)
		igt_assert_lte_u64(w.pages, s1.mapped_pages);
	else
		igt_assert_eq_u64(s1.mapped_pages, w.pages);

	/* Present pages are not asked for again. */
	for (page = 0; page < w.pages; page++)
		check_page(&w, page, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);
	window_stop(&w);
}

static void test_rw_after_revoke(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t gen[64] = { }, page;
	unsigned int seed = 1;
	int round;

	START(&w, "--pages", "64", "--quiet");
	s0 = stats(&w);
	for (page = 0; page < w.pages; page++)
		fill_page(&w, page, gen[page]);

	for (round = 0; round < 16; round++) {
		uint64_t first = rand_r(&seed) % w.pages;
		uint64_t count = 1 + rand_r(&seed) % (w.pages - first);

		if (round % 4 == 3) {
			first = 0;
			count = w.pages;
			be_revoke_all(&w);
		} else {
			be_revoke(&w, first, count);
		}
		/* The backend holds what we wrote, and so do we. */
		igt_assert_eq_u64(be_peek(&w, first, 0), value(first, 0,
							    gen[first]));
		igt_assert_eq_u64(be_peek(&w, first + count - 1, 511),
				  value(first + count - 1, 511,
					gen[first + count - 1]));
		for (page = 0; page < w.pages; page++)
			check_page(&w, page, value, gen[page]);

		/* Write after a revoke, then revoke what was written. */
		for (page = first; page < first + count; page++)
			fill_page(&w, page, ++gen[page]);
		be_revoke(&w, first, count);
		for (page = 0; page < w.pages; page++)
			check_page(&w, page, value, gen[page]);
	}
	s1 = stats(&w);
	igt_assert_lte_u64(32, s1.revokes - s0.revokes);
	igt_assert_lt_u64(0, s1.revoked_pages - s0.revoked_pages);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	window_stop(&w);
}

#define STORM_THREADS	8
#define STORM_WORDS	4

struct storm_thread {
	struct window *w;
	pthread_t thread;
	int id;
	uint64_t loops;
	uint64_t errors;
	char first_error[256];
};

static const uint64_t storm_idx[STORM_WORDS] = { 0, 17, 256, 511 };

static void storm_error(struct storm_thread *t, const char *what,
			uint64_t page, uint64_t idx, uint64_t got,
			uint64_t expect)
{
	if (!t->errors++)
		snprintf(t->first_error, sizeof(t->first_error),
			 "thread %d loop %llu page %llu word %llu: %s "
			 "%#llx, expected %#llx", t->id,
			 (unsigned long long)t->loops,
			 (unsigned long long)page, (unsigned long long)idx,
			 what, (unsigned long long)got,
			 (unsigned long long)expect);
}

/* One pass over the thread's pages: write a generation, read it back. */
static void storm_pass(struct storm_thread *t, uint64_t gen)
{
	struct window *w = t->w;
	uint64_t page, got;
	int i;

	for (page = t->id; page < w->pages; page += STORM_THREADS)
		for (i = 0; i < STORM_WORDS; i++)
			if (!vxf_try_write64(word(w, page, storm_idx[i]),
					     value(page, storm_idx[i], gen)))
				storm_error(t, "signal on write", page,
					    storm_idx[i],
					    vxf_last_fault_signal(), 0);
	for (page = t->id; page < w->pages; page += STORM_THREADS) {
		for (i = 0; i < STORM_WORDS; i++) {
			uint64_t e = value(page, storm_idx[i], gen);

			if (!vxf_try_read64(word(w, page, storm_idx[i]), &got))
				storm_error(t, "signal on read", page,
					    storm_idx[i],
					    vxf_last_fault_signal(), e);
			else if (got != e)
				storm_error(t, "read", page, storm_idx[i],
					    got, e);
		}
		/* A word nobody writes keeps the backend's pattern. */
		if (!vxf_try_read64(word(w, page, 100), &got))
			storm_error(t, "signal on read", page, 100,
				    vxf_last_fault_signal(),
				    pattern(page, 100));
		else if (got != pattern(page, 100))
			storm_error(t, "read", page, 100, got,
				    pattern(page, 100));
	}
}

static void *storm_thread(void *arg)
{
	struct storm_thread *t = arg;
	struct timespec start = { };

	while (igt_seconds_elapsed(&start) < 3 && t->errors < 16)
		storm_pass(t, ++t->loops);
	return NULL;
}

static void test_revoke_storm(void)
{
	struct storm_thread t[STORM_THREADS];
	struct vxf_backend_stats bs;
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t errors = 0;
	int i;

	START(&w, "--pages", "256", "--storm-us", "500", "--quiet");
	s0 = stats(&w);
	for (i = 0; i < STORM_THREADS; i++) {
		t[i] = (struct storm_thread){ .w = &w, .id = i };
		igt_assert_eq(pthread_create(&t[i].thread, NULL, storm_thread,
					     &t[i]), 0);
	}
	for (i = 0; i < STORM_THREADS; i++) {
		pthread_join(t[i].thread, NULL);
		igt_info("thread %d: %llu loops, %llu errors\n", i,
			 (unsigned long long)t[i].loops,
			 (unsigned long long)t[i].errors);
		if (t[i].errors)
			igt_warn("%s\n", t[i].first_error);
		errors += t[i].errors;
		igt_assert_lt_u64(0, t[i].loops);
	}
	be_cmd(&w, "storm 0");
	s1 = stats(&w);
	igt_assert_eq(vxf_backend_stats(&w.be, &bs), 0);
	igt_info("revokes %llu (backend %llu), revoked pages %llu, "
		 "faults %llu\n", (unsigned long long)(s1.revokes - s0.revokes),
		 (unsigned long long)bs.revokes,
		 (unsigned long long)(s1.revoked_pages - s0.revoked_pages),
		 (unsigned long long)(s1.faults - s0.faults));
	igt_assert_eq_u64(errors, 0);
	igt_assert_lt_u64(0, s1.revokes - s0.revokes);
	igt_assert_lt_u64(0, bs.revokes);
	window_stop(&w);
}

#define COALESCE_THREADS	4
#define COALESCE_PAGE		5

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

static void test_coalesce_one_page(void)
{
	struct reader r[COALESCE_THREADS];
	struct vxf_backend_stats b0;
	struct vxf_stats s0, s1;
	struct window w;
	bool faulted, waiting;
	int i;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	for (i = 0; i < COALESCE_THREADS; i++)
		reader_start(&r[i], &w, COALESCE_PAGE);
	faulted = wait_faults(&w, &s0, COALESCE_THREADS);
	/*
	 * All wait for the one MAP before it is answered: the first sent it,
	 * the others joined it (coalesced is counted as a fault joins).
	 */
	waiting = faulted && wait_in_fault(&w, &b0, &r[0].tid);
	for (i = 0; waiting && i < COALESCE_THREADS; i++)
		waiting = wait_in_fault(&w, &b0, &r[i].tid);
	waiting = waiting && stats(&w).coalesced - s0.coalesced >=
			     COALESCE_THREADS - 1;
	be_cmd(&w, "hang off");
	for (i = 0; i < COALESCE_THREADS; i++) {
		reader_join(&r[i], 20000);
		igt_assert_f(r[i].ok, "reader %d: signal %d\n", i, r[i].sig);
		igt_assert_eq_u64(r[i].value, pattern(COALESCE_PAGE, 0));
	}
	s1 = stats(&w);
	igt_info("faults %llu coalesced %llu maps %llu\n",
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.coalesced - s0.coalesced),
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert_f(faulted, "not all %d readers reached the driver\n",
		     COALESCE_THREADS);
	igt_assert_f(waiting, "not all %d readers waited for the MAP\n",
		     COALESCE_THREADS);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, 1);
	igt_assert_lte_u64(COALESCE_THREADS - 1, s1.coalesced - s0.coalesced);
	window_stop(&w);
}

static void test_fatal_signal_pending_fault(void)
{
	struct vxf_backend_stats b0;
	volatile pid_t child;
	struct vxf_stats s0;
	struct window w;
	double t0;
	int status;
	pid_t pid;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint64_t v;

		_exit(vxf_try_read64(word(&w, 3, 0), &v) ? 0 : 1);
	}
	vxf_child_track(pid);
	igt_assert_f(wait_faults(&w, &s0, 1), "the child's fault never came\n");
	child = pid;
	igt_assert_f(wait_in_fault(&w, &b0, &child),
		     "the child does not wait for its MAP\n");

	t0 = now_s();
	kill(pid, SIGKILL);
	igt_assert_f(wait_pid(pid, &status, 5000),
		     "a SIGKILLed task waiting in a fault did not die\n");
	igt_info("child died %.3f s after SIGKILL\n", now_s() - t0);
	igt_assert(WIFSIGNALED(status));
	igt_assert_eq(WTERMSIG(status), SIGKILL);

	be_cmd(&w, "hang off");
	check_page(&w, 3, expect_pattern, 0);
	check_page(&w, 4, expect_pattern, 0);
	window_stop(&w);
}

static void test_backend_error_sigbus(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page, v;

	START(&w, "--pages", "32", "--map-pages", "1", "--fail", "8:4",
	      "--quiet");
	s0 = stats(&w);
	for (page = 0; page < w.pages; page++) {
		bool ok = vxf_try_read64(word(&w, page, 0), &v);

		if (page >= 8 && page < 12) {
			igt_assert_f(!ok, "page %llu read %#llx, not SIGBUS\n",
				     (unsigned long long)page,
				     (unsigned long long)v);
			igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
		} else {
			igt_assert_f(ok, "page %llu: signal %d\n",
				     (unsigned long long)page,
				     vxf_last_fault_signal());
			igt_assert_eq_u64(v, pattern(page, 0));
		}
	}
	igt_assert(!vxf_try_write64(word(&w, 9, 3), 1));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.map_errors - s0.map_errors);
	igt_assert_lte_u64(5, s1.sigbus - s0.sigbus);

	/* An error is not sticky: once the backend recovers, so do we. */
	be_cmd(&w, "unfail");
	check_page(&w, 9, expect_pattern, 0);
	window_stop(&w);
}

static void test_backend_timeout_sigbus(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;
	double t0;

	START(&w, "--pages", "8", "--no-answer", "--timeout-ms", "500",
	      "--quiet");
	igt_assert_eq(info(&w).fault_timeout_ms, 500);
	s0 = stats(&w);
	t0 = now_s();
	igt_assert(!vxf_try_read64(word(&w, 1, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	igt_info("SIGBUS after %.3f s\n", now_s() - t0);
	s1 = stats(&w);
	igt_assert_lte_u64(1, s1.timeouts - s0.timeouts);
	igt_assert_lte_u64(1, s1.sigbus - s0.sigbus);

	window_stop(&w);	/* with the MAP still unanswered */

	/* A MAP given up on and answered late changes nothing. */
	START(&w, "--pages", "16", "--timeout-ms", "300", "--quiet");
	be_cmd(&w, "hang on");
	igt_assert(!vxf_try_read64(word(&w, 2, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	be_cmd(&w, "hang off");
	check_page(&w, 9, expect_pattern, 0);
	check_page(&w, 2, expect_pattern, 0);
	be_cmd(&w, "revoke-all");
	check_page(&w, 2, expect_pattern, 0);
	window_stop(&w);

	/* Nor in the next window, which may reuse what those freed. */
	START(&w, "--pages", "16", "--quiet");
	check_page(&w, 1, expect_pattern, 0);
	check_page(&w, 15, expect_pattern, 0);
	window_stop(&w);
}

static void test_backend_killed_mid_fault(void)
{
	struct vxf_backend_stats b0;
	struct vxf_backend again;
	struct reader r, after;
	struct vxf_stats s0;
	struct window w;
	char index[16];

	igt_require_f(!vxf_xen_mode(), "Xen mode: the dom0 backend is "
		      "restarted by dom0, not by the test: see "
		      "xen-backend-killed-restarted-while-faulting\n");
	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	fill_page(&w, 0, 1);	/* mapped, and unlike a fresh backend's */
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	b0 = be_stats(&w);
	reader_start(&r, &w, 2);
	igt_assert_f(wait_faults(&w, &s0, 1), "the fault never came\n");
	igt_assert_f(wait_in_fault(&w, &b0, &r.tid),
		     "the reader does not wait for its MAP\n");

	vxf_backend_kill(&w.be);
	reader_join(&r, 20000);
	igt_assert_f(!r.ok, "read %#llx from a dead backend\n",
		     (unsigned long long)r.value);
	igt_assert_eq(r.sig, SIGBUS);
	igt_assert_eq(info(&w).state, VXF_STATE_DISCONNECTED);

	/*
	 * The dead backend's pages are gone: page 0 may fail or wait for
	 * the next backend, but must never show what it held.
	 */
	reader_start(&after, &w, 0);
	snprintf(index, sizeof(index), "%d", w.be.index);
	igt_assert_f(vxf_backend_start(&again, "--index", index, "--pages",
				       "16", "--map-pages", "1", "--quiet",
				       NULL) == 0,
		     "%s\n", vxf_backend_last_error());
	igt_assert_eq(again.index, w.be.index);
	w.be = again;
	reader_join(&after, 40000);
	igt_info("page 0 while reattaching: %s\n",
		 after.ok ? "served" : "SIGBUS");
	igt_assert_f(!after.ok || after.value == pattern(0, 0),
		     "page 0 shows %#llx after its backend died%s\n",
		     (unsigned long long)after.value,
		     after.value == value(0, 0, 1) ? " (the dead backend's "
		     "page is still mapped)" : "");

	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 0, expect_pattern, 0);
	check_page(&w, 2, expect_pattern, 0);
	fill_page(&w, 7, 1);
	check_page(&w, 7, value, 1);
	window_stop(&w);
}

static void test_revoke_during_map(void)
{
	struct vxf_stats s0;
	struct reader r;
	struct window w;
	double t0;

	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	fill_page(&w, 3, 1);
	be_revoke(&w, 3, 1);	/* page 3 now lives in the backend only */
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	reader_start(&r, &w, 3);
	igt_assert_f(wait_faults(&w, &s0, 1), "the fault never came\n");

	/* The frontend answers a REVOKE without waiting for the fault. */
	t0 = now_s();
	be_revoke(&w, 0, 16);
	igt_info("revoke answered in %.3f s with a MAP in flight\n",
		 now_s() - t0);
	be_cmd(&w, "hang off");
	reader_join(&r, 20000);
	igt_assert_f(r.ok, "signal %d\n", r.sig);
	igt_assert_eq_u64(r.value, value(3, 0, 1));
	check_page(&w, 3, value, 1);
	window_stop(&w);
}

/* "@key N" of /sys/kernel/debug/vxf/vxfN/@file, or -1 if not there. */
static int64_t window_debugfs(struct window *w, const char *file,
			      const char *key)
{
	struct vxf_counters cs;
	char path[128];
	long long v;

	snprintf(path, sizeof(path), "/sys/kernel/debug/vxf/vxf%d/%s",
		 w->be.index, file);
	if (vxf_counters_read(&cs, path) || !vxf_counter_find(&cs, key, &v))
		return -1;
	return v;
}

enum prefetch_order {
	PREFETCH_SEQUENTIAL,
	PREFETCH_SCATTERED,
	PREFETCH_TWO_STREAMS,
};

/*
 * Sequential first touches make the driver ask ahead (MAPs flagged
 * PREFETCH); touches in a scattered order do not; two sequential streams
 * interleaved (as two threads reading their own halves would make them) are
 * each followed. Contents are right either way.
 */
static void test_prefetch(enum prefetch_order order)
{
	static const char *const names[] = {
		"sequential", "scattered", "two streams",
	};
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t i, page;

	igt_require_f(!vxf_hv_mode(), "reported faults do not prefetch\n");
	START(&w, "--pages", "256", "--map-pages", "1", "--quiet");
	igt_require_f(window_debugfs(&w, "info", "prefetch_max") > 0,
		      "prefetch disabled (prefetch_pages=0)\n");
	s0 = stats(&w);
	for (i = 0; i < w.pages; i++) {
		if (order == PREFETCH_SEQUENTIAL)
			page = i;
		else if (order == PREFETCH_SCATTERED)
			/* 37 is prime to 256: every page once, no neighbours */
			page = (i * 37) % w.pages;
		else
			page = i / 2 + (i % 2) * (w.pages / 2);
		check_page(&w, page, expect_pattern, 0);
	}
	s1 = stats(&w);
	igt_info("%s: faults %llu maps %llu prefetched %llu\n", names[order],
		 (unsigned long long)(s1.faults - s0.faults),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.prefetched_pages -
				      s0.prefetched_pages));
	if (order == PREFETCH_SCATTERED)
		igt_assert_eq_u64(s1.prefetched_pages, s0.prefetched_pages);
	else
		/* all but the first few misses were asked for ahead */
		igt_assert_lte_u64(w.pages / 2,
				   s1.prefetched_pages - s0.prefetched_pages);
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);
	window_stop(&w);
}

/*
 * The backend may decline a PREFETCH MAP (-XEN_EAGAIN, vxfif.h): faults
 * that joined the declined MAP ask again, with a MAP of their own, and
 * complete; none gets SIGBUS.
 */
static void test_prefetch_declined(void)
{
	struct reader seq, r[4];
	struct vxf_stats s0, s1;
	struct window w;
	char line[512];
	int i;

	igt_require_f(!vxf_hv_mode(), "reported faults do not prefetch\n");
	igt_require_f(vxf_backend_has_option("--decline-prefetch"),
		      "backend %s has no --decline-prefetch\n",
		      vxf_backend_path());
	START(&w, "--pages", "64", "--map-pages", "1", "--timeout-ms",
	      "30000", "--decline-prefetch", "1", "--quiet");
	igt_require_f(window_debugfs(&w, "info", "prefetch_max") >= 4,
		      "prefetch_pages below 4\n");

	/* Page 0 starts a stream; the miss on page 1 prefetches 2..5. */
	check_page(&w, 0, expect_pattern, 0);
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	reader_start(&seq, &w, 1);
	WAIT_STAT(&w, prefetched_pages, s0.prefetched_pages + 4);
	/* Demand faults join the prefetch MAPs in flight. */
	for (i = 0; i < 4; i++)
		reader_start(&r[i], &w, 2 + i);
	WAIT_STAT(&w, coalesced, s0.coalesced + 4);
	be_cmd(&w, "hang off");

	reader_join(&seq, 20000);
	igt_assert_f(seq.ok, "page 1: signal %d\n", seq.sig);
	igt_assert_eq_u64(seq.value, pattern(1, 0));
	for (i = 0; i < 4; i++) {
		reader_join(&r[i], 20000);
		igt_assert_f(r[i].ok, "page %d (joined a declined prefetch): signal %d\n",
			     2 + i, r[i].sig);
		igt_assert_eq_u64(r[i].value, pattern(2 + i, 0));
	}
	s1 = stats(&w);
	igt_assert(vxf_backend_cmd(&w.be, line, sizeof(line), "stats") == 0);
	igt_info("declined %llu; maps %llu sigbus %llu map_errors %llu\n",
		 (unsigned long long)vxf_reply_field(line, "declined"),
		 (unsigned long long)(s1.maps - s0.maps),
		 (unsigned long long)(s1.sigbus - s0.sigbus),
		 (unsigned long long)(s1.map_errors - s0.map_errors));
	igt_assert_lte_u64(4, vxf_reply_field(line, "declined"));
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	/* A declined prefetch is no error. */
	igt_assert_eq_u64(s1.map_errors, s0.map_errors);
	for (i = 0; i < 8; i++)
		check_page(&w, i, expect_pattern, 0);
	window_stop(&w);
}

/* The backend has received @maps MAPs in all. */
struct maps_wait {
	struct window *w;
	uint64_t maps;
};

static bool backend_got_maps(void *arg)
{
	struct maps_wait *mw = arg;
	struct vxf_backend_stats st;

	return vxf_backend_stats(&mw->w->be, &st) == 0 &&
	       st.maps >= mw->maps;
}

static void wait_backend_maps(struct window *w, uint64_t maps)
{
	struct maps_wait mw = { .w = w, .maps = maps };

	igt_assert_f(vxf_wait_for(backend_got_maps, &mw, 10000) == 0,
		     "the backend never got MAP number %llu\n",
		     (unsigned long long)maps);
}

struct lent_wait {
	struct window *w;
	uint64_t min;
};

/* The backend lent at least @min pages, and they are the frontend's. */
static bool lent_is_mapped(void *arg)
{
	struct lent_wait *lw = arg;
	struct vxf_backend_stats st;

	return vxf_backend_stats(&lw->w->be, &st) == 0 &&
	       st.granted >= lw->min &&
	       st.granted == stats(lw->w).mapped_pages;
}

/*
 * Wait until the pages the backend lent (at least @min) are exactly the
 * pages the frontend maps; fail if that never happens.
 */
void expect_lent_is_mapped(struct window *w, uint64_t min)
{
	struct lent_wait lw = { .w = w, .min = min };
	struct vxf_backend_stats st;

	if (vxf_wait_for(lent_is_mapped, &lw, 10000) == 0)
		return;
	igt_assert(vxf_backend_stats(&w->be, &st) == 0);
	igt_assert_f(false, "backend lent %llu pages, frontend maps %llu\n",
		     (unsigned long long)st.granted,
		     (unsigned long long)stats(w).mapped_pages);
}

/*
 * vxfif.h: a MAP in flight when a REVOKE (or a RESET) of its pages comes is
 * not cancelled; its answer, which the backend pushes after the REVOKE_DONE
 * (or the RESET's answer), is installed. The fault is served by that one
 * MAP, and the backend's lent pages are the frontend's mapped pages.
 */
static void test_map_in_flight(bool reset)
{
	struct vxf_backend_stats b0;
	struct vxf_stats s0, s1;
	struct reader r;
	struct window w;
	char line[256];

	igt_require_f(!vxf_hv_mode(), "hypervisor revokes need no answer\n");
	igt_require_f(!vxf_xen_mode(), "checked in loop mode\n");
	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms",
	      "30000", "--quiet");
	check_page(&w, 5, expect_pattern, 0);
	igt_assert(vxf_backend_stats(&w.be, &b0) == 0);
	be_cmd(&w, "hang on");
	s0 = stats(&w);
	reader_start(&r, &w, 3);
	wait_backend_maps(&w, b0.maps + 1);

	if (reset) {
		igt_assert_f(vxf_backend_cmd(&w.be, line, sizeof(line),
					     "reset") == 0,
			     "%s\n", vxf_backend_last_error());
		igt_assert_f(strstr(line, "status=0"), "%s\n", line);
	} else {
		be_revoke(&w, 0, 16);
	}
	be_cmd(&w, "hang off");
	reader_join(&r, 20000);
	igt_assert_f(r.ok, "signal %d\n", r.sig);
	igt_assert_eq_u64(r.value, pattern(3, 0));

	s1 = stats(&w);
	igt_info("MAPs sent for the fault: %llu\n",
		 (unsigned long long)(s1.maps - s0.maps));
	igt_assert_f(s1.maps - s0.maps == 1,
		     "the MAP in flight was not honoured: %llu MAPs\n",
		     (unsigned long long)(s1.maps - s0.maps));
	expect_lent_is_mapped(&w, 1);
	check_page(&w, 5, expect_pattern, 0);
	window_stop(&w);
}

/*
 * vxfif.h: a MAP whose fault gave up waiting (fault timeout) is still owed
 * its answer, which is installed when it comes: the backend's lent pages
 * stay the frontend's mapped pages, and the page needs no new MAP.
 */
static void test_late_answer(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t v;

	igt_require_f(!vxf_hv_mode(), "hypervisor mode waits elsewhere\n");
	igt_require_f(!vxf_xen_mode(), "checked in loop mode\n");
	START(&w, "--pages", "16", "--map-pages", "1", "--timeout-ms", "300",
	      "--quiet");
	be_cmd(&w, "hang on");
	igt_assert(!vxf_try_read64(word(&w, 2, 0), &v));
	igt_assert_eq(vxf_last_fault_signal(), SIGBUS);
	s0 = stats(&w);
	igt_assert_eq_u64(s0.mapped_pages, 0);
	be_cmd(&w, "hang off");
	expect_lent_is_mapped(&w, 1);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.mapped_pages, 1);
	check_page(&w, 2, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);
	window_stop(&w);
}

struct revoke_wait {
	struct window *w;
	uint64_t done;
};

static bool revokes_answered(void *arg)
{
	struct revoke_wait *rw = arg;
	struct vxf_backend_stats st;

	return vxf_backend_stats(&rw->w->be, &st) == 0 &&
	       st.revoke_done >= rw->done;
}

/*
 * A backend that fills the event ring at once has its events handled in
 * several passes (the driver's budget), each counted in ring_requeues of
 * the window's debugfs stats; every event is still answered and the window
 * goes on.
 */
static void test_ring_budget(void)
{
	struct vxf_backend_stats b0;
	struct revoke_wait rw;
	unsigned int pushed;
	struct window w;
	char line[256];
	int64_t r0, r1;

	igt_require_f(!vxf_hv_mode(), "the ring is the same in hv mode\n");
	igt_require_f(!vxf_xen_mode(), "debugfs of the loop window only\n");
	START(&w, "--pages", "8", "--map-pages", "1", "--quiet");
	igt_require_f(window_debugfs(&w, "info", "window_pages") > 0,
		      "no debugfs\n");
	r0 = window_debugfs(&w, "stats", "ring_requeues");
	igt_assert_f(r0 >= 0, "no ring_requeues in the window's stats\n");
	check_page(&w, 0, expect_pattern, 0);
	igt_assert(vxf_backend_stats(&w.be, &b0) == 0);

	igt_assert_f(vxf_backend_cmd(&w.be, line, sizeof(line), "flood 32") ==
		     0, "%s\n", vxf_backend_last_error());
	pushed = vxf_reply_field(line, "pushed");
	igt_info("%u REVOKEs pushed at once\n", pushed);
	igt_assert_lte(32, pushed);
	rw.w = &w;
	rw.done = b0.revoke_done + pushed;
	igt_assert_f(vxf_wait_for(revokes_answered, &rw, 20000) == 0,
		     "not every REVOKE was answered\n");

	r1 = window_debugfs(&w, "stats", "ring_requeues");
	igt_info("ring_requeues %lld -> %lld\n", (long long)r0, (long long)r1);
	igt_assert_f(r1 > r0, "%u events handled in one pass\n", pushed);
	igt_assert_eq(info(&w).state, VXF_STATE_CONNECTED);
	check_page(&w, 0, expect_pattern, 0);
	window_stop(&w);
}

static void test_map_granule(void)
{
	struct vxf_stats s0, s1;
	struct window w;
	uint64_t page;

	START(&w, "--pages", "10", "--map-pages", "8", "--quiet");
	igt_assert_eq(info(&w).map_pages, 8);
	s0 = stats(&w);
	check_page(&w, 0, expect_pattern, 0);
	s1 = stats(&w);
	igt_assert_eq_u64(s1.maps - s0.maps, 1);
	igt_assert_eq_u64(s1.map_pages - s0.map_pages, 8);
	for (page = 1; page < 8; page++)
		check_page(&w, page, expect_pattern, 0);
	igt_assert_eq_u64(stats(&w).maps, s1.maps);

	/* The last granule is cut at the end of the window. */
	check_page(&w, 9, expect_pattern, 0);
	check_page(&w, 8, expect_pattern, 0);
	s0 = stats(&w);
	igt_assert_eq_u64(s0.maps - s1.maps, 1);
	igt_assert_eq_u64(s0.map_pages - s1.map_pages, 2);
	igt_assert_eq_u64(s0.mapped_pages, 10);
	window_stop(&w);
}

igt_main
{
	igt_fixture {
		igt_require_f(vxf_backend_available(), "no backend at %s\n",
			      vxf_backend_path());
		/* Xen mode uses the dom0 backend's window, not the loop module */
		igt_require_f(vxf_xen_mode() ||
			      access("/dev/vxf-loop", R_OK | W_OK) == 0,
			      "no /dev/vxf-loop: test module virtio-xen-fault-loop not loaded?\n");
	}

	igt_describe("Reading every page of a fresh window faults each in "
		     "once and shows the backend's contents.");
	igt_subtest("first-touch")
		test_first_touch();

	igt_describe("Data written survives repeated revokes of ranges and "
		     "of the whole window, on both sides.");
	igt_subtest("read-write-after-revoke")
		test_rw_after_revoke();

	igt_describe("Eight threads read and write their own pages while the "
		     "backend revokes random ranges: nothing lost or stale.");
	igt_subtest("revoke-storm-8-threads")
		test_revoke_storm();

	igt_describe("Concurrent faults on one page send a single MAP.");
	igt_subtest("coalesce-one-page")
		test_coalesce_one_page();

	igt_describe("A task waiting in a fault dies promptly of SIGKILL.");
	igt_subtest("fatal-signal-pending-fault")
		test_fatal_signal_pending_fault();

	igt_describe("A MAP the backend fails ends the access in SIGBUS.");
	igt_subtest("backend-error-sigbus")
		test_backend_error_sigbus();

	igt_describe("A MAP the backend never answers ends in SIGBUS.");
	igt_subtest("backend-timeout-sigbus")
		test_backend_timeout_sigbus();

	igt_describe("A backend killed during a fault gives SIGBUS; a new "
		     "backend reattached to the window serves it again.");
	igt_subtest("backend-killed-mid-fault")
		test_backend_killed_mid_fault();

	igt_describe("A REVOKE of a page whose MAP is in flight is answered "
		     "at once; the fault then gets the page's contents.");
	igt_subtest("revoke-during-map")
		test_revoke_during_map();

	igt_describe("A full event ring is handled in several budgeted "
		     "passes, every event answered.");
	igt_subtest("ring-budget")
		test_ring_budget();

	igt_describe("A MAP in flight at a REVOKE of its page is answered "
		     "after it and installed, not asked again.");
	igt_subtest("map-in-flight-at-revoke")
		test_map_in_flight(false);

	igt_describe("A MAP in flight at a RESET is still owed its answer, "
		     "which is installed.");
	igt_subtest("map-in-flight-at-reset")
		test_map_in_flight(true);

	igt_describe("The late answer to a MAP whose fault timed out is "
		     "installed: the backend lends what the frontend maps.");
	igt_subtest("late-answer-installed")
		test_late_answer();

	igt_describe("A fault maps a whole granule, cut at the window's end.");
	igt_subtest("map-granule")
		test_map_granule();

	igt_describe("Sequential first touches are prefetched.");
	igt_subtest("prefetch-sequential")
		test_prefetch(PREFETCH_SEQUENTIAL);
	igt_describe("First touches in a scattered order are not prefetched.");
	igt_subtest("prefetch-scattered")
		test_prefetch(PREFETCH_SCATTERED);
	igt_describe("Two sequential streams interleaved are each prefetched.");
	igt_subtest("prefetch-two-streams")
		test_prefetch(PREFETCH_TWO_STREAMS);
	igt_describe("Faults that joined PREFETCH MAPs the backend declines "
		     "ask again and complete, without SIGBUS.");
	igt_subtest("prefetch-declined")
		test_prefetch_declined();

	vxf_loop_mm_subtests();
	vxf_loop_uapi_subtests();
	vxf_loop_api_subtests();
	vxf_loop_obs_subtests();
	vxf_loop_hv_subtests();
	vxf_loop_super_subtests();
	vxf_loop_inject_subtests();
	vxf_xen_subtests();
	vxf_xen_hv_subtests();

	/* IGT: what a failed subtest left running, before igt_exit() */
	igt_fixture
		stop_leftovers(0);
}
