// SPDX-License-Identifier: GPL-2.0
/*
 * vxf-demo.c - show on-demand memory surviving a revoke storm
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * The payload of `make demo`: starts the reference backend in loop mode
 * with a revoke storm, maps a 4 MiB window, writes a pattern into every
 * word, then for a few rounds revokes ranges (on top of the storm) while
 * threads verify and rewrite their share of the pages. Prints what the
 * driver and the backend counted, and exits 0 only if every page read
 * back exactly what was written and no access failed.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vxf_helpers.h"

#define MAX_THREADS	16

struct demo {
	struct vxf_backend be;
	int fd;
	volatile uint64_t *map;
	uint64_t pages;
	int threads;
	int rounds;
};

struct worker {
	struct demo *d;
	pthread_t thread;
	int id;
	uint64_t gen;
	uint64_t verified;
	uint64_t mismatches;
	uint64_t sigbus;
};

static uint64_t value(uint64_t page, uint64_t idx, uint64_t gen)
{
	return vxf_pattern(page * VXF_PAGE_SIZE + idx * 8) ^
	       (gen * 0x0123456789abcdefULL);
}

static volatile uint64_t *word(struct demo *d, uint64_t page, uint64_t idx)
{
	return d->map + page * VXF_WORDS_PER_PAGE + idx;
}

/* Check one page against generation @gen, then write generation @gen + 1. */
static void verify_and_rewrite(struct worker *w, uint64_t page)
{
	struct demo *d = w->d;
	uint64_t idx, got;
	bool bad = false;

	for (idx = 0; idx < VXF_WORDS_PER_PAGE; idx++) {
		if (!vxf_try_read64(word(d, page, idx), &got)) {
			w->sigbus++;
			return;
		}
		if (got != value(page, idx, w->gen))
			bad = true;
	}
	w->verified++;
	w->mismatches += bad;
	for (idx = 0; idx < VXF_WORDS_PER_PAGE; idx++)
		if (!vxf_try_write64(word(d, page, idx),
				     value(page, idx, w->gen + 1))) {
			w->sigbus++;
			return;
		}
}

/* Each worker owns the pages p with p % threads == id. */
static void *worker_round(void *arg)
{
	struct worker *w = arg;
	uint64_t page;

	for (page = w->id; page < w->d->pages; page += w->d->threads)
		verify_and_rewrite(w, page);
	w->gen++;
	return NULL;
}

static void write_initial(struct demo *d)
{
	uint64_t page, idx;

	for (page = 0; page < d->pages; page++)
		for (idx = 0; idx < VXF_WORDS_PER_PAGE; idx++)
			if (!vxf_try_write64(word(d, page, idx),
					     value(page, idx, 0))) {
				fprintf(stderr, "vxf-demo: SIGBUS writing page "
					"%" PRIu64 "\n", page);
				exit(1);
			}
}

/* The round's own revoke, on top of the storm. */
static void round_revoke(struct demo *d, int round, unsigned int *seed)
{
	uint64_t first = rand_r(seed) % d->pages;
	uint64_t count = 1 + rand_r(seed) % (d->pages - first);
	char reply[256];
	int ret;

	if (round % 2) {
		ret = vxf_backend_cmd(&d->be, reply, sizeof(reply),
				      "revoke-all");
		printf("round %d: revoke-all: %s\n", round + 1,
		       ret ? vxf_backend_last_error() : reply);
	} else {
		ret = vxf_backend_revoke(&d->be, first, count);
		printf("round %d: revoke %" PRIu64 "+%" PRIu64 ": %s\n",
		       round + 1, first, count,
		       ret ? vxf_backend_last_error() : "done");
	}
}

static int run_rounds(struct demo *d, struct worker *w)
{
	unsigned int seed = 1;
	int round, i;

	for (round = 0; round < d->rounds; round++) {
		round_revoke(d, round, &seed);
		for (i = 0; i < d->threads; i++)
			if (pthread_create(&w[i].thread, NULL, worker_round,
					   &w[i]))
				return -1;
		for (i = 0; i < d->threads; i++)
			pthread_join(w[i].thread, NULL);
	}
	return 0;
}

static void summary(struct demo *d, struct worker *w, bool *pass)
{
	uint64_t verified = 0, mismatches = 0, sigbus = 0;
	struct vxf_backend_stats bs = { };
	struct vxf_stats st = { };
	int i;

	for (i = 0; i < d->threads; i++) {
		verified += w[i].verified;
		mismatches += w[i].mismatches;
		sigbus += w[i].sigbus;
	}
	if (vxf_stats(d->fd, &st))
		fprintf(stderr, "vxf-demo: VXF_IOC_STATS: %s\n",
			strerror(errno));
	if (vxf_backend_stats(&d->be, &bs))
		fprintf(stderr, "vxf-demo: %s\n", vxf_backend_last_error());

	printf("\nsummary (%" PRIu64 " pages, %d threads, %d rounds):\n",
	       d->pages, d->threads, d->rounds);
	printf("  faults taken      %10llu (%llu coalesced)\n",
	       (unsigned long long)st.faults,
	       (unsigned long long)st.coalesced);
	printf("  maps requested    %10llu (%llu pages; backend answered "
	       "%" PRIu64 ")\n", (unsigned long long)st.maps,
	       (unsigned long long)st.map_pages, bs.maps);
	printf("  revokes seen      %10llu (%llu mapped pages; backend sent "
	       "%" PRIu64 ")\n", (unsigned long long)st.revokes,
	       (unsigned long long)st.revoked_pages, bs.revokes);
	printf("  pages verified    %10" PRIu64 "\n", verified);
	printf("  mismatches        %10" PRIu64 "\n", mismatches);
	printf("  failed accesses   %10" PRIu64 " (SIGBUS)\n", sigbus);
	*pass = mismatches == 0 && sigbus == 0 && st.revokes > 0 &&
		verified == d->pages * d->rounds;
	printf("result: %s\n", *pass ? "PASS" : "FAIL");
}

static void usage(FILE *f, int status)
{
	fprintf(f, "usage: vxf-demo [--pages N] [--threads N] "
		"[--rounds N] [--storm-us N]\n"
		"       vxf-demo --help | --version\n"
		"  backend: $VXF_BACKEND, next to vxf-demo, or "
		"/bin/vxf-backend\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "storm-us", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	struct demo d = { .pages = 1024, .threads = 4, .rounds = 4 };
	struct worker w[MAX_THREADS] = { };
	const char *storm = "2000";
	char pages[32];
	bool pass;
	int c, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			d.pages = strtoull(optarg, NULL, 0);
			break;
		case 't':
			d.threads = atoi(optarg);
			break;
		case 'r':
			d.rounds = atoi(optarg);
			break;
		case 's':
			storm = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			printf("vxf-demo %s\n", VXF_VERSION);
			return 0;
		default:
			usage(stderr, 2);
		}
	}
	if (!d.pages || d.threads < 1 || d.threads > MAX_THREADS ||
	    d.rounds < 1)
		usage(stderr, 2);
	setvbuf(stdout, NULL, _IOLBF, 0);

	snprintf(pages, sizeof(pages), "%" PRIu64, d.pages);
	if (vxf_backend_start(&d.be, "--pages", pages, "--storm-us", storm,
			      "--quiet", NULL)) {
		fprintf(stderr, "vxf-demo: %s\n", vxf_backend_last_error());
		return 1;
	}
	d.fd = vxf_open(&d.be);
	if (d.fd < 0) {
		fprintf(stderr, "vxf-demo: %s: %s\n", d.be.dev,
			strerror(errno));
		return 1;
	}
	d.map = vxf_map(d.fd, 0, d.pages, PROT_READ | PROT_WRITE);
	if (d.map == MAP_FAILED) {
		fprintf(stderr, "vxf-demo: mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("vxf-demo: %s, %" PRIu64 " pages (%" PRIu64 " KiB), revoke "
	       "storm every %s us\n", d.be.dev, d.pages, d.pages * 4, storm);

	write_initial(&d);
	for (i = 0; i < d.threads; i++)
		w[i] = (struct worker){ .d = &d, .id = i };
	if (run_rounds(&d, w)) {
		fprintf(stderr, "vxf-demo: pthread_create failed\n");
		return 1;
	}
	vxf_backend_cmd(&d.be, NULL, 0, "storm 0");
	summary(&d, w, &pass);

	munmap((void *)d.map, d.pages * VXF_PAGE_SIZE);
	close(d.fd);
	if (vxf_backend_stop(&d.be))
		fprintf(stderr, "vxf-demo: backend: %s\n",
			vxf_backend_last_error());
	return pass ? 0 : 1;
}
