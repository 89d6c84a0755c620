"""python -m tests.pslint [PATH ...]: print pslint's findings as ansible-test does; exit 1 if any.

Without a PATH: every PowerShell file of the collection's tree (collection_scripts).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .rules import ROOT, analyze_path, collection_scripts


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or collection_scripts(ROOT)
    findings = [f for p in paths for f in analyze_path(p)]
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
