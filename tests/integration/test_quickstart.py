"""The README's quick start, run as a new user runs it: its commands exactly as written, in a
temporary directory outside the repository, with a home directory of their own and the
machine's Python (not this virtual environment), once from an installed collection and once
from a fresh clone. The one step a user does by hand, editing the example inventory, is done
here by writing the simulated lab's inventory in its place (its PCs in the group lab_pcs, as
the README asks). What the commands did is read from the lab and the files they wrote."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.integration.conftest import BIN, ROOT, calls
from tests.integration.test_artifact import build_tarball
from tests.integration.test_demo import fresh_copy, recap
from tests.integration.test_report import expected_outcome, kms_products
from tests.simlab.lab import Lab

README = (ROOT / "README.md").read_text(encoding="utf-8")
# The scenario's two PCs that fail on purpose (tests/simlab/scenarios/default.yml): below
# Office's requirements, and a clock five hours off (the KMS host refuses it).
FAILING = {"pc10-underpowered", "pc15-clock-skew"}
GROUP = "lab_pcs"


def block(name: str) -> str:
    """The shell block that follows ``<!-- quickstart: name -->`` in the README."""
    found = re.findall(r"<!-- quickstart: %s -->\s*```sh\n(.*?)```" % re.escape(name), README, re.S)
    assert len(found) == 1, "README: no single block marked quickstart: %s" % name
    return "\n".join(line.strip() for line in found[0].splitlines())


def commands(name: str) -> list[str]:
    """One command per element, continuation lines joined."""
    return [c.strip() for c in block(name).replace("\\\n", " ").splitlines() if c.strip()]


def new_user_env(home: Path) -> dict[str, str]:
    """A login of its own: no ANSIBLE_* setting, no virtual environment, this machine's pip
    index settings (a user's own pip.conf), the machine's python3 first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VIRTUAL_ENV", "PYTHON"))}
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve().parent
    path = [p for p in env.get("PATH", "").split(os.pathsep) if Path(p).resolve() != BIN.resolve()]
    env.update(HOME=str(home), PATH=os.pathsep.join([str(base), *path]))
    user_pip = Path.home() / ".config" / "pip" / "pip.conf"
    if user_pip.exists():
        env["PIP_CONFIG_FILE"] = str(user_pip)
    return env


def shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900, check=False)


def edit_inventory(lab: Lab, path: Path) -> list[str]:
    """What the README's step 2 asks of the user: the example inventory with the lab's PCs (in
    the group lab_pcs), its transport and KMS host. Returns the group's hosts in order."""
    inventory = lab.inventory()
    inventory["all"]["children"] = {GROUP: inventory["all"]["children"]["simlab"]}
    path.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    return list(inventory["all"]["children"][GROUP]["hosts"])


def writes(lab: Lab) -> set[str]:
    return {h for h in lab.host_names if "write" in calls(lab, h)}


def run_quick_start(lab: Lab, workdir: Path, env: dict[str, str], blocks: tuple[str, str], inventory: Path) -> None:
    """The setup block, the inventory edit, then each command of the run block, with what each
    must have done."""
    setup, run = blocks
    done = shell(block(setup), workdir, env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    freeze = shell(".venv/bin/pip freeze", workdir, env).stdout
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    installed = dict(line.split("==") for line in freeze.splitlines() if "==" in line)
    assert installed["cryptography"] == pins["cryptography"], "the install did not take constraints.txt"
    assert {k: v for k, v in installed.items() if k in pins} == {k: pins[k] for k in installed if k in pins}

    group = edit_inventory(lab, inventory)
    before = {h: expected_outcome(lab.state(h), down=None) for h in lab.host_names}
    report, check, limited, full = commands(run)

    proc = shell(report, workdir, env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "CryptographyDeprecationWarning" not in proc.stderr and "Traceback" not in proc.stderr
    document = json.loads((workdir / "reports" / "kms-report.json").read_text(encoding="utf-8"))
    assert {h["host"]: h["outcome"] for h in document["hosts"]} == before
    assert writes(lab) == set()

    proc = shell(check, workdir, env)
    assert {h for h, r in recap(proc.stdout).items() if r["failed"]} == {"pc10-underpowered"}, proc.stdout[-4000:]
    assert writes(lab) == set()  # check mode: nothing changed on any PC

    proc = shell(limited, workdir, env)
    assert set(recap(proc.stdout)) == set(group[:3]), proc.stdout[-4000:]
    assert writes(lab) <= set(group[:3]) and writes(lab)

    proc = shell(full, workdir, env)
    rows = recap(proc.stdout)
    assert proc.returncode == 2 and {h for h, r in rows.items() if r["failed"]} == FAILING, proc.stdout[-4000:]
    for host in set(lab.host_names) - FAILING:
        assert all(p["LicenseStatus"] == 1 for p in kms_products(lab.state(host))), host


def test_quick_start_from_an_installed_collection(lab, tmp_path):
    """Installation and Quick start: the collection's file installed with ansible-galaxy into
    the default collections path, its requirements under its constraints, the playbooks by
    their collection names."""
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    workdir, home = tmp_path / "project", tmp_path / "home"
    workdir.mkdir()
    home.mkdir()
    tarball = "volume_licensing-kms-%s.tar.gz" % version
    assert build_tarball(workdir) == workdir / tarball
    assert tarball in block("installed, setup"), "README installs another version than galaxy.yml's"
    env = new_user_env(home)
    run_quick_start(lab, workdir, env, ("installed, setup", "installed, run"), workdir / "inventory.yml")
    installed = home / ".ansible" / "collections" / "ansible_collections" / "volume_licensing" / "kms"
    assert json.loads((installed / "MANIFEST.json").read_text())["collection_info"]["version"] == version
    assert not (workdir / "ansible.cfg").exists()


def test_quick_start_from_a_fresh_clone(lab, tmp_path):
    """From a clone: the runtime requirements under their constraints, make link, the
    playbooks by their paths."""
    checkout, home = tmp_path / "checkout", tmp_path / "home"
    fresh_copy(checkout)
    home.mkdir()
    assert not (checkout / "collections").exists() and not (checkout / ".venv").exists()
    env = new_user_env(home)
    run_quick_start(lab, checkout, env, ("clone, setup", "clone, run"), checkout / "inventory" / "my-lab.yml")
    assert not (home / ".ansible" / "collections").exists()  # the clone's collection, not an installed one
    shutil.rmtree(checkout / ".venv")
