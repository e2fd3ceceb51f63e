#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's 6.12 kernel under QEMU (TCG) with a busybox initramfs built
# on the fly, load the module, run one payload, power off, and judge the
# run from the host side.
#
# usage: scripts/vm-run.sh [options] [MODULE.ko [PAYLOAD...]]
#   MODULE.ko   default drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko
#               (.ko.xz/.ko.zst/.ko.gz are decompressed first); the test
#               module built next to it, MODULE-loop.ko (/dev/vxf-loop, the
#               loop transport the tests use), is loaded after it when it
#               exists, and unloaded before it
#   PAYLOAD     shell command line run in the guest, default "run-tests":
#               every /tests/vxf_* in turn with VXF_BACKEND=/bin/vxf-backend
#               ("run-tests hv": the same in hypervisor mode)
# options:
#   --timeout S    hard limit for the whole boot (default 600)
#   --log FILE     console log (default .cache/logs/vm-<date>.console.log)
#   --kernel F     vmlinuz (default VMLINUZ_612 from .cache/kernels/env.sh)
#   --no-module    boot without loading a module
#   --debug        boot the debug kernel (scripts/debug-kernel.sh: KASAN,
#                  lockdep, KUnit, the driver built in); implies --no-module
#   --no-rmmod     do not unload the module after the payload
#   --no-test-module  load MODULE.ko alone, even with MODULE-loop.ko there
#   --allow-warn   do not fail on "WARNING:" (only for experiments)
#   --append ARGS  extra kernel command line (e.g. nr_cpus=1)
#   --no-slub-debug  boot without slub_debug (benchmarks: its red zones
#                  and tracking inflate every slab object)
#   --qemu PROG    run PROG instead of qemu-system-x86_64 (a wrapper that
#                  takes QEMU's arguments: scripts/vgpu-run.sh)
#   --qemu-args A  QEMU arguments (display, devices) in place of -nographic
#   --kmod NAME    also load module NAME of the kernel's own tree (and what
#                  it depends on) before the module; repeatable
#   --add-dir DIR  copy DIR's contents over the initramfs root, last
#
# The guest always boots with slub_debug=FZPU (Debian's kernels have no
# KASAN: this catches use-after-free and overruns in slab objects), and
# with null_blk loaded (/dev/nullb0) when the kernel has the module, so
# that O_DIRECT has a block device to go through. The debug kernel has
# null_blk built in, and prints its KUnit results (KTAP) on the console,
# where the reports of its detectors (KASAN, lockdep, DEBUG_OBJECTS,
# hung tasks) fail the run like any other kernel trouble.
#
# QEMU runs single-threaded TCG (thread=single): with one host thread per
# vCPU, text patching (static keys, tracepoints) races with the other
# vCPU executing the patched code, and the kernel dies of a stray int3 in
# a few percent of boots. One thread costs nothing measurable here.
#
# The payload's stdout+stderr go to the guest's second serial port, which
# is copied to this script's stdout; kernel messages go to the console log.
# Exit status: 0 all good; 1 payload failed (non-zero exit) but the kernel
# stayed clean; 2 kernel trouble, module load failure, missing exit
# marker or timeout; 3 usage or setup error.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
TIMEOUT=600
LOG=
KERNEL=
LOAD_MODULE=1
RMMOD=1
TEST_MODULE=1
ALLOW_WARN=0
APPEND=
DEBUG_KERNEL=0
SLUB_DEBUG=slub_debug=FZPU
QEMU=qemu-system-x86_64
QEMU_ARGS=-nographic
KMODS=
ADD_DIR=

usage() { sed -n '8,35p' "$0" >&2; exit 3; }

while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) TIMEOUT=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--no-module) LOAD_MODULE=0; shift ;;
	--debug) DEBUG_KERNEL=1; LOAD_MODULE=0; shift ;;
	--no-rmmod) RMMOD=0; shift ;;
	--no-test-module) TEST_MODULE=0; shift ;;
	--allow-warn) ALLOW_WARN=1; shift ;;
	--append) APPEND=$2; shift 2 ;;
	--no-slub-debug) SLUB_DEBUG=; shift ;;
	--qemu) QEMU=$2; shift 2 ;;
	--qemu-args) QEMU_ARGS=$2; shift 2 ;;
	--kmod) KMODS="$KMODS $2"; shift 2 ;;
	--add-dir) ADD_DIR=$2; shift 2 ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-) break ;;	# no module file (with --no-module or --debug)
	-*) echo "vm-run: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done

KO=${1:-drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko}
[ $# -gt 0 ] && shift
PAYLOAD=${*:-run-tests}

setup_fail() { echo "vm-run: ERROR: $*" >&2; exit 3; }

if [ "$DEBUG_KERNEL" -eq 1 ] && [ -z "$KERNEL" ]; then
	KERNEL="$TOP/.cache/trees/debug-6.12/obj/arch/x86/boot/bzImage"
	[ -f "$KERNEL" ] || setup_fail "$KERNEL missing: run scripts/debug-kernel.sh"
fi
if [ -z "$KERNEL" ]; then
	ENV="$TOP/.cache/kernels/env.sh"
	[ -f "$ENV" ] || setup_fail "$ENV missing: run scripts/kernels.sh (make kernels)"
	# shellcheck source=/dev/null
	. "$ENV"
	KERNEL=$VMLINUZ_612
fi
MODDIR=${MODDIR_612:-}
# the debug kernel has what the tests need built in, and no module tree
[ "$DEBUG_KERNEL" -eq 0 ] || MODDIR=
[ -f "$KERNEL" ] || setup_fail "kernel $KERNEL missing"
command -v "$QEMU" >/dev/null || setup_fail "$QEMU missing (make deps)"
BUSYBOX=$(command -v busybox || true)
if [ -z "$BUSYBOX" ] || ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
	setup_fail "static busybox missing (apt-get install busybox-static)"
fi

mkdir -p "$TOP/.cache/logs" "$TOP/.cache/vm"
STAMP=$(date +%Y%m%d-%H%M%S)-$$
[ -n "$LOG" ] || LOG="$TOP/.cache/logs/vm-$STAMP.console.log"
mkdir -p "$(dirname "$LOG")"
OUT="${LOG%.console.log}.payload.log"
[ "$OUT" != "$LOG" ] || OUT="$LOG.payload"
WORK=$(mktemp -d "$TOP/.cache/vm/run-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R="$WORK/root"
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,run,tests,lib/modules/vxf,etc}

# -- initramfs contents ------------------------------------------------------

cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done

# copy a host binary plus, if it is dynamic, its loader and libraries
add_bin() {
	local src=$1 dst=$2 lib
	install -D -m 0755 "$src" "$R/$dst"
	if ! file -L "$src" | grep -q 'statically linked'; then
		for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true); do
			[ -e "$R$lib" ] || cp -L --parents "$lib" "$R/"
		done
	fi
}

# copy a module, decompressing it if needed
add_ko() {
	local src=$1 dst=$2
	case "$src" in
	*.xz) xz -dc "$src" >"$dst" ;;
	*.zst) zstd -qdc "$src" >"$dst" ;;
	*.gz) gzip -dc "$src" >"$dst" ;;
	*) cp "$src" "$dst" ;;
	esac
}

MODLIST=""
if [ "$LOAD_MODULE" -eq 1 ]; then
	[ -f "$KO" ] || setup_fail "module $KO missing (build it first: make)"
	add_ko "$KO" "$WORK/main.ko"
	# Modules the driver needs, in load order, from the kernel's own tree.
	deps=$(modinfo -F depends "$WORK/main.ko" | tr ',' ' ')
	if [ -n "$deps" ]; then
		if [ -z "$MODDIR" ] || [ ! -f "$MODDIR/modules.dep" ]; then
			setup_fail "module needs [$deps] but no modules.dep in ${MODDIR:-?}"
		fi
		order=""
		for d in $deps; do
			line=$(grep -E "/${d//_/[-_]}\\.ko(\\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n 1) ||
				setup_fail "dependency $d not in $MODDIR/modules.dep"
			# modules.dep lists a module's own dependencies, deepest last
			for m in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
				case " $order " in *" $m "*) ;; *) order="$order $m" ;; esac
			done
		done
		i=0
		for m in $order; do
			i=$((i + 1))
			n=$(printf '%02d-%s' "$i" "$(basename "${m%%.ko*}").ko")
			add_ko "$MODDIR/$m" "$R/lib/modules/vxf/$n"
			MODLIST="$MODLIST /lib/modules/vxf/$n"
		done
	fi
	cp "$WORK/main.ko" "$R/lib/modules/vxf/99-$(basename "${KO%%.ko*}").ko"
	MODLIST="$MODLIST /lib/modules/vxf/99-$(basename "${KO%%.ko*}").ko"
	# The test module next to it, which needs nothing but the driver.
	TEST_KO=
	if [ "$TEST_MODULE" -eq 1 ]; then
		for f in "${KO%%.ko*}"-loop.ko*; do
			[ -f "$f" ] && { TEST_KO=$f; break; }
		done
	fi
	if [ -n "$TEST_KO" ]; then
		add_ko "$TEST_KO" "$WORK/test.ko"
		main=$(modinfo -F name "$WORK/main.ko")
		for d in $(modinfo -F depends "$WORK/test.ko" | tr ',' ' '); do
			[ "${d//-/_}" = "$main" ] ||
				setup_fail "test module $TEST_KO needs $d, not only $main"
		done
		n="99-$(basename "${TEST_KO%%.ko*}").ko"
		cp "$WORK/test.ko" "$R/lib/modules/vxf/$n"
		MODLIST="$MODLIST /lib/modules/vxf/$n"
	fi
fi

# A block device for O_DIRECT tests, loaded before the driver and left.
# Kernel modules are put in /lib/modules/extra/ with their dependencies
# first (the image ships no modules.dep: modinfo tells).
: >"$R/lib/modules/extra.list"
add_kernel_mod() {
	local name=$1 f d
	grep -qx "$name" "$R/lib/modules/extra.list" && return 0
	f=$(find "$MODDIR/kernel" -name "$name.ko*" 2>/dev/null | head -n 1)
	[ -n "$f" ] || return 1
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_kernel_mod "$d" || return 1
	done
	mkdir -p "$R/lib/modules/extra"
	add_ko "$f" "$R/lib/modules/extra/$name.ko"
	echo "$name" >>"$R/lib/modules/extra.list"
}
if [ -n "$MODDIR" ] && [ -d "$MODDIR/kernel" ]; then
	add_kernel_mod null_blk || echo "vm-run: no null_blk: O_DIRECT tests will skip" >&2
fi
for m in $KMODS; do
	add_kernel_mod "$m" || setup_fail "module $m not in ${MODDIR:-?}/kernel"
done

[ -x "$TOP/tools/vxf-backend/vxf-backend" ] &&
	add_bin "$TOP/tools/vxf-backend/vxf-backend" /bin/vxf-backend
[ -x "$TOP/tools/vxf-demo/vxf-demo" ] &&
	add_bin "$TOP/tools/vxf-demo/vxf-demo" /bin/vxf-demo
[ -x "$TOP/tools/vxf-bench/vxf-bench" ] &&
	add_bin "$TOP/tools/vxf-bench/vxf-bench" /bin/vxf-bench
[ -x "$TOP/tools/vxf-fuzz/vxf-fuzz" ] &&
	add_bin "$TOP/tools/vxf-fuzz/vxf-fuzz" /bin/vxf-fuzz
NTESTS=0
for t in "$TOP"/tests/igt/vxf_*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then
		continue
	fi
	add_bin "$t" "/tests/$(basename "$t")"
	NTESTS=$((NTESTS + 1))
done

cat >"$R/bin/run-tests" <<'EOF'
#!/bin/sh
# Run every /tests/vxf_* in turn; exit 1 if any exits other than 0 (pass)
# or 77 (skip). "run-tests hv" runs them with VXF_TEST_HV=1 (hypervisor
# mode) and names them NAME@hv in the markers.
export VXF_BACKEND=/bin/vxf-backend
tag=
if [ "${1:-}" = hv ]; then
	export VXF_TEST_HV=1
	tag=@hv
fi
rc=0
n=0
for t in /tests/vxf_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	echo "VXF-TEST-BEGIN $(basename "$t")$tag"
	"$t"
	r=$?
	echo "VXF-TEST-END $(basename "$t")$tag rc=$r"
	case $r in 0|77) ;; *) rc=1 ;; esac
done
if [ "$n" -eq 0 ]; then
	echo "VXF-NO-TESTS"
	exit 1
fi
exit $rc
EOF
chmod 0755 "$R/bin/run-tests"

[ -z "$ADD_DIR" ] || cp -a "$ADD_DIR/." "$R/"

printf '%s\n' "$PAYLOAD" >"$R/etc/payload"
# the guest's watchdog: what the payload's tasks wait on, 40 s before the
# hard limit (a hang then says where it hangs, not only that it timed out)
WDOG=0
[ "$TIMEOUT" -lt 120 ] || WDOG=$((TIMEOUT - 40))
cat >"$R/init" <<EOF
#!/bin/sh
MODLIST="$MODLIST"
RMMOD=$RMMOD
WDOG=$WDOG
EOF
cat >>"$R/init" <<'EOF'
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
echo "VXF-INIT-START uptime=$(cut -d' ' -f1 /proc/uptime)"
OUT=/dev/ttyS1
for m in $(cat /lib/modules/extra.list); do
	insmod "/lib/modules/extra/$m.ko" $([ "$m" = null_blk ] && echo nr_devices=1)
done
ok=1
for m in $MODLIST; do
	if insmod "$m"; then
		echo "VXF-INSMOD-OK $m"
	else
		echo "VXF-INSMOD-FAIL $m"
		ok=0
		break
	fi
done
if [ $ok -eq 1 ] && [ "$WDOG" -gt 0 ]; then
	# still running WDOG s after boot: the blocked tasks (sysrq w), every
	# CPU's backtrace (sysrq l), and the state, wait channel and kernel
	# stack of each thread of the payload's processes, between markers
	# (vm-run.sh judges the console without them)
	(
		sleep "$WDOG"
		echo "VXF-WATCHDOG-BEGIN the payload still runs at uptime $(cut -d' ' -f1 /proc/uptime)"
		echo 1 >/proc/sys/kernel/sysrq
		echo w >/proc/sysrq-trigger
		echo l >/proc/sysrq-trigger
		for d in /proc/[0-9]*; do
			c=$(cat "$d/comm" 2>/dev/null) || continue
			case "$c" in vxf*|run-tests|vulkaninfo) ;; *) continue ;; esac
			for t in "$d"/task/*; do
				echo "VXF-WATCHDOG task ${t##*/} of ${d#/proc/} ($c): $(sed -n 's/^State:[[:space:]]*//p' "$t/status") in $(cat "$t/wchan")"
				sed 's/^/VXF-WATCHDOG   /' "$t/stack"
			done
		done
		sleep 2
		echo "VXF-WATCHDOG-END"
	) </dev/null 2>&1 &
fi
if [ $ok -eq 1 ]; then
	echo "VXF-PAYLOAD-BEGIN $(cat /etc/payload)"
	cd /tmp
	sh -c "$(cat /etc/payload)" </dev/null >$OUT 2>&1
	rc=$?
	cd /
	echo "VXF-PAYLOAD-EXIT=$rc" >$OUT
	echo "VXF-PAYLOAD-EXIT=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
	if [ "$RMMOD" = 1 ]; then
		for m in $(echo $MODLIST | tr ' ' '\n' | tac); do
			n=$(basename "$m" .ko)
			if rmmod "${n#??-}"; then
				echo "VXF-RMMOD-OK ${n#??-}"
			else
				echo "VXF-RMMOD-FAIL ${n#??-}"
				break
			fi
		done
	fi
fi
echo "VXF-INIT-DONE"
poweroff -f
EOF
chmod 0755 "$R/init"

(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$WORK/initrd.gz"

# -- boot --------------------------------------------------------------------

CMDLINE="console=ttyS0,115200 rdinit=/init panic=-1 oops=panic"
CMDLINE+=" hung_task_timeout_secs=60 watchdog_thresh=20 softlockup_panic=0"
CMDLINE+=" mitigations=off audit=0 8250.nr_uarts=2 i8042.noaux i8042.nokbd"
CMDLINE+=" tsc=reliable no_timer_check random.trust_cpu=on"
CMDLINE+="${SLUB_DEBUG:+ $SLUB_DEBUG}${APPEND:+ $APPEND}"

echo "vm-run: kernel $(basename "$KERNEL"), module ${KO}, payload: $PAYLOAD" >&2
echo "vm-run: $NTESTS test binaries; console log $LOG" >&2
: >"$LOG"
: >"$OUT"
t0=$(date +%s.%N)
set +e
timeout --kill-after=10 "$TIMEOUT" \
	"$QEMU" -accel tcg,thread=single -m 2G -smp 2 $QEMU_ARGS \
	-no-reboot \
	-monitor none -serial "file:$LOG" -serial "file:$OUT" \
	-net none -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
	-append "$CMDLINE" </dev/null >"$WORK/qemu.out" 2>&1
qrc=$?
set -e
t1=$(date +%s.%N)
ELAPSED=$(echo "$t1 - $t0" | bc)

# -- judge ---------------------------------------------------------------------

tr -d '\r' <"$OUT" >"$WORK/out" && cp "$WORK/out" "$OUT"
sed -i 's/\r$//' "$LOG"
grep -v '^VXF-PAYLOAD-EXIT=' "$OUT" || true

reasons=()
[ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] && reasons+=("timeout after ${TIMEOUT}s")
[ "$qrc" -ne 0 ] && [ "$qrc" -ne 124 ] && [ "$qrc" -ne 137 ] &&
	reasons+=("qemu exit status $qrc: $(head -c 300 "$WORK/qemu.out")")
# the judge reads the console without the watchdog's dump (its stacks
# are no failure of their own: a payload that ends after it passes)
sed '/^VXF-WATCHDOG-BEGIN/,/^VXF-WATCHDOG-END/d' "$LOG" >"$WORK/judged.log"
if grep -q '^VXF-WATCHDOG-BEGIN' "$LOG"; then
	echo "vm-run: the payload still ran $WDOG s after boot: what its tasks waited on is in $LOG (VXF-WATCHDOG)" >&2
fi
PATTERNS=(
	'Kernel panic' 'Oops' 'BUG:' 'general protection fault'
	'INFO: task .* blocked' 'soft lockup' 'hard LOCKUP' 'Call Trace'
	'rcu: INFO: .* stall' 'self-detected stall' 'UBSAN:' 'Unable to handle'
	'list_add corruption' 'list_del corruption' 'refcount_t:'
	'ODEBUG:' 'DEBUG_LOCKS_WARN_ON' 'INFO: trying to register non-static key'
	'Workqueue lockup' 'BUG: workqueue lockup'
)
[ "$ALLOW_WARN" -eq 1 ] || PATTERNS+=('WARNING:')
for p in "${PATTERNS[@]}"; do
	if grep -Eq -- "$p" "$WORK/judged.log"; then
		reasons+=("console: $(grep -Em1 -- "$p" "$WORK/judged.log")")
	fi
done
if grep -q '^VXF-INSMOD-FAIL' "$LOG"; then
	reasons+=("module load failed: $(grep -m1 -B3 '^VXF-INSMOD-FAIL' "$LOG" | tr '\n' ' ')")
fi
grep -q '^VXF-RMMOD-FAIL' "$LOG" && reasons+=("module unload failed")
grep -q '^VXF-INIT-START' "$LOG" || reasons+=("init never started")
PRC=$(sed -n 's/^VXF-PAYLOAD-EXIT=\([0-9]*\).*/\1/p' "$OUT" | tail -n 1)
if [ -z "$PRC" ] && ! grep -q '^VXF-INSMOD-FAIL' "$LOG"; then
	reasons+=("missing VXF-PAYLOAD-EXIT marker")
fi
grep -q '^VXF-INIT-DONE' "$LOG" || reasons+=("missing VXF-INIT-DONE marker")
if [ "$DEBUG_KERNEL" -eq 1 ]; then
	# the KUnit cases of the driver's suites (KTAP, indented under their
	# suite; printk timestamps stripped), kept beside the console log for
	# whoever reports them case by case (scripts/check.sh)
	KUNIT="${LOG%.console.log}.kunit"
	sed -E 's/^\[ *[0-9.]+\] //' "$LOG" |
		grep -E '^ +(not )?ok [0-9]+ vxf_test_' >"$KUNIT" || true
	kok=$(grep -cE '^ +ok ' "$KUNIT" || true)
	knok=$(grep -cE '^ +not ok ' "$KUNIT" || true)
	echo "vm-run: kunit: $kok ok, $knok not ok (cases: $KUNIT)" >&2
	[ "$kok" -gt 0 ] || reasons+=("no KUnit results of the driver's suites")
	[ "$knok" -eq 0 ] || reasons+=("KUnit: $(grep -m1 'not ok' "$KUNIT" | sed 's/^ *//')")
fi

boot=$(sed -n 's/^VXF-INIT-START uptime=//p' "$LOG" | head -n 1)
echo "vm-run: wall ${ELAPSED}s, kernel uptime at init ${boot:-?}s, payload exit ${PRC:-none}" >&2

if [ ${#reasons[@]} -gt 0 ]; then
	{
		echo "vm-run: ==================== FAIL ===================="
		for r in "${reasons[@]}"; do echo "vm-run: FAIL: $r"; done
		if grep -q '^VXF-WATCHDOG task' "$LOG"; then
			echo "vm-run: --- the watchdog's view of the payload's tasks ---"
			grep '^VXF-WATCHDOG' "$LOG" | head -n 120
		fi
		echo "vm-run: --- last 60 lines of $LOG ---"
		tail -n 60 "$LOG"
		echo "vm-run: --- end; console log: $LOG; payload log: $OUT"
	} >&2
	exit 2
fi
if [ "$PRC" != 0 ]; then
	echo "vm-run: FAIL: payload exited with $PRC (payload log: $OUT)" >&2
	exit 1
fi
echo "vm-run: OK (console log: $LOG)" >&2
exit 0
