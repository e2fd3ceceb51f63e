# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the scripts that build a root filesystem with debootstrap
# (scripts/xen-run.sh, scripts/vgpu-env.sh): where to fetch it from, and
# how to remove one.

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

# apt_mirror SUITE: the URI of an entry of this machine's apt sources that
# serves SUITE itself (deb822 first, then one-line format), for debootstrap:
# no mirror's name is written into the project.
apt_mirror() {
	local s=$1 f
	[ -n "$s" ] || return 1
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$s" '
			/^[ \t]*$/ { if (u != "" && ok && t) { print u; exit } u = ""; ok = 0; t = 0; next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") t = 1 }
			tolower($1) == "uris:" { u = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			END { if (u != "" && ok && t) print u }' "$f"
	done | head -n 1 | grep . && return 0
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v s="$s" '$1 == "deb" {
			i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++
			if ($2 ~ /^\[/) i++
			if ($(i + 1) == s) { print $i; exit } }' | grep .
}
