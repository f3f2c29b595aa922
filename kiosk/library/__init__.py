"""The look library: every recorded look as an H.264 MP4 plus a row in SQLite.

Public API (the HTTP API, the UI bridge and the session layer use only these names):

- ``Library(data_dir)``: ``open()``/``close()`` (``open(create=False)`` opens only a library
  already there), ``list()``, ``get(id)``, ``video_path(id)``, ``delete(id)``,
  ``set_consent(id, ...)``, ``attach_customer(id, customer_id)``,
  ``set_analysis(id, kind, data)``/``analysis(id)``, ``set_session_consent(session_id, ...)``,
  ``end_session(session_id)``, ``adopt(id)`` (recovery),
  ``add_look(...)`` (used by the recorder), ``total_bytes()``.
- ``Look``: one row, with ``to_dict()`` giving the JSON shape of ``kiosk looks list --json``.
- ``RetentionPolicy`` and ``apply_retention(library, policy)``: age and byte budget.
- ``LookNotFound``, ``LibraryMissing``, ``LibraryError``: the errors it raises.

Where the library lives is ``kiosk.paths.data_dir``'s answer; the database is opened by
``kiosk.storage``.
"""

from kiosk.library.errors import LibraryError, LibraryMissing, LookNotFound
from kiosk.library.layout import LibraryLayout
from kiosk.library.library import Library, NewLook
from kiosk.library.look import CONSENT_GRANTED, CONSENT_NONE, Look
from kiosk.library.retention import RetentionPolicy, apply_retention

__all__ = [
    "CONSENT_GRANTED",
    "CONSENT_NONE",
    "Library",
    "LibraryError",
    "LibraryLayout",
    "LibraryMissing",
    "Look",
    "LookNotFound",
    "NewLook",
    "RetentionPolicy",
    "apply_retention",
]
