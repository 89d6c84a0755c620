"""docs/licensing-facts.md, the collection's own reference for the licensing facts its code
relies on, and every citation of it in the repository.

- Every citation "docs/licensing-facts.md §X[.Y]" (with the further § numbers of the same
  clause: "§1.5, §1.6", "§4.2 for ospp.vbs, §1.5 and §9", "§1.1-§1.6"), and every markdown
  link to it, names a section heading of the document; a link's anchor is that heading's.
- Nothing cites the old, unshipped facts file: no "facts §N" other than through
  docs/licensing-facts.md, no "windows-licensing-facts", and nothing shipped in the collection
  mentions shared/reference.
- Every section of the document that states facts names its source: a "Sources:" line with a
  URL or one of Microsoft's own scripts or headers (ospp.vbs, slmgr.vbs, slerror.h).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "licensing-facts.md"
SELF = Path(__file__).resolve()
# Not the project's own text: VCS data, virtual environments, copies the tools make.
SKIP_DIRS = {".git", ".venv", ".smoke", ".sanity", "collections", "node_modules", "__pycache__", ".pytest_cache",
             ".ruff_cache", ".hypothesis", ".ansible", ".simlab", "reports", "build"}
# What the built collection holds (galaxy.yml; tests/integration/test_artifact.py checks the artifact).
SHIPPED_FILES = {"README.md", "CHANGELOG.md", "requirements.txt", "requirements-kerberos.txt",
                 "execution-environment.yml", "inventory/example.yml", "galaxy.yml"}
SHIPPED_FOLDERS = ("docs/", "examples/", "meta/", "playbooks/", "plugins/", "roles/")

SECTION = r"§(\d+(?:\.\d+)*)"
HEADING = re.compile(r"^(#{2,4}) (\d+(?:\.\d+)*)\.? (.+)$", re.MULTILINE)
# A line break inside a comment or docstring, with the next line's comment marker.
LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*(?:#+|//)?[ \t]*")
# A citation: the file's name, then what follows up to the end of its clause.
CITATION = re.compile(r"licensing-facts\.md[ \t]*(§\d+(?:\.\d+)*(?:(?!\. )[^)\];:\"\n]){0,160})")
LINK = re.compile(r"\[([^\]]*)\]\((?:\./|docs/)?licensing-facts\.md(?:#([^)\s]*))?\)")
OLD_CITATION = re.compile(r"(?<![\w-])facts[ \t]*\u00a7", re.IGNORECASE)
MICROSOFT_CODE = ("ospp.vbs", "slmgr.vbs", "slerror.h")


def slug(title: str) -> str:
    """The anchor GitHub (and most renderers) give a heading."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def headings(text: str) -> dict[str, str]:
    """Section number -> anchor of its heading."""
    found: dict[str, str] = {}
    for match in HEADING.finditer(text):
        number, title = match.group(2), match.group(0).lstrip("#")
        assert number not in found, "section %s is numbered twice" % number
        found[number] = slug(title)
    return found


def sections(text: str) -> dict[str, str]:
    """Section number -> its own text (up to the next heading of any level)."""
    marks = list(HEADING.finditer(text))
    return {m.group(2): text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)]
            for i, m in enumerate(marks)}


def project_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if path.resolve() == SELF or path.suffix in (".pyc", ".png", ".gz", ".iso", ".zip"):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            yield path.relative_to(ROOT).as_posix(), text


def cited(text: str) -> list[tuple[str, str]]:
    """(section, context) for every citation of the document in text, markdown links included."""
    flat = LINE_BREAK.sub(" ", text)
    found = []
    for match in CITATION.finditer(flat):
        found += [(number, match.group(0)[:80]) for number in re.findall(SECTION, match.group(1))]
    for match in LINK.finditer(flat):
        found += [(number, match.group(0)[:80]) for number in re.findall(SECTION, match.group(1))]
    return found


def shipped(rel: str) -> bool:
    return rel in SHIPPED_FILES or rel.startswith(SHIPPED_FOLDERS)


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def files() -> list[tuple[str, str]]:
    return list(project_files())


def test_the_document_is_numbered_once_per_section_and_says_how_to_cite_it(doc):
    numbers = headings(doc)
    assert {"1.1", "1.4", "5.2", "6", "9", "10.7", "11.5"} <= set(numbers)
    intro = doc.split("\n## ", 1)[0]
    assert "docs/licensing-facts.md §N" in intro and "shipped in the collection" in intro


def test_every_citation_names_a_section_of_the_document(doc, files):
    numbers = headings(doc)
    bad = ["%s: §%s in %r" % (rel, number, context)
           for rel, text in files for number, context in cited(text) if number not in numbers]
    assert bad == []
    # The citations are really found (the code cites the document a few hundred times).
    assert sum(len(cited(text)) for _rel, text in files) > 250


def test_every_link_to_the_document_has_the_anchor_of_the_section_it_names(doc, files):
    numbers = headings(doc)
    anchors = set(numbers.values())
    bad = []
    for rel, text in files:
        for label, anchor in LINK.findall(LINE_BREAK.sub(" ", text)):
            named = re.findall(SECTION, label)
            if anchor and anchor not in anchors:
                bad.append("%s: #%s is no heading" % (rel, anchor))
            elif anchor and named and numbers.get(named[0]) != anchor:
                bad.append("%s: [%s] links to #%s" % (rel, label, anchor))
    assert bad == []


def test_the_document_refers_only_to_its_own_sections(doc):
    numbers = headings(doc)
    body = doc.split("\n## 0.", 1)[1]
    assert sorted(set(re.findall(SECTION, body)) - set(numbers)) == []


def test_nothing_cites_the_old_facts_file(files):
    old = []
    for rel, text in files:
        flat = LINK.sub("", LINE_BREAK.sub(" ", text))
        old += ["%s: %r" % (rel, flat[m.start():m.start() + 40]) for m in OLD_CITATION.finditer(flat)]
        if "windows-licensing-facts" in text:
            old.append("%s: windows-licensing-facts" % rel)
    assert old == []


def test_nothing_shipped_mentions_the_shared_reference_folder(files):
    assert [rel for rel, text in files if shipped(rel) and "shared/reference" in text] == []


def test_every_section_that_states_facts_names_its_source(doc):
    missing = []
    for number, body in sections(doc).items():
        text = re.sub(r"^-{3,}$", "", body, flags=re.MULTILINE).strip()
        if not text:
            continue  # a chapter heading whose facts are in its subsections
        if number == "0":
            assert "https://learn.microsoft.com/" in text
            continue
        lines = re.findall(r"^Sources?: .*(?:\n(?!\n).*)*", text, re.MULTILINE)
        named = " ".join(lines)
        if not lines or not ("http" in named or any(code in named for code in MICROSOFT_CODE)):
            missing.append(number)
    assert missing == []


def test_unconfirmed_facts_are_marked_and_third_party_sources_labelled(doc):
    assert doc.count("**Unconfirmed**") >= 15
    assert "**Third-party**" in doc and "**third-party**" in doc
    assert ".github/workflows/windows.yml" in doc
