# Recipients of the vfio series that get_maintainer.pl does not name (it
# gives VFIO DRIVER and VFIO MEDIATED DEVICE DRIVERS).  One address a line,
# then the reason; addresses as in 7.3.4's MAINTAINERS.
#
# mdev's in-tree parents besides the samples: s390's vfio_ccw (one
# instance per subchannel: the lost instance leaves it none) and vfio_ap,
# and i915's GVT-g.  The fixes change what unregistration waits for and
# when a remove or a create fails for all of them.
Eric Farman <farman@linux.ibm.com>		# S390 VFIO-CCW DRIVER
Matthew Rosato <mjrosato@linux.ibm.com>		# S390 VFIO-CCW DRIVER
Halil Pasic <pasic@linux.ibm.com>		# S390 VFIO-CCW and VFIO-AP DRIVERs
Tony Krowiak <akrowiak@linux.ibm.com>		# S390 VFIO-AP DRIVER
Jason Herne <jjherne@linux.ibm.com>		# S390 VFIO-AP DRIVER
linux-s390@vger.kernel.org			# S390 VFIO-CCW and VFIO-AP DRIVERs
Zhenyu Wang <zhenyuw.linux@gmail.com>		# INTEL GVT-g DRIVERS (R:)
Zhi Wang <zhi.wang.linux@gmail.com>		# INTEL GVT-g DRIVERS (R:)
# Authors of the commits named in Fixes:.
Jason Gunthorpe <jgg@nvidia.com>		# wrote 3dd59a7dcb97 (vfio group fd and iommu_group); IOMMUFD
Christoph Hellwig <hch@lst.de>			# wrote 89345d5177aa (mdev_parent embedded in the parent driver's data)
