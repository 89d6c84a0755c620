"""A 10-host run of the benchmark, so that `make bench` keeps working. Figures are printed
by the benchmark; this test checks what ran, never how long it took."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.integration.conftest import ROOT

CASES = {
    "a_office_kms_compliant": 1,          # inspect only
    "b_office_kms_needs_activation": 2,   # inspect + apply
    "c_raw_floor": 1,                     # one raw command
    "d_naive_ospp": 3,                    # /sethst, /act, /dstatus
}


def test_benchmark_runs_every_case_on_a_small_fleet(tmp_path):
    output = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--sizes", "10", "--forks", "5",
                           "--fault-hosts", "18", "--fault-share", "0.5", "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(output.read_text())
    assert report["machine"]["cpus"] and report["forks"] == 5
    [size] = report["sizes"]
    assert size["hosts"] == 10
    for case, calls in CASES.items():
        result = size[case]
        assert (result["rc"], result["failed_hosts"]) == (0, 0), (case, result)
        assert result["remote_calls_per_host"] == calls, case
        assert result["wall_seconds"] > 0 and result["controller_cpu_seconds"] > 0
    assert size["ratio_a_over_c"] > 0 and size["ratio_d_over_a"] > 0
    assert "(a)/(c) =" in proc.stdout
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
