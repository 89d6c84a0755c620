"""The lab's KMS host as a modelled Windows Server (tests/simlab/kmshost.py, scenarios/kms_host.yml):
its host keys, online activation, count, answers, events, firewall, port and DNS publishing, as
docs/licensing-facts.md §12 documents them; driven directly in Python (the CIM provider as a
script's WMI calls reach it) and through the PowerShell emulation. No Ansible here."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from tests.simlab import kmshost
from tests.simlab import scenario as scenario_mod
from tests.simlab.cim import (
    E_INVALIDARG,
    SL_E_MISMATCHED_PRODUCT_SKU,
    WBEM_E_INVALID_CLASS,
    WBEM_E_INVALID_METHOD_PARAMETERS,
    WBEM_E_INVALID_NAMESPACE,
    CimError,
)
from tests.simlab.host import WindowsHost
from tests.simlab.lab import Lab
from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell import session
from tests.simlab.scenario import ScenarioError

OFFICE_CLIENT = "8d368fc1-9470-4be2-8d66-90e836cbb051"  # ProPlus 2024 KMS client (docs/licensing-facts.md §5.3)
OFFICE24_HOST = "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f"  # Office 2024 host (docs/licensing-facts.md §12.4)
WS2022_CLIENT = "2212a7cc-9d55-4bf6-80c6-796f5d21b2b2"
WS2022_HOST = "6a4e1f3c-2b7d-4c5e-9f10-3d2c1b0a9e8f"
WIN11_CLIENT = "2de67392-b7a7-462a-b1ca-108dd189f588"
WINDOWS_KEY = "SIMUL-ATEDK-MSHST-WS22L-ABK01"
OFFICE24_KEY = "SIMUL-ATEDK-MSHST-OFF24-ABK02"
OFFICE21_KEY = "SIMUL-ATEDK-MSHST-OFF21-ABK03"
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
PCS = ["pc%02d" % n for n in range(1, 19)] + ["pc19-clone-a", "pc20-clone-b"]
SERVICE = "SoftwareLicensingService"
PRODUCT = "SoftwareLicensingProduct"
NOT_ENOUGH = 0xC004F038
NOT_ENABLED = 0xC004F039
NOT_ACTIVATED = 0xC004F041
MISMATCH = 0xC004F042
UNAVAILABLE = 0xC004F074
TIMESTAMP = 0xC004F06C
UNLOCK_EXCEEDED = 0xC004C008


def raw_scenario() -> dict[str, Any]:
    with open(scenario_mod.scenario_path("kms_host"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def make_lab(data: dict[str, Any] | None = None) -> Lab:
    return Lab(scenario_mod.parse(copy.deepcopy(data if data is not None else raw_scenario())))


@pytest.fixture
def lab() -> Iterator[Lab]:
    running = make_lab()
    try:
        yield running
    finally:
        running.stop()


def call(host: WindowsHost, cls: str, method: str, where: str | None = None, **arguments: Any) -> int:
    """A method call as a script makes it through WMI: 0, or the HRESULT of the CimError."""
    namespace = "root/StandardCimv2" if cls.startswith("MSFT_") else "root/cimv2"
    try:
        return host.cim.invoke(cls, where, method, [{"name": k, "value": v} for k, v in arguments.items()], namespace)
    except CimError as error:
        assert error.hresult is not None
        return error.hresult


def sku(guid: str) -> str:
    return "ID='%s'" % guid


def product(host: WindowsHost, guid: str) -> dict[str, Any]:
    return next(p for p in host.state.products if p["ID"].lower() == guid.lower())


def service(host: WindowsHost, *names: str) -> dict[str, Any]:
    (row,) = host.cim.query(SERVICE, list(names), None)
    return row


def activate_office(lab: Lab, pc: str) -> int:
    return call(lab.host(pc), PRODUCT, "Activate", sku(OFFICE_CLIENT))


def enable_rule(host: WindowsHost) -> None:
    assert call(host, "MSFT_NetFirewallRule", "Enable", "InstanceID='SPPSVC-In-TCP'") == 0


def make_host(lab: Lab, *, windows: bool = True, office: bool = True, activate: bool = True,
              firewall: bool = True) -> WindowsHost:
    """kms01 as its administrator builds it: host keys in, activated online, the rule enabled."""
    kms01 = lab.host("kms01")
    for wanted, key, guid in ((windows, WINDOWS_KEY, WS2022_HOST), (office, OFFICE24_KEY, OFFICE24_HOST)):
        if wanted:
            assert call(kms01, SERVICE, "InstallProductKey", ProductKey=key) == 0
            if activate:
                assert call(kms01, PRODUCT, "Activate", sku(guid)) == 0
    if firewall:
        enable_rule(kms01)
    return kms01


def host_events(host: WindowsHost, event_id: int = 12290) -> list[list[str]]:
    """The Info fields of the host's events, oldest first."""
    return [e["data"][0].split(", ") for e in host.state.events if e["id"] == event_id]


def ps(lab: Lab, name: str, script: str) -> list[Any]:
    """A script run in the host's PowerShell emulation: its output, [string]-rendered."""
    host = lab.host(name)
    outcome = session.run_script(host, script, [], None)
    assert outcome.terminating is None, outcome.terminating
    return [None if o is None else rt.to_string(o) for o in outcome.output]


# -- the scenario --------------------------------------------------------------------------------------
def test_the_scenario_is_a_fresh_kms01_and_twenty_office_pcs(lab: Lab) -> None:
    kms01 = lab.host("kms01")
    assert kms01.state.os["caption"] == "Microsoft Windows Server 2022 Standard"
    assert service(kms01, "IsKeyManagementServiceMachine")["IsKeyManagementServiceMachine"] == 0
    hosts = [p for p in kms01.state.products if kmshost.is_host_sku(p)]
    assert sorted(p["ID"] for p in hosts) == sorted([WS2022_HOST, OFFICE24_HOST])
    assert all(p["PartialProductKey"] is None for p in hosts)
    office_host = product(kms01, OFFICE24_HOST)
    assert office_host["ApplicationID"] == OFFICE_APP
    assert "VOLUME_KMS" in office_host["Description"] and "VOLUME_KMSCLIENT" not in office_host["Description"]
    (rule,) = kms01.state.firewall["MSFT_NetFirewallRule"]
    assert (rule["InstanceID"], rule["Enabled"]) == ("SPPSVC-In-TCP", 2)
    assert not any(kmshost.is_host_sku(p) for p in lab.state("kms02").products if p["ID"] == OFFICE24_HOST)
    assert lab.host_names[2:] == PCS
    cmids = [lab.state(pc).client_machine_id for pc in PCS]
    assert len(set(cmids)) == 19 and cmids[-1] == cmids[-2]
    for pc in PCS:
        office = product(lab.host(pc), OFFICE_CLIENT)
        assert (office["LicenseStatus"], office["PartialProductKey"]) == (2, "GCVGB")
    assert {k: v.upper() for k, v in lab.network.served_by.items()} == {
        "kms.campus.example": "KMS01", "kms01.campus.example": "KMS01", "kms02.campus.example": "KMS02"}
    assert lab.inventory()["all"]["children"]["kms_hosts"]["hosts"] == {"kms01": None, "kms02": None}
    assert not lab.network.published("campus.example")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["kms_hosts"][0].update(current_count=12), "current_count"),
    (lambda d: d["kms_hosts"][0].update(host_keys=["Windows"]), "host_keys"),
    (lambda d: d["kms_hosts"][0].update(port=1700), "port"),
    (lambda d: d["kms_hosts"][0].update(machine="kms99"), "kms99"),
    (lambda d: d["hosts"][0].update(os={"caption": "Microsoft Windows Server 2019 Standard", "version": "10.0.17763",
                                        "build": "17763", "architecture": "64-bit"}), "Office 2024"),
    (lambda d: d["hosts"][0].update(office_volume_license_packs=["2013"]), "2013"),
    (lambda d: d["catalogue"]["ws2022-csvlk"].pop("kms_host_key"), "kms_host_key"),
    (lambda d: d["hosts"][0].update(kms_clients_seen=[{"count": 3, "required": 7}]), "required"),
    (lambda d: d["hosts"][0].update(firewall_rules={"SPPSVC-In-TCP": {"Enabled": 3}}), "Enabled"),
])
def test_scenario_mistakes_are_refused(change: Any, message: str) -> None:
    data = raw_scenario()
    change(data)
    with pytest.raises(ScenarioError, match=message):
        scenario_mod.parse(data)


# -- host keys and online activation (docs/licensing-facts.md §12.4) -----------------------------------
def test_a_host_key_lands_on_its_host_sku_and_makes_a_kms_host(lab: Lab) -> None:
    kms01 = lab.host("kms01")
    assert call(kms01, SERVICE, "InstallProductKey", ProductKey=WINDOWS_KEY) == 0
    host, client = product(kms01, WS2022_HOST), product(kms01, WS2022_CLIENT)
    assert (host["PartialProductKey"], host["LicenseStatus"]) == ("ABK01", 2)
    assert client["PartialProductKey"] is None  # Windows has one product key at a time
    row = service(kms01, "IsKeyManagementServiceMachine", "KeyManagementServiceCurrentCount",
                  "KeyManagementServiceListeningPort", "KeyManagementServiceDnsPublishing")
    assert row == {"IsKeyManagementServiceMachine": 1, "KeyManagementServiceCurrentCount": 0,
                   "KeyManagementServiceListeningPort": 0, "KeyManagementServiceDnsPublishing": True}
    (read,) = kms01.cim.query(PRODUCT, ["IsKeyManagementServiceMachine", "KeyManagementServiceCurrentCount"],
                              sku(WS2022_HOST))
    assert read == {"IsKeyManagementServiceMachine": 1, "KeyManagementServiceCurrentCount": 0}
    assert call(lab.host("kms02"), SERVICE, "InstallProductKey", ProductKey=OFFICE24_KEY) == SL_E_MISMATCHED_PRODUCT_SKU
    assert call(kms01, SERVICE, "InstallProductKey", ProductKey=OFFICE21_KEY) == SL_E_MISMATCHED_PRODUCT_SKU


def test_activate_on_a_host_sku_is_online_activation_and_may_be_repeated(lab: Lab) -> None:
    kms01 = lab.host("kms01")
    assert call(kms01, SERVICE, "InstallProductKey", ProductKey=OFFICE24_KEY) == 0
    kms01.state.faults["online_activation"] = "unreachable"
    assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == kmshost.WINHTTP_NAME_NOT_RESOLVED
    assert product(kms01, OFFICE24_HOST)["LicenseStatus"] == 2
    kms01.state.faults["online_activation"] = 0xC004C003
    assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == 0xC004C003
    del kms01.state.faults["online_activation"]
    assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == 0
    assert product(kms01, OFFICE24_HOST)["LicenseStatus"] == 1
    assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == 0  # slmgr /ato on a licensed CSVLK
    assert lab.scenario.known_keys[OFFICE24_KEY]["activations_used"] == 2
    assert lab.scenario.known_keys[OFFICE24_KEY]["activated_on"] == ["kms01"]


def test_a_host_key_activates_ten_times_on_six_machines() -> None:
    data = raw_scenario()
    data["catalogue"]["office24-csvlk"]["activations_used"] = 9
    running = make_lab(data)
    try:
        kms01 = running.host("kms01")
        assert call(kms01, SERVICE, "InstallProductKey", ProductKey=OFFICE24_KEY) == 0
        assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == 0
        assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == UNLOCK_EXCEEDED
        data["catalogue"]["ws2022-csvlk"]["activated_on"] = ["a", "b", "c", "d", "e", "f"]
    finally:
        running.stop()
    running = make_lab(data)
    try:
        kms02 = running.host("kms02")
        assert call(kms02, SERVICE, "InstallProductKey", ProductKey=WINDOWS_KEY) == 0
        assert call(kms02, PRODUCT, "Activate", sku(WS2022_HOST)) == UNLOCK_EXCEEDED
    finally:
        running.stop()


# -- the count (docs/licensing-facts.md §12.7) -----------------------------------------------------------
def test_the_count_grows_with_distinct_clients_and_the_fifth_office_client_activates(lab: Lab) -> None:
    kms01 = make_host(lab)
    results = [activate_office(lab, pc) for pc in PCS[:6]]
    assert results == [NOT_ENOUGH] * 4 + [0, 0]
    counts = [int(lab.host(pc).state.events[-1]["data"][0].split(", ")[4]) for pc in PCS[:6]]  # 12289's count
    assert counts == [1, 2, 3, 4, 5, 6]
    assert activate_office(lab, PCS[0]) == 0  # the first client, retrying, now activates
    assert service(kms01, "KeyManagementServiceCurrentCount")["KeyManagementServiceCurrentCount"] == 6
    assert product(lab.host(PCS[4]), OFFICE_CLIENT)["LicenseStatus"] == 1


def test_cloned_clients_count_once(lab: Lab) -> None:
    kms01 = make_host(lab)
    assert activate_office(lab, "pc19-clone-a") == NOT_ENOUGH
    assert activate_office(lab, "pc20-clone-b") == NOT_ENOUGH
    assert kms01.cim.kms.count() == 1
    assert [fields[3] for fields in host_events(kms01)] == [lab.state("pc19-clone-a").client_machine_id] * 2


def test_the_count_caps_at_twice_the_highest_threshold_seen(lab: Lab) -> None:
    kms01 = make_host(lab)
    for pc in PCS:
        activate_office(lab, pc)
    assert kms01.cim.kms.count() == 10  # only threshold-5 clients: 2 x 5
    assert call(kms01, PRODUCT, "Activate", sku(WS2022_HOST)) == 0
    win = lab.host("pc01")
    assert call(win, PRODUCT, "Activate", sku(WIN11_CLIENT)) == NOT_ENOUGH  # a Windows client needs 25
    assert kms01.cim.kms.count() == 11  # the cap is now 2 x 25 = 50


@pytest.mark.parametrize(("seen", "count"), [
    ([{"count": 30, "required": 5}], 10),
    ([{"count": 30, "required": 5}, {"cmid": "c-win", "required": 25}], 31),
    ([{"count": 70, "required": 25}], 50),
    ([{"count": 4, "days_ago": 29}, {"count": 6, "days_ago": 31}], 4),
])
def test_a_seeded_count_follows_the_same_rules(seen: list[dict[str, Any]], count: int) -> None:
    data = raw_scenario()
    data["hosts"][0]["kms_clients_seen"] = seen
    running = make_lab(data)
    try:
        kms01 = make_host(running)
        assert kms01.cim.kms.count() == count
    finally:
        running.stop()


def test_a_seeded_host_at_four_activates_the_next_office_client_and_forgets_after_30_days() -> None:
    data = raw_scenario()
    data["hosts"][0]["kms_clients_seen"] = [{"count": 4, "days_ago": 2}]
    running = make_lab(data)
    try:
        kms01 = make_host(running)
        assert activate_office(running, "pc01") == 0
        for entry in kms01.state.kms_clients:
            entry["time"] -= timedelta(days=30)
        assert kms01.cim.kms.count() == 0
        assert activate_office(running, "pc02") == NOT_ENOUGH
    finally:
        running.stop()


# -- what the host answers (docs/licensing-facts.md §6, §12.4) --------------------------------------------
def test_a_product_the_host_holds_no_host_key_for_is_refused_with_0xc004f042(lab: Lab) -> None:
    kms01 = make_host(lab, office=False)
    assert activate_office(lab, "pc01") == MISMATCH
    assert kms01.cim.kms.count() == 0  # not counted
    failed = service(kms01, "KeyManagementServiceFailedRequests", "KeyManagementServiceTotalRequests")
    assert failed == {"KeyManagementServiceFailedRequests": 1, "KeyManagementServiceTotalRequests": 1}
    assert host_events(kms01)[0][0] == "0xC004F042"


def test_a_host_key_not_yet_activated_answers_0xc004f041(lab: Lab) -> None:
    kms01 = make_host(lab, activate=False)
    assert activate_office(lab, "pc01") == NOT_ACTIVATED
    assert call(kms01, PRODUCT, "Activate", sku(OFFICE24_HOST)) == 0
    assert activate_office(lab, "pc01") == NOT_ENOUGH


@pytest.mark.parametrize(("host_key", "os_", "activates"), [
    ("Windows Server 2022", {"caption": "Microsoft Windows 11 Education", "version": "10.0.22631"}, True),
    ("Windows Server 2022", {"caption": "Microsoft Windows Server 2019 Datacenter", "version": "10.0.17763"}, True),
    ("Windows Server 2022", {"caption": "Microsoft Windows Server 2025 Standard", "version": "10.0.26100"}, False),
    ("Windows Server 2025", {"caption": "Microsoft Windows Server 2025 Standard", "version": "10.0.26100"}, True),
    ("Windows Server 2019", {"caption": "Microsoft Windows 11 Enterprise", "version": "10.0.22631"}, False),
    ("Windows 10", {"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601"}, True),
    ("Windows 10", {"caption": "Microsoft Windows Server 2016 Standard", "version": "10.0.14393"}, False),
    ("Windows Server 2025", {"caption": "Microsoft Windows 8 Pro", "version": "6.2.9200"}, False),
])
def test_what_a_windows_host_key_activates_is_the_planning_table(host_key: str, os_: dict[str, str],
                                                                 activates: bool) -> None:
    now = datetime.now(timezone.utc)
    request = kmshost.KmsRequest("c", 25, "pc.example", now, 2, 0, "x", "Windows", kmshost.windows_release(os_))
    assert kmshost.host_key_activates(host_key, request) is activates
    office = kmshost.KmsRequest("c", 5, "pc.example", now, 2, 0, "x", "Office 2024", None)
    assert kmshost.host_key_activates(host_key, office) is False
    assert kmshost.host_key_activates("Office 2024", office) is True
    assert kmshost.host_key_activates("Office 2021", office) is False


def test_the_host_judges_the_clients_clock(lab: Lab) -> None:
    kms01 = make_host(lab)
    lab.state("pc03").clock_offset_minutes = 300
    assert activate_office(lab, "pc03") == TIMESTAMP
    assert host_events(kms01)[-1][0] == "0xC004F06C"
    assert kms01.cim.kms.count() == 0


# -- reachability: KMS host, sppsvc, firewall, port (docs/licensing-facts.md §12.2, §12.6) ------------------
def reach(lab: Lab, port: int = 1688, pc: str = "pc01") -> str:
    return lab.host(pc).connect("192.0.2.40", port, 2.0)


def test_no_kms_host_no_connection(lab: Lab) -> None:
    enable_rule(lab.host("kms01"))
    assert reach(lab) == "refused"
    assert activate_office(lab, "pc01") == 0x8007232B  # no _vlmcs._tcp record: nothing published yet
    assert call(lab.host("pc01"), PRODUCT, "SetKeyManagementServiceMachine", sku(OFFICE_CLIENT),
                MachineName="kms.campus.example") == 0
    assert activate_office(lab, "pc01") == UNAVAILABLE
    assert host_events(lab.host("kms01")) == []  # no 12290: the request never reached a KMS


def test_the_firewall_rule_decides_whether_clients_get_through(lab: Lab) -> None:
    kms01 = make_host(lab, firewall=False)
    assert reach(lab) == "refused"
    assert activate_office(lab, "pc01") == UNAVAILABLE
    assert host_events(kms01) == []
    enable_rule(kms01)
    assert reach(lab) == "connected"
    assert call(kms01, "MSFT_NetFirewallRule", "Disable", "InstanceID='SPPSVC-In-TCP'") == 0
    assert reach(lab) == "refused"


def test_a_stopped_software_protection_service_does_not_listen(lab: Lab) -> None:
    kms01 = make_host(lab)
    kms01.state.faults["licensing_service"] = "disabled"
    assert reach(lab) == "refused"
    assert lab.restart_service("kms01") == "cannot_start"
    del kms01.state.faults["licensing_service"]
    assert reach(lab) == "connected"


def test_without_its_last_host_key_the_machine_stops_being_a_kms_host(lab: Lab) -> None:
    kms01 = make_host(lab, office=False)
    assert reach(lab) == "connected"
    assert call(kms01, PRODUCT, "UninstallProductKey", sku(WS2022_HOST)) == 0
    assert service(kms01, "IsKeyManagementServiceMachine")["IsKeyManagementServiceMachine"] == 0
    assert reach(lab) == "refused"


def test_a_new_listening_port_takes_effect_when_sppsvc_restarts(lab: Lab) -> None:
    kms01 = make_host(lab)
    assert call(kms01, SERVICE, "SetKeyManagementServiceListeningPort", PortNumber=1700) == 0
    assert service(kms01, "KeyManagementServiceListeningPort")["KeyManagementServiceListeningPort"] == 1700
    assert (reach(lab, 1688), reach(lab, 1700)) == ("connected", "refused")  # still the old port
    assert lab.restart_service("kms01") == "restarted"
    assert lab.kms("kms.campus.example").port == 1700
    # The built-in rule opens TCP 1688 only (docs/licensing-facts.md §12.6): 1700 needs a rule of its own.
    assert (reach(lab, 1688), reach(lab, 1700)) == ("refused", "refused")
    kms01.state.firewall = kmshost.firewall_instances({"SPPSVC-In-TCP": {"Enabled": 1},
                                                       "KMS-1700": {"LocalPort": ["1700"]}})
    assert (reach(lab, 1688), reach(lab, 1700)) == ("refused", "connected")
    assert lab.network.published("campus.example") == [
        {"target": "kms01.campus.example", "port": 1700, "priority": 0, "weight": 0}]
    assert call(kms01, SERVICE, "ClearKeyManagementServiceListeningPort") == 0
    assert lab.restart_service("kms01") == "restarted"
    assert lab.kms("kms.campus.example").port == 1688


def test_intervals_reach_clients_after_the_restart(lab: Lab) -> None:
    kms01 = make_host(lab)
    kms01.state.kms_clients[:] = [{"cmid": "seed-%d" % n, "time": kms01.now(), "required": 5} for n in range(5)]
    assert call(kms01, SERVICE, "SetVLActivationInterval", ActivationInterval=60) == 0
    assert call(kms01, SERVICE, "SetVLRenewalInterval", RenewalInterval=1440) == 0
    assert activate_office(lab, "pc01") == 0
    assert lab.host("pc01").state.events[-1]["data"][0].split(", ")[5:7] == ["120", "10080"]
    lab.restart_service("kms01")
    assert activate_office(lab, "pc02") == 0
    assert lab.host("pc02").state.events[-1]["data"][0].split(", ")[5:7] == ["60", "1440"]
    assert (product(lab.host("pc02"), OFFICE_CLIENT)["VLActivationInterval"],
            product(lab.host("pc02"), OFFICE_CLIENT)["VLRenewalInterval"]) == (60, 1440)


# -- the host methods' documented arguments (docs/licensing-facts.md §12.2) ------------------------------
@pytest.mark.parametrize(("method", "arguments"), [
    ("SetVLActivationInterval", {"ActivationInterval": 60}),
    ("SetVLRenewalInterval", {"RenewalInterval": 60}),
    ("SetKeyManagementServiceListeningPort", {"PortNumber": 1700}),
    ("ClearKeyManagementServiceListeningPort", {}),
    ("DisableKeyManagementServiceDnsPublishing", {"DisablePublishing": True}),
    ("EnableKeyManagementServiceLowPriority", {"EnableLowPriority": True}),
])
def test_host_methods_fail_on_a_machine_that_is_no_kms_host(lab: Lab, method: str, arguments: dict[str, Any]) -> None:
    kms01 = lab.host("kms01")
    assert call(kms01, SERVICE, method, **arguments) == NOT_ENABLED
    make_host(lab, office=False, firewall=False)
    assert call(kms01, SERVICE, method, **arguments) == 0


@pytest.mark.parametrize(("method", "name", "value", "expected"), [
    ("SetVLActivationInterval", "ActivationInterval", 14, E_INVALIDARG),
    ("SetVLActivationInterval", "ActivationInterval", 15, 0),
    ("SetVLActivationInterval", "ActivationInterval", 43200, 0),
    ("SetVLActivationInterval", "ActivationInterval", 43201, E_INVALIDARG),
    ("SetVLRenewalInterval", "RenewalInterval", 14, E_INVALIDARG),
    ("SetVLRenewalInterval", "RenewalInterval", 43201, E_INVALIDARG),
    ("SetVLRenewalInterval", "RenewalInterval", "60", WBEM_E_INVALID_METHOD_PARAMETERS),
    ("SetKeyManagementServiceListeningPort", "PortNumber", 0, E_INVALIDARG),
    ("SetKeyManagementServiceListeningPort", "PortNumber", 65536, E_INVALIDARG),
    ("SetKeyManagementServiceListeningPort", "PortNumber", 65535, 0),
    ("SetKeyManagementServiceListeningPort", "Port", 1700, WBEM_E_INVALID_METHOD_PARAMETERS),
    ("DisableKeyManagementServiceDnsPublishing", "DisablePublishing", 1, WBEM_E_INVALID_METHOD_PARAMETERS),
])
def test_host_method_arguments(lab: Lab, method: str, name: str, value: Any, expected: int) -> None:
    kms01 = make_host(lab, office=False, firewall=False)
    assert call(kms01, SERVICE, method, **{name: value}) == expected


def test_settings_read_back_as_set(lab: Lab) -> None:
    kms01 = make_host(lab, office=False, firewall=False)
    for method, name, value in (("SetVLActivationInterval", "ActivationInterval", 30),
                                ("SetVLRenewalInterval", "RenewalInterval", 2880),
                                ("DisableKeyManagementServiceDnsPublishing", "DisablePublishing", True),
                                ("EnableKeyManagementServiceLowPriority", "EnableLowPriority", True)):
        assert call(kms01, SERVICE, method, **{name: value}) == 0
    assert service(kms01, "VLActivationInterval", "VLRenewalInterval", "KeyManagementServiceDnsPublishing",
                   "KeyManagementServiceLowPriority") == {
        "VLActivationInterval": 30, "VLRenewalInterval": 2880, "KeyManagementServiceDnsPublishing": False,
        "KeyManagementServiceLowPriority": True}


# -- events (docs/licensing-facts.md §12.8) ----------------------------------------------------------------
def test_every_request_writes_12290_with_the_documented_fields(lab: Lab) -> None:
    kms01 = make_host(lab)
    activate_office(lab, "pc01")
    pc01 = lab.host("pc01")
    (fields,) = host_events(kms01)
    assert fields == ["0xC004F038", "5", "pc01.campus.example", pc01.state.client_machine_id,
                      pc01.now().strftime("%Y/%m/%d %H:%M"), "0", "2", "43200", OFFICE_CLIENT]
    (event,) = [e for e in kms01.state.events if e["id"] == 12290]
    assert (event["log"], event["provider"], event["record_id"]) == (
        "Key Management Service", "Microsoft-Windows-Security-SPP", 1)
    assert [e["id"] for e in pc01.state.events] == [12288, 12289]  # the client's side, in its Application log


def test_12290_is_read_with_get_winevent_by_log_name(lab: Lab) -> None:
    make_host(lab)
    for pc in PCS[:5]:
        activate_office(lab, pc)
    found = ps(lab, "kms01", "$e = @(Get-WinEvent -FilterHashtable @{ LogName = 'Key Management Service'; Id = 12290 }"
                             " -MaxEvents 2)\n$e.Count\n$e[0].LogName\n$e[0].Properties[0].Value")
    assert found[:2] == ["2", "Key Management Service"]
    assert found[2].startswith("0x0, 5, pc05.campus.example, ")
    application = ps(lab, "kms01", "@(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 12294 }).Count")
    assert application == ["1"]  # published in DNS when the KMS started


# -- DNS publishing (docs/licensing-facts.md §7.1, §12.2) --------------------------------------------------
def test_a_publishing_kms_host_is_found_through_dns(lab: Lab) -> None:
    kms01 = make_host(lab)
    assert lab.host("pc01").srv_records("_vlmcs._tcp.campus.example") == [
        {"target": "kms01.campus.example", "port": 1688, "priority": 0, "weight": 0}]
    kms01.state.kms_clients[:] = [{"cmid": "seed-%d" % n, "time": kms01.now(), "required": 5} for n in range(4)]
    assert activate_office(lab, "pc01") == 0
    office = product(lab.host("pc01"), OFFICE_CLIENT)
    assert (office["DiscoveredKeyManagementServiceMachineName"], office["DiscoveredKeyManagementServiceMachinePort"]) \
        == ("kms01.campus.example", 1688)


def test_a_host_with_publishing_off_is_not_in_dns_and_turning_it_off_later_removes_nothing() -> None:
    data = raw_scenario()
    data["hosts"][0]["spp_service"] = {"KeyManagementServiceDnsPublishing": False}
    running = make_lab(data)
    try:
        kms01 = make_host(running)
        assert running.host("pc01").srv_records("_vlmcs._tcp.campus.example") is None
        assert call(kms01, SERVICE, "DisableKeyManagementServiceDnsPublishing", DisablePublishing=False) == 0
        assert running.host("pc01").srv_records("_vlmcs._tcp.campus.example") is None  # until the restart
        running.restart_service("kms01")
        assert len(running.host("pc01").srv_records("_vlmcs._tcp.campus.example") or []) == 1
        assert call(kms01, SERVICE, "DisableKeyManagementServiceDnsPublishing", DisablePublishing=True) == 0
        running.restart_service("kms01")
        assert len(running.host("pc01").srv_records("_vlmcs._tcp.campus.example") or []) == 1  # still there
        running.network.unpublish("campus.example", "kms01.campus.example")
        assert running.host("pc01").srv_records("_vlmcs._tcp.campus.example") is None
    finally:
        running.stop()


def test_published_records_join_a_static_one_and_leave_the_default_lab_alone() -> None:
    data = raw_scenario()
    data["defaults"]["dns_kms_host"] = "kms-old.campus.example"
    running = make_lab(data)
    try:
        make_host(running)
        targets = [r["target"] for r in running.host("pc01").srv_records("_vlmcs._tcp.campus.example") or []]
        assert targets == ["kms-old.campus.example", "kms01.campus.example"]
    finally:
        running.stop()
    default = Lab.from_scenario("default")
    try:
        assert default.network.machines == {}
        assert default.host("pc01-ltsc2024-visio").srv_records("_vlmcs._tcp.campus.example") == [
            {"target": "kms.campus.example", "port": 1688, "priority": 0, "weight": 0}]
    finally:
        default.stop()


# -- through the PowerShell emulation ----------------------------------------------------------------------
def test_the_firewall_rule_through_get_ciminstance_and_invoke_cimmethod(lab: Lab) -> None:
    make_host(lab, firewall=False)
    found = ps(lab, "kms01", """
$ns = 'root/StandardCimv2'
$id = "InstanceID='SPPSVC-In-TCP'"
$rule = Get-CimInstance -Namespace $ns -ClassName MSFT_NetFirewallRule -Filter $id
$rule.Enabled
$rule.Direction
$rule.Action
(Get-CimInstance -Namespace $ns -ClassName MSFT_NetProtocolPortFilter -Filter $id).LocalPort -join ','
(Invoke-CimMethod -InputObject $rule -MethodName Enable).ReturnValue
(Get-CimInstance -Namespace 'ROOT\\StandardCimv2' -ClassName MSFT_NetFirewallRule).Enabled
""")
    assert found == ["2", "1", "2", "1688", "0", "1"]
    assert reach(lab) == "connected"


def test_kms_methods_and_restart_service_through_powershell(lab: Lab) -> None:
    make_host(lab)
    found = ps(lab, "kms01", """
$s = Get-CimInstance -ClassName SoftwareLicensingService
$port = @{ PortNumber = [uint32]1700 }
(Invoke-CimMethod -InputObject $s -MethodName SetKeyManagementServiceListeningPort -Arguments $port).ReturnValue
$short = @{ ActivationInterval = [uint32]5 }
try { Invoke-CimMethod -InputObject $s -MethodName SetVLActivationInterval -Arguments $short -ErrorAction Stop }
catch { $_.Exception.ErrorData.CimInstanceProperties['error_Code'].Value }
(Get-CimInstance -ClassName SoftwareLicensingService).KeyManagementServiceListeningPort
Restart-Service -Name sppsvc
$office = "ID='f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f'"
(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $office).IsKeyManagementServiceMachine
""")
    assert found == ["0", str(E_INVALIDARG), "1700", "1"]
    assert lab.kms("kms.campus.example").port == 1700


def test_a_class_in_the_wrong_namespace_is_invalid_class(lab: Lab) -> None:
    kms01 = lab.host("kms01")
    with pytest.raises(CimError) as raised:
        kms01.cim.enumerate_instances("MSFT_NetFirewallRule", None)
    assert raised.value.hresult == WBEM_E_INVALID_CLASS
    with pytest.raises(CimError) as raised:
        kms01.cim.enumerate_instances("SoftwareLicensingService", None, "root/StandardCimv2")
    assert raised.value.hresult == WBEM_E_INVALID_CLASS
    windows7 = raw_scenario()
    windows7["hosts"][2]["os"] = {"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601", "build": "7601",
                                  "architecture": "64-bit"}
    running = make_lab(windows7)
    try:
        with pytest.raises(CimError) as raised:
            running.host("pc01").cim.enumerate_instances("MSFT_NetFirewallRule", None, "root/StandardCimv2")
        assert raised.value.hresult == WBEM_E_INVALID_NAMESPACE
    finally:
        running.stop()


def test_a_namespace_the_lab_does_not_model_fails_loudly(lab: Lab) -> None:
    outcome = pytest.raises(rt.Unsupported, session.run_script, lab.host("pc01"),
                            "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct", [], None)
    assert "root/SecurityCenter2" in str(outcome.value)


def test_publishing_domains_from_the_registry_at_the_restart(lab: Lab) -> None:
    """DnsDomainPublishList (TN-REG, docs/licensing-facts.md §12.2): "domain_name, <priority>,
    <weight>", the two numbers optional and 0 when not given; the home domain always; the records
    appear when the service restarts (DNS-Win)."""
    make_host(lab)
    found = ps(lab, "kms01", """
$key = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform'
$list = @('labs.example.edu, 10, 100', 'dorms.example.edu')
Set-ItemProperty -LiteralPath $key -Name DnsDomainPublishList -Value $list -Type MultiString
$read = (Get-Item -LiteralPath $key).GetValue('DnsDomainPublishList')
$read.GetType().FullName
$read -join '|'
""")
    assert found == ["System.String[]", "labs.example.edu, 10, 100|dorms.example.edu"]
    assert lab.host("pc01").srv_records("_vlmcs._tcp.labs.example.edu") is None  # not before the restart
    lab.restart_service("kms01", "sppsvc")
    assert lab.host("pc01").srv_records("_vlmcs._tcp.labs.example.edu") == [
        {"target": "kms01.campus.example", "port": 1688, "priority": 10, "weight": 100}]
    assert lab.host("pc01").srv_records("_vlmcs._tcp.dorms.example.edu") == [
        {"target": "kms01.campus.example", "port": 1688, "priority": 0, "weight": 0}]
    assert [r["target"] for r in lab.host("pc01").srv_records("_vlmcs._tcp.campus.example") or []] == [
        "kms01.campus.example"]
    assert ps(lab, "kms01", """
$key = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform'
Remove-ItemProperty -LiteralPath $key -Name DnsDomainPublishList
$null -eq (Get-Item -LiteralPath $key).GetValue('DnsDomainPublishList')
""") == ["True"]


def test_publishing_domains_need_publishing_on(lab: Lab) -> None:
    make_host(lab)
    kms01 = lab.host("kms01")
    assert call(kms01, SERVICE, "DisableKeyManagementServiceDnsPublishing", DisablePublishing=True) == 0
    kms01.registry_set("HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform",
                       "DnsDomainPublishList", ["labs.example.edu"])
    lab.restart_service("kms01", "sppsvc")
    assert lab.host("pc01").srv_records("_vlmcs._tcp.labs.example.edu") is None


def test_a_registry_write_to_a_missing_key_is_path_not_found(lab: Lab) -> None:
    found = ps(lab, "kms01", """
$key = 'HKLM:\\SOFTWARE\\NoSuchVendor'
try { Set-ItemProperty -LiteralPath $key -Name X -Value @('a') -Type MultiString -ErrorAction Stop }
catch { $_.FullyQualifiedErrorId }
""")
    assert found == ["PathNotFound,Microsoft.PowerShell.Commands.SetItemPropertyCommand"]
