"""The example Packer template: parses, and runs the image playbook between Office and sysprep."""

from __future__ import annotations

from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples/packer/windows-office-kms.pkr.hcl"


def provisioners():
    with TEMPLATE.open() as handle:
        template = hcl2.load(handle)
    [build] = template["build"]
    return [(kind, body) for entry in build["provisioner"] for kind, body in entry.items()]


def test_ansible_provisioner_runs_the_image_playbook_over_winrm():
    [(_, ansible)] = [(k, b) for k, b in provisioners() if k.strip('"') == "ansible"]
    playbook = (TEMPLATE.parent / ansible["playbook_file"].strip('"')).resolve()
    assert playbook == ROOT / "playbooks/image.yml"
    assert playbook.exists()
    assert ansible["use_proxy"] is False
    arguments = [a.strip('"') for a in ansible["extra_arguments"]]
    assert "ansible_connection=winrm" in arguments
    assert not [a for a in arguments if a.startswith("ansible_password")]  # never on the command line


def test_order_is_office_then_image_playbook_then_sysprep():
    kinds = [k.strip('"') for k, _ in provisioners()]
    bodies = [str(b) for _, b in provisioners()]
    office = next(i for i, b in enumerate(bodies) if "office-ltsc2024.xml" in b and "setup.exe" in b)
    image = kinds.index("ansible")
    sysprep = next(i for i, b in enumerate(bodies) if "sysprep.exe /generalize" in b)
    assert office < image < sysprep
