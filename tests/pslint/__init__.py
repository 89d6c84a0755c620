"""pslint's rules, mirrored: PSScriptAnalyzer as ansible-test runs it, over the tree-sitter tree.

``ansible-test sanity --test pslint`` needs pwsh, which cannot be installed where ``make test``
runs (the Makefile skips it: SANITY_SKIP). tests/pslint/rules.py implements the rules that
test runs, with ansible-test's settings, against the tree-sitter PowerShell grammar the lab's
PowerShell emulation also uses; tests/unit/test_pslint.py runs them on the collection's
scripts. The real PSScriptAnalyzer runs in CI, in the pslint job of
.github/workflows/windows.yml. What each rule checks, and what it does not mirror, is in
its docstring; the module docstring of rules.py lists every rule pslint runs.

    python -m tests.pslint [PATH ...]    # the collection's scripts when no PATH is given
"""

from __future__ import annotations

from .rules import RULES, Finding, analyze, analyze_path, collection_scripts

__all__ = ["RULES", "Finding", "analyze", "analyze_path", "collection_scripts"]
