"""The office_kms role through playbooks/activate.yml, end to end against tests/simlab."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from tests.integration.conftest import calls, one_task
from tests.simlab.lab import Lab
from tests.simlab.scenario import load, parse, scenario_path

ACTIVATE = "playbooks/activate.yml"
HOSTS = [h.name for h in load("default").hosts]
# The role's one task per host: office_kms, for Office and, with office_kms_windows, Windows.
ACT = "Point Office at the KMS host and activate what needs it"
# pc10 has Office LTSC 2021 (x86) on Windows 10: checked against LTSC 2021's figures
# (plugins/plugin_utils/requirements.py), its 1100 MHz CPU passes, the rest does not.
PC10_SHORTFALLS = ["1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB", "2500 MB free on C:, needs 4096 MB"]
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"


def expected_line(host, result):
    """A host's summary line, from its office_kms result: Office's outcome and, where the task
    managed Windows too, " | Windows: " and Windows' (its sections, office_kms's applications)."""
    sections = result.get("applications") or {}
    if set(sections) == {"office", "windows"}:
        return "%s: %s | Windows: %s" % (host, sections["office"]["msg"], sections["windows"]["msg"])
    return "%s: %s" % (host, result["msg"])


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
    summary = run.summary()["pc10-underpowered"]
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
        line = second.summary()[host]
        assert line.startswith("%s: " % host)
        assert "\n" not in line
        result = second.result(host, ACT)["result"]
        assert line == expected_line(host, result)
        # office_kms_windows (pc16 to pc18 in the inventory): Windows through the same task.
        assert sorted(result["applications"]) == (["office", "windows"] if host in WINDOWS_PCS else ["office"]), host
        assert result["changed"] is False, host
    assert first.result("pc16-lab", ACT)["result"]["changed"] is True
    stats = [r for r in first.records if r["task"].endswith("Publish the fleet summary")]
    assert len(stats) == 1  # run once for the play
    published = stats[0]["result"]["ansible_stats"]["data"]["office_kms"]
    assert published["failed_hosts"] == ["pc10-underpowered", "pc15-clock-skew"]
    assert (published["hosts"], published["failed"]) == (len(HOSTS), 2)
    # A host that failed after a change (pc15: its KMS host was set, then the KMS host refused
    # its clock) counts as changed too: no change goes unreported.
    assert published["changed"] == first_changed(first, ("ok", "failed"))
    assert published["ok"] == len(HOSTS) - 2 - first_changed(first)
    assert "pc15-clock-skew" in published["changed_hosts"]
    second_stats = [r for r in second.records if r["task"].endswith("Publish the fleet summary")]
    assert second_stats[0]["result"]["ansible_stats"]["data"]["office_kms"]["changed"] == 0
    assert "changed: ProPlus2024Volume" in first.summary()["pc16-lab"]
    assert "compliant: ProPlus2024Volume" in second.summary()["pc16-lab"]


WINDOWS_PCS = ("pc16-lab", "pc17-lab", "pc18-lab")


def test_bad_role_variable_is_refused_before_anything_reaches_a_host(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc16-lab", "-e", "office_kms_state=bogus")
    assert run.rc != 0
    assert "office_kms_state must be one of" in run.stdout + run.stderr
    assert lab.commands("pc16-lab") == []
    assert lab.requests("pc16-lab") == []


def first_changed(run, status=("ok",)):
    """Hosts whose office_kms task changed something (and ended with one of ``status``), read
    from the recorded results."""
    return sum(1 for r in run.records
               if r["task"].endswith(ACT) and r["result"].get("changed") and r["status"] in status)


OLDER_OFFICE = [
    # Office 2013 on Windows 8.1: in the Windows SPP (docs/licensing-facts.md §1.1).
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
    # Office 2016 on Windows 7 SP1: in osppsvc (docs/licensing-facts.md §1.1).
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


def test_role_activates_windows_too_when_asked_in_the_same_task_at_one_and_two_calls(ansible):
    """office_kms_windows: the role's one office_kms task manages Windows too; 2 calls for a
    host where both Office and Windows need work, 1 for a compliant host (WS-Man Command
    requests at the endpoint), as for Office alone."""
    with Lab.from_scenario("windows") as lab:
        host = "win11-office"
        first = ansible(lab, ACTIVATE, "--limit", host, "-e", "office_kms_windows=true")
        assert first.rc == 0, first.stdout[-3000:]
        assert lab.requests(host).count("Command") == 2
        assert calls(lab, host) == ["read", "write"]
        result = first.result(host, ACT)["result"]
        assert result["applications"]["office"]["changed"] and result["applications"]["windows"]["changed"]
        assert not any(r["action"].endswith("windows_kms") for r in first.records)
        summary = first.summary()[host]
        assert summary == expected_line(host, result)
        assert summary.startswith("%s: changed: ProPlus2024Volume" % host)
        assert " | Windows: changed: Windows(R), Education edition" in summary
        windows = [p for p in lab.state(host).products if p["ApplicationID"] == "55c92734-d682-4d71-983e-d6ec3f16059f"]
        assert [(p["LicenseStatus"], p["KeyManagementServiceMachine"]) for p in windows] == [
            (1, "kms.campus.example")]
        published = [r for r in first.records if r["task"].endswith("Publish the fleet summary")]
        assert published[0]["result"]["ansible_stats"]["data"]["office_kms"]["changed_hosts"] == [host]

        second = ansible(lab, ACTIVATE, "--limit", host, "-e", "office_kms_windows=true")
        assert lab.requests(host).count("Command") == 3  # one more: one read of both, nothing to do
        assert calls(lab, host)[2:] == ["read"]
        assert " | Windows: compliant: " in second.summary()[host]
        assert second.result(host, ACT)["result"]["changed"] is False


# -- odd facts and bad thresholds (issue 11) ----------------------------------------------------

# A virtual machine whose firmware states no processor speed: Win32_Processor.MaxClockSpeed
# null (tests/simlab/win32.py). Office LTSC 2024 on Windows 11, everything else well above
# the requirements.
NO_CLOCK = {"name": "pc24-vm-noclock", "client_machine_id": "3f0c6a3e-5f0b-4b7e-9b1e-0d6c1a2b0024",
            "cpu": {"mhz": None, "cores": 4, "sockets": 1},
            "office": [{"type": "ClickToRun", "version": "16.0.17932.20162", "bitness": "x64",
                        "product_ids": ["ProPlus2024Volume"]}],
            "products": [{"sku": "win11-edu-kms"}, {"sku": "office24-proplus-kms"}]}
CLOCK_UNKNOWN = "cpu_max_clock_mhz unknown (Win32_Processor.MaxClockSpeed not reported), needs 1600 MHz"


def lab_with(*hosts):
    with open(scenario_path("default"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["hosts"] += list(hosts)
    return Lab(parse(data))


def no_traceback(run):
    for text in (run.stdout, run.stderr):
        assert "Traceback" not in text and "Exception" not in text and "TemplateError" not in text, text[-3000:]


def custom_stats(run):
    """The custom stats ansible-playbook ends with (ANSIBLE_SHOW_CUSTOM_STATS=1): what AWX
    keeps as the job's artifacts, after every set_stats of the run."""
    _unused, found, after = run.stdout.partition("CUSTOM STATS")
    assert found, run.stdout[-3000:]
    text = after[after.index("RUN:") + len("RUN:"):].strip()
    return json.JSONDecoder().raw_decode(text)[0]


SHOW_STATS = {"ANSIBLE_SHOW_CUSTOM_STATS": "1"}


def test_a_host_whose_cpu_clock_is_null_is_activated_with_a_warning_naming_the_fact(ansible):
    with lab_with(NO_CLOCK) as lab:
        host = NO_CLOCK["name"]
        run = ansible(lab, ACTIVATE, "--limit", host)
        assert run.rc == 0, run.stdout[-3000:]
        no_traceback(run)
        result = run.result(host, ACT)["result"]
        assert result["requirements"]["shortfalls"] == []
        assert result["requirements"]["unknown"] == [CLOCK_UNKNOWN]
        [warning] = result["warnings"]
        assert warning.startswith("%s: Office LTSC 2024's system requirements could not all be checked: %s."
                                  % (host, CLOCK_UNKNOWN))
        assert "[WARNING]: %s: Office LTSC 2024's" % host in run.stdout + run.stderr
        assert "(NOT CHECKED: %s)" % CLOCK_UNKNOWN in run.summary()[host]
        assert result["changed"] is True and [p["LicenseStatus"] for p in office(lab, host)] == [1]


def test_strict_fails_a_host_whose_cpu_clock_is_null_and_changes_nothing(ansible):
    with lab_with(NO_CLOCK) as lab:
        host = NO_CLOCK["name"]
        before = copy.deepcopy(lab.state(host).products)
        run = ansible(lab, ACTIVATE, "--limit", "%s,pc07-activated" % host, "-e", "office_kms_requirements=strict")
        no_traceback(run)
        record = run.result(host, ACT)
        assert record["status"] == "failed"
        assert record["result"]["msg"].startswith(
            "%s: Office LTSC 2024's system requirements could not all be checked: %s. Nothing was changed on it"
            % (host, CLOCK_UNKNOWN))
        assert lab.state(host).products == before
        assert calls(lab, host) == ["read"]
        assert run.result("pc07-activated", ACT)["status"] == "ok"  # every fact known: strict passes it


BAD_THRESHOLDS = [
    ("office_kms_min_os_version=abc",
     "min_os_version (the role's office_kms_min_os_version): abc is not a Windows version: give major.minor or "
     "major.minor.build, such as 10.0 or 6.1.7601"),
    ("office_kms_min_os_version=10.0.22631.4460",
     "min_os_version (the role's office_kms_min_os_version): 10.0.22631.4460 is not a Windows version"),
    ("office_kms_min_cpu_mhz=-1",
     "min_cpu_mhz (the role's office_kms_min_cpu_mhz) must be a processor speed in MHz of 0 or more, as a whole "
     "number or ASCII digits; got '-1'"),
    ("office_kms_min_memory_mb=-4096",
     "min_memory_mb (the role's office_kms_min_memory_mb) must be a memory size in MB of 0 or more, as a whole "
     "number or ASCII digits; got '-4096'"),
]


@pytest.mark.parametrize(("variable", "words"), BAD_THRESHOLDS, ids=[v for v, _unused in BAD_THRESHOLDS])
def test_a_bad_threshold_fails_every_host_naming_the_variable_before_anything_is_sent(lab, ansible, variable, words):
    hosts = ["pc07-activated", "pc16-lab"]
    run = ansible(lab, ACTIVATE, "--limit", ",".join(hosts), "-e", variable, env=SHOW_STATS)
    assert run.rc == 2, run.stdout[-3000:]
    no_traceback(run)
    for host in hosts:
        record = run.result(host, ACT)
        assert record["status"] == "failed"
        message = record["result"]["msg"]
        assert message.startswith("Invalid option: " + words) and message.endswith(". Nothing was sent to %s." % host)
        assert lab.commands(host) == [] and lab.requests(host) == []
    # Every host failed: the report still ran (the role's always section), once, and says so.
    assert custom_stats(run)["office_kms"] == {
        "state": "activated", "hosts": 2, "changed": 0, "ok": 0, "failed": 2, "failed_hosts": hosts,
        "changed_hosts": []}
    assert len([r for r in run.records if r["task"].endswith("Publish the fleet summary")]) == 1
    lines = run.summary()
    for host in hosts:
        assert lines[host] == "%s: FAILED: %s" % (host, run.result(host, ACT)["result"]["msg"])


def test_a_bad_threshold_on_the_module_fails_each_host_naming_the_option(lab, ansible):
    run = ansible(lab, one_task("office_kms", "kms", kms_host="kms.campus.example", requirements="enforce",
                                min_os_version="abc"), "--limit", "pc16-lab,pc07-activated")
    no_traceback(run)
    for host in ("pc16-lab", "pc07-activated"):
        record = run.result(host, "kms")
        assert record["status"] == "failed"
        assert record["result"]["msg"] == (
            "Invalid option: min_os_version (the role's office_kms_min_os_version): abc is not a Windows version: give "
            "major.minor or major.minor.build, such as 10.0 or 6.1.7601. Nothing was sent to %s." % host)
        assert lab.commands(host) == []


def test_the_fleet_summary_is_published_when_every_host_fails(lab, ansible):
    """pc10 falls short of its requirements, pc16 cannot be reached: no host is left at the
    end of the play, and the job's artifacts still carry the summary."""
    run = ansible(lab, ACTIVATE, "--limit", "pc10-underpowered,pc16-lab", env=SHOW_STATS,
                  host_vars={"pc16-lab": {"ansible_port": 1}})
    assert (run.result("pc10-underpowered", ACT)["status"], run.result("pc16-lab", ACT)["status"]) == (
        "failed", "unreachable")
    assert custom_stats(run)["office_kms"] == {
        "state": "activated", "hosts": 2, "changed": 0, "ok": 0, "failed": 2,
        "failed_hosts": ["pc10-underpowered", "pc16-lab"], "changed_hosts": []}


def test_the_report_s_summary_replaces_the_first_when_a_host_is_left(lab, ansible):
    """pc16 is activated, pc10 falls short of its requirements, pc07 cannot be reached: the
    summary printed once has a line for each, the failed and unreachable ones with the reason
    their task gave, and the published counts add up."""
    hosts = "pc10-underpowered,pc16-lab,pc07-activated"
    run = ansible(lab, ACTIVATE, "--limit", hosts, env=SHOW_STATS, host_vars={"pc07-activated": {"ansible_port": 1}})
    [published] = [r for r in run.records if r["task"].endswith("Publish the fleet summary")]
    expected = {"state": "activated", "hosts": 3, "changed": 1, "ok": 0, "failed": 2,
                "failed_hosts": ["pc07-activated", "pc10-underpowered"], "changed_hosts": ["pc16-lab"]}
    assert published["result"]["ansible_stats"]["data"]["office_kms"] == expected
    assert custom_stats(run)["office_kms"] == expected
    lines = run.summary()
    assert sorted(lines) == sorted(hosts.split(","))
    # pc16 has office_kms_windows in the inventory: Office's outcome, then Windows'.
    sections = run.result("pc16-lab", ACT)["result"]["applications"]
    assert lines["pc16-lab"] == "pc16-lab: %s | Windows: %s" % (sections["office"]["msg"], sections["windows"]["msg"])
    assert lines["pc16-lab"].startswith("pc16-lab: changed: ProPlus2024Volume")
    for host, word in (("pc10-underpowered", "FAILED"), ("pc07-activated", "UNREACHABLE")):
        reason = run.result(host, ACT)["result"]["msg"]
        assert reason
        assert lines[host] == "%s: %s: %s" % (host, word, reason.replace("\n", " "))


WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
NOT_ENOUGH_COUNT = 0xC004F038  # SL_E_VL_NOT_ENOUGH_COUNT


def test_windows_refused_after_office_was_done_fails_the_host_and_its_line_shows_both(lab, ansible):
    """pc16 (office_kms_windows in the inventory): Office is activated, then the KMS host
    refuses Windows. The one task fails, its sections tell each application's outcome, the
    summary line shows both, and the host counts as failed and as changed."""
    [windows] = [p for p in lab.state("pc16-lab").products
                 if p["ApplicationID"] == WINDOWS_APP and p["PartialProductKey"]]
    windows["activation_error"] = NOT_ENOUGH_COUNT  # simlab-only switch, as in test_partial_failure.py
    run = ansible(lab, ACTIVATE, "--limit", "pc16-lab,pc19-lab", env=SHOW_STATS)
    no_traceback(run)
    assert run.rc == 2, run.stdout[-3000:]
    record = run.result("pc16-lab", ACT)
    assert record["status"] == "failed"
    sections = record["result"]["applications"]
    assert (sections["office"]["changed"], sections["office"]["failed"]) == (True, False)
    assert (sections["windows"]["failed"], sections["windows"]["error_code"]) == (True, "0xC004F038")
    assert [p["LicenseStatus"] for p in office(lab, "pc16-lab")] == [1]
    line = run.summary()["pc16-lab"]
    assert line == "pc16-lab: FAILED: Office: %s | Windows: %s" % (
        sections["office"]["msg"], sections["windows"]["msg"].replace("\n", " "))
    assert line.startswith("pc16-lab: FAILED: Office: changed: ProPlus2024Volume | Windows: Failed to activate ")
    assert custom_stats(run)["office_kms"] == {
        "state": "activated", "hosts": 2, "changed": 2, "ok": 0, "failed": 1, "failed_hosts": ["pc16-lab"],
        "changed_hosts": ["pc16-lab", "pc19-lab"]}
