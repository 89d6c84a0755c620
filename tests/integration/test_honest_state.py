"""Honest state after faults (issue 11): whatever happens to the apply call, office_kms's
result says what the host now shows (the lab's state afterwards), never hides a change, and
transport failures read one way for every module. End to end through WinRM."""

from __future__ import annotations

import copy
import json

import pytest

from tests.integration.conftest import calls, kms_playbook, one_task
from tests.simlab.lab import Lab

KMS = "kms.campus.example"
HOST = "pc02-ltsc2021"  # Office LTSC 2021 in its grace period: set_host, then activate
OFFICE_APPS = {"0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"}


@pytest.fixture
def lab():
    with Lab.from_scenario("default") as running:
        yield running


def office(lab, host=HOST):
    [found] = [p for p in lab.state(host).products
               if p["ApplicationID"].lower() in OFFICE_APPS and p["PartialProductKey"]]
    return found


def run_kms(lab, ansible):
    run = ansible(lab, kms_playbook(kms_host=KMS), "--limit", HOST)
    return run.result(HOST, "kms")


def converges(lab, ansible):
    """Once the fault is gone, the next run finishes what was left and the one after is ok."""
    lab.state(HOST).faults.clear()
    ansible(lab, kms_playbook(kms_host=KMS), "--limit", HOST)
    assert (office(lab)["LicenseStatus"], office(lab)["KeyManagementServiceMachine"]) == (1, KMS)
    again = run_kms(lab, ansible)
    assert again["status"] == "ok" and again["result"]["changed"] is False


@pytest.mark.parametrize("fault", ["reply_lost", "truncated_json", "malformed_json"])
def test_reply_lost_after_the_last_step_is_reported_as_the_change_it_was(lab, ansible, fault):
    lab.state(HOST).faults[fault] = "invoke"
    record = run_kms(lab, ansible)
    result = record["result"]
    # The host did everything: the task says so (changed), and warns that the reply was lost.
    assert (office(lab)["LicenseStatus"], office(lab)["KeyManagementServiceMachine"]) == (1, KMS)
    assert record["status"] == "ok" and result["changed"] is True, result
    [product] = result["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("activate", "ok")]
    assert product["license_status"]["name"] == "Licensed" and product["left_undone"] == []
    assert result["remote_calls"] == 3 and calls(lab, HOST) == ["read", "write", "read"]
    assert any("shows every step done" in w for w in result["warnings"]), result["warnings"]
    converges(lab, ansible)


def test_reply_cut_short_midway_reports_what_was_done_and_what_was_left(lab, ansible):
    """The activation failed on the host and the reply never came whole: read again, the host
    shows its KMS host set (a change) and the activation left undone."""
    lab.state(HOST).faults.update(truncated_json="invoke", cim_errors=[
        {"method": "Activate", "hresult": 0xC004F074}])
    record = run_kms(lab, ansible)
    result = record["result"]
    assert record["status"] == "failed"
    assert result["changed"] is True  # the KMS host was set: never hidden
    assert (office(lab)["LicenseStatus"], office(lab)["KeyManagementServiceMachine"]) == (2, KMS)
    [product] = result["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("activate", "not run")]
    assert product["left_undone"] == ["activate"] and product["changed"] is True
    assert "Read again afterwards, the host shows: ProPlus2021Volume: done set_host." in result["msg"]
    assert "Left undone: ProPlus2021Volume: activate. Run the task again" in result["msg"]
    converges(lab, ansible)


def test_a_terminating_error_midway_keeps_what_was_done(lab, ansible):
    lab.state(HOST).faults["cim_errors"] = [{"method": "Activate", "hresult": 0xC004F074}]
    result = run_kms(lab, ansible)["result"]
    assert result["changed"] is True and result["remote_calls"] == 2
    [product] = result["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("activate", "failed")]
    assert office(lab)["KeyManagementServiceMachine"] == KMS
    converges(lab, ansible)


def test_nothing_ran_says_nothing_changed(lab, ansible):
    """PowerShell stopped before running the apply program: nothing changed, which a second
    read shows (an error record does not prove that nothing ran)."""
    before = copy.deepcopy(office(lab))
    lab.state(HOST).faults["clixml_error"] = "invoke"
    record = run_kms(lab, ansible)
    assert record["status"] == "failed" and record["result"]["changed"] is False
    assert "the host shows: nothing was changed. Left undone: " in record["result"]["msg"]
    assert office(lab) == before and calls(lab, HOST) == ["read", "write", "read"]
    converges(lab, ansible)


@pytest.mark.parametrize("fault", ["killed_after_run", "error_after_run"])
def test_a_process_ended_after_its_changes_reports_them(lab, ansible, fault):
    """The apply program ran its CIM calls, then its process was ended before it printed (a
    WinRM quota or shell timeout): no output, or only an error record. The module reads the
    host again and reports the change it shows, never "nothing was changed"."""
    lab.state(HOST).faults[fault] = "invoke"
    record = run_kms(lab, ansible)
    result = record["result"]
    assert office(lab)["KeyManagementServiceMachine"] == KMS and office(lab)["LicenseStatus"] == 1
    assert result["changed"] is True and record["status"] == "ok", result
    assert "Nothing was changed" not in json.dumps(result)
    [product] = result["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("activate", "ok")]
    assert calls(lab, HOST) == ["read", "write", "read"] and result["remote_calls"] == 3
    assert any("the host shows every step done" in w for w in result.get("warnings", [])), result
    converges(lab, ansible)


def test_connection_dropped_before_the_apply_ran(lab, ansible):
    before = copy.deepcopy(office(lab))
    lab.state(HOST).faults["dropped_unrun"] = "invoke"
    record = run_kms(lab, ansible)
    result = record["result"]
    assert record["status"] == "failed" and result["changed"] is False
    assert office(lab) == before
    assert "the apply call failed: the connection was closed before the host's reply arrived" in result["msg"]
    assert "the host shows: nothing was changed. Left undone: ProPlus2021Volume: set_host, activate" in result["msg"]
    assert result["transport_error"] == "dropped" and result["remote_calls"] == 3
    converges(lab, ansible)


def test_state_unknown_when_the_second_read_fails_too(lab, ansible):
    # Strikes only the re-read, the third command (read, write whose reply is lost, read again):
    # its first query fails.
    third = len(lab.commands(HOST)) + 3
    lab.state(HOST).faults.update(reply_lost="invoke", cim_errors=[
        {"query": True, "command": third, "times": 1, "hresult": 0x80070005}])
    record = run_kms(lab, ansible)
    result = record["result"]
    assert record["status"] == "failed"
    assert result["state_unknown"] is True and result["changed"] is True  # may have changed: never hidden
    assert "its state is unknown and some steps may have been done. Run the task again" in result["msg"]
    assert office(lab)["LicenseStatus"] == 1  # it had in fact been done
    converges(lab, ansible)


@pytest.mark.parametrize("module", ["office_kms_info", "office_kms", "windows_kms"])
def test_a_dropped_connection_reads_the_same_for_every_module(lab, ansible, module):
    lab.state(HOST).faults["drop"] = True
    options = {"kms_host": KMS} if module != "office_kms_info" else {}
    run = ansible(lab, one_task(module, "task", **options), "--limit", HOST)
    record = run.result(HOST, "task")
    assert record["status"] == "unreachable", record
    msg = record["result"]["msg"]
    assert msg.startswith("Cannot read %s (step: read the host): the connection was closed before the host's "
                          "reply arrived" % HOST), msg
    assert "HTTPConnectionPool" not in msg and "RemoteDisconnected" not in msg
    assert ("Nothing was changed." in msg) is (module != "office_kms_info")
    assert lab.commands(HOST) == []


def test_the_role_summary_lists_a_host_that_failed_after_a_change(lab, ansible):
    """set_stats (what AWX keeps): a host that failed after its KMS host was set is in
    changed_hosts as well as in failed_hosts."""
    lab.state(HOST).faults.update(truncated_json="invoke", cim_errors=[
        {"method": "Activate", "hresult": 0xC004F074}])
    run = ansible(lab, "playbooks/activate.yml", "--limit", "%s,pc07-activated" % HOST,
                  env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
    _unused, found, after = run.stdout.partition("CUSTOM STATS")
    assert found, run.stdout[-3000:]
    stats = json.JSONDecoder().raw_decode(after[after.index("RUN:") + len("RUN:"):].strip())[0]["office_kms"]
    assert stats["failed_hosts"] == [HOST]
    assert stats["changed_hosts"] == [HOST] and stats["changed"] == 1
    assert stats["ok"] == 1  # pc07 was already activated
    assert office(lab)["KeyManagementServiceMachine"] == KMS


# Small WinRM timeouts: a hung reply must end the call, not the run.
TIMEOUTS = {"ansible_winrm_read_timeout_sec": 3, "ansible_winrm_operation_timeout_sec": 2}


# fault -> (its value, the WS-Man action it strikes, the transport_error it gives)
APPLY_FAULTS = {
    "unauthorized": (True, "Command", "credentials"),
    "slow": (60, "Receive", "timeout"),
    "drop": (True, "Receive", "dropped"),
    "soap_fault": (True, "Command", "winrm_fault"),
}


@pytest.mark.parametrize("fault", list(APPLY_FAULTS))
def test_a_transport_failure_during_the_apply_call_is_followed_by_a_read(lab, ansible, fault):
    """The fault strikes the apply call only (after the first command, once): the module reads
    the host again and reports what it shows, here that nothing ran, as the lab confirms."""
    before = copy.deepcopy(office(lab))
    value, action, kind = APPLY_FAULTS[fault]
    lab.state(HOST).faults[fault] = {"value": value, "after_commands": 1, "times": 1, "on": action}
    run = ansible(lab, kms_playbook(kms_host=KMS), "--limit", HOST, host_vars={HOST: TIMEOUTS})
    record = run.result(HOST, "kms")
    result = record["result"]
    assert record["status"] == "failed" and result["changed"] is False, result
    assert (result["transport_error"], result["remote_calls"], result["state_unknown"]) == (kind, 3, False)
    assert office(lab) == before and calls(lab, HOST) == ["read", "read"]
    assert result["msg"].startswith("Could not confirm the plan on %s (step: apply the plan): the apply call failed: "
                                    % HOST), result["msg"]
    assert ("Read again afterwards, the host shows: nothing was changed. Left undone: ProPlus2021Volume: set_host, "
            "activate. Run the task again") in result["msg"]
    converges(lab, ansible)
