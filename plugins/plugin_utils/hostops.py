# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""Programs of host operations: build them, send one to a Windows host, read the results.

This module decides nothing about licensing. The phases (inspection.py, apply.py) build a
program, a list of operations made with the constructors below; ``run()`` sends it over the
task's own connection to the executor (kms_executor.ps1) and returns one Result per
operation, or raises CallError when the call gave no usable document. The wire format and
each operation's fields are in docs/host-operations.md.

How a call travels (docs/host-operations.md, "How a call travels"):

* The command line is a fixed bootstrap, ``PowerShell -NoProfile -NonInteractive
  -ExecutionPolicy Unrestricted -EncodedCommand <kms_bootstrap.ps1>``, which the winrm plugin
  sends unchanged, psrp runs in its runspace and ssh passes to the remote shell.
* Standard input is the executor (its code lines, see executor_text), four NUL characters,
  then the program as base64 of UTF-8 JSON. The bootstrap makes a script block of the executor only and hands it the
  program as its argument: no option value ever becomes PowerShell code or reaches the script
  block log (event 4104), and the program is not on the command line that ``-vvvvv`` prints.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible.utils.display import Display
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hresult
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.i18n import N_

# The PowerShell that runs on the target: plugins/module_utils/ (kms_executor.ps1, kms_bootstrap.ps1).
SCRIPT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils")
BOOTSTRAP = "kms_bootstrap"
EXECUTOR = "kms_executor"
SEPARATOR = "\0\0\0\0"  # where the bootstrap splits standard input
POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "
PROGRAM_VERSION = 1
_CLIXML_ERROR = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)
_CLIXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

Operation = dict[str, Any]

# The executor's fixed sets that the constructors below check too (kms_executor.ps1 refuses
# anything else): the CIM namespaces, the first the default (the licensing and Win32 classes;
# root/StandardCimv2 holds the Windows Firewall's classes, docs/licensing-facts.md §12.6), the
# event logs, the first the default (a KMS host's own log is read by name and event ID,
# docs/licensing-facts.md §12.8), and the services a program may restart (§12.2).
NAMESPACES = ("root/cimv2", "root/StandardCimv2")
EVENT_LOGS = ("Application", "Key Management Service")
RESTART_SERVICES = ("sppsvc",)


def _one_of(what: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError("%s %r is not one of %s" % (what, value, ", ".join(allowed)))
    return value


# -- operations (docs/host-operations.md) ----------------------------------------------------
def host_facts(op_id: str) -> Operation:
    return {"id": op_id, "op": "host_facts"}


def cim_query(op_id: str, cim_class: str, properties: list[str] | tuple[str, ...], where: str | None = None,
              optional: bool = False, *, if_service: str | None = None,
              optional_properties: list[str] | tuple[str, ...] = (), namespace: str = NAMESPACES[0]) -> Operation:
    """``optional``: a class that is not registered is absent, not an error. ``if_service``:
    queried only where that service is installed, else absent without a query.
    ``optional_properties``: if Windows refuses the query as invalid (a property its version
    lacks), it is run again without them, and the result's ``dropped`` names them.
    ``namespace``: one of NAMESPACES; sent only when it is not the default."""
    op: Operation = {"id": op_id, "op": "cim_query", "class": cim_class, "properties": list(properties),
                     "where": where, "optional": optional}
    if if_service:
        op["if_service"] = if_service
    if optional_properties:
        op["optional_properties"] = list(optional_properties)
    if _one_of("namespace", namespace, NAMESPACES) != NAMESPACES[0]:
        op["namespace"] = namespace
    return op


def cim_invoke(op_id: str, cim_class: str, method: str, *, where: str | None = None,
               arguments: list[tuple[str, str, Any]] | None = None, group: str | None = None,
               namespace: str = NAMESPACES[0]) -> Operation:
    """``arguments``: (name, type, value), type ``string``, ``uint32`` or ``boolean``.
    ``where`` selects exactly one instance; None is the first instance of a service class.
    ``namespace``: as for cim_query."""
    op: Operation = {"id": op_id, "op": "cim_invoke", "class": cim_class, "where": where, "method": method,
                     "arguments": [{"name": n, "type": t, "value": v} for n, t, v in arguments or []]}
    if group:
        op["group"] = group
    if _one_of("namespace", namespace, NAMESPACES) != NAMESPACES[0]:
        op["namespace"] = namespace
    return op


def service_restart(op_id: str, name: str) -> Operation:
    """Restart a service of RESTART_SERVICES; its ``data`` is its ``name`` and ``status`` after."""
    return {"id": op_id, "op": "service_restart", "name": _one_of("service", name, RESTART_SERVICES)}


def registry_read(op_id: str, key: str, values: list[str], subkeys: str | None = None) -> Operation:
    return {"id": op_id, "op": "registry_read", "key": key, "values": list(values), "subkeys": subkeys}


def registry_write(op_id: str, key: str, name: str, data: list[str] | None) -> Operation:
    """Write one REG_MULTI_SZ value (the executor allows only DnsDomainPublishList under
    SoftwareProtectionPlatform); ``data`` None deletes it. Its ``data`` is the value read back."""
    if data is None:
        return {"id": op_id, "op": "registry_write", "key": key, "name": name, "remove": True}
    return {"id": op_id, "op": "registry_write", "key": key, "name": name, "data": [str(s) for s in data]}


def tcp_connect(op_id: str, host: str, port: int, timeout_ms: int, require: bool = False, *,
                connect: bool = True) -> Operation:
    """``require``: not reachable is an error, and then nothing after it runs. ``connect``
    false: only resolve the name (``reachable`` stays false, ``addresses`` says what it
    resolved to): nothing reaches the KMS host."""
    op: Operation = {"id": op_id, "op": "tcp_connect", "host": host, "port": port, "timeout_ms": timeout_ms,
                     "require": require}
    if not connect:
        op["connect"] = False
    if require:
        op["on_error"] = "stop"
    return op


def event_log(op_id: str, provider: str | None, ids: list[int] | tuple[int, ...], newest: int, *,
              log: str = EVENT_LOGS[0]) -> Operation:
    """The ``newest`` events with these IDs, newest first: of ``provider`` in the Application
    log, or (provider None) of every provider in another log of EVENT_LOGS, sent as ``log``."""
    op: Operation = {"id": op_id, "op": "event_log", "provider": provider, "ids": list(ids), "newest": newest}
    if _one_of("event log", log, EVENT_LOGS) != EVENT_LOGS[0]:
        op["log"] = log
    return op


def dns_srv(op_id: str, name: str, domain: str | None = None, timeout_ms: int | None = None, *,
            domain_from: list[tuple[str, str]] | tuple[tuple[str, str], ...] = ()) -> Operation:
    """The SRV records of ``name`` in ``domain``, or (None) in the first of the domains a KMS
    client looks in that has any: a lookup domain, the first of ``domain_from`` that is set
    (each the id of an earlier query of the program and the property that holds it), else the
    host's DNS suffix search list, else its primary DNS suffix and its connections' suffixes;
    looked up by the host's own resolver. With ``timeout_ms``, a TCP connection test to each
    target."""
    op: Operation = {"id": op_id, "op": "dns_srv", "name": name, "domain": domain, "timeout_ms": timeout_ms}
    if domain_from:
        op["domain_from"] = [{"id": op_ref, "property": prop} for op_ref, prop in domain_from]
    return op


def wql_string(value: str) -> str:
    """A WQL string literal. The controller only puts constants and values it has validated
    (GUIDs, the last five characters of a product key) in filters; escaping is a second guard."""
    return "'%s'" % value.replace("\\", "\\\\").replace("'", "\\'")


# -- results ----------------------------------------------------------------------------------
@dataclass
class Result:
    """What the executor reported for one operation."""

    id: str
    op: str
    status: str  # ok | error | skipped
    data: dict[str, Any] = field(default_factory=dict)
    hresult: int | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Results(dict):
    """Results by operation id, in program order."""

    def data(self, op_id: str) -> dict[str, Any]:
        result = self.get(op_id)
        return result.data if result is not None and result.ok else {}

    def instances(self, op_id: str) -> list[dict[str, Any]]:
        return as_list(self.data(op_id).get("instances"))


class CallError(Exception):
    """A call that produced no usable result document: it could not run, its reply was lost or
    garbled, or the executor refused the program; or (raised by the phases) a read that failed.
    The message (the cause) is written for operators; ``step`` is where it happened, ``code``
    the HRESULT when Windows gave one, ``hint`` what to do when no HRESULT tells it."""

    def __init__(self, message: str, step: str, *, code: int | None = None, hint: str | None = None,
                 rc: int | None = None, stdout: str = "", stderr: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.code = code
        self.hint = hint
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    @property
    def may_have_run(self) -> bool:
        """Whether the host may have run the program although no result came back. Only the
        executor's refusal proves it ran nothing: an error record or no output at all may come
        from a process that ran its CIM calls and was then ended before it printed (a WinRM
        quota or shell timeout), and a reply may be lost, cut short or garbled."""
        return not self.refused

    refused = False  # the executor refused the program before running anything


class TransportError(CallError):
    """The connection failed during a call (the connection plugin raised): ``kind`` says how,
    in one classification shared by every module (TRANSPORT_FAILURES). ``unreachable``: the
    host never answered (Ansible's UNREACHABLE), as opposed to WinRM answering with a refusal.
    Whether the program ran is not known from here: a connection can fail after the command
    was sent, so the caller must assume it may have run (may_have_run)."""

    def __init__(self, kind: str, step: str, detail: str, reason: str | None = None) -> None:
        words, hint, unreachable = TRANSPORT_FAILURES[kind]
        super().__init__("%s: %s" % (words, reason.strip().rstrip(".")) if reason else words, step, hint=hint)
        self.kind = kind
        self.detail = detail
        self.unreachable = unreachable

    @property
    def may_have_run(self) -> bool:
        return True


# How a connection fails, in words, with what to do, and whether the host is unreachable
# (nothing answered) rather than refusing. Recognised from the exception, whichever
# connection plugin raised it (winrm: requests/urllib3 and pywinrm errors; psrp; ssh).
TRANSPORT_FAILURES = {
    "credentials": (N_("the specified credentials were rejected by the host (HTTP 401)"),
                    N_("Check ansible_user and ansible_password (a local administrator of the host) and the "
                       "WinRM authentication transport (ansible_winrm_transport)."), True),
    "refused": (N_("the host refused the connection (connection refused: nothing listens on the WinRM port, or a "
                   "firewall rejects it)"),
                N_("Check that the PC is on and that WinRM listens (winrm quickconfig; port 5985 for HTTP, 5986 "
                   "for HTTPS) and that a firewall lets the controller in."), True),
    "name": (N_("the host's name does not resolve"), N_("Check ansible_host and DNS from the controller."), True),
    "timeout": (N_("the host did not answer in time (timed out)"),
                N_("Check that the PC is on the network and not hung; raise ansible_winrm_read_timeout_sec and "
                   "ansible_winrm_operation_timeout_sec for slow links."), True),
    "dropped": (N_("the connection was closed before the host's reply arrived (dropped: closed connection without "
                   "response)"),
                N_("Check the network path (proxies, VPN, security software that cuts connections) and run the "
                   "task again."), True),
    "tls": (N_("the TLS connection failed (certificate not trusted or does not match the host name)"),
            N_("Check ansible_winrm_ca_trust_path and ansible_winrm_server_cert_validation, and the host's "
               "WinRM HTTPS certificate."), True),
    # Kerberos (ansible_winrm_transport: kerberos): the controller's side of the exchange, worded
    # from MIT Kerberos' own messages (kinit's, and GSS-API's through pykerberos).
    "kerberos_account": (N_("Kerberos refused the account: kinit could not get a ticket"),
                         N_("Check ansible_user (user@REALM, the realm in capitals) and ansible_password, with "
                            "which Ansible gets the ticket (managed kinit); or run kinit yourself and leave "
                            "ansible_password out."), True),
    "kerberos_expired": (N_("the Kerberos ticket has expired"),
                         N_("Run kinit again (domain tickets last about 10 hours), or give ansible_password so "
                            "that Ansible gets a fresh ticket on every run (managed kinit)."), True),
    "kerberos_no_ticket": (N_("there is no Kerberos ticket for the account on the controller"),
                           N_("Run kinit user@REALM before the playbook, or give ansible_password (managed "
                              "kinit)."), True),
    "kerberos_spn": (N_("the KDC has no service principal for this host (HTTP/<the name Kerberos was asked for>)"),
                     N_("Kerberos needs the PC's DNS name as Active Directory knows it: set ansible_host to it, or "
                        "ansible_winrm_kerberos_hostname_override when you connect by address or alias; "
                        "`setspn -Q HTTP/<name>` on a domain member shows whether the name exists."), True),
    "kerberos_kdc": (N_("the controller could not use the Kerberos realm's KDC"),
                     N_("Check krb5.conf on the controller (the realm's kdc, or DNS SRV _kerberos._tcp), that "
                        "the controller reaches the KDC on port 88, and that its clock is within 5 minutes of "
                        "the domain's."), True),
    "kerberos_library": (N_("Kerberos is not installed on the controller"),
                         N_("Install pywinrm's kerberos extra (pip install -r requirements-kerberos.txt; it builds "
                            "against MIT Kerberos: libkrb5-dev and gcc on Debian, krb5-devel on Red Hat)."), True),
    "kerberos": (N_("Kerberos authentication failed"),
                 N_("Run the task again with -vvvv to see Kerberos' own error; check the ticket (klist), "
                    "krb5.conf and the host name Kerberos is asked for."), True),
    "winrm_fault": (N_("WinRM on the host refused the command"),
                    N_("Read the reason WinRM gave; check the WinRM configuration and policies of the host "
                       "(winrm get winrm/config)."), False),
    "other": (N_("the connection to the host failed"),
              N_("Run the task again with -vvv to see the connection's own error, and check WinRM on the host."),
              True),
}
# Recognised in the exception's type names and text, first match wins. Kerberos first: its
# messages name no HTTP status, but a 401 may follow them.
_TRANSPORT_PATTERNS = (
    ("kerberos_library", re.compile(r"kerberos library is not installed|pykerberos is not installed", re.I)),
    ("kerberos_account", re.compile(r"Password incorrect|Preauthentication failed|"
                                    r"Client '?[^']*'? not found in Kerberos database", re.I)),
    ("kerberos_expired", re.compile(r"Ticket expired|credentials have expired|TKT_EXPIRED", re.I)),
    ("kerberos_no_ticket", re.compile(r"Can't find client principal [^ ]+ in cache|No credentials were supplied|"
                                      r"No Kerberos credentials available|No credentials cache found|"
                                      r"credentials cache[^|]*not found", re.I)),
    ("kerberos_spn", re.compile(r"Server '?[^']*'? not found in Kerberos database|"
                                r"Server not found in Kerberos database", re.I)),
    ("kerberos_kdc", re.compile(r"Cannot contact any KDC|Cannot find KDC|Clock skew too great|"
                                r"Cannot resolve network address for KDC", re.I)),
    ("kerberos", re.compile(r"authGSSClient|GSSError|Kerberos auth failure|kinit", re.I)),
    ("credentials", re.compile(r"\b401\b|credentials were rejected|InvalidCredentials|Unauthorized", re.I)),
    ("tls", re.compile(r"SSLError|CERTIFICATE_VERIFY_FAILED|certificate verify failed|hostname mismatch", re.I)),
    ("refused", re.compile(r"Connection refused|actively refused|ConnectionRefused|Errno 111\b", re.I)),
    ("name", re.compile(r"NameResolution|Name or service not known|getaddrinfo failed|nodename nor servname",
                        re.I)),
    ("timeout", re.compile(r"timed out|Timeout", re.I)),
    ("dropped", re.compile(r"RemoteDisconnected|Connection aborted|Connection reset|without response|"
                           r"ConnectionReset|BrokenPipe|IncompleteRead|ProtocolError|closed connection", re.I)),
    ("winrm_fault", re.compile(r"WSManFault|WinRMError|Bad HTTP response returned from server\. Code 500", re.I)),
)


# Kerberos failures whose pattern matches Kerberos' own words for the cause (e.g. "Password
# incorrect", "Ticket expired"): those words follow ours in the message.
_KERBEROS_CAUSES = ("kerberos_account", "kerberos_expired", "kerberos_no_ticket", "kerberos_spn", "kerberos_kdc")


def classify_transport(exc: BaseException) -> tuple[str, str, str | None]:
    """(kind, detail, reason) for an exception a connection plugin raised: the kind from the
    exception and its causes, the detail its own text (returned apart, not in the message),
    and for a WS-Man fault the reason WinRM gave."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " | ".join("%s: %s" % (type(e).__name__, e) for e in chain)
    kind, match = "other", None
    for name, pattern in _TRANSPORT_PATTERNS:
        match = pattern.search(text)
        if match:
            kind = name
            break
    reason = None
    if kind == "winrm_fault":
        reason = next((str(e.reason) for e in chain if getattr(e, "reason", None)), None)
    elif kind in _KERBEROS_CAUSES:
        reason = match.group(0)
    return kind, text, reason


# -- the wire ---------------------------------------------------------------------------------
def encode_powershell(script: str) -> str:
    """The ``-EncodedCommand`` form of a script: base64 of its UTF-16LE text."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def load_script(name: str) -> str:
    with open(os.path.join(SCRIPT_DIR, name + ".ps1"), encoding="utf-8") as handle:
        return handle.read()


@functools.cache
def bootstrap_script() -> str:
    """The bootstrap: the one line of PowerShell that runs what arrives on standard input."""
    return load_script(BOOTSTRAP).strip()


@functools.cache
def bootstrap_command() -> str:
    """The fixed command line that runs the bootstrap."""
    return POWERSHELL_PREFIX + encode_powershell(bootstrap_script())


def command_for(command: str, connection: str | None) -> str:
    """``command`` in the form the connection plugin named ``connection`` runs it unchanged.

    The winrm plugin puts what it is given into `PowerShell ... -EncodedCommand` itself:
    ansible-core 2.17 and 2.18 always (a command line would start PowerShell inside
    PowerShell, and standard input would not reach the bootstrap), 2.19 unless it starts with
    POWERSHELL_PREFIX, 2.20 and later unless it holds -EncodedCommand. Given the bootstrap
    script, every version sends the same command line. psrp and ssh get the command line:
    psrp runs its script in the runspace, ssh hands it to the host's default shell."""
    if connection == "winrm" and command == bootstrap_command():
        return bootstrap_script()
    return command


@functools.cache
def executor_text() -> str:
    """The executor as it travels: its code lines in order, without indentation, blank lines
    or comment lines (as ansible-core's PowerShell shell plugin strips scripts), a third of the
    file's size. The executor has no here-string or multi-line string, where that would matter."""
    lines = [line.strip() for line in load_script(EXECUTOR).splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("#"))


def encode_program(operations: list[Operation]) -> str:
    data = json.dumps({"version": PROGRAM_VERSION, "operations": operations}, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def build_stdin(operations: list[Operation]) -> bytes:
    """Standard input for the bootstrap: the executor, the separator, the program."""
    return (executor_text() + SEPARATOR + encode_program(operations)).encode("utf-8")


def parse_output(stdout: str) -> dict[str, Any]:
    """The one JSON object the executor printed; lines before it (banners, profile noise) skipped."""
    text = stdout.strip()
    start = text.find("{")
    while start != -1:
        try:
            value = json.loads(text[start:])
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        break
    raise ValueError("no JSON document in the output")


def run(execute: Callable[..., dict[str, Any]], operations: list[Operation], what: str, *,
        host: str | None = None) -> Results:
    """Send the program through ``execute`` (an action plugin's ``_low_level_execute_command``)
    and return its results by operation id. ``what`` names the call for messages ("read the
    host"), ``host`` is the inventory host it goes to, for the trace (trace_program,
    trace_reply). Raises CallError when there is no result document.

    Decisions are taken on the JSON, not on the exit code: exit codes differ per connection
    plugin (psrp returns 1 after any error record)."""
    trace_program(operations, what, host)
    started = time.monotonic()
    try:
        result = execute(bootstrap_command(), in_data=build_stdin(operations), sudoable=False)
    except Exception as exc:  # noqa: BLE001 - whatever the connection plugin raises is a transport failure
        kind, detail, reason = classify_transport(exc)
        raise TransportError(kind, what, detail, reason) from None
    stdout = result.get("stdout", "") or ""
    stderr = result.get("stderr", "") or ""
    rc = result.get("rc")
    if display.verbosity >= 5:
        display.vvvvv("%s: the reply (exit code %s): %s%s" % (
            _traced(what, host), rc, stdout.strip(), " | stderr: %s" % stderr.strip() if stderr.strip() else ""),
            host=host)
    try:
        doc = parse_output(stdout)
        if "executor" not in doc:
            raise ValueError("a JSON object, but not the executor's document")
    except ValueError:
        message, hint = _no_json(what, rc, stdout, stderr)
        raise CallError(message, step=what, hint=hint, rc=rc, stdout=stdout, stderr=stderr) from None
    if doc.get("error") or not isinstance(doc.get("results"), list):
        refused = CallError("the host's executor did not run the operations: %s"
                            % (doc.get("error") or "its reply has no results"), step=what,
                            hint="This is a defect of volume_licensing.kms or a damaged copy of it on the "
                                 "controller: reinstall the collection and report it if it persists.",
                            rc=rc, stdout=stdout, stderr=stderr)
        refused.refused = True
        raise refused
    trace_reply(doc["results"], what, host, time.monotonic() - started)
    results = Results()
    for index, reported in enumerate(doc["results"]):
        op = operations[index] if index < len(operations) else {}
        raw = reported if isinstance(reported, dict) else {}
        data = raw.get("data")
        op_id = str(raw.get("id", op.get("id")))
        results[op_id] = Result(
            id=op_id, op=str(raw.get("op", op.get("op"))),
            status=raw.get("status") if raw.get("status") in ("ok", "error", "skipped") else "error",
            data=data if isinstance(data, dict) else {}, hresult=code(raw.get("hresult")),
            message=raw.get("message"))
    missing = [op["id"] for op in operations if op["id"] not in results]
    if missing:
        raise CallError("the host's reply lacks the results of %d operations (%s)" % (len(missing), missing[0]),
                        step=what, hint="Run the task again: it reads the host afresh.", rc=rc, stdout=stdout,
                        stderr=stderr)
    return results


# -- the trace (-vvv, -vvvvv) -------------------------------------------------------------------
display = Display()

# Arguments whose values are secrets, by name (as WMI compares names, without regard to case):
# the trace shows only their last five characters, as Windows shows an installed key.
SECRET_ARGUMENTS = frozenset({"ProductKey"})


def masked(value: Any) -> str:
    """A secret argument's value as the trace shows it: ``*****-`` and its last five
    characters (dashes aside), or only the stars when it is too short to keep the rest hidden."""
    text = str(value).replace("-", "")
    return "*****-" + text[-5:] if len(text) >= 20 else "*****"


def masked_program(operations: list[Operation]) -> list[Operation]:
    """The operations as the trace shows them: where one has a secret argument, a copy with its
    value masked (the program sent is left as it is)."""
    secret = {name.lower() for name in SECRET_ARGUMENTS}

    def shown(argument: dict[str, Any]) -> dict[str, Any]:
        return dict(argument, value=masked(argument.get("value"))) \
            if str(argument.get("name")).lower() in secret else argument

    return [dict(op, arguments=[shown(a) for a in op["arguments"]]) if isinstance(op.get("arguments"), list) else op
            for op in operations]


def _traced(what: str, host: str | None) -> str:
    """The start of a trace line: Ansible prefixes <host> when it knows the host."""
    return "volume_licensing.kms, " + (what if host else "%s (host not named)" % what)


def _operation_line(op: Operation) -> str:
    """An operation (secrets already masked) in a few words: kind, then what it names."""
    kind, details = op.get("op"), ""
    if kind == "cim_invoke":
        arguments = ", ".join("%s=%s" % (a.get("name"), json.dumps(a.get("value"))) for a in op["arguments"])
        details = "%s.%s(%s) %s%s" % (op.get("class"), op.get("method"), arguments,
                                      "where %s" % op["where"] if op.get("where") else "on the first instance",
                                      " in %s" % op["namespace"] if op.get("namespace") else "")
    elif kind == "cim_query":
        count = len(op.get("properties") or ())
        details = "%s, %d propert%s, %s%s%s" % (op.get("class"), count, "y" if count == 1 else "ies",
                                                "where %s" % op["where"] if op.get("where") else "every instance",
                                                ", if %s is installed" % op["if_service"] if op.get("if_service")
                                                else "", ", in %s" % op["namespace"] if op.get("namespace") else "")
    elif kind == "registry_read":
        details = "%s %s%s" % (op.get("key"), ", ".join(op.get("values") or ()),
                               ", subkeys matching %s" % op["subkeys"] if op.get("subkeys") else "")
    elif kind == "registry_write":
        details = "%s %s = %s" % (op.get("key"), op.get("name"),
                                  "(removed)" if op.get("remove") else json.dumps(op.get("data")))
    elif kind == "tcp_connect":
        details = "%s port %s, %s ms%s%s" % (op.get("host"), op.get("port"), op.get("timeout_ms"),
                                             ", resolve only" if op.get("connect") is False else "",
                                             ", required" if op.get("require") else "")
    elif kind == "event_log":
        details = "%s IDs %s, newest %s" % (op.get("provider") or "the %s log" % op.get("log"), op.get("ids"),
                                            op.get("newest"))
    elif kind == "service_restart":
        details = op.get("name")
    elif kind == "dns_srv":
        details = "%s in %s" % (op.get("name"), op.get("domain") or "the host's domains")
    return " ".join(str(part) for part in ("%s:" % op.get("id"), kind, details) if part)


def trace_program(operations: list[Operation], what: str, host: str | None) -> None:
    """-vvv: each operation about to be sent, one line each; -vvvvv: the program's JSON. Secret
    arguments masked in both. Nothing is built below -vvv."""
    if display.verbosity < 3:
        return
    shown = masked_program(operations)
    display.vvv("%s: sending %d operations" % (_traced(what, host), len(shown)), host=host)
    for number, op in enumerate(shown, 1):
        display.vvv("  %d. %s" % (number, _operation_line(op)), host=host)
    if display.verbosity >= 5:
        display.vvvvv("%s: the program: %s" % (_traced(what, host), json.dumps(
            {"version": PROGRAM_VERSION, "operations": shown}, separators=(",", ":"), ensure_ascii=False)), host=host)


def trace_reply(reported: list[Any], what: str, host: str | None, seconds: float) -> None:
    """-vvv: each result, one line each: status, HRESULT (with its name when known) and the
    time the host measured (``ms``); a data HRESULT (an unreachable KMS host) as well."""
    if display.verbosity < 3:
        return
    display.vvv("%s: %d results, %d ms round trip" % (_traced(what, host), len(reported), seconds * 1000), host=host)
    for number, item in enumerate(reported, 1):
        raw = item if isinstance(item, dict) else {}
        words = [str(raw.get("status"))]
        data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
        for label, text in (("", raw.get("hresult")), ("reports ", data.get("hresult"))):
            found = code(text)
            if found is not None:
                words.append("%s%s%s" % (label, hresult.to_hex(found),
                                         " %s" % hresult.name_of(found) if hresult.name_of(found) else ""))
        if isinstance(raw.get("ms"), int):
            words.append("%d ms" % raw["ms"])
        message = " ".join(str(raw.get("message") or "").split())
        display.vvv("  %d. %s: %s%s" % (number, raw.get("id"), ", ".join(words), ": " + message if message else ""),
                    host=host)


def code(text: Any) -> int | None:
    """The HRESULT an operation reported ("0x80070005"), or None."""
    try:
        return hresult.from_hex(text) if isinstance(text, str) and text.strip() else None
    except ValueError:
        return None


def _no_json(what: str, rc: int | None, stdout: str, stderr: str) -> tuple[str, str]:
    """Why there is no result document, and what to do: (cause, hint)."""
    error = _first_line(clixml_text(stderr))
    if error and "{" not in stdout:
        return ("PowerShell stopped before it printed a result (exit code %s): %s" % (rc, error),
                "Fix what PowerShell reports on the host (the collection needs PowerShell 3.0 or later; "
                "Windows 7 needs WMF 3.0 or later installed), then run the task again.")
    if stdout.strip():
        return ("the host's reply was not the JSON document the executor prints: it was cut short or "
                "garbled (exit code %s, %d characters, starting %s)" % (rc, len(stdout), _shown(stdout)),
                "Run the task again: it re-reads the host. If it keeps happening, check the WinRM "
                "connection (a proxy or security software that alters or cuts replies) and what else "
                "writes to the console on the host (logon scripts, console code page settings).")
    return ("the host printed no output (exit code %s)" % rc,
            "Run the task again. If it keeps happening, look in the host's Windows PowerShell event "
            "log for what stopped PowerShell.")


def clixml_text(stderr: str) -> str:
    """Error text from PowerShell's CLIXML stream (``#< CLIXML`` then ``<S S="Error">`` lines,
    newlines escaped as _x000D__x000A_); other text unchanged. The winrm plugin decodes it
    already; other connections may not."""
    if not stderr.lstrip().startswith("#< CLIXML"):
        return stderr
    lines = []
    for match in _CLIXML_ERROR.finditer(stderr):
        text = _CLIXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), match.group(1))
        lines.append(html.unescape(text))
    return "".join(lines)


def sentence(text: str) -> str:
    """The text as one sentence ending in a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _shown(text: str, limit: int = 80) -> str:
    """The start of a garbled reply, printable: control characters shown escaped."""
    start = text.strip()[:limit]
    return repr(start) + ("..." if len(text.strip()) > limit else "")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def as_list(value: Any) -> list[Any]:
    # ConvertTo-Json may write a one-element array as the element itself.
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
