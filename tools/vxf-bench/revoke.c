// SPDX-License-Identifier: GPL-2.0
/*
 * revoke.c - vxf-bench figure 4: revoking a fully mapped window
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The backend's 'revoke 0 N' of a window whose every page is mapped, timed
 * from the benchmark, with 4 KiB mappings (8-page MAPs) and with 2 MiB
 * ones; references: the backend's command round trip and MADV_DONTNEED of
 * as much shared memory. With the tracepoints, the driver's part of it.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* Median round trip of a backend command that does nothing ('stats') */
static uint64_t cmd_rtt(struct win *w)
{
	uint64_t v[50];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0 = now_ns();

		if (vxf_backend_cmd(&w->be, NULL, 0, "stats"))
			return 0;
		v[i] = now_ns() - t0;
	}
	return median(v, ARRAY_SIZE(v));
}

/* Median MADV_DONTNEED of @mib MiB of populated shared memory */
static uint64_t dontneed_ref(uint64_t mib)
{
	size_t len = mib * MIB;
	uint64_t v[3];
	uint8_t *m;
	size_t i;
	int fd = memfd_create("vxf-bench-revoke", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, len))
		return 0;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0;

		memset(m, 1, len);
		t0 = now_ns();
		madvise(m, len, MADV_DONTNEED);
		v[i] = now_ns() - t0;
	}
	munmap(m, len);
	return median(v, ARRAY_SIZE(v));
}

/*
 * One more revoke with the vxf_revoke_* tracepoints on: the driver's part
 * (vxf_revoke_start to vxf_revoke_done, i.e. taking the pages out of the
 * window, zapping and releasing them) against the whole command.
 */
static void revoke_traced(struct win *w, const char *tag, uint64_t pages,
			  uint64_t whole)
{
	const char *dir = tracefs();
	uint64_t a = 0, b = 0, t;
	char path[256], line[512], name[64];
	FILE *f;

	if (!dir || write_file(dir, "trace_clock", "mono") ||
	    write_file(dir, "trace", "") ||
	    write_file(dir, "events/vxf/vxf_revoke_start/enable", "1") ||
	    write_file(dir, "events/vxf/vxf_revoke_done/enable", "1"))
		return;
	win_revoke(w, 0, pages, NULL);
	write_file(dir, "events/vxf/vxf_revoke_start/enable", "0");
	write_file(dir, "events/vxf/vxf_revoke_done/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		t = trace_ts(line);
		if (t && !a && strstr(line, "vxf_revoke_start:"))
			a = t;
		else if (t && strstr(line, "vxf_revoke_done:"))
			b = t;
	}
	fclose(f);
	if (!a || b < a)
		return;
	snprintf(name, sizeof(name), "revoke_%s_driver_part", tag);
	bench(name, (b - a) / 1e6, "ms");
	printf("profile: revoke %s: driver (revoke_start..revoke_done tracepoints) %.1f ms of %.1f ms for the whole command (median of the untraced ones); the rest is the backend (ring, copy-back, poison, ungrant) and the pipe\n",
	       tag, (b - a) / 1e6, whole / 1e6);
}

/*
 * One row: revoke of a @mib MiB window of @map_pages MAPs (0: 2 MiB
 * mappings, MAP_ANY: 4 KiB mappings of the window's own granule). Returns
 * 1 when the row was skipped, with @why set, else 0.
 */
static int revoke_one(const char *tag, unsigned int map_pages, uint64_t mib,
		      uint64_t ref_ns, uint64_t *rtt_out, char *why,
		      size_t len)
{
	uint64_t pages = mib * MIB / PAGE, v[3], got = 0, med;
	char name[64], rname[64];
	struct win w;
	size_t i;
	int ret;

	snprintf(name, sizeof(name), "revoke_%" PRIu64 "m_%s", mib, tag);
	snprintf(rname, sizeof(rname), "revoke_%s_vs_dontneed", tag);
	/* Xen mode: the local backend is not the window's, ask the window */
	if (!map_pages && !vxf_xen_mode() &&
	    !vxf_backend_has_option("--superpages")) {
		snprintf(why, len, "backend has no --superpages option yet");
		goto skip;
	}
	ret = win_open(&w, pages, map_pages, why, len);
	if (ret == -EOPNOTSUPP || (ret && !map_pages))
		goto skip;
	if (ret) {
		fail("%s: %s", name, why);
		return 0;
	}
	if (!map_pages && w.info.map_pages < SUPERPAGE_PAGES) {
		snprintf(why, len, "driver map granule is not a superpage");
		win_close(&w);
		goto skip;
	}
	if (map_pages == MAP_ANY && w.info.map_pages >= SUPERPAGE_PAGES) {
		snprintf(why, len, "the window's mappings are 2 MiB ones");
		win_close(&w);
		goto skip;
	}
	if (map_pages == MAP_ANY)
		note("%s: Xen mode: filled with MAPs of the window's granule (%u) rather than 8-page ones",
		     name, w.info.map_pages);
	if (rtt_out)
		*rtt_out = cmd_rtt(&w);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0;

		if (touch_read_check(&w, 0, pages))
			goto out;
		t0 = now_ns();
		if (win_revoke(&w, 0, pages, &got))
			goto out;
		v[i] = now_ns() - t0;
		if (got != pages)
			note("%s: revoke found %" PRIu64 " of %" PRIu64 " pages mapped",
			     name, got, pages);
	}
	med = median(v, ARRAY_SIZE(v));
	bench(name, med / 1e6, "ms");
	snprintf(name, sizeof(name), "revoke_%s_per_mib", tag);
	bench(name, med / 1e3 / mib, "us/MiB");
	ratio(rname, med, ref_ns);
	if (opt.trace && !touch_read_check(&w, 0, pages))
		revoke_traced(&w, tag, pages, med);
out:
	win_close(&w);
	return 0;
skip:
	bench_skip(name, why);
	snprintf(name, sizeof(name), "revoke_%s_per_mib", tag);
	bench_skip(name, why);
	ratio(rname, 0, ref_ns);
	return 1;
}

/* Figure 4 */
void fig_revoke(void)
{
	uint64_t mib = opt.revoke_mib, ref, rtt = 0;
	char name[64], why[512], why_2m[512];
	bool rtt_skipped;

	note("revoke: %" PRIu64 " MiB window, every page mapped (read), then the backend's 'revoke 0 N' timed from the benchmark: command through a pipe, REVOKE on the ring, driver zap + release, REVOKE_DONE, backend copies the pages back and ungrants them, reply; median of 3; 4k = --map-pages 8 (4 KiB mappings, fewer MAPs to fill)",
	     mib);
	ref = dontneed_ref(mib);
	if (ref) {
		snprintf(name, sizeof(name), "dontneed_shared_%" PRIu64 "m_ref",
			 mib);
		bench(name, ref / 1e6, "ms");
	}
	/*
	 * The command round trip is taken in the 4k row's window. 8-page
	 * MAPs only make the fill faster: Xen mode's window has its own.
	 */
	rtt_skipped = revoke_one("4k", vxf_xen_mode() ? MAP_ANY : 8, mib, ref,
				 &rtt, why, sizeof(why));
	revoke_one("2m", 0, mib, ref, NULL, why_2m, sizeof(why_2m));
	if (rtt)
		bench("backend_cmd_rtt", rtt / 1e3, "us");
	else if (rtt_skipped)
		bench_skip("backend_cmd_rtt", why);
}
