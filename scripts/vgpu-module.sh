#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched virtio-gpu module for the virtio-gpu VM (make check
# step vgpu-vxf): drivers/gpu/drm/virtio of linux-source-6.12
# (.cache/linux-source-6.12, scripts/ktree.sh), with patches/linux/*.patch
# applied, built out of tree against Debian's 6.12 headers
# (.cache/kernels), with include/ of this tree for <linux/vxf.h>.
# With --kernel 6.1, the same from linux-source-6.1 against Debian's 6.1
# headers, with the 6.1 backport of the series (patches/linux-6.1/: the
# same changes, with 6.1's context): make check step vgpu-module-6.1,
# which only builds it (the virtio-gpu VM boots 6.12).
#
# usage: scripts/vgpu-module.sh [--force] [--kernel 6.1|6.12]
#   prints the module's path on stdout; everything else goes to stderr.
#
# Cache: .cache/vgpu-module/virtio-gpu.ko (6.1: .cache/vgpu-module-6.1/),
# stamped with the kernel, the source's version and the patches' and this
# tree's <linux/vxf.h> checksums; build.log beside it. Exit status: 0; 77
# when it cannot be built here (no Debian headers or linux-source of that
# version: make deps, scripts/kernels.sh), with a "SKIP:" line saying
# why; 3 when the patches do not apply or the build fails or warns.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
FORCE=0
VER=6.12
while [ $# -gt 0 ]; do
	case "$1" in
	--force) FORCE=1; shift ;;
	--kernel) VER=$2; shift 2 ;;
	*) echo "vgpu-module: ERROR: unknown argument $1" >&2; exit 3 ;;
	esac
done
case "$VER" in
6.12) MCACHE="$TOP/.cache/vgpu-module" PDIR="$TOP/patches/linux" ;;
6.1) MCACHE="$TOP/.cache/vgpu-module-6.1" PDIR="$TOP/patches/linux-6.1" ;;
*) echo "vgpu-module: ERROR: --kernel 6.1 or 6.12" >&2; exit 3 ;;
esac

fail() { echo "vgpu-module: ERROR: $*" >&2; exit 3; }
skip() { echo "vgpu-module: SKIP: $*" >&2; exit 77; }

[ -f "$TOP/.cache/kernels/env.sh" ] || skip "no .cache/kernels (scripts/kernels.sh)"
# shellcheck source=/dev/null
. "$TOP/.cache/kernels/env.sh"
if [ "$VER" = 6.1 ]; then KDIR=${KDIR_61:-} KVER=${KVER_61:-}; else KDIR=${KDIR_612:-} KVER=${KVER_612:-}; fi
[ -d "$KDIR" ] || skip "no Debian $VER headers (scripts/kernels.sh)"
[ -f "/usr/src/linux-source-$VER.tar.xz" ] || skip "no /usr/src/linux-source-$VER.tar.xz (make deps)"
SRC=$("$TOP/scripts/ktree.sh" src "$VER" | tail -n 1) || fail "linux-source-$VER unpack failed"
[ -d "$SRC/drivers/gpu/drm/virtio" ] || fail "no $SRC/drivers/gpu/drm/virtio"
shopt -s nullglob
patches=("$PDIR"/*.patch)
[ ${#patches[@]} -gt 0 ] || fail "no ${PDIR#"$TOP"/}/*.patch"

KO="$MCACHE/virtio-gpu.ko"
srcver=$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$SRC/Makefile" | paste -sd.)
want="kver=$KVER src=$srcver $(cat "${patches[@]}" "$TOP/include/linux/vxf.h" \
	"$TOP/include/uapi/linux/vxf.h" "$0" | sha256sum | cut -c1-16)"
if [ "$FORCE" -eq 0 ] && [ -f "$KO" ] && [ -f "$MCACHE/stamp" ] &&
   [ "$(cat "$MCACHE/stamp")" = "$want" ]; then
	echo "$KO"
	exit 0
fi

mkdir -p "$MCACHE"
B="$MCACHE/src"
LOGF="$MCACHE/build.log"
rm -rf "$B" "$KO" "$MCACHE/stamp"
mkdir -p "$B/drivers/gpu/drm" "$B/include/trace"
cp -r "$SRC/drivers/gpu/drm/virtio" "$B/drivers/gpu/drm/"
: >"$LOGF"
for p in "${patches[@]}"; do
	echo "vgpu-module: applying $(basename "$p")" >&2
	patch -p1 -d "$B" --no-backup-if-mismatch <"$p" >>"$LOGF" 2>&1 ||
		fail "$(basename "$p") does not apply to linux-source $srcver (see $LOGF)"
done
# virtgpu_trace.h names itself relative to include/trace/ of the tree
# (TRACE_INCLUDE_PATH ../../drivers/gpu/drm/virtio), which Debian's
# headers do not have: $B/include/trace makes that path resolve in $B.
echo "vgpu-module: building virtio-gpu.ko against $KVER" >&2
if ! nice make -C "$KDIR" M="$B/drivers/gpu/drm/virtio" \
	CONFIG_DRM_VIRTIO_GPU=m \
	KCFLAGS="-I$TOP/include -I$B/include/trace" modules >>"$LOGF" 2>&1; then
	fail "build failed: $(grep -m3 'error' "$LOGF" | tr '\n' ' ') (see $LOGF)"
fi
if grep -q 'warning:' "$LOGF"; then
	fail "build warnings: $(grep -m3 'warning:' "$LOGF" | tr '\n' ' ') (see $LOGF)"
fi
cp "$B/drivers/gpu/drm/virtio/virtio-gpu.ko" "$KO"
echo "$want" >"$MCACHE/stamp"
echo "$KO"
