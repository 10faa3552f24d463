# SPDX-License-Identifier: GPL-2.0
#
# zonelab: build, run and check.  `make help` lists the targets.
#
# The module builds with the kernel's own Kbuild.  KDIR defaults to the
# running kernel's build tree; where there is none (a machine that runs the
# module only in QEMU guests), to the kernel the guests boot: Debian's
# default kernel when its image and headers are installed.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

ifeq ($(origin KDIR),undefined)
  KVER ?= $(shell uname -r)
  ifeq ($(wildcard /lib/modules/$(KVER)/build),)
    # No build tree for the running kernel: the one the guests boot, chosen
    # in one place (scripts/lib/common.sh: Debian's default kernel).
    KVER := $(shell bash -c '. $(ROOT)/scripts/lib/common.sh && zl_kver' 2>/dev/null)
  endif
  KDIR := /lib/modules/$(KVER)/build
else
  KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif
export KVER

# Not VERSION: the kernel's Makefile and module/Kbuild use that name.
ZL_VERSION := $(shell cat $(ROOT)/VERSION)

KSFT_DIR := $(ROOT)/build/ksrc/tools/testing/selftests
CHECKPATCH := $(ROOT)/build/ksrc/scripts/checkpatch.pl
# Kbuild's M= directory. Not the repository root: `make M=<dir> clean`
# deletes every *.o, *.ko, *.mod, .*.cmd ... below <dir>, which would
# include build/kernels/ (the debug kernels' trees) and build/modules/.
MODULE_DIR := $(ROOT)/module
MODULE_SRCS := $(filter-out %.mod.c,$(wildcard $(ROOT)/module/*.c $(ROOT)/module/*.h))
TOPOLOGY ?= $(ROOT)/scripts/topologies/2node.topo

.PHONY: all module setup selftests run run-guest bench bench-guest check \
	check-guests clean install lint sparse w1 kver help \
	check-all check-all-guests check-full check-full-guests check-kcsan check-kcsan-guests kernels \
	dkms-install dkms-remove report report-guest report-check

# The kernel matrix (scripts/matrix/, scripts/kernels/): the kernels a
# matrix file names, which `scripts/setup --kernels` installs for it.
MATRIX_DIR := $(ROOT)/scripts/matrix
NPROC := $(shell nproc 2>/dev/null || echo 1)
matrix-kernels = $(shell sed 's/\#.*//' $(MATRIX_DIR)/$(1) | awk 'NF && !seen[$$1]++ { print $$1 }')

all: module

help:
	@echo 'make            build module/zonelab.ko for KDIR ($(KDIR))'
	@echo 'make run        boot the 2-node guest, load zonelab, show its lists, unload'
	@echo 'make check      static checks + every selftest on every topology, in guests'
	@echo 'make bench      zonelab vs kernel order-0 alloc+free, in the default guest'
	@echo 'make setup      install what is missing (Debian), extract kselftest/checkpatch'
	@echo 'make selftests  build the selftests'
	@echo 'make lint       checkpatch --strict on module/'
	@echo 'make w1         build with W=1, fail on any warning'
	@echo 'make sparse     build with sparse (C=2), fail on any warning'
	@echo 'make install    modules_install into /lib/modules/$(KVER)'
	@echo 'make dkms-install  install with DKMS ($(ZL_VERSION)), built for every kernel with headers'
	@echo '                (or DKMS_KERNELS="<kver> ..."); installs the dkms package if missing'
	@echo 'make dkms-remove   remove every zonelab version from DKMS, /usr/src and /lib/modules'
	@echo 'make report     run the report scenario in the default guest, write report/index.html'
	@echo '                (PNG plots by gnuplot; REPORT_NAME=<run name>, default report)'
	@echo 'make report-check  make report, then check in headless Chromium that every plot loads'
	@echo 'make check-all  what CI runs: the suite on 6.1 (every topology, + guest variants),'
	@echo '                6.12, 6.12-rt and a lockdep+KASAN debug kernel (scripts/matrix/check-all)'
	@echo 'make check-full every kernel on every topology (scripts/matrix/full; hours)'
	@echo 'make check-kcsan  the selftests on a KCSAN kernel (data races; not in check-all)'
	@echo 'make kernels    install/build the kernels of check-all without running guests'
	@echo 'Variables: KDIR=<kernel build dir>, KVER=<version>, TOPOLOGY=<file.topo>,'
	@echo '           TOPOLOGIES="a.topo b.topo" and TESTS="prog ..." for make check;'
	@echo '           KERNEL=<name> (scripts/kernels/), VARIANTS="<name> ..." (scripts/variants/)'
	@echo '           for make check and to narrow check-all/check-kcsan down'

kver:
	@echo $(KVER)

setup:
	@$(ROOT)/scripts/setup

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)': run 'make setup' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(MODULE_DIR) modules

# Twenty-odd static test programs: built in parallel, as make check waits.
selftests:
	$(MAKE) -j$(NPROC) -C $(ROOT)/selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(ROOT)/selftests

# Static checks: each fails on any diagnostic, not just on errors.
w1:
	@mkdir -p $(ROOT)/build
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)'" >&2; exit 1; }
	@$(MAKE) -s -C $(KDIR) M=$(MODULE_DIR) clean >/dev/null
	@$(MAKE) -C $(KDIR) M=$(MODULE_DIR) W=1 modules >$(ROOT)/build/w1.log 2>&1; \
	rc=$$?; cat $(ROOT)/build/w1.log; \
	[ $$rc -eq 0 ] && ! grep -E 'warning:|error:' $(ROOT)/build/w1.log

sparse:
	@mkdir -p $(ROOT)/build
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)'" >&2; exit 1; }
	@$(MAKE) -C $(KDIR) M=$(MODULE_DIR) C=2 CHECK=sparse modules \
		>$(ROOT)/build/sparse.log 2>&1; \
	rc=$$?; cat $(ROOT)/build/sparse.log; \
	[ $$rc -eq 0 ] && ! grep -E 'warning:|error:' $(ROOT)/build/sparse.log

# CAMELCASE is the one check left out: out of a kernel tree, checkpatch
# cannot learn the kernel's own CamelCase names (__SetPageOffline()), which
# it accepts in-tree.
lint:
	@test -f $(CHECKPATCH) || { echo "no checkpatch: run 'make setup'" >&2; exit 1; }
	perl $(CHECKPATCH) --no-tree --strict --terse --ignore CAMELCASE -f $(MODULE_SRCS)

# setup may install the kernel headers KDIR points at, so the real work
# runs in a sub-make that looks for them again.
run: setup
	@$(MAKE) --no-print-directory run-guest

run-guest: module selftests
	$(ROOT)/scripts/qemu-run --quiet $(TOPOLOGY) -- "$$(cat $(ROOT)/scripts/demo.sh)"

# The kernel zeroes every page it allocates on Debian (init_on_alloc=1);
# zonelab never touches page contents, so the comparison turns that off.
bench: setup
	@$(MAKE) --no-print-directory bench-guest

bench-guest: module
	$(ROOT)/scripts/qemu-run --quiet --no-selftests --name bench \
		--append init_on_alloc=0 $(TOPOLOGY) -- "$$(cat $(ROOT)/scripts/bench.sh)"

check: setup
	@$(MAKE) --no-print-directory check-guests

# The report (scripts/report, scripts/report-guest.sh): setup installs
# gnuplot-nox for it, and chromium for report-check; make check needs
# neither. REPORT_NAME names the guest run (build/logs/<name>.*).
REPORT_NAME ?= report

report:
	@$(ROOT)/scripts/setup --report
	@$(MAKE) --no-print-directory report-guest

report-guest: module
	$(ROOT)/scripts/report --name $(REPORT_NAME)

report-check:
	@$(ROOT)/scripts/setup --report-check
	@$(MAKE) --no-print-directory report-guest
	$(ROOT)/scripts/report-check $(ROOT)/report/index.html

check-guests: module selftests
	$(ROOT)/scripts/check

# The matrix: setup installs what its kernels need (make check's setup
# stays lean), scripts/check builds the debug kernels (cached in
# build/kernels/) and a zonelab.ko per kernel (build/modules/<kernel>/).
check-all: setup
	@$(ROOT)/scripts/setup --kernels "$(call matrix-kernels,check-all)"
	@$(MAKE) --no-print-directory check-all-guests

check-all-guests: module selftests
	MATRIX=$(MATRIX_DIR)/check-all $(ROOT)/scripts/check

check-full: setup
	@$(ROOT)/scripts/setup --kernels "$(call matrix-kernels,full)"
	@$(MAKE) --no-print-directory check-full-guests

check-full-guests: module selftests
	MATRIX=$(MATRIX_DIR)/full $(ROOT)/scripts/check

check-kcsan: setup
	@$(ROOT)/scripts/setup --kernels "$(call matrix-kernels,kcsan)"
	@$(MAKE) --no-print-directory check-kcsan-guests

check-kcsan-guests: module selftests
	MATRIX=$(MATRIX_DIR)/kcsan $(ROOT)/scripts/check

kernels: setup
	@$(ROOT)/scripts/setup --kernels "$(call matrix-kernels,check-all)"
	@for k in $(call matrix-kernels,check-all); do \
		$(ROOT)/scripts/kernel prepare $$k >/dev/null || exit 1; \
	done

install: module
	$(MAKE) -C $(KDIR) M=$(MODULE_DIR) modules_install
	depmod -a $(KVER)

# DKMS (dkms.conf, scripts/dkms): a build per kernel with headers, rebuilt
# by DKMS for every kernel installed later. Only these targets need the
# dkms package; make check never runs dkms.
DKMS_KERNELS ?=

dkms-install:
	@$(ROOT)/scripts/setup --dkms
	@$(ROOT)/scripts/dkms install $(DKMS_KERNELS)

dkms-remove:
	@$(ROOT)/scripts/dkms remove

clean:
	-$(MAKE) -C $(KDIR) M=$(MODULE_DIR) clean
	-$(MAKE) -C $(ROOT)/selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(ROOT)/selftests clean
	rm -rf $(ROOT)/build
