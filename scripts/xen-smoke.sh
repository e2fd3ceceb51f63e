#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the Xen harness: boot Xen 4.17 + the 6.12 PV dom0 under
# QEMU TCG, start a PVH domU with the driver module (if built) loaded, and
# check that
#   - dom0 sees the domU(s) in `xl list`, writes and reads back a xenstore
#     key under the domU's directory, and can run tools/vxf-backend;
#   - the domU runs on Xen (/sys/hypervisor/type is "xen"), loads and
#     unloads the module, and powers off.
# usage: scripts/xen-smoke.sh [xen-run.sh options, e.g. --domus 2, --vxf-pair]
# Exit status as scripts/xen-run.sh (0 = all good).
set -euo pipefail
exec "$(dirname "$0")/xen-run.sh" --smoke --timeout 600 --domu-timeout 180 "$@"
