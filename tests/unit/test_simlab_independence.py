"""The simulated lab emulates Windows, not this collection (issues 8 and 20): it runs the
collection's PowerShell as text and knows nothing of what that text does. Its source names
none of the executor's operation kinds or functions, holds no line of the executor, and uses
none of the collection's words for its decisions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = sorted(p for p in (ROOT / "tests" / "simlab").rglob("*") if p.suffix in (".py", ".yml", ".yaml"))
EXECUTOR = ROOT / "plugins" / "module_utils" / "kms_executor.ps1"
# The operation kinds of docs/host-operations.md: only the executor's text may know them.
KINDS = ("host_facts", "cim_query", "cim_invoke", "registry_read", "tcp_connect", "event_log", "dns_srv")
# The collection's own words for its decisions; the lab must not need any of them.
PROJECT_WORDS = re.compile(
    r"\b(plan|plans|planned|install_key|set_host|set_port|clear_host|clear_port|office_kms_apply|"
    r"office_kms_inspect|kms_executor|inspection)\b", re.IGNORECASE)


def executor_functions() -> list[str]:
    return re.findall(r"(?im)^\s*function\s+([\w-]+)", EXECUTOR.read_text(encoding="utf-8"))


def executor_lines() -> list[str]:
    """The executor's code lines long enough to be its own (not a bare brace or keyword)."""
    lines = []
    for line in EXECUTOR.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if len(text) >= 25 and not text.startswith("#"):
            lines.append(text)
    return lines


def named(text: str, words: list[str] | tuple[str, ...]) -> list[str]:
    return sorted({w for w in words if re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(w), text, re.IGNORECASE)})


def test_there_is_a_lab_and_an_executor_to_compare():
    assert len(LAB) >= 8
    assert len(executor_lines()) >= 40
    assert len(executor_functions()) >= 10
    assert all(named(EXECUTOR.read_text(encoding="utf-8"), [kind]) for kind in KINDS)


@pytest.mark.parametrize("path", LAB, ids=[str(p.relative_to(ROOT / "tests" / "simlab")) for p in LAB])
def test_lab_file_names_no_operation_kind_and_no_executor_function(path):
    text = path.read_text(encoding="utf-8")
    assert named(text, KINDS) == [], "%s knows the executor's operation kinds" % path.name
    assert named(text, executor_functions()) == [], "%s knows the executor's functions" % path.name


@pytest.mark.parametrize("path", LAB, ids=[str(p.relative_to(ROOT / "tests" / "simlab")) for p in LAB])
def test_lab_file_holds_no_line_of_the_executor(path):
    text = path.read_text(encoding="utf-8")
    copied = [line for line in executor_lines() if line in text]
    assert copied == [], "%s repeats the executor: %s" % (path.name, copied[:3])


@pytest.mark.parametrize("path", LAB, ids=[str(p.relative_to(ROOT / "tests" / "simlab")) for p in LAB])
def test_lab_file_knows_no_step_or_plan_of_the_collection(path):
    found = sorted({m.group(0) for m in PROJECT_WORDS.finditer(path.read_text(encoding="utf-8"))})
    assert found == [], "%s uses the collection's own words: %s" % (path.name, found)


def test_the_checks_can_fail():
    assert PROJECT_WORDS.search("the plan's set_host step")
    assert not PROJECT_WORDS.search("SetKeyManagementServiceMachine on the product")
    assert named("if op == 'cim_invoke':", KINDS) == ["cim_invoke"]
    assert named("def exec_method(self):", KINDS) == []
    assert named("Test-Tcp $op", executor_functions()) == ["Test-Tcp"]
    assert named("Test-Path -LiteralPath", executor_functions()) == []
