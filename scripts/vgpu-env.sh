#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the host side of the virtio-gpu test VM (scripts/vgpu-run.sh):
# a Debian trixie root made with debootstrap, holding QEMU 10 with its
# OpenGL display modules, virglrenderer 1.1 (virgl and Venus), Mesa's
# lavapipe/llvmpipe and Venus drivers, Xvfb and vulkaninfo. Debian 12's
# QEMU 7.2 has no host-visible memory region (hostmem=) and its
# virglrenderer has no blob mapping: the trixie root is what gives the
# guest's virtio-gpu a real host-visible region with HOST3D blobs.
#
# usage: scripts/vgpu-env.sh [--force]
#   prints the root's path on stdout; everything else goes to stderr.
#
# Cache: .cache/vgpu/root (about 1.1 GB), stamped with the package list;
# .cache/vgpu/debootstrap.log. The mirror is the one this machine's apt
# sources use for its own release. Must run as root (debootstrap, chroot).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/chroot-lib.sh
. "$TOP/scripts/chroot-lib.sh"
VCACHE="$TOP/.cache/vgpu"
SUITE=trixie
INCLUDE=qemu-system-x86,qemu-system-gui,qemu-system-modules-opengl
INCLUDE+=,libvirglrenderer1,virgl-server,mesa-vulkan-drivers,libgl1-mesa-dri
INCLUDE+=,libegl1,libegl-mesa0,xvfb,xauth,vulkan-tools
# a D-Bus session bus, without which dconf-service (GTK, pulled in by
# qemu-system-gui) stays unconfigured
INCLUDE+=,dbus-x11
# bump when the recipe below changes
RECIPE=2
FORCE=0
[ "${1:-}" = --force ] && FORCE=1

say() { echo "vgpu-env: $*" >&2; }
setup_fail() { echo "vgpu-env: ERROR: $*" >&2; exit 3; }

ROOT="$VCACHE/root"
want="suite=$SUITE include=$INCLUDE recipe=$RECIPE"
if [ "$FORCE" -eq 0 ] && [ -f "$ROOT/.vxf-stamp" ] &&
   [ "$(cat "$ROOT/.vxf-stamp")" = "$want" ]; then
	echo "$ROOT"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || setup_fail "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || setup_fail "debootstrap missing (make deps)"
mirror=$(apt_mirror "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")") || setup_fail "no deb source for this release in /etc/apt/sources.list*"
mkdir -p "$VCACHE"
LOGF="$VCACHE/debootstrap.log"
say "building the trixie root (debootstrap $SUITE from $mirror, once; log $LOGF)"
t0=$(date +%s)
tmp="$VCACHE/root.tmp"
root_remove "$tmp"
# If a maintainer script fails in the chroot, debootstrap stops short:
# configure what is left by hand and check the files below.
if ! nice debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$mirror" \
	>"$LOGF" 2>&1; then
	say "debootstrap reported an error; configuring what is left"
	[ -x "$tmp/usr/bin/dpkg" ] ||
		setup_fail "debootstrap failed, see $LOGF: $(tail -n 3 "$LOGF")"
	DEBIAN_FRONTEND=noninteractive chroot "$tmp" dpkg --configure -a >>"$LOGF" 2>&1 || true
fi
for f in usr/bin/qemu-system-x86_64 usr/bin/Xvfb usr/bin/vulkaninfo \
	 usr/lib/x86_64-linux-gnu/libEGL.so.1 \
	 usr/libexec/virgl_render_server usr/share/vulkan/icd.d/virtio_icd.json \
	 usr/share/vulkan/icd.d/lvp_icd.json; do
	[ -e "$tmp/$f" ] || setup_fail "the trixie root has no /$f (see $LOGF)"
done
ls "$tmp"/usr/lib/x86_64-linux-gnu/qemu/ui-sdl.so >/dev/null 2>&1 ||
	setup_fail "the trixie root has no QEMU SDL display module (see $LOGF)"
chroot "$tmp" apt-get clean >/dev/null 2>&1 || true
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc "$tmp"/usr/share/man \
	"$tmp"/usr/share/locale "$tmp"/usr/share/info
echo "$want" >"$tmp/.vxf-stamp"
root_remove "$ROOT"
mv "$tmp" "$ROOT"
say "trixie root built in $(($(date +%s) - t0))s ($(du -sh "$ROOT" | cut -f1))"
echo "$ROOT"
