"""The one storage layer: every SQLite database of the kiosk is opened, upgraded and kept here.

- ``Schema``: a database's label, numbered migrations (SQL scripts or callables, counted in
  ``PRAGMA user_version``), ``synchronous`` level, file mode, and what to do when it is
  damaged: rebuild it (moving the file aside, salvaging what can be read) or refuse with a
  sentence saying how to recover.
- ``Database``: one connection behind a lock; ``open()``/``close()``, ``transaction()``
  (BEGIN IMMEDIATE … COMMIT/ROLLBACK), ``reading()``, ``query()``, ``checkpoint()``.
- ``StorageError``: the default error; each layer names its own in its ``Schema``.

The databases and their answers (see each layer's schema for the reasons):

==================  ===========  ==========  ==========================================
file                synchronous  mode        damaged
==================  ===========  ==========  ==========================================
looks.db            FULL         0600        rebuilt: rows salvaged, the rest from the
                                             record file next to each video
network.sqlite3     FULL         0600        rebuilt: rows salvaged (share links,
                                             outbox, mirror id), the rest is lost
identity.sqlite3    FULL         0600        refused: restore a backup or re-import
==================  ===========  ==========  ==========================================
"""

from kiosk.storage.database import Database
from kiosk.storage.schema import Migration, Schema, StorageError

__all__ = ["Database", "Migration", "Schema", "StorageError"]
