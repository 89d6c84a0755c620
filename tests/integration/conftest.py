"""Fixtures that run the real ansible-playbook, over the real winrm connection plugin and
pywinrm, against a simulated lab started in this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import winrm
import yaml

from tests.simlab.lab import Lab

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


ROLE_SUMMARY = "Summarise every host in one line each"


@dataclass
class Run:
    """One ansible-playbook run: exit code, console output and per-host task results."""

    rc: int
    stdout: str
    stderr: str
    records: list[dict[str, Any]] = field(default_factory=list)

    def results(self, host: str, task: str | None = None) -> list[dict[str, Any]]:
        # Role tasks are named "<role> : <task>".
        return [r for r in self.records if r["host"] == host
                and (task is None or r["task"] == task or r["task"].endswith(" : " + task))]

    def result(self, host: str, task: str | None = None) -> dict[str, Any]:
        """The single record of ``task`` on ``host`` (fails the test if not exactly one)."""
        found = self.results(host, task)
        assert len(found) == 1, "expected one result for %s/%s, got %d:\n%s" % (host, task, len(found), self.stdout)
        return found[0]

    def summary(self) -> dict[str, str]:
        """The role's summary, printed once per play: each host's line by host name (fails the
        test unless the play printed it exactly once)."""
        found = [r for r in self.records if r["task"].endswith(" : " + ROLE_SUMMARY)]
        assert len(found) == 1, "expected one summary, got %d:\n%s" % (len(found), self.stdout)
        lines = found[0]["result"]["msg"]
        assert isinstance(lines, list), lines
        return {line.split(": ", 1)[0]: line for line in lines}


def one_task(module: str, name: str, **options) -> str:
    """A playbook with one task, ``name``, running ``volume_licensing.kms.<module>``."""
    lines = "".join("        %s: %s\n" % (k, v) for k, v in options.items())
    return """
- hosts: all
  gather_facts: false
  tasks:
    - name: %s
      volume_licensing.kms.%s:
%s""" % (name, module, lines or "        {}\n")


def kms_playbook(**options) -> str:
    """One office_kms task named "kms"."""
    return one_task("office_kms", "kms", **options)


def calls(lab: Lab, host: str) -> list[str]:
    """The remote calls ``host`` received, oldest first: "write" for a program that calls a
    method (cim_invoke), "read" for one that does not, "other" for anything else."""
    kinds = []
    for command in lab.commands(host):
        operations = (command.get("program") or {}).get("operations")
        if operations is None:
            kinds.append("other")
        else:
            kinds.append("write" if any(op.get("op") == "cim_invoke" for op in operations) else "read")
    return kinds


def invoked(lab: Lab, host: str, index: int = -1) -> list[tuple[str, str, str | None]]:
    """(class, method, where) of each method call in the host's ``index``-th program."""
    operations = lab.commands(host)[index]["program"]["operations"]
    return [(op["class"], op["method"], op.get("where")) for op in operations if op["op"] == "cim_invoke"]


@pytest.fixture
def lab():
    with Lab.from_scenario("default") as running:
        yield running


@pytest.fixture
def kms_lab():
    """The lab's kms_host scenario (tests/simlab/scenarios/kms_host.yml): a fresh Windows Server
    kms01 that serves kms.campus.example, kms02 without the Office pack, and 20 client PCs."""
    with Lab.from_scenario("kms_host") as running:
        yield running


def run_playbook(lab: Lab, playbook: str | Path, workdir: Path, *args: str,
                 host_vars: dict[str, dict] | None = None, env: dict[str, str] | None = None,
                 timeout: float = 900) -> Run:
    """Run ansible-playbook (playbook as YAML text or a repository path) against ``lab``.
    ``timeout`` only guards against a run that never ends (subprocess.TimeoutExpired)."""
    inventory = workdir / "inventory.yml"
    data = lab.inventory()
    for host, variables in (host_vars or {}).items():
        data["all"]["children"]["simlab"]["hosts"][host].update(variables)
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))
    if isinstance(playbook, str) and "\n" in playbook:
        path = workdir / "playbook.yml"
        path.write_text(playbook)
    else:
        path = ROOT / playbook
    record = workdir / "record.jsonl"
    if record.exists():
        record.unlink()
    environ = dict(os.environ)
    environ.update({
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "record",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "SIMLAB_RECORD": str(record),
        "PATH": "%s%s%s" % (BIN, os.pathsep, os.environ.get("PATH", "")),
    })
    environ.update(env or {})
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(path), *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout, check=False,
    )
    records = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return Run(proc.returncode, proc.stdout, proc.stderr, records)


@pytest.fixture
def ansible(tmp_path):
    """run(lab, playbook, *args, host_vars=..., env=...) -> Run, in this test's tmp_path."""

    def run(lab: Lab, playbook: str | Path, *args: str, **kwargs: Any) -> Run:
        return run_playbook(lab, playbook, tmp_path, *args, **kwargs)

    return run


def winrm_execute(lab: Lab, host: str):
    """An ``execute`` for hostops.run over plain pywinrm (not Ansible), like the action plugins'."""
    def execute(command: str, in_data: bytes, sudoable: bool = False) -> dict:
        executable, _unused, arguments = command.partition(" ")
        client = winrm.Protocol("http://127.0.0.1:%d/wsman" % lab.ports[host], transport="basic",
                                username=lab.state(host).username, password=lab.state(host).password,
                                server_cert_validation="ignore")
        shell = client.open_shell(codepage=65001)
        try:
            command_id = client.run_command(shell, executable, [arguments], console_mode_stdin=False)
            client.send_command_input(shell, command_id, in_data, end=True)
            stdout, stderr, rc = client.get_command_output(shell, command_id)
            client.cleanup_command(shell, command_id)
        finally:
            client.close_shell(shell)
        return {"rc": rc, "stdout": stdout.decode("utf-8"), "stderr": stderr.decode("utf-8")}
    return execute
