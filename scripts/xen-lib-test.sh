#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of scripts/xen-lib.sh's death classification (make check step
# xen-lib): logs shaped like those xen-run.sh keeps, one per signature
# seen or to be refused, and the verdict xen_deaths must give. No Xen boot.
# usage: scripts/xen-lib-test.sh     Exit status: 0 all cases right, 1 not.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
bad=0
n=0

# expect NAME STEM WANT [FIELDS]: xen_deaths STEM gives the lines WANT
# (their fields FIELDS, cut's list: 1-4 unless given)
expect() {
	local got
	n=$((n + 1))
	got=$(xen_deaths "$2" | cut -d' ' -f"${4:-1-4}")
	if [ "$got" = "$3" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $3" | sed '2,$s/^/        /'
		echo "  got:  $got" | sed '2,$s/^/        /'
		bad=1
	fi
}

created() {
	printf 'VXF-DOMU-CREATED vxf-domu1 domid=1 uptime=3\n'
	printf 'VXF-DOMU-CREATED vxf-domu2 domid=2 uptime=3\n'
	printf 'dom0| xen-suite: domu3 (domid 3) created (uptime 100)\n'
}
INS='VXF-INSMOD-BEGIN /lib/modules/vxf/99-virtio-xen-fault.ko
VXF-INSMOD-OK /lib/modules/vxf/99-virtio-xen-fault.ko
VXF-DOMU-PAYLOAD-BEGIN'
DONE='VXF-DOMU-PAYLOAD-EXIT=0 uptime=9
VXF-DOMU-DONE'

# 1. make check's failure: domU 3 of xen-suite triple-faulted in early
# boot at a guest kernel address, IF off (not Xen's CS)
s=$T/xen-1-1
created >"$s.console.log"
printf 'dom0| domu3| [    0.000000] Linux version 6.12\n' >>"$s.console.log"
cat >"$s.xen.log" <<'EOF'
(XEN) d3v0 Triple fault - invoking HVM shutdown action 1
(XEN) *** Dumping Dom3 vcpu#0 state: ***
(XEN) ----[ Xen-4.17.7  x86_64  debug=n  Not tainted ]----
(XEN) CPU:    1
(XEN) RIP:    0010:[<ffffffff81050f7c>]
(XEN) RFLAGS: 0000000000000083   CONTEXT: hvm guest (d3v0)
EOF
printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu1.log"
cp "$s.vxf-domu1.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "early-boot triple fault of domU 3 is the emulator's" "$s" \
	"3 vxf-domu3 before-module emulator"

# 2. the recognised one: Xen's CS and VMRUN address in domU 1's state
s=$T/xen-1-2
created >"$s.console.log"
cat >"$s.xen.log" <<'EOF'
(XEN) d1v0 Triple fault - invoking HVM shutdown action 1
(XEN) RIP:    e008:[<ffff82d0402044a5>]
(XEN) RFLAGS: 0000000000000002   CONTEXT: hvm guest (d1v0)
EOF
printf '%s\nround 1\n' "$INS" >"$s.vxf-domu1.log"
printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu2.log"
printf 'dom0| domu3| xen_hold_faults: holding 8\n' >>"$s.console.log"
: >"$s.dom0.log"
expect "Xen's CS in a domU is the emulator's" "$s" "1 vxf-domu1 vmrun-resume emulator"

# 3. a double fault with an RFLAGS no CPU can hold, after the module
s=$T/xen-1-3
created >"$s.console.log"
: >"$s.xen.log"
cat >"$s.vxf-domu1.log" <<EOF
$INS
[  512.1] traps: PANIC: double fault, error_code: 0x0
[  512.1] Oops: double fault: 0000 [#1] PREEMPT SMP NOPTI
[  512.1] RIP: 0010:__cond_resched+0x1d/0x50
[  512.1] RSP: 0018:ffffc90000a3bd88 EFLAGS: 5a5a0f2c
[  512.1] Kernel panic - not syncing: Fatal exception in interrupt
EOF
printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu2.log"
printf 'dom0| domu3| xen_hold_faults: holding 8\n' >>"$s.console.log"
: >"$s.dom0.log"
expect "impossible RFLAGS is the emulator's" "$s" "1 vxf-domu1 impossible-rflags emulator"

# 4. the same double fault with a valid RFLAGS: not proven, a failure
s=$T/xen-1-4
cp "$T/xen-1-3.console.log" "$s.console.log"
: >"$s.xen.log"
sed 's/EFLAGS: 5a5a0f2c/EFLAGS: 00010046/' "$T/xen-1-3.vxf-domu1.log" >"$s.vxf-domu1.log"
cp "$T/xen-1-3.vxf-domu2.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a kernel fault with a valid RFLAGS after insmod is not" "$s" "1 vxf-domu1 kernel-fault other"

# 5. a triple fault at a guest address after insmod: not proven
s=$T/xen-1-5
cp "$T/xen-1-2.console.log" "$s.console.log"
sed 's/e008:\[<ffff82d0402044a5>\]/0010:[<ffffffff81050f7c>]/' "$T/xen-1-2.xen.log" >"$s.xen.log"
cp "$T/xen-1-2.vxf-domu1.log" "$s.vxf-domu1.log"
cp "$T/xen-1-2.vxf-domu2.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a guest triple fault after insmod is not" "$s" "1 vxf-domu1 triple-fault other"

# 6. a panic during the driver's insmod (BEGIN, no OK): not proven
s=$T/xen-1-6
created >"$s.console.log"
printf 'dom0| domu3| xen_hold_faults: holding 8\n' >>"$s.console.log"
: >"$s.xen.log"
printf 'VXF-INSMOD-BEGIN /lib/modules/vxf/99-virtio-xen-fault.ko\nBUG: kernel NULL pointer dereference, address: 0\nRSP: 0018:ffffc9000 EFLAGS: 00010246\n' >"$s.vxf-domu1.log"
printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a fault in the driver's insmod is not" "$s" "1 vxf-domu1 kernel-fault other"

# 7. a clean run: no death; a domU that did not finish: unfinished
s=$T/xen-1-7
created >"$s.console.log"
printf 'dom0| domu3| xen_hold_faults: holding 8\n' >>"$s.console.log"
: >"$s.xen.log"
printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu1.log"
printf '%s\n' "$INS" >"$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a domU without a report that did not finish is unfinished" "$s" "2 vxf-domu2 unfinished other"

# 8. a soft lockup in early boot (a loaded host) in a domU that went on
# to its end: no death (xen-run.sh judges the report itself)
s=$T/xen-1-8
cp "$T/xen-1-7.console.log" "$s.console.log"
: >"$s.xen.log"
printf '[  345.4] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]\n[  345.4] RSP: 0018:ffffc9000001bc58 EFLAGS: 00000217\n%s\nvirtio_xen_fault: loading out-of-tree module\n%s\n' "$INS" "$DONE" >"$s.vxf-domu1.log"
cp "$s.vxf-domu1.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a soft lockup in a domU that finished is no death" "$s" ""

# 8b. a warning in a domU that went on to its end, its RFLAGS one no CPU
# can hold (a single-step #DB in kernel code, xen-suite on 2026-12-06):
# the emulator's; the same with a valid RFLAGS: no death (xen-run.sh
# fails the run on the warning itself)
s=$T/xen-1-8b
cp "$T/xen-1-7.console.log" "$s.console.log"
: >"$s.xen.log"
cat >"$s.vxf-domu1.log" <<EOF
$INS
[   51.401694] ------------[ cut here ]------------
[   51.403251] WARNING: CPU: 0 PID: 196 at arch/x86/kernel/traps.c:1120 exc_debug_kernel+0xca/0x160
[   51.406320] RIP: 0010:exc_debug_kernel+0xca/0x160
[   51.406544] RSP: 0000:fffffe0000010f28 EFLAGS: 06000002
[   51.408514] Call Trace:
[   51.409710] RIP: 0010:__kmalloc_cache_node_noprof+0xec/0x330
[   51.409738] RSP: 0018:ffffc9000074f820 EFLAGS: 06000f42
[   51.410924]  </TASK>
[   51.410995] ---[ end trace 0000000000000000 ]---
$DONE
EOF
cp "$T/xen-1-7.vxf-domu1.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a warning with an impossible RFLAGS in a domU that finished is the emulator's" "$s" \
	"1 vxf-domu1 impossible-rflags emulator"
s=$T/xen-1-8c
cp "$T/xen-1-8b.console.log" "$s.console.log"
: >"$s.xen.log"
sed 's/EFLAGS: 06000/EFLAGS: 00000/' "$T/xen-1-8b.vxf-domu1.log" >"$s.vxf-domu1.log"
cp "$T/xen-1-8b.vxf-domu2.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a warning with a valid RFLAGS in a domU that finished is no death" "$s" ""

# 9. a triple fault right after the idle loop's HLT, interrupts on, after
# insmod: idle-wakeup, the emulator's; the same with IF clear, a RIP past
# the halt routine, or no VXF-KSYM-IDLE-HALT line: not proven
idle_case() { # NAME RIP RFLAGS KSYM-LINE WANT
	s=$T/xen-1-9-$n
	cp "$T/xen-1-2.console.log" "$s.console.log"
	sed "s/e008:\\[<ffff82d0402044a5>\\]/0010:[<$2>]/; s/^(XEN) RFLAGS: [0-9a-f]*/(XEN) RFLAGS: $3/" \
		"$T/xen-1-2.xen.log" >"$s.xen.log"
	{ [ -z "$4" ] || echo "$4"; cat "$T/xen-1-2.vxf-domu1.log"; } >"$s.vxf-domu1.log"
	cp "$T/xen-1-2.vxf-domu2.log" "$s.vxf-domu2.log"
	: >"$s.dom0.log"
	expect "$1" "$s" "$5"
}
K='VXF-KSYM-IDLE-HALT ffffffff81ce7050'
idle_case "a triple fault after the idle HLT is the emulator's" ffffffff81ce705f 0000000000000212 "$K" \
	"1 vxf-domu1 idle-wakeup emulator"
idle_case "the same with interrupts off is not" ffffffff81ce705f 0000000000000012 "$K" \
	"1 vxf-domu1 triple-fault other"
idle_case "a RIP past the halt routine is not" ffffffff81ce7090 0000000000000212 "$K" \
	"1 vxf-domu1 triple-fault other"
idle_case "a RIP before the halt routine is not" ffffffff81ce704f 0000000000000212 "$K" \
	"1 vxf-domu1 triple-fault other"
idle_case "without the domU's symbol line it is not" ffffffff81ce705f 0000000000000212 "" \
	"1 vxf-domu1 triple-fault other"

# 9b. a triple fault in the core kernel's text (a system call, as CI saw
# it), no kernel fault report, after insmod: kernel-text, the emulator's;
# in a module's text, after an oops, or without the domU's VXF-KSYM-TEXT
# line: not proven; with a user code segment and no report: user-mode
KT='VXF-KSYM-TEXT ffffffff81000000 ffffffff82000000'
idle_case "a triple fault in the kernel's text is the emulator's" ffffffff810e5ffc 0000000000000246 "$KT" \
	"1 vxf-domu1 kernel-text emulator"
idle_case "the same with interrupts off is too" ffffffff810e5ffc 0000000000000046 "$KT" \
	"1 vxf-domu1 kernel-text emulator"
idle_case "the text's first byte is in it" ffffffff81000000 0000000000000246 "$KT" \
	"1 vxf-domu1 kernel-text emulator"
idle_case "the byte at _etext is not" ffffffff82000000 0000000000000246 "$KT" \
	"1 vxf-domu1 triple-fault other"
idle_case "a RIP in a module's text is not" ffffffffc0a01234 0000000000000246 "$KT" \
	"1 vxf-domu1 triple-fault other"
idle_case "without the domU's text line it is not" ffffffff810e5ffc 0000000000000246 "" \
	"1 vxf-domu1 triple-fault other"
idle_case "after a kernel fault report it is not" ffffffff810e5ffc 0000000000000246 \
	"$KT"$'\nBUG: unable to handle page fault for address: ffffc90000000000' \
	"1 vxf-domu1 triple-fault other"
s=$T/xen-1-9b-user
cp "$T/xen-1-2.console.log" "$s.console.log"
sed 's/e008:\[<ffff82d0402044a5>\]/0033:[<ffffffff810e5ffc>]/' "$T/xen-1-2.xen.log" >"$s.xen.log"
{ echo "$KT"; cat "$T/xen-1-2.vxf-domu1.log"; } >"$s.vxf-domu1.log"
cp "$T/xen-1-2.vxf-domu2.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a user code segment is the emulator's" "$s" "1 vxf-domu1 user-mode emulator"
s=$T/xen-1-9b-user-oops
cp "$T/xen-1-2.console.log" "$s.console.log"
sed 's/e008:\[<ffff82d0402044a5>\]/0033:[<0000000000425c7f>]/' "$T/xen-1-2.xen.log" >"$s.xen.log"
{ echo "$KT"; cat "$T/xen-1-2.vxf-domu1.log"; echo 'BUG: unable to handle page fault for address: ffffc90000000000'; } >"$s.vxf-domu1.log"
cp "$T/xen-1-2.vxf-domu2.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a user code segment after a kernel fault report is not" "$s" "1 vxf-domu1 triple-fault other"

# 9c. a triple fault in the driver's text stays a failure, and says where:
# the function at that offset of the module's .ko (here an object built
# for the test) from the domU's VXF-KSYM-MODULE line; outside it, nothing
printf 'int vxf_a(int x) { return x + 1; }\nint vxf_b(int x) { return x * 3; }\n' >"$T/m.c"
gcc -c -O0 -o "$T/m.ko" "$T/m.c"
ob=$(objdump -t "$T/m.ko" | awk '$3 == "F" && $6 == "vxf_b" { print $1 }')
module_case() { # NAME RIP WANT
	s=$T/xen-1-9c-$2
	cp "$T/xen-1-2.console.log" "$s.console.log"
	sed "s/e008:\\[<ffff82d0402044a5>\\]/0010:[<$2>]/" "$T/xen-1-2.xen.log" >"$s.xen.log"
	{ cat "$T/xen-1-2.vxf-domu1.log"; echo 'VXF-KSYM-MODULE virtio_xen_fault 0xffffffffc0200000'; } >"$s.vxf-domu1.log"
	cp "$T/xen-1-2.vxf-domu2.log" "$s.vxf-domu2.log"
	: >"$s.dom0.log"
	# (fields 5-7: CS:RIP, "rflags", RFLAGS; 8 on: where in the driver)
	XEN_DEATH_KO=$T/m.ko expect "$1" "$s" "$3" 1-4,8-
}
module_case "a triple fault in the driver's text names its function" \
	"$(printf 'ffffffff%08x' $((16#c0200000 + 16#${ob:-0} + 3)))" \
	"1 vxf-domu1 triple-fault other (in virtio_xen_fault vxf_b+0x3)"
module_case "past the driver's text it names none" ffffffffc0300000 \
	"1 vxf-domu1 triple-fault other"
s=$T/xen-1-9b-user-cs
cp "$T/xen-1-2.console.log" "$s.console.log"
sed 's/e008:\[<ffff82d0402044a5>\]/0018:[<0000000000425c7f>]/' "$T/xen-1-2.xen.log" >"$s.xen.log"
{ echo "$KT"; cat "$T/xen-1-2.vxf-domu1.log"; } >"$s.vxf-domu1.log"
cp "$T/xen-1-2.vxf-domu2.log" "$s.vxf-domu2.log"
: >"$s.dom0.log"
expect "a kernel data segment as CS is not" "$s" "1 vxf-domu1 triple-fault other"

# 10. a run with no driver (xen-hv.sh): an early-boot death is before the
# payload, the emulator's; one after VXF-DOMU-PAYLOAD-BEGIN is not
nodrv_case() { # NAME CONSOLE WANT
	s=$T/xen-1-10-$n
	created >"$s.console.log"
	printf 'dom0| domu3| xen_hold_faults: holding 8\n' >>"$s.console.log"
	sed 's/e008:\[<ffff82d0402044a5>\]/0010:[<ffffffff81050f7e>]/' "$T/xen-1-2.xen.log" >"$s.xen.log"
	printf '%s\n' "$2" >"$s.vxf-domu1.log"
	printf 'VXF-DOMU-PAYLOAD-BEGIN\n%s\n' "$DONE" >"$s.vxf-domu2.log"
	: >"$s.dom0.log"
	expect "$1" "$s" "$3"
}
nodrv_case "no driver: a death in early boot is the emulator's" \
	'[    0.000000] Linux version 6.12' "1 vxf-domu1 before-module emulator"
nodrv_case "no driver: a death after the payload began is not" \
	'VXF-DOMU-PAYLOAD-BEGIN
hole frame 0x1000000' "1 vxf-domu1 triple-fault other"

# 12. a domU xen-hv.sh's dom0 created itself (its console printed by dom0
# as "dom0| lend3| "): classified like the others; one dom0 destroyed on
# purpose (VXF-DOMU-ENDED) is no death, one that never got there is
dom0_case() { # NAME CONSOLE ENDED TRIPLE WANT
	s=$T/xen-1-12-$n
	{ created; printf 'dom0| VXF-DOMU-CREATED vxf-lend3 domid=4\n'
	  printf 'dom0| domu3| xen_hold_faults: holding 8\n'
	  printf '%s\n' "$2" | sed 's/^/dom0| lend3| /'
	  [ "$3" = 0 ] || printf 'dom0| VXF-DOMU-ENDED vxf-lend3 domid=4 (on purpose)\n'; } >"$s.console.log"
	if [ "$4" = 1 ]; then
		sed 's/e008:\[<ffff82d0402044a5>\]/0010:[<ffffffff81050f7e>]/; s/d1v0/d4v0/; s/Dom1/Dom4/' \
			"$T/xen-1-2.xen.log" >"$s.xen.log"
	else
		: >"$s.xen.log"
	fi
	printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu1.log"
	cp "$s.vxf-domu1.log" "$s.vxf-domu2.log"
	: >"$s.dom0.log"
	expect "$1" "$s" "$5"
}
dom0_case "dom0's domU: a death in its early boot is the emulator's" \
	'[    0.000000] Linux version 6.12' 0 1 "4 vxf-lend3 before-module emulator"
dom0_case "dom0's domU: a triple fault after its payload began is not" \
	'VXF-DOMU-PAYLOAD-BEGIN' 0 1 "4 vxf-lend3 triple-fault other"
dom0_case "dom0's domU: destroyed before it did its part is unfinished" \
	'VXF-DOMU-PAYLOAD-BEGIN' 0 0 "4 vxf-lend3 unfinished other"
dom0_case "dom0's domU: destroyed on purpose is no death" \
	'VXF-DOMU-PAYLOAD-BEGIN' 1 0 ""
dom0_case "dom0's domU: a kernel fault report after its payload began is not" \
	'VXF-DOMU-PAYLOAD-BEGIN
BUG: kernel NULL pointer dereference, address: 0000000000000000' 0 0 "4 vxf-lend3 kernel-fault other"

# 12b. a domU dom0 made again in the same boot (scripts/xen-hv.sh's
# suite_domu: "VXF-DOMU-REPLACED NAME domid=N by NEWNAME"): an emulator
# signature is a retry already made ("replaced"); any other death of it
# stays a failure; the replacement is judged on its own
replaced_case() { # NAME CONSOLE CS:RIP WANT
	s=$T/xen-1-12b-$n
	{ created; printf 'dom0| domu3| xen_hold_faults: holding 8\n'
	  printf 'dom0| VXF-DOMU-CREATED vxf-hvsuite2 domid=4\n'
	  printf '%s\n' "$2" | sed 's/^/dom0| hvsuite2| /'
	  printf 'dom0| VXF-DOMU-REPLACED vxf-hvsuite2 domid=4 by vxf-hvsuite2r2\n'
	  printf 'dom0| VXF-DOMU-CREATED vxf-hvsuite2r2 domid=5\n'
	  printf '%s\n%s\n' "$INS" "$DONE" | sed 's/^/dom0| hvsuite2r2| /'; } >"$s.console.log"
	printf '(XEN) d4v1 Triple fault - invoking HVM shutdown action 1\n(XEN) RIP:    %s\n(XEN) RFLAGS: 0000000000000246   CONTEXT: hvm guest (d4v1)\n' \
		"$3" >"$s.xen.log"
	printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu1.log"
	cp "$s.vxf-domu1.log" "$s.vxf-domu2.log"
	: >"$s.dom0.log"
	expect "$1" "$s" "$4"
}
replaced_case "a replaced domU killed by vmrun-resume: replaced" "$INS" \
	'e008:[<ffff82d0402044a5>]' "4 vxf-hvsuite2 vmrun-resume replaced"
replaced_case "a replaced domU dead in early boot: replaced" \
	'[    0.000000] Linux version 6.12' '0010:[<ffffffff81050f7e>]' \
	"4 vxf-hvsuite2 before-module replaced"
replaced_case "a replaced domU dead in a module's text: still a failure" "$INS" \
	'0010:[<ffffffffc0205589>]' "4 vxf-hvsuite2 triple-fault other"
# (and the replacement's own death is its own; s: the last case's)
sed -i 's/^dom0| hvsuite2r2| VXF-DOMU-DONE$/dom0| hvsuite2r2| round 1/' "$s.console.log"
printf '(XEN) d5v0 Triple fault - invoking HVM shutdown action 1\n(XEN) RIP:    e008:[<ffff82d0402044a5>]\n(XEN) RFLAGS: 0000000000000246   CONTEXT: hvm guest (d5v0)\n' >>"$s.xen.log"
n=$((n + 1))
got=$(xen_deaths "$s" | awk '{ print $1, $2, $3, $4 }' | tr '\n' '|')
if [ "$got" = "4 vxf-hvsuite2 triple-fault other|5 vxf-hvsuite2r2 vmrun-resume emulator|" ]; then
	echo "ok $n the replacement's own death is judged on its own"
else
	echo "not ok $n the replacement's own death is judged on its own"
	echo "  got: $got"
	bad=1
fi

# 12c. an int3 trap whose code bytes show no INT3 before RIP: stale-int3,
# the emulator's; one with the INT3 still there is not
int3_case() { # NAME BYTES WANT
	s=$T/xen-1-12c-$n
	created >"$s.console.log"
	printf 'dom0| domu3| xen_hold_faults: holding 8\n' >>"$s.console.log"
	: >"$s.xen.log"
	{ printf '%s\n' "$INS"
	  printf '[   64.840796] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n'
	  printf '[   64.842644] RIP: 0010:__schedule+0x339/0xbf0\n'
	  printf '[   64.843759] Code: 00 00 0f 95 c2 e9 70 03 00 00 %s 02 00 00 48 8b 83\n' "$2"
	  printf '[   64.844283] RSP: 0018:ffffc90000553bf8 EFLAGS: 00000096\n'
	  printf '[   64.848998] Kernel panic - not syncing: Fatal exception in interrupt\n'; } >"$s.vxf-domu1.log"
	printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu2.log"
	: >"$s.dom0.log"
	expect "$1" "$s" "$3"
}
int3_case "an int3 trap with a jump in memory at the trap: stale-int3" 'e9 <3a>' \
	"1 vxf-domu1 stale-int3 emulator"
int3_case "an int3 trap with the INT3 still in memory: not the emulator's" 'cc <3a>' \
	"1 vxf-domu1 kernel-fault other"
int3_case "an int3 trap without code bytes: not the emulator's" 'Unable to access opcode bytes' \
	"1 vxf-domu1 kernel-fault other"

# 11. RFLAGS checks
for v in 2 246 10246 83 0000000000000202; do
	n=$((n + 1))
	if rflags_impossible "$v"; then echo "not ok $n RFLAGS $v is possible"; bad=1; else echo "ok $n RFLAGS $v is possible"; fi
done
for v in 0 200 8 20 8002 400002 100000002 5a5a0f2c; do
	n=$((n + 1))
	if rflags_impossible "$v"; then echo "ok $n RFLAGS $v is impossible"; else echo "not ok $n RFLAGS $v is impossible"; bad=1; fi
done
# 12. xen_run_attempts: a run that hung with a deaf vCPU in its probe
# (scripts/xen-run.sh) and no death but domUs the hang left unfinished is
# run again, and counted; a run that failed without one is not, nor one
# with another death; the retries stop at ATTEMPTS. A fake xen-run.sh in
# XEN_LIB_DIR plays the runs: it reads what each one says from
# $FAKE_RUNS (one line per run: exit status, then "deaf", "deaf-running"
# (the probe's line for a vCPU that does not take a pending vector),
# "deaf+unfinished" (and domU 1 created, never done), "deaf+oops" (and
# domU 1 died of an oops), "unfinished" or not).
mkdir -p "$T/lib"
cat >"$T/lib/xen-run.sh" <<'EOF'
#!/bin/bash
read -r rc what <"$FAKE_RUNS"
sed -i 1d "$FAKE_RUNS"
echo "xen-run: console log $FAKE_STEM.console.log (caches ready in 0.0s)"
echo "xen-run: --- end; logs: $FAKE_STEM.*.log"
echo "xen-run: time limits x${VXF_XEN_TIME_SCALE:-1}: hard 600s, domU(s) 300s"
echo "${VXF_XEN_TIME_SCALE:-1}" >>"$FAKE_SCALES"
# (deaf+slow: an attempt that takes a second or two)
[ "${what%+slow}" = "$what" ] || sleep 1.2
case "$what" in
deaf|deaf+*) echo "xen-run: probe| deaf cpu 0: halted with interrupts enabled and a vector in service, ISR 251" ;;
deaf-running) echo "xen-run: probe| deaf cpu 0: running with interrupts enabled and a vector pending above its priority, not taken over 15 s (RIP ffff82d040230c62): ISR (none) IRR 250 253 APR 0x00 TPR 0x10 DFR 0x0f LDR 0x01 PPR 0x10" ;;
esac
# replaced: domU 2, which dom0 made again in the same boot, died of
# vmrun-resume; replaced-module: it died in a module's text (not proven)
case "$what" in
replaced*)
	{ echo "VXF-DOMU-CREATED vxf-domu1 domid=1"
	  echo "dom0| VXF-DOMU-CREATED vxf-hvsuite2 domid=2"
	  echo "dom0| hvsuite2| VXF-INSMOD-BEGIN /lib/modules/vxf/99-virtio-xen-fault.ko"
	  echo "dom0| VXF-DOMU-REPLACED vxf-hvsuite2 domid=2 by vxf-hvsuite2r2"
	  echo "dom0| VXF-DOMU-CREATED vxf-hvsuite2r2 domid=3"
	  echo "dom0| hvsuite2r2| VXF-DOMU-DONE"; } >"$FAKE_STEM.console.log"
	printf 'VXF-DOMU-PAYLOAD-BEGIN\nVXF-DOMU-DONE\n' >"$FAKE_STEM.vxf-domu1.log"
	rip='e008:[<ffff82d0402044a5>]'
	[ "$what" = replaced ] || rip='0010:[<ffffffffc0205589>]'
	printf '(XEN) d2v0 Triple fault - invoking HVM shutdown action 1\n(XEN) RIP:    %s\n(XEN) RFLAGS: 0000000000000246   CONTEXT: hvm guest (d2v0)\n' \
		"$rip" >"$FAKE_STEM.xen.log"
	;;
esac
case "$what" in
*unfinished|*oops)
	echo "VXF-DOMU-CREATED vxf-domu1 domid=1" >"$FAKE_STEM.console.log"
	echo "VXF-DOMU-PAYLOAD-BEGIN" >"$FAKE_STEM.vxf-domu1.log"
	[ "${what%oops}" = "$what" ] || echo "[   9.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000" >>"$FAKE_STEM.vxf-domu1.log"
	;;
esac
# slow-L: the domU payload ran out of time, and the load average is L at
# the end; slowbug-L: the same with a kernel report besides
case "$what" in
slow*)
	echo "xen-run: FAIL: domU payload did not finish within 300s"
	echo "xen-run: FAIL: vxf-domu1: missing VXF-DOMU-DONE marker"
	[ "${what#slowbug}" = "$what" ] || echo "xen-run: FAIL: vxf-domu1: BUG: kernel NULL pointer dereference"
	echo "${what#*-} 1.00 1.00 1/100 1" >"$XEN_LOADAVG"
	;;
esac
exit "$rc"
EOF
chmod +x "$T/lib/xen-run.sh"
# attempts CASE RUNS ATTEMPTS WANT: WANT is "attempts retries rc lines",
# lines the number of retry lines naming the deaf vCPU
attempts() {
	local got real=$XEN_LIB_DIR s
	n=$((n + 1))
	printf '%s\n' "$2" >"$T/runs"
	s=$T/xen-12-$n
	: >"$s.console.log"
	: >"$s.xen.log"
	: >"$s.dom0.log"
	XEN_LIB_DIR=$T/lib
	echo "0.50 0.50 0.50 1/100 1" >"$T/loadavg"
	FAKE_RUNS=$T/runs FAKE_STEM=$s FAKE_SCALES=/dev/null XEN_LOADAVG=$T/loadavg XEN_NPROC=2 \
		xen_run_attempts "$3" "$T/out" test 2>"$T/err"
	XEN_LIB_DIR=$real
	got="$XEN_RUN_ATTEMPT $XEN_RETRIES $XEN_RUN_RC $(grep -c '^xen-emulator-retry: test: attempt [0-9]*: qemu-apic-deaf-vcpu: cpu 0' "$T/err")"
	if [ "$got" = "$4" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $4 (attempts retries rc retry-lines)"
		echo "  got:  $got"
		bad=1
	fi
}
attempts "a deaf vCPU is retried, and counted" '2 deaf
0 -' 3 "2 1 0 1"
attempts "a hang without a deaf vCPU is not retried" '2 -
0 -' 3 "1 0 2 0"
attempts "deaf every time: retried up to the attempts, then it fails" '2 deaf
2 deaf
2 deaf' 3 "3 2 2 2"
attempts "a deaf probe in a run that passed is no retry" '0 deaf' 3 "1 0 0 0"
attempts "a vCPU that does not take a pending vector is deaf: retried" '2 deaf-running
0 -' 3 "2 1 0 1"
attempts "a deaf vCPU with a domU the hang left unfinished is retried" '2 deaf+unfinished
0 -' 3 "2 1 0 1"
attempts "an unfinished domU without a deaf vCPU is not retried" '2 unfinished
0 -' 3 "1 0 2 0"
attempts "a deaf vCPU with a domU dead of an oops is not retried" '2 deaf+oops
0 -' 3 "1 0 2 0"
# a step budget (XEN_RUN_BUDGET): no attempt begun that would pass it
XEN_RUN_BUDGET=1 attempts "a retry that would pass the step's budget is not made" '2 deaf+slow
0 -' 3 "1 0 2 0"
XEN_RUN_BUDGET=60 attempts "a retry within the step's budget is made" '2 deaf+slow
0 -' 3 "2 1 0 1"
# a domU dom0 made again in the same boot: one retry counted, no other
# boot, no death left to excuse (FAULTED) or to fail on
n=$((n + 1))
printf '0 replaced\n' >"$T/runs"
s=$T/xen-12-$n
XEN_LIB_DIR=$T/lib FAKE_RUNS=$T/runs FAKE_STEM=$s FAKE_SCALES=/dev/null XEN_LOADAVG=$T/loadavg XEN_NPROC=2 \
	xen_run_attempts 3 "$T/out" test 2>"$T/err"
got="$XEN_RUN_ATTEMPT $XEN_RETRIES [$FAULTED] [$XEN_OTHER_DEATHS] $(grep -c '^xen-emulator-retry: test: attempt 1: domid 2 (vxf-hvsuite2) vmrun-resume: e008:ffff82d0402044a5 rflags 0000000000000246; made again in the same boot as vxf-hvsuite2r2$' "$T/err")"
if [ "$got" = "1 1 [] [] 1" ]; then
	echo "ok $n a domU made again in the same boot is one retry, not another boot"
else
	echo "not ok $n a domU made again in the same boot is one retry, not another boot"
	echo "  got: $got"
	bad=1
fi
n=$((n + 1))
printf '0 replaced-module\n0 -\n' >"$T/runs"
s=$T/xen-12-$n
XEN_LIB_DIR=$T/lib FAKE_RUNS=$T/runs FAKE_STEM=$s FAKE_SCALES=/dev/null XEN_LOADAVG=$T/loadavg XEN_NPROC=2 \
	xen_run_attempts 3 "$T/out" test 2>"$T/err"
got="$XEN_RUN_ATTEMPT $XEN_RETRIES $(echo "$XEN_OTHER_DEATHS" | awk '{ print $1, $2, $3, $4 }')"
if [ "$got" = "1 0 2 vxf-hvsuite2 triple-fault other" ]; then
	echo "ok $n a replaced domU's death not proven the emulator's still fails"
else
	echo "not ok $n a replaced domU's death not proven the emulator's still fails"
	echo "  got: $got"
	bad=1
fi

# 13. xen_run_attempts: a run that failed on its time limits alone while
# the load rose beyond its time scale's (less its own QEMU's 2, per CPU,
# plus a half) is run again once with the larger scale, and only then;
# 2 CPUs
# load_attempts CASE RUNS ATTEMPTS WANT [CONSOLE [DOMU1 [XENLOG]]]: WANT
# is "attempts load-retries rc retry-lines scales", scales those the runs
# were given; CONSOLE the runs' console log, DOMU1 domU 1's, XENLOG Xen's
load_attempts() {
	local got real=$XEN_LIB_DIR s
	n=$((n + 1))
	printf '%s\n' "$2" >"$T/runs"
	s=$T/xen-13-$n
	printf '%s' "${5:-}" >"$s.console.log"
	[ -z "${6:-}" ] || printf '%s\n' "$6" >"$s.vxf-domu1.log"
	printf '%s' "${7:-}" >"$s.xen.log"
	: >"$s.dom0.log"
	: >"$T/scales"
	XEN_LIB_DIR=$T/lib
	echo "0.50 0.50 0.50 1/100 1" >"$T/loadavg"
	FAKE_RUNS=$T/runs FAKE_STEM=$s FAKE_SCALES=$T/scales XEN_LOADAVG=$T/loadavg XEN_NPROC=2 \
		xen_run_attempts "$3" "$T/out" test 2>"$T/err"
	XEN_LIB_DIR=$real
	got="$XEN_RUN_ATTEMPT $XEN_LOAD_RETRIES $XEN_RUN_RC $(grep -c '^xen-load-retry: test: attempt [0-9]*: time limits x1, the load average rose to [0-9.]* (x[0-9]* without this run.s QEMU): running again with x[0-9]*$' "$T/err") $(tr '\n' ' ' <"$T/scales")"
	if [ "$got" = "$4" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $4 (attempts load-retries rc retry-lines scales)"
		echo "  got:  $got"
		sed 's/^/  err:  /' "$T/err"
		bad=1
	fi
}
load_attempts "a time limit while the load rose to 6.5: run again with x3" '2 slow-6.5
0 -' 3 "2 1 0 1 1 3 "
load_attempts "a time limit while the load rose to 10: run again with x4" '2 slow-10
0 -' 3 "2 1 0 1 1 4 "
load_attempts "a time limit while the load rose to 4.5: run again with x2" '2 slow-4.5
0 -' 3 "2 1 0 1 1 2 "
load_attempts "a time limit at 2.9, 0.9 without its QEMU's: not run again" '2 slow-2.9
0 -' 3 "1 0 2 0 1 "
load_attempts "a time limit at 3.99, 1.99 without its QEMU's (seen): run again with x2" '2 slow-3.99
0 -' 3 "2 1 0 1 1 2 "
load_attempts "a time limit at 3.0, 1.0 without its QEMU's: not run again" '2 slow-3.0
0 -' 3 "1 0 2 0 1 "
load_attempts "a time limit with domUs unfinished: run again" '2 slow-6.5
0 -' 3 "2 1 0 1 1 3 " "$(created)
dom0| VXF-DOMU-UNPAUSED
VXF-DOMU-TIMEOUT after 300s"
load_attempts "a time limit, domUs unfinished, one dead of the emulator: run again" '2 slow-6.5
0 -' 3 "2 1 0 1 1 3 " "$(created)
dom0| VXF-DOMU-UNPAUSED
VXF-DOMU-TIMEOUT after 300s" "$INS" "$(sed 's/d1v0/d3v0/g' "$T/xen-1-2.xen.log")"
load_attempts "a time limit with a domU dead of a kernel oops: not run again" '2 slow-6.5
0 -' 3 "1 0 2 0 1 " "$(created)
dom0| VXF-DOMU-UNPAUSED
VXF-DOMU-TIMEOUT after 300s" "$INS
[  300.1] BUG: kernel NULL pointer dereference, address: 0000000000000008
[  300.1] Oops: 0002 [#1] PREEMPT SMP NOPTI
[  300.1] RIP: 0010:vxf_fault+0x1d/0x50 [virtio_xen_fault]"
load_attempts "a time limit and a kernel report: not run again" '2 slowbug-6.5
0 -' 3 "1 0 2 0 1 "
load_attempts "a load retry once only, then the time limit fails" '2 slow-6.5
2 slow-9
0 -' 3 "2 1 2 1 1 3 "
load_attempts "no load retry past the attempts" '2 slow-6.5
0 -' 1 "1 0 2 0 1 "
load_attempts "a passing run under load is no retry" '0 slow-6.5' 3 "1 0 0 0 1 "

# 14. xen_run_attempts under its callers' set -e (xen-hv.sh): the load
# watcher's end (SIGTERM) is no error
n=$((n + 1))
printf '0 -\n' >"$T/runs"
: >"$T/xen-14.console.log"
# (not in an if's condition nor an &&/|| list, where set -e does not apply)
(set -e; XEN_LIB_DIR=$T/lib FAKE_RUNS=$T/runs FAKE_STEM=$T/xen-14 FAKE_SCALES=/dev/null \
	xen_run_attempts 1 "$T/out" test 2>/dev/null; echo survived) >"$T/sete"
if grep -q survived "$T/sete"; then
	echo "ok $n xen_run_attempts returns under set -e"
else
	echo "not ok $n xen_run_attempts returns under set -e"
	bad=1
fi

# 15. what a death that is not the emulator's said, for the step's output
# (xen_death_report), and xen_run_attempts printing it: CI's failure of
# xen-suite, dom0's kernel crashed (its log: the oops up to </TASK>)
# report CASE STEM DEATH WANT: xen_death_report's first and last lines and
# its length
report() {
	local got
	n=$((n + 1))
	got=$(xen_death_report "$2" "$3" | sed -n '1p;$p' | tr '\n' '|')$(xen_death_report "$2" "$3" | wc -l)
	if [ "$got" = "$4" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $4"
		echo "  got:  $got"
		bad=1
	fi
}
s=$T/xen-15
created | head -n 2 >"$s.console.log"
: >"$s.xen.log"
printf '%s\n%s\n' "$INS" "$DONE" >"$s.vxf-domu1.log"
cp "$s.vxf-domu1.log" "$s.vxf-domu2.log"
{
	printf 'VXF-DOM0-INIT-START uptime=12.95\n'
	printf 'VXF-DOMU-UNPAUSED vxf-domu1 vxf-domu2 uptime=20.62\n'
	printf '[   46.393964] BUG: kernel NULL pointer dereference, address: 0000000000000038\n'
	printf '[   46.394000] #PF: supervisor read access in kernel mode\n'
	printf '[   46.394100] RIP: e030:some_function+0x12/0x40\n'
	printf '[   46.394200] Call Trace:\n'
	printf '[   46.394300]  <TASK>\n'
	printf '[   46.394400]  caller+0x20/0x30\n'
	printf '[   46.394500]  </TASK>\n'
	printf '[   46.394600] Modules linked in: xen_gntalloc\n'
} >"$s.dom0.log"
expect "a dom0 kernel crash is not the emulator's" "$s" "0 dom0 dom0-kernel other"
report "dom0's crash: its report, to the end of the trace" "$s" \
	"$(xen_deaths "$s")" \
	"[   46.393964] BUG: kernel NULL pointer dereference, address: 0000000000000038|[   46.394500]  </TASK>|7"
# the same crash before dom0's init started: no code of the project ran
# yet, no domU exists (seen: an INT3 the kernel had already patched away)
b=$T/xen-15d
: >"$b.console.log"
: >"$b.xen.log"
{
	printf '[    3.121033] VFS: Disk quotas dquot_6.6.0\n'
	printf '[    3.256421] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n'
	printf '[    3.256421] RIP: e030:enqueue_timer+0xa5/0x100\n'
	printf '[    3.256421] Kernel panic - not syncing: Fatal exception in interrupt\n'
} >"$b.dom0.log"
expect "a dom0 crash before its init is the emulator's" "$b" \
	"0 dom0 dom0-before-init emulator [    3.256421] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI (before dom0's init)" 1-
# and after it, whatever the report
sed -i '1i VXF-DOM0-INIT-START uptime=2.95' "$b.dom0.log"
expect "a dom0 crash after its init started is not" "$b" "0 dom0 dom0-kernel other"
# a dom0 process's crash, with no kernel report
printf 'VXF-DOM0-INIT-START uptime=2.95\nxenstored[212]: segfault at 8 ip 0000 sp 0000 error 4\n' >"$b.dom0.log"
expect "a dom0 process's crash is not the emulator's" "$b" \
	"0 dom0 dom0-process other xenstored[212]: segfault at 8 ip 0000 sp 0000 error 4" 1-
report "a domU's oops: its report, to the panic" "$T/xen-1-4" "$(xen_deaths "$T/xen-1-4")" \
	"[  512.1] traps: PANIC: double fault, error_code: 0x0|[  512.1] Kernel panic - not syncing: Fatal exception in interrupt|5"
# a domU that stopped without a word (CI: xen-suite's domU 2 after its
# second subtest): where its console ended, the last 12 lines
{
	printf '%s\n' "$INS"
	for i in $(seq 20); do printf '[  %d.0] line %d\n' "$((100 + i))" "$i"; done
	printf 'Starting subtest: coalesce-one-page\n'
} >"$T/xen-1-7.vxf-domu2.log"
report "an unfinished domU: its console's last lines" "$T/xen-1-7" \
	"$(xen_deaths "$T/xen-1-7")" \
	"[  110.0] line 10|Starting subtest: coalesce-one-page|12"
u=$T/xen-15c
created | head -n 2 >"$u.console.log"
: >"$u.xen.log"
: >"$u.dom0.log"
printf '%s\n%s\n' "$INS" "$DONE" >"$u.vxf-domu2.log"
cat >"$u.vxf-domu1.log" <<EOF
$INS
[  100.3] Kernel panic - not syncing: sysrq triggered crash
[  100.3] CPU: 0 UID: 0 PID: 93 Comm: sh Not tainted 6.12.118+deb12-amd64 #1
[  100.3] Call Trace:
[  100.3]  <TASK>
[  100.3]  sysrq_handle_crash+0x1a/0x20
[  100.3]  </TASK>
[  100.3] Kernel Offset: disabled
EOF
report "a panic's report: to the end of its trace" "$u" "$(xen_deaths "$u")" \
	"[  100.3] Kernel panic - not syncing: sysrq triggered crash|[  100.3]  </TASK>|6"
report "an emulator's triple fault has none" "$T/xen-1-2" "$(xen_deaths "$T/xen-1-2")" "0"
printf '(XEN) Xen call trace:\n(XEN)    [<ffff82d040200000>] R f+0x1/0x2\n(XEN) ****************************************\n(XEN) Panic on CPU 1:\n(XEN) Xen BUG at x.c:12\n' >"$T/xen-15b.xen.log"
report "Xen's panic: the lines before it" "$T/xen-15b" "0 xen xen-panic other x" \
	"(XEN) Xen call trace:|(XEN) Xen BUG at x.c:12|5"
n=$((n + 1))
printf '2 -\n' >"$T/runs"
XEN_LIB_DIR=$T/lib FAKE_RUNS=$T/runs FAKE_STEM=$s FAKE_SCALES=/dev/null \
	xen_run_attempts 3 "$T/out" test 2>"$T/err"
if [ "$XEN_RUN_ATTEMPT" = 1 ] &&
	grep -qx 'xen-death-report: test: attempt 1: dom0| \[   46.393964\] BUG: kernel NULL pointer dereference, address: 0000000000000038' "$T/err" &&
	[ "$(grep -c '^xen-death-report: test: attempt 1: dom0| ' "$T/err")" = 7 ]; then
	echo "ok $n xen_run_attempts prints the report of a death that stops it"
else
	echo "not ok $n xen_run_attempts prints the report of a death that stops it"
	sed 's/^/  err:  /' "$T/err"
	bad=1
fi

# 16. xen_subtests_complete: every subtest the run was to give has a
# result; one a dead domU did not give is a SKIP, any other a FAIL
# complete CASE FAULTED WANT <IGT: the result lines it gives, as
# "NAME:RESULT" in order, with its section lines (B: begin, E: end rc)
complete() {
	local got
	n=$((n + 1))
	got=$(xen_subtests_complete "$T/expected" "$2" | awk '
		/^VXF-TEST-BEGIN / { printf "B%s ", $2; next }
		/^VXF-TEST-END / { printf "E%s ", $3; next }
		/^Subtest / { r = $3; printf "%s:%s ", substr($2, 1, length($2) - 1), r }')
	got=${got% }
	if [ "$got" = "$3" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $3"
		echo "  got:  $got"
		bad=1
	fi
}
printf '%s\n' "domu1/t 1 a" "domu1/t 1 b" "domu1/t 1 c" "domu2/t 2 d" \
	"dom0/pair 1,2 p" "domu3/t 3 x" >"$T/expected"
printf '%s\n' 'VXF-TEST-BEGIN dom0/pair' 'Subtest p: SUCCESS (1s)' \
	'VXF-TEST-END dom0/pair rc=0' 'VXF-TEST-BEGIN domu3/t' \
	'Subtest x: SUCCESS (1s)' 'VXF-TEST-END domu3/t rc=0' \
	'VXF-TEST-BEGIN domu1/t' 'Subtest a: SUCCESS (1s)' 'Subtest b: SKIP (0s)' \
	'Subtest c: FAIL (1s)' 'VXF-TEST-END domu1/t rc=1' 'VXF-TEST-BEGIN domu2/t' \
	'Subtest d: SUCCESS (1s)' 'VXF-TEST-END domu2/t rc=0' >"$T/whole"
complete "a whole run is left as it was" "" \
	"Bdom0/pair p:SUCCESS Erc=0 Bdomu3/t x:SUCCESS Erc=0 Bdomu1/t a:SUCCESS b:SKIP c:FAIL Erc=1 Bdomu2/t d:SUCCESS Erc=0" <"$T/whole"
# the soak's run of 2026-12-06: domU 1 died before its tests, and dom0's
# post payload ended before it printed anything (its pair check, domU 3)
printf '%s\n' 'VXF-TEST-BEGIN domu2/t' 'Subtest d: SUCCESS (1s)' \
	'VXF-TEST-END domu2/t rc=0' >"$T/lost"
complete "domU 1 dead, dom0's checks lost: domU 1's and the pair's SKIP, domU 3's FAIL" "1" \
	"Bdomu2/t d:SUCCESS Erc=0 Bdomu1/t a:SKIP b:SKIP c:SKIP Erc=77 Bdom0/pair p:SKIP Erc=77 Bdomu3/t x:FAIL Erc=1" <"$T/lost"
complete "no death, results lost: every missing one FAILs" "" \
	"Bdomu2/t d:SUCCESS Erc=0 Bdomu1/t a:FAIL b:FAIL c:FAIL Erc=1 Bdom0/pair p:FAIL Erc=1 Bdomu3/t x:FAIL Erc=1" <"$T/lost"
printf '%s\n' 'VXF-TEST-BEGIN domu1/t' 'Subtest a: SUCCESS (1s)' \
	'Starting subtest: b' >"$T/cut"
complete "a section cut short by its domU's death: the rest SKIP, the section closed" "1" \
	"Bdomu1/t a:SUCCESS b:SKIP c:SKIP Erc=77 Bdomu2/t d:FAIL Erc=1 Bdom0/pair p:SKIP Erc=77 Bdomu3/t x:FAIL Erc=1" <"$T/cut"
complete "a section cut short, no death: the rest FAIL" "" \
	"Bdomu1/t a:SUCCESS b:FAIL c:FAIL Erc=1 Bdomu2/t d:FAIL Erc=1 Bdom0/pair p:FAIL Erc=1 Bdomu3/t x:FAIL Erc=1" <"$T/cut"

# 17. xen_sections_merge: a section is taken from an attempt whose domUs
# lived through it and that gave it whole (the last such with a FAIL,
# else the last); check succeeds when every section was given so.
# merged CASE WANT-CHECK WANT WANT-ERR F1 RAW1 ...: WANT as complete's,
# of the merge of $T/last; WANT-ERR the sections taken from earlier
# attempts ("SECTION@N ..."); WANT-CHECK 0 or 1, check's status
merged() {
	local got err chk
	n=$((n + 1))
	xen_sections_merge check "$T/expected" "${@:5}" 2>/dev/null
	chk=$?
	got=$(xen_sections_merge merge "$T/expected" "${@:5}" <"$T/last" 2>"$T/err" | awk '
		/^VXF-TEST-BEGIN / { printf "B%s ", $2; next }
		/^VXF-TEST-END / { printf "E%s ", $3; next }
		/^Subtest / { r = $3; printf "%s:%s ", substr($2, 1, length($2) - 1), r }')
	got=${got% }
	err=$(sed 's/^xen-merge: //; s/: attempt /@/' "$T/err" | tr '\n' ' ')
	err=${err% }
	if [ "$got" = "$3" ] && [ "$err" = "$4" ] && [ "$chk" = "$2" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: check $2; $3; taken: $4"
		echo "  got:  check $chk; $got; taken: $err"
		bad=1
	fi
}
# attempt 1: domU 2 died in d; domU 1 and 3 whole, the pair check failed
printf '%s\n' 'VXF-TEST-BEGIN domu1/t' 'Subtest a: SUCCESS (1s)' 'Subtest b: SKIP (0s)' \
	'Subtest c: SUCCESS (1s)' 'VXF-TEST-END domu1/t rc=0' 'VXF-TEST-BEGIN domu2/t' \
	'Starting subtest: d' 'VXF-TEST-BEGIN dom0/pair' 'Subtest p: FAIL (1s)' \
	'VXF-TEST-END dom0/pair rc=1' 'VXF-TEST-BEGIN domu3/t' 'Subtest x: SUCCESS (1s)' \
	'VXF-TEST-END domu3/t rc=0' >"$T/a1"
# attempt 2 (the last): domU 1 died after a; its finished lines ($T/last)
printf '%s\n' 'VXF-TEST-BEGIN domu1/t' 'Subtest a: SUCCESS (1s)' 'Starting subtest: b' \
	'VXF-TEST-BEGIN domu2/t' 'Subtest d: SUCCESS (1s)' 'VXF-TEST-END domu2/t rc=0' \
	'VXF-TEST-BEGIN dom0/pair' 'Subtest p: FAIL (1s)' 'VXF-TEST-END dom0/pair rc=1' \
	'VXF-TEST-BEGIN domu3/t' 'Subtest x: SUCCESS (1s)' 'VXF-TEST-END domu3/t rc=0' >"$T/a2"
printf '%s\n' 'VXF-TEST-BEGIN domu1/t' 'Subtest a: SUCCESS (1s)' \
	'Subtest b: SKIP (emulator fault)' 'Subtest c: SKIP (emulator fault: not run)' \
	'VXF-TEST-END domu1/t rc=77' 'VXF-TEST-BEGIN domu2/t' 'Subtest d: SUCCESS (1s)' \
	'VXF-TEST-END domu2/t rc=0' 'VXF-TEST-BEGIN dom0/pair' \
	'Subtest p: SKIP (emulator fault) (1s)' 'VXF-TEST-END dom0/pair rc=0' \
	'VXF-TEST-BEGIN domu3/t' 'Subtest x: SUCCESS (1s)' 'VXF-TEST-END domu3/t rc=0' >"$T/last"
merged "domU 1 from attempt 1, domU 2 from 2; the pair, never whole, as the last left it" 1 \
	"Bdomu1/t a:SUCCESS b:SKIP c:SUCCESS Erc=0 Bdomu2/t d:SUCCESS Erc=0 Bdom0/pair p:SKIP Erc=0 Bdomu3/t x:SUCCESS Erc=0" \
	"domu1/t@1" 2 "$T/a1" 1 "$T/a2"
merged "an attempt run again for something else gives nothing" 1 \
	"Bdomu1/t a:SUCCESS b:SKIP c:SKIP Erc=77 Bdomu2/t d:SUCCESS Erc=0 Bdom0/pair p:SKIP Erc=0 Bdomu3/t x:SUCCESS Erc=0" \
	"" - "$T/a1" 1 "$T/a2"
merged "one attempt: the last's lines as they were" 1 \
	"Bdomu1/t a:SUCCESS b:SKIP c:SKIP Erc=77 Bdomu2/t d:SUCCESS Erc=0 Bdom0/pair p:SKIP Erc=0 Bdomu3/t x:SUCCESS Erc=0" \
	"" 1 "$T/a2"
sed 's/^Subtest x: SUCCESS/Subtest x: FAIL/; s/domu3\/t rc=0/domu3\/t rc=1/' "$T/a1" >"$T/a1x"
merged "a failure in a section a domU lived through is kept, though a later attempt passed" 1 \
	"Bdomu1/t a:SUCCESS b:SKIP c:SUCCESS Erc=0 Bdomu2/t d:SUCCESS Erc=0 Bdom0/pair p:SKIP Erc=0 Bdomu3/t x:FAIL Erc=1" \
	"domu1/t@1 domu3/t@1" 2 "$T/a1x" 1 "$T/a2"
grep -v '^Subtest c:' "$T/a1" >"$T/a1c"
merged "a section with a result missing is not whole" 1 \
	"Bdomu1/t a:SUCCESS b:SKIP c:SKIP Erc=77 Bdomu2/t d:SUCCESS Erc=0 Bdom0/pair p:SKIP Erc=0 Bdomu3/t x:SUCCESS Erc=0" \
	"" 2 "$T/a1c" 1 "$T/a2"
# attempt 3: no death but domU 3, which died before its tests
grep -v 'domu3\|Subtest x' "$T/a1" | sed 's/^Starting subtest: d$/Subtest d: SUCCESS (1s)\nVXF-TEST-END domu2\/t rc=0/; s/^Subtest p: FAIL/Subtest p: SUCCESS/; s/pair rc=1/pair rc=0/' >"$T/a3"
: >"$T/empty"
merged "every section whole in some attempt: check succeeds" 0 \
	"Bdomu1/t a:SUCCESS b:SKIP c:SUCCESS Erc=0 Bdomu2/t d:SUCCESS Erc=0 Bdom0/pair p:SUCCESS Erc=0 Bdomu3/t x:SUCCESS Erc=0" \
	"domu1/t@2 dom0/pair@2" 2 "$T/a1" 3 "$T/a3" "1 2" "$T/empty" 1 "$T/a2"

# 18. xen_run_attempts with XEN_RUN_ENOUGH: an attempt the emulator would
# be run again for is not when the command says the attempts so far gave
# enough; each attempt's faulted domUs are kept (an attempt run again for
# a deaf vCPU as "-"). The fake xen-run.sh of case 12; xen_deaths is
# played: domU 1 dies of the emulator on every attempt but a deaf one.
# enough CASE RUNS COMMAND WANT: WANT is "attempts retries stop-lines
# faulted-per-attempt"
enough() {
	local got
	n=$((n + 1))
	printf '%s\n' "$2" >"$T/runs"
	got=$(
		xen_deaths() { grep -q deaf "$T/out" || echo "1 vxf-domu1 vmrun-resume emulator e008:0"; }
		s=$T/xen-18-$n
		: >"$s.console.log"
		XEN_LIB_DIR=$T/lib
		echo "0.50 0.50 0.50 1/100 1" >"$T/loadavg"
		FAKE_RUNS=$T/runs FAKE_STEM=$s FAKE_SCALES=/dev/null XEN_LOADAVG=$T/loadavg XEN_NPROC=2 \
			XEN_RUN_ENOUGH=$3 xen_run_attempts 3 "$T/out" test 2>"$T/err"
		echo "$XEN_RUN_ATTEMPT $XEN_RETRIES $(grep -c '^test: attempt [0-9]*: emulator fault in domid(s) 1 : the attempts so far gave every part whole: not running again$' "$T/err") $(for i in "${!XEN_ATTEMPT_FAULTED_NAMES[@]}"; do printf '%s=%s,' "$i" "${XEN_ATTEMPT_FAULTED_NAMES[i]% }"; done)")
	if [ "$got" = "$4" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $4 (attempts retries stop-lines faulted)"
		echo "  got:  $got"
		bad=1
	fi
}
enough "enough after the first attempt: not run again" '2 -
0 -' true "1 0 1 1=vxf-domu1,"
enough "never enough: run again up to the attempts" '2 -
2 -
2 -' false "3 2 0 1=vxf-domu1,2=vxf-domu1,3=vxf-domu1,"
enough "an attempt run again for a deaf vCPU gives no faulted list" '2 deaf
2 -' true "2 1 1 1=-,2=vxf-domu1,"

# 19. scripts/qemu-probe.py --judge: which vCPU of two probes 15 s apart
# is deaf. The probe of a Xen run that hung (2026-12-06): Xen's CPU 0
# spinning on a lock with interrupts enabled and the TLB-flush IPI (253)
# and its timer (250) pending, never taken; CPU 1 waiting for that IPI.
# judge CASE SED WANT: the probe edited by SED (its cpu lines of probe 2
# when the expression begins with "2"), WANT the deaf lines' "cpu N:"
# words and first four words after them (none: "-")
cpu0='cpu 0: HLT=0 IF=1 II=0 RIP=ffff82d040230c62; LVTT 0x000000fa active-hi edge one-shot Fixed (vec 250) Timer DCR=0xb (divide by 1) initial_count = 967146 current_count = 0 ISR (none) IRR 250 253 APR 0x00 TPR 0x10 DFR 0x0f LDR 0x01 PPR 0x10'
cpu1='cpu 1: HLT=0 IF=1 II=0 RIP=ffff82d0403229aa; LVTT 0x000000fa active-hi edge one-shot Fixed (vec 250) Timer DCR=0xb (divide by 1) initial_count = 2296297 current_count = 0 ISR (none) IRR (none) APR 0x01 TPR 0x10 DFR 0x0f LDR 0x02 PPR 0x10'
judge() {
	local got p1 p2
	n=$((n + 1))
	p1=$(printf '%s\n' "${J0:-$cpu0}" "${J1:-$cpu1}")
	p2=$p1
	case "$2" in
	2*) p2=$(sed "${2#2}" <<<"$p2") ;;
	?*) p1=$(sed "$2" <<<"$p1"); p2=$(sed "$2" <<<"$p2") ;;
	esac
	printf 'xen-run: probe| %s\n' 'probe 1 at 19:12:35' "$p1" 'probe 2 at 19:12:50' "$p2" >"$T/probe"
	got=$(python3 "$XEN_LIB_DIR/qemu-probe.py" --judge "$T/probe" | awk '{ print $2, $3, $4, $5, $6, $7 }' | tr '\n' ';')
	if [ "${got:--}" = "$3" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "  want: $3"
		echo "  got:  ${got:--}"
		bad=1
	fi
}
judge "a running vCPU with a pending vector above its priority, never taken: deaf" "" \
	"cpu 0: running with interrupts enabled;"
judge "the same, its RIP moved between the probes: not deaf" "2s/RIP=ffff82d040230c62/RIP=ffff82d040230c65/" "-"
judge "the same, the vector taken between the probes: not deaf" "2s/IRR 250 253/IRR 253/" "-"
judge "a vector pending at its priority class or below: not deaf" "s/IRR 250 253 APR 0x00 TPR 0x10/IRR 250 APR 0x00 TPR 0xf0/; s/PPR 0x10/PPR 0xf0/" "-"
judge "interrupts disabled: not deaf" "s/cpu 0: HLT=0 IF=1/cpu 0: HLT=0 IF=0/" "-"
judge "in an interrupt shadow: not deaf" "s/IF=1 II=0 RIP=ffff82d040230c62/IF=1 II=1 RIP=ffff82d040230c62/" "-"
judge "halted, a vector in service: deaf" "s/cpu 1: HLT=0/cpu 1: HLT=1/; s/ISR (none) IRR (none) APR 0x01/ISR 251 IRR (none) APR 0x01/; s/IRR 250 253/IRR (none)/" \
	"cpu 1: halted with interrupts enabled;"
judge "halted, nothing in service, a vector pending: not claimed" "s/cpu 0: HLT=0/cpu 0: HLT=1/" "-"

# The probe of a virtio-gpu VM that hung (2026-12-06, vk-map-revokes in a
# loop): its CPU 0 halted with its one-shot APIC timer run out and no
# vector raised (RCU: "timer wakeup didn't happen"); CPU 1 counting down.
J0='cpu 0: HLT=1 IF=1 II=0 RIP=ffffffff9f8e705f; LVTTHMR 0x00010000 active-hi edge masked Fixed (vec 0) LVTT 0x000000ec active-hi edge one-shot Fixed (vec 236) Timer DCR=0x3 (divide by 16) initial_count = 4138 current_count = 0 ISR (none) IRR (none) APR 0x00 TPR 0x10 DFR 0x0f LDR 0x00 PPR 0x10'
J1='cpu 1: HLT=1 IF=1 II=0 RIP=ffffffff9f8e705f; LVTTHMR 0x00010000 active-hi edge masked Fixed (vec 0) LVTT 0x000000ec active-hi edge one-shot Fixed (vec 236) Timer DCR=0x3 (divide by 16) initial_count = 237273 current_count = 141311 ISR (none) IRR (none) APR 0x01 TPR 0x10 DFR 0x0f LDR 0x00 PPR 0x10'
judge "halted, its one-shot timer run out, no vector raised: deaf" "2s/current_count = 141311/current_count = 108160/" \
	"cpu 0: halted with interrupts enabled;"
judge "the same, the timer programmed again between the probes: not deaf" "2s/initial_count = 4138 current_count = 0/initial_count = 250000 current_count = 120000/" "-"
judge "the timer masked (no event left): not deaf" "s/LVTT 0x000000ec active-hi edge one-shot/LVTT 0x000100ec active-hi edge masked one-shot/" "-"
judge "a zero initial count (the timer stopped): not deaf" "s/initial_count = 4138/initial_count = 0/" "-"
judge "the timer periodic: not deaf" "s/LVTT 0x000000ec active-hi edge one-shot/LVTT 0x000200ec active-hi edge periodic/" "-"
judge "its vector pending, not yet taken: not claimed" "s/current_count = 0 ISR (none) IRR (none) APR 0x00/current_count = 0 ISR (none) IRR 236 APR 0x00/" "-"
judge "running: not deaf" "s/cpu 0: HLT=1/cpu 0: HLT=0/" "-"
judge "interrupts disabled: not deaf" "s/cpu 0: HLT=1 IF=1/cpu 0: HLT=1 IF=0/" "-"
unset J0 J1

echo "1..$n"
exit $bad
