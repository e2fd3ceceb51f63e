#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package this project needs to build, boot and test.
# Idempotent: asks dpkg first and only calls apt-get for what is missing,
# and runs `apt-get update` only if a package is unknown to apt.
#
# usage: scripts/deps.sh [--igt-runner]
#   --igt-runner  only what building igt_runner from an igt-gpu-tools tree
#                 needs (scripts/igt-runner.sh with IGT_SRC: meson, and the
#                 headers libigt is built with), not the rest
set -euo pipefail

PKGS=(
	make gcc gcc-12 libc6-dev perl python3
	bc flex bison libelf-dev xz-utils zstd cpio kmod
	clang lld llvm dwarves
	sparse dkms
	shellcheck		# make check step shellcheck
	qemu-system-x86 busybox-static
	debootstrap e2fsprogs	# scripts/xen-run.sh: dom0 root filesystem, its ext4 image;
				# scripts/vgpu-env.sh: the trixie root of the virtio-gpu VM
	gnuplot-nox
	libxen-dev
	dpkg-dev build-essential debhelper dh-dkms lintian help2man	# packaging: make deb, make install's man pages
	patch			# scripts/xen-build.sh: the patch series on Xen's source package
	python3-docutils	# scripts/docs-check.py: Documentation/ rendered (make check step docs)
	libvulkan-dev		# tests/igt/vxf_vk_map: a Vulkan program (make check steps vgpu-*)
	linux-source-6.12 linux-source-6.1
)

# scripts/igt-runner.sh, IGT_SRC: the runner links with libigt, which
# needs all of these to configure and build (json-c: the runner itself)
IGT_RUNNER_PKGS=(
	meson ninja-build pkg-config libjson-c-dev libglib2.0-dev libdrm-dev
	libpciaccess-dev libkmod-dev libproc2-dev libdw-dev libpixman-1-dev
	libcairo2-dev libudev-dev zlib1g-dev
)
case "${1:-}" in
--igt-runner) PKGS=("${IGT_RUNNER_PKGS[@]}") ;;
"") ;;
*) sed -n '2,14p' "$0" >&2; exit 1 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages installed"
	exit 0
fi

echo "deps: installing: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

need_update=0
for p in "${missing[@]}"; do
	if ! apt-cache show "$p" >/dev/null 2>&1; then
		need_update=1
		break
	fi
done
# An empty package list also means no apt-get update has ever run.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print -quit 2>/dev/null)" ]; then
	need_update=1
fi
if [ "$need_update" -eq 1 ]; then
	$SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
