#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: run tools/vxf-bench twice and plot the fault latency
# distributions of both runs:
#   vm    one boot of Debian's kernel in QEMU (scripts/vm-run.sh, 2 vCPUs,
#         TCG), loop mode: the benchmark starts the reference backend
#         itself
#   xen   Xen 4.17 + PV dom0 + one PVH domU with 2 vCPUs (1 with --smoke)
#         under QEMU TCG
#         (scripts/xen-run.sh): dom0 runs vxf-backend-xen --xen with a
#         $XEN_PAGES-page window, the domU the benchmark in Xen mode
#         (grants, event channels, xenstore); its figures are named
#         xen_*. Figures the dom0 window cannot give (2 MiB mappings,
#         8-page MAPs) are printed as skipped.
#   xen-hv the patched Xen of xen/patches/ (scripts/xen-build.sh; left
#         out with a note when it cannot be built, or VXF_BENCH_XEN_HV=0),
#         one PVH domU with two vxf devices that one dom0
#         vxf-backend-xen --xen --hv serves (scripts/bench-xen-hv-dom0.sh):
#         device 0 in hypervisor mode, device 1 in grant mode; the domU
#         runs vxf-bench --hv-pair 0:1: the fault round trip in both
#         modes, in turn, and the userfaultfd reference, as ratios; its
#         figures are named xen_hv_*.
#
# usage: scripts/bench.sh [--smoke] [--vm-only | --xen-only | --xen-hv-only]
#                         [--ko KO] [vxf-bench options...]
#   --smoke      small sizes, then check that every figure was printed
#                with a value (or, under Xen, skipped for the reason
#                above), that 8 threads on one revoked page cost exactly
#                one MAP per round, and that nothing failed (xen-hv: the
#                modes were the ones named, every hypervisor-mode read came
#                through a fault report, the backend got every page back);
#                the `make check` steps bench-vm and bench-xen (both Xen
#                runs). No figure is compared with a limit: a time is
#                never asserted.
#   --xen-hv-only  the xen-hv run alone (work on hypervisor mode)
#   --ko KO      the module to load (default: the one `make` built)
#   vxf-bench options (also from $VXF_BENCH_ARGS) go to the VM run;
#   $VXF_BENCH_XEN_ARGS to both Xen runs. VXF_BENCH_XEN=0 skips the Xen
#   runs, VXF_BENCH_XEN_HV=0 the hypervisor-mode one; VXF_XEN_IMAGE boots
#   that hypervisor in the xen-hv run instead of scripts/xen-build.sh's
#   (work on the patches; on stock Xen the run fails: no hypervisor mode).
#
# Needs the module (make), the backends and the benchmark built (make -C
# tools/vxf-backend, make -C tools/vxf-bench): `make bench` does all that
# first. Prints the benchmark's lines except the raw distributions:
# `bench: NAME VALUE UNIT`, `ratio: NAME VALUE`, `target: ...`, `note: ...`,
# `profile: ...`; keeps everything in .cache/bench/ (output.txt,
# xen-output.txt and xen-hv-output.txt, one .dat per distribution,
# latency.png).
# Exit status: 0 ok; 1 the benchmark failed functionally (or, with
# --smoke, a figure is missing); 2 kernel trouble or timeout; 3 setup
# error or the plot could not be drawn. The worst of the runs. 77: with
# --smoke --xen-only, the emulator killed the domU on every attempt of a
# Xen run (scripts/xen-lib.sh) and nothing else failed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KO=$TOP/drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko
OUT=$TOP/.cache/bench
TIMEOUT=${BENCH_TIMEOUT:-900}
XEN_PAGES=${VXF_BENCH_XEN_PAGES:-4096}
SMOKE=0
RUN_VM=1
RUN_XEN=${VXF_BENCH_XEN:-1}
RUN_XEN_HV=${VXF_BENCH_XEN_HV:-1}
RUN_XEN_GRANT=1
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) SMOKE=1; shift ;;
	--ko) KO=$2; shift 2 ;;
	--vm-only) RUN_XEN=0; shift ;;
	--xen-only) RUN_VM=0; RUN_XEN=1; shift ;;
	--xen-hv-only) RUN_VM=0; RUN_XEN=1; RUN_XEN_GRANT=0; RUN_XEN_HV=1; shift ;;
	*) break ;;
	esac
done
if [ $SMOKE = 1 ]; then
	VM_DEF="--samples 100 --touch-mib 8 --budget 10 --revoke-mib 8 --scale-pages 256"
	XEN_DEF="--samples 40 --touch-mib 4 --budget 20 --revoke-mib 4 --scale-pages 128"
	XEN_PAGES=1024
	# fewer nested VMRUNs, fewer emulator faults (scripts/xen-lib.sh)
	XEN_VCPUS=1
	XEN_ATTEMPTS=3
else
	XEN_VCPUS=2
	XEN_ATTEMPTS=2
	VM_DEF=""
	XEN_DEF="--samples 300 --touch-mib 16 --budget 60 --revoke-mib 16 --scale-pages 1024"
fi
# shellcheck disable=SC2206
VM_ARGS=($VM_DEF ${VXF_BENCH_ARGS:-} "$@")
# shellcheck disable=SC2206
XEN_ARGS=($XEN_DEF ${VXF_BENCH_XEN_ARGS:-})

die() { echo "bench: ERROR: $*" >&2; exit 3; }
[ -f "$KO" ] || die "module $KO missing (make)"
[ -x "$TOP/tools/vxf-backend/vxf-backend" ] || die "backend missing (make -C tools/vxf-backend)"
[ -x "$TOP/tools/vxf-bench/vxf-bench" ] || die "benchmark missing (make -C tools/vxf-bench)"
[ "$RUN_XEN" = 0 ] || [ -x "$TOP/tools/vxf-backend/vxf-backend-xen" ] ||
	die "vxf-backend-xen missing (make -C tools/vxf-backend)"
command -v gnuplot >/dev/null || die "gnuplot missing (make deps: gnuplot-nox)"
# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"

mkdir -p "$OUT"
rm -f "$OUT"/*.dat "$OUT"/latency.png
[ $RUN_VM = 0 ] || rm -f "$OUT/output.txt"
[ "$RUN_XEN" = 0 ] || rm -f "$OUT/xen-output.txt" "$OUT/xen-hv-output.txt"
RC=0
worst() { [ "$1" -le "$RC" ] || RC=$1; }
wall() { echo "$2 - $1" | bc | xargs printf '%.1f'; }

# xen_bench_report WHO RUN OUTPUT T0 DOM0_RE DOM0_PREFIX: after
# xen_run_attempts (scripts/xen-lib.sh): the domU's lines of RUN (the
# run's whole output) into OUTPUT and on stdout but the distributions,
# dom0's lines matching DOM0_RE (DOM0_PREFIX taken off), the run's FAIL
# lines and a summary line, all as "bench: WHO: ..."; a death not proven
# the emulator's makes the exit status 2. Returns 1 when the emulator
# killed the domU on every attempt: no figures to check.
xen_bench_report() {
	local who=$1 run=$2 output=$3 t0=$4 dom0_re=$5 dom0_prefix=$6
	sed -n 's/^vxf-domu1| //p' "$run" >"$output"
	grep -v '^cdf: ' "$output" || true
	grep -a "$dom0_re" "$run" | sed "s/^$dom0_prefix/bench: $who: dom0: /" || true
	grep -a 'xen-run: FAIL' "$run" | sed "s/^/bench: $who: /" || true
	echo "bench: $who: exit $XEN_RUN_RC, wall $(wall "$t0" "$(date +%s.%N)") s for $XEN_RUN_ATTEMPT attempt(s), $XEN_RETRIES emulator retries (full output: $run)"
	if [ -n "$XEN_OTHER_DEATHS" ]; then
		echo "$XEN_OTHER_DEATHS" | sed "s/^/bench: $who: death not proven the emulator's: domid /" >&2
		worst 2
	elif [ -n "$FAULTED" ]; then
		echo "bench: $who: emulator death (domid ${FAULTED% }) on all $XEN_RUN_ATTEMPT attempts: its figures SKIPPED"
		return 1
	fi
	return 0
}

# need_figures FILE PREFIX XEN NAME...: each figure PREFIX+NAME (an ERE)
# has a value in FILE. A domU's clock that did not move across a short
# access is said, not a bogus 0: under Xen (XEN=1) such a percentile is
# accepted. Returns 1 if one is missing.
need_figures() {
	local f=$1 p=$2 xen=$3 n bad=0
	shift 3
	for n in "$@"; do
		grep -Eq "^bench: $p$n -?[0-9.]+ " "$f" && continue
		if [ "$xen" = 1 ] && [[ $n == *_p[59]* ]] &&
		   grep -Eq "^bench: $p$n skipped clock: " "$f"; then
			echo "bench: smoke: $p$n: the domU's clock did not advance (accepted under Xen)"
			continue
		fi
		echo "bench: smoke: no value for figure $p$n" >&2
		bad=1
	done
	return $bad
}

# need_ratios FILE PREFIX XEN GLOB NAME...: each ratio PREFIX+NAME has a
# value in FILE; under Xen, one whose name matches GLOB has none when a
# p50 it is made of was skipped for the clock (need_figures). Returns 1 if
# one is missing.
need_ratios() {
	local f=$1 p=$2 xen=$3 glob=$4 n bad=0
	shift 4
	for n in "$@"; do
		grep -Eq "^ratio: $p$n [0-9.]+\$" "$f" && continue
		# (GLOB unquoted: a pattern)
		# shellcheck disable=SC2053
		if [ "$xen" = 1 ] && [[ $n == $glob ]] &&
		   grep -Eq "^bench: ${p}[a-z_]+_p50 skipped clock: " "$f"; then
			continue
		fi
		echo "bench: smoke: no value for ratio $p$n" >&2
		bad=1
	done
	return $bad
}

# check_figures FILE XEN: the --smoke assertions on one run's output
check_figures() {
	local f=$1 xen=$2 p="" n bad=0 v
	local need=(fault_rtt_p50 fault_rtt_p99 uffd_rtt_p50 uffd_rtt_p99
		minor_fault_p50 minor_fault_p99 faults_per_s_1_threads
		faults_per_s_2_threads faults_per_s_4_threads
		faults_per_s_8_threads same_page_8_threads_maps_per_round
		'dontneed_shared_[0-9]+m_ref' 'revoke_[0-9]+m_4k'
		revoke_4k_driver_part backend_cmd_rtt memset_prefaulted
		first_touch_4k first_touch_prefetch driver_mem_per_gib_4k
		driver_mem_per_gib_prefetch)
	local ratios=(fault_rtt_vs_uffd fault_rtt_vs_minor scaling_8_vs_1
		revoke_4k_vs_dontneed first_touch_4k_vs_memset
		first_touch_prefetch_vs_memset)
	local loop_only=(first_touch_32k first_touch_2m 'revoke_[0-9]+m_2m'
		driver_mem_per_gib_32k driver_mem_per_gib_2m)
	[ "$xen" = 0 ] || p=xen_
	if [ "$xen" = 0 ]; then
		need+=("${loop_only[@]}")
		ratios+=(first_touch_32k_vs_memset first_touch_2m_vs_memset)
	else
		for n in "${loop_only[@]}"; do
			if ! grep -Eq "^bench: $p$n skipped .*Xen mode" "$f"; then
				echo "bench: smoke: $p$n is neither skipped for the dom0 window nor absent from Xen mode" >&2
				bad=1
			fi
		done
	fi
	need_figures "$f" "$p" "$xen" "${need[@]}" || bad=1
	need_ratios "$f" "$p" "$xen" 'fault_rtt_vs_*' "${ratios[@]}" || bad=1
	grep -q "^cdf: ${p}vxf_fault_rtt " "$f" ||
		{ echo "bench: smoke: no ${p}vxf_fault_rtt distribution" >&2; bad=1; }
	# functional: every fault of the round came to the one MAP
	v=$(sed -n "s/^bench: ${p}same_page_8_threads_maps_per_round \\([0-9.]*\\) .*/\\1/p" "$f")
	if [ -n "$v" ] && [ "$v" != 1.000 ]; then
		echo "bench: smoke: 8 threads on one revoked page cost $v MAPs per round, not 1" >&2
		bad=1
	fi
	if grep -q '^error: ' "$f"; then
		grep '^error: ' "$f" | sed 's/^/bench: smoke: /' >&2
		bad=1
	fi
	[ $bad = 0 ] && echo "bench: smoke: ${p:-vm }run: every figure present"
	return $bad
}

if [ $RUN_VM = 1 ]; then
	echo "bench: vm run: vxf-bench ${VM_ARGS[*]}"
	t0=$(date +%s.%N)
	set +e
	"$TOP/scripts/vm-run.sh" --timeout "$TIMEOUT" --no-slub-debug "$KO" \
		"/bin/vxf-bench ${VM_ARGS[*]}" >"$OUT/output.txt"
	rc=$?
	set -e
	grep -v '^cdf: ' "$OUT/output.txt" || true
	echo "bench: vm run: exit $rc, wall $(wall "$t0" "$(date +%s.%N)") s"
	worst $rc
	if [ $SMOKE = 1 ] && ! check_figures "$OUT/output.txt" 0; then
		worst 1
	fi
fi

# An emulator death (see scripts/xen-lib.sh) gets another attempt: one
# more, two with --smoke (whose domU has one vCPU, which makes them rarer).
# If every attempt ends so, the Xen figures are skipped: exit status 77
# with --smoke --xen-only (make check's bench-xen counts it skipped).
XEN_SKIPPED=0
if [ "$RUN_XEN" = 1 ] && [ "$RUN_XEN_GRANT" = 1 ]; then
	FILES=$(mktemp -d)
	trap 'rm -rf "$FILES"' EXIT
	cp "$TOP/tools/vxf-backend/vxf-backend-xen" "$TOP/tools/vxf-bench/vxf-bench" \
		"$TOP/scripts/xen-suite-dom0.sh" "$FILES/"
	echo "bench: xen run: vxf-bench --tag xen_ ${XEN_ARGS[*]} (dom0 window $XEN_PAGES pages)"
	DOMU="VXF_TEST_XEN=1 /files/vxf-bench --tag xen_ ${XEN_ARGS[*]}"'
r=$?
# a bound vxf device keeps the module in use: unbind before the harness rmmods
echo vxf-0 >/sys/bus/xen/drivers/vxf/unbind
exit $r'
	t0=$(date +%s.%N)
	# shellcheck disable=SC2016
	xen_run_attempts "$XEN_ATTEMPTS" "$OUT/xen-run.txt" "bench: xen run" \
		--files "$FILES" --domu-vcpus "$XEN_VCPUS" \
		--timeout "$TIMEOUT" --domu-timeout $((TIMEOUT - 120)) \
		--domu-module "$KO" \
		--dom0-payload "BE_PAGES=$XEN_PAGES bash \$VXF_FILES/xen-suite-dom0.sh pre" \
		--dom0-post 'bash $VXF_FILES/xen-suite-dom0.sh stop' \
		--domu-payload "$DOMU"
	rc=$XEN_RUN_RC
	xen_bench_report "xen run" "$OUT/xen-run.txt" "$OUT/xen-output.txt" "$t0" \
		'^dom0| xen-suite: backend pid .*grants\|^dom0| backend| exit ' 'dom0| ' ||
		XEN_SKIPPED=1
	if [ "$XEN_SKIPPED" = 0 ]; then
		worst $rc
		if [ $SMOKE = 1 ] && ! check_figures "$OUT/xen-output.txt" 1; then
			worst 1
		fi
		# functional: the dom0 backend got every grant back
		if [ $SMOKE = 1 ] && ! grep -aq '^dom0| backend| exit grants shared=0 mapped=0 ' "$OUT/xen-run.txt"; then
			echo "bench: smoke: the dom0 backend did not end with shared=0 mapped=0" >&2
			worst 1
		fi
	fi
fi

# check_hv_figures FILE: the --smoke assertions on the hypervisor-mode
# run's output (a domU clock that did not move is accepted, as above)
check_hv_figures() {
	local f=$1 p=xen_hv_ n bad=0
	local need=(fault_rtt_p50 fault_rtt_p99 grant_fault_rtt_p50
		grant_fault_rtt_p99 uffd_rtt_p50 uffd_rtt_p99
		fault_reports_per_read)
	local ratios=(fault_rtt_vs_grant fault_rtt_vs_uffd grant_fault_rtt_vs_uffd)
	need_figures "$f" "$p" 1 "${need[@]}" || bad=1
	need_ratios "$f" "$p" 1 '*' "${ratios[@]}" || bad=1
	for n in vxf_fault_rtt grant_fault_rtt; do
		grep -q "^cdf: $p$n " "$f" ||
			{ echo "bench: smoke: no $p$n distribution" >&2; bad=1; }
	done
	if grep -q '^error: ' "$f"; then
		grep '^error: ' "$f" | sed 's/^/bench: smoke: /' >&2
		bad=1
	fi
	[ $bad = 0 ] && echo "bench: smoke: xen-hv run: every figure present"
	return $bad
}

# The fault round trip in hypervisor mode, beside grant mode and
# userfaultfd in the same domU and run, on the patched Xen. Emulator
# deaths are retried as for the Xen run.
XEN_HV_SKIPPED=0
if [ "$RUN_XEN" = 1 ] && [ "$RUN_XEN_HV" = 1 ]; then
	if [ -n "${VXF_XEN_IMAGE:-}" ]; then
		IMG=$VXF_XEN_IMAGE
	elif ! IMG=$("$TOP/scripts/xen-build.sh" 2>"$OUT/xen-build.log" | tail -n 1); then
		IMG=
	fi
	if [ ! -f "$IMG" ]; then
		if [ $SMOKE = 1 ]; then
			echo "bench: smoke: the patched Xen could not be built (scripts/xen-build.sh, log $OUT/xen-build.log)" >&2
			worst 3
		else
			echo "bench: xen-hv run: skipped: the patched Xen could not be built (scripts/xen-build.sh, log $OUT/xen-build.log)"
		fi
	else
		HV_FILES=$(mktemp -d)
		trap 'rm -rf "${FILES:-}" "$HV_FILES"' EXIT
		cp "$TOP/tools/vxf-backend/vxf-backend-xen" "$TOP/tools/vxf-bench/vxf-bench" \
			"$TOP/scripts/bench-xen-hv-dom0.sh" "$HV_FILES/"
		echo "bench: xen-hv run: vxf-bench --tag xen_hv_ --hv-pair 0:1 ${XEN_ARGS[*]} (patched Xen $(basename "$IMG"))"
		DOMU="VXF_TEST_XEN=1 /files/vxf-bench --tag xen_hv_ --hv-pair 0:1 ${XEN_ARGS[*]}"'
r=$?
# a failure: what the driver said (its messages are not on the console)
[ $r -eq 0 ] || dmesg | grep -a "vxf" | tail -n 30 | sed "s/^/dmesg: /"
# bound vxf devices keep the module in use: unbind before the harness rmmods
echo vxf-1 >/sys/bus/xen/drivers/vxf/unbind
echo vxf-0 >/sys/bus/xen/drivers/vxf/unbind
exit $r'
		t0=$(date +%s.%N)
		# shellcheck disable=SC2016
		xen_run_attempts "$XEN_ATTEMPTS" "$OUT/xen-hv-run.txt" "bench: xen-hv run" \
			--xen-image "$IMG" --files "$HV_FILES" --domu-vcpus "$XEN_VCPUS" \
			--timeout "$TIMEOUT" --domu-timeout $((TIMEOUT - 120)) \
			--domu-module "$KO" \
			--dom0-payload 'bash $VXF_FILES/bench-xen-hv-dom0.sh pre' \
			--dom0-post 'bash $VXF_FILES/bench-xen-hv-dom0.sh post' \
			--domu-payload "$DOMU"
		rc=$XEN_RUN_RC
		xen_bench_report "xen-hv run" "$OUT/xen-hv-run.txt" "$OUT/xen-hv-output.txt" \
			"$t0" '^dom0| bench-hv: ' 'dom0| bench-hv: ' || XEN_HV_SKIPPED=1
		if [ "$XEN_HV_SKIPPED" = 0 ]; then
			worst $rc
			if [ $SMOKE = 1 ] && ! check_hv_figures "$OUT/xen-hv-output.txt"; then
				worst 1
			fi
			# functional: the pairing, the modes, every page back
			if [ $SMOKE = 1 ] && grep -aq '^dom0| bench-hv: FAIL: ' "$OUT/xen-hv-run.txt"; then
				grep -a '^dom0| bench-hv: FAIL: ' "$OUT/xen-hv-run.txt" |
					sed 's/^dom0| bench-hv: FAIL: /bench: smoke: dom0: /' >&2
				worst 1
			fi
			if [ $SMOKE = 1 ] && ! grep -aq '^dom0| bench-hv: ok: backend clean at exit: ' "$OUT/xen-hv-run.txt"; then
				echo "bench: smoke: the --hv backend did not end with shared=0 mapped=0 lent=0" >&2
				worst 1
			fi
		fi
	fi
fi

# One file per distribution: percentile, microseconds; of the runs made
# now (--vm-only and --xen-only make one)
outs=()
[ "$RUN_VM" = 0 ] || outs+=("$OUT/output.txt")
[ "$RUN_XEN" = 0 ] || [ "$RUN_XEN_GRANT" = 0 ] || outs+=("$OUT/xen-output.txt")
[ ! -f "$OUT/xen-hv-output.txt" ] || outs+=("$OUT/xen-hv-output.txt")
names=""
[ ${#outs[@]} -eq 0 ] || names=$(sed -n 's/^cdf: \([^ ]*\) .*/\1/p' "${outs[@]}" | sort -u)
plot=""
for n in $names; do
	sed -n "s/^cdf: $n \\([^ ]*\\) \\([^ ]*\\)\$/\\2 \\1/p" "${outs[@]}" >"$OUT/$n.dat"
	plot="$plot${plot:+, }'$OUT/$n.dat' using 1:2 with linespoints pt 7 ps 0.4 title '$n'"
done
if [ -n "$plot" ]; then
	gnuplot <<GP || { echo "bench: ERROR: gnuplot failed" >&2; exit 3; }
set terminal pngcairo size 1000,650 noenhanced
set output '$OUT/latency.png'
set title 'Fault latency distributions (each against references from the same guest and run; QEMU TCG; xen_*: in a Xen domU; xen_hv_*: the patched Xen, hypervisor and grant mode)'
set xlabel 'latency (us, log scale)'
set ylabel 'percentile'
set logscale x
set yrange [0:100]
set grid
set key bottom right
plot $plot
GP
	echo "bench: plot $OUT/latency.png"
else
	echo "bench: plot skipped (no distribution in the output)"
fi
if [ "$RC" -eq 0 ] && [ "$XEN_SKIPPED$XEN_HV_SKIPPED" != 00 ] && [ $SMOKE = 1 ] && [ "$RUN_VM" = 0 ]; then
	exit 77
fi
exit $RC
