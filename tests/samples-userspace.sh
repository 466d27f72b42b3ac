#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The vfio-mdev samples that are given as modules (/mtty.ko, /mdpy.ko,
# /mbochs.ko), each loaded, given a child through sysfs, the child removed,
# and unloaded, ROUNDS times.  SETTLE=N (seconds) waits after each rmmod: on
# a kernel with CONFIG_DEBUG_KOBJECT_RELEASE, which delays every kobject
# release by 1 to 4 seconds, a release that runs on the module's memory
# after the module has gone (its parent device, its cdev, its class) shows
# then, in the log.
T=samples-userspace
. /guest-lib.sh

ROUNDS=${ROUNDS:-3}
SETTLE=${SETTLE:-0}

# The driver core removes a driver's directory only at its kobject's
# release: wait for it (at most 10 s) before loading the module again.
driver_gone() {
	w=100
	while [ -e /sys/bus/mdev/drivers/$1 ] && [ $w -gt 0 ]; do
		usleep 100000
		w=$((w - 1))
	done
}

mods=0
for m in mtty mdpy mbochs; do
	[ -f /$m.ko ] || continue
	mods=$((mods + 1))
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		driver_gone $m
		check "$m round $r: insmod" insmod /$m.ko
		type=$(ls -d /sys/class/mdev_bus/$m/mdev_supported_types/* | head -n 1)
		u=$(cat /proc/sys/kernel/random/uuid)
		check "$m round $r: create" expect_ok "$u" "$type/create"
		check "$m round $r: remove" expect_ok 1 /sys/bus/mdev/devices/$u/remove
		check "$m round $r: rmmod" rmmod $m
		check "$m round $r: its parent is gone" [ ! -e /sys/class/mdev_bus/$m ]
		[ "$SETTLE" -gt 0 ] && sleep "$SETTLE"
	done
done
check "some sample was given" [ $mods -gt 0 ]
echo "$T: $mods samples, $ROUNDS rounds each"
guest_done
