#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the mdev A/B boots of scripts/bench, the same on the pristine and
# on the converted kernel.  Each round loads mtty with room for N children,
# creates N mdevs through sysfs, removes them, creates N again and unloads
# mtty, which unregisters the parent with N children.  One more load and
# unload with no child gives the fixed cost of rmmod.  Each step is framed
# by markers in /dev/kmsg: the kernel is booted with printk.time=1, so the
# host reads the time of each step from the printk timestamps.

/bin/busybox mkdir -p /proc /sys /dev /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

N=1000
ROUNDS=10
MTTY=/sys/class/mdev_bus/mtty
DEVS=/sys/bus/mdev/devices

mark() { echo "bench: $*" > /dev/kmsg; }

# The markers, and whatever a splat would print, from the ring buffer.
flush() {
	dmesg -c | grep -E "bench:|WARNING|BUG|Oops|Call Trace|error"
}

count() {
	set -- $DEVS/*
	[ -e "$1" ] && echo $# || echo 0
}

# The UUIDs are made before any timing; the timed loops only read and write.
i=0
while [ $i -lt $N ]; do
	printf '%08x-0000-4000-8000-000000000000\n' $i
	i=$((i + 1))
done > /uuids

create_all() {
	while read -r u; do
		echo "$u" > "$1/create"
	done < /uuids
}

dmesg -n 1
dmesg -c > /dev/null
mark "mdev children=$N rounds=$ROUNDS"
insmod /mdev.ko
insmod /mtty.ko
mark "mdev rmmod0 start"
rmmod mtty
mark "mdev rmmod0 end"
flush

r=1
while [ $r -le $ROUNDS ]; do
	insmod /mtty.ko max_ports=$N
	type=$(ls -d $MTTY/mdev_supported_types/*-1)

	mark "mdev create start"
	create_all "$type"
	mark "mdev create end"
	[ "$(count)" -eq $N ] || mark "mdev error: $(count) of $N created"
	flush

	mark "mdev remove start"
	while read -r u; do
		echo 1 > "$DEVS/$u/remove"
	done < /uuids
	mark "mdev remove end"
	[ "$(count)" -eq 0 ] || mark "mdev error: $(count) left after remove"
	flush

	create_all "$type"
	[ "$(count)" -eq $N ] || mark "mdev error: $(count) of $N re-created"
	flush
	mark "mdev unregister start"
	rmmod mtty
	mark "mdev unregister end"
	[ "$(count)" -eq 0 ] || mark "mdev error: $(count) left after rmmod"
	flush
	r=$((r + 1))
done
mark "done"
flush
reboot -f
