"""ansible-doc shows every option and every return value the plugins really use."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from ansible_collections.volume_licensing.kms.plugins.action.office_kms_info import ARGUMENT_SPEC as INFO_SPEC

from tests.integration.conftest import BIN, ROOT, run_playbook
from tests.simlab.lab import Lab

# Keys every Ansible result may carry that a module does not document.
STANDARD_KEYS = {
    "failed", "skipped", "exception", "_ansible_no_log", "_ansible_verbose_always", "_ansible_verbose_override",
}


def ansible_doc(name: str, plugin_type: str = "module") -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    out = subprocess.run([str(BIN / "ansible-doc"), "-t", plugin_type, "-j", name], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[name]


@pytest.fixture(scope="module")
def info_doc():
    return ansible_doc("volume_licensing.kms.office_kms_info")


def test_every_option_is_documented_with_its_type_and_default(info_doc):
    options = info_doc["doc"]["options"]
    assert set(options) == set(INFO_SPEC)
    for name, spec in INFO_SPEC.items():
        assert options[name]["type"] == spec["type"], name
        assert options[name].get("default") == spec.get("default"), name
        assert options[name]["description"], name


def test_module_docs_have_examples_and_attributes(info_doc):
    assert "volume_licensing.kms.office_kms_info:" in info_doc["examples"]
    assert info_doc["doc"]["attributes"]["check_mode"]["support"] == "full"
    assert info_doc["doc"]["attributes"]["platform"]["platforms"] == "windows"


def documented(returns: dict) -> dict:
    return {key: set((value.get("contains") or {}).keys()) for key, value in returns.items()}


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
    docs = documented(info_doc["return"])
    seen = 0
    for record in run.records:
        result = record["result"]
        for key in set(result) - STANDARD_KEYS:
            assert key in docs, "return value %r is not documented" % key
            value = result[key]
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict) and docs[key]:
                    assert set(item) <= docs[key], "undocumented keys under %s: %s" % (key, set(item) - docs[key])
                    seen += 1
    assert seen > 5  # products, host, office and kms_reachability were really checked


def test_filter_is_documented():
    doc = ansible_doc("volume_licensing.kms.office_kms_summary", "filter")
    assert "office_kms_info" in " ".join(doc["doc"]["description"])
