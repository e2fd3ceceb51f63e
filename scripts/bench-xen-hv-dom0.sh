#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dom0 half of scripts/bench.sh's hypervisor-mode run (the patched Xen of
# xen/patches/), run by scripts/xen-run.sh's dom0 payloads (bash, DOMID
# set, /vxf/lib.sh):
#   pre   start vxf-backend-xen --xen --hv (BE_PAGES pages per window; one
#         process serves both devices), then, in the background, give the
#         domU its vxf device 0 once its init runs and its device 1 once
#         device 0 is Connected: device 0's window takes the domain's
#         fault-report area (hypervisor mode, /dev/vxf0), device 1's cannot
#         and stays in grant mode (/dev/vxf1)
#   post  once the domU ended: stop the backend and print check lines,
#         "bench-hv: ok: ..." or "bench-hv: FAIL: ...": the pairing
#         worked, the backend served device 0 in hypervisor mode and
#         device 1 in grant mode, nothing was lent once the domU was gone
#         and it ended with shared=0 mapped=0 lent=0; then its log
# Files in $VXF_FILES: vxf-backend-xen, this script.
set -euo pipefail
# shellcheck source=/dev/null
. /vxf/lib.sh

BE=/vxf/bin/vxf-backend-xen
LOG=/tmp/vxf-hv-be.log
PIDF=/tmp/vxf-hv-be.pid
RCF=/tmp/vxf-hv-be.rc
PAIR_LOG=/tmp/vxf-hv-pair.log
BE_PAGES=${BE_PAGES:-256}
SCALE=${VXF_XEN_TIME_SCALE:-1}
fails=0
ok() { echo "bench-hv: ok: $*"; }
bad() { echo "bench-hv: FAIL: $*"; fails=$((fails + 1)); }

do_pre() {
	install -m 0755 "$VXF_FILES/vxf-backend-xen" "$BE"
	# device/vxf owned by the domU while it is paused, so that the
	# frontend keys written later are its own (xen-suite-dom0.sh vxf_dir)
	xenstore-write "/local/domain/$DOMID/device/vxf" ""
	xenstore-chmod "/local/domain/$DOMID/device/vxf" "n$DOMID" r0
	# a REVOKE gets 2 s times the run's time scale (xen-suite-dom0.sh)
	setsid bash -c "$BE --xen --hv --pages $BE_PAGES --stats-on-exit --revoke-deadline-ms $((2000 * SCALE)) </dev/null >$LOG 2>&1 &
		echo \$! >$PIDF
		wait \$!
		echo \$? >$RCF" </dev/null >/dev/null 2>&1 &
	setsid bash "$VXF_FILES/bench-xen-hv-dom0.sh" pair "$DOMID" </dev/null >$PAIR_LOG 2>&1 &
	sleep 1
	echo "bench-hv: backend pid $(cat $PIDF 2>/dev/null || echo none), $BE_PAGES pages per window"
}

# pair DOMID: device 0 once the domU's init runs (a pair that exists
# while its kernel boots makes xenbus_probe_frontend wait 30 s), device 1
# once device 0 is Connected
do_pair() {
	local id=$1 log end
	log=$(vxf_domu_log 1)
	end=$((SECONDS + 600 * SCALE))
	until grep -aq '^VXF-DOMU-INIT-START' "$log" 2>/dev/null; do
		[ $SECONDS -lt $end ] || { echo "the domU's init never started"; return 1; }
		sleep 0.2
	done
	vxf_xs_pair "$id" 0
	until [ "$(xenstore-read "/local/domain/0/backend/vxf/$id/0/state" 2>/dev/null)" = 4 ]; do
		[ $SECONDS -lt $end ] || { echo "device 0 never Connected"; return 1; }
		xenstore-exists "/local/domain/$id" || { echo "domain $id gone"; return 1; }
		sleep 0.2
	done
	echo "device 0 Connected (uptime $(cut -d' ' -f1 /proc/uptime))"
	vxf_xs_pair "$id" 1
}

do_post() {
	local pid g e id=$DOMID
	sed 's/^/bench-hv: pair: /' $PAIR_LOG
	grep -q "^vxf_xs_pair: .*/device/vxf/1 " $PAIR_LOG &&
		ok "device 1 was paired once device 0 was Connected" ||
		bad "device 1 was never paired"
	pid=$(cat $PIDF 2>/dev/null || true)
	g=
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		ok "the backend ran until the domU was gone"
		# its devices may take a moment to be forgotten: bounded wait
		for _ in $(seq $((20 * SCALE))); do
			kill -USR1 "$pid"
			sleep 0.5
			g=$(grep '^grants ' $LOG | tail -n 1)
			case "$g" in *" lent=0") break ;; esac
		done
		kill -TERM "$pid"
	else
		bad "the backend is not running"
	fi
	for _ in $(seq 60); do [ -f $RCF ] && break; sleep 0.5; done
	grep -q "vxf/$id/0: hypervisor mode, frames" $LOG &&
		ok "the backend served device 0 in hypervisor mode" ||
		bad "the backend never served device 0 in hypervisor mode"
	if grep -q "vxf/$id/1: hypervisor mode" $LOG; then
		bad "the backend served device 1 in hypervisor mode"
	elif grep -q "vxf/$id/1: Connected" $LOG; then
		ok "the backend served device 1 in grant mode"
	else
		bad "device 1 never Connected"
	fi
	case "$g" in
	*" lent=0") ok "nothing lent once the domU was gone ($g)" ;;
	*) bad "pages still lent after the domU ended: ${g:-no grants line}" ;;
	esac
	e=$(grep '^exit grants ' $LOG | tail -n 1)
	case "$e" in
	"exit grants shared=0 mapped=0 evtchns=0 devices="*" lent=0")
		ok "backend clean at exit: $e" ;;
	*) bad "backend at exit: ${e:-no exit line}" ;;
	esac
	[ "$(cat $RCF 2>/dev/null)" = 0 ] && ok "backend exit status 0" ||
		bad "backend exit status $(cat $RCF 2>/dev/null || echo "none: still running")"
	grep -v '^grants ' $LOG | tail -n 20 | sed 's/^/bench-hv: backend| /'
	[ $fails -eq 0 ]
}

case "${1:-}" in
pre) do_pre ;;
pair) do_pair "$2" ;;
post) do_post ;;
*) echo "usage: $0 pre|pair DOMID|post" >&2; exit 2 ;;
esac
