"""Device adapters: cameras and card readers.

This package is a leaf: it imports nothing from ``kiosk`` or ``ui``. Every device has a
simulator beside it so the kiosk runs and is tested without the hardware.
"""
