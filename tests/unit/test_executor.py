"""Static checks of plugins/module_utils/kms_executor.ps1, which the unit tests cannot run:
PowerShell 3.0 to 5.1 syntax only, an IPv6-capable reachability test, one careful place
where HRESULTs are read, and the programs the controller builds staying inside what the
executor allows (docs/host-operations.md).

Licensing facts are cited from docs/licensing-facts.md. Each checker is also run on
bad snippets, so that it is known to find what it looks for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell as tsp
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    apply,
    host_apply,
    host_inspection,
    host_steps,
    hostops,
    inspection,
    licensing,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.host_plan import KmsHostPlan
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import HostPlan, ProductPlan

from tests.unit.factories import HOST, KMS_2010, KMS_2024, MAK_2024, SECRET, ospp_raw_product, raw_product
from tests.unit.test_powershell_grammar import first_error

EXECUTOR = (Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "kms_executor.ps1").read_bytes()
PARSER = tree_sitter.Parser(tree_sitter.Language(tsp.language()))
CIM_EXCEPTION = "Microsoft.Management.Infrastructure.CimException"


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


def code_only(source: bytes) -> str:
    """The source with comments and string literals blanked (newlines kept)."""
    blanked = bytearray(source)
    for node in walk(PARSER.parse(source).root_node):
        if node.type in ("comment", "string_literal"):
            for index in range(node.start_byte, node.end_byte):
                if blanked[index] not in b"\r\n":
                    blanked[index] = ord(" ")
    return blanked.decode("utf-8")


# --- PowerShell 3.0 to 5.1 -----------------------------------------------------------------------

NEWER = [
    (r"(?im)^\s*class\s+\w+", "a class definition (PowerShell 5.0)"),
    (r"(?im)^\s*enum\s+\w+", "an enum definition (PowerShell 5.0)"),
    (r"(?im)^\s*using\s+(namespace|module|assembly)\b", "a using statement (PowerShell 5.0)"),
    (r"\]\s*::\s*new\s*\(", "::new() (PowerShell 5.0)"),
    (r"\?\?", "?? or ??= (PowerShell 7)"),
    (r"\?\.|\?\[", "?. or ?[] (PowerShell 7)"),
    (r"(?<![$|\s])\s*\?\s+[^{\s][^:\n]*\s:\s", "the ternary operator (PowerShell 7)"),
    (r"&&|\|\|", "a && or || pipeline chain (PowerShell 7)"),
    (r"(?i)-Parallel\b", "ForEach-Object -Parallel (PowerShell 7)"),
    (r"(?i)-(AsHashtable|AsArray|EscapeHandling|SkipNull)\b", "a JSON cmdlet parameter newer than 5.1"),
    (r"(?i)\bclean\s*\{", "a clean block (PowerShell 7.3)"),
]


def newer_syntax(source: bytes) -> list[str]:
    """What in ``source`` needs a PowerShell newer than the executor may assume."""
    found = []
    tree = PARSER.parse(source)
    for node in walk(tree.root_node):
        if node.type == "class_statement":
            found.append("a class definition (PowerShell 5.0)")
        elif node.type == "pipeline_chain_tail":
            found.append("a && or || pipeline chain (PowerShell 7)")
    code = code_only(source)
    for pattern, what in NEWER:
        if re.search(pattern, code):
            found.append(what)
    # Any other "?" than $? and the Where-Object alias after a pipe is PowerShell 7 syntax.
    for match in re.finditer(r"\?", code):
        before = code[:match.start()]
        if not (before.endswith("$") or re.search(r"\|\s*$", before)):
            found.append("'?' at offset %d (PowerShell 7 operator)" % match.start())
            break
    return sorted(set(found))


def test_executor_uses_no_syntax_newer_than_powershell_5_1():
    """Windows 7 with WMF 3.0 to 5.1 runs it: no PowerShell 7 syntax (and no 5.0 classes)."""
    assert newer_syntax(EXECUTOR) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "class Op { [string]$Id }",
        "using namespace System.Net",
        "$tcp = [Net.Sockets.TcpClient]::new()",
        "$a = $b ?? 'x'",
        "$a ??= 1",
        "$n = $op?.class",
        "$n = $ops?[0]",
        "$v = $ok ? 'yes' : 'no'",
        "Get-Item x && Write-Output y",
        "Get-Item x || exit 1",
        "$ops | ForEach-Object -Parallel { $_ }",
        "$P = $Program | ConvertFrom-Json -AsHashtable",
    ],
)
def test_newer_syntax_is_found(snippet):
    assert newer_syntax(snippet.encode("utf-8")) != [], snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "if (-not $?) { exit 1 }",
        "$x = @(1, 2) | ? { $_ -gt 1 }",
        "# a ?? b, $x?.y, a && b, class Foo, $a ? b : c",
        "$m = 'what ?? and && and ? : mean'",
        "$m = \"a ?. b || c $($x.y)\"",
        "$h = @{ a = 1; b = 2 }; $s = 'x' -replace 'class ', ''",
        "$t = New-Object Net.Sockets.TcpClient($a.AddressFamily)",
    ],
)
def test_older_syntax_is_not_flagged(snippet):
    assert newer_syntax(snippet.encode("utf-8")) == [], snippet


def test_executor_code_is_ascii():
    """Standard input is decoded with the host's console code page (the bootstrap does not change
    it): non-ASCII characters may only be in comments, where a changed character does no harm."""
    code = code_only(EXECUTOR)
    assert code.isascii(), [line for line in code.splitlines() if not line.isascii()]
    literals = [node.text for node in walk(PARSER.parse(EXECUTOR).root_node) if node.type == "string_literal"]
    assert all(text.isascii() for text in literals)


# --- tcp_connect: a socket of each address's family (docs/licensing-facts.md §9 item 7) -----------

def tcp_clients(source: bytes) -> list[tuple[str, bool]]:
    """Each place a TcpClient is made, and whether it is given an AddressFamily."""
    found = []
    for node in walk(PARSER.parse(source).root_node):
        text = node.text.decode("utf-8")
        if node.type == "command" and node.children[0].text.decode().lower() == "new-object" \
                and re.search(r"(?i)\bTcpClient\b", text):
            arguments = re.split(r"(?i)TcpClient", text, maxsplit=1)[1]
            found.append((text, bool(re.search(r"(?i)AddressFamily", arguments))))
        elif node.type == "invokation_expression" and re.match(r"(?i)\[(System\.)?Net\.Sockets\.TcpClient\]", text):
            arguments = node.children[-1].text.decode("utf-8")
            found.append((text, bool(re.search(r"(?i)AddressFamily", arguments))))
    return found


def test_executor_tcp_client_is_made_for_the_address_family():
    """The parameterless TcpClient of .NET Framework is IPv4-only: an IPv6 literal or an
    IPv6-only KMS host would never be reachable."""
    made = tcp_clients(EXECUTOR)
    assert made, "the executor makes no TcpClient"
    assert all(ok for _unused, ok in made), made
    code = code_only(EXECUTOR)
    # Each resolved address is tried with its own family, not the name with a fixed one.
    assert re.search(r"(?i)\[Net\.Dns\]::GetHostAddresses\(", code)
    assert re.search(r"(?i)\.(Begin)?Connect\(\s*\$address\b", code)


@pytest.mark.parametrize(
    "snippet",
    [
        "$tcp = New-Object Net.Sockets.TcpClient",
        "$tcp = New-Object System.Net.Sockets.TcpClient",
        "$tcp = New-Object -TypeName Net.Sockets.TcpClient",
        "$tcp = New-Object Net.Sockets.TcpClient($Op.host, $Op.port)",
        "$tcp = [Net.Sockets.TcpClient]::new()",
    ],
)
def test_tcp_client_without_address_family_is_found(snippet):
    assert [ok for _unused, ok in tcp_clients(snippet.encode("utf-8"))] == [False]


# --- HRESULTs: never Exception.HResult of a CimException (docs/licensing-facts.md §9 item 8, §10.1) ---

RESULT_DOCUMENTS = {"$r", "$data", "$r.data", "$failure"}  # the executor's own result hashtables


def function_of(node) -> str | None:
    while node is not None:
        if node.type == "function_statement":
            return node.children[1].text.decode("utf-8")
        node = node.parent
    return None


def guarded(node, target: str) -> bool:
    """Whether ``node`` runs only inside ``if (... -and <target> is not a CimException -and ...)``."""
    guard = re.compile(r"(?i)^%s\.GetType\(\)\.FullName\s+-ne\s+'%s'$|^%s\s+-isnot\s+\[%s\]$" % (
        re.escape(target), re.escape(CIM_EXCEPTION), re.escape(target), re.escape(CIM_EXCEPTION)))
    child, parent = node, node.parent
    while parent is not None:
        if parent.type == "if_statement" and child.type == "statement_block" and \
                child == next(c for c in parent.children if c.type == "statement_block"):
            condition = parent.child_by_field_name("condition").text.decode("utf-8")
            conjuncts = [c.strip() for c in re.split(r"(?i)\s-and\s", condition)]
            if not re.search(r"(?i)\s-or\s|\s-xor\s|-not\s*\(", condition) and any(guard.match(c) for c in conjuncts):
                return True
        child, parent = parent, parent.parent
    return False


def hresult_reads(source: bytes) -> list[str]:
    """Each read of an HResult property that could be a CimException's."""
    problems = []
    for node in walk(PARSER.parse(source).root_node):
        if node.type not in ("member_access", "invokation_expression"):
            continue
        name = next((c for c in node.children if c.type == "member_name"), None)
        if name is None or name.text.decode("utf-8").lower() != "hresult":
            continue
        target = node.children[0].text.decode("utf-8")
        where = function_of(node)
        if target.lower() in RESULT_DOCUMENTS and where != "Get-HResult":
            continue
        if where != "Get-HResult":
            problems.append("%s.HResult read outside Get-HResult (in %s)" % (target, where))
        elif not guarded(node, target):
            problems.append("%s.HResult read without ruling out a CimException" % target)
    return problems


def test_executor_never_reads_the_hresult_of_a_cim_exception():
    """A CimException never sets HResult, and HResult is not public before .NET 4.5: reading it
    would give 0 or nothing, which must never pass for success."""
    assert hresult_reads(EXECUTOR) == []
    assert any(function_of(n) == "Get-HResult" for n in walk(PARSER.parse(EXECUTOR).root_node)
               if n.type == "member_access" and n.children[-1].text.decode().lower() == "hresult")


def test_get_hresult_takes_the_cim_error_first():
    """ErrorData.error_Code (MSFT_WmiError), then "HRESULT 0x..." in MessageId, and only then an
    exception's HResult (docs/host-operations.md)."""
    code = EXECUTOR.decode("utf-8")
    body = code[code.index("function Get-HResult"):]
    body = body[:body.index("\n}\n")]
    order = [body.find(part) for part in ("ErrorData", "error_Code", "MessageId", "InnerException", "$ex.HResult")]
    assert -1 not in order, order
    assert order == sorted(order)
    assert "HRESULT 0x" in body


@pytest.mark.parametrize(
    "snippet",
    [
        "function Get-HResult($E) { $ex = $E.Exception; return Format-HResult $ex.HResult }",
        "function Get-HResult($E) { $ex = $E.Exception; if ($ex.HResult) { return $ex.HResult } }",
        "function Get-HResult($E) { $ex = $E.Exception\n"
        "  if ($ex.GetType().FullName -ne '%s' -or $x) { return $ex.HResult } }" % CIM_EXCEPTION,
        "function Get-HResult($E) { $ex = $E.Exception\n"
        "  if ($ex.GetType().FullName -ne '%s') { } else { return $ex.HResult } }" % CIM_EXCEPTION,
        "function Get-HResult($E) { $ex = $E.Exception; $in = $ex.InnerException\n"
        "  if ($in.GetType().FullName -ne '%s') { return $ex.HResult } }" % CIM_EXCEPTION,
        "function Invoke-Method($Op) { try { } catch { $r.hresult = $_.Exception.HResult } }",
        "$code = $Error[0].Exception.HResult",
    ],
)
def test_unguarded_hresult_reads_are_found(snippet):
    assert hresult_reads(snippet.encode("utf-8")) != [], snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "function Get-HResult($E) { $ex = $E.Exception\n"
        "  if ($ex.GetType().FullName -ne '%s' -and $ex.PSObject.Properties['HResult']) {\n"
        "    return Format-HResult $ex.HResult } }" % CIM_EXCEPTION,
        "function Get-HResult($E) { $ex = $E.Exception\n"
        "  if ($ex -isnot [%s]) { return $ex.HResult } }" % CIM_EXCEPTION,
        "$r.hresult = Get-HResult $_; $data.hresult = '0x8007274C'",
    ],
)
def test_guarded_hresult_reads_pass(snippet):
    assert hresult_reads(snippet.encode("utf-8")) == [], snippet


# --- the controller's programs stay inside what the executor allows ------------------------------

def executor_list(name: str) -> list[str]:
    """A fixed set of the executor: ``$Name = [$Other + ...] [@('a', 'b', ...)]``, the other
    sets' values first."""
    code = EXECUTOR.decode("utf-8")
    match = re.search(r"(?ms)^\$%s = (?P<refs>(?:\$\w+(?: \+ )?)*)(?:@\((?P<items>.*?)\))?[ \t]*$" % name, code)
    assert match, name
    values = [v for ref in re.findall(r"\$(\w+)", match.group("refs")) for v in executor_list(ref)]
    return values + re.findall(r"'([^']*)'", match.group("items") or "")


LICENSING_CLASSES = executor_list("LicensingClasses")
FIREWALL_CLASSES = executor_list("FirewallClasses")
QUERY_CLASSES = executor_list("QueryClasses")
METHOD_CLASSES = executor_list("MethodClasses")
NAMESPACES = executor_list("Namespaces")
REGISTRY_KEYS = executor_list("RegistryKeys")
ARGUMENT_TYPES = executor_list("ArgumentTypes")
EVENT_PROVIDERS = executor_list("EventProviders")
EVENT_LOGS = executor_list("EventLogs")
RESTART_SERVICES = executor_list("RestartServices")
SRV_NAMES = executor_list("SrvNames")
# $WritableValues: {value name: (key, kind)}, the one value a program may write.
WRITABLE_VALUES = {name: (key, kind) for name, key, kind in re.findall(
    r"'(\w+)' = @\('([^']*)', '(\w+)'\)",
    re.search(r"(?m)^\$WritableValues = (.*)$", EXECUTOR.decode("utf-8")).group(1))}
SPP_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform"
# .NET's \z (end of the string) is Python's \Z.
IDENTIFIER = re.compile(re.search(r"(?m)^\$Identifier = '([^']*)'", EXECUTOR.decode("utf-8")).group(1)
                        .replace("\\z", "\\Z"))


def _namespace(op: dict) -> str | None:
    """Get-Namespace's rule: a namespace of the set, the firewall classes' own for them only."""
    namespace = op.get("namespace") or NAMESPACES[0]
    if namespace.lower() not in [n.lower() for n in NAMESPACES] or \
            (op["class"] in FIREWALL_CLASSES) != (namespace.lower() == NAMESPACES[1].lower()):
        return "class %s is not in namespace %s" % (op["class"], namespace)
    return None


def _names_query(op: dict) -> tuple[str | None, list[str]]:
    if op["class"] not in QUERY_CLASSES:
        return "class %s may not be read" % op["class"], []
    if _namespace(op):
        return _namespace(op), []
    return (None if op["properties"] else "no property"), list(op["properties"])


def _names_invoke(op: dict) -> tuple[str | None, list[str]]:
    if op["class"] not in METHOD_CLASSES:
        return "methods of %s may not be called" % op["class"], []
    if _namespace(op):
        return _namespace(op), []
    if any(a["type"] not in ARGUMENT_TYPES for a in op["arguments"]):
        return "argument type", []
    return None, [op["method"]] + [a["name"] for a in op["arguments"]]


def _names_registry(op: dict) -> tuple[str | None, list[str]]:
    if op["key"] not in REGISTRY_KEYS:
        return "registry key %s may not be read" % op["key"], []
    return None, list(op["values"])


def _names_write(op: dict) -> tuple[str | None, list[str]]:
    target = WRITABLE_VALUES.get(op["name"])
    if not target or target[0] != op["key"]:
        return "registry value %s of %s may not be written" % (op["name"], op["key"]), []
    if not all(isinstance(s, str) for s in op.get("data") or []):
        return "registry data", []
    return None, []


def _names_events(op: dict) -> tuple[str | None, list[str]]:
    log = op.get("log") or EVENT_LOGS[0]
    if log not in EVENT_LOGS:
        return "the %s log may not be read" % log, []
    if (log == EVENT_LOGS[0]) != (op["provider"] in EVENT_PROVIDERS):
        return "events of %s may not be read from the %s log" % (op["provider"], log), []
    if not 1 <= op["newest"] <= 100 or not all(isinstance(i, int) for i in op["ids"]):
        return "newest or ids", []
    return None, []


def _names_srv(op: dict) -> tuple[str | None, list[str]]:
    if op["name"] not in SRV_NAMES:
        return "SRV name %s may not be looked up" % op["name"], []
    if op["domain"] and not re.match(r"^[A-Za-z0-9][A-Za-z0-9.-]*\Z", op["domain"]):
        return "domain", []
    return None, []


_KINDS = {
    "host_facts": lambda op: (None, []),
    "cim_query": _names_query,
    "cim_invoke": _names_invoke,
    "registry_read": _names_registry,
    "registry_write": _names_write,
    "tcp_connect": lambda op: (None if 1 <= op["port"] <= 65535 else "port", []),
    "event_log": _names_events,
    "dns_srv": _names_srv,
    "service_restart": lambda op: (None if op["name"] in RESTART_SERVICES else "service", []),
}


def refusal(op: dict) -> str | None:
    """Test-Program's rules (docs/host-operations.md), with the executor's own lists."""
    check = _KINDS.get(op["op"])
    if check is None:
        return "unknown operation kind %s" % op["op"]
    problem, names = check(op)
    if problem:
        return problem
    bad = [n for n in names if not IDENTIFIER.match(n)]
    return "%s is not a plain name" % bad[0] if bad else None


def test_executor_lists_are_the_documented_ones():
    assert LICENSING_CLASSES == ["SoftwareLicensingProduct", "SoftwareLicensingService",
                                 "OfficeSoftwareProtectionProduct", "OfficeSoftwareProtectionService"]
    assert FIREWALL_CLASSES == ["MSFT_NetFirewallRule"]
    assert set(QUERY_CLASSES) - set(LICENSING_CLASSES) - set(FIREWALL_CLASSES) == {
        "Win32_OperatingSystem", "Win32_ComputerSystem", "Win32_Processor", "Win32_PhysicalMemory",
        "Win32_LogicalDisk", "Win32_Service"}
    assert METHOD_CLASSES == LICENSING_CLASSES + FIREWALL_CLASSES
    assert ARGUMENT_TYPES == ["string", "uint32", "boolean"]
    assert inspection.C2R_KEY in REGISTRY_KEYS
    assert EVENT_PROVIDERS == ["Microsoft-Windows-Security-SPP", "Office Software Protection Platform Service"]
    assert SRV_NAMES == ["_vlmcs._tcp"]
    # hostops checks the same fixed sets before a program is built
    assert NAMESPACES == list(hostops.NAMESPACES) == ["root/cimv2", "root/StandardCimv2"]
    assert EVENT_LOGS == list(hostops.EVENT_LOGS) == ["Application", "Key Management Service"]
    assert RESTART_SERVICES == list(hostops.RESTART_SERVICES) == ["sppsvc"]
    assert WRITABLE_VALUES == {"DnsDomainPublishList": (host_inspection.SPP_KEY, "MultiString")}


@pytest.mark.parametrize(
    "op",
    [
        {"op": "cim_query", "class": "Win32_UserAccount", "properties": ["Name"]},
        {"op": "cim_query", "class": "SoftwareLicensingProduct", "properties": []},
        {"op": "cim_query", "class": "SoftwareLicensingProduct", "properties": ["*"]},
        {"op": "cim_query", "class": "SoftwareLicensingProduct", "properties": ["ID, Name"]},
        {"op": "cim_invoke", "class": "Win32_Service", "method": "StopService", "arguments": []},
        {"op": "cim_invoke", "class": "SoftwareLicensingProduct", "method": "Activate()", "arguments": []},
        {"op": "cim_invoke", "class": "SoftwareLicensingProduct", "method": "SetKeyManagementServicePort",
         "arguments": [{"name": "PortNumber", "type": "uint16", "value": 1688}]},
        {"op": "registry_read", "key": "HKLM:\\SAM", "values": ["x"]},
        {"op": "tcp_connect", "port": 0},
        {"op": "event_log", "provider": "Microsoft-Windows-Security-Auditing", "ids": [4624], "newest": 10},
        {"op": "event_log", "provider": "Microsoft-Windows-Security-SPP", "ids": [12288], "newest": 1000},
        {"op": "dns_srv", "name": "_ldap._tcp", "domain": None},
        {"op": "dns_srv", "name": "_vlmcs._tcp", "domain": "x; Remove-Item C:\\"},
        {"op": "run_script"},
        {"op": "cim_query", "class": "MSFT_NetFirewallRule", "properties": ["Enabled"]},
        {"op": "cim_query", "class": "SoftwareLicensingProduct", "properties": ["ID"],
         "namespace": "root/StandardCimv2"},
        {"op": "cim_query", "class": "Win32_Service", "properties": ["Name"], "namespace": "root/default"},
        {"op": "cim_invoke", "class": "MSFT_NetFirewallRule", "method": "Enable", "arguments": []},
        {"op": "event_log", "provider": None, "ids": [12290], "newest": 10},
        {"op": "event_log", "log": "Key Management Service", "provider": "Microsoft-Windows-Security-SPP",
         "ids": [12290], "newest": 10},
        {"op": "event_log", "log": "Security", "provider": None, "ids": [4624], "newest": 10},
        {"op": "service_restart", "name": "WinRM"},
        {"op": "registry_write", "key": SPP_KEY,
         "name": "KeyManagementServiceName", "data": ["kms.example.edu"]},
        {"op": "registry_write", "key": "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
         "name": "DnsDomainPublishList", "data": ["x"]},
        {"op": "registry_write", "key": SPP_KEY,
         "name": "DnsDomainPublishList", "data": [1]},
    ],
)
def test_refusal_finds_what_the_executor_refuses(op):
    assert refusal(op) is not None


def all_kinds_of_plan() -> HostPlan:
    """Every step kind, on the SPP and on osppsvc."""
    spp = licensing.product(raw_product(*MAK_2024, key="7HJ3K"), "SoftwareLicensingProduct")
    other = licensing.product(raw_product(*KMS_2024, host=HOST, port=1689), "SoftwareLicensingProduct")
    ospp = licensing.product(ospp_raw_product(*KMS_2010), "OfficeSoftwareProtectionProduct")
    every = [{"action": "install_key", "value": SECRET}, {"action": "set_host", "value": HOST},
             {"action": "set_port", "value": 1690}, {"action": "activate", "value": None}]
    clear = [{"action": "clear_host", "value": None}, {"action": "clear_port", "value": None}]
    return HostPlan([ProductPlan(spp, every), ProductPlan(other, clear), ProductPlan(ospp, every)], [], [])


def all_kinds_of_host_plan() -> KmsHostPlan:
    """Every host step kind."""
    plan = KmsHostPlan()
    office = {"sku_id": "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f", "partial_key": "7BQ9X", "label": "x"}
    for name, value in (("activate_host", office),
                        ("install_host_key", SECRET),
                        ("activate_host", {"sku_id": None, "partial_key": "VWXYZ", "label": "y"}),
                        ("set_listening_port", 1689), ("set_dns_publishing", False), ("set_low_priority", True),
                        ("set_activation_interval", 60), ("set_renewal_interval", 4320),
                        ("set_dns_publishing_domains", [{"domain": "labs.example.edu", "priority": 10, "weight": 5},
                                                        {"domain": "dorms.example.edu", "priority": 0, "weight": 0}]),
                        ("set_dns_publishing_domains", []),
                        ("enable_firewall_rule", "SPPSVC-In-TCP"), ("disable_firewall_rule", "SPPSVC-In-TCP"),
                        ("restart_service", "sppsvc")):
        plan.add(host_steps.step(name, value), name)
    assert {s["action"] for s in plan.steps} == set(host_steps.KINDS)
    return plan


PROGRAMS = {
    "read": inspection.read_program(),
    "read with Windows and reach": inspection.read_program(("office", "windows"), "kms.example.edu", 1700, 2500),
    "apply": apply.program(all_kinds_of_plan(), Desired(kms_host=HOST, kms_port=1690)),
    "KMS host read": host_inspection.read_program(),
    "KMS host apply": host_apply.program(all_kinds_of_host_plan()),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_controller_programs_are_allowed(name):
    program = PROGRAMS[name]
    assert program
    assert [(op["id"], refusal(op)) for op in program if refusal(op)] == []


@pytest.mark.parametrize(("name", "plain"), [("ID", True), ("Port_2", True), ("ID\n", False), ("2ID", False),
                                             ("ID;x", False), ("", False)])
def test_executor_identifier_is_anchored_at_the_very_end(name, plain):
    # A trailing newline would pass a pattern that ends in $ rather than \z.
    assert bool(IDENTIFIER.match(name)) is plain


def test_the_executor_as_sent_parses_and_keeps_every_function():
    """hostops sends the executor without comment lines and indentation: still valid
    PowerShell, with every function and the param block first."""
    sent = hostops.executor_text().encode("utf-8")
    assert first_error(sent) is None
    assert sent.startswith(b"param([string]$Program)")
    functions = re.findall(rb"(?m)^function ([\w-]+)", EXECUTOR)
    assert len(functions) >= 6
    assert re.findall(rb"(?m)^function ([\w-]+)", sent) == functions
    assert len(sent) < len(EXECUTOR) * 0.75


# --- each operation's duration on the host ("ms", docs/host-operations.md) -----------------------

def timing_problems(source: bytes) -> list[str]:
    """What is wrong with how the main loop times each operation: a Stopwatch started after
    the skip and before the operation's try (StartNew: ::new() is PowerShell 5.0), read into
    the result after the catch and before the result is kept, so a failed operation is timed
    too and a skipped one is not."""
    code = code_only(source)
    loop = code[code.find("foreach ($op in $operations)"):]
    steps = [("the skip", r"\bcontinue\b"),
             ("the Stopwatch", r"\$(\w+) = \[(?:System\.)?Diagnostics\.Stopwatch\]::StartNew\(\)"),
             ("the operation's try", r"\btry \{"), ("its catch", r"\}\s*catch \{"),
             ("the reading", r"\$r\.ms = \$(\w+)\.ElapsedMilliseconds"), ("the result kept", r"\$results \+= \$r")]
    position, clocks = 0, []
    for what, pattern in steps:
        found = re.compile(pattern).search(loop, position)
        if found is None:
            return ["%s is missing or out of order" % what]
        if found.groups():
            clocks.append(found.group(1))
        position = found.end()
    return [] if clocks[0] == clocks[1] else ["the reading is not of the Stopwatch started"]


def test_executor_times_each_operation_that_runs():
    assert timing_problems(EXECUTOR) == []


LOOP = """foreach ($op in $operations) {
    if ($skip) { $results += $r; continue }
    %s
}"""


@pytest.mark.parametrize("body", [
    "try { Run } catch { $r.status = 'error' }\n$r.ms = 0\n$results += $r",
    "$clock = [Diagnostics.Stopwatch]::StartNew()\ntry { Run } catch { }\n$results += $r\n"
    "$r.ms = $clock.ElapsedMilliseconds",
    "try { $clock = [Diagnostics.Stopwatch]::StartNew(); Run } catch { }\n$r.ms = $clock.ElapsedMilliseconds\n"
    "$results += $r",
    "$clock = [Diagnostics.Stopwatch]::new()\ntry { Run } catch { }\n$r.ms = $clock.ElapsedMilliseconds\n"
    "$results += $r",
    "$clock = [Diagnostics.Stopwatch]::StartNew()\ntry { Run } catch { }\n$r.ms = $other.ElapsedMilliseconds\n"
    "$results += $r",
])
def test_timing_problems_are_found(body):
    assert timing_problems((LOOP % body).encode("utf-8")) != [], body
