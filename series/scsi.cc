# Recipients of the scsi series that get_maintainer.pl does not name (it
# gives SCSI SUBSYSTEM only: scsi_debug has no entry of its own).  One
# address a line, then the reason; addresses as in 7.3.4's MAINTAINERS.
Doug Gilbert <dgilbert@interlog.com>		# scsi_debug's author (MODULE_AUTHOR); wrote 2aad3cd85370, the reverted fix of these races; SCSI SG DRIVER
Bart Van Assche <bvanassche@acm.org>		# wrote f19fe8f354a6, the revert of 2aad3cd85370
