# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""Microsoft's published system requirements for each supported Office version, as data, and
pure functions that check a host (the ``host`` facts of licensing.host_facts) against them.

A fact the host did not report (null, 0 for a speed, a count or a size), or reported in a form
that is not a number or a version, is unknown: never a shortfall, and named in the verdict's
``unknown`` so the operator hears of it (office_kms's ``requirements: strict`` fails the host).
So is an Office version installed on the host that the table has no row for (a release newer
than this collection, such as ProPlus2027Volume): its requirements are not checked, and the
verdict says so in ``unknown`` and lists the version in ``unknown_versions``, with or without
explicit thresholds (they are checked, but do not make the version's own figures known).

One table, ``REQUIREMENTS``, one row per Office version. Every row names the Microsoft page(s)
it comes from. A figure Microsoft does not publish (or that only a third-party source gives)
is ``None`` and is not checked; the comment on the row says what was looked for. Figures kept
without reading Microsoft's own requirement table are listed in the row's ``unconfirmed``.

Licensing facts are cited by their section in docs/licensing-facts.md. Microsoft paths such as
``office/ltsc/2024/overview.md`` are in the MicrosoftDocs/OfficeDocs-DeployOffice repository
(snapshot commit 947f018871a6, 2024-10-21); its pages are published under
https://learn.microsoft.com/office/ (the same path without ``.md``).

No I/O, no Ansible imports: the office_kms action plugin calls these with facts it already has.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

# Windows NT versions used below (Win32_OperatingSystem.Version).
WINDOWS_7_SP1 = "6.1.7601"  # Windows 7 SP1 / Windows Server 2008 R2 SP1
WINDOWS_7 = "6.1"  # Windows 7 / Windows Server 2008 R2, any service pack
WINDOWS_10 = "10.0"  # Windows 10 (any build) and Windows 11 (10.0.22000 and later)
WINDOWS_SERVER_2022 = "10.0.20348"


@dataclass(frozen=True)
class Requirement:
    """Minimum system requirements of one Office version. ``None`` = no figure, not checked."""

    office: str  # "2024", "2021", "2019", "2016", "2013", "2010"
    min_client_os: str | None  # NT version, e.g. "10.0", "6.1.7601"
    min_server_os: str | None  # NT version, e.g. "10.0.20348" (Windows Server 2022)
    cpu_mhz: int | None
    cpu_cores: int | None
    memory_mb: int | None
    free_disk_mb: int | None
    source: str  # the Microsoft page(s) the row comes from
    name: str = ""  # "Office LTSC 2024"
    client_os_name: str | None = None  # "Windows 10", for messages
    server_os_name: str | None = None  # "Windows Server 2022", for messages
    # Figures kept although Microsoft's own requirement table for this version was not read
    # (the row's comment gives the grounds); field names of this class.
    unconfirmed: tuple[str, ...] = ()


REQUIREMENTS: dict[str, Requirement] = {
    # Microsoft (office/ltsc/2024/overview.md, "Minimum system requirements", ms.date 09/19/2024;
    # docs/licensing-facts.md §8): supported on "Windows 11*; Windows 10; Windows 10 LTSC 2021;
    # Windows 10 LTSC 2019; Windows Server 2022" (*Arm devices need Windows 11), and "at least a 1.1
    # GHz, two-core processor, 4 GB of RAM, 4 GB of available disk space".
    # The CPU figure deliberately stays the source procedure's 1.6 GHz dual-core (the
    # organisation's published procedure this project automates), not Microsoft's 1.1 GHz.
    # Server: 2022 is listed and 2019 is not, so 10.0.20348; Windows
    # Server 2025 (10.0.26100) passes as "later" though that revision of the page does not list
    # it (UNCONFIRMED either way).
    "2024": Requirement(
        office="2024",
        name="Office LTSC 2024",
        min_client_os=WINDOWS_10,
        client_os_name="Windows 10",
        min_server_os=WINDOWS_SERVER_2022,
        server_os_name="Windows Server 2022",
        cpu_mhz=1600,
        cpu_cores=2,
        memory_mb=4096,
        free_disk_mb=4096,
        source="https://learn.microsoft.com/office/ltsc/2024/overview (MicrosoftDocs/OfficeDocs-DeployOffice "
        "office/ltsc/2024/overview.md); CPU 1.6 GHz from the source procedure, Microsoft's page says 1.1 GHz",
    ),
    # Microsoft (office/ltsc/2021/overview.md, ms.date 09/19/2024): "supported on devices running
    # Windows 10 or Windows 11"; no Windows Server edition is named, so the server minimum is
    # None (UNCONFIRMED). The page gives no hardware figures; it links the detailed table at
    # support.microsoft.com/topic/5e59b928-c35c-4b7f-806d-8b44c23d2eb9#bkmk_oltsc21, which could
    # not be retrieved (UNCONFIRMED). Decision: the hardware figures are those Microsoft states
    # for the same Click-to-Run 16.0 generation on its LTSC 2024 overview (1.1 GHz, two cores,
    # 4 GB RAM, 4 GB disk), so a host this weak is still flagged; override them if your reading
    # of Microsoft's table differs (some copies give 2 GB RAM for 32-bit Office).
    "2021": Requirement(
        office="2021",
        name="Office LTSC 2021",
        min_client_os=WINDOWS_10,
        client_os_name="Windows 10",
        min_server_os=None,
        cpu_mhz=1100,
        cpu_cores=2,
        memory_mb=4096,
        free_disk_mb=4096,
        source="https://learn.microsoft.com/office/ltsc/2021/overview (MicrosoftDocs/OfficeDocs-DeployOffice "
        "office/ltsc/2021/overview.md); hardware as on https://learn.microsoft.com/office/ltsc/2024/overview",
        unconfirmed=("cpu_mhz", "cpu_cores", "memory_mb", "free_disk_mb"),
    ),
    # Microsoft (office/2019/overview.md, ms.date 09/19/2024): "only supported on Windows 11 and
    # Windows 10" (the 2018 revision: "isn't supported on Windows 7 or Windows 8.1"). No Windows
    # Server edition and no hardware figure on Microsoft's page (the linked table, #bkmk_o19comm,
    # could not be retrieved); only third-party copies give 1.6 GHz dual-core, 4 GB (2 GB for
    # 32-bit) and 4 GB disk: all None (UNCONFIRMED), server minimum None (UNCONFIRMED).
    "2019": Requirement(
        office="2019",
        name="Office 2019",
        min_client_os=WINDOWS_10,
        client_os_name="Windows 10",
        min_server_os=None,
        cpu_mhz=None,
        cpu_cores=None,
        memory_mb=None,
        free_disk_mb=None,
        source="https://learn.microsoft.com/office/2019/overview (MicrosoftDocs/OfficeDocs-DeployOffice "
        "office/2019/overview.md)",
    ),
    # Microsoft (office/2016/whats-new-admins.md): "for Office 2016, the minimum requirement is
    # now 2 GB of RAM". Operating system: Microsoft's table (#bkmk_o16comm) could not be
    # retrieved; Microsoft's Telemetry Dashboard page (office/compatibility/
    # deploy-telemetry-dashboard.md: installed with Office Professional Plus 2016, started on
    # "Windows 10, Windows Server 2008 R2, or Windows 7 with Service Pack 1", 8.1, 2012, 2012 R2)
    # and its KMS host page (office/volume-license-activation/configure-a-kms-host-computer-for-
    # office.md: "Office 2016: At least Windows Server 2008 R2 or at least Windows 7 Service
    # Pack 1") show Office 2016 on Windows 7 SP1 and Server 2008 R2, so those are the minimums
    # (kept, listed in unconfirmed). CPU 1 GHz and disk 3 GB come from third-party copies only:
    # None (UNCONFIRMED); no core count is published: None.
    "2016": Requirement(
        office="2016",
        name="Office 2016",
        min_client_os=WINDOWS_7_SP1,
        client_os_name="Windows 7 SP1",
        min_server_os=WINDOWS_7,
        server_os_name="Windows Server 2008 R2",
        cpu_mhz=None,
        cpu_cores=None,
        memory_mb=2048,
        free_disk_mb=None,
        source="https://learn.microsoft.com/office/2016/whats-new-admins (RAM); "
        "https://learn.microsoft.com/office/compatibility/deploy-telemetry-dashboard and "
        "https://learn.microsoft.com/office/volume-license-activation/configure-a-kms-host-computer-for-office "
        "(Windows 7 SP1 / Server 2008 R2) (MicrosoftDocs/OfficeDocs-DeployOffice)",
        unconfirmed=("min_client_os", "min_server_os"),
    ),
    # Microsoft ("Volume activation methods in Office 2013", technet jj219430(v=office.15),
    # docs/licensing-facts.md §10.5): "KMS and MAK are supported on Windows 7 and Windows 8. Active
    # Directory-Based activation is supported only on Windows 8 and Windows Server 2012." Client
    # minimum: Windows 7 (6.1). Server minimum: third-party sources say Server 2008 R2, Microsoft's
    # page names only Server 2012 (for AD-based activation): None (UNCONFIRMED). Hardware: only
    # third-party sources (1 GHz, 1 GB x86 / 2 GB x64, 3 GB disk): None (UNCONFIRMED).
    "2013": Requirement(
        office="2013",
        name="Office 2013",
        min_client_os=WINDOWS_7,
        client_os_name="Windows 7",
        min_server_os=None,
        cpu_mhz=None,
        cpu_cores=None,
        memory_mb=None,
        free_disk_mb=None,
        source="http://technet.microsoft.com/en-us/library/jj219430(v=office.15)",
    ),
    # Microsoft (technet ee624349(v=office.14), docs/licensing-facts.md §10.5): "Office 2010 is
    # supported on Windows 8 and Windows Server 2012" (a list of supported systems, not a minimum).
    # The minimums (Windows XP SP3 32-bit, Vista SP1, Server 2003 R2; 500 MHz, 256 MB) come from
    # third-party reports of a 2010 Microsoft blog post only: all None (UNCONFIRMED). Nothing is
    # checked for Office 2010.
    "2010": Requirement(
        office="2010",
        name="Office 2010",
        min_client_os=None,
        min_server_os=None,
        cpu_mhz=None,
        cpu_cores=None,
        memory_mb=None,
        free_disk_mb=None,
        source="https://technet.microsoft.com/library/ee624349(v=office.14)",
    ),
}

# Office major versions (14 = Office 2010, 15 = 2013, 16 = 2016 and later).
MAJOR_TO_OFFICE = {14: "2010", 15: "2013", 16: "2016"}

# Override keys, as office_kms names its options and the role its variables.
OVERRIDE_VARS = {
    "cpu_mhz": "min_cpu_mhz (the role's office_kms_min_cpu_mhz)",
    "cpu_cores": "min_cpu_cores (the role's office_kms_min_cpu_cores)",
    "memory_mb": "min_memory_mb (the role's office_kms_min_memory_mb)",
    "free_disk_mb": "min_free_disk_mb (the role's office_kms_min_free_disk_mb)",
    "min_os_version": "min_os_version (the role's office_kms_min_os_version)",
}

# The CIM property each host fact comes from (inspection.read_program), for messages.
FACT_SOURCES = {
    "cpu_max_clock_mhz": "Win32_Processor.MaxClockSpeed",
    "cpu_cores": "Win32_Processor.NumberOfCores",
    "memory_mb": "Win32_PhysicalMemory.Capacity",
    "system_drive_free_mb": "Win32_LogicalDisk.FreeSpace",
    "os_version": "Win32_OperatingSystem.Version",
    "os_caption": "Win32_OperatingSystem.Caption",
}
_SHOWN = 40  # characters of an odd fact shown back in a message

# ASCII digits only: str.isdigit() and \d also take other scripts' digits and superscripts,
# some of which int() refuses.
_VERSION = re.compile(r"^[0-9]+(?:\.[0-9]+){1,3}$")
_DIGITS = re.compile(r"[0-9]+")
_YEAR_ID = re.compile(r"(20\d\d)(?:Volume|Retail)$", re.IGNORECASE)
# The year of a volume product's family or licence name: ProPlus2027Volume,
# Office27ProPlus2027VL_KMS_Client_AE; else the "Office NN" prefix of its name.
_NAME_YEAR = re.compile(r"(20[0-9][0-9])(?:Volume|VL_|-)", re.IGNORECASE)
_NAME_MAJOR = re.compile(r"^Office ([0-9][0-9]), ")
_KNOWN_MAJORS = (14, 15, 16, 19, 21, 24)  # licensing.OFFICE_YEARS: Office 2010 to LTSC 2024
_MSI_ID = re.compile(r"^Office(\d\d)\.", re.IGNORECASE)


def parse_version(text: Any) -> tuple[int, ...] | None:
    """``"10.0.22631"`` -> ``(10, 0, 22631)``; anything else -> None."""
    if not isinstance(text, str) or not _VERSION.match(text.strip()):
        return None
    return tuple(int(part) for part in text.strip().split("."))


def version_less(left: tuple[int, ...], right: tuple[int, ...]) -> bool:
    """Numeric comparison; missing parts count as 0, so (10, 0) < (10, 0, 14393)."""
    width = max(len(left), len(right))
    return left + (0,) * (width - len(left)) < right + (0,) * (width - len(right))


def _is_subscription_id(product_id: str) -> bool:
    return product_id.upper().startswith(("O365", "M365"))


def _known(version: str | None) -> str | None:
    return version if version in REQUIREMENTS else None


def _from_major(version: Any) -> str | None:
    parsed = parse_version(version) if isinstance(version, str) else None
    return MAJOR_TO_OFFICE.get(parsed[0]) if parsed else None


def _product_version(product: dict[str, Any]) -> str | None:
    """The Office version of a KMS-client/volume Office product, known to the table or not
    (a year such as "2027", or "Office NN" from the name); None when it has none."""
    if product.get("application") != "office":
        return None
    family = str(product.get("family") or "")
    channel = str(product.get("channel") or "").upper()
    if _is_subscription_id(family) or "TIMEBASED_SUB" in channel:
        return None
    if not (product.get("kms_client") or channel.startswith("VOLUME") or family.endswith("Volume")):
        return None
    version = product.get("version")
    if version:
        return str(version)
    name = str(product.get("name") or "")
    year = _NAME_YEAR.search(family) or _NAME_YEAR.search(name)
    if year:
        return year.group(1)
    major = _NAME_MAJOR.match(name)
    if major and int(major.group(1)) not in _KNOWN_MAJORS:
        return "Office %s" % major.group(1)
    return None


def _install_versions(install: dict[str, Any], unknown: list[str] | None = None) -> list[str]:
    """The known Office versions of one installation; a Click-to-Run product ID's year the
    table has no row for is added to ``unknown``."""
    ids = [str(i) for i in install.get("product_ids") or [] if i]
    if install.get("type") == "MSI":
        # Uninstall keys Office14.PROPLUS / Office15.* / Office16.*: MSI stops at Office 2016.
        majors = [int(m.group(1)) for m in (_MSI_ID.match(i) for i in ids) if m]
        found = [MAJOR_TO_OFFICE[m] for m in majors if m in MAJOR_TO_OFFICE]
        return found or [v for v in [_from_major(install.get("version"))] if v]
    # Click-to-Run: the year is in the product ID (ProPlus2024Volume); IDs without one
    # (ProPlusRetail, VisioProVolume) are Office 2016 (16.0) or 2013 (15.0).
    ids = [i for i in ids if not _is_subscription_id(i)]
    if not ids:
        return [] if install.get("subscription") else [v for v in [_from_major(install.get("version"))] if v]
    found = []
    for product_id in ids:
        match = _YEAR_ID.search(product_id)
        version = _known(match.group(1)) if match else _from_major(install.get("version"))
        if version:
            found.append(version)
        elif match and unknown is not None:
            unknown.append(match.group(1))
    return found


def office_versions(products: list[dict[str, Any]], installs: list[dict[str, Any]]) -> list[str]:
    """Office versions installed on the host, oldest first: from KMS-client/volume Office
    products (their ``version``) and from Click-to-Run and MSI installations. Microsoft 365
    Apps (O365*/M365* IDs, subscription licences) are ignored."""
    found = {v for v in (_product_version(p) for p in products or []) if v in REQUIREMENTS}
    for install in installs or []:
        found.update(_install_versions(install))
    return sorted(found, key=int)


def unknown_office_versions(products: list[dict[str, Any]], installs: list[dict[str, Any]]) -> list[str]:
    """Office versions installed on the host (as office_versions finds them) that REQUIREMENTS
    has no row for: a year ("2027") or, from a licence name without one, "Office NN"."""
    found = {v for v in (_product_version(p) for p in products or []) if v and v not in REQUIREMENTS}
    for install in installs or []:
        unknown: list[str] = []
        _install_versions(install, unknown)
        found.update(unknown)
    return sorted(found, key=lambda v: (not v.isdigit(), v))


def _office_name(version: str) -> str:
    return version if version.startswith("Office") else "Office " + version


def _not_checked(version: str, overrides: dict[str, Any] | None) -> str:
    """The ``unknown`` entry of an Office version the table has no row for."""
    given = [OVERRIDE_VARS[k].split(" ", 1)[0] for k, v in sorted((overrides or {}).items()) if v is not None]
    return ("%s not checked: this collection has no system requirements table for that Office version (it has "
            "tables for Office %s)%s" % (
                _office_name(version), ", ".join(sorted(REQUIREMENTS, key=int)),
                "; only the thresholds given (%s) were checked, which do not make its own requirements known"
                % ", ".join(given) if given else ""))


def requirement_for(versions: list[str], overrides: dict[str, Any] | None = None) -> Requirement | None:
    """The requirement of the newest known Office version in ``versions`` (a host with Office
    2024 and a leftover 2013 licence is checked against 2024); None when none is known.
    ``overrides`` (validated by check_overrides) replace the row's figures where not None;
    ``min_os_version`` replaces both the client and the server minimum."""
    known = [v for v in versions or [] if v in REQUIREMENTS]
    if not known:
        return None
    return _with_overrides(REQUIREMENTS[max(known, key=int)], overrides)


def _with_overrides(requirement: Requirement, overrides: dict[str, Any] | None) -> Requirement:
    if not overrides:
        return requirement
    values = check_overrides(overrides)
    changes: dict[str, Any] = {k: values[k] for k in ("cpu_mhz", "cpu_cores", "memory_mb", "free_disk_mb")
                               if values.get(k) is not None}
    if values.get("min_os_version") is not None:
        changes.update(min_client_os=values["min_os_version"], min_server_os=values["min_os_version"],
                       client_os_name=None, server_os_name=None)
    return replace(requirement, **changes) if changes else requirement


def check_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Validate user overrides (figures as ints, as options.whole_number reads them); returns
    them normalised (ints; a stripped version string).
    None means "not overridden". Raises ValueError with the role variable's name."""
    if not isinstance(overrides, dict):
        raise ValueError("requirement overrides must be a mapping, not %s" % type(overrides).__name__)
    result: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in OVERRIDE_VARS:
            raise ValueError("unknown requirement override %r (expected one of %s)"
                             % (key, ", ".join(sorted(OVERRIDE_VARS))))
        var = OVERRIDE_VARS[key]
        if value is None:
            result[key] = None
        elif key == "min_os_version":
            # An unquoted YAML 6.3 arrives as a float; str() gives back "6.3".
            text = str(value).strip() if isinstance(value, (str, float)) and not isinstance(value, bool) else None
            parsed = parse_version(text) if text is not None else None
            if parsed is None or len(parsed) > 3:
                shown = value if isinstance(value, str) and value.strip() and len(value) <= _SHOWN else _shown(value)
                raise ValueError("%s: %s is not a Windows version: give major.minor or major.minor.build, such as "
                                 "10.0 or 6.1.7601" % (var, shown))
            result[key] = text
        else:
            # Whole numbers only: text ("10") is read by options.whole_number, the one rule for
            # every whole-number option, before it gets here.
            number = value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
            if number is None:
                raise ValueError("%s: %s is not a whole number of 0 or more" % (var, _shown(value)))
            result[key] = number
    return result


def _whole_number(value: Any) -> int | None:
    """An int >= 0, or a string of digits (``-e`` values arrive as strings); bool is refused."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _fact(value: Any, positive: bool = False) -> int | None:
    """A numeric host fact, or None when unknown (null, negative, not a number). With
    ``positive``, 0 is unknown too: SMBIOS, whence Win32_Processor.MaxClockSpeed comes,
    writes 0 for a speed it does not know, and no host has 0 cores or 0 MB of memory."""
    if isinstance(value, float):
        number = int(value) if math.isfinite(value) and value >= 0 else None  # NaN, inf, < 0: unknown
    else:
        number = _whole_number(value)
    if number is None or (positive and number <= 0):
        return None
    return number


def _shown(value: Any) -> str:
    """A value as a message shows it: quoted when text, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _unknown(fact: str, why: str, needed: str) -> str:
    return "%s unknown (%s %s), needs %s" % (fact, FACT_SOURCES[fact], why, needed)


# Why a fact is unknown, as a code (the verdict's unknown_facts), and in words (unknown).
WHY_UNKNOWN = {"not_reported": "not reported", "empty": "reported empty", "zero": "reported as 0",
               "not_a_number": "reported as %s, not %s"}


def _why_code(value: Any, kind: str = "a whole number of 0 or more") -> str:
    if value is None:
        return "not_reported"
    if isinstance(value, str) and not value.strip():
        return "empty"
    if kind.startswith("a whole") and value == 0 and not isinstance(value, bool):
        return "zero"  # SMBIOS and WMI write 0 for a figure they do not know
    return "not_a_number"


def _why_unknown(value: Any, kind: str = "a whole number of 0 or more") -> str:
    code = _why_code(value, kind)
    return WHY_UNKNOWN[code] % (_shown(value), kind) if code == "not_a_number" else WHY_UNKNOWN[code]


def _unknown_fact(fact: str, value: Any, kind: str, needed: Any, **extra: Any) -> dict[str, Any]:
    """An unknown fact as data: which, its CIM source, why (_why_code), what was reported
    (shown), and what the requirement needs."""
    return {"fact": fact, "source": FACT_SOURCES[fact], "why": _why_code(value, kind),
            "reported": None if value is None else _shown(value), "needed": needed, **extra}


def _host_os(host: dict[str, Any]) -> tuple[int, ...] | None:
    version = parse_version(host.get("os_version"))
    build = str(host.get("os_build") or "")
    if version and len(version) == 2 and _DIGITS.fullmatch(build):
        version = (*version, int(build))
    return version


def _padded(version: tuple[int, ...]) -> tuple[int, ...]:
    return version + (0,) * (4 - len(version))


def _needs(minimum: tuple[tuple[int, ...], str, str | None, str]) -> str:
    return "Windows %s or later%s" % (minimum[1], " (%s)" % minimum[2] if minimum[2] else "")


OsFact = dict[str, Any] | None


def _needs_fact(minimum: tuple[tuple[int, ...], str, str | None, str]) -> dict[str, Any]:
    return {"version": minimum[1], "name": minimum[2], "edition": minimum[3]}


def _os_words(host: dict[str, Any], short: OsFact, unknown: OsFact) -> tuple[str | None, str | None]:
    """(shortfall, unknown) of the Windows version check in words, from _os_facts' data, each
    None when there is none."""
    if short is not None:
        return ("Windows %s (%s), needs %s for %s" % (
            short["value"], short["caption"] or "unknown edition", _needs(short["minimum"]), short["office"]), None)
    if unknown is None:
        return None, None
    kind = "a Windows version" if unknown["fact"] == "os_version" else "a Windows edition"
    needed = _needs(unknown["minimum"])
    if unknown["fact"] == "os_caption":
        needed = "%s on a %s edition" % (needed, unknown["minimum"][3])
    return None, _unknown(unknown["fact"], _why_unknown(host.get(unknown["fact"]), kind), needed)


def _os_facts(host: dict[str, Any], requirement: Requirement) -> tuple[OsFact, OsFact]:
    """(shortfall, unknown) of the Windows version check as data, each None when there is none.

    Win32_OperatingSystem.ProductType tells a client edition (1) from a server one (2, 3);
    where it is not reported, the caption does ("Server" in it: Windows Server's captions are
    not localised). Without either, a host below the minimum of every edition falls short, one
    that meets every minimum passes, and one below only some (or below the only edition with a
    figure) is unknown."""
    caption = host.get("os_caption")
    product_type = host.get("os_product_type")
    known_type = product_type in (1, 2, 3) and not isinstance(product_type, bool)
    known_edition = known_type or (isinstance(caption, str) and bool(caption.strip()))
    editions = [(requirement.min_client_os, requirement.client_os_name, "client"),
                (requirement.min_server_os, requirement.server_os_name, "server")]
    if known_edition:
        server = product_type != 1 if known_type else "server" in caption.lower()
        editions = [editions[1] if server else editions[0]]
    # (parsed, text, name, edition) of each edition that has a figure
    minimums = [(parse_version(text), text, name, edition) for text, name, edition in editions if text is not None]
    minimums = [m for m in minimums if m[0] is not None]
    if not minimums:
        return None, None  # no figure for this edition: not checked
    lowest = min(minimums, key=lambda m: _padded(m[0]))
    version = _host_os(host)
    if version is None:
        return None, dict(_unknown_fact("os_version", host.get("os_version"), "a Windows version",
                                        _needs_fact(lowest)), minimum=lowest)
    below = [m for m in minimums if version_less(version, m[0])]
    if not below:
        return None, None
    if known_edition or len(below) == 2:
        return {"fact": "os_version", "value": host.get("os_version"), "caption": caption if known_edition else None,
                "needed": _needs_fact(lowest), "office": requirement.name or "Office " + requirement.office,
                "minimum": lowest}, None
    return None, dict(_unknown_fact("os_caption", caption, "a Windows edition", _needs_fact(below[0])),
                      minimum=below[0])


def check(host: dict[str, Any], requirement: Requirement) -> tuple[list[str], list[str]]:
    """(shortfalls, unknown): every way ``host`` falls short of ``requirement``, in words, and
    every fact the check needed but could not use (not reported, or not a number or a
    version), naming the fact. An unknown fact is never a shortfall; a requirement figure
    that is None is not checked."""
    found, unknown, _found_facts, _unknown_facts = check_facts(host, requirement)
    return found, unknown


def check_facts(host: dict[str, Any], requirement: Requirement
                ) -> tuple[list[str], list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """check()'s shortfalls and unknown facts, in words and as data (the verdict's
    shortfall_facts and unknown_facts: what a reader's language words, i18n.py)."""
    host = host if isinstance(host, dict) else {}
    found: list[str] = []
    unknown: list[str] = []
    found_facts: list[dict[str, Any]] = []
    unknown_facts: list[dict[str, Any]] = []

    def below(fact: str, needed: int | None, unit: str, positive: bool = True) -> int | None:
        """The fact when it is below ``needed``, else None; an unknown fact is noted. A figure
        of 0 (an override that turns the check off) needs no fact."""
        if not needed:
            return None
        value = _fact(host.get(fact), positive=positive)
        if value is None:
            unknown.append(_unknown(fact, _why_unknown(host.get(fact)), ("%d %s" % (needed, unit)).strip()))
            unknown_facts.append(_unknown_fact(fact, host.get(fact), "a whole number of 0 or more", needed))
        if value is not None and value < needed:
            found_facts.append({"fact": fact, "value": value, "needed": needed})
            return value
        return None

    mhz = below("cpu_max_clock_mhz", requirement.cpu_mhz, "MHz")
    if mhz is not None:
        found.append("CPU %d MHz, needs %d MHz" % (mhz, requirement.cpu_mhz))
    cores = below("cpu_cores", requirement.cpu_cores, "")
    if cores is not None:
        found.append("%d CPU core%s, needs %d" % (cores, "" if cores == 1 else "s", requirement.cpu_cores))
    memory = below("memory_mb", requirement.memory_mb, "MB")
    if memory is not None:
        found.append("%d MB of memory, needs %d MB" % (memory, requirement.memory_mb))
    free = below("system_drive_free_mb", requirement.free_disk_mb, "MB", positive=False)  # 0 MB free: a full disk
    if free is not None:
        found.append("%d MB free on %s, needs %d MB"
                     % (free, host.get("system_drive") or "the system drive", requirement.free_disk_mb))
        found_facts[-1]["drive"] = host.get("system_drive")
    short_fact, unchecked_fact = _os_facts(host, requirement)
    short, unchecked = _os_words(host, short_fact, unchecked_fact)
    found += [short] if short else []
    unknown += [unchecked] if unchecked else []
    found_facts += [{k: v for k, v in short_fact.items() if k != "minimum"}] if short_fact else []
    unknown_facts += [{k: v for k, v in unchecked_fact.items() if k != "minimum"}] if unchecked_fact else []
    return found, unknown, found_facts, unknown_facts


def shortfalls(host: dict[str, Any], requirement: Requirement) -> list[str]:
    """Every way ``host`` falls short of ``requirement``, in words (see check)."""
    return check(host, requirement)[0]


def verdict(products: list[dict[str, Any]], installs: list[dict[str, Any]], host: dict[str, Any],
            overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The requirement check of one host, as office_kms returns it: the Office version that
    decides (the newest installed the table knows), its requirement's source, every shortfall,
    and every fact the check could not use (``unknown``).

    An installed Office version the table has no row for is listed in ``unknown_versions`` and
    named in ``unknown`` as not checked (``requirements: strict`` fails the host on it). When no
    version is known, only the thresholds given in ``overrides`` are checked, against a row of
    no figures named after the newest unknown version. With no Office version at all nothing is
    checked (``office`` null, no shortfall, nothing unknown)."""
    unlisted = unknown_office_versions(products, installs)
    requirement = requirement_for(office_versions(products, installs), overrides)
    if requirement is None and unlisted:
        newest = unlisted[-1] if all(v.isdigit() for v in unlisted) else unlisted[0]
        requirement = _with_overrides(Requirement(
            office=newest, name=_office_name(newest), min_client_os=None, min_server_os=None, cpu_mhz=None,
            cpu_cores=None, memory_mb=None, free_disk_mb=None, source=""), overrides)
    if requirement is None:
        return {"office": None, "name": None, "source": None, "shortfalls": [], "unknown": [],
                "unknown_versions": [], "shortfall_facts": [], "unknown_facts": []}
    found, unknown, found_facts, unknown_facts = check_facts(host, requirement)
    return {"office": requirement.office, "name": requirement.name or "Office " + requirement.office,
            "source": requirement.source or None, "shortfalls": found,
            "unknown": [_not_checked(v, overrides) for v in unlisted] + unknown, "unknown_versions": unlisted,
            "shortfall_facts": found_facts, "unknown_facts": unknown_facts}
