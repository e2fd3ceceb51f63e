#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's 6.12 kernel on a real virtio-gpu with a host-visible
# region: trixie's QEMU 10 with virglrenderer 1.1 and Mesa's Venus on
# lavapipe (scripts/vgpu-env.sh builds that root once), under Xvfb
# (scripts/vgpu-qemu.sh), through scripts/vm-run.sh's initramfs and judge.
# The guest loads its kernel's own virtio-gpu module and runs a payload.
#
# usage: scripts/vgpu-run.sh [vm-run options] [PAYLOAD...]
#   PAYLOAD   shell command line run in the guest, default "vgpu-tests":
#             /tests-vgpu/vxf_vgpu (tests/igt/vxf_vgpu.c), then Mesa's
#             Venus driver through `vulkaninfo --summary`, each between
#             VXF-TEST-BEGIN/END markers like run-tests (the vulkaninfo
#             check as test "venus", subtest "vulkaninfo")
#   vm-run options (--timeout, --log, --allow-warn, --append...) are passed
#   on; the default timeout is 300 s.
#
# The guest also has Mesa's Venus ICD, the Vulkan loader and vulkaninfo
# from the trixie root (with trixie's C library: the test binaries are
# static), in /usr, with VK_ICD_FILENAMES pointing at the Venus ICD.
# Exit status: scripts/vm-run.sh's. Must run as root. VGPU_ROOT names
# another trixie root (default: scripts/vgpu-env.sh builds or finds it).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
VCACHE="$TOP/.cache/vgpu"
DEVICE=virtio-gpu-gl-pci,hostmem=256M,blob=true,venus=true
VGPU_TEST="$TOP/tests/igt/vgpu/vxf_vgpu"

setup_fail() { echo "vgpu-run: ERROR: $*" >&2; exit 3; }

opts=()
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout|--log|--append|--kernel) opts+=("$1" "$2"); shift 2 ;;
	--allow-warn|--no-slub-debug) opts+=("$1"); shift ;;
	--) shift; break ;;
	-*) setup_fail "unknown option $1" ;;
	*) break ;;
	esac
done
PAYLOAD=${*:-vgpu-tests}

[ "$(id -u)" -eq 0 ] || setup_fail "must run as root (chroot)"
[ -x "$VGPU_TEST" ] || setup_fail "$VGPU_TEST missing (make -C tests/igt vgpu/vxf_vgpu)"
ROOT=${VGPU_ROOT:-$("$TOP/scripts/vgpu-env.sh")} || exit 3
export VGPU_ROOT=$ROOT

# -- the guest's additions: Mesa's Venus ICD and vulkaninfo, with their
# libraries, from the trixie root (cached per root) --------------------------

GUEST="$VCACHE/guest"
stamp="$(cat "$ROOT/.vxf-stamp") guest=1"
if [ ! -f "$GUEST/.vxf-stamp" ] || [ "$(cat "$GUEST/.vxf-stamp")" != "$stamp" ]; then
	rm -rf "$GUEST.tmp"
	mkdir -p "$GUEST.tmp"
	icd=$(cd "$ROOT" && ls usr/share/vulkan/icd.d/virtio_icd*.json | head -n 1)
	[ -n "$icd" ] || setup_fail "no Venus ICD in $ROOT/usr/share/vulkan/icd.d"
	lib=$(sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' "$ROOT/$icd")
	case "$lib" in
	/*) ;;
	*) lib=$(chroot "$ROOT" sh -c "ls /usr/lib/x86_64-linux-gnu/$lib") ;;
	esac
	# the Vulkan loader is dlopen()ed: ldd does not list it
	vk=/usr/lib/x86_64-linux-gnu/libvulkan.so.1
	files="/$icd /usr/bin/vulkaninfo $lib $vk"
	for f in /usr/bin/vulkaninfo "$lib" "$vk"; do
		files="$files $(chroot "$ROOT" ldd "$f" | grep -o '/[^ ]*')"
	done
	for f in $files; do
		mkdir -p "$GUEST.tmp$(dirname "$f")"
		cp -L "$ROOT$f" "$GUEST.tmp$f"
	done
	echo "$stamp" >"$GUEST.tmp/.vxf-stamp"
	echo "/$icd" >"$GUEST.tmp/.venus-icd"
	rm -rf "$GUEST"
	mv "$GUEST.tmp" "$GUEST"
fi

# the per-run part: the test binary and the payload's script
RUN=$(mktemp -d "$VCACHE/run-XXXXXX")
trap 'rm -rf "$RUN"' EXIT
cp -a "$GUEST/." "$RUN/"
rm -f "$RUN/.vxf-stamp" "$RUN/.venus-icd"
mkdir -p "$RUN/tests-vgpu" "$RUN/bin"
cp "$VGPU_TEST" "$RUN/tests-vgpu/"
cat >"$RUN/bin/vgpu-tests" <<EOF
#!/bin/sh
# vxf_vgpu, then Mesa's Venus through vulkaninfo; exit 1 if either fails
export VK_ICD_FILENAMES=$(cat "$GUEST/.venus-icd") HOME=/tmp
EOF
cat >>"$RUN/bin/vgpu-tests" <<'EOF'
rc=0
echo "VXF-TEST-BEGIN vxf_vgpu"
/tests-vgpu/vxf_vgpu
r=$?
echo "VXF-TEST-END vxf_vgpu rc=$r"
case $r in 0|77) ;; *) rc=1 ;; esac

echo "VXF-TEST-BEGIN venus"
echo "Starting subtest: vulkaninfo"
t0=$(cut -d' ' -f1 /proc/uptime)
/usr/bin/vulkaninfo --summary >/tmp/vulkaninfo.out 2>&1
r=$?
t1=$(cut -d' ' -f1 /proc/uptime)
cat /tmp/vulkaninfo.out
dev=$(sed -n 's/^[ \t]*deviceName *= *//p' /tmp/vulkaninfo.out | head -n 1)
drv=$(sed -n 's/^[ \t]*driverName *= *//p' /tmp/vulkaninfo.out | head -n 1)
echo "venus: vulkaninfo exit $r, deviceName \"$dev\", driverName \"$drv\""
if [ $r -eq 0 ] && [ "$drv" = venus ] && case "$dev" in *Venus*) true ;; *) false ;; esac; then
	res=SUCCESS
else
	res=FAIL
	rc=1
fi
echo "Subtest vulkaninfo: $res ($(awk "BEGIN { print $t1 - $t0 }")s)"
echo "VXF-TEST-END venus rc=$([ $res = SUCCESS ] && echo 0 || echo 1)"

# Unbind virtio-gpu before the power-off: there, the fbdev emulation's
# damage worker can queue a command on the virtqueues the shutdown has
# already broken (a WARNING in virtio_gpu_queue_fenced_ctrl_buffer).
for d in /sys/bus/virtio/drivers/virtio_gpu/virtio*; do
	[ -e "$d" ] && echo "${d##*/}" >/sys/bus/virtio/drivers/virtio_gpu/unbind
done
exit $rc
EOF
chmod 0755 "$RUN/bin/vgpu-tests"

case " ${opts[*]} " in *" --timeout "*) ;; *) opts+=(--timeout 300) ;; esac
"$TOP/scripts/vm-run.sh" "${opts[@]}" --no-module --kmod virtio-gpu \
	--qemu "$TOP/scripts/vgpu-qemu.sh" \
	--qemu-args "-vga none -device $DEVICE -display sdl,gl=on" \
	--add-dir "$RUN" - "$PAYLOAD"
