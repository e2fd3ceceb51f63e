// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_hv_records.c - what the driver sees of fault records, through its
 * vxf_hv_record tracepoint; the bodies of hv-record-fields / hv-exec
 * (vxf_loop_hv.c, the loop stand-in) and xen-hv-record-fields /
 * xen-hv-exec (vxf_xen_hv.c, the patched Xen)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The caller starts a window in hypervisor mode; pages are taken back with
 * hv-revoke, which sends nothing on the event ring, so every record here
 * comes from the hypervisor (or its stand-in) reporting an access.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_loop.h"

/* XEN_FAULT_* of include/xen/interface/hvm/vxf_fault.h */
#define ACCESS_READ	1
#define ACCESS_WRITE	2
#define ACCESS_EXEC	4
#define F_USER		1

#define MAX_CPUS	8
#define PAGES_PER_CPU	4	/* user read, user write, kernel read, write */
#define MAX_RECS	256

static const char *const trace_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

/**
 * struct hv_rec - one vxf_hv_record line of the trace
 * @seq: sequence number
 * @gfn: guest frame
 * @window: window id
 * @vcpu: vCPU
 * @access: XEN_FAULT_ACCESS_*
 * @flags: XEN_FAULT_F_*
 * @page: window page the driver found, -1 if it rejected the record
 */
struct hv_rec {
	uint64_t seq, gfn;
	unsigned int window, vcpu;
	int access, flags;
	int64_t page;
};

static bool put_file(const char *dir, const char *name, const char *text)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return vxf_write_file(path, text);
}

static const char *find_trace_dir(void)
{
	char path[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(trace_dirs); i++) {
		snprintf(path, sizeof(path),
			 "%s/events/vxf/vxf_hv_record/enable", trace_dirs[i]);
		if (access(path, W_OK) == 0)
			return trace_dirs[i];
	}
	return NULL;
}

/*
 * The tracefs directory with the vxf_hv_record event, tracefs mounted on
 * /sys/kernel/tracing if no mount has it (the guests' init mounts debugfs
 * at most); the buffer emptied and the event on. Skips without one.
 */
static const char *trace_start(void)
{
	const char *dir = find_trace_dir();

	if (!dir && mount("tracefs", trace_dirs[0], "tracefs", 0, NULL) == 0)
		igt_info("mounted tracefs on %s\n", trace_dirs[0]);
	dir = dir ?: find_trace_dir();
	igt_require_f(dir, "no tracefs with the vxf_hv_record event (%s)\n",
		      strerror(errno));
	igt_assert(put_file(dir, "trace", ""));
	igt_assert(put_file(dir, "events/vxf/vxf_hv_record/enable", "1"));
	return dir;
}

/* Turn the event off; parse device @index's records into @recs. */
static unsigned int trace_stop(const char *dir, int index,
			       struct hv_rec *recs, unsigned int max)
{
	static char text[1 << 20];
	unsigned int nr = 0;
	char path[160], needle[48];
	const char *p;
	size_t len = 0;
	ssize_t n;
	int fd;

	igt_assert(put_file(dir, "events/vxf/vxf_hv_record/enable", "0"));
	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	while (len < sizeof(text) - 1 &&
	       (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	close(fd);
	text[len] = '\0';

	snprintf(needle, sizeof(needle), "vxf_hv_record: vxf%d ", index);
	for (p = strstr(text, needle); p; p = strstr(p + 1, needle)) {
		struct hv_rec r;

		igt_assert_f(nr < max, "more than %u records traced\n", max);
		igt_assert_f(sscanf(p + strlen(needle),
				    "seq=%" SCNu64 " gfn=%" SCNi64
				    " window=%u vcpu=%u access=%i flags=%i"
				    " page=%" SCNd64,
				    &r.seq, (int64_t *)&r.gfn, &r.window,
				    &r.vcpu, &r.access, &r.flags,
				    &r.page) == 7,
			     "cannot parse: %.120s\n", p);
		recs[nr++] = r;
	}
	igt_info("%u records of vxf%d traced\n", nr, index);
	return nr;
}

/* The one record of window page @page; fails on none or several. */
static const struct hv_rec *record_of(const struct hv_rec *recs,
				      unsigned int nr, uint64_t page)
{
	const struct hv_rec *found = NULL;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (recs[i].page != (int64_t)page)
			continue;
		igt_assert_f(!found, "page %llu: records seq %llu and %llu, "
			     "for one access\n", (unsigned long long)page,
			     (unsigned long long)found->seq,
			     (unsigned long long)recs[i].seq);
		found = &recs[i];
	}
	igt_assert_f(found, "no record of page %llu\n",
		     (unsigned long long)page);
	return found;
}

/**
 * struct pinned - the accesses of one CPU, made by a thread pinned to it
 * @w: the window
 * @cpu: the CPU
 * @first: its first page (PAGES_PER_CPU of them)
 * @ok: every access completed, on @cpu
 * @why: what went wrong otherwise
 */
struct pinned {
	struct window *w;
	int cpu;
	uint64_t first;
	bool ok;
	char why[120];
};

/*
 * Page first + 0: a user read; + 1: a user write; + 2: a kernel read
 * (write(2) from it); + 3: a kernel write (read(2) into it). One after the
 * other: each completes (its record handled) before the next.
 */
static void *pinned_main(void *arg)
{
	struct pinned *t = arg;
	uint64_t v, p = t->first;
	int fd;

	if (!vxf_pin_cpu(t->cpu)) {
		snprintf(t->why, sizeof(t->why), "cpu %d: cannot pin (%s)",
			 t->cpu, strerror(errno));
		return NULL;
	}
	if (!vxf_try_read64(word(t->w, p, 5), &v) || v != value(p, 5, 1)) {
		snprintf(t->why, sizeof(t->why), "cpu %d: read of page %llu",
			 t->cpu, (unsigned long long)p);
		return NULL;
	}
	if (!vxf_try_write64(word(t->w, p + 1, 5), value(p + 1, 5, 2))) {
		snprintf(t->why, sizeof(t->why), "cpu %d: write to page %llu",
			 t->cpu, (unsigned long long)p + 1);
		return NULL;
	}
	fd = memfd_create("vxf-hv-records", 0);
	if (fd < 0 ||
	    pwrite(fd, (void *)word(t->w, p + 2, 0), VXF_PAGE_SIZE, 0) !=
	    (ssize_t)VXF_PAGE_SIZE ||
	    pread(fd, (void *)word(t->w, p + 3, 0), VXF_PAGE_SIZE, 0) !=
	    (ssize_t)VXF_PAGE_SIZE) {
		snprintf(t->why, sizeof(t->why),
			 "cpu %d: kernel access to pages %llu, %llu: %s",
			 t->cpu, (unsigned long long)p + 2,
			 (unsigned long long)p + 3, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	if (sched_getcpu() != t->cpu) {
		snprintf(t->why, sizeof(t->why), "cpu %d: migrated to %d",
			 t->cpu, sched_getcpu());
		return NULL;
	}
	t->ok = true;
	return NULL;
}

static void expect_record(const struct hv_rec *r, uint64_t page,
			  const struct hv_rec *first, uint64_t first_page,
			  uint64_t hv_gfn, int cpu, int access, int flags)
{
	igt_info("page %llu: seq %llu gfn %#llx window %u vcpu %u access %#x "
		 "flags %#x\n", (unsigned long long)page,
		 (unsigned long long)r->seq, (unsigned long long)r->gfn,
		 r->window, r->vcpu, r->access, r->flags);
	igt_assert_eq_u64(r->gfn, hv_gfn + page);
	/* gfn(P) - gfn(Q) == P - Q */
	igt_assert_eq_u64(r->gfn - first->gfn, page - first_page);
	igt_assert_eq_u32(r->window, first->window);
	igt_assert_eq_u32(r->vcpu, cpu);
	igt_assert_eq(r->access, access);
	igt_assert_eq(r->flags, flags);
}

/**
 * hv_check_record_fields() - the records of user and kernel accesses made
 *	on each CPU in turn carry the frame, access, user flag, vCPU and an
 *	increasing sequence number
 * @w: a window of at least PAGES_PER_CPU pages per CPU, in hypervisor mode
 */
void hv_check_record_fields(struct window *w)
{
	static struct hv_rec recs[MAX_RECS];
	int cpus[MAX_CPUS], nr_cpus, c;
	uint64_t hv_gfn = info(w).hv_gfn, p, pages, last_seq = 0;
	struct vxf_backend_stats b0;
	const struct hv_rec *first;
	struct vxf_stats s0, s1;
	struct pinned t;
	const char *dir;
	unsigned int nr, i;
	cpu_set_t set;
	char cmd[64];

	igt_assert(sched_getaffinity(0, sizeof(set), &set) == 0);
	nr_cpus = cpus_in(&set, cpus, MAX_CPUS);
	igt_require_f((uint64_t)nr_cpus * PAGES_PER_CPU <= w->pages,
		      "%d CPUs, a window of %llu pages\n", nr_cpus,
		      (unsigned long long)w->pages);
	igt_info("%d CPUs, hv_gfn %#llx\n", nr_cpus,
		 (unsigned long long)hv_gfn);

	pages = (uint64_t)nr_cpus * PAGES_PER_CPU;
	for (p = 0; p < pages; p++)
		fill_page(w, p, 1);	/* lent once, then taken back */
	snprintf(cmd, sizeof(cmd), "hv-revoke 0 %llu",
		 (unsigned long long)pages);
	be_cmd(w, cmd);
	s0 = stats(w);
	b0 = be_stats(w);

	dir = trace_start();
	for (c = 0; c < nr_cpus; c++) {
		pthread_t th;

		t = (struct pinned){ .w = w, .cpu = cpus[c],
				     .first = (uint64_t)c * PAGES_PER_CPU };
		igt_assert_eq(pthread_create(&th, NULL, pinned_main, &t), 0);
		pthread_join(th, NULL);
		if (!t.ok) {
			trace_stop(dir, w->be.index, recs, MAX_RECS);
			igt_assert_f(false, "%s\n", t.why);
		}
	}
	nr = trace_stop(dir, w->be.index, recs, MAX_RECS);
	s1 = stats(w);

	/* Nothing was announced: every page came back through a report. */
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	igt_assert_eq_u64(be_stats(w).revokes, b0.revokes);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	igt_assert_eq_u64(s1.hv_rejected, s0.hv_rejected);
	for (i = 0; i < nr; i++)
		igt_assert_f(recs[i].page >= 0, "record seq %llu rejected\n",
			     (unsigned long long)recs[i].seq);

	first = record_of(recs, nr, 0);
	for (c = 0; c < nr_cpus; c++) {
		static const int access[PAGES_PER_CPU] = {
			ACCESS_READ, ACCESS_WRITE, ACCESS_READ, ACCESS_WRITE,
		};
		static const int flags[PAGES_PER_CPU] = {
			F_USER, F_USER, 0, 0,
		};

		for (i = 0; i < PAGES_PER_CPU; i++) {
			const struct hv_rec *r;

			p = (uint64_t)c * PAGES_PER_CPU + i;
			r = record_of(recs, nr, p);
			expect_record(r, p, first, 0, hv_gfn, cpus[c],
				      access[i], flags[i]);
			/* The accesses came one after the other. */
			igt_assert_lt_u64(last_seq, r->seq);
			last_seq = r->seq;
		}
	}
	/* What the accesses saw and left. */
	for (c = 0; c < nr_cpus; c++) {
		p = (uint64_t)c * PAGES_PER_CPU;
		igt_assert_eq_u64(must_read(word(w, p + 1, 5)),
				  value(p + 1, 5, 2));
		igt_assert_eq_u64(must_read(word(w, p + 3, 9)),
				  value(p + 2, 9, 1));
	}
}

/**
 * hv_check_rejected_traced() - a record the driver rejects is traced too,
 *	as written, with page -1 (loop stand-in: injected with hv-inject)
 * @w: a window in hypervisor mode, of at least 2 pages
 * @window_id: the id the window is registered under
 */
void hv_check_rejected_traced(struct window *w, unsigned int window_id)
{
	static struct hv_rec recs[MAX_RECS];
	const uint64_t seq = 1000000, gfn = info(w).hv_gfn + 1;
	const unsigned int bad_window = window_id + 76;
	struct vxf_stats s0, s;
	const char *dir;
	unsigned int nr, i, found = 0;
	int tries;

	s0 = stats(w);
	dir = trace_start();
	igt_assert_f(vxf_backend_cmd(&w->be, NULL, 0,
				     "hv-inject %llu %llu %u 0 %u 1",
				     (unsigned long long)seq,
				     (unsigned long long)gfn, bad_window,
				     ACCESS_WRITE) == 0,
		     "%s\n", vxf_backend_last_error());
	for (tries = 0; tries < 500; tries++) {
		s = stats(w);
		if (s.hv_rejected > s0.hv_rejected)
			break;
		usleep(10000);
	}
	nr = trace_stop(dir, w->be.index, recs, MAX_RECS);
	igt_assert_eq_u64(s.hv_rejected, s0.hv_rejected + 1);
	for (i = 0; i < nr; i++) {
		if (recs[i].seq != seq)
			continue;
		found++;
		igt_assert_eq_u64(recs[i].gfn, gfn);
		igt_assert_eq_u32(recs[i].window, bad_window);
		igt_assert_eq_u32(recs[i].vcpu, 0);
		igt_assert_eq(recs[i].access, ACCESS_WRITE);
		igt_assert_eq(recs[i].flags, 0);
		igt_assert_f(recs[i].page == -1, "page %lld\n",
			     (long long)recs[i].page);
	}
	igt_assert_eq(found, 1);
}

/* x86-64: mov eax, 0x5678abcd; ret */
static const unsigned char exec_code[] = {
	0xb8, 0xcd, 0xab, 0x78, 0x56, 0xc3,
};

/**
 * hv_check_exec() - no window page can be mapped executable
 * @w: a window in hypervisor mode, of at least 4 pages
 *
 * Lent pages are foreign frames on Xen, never executable there: the driver
 * refuses PROT_EXEC (mmap.c). Code written to page 3 through a writable
 * mapping cannot be made executable in any way; the page, revoked, comes
 * back through a read, never an EXEC, record; nothing is killed.
 */
void hv_check_exec(struct window *w)
{
	static struct hv_rec recs[MAX_RECS];
	const uint64_t page = 3;
	const off_t off = page * VXF_PAGE_SIZE;
	struct vxf_stats s0, s1;
	const struct hv_rec *r;
	unsigned char got[sizeof(exec_code)];
	const char *dir;
	unsigned int nr, i;
	void *rw, *rx;

	rx = mmap(NULL, VXF_PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED,
		  w->fd, off);
	igt_assert_f(rx == MAP_FAILED,
		     "PROT_READ|PROT_EXEC mapping of a window page allowed\n");
	igt_assert_eq(errno, EPERM);
	rx = mmap(NULL, VXF_PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		  MAP_SHARED, w->fd, off);
	igt_assert_f(rx == MAP_FAILED,
		     "PROT_READ|PROT_WRITE|PROT_EXEC mapping allowed\n");
	igt_assert_eq(errno, EPERM);

	rw = mmap(NULL, VXF_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  w->fd, off);
	igt_assert_f(rw != MAP_FAILED, "mmap: %s\n", strerror(errno));
	memcpy(rw, exec_code, sizeof(exec_code));	/* lent now */
	igt_assert_f(mprotect(rw, VXF_PAGE_SIZE, PROT_READ | PROT_EXEC) == -1,
		     "mprotect to PROT_READ|PROT_EXEC allowed\n");
	igt_assert_eq(errno, EACCES);
	igt_assert_f(mprotect(rw, VXF_PAGE_SIZE,
			      PROT_READ | PROT_WRITE | PROT_EXEC) == -1,
		     "mprotect to PROT_READ|PROT_WRITE|PROT_EXEC allowed\n");
	igt_assert_eq(errno, EACCES);

	/* The page, revoked, comes back with the code as data. */
	be_cmd(w, "hv-revoke 3 1");
	s0 = stats(w);
	dir = trace_start();
	memcpy(got, rw, sizeof(got));
	nr = trace_stop(dir, w->be.index, recs, MAX_RECS);
	s1 = stats(w);
	igt_assert(!memcmp(got, exec_code, sizeof(exec_code)));
	for (i = 0; i < nr; i++)
		igt_assert_f(!(recs[i].access & ACCESS_EXEC),
			     "an EXEC record, seq %llu\n",
			     (unsigned long long)recs[i].seq);
	r = record_of(recs, nr, page);
	igt_assert_eq(r->access, ACCESS_READ);
	igt_assert_eq(r->flags, F_USER);
	igt_assert_eq_u64(s1.sigbus, s0.sigbus);
	igt_assert_eq_u64(s1.revokes, s0.revokes);
	munmap(rw, VXF_PAGE_SIZE);
	igt_assert_eq(info(w).state, VXF_STATE_CONNECTED);
}
