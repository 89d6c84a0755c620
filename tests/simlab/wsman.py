"""Simulated WinRM (WS-Management) endpoint serving many lab hosts from one process.

Each simulated host listens on its own port and answers the subset of the Windows Remote
Shell protocol (MS-WSMV) that pywinrm 0.5 and Ansible's winrm connection plugin
use; see /work/shared/reference/winrm-wire.md. What a command does is up to the host's
runner, called once per command with the command line and everything sent on stdin.
"""

from __future__ import annotations

import base64
import binascii
import http.server
import selectors
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

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

LISTEN_BACKLOG = 128
STDIN_WAIT_SECONDS = 1.0  # how long a Receive waits for the end of piped stdin before timing out
STOP_JOIN_SECONDS = 5.0


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


class WsmanFault(Exception):
    """Raise from a runner to answer with HTTP 500 + a WS-Man SOAP fault."""

    def __init__(self, code: int, reason: str, subcode: str = "w:InternalError") -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.subcode = subcode


Runner = Callable[[CommandRequest], CommandResult]


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


class _Host:
    """One simulated host: credentials, runner, open shells and the request log."""

    def __init__(self, name: str, username: str, password: str, runner: Runner, listener: socket.socket):
        self.name = name
        self.runner = runner
        self.listener = listener
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)  # signalled when stdin arrives
        self.username = username
        self.password = password
        self.shells: dict[str, dict[str, _Command]] = {}
        self.log: list[str] = []

    def record(self, entry: str) -> None:
        with self.lock:
            self.log.append(entry)

    def check_password(self, username: str, password: str) -> bool:
        with self.lock:  # Windows account names are case-insensitive, passwords are not
            return username.lower() == self.username.lower() and password == self.password

    def handle(self, body: bytes) -> tuple[int, str]:
        """Answer one SOAP request: (HTTP status, reply envelope)."""
        relates_to = ""
        try:
            root = ET.fromstring(body)
            relates_to = _text(root, "env:Header/a:MessageID")
            action = _text(root, "env:Header/a:Action")
            name = ACTIONS.get(action)
            self.record(name or action.rsplit("/", 1)[-1] or "Unknown")
            if name is None:
                raise WsmanFault(
                    ERROR_WSMAN_ACTION_NOT_SUPPORTED,
                    f"The WS-Management service does not support the action {action!r}.",
                    "a:ActionNotSupported",
                )
            reply = getattr(self, "_do_" + name.lower())(root)
            return 200, _envelope(action + "Response", relates_to, reply)
        except WsmanFault as fault:
            return 500, _envelope(FAULT_ACTION, relates_to, _fault_body(fault, self.name))
        except Exception as exc:  # noqa: BLE001 - bad XML or a crashing runner still gets a fault
            fault = WsmanFault(E_FAIL, f"{type(exc).__name__}: {exc}")
            return 500, _envelope(FAULT_ACTION, relates_to, _fault_body(fault, self.name))

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

    def log_message(self, format: str, *args: object) -> None:  # base class signature
        """Stay quiet: hundreds of hosts would flood stderr."""

    def do_POST(self) -> None:  # http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # keeps the stream in sync
        if self.path.split("?", 1)[0].lower() != "/wsman":
            self._reply(404, b"")
        elif not self._authenticate():
            self.server.record("Unauthorized")
            self._reply(401, b"", {"WWW-Authenticate": 'Basic realm="WSMAN"'})
        else:
            status, envelope = self.server.handle(body)
            self._reply(status, envelope.encode("utf-8"), {"Content-Type": CONTENT_TYPE})

    def _authenticate(self) -> bool:
        """Check this request's credentials. Basic only; NTLM (per-connection state) and TLS go here."""
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
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
        username, _, password = decoded.partition(":")
        return self.server.check_password(username, password)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class WsmanServer:
    """Many simulated WinRM hosts, one port each, served from one acceptor thread."""

    def __init__(self, bind_address: str = "127.0.0.1") -> None:
        self.bind_address = bind_address
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._pending: list[_Host] = []  # listeners the acceptor has not registered yet
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._selector = selectors.DefaultSelector()
        # A socketpair wakes the acceptor for new listeners and for stop().
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._acceptor: threading.Thread | None = None
        self._stopping = threading.Event()

    def add_host(self, name: str, username: str, password: str, runner: Runner, port: int = 0) -> int:
        """Listen for host `name` on `port` (0 = ephemeral) and return the bound port."""
        family = socket.AF_INET6 if ":" in self.bind_address else socket.AF_INET
        with self._lock:
            if self._stopping.is_set():
                raise RuntimeError("server is stopped")
            if name in self._hosts:
                raise ValueError(f"host {name!r} already exists")
            listener = socket.socket(family, socket.SOCK_STREAM)
            try:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((self.bind_address, port))
                listener.listen(LISTEN_BACKLOG)  # the kernel queues connects until the acceptor runs
                listener.setblocking(False)
            except OSError:
                listener.close()
                raise
            host = _Host(name, username, password, runner, listener)
            self._hosts[name] = host
            self._pending.append(host)
        self._wake()
        return listener.getsockname()[1]

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
        """Close all listeners and connections and join the threads."""
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
            host.listener.close()
        for conn, _ in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # wakes a handler blocked reading the next request
            except OSError:
                pass
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def requests(self, host: str) -> list[str]:
        """Actions received by `host` in order ("Create", ..., "Unauthorized" for rejected auth)."""
        state = self._hosts[host]
        with state.lock:
            return list(state.log)

    def set_credentials(self, host: str, username: str, password: str) -> None:
        """Change the account that `host` accepts."""
        state = self._hosts[host]
        with state.lock:
            state.username, state.password = username, password

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # already stopped

    def _accept_loop(self) -> None:
        # One thread watches every listener: idle hosts cost a file descriptor, not a thread.
        while not self._stopping.is_set():
            with self._lock:
                pending, self._pending = self._pending, []
            for host in pending:
                self._selector.register(host.listener, selectors.EVENT_READ, host)
            for key, _ in self._selector.select():
                if key.data is None:
                    try:
                        self._wake_r.recv(4096)
                    except BlockingIOError:
                        pass
                else:
                    self._accept(key.fileobj, key.data)

    def _accept(self, listener: socket.socket, host: _Host) -> None:
        try:
            conn, address = listener.accept()
        except (BlockingIOError, InterruptedError):
            return  # another wake-up took it
        except OSError:
            time.sleep(0.05)  # e.g. out of file descriptors: the connect stays queued, retry soon
            return
        conn.setblocking(True)
        thread = threading.Thread(target=self._serve, args=(conn, address, host),
                                  name=f"wsman-{host.name}", daemon=True)
        with self._lock:
            if self._stopping.is_set():
                conn.close()
                return
            self._connections[conn] = thread
            thread.start()  # under the lock, so stop() never joins a thread that has not started

    def _serve(self, conn: socket.socket, address: tuple, host: _Host) -> None:
        try:
            _WsmanHandler(conn, address, host)  # type: ignore[arg-type]  # serves until the client closes
        except (OSError, ValueError):
            pass  # the client or stop() closed the socket mid-request
        finally:
            with self._lock:
                self._connections.pop(conn, None)
            conn.close()
