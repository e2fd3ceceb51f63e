/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxf_helpers.h - drive the vxf reference backend and the /dev/vxfN window
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * Shared by the IGT suite (tests/igt) and the demo (tools/vxf-demo): no IGT
 * calls in here, every function reports errors by its return value.
 */

#ifndef VXF_HELPERS_H
#define VXF_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vxf.h>

#if __has_include("vxf_pattern.h")
#include "vxf_pattern.h"
#else
/* Same definition as tools/vxf-backend/vxf_pattern.h, until it exists. */
#define VXF_POISON 0xdeadbeefdeadbeefULL
static inline uint64_t vxf_pattern(uint64_t o)
{
	return (o * 0x9E3779B97F4A7C15ULL) ^ 0x7866762d626c6f62ULL;
}
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * What the driver logs at warning level when a backend misbehaves (or a
 * failure is injected where the backend's answer is used), rate-limit
 * notes included: for igt_emit_ignore_dmesg_regex() in the subtests that
 * make it happen on purpose, so that igt_runner does not count it as the
 * subtest's dmesg-warn. An extended regular expression that PCRE reads
 * the same way, without a backslash (see igt_emit_ignore_dmesg_regex()).
 */
#define VXF_DMESG_BAD_BACKEND \
	"vxf[0-9]+: (backend gave unusable page references|" \
	"REVOKE of pages [0-9]+[+][0-9]+ outside the window|" \
	"backend violated the protocol)|" \
	"vxf_[a-z_]+: [0-9]+ callbacks suppressed"

#define VXF_PAGE_SIZE		4096UL
#define VXF_WORDS_PER_PAGE	(VXF_PAGE_SIZE / sizeof(uint64_t))

/**
 * struct vxf_backend - a running vxf-backend process
 * @pid: its pid, 0 when not running
 * @cmd_fd: write end of its stdin
 * @reply_fd: read end of its stdout
 * @index: N of /dev/vxfN, from its ready line
 * @pages: window pages, from its ready line
 * @dev: device path, from its ready line
 * @buf: bytes read from its stdout, not yet consumed
 * @buf_len: valid bytes in @buf
 * @xen: attached to the dom0 backend's window (Xen mode), no process
 * @devid: Xen mode: the vxf device (device/vxf/@devid)
 * @xs_fd: Xen mode: the xenbus device, -1 when not open
 * @window_pages: Xen mode: the whole window (@pages is what the test uses)
 */
struct vxf_backend {
	pid_t pid;
	int cmd_fd;
	int reply_fd;
	int index;
	uint64_t pages;
	char dev[64];
	char buf[4096];
	size_t buf_len;
	bool xen;
	unsigned int devid;
	int xs_fd;
	uint64_t window_pages;
};

/**
 * struct vxf_backend_stats - the backend's `stats` reply
 */
struct vxf_backend_stats {
	uint64_t maps, map_pages, map_errors, revokes, revoke_done;
	uint64_t revoked_pages, resets, unmaps, kicks_in, kicks_out;
	uint64_t granted, bad_requests;
	uint64_t hv_revoked_pages;
};

const char *vxf_tool_path(const char *env, const char *const *rel,
			  size_t nrel, const char *fallback);
const char *vxf_backend_path(void);
bool vxf_hv_mode(void);
bool vxf_xen_mode(void);
bool vxf_backend_available(void);
bool vxf_backend_has_option(const char *opt);
int vxf_backend_start(struct vxf_backend *be, ...)
	__attribute__((sentinel));
int vxf_backend_startv(struct vxf_backend *be, const char *const *args);
int vxf_backend_cmd(struct vxf_backend *be, char *reply, size_t len,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int vxf_backend_stats(struct vxf_backend *be, struct vxf_backend_stats *st);
int vxf_backend_peek(struct vxf_backend *be, uint64_t page, uint64_t word,
		     uint64_t *value);
int vxf_backend_revoke(struct vxf_backend *be, uint64_t first, uint64_t count);
int vxf_backend_stop(struct vxf_backend *be);
void vxf_backend_kill(struct vxf_backend *be);
const char *vxf_backend_last_error(void);

void vxf_child_track(pid_t pid);
void vxf_child_untrack(pid_t pid);
void vxf_children_kill(void);

int vxf_open(const struct vxf_backend *be);
void *vxf_map(int fd, uint64_t first_page, uint64_t npages, int prot);
int vxf_info(int fd, struct vxf_info *info);
int vxf_stats(int fd, struct vxf_stats *st);

bool vxf_try_read64(volatile uint64_t *p, uint64_t *out);
bool vxf_try_write64(volatile uint64_t *p, uint64_t value);
int vxf_last_fault_signal(void);

int vxf_wait_for(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* The driver's live-object counters, <debugfs>/vxf/allocations */
#define VXF_ALLOCATIONS_PATH	"/sys/kernel/debug/vxf/allocations"
#define VXF_COUNTERS_MAX	64

/**
 * struct vxf_counters - one reading of a "name value" counter file
 * @c: the counters, in the file's order
 * @n: how many
 */
struct vxf_counters {
	struct vxf_counter {
		char name[48];
		long long value;
	} c[VXF_COUNTERS_MAX];
	unsigned int n;
};

uint64_t vxf_reply_field(const char *line, const char *key);
int vxf_counters_read(struct vxf_counters *cs, const char *path);
bool vxf_write_file(const char *path, const char *text);

#define VXF_PAT_LIST	"/sys/kernel/debug/x86/pat_memtype_list"
int vxf_pat_type(unsigned long long start, unsigned long long end,
		 char *type, size_t size);
bool vxf_pin_cpu(int cpu);
bool vxf_counter_find(const struct vxf_counters *cs, const char *name,
		      long long *value);

#endif /* VXF_HELPERS_H */
