"""Unit tests for the fleet report (plugins/plugin_utils/report.py): outcomes, flags, and the
JSON, CSV and HTML renderings."""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hresult, licensing, report

from tests.unit.factories import KMS_SKU, MAK_SKU, VISIO_SKU, raw_product

KMS_NAME = "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition"
KMS_DESCRIPTION = "Office 24, VOLUME_KMSCLIENT channel"
VISIO_NAME = "Office 24, Office24VisioPro2024VL_KMS_Client_AE edition"
MAK_NAME = "Office 24, Office24ProPlus2024VL_MAK_AE edition"
MAK_DESCRIPTION = "Office 24, RETAIL(MAK) channel"
WINDOWS_NAME = "Windows(R), Education edition"
WINDOWS_DESCRIPTION = "Windows(R) Operating System, VOLUME_KMSCLIENT channel"
WINDOWS_SKU = "2de67392-b7a7-462a-b1ca-108dd189f588"
C2R = {"type": "ClickToRun", "version": "16.0.17932.20162", "product_ids": ["ProPlus2024Volume"],
       "subscription": False, "kms_managed": True}
M365 = {"type": "ClickToRun", "version": "16.0.18129.20158", "product_ids": ["O365ProPlusRetail"],
        "subscription": True, "kms_managed": False}
WHEN = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)


def kms(status=1, days=179, **kwargs):
    return licensing.product(raw_product(KMS_NAME, KMS_DESCRIPTION, KMS_SKU, status=status, days=days, **kwargs),
                             "SoftwareLicensingProduct")


def visio(status=1, days=179):
    return licensing.product(raw_product(VISIO_NAME, KMS_DESCRIPTION, VISIO_SKU, status=status, days=days),
                             "SoftwareLicensingProduct")


def mak():
    return licensing.product(raw_product(MAK_NAME, MAK_DESCRIPTION, MAK_SKU, status=1, days=None),
                             "SoftwareLicensingProduct")


def windows(status=1):
    return licensing.product(raw_product(WINDOWS_NAME, WINDOWS_DESCRIPTION, WINDOWS_SKU, app=licensing.WINDOWS_APP_ID,
                                         status=status), "SoftwareLicensingProduct")


def info(products=(), office=(C2R,), cmid=None, skew=0, reachable=None, **host):
    """A registered office_kms_info result, as the playbook hands it to the report."""
    result = {
        "changed": False,
        "failed": False,
        "remote_calls": 1,
        "products": list(products),
        "office": list(office),
        "host": {"computer_name": "PC", "os_caption": "Microsoft Windows 11 Education", "os_build": "22631",
                 "client_machine_id": cmid, "ospp_client_machine_id": None, "clock_skew_seconds": skew, **host},
        "kms_reachability": None,
    }
    if reachable is not None:
        result["kms_reachability"] = {"kms_host": "kms.example.org", "kms_port": 1688, "connect_timeout": 5.0,
                                      "reachable": reachable, "error": None if reachable else "timed out"}
    return result


UNREACHABLE = {"unreachable": True, "changed": False, "msg": "Task failed: basic: connection refused"}
FAILED = {"failed": True, "changed": False, "remote_calls": 1, "msg": "Failed to inspect pc (step: read "
          "licensing products): Access denied", "error_code": "0x80070005", "error_name": "E_ACCESSDENIED"}


# -- outcomes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("result", "outcome", "words"), [
    pytest.param(None, "unreachable", "no result was recorded", id="no-result"),
    pytest.param(UNREACHABLE, "unreachable", "could not be reached", id="unreachable"),
    pytest.param(dict(UNREACHABLE, failed=True), "unreachable", "could not be reached", id="unreachable-wins"),
    pytest.param(FAILED, "failed", "0x80070005 E_ACCESSDENIED: access denied. Connect with an account", id="failed"),
    pytest.param({"skipped": True, "changed": False}, "failed", "skipped", id="skipped"),
    pytest.param(info([windows()], office=[]), "no_kms_office", "no Office installed", id="no-office"),
    pytest.param(info([windows()], office=[M365]), "no_kms_office", "Microsoft 365 Apps only", id="m365-only"),
    pytest.param(info([mak()]), "no_kms_office", "RETAIL(MAK)", id="mak-only"),
    pytest.param(info([], office=[C2R]), "no_kms_office", "no product key installed", id="office-without-key"),
    pytest.param(info([kms(status=2, days=30)]), "not_activated", "ProPlus2024Volume is OOBGrace (30 days",
                 id="oob-grace"),
    pytest.param(info([kms(status=3, days=20)]), "not_activated", "OOTGrace", id="oot-grace"),
    pytest.param(info([kms(status=5, days=0)]), "not_activated", "Notification", id="notification"),
    pytest.param(info([kms(status=0, days=0)]), "not_activated", "Unlicensed", id="unlicensed"),
    pytest.param(info([kms(days=179), visio(status=2, days=30)]), "not_activated", "VisioPro2024Volume is OOBGrace",
                 id="one-of-two-not-activated"),
    pytest.param(info([kms(days=10)]), "expiring", "lapses in 10 days", id="expiring"),
    pytest.param(info([kms(days=29)]), "expiring", "lapses in 29 days", id="expiring-last-day"),
    pytest.param(info([kms(days=30)]), "activated", "30 days left", id="thirty-days-is-enough"),
    pytest.param(info([kms(days=179), visio(days=12)]), "expiring", "VisioPro2024Volume activation lapses in 12",
                 id="one-of-two-expiring"),
    pytest.param(info([kms(days=179)]), "activated", "ProPlus2024Volume Licensed, 179 days left", id="activated"),
    pytest.param(info([mak(), kms(days=100)]), "activated", "ProPlus2024Volume Licensed", id="mak-ignored"),
    pytest.param(info([windows(status=2), kms(days=100)]), "activated", "Licensed", id="windows-ignored"),
    pytest.param(info([windows(status=2)], office=[M365]), "no_kms_office", "Microsoft 365", id="windows-not-counted"),
])
def test_classify(result, outcome, words):
    got, reason = report.classify(result, 30)
    assert got == outcome
    assert words in reason


@pytest.mark.parametrize(("days", "expiring_days", "outcome"), [
    (44, 45, "expiring"), (45, 45, "activated"), (1, 1, "activated"), (1, 2, "expiring"), (179, 180, "expiring"),
    (3, 0, "activated"),
])
def test_expiring_threshold_is_fewer_than_n_days(days, expiring_days, outcome):
    assert report.classify(info([kms(days=days)]), expiring_days)[0] == outcome


def test_every_host_gets_exactly_one_outcome():
    results = {
        "a": info([kms(days=179)]), "b": info([kms(days=3)]), "c": info([kms(status=2, days=30)]),
        "d": UNREACHABLE, "e": FAILED, "f": info([mak()]),
    }
    document = report.build_report(results, hosts=["a", "b", "c", "d", "e", "f", "g"], generated_at=WHEN)
    assert [h["host"] for h in document["hosts"]] == list("abcdefg")
    assert document["summary"]["outcomes"] == {
        "activated": 1, "expiring": 1, "not_activated": 1, "unreachable": 2, "failed": 1, "no_kms_office": 1}
    assert sum(document["summary"]["outcomes"].values()) == document["summary"]["hosts"] == 7
    assert document["summary"]["unreachable_hosts"] == ["d", "g"]  # g: named but no result
    assert document["summary"]["failed_hosts"] == ["e"]
    g = document["hosts"][-1]
    assert (g["outcome"], g["message"]) == ("unreachable", g["reason"])
    e = document["hosts"][4]
    assert e["error_code"] == "0x80070005"
    assert e["message"].startswith("Failed to inspect")


# -- flags ------------------------------------------------------------------------------------
def fleet(**results):
    return report.build_report(results, generated_at=WHEN)


def flagged_hosts(document, kind):
    return sorted(h["host"] for h in document["hosts"] if kind in h["flags"])


def test_shared_client_machine_id_across_two_hosts():
    clone = "9D4C1B2A-7E6F-4A3B-8C2D-1E0F9A8B7C6D"
    document = fleet(
        pc13=info([kms()], cmid=clone), pc14=info([kms()], cmid=clone.lower()),
        pc16=info([kms()], cmid="3f0c6a3e-5f0b-4b7e-9b1e-0d6c1a2b0016"),
        down=dict(UNREACHABLE),
    )
    assert document["flags"]["shared_client_machine_id"] == [
        {"client_machine_id": clone.lower(), "service": "spp", "hosts": ["pc13", "pc14"]}]
    assert flagged_hosts(document, "shared_client_machine_id") == ["pc13", "pc14"]
    assert document["summary"]["flagged"]["shared_client_machine_id"] == 2


def test_unique_client_machine_ids_raise_nothing():
    document = fleet(a=info([kms()], cmid="1"), b=info([kms()], cmid="2"), c=info([kms()], cmid=None))
    assert document["flags"]["shared_client_machine_id"] == []


def test_shared_ospp_client_machine_id_is_its_own_group():
    document = fleet(
        a=info([kms()], cmid="1", ospp_client_machine_id="7a1d"),
        b=info([kms()], cmid="2", ospp_client_machine_id="7A1D"),
    )
    assert document["flags"]["shared_client_machine_id"] == [
        {"client_machine_id": "7a1d", "service": "ospp", "hosts": ["a", "b"]}]


@pytest.mark.parametrize(("skew", "flagged", "refused"), [
    (3601, True, False), (3599, False, False), (3600, False, False), (-3601, True, False), (0, False, False),
    (5 * 3600, True, True), (-(4 * 3600 + 1), True, True), (4 * 3600, True, False), (None, False, False),
])
def test_clock_skew_over_an_hour_is_flagged(skew, flagged, refused):
    document = fleet(pc=info([kms()], skew=skew))
    items = document["flags"]["clock_skew"]
    assert bool(items) is flagged
    assert ("clock_skew" in document["hosts"][0]["flags"]) is flagged
    if flagged:
        assert items == [{"host": "pc", "clock_skew_seconds": skew, "refused_by_kms": refused}]


def test_clock_skew_threshold_is_an_option():
    results = {"pc": info([kms()], skew=1000)}
    assert report.build_report(results, max_clock_skew_seconds=999)["flags"]["clock_skew"]
    assert not report.build_report(results, max_clock_skew_seconds=1000)["flags"]["clock_skew"]


@pytest.mark.parametrize(("days", "expiring_days", "flagged"), [
    (10, 30, True), (29, 30, True), (30, 30, False), (179, 30, False), (40, 45, True), (45, 45, False),
])
def test_lapse_within_n_days_is_flagged(days, expiring_days, flagged):
    document = report.build_report({"pc": info([kms(days=days, host="kms.example.org")])},
                                   expiring_days=expiring_days)
    expected = [{"host": "pc", "product": "ProPlus2024Volume", "sku_id": KMS_SKU, "remaining_days": days}]
    assert document["flags"]["expiring"] == (expected if flagged else [])
    assert document["summary"]["flagged"]["expiring"] == int(flagged)


def test_products_not_activated_or_not_kms_are_not_expiring():
    document = fleet(grace=info([kms(status=2, days=3)]), mak=info([mak()]),
                     win=info([windows()], office=[M365]))
    assert document["flags"]["expiring"] == []


def test_expiring_flag_on_a_host_that_is_not_activated_overall():
    document = fleet(pc=info([kms(days=5), visio(status=2, days=30)]))
    assert document["hosts"][0]["outcome"] == "not_activated"
    assert document["hosts"][0]["flags"] == ["expiring"]


def test_kms_unreachable_flag():
    document = fleet(a=info([kms()], reachable=False), b=info([kms()], reachable=True), c=info([kms()]))
    assert document["flags"]["kms_unreachable"] == [{"host": "a", "error": "timed out"}]
    assert [h["kms_reachable"] for h in document["hosts"]] == [False, True, None]


def test_hosts_without_a_result_raise_no_flag():
    document = fleet(a=UNREACHABLE, b=FAILED)
    assert all(items == [] for items in document["flags"].values())
    assert all(h["flags"] == [] for h in document["hosts"])


def test_bad_thresholds_are_refused():
    with pytest.raises(ValueError, match="expiring_days"):
        report.build_report({}, expiring_days=-1)
    with pytest.raises(ValueError, match="max_clock_skew_seconds"):
        report.build_report({}, max_clock_skew_seconds=-1)


# -- JSON -------------------------------------------------------------------------------------
def sample_document():
    clone = "9d4c1b2a-7e6f-4a3b-8c2d-1e0f9a8b7c6d"
    return report.build_report({
        "pc01": info([kms(status=2, days=30), visio(status=2, days=30)], cmid="01"),
        "pc06": info([mak()], cmid="06"),
        "pc07": info([kms(days=174, host="kms.example.org", port=1688)], reachable=True, cmid="07"),
        "pc08": info([kms(days=10, host="kms.example.org")], cmid="08"),
        "pc11": info([windows()], office=[], cmid="11"),
        "pc13": info([kms(status=2, days=30)], cmid=clone),
        "pc14": info([kms(status=2, days=30)], cmid=clone),
        "pc15": info([kms(status=2, days=30)], skew=18000, cmid="15"),
        "pc20": UNREACHABLE,
        "pc21": FAILED,
    }, kms_host="kms.example.org", generated_at=WHEN)


TOP_KEYS = {"schema", "generator", "generated_at", "language", "settings", "summary", "flags", "kms_hosts", "hosts"}
SUMMARY_KEYS = {"hosts", "outcomes", "flagged", "failed_hosts", "unreachable_hosts", "kms_hosts"}
HOST_KEYS = {
    "host", "outcome", "outcome_label", "reason", "flags", "message", "error_code", "computer_name", "os_caption",
    "os_build", "os_product_type",
    "client_machine_id", "ospp_client_machine_id", "clock_skew_seconds", "kms_reachable", "kms_reachability_error",
    "remaining_days", "office", "products", "dns_discovery", "remaining_windows_rearm_count",
}
PRODUCT_KEYS = {
    "sku_id", "application", "family", "name", "version", "channel", "kms_client", "license_status",
    "license_status_code", "license_status_reason", "remaining_days", "kms_host", "kms_port", "discovered_kms_host",
    "activation_type", "ad_activation_object", "rearm_count", "last_kms_exchange", "last_error", "kms_answered_by",
    "why_not_activated",
}
OFFICE_KEYS = {"type", "version", "product_ids", "subscription"}


def test_json_schema_keys():
    document = json.loads(json.dumps(sample_document()))  # survives a JSON round trip
    assert set(document) == TOP_KEYS
    assert document["schema"] == report.SCHEMA == 1
    assert document["generator"] == "volume_licensing.kms.office_kms_report"
    assert document["generated_at"] == "2026-11-25T18:00:00Z"
    assert document["settings"] == {"expiring_days": 30, "max_clock_skew_seconds": 3600, "kms_host": "kms.example.org"}
    assert set(document["summary"]) == SUMMARY_KEYS
    assert list(document["summary"]["outcomes"]) == list(report.OUTCOMES)
    assert set(document["summary"]["flagged"]) == set(document["flags"]) == set(report.FLAGS)
    for entry in document["hosts"]:
        assert set(entry) == HOST_KEYS, entry["host"]
        assert entry["outcome"] in report.OUTCOMES
        assert set(entry["flags"]) <= set(report.FLAGS)
        for product in entry["products"]:
            assert set(product) == PRODUCT_KEYS
        for install in entry["office"]:
            assert set(install) == OFFICE_KEYS
    assert set(document["flags"]["shared_client_machine_id"][0]) == {"client_machine_id", "service", "hosts"}
    assert set(document["flags"]["clock_skew"][0]) == {"host", "clock_skew_seconds", "refused_by_kms"}
    assert set(document["flags"]["expiring"][0]) == {"host", "product", "sku_id", "remaining_days"}


def test_json_host_entry_values():
    by_host = {h["host"]: h for h in sample_document()["hosts"]}
    pc07 = by_host["pc07"]
    assert (pc07["outcome"], pc07["remaining_days"], pc07["kms_reachable"]) == ("activated", 174, True)
    assert pc07["products"][0]["kms_host"] == "kms.example.org"
    assert pc07["products"][0]["license_status"] == "Licensed"
    assert pc07["products"][0]["license_status_code"] == 1
    assert by_host["pc01"]["remaining_days"] is None  # grace days are not activation days
    assert by_host["pc06"]["products"][0]["remaining_days"] is None
    assert by_host["pc20"]["products"] == [] and by_host["pc20"]["client_machine_id"] is None


def test_stats_for_set_stats():
    stats = report.stats(sample_document())
    assert stats == {
        "hosts": 10, "activated": 1, "expiring": 1, "not_activated": 4, "unreachable": 1, "failed": 1,
        "no_kms_office": 2, "failed_hosts": ["pc21"], "unreachable_hosts": ["pc20"],
        "flagged": {"shared_client_machine_id": 2, "clock_skew": 1, "expiring": 1, "kms_unreachable": 0,
                    "kms_count_low": 0, "kms_host_lacks_key": 0, "no_dns_record": 0, "rearms_exhausted": 0},
    }


def test_fingerprint_ignores_time_and_skew_jitter_but_not_state():
    results = {"a": info([kms(days=100)], skew=0), "b": info([kms(days=100)], skew=18000)}
    first = report.build_report(results, generated_at=WHEN)
    jitter = {"a": info([kms(days=100)], skew=-1), "b": info([kms(days=100)], skew=17999)}
    again = report.build_report(jitter, generated_at=datetime(2026, 11, 26, tzinfo=timezone.utc))
    assert report.fingerprint(first) == report.fingerprint(again)
    later = report.build_report(dict(results, a=info([kms(days=99)])), generated_at=WHEN)
    assert report.fingerprint(first) != report.fingerprint(later)
    fixed = report.build_report(dict(results, b=info([kms(days=100)])), generated_at=WHEN)
    assert report.fingerprint(first) != report.fingerprint(fixed)  # the skew flag went away


# -- CSV --------------------------------------------------------------------------------------
def read_csv(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_parses_back_one_row_per_host_and_product():
    document = sample_document()
    text = report.to_csv(document)
    rows = read_csv(text)
    assert list(rows[0]) == list(report.CSV_COLUMNS)
    expected = sum(max(1, len(h["products"])) for h in document["hosts"])
    assert len(rows) == expected == 11  # pc01 has two products; every other host one row
    assert [r["host"] for r in rows].count("pc01") == 2
    assert {r["family"] for r in rows if r["host"] == "pc01"} == {"ProPlus2024Volume", "VisioPro2024Volume"}
    pc20 = [r for r in rows if r["host"] == "pc20"]
    assert len(pc20) == 1 and pc20[0]["outcome"] == "unreachable" and pc20[0]["family"] == ""
    assert "connection refused" in pc20[0]["message"]
    pc07 = next(r for r in rows if r["host"] == "pc07")
    assert (pc07["remaining_days"], pc07["kms_host"], pc07["kms_port"], pc07["kms_reachable"]) == (
        "174", "kms.example.org", "1688", "true")
    assert next(r for r in rows if r["host"] == "pc13")["flags"] == "shared_client_machine_id"
    assert next(r for r in rows if r["host"] == "pc15")["clock_skew_seconds"] == "18000"
    # The product name holds a comma: RFC 4180 quotes it.
    assert '"Office 24, Office24ProPlus2024VL_KMS_Client_AE edition"' in text


def test_csv_is_rfc_4180():
    text = report.to_csv(sample_document())
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.splitlines()[0] == ",".join(report.CSV_COLUMNS)


def test_csv_quotes_and_neutralises_hostile_values():
    hostile = info([licensing.product(raw_product('Office 24, "Quoted", edition\nnext line', KMS_DESCRIPTION,
                                                  KMS_SKU, status=2, days=30), "SoftwareLicensingProduct")])
    hostile["host"]["computer_name"] = "=HYPERLINK(\"http://example.invalid\")"
    document = report.build_report({"-pc,01": hostile, "@pc02": FAILED}, generated_at=WHEN)
    rows = read_csv(report.to_csv(document))
    assert [r["host"] for r in rows] == ["'-pc,01", "'@pc02"]
    assert rows[0]["computer_name"] == "'=HYPERLINK(\"http://example.invalid\")"
    assert rows[0]["product_name"] == 'Office 24, "Quoted", edition\nnext line'
    # Numbers stay numbers, negative ones included.
    skewed = report.build_report({"pc": info([kms()], skew=-7200)}, generated_at=WHEN)
    assert read_csv(report.to_csv(skewed))[0]["clock_skew_seconds"] == "-7200"


# -- HTML -------------------------------------------------------------------------------------
class Page(HTMLParser):
    """The parts of the page the tests read."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] = {}
        self.scripts = 0
        self.rows = 0
        self.refs: list[tuple[str, str]] = []
        self._count: str | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "span" and attributes.get("class") == "count":
            self._count = attributes["data-outcome"]
            self.counts[self._count] = ""
        if tag == "script":
            self.scripts += 1
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.rows += 1
        self.refs += [(tag, name) for name in ("src", "href") if name in attributes]

    def handle_endtag(self, tag):
        if tag == "span":
            self._count = None

    def handle_data(self, data):
        if self._count:
            self.counts[self._count] += data


def parse(text):
    page = Page()
    page.feed(text)
    return page


def test_html_summary_counts_are_marked_and_visible():
    document = sample_document()
    page = parse(report.to_html(document))
    assert page.counts == {k: str(v) for k, v in document["summary"]["outcomes"].items()}
    assert page.rows == sum(max(1, len(h["products"])) for h in document["hosts"])


def test_html_escapes_hostile_host_and_product_names():
    evil_host = '<script>alert("host")</script>'
    evil_product = licensing.product(raw_product('<img src=x onerror=alert(1)>', KMS_DESCRIPTION, KMS_SKU,
                                                 status=2, days=30, host='"><script>alert(2)</script>'),
                                     "SoftwareLicensingProduct")
    document = report.build_report({
        evil_host: info([evil_product], cmid="<b>cmid</b>"),
        "pc2": info([kms()], cmid="<b>cmid</b>"),
        "pc3": dict(UNREACHABLE, msg="</td><script>alert(3)</script>"),
    }, kms_host="<kms>", generated_at=WHEN)
    text = report.to_html(document)
    for raw in ("<script>alert", "<img", "<b>cmid", '"><script>', "</td><script>", "<kms>"):
        assert raw not in text
    assert "&lt;script&gt;alert(&quot;host&quot;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;b&gt;cmid&lt;/b&gt;" in text  # in the shared ClientMachineID flag
    page = parse(text)
    assert page.scripts == 1  # the page's own sorting script, nothing injected


def test_html_is_self_contained():
    text = report.to_html(sample_document())
    page = parse(text)
    assert page.refs == []  # no src=, no href=: nothing to fetch
    assert "url(" not in text and "@import" not in text
    assert "<svg" in text and 'id="hosts"' in text
    # The Content-Security-Policy allows exactly the inline style and script the page holds.
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1))
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    for part in (style, script):
        digest = base64.b64encode(hashlib.sha256(part.encode()).digest()).decode()
        assert "'sha256-%s'" % digest in csp
    assert csp.startswith("default-src 'none';")


def test_html_names_every_flag_and_the_threshold():
    text = report.to_html(sample_document())
    assert 'data-flag="shared_client_machine_id"' in text and "pc13, pc14" in text
    assert 'data-flag="clock_skew"' in text and "pc15: +18000 s (5.0 h), KMS refuses it" in text
    assert 'data-flag="expiring"' in text and "pc08: ProPlus2024Volume, 10 days left" in text
    assert 'data-flag="kms_unreachable"' not in text
    assert "Expiring within 30 days" in text


def test_chart_buckets():
    buckets = report.chart_buckets(sample_document())
    assert buckets[0] == {"label": "Not activated", "count": 4, "kind": "not_activated"}
    counts = {b["label"]: b["count"] for b in buckets[1:]}
    assert counts == {"0-6 d": 0, "7-29 d": 1, "30-59 d": 0, "60-89 d": 0, "90-119 d": 0, "120-149 d": 0,
                      "150+ d": 1}
    assert [b["kind"] for b in buckets[1:3]] == ["expiring", "expiring"]
    assert buckets[3]["kind"] == "activated"


def test_chart_has_a_bucket_edge_at_a_custom_threshold():
    document = report.build_report({"pc": info([kms(days=40)])}, expiring_days=45, generated_at=WHEN)
    buckets = report.chart_buckets(document)
    labels = [b["label"] for b in buckets]
    assert "30-44 d" in labels and "45-59 d" in labels
    assert next(b for b in buckets if b["label"] == "30-44 d") == {
        "label": "30-44 d", "low": 30, "high": 44, "count": 1, "kind": "expiring"}


# -- the host's own evidence (issue: the report says why) -------------------------------------
def exchange(code="0xC004F038", count=3, answered=True, host="kms-new.example.org", activated=False):
    return {"time": "2026-11-30T10:02:11Z", "provider": "Microsoft-Windows-Security-SPP", "kms_host": host,
            "kms_port": 1688, "activation_id": KMS_SKU, "required_count": 5, "answered": answered,
            "hresult": code if answered else None, "error_name": hresult.name_of(int(code, 16)) if answered else None,
            "activated": activated if answered else None,
            "kms_count": count if answered else None}


def with_exchange(product, ex):
    return dict(product, last_kms_exchange=ex)


def test_not_activated_says_why_and_flags_name_the_kms_host():
    document = fleet(
        low=info([with_exchange(kms(status=2, days=29), exchange())]),
        nokey=info([with_exchange(kms(status=2, days=29), exchange("0xC004F042", 50, host="kms-win.example.org"))]),
        silent=info([with_exchange(kms(status=2, days=29), exchange(answered=False))]),
        fresh=info([kms(status=2, days=29)]),
        fine=info([with_exchange(kms(days=179), exchange("0x00000000", 30, activated=True))]),
    )
    by_host = {h["host"]: h for h in document["hosts"]}
    assert "0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT, the KMS host counts 3 clients and activates Office from 5" \
        in by_host["low"]["reason"]
    [low] = by_host["low"]["products"]
    assert low["last_error"]["code"] == "0xC004F038" and low["last_error"]["name"] == "SL_E_VL_NOT_ENOUGH_COUNT"
    assert low["kms_answered_by"] == {"kms_host": "kms-new.example.org", "kms_port": 1688, "kms_count": 3}
    assert by_host["silent"]["products"][0]["last_error"]["code"] == "0xC004F074"
    assert "got no answer" in by_host["silent"]["products"][0]["why_not_activated"]
    assert by_host["fresh"]["products"][0]["why_not_activated"] == "no KMS exchange in the host's event log yet"
    assert by_host["fine"]["products"][0]["why_not_activated"] is None
    assert by_host["fine"]["products"][0]["last_error"] is None
    assert document["flags"]["kms_count_low"] == [{
        "host": "low", "product": "ProPlus2024Volume", "sku_id": KMS_SKU, "kms_host": "kms-new.example.org",
        "kms_port": 1688, "kms_count": 3, "required_count": 5}]
    assert [(f["host"], f["kms_host"]) for f in document["flags"]["kms_host_lacks_key"]] == [
        ("nokey", "kms-win.example.org")]
    assert by_host["low"]["flags"] == ["kms_count_low"] and by_host["fine"]["flags"] == []
    page = report.to_html(document)
    assert 'data-flag="kms_count_low"' in page and "kms-new.example.org:1688 counts 3 clients (needs 5)" in page
    rows = report.csv_rows(document)
    low_row = dict(zip(rows[0], next(r for r in rows if r[0] == "low"), strict=True))
    assert (low_row["last_error_code"], low_row["kms_answered_by"], low_row["kms_count"]) == (
        "0xC004F038", "kms-new.example.org:1688", "3")


def test_dns_sites_and_rearms():
    not_published = {"status": "not_published", "query": "_vlmcs._tcp.annex.example.org", "records": [],
                     "error": "DNS name does not exist"}
    document = fleet(
        a=dict(info([kms()]), dns_discovery=not_published),
        b=dict(info([kms()]), dns_discovery=not_published),
        c=dict(info([kms()]), dns_discovery={"status": "unknown", "query": "_vlmcs._tcp", "records": []}),
        d=info([dict(kms(), rearm_count={"app": 0, "sku": 0})], remaining_windows_rearm_count=0),
        e=info([dict(kms(), rearm_count={"app": None, "sku": None})], remaining_windows_rearm_count=None),
    )
    assert document["flags"]["no_dns_record"] == [{"query": "_vlmcs._tcp.annex.example.org", "hosts": ["a", "b"]}]
    assert document["flags"]["rearms_exhausted"] == [
        {"host": "d", "product": "Windows", "count": "RemainingWindowsReArmCount"},
        {"host": "d", "product": "ProPlus2024Volume", "count": "RemainingAppReArmCount"}]
    assert document["summary"]["flagged"]["no_dns_record"] == 2
    assert document["summary"]["flagged"]["rearms_exhausted"] == 1


# Issue 21: the full-width forms of = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20) are formula
# starts to some spreadsheet applications (input methods and locales that map them), and so
# are tab and carriage return (OWASP's CSV injection list): each is neutralised like "=".
@pytest.mark.parametrize("start", ["\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "=", "+", "-", "@"])
def test_csv_neutralises_every_formula_start_full_width_included(start):
    cell = start + "HYPERLINK(\"http://example.invalid\")"
    hostile = info([kms()])
    hostile["host"]["computer_name"] = cell
    document = report.build_report({start + "pc01": hostile}, generated_at=WHEN)
    [row] = read_csv(report.to_csv(document))
    assert row["host"] == "'" + start + "pc01"
    assert row["computer_name"] == "'" + cell


@pytest.mark.parametrize("text", ["\uff21pc01", "pc\uff1d01", "pc-01"])
def test_csv_leaves_other_cells_as_they_are(text):
    hostile = info([kms()])
    hostile["host"]["computer_name"] = text
    [row] = read_csv(report.to_csv(report.build_report({"pc01": hostile}, generated_at=WHEN)))
    assert row["computer_name"] == text


# -- the organisation's KMS hosts beside their clients -----------------------------------------
def kms_host_info(count=4, office_activated=True, requests=(), **extra):
    """A registered kms_host_info result of a KMS host with an Office 2024 host key."""
    return {
        "changed": False, "remote_calls": 1, "host": {"computer_name": "KMS01"},
        "is_kms_host": True, "kms_enabled": True,
        "host_products": [{"application": "office", "office_version": "2024", "name": "Office 24, host",
                           "partial_key": "ABK02", "activated": office_activated, "current_count": count,
                           "requests": {"total": len(requests), "failed": 0, "licensed": 0}}],
        "office_volume_license_packs": {"2024": {"installed": True}, "2021": {"installed": False}},
        "listening_port": 1688, "dns_publishing": True, "low_priority": False,
        "current_count": count, "activates_office": count >= 5, "activates_windows_server": False,
        "activates_windows_clients": False,
        "firewall": {"rule": "SPPSVC-In-TCP", "found": True, "enabled": True},
        "kms_requests": [{"cmid": cmid, "client": "%s.campus.example" % cmid} for cmid in requests],
        "kms_request_summary": {"read": True, "distinct_clients": len(set(requests))},
        **extra,
    }


def refused(code, count, host="kms.campus.example"):
    return with_exchange(kms(status=2, days=29), exchange(code, count, host=host))


def test_kms_hosts_are_reported_beside_the_clients_whose_failures_they_explain():
    """Traced by the host's own request log (the client's machine ID), else by the name the
    client asked; grouped by reason and product, with the host's own count."""
    document = report.build_report({
        "pc01": info([refused("0xC004F038", 4)], cmid="c1"),
        "pc02": info([refused("0xC004F038", 4)], cmid="c2"),
        "pc03": info([refused("0xC004F038", 4, host="kms.campus.example")], cmid="not-in-its-log"),
        "pc04": info([refused("0xC004F042", 4)], cmid="c4"),
        "pc05": info([refused("0xC004F038", 4, host="kms-other.example.org")], cmid="elsewhere"),
        "pc06": info([kms(days=179)], cmid="c6"),
    }, kms_hosts={"kms01": kms_host_info(count=4, requests=["C1", "c2", "c4", "c6"]), "kms02": None},
        kms_host_names={"kms01": ["kms.campus.example"]}, generated_at=WHEN)
    assert document["summary"]["kms_hosts"] == 2
    kms01, kms02 = document["kms_hosts"]
    assert (kms02["host"], kms02["outcome"], kms02["traced_failures"]) == ("kms02", "unreachable", [])
    assert kms01["outcome"] == "ok" and kms01["current_count"] == 4 and kms01["activates"]["office"] is False
    assert kms01["host_keys"] == [{"application": "office", "office_version": "2024", "name": "Office 24, host",
                                   "partial_key": "ABK02", "activated": True}]
    assert kms01["office_volume_license_packs"] == {"2021": False, "2024": True}
    assert kms01["clients_seen"] == 4 and kms01["firewall_open"] is True
    low, nokey = kms01["traced_failures"]
    assert low == {"reason": "count_low", "error_code": "0xC004F038", "error_name": "SL_E_VL_NOT_ENOUGH_COUNT",
                   "product": "Office 2024", "clients": ["pc01", "pc02", "pc03"],
                   "text": "3 Office 2024 client(s) refused: kms01 counted 4 clients, needs 5; it counts 4 now"}
    assert (nokey["reason"], nokey["clients"], nokey["text"]) == (
        "no_host_key", ["pc04"], "1 Office 2024 client(s) refused: kms01 has no Office 2024 host key")
    page = report.to_html(document)
    assert 'id="kms-hosts"' in page and "3 Office 2024 client(s) refused: kms01 counted 4 clients, needs 5" in page
    assert report.to_html(fleet(a=info([kms()]))).count('id="kms-hosts"') == 0  # no KMS host given: no section
    # The host's state is part of what decides changed.
    again = report.build_report({"pc01": info([refused("0xC004F038", 2)], cmid="c1"),
                                 "pc02": info([refused("0xC004F038", 4)], cmid="c2")},
                                kms_hosts={"kms01": kms_host_info(count=10, requests=["c1", "c2"])}, generated_at=WHEN)
    assert report.fingerprint(again)["kms_hosts"][0]["current_count"] == 10
    assert again["kms_hosts"][0]["traced_failures"][0]["text"] == (
        "2 Office 2024 client(s) refused: kms01 counted 2-4 clients, needs 5; it counts 10 now, enough: "
        "they activate at their next attempt")
