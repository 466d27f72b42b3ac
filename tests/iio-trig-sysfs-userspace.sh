#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the busybox initramfs that `scripts/userspace iio-trig-sysfs`
# boots: drives the IIO sysfs trigger's add_trigger and remove_trigger files
# as a user would, with iio-trig-sysfs as a module.

T=iio-trig-sysfs-userspace
. /guest-lib.sh

ROUNDS=${ROUNDS:-300}
# VERBOSE=1: a line per round (rmmods refused, adds that failed with
# ENODEV, uptime).
DEV=/sys/bus/iio/devices/iio_sysfs_trigger
ADD=$DEV/add_trigger
DEL=$DEV/remove_trigger

nr_trigs() { count /sys/bus/iio/devices/trigger*; }

insmod /iio-trig-sysfs.ko || bad "insmod iio-trig-sysfs"
check "add_trigger and remove_trigger are there" [ -e "$ADD" -a -e "$DEL" ]

# Bad input: the same errors as before, nothing changes.
check "text to add_trigger: EINVAL" expect_err "Invalid argument" abc "$ADD"
check "negative id: EINVAL" expect_err "Invalid argument" -1 "$ADD"
check "id out of range: ERANGE" expect_err "Numerical result out of range" \
	99999999999999999999999 "$ADD"
check "nothing added by bad input" [ "$(nr_trigs)" -eq 0 ]
check "add 7" expect_ok 7 "$ADD"
check "sysfstrig7 is there" grep -qx sysfstrig7 /sys/bus/iio/devices/trigger*/name
check "duplicate id: EINVAL" expect_err "Invalid argument" 7 "$ADD"
check "one trigger after the duplicate" [ "$(nr_trigs)" -eq 1 ]
check "rmmod with a trigger: busy" fails rmmod iio-trig-sysfs
check "text to remove_trigger: EINVAL" expect_err "Invalid argument" abc "$DEL"
check "removing an unknown id: EINVAL" expect_err "Invalid argument" 8 "$DEL"
check "remove 7" expect_ok 7 "$DEL"
check "no trigger left" [ "$(nr_trigs)" -eq 0 ]
check "rmmod" rmmod iio-trig-sysfs
check "nothing left after rmmod" [ "$(nr_trigs)" -eq 0 -a ! -e "$DEV" ]

# Failing allocations, where the kernel has fault injection, as in the mdev
# run: the N-th allocation of one add_trigger write fails, for N = 1, 2, ...
# until the write no longer reaches it; then the same for remove_trigger
# and for insmod.  A failed call leaves everything as it was; one that
# succeeds has done its work.
if fail_setup; then
	insmod /iio-trig-sysfs.ko
	f_add() { fnth $1 write "$ADD" 5; }
	added() {
		[ "$(nr_trigs)" -eq 1 ] && grep -qx sysfstrig5 /sys/bus/iio/devices/trigger*/name
		st=$?; wr 5 "$DEL" > /dev/null; return $st
	}
	not_added() { [ "$(nr_trigs)" -eq 0 ]; }
	fail_walk add_trigger f_add added not_added
	f_del() {
		[ "$(nr_trigs)" -eq 1 ] || wr 5 "$ADD" > /dev/null
		fnth $1 write "$DEL" 5
	}
	removed() { [ "$(nr_trigs)" -eq 0 ]; }
	kept() { [ "$(nr_trigs)" -eq 1 ]; }
	fail_walk remove_trigger f_del removed kept
	check "rmmod before the insmod walk" rmmod iio-trig-sysfs
	f_insmod() { fnth $1 insmod /iio-trig-sysfs.ko; }
	loaded() { [ -e "$ADD" -a -e "$DEL" ]; st=$?; rmmod iio-trig-sysfs || st=1; return $st; }
	not_loaded() { [ ! -e "$DEV" -a ! -d /sys/module/iio_trig_sysfs ]; }
	fail_walk insmod f_insmod loaded not_loaded
	umount /sys/kernel/debug
	insmod /iio-trig-sysfs.ko
	check "add and remove after the failures" expect_ok 5 "$ADD"
	check "and remove" expect_ok 5 "$DEL"
	check "rmmod after the failures" rmmod iio-trig-sysfs
else
	echo "$T: no fault injection in this kernel: failing allocations skipped"
fi

# Two loops each add a trigger and remove it again while the module goes
# away and comes back, $ROUNDS times.  A trigger (and, with try_module_get()
# before registering, an add in flight) holds the module, so rmmod is tried
# again at once until it gets through, up to 200 times: in a run of 15
# rounds it was refused 48 times per round on average.  An add that fails
# with ENODEV ran while the module was going away (refused by
# try_module_get(), or by kernfs as it removed the file, which is why the
# unpatched kernel counts a few too): the exit it raced is counted (13 of
# those 15).  Without try_module_get() such an add can succeed, and its
# trigger is left behind.
trig() {
	while [ ! -e /tmp/stop ]; do
		if { echo "$1" > $ADD; } 2> "/tmp/err.$1"; then
			echo >> "/tmp/added.$1"
			{ echo "$1" > $DEL; } 2> /dev/null && echo >> "/tmp/removed.$1"
		elif read -r e < "/tmp/err.$1"; [ "${e#*No such device}" != "$e" ]; then
			echo >> /tmp/enodev
		fi
	done
}
trig 1 &
trig 2 &

left=0
busy=0
raced=0
round=1
: > /tmp/enodev
while [ $round -le "$ROUNDS" ]; do
	insmod /iio-trig-sysfs.ko
	usleep $(((round % 5) * 5000))
	n0=$(wc -l < /tmp/enodev)
	tries=0
	until rmmod iio-trig-sysfs 2> /dev/null || [ $tries -ge 200 ]; do
		tries=$((tries + 1))
	done
	[ "${VERBOSE:-0}" = 1 ] && echo "  round $round: $tries busy rmmods, $(($(wc -l < /tmp/enodev) - n0)) ENODEV, uptime $(cut -d' ' -f1 /proc/uptime)"
	if [ $tries -lt 200 ]; then
		[ "$(wc -l < /tmp/enodev)" -gt "$n0" ] && raced=$((raced + 1))
		if [ "$(nr_trigs)" -ne 0 ] || [ -e "$DEV" ]; then
			echo "  round $round: $(nr_trigs) trigger(s) left after rmmod"
			left=$((left + 1))
		fi
	else
		busy=$((busy + 1))
	fi
	round=$((round + 1))
done
stop_loops
echo "$T: $ROUNDS rounds, $((ROUNDS - busy)) rmmods succeeded, $raced of them raced an add (ENODEV), $added adds and $removed removes succeeded, $left rounds left triggers"
check "no trigger left after any rmmod" [ $left -eq 0 ]
check "the loops added and removed triggers" [ "$added" -gt 0 -a "$removed" -gt 0 ]
check "most rmmods succeeded" [ $busy -lt $((ROUNDS / 4)) ]
lsmod | grep -q iio_trig_sysfs && for id in 1 2; do echo $id > $DEL 2> /dev/null; done
rmmod iio-trig-sysfs 2> /dev/null
check "no trigger left at the end" [ "$(nr_trigs)" -eq 0 ]
# A trigger left behind by an rmmod is no longer under the bus directory
# (its parent's directory went with the module), but the IIO core still
# has its name: adding the same id again fails with EEXIST.
insmod /iio-trig-sysfs.ko
check "the loops' ids can be added again" expect_ok 1 "$ADD"
check "and the second one" expect_ok 2 "$ADD"
echo 1 > $DEL; echo 2 > $DEL
check "rmmod at the end" rmmod iio-trig-sysfs

guest_done
