"""make bench: fleet runs against simulated labs of several sizes, with figures.

For each size it measures, in one run, each case at each network round trip (0, 20, 80 ms:
the lab delays every HTTP exchange and new connection), each on a fresh lab:
  (a) office_kms on a compliant fleet (every product activated, 170+ days left);
  (b) office_kms on a fleet that needs activation;
  (c) one ansible.builtin.raw task on the same hosts: the floor, the cheapest Ansible task;
  (d) the source document's procedure done the naive way: three raw commands per host
      (cscript ospp.vbs /sethst:<host>, /act, /dstatus), which the lab answers with
      ospp.vbs-style console text;
  (e) playbooks/activate.yml (the role) on a compliant fleet;
  (f) the same on a fleet that needs activation;
  (g) the same with office_kms_windows: true, each PC also with Windows not activated;
  (h) the same with office_kms_windows: true on a compliant fleet (Office and Windows both
      activated against the KMS host, 170+ days left);
and prints, per case: wall time, hosts per second, controller CPU seconds (ansible-playbook and
its workers), the lab's own CPU seconds, and the work per host the lab counted (WS-Man Command
and HTTP requests, CIM queries, of which on the licensing classes, CIM method calls, KMS
contacts); then the ratios (a)/(c), (e)/(c), (d)/(a), (f)/(b), (g)/(f), (h)/(e) by wall time.
With several --forks, every size is measured at each fork count. The costs of a real PC are
lab settings (tests/simlab/scenario.py Latency, which cites the figures): --powershell-start-ms
per WinRM command that runs PowerShell, --cim-ms per CIM query or method call, and
--cim-licensing-ms on the licensing classes (default: --cim-ms).

Then the fault load (no latency, no costs, the first fork count): office_kms on a fleet that
needs activation where 5 % of the hosts carry a fault of every kind (FAULT_KINDS), then again
once the faults are cleared: every healthy host done, every faulted host failed or unreachable
with its cause (or, for a reply lost after the work was done, reported changed), and the fleet
converged. Results go to benchmarks/results.json, with the fork counts and the costs.

    python -m benchmarks.run [--sizes 50 200 500] [--rtt-ms 0 20 80] [--cases abcdefgh]
                             [--powershell-start-ms 0] [--cim-ms 0] [--cim-licensing-ms MS]
                             [--fault-hosts 500] [--forks N [N ...]] [--output PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.simlab.lab import Lab
from tests.simlab.scenario import Latency, ScenarioError, parse

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KMS = "kms.campus.example"
OSPP = r'cscript //nologo "C:\Program Files\Microsoft Office\Office16\OSPP.VBS"'

PLAYBOOKS = {
    "office_kms": """
- name: office_kms
  hosts: all
  gather_facts: false
  tasks:
    - name: kms
      volume_licensing.kms.office_kms:
        kms_host: %s
""" % KMS,
    "raw": """
- name: raw floor
  hosts: all
  gather_facts: false
  tasks:
    - name: hostname
      ansible.builtin.raw: hostname
      changed_when: false
""",
    "naive": """
- name: the source document's procedure, by hand
  hosts: all
  gather_facts: false
  tasks:
    - name: sethst
      ansible.builtin.raw: '%s /sethst:%s'
    - name: act
      ansible.builtin.raw: '%s /act'
    - name: dstatus
      ansible.builtin.raw: '%s /dstatus'
      changed_when: false
""" % (OSPP, KMS, OSPP, OSPP),
}

# A KMS client product with its key installed, not activated (grace period, no KMS host set).
NOT_ACTIVATED = {
    "LicenseStatus": 2, "LicenseStatusReason": 0x4004F00C, "GracePeriodRemaining": 43200,
    "KeyManagementServiceMachine": None, "KeyManagementServicePort": 0,
    "DiscoveredKeyManagementServiceMachineName": None, "DiscoveredKeyManagementServiceMachinePort": 0,
}
PRODUCT = {
    "class": "SoftwareLicensingProduct",
    "ID": "8d368fc1-9470-4be2-8d66-90e836cbb051",
    "Name": "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
    "Description": "Office 24, VOLUME_KMSCLIENT channel",
    "ApplicationID": "0ff1ce15-a989-479d-af46-f275c6370663",
    "PartialProductKey": "GCVGB",
    "ProductKey": "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB",
    **NOT_ACTIVATED,
}
COMPLIANT = {"LicenseStatus": 1, "LicenseStatusReason": 0x4004F040, "GracePeriodRemaining": 250000,
             "KeyManagementServiceMachine": KMS, "KeyManagementServicePort": 1688}


WINDOWS = {  # Windows 11 Education with its published KMS client key, not activated (scenarios/windows.yml)
    "class": "SoftwareLicensingProduct",
    "ID": "c7819346-4656-4892-9c2f-9e62c505e1cb",
    "Name": "Windows(R), Education edition",
    "Description": "Windows(R) Operating System, VOLUME_KMSCLIENT channel",
    "ApplicationID": "55c92734-d682-4d71-983e-d6ec3f16059f",
    "PartialProductKey": "VCFB2",
    "ProductKey": "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2",
    **NOT_ACTIVATED,
}


def fleet(size: int, compliant: bool, windows: bool = False) -> Any:
    """A lab of identical Office LTSC 2024 PCs, activated or not; with ``windows``, each also
    has Windows 11 Education with its KMS client key, activated like Office or not."""
    product = dict(PRODUCT, **(COMPLIANT if compliant else {}))
    windows_product = dict(WINDOWS, **(COMPLIANT if compliant else {}))
    products = [{"sku": "proplus"}] + ([{"sku": "windows"}] if windows else [])
    return parse({
        "defaults": {
            "username": "Administrator", "password": "Bench-Passw0rd!",
            "os": {"caption": "Microsoft Windows 11 Education", "version": "10.0.22631", "build": "22631",
                   "architecture": "64-bit"},
            "cpu": {"mhz": 2904, "cores": 6, "sockets": 1}, "memory_mb": 16384, "system_drive_free_mb": 181000,
            "dns_kms_host": KMS, "dns_domain": "bench.example",
        },
        "kms_hosts": [{"name": KMS, "port": 1688}],
        "catalogue": {"proplus": product, "windows": windows_product},
        "hosts": [{"name": "pc%04d" % i, "client_machine_id": "00000000-0000-4000-8000-%012d" % i,
                   "office": [{"type": "ClickToRun", "version": "16.0.17932.20162", "bitness": "x64",
                               "product_ids": ["ProPlus2024Volume"]}],
                   "products": products} for i in range(size)],
    })


# The cases: (what it is, playbook, extra vars, compliant fleet, Windows product on each PC).
ACTIVATE = str(ROOT / "playbooks" / "activate.yml")
CASES = {
    "a": ("office_kms, compliant", "office_kms", {}, True, False),
    "b": ("office_kms, needs activation", "office_kms", {}, False, False),
    "c": ("raw floor", "raw", {}, True, False),
    "d": ("naive ospp.vbs (3 raw)", "naive", {}, False, False),
    "e": ("activate.yml, compliant", ACTIVATE, {"office_kms_host": KMS}, True, False),
    "f": ("activate.yml, needs activation", ACTIVATE, {"office_kms_host": KMS}, False, False),
    "g": ("activate.yml + Windows, needs activation", ACTIVATE,
          {"office_kms_host": KMS, "office_kms_windows": True}, False, True),
    "h": ("activate.yml + Windows, compliant", ACTIVATE,
          {"office_kms_host": KMS, "office_kms_windows": True}, True, True),
}
RTTS_MS = (0, 20, 80)
LICENSING = ("SoftwareLicensing", "OfficeSoftwareProtection")


def work_counts(lab: Lab) -> dict[str, int]:
    """What the fleet's hosts were asked so far, from the lab: WS-Man Command requests, HTTP
    requests, CIM queries (all, and on the licensing classes), CIM method calls, and TCP
    contacts with the KMS host stand-in (reachability tests and activations)."""
    counts = {"commands": 0, "http_requests": 0, "cim_queries": 0, "licensing_queries": 0, "cim_methods": 0,
              "powershell_runs": 0, "powershell_cpu_ms": 0.0}
    for host in lab.host_names:
        counts["powershell_runs"] += lab.host(host).powershell_runs
        counts["powershell_cpu_ms"] += lab.host(host).powershell_cpu_seconds * 1000
        counts["commands"] += lab.requests(host).count("Command")
        counts["http_requests"] += len(lab.server.wire_log(host))
        for entry in lab.cim_log(host):
            if entry["kind"] == "query":
                counts["cim_queries"] += 1
                counts["licensing_queries"] += entry["class"].startswith(LICENSING)
            else:
                counts["cim_methods"] += 1
    counts["kms_contacts"] = lab.kms(KMS).contacts
    return counts


def run_case(lab: Lab, playbook: str, workdir: Path, forks: int, extra_vars: dict[str, Any] | None = None) -> dict[
        str, Any]:
    inventory = workdir / "inventory.yml"
    lab.write_inventory(str(inventory))
    if playbook in PLAYBOOKS:
        path = workdir / "playbook.yml"
        path.write_text(PLAYBOOKS[playbook])
    else:
        path = Path(playbook)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"))
    before = work_counts(lab)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_lab = time.process_time()
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "-f", str(forks), str(path),
                           "-e", json.dumps(extra_vars or {})],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    lab_cpu = time.process_time() - before_lab
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    hosts = len(lab.host_names)
    counted = work_counts(lab)
    runs = counted["powershell_runs"] - before["powershell_runs"]
    # the lab's PowerShell emulation: its CPU per script it ran (the executor, with its CIM work)
    powershell_ms = (counted.pop("powershell_cpu_ms") - before.pop("powershell_cpu_ms")) / runs if runs else 0.0
    work = {k: round((v - before[k]) / hosts, 2) for k, v in counted.items() if k != "powershell_runs"}
    recap = re.findall(r"^\S+\s*: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", proc.stdout, re.MULTILINE)
    return {
        "wall_seconds": round(wall, 3),
        "hosts_per_second": round(hosts / wall, 2),
        "controller_cpu_seconds": round((after.ru_utime - before_children.ru_utime)
                                        + (after.ru_stime - before_children.ru_stime), 3),
        "lab_cpu_seconds": round(lab_cpu, 3),
        "powershell_ms_per_run": round(powershell_ms, 2),
        "per_host": work,
        "remote_calls_per_host": work["commands"],
        "failed_hosts": sum(1 for unreachable, failed in recap if int(unreachable) or int(failed)),
        "recap_hosts": len(recap),
        "rc": proc.returncode,
    }


def measure(size: int, forks: int, rtts: tuple[int, ...] = RTTS_MS, cim_ms: float = 0.0,
            cases: str = "".join(CASES), *, cim_licensing_ms: float | None = None,
            powershell_start_ms: float = 0.0) -> dict[str, Any]:
    """Every case at every round trip, each on a fresh lab of ``size`` hosts, whose PCs cost
    ``powershell_start_ms`` per PowerShell start and ``cim_ms`` per CIM query or method call
    (``cim_licensing_ms`` on the licensing classes, None: the same)."""
    results: dict[str, Any] = {"hosts": size, "forks": forks, "powershell_start_ms": powershell_start_ms,
                               "cim_ms": cim_ms, "cim_licensing_ms": cim_licensing_ms, "rtt": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for rtt in rtts:
            row: dict[str, Any] = {}
            for case in cases:
                _what, playbook, extra, compliant, windows = CASES[case]
                latency = Latency(rtt_ms=rtt, cim_ms=cim_ms, cim_licensing_ms=cim_licensing_ms,
                                  powershell_start_ms=powershell_start_ms)
                with Lab(fleet(size, compliant, windows), latency=latency) as lab:
                    row[case] = run_case(lab, playbook, work, forks, extra)
            row["ratios"] = ratios(row)
            results["rtt"][str(rtt)] = row
    return results


def ratios(row: dict[str, Any]) -> dict[str, float]:
    """The bars' ratios by wall time, for the cases that ran."""
    pairs = {"a/c": ("a", "c"), "e/c": ("e", "c"), "d/a": ("d", "a"), "f/b": ("f", "b"), "g/f": ("g", "f"),
             "h/e": ("h", "e")}
    return {name: round(row[x]["wall_seconds"] / row[y]["wall_seconds"], 3)
            for name, (x, y) in pairs.items() if x in row and y in row}


# Every kind of fault, as the lab injects it (tests/simlab/host.py, wsman.py), with what the
# first run must report for the host: its Ansible status, and words its message must hold.
FAULT_KINDS = {
    "hang": ({"slow": True}, "unreachable", "timed out"),
    "http_500": ({"soap_fault": True}, "failed", "WinRM on the host refused the command"),
    "http_401": ({"unauthorized": True}, "unreachable", "credentials were rejected"),
    "drop_before_run": ({"drop": True}, "unreachable", "closed before the host's reply arrived"),
    "drop_after_run": ({"reply_lost": "invoke"}, "changed", "shows every step done"),
    "garbled": ({"malformed_json": "read"}, "failed", "cut short or garbled"),
    "access_denied": ({"access_denied": True}, "failed", "0x80070005"),
    "service_missing": ({"licensing_service": "missing"}, "failed", "0x80041010"),
    "kms_refusal": ({}, "failed", "0xC004F038"),  # the product's activation_error (the KMS host refuses)
}
# A hung host must not hold the run: small WinRM timeouts on the faulted hosts.
FAULT_TIMEOUTS = {"ansible_winrm_read_timeout_sec": 4, "ansible_winrm_operation_timeout_sec": 3}


def record_run(lab: Lab, playbook: str, workdir: Path, forks: int, host_vars: dict[str, dict]) -> tuple[
        float, dict[str, dict[str, Any]]]:
    """One run with the test suite's record callback: (wall seconds, host -> task record)."""
    inventory = workdir / "inventory.yml"
    data = lab.inventory()
    for host, variables in host_vars.items():
        data["all"]["children"]["simlab"]["hosts"][host].update(variables)
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))
    (workdir / "playbook.yml").write_text(playbook)
    record = workdir / "record.jsonl"
    record.unlink(missing_ok=True)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"), SIMLAB_RECORD=str(record), ANSIBLE_CALLBACKS_ENABLED="record",
               ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "tests" / "integration" / "callback_plugins"))
    start = time.perf_counter()
    subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "-f", str(forks),
                    str(workdir / "playbook.yml")], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    records = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return wall, {r["host"]: r for r in records}


def fault_load(size: int, forks: int, share: float = 0.05) -> dict[str, Any]:
    """office_kms on ``size`` hosts that need activation, ``share`` of them faulted (the kinds in
    turn), then once more after the faults are cleared."""
    kinds = list(FAULT_KINDS)
    faulted = {"pc%04d" % i: kinds[n % len(kinds)] for n, i in enumerate(range(0, size, round(1 / share)))}
    result: dict[str, Any] = {"hosts": size, "faulted": len(faulted), "kinds": {}}
    with tempfile.TemporaryDirectory() as tmp, Lab(fleet(size, compliant=False)) as lab:
        work = Path(tmp)
        for host, kind in faulted.items():
            faults = FAULT_KINDS[kind][0]
            lab.state(host).faults.update(faults)
            if kind == "kms_refusal":
                lab.state(host).products[0]["activation_error"] = 0xC004F038
        host_vars = {host: FAULT_TIMEOUTS for host in faulted}
        wall, records = record_run(lab, PLAYBOOKS["office_kms"], work, forks, host_vars)
        licensed = {h: lab.state(h).products[0]["LicenseStatus"] == 1 for h in lab.host_names}
        healthy = [h for h in lab.host_names if h not in faulted]
        result["first_run_seconds"] = round(wall, 2)
        result["healthy_done"] = sum(1 for h in healthy if licensed[h] and records.get(h, {}).get("status") == "ok")
        result["healthy"] = len(healthy)
        for kind in kinds:
            hosts = [h for h, k in faulted.items() if k == kind]
            _unused, status, words = FAULT_KINDS[kind]
            as_expected = 0
            for host in hosts:
                record = records.get(host, {})
                got = "changed" if record.get("status") == "ok" and record.get("result", {}).get("changed") \
                    else record.get("status")
                text = json.dumps(record.get("result", {}))
                as_expected += got == status and words in text
            result["kinds"][kind] = {"hosts": len(hosts), "as_expected": as_expected}
        for host in faulted:
            lab.state(host).faults.clear()
            lab.state(host).products[0].pop("activation_error", None)
        wall, records = record_run(lab, PLAYBOOKS["office_kms"], work, forks, host_vars)
        result["second_run_seconds"] = round(wall, 2)
        result["converged"] = sum(1 for h in lab.host_names if lab.state(h).products[0]["LicenseStatus"] == 1)
        result["second_run_failed"] = sum(1 for r in records.values() if r.get("status") != "ok")
    return result


def print_fault_load(result: dict[str, Any]) -> None:
    print("\nfault load: %(hosts)d hosts, %(faulted)d faulted" % result)
    print("  first run %.2f s: %d of %d healthy hosts done" % (result["first_run_seconds"], result["healthy_done"],
                                                               result["healthy"]))
    for kind, figures in result["kinds"].items():
        print("    %-18s %d of %d faulted hosts reported as expected (%s)" % (
            kind, figures["as_expected"], figures["hosts"], FAULT_KINDS[kind][1]))
    print("  after clearing the faults, second run %.2f s: %d of %d hosts activated, %d not ok" % (
        result["second_run_seconds"], result["converged"], result["hosts"], result["second_run_failed"]))


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def print_size(result: dict[str, Any]) -> None:
    print("\n%d hosts, %d forks (%s)" % (result["hosts"], result["forks"], costs(result)))
    print("  %4s %-42s %7s %8s %7s %7s %6s | %5s %5s %5s %5s %5s %5s %4s" % (
        "rtt", "case", "wall s", "hosts/s", "ctrl s", "lab s", "ps ms", "cmd", "http", "cim", "lic", "meth", "kms",
        "fail"))
    for rtt, row in result["rtt"].items():
        for case, (what, *_rest) in CASES.items():
            if case not in row:
                continue
            r, w = row[case], row[case]["per_host"]
            print("  %4s (%s) %-38s %7.2f %8.2f %7.2f %7.2f %6.2f | %5.2f %5.2f %5.2f %5.2f %5.2f %5.2f %4d" % (
                rtt, case, what, r["wall_seconds"], r["hosts_per_second"], r["controller_cpu_seconds"],
                r["lab_cpu_seconds"], r["powershell_ms_per_run"], w["commands"], w["http_requests"], w["cim_queries"],
                w["licensing_queries"], w["cim_methods"], w["kms_contacts"], r["failed_hosts"]))
        print("  %4s ratios: %s" % (rtt, "   ".join("(%s) = %.3f" % kv for kv in row["ratios"].items())))
    print("  ps ms = the lab's PowerShell emulation, CPU per script run (the executor, its CIM work included)")
    print("  per host: cmd = WS-Man Command requests, http = HTTP requests, cim = CIM queries (lic: on the "
          "licensing classes), meth = CIM method calls, kms = TCP contacts with the KMS host")


def costs(settings: dict[str, Any]) -> str:
    """The PCs' costs a measurement was taken with, in words."""
    licensing = settings["cim_licensing_ms"]
    return "PowerShell start %g ms per command; CIM %g ms per query or method call%s" % (
        settings["powershell_start_ms"], settings["cim_ms"],
        "" if licensing is None else ", %g ms on the licensing classes" % licensing)


def milliseconds(setting: str) -> Callable[[str], float]:
    """The check of the cost option for Latency's ``setting``: the lab's own (scenario.Latency)."""
    def check(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a number of milliseconds" % text) from None
        try:
            Latency(**{setting: value})
        except ScenarioError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value
    return check


def fork_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a fork count" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("a fork count is 1 or more, not %d" % value)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 200, 500])
    parser.add_argument("--fault-hosts", type=int, default=500, help="fault-load fleet size; 0 skips it")
    parser.add_argument("--fault-share", type=float, default=0.05, help="share of the fault-load fleet faulted")
    parser.add_argument("--rtt-ms", type=int, nargs="*", default=list(RTTS_MS),
                        help="network round trips to measure each case at (default: 0 20 80)")
    parser.add_argument("--powershell-start-ms", type=milliseconds("powershell_start_ms"), default=0.0,
                        help="what each PC spends starting powershell.exe, per WinRM command that runs PowerShell "
                             "(Microsoft's figure for Windows PowerShell 5.1: 250)")
    parser.add_argument("--cim-ms", type=milliseconds("cim_ms"), default=0.0,
                        help="cost of each CIM query or method call")
    parser.add_argument("--cim-licensing-ms", type=milliseconds("cim_licensing_ms"), default=None,
                        help="cost of each CIM query or method call on the licensing classes (SoftwareLicensing*, "
                             "OfficeSoftwareProtection*; default: --cim-ms)")
    parser.add_argument("--cases", default="".join(CASES), help="which cases, e.g. ace (default: all)")
    parser.add_argument("--forks", type=fork_count, nargs="+", default=None,
                        help="fork count(s); several: every size at each (default: ansible.cfg's forks)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results.json"))
    args = parser.parse_args(argv)
    forks = args.forks or [int(next(line.split("=")[1] for line in (ROOT / "ansible.cfg").read_text().splitlines()
                                    if line.replace(" ", "").startswith("forks=")))]
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        parser.error("unknown case(s) %s; the cases are %s" % (", ".join(unknown), ", ".join(CASES)))
    cases = "".join(dict.fromkeys(args.cases))  # each once, in the order given
    pc_costs = {"powershell_start_ms": args.powershell_start_ms, "cim_ms": args.cim_ms,
                "cim_licensing_ms": args.cim_licensing_ms}
    report = {"machine": machine(), "forks": forks, "costs": pc_costs, "sizes": []}
    print("machine: %(cpus)s CPUs, %(memory_gib)s GiB, %(platform)s, Python %(python)s" % report["machine"])
    print("forks: %s" % ", ".join(map(str, forks)))
    print("each PC: %s" % costs(pc_costs))
    for size in args.sizes:
        for fork in forks:
            result = measure(size, fork, tuple(args.rtt_ms), args.cim_ms, cases,
                             cim_licensing_ms=args.cim_licensing_ms, powershell_start_ms=args.powershell_start_ms)
            report["sizes"].append(result)
            print_size(result)
    if args.fault_hosts:
        report["fault_load"] = fault_load(args.fault_hosts, forks[0], args.fault_share)
        report["fault_load"]["forks"] = forks[0]
        print_fault_load(report["fault_load"])
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print("\nwritten: %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
