"""playbooks/image.yml: configure for KMS, never activate, never contact the KMS host."""

from __future__ import annotations

import copy

from tests.integration.conftest import calls, invoked

KMS = "kms.campus.example"
TASK = "Point Office at the KMS host and activate what needs it"
HOSTS = "pc06-mak,pc16-lab,pc02-ltsc2021,pc12-m365-apps"


def office(lab, host):
    return [p for p in lab.state(host).products if p["Name"].startswith("Office") and p["PartialProductKey"]]


def test_image_playbook_configures_without_activating(lab, ansible):
    stand_in = lab.kms(KMS)
    contacts = stand_in.contacts
    before = {h: copy.deepcopy(office(lab, h)) for h in HOSTS.split(",")}
    run = ansible(lab, "playbooks/image.yml", "--limit", HOSTS, "-e", "office_kms_product_key=auto")
    assert run.rc == 0, run.stdout[-3000:]
    for host in ("pc06-mak", "pc16-lab", "pc02-ltsc2021"):
        assert run.result(host, TASK)["result"]["changed"] is True
        [product] = office(lab, host)
        assert product["KeyManagementServiceMachine"] == KMS
        assert "VOLUME_KMSCLIENT" in product["Description"]  # the MAK install got its GVLK
        assert product["LicenseStatus"] != 1  # not activated
        if host != "pc06-mak":  # same SKU as before: its status is untouched
            assert product["LicenseStatus"] == before[host][0]["LicenseStatus"]
        # One write, for Office and, where the inventory sets office_kms_windows, Windows in
        # the same program: it activates nothing.
        writes = [i for i, kind in enumerate(calls(lab, host)) if kind == "write"]
        assert len(writes) == 1
        methods = [method for _unused, method, _unused in invoked(lab, host, writes[0])]
        # The KMS host set on Office's product, and on Windows' where managed.
        assert methods.count("SetKeyManagementServiceMachine") == (2 if host == "pc16-lab" else 1)
        assert all("Activate" not in [method for _unused, method, _unused in invoked(lab, host, i)] for i in writes)
        # Nothing tested reachability either: the image is built off the campus network.
        assert not any(op["op"] == "tcp_connect" for c in lab.commands(host) for op in c["program"]["operations"])
    assert office(lab, "pc12-m365-apps") == before["pc12-m365-apps"] == []
    assert stand_in.contacts == contacts  # no TCP connection to the KMS stand-in

    again = ansible(lab, "playbooks/image.yml", "--limit", HOSTS, "-e", "office_kms_product_key=auto")
    assert all(again.result(h, TASK)["result"]["changed"] is False for h in HOSTS.split(","))
    assert stand_in.contacts == contacts
