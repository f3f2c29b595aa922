"""Open the identity layer from the configuration: directory, store secret, consent desk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from kiosk.config import Config
from kiosk.events import EventBus
from kiosk.identity.associate import AssociatePanel
from kiosk.identity.cardkey import CardKeyer, load_secret
from kiosk.identity.consent import ConsentDesk
from kiosk.identity.directory import CustomerDirectory
from kiosk.identity.pending import FILENAME as PENDING_FORGETS_NAME
from kiosk.identity.pending import PendingForgets
from kiosk.identity.ports import LookKeeper
from kiosk.identity.service import Identity, IdentityParts
from kiosk.paths import IDENTITY_DB_NAME as DB_NAME
from kiosk.paths import STORE_SECRET_NAME as SECRET_NAME
from kiosk.paths import data_dir
from kiosk.ports import CardReader


def directory_path(config: Config) -> Path:
    return Path(config.identity.database).expanduser() if config.identity.database else data_dir(config) / DB_NAME


def pending_forgets_path(config: Config) -> Path:
    """The unfinished forgets, kept beside the customer directory."""
    return directory_path(config).with_name(PENDING_FORGETS_NAME)


def secret_path(config: Config) -> Path:
    return Path(config.identity.secret_file).expanduser() if config.identity.secret_file else data_dir(config) / SECRET_NAME


def load_keyer(config: Config, create: bool = True) -> CardKeyer:
    """The card keyer with the store secret (created once when absent and ``create``)."""
    return CardKeyer(load_secret(secret_path(config), create=create))


def open_directory(config: Config) -> CustomerDirectory:
    return CustomerDirectory(directory_path(config)).open()


def build_identity(
    config: Config, bus: EventBus, reader: CardReader | None, looks: LookKeeper | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Identity:
    """The identity part, ready to start; the retention shown in the consent text is the library's,
    and ``clock`` times the associate panel's unlock."""
    directory = CustomerDirectory(directory_path(config))
    desk = ConsentDesk(directory, looks, retention_days=config.library.max_age_days, notify=bus.emit)
    panel = AssociatePanel(directory, desk, looks, unlock_s=config.identity.associate_unlock_s, clock=clock)
    pending = PendingForgets(pending_forgets_path(config))
    return Identity(IdentityParts(bus, reader, lambda: load_keyer(config), directory, desk, panel, looks, pending))
