"""Partial failure inside one host: of two products one activates and one fails. The task
reports both, fails, and the next run retries only the one that failed."""

from __future__ import annotations

from tests.integration.conftest import calls, invoked, kms_playbook

KMS = "kms.campus.example"
HOST = "pc01-ltsc2024-visio"  # ProPlus 2024 and Visio Pro 2024, neither activated yet
OTHER = "pc16-lab"
VISIO_SKU = "fa187091-8246-47b1-964f-80a0b1e5d69a"
PROPLUS_SKU = "8d368fc1-9470-4be2-8d66-90e836cbb051"
ID_MISMATCH = 0xC004F042  # SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH
PLAYBOOK = kms_playbook(kms_host=KMS)


def product(lab, sku):
    [found] = [p for p in lab.state(HOST).products if p["ID"].lower() == sku]
    return found


def test_one_product_fails_the_other_activates_and_the_next_run_retries_only_the_failed(lab, ansible):
    # simlab-only switch: the KMS host answers Visio's activation with this HRESULT.
    product(lab, VISIO_SKU)["activation_error"] = ID_MISMATCH
    run = ansible(lab, PLAYBOOK, "--limit", "%s,%s" % (HOST, OTHER))

    record = run.result(HOST, "kms")
    assert record["status"] == "failed"
    result = record["result"]
    assert result["changed"] is True  # ProPlus was set up and activated
    proplus, visio = result["products"]
    assert (proplus["family"], proplus["changed"], proplus["failed"]) == ("ProPlus2024Volume", True, False)
    assert [(s["action"], s["result"]) for s in proplus["steps"]] == [("set_host", "ok"), ("activate", "ok")]
    assert proplus["license_status"]["name"] == "Licensed"
    assert (visio["family"], visio["failed"]) == ("VisioPro2024Volume", True)
    assert [(s["action"], s["result"], s.get("error_code")) for s in visio["steps"]] == [
        ("set_host", "ok", None), ("activate", "failed", "0xC004F042")]
    assert (visio["error_code"], visio["error_name"]) == ("0xC004F042", "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH")
    assert visio["license_status"]["name"] == "OOBGrace"
    assert (result["error_code"], result["error_name"]) == (visio["error_code"], visio["error_name"])
    assert result["msg"].startswith("Failed to activate VisioPro2024Volume on %s: 0xC004F042" % HOST)
    assert "Volume License Pack" in result["msg"]
    # The emulated host agrees: one activated, the other set up but not activated.
    assert product(lab, PROPLUS_SKU)["LicenseStatus"] == 1
    assert (product(lab, VISIO_SKU)["KeyManagementServiceMachine"], product(lab, VISIO_SKU)["LicenseStatus"]) == (
        KMS, 2)
    assert run.result(OTHER, "kms")["status"] == "ok"
    # The switch never shows in what the host reports.
    assert "activation_error" not in str(run.records)

    del product(lab, VISIO_SKU)["activation_error"]
    again = ansible(lab, PLAYBOOK, "--limit", HOST)
    record = again.result(HOST, "kms")
    assert record["status"] == "ok"
    assert calls(lab, HOST)[-2:] == ["read", "write"]
    # Only Visio is activated again (then the status refreshed, as slmgr.vbs does).
    assert invoked(lab, HOST) == [("SoftwareLicensingProduct", "Activate", "ID='%s'" % VISIO_SKU),
                                  ("SoftwareLicensingService", "RefreshLicenseStatus", None)]
    proplus, visio = record["result"]["products"]
    assert (proplus["changed"], visio["changed"]) == (False, True)
    assert record["result"]["msg"] == "changed: VisioPro2024Volume; compliant: ProPlus2024Volume"
    assert product(lab, VISIO_SKU)["LicenseStatus"] == 1

    third = ansible(lab, PLAYBOOK, "--limit", HOST)
    assert third.result(HOST, "kms")["result"]["changed"] is False
    assert third.result(HOST, "kms")["result"]["remote_calls"] == 1
