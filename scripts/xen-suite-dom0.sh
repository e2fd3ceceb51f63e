#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dom0 half of scripts/xen-suite.sh, run by scripts/xen-run.sh's dom0
# payloads (bash, /vxf/lib.sh sourced, xenstore pairs written):
#   pre   start vxf-backend-xen --xen in a restart loop (a test's "die"
#         kills it; a new one takes over the devices; a domU's key
#         data/vxf-violate = KIND, read and removed at the restart, adds
#         --violate KIND to that one start: see violate_arg), write each domU's
#         vxf 0 pair once its init runs (not with xen-run.sh --vxf-pair:
#         see pair_when_up), and record in the background when both
#         domUs' devices are connected at once
#   post  harness-level checks, as IGT lines between VXF-TEST-BEGIN/END:
#           xen-two-domus-at-once             both domUs ran the suite,
#                                             connected at the same time
#           domu3 (a third domU, created here, alone on the backend) runs
#           the xen-* subtests (xen-save-restore: saved and restored on
#           its request, see save_watch), then keeps faults in flight with
#           the backend hung (xen_hold_faults);
#           xen-domu-destroyed-backend-clean  `xl destroy` of that domU:
#                                             the backend (same process)
#                                             ends with shared=0 mapped=0
#           xen-domu3-kernel-clean            its console shows no
#                                             Oops/BUG/WARNING/Call Trace
#         then stop the backend (--stats-on-exit line).
#   stop  only that last part (scripts/xen-demo.sh)
# Files in $VXF_FILES: vxf-backend-xen, xen_hold_faults (for the domUs).
# Environment: BE_PAGES, the window of each domU in pages (default 1024,
# gntalloc's default limit; more raises the limit; scripts/bench.sh).
set -euo pipefail
# shellcheck source=/dev/null
. /vxf/lib.sh

BE=/vxf/bin/vxf-backend-xen
BE_LOG=/tmp/vxf-be.log
BE_PAGES=${BE_PAGES:-1024}
STOP=/tmp/vxf-be.stop
up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "xen-suite: $* (uptime $(up))"; }

PIDF=/tmp/vxf-be.pid
# the running backend's pid (the restart loop writes it)
be_pid() {
	local p
	p=$(cat "$PIDF" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

# the backend's grants line (SIGUSR1 prints it on stdout, into BE_LOG)
be_grants() {
	local pid n
	pid=$(be_pid) || return 1
	n=$(grep -c '^grants ' "$BE_LOG" || true)
	kill -USR1 "$pid" || return 1
	for _ in $(seq 50); do
		[ "$(grep -c '^grants ' "$BE_LOG" || true)" -gt "$n" ] && break
		sleep 0.1
	done
	grep '^grants ' "$BE_LOG" | tail -n 1
}

# sub NAME START_UPTIME RESULT [why]: one IGT result line
sub() {
	local t
	t=$(awk -v a="$(up)" -v b="$2" 'BEGIN { printf "%.3f", a - b }')
	echo "Starting subtest: $1"
	[ -z "${4:-}" ] || echo "$1: $4"
	echo "Subtest $1: $3 (${t}s)"
}

# violate_arg: "--violate KIND" if a domU asked for it (data/vxf-violate,
# the xen-violation-* subtests), once: the key is removed. Unknown kinds
# are dropped. Exported for the restart loop's bash.
violate_arg() {
	local p k v
	for p in $(xenstore-list /local/domain 2>/dev/null); do
		k=/local/domain/$p/data/vxf-violate
		v=$(xenstore-read "$k" 2>/dev/null) || continue
		xenstore-rm "$k" 2>/dev/null || true
		case $v in
		bad-id | bad-nr-refs | bad-ref-order | storm) echo "--violate $v" ;;
		esac
	done
}
export -f violate_arg

do_pre() {
	local d i=0
	install -m 0755 "$VXF_FILES/vxf-backend-xen" "$BE"
	: >"$BE_LOG"
	# gntalloc lets a process share 1024 pages by default: a bigger
	# window (make bench) needs more
	d=/sys/module/xen_gntalloc/parameters/limit
	if [ -w "$d" ] && [ "$(cat "$d")" -lt "$BE_PAGES" ]; then
		echo "$BE_PAGES" >"$d"
		log "gntalloc limit raised to $BE_PAGES pages"
	fi
	# the restart loop (stops after 5 exits in a row within 2 s of the
	# start, a backend that cannot run; a SIGKILL, rc 137, is a test's
	# "die" and does not count: three xen-violation-* subtests kill two
	# backends each, and on a fast run every one lived less than 2 s);
	# stdin stays /dev/null (EOF only stops reading it). A REVOKE
	# gets 2 s times the run's time scale (xen-lib.sh's xen_time_scale)
	# for its answer: a domU on a loaded machine once missed 2 s.
	setsid bash -c "fast=0
	while [ ! -e $STOP ] && [ \$fast -lt 5 ]; do
		t=\$SECONDS
		v=\$(violate_arg)
		[ -z \"\$v\" ] || echo \"backend starts with \$v\" >>$BE_LOG
		$BE --xen --pages $BE_PAGES --stats-on-exit --revoke-deadline-ms $((2000 * ${VXF_XEN_TIME_SCALE:-1})) \$v </dev/null >>$BE_LOG 2>&1 &
		echo \$! >$PIDF
		wait \$!
		rc=\$?
		echo \"backend exited rc=\$rc uptime \$(cut -d' ' -f1 /proc/uptime)\" >>$BE_LOG
		if [ \$rc -ne 137 ] && [ \$((SECONDS - t)) -lt 2 ]; then
			fast=\$((fast + 1))
		else
			fast=0
		fi
		sleep 0.2
	done" </dev/null >/dev/null 2>&1 &
	for d in $DOMU_IDS; do
		i=$((i + 1))
		vxf_dir "$d"
		pair_when_up "$i" "$d"
	done
	# both devices Connected at one moment: proof of two served at once
	# shellcheck disable=SC2086
	set -- $DOMU_IDS
	if [ $# -ge 2 ]; then
		setsid bash -c "while [ ! -e $STOP ]; do
			[ \"\$(xenstore-read /local/domain/0/backend/vxf/$1/0/state 2>/dev/null)\" = 4 ] &&
			[ \"\$(xenstore-read /local/domain/0/backend/vxf/$2/0/state 2>/dev/null)\" = 4 ] &&
			{ echo both >/tmp/vxf-both; break; }
			sleep 0.5
		done" </dev/null >/dev/null 2>&1 &
	fi
	sleep 1
	log "backend pid $(be_pid || echo none) will serve $DOMU_IDS ($BE_PAGES pages each)"
}

# pair_when_up N DOMID: write domU N's vxf 0 pair once its init runs, in
# the background. A pair that exists while the domU kernel boots makes
# xenbus_probe_frontend wait 30 s for a device that no built-in driver
# will ever connect (the module is loaded by init).
pair_when_up() {
	local log
	log=$(vxf_domu_log "$1")
	setsid bash -c ". /vxf/lib.sh
		end=\$((SECONDS + 600 * ${VXF_XEN_TIME_SCALE:-1}))
		while [ \$SECONDS -lt \$end ]; do
			grep -aq '^VXF-DOMU-INIT-START' $log 2>/dev/null && break
			sleep 0.2
		done
		vxf_xs_pair $2 >/dev/null" </dev/null >/dev/null 2>&1 &
}

# vxf_dir DOMID: an empty device/vxf owned by the domU, made while it is
# paused. Nodes dom0 creates below inherit its permissions, so the
# frontend keys pair_when_up writes later are the domU's from the start
# (else the domU may probe the device before xenstore-chmod and fail to
# write its state: EACCES).
vxf_dir() {
	xenstore-write "/local/domain/$1/device/vxf" "" &&
		xenstore-chmod "/local/domain/$1/device/vxf" "n$1" r0
}

# a grants line with nothing shared or mapped
clean() { echo "$1" | grep -q ' shared=0 mapped=0 '; }

# kernel trouble in a console log, but the report of QEMU's nested-xstate
# warning (WARNING ... fpu__init_system_xstate up to its end-trace line)
kernel_trouble() {
	awk '/WARNING:.*fpu__init_system_xstate/ { skip = 1 }
		!skip { print }
		skip && /---\[ end trace/ { skip = 0 }' "$1" |
		grep -aE 'Kernel panic|Oops|BUG:|general protection fault|soft lockup|hard LOCKUP|rcu: INFO|UBSAN:|refcount_t:|list_(add|del) corruption|WARNING:|Call Trace' |
		head -n 3
}

# save_watch DOMID: domU 3's xen-save-restore asks (data/vxf-save =
# request): `xl save` it, `xl restore -p` it (a new domid), give the new
# domain its vxf pair, unpause it, and say "done" in its home. Runs in
# the background while the domU lives; the new domid goes to /tmp/domu3.id.
save_watch() {
	local id=$1 new t0 img=/var/tmp/vxf-domu3.save
	while xenstore-exists "/local/domain/$id" 2>/dev/null; do
		if [ "$(xenstore-read "/local/domain/$id/data/vxf-save" 2>/dev/null)" != request ]; then
			sleep 0.3
			continue
		fi
		t0=$(up)
		: >/tmp/domu3.saving
		if ! xl save vxf-domu3 "$img" >/tmp/xl-save.log 2>&1 ||
		   ! xl restore -p "$img" >>/tmp/xl-save.log 2>&1; then
			log "save/restore of domu3 failed: $(tail -n 3 /tmp/xl-save.log | tr '\n' ' ')"
			rm -f "$img" /tmp/domu3.saving
			return 1
		fi
		rm -f "$img"
		new=$(xl domid vxf-domu3)
		vxf_dir "$new"
		vxf_xs_pair "$new" >/dev/null
		xl unpause vxf-domu3
		xenstore-write "/local/domain/$new/data/vxf-save" "done"
		echo "$new" >/tmp/domu3.id
		rm -f /tmp/domu3.saving
		log "domu3 saved and restored: domid $id -> $new in $(awk -v a="$(up)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s"
		id=$new
	done
}

domu3() {
	local cfg=/vxf/vxf-domu3.cfg id t0 log3 pid0 g ok why tr end tailpid
	log3=$(vxf_domu_log 3)
	sed -e 's/^name = .*/name = "vxf-domu3"/' -e 's/vxf\.index=1/vxf.index=3/' \
		/vxf/vxf-domu1.cfg >"$cfg"
	xl create -p "$cfg" >/tmp/xl-vxf-domu3.log 2>&1 || { cat /tmp/xl-vxf-domu3.log; return 1; }
	id=$(xl domid vxf-domu3)
	vxf_dir "$id"
	pair_when_up 3 "$id"
	tail -n +1 -F "$log3" 2>/dev/null | sed -u 's/^/domu3| /' &
	tailpid=$!
	xl unpause vxf-domu3
	log "domu3 (domid $id) created"
	save_watch "$id" &

	# its xen-* subtests, then the held faults; a domU that is gone (not
	# in the middle of a save) will print neither
	end=$((SECONDS + 400 * ${VXF_XEN_TIME_SCALE:-1}))
	while [ $SECONDS -lt $end ]; do
		grep -aqE '^(xen_hold_faults: holding|VXF-DOMU-DONE)' "$log3" 2>/dev/null && break
		if [ ! -e /tmp/domu3.saving ] &&
		   ! xenstore-exists "/local/domain/$(cat /tmp/domu3.id 2>/dev/null || echo "$id")" 2>/dev/null; then
			log "domu3 is gone"
			break
		fi
		sleep 0.2
	done
	sleep 0.5
	echo "VXF-TEST-BEGIN dom0/xen-suite"
	ok=0
	grep -aq '^xen_hold_faults: holding [1-9]' "$log3" && ok=1
	pid0=$(be_pid || true)
	g=$(be_grants || true)
	log "before destroy: backend pid $pid0, $g"
	t0=$(up)
	xl destroy vxf-domu3
	why="domU destroyed with faults in flight"
	[ $ok = 1 ] || why="no faults were held: $(grep -a 'xen_hold_faults' "$log3" | tail -n 1)"
	for _ in $(seq 40); do
		g=$(be_grants || true)
		clean "$g" && break
		sleep 0.5
	done
	log "after destroy: backend pid $(be_pid || true), $g"
	if [ $ok = 1 ] && [ "$(be_pid || true)" = "$pid0" ] && clean "$g"; then
		sub xen-domu-destroyed-backend-clean "$t0" SUCCESS "$why; $g"
	else
		sub xen-domu-destroyed-backend-clean "$t0" FAIL "$why; backend pid $pid0 -> $(be_pid || true); $g"
	fi
	t0=$(up)
	tr=$(kernel_trouble "$log3" || true)
	if [ -z "$tr" ] && grep -aq '^VXF-DOMU-PAYLOAD-BEGIN' "$log3"; then
		sub xen-domu3-kernel-clean "$t0" SUCCESS
	else
		sub xen-domu3-kernel-clean "$t0" FAIL "${tr:-no payload start}"
	fi
	kill "$tailpid" 2>/dev/null || true
}

# which daemons run, which domains exist (for a run that went wrong)
diag() {
	local c
	# best effort, and never fatal under set -e: a process that ends
	# between the glob and cat's open (a poller's sleep) makes cat fail.
	# When a domU had died, the pollers still waiting for its device
	# made this end post at once, silently, and domU 3 never ran (twice
	# in a soak on 2026-12-06).
	c=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -E '^(xenstored|oxenstored|xenconsoled|vxf-backend-xen|xl)$' | sort | uniq -c | tr -s ' \n' ' ') || true
	log "running:$c"
	timeout 20 xl list 2>&1 | sed 's/^/xl list: /' || log "xl list failed"
}

do_post() {
	local t0 n1 n2 f1 f2 rc=0
	diag
	echo "VXF-TEST-BEGIN dom0/xen-suite-pair"
	t0=$(up)
	n1=$(grep -ac '^Subtest .*: SUCCESS' "$(vxf_domu_log 1)" || true)
	n2=$(grep -ac '^Subtest .*: SUCCESS' "$(vxf_domu_log 2)" || true)
	f1=$(grep -acE '^Subtest .*: (FAIL|CRASH|TIMEOUT)' "$(vxf_domu_log 1)" || true)
	f2=$(grep -acE '^Subtest .*: (FAIL|CRASH|TIMEOUT)' "$(vxf_domu_log 2)" || true)
	if [ -e /tmp/vxf-both ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && [ "$f1$f2" = 00 ]; then
		sub xen-two-domus-at-once "$t0" SUCCESS "both connected at once; passed $n1 + $n2"
	else
		sub xen-two-domus-at-once "$t0" FAIL "both connected: $([ -e /tmp/vxf-both ] && echo yes || echo no); passed $n1/$n2, failed $f1/$f2"
	fi
	echo "VXF-TEST-END dom0/xen-suite-pair rc=0"
	domu3 || rc=$?
	echo "VXF-TEST-END dom0/xen-suite rc=$rc"
	do_stop
}

# print the backend's grants, stop it (its --stats-on-exit line), show its log
do_stop() {
	log "backend pid $(be_pid || echo none): $(be_grants || echo 'no grants line')"
	log "backend exits so far: $(grep -c '^backend exited' "$BE_LOG" || true)"
	touch "$STOP"
	kill -TERM "$(be_pid)" 2>/dev/null || true
	for _ in $(seq 50); do be_pid >/dev/null || break; sleep 0.1; done
	sed 's/^/backend| /' "$BE_LOG" | grep -v '^backend| grants ' | tail -n 20
	return 0
}

case "${1:-}" in
pre) do_pre ;;
post) do_post ;;
stop) do_stop ;;
*) echo "usage: $0 pre|post|stop" >&2; exit 2 ;;
esac
