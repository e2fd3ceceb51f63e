// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - vxf-bench and the vxf tracepoints: where the round trip goes
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * tracefs access (shared with the revoke figure) and figure 1b: the fault
 * round trip of figure 1 again with the vxf events on, cut into phases by
 * the events' timestamps, one "profile:" line per phase.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "bench.h"

/* A writable tracefs, mounted if need be; NULL if none. */
const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/trace", dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	if (!mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

/* Write @val to @dir/@name; 0 or -1. */
int write_file(const char *dir, const char *name, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Phases of one traced fault round trip, in order. */
enum {
	PH_ENTRY,	/* user access -> vxf_fault_start */
	PH_LOOKUP,	/* -> vxf_map_request (lookup, chunk, xarray) */
	PH_BACKEND,	/* -> vxf_map_answer (kick, backend, answer) */
	PH_WAKE,	/* -> vxf_fault_end RETRY (install, wake-up) */
	PH_RETRY,	/* -> vxf_fault_start again (retried fault) */
	PH_INSERT,	/* -> vxf_fault_end (PFN insertion) */
	PH_EXIT,	/* -> back in user space */
	PH_NR
};

static const char *const ph_name[PH_NR] = {
	"entry_to_driver", "lookup_and_queue", "ring_and_backend",
	"install_and_wakeup", "retry_fault_entry", "pfn_insert",
	"return_to_user",
};

/* Timestamp of a vxf event line of the trace, ns; 0 if none. */
uint64_t trace_ts(const char *line)
{
	const char *c = strstr(line, ": vxf_");
	const char *s;
	unsigned long sec, usec;

	if (!c)
		return 0;
	/* "... 123.456789: vxf_..." : find the start of the timestamp */
	for (s = c; s > line && s[-1] != ' '; s--)
		;
	if (sscanf(s, "%lu.%lu", &sec, &usec) != 2)
		return 0;
	return (uint64_t)sec * 1000000000ULL + (uint64_t)usec * 1000;
}

/* b - a, 0 if the trace's microsecond rounding put b before a */
static uint64_t dt(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

/*
 * Samples whose user timestamps do not bracket their kernel events by more
 * than the trace's rounding: CLOCK_MONOTONIC in user space and the trace
 * clock disagree (seen in a Xen PVH domU, whose vDSO clock runs apart
 * from the kernel's by tens of milliseconds under nested emulation).
 */
static unsigned int clock_skewed;

/* One sample's phases from its six event times and user t0/t1. */
static unsigned int store_phases(uint64_t **ph, unsigned int i,
				 const uint64_t *ts, const uint64_t *u)
{
	if (u[0] > ts[0] + 1000 || ts[5] > u[1] + 1000)
		clock_skewed++;
	ph[PH_ENTRY][i] = dt(u[0], ts[0]);
	ph[PH_LOOKUP][i] = dt(ts[0], ts[1]);
	ph[PH_BACKEND][i] = dt(ts[1], ts[2]);
	ph[PH_WAKE][i] = dt(ts[2], ts[3]);
	ph[PH_RETRY][i] = dt(ts[3], ts[4]);
	ph[PH_INSERT][i] = dt(ts[4], ts[5]);
	ph[PH_EXIT][i] = dt(ts[5], u[1]);
	return 1;
}

/* The profile lines: median of each phase over @used samples. */
static void print_phases(uint64_t **ph, unsigned int used, uint64_t *lat,
			 unsigned int n)
{
	uint64_t med[PH_NR], sum = 0, tot = median(lat, n);
	bool user = clock_skewed <= used / 10;
	unsigned int i;

	for (i = 0; i < PH_NR; i++) {
		/* timestamps have microsecond resolution */
		med[i] = median(ph[i], used);
		if (user || (i != PH_ENTRY && i != PH_EXIT))
			sum += med[i];
	}
	printf("profile: %u traced round trips (trace clock mono, 1 us resolution), p50 total %.1f us; median per phase:\n",
	       used, tot / 1000.0);
	if (!user)
		printf("profile: %s and %s skipped: in %u of %u samples the user clock (CLOCK_MONOTONIC) and the trace clock disagree; percentages of the kernel phases\n",
		       ph_name[PH_ENTRY], ph_name[PH_EXIT], clock_skewed, used);
	for (i = 0; i < PH_NR; i++) {
		if (!user && (i == PH_ENTRY || i == PH_EXIT))
			continue;
		printf("profile: %-20s %8.1f us %5.1f%%\n", ph_name[i],
		       med[i] / 1000.0, sum ? 100.0 * med[i] / sum : 0.0);
	}
}

/* Figure 1b: @n traced round trips, cut into phases. */
void profile_rtt(unsigned int n)
{
	uint64_t *t_user = calloc(2 * n, sizeof(uint64_t));
	uint64_t *ph[PH_NR] = { NULL }, ts[6];
	unsigned int i, k = 0, got = 0, used = 0;
	char path[256], line[512], why[512];
	const char *dir = tracefs();
	uint64_t *lat = NULL;
	FILE *f;
	int ret;

	clock_skewed = 0;
	if (!dir || !t_user) {
		printf("profile: skipped no tracefs\n");
		free(t_user);
		return;
	}
	if (write_file(dir, "trace_clock", "mono") ||
	    write_file(dir, "buffer_size_kb", "4096") ||
	    write_file(dir, "trace", "") ||
	    write_file(dir, "events/vxf/enable", "1")) {
		printf("profile: skipped cannot enable events/vxf\n");
		free(t_user);
		return;
	}
	ret = rtt_vxf(n, t_user, &lat, why, sizeof(why));
	write_file(dir, "events/vxf/enable", "0");
	if (ret > 0)
		printf("profile: skipped %s\n", why);
	if (ret)
		goto out;
	for (i = 0; i < PH_NR; i++)
		ph[i] = calloc(n, sizeof(uint64_t));

	/*
	 * Per sample: revoke_start, revoke_done, then fault_start,
	 * map_request, map_answer, fault_end (RETRY), fault_start (TRIED),
	 * fault_end. A sample that does not follow it is left out.
	 */
	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		goto out;
	k = (unsigned int)-1;
	while (fgets(line, sizeof(line), f)) {
		uint64_t t = trace_ts(line);
		int ev = -1;

		if (!t)
			continue;
		if (strstr(line, "vxf_revoke_start:")) {
			if (got == 6 && k < n)
				used += store_phases(ph, used, ts,
						     t_user + 2 * k);
			k++;
			got = 0;
			continue;
		}
		if (strstr(line, "vxf_fault_start:"))
			ev = got == 0 || got == 4 ? (int)got : -2;
		else if (strstr(line, "vxf_map_request:"))
			ev = got == 1 ? 1 : -2;
		else if (strstr(line, "vxf_map_answer:"))
			ev = got == 2 ? 2 : -2;
		else if (strstr(line, "vxf_fault_end:"))
			ev = got == 3 || got == 5 ? (int)got : -2;
		if (ev >= 0)
			ts[got++] = t;
		else if (ev == -2)
			got = 7;	/* out of pattern: drop the sample */
	}
	fclose(f);
	if (got == 6 && k < n)
		used += store_phases(ph, used, ts, t_user + 2 * k);
	if (used < n / 2) {
		printf("profile: skipped only %u of %u samples matched the expected event order\n",
		       used, n);
		goto out;
	}
	print_phases(ph, used, lat, n);
out:
	for (i = 0; i < PH_NR; i++)
		free(ph[i]);
	free(lat);
	free(t_user);
	fflush(stdout);
}
