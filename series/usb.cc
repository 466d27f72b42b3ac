# Recipients of the usb series that get_maintainer.pl does not name.
# None: USB OVER IP DRIVER (its maintainers, reviewer and linux-usb) and
# USB SUBSYSTEM cover drivers/usb/usbip/vhci_hcd.c.
