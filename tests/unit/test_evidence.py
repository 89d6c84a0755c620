"""Unit tests for plugins/plugin_utils/evidence.py: KMS exchanges from the licensing events
(docs/licensing-facts.md §10.2) and DNS discovery (docs/licensing-facts.md §7.1, §10.3)."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import evidence

SPP = "Microsoft-Windows-Security-SPP"
OSPP = "Office Software Protection Platform Service"
ACT = "fbdb3e18-a8ef-4fb3-9183-dffd60bd0984"
OTHER = "2de67392-b7a7-462a-b1ca-108dd189f588"


def request(record, time, *, server="kms.campus.example:1688", act=ACT, policy=5, provider=SPP, split=False):
    info = ["0x0", "0x0", server, "cmid", "2026/11/30 10:02", "0", "2", "43200", act, str(policy)]
    return {"id": 12288, "record_id": record, "provider": provider, "time_created": time,
            "data": info if split else [", ".join(info)]}


def response(record, time, code="0x0", *, bound="1", count="27", provider=SPP):
    info = [code, "0x4000008", bound, "0", count, "120", "10080", "2026/11/30 10:02"]
    return {"id": 12289, "record_id": record, "provider": provider, "time_created": time, "data": [", ".join(info)]}


def test_a_refused_exchange():
    [x] = evidence.exchanges([response(2, "2026-11-30T10:02:12Z", "0xC004F038", bound="0", count="3"),
                              request(1, "2026-11-30T10:02:11Z")])  # newest first, as Get-WinEvent gives them
    assert x == {"time": "2026-11-30T10:02:11Z", "provider": SPP, "kms_host": "kms.campus.example", "kms_port": 1688,
                 "activation_id": ACT, "required_count": 5, "answered": True, "answered_at": "2026-11-30T10:02:12Z",
                 "hresult": "0xC004F038", "error_name": "SL_E_VL_NOT_ENOUGH_COUNT", "activated": False, "kms_count": 3}
    assert evidence.describe(x) == ("last KMS exchange 2026-11-30 10:02 with kms.campus.example:1688: 0xC004F038 "
                                    "SL_E_VL_NOT_ENOUGH_COUNT, the KMS host counts 3 clients and activates Office "
                                    "from 5")


def test_fields_given_as_separate_strings_read_the_same():
    joined = evidence.exchanges([request(1, "2026-11-30T10:02:11Z")])
    split = evidence.exchanges([request(1, "2026-11-30T10:02:11Z", split=True)])
    assert joined == split and joined[0]["activation_id"] == ACT


def test_a_request_without_answer_and_pairing_per_provider():
    events = [
        request(1, "2026-11-01T08:00:00Z"),  # never answered: a later request follows it
        request(2, "2026-11-02T08:00:00Z", act=OTHER, policy=25),
        request(3, "2026-11-02T08:00:00Z", provider=OSPP, act="b6a4f3c2-0000-4000-8000-000000000000"),
        response(4, "2026-11-02T08:00:01Z", count="50"),
        response(5, "2026-11-02T08:00:02Z", provider=OSPP, code="0xC004F042", bound="0", count="12"),
        response(6, "2026-11-03T08:00:00Z"),  # an answer without a request: nothing to pair
    ]
    found = evidence.exchanges(list(reversed(events)))
    assert [(x["time"], x["provider"], x["answered"], x["kms_count"]) for x in found] == [
        ("2026-11-02T08:00:00Z", SPP, True, 50), ("2026-11-02T08:00:00Z", OSPP, True, 12),
        ("2026-11-01T08:00:00Z", SPP, False, None)]
    assert evidence.last_exchange(found, ACT.upper()) == found[2]
    assert evidence.last_exchange(found, OTHER)["activated"] is True
    assert evidence.describe(found[2]) == (
        "last KMS request 2026-11-01 08:00 to kms.campus.example:1688 got no answer (event 12288 without 12289: "
        "the KMS host was not reached or did not answer)")
    assert evidence.describe(found[0], "windows").endswith("activated, the KMS host counts 50 clients and activates "
                                                           "Windows from 25")


@pytest.mark.parametrize(("server", "host", "port"), [
    ("kms.campus.example:1688", "kms.campus.example", 1688),
    ("[2001:db8::10]:1700", "2001:db8::10", 1700),
    ("2001:db8::10", "2001:db8::10", None),
    ("kms", "kms", None),
    ("", None, None),
])
def test_split_server(server, host, port):
    assert evidence.split_server(server) == (host, port)


@pytest.mark.parametrize("data", [[], [""], ["nonsense"], ["0xZZ, x, , ,"], [None], "a string"])
def test_garbled_events_do_not_raise(data):
    found = evidence.exchanges([{"id": 12288, "record_id": "x", "provider": SPP, "time_created": None, "data": data},
                                {"id": 12289, "provider": SPP, "data": data}, "not an event"])
    assert len(found) == 1 and found[0]["kms_count"] is None
    assert evidence.describe(found[0])


def test_discovery_states():
    assert evidence.discovery(None) is None
    assert evidence.discovery({"available": False, "query": "_vlmcs._tcp"})["status"] == "unknown"
    missing = evidence.discovery({"available": True, "query": "_vlmcs._tcp.campus.example", "records": [],
                                  "hresult": "0x8007232B", "error": "DNS name does not exist"})
    assert (missing["status"], missing["error_code"], missing["error_name"]) == (
        "not_published", "0x8007232B", "DNS_ERROR_RCODE_NAME_ERROR")
    assert evidence.dns_sentence(missing) == ("no KMS host is published in DNS (_vlmcs._tcp.campus.example: "
                                              "DNS name does not exist)")
    failed = evidence.discovery({"available": True, "query": "q", "records": [], "hresult": "0x800705B4",
                                 "error": "timeout"})
    assert failed["status"] == "failed"
    dead = evidence.discovery({"available": True, "query": "q", "records": [
        {"target": "kms.old", "port": 1688, "priority": 0, "weight": 0,
         "reach": {"reachable": False, "error": "refused"}}]})
    assert dead["status"] == "published" and dead["records"][0]["reachable"] is False
    assert evidence.dns_sentence(dead) == ("DNS publishes kms.old:1688 (refused), but none of them accepts a TCP "
                                           "connection from the host")
