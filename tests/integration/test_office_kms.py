"""office_kms end to end: configure and activate through WinRM against tests/simlab."""

from __future__ import annotations

import copy

import pytest

from tests.integration.conftest import calls, invoked
from tests.integration.conftest import kms_playbook as playbook
from tests.simlab.scenario import load

KMS = "kms.campus.example"
TASK = "kms"
HOSTS = [h.name for h in load("default").hosts]
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APPS = {"0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"}
# Hosts of the default scenario whose Office KMS products need no work against KMS.
COMPLIANT = {"pc06-mak", "pc07-activated", "pc11-no-office", "pc12-m365-apps"}
# Hosts whose activation must fail, and with what.
FAILING = {"pc15-clock-skew": "0xC004F06C"}


def office(lab, host):
    return [p for p in lab.state(host).products if p["ApplicationID"].lower() in OFFICE_APPS and p["PartialProductKey"]]


def windows(lab, host):
    return [p for p in lab.state(host).products if p["ApplicationID"].lower() == WINDOWS_APP]


def test_fresh_lab_activates_then_second_run_changes_nothing(lab, ansible):
    windows_before = {h: copy.deepcopy(windows(lab, h)) for h in HOSTS}
    first = ansible(lab, playbook(kms_host=KMS))
    for host in HOSTS:
        record = first.result(host, TASK)
        if host in FAILING:
            assert record["status"] == "failed"
            assert record["result"]["error_code"] == FAILING[host]
            continue
        assert record["status"] == "ok", record
        assert record["result"]["changed"] is (host not in COMPLIANT), host
        for product in office(lab, host):
            if "VOLUME_KMSCLIENT" in product["Description"]:
                assert product["LicenseStatus"] == 1, (host, product["Name"])
                assert product["KeyManagementServiceMachine"] == KMS
                if host not in COMPLIANT:
                    assert product["GracePeriodRemaining"] == 259200  # a fresh 180 days
        # Windows' own products are never touched by office_kms.
        assert windows(lab, host) == windows_before[host]

    second = ansible(lab, playbook(kms_host=KMS))
    for host in HOSTS:
        record = second.result(host, TASK)
        if host in FAILING:
            assert record["status"] == "failed"
            continue
        assert record["status"] == "ok"
        assert record["result"]["changed"] is False, host
        assert record["result"]["remote_calls"] == 1
        assert calls(lab, host)[-1:] == ["read"]


def test_remote_calls_compliant_one_needs_work_two(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc07-activated,pc16-lab")
    assert run.result("pc07-activated", TASK)["result"]["remote_calls"] == 1
    assert calls(lab, "pc07-activated") == ["read"]
    assert run.result("pc16-lab", TASK)["result"]["remote_calls"] == 2
    assert calls(lab, "pc16-lab") == ["read", "write"]


def test_compliant_host_makes_no_kms_contact(lab, ansible):
    stand_in = lab.kms(KMS)
    before = stand_in.contacts
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc07-activated")
    assert run.result("pc07-activated", TASK)["result"]["changed"] is False
    assert stand_in.contacts == before


def test_check_mode_reports_and_changes_nothing(lab, ansible):
    before = {h: copy.deepcopy(lab.state(h).products) for h in HOSTS}
    run = ansible(lab, playbook(kms_host=KMS), "--check", "--diff")
    for host in HOSTS:
        assert lab.state(host).products == before[host], host
        assert calls(lab, host) == ["read"], host
    planned = run.result("pc01-ltsc2024-visio", TASK)["result"]
    assert planned["changed"] is True
    assert [[s["action"] for s in p["steps"]] for p in planned["products"]] == [["set_host", "activate"]] * 2
    assert all(s["result"] == "planned" for p in planned["products"] for s in p["steps"])
    assert "kms_host=%s" % KMS in planned["diff"]["after"]
    assert "kms_host=-" in planned["diff"]["before"]
    assert "--- before" in run.stdout  # --diff is shown to the operator
    assert run.result("pc07-activated", TASK)["result"]["changed"] is False


def test_source_document_host_activates_both_products(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc01-ltsc2024-visio")
    result = run.result("pc01-ltsc2024-visio", TASK)["result"]
    assert [(p["family"], p["license_status"]["name"], p["kms_host"]) for p in result["products"]] == [
        ("ProPlus2024Volume", "Licensed", KMS), ("VisioPro2024Volume", "Licensed", KMS)]
    assert all(p["before"]["license_status"]["name"] == "OOBGrace" for p in result["products"])
    assert [p["LicenseStatus"] for p in office(lab, "pc01-ltsc2024-visio")] == [1, 1]


def test_kms_listener_down_fails_that_host_with_a_hint_then_converges(lab, ansible):
    stand_in = lab.kms(KMS)
    before = copy.deepcopy(lab.state("pc16-lab").products)
    stand_in.stop()
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc16-lab,pc17-lab,pc07-activated")
    down = run.result("pc16-lab", TASK)
    assert down["status"] == "failed"
    assert down["result"]["error_code"] == "0xC004F074"
    assert down["result"]["error_name"] == "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"
    for words in ("pc16-lab", KMS, "VPN", "DNS", "1688", "Nothing was changed"):
        assert words in down["result"]["msg"]
    assert lab.state("pc16-lab").products == before  # nothing half-done
    assert run.result("pc17-lab", TASK)["status"] == "failed"
    assert run.result("pc07-activated", TASK)["status"] == "ok"  # compliant: no KMS needed

    stand_in.start()
    again = ansible(lab, playbook(kms_host=KMS), "--limit", "pc16-lab")
    assert again.result("pc16-lab", TASK)["status"] == "ok"
    assert [p["LicenseStatus"] for p in office(lab, "pc16-lab")] == [1]


def test_activation_failure_without_the_precheck_names_step_and_hint(lab, ansible):
    lab.kms(KMS).stop()
    run = ansible(lab, playbook(kms_host=KMS, check_reachable="false"), "--limit", "pc16-lab")
    record = run.result("pc16-lab", TASK)
    assert record["status"] == "failed"
    product = record["result"]["products"][0]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("activate", "failed")]
    assert product["error_code"] == "0xC004F074"
    assert "Failed to activate ProPlus2024Volume on pc16-lab: 0xC004F074" in record["result"]["msg"]
    lab.kms(KMS).start()
    again = ansible(lab, playbook(kms_host=KMS), "--limit", "pc16-lab")
    steps = again.result("pc16-lab", TASK)["result"]["products"][0]["steps"]
    assert [s["action"] for s in steps] == ["activate"]  # the host setting was kept
    assert office(lab, "pc16-lab")[0]["LicenseStatus"] == 1


def test_old_kms_host_is_repointed_then_absent_clears_the_override(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc09-old-kms")
    product = run.result("pc09-old-kms", TASK)["result"]["products"][0]
    assert product["before"]["kms_host"] == "kms-old.campus.example"
    assert product["kms_host"] == KMS
    assert product["license_status"]["name"] == "Licensed"
    windows_before = copy.deepcopy(windows(lab, "pc09-old-kms"))

    absent = ansible(lab, playbook(state="absent"), "--limit", "pc09-old-kms")
    assert absent.result("pc09-old-kms", TASK)["result"]["changed"] is True
    [office_product] = office(lab, "pc09-old-kms")
    assert office_product["KeyManagementServiceMachine"] is None
    assert office_product["KeyManagementServicePort"] == 0
    assert office_product["LicenseStatus"] == 1  # activation is left as it was
    assert windows(lab, "pc09-old-kms") == windows_before
    again = ansible(lab, playbook(state="absent"), "--limit", "pc09-old-kms")
    assert again.result("pc09-old-kms", TASK)["result"]["changed"] is False


@pytest.mark.parametrize(("days", "renewed"), [(30, True), (5, False)])
def test_expiring_product_renews_below_the_threshold(lab, ansible, days, renewed):
    run = ansible(lab, playbook(kms_host=KMS, renew_below_days=days), "--limit", "pc08-expiring")
    result = run.result("pc08-expiring", TASK)["result"]
    assert result["changed"] is renewed
    assert office(lab, "pc08-expiring")[0]["GracePeriodRemaining"] == (259200 if renewed else 14400)
    if renewed:
        assert result["products"][0]["reasons"] == ["expires in 10 days (renew below 30)"]


def test_mak_product_untouched_by_default_and_converted_with_auto(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc06-mak")
    result = run.result("pc06-mak", TASK)["result"]
    assert result["changed"] is False
    assert [u["family"] for u in result["untouched"]] == ["ProPlus2024Volume"]
    assert "not a KMS client" in result["untouched"][0]["reason"]
    assert [p["PartialProductKey"] for p in office(lab, "pc06-mak")] == ["7QX3K"]

    converted = ansible(lab, playbook(kms_host=KMS, product_key="auto"), "--limit", "pc06-mak")
    product = converted.result("pc06-mak", TASK)["result"]["products"][0]
    assert [s["action"] for s in product["steps"]] == ["install_key", "set_host", "activate"]
    assert product["steps"][0]["key"] == "GCVGB"
    assert (product["before"]["partial_key"], product["partial_key"]) == ("7QX3K", "GCVGB")
    assert product["kms_client"] is True
    assert product["sku_id"] == "8d368fc1-9470-4be2-8d66-90e836cbb051"  # the KMS client SKU
    [now] = office(lab, "pc06-mak")
    assert (now["Description"], now["LicenseStatus"], now["KeyManagementServiceMachine"]) == (
        "Office 24, VOLUME_KMSCLIENT channel", 1, KMS)
    assert "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB" not in converted.stdout


def test_office_2010_on_windows_7_and_office_2016_msi(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc05-office2010-win7,pc04-office2016-msi-x86")
    old = run.result("pc05-office2010-win7", TASK)["result"]["products"]
    assert [(p["family"], p["license_class"], p["license_status"]["name"]) for p in old] == [
        ("ProPlus2010Volume", "OfficeSoftwareProtectionProduct", "Licensed")]
    # The Office 2010 product is set up through osppsvc's classes, as ospp.vbs does
    # (docs/licensing-facts.md §1.6).
    classes = {cls for cls, _unused, _unused in invoked(lab, "pc05-office2010-win7")}
    assert classes == {"OfficeSoftwareProtectionProduct"}
    msi = run.result("pc04-office2016-msi-x86", TASK)["result"]["products"]
    assert [(p["family"], p["license_status"]["name"]) for p in msi] == [("ProPlus2016Volume", "Licensed")]


@pytest.mark.parametrize("options", [{}, {"product_key": "auto"}])
def test_subscription_host_is_reported_and_left_alone(lab, ansible, options):
    run = ansible(lab, playbook(kms_host=KMS, **options), "--limit", "pc12-m365-apps,pc11-no-office")
    for host in ("pc12-m365-apps", "pc11-no-office"):
        record = run.result(host, TASK)
        assert record["status"] == "ok"
        assert record["result"]["changed"] is False
        assert record["result"]["products"] == []
        assert calls(lab, host) == ["read"]


def test_configured_sets_host_and_key_never_activates_nor_contacts_kms(lab, ansible):
    stand_in = lab.kms(KMS)
    before = stand_in.contacts
    run = ansible(lab, playbook(kms_host=KMS, state="configured", product_key="auto"),
                  "--limit", "pc06-mak,pc16-lab")
    for host in ("pc06-mak", "pc16-lab"):
        assert run.result(host, TASK)["status"] == "ok"
        [product] = office(lab, host)
        assert product["KeyManagementServiceMachine"] == KMS
        assert "VOLUME_KMSCLIENT" in product["Description"]
        assert product["LicenseStatus"] != 1
        assert "Activate" not in [method for _unused, method, _unused in invoked(lab, host)]
    assert stand_in.contacts == before


@pytest.mark.parametrize(("options", "words"), [
    ({"state": "enabled"}, "value of state must be one of: activated, configured, absent"),
    ({"products": "[ProPlus2099Volume]"}, "is not an Office volume product family"),
    ({"products": "[Fooo]"}, "is not an Office volume product family"),
    ({"product_key": "ABCDE-12345"}, "product_key must be 'auto' or a product key"),
    ({"kms_port": 0}, "kms_port must be a TCP port number from 1 to 65535"),
    ({"kms_port": 65536}, "kms_port must be a TCP port number from 1 to 65535"),
    ({"kms_host": "'kms campus.example'"}, "contains ' '"),
    ({"kms_host": "'kms\"x'"}, "contains '\"'"),
    ({"kms_host": "\"kms'x\""}, "contains \"'\""),
    ({"kms_host": "'kms;calc.exe'"}, "contains ';'"),
    ({"kms_host": "'$(Stop-Computer)'"}, "contains '$'"),
    ({"renew_below_days": 365}, "must be a number of days from 0 to 180"),
    ({"state": "configured"}, "state: configured needs kms_host"),
])
def test_bad_input_is_refused_before_anything_reaches_the_host(lab, ansible, options, words):
    run = ansible(lab, playbook(**options), "--limit", "pc16-lab")
    record = run.result("pc16-lab", TASK)
    assert record["status"] == "failed"
    assert words in record["result"]["msg"]
    assert lab.commands("pc16-lab") == []
    assert lab.requests("pc16-lab") == []


def test_product_key_is_never_shown(lab, ansible):
    secret = "SECRT-NOTAR-EALKE-YXXXX-Q7Z9W"
    run = ansible(lab, playbook(kms_host=KMS, product_key=secret, products="[ProPlus2024Volume]"),
                  "--limit", "pc16-lab", "-vvv")
    record = run.result("pc16-lab", TASK)
    assert record["status"] == "failed"
    assert record["result"]["error_code"] == "0xC004F050"  # not a key the lab knows: invalid
    step = record["result"]["products"][0]["steps"][0]
    assert (step["action"], step["key"], step["result"]) == ("install_key", "Q7Z9W", "failed")
    assert "Failed to install the product key for ProPlus2024Volume on pc16-lab" in record["result"]["msg"]
    assert secret not in run.stdout + run.stderr
    assert secret not in str(run.records)


@pytest.mark.parametrize(("code", "name", "words"), [
    (0xC004F038, "SL_E_VL_NOT_ENOUGH_COUNT", "5 distinct clients"),
    (0xC004F042, "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH", "Volume License Pack"),
])
def test_kms_host_answers_become_readable_failures(lab, ansible, code, name, words):
    lab.kms(KMS).activation_error = code
    run = ansible(lab, playbook(kms_host=KMS), "--limit", "pc16-lab")
    record = run.result("pc16-lab", TASK)
    assert record["status"] == "failed"
    assert (record["result"]["error_code"], record["result"]["error_name"]) == ("0x%08X" % code, name)
    assert words in record["result"]["error_hint"]
    assert "Failed to activate ProPlus2024Volume on pc16-lab" in record["result"]["msg"]
    assert office(lab, "pc16-lab")[0]["LicenseStatus"] != 1
    lab.kms(KMS).activation_error = None
    again = ansible(lab, playbook(kms_host=KMS), "--limit", "pc16-lab")
    assert again.result("pc16-lab", TASK)["result"]["products"][0]["license_status"]["name"] == "Licensed"


PROJECT_SKU = "f510af75-8ab7-4426-a236-1bfb95c34ff8"  # pc01: Project Pro 2024's KMS licence, no key


def project(lab):
    [found] = [p for p in lab.state("pc01-ltsc2024-visio").products if p["ID"].lower() == PROJECT_SKU]
    return found


def test_a_named_keyless_licence_is_said_so_without_a_key(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS, products="[ProjectPro2024Volume]"), "--limit", "pc01-ltsc2024-visio")
    result = run.result("pc01-ltsc2024-visio", TASK)["result"]
    assert result["changed"] is False
    [left] = [u for u in result["untouched"] if u["family"] == "ProjectPro2024Volume"]
    assert (left["family"], left["reason"]) == (
        "ProjectPro2024Volume",
        "licence installed without a key; give product_key: auto (or its key) to install and activate it")
    assert result["warnings"] == ["pc01-ltsc2024-visio: ProjectPro2024Volume: " + left["reason"]]
    assert not any("is installed on this host" in w for w in result["warnings"])
    assert project(lab)["PartialProductKey"] is None
    # The keyless licences are asked for by name only because products named one.
    [read] = lab.commands("pc01-ltsc2024-visio")
    assert [op["id"] for op in read["program"]["operations"] if "keyless" in op["id"]] == ["spp_keyless",
                                                                                           "ospp_keyless"]


def test_a_named_keyless_licence_gets_its_key_and_is_activated(lab, ansible):
    run = ansible(lab, playbook(kms_host=KMS, products="[ProjectPro2024Volume]", product_key="auto"),
                  "--limit", "pc01-ltsc2024-visio")
    record = run.result("pc01-ltsc2024-visio", TASK)
    assert record["status"] == "ok", record
    [product] = record["result"]["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [
        ("install_key", "ok"), ("set_host", "ok"), ("activate", "ok")]
    assert (product["family"], product["partial_key"], product["license_status"]["name"]) == (
        "ProjectPro2024Volume", "76HF4", "Licensed")  # Microsoft's GVLK for Project Pro 2024 ends in 76HF4
    assert (project(lab)["PartialProductKey"], project(lab)["LicenseStatus"],
            project(lab)["KeyManagementServiceMachine"]) == ("76HF4", 1, KMS)
    # ProPlus and Visio, not named, are untouched.
    assert [p["LicenseStatus"] for p in lab.state("pc01-ltsc2024-visio").products
            if p["Name"].startswith("Office 24") and p["ID"].lower() != PROJECT_SKU] == [2, 2]
    again = ansible(lab, playbook(kms_host=KMS, products="[ProjectPro2024Volume]", product_key="auto"),
                    "--limit", "pc01-ltsc2024-visio")
    assert again.result("pc01-ltsc2024-visio", TASK)["result"]["changed"] is False


def test_keyless_licences_are_not_read_unless_products_are_named(lab, ansible):
    ansible(lab, playbook(kms_host=KMS), "--limit", "pc01-ltsc2024-visio")
    read = lab.commands("pc01-ltsc2024-visio")[0]["program"]["operations"]
    assert not [op for op in read if "PartialProductKey IS NULL" in (op.get("where") or "")]
