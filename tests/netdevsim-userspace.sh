#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the busybox initramfs that `scripts/userspace netdevsim`
# boots: drives netdevsim's bus files (new_device, del_device), its devices'
# port files (new_port, del_port) and the n_vclocks files of its ports' PTP
# clocks (ptp_mock) as a user would, with netdevsim and ptp_mock as modules.
# Prints "netdevsim-userspace: PASS|FAIL NAME" per check and
# "netdevsim-userspace: done" at the end, then reboots.
#
# Every wait is bounded: a write or an (un)bind that may wait on the kernel
# runs under within(), and the background loops are stopped with a bound.
# The error texts are glibc's (busybox-static), as in the other runs.

T=netdevsim-userspace
. /guest-lib.sh

ROUNDS=${ROUNDS:-50}
BUS=/sys/bus/netdevsim
NEW=$BUS/new_device
DEL=$BUS/del_device
DRV=$BUS/drivers/netdevsim

# The modules netdevsim needs, where this kernel has them as modules, in
# order: busybox's insmod does not load dependencies.
for m in pps_core ptp ptp_mock psample; do
	[ -f /$m.ko ] && { insmod /$m.ko || bad "insmod $m"; }
done

dev() { echo $BUS/devices/netdevsim$1; }
nr_devs() { count $BUS/devices/netdevsim*; }
nr_clocks() { count /sys/class/ptp/ptp*; }
# netdevsim's netdevs: their device link leads to a netdevsim device.  The
# guest has no udev, so they are eth*; eni* (udev's names) count too.
nr_netdevs() {
	nn=0
	for i in /sys/class/net/*; do
		case "$(readlink "$i/device" 2> /dev/null)" in
		*netdevsim*) nn=$((nn + 1)) ;;
		*) case ${i##*/} in eni*) nn=$((nn + 1)) ;; esac ;;
		esac
	done
	echo $nn
}
# ports N K: netdevsimN has K ports, each a netdev and a PTP clock, and
# they are the only ones in the guest (besides the C0 clocks of before).
ports() {
	pd=$(dev $1)
	pn=$(count "$pd"/net/*) pc=$(count "$pd"/ptp/ptp*)
	gn=$(nr_netdevs) gc=$(nr_clocks)
	[ "$pn" -eq $2 -a "$pc" -eq $2 -a "$gn" -eq $2 -a "$gc" -eq $((C0 + $2)) ] ||
		{ echo "  netdevsim$1: $pn netdev(s), $pc clock(s); in all $gn netdev(s), $((gc - C0)) clock(s); want $2"; false; }
}
# nothing_left: no netdevsim device, no PTP clock but the C0 of before,
# no netdevsim netdev.
nothing_left() {
	ld=$(nr_devs) lc=$(nr_clocks) ln=$(nr_netdevs)
	[ "$ld" -eq 0 -a "$lc" -eq "$C0" -a "$ln" -eq 0 ] ||
		{ echo "  $ld device(s), $((lc - C0)) PTP clock(s), $ln netdev(s) left"; false; }
}
# The first PTP clock of netdevsimN's ports.
clock_of() { ls -d $(dev $1)/ptp/ptp* 2> /dev/null | head -n 1; }

# Background loops, bounded: bg starts one and remembers it; stop_bg stops
# them as stop_loops does, waiting at most 60 s, and sets $added, $removed.
bg_pids=
bg() { "$@" & bg_pids="$bg_pids $!"; }
stop_bg() {
	touch /tmp/stop
	w=600
	for p in $bg_pids; do
		while kill -0 $p 2> /dev/null && [ $w -gt 0 ]; do
			usleep 100000
			w=$((w - 1))
		done
	done
	if [ $w -gt 0 ]; then
		# Only these: a write that within() gave up on may still run.
		for p in $bg_pids; do wait $p; done
	else
		bad "background loops still running 60 s after the stop"
	fi
	bg_pids=
	added=$(cat /tmp/added.* 2> /dev/null | wc -l)
	removed=$(cat /tmp/removed.* 2> /dev/null | wc -l)
	rm -f /tmp/stop /tmp/added.* /tmp/removed.*
}
# wr_in SECS VALUE FILE: wr, waiting at most SECS s: status 0 if the write
# succeeded, 124 if it had not returned by then, else 1 with the error text
# in /tmp/wr.err (a file, not a pipe, which a stuck writer would hold open).
wrf() { (printf '%s' "$1" | cat > "$2") 2> /tmp/wr.err; }
wr_in() { wt=$1; shift; within "$wt" wrf "$@"; }
# log_clean WHAT: no report in the kernel log since the last log_clean (the
# host's judge-log reads the whole log too); prints what it finds.
log_clean() {
	dmesg | grep -E "WARNING:|BUG:|Oops|refcount_t:|KASAN|general protection|INFO: task" > /tmp/reports
	dmesg -c > /dev/null
	sed 's/^/  /' /tmp/reports
	check "no report in the kernel log $1" [ ! -s /tmp/reports ]
}
# bus_gone: the module is gone and so is its bus directory, which
# CONFIG_DEBUG_KOBJECT_RELEASE keeps for up to 4 s after rmmod (see
# mdev-userspace.sh): wait for it, at most 10 s.
bus_gone() {
	bw=100
	while [ -e "$BUS" ] && [ $bw -gt 0 ]; do
		usleep 100000
		bw=$((bw - 1))
	done
	[ ! -e "$BUS" -a ! -d /sys/module/netdevsim ]
}
# rmmod_netdevsim: rmmod, each try within 60 s, up to 50 tries.
rmmod_netdevsim() {
	tries=0
	while within 60 rmmod netdevsim 2> /dev/null; rc=$?; [ $rc -eq 1 ]; do
		tries=$((tries + 1))
		[ $tries -lt 50 ] || return 1
		usleep 10000
	done
	return $rc
}

# phase NAME: NAME is in PHASES (comma-separated; all by default): kunit,
# input, selftests, kselftest, unbind-once, failslab, vclocks, rmmod,
# unbind.  Each phase starts and ends with no device, so that one race at
# a time can be shown on 7.3.
phase() { case ",${PHASES:-all}," in *,all,*|*",$1,"*) true ;; *) false ;; esac; }

C0=$(nr_clocks)
D1=$(dev 1)

# KUnit: the ptp_vclock suite (drivers/ptp/ptp_kunit.c) runs when its
# module is loaded; scripts/userspace boots with KUnit on for that suite
# only when it puts the module in the initramfs.  Each case is a check.
if phase kunit && [ -f /ptp_kunit.ko ]; then
	kn=$(dmesg | wc -l)
	# The suite runs in insmod; a case that fails may leave a thread or
	# a clock behind, which rmmod waits for: both bounded.
	check "insmod ptp_kunit" within 300 insmod /ptp_kunit.ko
	# The suite's output (KUnit writes it at KERN_INFO, below the
	# console's level): its results, and what a failed case expected.
	dmesg | tail -n +$((kn + 1)) | sed 's/^[^]]*\] *//' > /tmp/kunit.all
	grep -E "(ok|not ok) [0-9]+ ptp_" /tmp/kunit.all > /tmp/kunit.out
	grep -E -A 3 "EXPECTATION FAILED|^ *# ptp_test_[a-z_]*: " /tmp/kunit.all |
		grep -v "^--" | sed 's/^/  /'
	sed 's/^/  /' /tmp/kunit.out
	# The suite's plan, "1..N", is the last plan line before its cases.
	kp=$(sed -n 's/^ *1\.\.\([0-9]*\)$/\1/p' /tmp/kunit.all | tail -n 1)
	kc=0
	for c in $(sed -n 's/.*ok [0-9]* \(ptp_test_[a-z_]*\).*/\1/p' /tmp/kunit.out); do
		check "KUnit ptp_vclock.$c" eval "! grep -q 'not ok [0-9]* $c\$' /tmp/kunit.out"
		kc=$((kc + 1))
	done
	plan_ran() { [ -n "$kp" ] && [ "$kp" -ge 2 ] && [ "$kc" -eq "$kp" ]; }
	check "KUnit ptp_vclock: the ${kp:-?} cases of its plan ran ($kc)" plan_ran
	check "rmmod ptp_kunit" within 60 rmmod ptp_kunit
	check "no clock left by the KUnit cases" [ "$(nr_clocks)" -eq "$C0" ]
fi
insmod /netdevsim.ko || bad "insmod netdevsim"
check "new_device and del_device are there" [ -e "$NEW" -a -e "$DEL" ]
check "no device, clock or netdev after insmod" nothing_left

# Bad input: the errors 7.3 returns (new_device_store(), del_device_store(),
# new_port_store(), del_port_store() in drivers/net/netdevsim/bus.c,
# n_vclocks_store() and max_vclocks_store() in drivers/ptp/ptp_sysfs.c);
# nothing changes.
if phase input; then
	check "text to new_device: EINVAL" expect_err "Invalid argument" abc "$NEW"
	check "id above INT_MAX to new_device: EINVAL" \
		expect_err "Invalid argument" 2147483648 "$NEW"
	check "text to del_device: EINVAL" expect_err "Invalid argument" abc "$DEL"
	check "id above INT_MAX to del_device: EINVAL" \
		expect_err "Invalid argument" 2147483648 "$DEL"
	check "deleting a device there is not: ENOENT" \
		expect_err "No such file or directory" 77 "$DEL"
	check "nothing created by bad input" nothing_left
	check "new_device 1 with one port" expect_ok "1 1" "$NEW"
	check "netdevsim1 has one port and its clock" ports 1 1
	check "duplicate id: ENOSPC" expect_err "No space left on device" "1 2" "$NEW"
	one_dev_one_port() { [ "$(nr_devs)" -eq 1 ] && ports 1 1; }
	check "still one device with one port" one_dev_one_port
	check "text to new_port: EINVAL" expect_err "Invalid argument" abc "$D1/new_port"
	check "zero MAC to new_port: EINVAL" \
		expect_err "Invalid argument" "1 00:00:00:00:00:00" "$D1/new_port"
	check "multicast MAC to new_port: EINVAL" \
		expect_err "Invalid argument" "1 01:00:5e:00:00:01" "$D1/new_port"
	check "duplicate port: EEXIST" expect_err "File exists" 0 "$D1/new_port"
	check "text to del_port: EINVAL" expect_err "Invalid argument" abc "$D1/del_port"
	check "negative port to del_port: EINVAL" expect_err "Invalid argument" -1 "$D1/del_port"
	check "deleting a port there is not: ENOENT" \
		expect_err "No such file or directory" 5 "$D1/del_port"
	check "still one port" ports 1 1
	check "new_port 1 with a MAC" expect_ok "1 02:00:00:00:00:01" "$D1/new_port"
	check "two ports, two clocks" ports 1 2
	check "del_port 1" expect_ok 1 "$D1/del_port"
	check "one port again" ports 1 1

	P=$(clock_of 1)
	NV=$P/n_vclocks
	MAX=$(cat "$P/max_vclocks" 2> /dev/null || echo 20)
	check "the port's clock has n_vclocks 0" [ "$(cat "$NV")" = 0 ]
	check "text to n_vclocks: EINVAL" expect_err "Invalid argument" abc "$NV"
	check "negative n_vclocks: EINVAL" expect_err "Invalid argument" -1 "$NV"
	check "n_vclocks above max_vclocks ($MAX): EINVAL" \
		expect_err "Invalid argument" $((MAX + 1)) "$NV"
	check "n_vclocks beyond u32: EINVAL" expect_err "Invalid argument" 4294967296 "$NV"
	check "removing virtual clocks there are none of is a no-op" expect_ok 0 "$NV"
	check "no virtual clock made by bad input" \
		[ "$(cat "$NV")" = 0 -a "$(nr_clocks)" -eq $((C0 + 1)) ]
	check "n_vclocks 2" expect_ok 2 "$NV"
	check "two virtual clocks under the port's clock" \
		[ "$(cat "$NV")" = 2 -a "$(count "$P"/ptp*)" -eq 2 -a "$(nr_clocks)" -eq $((C0 + 3)) ]
	check "n_vclocks 2 again is a no-op" expect_ok 2 "$NV"
	check "still two virtual clocks" [ "$(count "$P"/ptp*)" -eq 2 -a "$(nr_clocks)" -eq $((C0 + 3)) ]
	V=$(ls -d "$P"/ptp* | head -n 1)
	check "a virtual clock has no n_vclocks or max_vclocks" \
		[ -d "$V" -a ! -e "$V/n_vclocks" -a ! -e "$V/max_vclocks" ]
	check "max_vclocks 0: EINVAL" expect_err "Invalid argument" 0 "$P/max_vclocks"
	check "max_vclocks below n_vclocks: EINVAL" expect_err "Invalid argument" 1 "$P/max_vclocks"
	check "n_vclocks 1 removes one" expect_ok 1 "$NV"
	check "one virtual clock" [ "$(count "$P"/ptp*)" -eq 1 -a "$(nr_clocks)" -eq $((C0 + 2)) ]
	# The clock goes with its port, and its virtual clocks with it.
	check "del_port 0 with a virtual clock" within 60 expect_ok 0 "$D1/del_port"
	check "no port, clock or virtual clock left" ports 1 0
	check "new_port 0 again" expect_ok 0 "$D1/new_port"
	fresh_clock() { ports 1 1 && [ "$(cat "$(clock_of 1)/n_vclocks")" = 0 ]; }
	check "one port, a new clock without virtual clocks" fresh_clock
	check "del_device 1 after bad input" within 60 expect_ok 1 "$DEL"
	check "nothing left after bad input" nothing_left
	log_clean "after bad input and virtual clocks"
fi

# The kernel's own PTP test program (tools/testing/selftests/ptp/testptp.c,
# linked statically): what it can do with the mock clock of a port and
# with a virtual clock on it (the mock has no gettimex64 or adjphase, so
# not -x or -o).  phc.sh needs phc_ctl (linuxptp) and the netdevsim
# selftests need iproute2's ip and devlink, which the guest has not.
if phase selftests && [ -x /testptp ]; then
	check "new_device 1 for testptp" expect_ok "1 1" "$NEW"
	pc=$(clock_of 1)
	pdev=/dev/${pc##*/}
	testptp_on() {
		for op in "-c" "-g" "-t 1" "-n 1000" "-f 100" "-k 5" "-T 1000" "-s"; do
			# shellcheck disable=SC2086 # op is options and their values
			check "testptp $op on $1 ($2)" eval "/testptp -d $1 $op > /tmp/testptp.out 2>&1 || { sed 's/^/  /' /tmp/testptp.out; false; }"
		done
	}
	testptp_on "$pdev" "a port's clock"
	check "n_vclocks 1 for testptp" expect_ok 1 "$pc/n_vclocks"
	vc=$(ls -d "$pc"/ptp* 2> /dev/null | head -n 1)
	check "a virtual clock" [ -n "$vc" ]
	[ -n "$vc" ] && testptp_on "/dev/${vc##*/}" "a virtual clock"
	check "n_vclocks 0 after testptp" expect_ok 0 "$pc/n_vclocks"
	check "del_device 1 after testptp" within 60 expect_ok 1 "$DEL"
	check "nothing left after testptp" nothing_left
	log_clean "after testptp"
fi

# The kernel's netdevsim selftest for the port files after an unbind
# (tools/testing/selftests/drivers/net/netdevsim/port-unbind.sh), run by
# Debian's static bash; its exit status is a check.  On 7.3 its first
# new_port oopses and kills the writer, a subshell of the test: the oops
# must not panic here, so that the test can say so, and the judge of the
# kernel log fails the run all the same.
if phase kselftest && [ -x /bash ] && [ -f /port-unbind.sh ]; then
	ln -sf /bash /bin/bash
	echo 0 > /proc/sys/kernel/panic_on_oops
	within 300 env ROUNDS="${KSFT_ROUNDS:-20}" /bin/bash /port-unbind.sh > /tmp/ksft.out 2>&1
	rc=$?
	echo 1 > /proc/sys/kernel/panic_on_oops
	sed 's/^/  /' /tmp/ksft.out
	check "selftest drivers/net/netdevsim/port-unbind.sh: exit status $rc" [ $rc -eq 0 ]
	check "nothing left after the selftest" nothing_left
	log_clean "after the netdevsim selftest"
	# A write killed by an oops holds its file for good, and the reboot's
	# device_shutdown() can wait for it: then reboot at once (sysrq b).
	if [ $rc -ne 0 ]; then
		reboot() { echo 1 > /proc/sys/kernel/sysrq; echo b > /proc/sysrq-trigger; }
	fi
fi

# The driver goes and comes back (deterministic).  7.3's new_port and
# del_port check a flag set when the device was created: after an unbind
# they run without driver data (a wild pointer in nsim_drv_port_add()).
# Fixed, they fail with ENOENT, as sriov_numvfs does.
if phase unbind-once; then
	check "new_device 1 for the unbind" expect_ok "1 1" "$NEW"
	check "unbind netdevsim1" within 60 expect_ok netdevsim1 "$DRV/unbind"
	check "no port left after the unbind" ports 1 0
	check "new_port after unbind: ENOENT" \
		expect_err "No such file or directory" 0 "$D1/new_port"
	check "del_port after unbind: ENOENT" \
		expect_err "No such file or directory" 0 "$D1/del_port"
	check "still no port" ports 1 0
	check "bind netdevsim1" within 60 expect_ok netdevsim1 "$DRV/bind"
	check "its port is back" ports 1 1
	check "new_port after the bind" expect_ok 1 "$D1/new_port"
	check "del_port after the bind" expect_ok 1 "$D1/del_port"
	check "del_device 1" within 60 expect_ok 1 "$DEL"
	check "nothing left after del_device" nothing_left
	log_clean "after the unbind"
fi

# Failing allocations, where the kernel has fault injection, as in the other
# runs: the N-th allocation of one call fails, for N = 1, 2, ... until the
# call no longer reaches it.  The walks are those in WALKS (comma-separated):
#   new_device	a write of "5 1" to new_device (the probe runs in it);
#   new_port	a write of "1" to new_port of a device with one port;
#   del_port	a write of "1" to del_port of a device with two ports;
#   del_device	a write of "7" to del_device, device 7 having one port;
#   n_vclocks	a write of "1" to the n_vclocks of a port's clock.
# A new_device whose probe failed succeeds all the same (the driver core
# keeps the device, unbound): then it has no port, and new_port fails with
# ENOENT.  A call that fails must leave nothing behind: after it, the
# devices, their ports, the netdevs, the PTP clocks and every n_vclocks
# read as before it (unchanged).
if phase failslab; then
	state() {
		echo "devices $(nr_devs), netdevs $(nr_netdevs), clocks $(nr_clocks)," \
			"ports $(count $BUS/devices/netdevsim*/net/*)," \
			"n_vclocks $(cat /sys/class/ptp/ptp*/n_vclocks 2> /dev/null | tr '\n' ' ')"
	}
	snap() { st_before=$(state); }
	unchanged() {
		st_after=$(state)
		[ "$st_after" = "$st_before" ] ||
			{ echo "  left behind: before the call: $st_before; after: $st_after"; false; }
	}
	WALKS=${WALKS:-new_device,new_port,del_port,del_device,n_vclocks}
	walk() { case ",$WALKS," in *",$1,"*) true ;; *) false ;; esac; }
	if fail_setup; then
		if walk new_device; then
			D5=$(dev 5)
			f_new_device() { snap; fnth $1 write "$NEW" "5 1"; }
			made() {
				if [ -e "$D5/driver" ]; then
					ports 5 1
				else
					[ "$inj" = injected ] && ports 5 0 &&
						expect_err "No such file or directory" 0 "$D5/new_port"
				fi
				st=$?
				within 60 wr 5 "$DEL" > /dev/null
				nothing_left || st=1
				return $st
			}
			fw_not_made() { [ ! -e "$D5" ] && nothing_left && unchanged; }
			fail_walk new_device f_new_device made fw_not_made
			check "new_device after the failures" expect_ok "5 1" "$NEW"
			check "with its port" ports 5 1
			check "del_device after the failures" within 60 expect_ok 5 "$DEL"
		fi
		if walk new_port; then
			wr "6 1" "$NEW" > /dev/null
			D6=$(dev 6)
			f_new_port() { snap; fnth $1 write "$D6/new_port" 1; }
			port_added() {
				ports 6 2
				st=$?
				within 60 wr 1 "$D6/del_port" > /dev/null
				ports 6 1 || st=1
				return $st
			}
			port_not_added() { ports 6 1 && unchanged; }
			fail_walk new_port f_new_port port_added port_not_added
			check "new_port after the failures" expect_ok 1 "$D6/new_port"
			check "del_port after the failures" expect_ok 1 "$D6/del_port"
			within 60 wr 6 "$DEL" > /dev/null
		fi
		if walk del_port; then
			D6=$(dev 6)
			wr "6 2" "$NEW" > /dev/null
			f_del_port() { snap; fnth $1 write "$D6/del_port" 1; }
			# Deleted: one port left; add it back for the next call.
			port_deleted() {
				ports 6 1
				st=$?
				wr 1 "$D6/new_port" > /dev/null
				ports 6 2 || st=1
				return $st
			}
			port_kept() { ports 6 2 && unchanged; }
			fail_walk del_port f_del_port port_deleted port_kept
			check "del_port after the failures" expect_ok 1 "$D6/del_port"
			within 60 wr 6 "$DEL" > /dev/null
		fi
		if walk del_device; then
			wr "7 1" "$NEW" > /dev/null
			f_del_device() { snap; fnth $1 write "$DEL" 7; }
			# Deleted: nothing left; make it again for the next call.
			device_deleted() {
				nothing_left
				st=$?
				wr "7 1" "$NEW" > /dev/null
				ports 7 1 || st=1
				return $st
			}
			device_kept() { [ "$(nr_devs)" -eq 1 ] && ports 7 1 && unchanged; }
			fail_walk del_device f_del_device device_deleted device_kept
			check "del_device after the failures" within 60 expect_ok 7 "$DEL"
		fi
		if walk n_vclocks; then
			wr "8 1" "$NEW" > /dev/null
			P8=$(clock_of 8)
			f_n_vclocks() { snap; fnth $1 write "$P8/n_vclocks" 1; }
			# Made: one virtual clock, counted; remove it for the next call.
			vclock_made() {
				[ "$(count "$P8"/ptp*)" -eq 1 -a "$(cat "$P8/n_vclocks")" = 1 ]
				st=$?
				wr 0 "$P8/n_vclocks" > /dev/null
				[ "$(count "$P8"/ptp*)" -eq 0 ] || st=1
				return $st
			}
			no_vclock() {
				[ "$(count "$P8"/ptp*)" -eq 0 -a "$(cat "$P8/n_vclocks")" = 0 ] &&
					unchanged
			}
			fail_walk n_vclocks f_n_vclocks vclock_made no_vclock
			check "n_vclocks 1 after the failures" expect_ok 1 "$P8/n_vclocks"
			check "n_vclocks 0 after the failures" expect_ok 0 "$P8/n_vclocks"
			within 60 wr 8 "$DEL" > /dev/null
		fi
		umount /sys/kernel/debug
		check "nothing left after the failures" nothing_left
		# Module exit after the failures: 7.3 drops the bus's reference once
		# more for each device_register() that failed.
		check "rmmod after the failures" rmmod_netdevsim
		check "module and bus gone" bus_gone
		check "insmod after the failures" insmod /netdevsim.ko
		log_clean "after the failing allocations"
	else
		echo "$T: no fault injection in this kernel: failing allocations skipped"
	fi
fi

# Loop 1: two loops write 1 then 0 to every n_vclocks file there is (the
# clock of netdevsim1's one port) while the port is deleted and added
# again, $ROUNDS times.  Right after each del_port no clock may be left:
# neither the port's nor a virtual clock a store registered on it (in 7.3
# the unregistration's ptp_vclock_in_use() check can miss one, or walk
# the children next to an "echo 0" that removes them too).
if phase vclocks; then
	check "new_device 1 for the n_vclocks loop" expect_ok "1 1" "$NEW"
	vclocker() {
		while [ ! -e /tmp/stop ]; do
			for f in /sys/class/ptp/ptp*/n_vclocks; do
				{ echo 1 > "$f"; } 2> /dev/null && echo >> "/tmp/added.$1"
				{ echo 0 > "$f"; } 2> /dev/null && echo >> "/tmp/removed.$1"
			done
		done
	}
	bg vclocker 1
	bg vclocker 2
	left=0
	failed=0
	round=1
	while [ $round -le "$ROUNDS" ]; do
		usleep $(((round % 5) * 5000))
		if wr_in 60 0 "$D1/del_port"; then
			if [ "$(nr_clocks)" -ne "$C0" ] || [ "$(count "$D1"/net/*)" -ne 0 ]; then
				echo "  round $round: $(($(nr_clocks) - C0)) clock(s) left after del_port"
				left=$((left + 1))
			fi
		else
			echo "  round $round: del_port failed: $(cat /tmp/wr.err)"
			failed=$((failed + 1))
		fi
		if ! wr_in 60 0 "$D1/new_port"; then
			echo "  round $round: new_port failed: $(cat /tmp/wr.err)"
			failed=$((failed + 1))
		fi
		round=$((round + 1))
	done
	stop_bg
	echo "$T: $ROUNDS del_port/new_port rounds, $added n_vclocks 1 and $removed n_vclocks 0 succeeded"
	check "$ROUNDS del_port/new_port rounds under n_vclocks loops" [ $left -eq 0 -a $failed -eq 0 ]
	check "the loops made virtual clocks" [ "$added" -gt 0 -a "$removed" -gt 0 ]
	check "del_device after the n_vclocks loop" within 60 expect_ok 1 "$DEL"
	check "nothing left after the n_vclocks loop" nothing_left
	log_clean "after the n_vclocks loop"
fi

# Loop 2: three loops add devices (two delete theirs again) while the module
# goes away and comes back, $ROUNDS times.  After each rmmod nothing may be
# left: no bus, device, clock or netdev (in 7.3 a new_device that passed the
# flag before module exit cleared it takes its reference on a count of 0,
# and the release of its device, which devlink defers, can run after the
# module is gone).
if phase rmmod; then
	creator() {
		while [ ! -e /tmp/stop ]; do
			[ -e "$NEW" ] || { usleep 2000; continue; }
			{ echo "$2 1" > "$NEW"; } 2> /dev/null && echo >> "/tmp/added.$1"
			[ "$3" = keep ] && continue
			{ echo "$2" > "$DEL"; } 2> /dev/null && echo >> "/tmp/removed.$1"
		done
	}
	bg creator 1 10 del
	bg creator 2 11 del
	bg creator 3 12 keep
	left=0
	failed=0
	round=1
	while [ $round -le "$ROUNDS" ]; do
		[ -d /sys/module/netdevsim ] || bus_gone ||
			echo "  round $round: bus directory still there after 10 s"
		if [ ! -d /sys/module/netdevsim ] && ! within 60 insmod /netdevsim.ko; then
			echo "  round $round: insmod failed"
			failed=$((failed + 1))
		fi
		usleep $((20000 + (round % 7) * 15000))
		if ! rmmod_netdevsim; then
			echo "  round $round: rmmod failed (status $rc)"
			failed=$((failed + 1))
			[ $rc -eq 124 ] && break
		elif ! bus_gone || ! nothing_left; then
			echo "  round $round: left behind after rmmod"
			left=$((left + 1))
		fi
		round=$((round + 1))
	done
	stop_bg
	echo "$T: $ROUNDS insmod/rmmod rounds, $added new_device and $removed del_device succeeded"
	check "$ROUNDS rounds of insmod/rmmod under new_device/del_device loops" \
		[ $left -eq 0 -a $failed -eq 0 ]
	check "the loops added and deleted devices" [ "$added" -gt 0 -a "$removed" -gt 0 ]
	log_clean "after the insmod/rmmod loop"
fi

# Loop 3: two loops add and delete ports 1 and 2 of netdevsim1 while its
# driver is unbound and bound again, $ROUNDS times.  After each unbind no
# port, clock or netdev of it may be left; after each bind its port 0 is
# back (7.3: new_port and del_port run against a driver being removed, or
# gone).
if phase unbind; then
	[ -d /sys/module/netdevsim ] || insmod /netdevsim.ko || bad "insmod netdevsim for the unbind loop"
	check "new_device 1 for the unbind loop" expect_ok "1 1" "$NEW"
	porter() {
		while [ ! -e /tmp/stop ]; do
			{ echo "$2" > "$D1/new_port"; } 2> /dev/null && echo >> "/tmp/added.$1"
			{ echo "$2" > "$D1/del_port"; } 2> /dev/null && echo >> "/tmp/removed.$1"
		done
	}
	bg porter 1 1
	bg porter 2 2
	left=0
	failed=0
	round=1
	while [ $round -le "$ROUNDS" ]; do
		usleep $(((round % 5) * 5000))
		if ! wr_in 60 netdevsim1 "$DRV/unbind"; then
			echo "  round $round: unbind failed: $(cat /tmp/wr.err)"
			failed=$((failed + 1))
		elif [ -e "$D1/driver" ] || ! ports 1 0; then
			echo "  round $round: left behind after unbind"
			left=$((left + 1))
		fi
		if ! wr_in 60 netdevsim1 "$DRV/bind"; then
			echo "  round $round: bind failed: $(cat /tmp/wr.err)"
			failed=$((failed + 1))
		elif [ ! -e "$D1/driver" ] || [ "$(count "$D1"/ptp/ptp*)" -lt 1 ]; then
			echo "  round $round: no port after bind"
			failed=$((failed + 1))
		fi
		round=$((round + 1))
	done
	stop_bg
	echo "$T: $ROUNDS unbind/bind rounds, $added new_port and $removed del_port succeeded"
	check "$ROUNDS rounds of unbind/bind under new_port/del_port loops" \
		[ $left -eq 0 -a $failed -eq 0 ]
	check "the loops added and deleted ports" [ "$added" -gt 0 -a "$removed" -gt 0 ]
fi

[ -d /sys/module/netdevsim ] && check "rmmod at the end" rmmod_netdevsim
check "nothing left at the end" nothing_left
check "no netdevsim bus left" bus_gone
for m in psample ptp_mock ptp pps_core; do
	[ -f /$m.ko ] && { check "rmmod $m" rmmod $m; }
done
log_clean "at the end"

guest_done
