"""ansible-doc shows every option and every return value the plugins really use."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from ansible_collections.volume_licensing.kms.plugins.action.office_kms_report import SPEC as REPORT_SPEC
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import SPECS

from tests.integration.conftest import BIN, ROOT, run_playbook
from tests.simlab.lab import Lab

# Keys every Ansible result may carry that a module does not document.
# Ansible's common return values (warnings: shown by Ansible as [WARNING] lines).
STANDARD_KEYS = {
    "failed", "skipped", "exception", "warnings", "_ansible_no_log", "_ansible_verbose_always",
    "_ansible_verbose_override",
}


def ansible_doc(name: str, plugin_type: str = "module") -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    out = subprocess.run([str(BIN / "ansible-doc"), "-t", plugin_type, "-j", name], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[name]


KMS_SPEC = SPECS["office_kms"]
MODULES = {name: SPECS[name] for name in ("office_kms_info", "office_kms", "windows_kms")}
# The option specs of every module, as options.SPECS holds them.
ALL_SPECS = {**MODULES, "office_kms_report": REPORT_SPEC}


@pytest.fixture(scope="module")
def info_doc():
    return ansible_doc("volume_licensing.kms.office_kms_info")


@pytest.mark.parametrize("module", ALL_SPECS)
def test_every_option_is_documented_with_its_type_and_default(module):
    doc = ansible_doc("volume_licensing.kms.%s" % module)
    options = doc["doc"]["options"]
    spec = ALL_SPECS[module]
    assert set(options) == set(spec)
    for name, option in spec.items():
        assert options[name]["type"] == option["type"], name
        assert options[name].get("default") == option.get("default"), name
        assert options[name].get("choices") == option.get("choices"), name
        assert options[name].get("elements") == option.get("elements"), name
        assert bool(options[name].get("no_log")) is False  # no_log belongs to the spec, not the docs
        assert options[name]["description"], name


@pytest.mark.parametrize("module", MODULES)
def test_module_docs_have_examples_and_attributes(module):
    doc = ansible_doc("volume_licensing.kms.%s" % module)
    assert "volume_licensing.kms.%s:" % module in doc["examples"]
    assert doc["doc"]["attributes"]["check_mode"]["support"] == "full"
    assert doc["doc"]["attributes"]["platform"]["platforms"] == "windows"


def test_secret_option_is_no_log():
    assert KMS_SPEC["product_key"]["no_log"] is True


def documented(returns: dict) -> dict:
    return {key: set((value.get("contains") or {}).keys()) for key, value in returns.items()}


def check_documented(returns: dict, records: list[dict]) -> int:
    """Assert every key of every recorded result is documented; returns how many nested
    dictionaries were checked."""
    docs = documented(returns)
    seen = 0
    for record in records:
        result = record["result"]
        for key in set(result) - STANDARD_KEYS:
            assert key in docs, "return value %r is not documented" % key
            value = result[key]
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict) and docs[key]:
                    assert set(item) <= docs[key], "undocumented keys under %s: %s" % (key, set(item) - docs[key])
                    seen += 1
    return seen


def test_every_office_kms_return_value_is_documented(tmp_path):
    playbook = """
- hosts: all
  gather_facts: false
  tasks:
    - name: check
      volume_licensing.kms.office_kms:
        kms_host: kms.campus.example
      check_mode: true
      diff: true
    - name: good
      volume_licensing.kms.office_kms:
        kms_host: kms.campus.example
        requirements: warn
        min_memory_mb: 32768
    - name: failing
      volume_licensing.kms.office_kms:
        kms_host: kms.campus.example
        force: true
        check_reachable: false
      ignore_errors: true
"""
    doc = ansible_doc("volume_licensing.kms.office_kms")
    with Lab.from_scenario("default") as lab:
        lab.kms("kms.campus.example").activation_error = 0xC004F038
        hosts = "pc01-ltsc2024-visio,pc06-mak,pc07-activated"
        run = run_playbook(lab, playbook, tmp_path, "--limit", hosts)
    assert {r["status"] for r in run.records} == {"ok", "failed"}
    assert check_documented(doc["return"], run.records) > 5


def test_every_windows_kms_return_value_is_documented(tmp_path):
    playbook = """
- hosts: all
  gather_facts: false
  tasks:
    - name: check
      volume_licensing.kms.windows_kms:
        kms_host: kms.campus.example
      check_mode: true
      diff: true
    - name: good
      volume_licensing.kms.windows_kms:
        kms_host: kms.campus.example
    - name: failing
      volume_licensing.kms.windows_kms:
        kms_host: kms.campus.example
        force: true
        check_reachable: false
      ignore_errors: true
"""
    doc = ansible_doc("volume_licensing.kms.windows_kms")
    with Lab.from_scenario("windows") as lab:
        run = run_playbook(lab, playbook, tmp_path, "--limit", "win11-edu,win11-ad,win11-mak")
        lab.kms("kms.campus.example").activation_error = 0xC004F038
        failing = run_playbook(lab, playbook, tmp_path, "--limit", "win11-edu")
    records = run.records + failing.records
    assert {r["status"] for r in records} == {"ok", "failed"}
    assert check_documented(doc["return"], records) > 5


def test_every_returned_value_is_documented(info_doc, tmp_path):
    playbook = """
- hosts: all
  gather_facts: false
  tasks:
    - name: good
      volume_licensing.kms.office_kms_info:
        kms_host: kms.campus.example
    - name: bad
      volume_licensing.kms.office_kms_info:
        kms_port: 0
      ignore_errors: true
"""
    with Lab.from_scenario("default") as lab:
        hosts = "pc01-ltsc2024-visio,pc12-m365-apps,pc04-office2016-msi-x86"
        run = run_playbook(lab, playbook, tmp_path, "--limit", hosts)
    assert check_documented(info_doc["return"], run.records) > 5  # products, host, office, reachability


def test_filter_is_documented():
    doc = ansible_doc("volume_licensing.kms.office_kms_summary", "filter")
    assert "office_kms_info" in " ".join(doc["doc"]["description"])
