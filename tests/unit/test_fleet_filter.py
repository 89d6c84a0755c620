"""Unit tests for the office_kms_fleet filter (plugins/filter/office_kms_fleet.py): the role's
line per host and its set_stats counts, from hand-built office_kms results."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.filter.office_kms_fleet import FilterModule, office_kms_fleet


def section(msg, *, changed=False, failed=False, code=None, name=None, hint=None):
    return {"changed": changed, "failed": failed, "msg": msg, "error_code": code, "error_name": name,
            "error_hint": hint}


def result(msg, *, changed=False, failed=False, requirements=None, **applications):
    found = {"changed": changed, "msg": msg, "products": [], "remote_calls": 2 if changed else 1}
    if failed:
        found["failed"] = True
    if requirements is not None:
        found["requirements"] = requirements
    if applications:
        found["applications"] = applications
    return found


COMPLIANT = result("compliant: ProPlus2024Volume", office=section("compliant: ProPlus2024Volume"))
CHANGED = result("changed: ProPlus2024Volume", changed=True,
                 office=section("changed: ProPlus2024Volume", changed=True))
BOTH = result("Office: changed: ProPlus2024Volume | Windows: compliant: Windows(R), Education edition", changed=True,
              office=section("changed: ProPlus2024Volume", changed=True),
              windows=section("compliant: Windows(R), Education edition"))
REFUSED = ("Failed to activate Windows(R), Education edition on pc16: 0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT: the KMS "
           "host has not counted enough clients yet.")
WINDOWS_FAILED = result(REFUSED, changed=True, failed=True,
                        office=section("changed: ProPlus2024Volume", changed=True),
                        windows=section(REFUSED, changed=True, failed=True, code="0xC004F038",
                                        name="SL_E_VL_NOT_ENOUGH_COUNT"))
BELOW = ("pc10 is below Office LTSC 2021's system requirements: 1 CPU core, needs 2; 2048 MB of memory, needs\n"
         "4096 MB. Nothing was changed on it.")
UNREACHABLE = {"unreachable": True, "changed": False,
               "msg": "Cannot read pc21 (step: connect): the connection was refused.\nNothing was changed."}
SHORTFALLS = ["1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB"]
CLOCK = "cpu_max_clock_mhz unknown (Win32_Processor.MaxClockSpeed not reported), needs 1600 MHz"


def fleet(results, active, hosts=None, state="activated"):
    hosts = list(results) if hosts is None else hosts
    return office_kms_fleet(results, hosts, active, state=state)


def test_a_compliant_and_a_changed_host():
    out = fleet({"pc07": COMPLIANT, "pc19": CHANGED}, ["pc07", "pc19"])
    assert out["lines"] == ["pc07: compliant: ProPlus2024Volume", "pc19: changed: ProPlus2024Volume"]
    assert out["stats"] == {"state": "activated", "hosts": 2, "changed": 1, "ok": 1, "failed": 0,
                            "failed_hosts": [], "changed_hosts": ["pc19"]}
    assert list(out["stats"]) == ["state", "hosts", "changed", "ok", "failed", "failed_hosts", "changed_hosts"]


def test_without_state_the_stats_have_no_state():
    assert "state" not in office_kms_fleet({"pc07": COMPLIANT}, ["pc07"], ["pc07"])["stats"]


def test_office_and_windows_from_the_sections_not_the_top_level_message():
    [line] = fleet({"pc16": BOTH}, ["pc16"])["lines"]
    assert line == "pc16: changed: ProPlus2024Volume | Windows: compliant: Windows(R), Education edition"


def test_a_result_without_sections_uses_its_message():
    # office_kms before 0.2.0, or a host whose result has no applications for another reason.
    [line] = fleet({"pc07": result("compliant: ProPlus2024Volume")}, ["pc07"])["lines"]
    assert line == "pc07: compliant: ProPlus2024Volume"


def test_below_the_requirements_and_unknown_facts_are_repeated_after_office_s_outcome():
    reqs = {"office": "2021", "name": "Office LTSC 2021", "shortfalls": SHORTFALLS, "unknown": [CLOCK]}
    both = dict(BOTH, requirements=reqs)
    [line] = fleet({"pc10": both}, ["pc10"])["lines"]
    assert line == ("pc10: changed: ProPlus2024Volume (WARNING: below Office LTSC 2021 requirements: "
                    "1 CPU core, needs 2; 2048 MB of memory, needs 4096 MB) (NOT CHECKED: %s)"
                    " | Windows: compliant: Windows(R), Education edition" % CLOCK)
    quiet = dict(COMPLIANT, requirements={"office": "2024", "name": "Office LTSC 2024", "shortfalls": [],
                                          "unknown": []})
    assert fleet({"pc07": quiet}, ["pc07"])["lines"] == ["pc07: compliant: ProPlus2024Volume"]


def test_a_host_that_failed_before_the_host_was_planned_gets_the_task_s_message_on_one_line():
    failed = result(BELOW, failed=True)  # requirements enforced: no sections
    out = fleet({"pc10": failed, "pc07": COMPLIANT}, ["pc07"])
    assert out["lines"][0] == "pc10: FAILED: " + BELOW.replace("\n", " ")
    assert out["stats"]["failed_hosts"] == ["pc10"] and out["stats"]["changed"] == 0


def test_a_failed_host_with_one_section_gets_the_task_s_message():
    msg = "Failed to activate ProPlus2024Volume on pc15: 0xC004F06C SL_E_VL_INVALID_TIMESTAMP"
    failed = result(msg, changed=True, failed=True, office=section(msg, changed=True, failed=True))
    out = fleet({"pc15": failed}, [])
    assert out["lines"] == ["pc15: FAILED: " + msg]
    # It changed something before it failed (its KMS host was set): counted as changed too.
    assert out["stats"] == {"state": "activated", "hosts": 1, "changed": 1, "ok": 0, "failed": 1,
                            "failed_hosts": ["pc15"], "changed_hosts": ["pc15"]}


def test_windows_failing_while_office_was_done_shows_both():
    out = fleet({"pc16": WINDOWS_FAILED, "pc07": COMPLIANT}, ["pc07"])
    assert out["lines"] == ["pc16: FAILED: Office: changed: ProPlus2024Volume | Windows: " + REFUSED,
                            "pc07: compliant: ProPlus2024Volume"]
    assert out["stats"] == {"state": "activated", "hosts": 2, "changed": 1, "ok": 1, "failed": 1,
                            "failed_hosts": ["pc16"], "changed_hosts": ["pc16"]}


def test_an_unreachable_host():
    out = fleet({"pc21": UNREACHABLE}, [])
    assert out["lines"] == ["pc21: UNREACHABLE: Cannot read pc21 (step: connect): the connection was refused. "
                            "Nothing was changed."]
    assert (out["stats"]["failed"], out["stats"]["changed"], out["stats"]["ok"]) == (1, 0, 0)


@pytest.mark.parametrize("missing", [{}, None, "not a result"], ids=["empty", "none", "text"])
def test_a_host_that_never_registered_failed_before_office_kms_ran(missing):
    out = fleet({"pc16": missing}, [], hosts=["pc16"])
    assert out["lines"] == ["pc16: FAILED before office_kms ran (see the failed task above)"]
    out = office_kms_fleet({}, ["pc16", "pc07"], ["pc07"])  # or is not in the input at all
    assert out["lines"] == ["pc16: FAILED before office_kms ran (see the failed task above)",
                            "pc07: office_kms did not run on this host"]
    assert out["stats"] == {"hosts": 2, "changed": 0, "ok": 1, "failed": 1, "failed_hosts": ["pc16"],
                            "changed_hosts": []}


def test_every_host_failed():
    results = {"pc10": result(BELOW, failed=True), "pc21": UNREACHABLE, "pc16": {}}
    out = fleet(results, [])
    assert [line.split(": ", 1)[1].split(":")[0] for line in out["lines"]] == [
        "FAILED", "UNREACHABLE", "FAILED before office_kms ran (see the failed task above)"]
    assert out["stats"] == {"state": "activated", "hosts": 3, "changed": 0, "ok": 0, "failed": 3,
                            "failed_hosts": ["pc10", "pc16", "pc21"], "changed_hosts": []}


def test_lines_follow_the_hosts_order_and_the_lists_are_sorted():
    results = {"pc20": CHANGED, "pc03": CHANGED, "pc11": COMPLIANT, "pc09": UNREACHABLE, "pc01": WINDOWS_FAILED}
    hosts = ["pc20", "pc03", "pc11", "pc09", "pc01"]
    out = office_kms_fleet(results, hosts, ["pc20", "pc03", "pc11"])
    assert [line.split(":")[0] for line in out["lines"]] == hosts
    assert out["stats"]["changed_hosts"] == ["pc01", "pc03", "pc20"]
    assert out["stats"]["failed_hosts"] == ["pc01", "pc09"]
    assert (out["stats"]["changed"], out["stats"]["ok"], out["stats"]["failed"]) == (3, 1, 2)


def test_every_line_break_becomes_a_space():
    windows = section("compliant:\r\nWindows")
    both = result("x", office=section("changed:\nProPlus2024Volume", changed=True), windows=windows, changed=True)
    [line] = fleet({"pc16": both}, ["pc16"])["lines"]
    assert line == "pc16: changed: ProPlus2024Volume | Windows: compliant: Windows"


def test_text_that_looks_like_a_template_is_kept_as_it_is():
    # A product name or a host's error text is data: the filter never renders it.
    text = "compliant: {{ lookup('pipe', 'id') }}"
    [line] = fleet({"pc07": result(text, office=section(text))}, ["pc07"])["lines"]
    assert line == "pc07: " + text


def test_a_windows_only_result():
    msg = "compliant: Windows(R), Education edition"
    only = result(msg, windows=section(msg))
    [line] = fleet({"pc16": only}, ["pc16"])["lines"]
    assert line == "pc16: Windows: compliant: Windows(R), Education edition"


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"office_kms_fleet": office_kms_fleet}


# -- in Traditional Chinese: composed from the results' codes, never from msg ----------------------
OFFICE = {"application": "office", "family": "ProPlus2024Volume", "name": "Office 24, ProPlus", "changed": False}
WINDOWS = {"application": "windows", "family": None, "name": "Windows(R), Education edition", "changed": False}
PC10_FACTS = {"name": "Office LTSC 2021", "shortfalls": SHORTFALLS, "unknown": [],
              "shortfall_facts": [{"fact": "cpu_cores", "value": 1, "needed": 2},
                                  {"fact": "memory_mb", "value": 2048, "needed": 4096}], "unknown_facts": []}


def zh(results, active, **kwargs):
    return office_kms_fleet(results, list(results), active, state="activated", language="zh-TW", **kwargs)["lines"]


def with_products(base, *products, untouched=()):
    return dict(base, products=[dict(p) for p in products], untouched=[dict(u) for u in untouched])


def test_zh_tw_lines_are_composed_from_codes_not_from_the_messages():
    results = {
        "pc07": with_products(COMPLIANT, OFFICE),
        "pc19": with_products(CHANGED, dict(OFFICE, changed=True)),
        "pc16": with_products(WINDOWS_FAILED, dict(OFFICE, changed=True), dict(WINDOWS, failed=True, changed=True)),
        "pc10": result(BELOW, failed=True, requirements=PC10_FACTS),
        "pc21": dict(UNREACHABLE, transport_error="refused"),
        "pc22": {},
    }
    lines = zh(results, ["pc07", "pc19"])
    assert lines == [
        "pc07：已符合設定：ProPlus2024Volume",
        "pc19：已變更：ProPlus2024Volume",
        "pc16：失敗：Office：已變更：ProPlus2024Volume｜Windows：Windows(R), Education edition 失敗："
        "0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT：" + lines[2].split("SL_E_VL_NOT_ENOUGH_COUNT：", 1)[1],
        "pc10：失敗：低於 Office LTSC 2021 的系統需求：CPU 1 核心，需要 2 核心；記憶體 2048 MB，需要 4096 MB",
        lines[4],
        "pc22：在 office_kms 執行前即失敗（請見上方失敗的工作）",
    ]
    assert lines[4].startswith("pc21：無法連線：") and "WinRM" in lines[4]
    for line, msg in zip(lines, [r.get("msg") for r in results.values()], strict=True):
        assert msg is None or msg.split(":")[0] not in line.split("：", 1)[1]  # not the module's English words
    assert all(any("\u4e00" <= c <= "\u9fff" for c in line) for line in lines)


def test_zh_tw_check_mode_warnings_and_unknown_facts():
    warned = dict(with_products(CHANGED, dict(OFFICE, changed=True)), requirements={
        "name": "Office LTSC 2024", "shortfall_facts": [{"fact": "cpu_max_clock_mhz", "value": 1100, "needed": 1600}],
        "unknown_facts": [{"fact": "system_drive_free_mb", "source": "Win32_LogicalDisk.FreeSpace",
                           "why": "not_reported", "reported": None, "needed": 4096}],
        "unknown_versions": ["2027"]})
    [line] = zh({"pc08": warned}, ["pc08"], check_mode=True)
    assert line == ("pc08：將會變更：ProPlus2024Volume"
                    "（警告：低於 Office LTSC 2024 的系統需求：CPU 1100 MHz，需要 1600 MHz）"
                    "（未檢查：system_drive_free_mb 不明（Win32_LogicalDisk.FreeSpace 未回報），需要 4096 MB 可用空間；"
                    "未檢查 Office 2027：本集合沒有該版本的系統需求表）")


def test_english_stays_the_modules_own_messages():
    results = {"pc07": with_products(COMPLIANT, OFFICE)}
    assert office_kms_fleet(results, ["pc07"], ["pc07"], language="en")["lines"] == [
        "pc07: compliant: ProPlus2024Volume"]
    with pytest.raises(ValueError, match="language must be one of"):
        office_kms_fleet(results, ["pc07"], ["pc07"], language="fr")
