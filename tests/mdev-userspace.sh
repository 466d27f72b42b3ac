#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the busybox initramfs that `scripts/userspace mdev` boots: drives
# mdev through sysfs as a user would, with the mtty sample as a module.
# Prints "mdev-userspace: PASS|FAIL NAME" per check and "mdev-userspace:
# done" at the end, then powers off.

T=mdev-userspace
. /guest-lib.sh

ROUNDS=${ROUNDS:-50}
MTTY=/sys/class/mdev_bus/mtty
PDEV=/sys/devices/virtual/mtty/mtty
DEVS=/sys/bus/mdev/devices

nr_devs() { ls "$DEVS" 2>/dev/null | wc -l; }
remove_all() { for r in "$DEVS"/*/remove; do [ -e "$r" ] && wr 1 "$r" > /dev/null; done; }
uuid() { cat /proc/sys/kernel/random/uuid; }
insmod /mtty.ko || bad "insmod mtty"
T1=$(ls -d $MTTY/mdev_supported_types/*-1)
T2=$(ls -d $MTTY/mdev_supported_types/*-2)
check "parent registered with two types" [ -d "$T1" -a -d "$T2" ]

# Bad input through the same files: clear errors, nothing changes.
U=$(uuid)
check "malformed UUID: EINVAL" expect_err "Invalid argument" \
	"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz" "$T1/create"
check "UUID too long: EINVAL" expect_err "Invalid argument" "${U}00" "$T1/create"
check "UUID too short: EINVAL" expect_err "Invalid argument" "1234" "$T1/create"
check "nothing created by bad input" [ "$(nr_devs)" -eq 0 ]
check "create" expect_ok "$U" "$T1/create"
check "duplicate UUID: EEXIST" expect_err "File exists" "$U" "$T2/create"
check "one device after the duplicate" [ "$(nr_devs)" -eq 1 ]
check "remove 0 is a no-op" expect_ok 0 "$DEVS/$U/remove"
check "text to remove: EINVAL" expect_err "Invalid argument" abc "$DEVS/$U/remove"
check "device still there" [ -d "$DEVS/$U" ]
check "remove 1" expect_ok 1 "$DEVS/$U/remove"
check "device gone" [ ! -e "$DEVS/$U" ]

# Failing allocations, where the kernel has fault injection: the N-th
# allocation of one create fails, for N = 1, 2, ... until a create runs
# without reaching its N-th allocation; then the same for a remove, and for
# insmod (the parent's registration).  Each N is a check: the call fails
# with an error and leaves everything as it was, or it absorbs the failure
# and succeeds.
if fail_setup; then
	avail=$(cat "$T1/available_instances")
	# A create that fails leaves no device and every instance free; one
	# that succeeds, one device and one instance taken.
	f_create() {
		U=$(uuid)
		fnth $1 write "$T1/create" "$U"
		now=$(cat "$T1/available_instances")
	}
	created() {
		[ -d "$DEVS/$U" -a "$now" -eq $((avail - 1)) -a "$(nr_devs)" -eq 1 ]
		st=$?; remove_all; return $st
	}
	not_created() { [ ! -e "$DEVS/$U" -a "$now" -eq "$avail" -a "$(nr_devs)" -eq 0 ]; }
	fail_walk create f_create created not_created
	check "a create after the failures" expect_ok "$(uuid)" "$T1/create"
	remove_all

	# mdpy, built in where the kernel has it, leaves the count of its
	# instances to the core (it has no get_available): after a create
	# that fails, available_instances must read as before it, and after
	# one that succeeds, one less.
	MT=$(ls -d /sys/class/mdev_bus/mdpy/mdev_supported_types/* 2> /dev/null | head -n 1)
	if [ -n "$MT" ]; then
		mavail=$(cat "$MT/available_instances")
		f_mcreate() {
			U=$(uuid)
			before=$(cat "$MT/available_instances")
			fnth $1 write "$MT/create" "$U"
			now=$(cat "$MT/available_instances")
		}
		m_created() {
			[ -d "$DEVS/$U" -a "$now" -eq $((before - 1)) -a "$(nr_devs)" -eq 1 ]
			st=$?; remove_all; return $st
		}
		m_not_created() {
			[ ! -e "$DEVS/$U" -a "$now" -eq "$before" -a "$(nr_devs)" -eq 0 ] ||
				{ echo "  available_instances $before before the create, $now after"; false; }
		}
		fail_walk "mdpy create" f_mcreate m_created m_not_created
		check "mdpy: $mavail instances free after the walk" \
			[ "$(cat "$MT/available_instances")" -eq "$mavail" ]
		check "mdpy: a create after the failures" expect_ok "$(uuid)" "$MT/create"
		remove_all
	else
		echo "$T: no mdpy in this kernel: its create walk skipped"
	fi

	# A remove that fails keeps the device; one that succeeds gives
	# the instance back.
	U=
	f_remove() {
		[ -n "$U" ] || { U=$(uuid); wr "$U" "$T1/create" > /dev/null; }
		fnth $1 write "$DEVS/$U/remove" 1
		now=$(cat "$T1/available_instances")
	}
	removed() { [ ! -e "$DEVS/$U" -a "$now" -eq "$avail" -a "$(nr_devs)" -eq 0 ]; st=$?; U=; return $st; }
	kept() { [ -d "$DEVS/$U" -a "$now" -eq $((avail - 1)) ]; }
	fail_walk remove f_remove removed kept
	remove_all

	# An insmod that fails leaves no parent and no module; one that
	# succeeds, a parent with every instance free (a failed mdev_bus
	# link only warns: look under the device).
	rmmod mtty
	pt=$PDEV/mdev_supported_types/${T1##*/}
	f_insmod() { fnth $1 insmod /mtty.ko; }
	registered() { [ -d "$pt" -a "$(cat "$pt/available_instances")" -eq "$avail" ]; st=$?; rmmod mtty || st=1; return $st; }
	no_parent() { [ ! -e "$PDEV" -a ! -d /sys/module/mtty ]; }
	fail_walk insmod f_insmod registered no_parent
	insmod /mtty.ko
	check "create and remove after the failures" expect_ok "$(uuid)" "$T1/create"
	remove_all
	check "no device left after the failures" [ "$(nr_devs)" -eq 0 ]
	umount /sys/kernel/debug
else
	echo "$T: no fault injection in this kernel: failing allocations skipped"
fi

# With delayed releases (CONFIG_DEBUG_KOBJECT_RELEASE: `make kcsan` passes
# SETTLE=5), mtty gets the ports of a removed device back only once its
# release has run: wait until the count has not changed for SETTLE s, at
# most 60 s (the checks below then tell what it is).
if [ "${SETTLE:-0}" -gt 0 ]; then
	last=-1
	same=0
	w=60
	while [ $same -lt "$SETTLE" ] && [ $w -gt 0 ]; do
		w=$((w - 1))
		now=$(cat "$T2/available_instances")
		if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$now
		sleep 1
	done
fi
avail=$(cat "$T2/available_instances")
i=0
while [ $i -lt "$avail" ]; do
	wr "$(uuid)" "$T2/create" > /dev/null
	i=$((i + 1))
done
check "$avail instances fill the type" [ "$(cat "$T2/available_instances")" -eq 0 ]
# mtty limits instances in its own probe (get_available), so the core's
# EUSERS path is not reached; userspace sees mtty's ENOSPC, as before.
check "one more instance: ENOSPC" expect_err "No space left on device" "$(uuid)" "$T2/create"
check "no more devices than instances" [ "$(nr_devs)" -eq "$avail" ]
check "rmmod with $avail devices" rmmod mtty
check "no device left after rmmod" [ "$(nr_devs)" -eq 0 ]

# Creators and removers loop on the sysfs files while the module goes away
# and comes back, $ROUNDS times.
creator() {
	while [ ! -e /tmp/stop ]; do
		for t in $MTTY/mdev_supported_types/*/create; do
			{ uuid > "$t"; } 2> /dev/null && echo >> "/tmp/created.$1"
		done
	done
}
remover() {
	while [ ! -e /tmp/stop ]; do
		for r in $DEVS/*/remove; do
			{ echo 1 > "$r"; } 2> /dev/null && echo >> "/tmp/removed.$1"
		done
	done
}
creator 1 &
creator 2 &
remover 1 &
remover 2 &

left=0
rmmod_failed=0
round=1
while [ $round -le $ROUNDS ]; do
	# The driver core removes an unregistered driver's directory only when
	# its kobject is released, which CONFIG_DEBUG_KOBJECT_RELEASE delays by
	# up to 4 s: an insmod before that finds it still there ("sysfs:
	# cannot create duplicate filename '/bus/mdev/drivers/mtty'", seen in
	# one make kcsan run).  Wait for it, at most 10 s.
	w=100
	while [ -e /sys/bus/mdev/drivers/mtty ] && [ $w -gt 0 ]; do
		usleep 100000
		w=$((w - 1))
	done
	[ $w -gt 0 ] || echo "  round $round: driver directory still there after 10 s"
	if ! insmod /mtty.ko; then
		echo "  round $round: insmod failed"
		rmmod_failed=$((rmmod_failed + 1))
	fi
	usleep $((20000 + (round % 7) * 15000))
	if ! rmmod mtty; then
		echo "  round $round: rmmod failed"
		rmmod_failed=$((rmmod_failed + 1))
	fi
	n=$(nr_devs)
	if [ "$n" -ne 0 ]; then
		echo "  round $round: $n mdev device(s) left after rmmod"
		left=$((left + 1))
	fi
	round=$((round + 1))
done
touch /tmp/stop
wait
created=$(cat /tmp/created.* 2> /dev/null | wc -l)
removed=$(cat /tmp/removed.* 2> /dev/null | wc -l)
echo "mdev-userspace: $ROUNDS rounds, $created creates and $removed removes succeeded"
check "$ROUNDS rounds of insmod/rmmod under create/remove loops" \
	[ $left -eq 0 -a $rmmod_failed -eq 0 ]
check "the loops created and removed devices" [ "$created" -gt 0 -a "$removed" -gt 0 ]
check "no device left at the end" [ "$(nr_devs)" -eq 0 ]

guest_done
