# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The licensing model: turn the raw values the read program reports (CIM property names) into the documented
return values (products, host facts, Office installations). Pure functions, no I/O.

Licensing facts are cited by their section in docs/licensing-facts.md.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import evidence, hresult
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import as_list

# ApplicationIDs (docs/licensing-facts.md §3).
OFFICE_APP_ID = "0ff1ce15-a989-479d-af46-f275c6370663"
OFFICE14_APP_ID = "59a52881-a989-479d-af46-f275c6370663"
WINDOWS_APP_ID = "55c92734-d682-4d71-983e-d6ec3f16059f"
APPLICATIONS = {OFFICE_APP_ID: "office", OFFICE14_APP_ID: "office", WINDOWS_APP_ID: "windows"}

# LicenseStatus values (docs/licensing-facts.md §2.1).
LICENSE_STATUS = {
    0: "Unlicensed",
    1: "Licensed",
    2: "OOBGrace",
    3: "OOTGrace",
    4: "NonGenuineGrace",
    5: "Notification",
    6: "ExtendedGrace",
}
LICENSED = 1
DEFAULT_KMS_PORT = 1688
MINUTES_PER_DAY = 1440

# "Office NN" in product names, to the marketing version (Office 2016 and later share 16.0).
OFFICE_YEARS = {14: "2010", 15: "2013", 16: "2016", 19: "2019", 21: "2021", 24: "2024"}

_OFFICE_NAME = re.compile(r"^Office (?P<major>\d\d), (?P<edition>.+?) edition$")
# Edition strings: Office24ProPlus2024VL_KMS_Client_AE, Office16ProPlusVL_KMS_Client,
# OfficeProPlus-KMS_Client (2010), Office16O365ProPlusR_Subscription1 (docs/licensing-facts.md §5.3).
_EDITION = re.compile(r"^Office(?:\d\d)?(?P<product>[A-Za-z0-9]+?)(?P<year>20\d\d)?(?P<kind>VL_|-|R_)")
_CHANNEL = re.compile(r",\s*(?P<channel>[^,]+?)\s+channel\s*$", re.IGNORECASE)


# The KMS host (docs/licensing-facts.md §12). A host product's Description has VOLUME_KMS but not
# VOLUME_KMSCLIENT (slmgr.vbs IsKmsServer, §12.4). Each Office version's host SKU, by the
# Activation ID KMSHOST-Office documents (§12.4), is what its Office Volume License Pack installs
# (§12.5), with the pack's download; Office 2010's host SKU lives in osppsvc and is not managed.
OfficeVersion = tuple[str, str, str]  # (name, host SKU Activation ID, Volume License Pack download)
OFFICE_HOST_SKUS: dict[str, OfficeVersion] = {
    "2016": ("Office 2016", "98ebfe73-2084-4c97-932c-c0cd1643bea7",
             "https://www.microsoft.com/download/details.aspx?id=49164"),
    "2019": ("Office 2019", "70512334-47b4-44db-a233-be5ea33b914c",
             "https://www.microsoft.com/download/details.aspx?id=57342"),
    "2021": ("Office LTSC 2021", "47f3b983-7c53-4d45-abc6-bcd91e2dd90a",
             "https://www.microsoft.com/download/details.aspx?id=103446"),
    "2024": ("Office LTSC 2024", "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f",
             "https://www.microsoft.com/download/details.aspx?id=106246"),
}
OFFICE_VERSIONS = tuple(OFFICE_HOST_SKUS)
# The count a KMS host must have reached before it activates (docs/licensing-facts.md §7.2, §12.7).
THRESHOLDS = {"office": 5, "windows_server": 5, "windows_clients": 25}


def is_kms_host_product(description: str | None) -> bool:
    """slmgr.vbs's IsKmsServer: VOLUME_KMS in the Description, but not VOLUME_KMSCLIENT
    (docs/licensing-facts.md §12.4)."""
    text = (description or "").upper()
    return "VOLUME_KMS" in text and "VOLUME_KMSCLIENT" not in text


def office_host_version(sku_id: str | None) -> str | None:
    """The Office version whose host SKU this Activation ID is (docs/licensing-facts.md §12.4), or None."""
    wanted = (sku_id or "").strip("{}").lower()
    return next((version for version, (_name, sku, _url) in OFFICE_HOST_SKUS.items() if sku == wanted), None)


# VLActivationType (docs/licensing-facts.md §10.7): how the product was last activated.
ACTIVATION_TYPES = {1: "ActiveDirectory", 2: "KMS", 3: "Token"}


def label(product: dict[str, Any]) -> str:
    """How messages name a product: its Office family, else its name, else its SKU ID."""
    return product.get("family") or product.get("name") or product["sku_id"]


def license_status_name(code: int | None) -> str:
    """Name of a LicenseStatus value (docs/licensing-facts.md §2.1); unknown values keep their number."""
    if code is None:
        return "Unknown"
    return LICENSE_STATUS.get(int(code), "Unknown(%s)" % code)


def parse_office_name(name: str | None) -> tuple[str | None, str | None]:
    """(family, version) from an Office product name.

    ``Office 24, Office24ProPlus2024VL_KMS_Client_AE edition`` gives
    ``("ProPlus2024Volume", "2024")``; Office 2016 and 2010 names carry no year, which comes
    from the ``Office NN`` prefix. Unrecognised names give ``(None, None)``.
    """
    match = _OFFICE_NAME.match(name or "")
    if not match:
        return None, None
    version = OFFICE_YEARS.get(int(match.group("major")))
    edition = _EDITION.match(match.group("edition"))
    if not edition:
        return None, version
    year = edition.group("year") or version or ""
    if edition.group("kind") == "R_":
        # Retail and subscription names keep Microsoft's own ID shape (O365ProPlusRetail).
        return edition.group("product") + (edition.group("year") or "") + "Retail", version
    return edition.group("product") + year + "Volume", version


def parse_channel(description: str | None) -> str | None:
    """The channel from a Description such as ``Office 24, VOLUME_KMSCLIENT channel``."""
    match = _CHANNEL.search(description or "")
    return match.group("channel") if match else None


def is_kms_client(description: str | None) -> bool:
    """slmgr.vbs's rule: the Description contains VOLUME_KMSCLIENT (docs/licensing-facts.md §1.3)."""
    return "VOLUME_KMSCLIENT" in (description or "").upper()


def remaining_days(status: int | None, minutes: int | None) -> int | None:
    """Whole days left before (re)activation is needed; None when nothing expires
    (a licensed product with no grace period, e.g. MAK or retail)."""
    if minutes is None:
        return None
    if int(minutes) == 0 and status == LICENSED:
        return None
    return int(minutes) // MINUTES_PER_DAY


def _lower_keys(raw: dict[str, Any]) -> dict[str, Any]:
    # CIM property names are case-insensitive (OSPP spells ApplicationId); read them so.
    return {str(key).lower(): value for key, value in raw.items()}


def product(raw: dict[str, Any], cim_class: str) -> dict[str, Any]:
    """One licensing product in the documented return shape."""
    p = _lower_keys(raw)
    app_id = (p.get("applicationid") or "").lower()
    application = APPLICATIONS.get(app_id, "other")
    status = p.get("licensestatus")
    status = int(status) if status is not None else None
    minutes = p.get("graceperiodremaining")
    family, version = parse_office_name(p.get("name")) if application == "office" else (None, None)
    reason = p.get("licensestatusreason")
    reason_entry = hresult.lookup(reason)
    port = p.get("keymanagementserviceport") or None
    return {
        "sku_id": (p.get("id") or "").lower(),
        "name": p.get("name"),
        "description": p.get("description"),
        "application": application,
        "application_id": app_id,
        "license_class": cim_class,
        "family": family,
        "version": version,
        "channel": parse_channel(p.get("description")),
        "kms_client": is_kms_client(p.get("description")),
        "partial_key": p.get("partialproductkey"),
        "license_status": {"code": status, "name": license_status_name(status)},
        "license_status_reason": {
            "code": hresult.to_hex(reason),
            "name": reason_entry.name if reason_entry else None,
        },
        "remaining_minutes": int(minutes) if minutes is not None else None,
        "remaining_days": remaining_days(status, minutes),
        "kms_host": canonical_host(p.get("keymanagementservicemachine")),
        "kms_port": int(port) if port else None,
        "discovered_kms_host": canonical_host(p.get("discoveredkeymanagementservicemachinename")),
        "discovered_kms_port": int(p.get("discoveredkeymanagementservicemachineport") or 0) or None,
        # Filled in where read (inspection.with_activation_types, evidence): unknown until then.
        "rearm_count": {"app": None, "sku": None},
        "last_kms_exchange": None,
        "licensed_through": None,
        "kms_lookup_domain": None,
        "kms_host_source": "product" if p.get("keymanagementservicemachine") else None,
        "kms_port_source": "product" if port else None,
    }


def canonical_host(text: Any) -> str | None:
    """A KMS host as this collection returns it: an IP address in its canonical form (an IPv6
    literal without the brackets slmgr.vbs writes around it, docs/licensing-facts.md §11.1, lower
    case and compressed), a DNS name as given; None for nothing."""
    if not text:
        return None
    address = _address(text)
    return str(address) if address is not None else str(text).strip()


def same_host(one: str | None, other: str | None) -> bool | None:
    """Whether two KMS host names are the same host: None when that cannot be told from the
    names (an address and a DNS name). DNS names compare without regard to case and to a
    final dot, addresses in canonical form."""
    if not one or not other:
        return None
    first, second = _address(one), _address(other)
    if (first is None) != (second is None):
        return None
    if first is not None:
        return first == second
    return str(one).strip().lower().rstrip(".") == str(other).strip().lower().rstrip(".")


def _address(text: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a KMS host setting names (an IPv6 one with or without brackets), or None."""
    text = str(text).strip()
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return None


def licensed_through(product: dict[str, Any], exchanges: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The KMS host a Licensed product was last activated through: the newest exchange of its
    licensing events that activated it (docs/licensing-facts.md §10.2: 12288's Server:Port, 12289's
    fBound), else the host DNS discovery last found for it
    (DiscoveredKeyManagementServiceMachineName, docs/licensing-facts.md §1.3); None when neither
    tells, or the product is not Licensed."""
    if product["license_status"]["code"] != LICENSED:
        return None
    done = next((x for x in exchanges if x.get("activation_id") == product["sku_id"] and x.get("activated")
                 and x.get("kms_host")), None)
    if done is not None:
        return {"kms_host": canonical_host(done["kms_host"]), "kms_port": done.get("kms_port"), "source": "events"}
    if product.get("discovered_kms_host"):
        return {"kms_host": product["discovered_kms_host"], "kms_port": product.get("discovered_kms_port"),
                "source": "dns"}
    return None


def is_subscription_product_id(product_id: str) -> bool:
    """Microsoft 365 Apps product IDs (O365ProPlusRetail, O365BusinessRetail, ...)."""
    return product_id.upper().startswith(("O365", "M365"))


def is_subscription(product: dict[str, Any]) -> bool:
    """A Microsoft 365 Apps licence (subscription channel or O365/M365 family): not KMS."""
    return "TIMEBASED_SUB" in (product.get("channel") or "").upper() or is_subscription_product_id(
        product.get("family") or "")


def office_installs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Office installations, Click-to-Run first. ``subscription`` marks Microsoft 365 Apps,
    which KMS does not manage; ``kms_managed`` is true when a volume product is installed
    (Click-to-Run ``*Volume`` IDs), null for MSI (the products list tells)."""
    installs = []
    c2r = doc.get("c2r")
    if c2r:
        c2r = _lower_keys(c2r)
        ids = [i.strip() for i in (c2r.get("productreleaseids") or "").split(",") if i.strip()]
        installs.append({
            "type": "ClickToRun",
            "name": None,
            "version": c2r.get("versiontoreport"),
            "bitness": c2r.get("platform"),
            "product_ids": ids,
            "subscription": any(is_subscription_product_id(i) for i in ids),
            "kms_managed": any(i.endswith("Volume") for i in ids),
        })
    for raw in as_list(doc.get("msi")):
        m = _lower_keys(raw)
        installs.append({
            "type": "MSI",
            "name": m.get("displayname"),
            "version": m.get("displayversion"),
            "bitness": "x86" if m.get("wow") or not _is_64bit(doc) else "x64",
            "product_ids": [m.get("pschildname")],
            "subscription": False,
            "kms_managed": None,
        })
    return installs


def _is_64bit(doc: dict[str, Any]) -> bool:
    return "64" in str(_lower_keys(doc.get("os") or {}).get("osarchitecture") or "")


def parse_utc(text: str | None) -> datetime | None:
    """The host's clock as reported (yyyy-MM-ddTHH:mm:ssZ)."""
    # fromisoformat, not strptime: strptime's first call in each forked Ansible worker
    # builds its locale tables, milliseconds per host on a fleet run.
    if not text or not text.endswith("Z") or len(text) != 20:
        return None
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _cim_count(values: list[Any], combine: Any, unit: int = 1) -> Any:
    """``combine`` (max, sum) of numeric CIM values, in ``unit``s. Unknown stays unknown:
    None when there are none or one is null; a value that is not a number is returned as
    Windows sent it, for the requirement check to name (requirements.check)."""
    numbers = []
    for raw in values:
        value = raw
        if isinstance(raw, str) and re.fullmatch(r"[0-9]+", raw.strip()):
            value = int(raw)  # a uint64 may come as text (ASCII digits: int() refuses some others)
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return raw
        numbers.append(value)
    if not numbers or None in numbers:
        return None
    return combine(numbers) // unit


def host_facts(doc: dict[str, Any], controller_now: datetime) -> dict[str, Any]:
    """Host facts in documented units (MHz, MB) and the clock skew against the controller."""
    os_info = _lower_keys(doc.get("os") or {})
    cpus = [_lower_keys(c) for c in as_list(doc.get("cpu"))]
    disk = _lower_keys(doc.get("disk") or {})
    host_now = parse_utc(doc.get("utc_now"))
    service = _lower_keys(doc.get("spp_service") or {})
    free = disk.get("freespace")
    memory = doc.get("memory_bytes")
    return {
        "computer_name": doc.get("computer_name"),
        "os_caption": os_info.get("caption"),
        "os_version": os_info.get("version"),
        "os_build": str(os_info.get("buildnumber")) if os_info.get("buildnumber") is not None else None,
        "os_architecture": os_info.get("osarchitecture"),
        # Win32_OperatingSystem.ProductType: 1 Work Station, 2 Domain Controller, 3 Server; a code,
        # where the caption is localised text (docs/licensing-facts.md §12.4).
        "os_product_type": os_info.get("producttype") if isinstance(os_info.get("producttype"), int) else None,
        "cpu_max_clock_mhz": _cim_count([c.get("maxclockspeed") for c in cpus], max),
        "cpu_cores": _cim_count([c.get("numberofcores") for c in cpus], sum),
        "memory_mb": _cim_count(as_list(memory), sum, 1024 * 1024),
        "system_drive": disk.get("deviceid"),
        "system_drive_free_mb": _cim_count(as_list(free), sum, 1024 * 1024),
        "utc_now": doc.get("utc_now"),
        "clock_skew_seconds": int((host_now - controller_now).total_seconds()) if host_now else None,
        "client_machine_id": service.get("clientmachineid"),
        "remaining_windows_rearm_count": service.get("remainingwindowsrearmcount"),
        "service_kms_host": service.get("keymanagementservicemachine") or None,
        "ospp_client_machine_id": doc.get("ospp_cmid"),
    }


def dns_reachability(found: dict[str, Any] | None, timeout: float) -> dict[str, Any] | None:
    """Without kms_host: the reachability of what the host's DNS publishes (the first KMS host
    that accepted a connection, else the first published), ``source: dns``. None when DNS's
    answer is unknown or the targets were not tested."""
    if not found or found["status"] == "unknown":
        return None
    records = found["records"]
    if records and all(r["reachable"] is None for r in records):
        return None
    best = next((r for r in records if r["reachable"]), records[0] if records else None)
    return {
        "kms_host": best["kms_host"] if best else None,
        "kms_port": best["kms_port"] if best else None,
        "connect_timeout": timeout,
        "reachable": bool(best and best["reachable"]),
        "error": None if best and best["reachable"] else evidence.dns_sentence(found),
        "address": None,
        "source": "dns",
    }


def reachability(data: dict[str, Any], kms_host: str | None, kms_port: int, timeout: float) -> dict[str, Any] | None:
    """Result of the TCP connection test from the host (the tcp_connect operation's data),
    when one was asked for."""
    if not kms_host:
        return None
    if data.get("resolved_only"):
        # Only resolved (a task that may activate, before it knows it will): unknown unless the
        # name does not resolve.
        failed = bool(data.get("error"))
        return {"kms_host": kms_host, "kms_port": kms_port, "connect_timeout": timeout,
                "reachable": False if failed else None, "error": data.get("error") if failed else None,
                "address": None, "source": "kms_host"}
    return {
        "kms_host": kms_host,
        "kms_port": kms_port,
        "connect_timeout": timeout,
        "reachable": bool(data.get("reachable")),
        "error": None if data.get("reachable") else data.get("error") or "no answer",
        "address": data.get("connected"),
        "source": "kms_host",
    }
