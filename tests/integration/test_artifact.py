"""The built collection (what Galaxy and an execution environment get) holds what users run
and read, and nothing generated, no lab material and no password."""

from __future__ import annotations

import gettext
import io
import json
import posixpath
import re
import subprocess
import tarfile
from pathlib import Path

from tests.integration.conftest import BIN, ROOT

# What the artifact may hold (galaxy.yml says why): exact names, or folders.
ALLOWED_FILES = {"MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "LICENSE", "constraints.txt",
                 "requirements.txt", "requirements-kerberos.txt", "inventory/example.yml"}
ALLOWED_FOLDERS = ("docs/", "examples/", "meta/", "playbooks/", "plugins/", "roles/", "locale/")
# Folders that tools generate in the checkout (pytest, hypothesis, ansible-lint, the lab,
# the copy that ansible-test sanity runs on).
GENERATED = (".hypothesis", ".ansible", ".simlab", ".pytest_cache", ".ruff_cache", ".sanity", ".smoke", ".importer",
             "reports")
SECRETS = (b"Lab-Passw0rd!", b"Bench-Passw0rd!", b"BEGIN PRIVATE KEY", b"BEGIN RSA PRIVATE KEY")


def test_nothing_committed_is_a_symlink():
    """The collection link under collections/ is made by make (git-ignored), not committed."""
    staged = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [line for line in staged.splitlines() if line.startswith("120000 ")] == []
    assert (ROOT / "collections" / "ansible_collections" / "volume_licensing" / "kms").resolve() == ROOT


def build_tarball(output: Path) -> Path:
    """The collection built by ansible-galaxy into ``output``: the tarball's path."""
    proc = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", str(ROOT), "--output-path",
                           str(output)], cwd=output, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [artifact] = output.glob("volume_licensing-kms-*.tar.gz")
    return artifact


def build(tmp_path):
    """The collection as ansible-galaxy builds it: its members and its files' contents."""
    with tarfile.open(build_tarball(tmp_path)) as tar:
        members = tar.getmembers()
        files = {m.name: tar.extractfile(m).read() for m in members if m.isfile()}
    return members, files


def test_the_artifact_holds_only_the_allowed_files(tmp_path):
    for folder in GENERATED:  # as after make test and a lint run
        probe = ROOT / folder / "probe.txt"
        probe.parent.mkdir(exist_ok=True)
        probe.write_text("generated\n")
    members, files = build(tmp_path)
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


# A path a file names: a/b/c (with at least one slash) or a file name with an extension.
PATH_WORD = re.compile(r"(?<![\w./-])((?:[\w.-]+/)+[\w.-]*|[\w.-]+\.(?:yml|yaml|txt|cfg|ps1|py|json|md|gz))")
# What the Makefile builds in a checkout (make ee's collection tarball and context, the test environments).
MADE_BY_MAKE = ("build", ".smoke", ".sanity")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def tracked() -> tuple[set[str], set[str]]:
    """The repository's tracked files, and every folder that holds one."""
    names = set(subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split())
    return names, folders(names)


def folders(names) -> set[str]:
    return {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}


def test_the_artifact_ships_the_compiled_translations(tmp_path):
    """The zh-TW catalog as make locale compiles it (make build, make test), beside its source:
    what plugins/plugin_utils/i18n.py reads on a controller where the collection is installed."""
    _members, files = build(tmp_path)
    catalog = "locale/zh_TW/LC_MESSAGES/volume_licensing_kms"
    assert catalog + ".po" in files and catalog + ".mo" in files
    translated = gettext.GNUTranslations(io.BytesIO(files[catalog + ".mo"])).gettext("Activated")
    assert translated != "Activated" and re.search("[\u4e00-\u9fff]", translated)
    assert "locale/volume_licensing_kms.pot" in files


def test_nothing_shipped_points_at_a_file_the_artifact_lacks(tmp_path):
    """What a Galaxy user gets works by itself: no shipped file other than prose names a file
    or folder that is in the repository but not in the artifact (ansible.cfg naming the
    simulated lab's inventory, an execution environment file needing a build/ tarball, a comment
    sending the reader to the benchmarks), and every Markdown link resolves inside it."""
    _unused, files = build(tmp_path)
    repo_files, repo_folders = tracked()
    shipped_folders = folders(files)

    def missing(name: str, target: str) -> bool:
        if target.split("/", maxsplit=1)[0] in MADE_BY_MAKE:
            return True
        for candidate in (target, posixpath.normpath(posixpath.join(posixpath.dirname(name), target))):
            if (candidate in repo_files and candidate not in files) or (
                    candidate in repo_folders and candidate not in shipped_folders):
                return True
        return False

    pointing = []
    for name, data in files.items():
        if name in ("MANIFEST.json", "FILES.json"):
            continue
        text = data.decode("utf-8", errors="replace")
        if name.endswith(".md"):  # prose may tell of the source repository; its links may not
            targets = [t for t in MARKDOWN_LINK.findall(text) if "://" not in t and not t.startswith("mailto:")]
            pointing += ["%s -> %s" % (name, t) for t in targets
                         if posixpath.normpath(posixpath.join(posixpath.dirname(name), t)) not in files]
            continue
        pointing += ["%s -> %s" % (name, t) for t in set(PATH_WORD.findall(text)) if missing(name, t.rstrip("./"))]
    assert sorted(pointing) == [], "\n".join(sorted(pointing))
