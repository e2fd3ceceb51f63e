#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Apply the project's Xen patch series (xen/patches/series, one file name
# a line, in order; '#' comments) to an unpacked Xen source tree, such as
# Debian's source package after `apt-get source` (scripts/xen-build.sh).
# Each patch is tried first (patch --dry-run) and applied only if all of
# it applies: the script stops at the first one that does not, naming it,
# and leaves the tree with the patches before it applied.
#
# usage: scripts/xen-patches.sh TREE
# Exit status: 0 every patch applied; 1 a patch did not apply; 3 usage.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
PATCHES="$TOP/xen/patches"
TREE=${1:-}
[ -n "$TREE" ] && [ -d "$TREE/xen" ] || { echo "usage: $0 XEN-SOURCE-TREE" >&2; exit 3; }
[ -f "$PATCHES/series" ] || { echo "xen-patches: $PATCHES/series missing" >&2; exit 3; }

n=0
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	if ! out=$(patch -d "$TREE" -p1 --forward --batch --dry-run <"$PATCHES/$p" 2>&1); then
		echo "xen-patches: $p does not apply to $TREE:" >&2
		echo "$out" | sed 's/^/  /' >&2
		exit 1
	fi
	patch -d "$TREE" -p1 --forward --batch --quiet <"$PATCHES/$p"
	n=$((n + 1))
	echo "xen-patches: applied $p" >&2
done <"$PATCHES/series"
echo "xen-patches: $n patches applied" >&2
