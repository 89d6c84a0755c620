"""Unit tests for plugins/plugin_utils/gvlk_windows.py (keys: docs/licensing-facts.md §5.2)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, gvlk_windows

KEYS = gvlk_windows.WINDOWS_GVLKS
ROWS = gvlk_windows.PUBLISHED_ROWS

# Copied by hand from docs/licensing-facts.md §5.2 (Microsoft's page, ms.date 10/01/2024): (row
# text, key). The SAC rows carry the page's version heading in parentheses in PUBLISHED_ROWS.
FACTS_5_2 = [
    ("Windows Server 2025 Standard", "TVRH6-WHNXV-R9WG3-9XRFY-MY832"),
    ("Windows Server 2025 Datacenter", "D764K-2NDRG-47T6Q-P8T8W-YP6DF"),
    ("Windows Server 2025 Datacenter: Azure Edition", "XGN3F-F394H-FD2MY-PP6FD-8MCRC"),
    ("Windows Server 2022 Standard", "VDYBN-27WPP-V4HQT-9VMD4-VMK7H"),
    ("Windows Server 2022 Datacenter", "WX4NM-KYWYW-QJJR4-XV3QB-6VM33"),
    ("Windows Server 2022 Datacenter: Azure Edition", "NTBV8-9K7Q8-V27C6-M2BTV-KHMXV"),
    ("Windows Server 2019 Standard", "N69G4-B89J2-4G8F4-WWYCC-J464C"),
    ("Windows Server 2019 Datacenter", "WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
    ("Windows Server 2019 Essentials", "WVDHN-86M7X-466P6-VHXV7-YY726"),
    ("Windows Server 2016 Standard", "WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY"),
    ("Windows Server 2016 Datacenter", "CB7KF-BWN84-R7R2Y-793K2-8XDDG"),
    ("Windows Server 2016 Essentials", "JCKRF-N37P4-C2D82-9YXRT-4M63B"),
    ("Windows Server Standard (versions 20H2, 2004, 1909, 1903, 1809)", "N2KJX-J94YW-TQVFB-DG9YT-724CC"),
    ("Windows Server Datacenter (versions 20H2, 2004, 1909, 1903, 1809)", "6NMRW-2C8FM-D24W7-TQWMY-CWH2D"),
    ("Windows 11 Pro / Windows 10 Pro", "W269N-WFGWX-YVC9B-4J6C9-T83GX"),
    ("Windows 11 Pro N / Windows 10 Pro N", "MH37W-N47XK-V7XM9-C7227-GCQG9"),
    ("Windows 11 Pro for Workstations / Windows 10 Pro for Workstations", "NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J"),
    ("Windows 11 Pro for Workstations N / Windows 10 Pro for Workstations N", "9FNHH-K3HBT-3W4TD-6383H-6XYWF"),
    ("Windows 11 Pro Education / Windows 10 Pro Education", "6TP4R-GNPTD-KYYHQ-7B7DP-J447Y"),
    ("Windows 11 Pro Education N / Windows 10 Pro Education N", "YVWGF-BXNMC-HTQYQ-CPQ99-66QFC"),
    ("Windows 11 Education / Windows 10 Education", "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2"),
    ("Windows 11 Education N / Windows 10 Education N", "2WH4N-8QGBV-H22JP-CT43Q-MDWWJ"),
    ("Windows 11 Enterprise / Windows 10 Enterprise", "NPPR9-FWDCX-D2C8J-H872K-2YT43"),
    ("Windows 11 Enterprise N / Windows 10 Enterprise N", "DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4"),
    ("Windows 11 Enterprise G / Windows 10 Enterprise G", "YYVX9-NTFWV-6MDM3-9PT4T-4M68B"),
    ("Windows 11 Enterprise G N / Windows 10 Enterprise G N", "44RPN-FTY23-9VTTB-MP9BX-T84FV"),
    (
        "Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021 / Windows 10 Enterprise LTSC 2019",
        "M7XTQ-FN8P6-TTKYV-9D4CC-J462D",
    ),
    (
        "Windows 11 Enterprise N LTSC 2024 / Windows 10 Enterprise N LTSC 2021 / Windows 10 Enterprise N LTSC 2019",
        "92NFX-8DJQP-P6BBQ-THF9C-7CG2H",
    ),
    ("Windows IoT Enterprise LTSC 2024 / Windows IoT Enterprise LTSC 2021", "KBN8V-HFGQ4-MGXVD-347P6-PDQGT"),
    ("Windows 10 Enterprise LTSB 2016", "DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ"),
    ("Windows 10 Enterprise N LTSB 2016", "QFFDN-GRT3P-VKWWX-X7T3R-8B639"),
    ("Windows 10 Enterprise LTSB 2015", "WNMTR-4C88C-JK8YV-HQ7T2-76DF9"),
    ("Windows 10 Enterprise N LTSB 2015", "2F77B-TNFGY-69QQF-B8YKP-D69TJ"),
    # "Earlier versions" rows quoted in docs/licensing-facts.md §5.2.
    ("Windows Server 2012 R2 Standard", "D2N9P-3P6X9-2R39C-7RTCD-MDVJX"),
    ("Windows Server 2012 R2 Datacenter", "W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9"),
    ("Windows 8.1 Pro", "GCRJD-8NW9H-F2CDX-CCM8D-9D6T9"),
    ("Windows 8.1 Enterprise", "MHF9N-XY6XB-WVXMC-BTDCT-MKKG7"),
    ("Windows 7 Professional", "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4"),
    ("Windows 7 Enterprise", "33PXH-7Y6KF-2VJC9-XBBR8-HVTHH"),
]

# Rows of older revisions of the page whose labels name no real Server edition; left out on purpose.
REMOVED_2012_ROWS = [
    "BN3D2-R7TKB-3YPBD-8DRP2-27GG4",
    "8N2M2-HWPGY-7PGT9-HGDD8-GVGGY",
    "2WN2H-YGCQR-KFX6K-CD6TF-84YXQ",
    "4K36P-JN4VD-GDC6V-KDT89-DYFKP",
]


def _name(edition_id: str) -> str:
    return f"Windows(R), {edition_id} edition"


# --- the table --------------------------------------------------------------------------------


@pytest.mark.parametrize(("edition", "key"), FACTS_5_2)
def test_facts_rows_present_and_identical(edition, key):
    assert ROWS[edition] == key
    assert any(entry.edition == edition and entry.key == key for entry in KEYS)


def test_every_row_of_the_page():
    # 78 rows on the 10/01/2024 page; Microsoft gives no two rows the same key.
    assert len(ROWS) == 78
    assert len(set(ROWS.values())) == 78


def test_every_row_is_used_and_every_entry_uses_its_row_key():
    assert {entry.edition for entry in KEYS} == set(ROWS)
    for entry in KEYS:
        assert entry.key == ROWS[entry.edition], entry


@pytest.mark.parametrize("key", sorted(ROWS.values()))
def test_every_key_has_the_key_format(key):
    assert gvlk_windows.KEY_FORMAT.match(key)


def test_edition_and_family_are_unique():
    pairs = [(entry.edition_id, entry.family) for entry in KEYS]
    assert len(pairs) == len(set(pairs))


def test_key_reuse_is_only_where_microsoft_reuses_it():
    # One key can serve several (edition ID, family) entries only through one page row.
    rows_of_key = defaultdict(set)
    for entry in KEYS:
        rows_of_key[entry.key].add(entry.edition)
    assert all(len(rows) == 1 for rows in rows_of_key.values())
    ltsc = ROWS["Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021 / Windows 10 Enterprise LTSC 2019"]
    assert {e.family for e in KEYS if e.key == ltsc} == {
        "Windows 10 Enterprise LTSC 2019",
        "Windows 10 Enterprise LTSC 2021",
        "Windows 11 Enterprise LTSC 2024",
    }


def test_build_ranges_of_one_edition_id_do_not_overlap():
    by_id = defaultdict(list)
    for entry in KEYS:
        assert entry.max_build is None or entry.min_build <= entry.max_build, entry
        by_id[entry.edition_id.lower()].append(entry)
    for entries in by_id.values():
        entries.sort(key=lambda e: e.min_build)
        for lower, upper in zip(entries, entries[1:], strict=False):
            assert lower.max_build is not None and lower.max_build < upper.min_build, (lower, upper)


def test_every_family_has_caption_versions():
    assert {entry.family for entry in KEYS} == set(gvlk_windows._CAPTION_VERSIONS)


def test_no_home_editions():
    home_ids = {"core", "coren", "coresinglelanguage", "corecountryspecific", "home", "homebasic", "homepremium"}
    assert not [e for e in KEYS if e.edition_id.lower() in home_ids]
    assert not [row for row in ROWS if "home" in row.lower()]


@pytest.mark.parametrize("key", REMOVED_2012_ROWS)
def test_removed_mislabelled_2012_rows_are_not_in_the_table(key):
    assert key not in ROWS.values()
    assert not gvlk_windows.is_published(key)


def test_no_overlap_with_office_keys():
    assert not set(ROWS.values()) & set(gvlk.GVLKS.values())


def test_every_entry_is_found_by_its_own_edition_id_and_build():
    for entry in KEYS:
        major_minor = "10.0" if entry.min_build >= 10000 else None
        major_minor = major_minor or {6000: "6.0", 6001: "6.0", 7600: "6.1", 9200: "6.2", 9600: "6.3"}[entry.min_build]
        assert gvlk_windows.for_windows(_name(entry.edition_id), f"{major_minor}.{entry.min_build}") == entry


# --- edition_id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Windows(R), Professional edition", "Professional"),
        ("Windows(R), Education edition", "Education"),
        ("Windows(R), EnterpriseS edition", "EnterpriseS"),
        ("Windows(R), ServerStandard edition", "ServerStandard"),
        ("Windows(R), ServerDatacenter edition", "ServerDatacenter"),
        ("Windows(R) 7, Professional edition", "Professional"),
        ("Windows(R) 7, Enterprise edition", "Enterprise"),
        ("Windows Server(R), ServerStandard edition", "ServerStandard"),
        ("  Windows(R), ProfessionalWorkstation edition  ", "ProfessionalWorkstation"),
        ("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", None),
        ("Office 16, Office16ProPlusVL_KMS_Client edition", None),
        ("Windows(R), Client-ESU-Year1 add-on for Professional", None),
        ("Windows(R) Operating System, VOLUME_KMSCLIENT channel", None),
        ("Professional", None),
        ("", None),
        (None, None),
    ],
)
def test_edition_id(name, expected):
    assert gvlk_windows.edition_id(name) == expected


# --- for_windows ----------------------------------------------------------------------------------

LOOKUPS = [
    # (WMI Name, Win32_OperatingSystem.Version, Caption, expected key)
    (
        "Windows(R) 7, Professional edition",
        "6.1.7601",
        "Microsoft Windows 7 Professional ",
        "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4",
    ),
    (
        "Windows(R) 7, Enterprise edition",
        "6.1.7600",
        "Microsoft Windows 7 Enterprise ",
        "33PXH-7Y6KF-2VJC9-XBBR8-HVTHH",
    ),
    ("Windows(R), Professional edition", "6.3.9600", "Microsoft Windows 8.1 Pro", "GCRJD-8NW9H-F2CDX-CCM8D-9D6T9"),
    ("Windows(R), Enterprise edition", "6.3.9600", "Microsoft Windows 8.1 Enterprise", "MHF9N-XY6XB-WVXMC-BTDCT-MKKG7"),
    ("Windows(R), Professional edition", "6.2.9200", "Microsoft Windows 8 Pro", "NG4HW-VH26C-733KW-K6F98-J8CK4"),
    ("Windows(R), Professional edition", "10.0.19045", "Microsoft Windows 10 Pro", "W269N-WFGWX-YVC9B-4J6C9-T83GX"),
    ("Windows(R), Professional edition", "10.0.22631", "Microsoft Windows 11 Pro", "W269N-WFGWX-YVC9B-4J6C9-T83GX"),
    ("Windows(R), Education edition", "10.0.19045", "Microsoft Windows 10 Education", "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2"),
    ("Windows(R), Education edition", "10.0.26100", "Microsoft Windows 11 Education", "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2"),
    (
        "Windows(R), Enterprise edition",
        "10.0.19044",
        "Microsoft Windows 10 Enterprise",
        "NPPR9-FWDCX-D2C8J-H872K-2YT43",
    ),
    (
        "Windows(R), Enterprise edition",
        "10.0.22621",
        "Microsoft Windows 11 Enterprise",
        "NPPR9-FWDCX-D2C8J-H872K-2YT43",
    ),
    ("Windows(R), EnterpriseN edition", "10.0.22631", None, "DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4"),
    ("Windows(R), ProfessionalWorkstation edition", "10.0.26100", None, "NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J"),
    ("Windows(R), ProfessionalEducation edition", "10.0.22631", None, "6TP4R-GNPTD-KYYHQ-7B7DP-J447Y"),
    ("Windows(R), EnterpriseG edition", "10.0.19045", None, "YYVX9-NTFWV-6MDM3-9PT4T-4M68B"),
    # LTSC 2019 / 2021 / 2024: one key; LTSB 2015 / 2016: their own keys.
    (
        "Windows(R), EnterpriseS edition",
        "10.0.17763",
        "Microsoft Windows 10 Enterprise LTSC 2019",
        "M7XTQ-FN8P6-TTKYV-9D4CC-J462D",
    ),
    (
        "Windows(R), EnterpriseS edition",
        "10.0.19044",
        "Microsoft Windows 10 Enterprise LTSC 2021",
        "M7XTQ-FN8P6-TTKYV-9D4CC-J462D",
    ),
    (
        "Windows(R), EnterpriseS edition",
        "10.0.26100",
        "Microsoft Windows 11 Enterprise LTSC 2024",
        "M7XTQ-FN8P6-TTKYV-9D4CC-J462D",
    ),
    ("Windows(R), EnterpriseSN edition", "10.0.19044", None, "92NFX-8DJQP-P6BBQ-THF9C-7CG2H"),
    (
        "Windows(R), EnterpriseS edition",
        "10.0.14393",
        "Microsoft Windows 10 Enterprise 2016 LTSB",
        "DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ",
    ),
    (
        "Windows(R), EnterpriseS edition",
        "10.0.10240",
        "Microsoft Windows 10 Enterprise 2015 LTSB",
        "WNMTR-4C88C-JK8YV-HQ7T2-76DF9",
    ),
    ("Windows(R), EnterpriseSN edition", "10.0.10240", None, "2F77B-TNFGY-69QQF-B8YKP-D69TJ"),
    (
        "Windows(R), IoTEnterpriseS edition",
        "10.0.19044",
        "Microsoft Windows 10 IoT Enterprise LTSC 2021",
        "KBN8V-HFGQ4-MGXVD-347P6-PDQGT",
    ),
    (
        "Windows(R), IoTEnterpriseS edition",
        "10.0.26100",
        "Microsoft Windows 11 IoT Enterprise LTSC",
        "KBN8V-HFGQ4-MGXVD-347P6-PDQGT",
    ),
    # Windows Server
    (
        "Windows Server(R), ServerStandard edition",
        "6.1.7601",
        "Microsoft Windows Server 2008 R2 Standard ",
        "YC6KT-GKW9T-YTKYR-T4X34-R7VHC",
    ),
    (
        "Windows(R), ServerStandard edition",
        "6.3.9600",
        "Microsoft Windows Server 2012 R2 Standard",
        "D2N9P-3P6X9-2R39C-7RTCD-MDVJX",
    ),
    (
        "Windows(R), ServerDatacenter edition",
        "6.3.9600",
        "Microsoft Windows Server 2012 R2 Datacenter",
        "W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9",
    ),
    (
        "Windows(R), ServerStandard edition",
        "10.0.14393",
        "Microsoft Windows Server 2016 Standard",
        "WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY",
    ),
    (
        "Windows(R), ServerDatacenter edition",
        "10.0.14393",
        "Microsoft Windows Server 2016 Datacenter",
        "CB7KF-BWN84-R7R2Y-793K2-8XDDG",
    ),
    (
        "Windows(R), ServerStandard edition",
        "10.0.17763",
        "Microsoft Windows Server 2019 Standard",
        "N69G4-B89J2-4G8F4-WWYCC-J464C",
    ),
    (
        "Windows(R), ServerDatacenter edition",
        "10.0.17763",
        "Microsoft Windows Server 2019 Datacenter",
        "WMDGN-G9PQG-XVVXX-R3X43-63DFG",
    ),
    (
        "Windows(R), ServerStandard edition",
        "10.0.20348",
        "Microsoft Windows Server 2022 Standard",
        "VDYBN-27WPP-V4HQT-9VMD4-VMK7H",
    ),
    (
        "Windows(R), ServerDatacenter edition",
        "10.0.20348",
        "Microsoft Windows Server 2022 Datacenter",
        "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
    ),
    (
        "Windows(R), ServerStandard edition",
        "10.0.26100",
        "Microsoft Windows Server 2025 Standard",
        "TVRH6-WHNXV-R9WG3-9XRFY-MY832",
    ),
    (
        "Windows(R), ServerDatacenter edition",
        "10.0.26100",
        "Microsoft Windows Server 2025 Datacenter",
        "D764K-2NDRG-47T6Q-P8T8W-YP6DF",
    ),
    (
        "Windows(R), ServerTurbine edition",
        "10.0.20348",
        "Microsoft Windows Server 2022 Datacenter: Azure Edition",
        "NTBV8-9K7Q8-V27C6-M2BTV-KHMXV",
    ),
    (
        "Windows(R), ServerSolution edition",
        "10.0.17763",
        "Microsoft Windows Server 2019 Essentials",
        "WVDHN-86M7X-466P6-VHXV7-YY726",
    ),
    (
        "Windows(R), ServerDatacenterACor edition",
        "10.0.19042",
        "Microsoft Windows Server Datacenter",
        "6NMRW-2C8FM-D24W7-TQWMY-CWH2D",
    ),
    (
        "Windows(R), ServerStandardACor edition",
        "10.0.17763",
        "Microsoft Windows Server Standard",
        "N2KJX-J94YW-TQVFB-DG9YT-724CC",
    ),
    ("Windows(R), ServerStandardACor edition", "10.0.16299", None, "DPCNP-XQFKJ-BJF7R-FRC8D-GF6G4"),
    (
        "Windows Server(R), ServerStandard edition",
        "6.0.6002",
        "Microsoft® Windows Server® 2008 Standard ",
        "TM24T-X9RMF-VWXK6-X8JC9-BFGM2",
    ),
    (
        "Windows(R), Business edition",
        "6.0.6002",
        "Microsoft® Windows Vista™ Business ",
        "YFKBB-PQJJV-G996G-VWGXY-2V3X8",
    ),
    # Tolerant of a four-part version and of the edition ID's case.
    ("Windows(R), professional edition", "10.0.22631.4037", None, "W269N-WFGWX-YVC9B-4J6C9-T83GX"),
]


@pytest.mark.parametrize(("name", "version", "caption", "key"), LOOKUPS)
def test_for_windows(name, version, caption, key):
    entry = gvlk_windows.for_windows(name, version, caption)
    assert entry is not None
    assert entry.key == key
    assert gvlk_windows.is_published(entry.key)


def test_for_windows_gives_the_family():
    assert gvlk_windows.for_windows(_name("ServerStandard"), "10.0.17763").family == "Windows Server 2019"
    assert gvlk_windows.for_windows(_name("EnterpriseS"), "10.0.19044").family == "Windows 10 Enterprise LTSC 2021"
    assert gvlk_windows.for_windows(_name("Professional"), "10.0.22631").family == "Windows 10/11"


NOT_FOUND = [
    # Home editions: Microsoft publishes no GVLK for them.
    ("Windows(R), Core edition", "10.0.22631", "Microsoft Windows 11 Home"),
    ("Windows(R), CoreSingleLanguage edition", "10.0.19045", "Microsoft Windows 10 Home Single Language"),
    ("Windows(R), CoreN edition", "6.3.9600", None),
    # Editions not on the page.
    ("Windows(R), ServerRdsh edition", "10.0.22631", "Microsoft Windows 11 Enterprise multi-session"),
    ("Windows(R), IoTEnterprise edition", "10.0.22631", "Microsoft Windows 11 IoT Enterprise"),
    ("Windows(R), ServerStandardEval edition", "10.0.20348", "Microsoft Windows Server 2022 Standard Evaluation"),
    ("Windows(R), Ultimate edition", "6.1.7601", "Microsoft Windows 7 Ultimate"),
    ("Windows(R), Unknown edition", "10.0.22631", None),
    # Known edition, build of no listed release.
    ("Windows(R), ServerStandard edition", "10.0.25398", None),  # Windows Server, version 23H2
    ("Windows(R), ServerStandard edition", "10.0.19041", None),
    ("Windows(R), ServerStandard edition", "10.0.27000", None),  # a future Server
    ("Windows(R), EnterpriseS edition", "10.0.19045", None),
    ("Windows(R), EnterpriseS edition", "10.0.18363", None),
    ("Windows(R), Professional edition", "6.1.9999", None),
    ("Windows(R), Professional edition", "5.1.2600", None),
    # Version and build disagree.
    ("Windows(R), Professional edition", "6.1.22631", None),
    ("Windows(R), ServerStandard edition", "6.3.17763", None),
    # Caption names another Windows version than the entry found.
    ("Windows(R), ServerStandard edition", "10.0.14393", "Microsoft Windows Server 2019 Standard"),
    ("Windows(R), ServerStandardACor edition", "10.0.17763", "Microsoft Windows Server 2019 Standard"),
    ("Windows(R), Professional edition", "10.0.30000", "Microsoft Windows 12 Pro"),
    ("Windows(R), EnterpriseS edition", "10.0.26100", "Microsoft Windows 10 Enterprise LTSC 2021"),
    ("Windows(R), Enterprise edition", "6.1.7601", "Microsoft Windows Server 2008 R2 Enterprise"),
    # Missing or unreadable input.
    (None, "10.0.22631", None),
    ("", "10.0.22631", None),
    ("Windows(R), Professional edition", None, None),
    ("Windows(R), Professional edition", "", None),
    ("Windows(R), Professional edition", "10.0", None),
    ("Windows(R), Professional edition", "ten", None),
    ("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", "10.0.22631", None),
]


@pytest.mark.parametrize(("name", "version", "caption"), NOT_FOUND)
def test_for_windows_returns_none_when_it_cannot_tell(name, version, caption):
    assert gvlk_windows.for_windows(name, version, caption) is None


@pytest.mark.parametrize(
    "caption",
    [None, "", "Microsoft Windows 10 Pro", "Microsoft Windows 11 Pro", "Something else entirely"],
)
def test_caption_that_names_no_other_version_does_not_block(caption):
    entry = gvlk_windows.for_windows(_name("Professional"), "10.0.22631", caption)
    assert entry is not None
    assert entry.key == "W269N-WFGWX-YVC9B-4J6C9-T83GX"


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Microsoft Windows Server 2019 Standard", "Server 2019"),
        ("Microsoft Windows Server 2008 R2 Enterprise ", "Server 2008 R2"),
        ("Microsoft® Windows Server® 2008 Datacenter ", "Server 2008"),
        ("Microsoft® Windows® Web Server 2008 ", "Server 2008"),
        ("Microsoft Windows MultiPoint Server 2012 Premium", "Server 2012"),
        ("Microsoft Windows Server 2025 Datacenter: Azure Edition", "Server 2025"),
        ("Microsoft Windows Server Datacenter", "Server"),
        ("Microsoft Windows 10 Enterprise LTSC 2021", "10"),
        ("Microsoft Windows 11 Pro", "11"),
        ("Microsoft Windows 8.1 Enterprise", "8.1"),
        ("Microsoft Windows 7 Professional ", "7"),
        ("Microsoft® Windows Vista™ Enterprise ", "Vista"),
        ("Microsoft Azure Stack HCI", None),
    ],
)
def test_caption_version(caption, expected):
    assert gvlk_windows._caption_version(caption) == expected


# --- is_published -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["W269N-WFGWX-YVC9B-4J6C9-T83GX", "w269n-wfgwx-yvc9b-4j6c9-t83gx", " TVRH6-WHNXV-R9WG3-9XRFY-MY832 "],
)
def test_is_published(key):
    assert gvlk_windows.is_published(key)


@pytest.mark.parametrize(
    "key",
    [
        "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB",  # Office LTSC 2024 ProPlus: an Office key, not a Windows one
        "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY",
        "W269N-WFGWX-YVC9B-4J6C9-T83GY",
        "",
    ],
)
def test_is_not_published(key):
    assert not gvlk_windows.is_published(key)


def test_application_id():
    assert gvlk_windows.WINDOWS_APPLICATION_ID == "55c92734-d682-4d71-983e-d6ec3f16059f"
