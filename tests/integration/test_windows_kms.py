"""windows_kms end to end: KMS client activation of Windows itself, through WinRM, on the
simulated Windows versions of tests/simlab/scenarios/windows.yml."""

from __future__ import annotations

import copy

import pytest

from tests.integration.conftest import calls, invoked, one_task
from tests.simlab.lab import Lab

KMS = "kms.campus.example"
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
VERSIONS = ["win7-pro", "win81-pro", "win10-ent", "win11-edu", "srv2012r2-std", "srv2019-dc", "srv2022-std",
            "srv2025-std"]


@pytest.fixture
def lab():
    with Lab.from_scenario("windows") as running:
        yield running


def windows(**options) -> str:
    return one_task("windows_kms", "win", **options)


def office(**options) -> str:
    return one_task("office_kms", "office", **options)


def product(lab, host, app=WINDOWS_APP):
    """The host's keyed product of an application, as the lab holds it."""
    [found] = [p for p in lab.state(host).products if p["ApplicationID"].lower() == app and p["PartialProductKey"]]
    return found


@pytest.mark.parametrize("host", VERSIONS)
def test_activates_each_windows_version_then_changes_nothing(lab, ansible, host):
    before = copy.deepcopy(lab.state(host).products)
    checked = ansible(lab, windows(kms_host=KMS), "--limit", host, "--check")
    assert checked.result(host, "win")["result"]["changed"] is True
    assert lab.state(host).products == before  # check mode changed nothing

    run = ansible(lab, windows(kms_host=KMS), "--limit", host)
    record = run.result(host, "win")
    assert record["status"] == "ok", record
    result = record["result"]
    [done] = result["products"]
    assert (done["application"], done["license_status"]["name"], done["kms_host"]) == ("windows", "Licensed", KMS)
    assert [(s["action"], s["result"]) for s in done["steps"]] == [("set_host", "ok"), ("activate", "ok")]
    assert (result["changed"], result["remote_calls"]) == (True, 2)
    assert (product(lab, host)["LicenseStatus"], product(lab, host)["KeyManagementServiceMachine"]) == (1, KMS)
    # The KMS host is set on the Windows product, as slmgr /skms host <ActivationID> does.
    sku = "ID='%s'" % done["sku_id"]
    assert invoked(lab, host) == [("SoftwareLicensingProduct", "SetKeyManagementServiceMachine", sku),
                                  ("SoftwareLicensingProduct", "Activate", sku),
                                  ("SoftwareLicensingService", "RefreshLicenseStatus", None)]

    again = ansible(lab, windows(kms_host=KMS), "--limit", host)
    result = again.result(host, "win")["result"]
    assert (result["changed"], result["remote_calls"]) == (False, 1)
    assert result["msg"].startswith("compliant: ")
    assert calls(lab, host) == ["read", "read", "write", "read"]

    gone = ansible(lab, windows(state="absent"), "--limit", host)
    assert [s["action"] for s in gone.result(host, "win")["result"]["products"][0]["steps"]] == ["clear_host"]
    assert (product(lab, host)["KeyManagementServiceMachine"], product(lab, host)["LicenseStatus"]) == (None, 1)


def test_check_mode_plans_and_changes_nothing(lab, ansible):
    before = copy.deepcopy(lab.state("win11-edu").products)
    run = ansible(lab, windows(kms_host=KMS), "--limit", "win11-edu", "--check", "--diff")
    result = run.result("win11-edu", "win")["result"]
    assert result["changed"] is True
    assert [(s["action"], s["result"]) for s in result["products"][0]["steps"]] == [
        ("set_host", "planned"), ("activate", "planned")]
    assert "kms_host=kms.campus.example" in result["diff"]["after"]
    assert lab.state("win11-edu").products == before
    assert calls(lab, "win11-edu") == ["read"]


def test_absent_clears_the_windows_product_s_kms_host(lab, ansible):
    ansible(lab, windows(kms_host=KMS, kms_port=1689, state="configured"), "--limit", "win10-activated")
    assert product(lab, "win10-activated")["KeyManagementServicePort"] == 1689
    run = ansible(lab, windows(state="absent"), "--limit", "win10-activated")
    [done] = run.result("win10-activated", "win")["result"]["products"]
    assert [s["action"] for s in done["steps"]] == ["clear_host", "clear_port"]
    assert (product(lab, "win10-activated")["KeyManagementServiceMachine"],
            product(lab, "win10-activated")["KeyManagementServicePort"]) == (None, 0)
    assert product(lab, "win10-activated")["LicenseStatus"] == 1  # activation is left as it is


def test_mak_is_left_alone_and_auto_converts_it_with_the_published_key(lab, ansible):
    run = ansible(lab, windows(kms_host=KMS), "--limit", "win11-mak")
    result = run.result("win11-mak", "win")["result"]
    assert result["changed"] is False and result["products"] == []
    [left] = result["untouched"]
    assert left["reason"].startswith("VOLUME_MAK channel: not a KMS client")

    run = ansible(lab, windows(kms_host=KMS, product_key="auto"), "--limit", "win11-mak")
    record = run.result("win11-mak", "win")
    assert record["status"] == "ok", record
    [done] = record["result"]["products"]
    # Windows 11 Pro's KMS client key ends in T83GX (Microsoft's KMS client key page).
    assert [(s["action"], s.get("key"), s["result"]) for s in done["steps"]] == [
        ("install_key", "T83GX", "ok"), ("set_host", None, "ok"), ("activate", None, "ok")]
    assert (done["channel"], done["partial_key"], done["license_status"]["name"]) == (
        "VOLUME_KMSCLIENT", "T83GX", "Licensed")
    now = product(lab, "win11-mak")
    assert (now["Description"], now["LicenseStatus"]) == ("Windows(R) Operating System, VOLUME_KMSCLIENT channel", 1)
    assert "W269N-WFGWX-YVC9B-4J6C9-T83GX" not in run.stdout  # even a public key shows by its last five
    again = ansible(lab, windows(kms_host=KMS, product_key="auto"), "--limit", "win11-mak")
    assert again.result("win11-mak", "win")["result"]["changed"] is False


def test_ad_activated_windows_is_left_alone_unless_forced(lab, ansible):
    before = copy.deepcopy(lab.state("win11-ad").products)
    run = ansible(lab, windows(kms_host=KMS), "--limit", "win11-ad")
    result = run.result("win11-ad", "win")["result"]
    assert result["changed"] is False and result["products"] == []
    [left] = result["untouched"]
    assert left["reason"].startswith("activated by Active Directory (Windows-KMS-Campus): left alone")
    assert lab.state("win11-ad").products == before
    assert calls(lab, "win11-ad") == ["read"]

    forced = ansible(lab, windows(kms_host=KMS, force=True), "--limit", "win11-ad")
    [done] = forced.result("win11-ad", "win")["result"]["products"]
    assert (done["activation_type"], done["kms_host"]) == ("KMS", KMS)


def test_office_and_windows_keep_their_own_kms_settings(lab, ansible):
    host = "win11-office"
    ansible(lab, office(kms_host=KMS), "--limit", host)
    ansible(lab, windows(kms_host="kms-v6.campus.example"), "--limit", host)
    assert product(lab, host, OFFICE_APP)["KeyManagementServiceMachine"] == KMS
    assert product(lab, host)["KeyManagementServiceMachine"] == "kms-v6.campus.example"
    assert (product(lab, host, OFFICE_APP)["LicenseStatus"], product(lab, host)["LicenseStatus"]) == (1, 1)
    # office_kms never calls a method on Windows' product, nor windows_kms on Office's.
    office_calls, windows_calls = invoked(lab, host, 1), invoked(lab, host, 3)
    windows_sku = product(lab, host)["ID"]
    office_sku = product(lab, host, OFFICE_APP)["ID"]
    assert all(windows_sku not in (where or "") for _unused, _unused, where in office_calls)
    assert all(office_sku not in (where or "") for _unused, _unused, where in windows_calls)

    ansible(lab, windows(state="absent"), "--limit", host)
    assert product(lab, host)["KeyManagementServiceMachine"] is None
    assert product(lab, host, OFFICE_APP)["KeyManagementServiceMachine"] == KMS
    both = ansible(lab, office(kms_host=KMS), "--limit", host)
    assert both.result(host, "office")["result"]["changed"] is False


def test_unreachable_kms_host_changes_nothing(lab, ansible):
    before = copy.deepcopy(lab.state("srv2022-std").products)
    run = ansible(lab, windows(kms_host="kms-old.campus.example"), "--limit", "srv2022-std")
    record = run.result("srv2022-std", "win")
    assert record["status"] == "failed"
    assert record["result"]["msg"].startswith("Cannot activate Windows on srv2022-std: it cannot open a TCP "
                                              "connection to the KMS host kms-old.campus.example:1688")
    assert record["result"]["error_code"] == "0xC004F074"
    assert lab.state("srv2022-std").products == before


def test_office_activated_by_active_directory_is_left_alone_too(lab, ansible):
    """The same recognition in office_kms (docs/licensing-facts.md §10.7): VLActivationType 1 is AD-based."""
    host = "win11-office"
    office_product = product(lab, host, OFFICE_APP)
    office_product.update(LicenseStatus=1, GracePeriodRemaining=259200, VLActivationType=1,
                          ADActivationObjectName="Office-KMS-Campus")
    before = copy.deepcopy(lab.state(host).products)
    run = ansible(lab, office(kms_host=KMS), "--limit", host)
    result = run.result(host, "office")["result"]
    assert result["changed"] is False and result["products"] == []
    [left] = result["untouched"]
    assert left["reason"].startswith("activated by Active Directory (Office-KMS-Campus): left alone")
    assert lab.state(host).products == before
    forced = ansible(lab, office(kms_host=KMS, force=True), "--limit", host)
    [done] = forced.result(host, "office")["result"]["products"]
    assert (done["activation_type"], done["kms_host"]) == ("KMS", KMS)


@pytest.mark.parametrize("host", VERSIONS)
def test_each_version_gets_its_own_published_key_and_leaves_mak_and_ad_alone(lab, ansible, host):
    """Per Windows version: a MAK install is left alone; product_key: auto installs the key
    Microsoft publishes for that edition and version (gvlk_windows), which lands on the KMS
    client licence, and activates; an AD-activated Windows (8 and later) is left alone."""
    state = lab.state(host)
    kms_client = product(lab, host)
    gvlk_last5 = kms_client["PartialProductKey"]
    # Make it a MAK install: a MAK SKU carries the key, the KMS client licence has none.
    mak = dict(kms_client, ID="0000d00d-0000-4000-8000-%012d" % VERSIONS.index(host),
               Description="Windows(R) Operating System, VOLUME_MAK channel", PartialProductKey="M4KXX",
               LicenseStatus=1, LicenseStatusReason=0, GracePeriodRemaining=0)
    kms_client.update(PartialProductKey=None, LicenseStatus=0, LicenseStatusReason=0xC004F014, GracePeriodRemaining=0)
    state.products.append(mak)

    left = ansible(lab, windows(kms_host=KMS), "--limit", host).result(host, "win")["result"]
    assert left["changed"] is False and left["untouched"][0]["reason"].startswith("VOLUME_MAK channel")

    record = ansible(lab, windows(kms_host=KMS, product_key="auto"), "--limit", host).result(host, "win")
    assert record["status"] == "ok", record
    [done] = record["result"]["products"]
    assert [(s["action"], s.get("key"), s["result"]) for s in done["steps"]] == [
        ("install_key", gvlk_last5, "ok"), ("set_host", None, "ok"), ("activate", None, "ok")]
    assert (kms_client["PartialProductKey"], kms_client["LicenseStatus"], mak["PartialProductKey"]) == (
        gvlk_last5, 1, None)

    if state.os["version"].startswith("6.1."):
        # Windows 7 reports no activation type (VLActivationType came with Windows 8).
        assert "activation_type" not in done
        return
    assert done["activation_type"] == "KMS"
    kms_client.update(VLActivationType=1, ADActivationObjectName="Windows-KMS-Campus")
    ad = ansible(lab, windows(kms_host="kms-v6.campus.example"), "--limit", host).result(host, "win")["result"]
    assert ad["changed"] is False
    assert ad["untouched"][0]["reason"].startswith("activated by Active Directory (Windows-KMS-Campus)")
    assert kms_client["KeyManagementServiceMachine"] == KMS
