# Recipients of the iio series that get_maintainer.pl does not name.
# None: IIO SUBSYSTEM AND DRIVERS (maintainer, reviewers, linux-iio)
# covers drivers/iio/trigger/iio-trig-sysfs.c, which has no entry of its
# own.
