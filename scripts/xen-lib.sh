# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Sourced by the scripts that run scripts/xen-run.sh (xen-suite.sh,
# xen-demo.sh, bench.sh, xen-soak.sh): reading what a run left behind,
# and running it again when QEMU's emulation, not the driver, killed a
# domain.
#
# Xen 4.17 runs its domUs under QEMU 7.2's nested SVM emulation (TCG),
# which sometimes kills one. Every death of a domain is classified from
# the logs the run keeps (Xen's, the consoles) by xen_deaths below; a
# signature is counted as the emulator's only if no code of the driver
# (nor of its dom0 backend) can have caused it:
#
#   vmrun-resume     Xen reports a triple fault of the domU with Xen's own
#                    code segment (CS e008) and an address in Xen's text
#                    (the instruction after its VMRUN) as the guest's RIP.
#                    QEMU resumed the domU with the hypervisor's register
#                    state: a guest has no descriptor for Xen's selector
#                    and nothing mapped at Xen's addresses, so no guest
#                    code, the driver's included, can be running there.
#                    The rest of the dump is the host state VMRUN saved,
#                    whole: RSP Xen's stack, RAX the VMCB's address, CR3
#                    a Xen page table, RFLAGS 0x246, and CR2 equal to
#                    RIP (the fetch of Xen's next instruction faulted).
#                    (Seen in about half the runs before tsc_mode=native,
#                    about one in ten since; also with no vxf device.)
#   before-module    the domU died (a triple fault in Xen's log or a
#                    kernel fault report on its console) before its init
#                    started loading the driver: its console has no
#                    "VXF-INSMOD-BEGIN .../99-<driver>.ko" line, which
#                    scripts/xen-run.sh's init prints just before that
#                    insmod. Until then no code of the driver ran in that
#                    domU, and the dom0 backend cannot touch its memory
#                    (it can map only pages the driver grants). A run
#                    with no driver (scripts/xen-hv.sh) has the start of
#                    the domU's payload (VXF-DOMU-PAYLOAD-BEGIN) as its
#                    boundary: dom0 lends nothing before it. Seen:
#                    a triple fault at a guest kernel address in early
#                    boot, CS 0010, interrupts off, on the init task's
#                    stack.
#   dom0-before-init dom0's kernel reported a fault (an oops, a panic)
#                    before dom0's init started: its log has no
#                    "VXF-DOM0-INIT-START" line (scripts/xen-run.sh's
#                    dom0 init prints it first) before the report. Until
#                    then no code of the project has run in any domain:
#                    dom0's init starts xenstored and the backend and
#                    creates the domUs, so no domU and no driver exist
#                    yet, and what ran is Debian's kernel on Xen. With
#                    the project's patched Xen (xen/patches/) the same
#                    holds: its new code runs on the DMOPs and the
#                    HVMOP dom0's tools and the domUs call, and on an
#                    HVM domain's nested page faults, none of which
#                    exists before dom0's init (dom0 is PV). Seen: bench's
#                    xen-hv run, "Oops: int3" in enqueue_timer at 3.26 s
#                    of dom0's boot: a static key's INT3 that the kernel
#                    had already patched back (its code bytes show the
#                    restored jump), most likely run from the emulator's
#                    translation of the code before the other vCPU's
#                    write.
#   impossible-rflags the domU's kernel fault report (or Xen's triple
#                    fault dump) shows an RFLAGS value no x86-64 CPU can
#                    hold: bit 1 clear, or one of the reserved bits 3, 5,
#                    15, 22-63 set (Intel SDM vol. 1, 3.4.3; AMD APM vol.
#                    2, 3.1.6). The CPU pushes RFLAGS into the exception
#                    frame itself, and no instruction (POPF, IRET, SYSRET,
#                    VMRUN's checks) can load such a value into the
#                    register: only an emulator bug can put it there.
#                    Seen: a double fault in __cond_resched during fork.
#                    Counted too in a domU that lived on to its end, if
#                    the report xen-run.sh fails the run on (a WARNING
#                    included) shows it, the run is made again as for
#                    a death. Seen: "WARNING: ... at
#                    arch/x86/kernel/traps.c:1120 exc_debug_kernel"
#                    (a single-step #DB in kernel code, which Linux never
#                    single-steps) in xen-suite's domU 1, its handler's
#                    RFLAGS 0x06000002 and the interrupted code's
#                    0x06000f42 (reserved bits 25 and 26, with TF, DF
#                    and OF, in __kmalloc_cache_node_noprof during a
#                    fork), after which its subtests all passed.
#   idle-wakeup      Xen reports a triple fault of the domU at a guest
#                    kernel address (CS 0010) within the idle loop's halt,
#                    pv_native_safe_halt (its address from the domU's
#                    /proc/kallsyms: the "VXF-KSYM-IDLE-HALT" line of
#                    xen-run.sh's init), with interrupts enabled (RFLAGS
#                    bit 9). The vCPU was idle: the last instruction it
#                    ran was STI; HLT, which cannot fault, and Xen woke it
#                    by injecting an interrupt at VMRUN, the emulated path
#                    vmrun-resume dies on. A triple fault there means that
#                    delivering the interrupt failed, then delivering #DF
#                    failed: both read only the IDT (mapped read-only
#                    since Linux 4.15, both aliases), the GDT (the CPU
#                    uses its read-only alias) and the per-CPU entry
#                    stacks, none of which the driver names; a corruption
#                    of those would not pick the idle loop out of every
#                    place an interrupt arrives, and KASAN runs of the
#                    same driver code (make check's debug kernel) would
#                    report it. Seen: bench-xen, domU 1, RIP
#                    0010:ffffffff81ce705f (the byte after HLT), RFLAGS
#                    0x212, after the driver loaded.
#   kernel-text      Xen reports a triple fault of the domU at a guest
#                    kernel address (CS 0010) inside the core kernel's
#                    text (between _stext and _etext, from the domU's
#                    /proc/kallsyms: the "VXF-KSYM-TEXT" line), not in
#                    a module, and the domU's console has no kernel
#                    fault report. A triple fault is the CPU failing to
#                    deliver #DF after failing to deliver another event.
#                    Linux delivers #DF on its own IST stack through the
#                    IDT and GDT, mapped read-only in the per-CPU entry
#                    area: a bad kernel stack, a wild pointer, a bad
#                    page, the driver's or anyone's, ends in a #PF or #GP
#                    that is delivered and printed (an oops), or in a #DF
#                    that the kernel's handler prints ("double fault",
#                    "kernel stack overflow") before it panics; a panic
#                    is reported to Xen as a crash, not a triple fault.
#                    The driver writes no kernel page table, no
#                    descriptor table and no TSS, and maps grants only
#                    over pages it took out of the kernel's hands
#                    (gnttab_alloc_pages); a random corruption of the
#                    entry area would not leave every other vCPU and
#                    every earlier event intact, and the debug kernel's
#                    KASAN runs of the same code would see it. What is
#                    left is the emulator's nested event injection, the
#                    path idle-wakeup and vmrun-resume die on. Seen:
#                    make check's bench-xen in CI, domU 1, RIP
#                    0010:ffffffff810e5ffc (__x64_sys_rt_sigaction+0x7c,
#                    a system call, interrupts enabled), RFLAGS 0x246,
#                    57 s after boot, the driver loaded; xen-suite,
#                    domU 1, 0010:ffffffff8109222f (native_apic_msr_eoi
#                    +0xf, an interrupt's x2APIC EOI write, interrupts
#                    off). A triple fault
#                    in a module's text (the driver's included) stays
#                    unproven.
#   user-mode        Xen reports a triple fault of the domU with a user
#                    code segment (CS 0033, or 0023 for 32-bit code), and
#                    the domU's console has no kernel fault report. User
#                    code runs with the IDT, GDT, TSS and entry stacks
#                    that kernel-text relies on; every exception it
#                    raises is delivered through them to the kernel. A
#                    process that could triple-fault a guest would be a
#                    denial of service by any user, a bug in every Linux
#                    guest, and the driver touches none of those
#                    structures (see kernel-text). Seen: xen-suite,
#                    domU 1, RIP 0033:425c7f with RCX equal to RIP (the
#                    instruction after a SYSCALL: the kernel had just
#                    returned to user space), after the driver loaded.
#   stale-int3       the domU's kernel reported an int3 trap ("Oops:
#                    int3") whose Code: line shows, in the byte before the
#                    trapping RIP, an instruction byte other than INT3
#                    (cc): the vCPU ran an INT3 no longer in memory. A
#                    kernel puts INT3 into its text only in text_poke_bp()
#                    (static keys, static calls, jump labels), and
#                    removes it only after every CPU serialised itself in
#                    an IPI, which a CPU in the int3 handler cannot take
#                    before poke_int3_handler() found the patch site and
#                    emulated it: a correct CPU never traps there once
#                    the byte is gone. Only the emulator's stale
#                    translation of the old code can. The driver writes
#                    no kernel text. Seen: xen-hv-suite's replacement
#                    2-vCPU domU, in __schedule with "e9 <3a>" (a jump
#                    patched in place), during its subtests; dom0's early
#                    boot (dom0-before-init below) shows the same.
#
# A domU dom0's payload creates itself may be made again in the same boot
# when it died before its end (scripts/xen-hv.sh's suite_domu: dom0 prints
# "VXF-DOMU-REPLACED NAME domid=N by NEWNAME" and creates NEWNAME): if its
# death has one of the signatures above, it is "replaced", a retry already
# made (xen_run_attempts counts it), not a reason to boot again; if not,
# it fails the run like any other death.
#
# Every other death is not proven to be the emulator's and fails the run:
#   triple-fault     a triple fault at a guest address after the driver
#                    began loading (but for idle-wakeup, kernel-text and
#                    user-mode): in a module, or after a kernel fault
#                    report, or with no VXF-KSYM-TEXT line to place it
#   kernel-fault     a kernel fault report (panic, oops, BUG, double
#                    fault...) on the domU's console after that
#   unfinished       the domU never reached its end (no VXF-DOMU-DONE; for
#                    xen-suite's domU 3 no faults held; for a domU
#                    xen-hv.sh's dom0 destroys on purpose, no
#                    VXF-DOMU-ENDED line of dom0's) with no report of
#                    why: a timeout, a hang, a run cut short, a silent death
#   dom0-kernel, dom0-process, xen-panic: dom0's kernel (once its init
#                    had started) or one of its processes crashed, or Xen
#                    itself panicked

# xen_run_log OUTPUT STAGE: the log of STAGE (xen, console, dom0,
# vxf-domu1, ...) of the run whose xen-run.sh output (stdout and stderr)
# is in OUTPUT; nothing if it names no logs
xen_run_log() {
	local stem
	stem=$(sed -n 's/.*logs: \(.*xen-[0-9-]*\)\.\*\.log.*/\1/p' "$1" | tail -n 1)
	[ -z "$stem" ] || echo "$stem.$2.log"
}

# xen_run_stem OUTPUT: the path of the run's logs without ".STAGE.log"
xen_run_stem() {
	sed -n 's/.*logs: \(.*xen-[0-9-]*\)\.\*\.log.*/\1/p' "$1" | tail -n 1
}

# xen_triple_faults XENLOG: "DOMID CS RIP RFLAGS" for each domU Xen reported
# a triple fault of (from the register dump that follows the report)
xen_triple_faults() {
	awk 'function out() { if (want) print d, cs, rip, fl; want = 0 }
	/\(XEN\) d[0-9]+v[0-9]+ Triple fault/ {
		out(); d = $2; sub(/^d/, "", d); sub(/v.*/, "", d)
		want = 1; n = 0; cs = "?"; rip = "?"; fl = "?"; next }
	want && /\(XEN\) RIP: / {
		s = $0; sub(/.*RIP: */, "", s); cs = s; sub(/:.*/, "", cs)
		rip = s; sub(/^[^[]*\[<?/, "", rip); sub(/[>\]].*/, "", rip) }
	want && /\(XEN\) RFLAGS: / { s = $0; sub(/.*RFLAGS: */, "", s); sub(/ .*/, "", s); fl = s }
	want && ++n > 12 { out() }
	END { out() }' "$1"
}

# emulator_faults XENLOG: the domids with the vmrun-resume signature, one
# a line
emulator_faults() {
	xen_triple_faults "$1" | awk '$2 == "e008" { print $1 }' | sort -u
}

# rflags_impossible HEX: true if no x86-64 CPU can hold that RFLAGS value
# (bit 1 always reads 1; bits 3, 5, 15 and 22-63 always read 0)
rflags_impossible() {
	local h=${1#0x} v
	case "$h" in '' | *[!0-9a-fA-F]*) return 1 ;; esac
	h=${h#"${h%%[!0]*}"}
	[ ${#h} -le 16 ] || return 0
	v=$((16#${h:-0}))
	(((v & 0x2) == 0 || (v & 0x8028) != 0 || (v >> 22) != 0))
}

# idle_wakeup "CS:RIP rflags FL" CONSOLE: true if a guest triple fault at
# CS:RIP with RFLAGS FL is the idle-wakeup signature: kernel CS, interrupts
# enabled, RIP within the first 32 bytes of pv_native_safe_halt as the
# domU's "VXF-KSYM-IDLE-HALT ADDR" line gives it
idle_wakeup() {
	local cs=${1%%:*} rip fl sym d
	rip=${1#*:}
	rip=${rip%% *}
	fl=${1##* }
	sym=$(sed -n 's/^VXF-KSYM-IDLE-HALT \([0-9a-f]\{16\}\)$/\1/p' <<<"$2" | head -n 1)
	[ "$cs" = 0010 ] && [ -n "$sym" ] || return 1
	case "$rip$fl" in *[!0-9a-fA-F]*) return 1 ;; esac
	[ ${#rip} -eq 16 ] && [ ${#fl} -le 16 ] || return 1
	# (same high half: the kernel's text is far below 2^63 apart)
	[ "${rip:0:8}" = "${sym:0:8}" ] || return 1
	d=$((16#${rip:8} - 16#${sym:8}))
	((d >= 0 && d < 32 && (16#${fl#0x} & 0x200) != 0))
}

# kernel_text "CS:RIP rflags FL" CONSOLE: true if a guest triple fault at
# CS:RIP is in the core kernel's text: kernel CS, RIP in [_stext, _etext)
# as the domU's "VXF-KSYM-TEXT START END" line gives them
kernel_text() {
	local cs=${1%%:*} rip line lo hi
	rip=${1#*:}
	rip=${rip%% *}
	line=$(sed -n 's/^VXF-KSYM-TEXT \([0-9a-f]\{16\}\) \([0-9a-f]\{16\}\)$/\1 \2/p' <<<"$2" | head -n 1)
	[ "$cs" = 0010 ] && [ -n "$line" ] || return 1
	lo=${line% *}
	hi=${line#* }
	case "$rip" in *[!0-9a-fA-F]*) return 1 ;; esac
	[ ${#rip} -eq 16 ] || return 1
	rip=${rip,,}
	# fixed-width lowercase hex: string order is numeric order (bash
	# arithmetic is signed 64-bit, and these addresses are above 2^63)
	[[ ! "$rip" < "$lo" ]] && [[ "$rip" < "$hi" ]]
}

# module_text_place "CS:RIP rflags FL" CONSOLE: "NAME FUNC+0xN" if RIP is
# in the driver's text, which the domU's "VXF-KSYM-MODULE NAME 0xSTART"
# line places, measured and named by the in-tree build of the module
# (XEN_DEATH_KO): a triple fault there stays a failure, but says where
module_text_place() {
	local rip line name start ko size off a sec n fn best=-1 bestfn
	rip=${1#*:}
	rip=${rip%% *}
	rip=${rip,,}
	line=$(sed -n 's/^VXF-KSYM-MODULE \([a-z0-9_]*\) 0x\([0-9a-f]\{16\}\)$/\1 \2/p' <<<"$2" | head -n 1)
	[ -n "$line" ] && [ ${#rip} -eq 16 ] || return 1
	case "$rip" in *[!0-9a-f]*) return 1 ;; esac
	name=${line% *}
	start=${line#* }
	ko=${XEN_DEATH_KO:-$XEN_LIB_DIR/../drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko}
	size=$(objdump -h "$ko" 2>/dev/null | awk '$2 == ".text" { print $3; exit }')
	[ -n "$size" ] && [ "${rip:0:8}" = "${start:0:8}" ] || return 1
	off=$((16#${rip:8} - 16#${start:8}))
	((off >= 0 && off < 16#$size)) || return 1
	# the last function of .text that starts at or below the offset
	while read -r a _ _ sec _ fn; do
		# (__pfx_*: the padding before a function, not one)
		[ "$sec" = .text ] && [ -n "$fn" ] && [ "${fn#__pfx_}" = "$fn" ] || continue
		n=$((16#$a))
		if ((n <= off && n > best)); then
			best=$n
			bestfn=$fn
		fi
	done < <(objdump -t "$ko" 2>/dev/null | awk '$3 == "F" { print $1, $2, $3, $4, $5, $6 }')
	if ((best >= 0)); then
		printf '%s %s+0x%x\n' "$name" "$bestfn" $((off - best))
	else
		printf '%s .text+0x%x\n' "$name" "$off"
	fi
}

# xen_domains STEM: "DOMID NAME" for every domU the run created (xen-run.sh's
# vxf-domuN, xen-suite-dom0.sh's domU 3 and its restored copy, the domUs
# scripts/xen-hv.sh's dom0 creates: "dom0| VXF-DOMU-CREATED NAME domid=N")
xen_domains() {
	local c="$1.console.log"
	[ -f "$c" ] || return 0
	sed -n 's/^VXF-DOMU-CREATED \(vxf-domu[0-9]*\) domid=\([0-9]*\).*/\2 \1/p' "$c"
	sed -n 's/^dom0| VXF-DOMU-CREATED \(vxf-[a-z0-9]*\) domid=\([0-9]*\).*/\2 \1/p' "$c"
	sed -n 's/^dom0| xen-suite: domu3 (domid \([0-9]*\)) created.*/\1 vxf-domu3/p' "$c"
	sed -n 's/^dom0| xen-suite: domu3 saved and restored: domid [0-9]* -> \([0-9]*\) .*/\1 vxf-domu3/p' "$c"
}

# xen_domu_console STEM NAME: that domU's console as the run kept it
# (xen-run.sh's own log, or the copy dom0's payload printed as "domuN| ",
# or as NAME without "vxf-" for the other domUs dom0 created)
xen_domu_console() {
	if [ -f "$1.$2.log" ]; then
		cat "$1.$2.log"
	elif [ -f "$1.console.log" ]; then
		sed -n "s/^dom0| ${2#vxf-}| //p" "$1.console.log"
	fi
}

# the first kernel fault report of a console (on stdin) from its first line
# to its end (the end of the trace, the panic an oops ended in, the next
# harness marker), leaving out the report of QEMU's nested-xstate warning
XEN_KFAULT='Kernel panic|Oops|BUG:|double fault|general protection fault|Unable to handle|kernel stack overflow'
# with the reports that are no death but fail a run (xen-run.sh's patterns)
XEN_KREPORT="$XEN_KFAULT|WARNING:"
# Xen's own panic in its log (xen_deaths, xen_death_report)
XEN_PANIC='Panic on CPU|Xen BUG at'
# (kernel_fault_report RE: the first report that RE, an ERE, begins)
kernel_fault_report() {
	awk -v re="${1:-$XEN_KFAULT}" '/WARNING:.*fpu__init_system_xstate/ { skip = 1 }
		skip && /---\[ end trace/ { skip = 0; next }
		skip { next }
		!on && $0 ~ re { on = 1 }
		on && /^VXF-/ { exit }
		on { print; if (++n >= 80 || /<\/TASK>|---\[ end trace/ ||
			(n > 1 && /Kernel panic - not syncing/)) exit }'
}

# report_head REPORT: the first line of a kernel report, 100 characters at most
report_head() {
	sed -n '1s/^\(.\{1,100\}\).*/\1/p' <<<"$1"
}

# report_rflags REPORT: the first RFLAGS (EFLAGS: HEX) of a kernel report
report_rflags() {
	sed -n 's/.*EFLAGS: \([0-9a-fA-F]*\).*/\1/p' <<<"$1" | sed -n 1p
}

# stale_int3 REPORT: true if the kernel fault report REPORT is an int3
# trap ("Oops: int3") whose Code: line shows no INT3 (cc) in the byte
# before the trapping RIP (the byte "<xx>" marks): the CPU ran an INT3
# that was no longer in memory (see "stale-int3" at the top)
stale_int3() {
	local b
	grep -aq 'Oops: int3' <<<"$1" || return 1
	b=$(sed -n 's/.*Code: \(.* \)\{0,1\}\([0-9a-f][0-9a-f]\) <[0-9a-f][0-9a-f]>.*/\2/p' <<<"$1" | head -n 1)
	[ -n "$b" ] && [ "$b" != cc ]
}

# dom0_before_init DOM0LOG REPORT: true if the first line of dom0's kernel
# fault report REPORT comes before dom0's init printed VXF-DOM0-INIT-START
# in DOM0LOG (or it never did)
dom0_before_init() {
	local first
	first=$(sed -n 1p <<<"$2")
	[ -n "$first" ] || return 1
	awk -v f="$first" '$0 == f { r = 0; exit } /^VXF-DOM0-INIT-START/ { r = 1; exit }
		END { exit (r == "" ? 1 : r) }' "$1"
}

# xen_deaths STEM: every domain death of the run whose logs are STEM.*.log,
# one a line: "DOMID NAME SIGNATURE emulator|replaced|other DETAIL" (see
# the top of this file; DOMID 0 is dom0). "replaced": an emulator
# signature killed a domU that dom0 then made again in the same boot
# ("dom0| VXF-DOMU-REPLACED NAME domid=N by NEWNAME", scripts/xen-hv.sh's
# suite_domu): a retry already made, not a reason for another boot. A
# replaced domU's death not proven the emulator's stays "other".
xen_deaths() {
	local stem=$1 xlog="$1.xen.log" names name ids id tf con rep fl sig cls detail fin place by
	[ -f "$1.console.log" ] || return 0
	tf=$( [ ! -f "$xlog" ] || xen_triple_faults "$xlog")
	names=$(xen_domains "$stem" | awk '{ print $2 }' | sort -u)
	for name in $names; do
		ids=$(xen_domains "$stem" | awk -v n="$name" '$2 == n { print $1 }' | tr '\n' ' ')
		con=$(xen_domu_console "$stem" "$name")
		rep=$(kernel_fault_report <<<"$con")
		fin=0
		grep -aqE '^(VXF-DOMU-DONE|xen_hold_faults: holding [1-9])' <<<"$con" && fin=1
		# (or dom0 destroyed it on purpose once it had done its part)
		grep -aq "^dom0| VXF-DOMU-ENDED $name " "$stem.console.log" && fin=1
		sig=
		# a triple fault of any of its domids (Xen's dump: CS RIP RFLAGS)
		for id in $ids; do
			detail=$(awk -v d="$id" '$1 == d { print $2 ":" $3, "rflags", $4; exit }' <<<"$tf")
			[ -z "$detail" ] || { sig=triple-fault; break; }
		done
		# (a report in a domU that reached its end, a soft lockup or a
		# warning, is no death: xen-run.sh judges it)
		if [ -z "$sig" ] && [ -n "$rep" ] && [ $fin = 0 ]; then
			sig=kernel-fault
			id=${ids%% *}
			detail=$(report_head "$rep")
		fi
		if [ -z "$sig" ] && [ $fin = 0 ]; then
			echo "${ids%% *} $name unfinished other no VXF-DOMU-DONE and no report of why"
			continue
		fi
		# unless the report that fails the run of a domU that lived on
		# shows an RFLAGS no CPU can hold: impossible-rflags below
		if [ -z "$sig" ]; then
			rep=$(kernel_fault_report "$XEN_KREPORT" <<<"$con")
			rflags_impossible "$(report_rflags "$rep")" || continue
			sig=kernel-fault
			id=${ids%% *}
			detail="$(report_head "$rep") (the domU lived on)"
		fi
		cls=other
		if [ "$sig" = triple-fault ] && [ "${detail%%:*}" = e008 ]; then
			sig=vmrun-resume
			cls=emulator
		elif [ "$sig" = triple-fault ] && idle_wakeup "$detail" "$con"; then
			sig=idle-wakeup
			cls=emulator
		elif [ "$sig" = triple-fault ] && [ -z "$rep" ] && kernel_text "$detail" "$con"; then
			sig=kernel-text
			cls=emulator
		elif [ "$sig" = triple-fault ] && [ -z "$rep" ] &&
			{ [ "${detail%%:*}" = 0033 ] || [ "${detail%%:*}" = 0023 ]; }; then
			sig=user-mode
			cls=emulator
		elif [ "$sig" = kernel-fault ] && stale_int3 "$rep"; then
			detail="$detail (no INT3 in memory at the trap)"
			sig=stale-int3
			cls=emulator
		elif ! grep -aqE '^(VXF-INSMOD-(BEGIN|OK|FAIL) .*/99-|VXF-DOMU-PAYLOAD-BEGIN)' <<<"$con"; then
			detail="$detail (before the driver's insmod)"
			sig=before-module
			cls=emulator
		else
			if [ "$sig" = triple-fault ]; then
				fl=${detail##* }
			else
				fl=$(report_rflags "$rep")
			fi
			if [ -n "$fl" ] && rflags_impossible "$fl"; then
				detail="$detail (RFLAGS $fl)"
				sig=impossible-rflags
				cls=emulator
			fi
		fi
		if [ "$cls" = emulator ] &&
			by=$(sed -n "s/^dom0| VXF-DOMU-REPLACED $name domid=$id by \([a-z0-9-]*\).*/\1/p" "$stem.console.log" | head -n 1) &&
			[ -n "$by" ]; then
			cls=replaced
			detail="$detail; made again in the same boot as $by"
		fi
		if [ "$sig" = triple-fault ] && place=$(module_text_place "$detail" "$con"); then
			detail="$detail (in $place)"
		fi
		if [ "$sig" = kernel-fault ] || [ "$sig" = impossible-rflags ]; then
			if grep -aq '\[virtio_xen_fault\]' <<<"$rep"; then
				detail="$detail; driver frames in the report"
			fi
		fi
		echo "$id $name $sig $cls $detail"
	done
	if [ -f "$xlog" ] && grep -aqE "$XEN_PANIC" "$xlog"; then
		echo "0 xen xen-panic other $(grep -aE -m1 "$XEN_PANIC" "$xlog" | cut -c1-100)"
	fi
	if [ -f "$stem.dom0.log" ]; then
		rep=$(kernel_fault_report <"$stem.dom0.log")
		if [ -n "$rep" ]; then
			detail=$(report_head "$rep")
			if dom0_before_init "$stem.dom0.log" "$rep"; then
				echo "0 dom0 dom0-before-init emulator $detail (before dom0's init)"
			else
				echo "0 dom0 dom0-kernel other $detail"
			fi
		elif detail=$(grep -aE -m1 'segfault at|traps: .* trap|malloc\(\)|Assertion .* failed' "$stem.dom0.log"); then
			echo "0 dom0 dom0-process other $(cut -c1-100 <<<"$detail")"
		fi
	fi
	return 0
}

# xen_death_report STEM "DEATH": the report behind one xen_deaths line of
# the run whose logs are STEM.*.log, at most 40 lines: a kernel's fault
# report (dom0's, or the domU's console for kernel-fault and
# impossible-rflags), Xen's panic message and the lines before it, or
# the last 12 lines of an unfinished domU's console (it has no report:
# where it stopped is what there is to say), or nothing (a triple fault's
# dump is in Xen's log). A death the harness cannot call the emulator's
# fails the step, and whoever reads the step's output alone (a CI log's
# tail) has to see what the kernel said.
xen_death_report() {
	local name sig
	read -r _ name sig _ <<<"$2"
	case "$sig" in
	dom0-kernel) kernel_fault_report <"$1.dom0.log" ;;
	kernel-fault | impossible-rflags)
		xen_domu_console "$1" "$name" | kernel_fault_report ;;
	xen-panic) grep -aE -B 30 -A 8 -m1 "$XEN_PANIC" "$1.xen.log" ;;
	unfinished) xen_domu_console "$1" "$name" | tail -n 12 ;;
	esac | head -n 40
}

# xen_subtests_complete EXPECTED "FAULTED" <IGT >IGT: the IGT lines of a
# run (VXF-TEST-BEGIN/END sections) with a result for every subtest the
# run was to give. EXPECTED has one line per subtest, "SECTION EXCUSE
# NAME" (domu1/vxf_loop 1 first-touch): EXCUSE is the comma list of the
# domU indexes whose death by the emulator on the run's last attempt
# excuses a missing result (the domU that ran it; for a dom0 check, the
# domUs it needs). FAULTED is that attempt's list of such domU indexes
# ("1 3"). A subtest with no result line gets one at the end of its
# section, the section added if it never began: "SKIP (emulator fault:
# not run)" if excused, else "FAIL (not run)", so that a run that loses
# results to something else (a dom0 payload that ended early, a test
# binary that died) fails instead of passing with fewer subtests.
xen_subtests_complete() {
	awk -v faulted=" $2 " '
	FNR == NR {
		if (!($1 in excuse)) { order[++nsec] = $1; excuse[$1] = $2 }
		want[$1, ++nwant[$1]] = $3
		next
	}
	function excused(sec,   i, n, d) {
		n = split(excuse[sec], d, ",")
		for (i = 1; i <= n; i++)
			if (index(faulted, " " d[i] " "))
				return 1
		return 0
	}
	# the results SEC still lacks; returns how many of them fail
	function missing(sec,   i, nf) {
		nf = 0
		for (i = 1; i <= nwant[sec]; i++) {
			if ((sec, want[sec, i]) in seen)
				continue
			if (excused(sec)) {
				print "Subtest " want[sec, i] ": SKIP (emulator fault: not run)"
			} else {
				print "Subtest " want[sec, i] ": FAIL (not run)"
				nf++
			}
		}
		done[sec] = 1
		return nf
	}
	# end SEC, which never ended: its missing results, then its end line
	function end_section(sec,   nf) {
		nf = missing(sec)
		print "VXF-TEST-END " sec " rc=" (nf ? 1 : 77)
	}
	/^VXF-TEST-BEGIN / {
		if (open != "" && open in nwant)
			end_section(open)
		open = $2; print; next
	}
	/^Subtest .*: / {
		name = substr($0, 9); sub(/: .*/, "", name)
		seen[open, name] = 1; print; next
	}
	/^VXF-TEST-END / {
		if ($2 in nwant)
			missing($2)
		open = ""; print; next
	}
	{ print }
	END {
		if (open != "" && open in nwant)
			end_section(open)
		for (i = 1; i <= nsec; i++) {
			sec = order[i]
			if (sec in done)
				continue
			print "VXF-TEST-BEGIN " sec
			end_section(sec)
		}
	}' "$1" -
}

# xen_sections_merge MODE EXPECTED F1 RAW1 [F2 RAW2 ...]: the sections of
# a run made several times. EXPECTED is xen_subtests_complete's; RAWn the
# IGT lines of attempt n (its VXF-TEST-BEGIN/END sections; the last
# attempt last) and Fn the domU indexes an emulator signature killed in
# it ("1 3"), or "-" for an attempt that is not to give results. An
# attempt gives a section whole if none of the domUs the section needs
# (its EXCUSE list) died in it and it has the section's end line and a
# result for every subtest the section was to give; of the attempts that
# do, the section is taken from the last with a failed subtest in it
# (FAIL, CRASH, TIMEOUT), else the last: a failure a later attempt did not
# repeat is not lost.
# MODE check: succeed if every section of EXPECTED was given whole by
# some attempt. MODE merge: read the last attempt's finished IGT lines
# (xen_subtests_complete's output) on stdin and print them with each
# section an attempt gave whole taken from that attempt; print on stderr
# one line per section taken from an attempt before the last:
#   xen-merge: SECTION: attempt N
# So a domU the emulator killed on one attempt and not on another gives
# its results once, whatever its siblings did on that attempt.
xen_sections_merge() {
	local mode=$1 expected=$2 n=0
	local -a ops=()
	shift 2
	while [ $# -ge 2 ]; do
		n=$((n + 1))
		ops+=("att=$n" "fl= $1 " "$2")
		shift 2
	done
	awk -v mode="$mode" -v last="$n" '
	att == 0 {
		if (!($1 in excuse)) { order[++nsec] = $1; excuse[$1] = $2 }
		want[$1, ++nwant[$1]] = $3
		next
	}
	FNR == 1 { sec = ""; faulted[att] = fl }
	fl == " - " { next }
	/^VXF-TEST-BEGIN / { sec = $2; text[att, sec] = $0 "\n"; next }
	sec == "" { next }
	{ text[att, sec] = text[att, sec] $0 "\n" }
	/^Subtest .*: / {
		name = substr($0, 9); sub(/: .*/, "", name)
		got[att, sec, name] = 1
		if ($0 ~ /^Subtest [^ ]*: (FAIL|CRASH|TIMEOUT)/)
			failed[att, sec] = 1
	}
	/^VXF-TEST-END / { ended[att, sec] = 1; sec = "" }
	function whole(a, s,   i, k, d) {
		if (!((a, s) in ended))
			return 0
		k = split(excuse[s], d, ",")
		for (i = 1; i <= k; i++)
			if (index(faulted[a], " " d[i] " "))
				return 0
		for (i = 1; i <= nwant[s]; i++)
			if (!((a, s, want[s, i]) in got))
				return 0
		return 1
	}
	# the attempt that gives S whole, or 0
	function giver(s,   a, best) {
		best = 0
		for (a = last; a >= 1; a--) {
			if (!whole(a, s))
				continue
			if ((a, s) in failed)
				return a
			if (!best)
				best = a
		}
		return best
	}
	END {
		if (mode == "check") {
			for (i = 1; i <= nsec; i++)
				if (!giver(order[i]))
					exit 1
			exit 0
		}
		while ((getline line < "/dev/stdin") > 0) {
			if (line ~ /^VXF-TEST-BEGIN /) {
				split(line, f, " ")
				a = (f[2] in excuse) ? giver(f[2]) : 0
				if (a) {
					printf "%s", text[a, f[2]]
					if (a != last)
						printf "xen-merge: %s: attempt %d\n", f[2], a >"/dev/stderr"
					skip = 1
					continue
				}
			}
			if (skip) {
				if (line ~ /^VXF-TEST-END /)
					skip = 0
				continue
			}
			print line
		}
	}' "$expected" "${ops[@]}"
}

XEN_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# xen_time_scale: the factor every time limit of a Xen run is multiplied
# by (scripts/xen-run.sh's hard and stage limits, dom0's waits, the
# guests' hung-task timeout, the IGT subtest timeout): VXF_XEN_TIME_SCALE
# if set, else from the 1-minute load average L on n CPUs: int((L + n - 1)
# / n), 1 to 4 (on 2 CPUs: 1 below a load of 3, 2 below 5, 3 below 7).
# Nested TCG slows down with the load far more than linearly: on 2 CPUs
# with a load average of 13 (other builds), make xen-demo's payload took
# more than 7 minutes instead of under one and the run ended on its
# 600 s hard limit, half done, with nothing wrong. A limit catches a hang;
# a larger one only catches it later.
xen_time_scale() {
	local s
	if [ -n "${VXF_XEN_TIME_SCALE:-}" ]; then
		s=$VXF_XEN_TIME_SCALE
	else
		s=$(awk -v l="$(xen_load)" -v n="$(nproc)" 'BEGIN {
			s = int((l + n - 1) / n); if (s < 1) s = 1; if (s > 4) s = 4; print s }')
	fi
	case "$s" in '' | *[!0-9]* | 0) s=1 ;; esac
	echo "$s"
}

# xen_load: the 1-minute load average (XEN_LOADAVG: another file of
# /proc/loadavg's shape, for scripts/xen-lib-test.sh)
xen_load() {
	cut -d' ' -f1 "${XEN_LOADAVG:-/proc/loadavg}"
}

# xen_load_watch FILE: append xen_load to FILE every 5 s, until killed
xen_load_watch() {
	while :; do
		xen_load >>"$1"
		sleep 5
	done
}

# A Xen run's own QEMU keeps about this much of the load average (-smp 2:
# two vCPU threads, busy while the guests run); the time scale was chosen
# for what the rest of the machine did.
XEN_QEMU_LOAD=2

# xen_load_rescale OUTPUT LOADS: the time scale a failed run needed, if it
# failed on its time limits alone (every "xen-run: FAIL:" line of OUTPUT a
# stage, the domU payload or the hard limit running out, or a marker
# missing after that) while the rest of the machine's load (the highest of
# the load averages in the file LOADS, less XEN_QEMU_LOAD, per CPU, plus
# one half, rounded up) called for a larger scale than the one the run
# chose at its start ("xen-run: time limits xN"). Prints "USED NEED
# MAXLOAD" and succeeds, or fails.
# The half: nested TCG slows down far more than linearly with the load.
# On 2 CPUs, xen-suite's domU payload took 80 to 150 s at a highest load
# of 2.1 to 2.8 (the rest 0.1 to 0.8), 170 s at 3.1, 680 s at 5.5; at 4.0
# (the rest 2.0, a virtio-gpu VM beside it) it ran past its 300 s limit
# (2026-12-06), which the rest's share alone (1.0: x1) did not call for.
xen_load_rescale() {
	local lim='(did not finish|did not come up) within [0-9]+s$|hard timeout after [0-9]+s$'
	local used max need
	grep -aEq "^xen-run: FAIL: .*($lim)" "$1" || return 1
	# (no grep -q at a pipe's end: with pipefail, the writer's SIGPIPE
	# would be the pipe's status)
	[ -z "$(grep -a '^xen-run: FAIL: ' "$1" |
		grep -avE "($lim)|missing VXF-[A-Z0-9-]+ marker$")" ] || return 1
	used=$(sed -n 's/^xen-run: time limits x\([0-9]*\):.*/\1/p' "$1" | head -n 1)
	[ -n "$used" ] || return 1
	max=$(sort -g "$2" 2>/dev/null | tail -n 1)
	[ -n "$max" ] || return 1
	# the rest of the load per CPU plus one half, rounded up (more than
	# half the CPUs' worth of other demand: x2), 1 to 4
	need=$(awk -v m="$max" -v q="$XEN_QEMU_LOAD" -v n="${XEN_NPROC:-$(nproc)}" 'BEGIN {
		o = (m - q) / n + 0.5; s = int(o); if (s < o) s++
		if (s < 1) s = 1; if (s > 4) s = 4; print s }')
	[ "$need" -gt "$used" ] || return 1
	echo "$used $need $max"
}

# death_lines CLASS <DEATHS: "domid D (NAME) SIGNATURE: DETAIL" for each
# xen_deaths line of that class (the retry lines' form)
death_lines() {
	awk -v c="$1" '$4 == c {
		d = $0; for (i = 1; i <= 4; i++) sub(/^[^ ]* /, "", d)
		printf "domid %s (%s) %s: %s\n", $1, $2, $3, d }'
}

# xen_run_attempts ATTEMPTS OUTPUT WHO XEN-RUN-OPTIONS...: run
# scripts/xen-run.sh with its stdout and stderr in OUTPUT, again (up to
# ATTEMPTS runs in all) only when a domain died of an emulator signature
# and of nothing else (xen_deaths); a retried attempt N's output is kept
# as OUTPUT.N. Each retry prints one line on stderr:
#   xen-emulator-retry: WHO: attempt N: domid D (NAME) SIGNATURE: DETAIL[; ...]
# which scripts/check.sh counts; so does each domU dom0 made again in the
# same boot after an emulator signature killed it (xen_deaths' "replaced":
# "...: domid D (NAME) SIGNATURE: DETAIL; made again in the same boot as
# NEWNAME"), which is no reason for another attempt. Sets XEN_RUN_RC (xen-run.sh's exit
# status), XEN_RUN_ATTEMPT (the last attempt's number), XEN_RETRIES (the
# retries made), FAULTED (the domids an emulator signature killed in the
# last attempt, space separated), FAULTED_NAMES (their names) and
# XEN_OTHER_DEATHS (the last attempt's other deaths, xen_deaths lines),
# and XEN_ATTEMPT_FAULTED_NAMES[N] for each attempt N: its FAULTED_NAMES,
# or "-" for an attempt run again for something else (the load, a deaf
# vCPU), whose results are not to be used.
# With XEN_RUN_ENOUGH set to a command, an attempt the emulator would be
# run again for is not when that command succeeds (the caller already has
# what it needs from the attempts so far; xen-suite.sh takes each domU's
# results from an attempt it lived through):
#   WHO: attempt N: emulator fault in domid(s) D: the attempts so far gave every part whole: not running again
# With XEN_RUN_BUDGET set to a number of seconds (times the time scale:
# VXF_XEN_TIME_SCALE, else xen_time_scale's), another attempt for the emulator is not begun when
# the attempts so far and one more as long as the last would pass it, so
# that a step whose domUs die again and again ends in a bounded time:
#   WHO: attempt N: emulator fault in domid(s) D: another attempt would pass the step's budget of Bs (T s so far): not running again
# and sets XEN_RUN_BUDGET_HIT to B (else it is empty).
# A failed run whose probe (scripts/xen-run.sh) found a deaf vCPU, and no
# death but the emulator's and domUs the hang left unfinished, is run
# again the same way ("qemu-apic-deaf-vcpu: ..."); DEAF is the last
# attempt's such line, if any.
# A run that failed on its time limits alone while the rest of the
# machine's load rose beyond what its time scale was chosen for
# (xen_load_rescale; domUs that did not finish are no other death here)
# is run again once with the scale that load calls for, printing
#   xen-load-retry: WHO: attempt N: time limits xA, ...: running again with xB
# XEN_LOAD_RETRIES counts those (0 or 1). On a machine of its own a run's
# load is its own QEMU's, and a hang is never run again for it.
xen_run_attempts() {
	local attempts=$1 out=$2 who=$3 stem deaths why what lw rs d name only_unfinished scale=''
	local t0 ta budget=
	shift 3
	[ -z "${XEN_RUN_BUDGET:-}" ] || budget=$((XEN_RUN_BUDGET * ${VXF_XEN_TIME_SCALE:-$(xen_time_scale)}))
	t0=$SECONDS
	XEN_RUN_BUDGET_HIT=
	XEN_RUN_ATTEMPT=1
	XEN_RETRIES=0
	XEN_LOAD_RETRIES=0
	XEN_ATTEMPT_FAULTED_NAMES=()
	while :; do
		: >"$out.load"
		xen_load_watch "$out.load" >/dev/null 2>&1 &
		lw=$!
		ta=$SECONDS
		if VXF_XEN_TIME_SCALE=${scale:-${VXF_XEN_TIME_SCALE:-}} \
			"$XEN_LIB_DIR/xen-run.sh" "$@" >"$out" 2>&1; then
			XEN_RUN_RC=0
		else
			XEN_RUN_RC=$?
		fi
		# Not before its first sample: a subshell killed before it has
		# dropped the traps it inherited would run the caller's EXIT trap
		# (xen-lib-test's rm -rf of its logs, when a fake run ends at once)
		for _ in $(seq 100); do
			[ ! -s "$out.load" ] || break
			sleep 0.05
		done
		# (its status is SIGTERM's: not an error of the callers' set -e)
		kill "$lw" 2>/dev/null || true
		wait "$lw" 2>/dev/null || true
		xen_load >>"$out.load"
		stem=$(xen_run_stem "$out")
		deaths=$( [ -z "$stem" ] || xen_deaths "$stem")
		FAULTED=$(echo "$deaths" | awk '$4 == "emulator" { print $1 }' | sort -u | tr '\n' ' ')
		FAULTED_NAMES=$(echo "$deaths" | awk '$4 == "emulator" { print $2 }' | sort -u | tr '\n' ' ')
		XEN_OTHER_DEATHS=$(echo "$deaths" | awk '$4 == "other"')
		XEN_ATTEMPT_FAULTED_NAMES[XEN_RUN_ATTEMPT]=$FAULTED_NAMES
		if [ -n "$deaths" ]; then
			echo "$deaths" | sed "s/^/xen-death: $who: attempt $XEN_RUN_ATTEMPT: domid /" >&2
		fi
		# a domU dom0 made again in the same boot after the emulator
		# killed it: a retry, counted as one
		while read -r d; do
			echo "xen-emulator-retry: $who: attempt $XEN_RUN_ATTEMPT: $d" >&2
			XEN_RETRIES=$((XEN_RETRIES + 1))
		done < <(death_lines replaced <<<"$deaths")
		# (what stops the retries: what the kernel or Xen said of it)
		while read -r d; do
			[ -n "$d" ] || continue
			read -r _ name _ <<<"$d"
			xen_death_report "$stem" "$d" |
				sed "s/^/xen-death-report: $who: attempt $XEN_RUN_ATTEMPT: $name| /" >&2
		done <<<"$XEN_OTHER_DEATHS"
		# no death but domUs left unfinished, which a hang or a lack of
		# time explains
		only_unfinished=
		[ -n "$(echo "$XEN_OTHER_DEATHS" | awk '$3 != "unfinished"')" ] ||
			only_unfinished=1
		# what a run that hung waited on (xen-run.sh's dom0 watchdog), and
		# what QEMU said of its vCPUs then (xen-run.sh's probe)
		DEAF=
		if [ "$XEN_RUN_RC" -ne 0 ]; then
			grep -a '^xen-run: watchdog| ' "$out" | head -n 80 >&2 || true
			grep -a '^xen-run: probe| \(deaf\|stalled\) ' "$out" >&2 || true
			DEAF=$(sed -n 's/^xen-run: probe| deaf //p' "$out" | head -n 1)
		fi
		# Run again only for the emulator: an attempt left, and either
		# a domain an emulator signature killed and no other death, or
		# a run that hung on a vCPU QEMU left deaf (scripts/qemu-probe.py:
		# halted with a vector in service, the same signature as the
		# virtio-gpu VM's, scripts/vgpu-run.sh, or with its one-shot
		# APIC timer run out and no vector raised; or running with
		# interrupts enabled and a vector pending above its priority,
		# which an x86 CPU takes before its next instruction) and no
		# death but the emulator's and domUs it left unfinished (a hung
		# Xen runs none of them on): Xen and the kernels acknowledge
		# each interrupt before they handle it and never halt inside a
		# handler, so nothing of the project's can make one.
		if [ "$XEN_RUN_ATTEMPT" -ge "$attempts" ]; then
			return 0
		elif [ -z "$XEN_OTHER_DEATHS" ] && [ -n "$FAULTED" ]; then
			why=$(death_lines emulator <<<"$deaths" |
				awk '{ l = l (l == "" ? "" : "; ") $0 } END { print l }')
			what="emulator fault in domid(s) $FAULTED"
			if [ -n "${XEN_RUN_ENOUGH:-}" ] && $XEN_RUN_ENOUGH; then
				echo "$who: attempt $XEN_RUN_ATTEMPT: $what: the attempts so far gave every part whole: not running again" >&2
				return 0
			fi
		elif [ -n "$DEAF" ] && [ -n "$only_unfinished" ]; then
			why="qemu-apic-deaf-vcpu: $DEAF"
			what="QEMU left a vCPU deaf"
			XEN_ATTEMPT_FAULTED_NAMES[XEN_RUN_ATTEMPT]=-
		# A run that ran out of time while the load rose is run again
		# with larger limits, once; the emulator's deaths in it (retried
		# on their own) do not stop that, other deaths but an unfinished
		# domU do.
		elif [ "$XEN_RUN_RC" -ne 0 ] && [ -z "$scale$DEAF" ] &&
			[ -n "$only_unfinished" ] &&
			rs=$(xen_load_rescale "$out" "$out.load"); then
			read -r _ scale _ <<<"$rs"
			echo "xen-load-retry: $who: attempt $XEN_RUN_ATTEMPT: time limits x${rs%% *}, the load average rose to ${rs##* } (x$scale without this run's QEMU): running again with x$scale" >&2
			cp "$out" "$out.$XEN_RUN_ATTEMPT"
			XEN_ATTEMPT_FAULTED_NAMES[XEN_RUN_ATTEMPT]=-
			XEN_RUN_ATTEMPT=$((XEN_RUN_ATTEMPT + 1))
			XEN_LOAD_RETRIES=$((XEN_LOAD_RETRIES + 1))
			continue
		else
			return 0
		fi
		if [ -n "$budget" ] &&
			[ $((SECONDS - t0 + SECONDS - ta)) -gt "$budget" ]; then
			echo "$who: attempt $XEN_RUN_ATTEMPT: $what: another attempt would pass the step's budget of ${budget}s ($((SECONDS - t0)) s so far): not running again" >&2
			XEN_RUN_BUDGET_HIT=$budget
			return 0
		fi
		echo "xen-emulator-retry: $who: attempt $XEN_RUN_ATTEMPT: $why" >&2
		echo "$who: attempt $XEN_RUN_ATTEMPT: $what (logs $stem.*): running again" >&2
		cp "$out" "$out.$XEN_RUN_ATTEMPT"
		XEN_RUN_ATTEMPT=$((XEN_RUN_ATTEMPT + 1))
		XEN_RETRIES=$((XEN_RETRIES + 1))
	done
}
