"""The kiosk core: configuration, frames hub, sessions, recording, looks, analysis, identity, network.

Nothing in this package imports Qt; heavy native libraries (cv2, av, mediapipe) are imported
lazily by the one module that wraps each.
"""

__version__ = "0.1.0"
