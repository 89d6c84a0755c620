# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The inspect phase shared by office_kms_info and office_kms: the read program (one remote
call) and its results turned into the documented return values.

Licensing facts are cited by their section in docs/licensing-facts.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import evidence, hostops, licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError, Results, cim_query

# Documented SoftwareLicensingProduct properties (docs/licensing-facts.md §1.3), the same names
# ospp.vbs reads from OfficeSoftwareProtectionProduct (docs/licensing-facts.md §1.6): only these are
# asked for, since the licensing provider is the slow part of a read on a real PC.
PRODUCT_PROPERTIES = (
    "ID", "Name", "Description", "ApplicationID", "PartialProductKey", "LicenseStatus",
    "LicenseStatusReason", "GracePeriodRemaining", "KeyManagementServiceMachine",
    "KeyManagementServicePort", "DiscoveredKeyManagementServiceMachineName",
    "DiscoveredKeyManagementServiceMachinePort",
)
# How a product was last activated (docs/licensing-facts.md §10.7; Windows 8 and later only) and how
# many rearms it has left (docs/licensing-facts.md §10.6; when these arrived is UNCONFIRMED,
# slmgr.vbs reads them from Windows 8 on): read with the products as optional properties, so that
# Windows 7's refusal of the query (WBEM_E_INVALID_QUERY) costs one more query and loses only these.
ACTIVATION_PROPERTIES = ("VLActivationType", "ADActivationObjectName", "RemainingAppReArmCount",
                         "RemainingSkuReArmCount", "KeyManagementServiceLookupDomain")
# The service: the machine ID, Windows' rearms left (docs/licensing-facts.md §10.6) and a
# service-wide KMS host (slmgr /skms without an Activation ID, docs/licensing-facts.md §1.5), which
# the Windows products use before DNS.
SERVICE_PROPERTIES = ("ClientMachineID", "RemainingWindowsReArmCount", "KeyManagementServiceMachine")
# Where the KMS client looks its host up in DNS instead of the host's suffixes (slmgr
# /skms-domain, Windows 8 and later, docs/licensing-facts.md §1.3, §11.3): a product property (with
# ACTIVATION_PROPERTIES; whether the service has it too is UNCONFIRMED, so it is not asked of
# the service, which would cost a second query where it lacks it). The DNS lookup of the same
# program uses the first product's that is set (domain_from).
LOOKUP_DOMAIN = "KeyManagementServiceLookupDomain"
# The KMS settings in the registry (docs/licensing-facts.md §1.5, TN-REG): the service-wide host and
# port as values of the service's key, a product's own under <AppID>\<SkuID> subkeys. Read with the
# products (registry reads cost no WMI query), to tell a product's own setting from the
# service-wide one it may show (docs/licensing-facts.md §11.1).
SPP_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform"
OWN_KMS = "own_kms:"
SPP_SETTINGS = "spp_settings"
REGISTRY_VALUES = ("KeyManagementServiceName", "KeyManagementServicePort")
GUID_SUBKEY = r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$"
# For licences installed without a key (read only when office_kms names products): enough
# to recognise the family and channel, nothing the licensing provider must compute.
KEYLESS_PROPERTIES = ("ID", "Name", "Description", "ApplicationID", "PartialProductKey", "LicenseStatus")
SPP_PRODUCT = "SoftwareLicensingProduct"
SPP_SERVICE = "SoftwareLicensingService"
OSPP_PRODUCT = "OfficeSoftwareProtectionProduct"
OSPP_SERVICE = "OfficeSoftwareProtectionService"
# The service of each product class: keys are installed and the status refreshed there.
SERVICE_OF = {SPP_PRODUCT: SPP_SERVICE, OSPP_PRODUCT: OSPP_SERVICE}
OFFICE_APPS = (licensing.OFFICE_APP_ID, licensing.OFFICE14_APP_ID)
C2R_KEY = r"HKLM:\SOFTWARE\Microsoft\Office\ClickToRun\Configuration"
UNINSTALL_KEYS = {
    "msi": r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    "msi_wow": r"HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
}
# MSI suites register an uninstall key named Office<NN>.<SKU> (e.g. Office16.PROPLUS).
MSI_SUBKEY = r"^Office1\d\.\w+$"


def applications(app_ids: tuple[str, ...] | list[str]) -> str:
    """A WQL condition on ApplicationID, from the constants of docs/licensing-facts.md §3 only."""
    return "(%s)" % " OR ".join("ApplicationID=%s" % hostops.wql_string(a) for a in app_ids)


def keyed(app_ids: tuple[str, ...] | list[str]) -> str:
    """Products of these applications that have a key installed, as ospp.vbs /act selects
    them (docs/licensing-facts.md §4.2). NULL is tested with IS [NOT] NULL, the form Microsoft's WQL
    operator page documents (https://learn.microsoft.com/windows/win32/wmisdk/wql-operators)."""
    return applications(app_ids) + " AND PartialProductKey IS NOT NULL"


def keyless(app_ids: tuple[str, ...] | list[str]) -> str:
    """Licences of these applications installed without a key."""
    return applications(app_ids) + " AND PartialProductKey IS NULL"


def evidence_operations(office: bool, dns: bool, connect_timeout_ms: int | None) -> list[hostops.Operation]:
    """The host's own evidence, in the same call: the newest KMS exchanges its licensing
    events record (the SPP's, and osppsvc's when Office is read), and, with ``dns``, what its
    DNS publishes under _vlmcs._tcp, each target tested when ``connect_timeout_ms`` is given."""
    ops = [hostops.event_log("events_spp", evidence.SPP_PROVIDER, evidence.EVENT_IDS, evidence.NEWEST_EVENTS)]
    if office:
        ops.append(hostops.event_log("events_ospp", evidence.OSPP_PROVIDER, evidence.EVENT_IDS,
                                     evidence.NEWEST_EVENTS))
    if dns:
        ops.append(hostops.dns_srv("dns", evidence.SRV_NAME, timeout_ms=connect_timeout_ms,
                                   domain_from=(("spp_products", LOOKUP_DOMAIN), ("spp_service", LOOKUP_DOMAIN))))
    return ops


def read_program(applications: tuple[str, ...] | list[str] = ("office",), kms_host: str | None = None,
                 kms_port: int = 1688, connect_timeout_ms: int = 5000, *, keyless_office: bool = False,
                 dns_timeout_ms: int | None = None, lookup_dns: bool = True,
                 connect: bool = True) -> list[hostops.Operation]:
    """The read of every application the task manages (``office``, ``windows``), in one
    program: host facts (the Windows version picks Windows' published key, the hardware is
    checked against Office's requirements), the service, and the products with a key of every
    application in ONE query of SoftwareLicensingProduct (Office 2013 and later and Windows
    live in the same class, docs/licensing-facts.md §1.1, §3), with how they were last activated
    (VLActivationType and the ADActivation* properties exist from Windows 8 on,
    docs/licensing-facts.md §1.3, §10.7: optional properties, which Windows 7 refuses with
    WBEM_E_INVALID_QUERY and the executor then reads without them). With ``office``: osppsvc's
    products, Office's installations and, with ``keyless_office``, the Office licences installed
    without a key (a few properties each), for office_kms when products are named.

    Which class holds Office follows ospp.vbs (docs/licensing-facts.md §1.1): on Windows 7 Office
    2013/2016 lives in osppsvc, on Windows 8 and later in the Windows SPP; Office 2010 always uses
    osppsvc. The operating system is read in the same call, so both are read: the osppsvc classes
    exist only where that service is installed (``optional``: their absence is not an error).

    The host's evidence comes along (evidence_operations): its licensing events, and (without
    ``kms_host``, and unless ``lookup_dns`` is false) its DNS's answer for _vlmcs._tcp, each
    published host tested with ``dns_timeout_ms``; with ``kms_host``, a TCP connection test
    from the host to it (``connect`` false: only resolve its name)."""
    office = "office" in applications
    spp_apps = ([licensing.OFFICE_APP_ID] if office else []) + \
        ([licensing.WINDOWS_APP_ID] if "windows" in applications else [])
    ops = [
        hostops.host_facts("facts"),
        cim_query("os", "Win32_OperatingSystem", ["Caption", "Version", "BuildNumber", "OSArchitecture",
                                                  "SystemDrive", "ProductType"]),
        cim_query("cpu", "Win32_Processor", ["MaxClockSpeed", "NumberOfCores"]),
        # Installed memory (the DIMMs), as Office's requirements count it.
        cim_query("memory", "Win32_PhysicalMemory", ["Capacity"]),
        cim_query("disks", "Win32_LogicalDisk", ["DeviceID", "FreeSpace"], "DriveType = 3"),
        service_read(),
        # With how they were last activated (AD-based activation is left alone): Windows 7
        # has no such properties (see with_activation_types). osppsvc's classes have none.
        spp_products("spp_products", keyed(spp_apps)),
    ] + own_kms_reads(spp_apps)
    if office:
        # osppsvc's classes: only where that service is installed (Office 2010, or Office on
        # Windows 7), and absent rather than an error where it is installed but not registered.
        ops += [
            cim_query("ospp_service", OSPP_SERVICE, ["ClientMachineID"], optional=True, if_service="osppsvc"),
            cim_query("ospp_products", OSPP_PRODUCT, PRODUCT_PROPERTIES, keyed(OFFICE_APPS), optional=True,
                      if_service="osppsvc"),
        ]
        if keyless_office:
            ops += [cim_query("spp_keyless", SPP_PRODUCT, KEYLESS_PROPERTIES, keyless([licensing.OFFICE_APP_ID])),
                    cim_query("ospp_keyless", OSPP_PRODUCT, KEYLESS_PROPERTIES, keyless(OFFICE_APPS), optional=True,
                              if_service="osppsvc")]
        # Click-to-Run (LTSC/retail builds and Microsoft 365 Apps) keeps one configuration key.
        ops.append(hostops.registry_read("c2r", C2R_KEY, ["VersionToReport", "Platform", "ProductReleaseIds"]))
        ops += [hostops.registry_read(op_id, key, ["DisplayName", "DisplayVersion"], MSI_SUBKEY)
                for op_id, key in UNINSTALL_KEYS.items()]
    ops += evidence_operations(office, lookup_dns and not kms_host, dns_timeout_ms)
    if kms_host:
        # Can this host open a TCP connection to the KMS host? ("is the VPN up?")
        ops.append(hostops.tcp_connect("reach", kms_host, kms_port, connect_timeout_ms, connect=connect))
    return ops


# Where each read happens, in words for a failure message.
STEPS = {
    "facts": "read host facts",
    "os": "read host facts",
    "cpu": "read host facts",
    "memory": "read host facts",
    "disks": "read host facts",
    "spp_service": "read licensing products (Software Protection service)",
    "spp_products": "read licensing products (Software Protection service)",
    "ospp_service": "read Office licensing products (Office Software Protection service, osppsvc)",
    "ospp_products": "read Office licensing products (Office Software Protection service, osppsvc)",
    "spp_keyless": "read licensing products (Software Protection service)",
    "ospp_keyless": "read Office licensing products (Office Software Protection service, osppsvc)",
    "c2r": "read Office installations",
    "msi": "read Office installations",
    "msi_wow": "read Office installations",
}


def first_error(results: Results, op_ids: list[str] | tuple[str, ...] | dict[str, str]) -> None:
    """Raise CallError for the first of these operations that failed or did not run: a read
    that did not happen must not look like one that found nothing."""
    for op_id in op_ids:
        result = results.get(op_id)
        if result is not None and result.status == "skipped":
            raise CallError("the host did not run this read", step=STEPS.get(op_id, op_id),
                            hint="Run the task again: it reads the host afresh.")
        if result is not None and result.status == "error":
            raise CallError(hostops.sentence(result.message or "Windows reported an error without a message"),
                            step=STEPS.get(op_id, op_id), code=result.hresult,
                            hint=None if result.hresult else "Windows gave no error code: run the task "
                            "again, and check the host's licensing services if it persists.")


def interpret(results: Results, kms_host: str | None, kms_port: int, connect_timeout: float,
              now: datetime | None = None) -> dict[str, Any]:
    """Products, host facts, Office installations and reachability from the read program's
    results. Raises CallError naming the step when a read failed: only an absent osppsvc
    class means "no Office there"; a disabled service or access denied is a failure."""
    first_error(results, list(STEPS))
    found = host_evidence(results)
    os_info = (results.instances("os") or [{}])[0]
    system_drive = str(os_info.get("SystemDrive") or "C:").upper()
    disk = next((d for d in results.instances("disks") if str(d.get("DeviceID") or "").upper() == system_drive), None)
    # Summed by host_facts, which leaves a capacity that is not a number for the requirement check to name.
    memory = [m["Capacity"] for m in results.instances("memory") if m.get("Capacity") is not None]
    facts = results.data("facts")
    doc = {
        "computer_name": facts.get("computer_name"),
        "utc_now": facts.get("utc_now"),
        "os": os_info,
        "cpu": results.instances("cpu"),
        "memory_bytes": memory or None,
        "disk": disk,
        "spp_service": (results.instances("spp_service") or [{}])[0],
        "ospp_cmid": (results.instances("ospp_service") or [{}])[0].get("ClientMachineID"),
    }
    c2r = results.data("c2r")
    msi = [dict(sub.get("values") or {}, PSChildName=sub.get("name"), Wow=op_id == "msi_wow")
           for op_id in UNINSTALL_KEYS for sub in hostops.as_list(results.data(op_id).get("subkeys"))]
    reach = results.get("reach")
    found_products = kms_sources(with_activation_types(products(results), results), results)
    for product in found_products:
        product["last_kms_exchange"] = evidence.last_exchange(found["kms_exchanges"], product["sku_id"])
        product["licensed_through"] = licensing.licensed_through(product, found["kms_exchanges"])
    return {
        "products": found_products,
        **found,
        "host": licensing.host_facts(doc, now or datetime.now(timezone.utc)),
        "office": licensing.office_installs({"c2r": c2r.get("values") if c2r.get("exists") else None,
                                             "msi": msi, "os": os_info}),
        "kms_reachability": (licensing.reachability(reach.data if reach else {}, kms_host, kms_port, connect_timeout)
                             if kms_host else licensing.dns_reachability(found["dns_discovery"], connect_timeout)),
    }


def host_evidence(results: Results) -> dict[str, Any]:
    """``kms_exchanges`` (newest first) from the licensing events, and ``dns_discovery``.
    Evidence never fails a read: events that cannot be read give no exchanges."""
    events = [e for op_id in ("events_spp", "events_ospp") for e in hostops.as_list(results.data(op_id).get("events"))]
    return {"kms_exchanges": evidence.exchanges(events),
            "dns_discovery": evidence.discovery(results.data("dns")) if "dns" in results else None}


def service_read() -> hostops.Operation:
    """The Windows SPP's service (SERVICE_PROPERTIES)."""
    return cim_query("spp_service", SPP_SERVICE, SERVICE_PROPERTIES)


def own_kms_reads(app_ids: list[str] | tuple[str, ...]) -> list[hostops.Operation]:
    """The KMS settings in the registry: the service-wide ones (the values of SPP_KEY), and the
    products' own, per application (SPP_KEY, then AppID, then SkuID)."""
    return [hostops.registry_read(SPP_SETTINGS, SPP_KEY, list(REGISTRY_VALUES))] + [
        hostops.registry_read(OWN_KMS + app, "%s\\%s" % (SPP_KEY, app), list(REGISTRY_VALUES), GUID_SUBKEY)
        for app in app_ids]


def kms_sources(found: list[dict[str, Any]], results: Results) -> list[dict[str, Any]]:
    """Whose KMS host and port each product shows (``kms_host_source``, ``kms_port_source``):
    ``product``, its own (what state: absent clears), or ``service``, the service-wide setting
    it reflects. Whether a product's KeyManagementServiceMachine shows the service-wide value
    is UNCONFIRMED (docs/licensing-facts.md §11.1), so the decision holds either way: a value the
    registry records under the product's SKU is its own; so is one that differs from the service's;
    one equal to the service's, with no registry value of the product's, is the service's. An
    osppsvc product's setting is always its own (its service has none)."""
    own: dict[str, dict[str, Any]] = {}
    for op_id in results:
        if op_id.startswith(OWN_KMS):
            for sub in hostops.as_list(results.data(op_id).get("subkeys")):
                own[str(sub.get("name") or "").strip("{}").lower()] = sub.get("values") or {}
    service = (results.instances("spp_service") or [{}])[0]
    service_port = (results.data(SPP_SETTINGS).get("values") or {}).get("KeyManagementServicePort")
    for product in found:
        registry = own.get(product["sku_id"], {})
        spp = product["license_class"] == SPP_PRODUCT
        product["kms_host_source"] = _source(
            product.get("kms_host"), spp, registry.get("KeyManagementServiceName"),
            licensing.same_host(product.get("kms_host"), service.get("KeyManagementServiceMachine")) is True)
        product["kms_port_source"] = _source(
            product.get("kms_port"), spp, registry.get("KeyManagementServicePort"),
            bool(service_port) and str(service_port) == str(product.get("kms_port")))
    return found


def _source(value: Any, spp: bool, registered: Any, as_service: bool) -> str | None:
    if not value:
        return None
    if not spp or registered or not as_service:
        return "product"
    return "service"


def spp_products(op_id: str, where: str) -> hostops.Operation:
    """The Windows SPP's products with PRODUCT_PROPERTIES and, where this Windows has them,
    ACTIVATION_PROPERTIES."""
    return cim_query(op_id, SPP_PRODUCT, PRODUCT_PROPERTIES + ACTIVATION_PROPERTIES, where,
                     optional_properties=ACTIVATION_PROPERTIES)


def with_activation_types(found: list[dict[str, Any]], results: Results,
                          op_id: str = "spp_products") -> list[dict[str, Any]]:
    """Each product's last activation type, AD activation object and rearms, where ``op_id``
    read them. Windows 7 has no such properties (the executor ``dropped`` them, so its rows
    lack them): then they stay unknown, and AD-based activation, which needs Windows 8
    (docs/licensing-facts.md §1.1), cannot be the case."""
    types = {str(row.get("ID") or "").lower(): row for row in results.instances(op_id)}
    for product in found:
        row = types.get(product["sku_id"])
        if row is not None and "VLActivationType" in row:
            product["activation_type"] = licensing.ACTIVATION_TYPES.get(row.get("VLActivationType"))
            product["ad_activation_object"] = row.get("ADActivationObjectName") or None
            product["rearm_count"] = {"app": row.get("RemainingAppReArmCount"),
                                      "sku": row.get("RemainingSkuReArmCount")}
        if row is not None and row.get(LOOKUP_DOMAIN):
            product["kms_lookup_domain"] = row[LOOKUP_DOMAIN]
    return found


def products(results: Results) -> list[dict[str, Any]]:
    """Every product read: Office's, then Windows'; each in the order read, the Windows SPP's
    first, then osppsvc's, then, when read, the Office licences installed without a key."""
    reads = (("spp_products", SPP_PRODUCT), ("ospp_products", OSPP_PRODUCT),
             ("spp_keyless", SPP_PRODUCT), ("ospp_keyless", OSPP_PRODUCT))
    found = [licensing.product(raw, cls) for op_id, cls in reads for raw in results.instances(op_id)]
    return sorted(found, key=lambda product: product["application"] == "windows")


def inspect_host(execute: Callable[..., dict[str, Any]], applications: tuple[str, ...] | list[str],
                 kms_host: str | None, kms_port: int, connect_timeout: float, *, keyless_office: bool = False,
                 lookup_dns: bool = True, test_dns: bool = True, connect: bool = True,
                 host: str | None = None) -> dict[str, Any]:
    """One remote call: the read program of these applications, interpreted. Without
    ``kms_host``: ``lookup_dns`` reads what DNS publishes for KMS, ``test_dns`` tests a TCP
    connection to each host found. Raises CallError when the host cannot be read."""
    timeout_ms = round(connect_timeout * 1000)
    program = read_program(applications, kms_host, kms_port, timeout_ms, keyless_office=keyless_office,
                           dns_timeout_ms=timeout_ms if test_dns else None, lookup_dns=lookup_dns, connect=connect)
    results = hostops.run(execute, program, "read the host", host=host)
    return interpret(results, kms_host, kms_port, connect_timeout)
