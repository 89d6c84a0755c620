"""AWX for real: the playbooks run through ansible-runner, the engine AWX and Automation
Platform hand every job to, laid out as AWX lays out a job (awx/main/tasks/jobs.py, RunJob):

- ``project/``: a copy of the project (AWX copies the synced project into each job);
- ``inventory/hosts``: an executable script printing the inventory as JSON, hosts ordered by
  name and, for a sliced job, only slice N of M: ``hosts[N-1::M]``
  (Inventory.get_sliced_hosts);
- ``env/extravars``: AWX's meta variables (``awx_job_id``, ...) and the survey's answers, every
  string tagged ``!unsafe`` (AWX's safe_dump: survey answers are never templated);
- ``env/cmdline``: ``-u <machine credential user> --ask-pass --forks=N``, and the machine
  credential's password given to the ``SSH password:`` prompt (runner's pexpect passwords,
  which runner keeps in ``env/passwords``: an input of the job, never an artifact);
- process isolation off, the project's virtual environment as the execution environment.

What AWX shows and keeps is read back from runner: the job's status, the per-host events, and
the ``playbook_on_stats`` event's ``artifact_data`` (the ``set_stats`` data a workflow's next
node receives as extra vars).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
import yaml

from tests.integration.conftest import BIN, ROOT
from tests.integration.test_secrets import PASSWORD, PRODUCT_KEY, SHOWN, forms, leaks
from tests.simlab import scenario
from tests.simlab.lab import Lab

ACTIVATE = "playbooks/activate.yml"
ACT_TASK = "Point Office at the KMS host and activate what needs it"
SURVEY = json.loads((ROOT / "docs" / "awx-survey.json").read_text())
FAILING = {"pc10-underpowered", "pc15-clock-skew"}  # the default scenario's two PCs that fail on purpose


class Unsafe(str):
    """A string AWX marks !unsafe in env/extravars."""


class _AwxDumper(yaml.SafeDumper):
    pass


_AwxDumper.add_representer(Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value)))


def awx_extravars(variables: dict[str, Any]) -> str:
    """extravars as AWX writes them: strings !unsafe, numbers and booleans as they are."""
    return yaml.dump({k: Unsafe(v) if isinstance(v, str) else v for k, v in variables.items()}, Dumper=_AwxDumper,
                     default_flow_style=False)


def survey_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The extra vars AWX adds for a survey: each question's answer, or its default when the
    question was left unanswered and has one (questions with neither are left out)."""
    out = {}
    for question in SURVEY["spec"]:
        name = question["variable"]
        if name in answers:
            out[name] = answers[name]
        elif question.get("default") not in (None, ""):
            out[name] = question["default"]
    return out


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The synced project: the repository's tracked files, and the collection link make makes."""
    root = tmp_path_factory.mktemp("project") / "project"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    link = root / "collections" / "ansible_collections" / "volume_licensing" / "kms"
    link.parent.mkdir(parents=True)
    link.symlink_to("../../..")
    return root


@dataclass
class Job:
    runner: Any
    private: Path

    @property
    def events(self) -> list[dict[str, Any]]:
        return list(self.runner.events)

    def artifact_data(self) -> dict[str, Any]:
        [stats] = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        return stats["event_data"].get("artifact_data", {})

    def host_results(self, task: str) -> dict[str, dict[str, Any]]:
        """Per host, the event and result of ``task`` (role tasks are "<role> : <task>")."""
        found = {}
        for event in self.events:
            data = event.get("event_data", {})
            if event.get("event", "").startswith("runner_on_") and str(data.get("task", "")).endswith(task):
                found[data["host"]] = {"event": event["event"], "result": data.get("res", {})}
        return found

    def stats(self) -> dict[str, dict[str, int]]:
        return self.runner.stats


def awx_job(lab: Lab, project: Path, playbook: str, where: Path, ident: str, *, survey: dict | None = None,
            extra: dict | None = None, slice_number: int = 1, slice_count: int = 1, forks: int = 10,
            limit: str | None = None) -> Job:
    """One AWX job: private data dir ``where/ident``, run to the end through ansible-runner."""
    private = where / ident
    (private / "env").mkdir(parents=True)
    (private / "inventory").mkdir()
    shutil.copytree(project, private / "project", symlinks=True)
    data = lab.inventory()
    group_vars = dict(data["all"]["vars"])
    user, password = group_vars.pop("ansible_user"), group_vars.pop("ansible_password")  # the machine credential's
    hosts = data["all"]["children"]["simlab"]["hosts"]
    names = sorted(hosts)
    if slice_count > 1:
        names = names[slice_number - 1::slice_count]
    script = {"all": {"vars": group_vars, "children": ["simlab", "ungrouped"]}, "simlab": {"hosts": names},
              "_meta": {"hostvars": {name: dict(hosts[name], remote_tower_enabled="true", remote_tower_id=index)
                                     for index, name in enumerate(names, 1)}}}
    inventory = private / "inventory" / "hosts"
    inventory.write_text("#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(script))
    inventory.chmod(0o700)
    meta = {"awx_job_id": int(ident.rsplit("-", 1)[-1]) if ident[-1].isdigit() else 1, "awx_job_launch_type": "manual",
            "awx_job_template_name": "Activate Office (KMS)", "awx_user_name": "helpdesk",
            "awx_inventory_name": "Lab PCs", "awx_project_revision": "0" * 40}
    if slice_count > 1:
        meta.update(awx_job_slice_number=slice_number, awx_job_slice_count=slice_count)
    (private / "env" / "extravars").write_text(awx_extravars({**meta, **(survey or {}), **(extra or {})}))
    cmdline = "-u %s --ask-pass --forks=%d" % (user, forks) + (" -l %s" % limit if limit else "")
    (private / "env" / "cmdline").write_text(cmdline)
    runner = ansible_runner.run(
        private_data_dir=str(private), playbook=playbook, ident=ident, quiet=True,
        process_isolation=False,
        passwords={r"SSH password:\s*?$": password, r"Password:\s*?$": password},
        envvars={"ANSIBLE_RETRY_FILES_ENABLED": "False", "JOB_ID": str(meta["awx_job_id"]),
                 "PATH": "%s:/usr/bin:/bin" % BIN},
        settings={"pexpect_timeout": 10, "suppress_ansible_output": True},
    )
    return Job(runner, private)


def recap(job: Job) -> dict[str, str]:
    """Each host's outcome as the job's host summary counts it."""
    stats = job.stats()
    out = {}
    for host in {h for counts in stats.values() if isinstance(counts, dict) for h in counts}:
        if stats.get("dark", {}).get(host):
            out[host] = "unreachable"
        elif stats.get("failures", {}).get(host):
            out[host] = "failed"
        elif stats.get("changed", {}).get(host):
            out[host] = "changed"
        else:
            out[host] = "ok"
    return out


# -- activate.yml: the survey, the artifacts, a schedule's second run ---------------------------

def test_activate_through_runner_with_survey_defaults_then_a_scheduled_rerun(lab, project, tmp_path):
    """The survey left at its defaults (office_kms_limit: all, no KMS host answer: the
    inventory's stands); the job fails (two PCs fail on purpose) but every other PC is done,
    and the artifacts hold the fleet summary. The schedule's next run changes nothing."""
    first = awx_job(lab, project, ACTIVATE, tmp_path, "job-1", survey=survey_answers({}))
    assert first.runner.status == "failed" and first.runner.rc == 2, first.runner.stdout.read()[-3000:]
    outcomes = recap(first)
    assert set(outcomes) == set(lab.host_names)
    assert {h for h, o in outcomes.items() if o == "failed"} == FAILING
    summary = first.artifact_data()["office_kms"]
    assert summary["failed_hosts"] == sorted(FAILING)
    assert summary["hosts"] == len(lab.host_names)
    # pc15's KMS host was set before its activation failed: counted as changed too.
    assert summary["changed_hosts"] == sorted([h for h, o in outcomes.items() if o == "changed"] + ["pc15-clock-skew"])
    assert summary["ok"] + len(summary["changed_hosts"]) + summary["failed"] - 1 == summary["hosts"]
    # Every PC got the inventory's KMS host (the survey left it alone).
    results = first.host_results(ACT_TASK)
    assert results["pc16-lab"]["result"]["kms_host"] == "kms.campus.example"

    again = awx_job(lab, project, ACTIVATE, tmp_path, "job-2", survey=survey_answers({}))
    assert {h for h, o in recap(again).items() if o == "changed"} == set()
    second = again.artifact_data()["office_kms"]
    assert (second["changed"], second["changed_hosts"]) == (0, [])
    assert second["failed_hosts"] == sorted(FAILING)


def test_survey_answers_override_the_defaults(lab, project, tmp_path):
    """Answers replace the survey's default (office_kms_limit) and the inventory's values
    (office_kms_survey_host and _port), arriving !unsafe as AWX sends them."""
    answers = survey_answers({"office_kms_limit": "pc16-lab,pc19-lab",
                              "office_kms_survey_host": "kms-v6.campus.example", "office_kms_survey_port": 1688})
    job = awx_job(lab, project, ACTIVATE, tmp_path, "job-3", survey=answers)
    extravars = (tmp_path / "job-3" / "env" / "extravars").read_text()
    assert "office_kms_survey_host: !unsafe 'kms-v6.campus.example'" in extravars
    assert "office_kms_limit: !unsafe 'pc16-lab,pc19-lab'" in extravars
    assert job.runner.status == "successful", job.runner.stdout.read()[-3000:]
    results = job.host_results(ACT_TASK)
    assert set(results) == {"pc16-lab", "pc19-lab"}
    for host in results:
        assert results[host]["result"]["kms_host"] == "kms-v6.campus.example"
        office = [p for p in lab.state(host).products if p["PartialProductKey"] and p["Name"].startswith("Office")]
        assert office and all(p["KeyManagementServiceMachine"] == "kms-v6.campus.example" for p in office), office
    assert job.artifact_data()["office_kms"]["hosts"] == 2


# -- slicing ----------------------------------------------------------------------------------

def test_three_slices_run_concurrently_add_up_to_one_job(project, tmp_path):
    """A sliced job template (job_slice_count: 3): three runner jobs at once, each on
    hosts[N-1::3] by name; their hosts partition the inventory, their outcomes are those of a
    single job over the same PCs, and their fleet summaries add up to its summary."""
    with Lab.from_scenario("default") as single_lab:
        single = awx_job(single_lab, project, ACTIVATE, tmp_path / "single", "job-10")
        commands = {host: single_lab.requests(host).count("Command") for host in single_lab.host_names}
    with Lab.from_scenario("default") as lab:
        jobs: dict[int, Job] = {}

        def run(number: int) -> None:
            jobs[number] = awx_job(lab, project, ACTIVATE, tmp_path / "sliced", "job-1%d" % number,
                                   slice_number=number, slice_count=3, forks=5)

        threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        names = sorted(lab.host_names)
        for number, job in jobs.items():
            assert set(recap(job)) == set(names[number - 1::3]), number
        union = {h: o for job in jobs.values() for h, o in recap(job).items()}
        assert union == recap(single)
        parts = [job.artifact_data()["office_kms"] for job in jobs.values()]
        whole = single.artifact_data()["office_kms"]
        for key in ("hosts", "changed", "ok", "failed"):
            assert sum(int(p[key]) for p in parts) == int(whole[key]), key
        for key in ("failed_hosts", "changed_hosts"):
            assert sorted(h for p in parts for h in p[key]) == whole[key], key
        assert [job.artifact_data()["office_kms"]["state"] for job in jobs.values()] == ["activated"] * 3
        # Each PC was worked on by its own slice only, exactly as in the single job.
        assert {host: lab.requests(host).count("Command") for host in names} == commands


# -- report.yml and image.yml ------------------------------------------------------------------

def test_report_and_image_through_runner(lab, project, tmp_path):
    report = awx_job(lab, project, "playbooks/report.yml", tmp_path, "job-20")
    assert report.runner.status == "successful", report.runner.stdout.read()[-3000:]
    written = tmp_path / "job-20" / "project" / "reports" / "kms-report.json"
    document = json.loads(written.read_text())
    assert {h["host"] for h in document["hosts"]} == set(lab.host_names)
    assert report.artifact_data()  # the report publishes its summary for AWX too

    contacts = lab.kms("kms.campus.example").contacts
    image = awx_job(lab, project, "playbooks/image.yml", tmp_path, "job-21", extra={"office_kms_product_key": "auto"},
                    limit="pc16-lab")
    results = image.host_results(ACT_TASK)
    assert set(results) == {"pc16-lab"} and results["pc16-lab"]["event"] == "runner_on_ok", results
    assert lab.kms("kms.campus.example").contacts == contacts  # an image is configured, never activated
    assert image.artifact_data()["office_kms"]["state"] == "configured"


# -- secrets ----------------------------------------------------------------------------------

def test_no_password_or_product_key_in_any_event_or_artifact_file(project, tmp_path):
    """The machine credential's password and a non-public product key (a survey password
    field arrives as an extra var) appear nowhere in the job's artifacts: not in the events,
    stdout, command or any other file runner keeps, in any encoding; the key only by its last
    five characters."""
    data = yaml.safe_load(Path(scenario.scenario_path("default")).read_text())
    data["defaults"]["password"] = PASSWORD
    parsed = scenario.parse(data)
    parsed.known_keys[PRODUCT_KEY] = data["catalogue"]["office24-proplus-kms"]
    with Lab(parsed) as lab:
        job = awx_job(lab, project, ACTIVATE, tmp_path, "job-30",
                      extra={"office_kms_product_key": PRODUCT_KEY, "office_kms_products": ["ProPlus2024Volume"]})
        record = job.host_results(ACT_TASK)["pc16-lab"]
        assert record["event"] == "runner_on_ok", record
        # pc16 has office_kms_windows: the role's one task returns Windows' product too.
        [office] = [p for p in record["result"]["products"] if p["application"] == "office"]
        assert office["steps"][0]["key"] == SHOWN
    artifacts = Path(job.runner.config.artifact_dir)
    files = [p for p in artifacts.rglob("*") if p.is_file()]
    assert any(p.parent.name == "job_events" for p in files) and (artifacts / "stdout").exists()
    haystacks = {str(p.relative_to(artifacts)): p.read_bytes() for p in files}
    needles = {"password " + k: v for k, v in forms(PASSWORD).items()}
    needles.update({"product key " + k: v for k, v in forms(PRODUCT_KEY).items()})
    assert leaks(haystacks, needles) == []
    assert leaks(haystacks, {"key without dashes": PRODUCT_KEY.replace("-", "").encode()}) == []
    assert any(SHOWN.encode() in data for data in haystacks.values())
    # Outside the artifacts, only the job's inputs hold them, as in AWX (which deletes the
    # private data dir after the job): runner's env/passwords (its prompt answers) the
    # password, env/extravars the key; nothing the playbooks wrote.
    everything = {str(p.relative_to(job.private)): p.read_bytes() for p in job.private.rglob("*")
                  if p.is_file() and p.relative_to(job.private).parts[0] != "project"}
    assert {where.split(" in ")[1] for where in leaks(everything, forms(PASSWORD))} == {"env/passwords"}
    assert [where for where, data in everything.items() if PRODUCT_KEY.encode() in data] == ["env/extravars"]
    assert PASSWORD.encode() not in (job.private / "env" / "cmdline").read_bytes()
