/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what the parts of vxf-bench share
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The command line, the window (a backend and its mapping), the constants
 * the figures have in common and the functions one file offers the others:
 * common.c (statistics, output lines, windows), trace.c (the vxf
 * tracepoints), and one file per figure (rtt.c, scale.c, revoke.c,
 * touch.c), which main.c runs in order; hv.c instead with --hv-pair.
 */

#ifndef VXF_BENCH_H
#define VXF_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vxf_helpers.h"

#define PAGE		4096UL
#define MIB		(1024UL * 1024UL)
#define FILL_A		0x5a
#define FILL_B		0xa5
#define SUPERPAGE_PAGES	512
#define ALL		UINT64_MAX	/* win_revoke(): revoke-all */
#define RTT_PAGES	64		/* pages the round trips go over */
#define RTT_WARMUP	50		/* untimed round trips first */

#define PREFETCH_PARAM	"/sys/module/virtio_xen_fault/parameters/prefetch_pages"
#define PREFETCH_DEFAULT 64
#define MAP_ANY		UINT_MAX	/* win_open(): the window's granule */

/**
 * struct opts - command line
 * @samples: fault round trip samples per kind
 * @touch_mib: first-touch window size, 0 to calibrate
 * @budget_s: wall time the first-touch runs may take together
 * @revoke_mib: revoke test window size
 * @scale_pages: pages faulted per scaling run (split over the threads)
 * @trace: profile the round trip with the vxf tracepoints
 * @tag: prefix of every figure name in bench:, ratio:, target: and cdf:
 *	lines ("" for none)
 */
struct opts {
	unsigned int samples;
	unsigned int touch_mib;
	unsigned int budget_s;
	unsigned int revoke_mib;
	unsigned int scale_pages;
	bool trace;
	const char *tag;
};

/**
 * struct win - a backend and its window, mapped whole
 * @be: the backend process (in Xen mode the dom0 backend's window)
 * @fd: /dev/vxfN
 * @map: the mapping
 * @pages: window size
 * @info: VXF_IOC_INFO
 */
struct win {
	struct vxf_backend be;
	int fd;
	uint8_t *map;
	uint64_t pages;
	struct vxf_info info;
};

extern struct opts opt;		/* main.c */
extern bool failed;		/* common.c: a functional failure */
extern pid_t current_backend;	/* common.c: killed on a fatal signal */

/* Word 0 of a window page, read once per call (the access that faults). */
static inline uint64_t rd64(const uint8_t *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

/* common.c: time and statistics */
uint64_t now_ns(void);
int cmp_u64(const void *a, const void *b);
uint64_t pct(const uint64_t *v, size_t n, double p);
uint64_t median(uint64_t *v, size_t n);

/* common.c: output lines; figure names get opt.tag in front */
void fail(const char *fmt, ...);
void note(const char *fmt, ...);
void bench(const char *name, double v, const char *unit);
void bench_skip(const char *name, const char *why);
void bench_text(const char *name, const char *fmt, ...);
void ratio(const char *name, double a, double b);
void target(const char *name, double value, bool have, bool le,
	    double limit);
void print_cdf(const char *name, uint64_t *v, size_t n);
void on_fatal(int sig);

/* common.c: the driver's prefetch knob and windows */
int set_prefetch(unsigned int pages);
int win_open(struct win *w, uint64_t pages, unsigned int map_pages,
	     char *why, size_t len);
void win_close(struct win *w);
int win_revoke(struct win *w, uint64_t first, uint64_t count,
	       uint64_t *pages);
int touch_read_check(struct win *w, uint64_t first, uint64_t n);

/* trace.c */
const char *tracefs(void);
int write_file(const char *dir, const char *name, const char *val);
uint64_t trace_ts(const char *line);
void profile_rtt(unsigned int n);

/* rtt.c */
int rtt_vxf(unsigned int n, uint64_t *t_user, uint64_t **latp, char *why,
	    size_t len);
uint64_t *rtt_uffd(unsigned int n, char *why, size_t len);
uint64_t report_p50_p99(const char *name, uint64_t *v, unsigned int n);
uint64_t rtt_uffd_reference(unsigned int n, uint64_t **out);
void fig_rtt(void);

/* hv.c */
void fig_hv(unsigned int hv_dev, unsigned int grant_dev);

/* scale.c */
void fig_scaling(void);

/* revoke.c */
void fig_revoke(void);

/* touch.c */
void fig_first_touch(void);

#endif /* VXF_BENCH_H */
