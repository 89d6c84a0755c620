"""Office system requirements by version: the table and the pure checks."""

from __future__ import annotations

import dataclasses
import re

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import kms_action, licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import requirements as req
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.factories import KMS_SKU, raw_product

WIN7_SP1 = {"os_caption": "Microsoft Windows 7 Professional", "os_version": "6.1.7601", "os_build": "7601"}
WIN81 = {"os_caption": "Microsoft Windows 8.1 Pro", "os_version": "6.3.9600", "os_build": "9600"}
WIN10 = {"os_caption": "Microsoft Windows 10 Pro", "os_version": "10.0.19045", "os_build": "19045"}
WIN11 = {"os_caption": "Microsoft Windows 11 Enterprise", "os_version": "10.0.22631", "os_build": "22631"}
SERVER_2019 = {"os_caption": "Microsoft Windows Server 2019 Standard", "os_version": "10.0.17763"}
SERVER_2022 = {"os_caption": "Microsoft Windows Server 2022 Datacenter", "os_version": "10.0.20348"}
SERVER_2008R2 = {"os_caption": "Microsoft Windows Server 2008 R2 Enterprise", "os_version": "6.1.7601"}
STRONG = {"cpu_max_clock_mhz": 3400, "cpu_cores": 8, "memory_mb": 16384, "system_drive": "C:",
          "system_drive_free_mb": 200000}
UNKNOWN = {"os_caption": None, "os_version": None, "os_build": None, "cpu_max_clock_mhz": None, "cpu_cores": None,
           "memory_mb": None, "system_drive": None, "system_drive_free_mb": None}
# pc10-underpowered in the simulated lab (Office LTSC 2021 x86).
PC10 = {**WIN10, "cpu_max_clock_mhz": 1100, "cpu_cores": 1, "memory_mb": 2048, "system_drive": "C:",
        "system_drive_free_mb": 2500}


def host(os_facts: dict, **hardware) -> dict:
    return {**STRONG, **os_facts, **hardware}


# --- the table -------------------------------------------------------------------------------

@pytest.mark.parametrize("office", ["2024", "2021", "2019", "2016", "2013", "2010"])
def test_every_supported_version_has_a_row_with_a_microsoft_source(office):
    row = req.REQUIREMENTS[office]
    assert row.office == office
    assert office in row.name
    assert "microsoft.com" in row.source
    for field in ("min_client_os", "min_server_os"):
        value = getattr(row, field)
        assert value is None or req.parse_version(value) is not None
    for field in ("cpu_mhz", "cpu_cores", "memory_mb", "free_disk_mb"):
        value = getattr(row, field)
        assert value is None or (isinstance(value, int) and value > 0)
    names = {f.name for f in dataclasses.fields(req.Requirement)}
    assert set(row.unconfirmed) <= names
    for field in row.unconfirmed:
        assert getattr(row, field) is not None  # unconfirmed lists kept figures, not missing ones


def test_table_has_exactly_the_supported_versions():
    assert sorted(req.REQUIREMENTS, key=int) == ["2010", "2013", "2016", "2019", "2021", "2024"]


# office: (min client OS, min server OS, MHz, cores, memory MB, free disk MB)
FIGURES = {
    "2024": ("10.0", "10.0.20348", 1600, 2, 4096, 4096),  # the source procedure's figures stay the default
    "2021": ("10.0", None, 1100, 2, 4096, 4096),
    "2019": ("10.0", None, None, None, None, None),
    "2016": ("6.1.7601", "6.1", None, None, 2048, None),
    "2013": ("6.1", None, None, None, None, None),
    "2010": (None, None, None, None, None, None),
}


@pytest.mark.parametrize("office", sorted(FIGURES))
def test_table_figures(office):
    row = req.REQUIREMENTS[office]
    assert (row.min_client_os, row.min_server_os, row.cpu_mhz, row.cpu_cores, row.memory_mb,
            row.free_disk_mb) == FIGURES[office]


def test_requirement_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.REQUIREMENTS["2024"].cpu_mhz = 1  # type: ignore[misc]


# --- versions --------------------------------------------------------------------------------

@pytest.mark.parametrize(("left", "right", "less"), [
    ("10.0.9", "10.0.10", True),  # a string comparison would say the opposite
    ("10.0.10", "10.0.9", False),
    ("6.1.7600", "6.1.7601", True),
    ("6.3.9600", "10.0", True),
    ("10.0", "10.0.14393", True),
    ("10.0.14393", "10.0", False),
    ("10.0.0", "10.0", False),
])
def test_version_comparison_is_numeric(left, right, less):
    assert req.version_less(req.parse_version(left), req.parse_version(right)) is less


@pytest.mark.parametrize("text", [None, "", "abc", "10", "10.", "10.0.x", "1.2.3.4.5", 10.0, "-1.0"])
def test_parse_version_refuses_non_versions(text):
    assert req.parse_version(text) is None


def test_parse_version():
    assert req.parse_version(" 10.0.22631 ") == (10, 0, 22631)


# --- which Office is installed ----------------------------------------------------------------

def product(version, family="ProPlus2024Volume", kms_client=True, channel="VOLUME_KMSCLIENT", application="office"):
    return {"application": application, "version": version, "family": family, "kms_client": kms_client,
            "channel": channel}


def c2r(version, *ids):
    return {"type": "ClickToRun", "version": version, "product_ids": list(ids),
            "subscription": any(i.startswith("O365") for i in ids)}


def msi(key, version):
    return {"type": "MSI", "version": version, "product_ids": [key], "subscription": False}


@pytest.mark.parametrize(("products", "installs", "expected"), [
    ([], [], []),
    ([product("2024")], [], ["2024"]),
    ([product("2013", "ProPlusVolume"), product("2024")], [], ["2013", "2024"]),
    ([product("2021", "VisioPro2021Volume", kms_client=False, channel="VOLUME_MAK")], [], ["2021"]),
    ([product("2019", "ProPlus2019Retail", kms_client=False, channel="RETAIL")], [], []),
    ([product("2016", "O365ProPlusRetail", kms_client=False, channel="TIMEBASED_SUB")], [], []),
    ([product(None, "Windows", application="windows")], [], []),
    ([product("1999")], [], []),
    ([], [c2r("16.0.17932.20162", "ProPlus2024Volume", "VisioPro2024Volume")], ["2024"]),
    ([], [c2r("16.0.14332.20416", "ProPlus2021Volume")], ["2021"]),
    ([], [c2r("16.0.10417.20007", "ProPlus2019Volume")], ["2019"]),
    ([], [c2r("16.0.4266.1001", "ProPlusRetail")], ["2016"]),
    ([], [c2r("15.0.5589.1000", "ProPlusRetail")], ["2013"]),
    ([], [c2r("16.0.18025.20160", "O365ProPlusRetail")], []),
    ([], [c2r("16.0.18025.20160", "O365ProPlusRetail", "VisioPro2021Volume")], ["2021"]),
    ([], [msi("Office14.PROPLUS", "14.0.7015.1000")], ["2010"]),
    ([], [msi("Office15.PROPLUS", "15.0.4569.1506")], ["2013"]),
    ([], [msi("Office16.PROPLUS", "16.0.4266.1001")], ["2016"]),
    ([], [msi("{90140000-0011-0000-0000-0000000FF1CE}", "14.0.7015.1000")], ["2010"]),
    ([], [{"type": "MSI", "version": None, "product_ids": [None]}], []),
    ([product("2013", "ProPlusVolume")], [c2r("16.0.17932.20162", "ProPlus2024Volume")], ["2013", "2024"]),
])
def test_office_versions(products, installs, expected):
    assert req.office_versions(products, installs) == expected


# --- the newest version decides ----------------------------------------------------------------

def test_newest_version_decides():
    assert req.requirement_for(["2013", "2024"]) is req.REQUIREMENTS["2024"]
    assert req.requirement_for(["2024", "2013"]) is req.REQUIREMENTS["2024"]
    assert req.requirement_for(["2010", "2016"]) is req.REQUIREMENTS["2016"]


def test_no_known_version_gives_no_requirement():
    assert req.requirement_for([]) is None
    assert req.requirement_for(["1999"]) is None
    assert req.requirement_for([], {"cpu_mhz": 1000}) is None


def test_host_with_2024_and_leftover_2013_is_checked_against_2024():
    versions = req.office_versions([product("2013", "ProPlusVolume")], [c2r("16.0.1", "ProPlus2024Volume")])
    found = req.shortfalls(host(WIN7_SP1), req.requirement_for(versions))
    assert found == ["Windows 6.1.7601 (Microsoft Windows 7 Professional), needs Windows 10.0 or later"
                     " (Windows 10) for Office LTSC 2024"]


# --- shortfalls ------------------------------------------------------------------------------

def test_win81_with_office_2013_passes():
    assert req.shortfalls(host(WIN81), req.requirement_for(["2013"])) == []


def test_win7_sp1_with_office_2016_passes():
    assert req.shortfalls(host(WIN7_SP1), req.requirement_for(["2016"])) == []


def test_win7_without_sp1_falls_short_of_office_2016():
    win7_rtm = {"os_caption": "Microsoft Windows 7 Enterprise", "os_version": "6.1.7600"}
    assert req.shortfalls(host(win7_rtm), req.REQUIREMENTS["2016"]) == [
        "Windows 6.1.7600 (Microsoft Windows 7 Enterprise), needs Windows 6.1.7601 or later (Windows 7 SP1)"
        " for Office 2016"]


def test_server_2008_r2_with_office_2016_passes():
    assert req.shortfalls(host(SERVER_2008R2), req.REQUIREMENTS["2016"]) == []


def test_win7_with_office_2024_fails_on_the_os():
    found = req.shortfalls(host(WIN7_SP1), req.REQUIREMENTS["2024"])
    assert len(found) == 1
    assert found[0].startswith("Windows 6.1.7601 (Microsoft Windows 7 Professional), needs Windows 10.0 or later")


@pytest.mark.parametrize("os_facts", [WIN10, WIN11, {**WIN10, "os_version": "10.0.10240"}])
def test_any_windows_10_or_11_client_passes_2024(os_facts):
    assert req.shortfalls(host(os_facts), req.REQUIREMENTS["2024"]) == []


def test_server_2019_with_office_2024_fails_and_server_2022_passes():
    assert req.shortfalls(host(SERVER_2019), req.REQUIREMENTS["2024"]) == [
        "Windows 10.0.17763 (Microsoft Windows Server 2019 Standard), needs Windows 10.0.20348 or later"
        " (Windows Server 2022) for Office LTSC 2024"]
    assert req.shortfalls(host(SERVER_2022), req.REQUIREMENTS["2024"]) == []
    server_2025 = {"os_caption": "Microsoft Windows Server 2025 Standard", "os_version": "10.0.26100"}
    assert req.shortfalls(host(server_2025), req.REQUIREMENTS["2024"]) == []


def test_unknown_edition_is_checked_against_the_lower_minimum():
    # Server 2019's version with no caption: could be a Windows 10 client, so no shortfall.
    assert req.shortfalls(host({**SERVER_2019, "os_caption": None}), req.REQUIREMENTS["2024"]) == []
    # Below every edition's minimum: a shortfall whatever the edition.
    found = req.shortfalls(host({**WIN7_SP1, "os_caption": None}), req.REQUIREMENTS["2024"])
    assert found == ["Windows 6.1.7601 (unknown edition), needs Windows 10.0 or later (Windows 10)"
                     " for Office LTSC 2024"]
    # One edition has no figure: not checkable.
    assert req.shortfalls(host({**WIN7_SP1, "os_caption": None}), req.REQUIREMENTS["2021"]) == []


def test_unknown_facts_never_fail():
    for row in req.REQUIREMENTS.values():
        assert req.shortfalls(UNKNOWN, row) == []
        assert req.shortfalls({}, row) == []


@pytest.mark.parametrize("fact", ["cpu_max_clock_mhz", "cpu_cores", "memory_mb"])
def test_zero_clock_cores_or_memory_means_unreported(fact):
    # SMBIOS writes 0 for a speed it does not know; a host never really has 0 MHz.
    assert req.shortfalls(host(WIN10, **{fact: 0}), req.REQUIREMENTS["2024"]) == []


def test_a_full_disk_is_a_real_shortfall():
    assert req.shortfalls(host(WIN10, system_drive_free_mb=0), req.REQUIREMENTS["2024"]) == [
        "0 MB free on C:, needs 4096 MB"]


def test_none_figures_are_not_checked():
    weak = host(WIN7_SP1, cpu_max_clock_mhz=100, cpu_cores=1, memory_mb=64, system_drive_free_mb=10)
    assert req.shortfalls(weak, req.REQUIREMENTS["2010"]) == []
    empty = dataclasses.replace(req.REQUIREMENTS["2024"], min_client_os=None, min_server_os=None, cpu_mhz=None,
                                cpu_cores=None, memory_mb=None, free_disk_mb=None)
    assert req.shortfalls(weak, empty) == []
    # Office 2016: only memory (2 GB) and the OS have figures.
    assert req.shortfalls(weak, req.REQUIREMENTS["2016"]) == ["64 MB of memory, needs 2048 MB"]


def test_pc10_lists_its_shortfalls_against_ltsc_2021():
    found = req.shortfalls(PC10, req.requirement_for(["2021"]))
    # 1100 MHz meets the 1.1 GHz figure; the rest fall short.
    assert found == ["1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB", "2500 MB free on C:, needs 4096 MB"]


def test_every_shortfall_in_the_role_message_shapes_against_2024():
    found = req.shortfalls(PC10, req.REQUIREMENTS["2024"])
    assert found == ["CPU 1100 MHz, needs 1600 MHz", "1 CPU core, needs 2", "2048 MB of memory, needs 4096 MB",
                     "2500 MB free on C:, needs 4096 MB"]


def test_plural_cores_and_missing_drive_letter():
    found = req.shortfalls(host(WIN10, cpu_cores=3, system_drive=None, system_drive_free_mb=100),
                           dataclasses.replace(req.REQUIREMENTS["2024"], cpu_cores=4))
    assert found == ["3 CPU cores, needs 4", "100 MB free on the system drive, needs 4096 MB"]


def test_two_part_os_version_takes_the_build():
    facts = host({"os_caption": "Microsoft Windows Server 2019", "os_version": "10.0", "os_build": "17763"})
    assert len(req.shortfalls(facts, req.REQUIREMENTS["2024"])) == 1


def test_unparsable_os_version_is_unknown():
    assert req.shortfalls(host({**WIN7_SP1, "os_version": "garbage"}), req.REQUIREMENTS["2024"]) == []


# --- overrides -------------------------------------------------------------------------------

def test_overrides_replace_the_figures():
    row = req.requirement_for(["2024"], {"cpu_mhz": 1000, "cpu_cores": 1, "memory_mb": 2048, "free_disk_mb": 2000,
                                         "min_os_version": "6.1"})
    assert (row.cpu_mhz, row.cpu_cores, row.memory_mb, row.free_disk_mb) == (1000, 1, 2048, 2000)
    assert (row.min_client_os, row.min_server_os) == ("6.1", "6.1")
    assert row.source == req.REQUIREMENTS["2024"].source
    assert req.shortfalls(PC10, row) == []
    assert req.shortfalls(host(SERVER_2019), row) == []
    assert req.REQUIREMENTS["2024"].cpu_mhz == 1600  # the table is untouched


def test_none_overrides_keep_the_row():
    assert req.requirement_for(["2021"], {"cpu_mhz": None, "min_os_version": None}) is req.REQUIREMENTS["2021"]
    assert req.requirement_for(["2021"], {}) is req.REQUIREMENTS["2021"]


def test_override_gives_a_figure_microsoft_does_not():
    row = req.requirement_for(["2010"], {"min_os_version": "10.0", "memory_mb": 4096})
    found = req.shortfalls(host(WIN7_SP1, memory_mb=2048), row)
    assert found == ["2048 MB of memory, needs 4096 MB",
                     "Windows 6.1.7601 (Microsoft Windows 7 Professional), needs Windows 10.0 or later for Office 2010"]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"cpu_mhz": 0}, {"cpu_mhz": 0}),
    ({"cpu_cores": 2}, {"cpu_cores": 2}),
    ({"memory_mb": None}, {"memory_mb": None}),
    ({"min_os_version": " 6.1.7601 "}, {"min_os_version": "6.1.7601"}),
    ({"min_os_version": 6.3}, {"min_os_version": "6.3"}),
])
def test_check_overrides_accepts(overrides, expected):
    assert req.check_overrides(overrides) == expected


@pytest.mark.parametrize(("overrides", "message"), [
    ({"min_os_version": "abc"},
     "min_os_version (the role's office_kms_min_os_version): abc is not a Windows version: give major.minor or "
     "major.minor.build, such as 10.0 or 6.1.7601"),
    ({"min_os_version": "10"}, "min_os_version (the role's office_kms_min_os_version): 10 is not a Windows version"),
    ({"min_os_version": 10}, "min_os_version (the role's office_kms_min_os_version): 10 is not a Windows version"),
    ({"min_os_version": True}, "min_os_version (the role's office_kms_min_os_version): True is not a Windows version"),
    ({"cpu_mhz": True}, "min_cpu_mhz (the role's office_kms_min_cpu_mhz): True is not a whole number of 0 or more"),
    ({"cpu_cores": -1}, "min_cpu_cores (the role's office_kms_min_cpu_cores): -1 is not a whole number"),
    ({"memory_mb": 4.5}, "min_memory_mb (the role's office_kms_min_memory_mb): 4.5 is not a whole number"),
    ({"free_disk_mb": "lots"},
     "min_free_disk_mb (the role's office_kms_min_free_disk_mb): 'lots' is not a whole number"),
    # Text is read by options.whole_number (the one rule), never here.
    ({"cpu_cores": "2"}, "min_cpu_cores (the role's office_kms_min_cpu_cores): '2' is not a whole number"),
    ({"ram": 4096}, "unknown requirement override 'ram'"),
])
def test_check_overrides_refuses(overrides, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        req.check_overrides(overrides)


def test_requirement_for_validates_overrides():
    with pytest.raises(ValueError, match="min_cpu_mhz"):
        req.requirement_for(["2024"], {"cpu_mhz": False})


def test_check_overrides_needs_a_mapping():
    with pytest.raises(ValueError, match="mapping"):
        req.check_overrides(["cpu_mhz"])  # type: ignore[arg-type]


# --- odd facts: unknown stays unknown, named, never a shortfall, never an exception -------------

LTSC_2024 = [product("2024")]
NUMERIC_FACTS = {"cpu_max_clock_mhz": "Win32_Processor.MaxClockSpeed", "cpu_cores": "Win32_Processor.NumberOfCores",
                 "memory_mb": "Win32_PhysicalMemory.Capacity", "system_drive_free_mb": "Win32_LogicalDisk.FreeSpace"}
NEEDS = {"cpu_max_clock_mhz": "1600 MHz", "cpu_cores": "2", "memory_mb": "4096 MB", "system_drive_free_mb": "4096 MB"}


@pytest.mark.parametrize("fact", sorted(NUMERIC_FACTS))
@pytest.mark.parametrize(("value", "why"), [
    (None, "not reported"),
    ("2.9 GHz", "reported as '2.9 GHz', not a whole number of 0 or more"),
    ("", "reported empty"),
    (-5, "reported as -5, not a whole number of 0 or more"),
    (float("nan"), "reported as nan, not a whole number of 0 or more"),
    (True, "reported as True, not a whole number of 0 or more"),
    ({"value": 1}, "reported as {'value': 1}, not a whole number of 0 or more"),
])
def test_an_odd_numeric_fact_is_unknown_and_named(fact, value, why):
    verdict = req.verdict(LTSC_2024, [], host(WIN10, **{fact: value}))
    assert verdict["shortfalls"] == []
    assert verdict["unknown"] == ["%s unknown (%s %s), needs %s" % (fact, NUMERIC_FACTS[fact], why, NEEDS[fact])]


def test_a_missing_fact_is_unknown_like_a_null_one():
    facts = host(WIN10)
    del facts["cpu_max_clock_mhz"]
    assert req.verdict(LTSC_2024, [], facts)["unknown"] == [
        "cpu_max_clock_mhz unknown (Win32_Processor.MaxClockSpeed not reported), needs 1600 MHz"]


@pytest.mark.parametrize("fact", ["cpu_max_clock_mhz", "cpu_cores", "memory_mb"])
def test_zero_clock_cores_or_memory_is_reported_as_unknown(fact):
    # SMBIOS writes 0 for a speed it does not know; no host has 0 cores or 0 MB.
    verdict = req.verdict(LTSC_2024, [], host(WIN10, **{fact: 0}))
    assert verdict["shortfalls"] == []
    assert verdict["unknown"] == ["%s unknown (%s reported as 0), needs %s" % (fact, NUMERIC_FACTS[fact], NEEDS[fact])]


def test_unknown_facts_do_not_hide_known_shortfalls():
    verdict = req.verdict(LTSC_2024, [], {**PC10, "cpu_max_clock_mhz": None, "memory_mb": "2 GB"})
    assert verdict["shortfalls"] == ["1 CPU core, needs 2", "2500 MB free on C:, needs 4096 MB"]
    assert [u.split(" ")[0] for u in verdict["unknown"]] == ["cpu_max_clock_mhz", "memory_mb"]


def test_digits_as_text_and_whole_floats_are_numbers():
    verdict = req.verdict(LTSC_2024, [], host(WIN10, cpu_max_clock_mhz="1200", memory_mb=2048.0))
    assert verdict["shortfalls"] == ["CPU 1200 MHz, needs 1600 MHz", "2048 MB of memory, needs 4096 MB"]
    assert verdict["unknown"] == []


@pytest.mark.parametrize(("os_version", "why"), [
    (None, "not reported"),
    ("", "reported empty"),
    ("   ", "reported empty"),
    ("abc", "reported as 'abc', not a Windows version"),
    (10, "reported as 10, not a Windows version"),
    ("10", "reported as '10', not a Windows version"),
])
def test_an_odd_os_version_is_unknown_and_named(os_version, why):
    verdict = req.verdict(LTSC_2024, [], host({**WIN10, "os_version": os_version}))
    assert verdict["shortfalls"] == []
    assert verdict["unknown"] == [
        "os_version unknown (Win32_OperatingSystem.Version %s), needs Windows 10.0 or later (Windows 10)" % why]


def test_an_unknown_edition_is_named_when_it_decides():
    # Server 2019's version without a caption: a Windows 10 client passes, a server does not.
    verdict = req.verdict(LTSC_2024, [], host({**SERVER_2019, "os_caption": None}))
    assert verdict["shortfalls"] == []
    assert verdict["unknown"] == [
        "os_caption unknown (Win32_OperatingSystem.Caption not reported), needs Windows 10.0.20348 or later"
        " (Windows Server 2022) on a server edition"]
    # Office LTSC 2021 has no server figure: Windows 7 without a caption could be a server.
    verdict = req.verdict([product("2021", "ProPlus2021Volume")], [], host({**WIN7_SP1, "os_caption": ""}))
    assert verdict["unknown"] == [
        "os_caption unknown (Win32_OperatingSystem.Caption reported empty), needs Windows 10.0 or later"
        " (Windows 10) on a client edition"]
    # A version that meets every edition's minimum needs no caption.
    assert req.verdict(LTSC_2024, [], host({**WIN11, "os_caption": None}))["unknown"] == []


def test_facts_a_requirement_has_no_figure_for_are_not_reported():
    # Office 2010: nothing is checked, so nothing is unknown.
    assert req.verdict([product("2010", "ProPlusVolume")], [], UNKNOWN)["unknown"] == []
    # Office 2016: only memory and the OS have figures.
    found = req.verdict([product("2016", "ProPlus2016Volume")], [], UNKNOWN)["unknown"]
    assert [u.split(" ")[0] for u in found] == ["memory_mb", "os_version"]


def test_a_figure_of_0_turns_the_check_and_its_unknown_off():
    verdict = req.verdict(LTSC_2024, [], host(WIN10, cpu_max_clock_mhz=None), {"cpu_mhz": 0})
    assert (verdict["shortfalls"], verdict["unknown"]) == ([], [])


def test_every_fact_unknown_gives_every_fact_named():
    verdict = req.verdict(LTSC_2024, [], UNKNOWN)
    assert verdict["shortfalls"] == []
    assert [u.split(" ")[0] for u in verdict["unknown"]] == [
        "cpu_max_clock_mhz", "cpu_cores", "memory_mb", "system_drive_free_mb", "os_version"]


def test_no_office_version_checks_nothing():
    assert req.verdict([], [], UNKNOWN) == {"office": None, "name": None, "source": None, "shortfalls": [],
                                            "unknown": [], "unknown_versions": [], "shortfall_facts": [],
                                            "unknown_facts": []}


def test_the_facts_say_as_data_what_the_words_say():
    """shortfall_facts and unknown_facts (what the role's zh-TW summary words): one per
    shortfall and per unknown fact, in the same order, with the figures."""
    verdict = req.verdict(LTSC_2024, [], UNKNOWN)
    assert [f["fact"] for f in verdict["unknown_facts"]] == [u.split(" ")[0] for u in verdict["unknown"]]
    assert verdict["unknown_facts"][0] == {"fact": "cpu_max_clock_mhz", "source": "Win32_Processor.MaxClockSpeed",
                                           "why": "not_reported", "reported": None, "needed": 1600}
    assert verdict["unknown_facts"][-1]["needed"] == {"version": "10.0", "name": "Windows 10", "edition": "client"}


@pytest.mark.parametrize("facts", [None, [], "host", 42])
def test_host_facts_that_are_not_a_mapping_are_all_unknown(facts):
    verdict = req.verdict(LTSC_2024, [], facts)
    assert verdict["shortfalls"] == [] and len(verdict["unknown"]) == 5


def test_a_long_odd_value_is_cut_short_in_the_message():
    [unknown] = req.verdict(LTSC_2024, [], host(WIN10, memory_mb="x" * 500))["unknown"]
    assert len(unknown) < 200 and "..." in unknown


ODD = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
HOST_FACTS = st.fixed_dictionaries({}, optional={name: ODD for name in (
    "os_caption", "os_version", "os_build", "cpu_max_clock_mhz", "cpu_cores", "memory_mb", "system_drive",
    "system_drive_free_mb")})


# How a shortfall of each fact reads (requirements.check).
SHORTFALL_OF = {"cpu_max_clock_mhz": r"^CPU \d+ MHz", "cpu_cores": r"^\d+ CPU cores?,", "memory_mb": r"MB of memory",
                "system_drive_free_mb": r"MB free on", "os_version": r"^Windows ", "os_caption": r"^Windows "}


@settings(max_examples=300, deadline=None)
@given(facts=HOST_FACTS, office=st.sampled_from(sorted(req.REQUIREMENTS)))
def test_any_facts_give_a_verdict_in_words(facts, office):
    """Whatever a host reports, the check answers in sentences, raises nothing, and never
    counts an unknown fact as a shortfall."""
    verdict = req.verdict([product(office, "ProPlus%sVolume" % office)], [], facts)
    assert all(isinstance(line, str) and line for line in verdict["shortfalls"] + verdict["unknown"])
    unknown = [line.split(" ")[0] for line in verdict["unknown"]]
    assert len(set(unknown)) == len(unknown) and set(unknown) <= set(SHORTFALL_OF)
    for fact in unknown:
        assert not [line for line in verdict["shortfalls"] if re.search(SHORTFALL_OF[fact], line)], (fact, verdict)


# --- odd thresholds: refused with the option's name --------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"cpu_mhz": -1}, "min_cpu_mhz (the role's office_kms_min_cpu_mhz): -1 is not a whole number of 0 or more"),
    ({"cpu_mhz": "2.9 GHz"}, "min_cpu_mhz (the role's office_kms_min_cpu_mhz): '2.9 GHz' is not a whole number"),
    ({"cpu_cores": "-2"}, "min_cpu_cores (the role's office_kms_min_cpu_cores): '-2' is not a whole number"),
    ({"memory_mb": float("nan")}, "min_memory_mb (the role's office_kms_min_memory_mb): nan is not a whole number"),
    ({"free_disk_mb": [1]}, "min_free_disk_mb (the role's office_kms_min_free_disk_mb): [1] is not a whole number"),
    ({"min_os_version": ""}, "min_os_version (the role's office_kms_min_os_version): '' is not a Windows version: "
                             "give major.minor or major.minor.build"),
    ({"min_os_version": "10.0.22631.4460"},
     "min_os_version (the role's office_kms_min_os_version): 10.0.22631.4460 is not a Windows version"),
    ({"min_os_version": "-1.0"},
     "min_os_version (the role's office_kms_min_os_version): -1.0 is not a Windows version"),
    ({"min_os_version": "10.0.x"}, "min_os_version (the role's office_kms_min_os_version): 10.0.x is not a Windows"),
    ({"min_os_version": "abc" * 40}, "min_os_version (the role's office_kms_min_os_version): 'abcabc"),
])
def test_odd_thresholds_are_refused_naming_the_option(overrides, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        req.check_overrides(overrides)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        req.verdict(LTSC_2024, [], host(WIN10), overrides)


def test_three_part_and_two_part_threshold_versions_are_accepted():
    assert req.check_overrides({"min_os_version": "10.0"}) == {"min_os_version": "10.0"}
    assert req.check_overrides({"min_os_version": "10.0.22631"}) == {"min_os_version": "10.0.22631"}


# --- office_kms's use of the verdict: unknown is reported, and fails only with strict -----------

def requirement_check(facts, desired):
    """(stops, result) of office_kms's requirement check (kms_action.below_requirements): the
    result so far, or the result the task stops with."""
    result: dict = {}
    try:
        kms_action.below_requirements("pc99", facts, desired, result)
    except kms_action.Stop as stop:
        return True, stop.result
    return False, result


def below(mode, facts, overrides=None):
    """(stops, result) of office_kms's requirement check for a host with Office LTSC 2024."""
    desired = Desired(requirements=mode, requirement_overrides=overrides or {})
    return requirement_check({"products": LTSC_2024, "office": [], "host": facts}, desired)


NULL_CLOCK = host(WIN10, cpu_max_clock_mhz=None)
CLOCK_UNKNOWN = "cpu_max_clock_mhz unknown (Win32_Processor.MaxClockSpeed not reported), needs 1600 MHz"


@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_an_unknown_fact_is_a_warning_naming_it(mode):
    stops, result = below(mode, NULL_CLOCK)
    assert stops is False and "failed" not in result
    assert result["requirements"]["unknown"] == [CLOCK_UNKNOWN]
    [warning] = result["warnings"]
    assert warning.startswith("pc99: Office LTSC 2024's system requirements could not all be checked: "
                              + CLOCK_UNKNOWN + ". An unknown fact is not a shortfall")
    assert "requirements: strict" in warning


def test_strict_fails_a_host_whose_facts_are_unknown():
    stops, result = below("strict", NULL_CLOCK)
    assert stops is True and result["failed"] is True
    assert result["msg"].startswith("pc99: Office LTSC 2024's system requirements could not all be checked: "
                                    + CLOCK_UNKNOWN + ". Nothing was changed on it")
    assert "office_kms_requirements: enforce" in result["msg"] and "warnings" not in result


def test_strict_passes_a_host_whose_facts_are_all_known():
    assert below("strict", host(WIN10)) == (False, {"requirements": req.verdict(LTSC_2024, [], host(WIN10))})


@pytest.mark.parametrize("mode", ["enforce", "strict"])
def test_a_shortfall_fails_and_names_the_unknown_facts_too(mode):
    stops, result = below(mode, {**PC10, "cpu_max_clock_mhz": None})
    assert stops is True
    assert result["msg"].startswith("pc99 is below Office LTSC 2024's system requirements: 1 CPU core, needs 2; ")
    assert ". Unknown, so not checked: %s. Nothing was changed on it." % CLOCK_UNKNOWN in result["msg"]


def test_warn_lists_shortfalls_and_unknown_facts_in_one_warning():
    stops, result = below("warn", {**PC10, "cpu_max_clock_mhz": "2.9 GHz"})
    assert stops is False
    [warning] = result["warnings"]
    assert "1 CPU core, needs 2" in warning and "'2.9 GHz'" in warning and warning.endswith("(requirements: warn).")


def test_skip_reads_no_fact():
    assert below("skip", None) == (False, {})


@pytest.mark.parametrize("text", ["\u00b2", "\u0661\u0662", "\uff11\uff10", "1\u00b2"])
def test_digits_of_other_scripts_are_not_numbers(text):
    # str.isdigit() takes them, and int() refuses some (superscripts): unknown or refused, never a crash.
    verdict = req.verdict(LTSC_2024, [], host({**WIN10, "os_version": "10.0", "os_build": text},
                                              cpu_max_clock_mhz=text))
    assert verdict["shortfalls"] == [] and verdict["unknown"][0].startswith("cpu_max_clock_mhz unknown (")
    with pytest.raises(ValueError, match="min_cpu_mhz"):
        req.check_overrides({"cpu_mhz": text})
    with pytest.raises(ValueError, match="min_os_version"):
        req.check_overrides({"min_os_version": "%s.0" % text})


# --- an Office version the collection has no table for (issue 21) ----------------------------
# A future Office (here "2027"), read as office_kms reads it: the product from its CIM
# properties through licensing.product, the Click-to-Run installation by its product ID.
FUTURE_PRODUCT = licensing.product(raw_product("Office 27, Office27ProPlus2027Volume edition",
                                               "Office 27, VOLUME_KMSCLIENT channel", KMS_SKU, status=1, days=170),
                                   "SoftwareLicensingProduct")
FUTURE_VL_PRODUCT = licensing.product(raw_product("Office 27, Office27ProPlus2027VL_KMS_Client_AE edition",
                                                  "Office 27, VOLUME_KMSCLIENT channel", KMS_SKU),
                                      "SoftwareLicensingProduct")
FUTURE_INSTALL = c2r("16.0.19000.20000", "ProPlus2027Volume")


@pytest.mark.parametrize(("products", "installs"), [
    ([FUTURE_PRODUCT], []), ([FUTURE_VL_PRODUCT], []), ([], [FUTURE_INSTALL]),
    ([FUTURE_PRODUCT], [FUTURE_INSTALL]),
], ids=["product-name", "vl-product-name", "click-to-run-id", "both"])
def test_an_office_version_without_a_table_is_named_not_checked(products, installs):
    assert "2027" not in req.REQUIREMENTS
    verdict = req.verdict(products, installs, host(WIN11))
    assert verdict["shortfalls"] == []
    [unknown] = verdict["unknown"]
    assert "2027" in unknown and "not checked" in unknown
    assert "no system requirements table" in unknown
    assert verdict["unknown_versions"] == ["2027"]


def test_an_unknown_newer_version_is_named_beside_the_known_one_checked():
    verdict = req.verdict([product("2024"), FUTURE_PRODUCT], [], PC10)
    assert verdict["office"] == "2024"
    assert "1 CPU core, needs 2" in verdict["shortfalls"]
    assert verdict["unknown_versions"] == ["2027"]
    assert [u for u in verdict["unknown"] if "2027" in u and "not checked" in u]


def test_explicit_thresholds_do_not_make_an_unknown_version_known():
    overrides = {"cpu_mhz": 1000, "cpu_cores": 1, "memory_mb": 8192, "free_disk_mb": 1000, "min_os_version": "10.0"}
    verdict = req.verdict([FUTURE_PRODUCT], [], PC10, overrides)
    # The figures given are checked against the host...
    assert verdict["shortfalls"] == ["2048 MB of memory, needs 8192 MB"]
    # ...but the version's own requirements stay unknown.
    assert verdict["unknown_versions"] == ["2027"]
    [unknown] = verdict["unknown"]
    assert "not checked" in unknown and "no system requirements table" in unknown


def future(mode, overrides=None, facts=None):
    desired = Desired(requirements=mode, requirement_overrides=overrides or {})
    return requirement_check({"products": [FUTURE_PRODUCT], "office": [FUTURE_INSTALL], "host": facts or host(WIN11)},
                             desired)


@pytest.mark.parametrize("overrides", [None, {"cpu_mhz": 1000, "cpu_cores": 1, "memory_mb": 1024,
                                              "free_disk_mb": 1000, "min_os_version": "10.0"}],
                         ids=["no-thresholds", "every-threshold"])
def test_strict_fails_a_host_whose_office_version_has_no_table(overrides):
    stops, result = future("strict", overrides)
    assert stops is True and result["failed"] is True
    message = result["msg"]
    assert message.startswith("pc99: ") and "2027" in message and "not checked" in message
    assert "no system requirements table" in message
    assert "Get-CimInstance" not in message  # not a fact Windows failed to report


@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_enforce_and_warn_name_an_office_version_without_a_table_and_carry_on(mode):
    stops, result = future(mode)
    assert stops is False and "failed" not in result
    [warning] = result["warnings"]
    assert "2027" in warning and "no system requirements table" in warning


def test_the_shortfall_facts_of_an_underpowered_pc():
    verdict = req.verdict(LTSC_2024, [], PC10)
    assert [(f["fact"], f["value"], f["needed"]) for f in verdict["shortfall_facts"]] == [
        ("cpu_max_clock_mhz", 1100, 1600), ("cpu_cores", 1, 2), ("memory_mb", 2048, 4096),
        ("system_drive_free_mb", 2500, 4096)]
    assert verdict["shortfall_facts"][-1]["drive"] == "C:"
    assert len(verdict["shortfall_facts"]) == len(verdict["shortfalls"])


@pytest.mark.parametrize(("product_type", "short"), [(3, True), (2, True), (1, False), (None, False)])
def test_the_edition_is_told_by_product_type_not_the_localised_caption(product_type, short):
    """Win32_OperatingSystem.ProductType (1 Work Station, 2 Domain Controller, 3 Server) decides
    client or server; the caption, localised text on a zh-TW Windows client, only without it."""
    server_2019 = host({"os_caption": "Microsoft Windows 10 企業版", "os_version": "10.0", "os_build": "17763",
                        "os_product_type": product_type})
    found = req.shortfalls(server_2019, req.REQUIREMENTS["2024"])
    assert bool(found) is short, found
