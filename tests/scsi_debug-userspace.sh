#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the busybox initramfs that `scripts/userspace scsi_debug` boots:
# drives scsi_debug's add_host file as a user would, with scsi_debug as a
# module.  Writing N > 0 to add_host adds N adapters, N < 0 removes -N.

T=scsi_debug-userspace
. /guest-lib.sh

ROUNDS=${ROUNDS:-200}
DRV=/sys/bus/pseudo/drivers/scsi_debug
ADD=$DRV/add_host

# Adapters and SCSI hosts there are; the guest has no other SCSI host.
nr_adapters() { count /sys/bus/pseudo/devices/adapter*; }
nr_hosts() { count /sys/class/scsi_host/host*; }

# scsi_debug's CRC library, a module of its own since CRC_T10DIF became a
# hidden option (6.15); busybox's insmod does not load dependencies.
[ -f /crc-t10dif.ko ] && { insmod /crc-t10dif.ko || bad "insmod crc-t10dif"; }
insmod /scsi_debug.ko || bad "insmod scsi_debug"
check "one adapter after insmod" [ "$(cat $ADD)" -eq 1 -a "$(nr_adapters)" -eq 1 ]

# Bad input: the same errors as before, nothing changes.
check "text to add_host: EINVAL" expect_err "Invalid argument" abc "$ADD"
check "blank to add_host: EINVAL" expect_err "Invalid argument" " " "$ADD"
check "0 is a no-op" expect_ok 0 "$ADD"
check "still one adapter" [ "$(cat $ADD)" -eq 1 -a "$(nr_adapters)" -eq 1 ]
check "add 2" expect_ok 2 "$ADD"
check "three adapters, named in order" \
	[ "$(cat $ADD)" -eq 3 -a -e /sys/bus/pseudo/devices/adapter2 ]
check "remove 3" expect_ok -3 "$ADD"
check "no adapter left" [ "$(cat $ADD)" -eq 0 -a "$(nr_adapters)" -eq 0 -a "$(nr_hosts)" -eq 0 ]
check "removing from none is a no-op" expect_ok -1 "$ADD"
check "add 1 after none" expect_ok 1 "$ADD"
check "the new one is adapter0" [ -e /sys/bus/pseudo/devices/adapter0 -a "$(nr_adapters)" -eq 1 ]
check "rmmod with an adapter" rmmod scsi_debug
check "no adapter or host left after rmmod" [ "$(nr_hosts)" -eq 0 -a ! -e /sys/bus/pseudo ]

# Failing allocations, where the kernel has fault injection, as in the mdev
# run: the N-th allocation of one call fails, for N = 1, 2, ... until the
# call no longer reaches it.  The walks are those in WALKS (comma-separated):
#   remove	a write of -1 to add_host (the default);
#   add		a write of 1 to add_host;
#   insmod	the module's load, with its first adapter.
# add and insmod are left out by default: there, 6.12's SCSI and driver
# core have bugs of their own under a failing allocation (README).
# 6.12's add_host ignores an adapter that could not be added, and keeps
# one whose SCSI host could not be added (the write succeeds either way),
# and a driver whose attribute files could not be created loads without
# them: add_host must count the adapters, and a call that nothing failed
# must have done its work.  The adapters have no targets (num_tgts=0): the
# walks stay out of the SCSI scan, where 6.12.117's scsi_alloc_sdev() has
# a bug of its own under a failing allocation (README); TGTS=1 scans.
WALKS=${WALKS:-remove}
TGTS=${TGTS:-0}
walk() { case ",$WALKS," in *",$1,"*) true ;; *) false ;; esac; }
if fail_setup; then
	insmod /scsi_debug.ko add_host=0 num_tgts=$TGTS
	# consistent MAX: add_host (if the driver has its files) counts the
	# adapters, at most MAX, with a SCSI host each at most; exactly MAX
	# with a host each if nothing was injected.
	consistent() {
		a=$(nr_adapters) h=$(nr_hosts) c=$(cat $ADD 2> /dev/null || echo none)
		[ "$h" -le "$a" -a "$a" -le $1 ] &&
			{ [ "$c" = "$a" ] || [ "$c" = none -a "$inj" = injected ]; } &&
			{ [ "$inj" = injected ] || [ "$a" -eq $1 -a "$h" -eq $1 ]; } ||
			{ echo "  add_host $c, $a adapter(s), $h SCSI host(s)"; false; }
	}
	if walk add; then
		f_add() { fnth $1 write "$ADD" 1; }
		one_or_none() { consistent 1; st=$?; wr "-$(nr_adapters)" "$ADD" > /dev/null; return $st; }
		fail_walk add_host f_add one_or_none one_or_none
	fi
	if walk remove; then
		f_remove() {
			[ "$(nr_adapters)" -eq 1 ] || wr 1 "$ADD" > /dev/null
			fnth $1 write "$ADD" -1
		}
		none() { consistent 0; }
		one() { consistent 1 && [ "$a" -eq 1 ]; }
		fail_walk "removing add_host" f_remove none one
	fi
	rmmod scsi_debug
	if walk insmod; then
		f_insmod() { fnth $1 insmod /scsi_debug.ko num_tgts=$TGTS; }
		loaded() { consistent 1; st=$?; rmmod scsi_debug || st=1; return $st; }
		not_loaded() { [ ! -e /sys/bus/pseudo -a ! -d /sys/module/scsi_debug ]; }
		fail_walk insmod f_insmod loaded not_loaded
	fi
	umount /sys/kernel/debug
	insmod /scsi_debug.ko
	check "an adapter after the failures" [ "$(cat $ADD)" -eq 1 -a "$(nr_adapters)" -eq 1 ]
	check "rmmod after the failures" rmmod scsi_debug
else
	echo "$T: no fault injection in this kernel: failing allocations skipped"
fi

# Two adders and one remover loop on add_host while the module goes away
# and comes back, $ROUNDS times.
# An add that fails with ENODEV ran while the module was going away
# (refused by the exiting flag, or by kernfs as it removed the file): the
# exit it raced is counted.
adder() {
	while [ ! -e /tmp/stop ]; do
		if { echo 1 > $ADD; } 2> "/tmp/err.$1"; then
			echo >> "/tmp/added.$1"
		elif read -r e < "/tmp/err.$1"; [ "${e#*No such device}" != "$e" ]; then
			echo >> /tmp/enodev
		fi
	done
}
remover() {
	while [ ! -e /tmp/stop ]; do
		{ echo -1 > $ADD; } 2> /dev/null && echo >> "/tmp/removed.$1"
	done
}
adder 1 &
adder 2 &
remover 1 &

# rmmod fails with EAGAIN while a new disk's scan holds the module (sd's
# probe opens it): it is tried again, up to 50 times.  Each try must return
# within 60 s, or the rounds end there.
left=0
failed=0
raced=0
round=1
: > /tmp/enodev
while [ $round -le "$ROUNDS" ]; do
	insmod /scsi_debug.ko || failed=$((failed + 1))
	usleep $(((round % 5) * 10000))
	n0=$(wc -l < /tmp/enodev)
	tries=0
	while within 60 rmmod scsi_debug 2> /dev/null; rc=$?; [ $rc -eq 1 ]; do
		tries=$((tries + 1))
		[ $tries -lt 50 ] || break
		usleep 10000
	done
	if [ $rc -eq 124 ]; then
		echo "  round $round: rmmod did not return within 60 s"
		failed=$((failed + 1))
		break
	elif [ $rc -ne 0 ]; then
		echo "  round $round: rmmod failed 50 times"
		failed=$((failed + 1))
	elif [ "$(nr_hosts)" -ne 0 ] || [ -e /sys/bus/pseudo ]; then
		echo "  round $round: $(nr_hosts) SCSI host(s) left after rmmod"
		left=$((left + 1))
	fi
	[ $rc -eq 0 ] && [ "$(wc -l < /tmp/enodev)" -gt "$n0" ] && raced=$((raced + 1))
	round=$((round + 1))
done
stop_loops
echo "$T: $ROUNDS rounds, $raced rmmods raced an add (ENODEV), $added adds and $removed removes succeeded, $left rounds left hosts, $failed insmod/rmmod failed"
check "$ROUNDS rounds of insmod/rmmod under add/remove loops" [ $left -eq 0 -a $failed -eq 0 ]
check "the loops added and removed adapters" [ "$added" -gt 0 -a "$removed" -gt 0 ]

# Adders and removers against each other only, with the module loaded:
# every adapter gets a name of its own, and the count matches the devices.
insmod /scsi_debug.ko add_host=0 || bad "insmod scsi_debug add_host=0"
rm -f /tmp/stop
adder 3 &
adder 4 &
remover 2 &
sleep 5
touch /tmp/stop
wait
check "the count matches the adapters" [ "$(cat $ADD)" -eq "$(nr_adapters)" ]
check "as many SCSI hosts as adapters" [ "$(nr_hosts)" -eq "$(nr_adapters)" ]
check "rmmod after the loops" rmmod scsi_debug
check "no host left at the end" [ "$(nr_hosts)" -eq 0 ]

guest_done
