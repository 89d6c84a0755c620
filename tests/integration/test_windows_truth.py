"""What a real Windows host would refuse, checked end to end through WinRM against the lab's
CIM provider (tests/simlab), which emulates Windows, not this collection.

Each test names the defect of the earlier scripts it guards against (issue 8):
1. RefreshLicenseStatus called on OfficeSoftwareProtectionService, which has no such method;
2. the KMS reachability test was IPv4-only;
3. any error reading osppsvc made Office products vanish with an ``ok``;
4. a midway failure lost the steps done, and an error without an HRESULT read as success;
5. parameters were part of the script text (and so of the script block log);
6. every Office SKU was re-listed with all properties for each product.
Plus the WMI errors Windows gives for a program that names a wrong method, property,
argument or class.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, inspection

from tests.integration.conftest import calls, invoked, kms_playbook, one_task, winrm_execute
from tests.simlab import scenario as scenario_mod
from tests.simlab.cim import classes
from tests.simlab.lab import Lab
from tests.unit.factories import executor_code

KMS = "kms.campus.example"
KMS6 = "kms-v6.campus.example"  # the default scenario's KMS host reachable over IPv6 only
KMS6_ADDRESS = "2001:db8::20"
OFFICE16_GVLK_LAST5 = "WFG99"
SPP = "SoftwareLicensingProduct"
OSPP = "OfficeSoftwareProtectionProduct"
OSPP_SERVICE = "OfficeSoftwareProtectionService"
PC21 = "pc21-office2016-win7-mak"
WIN7 = {"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601", "build": "7601",
        "architecture": "64-bit"}


def scenario_data() -> dict:
    with open(scenario_mod.scenario_path("default"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    # Office 2016 on Windows 7 lives in osppsvc (docs/licensing-facts.md §1.1), installed with a
    # MAK: the KMS client licence is there without a key, as volume media install both.
    data["hosts"].append({
        "name": PC21,
        "client_machine_id": "3f0c6a3e-5f0b-4b7e-9b1e-0d6c1a2b0021",
        "ospp_client_machine_id": "7a1d2c3b-0e4f-4a5b-8c6d-2e3f4a5b0021",
        "os": WIN7,
        "ospp_service": True,
        "office": [{"type": "MSI", "version": "16.0.4266.1001", "bitness": "x86", "key": "Office16.PROPLUS",
                    "name": "Microsoft Office Professional Plus 2016"}],
        "products": [
            {"sku": "win7-pro-kms"},
            {"class": OSPP, "ID": "2a1f5d2e-7c1b-4f0e-9a3d-6b5c4e3f2a10",
             "Name": "Office 16, Office16ProPlusVL_MAK edition", "Description": "Office 16, VOLUME_MAK channel",
             "ApplicationID": "0ff1ce15-a989-479d-af46-f275c6370663", "PartialProductKey": "M4KQ7",
             "LicenseStatus": 1, "LicenseStatusReason": 0, "GracePeriodRemaining": 0,
             "KeyManagementServiceMachine": None, "KeyManagementServicePort": 0,
             "DiscoveredKeyManagementServiceMachineName": None, "DiscoveredKeyManagementServiceMachinePort": 0},
            {"sku": "office16-proplus-kms", "class": OSPP, "PartialProductKey": None, "LicenseStatus": 0,
             "LicenseStatusReason": 0xC004F014, "GracePeriodRemaining": 0},
        ],
    })
    return data


@pytest.fixture
def truth_lab():
    with Lab(scenario_mod.parse(scenario_data())) as running:
        yield running


def office(lab, host):
    return [p for p in lab.state(host).products if p["Name"].startswith("Office") and p["PartialProductKey"]]


def invokes(lab, host):
    return [e for e in lab.cim_log(host) if e["kind"] == "invoke"]


# -- 1. methods on the class that has them -----------------------------------------------------
def test_office_2010_on_windows_7_activates_through_osppsvc_without_refresh(truth_lab, ansible):
    run = ansible(truth_lab, kms_playbook(kms_host=KMS), "--limit", "pc05-office2010-win7")
    record = run.result("pc05-office2010-win7", "kms")
    assert record["status"] == "ok", record
    [product] = record["result"]["products"]
    assert (product["license_class"], product["license_status"]["name"]) == (OSPP, "Licensed")
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("activate", "ok")]
    assert invoked(truth_lab, "pc05-office2010-win7") == [
        (OSPP, "SetKeyManagementServiceMachine", "ID='%s'" % product["sku_id"]),
        (OSPP, "Activate", "ID='%s'" % product["sku_id"])]
    assert all(e["hresult"] == 0 for e in invokes(truth_lab, "pc05-office2010-win7"))


def test_office_2016_mak_on_windows_7_converts_to_kms_through_osppsvc(truth_lab, ansible):
    run = ansible(truth_lab, kms_playbook(kms_host=KMS, product_key="auto"), "--limit", PC21)
    record = run.result(PC21, "kms")
    assert record["status"] == "ok", record
    [product] = record["result"]["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [
        ("install_key", "ok"), ("set_host", "ok"), ("activate", "ok")]
    assert (product["channel"], product["partial_key"], product["license_status"]["name"]) == (
        "VOLUME_KMSCLIENT", OFFICE16_GVLK_LAST5, "Licensed")
    # The key goes to osppsvc's service; the later calls follow it to the SKU it belongs to.
    key_target = "ApplicationID='0ff1ce15-a989-479d-af46-f275c6370663' AND PartialProductKey='%s'" % (
        OFFICE16_GVLK_LAST5)
    assert invoked(truth_lab, PC21) == [(OSPP_SERVICE, "InstallProductKey", None),
                                        (OSPP, "SetKeyManagementServiceMachine", key_target),
                                        (OSPP, "Activate", key_target)]
    [now] = office(truth_lab, PC21)
    assert (now["Description"], now["LicenseStatus"], now["KeyManagementServiceMachine"]) == (
        "Office 16, VOLUME_KMSCLIENT channel", 1, KMS)
    again = ansible(truth_lab, kms_playbook(kms_host=KMS, product_key="auto"), "--limit", PC21)
    assert again.result(PC21, "kms")["result"]["changed"] is False


# -- 2. IPv6 --------------------------------------------------------------------------------
@pytest.mark.parametrize("target", [KMS6, KMS6_ADDRESS, "[%s]" % KMS6_ADDRESS])
def test_kms_host_reachable_over_ipv6_only(truth_lab, ansible, target):
    stand_in = truth_lab.kms(KMS6)
    contacts = stand_in.contacts
    run = ansible(truth_lab, one_task("office_kms_info", "info", kms_host='"%s"' % target), "--limit", "pc16-lab")
    reach = run.result("pc16-lab", "info")["result"]["kms_reachability"]
    assert (reach["reachable"], reach["error"], reach["address"]) == (True, None, KMS6_ADDRESS)
    assert stand_in.contacts == contacts + 1  # a real connection over ::1


def test_activation_against_an_ipv6_only_kms_host(truth_lab, ansible):
    stand_in = truth_lab.kms(KMS6)
    contacts = stand_in.contacts
    run = ansible(truth_lab, kms_playbook(kms_host=KMS6), "--limit", "pc16-lab")
    record = run.result("pc16-lab", "kms")
    assert record["status"] == "ok", record
    [product] = office(truth_lab, "pc16-lab")
    assert (product["KeyManagementServiceMachine"], product["LicenseStatus"]) == (KMS6, 1)
    assert stand_in.contacts == contacts + 2  # the reachability test, then Windows' own activation


# -- 3. osppsvc errors are errors --------------------------------------------------------------
BOTH = """
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      volume_licensing.kms.office_kms_info: {}
      ignore_errors: true
    - name: kms
      volume_licensing.kms.office_kms:
        kms_host: %s
""" % KMS


def test_disabled_osppsvc_fails_the_host_instead_of_hiding_office(truth_lab, ansible):
    truth_lab.state("pc05-office2010-win7").ospp_service = "disabled"
    before = copy.deepcopy(truth_lab.state("pc05-office2010-win7").products)
    run = ansible(truth_lab, BOTH, "--limit", "pc05-office2010-win7")
    for task in ("info", "kms"):
        record = run.result("pc05-office2010-win7", task)
        assert record["status"] == "failed", record
        result = record["result"]
        assert result["msg"].startswith("Failed to inspect pc05-office2010-win7 (step: read Office licensing "
                                        "products (Office Software Protection service, osppsvc)): "), result["msg"]
        assert (result["error_code"], result["error_name"]) == ("0x80070422", "ERROR_SERVICE_DISABLED")
        assert "products" not in result
    assert calls(truth_lab, "pc05-office2010-win7") == ["read", "read"]
    assert truth_lab.state("pc05-office2010-win7").products == before


# -- 4. what was done is kept; no code is no success ---------------------------------------------
def test_error_without_hresult_midway_is_a_failure_and_keeps_the_steps_done(truth_lab, ansible):
    truth_lab.state("pc16-lab").faults["cim_errors"] = [
        {"method": "Activate", "hresult": None, "message": "Generic failure"}]
    run = ansible(truth_lab, kms_playbook(kms_host=KMS), "--limit", "pc16-lab")
    record = run.result("pc16-lab", "kms")
    assert record["status"] == "failed", record
    result = record["result"]
    assert result["changed"] is True  # the KMS host was set
    [product] = result["products"]
    assert [(s["action"], s["result"], s.get("error_code")) for s in product["steps"]] == [
        ("set_host", "ok", None), ("activate", "failed", None)]
    assert result["msg"].startswith("Failed to activate ProPlus2024Volume on pc16-lab: Windows reported an error "
                                    "without an error code (Generic failure)")
    [now] = office(truth_lab, "pc16-lab")
    assert (now["KeyManagementServiceMachine"], now["LicenseStatus"]) == (KMS, 2)

    truth_lab.state("pc16-lab").faults.clear()
    again = ansible(truth_lab, kms_playbook(kms_host=KMS), "--limit", "pc16-lab")
    [product] = again.result("pc16-lab", "kms")["result"]["products"]
    assert [(s["action"], s["result"]) for s in product["steps"]] == [("activate", "ok")]


def test_failure_after_a_key_install_reports_the_key_installed(truth_lab, ansible):
    truth_lab.state("pc06-mak").faults["cim_errors"] = [
        {"method": "SetKeyManagementServiceMachine", "hresult": 0xC004F025}]
    run = ansible(truth_lab, kms_playbook(kms_host=KMS, product_key="auto"), "--limit", "pc06-mak")
    result = run.result("pc06-mak", "kms")["result"]
    [product] = result["products"]
    assert [(s["action"], s["result"], s.get("error_code")) for s in product["steps"]] == [
        ("install_key", "ok", None), ("set_host", "failed", "0xC004F025"), ("activate", "not run", None)]
    assert (result["changed"], result["error_code"]) == (True, "0xC004F025")
    assert product["channel"] == "VOLUME_KMSCLIENT"  # the re-read found the key where it landed


# -- 5. no option value in a script block --------------------------------------------------------
def test_option_values_never_reach_the_script_block_log(truth_lab, ansible, tmp_path):
    key = "WQ7ZP-K3YNX-TLXAK-9X2VB-J4MRT"  # not a published key: a secret
    extra = tmp_path / "key.yml"
    extra.write_text(yaml.safe_dump({"key": key}))
    playbook = kms_playbook(kms_host=KMS, product_key='"{{ key }}"', products="[ProPlus2024Volume]")
    ansible(truth_lab, playbook, "--limit", "pc16-lab", "-e", "@%s" % extra)
    programs = [c["program"] for c in truth_lab.commands("pc16-lab")]
    assert any(key in str(p) for p in programs)  # the key did travel, as data
    blocks = truth_lab.script_block_log("pc16-lab")
    assert blocks
    # The bootstrap, and the executor's code lines; nothing else became a script block.
    # ($input lines reach the script block joined by Out-String with CRLF)
    expected = {hostops.load_script("kms_bootstrap").strip(), executor_code()}
    assert {b.strip().replace("\r\n", "\n") for b in blocks} == expected
    for text in blocks:
        for value in (key, key.replace("-", ""), KMS, "ProPlus2024Volume"):
            assert value not in text


# -- 6. named properties, one instance by ID ----------------------------------------------------
def test_reads_name_their_properties_and_writes_select_one_instance(truth_lab, ansible):
    host = "pc01-ltsc2024-visio"
    run = ansible(truth_lab, kms_playbook(kms_host=KMS), "--limit", host)
    assert run.result(host, "kms")["result"]["changed"] is True
    log = truth_lab.cim_log(host)
    # Before each method call the executor finds its instance with Get-CimInstance -ClassName
    # -Filter, which is SELECT * (CimGetInstance.cs); every other query names its properties.
    lookups = [e for e in log if e["kind"] == "query" and e["properties"] == ["*"]]
    queries = [e for e in log if e["kind"] == "query" and e not in lookups]
    assert queries and all("*" not in e["properties"] for e in queries), queries
    assert len(lookups) == len(invokes(truth_lab, host))
    assert all(e["class"] == "SoftwareLicensingService" or e["where"].startswith("ID='") for e in lookups)
    licensing = [e for e in queries if e["class"] in (SPP, OSPP) and e["hresult"] == 0]
    # The products, with how they were (and are now) activated, in the same query.
    assert all(set(e["properties"]) == set(inspection.PRODUCT_PROPERTIES + inspection.ACTIVATION_PROPERTIES)
               for e in licensing)
    # Two calls: the inspect lists the keyed Office products once (osppsvc is not installed
    # here: its classes are not queried at all); the apply re-reads only the two products it
    # touched, by ID.
    assert len(licensing) == 2, licensing
    assert not [e for e in log if e["class"].startswith("OfficeSoftwareProtection")]
    reread = licensing[-1]
    assert reread["instances"] == 2
    assert "ID=" in reread["where"] and "PartialProductKey IS NOT NULL" not in reread["where"]
    for entry in invokes(truth_lab, host):
        assert entry["class"] == "SoftwareLicensingService" or entry["where"].startswith("ID='"), entry


def test_windows_7_refuses_the_activation_properties_and_the_products_are_read_without(truth_lab, ansible):
    """VLActivationType and its kin are not in Windows 7's SoftwareLicensingProduct
    (docs/licensing-facts.md §1.3, §10.7): the product query is refused as invalid and made once
    more without the optional properties the class definition lacks, and only those; the products
    are read, their activation type unknown. osppsvc is installed there: its classes are read."""
    host = "pc05-office2010-win7"
    run = ansible(truth_lab, kms_playbook(kms_host=KMS), "--limit", host)
    assert run.result(host, "kms")["status"] == "ok"
    inspect = [e for e in truth_lab.cim_log(host) if e["kind"] == "query"
               and e["class"].startswith(("SoftwareLicensing", "OfficeSoftwareProtection"))]
    spp = [(e["hresult"], set(e["properties"])) for e in inspect if e["class"] == SPP]
    windows7 = set(classes()["softwarelicensingproduct"].properties) - {
        name for name in inspection.ACTIVATION_PROPERTIES
        if not classes()["softwarelicensingproduct"].has(name, "6.1.7601")}
    assert spp[:2] == [(0x80041017, set(inspection.PRODUCT_PROPERTIES + inspection.ACTIVATION_PROPERTIES)),
                       (0, set(inspection.PRODUCT_PROPERTIES + inspection.ACTIVATION_PROPERTIES) & windows7)]
    assert "VLActivationType" not in spp[1][1]
    assert {e["class"] for e in inspect} >= {OSPP, "OfficeSoftwareProtectionService"}


# -- the WMI errors Windows gives -----------------------------------------------------------
PROPLUS = "ID='8d368fc1-9470-4be2-8d66-90e836cbb051'"
WIN11 = "pc01-ltsc2024-visio"
WIN7_OFFICE2010 = "pc05-office2010-win7"  # osppsvc installed


@pytest.mark.parametrize(("host", "operation", "code"), [
    # WBEM_E_INVALID_METHOD: a method the class lacks, and RefreshLicenseStatus on osppsvc's
    # service, which has no such method (docs/licensing-facts.md §1.6)
    (WIN11, hostops.cim_invoke("x", SPP, "ActivateNow", where=PROPLUS), "0x8004102E"),
    (WIN7_OFFICE2010, hostops.cim_invoke("x", OSPP_SERVICE, "RefreshLicenseStatus"), "0x8004102E"),
    # WBEM_E_INVALID_QUERY: a property the class lacks, in the filter or the property list
    (WIN11, hostops.cim_query("x", SPP, ["ID"], "LicenceStatus = 1"), "0x80041017"),
    (WIN11, hostops.cim_query("x", SPP, ["ID", "Colour"]), "0x80041017"),
    # More arguments than the method declares [in] parameters: the executor stops the call
    # (WBEM_E_INVALID_PARAMETER); it gives arguments by position, under the declared names
    (WIN11, hostops.cim_invoke("x", SPP, "SetKeyManagementServiceMachine", where=PROPLUS,
                               arguments=[("MachineName", "string", KMS), ("Port", "uint32", 1)]), "0x80041008"),
    # a port that is not a number: the cmdlet cannot convert it to the declared uint32
    (WIN11, hostops.cim_invoke("x", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                               arguments=[("PortNumber", "string", "port")]), "0x80070057"),
    # WBEM_E_INVALID_METHOD_PARAMETERS: no argument at all for a method that declares one
    (WIN11, hostops.cim_invoke("x", SPP, "SetKeyManagementServiceMachine", where=PROPLUS), "0x8004102F"),
    # WBEM_E_NOT_FOUND: no such instance
    (WIN11, hostops.cim_invoke("x", SPP, "Activate", where="ID='00000000-0000-0000-0000-000000000000'"),
     "0x80041002"),
    # WBEM_E_INVALID_CLASS: osppsvc is not installed on this PC
    (WIN11, hostops.cim_query("x", OSPP, ["ID"]), "0x80041010"),
])
def test_lab_answers_a_wrong_program_with_the_wmi_error_windows_gives(truth_lab, host, operation, code):
    results = hostops.run(winrm_execute(truth_lab, host), [operation], "probe")
    result = results["x"]
    assert (result.status, result.hresult) == ("error", hostops.code(code)), result


def test_the_right_program_passes_where_the_wrong_one_failed(truth_lab):
    """The same calls, spelt as Microsoft documents them: each succeeds (so the test above
    cannot pass by failing everything)."""
    operations = [
        hostops.cim_query("q", SPP, ["ID", "LicenseStatus"], "LicenseStatus = 1"),
        hostops.cim_invoke("host", SPP, "SetKeyManagementServiceMachine", where=PROPLUS,
                           arguments=[("MachineName", "string", KMS)]),
        hostops.cim_invoke("port", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                           arguments=[("PortNumber", "uint32", 1688)]),
        hostops.cim_invoke("refresh", "SoftwareLicensingService", "RefreshLicenseStatus"),
        hostops.cim_query("ospp", "OfficeSoftwareProtectionProduct", ["ID"], optional=True),
    ]
    results = hostops.run(winrm_execute(truth_lab, "pc01-ltsc2024-visio"), operations, "probe")
    assert [r.status for r in results.values()] == ["ok"] * 5, results
    assert results["ospp"].data["absent"] is True
    [proplus] = [p for p in truth_lab.state("pc01-ltsc2024-visio").products if "8d368fc1" in p["ID"]]
    assert (proplus["KeyManagementServiceMachine"], proplus["KeyManagementServicePort"]) == (KMS, 1688)
