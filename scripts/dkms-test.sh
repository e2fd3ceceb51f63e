#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that dkms.conf works: dkms add, build and install the module for
# the cached Debian 6.12 headers, using private DKMS trees under
# .cache/dkms/ (the host's /var/lib/dkms, /usr/src and /lib/modules are not
# touched), then boot the VM with the DKMS-installed module and check that
# it is loaded, and that it is the driver alone, as distros ship it: no
# test module installed, no /dev/vxf-loop, no test hooks (inject_*
# parameters, <debugfs>/vxf/allocations).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
DK="$TOP/.cache/dkms"

die() { echo "dkms-test: ERROR: $*" >&2; exit 1; }

command -v dkms >/dev/null || die "dkms missing (make deps)"
"$TOP/scripts/kernels.sh" >/dev/null
# shellcheck source=/dev/null
. "$TOP/.cache/kernels/env.sh"
# shellcheck source=scripts/dkms-lib.sh
. "$TOP/scripts/dkms-lib.sh"

NAME=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$TOP/dkms.conf")
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
if [ -z "$NAME" ] || [ -z "$VER" ]; then
	die "no PACKAGE_NAME/PACKAGE_VERSION in dkms.conf"
fi

rm -rf "$DK"
SRC="$DK/source/$NAME-$VER"
mkdir -p "$SRC" "$DK/tree" "$DK/install/$KVER_612"
# what a source package would ship: no build products, no caches
(cd "$TOP" && tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='modules.order' \
	--exclude='Module.symvers' dkms.conf VERSION Kbuild drivers include) |
	tar -x -C "$SRC"

dkms_private_install "$NAME" "$VER" "$DK/source" "$DK" || die "dkms failed (above)"
KO=$DKMS_KO
echo "dkms-test: installed $KO"
extra=$(find "$DK/install/$KVER_612" -name '*.ko*' ! -name "$NAME.ko*")
[ -z "$extra" ] || die "dkms install left more than the driver: $extra"

mkdir -p "$TOP/.cache/logs"
# shellcheck disable=SC2016 # the payload is expanded by the guest's shell
out=$("$TOP/scripts/vm-run.sh" --timeout "${VM_TIMEOUT:-300}" \
	--log "$TOP/.cache/logs/dkms-vm.console.log" "$KO" \
	'grep "^virtio_xen_fault " /proc/modules && echo DKMS-MODULE-LOADED
	 for f in /dev/vxf-loop /sys/module/virtio_xen_fault/parameters/inject_map \
		  /sys/kernel/debug/vxf/allocations; do
		[ -e $f ] && echo "DKMS-TEST-PART $f"
	 done; true')
echo "$out"
grep -q '^DKMS-MODULE-LOADED$' <<<"$out" || die "DKMS module not loaded in the VM"
if grep -q '^DKMS-TEST-PART ' <<<"$out"; then
	die "the DKMS module carries test parts: $(grep '^DKMS-TEST-PART ' <<<"$out" | tr '\n' ' ')"
fi
echo "dkms-test: OK"
