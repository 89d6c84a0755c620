"""Issue 21 end to end: what a line-by-line read against Microsoft's documentation and fault
probes found, each shown through WinRM on lab hosts that behave as Windows does there.

Each test names the item it covers; each failed before the change it covers (the lab runs
the executor's text, so a script that does what Windows does not accept fails here)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, report

from tests.integration.conftest import calls, kms_playbook, one_task, winrm_execute
from tests.simlab import scenario as scenario_mod
from tests.simlab.lab import Lab

KMS = "kms.campus.example"
MUTE = "kms-mute.campus.example"  # accepts TCP connections, never answers an activation
PC = "pc16-lab"  # Windows 11, Office LTSC 2024 ProPlus with its KMS client key, not activated
WIN7 = "pc05-office2010-win7"  # Office 2010 in osppsvc
SPP = "SoftwareLicensingProduct"
OSPP = "OfficeSoftwareProtectionProduct"


def scenario(**changes) -> dict:
    """The default scenario, with a silent KMS host, and ``changes`` merged into PC's entry
    (``<host>=`` for another host: a dict of keys)."""
    with open(scenario_mod.scenario_path("default"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["kms_hosts"].append({"name": MUTE, "port": 1688, "addresses": ["192.0.2.40"], "answers": False})
    for host, entry in changes.items():
        target = next(h for h in data["hosts"] if h["name"] == host.replace("_", "-"))
        target.update(copy.deepcopy(entry))
    return data


def lab_with(**changes) -> Lab:
    return Lab(scenario_mod.parse(scenario(**changes)))


def office(lab: Lab, host: str = PC) -> dict:
    [found] = [p for p in lab.state(host).products if p["Name"].startswith("Office") and p["PartialProductKey"]]
    return found


def proplus(**overrides) -> dict:
    return dict({"sku": "office24-proplus-kms"}, **overrides)


# -- 1. DNS discovery as Windows does it ------------------------------------------------------------
def test_dns_discovery_walks_the_suffix_search_list(ansible):
    """The record lives in a search-list domain, not in the primary DNS suffix's: Windows
    finds its KMS host there, and so does the reachability check (it failed early with
    0x8007232B when it asked only the primary suffix's domain)."""
    with lab_with(pc16_lab={"dns_domain": "students.campus.example", "dns_srv_domain": "campus.example",
                            "dns_search_list": ["students.campus.example", "campus.example"]}) as lab:
        run = ansible(lab, kms_playbook(), "--limit", PC)
        record = run.result(PC, "kms")
        assert record["status"] == "ok", record
        result = record["result"]
        assert result["changed"] is True and office(lab)["LicenseStatus"] == 1
        found = result["dns_discovery"]
        assert found["status"] == "published" and found["query"] == "_vlmcs._tcp.campus.example"
        assert [t["query"] for t in found["tried"]] == ["_vlmcs._tcp.students.campus.example"]


def test_dns_discovery_without_a_search_list_uses_the_connection_suffixes(ansible):
    with lab_with(pc16_lab={"dns_domain": None, "dns_srv_domain": "campus.example",
                            "dns_connection_suffixes": ["campus.example"]}) as lab:
        record = ansible(lab, one_task("office_kms_info", "info"), "--limit", PC).result(PC, "info")
        assert record["result"]["dns_discovery"]["query"] == "_vlmcs._tcp.campus.example"
        assert record["result"]["kms_reachability"]["reachable"] is True


def test_a_lookup_domain_replaces_the_search_list(ansible):
    """slmgr /skms-domain: "ignore the DNS suffix search list and look for KMS host records in
    the specified DNS domain instead". A lookup domain without a record fails early, naming
    it, although the primary suffix's domain has one."""
    with lab_with(pc16_lab={"products": [{"sku": "win11-edu-kms"},
                                         proplus(KeyManagementServiceLookupDomain="annex.campus.example")]}) as lab:
        run = ansible(lab, kms_playbook(), "--limit", PC)
        record = run.result(PC, "kms")
        assert record["status"] == "failed", record
        result = record["result"]
        assert (result["error_code"], result["dns_discovery"]["query"]) == (
            "0x8007232B", "_vlmcs._tcp.annex.campus.example")
        assert "_vlmcs._tcp.annex.campus.example" in result["msg"] and calls(lab, PC) == ["read"]
        # Windows itself finds nothing there either
        assert office(lab)["LicenseStatus"] != 1


# -- 2. service-wide and per-product KMS host ------------------------------------------------------------
@pytest.mark.parametrize("shows_service", [False, True], ids=["product-shows-own", "product-shows-service"])
def test_absent_converges_beside_a_service_wide_kms_host(ansible, shows_service):
    """A GPO sets the KMS host service-wide; the product has its own override too. state:
    absent clears the product's own setting once, leaves the service-wide one, and the next
    run has nothing to do, whether or not Windows shows the service-wide value on the product
    (UNCONFIRMED, docs/licensing-facts.md §11.1): before, a product that shows it was cleared on every run."""
    with lab_with(pc16_lab={"spp_service": {"KeyManagementServiceMachine": "kms-gpo.campus.example"},
                            "product_shows_service_kms": shows_service,
                            "products": [{"sku": "win11-edu-kms"},
                                         proplus(KeyManagementServiceMachine="kms-old.campus.example")]}) as lab:
        first = ansible(lab, kms_playbook(state="absent"), "--limit", PC).result(PC, "kms")
        assert first["status"] == "ok" and first["result"]["changed"] is True, first
        assert [s["action"] for s in first["result"]["products"][0]["steps"]] == ["clear_host"]
        assert office(lab).get("KeyManagementServiceMachine") in (None, "")
        service = lab.state(PC).services["SoftwareLicensingService"]
        assert service["KeyManagementServiceMachine"] == "kms-gpo.campus.example"
        [after] = first["result"]["products"]
        assert after["kms_host"] == ("kms-gpo.campus.example" if shows_service else None)
        second = ansible(lab, kms_playbook(state="absent"), "--limit", PC).result(PC, "kms")
        assert second["status"] == "ok" and second["result"]["changed"] is False, second
        assert calls(lab, PC) == ["read", "write", "read"]


# -- 4. arguments by position, under the names the class declares ------------------------------------------
def test_osppsvc_methods_are_called_by_position_whatever_their_parameter_names(ansible):
    """The osppsvc classes' parameter names are not documented (ospp.vbs passes arguments by
    position): a class that names them otherwise still gets its KMS host and port."""
    renamed = {"OfficeSoftwareProtectionProduct.SetKeyManagementServiceMachine": ["bstrKmsMachineName"],
               "OfficeSoftwareProtectionProduct.SetKeyManagementServicePort": ["dwKmsPort"]}
    with lab_with(pc05_office2010_win7={"parameter_names": renamed}) as lab:
        record = ansible(lab, kms_playbook(kms_host=KMS, kms_port=1689, state="configured"), "--limit",
                         WIN7).result(WIN7, "kms")
        assert record["status"] == "ok", record
        [product] = record["result"]["products"]
        assert [(s["action"], s["result"]) for s in product["steps"]] == [("set_host", "ok"), ("set_port", "ok")]
        found = office(lab, WIN7)
        assert (found["KeyManagementServiceMachine"], found["KeyManagementServicePort"]) == (KMS, 1689)


# -- 5. IPv6 literals as slmgr.vbs writes them -----------------------------------------------------------
@pytest.mark.parametrize("given", ["[2001:db8::20]", "2001:DB8:0::20"])
def test_an_ipv6_kms_host_is_set_bracketed_and_returned_canonical(ansible, given):
    with lab_with() as lab:
        record = ansible(lab, kms_playbook(kms_host='"%s"' % given), "--limit", PC).result(PC, "kms")
        assert record["status"] == "ok", record
        result = record["result"]
        assert result["kms_host"] == "2001:db8::20"
        [product] = result["products"]
        assert product["kms_host"] == "2001:db8::20" and product["license_status"]["name"] == "Licensed"
        [setting] = [e for e in lab.cim_log(PC) if e.get("method") == "SetKeyManagementServiceMachine"]
        assert setting["arguments"] == {"MachineName": "[2001:db8::20]"}
        again = ansible(lab, kms_playbook(kms_host='"%s"' % given), "--limit", PC).result(PC, "kms")
        assert again["result"]["changed"] is False, again


# -- 7. osppsvc installed, its classes not registered -------------------------------------------------------
def test_osppsvc_installed_without_its_classes_is_a_broken_registration(ansible):
    with lab_with(pc05_office2010_win7={"ospp_service": "unregistered"}) as lab:
        record = ansible(lab, one_task("office_kms_info", "info"), "--limit", WIN7).result(WIN7, "info")
        assert record["status"] == "failed", record
        result = record["result"]
        assert (result["error_code"], result["error_name"]) == ("0x80041010", "WBEM_E_INVALID_CLASS")
        assert "osppsvc is installed, but its WMI class OfficeSoftwareProtectionProduct is not registered" \
            in result["msg"] or "osppsvc is installed, but its WMI class OfficeSoftwareProtectionService" \
            in result["msg"], result["msg"]
        assert "ospp.vbs /regmof" in result["error_hint"]


# -- 8. optional properties one by one ------------------------------------------------------------------
def test_ad_activation_is_recognised_where_the_rearm_counts_are_missing(ansible):
    """A Windows build whose product class has VLActivationType but not the rearm counts: only
    those are dropped, so an AD-activated Office is still left alone (before, all optional
    properties went and the product was moved to KMS)."""
    with lab_with(pc16_lab={"class_lacks": {SPP: ["RemainingAppReArmCount", "RemainingSkuReArmCount"]},
                            "products": [{"sku": "win11-edu-kms"},
                                         proplus(LicenseStatus=1, GracePeriodRemaining=250000, VLActivationType=1,
                                                 ADActivationObjectName="Office LTSC 2024 AD activation")]}) as lab:
        record = ansible(lab, kms_playbook(kms_host=KMS), "--limit", PC).result(PC, "kms")
        assert record["status"] == "ok" and record["result"]["changed"] is False, record
        [left] = record["result"]["untouched"]
        assert left["reason"].startswith("activated by Active Directory (Office LTSC 2024 AD activation)")
        assert calls(lab, PC) == ["read"]


# -- 9. non-ASCII text arrives whatever the console's code page ---------------------------------------------
def test_a_localised_caption_arrives_intact_when_the_console_keeps_its_code_page(ansible):
    caption = "Microsoft Windows 11 專業教育版"
    os_info = {"caption": caption, "version": "10.0.22631", "build": "22631", "architecture": "64-bit"}
    with lab_with(pc16_lab={"os": os_info, "faults": {"console": "no_handle"}}) as lab:
        record = ansible(lab, one_task("office_kms_info", "info"), "--limit", PC).result(PC, "info")
        assert record["status"] == "ok", record["result"].get("msg")
        assert record["result"]["host"]["os_caption"] == caption
        reply = lab.commands(PC)[-1]
        assert reply["stdout"].isascii() if isinstance(reply.get("stdout"), str) else True


# -- 10. the reachability test's result ----------------------------------------------------------------
def test_reachability_reports_the_address_that_connected_and_only_the_others_errors(lab):
    """A name that resolves to an address nobody answers at, then to the KMS host's: reachable,
    through the second; the first's timeout is its own failure, not the result's error."""
    lab.state(PC).network["resolve"] = {"kms-pair.campus.example": ["192.0.2.250", "192.0.2.10"]}
    results = hostops.run(winrm_execute(lab, PC), [hostops.tcp_connect("r", "kms-pair.campus.example", 1688, 300)],
                          "test")
    data = results["r"].data
    assert (data["reachable"], data["connected"], data["error"], data["hresult"]) == (True, "192.0.2.10", None, None)
    assert [(f["address"], f["hresult"]) for f in data["failures"]] == [("192.0.2.250", "0x8007274C")]


# -- 12. a promise kept: licensed through another KMS host ------------------------------------------------
def test_a_product_licensed_through_another_kms_host_is_activated_against_the_new_one(ansible):
    """The KMS host was set on an earlier run whose activation was left undone: the product is
    still Licensed through the old one (DiscoveredKeyManagementServiceMachineName). It is
    activated against the new one, once."""
    with lab_with(pc16_lab={"products": [{"sku": "win11-edu-kms"}, proplus(
            LicenseStatus=1, GracePeriodRemaining=200000, KeyManagementServiceMachine=KMS,
            KeyManagementServicePort=1688, DiscoveredKeyManagementServiceMachineName="kms-old.campus.example",
            DiscoveredKeyManagementServiceMachinePort=1688)]}) as lab:
        contacts = lab.kms(KMS).contacts
        first = ansible(lab, kms_playbook(kms_host=KMS), "--limit", PC).result(PC, "kms")
        assert first["status"] == "ok" and first["result"]["changed"] is True, first
        [product] = first["result"]["products"]
        assert [s["action"] for s in product["steps"]] == ["activate"]
        assert any("licensed through another KMS host (kms-old.campus.example" in r for r in product["reasons"])
        assert product["licensed_through"] == {"kms_host": KMS, "kms_port": 1688, "source": "events"}
        assert lab.kms(KMS).contacts > contacts
        again = ansible(lab, kms_playbook(kms_host=KMS), "--limit", PC).result(PC, "kms")
        assert again["result"]["changed"] is False, again


# -- 17. no apply call when the read already shows the KMS host is out of reach -------------------------------
def test_a_kms_host_name_that_does_not_resolve_costs_no_apply_call(ansible):
    with lab_with() as lab:
        record = ansible(lab, kms_playbook(kms_host="kms-gone.campus.example"), "--limit", PC).result(PC, "kms")
        assert record["status"] == "failed", record
        result = record["result"]
        assert result["error_code"] == "0xC004F074" and result["changed"] is False
        assert "No such host is known" in result["msg"] and "Nothing was changed" in result["msg"]
        assert calls(lab, PC) == ["read"] and result["remote_calls"] == 1


def test_a_compliant_host_still_contacts_no_kms_host(ansible):
    with lab_with() as lab:
        stand_in = lab.kms(KMS)
        before = stand_in.contacts
        record = ansible(lab, kms_playbook(kms_host=KMS), "--limit", "pc07-activated").result("pc07-activated", "kms")
        assert record["status"] == "ok" and record["result"]["changed"] is False, record
        assert stand_in.contacts == before


# -- 18. a KMS host that accepts the connection and never answers ------------------------------------------
def test_a_kms_host_that_never_answers(ansible):
    with lab_with() as lab:
        record = ansible(lab, kms_playbook(kms_host=MUTE), "--limit", PC).result(PC, "kms")
        assert record["status"] == "failed", record
        result = record["result"]
        assert result["error_code"] == "0xC004F074"
        assert "accepted the TCP connection but did not answer the activation request" in result["msg"]
        assert "VPN" not in result["msg"]  # not a network problem: the host reached the port
        events = [e["id"] for e in lab.state(PC).events]
        assert events.count(12288) == 1 and 12289 not in events  # the request, and no answer
        # The fleet report says the same from what office_kms_info reads.
        info = ansible(lab, one_task("office_kms_info", "info", kms_host=MUTE), "--limit", PC).result(PC, "info")
        entry = report.host_entry(PC, info["result"])
        assert entry["outcome"] == "not_activated"
        assert "accepted the TCP connection but did not answer the activation request" in entry["reason"]
        [product] = [p for p in entry["products"] if p["why_not_activated"]]
        assert "event 12288 without 12289" in product["why_not_activated"]
        assert json.dumps(entry).count("VPN") == 0
