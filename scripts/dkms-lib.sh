# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by scripts/dkms-test.sh and scripts/package-test.sh: DKMS with
# private trees, for the cached Debian 6.12 headers (KVER_612, KDIR_612
# from .cache/kernels/env.sh); nothing of the host's DKMS is touched.

# dkms_private_install NAME VER SOURCETREE DK: dkms add, build and install
# module NAME VER found in SOURCETREE/NAME-VER, with DKMS's tree under
# DK/tree and its install root under DK/install. On success DKMS_KO is
# the installed NAME.ko*; on failure a reason is printed and 1 returned.
dkms_private_install() {
	local name=$1 ver=$2 src=$3 dk=$4 trees kopts
	trees=(--sourcetree "$src" --dkmstree "$dk/tree" --installtree "$dk/install")
	kopts=(-k "$KVER_612" --kernelsourcedir "$KDIR_612")
	DKMS_KO=
	mkdir -p "$dk/tree" "$dk/install/$KVER_612"
	dkms add -m "$name" -v "$ver" "${trees[@]}" || return 1
	if ! dkms build -m "$name" -v "$ver" "${kopts[@]}" "${trees[@]}"; then
		cat "$dk/tree/$name/$ver/build/make.log" 2>/dev/null >&2 || true
		echo "dkms build of $name $ver from $src failed" >&2
		return 1
	fi
	dkms install -m "$name" -v "$ver" "${kopts[@]}" "${trees[@]}" --no-depmod || return 1
	dkms status -m "$name" "${trees[@]}"
	DKMS_KO=$(find "$dk/install/$KVER_612" -name "$name.ko*" -print -quit)
	if [ -z "$DKMS_KO" ]; then
		echo "dkms install left no $name.ko* in $dk/install/$KVER_612" >&2
		return 1
	fi
}
