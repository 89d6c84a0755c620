"""playbooks/report.yml end to end: office_kms_info over WinRM on the whole default lab, one
host unreachable, then the report files on the controller, checked against the lab's
emulated state and rendered in headless Chromium."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from ansible_collections.volume_licensing.kms.plugins.action.office_kms_report import SPEC as ARGUMENT_SPEC
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import report

from tests import render
from tests.integration.conftest import BIN, ROOT, calls, run_playbook
from tests.simlab.lab import Lab

PLAYBOOK = "playbooks/report.yml"
INFO_TASK = "Read the licensing state (and test the KMS host from each host)"
REPORT_TASK = "Write the fleet report on the controller"
STATS_TASK = "Publish the fleet summary on the job"
DOWN = "pc20-lab"
EXPIRING_DAYS = 30  # the playbook's default
MAX_SKEW_SECONDS = 3600  # the playbook's default
OFFICE_APPS = {"0ff1ce15-a989-479d-af46-f275c6370663", "59a52881-a989-479d-af46-f275c6370663"}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """One run of playbooks/report.yml over the default lab, with pc20 unreachable (nothing
    listens on port 1), shared by the tests that only read its outcome."""
    workdir = tmp_path_factory.mktemp("report")
    reports = workdir / "reports"
    with Lab.from_scenario("default") as lab:
        run = run_playbook(lab, PLAYBOOK, workdir, "-e", "office_kms_report_dir=%s" % reports,
                           host_vars={DOWN: {"ansible_port": 1}}, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
        yield lab, run, reports


@pytest.fixture(scope="module")
def zh_tw_report(tmp_path_factory):
    """The same run in Traditional Chinese (-e office_kms_report_language=zh-TW), on a lab of
    the same scenario: its reports directory."""
    workdir = tmp_path_factory.mktemp("report-zh-tw")
    reports = workdir / "reports"
    with Lab.from_scenario("default") as lab:
        run = run_playbook(lab, PLAYBOOK, workdir, "-e", "office_kms_report_dir=%s" % reports,
                           "-e", "office_kms_report_language=zh-TW", host_vars={DOWN: {"ansible_port": 1}})
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # The console's line per host speaks the language too (office_kms_summary).
    lines = [r["result"]["msg"] for r in run.records if r["task"] == "Summarise each host in one line"]
    assert len(lines) == 20 and all(CJK.search(line) for line in lines), lines
    assert any(line.startswith("失敗：") for line in lines), lines  # the unreachable host
    return reports


def office_products(state):
    """The Office products the inspect step reads (keyed; Office 2010 and Office on Windows 7
    from the OSPP class, as ospp.vbs does), straight from the emulated state."""
    win7 = state.os["version"].startswith("6.1.")
    found = []
    for p in state.products:
        if not p["PartialProductKey"] or p["ApplicationID"].lower() not in OFFICE_APPS:
            continue
        if (p["class"] == "SoftwareLicensingProduct" and not win7) or (
                p["class"] == "OfficeSoftwareProtectionProduct" and state.ospp_service):
            found.append(p)
    return found


def kms_products(state):
    return [p for p in office_products(state) if "VOLUME_KMSCLIENT" in p["Description"].upper()]


def expected_outcome(state, down: str | None = DOWN) -> str:
    """docs/report.md's rules applied to the emulated state, independently of the plugin
    (``down``: the host the run could not reach)."""
    if state.name == down:
        return "unreachable"
    products = kms_products(state)
    if not products:
        return "no_kms_office"
    if any(p["LicenseStatus"] != 1 for p in products):
        return "not_activated"
    if any(p["GracePeriodRemaining"] // 1440 < EXPIRING_DAYS for p in products):
        return "expiring"
    return "activated"


def reachable_states(lab):
    return [lab.state(h) for h in lab.host_names if h != DOWN]


def load_json(reports: Path) -> dict:
    return json.loads((reports / "kms-report.json").read_text(encoding="utf-8"))


def read_csv(reports: Path) -> list[dict[str, str]]:
    with open(reports / "kms-report.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# -- the run and the JSON ---------------------------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_zh_tw_report_has_the_same_keys_codes_and_outcomes_in_other_words(report_run, zh_tw_report):
    """Through ansible-playbook: the JSON keys, the CSV columns and every code are the English
    run's; the reasons, labels, status words and hints are Traditional Chinese."""
    _lab, _run, reports = report_run
    english, chinese = load_json(reports), load_json(zh_tw_report)
    assert (english["language"], chinese["language"]) == ("en", "zh-TW")
    assert chinese["summary"] == english["summary"]
    # Two runs a few seconds apart: a clock skew may differ by a second (report.fingerprint).
    assert report.fingerprint(chinese)["flags"] == report.fingerprint(english)["flags"]
    assert [sorted(h) for h in chinese["hosts"]] == [sorted(h) for h in english["hosts"]]
    for en_host, zh_host in zip(english["hosts"], chinese["hosts"], strict=True):
        assert (zh_host["host"], zh_host["outcome"], zh_host["flags"], zh_host["error_code"]) == (
            en_host["host"], en_host["outcome"], en_host["flags"], en_host["error_code"])
        assert CJK.search(zh_host["reason"]) and CJK.search(zh_host["outcome_label"]), zh_host["reason"]
        for en_product, zh_product in zip(en_host["products"], zh_host["products"], strict=True):
            assert (zh_product["sku_id"], zh_product["license_status_code"], zh_product["last_error"] and
                    zh_product["last_error"]["code"]) == (en_product["sku_id"], en_product["license_status_code"],
                                                          en_product["last_error"] and en_product["last_error"]["code"])
            assert CJK.search(zh_product["license_status"])
    en_rows, zh_rows = read_csv(reports), read_csv(zh_tw_report)
    assert list(zh_rows[0]) == list(en_rows[0])
    assert [(r["host"], r["outcome"], r["last_error_code"]) for r in zh_rows] == [
        (r["host"], r["outcome"], r["last_error_code"]) for r in en_rows]
    page = (zh_tw_report / "kms-report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant-TW">' in page and "Office volume activation report" not in page


def test_the_zh_tw_report_renders_every_character_in_chromium(zh_tw_report, tmp_path):
    """Headless Chromium with Debian's Noto CJK (make test-deps): every character of every text
    node the page draws is in a font Chromium drew it with (glyph coverage, not pixels), the
    Traditional Chinese ones in Noto Sans CJK TC, and the screenshot is not blank."""
    rendered = render.render(zh_tw_report / "kms-report.html", tmp_path / "zh-tw.png")
    assert not rendered.tofu, "\n".join(map(str, rendered.tofu))
    chinese = [n for n in rendered.rendered if CJK.search(n.text)]
    assert len(chinese) > 50, [n.text for n in rendered.rendered][:20]
    assert all(any("CJK TC" in f.family for f in n.fonts) for n in chinese), [
        (n.text, [f.family for f in n.fonts]) for n in chinese if not any("CJK TC" in f.family for f in n.fonts)]
    assert render.ink(rendered.screenshot) > 0.01


def test_run_writes_three_files_and_keeps_the_one_line_summaries(report_run):
    lab, run, reports = report_run
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]  # an unreachable host is reported, not fatal
    assert sorted(p.name for p in reports.iterdir()) == ["kms-report.csv", "kms-report.html", "kms-report.json"]
    record = run.result(lab.host_names[0], REPORT_TASK)
    assert record["status"] == "ok" and record["result"]["changed"] is True
    assert record["result"]["paths"] == {kind: str(reports / ("kms-report." + kind))
                                         for kind in ("json", "csv", "html")}
    summaries = [r for r in run.records if r["task"] == "Summarise each host in one line"]
    assert sorted(r["host"] for r in summaries) == sorted(lab.host_names)
    assert run.result(DOWN, "Summarise each host in one line")["result"]["msg"].startswith("FAILED: ")
    assert "kms-report.html" in run.stdout


def test_json_lists_every_host_with_the_unreachable_one(report_run):
    lab, run, reports = report_run
    document = load_json(reports)
    assert document["schema"] == 1
    assert [h["host"] for h in document["hosts"]] == sorted(lab.host_names)
    assert len(document["hosts"]) == 20
    down = next(h for h in document["hosts"] if h["host"] == DOWN)
    assert down["outcome"] == "unreachable"
    assert "refused" in down["message"].lower()
    assert document["summary"]["unreachable_hosts"] == [DOWN]
    assert run.result(DOWN, INFO_TASK)["status"] == "unreachable"


def test_outcomes_follow_the_emulated_state(report_run):
    lab, _unused, reports = report_run
    document = load_json(reports)
    want = {h: expected_outcome(lab.state(h)) for h in lab.host_names}
    assert {h["host"]: h["outcome"] for h in document["hosts"]} == want
    counts = Counter(want.values())
    assert document["summary"]["outcomes"] == {o: counts.get(o, 0) for o in
                                               ("activated", "expiring", "not_activated", "unreachable", "failed",
                                               "no_kms_office")}
    # The scenario's named cases, spelled out.
    assert want["pc07-activated"] == "activated"
    assert want["pc08-expiring"] == "expiring"
    assert want["pc09-old-kms"] == "not_activated"
    assert {want["pc06-mak"], want["pc11-no-office"], want["pc12-m365-apps"]} == {"no_kms_office"}


def test_flags_name_the_clones_the_skewed_clock_and_the_lapsing_activation(report_run):
    lab, _unused, reports = report_run
    flags = load_json(reports)["flags"]
    states = reachable_states(lab)

    owners = Counter(s.client_machine_id.lower() for s in states)
    clones = sorted(s.name for s in states if owners[s.client_machine_id.lower()] > 1)
    assert clones == ["pc13-clone-a", "pc14-clone-b"]
    assert [(g["service"], g["hosts"]) for g in flags["shared_client_machine_id"]] == [("spp", clones)]
    assert flags["shared_client_machine_id"][0]["client_machine_id"] == lab.state("pc13-clone-a").client_machine_id

    skewed = sorted(s.name for s in states if abs(s.clock_offset_minutes * 60) > MAX_SKEW_SECONDS)
    assert skewed == ["pc15-clock-skew"]
    assert [f["host"] for f in flags["clock_skew"]] == skewed
    offset = lab.state("pc15-clock-skew").clock_offset_minutes * 60
    assert abs(flags["clock_skew"][0]["clock_skew_seconds"] - offset) <= 120
    assert flags["clock_skew"][0]["refused_by_kms"] is True  # five hours: KMS refuses it

    lapsing = sorted((s.name, p["GracePeriodRemaining"] // 1440) for s in states for p in kms_products(s)
                     if p["LicenseStatus"] == 1 and p["GracePeriodRemaining"] // 1440 < EXPIRING_DAYS)
    assert lapsing == [("pc08-expiring", 10)]
    assert [(f["host"], f["remaining_days"]) for f in flags["expiring"]] == lapsing
    assert flags["kms_unreachable"] == []  # every host reaches kms.campus.example

    by_host = {h["host"]: h["flags"] for h in load_json(reports)["hosts"]}
    assert by_host["pc13-clone-a"] == by_host["pc14-clone-b"] == ["shared_client_machine_id"]
    assert by_host["pc15-clock-skew"] == ["clock_skew"]
    assert by_host["pc08-expiring"] == ["expiring"]
    assert sum(1 for f in by_host.values() if f) == 4


def test_csv_has_one_row_per_host_and_product(report_run):
    lab, _unused, reports = report_run
    rows = read_csv(reports)
    assert list(rows[0]) == ["host", "outcome", "flags", "reason", "computer_name", "os", "client_machine_id",
                             "clock_skew_seconds", "kms_reachable", "application", "family", "product_name",
                             "sku_id", "channel", "kms_client", "license_status", "remaining_days", "kms_host",
                             "kms_port", "message", "why_not_activated", "last_error_code", "last_error_name",
                             "kms_answered_by", "kms_count", "activation_type", "rearms_left", "outcome_label",
                             "last_error_hint"]
    per_host = Counter(r["host"] for r in rows)
    for host in lab.host_names:
        products = [] if host == DOWN else office_products(lab.state(host))
        assert per_host[host] == max(1, len(products)), host
        skus = [r["sku_id"] for r in rows if r["host"] == host]
        assert skus == ([p["ID"].lower() for p in products] or [""]), host
    assert len(rows) == sum(per_host.values())
    assert (reports / "kms-report.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_fleet_summary_is_published_with_set_stats(report_run):
    lab, run, reports = report_run
    summary = load_json(reports)["summary"]
    stats = run.result(lab.host_names[0], STATS_TASK)["result"]["ansible_stats"]
    assert stats["per_host"] is False
    data = stats["data"]["office_kms_report"]
    assert {k: data[k] for k in summary["outcomes"]} == summary["outcomes"]
    assert data["unreachable_hosts"] == [DOWN]
    assert data["failed_hosts"] == []
    assert data["hosts"] == 20
    assert "CUSTOM STATS" in run.stdout
    custom = run.stdout.split("CUSTOM STATS")[1]
    assert "office_kms_report" in custom and DOWN in custom


def test_the_report_contacts_no_windows_host(report_run):
    lab, _unused, _unused = report_run
    for host in lab.host_names:
        assert calls(lab, host) == ([] if host == DOWN else ["read"]), host


# -- the HTML in a real browser ---------------------------------------------------------------
def chromium() -> str:
    path = shutil.which("chromium")
    assert path, "chromium is not installed: run `make test-deps` (Debian package chromium)"
    return path


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([chromium(), *CHROMIUM_FLAGS, "--user-data-dir=%s" % profile, *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


class Dom(HTMLParser):
    """What the tests read from a DOM Chromium dumped after running the page's script."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] = {}
        self.table: dict[str, str] = {}
        self.body: dict[str, str] = {}
        self.rows = 0
        self.sorted_heads: list[tuple[str, str]] = []
        self._count: str | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "span" and a.get("class") == "count":
            self._count = a["data-outcome"]
            self.counts[self._count] = ""
        elif tag == "table" and a.get("id") == "hosts":
            self.table = a
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows += 1
        elif tag == "body":
            self.body = a
        elif tag == "th" and "aria-sort" in a:
            self.sorted_heads.append((a.get("data-type", ""), a["aria-sort"]))

    def handle_endtag(self, tag):
        if tag == "span":
            self._count = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._count:
            self.counts[self._count] += data


def dump_dom(page: Path, profile: Path) -> Dom:
    dom = Dom()
    dom.feed(browse(page, profile, "--dump-dom").stdout)
    return dom


def test_chromium_shows_the_json_counts_and_a_working_table(report_run, tmp_path):
    _unused, _unused, reports = report_run
    document = load_json(reports)
    dom = dump_dom(reports / "kms-report.html", tmp_path / "profile")
    assert {k: int(v.strip()) for k, v in dom.counts.items()} == document["summary"]["outcomes"]
    # The sorting script ran under the page's Content-Security-Policy and marked the table.
    assert dom.table.get("data-sortable") == "ready"
    assert dom.rows == len(read_csv(reports))


def test_chromium_screenshot_is_a_real_picture(report_run, tmp_path):
    _unused, _unused, reports = report_run
    shot = tmp_path / "report.png"
    browse(reports / "kms-report.html", tmp_path / "profile", "--screenshot=%s" % shot, "--window-size=1280,1600")
    data = shot.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert (width, height) == (1280, 1600)
    assert len(data) > 20_000  # a blank page of that size compresses to a few kilobytes


CLICKS = """
(function () {
  var heads = document.querySelectorAll("#hosts thead th");
  function column(name) {
    for (var i = 0; i < heads.length; i++) { if (heads[i].textContent.trim() === name) { return i; } }
    throw new Error("no column " + name);
  }
  function click(name) { heads[column(name)].querySelector("button").click(); }
  function values(name) {
    var i = column(name);
    return JSON.stringify(Array.prototype.map.call(document.querySelectorAll("#hosts tbody tr"),
      function (row) { return row.cells[i].textContent.trim(); }));
  }
  click("Days left"); document.body.setAttribute("data-days-ascending", values("Days left"));
  click("Days left"); document.body.setAttribute("data-days-descending", values("Days left"));
  click("Host"); document.body.setAttribute("data-hosts-ascending", values("Host"));
})();
"""


def test_clicking_a_heading_sorts_the_table(report_run, tmp_path):
    """Clicks the headings from a script added to a copy of the page (and allowed by its hash
    in the page's policy), then reads the order Chromium left in the DOM."""
    _unused, _unused, reports = report_run
    text = (reports / "kms-report.html").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(CLICKS.encode()).digest()).decode()
    text = re.sub(r"script-src ", "script-src &#x27;sha256-%s&#x27; " % digest, text, count=1)
    text = text.replace("</body>", "<script>%s</script></body>" % CLICKS)
    page = tmp_path / "clicked.html"
    page.write_text(text, encoding="utf-8")
    dom = dump_dom(page, tmp_path / "profile")

    ascending = json.loads(dom.body["data-days-ascending"])
    numbers = [int(v) for v in ascending if v]
    assert numbers == sorted(numbers) and len(numbers) >= 10
    assert ascending == [str(n) for n in numbers] + [""] * (len(ascending) - len(numbers))  # empty cells last
    descending = json.loads(dom.body["data-days-descending"])
    assert [int(v) for v in descending if v] == sorted(numbers, reverse=True)
    hosts = json.loads(dom.body["data-hosts-ascending"])
    assert hosts == sorted(hosts) and hosts[0] == "pc01-ltsc2024-visio"
    assert dom.sorted_heads == [("text", "ascending")]


# -- idempotence, check mode, documentation ---------------------------------------------------
def report_task(run, lab):
    return run.result(lab.host_names[0], REPORT_TASK)


def test_check_mode_writes_nothing_and_a_second_run_changes_nothing(lab, ansible, tmp_path):
    reports = tmp_path / "out" / "reports"
    where = "office_kms_report_dir=%s" % reports
    check = ansible(lab, PLAYBOOK, "--check", "-e", where)
    assert check.rc == 0
    assert report_task(check, lab)["result"]["changed"] is True
    assert report_task(check, lab)["result"]["summary"]["hosts"] == 20
    assert not reports.exists()

    first = ansible(lab, PLAYBOOK, "-e", where)
    assert report_task(first, lab)["result"]["changed"] is True
    generated = load_json(reports)["generated_at"]

    second = ansible(lab, PLAYBOOK, "-e", where)
    assert second.rc == 0
    assert [r for r in second.records if r["result"].get("changed")] == []
    assert re.search(r"changed=[1-9]", second.stdout) is None
    assert load_json(reports)["generated_at"] >= generated  # rewritten, with this run's time


def ansible_doc(name: str) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    out = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", "-j", name], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[name]


def test_every_option_and_return_value_is_documented(report_run):
    lab, run, _unused = report_run
    doc = ansible_doc("volume_licensing.kms.office_kms_report")
    options = doc["doc"]["options"]
    assert set(options) == set(ARGUMENT_SPEC)
    for name, spec in ARGUMENT_SPEC.items():
        assert options[name]["type"] == spec["type"], name
        assert options[name].get("default") == spec.get("default"), name
        assert options[name].get("required", False) == spec.get("required", False), name
        assert options[name].get("elements") == spec.get("elements"), name
        assert options[name]["description"], name
    assert doc["doc"]["attributes"]["check_mode"]["support"] == "full"
    assert "volume_licensing.kms.office_kms_report:" in doc["examples"]

    returns = doc["return"]
    result = report_task(run, lab)["result"]
    standard = {"failed", "skipped", "_ansible_no_log", "_ansible_verbose_always", "_ansible_verbose_override",
                "_ansible_delegated_vars"}
    for key, value in result.items():
        if key in standard:
            continue
        assert key in returns, "return value %r is not documented" % key
        contains = returns[key].get("contains")
        if contains and isinstance(value, dict):
            assert set(value) <= set(contains), "undocumented keys under %s: %s" % (key, set(value) - set(contains))
