#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the driver the way it would be built inside the kernel: copy
# drivers/gpu/virtio-xen-fault/ and our include/ headers into a copy of
# Debian's linux-source-6.12 tree, hook the driver's Kconfig into
# drivers/gpu/Kconfig and its directory into drivers/gpu/Makefile, take
# Debian's 6.12 config with CONFIG_VIRTIO_XEN_FAULT=m and
# CONFIG_VIRTIO_XEN_FAULT_LOOP=y, olddefconfig, modules_prepare, then build
# only drivers/gpu/virtio-xen-fault/.
#
# The prepared tree is cached in .cache/trees/intree-6.12/; a second run
# only refreshes our files and rebuilds the driver.
# Extra arguments are passed to make (e.g. W=1, C=1).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
VER=6.12
TREE="$TOP/.cache/trees/intree-$VER"
DRV=drivers/gpu/virtio-xen-fault

die() { echo "intree: ERROR: $*" >&2; exit 1; }

[ -f "$TOP/$DRV/Kconfig" ] || die "$DRV/Kconfig missing"
[ -f "$TOP/$DRV/Makefile" ] || die "$DRV/Makefile missing"

t0=$(date +%s)
SRC=$("$TOP/scripts/ktree.sh" src "$VER" | tail -n 1)
"$TOP/scripts/kernels.sh" >/dev/null
# shellcheck source=/dev/null
. "$TOP/.cache/kernels/env.sh"
HDR=$KDIR_612

stamp="$(cat "$SRC/.vxf-stamp") $KVER_612 $(gcc-12 --version | head -n 1)"
if [ "$(cat "$TREE/.vxf-stamp" 2>/dev/null || true)" != "$stamp" ]; then
	echo "intree: creating $TREE from $SRC" >&2
	rm -rf "$TREE"
	mkdir -p "$(dirname "$TREE")"
	cp -a "$SRC" "$TREE.tmp"
	mv "$TREE.tmp" "$TREE"
	# hook the driver into drivers/gpu/
	printf '\nsource "%s/Kconfig"\n' "$DRV" >>"$TREE/drivers/gpu/Kconfig"
	# shellcheck disable=SC2016 # a make variable, not a shell one
	printf '\nobj-$(CONFIG_VIRTIO_XEN_FAULT) += virtio-xen-fault/\n' \
		>>"$TREE/drivers/gpu/Makefile"
	# Debian's config, without the signing keys of Debian's build
	cp "$HDR/.config" "$TREE/.config"
	"$TREE/scripts/config" --file "$TREE/.config" \
		--set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY ""
	cp "$HDR/Module.symvers" "$TREE/Module.symvers"
	echo "$stamp" >"$TREE/.vxf-stamp.pending"
fi
t1=$(date +%s)

# refresh our files: the driver directory and our headers
rm -rf "${TREE:?}/$DRV"
cp -a "$TOP/$DRV" "$TREE/$DRV"
find "$TREE/$DRV" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o \
	-name '*.mod.c' -o -name '.*.cmd' -o -name 'modules.order' \) -delete
(cd "$TOP/include" && find . -name '*.h' -print0) |
	while IFS= read -r -d '' h; do
		install -D -m 0644 "$TOP/include/$h" "$TREE/include/$h"
	done

"$TREE/scripts/config" --file "$TREE/.config" \
	--module VIRTIO_XEN_FAULT --enable VIRTIO_XEN_FAULT_LOOP
make -s -C "$TREE" olddefconfig
grep -q '^CONFIG_VIRTIO_XEN_FAULT=m$' "$TREE/.config" ||
	die "CONFIG_VIRTIO_XEN_FAULT=m did not survive olddefconfig (Kconfig dependencies?)"
grep -q '^CONFIG_VIRTIO_XEN_FAULT_LOOP=y$' "$TREE/.config" ||
	die "CONFIG_VIRTIO_XEN_FAULT_LOOP=y did not survive olddefconfig"

make -s -C "$TREE" -j"$(nproc)" modules_prepare
[ -f "$TREE/.vxf-stamp.pending" ] && mv "$TREE/.vxf-stamp.pending" "$TREE/.vxf-stamp"
t2=$(date +%s)

make -C "$TREE" -j"$(nproc)" "$@" "$DRV/"
make -C "$TREE" -j"$(nproc)" "$@" "$DRV/virtio-xen-fault.ko"
[ -f "$TREE/$DRV/virtio-xen-fault.ko" ] || die "no $DRV/virtio-xen-fault.ko"
t3=$(date +%s)
echo "intree: OK $TREE/$DRV/virtio-xen-fault.ko" \
	"(tree $((t1 - t0))s, prepare $((t2 - t1))s, driver $((t3 - t2))s)" >&2
