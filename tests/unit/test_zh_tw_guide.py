"""docs/zh-TW/README.md, the Traditional Chinese quick guide for the staff and help desk who
used the batch file: it exists, is written in Traditional (not Simplified) Chinese, names both
playbooks and the report's language variable, and every relative Markdown link in it resolves
to a file the collection ships."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "zh-TW" / "README.md"
# Characters that exist only in Simplified Chinese; Traditional writes the ones in brackets.
SIMPLIFIED_ONLY = ("启档户钥务认证机码录执这为个们时过还进设网络报发开关动统经应该选项数库态换断间题门问"
                   "见规则线连运达标简单实现业产电脑软装载测试检显页帐号际长计")  # 啟檔戶鑰務認證機碼錄執這為個們…
TRADITIONAL_TERMS = ("啟用", "檔案", "帳戶", "KMS 主機", "產品金鑰", "大量授權", "金鑰管理服務", "用戶端")
NAMES = ("playbooks/activate.yml", "playbooks/report.yml", "office_kms_report_language",
         "-e office_kms_report_language=zh-TW")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# What the built collection holds besides these folders (galaxy.yml, tests/integration/test_artifact.py).
SHIPPED_FILES = {"README.md", "CHANGELOG.md", "LICENSE", "requirements.txt", "requirements-kerberos.txt",
                 "constraints.txt", "inventory/example.yml"}
SHIPPED_FOLDERS = ("docs/", "examples/", "meta/", "playbooks/", "plugins/", "roles/")


def guide() -> str:
    assert GUIDE.is_file(), "docs/zh-TW/README.md is missing"
    return GUIDE.read_text(encoding="utf-8")


def test_the_guide_is_in_traditional_chinese():
    text = guide()
    assert [term for term in TRADITIONAL_TERMS if term not in text] == []
    assert sorted({char for char in text if char in SIMPLIFIED_ONLY}) == []


def test_the_guide_names_both_playbooks_and_the_language_variable():
    text = guide()
    assert [name for name in NAMES if name not in text] == []


def test_every_relative_link_resolves_to_a_shipped_file():
    targets = [t for t in MARKDOWN_LINK.findall(guide()) if "://" not in t and not t.startswith("mailto:")]
    assert targets, "the guide links to nothing in the repository"
    broken = []
    for target in targets:
        path = (GUIDE.parent / target.split("#", 1)[0]).resolve()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        if not path.is_file() or not (name in SHIPPED_FILES or name.startswith(SHIPPED_FOLDERS)):
            broken.append(target)
    assert broken == []
