#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz`: boot the debug kernel (KASAN, lockdep, DEBUG_OBJECTS,
# hung-task detection; scripts/debug-kernel.sh) with /bin/vxf-fuzz as the
# payload: the reference backend in hostile mode (vxf-backend --hostile)
# sends 1,000,000 hostile messages while threads fault on the window, then
# vxf-fuzz prints what was sent, what the frontend did, and the targets
# (messages, live allocations back to zero, guest free memory, hangs).
# scripts/vm-run.sh fails the run on any detector report in the console.
#
# usage: scripts/fuzz.sh [vxf-fuzz options...]  (default --seed 1
#        --messages 1000000; also from $VXF_FUZZ_ARGS)
# Exit status: that of scripts/vm-run.sh (0 all targets met and a clean
# kernel, 1 a target missed, 2 kernel trouble or timeout).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ARGS="${*:-${VXF_FUZZ_ARGS:---seed 1 --messages 1000000}}"
[ -x "$TOP/tools/vxf-fuzz/vxf-fuzz" ] || { echo "fuzz: build tools/vxf-fuzz first (make tools)" >&2; exit 3; }
exec "$TOP/scripts/vm-run.sh" --debug --timeout "${FUZZ_TIMEOUT:-1500}" - \
	"VXF_BACKEND=/bin/vxf-backend /bin/vxf-fuzz $ARGS"
