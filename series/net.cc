# Recipients of the net series that get_maintainer.pl does not name.  One
# address a line, then the reason; addresses as in 7.3.4's MAINTAINERS.
#
# The PTP fix changes ptp_clock.c, ptp_private.h and ptp_sysfs.c, which
# PTP HARDWARE CLOCK SUPPORT covers; the virtual clocks it unregisters
# are ptp_vclock.c's, whose maintainer that entry does not list.
Yangbo Lu <yangbo.lu@nxp.com>			# PTP VIRTUAL CLOCK SUPPORT
# Wrote 5ab73b010cad, which noted the stale ptp_vclock_in_use() answer
# and left it out of scope; the reproducer runs on ptp_mock clocks.
Vladimir Oltean <vladimir.oltean@nxp.com>	# PTP MOCKUP CLOCK SUPPORT
# Wrote bfcbb76b0f59 (named in Fixes:), the unregistration of virtual
# clocks with their parent.
Miroslav Lichvar <mlichvar@redhat.com>		# TIMEKEEPING, CLOCKSOURCE CORE, NTP (R:)
