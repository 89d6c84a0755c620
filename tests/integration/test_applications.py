"""office_kms with applications: [office, windows] end to end: Office and Windows read by one
program and changed by one, through WinRM, on tests/simlab/scenarios/windows.yml."""

from __future__ import annotations

import copy

import pytest

from tests.integration.conftest import calls, invoked, one_task
from tests.simlab.lab import Lab

KMS = "kms.campus.example"
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
LICENSING = ("SoftwareLicensing", "OfficeSoftwareProtection")
HOST = "win11-office"  # Windows 11 Education and Office LTSC 2024, neither activated


@pytest.fixture
def lab():
    with Lab.from_scenario("windows") as running:
        yield running


def both(**options) -> str:
    return one_task("office_kms", "kms", applications="[office, windows]", **options)


def product(lab, host, app):
    [found] = [p for p in lab.state(host).products if p["ApplicationID"].lower() == app and p["PartialProductKey"]]
    return found


def queries(lab: Lab, host: str, since: int = 0) -> list[str]:
    """The classes of the CIM queries the host answered (after the first ``since``)."""
    return [entry["class"] for entry in lab.cim_log(host)[since:] if entry["kind"] == "query"]


def test_office_and_windows_in_one_read_and_one_write_then_one_call(lab, ansible):
    run = ansible(lab, both(kms_host=KMS), "--limit", HOST)
    record = run.result(HOST, "kms")
    assert record["status"] == "ok", record
    result = record["result"]
    assert {p["application"] for p in result["products"]} == {"office", "windows"}
    assert all(p["license_status"]["name"] == "Licensed" and p["kms_host"] == KMS for p in result["products"])
    assert (result["changed"], result["remote_calls"]) == (True, 2)
    assert calls(lab, HOST) == ["read", "write"]
    # Both products' methods in the one write program, each on its own product.
    methods = [(cls, method) for cls, method, _where in invoked(lab, HOST)]
    assert methods.count(("SoftwareLicensingProduct", "Activate")) == 2
    assert (product(lab, HOST, OFFICE_APP)["LicenseStatus"], product(lab, HOST, WINDOWS_APP)["LicenseStatus"]) == (1, 1)
    sections = result["applications"]
    assert set(sections) == {"office", "windows"}
    assert sections["office"]["changed"] is True and sections["office"]["failed"] is False
    assert sections["office"]["msg"].startswith("changed: ProPlus2024Volume")
    assert sections["windows"]["msg"].startswith("changed: ")
    assert result["msg"] == "Office: %s | Windows: %s" % (sections["office"]["msg"], sections["windows"]["msg"])
    assert "remaining_windows_rearm_count" in result  # with windows managed, as windows_kms returns it

    # Compliant: one WinRM command, one read of the products of both applications, no KMS contact.
    seen = len(lab.cim_log(HOST))
    contacts = lab.kms(KMS).contacts
    again = ansible(lab, both(kms_host=KMS), "--limit", HOST)
    result = again.result(HOST, "kms")["result"]
    assert (result["changed"], result["remote_calls"]) == (False, 1)
    assert calls(lab, HOST) == ["read", "write", "read"]
    licensing = [cls for cls in queries(lab, HOST, seen) if cls.startswith(LICENSING)]
    assert len(licensing) <= 2, licensing
    assert licensing.count("SoftwareLicensingProduct") == 1
    assert lab.kms(KMS).contacts == contacts
    assert result["applications"]["windows"]["msg"].startswith("compliant: ")


def test_check_mode_plans_both_and_changes_nothing(lab, ansible):
    before = copy.deepcopy(lab.state(HOST).products)
    run = ansible(lab, both(kms_host=KMS), "--limit", HOST, "--check")
    result = run.result(HOST, "kms")["result"]
    assert result["changed"] is True
    assert result["applications"]["office"]["msg"].startswith("would change: ")
    assert result["applications"]["windows"]["msg"].startswith("would change: ")
    assert lab.state(HOST).products == before
    assert calls(lab, HOST) == ["read"]


def test_office_only_leaves_windows_alone(lab, ansible):
    run = ansible(lab, one_task("office_kms", "kms", kms_host=KMS), "--limit", HOST)
    result = run.result(HOST, "kms")["result"]
    assert {p["application"] for p in result["products"]} == {"office"}
    assert set(result["applications"]) == {"office"}
    assert product(lab, HOST, WINDOWS_APP)["LicenseStatus"] != 1
    windows_sku = product(lab, HOST, WINDOWS_APP)["ID"]
    assert all(windows_sku not in (where or "") for _cls, _method, where in invoked(lab, HOST))


def test_windows_product_key_auto_converts_a_mak_windows(lab, ansible):
    """windows_product_key: auto installs the published key on Windows; Office is not installed
    there, which its section says."""
    host = "win11-mak"
    run = ansible(lab, both(kms_host=KMS, windows_product_key="auto"), "--limit", host)
    result = run.result(host, "kms")["result"]
    [done] = result["products"]
    assert done["application"] == "windows"
    assert [s["action"] for s in done["steps"]][0] == "install_key"
    # Windows 11 Pro's published KMS client key (gvlk_windows.py), shown by its last five only.
    assert done["steps"][0]["key"] == "T83GX"
    assert result["applications"]["office"]["msg"] == "Office is not installed on this host: nothing to activate"
    assert result["applications"]["windows"]["changed"] is True


@pytest.mark.parametrize(("options", "words"), [
    ({"windows_product_key": "auto"}, "windows_product_key applies to Windows, but applications does not include"),
    ({"applications": "[]"}, "applications must name at least one of office, windows"),
    ({"applications": "[office, linux]"}, "applications"),
    ({"applications": "[windows]", "products": "[ProPlus2024Volume]"}, "products applies to Office's products"),
])
def test_bad_applications_are_refused_before_anything_is_sent(lab, ansible, options, words):
    run = ansible(lab, one_task("office_kms", "kms", kms_host=KMS, **options), "--limit", HOST)
    record = run.result(HOST, "kms")
    assert record["status"] == "failed"
    assert words in record["result"]["msg"]
    assert "Nothing was sent to %s" % HOST in record["result"]["msg"]
    assert lab.commands(HOST) == []


def test_a_windows_failure_fails_the_task_and_names_windows_while_office_is_done(lab, ansible):
    """A KMS host that has counted 10 clients activates Office (5 needed) and refuses a Windows
    client (25 needed, docs/licensing-facts.md §7.2): the task fails, its Windows section says why
    with the HRESULT, its Office section says what was done, and Office's activation is not
    hidden."""
    lab.kms(KMS).current_count = 10
    run = ansible(lab, both(kms_host=KMS), "--limit", HOST)
    record = run.result(HOST, "kms")
    assert record["status"] == "failed"
    result = record["result"]
    assert result["changed"] is True
    office, windows = result["applications"]["office"], result["applications"]["windows"]
    assert (office["failed"], office["changed"]) == (False, True)
    assert office["msg"].startswith("changed: ProPlus2024Volume")
    assert windows["failed"] is True
    assert (windows["error_code"], windows["error_name"]) == ("0xC004F038", "SL_E_VL_NOT_ENOUGH_COUNT")
    assert windows["msg"].startswith("Failed to activate Windows")
    assert (result["error_code"], result["msg"]) == ("0xC004F038", windows["msg"])
    assert (product(lab, HOST, OFFICE_APP)["LicenseStatus"], product(lab, HOST, WINDOWS_APP)["LicenseStatus"]) != (1, 1)
    assert product(lab, HOST, OFFICE_APP)["LicenseStatus"] == 1
