"""The mirrors of a store as the store's own tools read them: Prometheus ``file_sd`` targets and an
Ansible inventory. Pure formatting of the mirrors ``kiosk discover`` finds; no I/O.

Who a mirror is comes from its proof, never from its announcement: anyone on the LAN can
announce any id, store and room, and the inventory is where ``deploy/ansible/provision.yml``
sends the store secret, the API token and the PIN. ``kiosk discover`` says hello to each
device at the address it announced (``fleet_proof``); a device that proves it holds the store
secret, and is itself listening there, enters the fleet under the id it proved, labelled with
what it signed (:func:`proven_mirror`). Only with ``--unverified`` (Prometheus only) do
announced records enter as they are (:func:`merge_unproven`), and then never in place of a
mirror already in the file.

A monitoring target must outlive the mirror's announcement: a mirror that loses power sends no
goodbye, and one that crashes may, but either way Prometheus must keep scraping it so that
``up == 0`` raises an alert instead of the mirror silently leaving the dashboard. So the fleet is
every mirror seen so far (by id), merged with the targets already in the file; only a person
removes one, by deleting it from the file. mDNS data is used to find mirrors, never to choose
what is scraped on them: the metrics path is fixed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from kiosk.net.addresses import mirror_host
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
    """The fleet entry an announcement claims (unproven); None when it has no id or no IPv4 address."""
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


def proven_mirror(record: MirrorRecord, mirror_id: str, card: dict) -> FleetMirror:
    """The entry of a device that proved, at ``record``'s first address, to be mirror ``mirror_id``.

    ``card`` is the signed overview it answered with: name, store, room and version come from
    there, and the host name is the one a mirror announces for that id (``announce``), so
    nothing of the possibly forged announcement but the address it was proven at is used.
    """
    return FleetMirror(
        mirror_id=mirror_id,
        name=str(card.get("name", "")),
        host=f"{mirror_host(mirror_id)}.local",
        address=record.addresses[0],
        port=record.port,
        store=str(card.get("store", "")),
        room=str(card.get("room", "")),
        version=str(card.get("version", "")),
    )


def merge(known: dict[str, FleetMirror], proven: list[FleetMirror]) -> dict[str, FleetMirror]:
    """``known`` updated with mirrors that proved who they are; none is dropped.

    A proven mirror takes its id's entry, so one that moved is found at its new address; when
    one id proves itself at several addresses (two network ports), the known one is kept.
    """
    fleet = dict(known)
    found: dict[str, list[FleetMirror]] = {}
    for mirror in sorted(proven, key=lambda m: (m.address, m.port)):
        found.setdefault(mirror.mirror_id, []).append(mirror)
    for mirror_id, mirrors in found.items():
        old = fleet.get(mirror_id)
        fleet[mirror_id] = next((m for m in mirrors if old is not None and m.target == old.target), mirrors[0])
    return fleet


def merge_unproven(known: dict[str, FleetMirror], records: list[MirrorRecord]) -> tuple[dict[str, FleetMirror], list[str]]:
    """``known`` with the ids announced for the first time added (``--unverified``), and the claims refused.

    An announced id already in the fleet keeps its address: an announcement proves nothing, so
    it never moves a mirror's target elsewhere (a person deletes the entry, or a proven run
    moves it). The second list says, one sentence each, which claims were refused.
    """
    fleet = dict(known)
    refused = []
    for record in sorted(records, key=lambda r: (r.addresses, r.port, r.host)):
        mirror = from_record(record)
        if mirror is None:
            continue
        old = fleet.get(mirror.mirror_id)
        taken = next((m for m in fleet.values() if m.target == mirror.target and m.mirror_id != mirror.mirror_id), None)
        if old is None and taken is None:
            fleet[mirror.mirror_id] = mirror
        elif old is not None and old.target != mirror.target:
            refused.append(f"{mirror.target} announces the id {mirror.mirror_id} of the mirror at {old.target}; "
                           f"the target stays {old.target}")
        elif taken is not None:
            refused.append(f"{mirror.target} announces the id {mirror.mirror_id}, but the target is mirror {taken.mirror_id}")
    return fleet, refused


def prometheus_targets(fleet: dict[str, FleetMirror]) -> str:
    """A ``file_sd`` target file: one group per mirror, labelled with who and where it is (mirror,
    host, store, room, id), never with what it runs.

    The mirror's own ``kiosk_info`` and ``kiosk_build_info`` carry its version and release as they
    are now; a target label of the same name would win over them (Prometheus renames the
    mirror's to ``exported_version``), so a join on the version would read what the mirror ran when
    discover last saw it. Only ``id`` is on both: it names the target on every series, ``up``
    of a mirror that is down included, and ``kiosk_info``'s own (the same id) is kept as
    ``exported_id`` (docs/METRICS.md).
    """
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
            },
        }
        for m in _sorted(fleet)
    ]
    return json.dumps(groups, indent=2, ensure_ascii=False) + "\n"


def read_prometheus_targets(text: str) -> dict[str, FleetMirror]:
    """The fleet a target file written by :func:`prometheus_targets` holds (an empty file: none).

    ``ValueError``, saying what is wrong, for a file this command did not write: rewriting it
    from what could be read would drop the mirrors, or the targets, it could not.
    """
    if not text.strip():
        return {}
    try:
        groups = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"it is not JSON ({exc})") from None
    if not isinstance(groups, list):
        raise ValueError("it is not a list of target groups")
    fleet = {}
    for number, group in enumerate(groups, start=1):
        try:
            labels = group["labels"]
            address, port = group["targets"][0].rsplit(":", 1)
            mirror = FleetMirror(
                mirror_id=str(labels["id"]), name=str(labels.get("mirror", "")), host=str(labels.get("host", "")), address=address,
                port=int(port), store=str(labels.get("store", "")), room=str(labels.get("room", "")),
                version=str(labels.get("version", "")),
            )
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise ValueError(f"target group {number} is not a mirror's (one target, an 'id' label)") from None
        if not mirror.mirror_id:
            raise ValueError(f"target group {number} has an empty 'id' label")
        fleet[mirror.mirror_id] = mirror
    return fleet


def ansible_inventory(fleet: dict[str, FleetMirror]) -> str:
    """An Ansible inventory (YAML; written as JSON, which is YAML) grouped by store and room.

    ``fleet`` must hold only mirrors that proved they belong to the store (:func:`merge` of
    :func:`proven_mirror` entries): the play sends each host the store's secrets, and every
    host is marked ``mirror_proven`` (provision.yml refuses discovered hosts without it).
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
            "mirror_proven": True,
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
