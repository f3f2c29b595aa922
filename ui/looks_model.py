"""LooksModel: the shopper's looks for the replay tray: this session's, then the card's kept ones, newest first."""

from __future__ import annotations

from PySide6.QtCore import Property, QAbstractListModel, QByteArray, QModelIndex, QUrl, Qt, Signal

from kiosk.library.look import Look

_ROLES = {
    Qt.ItemDataRole.UserRole + 1: b"lookId",
    Qt.ItemDataRole.UserRole + 2: b"videoUrl",
    Qt.ItemDataRole.UserRole + 3: b"posterUrl",
    Qt.ItemDataRole.UserRole + 4: b"durationS",
    Qt.ItemDataRole.UserRole + 5: b"consented",
    Qt.ItemDataRole.UserRole + 6: b"kept",  # kept from an earlier visit (on the customer's card)
}


class LooksModel(QAbstractListModel):
    """A list model over ``Look`` rows; ``replace`` swaps the whole list (a tray holds a handful).
    ``count`` is the number of looks, for bindings (what a swipe can step through)."""

    countChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._looks: list[Look] = []
        self._kept: set[str] = set()

    def replace(self, looks: list[Look], kept: list[Look] = ()) -> None:
        """Bring the rows up to date, row by row: looks gone are removed, new ones inserted where
        they belong and changed ones updated, so the tiles already on screen stay as they are (a
        reset rebuilds every tile, reloads every poster and scrolls the tray back to its start).
        A new order of the same looks (none arises today) resets the model."""
        rows = list(looks) + list(kept)
        kept_ids = {look.id for look in kept}
        if rows == self._looks and kept_ids == self._kept:
            return
        counted = len(self._looks)
        wanted = {look.id for look in rows}
        staying = [look.id for look in self._looks if look.id in wanted]
        staying_ids = set(staying)
        if staying != [look.id for look in rows if look.id in staying_ids]:
            self.beginResetModel()
            self._looks, self._kept = rows, kept_ids
            self.endResetModel()
        else:
            was_kept, self._kept = self._kept, kept_ids
            for row in range(len(self._looks) - 1, -1, -1):
                if self._looks[row].id not in wanted:
                    self.beginRemoveRows(QModelIndex(), row, row)
                    del self._looks[row]
                    self.endRemoveRows()
            for row, new in enumerate(rows):
                if row < len(self._looks) and self._looks[row].id == new.id:
                    if self._looks[row] != new or (new.id in was_kept) != (new.id in kept_ids):
                        self._looks[row] = new
                        self.dataChanged.emit(self.index(row), self.index(row))
                    continue
                self.beginInsertRows(QModelIndex(), row, row)
                self._looks.insert(row, new)
                self.endInsertRows()
        if len(rows) != counted:
            self.countChanged.emit()

    def ids(self) -> list[str]:
        return [look.id for look in self._looks]

    def get(self, look_id: str) -> Look | None:
        return next((look for look in self._looks if look.id == look_id), None)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._looks)

    count = Property(int, lambda self: len(self._looks), notify=countChanged)

    def roleNames(self) -> dict:  # noqa: N802 - Qt API
        return {role: QByteArray(name) for role, name in _ROLES.items()}

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._looks):
            return None
        look = self._looks[index.row()]
        name = _ROLES.get(role)
        if name == b"lookId":
            return look.id
        if name == b"videoUrl":
            return QUrl.fromLocalFile(look.path)
        if name == b"posterUrl":
            return QUrl.fromLocalFile(look.poster_path) if look.poster_path else QUrl()
        if name == b"durationS":
            return float(look.duration_s)
        if name == b"consented":
            return bool(look.consented)
        if name == b"kept":
            return look.id in self._kept
        return None
