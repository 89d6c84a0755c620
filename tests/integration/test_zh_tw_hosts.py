"""The controller decides on codes, never on text (issue 25, DESIGN "Languages"): playbooks/report.yml,
playbooks/activate.yml, then report.yml again, run for real over Traditional Chinese Windows PCs
(tests/simlab/scenarios/zh_tw.yml: captions, error texts and console code page as a zh-TW Windows
writes them, tests/simlab/locales.py) and over the same PCs in English. Windows' words differ
between the two; every outcome, changed and failed status, error code, licence status, remote call,
report outcome, flag and reason must not."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.conftest import Run, calls, run_playbook
from tests.simlab.lab import Lab
from tests.simlab.scenario import parse, scenario_path

ACTIVATE = "playbooks/activate.yml"
REPORT = "playbooks/report.yml"
ACT = "Point Office at the KMS host and activate what needs it"
INFO = "Read the licensing state (and test the KMS host from each host)"
FLEET = "Gather every host's outcome once"
LOCALES = ("zh-TW", "en-US")
# What a Windows in another language words differently (the host's caption and architecture, its
# error texts as the results and the report quote them), and what differs between any two runs
# (times, the clock's skew by a second). Nothing else may differ.
WORDS = {"os_caption", "os_architecture", "kms_reachability_error", "error", "msg"}
TIMES = {"time", "answered_at", "utc_now", "clock_skew_seconds", "generated_at"}
# Per host: (failed, changed, error_code) of the role's task, the same in both languages.
EXPECTED = {
    "tw01-activated": (False, False, None),
    "tw02-to-activate": (False, True, None),
    "tw03-expiring": (False, True, None),
    "tw04-kms-refused": (True, False, "0xC004F074"),
    "tw05-off-campus": (True, False, "0xC004F074"),
    "tw06-kms-mute": (True, True, "0xC004F074"),
    "tw07-count-low": (True, True, "0xC004F038"),
    "tw08-no-host-key": (True, True, "0xC004F042"),
    "tw09-mak": (False, False, None),
    "tw10-office2010-win7": (False, True, None),
    "tw11-not-admin": (True, False, "0xC004F025"),
    "tw12-pro-education": (False, True, None),
    "tw13-server": (False, True, None),
    "tw14-dns-discovery": (False, True, None),
    "tw15-no-dns-record": (True, False, "0x8007232B"),
}


@dataclass
class Fleet:
    """The three runs over one language's lab, and what the lab recorded."""

    before: Run
    activate: Run
    after: Run
    report_before: dict[str, Any]
    report_after: dict[str, Any]
    calls: dict[str, list[str]]
    licences: dict[str, dict[str, int]]  # host -> SKU ID -> LicenseStatus, in the lab after the runs


def in_language(locale: str) -> Any:
    """The zh_tw scenario with every host's Windows in ``locale``."""
    data = yaml.safe_load(Path(scenario_path("zh_tw")).read_text(encoding="utf-8"))
    data["defaults"]["locale"] = locale
    assert all("locale" not in host for host in data["hosts"])
    return parse(data)


@pytest.fixture(scope="module")
def fleets(tmp_path_factory) -> dict[str, Fleet]:
    found = {}
    for locale in LOCALES:
        work = tmp_path_factory.mktemp(locale)
        with Lab(in_language(locale)) as lab:
            before = run_playbook(lab, REPORT, work, "-e", "office_kms_report_dir=%s" % (work / "before"))
            activate = run_playbook(lab, ACTIVATE, work)
            after = run_playbook(lab, REPORT, work, "-e", "office_kms_report_dir=%s" % (work / "after"))
            found[locale] = Fleet(
                before, activate, after,
                json.loads((work / "before" / "kms-report.json").read_text(encoding="utf-8")),
                json.loads((work / "after" / "kms-report.json").read_text(encoding="utf-8")),
                {h: calls(lab, h) for h in lab.host_names},
                {h: {p["ID"]: p["LicenseStatus"] for p in lab.state(h).products} for h in lab.host_names})
    return found


# A moment as the report words it (i18n.format_time): the two runs' events are minutes apart.
WORDED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC|\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d \(UTC\)")


def decisions(value: Any) -> Any:
    """``value`` without Windows' words and the run's times (keys, and moments inside text)."""
    if isinstance(value, dict):
        return {k: decisions(v) for k, v in value.items() if k not in WORDS | TIMES}
    if isinstance(value, list):
        return [decisions(v) for v in value]
    if isinstance(value, str):
        return WORDED_TIME.sub("<time>", value)
    return value


def role_result(fleet: Fleet, host: str) -> dict[str, Any]:
    return fleet.activate.result(host, ACT)


def test_the_two_languages_word_windows_differently(fleets):
    """The comparison below means something: the zh-TW hosts' captions and errors reached the
    controller in Chinese, the en-US hosts' in English (tests/simlab/locales.py cites each text)."""
    chinese, english = fleets["zh-TW"], fleets["en-US"]
    facts = {locale: {h: fleet.after.result(h, INFO)["result"]["host"] for h in EXPECTED}
             for locale, fleet in fleets.items()}
    assert facts["zh-TW"]["tw01-activated"]["os_caption"] == "Microsoft Windows 11 教育版"
    assert facts["zh-TW"]["tw10-office2010-win7"]["os_caption"] == "Microsoft Windows 7 專業版"
    assert facts["zh-TW"]["tw12-pro-education"]["os_caption"] == "Microsoft Windows 11 專業教育版"
    assert facts["en-US"]["tw12-pro-education"]["os_caption"] == "Microsoft Windows 11 Pro Education"
    assert facts["zh-TW"]["tw13-server"]["os_caption"] == facts["en-US"]["tw13-server"]["os_caption"] == \
        "Microsoft Windows Server 2022 Standard"
    assert {f["os_architecture"] for f in facts["zh-TW"].values()} == {"64 位元"}
    refused = "無法進行連接，因為目的電腦主動拒絕連線。 192.0.2.11:1688"
    assert refused in role_result(chinese, "tw04-kms-refused")["result"]["msg"]
    assert "No connection could be made" in role_result(english, "tw04-kms-refused")["result"]["msg"]
    reach = {h["host"]: h["kms_reachability_error"] for h in chinese.report_after["hosts"]}
    assert (reach["tw04-kms-refused"], reach["tw05-off-campus"]) == (refused, "沒有已知的此類主機。")
    dns = role_result(chinese, "tw15-no-dns-record")["result"]["dns_discovery"]
    assert dns["error"] == "_vlmcs._tcp.annex.campus.example : DNS 名稱不存在"


@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_activate_decides_the_same_in_both_languages(fleets, host):
    """The role's one task per host: failed, changed and the error code as expected, and every
    decision in its result (products, steps and their codes, licence statuses, sections, what was
    left alone, the evidence read) the same in zh-TW as in English."""
    chinese, english = (role_result(fleets[locale], host) for locale in LOCALES)
    failed, changed, code = EXPECTED[host]
    for record in (chinese, english):
        assert (record["status"] == "failed", record["result"]["changed"], record["result"].get("error_code")) == \
            (failed, changed, code), record["result"].get("msg")
    assert chinese["result"].get("error_name") == english["result"].get("error_name")
    assert decisions(chinese["result"]) == decisions(english["result"])
    assert [(p["sku_id"], p["license_status"]["code"]) for p in chinese["result"].get("products", [])] == \
        [(p["sku_id"], p["license_status"]["code"]) for p in english["result"].get("products", [])]
    assert fleets["zh-TW"].calls[host] == fleets["en-US"].calls[host]
    assert fleets["zh-TW"].licences[host] == fleets["en-US"].licences[host]


def test_the_fleet_summary_is_the_same(fleets):
    stats = {locale: fleet.activate.result("tw01-activated", FLEET)["result"]["ansible_facts"]["office_kms_fleet"]
             ["stats"] for locale, fleet in fleets.items()}
    assert stats["zh-TW"] == stats["en-US"]
    assert stats["zh-TW"]["failed_hosts"] == sorted(h for h, (failed, _c, _e) in EXPECTED.items() if failed)
    assert stats["zh-TW"]["changed_hosts"] == sorted(h for h, (_f, changed, _e) in EXPECTED.items() if changed)


@pytest.mark.parametrize("when", ["report_before", "report_after"])
def test_the_report_classifies_the_same_in_both_languages(fleets, when):
    """Outcomes, flags, reasons (composed from codes, docs/report.md), error codes and per-product
    licence status codes: the same JSON report but for Windows' words."""
    chinese, english = (getattr(fleets[locale], when) for locale in LOCALES)
    assert decisions(chinese["hosts"]) == decisions(english["hosts"])
    assert decisions(chinese["flags"]) == decisions(english["flags"])
    assert chinese["summary"] == english["summary"]
    outcomes = {h["host"]: h["outcome"] for h in chinese["hosts"]}
    if when == "report_before":
        assert (outcomes["tw01-activated"], outcomes["tw03-expiring"], outcomes["tw02-to-activate"]) == \
            ("activated", "expiring", "not_activated")
    else:
        assert outcomes["tw03-expiring"] == outcomes["tw02-to-activate"] == "activated"
    assert outcomes["tw09-mak"] == "no_kms_office"
    flagged = {name: sorted(item.get("host") or ",".join(item.get("hosts", [])) for item in items)
               for name, items in chinese["flags"].items() if items}
    assert flagged["kms_unreachable"] == ["tw04-kms-refused", "tw05-off-campus"]
    assert flagged["no_dns_record"] == ["tw15-no-dns-record"]
    if when == "report_after":
        assert flagged["kms_count_low"] == ["tw07-count-low"] and flagged["kms_host_lacks_key"] == ["tw08-no-host-key"]
        codes = {h["host"]: [p["license_status_code"] for p in h["products"]] for h in chinese["hosts"]}
        assert codes["tw07-count-low"] == codes["tw06-kms-mute"] == [2]  # OOBGrace: not activated
        assert codes["tw02-to-activate"] == codes["tw10-office2010-win7"] == [1]  # Licensed
