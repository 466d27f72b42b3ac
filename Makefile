# SPDX-License-Identifier: GPL-2.0
#
# child_barrier workbench.  `make` prepares the kernel tree and runs the
# project's KUnit suites on UML; `make check` runs every test and check.
# See README.md.

.PHONY: all deps prepare kunit kunit-x86_64 kcsan static check mutants spin litmus bench sizes races series backport refresh clean distclean

all: prepare
	@scripts/kunit um

deps:
	@scripts/deps

prepare: deps
	@scripts/prepare

kunit: prepare
	@scripts/kunit um

kunit-x86_64: prepare
	@scripts/kunit x86_64

static: prepare
	@scripts/check-static

check: prepare
	@scripts/check

# KCSAN and delayed kobject releases (DEBUG_KOBJECT_RELEASE): KUnit, the
# mdev and the samples userspace runs in a kernel of their own, outside
# `make check`.
# SETTLE=5: the guest waits for delayed releases before it counts instances.
kcsan: prepare
	@rc=0; scripts/kunit kcsan || rc=1; \
	USERSPACE_ARGS=SETTLE=5 scripts/userspace mdev $(CURDIR)/build/kunit-kcsan || rc=1; \
	USERSPACE_ARGS=SETTLE=5 scripts/userspace samples $(CURDIR)/build/kunit-kcsan || rc=1; \
	exit $$rc

# Break the code on purpose and check that a test catches each break.
mutants: prepare
	@scripts/mutants

# Model-check the protocol with Spin, and the model's mutants.
spin: deps
	@scripts/spin-model

# The library's ordering claims as litmus tests, and their mutants, with
# herd7 and the kernel's own memory model (tools/memory-model).
litmus: deps
	@scripts/litmus

# Benchmarks: a table of read-side and drain-side costs against the peers.
bench: prepare
	@scripts/bench

# sizeof(struct child_barrier) and struct rw_semaphore on x86_64, arm64 and
# s390x defconfigs, with and without lockdep (cross compilers from Debian).
sizes: prepare
	@scripts/sizes

# The conversions' races: the userspace runs on the pristine kernel and on ours.
races: prepare
	@scripts/races

# The project as a patch series for the mailing lists: commits on a git
# import of the pristine source (build/series-git), mails in build/series.
# It needs only the pristine source, not the prepared tree.
series: deps
	@scripts/series

# The series' Cc: stable fixes alone on Debian 12's 6.12, the stable
# target, and the userspace runs of the drivers they touch there.
backport:
	@scripts/backport

# Refresh a patch from the prepared tree: make refresh P=patches/NNNN-x.patch
refresh:
	@scripts/refresh-patch $(P) $(FILES)

clean:
	rm -rf build/kunit-* build/bench-* build/sizes-* build/docs build/results build/series build/series-x86_64

distclean:
	rm -rf build
