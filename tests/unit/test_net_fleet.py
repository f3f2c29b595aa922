"""kiosk.net.fleet: Prometheus file_sd targets and the Ansible inventory from proven mirrors."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kiosk.net.discover import MirrorRecord
from kiosk.net.fleet import (
    METRICS_PATH,
    ansible_inventory,
    group_name,
    merge,
    merge_unproven,
    prometheus_targets,
    proven_mirror,
    read_prometheus_targets,
)

ID_A = "0b8e2c5e-5d0e-4c3a-9a57-0c1d2e3f4a5b"
ID_B = "7f000001-0000-4000-8000-000000000002"


def record(mirror_id: str, address: str, room: str, store: str = "Oxford St.", name: str = "Mirror", **txt) -> MirrorRecord:
    return MirrorRecord(
        name=name,
        host=f"smartmirror-{mirror_id.replace('-', '')[:12]}.local",
        addresses=[address] if address else [],
        port=8080,
        txt={"id": mirror_id, "room": room, "store": store, "ver": "0.1.0", "api": "/evil/path", **txt},
    )


def proven(mirror_id: str, address: str, room: str, store: str = "Oxford St.", name: str = "Mirror"):
    """The entry of a device at ``address`` that proved to be ``mirror_id`` and signed this card."""
    card = {"id": mirror_id, "name": name, "room": room, "store": store, "state": "idle", "version": "0.1.0"}
    return proven_mirror(record(mirror_id, address, room, store, name), mirror_id, card)


def test_targets_are_labelled_and_scraped_on_the_fixed_metrics_path():
    fleet = merge({}, [proven(ID_A, "10.0.0.5", "3")])
    groups = json.loads(prometheus_targets(fleet))
    assert groups == [
        {
            "targets": ["10.0.0.5:8080"],
            "labels": {
                "__metrics_path__": METRICS_PATH,
                "mirror": "Mirror",
                "host": "smartmirror-0b8e2c5e5d0e.local",
                "store": "Oxford St.",
                "room": "3",
                "id": ID_A,
            },
        }
    ]
    assert METRICS_PATH == "/api/v1/metrics"  # the announced "api" path is never used


def test_no_target_label_shadows_what_the_mirror_reports_about_its_software():
    # kiosk_info{version} and kiosk_build_info{version, release} are the mirror's own, as it runs
    # now: a target label of the same name would win and rename them exported_version
    labels = json.loads(prometheus_targets(merge({}, [proven(ID_A, "10.0.0.5", "3")])))[0]["labels"]
    assert not {"version", "release"} & set(labels)


def test_a_mirror_that_goes_quiet_stays_a_target_and_a_new_address_replaces_the_old():
    fleet = merge({}, [proven(ID_A, "10.0.0.5", "3"), proven(ID_B, "10.0.0.6", "4")])
    fleet = merge(fleet, [proven(ID_A, "10.0.0.9", "3")])  # B said nothing, A moved (and proved it)
    targets = {g["labels"]["id"]: g["targets"] for g in json.loads(prometheus_targets(fleet))}
    assert targets == {ID_A: ["10.0.0.9:8080"], ID_B: ["10.0.0.6:8080"]}


def test_one_mirror_proven_at_two_addresses_keeps_the_known_one():
    fleet = merge({}, [proven(ID_A, "10.0.0.7", "3")])
    fleet = merge(fleet, [proven(ID_A, "10.0.0.5", "3"), proven(ID_A, "10.0.0.7", "3")])
    assert fleet[ID_A].target == "10.0.0.7:8080"


def test_what_a_proven_mirror_signed_labels_it_never_its_announcement():
    # the announcement (TXT and host) is a rogue's; the device proved to be ID_A and signed its card
    forged = MirrorRecord(name="Evil", host="mirror-of-someone-else.local", addresses=["10.0.0.5"], port=8080,
                          txt={"id": "rogue-1", "store": "Elsewhere", "room": "99", "ver": "6.6.6"})
    card = {"id": ID_A, "name": "Mirror 3", "store": "Oxford St.", "room": "3", "state": "idle", "version": "0.2.0"}
    mirror = proven_mirror(forged, ID_A, card)
    assert (mirror.mirror_id, mirror.name, mirror.store, mirror.room, mirror.version) == (ID_A, "Mirror 3", "Oxford St.", "3", "0.2.0")
    assert mirror.host == "smartmirror-0b8e2c5e5d0e.local" and mirror.target == "10.0.0.5:8080"


def test_an_announcement_never_moves_or_shadows_a_known_mirror():
    """--unverified: a device announcing a mirror's id, or the mirror's address under another id, changes nothing."""
    known = merge({}, [proven(ID_A, "10.0.0.5", "3")])
    claims = [record(ID_A, "10.0.0.66", "3"), record("rogue-9", "10.0.0.5", "9"), record(ID_B, "10.0.0.6", "4")]
    fleet, refused = merge_unproven(known, claims)
    assert {i: m.target for i, m in fleet.items()} == {ID_A: "10.0.0.5:8080", ID_B: "10.0.0.6:8080"}
    assert sorted(refused) == [
        f"10.0.0.5:8080 announces the id rogue-9, but the target is mirror {ID_A}",
        f"10.0.0.66:8080 announces the id {ID_A} of the mirror at 10.0.0.5:8080; the target stays 10.0.0.5:8080",
    ]


def test_records_without_id_or_address_are_left_out():
    fleet, refused = merge_unproven({}, [record("", "10.0.0.5", "3"), record(ID_A, "", "3")])
    assert fleet == {} and refused == []
    assert json.loads(prometheus_targets(fleet)) == []


def test_the_target_file_reads_back_into_the_same_fleet():
    fleet = merge({}, [proven(ID_A, "10.0.0.5", "3"), proven(ID_B, "10.0.0.6", "Fitting room 4", store="Bond St")])
    text = prometheus_targets(fleet)
    assert read_prometheus_targets(text) == {i: replace(m, version="") for i, m in fleet.items()}  # the mirror says it
    assert prometheus_targets(read_prometheus_targets(text)) == text
    # a file an older discover wrote, with a version label, is read and rewritten without it
    old = json.loads(text)
    old[0]["labels"]["version"] = "0.1.0"
    assert prometheus_targets(read_prometheus_targets(json.dumps(old))) == text
    assert read_prometheus_targets("") == read_prometheus_targets("\n") == {}  # a file made empty to start afresh


@pytest.mark.parametrize("text, why", [
    ('[{"targets": ["10.0.0.5:8080"], "labels": {"id": "x"}},]', "it is not JSON"),  # one comma too many
    ('{"targets": []}', "it is not a list of target groups"),
    ('[{"targets": ["host-without-port"], "labels": {"id": "x"}}]', "target group 1 is not a mirror's"),
    ('[{"targets": ["10.0.0.5:8080"], "labels": {"id": "x"}}, 7]', "target group 2 is not a mirror's"),
    ('[{"targets": ["10.0.0.9:9100"], "labels": {"job": "node"}}]', "target group 1 is not a mirror's"),
])
def test_a_file_that_is_not_ours_is_refused_rather_than_read_as_empty(text, why):
    # Rewriting it from what could be read would drop every mirror (or target) it holds.
    with pytest.raises(ValueError, match=why):
        read_prometheus_targets(text)


def test_inventory_groups_hosts_by_store_and_room_with_their_provisioning_vars():
    fleet = merge({}, [
        proven(ID_A, "10.0.0.5", "3"),
        proven(ID_B, "10.0.0.6", "Fitting room 4", name="Mirror-2"),
        proven("11111111-2222-4333-8444-555555555555", "10.0.1.7", "1", store="Bond St"),
    ])
    inv = json.loads(ansible_inventory(fleet))
    stores = inv["all"]["children"]["smartmirrors"]["children"]
    assert set(stores) == {"store_oxford_st", "store_bond_st"}
    assert stores["store_oxford_st"]["vars"] == {"store": "Oxford St."}
    rooms = stores["store_oxford_st"]["children"]
    assert set(rooms) == {"store_oxford_st_room_3", "store_oxford_st_room_fitting_room_4"}
    host = rooms["store_oxford_st_room_3"]["hosts"]["smartmirror-0b8e2c5e5d0e"]
    assert host["ansible_host"] == "10.0.0.5" and host["room"] == "3" and host["store"] == "Oxford St."
    assert host["mirror_id"] == ID_A and host["mirror_proven"] is True


def test_group_names_are_ansible_identifiers():
    assert group_name("store", "Zürich Bahnhofstraße 1") == "store_z_rich_bahnhofstra_e_1"
    assert group_name("store", "") == "store_none"
    assert group_name("store", "--") == "store_none"


@pytest.fixture
def loopback_only(tmp_path, monkeypatch):
    """Should the command ever get as far as listening, it listens on loopback alone."""
    config = tmp_path / "kiosk.toml"
    config.write_text("[api]\ninterfaces = ['127.0.0.1']\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))


@pytest.mark.parametrize("content", [b"[{\"targets\": [\"10.0.0.5:8080\"] \"labels\": {}}]", b"\xff\xfe\x00garbage"])
def test_discover_leaves_a_target_file_it_cannot_read_as_it_is(tmp_path, capsys, content, loopback_only):
    # Before listening for anything: one sentence, status 2 (a file to name again), the file byte for byte as it was.
    from kiosk.cli import main

    path = tmp_path / "mirrors.json"
    path.write_bytes(content)
    code = main(["discover", "--once", "--unverified", "--prometheus", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and path.read_bytes() == content
    assert err.startswith(f"kiosk: {path} is not a target file kiosk discover wrote: it is not ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_discover_refuses_a_folder_for_a_file(tmp_path, capsys, loopback_only):
    from kiosk.cli import main

    folder = tmp_path / "targets"
    folder.mkdir()
    assert main(["discover", "--once", "--unverified", "--prometheus", str(folder)]) == 2
    assert capsys.readouterr().err.strip() == f"kiosk: cannot write {folder}: it is a folder"


def test_discover_fails_with_status_1_on_a_folder_not_there_yet(tmp_path, capsys, loopback_only):
    # A mount not there yet at boot: a failure, which a service's Restart=on-failure retries
    # (RestartPreventExitStatus=2 stops it only for a command line that cannot work).
    from kiosk.cli import main

    path = tmp_path / "not-mounted" / "mirrors.json"
    assert main(["discover", "--once", "--unverified", "--prometheus", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"kiosk: cannot write {path}: the folder {path.parent} does not exist"
    )


def test_discover_fails_with_status_1_on_a_target_file_it_cannot_read(tmp_path, capsys, loopback_only, monkeypatch):
    # Permission denied or an I/O error on the file: a failure (1), the file left as it is.
    from pathlib import Path

    from kiosk.cli import main

    path = tmp_path / "mirrors.json"
    path.write_text("[]")
    real = Path.read_text

    def unreadable(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", unreadable)
    assert main(["discover", "--once", "--unverified", "--prometheus", str(path)]) == 1
    assert capsys.readouterr().err.strip() == f"kiosk: cannot read {path} (Permission denied)"
    assert real(path) == "[]"


def test_a_device_left_out_is_described_the_same_way_while_it_waits():
    # kiosk discover says each device left out once while it stays out: the words must not carry
    # the back-off's countdown, which changes every pass.
    import asyncio

    from kiosk.net.fleet_proof import FleetProof
    from kiosk.net.peers import PeerBook
    from kiosk.net.trust import PeerTrust

    now = [1000.0]
    book = PeerBook(lambda: now[0])
    where = "10.0.0.66:8080"
    book.failed(where, "it does not prove it holds this store's secret", reachable=True)
    proof = FleetProof(PeerTrust(b"\x01" * 32, ID_A), book, clock=lambda: now[0])
    rogue = record("", "10.0.0.66", "9", name="Mirror 3")
    sentences = []
    for _ in range(3):
        roll = asyncio.run(proof.check([rogue]))  # waiting: nobody is asked
        sentences.append(roll.left_out[0].sentence())
        now[0] += 2.0
    assert len(set(sentences)) == 1 and "not asked again" not in sentences[0]
    assert sentences[0].endswith(": it does not prove it holds this store's secret")
