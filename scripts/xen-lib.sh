# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
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

XEN_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# xen_run_attempts ATTEMPTS OUTPUT WHO XEN-RUN-OPTIONS...: run
# scripts/xen-run.sh with its stdout and stderr in OUTPUT, again (up to
# ATTEMPTS runs in all) only when the run hit an emulator fault; a faulted
# attempt N's output is kept as OUTPUT.N. Sets XEN_RUN_RC (xen-run.sh's
# exit status), XEN_RUN_ATTEMPT (the last attempt's number) and FAULTED (the
# domids the emulator fault hit in the last attempt, space separated).
xen_run_attempts() {
	local attempts=$1 out=$2 who=$3 xlog
	shift 3
	XEN_RUN_ATTEMPT=1
	while :; do
		if "$XEN_LIB_DIR/xen-run.sh" "$@" >"$out" 2>&1; then
			XEN_RUN_RC=0
		else
			XEN_RUN_RC=$?
		fi
		xlog=$(xen_run_log "$out" xen)
		FAULTED=$( { [ -z "$xlog" ] || [ ! -f "$xlog" ] || emulator_faults "$xlog"; } | tr '\n' ' ')
		if [ -z "$FAULTED" ] || [ "$XEN_RUN_ATTEMPT" -ge "$attempts" ]; then
			return 0
		fi
		echo "$who: attempt $XEN_RUN_ATTEMPT: emulator fault in domid(s) $FAULTED (logs ${xlog%.xen.log}.*): running again" >&2
		cp "$out" "$out.$XEN_RUN_ATTEMPT"
		XEN_RUN_ATTEMPT=$((XEN_RUN_ATTEMPT + 1))
	done
}
