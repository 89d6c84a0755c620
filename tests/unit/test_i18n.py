"""The report's languages (plugins/plugin_utils/i18n.py, locale/): the catalogs complete and
current, the languages' words, and a zh-TW report whose keys and codes are the English one's."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, hresult, i18n, report

from tests import i18n_catalog
from tests.unit.test_report import FAILED, UNREACHABLE, info, kms, mak, visio

CJK = re.compile(r"[\u4e00-\u9fff]")
WHEN = datetime(2026, 12, 7, 21, 5, tzinfo=timezone.utc)


def test_the_catalogs_are_current_and_every_message_is_translated():
    """The .pot holds what the code marks, and every message has a zh-TW translation with the
    same placeholders (tests/i18n_catalog.py; make locale-extract, then translate)."""
    assert i18n_catalog.problems() == []


def test_the_catalog_check_finds_an_untranslated_message(tmp_path, monkeypatch):
    po = i18n_catalog.po_path("zh_TW").read_text(encoding="utf-8")
    target = tmp_path / "zh_TW" / "LC_MESSAGES"
    target.mkdir(parents=True)
    blanked = re.sub(r'(msgid "Activated"\nmsgstr )"[^"\n]*"', r'\1""', po, count=1)
    assert blanked != po
    (target / "volume_licensing_kms.po").write_text(blanked, encoding="utf-8")
    (tmp_path / "volume_licensing_kms.pot").write_bytes(i18n_catalog.TEMPLATE.read_bytes())
    monkeypatch.setattr(i18n_catalog, "LOCALE", tmp_path)
    monkeypatch.setattr(i18n_catalog, "TEMPLATE", tmp_path / "volume_licensing_kms.pot")
    assert "zh_TW: 'Activated' has no translation" in i18n_catalog.problems()


def test_english_is_the_code_and_zh_tw_the_catalog():
    assert i18n.translator("en").gettext("Activated") == "Activated"
    assert i18n.translator(None).gettext("Activated") == "Activated"
    translated = i18n.translator("zh-TW").gettext("Activated")
    assert translated != "Activated" and CJK.search(translated)


def test_every_hresult_meaning_and_hint_the_report_can_show_is_translated():
    t = i18n.translator("zh-TW")
    for code, entry in hresult.HRESULTS.items():
        for text in (entry.meaning, entry.hint, hresult.HOST_HINTS.get(code)):
            if text:
                assert CJK.search(t.gettext(text)), (hex(code), text)
    for words, hint, _unreachable in hostops.TRANSPORT_FAILURES.values():
        assert CJK.search(t.gettext(words)) and CJK.search(t.gettext(hint)), words


def test_another_language_is_refused_and_a_missing_catalog_named(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="language must be one of en, zh-TW"):
        i18n.translator("fr")
    monkeypatch.setattr(i18n, "LOCALE_DIR", str(tmp_path))
    monkeypatch.setattr(i18n, "_CACHE", {})
    with pytest.raises(i18n.CatalogError, match="make locale"):
        i18n.translator("zh-TW")


def test_dates_are_written_as_each_language_writes_them():
    assert i18n.format_time(WHEN, "en") == "2026-12-07 21:05 UTC"
    assert i18n.format_time(WHEN, "zh-TW") == "2026年12月7日 21:05 (UTC)"


def documents():
    results = {
        "pc01": info([kms(status=2, days=30), visio(status=2, days=30)], cmid="01"),
        "pc06": info([mak()], cmid="06"),
        "pc07": info([kms(days=174, host="kms.example.org", port=1688)], reachable=True, cmid="07"),
        "pc08": info([kms(days=10, host="kms.example.org")], cmid="08"),
        "pc15": info([kms(status=2, days=30)], skew=18000, cmid="15"),
        "pc20": UNREACHABLE,
        "pc21": FAILED,
    }
    return {language: report.build_report(results, kms_host="kms.example.org", generated_at=WHEN, language=language)
            for language in i18n.LANGUAGES}


def keys(value):
    """The document's shape: its keys all the way down, without the values."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(v) for v in value]
    return None


def test_a_zh_tw_report_has_the_english_keys_and_codes_and_translated_words():
    english, chinese = documents()["en"], documents()["zh-TW"]
    assert keys(json.loads(json.dumps(chinese))) == keys(json.loads(json.dumps(english)))
    assert chinese["language"] == "zh-TW" and english["language"] == "en"
    assert chinese["summary"] == english["summary"] and chinese["flags"] == english["flags"]
    for en_host, zh_host in zip(english["hosts"], chinese["hosts"], strict=True):
        assert (zh_host["outcome"], zh_host["error_code"], zh_host["flags"]) == (
            en_host["outcome"], en_host["error_code"], en_host["flags"])
        assert zh_host["reason"] != en_host["reason"] and CJK.search(zh_host["reason"]), zh_host["reason"]
        assert CJK.search(zh_host["outcome_label"])
        assert zh_host["message"] == en_host["message"]  # the module's own English message, as the detail
        for en_product, zh_product in zip(en_host["products"], zh_host["products"], strict=True):
            assert zh_product["license_status_code"] == en_product["license_status_code"]
            assert CJK.search(zh_product["license_status"]), zh_product["license_status"]
            if en_product["why_not_activated"]:
                assert CJK.search(zh_product["why_not_activated"]), zh_product["why_not_activated"]
            if en_product["last_error"]:
                assert zh_product["last_error"]["code"] == en_product["last_error"]["code"]
                assert CJK.search(zh_product["last_error"]["hint"])


def test_the_csv_keeps_its_columns_and_the_html_speaks_the_language():
    english, chinese = documents()["en"], documents()["zh-TW"]
    en_rows = list(csv.reader(io.StringIO(report.to_csv(english))))
    zh_rows = list(csv.reader(io.StringIO(report.to_csv(chinese))))
    assert zh_rows[0] == en_rows[0] == list(report.CSV_COLUMNS)
    outcome = en_rows[0].index("outcome")
    assert [r[outcome] for r in zh_rows] == [r[outcome] for r in en_rows]
    reason = en_rows[0].index("reason")
    assert all(CJK.search(r[reason]) for r in zh_rows[1:])
    page = report.to_html(chinese)
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-Hant-TW">')
    assert "2026年12月7日 21:05 (UTC)" in page
    english_page = report.to_html(english)
    for heading in ("Office volume activation report", "Needs attention", "Hosts and products", "Summary"):
        assert heading in english_page and heading not in page, heading
