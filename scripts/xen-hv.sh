#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a PVH domU sees at a guest frame with nothing behind it, on stock
# and on the patched Xen (`make check` steps xen-hv-baseline, xen-lend and
# xen-hv-report), and the driver in hypervisor mode there (xen-hv-suite).
# One Xen boot each (scripts/xen-run.sh); no driver module in the domUs but
# in suite mode.
#
# usage: scripts/xen-hv.sh baseline|lend|report|suite [--out FILE]
#                                                  [--domu-module KO]
#
#   baseline  Debian's stock Xen 4.17. A domU (busybox devmem, /dev/mem)
#             reads a hole frame, HOLE_GFN (above RAM, claimed by nothing),
#             writes a pattern there and reads it back. Today's Xen emulates
#             the access with its null handler: reads return all ones, the
#             write is dropped, nothing is reported. The step checks
#             exactly that, so it fails the day Xen stops doing it.
#   lend      the patched Xen (scripts/xen-build.sh, xen/patches/). dom0's
#             tools/vxf-backend/xen-lend lends pages of its own to the
#             domU at HOLE_GFN with XEN_DMOP_lend_pages and revokes them
#             with XEN_DMOP_revoke_pages (see xen-lend.c "talk"); the domU
#             half below reads the pattern, answers through the page, reads
#             all ones after the revoke and loses its writes. Refusals
#             (domU RAM, a grant for another domain) leave the domU alive;
#             lend/revoke cycles for LEND_SECONDS. Then dom0 creates a
#             second domU, lends and revokes (SYNC) its LEND_HOLD pages
#             LEND_ROUNDS times (every call checked), lends them, lets it
#             touch them and
#             `xl destroy`s it with the pages still lent (it is made
#             again in the same boot, twice at most, if it died before
#             its payload began, as in suite mode): no zombie domain
#             in `xl list`, Xen's free memory back where it was before the
#             domU was created, Xen's log counts every lent frame revoked
#             by teardown, and dom0 frees its pages without an error.
#             dom0's grant table is version 2 here (grant_table.version=2),
#             so that these lends by grant reference pin the v2 status
#             entries; every other Xen step's dom0 uses version 1.
#   report    the patched Xen, fault reports (HVMOP_fault_report). A PVH
#             domU with 2 vCPUs loads tests/xen-report/vxf_report_test.ko
#             (built here against the 6.12 headers), which registers a
#             report area and windows over hole frames from HOLE_GFN, has
#             kernel threads and a user process (busybox devmem) touch
#             holes, and checks the records, the held vCPU's timer
#             interrupts, releases (a lend by dom0, RESOLVE, REMOVE_WINDOW,
#             TEARDOWN) and overflow; see the module's header. dom0 runs
#             tools/vxf-backend/xen-lend serve, which lends its pages on
#             the module's requests (XenStore). Then a 1-vCPU domU held
#             on a hole and a bystander beside it; both are made again
#             in the same boot (twice at most) when either died before
#             its payload began, as in suite mode below.
#   suite     the patched Xen, the driver in hypervisor mode: dom0 runs
#             vxf-backend-xen --xen --hv (feature-hv-fault=1: MAPs lend
#             with XEN_DMOP_lend_pages, hv-revoke revokes with
#             XEN_DMOP_revoke_pages), a PVH domU with 1 vCPU loads the
#             driver (XENFEAT_fault_report: it writes hv-window-gfn) and
#             runs tests/igt's vxf_loop --run-subtest 'xen-hv-*' in Xen
#             mode: first touch, revokes with no REVOKE on the event ring
#             and user- and kernel-mode accesses with the migrated
#             contents, revoke cycles, a revoke storm through the
#             hypervisor, a refused MAP ending in SIGBUS with
#             the domU alive (tests/igt/vxf_xen_hv.c). A skipped subtest
#             (the window not in hypervisor mode) fails the step. dom0
#             then runs the same in a second domU with 2 vCPUs (where a
#             kernel access to a refused page must end in EFAULT), and
#             checks that the backend served hypervisor mode and, after
#             the domUs ended, left nothing lent. Then grant mode on the
#             patched Xen: a backend without --hv and a third domU (1 vCPU)
#             running xen-suite's domU 2 subtests, which must all pass in
#             grant mode. A second or third domU that died before its end
#             is made again in the same boot (twice at most): the host
#             counts that as an emulator retry if the death has one of
#             scripts/xen-lib.sh's signatures, and fails the step if not.
#
# Output: the check lines ("ok: ..."/"FAIL: ...", prefixed by who said
# them) on stdout and in FILE (default .cache/logs/xen-hv-MODE.out); the
# full xen-run.sh output in FILE.full. Last line: "xen-hv: MODE: PASS" or
# "xen-hv: MODE: FAIL (reason)". --domu-module: the driver the suite's
# domUs load (default drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko,
# built against the 6.12 headers).
# Environment: LEND_SECONDS (default 30), LEND_HOLD (default 256),
# LEND_ROUNDS (default 400: 102,400 page lend/revoke cycles),
# XEN_HV_ATTEMPTS (runs when the emulator fault of scripts/xen-lib.sh hits,
# default 3), XEN_HV_BUDGET (no such run begun that would take the step
# past this many seconds, times the time scale; default 750), VXF_XEN_IMAGE (report, suite: boot this hypervisor image instead of
# scripts/xen-build.sh's, for work on the patches).
# Exit status: 0 pass, 1 a check failed, 2 boot/harness trouble or a
# death not proven the emulator's, 3 setup, 77 the emulator killed the
# domU on every attempt (no result: make check counts the step skipped).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-}
shift || true
OUT=
SUITE_KO=$TOP/drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko
while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=$2; shift 2 ;;
	--domu-module) SUITE_KO=$2; shift 2 ;;
	*) echo "xen-hv: unknown argument $1" >&2; exit 3 ;;
	esac
done
case "$MODE" in baseline|lend|report|suite) ;; *) sed -n '10,75p' "$0" >&2; exit 3 ;; esac
OUT=${OUT:-$TOP/.cache/logs/xen-hv-$MODE.out}
mkdir -p "$(dirname "$OUT")"

# suite: the grant-mode subtests the third domU runs on the patched Xen
# (xen-suite's domU 2 list)
GRANT_SUBTESTS="first-touch,revoke-storm-8-threads,coalesce-one-page,backend-error-sigbus,fork-child-access,coherence-poke"

# 64 GiB: far above the domUs' RAM and below their physical address width;
# Linux's Xen scratch space (grant frames) sits right above RAM.
HOLE_GFN=0x1000000
LEND_SECONDS=${LEND_SECONDS:-30}
LEND_HOLD=${LEND_HOLD:-256}
LEND_ROUNDS=${LEND_ROUNDS:-400}

# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"

FILES=$(mktemp -d)
trap 'rm -rf "$FILES"' EXIT

# -- domU halves (busybox sh) ----------------------------------------------------

# shellcheck disable=SC2016
DOMU_COMMON='A=$(printf "0x%x" $((HOLE_GFN * 4096)))
rd() { echo $(( $(devmem $1 32) )); }
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
fails=0
ONES=$((0xFFFFFFFF))
echo "hole frame $HOLE_GFN at $A; /proc/iomem top: $(tail -n 1 /proc/iomem)"'

# shellcheck disable=SC2016
DOMU_BASELINE='v=$(rd $A) || { bad "devmem read $A"; exit 1; }
[ "$v" -eq $ONES ] && ok "a read of the hole returns all ones ($(printf %#x $v))" ||
	bad "a read of the hole returned $(printf %#x $v), not all ones"
devmem $A 32 0x12345678 || bad "devmem write $A"
w=$(rd $A)
[ "$w" -eq $ONES ] && ok "a write to the hole is lost: read back all ones" ||
	bad "a write to the hole read back as $(printf %#x $w)"
b=$(( $(devmem $(printf "0x%x" $((A + 4093))) 8) ))
[ "$b" -eq 255 ] && ok "a byte read elsewhere in the frame returns 0xff" || bad "a byte read returned $b"
echo "the domU is alive after the accesses"
[ $fails -eq 0 ]'

# the words of xen-lend.c
# shellcheck disable=SC2016
DOMU_LEND='C=$(printf "0x%x" $((A + 4096)))
at() { printf "0x%x" $(($1 + 4 * $2)); }
MAGIC=$((0x56584644))
# wait_c WORD VALUE SECONDS: until the control page word reads VALUE
wait_c() {
	local end=$(( $(cut -d. -f1 /proc/uptime) + $3 ))
	while [ "$(rd $(at $C $1))" -ne $(($2)) ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || return 1
	done
}
if [ "$DOMU_INDEX" = 3 ]; then
	# the domU dom0 destroys with pages lent: say it saw them, keep reading
	while :; do
		[ "$(rd $A)" -eq $MAGIC ] && devmem $(at $A 1) 32 0x52454144
	done
fi
wait_c 0 0x4c454e54 240 || { bad "dom0 never lent the pages (control word $(rd $C))"; exit 1; }
ok "the control page is lent"
d0=$(rd $A); d1=$(rd $(at $A 1)); d1023=$(rd $(at $A 1023))
[ $d0 -eq $MAGIC ] && [ $d1 -eq $((MAGIC ^ 1)) ] && [ $d1023 -eq $((MAGIC ^ 1023)) ] &&
	ok "the domU reads dom0s pattern at the hole frame" ||
	bad "pattern words read $(printf "%#x %#x %#x" $d0 $d1 $d1023)"
devmem $(at $A 2) 32 0x52504c59
devmem $(at $C 1) 32 0x52454144
wait_c 0 0x5245564b 120 || { bad "dom0 never said it revoked"; exit 1; }
v=$(rd $A)
[ $v -eq $ONES ] && ok "after the revoke the frame reads all ones" || bad "after the revoke it read $(printf %#x $v)"
devmem $(at $A 4) 32 0x13579bdf
v=$(rd $(at $A 4))
[ $v -eq $ONES ] && ok "a write after the revoke is lost" || bad "a write after the revoke read back $(printf %#x $v)"
devmem $(at $C 1) 32 0x4c4f5354
wait_c 0 0x4359434c 120 || { bad "dom0 never started the cycles"; exit 1; }
pat=0; ones=0; other=0
while [ "$(rd $C)" -ne $((0x454e4421)) ]; do
	v=$(rd $A)
	if [ $v -eq $MAGIC ]; then pat=$((pat + 1))
	elif [ $v -eq $ONES ]; then ones=$((ones + 1))
	else other=$((other + 1)); fi
done
[ $other -eq 0 ] && ok "reads during the cycles: $pat pattern, $ones all ones, nothing else" ||
	bad "reads during the cycles: $pat pattern, $ones all ones, $other other values"
devmem $(at $C 1) 32 0x454e4421
wait_c 0 $ONES 60 && ok "the control frame was revoked: a hole again" || bad "the control frame was never revoked"
echo "the domU is alive"
[ $fails -eq 0 ]'

# -- dom0 halves (bash) ------------------------------------------------------------

# shellcheck disable=SC2016
# (nothing is lent before the domU runs its payload: a death in its boot
# is then before any lend, which scripts/xen-lib.sh counts as the
# emulator's, signature before-module)
DOM0_PRE='echo "talk: xen-lend talk $DOMID $HOLE_GFN $LEND_SECONDS, once the domU runs its payload"
( for _ in $(seq 2400); do
	grep -aq "^VXF-DOMU-PAYLOAD-BEGIN" /var/log/xen/console/guest-vxf-domu1.log 2>/dev/null && break
	xl domid vxf-domu1 >/dev/null 2>&1 || break
	sleep 0.5
  done
  $VXF_FILES/xen-lend talk $DOMID $HOLE_GFN $LEND_SECONDS >/tmp/talk.out 2>&1; echo $? >/tmp/talk.rc ) >/dev/null 2>&1 &'

# dom0, after a domU it created was destroyed (its free memory before
# that domU in f0): no zombie in xl list, Xen's free memory back (freed
# pages may still be on their way back, scrubbed: a bounded wait)
# shellcheck disable=SC2016
DOM0_DESTROYED='xl list
z=$(xl list | awk "NR > 1 && \$1 != \"Domain-0\"" | wc -l)
[ "$z" -eq 0 ] && ok "no domain but dom0 left in xl list (no zombie)" || bad "$z domains left besides dom0 (zombie?)"
for _ in $(seq 40); do f1=$(xl info free_memory); [ "$f1" -ge "$f0" ] && break; sleep 0.5; done
[ "$f1" -ge "$f0" ] && ok "Xen free memory back: $f1 MB after, $f0 MB before the domU" ||
	bad "Xen free memory $f1 MB after the destroy, $f0 MB before the domU"
'

# The domUs dom0 creates itself, for scripts/xen-lib.sh's xen_deaths: its
# domid, its whole console once it ended ("dom0| NAME| " lines, NAME
# without "vxf-"), and whether dom0 destroyed it on purpose once it had
# done its part (else a domU that never got there is a death to classify)
# shellcheck disable=SC2016
DOM0_LIB='fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# every xl call bounded: a toolstack that hangs fails a check (the line is
# counted even from a command substitution), never the whole run
xl() {
	local rc=0
	timeout 120 xl "$@" || rc=$?
	[ $rc -ne 124 ] || echo "FAIL: xl $* did not return within 120 s" >&2
	return $rc
}
created() { echo "VXF-DOMU-CREATED $1 domid=$2"; }
# make_domu NAME INDEX [VCPUS]: a domU like domU 1 (/vxf/NAME.cfg from
# its config: vxf.index INDEX, VCPUS vCPUs if given) created paused, its
# domid in DOMU_ID; 1 after a failed check if xl cannot create it
make_domu() {
	sed "s/^name = .*/name = \"$1\"/; s/vxf.index=1/vxf.index=$2/${3:+; s/^vcpus = .*/vcpus = $3/}" \
		/vxf/vxf-domu1.cfg >/vxf/$1.cfg
	if ! xl create -p /vxf/$1.cfg >/tmp/$1.log 2>&1; then
		cat /tmp/$1.log
		bad "xl create $1"
		return 1
	fi
	DOMU_ID=$(xl domid $1)
	created $1 $DOMU_ID
}
# may_replace TRY: whether a domU that died on try TRY is made again in
# this boot: twice at most, and only while dom0 has been up for less than
# 450 s (times the time scale), so that the replacements cannot take the
# run past its hard limit (900 s): later, the death makes the run again
may_replace() {
	[ $1 -lt 3 ] && [ "$(cut -d. -f1 /proc/uptime)" -lt $((450 * ${VXF_XEN_TIME_SCALE:-1})) ]
}
console() { sed "s/^/${1#vxf-}| /" /var/log/xen/console/guest-$1.log 2>/dev/null || true; }
ended() { echo "VXF-DOMU-ENDED $1 domid=$2 (destroyed by dom0 once it had done its part)"; }
# wait_console NAME PATTERN DOMID TRIES: until PATTERN is in the console
# log of the domU NAME, for TRIES half seconds at most, and no longer than the
# domain lives (a domU the emulator killed is destroyed, on_crash)
wait_console() {
	for _ in $(seq $4); do
		grep -aq "$2" /var/log/xen/console/guest-$1.log 2>/dev/null && return
		xenstore-exists /local/domain/$3 || return
		sleep 0.5
	done
}
'

# shellcheck disable=SC2016
DOM0_POST='
# (xen-hv.sh lend boots dom0 with grant_table.version=2)
l=$(dmesg | grep -m1 "Grant tables using version" || true)
case "$l" in *"version 2 layout"*) ok "dom0 lends from a version 2 grant table" ;;
*) bad "dom0 grant table: ${l:-no layout line in dmesg}" ;; esac
for _ in $(seq 600); do [ -f /tmp/talk.rc ] && break; sleep 0.5; done
sed "s/^/talk: /" /tmp/talk.out
[ "$(cat /tmp/talk.rc 2>/dev/null)" = 0 ] && ok "xen-lend talk passed" || bad "xen-lend talk: exit $(cat /tmp/talk.rc 2>/dev/null || echo "none: still running")"

# a domU destroyed with pages lent; made again in the same boot (twice at
# most, as vxf-lend3rN) if it died before its payload began (a line
# "VXF-DOMU-REPLACED NAME domid=N by NEWNAME": scripts/xen-lib.sh judges
# the death)
l3=vxf-lend3
f0=$(xl info free_memory)
for try in 1 2 3; do
	make_domu $l3 3 || exit 1
	id=$DOMU_ID
	# lent once its payload runs (as for domU 1: a death before it is
	# then before any lend, see DOM0_PRE)
	xl unpause $l3
	wait_console $l3 "^VXF-DOMU-PAYLOAD-BEGIN" $id 480
	{ may_replace $try && ! xenstore-exists /local/domain/$id; } || break
	echo "VXF-DOMU-REPLACED $l3 domid=$id by vxf-lend3r$((try + 1))"
	console $l3
	l3=vxf-lend3r$((try + 1))
done
mkfifo /tmp/hold.fifo
( $VXF_FILES/xen-lend hold $id $HOLE_GFN $LEND_HOLD /tmp/hold.fifo $LEND_ROUNDS >/tmp/hold.out 2>&1; echo $? >/tmp/hold.rc ) >/dev/null 2>&1 &
for _ in $(seq 480); do grep -q "^seen" /tmp/hold.out 2>/dev/null && break; [ -f /tmp/hold.rc ] && break; sleep 0.5; done
if grep -q "^seen" /tmp/hold.out; then
	ok "domU $id touched the lent pages"
	ended $l3 $id
else
	bad "domU $id never touched the lent pages"
fi
xl destroy $l3 && ok "xl destroy with $LEND_HOLD pages lent" || bad "xl destroy failed"
console $l3
echo done >/tmp/hold.fifo
for _ in $(seq 120); do [ -f /tmp/hold.rc ] && break; sleep 0.5; done
sed "s/^/hold: /" /tmp/hold.out
[ "$(cat /tmp/hold.rc 2>/dev/null)" = 0 ] && ok "xen-lend hold passed" || bad "xen-lend hold: exit $(cat /tmp/hold.rc 2>/dev/null || echo none)"
'"$DOM0_DESTROYED"'n=$(xl dmesg | grep -c "d$id: revoked $LEND_HOLD lent frames at teardown" || true)
[ "$n" -eq 1 ] && ok "Xen revoked the $LEND_HOLD lent frames at teardown" ||
	bad "Xen log: $(xl dmesg | grep "d$id: revoked" || echo "no teardown revoke line for d$id")"
[ $fails -eq 0 ]'

# -- report: the module does the domU's checks, dom0 serves its requests ---------

# shellcheck disable=SC2016
DOMU_REPORT='if [ "$DOMU_INDEX" = 3 ]; then
	# the bystander: a heartbeat on the console, while report2 is held
	i=0
	while :; do echo "VXF-BEAT $i"; i=$((i + 1)); sleep 1; done
fi
if [ "$DOMU_INDEX" = 2 ]; then
	# one vCPU: the checks that need no second vCPU, then a thread held
	# for good, which stalls this domU (but for interrupts) until dom0
	# destroys it; the module says so on the console itself (pr_notice)
	dmesg -n 1
	insmod /files/vxf_report_test.ko hole_gfn=$HOLE_GFN
	dmesg | sed -n "s/.*vxf_report_test: /1-vcpu: /p"
	rmmod vxf_report_test
	dmesg -n 6
	insmod /files/vxf_report_test.ko hole_gfn=$HOLE_GFN hold_only=1 &
	while :; do sleep 1; done
fi
dmesg -n 1
insmod /files/vxf_report_test.ko hole_gfn=$HOLE_GFN
rc=$?
dmesg | sed -n "s/.*vxf_report_test: //p"
[ $rc -eq 0 ] || echo "FAIL: insmod vxf_report_test: $rc"
rmmod vxf_report_test || echo "FAIL: rmmod vxf_report_test (a thread left held?)"
echo "the domU is alive"
dmesg | grep -q "vxf_report_test: done: [0-9]* ok, 0 failed"'

# shellcheck disable=SC2016
DOM0_REPORT_PRE='( $VXF_FILES/xen-lend serve $DOMID >/tmp/serve.out 2>&1; echo $? >/tmp/serve.rc ) >/dev/null 2>&1 &'

# shellcheck disable=SC2016
DOM0_REPORT_POST='
for _ in $(seq 120); do [ -f /tmp/serve.rc ] && break; sleep 0.5; done
sed "s/^/serve: /" /tmp/serve.out
[ "$(cat /tmp/serve.rc 2>/dev/null)" = 0 ] && ok "xen-lend serve passed" ||
	bad "xen-lend serve: exit $(cat /tmp/serve.rc 2>/dev/null || echo "none: still running")"

# a 1-vCPU domU: the checks that need no second vCPU, then destroyed with
# its vCPU held on a hole; beside it a bystander domU (1 vCPU, a heartbeat
# on its console) that must keep running on the physical CPU of the held vCPU
# Both are made again in the same boot (twice at most, as vxf-report2rN
# and vxf-report3rN) when either died before its payload began: a line
#   VXF-DOMU-REPLACED NAME domid=N by NEWNAME
# for the dead one (scripts/xen-lib.sh judges its death: one of the
# emulator'"'"'s signatures is a retry, any other fails the step), the
# other destroyed on purpose. A death after that stays a death of the run.
r2=vxf-report2
r3=vxf-report3
f0=$(xl info free_memory)
for try in 1 2 3; do
	make_domu $r2 2 1 || exit 1
	id=$DOMU_ID
	make_domu $r3 3 1 || exit 1
	id3=$DOMU_ID
	rm -f /tmp/serve2.rc
	( $VXF_FILES/xen-lend serve $id >/tmp/serve2.out 2>&1; echo $? >/tmp/serve2.rc ) >/dev/null 2>&1 &
	xl unpause $r3
	xl unpause $r2
	wait_console $r2 "^VXF-DOMU-PAYLOAD-BEGIN" $id 480
	wait_console $r3 "^VXF-DOMU-PAYLOAD-BEGIN" $id3 480
	dead=
	xenstore-exists /local/domain/$id || dead="$dead $r2"
	xenstore-exists /local/domain/$id3 || dead="$dead $r3"
	{ [ -n "$dead" ] && may_replace $try; } || break
	for n in $r2 $r3; do
		d=$id
		[ $n = $r2 ] || d=$id3
		case " $dead " in
		*" $n "*) echo "VXF-DOMU-REPLACED $n domid=$d by ${n%r[0-9]}r$((try + 1))" ;;
		*) ended $n $d; xl destroy $n ;;
		esac
		console $n
	done
	# (its serve ends with the domain it served; its output kept apart
	# from the checks, like a console)
	for _ in $(seq 120); do [ -f /tmp/serve2.rc ] && break; sleep 0.5; done
	sed "s/^/serve2try$try| /" /tmp/serve2.out
	r2=vxf-report2r$((try + 1))
	r3=vxf-report3r$((try + 1))
done
log=/var/log/xen/console/guest-$r2.log
log3=/var/log/xen/console/guest-$r3.log
wait_console $r2 "vxf_report_test: VXF-REPORT-HELD" $id 600
grep -a "^1-vcpu: " $log | sed "s/^/report2 /"
n=$(grep -ac "^1-vcpu: ok: " $log || true)
grep -aq "^1-vcpu: done: [0-9]* ok, 0 failed" $log && ok "domU $id (1 vCPU): $n checks passed" ||
	bad "domU $id (1 vCPU): $(grep -ac "^1-vcpu: FAIL: " $log || true) checks failed, $n passed"
sed -n "s/.*vxf_report_test: VXF-REPORT-HELD/report2: VXF-REPORT-HELD/p" $log
if grep -aq "vxf_report_test: VXF-REPORT-HELD" $log; then
	ok "domU $id has a thread held on a hole"
	ended $r2 $id
else
	bad "domU $id never said its thread is held"
	tail -n 40 $log | sed "s/^/report2 console: /"
fi
# the heartbeat of the bystander, once it booted (it booted beside report2)
wait_console $r3 "^VXF-BEAT " $id3 240
# both vCPUs on physical CPU 1: a held vCPU that kept its CPU (spinning
# in Xen, or faulting again and again) would starve the bystander
xl vcpu-pin $id 0 1 && xl vcpu-pin $id3 0 1 || bad "xl vcpu-pin to CPU 1"
sleep 1
beats() { grep -ac "^VXF-BEAT " $log3 2>/dev/null || true; }
n0=$(beats)
# the held vCPU blocks in Xen between its timer interrupts
b=0
# (a toolstack that hangs costs one bounded call, not twenty)
for _ in $(seq 20); do
	xl vcpu-list $id >/tmp/vcpus.txt || break
	st=$(awk "NR > 1 { s = \$5 } END { print s }" /tmp/vcpus.txt)
	case "$st" in *b*) b=$((b + 1)) ;; esac
	sleep 0.2
done
cat /tmp/vcpus.txt
[ $b -gt 0 ] && ok "the held vCPU was seen blocked ($b of 20 looks)" || bad "the held vCPU was never seen blocked"
# at least 5 s since n0: 3 heartbeats or more
sleep 5
n1=$(beats)
xl vcpu-list $id3 | sed "s/^/report3 /"
[ $((n1 - n0)) -ge 3 ] && ok "domU $id3 kept running on the CPU of the held vCPU: $((n1 - n0)) heartbeats in 5 s or more" ||
	bad "domU $id3 on the CPU of the held vCPU: $((n1 - n0)) heartbeats in 5 s or more (held in domU $id: $(grep -ac VXF-REPORT-HELD $log))"
ended $r3 $id3
xl destroy $r3 || bad "xl destroy $r3 failed"
xl destroy $r2 && ok "xl destroy with a vCPU held" || bad "xl destroy failed"
for _ in $(seq 60); do xl domid $r2 >/dev/null 2>&1 || break; sleep 0.5; done
console $r2
console $r3
for _ in $(seq 120); do [ -f /tmp/serve2.rc ] && break; sleep 0.5; done
sed "s/^/serve2: /" /tmp/serve2.out
[ "$(cat /tmp/serve2.rc 2>/dev/null)" = 0 ] && ok "xen-lend serve for domU $id passed" ||
	bad "xen-lend serve for domU $id: exit $(cat /tmp/serve2.rc 2>/dev/null || echo "none: still running")"
'"$DOM0_DESTROYED"'[ $fails -eq 0 ]'

# -- suite: the driver in hypervisor mode against vxf-backend-xen --hv ----------

# IGT lines become ok:/FAIL: lines; a skip is a failure here (the window
# was not in hypervisor mode, or Xen mode did not come up)
# shellcheck disable=SC2016
DOMU_SUITE='dmesg | grep -a "vxf" | grep -a "hypervisor mode\|grant mode" | sed "s/^/driver: /"
export VXF_TEST_XEN=1 IGT_SUBTEST_TIMEOUT=$((180 * ${VXF_XEN_TIME_SCALE:-1}))
export VXF_XEN_HV_RESTART=1
if [ "$DOMU_INDEX" = 3 ]; then
	# grant mode on the patched Xen: its backend offers no feature-hv-fault
	set -- "$GRANT_SUBTESTS" 6 grant-mode
	dmesg | grep -aq "vxf.*hypervisor mode" &&
		echo "FAIL: the driver says hypervisor mode" ||
		echo "ok: the driver stayed in grant mode"
else
	set -- "xen-hv-*" 12 xen-hv
fi
# (on the console as it runs, so that a hang says where it is)
{ /tests/vxf_loop --run-subtest "$1"; echo $? >/tmp/igt.rc; } 2>&1 | tee /tmp/igt.out
rc=$(cat /tmp/igt.rc)
sed -n "s/^Subtest \(.*\): SUCCESS.*/ok: subtest \1/p
s/^Subtest \(.*\): FAIL.*/FAIL: subtest \1/p
s/^Subtest \(.*\): SKIP.*/FAIL: subtest \1 skipped/p" /tmp/igt.out
n=$(grep -c "^Subtest .*: SUCCESS" /tmp/igt.out)
[ "$n" -eq "$2" ] && echo "ok: $2 $3 subtests passed" || echo "FAIL: $n of $2 $3 subtests passed (vxf_loop rc=$rc)"
echo "the domU is alive after the subtests"
echo vxf-0 >/sys/bus/xen/drivers/vxf/unbind'

# shellcheck disable=SC2016
# the hypervisor-mode backend, in a restart loop (xen-hv-backend-killed-
# restarted kills it), until /tmp/be.stop; stops after 5 exits in a row
# within 2 s of the start (a SIGKILL, a test's "die", does not count: as
# in scripts/xen-suite-dom0.sh)
DOM0_SUITE_PRE='setsid bash -c "fast=0
while [ ! -e /tmp/be.stop ] && [ \$fast -lt 5 ]; do
	t=\$SECONDS
	/vxf/bin/vxf-backend-xen --xen --hv --pages 64 --stats-on-exit </dev/null >>/tmp/be.log 2>&1 &
	echo \$! >/tmp/be.pid
	wait \$!
	rc=\$?
	echo \"backend exited rc=\$rc uptime \$(cut -d\" \" -f1 /proc/uptime)\" >>/tmp/be.log
	if [ \$rc -ne 137 ] && [ \$((SECONDS - t)) -lt 2 ]; then fast=\$((fast + 1)); else fast=0; fi
	sleep 0.2
done
echo \$fast >/tmp/be.rc" </dev/null >/dev/null 2>&1 &
sleep 1'

# shellcheck disable=SC2016
DOM0_SUITE_POST='
# suite_domu NAME INDEX VCPUS LABEL WANT: a domU dom0 creates (vxf.index
# INDEX, VCPUS vCPUs), paired with the running backend; once it ended,
# its check lines (prefixed by LABEL and its domid), a check that it
# printed "ok: WANT", and its console. A domU that died before its end
# (gone, not hung: on_crash destroys it) is made again, under the name
# NAMErN, twice at most (may_replace), after a line
#   VXF-DOMU-REPLACED NAME domid=N by NAMErN
# and gives no check lines: the host judges its death (scripts/xen-lib.sh,
# xen_deaths), and one not proven the emulator'"'"'s fails the step there.
# SUITE_DOMU_NAME is the name of the instance that gave the checks.
SUITE_DOMU_REPLACED=
suite_domu() {
	local name=$1 try id log
	for try in 1 2 3; do
		log=/var/log/xen/console/guest-$name.log
		make_domu $name $2 $3 || return
		id=$DOMU_ID
		vxf_xs_pair $id >/dev/null
		xl unpause $name
		for _ in $(seq $((400 * ${VXF_XEN_TIME_SCALE:-1}))); do
			grep -aq "^VXF-DOMU-DONE" $log 2>/dev/null && break
			xenstore-exists /local/domain/$id || break	# died: destroyed
			sleep 1
		done
		if may_replace $try && ! grep -aq "^VXF-DOMU-DONE" $log 2>/dev/null &&
		   ! xenstore-exists /local/domain/$id; then
			echo "VXF-DOMU-REPLACED $name domid=$id by ${1}r$((try + 1))"
			SUITE_DOMU_REPLACED="$SUITE_DOMU_REPLACED $name"
			console $name
			name=${1}r$((try + 1))
			continue
		fi
		break
	done
	SUITE_DOMU_NAME=$name
	grep -a "^driver: \|^Subtest \|ok: \|FAIL: " $log | sed "s/^/$4 $id: /"
	grep -aq "^ok: $5" $log && ok "$4 $id: $5" || bad "$4 $id: not $5"
	grep -aq "^VXF-DOMU-DONE" $log || tail -n 40 $log | sed "s/^/$name console: /"
	xl destroy $name 2>/dev/null || true
	console $name
}

# the same subtests in a second domU, with 2 vCPUs (EFAULT for a kernel
# access to a refused page is tested there), against the same backend
suite_domu vxf-hvsuite2 2 2 "2-vcpu domU" "12 xen-hv subtests passed"
# (xen-hv-backend-killed-restarted kills it once in each domU that ran it:
# in a replaced domU that began it too, perhaps)
kmax=2
for r in $SUITE_DOMU_REPLACED; do
	grep -aq "^Starting subtest: xen-hv-backend-killed-restarted" \
		/var/log/xen/console/guest-$r.log && kmax=$((kmax + 1))
done
pid=$(cat /tmp/be.pid 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	ok "vxf-backend-xen still running after the domU ended"
	kill -USR1 $pid; sleep 1
	touch /tmp/be.stop
	kill -TERM $pid
else
	bad "vxf-backend-xen is not running"
	touch /tmp/be.stop
fi
for _ in $(seq 60); do [ -f /tmp/be.rc ] && break; sleep 0.5; done
sed "s/^/backend: /" /tmp/be.log | grep -v "^backend: grants" | tail -n 30
n=$(grep -c "^backend exited rc=137" /tmp/be.log || true)
if [ $kmax -eq 2 ]; then
	[ "$n" -eq 2 ] && ok "the backend was killed twice (once per domU) and started again" ||
		bad "the backend was killed $n times, not 2 (once per domU)"
else
	[ "$n" -ge 2 ] && [ "$n" -le $kmax ] &&
		ok "the backend was killed $n times (once per domU, $kmax at most with the replaced domUs) and started again" ||
		bad "the backend was killed $n times, not 2 to $kmax (once per domU, with the replaced domUs)"
fi
grep -q "hypervisor mode, frames" /tmp/be.log && ok "the backend served the domU in hypervisor mode" ||
	bad "the backend never served hypervisor mode"
g=$(grep "^grants " /tmp/be.log | tail -n 1)
echo "backend: $g"
case "$g" in *" lent=0"*) ok "nothing lent once the domU was gone ($g)" ;;
	*) bad "pages still lent after the domU ended: $g" ;; esac
e=$(grep "^exit grants " /tmp/be.log | tail -n 1)
case "$e" in "exit grants shared=0 mapped=0 evtchns=0 devices="*" lent=0") ok "backend clean at exit: $e" ;;
	*) bad "backend at exit: ${e:-no exit line}" ;; esac

# grant mode still works on the patched Xen: a third domU (1 vCPU) against
# a backend without --hv, running the subtests of xen-suite domU 2
setsid bash -c "/vxf/bin/vxf-backend-xen --xen --pages 1024 --stats-on-exit --revoke-deadline-ms $((2000 * ${VXF_XEN_TIME_SCALE:-1})) </dev/null >/tmp/be3.log 2>&1 &
echo \$! >/tmp/be3.pid; wait \$!; echo \$? >/tmp/be3.rc" </dev/null >/dev/null 2>&1 &
sleep 1
suite_domu vxf-hvsuite3 3 1 "grant domU" "6 grant-mode subtests passed"
grep -aq "^ok: the driver stayed in grant mode" /var/log/xen/console/guest-$SUITE_DOMU_NAME.log ||
	bad "the grant domU: the driver did not stay in grant mode"
pid=$(cat /tmp/be3.pid 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	kill -TERM $pid
else
	bad "the grant-mode vxf-backend-xen is not running"
fi
for _ in $(seq 60); do [ -f /tmp/be3.rc ] && break; sleep 0.5; done
grep -q "hypervisor mode" /tmp/be3.log && bad "the grant-mode backend served hypervisor mode" ||
	ok "the grant-mode backend served no hypervisor mode"
e=$(grep "^exit grants " /tmp/be3.log | tail -n 1)
case "$e" in *" lent="[1-9]*) bad "grant-mode backend at exit: $e" ;;
	"exit grants shared=0 mapped=0 evtchns=0 devices="*) ok "grant-mode backend clean at exit: $e" ;;
	*) bad "grant-mode backend at exit: ${e:-no exit line}" ;; esac
[ $fails -eq 0 ]'

if [ "$MODE" = baseline ]; then
	XEN_OPTS=()
	DOMU="HOLE_GFN=$HOLE_GFN
$DOMU_COMMON
$DOMU_BASELINE"
	ARGS=(--domu-payload "$DOMU")
elif [ "$MODE" = report ]; then
	[ -x "$TOP/tools/vxf-backend/xen-lend" ] || { echo "xen-hv: tools/vxf-backend/xen-lend missing (make tools)" >&2; exit 3; }
	make -s -C "$TOP/tests/xen-report" >"$FILES/module.log" 2>&1 ||
		{ cat "$FILES/module.log" >&2; echo "xen-hv: report: FAIL (building tests/xen-report failed)"; exit 3; }
	IMG=${VXF_XEN_IMAGE:-$("$TOP/scripts/xen-build.sh" | tail -n 1)} ||
		{ echo "xen-hv: report: FAIL (scripts/xen-build.sh failed)"; exit 2; }
	XEN_OPTS=(--xen-image "$IMG" --domu-vcpus 2)
	cp "$TOP/tools/vxf-backend/xen-lend" "$TOP/tests/xen-report/vxf_report_test.ko" "$FILES/"
	rm -f "$FILES/module.log"
	ARGS=(--domu-payload "HOLE_GFN=$HOLE_GFN
$DOMU_REPORT" --files "$FILES"
		--dom0-payload "$DOM0_REPORT_PRE"
		--dom0-post "$DOM0_LIB$DOM0_REPORT_POST")
elif [ "$MODE" = suite ]; then
	for f in "$TOP/tools/vxf-backend/vxf-backend-xen" "$TOP/tests/igt/vxf_loop" "$SUITE_KO"; do
		[ -f "$f" ] || { echo "xen-hv: $f missing (make, make tools)" >&2; exit 3; }
	done
	IMG=${VXF_XEN_IMAGE:-$("$TOP/scripts/xen-build.sh" | tail -n 1)} ||
		{ echo "xen-hv: suite: FAIL (scripts/xen-build.sh failed)"; exit 2; }
	XEN_OPTS=(--xen-image "$IMG" --domu-vcpus 1 --vxf-pair
		--domu-module-args prefetch_pages=0)
	VXF_XEN_TIME_SCALE=$(xen_time_scale)
	export VXF_XEN_TIME_SCALE
	cp "$TOP/tools/vxf-backend/vxf-backend-xen" "$FILES/"
	ARGS=(--domu-payload "VXF_XEN_TIME_SCALE=$VXF_XEN_TIME_SCALE GRANT_SUBTESTS=$GRANT_SUBTESTS
$DOMU_SUITE" --files "$FILES"
		--dom0-payload "install -m 0755 \$VXF_FILES/vxf-backend-xen /vxf/bin/vxf-backend-xen
$DOM0_SUITE_PRE"
		--dom0-post "$DOM0_LIB$DOM0_SUITE_POST")
else
	[ -x "$TOP/tools/vxf-backend/xen-lend" ] || { echo "xen-hv: tools/vxf-backend/xen-lend missing (make tools)" >&2; exit 3; }
	IMG=$("$TOP/scripts/xen-build.sh" | tail -n 1) || { echo "xen-hv: lend: FAIL (scripts/xen-build.sh failed)"; exit 2; }
	XEN_OPTS=(--xen-image "$IMG")
	# the v2 grant table path of the lend's pin (the other modes: v1)
	export VXF_DOM0_ARGS="grant_table.version=2${VXF_DOM0_ARGS:+ $VXF_DOM0_ARGS}"
	cp "$TOP/tools/vxf-backend/xen-lend" "$FILES/"
	DOMU="HOLE_GFN=$HOLE_GFN
$DOMU_COMMON
$DOMU_LEND"
	ARGS=(--domu-payload "$DOMU" --files "$FILES"
		--dom0-payload "HOLE_GFN=$HOLE_GFN LEND_SECONDS=$LEND_SECONDS
$DOM0_PRE"
		--dom0-post "HOLE_GFN=$HOLE_GFN LEND_HOLD=$LEND_HOLD LEND_ROUNDS=$LEND_ROUNDS
$DOM0_LIB$DOM0_POST")
fi

ATTEMPTS=${XEN_HV_ATTEMPTS:-3}
# no attempt begun that would take the step past 750 s (times the time
# scale): with the domUs made again in the same boot, an attempt the
# emulator harries can take 600 s (scripts/xen-lib.sh, XEN_RUN_BUDGET)
export XEN_RUN_BUDGET=${XEN_HV_BUDGET:-750}
DOMU_KO=none
[ "$MODE" != suite ] || DOMU_KO=$SUITE_KO
xen_run_attempts "$ATTEMPTS" "$OUT.full" "xen-hv $MODE" --domu-module "$DOMU_KO" \
	--timeout 900 --domu-timeout 400 "${XEN_OPTS[@]}" "${ARGS[@]}"
rc=$XEN_RUN_RC

grep -aE '^(vxf-domu[0-9]\| |dom0\| )' "$OUT.full" | grep -avE '^dom0\| [a-z0-9]+\| ' |
	grep -aE '(ok|FAIL|skip|done): |hole frame|alive|held|seen' >"$OUT" || true
cat "$OUT"
grep -a '^xen-run: \(timings\|wall\)' "$OUT.full" >&2 || true
nok=$(grep -c ': ok: \|| ok: ' "$OUT" || true)
nfail=$(grep -c 'FAIL: ' "$OUT" || true)
if [ -n "$XEN_OTHER_DEATHS" ]; then
	echo "$XEN_OTHER_DEATHS" | sed 's/^/xen-hv: death not proven the emulator'"'"'s: domid /'
	echo "xen-hv: $MODE: FAIL (a death not proven the emulator's; logs in $OUT.full)"
	exit 2
fi
if [ -n "$FAULTED" ]; then
	# the emulator killed the domU on every attempt: no result at all
	echo "xen-hv: $MODE: SKIP (emulator death in domid(s) ${FAULTED% } on all $XEN_RUN_ATTEMPT attempts${XEN_RUN_BUDGET_HIT:+ (no more within the step budget of ${XEN_RUN_BUDGET_HIT}s)}; logs in $OUT.full)"
	exit 77
fi
if [ "$rc" -ne 0 ] || [ "$nfail" -ne 0 ] || [ "$nok" -eq 0 ]; then
	echo "xen-hv: $MODE: FAIL (xen-run exit $rc, $nok ok, $nfail failed: $(grep -m1 'FAIL: ' "$OUT" "$OUT.full" | head -n 1); logs in $OUT.full)"
	# what a failed subtest's assertions said (IGT's CRITICAL lines, on
	# the domU's console), for a reader of check's summary alone
	sed -n 's/^\(dom0| \)\{0,1\}\([a-z0-9-]*\)| ([^)]*) CRITICAL: /xen-hv-critical: \2: /p' "$OUT.full" |
		head -n 12
	[ "$rc" -ge 2 ] && exit 2
	exit 1
fi
echo "xen-hv: $MODE: PASS ($nok checks, $XEN_RUN_ATTEMPT attempt(s))"
