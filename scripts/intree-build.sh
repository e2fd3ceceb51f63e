#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the driver the way it would be built inside the kernel: copy
# drivers/gpu/virtio-xen-fault/ and our include/ headers into a copy of
# Debian's linux-source-6.12 tree, hook our top-level Kconfig (which sources
# the driver's) into drivers/gpu/Kconfig, as drivers/gpu/Kconfig.vxf, and
# the driver's directory into drivers/gpu/Makefile, take Debian's 6.12
# config with CONFIG_VIRTIO_XEN_FAULT=m, the test module
# CONFIG_VIRTIO_XEN_FAULT_LOOP=m and the test hooks
# CONFIG_VIRTIO_XEN_FAULT_DEBUG=y, olddefconfig, modules_prepare, then build
# only drivers/gpu/virtio-xen-fault/ (both modules).
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

[ -f "$TOP/Kconfig" ] || die "Kconfig (top-level) missing"
[ -f "$TOP/$DRV/Kconfig" ] || die "$DRV/Kconfig missing"
[ -f "$TOP/$DRV/Makefile" ] || die "$DRV/Makefile missing"

t0=$(date +%s)
TARBALL=/usr/src/linux-source-$VER.tar.xz
[ -f "$TARBALL" ] || die "$TARBALL missing (make deps)"
"$TOP/scripts/kernels.sh" >/dev/null
# shellcheck source=/dev/null
. "$TOP/.cache/kernels/env.sh"
HDR=$KDIR_612

stamp="$(dpkg-query -W -f='${Version}' "linux-source-$VER") $KVER_612 $(gcc-12 --version | head -n 1)"
if [ "$(cat "$TREE/.vxf-stamp" 2>/dev/null || true)" != "$stamp" ]; then
	echo "intree: creating $TREE from $TARBALL" >&2
	rm -rf "$TREE" "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xJf "$TARBALL" -C "$TREE.tmp" --strip-components=1
	mv "$TREE.tmp" "$TREE"
	# hook the driver's directory into drivers/gpu/ (its Kconfig: below)
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

# refresh our files: the top-level Kconfig, sourced from drivers/gpu/Kconfig
# (a tree hooked before it existed sourced the driver's Kconfig directly),
# the driver directory and our headers
install -m 0644 "$TOP/Kconfig" "$TREE/drivers/gpu/Kconfig.vxf"
if ! grep -qx 'source "drivers/gpu/Kconfig.vxf"' "$TREE/drivers/gpu/Kconfig"; then
	sed -i "\\|^source \"$DRV/Kconfig\"\$|d" "$TREE/drivers/gpu/Kconfig"
	printf '\nsource "drivers/gpu/Kconfig.vxf"\n' >>"$TREE/drivers/gpu/Kconfig"
fi
rm -rf "${TREE:?}/$DRV"
cp -a "$TOP/$DRV" "$TREE/$DRV"
find "$TREE/$DRV" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o \
	-name '*.mod.c' -o -name '.*.cmd' -o -name 'modules.order' \) -delete
(cd "$TOP/include" && find . -name '*.h' -print0) |
	while IFS= read -r -d '' h; do
		install -D -m 0644 "$TOP/include/$h" "$TREE/include/$h"
	done

# (Re)configure only when the tree is new or the driver's Kconfig changed:
# rewriting .config makes modules_prepare redo its work.
kstamp=$(cat "$TOP/Kconfig" "$TOP/$DRV/Kconfig" "$HDR/.config" | md5sum | cut -d' ' -f1)
if [ "$(cat "$TREE/.vxf-kconfig" 2>/dev/null || true)" != "$kstamp" ]; then
	rm -f "$TREE/.vxf-kconfig"
	"$TREE/scripts/config" --file "$TREE/.config" \
		--module VIRTIO_XEN_FAULT --module VIRTIO_XEN_FAULT_LOOP \
		--enable VIRTIO_XEN_FAULT_DEBUG
	make -s -C "$TREE" olddefconfig
	grep -q '^CONFIG_VIRTIO_XEN_FAULT=m$' "$TREE/.config" ||
		die "CONFIG_VIRTIO_XEN_FAULT=m did not survive olddefconfig (Kconfig dependencies?)"
	grep -q '^CONFIG_VIRTIO_XEN_FAULT_LOOP=m$' "$TREE/.config" ||
		die "CONFIG_VIRTIO_XEN_FAULT_LOOP=m did not survive olddefconfig"
	grep -q '^CONFIG_VIRTIO_XEN_FAULT_DEBUG=y$' "$TREE/.config" ||
		die "CONFIG_VIRTIO_XEN_FAULT_DEBUG=y did not survive olddefconfig"
	make -s -C "$TREE" -j"$(nproc)" modules_prepare
	echo "$kstamp" >"$TREE/.vxf-kconfig"
fi
if [ -f "$TREE/.vxf-stamp.pending" ]; then
	mv "$TREE/.vxf-stamp.pending" "$TREE/.vxf-stamp"
fi
t2=$(date +%s)

# 1. the real in-tree build: drivers/gpu/Makefile -> our Makefile, with
#    the options from .config
# 2. link and modpost the module against Debian's Module.symvers (a
#    single-target .ko build would need vmlinux.o)
BLOG="$TREE/.vxf-build.log"
{
	make -C "$TREE" -j"$(nproc)" "$@" "$DRV/" &&
	make -C "$TREE" -j"$(nproc)" "$@" M="$DRV" modules
} 2>&1 | tee "$BLOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "build failed"
for ko in virtio-xen-fault.ko virtio-xen-fault-loop.ko; do
	[ -f "$TREE/$DRV/$ko" ] || die "no $DRV/$ko"
done
# ours: in our files, or about our module (modpost); not host tools'
nw=$(grep -i 'warning:' "$BLOG" | grep -cE "$DRV|vxf|modpost" || true)
if [ "$nw" -gt 0 ]; then
	die "$nw warnings, first: $(grep -i 'warning:' "$BLOG" | grep -m1 -E "$DRV|vxf|modpost")"
fi
t3=$(date +%s)
echo "intree: OK $TREE/$DRV/virtio-xen-fault.ko, virtio-xen-fault-loop.ko" \
	"(tree $((t1 - t0))s, prepare $((t2 - t1))s, driver $((t3 - t2))s)" >&2
