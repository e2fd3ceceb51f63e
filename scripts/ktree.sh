#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cached kernel source trees made from Debian's linux-source-* packages.
#
#   scripts/ktree.sh src VER     unpack /usr/src/linux-source-VER.tar.xz into
#                                .cache/linux-source-VER/ (pristine, shared)
#   scripts/ktree.sh clang VER   prepare .cache/trees/clang-VER/, a kbuild
#                                output directory (O=) configured with
#                                Debian's VER config for clang (LLVM=1), with
#                                modules_prepare done and Debian's
#                                Module.symvers; build against it with
#                                make LLVM=1 KDIR=<that dir>
#
# VER is 6.12 or 6.1. Each command prints the resulting path on stdout as
# its last line. Debian's headers are configured for gcc and cannot build
# with clang, hence the separate clang trees.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$TOP/.cache"

die() { echo "ktree: ERROR: $*" >&2; exit 1; }

src_tree() {
	local ver=$1 dst="$CACHE/linux-source-$1" tarball pv
	tarball=/usr/src/linux-source-$ver.tar.xz
	[ -f "$tarball" ] || die "$tarball missing (make deps)"
	pv=$(dpkg-query -W -f='${Version}' "linux-source-$ver")
	if [ "$(cat "$dst/.vxf-stamp" 2>/dev/null || true)" != "$pv" ]; then
		echo "ktree: unpacking linux-source-$ver $pv" >&2
		rm -rf "$dst" "$dst.tmp"
		mkdir -p "$dst.tmp"
		tar -xJf "$tarball" -C "$dst.tmp" --strip-components=1
		echo "$pv" >"$dst.tmp/.vxf-stamp"
		mv "$dst.tmp" "$dst"
	fi
	echo "$dst"
}

# the Debian headers directory for VER, from scripts/kernels.sh
headers_dir() {
	"$TOP/scripts/kernels.sh" >/dev/null
	# shellcheck source=/dev/null
	. "$CACHE/kernels/env.sh"
	case "$1" in
	6.12) echo "$KDIR_612" ;;
	6.1) echo "$KDIR_61" ;;
	*) die "unknown version $1" ;;
	esac
}

clang_tree() {
	local ver=$1 src hdr out stamp
	src=$(src_tree "$ver" | tail -n 1)
	hdr=$(headers_dir "$ver")
	out="$CACHE/trees/clang-$ver"
	stamp="$(cat "$src/.vxf-stamp") $(basename "$hdr") $(clang --version | head -n 1)"
	if [ "$(cat "$out/.vxf-stamp" 2>/dev/null || true)" != "$stamp" ]; then
		echo "ktree: preparing clang tree for $ver in $out" >&2
		rm -rf "$out"
		mkdir -p "$out"
		cp "$hdr/.config" "$out/.config"
		"$src/scripts/config" --file "$out/.config" \
			--set-str SYSTEM_TRUSTED_KEYS "" \
			--set-str SYSTEM_REVOCATION_KEYS "" \
			--set-str MODULE_SIG_KEY ""
		make -s -C "$src" O="$out" LLVM=1 olddefconfig >&2
		grep -q '^CONFIG_CC_IS_CLANG=y' "$out/.config" ||
			die "olddefconfig did not select clang in $out"
		make -s -C "$src" O="$out" LLVM=1 -j"$(nproc)" modules_prepare >&2
		cp "$hdr/Module.symvers" "$out/Module.symvers"
		echo "$stamp" >"$out/.vxf-stamp"
	fi
	echo "$out"
}

case "${1:-}" in
src) src_tree "${2:?version}" ;;
clang) clang_tree "${2:?version}" ;;
*) sed -n '4,17p' "$0" >&2; exit 2 ;;
esac
