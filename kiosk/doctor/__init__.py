"""``kiosk doctor``: what store IT runs first when a mirror misbehaves; each answer in plain words.

One module per area — ``configuration``, ``camera``, ``pose``, ``display``, ``reader``, ``storage``,
``databases``, ``clock``, ``timezone``, ``network``, ``power`` — each check a function of a small
``Context`` (``check``), so tests point it at temporary folders and fake ``/sys`` trees. The
``runner`` runs them in a stated order, the ``printer`` writes them for people or as JSON.

The doctor changes nothing: it opens databases read-only and never repairs one (it says what to
do), measures the camera and asks the card reader only when the running kiosk does not hold
them (otherwise it asks the running kiosk's API), writes no file and sends traffic only to this
device's own API and, for the mirror's own announcement, to the LAN's multicast DNS.
"""

from kiosk.doctor.check import Context, Result, State
from kiosk.doctor.runner import exit_code, run_checks

__all__ = ["Context", "Result", "State", "exit_code", "run_checks"]
