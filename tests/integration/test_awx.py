"""AWX / Automation Platform: the execution environment's build context and the survey."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import BIN, ROOT

SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


@pytest.fixture(scope="module")
def ee_context():
    """Build the collection and the ansible-builder context exactly as `make ee` does."""
    build = ROOT / "build"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir()
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(build), "."],
                   cwd=ROOT, check=True, capture_output=True)
    [tarball] = build.glob("volume_licensing-kms-*.tar.gz")
    tarball.rename(build / "volume_licensing-kms.tar.gz")
    subprocess.run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "build/ee"],
                   cwd=ROOT, check=True, capture_output=True)
    return build / "ee"


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_context_installs_ansible_core_pywinrm_and_the_collection(ee_context):
    containerfile = next(p for p in (ee_context / "Containerfile", ee_context / "Dockerfile") if p.exists())
    text = containerfile.read_text()
    core = next(r for r in requirement_lines(ROOT / "requirements.txt") if r.startswith("ansible-core"))
    assert 'ARG ANSIBLE_INSTALL_REFS="%s ansible-runner"' % core in text
    assert "ansible-galaxy collection install" in text
    assert requirement_lines(ee_context / "_build" / "requirements.txt") == requirement_lines(ROOT / "requirements.txt")
    galaxy = yaml.safe_load((ee_context / "_build" / "requirements.yml").read_text())
    assert galaxy == {"collections": [{"name": "collection/volume_licensing-kms.tar.gz", "type": "file"}]}


def test_context_carries_the_whole_collection_and_nothing_else(ee_context):
    meta = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    with tarfile.open(ee_context / "_build" / "collection" / "volume_licensing-kms.tar.gz") as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (
        meta["namespace"], meta["name"], meta["version"])
    for needed in ("plugins/action/office_kms.py", "plugins/action/office_kms_info.py",
                   "plugins/modules/office_kms.py", "plugins/module_utils/kms_executor.ps1",
                   "plugins/module_utils/kms_bootstrap.ps1", "roles/office_kms/tasks/main.yml",
                   "meta/runtime.yml"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith((".venv", "collections/", ".ruff_cache", "build/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_survey_is_one_awx_accepts():
    survey = json.loads((ROOT / "docs" / "awx-survey.json").read_text())
    assert survey["name"] and isinstance(survey["spec"], list) and survey["spec"]
    variables = [q["variable"] for q in survey["spec"]]
    assert len(variables) == len(set(variables))
    for question in survey["spec"]:
        assert {"question_name", "variable", "type", "required"} <= set(question)
        assert question["type"] in SURVEY_TYPES
        if question["type"] == "integer":
            assert question["min"] <= question["default"] <= question["max"]
        if question["type"] == "text":
            assert question["min"] <= len(question["default"]) <= question["max"]


def test_survey_variables_are_the_role_s_with_the_same_limits():
    survey = {q["variable"]: q for q in json.loads((ROOT / "docs" / "awx-survey.json").read_text())["spec"]}
    spec = yaml.safe_load((ROOT / "roles/office_kms/meta/argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((ROOT / "roles/office_kms/defaults/main.yml").read_text())
    for variable, question in survey.items():
        if variable == "office_kms_limit":
            assert "office_kms_limit" in (ROOT / "playbooks/activate.yml").read_text()
            continue
        assert variable in options, variable
        assert question["default"] == defaults[variable]
        assert {"integer": "int", "text": "str"}[question["type"]] == options[variable]["type"]
    assert (survey["office_kms_port"]["min"], survey["office_kms_port"]["max"]) == (1, 65535)
    assert (survey["office_kms_renew_below_days"]["min"], survey["office_kms_renew_below_days"]["max"]) == (0, 180)
