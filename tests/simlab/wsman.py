"""Simulated WinRM (WS-Management) endpoint serving many lab hosts from one process.

Each simulated host listens on its own port and answers the subset of the Windows Remote
Shell protocol (MS-WSMV) that pywinrm 0.5 and Ansible's winrm connection plugin
use; see /work/shared/reference/winrm-wire.md. What a command does is up to the host's
runner, called once per command with the command line and everything sent on stdin.

Transports (one per server; ``tests.simlab.lab.Lab(transport=...)`` picks them):

* Basic over HTTP (``auth="basic"``, no ``ssl_context``): the quick demo. pywinrm sends the
  password in every request in clear, which a real host only takes with AllowUnencrypted;
  never use it outside the simulation. Inventory: ``ansible_winrm_transport: basic``,
  ``ansible_winrm_scheme: http``.
* HTTPS (``ssl_context=...``, see certs.py): each accepted connection is wrapped in TLS
  before the first request, as a real host's 5986 listener does. Inventory adds
  ``ansible_winrm_scheme: https``, ``ansible_winrm_server_cert_validation: validate`` and
  ``ansible_winrm_ca_trust_path: <the lab CA PEM>``.
* NTLM (``auth="ntlm"``), served by pyspnego (``spnego.server(protocol="ntlm")``). NTLM
  authenticates the TCP connection, not a request (winrm-wire.md): an anonymous request gets
  ``401`` + ``WWW-Authenticate: Negotiate``, the client's NEGOTIATE token gets ``401`` with
  the CHALLENGE, the AUTHENTICATE token establishes the context, and every later request on
  that keep-alive connection is accepted without credentials. pyspnego reads accounts from
  the file named by ``NTLM_USER_FILE`` (``DOMAIN:USER:PASSWORD`` lines). That file has no
  name on disk (_AccountFile): an anonymous in-memory file holding the account of the host
  whose connection takes a step, the process-wide variable pointing at it under a lock
  while the step runs, so no password outlives the lab however it ends. A local account
  is accepted as ``user``, ``.\\user`` or ``COMPUTERNAME\\user``, as Windows does. Over
  HTTP every message is sealed with the session key (pywinrm's default
  ``message_encryption: auto``), MS-WSMV 2.2.9.1.1:
  ``multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted"``, each part
  ``--Encrypted Boundary``, the original length, then ``<uint32 LE 16><16-byte NTLM
  signature><sealed SOAP>``; replies (faults included) are sealed the same way. Over HTTPS
  messages are not sealed (TLS protects them) but the NTLM response must carry the channel
  binding of the server certificate (RFC 5929 tls-server-end-point, what requests-ntlm
  sends by default); like a host with CbtHardeningLevel Strict, a client that sends none
  (``ansible_winrm_send_cbt: false``) is refused. Inventory: ``ansible_winrm_transport:
  ntlm`` with scheme http or https.
* Kerberos (``auth="kerberos"``, kdc.py's realm): the ``Negotiate`` HTTP scheme of RFC 4559
  section 4, Kerberos chosen, as Windows' WinRM service accepts it from a domain member
  (MS-WSMV 2.2.9.1: "Negotiate Encrypted Message" and "Kerberos Encrypted Message", the
  security context set up by SPNEGO or Kerberos, messages encrypted with that GSS-API
  context). pywinrm sends the Kerberos AP-REQ with the first request (preemptively); the
  host accepts it with the key of its own service principal ``HTTP/<its FQDN>`` (``keytab``:
  one per host, as each computer account has its own key, so a ticket for another host is
  refused), checks that the client is the host's account in the realm, and returns the
  AP-REP in the 200 reply's ``WWW-Authenticate: Negotiate <token>`` (mutual authentication,
  which pywinrm requires). The context then authenticates the keep-alive connection, as
  with NTLM; over HTTP every message is sealed with it (GSS wrap, the header first:
  ``<uint32 LE header length><header><encrypted SOAP>``, same multipart framing and protocol
  string as NTLM), over HTTPS the AP-REQ must carry the certificate's channel binding when
  the client sends one. A bad or expired ticket, one for another host, or a wrong client
  gets 401 (``WWW-Authenticate: Negotiate``). MIT's acceptor reads its key from the file
  named by ``KRB5_KTNAME``, set for the step only, under a lock, like NTLM_USER_FILE.

Wire faults, read live from the host's ``faults`` mapping on every request (so a test can
set and clear them while the lab runs):

* ``unauthorized: true``: every request is answered 401 (credentials rejected).
* ``soap_fault: {code, reason}`` (or ``true``): the Command request gets HTTP 500 with a
  WS-Man SOAP fault (Create still succeeds, as when WinRM accepts the shell but not the process).
* ``refused: true``: the listener stops listening (the port stays bound), so new connections
  are refused by the kernel; restored when cleared. Checked every FAULT_POLL_SECONDS.
* ``drop: true``: a Receive is read and the connection closed without a reply.
* ``slow: seconds``: the reply to a Receive waits that long (``true``: until cleared). If the
  client gives up meanwhile the command never runs, so nothing is half done.
* Any of ``unauthorized``, ``soap_fault``, ``drop`` and ``slow`` may be given as
  ``{"value": <its value>, "after_commands": N, "times": M, "on": "Command"}``: it strikes only
  once N commands have run on the host (so it can hit the second call of a task and not the
  first), at most M requests (counted in ``struck``), and with ``on`` only requests of that
  action (read from the plain request; an NTLM-sealed one is not matched).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.server
import os
import re
import select
import selectors
import socket
import ssl
import struct
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

NS = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
}
FAULT_NS = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
CMD_RESOURCE_URI = NS["rsp"] + "/cmd"
COMMAND_DONE = NS["rsp"] + "/CommandState/Done"

# Request a:Action -> name used in the request log. Every reply's a:Action is the request's
# URI + "Response" (WS-Transfer for Create/Delete, the Remote Shell actions of MS-WSMV 3.1.4).
ACTIONS = {
    NS["x"] + "/Create": "Create",
    NS["rsp"] + "/Command": "Command",
    NS["rsp"] + "/Send": "Send",
    NS["rsp"] + "/Receive": "Receive",
    NS["rsp"] + "/Signal": "Signal",
    NS["x"] + "/Delete": "Delete",
}

# WSManFault codes (winerror.h) as a real Windows host returns them.
ERROR_WSMAN_ACTION_NOT_SUPPORTED = 2150858771  # 0x80338013
ERROR_WSMAN_OPERATION_TIMEDOUT = 2150858793  # 0x80338029: clients retry the Receive
ERROR_WSMAN_SCHEMA_VALIDATION_ERROR = 2150858817  # 0x80338041
ERROR_WSMAN_UNEXPECTED_SELECTORS = 2150858843  # 0x8033805B: unknown ShellId
E_FAIL = 2147500037  # 0x80004005: a runner crashed with something other than WsmanFault
SENDER_SUBCODES = {"a:ActionNotSupported", "w:InvalidSelectors", "w:SchemaValidationError"}
# faults["soap_fault"] = True answers the Command with this (code, reason).
DEFAULT_SOAP_FAULT = (2150858770, "The WS-Management service cannot process the request: "
                                  "the simulated host refused to start the command (injected soap_fault).")

LISTEN_BACKLOG = 128
STDIN_WAIT_SECONDS = 1.0  # how long a Receive waits for the end of piped stdin before timing out
STOP_JOIN_SECONDS = 5.0
FAULT_POLL_SECONDS = 0.05  # how often the acceptor and a delayed Receive look at the faults again
TLS_HANDSHAKE_SECONDS = 10.0
HANG_SECONDS = 3600.0  # faults["slow"] = True: hang until the fault is cleared (or the server stops)

# MS-WSMV 2.2.9.1.1 (Negotiate/NTLM message encryption), byte for byte as winrm/encryption.py.
NTLM_PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_CONTENT_TYPE = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % NTLM_PROTOCOL.decode()
NTLM_SIGNATURE_SIZE = 16
AUTH_SCHEMES = ("basic", "ntlm", "kerberos")

# pyspnego's NTLM acceptor reads NTLM_USER_FILE, MIT Kerberos' KRB5_KTNAME, from the
# environment of the whole process: one context step at a time, with the variable naming the
# file that holds, for that step, the account (or key) of the host being connected to.
_ACCEPTOR_ENV_LOCK = threading.Lock()


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """``name`` set to ``value`` in the process environment for the block, where pyspnego and
    MIT Kerberos read an acceptor's accounts and keys; the caller holds _ACCEPTOR_ENV_LOCK."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


class _AccountFile:
    """The file pyspnego's NTLM acceptor reads accounts from (it takes a path only, and reads
    it while a context takes a step), without a name on disk: an anonymous in-memory file
    (memfd; where there is none, a temporary file unlinked as soon as it is made) reached
    through this process's own descriptor path. The kernel frees it with the process, so the
    lab's passwords are never left behind, not even after SIGKILL. Use under _ACCEPTOR_ENV_LOCK."""

    def __init__(self) -> None:
        if hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("simlab-ntlm-users")  # close-on-exec: no child inherits it
        else:
            with tempfile.TemporaryFile() as handle:
                self.fd = os.dup(handle.fileno())
        fds = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
        self.path = "%s/%d" % (fds, self.fd)

    def hold(self, lines: list[str]) -> str:
        """Make ``lines`` the file's whole content; returns the path to give NTLM_USER_FILE."""
        if self.fd < 0:  # after close() the number may already name another file
            raise OSError("the lab's NTLM account file is closed (the server stopped)")
        data = memoryview(("\n".join(lines) + "\n").encode("utf-8"))
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        while data:
            data = data[os.write(self.fd, data):]
        os.lseek(self.fd, 0, os.SEEK_SET)  # /dev/fd/N (BSD, macOS) shares this offset
        return self.path

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@dataclass
class CommandRequest:
    """One command as the simulated host's runner sees it."""

    host: str
    command: str
    arguments: list[str]
    stdin: bytes


@dataclass
class CommandResult:
    """What a runner returns: the command's output and exit code."""

    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    # The command ran, but its reply is lost: the connection closes without one (a network
    # that drops the connection after the host did the work).
    lost: bool = False


class WsmanFault(Exception):
    """Raise from a runner to answer with HTTP 500 + a WS-Man SOAP fault."""

    def __init__(self, code: int, reason: str, subcode: str = "w:InternalError") -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.subcode = subcode


@dataclass(frozen=True)
class WireRecord:
    """One HTTP request as a host saw it (WsmanServer.wire_log)."""

    action: str  # the SOAP action (Create, ...), or "" when no SOAP message was processed
    status: int  # HTTP status of the reply; 0 = connection closed without a reply
    tls: bool  # arrived over HTTPS
    # The credentials the request carried: "basic", "ntlm-token" (an NTLM token in the
    # Authorization header), "ntlm-session" (none: the connection's NTLM context), or "".
    auth: str
    sealed: bool  # request and reply sealed with the NTLM session key (MS-WSMV 2.2.9.1.1)


Runner = Callable[[CommandRequest], CommandResult]
Faults = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


class _DropConnection(Exception):
    """Close the connection without a reply (faults["drop"], or the client went away)."""


@dataclass
class _Command:
    command: str
    arguments: list[str]
    console_mode_stdin: bool  # FALSE means stdin is a pipe the client will fill with Send
    stdin: bytearray = field(default_factory=bytearray)
    stdin_closed: bool = False
    outcome: CommandResult | WsmanFault | None = None
    run_lock: threading.Lock = field(default_factory=threading.Lock)


def _text(root: ET.Element, path: str) -> str:
    node = root.find(path, NS)
    return (node.text or "").strip() if node is not None else ""


def _envelope(action: str, relates_to: str, body: str) -> str:
    # a:RelatesTo must echo the request's a:MessageID: pywinrm asserts it on Signal and Delete.
    ns = " ".join(f"xmlns:{prefix}={quoteattr(uri)}" for prefix, uri in NS.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xml:lang="en-US" {ns}><env:Header>'
        f"<a:Action>{escape(action)}</a:Action><a:MessageID>uuid:{_new_id()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To><a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
        f"</env:Header><env:Body>{body}</env:Body></env:Envelope>"
    )


def _fault_body(fault: WsmanFault, machine: str) -> str:
    # SOAP 1.2 fault with an MS-WSMV WSManFault detail; pywinrm's protocol.py reads the Code
    # attribute into wsman_fault_code and env:Reason/env:Text into the error's reason.
    value = "env:Sender" if fault.subcode in SENDER_SUBCODES else "env:Receiver"
    reason = escape(fault.reason)
    return (
        f"<env:Fault><env:Code><env:Value>{value}</env:Value><env:Subcode><env:Value>"
        f"{escape(fault.subcode)}</env:Value></env:Subcode></env:Code>"
        f'<env:Reason><env:Text xml:lang="en-US">{reason}</env:Text></env:Reason>'
        f'<env:Detail><f:WSManFault xmlns:f="{FAULT_NS}" Code="{int(fault.code)}" '
        f"Machine={quoteattr(machine)}><f:Message>{reason}</f:Message></f:WSManFault>"
        f"</env:Detail></env:Fault>"
    )


def _new_id() -> str:
    return str(uuid.uuid4()).upper()


def _injected_soap_fault(value: Any) -> WsmanFault:
    """faults["soap_fault"]: True, or {"code": int, "reason": str, "subcode": str (optional)}."""
    code, reason = DEFAULT_SOAP_FAULT
    subcode = "w:InternalError"
    if isinstance(value, Mapping):
        code = int(value.get("code", code))
        reason = str(value.get("reason", reason))
        subcode = str(value.get("subcode", subcode))
    return WsmanFault(code, reason, subcode)


# The a:Action of a plain (not NTLM-sealed) request, for faults given ``on`` an action.
_ACTION_IN_BODY = re.compile(rb"<(?:\w+:)?Action[^>]*>\s*([^<\s]+)\s*</")


def _slow_seconds(value: Any) -> float:
    if value is True:
        return HANG_SECONDS
    return float(value or 0)


def ntlm_user_lines(username: str, password: str, computer_name: str | None = None) -> list[str]:
    """NTLM_USER_FILE lines (pyspnego's ``DOMAIN:USER:PASSWORD`` form) for one account.

    ``DOMAIN\\user`` is a domain account. Anything else is a local account, which Windows
    accepts with no domain, ``.`` or the computer's NetBIOS name."""
    for what, value in (("account name %r" % username, username), ("password", password)):
        if ":" in value or "\r" in value or "\n" in value:
            raise ValueError("an NTLM_USER_FILE line is DOMAIN:USER:PASSWORD: the %s cannot contain ':' "
                             "or a line break" % what)
    domain, _unused, user = username.rpartition("\\")
    domains = [domain] if domain else ["", ".", *([computer_name] if computer_name else [])]
    return ["%s:%s:%s" % (d, user, password) for d in dict.fromkeys(domains)]


def _ntlm_message(scheme: str, token: str) -> tuple[int, bytes]:
    """(NTLM message type, token) of an ``Authorization: Negotiate|NTLM <base64>`` header:
    1 NEGOTIATE, 3 AUTHENTICATE (MS-NLMP 2.2.1), 0 for no or another kind of token."""
    if scheme.lower() not in ("negotiate", "ntlm"):
        return 0, b""
    try:
        raw = base64.b64decode(token.strip(), validate=True)
    except binascii.Error:
        return 0, b""
    if raw[:8] != b"NTLMSSP\0" or len(raw) < 12:
        return 0, b""  # e.g. a SPNEGO-wrapped Kerberos token: this lab speaks raw NTLM only
    return struct.unpack("<I", raw[8:12])[0], raw


def _kerberos(context: Any) -> bool:
    return getattr(context, "negotiated_protocol", "") == "kerberos"


def seal_message(context: Any, message: bytes) -> bytes:
    """A SOAP message in the MS-WSMV 2.2.9.1.1 multipart/encrypted body (one part)."""
    if _kerberos(context):  # GSS wrap with a separate header (RFC 4121 token), pywinrm's wrap_winrm
        wrapped = context.wrap_winrm(message)
        signature, sealed = wrapped.header, wrapped.data
    else:
        wrapped = context.wrap(message, encrypt=True).data  # NTLM: 16-byte signature, then sealed data
        signature, sealed = wrapped[:NTLM_SIGNATURE_SIZE], wrapped[NTLM_SIGNATURE_SIZE:]
    return (
        ENCRYPTED_BOUNDARY + b"\r\n"
        b"\tContent-Type: " + NTLM_PROTOCOL + b"\r\n"
        b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(message)).encode() + b"\r\n"
        + ENCRYPTED_BOUNDARY + b"\r\n"
        b"\tContent-Type: application/octet-stream\r\n"
        + struct.pack("<I", len(signature)) + signature + sealed
        + ENCRYPTED_BOUNDARY + b"--\r\n"
    )


def unseal_message(context: Any, body: bytes) -> bytes:
    """The SOAP message inside a multipart/encrypted body; ValueError or SpnegoError if it is
    malformed, was sealed with another key or was tampered with."""
    end = ENCRYPTED_BOUNDARY + b"--\r\n"
    if not body.endswith(end):
        raise ValueError("no closing boundary")
    # maxsplit: the sealed bytes may contain anything, the boundary included.
    parts = body[: -len(end)].split(ENCRYPTED_BOUNDARY + b"\r\n", 2)
    if len(parts) != 3 or parts[0]:
        raise ValueError("expected one encrypted part")
    header, payload = parts[1], parts[2]
    length = re.search(rb"OriginalContent:\s*type=[^\r\n]*;Length=(\d+)", header)
    if NTLM_PROTOCOL not in header or length is None:
        raise ValueError("not an %s part" % NTLM_PROTOCOL.decode())
    content_type, _unused, data = payload.partition(b"\r\n")
    if content_type.strip() != b"Content-Type: application/octet-stream" or len(data) < 4:
        raise ValueError("no application/octet-stream part")
    (signature_length,) = struct.unpack("<I", data[:4])
    if _kerberos(context):
        if len(data) < 4 + signature_length:
            raise ValueError("header longer than the message")
        message = context.unwrap_winrm(data[4:4 + signature_length], data[4 + signature_length:])
    elif signature_length != NTLM_SIGNATURE_SIZE:
        raise ValueError("an NTLM signature is 16 bytes")
    else:
        message = context.unwrap(data[4:]).data  # NTLM unwrap takes signature + sealed data
    if len(message) != int(length.group(1)):
        raise ValueError("length does not match OriginalContent")
    return message


class _Host:
    """One simulated host: credentials, runner, open shells, faults and the request log."""

    def __init__(self, name: str, username: str, password: str, runner: Runner, *, faults: Faults,
                 stopping: threading.Event, computer_name: str | None = None) -> None:
        self.name = name
        self.runner = runner
        self.computer_name = computer_name
        self._faults = faults
        self.stopping = stopping  # the server's: set when it stops, so slow requests end at once
        self.listener: socket.socket | None = None
        self.address: tuple = ()
        self.family = socket.AF_INET
        self.refusing = False  # faults["refused"] as the acceptor last applied it
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)  # signalled when stdin arrives
        self.username = username
        self.password = password
        self.accounts: _AccountFile | None = None  # the server's NTLM_USER_FILE (NTLM servers only)
        self.keytab: str | None = None  # the key of HTTP/<this host> (Kerberos servers only)
        self.shells: dict[str, dict[str, _Command]] = {}
        self.log: list[str] = []
        self.wire: list[WireRecord] = []
        self.commands_run = 0  # commands whose runner ran (for faults given after_commands)

    def faults(self) -> Mapping[str, Any]:
        """The host's faults right now (the scenario's live dict)."""
        faults = self._faults() if callable(self._faults) else self._faults
        return faults or {}

    def fault(self, name: str, action: str | None = None) -> Any:
        """A wire fault's value if it strikes this request (whose action is ``action``, when
        known), else None (see the module docstring for the ``after_commands`` form)."""
        value = self.faults().get(name)
        if not isinstance(value, dict) or not ({"after_commands", "times", "on"} & set(value)):
            return value
        if self.commands_run < int(value.get("after_commands") or 0):
            return None
        if value.get("on") is not None and value["on"] != action:
            return None
        if value.get("times") is not None and value.get("struck", 0) >= value["times"]:
            return None
        value["struck"] = value.get("struck", 0) + 1
        return value.get("value", True)

    def record(self, entry: str) -> None:
        with self.lock:
            self.log.append(entry)

    def record_wire(self, entry: WireRecord) -> None:
        with self.lock:
            self.wire.append(entry)

    def check_password(self, username: str, password: str) -> bool:
        with self.lock:  # Windows account names are case-insensitive, passwords are not
            return username.lower() == self.username.lower() and password == self.password

    def ntlm_lines(self) -> list[str]:
        """This host's account as NTLM_USER_FILE lines (ValueError if it cannot be one)."""
        with self.lock:
            return ntlm_user_lines(self.username, self.password, self.computer_name)

    def handle(self, body: bytes, client_gone: Callable[[], bool] = lambda: False) -> tuple[int, str, str]:
        """Answer one SOAP request: (HTTP status, reply envelope, action name). Raises
        _DropConnection when the connection must be closed without a reply."""
        relates_to = name = ""
        try:
            root = ET.fromstring(body)
            relates_to = _text(root, "env:Header/a:MessageID")
            action = _text(root, "env:Header/a:Action")
            name = ACTIONS.get(action) or ""
            self.record(name or action.rsplit("/", 1)[-1] or "Unknown")
            if not name:
                raise WsmanFault(
                    ERROR_WSMAN_ACTION_NOT_SUPPORTED,
                    f"The WS-Management service does not support the action {action!r}.",
                    "a:ActionNotSupported",
                )
            self._inject_faults(name, client_gone)
            reply = getattr(self, "_do_" + name.lower())(root)
            return 200, _envelope(action + "Response", relates_to, reply), name
        except _DropConnection:
            raise
        except WsmanFault as fault:
            return 500, _envelope(FAULT_ACTION, relates_to, _fault_body(fault, self.name)), name
        except Exception as exc:  # noqa: BLE001 - bad XML or a crashing runner still gets a fault
            fault = WsmanFault(E_FAIL, f"{type(exc).__name__}: {exc}")
            return 500, _envelope(FAULT_ACTION, relates_to, _fault_body(fault, self.name)), name

    def _inject_faults(self, name: str, client_gone: Callable[[], bool]) -> None:
        """Wire faults that act on one action; read on every request so tests can flip them."""
        if name == "Command":
            soap_fault = self.fault("soap_fault", name)
            if soap_fault:
                raise _injected_soap_fault(soap_fault)
        if name != "Receive":
            return
        if self.fault("drop", name):
            raise _DropConnection(name)
        seconds = _slow_seconds(self.fault("slow", name))
        if seconds > 0:
            # Wait before the runner runs: a client that gives up leaves nothing half done.
            deadline = time.monotonic() + seconds
            while True:
                if client_gone() or self.stopping.is_set():
                    raise _DropConnection(name)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.faults().get("slow"):
                    return
                self.stopping.wait(min(FAULT_POLL_SECONDS, remaining))

    # -- lookups (call with self.lock held) ------------------------------------------------

    def _find_shell(self, root: ET.Element) -> tuple[str, dict[str, _Command]]:
        shell_id = _text(root, "env:Header/w:SelectorSet/w:Selector[@Name='ShellId']")
        if shell_id not in self.shells:  # the fault Windows sends for a closed or unknown shell
            raise WsmanFault(
                ERROR_WSMAN_UNEXPECTED_SELECTORS,
                f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the "
                "shell was not found on the server. Possible causes are: the specified ShellId is "
                "incorrect or the shell no longer exists on the server.",
                "w:InvalidSelectors",
            )
        return shell_id, self.shells[shell_id]

    def _find_command(self, root: ET.Element, command_id: str | None) -> _Command:
        shell_id, commands = self._find_shell(root)
        if command_id not in commands:
            raise WsmanFault(
                ERROR_WSMAN_UNEXPECTED_SELECTORS,
                f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the "
                f"command with CommandId {command_id} was not found on the server.",
                "w:InvalidSelectors",
            )
        return commands[command_id]

    # -- one method per action; each returns the reply's env:Body content ---------------------

    def _do_create(self, root: ET.Element) -> str:
        # pywinrm takes the first element with Name="ShellId"; Windows also echoes rsp:Shell.
        shell_id = _new_id()
        with self.lock:
            self.shells[shell_id] = {}
        address = escape(_text(root, "env:Header/a:To") or ANONYMOUS)
        return (
            f"<x:ResourceCreated><a:Address>{address}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{CMD_RESOURCE_URI}</w:ResourceURI><w:SelectorSet>"
            f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
            f"</a:ReferenceParameters></x:ResourceCreated>"
            f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId><rsp:ResourceUri>{CMD_RESOURCE_URI}"
            f"</rsp:ResourceUri><rsp:InputStreams>stdin</rsp:InputStreams>"
            f"<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
        )

    def _do_command(self, root: ET.Element) -> str:
        line = root.find("env:Body/rsp:CommandLine", NS)
        if line is None:
            raise WsmanFault(ERROR_WSMAN_SCHEMA_VALIDATION_ERROR, "Command without rsp:CommandLine.",
                             "w:SchemaValidationError")
        # pywinrm joins all arguments into ONE rsp:Arguments element; keep each element as sent.
        option = "env:Header/w:OptionSet/w:Option[@Name='WINRS_CONSOLEMODE_STDIN']"
        command = _Command(
            command=line.findtext("rsp:Command", "", NS),
            arguments=[arg.text or "" for arg in line.findall("rsp:Arguments", NS)],
            console_mode_stdin=_text(root, option).upper() != "FALSE",
        )
        command_id = _new_id()
        with self.lock:
            self._find_shell(root)[1][command_id] = command
        return f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"

    def _do_send(self, root: ET.Element) -> str:
        stream = root.find("env:Body/rsp:Send/rsp:Stream[@Name='stdin']", NS)
        if stream is None:
            raise WsmanFault(ERROR_WSMAN_SCHEMA_VALIDATION_ERROR, "Send without a stdin stream.",
                             "w:SchemaValidationError")
        data = base64.b64decode((stream.text or "").strip(), validate=True)
        with self.lock:
            command = self._find_command(root, stream.get("CommandId"))
            command.stdin += data
            # Ansible omits End on all but the last chunk; pywinrm sends End="false".
            command.stdin_closed |= stream.get("End", "").lower() == "true"
            self.changed.notify_all()
        return "<rsp:SendResponse/>"

    def _do_receive(self, root: ET.Element) -> str:
        desired = root.find("env:Body/rsp:Receive/rsp:DesiredStream", NS)
        command_id = desired.get("CommandId") if desired is not None else None
        with self.lock:
            command = self._find_command(root, command_id)
            # WINRS_CONSOLEMODE_STDIN=FALSE makes stdin a pipe the process reads to EOF, so wait
            # for End="true"; meanwhile answer the operation-timeout fault that both clients
            # swallow before polling again (winrm-wire.md, "still running").
            closed = command.console_mode_stdin or self.changed.wait_for(
                lambda: command.stdin_closed, STDIN_WAIT_SECONDS)
            stdin = bytes(command.stdin)
        if not closed:
            raise WsmanFault(
                ERROR_WSMAN_OPERATION_TIMEDOUT,
                "The WS-Management service cannot complete the operation within the time specified "
                "in OperationTimeout.",
                "w:TimedOut",
            )
        result = self._run_once(command, stdin)
        if result.lost:
            raise _DropConnection("Receive")
        # One reply carries all output plus CommandState Done: without Done the clients poll again.
        cid = escape(command_id or "")
        streams = "".join(
            f'<rsp:Stream Name="{name}" CommandId="{cid}" End="true">{base64.b64encode(data).decode()}'
            "</rsp:Stream>"
            for name, data in (("stdout", result.stdout), ("stderr", result.stderr))
        )
        return (
            f'<rsp:ReceiveResponse>{streams}<rsp:CommandState CommandId="{cid}" State="{COMMAND_DONE}">'
            f"<rsp:ExitCode>{int(result.exit_code)}</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>"
        )

    def _do_signal(self, root: ET.Element) -> str:
        # Clients send Signal(terminate) after every command, finished or not; forget it.
        signal = root.find("env:Body/rsp:Signal", NS)
        command_id = signal.get("CommandId") if signal is not None else None
        with self.lock:
            self._find_command(root, command_id)
            del self._find_shell(root)[1][command_id]
        return "<rsp:SignalResponse/>"

    def _do_delete(self, root: ET.Element) -> str:
        with self.lock:
            del self.shells[self._find_shell(root)[0]]
        return ""

    def _run_once(self, command: _Command, stdin: bytes) -> CommandResult:
        """Call the runner for the first Receive of a command; later Receives replay the outcome."""
        with command.run_lock:  # not the host lock: a slow runner must not block other shells
            if command.outcome is None:
                request = CommandRequest(self.name, command.command, list(command.arguments), stdin)
                self.commands_run += 1
                try:
                    result = self.runner(request)
                    if not isinstance(result, CommandResult):
                        raise TypeError(f"runner returned {type(result).__name__}, not CommandResult")
                    command.outcome = result
                except WsmanFault as fault:
                    command.outcome = fault
                except Exception as exc:  # noqa: BLE001 - a fault for the client, not a dropped connection
                    command.outcome = WsmanFault(E_FAIL, f"{type(exc).__name__}: {exc}")
        if isinstance(command.outcome, WsmanFault):
            raise command.outcome
        return command.outcome


class _WsmanHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler for one connection to one simulated host."""

    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"  # what WinRM's http.sys answers with
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid delayed-ACK stalls
    server: _Host  # BaseRequestHandler keeps its third argument here; we pass the host
    settings: _Settings  # the server's transport settings (set on the subclass WsmanServer makes)

    def setup(self) -> None:
        super().setup()
        time.sleep(self.settings.rtt_seconds)  # the TCP handshake's round trip
        # NTLM and Kerberos authenticate this connection: the context lives as long as the socket.
        self.security: Any = None
        self.mutual: str | None = None  # Kerberos: the AP-REP for the next reply's WWW-Authenticate
        self.tls = isinstance(self.connection, ssl.SSLSocket)

    def log_message(self, format: str, *args: object) -> None:  # base class signature
        """Stay quiet: hundreds of hosts would flood stderr."""

    def do_POST(self) -> None:  # http.server's naming
        host = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # keeps the stream in sync
        time.sleep(self.settings.rtt_seconds)  # the request's way here and the reply's way back
        if self.path.split("?", 1)[0].lower() != "/wsman":
            self._reply(404, b"")
            return
        peek = _ACTION_IN_BODY.search(body)
        action = ACTIONS.get(peek.group(1).decode()) if peek else None
        auth = self._authenticate(bool(host.fault("unauthorized", action)))
        if auth is None:
            return  # _authenticate answered 401
        sealed = self.headers.get("Content-Type", "").lower().startswith("multipart/encrypted")
        if sealed:
            try:
                if self.security is None or not self.security.complete:
                    raise ValueError("sealed message without a security context")
                body = unseal_message(self.security, body)
            except (ValueError, SpnegoError, struct.error):
                # e.g. sealed with the key of an earlier connection: Windows answers 400 too.
                host.record_wire(WireRecord("", 400, self.tls, auth, True))
                self._reply(400, b"")
                self.close_connection = True
                return
        elif not body and self.settings.auth in ("ntlm", "kerberos"):
            # pywinrm's setup_encryption: an empty POST that only runs the handshake.
            host.record_wire(WireRecord("", 200, self.tls, auth, False))
            self._reply(200, b"")
            return
        try:
            status, envelope, action = host.handle(body, self._client_gone)
        except _DropConnection as drop:
            host.record_wire(WireRecord(str(drop), 0, self.tls, auth, sealed))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)  # the client reads EOF instead of a reply
            except OSError:
                pass
            return
        payload = envelope.encode("utf-8")
        host.record_wire(WireRecord(action, status, self.tls, auth, sealed))  # before the client has the reply
        if sealed:
            self._reply(status, seal_message(self.security, payload), {"Content-Type": ENCRYPTED_CONTENT_TYPE})
        else:
            self._reply(status, payload, {"Content-Type": CONTENT_TYPE})

    def _client_gone(self) -> bool:
        """True when the client closed while we owe it a reply (HTTP clients do not pipeline,
        so a readable socket here means EOF, a TLS close_notify or a reset)."""
        try:
            readable, _unused, _unused = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _authenticate(self, rejected: bool) -> str | None:
        """How this request is authenticated ("basic", "ntlm-token", "ntlm-session"), or None
        after answering 401. ``rejected`` (faults["unauthorized"]) fails every credential."""
        if self.settings.auth == "ntlm":
            return self._authenticate_ntlm(rejected)
        if self.settings.auth == "kerberos":
            return self._authenticate_kerberos(rejected)
        if not rejected and self._check_basic():
            return "basic"
        self.server.record("Unauthorized")
        carried = "basic" if self.headers.get("Authorization", "").lower().startswith("basic") else ""
        self._unauthorized('Basic realm="WSMAN"', carried)
        return None

    def _check_basic(self) -> bool:
        scheme, _unused, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            raw = base64.b64decode(token.strip(), validate=True)
        except binascii.Error:
            return False
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = raw.decode("latin-1")  # requests encodes str credentials as latin-1
        username, _unused, password = decoded.partition(":")
        return self.server.check_password(username, password)

    def _authenticate_ntlm(self, rejected: bool) -> str | None:
        """NTLM over HTTP (winrm-wire.md): the three-leg handshake runs on this connection;
        once its context is complete, requests without credentials are its own."""
        scheme, _unused, token = (self.headers.get("Authorization") or "").partition(" ")
        kind, raw = _ntlm_message(scheme, token)
        if kind == 0:
            established = self.security is not None and self.security.complete
            if not scheme and established and not rejected:
                return "ntlm-session"  # the connection's context vouches for the request
            if scheme or established:
                self.server.record("Unauthorized")  # a scheme we do not offer, or faults["unauthorized"]
            self.security = None
            self._unauthorized("Negotiate", scheme.lower())  # also leg 1 of every handshake: anonymous
            return None
        if kind == 1:  # leg 2: NEGOTIATE -> 401 with our CHALLENGE (starts over even mid-session)
            self.security = None
            challenge = self._ntlm_step(raw)
            if challenge:
                self._unauthorized("%s %s" % (scheme, base64.b64encode(challenge).decode()), "ntlm-token")
                return None
        elif kind == 3 and self.security is not None and not self.security.complete:  # leg 3: AUTHENTICATE
            self._ntlm_step(raw)
            if self.security.complete and not rejected:
                return "ntlm-token"
        # Wrong password, unknown account, channel binding mismatch, or a token out of order.
        self.security = None
        self.server.record("Unauthorized")
        self._unauthorized("Negotiate", "ntlm-token")
        return None

    def _ntlm_step(self, token: bytes) -> bytes | None:
        """One step of this connection's acceptor context; None when pyspnego refuses the token
        (the context then stays incomplete)."""
        with _ACCEPTOR_ENV_LOCK:
            # pyspnego reads the account file named here when the context is made (it must
            # exist) and again when it checks the AUTHENTICATE message.
            accounts = self.server.accounts
            try:
                with _environment("NTLM_USER_FILE", accounts.hold(self.server.ntlm_lines()) if accounts else ""):
                    if self.security is None:
                        bindings = self.settings.channel_bindings if self.tls else None
                        self.security = spnego.server(protocol="ntlm", channel_bindings=bindings)
                    return self.security.step(token)
            except SpnegoError:
                return None
            finally:
                if accounts and accounts.fd >= 0:
                    accounts.hold([])  # the password is in the file for the step only

    def _authenticate_kerberos(self, rejected: bool) -> str | None:
        """Negotiate with a Kerberos AP-REQ (RFC 4559 section 4): accepted with this host's key
        when the ticket is good and names this host's account; the AP-REP goes back with the
        reply. Later requests on the connection carry no token: the context vouches for them."""
        scheme, _unused, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() in ("negotiate", "kerberos") and token.strip():
            self.security = None  # a new token starts a new context, as a new logon would
            try:
                raw = base64.b64decode(token.strip(), validate=True)
            except binascii.Error:
                raw = b""
            answer = self._kerberos_step(raw) if raw and not raw.startswith(b"NTLMSSP\0") else None
            if answer is not None and not rejected and self._is_account(self.security.client_principal):
                self.mutual = "%s %s" % (scheme, base64.b64encode(answer).decode()) if answer else None
                return "kerberos-token"
        elif not scheme and self.security is not None and self.security.complete and not rejected:
            return "kerberos-session"
        if scheme or self.security is not None:
            self.server.record("Unauthorized")
        self.security = None
        self._unauthorized("Negotiate", "kerberos-token" if scheme else "")
        return None

    def _kerberos_step(self, token: bytes) -> bytes | None:
        """Accept an AP-REQ with this host's keytab: the AP-REP (or b"" when the client asked
        for none), or None when GSSAPI refuses it (bad, expired or another host's ticket)."""
        keytab = self.server.keytab
        if not keytab:
            return None
        with _ACCEPTOR_ENV_LOCK, _environment("KRB5_KTNAME", "FILE:" + keytab):
            try:
                bindings = self.settings.channel_bindings if self.tls else None
                self.security = spnego.server(protocol="kerberos", channel_bindings=bindings)
                answer = self.security.step(token)
                return (answer or b"") if self.security.complete else None
            except Exception:  # noqa: BLE001 - SpnegoError, or python-gssapi's own for a refused token
                return None

    def _is_account(self, principal: str | None) -> bool:
        """The client principal is this host's account (``user@REALM``; account names are
        case-insensitive on Windows, realms are upper case by convention)."""
        user, _unused, _realm = (principal or "").rpartition("@")
        return bool(user) and user.lower() == self.server.username.rpartition("\\")[2].lower()

    def _unauthorized(self, challenge: str, carried: str) -> None:
        """401 with a WWW-Authenticate challenge; ``carried`` is the credential kind the
        request had (for the wire log)."""
        self.server.record_wire(WireRecord("", 401, self.tls, carried, False))
        self._reply(401, b"", {"WWW-Authenticate": challenge})

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if self.mutual and status != 401:
            headers = dict(headers or {}, **{"WWW-Authenticate": self.mutual})
        self.mutual = None
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass(frozen=True)
class _Settings:
    auth: str
    channel_bindings: GssChannelBindings | None
    rtt_seconds: float = 0.0  # the network round trip a benchmark sets (scenario.Latency)


class WsmanServer:
    """Many simulated WinRM hosts, one port each, served from one acceptor thread.

    ``auth`` is "basic" or "ntlm"; ``ssl_context`` (a server context, see certs.py) makes
    every listener HTTPS; ``channel_bindings`` are what NTLM over HTTPS must be bound to."""

    def __init__(self, bind_address: str = "127.0.0.1", *, auth: str = "basic",
                 ssl_context: ssl.SSLContext | None = None,
                 channel_bindings: GssChannelBindings | None = None, rtt_seconds: float = 0.0) -> None:
        if auth not in AUTH_SCHEMES:
            raise ValueError("auth must be one of %s, not %r" % (", ".join(AUTH_SCHEMES), auth))
        self.bind_address = bind_address
        self.auth = auth
        self.ssl_context = ssl_context
        settings = _Settings(auth, channel_bindings, rtt_seconds)
        self._handler = type("WsmanHandler", (_WsmanHandler,), {"settings": settings})
        self._accounts = _AccountFile() if auth == "ntlm" else None
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._pending: list[_Host] = []  # listeners the acceptor has not registered yet
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._selector = selectors.DefaultSelector()
        # A socketpair wakes the acceptor for new listeners and for stop().
        self._wake_r, self._wake_w = socket.socketpair()
        # Non-blocking: before start() nobody drains it, and one pending byte is wake enough
        # (a blocking send would hang add_host once the buffer fills, a few hundred hosts in).
        self._wake_w.setblocking(False)
        self._wake_r.setblocking(False)
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._acceptor: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    def add_host(self, name: str, username: str, password: str, runner: Runner, port: int = 0, *,
                 faults: Faults | None = None, computer_name: str | None = None, keytab: str | None = None) -> int:
        """Listen for host `name` on `port` (0 = ephemeral) and return the bound port.

        ``faults`` is a mapping (or a function returning one) read live on every request;
        ``computer_name`` is the NetBIOS name NTLM accepts as the domain of a local account;
        ``keytab`` holds the key of the host's ``HTTP/<FQDN>`` service principal (Kerberos)."""
        family = socket.AF_INET6 if ":" in self.bind_address else socket.AF_INET
        with self._lock:
            if self._stopping.is_set():
                raise RuntimeError("server is stopped")
            if name in self._hosts:
                raise ValueError(f"host {name!r} already exists")
            host = _Host(name, username, password, runner, faults=faults if faults is not None else {},
                         stopping=self._stopping, computer_name=computer_name)
            if self._accounts is not None:
                host.ntlm_lines()  # refuses an account NTLM_USER_FILE cannot hold, before listening
                host.accounts = self._accounts
            host.keytab = keytab
            listener = socket.socket(family, socket.SOCK_STREAM)
            try:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((self.bind_address, port))
                listener.listen(LISTEN_BACKLOG)  # the kernel queues connects until the acceptor runs
                listener.setblocking(False)
            except OSError:
                listener.close()
                raise
            host.listener, host.address, host.family = listener, listener.getsockname(), family
            self._hosts[name] = host
            self._pending.append(host)
        self._wake()
        return host.address[1]

    def start(self) -> None:
        """Start the acceptor thread (idempotent)."""
        with self._lock:
            if self._stopping.is_set():
                raise RuntimeError("server is stopped")
            if self._acceptor is None:
                self._acceptor = threading.Thread(target=self._accept_loop, name="wsman-acceptor",
                                                  daemon=True)
                self._acceptor.start()

    def stop(self) -> None:
        """Close all listeners and connections and join the threads. Returns promptly even
        with slow or hung requests in flight: they wait on the stopping event."""
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
        self._wake()
        deadline = time.monotonic() + STOP_JOIN_SECONDS
        if self._acceptor is not None:
            self._acceptor.join(STOP_JOIN_SECONDS)
        with self._lock:
            hosts, connections = list(self._hosts.values()), list(self._connections.items())
        for host in hosts:
            if host.listener is not None:
                host.listener.close()
        for conn, _unused in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # wakes a handler blocked reading the next request
            except OSError:
                pass
        for _unused, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        if self._accounts is not None:
            with _ACCEPTOR_ENV_LOCK:
                self._accounts.close()

    def requests(self, host: str) -> list[str]:
        """Actions received by `host` in order ("Create", ..., "Unauthorized" for rejected auth).
        NTLM handshakes that succeed leave no entry: the list is the same for every transport."""
        state = self._hosts[host]
        with state.lock:
            return list(state.log)

    def wire_log(self, host: str) -> list[WireRecord]:
        """Every HTTP request `host` answered (handshake legs included), oldest first."""
        state = self._hosts[host]
        with state.lock:
            return list(state.wire)

    def refusing(self, host: str) -> bool:
        """True while `host`'s listener refuses connections (faults["refused"] applied)."""
        return self._hosts[host].refusing

    def set_credentials(self, host: str, username: str, password: str) -> None:
        """Change the account that `host` accepts."""
        state = self._hosts[host]
        if state.accounts is not None:
            ntlm_user_lines(username, password, state.computer_name)  # ValueError before any change
        with state.lock:
            state.username, state.password = username, password

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # already stopped, or a wake byte is already pending

    def _accept_loop(self) -> None:
        # One thread watches every listener: idle hosts cost a file descriptor, not a thread.
        while not self._stopping.is_set():
            with self._lock:
                pending, self._pending = self._pending, []
                hosts = list(self._hosts.values())
            for host in pending:
                if not host.refusing:
                    self._selector.register(host.listener, selectors.EVENT_READ, host)
            for key, _unused in self._selector.select(FAULT_POLL_SECONDS):
                if key.data is None:
                    try:
                        self._wake_r.recv(4096)
                    except BlockingIOError:
                        pass
                else:
                    self._accept(key.fileobj, key.data)
            for host in hosts:
                if bool(host.faults().get("refused")) != host.refusing:
                    self._set_refusing(host, not host.refusing)

    def _set_refusing(self, host: _Host, refuse: bool) -> None:
        """faults["refused"]: a socket that is bound but not listening makes the kernel refuse
        connects (and keeps the port ours); listening again restores the host."""
        try:
            if refuse:
                try:
                    self._selector.unregister(host.listener)
                except KeyError:
                    pass
                host.listener.close()  # connects still queued in the backlog are reset
                host.listener = None
                host.refusing = True
                host.listener = self._bound_socket(host)
            else:
                if host.listener is None:
                    host.listener = self._bound_socket(host)
                host.listener.listen(LISTEN_BACKLOG)
                host.listener.setblocking(False)
                self._selector.register(host.listener, selectors.EVENT_READ, host)
                host.refusing = False
        except (OSError, KeyError, ValueError):
            pass  # e.g. the port is briefly unavailable: the next pass tries again

    @staticmethod
    def _bound_socket(host: _Host) -> socket.socket:
        sock = socket.socket(host.family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(host.address)
        except OSError:
            sock.close()
            raise
        return sock

    def _accept(self, listener: socket.socket, host: _Host) -> None:
        try:
            conn, address = listener.accept()
        except (BlockingIOError, InterruptedError):
            return  # another wake-up took it
        except OSError:
            time.sleep(0.05)  # e.g. out of file descriptors: the connect stays queued, retry soon
            return
        conn.setblocking(True)
        # TLS moves the socket into an SSLSocket; stop() shuts the connection down through a
        # duplicate of its descriptor, which works before, during and after the handshake.
        control = conn.dup() if self.ssl_context is not None else conn
        thread = threading.Thread(target=self._serve, args=(conn, control, address, host),
                                  name=f"wsman-{host.name}", daemon=True)
        with self._lock:
            if self._stopping.is_set():
                conn.close()
                if control is not conn:
                    control.close()
                return
            self._connections[control] = thread
            thread.start()  # under the lock, so stop() never joins a thread that has not started

    def _serve(self, conn: socket.socket, control: socket.socket, address: tuple, host: _Host) -> None:
        try:
            if self.ssl_context is not None:
                conn.settimeout(TLS_HANDSHAKE_SECONDS)
                conn = self.ssl_context.wrap_socket(conn, server_side=True)  # handshake: a bad CA fails here
                conn.settimeout(None)
            self._handler(conn, address, host)  # type: ignore[arg-type]  # serves until the client closes
        except (OSError, ValueError):
            pass  # the client or stop() closed the socket mid-request, or the TLS handshake failed
        finally:
            with self._lock:
                self._connections.pop(control, None)
            conn.close()
            if control is not conn:
                control.close()
