"""Office system requirements by version: the table and the pure checks."""

from __future__ import annotations

import dataclasses
import re

import pytest
from ansible_collections.volume_licensing.kms.plugins.module_utils import requirements as req

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
    # host_facts turns an empty WMI property into 0; a host never really has 0 MHz.
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
    row = req.requirement_for(["2010"], {"min_os_version": "10.0", "memory_mb": "4096"})
    found = req.shortfalls(host(WIN7_SP1, memory_mb=2048), row)
    assert found == ["2048 MB of memory, needs 4096 MB",
                     "Windows 6.1.7601 (Microsoft Windows 7 Professional), needs Windows 10.0 or later for Office 2010"]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"cpu_mhz": 0}, {"cpu_mhz": 0}),
    ({"cpu_cores": "2"}, {"cpu_cores": 2}),
    ({"memory_mb": None}, {"memory_mb": None}),
    ({"min_os_version": " 6.1.7601 "}, {"min_os_version": "6.1.7601"}),
    ({"min_os_version": 6.3}, {"min_os_version": "6.3"}),
])
def test_check_overrides_accepts(overrides, expected):
    assert req.check_overrides(overrides) == expected


@pytest.mark.parametrize(("overrides", "message"), [
    ({"min_os_version": "abc"},
     "min_os_version (the role's office_kms_min_os_version): abc is not a Windows version such as 10.0 or 6.1.7601"),
    ({"min_os_version": "10"}, "min_os_version (the role's office_kms_min_os_version): 10 is not a Windows version"),
    ({"min_os_version": 10}, "min_os_version (the role's office_kms_min_os_version): 10 is not a Windows version"),
    ({"min_os_version": True}, "min_os_version (the role's office_kms_min_os_version): True is not a Windows version"),
    ({"cpu_mhz": True}, "min_cpu_mhz (the role's office_kms_min_cpu_mhz): True is not a whole number of 0 or more"),
    ({"cpu_cores": -1}, "min_cpu_cores (the role's office_kms_min_cpu_cores): -1 is not a whole number"),
    ({"memory_mb": 4.5}, "min_memory_mb (the role's office_kms_min_memory_mb): 4.5 is not a whole number"),
    ({"free_disk_mb": "lots"},
     "min_free_disk_mb (the role's office_kms_min_free_disk_mb): 'lots' is not a whole number"),
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
