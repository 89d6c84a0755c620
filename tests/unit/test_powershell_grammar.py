"""Every shipped PowerShell script parses with the tree-sitter PowerShell grammar."""

from __future__ import annotations

from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell as tsp

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "plugins").rglob("*.ps1"))
PARSER = tree_sitter.Parser(tree_sitter.Language(tsp.language()))


def first_error(source: bytes) -> str | None:
    """'line N: text' of the first ERROR or missing node, or None when the script parses."""
    tree = PARSER.parse(source)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            kind = "missing %s" % node.type if node.is_missing else "syntax error"
            line = source.splitlines()[node.start_point[0]] if source.strip() else b""
            return "line %d: %s near %r (in %r)" % (
                node.start_point[0] + 1, kind, node.text[:80].decode("utf-8", "replace"),
                line.decode("utf-8", "replace").strip(),
            )
        stack.extend(reversed(node.children))
    return "tree has an error the walk did not find" if tree.root_node.has_error else None


def test_scripts_found():
    assert len(SCRIPTS) >= 2, SCRIPTS


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_script_parses(path):
    error = first_error(path.read_bytes())
    assert error is None, "%s: %s" % (path.relative_to(ROOT), error)


@pytest.mark.parametrize("source", [b"if ($x -eq { ", b"$a = 'unterminated", b"foreach ($i in @(1,2) { $i"])
def test_broken_script_is_reported(source):
    assert first_error(source) is not None


def test_error_message_names_the_line():
    assert first_error(b"$ok = 1\n$ok2 = 2\nif ($x -eq { ").startswith("line 3:")
