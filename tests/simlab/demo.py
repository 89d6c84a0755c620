"""make demo: the main job, twice, against the bundled simulated lab.

Starts the default lab on the ports inventory/simlab.yml names, runs playbooks/activate.yml
(first run: work where needed; some hosts fail on purpose, with readable reasons), runs it
again (must change nothing), then playbooks/report.yml, prints what happened and stops the
lab. Exits non-zero only when the demo itself goes wrong (the second run changed something,
or a host failed that the scenario does not expect to fail).
"""

from __future__ import annotations

import errno
import os
import re
import socket
import subprocess
import sys

import yaml

from tests.simlab.lab import Lab

PORT_BASE = 25985
INVENTORY = "inventory/simlab.yml"
REPORT = "reports/kms-report.html"  # written by playbooks/report.yml
# The same report in Traditional Chinese: one more option on the same command (docs/report.md,
# docs/zh-TW/README.md); the demo writes it to its own folder.
ZH_TW = ("-e", "office_kms_report_language=zh-TW", "-e", "office_kms_report_dir=reports/zh-TW")
ZH_TW_REPORT = "reports/zh-TW/kms-report.html"
# Hosts the default scenario sets up to fail, and why.
EXPECTED_FAILURES = {
    "pc10-underpowered": "below Office 2024's hardware requirements",
    "pc15-clock-skew": "clock five hours off: the KMS host refuses it (0xC004F06C)",
}
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def playbook(name: str, *extra: str) -> dict[str, dict[str, int]]:
    """Run a playbook, showing its output; returns the recap per host."""
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    print("\n=== ansible-playbook %s ===" % " ".join((name, *extra)), flush=True)
    proc = subprocess.run([binary, "-i", INVENTORY, name, *extra], capture_output=True, text=True, check=False)
    print(proc.stdout, end="", flush=True)
    print(proc.stderr, end="", file=sys.stderr, flush=True)
    return {
        host: {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}
        for host, ok, changed, unreachable, failed in RECAP.findall(proc.stdout)
    }


def taken_port(ports: list[int], address: str = "127.0.0.1") -> int | None:
    """The first of ``ports`` that something else already listens on, or None."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return port
                raise
    return None


def inventory_ports(path: str = INVENTORY) -> list[int]:
    """The WinRM ports the bundled inventory names (the lab serves them)."""
    with open(path, encoding="utf-8") as handle:
        hosts = yaml.safe_load(handle)["all"]["children"]["simlab"]["hosts"]
    return sorted(int(variables["ansible_port"]) for variables in hosts.values())


def main() -> int:
    taken = taken_port(inventory_ports())
    if taken is not None:
        print("make demo: port %d on 127.0.0.1 is already in use (another simulated lab or program: "
              "`ss -ltnp 'sport = :%d'` names it); stop it, then run make demo again." % (taken, taken))
        return 1
    with Lab.from_scenario("default", port_base=PORT_BASE) as lab:
        lab.write_inventory(INVENTORY)
        first = playbook("playbooks/activate.yml")
        second = playbook("playbooks/activate.yml")
        playbook("playbooks/report.yml")
        playbook("playbooks/report.yml", *ZH_TW)
        contacts = sum(stand_in.contacts for stand_in in lab.network.kms.values())

    changed_first = sorted(h for h, r in first.items() if r["changed"])
    failed = {h for h, r in first.items() if r["failed"] or r["unreachable"]}
    changed_second = sorted(h for h, r in second.items() if r["changed"])
    print("\n=== demo summary ===")
    print("first run:  %d hosts changed, %d ok, %d failed" % (
        len(changed_first), len(first) - len(changed_first) - len(failed), len(failed)))
    for host in sorted(failed):
        print("  %s failed: %s" % (host, EXPECTED_FAILURES.get(host, "NOT EXPECTED")))
    print("second run: %d hosts changed (an unchanged lab must give 0)" % len(changed_second))
    print("TCP connections the KMS stand-ins accepted: %d" % contacts)
    print("fleet report: %s (kms-report.json and kms-report.csv beside it)" % os.path.abspath(REPORT))
    print("in Traditional Chinese (zh-TW): %s, written by: ansible-playbook -i inventory.yml playbooks/report.yml %s"
          % (os.path.abspath(ZH_TW_REPORT), " ".join(ZH_TW[:2])))
    unexpected = failed - set(EXPECTED_FAILURES)
    if changed_second or unexpected or not first:
        print("demo FAILED: %s" % (", ".join(changed_second + sorted(unexpected)) or "no recap"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
