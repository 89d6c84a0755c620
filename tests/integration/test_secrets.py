"""Secrets stay secret: the whole demo flow (playbooks/activate.yml, then playbooks/report.yml,
as tests/simlab/demo.py runs them) at every verbosity up to -vvvvv (where the collection's own
trace shows each program and its JSON, hostops.trace_program) with a distinctive WinRM password
and a distinctive product key, and neither shows anywhere an operator or a log could see it: not
in clear, not as UTF-16LE, not base64-encoded, and not as the base64 parameter document the
scripts receive. A product key shows only as its last five characters.

The product key comes from an extra-vars FILE (-e @file.yml): with -e key=value Ansible itself
echoes the command line at -vvvv, which no plugin can prevent.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, hostops

from tests.integration.conftest import run_playbook
from tests.simlab import scenario
from tests.simlab.lab import Lab

PASSWORD = "Wr7m-Pa55-qZx!Secret-9k"  # the WinRM password of every lab host
PRODUCT_KEY = "WQ7ZP-K3YNX-TLXAK-9X2VB-J4MRT"  # not a GVLK; the lab knows it as ProPlus 2024's
SHOWN = "J4MRT"  # its last five characters: the only form allowed in output


def forms(secret: str) -> dict[str, bytes]:
    """The secret as it could leak: clear, UTF-16LE, and base64 of its UTF-8 and UTF-16LE
    bytes at each of the three alignments inside a longer base64 text (only the characters
    that depend on the secret alone)."""
    found = {"clear": secret.encode("utf-8"), "utf-16-le": secret.encode("utf-16-le")}
    for encoding in ("utf-8", "utf-16-le"):
        raw = secret.encode(encoding)
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + raw)
            found["base64 %s +%d" % (encoding, shift)] = encoded[4 if shift else 0:(shift + len(raw)) // 3 * 4]
    return found


def leaks(haystacks: dict[str, bytes], needles: dict[str, bytes]) -> list[str]:
    return ["%s in %s" % (form, where) for where, data in haystacks.items() for form, needle in needles.items()
            if needle in data]


@pytest.fixture
def secret_lab():
    """The default lab, every host's WinRM password replaced, and PRODUCT_KEY known as the
    key of Office LTSC 2024 Professional Plus (KMS client SKU)."""
    data = yaml.safe_load(Path(scenario.scenario_path("default")).read_text())
    data["defaults"]["password"] = PASSWORD
    parsed = scenario.parse(data)
    parsed.known_keys[PRODUCT_KEY] = data["catalogue"]["office24-proplus-kms"]
    with Lab(parsed) as running:
        yield running


@pytest.mark.parametrize("verbosity", ["", "-vvv", "-vvvv", "-vvvvv"])
def test_demo_flow_shows_neither_password_nor_product_key(secret_lab, tmp_path, verbosity):
    lab = secret_lab
    extra = tmp_path / "secrets.yml"
    extra.write_text(yaml.safe_dump({
        "office_kms_product_key": PRODUCT_KEY,
        "office_kms_products": ["ProPlus2024Volume"],
        "office_kms_report_dir": str(tmp_path / "reports"),
    }))
    log = tmp_path / "ansible.log"
    env = {"ANSIBLE_LOG_PATH": str(log)}
    runs = {}
    for playbook in ("playbooks/activate.yml", "playbooks/report.yml"):
        workdir = tmp_path / Path(playbook).stem
        workdir.mkdir()
        runs[playbook] = run_playbook(lab, playbook, workdir, *[v for v in (verbosity,) if v], "-e", "@%s" % extra,
                                      env=env)

    # The flow really ran, with the key: installed where ProPlus 2024 is, shown by its last five.
    activate = runs["playbooks/activate.yml"]
    record = activate.result("pc16-lab", "Point Office at the KMS host and activate what needs it")
    assert record["status"] == "ok", record
    [product] = [p for p in record["result"]["products"] if p.get("family") == "ProPlus2024Volume"]
    assert product["steps"][0] == {"action": "install_key", "key": SHOWN, "result": "ok", "error_code": None,
                                   "error_name": None}
    assert product["partial_key"] == SHOWN
    assert SHOWN in activate.stdout
    # From -vvv the trace shows the call that carried it (masked): what is searched below holds it.
    traced = 'InstallProductKey(ProductKey="*****-%s")' % SHOWN
    assert (traced in activate.stdout) == (verbosity != ""), verbosity
    assert ('"name":"ProductKey","type":"string","value":"*****-%s"' % SHOWN in activate.stdout) == (
        verbosity == "-vvvvv")
    assert runs["playbooks/report.yml"].results("pc16-lab")
    assert log.stat().st_size > 0

    # What the hosts received, encoded as it travelled: the base64 programs.
    documents = {}
    for host in lab.host_names:
        for index, command in enumerate(lab.commands(host)):
            documents["%s program #%d" % (host, index)] = hostops.encode_program(
                command["program"]["operations"]).encode("ascii")
    assert any(PRODUCT_KEY in json.dumps(c["program"]) for c in lab.commands("pc16-lab"))  # it did travel
    # ... as data only: never in the text PowerShell makes a script block of (event 4104).
    blocks = [text for host in lab.host_names for text in lab.script_block_log(host)]
    assert blocks
    assert leaks({"script block log": "\n".join(blocks).encode("utf-8")}, forms(PRODUCT_KEY)) == []
    # ... nor in what module logging records (event 4103): every cmdlet's parameters and
    # pipeline input. Cmdlets did run (the CIM calls among them), given neither the key nor a
    # program that carries it.
    modules = "\n".join(line for host in lab.host_names for line in lab.module_log(host))
    assert "CommandInvocation(Invoke-CimMethod)" in modules
    assert leaks({"module log": modules.encode("utf-8")}, {**forms(PRODUCT_KEY), **documents}) == []

    haystacks = {"ansible.log": log.read_bytes()}
    for name, run in runs.items():
        haystacks["%s stdout" % name] = run.stdout.encode("utf-8", "surrogateescape")
        haystacks["%s stderr" % name] = run.stderr.encode("utf-8", "surrogateescape")
        haystacks["%s results" % name] = json.dumps(run.records).encode("utf-8")
    needles = {"password " + k: v for k, v in forms(PASSWORD).items()}
    needles.update({"product key " + k: v for k, v in forms(PRODUCT_KEY).items()})
    needles.update({"parameters of " + k: v for k, v in documents.items()})
    assert leaks(haystacks, needles) == []
    # The key without its dashes would be as bad as with them.
    assert leaks(haystacks, {"key without dashes": PRODUCT_KEY.replace("-", "").encode()}) == []
    assert gvlk.last5(PRODUCT_KEY) == SHOWN
    # No product key at all shows whole, not even a public GVLK.
    for where, data in haystacks.items():
        assert not re.search(rb"\b[0-9A-Z]{5}(-[0-9A-Z]{5}){4}\b", data), where


def test_forms_finds_a_secret_inside_longer_base64():
    """The check above can fail: each form is found where the secret really is encoded."""
    for prefix in (b"", b"x", b"xy", b"{\"version\":1,"):
        for encoding in ("utf-8", "utf-16-le"):
            data = base64.b64encode(prefix + PRODUCT_KEY.encode(encoding) + b"tail")
            assert leaks({"sample": data}, forms(PRODUCT_KEY)), (prefix, encoding)


def test_an_invalid_option_does_not_echo_the_product_key(lab, ansible, tmp_path):
    """A mistyped option next to a product key: refused on the controller with office_kms's
    own message, and the key is not shown with it."""
    extra = tmp_path / "key.yml"
    extra.write_text(yaml.safe_dump({"key": PRODUCT_KEY}))
    playbook = """
- hosts: all
  gather_facts: false
  tasks:
    - name: kms
      volume_licensing.kms.office_kms:
        kms_host: kms.campus.example
        kms_port: not-a-port
        product_key: "{{ key }}"
"""
    run = ansible(lab, playbook, "--limit", "pc16-lab", "-vvvv", "-e", "@%s" % extra)
    record = run.result("pc16-lab", "kms")
    assert record["status"] == "failed"
    assert record["result"]["msg"].startswith("Invalid option: ")
    assert "kms_port" in record["result"]["msg"]
    assert lab.commands("pc16-lab") == []
    haystacks = {"stdout": run.stdout.encode(), "stderr": run.stderr.encode(),
                 "results": json.dumps(run.records).encode()}
    assert leaks(haystacks, forms(PRODUCT_KEY)) == []
