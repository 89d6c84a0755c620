"""A 10-host run of the benchmark, so that `make bench` keeps working. Figures are printed
by the benchmark; this test checks what ran, never how long it took."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.integration.conftest import ROOT

# Per host, from the lab: (WS-Man Command requests, CIM queries on the licensing classes,
# CIM method calls, KMS contacts). A compliant host costs one command and two licensing
# queries (the service and its products: osppsvc's classes are not queried where that
# service is not installed), through the module or through the playbook. Before each method
# call the executor finds its instance with Get-CimInstance -Filter, one more query each.
WORK = {
    "a": (1, 2, 0, 0),   # inspect only
    "b": (2, 6, 3, 2),   # inspect + apply (set host, activate, refresh, each after its lookup;
                         # reach test, activation) and the re-read
    "c": (1, 0, 0, 0),   # one raw command
    "d": (3, 3, 2, 1),   # /sethst, /act, /dstatus (the lab's ospp.vbs reads and calls as the script does)
    "e": (1, 2, 0, 0),
    "f": (2, 6, 3, 2),
    "g": (2, 9, 6, 3),   # the same with Windows in the same read and apply (one task for both)
    "h": (1, 2, 0, 0),   # Office and Windows both compliant: one read of both (one task for both)
}


def test_benchmark_runs_every_case_on_a_small_fleet(tmp_path):
    output = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--sizes", "10", "--forks", "5",
                           "--rtt-ms", "0", "5", "--cim-ms", "1", "--cim-licensing-ms", "2",
                           "--powershell-start-ms", "1",
                           "--fault-hosts", "18", "--fault-share", "0.5", "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(output.read_text())
    costs = {"powershell_start_ms": 1.0, "cim_ms": 1.0, "cim_licensing_ms": 2.0}
    assert report["machine"]["cpus"] and report["forks"] == [5] and report["costs"] == costs
    [size] = report["sizes"]
    assert (size["hosts"], size["forks"], sorted(size["rtt"])) == (10, 5, ["0", "5"])
    assert {key: size[key] for key in costs} == costs
    for rtt, row in size["rtt"].items():
        for case, work in WORK.items():
            result = row[case]
            assert (result["rc"], result["failed_hosts"], result["recap_hosts"]) == (0, 0, 10), (rtt, case, result)
            per_host = result["per_host"]
            assert (per_host["commands"], per_host["licensing_queries"], per_host["cim_methods"],
                    per_host["kms_contacts"]) == work, (rtt, case, per_host)
            assert per_host["http_requests"] >= 5 * per_host["commands"]  # Command, Send, Receive, Signal...
            assert result["wall_seconds"] > 0 and result["controller_cpu_seconds"] > 0
        assert set(row["ratios"]) == {"a/c", "e/c", "d/a", "f/b", "g/f", "h/e"}
        assert all(value > 0 for value in row["ratios"].values())
    assert "(a/c) =" in proc.stdout and "(h/e) =" in proc.stdout
    assert "per host: cmd = WS-Man Command requests" in proc.stdout
    assert "10 hosts, 5 forks (PowerShell start 1 ms per command; CIM 1 ms per query or method call, 2 ms on the " \
           "licensing classes)" in proc.stdout
    # The fault load, one faulted host per kind: each reported as its kind should be, every
    # healthy host done, and the whole fleet activated once the faults are cleared.
    faults = report["fault_load"]
    assert (faults["hosts"], faults["faulted"]) == (18, 9)
    assert {kind: (f["hosts"], f["as_expected"]) for kind, f in faults["kinds"].items()} == {
        kind: (1, 1) for kind in ("hang", "http_500", "http_401", "drop_before_run", "drop_after_run", "garbled",
                                  "access_denied", "service_missing", "kms_refusal")}
    assert faults["healthy_done"] == faults["healthy"] == 9
    assert (faults["converged"], faults["second_run_failed"]) == (18, 0)
    assert "fault load: 18 hosts, 9 faulted" in proc.stdout
