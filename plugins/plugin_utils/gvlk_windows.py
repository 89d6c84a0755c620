# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""Microsoft's published KMS client setup keys (GVLKs) for Windows, as data, and a lookup.

Keys are copied from "Key Management Services (KMS) client activation and product keys"
(learn.microsoft.com/windows-server/get-started/kms-client-activation-keys, ms.date 10/01/2024),
read from repo MicrosoftDocs/windowsserverdocs, file
WindowsServerDocs/get-started/kms-client-activation-keys.md at commit
0539a6bfafe3d1feb446d7479837cc3bc7bffff4 (docs/licensing-facts.md §5.2 names the page).
PUBLISHED_ROWS holds every row of that page, in page order, with the page's row text ("<br>"
between editions written as " / "). These keys are public: they make a product a KMS client
and activate nothing by themselves.

Left out on purpose:
- Home editions: Microsoft's page has no Home GVLK.
- The rows "Windows Server 2012", "Windows Server 2012 N", "Windows Server 2012 Single
  Language" and "Windows Server 2012 Country Specific" of older revisions of the page (e.g.
  ms.date 09/05/2023, commit e2fb59c948e4adacccef465114eca6769235d7f3; and the 2017
  KMSclientkeys.md, where they sat in a "Windows Server 2012 and Windows 8" table). Microsoft
  removed them by 10/01/2024; their labels name no Server edition that exists (the names are
  those of the Windows 8 consumer editions), so no edition ID can be given to them.
- The 06/25/2025 revision of the page was not read in full (only its opening was seen).

Which Windows edition ID (the word before " edition" in SoftwareLicensingProduct.Name, the
same as DISM /Get-CurrentEdition and the registry's EditionID) belongs to which row is not on
Microsoft's GVLK page. Microsoft sources found for the mapping:
- [UCO] "Upgrade and conversion options for Windows Server" (MicrosoftDocs/windowsserverdocs,
  WindowsServerDocs/get-started/upgrade-conversion-options.md, ms.date 08/18/2025, commit
  025e138206d3da226e5436f638f3d52e2a874034): "Windows Server Standard (Desktop Experience)
  edition is `ServerStandard`", and `/Set-Edition:ServerDatacenter` for Datacenter. The page
  names no version; the two IDs are taken here for every Windows Server version (2008 to 2025).
- [IOT] "Windows IoT Enterprise LTSC in Volume License" (MicrosoftDocs/windows-iot-public,
  windows-iot/iot-enterprise/Deployment/Volume-License.md, ms.date 07/25/2024, commit
  018d801ca1ccc41c3e2e340ee45156c241591303): Windows 10 Enterprise LTSC 2021 shows
  "Current Edition : EnterpriseS"; after installing KBN8V-... it shows "IoTEnterpriseS", which
  needs 10.0.19044.2905 or later.
Every other edition ID below is marked UNCONFIRMED: no Microsoft source was found, and the
mapping is the usual SKU naming. An unconfirmed ID that no host reports is simply never
matched, so for_windows returns None rather than a wrong key.

Server Core installations may report their own edition IDs (names ending in "Cor"/"Core" are
seen in third-party material only); none is mapped, so for_windows gives None for them until a
live host or a Microsoft source shows what they report.

Build numbers are those of Win32_OperatingSystem.Version ("10.0.17763" -> 17763). Builds tell
apart versions that share an edition ID (Server 2016/2019/2022/2025; LTSB 2015/2016 and LTSC
2019/2021/2024); for_windows also refuses a host whose Caption names another Windows version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# SoftwareLicensingProduct.ApplicationID of Windows (docs/licensing-facts.md §3, from Microsoft's slmgr.vbs).
WINDOWS_APPLICATION_ID = "55c92734-d682-4d71-983e-d6ec3f16059f"

KEY_FORMAT = re.compile(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$")

# Every row of Microsoft's page (ms.date 10/01/2024), in page order: row text -> key.
PUBLISHED_ROWS: dict[str, str] = {
    # Windows Server LTSC
    "Windows Server 2025 Standard": "TVRH6-WHNXV-R9WG3-9XRFY-MY832",
    "Windows Server 2025 Datacenter": "D764K-2NDRG-47T6Q-P8T8W-YP6DF",
    "Windows Server 2025 Datacenter: Azure Edition": "XGN3F-F394H-FD2MY-PP6FD-8MCRC",
    "Windows Server 2022 Standard": "VDYBN-27WPP-V4HQT-9VMD4-VMK7H",
    "Windows Server 2022 Datacenter": "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
    "Windows Server 2022 Datacenter: Azure Edition": "NTBV8-9K7Q8-V27C6-M2BTV-KHMXV",
    "Windows Server 2019 Standard": "N69G4-B89J2-4G8F4-WWYCC-J464C",
    "Windows Server 2019 Datacenter": "WMDGN-G9PQG-XVVXX-R3X43-63DFG",
    "Windows Server 2019 Essentials": "WVDHN-86M7X-466P6-VHXV7-YY726",
    "Windows Server 2016 Standard": "WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY",
    "Windows Server 2016 Datacenter": "CB7KF-BWN84-R7R2Y-793K2-8XDDG",
    "Windows Server 2016 Essentials": "JCKRF-N37P4-C2D82-9YXRT-4M63B",
    # Windows Server Semi-Annual Channel: versions 20H2, 2004, 1909, 1903 and 1809
    "Windows Server Standard (versions 20H2, 2004, 1909, 1903, 1809)": "N2KJX-J94YW-TQVFB-DG9YT-724CC",
    "Windows Server Datacenter (versions 20H2, 2004, 1909, 1903, 1809)": "6NMRW-2C8FM-D24W7-TQWMY-CWH2D",
    # Windows 11 and Windows 10 Semi-Annual Channel
    "Windows 11 Pro / Windows 10 Pro": "W269N-WFGWX-YVC9B-4J6C9-T83GX",
    "Windows 11 Pro N / Windows 10 Pro N": "MH37W-N47XK-V7XM9-C7227-GCQG9",
    "Windows 11 Pro for Workstations / Windows 10 Pro for Workstations": "NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J",
    "Windows 11 Pro for Workstations N / Windows 10 Pro for Workstations N": "9FNHH-K3HBT-3W4TD-6383H-6XYWF",
    "Windows 11 Pro Education / Windows 10 Pro Education": "6TP4R-GNPTD-KYYHQ-7B7DP-J447Y",
    "Windows 11 Pro Education N / Windows 10 Pro Education N": "YVWGF-BXNMC-HTQYQ-CPQ99-66QFC",
    "Windows 11 Education / Windows 10 Education": "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2",
    "Windows 11 Education N / Windows 10 Education N": "2WH4N-8QGBV-H22JP-CT43Q-MDWWJ",
    "Windows 11 Enterprise / Windows 10 Enterprise": "NPPR9-FWDCX-D2C8J-H872K-2YT43",
    "Windows 11 Enterprise N / Windows 10 Enterprise N": "DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4",
    "Windows 11 Enterprise G / Windows 10 Enterprise G": "YYVX9-NTFWV-6MDM3-9PT4T-4M68B",
    "Windows 11 Enterprise G N / Windows 10 Enterprise G N": "44RPN-FTY23-9VTTB-MP9BX-T84FV",
    # Windows Enterprise LTSC and LTSB
    "Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021 / Windows 10 Enterprise LTSC 2019": (
        "M7XTQ-FN8P6-TTKYV-9D4CC-J462D"
    ),
    "Windows 11 Enterprise N LTSC 2024 / Windows 10 Enterprise N LTSC 2021 / Windows 10 Enterprise N LTSC 2019": (
        "92NFX-8DJQP-P6BBQ-THF9C-7CG2H"
    ),
    "Windows IoT Enterprise LTSC 2024 / Windows IoT Enterprise LTSC 2021": "KBN8V-HFGQ4-MGXVD-347P6-PDQGT",
    "Windows 10 Enterprise LTSB 2016": "DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ",
    "Windows 10 Enterprise N LTSB 2016": "QFFDN-GRT3P-VKWWX-X7T3R-8B639",
    "Windows 10 Enterprise LTSB 2015": "WNMTR-4C88C-JK8YV-HQ7T2-76DF9",
    "Windows 10 Enterprise N LTSB 2015": "2F77B-TNFGY-69QQF-B8YKP-D69TJ",
    # Earlier versions of Windows Server
    "Windows Server Standard (version 1803)": "PTXN8-JFHJM-4WC78-MPCBR-9W4KR",
    "Windows Server Datacenter (version 1803)": "2HXDN-KRXHB-GPYC7-YCKFJ-7FVDG",
    "Windows Server Standard (version 1709)": "DPCNP-XQFKJ-BJF7R-FRC8D-GF6G4",
    "Windows Server Datacenter (version 1709)": "6Y6KB-N82V8-D8CQV-23MJW-BWTG6",
    "Windows Server 2012 R2 Standard": "D2N9P-3P6X9-2R39C-7RTCD-MDVJX",
    "Windows Server 2012 R2 Datacenter": "W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9",
    "Windows Server 2012 R2 Essentials": "KNC87-3J2TX-XB4WP-VCPJV-M4FWM",
    "Windows Server 2012 Standard": "XC9B7-NBPP2-83J2H-RHMBY-92BT4",
    "Windows Server 2012 MultiPoint Standard": "HM7DN-YVMH3-46JC3-XYTG7-CYQJJ",
    "Windows Server 2012 MultiPoint Premium": "XNH6W-2V9GX-RGJ4K-Y8X6F-QGJ2G",
    "Windows Server 2012 Datacenter": "48HP8-DN98B-MYWDG-T2DCC-8W83P",
    "Windows Server 2012 Essentials": "HTDQM-NBMMG-KGYDT-2DTKT-J2MPV",
    "Windows Server 2008 R2 Web": "6TPJF-RBVHG-WBW2R-86QPH-6RTM4",
    "Windows Server 2008 R2 HPC edition": "TT8MH-CG224-D3D7Q-498W2-9QCTX",
    "Windows Server 2008 R2 Standard": "YC6KT-GKW9T-YTKYR-T4X34-R7VHC",
    "Windows Server 2008 R2 Enterprise": "489J6-VHDMP-X63PK-3K798-CPX3Y",
    "Windows Server 2008 R2 Datacenter": "74YFP-3QFB3-KQT8W-PMXWJ-7M648",
    "Windows Server 2008 R2 for Itanium-based Systems": "GT63C-RJFQ3-4GMB6-BRFB9-CB83V",
    "Windows Web Server 2008": "WYR28-R7TFJ-3X2YQ-YCY4H-M249D",
    "Windows Server 2008 Standard": "TM24T-X9RMF-VWXK6-X8JC9-BFGM2",
    "Windows Server 2008 Standard without Hyper-V": "W7VD6-7JFBR-RX26B-YKQ3Y-6FFFJ",
    "Windows Server 2008 Enterprise": "YQGMW-MPWTJ-34KDK-48M3W-X4Q6V",
    "Windows Server 2008 Enterprise without Hyper-V": "39BXF-X8Q23-P2WWT-38T2F-G3FPG",
    "Windows Server 2008 HPC": "RCTX3-KWVHP-BR6TB-RB6DM-6X7HP",
    "Windows Server 2008 Datacenter": "7M67G-PC374-GR742-YH8V4-TCBY3",
    "Windows Server 2008 Datacenter without Hyper-V": "22XQ2-VRXRG-P8D42-K34TD-G3QQC",
    "Windows Server 2008 for Itanium-Based Systems": "4DWFP-JF3DJ-B7DTH-78FJB-PDRHK",
    # Earlier versions of Windows client
    "Windows 8.1 Pro": "GCRJD-8NW9H-F2CDX-CCM8D-9D6T9",
    "Windows 8.1 Pro N": "HMCNV-VVBFX-7HMBH-CTY9B-B4FXY",
    "Windows 8.1 Enterprise": "MHF9N-XY6XB-WVXMC-BTDCT-MKKG7",
    "Windows 8.1 Enterprise N": "TT4HM-HN7YT-62K67-RGRQJ-JFFXW",
    "Windows 8 Pro": "NG4HW-VH26C-733KW-K6F98-J8CK4",
    "Windows 8 Pro N": "XCVCF-2NXM9-723PB-MHCB7-2RYQQ",
    "Windows 8 Enterprise": "32JNW-9KQ84-P47T8-D8GGY-CWCK7",
    "Windows 8 Enterprise N": "JMNMF-RHW7P-DMY6X-RF3DR-X2BQT",
    "Windows 7 Professional": "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4",
    "Windows 7 Professional N": "MRPKT-YTG23-K7D7T-X2JMM-QY7MG",
    "Windows 7 Professional E": "W82YF-2Q76Y-63HXB-FGJG9-GF7QX",
    "Windows 7 Enterprise": "33PXH-7Y6KF-2VJC9-XBBR8-HVTHH",
    "Windows 7 Enterprise N": "YDRBP-3D83W-TY26F-D46B2-XCKRJ",
    "Windows 7 Enterprise E": "C29WB-22CC8-VJ326-GHFJW-H9DH4",
    "Windows Vista Business": "YFKBB-PQJJV-G996G-VWGXY-2V3X8",
    "Windows Vista Business N": "HMBQG-8H2RH-C77VX-27R82-VMQBT",
    "Windows Vista Enterprise": "VKK3X-68KWM-X2YGT-QR4M6-4BWMV",
    "Windows Vista Enterprise N": "VTC42-BM838-43QHV-84HX6-XJXKV",
}
# The page lists the Semi-Annual Channel and 1803/1709 rows simply as "Windows Server Standard" /
# "Windows Server Datacenter" under a version heading; the heading is added in parentheses above
# so that each row text is unique.


@dataclass(frozen=True)
class WindowsKey:
    """One Windows edition (by edition ID) of one OS family, and its published GVLK."""

    edition_id: str  # "Professional", "ServerStandard", ...
    family: str  # "Windows 10/11", "Windows Server 2019", "Windows 7", ...
    min_build: int  # the OS builds (Win32_OperatingSystem.Version's third part) it applies to
    max_build: int | None  # None: no upper bound known (Windows 10/11 keep getting new builds)
    key: str  # exactly as Microsoft publishes it
    edition: str  # the page's row text (a key of PUBLISHED_ROWS)


def _k(edition_id: str, family: str, min_build: int, max_build: int | None, edition: str) -> WindowsKey:
    return WindowsKey(edition_id, family, min_build, max_build, PUBLISHED_ROWS[edition], edition)


_W1011 = "Windows 10/11"
_SAC = "Windows Server, versions 1809-20H2"

# (edition ID, family) -> key. Comments say where an edition ID has a Microsoft source.
WINDOWS_GVLKS: list[WindowsKey] = [
    # Windows Server 2025 (build 26100)
    _k("ServerStandard", "Windows Server 2025", 26100, 26100, "Windows Server 2025 Standard"),  # [UCO]
    _k("ServerDatacenter", "Windows Server 2025", 26100, 26100, "Windows Server 2025 Datacenter"),  # [UCO]
    # UNCONFIRMED: ServerTurbine = Datacenter: Azure Edition.
    _k("ServerTurbine", "Windows Server 2025", 26100, 26100, "Windows Server 2025 Datacenter: Azure Edition"),
    # Windows Server 2022 (build 20348)
    _k("ServerStandard", "Windows Server 2022", 20348, 20348, "Windows Server 2022 Standard"),  # [UCO]
    _k("ServerDatacenter", "Windows Server 2022", 20348, 20348, "Windows Server 2022 Datacenter"),  # [UCO]
    # UNCONFIRMED (as for 2025).
    _k("ServerTurbine", "Windows Server 2022", 20348, 20348, "Windows Server 2022 Datacenter: Azure Edition"),
    # Windows Server 2019 (build 17763)
    _k("ServerStandard", "Windows Server 2019", 17763, 17763, "Windows Server 2019 Standard"),  # [UCO]
    _k("ServerDatacenter", "Windows Server 2019", 17763, 17763, "Windows Server 2019 Datacenter"),  # [UCO]
    _k("ServerSolution", "Windows Server 2019", 17763, 17763, "Windows Server 2019 Essentials"),  # UNCONFIRMED
    # Windows Server 2016 (build 14393)
    _k("ServerStandard", "Windows Server 2016", 14393, 14393, "Windows Server 2016 Standard"),  # [UCO]
    _k("ServerDatacenter", "Windows Server 2016", 14393, 14393, "Windows Server 2016 Datacenter"),  # [UCO]
    _k("ServerSolution", "Windows Server 2016", 14393, 14393, "Windows Server 2016 Essentials"),  # UNCONFIRMED
    # Windows Server Semi-Annual Channel, Server Core only: 1809 (17763), 1903 (18362), 1909 (18363),
    # 2004 (19041), 20H2 (19042). UNCONFIRMED: the "ACor" edition IDs. 1809 shares build 17763 with
    # Server 2019; the edition IDs (and the Caption, which has no year) tell them apart.
    _k("ServerStandardACor", _SAC, 17763, 19042, "Windows Server Standard (versions 20H2, 2004, 1909, 1903, 1809)"),
    _k("ServerDatacenterACor", _SAC, 17763, 19042, "Windows Server Datacenter (versions 20H2, 2004, 1909, 1903, 1809)"),
    # Windows Server, version 1803 (17134) and version 1709 (16299). UNCONFIRMED, as above.
    _k("ServerStandardACor", "Windows Server, version 1803", 17134, 17134, "Windows Server Standard (version 1803)"),
    _k(
        "ServerDatacenterACor", "Windows Server, version 1803", 17134, 17134, "Windows Server Datacenter (version 1803)"
    ),
    _k("ServerStandardACor", "Windows Server, version 1709", 16299, 16299, "Windows Server Standard (version 1709)"),
    _k(
        "ServerDatacenterACor", "Windows Server, version 1709", 16299, 16299, "Windows Server Datacenter (version 1709)"
    ),
    # Windows 11 and Windows 10 (General Availability / Semi-Annual Channel), builds 10240 and later.
    # UNCONFIRMED: every edition ID of this block (no Microsoft page maps them to the rows).
    _k("Professional", _W1011, 10240, None, "Windows 11 Pro / Windows 10 Pro"),
    _k("ProfessionalN", _W1011, 10240, None, "Windows 11 Pro N / Windows 10 Pro N"),
    _k(
        "ProfessionalWorkstation",
        _W1011,
        10240,
        None,
        "Windows 11 Pro for Workstations / Windows 10 Pro for Workstations",
    ),
    _k(
        "ProfessionalWorkstationN",
        _W1011,
        10240,
        None,
        "Windows 11 Pro for Workstations N / Windows 10 Pro for Workstations N",
    ),
    _k("ProfessionalEducation", _W1011, 10240, None, "Windows 11 Pro Education / Windows 10 Pro Education"),
    _k("ProfessionalEducationN", _W1011, 10240, None, "Windows 11 Pro Education N / Windows 10 Pro Education N"),
    _k("Education", _W1011, 10240, None, "Windows 11 Education / Windows 10 Education"),
    _k("EducationN", _W1011, 10240, None, "Windows 11 Education N / Windows 10 Education N"),
    _k("Enterprise", _W1011, 10240, None, "Windows 11 Enterprise / Windows 10 Enterprise"),
    _k("EnterpriseN", _W1011, 10240, None, "Windows 11 Enterprise N / Windows 10 Enterprise N"),
    _k("EnterpriseG", _W1011, 10240, None, "Windows 11 Enterprise G / Windows 10 Enterprise G"),
    _k("EnterpriseGN", _W1011, 10240, None, "Windows 11 Enterprise G N / Windows 10 Enterprise G N"),
    # Enterprise LTSC/LTSB: one family per release, pinned to its build. EnterpriseS for LTSC 2021 is
    # [IOT]; for the other releases, and EnterpriseSN for all, UNCONFIRMED. Microsoft gives LTSC
    # 2019, 2021 and 2024 one key (one row).
    _k(
        "EnterpriseS",
        "Windows 11 Enterprise LTSC 2024",
        26100,
        26100,
        "Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021 / Windows 10 Enterprise LTSC 2019",
    ),
    _k(
        "EnterpriseSN",
        "Windows 11 Enterprise LTSC 2024",
        26100,
        26100,
        "Windows 11 Enterprise N LTSC 2024 / Windows 10 Enterprise N LTSC 2021 / Windows 10 Enterprise N LTSC 2019",
    ),
    _k(
        "EnterpriseS",
        "Windows 10 Enterprise LTSC 2021",
        19044,
        19044,
        "Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021 / Windows 10 Enterprise LTSC 2019",
    ),
    _k(
        "EnterpriseSN",
        "Windows 10 Enterprise LTSC 2021",
        19044,
        19044,
        "Windows 11 Enterprise N LTSC 2024 / Windows 10 Enterprise N LTSC 2021 / Windows 10 Enterprise N LTSC 2019",
    ),
    _k(
        "EnterpriseS",
        "Windows 10 Enterprise LTSC 2019",
        17763,
        17763,
        "Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021 / Windows 10 Enterprise LTSC 2019",
    ),
    _k(
        "EnterpriseSN",
        "Windows 10 Enterprise LTSC 2019",
        17763,
        17763,
        "Windows 11 Enterprise N LTSC 2024 / Windows 10 Enterprise N LTSC 2021 / Windows 10 Enterprise N LTSC 2019",
    ),
    _k("EnterpriseS", "Windows 10 Enterprise LTSB 2016", 14393, 14393, "Windows 10 Enterprise LTSB 2016"),
    _k("EnterpriseSN", "Windows 10 Enterprise LTSB 2016", 14393, 14393, "Windows 10 Enterprise N LTSB 2016"),
    _k("EnterpriseS", "Windows 10 Enterprise LTSB 2015", 10240, 10240, "Windows 10 Enterprise LTSB 2015"),
    _k("EnterpriseSN", "Windows 10 Enterprise LTSB 2015", 10240, 10240, "Windows 10 Enterprise N LTSB 2015"),
    # IoT Enterprise LTSC. [IOT] for 2021 (which needs 10.0.19044.2905 or later: Version alone shows
    # 19044, so the update level is not checked here); UNCONFIRMED for Windows 11 IoT LTSC 2024.
    _k(
        "IoTEnterpriseS",
        "Windows 11 IoT Enterprise LTSC 2024",
        26100,
        26100,
        "Windows IoT Enterprise LTSC 2024 / Windows IoT Enterprise LTSC 2021",
    ),
    _k(
        "IoTEnterpriseS",
        "Windows 10 IoT Enterprise LTSC 2021",
        19044,
        19044,
        "Windows IoT Enterprise LTSC 2024 / Windows IoT Enterprise LTSC 2021",
    ),
    # Windows Server 2012 R2 (6.3.9600)
    _k("ServerStandard", "Windows Server 2012 R2", 9600, 9600, "Windows Server 2012 R2 Standard"),  # [UCO]
    _k("ServerDatacenter", "Windows Server 2012 R2", 9600, 9600, "Windows Server 2012 R2 Datacenter"),  # [UCO]
    _k("ServerSolution", "Windows Server 2012 R2", 9600, 9600, "Windows Server 2012 R2 Essentials"),  # UNCONFIRMED
    # Windows Server 2012 (6.2.9200)
    _k("ServerStandard", "Windows Server 2012", 9200, 9200, "Windows Server 2012 Standard"),  # [UCO]
    _k("ServerDatacenter", "Windows Server 2012", 9200, 9200, "Windows Server 2012 Datacenter"),  # [UCO]
    # UNCONFIRMED: the MultiPoint and Essentials edition IDs.
    _k("ServerMultiPointStandard", "Windows Server 2012", 9200, 9200, "Windows Server 2012 MultiPoint Standard"),
    _k("ServerMultiPointPremium", "Windows Server 2012", 9200, 9200, "Windows Server 2012 MultiPoint Premium"),
    _k("ServerSolution", "Windows Server 2012", 9200, 9200, "Windows Server 2012 Essentials"),
    # Windows Server 2008 R2 (6.1.7600 RTM, 6.1.7601 SP1). Standard/Datacenter [UCO]; the rest UNCONFIRMED.
    _k("ServerWeb", "Windows Server 2008 R2", 7600, 7601, "Windows Server 2008 R2 Web"),
    _k("ServerHPC", "Windows Server 2008 R2", 7600, 7601, "Windows Server 2008 R2 HPC edition"),
    _k("ServerStandard", "Windows Server 2008 R2", 7600, 7601, "Windows Server 2008 R2 Standard"),
    _k("ServerEnterprise", "Windows Server 2008 R2", 7600, 7601, "Windows Server 2008 R2 Enterprise"),
    _k("ServerDatacenter", "Windows Server 2008 R2", 7600, 7601, "Windows Server 2008 R2 Datacenter"),
    _k(
        "ServerEnterpriseIA64", "Windows Server 2008 R2", 7600, 7601, "Windows Server 2008 R2 for Itanium-based Systems"
    ),
    # Windows Server 2008 (6.0.6001 RTM/SP1, 6002 SP2, 6003 SP2 after the 2019 build bump).
    # Standard/Datacenter [UCO]; the rest UNCONFIRMED ("V" = without Hyper-V).
    _k("ServerWeb", "Windows Server 2008", 6001, 6003, "Windows Web Server 2008"),
    _k("ServerStandard", "Windows Server 2008", 6001, 6003, "Windows Server 2008 Standard"),
    _k("ServerStandardV", "Windows Server 2008", 6001, 6003, "Windows Server 2008 Standard without Hyper-V"),
    _k("ServerEnterprise", "Windows Server 2008", 6001, 6003, "Windows Server 2008 Enterprise"),
    _k("ServerEnterpriseV", "Windows Server 2008", 6001, 6003, "Windows Server 2008 Enterprise without Hyper-V"),
    _k("ServerComputeCluster", "Windows Server 2008", 6001, 6003, "Windows Server 2008 HPC"),
    _k("ServerDatacenter", "Windows Server 2008", 6001, 6003, "Windows Server 2008 Datacenter"),
    _k("ServerDatacenterV", "Windows Server 2008", 6001, 6003, "Windows Server 2008 Datacenter without Hyper-V"),
    _k("ServerEnterpriseIA64", "Windows Server 2008", 6001, 6003, "Windows Server 2008 for Itanium-Based Systems"),
    # Windows 8.1 (6.3.9600). UNCONFIRMED edition IDs.
    _k("Professional", "Windows 8.1", 9600, 9600, "Windows 8.1 Pro"),
    _k("ProfessionalN", "Windows 8.1", 9600, 9600, "Windows 8.1 Pro N"),
    _k("Enterprise", "Windows 8.1", 9600, 9600, "Windows 8.1 Enterprise"),
    _k("EnterpriseN", "Windows 8.1", 9600, 9600, "Windows 8.1 Enterprise N"),
    # Windows 8 (6.2.9200). UNCONFIRMED edition IDs.
    _k("Professional", "Windows 8", 9200, 9200, "Windows 8 Pro"),
    _k("ProfessionalN", "Windows 8", 9200, 9200, "Windows 8 Pro N"),
    _k("Enterprise", "Windows 8", 9200, 9200, "Windows 8 Enterprise"),
    _k("EnterpriseN", "Windows 8", 9200, 9200, "Windows 8 Enterprise N"),
    # Windows 7 (6.1.7600 RTM, 6.1.7601 SP1). UNCONFIRMED edition IDs.
    _k("Professional", "Windows 7", 7600, 7601, "Windows 7 Professional"),
    _k("ProfessionalN", "Windows 7", 7600, 7601, "Windows 7 Professional N"),
    _k("ProfessionalE", "Windows 7", 7600, 7601, "Windows 7 Professional E"),
    _k("Enterprise", "Windows 7", 7600, 7601, "Windows 7 Enterprise"),
    _k("EnterpriseN", "Windows 7", 7600, 7601, "Windows 7 Enterprise N"),
    _k("EnterpriseE", "Windows 7", 7600, 7601, "Windows 7 Enterprise E"),
    # Windows Vista (6.0.6000 RTM, 6001 SP1, 6002 SP2). UNCONFIRMED edition IDs.
    _k("Business", "Windows Vista", 6000, 6002, "Windows Vista Business"),
    _k("BusinessN", "Windows Vista", 6000, 6002, "Windows Vista Business N"),
    _k("Enterprise", "Windows Vista", 6000, 6002, "Windows Vista Enterprise"),
    _k("EnterpriseN", "Windows Vista", 6000, 6002, "Windows Vista Enterprise N"),
]

# The Windows version that Win32_OperatingSystem.Caption names, per family (see _caption_version).
_CAPTION_VERSIONS: dict[str, frozenset[str]] = {
    "Windows Server 2025": frozenset({"Server 2025"}),
    "Windows Server 2022": frozenset({"Server 2022"}),
    "Windows Server 2019": frozenset({"Server 2019"}),
    "Windows Server 2016": frozenset({"Server 2016"}),
    _SAC: frozenset({"Server"}),
    "Windows Server, version 1803": frozenset({"Server"}),
    "Windows Server, version 1709": frozenset({"Server"}),
    _W1011: frozenset({"10", "11"}),
    "Windows 11 Enterprise LTSC 2024": frozenset({"11"}),
    "Windows 10 Enterprise LTSC 2021": frozenset({"10"}),
    "Windows 10 Enterprise LTSC 2019": frozenset({"10"}),
    "Windows 10 Enterprise LTSB 2016": frozenset({"10"}),
    "Windows 10 Enterprise LTSB 2015": frozenset({"10"}),
    "Windows 11 IoT Enterprise LTSC 2024": frozenset({"11"}),
    "Windows 10 IoT Enterprise LTSC 2021": frozenset({"10"}),
    "Windows Server 2012 R2": frozenset({"Server 2012 R2"}),
    "Windows Server 2012": frozenset({"Server 2012"}),
    "Windows Server 2008 R2": frozenset({"Server 2008 R2"}),
    "Windows Server 2008": frozenset({"Server 2008"}),
    "Windows 8.1": frozenset({"8.1"}),
    "Windows 8": frozenset({"8"}),
    "Windows 7": frozenset({"7"}),
    "Windows Vista": frozenset({"Vista"}),
}

_PUBLISHED = frozenset(PUBLISHED_ROWS.values())
_NAME = re.compile(r"^\s*Windows\b.*,\s*([A-Za-z0-9]+) edition\s*$")
_VERSION = re.compile(r"^\s*(\d+)\.(\d+)\.(\d+)(?:\.\d+)?\s*$")
_MARKS = re.compile(r"\(R\)|\(TM\)|[\u00ae\u2122]", re.IGNORECASE)
_CAPTION_SERVER_YEAR = re.compile(r"\bWindows (?:Web |HPC |MultiPoint )?Server (\d{4})( R2)?\b", re.IGNORECASE)
_CAPTION_SERVER = re.compile(r"\bWindows (?:Storage )?Server\b", re.IGNORECASE)
_CAPTION_CLIENT = re.compile(r"\bWindows (Vista|\d+(?:\.\d+)?)\b", re.IGNORECASE)


def edition_id(name: str | None) -> str | None:
    """The edition ID in a SoftwareLicensingProduct Name, e.g. "Windows(R), Professional edition".

    None for anything that is not a Windows product name of that form (Office names, add-ons).
    """
    match = _NAME.match(name or "")
    return match.group(1) if match else None


def _nt_version(build: int) -> tuple[int, int]:
    """Major.minor of the Windows releases with this build number (as listed in WINDOWS_GVLKS)."""
    if build < 7000:
        return (6, 0)
    if build < 9000:
        return (6, 1)
    if build < 9500:
        return (6, 2)
    if build < 10000:
        return (6, 3)
    return (10, 0)


def _caption_version(caption: str) -> str | None:
    """The Windows version a Caption names ("Server 2019", "Server", "10", "Vista"), or None."""
    text = " ".join(_MARKS.sub(" ", caption).split())
    match = _CAPTION_SERVER_YEAR.search(text)
    if match:
        return "Server " + match.group(1) + (" R2" if match.group(2) else "")
    if _CAPTION_SERVER.search(text):
        return "Server"
    match = _CAPTION_CLIENT.search(text)
    return match.group(1).capitalize() if match else None


def for_windows(name: str | None, os_version: str | None, os_caption: str | None = None) -> WindowsKey | None:
    """The published GVLK entry for a host, or None when it cannot tell.

    name: SoftwareLicensingProduct.Name of the Windows product; os_version and os_caption:
    Win32_OperatingSystem.Version ("10.0.17763") and Caption. A Caption that names another
    Windows version than the matched entry (e.g. "Windows Server 2019" for a SAC entry) gives None.
    """
    wanted = edition_id(name)
    version = _VERSION.match(os_version or "")
    if wanted is None or version is None:
        return None
    major, minor, build = (int(part) for part in version.groups())
    matches = [
        entry
        for entry in WINDOWS_GVLKS
        if entry.edition_id.lower() == wanted.lower()
        and entry.min_build <= build
        and (entry.max_build is None or build <= entry.max_build)
        and _nt_version(entry.min_build) == (major, minor)
    ]
    if len(matches) != 1:
        return None
    entry = matches[0]
    if os_caption:
        named = _caption_version(os_caption)
        if named is not None and named not in _CAPTION_VERSIONS[entry.family]:
            return None
    return entry


def is_published(key: str) -> bool:
    """True for a Windows GVLK Microsoft publishes (safe to show); other keys are secrets."""
    return key.strip().upper() in _PUBLISHED
