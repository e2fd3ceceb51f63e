#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot real Xen 4.17 (Debian's xen-hypervisor-4.17-amd64) under QEMU TCG,
# with Debian's 6.12 kernel as a PV dom0 and as one or more PVH domUs, run
# commands in dom0 and in the domU(s), and judge the run from the host.
#
# usage: scripts/xen-run.sh [options]
#   --dom0-payload CMD   bash command run in dom0 after the domU(s) were
#                        created paused and before they are unpaused (write
#                        xenstore entries, start a backend with '&', ...).
#                        Environment: DOMID (first domU), DOMU_IDS, DOMU_NAMES,
#                        VXF_FILES; functions from /vxf/lib.sh (vxf_xs_pair,
#                        vxf_domu_log, vxf_xs_dump); PATH has the Xen tools.
#   --dom0-post CMD      bash command run in dom0 after every domU ended
#                        (or was destroyed on timeout); same environment.
#   --domu-payload CMD   busybox sh command run in each domU (default: true);
#                        DOMU_INDEX=1..N is set. Output goes to its console.
#   --domu-module KO     module insmod'ed in the domU before the payload
#                        (default: the driver .ko if it was built; "none")
#   --domu-module-args A parameters for that module's insmod in domUs 1..N
#   --vxf-pair           create the frontend/backend xenstore pair for
#                        device "vxf" 0 of every domU before --dom0-payload
#   --domus N            number of domUs (default 1)
#   --domu-mem MB        memory per domU (default 512)
#   --domu-vcpus N       vCPUs per domU (default 1)
#   --files DIR          copied to /vxf/files in dom0 and /files in domUs
#   --timeout S          hard limit for QEMU (default 600)
#   --domu-timeout S     bounded wait in dom0 for the domU(s) (default 180)
#   --mem MB             QEMU machine memory (default 3072; dom0 gets 1024)
#   --allow-warn         do not fail on "WARNING:"
#   --smoke              built-in smoke test (see scripts/xen-smoke.sh)
#   --prepare            only build/refresh the caches in .cache/xen/
#   --xen-image FILE     boot this hypervisor instead of Debian's (the
#                        patched one: scripts/xen-build.sh)
# Output: the dom0 payload's lines ("dom0| ...") and each domU's payload
# section ("vxf-domuN| ...") on stdout; progress and verdict on stderr.
# Logs: .cache/logs/xen-<stamp>.{console,xen,dom0,vxf-domuN}.log.
# Environment: VXF_XEN_ARGS, more options for Xen's command line;
# VXF_DOM0_ARGS, more options for dom0's kernel command line (no commas);
# VXF_DOMU_CFG, more lines for each domU's xl.cfg (e.g. "hap = 0");
# VXF_XEN_TIME_SCALE, the factor every time limit (the options above, the
# stages', the guests' hung-task and soft-lockup timeouts) is multiplied by (default: from
# the load average, 1 on an idle machine; see scripts/xen-lib.sh).
# Exit status: 0 all good; 1 a payload failed but nothing else went wrong;
# 2 a stage did not come up, kernel/Xen trouble, missing marker or timeout;
# 3 usage or setup error.
#
# Caches (.cache/xen/, built once, rebuilt when their recipe changes):
#   rootfs/  debootstrap --variant=minbase bookworm with xen-utils-4.17,
#            xenstore-utils, xen-hypervisor-4.17-amd64, kmod (mirror taken
#            from this machine's apt sources), upgraded from every suite
#            apt knows here (security updates)
#   xen-<version>            xen.gz from rootfs/boot, gunzipped (QEMU
#                            multiboot -kernel)
#   mods-<kver>/             modules of Debian's 6.12 image + depmod
#   dom0-<kver>.img          ext4 image: rootfs + modules, booted with
#                            snapshot=on (never modified)
# Stage 1 of dom0 is a small busybox initramfs (virtio_blk, ext4) that
# mounts the image and switch_root's to /vxf/dom0-init, a bash script that
# starts xenstored, xen-init-dom0, xenconsoled --log=guest, creates the
# domU(s) with `xl create -p`, runs the payloads and powers off.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
XCACHE=${VXF_XEN_CACHE:-$TOP/.cache/xen}	# override only to test a fresh build
SUITE=bookworm
XENVER=4.17
INCLUDE="xen-utils-$XENVER,xenstore-utils,xen-hypervisor-$XENVER-amd64,kmod"
RECIPE=1		# bump when the rootfs recipe changes

TIMEOUT=600
DOMU_TIMEOUT=180
QMEM=3072
DOM0_MEM=1024
NDOMU=1
DOMU_MEM=512
DOMU_VCPUS=1
DOM0_PRE=
DOM0_POST=
DOMU_PAYLOAD=true
DOMU_KO=
DOMU_KO_ARGS=
FILES=
VXF_PAIR=0
ALLOW_WARN=0
PREPARE_ONLY=0
XEN_IMAGE=

usage() { sed -n '8,42p' "$0" >&2; exit 3; }
setup_fail() { echo "xen-run: ERROR: $*" >&2; exit 3; }
say() { echo "xen-run: $*" >&2; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | sed 's/^\./0./; s/\(\.[0-9]\)[0-9]*$/\1/'; }

smoke_mode() {
	DOMU_PAYLOAD='echo "uname: $(uname -a)"
echo "hypervisor type: $(cat /sys/hypervisor/type)"
ls /sys/bus/xen/devices/ | sed "s/^/xenbus device: /"
grep -q "^xen$" /sys/hypervisor/type'
	DOM0_PRE='xl list
xenstore-write /local/domain/$DOMID/data/vxf-smoke hello
xenstore-chmod /local/domain/$DOMID/data/vxf-smoke n$DOMID r0
echo "xenstore readback: $(xenstore-read /local/domain/$DOMID/data/vxf-smoke)"
vxf_xs_dump $DOMID
if [ -x /vxf/bin/vxf-backend ]; then /vxf/bin/vxf-backend --help >/dev/null 2>&1; echo "vxf-backend runs in dom0: rc=$?"; fi
xl info | grep -E "^(xen_major|xen_minor|xen_extra|total_memory|free_memory|nr_cpus)"
for d in $DOMU_NAMES; do xl domid $d >/dev/null || { echo "$d not in xl list"; exit 1; }; done'
	DOM0_POST='xl list
echo "domU console log lines: $(wc -l < $(vxf_domu_log 1))"'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--dom0-payload|--dom0-pre) DOM0_PRE=$2; shift 2 ;;
	--dom0-post) DOM0_POST=$2; shift 2 ;;
	--domu-payload) DOMU_PAYLOAD=$2; shift 2 ;;
	--domu-module) DOMU_KO=$2; shift 2 ;;
	--domu-module-args) DOMU_KO_ARGS=$2; shift 2 ;;
	--vxf-pair) VXF_PAIR=1; shift ;;
	--domus) NDOMU=$2; shift 2 ;;
	--domu-mem) DOMU_MEM=$2; shift 2 ;;
	--domu-vcpus) DOMU_VCPUS=$2; shift 2 ;;
	--files) FILES=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--domu-timeout) DOMU_TIMEOUT=$2; shift 2 ;;
	--mem) QMEM=$2; shift 2 ;;
	--allow-warn) ALLOW_WARN=1; shift ;;
	--smoke) smoke_mode; shift ;;
	--prepare) PREPARE_ONLY=1; shift ;;
	--xen-image) XEN_IMAGE=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "xen-run: unknown argument $1" >&2; usage ;;
	esac
done
case "$NDOMU" in [1-9]) ;; *) setup_fail "--domus must be 1..9" ;; esac
# shellcheck source=scripts/xen-lib.sh
. "$TOP/scripts/xen-lib.sh"
# shellcheck source=scripts/chroot-lib.sh
. "$TOP/scripts/chroot-lib.sh"
TSCALE=$(xen_time_scale)
TIMEOUT=$((TIMEOUT * TSCALE))
DOMU_TIMEOUT=$((DOMU_TIMEOUT * TSCALE))
HUNG_SECS=$((60 * TSCALE))
# the soft-lockup detector fires after 2 x watchdog_thresh s (default 10)
WDOG_SECS=$((10 * TSCALE))
[ -z "$FILES" ] || [ -d "$FILES" ] || setup_fail "--files $FILES is not a directory"
[ -z "$XEN_IMAGE" ] || [ -f "$XEN_IMAGE" ] || setup_fail "--xen-image $XEN_IMAGE missing"

# -- host prerequisites --------------------------------------------------------

ENV="$TOP/.cache/kernels/env.sh"
[ -f "$ENV" ] || setup_fail "$ENV missing: run scripts/kernels.sh (make kernels)"
# shellcheck source=/dev/null
. "$ENV"
KVER=$KVER_612
VMLINUZ=$VMLINUZ_612
[ -f "$VMLINUZ" ] || setup_fail "kernel $VMLINUZ missing (make kernels)"
for t in qemu-system-x86_64 debootstrap mke2fs depmod cpio xz bc flock; do
	command -v "$t" >/dev/null || setup_fail "$t missing (make deps)"
done
BUSYBOX=$(command -v busybox || true)
if [ -z "$BUSYBOX" ] || ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
	setup_fail "static busybox missing (apt-get install busybox-static)"
fi
[ "$(id -u)" -eq 0 ] || setup_fail "must run as root (debootstrap, image build)"

# -- caches ----------------------------------------------------------------------

build_rootfs() {
	local want="suite=$SUITE include=$INCLUDE recipe=$RECIPE" mirror tmp t0
	if [ -f "$XCACHE/rootfs/.vxf-stamp" ] && [ "$(cat "$XCACHE/rootfs/.vxf-stamp")" = "$want" ]; then
		return 0
	fi
	mirror=$(apt_mirror "$SUITE") || setup_fail "no '$SUITE' deb source in /etc/apt/sources.list*"
	say "building dom0 rootfs (debootstrap $SUITE from $mirror, once)"
	t0=$(now)
	tmp="$XCACHE/rootfs.tmp"
	root_remove "$tmp"
	root_remove "$XCACHE/rootfs"
	debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$mirror" \
		>"$XCACHE/debootstrap.log" 2>&1 ||
		setup_fail "debootstrap failed, see $XCACHE/debootstrap.log: $(tail -n 3 "$XCACHE/debootstrap.log")"
	# Same suites as the host (security updates): the hypervisor and the
	# tools then match the host's libxen-dev.
	rm -f "$tmp/etc/apt/sources.list"
	cp /etc/apt/sources.list.d/*.sources "$tmp/etc/apt/sources.list.d/" 2>/dev/null || true
	cp /etc/apt/sources.list.d/*.list "$tmp/etc/apt/sources.list.d/" 2>/dev/null || true
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$tmp/etc/apt/"
	if ! { chroot "$tmp" apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		chroot "$tmp" apt-get -y -q -o Dpkg::Options::=--force-confold upgrade; } \
		>>"$XCACHE/debootstrap.log" 2>&1; then
		say "warning: apt-get upgrade in the rootfs failed (see $XCACHE/debootstrap.log); keeping $SUITE's versions"
	fi
	chroot "$tmp" apt-get clean >/dev/null 2>&1 || true
	rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc "$tmp"/usr/share/man \
		"$tmp"/usr/share/locale "$tmp"/usr/share/info
	ls "$tmp"/boot/xen-"$XENVER"-amd64.gz >/dev/null 2>&1 || setup_fail "no xen.gz in the rootfs"
	[ -x "$tmp/usr/lib/xen-$XENVER/bin/xl" ] || setup_fail "no xl in the rootfs"
	echo "$want" >"$tmp/.vxf-stamp"
	mv "$tmp" "$XCACHE/rootfs"
	say "rootfs built in $(since "$t0")s ($(du -sh "$XCACHE/rootfs" | cut -f1))"
}

# Modules of Debian's 6.12 image, from its .deb (scripts/kernels.sh keeps
# it in .cache/kernels/debs), with depmod run on them.
build_modules() {
	MODROOT="$XCACHE/mods-$KVER"
	local md="$MODROOT/lib/modules/$KVER"
	# `make clean` (kbuild with M=<top>) deletes every *.ko* below the
	# top directory, .cache/ included: check a few files, not just the dir.
	if [ -f "$md/modules.dep" ] && [ -f "$md/kernel/fs/ext4/ext4.ko.xz" ] &&
	   [ -f "$md/kernel/drivers/xen/xenfs/xenfs.ko.xz" ] &&
	   [ "$(find "$md/kernel" -name '*.ko*' | wc -l)" -eq "$(wc -l <"$md/modules.dep")" ]; then
		return 0
	fi
	local deb
	deb=$(find "$TOP/.cache/kernels/debs" -maxdepth 1 -name "linux-image-${KVER}-unsigned_*.deb" -print -quit 2>/dev/null || true)
	if [ -z "$deb" ]; then
		mkdir -p "$XCACHE/debs"
		(cd "$XCACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "linux-image-${KVER}-unsigned") >&2 ||
			setup_fail "cannot download linux-image-${KVER}-unsigned"
		deb=$(find "$XCACHE/debs" -maxdepth 1 -name "linux-image-${KVER}-unsigned_*.deb" -print -quit)
	fi
	rm -rf "$MODROOT.tmp"
	mkdir -p "$MODROOT.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$MODROOT.tmp" ./lib/modules
	depmod -b "$MODROOT.tmp" "$KVER"
	rm -rf "$MODROOT"
	mv "$MODROOT.tmp" "$MODROOT"
}

build_image() {
	IMG="$XCACHE/dom0-$KVER.img"
	local want stage
	want="$(cat "$XCACHE/rootfs/.vxf-stamp") kver=$KVER image=2"
	[ -f "$IMG" ] && [ -f "$IMG.stamp" ] && [ "$(cat "$IMG.stamp")" = "$want" ] && return 0
	say "building dom0 disk image for $KVER"
	stage="$XCACHE/stage.tmp"
	rm -rf "$stage" "$IMG" "$IMG.stamp"
	cp -al "$XCACHE/rootfs" "$stage"
	mkdir -p "$stage/lib/modules" "$stage/vxf"
	cp -a "$MODROOT/lib/modules/$KVER" "$stage/lib/modules/"
	rm -f "$stage/lib/modules/$KVER/build" "$stage/lib/modules/$KVER/source"
	[ "$(find "$stage/lib/modules/$KVER/kernel" -name '*.ko*' | wc -l)" -eq \
	  "$(wc -l <"$stage/lib/modules/$KVER/modules.dep")" ] ||
		setup_fail "modules vanished from $MODROOT while building the image (make clean?): rerun"
	echo "vxf-dom0" >"$stage/etc/hostname"
	mke2fs -q -t ext4 -L vxf-dom0 -d "$stage" "$IMG.tmp" 2G >/dev/null
	rm -rf "$stage"
	mv "$IMG.tmp" "$IMG"
	echo "$want" >"$IMG.stamp"
}

prepare_caches() {
	mkdir -p "$XCACHE"
	exec 9>"$XCACHE/.lock"
	flock 9
	build_rootfs
	local gz ver
	gz=$(ls "$XCACHE"/rootfs/boot/xen-"$XENVER"-amd64.gz)
	ver=$(dpkg-query --admindir="$XCACHE/rootfs/var/lib/dpkg" -W -f='${Version}' \
		"xen-hypervisor-$XENVER-amd64")
	XEN="$XCACHE/xen-$ver"
	[ -f "$XEN" ] || { zcat "$gz" >"$XEN.tmp" && mv "$XEN.tmp" "$XEN"; }
	build_modules
	build_image
	flock -u 9
}

T_ALL=$(now)
prepare_caches
T_PREP=$(since "$T_ALL")
[ -z "$XEN_IMAGE" ] || XEN=$XEN_IMAGE
if [ "$PREPARE_ONLY" -eq 1 ]; then
	say "caches ready in ${T_PREP}s: $XEN, $IMG"
	exit 0
fi
MODDIR="$MODROOT/lib/modules/$KVER"

mkdir -p "$TOP/.cache/logs" "$TOP/.cache/vm"
STAMP=$(date +%Y%m%d-%H%M%S)-$$
LOGP="$TOP/.cache/logs/xen-$STAMP"
LOG="$LOGP.console.log"
WORK=$(mktemp -d "$TOP/.cache/vm/xen-XXXXXX")
# QEMU's QMP socket, for the probe of a run that hangs (a short path: a
# socket's name is limited to 107 bytes)
QMP_SOCK=$(mktemp -u /tmp/vxf-xen-qmp-XXXXXX)
QPID=
PROBE_PID=
cleanup() {
	[ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
	[ -z "$PROBE_PID" ] || kill "$PROBE_PID" 2>/dev/null || true
	rm -rf "$WORK" "$QMP_SOCK"
}
trap cleanup EXIT

# -- helpers for the initramfs trees ---------------------------------------------

add_busybox() {
	local r=$1 a
	mkdir -p "$r"/{bin,sbin,dev,proc,sys,tmp,run,etc,lib/modules/vxf}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
}

# copy a host binary plus, if it is dynamic, its loader and libraries
add_bin() {
	local r=$1 src=$2 dst=$3 lib
	install -D -m 0755 "$src" "$r/$dst"
	if ! file -L "$src" | grep -q 'statically linked'; then
		for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true); do
			[ -e "$r$lib" ] || cp -L --parents "$lib" "$r/"
		done
	fi
}

unpack_ko() {
	case "$1" in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# Copy modules NAMES (with their dependencies, in load order) from MODDIR
# into ROOT/lib/modules/vxf/NN-name.ko; prints the in-guest paths.
add_mods() {
	local r=$1 first=$2 order="" line m d i n
	shift 2
	for d in "$@"; do
		line=$(grep -E "/${d//[-_]/[-_]}\\.ko(\\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n 1) ||
			setup_fail "module $d not in $MODDIR/modules.dep"
		for m in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
			case " $order " in *" $m "*) ;; *) order="$order $m" ;; esac
		done
	done
	i=$first
	for m in $order; do
		n=$(printf '%02d-%s' "$i" "$(basename "${m%%.ko*}").ko")
		unpack_ko "$MODDIR/$m" "$r/lib/modules/vxf/$n"
		echo "/lib/modules/vxf/$n"
		i=$((i + 1))
	done
}

# -- domU initramfs ----------------------------------------------------------------

U="$WORK/domu"
add_busybox "$U"
mkdir -p "$U/tests"
DOMU_MODS=""
if [ -z "$DOMU_KO" ] && [ -f "$TOP/drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko" ]; then
	DOMU_KO="$TOP/drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko"
fi
[ "$DOMU_KO" != none ] || DOMU_KO=
if [ -n "$DOMU_KO" ]; then
	[ -f "$DOMU_KO" ] || setup_fail "module $DOMU_KO missing"
	unpack_ko "$DOMU_KO" "$WORK/main.ko"
	deps=$(modinfo -F depends "$WORK/main.ko" | tr ',' ' ')
	if [ -n "$deps" ]; then
		# shellcheck disable=SC2086
		DOMU_MODS=$(add_mods "$U" 1 $deps | tr '\n' ' ')
	fi
	kon="99-$(basename "${DOMU_KO%%.ko*}").ko"
	cp "$WORK/main.ko" "$U/lib/modules/vxf/$kon"
	DOMU_MODS="$DOMU_MODS /lib/modules/vxf/$kon"
fi
[ -x "$TOP/tools/vxf-backend/vxf-backend" ] && add_bin "$U" "$TOP/tools/vxf-backend/vxf-backend" /bin/vxf-backend
[ -x "$TOP/tools/vxf-demo/vxf-demo" ] && add_bin "$U" "$TOP/tools/vxf-demo/vxf-demo" /bin/vxf-demo
for t in "$TOP"/tests/igt/vxf_*; do
	[ -f "$t" ] && [ -x "$t" ] && add_bin "$U" "$t" "/tests/$(basename "$t")"
done
if [ -n "$FILES" ]; then mkdir -p "$U/files" && cp -a "$FILES/." "$U/files/"; fi
printf '%s\n' "$DOMU_PAYLOAD" >"$U/etc/payload"
printf 'MODLIST="%s"\n' "$DOMU_MODS" >"$U/init"
printf '%s\n' "$DOMU_KO_ARGS" >"$U/etc/module-args"
cat >>"$U/init" <<'EOF'
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
DOMU_INDEX=$(sed -n 's/.*vxf.index=\([0-9]*\).*/\1/p' /proc/cmdline)
export DOMU_INDEX
echo "VXF-DOMU-INIT-START index=$DOMU_INDEX uptime=$(cut -d' ' -f1 /proc/uptime)"
# the idle loop's halt (scripts/xen-lib.sh: signature idle-wakeup)
echo "VXF-KSYM-IDLE-HALT $(grep -m1 ' pv_native_safe_halt$' /proc/kallsyms | cut -d' ' -f1)"
# the core kernel's text (signature kernel-text)
echo "VXF-KSYM-TEXT $(grep -m1 ' _stext$' /proc/kallsyms | cut -d' ' -f1) $(grep -m1 ' _etext$' /proc/kallsyms | cut -d' ' -f1)"
ok=1
for m in $MODLIST; do
	args=
	case "$m" in */99-*) args=$(cat /etc/module-args) ;; esac
	# (scripts/xen-lib.sh: a domU that dies before this line for the
	# driver never ran any of its code)
	echo "VXF-INSMOD-BEGIN $m"
	# shellcheck disable=SC2086
	if insmod "$m" $args; then
		echo "VXF-INSMOD-OK $m"
		# where the driver's text went (xen-lib.sh: module_text_place)
		case "$m" in */99-*)
			n=$(basename "$m" .ko | sed 's/^99-//' | tr - _)
			echo "VXF-KSYM-MODULE $n $(cat /sys/module/$n/sections/.text 2>/dev/null)" ;;
		esac
	else
		echo "VXF-INSMOD-FAIL $m"
		ok=0
		break
	fi
done
rc=99
if [ $ok -eq 1 ]; then
	echo "VXF-DOMU-PAYLOAD-BEGIN"
	cd /tmp
	sh -c "$(cat /etc/payload)" </dev/null 2>&1
	rc=$?
	cd /
	echo "VXF-DOMU-PAYLOAD-EXIT=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
	for m in $(echo $MODLIST | tr ' ' '\n' | sed '1!G;h;$!d'); do
		n=$(basename "$m" .ko)
		if rmmod "${n#??-}"; then
			echo "VXF-RMMOD-OK ${n#??-}"
		else
			echo "VXF-RMMOD-FAIL ${n#??-}"
			break
		fi
	done
fi
echo "VXF-DOMU-DONE"
poweroff -f
EOF
sed -i '1i #!/bin/sh' "$U/init"
chmod 0755 "$U/init"

# -- dom0 stage 1 initramfs (mounts the cached image) --------------------------------

D="$WORK/dom0"
add_busybox "$D"
DOM0_MODS=$(add_mods "$D" 1 crc32c_generic virtio_blk ext4 | tr '\n' ' ')
X="$D/xfer"
mkdir -p "$X/bin" "$X/files"
(cd "$U" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$X/domu-initrd.gz"
cp "$VMLINUZ" "$X/vmlinuz"
[ -x "$TOP/tools/vxf-backend/vxf-backend" ] && cp "$TOP/tools/vxf-backend/vxf-backend" "$X/bin/"
[ -z "$FILES" ] || cp -a "$FILES/." "$X/files/"
printf '%s\n' "$DOM0_PRE" >"$X/dom0-pre"
printf '%s\n' "$DOM0_POST" >"$X/dom0-post"
cat >"$X/config" <<EOF
NDOMU=$NDOMU
DOMU_MEM=$DOMU_MEM
DOMU_VCPUS=$DOMU_VCPUS
DOMU_TIMEOUT=$DOMU_TIMEOUT
HUNG_SECS=$HUNG_SECS
WDOG_SECS=$WDOG_SECS
export VXF_XEN_TIME_SCALE=$TSCALE
VXF_PAIR=$VXF_PAIR
XENVER=$XENVER
DOMU_CFG=$(printf '%q' "${VXF_DOMU_CFG:-}")
WATCHDOG_AT=$([ "$TIMEOUT" -ge 240 ] && echo $((TIMEOUT - 80)) || echo 0)
EOF

printf 'MODLIST="%s"\n' "$DOM0_MODS" >"$D/init"
cat >>"$D/init" <<'EOF'
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "VXF-DOM0-INIT-START uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in $MODLIST; do insmod "$m" || echo "VXF-DOM0-INSMOD-FAIL $m"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
if ! mount -t ext4 /dev/vda /newroot; then
	echo "VXF-DOM0-ROOT-FAIL"
	ls /dev; cat /proc/partitions
	poweroff -f
fi
# per-run files: RAM to RAM (switch_root empties the initramfs)
mkdir -p /newroot/vxf /xfer2
mount -t tmpfs -o mode=0755 tmpfs /xfer2
mv /xfer/* /xfer2/
mount --move /xfer2 /newroot/vxf
umount /proc /sys /dev
echo "VXF-DOM0-ROOT-OK"
exec switch_root /newroot /vxf/dom0-init
EOF
sed -i '1i #!/bin/sh' "$D/init"
chmod 0755 "$D/init"

# helpers for the dom0 payloads
cat >"$X/lib.sh" <<'EOF'
# shellcheck shell=bash
# Sourced by the dom0 payloads (scripts/xen-run.sh).

# vxf_xs_pair DOMU [DEVID [BACKEND_DOMID]]
# Create the generic frontend/backend xenstore pair for device type "vxf"
# with libxl's layout and permissions (libxl__device_generic_add):
#   frontend /local/domain/DOMU/device/vxf/DEVID
#     backend=<backend path> backend-id=BACKEND_DOMID state=1
#     perms: owner DOMU, BACKEND_DOMID may read       (n<DOMU> r<BE>)
#   backend  /local/domain/BE/backend/vxf/DOMU/DEVID
#     frontend=<frontend path> frontend-id=DOMU online=1 state=1
#     perms: owner BACKEND_DOMID, DOMU may read       (n<BE> r<DOMU>)
vxf_xs_pair() {
	local domu=$1 dev=${2:-0} be=${3:-0}
	local fe="/local/domain/$domu/device/vxf/$dev"
	local bk="/local/domain/$be/backend/vxf/$domu/$dev"
	xenstore-write "$bk/frontend" "$fe" "$bk/frontend-id" "$domu" \
		"$bk/online" 1 "$bk/state" 1 || return
	xenstore-chmod -r "$bk" "n$be" "r$domu" || return
	xenstore-write "$fe/backend" "$bk" "$fe/backend-id" "$be" "$fe/state" 1 || return
	xenstore-chmod -r "$fe" "n$domu" "r$be" || return
	echo "vxf_xs_pair: $fe <-> $bk"
}

# vxf_xs_dump DOMU: the vxf entries of DOMU, with permissions
vxf_xs_dump() {
	local domu=$1
	xenstore-ls -p "/local/domain/$domu/device/vxf" 2>/dev/null | sed "s|^|fe $domu: |"
	xenstore-ls -p "/local/domain/0/backend/vxf/$domu" 2>/dev/null | sed "s|^|be $domu: |"
}

# vxf_domu_log N: path of the N-th domU's console log (xenconsoled)
vxf_domu_log() { echo "/var/log/xen/console/guest-vxf-domu$1.log"; }
EOF

# dom0 stage 2: runs as PID 1 on the image (bash)
cat >"$X/dom0-init" <<'EOF'
#!/bin/bash
. /vxf/config
export PATH=/usr/lib/xen-$XENVER/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C
up() { cut -d' ' -f1 /proc/uptime; }
con=/dev/hvc0
mark() { echo "$* uptime=$(up)" >$con; }
finish() {
	mark "VXF-DOM0-DONE"
	sync
	echo o >/proc/sysrq-trigger 2>/dev/null	# no systemd: sysrq powers off
	sleep 30
}
# bounded wait: waitfor SECONDS CMD...
waitfor() {
	local n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1
	done
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
exec </dev/null >$con 2>&1
mark "VXF-DOM0-STAGE2"
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd; do
	modprobe "$m" || echo "VXF-DOM0-MODPROBE-FAIL $m"
done
mount -t xenfs xenfs /proc/xen || { mark "VXF-DOM0-XENFS-FAIL"; finish; }
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/log/xen/console /var/lib/xenstored
xenstored --pid-file=/run/xenstored.pid || { mark "VXF-DOM0-XENSTORED-FAIL"; finish; }
waitfor 30 xenstore-read /local || { mark "VXF-DOM0-XENSTORED-FAIL (no answer)"; finish; }
xen-init-dom0 || { mark "VXF-DOM0-XENSTORED-FAIL (xen-init-dom0)"; finish; }
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
	{ mark "VXF-DOM0-XENSTORED-FAIL (xenconsoled)"; finish; }
mark "VXF-DOM0-XENSTORED-OK"

# The watchdog: shortly before the host's hard limit (WATCHDOG_AT, in
# dom0's uptime), or once the wait for the domUs below ran a minute past
# its own limit (the host gives that wait two: its stage limit), what
# every process waits on (state, wait channel, the kernel stack of those
# in D state), the domains and their vCPUs, Xen's domain and run-queue
# dumps (debug keys q and r, on Xen's console) and dom0's blocked tasks
# (sysrq w), as "dom0-watchdog| " lines, so that a run that hangs says
# where. Every xl call here is bounded: a hung toolstack is itself the
# answer. One dump a run (the first to fire).
watchdog_dump() {
	local p s c
	mkdir /run/vxf-watchdog 2>/dev/null || return 0
	{
		echo "VXF-DOM0-WATCHDOG-BEGIN uptime=$(up) ($1)"
		for p in /proc/[0-9]*; do
			s=$(sed 's/^[0-9]* (.*) \([A-Z]\) .*/\1/' $p/stat 2>/dev/null) || continue
			# (procfs sizes are 0: read the command line to see it;
			# reading it takes the task's mmap lock, which a task
			# stuck in a hypercall can hold: bounded, and killable)
			c=$(timeout -s KILL 2 cat $p/cmdline 2>/dev/null | tr '\0' ' ' | cut -c1-120)
			[ -n "$c" ] || [ "$s" = D ] || continue
			echo "pid ${p#/proc/} $s in $(cat $p/wchan 2>/dev/null): ${c:-[$(cat $p/comm)]}"
			[ "$s" != D ] || sed 's/^/    /' $p/stack 2>/dev/null
		done
		timeout 20 xl list || echo "xl list: exit $?"
		timeout 20 xl vcpu-list || echo "xl vcpu-list: exit $?"
		timeout 10 xl debug-keys q || echo "xl debug-keys q: exit $?"
		timeout 10 xl debug-keys r || echo "xl debug-keys r: exit $?"
		dmesg -n 8
		echo w >/proc/sysrq-trigger
		sleep 2
		echo "VXF-DOM0-WATCHDOG-END uptime=$(up)"
	} 2>&1 | sed -u 's/^/dom0-watchdog| /' >$con
}
watchdog() {
	while [ "$(up | cut -d. -f1)" -lt "$WATCHDOG_AT" ]; do sleep 5; done
	watchdog_dump "the host's hard limit is near"
}
[ "$WATCHDOG_AT" -le 0 ] || watchdog &

# payload output: one prefixing reader kept alive by our own fd 7
mkfifo /run/vxf-out
sed -u 's/^/dom0| /' </run/vxf-out >$con &
OUTPID=$!
exec 7<>/run/vxf-out
# live copies of the domU consoles ("vxf-domuN~ "), for runs that hang;
# the complete logs are dumped ("vxf-domuN| ") once the domUs are gone
sleep 1000000 &
KEEP=$!
LIVEPIDS=""

DOMU_IDS=""
DOMU_NAMES=""
created=1
for i in $(seq 1 "$NDOMU"); do
	name=vxf-domu$i
	cat >/vxf/$name.cfg <<CFG
name = "$name"
type = "pvh"
kernel = "/vxf/vmlinuz"
ramdisk = "/vxf/domu-initrd.gz"
extra = "console=hvc0 loglevel=6 rdinit=/init panic=-1 oops=panic hung_task_timeout_secs=$HUNG_SECS watchdog_thresh=$WDOG_SECS mitigations=off audit=0 tsc=reliable random.trust_cpu=on vxf.index=$i"
memory = $DOMU_MEM
vcpus = $DOMU_VCPUS
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
# Under nested emulation Xen sometimes answers CPUID 0xd with the size of
# a stale XCR0 ("XSAVE consistency problem: size 832 != kernel_size 576"
# WARNING at boot): no AVX in the domU keeps the xstate layout trivial.
cpuid = "host,avx=0"
# QEMU's CPU has no invariant TSC, so Xen would trap every RDTSC of the
# domU; each trap is one more VMRUN in QEMU's nested SVM emulation, whose
# rare resume faults (see xen-lib.sh) were seen right after RDTSCs.
tsc_mode = "native"
$DOMU_CFG
CFG
	if ! xl create -p /vxf/$name.cfg >/tmp/xl-$name.log 2>&1; then
		cat /tmp/xl-$name.log
		mark "VXF-DOMU-CREATE-FAIL $name"
		created=0
		break
	fi
	id=$(xl domid $name)
	xenstore-write /local/domain/0/vxf-ids/$name $id
	DOMU_IDS="$DOMU_IDS $id"
	DOMU_NAMES="$DOMU_NAMES $name"
	log=/var/log/xen/console/guest-$name.log
	tail -n +1 -F --pid=$KEEP "$log" 2>/dev/null | sed -u "s/^/$name~ /" >$con &
	LIVEPIDS="$LIVEPIDS $!"
	mark "VXF-DOMU-CREATED $name domid=$id"
	if [ "$VXF_PAIR" = 1 ]; then vxf_pair_todo="$vxf_pair_todo $id"; fi
done
DOMU_IDS=${DOMU_IDS# }
DOMU_NAMES=${DOMU_NAMES# }
DOMID=${DOMU_IDS%% *}
export DOMU_IDS DOMU_NAMES DOMID VXF_FILES=/vxf/files
PATH=/vxf/bin:$PATH
chmod 0755 /vxf/bin/* 2>/dev/null

runp() {	# runp NAME FILE: run a payload file, output prefixed "dom0| "
	local rc
	mark "VXF-DOM0-$1-BEGIN"
	(cd /tmp && exec bash -c ". /vxf/lib.sh; for d in ${vxf_pair_todo}; do vxf_xs_pair \$d || exit 1; done
$(cat "$2")") </dev/null >/run/vxf-out 2>&1
	rc=$?
	mark "VXF-DOM0-$1-EXIT=$rc"
	return $rc
}
pre=0
post=0
if [ $created = 1 ]; then
	runp PRE /vxf/dom0-pre || pre=$?
	vxf_pair_todo=""
	if [ $pre = 0 ]; then
		for n in $DOMU_NAMES; do xl unpause $n; done
		mark "VXF-DOMU-UNPAUSED $DOMU_NAMES"
		# (the loop below ends by its limit unless a call in it hangs:
		# then say where, before the host's stage limit ends the run)
		if [ "$WATCHDOG_AT" -gt 0 ]; then
			(sleep $((DOMU_TIMEOUT + 60 * VXF_XEN_TIME_SCALE))
			 [ -e /run/vxf-domus-waited ] ||
				watchdog_dump "the wait for the domUs is a minute past its ${DOMU_TIMEOUT}s") &
		fi
		# xenstore-exists is much cheaper than xl under emulation
		# A PVH domU has no ACPI S5: its poweroff -f halts and Xen takes a
		# while to notice. Once its init printed VXF-DOMU-DONE, give it 3 s,
		# then destroy it.
		# A domU that triple-faulted (Xen's log says so; see
		# scripts/xen-lib.sh) may linger: it is destroyed like a
		# finished one, and waited for no more.
		end=$((SECONDS + DOMU_TIMEOUT))
		declare -A done_at=()
		tf_next=$((SECONDS + 5))
		while [ $SECONDS -lt $end ]; do
			alive=0
			tf=""
			if [ $SECONDS -ge $tf_next ]; then
				tf=" $(xl dmesg 2>/dev/null | sed -n 's/.* d\([0-9]*\)v[0-9]* Triple fault.*/\1/p' | tr '\n' ' ')"
				tf_next=$((SECONDS + 5))
			fi
			for n in $DOMU_NAMES; do
				d=$(xenstore-read /local/domain/0/vxf-ids/$n 2>/dev/null)
				# A domU is there while its name key is: a write
				# below its directory after it went (a pair a
				# payload's background job wrote as the domU died)
				# brings the directory back, not the toolstack's
				# keys, and used to keep this loop waiting until
				# the timeout.
				xenstore-exists /local/domain/$d/name || continue
				alive=1
				if [ -z "${done_at[$n]}" ] && [ -n "$d" ] && [ "${tf#* $d }" != "$tf" ]; then
					mark "VXF-DOMU-TRIPLE-FAULT $n domid=$d"
					done_at[$n]=$SECONDS
				elif [ -z "${done_at[$n]}" ]; then
					grep -aq '^VXF-DOMU-DONE' /var/log/xen/console/guest-$n.log 2>/dev/null && done_at[$n]=$SECONDS
				elif [ $((SECONDS - done_at[$n])) -ge 3 ]; then
					xl destroy $n >/dev/null 2>&1
				fi
			done
			[ $alive = 1 ] || break
			sleep 0.5
		done
		: >/run/vxf-domus-waited
		if [ $alive = 1 ]; then
			mark "VXF-DOMU-TIMEOUT after ${DOMU_TIMEOUT}s"
			xl list
			for n in $DOMU_NAMES; do
				xl domid $n >/dev/null 2>&1 || continue
				/usr/lib/xen-$XENVER/bin/xenctx -s /dev/null "$(xl domid $n)" 2>/dev/null | head -n 20
				xl destroy $n
			done
		else
			mark "VXF-DOMU-ENDED"
		fi
	fi
	kill $KEEP
	for p in $LIVEPIDS; do wait $p; done
	for n in $DOMU_NAMES; do
		sed "s/^/$n| /" /var/log/xen/console/guest-$n.log >$con
		mark "VXF-DOMU-LOG-END $n"
	done
	runp POST /vxf/dom0-post || post=$?
fi
# drain the payload prefixer (a payload's background job may hold the fifo)
exec 7>&-
for i in $(seq 30); do kill -0 $OUTPID 2>/dev/null || break; sleep 0.1; done
mark "VXF-DOM0-PAYLOAD-EXIT=$pre,$post"
finish
EOF
chmod 0755 "$X/dom0-init"

(cd "$D" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$WORK/dom0-initrd.gz"

# -- boot --------------------------------------------------------------------------

XEN_CMD="console=com1 com1=115200,8n1 dom0_mem=${DOM0_MEM}M,max:${DOM0_MEM}M dom0_max_vcpus=2"
# spec-ctrl=eager-fpu: Xen's default on AMD is lazy FPU switching (CR0.TS
# set on a vCPU switch, the state restored on the first #NM). Under QEMU
# 7.2's TCG that lost dom0's vector registers once a domU shared its CPU:
# dom0 processes crashed (segfaults, "malloc(): ... corrupted", ld.so
# assertions) in about half the boots. With eager switching (TS never
# set) no boot has shown it. Our reading: TCG misses #NM for some
# instructions glibc uses (its AVX2 string functions).
XEN_CMD+=" spec-ctrl=eager-fpu loglvl=all guest_loglvl=all${VXF_XEN_ARGS:+ $VXF_XEN_ARGS}"
DOM0_CMD="console=hvc0 earlyprintk=xen loglevel=6 rdinit=/init panic=-1 oops=panic"
DOM0_CMD+=" hung_task_timeout_secs=$HUNG_SECS watchdog_thresh=$WDOG_SECS mitigations=off audit=0 tsc=reliable"
DOM0_CMD+=" random.trust_cpu=on i8042.noaux i8042.nokbd${VXF_DOM0_ARGS:+ $VXF_DOM0_ARGS}"
# QEMU's multiboot module list is comma-separated: no commas in DOM0_CMD
case "$DOM0_CMD" in *,*) setup_fail "comma in dom0 command line" ;; esac

say "Xen $(basename "$XEN"), dom0+domU kernel $KVER, $NDOMU domU(s) x ${DOMU_MEM}M"
say "console log $LOG (caches ready in ${T_PREP}s)"
say "time limits x$TSCALE: hard ${TIMEOUT}s, domU(s) ${DOMU_TIMEOUT}s (load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs)"
: >"$LOG"
T0=$(now)
timeout --kill-after=10 "$TIMEOUT" \
	qemu-system-x86_64 -accel tcg -machine pc \
	-cpu EPYC,+svm,+npt,-smap,-smep,-rdtscp,-monitor,-pku \
	-m "$QMEM" -smp 2 -nographic -no-reboot -monitor none \
	-qmp "unix:$QMP_SOCK,server=on,wait=off" \
	-serial "file:$LOG" -net none \
	-drive "file=$IMG,format=raw,if=virtio,snapshot=on" \
	-kernel "$XEN" -append "$XEN_CMD" \
	-initrd "$VMLINUZ $DOM0_CMD,$WORK/dom0-initrd.gz" \
	</dev/null >"$WORK/qemu.out" 2>&1 &
QPID=$!

# Stage watchdog: each marker must appear within its limit (seconds since
# the previous one); a fatal pattern ends the run at once.
STAGES=(
	'Xen|\(XEN\) Xen version|'"$((30 * TSCALE))"
	'dom0 kernel|Linux version 6|'"$((60 * TSCALE))"
	'dom0 initramfs|^VXF-DOM0-INIT-START|'"$((90 * TSCALE))"
	'dom0 root filesystem|^VXF-DOM0-ROOT-OK|'"$((60 * TSCALE))"
	'xenstored/xenconsoled|^VXF-DOM0-XENSTORED-OK|'"$((90 * TSCALE))"
	'domU start|^VXF-DOMU-CREATED vxf-domu'"$NDOMU"' |'"$((90 * TSCALE))"
	'domU unpause (dom0 payload)|^VXF-DOMU-UNPAUSED|'"$((TIMEOUT))"
	'domU payload|^VXF-DOMU-(ENDED|TIMEOUT)|'"$((DOMU_TIMEOUT + 120 * TSCALE))"
	'dom0 post payload|^VXF-DOM0-DONE|'"$((TIMEOUT))"
)
FATAL='Kernel panic - not syncing|\(XEN\) Panic on CPU|\(XEN\) Xen BUG at|VXF-DOM0-(ROOT|XENFS|XENSTORED)-FAIL|VXF-DOMU-CREATE-FAIL'
declare -A STAGE_T=()
stage=0
last=$T0
FAILED_STAGE=
# The host's view of a run that hangs: 40 s before the hard limit,
# scripts/qemu-probe.py asks QEMU twice, 15 s apart, for each vCPU's
# state and local APIC (and its virtqueues). A vCPU halted with
# interrupts enabled and a vector in service, or running with interrupts
# enabled and a vector pending above its priority at the same RIP, the
# same both times, is "deaf": QEMU never gives it an interrupt again (see
# README, "QEMU's faults in the virtio-gpu VM" and "Deaths the emulator
# causes"); xen-lib.sh's xen_run_attempts retries such a run.
PROBE_AT=$([ "$TIMEOUT" -ge 240 ] && echo $((TIMEOUT - 40)) || echo 0)
PROBE=(python3 "$TOP/scripts/qemu-probe.py" --twice 15 "$QMP_SOCK")
while kill -0 "$QPID" 2>/dev/null; do
	if [ "$PROBE_AT" -gt 0 ] && [ -z "$PROBE_PID" ] &&
	   [ "$(echo "$(now) - $T0 > $PROBE_AT" | bc)" = 1 ]; then
		"${PROBE[@]}" >"$LOGP.probe" 2>&1 &
		PROBE_PID=$!
	fi
	if [ "$stage" -lt ${#STAGES[@]} ]; then
		# the regex may itself contain '|': name first, limit last
		sname=${STAGES[$stage]%%|*}
		slim=${STAGES[$stage]##*|}
		sre=${STAGES[$stage]#*|}
		sre=${sre%|*}
		if grep -Eaq -- "$sre" "$LOG"; then
			STAGE_T[$sname]=$(since "$T0")
			last=$(now)
			stage=$((stage + 1))
			continue
		fi
		if [ "$(echo "$(now) - $last > $slim" | bc)" = 1 ]; then
			FAILED_STAGE="$sname did not come up within ${slim}s"
			# a stage limit ends the run before the hard limit's
			# probe: ask QEMU now (a deaf vCPU is the emulator's
			# hang, which xen-lib.sh's xen_run_attempts retries)
			if [ "$PROBE_AT" -gt 0 ] && [ -z "$PROBE_PID" ]; then
				"${PROBE[@]}" >"$LOGP.probe" 2>&1 || true
			fi
			break
		fi
	else
		# all stages seen: give the machine a moment to power off
		if [ "$(echo "$(now) - $last > 10" | bc)" = 1 ]; then break; fi
	fi
	# (a domU's panic is not: dom0 destroys it and still runs --dom0-post;
	# nor one on the console of a domU dom0's payload created, which the
	# payload prints as "dom0| NAME| " lines, and may make again:
	# scripts/xen-hv.sh's suite_domu)
	if grep -Ea -- "$FATAL" "$LOG" | grep -vqE '^(vxf-domu|dom0\| )'; then
		sleep 2	# let the rest of the report reach the log
		FAILED_STAGE="${FAILED_STAGE:-fatal: $(grep -Ea -- "$FATAL" "$LOG" | grep -vE '^(vxf-domu|dom0\| )' | head -n 1 | tr -d '\r')}"
		break
	fi
	sleep 0.5
done
if kill -0 "$QPID" 2>/dev/null; then
	kill "$QPID" 2>/dev/null || true
	sleep 1
	kill -9 "$QPID" 2>/dev/null || true
fi
set +e
wait "$QPID"
qrc=$?
[ -z "$PROBE_PID" ] || wait "$PROBE_PID"
set -e
QPID=
PROBE_PID=
ELAPSED=$(since "$T0")
# QEMU may have powered off between two looks at the log: the stages it
# reached are all in it now
while [ -z "$FAILED_STAGE" ] && [ "$stage" -lt ${#STAGES[@]} ]; do
	sname=${STAGES[$stage]%%|*}
	sre=${STAGES[$stage]#*|}
	sre=${sre%|*}
	grep -Eaq -- "$sre" "$LOG" || break
	STAGE_T[$sname]=$ELAPSED
	stage=$((stage + 1))
done
if [ -z "$FAILED_STAGE" ] && [ "$stage" -lt ${#STAGES[@]} ]; then
	sname=${STAGES[$stage]%%|*}
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		FAILED_STAGE="$sname: hard timeout after ${TIMEOUT}s"
	else
		FAILED_STAGE="$sname did not come up (QEMU exited with $qrc)"
	fi
fi

# -- judge ---------------------------------------------------------------------------

sed -i 's/\r*$//; s/\r/\n/g' "$LOG"
grep -a '^(XEN)' "$LOG" >"$LOGP.xen.log" || true
grep -avE '^\(XEN\)|^dom0\| |^vxf-domu[0-9][|~] ' "$LOG" >"$LOGP.dom0.log" || true
DOMU_LOGS=()
for i in $(seq 1 "$NDOMU"); do
	if grep -aq "^VXF-DOMU-LOG-END vxf-domu$i " "$LOG"; then
		sed -n "s/^vxf-domu$i| //p" "$LOG" >"$LOGP.vxf-domu$i.log"
	else	# dom0 never dumped it: the live copy, maybe incomplete
		sed -n "s/^vxf-domu$i~ //p" "$LOG" >"$LOGP.vxf-domu$i.log"
	fi
	DOMU_LOGS+=("$LOGP.vxf-domu$i.log")
done

# payload output on stdout
grep -a '^dom0| ' "$LOG" || true
for i in $(seq 1 "$NDOMU"); do
	sed -n '/^VXF-DOMU-PAYLOAD-BEGIN/,/^VXF-DOMU-PAYLOAD-EXIT=/p' "$LOGP.vxf-domu$i.log" |
		grep -v '^VXF-DOMU-PAYLOAD-' | sed "s/^/vxf-domu$i| /" || true
done

# dom0's watchdog view of a run that hung (dom0-init's watchdog()), and
# QEMU's (the probe above)
grep -a '^dom0-watchdog| ' "$LOG" | sed 's/^dom0-watchdog| /xen-run: watchdog| /' || true
[ ! -s "$LOGP.probe" ] || sed 's/^/xen-run: probe| /' "$LOGP.probe"

reasons=()
[ -z "$FAILED_STAGE" ] || reasons+=("stage: $FAILED_STAGE")
PATTERNS=(
	'Kernel panic' 'Oops' 'BUG:' 'general protection fault'
	'INFO: task .* blocked' 'soft lockup' 'hard LOCKUP' 'Call Trace'
	'rcu: INFO: .* stall' 'self-detected stall' 'UBSAN:' 'Unable to handle'
	'list_add corruption' 'list_del corruption' 'refcount_t:'
)
[ "$ALLOW_WARN" -eq 1 ] || PATTERNS+=('WARNING:')
for f in "$LOGP.dom0.log" "${DOMU_LOGS[@]}"; do
	who=$(basename "$f" .log)
	who=${who##*.}
	for p in "${PATTERNS[@]}"; do
		if grep -Eaq -- "$p" "$f"; then
			reasons+=("$who: $(grep -Eam1 -- "$p" "$f")")
		fi
	done
done
XFATAL='Panic on CPU|Xen BUG at|Assertion .* failed|FATAL (TRAP|PAGE FAULT)|crashed|domain_crash'
if grep -Eaq -- "$XFATAL" "$LOGP.xen.log"; then
	reasons+=("xen: $(grep -Eam1 -- "$XFATAL" "$LOGP.xen.log")")
fi
grep -aq '^VXF-DOM0-MODPROBE-FAIL' "$LOG" && reasons+=("dom0: $(grep -am1 '^VXF-DOM0-MODPROBE-FAIL' "$LOG")")
grep -aq '^VXF-DOM0-INSMOD-FAIL' "$LOG" && reasons+=("dom0: $(grep -am1 '^VXF-DOM0-INSMOD-FAIL' "$LOG")")
grep -aq '^VXF-DOMU-TIMEOUT' "$LOG" && reasons+=("domU payload did not finish within ${DOMU_TIMEOUT}s")
prc=0
for f in "${DOMU_LOGS[@]}"; do
	who=$(basename "$f" .log)
	who=${who##*.}
	if grep -aq '^VXF-INSMOD-FAIL' "$f"; then
		reasons+=("$who: module load failed: $(grep -am1 -B3 '^VXF-INSMOD-FAIL' "$f" | tr '\n' ' ')")
	fi
	grep -aq '^VXF-RMMOD-FAIL' "$f" && reasons+=("$who: module unload failed")
	r=$(sed -n 's/^VXF-DOMU-PAYLOAD-EXIT=\([0-9]*\).*/\1/p' "$f" | tail -n 1)
	if [ -z "$r" ]; then
		grep -aq '^VXF-INSMOD-FAIL' "$f" || reasons+=("$who: missing VXF-DOMU-PAYLOAD-EXIT marker")
	elif [ "$r" != 0 ]; then
		say "$who payload exited with $r"
		prc=1
	fi
	grep -aq '^VXF-DOMU-DONE' "$f" || reasons+=("$who: missing VXF-DOMU-DONE marker")
done
d0=$(sed -n 's/^VXF-DOM0-PAYLOAD-EXIT=\([0-9]*,[0-9]*\).*/\1/p' "$LOG" | tail -n 1)
if [ -z "$d0" ]; then
	reasons+=("dom0: missing VXF-DOM0-PAYLOAD-EXIT marker")
elif [ "$d0" != 0,0 ]; then
	say "dom0 payload exit status (pre,post): $d0"
	prc=1
fi

# timings
tl=""
for i in "${!STAGES[@]}"; do
	sname=${STAGES[$i]%%|*}
	[ -n "${STAGE_T[$sname]:-}" ] && tl+=" [$sname ${STAGE_T[$sname]}s]"
done
say "timings (since QEMU start):$tl"
say "wall ${ELAPSED}s in QEMU, $(since "$T_ALL")s in all"

if [ ${#reasons[@]} -gt 0 ]; then
	{
		echo "xen-run: ==================== FAIL ===================="
		for r in "${reasons[@]}"; do echo "xen-run: FAIL: $r"; done
		for f in "$LOGP.xen.log" "$LOGP.dom0.log" "${DOMU_LOGS[@]}"; do
			echo "xen-run: --- last 30 lines of $f ---"
			tail -n 30 "$f"
		done
		echo "xen-run: --- end; logs: $LOGP.*.log; qemu: $(head -c 300 "$WORK/qemu.out")"
	} >&2
	exit 2
fi
if [ "$prc" -ne 0 ]; then
	say "FAIL: payload failed (logs: $LOGP.*.log)"
	exit 1
fi
say "OK (logs: $LOGP.*.log)"
exit 0
