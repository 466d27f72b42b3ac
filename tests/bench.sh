#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the initramfs that scripts/bench boots: refscale's read sides one
# after the other with 1 and 2 readers, then the drain benchmark.  Markers go
# to /dev/kmsg, so that they stand in order among the kernel's own lines.

/bin/busybox mkdir -p /proc /sys /dev /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

OPS="rwsem-try rwsem srcu pcpu-rwsem pcpu-ref refcnt kernfs-active child-barrier"
NRUNS=${NRUNS:-21}
LOOPS=${LOOPS:-200000}

mark() { echo "bench: $*" > /dev/kmsg; }

insmod /torture.ko
for n in 1 2; do
	for op in $OPS; do
		dmesg -c > /dev/null
		mark "reader $op nreaders=$n"
		insmod /refscale.ko scale_type=$op nreaders=$n nruns=$NRUNS \
			loops=$LOOPS shutdown_secs=0 verbose=0
		i=0
		while ! dmesg | grep -q "END OF TEST" && [ $i -lt 600 ]; do
			usleep 100000
			i=$((i + 1))
		done
		usleep 200000
		rmmod refscale
	done
done
mark "drain"
insmod /child_barrier_bench.ko
rmmod child_barrier_bench
mark "done"
# UML restarts on a reboot; it exits on a power-off.  qemu (-no-reboot)
# exits on a reboot; the bench kernel has no ACPI to power off with.
if grep -q "User Mode Linux" /proc/cpuinfo; then
	poweroff -f
else
	reboot -f
fi
