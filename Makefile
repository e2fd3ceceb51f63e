# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile: builds the out-of-tree module, the userspace tools
# and runs the VM test harness.  The module itself is described by the
# top-level Kbuild file; this Makefile only drives kbuild.
#
#   make              build drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko
#                     (with its test hooks) and the test module
#                     virtio-xen-fault-loop.ko next to it
#   make tools        build backend, IGT tests and demo
#   make deps         install the Debian packages the project needs
#   make kernels      fetch Debian's 6.12 image+headers and 6.1 headers
#   make demo         boot the 6.12 kernel in QEMU and run /bin/vxf-demo
#   make xen-demo     boot Xen 4.17 + dom0 + a domU in QEMU, run xen-smoke and
#                     vxf-demo in the domU against the dom0 backend
#   make bench        run tools/vxf-bench in the VM (loop mode) and in a Xen
#                     domU against the dom0 backend; prints figures against
#                     same-guest references, plots .cache/bench/
#   make check        everything: builds, checkpatch, sparse, in-tree,
#                     DKMS, VM, debug-kernel and Xen test suites, benchmark
#                     smoke runs; ends with "N passed, N failed, N skipped"
#   make debug-kernel build the debug kernel (KASAN, lockdep, KUnit, the
#                     driver built in) into .cache/trees/debug-6.12/
#   make check-debug  only the debug-kernel part of make check: KUnit and
#                     the loop suite on the debug kernel
#   make fuzz         the hostile backend (1,000,000 messages) against
#                     faulting threads on the debug kernel; prints targets
#   make xen-check    only make check's Xen steps: Xen 4.17 + dom0 backend +
#                     domUs running the suite (make check includes them)
#   make install      the userspace parts into $(DESTDIR)$(PREFIX): the dom0
#                     backend, the demo, the uAPI header, man pages
#   make modules_install  the module into $(DESTDIR)/lib/modules/<release>/
#   make dist         virtio-xen-fault-$(VERSION).tar.xz, reproducible, of
#                     the tracked files (scripts/dist.sh)
#   make distcheck    make dist twice and compare, then build, install and
#                     modules_install from the unpacked tarball
#   make deb          the Debian packages from the tarball, lintian clean,
#                     into .cache/pkg/ (scripts/package-test.sh --build-only)
#   make xen-soak N=20  the Xen steps N times; counts every domU/dom0 death
#                     by signature and the failures they caused (UNTIL=HH:MM,
#                     UTC: no step starts after it)
#
# Variables: KDIR=<kernel build dir>, W=1, LLVM=1, C=1|2 are passed on to
# kbuild as usual. make install takes DESTDIR, PREFIX (default /usr/local),
# BINDIR, SBINDIR, INCLUDEDIR, MANDIR; make modules_install takes DESTDIR
# and INSTALL_MOD_DIR (default extra). Debian's headers are configured for
# gcc: with LLVM=1 and no KDIR, the module is built against a
# clang-configured linux-source-6.12 tree (scripts/ktree.sh clang 6.12,
# prepared on first use).

ifneq ($(KERNELRELEASE),)
# kbuild reads Kbuild in preference to this file; keep it harmless anyway.
include $(src)/Kbuild
else

TOP := $(CURDIR)
KCACHE := $(TOP)/.cache/kernels
-include $(KCACHE)/env.mk

HOST_KDIR := /lib/modules/$(shell uname -r)/build
ifneq ($(wildcard $(HOST_KDIR)/Makefile),)
KDIR ?= $(HOST_KDIR)
else
KDIR ?= $(KDIR_612)
endif

# LLVM=1 without an explicit KDIR: a tree configured for clang
ifneq ($(LLVM),)
ifeq ($(origin KDIR),file)
KDIR := $(KCACHE:kernels=trees)/clang-6.12
CLANG_TREE := 1
endif
endif

# The test build: the driver with its test hooks, and the loop test module.
# What distros ship (dkms.conf) is CONFIG_VIRTIO_XEN_FAULT=m alone.
MODULE_CONFIG := CONFIG_VIRTIO_XEN_FAULT=m CONFIG_VIRTIO_XEN_FAULT_LOOP=m \
		 CONFIG_VIRTIO_XEN_FAULT_DEBUG=y
# make modules_install's build: the driver alone, as dkms.conf's
INSTALL_CONFIG := CONFIG_VIRTIO_XEN_FAULT=m
KO := drivers/gpu/virtio-xen-fault/virtio-xen-fault.ko
TOOL_DIRS := tools/vxf-backend tests/igt tools/vxf-demo tools/vxf-bench \
	     tools/vxf-fuzz
VM_TIMEOUT ?= 600

.PHONY: all modules tools deps kernels demo bench check clean distclean help

VERSION := $(shell cat $(TOP)/VERSION)

all: modules

modules:
ifeq ($(KDIR),)
	./scripts/kernels.sh >/dev/null
	$(MAKE) modules
else
ifeq ($(CLANG_TREE),1)
	./scripts/ktree.sh clang 6.12 >/dev/null
endif
	$(MAKE) -C $(KDIR) M=$(TOP) $(MODULE_CONFIG) modules
endif

tools:
	@set -e; for d in $(TOOL_DIRS); do \
		if [ -f "$$d/Makefile" ]; then \
			$(MAKE) -C "$$d"; \
		else \
			echo "tools: $$d has no Makefile yet, skipped"; \
		fi; \
	done

deps:
	./scripts/deps.sh

kernels:
	./scripts/kernels.sh

# The demo always runs the Debian 6.12 kernel, so build against its
# headers whatever KDIR says. It needs only the backend and the demo
# binary, so a broken test build does not stop it.
demo: deps kernels
	$(MAKE) KDIR="$$(. $(KCACHE)/env.sh && echo "$$KDIR_612")" modules
	$(MAKE) -C tools/vxf-backend
	$(MAKE) -C tools/vxf-demo
	./scripts/vm-run.sh --timeout $(VM_TIMEOUT) $(KO) /bin/vxf-demo

# Like the demo: the 6.12 headers, and only what the benchmark needs.
# scripts/bench.sh never compares a figure with a limit. VXF_BENCH_XEN=0
# leaves out the Xen runs, VXF_BENCH_XEN_HV=0 the one on the patched Xen.
bench: deps kernels
	$(MAKE) KDIR="$$(. $(KCACHE)/env.sh && echo "$$KDIR_612")" modules
	$(MAKE) -C tools/vxf-backend
	$(MAKE) -C tools/vxf-bench
	./scripts/bench.sh

# Xen 4.17 + PV dom0 + PVH domU under QEMU TCG (scripts/xen-run.sh)
.PHONY: xen-smoke
xen-smoke: deps kernels
	$(MAKE) KDIR="$$(. $(KCACHE)/env.sh && echo "$$KDIR_612")" modules
	./scripts/xen-smoke.sh

# Xen 4.17 + PV dom0 + PVH domU: xen-smoke and vxf-demo in the domU against
# the dom0 backend (vxf-backend-xen --xen); prints what both sides counted
.PHONY: xen-demo
xen-demo: deps kernels
	$(MAKE) KDIR="$$(. $(KCACHE)/env.sh && echo "$$KDIR_612")" modules
	$(MAKE) -C tools/vxf-backend
	$(MAKE) -C tools/vxf-demo
	./scripts/xen-demo.sh

# The Xen steps (xen-suite, xen-demo, bench-xen smoke) N times, every
# domain death counted by signature (scripts/xen-soak.sh); STEPS="suite
# demo bench" to choose, UNTIL=HH:MM (UTC) to start no step after it
N ?= 5
STEPS ?= suite demo bench
.PHONY: xen-soak
xen-soak: deps kernels
	$(MAKE) KDIR="$$(. $(KCACHE)/env.sh && echo "$$KDIR_612")" modules
	$(MAKE) tools
	./scripts/xen-soak.sh -n $(N) --steps "$(STEPS)" $(if $(UNTIL),--until $(UNTIL))

check:
	./scripts/check.sh

# The hostile backend against faulting threads on the debug kernel:
# 1,000,000 hostile messages, then the targets (scripts/fuzz.sh)
.PHONY: fuzz
fuzz: deps
	$(MAKE) tools
	./scripts/debug-kernel.sh
	./scripts/fuzz.sh

.PHONY: debug-kernel check-debug
debug-kernel: deps
	./scripts/debug-kernel.sh

check-debug:
	CHECK_ONLY="deps tools debug-kernel vm-debug" ./scripts/check.sh

# make check's Xen steps alone (scripts/xen-suite.sh, scripts/bench.sh --smoke)
.PHONY: xen-check
xen-check:
	CHECK_ONLY="deps kernels build-gcc-6.12 tools xen-suite bench-xen" ./scripts/check.sh

# --- installation (README "For packagers") ---------------------------------
#
# make install: the userspace parts only, under $(DESTDIR) and the
# directories below, nothing else. vxf-backend-xen is the backend for dom0
# (loop and Xen modes; needs libxen-dev), vxf-demo runs in a guest. The
# static loop-mode vxf-backend and the tests are for the VM harness and are
# not installed. STATIC= links vxf-demo dynamically.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install
HELP2MAN ?= help2man
INSTALL_MOD_DIR ?= extra

BACKEND_XEN := tools/vxf-backend/vxf-backend-xen
DEMO := tools/vxf-demo/vxf-demo
MANPAGES := tools/vxf-backend/vxf-backend-xen.8 tools/vxf-demo/vxf-demo.1

.PHONY: install install-list modules_install man dist distcheck deb

# the tools' own Makefiles know when to rebuild
$(BACKEND_XEN): FORCE
	@test -f /usr/include/xenstore.h || \
		{ echo "vxf-backend-xen needs libxen-dev's headers" >&2; exit 1; }
	$(MAKE) -C tools/vxf-backend vxf-backend-xen

$(DEMO): FORCE
	$(MAKE) -C tools/vxf-demo

FORCE:

# man pages from --help (help2man); SOURCE_DATE_EPOCH fixes their date
man: $(MANPAGES)

tools/vxf-backend/vxf-backend-xen.8: $(BACKEND_XEN) VERSION
	$(HELP2MAN) --no-info --section=8 --version-string=$(VERSION) \
		--name="reference backend of virtio-xen-fault (dom0)" \
		--output=$@ ./$(BACKEND_XEN)

tools/vxf-demo/vxf-demo.1: $(DEMO) VERSION
	$(HELP2MAN) --no-info --section=1 --version-string=$(VERSION) \
		--name="virtio-xen-fault demo: faulting threads against a revoking backend" \
		--output=$@ ./$(DEMO)

install: $(BACKEND_XEN) $(DEMO) $(MANPAGES)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BACKEND_XEN) $(DESTDIR)$(SBINDIR)/vxf-backend-xen
	$(INSTALL) -m 0755 $(DEMO) $(DESTDIR)$(BINDIR)/vxf-demo
	$(INSTALL) -m 0644 include/uapi/linux/vxf.h $(DESTDIR)$(INCLUDEDIR)/linux/vxf.h
	$(INSTALL) -m 0644 tools/vxf-backend/vxf-backend-xen.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 tools/vxf-demo/vxf-demo.1 $(DESTDIR)$(MANDIR)/man1/

# what make install installs, one path a line (without DESTDIR)
install-list:
	@echo $(SBINDIR)/vxf-backend-xen
	@echo $(BINDIR)/vxf-demo
	@echo $(INCLUDEDIR)/linux/vxf.h
	@echo $(MANDIR)/man8/vxf-backend-xen.8
	@echo $(MANDIR)/man1/vxf-demo.1

# the module into $(DESTDIR)/lib/modules/<KDIR's release>/$(INSTALL_MOD_DIR)/
# (kbuild signs and compresses it as KDIR's .config says, and runs depmod
# only where KDIR has a System.map)
# What is installed is what distros ship (dkms.conf's build): the driver
# alone, without the test module and the test hooks of `make`'s build.
modules_install:
ifeq ($(KDIR),)
	./scripts/kernels.sh >/dev/null
	$(MAKE) modules_install
else
	$(MAKE) -C $(KDIR) M=$(TOP) $(INSTALL_CONFIG) modules
	$(MAKE) -C $(KDIR) M=$(TOP) $(INSTALL_CONFIG) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
endif

dist:
	./scripts/dist.sh versions
	./scripts/dist.sh tarball

distcheck:
	./scripts/dist.sh distcheck $(KDIR)

deb:
	./scripts/package-test.sh --build-only

# kbuild's clean of an external module deletes every *.o and *.ko below M:
# point it at the driver, not at the top (.cache/ holds kernels and trees).
clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(TOP)/drivers/gpu/virtio-xen-fault \
			$(MODULE_CONFIG) clean; \
	fi
	rm -f Module.symvers modules.order .module-common.o
	@for d in $(TOOL_DIRS); do \
		if [ -f "$$d/Makefile" ]; then $(MAKE) -C "$$d" clean; fi; \
	done
	rm -f $(MANPAGES)
	rm -rf .cache/build .cache/logs .cache/vm .cache/pkg .cache/distcheck

# also forget downloaded kernels and unpacked sources
distclean: clean
	rm -rf .cache

help:
	@sed -n '3,48p' Makefile

endif
