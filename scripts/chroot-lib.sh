# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that build a root filesystem with debootstrap
# (scripts/xen-run.sh, scripts/vgpu-env.sh).

# root_remove DIR: remove a (possibly half-built) root filesystem. An
# interrupted debootstrap leaves the host's /proc (and maybe /sys) mounted
# inside it: unmount whatever is mounted below DIR first, deepest first,
# and never let rm cross into another filesystem.
root_remove() {
	local dir m
	dir=$(realpath -m "$1")
	[ -e "$dir" ] || return 0
	findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | sort -r |
		while IFS= read -r m; do
			umount -l "$m" || return 1
		done
	rm -rf --one-file-system "$dir"
}
