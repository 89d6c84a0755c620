"""One simulated Windows host: what PowerShell does with the commands WinRM hands it.

It recognises one text only, the collection's bootstrap (read from
plugins/module_utils/kms_bootstrap.ps1), on the one command line the contract fixes
(docs/host-operations.md, "How a call travels"):

    PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand <UTF-16LE base64>

and then does what the bootstrap does: split standard input at the first four NULs, take the
first part as a script block (which it never reads: it only logs it, as PowerShell's script
block logging, event 4104, would) and the second part, trimmed, as the program: base64 of UTF-8
JSON. The program runs as docs/host-operations.md says, against this host's CIM provider
(cim.py), registry (registry.py), network (network.py) and clock. Anything else on the command
line is either a console command the lab knows (console.py) or PowerShell's "not recognized".

Faults, read live from HostState.faults on every command (wire faults are wsman.py's):
  malformed_json    the program runs, but the reply arrives garbled (the JSON in UTF-16LE, as a
                    console code-page mismatch delivers it)
  truncated_json    the program runs, but only the first half of the reply arrives
  clixml_error      PowerShell fails before running anything: exit 1, a CLIXML error record on
                    stderr (here Windows PowerShell 2.0's, which has no ConvertTo-Json)
  reply_lost        the program runs, then the connection closes without a reply (the work is
                    done, the controller never hears of it)
  dropped_unrun     the connection closes without a reply before the program runs
                    For these five, ``true`` strikes every command, ``"invoke"`` only programs
                    with a cim_invoke operation, ``"read"`` only programs without one.
  access_denied     ``true``: every query and call on a licensing class fails E_ACCESSDENIED
                    0x80070005 (a non-administrator account); ``"invoke"``: licensing method calls
                    fail SL_E_LUA_ACCESSDENIED 0xC004F025, reads work (facts §6)
  licensing_service ``"disabled"``: sppsvc's classes fail 0x80070422; ``"missing"``: they are
                    WBEM_E_INVALID_CLASS 0x80041010 (SppWmi.mof not registered)
  operations        a list of per-operation faults, each ``{"index": N}`` (the Nth operation of a
                    program, from 0) or ``{"match": {"op": .., "class": .., "method": ..}}`` (every
                    given field equals the operation's; class and method case-insensitively), with
                    ``hresult`` (int, or null: Windows threw an error without a code), optional
                    ``message``, ``after: true`` (the operation takes effect, then reports the
                    error) and ``times: N`` (strikes at most N times; counted in ``struck``)
Host settings that act like faults: ``ospp_service`` true / false (osppsvc not installed:
OfficeSoftwareProtection* are WBEM_E_INVALID_CLASS) / "disabled" (they fail 0x80070422);
a product's or a KMS stand-in's ``activation_error`` (the HRESULT the KMS host answers with).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

from tests.simlab import console, registry
from tests.simlab.cim import CimError, CimProvider
from tests.simlab.eventlog import PROVIDERS, EventLog
from tests.simlab.network import Network, ResolveError, family_of
from tests.simlab.scenario import HostState
from tests.simlab.wsman import CommandRequest, CommandResult

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOOTSTRAP = os.path.join(ROOT, "plugins", "module_utils", "kms_bootstrap.ps1")
POWERSHELL_ARGS = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted", "-EncodedCommand"]
SEPARATOR = "\0\0\0\0"
POWERSHELL_VERSION = "5.1"

# What the executor accepts (docs/host-operations.md, "Rules the executor enforces").
KINDS = ("host_facts", "cim_query", "cim_invoke", "registry_read", "tcp_connect", "event_log", "dns_srv")
LICENSING_CLASSES = ("SoftwareLicensingProduct", "SoftwareLicensingService",
                     "OfficeSoftwareProtectionProduct", "OfficeSoftwareProtectionService")
WIN32_CLASSES = ("Win32_OperatingSystem", "Win32_ComputerSystem", "Win32_Processor",
                 "Win32_PhysicalMemory", "Win32_LogicalDisk", "Win32_Service")
ARGUMENT_TYPES = ("string", "uint32", "boolean")
SERVICES = ("sppsvc", "osppsvc")  # what a query may be made conditional on (if_service)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# .NET SocketException messages and their Win32 codes as HRESULTs (WSAHOST_NOT_FOUND 11001,
# WSAECONNREFUSED 10061, WSAETIMEDOUT 10060, WSAEAFNOSUPPORT 10047).
NOT_FOUND = ("No such host is known", 0x80072AF9)
REFUSED = ("No connection could be made because the target machine actively refused it", 0x8007274D)
TIMED_OUT = ("A connection attempt failed because the connected party did not properly respond after a "
             "period of time, or established connection failed because connected host has failed to respond",
             0x8007274C)
NO_FAMILY = ("An address incompatible with the requested protocol was used", 0x8007273F)
# Resolve-DnsName's error for a name that does not exist: DNS_ERROR_RCODE_NAME_ERROR (9003),
# 0x8007232B as an HRESULT (facts §10.3).
DNS_NAME_ERROR = ("%s : DNS name does not exist", 0x8007232B)
SRV_NAMES = ("_vlmcs._tcp",)  # facts §7.1
# Resolve-DnsName is in the DnsClient module, from Windows 8 / Server 2012 (facts §10.3;
# its absence on Windows 7 is UNCONFIRMED there, a third-party report).
DNSCLIENT_SINCE = (6, 2)
# What Windows PowerShell 2.0 says when a script reaches ConvertTo-Json (PowerShell 3.0+).
NO_CONVERTTO_JSON = ("The term 'ConvertTo-Json' is not recognized as the name of a cmdlet, function, "
                     "script file, or operable program. Check the spelling of the name, or if a path "
                     "was included, verify that the path is correct and try again.")


@dataclass
class Reading:
    """What PowerShell makes of one command (read_request)."""

    command: str | None = None  # the -EncodedCommand text (a script block PowerShell logs)
    script: str | None = None  # the bootstrap's script block: stdin before the four NULs
    program: dict[str, Any] | None = None  # the decoded program
    console: str | None = None  # a console command the lab answers (console.py)
    problem: str | None = None  # PowerShell fails: this error, CLIXML on stderr, exit 1
    executor_error: str | None = None  # the executor cannot read the program


def read_request(request: CommandRequest, bootstrap: str) -> Reading:
    """Read a command as PowerShell and the bootstrap would, running nothing. ``bootstrap``
    is the stripped text of kms_bootstrap.ps1 (WindowsHost.bootstrap)."""
    # WinRS runs rsp:Command and the rsp:Arguments elements as one command line, joined with
    # spaces (MS-WSMV, the CommandLine element; ansible-core 2.20's winrm plugin sends a whole
    # command line as rsp:Command on that ground). pywinrm sends its arguments as one element.
    line = " ".join([request.command, *request.arguments]).split()
    executable, arguments = (line[0], line[1:]) if line else ("", [])
    if executable.lower() != "powershell" or arguments[:-1] != POWERSHELL_ARGS:
        return Reading(problem="The term '%s' is not recognized as the name of a cmdlet, function, "
                               "script file, or operable program." % executable)
    try:
        command = base64.b64decode(arguments[-1], validate=True).decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError):
        return Reading(problem="Cannot process the command because the value specified with "
                               "-EncodedCommand is not properly encoded.")
    if command.strip() != bootstrap:
        if console.knows(command):
            return Reading(command=command, console=command.strip())
        first = command.strip().splitlines()[0] if command.strip() else ""
        return Reading(command=command, problem="simlab: unknown PowerShell command: %s" % first[:200])
    script, separator, payload = request.stdin.decode("utf-8", errors="replace").partition(SEPARATOR)
    if not separator:  # $p[1] is $null: the bootstrap's .Trim() fails
        return Reading(command=command, script=script,
                       problem="You cannot call a method on a null-valued expression.")
    try:
        program = json.loads(base64.b64decode(payload.strip(), validate=True).decode("utf-8"))
        if not isinstance(program, dict):
            raise ValueError("the program is not a JSON object")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        return Reading(command=command, script=script, executor_error="cannot read the program: %s" % exc)
    return Reading(command=command, script=script, program=program)


class Refused(Exception):
    """The executor refuses the program before running anything."""


def powershell_error(message: str) -> CommandResult:
    """A failed PowerShell run as it reaches WinRM: CLIXML error record on stderr, exit 1."""
    clixml = (
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<S S="Error">%s_x000D__x000A_</S></Objs>' % escape(message)
    )
    return CommandResult(stdout=b"", stderr=clixml.encode("utf-8"), exit_code=1)


def hresult_text(hresult: int | None) -> str | None:
    return None if hresult is None else "0x%08X" % (hresult & 0xFFFFFFFF)


def _pick(names: tuple[str, ...], name: Any) -> str | None:
    return next((n for n in names if isinstance(name, str) and n.lower() == name.lower()), None)


class WindowsHost:
    """Runs the commands of one host against its state; keeps the logs tests read."""

    def __init__(self, state: HostState, network: Network, known_keys: dict[str, dict[str, Any]] | None = None,
                 cim_seconds: float = 0.0) -> None:
        self.state = state
        self.cim_seconds = cim_seconds  # what each CIM query or method call costs (scenario.Latency)
        self.network = network
        self.commands: list[dict[str, Any]] = []
        self.script_block_log: list[str] = []  # stands for PowerShell event 4104
        self.lock = threading.Lock()
        self.cim = CimProvider(state, network, known_keys or {}, self.now)
        with open(BOOTSTRAP, encoding="utf-8") as handle:
            self.bootstrap = handle.read().strip()

    @property
    def cim_log(self) -> list[dict[str, Any]]:
        return self.cim.log

    def now(self) -> datetime:
        """The host's clock (scenario clock_offset_minutes)."""
        return datetime.now(timezone.utc) + timedelta(minutes=self.state.clock_offset_minutes)

    # -- PowerShell -----------------------------------------------------------------------------
    def __call__(self, request: CommandRequest) -> CommandResult:
        record: dict[str, Any] = {"command": request.command, "arguments": list(request.arguments),
                                  "stdin_bytes": len(request.stdin), "script": None, "program": None}
        with self.lock:
            self.commands.append(record)
            reading = read_request(request, self.bootstrap)
            if reading.command is not None:
                self.script_block_log.append(reading.command)
            if reading.script is not None:
                record["script"] = reading.script
                self.script_block_log.append(reading.script)
            if reading.console is not None:
                record["console"] = reading.console
                return CommandResult(stdout=(console.answer(self, reading.console) or "").encode("utf-8"))
            if reading.problem is not None:
                return powershell_error(reading.problem)
            if reading.program is None:
                return self._reply({"executor": 1, "error": reading.executor_error}, None)
            record["program"] = program = reading.program
            if self._strikes("clixml_error", program):
                return powershell_error(NO_CONVERTTO_JSON)
            if self._strikes("dropped_unrun", program):
                return CommandResult(lost=True)
            return self._reply(self.run(program), program)

    def _reply(self, document: dict[str, Any], program: dict[str, Any] | None) -> CommandResult:
        text = json.dumps(document, separators=(",", ":"))
        if self._strikes("reply_lost", program):
            return CommandResult(stdout=text.encode("utf-8"), lost=True)
        if self._strikes("truncated_json", program):
            return CommandResult(stdout=text[:len(text) // 2].encode("utf-8"))
        if self._strikes("malformed_json", program):
            return CommandResult(stdout=(text + "\r\n").encode("utf-16-le"))
        return CommandResult(stdout=(text + "\r\n").encode("utf-8"))

    def _strikes(self, fault: str, program: dict[str, Any] | None) -> bool:
        value = self.state.faults.get(fault)
        if value in ("invoke", "read"):
            operations = (program or {}).get("operations")
            writes = isinstance(operations, list) and any(
                isinstance(op, dict) and op.get("op") == "cim_invoke" for op in operations)
            return writes == (value == "invoke")
        return bool(value)

    # -- the executor's contract ----------------------------------------------------------------
    def run(self, program: dict[str, Any]) -> dict[str, Any]:
        """The result document for a program (docs/host-operations.md, "The result document")."""
        try:
            operations = check(program)
        except Refused as exc:
            return {"executor": 1, "error": str(exc)}
        results: list[dict[str, Any]] = []
        failed_groups: set[str] = set()
        stopped = False
        for index, op in enumerate(operations):
            result: dict[str, Any] = {"id": op.get("id"), "op": op["op"]}
            results.append(result)
            group = op.get("group")
            if stopped or (group is not None and group in failed_groups):
                result["status"] = "skipped"
                continue
            try:
                fault = self._operation_fault(index, op)
                if fault is not None and not fault.get("after"):
                    raise CimError(fault.get("hresult"), fault.get("message") or "simlab: injected fault")
                data = getattr(self, "op_" + op["op"])(op)
                if fault is not None:
                    raise CimError(fault.get("hresult"), fault.get("message") or "simlab: injected fault")
            except CimError as exc:
                result.update(status="error", hresult=hresult_text(exc.hresult), message=exc.message)
                if getattr(exc, "data", None) is not None:  # a required tcp_connect keeps its data
                    result["data"] = exc.data
                if group is not None:
                    failed_groups.add(group)
                stopped = stopped or op.get("on_error") == "stop"
                continue
            result.update(status="ok", data=data)
        return {"executor": 1, "results": results}

    def _operation_fault(self, index: int, op: dict[str, Any]) -> dict[str, Any] | None:
        for fault in self.state.faults.get("operations") or []:
            if "index" in fault and fault["index"] != index:
                continue
            wanted = fault.get("match") or {}
            if any(str(op.get(field, "")).lower() != str(value).lower() if field in ("class", "method")
                   else op.get(field) != value for field, value in wanted.items()):
                continue
            if "index" not in fault and not wanted:
                continue
            if fault.get("times") is not None and fault.get("struck", 0) >= fault["times"]:
                continue
            fault["struck"] = fault.get("struck", 0) + 1
            return fault
        return None

    def op_host_facts(self, op: dict[str, Any]) -> dict[str, Any]:
        return {"computer_name": self.state.computer_name,
                "utc_now": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "powershell_version": POWERSHELL_VERSION}

    def op_cim_query(self, op: dict[str, Any]) -> dict[str, Any]:
        # Get-Service finds osppsvc only where Office's licensing service is installed
        # (facts §1.1); sppsvc is part of every Windows the lab emulates.
        if op.get("if_service") == "osppsvc" and self.state.ospp_service is False:
            return {"instances": [], "absent": True}
        properties = list(op["properties"])
        try:
            time.sleep(self.cim_seconds)
            return {"instances": self.cim.query(op["class"], properties, op.get("where"))}
        except CimError as exc:
            if op.get("optional") and exc.hresult == 0x80041010:  # WBEM_E_INVALID_CLASS, and only that
                return {"instances": [], "absent": True}
            if not (op.get("optional_properties") and exc.hresult == 0x80041017):  # WBEM_E_INVALID_QUERY
                raise
        dropped = list(op["optional_properties"])
        time.sleep(self.cim_seconds)
        kept = [p for p in properties if p not in dropped]
        return {"instances": self.cim.query(op["class"], kept, op.get("where")), "dropped": dropped}

    def op_cim_invoke(self, op: dict[str, Any]) -> dict[str, Any]:
        time.sleep(self.cim_seconds)
        value = self.cim.invoke(op["class"], op.get("where"), op["method"], op.get("arguments") or [])
        if value:  # a non-zero ReturnValue is an error with that value (contract)
            raise CimError(value)
        return {"return_value": value}

    def op_registry_read(self, op: dict[str, Any]) -> dict[str, Any]:
        keys = registry.build(self.state)
        key = keys.get(next(k for k in registry.ALLOWED_KEYS if k.lower() == op["key"].lower()))

        def values(source: dict[str, Any] | None) -> dict[str, Any]:
            found = {n.lower(): v for n, v in ((source or {}).get("values") or {}).items()}
            return {name: found.get(name.lower()) for name in op.get("values") or []}

        data: dict[str, Any] = {"exists": key is not None, "values": values(key)}
        if op.get("subkeys") is not None:
            try:
                pattern = re.compile(op["subkeys"], re.IGNORECASE)  # PowerShell -match
            except re.error as exc:
                raise CimError(0x80070057, "Invalid pattern '%s': %s" % (op["subkeys"], exc)) from None
            subkeys = (key or {}).get("subkeys") or {}
            data["subkeys"] = [{"name": name, "values": values(subkeys[name])}
                               for name in sorted(subkeys, key=str.lower) if pattern.search(name)]
        return data

    def op_event_log(self, op: dict[str, Any]) -> dict[str, Any]:
        """Get-WinEvent on the Application log: the newest matching events, newest first;
        none for a provider with no events here."""
        return {"events": EventLog(self.state.events).newest(op["provider"], op["ids"], op["newest"])}

    def op_dns_srv(self, op: dict[str, Any]) -> dict[str, Any]:
        """Resolve-DnsName -Type SRV through the host's resolver: the scenario's dns_kms_host is
        what this host's DNS publishes under _vlmcs._tcp.<dns_domain> (port 1688, facts §7.1)."""
        domain = op.get("domain") or self.state.dns_domain
        query = op["name"] + ("." + domain.rstrip(".") if domain else "")
        data: dict[str, Any] = {"available": True, "query": query, "records": [], "hresult": None, "error": None}
        version = tuple(int(p) for p in self.state.os["version"].split(".")[:2])
        if version < DNSCLIENT_SINCE:
            data["available"] = False
            return data
        published = (self.state.dns_kms_host and (domain or "").lower().rstrip(".")
                     == (self.state.dns_domain or "").lower().rstrip("."))
        if not published:
            data.update(error=DNS_NAME_ERROR[0] % query, hresult=hresult_text(DNS_NAME_ERROR[1]))
            return data
        record: dict[str, Any] = {"target": self.state.dns_kms_host, "port": 1688, "priority": 0, "weight": 0}
        if op.get("timeout_ms"):
            record["reach"] = self.op_tcp_connect({"host": record["target"], "port": record["port"],
                                                   "timeout_ms": op["timeout_ms"]})
        data["records"].append(record)
        return data

    def op_tcp_connect(self, op: dict[str, Any]) -> dict[str, Any]:
        """[Net.Dns]::GetHostAddresses, then a TcpClient of each address's family in turn
        (facts §9 item 7): real sockets to the stand-ins (network.py)."""
        data: dict[str, Any] = {"reachable": False, "addresses": [], "connected": None, "error": None,
                                "hresult": None}
        failure = NOT_FOUND
        try:
            addresses = self.network.resolve(op["host"], self.state.network.get("resolve"))
        except ResolveError:
            addresses = []
            data["error"] = NOT_FOUND[0]
        data["addresses"] = [{"address": a, "family": family_of(a)} for a in addresses]
        for address in addresses:
            try:
                self.network.connect(address, int(op["port"]), int(op["timeout_ms"]) / 1000.0)
            except ConnectionRefusedError:
                failure = REFUSED
            except TimeoutError:
                failure = TIMED_OUT
            except OSError:
                failure = NO_FAMILY
            else:
                data.update(reachable=True, connected=address, error=None)
                break
            data["error"] = failure[0]
        if not data["reachable"]:
            data["hresult"] = hresult_text(failure[1])
        if op.get("require") and not data["reachable"]:
            error = CimError(failure[1], "Cannot connect to %s:%s: %s" % (op["host"], op["port"], failure[0]))
            error.data = data
            raise error
        return data


def check(program: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations of a program the executor accepts; raises Refused (contract rules)."""
    if program.get("version") != 1:
        raise Refused("unsupported program version %r" % program.get("version"))
    operations = program.get("operations")
    if not isinstance(operations, list):
        raise Refused("the program has no list of operations")
    for index, op in enumerate(operations):
        if not isinstance(op, dict) or op.get("op") not in KINDS:
            raise Refused("operation %d: unknown kind %r" % (index, op.get("op") if isinstance(op, dict) else op))
        if op.get("on_error") not in (None, "stop"):
            raise Refused("operation %d: on_error must be stop" % index)
        problem = _CHECKS.get(op["op"], lambda _: None)(op)
        if problem:
            raise Refused("operation %d: %s" % (index, problem))
    return operations


def _check_query(op: dict[str, Any]) -> str | None:
    if not _pick(LICENSING_CLASSES + WIN32_CLASSES, op.get("class")):
        return "class %r is not allowed" % (op.get("class"),)
    names = op.get("properties")
    if not isinstance(names, list) or not all(isinstance(n, str) and IDENTIFIER.match(n) for n in names):
        return "property names must be identifiers"
    if op.get("if_service") and op["if_service"] not in SERVICES:
        return "service %r may not be asked for" % (op["if_service"],)
    if not set(op.get("optional_properties") or []) <= set(names):
        return "optional properties must be among the properties"
    return _check_where(op)


def _check_invoke(op: dict[str, Any]) -> str | None:
    if not _pick(LICENSING_CLASSES, op.get("class")):
        return "class %r is not allowed" % (op.get("class"),)
    if not isinstance(op.get("method"), str) or not IDENTIFIER.match(op["method"]):
        return "the method name must be an identifier"
    arguments = op.get("arguments") or []
    if not isinstance(arguments, list):
        return "arguments must be a list"
    for argument in arguments:
        if not isinstance(argument, dict) or not IDENTIFIER.match(str(argument.get("name"))) \
                or argument.get("type") not in ARGUMENT_TYPES:
            return "bad argument %r" % (argument,)
    return _check_where(op)


def _check_where(op: dict[str, Any]) -> str | None:
    if op.get("where") is not None and not isinstance(op["where"], str):
        return "where must be a string or null"
    return None


def _check_registry(op: dict[str, Any]) -> str | None:
    if not _pick(registry.ALLOWED_KEYS, op.get("key")):
        return "registry key %r is not allowed" % (op.get("key"),)
    return None


def _check_tcp(op: dict[str, Any]) -> str | None:
    if not isinstance(op.get("host"), str) or not isinstance(op.get("port"), int) \
            or not isinstance(op.get("timeout_ms"), int):
        return "tcp_connect needs host, port and timeout_ms"
    return None


def _check_events(op: dict[str, Any]) -> str | None:
    if not _pick(PROVIDERS, op.get("provider")):
        return "events of %r may not be read" % (op.get("provider"),)
    newest = op.get("newest")
    if not isinstance(newest, int) or not 1 <= newest <= 100:
        return "newest must be from 1 to 100"
    if not isinstance(op.get("ids"), list) or not all(isinstance(i, int) for i in op["ids"]):
        return "ids must be event IDs"
    return None


def _check_srv(op: dict[str, Any]) -> str | None:
    if op.get("name") not in SRV_NAMES:
        return "SRV name %r may not be looked up" % (op.get("name"),)
    domain = op.get("domain")
    if domain is not None and not (isinstance(domain, str) and re.match(r"^[A-Za-z0-9][A-Za-z0-9.-]*$", domain)):
        return "%r is not a DNS domain" % (domain,)
    return None


_CHECKS = {"cim_query": _check_query, "cim_invoke": _check_invoke, "registry_read": _check_registry,
           "tcp_connect": _check_tcp, "event_log": _check_events, "dns_srv": _check_srv}
