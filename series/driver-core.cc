# Recipients of the driver-core series that get_maintainer.pl does not
# name.  None: DRIVER CORE, KOBJECTS, DEBUGFS AND SYSFS (its three
# maintainers and driver-core@lists.linux.dev) covers drivers/base/.
