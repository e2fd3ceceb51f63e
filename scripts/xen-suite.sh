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
# domu2/vxf_loop, domu3/vxf_loop, dom0/xen-suite-pair, dom0/xen-suite),
# the format scripts/check.sh counts; a boot or harness failure prints
# "VXF-XEN-RUN-FAIL rc=N" and the reason. The full xen-run output goes
# to FILE.full.
# Environment: XEN_SUITE_TIMEOUT (QEMU hard limit, default 600 s),
# XEN_SUITE_DOMU_TIMEOUT (dom0's wait for domUs 1 and 2, default 300 s),
# XEN_SUITE_DOMU1 (domU 1's --run-subtest list; default: every subtest),
# XEN_SUITE_DOMU2 (domU 2's --run-subtest list).
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

# busybox sh in each domU; DOMU_INDEX 3 is the domU xen-suite-dom0.sh
# creates after the first two ended
DOMU="DOMU1_SUBTESTS='${XEN_SUITE_DOMU1:-}' DOMU2_SUBTESTS='$DOMU2_SUBTESTS'"'
export VXF_TEST_XEN=1 IGT_SUBTEST_TIMEOUT=180
b=domu$DOMU_INDEX/vxf_loop
if [ "$DOMU_INDEX" = 3 ]; then
	echo "VXF-TEST-BEGIN $b"
	/tests/vxf_loop --run-subtest "xen-*"
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

set +e
"$TOP/scripts/xen-run.sh" --domus 2 --files "$FILES" \
	--timeout "${XEN_SUITE_TIMEOUT:-600}" --domu-timeout "${XEN_SUITE_DOMU_TIMEOUT:-300}" \
	--dom0-payload 'bash $VXF_FILES/xen-suite-dom0.sh pre' \
	--dom0-post 'bash $VXF_FILES/xen-suite-dom0.sh post' \
	--domu-module-args prefetch_pages=0 --domu-payload "$DOMU" "$@" >"$OUT.full" 2>&1
rc=$?
set -e

# IGT lines without the "vxf-domuN| ", "dom0| " and "dom0| domu3| " prefixes
sed -E 's/^(vxf-domu[0-9]\| |dom0\| )//; s/^domu3\| //' "$OUT.full" |
	grep -aE '^(VXF-TEST-(BEGIN|END) |Starting subtest: |Subtest .*: )' >"$OUT" || true
if [ $rc -ge 2 ]; then
	{
		echo "VXF-XEN-RUN-FAIL rc=$rc"
		grep -a 'xen-run: FAIL\|xen-run: ERROR\|logs: ' "$OUT.full" | head -n 8
	} >>"$OUT"
fi
cat "$OUT"
grep -a '^xen-run: \(timings\|wall\)' "$OUT.full" >&2 || true
exit $rc
