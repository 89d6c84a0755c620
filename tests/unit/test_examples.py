"""The example Packer template: parses, and runs the image playbook between Office and sysprep."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples/packer/windows-office-kms.pkr.hcl"


def provisioners():
    with TEMPLATE.open() as handle:
        template = hcl2.load(handle)
    [build] = template["build"]
    return [(kind, body) for entry in build["provisioner"] for kind, body in entry.items()]


def as_packer_resolves(path: str, cwd: Path, given: str = "examples/packer") -> Path:
    """A path of the template as Packer resolves it: ${path.root} is the folder given to
    packer build, as given (relative to the working directory); other relative paths are
    taken from the working directory."""
    return (cwd / path.strip('"').replace("${path.root}", given)).resolve()


@pytest.mark.parametrize(("cwd", "given"), [(ROOT, "examples/packer"), (ROOT / "examples", "packer"),
                                            (ROOT / "examples" / "packer", ".")])
def test_every_file_is_found_from_where_packer_runs(cwd, given):
    text = TEMPLATE.read_text()
    assert re.search(r'"(\./|\.\./)', text) is None  # no path relative to the working directory
    [(_unused, ansible)] = [(k, b) for k, b in provisioners() if k.strip('"') == "ansible"]
    assert as_packer_resolves(ansible["playbook_file"], cwd, given) == ROOT / "playbooks/image.yml"
    config = next(v.strip('"') for v in ansible["ansible_env_vars"] if v.strip('"').startswith("ANSIBLE_CONFIG="))
    assert as_packer_resolves(config.split("=", 1)[1], cwd, given) == ROOT / "ansible.cfg"
    office = next(b for k, b in provisioners() if "office-ltsc2024.xml" in str(b) and "source" in b)
    assert as_packer_resolves(office["source"], cwd, given) == TEMPLATE.parent / "office-ltsc2024.xml"
    assert (TEMPLATE.parent / "office-ltsc2024.xml").exists()


def test_ansible_provisioner_runs_the_image_playbook_over_winrm():
    [(_unused, ansible)] = [(k, b) for k, b in provisioners() if k.strip('"') == "ansible"]
    playbook = as_packer_resolves(ansible["playbook_file"], ROOT)
    assert playbook == ROOT / "playbooks/image.yml"
    assert playbook.exists()
    assert ansible["use_proxy"] is False
    arguments = [a.strip('"') for a in ansible["extra_arguments"]]
    assert "ansible_connection=winrm" in arguments
    assert not [a for a in arguments if a.startswith("ansible_password")]  # never on the command line


def test_order_is_office_then_image_playbook_then_sysprep():
    kinds = [k.strip('"') for k, _unused in provisioners()]
    bodies = [str(b) for _unused, b in provisioners()]
    office = next(i for i, b in enumerate(bodies) if "office-ltsc2024.xml" in b and "setup.exe" in b)
    image = kinds.index("ansible")
    sysprep = next(i for i, b in enumerate(bodies) if "sysprep.exe /generalize" in b)
    assert office < image < sysprep
