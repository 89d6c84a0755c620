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
    # pywinrm with Kerberos; the collection's own requirements.txt is read from the installed
    # collection by the build's introspection (tests/integration/test_ee.py runs it).
    assert requirement_lines(ee_context / "_build" / "requirements.txt") == requirement_lines(
        ROOT / "requirements-kerberos.txt")
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
                   "plugins/plugin_utils/kms_action.py",
                   "plugins/modules/office_kms.py", "plugins/module_utils/kms_executor.ps1",
                   "plugins/module_utils/kms_bootstrap.ps1", "roles/office_kms/tasks/main.yml",
                   "meta/runtime.yml"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith((".venv", "collections/", ".ruff_cache", "build/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


SURVEY = ROOT / "docs" / "awx-survey.json"
# Survey variable -> the role variable it sets when answered (playbooks/activate.yml).
ROLE_VARIABLES = {"office_kms_survey_host": "office_kms_host", "office_kms_survey_port": "office_kms_port",
                  "office_kms_survey_renew_below_days": "office_kms_renew_below_days"}
BLANK = object()  # a question left blank


def test_survey_is_one_awx_accepts():
    survey = json.loads(SURVEY.read_text())
    assert survey["name"] and survey["description"] and isinstance(survey["spec"], list) and survey["spec"]
    variables = [q["variable"] for q in survey["spec"]]
    assert len(variables) == len(set(variables))
    for question in survey["spec"]:
        assert {"question_name", "variable", "type", "required"} <= set(question)
        assert question["type"] in SURVEY_TYPES
        if "default" in question and question["type"] == "integer":
            assert question["min"] <= question["default"] <= question["max"]
        if "default" in question and question["type"] == "text":
            assert question["min"] <= len(question["default"]) <= question["max"]


def test_survey_variables_map_onto_the_role_s_with_the_same_limits():
    survey = {q["variable"]: q for q in json.loads(SURVEY.read_text())["spec"]}
    spec = yaml.safe_load((ROOT / "roles/office_kms/meta/argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    playbook = (ROOT / "playbooks/activate.yml").read_text()
    assert set(survey) == set(ROLE_VARIABLES) | {"office_kms_limit"}
    assert "office_kms_limit" in playbook
    for variable, role_variable in ROLE_VARIABLES.items():
        question = survey[variable]
        # No default and not required: a default would land in the extra vars and beat the
        # inventory's value on every run.
        assert "default" not in question and question["required"] is False, variable
        assert role_variable in options, role_variable
        # The role's numbers are type raw: office_kms checks them with its one rule (issue 21).
        assert {"integer": "raw", "text": "str"}[question["type"]] == options[role_variable]["type"]
        assert "%s: \"{{ %s" % (role_variable, variable) in playbook
    assert (survey["office_kms_survey_port"]["min"], survey["office_kms_survey_port"]["max"]) == (1, 65535)
    assert (survey["office_kms_survey_renew_below_days"]["min"],
            survey["office_kms_survey_renew_below_days"]["max"]) == (0, 180)


def awx_extra_vars(survey: dict, answers: dict, blank: object) -> dict:
    """The extra vars AWX gives a job launched from this survey (awx/main/models/mixins.py,
    SurveyJobTemplateMixin._update_unified_job_kwargs): every question's default that passes
    the question's own validation, then the answers given at launch on top. A question left
    blank reaches the extra vars as ``blank``: omitted (newest AWX), "" (AWX 17 to 24's user
    interface) or null (AWX 24.6's API)."""
    extra_vars = {}
    for question in survey["spec"]:
        default = question.get("default")
        if default is not None:
            extra_vars[question["variable"]] = default
    for variable, value in answers.items():
        if value is not BLANK:
            extra_vars[variable] = value
        elif blank is not BLANK:
            extra_vars[variable] = blank
    return extra_vars


@pytest.mark.parametrize("blank", [BLANK, "", None], ids=["omitted", "empty", "null"])
def test_survey_left_blank_keeps_the_inventory_s_kms_host(lab, ansible, tmp_path, blank):
    survey = json.loads(SURVEY.read_text())
    answers = {"office_kms_survey_host": BLANK, "office_kms_survey_port": BLANK,
               "office_kms_survey_renew_below_days": BLANK, "office_kms_limit": "pc16-lab"}
    extra = tmp_path / "extra_vars.json"
    extra.write_text(json.dumps(awx_extra_vars(survey, answers, blank)))
    # The inventory names a KMS host, and a port and threshold of its own for this PC.
    run = ansible(lab, "playbooks/activate.yml", "-e", "@%s" % extra,
                  host_vars={"pc16-lab": {"office_kms_port": 1688, "office_kms_renew_below_days": 45}})
    assert run.rc == 0, run.stdout[-3000:]
    assert [r["host"] for r in run.records if r["task"].endswith("activate what needs it")] == ["pc16-lab"]
    [product] = [p for p in lab.state("pc16-lab").products if p["Name"].startswith("Office") and p["PartialProductKey"]]
    assert (product["KeyManagementServiceMachine"], product["LicenseStatus"]) == (lab.inventory()["all"]["vars"][
        "office_kms_host"], 1)


def test_survey_answers_replace_the_inventory_s_values(lab, ansible, tmp_path):
    survey = json.loads(SURVEY.read_text())
    answers = {"office_kms_survey_host": "kms-v6.campus.example", "office_kms_survey_port": 1688,
               "office_kms_survey_renew_below_days": 0, "office_kms_limit": "pc16-lab:pc17-lab"}
    extra = tmp_path / "extra_vars.json"
    extra.write_text(json.dumps(awx_extra_vars(survey, answers, "")))
    run = ansible(lab, "playbooks/activate.yml", "-e", "@%s" % extra)
    assert run.rc == 0, run.stdout[-3000:]
    # The answer is set once for the play (run_once), and applies to every host in it.
    for host in ("pc16-lab", "pc17-lab"):
        [product] = [p for p in lab.state(host).products if p["Name"].startswith("Office") and p["PartialProductKey"]]
        assert (product["KeyManagementServiceMachine"], product["LicenseStatus"]) == ("kms-v6.campus.example", 1)

    # pc08 has 10 days left: a renewal threshold of 5 from the survey leaves it alone, the
    # inventory's 30 (the question left blank) renews it.
    for renew, changed in ((5, False), (BLANK, True)):
        answers = {"office_kms_survey_host": BLANK, "office_kms_survey_port": BLANK,
                   "office_kms_survey_renew_below_days": renew, "office_kms_limit": "pc08-expiring"}
        extra.write_text(json.dumps(awx_extra_vars(survey, answers, "")))
        run = ansible(lab, "playbooks/activate.yml", "-e", "@%s" % extra)
        assert run.rc == 0, run.stdout[-3000:]
        [record] = [r for r in run.records if r["task"].endswith("activate what needs it")]
        assert record["result"]["changed"] is changed, (renew, record["result"]["msg"])


@pytest.mark.parametrize("port", ["1e3", "+1688", "１６８８"])
def test_a_survey_port_reaches_the_check_as_answered(lab, ansible, tmp_path, port):
    """A port answer is not converted on the way (Jinja's int would make "1e3" 1000): the
    role's or the module's check refuses it, and nothing reaches the host."""
    survey = json.loads(SURVEY.read_text())
    answers = {"office_kms_survey_host": BLANK, "office_kms_survey_port": port,
               "office_kms_survey_renew_below_days": BLANK, "office_kms_limit": "pc17-lab"}
    extra = tmp_path / "extra_vars.json"
    extra.write_text(json.dumps(awx_extra_vars(survey, answers, "")))
    run = ansible(lab, "playbooks/activate.yml", "-e", "@%s" % extra)
    assert run.rc != 0
    [refusal] = [r for r in run.records if r["host"] == "pc17-lab" and r["status"] == "failed"]
    assert "kms_port" in refusal["result"]["msg"] and port in refusal["result"]["msg"], refusal["result"]["msg"]
    assert lab.commands("pc17-lab") == []
