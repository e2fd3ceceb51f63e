# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that run scripts/xen-run.sh (xen-suite.sh,
# bench.sh): reading what a run left behind.
#
# QEMU 7.2's nested SVM (TCG) sometimes resumes a domU with the
# hypervisor's own state: the domU then triple-faults with Xen's CS (e008)
# and the address after Xen's VMRUN as its RIP (seen in about half the
# runs before tsc_mode=native, about one in ten since; also with no vxf
# device, also during a domU's boot). No guest can cause that: such a domU
# is an emulator fault, not a result.

# xen_run_log OUTPUT STAGE: the log of STAGE (xen, console, dom0,
# vxf-domu1, ...) of the run whose xen-run.sh output (stdout and stderr)
# is in OUTPUT; nothing if it names no logs
xen_run_log() {
	local stem
	stem=$(sed -n 's/.*logs: \(.*xen-[0-9-]*\)\.\*\.log.*/\1/p' "$1" | tail -n 1)
	[ -z "$stem" ] || echo "$stem.$2.log"
}

# emulator_faults XENLOG: the domids it happened to, one a line
emulator_faults() {
	awk '/\(XEN\) d[0-9]+v[0-9]+ Triple fault/ {
		d = $2; sub(/^d/, "", d); sub(/v.*/, "", d); want = 1; n = 0; next }
	want && /\(XEN\) RIP: +e008:/ { print d; want = 0 }
	want && ++n > 8 { want = 0 }' "$1" | sort -u
}
