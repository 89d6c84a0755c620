"""Wire-level faults (tests/simlab/wsman.py), each end to end through ansible-playbook: the
faulty host fails with its cause named, every other host finishes, nothing is half done, and
once the fault is cleared the host converges."""

from __future__ import annotations

import copy
import socket
import threading
import time

import pytest
import requests
import winrm
from winrm.exceptions import WSManFaultError

from tests.integration.conftest import calls, run_playbook
from tests.simlab import wsman
from tests.simlab.lab import Lab
from tests.simlab.scenario import load
from tests.simlab.wsman import CommandRequest, CommandResult, WsmanServer

KMS = "kms.campus.example"
HOST = "pc02-ltsc2021"  # Office LTSC 2021 in its grace period: office_kms has work to do
OTHERS = ["pc01-ltsc2024-visio", "pc07-activated", "pc16-lab"]
LIMIT = ",".join([HOST, *OTHERS])
HOSTS = [h.name for h in load("default").hosts]
OFFICE_APPS = {"0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"}
# Small WinRM timeouts for the faulty host: a hung reply must end the task, not the run.
TIMEOUTS = {"ansible_winrm_read_timeout_sec": 3, "ansible_winrm_operation_timeout_sec": 2}
FAULT_REASON = "Access to the WinRM plug-in is denied by the simulated policy."

# fault -> (value, Ansible's status for the host, words its fatal line must hold)
FAULTS = {
    "unauthorized": (True, "unreachable", "credentials were rejected"),
    "soap_fault": ({"code": 2150858770, "reason": FAULT_REASON}, "failed", FAULT_REASON),
    "refused": (True, "unreachable", "connection refused"),
    "drop": (True, "unreachable", "closed connection without response"),
    "slow": (60, "unreachable", "timed out"),
}
INFO = """
- hosts: all
  gather_facts: false
  tasks:
    - name: task
      volume_licensing.kms.office_kms_info:
"""
KMS_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: task
      volume_licensing.kms.office_kms:
        kms_host: %s
""" % KMS


def wait_until(predicate, what: str, limit: float = 10.0) -> None:
    """Poll for something the lab does in the background (a guard, not a timing check)."""
    end = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("gave up waiting for " + what)
        time.sleep(0.02)


def fatal_line(run, host):
    lines = [line for line in run.stdout.splitlines() if line.startswith("fatal: [%s]" % host)]
    assert len(lines) == 1, run.stdout
    return lines[0]


def office(lab, host):
    return [p for p in lab.state(host).products
            if p["ApplicationID"].lower() in OFFICE_APPS and "VOLUME_KMSCLIENT" in p["Description"]]


def set_fault(lab, host, name, value):
    lab.state(host).faults[name] = value
    if name == "refused":  # the acceptor applies it within FAULT_POLL_SECONDS
        wait_until(lambda: lab.server.refusing(host), "the listener to refuse")


def clear_faults(lab, host):
    lab.state(host).faults.clear()
    wait_until(lambda: not lab.server.refusing(host), "the listener to listen again")


def assert_fails_alone(lab, run, fault, before):
    """The faulty host failed with its cause named; the others are fine; nothing changed."""
    _unused, status, words = FAULTS[fault]
    record = run.result(HOST, "task")
    assert record["status"] == status, record
    line = fatal_line(run, HOST)
    assert ("UNREACHABLE!" if status == "unreachable" else "FAILED!") in line
    assert words.lower() in line.lower(), line
    for host in OTHERS:
        assert run.result(host, "task")["status"] == "ok", (host, run.stdout)
    assert run.rc == (4 if status == "unreachable" else 2)
    # The command never ran: nothing was read or written on the host.
    assert lab.commands(HOST) == []
    assert lab.state(HOST).products == before


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_fails_that_host_only_then_info_converges(tmp_path, fault, transport):
    with Lab.from_scenario("default", transport=transport) as lab:
        before = copy.deepcopy(lab.state(HOST).products)
        set_fault(lab, HOST, fault, FAULTS[fault][0])
        host_vars = {HOST: TIMEOUTS}
        failed = run_playbook(lab, INFO, tmp_path, "--limit", LIMIT, host_vars=host_vars, timeout=300)
        assert_fails_alone(lab, failed, fault, before)

        clear_faults(lab, HOST)
        again = run_playbook(lab, INFO, tmp_path, "--limit", LIMIT, host_vars=host_vars, timeout=300)
        assert again.rc == 0, again.stdout
        record = again.result(HOST, "task")
        assert record["status"] == "ok" and record["result"]["remote_calls"] == 1
        assert [p["partial_key"] for p in record["result"]["products"]] == [p["PartialProductKey"]
                                                                            for p in office(lab, HOST)]
        assert calls(lab, HOST) == ["read"]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_leaves_activation_undone_then_it_converges(tmp_path, fault):
    with Lab.from_scenario("default") as lab:
        before = copy.deepcopy(lab.state(HOST).products)
        assert [p["LicenseStatus"] for p in office(lab, HOST)] != [1]
        set_fault(lab, HOST, fault, FAULTS[fault][0])
        host_vars = {HOST: TIMEOUTS}
        failed = run_playbook(lab, KMS_PLAYBOOK, tmp_path, "--limit", LIMIT, host_vars=host_vars, timeout=300)
        assert_fails_alone(lab, failed, fault, before)
        assert failed.result("pc16-lab", "task")["result"]["changed"] is True  # the others did their work

        clear_faults(lab, HOST)
        second = run_playbook(lab, KMS_PLAYBOOK, tmp_path, "--limit", LIMIT, host_vars=host_vars, timeout=300)
        record = second.result(HOST, "task")
        assert record["status"] == "ok" and record["result"]["changed"] is True, record
        assert [(p["LicenseStatus"], p["KeyManagementServiceMachine"]) for p in office(lab, HOST)] == [(1, KMS)]
        assert calls(lab, HOST) == ["read", "write"]

        third = run_playbook(lab, KMS_PLAYBOOK, tmp_path, "--limit", LIMIT, host_vars=host_vars, timeout=300)
        for host in [HOST, *OTHERS]:
            record = third.result(host, "task")
            assert record["status"] == "ok" and record["result"]["changed"] is False, (host, record)


@pytest.mark.parametrize("transport", ["basic", "ntlm-https"])
def test_a_hung_host_fails_and_the_whole_lab_finishes(tmp_path, transport):
    """A host whose Receive never comes back: with small WinRM timeouts for it, its task ends
    as unreachable (timed out) and every other host of the lab finishes normally."""
    with Lab.from_scenario("default", transport=transport) as lab:
        lab.state(HOST).faults["slow"] = True  # hang until cleared
        run = run_playbook(lab, INFO, tmp_path, host_vars={HOST: TIMEOUTS}, timeout=600)
        assert run.result(HOST, "task")["status"] == "unreachable"
        assert "timed out" in fatal_line(run, HOST)
        for host in HOSTS:
            if host != HOST:
                assert run.result(host, "task")["status"] == "ok", host
        assert run.rc == 4
        assert lab.commands(HOST) == []
        # The server noticed the client give up: the hung Receive was abandoned, not run.
        wait_until(lambda: any(w.action == "Receive" and w.status == 0 for w in lab.server.wire_log(HOST)),
                   "the hung Receive to be abandoned")
        lab.state(HOST).faults.clear()
        assert lab.commands(HOST) == []


# -- the faults at the WS-Man server, with pywinrm and a recording runner --------------------------

USER, PASSWORD = "administrator", "S3cret!pass"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[CommandRequest] = []

    def __call__(self, request: CommandRequest) -> CommandResult:
        self.calls.append(request)
        return CommandResult(b"done")


def session(port: int, **kwargs) -> winrm.Session:
    return winrm.Session("http://127.0.0.1:%d/wsman" % port, auth=(USER, PASSWORD), transport="basic",
                         server_cert_validation="ignore", **kwargs)


@pytest.fixture
def server():
    srv = WsmanServer()
    srv.start()
    yield srv
    srv.stop()


def test_refused_keeps_the_port_and_listens_again(server):
    faults: dict = {}
    port = server.add_host("win01", USER, PASSWORD, Recorder(), faults=faults)
    faults["refused"] = True
    wait_until(lambda: server.refusing("win01"), "the listener to refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    del faults["refused"]
    wait_until(lambda: not server.refusing("win01"), "the listener to listen again")
    assert session(port).run_cmd("hostname").std_out == b"done"


def test_default_soap_fault_answers_the_command(server):
    runner = Recorder()
    port = server.add_host("win01", USER, PASSWORD, runner, faults={"soap_fault": True})
    with pytest.raises(WSManFaultError) as caught:
        session(port).run_cmd("hostname")
    assert (caught.value.code, caught.value.wsman_fault_code) == (500, wsman.DEFAULT_SOAP_FAULT[0])
    assert caught.value.reason == wsman.DEFAULT_SOAP_FAULT[1]
    assert server.requests("win01") == ["Create", "Command"] and runner.calls == []


def test_slow_is_read_live_and_a_client_that_gave_up_leaves_nothing_run(server):
    faults: dict = {"slow": True}
    runner = Recorder()
    port = server.add_host("win01", USER, PASSWORD, runner, faults=faults)

    # A client with a short read timeout gives up; its command is never run.
    with pytest.raises(requests.exceptions.ReadTimeout):
        session(port, read_timeout_sec=2, operation_timeout_sec=1).run_cmd("first")
    wait_until(lambda: [w.status for w in server.wire_log("win01") if w.action == "Receive"] == [0],
               "the abandoned Receive")

    # A patient client waits until the fault is cleared, then gets its output.
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(r=session(port).run_cmd("second")))
    thread.start()
    wait_until(lambda: server.requests("win01").count("Receive") == 2, "the second Receive")
    assert runner.calls == []
    faults.clear()
    thread.join(30)
    assert outcome["r"].std_out == b"done"
    assert [c.command for c in runner.calls] == ["second"]


def test_drop_closes_the_connection_without_running_the_command(server):
    runner = Recorder()
    port = server.add_host("win01", USER, PASSWORD, runner, faults={"drop": True})
    with pytest.raises(requests.exceptions.ConnectionError, match="without response"):
        session(port).run_cmd("hostname")
    assert runner.calls == []
    assert [(w.action, w.status) for w in server.wire_log("win01")][-1] == ("Receive", 0)


def test_stop_returns_with_a_hung_receive_in_flight():
    srv = WsmanServer()
    runner = Recorder()
    port = srv.add_host("hung01", USER, PASSWORD, runner, faults={"slow": True})
    srv.start()
    errors = []

    def client():
        try:
            session(port).run_cmd("hostname")
        except Exception as exc:  # noqa: BLE001 - whatever the client raises is recorded
            errors.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    wait_until(lambda: "Receive" in srv.requests("hung01"), "the hung Receive")
    srv.stop()
    # No connection thread is left hanging in the slow Receive (which would wait an hour):
    # stop() woke it. On a loaded machine it may finish just after stop()'s bounded join.
    wait_until(lambda: [t.name for t in threading.enumerate() if t.name == "wsman-hung01"] == [],
               "the hung connection's thread to end")
    thread.join(30)
    assert len(errors) == 1 and isinstance(errors[0], requests.exceptions.ConnectionError)
    assert runner.calls == []
