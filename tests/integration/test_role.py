"""The office_kms role through playbooks/activate.yml, end to end against tests/simlab."""

from __future__ import annotations

import copy

import yaml

from tests.integration.conftest import calls
from tests.simlab.lab import Lab
from tests.simlab.scenario import load, parse, scenario_path

ACTIVATE = "playbooks/activate.yml"
HOSTS = [h.name for h in load("default").hosts]
SUMMARY = "Summarise the host"
ACT = "Point Office at the KMS host and activate what needs it"
# pc10 has Office LTSC 2021 (x86) on Windows 10: checked against LTSC 2021's figures
# (plugins/module_utils/requirements.py), its 1100 MHz CPU passes, the rest does not.
PC10_SHORTFALLS = ["1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB", "2500 MB free on C:, needs 4096 MB"]
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"


def office(lab, host):
    return [p for p in lab.state(host).products if p["ApplicationID"].lower() == OFFICE_APP and p["PartialProductKey"]]


def test_enforce_fails_with_every_shortfall_in_one_message_and_changes_nothing(lab, ansible):
    before = copy.deepcopy(lab.state("pc10-underpowered").products)
    run = ansible(lab, ACTIVATE, "--limit", "pc10-underpowered,pc16-lab")
    record = run.result("pc10-underpowered", ACT)
    assert record["status"] == "failed"
    message = record["result"]["msg"]
    assert message.startswith("pc10-underpowered is below Office LTSC 2021's system requirements: ")
    for shortfall in PC10_SHORTFALLS:
        assert shortfall in message
    assert "CPU 1100 MHz" not in message  # LTSC 2021 asks 1.1 GHz
    assert "office_kms_requirements: warn" in message
    assert record["result"]["requirements"]["office"] == "2021"
    assert lab.state("pc10-underpowered").products == before
    assert calls(lab, "pc10-underpowered") == ["read"]  # the requirement check cost no call of its own
    assert run.result("pc16-lab", ACT)["status"] == "ok"  # the other host finishes


def test_warn_lists_the_shortfalls_and_activates(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc10-underpowered", "-e", "office_kms_requirements=warn")
    result = run.result("pc10-underpowered", ACT)["result"]
    assert result["changed"] is True
    [warning] = result["warnings"]
    assert "Activating anyway" in warning
    summary = run.result("pc10-underpowered", SUMMARY)["result"]["msg"]
    assert "(WARNING: below Office LTSC 2021 requirements: " in summary
    for shortfall in PC10_SHORTFALLS:
        assert shortfall in warning and shortfall in summary
    assert [p["LicenseStatus"] for p in office(lab, "pc10-underpowered")] == [1]
    assert calls(lab, "pc10-underpowered") == ["read", "write"]


def test_overrides_replace_microsoft_s_figures(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc16-lab", "-e", "office_kms_min_memory_mb=32768",
                  "-e", "office_kms_min_os_version=10.0.26100")
    record = run.result("pc16-lab", ACT)
    assert record["status"] == "failed"
    assert "16384 MB of memory, needs 32768 MB" in record["result"]["msg"]
    assert "needs Windows 10.0.26100 or later" in record["result"]["msg"]
    assert calls(lab, "pc16-lab") == ["read"]


def test_office_2010_on_windows_7_passes_and_is_activated(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc05-office2010-win7")
    result = run.result("pc05-office2010-win7", ACT)["result"]
    assert (result["requirements"]["office"], result["requirements"]["shortfalls"]) == ("2010", [])
    assert "warnings" not in result
    assert result["changed"] is True


def command_requests(lab, host):
    return lab.requests(host).count("Command")


def test_role_costs_one_call_when_compliant_and_two_when_it_acts(lab, ansible):
    """Counted at the WinRM endpoint: WS-Man Command requests per host through activate.yml."""
    first = ansible(lab, ACTIVATE, "--limit", "pc07-activated,pc19-lab")
    assert first.rc == 0, first.stdout[-3000:]
    assert (command_requests(lab, "pc07-activated"), command_requests(lab, "pc19-lab")) == (1, 2)
    ansible(lab, ACTIVATE, "--limit", "pc07-activated,pc19-lab")
    assert (command_requests(lab, "pc07-activated"), command_requests(lab, "pc19-lab")) == (2, 3)
    assert lab.kms("kms.campus.example").contacts == 2  # pc19's reachability test and activation


def test_role_converges_and_prints_one_line_per_host(lab, ansible):
    first = ansible(lab, ACTIVATE)
    second = ansible(lab, ACTIVATE)
    for host in HOSTS:
        if host in ("pc10-underpowered", "pc15-clock-skew"):
            assert any(r["status"] == "failed" for r in second.results(host))
            continue
        line = second.result(host, SUMMARY)["result"]["msg"]
        assert line.startswith("%s: " % host)
        assert "\n" not in line
        assert second.result(host, ACT)["result"]["changed"] is False, host
    assert first.result("pc16-lab", ACT)["result"]["changed"] is True
    stats = [r for r in first.records if r["task"].endswith("Publish the fleet summary")]
    assert len(stats) == 1  # run once for the play
    published = stats[0]["result"]["ansible_stats"]["data"]["office_kms"]
    assert published["failed_hosts"] == ["pc10-underpowered", "pc15-clock-skew"]
    assert (published["hosts"], published["failed"]) == (len(HOSTS), 2)
    assert published["changed"] == first_changed(first) and published["ok"] == len(HOSTS) - 2 - published["changed"]
    second_stats = [r for r in second.records if r["task"].endswith("Publish the fleet summary")]
    assert second_stats[0]["result"]["ansible_stats"]["data"]["office_kms"]["changed"] == 0
    assert "changed: ProPlus2024Volume" in first.result("pc16-lab", SUMMARY)["result"]["msg"]
    assert "compliant: ProPlus2024Volume" in second.result("pc16-lab", SUMMARY)["result"]["msg"]


def test_bad_role_variable_is_refused_before_anything_reaches_a_host(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc16-lab", "-e", "office_kms_state=bogus")
    assert run.rc != 0
    assert "office_kms_state must be one of" in run.stdout + run.stderr
    assert lab.commands("pc16-lab") == []
    assert lab.requests("pc16-lab") == []


def first_changed(run):
    """Hosts whose office_kms task changed something, read from the recorded results."""
    return sum(1 for r in run.records if r["task"].endswith(ACT) and r["result"].get("changed") and r["status"] == "ok")


OLDER_OFFICE = [
    # Office 2013 on Windows 8.1: in the Windows SPP (facts §1.1).
    {"name": "pc22-office2013-win81", "client_machine_id": "3f0c6a3e-5f0b-4b7e-9b1e-0d6c1a2b0022",
     "os": {"caption": "Microsoft Windows 8.1 Pro", "version": "6.3.9600", "build": "9600", "architecture": "64-bit"},
     "office": [{"type": "MSI", "version": "15.0.4569.1506", "bitness": "x86", "key": "Office15.PROPLUS",
                 "name": "Microsoft Office Professional Plus 2013"}],
     "products": [{"class": "SoftwareLicensingProduct", "ID": "b322da9c-a2e2-4058-9e4e-f59a6970bd69",
                   "Name": "Office 15, OfficeProPlusVL_KMS_Client edition",
                   "Description": "Office 15, VOLUME_KMSCLIENT channel", "ApplicationID": OFFICE_APP,
                   "PartialProductKey": "GV3CT", "LicenseStatus": 2, "LicenseStatusReason": 0x4004F00C,
                   "GracePeriodRemaining": 43200, "KeyManagementServiceMachine": None, "KeyManagementServicePort": 0,
                   "DiscoveredKeyManagementServiceMachineName": None,
                   "DiscoveredKeyManagementServiceMachinePort": 0}]},
    # Office 2016 on Windows 7 SP1: in osppsvc (facts §1.1).
    {"name": "pc23-office2016-win7", "client_machine_id": "3f0c6a3e-5f0b-4b7e-9b1e-0d6c1a2b0023",
     "ospp_client_machine_id": "7a1d2c3b-0e4f-4a5b-8c6d-2e3f4a5b0023", "ospp_service": True,
     "os": {"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601", "build": "7601",
            "architecture": "64-bit"},
     "office": [{"type": "MSI", "version": "16.0.4266.1001", "bitness": "x86", "key": "Office16.PROPLUS",
                 "name": "Microsoft Office Professional Plus 2016"}],
     "products": [{"sku": "office16-proplus-kms", "class": "OfficeSoftwareProtectionProduct"}]},
]


def test_office_2013_on_windows_8_1_and_2016_on_windows_7_pass_by_default(ansible):
    with open(scenario_path("default"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["hosts"] += OLDER_OFFICE
    with Lab(parse(data)) as lab:
        run = ansible(lab, ACTIVATE, "--limit", ",".join(h["name"] for h in OLDER_OFFICE))
        assert run.rc == 0, run.stdout[-3000:]
        for host, version in (("pc22-office2013-win81", "2013"), ("pc23-office2016-win7", "2016")):
            result = run.result(host, ACT)["result"]
            assert (result["requirements"]["office"], result["requirements"]["shortfalls"]) == (version, [])
            assert result["changed"] is True and "warnings" not in result
            assert [p["LicenseStatus"] for p in office(lab, host)] == [1]
            assert calls(lab, host) == ["read", "write"]


def test_role_activates_windows_too_when_asked_at_two_and_four_calls(ansible):
    """office_kms_windows: the role also runs windows_kms; 2 calls for a compliant host, 4 for
    one where both Office and Windows need work (WS-Man Command requests at the endpoint)."""
    with Lab.from_scenario("windows") as lab:
        host = "win11-office"
        first = ansible(lab, ACTIVATE, "--limit", host, "-e", "office_kms_windows=true")
        assert first.rc == 0, first.stdout[-3000:]
        assert lab.requests(host).count("Command") == 4
        summary = first.result(host, SUMMARY)["result"]["msg"]
        assert "changed: ProPlus2024Volume" in summary
        assert " | Windows: changed: Windows(R), Education edition" in summary
        windows = [p for p in lab.state(host).products if p["ApplicationID"] == "55c92734-d682-4d71-983e-d6ec3f16059f"]
        assert [(p["LicenseStatus"], p["KeyManagementServiceMachine"]) for p in windows] == [
            (1, "kms.campus.example")]
        published = [r for r in first.records if r["task"].endswith("Publish the fleet summary")]
        assert published[0]["result"]["ansible_stats"]["data"]["office_kms"]["changed_hosts"] == [host]

        second = ansible(lab, ACTIVATE, "--limit", host, "-e", "office_kms_windows=true")
        assert lab.requests(host).count("Command") == 6  # two more: one read each, nothing to do
        assert " | Windows: compliant: " in second.result(host, SUMMARY)["result"]["msg"]
