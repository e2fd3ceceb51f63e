#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check's package-deb step: the Debian packages from the release
# tarball, as a packager would build them, then the DKMS package at work.
#
#  1. make dist (scripts/dist.sh tarball) into .cache/pkg/, as
#     virtio-xen-fault_VERSION.orig.tar.xz; unpack it, copy
#     packaging/debian/ to debian/ and run dpkg-buildpackage -us -uc (source
#     and both binary packages; nothing is fetched)
#  2. lintian on the .changes: any error or warning fails (overrides, each
#     with its reason, are in packaging/debian/)
#  3. the packages' contents: the DKMS package ships the module's sources
#     and dkms.conf only, the tools package what make install-list names
#  4. "install" them into a scratch root the way scripts/dkms-test.sh works:
#     dpkg-deb -x, then dkms add/build/install from the package's
#     /usr/src with private DKMS trees, for the cached Debian 6.12 headers
#     (nothing on the host changes: no dpkg -i, no /var/lib/dkms, no
#     /lib/modules); the tools package's vxf-backend-xen --version runs
#  5. boot the VM with the module DKMS built (its MODULE_VERSION must be
#     VERSION) and run a few fast subtests of /tests/vxf_loop (the tests and
#     the loop-mode backend come from the tree: make tools)
#
# usage: scripts/package-test.sh [--build-only] [--out FILE]
#   --build-only  steps 1-3 (make deb)
#   --out FILE    the VM payload's output (VXF-TEST-BEGIN/END markers and
#                 IGT subtest lines, for check.sh's per-subtest report)
# Environment: VM_TIMEOUT (default 300), PKG_SUBTESTS (comma-separated
# IGT patterns, default below).
set -euo pipefail
shopt -s inherit_errexit

TOP=$(cd "$(dirname "$0")/.." && pwd)
W="$TOP/.cache/pkg"
NAME=virtio-xen-fault
BUILD_ONLY=0
OUT=
# fast, and between them: first touch, revoke and refetch, coalescing of
# concurrent faults, a backend error as SIGBUS, the ioctl checks
PKG_SUBTESTS=${PKG_SUBTESTS:-first-touch,read-write-after-revoke,coalesce-one-page,backend-error-sigbus,bad-ioctl}

die() { echo "package-test: ERROR: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--build-only) BUILD_ONLY=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	*) sed -n '25,31p' "$0" >&2; exit 2 ;;
	esac
done

for c in dpkg-buildpackage dh dh_dkms lintian dkms help2man; do
	command -v "$c" >/dev/null || die "$c missing (make deps)"
done

V=$(cat "$TOP/VERSION")
"$TOP/scripts/dist.sh" versions
DEBVER=$(dpkg-parsechangelog -l "$TOP/packaging/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)

# --- 1. build ------------------------------------------------------------------
rm -rf "$W"
mkdir -p "$W"
tarball=$("$TOP/scripts/dist.sh" tarball "$W")
mv "$tarball" "$W/${NAME}_$V.orig.tar.xz"
tar -xJf "$W/${NAME}_$V.orig.tar.xz" -C "$W"
SRC="$W/$NAME-$V"
cp -a "$SRC/packaging/debian" "$SRC/debian"
echo "package-test: dpkg-buildpackage in $SRC"
(cd "$SRC" && dpkg-buildpackage -us -uc) || die "dpkg-buildpackage failed"
CHANGES="$W/${NAME}_${DEBVER}_$ARCH.changes"
DKMS_DEB="$W/$NAME-dkms_${DEBVER}_all.deb"
TOOLS_DEB="$W/$NAME-tools_${DEBVER}_$ARCH.deb"
for f in "$CHANGES" "$DKMS_DEB" "$TOOLS_DEB" "$W/${NAME}_$DEBVER.dsc"; do
	[ -f "$f" ] || die "dpkg-buildpackage made no $(basename "$f")"
done

# --- 2. lintian ------------------------------------------------------------------
echo "package-test: lintian $(basename "$CHANGES")"
# (--show-overrides would make overridden warnings fail too: list them apart)
if ! lintian --fail-on error,warning --display-info "$CHANGES"; then
	die "lintian: errors or warnings (above)"
fi
echo "package-test: lintian overrides, each with its reason:"
grep -hv '^# SPDX' "$SRC"/debian/*lintian-overrides "$SRC"/debian/source/lintian-overrides 2>/dev/null |
	sed 's/^/  /' || true

# --- 3. contents -----------------------------------------------------------------
echo "package-test: $(basename "$DKMS_DEB"):"
dpkg-deb -c "$DKMS_DEB"
dkms_files=$(dpkg-deb -c "$DKMS_DEB" | awk '$1 !~ /^d/ { print $6 }' | sed 's,^\./,/,')
usrsrc=/usr/src/$NAME-$V
grep -qx "$usrsrc/dkms.conf" <<<"$dkms_files" || die "no $usrsrc/dkms.conf in the DKMS package"
other=$(grep -v "^$usrsrc/\(dkms.conf\|Kbuild\|VERSION\|drivers/gpu/$NAME/[^/]*\|include/.*\.h\)\$" <<<"$dkms_files" |
	grep -v "^/usr/share/\(doc/$NAME-dkms/\|lintian/overrides/$NAME-dkms\$\)" || true)
[ -z "$other" ] || die "the DKMS package holds more than the module's sources: $other"
! grep -E '\.(o|ko|mod|cmd)$' <<<"$dkms_files" || die "build products in the DKMS package"
grep -q '^PACKAGE_VERSION="'"$V"'"$' <(dpkg-deb --fsys-tarfile "$DKMS_DEB" |
	tar -xO ".$usrsrc/dkms.conf") || die "the packaged dkms.conf does not say $V"

echo "package-test: $(basename "$TOOLS_DEB"):"
dpkg-deb -c "$TOOLS_DEB"
tools_files=$(dpkg-deb -c "$TOOLS_DEB" | awk '$1 !~ /^d/ { print $6 }' | sed 's,^\./,/,' |
	grep -v "^/usr/share/\(doc/$NAME-tools/\|lintian/overrides/$NAME-tools\$\)" | LC_ALL=C sort)
want=$(make -s -C "$TOP" PREFIX=/usr install-list | sed 's,/man/\(.*\)$,/man/\1.gz,' | LC_ALL=C sort)
if [ "$tools_files" != "$want" ]; then
	diff <(echo "$want") <(echo "$tools_files") >&2 || true
	die "the tools package does not hold what make install-list names"
fi
if [ $BUILD_ONLY -eq 1 ]; then
	echo "package-test: built, lintian clean: $(cd "$W" && ls ./*.deb ./*.dsc | tr '\n' ' ')"
	exit 0
fi

# --- 4. install into a scratch root, DKMS with private trees --------------------
"$TOP/scripts/kernels.sh" >/dev/null
# shellcheck source=/dev/null
. "$TOP/.cache/kernels/env.sh"
# shellcheck source=scripts/dkms-lib.sh
. "$TOP/scripts/dkms-lib.sh"
ROOT="$W/root"
DK="$W/dkms"
mkdir -p "$ROOT" "$DK/tree" "$DK/install/$KVER_612"
dpkg-deb -x "$DKMS_DEB" "$ROOT"
dpkg-deb -x "$TOOLS_DEB" "$ROOT"
"$ROOT/usr/sbin/vxf-backend-xen" --version | grep -qx "vxf-backend-xen $V" ||
	die "the packaged vxf-backend-xen --version does not say $V"
"$ROOT/usr/bin/vxf-demo" --version | grep -qx "vxf-demo $V" ||
	die "the packaged vxf-demo --version does not say $V"

dkms_private_install "$NAME" "$V" "$ROOT/usr/src" "$DK" ||
	die "dkms from the package's sources failed (above)"
KO=$DKMS_KO
echo "package-test: DKMS built and installed $KO"

# --- 5. the VM with the DKMS-built module ------------------------------------------
# The packaged module is the driver alone. The loop device (/dev/vxf-loop)
# the subtests need is the test module's (its sources are in the package,
# which does not build it): build it from the package's sources, with the
# driver beside it so that
# modpost has the driver's exports (DKMS keeps no Module.symvers), without
# test hooks (the packaged driver has none), and put it next to $KO, where
# vm-run.sh loads it after the driver. Loading it checks that its symbol
# versions agree with the DKMS-built driver's.
TM="$W/testmod"
rm -rf "$TM"
cp -a "$ROOT/usr/src/$NAME-$V" "$TM"
if ! make -C "$KDIR_612" M="$TM" CONFIG_VIRTIO_XEN_FAULT=m \
	CONFIG_VIRTIO_XEN_FAULT_LOOP=m modules >"$W/testmod.log" 2>&1; then
	cat "$W/testmod.log" >&2
	die "the test module did not build beside the packaged driver's sources"
fi
cp "$TM/drivers/gpu/virtio-xen-fault/$NAME-loop.ko" "$(dirname "$KO")/"
mkdir -p "$TOP/.cache/logs"
payload="v=\$(cat /sys/module/virtio_xen_fault/version 2>/dev/null); echo \"VXF-PKG-MODULE-VERSION \$v\""
payload="$payload; echo 'VXF-TEST-BEGIN vxf_loop@deb'"
payload="$payload; VXF_BACKEND=/bin/vxf-backend /tests/vxf_loop --run-subtest '$PKG_SUBTESTS'; r=\$?"
payload="$payload; echo \"VXF-TEST-END vxf_loop@deb rc=\$r\"; exit \$r"
out=${OUT:-$W/vm.out}
if "$TOP/scripts/vm-run.sh" --timeout "${VM_TIMEOUT:-300}" \
	--log "$TOP/.cache/logs/package-deb-vm.console.log" "$KO" "$payload" >"$out"; then
	rc=0
else
	rc=$?
fi
cat "$out"
[ $rc -le 1 ] || die "vm-run exit $rc (console: .cache/logs/package-deb-vm.console.log)"
grep -qx "VXF-PKG-MODULE-VERSION $V" "$out" ||
	die "the module in the VM does not say version $V"
nsub=$(grep -c '^Subtest .*: SUCCESS' "$out" || true)
nwant=$(tr ',' '\n' <<<"$PKG_SUBTESTS" | grep -c .)
[ $rc -eq 0 ] || die "subtests failed"
[ "$nsub" -eq "$nwant" ] || die "$nsub of the $nwant subtests passed (the others skipped?)"
echo "package-test: OK: $nsub subtests passed with the module DKMS built from $(basename "$DKMS_DEB")"
