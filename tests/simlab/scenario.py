"""Scenario files: the hosts of a simulated lab, loaded from YAML into plain state objects.

See scenarios/default.yml for the format. Products and services keep the CIM property names
Windows uses (ID, Name, Description, PartialProductKey, LicenseStatus, ...;
docs/licensing-facts.md §1.3, §1.5, §1.6): they are the instances the CIM provider (cim.py) serves.
A documented property a product does not list reads as null (0 for numbers, false for booleans).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field, fields
from typing import Any

import yaml

from tests.simlab import kmshost, locales

SCENARIO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")

PRODUCT_CLASSES = ("SoftwareLicensingProduct", "OfficeSoftwareProtectionProduct")
PRODUCT_PROPERTIES = (
    "ID", "Name", "Description", "ApplicationID", "PartialProductKey", "LicenseStatus",
    "LicenseStatusReason", "GracePeriodRemaining", "KeyManagementServiceMachine",
    "KeyManagementServicePort", "DiscoveredKeyManagementServiceMachineName",
    "DiscoveredKeyManagementServiceMachinePort",
)
HOST_KEYS = {
    "name", "username", "password", "os", "cpu", "memory_mb", "system_drive_free_mb",
    "clock_offset_minutes", "ospp_service", "client_machine_id", "ospp_client_machine_id",
    "computer_name", "office", "products", "dns_kms_host", "dns_domain", "inventory_vars", "faults",
    "registry", "network", "events", "spp_service", "powershell", "parameter_names", "dns_search_list",
    "dns_connection_suffixes", "dns_srv_domain", "product_shows_service_kms", "class_lacks",
    "office_volume_license_packs", "firewall_rules", "kms_clients_seen", "groups", "locale",
}
# The Windows PowerShell versions a lab host can have (tests/simlab/powershell).
POWERSHELL_VERSIONS = ("2.0", "3.0", "4.0", "5.1")
KMS_COUNTERS = kmshost.KeyManagementService.COUNTERS
OSPP_SERVICE_VALUES = (True, False, "disabled", "unregistered")
OSPP_INSTALLED = (True, "disabled", "unregistered")  # osppsvc is a service of this host


class ScenarioError(ValueError):
    """The scenario file is malformed; the message names the host and the key."""


@dataclass
class KmsHostSpec:
    name: str
    port: int = 1688
    listening: bool = True
    # An HRESULT every activation against this host ends in, or None to answer as the
    # settings below make it answer.
    activation_error: int | None = None
    # The KMS host's current count, which it sends with every answer (docs/licensing-facts.md §10.2,
    # 12289); below a client's threshold (N-policy: 25 Windows clients, 5 servers and Office,
    # docs/licensing-facts.md §7.2) it refuses with 0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT
    # (docs/licensing-facts.md §6). The count caps at 50 (docs/licensing-facts.md §7.2); the lab
    # keeps it fixed.
    current_count: int = 50
    # What the host holds KMS host keys for: "Windows" and/or "Office 2010" ... "Office 2024"
    # (one key per Office version, docs/licensing-facts.md §7.4); None: everything. A product it
    # holds no key for is refused with 0xC004F042 SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH
    # (docs/licensing-facts.md §6).
    host_keys: list[str] | None = None
    # The emulated addresses the name resolves to (IPv4 and/or IPv6); None: one of each,
    # derived per name (network.py).
    addresses: list[str] | None = None
    # False: the host accepts the TCP connection and never answers the activation request (its
    # KMS service hung or stopped behind a listening port, or a device in between swallowing
    # the request): the client logs 12288 without 12289 and ends in 0xC004F074
    # (docs/licensing-facts.md §10.2, §6).
    answers: bool = True
    # The lab host that serves this name: a modelled Windows KMS host (tests/simlab/kmshost.py)
    # whose own state answers (its port, count, host keys, firewall), instead of the settings
    # above, which such an entry must not give (only ``addresses``).
    machine: str | None = None


# What a ``machine`` entry may give: the name and its addresses; the rest is the machine's.
MACHINE_SPEC_KEYS = {"name", "machine", "addresses"}


@dataclass
class HostState:
    """Everything the emulation knows about one simulated Windows host. Tests read it."""

    name: str
    username: str
    password: str
    os: dict[str, str]
    cpu: dict[str, int]
    memory_mb: int
    system_drive_free_mb: int
    clock_offset_minutes: int
    # osppsvc (docs/licensing-facts.md §1.1, §1.6): True installed, False not installed, "disabled",
    # or "unregistered": installed, but its WMI classes are not registered (what ospp.vbs /regmof
    # repairs, docs/licensing-facts.md §1.6): they are WBEM_E_INVALID_CLASS although the service exists.
    ospp_service: bool | str
    client_machine_id: str
    ospp_client_machine_id: str | None
    computer_name: str
    dns_kms_host: str | None = None
    # The host's primary DNS domain (its primary DNS suffix).
    dns_domain: str | None = None
    # Where dns_kms_host is published (_vlmcs._tcp.<dns_srv_domain>); default dns_domain.
    dns_srv_domain: str | None = None
    # The host's DNS suffix search list (a configured list replaces the primary and connection
    # suffixes) and its connections' own DNS suffixes (DHCP option 15 or set per adapter).
    dns_search_list: list[str] = field(default_factory=list)
    dns_connection_suffixes: list[str] = field(default_factory=list)
    # Whether a SoftwareLicensingProduct without its own KMS host shows the service-wide one
    # in KeyManagementServiceMachine / Port (UNCONFIRMED, docs/licensing-facts.md §11.1): the lab can be either.
    product_shows_service_kms: bool = False
    # {class: [properties]}: properties this host's build of the class lacks although the
    # table gives them to its Windows version (when some arrived is UNCONFIRMED, e.g. the
    # rearm counts, docs/licensing-facts.md §10.6): a query naming one is WBEM_E_INVALID_QUERY.
    class_lacks: dict[str, list[str]] = field(default_factory=dict)
    # Host variables the lab writes into the inventory (what an administrator would set).
    inventory_vars: dict[str, Any] = field(default_factory=dict)
    # Windows PowerShell's version on the host: what the emulation's language and cmdlets
    # offer (tests/simlab/powershell); Windows 10 and 11 ship 5.1.
    powershell: str = "5.1"
    # "<Class>.<Method>": [names of its [in] parameters, in order]: the names this host's class
    # declares, where they differ from cim_classes.yml. The OSPP classes' parameter names are
    # UNCONFIRMED (ospp.vbs passes arguments by position, docs/licensing-facts.md §1.6), so a
    # scenario may give them others; types and order stay the table's.
    parameter_names: dict[str, list[str]] = field(default_factory=dict)
    # Injected faults, by name (listed in tests/simlab/host.py's docstring; the wire faults
    # in wsman.py's). Read live: a test may set or clear one while the lab runs.
    faults: dict[str, Any] = field(default_factory=dict)
    office: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    # The licensing services' own instances, by class (SoftwareLicensingService, and
    # OfficeSoftwareProtectionService when osppsvc is installed): docs/licensing-facts.md §1.5, §1.6.
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Registry keys that replace what the lab derives from ``office`` (registry.py).
    registry: dict[str, Any] = field(default_factory=dict)
    # Registry values written on the host (Set-ItemProperty), by key path as registry.py names
    # it: {path: {name: value}}; they join the derived keys (registry.py).
    registry_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # This host's view of the network: {"resolve": {name: [addresses]}} (network.py).
    network: dict[str, Any] = field(default_factory=dict)
    # The licensing events of the host's logs, oldest first (eventlog.py): the Application log's,
    # and on a KMS host its Key Management Service log's (``log``).
    events: list[dict[str, Any]] = field(default_factory=list)
    # The Office Volume License Packs installed ("2016" ... "2024"): each adds its version's KMS
    # host SKU (docs/licensing-facts.md §12.5, tests/simlab/kmshost.py).
    office_volume_license_packs: list[str] = field(default_factory=list)
    # The Windows Firewall rules the lab models, by CIM class (MSFT_NetFirewallRule and their
    # MSFT_NetProtocolPortFilter, docs/licensing-facts.md §12.6): the built-in Key Management
    # Service rule (SPPSVC-In-TCP, disabled) with the scenario's ``firewall_rules`` changes, and
    # the scenario's own rules.
    firewall: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The client machine IDs a KMS host has counted, most recent first: {cmid, time (on the host's
    # clock), required (the client's N-policy), fqdn}; a scenario seeds it with
    # ``kms_clients_seen`` (docs/licensing-facts.md §12.7, tests/simlab/kmshost.py).
    kms_clients: list[dict[str, Any]] = field(default_factory=list)
    # Inventory groups the host is in besides ``simlab`` (lab.py), e.g. [kms_hosts].
    groups: list[str] = field(default_factory=list)
    # The Windows display language, "en-US" or "zh-TW": the caption, architecture, error texts and
    # console code page the host shows in it (tests/simlab/locales.py). ``os`` keeps the en-US
    # caption: the edition, as the lab itself reads it.
    locale: str = locales.DEFAULT


# The classes of the Software Protection Platform's WMI providers: sppsvc's (SppWmi,
# docs/licensing-facts.md §1.5) and osppsvc's (docs/licensing-facts.md §1.6), documented under
# "sppwmi" on learn.microsoft.com. Their queries and methods are answered by the licensing service,
# not from WMI's repository: the slow part of a PC.
LICENSING_CLASSES = ("SoftwareLicensingProduct", "SoftwareLicensingService", "OfficeSoftwareProtectionProduct",
                     "OfficeSoftwareProtectionService")


@dataclass(frozen=True)
class Latency:
    """Where time goes outside the controller, for benchmarks: not Windows' behaviour but the
    setting a measurement is taken in. Every cost is a wait of the emulated host (a sleep in the
    thread serving that host's connection, so other hosts go on), in milliseconds, from 0 to
    60000; all 0 unless a scenario (``latency:``) or a benchmark sets them. Costs are Windows'
    (per process start, per CIM class): nothing here knows what a command is for.

    ``rtt_ms``: the network round trip between controller and hosts, paid by every HTTP
    exchange and by each new TCP connection's handshake.

    ``powershell_start_ms``: what starting powershell.exe costs the host, paid once by every
    WinRM command that runs PowerShell (WinRS starts a process per command: its output begins
    that much later), not per HTTP request. Microsoft's figure for Windows PowerShell 5.1 is
    250 ms for ``powershell -command "echo 1"`` (900 ms in 5.0; "your results may vary depending
    on your hardware"): "WMF 5.1: PowerShell Engine Improvements", Performance,
    docs.microsoft.com/powershell/wmf/5.1/engine-improvements. Without native images of its
    assemblies (NGEN) it is seconds: a WinRM PowerShell session took about 6 s to begin on a
    cloud VM, about 200 ms after NGEN (GoogleCloudPlatform/compute-image-windows pull request
    174). Hence "a few hundred ms" for a PC; the operator sets what their PCs take.

    ``cim_ms``: what each CIM query, enumeration, GetClass or method call costs the host, on
    any class without a cost of its own (the Win32 classes: a third-party measurement gives
    26.6 ms on average for ``Get-WmiObject -Query "Select * From Win32_OperatingSystem ..."``
    over 100 runs, deploywindows.info, "Using Group Policy WMI filters, computers booting
    slow", 2016).

    ``cim_licensing_ms``: the same on the licensing classes (LICENSING_CLASSES), whose provider
    is the licensing service; None: ``cim_ms``. No published per-query figure was found
    (Microsoft documents none). The public measurements seen show it slow and varying with the
    query: one ``Get-CimInstance SoftwareLicensingProduct -Filter "Name like 'Windows%'"`` (the
    whole check of fbprogmbh/Hardening-Audit-Tool-AuditTAP's Get-LicenseStatus, which warns
    "This may take a while...") took "roughly 30 seconds" (its issue 781), a rewrite 0.3 to 1 s
    (pull request 785). A value such as 250 ms per query or method (issue 22's example) is an
    ASSUMPTION, for the operator to set from their own PCs (e.g. ``Measure-Command {
    Get-CimInstance SoftwareLicensingService }`` on one of them)."""

    rtt_ms: float = 0.0
    cim_ms: float = 0.0
    cim_licensing_ms: float | None = None
    powershell_start_ms: float = 0.0

    def __post_init__(self) -> None:
        for name in LATENCY_SETTINGS:
            value = getattr(self, name)
            if name == "cim_licensing_ms" and value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 60_000:
                raise ScenarioError("latency.%s must be a number of milliseconds from 0 to 60000%s, not %r"
                                    % (name, " (or null: cim_ms)" if name == "cim_licensing_ms" else "", value))

    def cim_ms_by_class(self) -> dict[str, float]:
        """The classes whose CIM calls cost other than ``cim_ms``: {class name: ms}."""
        if self.cim_licensing_ms is None:
            return {}
        return {name: self.cim_licensing_ms for name in LICENSING_CLASSES}


LATENCY_SETTINGS = tuple(f.name for f in fields(Latency))


@dataclass
class Scenario:
    hosts: list[HostState]
    kms_hosts: list[KmsHostSpec]
    # Every full product key the catalogue knows, to the catalogue product it belongs to.
    known_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    latency: Latency = field(default_factory=Latency)


def scenario_path(name_or_path: str) -> str:
    """A scenario given by name (``default``) or by path."""
    if os.path.exists(name_or_path):
        return name_or_path
    return os.path.join(SCENARIO_DIR, name_or_path + ".yml")


def load(name_or_path: str = "default") -> Scenario:
    with open(scenario_path(name_or_path), encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


def parse(data: dict[str, Any]) -> Scenario:
    defaults = data.get("defaults") or {}
    catalogue = data.get("catalogue") or {}
    hosts = [_host(entry, defaults, catalogue) for entry in data.get("hosts") or []]
    names = [h.name for h in hosts]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ScenarioError("duplicate host names: %s" % ", ".join(sorted(duplicates)))
    kms = [_kms_spec(spec, names) for spec in data.get("kms_hosts") or []]
    keys = {p["ProductKey"].upper(): p for p in catalogue.values() if p.get("ProductKey")}
    latency_data = data.get("latency") or {}
    if not isinstance(latency_data, dict):
        raise ScenarioError("latency must be a mapping of settings (%s), not %r"
                            % (", ".join(LATENCY_SETTINGS), latency_data))
    unknown = set(latency_data) - set(LATENCY_SETTINGS)
    if unknown:
        raise ScenarioError("latency: unknown setting(s) %s (%s)" % (", ".join(sorted(map(str, unknown))),
                                                                     ", ".join(LATENCY_SETTINGS)))
    latency = Latency(**latency_data)
    return Scenario(hosts=hosts, kms_hosts=kms, known_keys=keys, latency=latency)


def _kms_spec(spec: dict[str, Any], hosts: list[str]) -> KmsHostSpec:
    """A ``kms_hosts`` entry: a stand-in, or (``machine``) a name a lab host serves."""
    if not isinstance(spec, dict) or not spec.get("name"):
        raise ScenarioError("a kms_hosts entry has no name: %r" % (spec,))
    machine = spec.get("machine")
    if machine is not None:
        extra = sorted(set(spec) - MACHINE_SPEC_KEYS)
        if extra:
            given = ", ".join(extra)
            raise ScenarioError("kms_hosts %s: served by the lab host %s, whose own state decides %s; an entry "
                                "with machine gives only name and addresses" % (spec["name"], machine, given))
        if machine not in hosts:
            raise ScenarioError("kms_hosts %s: machine %r is not a host of the scenario" % (spec["name"], machine))
    try:
        return KmsHostSpec(**spec)
    except TypeError as exc:
        raise ScenarioError("kms_hosts %s: %s" % (spec["name"], exc)) from None


def _kms_clients(name: str, entries: Any) -> list[dict[str, Any]]:
    """``kms_clients_seen``: what a KMS host has counted before the lab starts (docs/licensing-facts.md
    §12.7), as data: ``{cmid, days_ago | minutes_ago, required, fqdn}`` for one client, or
    ``{count: N, days_ago, required}`` for N distinct made-up clients. ``required`` is the client's
    N-policy, 5 (Office, Windows Server; the default) or 25 (Windows clients)."""
    found: list[dict[str, Any]] = []
    keys = {"cmid", "count", "days_ago", "minutes_ago", "required", "fqdn"}
    for entry in entries or []:
        malformed = not isinstance(entry, dict) or bool(set(entry) - keys) or ("cmid" in entry) == ("count" in entry)
        if malformed:
            raise ScenarioError("host %s: kms_clients_seen entries are {cmid, days_ago, required, fqdn} or {count, "
                                "days_ago, required}, not %r" % (name, entry))
        required = entry.get("required", 5)
        minutes = int(entry.get("minutes_ago", 0)) + 1440 * int(entry.get("days_ago", 0))
        if required not in (5, 25) or minutes < 0:
            raise ScenarioError("host %s: kms_clients_seen: required is 5 or 25 and the age not negative: %r"
                                % (name, entry))
        if "cmid" in entry:
            found.append({"cmid": str(entry["cmid"]), "minutes_ago": minutes, "required": required,
                          "fqdn": str(entry.get("fqdn") or "")})
            continue
        for index in range(int(entry["count"])):
            serial = len(found) + index + 1
            found.append({"cmid": "5eed0000-0000-4000-8000-%012d" % serial, "minutes_ago": minutes,
                          "required": required, "fqdn": "seen-%d.example" % serial})
    return found


def _host(entry: dict[str, Any], defaults: dict[str, Any], catalogue: dict[str, Any]) -> HostState:
    name = entry.get("name")
    if not name:
        raise ScenarioError("a host has no name: %r" % entry)
    unknown = set(entry) - HOST_KEYS
    if unknown:
        raise ScenarioError("host %s: unknown keys %s" % (name, ", ".join(sorted(unknown))))
    merged = copy.deepcopy(defaults)
    merged.update(copy.deepcopy(entry))
    ospp = merged.get("ospp_service", False)
    if ospp not in OSPP_SERVICE_VALUES:
        raise ScenarioError("host %s: ospp_service must be true, false, disabled or unregistered, not %r"
                            % (name, ospp))
    state = HostState(
        name=name,
        username=merged["username"],
        password=merged["password"],
        os=dict(merged["os"]),
        cpu=dict(merged["cpu"]),
        memory_mb=int(merged["memory_mb"]),
        system_drive_free_mb=int(merged["system_drive_free_mb"]),
        clock_offset_minutes=int(merged.get("clock_offset_minutes", 0)),
        ospp_service=ospp,
        client_machine_id=merged["client_machine_id"],
        ospp_client_machine_id=merged.get("ospp_client_machine_id"),
        computer_name=merged.get("computer_name") or name.upper()[:15],
        dns_kms_host=merged.get("dns_kms_host"),
        dns_domain=merged.get("dns_domain"),
        dns_srv_domain=merged.get("dns_srv_domain"),
        product_shows_service_kms=bool(merged.get("product_shows_service_kms", False)),
        class_lacks={str(k): [str(p) for p in v] for k, v in (merged.get("class_lacks") or {}).items()},
        dns_search_list=[str(d) for d in merged.get("dns_search_list") or []],
        dns_connection_suffixes=[str(d) for d in merged.get("dns_connection_suffixes") or []],
        inventory_vars=dict(merged.get("inventory_vars") or {}),
        faults=dict(merged.get("faults") or {}),
        office=[dict(i) for i in merged.get("office") or []],
        products=[_product(name, p, catalogue) for p in merged.get("products") or []],
        registry=dict(merged.get("registry") or {}),
        network=dict(merged.get("network") or {}),
        events=[dict(e) for e in merged.get("events") or []],
        powershell=str(merged.get("powershell", "5.1")),
        parameter_names={str(k): [str(n) for n in v] for k, v in (merged.get("parameter_names") or {}).items()},
    )
    if state.powershell not in POWERSHELL_VERSIONS:
        raise ScenarioError("host %s: powershell must be one of %s, not %r"
                            % (name, ", ".join(POWERSHELL_VERSIONS), state.powershell))
    state.groups = [str(g) for g in merged.get("groups") or []]
    state.locale = _locale(state, merged.get("locale", locales.DEFAULT))
    _kms_host(state, merged)
    state.services = _services(state)
    # Values of SoftwareLicensingService the scenario gives (docs/licensing-facts.md §1.5), e.g.
    # RemainingWindowsReArmCount.
    state.services["SoftwareLicensingService"].update(merged.get("spp_service") or {})
    return state


def _locale(state: HostState, locale: Any) -> str:
    """The host's display language (tests/simlab/locales.py), with a caption it has a name for."""
    try:
        locales.check(locale)
    except ValueError as exc:
        raise ScenarioError("host %s: %s" % (state.name, exc)) from None
    if locales.caption(locale, state.os["caption"]) is None:
        raise ScenarioError("host %s: the lab knows no %s name for the edition in %r (tests/simlab/locales.py)"
                            % (state.name, locale, state.os["caption"]))
    return locale


def _kms_host(state: HostState, merged: dict[str, Any]) -> None:
    """What makes a host a KMS host machine (docs/licensing-facts.md §12): the Office Volume License
    Packs it has (each adds its host SKU, on a host system KMSHOST-Office supports, §7.4), host SKUs
    the lab knows what they activate (§12.4), its firewall rules (§12.6) and the clients it has
    counted (§12.7)."""
    packs = [str(v) for v in merged.get("office_volume_license_packs") or []]
    for version in packs:
        if version not in kmshost.OFFICE_HOST_SKUS:
            raise ScenarioError("host %s: no Office Volume License Pack %r (the lab knows %s)"
                                % (state.name, version, ", ".join(kmshost.OFFICE_HOST_SKUS)))
        if not kmshost.office_pack_supported(version, state.os):
            raise ScenarioError("host %s: %s is not a KMS host system for Office %s (docs/licensing-facts.md §7.4)"
                                % (state.name, state.os["caption"], version))
        if any(p["ID"].lower() == kmshost.OFFICE_HOST_SKUS[version][0] for p in state.products):
            raise ScenarioError("host %s: the Office %s host SKU is both listed and added by its pack"
                                % (state.name, version))
        state.products.append(kmshost.office_host_product(version))
    state.office_volume_license_packs = packs
    for product in state.products:
        if product["class"] == "SoftwareLicensingProduct" and kmshost.is_host_sku(product):
            try:
                kmshost.host_key_of(product)
            except kmshost.NotEmulated as exc:
                raise ScenarioError("host %s: %s" % (state.name, exc)) from None
    try:
        state.firewall = kmshost.firewall_instances(dict(merged.get("firewall_rules") or {}))
    except ValueError as exc:
        raise ScenarioError("host %s: %s" % (state.name, exc)) from None
    state.kms_clients = _kms_clients(state.name, merged.get("kms_clients_seen"))


def _services(state: HostState) -> dict[str, dict[str, Any]]:
    """The service instances of a host (docs/licensing-facts.md §1.5, §1.6). Values not given by the
    scenario are those of a fresh KMS client: no KMS host set (null / port 0,
    docs/licensing-facts.md §1.3 TN-WMI wording), Microsoft's default intervals
    (docs/licensing-facts.md §2.3), host caching on."""
    build = state.os["version"]
    spp: dict[str, Any] = {
        "Version": build if build.count(".") >= 3 else build + ".1",  # e.g. 10.0.22631.1
        "ClientMachineID": state.client_machine_id,
        "KeyManagementServiceMachine": None,
        "KeyManagementServicePort": 0,
        "DiscoveredKeyManagementServiceMachineName": None,
        "DiscoveredKeyManagementServiceMachinePort": 0,
        "IsKeyManagementServiceMachine": 0,
        "VLActivationInterval": 120,
        "VLRenewalInterval": 10080,
        "RemainingWindowsReArmCount": 1001,
        "KeyManagementServiceHostCaching": True,
        "KeyManagementServiceActivationDisabled": False,
        # The KMS host settings, unset: port 0 = 1688, DNS publishing on ("1=Auto-publish enabled
        # (default)"), normal priority (docs/licensing-facts.md §12.1); no request counted yet.
        "KeyManagementServiceListeningPort": 0,
        "KeyManagementServiceDnsPublishing": True,
        "KeyManagementServiceLowPriority": False,
        **{name: 0 for name in KMS_COUNTERS},
    }
    services = {"SoftwareLicensingService": spp}
    if state.ospp_service in OSPP_INSTALLED:
        services["OfficeSoftwareProtectionService"] = {
            "Version": "14.0.7015.1000" if state.os["version"].startswith("6.1") else "16.0.0.0",
            "ClientMachineID": state.ospp_client_machine_id,
            "KeyManagementServiceHostCaching": True,
        }
    return services


def simulated_pid(partial_key: str) -> str:
    """A ProductKeyID (the installed key's product ID) in Windows' extended-PID shape; the
    lab has no real PID, only the need that a keyed product has one (ospp.vbs /dstatus lists
    products whose ProductKeyID is set, docs/licensing-facts.md §4.2)."""
    digits = "%07d" % (int.from_bytes(partial_key.encode("ascii"), "big") % 10**7)
    return "03612-00206-000-%s-03-1033-9200.0000-0012024" % digits[:6]


def _product(host: str, entry: dict[str, Any], catalogue: dict[str, Any]) -> dict[str, Any]:
    entry = dict(entry)
    sku = entry.pop("sku", None)
    if sku is not None:
        if sku not in catalogue:
            raise ScenarioError("host %s: unknown catalogue product %r" % (host, sku))
        product = copy.deepcopy(catalogue[sku])
        product.update(entry)
    else:
        product = entry
    missing = [p for p in PRODUCT_PROPERTIES + ("class",) if p not in product]
    if missing:
        raise ScenarioError("host %s: product %s lacks %s" % (host, sku or product.get("ID"), ", ".join(missing)))
    if product["class"] not in PRODUCT_CLASSES:
        raise ScenarioError("host %s: product class must be one of %s" % (host, ", ".join(PRODUCT_CLASSES)))
    if product["class"] == "SoftwareLicensingProduct":
        # Rearms left unless the scenario says otherwise: Office "can rearm five times"
        # (docs/licensing-facts.md §10.6); for Windows the lab takes the service's
        # RemainingWindowsReArmCount default (the per-SKU figure Windows reports is UNCONFIRMED).
        windows = str(product.get("ApplicationID", "")).lower() == "55c92734-d682-4d71-983e-d6ec3f16059f"
        for count in ("RemainingAppReArmCount", "RemainingSkuReArmCount"):
            product.setdefault(count, 1001 if windows else 5)
    if product["PartialProductKey"] and not product.get("ProductKeyID"):
        product["ProductKeyID"] = simulated_pid(product["PartialProductKey"])
    return product
