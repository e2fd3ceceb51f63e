#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot the VM once with tools/vxf-bench/vxf-bench as the
# payload, print its figures, and plot the fault latency distributions.
#
# usage: scripts/bench.sh [vxf-bench options...]
#   (also from $VXF_BENCH_ARGS, e.g. VXF_BENCH_ARGS="--touch-mib 64")
#
# Needs the module (make), the backend and the benchmark built
# (make -C tools/vxf-backend, make -C tools/vxf-bench): `make bench` does
# all that first. Prints the benchmark's lines except the raw
# distributions: `bench: NAME VALUE UNIT`, `ratio: NAME VALUE`,
# `target: ...`, `note: ...`, `profile: ...`; keeps everything in
# .cache/bench/ (output.txt, one .dat per distribution, latency.png).
# Exit status: that of scripts/vm-run.sh (0 ok, 1 the benchmark failed
# functionally, 2 kernel trouble or timeout, 3 setup error), or 3 if the
# plot could not be drawn. No figure is ever compared with a limit here.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KO=$TOP/drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko
OUT=$TOP/.cache/bench
TIMEOUT=${BENCH_TIMEOUT:-600}
# shellcheck disable=SC2206
ARGS=(${VXF_BENCH_ARGS:-} "$@")

die() { echo "bench: ERROR: $*" >&2; exit 3; }
[ -f "$KO" ] || die "module $KO missing (make)"
[ -x "$TOP/tools/vxf-backend/vxf-backend" ] || die "backend missing (make -C tools/vxf-backend)"
[ -x "$TOP/tools/vxf-bench/vxf-bench" ] || die "benchmark missing (make -C tools/vxf-bench)"
command -v gnuplot >/dev/null || die "gnuplot missing (make deps: gnuplot-nox)"

mkdir -p "$OUT"
rm -f "$OUT"/*.dat "$OUT"/latency.png
t0=$(date +%s.%N)
set +e
"$TOP/scripts/vm-run.sh" --timeout "$TIMEOUT" --no-slub-debug "$KO" \
	"/bin/vxf-bench ${ARGS[*]}" >"$OUT/output.txt"
rc=$?
set -e
t1=$(date +%s.%N)

grep -v '^cdf: ' "$OUT/output.txt" || true

# One file per distribution: percentile, microseconds.
names=$(sed -n 's/^cdf: \([^ ]*\) .*/\1/p' "$OUT/output.txt" | sort -u)
plot=""
for n in $names; do
	sed -n "s/^cdf: $n \\([^ ]*\\) \\([^ ]*\\)\$/\\2 \\1/p" \
		"$OUT/output.txt" >"$OUT/$n.dat"
	plot="$plot${plot:+, }'$OUT/$n.dat' using 1:2 with linespoints pt 7 ps 0.4 title '$n'"
done
if [ -n "$plot" ]; then
	gnuplot <<GP || { echo "bench: ERROR: gnuplot failed" >&2; exit 3; }
set terminal pngcairo size 1000,650 noenhanced
set output '$OUT/latency.png'
set title 'Fault latency distributions (same VM, same run; QEMU TCG)'
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
echo "bench: wall $(echo "$t1 - $t0" | bc | xargs printf '%.1f') s (output: $OUT/output.txt)"
exit $rc
