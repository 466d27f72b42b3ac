#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the busybox initramfs that `scripts/userspace vhci` boots: drives
# usbip's virtual host controller through the files of vhci_hcd.0 (attach,
# detach, status, status.1) as a user would, with usbip-core and vhci-hcd
# as modules, 2 controllers of 8 ports per hub (CONFIG_USBIP_VHCI_NR_HCS=2,
# CONFIG_USBIP_VHCI_HC_PORTS=8): ports 0-7 are controller 0's high-speed
# hub, 8-15 its SuperSpeed hub, 16-23 and 24-31 controller 1's.
# Prints "vhci-userspace: PASS|FAIL NAME" per check and "vhci-userspace:
# done" at the end, then reboots.
#
# The files serve every controller but live on vhci_hcd.0 and go only with
# its high-speed hcd; in 7.3 an unbind of vhci_hcd.0 frees its SuperSpeed
# hcd first, and an unbind of vhci_hcd.1 removes no file at all, so the
# loops below run attach, detach and status against hcds being removed.
#
# Real sockets for attach: a write of "PORT FD DEVID SPEED" looks FD up in
# the writer's own file table and wants a SOCK_STREAM socket.  busybox has
# no way to open one in the shell, so `nc -e` hands a TCP connection over
# loopback to a helper script, which keeps it as fd 9.  The peer (a sink)
# either never sends and never closes first (silent: the port stays
# attached until detached), or closes at once (eof: the port's receive
# thread sees the end and vhci detaches the port by itself).  Nothing is
# unbound while a port is attached to a silent sink: 7.3's unbind waits in
# usb_disconnect() for the hub thread, which waits for an unlink that only
# the peer or a detach answers.  Without loopback (or with SOCK=0), fd 9 is
# not a socket and every attach fails with EINVAL in sockfd_lookup(),
# after it has taken the port's sysfs_lock (in the hcd).
#
# Every wait is bounded: a write or an (un)bind that may wait on the kernel
# runs under within(), and the background loops are stopped with a bound.
# The error texts are glibc's (busybox-static), as in the other runs.
#
# Detaching a free port and the other refused writes log at KERN_ERR, on
# every turn of the loops: the console gets only emergencies (unless
# LOGLEVEL is given), and a reader of /proc/kmsg echoes every report that
# scripts/judge-log looks for, with the 80 lines after it, prefixed with
# "  kmsg: ", and keeps the report lines in /tmp/reports.

T=vhci-userspace
. /guest-lib.sh

ROUNDS=${ROUNDS:-50}
MODROUNDS=${MODROUNDS:-20}
SOCK=${SOCK:-1}
P=/sys/devices/platform
D0=$P/vhci_hcd.0
D1=$P/vhci_hcd.1
DRV=/sys/bus/platform/drivers/vhci_hcd
HC=8
HDR='hub port sta spd dev      sockfd local_busid'
EAGAIN="Resource temporarily unavailable"
EINVAL="Invalid argument"

REPORTS='WARNING:|BUG:|BUG [^ ]+ [(]|Objects remaining|cannot create duplicate filename|Oops|Kernel panic|general protection fault|Unable to handle|UBSAN:|ODEBUG:|DEBUG_LOCKS_WARN_ON|INFO: task .* blocked for more than|detected stalls? on CPU|rcu: INFO:|lockdep is turned off|possible (recursive|circular) locking|inconsistent lock state|child_barrier: drain from .* waiting'
: > /tmp/reports
: > /tmp/reports.ring
dmesg -c > /dev/null
cat /proc/kmsg | awk -v re="$REPORTS" '
	$0 ~ re { n = 80; print >> "/tmp/reports"; close("/tmp/reports") }
	n > 0 { n--; print "  kmsg: " $0; fflush() }' &
[ -n "${LOGLEVEL:-}" ] || dmesg -n 1
# reports WHAT: no report since the last call, neither from the reader of
# /proc/kmsg nor in the ring buffer (in case the reader missed one: printed
# too, for the host's judge-log).
reports() {
	dmesg -c | grep -E "$REPORTS" | sed 's/^/  dmesg: /' | tee -a /tmp/reports.ring
	check "no report in the kernel log $1" [ ! -s /tmp/reports -a ! -s /tmp/reports.ring ]
	: > /tmp/reports
	: > /tmp/reports.ring
}

# Background loops, bounded: bg starts one and remembers it; stop_bg stops
# them, waiting at most 60 s, and sets $added, $removed and $reads.
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
		for p in $bg_pids; do wait $p; done
	else
		bad "background loops still running 60 s after the stop"
	fi
	bg_pids=
	added=$(cat /tmp/added.* 2> /dev/null | wc -l)
	removed=$(cat /tmp/removed.* 2> /dev/null | wc -l)
	reads=$(cat /tmp/read.* 2> /dev/null | wc -l)
	rm -f /tmp/stop /tmp/added.* /tmp/removed.* /tmp/read.*
}
# wr_in SECS VALUE FILE: wr, waiting at most SECS s: status 0 if the write
# succeeded, 124 if it had not returned by then, else 1 with the error text
# in /tmp/wr.err.
wrf() { (printf '%s' "$1" | cat > "$2") 2> /tmp/wr.err; }
wr_in() { wt=$1; shift; within "$wt" wrf "$@"; }

bound() { [ -e "$P/vhci_hcd.$1/driver" ]; }
# Root hubs of controller N: two while it is bound, none otherwise.
nr_hubs() { count "$P/vhci_hcd.$1"/usb[0-9]*; }
nr_threads() { cat /proc/[0-9]*/comm 2> /dev/null | grep -c '^vhci_[rt]x$'; }
# no_threads: no port's receive or transmit thread is left, within 5 s
# (a stopped kthread may still be listed for a moment).
no_threads() {
	tw=50
	while [ "$(nr_threads)" -ne 0 ]; do
		[ $tw -gt 0 ] || { echo "  $(nr_threads) vhci_rx/vhci_tx thread(s) left"; return 1; }
		tw=$((tw - 1))
		usleep 100000
	done
}
# table FILE FIRST MODE: FILE is a status table of a controller whose first
# port is FIRST: the header, then HC hs and HC ss lines, ports in order,
# 7 fields each.  MODE any: each state is one a port can have (004 free
# to 007 error); free: every port free; notready: what status prints for
# a controller that is not ready (005, a socket of 16 zeros, no device).
table() {
	awk -v hdr="$HDR" -v first=$2 -v mode=$3 -v n=$HC '
		NR == 1 { if ($0 != hdr) { print "  header: " $0; bad = 1 }; next }
		{
			i = NR - 2
			ok = NF == 7 && $1 == (i < n ? "hs" : "ss") &&
				$2 == sprintf("%04d", first + i)
			if (mode == "any")
				ok = ok && $3 ~ /^00[4-7]$/
			if (mode == "free")
				ok = ok && $3 == "004" && $4 == "000" &&
					$5 == "00000000" && $6 == "000000" && $7 == "0-0"
			if (mode == "notready")
				ok = ok && $3 == "005" && $4 == "000" &&
					$5 == "00000000" && $6 == "0000000000000000" && $7 == "0-0"
			if (!ok) { print "  line " NR ": " $0; bad = 1 }
		}
		END { if (NR != 2 * n + 1) { print "  " NR " lines"; bad = 1 }; exit bad }' "$1"
}
# st NAME FIRST MODE: read status file NAME of vhci_hcd.0 and check it.
st() {
	cat "$D0/$1" > /tmp/st 2> /tmp/st.err || { echo "  $1: $(cat /tmp/st.err)"; return 1; }
	table /tmp/st $2 $3
}
# sta PORT: the state of PORT in the last table read (compared as strings:
# busybox awk reads "0010" as octal 8).
sta() { awk -v p=$(printf '%04d' $1) 'NR > 1 && ($2 "") == (p "") { print $3 }' /tmp/st; }
# status_of PORT: read the table of PORT's controller; print PORT's state.
status_of() {
	if [ $1 -lt 16 ]; then st status 0 any > /dev/null; else st status.1 16 any > /dev/null; fi
	sta $1
}
# wait_free PORT: PORT is free within 10 s (a detach only queues the work).
wait_free() {
	fw=100
	while [ "$(status_of $1)" != 004 ]; do
		[ $fw -gt 0 ] || { echo "  port $1: state $(status_of $1)"; return 1; }
		fw=$((fw - 1))
		usleep 100000
	done
}
all_free() { st status 0 free && st status.1 16 free && no_threads; }

# Sockets.  sink KIND: a listener on a new loopback port for one
# connection; KIND silent or eof (see the top).
PORTNO=3240
sink() {
	PORTNO=$((PORTNO + 1))
	if [ "$1" = silent ]; then
		{ sleep 100000 | nc -l -p $PORTNO > /dev/null 2>&1; } &
	else
		nc -l -p $PORTNO < /dev/null > /dev/null 2>&1 &
	fi
	sw=50
	until netstat -ltn 2> /dev/null | grep -q ":$PORTNO "; do
		[ $sw -gt 0 ] || { echo "  no listener on port $PORTNO"; return 1; }
		sw=$((sw - 1))
		usleep 100000
	done
}
cat > /tmp/sockrun.sh <<'EOF'
# sockrun.sh OUT CMD...: run by nc -e, the connection as stdin and stdout;
# CMD runs with it as fd 9 only, its output in OUT.
out=$1
shift
exec 9<&0 < /dev/null > "$out" 2>&1
exec "$@"
EOF
# sock_run KIND OUT CMD...: run CMD with fd 9 a socket connected to a new
# KIND sink, its output in OUT; status 2 if no connection was made, 124 if
# CMD had not returned within 60 s, else CMD's.
sock_run() {
	sk=$1 so=$2
	shift 2
	rm -f "$so"
	sink $sk || return 2
	within 60 nc 127.0.0.1 $PORTNO -e /bin/sh /tmp/sockrun.sh "$so" "$@" 2> /dev/null
	sr=$?
	[ -e "$so" ] || return 2
	return $sr
}
# sock_wr KIND VALUE FILE: wr with fd 9 a socket.
sock_wr() {
	sock_run $1 /tmp/sock.out sh -c 'printf "%s" "$1" | cat > "$2"' sh "$2" "$3"
	[ $? -eq 2 ] && { echo "no connection"; return; }
	sed 's/.*: //' /tmp/sock.out
}
sock_expect_ok() { e=$(sock_wr silent "$1" "$2"); [ -z "$e" ] || { echo "  got '$e'"; false; }; }
sock_expect_err() { e=$(sock_wr silent "$2" "$3"); [ "$e" = "$1" ] || { echo "  got '$e', want '$1'"; false; }; }

# busybox's insmod does not load dependencies.
insmod /usbip-core.ko || bad "insmod usbip-core"
insmod /vhci-hcd.ko || bad "insmod vhci-hcd"
check "both controllers bound" eval 'bound 0 && bound 1 && [ $(nr_hubs 0) -eq 2 -a $(nr_hubs 1) -eq 2 ]'
check "the files are on vhci_hcd.0" \
	[ -e $D0/attach -a -e $D0/detach -a -e $D0/status -a -e $D0/status.1 -a ! -e $D1/attach ]
check "nports: 32" [ "$(cat $D0/nports)" = 32 ]
check "status: 16 free ports from 0" st status 0 free
check "status.1: 16 free ports from 16" st status.1 16 free

# Bad input: the errors 7.3 returns (detach_store() and attach_store() in
# drivers/usb/usbip/vhci_sysfs.c); nothing changes.  fd 9 is not open in
# this shell, and fd 0 of the writing cat is a pipe.
check "text to detach: EINVAL" expect_err "$EINVAL" abc $D0/detach
check "two numbers to detach: EINVAL" expect_err "$EINVAL" "1 2" $D0/detach
check "negative port to detach: EINVAL" expect_err "$EINVAL" -1 $D0/detach
check "port beyond int to detach: EINVAL" expect_err "$EINVAL" 4294967296 $D0/detach
check "port 32 (no controller 2) to detach: EINVAL" expect_err "$EINVAL" 32 $D0/detach
check "detaching free port 8: EINVAL" expect_err "$EINVAL" 8 $D0/detach
check "detaching free port 31: EINVAL" expect_err "$EINVAL" 31 $D0/detach
check "text to attach: EINVAL" expect_err "$EINVAL" abc $D0/attach
check "three fields to attach: EINVAL" expect_err "$EINVAL" "8 9 1" $D0/attach
check "port 32 to attach: EINVAL" expect_err "$EINVAL" "32 9 1 5" $D0/attach
check "negative port to attach: EINVAL" expect_err "$EINVAL" "-1 9 1 5" $D0/attach
check "speed 0 (unknown) to attach: EINVAL" expect_err "$EINVAL" "8 9 1 0" $D0/attach
check "speed 7 (none) to attach: EINVAL" expect_err "$EINVAL" "8 9 1 7" $D0/attach
check "fd 99, not open, to attach: EINVAL" expect_err "$EINVAL" "8 99 1 5" $D0/attach
check "fd 0, not a socket, to attach: EINVAL" expect_err "$EINVAL" "8 0 1 5" $D0/attach
check "nothing attached by bad input" all_free

# Attach with real sockets, where loopback works: attach picks the hub by
# the speed, not by the port number (8 % 8 at high speed is port 0), and
# takes the wireless speed (4) as high speed.
sock_ok=false
if [ "$SOCK" = 1 ] && ip link set lo up 2> /dev/null && sink eof; then
	sock_ok=true
fi
if $sock_ok; then
	check "attach port 8 at SuperSpeed" sock_expect_ok "8 9 1 5" $D0/attach
	check "port 8 attached, with two threads" \
		eval '[ "$(status_of 8)" != 004 ] && [ $(nr_threads) -eq 2 ]'
	check "attach to an attached port: EBUSY" \
		sock_expect_err "Device or resource busy" "8 9 1 5" $D0/attach
	check "attach port 8 at high speed" sock_expect_ok "8 9 1 3" $D0/attach
	check "it is port 0 that got attached" \
		eval '[ "$(status_of 0)" != 004 ] && [ "$(status_of 8)" != 004 ] && [ $(nr_threads) -eq 4 ]'
	check "attach port 16 at wireless speed" sock_expect_ok "16 9 1 4" $D0/attach
	check "port 16 attached, six threads in all" \
		eval '[ "$(status_of 16)" != 004 ] && [ $(nr_threads) -eq 6 ]'
	check "detach 8" expect_ok 8 $D0/detach
	check "detach 0" expect_ok 0 $D0/detach
	check "detach 16" expect_ok 16 $D0/detach
	check "ports 8, 0 and 16 free again" eval 'wait_free 8 && wait_free 0 && wait_free 16'
	check "detaching port 8 again: EINVAL" expect_err "$EINVAL" 8 $D0/detach
	check "nothing attached after the detaches" all_free
else
	echo "$T: no loopback TCP socket: attach only fails (EINVAL in sockfd_lookup)"
fi

# A controller that is not ready: status prints its "not ready" table,
# attach and detach fail with EAGAIN once their arguments are checked.
check "unbind vhci_hcd.1" within 60 expect_ok vhci_hcd.1 $DRV/unbind
check "controller 1 gone, its files stay" \
	eval '! bound 1 && [ $(nr_hubs 1) -eq 0 ] && [ -e $D0/status.1 ]'
check "status.1: the not-ready table" st status.1 16 notready
check "status: controller 0 unchanged" st status 0 free
check "attach on controller 1: EAGAIN" expect_err "$EAGAIN" "24 9 1 5" $D0/attach
check "detach 24: EAGAIN" expect_err "$EAGAIN" 24 $D0/detach
check "detach 16: EAGAIN" expect_err "$EAGAIN" 16 $D0/detach
check "bad speed on controller 1: EINVAL before EAGAIN" \
	expect_err "$EINVAL" "24 9 1 7" $D0/attach
check "controller 0 still answers: detaching free port 8: EINVAL" \
	expect_err "$EINVAL" 8 $D0/detach
check "bind vhci_hcd.1" within 60 expect_ok vhci_hcd.1 $DRV/bind
check "status.1: free ports again" st status.1 16 free
check "unbind vhci_hcd.0" within 60 expect_ok vhci_hcd.0 $DRV/unbind
check "the files go with vhci_hcd.0" \
	eval '! bound 0 && [ ! -e $D0/status -a ! -e $D0/attach ] && bound 1'
check "bind vhci_hcd.0" within 60 expect_ok vhci_hcd.0 $DRV/bind
check "the files are back, every port free" \
	eval '[ -e $D0/attach ] && st status 0 free && st status.1 16 free'
reports "after bad input and unbind/bind"

# Failing allocations, where the kernel has fault injection, as in the
# other runs: the N-th allocation of one call fails, for N = 1, 2, ...
# until the call no longer reaches it.  The walks are those in WALKS
# (comma-separated):
#   attach	a write of "8 9 1 5" to attach, fd 9 a socket to a silent
#		sink (loopback needed); an attach that succeeds is detached;
#   bind	a write of vhci_hcd.1 to bind (its probe runs in it); a bind
#		that succeeds is unbound;
#   bind0	the same for vhci_hcd.0, whose probe creates the files.
WALKS=${WALKS:-attach,bind}
walk() { case ",$WALKS," in *",$1,"*) true ;; *) false ;; esac; }
if fail_setup; then
	if walk attach && $sock_ok; then
		f_attach() {
			sock_run silent /tmp/fn.out /fail-nth $1 write $D0/attach "8 9 1 5"
			fn_out=$(cat /tmp/fn.out 2> /dev/null)
			inj=${fn_out%% *} res=${fn_out#* }
			# No connection: a failed check, and the end of the walk.
			[ -n "$fn_out" ] || { inj=clean res="no connection"; }
		}
		attached() {
			[ "$(status_of 8)" != 004 ] && [ $(nr_threads) -eq 2 ]
			at=$?
			within 60 wr 8 $D0/detach > /dev/null
			wait_free 8 && no_threads || at=1
			return $at
		}
		# A failed attach leaves nothing behind: both status tables
		# read as they did before the walk, no port thread is left,
		# and the socket it looked up is not kept (a reference kept
		# keeps the connection to the sink established).
		cat $D0/status $D0/status.1 > /tmp/st.before
		released() {
			rw=50
			while netstat -tn 2> /dev/null | grep -q ":$PORTNO .*ESTABLISHED"; do
				[ $rw -gt 0 ] || { echo "  the connection to port $PORTNO is still established"; return 1; }
				rw=$((rw - 1))
				usleep 100000
			done
		}
		not_attached() {
			cat $D0/status $D0/status.1 > /tmp/st.now 2>&1
			if ! cmp -s /tmp/st.before /tmp/st.now; then
				grep -vxFf /tmp/st.before /tmp/st.now | sed 's/^/  now: /'
				return 1
			fi
			all_free && released
		}
		fail_walk attach f_attach attached not_attached
		check "attach after the failures" sock_expect_ok "8 9 1 5" $D0/attach
		check "detach after the failures" expect_ok 8 $D0/detach
		check "nothing attached after the attach walk" eval 'wait_free 8 && all_free'
	fi
	# bind_walk N FIRST: the walk over binding vhci_hcd.N.
	bind_walk() {
		bw_n=$1 bw_first=$2
		within 60 wr vhci_hcd.$bw_n $DRV/unbind > /dev/null
		f_bind() { fnth $1 write $DRV/bind vhci_hcd.$bw_n; }
		probed() {
			bound $bw_n && [ $(nr_hubs $bw_n) -eq 2 ] && bw_files &&
				st $bw_status $bw_first free
			pb=$?
			within 60 wr vhci_hcd.$bw_n $DRV/unbind > /dev/null
			! bound $bw_n || pb=1
			return $pb
		}
		not_probed() { ! bound $bw_n && [ $(nr_hubs $bw_n) -eq 0 ] && bw_gone; }
		fail_walk "bind vhci_hcd.$bw_n" f_bind probed not_probed
		check "bind vhci_hcd.$bw_n after the failures" \
			within 60 expect_ok vhci_hcd.$bw_n $DRV/bind
	}
	if walk bind; then
		bw_status=status.1
		bw_files() { true; }
		bw_gone() { st status.1 16 notready; }
		bind_walk 1 16
		check "every port free after the bind walk" all_free
	fi
	if walk bind0; then
		bw_status=status
		bw_files() { [ -e $D0/attach -a -e $D0/status.1 ]; }
		bw_gone() { [ ! -e $D0/status -a ! -e $D0/attach ]; }
		bind_walk 0 0
		check "every port free after the bind0 walk" all_free
	fi
	umount /sys/kernel/debug
	reports "after the failing allocations"
else
	echo "$T: no fault injection in this kernel: failing allocations skipped"
fi

# The loops: two readers of status and status.1, and a writer of
# detach 8, attach "8 9 1 5", detach 24, attach "24 9 1 5" (SuperSpeed
# ports of both controllers), fd 9 a socket to an eof sink where loopback
# works: its attaches succeed and the ports detach themselves at once.
reader() {
	while [ ! -e /tmp/stop ]; do
		[ -e $D0/status ] || { usleep 2000; continue; }
		cat $D0/status $D0/status.1 > /dev/null 2>&1 && echo >> /tmp/read.$1
	done
}
cat > /tmp/writer.sh <<'EOF'
# writer.sh N D0: the writer loop; fd 0 is the socket (nc -e) or /dev/null.
n=$1 d=$2
exec 9<&0 < /dev/null > /dev/null 2>&1
case $(readlink /proc/$$/fd/9) in socket:*) touch /tmp/writer.$n.sock ;; esac
touch /tmp/writer.$n.up
while [ ! -e /tmp/stop ]; do
	[ -e $d/attach ] || { usleep 2000; continue; }
	{ echo 8 > $d/detach; } 2> /dev/null && echo >> /tmp/removed.$n
	{ echo "8 9 1 5" > $d/attach; } 2> /dev/null && echo >> /tmp/added.$n
	{ echo 24 > $d/detach; } 2> /dev/null && echo >> /tmp/removed.$n
	{ echo "24 9 1 5" > $d/attach; } 2> /dev/null && echo >> /tmp/added.$n
done
EOF
writer() {
	rm -f /tmp/writer.$1.up /tmp/writer.$1.sock
	if $sock_ok && sink eof; then
		bg nc 127.0.0.1 $PORTNO -e /bin/sh /tmp/writer.sh $1 $D0
	else
		bg sh /tmp/writer.sh $1 $D0 < /dev/null
	fi
	ww=100
	while [ ! -e /tmp/writer.$1.up ] && [ $ww -gt 0 ]; do
		usleep 100000
		ww=$((ww - 1))
	done
	[ -e /tmp/writer.$1.up ] || bad "writer $1 did not start"
}
# loop_checks WHAT ROUNDS: the loops did something (if they had rounds to
# do it in).
loop_checks() {
	[ "$2" -gt 0 ] || return 0
	check "the readers read status during $1" [ "$reads" -gt 0 ]
	if [ -e /tmp/writer.1.sock ]; then
		check "the writer attached ports during $1" [ "$added" -gt 0 ]
	fi
}

# Loop 1: vhci_hcd.1 is unbound under the loops (its files stay on
# vhci_hcd.0), then vhci_hcd.0 (whose SuperSpeed hcd goes first, then its
# files), then both are bound again, $ROUNDS times.  After each unbind no
# port of it is attached and status reads sanely; with both unbound, no
# port thread is left.
# step WHAT VALUE FILE: wr_in 60; a failure is counted and said; status
# as wr_in's.
step() {
	wr_in 60 "$2" "$3"
	rc=$?
	[ $rc -eq 0 ] && return 0
	echo "  round $round: $1 failed: $(cat /tmp/wr.err)"
	failed=$((failed + 1))
	return $rc
}
bg reader 1
bg reader 2
writer 1
left=0
failed=0
insane=0
round=1
while [ $round -le "$ROUNDS" ]; do
	usleep $(((round % 5) * 5000))
	step "unbind vhci_hcd.1" vhci_hcd.1 $DRV/unbind
	[ $rc -eq 124 ] && break
	if [ $rc -eq 0 ] &&
	   { bound 1 || [ $(nr_hubs 1) -ne 0 ] || ! st status.1 16 notready; }; then
		echo "  round $round: controller 1 left behind after its unbind"
		left=$((left + 1))
	fi
	usleep $(((round % 3) * 5000))
	step "unbind vhci_hcd.0" vhci_hcd.0 $DRV/unbind
	[ $rc -eq 124 ] && break
	if [ $rc -eq 0 ] &&
	   { bound 0 || [ -e $D0/status ] || [ $(nr_hubs 0) -ne 0 ] || ! no_threads; }; then
		echo "  round $round: controller 0 left behind after its unbind"
		left=$((left + 1))
	fi
	step "bind vhci_hcd.0" vhci_hcd.0 $DRV/bind
	[ $rc -eq 124 ] && break
	if [ $rc -eq 0 ] &&
	   { ! st status 0 any || ! st status.1 16 notready ||
	     ! expect_err "$EAGAIN" 24 $D0/detach; }; then
		echo "  round $round: status or detach wrong with controller 0 alone"
		insane=$((insane + 1))
	fi
	step "bind vhci_hcd.1" vhci_hcd.1 $DRV/bind
	[ $rc -eq 124 ] && break
	if [ $rc -eq 0 ] && { ! bound 1 || ! st status.1 16 any; }; then
		echo "  round $round: status.1 wrong after bind"
		insane=$((insane + 1))
	fi
	round=$((round + 1))
done
stop_bg
echo "$T: $ROUNDS unbind/bind rounds, $reads status reads, $added attaches and $removed detaches succeeded"
check "$ROUNDS rounds of unbind/bind under attach/detach/status loops" \
	[ $left -eq 0 -a $failed -eq 0 -a $insane -eq 0 ]
loop_checks "the unbind/bind rounds" "$ROUNDS"
bound 0 || within 60 wr vhci_hcd.0 $DRV/bind > /dev/null
bound 1 || within 60 wr vhci_hcd.1 $DRV/bind > /dev/null
check "every port free after the unbind/bind rounds" eval 'wait_free 8 && wait_free 24 && all_free'
reports "after the unbind/bind rounds"

# Loop 2: the same loops while vhci-hcd goes away and comes back,
# $MODROUNDS times.  After each rmmod nothing of it is left: no platform
# device (CONFIG_DEBUG_KOBJECT_RELEASE may keep it up to 4 s), no port
# thread; after each insmod both controllers are bound and status reads
# sanely.
# rmmod_vhci: rmmod, each try within 60 s, up to 50 tries.
rmmod_vhci() {
	tries=0
	while within 60 rmmod vhci_hcd 2> /dev/null; rc=$?; [ $rc -eq 1 ]; do
		tries=$((tries + 1))
		[ $tries -lt 50 ] || return 1
		usleep 10000
	done
	return $rc
}
gone() {
	gw=100
	while [ -e $D0 -o -e $D1 -o -e $DRV ] && [ $gw -gt 0 ]; do
		usleep 100000
		gw=$((gw - 1))
	done
	[ ! -e $D0 -a ! -e $D1 -a ! -e $DRV -a ! -d /sys/module/vhci_hcd ] && no_threads
}
bg reader 1
bg reader 2
writer 1
left=0
failed=0
insane=0
round=1
while [ $round -le "$MODROUNDS" ]; do
	usleep $(((round % 7) * 15000))
	if ! rmmod_vhci; then
		echo "  round $round: rmmod failed (status $rc)"
		failed=$((failed + 1))
		[ $rc -eq 124 ] && break
	elif ! gone; then
		echo "  round $round: left behind after rmmod"
		left=$((left + 1))
	fi
	if [ ! -d /sys/module/vhci_hcd ] && ! within 60 insmod /vhci-hcd.ko; then
		echo "  round $round: insmod failed"
		failed=$((failed + 1))
	elif ! bound 0 || ! bound 1 || ! st status 0 any || ! st status.1 16 any; then
		echo "  round $round: controllers or status wrong after insmod"
		insane=$((insane + 1))
	fi
	round=$((round + 1))
done
stop_bg
echo "$T: $MODROUNDS rmmod/insmod rounds, $reads status reads, $added attaches and $removed detaches succeeded"
check "$MODROUNDS rounds of rmmod/insmod under attach/detach/status loops" \
	[ $left -eq 0 -a $failed -eq 0 -a $insane -eq 0 ]
loop_checks "the rmmod/insmod rounds" "$MODROUNDS"
[ -d /sys/module/vhci_hcd ] || within 60 insmod /vhci-hcd.ko
check "every port free after the rmmod/insmod rounds" eval 'wait_free 8 && wait_free 24 && all_free'

check "rmmod vhci_hcd at the end" rmmod_vhci
check "nothing of vhci_hcd left" gone
check "rmmod usbip_core" rmmod usbip_core
reports "at the end"

guest_done
