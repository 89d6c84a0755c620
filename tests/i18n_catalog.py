"""The message catalogs of plugins/plugin_utils/i18n.py (Babel): extraction and checks.

    python -m tests.i18n_catalog extract   (make locale-extract)
        gathers every message marked in the collection's Python (``_()``, ``N_()``, ``gettext()``,
        ``ngettext()``) into locale/volume_licensing_kms.pot, and merges it into each language's
        .po: new messages arrive untranslated, removed ones leave.
    python -m tests.i18n_catalog check     (tests/unit/test_i18n.py runs the same checks)
        fails when the .pot is not what the code marks, or a .po lacks a translation, has a fuzzy
        one, or one whose placeholders differ from the message's.

The .pot and .po carry no source locations and fixed dates, so that they change only when a
message does.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
DOMAIN = "volume_licensing_kms"
TEMPLATE = LOCALE / (DOMAIN + ".pot")
SOURCES = ("plugins",)
FIXED_DATE = datetime(2026, 12, 7, tzinfo=timezone.utc)


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/%s.po" % DOMAIN))


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / (DOMAIN + ".po")


def extracted() -> Catalog:
    """The messages the code marks now."""
    catalog = Catalog(project="volume_licensing.kms", domain=DOMAIN, charset="utf-8", creation_date=FIXED_DATE,
                      revision_date=FIXED_DATE, fuzzy=False)
    for source in SOURCES:
        for _filename, lineno, message, comments, context in extract_from_dir(
                str(ROOT / source), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS,
                comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
            catalog.add(message, None, [(source, lineno)], auto_comments=comments, context=context)
    return catalog


def text(catalog: Catalog) -> str:
    out = io.BytesIO()
    write_po(out, catalog, no_location=True, sort_output=True, ignore_obsolete=True, width=100)
    return out.getvalue().decode("utf-8")


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def message_ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def extract() -> None:
    template = extracted()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_text(text(template), encoding="utf-8")
    for language in languages():
        catalog = read(po_path(language), language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.revision_date = FIXED_DATE
        po_path(language).write_text(text(catalog), encoding="utf-8")
        missing = untranslated(catalog)
        print("%s: %d messages, %d untranslated" % (language, len(message_ids(catalog)), len(missing)))


def untranslated(catalog: Catalog) -> list[str]:
    """The messages without a translation (every plural form), or with a fuzzy one."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(message.id if isinstance(message.id, str) else message.id[0])
    return found


def problems() -> list[str]:
    """What is wrong with the catalogs, in words; empty when nothing is."""
    found = []
    template = extracted()
    if not TEMPLATE.exists() or message_ids(read(TEMPLATE)) != message_ids(template):
        found.append("%s is not what the code marks: run make locale-extract" % TEMPLATE.relative_to(ROOT))
    for language in languages():
        catalog = read(po_path(language), language)
        missing = message_ids(template) - message_ids(catalog)
        found += ["%s: %r is not in the catalog (run make locale-extract)" % (language, m) for m in sorted(
            missing, key=str)]
        found += ["%s: %r has no translation" % (language, m) for m in untranslated(catalog)]
        for message, errors in catalog.check():
            found += ["%s: %r: %s" % (language, message.id, error) for error in errors]
    return found


def main(argv: list[str]) -> int:
    if argv[1:] == ["extract"]:
        extract()
        return 0
    if argv[1:] == ["check"]:
        found = problems()
        print("\n".join(found) or "catalogs: every message translated")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
