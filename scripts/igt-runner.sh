#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the IGT tests under IGT's own igt_runner (igt-gpu-tools), in the QEMU
# guest of scripts/vm-run.sh with the driver and the test module loaded,
# and check the runner's verdicts (make check step igt-runner).
#
# usage: scripts/igt-runner.sh [MODULE.ko]
#   MODULE.ko   as for scripts/vm-run.sh (default: the test build's)
#
# Where igt_runner comes from, the first that applies:
#   $IGT_RUNNER  an igt_runner binary, igt_results next to it (the
#                libraries ldd finds for it with $LD_LIBRARY_PATH)
#   $IGT_SRC     an igt-gpu-tools source tree (1.28 or later: 1.27 needs
#                libprocps, which Debian 12 no longer has): its runner is
#                built with meson and ninja (igt_runner, igt_results and
#                libigt, no test) into .cache/igt-runner/igt-VERSION-KEY/,
#                once per tree content; scripts/deps.sh --igt-runner
#                installs what that build needs
#   otherwise    Debian's intel-gpu-tools package (apt-get download into
#                .cache/igt-runner/, not installed), if it ships one. Debian
#                12's 1.27.1-1 (and 13's 2.0-1) build it without the runner
#                and Debian's archive is all this project may fetch from:
#                with neither variable set the step is skipped (exit 77),
#                saying so.
# The runner is dynamically linked: it goes into the guest (/igt) with
# every library ldd finds for it.
#
# In the guest (scripts/vm-run.sh --add-dir), igt_runner runs twice, with
# --per-test-timeout $IGT_RUNNER_TIMEOUT (default 60 s) and, where it has
# the option (IGT 1.29 and later), a --hook that logs each subtest's end:
#   single    one subtest per run of a binary: every subtest of the vxf_*
#             suites (tests/igt), then runner_probe's (pass, skip, fail,
#             crash, dmesg-warn, dmesg-warn-ignored, timeout)
#   multiple  --multiple-mode: each suite in one run, its subtests given as
#             one --run-subtest list
# Then every process of the tests still alive (runner_probe, vxf_*,
# vxf-backend, vxf-fuzz) is listed, after waiting up to 30 s for the
# timeout's victims to go, and the results come back to the host
# (.cache/logs/igt-runner-<date>/), where scripts/igt-runner-check.py
# checks them against tests/igt/runner-expect.txt. While the runner runs,
# the console shows kernel messages of level warning and worse only: its
# timeout asks the kernel for every task's stack (sysrq t), at info level,
# which is no kernel trouble for vm-run.sh to fail on.
#
# Exit status: 0 every verdict as expected and nothing left running; 1 a
# verdict or check differs, or the runner failed; 2 the VM run failed
# (vm-run.sh's kernel checks); 3 setup error; 77 no igt_runner to be had.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
CACHE="$TOP/.cache/igt-runner"
TIMEOUT_S=${IGT_RUNNER_TIMEOUT:-60}
KO=${1:-drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko}
EXPECT=tests/igt/runner-expect.txt
SUITES="vxf_loop vxf_loop_fuzz vxf_loop_module"
PROBE=runner_probe

say() { echo "igt-runner: $*" >&2; }
die() { echo "igt-runner: ERROR: $*" >&2; exit 3; }
skip() { echo "igt-runner: SKIP: $*"; exit 77; }

mkdir -p "$CACHE"

# Build the runner of igt-gpu-tools tree $1 unless already built; sets
# RUNNER_DIR (bin/igt_runner, bin/igt_results, lib/libigt.so.0: the
# binaries' RUNPATH is $ORIGIN/../lib).
build_from_source() {
	local src=$1 ver key out opts=() o
	[ -f "$src/meson.build" ] && [ -f "$src/runner/runner.c" ] ||
		die "IGT_SRC=$src is no igt-gpu-tools tree (no meson.build, runner/runner.c)"
	ver=$(sed -n "s/^[[:space:]]*version[[:space:]]*:[[:space:]]*'\([^']*\)'.*/\1/p" \
		"$src/meson.build" | head -n 1)
	key=$(cat "$src/meson.build" "$src/meson_options.txt" "$src"/runner/*.[ch] \
		"$src"/lib/meson.build | sha256sum | cut -c1-12)
	RUNNER_DIR="$CACHE/igt-${ver:-unknown}-$key"
	if [ -x "$RUNNER_DIR/bin/igt_runner" ] && [ -x "$RUNNER_DIR/bin/igt_results" ]; then
		say "runner of $src cached: $RUNNER_DIR"
		return 0
	fi
	"$TOP/scripts/deps.sh" --igt-runner >&2
	# the options this version has, for the smallest build with the runner
	for o in runner=enabled tests=enabled overlay=disabled chamelium=disabled \
		 valgrind=disabled man=disabled docs=disabled testplan=disabled \
		 sphinx=disabled libunwind=disabled oping=disabled \
		 libdrm_drivers= xe_eudebug=disabled vmtb=disabled; do
		grep -q "option('${o%%=*}'" "$src/meson_options.txt" && opts+=("-D$o")
	done
	out="$RUNNER_DIR.build"
	rm -rf "$out" "$RUNNER_DIR"
	say "building igt_runner $ver from $src (log $out.log)"
	if ! { meson setup "$out" "$src" "${opts[@]}" &&
	       nice ninja -C "$out" -j"${IGT_BUILD_JOBS:-2}" runner/igt_runner runner/igt_results
	     } >"$out.log" 2>&1; then
		echo "igt-runner: ERROR: the runner's build failed: $(tail -n 3 "$out.log")" >&2
		exit 1
	fi
	mkdir -p "$RUNNER_DIR.tmp/bin" "$RUNNER_DIR.tmp/lib"
	cp "$out/runner/igt_runner" "$out/runner/igt_results" "$RUNNER_DIR.tmp/bin/"
	cp -L "$out/lib/libigt.so.0" "$RUNNER_DIR.tmp/lib/"
	mv "$out.log" "$RUNNER_DIR.tmp/build.log"
	mv "$RUNNER_DIR.tmp" "$RUNNER_DIR"
	rm -rf "$out"
}

# Debian's package, if it has the runner; sets RUNNER_DIR.
from_debian() {
	local pv f root
	pv=$(apt-cache policy intel-gpu-tools 2>/dev/null | awk '/Candidate:/ { print $2 }')
	[ -n "$pv" ] && [ "$pv" != "(none)" ] ||
		skip "no igt_runner: set IGT_SRC to an igt-gpu-tools tree or IGT_RUNNER to a binary (apt knows no intel-gpu-tools)"
	root="$CACHE/deb-$pv"
	if [ ! -f "$root/.unpacked" ]; then
		mkdir -p "$CACHE/debs"
		f=$(find "$CACHE/debs" -maxdepth 1 -name "intel-gpu-tools_${pv//:/%3a}_*.deb" -print -quit)
		if [ -z "$f" ]; then
			(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root \
				"intel-gpu-tools=$pv") >&2 || die "apt-get download intel-gpu-tools=$pv failed"
			f=$(find "$CACHE/debs" -maxdepth 1 -name "intel-gpu-tools_${pv//:/%3a}_*.deb" -print -quit)
		fi
		[ -n "$f" ] || die "apt-get download intel-gpu-tools=$pv gave no .deb"
		rm -rf "$root" && mkdir -p "$root"
		dpkg-deb -x "$f" "$root"
		touch "$root/.unpacked"
	fi
	[ -x "$root/usr/bin/igt_runner" ] ||
		skip "no igt_runner: Debian's intel-gpu-tools $pv does not ship it (built without the runner); set IGT_SRC to an igt-gpu-tools tree or IGT_RUNNER to a binary"
	RUNNER_DIR="$root/usr"
	export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

if [ -n "${IGT_RUNNER:-}" ]; then
	[ -x "$IGT_RUNNER" ] || die "IGT_RUNNER=$IGT_RUNNER is not executable"
	RUNNER_DIR=$(cd "$(dirname "$IGT_RUNNER")/.." && pwd)
	RUNNER=$(cd "$(dirname "$IGT_RUNNER")" && pwd)/$(basename "$IGT_RUNNER")
elif [ -n "${IGT_SRC:-}" ]; then
	build_from_source "$(cd "$IGT_SRC" && pwd)"
else
	from_debian
fi
RUNNER=${RUNNER:-$RUNNER_DIR/bin/igt_runner}
RESULTS=$(dirname "$RUNNER")/igt_results
[ -x "$RESULTS" ] || die "no igt_results next to $RUNNER"

for t in $SUITES $PROBE; do
	[ -x "tests/igt/$t" ] || die "tests/igt/$t missing (make -C tests/igt)"
done
[ -x tools/vxf-backend/vxf-backend ] || die "tools/vxf-backend/vxf-backend missing (make tools)"

# What the runner can do: --hook (1.29), the ignored-dmesg marker (1.30).
HAS_HOOK=0
help=$("$RUNNER" --help 2>&1 || true)
case "$help" in *--hook*) HAS_HOOK=1 ;; esac
HAS_IGNORE=0
grep -aq 'add ignored dmesg regex' "$RUNNER" && HAS_IGNORE=1
VERSION=$( ("$RUNNER" --version 2>&1 || true) | sed -n 's/^IGT-Version: \([^ ]*\).*/\1/p' | head -n 1)
say "runner: $RUNNER ($VERSION; --hook: $HAS_HOOK, ignored dmesg: $HAS_IGNORE)"

STAMP=$(date +%Y%m%d-%H%M%S)-$$
OUTDIR="$TOP/.cache/logs/igt-runner-$STAMP"
mkdir -p "$OUTDIR"
WORK=$(mktemp -d "$CACHE/vm-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
D="$WORK/add"
mkdir -p "$D/igt/bin" "$D/igt/lib" "$D/tests" "$D/bin"

# the runner, its libraries in /igt/lib, the loader where it is looked for
cp -L "$RUNNER" "$RESULTS" "$D/igt/bin/"
if ldd "$RUNNER" "$RESULTS" | grep -q 'not found'; then
	die "libraries of $RUNNER not found: $(ldd "$RUNNER" "$RESULTS" | grep 'not found' | sort -u | tr '\n' ' ')"
fi
for lib in $(ldd "$RUNNER" "$RESULTS" | grep -v ':$' | grep -o '/[^ ]*' | sort -u); do
	case "$lib" in
	*/ld-linux*) cp -L --parents "$lib" "$D/" ;;
	*) cp -L "$lib" "$D/igt/lib/" ;;
	esac
done

# test root: vm-run.sh puts the vxf_* binaries in /tests; igt_runner
# wants its test-list.txt there too
cp "tests/igt/$PROBE" "$D/tests/"
printf 'TESTLIST\n%s %s\nEND\n' "$SUITES" "$PROBE" >"$D/tests/test-list.txt"
: >"$WORK/single.list"
: >"$WORK/multiple.list"
for t in $SUITES; do
	"tests/igt/$t" --list-subtests | sed "s/^/igt@$t@/" >>"$WORK/single.list"
done
cp "$WORK/single.list" "$WORK/multiple.list"
grep -E "^igt@$PROBE@" "$EXPECT" | awk '{ print $1 }' >>"$WORK/single.list"
cp "$WORK/single.list" "$WORK/multiple.list" "$D/igt/"
cp "$WORK/single.list" "$WORK/multiple.list" "$OUTDIR/"

HOOK=
# shellcheck disable=SC2016 # expanded by the hook's shell, in the guest
[ "$HAS_HOOK" -eq 0 ] ||
	HOOK='post-subtest:echo "$IGT_HOOK_TEST_FULLNAME $IGT_HOOK_RESULT" >>/tmp/igt/hooks-$VXF_PASS.log'
cat >"$D/bin/igt-runner-guest" <<EOF
#!/bin/sh
# generated by scripts/igt-runner.sh: igt_runner's two passes, then what
# is left running, then the results on stdout (tar.gz, base64)
TIMEOUT_S=$TIMEOUT_S
HOOK='$HOOK'
EOF
cat >>"$D/bin/igt-runner-guest" <<'EOF'
export VXF_BACKEND=/bin/vxf-backend
# the harness's own per-subtest watchdog stays out of the runner's way
export IGT_SUBTEST_TIMEOUT=900
mkdir -p /tmp/igt
# signals the tests inherit as ignored (hex mask)
echo "VXF-SIGIGN $(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status)"
level=$(cut -f1 /proc/sys/kernel/printk)
echo 5 >/proc/sys/kernel/printk
for pass in single multiple; do
	export VXF_PASS=$pass
	set -- --per-test-timeout "$TIMEOUT_S" --test-list "/igt/$pass.list"
	[ "$pass" = single ] || set -- "$@" --multiple-mode
	[ -z "$HOOK" ] || set -- "$@" --hook "$HOOK"
	echo "VXF-RUNNER-BEGIN $pass"
	LD_LIBRARY_PATH=/igt/lib /igt/bin/igt_runner "$@" /tests "/tmp/igt/$pass" \
		>"/tmp/igt/runner-$pass.log" 2>&1
	echo "VXF-RUNNER-EXIT $pass $?"
done
echo "$level" >/proc/sys/kernel/printk
# what the tests started and is still running: the timeout's victims get
# 30 s to go
left() {
	for p in /proc/[0-9]*; do
		c=$(cat "$p/comm" 2>/dev/null) || continue
		case "$c" in
		runner_probe|vxf_*|vxf-backend|vxf-fuzz)
			echo "${p#/proc/} $c state=$(cut -d' ' -f3 "$p/stat" 2>/dev/null) wchan=$(cat "$p/wchan" 2>/dev/null)" ;;
		esac
	done
}
i=0
while [ -n "$(left)" ] && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
left | sed 's/^/VXF-LEFTOVER /'
echo "VXF-RESULTS-BEGIN"
tar -C /tmp/igt -cz . | base64
echo "VXF-RESULTS-END"
exit 0
EOF
chmod 0755 "$D/bin/igt-runner-guest"

say "booting (payload log and results in $OUTDIR)"
set +e
# vm-run.sh keeps the payload's output in vm.payload.log (--log's name)
"$TOP/scripts/vm-run.sh" --timeout "${VM_TIMEOUT:-1200}" --log "$OUTDIR/vm.console.log" \
	--add-dir "$D" "$KO" igt-runner-guest >/dev/null
vrc=$?
set -e
PAYLOAD="$OUTDIR/vm.payload.log"
grep -E '^VXF-(RUNNER|LEFTOVER|SIGIGN)' "$PAYLOAD" || true
if [ "$vrc" -ne 0 ]; then
	echo "igt-runner: FAIL: vm-run.sh exit $vrc (console $OUTDIR/vm.console.log)"
	exit 2
fi
sed -n '/^VXF-RESULTS-BEGIN$/,/^VXF-RESULTS-END$/p' "$PAYLOAD" | sed '1d;$d' |
	base64 -d | tar -xz -C "$OUTDIR" ||
	{ echo "igt-runner: FAIL: no results came back from the guest"; exit 1; }

args=(--expect "$EXPECT" --probe "$PROBE" --hook "$HAS_HOOK" --ignore "$HAS_IGNORE")
for t in $SUITES; do
	args+=(--suite "$t")
done
rc=0
python3 "$TOP/scripts/igt-runner-check.py" "${args[@]}" "$OUTDIR" || rc=1
for pass in single multiple; do
	r=$(sed -n "s/^VXF-RUNNER-EXIT $pass //p" "$PAYLOAD")
	if [ "$r" != 0 ]; then
		echo "igt-runner: FAIL: igt_runner ($pass) exit ${r:-missing} (log $OUTDIR/runner-$pass.log)"
		rc=1
	fi
done
if grep -q '^VXF-LEFTOVER' "$PAYLOAD"; then
	echo "igt-runner: FAIL: processes left running after the runner: $(grep '^VXF-LEFTOVER' "$PAYLOAD" | cut -d' ' -f2- | tr '\n' ';')"
	rc=1
fi
echo "igt-runner: runner $VERSION; results in $OUTDIR"
exit $rc
