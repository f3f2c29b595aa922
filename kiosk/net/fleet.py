"""The mirrors of a store as the store's own tools read them: Prometheus ``file_sd`` targets and an
Ansible inventory. Pure formatting of the records ``kiosk discover`` finds; no I/O.

A monitoring target must outlive the mirror's announcement: a mirror that loses power sends no
goodbye, and one that crashes may, but either way Prometheus must keep scraping it so that
``up == 0`` raises an alert instead of the mirror silently leaving the dashboard. So the fleet is
every mirror seen so far (by id), merged with the targets already in the file; only a person
removes one, by deleting it from the file. mDNS data is used to find mirrors and label them,
never to choose what is scraped on them: the metrics path is fixed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from kiosk.net.discover import MirrorRecord

# The mirror's metrics page; never taken from the announcement (TXT records are unauthenticated).
METRICS_PATH = "/api/v1/metrics"


@dataclass(frozen=True)
class FleetMirror:
    """One mirror of the fleet: where to reach it and what to call it."""

    mirror_id: str
    name: str
    host: str
    address: str
    port: int
    store: str
    room: str
    version: str

    @property
    def target(self) -> str:
        return f"{self.address}:{self.port}"


def from_record(record: MirrorRecord) -> FleetMirror | None:
    """The fleet entry for a discovered mirror; None when it has no id or no IPv4 address."""
    txt = record.txt
    if not record.mirror_id or not record.addresses or not 0 < record.port < 65536:
        return None
    return FleetMirror(
        mirror_id=record.mirror_id,
        name=record.name,
        host=record.host,
        address=record.addresses[0],
        port=record.port,
        store=txt.get("store", ""),
        room=txt.get("room", ""),
        version=txt.get("ver", ""),
    )


def merge(known: dict[str, FleetMirror], records: list[MirrorRecord]) -> dict[str, FleetMirror]:
    """``known`` updated with the newest record of every mirror (by id); none is dropped."""
    fleet = dict(known)
    for record in records:
        mirror = from_record(record)
        if mirror is not None:
            fleet[mirror.mirror_id] = mirror
    return fleet


def prometheus_targets(fleet: dict[str, FleetMirror]) -> str:
    """A ``file_sd`` target file: one group per mirror, labelled store, room, id and version."""
    groups = [
        {
            "targets": [m.target],
            "labels": {
                "__metrics_path__": METRICS_PATH,
                "mirror": m.name,
                "host": m.host,
                "store": m.store,
                "room": m.room,
                "id": m.mirror_id,
                "version": m.version,
            },
        }
        for m in _sorted(fleet)
    ]
    return json.dumps(groups, indent=2, ensure_ascii=False) + "\n"


def parse_prometheus_targets(text: str) -> dict[str, FleetMirror]:
    """The fleet a target file written by :func:`prometheus_targets` holds; {} for anything else."""
    try:
        groups = json.loads(text)
    except ValueError:
        return {}
    fleet = {}
    for group in groups if isinstance(groups, list) else []:
        try:
            labels = group["labels"]
            address, port = group["targets"][0].rsplit(":", 1)
            mirror = FleetMirror(
                mirror_id=str(labels["id"]), name=str(labels.get("mirror", "")), host=str(labels.get("host", "")), address=address,
                port=int(port), store=str(labels.get("store", "")), room=str(labels.get("room", "")),
                version=str(labels.get("version", "")),
            )
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            continue
        if mirror.mirror_id:
            fleet[mirror.mirror_id] = mirror
    return fleet


def ansible_inventory(fleet: dict[str, FleetMirror]) -> str:
    """An Ansible inventory (YAML; written as JSON, which is YAML) grouped by store and room.

    Groups: ``smartmirrors`` holds ``store_<store>``, which holds ``store_<store>_room_<room>``;
    each host carries ``store`` and ``room`` for scripts/provision (deploy/ansible/).
    """
    stores: dict[str, dict] = {}
    for m in _sorted(fleet):
        store = stores.setdefault(group_name("store", m.store), {"vars": {"store": m.store}, "children": {}})
        room = store["children"].setdefault(group_name("store", m.store, "room", m.room), {"hosts": {}})
        room["hosts"][host_name(m)] = {
            "ansible_host": m.address,
            "store": m.store,
            "room": m.room,
            "mirror_id": m.mirror_id,
            "mirror_name": m.name,
            "mirror_version": m.version,
            "mirror_port": m.port,
        }
    inventory = {"all": {"children": {"smartmirrors": {"children": stores}}}}
    return json.dumps(inventory, indent=2, ensure_ascii=False) + "\n"


def group_name(*parts: str) -> str:
    """An Ansible group name (letters, digits, underscores) from free text: "Oxford St." -> "oxford_st"."""
    words = [re.sub(r"[^a-z0-9]+", "_", p.lower()).strip("_") or "none" for p in parts]
    return "_".join(words)


def host_name(mirror: FleetMirror) -> str:
    """The inventory name: the mirror's mDNS host without ``.local``, else its id."""
    host = mirror.host.removesuffix(".local")
    return host if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", host or "") else f"mirror-{mirror.mirror_id}"


def _sorted(fleet: dict[str, FleetMirror]) -> list[FleetMirror]:
    return sorted(fleet.values(), key=lambda m: (m.store, m.room, m.name, m.mirror_id))
