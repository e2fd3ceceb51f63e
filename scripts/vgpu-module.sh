#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched virtio-gpu module for the virtio-gpu VM (make check
# step vgpu-vxf): drivers/gpu/drm/virtio of linux-source-6.12
# (.cache/linux-source-6.12, scripts/ktree.sh), with patches/linux/*.patch
# applied, built out of tree against Debian's 6.12 headers
# (.cache/kernels), with include/ of this tree for <linux/vxf.h>.
#
# usage: scripts/vgpu-module.sh [--force]
#   prints the module's path on stdout; everything else goes to stderr.
#
# Cache: .cache/vgpu-module/virtio-gpu.ko, stamped with the kernel, the
# source's version and the patches' and this tree's <linux/vxf.h>
# checksums; .cache/vgpu-module/build.log. Exit status: 0; 77 when it
# cannot be built here (no Debian 6.12 headers or linux-source-6.12: make
# deps, scripts/kernels.sh), with a "SKIP:" line saying why; 3 when the
# patches do not apply or the build fails or warns.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
MCACHE="$TOP/.cache/vgpu-module"
FORCE=0
[ "${1:-}" = --force ] && FORCE=1

fail() { echo "vgpu-module: ERROR: $*" >&2; exit 3; }
skip() { echo "vgpu-module: SKIP: $*" >&2; exit 77; }

[ -f "$TOP/.cache/kernels/env.sh" ] || skip "no .cache/kernels (scripts/kernels.sh)"
# shellcheck source=/dev/null
. "$TOP/.cache/kernels/env.sh"
[ -d "${KDIR_612:-}" ] || skip "no Debian 6.12 headers (scripts/kernels.sh)"
[ -f /usr/src/linux-source-6.12.tar.xz ] || skip "no /usr/src/linux-source-6.12.tar.xz (make deps)"
SRC=$("$TOP/scripts/ktree.sh" src 6.12 | tail -n 1) || fail "linux-source-6.12 unpack failed"
[ -d "$SRC/drivers/gpu/drm/virtio" ] || fail "no $SRC/drivers/gpu/drm/virtio"
shopt -s nullglob
patches=("$TOP"/patches/linux/*.patch)
[ ${#patches[@]} -gt 0 ] || fail "no patches/linux/*.patch"

KO="$MCACHE/virtio-gpu.ko"
srcver=$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$SRC/Makefile" | paste -sd.)
want="kver=$KVER_612 src=$srcver $(cat "${patches[@]}" "$TOP/include/linux/vxf.h" \
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
echo "vgpu-module: building virtio-gpu.ko against $KVER_612" >&2
if ! nice make -C "$KDIR_612" M="$B/drivers/gpu/drm/virtio" \
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
