"""office_kms_info end to end: ansible-playbook -> winrm plugin -> pywinrm -> HTTP -> simlab."""

from __future__ import annotations

import pytest

from tests.integration.conftest import calls, one_task, run_playbook
from tests.simlab.lab import Lab
from tests.simlab.scenario import load

INFO_TASK = "info"
INFO_PLAYBOOK = one_task("office_kms_info", INFO_TASK, include_windows="true")
OFFICE_APPS = {"0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"}
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
HOSTS = [h.name for h in load("default").hosts]
# One remote call over winrm with the script on stdin.
ONE_CALL = ["Create", "Command", "Send", "Receive", "Signal", "Delete"]


@pytest.fixture(scope="module")
def info_run(tmp_path_factory):
    """One read-only run over the whole default lab, shared by the tests that only read."""
    with Lab.from_scenario("default") as lab:
        run = run_playbook(lab, INFO_PLAYBOOK, tmp_path_factory.mktemp("info"))
        yield lab, run


def expected_products(state):
    """The products the inspect step must report: keyed ones, Office from the class ospp.vbs
    would use (docs/licensing-facts.md §1.1), Windows from SoftwareLicensingProduct; Office's first
    (as the module documents), each in the host's order."""
    win7 = state.os["version"].startswith("6.1.")
    found = []
    for p in state.products:
        if not p["PartialProductKey"]:
            continue
        app = p["ApplicationID"].lower()
        if p["class"] == "SoftwareLicensingProduct" and (app == WINDOWS_APP or (app in OFFICE_APPS and not win7)):
            found.append(p)
        elif p["class"] == "OfficeSoftwareProtectionProduct" and state.ospp_service and app in OFFICE_APPS:
            found.append(p)
    return sorted(found, key=lambda p: p["ApplicationID"].lower() == WINDOWS_APP)


@pytest.mark.parametrize("host", HOSTS)
def test_info_returns_the_emulated_products(info_run, host):
    lab, run = info_run
    record = run.result(host, INFO_TASK)
    assert record["status"] == "ok", record
    result = record["result"]
    assert result["changed"] is False
    want = expected_products(lab.state(host))
    got = result["products"]
    assert [p["sku_id"] for p in got] == [p["ID"].lower() for p in want]
    for mine, theirs in zip(got, want, strict=True):
        assert mine["name"] == theirs["Name"]
        assert mine["description"] == theirs["Description"]
        assert mine["partial_key"] == theirs["PartialProductKey"]
        assert mine["license_class"] == theirs["class"]
        assert mine["application_id"] == theirs["ApplicationID"].lower()
        assert mine["license_status"]["code"] == theirs["LicenseStatus"]
        assert mine["license_status_reason"]["code"] == "0x%08X" % theirs["LicenseStatusReason"]
        assert mine["remaining_minutes"] == theirs["GracePeriodRemaining"]
        assert mine["kms_host"] == theirs["KeyManagementServiceMachine"]
        assert mine["kms_port"] == (theirs["KeyManagementServicePort"] or None)
        assert mine["discovered_kms_host"] == theirs["DiscoveredKeyManagementServiceMachineName"]
        assert mine["discovered_kms_port"] == (theirs["DiscoveredKeyManagementServiceMachinePort"] or None)


@pytest.mark.parametrize("host", HOSTS)
def test_info_returns_the_emulated_host_facts(info_run, host):
    lab, run = info_run
    state = lab.state(host)
    facts = run.result(host, INFO_TASK)["result"]["host"]
    assert facts["computer_name"] == state.computer_name
    assert facts["os_caption"] == state.os["caption"]
    assert facts["os_version"] == state.os["version"]
    assert facts["os_build"] == str(state.os["build"])
    assert facts["os_architecture"] == state.os["architecture"]
    assert facts["cpu_max_clock_mhz"] == state.cpu["mhz"]
    assert facts["cpu_cores"] == state.cpu["cores"]
    assert facts["memory_mb"] == state.memory_mb
    assert facts["system_drive_free_mb"] == state.system_drive_free_mb
    assert facts["client_machine_id"] == state.client_machine_id
    assert facts["ospp_client_machine_id"] == (state.ospp_client_machine_id if state.ospp_service else None)
    # The skew is a value the host reports, compared with the scenario's offset (not a timing).
    assert abs(facts["clock_skew_seconds"] - state.clock_offset_minutes * 60) <= 120


@pytest.mark.parametrize("host", HOSTS)
def test_info_returns_the_emulated_office_installs(info_run, host):
    lab, run = info_run
    installs = run.result(host, INFO_TASK)["result"]["office"]
    want = lab.state(host).office
    assert [i["type"] for i in installs] == [i["type"] for i in want]
    for mine, theirs in zip(installs, want, strict=True):
        assert mine["version"] == theirs["version"]
        assert mine["bitness"] == theirs["bitness"]
        if theirs["type"] == "ClickToRun":
            assert mine["product_ids"] == theirs["product_ids"]
        else:
            assert mine["product_ids"] == [theirs["key"]]
            assert mine["name"] == theirs["name"]


def families(run, host):
    return [p["family"] for p in run.result(host, INFO_TASK)["result"]["products"] if p["application"] == "office"]


def test_source_document_host_reports_each_product(info_run):
    """The source document's machine holds Professional Plus and Visio Professional: two
    entries, each reported on its own; the keyless Project licence is not reported."""
    _unused, run = info_run
    assert families(run, "pc01-ltsc2024-visio") == ["ProPlus2024Volume", "VisioPro2024Volume"]
    assert families(run, "pc03-office2019") == ["VisioPro2019Volume", "ProPlus2019Volume"]


def test_office_versions_and_classes(info_run):
    _unused, run = info_run
    assert families(run, "pc02-ltsc2021") == ["ProPlus2021Volume"]
    assert families(run, "pc04-office2016-msi-x86") == ["ProPlus2016Volume"]
    office2010 = [p for p in run.result("pc05-office2010-win7", INFO_TASK)["result"]["products"]
                  if p["application"] == "office"]
    assert [(p["family"], p["license_class"]) for p in office2010] == [
        ("ProPlus2010Volume", "OfficeSoftwareProtectionProduct")]
    msi = run.result("pc04-office2016-msi-x86", INFO_TASK)["result"]["office"]
    assert [(i["type"], i["bitness"]) for i in msi] == [("MSI", "x86")]


def test_channels_and_subscriptions(info_run):
    _unused, run = info_run
    mak = run.result("pc06-mak", INFO_TASK)["result"]["products"]
    office = [p for p in mak if p["application"] == "office"]
    assert [(p["kms_client"], p["channel"], p["remaining_days"]) for p in office] == [(False, "RETAIL(MAK)", None)]
    m365 = run.result("pc12-m365-apps", INFO_TASK)["result"]
    assert [i["subscription"] for i in m365["office"]] == [True]
    assert [i["kms_managed"] for i in m365["office"]] == [False]
    assert [p for p in m365["products"] if p["application"] == "office"] == []
    none = run.result("pc11-no-office", INFO_TASK)["result"]
    assert none["office"] == []
    assert [p["application"] for p in none["products"]] == ["windows"]


def test_renewal_state_and_clones(info_run):
    _unused, run = info_run
    expiring = families_status(run, "pc08-expiring")
    assert expiring == [("ProPlus2024Volume", "Licensed", 10, "kms.campus.example", 1688)]
    old = families_status(run, "pc09-old-kms")
    assert old == [("ProPlus2021Volume", "OOTGrace", 20, "kms-old.campus.example", 1688)]
    cmid_a = run.result("pc13-clone-a", INFO_TASK)["result"]["host"]["client_machine_id"]
    cmid_b = run.result("pc14-clone-b", INFO_TASK)["result"]["host"]["client_machine_id"]
    assert cmid_a == cmid_b
    assert run.result("pc15-clock-skew", INFO_TASK)["result"]["host"]["clock_skew_seconds"] >= 5 * 3600 - 120


def families_status(run, host):
    return [
        (p["family"], p["license_status"]["name"], p["remaining_days"], p["kms_host"], p["kms_port"])
        for p in run.result(host, INFO_TASK)["result"]["products"] if p["application"] == "office"
    ]


@pytest.mark.parametrize("host", HOSTS)
def test_exactly_one_command_per_task(info_run, host):
    lab, run = info_run
    assert run.result(host, INFO_TASK)["result"]["remote_calls"] == 1
    commands = lab.commands(host)
    assert calls(lab, host) == ["read"]
    # include_windows: the Windows ApplicationID is in the one product query (docs/licensing-facts.md §3).
    [query] = [op for op in commands[0]["program"]["operations"] if op["id"] == "spp_products"]
    assert query["class"] == "SoftwareLicensingProduct"
    assert "55c92734-d682-4d71-983e-d6ec3f16059f" in query["where"]
    assert lab.requests(host) == ONE_CALL


def test_windows_products_only_when_asked(lab, ansible):
    run = ansible(lab, INFO_PLAYBOOK.replace("include_windows: true", "include_windows: false"),
                  "--limit", "pc01-ltsc2024-visio")
    products = run.result("pc01-ltsc2024-visio", INFO_TASK)["result"]["products"]
    assert {p["application"] for p in products} == {"office"}
    assert len(products) == 2


def test_wrong_password_fails_that_host_only(lab, ansible):
    run = ansible(lab, INFO_PLAYBOOK, host_vars={"pc02-ltsc2021": {"ansible_password": "not-the-password"}})
    bad = run.result("pc02-ltsc2021", INFO_TASK)
    assert bad["status"] == "unreachable"
    assert "credentials were rejected" in bad["result"]["msg"]
    assert lab.commands("pc02-ltsc2021") == []
    assert "Unauthorized" in lab.requests("pc02-ltsc2021")
    others = [h for h in HOSTS if h != "pc02-ltsc2021"]
    assert all(run.result(h, INFO_TASK)["status"] == "ok" for h in others)
    assert run.rc == 4  # ansible-playbook's exit code when a host was unreachable


REACH_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      volume_licensing.kms.office_kms_info:
        kms_host: "{{ target }}"
        connect_timeout: 2
"""


def reach(run, host="pc16-lab"):
    return run.result(host, INFO_TASK)["result"]["kms_reachability"]


def test_reachability_follows_the_kms_listener(lab, ansible):
    stand_in = lab.kms("kms.campus.example")
    contacts = stand_in.contacts
    up = ansible(lab, REACH_PLAYBOOK, "--limit", "pc16-lab", "-e", "target=kms.campus.example")
    assert reach(up) == {"kms_host": "kms.campus.example", "kms_port": 1688, "connect_timeout": 2.0,
                         "reachable": True, "error": None, "address": "192.0.2.10", "source": "kms_host"}
    assert stand_in.contacts == contacts + 1  # a real TCP connection reached the stand-in
    assert stand_in.addresses[0] == "192.0.2.10"  # the first address the name resolves to

    stand_in.stop()
    down = ansible(lab, REACH_PLAYBOOK, "--limit", "pc16-lab", "-e", "target=kms.campus.example")
    assert reach(down)["reachable"] is False
    assert "refused" in reach(down)["error"]
    assert reach(down)["address"] is None
    assert down.result("pc16-lab", INFO_TASK)["status"] == "ok"  # info reports, it does not fail

    stand_in.start()
    again = ansible(lab, REACH_PLAYBOOK, "--limit", "pc16-lab", "-e", "target=kms.campus.example")
    assert reach(again)["reachable"] is True


@pytest.mark.parametrize(("target", "error"), [
    ("kms-old.campus.example", "refused"),
    ("kms.nowhere.example", "No such host is known"),
])
def test_unreachable_kms_hosts(lab, ansible, target, error):
    run = ansible(lab, REACH_PLAYBOOK, "--limit", "pc16-lab", "-e", "target=%s" % target)
    assert reach(run)["reachable"] is False
    assert error in reach(run)["error"]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("kms_port", "0", "kms_port must be a TCP port number from 1 to 65535"),
    ("kms_port", "70000", "kms_port must be a TCP port number from 1 to 65535"),
    ("kms_host", "'kms campus.example'", "contains ' '"),
    ("kms_host", "'kms\"campus.example'", "'\"'"),
    ("kms_host", "\"kms'x.example\"", '"\'"'),
    ("kms_host", "'kms.example;calc'", "';'"),
    ("kms_host", "'$(calc)'", "'$'"),
    ("kms_host", "'kms`x.example'", "'`'"),
    ("connect_timeout", "0", "connect_timeout must be a number of seconds"),
])
def test_bad_input_is_refused_before_anything_reaches_the_host(lab, ansible, option, value, words):
    playbook = """
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      volume_licensing.kms.office_kms_info:
        %s: %s
""" % (option, value)
    run = ansible(lab, playbook, "--limit", "pc16-lab")
    record = run.result("pc16-lab", INFO_TASK)
    assert record["status"] == "failed"
    assert "Invalid option" in record["result"]["msg"]
    assert option in record["result"]["msg"]
    assert words in record["result"]["msg"]
    assert lab.commands("pc16-lab") == []
    assert lab.requests("pc16-lab") == []
