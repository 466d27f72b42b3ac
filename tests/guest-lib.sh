# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the /init scripts of the busybox initramfs that scripts/userspace
# boots: mounts, and the PASS/FAIL helpers.  Set T (the run's name) first.
# Each check prints "$T: PASS|FAIL NAME"; guest_done prints the totals and
# "$T: done", then reboots (qemu runs with -no-reboot and exits).

/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The console gets warnings and worse only: every report judge-log looks
# for, not the drivers' chatter about each child.  LOGLEVEL=8 on the kernel
# command line (USERSPACE_ARGS) shows everything, e.g. the "kobject: ...
# (delayed N)" lines of CONFIG_DEBUG_KOBJECT_RELEASE.
dmesg -n "${LOGLEVEL:-5}"

pass=0
fail=0

ok() { echo "$T: PASS $*"; pass=$((pass + 1)); }
bad() { echo "$T: FAIL $*"; fail=$((fail + 1)); }
# check NAME COMMAND...: PASS if COMMAND succeeds.
check() { n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }

# wr VALUE FILE: write without a newline; print the error text, if any
# (cat reports a failed write as "cat: write error: TEXT").
wr() { (printf '%s' "$1" | cat > "$2") 2>&1 | sed 's/.*: //'; }
# expect_err TEXT VALUE FILE: the write fails with TEXT.
expect_err() { e=$(wr "$2" "$3"); [ "$e" = "$1" ] || { echo "  got '$e', want '$1'"; false; }; }
# expect_ok VALUE FILE: the write succeeds.
expect_ok() { e=$(wr "$1" "$2"); [ -z "$e" ] || { echo "  got '$e'"; false; }; }
# fails COMMAND...: COMMAND fails (its error output dropped).
fails() { ! "$@" 2> /dev/null; }
# within SECS COMMAND...: run COMMAND and wait for it at most SECS seconds.
# Returns its status, or 124 if it has not returned by then (it is left
# running).
within() {
	w=$(($1 * 10))
	shift
	"$@" &
	wpid=$!
	while kill -0 $wpid 2> /dev/null; do
		[ $w -gt 0 ] || return 124
		w=$((w - 1))
		usleep 100000
	done
	wait $wpid
}
# count GLOB: how many paths match.
count() { ls -d "$@" 2>/dev/null | wc -l; }

echo "$T: $(grep -c ^processor /proc/cpuinfo) CPUs"

# stop_loops: stop the background loops, which run while /tmp/stop does
# not exist and log one line per success to /tmp/added.* and
# /tmp/removed.*; sets $added and $removed to those counts.
stop_loops() {
	touch /tmp/stop
	wait
	added=$(cat /tmp/added.* 2> /dev/null | wc -l)
	removed=$(cat /tmp/removed.* 2> /dev/null | wc -l)
}

# Failing allocations, through the per-task fail-nth file
# (Documentation/fault-injection/fault-injection.rst) and /fail-nth.
# fail_setup: mount debugfs and let failslab and fail_page_alloc fail any
# allocation (sleeping or not, of any order), each logged with its stack;
# false where the kernel has no fault injection.
fail_setup() {
	[ -e /proc/thread-self/fail-nth ] || return 1
	mount -t debugfs debugfs /sys/kernel/debug || return 1
	for f in failslab fail_page_alloc; do
		echo N > /sys/kernel/debug/$f/ignore-gfp-wait
		echo 1 > /sys/kernel/debug/$f/verbose
	done
	echo 0 > /sys/kernel/debug/fail_page_alloc/min-order
}

# fnth N ARGS...: one call of /fail-nth; sets $inj (injected|clean) and
# $res (ok or the error text).
fnth() { fn_out=$(/fail-nth "$@"); inj=${fn_out%% *}; res=${fn_out#* }; }

# fail_walk WHAT CALL OK ERR: for k = 1, 2, ... until a call returns
# before its k-th allocation (at most 3000): CALL k makes one call through
# fnth, with its k-th allocation failing; then OK must hold if the call
# succeeded, or ERR if it failed (and a failure must have been injected).
# Each k is a check.  The walk counts in k, as check() uses n.
fail_walk() {
	fw_what=$1 fw_call=$2 fw_ok=$3 fw_err=$4
	k=1
	while [ $k -le 3000 ]; do
		$fw_call $k
		if [ "$res" = ok ]; then
			check "$fw_what, allocation $k fails ($inj): ok" $fw_ok
		else
			check "$fw_what, allocation $k fails ($inj): $res" fw_error
		fi
		[ "$inj" = clean ] && return 0
		k=$((k + 1))
	done
	bad "$fw_what: allocation 3000 still reached"
}
fw_error() { [ "$inj" = injected ] && $fw_err; }

guest_done() {
	echo "$T: $pass passed, $fail failed"
	echo "$T: done"
	# No ACPI power-off here: reboot, and qemu -no-reboot exits.  The
	# reboot runs device_shutdown(), which walks every device left.
	reboot -f
}
