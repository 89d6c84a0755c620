"""The office_kms role through playbooks/activate.yml, end to end against tests/simlab."""

from __future__ import annotations

import copy

from tests.integration.conftest import calls
from tests.simlab.scenario import load

ACTIVATE = "playbooks/activate.yml"
HOSTS = [h.name for h in load("default").hosts]
VERIFY = "Stop a host below the requirements"
WARN = "Warn about a host below the requirements"
SUMMARY = "Summarise the host"
ACT = "Point Office at the KMS host and activate what needs it"
PC10_SHORTFALLS = ["CPU 1100 MHz, needs 1600 MHz", "1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB",
                   "2500 MB free on C:, needs 4096 MB"]


def test_enforce_fails_with_every_shortfall_in_one_message_and_changes_nothing(lab, ansible):
    before = copy.deepcopy(lab.state("pc10-underpowered").products)
    run = ansible(lab, ACTIVATE, "--limit", "pc10-underpowered,pc16-lab")
    record = run.result("pc10-underpowered", VERIFY)
    assert record["status"] == "failed"
    message = record["result"]["msg"]
    for shortfall in PC10_SHORTFALLS:
        assert shortfall in message
    assert "office_kms_requirements: warn" in message
    assert lab.state("pc10-underpowered").products == before
    assert calls(lab, "pc10-underpowered") == ["read"]
    assert run.result("pc16-lab", ACT)["status"] == "ok"  # the other host finishes


def test_warn_lists_the_shortfalls_and_activates(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc10-underpowered", "-e", "office_kms_requirements=warn")
    warning = run.result("pc10-underpowered", WARN)["result"]["msg"]
    assert warning.startswith("WARNING")
    for shortfall in PC10_SHORTFALLS:
        assert shortfall in warning
    assert run.result("pc10-underpowered", ACT)["result"]["changed"] is True
    office = [p for p in lab.state("pc10-underpowered").products if p["Name"].startswith("Office")]
    assert [p["LicenseStatus"] for p in office] == [1]


def test_windows_7_host_is_flagged_by_its_host_vars_and_activated(lab, ansible):
    run = ansible(lab, ACTIVATE, "--limit", "pc05-office2010-win7")
    assert "needs Windows 10.0 or later" in run.result("pc05-office2010-win7", WARN)["result"]["msg"]
    assert run.result("pc05-office2010-win7", ACT)["result"]["changed"] is True


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
