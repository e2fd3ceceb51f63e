/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf_loop.h - shared pieces of the vxf_loop IGT test
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * vxf_loop_common.c holds these helpers (which use IGT assertions),
 * vxf_loop.c the fault/revoke subtests and igt_main, vxf_loop_proto.c
 * those about the ring protocol's finer rules (MAPs in flight, late
 * answers, the event ring's budget, the map granule, prefetch);
 * vxf_loop_mm.c the subtests about the rest of mm (kernel
 * accesses, get_user_pages, fork, munmap/mprotect/mremap), vxf_loop_uapi.c
 * those about the uapi's errors and coherence, vxf_loop_api.c those about
 * blob mappings handed to a window by a DRM driver (include/linux/vxf.h),
 * vxf_loop_obs.c those about
 * debugfs, tracepoints and UNMAP of an unused window, vxf_loop_hv.c those
 * about faults reported by the hypervisor (its loop-mode stand-in),
 * vxf_xen.c those that need the dom0 backend (Xen mode of the helpers),
 * vxf_xen_hv.c those of hypervisor mode on the patched Xen,
 * vxf_hv_records.c the bodies both of these share (fault records seen
 * through the driver's tracepoint), vxf_xen_hv_moved.c the body of
 * xen-hv-refusal-moved,
 * vxf_loop_super.c those about 2 MiB superpage windows, vxf_loop_inject.c
 * those about injected failures and the driver's live allocations.
 */

#ifndef VXF_LOOP_H
#define VXF_LOOP_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vxf_helpers.h"
/* the loop test module's private uapi (VXF_LOOP_*) */
#include "vxf_loop_uapi.h"

/**
 * struct window - a backend and its window, mapped whole
 * @be: the backend process
 * @fd: /dev/vxfN
 * @map: the whole window, MAP_SHARED, read-write
 * @pages: window size in pages
 * @faults_target: for wait_faults()
 */
struct window {
	struct vxf_backend be;
	int fd;
	void *map;
	uint64_t pages;
	uint64_t faults_target;
};

/**
 * struct reader - a thread reading word 0 of one window page
 * @w: the window
 * @thread: the thread
 * @page: the page
 * @value: what it read
 * @ok: the read completed (no signal)
 * @sig: the signal that ended it otherwise
 * @tid: its thread id, once it runs
 */
struct reader {
	struct window *w;
	pthread_t thread;
	volatile pid_t tid;
	uint64_t page;
	uint64_t value;
	bool ok;
	int sig;
};

#define START(w, ...) \
	window_start(w, (const char *const[]){ __VA_ARGS__, NULL })

volatile uint64_t *word(struct window *w, uint64_t page, uint64_t idx);
uint64_t pattern(uint64_t page, uint64_t idx);
uint64_t value(uint64_t page, uint64_t idx, uint64_t gen);
uint64_t expect_pattern(uint64_t page, uint64_t idx, uint64_t gen);
uint64_t must_read(volatile uint64_t *p);
void must_write(volatile uint64_t *p, uint64_t v);
void window_start(struct window *w, const char *const *args);
void window_stop(struct window *w);
struct vxf_stats stats(struct window *w);
struct vxf_info info(struct window *w);
void be_cmd(struct window *w, const char *cmd);
void be_revoke(struct window *w, uint64_t first, uint64_t count);
void be_revoke_all(struct window *w);
uint64_t be_peek(struct window *w, uint64_t page, uint64_t idx);
void expect_lent_is_mapped(struct window *w, uint64_t min);
struct vxf_loop_pte pte_of(volatile void *addr);
const char *cache_name(uint32_t cache);
void expect_pte_cache(volatile void *addr, uint32_t cache);
void check_page(struct window *w, uint64_t page,
		uint64_t (*expect)(uint64_t, uint64_t, uint64_t), uint64_t gen);
void fill_page(struct window *w, uint64_t page, uint64_t gen);
bool wait_faults(struct window *w, const struct vxf_stats *since, uint64_t n);
bool wait_stat(struct window *w, size_t offset, uint64_t target);
bool wait_stat_ms(struct window *w, size_t offset, uint64_t target, int ms);

/* Wait until VXF_IOC_STATS' @field reaches @value, or fail. */
#define WAIT_STAT(w, field, value) \
	igt_assert_f(wait_stat((w), offsetof(struct vxf_stats, field), \
			       (value)), "%s never reached %llu\n", #field, \
		     (unsigned long long)(value))
double now_s(void);
bool wait_pid(pid_t pid, int *status, int ms);
int cpus_in(const cpu_set_t *set, int *cpus, int max);
bool wait_in_fault(struct window *w, const struct vxf_backend_stats *b0,
		   volatile pid_t *tid);
struct vxf_backend_stats be_stats(struct window *w);
void reader_start(struct reader *r, struct window *w, uint64_t page);
void reader_join(struct reader *r, int ms);
void stop_leftovers(int sig);

void vxf_loop_proto_subtests(void);
void vxf_loop_mm_subtests(void);
void vxf_loop_uapi_subtests(void);
void vxf_loop_api_subtests(void);
void vxf_loop_obs_subtests(void);
void vxf_loop_hv_subtests(void);
void vxf_loop_super_subtests(void);
void vxf_loop_inject_subtests(void);
void vxf_xen_subtests(void);
void vxf_xen_hv_subtests(void);
void hv_check_record_fields(struct window *w);
void xen_hv_check_refusal_moved(struct window *w);
void hv_check_exec(struct window *w);
void hv_check_rejected_traced(struct window *w, unsigned int window_id);

#endif /* VXF_LOOP_H */
