"""kms_host's phases without a host: the read interpreted (host_inspection), the plan
(host_plan), the step table (host_steps), the write program (host_apply) and the outcome
(host_outcome). The decisions are here: what is installed, what is activated (never a licensed
host product), what is set, when sppsvc restarts, and what fails before anything is changed."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    evidence,
    host_apply,
    host_inspection,
    host_outcome,
    host_steps,
    hostops,
    hresult,
    licensing,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.host_plan import plan_kms_host
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import KmsHostDesired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import PlanError

from tests.unit.factories import answer

WINDOWS_KEY = "BCDFG-HJKMP-QRTVW-XY234-6789B"
OFFICE_KEY = "MNPQR-TVWXY-23467-89BCD-FGHJK"
OFFICE_2024 = "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f"
WINDOWS_HOST = "6a4e1f3c-2b7d-4c5e-9f10-3d2c1b0a9e8f"
SERVICE = {"Version": "10.0.20348.1", "IsKeyManagementServiceMachine": 0, "KeyManagementServiceListeningPort": 0,
           "KeyManagementServiceDnsPublishing": True, "KeyManagementServiceLowPriority": False,
           "VLActivationInterval": 120, "VLRenewalInterval": 10080}
SERVER_2022 = {"Caption": "Microsoft Windows Server 2022 Standard", "Version": "10.0.20348", "BuildNumber": "20348",
               "ProductType": 3}
RULE = {"InstanceID": "SPPSVC-In-TCP", "DisplayName": "Key Management Service (TCP-In)", "Enabled": 2, "Profiles": 0}


def host_product(sku: str, key: str | None, status: int = 1, *, office: bool = True, count: int = 12,
                 description: str | None = None) -> dict[str, Any]:
    """A host SKU as the read reports it (CIM property names)."""
    name = "Office 24, Office24KMSHostVL_KMS_Host edition" if office else "Windows(R), ServerStandard edition"
    channel = "Office 24, VOLUME_KMS channel" if office else "Windows(R) Operating System, VOLUME_KMS_WS22 channel"
    return {"ID": sku, "Name": name,
            "Description": description or channel,
            "ApplicationID": licensing.OFFICE_APP_ID if office else licensing.WINDOWS_APP_ID,
            "LicenseFamily": None, "PartialProductKey": key, "LicenseStatus": status, "LicenseStatusReason": 0,
            "IsKeyManagementServiceMachine": 1 if key else 0, "KeyManagementServiceCurrentCount": count,
            "RequiredClientCount": 5 if office else 25, **{p: 3 for p in host_inspection.REQUEST_COUNTERS.values()}}


def results(products: list[dict[str, Any]] | None = None, service: dict[str, Any] | None = None,
            rule: Any = ..., *, rule_class: bool = True, events: list[dict[str, Any]] | None = None,
            prefix: str = "", program: list[dict[str, Any]] | None = None, os: dict[str, Any] | None = None,
            publish: list[str] | None = None) -> hostops.Results:
    ops = program if program is not None else host_inspection.read_program()
    rule = RULE if rule is ... else rule  # None: no such rule
    firewall = {"instances": [rule] if rule else []} if rule_class else {"absent": True, "instances": []}
    return answer(ops, {prefix + host_inspection.OS: {"instances": [dict(SERVER_2022, **(os or {}))]},
                        prefix + host_inspection.PUBLISH: {"exists": True,
                                                           "values": {host_inspection.PUBLISH_LIST: publish}},
                        prefix + host_inspection.SERVICE: {"instances": [dict(SERVICE, **(service or {}))]},
                        prefix + host_inspection.PRODUCTS: {"instances": products or []},
                        prefix + host_inspection.FIREWALL: firewall,
                        host_inspection.REQUESTS: {"events": events or []}})


def state(*products: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return host_inspection.interpret(results(list(products), **kwargs))


FRESH = state(host_product(OFFICE_2024, None, 0))  # the 2024 pack installed, no key, the rule disabled
HOST = state(host_product(OFFICE_2024, "FGHJK"), host_product(WINDOWS_HOST, "6789B", office=False),
             rule=dict(RULE, Enabled=1))


def actions(plan) -> list[tuple[str, Any]]:
    return [(s["action"], host_steps.shown(s).get("key", s["value"] if not isinstance(s["value"], dict) else None))
            for s in plan.steps]


# -- the read, interpreted ------------------------------------------------------------------------
def test_the_read_is_one_program_of_the_documented_classes():
    program = host_inspection.read_program()
    assert [op["id"] for op in program] == ["facts", "os", "host_service", "host_products", "firewall", "publish_list",
                                            "requests"]
    firewall = program[4]
    assert (firewall["class"], firewall["namespace"], firewall["where"], firewall["optional"]) == (
        "MSFT_NetFirewallRule", "root/StandardCimv2", "InstanceID='SPPSVC-In-TCP'", True)
    assert "ProductType" in program[1]["properties"]
    assert program[5] == {"id": "publish_list", "op": "registry_read", "key": host_inspection.SPP_KEY,
                          "values": ["DnsDomainPublishList"], "subkeys": None}
    assert program[6] == {"id": "requests", "op": "event_log", "provider": None, "ids": [12290], "newest": 100,
                          "log": "Key Management Service"}
    # the host SKUs of every Office version (documented Activation IDs, §12.4), with a key or not
    for _name, sku, _url in licensing.OFFICE_HOST_SKUS.values():
        assert "ID='%s'" % sku in program[3]["where"]
    assert program[3]["where"].startswith("PartialProductKey IS NOT NULL OR ")


def test_a_fresh_host_reads_as_no_kms_host_with_the_2024_pack():
    assert FRESH["is_kms_host"] is False and FRESH["host_products"] == []
    packs = FRESH["office_volume_license_packs"]
    assert [v for v, p in packs.items() if p["installed"]] == ["2024"]
    assert packs["2024"]["partial_key"] is None and packs["2024"]["download"].endswith("id=106246")
    assert (FRESH["listening_port"], FRESH["dns_publishing"], FRESH["low_priority"]) == (1688, True, False)
    assert FRESH["firewall"] == {"rule": "SPPSVC-In-TCP", "available": True, "found": True, "enabled": False,
                                 "display_name": "Key Management Service (TCP-In)", "profiles": ["Any"]}
    assert (FRESH["current_count"], FRESH["activates_office"]) == (None, False)


@pytest.mark.parametrize(("count", "office", "server", "clients"), [
    (4, False, False, False), (5, True, True, False), (24, True, True, False), (25, True, True, True)])
def test_the_thresholds_are_5_for_office_and_windows_server_and_25_for_windows_clients(count, office, server, clients):
    found = state(host_product(OFFICE_2024, "FGHJK", count=count),
                  host_product(WINDOWS_HOST, "6789B", office=False, count=count))
    assert found["current_count"] == count
    assert (found["activates_office"], found["activates_windows_server"], found["activates_windows_clients"]) == (
        office, server, clients)


def test_a_windows_host_key_on_a_windows_client_activates_no_windows_server():
    """Win32_OperatingSystem.ProductType 1 is a Work Station: a client's host key activates
    Windows clients only (docs/licensing-facts.md §12.4)."""
    found = state(host_product(WINDOWS_HOST, "6789B", office=False, count=30),
                  os={"Caption": "Microsoft Windows 11 Enterprise", "ProductType": 1})
    assert (found["activates_windows_server"], found["activates_windows_clients"]) == (False, True)
    domain_controller = state(host_product(WINDOWS_HOST, "6789B", office=False, count=5), os={"ProductType": 2})
    assert domain_controller["activates_windows_server"] is True


@pytest.mark.parametrize(("value", "expected"), [
    (None, []),
    (["labs.example.edu, 10, 100", "Dorms.Example.EDU.", "x.example.edu,5", " y.example.edu , , 7 "],
     [{"domain": "labs.example.edu", "priority": 10, "weight": 100},
      {"domain": "dorms.example.edu", "priority": 0, "weight": 0},
      {"domain": "x.example.edu", "priority": 5, "weight": 0},
      {"domain": "y.example.edu", "priority": 0, "weight": 7}]),
    (["a.example.edu, high", "", "b, 1, 2, 3"],
     [{"domain": "a.example.edu, high", "priority": None, "weight": None},
      {"domain": "b, 1, 2, 3", "priority": None, "weight": None}]),
    ("one.example.edu", [{"domain": "one.example.edu", "priority": 0, "weight": 0}]),
])
def test_the_publishing_domains_are_read_in_tn_reg_format(value, expected):
    """"domain_name, <priority>, <weight>", the numbers 0 when not supplied (TN-REG,
    docs/licensing-facts.md §12.2); an entry in another form is kept as it is, so it is rewritten."""
    assert state(host_product(OFFICE_2024, "FGHJK"), publish=value)["dns_publishing_domains"] == expected


def test_an_unactivated_host_product_activates_nothing_whatever_its_count():
    found = state(host_product(OFFICE_2024, "FGHJK", status=0, count=30))
    assert found["activates_office"] is False and found["host_products"][0]["activated"] is False


@pytest.mark.parametrize("count", [-1, 0xFFFFFFFF, None])
def test_a_count_of_minus_one_is_none(count):
    assert state(host_product(OFFICE_2024, "FGHJK", count=count))["host_products"][0]["current_count"] is None


def test_the_host_product_is_told_by_its_description_and_the_office_version_by_its_id():
    found = state(host_product(OFFICE_2024, "FGHJK"),
                  host_product("11111111-2222-3333-4444-555555555555", "ABCDE",
                               description="Office 24, VOLUME_KMSCLIENT channel"),
                  host_product(WINDOWS_HOST, "6789B", office=False))
    assert [(p["partial_key"], p["application"], p["office_version"]) for p in found["host_products"]] == [
        ("FGHJK", "office", "2024"), ("6789B", "windows", None)]
    office, windows = found["host_products"]
    assert "Office LTSC 2024" in office["activates"] and "Windows Server" in windows["activates"]
    assert office["requests"] == dict.fromkeys(host_inspection.REQUEST_COUNTERS, 3)


@pytest.mark.parametrize(("rule", "rule_class", "expected"), [
    (dict(RULE, Enabled=1, Profiles=3), True,
     {"available": True, "found": True, "enabled": True, "profiles": ["Domain", "Private"]}),
    (None, True, {"available": True, "found": False, "enabled": None, "profiles": None}),
    (None, False, {"available": False, "found": False, "enabled": None, "profiles": None}),
])
def test_the_firewall_rule(rule, rule_class, expected):
    found = state(rule=rule, rule_class=rule_class)["firewall"]
    assert {k: found[k] for k in expected} == expected


def test_a_failed_read_names_its_step():
    program = host_inspection.read_program()
    failed = answer(program, errors={"host_products": (0x80070005, "Access denied")})
    with pytest.raises(CallError) as raised:
        host_inspection.interpret(failed)
    assert raised.value.step == "read the KMS host products (Software Protection service)"
    assert raised.value.code == 0x80070005


def request(time: str, code: str, fqdn: str, cmid: str, status: str = "2") -> dict[str, Any]:
    info = [code, "5", fqdn, cmid, "2026/11/30 10:02", "0", status, "43200", "8d368fc1-9470-4be2-8d66-90e836cbb051"]
    return {"id": 12290, "record_id": 1, "provider": "Microsoft-Windows-Security-SPP", "time_created": time,
            "data": [", ".join(info)]}


def test_the_12290_requests_are_parsed_and_summarised_by_result():
    events = [request("2026-11-30T10:00:00Z", "0xC004F038", "pc01.campus.example", "c1"),
              request("2026-11-30T10:05:00Z", "0x0", "pc02.campus.example", "c2"),
              request("2026-11-30T10:06:00Z", "0x0", "pc03.campus.example", "c3"),
              request("2026-11-30T10:07:00Z", "0x0", "pc03.campus.example", "c3", status="1")]
    found = state(events=events)
    newest = found["kms_requests"][0]
    assert newest == {"time": "2026-11-30T10:07:00Z", "hresult": "0x00000000", "error_name": None,
                      "required_count": 5, "client": "pc03.campus.example", "cmid": "c3",
                      "client_time": "2026/11/30 10:02", "virtual_machine": False,
                      "license_status": {"code": 1, "name": "Licensed"}, "minutes_to_expiration": 43200,
                      "activation_id": "8d368fc1-9470-4be2-8d66-90e836cbb051"}
    summary = found["kms_request_summary"]
    assert (summary["events"], summary["distinct_clients"], summary["newest"], summary["oldest"]) == (
        4, 3, "2026-11-30T10:07:00Z", "2026-11-30T10:00:00Z")
    assert [(r["hresult"], r["count"], len(r["clients"])) for r in summary["by_result"]] == [
        ("0x00000000", 3, 2), ("0xC004F038", 1, 1)]
    assert summary["by_result"][1]["error_hint"] == hresult.HOST_HINTS[0xC004F038]
    # One Info text or one string per field: the same request either way (docs/licensing-facts.md §12.8).
    split = dict(events[0], data=events[0]["data"][0].split(", "))
    assert evidence.kms_requests([split]) == evidence.kms_requests(events[:1])


def test_events_that_cannot_be_read_say_so_and_fail_nothing():
    program = host_inspection.read_program()
    found = host_inspection.interpret(answer(program, {
        "host_service": {"instances": [SERVICE]}, "host_products": {"instances": []},
        "firewall": {"instances": [RULE]}}, errors={"requests": (0x800706BA, "The RPC server is unavailable")}))
    assert found["kms_request_summary"]["read"] is False and found["kms_requests"] == []


# -- the plan ---------------------------------------------------------------------------------------
def test_a_fresh_host_installs_and_activates_each_key_then_sets_and_restarts_once():
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(WINDOWS_KEY, OFFICE_KEY), firewall=True,
                                               dns_publishing=False, office_versions=("2024",)))
    assert actions(plan) == [("install_host_key", "6789B"), ("activate_host", "6789B"),
                             ("install_host_key", "FGHJK"), ("activate_host", "FGHJK"),
                             ("set_dns_publishing", False), ("enable_firewall_rule", "SPPSVC-In-TCP"),
                             ("restart_service", "sppsvc")]
    assert plan.reasons[4] == "DNS publishing is on, not off"
    assert plan.warnings == []


def test_a_host_as_asked_has_no_step():
    plan = plan_kms_host(HOST, KmsHostDesired(host_keys=(WINDOWS_KEY, OFFICE_KEY.lower().upper()), firewall=True,
                                              dns_publishing=True, low_priority=False, activation_interval=120,
                                              renewal_interval=10080, office_versions=("2024",)))
    assert plan.steps == [] and not plan.changes


def test_a_licensed_host_product_is_never_activated_again():
    """slmgr /ato would activate it again and spend one of its key's activations (§12.4)."""
    for desired in (KmsHostDesired(), KmsHostDesired(host_keys=(WINDOWS_KEY,)), KmsHostDesired(activate=True)):
        assert [s for s in plan_kms_host(HOST, desired).steps if s["action"] == "activate_host"] == []


def test_a_keyed_host_product_not_activated_is_activated_by_its_id_first():
    found = state(host_product(OFFICE_2024, "fghjk", status=0), host_product(WINDOWS_HOST, "6789B", office=False))
    plan = plan_kms_host(found, KmsHostDesired(host_keys=("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-QQQQQ",)))
    assert plan.steps[0] == {"action": "activate_host", "value": {
        "sku_id": OFFICE_2024, "partial_key": "FGHJK", "label": "the Office LTSC 2024 host product"}}
    assert plan.reasons[0] == "the Office LTSC 2024 host product is not activated (Unlicensed)"
    assert [s["action"] for s in plan.steps] == ["activate_host", "install_host_key", "activate_host",
                                                 "restart_service"]


def test_activate_false_activates_nothing_and_warns():
    found = state(host_product(OFFICE_2024, "FGHJK", status=0))
    plan = plan_kms_host(found, KmsHostDesired(host_keys=(WINDOWS_KEY,), activate=False))
    assert actions(plan) == [("install_host_key", "6789B"), ("restart_service", "sppsvc")]
    assert plan.warnings == ["the Office LTSC 2024 host product is not activated (Unlicensed) and activate is false: "
                             "it activates no client until it is (0xC004F041)"]


@pytest.mark.parametrize(("desired", "step", "value", "reason"), [
    (KmsHostDesired(listening_port=1700), "set_listening_port", 1700, "the listening port is 1688, not 1700"),
    (KmsHostDesired(low_priority=True), "set_low_priority", True, "low priority is off, not on"),
    (KmsHostDesired(activation_interval=60), "set_activation_interval", 60, "the activation interval is 120, not 60"),
    (KmsHostDesired(renewal_interval=4320), "set_renewal_interval", 4320, "the renewal interval is 10080, not 4320"),
])
def test_each_setting_that_differs_is_set_then_sppsvc_restarts(desired, step, value, reason):
    plan = plan_kms_host(HOST, desired)
    assert plan.steps == [host_steps.step(step, value), host_steps.step("restart_service", "sppsvc")]
    assert plan.reasons[0] == reason


def test_a_listening_port_of_0_is_1688():
    assert plan_kms_host(state(host_product(OFFICE_2024, "FGHJK"), service={"KeyManagementServiceListeningPort": 0}),
                         KmsHostDesired(listening_port=1688)).steps == []


@pytest.mark.parametrize(("enabled", "wanted", "step"), [
    (1, True, None), (2, True, "enable_firewall_rule"), (1, False, "disable_firewall_rule"), (2, False, None),
    (1, None, None), (2, None, None)])
def test_the_firewall_rule_needs_no_restart(enabled, wanted, step):
    found = state(host_product(OFFICE_2024, "FGHJK"), rule=dict(RULE, Enabled=enabled))
    plan = plan_kms_host(found, KmsHostDesired(firewall=wanted))
    assert [s["action"] for s in plan.steps] == ([step] if step else [])


@pytest.mark.parametrize(("found", "desired", "words"), [
    (FRESH, KmsHostDesired(office_versions=("2021", "2024")),
     "the Office Volume License Pack of Office LTSC 2021 is not installed (the host has no licence with its host "
     "Activation ID 47f3b983-7c53-4d45-abc6-bcd91e2dd90a): download it from "
     "https://www.microsoft.com/download/details.aspx?id=103446, install it on the host (for example with "
     "ansible.windows.win_package), then run this task again with its host key in host_keys"),
    (FRESH, KmsHostDesired(firewall=True), "it is not a KMS host: no licence with a VOLUME_KMS channel has a key"),
    (state(host_product(OFFICE_2024, "FGHJK"), rule=None), KmsHostDesired(firewall=True),
     "the host has no firewall rule SPPSVC-In-TCP"),
    (state(host_product(OFFICE_2024, "FGHJK"), rule_class=False), KmsHostDesired(firewall=False),
     "the class MSFT_NetFirewallRule (root/StandardCimv2) is not registered"),
])
def test_what_cannot_be_done_fails_before_anything_is_changed(found, desired, words):
    with pytest.raises(PlanError) as raised:
        plan_kms_host(found, desired)
    assert words in str(raised.value)


def test_a_pack_without_its_key_is_a_warning():
    plan = plan_kms_host(state(host_product(OFFICE_2024, None, 0), host_product(WINDOWS_HOST, "6789B", office=False)),
                         KmsHostDesired(office_versions=("2024",)))
    assert plan.warnings == ["the Office Volume License Pack of Office LTSC 2024 is installed, but not its host key: "
                             "give it in host_keys"]


# -- the step table and the write program --------------------------------------------------------
def every_step_plan():
    found = state(host_product(OFFICE_2024, "FGHJK", status=0), rule=dict(RULE, Enabled=1))
    return plan_kms_host(found, KmsHostDesired(
        host_keys=(WINDOWS_KEY,), listening_port=1700, dns_publishing=False, low_priority=True,
        activation_interval=60, renewal_interval=4320, firewall=False))


def test_each_step_is_the_method_slmgr_calls_on_its_class():
    program = host_apply.program(every_step_plan())
    calls = [(op["id"], op["op"], op.get("class"), op.get("method") or op.get("name"), op.get("where"),
              [(a["name"], a["type"], a["value"]) for a in op.get("arguments") or []], op.get("group"))
             for op in program if op["op"] not in ("cim_query", "registry_read")]
    spp, service, rule = "SoftwareLicensingProduct", "SoftwareLicensingService", "MSFT_NetFirewallRule"
    assert calls == [
        ("step:0", "cim_invoke", spp, "Activate", "ID='%s'" % OFFICE_2024, [], "sku:" + OFFICE_2024),
        ("step:0:refresh", "cim_invoke", service, "RefreshLicenseStatus", None, [], "sku:" + OFFICE_2024),
        ("step:1", "cim_invoke", service, "InstallProductKey", None, [("ProductKey", "string", WINDOWS_KEY)],
         "key:6789B"),
        ("step:1:refresh", "cim_invoke", service, "RefreshLicenseStatus", None, [], "key:6789B"),
        ("step:2", "cim_invoke", spp, "Activate", "PartialProductKey='6789B'", [], "key:6789B"),
        ("step:2:refresh", "cim_invoke", service, "RefreshLicenseStatus", None, [], "key:6789B"),
        ("step:3", "cim_invoke", service, "SetKeyManagementServiceListeningPort", None,
         [("PortNumber", "uint32", 1700)], None),
        # DisablePublishing is the inverse of dns_publishing (docs/licensing-facts.md §12.2)
        ("step:4", "cim_invoke", service, "DisableKeyManagementServiceDnsPublishing", None,
         [("DisablePublishing", "boolean", True)], None),
        ("step:5", "cim_invoke", service, "EnableKeyManagementServiceLowPriority", None,
         [("EnableLowPriority", "boolean", True)], None),
        ("step:6", "cim_invoke", service, "SetVLActivationInterval", None, [("ActivationInterval", "uint32", 60)],
         None),
        ("step:7", "cim_invoke", service, "SetVLRenewalInterval", None, [("RenewalInterval", "uint32", 4320)], None),
        ("step:8", "cim_invoke", rule, "Disable", "InstanceID='SPPSVC-In-TCP'", [], None),
        ("step:9", "service_restart", None, "sppsvc", None, [], None),
    ]
    assert [op for op in program if op["op"] == "cim_invoke" and op["class"] == rule][0]["namespace"] == \
        "root/StandardCimv2"
    # the state read again, last
    assert [op["id"] for op in program[-5:]] == ["after:os", "after:host_service", "after:host_products",
                                                 "after:firewall", "after:publish_list"]


def test_the_key_is_shown_by_its_last_five_only():
    plan = every_step_plan()
    shown = [host_steps.shown(s) for s in plan.steps]
    assert {"action": "install_host_key", "key": "6789B"} in shown
    assert WINDOWS_KEY not in repr(shown) + repr(plan.reasons) + repr([host_steps.words(s) for s in plan.steps])


# -- the outcome -----------------------------------------------------------------------------------
def after(plan, errors: dict[str, tuple[int | None, str | None]] | None = None,
          **reread: Any) -> hostops.Results:
    """The apply program's results: the steps as ``errors`` says, the state read again."""
    program = host_apply.program(plan)
    data = {op["id"]: {"return_value": 0} for op in program if op["op"] == "cim_invoke"}
    data.update({op["id"]: {"name": "sppsvc", "status": "Running"} for op in program if op["op"] == "service_restart"})
    read = results(program=host_inspection.state_reads(host_apply.AFTER), prefix=host_apply.AFTER, **reread)
    data.update({op_id: r.data for op_id, r in read.items()})
    return answer(program, data, errors)


def test_a_fresh_host_set_up_reports_each_step_and_the_state_read_again():
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(OFFICE_KEY,), firewall=True))
    done = after(plan, products=[host_product(OFFICE_2024, "FGHJK", count=0)], rule=dict(RULE, Enabled=1))
    result = host_outcome.report("kms01", plan, FRESH, done, check_mode=False, diff=True)
    assert result["changed"] is True and "failed" not in result
    assert [(s["action"], s["result"]) for s in result["steps"]] == [
        ("install_host_key", "ok"), ("activate_host", "ok"), ("enable_firewall_rule", "ok"), ("restart_service", "ok")]
    assert result["steps"][-1]["service_status"] == "Running"
    assert result["msg"] == (
        "changed: install the KMS host key *****-FGHJK; activate the host product of key *****-FGHJK; enable the "
        "firewall rule SPPSVC-In-TCP; restart the Software Protection service (sppsvc); Office LTSC 2024 host "
        "product (key FGHJK, Licensed); port 1688, DNS publishing on, priority normal, firewall rule SPPSVC-In-TCP "
        "enabled; count 0: activates Office no, Windows Server no, Windows clients no")
    assert "host key FGHJK: Office LTSC 2024 host product, Licensed" in result["diff"]["after"]
    assert "firewall rule SPPSVC-In-TCP: disabled" in result["diff"]["before"]
    assert "warnings" not in result


def test_a_step_the_host_does_not_show_done_is_warned_about():
    plan = plan_kms_host(HOST, KmsHostDesired(listening_port=1700))
    result = host_outcome.report("kms01", plan, HOST, after(plan, products=HOST_ROWS), check_mode=False,
                                 diff=False)
    assert result["warnings"] == ["kms01: set the listening port to 1700 succeeded, but the host read again does not "
                                  "show it done"]


HOST_ROWS = [host_product(OFFICE_2024, "FGHJK"), host_product(WINDOWS_HOST, "6789B", office=False)]


@pytest.mark.parametrize(("code", "words"), [
    (0xC004C008, "0xC004C008 SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED: the product key has exceeded its unlock limit. "
                 "This host key has been activated as often as Microsoft allows"),
    (0x80072EE7, "0x80072EE7 (The server name or address could not be resolved). Activating a KMS host key needs "
                 "Internet access"),
    (None, "Windows reported an error without an error code (The server name or address could not be resolved). "
           "Run the task again"),
])
def test_a_failed_activation_names_host_step_hresult_and_what_to_do(code, words):
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(OFFICE_KEY,)))
    done = after(plan, {"step:1": (code, "The server name or address could not be resolved")},
                 products=[host_product(OFFICE_2024, "FGHJK", status=0)])
    result = host_outcome.report("kms01", plan, FRESH, done, check_mode=False, diff=False)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("Failed to activate the host product of key *****-FGHJK on kms01 (step "
                                    "activate_host): ")
    assert words in result["msg"]
    assert result["msg"].endswith("Done: install the KMS host key *****-FGHJK; restart the Software Protection "
                                  "service (sppsvc).")
    assert result["error_code"] == hresult.to_hex(code)
    assert [s["result"] for s in result["steps"]] == ["ok", "failed", "ok"]


def test_a_failed_installation_skips_its_activation_and_the_rest_runs():
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(OFFICE_KEY,), firewall=True))
    done = after(plan, {"step:0": (0xC004F069, "SKU not found")}, products=[])
    result = host_outcome.report("kms01", plan, FRESH, done, check_mode=False, diff=False)
    assert [s["result"] for s in result["steps"]] == ["failed", "not run", "ok", "ok"]
    assert (result["error_code"], result["error_name"], result["error_hint"]) == (
        "0xC004F069", "SL_E_MISMATCHED_PRODUCT_SKU", hresult.HOST_HINTS[0xC004F069])
    assert "Not run: activate the host product of key *****-FGHJK." in result["msg"]


def test_check_mode_predicts_and_changes_nothing():
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(OFFICE_KEY,), firewall=True))
    result = host_outcome.report("kms01", plan, FRESH, None, check_mode=True, diff=True)
    assert {s["result"] for s in result["steps"]} == {"planned"}
    assert result["firewall"]["enabled"] is True and result["is_kms_host"] is True
    assert result["msg"].startswith("would change: install the KMS host key *****-FGHJK")
    assert FRESH["firewall"]["enabled"] is False  # the state read is not changed by the prediction


def test_a_host_as_asked_is_compliant():
    plan = plan_kms_host(HOST, KmsHostDesired())
    result = host_outcome.report("kms01", plan, HOST, None, check_mode=False, diff=False)
    assert (result["changed"], result["steps"]) == (False, [])
    assert result["msg"].startswith("compliant: Office LTSC 2024 host product (key FGHJK, Licensed), Windows host "
                                    "product VOLUME_KMS_WS22 (key 6789B, Licensed); port 1688")


def test_a_lost_reply_reports_what_the_host_shows():
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(OFFICE_KEY,), firewall=True))
    lost = CallError("the host printed no output (exit code 1)", "apply the plan", hint="Run the task again.")
    again = host_inspection.state(results([host_product(OFFICE_2024, "FGHJK", status=0)],
                                          program=host_inspection.state_reads(host_apply.AFTER),
                                          prefix=host_apply.AFTER), host_apply.AFTER)
    result = host_outcome.lost_reply("kms01", plan, FRESH, lost, again, diff=False)
    assert [s["result"] for s in result["steps"]] == ["ok", "not run", "not run", "unknown"]
    assert result["left_undone"] == ["activate_host", "enable_firewall_rule"]
    assert result["failed"] is True and result["changed"] is True and result["remote_calls"] == 3
    assert "does not show these done: activate the host product of key *****-FGHJK; enable the firewall rule" in \
        result["msg"]
    assert any("Restart-Service sppsvc" in w for w in result["warnings"])


def test_state_unknown_says_so():
    plan = plan_kms_host(FRESH, KmsHostDesired(host_keys=(OFFICE_KEY,)))
    lost = CallError("garbled", "apply the plan")
    result = host_outcome.state_unknown("kms01", plan, lost, CallError("timed out", "read again"))
    assert result["state_unknown"] is True and result["changed"] is True and result["failed"] is True
    assert {s["result"] for s in result["steps"]} == {"unknown"}


# -- the operations' fixed sets, checked by hostops as by the executor ---------------------------
def test_hostops_sends_a_namespace_or_log_only_when_it_is_not_the_default():
    assert "namespace" not in hostops.cim_query("x", "Win32_Service", ["Name"], namespace="root/cimv2")
    assert hostops.cim_invoke("x", "MSFT_NetFirewallRule", "Enable", namespace="root/StandardCimv2")["namespace"] == \
        "root/StandardCimv2"
    assert "log" not in hostops.event_log("x", evidence.SPP_PROVIDER, [12288], 5)
    assert hostops.service_restart("x", "sppsvc") == {"id": "x", "op": "service_restart", "name": "sppsvc"}


@pytest.mark.parametrize("build", [
    lambda: hostops.cim_query("x", "Win32_Service", ["Name"], namespace="root/default"),
    lambda: hostops.cim_invoke("x", "MSFT_NetFirewallRule", "Enable", namespace="root\\StandardCimv2"),
    lambda: hostops.event_log("x", None, [4624], 5, log="Security"),
    lambda: hostops.service_restart("x", "WinRM"),
])
def test_hostops_refuses_what_the_executor_refuses(build):
    with pytest.raises(ValueError, match="is not one of"):
        build()


def test_the_trace_names_the_namespace_the_log_and_the_service(monkeypatch):
    lines = []
    monkeypatch.setattr(hostops.display, "verbosity", 3)
    monkeypatch.setattr(hostops.display, "vvv", lambda text, host=None: lines.append(text))
    publishing = plan_kms_host(PUBLISHING, KmsHostDesired(dns_publishing_domains=(("halls.example.edu", 1, 2),)))
    hostops.trace_program(host_apply.step_operations(every_step_plan())[-2:] + host_inspection.read_program()[-3:]
                          + host_apply.step_operations(publishing)[:1], "apply the plan", "kms01")
    assert lines[1:] == [
        "  1. step:8: cim_invoke MSFT_NetFirewallRule.Disable() where InstanceID='SPPSVC-In-TCP' in root/StandardCimv2",
        "  2. step:9: service_restart sppsvc",
        "  3. firewall: cim_query MSFT_NetFirewallRule, 4 properties, where InstanceID='SPPSVC-In-TCP', in "
        "root/StandardCimv2",
        "  4. publish_list: registry_read %s DnsDomainPublishList" % host_inspection.SPP_KEY,
        "  5. requests: event_log the Key Management Service log IDs [12290], newest 100",
        '  6. step:0: registry_write %s DnsDomainPublishList = ["halls.example.edu, 1, 2"]' % host_inspection.SPP_KEY]


# -- the other DNS domains the host publishes in (DnsDomainPublishList, docs/licensing-facts.md §12.2) --
PUBLISHING = state(host_product(OFFICE_2024, "FGHJK"), publish=["labs.example.edu, 10, 100", "dorms.example.edu"])


def test_publishing_domains_are_written_when_they_differ_and_restart_the_service():
    wanted = (("labs.example.edu", 10, 100), ("halls.example.edu", 0, 5))
    plan = plan_kms_host(PUBLISHING, KmsHostDesired(dns_publishing_domains=wanted))
    assert [s["action"] for s in plan.steps] == ["set_dns_publishing_domains", "restart_service"]
    assert plan.reasons[0] == ("the other DNS domains the host publishes in are labs.example.edu (priority 10, weight "
                               "100), dorms.example.edu, not labs.example.edu (priority 10, weight 100), "
                               "halls.example.edu (priority 0, weight 5)")
    write = [op for op in host_apply.program(plan) if op["op"] == "registry_write"]
    assert write == [{"id": "step:0", "op": "registry_write", "key": host_inspection.SPP_KEY,
                      "name": "DnsDomainPublishList", "data": ["labs.example.edu, 10, 100", "halls.example.edu, 0, 5"]}]
    predicted = host_steps.predict(PUBLISHING, plan.steps)
    assert host_steps.observed(plan.steps[0], predicted) is True
    assert host_steps.observed(plan.steps[0], PUBLISHING) is False


def test_the_same_domains_in_another_order_are_no_change():
    desired = KmsHostDesired(dns_publishing_domains=(("dorms.example.edu", 0, 0), ("labs.example.edu", 10, 100)))
    assert plan_kms_host(PUBLISHING, desired).steps == []
    assert plan_kms_host(PUBLISHING, KmsHostDesired()).steps == []  # omitted: left as it is


def test_no_domains_removes_the_value():
    plan = plan_kms_host(PUBLISHING, KmsHostDesired(dns_publishing_domains=()))
    assert plan.reasons[0].endswith("dorms.example.edu, not none")
    write = [op for op in host_apply.program(plan) if op["op"] == "registry_write"]
    assert write == [{"id": "step:0", "op": "registry_write", "key": host_inspection.SPP_KEY,
                      "name": "DnsDomainPublishList", "remove": True}]
    unset = state(host_product(OFFICE_2024, "FGHJK"))
    assert plan_kms_host(unset, KmsHostDesired(dns_publishing_domains=())).steps == []


@pytest.mark.parametrize("version", ["6.1.7601", "6.0.6002"])
def test_publishing_domains_are_refused_on_server_2008_r2_and_older(version):
    found = state(host_product(OFFICE_2024, "FGHJK"), os={"Version": version})
    with pytest.raises(PlanError) as raised:
        plan_kms_host(found, KmsHostDesired(dns_publishing_domains=(("labs.example.edu", 0, 0),)))
    assert "reads DnsDomainPublishList in another format, which Microsoft does not document" in str(raised.value)
    assert plan_kms_host(state(host_product(OFFICE_2024, "FGHJK"), os={"Version": "6.3.9600"}),
                         KmsHostDesired(dns_publishing_domains=(("labs.example.edu", 0, 0),))).steps
