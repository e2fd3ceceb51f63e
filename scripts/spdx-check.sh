#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check every tracked file's licence (COPYING): an SPDX-License-Identifier
# line in its first 3 lines naming a licence of LICENSES/, the one its
# place requires (include/xen/interface/ MIT, include/uapi/ and the test
# module's private uAPI header GPL-2.0 WITH Linux-syscall-note, drivers/
# GPL-2.0), and the one that
# packaging/debian/copyright gives it (its last matching Files: stanza).
# The few files whose format has no comments (listed in COPYING) are
# exempt. Without git (an unpacked tarball) every file is checked.
# Prints one line per file "LICENCE  PATH" and the problems; exit 1 if any.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

# formats without comments, and the licence texts themselves (COPYING)
EXEMPT=(VERSION COPYING 'LICENSES/*' packaging/debian/changelog
	packaging/debian/copyright packaging/debian/source/format
	'packaging/debian/*.dkms' 'packaging/debian/*.docs'
	'xen/patches/*' 'patches/linux/*' 'patches/linux-6.1/*')

if git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t FILES < <(git ls-files | LC_ALL=C sort)
else
	mapfile -t FILES < <(find . -type f ! -path './.cache/*' | sed 's,^\./,,' | LC_ALL=C sort)
fi

# the identifiers LICENSES/ defines
mapfile -t LICS < <(sed -n 's/^Valid-License-Identifier: //p' LICENSES/preferred/*)
mapfile -t EXCS < <(sed -n 's/^SPDX-Exception-Identifier: //p' LICENSES/exceptions/*)

known() {
	local id=$1 lic exc l e
	lic=${id%% WITH *}
	exc=
	[ "$lic" = "$id" ] || exc=${id#* WITH }
	for l in "${LICS[@]}"; do
		[ "$l" = "$lic" ] || continue
		[ -z "$exc" ] && return 0
		for e in "${EXCS[@]}"; do [ "$e" = "$exc" ] && return 0; done
	done
	return 1
}

# packaging/debian/copyright: "glob<TAB>licence" per Files: pattern, in order
COPYRIGHT_MAP=$(awk '
	/^$/ { np = 0; cont = 0; next }
	/^Files:/ { sub(/^Files:[ \t]*/, ""); cont = 1; np = 0 }
	/^[A-Za-z-]+:/ && !/^Files:/ { cont = 0 }
	cont { n = split($0, a, /[ \t]+/);
		for (i = 1; i <= n; i++) if (a[i] != "") pat[++np] = a[i]; next }
	/^License:/ && np { sub(/^License:[ \t]*/, "");
		for (i = 1; i <= np; i++) print pat[i] "\t" $0; np = 0 }
' packaging/debian/copyright)

# SPDX identifier -> packaging/debian/copyright's licence name
deb_name() {
	case "$1" in
	GPL-2.0) echo GPL-2 ;;
	MIT) echo Expat ;;
	"GPL-2.0 WITH Linux-syscall-note") echo "GPL-2 with Linux-syscall-note exception" ;;
	*) echo "?" ;;
	esac
}

deb_licence() {
	local f=$1 pat lic found=
	while IFS=$'\t' read -r pat lic; do
		# shellcheck disable=SC2053 # DEP-5 globs: * matches / too
		[[ "$f" == $pat ]] && found=$lic
	done <<<"$COPYRIGHT_MAP"
	echo "$found"
}

bad=0
problem() { echo "spdx: $1: $2"; bad=$((bad + 1)); }

for f in "${FILES[@]}"; do
	skip=
	for e in "${EXEMPT[@]}"; do
		# shellcheck disable=SC2053
		[[ "$f" == $e ]] && skip=1
	done
	if [ -n "$skip" ]; then
		echo "(exempt)  $f"
		continue
	fi
	id=$(head -n 3 "$f" | sed -n 's/.*SPDX-License-Identifier: \(.*\)$/\1/p' |
		sed 's/[[:space:]]*\(\*\/\|-->\)[[:space:]]*$//; s/[[:space:]]*$//' | head -n 1)
	if [ -z "$id" ]; then
		problem "$f" "no SPDX-License-Identifier in its first 3 lines"
		continue
	fi
	echo "$id  $f"
	known "$id" || problem "$f" "'$id' is not a licence of LICENSES/"
	case "$f" in
	include/xen/interface/*) want=MIT ;;
	include/uapi/* | drivers/*_uapi.h) want="GPL-2.0 WITH Linux-syscall-note" ;;
	drivers/*) want=GPL-2.0 ;;
	*) want= ;;
	esac
	[ -z "$want" ] || [ "$id" = "$want" ] || problem "$f" "is '$id', must be '$want'"
	d=$(deb_licence "$f")
	[ "$d" = "$(deb_name "$id")" ] ||
		problem "$f" "'$id' but packaging/debian/copyright says '${d:-nothing}'"
done

echo "spdx: ${#FILES[@]} files, $bad problems"
[ "$bad" -eq 0 ]
