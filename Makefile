# SPDX-License-Identifier: GPL-2.0
#
# zonelab: build, run and check.  `make help` lists the targets.
#
# The module builds with the kernel's own Kbuild.  KDIR defaults to the
# running kernel's build tree; where there is none (a machine that runs the
# module only in QEMU guests), to the newest installed headers that have a
# matching /boot/vmlinuz, whose ABI the guest then boots.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

ifeq ($(origin KDIR),undefined)
  KVER ?= $(shell uname -r)
  ifeq ($(wildcard /lib/modules/$(KVER)/build),)
    KVER := $(shell for b in /lib/modules/*/build; do \
		v=$$(basename "$$(dirname "$$b")"); \
		[ -e "$$b" ] && [ -e "/boot/vmlinuz-$$v" ] && echo "$$v"; \
	      done | sort -V | tail -n 1)
  endif
  KDIR := /lib/modules/$(KVER)/build
else
  KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif
export KVER

KSFT_DIR := $(ROOT)/build/ksrc/tools/testing/selftests
CHECKPATCH := $(ROOT)/build/ksrc/scripts/checkpatch.pl
MODULE_SRCS := $(filter-out %.mod.c,$(wildcard $(ROOT)/module/*.c $(ROOT)/module/*.h))
TOPOLOGY ?= $(ROOT)/scripts/topologies/2node.topo

.PHONY: all module setup selftests run run-guest check check-guests clean \
	install lint sparse w1 kver help

all: module

help:
	@echo 'make            build module/zonelab.ko for KDIR ($(KDIR))'
	@echo 'make run        boot the 2-node guest, load zonelab, show its lists, unload'
	@echo 'make check      static checks + every selftest on every topology, in guests'
	@echo 'make setup      install what is missing (Debian), extract kselftest/checkpatch'
	@echo 'make selftests  build the selftests'
	@echo 'make lint       checkpatch --strict on module/'
	@echo 'make w1         build with W=1, fail on any warning'
	@echo 'make sparse     build with sparse (C=2), fail on any warning'
	@echo 'make install    modules_install into /lib/modules/$(KVER)'
	@echo 'Variables: KDIR=<kernel build dir>, KVER=<version>, TOPOLOGY=<file.topo>,'
	@echo '           TOPOLOGIES="a.topo b.topo" and TESTS="prog ..." for make check'

kver:
	@echo $(KVER)

setup:
	@$(ROOT)/scripts/setup

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)': run 'make setup' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(ROOT) modules

selftests:
	$(MAKE) -C $(ROOT)/selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(ROOT)/selftests

# Static checks: each fails on any diagnostic, not just on errors.
w1:
	@mkdir -p $(ROOT)/build
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)'" >&2; exit 1; }
	@$(MAKE) -s -C $(KDIR) M=$(ROOT) clean >/dev/null
	@$(MAKE) -C $(KDIR) M=$(ROOT) W=1 modules >$(ROOT)/build/w1.log 2>&1; \
	rc=$$?; cat $(ROOT)/build/w1.log; \
	[ $$rc -eq 0 ] && ! grep -E 'warning:|error:' $(ROOT)/build/w1.log

sparse:
	@mkdir -p $(ROOT)/build
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)'" >&2; exit 1; }
	@$(MAKE) -C $(KDIR) M=$(ROOT) C=2 CHECK=sparse modules \
		>$(ROOT)/build/sparse.log 2>&1; \
	rc=$$?; cat $(ROOT)/build/sparse.log; \
	[ $$rc -eq 0 ] && ! grep -E 'warning:|error:' $(ROOT)/build/sparse.log

lint:
	@test -f $(CHECKPATCH) || { echo "no checkpatch: run 'make setup'" >&2; exit 1; }
	perl $(CHECKPATCH) --no-tree --strict --terse -f $(MODULE_SRCS)

# setup may install the kernel headers KDIR points at, so the real work
# runs in a sub-make that looks for them again.
run: setup
	@$(MAKE) --no-print-directory run-guest

run-guest: module selftests
	$(ROOT)/scripts/qemu-run --quiet $(TOPOLOGY) -- "$$(cat $(ROOT)/scripts/demo.sh)"

check: setup
	@$(MAKE) --no-print-directory check-guests

check-guests: module selftests
	$(ROOT)/scripts/check

install: module
	$(MAKE) -C $(KDIR) M=$(ROOT) modules_install
	depmod -a $(KVER)

clean:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean
	-$(MAKE) -C $(ROOT)/selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(ROOT)/selftests clean
	rm -rf $(ROOT)/build
