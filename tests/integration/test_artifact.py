"""The built collection (what Galaxy and an execution environment get) holds what users run
and read, and nothing generated, no lab material and no password."""

from __future__ import annotations

import json
import subprocess
import tarfile

from tests.integration.conftest import BIN, ROOT

# What the artifact may hold (galaxy.yml says why): exact names, or folders.
ALLOWED_FILES = {"MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "LICENSE", "ansible.cfg",
                 "requirements.txt", "requirements-kerberos.txt", "execution-environment.yml", "inventory/example.yml"}
ALLOWED_FOLDERS = ("docs/", "examples/", "meta/", "playbooks/", "plugins/", "roles/")
# Folders that tools generate in the checkout (pytest, hypothesis, ansible-lint, the lab,
# the copy that ansible-test sanity runs on).
GENERATED = (".hypothesis", ".ansible", ".simlab", ".pytest_cache", ".ruff_cache", ".sanity", ".smoke", "reports")
SECRETS = (b"Lab-Passw0rd!", b"Bench-Passw0rd!", b"BEGIN PRIVATE KEY", b"BEGIN RSA PRIVATE KEY")


def test_nothing_committed_is_a_symlink():
    """The collection link under collections/ is made by make (git-ignored), not committed."""
    staged = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [line for line in staged.splitlines() if line.startswith("120000 ")] == []
    assert (ROOT / "collections" / "ansible_collections" / "volume_licensing" / "kms").resolve() == ROOT


def test_the_artifact_holds_only_the_allowed_files(tmp_path):
    for folder in GENERATED:  # as after make test and a lint run
        probe = ROOT / folder / "probe.txt"
        probe.parent.mkdir(exist_ok=True)
        probe.write_text("generated\n")
    proc = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", str(ROOT), "--output-path",
                           str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [artifact] = tmp_path.glob("volume_licensing-kms-*.tar.gz")
    with tarfile.open(artifact) as tar:
        members = tar.getmembers()
        files = {m.name: tar.extractfile(m).read() for m in members if m.isfile()}
    assert not [m.name for m in members if m.issym() or m.islnk()]
    outside = sorted(n for n in files if n not in ALLOWED_FILES and not n.startswith(ALLOWED_FOLDERS))
    assert outside == []
    assert not [n for n in files if n.split("/")[0] in GENERATED or "__pycache__" in n]
    for needed in ("plugins/action/office_kms.py", "plugins/plugin_utils/kms_action.py",
                   "roles/office_kms/tasks/main.yml", "playbooks/activate.yml", "docs/report.md", "meta/runtime.yml"):
        assert needed in files, needed
    assert not [n for n, data in files.items() if any(secret in data for secret in SECRETS)]
    # GPL-3.0-or-later, as galaxy.yml says, with its text; no invented URL.
    assert files["LICENSE"].split()[:5] == [b"GNU", b"GENERAL", b"PUBLIC", b"LICENSE", b"Version"]
    assert b"Version 3, 29 June 2007" in files["LICENSE"]
    manifest = json.loads(files["MANIFEST.json"])["collection_info"]
    assert manifest["license"] == ["GPL-3.0-or-later"]
    assert not [k for k in ("repository", "documentation", "homepage", "issues")
                if "example.invalid" in (manifest.get(k) or "")]
