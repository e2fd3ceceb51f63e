#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IGT suite in Xen domUs against the dom0 backend (`make check` step
# xen-suite): boot Xen 4.17 + PV dom0 + two PVH domUs under QEMU TCG
# (scripts/xen-run.sh), run vxf-backend-xen --xen in dom0 in a
# restart loop (scripts/xen-suite-dom0.sh), and in each domU tests/igt's
# vxf_loop in Xen mode (VXF_TEST_XEN=1: the helpers attach to /dev/vxf0 and
# drive the backend over the xenstore test channel): the whole suite in
# domU 1 and, at the same time, a subset in domU 2 ($XEN_SUITE_DOMU2). After
# they end, dom0 starts a third domU alone on the backend for the xen-*
# subtests (backend killed and restarted while a fault waits, frontend
# module reloaded), keeps faults in flight there, destroys it and checks
# that the backend is clean (see xen-suite-dom0.sh).
#
# usage: scripts/xen-suite.sh [--out FILE] [extra xen-run.sh options]
# Output (stdout, and FILE): the IGT lines of every binary between
# "VXF-TEST-BEGIN NAME" and "VXF-TEST-END NAME rc=N" (NAME: domu1/vxf_loop,
# domu2/vxf_loop, domu3/vxf_loop, domu3/vxf_loop+prefetch,
# dom0/xen-suite-pair, dom0/xen-suite), the format scripts/check.sh
# counts, with a result for every subtest the host's vxf_loop lists for
# each (one with none: a SKIP if the emulator killed the domU that was to
# give it, else a FAIL). A run in which the emulator killed a domU is
# made again (up to XEN_SUITE_ATTEMPTS, default 3) until every section
# was given whole by an attempt its domUs lived through, and each section
# is taken from such an attempt (scripts/xen-lib.sh's xen_sections_merge):
# a domU killed on one attempt gives its results from another, whatever
# its siblings did. A boot or harness failure prints
# "VXF-XEN-RUN-FAIL rc=N" and the reason. The full xen-run output goes
# to FILE.full.
# Environment: XEN_SUITE_TIMEOUT (QEMU hard limit, default 600 s),
# XEN_SUITE_DOMU_TIMEOUT (dom0's wait for domUs 1 and 2, default 300 s),
# XEN_SUITE_DOMU1 (domU 1's --run-subtest list; default: every subtest),
# XEN_SUITE_DOMU2 (domU 2's --run-subtest list), XEN_SUITE_DOMU3 (domU 3's
# --run-subtest list before its prefetch subtests; default "xen-*").
# Exit status: that of scripts/xen-run.sh (0 all good, 1 a payload failed,
# 2 boot/kernel trouble, 3 setup error).
# Needs: the driver module and tools/vxf-backend (vxf-backend-xen) and
# tests/igt built; scripts/xen-run.sh's caches (built on first use).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=$2; shift 2 ;;
	*) break ;;
	esac
done
OUT=${OUT:-$TOP/.cache/logs/xen-suite.out}
mkdir -p "$(dirname "$OUT")"

# (the module: drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko, or
# --domu-module KO)
for f in tools/vxf-backend/vxf-backend-xen tests/igt/vxf_loop tests/igt/xen_hold_faults; do
	[ -f "$TOP/$f" ] || { echo "xen-suite: $f missing (build first)" >&2; exit 3; }
done

FILES=$(mktemp -d)
trap 'rm -rf "$FILES"' EXIT
cp "$TOP/tools/vxf-backend/vxf-backend-xen" "$TOP/tests/igt/xen_hold_faults" \
	"$TOP/scripts/xen-suite-dom0.sh" "$FILES/"

# domU 2 runs these while domU 1 runs the whole suite
DOMU2_SUBTESTS=${XEN_SUITE_DOMU2:-first-touch,revoke-storm-8-threads,coalesce-one-page,backend-error-sigbus,fork-child-access,coherence-poke}

# An emulator fault (see scripts/xen-lib.sh) is not a test result.
# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"
# one time scale for every attempt and every limit (xen_time_scale)
VXF_XEN_TIME_SCALE=$(xen_time_scale)
export VXF_XEN_TIME_SCALE

# busybox sh in each domU; DOMU_INDEX 3 is the domU xen-suite-dom0.sh
# creates after the first two ended
DOMU="DOMU1_SUBTESTS='${XEN_SUITE_DOMU1:-}' DOMU2_SUBTESTS='$DOMU2_SUBTESTS' DOMU3_SUBTESTS='${XEN_SUITE_DOMU3:-xen-*}' SUBTEST_T=$((180 * VXF_XEN_TIME_SCALE))"'
export VXF_TEST_XEN=1 IGT_SUBTEST_TIMEOUT=$SUBTEST_T
b=domu$DOMU_INDEX/vxf_loop
if [ "$DOMU_INDEX" = 3 ]; then
	echo "VXF-TEST-BEGIN $b"
	VXF_XEN_SAVE=1 VXF_XEN_VIOLATE=1 /tests/vxf_loop --run-subtest "$DOMU3_SUBTESTS"
	echo "VXF-TEST-END $b rc=$?"
	# the domUs load the module with prefetch off (the suite counts MAPs):
	# the prefetch subtests run here, after a reload with the default
	echo vxf-0 >/sys/bus/xen/drivers/vxf/unbind
	rmmod virtio_xen_fault && insmod /lib/modules/vxf/99-virtio-xen-fault.ko
	echo "VXF-TEST-BEGIN $b+prefetch"
	/tests/vxf_loop --run-subtest "prefetch-*"
	echo "VXF-TEST-END $b+prefetch rc=$?"
	/files/xen_hold_faults 300
else
	export VXF_XEN_SHARED=1
	echo "VXF-TEST-BEGIN $b"
	if [ "$DOMU_INDEX" = 1 ] && [ -z "$DOMU1_SUBTESTS" ]; then
		/tests/vxf_loop
	elif [ "$DOMU_INDEX" = 1 ]; then
		/tests/vxf_loop --run-subtest "$DOMU1_SUBTESTS"
	else
		/tests/vxf_loop --run-subtest "$DOMU2_SUBTESTS"
	fi
	echo "VXF-TEST-END $b rc=$?"
fi
# a bound vxf device keeps the module in use: unbind before the harness rmmods
echo vxf-0 >/sys/bus/xen/drivers/vxf/unbind'

# what each section is to give (SECTION EXCUSE NAME, see
# xen_subtests_complete): the host's vxf_loop lists its subtests
# expect_igt SECTION EXCUSE PATTERN (--run-subtest's; empty: all)
expect_igt() {
	local names
	names=$("$TOP/tests/igt/vxf_loop" --list-subtests ${3:+--run-subtest "$3"} 2>/dev/null) &&
		[ -n "$names" ] ||
		{ echo "xen-suite: cannot list $1's subtests (tests/igt/vxf_loop --list-subtests${3:+ --run-subtest $3})" >&2; exit 3; }
	echo "$names" | sed "s|^|$1 $2 |"
}
EXPECTED=$FILES/expected
{
	expect_igt domu1/vxf_loop 1 "${XEN_SUITE_DOMU1:-}"
	expect_igt domu2/vxf_loop 2 "$DOMU2_SUBTESTS"
	expect_igt domu3/vxf_loop 3 "${XEN_SUITE_DOMU3:-xen-*}"
	expect_igt domu3/vxf_loop+prefetch 3 "prefetch-*"
	printf '%s\n' "dom0/xen-suite-pair 1,2 xen-two-domus-at-once" \
		"dom0/xen-suite 3 xen-domu-destroyed-backend-clean" \
		"dom0/xen-suite 3 xen-domu3-kernel-clean"
} >"$EXPECTED"

# suite_igt FULL: the IGT lines of one attempt's xen-run output, without
# the "vxf-domuN| ", "dom0| " and "dom0| domu3| " prefixes (only prefixed
# lines: xen-run.sh's failure report repeats log tails bare)
suite_igt() {
	grep -aE '^(vxf-domu[0-9]\| |dom0\| )' "$1" |
		sed -E 's/^(vxf-domu[0-9]\| |dom0\| )//; s/^domu3\| //' |
		grep -aE '^(VXF-TEST-(BEGIN|END) |Starting subtest: |Subtest .*: )' || true
}

# domu_indexes NAMES: the domUs' indexes ("vxf-domu1 vxf-domu3": "1 3 ")
domu_indexes() {
	local n
	for n in $1; do
		printf '%s ' "${n#vxf-domu}"
	done
}

# suite_merge MODE: xen_sections_merge MODE over the attempts made so far
# (attempt N's output is $OUT.full.N, the last's $OUT.full): each domU's
# results from an attempt it lived through
suite_merge() {
	local i f names idx
	local -a args=()
	for i in $(seq "$XEN_RUN_ATTEMPT"); do
		f=$OUT.full.$i
		[ "$i" -lt "$XEN_RUN_ATTEMPT" ] || f=$OUT.full
		names=${XEN_ATTEMPT_FAULTED_NAMES[i]-}
		if [ "$names" = - ]; then
			idx=-
		else
			idx=$(domu_indexes "$names")
		fi
		suite_igt "$f" >"$FILES/igt.$i"
		args+=("$idx" "$FILES/igt.$i")
	done
	xen_sections_merge "$1" "$EXPECTED" "${args[@]}"
}

ATTEMPTS=${XEN_SUITE_ATTEMPTS:-3}
# a domU the emulator killed is run again only until every part of the
# suite was given whole by some attempt (suite_merge)
# shellcheck disable=SC2016
XEN_RUN_ENOUGH="suite_merge check" xen_run_attempts "$ATTEMPTS" "$OUT.full" xen-suite --domus 2 --files "$FILES" \
	--timeout "${XEN_SUITE_TIMEOUT:-600}" --domu-timeout "${XEN_SUITE_DOMU_TIMEOUT:-300}" \
	--dom0-payload 'bash $VXF_FILES/xen-suite-dom0.sh pre' \
	--dom0-post 'bash $VXF_FILES/xen-suite-dom0.sh post' \
	--domu-module-args prefetch_pages=0 --domu-payload "$DOMU" "$@"
rc=$XEN_RUN_RC
attempt=$XEN_RUN_ATTEMPT

suite_igt "$OUT.full" >"$OUT"

# A domU an emulator signature killed (scripts/xen-lib.sh) on the last
# attempt: what it left unfinished is skipped, not failed, and so are the
# dom0 checks that needed it (domUs 1 and 2: xen-two-domus-at-once; domU 3,
# created by xen-suite-dom0.sh: the checks after its destroy); xen-run.sh's
# verdict counts only if it names something else. Any other death of a
# domain fails the run.
FAULTED_IDX=$(domu_indexes "$FAULTED_NAMES")
if [ -n "$FAULTED_IDX" ]; then
	echo "xen-suite: emulator death of domU(s) $FAULTED_IDX(domid(s) $FAULTED) on attempt $attempt of $ATTEMPTS: their unfinished subtests are skipped$([ "$attempt" -eq 1 ] || echo ", but where an earlier attempt gave them whole")" >&2
	awk -v faulted=" $FAULTED_IDX" '
	function hit(b) { return b ~ /^domu[0-9]\// && index(faulted, " " substr(b, 5, 1) " ") }
	function needs(l) {
		return (l ~ /xen-two-domus-at-once/ && (index(faulted, " 1 ") || index(faulted, " 2 "))) ||
		       (l ~ /xen-domu(3-kernel-clean|-destroyed-backend-clean)/ && index(faulted, " 3 "))
	}
	# close a section the fault cut short
	function cut() {
		if (open && hit(bin)) {
			if (started != "")
				print "Subtest " started ": SKIP (emulator fault)"
			print "VXF-TEST-END " bin " rc=77"
		}
		open = 0; started = ""
	}
	/^VXF-TEST-BEGIN / { cut(); bin = $2; open = 1; print; next }
	/^Starting subtest: / { started = substr($0, 19); print; next }
	/^Subtest .*: / {
		started = ""
		if (hit(bin) || (bin ~ /^dom0\// && needs($0)))
			sub(/: FAIL /, ": SKIP (emulator fault) ")
		print; next }
	/^VXF-TEST-END / { started = ""; open = 0; print; next }
	{ print }
	END { cut() }' \
		"$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
	# xen-run.sh's other reasons: do any name something but these domUs?
	other=$(grep -a 'xen-run: FAIL: ' "$OUT.full" | grep -avE "FAIL: ($(echo $FAULTED_NAMES | tr ' ' '|')): " || true)
	if [ $rc -eq 2 ] && [ -z "$other" ]; then
		rc=0
	fi
fi
# every subtest the run was to give has a result: one a dead domU (or the
# dom0 check that needed it) did not give is a SKIP, any other a FAIL
xen_subtests_complete "$EXPECTED" "$FAULTED_IDX" <"$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
# a section an earlier attempt gave whole (its domUs lived through it)
# comes from that attempt
if [ "$attempt" -gt 1 ]; then
	suite_merge merge <"$OUT" >"$OUT.tmp" 2>"$FILES/merged" && mv "$OUT.tmp" "$OUT"
	sed 's/^xen-merge: /xen-suite: results of /; s/: attempt /: from attempt /' "$FILES/merged" >&2
fi
# a death with a report (not just a domU that did not finish, which the
# harness and the subtests already account for) not proven the emulator's
if echo "$XEN_OTHER_DEATHS" | grep -qv ' unfinished other \|^$'; then
	echo "$XEN_OTHER_DEATHS" | grep -v ' unfinished other ' | sed 's/^/xen-suite: FAIL: death not proven the emulator'"'"'s: domid /' >&2
	[ $rc -ge 2 ] || rc=2
fi
[ "$XEN_RETRIES" -eq 0 ] || echo "xen-suite: $XEN_RETRIES emulator retr$([ "$XEN_RETRIES" -eq 1 ] && echo y || echo ies) (xen-emulator-retry lines above)" >&2
if [ $rc -ge 2 ]; then
	{
		echo "VXF-XEN-RUN-FAIL rc=$rc"
		grep -a 'xen-run: FAIL\|xen-run: ERROR\|logs: ' "$OUT.full" | head -n 8
		echo "$XEN_OTHER_DEATHS" | grep -v '^$' | sed 's/^/xen-suite: death: domid /' || true
	} >>"$OUT"
fi
cat "$OUT"
grep -a '^xen-run: \(timings\|wall\)' "$OUT.full" >&2 || true
exit $rc
