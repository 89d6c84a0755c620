"""The simulated lab emulates Windows, not this collection: it holds no text of the
collection's PowerShell other than the bootstrap it recognises, and no notion of the
collection's steps or plans (issue 8, "The lab as a CIM provider")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = sorted(p for p in (ROOT / "tests" / "simlab").rglob("*") if p.suffix in (".py", ".yml", ".yaml"))
EXECUTOR = ROOT / "plugins" / "module_utils" / "kms_executor.ps1"
# The collection's own words for its decisions; the lab must not need any of them.
PROJECT_WORDS = re.compile(
    r"\b(plan|plans|planned|install_key|set_host|set_port|clear_host|clear_port|office_kms_apply|"
    r"office_kms_inspect|kms_executor|inspection)\b", re.IGNORECASE)


def executor_lines() -> list[str]:
    """The executor's code lines long enough to be its own (not a bare brace or keyword)."""
    lines = []
    for line in EXECUTOR.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if len(text) >= 25 and not text.startswith("#"):
            lines.append(text)
    return lines


def test_there_is_a_lab_and_an_executor_to_compare():
    assert len(LAB) >= 8
    assert len(executor_lines()) >= 40


@pytest.mark.parametrize("path", LAB, ids=[p.name for p in LAB])
def test_lab_file_holds_no_line_of_the_executor(path):
    text = path.read_text(encoding="utf-8")
    copied = [line for line in executor_lines() if line in text]
    assert copied == [], "%s repeats the executor: %s" % (path.name, copied[:3])


@pytest.mark.parametrize("path", LAB, ids=[p.name for p in LAB])
def test_lab_file_knows_no_step_or_plan_of_the_collection(path):
    found = sorted({m.group(0) for m in PROJECT_WORDS.finditer(path.read_text(encoding="utf-8"))})
    assert found == [], "%s uses the collection's own words: %s" % (path.name, found)


def test_the_word_check_can_fail():
    assert PROJECT_WORDS.search("the plan's set_host step")
    assert not PROJECT_WORDS.search("SetKeyManagementServiceMachine on the product")
