# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The inspect phase of kms_host_info and kms_host: the read program of a KMS host (one remote
call) and its results turned into the documented return values.

Which class each value is read from follows ``slmgr.vbs /dlv`` (docs/licensing-facts.md §12.1):

* from each **host product** (SoftwareLicensingProduct whose Description has VOLUME_KMS but not
  VOLUME_KMSCLIENT, §12.4): its key, licence status, IsKeyManagementServiceMachine, the current
  count (KeyManagementServiceCurrentCount), RequiredClientCount and the request counters;
* from the **service** (SoftwareLicensingService): the listening port (0 is 1688), DNS
  publishing, low priority and the activation and renewal intervals it hands to its clients;
* the Office Volume License Packs by the presence of each version's host SKU, by the
  Activation ID Microsoft documents (§12.4, §12.5), not by an installer record;
* the firewall rule SPPSVC-In-TCP from MSFT_NetFirewallRule in root/StandardCimv2 (§12.6), by its
  locale-independent name (InstanceID; that the cmdlets' -Name is InstanceID is UNCONFIRMED);
* the other DNS domains it publishes in from the registry value DnsDomainPublishList under
  SoftwareProtectionPlatform (TN-REG: no WMI member has them, §12.2), each entry
  "domain_name, <priority>, <weight>", the numbers 0 when not given;
* whether Windows is a server or a client (Win32_OperatingSystem.ProductType): a Windows host
  key on a client activates Windows clients only (§12.4);
* the requests the host processed from event 12290 of its "Key Management Service" log, by log
  name and event ID (§12.8).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    evidence,
    hostops,
    hresult,
    inspection,
    licensing,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import Results, cim_query

SERVICE_PROPERTIES = ("Version", "IsKeyManagementServiceMachine", "KeyManagementServiceListeningPort",
                      "KeyManagementServiceDnsPublishing", "KeyManagementServiceLowPriority", "VLActivationInterval",
                      "VLRenewalInterval")
# The request counters, as slmgr /dlv names them (docs/licensing-facts.md §12.1).
REQUEST_COUNTERS = {
    "total": "KeyManagementServiceTotalRequests",
    "failed": "KeyManagementServiceFailedRequests",
    "unlicensed": "KeyManagementServiceUnlicensedRequests",
    "licensed": "KeyManagementServiceLicensedRequests",
    "oob_grace": "KeyManagementServiceOOBGraceRequests",
    "oot_grace": "KeyManagementServiceOOTGraceRequests",
    "non_genuine_grace": "KeyManagementServiceNonGenuineGraceRequests",
    "notification": "KeyManagementServiceNotificationRequests",
}
PRODUCT_PROPERTIES = ("ID", "Name", "Description", "ApplicationID", "LicenseFamily", "PartialProductKey",
                      "LicenseStatus", "LicenseStatusReason", "IsKeyManagementServiceMachine",
                      "KeyManagementServiceCurrentCount", "RequiredClientCount") + tuple(REQUEST_COUNTERS.values())
FIREWALL_RULE = "SPPSVC-In-TCP"
FIREWALL_CLASS = "MSFT_NetFirewallRule"
FIREWALL_NAMESPACE = hostops.NAMESPACES[1]
FIREWALL_PROPERTIES = ("InstanceID", "DisplayName", "Enabled", "Profiles")
FIREWALL_WHERE = "InstanceID=%s" % hostops.wql_string(FIREWALL_RULE)
# MSFT_NetFirewallRule.Enabled is a uint16, 1 enabled and 2 disabled; Profiles a bit mask, 0 any
# (docs/licensing-facts.md §12.6).
RULE_ENABLED = {1: True, 2: False}
PROFILES = (("Domain", 1), ("Private", 2), ("Public", 4))
KMS_LOG = hostops.EVENT_LOGS[1]
# Where a KMS host's other publishing domains are (docs/licensing-facts.md §12.2, TN-REG).
SPP_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform"
PUBLISH_LIST = "DnsDomainPublishList"
# Win32_OperatingSystem.ProductType: 1 Work Station, 2 Domain Controller, 3 Server.
WORKSTATION = 1
OS_PROPERTIES = ("Caption", "Version", "BuildNumber", "ProductType")
NEWEST_REQUESTS = 100  # the most the executor reads; a host keeps the 50 most recent clients (§12.7)
# KeyManagementServiceCurrentCount: -1 (as a uint32) when the host is not a KMS host or has had
# no request (docs/licensing-facts.md §12.1; how -1 arrives is UNCONFIRMED).
NO_COUNT = (-1, 0xFFFFFFFF)

# The operations' ids.
FACTS, OS, SERVICE, PRODUCTS = "facts", "os", "host_service", "host_products"
FIREWALL, REQUESTS, PUBLISH = "firewall", "requests", "publish_list"
AFTER = "after:"  # the state read again at the end of kms_host's write program
STEPS = {
    FACTS: "read host facts",
    OS: "read host facts",
    SERVICE: "read the KMS host settings (Software Protection service)",
    PRODUCTS: "read the KMS host products (Software Protection service)",
    FIREWALL: "read the firewall rule %s (root/StandardCimv2)" % FIREWALL_RULE,
    PUBLISH: "read the DNS publishing domains (registry value %s)" % PUBLISH_LIST,
}


def products_condition() -> str:
    """The products with a key, and every Office version's host SKU (installed by its Volume
    License Pack, with or without a key), from constants only."""
    skus = [sku for _name, sku, _url in licensing.OFFICE_HOST_SKUS.values()]
    return "PartialProductKey IS NOT NULL OR " + " OR ".join("ID=%s" % hostops.wql_string(s) for s in skus)


def state_reads(prefix: str = "") -> list[hostops.Operation]:
    """What the state is made of: Windows' edition, the service, the host products, the firewall
    rule (absent where its class is not registered: Windows Server 2008 R2), the publishing domains."""
    return [
        cim_query(prefix + OS, "Win32_OperatingSystem", OS_PROPERTIES),
        cim_query(prefix + SERVICE, inspection.SPP_SERVICE, SERVICE_PROPERTIES),
        cim_query(prefix + PRODUCTS, inspection.SPP_PRODUCT, PRODUCT_PROPERTIES, products_condition()),
        cim_query(prefix + FIREWALL, FIREWALL_CLASS, FIREWALL_PROPERTIES, FIREWALL_WHERE, optional=True,
                  namespace=FIREWALL_NAMESPACE),
        hostops.registry_read(prefix + PUBLISH, SPP_KEY, [PUBLISH_LIST]),
    ]


def read_program(requests: bool = True) -> list[hostops.Operation]:
    """The read of kms_host_info and of kms_host's first call; ``requests``: with the requests
    the host processed (kms_host_info returns them, kms_host does not)."""
    program = [hostops.host_facts(FACTS)] + state_reads()
    if requests:
        program.append(hostops.event_log(REQUESTS, None, [evidence.KMS_HOST_REQUEST], NEWEST_REQUESTS, log=KMS_LOG))
    return program


def first_error(results: Results, prefix: str = "") -> None:
    """Raise CallError for the first read of the state that failed or did not run."""
    ids = [op_id for op_id in STEPS if prefix + op_id in results]
    failing = {prefix + op_id: STEPS[op_id] for op_id in ids}
    for op_id, step in failing.items():
        result = results[op_id]
        if result.status == "skipped":
            raise hostops.CallError("the host did not run this read", step=step,
                                    hint="Run the task again: it reads the host afresh.")
        if result.status == "error":
            raise hostops.CallError(hostops.sentence(result.message or "Windows reported an error without a message"),
                                    step=step, code=result.hresult,
                                    hint=None if result.hresult else "Windows gave no error code: run the task "
                                    "again, and check the Software Protection service on the host if it persists.")


def _number(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _flag(value: Any) -> bool | None:
    """A CIM boolean (or a 0/1 number) as a bool; None when unknown."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _status(code: Any) -> dict[str, Any]:
    number = _number(code)
    return {"code": number, "name": licensing.license_status_name(number)}


def activates(product: dict[str, Any]) -> str | None:
    """What a host product's key activates, in words (docs/licensing-facts.md §12.4)."""
    if product["application"] == "office":
        version = licensing.OFFICE_HOST_SKUS.get(product["office_version"] or "")
        return ("the volume editions of Office, Project and Visio of %s (one host key per Office version)"
                % (version[0] if version else "this key's Office version"))
    if product["application"] == "windows":
        return ("the Windows Server and Windows client editions Microsoft's KMS activation planning tables list for "
                "this host key (a host key on a Windows client activates Windows clients only)")
    return None


def host_product(raw: dict[str, Any]) -> dict[str, Any]:
    """One product as kms_host_info returns it."""
    p = {str(k).lower(): v for k, v in raw.items()}
    sku = str(p.get("id") or "").strip("{}").lower()
    status = _status(p.get("licensestatus"))
    reason = p.get("licensestatusreason")
    count = _number(p.get("keymanagementservicecurrentcount"))
    product = {
        "sku_id": sku,
        "name": p.get("name"),
        "description": p.get("description"),
        "application": licensing.APPLICATIONS.get(str(p.get("applicationid") or "").lower(), "other"),
        "office_version": licensing.office_host_version(sku),
        "license_family": p.get("licensefamily"),
        "channel": licensing.parse_channel(p.get("description")),
        "partial_key": p.get("partialproductkey") or None,
        "license_status": status,
        "license_status_reason": {"code": hresult.to_hex(reason), "name": hresult.name_of(reason)},
        "activated": status["code"] == licensing.LICENSED,
        "kms_enabled": bool(_number(p.get("iskeymanagementservicemachine"))),
        "current_count": None if count in NO_COUNT else count,
        "required_client_count": _number(p.get("requiredclientcount")),
        "requests": {name: _number(p.get(prop.lower())) for name, prop in REQUEST_COUNTERS.items()},
    }
    product["activates"] = activates(product)
    return product


def firewall(results: Results, prefix: str = "") -> dict[str, Any]:
    """The rule SPPSVC-In-TCP: ``available`` false where its class is not registered,
    ``found`` false where no such rule exists, ``enabled`` from its Enabled value."""
    data = results.data(prefix + FIREWALL)
    rule = {"rule": FIREWALL_RULE, "available": not data.get("absent"), "found": False, "enabled": None,
            "display_name": None, "profiles": None}
    rows = hostops.as_list(data.get("instances"))
    if rows:
        row = {str(k).lower(): v for k, v in rows[0].items()}
        mask = _number(row.get("profiles"))
        rule.update(found=True, enabled=RULE_ENABLED.get(_number(row.get("enabled"))),
                    display_name=row.get("displayname"),
                    profiles=None if mask is None else ["Any"] if mask == 0 else
                    [name for name, bit in PROFILES if mask & bit])
    return rule


def publish_list(value: Any) -> list[dict[str, Any]]:
    """DnsDomainPublishList's entries (TN-REG: "domain_name, <priority>, <weight>", the numbers
    optional and 0 when not given): each {domain, priority, weight}; an entry not in that form
    keeps its text as domain, with priority and weight None."""
    found = []
    for entry in hostops.as_list(value):
        parts = [part.strip() for part in str(entry).split(",")]
        numbers = [p or "0" for p in parts[1:]] + ["0"] * max(0, 3 - len(parts))
        if parts[0] and len(parts) <= 3 and all(n.isdigit() for n in numbers):
            found.append({"domain": parts[0].rstrip(".").lower(), "priority": int(numbers[0]),
                          "weight": int(numbers[1])})
        elif str(entry).strip():
            found.append({"domain": str(entry), "priority": None, "weight": None})
    return found


def publish_entry(domain: str, priority: int, weight: int) -> str:
    """One DnsDomainPublishList entry: the domain alone when priority and weight are 0 (TN-REG:
    optional; DNS-Win lists domains alone), else TN-REG's "domain_name, <priority>, <weight>"."""
    return domain if not (priority or weight) else "%s, %d, %d" % (domain, priority, weight)


def state(results: Results, prefix: str = "") -> dict[str, Any]:
    """The KMS host's state from state_reads' results (``prefix``: AFTER for the read at the end
    of the write program). Raises CallError naming the step when a read failed."""
    first_error(results, prefix)
    service = {str(k).lower(): v for k, v in (results.instances(prefix + SERVICE) or [{}])[0].items()}
    rows = results.instances(prefix + PRODUCTS)
    found = [host_product(row) for row in rows]
    by_sku = {p["sku_id"]: p for p in found}
    host_products = [p for p in found if p["partial_key"] and licensing.is_kms_host_product(p["description"])]
    packs = {}
    for version, (name, sku, url) in licensing.OFFICE_HOST_SKUS.items():
        row = by_sku.get(sku)
        packs[version] = {"name": name, "activation_id": sku, "installed": row is not None,
                          "partial_key": row["partial_key"] if row else None,
                          "license_status": row["license_status"] if row else None, "download": url}
    licensed = [p for p in host_products if p["activated"]]
    counts = [p["current_count"] for p in host_products if p["current_count"] is not None]

    def reached(application: str, threshold: int) -> bool:
        return any(p["application"] == application and (p["current_count"] or 0) >= threshold for p in licensed)

    port = _number(service.get("keymanagementservicelisteningport"))
    os_info = {str(k).lower(): v for k, v in (results.instances(prefix + OS) or [{}])[0].items()}
    product_type = _number(os_info.get("producttype"))
    return {
        "is_kms_host": bool(host_products),
        "kms_enabled": bool(_number(service.get("iskeymanagementservicemachine"))),
        "host_products": host_products,
        "office_volume_license_packs": packs,
        "listening_port": port or licensing.DEFAULT_KMS_PORT,
        "dns_publishing": _flag(service.get("keymanagementservicednspublishing")),
        "low_priority": _flag(service.get("keymanagementservicelowpriority")),
        "activation_interval": _number(service.get("vlactivationinterval")),
        "renewal_interval": _number(service.get("vlrenewalinterval")),
        "current_count": max(counts) if counts else None,
        "activates_office": reached("office", licensing.THRESHOLDS["office"]),
        # A Windows host key on a Windows client activates clients only (§12.4).
        "activates_windows_server": product_type not in (None, WORKSTATION)
        and reached("windows", licensing.THRESHOLDS["windows_server"]),
        "activates_windows_clients": reached("windows", licensing.THRESHOLDS["windows_clients"]),
        "firewall": firewall(results, prefix),
        "dns_publishing_domains": publish_list(results.data(prefix + PUBLISH).get("values", {}).get(PUBLISH_LIST)),
    }


def request_summary(requests: list[dict[str, Any]], read: bool) -> dict[str, Any]:
    """The 12290 requests by result: how many, the clients (FQDN and CMID, ten at most per
    result), the newest time and what to do about a failure."""
    by_result: dict[Any, dict[str, Any]] = {}
    for request in requests:
        entry = by_result.setdefault(request["hresult"], {
            "hresult": request["hresult"], "error_name": request["error_name"],
            "error_hint": hresult.hint_of(hostops.code(request["hresult"]), host_side=True)
            if request["error_name"] else None,
            "count": 0, "last_time": request["time"], "clients": []})
        entry["count"] += 1
        client = {"client": request["client"], "cmid": request["cmid"]}
        if client not in entry["clients"] and len(entry["clients"]) < 10:
            entry["clients"].append(client)
    return {
        "read": read,
        "events": len(requests),
        "distinct_clients": len({r["cmid"] or r["client"] for r in requests if r["cmid"] or r["client"]}),
        "newest": requests[0]["time"] if requests else None,
        "oldest": requests[-1]["time"] if requests else None,
        "by_result": sorted(by_result.values(), key=lambda e: -e["count"]),
    }


def interpret(results: Results) -> dict[str, Any]:
    """Everything kms_host_info returns, from read_program's results."""
    found = state(results)
    os_info = {str(k).lower(): v for k, v in (results.instances(OS) or [{}])[0].items()}
    facts = results.data(FACTS)
    events = results.get(REQUESTS)
    requests = evidence.kms_requests(results.data(REQUESTS).get("events"))
    for request in requests:
        code = request["license_status"]
        request["license_status"] = None if code is None else _status(code)
    return {
        "host": {"computer_name": facts.get("computer_name"), "utc_now": facts.get("utc_now"),
                 "os_caption": os_info.get("caption"), "os_version": os_info.get("version"),
                 "os_build": str(os_info["buildnumber"]) if os_info.get("buildnumber") is not None else None,
                 "os_product_type": _number(os_info.get("producttype"))},
        **found,
        "kms_requests": requests,
        "kms_request_summary": request_summary(requests, bool(events and events.ok)),
    }


def inspect(execute: Callable[..., dict[str, Any]], host: str | None = None, *,
            requests: bool = True) -> dict[str, Any]:
    """One remote call: the KMS host read, interpreted. Raises CallError when it cannot be read."""
    return interpret(hostops.run(execute, read_program(requests), "read the KMS host", host=host))
