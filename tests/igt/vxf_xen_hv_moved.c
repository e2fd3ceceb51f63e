// SPDX-License-Identifier: GPL-2.0
/*
 * vxf_xen_hv_moved.c - xen-hv-refusal-moved: refused MAPs for a reader
 * that moves between vCPUs while Xen holds it (vxf_xen_hv.c's subtests,
 * the patched Xen)
 *
 * Copyright (C) 2026 The virtio-xen-fault authors
 *
 * A task held on a hole in user mode can be switched out and run on
 * another vCPU, where its retry reports the same access again: one access,
 * two records. When the second record is consumed after the answer to the
 * first one's MAP, it makes a second MAP, and the backend's refusal of
 * that one comes for an access that has taken its SIGBUS already. It must
 * fail nothing: the driver before 2026-12-06 failed the page all the same,
 * and the page's next access, after the backend served it again, got
 * SIGBUS (xen-hv-backend-error failed so once in CI on the 2-vCPU domU;
 * this subtest failed so in 6 of 8 runs there).
 *
 * Each round: the backend refuses the page, then takes it back, and the
 * reader's read of it ends in SIGBUS while a mover thread keeps moving the
 * reader between two vCPUs; then the backend serves the page again, and
 * the reader's next read of it must complete. (Refused first, then taken
 * back: a second MAP left over from the last round's read is refused, not
 * lent again after the hv-revoke.) Whether a round meets a second MAP is
 * the scheduler's business: the figures printed say how many did (refused
 * MAPs beyond one a round).
 */

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "igt.h"
#include "vxf_helpers.h"
#include "vxf_loop.h"

#define MOVED_PAGE	6
#define MOVED_ROUNDS	40
#define MOVED_GAP_US	700	/* longest pause between two moves */

struct hv_mover {
	pthread_t thread;
	pid_t reader;		/* thread id of the reader */
	int cpus[2];
	int stop;		/* atomic */
	unsigned int moves, failed;
};

/*
 * A backend command that cannot end the subtest: no assertion may fail
 * (and leave the subtest) while the mover runs, its state on our stack.
 */
static bool hv_cmd(struct window *w, const char *cmd, char *why, size_t len)
{
	if (!vxf_backend_cmd(&w->be, NULL, 0, "%s", cmd))
		return true;
	snprintf(why, len, "%s: %s", cmd, vxf_backend_last_error());
	return false;
}

/* Move the reader to each of the two vCPUs in turn, at random pauses. */
static void *hv_mover_main(void *arg)
{
	struct hv_mover *m = arg;
	unsigned int seed = 1;
	cpu_set_t set;

	while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE)) {
		CPU_ZERO(&set);
		CPU_SET(m->cpus[m->moves % 2], &set);
		if (sched_setaffinity(m->reader, sizeof(set), &set))
			m->failed++;
		m->moves++;
		usleep(rand_r(&seed) % MOVED_GAP_US);
	}
	return NULL;
}

/**
 * xen_hv_check_refusal_moved - the body of xen-hv-refusal-moved
 * @w: a window in hypervisor mode, of MOVED_PAGE + 1 pages or more
 *
 * With one vCPU the reader cannot move: the rounds still check that a
 * refusal fails the read once and leaves nothing behind.
 */
void xen_hv_check_refusal_moved(struct window *w)
{
	struct hv_mover m = { .reader = syscall(SYS_gettid) };
	volatile uint64_t *p = word(w, MOVED_PAGE, 0);
	struct vxf_stats s0, s1;
	cpu_set_t all;
	bool moving;
	char fail[32], revoke[32], why[200] = "";
	unsigned int i;
	uint64_t v;

	igt_assert(!sched_getaffinity(0, sizeof(all), &all));
	moving = cpus_in(&all, m.cpus, 2) == 2;
	if (!moving)
		igt_info("one vCPU: the reader cannot move\n");
	check_page(w, MOVED_PAGE, expect_pattern, 0);
	snprintf(fail, sizeof(fail), "fail %d 1", MOVED_PAGE);
	snprintf(revoke, sizeof(revoke), "hv-revoke %d 1", MOVED_PAGE);
	s0 = stats(w);
	if (moving)
		igt_assert(!pthread_create(&m.thread, NULL, hv_mover_main, &m));

	/*
	 * No assertion until the mover is joined; the figures are printed
	 * before any, as a failure needs them.
	 */
	for (i = 0; i < MOVED_ROUNDS && !why[0]; i++) {
		if (!hv_cmd(w, fail, why, sizeof(why)) ||
		    !hv_cmd(w, revoke, why, sizeof(why)))	/* a hole again */
			break;
		if (vxf_try_read64(p, &v)) {
			snprintf(why, sizeof(why), "round %u: a read of a refused page completed", i);
		} else if (vxf_last_fault_signal() != SIGBUS) {
			snprintf(why, sizeof(why), "round %u: the read of a refused page ended in signal %d, not SIGBUS",
				 i, vxf_last_fault_signal());
		} else if (hv_cmd(w, "unfail", why, sizeof(why))) {
			if (!vxf_try_read64(p, &v))
				snprintf(why, sizeof(why), "round %u: the read after the backend served the page again ended in signal %d: a refusal was left behind",
					 i, vxf_last_fault_signal());
			else if (v != vxf_pattern(MOVED_PAGE * VXF_PAGE_SIZE))
				snprintf(why, sizeof(why), "round %u: read %#llx from the page served again",
					 i, (unsigned long long)v);
		}
	}
	if (moving) {
		__atomic_store_n(&m.stop, 1, __ATOMIC_RELEASE);
		igt_assert(!pthread_join(m.thread, NULL));
		igt_assert(!sched_setaffinity(0, sizeof(all), &all));
	}
	be_cmd(w, "unfail");
	s1 = stats(w);
	igt_info("%u rounds, %u moves between vCPUs %d and %d; %llu refused MAPs (%lld beyond one a round), %llu reports, %llu SIGBUS\n",
		 i, m.moves, m.cpus[0], m.cpus[1],
		 (unsigned long long)(s1.map_errors - s0.map_errors),
		 (long long)(s1.map_errors - s0.map_errors - i),
		 (unsigned long long)(s1.hv_reports - s0.hv_reports),
		 (unsigned long long)(s1.sigbus - s0.sigbus));
	igt_assert_f(!why[0], "%s\n", why);
	igt_assert_eq(m.failed, 0);
	/* Each round's refused read got one SIGBUS, the other read none. */
	igt_assert_eq_u64(s1.sigbus - s0.sigbus, MOVED_ROUNDS);
	igt_assert_lte_u64(MOVED_ROUNDS, s1.map_errors - s0.map_errors);
}
