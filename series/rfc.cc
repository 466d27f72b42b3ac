# Recipients of the rfc series that get_maintainer.pl does not name but the
# series needs; each line one address, then the reason.  scripts/series adds
# them to the Cc of every mail.  Taken from 7.3.4's MAINTAINERS.
#
# The library is a synchronization primitive with its own memory-ordering
# argument: LOCKING PRIMITIVES and the LKMM list review those.
Peter Zijlstra <peterz@infradead.org>		# LOCKING PRIMITIVES
Ingo Molnar <mingo@redhat.com>			# LOCKING PRIMITIVES
Will Deacon <will@kernel.org>			# LOCKING PRIMITIVES
Boqun Feng <boqun@kernel.org>			# LOCKING PRIMITIVES
Waiman Long <longman@redhat.com>		# LOCKING PRIMITIVES (R:)
lkmm@lists.linux.dev				# LINUX KERNEL MEMORY CONSISTENCY MODEL
# Two of mdev's three in-tree parents are s390's: the mdev conversion
# changes struct mdev_parent, which vfio_ccw and vfio_ap embed.
Eric Farman <farman@linux.ibm.com>		# S390 VFIO-CCW DRIVER
Matthew Rosato <mjrosato@linux.ibm.com>		# S390 VFIO-CCW DRIVER
Halil Pasic <pasic@linux.ibm.com>		# S390 VFIO-CCW and VFIO-AP DRIVERs
Tony Krowiak <akrowiak@linux.ibm.com>		# S390 VFIO-AP DRIVER
Jason Herne <jjherne@linux.ibm.com>		# S390 VFIO-AP DRIVER
linux-s390@vger.kernel.org			# S390 VFIO-CCW and VFIO-AP DRIVERs
# i915's GVT-g is mdev's x86 parent and embeds struct mdev_parent too.
Zhenyu Wang <zhenyuw.linux@gmail.com>		# INTEL GVT-g DRIVERS (R:)
Zhi Wang <zhi.wang.linux@gmail.com>		# INTEL GVT-g DRIVERS (R:)
# usbip: none.  USB OVER IP DRIVER (its maintainers, reviewer and
# linux-usb) and USB SUBSYSTEM cover drivers/usb/usbip/, which patch 5
# changes, so get_maintainer.pl names them.
