"""The simulated WinRM endpoint driven by the real, unchanged clients over real HTTP."""

from __future__ import annotations

import base64
import http.client
import os
import socket
import subprocess
import threading
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import winrm
import xmltodict
from ansible.plugins.connection.winrm import Connection as AnsibleWinrmConnection
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMOperationTimeoutError,
    WSManFaultError,
)

from tests.simlab import wsman
from tests.simlab.wsman import CommandRequest, CommandResult, WsmanFault, WsmanServer

USER, PASSWORD = "administrator", "S3cret!pass"
ANSIBLE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "ansible"
ONE_CALL = ["Create", "Command", "Receive", "Signal", "Delete"]


class Recorder:
    """A runner that records every request and answers with a fixed result (or a function of it)."""

    def __init__(self, result: CommandResult | None = None, answer=None) -> None:
        self.calls: list[CommandRequest] = []
        self.result = result or CommandResult()
        self.answer = answer

    def __call__(self, request: CommandRequest) -> CommandResult:
        self.calls.append(request)
        return self.answer(request) if self.answer else self.result


@pytest.fixture
def server():
    srv = WsmanServer()
    srv.start()
    yield srv
    srv.stop()


def session(port: int, password: str = PASSWORD) -> winrm.Session:
    return winrm.Session(f"http://127.0.0.1:{port}/wsman", auth=(USER, password), transport="basic",
                         server_cert_validation="ignore")


def protocol(port: int) -> winrm.Protocol:
    return winrm.Protocol(f"http://127.0.0.1:{port}/wsman", transport="basic", username=USER,
                          password=PASSWORD, server_cert_validation="ignore")


def test_run_cmd_round_trips_command_output_and_exit_code(server):
    stdout = "Ünïcödé ✓ 許可証\r\n".encode() + os.urandom(48 * 1024)  # non-ASCII and arbitrary bytes
    stderr = "ошибка: access denied\r\n".encode()
    runner = Recorder(CommandResult(stdout, stderr, 3))
    port = server.add_host("win01", USER, PASSWORD, runner)

    response = session(port).run_cmd("cscript", ["//nologo", "slmgr.vbs", "/dlv"])

    assert (response.std_out, response.std_err, response.status_code) == (stdout, stderr, 3)
    # pywinrm joins all arguments into a single rsp:Arguments element.
    assert runner.calls == [CommandRequest("win01", "cscript", ["//nologo slmgr.vbs /dlv"], b"")]
    assert server.requests("win01") == ONE_CALL


def test_runner_called_once_per_command_with_fresh_shells(server):
    runner = Recorder(answer=lambda req: CommandResult(f"{len(runner.calls)}:{req.command}".encode()))
    port = server.add_host("win01", USER, PASSWORD, runner)
    outputs = [session(port).run_cmd(name).std_out for name in ("hostname", "whoami")]
    assert outputs == [b"1:hostname", b"2:whoami"]
    assert [call.arguments for call in runner.calls] == [[], []]
    assert server.requests("win01") == ONE_CALL * 2


def test_stdin_with_pywinrm_send_command_input(server):
    runner = Recorder(answer=lambda req: CommandResult(req.stdin[::-1], exit_code=len(req.stdin)))
    port = server.add_host("win01", USER, PASSWORD, runner)
    client = protocol(port)
    shell_id = client.open_shell(codepage=65001)
    command_id = client.run_command(shell_id, "PowerShell", ["-NoProfile", "-Command", "-"],
                                    console_mode_stdin=False)
    client.send_command_input(shell_id, command_id, b"line1\r\n")
    client.send_command_input(shell_id, command_id, "ünï\r\n".encode(), end=True)
    stdout, stderr, rc = client.get_command_output(shell_id, command_id)
    client.cleanup_command(shell_id, command_id)
    client.close_shell(shell_id)

    sent = b"line1\r\n" + "ünï\r\n".encode()
    assert [call.stdin for call in runner.calls] == [sent]
    assert runner.calls[0].arguments == ["-NoProfile -Command -"]
    assert (stdout, stderr, rc) == (sent[::-1], b"", len(sent))
    assert server.requests("win01") == ["Create", "Command", "Send", "Send", "Receive", "Signal", "Delete"]


def test_stdin_sent_like_ansible_waits_for_end_of_input(server, monkeypatch):
    # Ansible's own helpers (they do not use `self`): Send without End until the last chunk.
    monkeypatch.setattr(wsman, "STDIN_WAIT_SECONDS", 0.2)
    runner = Recorder(answer=lambda req: CommandResult(b"got " + req.stdin))
    port = server.add_host("win01", USER, PASSWORD, runner)
    client = protocol(port)
    shell_id = client.open_shell(codepage=65001)
    command_id = client.run_command(shell_id, "PowerShell", ["-"], console_mode_stdin=False)
    AnsibleWinrmConnection._winrm_send_input(None, client, shell_id, command_id, b"chunk-1;")

    # Stdin is still open: the server answers "operation timeout", which the clients retry.
    with pytest.raises(WinRMOperationTimeoutError):
        AnsibleWinrmConnection._winrm_get_raw_command_output(None, client, shell_id, command_id)
    assert runner.calls == []

    AnsibleWinrmConnection._winrm_send_input(None, client, shell_id, command_id, b"chunk-2", eof=True)
    result = AnsibleWinrmConnection._winrm_get_raw_command_output(None, client, shell_id, command_id)
    assert result == (b"got chunk-1;chunk-2", b"", 0, True)
    assert [call.stdin for call in runner.calls] == [b"chunk-1;chunk-2"]
    client.cleanup_command(shell_id, command_id)
    client.close_shell(shell_id)


def test_wrong_password_is_rejected_with_401(server):
    runner = Recorder()
    port = server.add_host("win01", USER, PASSWORD, runner)
    with pytest.raises(InvalidCredentialsError):
        session(port, password="wrong").run_cmd("whoami")
    assert server.requests("win01") == ["Unauthorized"]
    assert runner.calls == []


def test_set_credentials_changes_the_accepted_account(server):
    port = server.add_host("win01", USER, PASSWORD, Recorder(CommandResult(b"ok")))
    server.set_credentials("win01", USER, "N3w-pass")
    with pytest.raises(InvalidCredentialsError):
        session(port).run_cmd("whoami")
    assert session(port, password="N3w-pass").run_cmd("whoami").std_out == b"ok"
    assert server.requests("win01") == ["Unauthorized"] + ONE_CALL


def test_runner_wsman_fault_reaches_pywinrm(server):
    def runner(request: CommandRequest) -> CommandResult:
        raise WsmanFault(2150858770, "boom")

    port = server.add_host("win01", USER, PASSWORD, runner)
    with pytest.raises(WSManFaultError) as caught:
        session(port).run_cmd("whoami")
    fault = caught.value
    assert (fault.code, fault.wsman_fault_code, fault.reason) == (500, 2150858770, "boom")
    assert fault.fault_code == "env:Receiver" and fault.fault_subcode == "w:InternalError"
    assert server.requests("win01") == ["Create", "Command", "Receive"]


def test_crashing_runner_becomes_a_fault_and_the_host_keeps_serving(server):
    def runner(request: CommandRequest) -> CommandResult:
        if request.command == "crash":
            raise RuntimeError("registry hive is on fire")
        return CommandResult(b"fine")

    port = server.add_host("win01", USER, PASSWORD, runner)
    with pytest.raises(WSManFaultError) as caught:
        session(port).run_cmd("crash")
    assert caught.value.wsman_fault_code == wsman.E_FAIL
    assert "RuntimeError: registry hive is on fire" in caught.value.reason
    assert session(port).run_cmd("ok").std_out == b"fine"


def test_unknown_shell_and_unknown_action_are_faults(server):
    port = server.add_host("win01", USER, PASSWORD, Recorder())
    client = protocol(port)
    with pytest.raises(WSManFaultError) as caught:
        client.run_command("0E0E0E0E-0000-0000-0000-000000000000", "whoami")
    assert caught.value.wsman_fault_code == 2150858843
    assert "shell was not found on the server" in caught.value.reason

    get = {"env:Envelope": client.build_wsman_header(
        action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
        resource_uri="http://schemas.microsoft.com/wbem/wsman/1/config")}
    get["env:Envelope"]["env:Body"] = {}
    with pytest.raises(WSManFaultError) as caught:
        client.send_message(xmltodict.unparse(get))
    assert caught.value.wsman_fault_code == 2150858771
    assert server.requests("win01") == ["Command", "Get"]


def test_replies_relate_to_requests_over_one_keep_alive_connection(server):
    port = server.add_host("win01", USER, PASSWORD, Recorder())
    client = protocol(port)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    ns = {"a": "http://schemas.xmlsoap.org/ws/2004/08/addressing"}
    for action in ("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",) * 2:
        message_id = uuid.uuid4()
        request = {"env:Envelope": client.build_wsman_header(
            action=action, resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
            message_id=message_id)}
        request["env:Envelope"]["env:Body"] = {"rsp:Shell": {"rsp:InputStreams": "stdin"}}
        conn.request("POST", "/wsman", body=xmltodict.unparse(request).encode(),
                     headers={"Authorization": auth, "Content-Type": "application/soap+xml;charset=UTF-8"})
        reply = conn.getresponse()
        root = ET.fromstring(reply.read())
        assert reply.status == 200
        assert reply.getheader("Content-Type") == "application/soap+xml;charset=UTF-8"
        assert root.findtext(".//a:RelatesTo", namespaces=ns) == f"uuid:{message_id}"
        assert root.findtext(".//a:Action", namespaces=ns) == action + "Response"
        assert root.findtext(".//a:MessageID", namespaces=ns) != f"uuid:{message_id}"
    conn.close()


def test_two_hosts_are_independent_and_hosts_can_be_added_after_start(server):
    first, second = Recorder(CommandResult(b"one")), Recorder(CommandResult(b"two", exit_code=2))
    port1 = server.add_host("win01", USER, PASSWORD, first)
    port2 = server.add_host("win02", "labadmin", "Other-pass1", second)  # after start()
    assert port1 != port2
    assert session(port1).run_cmd("hostname").std_out == b"one"
    r2 = winrm.Session(f"http://127.0.0.1:{port2}/wsman", auth=("labadmin", "Other-pass1"), transport="basic",
                       server_cert_validation="ignore").run_cmd("hostname")
    assert (r2.std_out, r2.status_code) == (b"two", 2)
    with pytest.raises(InvalidCredentialsError):  # win01's account means nothing to win02
        session(port2).run_cmd("hostname")
    assert [c.host for c in first.calls] == ["win01"] and [c.host for c in second.calls] == ["win02"]
    assert server.requests("win01") == ONE_CALL
    assert server.requests("win02") == ONE_CALL + ["Unauthorized"]


def test_hundreds_of_hosts_share_one_acceptor_thread(server):
    threads_before = threading.active_count()
    ports = {f"win{i:03d}": server.add_host(f"win{i:03d}", USER, PASSWORD,
                                            lambda req: CommandResult(req.host.encode()))
             for i in range(200)}
    # Idle listeners cost no threads (<=: handler threads of earlier tests may still be exiting).
    assert threading.active_count() <= threads_before
    with ThreadPoolExecutor(max_workers=20) as pool:
        outputs = dict(zip(ports, pool.map(lambda port: session(port).run_cmd("hostname").std_out,
                                           ports.values()), strict=True))
    assert outputs == {name: name.encode() for name in ports}
    assert all(server.requests(name) == ONE_CALL for name in ports)


def test_hosts_added_before_start_are_served():
    """Hundreds of add_host calls before start() must not block on the acceptor's wake-up."""
    srv = WsmanServer()
    ports = [srv.add_host("win%03d" % i, USER, PASSWORD, lambda req: CommandResult(req.host.encode()))
             for i in range(600)]
    srv.start()
    try:
        assert session(ports[-1]).run_cmd("hostname").std_out == b"win599"
    finally:
        srv.stop()


def test_stop_closes_idle_keep_alive_connections_quickly():
    srv = WsmanServer()
    port = srv.add_host("win01", USER, PASSWORD, Recorder())
    srv.start()
    client = protocol(port)
    client.open_shell()  # leaves a keep-alive connection open in the requests session
    srv.stop()
    assert not srv._acceptor.is_alive()  # stop() joined its threads: nothing left serving
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def run_ansible(tmp_path: Path, port: int, password: str = PASSWORD) -> subprocess.CompletedProcess:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  hosts:\n    win01:\n      ansible_host: 127.0.0.1\n"
        f"      ansible_port: {port}\n      ansible_user: {USER}\n      ansible_password: '{password}'\n"
        "      ansible_connection: winrm\n      ansible_winrm_transport: basic\n"
        "      ansible_winrm_scheme: http\n"
    )
    config = tmp_path / "ansible.cfg"  # ansible-core 2.19 rejects ANSIBLE_CONFIG=/dev/null (no .cfg suffix)
    config.write_text("")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    command = [str(ANSIBLE), "all", "-i", str(inventory), "-m", "ansible.builtin.raw", "-a", "whoami"]
    return subprocess.run(command,
                          check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_ansible_raw_over_winrm(server, tmp_path):
    runner = Recorder(CommandResult(b"lab\\administrator\r\n"))
    port = server.add_host("win01", USER, PASSWORD, runner)

    proc = run_ansible(tmp_path, port)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "win01 | CHANGED | rc=0" in proc.stdout
    assert "lab\\administrator" in proc.stdout
    # The plugin wraps the raw command in an encoded PowerShell command line (one Arguments element).
    [call] = runner.calls
    assert call.command == "PowerShell"
    assert call.arguments[0].split()[:-1] == ["-NoProfile", "-NonInteractive", "-ExecutionPolicy",
                                              "Unrestricted", "-EncodedCommand"]
    assert base64.b64decode(call.arguments[0].split()[-1]).decode("utf-16-le") == "whoami"
    assert server.requests("win01") == ONE_CALL


def test_ansible_reports_rejected_credentials_as_unreachable(server, tmp_path):
    runner = Recorder()
    port = server.add_host("win01", USER, PASSWORD, runner)
    proc = run_ansible(tmp_path, port, password="wrong")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "UNREACHABLE" in proc.stdout and "credentials were rejected" in proc.stdout
    assert runner.calls == [] and server.requests("win01") == ["Unauthorized"]
