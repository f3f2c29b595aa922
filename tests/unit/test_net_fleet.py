"""kiosk.net.fleet: Prometheus file_sd targets and the Ansible inventory from discovered mirrors."""

from __future__ import annotations

import json

from kiosk.net.discover import MirrorRecord
from kiosk.net.fleet import (
    METRICS_PATH,
    ansible_inventory,
    group_name,
    merge,
    parse_prometheus_targets,
    prometheus_targets,
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


def test_targets_are_labelled_and_scraped_on_the_fixed_metrics_path():
    fleet = merge({}, [record(ID_A, "10.0.0.5", "3")])
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
                "version": "0.1.0",
            },
        }
    ]
    assert METRICS_PATH == "/api/v1/metrics"  # the announced "api" path is never used


def test_a_mirror_that_goes_quiet_stays_a_target_and_a_new_address_replaces_the_old():
    fleet = merge({}, [record(ID_A, "10.0.0.5", "3"), record(ID_B, "10.0.0.6", "4")])
    fleet = merge(fleet, [record(ID_A, "10.0.0.9", "3")])  # B said nothing, A moved
    targets = {g["labels"]["id"]: g["targets"] for g in json.loads(prometheus_targets(fleet))}
    assert targets == {ID_A: ["10.0.0.9:8080"], ID_B: ["10.0.0.6:8080"]}


def test_records_without_id_or_address_are_left_out():
    fleet = merge({}, [record("", "10.0.0.5", "3"), record(ID_A, "", "3")])
    assert fleet == {}
    assert json.loads(prometheus_targets(fleet)) == []


def test_the_target_file_reads_back_into_the_same_fleet():
    fleet = merge({}, [record(ID_A, "10.0.0.5", "3"), record(ID_B, "10.0.0.6", "Fitting room 4", store="Bond St")])
    text = prometheus_targets(fleet)
    assert parse_prometheus_targets(text) == fleet
    assert prometheus_targets(parse_prometheus_targets(text)) == text


def test_a_file_that_is_not_ours_reads_as_an_empty_fleet():
    assert parse_prometheus_targets("not json") == {}
    assert parse_prometheus_targets('{"targets": []}') == {}
    assert parse_prometheus_targets('[{"targets": ["host-without-port"], "labels": {"id": "x"}}, 7]') == {}


def test_inventory_groups_hosts_by_store_and_room_with_their_provisioning_vars():
    fleet = merge({}, [
        record(ID_A, "10.0.0.5", "3"),
        record(ID_B, "10.0.0.6", "Fitting room 4", name="Mirror-2"),
        record("11111111-2222-4333-8444-555555555555", "10.0.1.7", "1", store="Bond St"),
    ])
    inv = json.loads(ansible_inventory(fleet))
    stores = inv["all"]["children"]["smartmirrors"]["children"]
    assert set(stores) == {"store_oxford_st", "store_bond_st"}
    assert stores["store_oxford_st"]["vars"] == {"store": "Oxford St."}
    rooms = stores["store_oxford_st"]["children"]
    assert set(rooms) == {"store_oxford_st_room_3", "store_oxford_st_room_fitting_room_4"}
    host = rooms["store_oxford_st_room_3"]["hosts"]["smartmirror-0b8e2c5e5d0e"]
    assert host["ansible_host"] == "10.0.0.5" and host["room"] == "3" and host["store"] == "Oxford St."
    assert host["mirror_id"] == ID_A


def test_group_names_are_ansible_identifiers():
    assert group_name("store", "Zürich Bahnhofstraße 1") == "store_z_rich_bahnhofstra_e_1"
    assert group_name("store", "") == "store_none"
    assert group_name("store", "--") == "store_none"
