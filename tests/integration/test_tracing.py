"""The trace (issue 22 item 6), end to end through ansible-playbook: at -vvv each program a host
is sent shows, under that host's name, one line per operation (id, kind, class and method or
what it reads, arguments with secret values masked to the last five characters), then one line
per result (status, HRESULT with its name, and how long the operation took on the host); at
-vvvvv the program's JSON (masked) and the reply's JSON as well; at the default verbosity
none of it.

What the trace is checked against comes from elsewhere: the programs the lab's host received
(Lab.commands), the lab's cost per CIM call (scenario.Latency: a duration shorter than it was
not measured on the host), and a fault that makes Activate fail with 0xC004F074. Whether any
form of the key shows at each verbosity is test_secrets.py's business; here the key is also
checked for in clear.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import Run, kms_playbook, run_playbook
from tests.integration.test_secrets import PRODUCT_KEY, SHOWN
from tests.simlab import scenario
from tests.simlab.lab import Lab

HOST = "pc16-lab"  # Office LTSC 2024 ProPlus with its KMS client key, not activated
KMS = "kms.campus.example"
COST = 40  # milliseconds each CIM query or method call costs the lab's hosts
TRACE = re.compile(r"^<%s> (volume_licensing\.kms, .*|  \d+\. .*)$" % HOST, re.M)


@pytest.fixture
def traced_lab():
    """The default lab, every CIM call costing COST ms, PRODUCT_KEY known as ProPlus 2024's, and
    Activate failing on HOST with SL_E_VL_BINDING_SERVICE_UNAVAILABLE."""
    data = yaml.safe_load(Path(scenario.scenario_path("default")).read_text())
    parsed = scenario.parse(data)
    parsed.known_keys[PRODUCT_KEY] = data["catalogue"]["office24-proplus-kms"]
    with Lab(parsed, latency=scenario.Latency(cim_ms=COST)) as running:
        running.state(HOST).faults["cim_errors"] = [{"method": "Activate", "hresult": 0xC004F074}]
        yield running


def install_key(lab: Lab, tmp_path: Path, *verbosity: str) -> Run:
    """office_kms with a product key on HOST (the key from an extra-vars file)."""
    extra = tmp_path / "key.yml"
    extra.write_text(yaml.safe_dump({"key": PRODUCT_KEY}))
    playbook = kms_playbook(kms_host=KMS, product_key='"{{ key }}"', products="[ProPlus2024Volume]")
    run = run_playbook(lab, playbook, tmp_path, "--limit", HOST, *verbosity, "-e", "@%s" % extra)
    record = run.result(HOST, "kms")
    assert record["status"] == "failed" and record["result"]["error_code"] == "0xC004F074", record
    return run


def traced_calls(stdout: str) -> list[dict]:
    """The trace, call by call: each call's header lines and its numbered lines, as
    {"sent": header, "operations": [...], "answered": header, "results": [...]}."""
    calls: list[dict] = []
    for line in TRACE.findall(stdout):
        if line.startswith("volume_licensing.kms, "):
            if ": sending " in line:
                calls.append({"sent": line, "operations": [], "answered": None, "results": []})
            elif re.search(r": \d+ results, \d+ ms round trip$", line):
                calls[-1]["answered"] = line
            else:
                calls[-1].setdefault("json", []).append(line)
        else:
            calls[-1]["results" if calls[-1]["answered"] else "operations"].append(line)
    return calls


def numbered(lines: list[str]) -> list[tuple[str, str]]:
    """(id, the rest) of each "  N. <id>: <rest>" line, checking that N counts from 1."""
    found = []
    for index, line in enumerate(lines, 1):
        number, _unused, rest = line.strip().partition(". ")
        assert number == str(index), line
        found.append(tuple(rest.split(": ", 1)))
    return found


def test_vvv_shows_each_operation_and_each_result_with_its_hresult_and_duration(traced_lab, tmp_path):
    run = install_key(traced_lab, tmp_path, "-vvv")
    programs = [command["program"]["operations"] for command in traced_lab.commands(HOST)]
    calls = traced_calls(run.stdout)
    assert len(programs) == len(calls) >= 2  # the read, then the write

    for program, call in zip(programs, calls, strict=True):
        assert call["sent"].endswith(": sending %d operations" % len(program)), call["sent"]
        # one line per operation, in the program's order, with its kind
        assert [(op_id, rest.split(" ", 1)[0]) for op_id, rest in numbered(call["operations"])] == [
            (op["id"], op["op"]) for op in program]
        for op, (_unused, rest) in zip(program, numbered(call["operations"]), strict=True):
            if op["op"] in ("cim_query", "cim_invoke"):
                assert op["class"] in rest, rest
            if op["op"] == "cim_invoke":
                assert "%s.%s(" % (op["class"], op["method"]) in rest, rest
        # one line per result: its status, and for each operation that ran, the time it took
        assert call["answered"].endswith("%d results, " % len(program) + call["answered"].rsplit(", ", 1)[1])
        results = dict(numbered(call["results"]))
        assert list(results) == [op["id"] for op in program]
        for op in program:
            status = results[op["id"]].split(",")[0]
            assert status in ("ok", "error", "skipped"), results[op["id"]]
            assert (re.search(r", \d+ ms\b", results[op["id"]]) is None) == (status == "skipped"), results[op["id"]]
        assert "json" not in call  # no JSON below -vvvvv

    write = programs[-1]
    results = dict(numbered(calls[-1]["results"]))
    operations = dict(numbered(calls[-1]["operations"]))
    [install] = [op for op in write if op.get("method") == "InstallProductKey"]
    [activate] = [op for op in write if op.get("method") == "Activate"]
    # the key, masked to its last five, in the call's line
    assert operations[install["id"]] == ('cim_invoke SoftwareLicensingService.InstallProductKey(ProductKey="*****-%s") '
                                         "on the first instance" % SHOWN)
    assert PRODUCT_KEY not in run.stdout and PRODUCT_KEY.replace("-", "") not in run.stdout
    # the failed activation: its HRESULT, its name, and how long it took on the host
    failed = re.fullmatch(r"error, 0xC004F074 SL_E_VL_BINDING_SERVICE_UNAVAILABLE, (\d+) ms: .+",
                          results[activate["id"]])
    assert failed, results[activate["id"]]
    # durations measured on the host: each method call reads its instance first (one CIM call
    # of COST ms, then the call), host facts make no CIM call at all
    assert int(failed.group(1)) >= COST
    assert int(re.fullmatch(r"ok, (\d+) ms", results[install["id"]]).group(1)) >= COST
    read = dict(numbered(calls[0]["results"]))
    [facts] = [op["id"] for op in programs[0] if op["op"] == "host_facts"]
    assert int(re.fullmatch(r"ok, (\d+) ms", read[facts]).group(1)) < COST


def test_vvvvv_shows_the_program_masked_and_the_reply(traced_lab, tmp_path):
    run = install_key(traced_lab, tmp_path, "-vvvvv")
    programs = [command["program"] for command in traced_lab.commands(HOST)]
    calls = traced_calls(run.stdout)
    assert len(programs) == len(calls) >= 2
    for program, call in zip(programs, calls, strict=True):
        assert call["operations"] and call["results"]  # -vvv's lines are there too
        shown_program, shown_reply = call["json"]
        sent = json.loads(shown_program.split(": the program: ", 1)[1])
        for op in program["operations"]:
            for argument in op.get("arguments") or []:
                if argument["name"] == "ProductKey":
                    assert argument["value"] == PRODUCT_KEY  # what the host was sent ...
                    argument["value"] = "*****-" + SHOWN  # ... and what the trace shows of it
        assert sent == program
        reply = json.loads(re.search(r": the reply \(exit code \d+\): (.*)$", shown_reply).group(1))
        assert [r["id"] for r in reply["results"]] == [op["id"] for op in program["operations"]]
        assert all(isinstance(r["ms"], int) for r in reply["results"] if r["status"] != "skipped")
    assert any('"ProductKey","type":"string","value":"*****-%s"' % SHOWN in line for line in calls[-1]["json"])
    assert PRODUCT_KEY not in run.stdout and PRODUCT_KEY.replace("-", "") not in run.stdout


def test_the_default_verbosity_shows_none_of_it(traced_lab, tmp_path):
    run = install_key(traced_lab, tmp_path)
    assert len(traced_lab.commands(HOST)) >= 2  # both calls were made
    for text in (run.stdout, run.stderr):
        assert "volume_licensing.kms, " not in text
        assert "*****-" + SHOWN not in text and "SoftwareLicensingService.InstallProductKey(" not in text
        assert "the program: " not in text and '"executor"' not in text
