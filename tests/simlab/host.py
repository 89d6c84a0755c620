"""One simulated Windows host: what it does with the commands WinRS hands it.

A command is a command line. ``PowerShell [-NoProfile] [-NonInteractive] [-ExecutionPolicy
<policy>] -EncodedCommand <UTF-16LE base64>`` runs the decoded script in the PowerShell
emulation (tests/simlab/powershell) with the command's standard input, as powershell.exe
does; the console programs console.py knows (hostname, cscript OSPP.VBS) answer as those
programs do; anything else is PowerShell's "not recognized". The host knows nothing of what
the scripts it runs are for: the emulation runs their text, and its cmdlets and .NET types
reach this host's CIM provider (cim.py), registry (registry.py), services, Application log
(eventlog.py), resolver and network (network.py) and clock through the methods below.

Faults, read live from HostState.faults on every command (wire faults are wsman.py's):
  malformed_json    the script runs, but its output arrives garbled (in UTF-16LE, as a console
                    code-page mismatch delivers it)
  truncated_json    the script runs, but only the first half of its output arrives
  clixml_error      PowerShell fails before running anything: exit 1, a CLIXML error record on
                    stderr (Windows PowerShell 2.0's, which has no ConvertTo-Json)
  killed_after_run  the script runs its CIM calls, then its process ends before it prints: no
                    output at all, exit code 1 (a WinRM quota such as MaxMemoryPerShellMB, or the
                    shell's idle timeout, ends the process)
  error_after_run   the same, with a CLIXML error record on stderr instead of the output
  reply_lost        the script runs, then the connection closes without a reply (the work is
                    done, the controller never hears of it)
  dropped_unrun     the connection closes without a reply before anything changed
                    For these five, ``true`` strikes every command; ``"invoke"`` only a command
                    that calls a CIM method (clixml_error and dropped_unrun strike at its first
                    method call, before the method runs: nothing changes), ``"read"`` only a
                    command that calls none.
  access_denied     ``true``: every query and call on a licensing class fails E_ACCESSDENIED
                    0x80070005 (a non-administrator account); ``"invoke"``: licensing method calls
                    fail SL_E_LUA_ACCESSDENIED 0xC004F025, reads work (docs/licensing-facts.md §6)
  console           ``"no_handle"``: setting [Console]::OutputEncoding fails (IOException, "The
                    handle is invalid."), so output stays in the console's OEM code page
  eventlog_service  ``"unavailable"``: the Windows Event Log service does not answer; Get-WinEvent
                    fails with an EventLogException (RPC_S_SERVER_UNAVAILABLE, 1722)
  licensing_service ``"disabled"``: sppsvc's classes fail 0x80070422; ``"missing"``: they are
                    WBEM_E_INVALID_CLASS 0x80041010 (SppWmi.mof not registered). Either way a KMS
                    host's KMS does not listen (kmshost.py)
  online_activation a KMS host SKU's online activation with Microsoft fails: ``"unreachable"``
                    (the host cannot reach Microsoft's activation servers, kmshost.py
                    WINHTTP_NAME_NOT_RESOLVED), or an HRESULT Microsoft answers (e.g. 0xC004C003)
  cim_errors        a list of WMI failures, each naming what it strikes: ``method`` (a method
                    call of that name) or ``query: true`` (a query or enumeration), optionally
                    ``class`` (case-insensitive) and ``command`` (only during the host's Nth
                    command, counting from 1); with ``hresult`` (int, or null: WMI failed without
                    a code), optional ``message``, ``after: true`` (the method takes effect, then
                    the error is reported), ``error_data: false`` (the CIM error carries no
                    MSFT_WmiError, only its "HRESULT 0x..." message ID), ``times: N`` (strikes at
                    most N times; counted in ``struck``); or, for a method, ``return_value: N``
                    instead of an error: the method does nothing and returns N
Host settings that act like faults: ``ospp_service`` true / false (osppsvc not installed:
OfficeSoftwareProtection* are WBEM_E_INVALID_CLASS) / "disabled" (they fail 0x80070422) /
"unregistered" (the service is installed, its classes are WBEM_E_INVALID_CLASS);
``powershell`` ("2.0" ... "5.1", the emulation's version); a product's or a KMS stand-in's
``activation_error`` (the HRESULT the KMS host answers with). ``locale`` ("en-US" or "zh-TW") is
the language Windows writes its captions and error texts in (tests/simlab/locales.py).
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

from tests.simlab import console, locales, registry, win32, wql
from tests.simlab.cim import NAMESPACES, CimError, CimProvider
from tests.simlab.eventlog import LOGS, PROVIDERS, EventLog
from tests.simlab.network import Network, ResolveError
from tests.simlab.powershell import session
from tests.simlab.powershell.commands import TERM_NOT_RECOGNIZED
from tests.simlab.powershell.runtime import Unsupported
from tests.simlab.scenario import OSPP_INSTALLED, HostState
from tests.simlab.wsman import CommandRequest, CommandResult

# powershell.exe's switches (about_PowerShell_exe, 5.1): those the lab accepts before -EncodedCommand.
POWERSHELL_SWITCHES = {"-noprofile", "-noninteractive", "-nologo"}
# Windows PowerShell's full version and its CLR per emulated version (about_Windows_PowerShell_5.1;
# PowerShell 3.0 runs on .NET Framework 4.0, 4.0 and 5.1 on 4.5 and later).
VERSIONS = {"2.0": ("2.0", "2.0.50727.8806"), "3.0": ("3.0", "4.0.30319.1"), "4.0": ("4.0", "4.0.30319.34209"),
            "5.1": ("5.1.19041.4522", "4.0.30319.42000")}
# Resolve-DnsName is in the DnsClient module, from Windows 8 / Server 2012
# (docs/licensing-facts.md §10.3; its absence on Windows 7 is UNCONFIRMED there, a third-party
# report).
DNSCLIENT_SINCE = (6, 2)
NOT_RECOGNIZED = ("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                  "operable program.")


class _Abort(Exception):
    """A pre-run fault that strikes at a command's first method call."""

    def __init__(self, fault: str) -> None:
        self.fault = fault


def powershell_error(message: str) -> CommandResult:
    """A failed PowerShell run as it reaches WinRM: CLIXML error record on stderr, exit 1."""
    clixml = (
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<S S="Error">%s_x000D__x000A_</S></Objs>' % escape(message)
    )
    return CommandResult(stdout=b"", stderr=clixml.encode("utf-8"), exit_code=1)


# What a process ended by WinRM's per-shell memory quota writes (the OutOfMemory error record
# PowerShell prints when the quota stops an allocation; MaxMemoryPerShellMB in
# learn.microsoft.com/windows/win32/winrm/quotas).
PROCESS_KILLED = "Exception of type 'System.OutOfMemoryException' was thrown."

# Faults that strike before anything changes: PowerShell fails at once, or the connection drops.
PRE_RUN_FAULTS = ("clixml_error", "dropped_unrun")


def pre_run_failure(fault: str, locale: str = locales.DEFAULT) -> CommandResult:
    """A PRE_RUN_FAULTS fault's result: for clixml_error what Windows PowerShell 2.0 says when a
    script reaches ConvertTo-Json (PowerShell 3.0+), in the host's display language."""
    if fault == "clixml_error":
        return powershell_error(locales.text(locale, TERM_NOT_RECOGNIZED) % "ConvertTo-Json")
    return CommandResult(lost=True)


class WindowsHost:
    """Runs the commands of one host against its state; keeps the logs tests read. It is the
    machine the PowerShell emulation's cmdlets and .NET types act on."""

    CimError = CimError

    def __init__(self, state: HostState, network: Network, known_keys: dict[str, dict[str, Any]] | None = None,
                 cim_seconds: float = 0.0, *, cim_seconds_by_class: dict[str, float] | None = None,
                 powershell_start_seconds: float = 0.0) -> None:
        self.state = state
        # What this PC's time goes to (scenario.Latency): each CIM query or method call, by class
        # (cim_seconds for a class not in cim_seconds_by_class), and each start of powershell.exe.
        self.cim_seconds = cim_seconds
        self.cim_seconds_by_class = {name.lower(): cost for name, cost in (cim_seconds_by_class or {}).items()}
        self.powershell_start_seconds = powershell_start_seconds
        self.network = network
        self.commands: list[dict[str, Any]] = []
        self.script_block_log: list[str] = []  # stands for PowerShell event 4104
        self.module_log: list[str] = []  # stands for PowerShell event 4103 (module logging of "*")
        self.emulation_errors: list[str] = []  # what the emulation could not run (fails the test)
        self.lock = threading.Lock()
        self.cim = CimProvider(state, network, known_keys or {}, self.now)
        self._invoked = False
        self._abort_at_invoke: str | None = None
        # The PowerShell emulation's own CPU (this thread's, so no latency sleeps), for benchmarks.
        self.powershell_runs = 0
        self.powershell_cpu_seconds = 0.0

    @property
    def cim_log(self) -> list[dict[str, Any]]:
        return self.cim.log

    def now(self) -> datetime:
        """The host's clock (scenario clock_offset_minutes)."""
        return datetime.now(timezone.utc) + timedelta(minutes=self.state.clock_offset_minutes)

    # -- a command --------------------------------------------------------------------------------
    def __call__(self, request: CommandRequest) -> CommandResult:
        record: dict[str, Any] = {"command": request.command, "arguments": list(request.arguments),
                                  "stdin_bytes": len(request.stdin), "stdin": None, "script": None}
        # WinRS runs rsp:Command and the rsp:Arguments elements as one command line, joined
        # with spaces (MS-WSMV, the CommandLine element).
        line = " ".join([request.command, *request.arguments]).split()
        executable, arguments = (line[0], line[1:]) if line else ("", [])
        powershell = executable.lower() in ("powershell", "powershell.exe")
        if powershell and self.powershell_start_seconds:
            # WinRS starts a process per command: powershell.exe's start-up, before any output
            # (outside the host's lock: a sleep of this connection's thread only).
            time.sleep(self.powershell_start_seconds)
        with self.lock:
            self.commands.append(record)
            if not powershell:
                return powershell_error(NOT_RECOGNIZED % executable)
            script = self._encoded_command(arguments)
            if isinstance(script, CommandResult):
                return script
            record["script"] = script
            if console.knows(script):
                record["console"] = script.strip()
                self.script_block_log.append(script)
                return CommandResult(stdout=(console.answer(self, script) or "").encode("utf-8"))
            stdin = request.stdin.decode(self.oem_codec, errors="replace") if request.stdin else None
            record["stdin"] = stdin
            return self._run(script, stdin)

    def _encoded_command(self, arguments: list[str]) -> str | CommandResult:
        """The -EncodedCommand script; other switches as powershell.exe takes them."""
        index = 0
        while index < len(arguments) and arguments[index].lower() != "-encodedcommand":
            switch = arguments[index].lower()
            if switch == "-executionpolicy" and index + 1 < len(arguments):
                index += 2
                continue
            if switch not in POWERSHELL_SWITCHES:
                return powershell_error("simlab: powershell.exe switch %s is not emulated" % arguments[index])
            index += 1
        if index + 2 != len(arguments):
            return powershell_error("simlab: only powershell.exe ... -EncodedCommand <script> is emulated")
        try:
            return base64.b64decode(arguments[index + 1], validate=True).decode("utf-16-le")
        except (binascii.Error, UnicodeDecodeError):
            return powershell_error("Cannot process the command because the value specified with "
                                    "-EncodedCommand is not properly encoded.")

    def _run(self, script: str, stdin: str | None) -> CommandResult:
        faults = self.state.faults
        struck = next((f for f in PRE_RUN_FAULTS if faults.get(f) is True), None)
        if struck:
            return pre_run_failure(struck, self.state.locale)
        self._invoked = False
        self._abort_at_invoke = next((f for f in PRE_RUN_FAULTS if faults.get(f) == "invoke"), None)
        started = time.thread_time()
        try:
            outcome = session.run_script(self, script, [], stdin)
        except _Abort as abort:
            return pre_run_failure(abort.fault, self.state.locale)
        except Unsupported as exc:
            self.emulation_errors.append(str(exc))
            return powershell_error(str(exc))
        finally:
            self._abort_at_invoke = None
            self.powershell_runs += 1
            self.powershell_cpu_seconds += time.thread_time() - started
        struck = next((f for f in PRE_RUN_FAULTS if faults.get(f) == "read" and not self._invoked), None)
        if struck:  # a command that called no method changed nothing: as if it had not run
            return pre_run_failure(struck, self.state.locale)
        text = outcome.stdout
        if self._strikes_after("reply_lost"):
            return CommandResult(stdout=text, stderr=outcome.stderr, exit_code=outcome.exit_code, lost=True)
        if self._strikes_after("truncated_json"):
            document = text.rstrip(b"\r\n")
            return CommandResult(stdout=document[:len(document) // 2])
        if self._strikes_after("malformed_json"):
            return CommandResult(stdout=text.decode("utf-8", "replace").encode("utf-16-le"))
        if self._strikes_after("killed_after_run"):
            return CommandResult(stdout=b"", stderr=b"", exit_code=1)
        if self._strikes_after("error_after_run"):
            return powershell_error(self.text(PROCESS_KILLED))
        return CommandResult(stdout=text, stderr=outcome.stderr, exit_code=outcome.exit_code)

    def _strikes_after(self, fault: str) -> bool:
        value = self.state.faults.get(fault)
        if value in ("invoke", "read"):
            return self._invoked == (value == "invoke")
        return bool(value)

    # -- the machine, as the PowerShell emulation sees it -------------------------------------------
    @property
    def computer_name(self) -> str:
        return self.state.computer_name

    @property
    def powershell_version(self) -> str:
        return VERSIONS[self.state.powershell][0]

    def text(self, message: str) -> str:
        """A message of Windows' (the lab's en-US text, placeholders unfilled) in this host's
        display language (tests/simlab/locales.py)."""
        return locales.text(self.state.locale, message)

    @property
    def oem_codec(self) -> str:
        """The console's OEM code page (a Python codec): what a command's standard input is read
        in, and its output written in until a script sets [Console]::OutputEncoding."""
        return locales.oem_codec(self.state.locale)

    @property
    def clr_version(self) -> str:
        return VERSIONS[self.state.powershell][1]

    def language_version(self) -> tuple[int, int]:
        major, minor = self.state.powershell.split(".")
        return int(major), int(minor)

    def environment(self) -> dict[str, str]:
        return {"COMPUTERNAME": self.state.computer_name, "SystemRoot": "C:\\WINDOWS", "SystemDrive": "C:",
                "USERNAME": self.state.username.split("\\")[-1].split("@")[0],
                "PROCESSOR_ARCHITECTURE": "AMD64" if "64" in self.state.os.get("architecture", "") else "x86"}

    def log_script_block(self, text: str) -> None:
        self.script_block_log.append(text)

    @property
    def console_encoding_settable(self) -> bool:
        return self.state.faults.get("console") != "no_handle"

    def log_pipeline_execution(self, lines: list[str]) -> None:
        self.module_log.extend(lines)

    @property
    def cim_namespaces(self) -> tuple[str, ...]:
        """The WMI namespaces the lab models (normalised); whether this Windows has each is the
        CIM provider's answer (cim.py)."""
        return tuple(NAMESPACES)

    @property
    def primary_dns_suffix(self) -> str | None:
        return self.state.dns_domain

    @property
    def has_dns_client(self) -> bool:
        version = tuple(int(p) for p in self.state.os["version"].split(".")[:2])
        return version >= DNSCLIENT_SINCE

    def resolve(self, name: str) -> list[str]:
        """What the host's resolver gives for a name (network.py; the scenario's view)."""
        try:
            return self.network.resolve(name, self.state.network.get("resolve"))
        except ResolveError:
            return []

    def connect(self, address: str, port: int, timeout: float | None) -> str:
        """A real TCP connection attempt: "connected", "refused", "timeout" or "unreachable"."""
        try:
            self.network.connect(address, port, 30.0 if timeout is None else timeout)
        except ConnectionRefusedError:
            return "refused"
        except TimeoutError:
            return "timeout"
        except OSError:
            return "unreachable"
        return "connected"

    def srv_records(self, name: str) -> list[dict[str, Any]] | None:
        """The SRV records of ``name`` in this host's DNS, or None when the name does not
        exist: the scenario's dns_kms_host, and what lab KMS hosts published (cim.py)."""
        return self.cim.srv_records(name)

    @property
    def dns_search_list(self) -> list[str]:
        return list(self.state.dns_search_list)

    @property
    def connection_suffixes(self) -> list[str]:
        return list(self.state.dns_connection_suffixes)

    def services(self) -> list[dict[str, Any]]:
        return win32.instances("Win32_Service", self.state, self.now())

    def restart_service(self, name: str) -> str:
        """Restart a service (what Restart-Service asks the Service Control Manager for):
        "restarted", "not_found" (no such service), or "cannot_start" (disabled). Only the Software
        Protection service (sppsvc) is emulated: its restart restarts the host's Key Management
        Service, which then reads its settings again (docs/licensing-facts.md §12.2, kmshost.py).
        A test calls it directly, or runs ``Restart-Service sppsvc`` in the host's PowerShell."""
        found = next((s for s in self.services() if s["Name"].lower() == name.lower()), None)
        if found is None:
            return "not_found"
        if found["Name"] != "sppsvc":
            raise Unsupported("restarting the service %s" % found["Name"])
        if found["StartMode"] == "Disabled":
            return "cannot_start"
        self.cim.kms.restart()
        return "restarted"

    def registry_key(self, path: str) -> dict[str, Any] | None:
        return registry.key(self.state, path)

    def registry_set(self, path: str, name: str, value: Any) -> bool:
        """Create or change a registry value; False when the key does not exist (registry.py)."""
        return registry.set_value(self.state, path, name, value)

    def registry_remove(self, path: str, name: str) -> None:
        registry.remove_value(self.state, path, name)

    def event_providers(self) -> list[str]:
        """Providers registered here: the SPP's always; osppsvc's where it is installed."""
        return [p for p in PROVIDERS if p != PROVIDERS[1] or self.state.ospp_service in OSPP_INSTALLED]

    def event_logs(self) -> list[str]:
        """The logs the lab's Windows has: Application and Key Management Service (every Windows
        has the latter; only a KMS host writes to it, docs/licensing-facts.md §12.8)."""
        return list(LOGS)

    def events(self, logs: list[str], providers: list[str] | None, ids: list[int] | None) -> list[dict[str, Any]]:
        if self.state.faults.get("eventlog_service") == "unavailable":
            raise OSError(1722, self.text("The RPC server is unavailable"))
        unknown = [log for log in logs if log.lower() not in {name.lower() for name in LOGS}]
        if unknown:
            raise Unsupported("the event log %s" % unknown[0])
        return EventLog(self.state.events).select(providers, ids, logs or None)

    # CIM, with the cost of a call and the cim_errors fault
    def _cim_cost(self, class_name: str | None) -> None:
        """Wait what a CIM call on this class costs the host (this connection's thread only)."""
        cost = self.cim_seconds_by_class.get((class_name or "").lower(), self.cim_seconds)
        if cost:
            time.sleep(cost)

    def exec_query(self, wql_text: str, namespace: str = "root/cimv2") -> list[tuple]:
        class_name = wql.class_of(wql_text)
        self._cim_fault("query", class_name, None)
        self._cim_cost(class_name)
        return self.cim.execute_query(wql_text, namespace)

    def enumerate_instances(self, class_name: str, condition: str | None, namespace: str = "root/cimv2") -> list[tuple]:
        self._cim_fault("query", class_name, None)
        self._cim_cost(class_name)
        return self.cim.enumerate_instances(class_name, condition, namespace)

    def method_parameters(self, cls: Any, name: str) -> dict[str, str] | None:
        return self.cim.method_parameters(cls, name)

    def get_class(self, class_name: str, namespace: str = "root/cimv2") -> tuple:
        """GetClass, as Get-CimClass makes it: a WMI call of the same cost as a query."""
        self._cim_cost(class_name)
        return self.cim.class_declaration(class_name, namespace)

    def exec_method(self, cls: Any, instance: Any, name: str, values: dict[str, Any]) -> int:
        if self._abort_at_invoke:
            raise _Abort(self._abort_at_invoke)
        self._invoked = True
        fault = self._cim_fault("method", cls.name, name)
        self._cim_cost(cls.name)
        if fault is not None and "return_value" in fault:
            return fault["return_value"]
        value = self.cim.call_method(cls, instance, name, values)
        if fault is not None:
            raise self._fault_error(fault)
        return value

    @staticmethod
    def _fault_error(fault: dict[str, Any]) -> CimError:
        error = CimError(fault.get("hresult"), fault.get("message"))
        error.error_data = fault.get("error_data", True)
        return error

    def _cim_fault(self, kind: str, class_name: str | None, method: str | None) -> dict[str, Any] | None:
        """The first cim_errors entry that strikes this call: raised now, or (``after``) returned
        for the caller to raise once the method has run."""
        for fault in self.state.faults.get("cim_errors") or []:
            if kind == "method" and str(fault.get("method", "")).lower() != (method or "").lower():
                continue
            if kind == "query" and not fault.get("query"):
                continue
            if fault.get("class") and class_name and str(fault["class"]).lower() != class_name.lower():
                continue
            if fault.get("command") is not None and fault["command"] != len(self.commands):
                continue
            if fault.get("times") is not None and fault.get("struck", 0) >= fault["times"]:
                continue
            fault["struck"] = fault.get("struck", 0) + 1
            if kind == "method" and (fault.get("after") or "return_value" in fault):
                return fault
            raise self._fault_error(fault)
        return None
