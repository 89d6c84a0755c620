"""The README's two commands: make demo from a fresh copy, and the bundled inventory."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from tests.integration.conftest import ROOT
from tests.simlab.lab import Lab

DEMO_PORT_BASE = 25985


def test_bundled_inventory_is_what_the_demo_lab_serves():
    bundled = yaml.safe_load((ROOT / "inventory" / "simlab.yml").read_text())
    with Lab.from_scenario("default", port_base=DEMO_PORT_BASE) as lab:
        assert bundled == lab.inventory()
        assert sorted(lab.ports.values()) == list(range(DEMO_PORT_BASE, DEMO_PORT_BASE + len(lab.host_names)))


def fresh_copy(destination: Path) -> None:
    """The tracked files of this checkout (as a clone would have them), without .venv."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, names.decode().split("\0")):
        source, target = ROOT / name, destination / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)


def test_make_demo_works_from_a_fresh_copy(tmp_path):
    checkout = tmp_path / "checkout"
    fresh_copy(checkout)
    assert not (checkout / ".venv").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VIRTUAL_ENV"))}
    # The machine's interpreter, not this venv's, as on a fresh machine.
    base_python = Path(getattr(sys, "_base_executable", sys.executable))
    proc = subprocess.run(["make", "demo", "PYTHON=%s" % base_python], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=1200, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-5000:]
    assert (checkout / ".venv" / "bin" / "ansible-playbook").exists()
    first, second, report = output.split("=== ansible-playbook ")[1:4]
    assert first.startswith("playbooks/activate.yml") and second.startswith("playbooks/activate.yml")
    assert report.startswith("playbooks/report.yml")

    first_recap, second_recap = recap(first), recap(second)
    with Lab.from_scenario("default") as lab:
        assert set(first_recap) == set(second_recap) == set(lab.host_names)
    assert first_recap["pc19-lab"]["changed"] == 1          # work was needed
    assert first_recap["pc16-lab"]["changed"] == 1          # Office and Windows, in one task (office_kms_windows)
    assert "Windows: changed: Windows(R), Education edition" in first
    assert first_recap["pc07-activated"]["changed"] == 0    # already compliant
    assert {h for h, r in first_recap.items() if r["failed"]} == {"pc10-underpowered", "pc15-clock-skew"}
    assert all(r["changed"] == 0 for r in second_recap.values())  # the second run changes nothing
    assert "0xC004F06C" in first and "2048 MB of memory, needs 4096 MB" in first  # readable reasons

    summaries = dict(re.findall(r'ok: \[([^\]]+)\] => \{\s*"msg": "([^"]*)"', report))
    assert set(summaries) == set(first_recap)
    assert "ProPlus2024Volume Licensed 180d via kms.campus.example:1688" in summaries["pc01-ltsc2024-visio"]
    assert "VisioPro2024Volume Licensed 180d" in summaries["pc01-ltsc2024-visio"]
    assert "Microsoft 365 Apps" in summaries["pc12-m365-apps"]
    assert "no Office installed" in summaries["pc11-no-office"]
    assert "second run: 0 hosts changed" in output
    [report_path] = re.findall(r"^fleet report: (\S+kms-report\.html)", output, re.M)
    assert report_path.startswith(str(checkout)) and (checkout / "reports" / "kms-report.json").exists()
    assert "<html" in (checkout / "reports" / "kms-report.html").read_text()
    # The same report in Traditional Chinese, and the one line that makes it.
    [zh_path, zh_line] = re.findall(r"^in Traditional Chinese \(zh-TW\): (\S+kms-report\.html), written by: (.+)$",
                                    output, re.M)[0]
    assert zh_path == str(checkout / "reports" / "zh-TW" / "kms-report.html")
    assert zh_line == "ansible-playbook -i inventory.yml playbooks/report.yml -e office_kms_report_language=zh-TW"
    assert '<html lang="zh-Hant-TW">' in Path(zh_path).read_text(encoding="utf-8")


def recap(output: str) -> dict[str, dict[str, int]]:
    rows = re.findall(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M)
    return {h: {"ok": int(o), "changed": int(c), "unreachable": int(u), "failed": int(f)} for h, o, c, u, f in rows}


def test_the_demo_says_in_one_line_which_port_is_taken():
    """Another program on one of the lab's ports: make demo stops with one line naming the
    port and what to do, before starting anything (no traceback)."""
    ports = sorted(yaml.safe_load((ROOT / "inventory" / "simlab.yml").read_text())["all"]["children"]["simlab"]
                   ["hosts"][h]["ansible_port"] for h in ["pc03-office2019"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[0]))
        holder.listen()
        proc = subprocess.run([sys.executable, "-m", "tests.simlab.demo"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stdout.strip().splitlines() == [
        "make demo: port %d on 127.0.0.1 is already in use (another simulated lab or program: "
        "`ss -ltnp 'sport = :%d'` names it); stop it, then run make demo again." % (ports[0], ports[0])]
    assert "Traceback" not in proc.stderr
