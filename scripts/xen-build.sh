#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Xen 4.17 with the project's patch series (xen/patches/) and cache
# the hypervisor image; print its path on the last line of stdout.
#
# usage: scripts/xen-build.sh [--fetch-only]
#
# 1. Debian's source package xen=$XEN_SRC_VERSION is fetched once into
#    .cache/xen-src/ with a private apt configuration: deb-src entries
#    derived from this machine's own apt sources (same URIs, suites,
#    components and keys), lists kept under .cache/xen-src/apt/. The
#    system's apt configuration is not touched.
# 2. A copy of the unpacked tree gets the series applied in the order of
#    xen/patches/series (scripts/xen-patches.sh: stops at the first patch
#    that does not apply).
# 3. The hypervisor alone is built as debian/rules builds it:
#    cp debian/xen-kconfig xen/.config; make -C xen olddefconfig; make -C xen.
# The result, .cache/xen-patched/xen-<key>, is keyed on the source version
# and the content of the series: a changed patch builds a new image, an
# unchanged series reuses the cached one.
#
# Environment: XEN_BUILD_JOBS (make -j, default 2).
# Exit status: 0 image ready; 1 fetch, patch or build failure.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
XEN_SRC_VERSION=4.17.5+72-g01140da4e8-1
SRC_CACHE="$TOP/.cache/xen-src"
OUT="$TOP/.cache/xen-patched"
PATCHES="$TOP/xen/patches"
JOBS=${XEN_BUILD_JOBS:-2}

say() { echo "xen-build: $*" >&2; }
die() { echo "xen-build: ERROR: $*" >&2; exit 1; }

FETCH_ONLY=0
case "${1:-}" in
--fetch-only) FETCH_ONLY=1 ;;
"") ;;
*) sed -n '5,24p' "$0" >&2; exit 1 ;;
esac

# deb-src lines (one-line format) for every "deb" entry of this machine's
# apt sources, deb822 (.sources) and one-line (.list) alike
derive_deb_src() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush() {
			if (deb && uri != "" && suites != "")
				for (i = 1; i <= ns; i++)
					printf "deb-src%s %s %s %s\n", key != "" ? " [signed-by=" key "]" : "", uri, s[i], comps
			deb = 0; uri = ""; suites = ""; comps = ""; key = ""; ns = 0
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
		tolower($1) == "uris:" { uri = $2 }
		tolower($1) == "suites:" { suites = $2; ns = 0; for (i = 2; i <= NF; i++) s[++ns] = $i }
		tolower($1) == "components:" { comps = $2; for (i = 3; i <= NF; i++) comps = comps " " $i }
		tolower($1) == "signed-by:" { key = $2 }
		tolower($1) == "enabled:" && tolower($2) == "no" { deb = 0 }
		END { flush() }' "$f"
	done
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		sed -n 's/^[ \t]*deb[ \t]/deb-src /p'
}

fetch_source() {
	local apt=$SRC_CACHE/apt dir
	dir=$(find -H "$SRC_CACHE" -maxdepth 1 -type d -name 'xen-4.17*' -print -quit 2>/dev/null || true)
	if [ -n "$dir" ] && [ -f "$SRC_CACHE/.stamp" ] &&
	   [ "$(cat "$SRC_CACHE/.stamp")" = "$XEN_SRC_VERSION" ]; then
		SRC_DIR=$dir
		return 0
	fi
	command -v dpkg-source >/dev/null || die "dpkg-source missing (make deps: dpkg-dev)"
	rm -rf "$SRC_CACHE"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	derive_deb_src | sort -u >"$apt/sources.list"
	[ -s "$apt/sources.list" ] || die "no deb entries in /etc/apt/sources.list* to derive deb-src from"
	local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o "Dir::State::status=/var/lib/dpkg/status" -o APT::Sandbox::User=root)
	say "fetching Debian's source package xen=$XEN_SRC_VERSION (once)"
	apt-get "${opts[@]}" -q update >"$SRC_CACHE/fetch.log" 2>&1 ||
		die "apt-get update (deb-src) failed: $(tail -n 3 "$SRC_CACHE/fetch.log")"
	(cd "$SRC_CACHE" && apt-get "${opts[@]}" -q source "xen=$XEN_SRC_VERSION") >>"$SRC_CACHE/fetch.log" 2>&1 ||
		die "apt-get source xen=$XEN_SRC_VERSION failed: $(tail -n 3 "$SRC_CACHE/fetch.log")"
	rm -rf "$apt/lists" "$apt/cache"
	dir=$(find -H "$SRC_CACHE" -maxdepth 1 -type d -name 'xen-4.17*' -print -quit)
	[ -n "$dir" ] && [ -f "$dir/xen/Makefile" ] || die "no unpacked xen tree in $SRC_CACHE"
	echo "$XEN_SRC_VERSION" >"$SRC_CACHE/.stamp"
	SRC_DIR=$dir
}

fetch_source
say "source: $SRC_DIR"
[ "$FETCH_ONLY" -eq 0 ] || exit 0

[ -f "$PATCHES/series" ] || die "$PATCHES/series missing"
KEY=$( { echo "$XEN_SRC_VERSION"; cat "$PATCHES/series";
	 while read -r p; do case "$p" in ''|'#'*) continue ;; esac; cat "$PATCHES/$p"; done <"$PATCHES/series"; } |
	sha256sum | cut -c1-16)
IMG="$OUT/xen-$KEY"
if [ -f "$IMG" ]; then
	say "cached: $IMG"
	echo "$IMG"
	exit 0
fi

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9
BUILD="$OUT/build-$KEY"
rm -rf "$BUILD"
cp -a "$SRC_DIR" "$BUILD"
"$TOP/scripts/xen-patches.sh" "$BUILD" || die "the series does not apply (tree left in $BUILD)"
T0=$(date +%s)
say "building the hypervisor (make -j$JOBS, log $BUILD.log)"
if ! {
	cp "$BUILD/debian/xen-kconfig" "$BUILD/xen/.config" &&
	make -C "$BUILD/xen" olddefconfig &&
	make -C "$BUILD/xen" -j"$JOBS"
} >"$BUILD.log" 2>&1; then
	die "build failed: $(grep -m3 -E 'error|Error' "$BUILD.log" | tr '\n' ' ') (log $BUILD.log)"
fi
[ -f "$BUILD/xen/xen" ] || die "no xen/xen produced (log $BUILD.log)"
say "built in $(($(date +%s) - T0))s"
cp "$BUILD/xen/xen" "$IMG.tmp"
mv "$IMG.tmp" "$IMG"
# keep the tree of the newest build only (for reading the sources)
find "$OUT" -maxdepth 1 -name 'build-*' ! -name "build-$KEY*" -exec rm -rf {} +
echo "$IMG"
