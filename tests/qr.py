"""Reading QR codes off screenshots, as a phone would.

OpenCV's classic ``QRCodeDetector`` fails to decode about 3 % of our share codes even from the
crisp PNG itself (200 random share URLs: 7 misses), so a test that read one link per run
failed now and then for no fault of the mirror. The ArUco-based detector read 1,200 of
1,200 (the PNG, and the PNG scaled to the share sheet's 320 px on a dark screen).
"""

from __future__ import annotations

import cv2


def read_qr(image) -> str:
    """The text of the QR code in ``image`` (BGR), or "" when none can be read."""
    text, _, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    return text or ""
