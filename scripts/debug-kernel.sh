#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel: Debian's linux-source-6.12 configured from
# "make tinyconfig" plus scripts/debug-kernel.config (what the VM harness
# needs, the driver built in with its KUnit tests, KASAN, lockdep,
# DEBUG_VM, DEBUG_OBJECTS, hung-task and soft-lockup detection).
#
#   scripts/debug-kernel.sh          build (or bring up to date) and print
#                                    the bzImage path as the last line
#
# Cached under .cache/trees/debug-6.12/: src/ is a hard-linked copy of the
# unpacked linux-source-6.12 with the driver hooked into drivers/gpu/,
# obj/ the kbuild output. A machine configures and builds the kernel once;
# later runs copy the driver in again and rebuild only what changed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
VER=6.12
BASE="$TOP/.cache/trees/debug-$VER"
TREE="$BASE/src"
OBJ="$BASE/obj"
FRAG="$TOP/scripts/debug-kernel.config"
DRV=drivers/gpu/virtio-xen-fault
CC=gcc-12

die() { echo "debug-kernel: ERROR: $*" >&2; exit 1; }

command -v "$CC" >/dev/null || die "$CC missing (make deps)"
t0=$(date +%s)
SRC=$("$TOP/scripts/ktree.sh" src "$VER" | tail -n 1)

# -- source tree: pristine sources hard-linked, our files copied ------------
stamp="$(cat "$SRC/.vxf-stamp") $($CC --version | head -n 1)"
if [ "$(cat "$TREE/.vxf-stamp" 2>/dev/null || true)" != "$stamp" ]; then
	echo "debug-kernel: linking $TREE from $SRC" >&2
	rm -rf "$BASE"
	mkdir -p "$BASE"
	cp -al "$SRC" "$TREE"
	# files we append to must not be links into the pristine tree
	for f in drivers/gpu/Kconfig drivers/gpu/Makefile; do
		cp --remove-destination "$SRC/$f" "$TREE/$f"
	done
	# (the Kconfig hook: below)
	# shellcheck disable=SC2016 # a make variable, not a shell one
	printf '\nobj-$(CONFIG_VIRTIO_XEN_FAULT) += virtio-xen-fault/\n' \
		>>"$TREE/drivers/gpu/Makefile"
	# a file of our own, not the pristine tree's stamp through a link
	rm -f "$TREE/.vxf-stamp"
	echo "$stamp" >"$TREE/.vxf-stamp"
fi

# the driver and our headers, fresh each time (only changed files get
# a new mtime, so kbuild rebuilds only what changed)
sync_file() {
	if ! cmp -s "$1" "$2"; then
		rm -f "$2"
		install -D -m 0644 "$1" "$2"
	fi
}
# our top-level Kconfig, sourced from drivers/gpu/Kconfig (a tree hooked
# before it existed sourced the driver's Kconfig directly)
sync_file "$TOP/Kconfig" "$TREE/drivers/gpu/Kconfig.vxf"
if ! grep -qx 'source "drivers/gpu/Kconfig.vxf"' "$TREE/drivers/gpu/Kconfig"; then
	sed -i "\\|^source \"$DRV/Kconfig\"\$|d" "$TREE/drivers/gpu/Kconfig"
	printf '\nsource "drivers/gpu/Kconfig.vxf"\n' >>"$TREE/drivers/gpu/Kconfig"
fi
mkdir -p "$TREE/$DRV"
for f in "$TREE/$DRV"/*; do
	[ -e "$TOP/$DRV/$(basename "$f")" ] || rm -f "$f"
done
for f in "$TOP/$DRV"/*.[ch] "$TOP/$DRV"/Kconfig "$TOP/$DRV"/Makefile; do
	case "$f" in *.mod.c) continue ;; esac
	sync_file "$f" "$TREE/$DRV/$(basename "$f")"
done
(cd "$TOP/include" && find . -name '*.h' -print0) |
	while IFS= read -r -d '' h; do
		sync_file "$TOP/include/$h" "$TREE/include/$h"
	done

# -- configuration: redone when the fragment or the driver's Kconfig change
kstamp=$(cat "$FRAG" "$TOP/Kconfig" "$TOP/$DRV/Kconfig" | md5sum | cut -d' ' -f1)
if [ "$(cat "$OBJ/.vxf-kconfig" 2>/dev/null || true)" != "$kstamp" ]; then
	echo "debug-kernel: configuring $OBJ" >&2
	mkdir -p "$OBJ"
	rm -f "$OBJ/.vxf-kconfig"
	make -s -C "$TREE" O="$OBJ" CC="$CC" tinyconfig >/dev/null
	(cd "$TREE" && ./scripts/kconfig/merge_config.sh -m -O "$OBJ" \
		"$OBJ/.config" "$FRAG" >/dev/null)
	make -s -C "$TREE" O="$OBJ" CC="$CC" olddefconfig >/dev/null
	# every symbol the fragment sets must have survived its dependencies
	bad=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			got=$(grep -E "^$sym=" "$OBJ/.config" || true)
			[ -z "$got" ] && continue
		elif grep -qx -- "$line" "$OBJ/.config"; then
			continue
		fi
		echo "debug-kernel: $line did not survive olddefconfig" \
			"(got: $(grep -E "^(# )?${sym}[= ]" "$OBJ/.config" || echo unset))" >&2
		bad=1
	done <"$FRAG"
	[ "$bad" -eq 0 ] || die "configuration incomplete (see above)"
	echo "$kstamp" >"$OBJ/.vxf-kconfig"
fi
t1=$(date +%s)

# -- build -------------------------------------------------------------------
BLOG="$BASE/build.log"
if ! make -C "$TREE" O="$OBJ" CC="$CC" -j"$(nproc)" bzImage >"$BLOG" 2>&1; then
	grep -E 'error|Error' "$BLOG" | head -n 20 >&2
	die "build failed (log: $BLOG)"
fi
# Warnings in the driver's own files (a compiler's "FILE:LINE:...: warning:"
# where FILE is ours, wherever the checkout lives: its path may contain
# "vxf" too), and modpost's about the driver's symbols. Nothing else in
# the kernel's log is ours to fail on.
OURS='(^|[ /])(drivers/gpu/virtio-xen-fault/[^ :/]+|include/xen/interface/(io/vxfif|hvm/vxf_fault)\.h|include/uapi/linux/vxf\.h):[0-9]+[:,]'
OURS_MODPOST='^WARNING: modpost: .*[ (]vxf_[a-z0-9_]+'
ours_warnings() {
	grep -i 'warning:' "$BLOG" | grep -E "$OURS|$OURS_MODPOST" || true
}
nw=$(ours_warnings | wc -l)
if [ "$nw" -gt 0 ]; then
	die "$nw warnings in the driver, first: $(ours_warnings | head -n 1)"
fi
t2=$(date +%s)
echo "debug-kernel: OK (configure $((t1 - t0))s, build $((t2 - t1))s)" >&2
echo "$OBJ/arch/x86/boot/bzImage"
