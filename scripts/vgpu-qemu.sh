#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the trixie root's QEMU (scripts/vgpu-env.sh) with QEMU's arguments
# as given, under an Xvfb X server of its own: scripts/vm-run.sh calls it
# through scripts/vgpu-run.sh (--qemu).
#
# QEMU's virtio-gpu with OpenGL (virglrenderer, Venus on lavapipe) needs a
# display with OpenGL: with no GPU on the host, that is SDL on Xvfb
# (llvmpipe). egl-headless and dbus,gl=on want a DRM render node, and
# -display none has no OpenGL.
#
# Everything runs in private mount and network namespaces (unshare):
# /proc, /sys and /dev are bound into the root, /tmp and /mnt are tmpfs,
# and the directories of the files named by -kernel, -initrd and
# -serial file: are bound under /mnt/vgpu-N; the mounts vanish with the
# namespace, and the X server's sockets meet no other X server. Exit status: QEMU's, or 3 on a setup error.
# -D FILE (QEMU's log, where -trace events go) and -trace events=FILE are
# bound like -serial file:.
#
# Environment: VGPU_ROOT the trixie root (default: scripts/vgpu-env.sh's).
# VGPU_PROBE=FILE: QEMU gets a QMP socket, and each time a test hangs (an
# IGT subtest killed at its time limit, in the payload's log: the second
# -serial file:; or scripts/vm-run.sh's guest watchdog in the console log,
# the first: the payload still runs near the time limit; or, for a guest
# too stuck to say so, QEMU still running VGPU_PROBE_AT seconds after
# its start),
# scripts/qemu-probe.py --twice 15 adds QEMU's own view of each virtqueue
# to FILE, twice 15 s apart: whether the device holds requests it took
# and does not answer, and whether that moves (a "stalled" line when it
# does not), whether the guest published requests it does not take (an
# "unpopped" line when it took none meanwhile), and each vCPU's state and
# local APIC (a "deaf" line for a vCPU halted with a vector in service:
# it takes no interrupt any more); probing stops at any of them. With
# VGPU_PROBE_STOP=1 too, a deaf vCPU ends
# QEMU at once (exit status 4): the run has failed already (a subtest
# timed out, or the time limit is near), and such a vCPU sleeps until an
# NMI. A stalled queue is left to the time limit.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ "${VGPU_IN_NS:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "vgpu-qemu: must run as root (chroot)" >&2; exit 3; }
	VGPU_ROOT=${VGPU_ROOT:-$("$TOP/scripts/vgpu-env.sh")} || exit 3
	export VGPU_ROOT VGPU_IN_NS=1
	exec unshare --mount --net --propagation private "$0" "$@"
fi

R=$VGPU_ROOT
fail() { echo "vgpu-qemu: ERROR: $*" >&2; exit 3; }

for d in proc sys dev; do
	mount --bind "/$d" "$R/$d"
done
mount -t tmpfs tmpfs "$R/tmp"
mount -t tmpfs tmpfs "$R/mnt"

# bind FILE's directory (FILE need not exist yet) into the root; FILE's
# path there in $BPATH
declare -A BOUND
NBOUND=0
bind_file() {
	local f d
	f=$(realpath -m "$1")
	d=$(dirname "$f")
	[ -d "$d" ] || fail "no directory $d"
	if [ -z "${BOUND[$d]:-}" ]; then
		NBOUND=$((NBOUND + 1))
		BOUND[$d]=/mnt/vgpu-$NBOUND
		mkdir -p "$R${BOUND[$d]}"
		mount --bind "$d" "$R${BOUND[$d]}"
	fi
	BPATH=${BOUND[$d]}/$(basename "$f")
}

args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-kernel|-initrd)
		bind_file "$2"
		args+=("$1" "$BPATH")
		shift 2
		;;
	-D)
		bind_file "$2"
		args+=("$1" "$BPATH")
		shift 2
		;;
	-trace)
		case "$2" in
		events=*)
			bind_file "${2#events=}"
			args+=("$1" "events=$BPATH")
			;;
		*) args+=("$1" "$2") ;;
		esac
		shift 2
		;;
	-serial)
		case "$2" in
		file:*)
			if [ -z "${CONSOLE:-}" ]; then
				CONSOLE=$(realpath -m "${2#file:}")
			elif [ -z "${PAYLOAD_LOG:-}" ]; then
				PAYLOAD_LOG=$(realpath -m "${2#file:}")
			fi
			bind_file "${2#file:}"
			args+=("$1" "file:$BPATH")
			;;
		*) args+=("$1" "$2") ;;
		esac
		shift 2
		;;
	*)
		args+=("$1")
		shift
		;;
	esac
done

# The X server, ready once it has written its display number.
chroot "$R" /usr/bin/Xvfb :1 -screen 0 1024x768x24 -nolisten tcp -displayfd 1 \
	>"$R/tmp/xvfb.display" 2>"$R/tmp/xvfb.log" &
xpid=$!
for _ in $(seq 1 300); do
	[ -s "$R/tmp/xvfb.display" ] && break
	kill -0 "$xpid" 2>/dev/null || fail "Xvfb exited: $(tail -n 3 "$R/tmp/xvfb.log")"
	sleep 0.1
done
[ -s "$R/tmp/xvfb.display" ] || fail "Xvfb did not start: $(tail -n 3 "$R/tmp/xvfb.log")"

PROBE=${VGPU_PROBE:-}
if [ -n "$PROBE" ]; then
	[ -n "${PAYLOAD_LOG:-}" ] || fail "VGPU_PROBE needs two -serial file: (console, payload)"
	args+=(-qmp "unix:/tmp/qmp.sock,server=on,wait=off")
	: >"$PROBE"
fi

# QEMU in the background, so that a timeout's SIGTERM to this script
# reaches QEMU and the X server too. A QEMU that does not end within 5 s
# of its SIGTERM is killed, with its render server: one whose Venus
# renderer had stopped answering kept running after its run (the check
# of 2026-12-07: 65% of a CPU through the steps after it), since
# timeout(1) sends its SIGKILL only while this script still runs.
qpid=
ppid_=
# descendants PID: PID's children and theirs, deepest first
descendants() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		descendants "$c"
		echo "$c"
	done
}
stop() {
	local d
	[ -z "$ppid_" ] || kill "$ppid_" 2>/dev/null || true
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		d=$(descendants "$qpid")
		kill "$qpid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$qpid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$qpid" 2>/dev/null; then
			echo "vgpu-qemu: QEMU did not end within 5 s of SIGTERM: killed" >&2
			# shellcheck disable=SC2086 # a list of pids
			kill -KILL "$qpid" $d 2>/dev/null || true
		fi
	fi
	kill "$xpid" 2>/dev/null || true
}
trap 'stop; exit 143' TERM INT HUP
chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DISPLAY=":$(head -n 1 "$R/tmp/xvfb.display")" HOME=/tmp XDG_RUNTIME_DIR=/tmp \
	/usr/bin/qemu-system-x86_64 "${args[@]}" &
qpid=$!
if [ -n "$PROBE" ]; then
	# threads PID: a line "threads at T" then "thread PID TID NAME STATE
	# WCHAN" for each thread of PID's descendants (the render server's:
	# a Venus ring's thread is named vkr-ring-N)
	threads() {
		local p t
		echo "threads at $(date -u +%T)"
		for p in $(descendants "$1"); do
			for t in /proc/"$p"/task/*; do
				echo "thread $p ${t##*/} $(tr ' ' _ <"$t/comm") $(sed 's/^.*) //' "$t/stat" | cut -d' ' -f1) $(cat "$t/wchan")"
			done
		done
	}
	# the hangs: an IGT subtest killed at its time limit (the payload's
	# output, the second -serial file:), the guest's watchdog (console)
	t0=$SECONDS
	hangs() {
		{ grep -a 'Subtest .* timed out after' "$PAYLOAD_LOG"
		  grep -a '^VXF-WATCHDOG-BEGIN' "$CONSOLE"; } 2>/dev/null
		[ -z "${VGPU_PROBE_AT:-}" ] || [ $((SECONDS - t0)) -lt "$VGPU_PROBE_AT" ] ||
			echo "QEMU has run for $VGPU_PROBE_AT s"
	}
	(
		set +e
		seen=0
		while :; do
			n=$(hangs | wc -l)
			if [ "$n" -le "$seen" ]; then
				sleep 1
				continue
			fi
			seen=$n
			hangs | tail -n 1 | sed 's/^/trigger: /' >>"$PROBE"
			python3 "$TOP/scripts/qemu-probe.py" --twice 15 "$R/tmp/qmp.sock" \
				>>"$PROBE" 2>&1
			threads "$qpid" >>"$PROBE" 2>/dev/null
			grep -q '^stalled \|^unpopped \|^deaf ' "$PROBE" || continue
			if [ "${VGPU_PROBE_STOP:-0}" = 1 ] && grep -q '^deaf ' "$PROBE"; then
				echo "vgpu-qemu: $(grep -m1 '^deaf ' "$PROBE"): QEMU stopped" >&2
				touch "$R/tmp/probe-stopped"
				kill "$qpid" 2>/dev/null
			fi
			break
		done
	) &
	ppid_=$!
fi
rc=0
wait "$qpid" || rc=$?
qpid=
[ ! -e "$R/tmp/probe-stopped" ] || rc=4
stop
wait "$xpid" 2>/dev/null || true
exit $rc
