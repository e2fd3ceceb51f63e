/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostile.h - vxf-backend --loop --hostile: a compromised backend
 *
 * A backend that writes the shared rings itself, with a seeded mix of
 * messages a frontend must survive (error answers, garbage references,
 * late answers, revoke storms, out-of-window revokes, resets, spurious
 * kicks) and, now and then, one it must disconnect for (malformed answers,
 * producer indexes out of range, unknown events, half-written slots). After
 * each break it reconnects to the same window. See hostile.c.
 */

#ifndef VXF_BACKEND_HOSTILE_H
#define VXF_BACKEND_HOSTILE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

#define VXF_HOSTILE_DEFAULT_MESSAGES	1000000ULL
#define VXF_HOSTILE_DEFAULT_RATE	10000ULL
/* Pages per MAP asked of a new window when --map-pages is not given. */
#define VXF_HOSTILE_DEFAULT_MAP_PAGES	4

/**
 * struct vxf_hostile_opts - what vxf-backend --hostile was asked for
 * @params: window to create or reattach to (loop transport)
 * @seed: seed of every random choice: the same seed sends the same
 *	sequence of decisions (what the frontend asks for still depends on
 *	timing)
 * @messages: ring messages to send before quitting
 * @rate: at most this many messages a second (0: no limit)
 * @quiet: no informational messages on stderr
 */
struct vxf_hostile_opts {
	struct vxf_transport_params params;
	uint64_t seed;
	uint64_t messages;
	uint64_t rate;
	bool quiet;
};

int vxf_hostile_main(const struct vxf_hostile_opts *o,
		     volatile sig_atomic_t *stop);

#endif /* VXF_BACKEND_HOSTILE_H */
