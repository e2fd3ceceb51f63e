#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Releases: the version's single source is the top-level VERSION file.
#
# usage: scripts/dist.sh versions
#          check that dkms.conf (PACKAGE_VERSION, which dkms wants literal),
#          NEWS (its newest entry) and packaging/debian/changelog (the
#          upstream part of its newest version) all say VERSION
#        scripts/dist.sh tarball [OUTDIR]
#          write OUTDIR/virtio-xen-fault-VERSION.tar.xz (default: the top
#          directory) and print its path: every file git tracks, as it is
#          in the working tree, under virtio-xen-fault-VERSION/, sorted by
#          name, owner 0:0, modes 0644/0755, every mtime the last commit's
#          time (or SOURCE_DATE_EPOCH), single-threaded xz; so the same
#          tree gives the same bytes
#        scripts/dist.sh distcheck [KDIR]
#          versions; the tarball twice (the sha256 must agree); unpack it in
#          a scratch directory (.cache/distcheck), check that it holds
#          exactly the tracked files and nothing of .cache/ or a build;
#          build the module (against KDIR, default $KDIR_612 from
#          .cache/kernels/env.sh) and the tools there; make install and
#          make modules_install into a scratch root and list what landed
set -euo pipefail
shopt -s inherit_errexit

TOP=$(cd "$(dirname "$0")/.." && pwd)
NAME=virtio-xen-fault

die() { echo "dist: ERROR: $*" >&2; exit 1; }

version() {
	local v
	v=$(cat "$TOP/VERSION")
	[[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION '$v' is not N.N.N"
	echo "$v"
}

do_versions() {
	local v d n c bad=0
	v=$(version)
	d=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
	n=$(sed -n "s/^$NAME \([^ ]*\) (.*)\$/\1/p" "$TOP/NEWS" | head -n 1)
	c=$(sed -n "1s/^$NAME (\([^)]*\)).*/\1/p" "$TOP/packaging/debian/changelog")
	c=${c%-*}
	[ "$d" = "$v" ] || { echo "dist: dkms.conf PACKAGE_VERSION is '$d', VERSION is $v" >&2; bad=1; }
	[ "$n" = "$v" ] || { echo "dist: NEWS's newest entry is '$n', VERSION is $v" >&2; bad=1; }
	[ "$c" = "$v" ] || { echo "dist: packaging/debian/changelog's upstream version is '$c', VERSION is $v" >&2; bad=1; }
	[ $bad -eq 0 ] || die "versions disagree"
	echo "dist: version $v (VERSION, dkms.conf, NEWS, packaging/debian/changelog)"
}

do_tarball() {
	local out=${1:-$TOP} v prefix epoch tmp
	v=$(version)
	prefix=$NAME-$v
	if ! command -v git >/dev/null || ! git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
		die "not a git checkout: the tarball is made of the files git tracks"
	fi
	epoch=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct)}
	if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no)" ]; then
		echo "dist: warning: tracked files have uncommitted changes; the tarball has them" >&2
	fi
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	tmp="$out/.$prefix.tar.xz.tmp"
	(cd "$TOP" && git ls-files -z) |
		(cd "$TOP" && LC_ALL=C tar --create --format=gnu --null \
			--no-recursion --sort=name \
			--mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
			--mode='u+rw,go-w,a+rX' \
			--transform="flags=r;s,^,$prefix/," --files-from=-) |
		xz -6 -T1 -c >"$tmp"
	mv "$tmp" "$out/$prefix.tar.xz"
	echo "$out/$prefix.tar.xz"
}

do_distcheck() {
	local kdir=${1:-} v prefix dc a b sa sb src root got want krel mods
	v=$(version)
	prefix=$NAME-$v
	dc="$TOP/.cache/distcheck"
	if [ -z "$kdir" ]; then
		"$TOP/scripts/kernels.sh" >/dev/null
		# shellcheck source=/dev/null
		. "$TOP/.cache/kernels/env.sh"
		kdir=$KDIR_612
	fi
	do_versions
	rm -rf "$dc"
	mkdir -p "$dc/a" "$dc/b" "$dc/unpack" "$dc/root"
	a=$(do_tarball "$dc/a")
	b=$(do_tarball "$dc/b")
	sa=$(sha256sum <"$a" | cut -d' ' -f1)
	sb=$(sha256sum <"$b" | cut -d' ' -f1)
	echo "dist: $(basename "$a") sha256 $sa, again $sb"
	[ "$sa" = "$sb" ] || die "the tarball is not reproducible"

	# exactly the tracked files, nothing of a cache or a build
	got=$(tar -tJf "$a" | sed "s,^$prefix/,," | LC_ALL=C sort)
	want=$(git -C "$TOP" ls-files | LC_ALL=C sort)
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") >&2 || true
		die "the tarball does not hold exactly the tracked files"
	fi
	if grep -E '(^|/)\.cache/|\.(o|ko|mod|cmd|a)$|(^|/)(Module\.symvers|modules\.order)$' <<<"$got"; then
		die "the tarball holds caches or build products"
	fi
	echo "dist: $(wc -l <<<"$got") files, no cache or build products"

	tar -xJf "$a" -C "$dc/unpack"
	src="$dc/unpack/$prefix"
	make -C "$src" KDIR="$kdir" W=1 modules
	[ -f "$src/drivers/gpu/virtio-xen-fault/$NAME.ko" ] || die "no module built from the tarball"
	modinfo -F version "$src/drivers/gpu/virtio-xen-fault/$NAME.ko" | grep -qx "$v" ||
		die "the module built from the tarball has no MODULE_VERSION $v"
	make -C "$src" tools
	"$src/tools/vxf-backend/vxf-backend" --version | grep -qx "vxf-backend $v" ||
		die "vxf-backend --version does not say $v"

	# userspace: exactly what install-list says; the module: one file
	# (compressed and signed as KDIR's .config says) under
	# lib/modules/<release>/extra/; nothing else
	root="$dc/root"
	krel=$(cat "$kdir/include/config/kernel.release")
	make -C "$src" KDIR="$kdir" DESTDIR="$root" PREFIX=/usr install modules_install
	echo "dist: make install modules_install DESTDIR=$root PREFIX=/usr installed:"
	got=$(cd "$root" && find . ! -type d | sed 's,^\.,,' | LC_ALL=C sort)
	echo "$got" | sed 's/^/  /'
	mods=$(grep -E "/$NAME\.ko(\.xz|\.zst|\.gz)?\$" <<<"$got" |
		grep -F "/lib/modules/$krel/extra/" || true)
	[ "$(grep -c . <<<"$mods")" -eq 1 ] || die "make modules_install did not install one $NAME.ko* for $krel"
	got=$(grep -vxF "$mods" <<<"$got" || true)
	want=$(make -s -C "$src" KDIR="$kdir" PREFIX=/usr install-list | LC_ALL=C sort)
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") >&2 || true
		die "make install put other files than make install-list names"
	fi
	echo "dist: distcheck OK: $a"
}

case "${1:-}" in
versions) do_versions ;;
tarball) shift; do_tarball "$@" ;;
distcheck) shift; do_distcheck "$@" ;;
*) sed -n '4,24p' "$0" >&2; exit 2 ;;
esac
