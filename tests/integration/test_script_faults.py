"""Script-level faults end to end: a host whose scripts fail, or whose replies arrive garbled,
fails alone with a message naming host, step and cause; nothing is half-done on it; the
other hosts of the run finish; once the fault is cleared the host converges.

The faults are the lab's (tests/simlab), set live in HostState.faults.
"""

from __future__ import annotations

import copy

import pytest

from tests.integration.conftest import calls, kms_playbook

KMS = "kms.campus.example"
FAULTY = "pc16-lab"
HEALTHY = "pc17-lab"
LIMIT = "%s,%s" % (FAULTY, HEALTHY)
OFFICE_APPS = {"0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"}

# Both modules in one run: office_kms_info's failure must not keep office_kms from running.
BOTH = """
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      volume_licensing.kms.office_kms_info:
        kms_host: %(kms)s
      ignore_errors: true
    - name: kms
      volume_licensing.kms.office_kms:
        kms_host: %(kms)s
""" % {"kms": KMS}
KMS_ONLY = kms_playbook(kms_host=KMS)

GARBLED = "the host's reply was not the JSON document the executor prints: it was cut short or garbled"
INSPECT_STEP = "read the host"
SPP_STEP = "read licensing products (Software Protection service)"

# fault -> (step, words the message must hold, error_code, error_name, words of error_hint)
INSPECT_FAULTS = {
    "malformed_json": ({"malformed_json": True}, INSPECT_STEP, [GARBLED, "Run the task again"],
                       None, None, "WinRM connection"),
    "truncated_json": ({"truncated_json": True}, INSPECT_STEP, [GARBLED, "Run the task again"],
                       None, None, "WinRM connection"),
    "clixml_error": ({"clixml_error": True}, INSPECT_STEP,
                     ["PowerShell stopped before it printed a result (exit code 1)",
                      "The term 'ConvertTo-Json' is not recognized", "PowerShell 3.0 or later"],
                     None, None, "PowerShell 3.0"),
    "access_denied": ({"access_denied": True}, SPP_STEP,
                      ["Access denied.", "0x80070005 E_ACCESSDENIED", "local administrator"],
                      "0x80070005", "E_ACCESSDENIED", "local administrator"),
    "service_disabled": ({"licensing_service": "disabled"}, SPP_STEP,
                         ["because it is disabled", "0x80070422 ERROR_SERVICE_DISABLED", "sppsvc"],
                         "0x80070422", "ERROR_SERVICE_DISABLED", "Software Protection service (sppsvc)"),
    "service_missing": ({"licensing_service": "missing"}, SPP_STEP,
                        ["Invalid class", "0x80041010 WBEM_E_INVALID_CLASS", "sppwmi.mof"],
                        "0x80041010", "WBEM_E_INVALID_CLASS", "sppwmi.mof"),
}


def office(lab, host):
    return [p for p in lab.state(host).products if p["ApplicationID"].lower() in OFFICE_APPS and p["PartialProductKey"]]


def assert_failure(record, prefix, expected):
    """``expected``: (step, words the message holds, error_code, error_name, words of error_hint)."""
    step, words, code, name, hint = expected
    assert record["status"] == "failed", record
    result = record["result"]
    msg = result["msg"]
    assert msg.startswith("%s (step: %s): " % (prefix, step)), msg
    for part in words:
        assert part in msg, (part, msg)
    for raw in ("#< CLIXML", "_x000D_", "Traceback", "\\u0000"):
        assert raw not in msg, msg
    assert (result["error_code"], result["error_name"]) == (code, name)
    assert hint in result["error_hint"]
    assert result["changed"] is False


def assert_converges(lab, ansible):
    """With the fault cleared: activated by the next run, nothing to do on the one after."""
    again = ansible(lab, KMS_ONLY, "--limit", FAULTY)
    record = again.result(FAULTY, "kms")
    assert record["status"] == "ok", record
    assert [p["LicenseStatus"] for p in office(lab, FAULTY)] == [1]
    assert office(lab, FAULTY)[0]["KeyManagementServiceMachine"] == KMS
    third = ansible(lab, KMS_ONLY, "--limit", FAULTY)
    assert third.result(FAULTY, "kms")["status"] == "ok"
    assert third.result(FAULTY, "kms")["result"]["changed"] is False


@pytest.mark.parametrize("fault", list(INSPECT_FAULTS))
def test_inspect_fault_fails_that_host_alone_then_converges(lab, ansible, fault):
    faults, *expected = INSPECT_FAULTS[fault]
    before = copy.deepcopy(lab.state(FAULTY).products)
    lab.state(FAULTY).faults.update(faults)

    run = ansible(lab, BOTH, "--limit", LIMIT)
    info, kms = run.result(FAULTY, "info"), run.result(FAULTY, "kms")
    assert_failure(info, "Failed to inspect %s" % FAULTY, expected)
    assert info["result"]["remote_calls"] == 1
    assert "products" not in info["result"]
    assert_failure(kms, "Failed to inspect %s" % FAULTY, expected)
    assert kms["result"]["msg"].endswith("Nothing was changed.")
    assert calls(lab, FAULTY) == ["read"] * 2  # no apply
    assert lab.state(FAULTY).products == before  # nothing half-done
    # The other host of the same run finishes normally.
    assert run.result(HEALTHY, "info")["status"] == "ok"
    assert run.result(HEALTHY, "kms")["status"] == "ok"
    assert run.result(HEALTHY, "kms")["result"]["changed"] is True
    assert [p["LicenseStatus"] for p in office(lab, HEALTHY)] == [1]

    lab.state(FAULTY).faults.clear()
    assert_converges(lab, ansible)


def test_access_denied_on_apply_names_the_step_and_changes_nothing(lab, ansible):
    """An account that may read licensing data but not change it (not an administrator, or
    filtered by remote UAC): the first licensing call answers SL_E_LUA_ACCESSDENIED."""
    before = copy.deepcopy(lab.state(FAULTY).products)
    lab.state(FAULTY).faults["access_denied"] = "invoke"
    run = ansible(lab, BOTH, "--limit", LIMIT)
    assert run.result(FAULTY, "info")["status"] == "ok"  # reading is allowed
    record = run.result(FAULTY, "kms")
    assert record["status"] == "failed"
    result = record["result"]
    assert result["msg"].startswith(
        "Failed to set the KMS host of ProPlus2024Volume on %s: 0xC004F025 SL_E_LUA_ACCESSDENIED" % FAULTY)
    assert "local administrator" in result["msg"]
    assert (result["error_code"], result["error_name"]) == ("0xC004F025", "SL_E_LUA_ACCESSDENIED")
    [product] = result["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "failed"), ("activate", "not run")]
    assert result["changed"] is False
    assert lab.state(FAULTY).products == before
    assert run.result(HEALTHY, "kms")["result"]["changed"] is True

    lab.state(FAULTY).faults.clear()
    assert_converges(lab, ansible)


def test_clixml_error_on_apply_changes_nothing_and_says_what_to_do(lab, ansible):
    """PowerShell stopped before the apply program ran: nothing was changed, and the module
    says so from a second read (an error record alone cannot prove that nothing ran)."""
    before = copy.deepcopy(lab.state(FAULTY).products)
    lab.state(FAULTY).faults["clixml_error"] = "invoke"
    run = ansible(lab, KMS_ONLY, "--limit", LIMIT)
    record = run.result(FAULTY, "kms")
    assert_failure(record, "Could not confirm the plan on %s" % FAULTY, (
        "apply the plan",
        ["PowerShell stopped before it printed a result", "ConvertTo-Json",
         "the host shows: nothing was changed. Left undone: "],
        None, None, "PowerShell 3.0"))
    assert record["result"]["remote_calls"] == 3
    assert lab.state(FAULTY).products == before
    assert run.result(HEALTHY, "kms")["status"] == "ok"

    lab.state(FAULTY).faults.clear()
    assert_converges(lab, ansible)


def test_reply_cut_short_after_apply_ran_is_reported_and_the_next_run_sees_it_done(lab, ansible):
    """The apply program ran, but its reply was lost half-way: the task reads the host again,
    reports the change the host shows (never hidden), and the next run finds it compliant."""
    lab.state(FAULTY).faults["truncated_json"] = "invoke"
    run = ansible(lab, KMS_ONLY, "--limit", LIMIT)
    record = run.result(FAULTY, "kms")
    assert record["status"] == "ok" and record["result"]["changed"] is True, record
    [warning] = [w for w in record["result"]["warnings"] if "Could not confirm the plan on %s" % FAULTY in w]
    assert GARBLED in warning and "the host shows every step done" in warning
    assert record["result"]["remote_calls"] == 3
    # Every planned step ran (the emulated licensing calls are atomic): nothing half-applied.
    [product] = office(lab, FAULTY)
    assert (product["KeyManagementServiceMachine"], product["LicenseStatus"]) == (KMS, 1)

    lab.state(FAULTY).faults.clear()
    again = ansible(lab, KMS_ONLY, "--limit", FAULTY)
    assert again.result(FAULTY, "kms")["status"] == "ok"
    assert again.result(FAULTY, "kms")["result"]["changed"] is False
    assert again.result(FAULTY, "kms")["result"]["remote_calls"] == 1


@pytest.mark.parametrize(("host", "msg"), [
    ("pc11-no-office", "Office is not installed on this host: nothing to activate"),
    ("pc12-m365-apps", "only Microsoft 365 Apps (subscription) are installed: KMS does not manage them, "
                       "nothing to do"),
])
def test_host_without_office_to_manage_is_ok_and_says_so(lab, ansible, host, msg):
    run = ansible(lab, KMS_ONLY, "--limit", host)
    record = run.result(host, "kms")
    assert record["status"] == "ok"
    assert record["result"]["changed"] is False
    assert record["result"]["msg"] == msg


def test_office_without_a_keyed_licence_is_ok_and_says_so(lab, ansible):
    for product in office(lab, FAULTY):
        product["PartialProductKey"] = None  # the licence is installed, no key is
    run = ansible(lab, KMS_ONLY, "--limit", FAULTY)
    record = run.result(FAULTY, "kms")
    assert record["status"] == "ok"
    assert record["result"]["msg"] == ("Office is installed (ProPlus2024Volume) but has no volume licence with a "
                                       "product key: nothing to activate")
