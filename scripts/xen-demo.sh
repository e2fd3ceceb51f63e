#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make xen-demo`: boot Xen 4.17 + PV dom0 + one PVH domU under QEMU TCG
# (scripts/xen-run.sh), serve the domU's vxf device 0 from dom0
# with tools/vxf-backend's vxf-backend-xen --xen, and in the domU run
#   xen-smoke   pattern check, a write surviving a revoke, the backend's
#               stats, all over the xenstore test channel
#   vxf-demo    a 1 MiB window of the dom0 backend written and verified by
#               threads under a revoke storm (Xen mode of the test helpers)
# then print what dom0's backend counted (its grants once the domU is
# gone). Exit status as scripts/xen-run.sh (0 = all good); a run the
# emulator killed (scripts/xen-lib.sh) is made once more, and if that too
# ends so the exit status is xen-run.sh's (no result is no pass).
# usage: scripts/xen-demo.sh [extra xen-run.sh options]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
for f in tools/vxf-backend/vxf-backend-xen tools/vxf-backend/xen-smoke tools/vxf-demo/vxf-demo \
	 drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko; do
	[ -f "$TOP/$f" ] || { echo "xen-demo: $f missing (build first)" >&2; exit 3; }
done
FILES=$(mktemp -d)
trap 'rm -rf "$FILES"' EXIT
cp "$TOP/tools/vxf-backend/vxf-backend-xen" "$TOP/tools/vxf-backend/xen-smoke" \
	"$TOP/scripts/xen-suite-dom0.sh" "$FILES/"

DOMU='echo "== xen-smoke: the window of dom0 backend, revoke round trip"
/files/xen-smoke --pages 16 || exit 1
echo "== vxf-demo: 1 MiB window, 4 threads, dom0 backend revoking every 5 ms"
VXF_TEST_XEN=1 /bin/vxf-demo --pages 256 --rounds 2 --storm-us 5000 || exit 1
echo vxf-0 >/sys/bus/xen/drivers/vxf/unbind'
# shellcheck disable=SC2016
DOM0_POST='echo "== dom0 backend after the domU ended:"
bash $VXF_FILES/xen-suite-dom0.sh stop'

# An emulator death (scripts/xen-lib.sh) gets up to two more attempts
# (XEN_DEMO_ATTEMPTS); the output is printed once the run ended.
# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"
mkdir -p "$TOP/.cache/logs"
OUT=$TOP/.cache/logs/xen-demo.out
# shellcheck disable=SC2016
xen_run_attempts "${XEN_DEMO_ATTEMPTS:-3}" "$OUT" xen-demo --files "$FILES" --timeout 600 --domu-timeout 400 \
	--dom0-payload 'bash $VXF_FILES/xen-suite-dom0.sh pre' \
	--dom0-post "$DOM0_POST" --domu-payload "$DOMU" "$@"
cat "$OUT"
rc=$XEN_RUN_RC
if [ -n "$XEN_OTHER_DEATHS" ] && echo "$XEN_OTHER_DEATHS" | grep -qv ' unfinished other '; then
	echo "$XEN_OTHER_DEATHS" | grep -v ' unfinished other ' | sed 's/^/xen-demo: FAIL: death not proven the emulator'"'"'s: domid /' >&2
	[ $rc -ge 2 ] || rc=2
elif [ -n "$FAULTED" ]; then
	echo "xen-demo: emulator death (domid ${FAULTED% }) on all $XEN_RUN_ATTEMPT attempts: no result" >&2
fi
echo "xen-demo: $XEN_RUN_ATTEMPT attempt(s), $XEN_RETRIES emulator retries, exit $rc" >&2
exit $rc
