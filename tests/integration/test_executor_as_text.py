"""The executor's text is what runs (issue 20): programs go through pywinrm over HTTP to the
lab, where the PowerShell emulation runs the real bootstrap and the real executor.

- wrong programs and wrong calls get what Windows gives them: the executor's own refusals,
  the CIM cmdlets' client-side errors, WMI's errors;
- a broken copy of the executor (a throw, a wrong variable name, a dropped @()) makes
  end-to-end runs fail, so the tests depend on the executor's text;
- the end-to-end runs here reach every statement of the executor and the bootstrap
  (statement coverage recorded by the emulation, tests/simlab/powershell/compiler.COVERAGE).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops

from tests.integration.conftest import ROOT, one_task, winrm_execute
from tests.simlab import scenario
from tests.simlab.lab import Lab
from tests.simlab.powershell import compiler
from tests.unit.test_powershell_conformance import BareMachine, session
from tests.windows import programs

SPP = "SoftwareLicensingProduct"
SERVICE = "SoftwareLicensingService"
PC = "pc01-ltsc2024-visio"  # Windows 11, Office 2024 and Visio keyed, no osppsvc
WIN7 = "pc05-office2010-win7"  # osppsvc installed, no Resolve-DnsName
PROPLUS_ID = "8d368fc1-9470-4be2-8d66-90e836cbb051"
PROPLUS = "ID='%s'" % PROPLUS_ID
OFFICE_APP = "ApplicationID='0ff1ce15-a989-479d-af46-f275c6370663'"
KMS = "kms.campus.example"
SPP_EVENTS = "Microsoft-Windows-Security-SPP"
FIREWALL = "MSFT_NetFirewallRule"
STANDARD = "root/StandardCimv2"
KMS_LOG = "Key Management Service"
# The one registry value a program may write (docs/licensing-facts.md §12.2).
PUBLISH_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform"
PUBLISH = "DnsDomainPublishList"
KMS01 = "kms01"  # the KMS host of scenarios/kms_host.yml
RULE = "InstanceID='SPPSVC-In-TCP'"


@pytest.fixture(scope="module")
def lab():
    with Lab.from_scenario("default") as running:
        yield running


def run(lab: Lab, host: str, *operations: dict[str, Any]) -> hostops.Results:
    return hostops.run(winrm_execute(lab, host), list(operations), "probe")


def refused(lab: Lab, operation: dict[str, Any]) -> str:
    with pytest.raises(hostops.CallError) as raised:
        run(lab, PC, operation)
    assert raised.value.refused
    return str(raised.value)


# -- wrong programs ------------------------------------------------------------------------------
@pytest.mark.parametrize(("operation", "why"), [
    (hostops.cim_query("x", "SoftwareLicensingProducts", ["ID"]), "class SoftwareLicensingProducts may not be read"),
    (hostops.cim_query("x", "Win32_Process", ["Name"]), "class Win32_Process may not be read"),
    (hostops.cim_query("x", SPP, []), "names no property"),
    (hostops.cim_query("x", SPP, ["ID"], if_service="wuauserv"), "service wuauserv may not be asked for"),
    ({**hostops.cim_query("x", SPP, ["ID"]), "optional_properties": ["Name"]}, "optional property Name is not"),
    (hostops.cim_invoke("x", "Win32_OperatingSystem", "Reboot"), "methods of Win32_OperatingSystem may not be"),
    (hostops.cim_invoke("x", SPP, "Activate", arguments=[("A", "sint64", 1)]), "argument type sint64 is not"),
    (hostops.registry_read("x", "HKLM:\\SOFTWARE\\Microsoft", ["x"]), "may not be read"),
    (hostops.tcp_connect("x", KMS, 70000, 1000), "port 70000 is not a TCP port"),
    (hostops.event_log("x", "Application Error", [1000], 5), "events of Application Error may not be read"),
    (hostops.event_log("x", SPP_EVENTS, [12288], 500), "newest 500 is not from 1 to 100"),
    (hostops.event_log("x", SPP_EVENTS, ["first"], 5), "event ID first is not a number"),
    (hostops.dns_srv("x", "_ldap._tcp"), "SRV name _ldap._tcp may not be looked up"),
    (hostops.dns_srv("x", "_vlmcs._tcp", domain="-bad domain"), "is not a DNS domain"),
    ({"id": "x", "op": "cim_delete"}, "unknown operation kind cim_delete"),
    (hostops.cim_query("x", SPP, ["ID; Name"]), "is not a plain name"),
    # each class in its own namespace only (docs/licensing-facts.md §1.1, §12.6)
    ({**hostops.cim_query("x", FIREWALL, ["Enabled"]), "namespace": None}, "class MSFT_NetFirewallRule is not read"),
    ({**hostops.cim_query("x", SPP, ["ID"]), "namespace": STANDARD}, "class SoftwareLicensingProduct is not read"),
    ({**hostops.cim_query("x", SPP, ["ID"]), "namespace": "root/default"}, "is not read in namespace root/default"),
    ({**hostops.cim_invoke("x", FIREWALL, "Enable"), "namespace": None}, "class MSFT_NetFirewallRule is not called"),
    # the KMS host's own log by log name and event ID only (docs/licensing-facts.md §12.8)
    ({**hostops.event_log("x", None, [4624], 5), "log": "Security"}, "the Security log may not be read"),
    ({**hostops.event_log("x", SPP_EVENTS, [12290], 5), "log": KMS_LOG}, "may not be read from the Key Management"),
    (hostops.event_log("x", None, [12288], 5), "events of  may not be read from the Application log"),
    ({"id": "x", "op": "service_restart", "name": "WinRM"}, "service WinRM may not be restarted"),
    # one registry value, of its own key, as strings (docs/licensing-facts.md §12.2)
    (hostops.registry_write("x", PUBLISH_KEY, "KeyManagementServiceName", ["kms.example.edu"]),
     "registry value KeyManagementServiceName of"),
    (hostops.registry_write("x", "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", PUBLISH, ["x"]),
     "registry value DnsDomainPublishList of HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run may not"),
    ({**hostops.registry_write("x", PUBLISH_KEY, PUBLISH, []), "data": ["a", 7]}, "registry data 7 is not a string"),
])
def test_the_executor_refuses_what_it_does_not_allow(lab, operation, why):
    assert why in refused(lab, operation)
    assert not [e for e in lab.cim_log(PC) if e["kind"] == "invoke"]


@pytest.mark.parametrize(("operation", "code"), [
    # a property or a condition the class lacks, a WQL syntax error: WBEM_E_INVALID_QUERY
    (hostops.cim_query("x", SPP, ["ID", "LicenceStatus"]), 0x80041017),
    (hostops.cim_query("x", SPP, ["ID"], "LicenseStatus = = 1"), 0x80041017),
    # a misspelt method, or one on the wrong class: WMI's WBEM_E_INVALID_METHOD (with
    # -InputObject the cmdlet does not check the method on the client, CimInvokeCimMethod.cs)
    (hostops.cim_invoke("x", SPP, "Activte", where=PROPLUS), 0x8004102E),
    (hostops.cim_invoke("x", SERVICE, "Activate"), 0x8004102E),
    # more arguments than the class declares [in] parameters: the executor stops it
    # (WBEM_E_INVALID_PARAMETER); names are not compared, arguments go by position
    (hostops.cim_invoke("x", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                        arguments=[("PortNumber", "uint32", 1688), ("Extra", "uint32", 1)]), 0x80041008),
    # a condition that selects three instances for a method call: the executor stops it
    (hostops.cim_invoke("x", SPP, "Activate", where=OFFICE_APP), 0x80070057),
])
def test_wrong_calls_get_the_errors_windows_gives(lab, operation, code):
    result = run(lab, PC, operation)["x"]
    assert (result.status, result.hresult) == ("error", code), result


def test_a_string_port_is_converted_by_the_cmdlet_and_an_ipv6_literal_is_connected_to(lab):
    results = run(lab, PC,
                  hostops.cim_invoke("port", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                                     arguments=[("PortNumber", "string", "1689")]),
                  hostops.tcp_connect("v6", lab.kms("kms-v6.campus.example").addresses[-1], 1688, 2000))
    assert results["port"].status == "ok"
    assert [p["KeyManagementServicePort"] for p in lab.state(PC).products if "8d368fc1" in p["ID"]] == [1689]
    assert results["v6"].data["reachable"] is True
    assert results["v6"].data["addresses"][0]["family"] == "InterNetworkV6"
    run(lab, PC, hostops.cim_invoke("undo", SPP, "ClearKeyManagementServicePort", where=PROPLUS))


# -- how long each operation took on the host ----------------------------------------------------------
def test_each_operation_that_ran_reports_how_long_it_took_on_the_host():
    """``ms`` (docs/host-operations.md): the host's Stopwatch around each operation, read on a
    real clock. With every CIM call costing 60 ms (scenario.Latency), a query takes at least
    that, a method call on a selected instance at least twice that (the instance is read
    first), host_facts (no CIM call) less; an operation that failed is timed too, a skipped
    one is not."""
    cost = 60
    with Lab(scenario.load("default"), latency=scenario.Latency(cim_ms=cost)) as slow:
        reply = winrm_execute(slow, PC)(hostops.bootstrap_command(), in_data=hostops.build_stdin([
            hostops.host_facts("facts"),
            hostops.cim_query("products", SPP, ["ID"], where=PROPLUS),
            hostops.cim_invoke("activate", SPP, "Activte", where=PROPLUS, group="g"),
            hostops.cim_invoke("refresh", SERVICE, "RefreshLicenseStatus", group="g")]))
    results = {r["id"]: r for r in json.loads(reply["stdout"])["results"]}
    assert [r["status"] for r in results.values()] == ["ok", "ok", "error", "skipped"]
    assert all(isinstance(r["ms"], int) for r in list(results.values())[:3])
    assert results["facts"]["ms"] < cost <= results["products"]["ms"]
    assert results["activate"]["ms"] >= 2 * cost
    assert "ms" not in results["refresh"]


# -- the host's PowerShell version ------------------------------------------------------------------
def test_powershell_3_runs_the_executor_but_has_no_exception_hresult(lab):
    """Windows PowerShell 3.0 (.NET 4.0): the executor runs; an error that is not a CIM error
    has no readable HResult there (public from .NET 4.5), so it comes back without a code."""
    lab.state(PC).powershell = "3.0"
    try:
        # a port that is not a number: the executor's [uint32] cast fails (not a CIM error)
        results = run(lab, PC, hostops.host_facts("facts"),
                      hostops.cim_invoke("x", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                                         arguments=[("PortNumber", "uint32", "abc")]))
    finally:
        lab.state(PC).powershell = "5.1"
    assert results["facts"].data["powershell_version"] == "3.0"
    assert (results["x"].status, results["x"].hresult) == ("error", None)


def test_powershell_2_cannot_run_the_executor_and_says_why(lab):
    """Windows PowerShell 2.0 has no ConvertFrom-Json or ConvertTo-Json (3.0): the script
    fails, and the reply is PowerShell's error on stderr, not a result document."""
    lab.state(PC).powershell = "2.0"
    try:
        with pytest.raises(hostops.CallError) as raised:
            run(lab, PC, hostops.host_facts("facts"))
    finally:
        lab.state(PC).powershell = "5.1"
    assert "ConvertTo-Json" in raised.value.stderr and raised.value.rc == 1


# -- a broken executor breaks the end-to-end runs ----------------------------------------------------
# Each a valid PowerShell script the emulation runs: the runs must notice it by what it does.
# The dropped @() is the empty array the results start from: `$results += $r` then makes a
# hashtable of the first result and fails on the second (about_Assignment_Operators,
# about_Hash_Tables). Most other @() in the executor guard against a shape PowerShell 3.0 and
# later, or the controller (hostops.as_list: ConvertTo-Json writes a one-element array as its
# element), already tolerate: dropping them changes nothing a run can see, on Windows too.
MUTATIONS = {
    "a throw": [("$P = $json.DeserializeObject", "throw 'broken'\n$P = $json.DeserializeObject")],
    "a wrong variable name": [("foreach ($p in $properties) { $row[$p] = $instance.$p }",
                               "foreach ($p in $properties) { $row[$p] = $instance.$q }")],
    "a dropped @()": [("$results = @()", "$results = $null")],
}


def collection_with(tmp_path: Path, executor: str) -> Path:
    """A copy of the collection whose executor is ``executor``."""
    top = tmp_path / "collections"
    target = top / "ansible_collections" / "volume_licensing" / "kms"
    shutil.copytree(ROOT / "plugins", target / "plugins")
    shutil.copytree(ROOT / "meta", target / "meta")
    shutil.copy(ROOT / "galaxy.yml", target / "galaxy.yml")
    (target / "plugins" / "module_utils" / "kms_executor.ps1").write_text(executor, encoding="utf-8")
    return top


def activate(ansible, tmp_path: Path, executor: str) -> tuple[dict[str, Any], list[Any]]:
    """office_kms on a PC that needs activation, in a fresh lab, with this executor: the task's
    record and the products' licence states afterwards."""
    with Lab.from_scenario("default") as own:
        result = ansible(own, one_task("office_kms", "kms", kms_host=KMS), "--limit", PC,
                         env={"ANSIBLE_COLLECTIONS_PATH": str(collection_with(tmp_path, executor))})
        assert own.emulation_errors() == []  # the mutant ran as PowerShell, and did the wrong thing
        states = sorted((p["ID"], p["LicenseStatus"], p.get("KeyManagementServiceMachine"))
                        for p in own.state(PC).products)
        return result.result(PC, "kms"), states


def test_the_runs_depend_on_the_executor_text(ansible, tmp_path):
    text = (ROOT / "plugins" / "module_utils" / "kms_executor.ps1").read_text(encoding="utf-8")
    baseline, states = activate(ansible, tmp_path / "baseline", text)
    assert (baseline["status"], baseline["result"]["changed"]) == ("ok", True), baseline
    for name, changes in MUTATIONS.items():
        mutant = text
        for old, new in changes:
            assert mutant.count(old) == 1, name
            mutant = mutant.replace(old, new)
        broken, after = activate(ansible, tmp_path / re.sub(r"\W", "_", name), mutant)
        assert broken["status"] == "failed" or after != states, "%s in the executor went unnoticed" % name


# -- every statement of the executor and the bootstrap runs ------------------------------------------
def battery(lab: Lab) -> None:
    """End-to-end calls that between them take every path through the executor."""
    state = lab.state(PC)
    run(lab, PC, *programs.read_program())
    run(lab, WIN7, *programs.read_program())
    for operation in [hostops.cim_query("x", "Win32_Process", ["Name"]), hostops.cim_query("x", SPP, []),
                      hostops.cim_query("x", SPP, ["ID"], if_service="wuauserv"),
                      {**hostops.cim_query("x", SPP, ["ID"]), "optional_properties": ["Name"]},
                      hostops.cim_invoke("x", "Win32_OperatingSystem", "Reboot"),
                      hostops.cim_invoke("x", SPP, "Activate", arguments=[("A", "sint64", 1)]),
                      hostops.registry_read("x", "HKLM:\\SOFTWARE", []), hostops.tcp_connect("x", KMS, 0, 100),
                      hostops.event_log("x", "Application Error", [1], 5), hostops.event_log("x", SPP_EVENTS, [1], 0),
                      hostops.event_log("x", SPP_EVENTS, ["one"], 5), hostops.dns_srv("x", "_ldap._tcp"),
                      hostops.dns_srv("x", "_vlmcs._tcp", domain="-"), {"id": "x", "op": "nothing"},
                      hostops.cim_query("x", SPP, ["ID;"]),
                      hostops.dns_srv("x", "_vlmcs._tcp", domain_from=[("later", "KeyManagementServiceLookupDomain")])]:
        with pytest.raises(hostops.CallError):
            run(lab, PC, operation)
    # a program that is not base64: the executor's outer catch
    execute = winrm_execute(lab, PC)
    reply = execute(hostops.bootstrap_command(), in_data=(hostops.executor_text() + hostops.SEPARATOR + "%%%")
                    .encode("utf-8"))
    assert json.loads(reply["stdout"])["error"]
    run(lab, PC,
        hostops.cim_query("absent-service", "OfficeSoftwareProtectionProduct", ["ID"], if_service="osppsvc"),
        hostops.cim_query("absent-class", "OfficeSoftwareProtectionProduct", ["ID"], optional=True),
        hostops.cim_query("bad", SPP, ["Colour"]),
        hostops.cim_invoke("none", SPP, "Activate", where="ID='00000000-0000-0000-0000-000000000000'"),
        hostops.cim_invoke("many", SPP, "Activate", where=OFFICE_APP),
        hostops.cim_invoke("refresh", SERVICE, "RefreshLicenseStatus"),
        hostops.cim_invoke("caching", SERVICE, "DisableKeyManagementServiceHostCaching",
                           arguments=[("DisableCaching", "boolean", False)]),
        hostops.cim_invoke("host", SPP, "SetKeyManagementServiceMachine", where=PROPLUS,
                           arguments=[("MachineName", "string", KMS)], group="g"),
        hostops.cim_invoke("port", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                           arguments=[("PortNumber", "uint32", 1688)], group="g"),
        hostops.cim_invoke("activate", SPP, "Activate", where=PROPLUS, group="g"),
        hostops.registry_read("missing", "HKLM:\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration", ["x"]),
        hostops.registry_read("uninstall", "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
                              ["DisplayName"], subkeys="^Microsoft"),
        hostops.tcp_connect("nowhere", "nowhere.invalid", 1688, 500),
        hostops.tcp_connect("empty", "", 1688, 500),
        hostops.tcp_connect("refused", "kms-old.campus.example", 1688, 1000),
        hostops.tcp_connect("silent", "192.0.2.250", 1688, 200),
        hostops.tcp_connect("resolved", KMS, 1688, 200, connect=False),
        hostops.event_log("events", SPP_EVENTS, [12288, 12289], 10),
        hostops.event_log("no-events", SPP_EVENTS, [1], 10),
        hostops.event_log("no-provider", "Office Software Protection Platform Service", [1], 10),
        hostops.dns_srv("srv", "_vlmcs._tcp", timeout_ms=1000),
        hostops.dns_srv("nx", "_vlmcs._tcp", domain="elsewhere.example"))
    run(lab, WIN7, hostops.dns_srv("no-dnsclient", "_vlmcs._tcp"))
    # arguments for a method the class does not declare, and more arguments than it declares
    run(lab, PC, hostops.cim_invoke("undeclared", SPP, "Activte", where=PROPLUS, arguments=[("A", "string", "x")]),
        hostops.cim_invoke("extra", SPP, "SetKeyManagementServicePort", where=PROPLUS,
                           arguments=[("PortNumber", "uint32", 1688), ("Extra", "uint32", 1)]))
    # DNS as a KMS client looks: a lookup domain an earlier query read, a search list tried in
    # order, and a host with no domain to look in
    saved = (state.dns_domain, list(state.dns_search_list))
    lookup = "KeyManagementServiceLookupDomain"
    proplus = next(p for p in state.products if p["ID"] == PROPLUS_ID)
    proplus[lookup] = "campus.example"
    state.dns_search_list = ["nowhere.example", "campus.example"]
    found = run(lab, PC, hostops.cim_query("p", SPP, ["ID", lookup], where=PROPLUS),
                hostops.dns_srv("from", "_vlmcs._tcp", domain_from=[("p", lookup)]),
                hostops.dns_srv("list", "_vlmcs._tcp"))
    assert found["from"].data["query"] == found["list"].data["query"] == "_vlmcs._tcp.campus.example"
    assert [t["query"] for t in found["list"].data["tried"]] == ["_vlmcs._tcp.nowhere.example"]
    proplus[lookup] = None
    state.dns_domain, state.dns_search_list = None, []
    nowhere = run(lab, PC, hostops.dns_srv("none", "_vlmcs._tcp"))["none"]
    assert (nowhere.data["hresult"], nowhere.data["records"]) == ("0x8007232B", [])
    state.dns_domain, state.dns_search_list = saved
    # osppsvc installed, its classes not registered
    state.ospp_service = "unregistered"
    unregistered = run(lab, PC, hostops.cim_query("ospp", "OfficeSoftwareProtectionProduct", ["ID"], optional=True,
                                                  if_service="osppsvc"))["ospp"]
    assert (unregistered.status, unregistered.hresult) == ("error", 0x80041010), unregistered
    state.ospp_service = False
    # WMI failures without a code, with only a message ID, and a method that returns a code
    state.faults["cim_errors"] = [
        {"method": "ClearKeyManagementServiceMachine", "hresult": None, "message": "Generic failure", "times": 1},
        {"method": "ClearKeyManagementServicePort", "hresult": 0x80041001, "error_data": False, "times": 1},
        {"method": "RefreshLicenseStatus", "return_value": 0xC004F074, "times": 1}]
    results = run(lab, PC, hostops.cim_invoke("a", SPP, "ClearKeyManagementServiceMachine", where=PROPLUS),
                  hostops.cim_invoke("b", SPP, "ClearKeyManagementServicePort", where=PROPLUS),
                  hostops.cim_invoke("c", SERVICE, "RefreshLicenseStatus"),
                  hostops.tcp_connect("required", "kms-old.campus.example", 1688, 1000, require=True),
                  hostops.host_facts("after"))
    assert [(r.status, r.hresult) for r in results.values()] == [
        ("error", None), ("error", 0x80041001), ("error", 0xC004F074), ("error", 0x8007274D), ("skipped", None)]
    state.faults.clear()
    # the event log service does not answer: an error Read-Event passes on
    state.faults["eventlog_service"] = "unavailable"
    failed = run(lab, PC, hostops.event_log("down", SPP_EVENTS, [12288], 5))["down"]
    assert (failed.status, failed.hresult) == ("error", 0x800706BA), failed
    state.faults.clear()
    # a PC that is no KMS host: its KMS log holds no request
    assert run(lab, PC, hostops.event_log("kms-log", None, [12290], 5, log=KMS_LOG))["kms-log"].data == {"events": []}
    for operation in [{**hostops.cim_query("x", FIREWALL, ["Enabled"]), "namespace": None},
                      {**hostops.event_log("x", None, [1], 5), "log": "Security"},
                      {"id": "x", "op": "service_restart", "name": "WinRM"},
                      hostops.registry_write("x", PUBLISH_KEY, "KeyManagementServiceName", ["x"]),
                      {**hostops.registry_write("x", PUBLISH_KEY, PUBLISH, []), "data": [7]}]:
        with pytest.raises(hostops.CallError):
            run(lab, PC, operation)
    kms_host_battery()


def kms_host_battery() -> None:
    """A KMS host's operations on the KMS host of scenarios/kms_host.yml: the firewall rule in
    root/StandardCimv2 read, disabled and enabled (docs/licensing-facts.md §12.6), the Software
    Protection service restarted (§12.2), its Key Management Service log read (§12.8)."""
    with Lab.from_scenario("kms_host") as host:
        results = run(host, KMS01,
                      hostops.cim_query("rule", FIREWALL, ["InstanceID", "Enabled"], RULE, namespace=STANDARD),
                      hostops.cim_invoke("off", FIREWALL, "Disable", where=RULE, namespace=STANDARD),
                      hostops.cim_query("rule-off", FIREWALL, ["Enabled"], RULE, namespace=STANDARD),
                      hostops.cim_invoke("on", FIREWALL, "Enable", where=RULE, namespace=STANDARD),
                      hostops.cim_query("rule-on", FIREWALL, ["Enabled"], RULE, namespace=STANDARD),
                      hostops.service_restart("restart", "sppsvc"),
                      hostops.event_log("requests", None, [12290], 10, log=KMS_LOG),
                      hostops.registry_write("publish", PUBLISH_KEY, PUBLISH, ["labs.example.edu, 10, 5", "dorms.edu"]),
                      hostops.registry_write("unpublish", PUBLISH_KEY, PUBLISH, None),
                      hostops.registry_write("unpublish-again", PUBLISH_KEY, PUBLISH, None))
        assert [r.status for r in results.values()] == ["ok"] * 10, results
        assert results["publish"].data == {"values": {PUBLISH: ["labs.example.edu, 10, 5", "dorms.edu"]}}
        assert results["unpublish"].data == results["unpublish-again"].data == {"values": {PUBLISH: None}}
        assert results.instances("rule")[0]["InstanceID"] == "SPPSVC-In-TCP"
        assert (results.instances("rule-off")[0]["Enabled"], results.instances("rule-on")[0]["Enabled"]) == (2, 1)
        assert results["restart"].data == {"name": "sppsvc", "status": "Running"}
        assert isinstance(results["requests"].data["events"], list)
        assert host.emulation_errors() == []


def uncovered(path: Path, text: str) -> list[str]:
    """The file's statement lines the runs did not reach (``text`` is the script as it ran)."""
    lines, hits = compiler.COVERAGE[text]
    ran_lines = text.splitlines()
    missed = sorted(lines - hits)
    source = path.read_text(encoding="utf-8").splitlines()
    found = []
    for number in missed:
        code = ran_lines[number - 1].strip()
        where = next((i + 1 for i, line in enumerate(source) if line.strip() == code), number)
        found.append("%s:%d: %s" % (path.name, where, code))
    return found


def test_every_statement_of_the_executor_and_the_bootstrap_runs(lab):
    battery(lab)
    bootstrap = hostops.bootstrap_script()
    executor = hostops.executor_text()  # its lines joined with \n, as the bootstrap joins them
    assert bootstrap in compiler.COVERAGE and executor in compiler.COVERAGE
    module_utils = ROOT / "plugins" / "module_utils"
    missed = uncovered(module_utils / "kms_bootstrap.ps1", bootstrap) + \
        uncovered(module_utils / "kms_executor.ps1", executor)
    assert missed == [], "\n".join(missed)
    assert len(compiler.COVERAGE[executor][0]) > 150  # statements counted one by one, nested ones too


def test_the_coverage_check_can_fail():
    text = "$a = 1\nif ($a -eq 2) {\n  'never'\n}\n"
    session.run_script(BareMachine("5.1"), text, [], None)
    lines, hits = compiler.COVERAGE[text]
    assert lines - hits == {3}


def test_a_script_beyond_the_emulation_fails_the_test_that_sent_it():
    """The host answers PowerShell's way (an error, exit 1), and the lab refuses to close quietly:
    whatever the test expected, a construct the emulation lacks is never a pass."""
    script = base64.b64encode("$shifted = 1 -shl 2".encode("utf-16-le")).decode("ascii")
    with pytest.raises(AssertionError, match="could not run what it was sent"):
        with Lab.from_scenario("default") as gap:
            reply = winrm_execute(gap, PC)(hostops.POWERSHELL_PREFIX + script, in_data=b"")
            assert reply["rc"] == 1 and "not emulated: the operator -shl" in reply["stderr"]
