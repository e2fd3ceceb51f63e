// SPDX-License-Identifier: GPL-2.0
/*
 * xen_hold_faults.c - keep faults in flight on the dom0 backend's window
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * For scripts/xen-suite.sh's domU-destroyed check: in a domU, attach to
 * device vxf 0 (Xen mode of the IGT helpers), map 16 pages, tell the
 * backend to stop answering MAPs ("hang on"), fault on pages 8..15 from
 * eight threads (each retries after the SIGBUS of a fault timeout), print
 * "xen_hold_faults: holding N faults" once the driver counts them, and wait
 * to be destroyed. Not named vxf_*: the suites run every vxf_* binary.
 *
 * usage: xen_hold_faults [SECONDS]   (give up after SECONDS, default 300)
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vxf_helpers.h"

#define HOLD_THREADS	8
#define HOLD_FIRST	8

static volatile uint64_t *win;

static void *hold_thread(void *arg)
{
	uint64_t page = (uintptr_t)arg, v;

	for (;;)	/* a fault timeout ends in SIGBUS: fault again */
		vxf_try_read64(win + page * VXF_WORDS_PER_PAGE, &v);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int limit = argc > 1 ? strtoul(argv[1], NULL, 0) : 300, i;
	struct vxf_backend be;
	struct vxf_stats s0, s;
	pthread_t t;
	int fd;

	setenv("VXF_TEST_XEN", "1", 0);
	if (vxf_backend_start(&be, "--pages", "16", NULL)) {
		fprintf(stderr, "xen_hold_faults: %s\n",
			vxf_backend_last_error());
		return 1;
	}
	fd = vxf_open(&be);
	win = fd < 0 ? MAP_FAILED : vxf_map(fd, 0, 16, PROT_READ);
	if (win == MAP_FAILED || vxf_stats(fd, &s0)) {
		perror("xen_hold_faults: window");
		return 1;
	}
	if (vxf_backend_cmd(&be, NULL, 0, "hang on")) {
		fprintf(stderr, "xen_hold_faults: %s\n",
			vxf_backend_last_error());
		return 1;
	}
	for (i = 0; i < HOLD_THREADS; i++)
		if (pthread_create(&t, NULL, hold_thread,
				   (void *)(uintptr_t)(HOLD_FIRST + i)))
			return 1;
	for (i = 0; i < limit * 10; i++) {
		if (!vxf_stats(fd, &s) && s.faults - s0.faults >= HOLD_THREADS)
			break;
		usleep(100 * 1000);
	}
	printf("xen_hold_faults: holding %llu faults\n",
	       (unsigned long long)(s.faults - s0.faults));
	fflush(stdout);
	sleep(limit);
	printf("xen_hold_faults: not destroyed within %u s\n", limit);
	return 2;
}
