#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's 6.12 kernel on a real virtio-gpu with a host-visible
# region: trixie's QEMU 10 with virglrenderer 1.1 and Mesa's Venus on
# lavapipe (scripts/vgpu-env.sh builds that root once), under Xvfb
# (scripts/vgpu-qemu.sh), through scripts/vm-run.sh's initramfs and judge.
# The guest loads its kernel's own virtio-gpu module and runs a payload;
# with --vxf, the patched one with the driver and a window bound to it.
#
# usage: scripts/vgpu-run.sh [--vxf] [vm-run options] [PAYLOAD...]
#   --vxf     the make check step vgpu-vxf: the guest loads the patched
#             virtio-gpu (patches/linux/, built by scripts/vgpu-module.sh)
#             instead of its own and runs vxf_vgpu on it as it is (test
#             vxf_vgpu@novxf: stock behaviour without the driver), then
#             loads the driver and the loop test module (built with make)
#             and runs vxf_vgpu with VXF_VGPU_WINDOW=1 (it starts
#             vxf-backend --vgpu, whose window over the host-visible
#             region is bound to virtio-gpu), and vulkaninfo with such a
#             backend revoking the whole window every 50 ms underneath it
#             (test "venus", subtest "window": Venus's mappings went
#             through the window and revokes took pages from them), and
#             tests/igt/vxf_vk_map with its own such backend revoking the
#             whole window every 20 ms underneath its maps and submissions
#             (subtest "vk-map-revokes": also its own mappings' pages seen
#             gone after a revoke)
#   PAYLOAD   shell command line run in the guest, default "vgpu-tests":
#             /tests-vgpu/vxf_vgpu (tests/igt/vxf_vgpu.c), then Mesa's
#             Venus driver through `vulkaninfo --summary`, each between
#             VXF-TEST-BEGIN/END markers like run-tests (the vulkaninfo
#             check as test "venus", subtest "vulkaninfo"), then
#             /tests-vgpu/vxf_vk_map (tests/igt/vxf_vk_map.c: a Vulkan
#             program mapping host-visible memory through Venus; subtest
#             "vk-map", without revokes: the baseline), and again with
#             every notification of its first fill dropped (subtest
#             "vk-map-lost-notify": the fill stalls until a second
#             submission wakes the host's renderer, as after a wakeup
#             Venus's ring lost; tests/igt/vxf_vk_wakeup.c)
#   vm-run options (--timeout, --log, --allow-warn, --append...) are passed
#   on; the default timeout is 300 s.
#
# The guest also has Mesa's Venus ICD, the Vulkan loader and vulkaninfo
# from the trixie root (with trixie's C library: the test binaries are
# static, but for vxf_vk_map, built here against the Vulkan loader and
# run on trixie's), in /usr, with VK_ICD_FILENAMES pointing at the Venus ICD.
# Exit status: scripts/vm-run.sh's; with --vxf, 77 if the patched module
# cannot be built here (scripts/vgpu-module.sh). Must run as root.
# VGPU_ROOT names another trixie root (default: scripts/vgpu-env.sh builds
# or finds it); VXF_KO the driver for --vxf (default: the one make built,
# with its -loop.ko test module beside it); VGPU_MODULE another
# virtio-gpu.ko for --vxf than the patched one (Debian's own, to see the
# window-mode checks fail on it).
# Beside the console log (BASE.console.log): QEMU's trace of virtio-gpu
# (BASE.qemu-trace.log) and what scripts/qemu-probe.py saw of a hung run
# (BASE.probe). A run that one of QEMU's faults hung (below) is run again,
# up to VGPU_RETRIES times (default 2); VGPU_QEMU_ARGS adds QEMU
# arguments (experiments).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
VCACHE="$TOP/.cache/vgpu"
DEVICE=virtio-gpu-gl-pci,hostmem=256M,blob=true,venus=true
VGPU_TEST="$TOP/tests/igt/vgpu/vxf_vgpu"
VK_TEST="$TOP/tests/igt/vgpu/vxf_vk_map"
VXF_KO=${VXF_KO:-$TOP/drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko}
VXF=0

setup_fail() { echo "vgpu-run: ERROR: $*" >&2; exit 3; }

opts=()
LOG=
while [ $# -gt 0 ]; do
	case "$1" in
	--log) LOG=$2; shift 2 ;;
	--timeout|--append|--kernel) opts+=("$1" "$2"); shift 2 ;;
	--allow-warn|--no-slub-debug) opts+=("$1"); shift ;;
	--vxf) VXF=1; shift ;;
	--) shift; break ;;
	-*) setup_fail "unknown option $1" ;;
	*) break ;;
	esac
done
PAYLOAD=${*:-vgpu-tests}

[ "$(id -u)" -eq 0 ] || setup_fail "must run as root (chroot)"
[ -x "$VGPU_TEST" ] || setup_fail "$VGPU_TEST missing (make -C tests/igt vgpu/vxf_vgpu)"
[ -x "$VK_TEST" ] || setup_fail "$VK_TEST missing (make -C tests/igt vgpu/vxf_vk_map; libvulkan-dev: make deps)"
ROOT=${VGPU_ROOT:-$("$TOP/scripts/vgpu-env.sh")} || exit 3
export VGPU_ROOT=$ROOT
if [ "$VXF" -eq 1 ]; then
	[ -f "$VXF_KO" ] || setup_fail "$VXF_KO missing (make)"
	[ -f "${VXF_KO%.ko}-loop.ko" ] || setup_fail "${VXF_KO%.ko}-loop.ko missing (make)"
	[ -x "$TOP/tools/vxf-backend/vxf-backend" ] ||
		setup_fail "tools/vxf-backend/vxf-backend missing (make tools)"
	if [ -n "${VGPU_MODULE:-}" ]; then
		# another virtio-gpu.ko (.xz, .zst: decompressed), e.g. Debian's
		# own, on which the window-mode checks must fail
		VGPU_KO=$VCACHE/virtio-gpu-other.ko
		case "$VGPU_MODULE" in
		*.xz) xz -dc "$VGPU_MODULE" >"$VGPU_KO" ;;
		*.zst) zstd -qdc "$VGPU_MODULE" >"$VGPU_KO" ;;
		*) cp "$VGPU_MODULE" "$VGPU_KO" ;;
		esac
	else
		VGPU_KO=$("$TOP/scripts/vgpu-module.sh") || exit $?
	fi
fi

# -- the guest's additions: Mesa's Venus ICD and vulkaninfo, with their
# libraries, from the trixie root (cached per root) --------------------------

GUEST="$VCACHE/guest"
stamp="$(cat "$ROOT/.vxf-stamp") guest=1"
if [ ! -f "$GUEST/.vxf-stamp" ] || [ "$(cat "$GUEST/.vxf-stamp")" != "$stamp" ]; then
	rm -rf "$GUEST.tmp"
	mkdir -p "$GUEST.tmp"
	icd=$(cd "$ROOT" && ls usr/share/vulkan/icd.d/virtio_icd*.json | head -n 1)
	[ -n "$icd" ] || setup_fail "no Venus ICD in $ROOT/usr/share/vulkan/icd.d"
	lib=$(sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' "$ROOT/$icd")
	case "$lib" in
	/*) ;;
	*) lib=$(chroot "$ROOT" sh -c "ls /usr/lib/x86_64-linux-gnu/$lib") ;;
	esac
	# the Vulkan loader is dlopen()ed: ldd does not list it
	vk=/usr/lib/x86_64-linux-gnu/libvulkan.so.1
	files="/$icd /usr/bin/vulkaninfo $lib $vk"
	for f in /usr/bin/vulkaninfo "$lib" "$vk"; do
		files="$files $(chroot "$ROOT" ldd "$f" | grep -o '/[^ ]*')"
	done
	for f in $files; do
		mkdir -p "$GUEST.tmp$(dirname "$f")"
		cp -L "$ROOT$f" "$GUEST.tmp$f"
	done
	echo "$stamp" >"$GUEST.tmp/.vxf-stamp"
	echo "/$icd" >"$GUEST.tmp/.venus-icd"
	rm -rf "$GUEST"
	mv "$GUEST.tmp" "$GUEST"
fi

# vxf_vk_map is dynamic: its loader and every library it needs must be
# among the guest's (trixie's C library and Vulkan loader)
interp=$(readelf -l "$VK_TEST" | sed -n 's/.*program interpreter: \([^]]*\)].*/\1/p')
[ -n "$interp" ] && [ -e "$GUEST$interp" ] ||
	setup_fail "$VK_TEST: its loader '$interp' is not in the guest's files"
for l in $(readelf -d "$VK_TEST" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	[ -e "$GUEST/usr/lib/x86_64-linux-gnu/$l" ] || [ -e "$GUEST/lib/x86_64-linux-gnu/$l" ] ||
		setup_fail "$VK_TEST needs $l, not in the guest's files"
done

# the per-run part: the test binaries and the payload's script
RUN=$(mktemp -d "$VCACHE/run-XXXXXX")
trap 'rm -rf "$RUN"' EXIT
cp -a "$GUEST/." "$RUN/"
rm -f "$RUN/.vxf-stamp" "$RUN/.venus-icd"
mkdir -p "$RUN/tests-vgpu" "$RUN/bin"
cp "$VGPU_TEST" "$VK_TEST" "$RUN/tests-vgpu/"
if [ "$VXF" -eq 1 ]; then
	mkdir -p "$RUN/lib/modules/vgpu"
	cp "$VGPU_KO" "$RUN/lib/modules/vgpu/virtio-gpu.ko"
	cp "$VXF_KO" "$RUN/lib/modules/vgpu/virtio-xen-fault.ko"
	cp "${VXF_KO%.ko}-loop.ko" "$RUN/lib/modules/vgpu/virtio-xen-fault-loop.ko"
fi
cat >"$RUN/bin/vgpu-tests" <<EOF
#!/bin/sh
# vxf_vgpu, then Mesa's Venus through vulkaninfo and vxf_vk_map; exit 1
# if any fails
export VK_ICD_FILENAMES=$(cat "$GUEST/.venus-icd") HOME=/tmp
VXF=$VXF
EOF
cat >>"$RUN/bin/vgpu-tests" <<'EOF'
rc=0
if [ "$VXF" = 1 ]; then
	# The patched virtio-gpu without the driver: it must behave as stock
	# (vxf_vgpu@novxf, the stock expectations); then with the driver and
	# the loop test module, vxf_vgpu with a window bound.
	M=/lib/modules/vgpu
	insmod $M/virtio-gpu.ko || exit 1
	echo "vgpu-tests: patched virtio-gpu loaded"
	for _ in $(seq 100); do
		[ -e /dev/dri/renderD128 ] && break
		usleep 100000
	done
	echo "VXF-TEST-BEGIN vxf_vgpu@novxf"
	/tests-vgpu/vxf_vgpu
	r=$?
	echo "VXF-TEST-END vxf_vgpu@novxf rc=$r"
	case $r in 0|77) ;; *) rc=1 ;; esac
	insmod $M/virtio-xen-fault.ko && insmod $M/virtio-xen-fault-loop.ko || exit 1
	echo "vgpu-tests: virtio-xen-fault and its loop test module loaded"
	export VXF_VGPU_WINDOW=1 VXF_BACKEND=/bin/vxf-backend
fi
echo "VXF-TEST-BEGIN vxf_vgpu"
/tests-vgpu/vxf_vgpu
r=$?
echo "VXF-TEST-END vxf_vgpu rc=$r"
case $r in 0|77) ;; *) rc=1 ;; esac

echo "VXF-TEST-BEGIN venus"
if [ "$VXF" = 1 ]; then
	# a backend lending the host-visible region, its window bound to
	# virtio-gpu, revoking the whole window until vulkaninfo is done
	mkfifo /tmp/be.in
	/bin/vxf-backend --loop --vgpu --quiet </tmp/be.in >/tmp/be.out 2>/tmp/be.err &
	bepid=$!
	exec 3>/tmp/be.in
	for _ in $(seq 300); do
		grep -q '^ready' /tmp/be.out && break
		kill -0 $bepid 2>/dev/null || break
		usleep 100000
	done
	grep '^ready' /tmp/be.out || cat /tmp/be.err
	(while [ ! -e /tmp/vk.done ]; do echo revoke-all >&3; usleep 50000; done) &
	revpid=$!
fi
echo "Starting subtest: vulkaninfo"
t0=$(cut -d' ' -f1 /proc/uptime)
/usr/bin/vulkaninfo --summary >/tmp/vulkaninfo.out 2>&1
r=$?
t1=$(cut -d' ' -f1 /proc/uptime)
cat /tmp/vulkaninfo.out
dev=$(sed -n 's/^[ \t]*deviceName *= *//p' /tmp/vulkaninfo.out | head -n 1)
drv=$(sed -n 's/^[ \t]*driverName *= *//p' /tmp/vulkaninfo.out | head -n 1)
echo "venus: vulkaninfo exit $r, deviceName \"$dev\", driverName \"$drv\""
if [ $r -eq 0 ] && [ "$drv" = venus ] && case "$dev" in *Venus*) true ;; *) false ;; esac; then
	res=SUCCESS
else
	res=FAIL
	rc=1
fi
echo "Subtest vulkaninfo: $res ($(awk "BEGIN { print $t1 - $t0 }")s)"
vrc=$([ $res = SUCCESS ] && echo 0 || echo 1)
if [ "$VXF" = 1 ]; then
	echo "Starting subtest: window"
	t2=$(cut -d' ' -f1 /proc/uptime)
	touch /tmp/vk.done
	wait $revpid
	echo stats >&3
	for _ in $(seq 100); do
		grep -q '^ok stats' /tmp/be.out && break
		usleep 100000
	done
	exec 3>&-
	wait $bepid
	ber=$?
	revokes=$(grep -c '^ok revoke status=0' /tmp/be.out)
	pages=$(sed -n 's/^ok revoke status=0 pages=\([0-9]*\).*/\1/p' /tmp/be.out |
		awk '{ s += $1 } END { print s + 0 }')
	maps=$(sed -n 's/^ok stats maps=\([0-9]*\).*/\1/p' /tmp/be.out)
	grep -v '^ok revoke' /tmp/be.out
	cat /tmp/be.err
	echo "venus: backend exit $ber, $revokes revokes took $pages pages from the mappings, ${maps:-?} MAPs served"
	t3=$(cut -d' ' -f1 /proc/uptime)
	took="($(awk "BEGIN { print $t3 - $t2 }")s)"
	if [ $ber -eq 0 ] && [ "${maps:-0}" -gt 0 ] && [ "$pages" -gt 0 ]; then
		echo "Subtest window: SUCCESS $took"
	else
		echo "Subtest window: FAIL $took"
		vrc=1
		rc=1
	fi
fi
# vk_subtest NAME ARGS...: subtest NAME of test venus, vxf_vk_map ARGS
vk_subtest() {
	sub=$1
	shift
	echo "Starting subtest: $sub"
	t0=$(cut -d' ' -f1 /proc/uptime)
	/tests-vgpu/vxf_vk_map "$@"
	r=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	took="($(awk "BEGIN { print $t1 - $t0 }")s)"
	if [ $r -eq 0 ]; then
		echo "Subtest $sub: SUCCESS $took"
	else
		echo "Subtest $sub: FAIL $took"
		vrc=1
		rc=1
	fi
}
# A Vulkan program on Venus: host-visible coherent memory mapped, written,
# read back, mapped again, placed; rounds of vkCmdFillBuffer through
# Venus's ring checked on the CPU. With the window (VXF_VGPU_WINDOW=1) it
# starts its own backend and revokes the whole window underneath.
if [ "$VXF" = 1 ]; then
	vk_subtest vk-map-revokes
else
	vk_subtest vk-map
	# A lost wakeup of Venus's ring, made on purpose: every notification
	# of the first round's submission dropped, the fill must stall for
	# the whole limit (5 s) and a second submission recover it.
	vk_subtest vk-map-lost-notify --drop-notify --stall-s 5 3
fi
echo "VXF-TEST-END venus rc=$vrc"

# Unbind virtio-gpu before the power-off: there, the fbdev emulation's
# damage worker can queue a command on the virtqueues the shutdown has
# already broken (a WARNING in virtio_gpu_queue_fenced_ctrl_buffer).
# But first let the blobs the tests freed leave the host-visible region:
# virtio-gpu frees a blob's range only once the host answered its
# RESOURCE_UNMAP_BLOB (virtio_gpu_cmd_unmap_cb()), which QEMU 10 does
# asynchronously, and an unbind before that warns "Memory manager not
# clean during takedown" (seen under load). Bounded: a blob still there
# after 60 s is a leak, which the warning then reports.
[ -d /sys/kernel/debug/dri ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
for _ in $(seq 600); do
	busy=0
	for f in /sys/kernel/debug/dri/*/virtio-gpu-host-visible-mm; do
		[ -e "$f" ] && grep -q ': used$' "$f" && busy=1
	done
	[ $busy = 1 ] || break
	usleep 100000
done
[ $busy = 0 ] || echo "vgpu-tests: host-visible blobs still allocated after 60 s"
for d in /sys/bus/virtio/drivers/virtio_gpu/virtio*; do
	[ -e "$d" ] && echo "${d##*/}" >/sys/bus/virtio/drivers/virtio_gpu/unbind
done
if [ "$VXF" = 1 ]; then
	# nothing may hold the driver once the window's users are gone
	for m in virtio_xen_fault_loop virtio_xen_fault; do
		rmmod $m || { echo "vgpu-tests: rmmod $m failed"; rc=1; }
	done
fi
exit $rc
EOF
chmod 0755 "$RUN/bin/vgpu-tests"

case " ${opts[*]} " in *" --timeout "*) ;; *) opts+=(--timeout 300) ;; esac
# the probe's last chance: 30 s before the time limit, whatever the guest
# says (a deaf vCPU can keep the guest's own watchdog from firing)
for ((i = 0; i < ${#opts[@]}; i++)); do
	[ "${opts[i]}" != --timeout ] || PROBE_AT=$((opts[i + 1] - 30))
done
# The console log's name (vm-run.sh's default, chosen here): QEMU's trace
# of virtio-gpu's commands (.qemu-trace.log) and scripts/qemu-probe.py's
# answers (.probe, scripts/vgpu-qemu.sh) go beside it.
[ -n "$LOG" ] || LOG="$TOP/.cache/logs/vgpu-$(date +%Y%m%d-%H%M%S)-$$.console.log"
mkdir -p "$(dirname "$LOG")"
BASE=${LOG%.console.log}
OUT="$BASE.payload.log"	# as vm-run.sh names it
[ "$OUT" != "$LOG" ] || OUT="$LOG.payload"
printf '%s\n' 'virtio_gpu_*' 'flatview_*' virtqueue_pop virtqueue_flush \
	>"$BASE.trace-events"
TRACE_ARGS="-msg timestamp=on -D $BASE.qemu-trace.log -trace events=$BASE.trace-events"
# VGPU_QEMU_ARGS: more QEMU arguments, for experiments
TRACE_ARGS+=${VGPU_QEMU_ARGS:+ $VGPU_QEMU_ARGS}
if [ "$VXF" -eq 1 ]; then
	# the patched module's dependencies from the kernel's tree; the
	# payload loads it, then the driver and its test module, itself
	for d in $(modinfo -F depends "$VGPU_KO" | tr ',' ' '); do
		opts+=(--kmod "$d")
	done
else
	opts+=(--kmod virtio-gpu)
fi
# The emulator's faults that hang this VM, told from the host's side
# (scripts/qemu-probe.py, run by scripts/vgpu-qemu.sh when a subtest hung,
# and QEMU's trace), whatever the guest's kernel thinks:
#
# - qemu-apic-deaf-vcpu (seen: see README, "QEMU's faults in the
#   virtio-gpu VM"): a vCPU halted, with interrupts enabled, and a vector
#   in service in its local APIC, the same 15 s apart: the vector's
#   priority class masks every interrupt pending behind it (timer,
#   reschedule and call-function IPIs pile up in IRR), and the vCPU
#   sleeps until an NMI; whatever was queued to run on it (a task woken
#   there, a work item) waits with it. Linux acknowledges (EOI) each IPI
#   and timer interrupt on entry to its handler and never halts inside
#   one with interrupts enabled, so the in-service bit is an EOI QEMU
#   lost or a vector it took from IRR without running the handler: no
#   guest code leaves it so. Nor can the project's driver: in stock mode
#   (vgpu-stock) it is not loaded at all; in vxf mode it programs no
#   APIC and binds no interrupt (its handlers are Xen event channels',
#   absent here; the loop test module's transport is system calls and
#   kernel threads); its revokes send TLB-shootdown IPIs as any munmap()
#   does, through the kernel's own handlers, which EOI on entry.
#   Or (seen 2026-12-06, vk-map-revokes) a vCPU halted with interrupts
#   enabled, its local APIC timer unmasked, one-shot and run out, and no
#   vector pending or in service, the same 15 s apart: the timer's
#   interrupt was lost (Linux takes it and programs the next event, or
#   masks the timer), and every task sleeping on that vCPU's timers
#   sleeps on. scripts/qemu-probe.py prints both as "deaf cpu N: ...".
# - qemu-unmap-blob-stall (not seen; made by stopping QEMU's RCU thread):
#   QEMU 10.0's virtio-gpu-virgl unmaps a blob in three steps
#   (hw/display/virtio-gpu-virgl.c): RESOURCE_UNMAP_BLOB takes the blob's
#   MemoryRegion out of the host-visible region and suspends the control
#   queue; the region is finalized once the RCU thread has freed the
#   FlatViews that referenced it, which resumes the queue; the command is
#   answered then. The signature: the control queue (queue 0) held
#   requests QEMU took without publishing a completion for 15 s, the
#   last command it suspended is RESOURCE_UNMAP_BLOB (0x209), and it
#   completed no request on any queue after it. A guest cannot hold a
#   request QEMU took (a guest bug leaves the host's queue drained, or
#   moving); the one guest act that could pin the region, a request whose
#   buffers lie in the host-visible region itself, is not one Linux's
#   virtio-gpu makes (its requests are built in guest RAM), and in vxf
#   mode the patched virtio-gpu sends the same commands as Debian's
#   (patches/linux/ changes only mmap() and the dma-buf export).
# - qemu-unmap-blob-unresumed (seen 2026-12-05, with the machine loaded,
#   in vgpu-vxf's pass without the driver: vxf_vgpu's host-written, then
#   every later subtest, timed out in virtio_gpu_vram_mmap() waiting for a
#   RESOURCE_MAP_BLOB answer and in virtio_gpu_queue_fenced_ctrl_buffer()
#   waiting for room in the control queue; the probe then had no way to
#   read the guest's avail index): the same three steps, but the queue
#   never resumes taking requests. The signature: the guest's control
#   queue (its avail index, read from guest memory) holds requests QEMU
#   has not taken, the same 15 s apart, and QEMU took none since the last
#   command it suspended, a RESOURCE_UNMAP_BLOB (0x209). Published
#   requests are the host's to take: Linux's virtio-gpu notifies after
#   adding (virtio_gpu_notify()), and while QEMU asks for no
#   notifications (VRING_USED_F_NO_NOTIFY) it must look by itself; no
#   guest act holds QEMU back from a request in its ring.

# host_view BASE: the probe's and the trace's facts, as "VAR=value"
# words: deaf (the probe's first deaf vCPU, if any), probe (stalled,
# unpopped, not-stalled, none), vq (the probe's stalled or unpopped line,
# if any), rings (the render server's Venus ring threads at the last
# probe, by state and wait channel: "N,S:futex_wait_queue:N,..."; every
# one asleep while the guest waits on the renderer is the picture of a
# lost wakeup, see README), cmd (the last
# suspended command, or none), at (its time), taken and done (requests
# QEMU took and completed after it), pending (FlatViews queued for RCU
# freeing and never freed); spaces in values are underscores
host_view() {
	local base=$1 line
	if line=$(grep -m1 '^deaf cpu ' "$base.probe" 2>/dev/null); then
		line=${line#deaf }
		echo "deaf=${line// /_}"
	fi
	if line=$(grep -m1 '^stalled virtio-gpu 0: ' "$base.probe" 2>/dev/null); then
		echo "probe=stalled"
		line=${line#stalled }
		echo "vq=${line// /_}"
	elif line=$(grep -m1 '^unpopped virtio-gpu 0: ' "$base.probe" 2>/dev/null); then
		echo "probe=unpopped"
		line=${line#unpopped }
		echo "vq=${line// /_}"
	elif grep -q '^vq ' "$base.probe" 2>/dev/null; then
		echo "probe=not-stalled"
	else
		echo "probe=none"
	fi
	line=$(awk '/^threads at / { n = 0; split("", s) }
		$1 == "thread" && $4 ~ /^vkr-ring-/ { n++; s[$5 ":" $6]++ }
		END { if (n) { printf "%d", n; for (k in s) printf ",%s:%d", k, s[k] } }' \
		"$base.probe" 2>/dev/null)
	[ -z "$line" ] || echo "rings=$line"
	awk '
		# "PID@SEC.USEC:event args" (-msg timestamp=on)
		{ ev = $1; sub(/^.*:/, "", ev); t = $1; sub(/:.*$/, "", t); sub(/^.*@/, "", t) }
		ev == "virtio_gpu_cmd_suspended" { cmd = $NF; at = t; pops = 0; flushes = 0 }
		ev == "virtqueue_pop" { pops++ }
		ev == "virtqueue_flush" { flushes++ }
		ev == "flatview_destroy_rcu" { queued[$2] = 1 }
		ev == "flatview_destroy" { delete queued[$2] }
		END {
			n = 0
			for (v in queued)
				n++
			printf "cmd=%s\nat=%d\ntaken=%d\ndone=%d\npending=%d\n",
				cmd == "" ? "none" : cmd, at, pops, flushes, n
		}' "$base.qemu-trace.log" 2>/dev/null
}

# emulator_signature BASE: print the signature and return 0 when the
# run's host view is one of the emulator's faults above; else print what
# the host saw and return 1
emulator_signature() {
	local deaf='' probe=none vq='' rings='' cmd=none at=0 taken=0 done=0 pending=0 w
	for w in $(host_view "$1"); do
		case "$w" in
		deaf=*|probe=*|vq=*|rings=*|cmd=*|at=*|taken=*|done=*|pending=*)
			printf -v "${w%%=*}" '%s' "${w#*=}" ;;
		esac
	done
	if [ -n "$deaf" ]; then
		echo "qemu-apic-deaf-vcpu: ${deaf//_/ }"
		return 0
	fi
	if [ "$probe" = stalled ] && [ "$cmd" = 0x209 ] && [ "$done" -eq 0 ]; then
		echo "qemu-unmap-blob-stall: virtio-gpu suspended its control queue at RESOURCE_UNMAP_BLOB (0x209) at $(date -u -d "@$at" +%T) and completed no request after it (took $taken more); ${vq//_/ }; FlatViews queued for RCU freeing and never freed: $pending"
		return 0
	fi
	if [ "$probe" = unpopped ] && [ "$cmd" = 0x209 ] && [ "$taken" -eq 0 ]; then
		echo "qemu-unmap-blob-unresumed: virtio-gpu suspended its control queue at RESOURCE_UNMAP_BLOB (0x209) at $(date -u -d "@$at" +%T), completed $done request(s) after it and took none of those the guest published since: ${vq//_/ }"
		return 0
	fi
	echo "no emulator fault seen: no deaf vCPU; probe $probe${vq:+ (${vq//_/ })}; last suspended command $cmd, $taken requests taken and $done completed after it; FlatViews never freed: $pending${rings:+; Venus ring threads: ${rings%%,*}, by state and wait: ${rings#*,}}"
	return 1
}

# A run that failed with one of the emulator's faults is run again, up to
# VGPU_RETRIES (default 2) times, each saying so on a line
# "xen-emulator-retry: vgpu: attempt N: SIGNATURE" (scripts/check.sh
# counts them); the failed attempt's logs are kept as BASE.attemptN.*, its
# output (vm-run.sh's and the payload's) goes to stderr, each line after
# "vgpu-run: attempt N: ". Any other failure is final (with what the
# host saw on a "vgpu-run: the host's side:" line), and so is a fault of
# the emulator when no retry is left (its signature on a "vgpu-run: FAIL:"
# line).
RETRIES=${VGPU_RETRIES:-2}
ATTEMPT_OUT=$(mktemp "$VCACHE/out-XXXXXX")
trap 'rm -rf "$RUN" "$ATTEMPT_OUT" "$ATTEMPT_OUT.err"' EXIT
attempt=1
while :; do
	rc=0
	VGPU_PROBE=$BASE.probe VGPU_PROBE_STOP=1 VGPU_PROBE_AT=$PROBE_AT \
	"$TOP/scripts/vm-run.sh" "${opts[@]}" --log "$LOG" --no-module \
		--qemu "$TOP/scripts/vgpu-qemu.sh" \
		--qemu-args "-vga none -device $DEVICE -display sdl,gl=on $TRACE_ARGS" \
		--add-dir "$RUN" - "$PAYLOAD" >"$ATTEMPT_OUT" 2>"$ATTEMPT_OUT.err" || rc=$?
	if [ $rc -eq 0 ]; then
		cat "$ATTEMPT_OUT.err" >&2
		cat "$ATTEMPT_OUT"
		exit 0
	fi
	if ! sig=$(emulator_signature "$BASE"); then
		cat "$ATTEMPT_OUT.err" >&2
		cat "$ATTEMPT_OUT"
		echo "vgpu-run: the host's side: $sig (trace $BASE.qemu-trace.log)" >&2
		exit $rc
	fi
	if [ "$attempt" -gt "$RETRIES" ]; then
		cat "$ATTEMPT_OUT.err" >&2
		cat "$ATTEMPT_OUT"
		echo "vgpu-run: FAIL: the emulator's fault on attempt $attempt, no retry left: $sig" >&2
		exit $rc
	fi
	# the failed attempt's output, marked, where no subtest counter reads it
	sed "s/^/vgpu-run: attempt $attempt: /" "$ATTEMPT_OUT.err" "$ATTEMPT_OUT" >&2
	echo "xen-emulator-retry: vgpu: attempt $attempt: $sig" >&2
	for f in "$LOG" "$OUT" "$BASE.probe" "$BASE.qemu-trace.log"; do
		[ ! -e "$f" ] || mv "$f" "$BASE.attempt$attempt.${f#"$BASE".}"
	done
	attempt=$((attempt + 1))
done
