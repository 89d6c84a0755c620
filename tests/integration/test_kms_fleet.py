"""Both ends in one collection (issue 24), end to end: a fresh lab KMS host set up by the role
(playbooks/kms_host.yml), then its 20 clients activated by playbooks/activate.yml. The lab's KMS
host counts the distinct clients that asked (docs/licensing-facts.md §12.7), so the first four
Office clients are refused with the count reason (0xC004F038) and activate on the next run, once
the host has counted five; the two clones count once. playbooks/report.yml shows the KMS host
beside its clients and the failures it explains."""

from __future__ import annotations

import json

import yaml

from tests.integration.conftest import run_playbook
from tests.integration.test_demo import recap
from tests.integration.test_kms_host import KEYS, KMS01, PCS
from tests.integration.test_report import kms_products

CLIENTS = "all:!kms_hosts"
COUNT_LOW = "0xC004F038"


def refused_for_count(lab, host):
    """Whether the client's own record of its last KMS exchange is a refusal for the count."""
    events = [e for e in lab.state(host).events if e.get("id") == 12289]
    return bool(events) and COUNT_LOW.lower() in str(events[-1].get("data")).lower()


def cmid(lab, host):
    return lab.state(host).services["SoftwareLicensingService"]["ClientMachineID"].lower()


def licensed(lab, host):
    products = kms_products(lab.state(host))
    return bool(products) and all(p["LicenseStatus"] == 1 for p in products)


def test_a_fresh_kms_host_and_its_clients(kms_lab, tmp_path):
    extra = tmp_path / "kms.yml"
    extra.write_text(yaml.safe_dump({"kms_host_keys": KEYS, "kms_host_office_versions": ["2024"]}))
    setup = run_playbook(kms_lab, "playbooks/kms_host.yml", tmp_path, "--limit", KMS01, "-e", "@%s" % extra)
    assert setup.rc == 0, setup.stdout[-4000:]
    assert recap(setup.stdout)[KMS01]["changed"] == 1
    assert not any(licensed(kms_lab, pc) for pc in PCS)  # nothing activated a client yet

    first = run_playbook(kms_lab, "playbooks/activate.yml", tmp_path, "--limit", CLIENTS)
    rows = recap(first.stdout)
    assert set(rows) == set(PCS), first.stdout[-4000:]
    failed = {pc for pc, row in rows.items() if row["failed"]}
    # The host counts machine IDs: the first four distinct ones to ask are refused for the count
    # (the two clones are one machine ID, so they may make it five clients), every other activates.
    assert len({cmid(kms_lab, pc) for pc in failed}) == 4, first.stdout[-4000:]
    assert all(refused_for_count(kms_lab, pc) and not licensed(kms_lab, pc) for pc in failed)
    assert all(licensed(kms_lab, pc) for pc in set(PCS) - failed)
    for pc in failed:
        assert COUNT_LOW in first.result(pc, "Point Office at the KMS host and activate what needs it")["result"]["msg"]

    report_dir = tmp_path / "reports"
    report = run_playbook(kms_lab, "playbooks/report.yml", tmp_path, "-e", "office_kms_report_dir=%s" % report_dir)
    assert report.rc == 0, report.stdout[-4000:]
    document = json.loads((report_dir / "kms-report.json").read_text(encoding="utf-8"))
    servers = {s["host"]: s for s in document["kms_hosts"]}
    assert set(servers) == {h for h in kms_lab.host_names if h.startswith("kms")}
    kms01 = servers[KMS01]
    assert kms01["is_kms_host"] and kms01["activates"]["office"]
    assert kms01["current_count"] == kms_lab.host(KMS01).cim.kms.count() == 10  # capped: 2 x 5 (§12.7)
    [traced] = kms01["traced_failures"]
    assert (traced["reason"], traced["product"], set(traced["clients"])) == ("count_low", "Office 2024", failed)
    assert "enough: they activate at their next attempt" in traced["text"]
    assert traced["text"] in report.stdout
    assert {h["host"] for h in document["hosts"]} == set(PCS)  # the KMS hosts are not among the clients

    second = run_playbook(kms_lab, "playbooks/activate.yml", tmp_path, "--limit", CLIENTS)
    rows = recap(second.stdout)
    assert second.rc == 0 and not any(row["failed"] for row in rows.values()), second.stdout[-4000:]
    assert {pc for pc, row in rows.items() if row["changed"]} == failed
    assert all(licensed(kms_lab, pc) for pc in PCS)
