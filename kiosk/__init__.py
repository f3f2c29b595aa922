"""The kiosk core: configuration, frames hub, sessions, recording, looks, analysis, identity, network.

Nothing in this package imports Qt; the heavy native libraries (cv2, av, mediapipe) are loaded
lazily, by kiosk/native.py alone.
"""

__version__ = "0.1.0"
#: This version's release date, raised with __version__: a clock before it is wrong (kiosk doctor's clock check).
RELEASED = "2026-12-01"
