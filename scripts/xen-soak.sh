#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make xen-soak N=20`: run the Xen steps N times and count every death of
# a domain by its signature (scripts/xen-lib.sh's xen_deaths, read from
# the logs each Xen boot keeps in .cache/logs/xen-*), to measure how often
# QEMU's nested SVM emulation kills a domU or dom0 and whether any such
# death still fails a step. Each iteration runs, one after the other:
#   suite   scripts/xen-suite.sh (make check's xen-suite)
#   demo    scripts/xen-demo.sh (make xen-demo)
#   bench   scripts/bench.sh --smoke --xen-only (make check's bench-xen)
# each with its own retry rule, as make check and make xen-demo run them,
# and, only if asked for,
#   boot    scripts/xen-smoke.sh --domus 3: three domUs boot, load the
#           driver, check they run on Xen and power off (no retry): the
#           most domU boots per minute, for the deaths in early boot.
#
# usage: scripts/xen-soak.sh [-n N] [--steps "suite demo bench"] [--out DIR]
#                            [--until HH:MM]   (UTC; no step starts after)
# Output: one line per step ("soak: ITER STEP VERDICT ..."), one per death
# ("soak: ITER STEP death: attempt A domid D NAME SIGNATURE CLASS DETAIL"),
# then the tables: steps (boots, pass, fail, skip, retries) and deaths by
# signature, and the false failures: steps that failed although every
# death in them was the emulator's, or with a vCPU QEMU left deaf
# (xen-lib.sh's retry rule should leave none). Everything is kept in DIR
# (default .cache/soak/<stamp>/): soak.txt (this output), deaths.txt,
# steps.txt, each step's output.
# Verdicts: PASS; SKIP (make check would count the step, or some of its
# subtests, skipped: an emulator death on every attempt); FAIL (make check
# would count a failure: exit status, a FAIL/CRASH/TIMEOUT subtest, a
# subtest without a result).
# Exit status: 0 if no step failed, 1 otherwise.
# Needs the module, tools/vxf-backend, tests/igt, tools/vxf-demo and
# tools/vxf-bench built (the make target builds them).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
N=5
STEPS="suite demo bench"
OUTD=
UNTIL=
while [ $# -gt 0 ]; do
	case "$1" in
	-n) N=$2; shift 2 ;;
	--steps) STEPS=$2; shift 2 ;;
	--out) OUTD=$2; shift 2 ;;
	--until) UNTIL=$2; shift 2 ;;
	*) sed -n '/^# usage/,/^# *\[--until/p' "$0" >&2; exit 3 ;;
	esac
done
# --until HH:MM: its next occurrence (tomorrow's if it is past today),
# as seconds since the epoch
if [ -n "$UNTIL" ]; then
	END=$(date -u -d "$UNTIL" +%s 2>/dev/null) || { echo "xen-soak: bad --until $UNTIL (HH:MM, UTC)" >&2; exit 3; }
	[ "$END" -gt "$(date +%s)" ] || END=$((END + 86400))
fi
OUTD=${OUTD:-$TOP/.cache/soak/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUTD" "$TOP/.cache/logs"
# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"

exec > >(tee -a "$OUTD/soak.txt") 2>&1
: >"$OUTD/deaths.txt"
: >"$OUTD/steps.txt"
load() { cut -d' ' -f1-3 /proc/loadavg; }
say() { echo "soak: $*"; }
say "$N iteration(s) of: $STEPS; $(nproc) CPUs, load average $(load) at $(date -u +%H:%M) UTC; out $OUTD"

# the console logs of the Xen boots made so far
boots() { find "$TOP/.cache/logs" -maxdepth 1 -name 'xen-*.console.log' | sort; }

# run_step ITER STEP: run it, print its verdict and deaths, append to the
# tables' files
run_step() {
	local i=$1 s=$2 out="$OUTD/$1-$2.out" before rc verdict why nb=0 nr stem f a=0
	before=$(boots)
	local t0=$SECONDS
	case "$s" in
	suite) "$TOP/scripts/xen-suite.sh" --out "$out" >/dev/null 2>"$out.err"; rc=$? ;;
	demo) "$TOP/scripts/xen-demo.sh" >"$out" 2>&1; rc=$? ;;
	bench) "$TOP/scripts/bench.sh" --smoke --xen-only >"$out" 2>&1; rc=$? ;;
	boot) "$TOP/scripts/xen-smoke.sh" --domus 3 >"$out" 2>&1; rc=$? ;;
	*) say "unknown step $s"; return ;;
	esac
	verdict=PASS
	why=
	case "$s" in
	suite)
		# as scripts/check.sh counts it
		if [ $rc -ge 2 ]; then
			verdict=FAIL why="exit $rc: $(grep -am1 'xen-run: FAIL:\|not proven' "$out.full" "$out.err" 2>/dev/null | sed 's/^[^:]*://' | cut -c1-120)"
		elif grep -aqE '^Subtest .*: (FAIL|CRASH|TIMEOUT)' "$out"; then
			verdict=FAIL why="$(grep -acE '^Subtest .*: (FAIL|CRASH|TIMEOUT)' "$out") subtest(s) failed: $(grep -aE -m1 '^Subtest .*: (FAIL|CRASH|TIMEOUT)' "$out" | cut -c1-100)"
		elif grep -aq '^Subtest .*: SKIP (emulator fault' "$out"; then
			verdict=SKIP why="$(grep -ac '^Subtest .*: SKIP (emulator fault' "$out") subtests skipped (emulator)"
		fi
		nr=$(grep -c '^xen-\(emulator\|load\)-retry: ' "$out.err" 2>/dev/null || true)
		;;
	*)
		case $rc in
		0) ;;
		77) verdict=SKIP why="emulator death on every attempt" ;;
		*) verdict=FAIL why="exit $rc: $(grep -am1 'xen-run: FAIL:\|not proven\|bench: smoke:' "$out" | cut -c1-120)" ;;
		esac
		nr=$(grep -c '^xen-\(emulator\|load\)-retry: ' "$out" || true)
		;;
	esac
	# every Xen boot the step made (one per attempt)
	local emu=0 oth=0
	for f in $(comm -13 <(echo "$before") <(boots)); do
		stem=${f%.console.log}
		nb=$((nb + 1))
		a=$((a + 1))
		while read -r line; do
			[ -n "$line" ] || continue
			say "$i $s death: attempt $a domid $line ($(basename "$stem"))"
			echo "$i $s $a $line" >>"$OUTD/deaths.txt"
			case "$line" in
			*" emulator "*) emu=$((emu + 1)) ;;
			*) oth=$((oth + 1)) ;;
			esac
		done < <(xen_deaths "$stem")
	done
	# a failure with only the emulator's deaths in it is a false failure,
	# and so is one in which QEMU left a vCPU deaf (scripts/qemu-probe.py;
	# the domUs such a hang leaves unfinished count as other deaths)
	local ff=0
	[ "$verdict" != FAIL ] || [ $emu -eq 0 ] || [ $oth -ne 0 ] || ff=1
	[ "$verdict" != FAIL ] || ! grep -aqs '^xen-run: probe| deaf \|qemu-apic-deaf-vcpu: ' "$out" "$out".* || ff=1
	echo "$i $s $verdict $rc $nb $nr $emu $oth $ff $((SECONDS - t0))" >>"$OUTD/steps.txt"
	say "$i $s $verdict (exit $rc, $nb boot(s), $nr retries, deaths: $emu emulator, $oth other, $((SECONDS - t0)) s, load $(load))${why:+: $why}"
}

stop=0
for i in $(seq 1 "$N"); do
	for s in $STEPS; do
		if [ -n "$UNTIL" ] && [ "$(date +%s)" -ge "$END" ]; then
			say "it is $(date -u +%H:%M) UTC, past --until $UNTIL: stopping"
			stop=1
			break
		fi
		run_step "$i" "$s"
	done
	[ $stop = 0 ] || break
done

echo
say "load average $(load) at the end, $(date -u +%H:%M) UTC"
echo "step   runs boots  PASS  SKIP  FAIL retries emu-deaths other-deaths false-fails   avg-s"
awk '{ k = $2; r[k]++; b[k] += $5; v[k, $3]++; rt[k] += $6; e[k] += $7; o[k] += $8; ff[k] += $9; t[k] += $10 }
	END { for (k in r) printf "%-6s %4d %5d %5d %5d %5d %7d %10d %12d %11d %7d\n",
		k, r[k], b[k], v[k, "PASS"], v[k, "SKIP"], v[k, "FAIL"], rt[k], e[k], o[k], ff[k], t[k] / r[k] }' \
	"$OUTD/steps.txt" | sort
echo
echo "deaths by signature (class: emulator = proven not the driver's, retried; see scripts/xen-lib.sh)"
echo "signature          class     count  where (iteration/step/attempt domid name)"
awk '{ k = $6 " " $7; c[k]++; w[k] = w[k] " " $1 "/" $2 "/" $3 ":" $4 "," $5 }
	END { for (k in c) { split(k, a, " "); printf "%-18s %-9s %5d %s\n", a[1], a[2], c[k], w[k] } }' \
	"$OUTD/deaths.txt" | sort
[ -s "$OUTD/deaths.txt" ] || echo "(none)"
nfalse=$(awk '{ n += $9 } END { print n + 0 }' "$OUTD/steps.txt")
nfail=$(awk '$3 == "FAIL" { n++ } END { print n + 0 }' "$OUTD/steps.txt")
echo
say "$(wc -l <"$OUTD/steps.txt") step runs, $nfail failed, $nfalse false failure(s) (failed with only emulator deaths, or a deaf vCPU)"
[ "$nfail" -eq 0 ]
