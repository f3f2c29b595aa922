"""The console lists the visits a PIN sign-in may delete: its window and the mirror's are one."""

from __future__ import annotations

import math
import re
from pathlib import Path

from kiosk.net.api_delete import CONSOLE_WINDOW_S

CONSOLE_LOOKS = Path(__file__).resolve().parents[2] / "kiosk" / "net" / "static" / "console-looks.js"


def test_the_console_lists_exactly_the_visits_a_pin_may_delete():
    # Wider, and an associate would be offered a Delete the mirror refuses with 403; narrower, and
    # a visit the shopper asks about would be missing from the list though she may still be deleted.
    found = re.search(r"const LOOK_WINDOW_S = ([\d\s*]+);", CONSOLE_LOOKS.read_text())
    assert found, "console-looks.js names its window LOOK_WINDOW_S"
    assert math.prod(int(n) for n in found[1].split("*")) == CONSOLE_WINDOW_S
