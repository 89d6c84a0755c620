"""The simulated Windows host (tests/simlab/host.py, cim.py) driven as WinRM drives it: the
bootstrap command line, and standard input = script text + four NULs + base64(JSON program)
(docs/host-operations.md). It must fail as Windows fails (docs/licensing-facts.md §10.1), not as the
project expects."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops

from tests.simlab.cim import CimError
from tests.simlab.host import WindowsHost
from tests.simlab.lab import sent_program
from tests.simlab.network import Network, ipv6_loopback_available
from tests.simlab.scenario import Scenario, parse
from tests.simlab.wsman import CommandRequest

OFFICE = "0ff1ce15-a989-479d-af46-f275c6370663"
PROPLUS = "8d368fc1-9470-4be2-8d66-90e836cbb051"
VISIO = "fa187091-8246-47b1-964f-80a0b1e5d69a"
PROJECT = "f510af75-8ab7-4426-a236-1bfb95c34ff8"
O14 = "6f327760-8c5c-417c-9b61-836a98287e0c"
PROPLUS_KEY = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"
PROJECT_KEY = "FQQ23-N4YCY-73HQ3-FM9WC-76HF4"
STANDARD_KEY = "V28N4-JG22K-W66P8-VTMGK-H6HGR"  # a catalogue SKU no host has the licence of
EXECUTOR_TEXT = hostops.executor_text()  # the real executor: the lab runs its text
NEEDS_IPV6 = pytest.mark.skipif(not ipv6_loopback_available(), reason="::1 cannot be bound here")


def _product(sku: str, name: str, key: str, partial: str | None, *, cls: str = "SoftwareLicensingProduct",
             app: str = OFFICE) -> dict[str, Any]:
    description = name.split(",", maxsplit=1)[0] + ", VOLUME_KMSCLIENT channel"
    return {"class": cls, "ID": sku, "Name": name, "Description": description,
            "ApplicationID": app, "ProductKey": key, "PartialProductKey": partial,
            "LicenseStatus": 2 if partial else 0, "LicenseStatusReason": 0x4004F00C if partial else 0xC004F014,
            "GracePeriodRemaining": 43200 if partial else 0, "KeyManagementServiceMachine": None,
            "KeyManagementServicePort": 0, "DiscoveredKeyManagementServiceMachineName": None,
            "DiscoveredKeyManagementServiceMachinePort": 0}


SCENARIO: dict[str, Any] = {
    "defaults": {
        "username": "Administrator", "password": "x",
        "os": {"caption": "Microsoft Windows 11 Education", "version": "10.0.22631", "build": "22631",
               "architecture": "64-bit"},
        "cpu": {"mhz": 2904, "cores": 6, "sockets": 1}, "memory_mb": 16384, "system_drive_free_mb": 181000,
        "dns_kms_host": "kms.test", "dns_domain": "test",
    },
    "kms_hosts": [
        {"name": "kms.test", "addresses": ["192.0.2.10", "2001:db8::10"]},
        {"name": "kms6.test", "addresses": ["2001:db8::20"]},
        {"name": "kms-down.test", "listening": False, "addresses": ["192.0.2.30"]},
    ],
    "catalogue": {
        "proplus": _product(PROPLUS, "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", PROPLUS_KEY, "GCVGB"),
        "visio": _product(VISIO, "Office 24, Office24VisioPro2024VL_KMS_Client_AE edition",
                          "B7TN8-FJ8V3-7QYCP-HQPMV-YY89G", "YY89G"),
        "project": _product(PROJECT, "Office 24, Office24ProjectPro2024VL_KMS_Client_AE edition", PROJECT_KEY, None),
        "standard": _product("bbac904f-6a7e-418a-bb4b-24c85da06187",
                             "Office 24, Office24Standard2024VL_KMS_Client_AE edition", STANDARD_KEY, None),
        "win7pro": _product("b92e9980-b9d5-4821-9c94-140f632f6312", "Windows(R) 7, Professional edition",
                            "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4", "GPDD4", app="55c92734-d682-4d71-983e-d6ec3f16059f"),
        "o14": _product(O14, "Office 14, OfficeProPlus-KMS_Client edition", "VYBBJ-TRJPB-QFQRF-QFT4D-H3GVB",
                        "H3GVB", cls="OfficeSoftwareProtectionProduct", app="59a52881-a989-479d-af46-f275c6370663"),
    },
    "hosts": [
        {"name": "win11", "client_machine_id": "c-1",
         "products": [{"sku": "proplus"}, {"sku": "visio"}, {"sku": "project"}]},
        {"name": "nodns", "client_machine_id": "c-2", "dns_kms_host": None, "products": [{"sku": "proplus"}]},
        {"name": "win7", "client_machine_id": "c-3", "ospp_client_machine_id": "o-3", "ospp_service": True,
         "os": {"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601", "build": "7601",
                "architecture": "64-bit"},
         "products": [{"sku": "win7pro"}, {"sku": "o14"}]},
        {"name": "win7-disabled", "client_machine_id": "c-4", "ospp_service": "disabled",
         "products": [{"sku": "o14"}]},
        {"name": "split", "client_machine_id": "c-5", "network": {"resolve": {"kms.test": ["2001:db8::20"]}},
         "products": [{"sku": "proplus"}]},
    ],
}


@pytest.fixture
def lab() -> Iterator[tuple[Scenario, Network, dict[str, WindowsHost]]]:
    scenario = parse(json.loads(json.dumps(SCENARIO)))
    network = Network(scenario.kms_hosts)
    try:
        yield scenario, network, {s.name: WindowsHost(s, network, scenario.known_keys) for s in scenario.hosts}
    finally:
        network.close()


@pytest.fixture
def hosts(lab: tuple[Scenario, Network, dict[str, WindowsHost]]) -> dict[str, WindowsHost]:
    return lab[2]


def request(program: Any, script: str = EXECUTOR_TEXT) -> CommandRequest:
    """The command WinRM delivers: the bootstrap on the command line, the program on stdin."""
    bootstrap = hostops.bootstrap_script()
    encoded = base64.b64encode(bootstrap.encode("utf-16-le")).decode("ascii")
    payload = program if isinstance(program, str) else \
        base64.b64encode(json.dumps(program).encode("utf-8")).decode("ascii")
    # pywinrm sends all arguments as one space-joined element (wsman.CommandRequest.arguments)
    return CommandRequest("h", "PowerShell",
                          ["-NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand " + encoded],
                          (script + "\0\0\0\0" + payload + "\r\n").encode("utf-8"))


def call(host: WindowsHost, *operations: dict[str, Any]) -> dict[str, Any]:
    result = host(request({"version": 1, "operations": list(operations)}))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(b"\r\n")
    return json.loads(result.stdout.decode("utf-8"))


def results(host: WindowsHost, *operations: dict[str, Any]) -> list[dict[str, Any]]:
    document = call(host, *operations)
    assert "error" not in document, document
    return document["results"]


def query(cls: str, properties: list[str], where: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": "q", "op": "cim_query", "class": cls, "properties": properties, "where": where, **extra}


def invoke(cls: str, method: str, where: str | None = None, arguments: list[dict[str, Any]] | None = None,
           **extra: Any) -> dict[str, Any]:
    return {"id": method, "op": "cim_invoke", "class": cls, "where": where, "method": method,
            "arguments": arguments or [], **extra}


def arg(name: str, cim_type: str, value: Any) -> dict[str, Any]:
    return {"name": name, "type": cim_type, "value": value}


def sku(guid: str) -> str:
    return "ID='%s'" % guid


def product(host: WindowsHost, guid: str) -> dict[str, Any]:
    return next(p for p in host.state.products if p["ID"] == guid)


def one_error(host: WindowsHost, operation: dict[str, Any]) -> tuple[str | None, str]:
    [result] = results(host, operation)
    assert result["status"] == "error", result
    return result["hresult"], result["message"]


# -- Windows' errors for what a class does not have (docs/licensing-facts.md §10.1) ------------------
def test_query_returns_exactly_the_properties_asked(hosts: dict[str, WindowsHost]) -> None:
    properties = ["ID", "partialproductkey", "EvaluationEndDate"]
    [result] = results(hosts["win11"], query("SoftwareLicensingProduct", properties,
                                             "ApplicationID = '%s' AND PartialProductKey <> NULL" % OFFICE))
    assert result["status"] == "ok"
    assert result["data"]["instances"] == [
        {"ID": PROPLUS, "partialproductkey": "GCVGB", "EvaluationEndDate": None},
        {"ID": VISIO, "partialproductkey": "YY89G", "EvaluationEndDate": None},
    ]


def test_wrong_method_name(hosts: dict[str, WindowsHost]) -> None:
    assert one_error(hosts["win11"], invoke("SoftwareLicensingProduct", "ActivateProduct", sku(PROPLUS))) == \
        ("0x8004102E", "Invalid method ")
    # a service-wide method called on a product is a method that class lacks
    assert one_error(hosts["win11"], invoke("SoftwareLicensingProduct", "RefreshLicenseStatus", sku(PROPLUS)))[0] == \
        "0x8004102E"


def test_members_a_windows_version_added_do_not_exist_before_it(hosts: dict[str, WindowsHost]) -> None:
    """docs/licensing-facts.md §1.3, §1.4: the activation type and lookup domain came with Windows 8
    (6.2); on Windows 7 (6.1) naming them fails as naming any property or method the class lacks."""
    windows_product = "ApplicationID = '55c92734-d682-4d71-983e-d6ec3f16059f'"
    for name, expected in (("win11", "ok"), ("win7", "error")):
        [read] = results(hosts[name], query("SoftwareLicensingProduct", ["ID", "VLActivationType"]))
        [where] = results(hosts[name], query("SoftwareLicensingProduct", ["ID"], "VLActivationType = 1"))
        assert (read["status"], where["status"]) == (expected, expected), name
        [call] = results(hosts[name], invoke("SoftwareLicensingProduct", "ClearKeyManagementServiceLookupDomain",
                                             sku(PROPLUS) if name == "win11" else windows_product))
        # On Windows 8 and later the method exists (the lab does not emulate it: E_NOTIMPL).
        assert (call.get("hresult") == "0x8004102E") is (expected == "error"), call
        if expected == "error":
            assert (read["hresult"], where["hresult"], call["hresult"]) == ("0x80041017", "0x80041017", "0x8004102E")
    # ... while what Windows 7 already had is there.
    [ok] = results(hosts["win7"], query("SoftwareLicensingProduct", ["ID", "KeyManagementServicePort"]))
    assert ok["status"] == "ok"


def test_wrong_property_in_filter_or_list(hosts: dict[str, WindowsHost]) -> None:
    assert one_error(hosts["win11"], query("SoftwareLicensingProduct", ["ID"], "ProductID = 'x'"))[0] == "0x80041017"
    assert one_error(hosts["win11"], query("SoftwareLicensingProduct", ["ProductKey"]))[0] == "0x80041017"
    assert one_error(hosts["win11"], invoke("SoftwareLicensingProduct", "Activate", "SkuId='%s'" % PROPLUS))[0] == \
        "0x80041017"
    # ProductKeyID2 exists on the SPP class (docs/licensing-facts.md §1.3) but LicenseFamily not on
    # OSPP (docs/licensing-facts.md §1.6)
    assert one_error(hosts["win7"], query("OfficeSoftwareProtectionProduct", ["LicenseFamily"]))[0] == "0x80041017"


# What reaches WMI is what Invoke-CimMethod makes of the executor's arguments. The executor
# gives them to the method's [in] parameters by position, under the names the class declares
# (Get-CimClass), and stops a call with another number of arguments (WBEM_E_INVALID_PARAMETER);
# the cmdlet converts a value to the declared type before WMI sees it (commands.invoke_cim_method).
@pytest.mark.parametrize(("arguments", "code", "machine"), [
    ([arg("HostName", "string", "kms.test")], None, "kms.test"),             # the program's name is not used
    ([arg("MachineName", "uint32", 5)], None, "5"),                          # converted to the string "5"
    ([], "0x8004102F", None),                                                # none: WMI refuses the call
    ([arg("MachineName", "string", "a"), arg("MachineName", "string", "b")], "0x80041008", None),
    ([arg("MachineName", "string", "kms.test"), arg("PortNumber", "uint32", 1688)], "0x80041008", None),
])
def test_wrong_arguments(hosts: dict[str, WindowsHost], arguments: list[dict[str, Any]], code: str | None,
                         machine: str | None) -> None:
    operation = invoke("SoftwareLicensingProduct", "SetKeyManagementServiceMachine", sku(PROPLUS), arguments)
    if code is None:
        assert results(hosts["win11"], operation)[0]["status"] == "ok"
    else:
        assert one_error(hosts["win11"], operation)[0] == code
    assert product(hosts["win11"], PROPLUS)["KeyManagementServiceMachine"] == machine


@pytest.mark.parametrize(("value", "type_", "outcome"), [
    ("1688", "string", 1688),          # the cmdlet converts a string of digits to uint32
    ("port", "string", "0x80070057"),  # and refuses one that is not a number, before WMI
    (70000, "uint32", "0x80070057"),   # a uint32 WMI takes, but not a TCP port: the method refuses it
    (1689, "uint32", 1689),
])
def test_port_argument_is_converted_to_uint32(hosts: dict[str, WindowsHost], value: Any, type_: str,
                                              outcome: Any) -> None:
    call_ = invoke("SoftwareLicensingProduct", "SetKeyManagementServicePort", sku(PROPLUS),
                   [arg("portnumber", type_, value)])
    if isinstance(outcome, int):
        assert results(hosts["win11"], call_)[0]["data"] == {"return_value": 0}
        assert product(hosts["win11"], PROPLUS)["KeyManagementServicePort"] == outcome
    else:
        assert one_error(hosts["win11"], call_)[0] == outcome
        assert product(hosts["win11"], PROPLUS)["KeyManagementServicePort"] in (None, 0)


def test_refresh_license_status_only_on_the_spp_service(hosts: dict[str, WindowsHost]) -> None:
    # docs/licensing-facts.md §1.6, §9 item 4: OfficeSoftwareProtectionService has no RefreshLicenseStatus
    refresh = invoke("OfficeSoftwareProtectionService", "RefreshLicenseStatus")
    assert one_error(hosts["win7"], refresh)[0] == "0x8004102E"
    [ok] = results(hosts["win11"], invoke("SoftwareLicensingService", "RefreshLicenseStatus"))
    assert ok["status"] == "ok" and ok["data"] == {"return_value": 0}


def test_missing_instance(hosts: dict[str, WindowsHost]) -> None:
    operation = invoke("SoftwareLicensingProduct", "Activate", sku("00000000-0000-0000-0000-000000000000"))
    assert one_error(hosts["win11"], operation) == (
        "0x80041002", "No instance of SoftwareLicensingProduct matches ID='00000000-0000-0000-0000-000000000000'.")


def test_unknown_class(hosts: dict[str, WindowsHost]) -> None:
    # The provider: a class Windows does not have
    with pytest.raises(CimError) as caught:
        hosts["win11"].cim.query("SoftwareLicensingProducts", ["ID"], None)
    assert (caught.value.hresult, caught.value.message) == (0x80041010, "Invalid class ")
    # The executor refuses a class outside its list before running anything
    document = call(hosts["win11"], query("Win32_Product", ["Name"]), {"id": "f", "op": "host_facts"})
    assert set(document) == {"executor", "error"}
    # osppsvc not installed: its classes do not exist
    assert one_error(hosts["win11"], query("OfficeSoftwareProtectionProduct", ["ID"]))[0] == "0x80041010"


def test_optional_class_absent_but_disabled_service_is_an_error(hosts: dict[str, WindowsHost]) -> None:
    [absent] = results(hosts["win11"], query("OfficeSoftwareProtectionProduct", ["ID"], optional=True))
    assert absent["status"] == "ok" and absent["data"]["absent"] is True
    disabled = query("OfficeSoftwareProtectionProduct", ["ID"], optional=True)
    hresult, message = one_error(hosts["win7-disabled"], disabled)
    assert hresult == "0x80070422"
    assert message.startswith("The service cannot be started, either because it is disabled")
    [present] = results(hosts["win7"], query("OfficeSoftwareProtectionService", ["ClientMachineID"], optional=True))
    assert present["data"] == {"instances": [{"ClientMachineID": "o-3"}]}


def test_licensing_service_faults(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    host.state.faults["licensing_service"] = "disabled"
    assert one_error(host, query("SoftwareLicensingProduct", ["ID"]))[0] == "0x80070422"
    [service] = results(host, query("Win32_Service", ["Name", "StartMode"], "Name = 'sppsvc'"))
    assert service["data"]["instances"] == [{"Name": "sppsvc", "StartMode": "Disabled"}]
    host.state.faults["licensing_service"] = "missing"
    [absent] = results(host, query("SoftwareLicensingProduct", ["ID"], optional=True))
    assert absent["data"]["absent"] is True


def test_access_denied_faults(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    host.state.faults["access_denied"] = True
    assert one_error(host, query("SoftwareLicensingProduct", ["ID"]))[0] == "0x80070005"
    assert results(host, query("Win32_OperatingSystem", ["Caption"]))[0]["status"] == "ok"
    host.state.faults["access_denied"] = "invoke"
    assert results(host, query("SoftwareLicensingProduct", ["ID"]))[0]["status"] == "ok"
    assert one_error(host, invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS)))[0] == "0xC004F025"


# -- the program: groups, on_error, refusals --------------------------------------------------------------
def test_group_skips_the_rest_of_a_failed_group_only(hosts: dict[str, WindowsHost]) -> None:
    out = results(
        hosts["win11"],
        invoke("SoftwareLicensingProduct", "Activate", sku(PROJECT), group="project"),  # no key: 0xC004F014
        invoke("SoftwareLicensingProduct", "ClearKeyManagementServicePort", sku(PROJECT), group="project"),
        invoke("SoftwareLicensingProduct", "ClearKeyManagementServicePort", sku(PROPLUS), group="proplus"),
        query("SoftwareLicensingProduct", ["ID"], sku(PROJECT)),
    )
    assert [r["status"] for r in out] == ["error", "skipped", "ok", "ok"]
    assert out[0]["hresult"] == "0xC004F014"
    assert out[1] == {"id": "ClearKeyManagementServicePort", "op": "cim_invoke", "status": "skipped"}


def test_on_error_stop_skips_everything_after(hosts: dict[str, WindowsHost]) -> None:
    out = results(
        hosts["win11"],
        {"id": "reach", "op": "tcp_connect", "host": "kms-down.test", "port": 1688, "timeout_ms": 500,
         "require": True, "on_error": "stop"},
        {"id": "facts", "op": "host_facts"},
        invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS), group="other"),
    )
    assert [r["status"] for r in out] == ["error", "skipped", "skipped"]
    assert out[0]["hresult"] == "0x8007274D"
    # SocketException's message ends with the end point it was refused at
    assert re.fullmatch(r"Cannot connect to kms-down\.test:1688: No connection could be made because the target "
                        r"machine actively refused it (192\.0\.2\.\d+|\[2001:db8::\w+\]):1688", out[0]["message"])
    assert out[0]["data"]["hresult"] == "0x8007274D"  # a required connection keeps its data
    assert product(hosts["win11"], PROPLUS)["LicenseStatus"] == 2


@pytest.mark.parametrize("operation", [
    {"id": "x", "op": "dns_srv", "name": "_ldap._tcp", "domain": None},
    {"id": "x", "op": "event_log", "provider": "Microsoft-Windows-Security-Auditing", "ids": [4624], "newest": 5},
    {"id": "x", "op": "run_script", "text": "Get-Process"},
    {"id": "x", "op": "cim_invoke", "class": "Win32_Service", "where": None, "method": "StopService", "arguments": []},
    {"id": "x", "op": "cim_query", "class": "SoftwareLicensingProduct", "properties": ["ID; Remove-Item"]},
    {"id": "x", "op": "cim_invoke", "class": "SoftwareLicensingService", "where": None, "method": "Install-Key",
     "arguments": []},
    {"id": "x", "op": "registry_read", "key": "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
     "values": ["x"]},
])
def test_refused_programs_run_nothing(hosts: dict[str, WindowsHost], operation: dict[str, Any]) -> None:
    document = call(hosts["win11"], invoke("SoftwareLicensingProduct", "ClearKeyManagementServicePort", sku(PROPLUS)),
                    operation)
    assert document["executor"] == 1 and "error" in document and "results" not in document
    assert hosts["win11"].cim_log == []


def test_undecodable_program_and_foreign_commands(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    reply = host(request("not base64 !"))
    assert json.loads(reply.stdout)["executor"] == 1 and "error" in json.loads(reply.stdout)
    other = host(CommandRequest("h", "PowerShell", ["-NoProfile -EncodedCommand " +
                                                    base64.b64encode("Get-Date".encode("utf-16-le")).decode()], b""))
    assert other.exit_code == 1 and b"CLIXML" in other.stderr
    assert host(CommandRequest("h", "cmd.exe", ["/c", "dir"], b"")).exit_code == 1


# -- the network: IPv6, real sockets -----------------------------------------------------------------------
@NEEDS_IPV6
@pytest.mark.parametrize("target", ["kms6.test", "2001:db8::20", "2001:db8::20%3"])
def test_tcp_connect_over_ipv6(lab: tuple[Scenario, Network, dict[str, WindowsHost]], target: str) -> None:
    _unused, network, hosts_ = lab
    stand_in = network.stand_in("kms6.test")
    [result] = results(hosts_["win11"], {"id": "r", "op": "tcp_connect", "host": target, "port": 1688,
                                         "timeout_ms": 2000, "require": True})
    address = "2001:db8::20" if target == "kms6.test" else target  # a literal resolves to itself
    assert result["status"] == "ok"
    assert result["data"] == {"reachable": True, "addresses": [{"address": address, "family": "InterNetworkV6"}],
                              "connected": address, "failures": [], "error": None, "hresult": None}
    assert stand_in.contacts == 1 and stand_in.contacts_by_family["InterNetworkV6"] == 1


@NEEDS_IPV6
def test_tcp_connect_tries_addresses_in_order_and_split_dns(lab: tuple[Scenario, Network, dict[str, WindowsHost]]) \
        -> None:
    _unused, network, hosts_ = lab
    [both] = results(hosts_["win11"], {"id": "r", "op": "tcp_connect", "host": "KMS.test.", "port": 1688,
                                       "timeout_ms": 2000, "require": False})
    assert both["data"]["connected"] == "192.0.2.10"
    assert [a["family"] for a in both["data"]["addresses"]] == ["InterNetwork", "InterNetworkV6"]
    # the "split" host's DNS answers kms.test with kms6.test's address
    [split] = results(hosts_["split"], {"id": "r", "op": "tcp_connect", "host": "kms.test", "port": 1688,
                                        "timeout_ms": 2000, "require": False})
    assert split["data"]["connected"] == "2001:db8::20"
    assert network.stand_in("kms6.test").contacts == 1


def test_tcp_connect_failures(hosts: dict[str, WindowsHost]) -> None:
    [unknown] = results(hosts["win11"], {"id": "r", "op": "tcp_connect", "host": "nowhere.test", "port": 1688,
                                         "timeout_ms": 200, "require": False})
    assert unknown["data"] == {"reachable": False, "addresses": [], "connected": None, "failures": [],
                               "error": "No such host is known", "hresult": "0x80072AF9"}
    assert one_error(hosts["win11"], {"id": "r", "op": "tcp_connect", "host": "nowhere.test", "port": 1688,
                                      "timeout_ms": 200, "require": True}) == (
        "0x80072AF9", "Cannot connect to nowhere.test:1688: No such host is known")
    hresult, message = one_error(hosts["win11"], {"id": "r", "op": "tcp_connect", "host": "192.0.2.99", "port": 1688,
                                                  "timeout_ms": 100, "require": True})
    assert hresult == "0x8007274C" and message.startswith("Cannot connect to 192.0.2.99:1688: A connection attempt")


# -- methods as Microsoft documents them ---------------------------------------------------------------------
def test_activation_via_the_service_wide_host(lab: tuple[Scenario, Network, dict[str, WindowsHost]]) -> None:
    _unused, network, hosts_ = lab
    host = hosts_["nodns"]  # no _vlmcs._tcp record
    assert one_error(host, invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS)))[0] == "0x8007232B"
    out = results(host,
                  invoke("SoftwareLicensingService", "SetKeyManagementServiceMachine", None,
                         [arg("MachineName", "string", "kms.test")]),
                  invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS)))
    assert [r["status"] for r in out] == ["ok", "ok"]
    activated = product(host, PROPLUS)
    assert (activated["LicenseStatus"], activated["LicenseStatusReason"], activated["GracePeriodRemaining"]) == \
        (1, 0x4004F040, 259200)
    # the host was set, not discovered: Discovered* stay as they were
    assert activated["DiscoveredKeyManagementServiceMachineName"] is None
    assert network.stand_in("kms.test").contacts == 1
    assert host.state.services["SoftwareLicensingService"]["KeyManagementServiceMachine"] == "kms.test"


def test_activation_via_dns(lab: tuple[Scenario, Network, dict[str, WindowsHost]]) -> None:
    _unused, network, hosts_ = lab
    host = hosts_["win11"]
    assert results(host, invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS)))[0]["status"] == "ok"
    activated = product(host, PROPLUS)
    assert activated["LicenseStatus"] == 1
    assert (activated["DiscoveredKeyManagementServiceMachineName"],
            activated["DiscoveredKeyManagementServiceMachinePort"]) == ("kms.test", 1688)
    assert network.stand_in("kms.test").contacts == 1


def test_activation_failures(lab: tuple[Scenario, Network, dict[str, WindowsHost]]) -> None:
    _unused, network, hosts_ = lab
    host = hosts_["win11"]
    set_down = invoke("SoftwareLicensingProduct", "SetKeyManagementServiceMachine", sku(PROPLUS),
                      [arg("MachineName", "string", "kms-down.test")])
    out = results(host, set_down, invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS)))
    assert out[1]["hresult"] == "0xC004F074"
    product(host, VISIO)["activation_error"] = 0xC004F038
    assert one_error(host, invoke("SoftwareLicensingProduct", "Activate", sku(VISIO)))[0] == "0xC004F038"
    host.state.clock_offset_minutes = 300
    product(host, VISIO)["activation_error"] = None
    assert one_error(host, invoke("SoftwareLicensingProduct", "Activate", sku(VISIO)))[0] == "0xC004F06C"


def test_install_product_key(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    install = invoke("SoftwareLicensingService", "InstallProductKey", None, [arg("ProductKey", "string", PROJECT_KEY)])
    assert results(host, install)[0]["status"] == "ok"
    project = product(host, PROJECT)
    assert (project["PartialProductKey"], project["LicenseStatus"], project["LicenseStatusReason"],
            project["GracePeriodRemaining"]) == ("76HF4", 2, 0x4004F00C, 43200)
    assert product(host, PROPLUS)["PartialProductKey"] == "GCVGB"  # another product keeps its key
    wrong = invoke("SoftwareLicensingService", "InstallProductKey", None,
                   [arg("ProductKey", "string", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")])
    assert one_error(host, wrong)[0] == "0xC004F050"
    mismatched = invoke("SoftwareLicensingService", "InstallProductKey", None,
                        [arg("ProductKey", "string", STANDARD_KEY)])
    assert one_error(host, mismatched)[0] == "0xC004F069"
    uninstall = invoke("SoftwareLicensingProduct", "UninstallProductKey", sku(PROJECT))
    assert results(host, uninstall)[0]["status"] == "ok"
    assert product(host, PROJECT)["PartialProductKey"] is None


def test_clear_kms_host_and_port(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win7"]  # the OSPP class has the same per-product methods (docs/licensing-facts.md §1.6)
    out = results(host,
                  invoke("OfficeSoftwareProtectionProduct", "SetKeyManagementServiceMachine", sku(O14),
                         [arg("MachineName", "string", "kms.test")]),
                  invoke("OfficeSoftwareProtectionProduct", "SetKeyManagementServicePort", sku(O14),
                         [arg("PortNumber", "uint32", 1700)]),
                  query("OfficeSoftwareProtectionProduct", ["KeyManagementServiceMachine", "KeyManagementServicePort"],
                        sku(O14)),
                  invoke("OfficeSoftwareProtectionProduct", "ClearKeyManagementServiceMachine", sku(O14)),
                  invoke("OfficeSoftwareProtectionProduct", "ClearKeyManagementServicePort", sku(O14)),
                  query("OfficeSoftwareProtectionProduct", ["KeyManagementServiceMachine", "KeyManagementServicePort"],
                        sku(O14)))
    assert out[2]["data"]["instances"] == [{"KeyManagementServiceMachine": "kms.test",
                                            "KeyManagementServicePort": 1700}]
    assert out[5]["data"]["instances"] == [{"KeyManagementServiceMachine": None, "KeyManagementServicePort": 0}]


# -- per-operation faults ------------------------------------------------------------------------------------
def test_operation_faults(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    set_host = invoke("SoftwareLicensingProduct", "SetKeyManagementServiceMachine", sku(PROPLUS),
                      [arg("MachineName", "string", "kms.test")])
    host.state.faults["cim_errors"] = [{"method": "SetKeyManagementServiceMachine", "hresult": 0xC004F074,
                                        "times": 1}]
    assert one_error(host, set_host)[0] == "0xC004F074"
    assert product(host, PROPLUS)["KeyManagementServiceMachine"] is None  # struck before it took effect
    assert results(host, set_host)[0]["status"] == "ok"  # times: 1
    host.state.faults["cim_errors"] = [{"method": "activate", "hresult": None, "message": "RPC server unavailable",
                                        "after": True}]
    [result] = results(host, invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS)))
    assert isinstance(result.pop("ms"), int)  # the milliseconds the executor measured
    assert result == {"id": "Activate", "op": "cim_invoke", "status": "error", "hresult": None,
                      "message": "RPC server unavailable"}
    assert product(host, PROPLUS)["LicenseStatus"] == 1  # after: the activation happened


@pytest.mark.parametrize(("fault", "value", "garbled"), [
    ("malformed_json", "invoke", [False, True]),
    ("truncated_json", "read", [True, False]),
    ("malformed_json", True, [True, True]),
])
def test_reply_faults(hosts: dict[str, WindowsHost], fault: str, value: Any, garbled: list[bool]) -> None:
    host = hosts["win11"]
    host.state.faults[fault] = value
    read = {"version": 1, "operations": [query("SoftwareLicensingService", ["Version"])]}
    write = {"version": 1, "operations": [invoke("SoftwareLicensingProduct", "ClearKeyManagementServicePort",
                                                 sku(PROPLUS))]}
    for program, expected in zip([read, write], garbled, strict=True):
        stdout = host(request(program)).stdout
        try:
            json.loads(stdout.decode("utf-8"))
            intact = True
        except (UnicodeDecodeError, ValueError):
            intact = False
        assert intact is not expected
    assert len(host.cim_log) == 3  # both programs ran: the query, and the write's instance lookup and call


def test_clixml_error_runs_nothing(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    host.state.faults["clixml_error"] = True
    reply = host(request({"version": 1, "operations": [{"id": "f", "op": "host_facts"}]}))
    assert reply.exit_code == 1 and reply.stdout == b"" and b"ConvertTo-Json" in reply.stderr


# -- what the host records --------------------------------------------------------------------------------------
def test_logs_never_hold_a_value_from_the_program(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    results(host,
            invoke("SoftwareLicensingService", "InstallProductKey", None, [arg("ProductKey", "string", PROJECT_KEY)]),
            invoke("SoftwareLicensingProduct", "SetKeyManagementServiceMachine", sku(PROJECT),
                   [arg("MachineName", "string", "secret-kms.test")]))
    [command] = host.commands
    assert [op["method"] for op in sent_program(command["stdin"])["operations"]] == [
        "InstallProductKey", "SetKeyManagementServiceMachine"]
    assert command["script"] == hostops.bootstrap_script()
    # what PowerShell compiled: the bootstrap, then the text before the NULs ($input's lines
    # joined with LF)
    assert host.script_block_log == [hostops.bootstrap_script(), EXECUTOR_TEXT]
    for text in host.script_block_log:
        assert PROJECT_KEY not in text and "76HF4" not in text and "secret-kms" not in text
    # what module logging recorded (event 4103): the cmdlets the executor ran, none of them
    # given the key, the KMS host or the program that carries them
    program = command["stdin"].split(hostops.SEPARATOR)[1].strip()
    assert any(line.startswith("CommandInvocation(Invoke-CimMethod)") for line in host.module_log)
    for line in host.module_log:
        assert PROJECT_KEY not in line and "secret-kms" not in line and program[:40] not in line, line
    logged = json.dumps(host.cim_log)
    assert PROJECT_KEY not in logged and "FQQ23" not in logged
    assert [e["arguments"] for e in host.cim_log if e["kind"] == "invoke"][0] == {"ProductKey": "76HF4"}


def test_host_facts_and_registry(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win7"]
    host.state.office = [{"type": "MSI", "version": "14.0.7015.1000", "bitness": "x86", "key": "Office14.PROPLUS",
                          "name": "Microsoft Office Professional Plus 2010"}]
    facts, c2r, msi, wow = results(
        host, {"id": "f", "op": "host_facts"},
        {"id": "c", "op": "registry_read", "key": "HKLM:\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration",
         "values": ["VersionToReport"], "subkeys": None},
        {"id": "m", "op": "registry_read", "key": "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
         "values": [], "subkeys": "^Office1[4-6]\\."},
        {"id": "w", "op": "registry_read",
         "key": "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
         "values": [], "subkeys": "^Office1[4-6]\\."})
    assert facts["data"]["computer_name"] == "WIN7" and facts["data"]["powershell_version"] == "5.1.19041.4522"
    assert c2r["data"] == {"exists": False, "values": {}, "subkeys": []}  # no key: no values at all
    assert msi["data"]["subkeys"] == []
    assert wow["data"]["subkeys"] == [{"name": "Office14.PROPLUS", "values": {}}]


def _console(host: WindowsHost, verb: str) -> str:
    command = 'cscript //nologo "C:\\Program Files\\Microsoft Office\\Office16\\OSPP.VBS" ' + verb
    encoded = base64.b64encode(command.encode("utf-16-le")).decode()
    reply = host(CommandRequest("h", "PowerShell", [
        "-NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand " + encoded], b""))
    assert reply.exit_code == 0
    return reply.stdout.decode()


def test_console_ospp_vbs_runs_on_the_provider(lab: tuple[Scenario, Network, dict[str, WindowsHost]]) -> None:
    _unused, network, hosts_ = lab
    host = hosts_["win11"]
    assert "Successfully applied setting." in _console(host, "/sethst:kms.test")
    # every KMS licence gets the host, keyed or not (docs/licensing-facts.md §4.2)
    assert {p["ID"]: p["KeyManagementServiceMachine"] for p in host.state.products} == \
        {PROPLUS: "kms.test", VISIO: "kms.test", PROJECT: "kms.test"}
    output = _console(host, "/act")
    assert output.count("<Product activation successful>") == 2  # only the keyed ones
    assert network.stand_in("kms.test").contacts == 2
    assert "---LICENSED---" in _console(host, "/dstatus")
    assert {e["method"] for e in host.cim_log if e["kind"] == "invoke"} == {"SetKeyManagementServiceMachine",
                                                                            "Activate"}
    # Windows 7: ospp.vbs uses OfficeSoftwareProtectionProduct (docs/licensing-facts.md §1.1), and
    # only the Office ApplicationId 0ff1ce15 (docs/licensing-facts.md §4.2): the Office 2010 SKU
    # (59a52881) is not among them
    win7 = hosts_["win7"]
    assert "No Office KMS licenses were found" in _console(win7, "/sethst:kms.test")
    assert [e["class"] for e in win7.cim_log] == ["OfficeSoftwareProtectionProduct"]


def test_stdin_without_the_separator_fails_in_the_bootstrap(hosts: dict[str, WindowsHost]) -> None:
    host = hosts["win11"]
    no_separator = request({"version": 1, "operations": [invoke("SoftwareLicensingProduct", "Activate", sku(PROPLUS))]})
    no_separator.stdin = EXECUTOR_TEXT.encode()
    reply = host(no_separator)
    assert reply.exit_code == 1 and b"You cannot call a method on a null-valued expression." in reply.stderr
    assert host.cim_log == [] and product(host, PROPLUS)["LicenseStatus"] == 2
