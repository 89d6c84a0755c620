"""The Key Management Service of a lab Windows host: what a Windows machine does once it holds a
KMS host key (CSVLK), from docs/licensing-facts.md §12 (the sections are cited beside each rule).

Every lab host has this model; it is a KMS host only while one of its KMS host SKUs (a
SoftwareLicensingProduct whose Description has VOLUME_KMS but not VOLUME_KMSCLIENT,
docs/licensing-facts.md §12.4) holds a key. What it holds and serves is the host's state, never
a setting that bypasses the model:

- the host SKUs: the Windows ones the scenario lists (``kms_host_key`` in the catalogue names the
  CSVLK as Microsoft's KMS activation planning tables name it, docs/licensing-facts.md §7.3,
  §12.4) and the Office ones an Office Volume License Pack adds (``office_volume_license_packs``:
  their documented Activation IDs, docs/licensing-facts.md §12.4, §12.5);
- the count (docs/licensing-facts.md §12.7): the distinct client machine IDs (CMID) of the last
  30 days, in the host's cache ``HostState.kms_clients`` (most recent first), which keeps at
  most twice the highest N-policy of the clients in it, and never more than 50;
- the request counters and settings, in its SoftwareLicensingService instance
  (docs/licensing-facts.md §12.1, §12.2);
- the firewall rules that let clients in (docs/licensing-facts.md §12.6), ``HostState.firewall``;
- its Key Management Service log (event 12290 per request) and Application log (12294 when it
  publishes itself in DNS), docs/licensing-facts.md §12.8.

The KMS "starts" (reads its port, intervals, DNS publishing and priority) when the host first
holds a host key, and again at each restart of the Software Protection service (sppsvc): a
changed setting takes effect at the restart (slmgr.vbs: "a KMS reboot is needed for this setting
to take effect", TN-DEPLOY: "The Software Licensing Service must be restarted for any changes to
take effect", docs/licensing-facts.md §12.2). ``restart()`` is that restart (the PowerShell
emulation's ``Restart-Service sppsvc`` and ``WindowsHost.restart_service`` call it).

UNCONFIRMED choices, each marked where it is made: that a host key already enables the KMS
before it is activated (ERR-Win gives 0xC004F041's cause as "The KMS host isn't activated", so an
unactivated host answers, docs/licensing-facts.md §6); the HRESULTs of the host methods on a
machine that is no KMS host and for out-of-range arguments (docs/licensing-facts.md §12.2); one
count and one set of counters for the whole machine (KMSTS-Win: the count "is cumulative between
OSs", docs/licensing-facts.md §12.1, §12.7); which requests add their CMID; the values of the host
members on a machine that is no KMS host (docs/licensing-facts.md §12.1); the HRESULT of online
activation when the host cannot reach Microsoft; the provider of 12290 (docs/licensing-facts.md
§12.8).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.simlab.eventlog import EventLog
from tests.simlab.powershell.runtime import Unsupported

if TYPE_CHECKING:
    from tests.simlab.scenario import HostState

# HRESULTs the KMS host answers with (docs/licensing-facts.md §6, texts from slerror.h).
SL_E_VL_NOT_ENOUGH_COUNT = 0xC004F038
SL_E_VL_BINDING_SERVICE_NOT_ENABLED = 0xC004F039
SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED = 0xC004F041
SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH = 0xC004F042
SL_E_VL_INVALID_TIMESTAMP = 0xC004F06C
SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED = 0xC004C008
# What online activation ends in when the host cannot reach Microsoft's activation servers:
# HRESULT_FROM_WIN32(ERROR_WINHTTP_NAME_NOT_RESOLVED, 12007), "The server name or address could
# not be resolved" (WinHTTP error messages, learn.microsoft.com/windows/win32/winhttp/error-messages).
# UNCONFIRMED: docs/licensing-facts.md §6 and §12.4 name no code for an unreachable activation
# server; that the Software Protection service reports WinHTTP's error so is an assumption.
WINHTTP_NAME_NOT_RESOLVED = 0x80072EE7

WINDOWS_APPLICATION_ID = "55c92734-d682-4d71-983e-d6ec3f16059f"  # docs/licensing-facts.md §3
OFFICE_APPLICATION_ID = "0ff1ce15-a989-479d-af46-f275c6370663"  # docs/licensing-facts.md §3
# docs/licensing-facts.md §7.1; KeyManagementServiceListeningPort 0 means it (§12.1 there).
KMS_PORT = 1688
# The licensing service's registry key and the value that lists the other DNS domains a KMS host
# publishes in: "Format: domain_name, <priority>, <weight> ... The priority and weight parameters
# are optional. If not supplied, these are set to 0 in the SRV record" (TN-REG, REG_MULTI_SZ,
# docs/licensing-facts.md §12.2). The lab reads it under this key on every version (which key
# Server 2016-2025 read, and 2008 R2's other format, are UNCONFIRMED there).
SPP_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform"
PUBLISH_LIST = "DnsDomainPublishList"
MAX_CLOCK_SKEW_MINUTES = 4 * 60  # larger skews: SL_E_VL_INVALID_TIMESTAMP (docs/licensing-facts.md §6)
# The count (docs/licensing-facts.md §7.2, §12.7): "only counts unique connections from the past
# 30 days, and only stores the 50 most recent contacts"; "set to cache only twice the maximum
# license policy returned by a KMS client".
COUNT_WINDOW = timedelta(days=30)
COUNT_MAX = 50
# A CSVLK "can be used to activate up to five more KMS hosts … for a total of six … reactivate the
# same host up to nine times" (KMSPLAN-Win); 0xC004C008 "A KMS host key can be activated up to 10
# times on up to six different computers" (ERR-Win) (docs/licensing-facts.md §7.3, §12.4).
CSVLK_ACTIVATIONS = 10
CSVLK_MACHINES = 6
# The intervals' documented range, minutes (docs/licensing-facts.md §2.3, §12.2).
INTERVAL_RANGE = (15, 43200)

# Office host SKUs (docs/licensing-facts.md §12.4, KMSHOST-Office), by the Office Volume License
# Pack that installs each (docs/licensing-facts.md §12.5): (Activation ID, Name, Description). The
# IDs are Microsoft's; Office 2016's Name and Description are KMSHOST-Office's sample; the others'
# are UNCONFIRMED, by analogy (docs/licensing-facts.md §12.4: "Identify Office host SKUs by the
# documented Activation IDs, not by names").
OFFICE_HOST_SKUS = {
    "2024": ("f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f", "Office 24, Office24KMSHostVL_KMS_Host edition",
             "Office 24, VOLUME_KMS channel"),
    "2021": ("47f3b983-7c53-4d45-abc6-bcd91e2dd90a", "Office 21, Office21KMSHostVL_KMS_Host edition",
             "Office 21, VOLUME_KMS channel"),
    "2019": ("70512334-47b4-44db-a233-be5ea33b914c", "Office 19, Office19KMSHostVL_KMS_Host edition",
             "Office 19, VOLUME_KMS channel"),
    "2016": ("98ebfe73-2084-4c97-932c-c0cd1643bea7", "Office 16, OfficeKMSHostVL_KMS_Host edition",
             "Office 16, VOLUME_KMS channel"),
}
# The oldest KMS host system each pack supports (docs/licensing-facts.md §7.4, KMSHOST-Office):
# (Windows Server release, Windows client release).
OFFICE_PACK_HOSTS = {"2024": ("2022", "10"), "2021": ("2016", "10"), "2019": ("2012", "8.1"),
                     "2016": ("2008 R2", "7")}
SERVER_RELEASES = ("2008", "2008 R2", "2012", "2012 R2", "2016", "2019", "2022", "2025")
CLIENT_RELEASES = ("7", "8", "8.1", "10", "11")
# What each Windows CSVLK activates (docs/licensing-facts.md §7.3, §12.4, KMSPLAN-Win's tables):
# (Windows Server releases, Windows client releases). The Windows 10 CSVLK is a client host key:
# "A KMS host running on a Windows client operating system can only activate computers also
# running client operating systems". Windows 8 (not 8.1) is in none of the lists, so no host
# key here activates it; the Server 2022 CSVLK activates Windows 11 but not Windows 11 LTSC 2024.
WINDOWS_CSVLKS = {
    "Windows Server 2025": (SERVER_RELEASES, ("7", "8.1", "10", "11")),
    "Windows Server 2022": (SERVER_RELEASES[:7], ("7", "8.1", "10", "11")),
    "Windows Server 2019": (SERVER_RELEASES[:6], ("7", "8.1", "10")),
    "Windows 10": ((), ("7", "8.1", "10")),
}
# The built-in firewall rule of the Key Management Service (docs/licensing-facts.md §12.6): its
# Name SPPSVC-In-TCP (KMSCREATE-Win), taken as its InstanceID (UNCONFIRMED there); "this exception
# isn't automatically enabled" (KMSTS-Win): Enabled 2. Inbound (1), Allow (2), any profile (0:
# "You can allow this traffic for any network profiles, which is the default setting"). Its
# display strings, group and description are a third-party reproduction of the rule
# (docs/licensing-facts.md §12.6), UNCONFIRMED; select it by InstanceID.
KMS_RULE = "SPPSVC-In-TCP"
BUILTIN_RULES = {
    KMS_RULE: {
        "rule": {"InstanceID": KMS_RULE, "ElementName": "Key Management Service (TCP-In)",
                 "DisplayName": "Key Management Service (TCP-In)",
                 "Description": "Inbound rule for the Key Management Service to allow for machine counting and "
                                "license compliance. [TCP 1688]",
                 "RuleGroup": "Key Management Service", "DisplayGroup": "Key Management Service",
                 "Enabled": 2, "Direction": 1, "Action": 2, "Profiles": 0},
        "filter": {"InstanceID": KMS_RULE, "Protocol": "TCP", "LocalPort": ["1688"], "RemotePort": ["Any"]},
    },
}
# The rule properties a scenario may set (the others read as unset).
RULE_SETTINGS = ("ElementName", "DisplayName", "Description", "RuleGroup", "DisplayGroup", "Enabled", "Direction",
                 "Action", "Profiles")
RULE_CLASS = "MSFT_NetFirewallRule"
FILTER_CLASS = "MSFT_NetProtocolPortFilter"
ENABLED, DISABLED = 1, 2  # MSFT_NetFirewallRule.Enabled (docs/licensing-facts.md §12.6)
INBOUND = 1
ALLOW, ALLOW_BYPASS, BLOCK = 2, 3, 4


class NotEmulated(Exception):
    """Something Windows would do that the lab does not model: the caller fails loudly."""


def is_host_sku(product: dict[str, Any]) -> bool:
    """slmgr.vbs IsKmsServer: Description has VOLUME_KMS but not VOLUME_KMSCLIENT
    (docs/licensing-facts.md §1.3, §12.4)."""
    description = str(product.get("Description") or "").upper()
    return "VOLUME_KMS" in description and "VOLUME_KMSCLIENT" not in description


def host_key_of(product: dict[str, Any]) -> str:
    """What a host SKU's key activates: "Office 2024" (by its documented Activation ID) or a
    Windows CSVLK of WINDOWS_CSVLKS (the catalogue's ``kms_host_key``). Raises NotEmulated."""
    sku = str(product.get("ID", "")).lower()
    for version, (activation_id, _name, _description) in OFFICE_HOST_SKUS.items():
        if sku == activation_id:
            return "Office " + version
    if str(product.get("ApplicationID", "")).lower() == WINDOWS_APPLICATION_ID \
            and product.get("kms_host_key") in WINDOWS_CSVLKS:
        return product["kms_host_key"]
    raise NotEmulated("simlab: the KMS host SKU %s (%s) is neither a documented Office host SKU nor a Windows "
                      "SKU with a kms_host_key of %s" % (product.get("ID"), product.get("Name"),
                                                         ", ".join(WINDOWS_CSVLKS)))


def windows_build(os_: dict[str, Any]) -> int:
    parts = [int(p) for p in str(os_.get("version", "")).split(".") if p.isdigit()]
    return parts[2] if len(parts) > 2 else 0


def windows_release(os_: dict[str, Any]) -> tuple[str, str] | None:
    """("server", "2022") or ("client", "11") for a host's Win32_OperatingSystem caption and
    version (build numbers as Microsoft publishes them), None for a build no table names."""
    server = "server" in str(os_.get("caption", "")).lower()
    parts = [int(p) for p in str(os_.get("version", "")).split(".") if p.isdigit()]
    major_minor, build = tuple(parts[:2]), windows_build(os_)
    older = {(6, 0): ("2008", None), (6, 1): ("2008 R2", "7"), (6, 2): ("2012", "8"), (6, 3): ("2012 R2", "8.1")}
    if major_minor in older:
        release = older[major_minor][0 if server else 1]
    elif major_minor == (10, 0) and server:
        release = {14393: "2016", 17763: "2019", 20348: "2022", 26100: "2025"}.get(build)
    elif major_minor == (10, 0):
        release = "11" if build >= 22000 else "10"
    else:
        release = None
    return ("server" if server else "client", release) if release else None


def publish_list(value: Any) -> list[tuple[str, int, int]]:
    """DnsDomainPublishList's entries as (domain, priority, weight), in TN-REG's format
    "domain_name, <priority>, <weight>" with priority and weight 0 when not supplied
    (docs/licensing-facts.md §12.2). An entry the lab cannot read is refused loudly: what
    Windows does with it is not documented."""
    found = []
    for entry in value or []:
        parts = [part.strip() for part in str(entry).split(",")]
        numbers = [p or "0" for p in parts[1:]] + ["0"] * (3 - len(parts))
        if not parts[0] or len(parts) > 3 or not all(n.isdigit() for n in numbers):
            raise Unsupported("the DnsDomainPublishList entry %r (TN-REG: domain_name, <priority>, <weight>)" % entry)
        found.append((parts[0], int(numbers[0]), int(numbers[1])))
    return found


def host_key_activates(host_key: str, request: KmsRequest) -> bool:
    """Whether a host key covers the client's product (docs/licensing-facts.md §7.4, §12.4): one
    Office version's host key that version's volume products; a Windows CSVLK the releases its
    table lists. Any combination docs/licensing-facts.md §12.4 does not document is refused (0xC004F042)."""
    if host_key.startswith("Office "):
        return request.kind == host_key
    if request.kind != "Windows" or request.windows is None:
        return False
    servers, clients = WINDOWS_CSVLKS[host_key]
    family, release = request.windows
    if family == "server":
        return release in servers
    if host_key == "Windows Server 2022" and release == "11" and request.ltsc_2024:
        return False  # "the same minus Server 2025 and Windows 11 LTSC 2024" (docs/licensing-facts.md §12.4)
    return release in clients


def office_pack_supported(version: str, os_: dict[str, Any]) -> bool:
    """Whether a host system is one KMSHOST-Office lists for that version's pack (docs/licensing-facts.md §7.4)."""
    found = windows_release(os_)
    if found is None or version not in OFFICE_PACK_HOSTS:
        return False
    family, release = found
    server, client = OFFICE_PACK_HOSTS[version]
    if family == "server":
        return SERVER_RELEASES.index(release) >= SERVER_RELEASES.index(server)
    return CLIENT_RELEASES.index(release) >= CLIENT_RELEASES.index(client)


def office_host_product(version: str) -> dict[str, Any]:
    """The host SKU row a pack installs: its licence, no key yet (docs/licensing-facts.md §12.5; that the row exists
    before the key is entered is UNCONFIRMED there, and is what slmgr shows as "This license is
    not in use")."""
    activation_id, name, description = OFFICE_HOST_SKUS[version]
    return {"class": "SoftwareLicensingProduct", "ID": activation_id, "Name": name, "Description": description,
            "ApplicationID": OFFICE_APPLICATION_ID, "PartialProductKey": None, "LicenseStatus": 0,
            "LicenseStatusReason": 0xC004F014, "GracePeriodRemaining": 0, "KeyManagementServiceMachine": None,
            "KeyManagementServicePort": 0, "DiscoveredKeyManagementServiceMachineName": None,
            "DiscoveredKeyManagementServiceMachinePort": 0}


def firewall_instances(overrides: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The firewall rules of a host: the built-in ones, with the scenario's changes, and the
    scenario's own rules (each a rule and its port filter, joined by InstanceID)."""
    rules: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    names = list(BUILTIN_RULES) + [n for n in overrides if n not in BUILTIN_RULES]
    for name in names:
        base = BUILTIN_RULES.get(name) or {
            "rule": {"InstanceID": name, "ElementName": name, "DisplayName": name, "Description": None,
                     "RuleGroup": None, "DisplayGroup": None, "Enabled": ENABLED, "Direction": INBOUND,
                     "Action": ALLOW, "Profiles": 0},
            "filter": {"InstanceID": name, "Protocol": "TCP", "LocalPort": ["Any"], "RemotePort": ["Any"]}}
        rule, port_filter = dict(base["rule"]), dict(base["filter"])
        for key, value in (overrides.get(name) or {}).items():
            if key in ("Protocol", "LocalPort", "RemotePort"):
                port_filter[key] = [str(v) for v in value] if key != "Protocol" else str(value)
            elif key in RULE_SETTINGS:
                rule[key] = value
            else:
                raise ValueError("firewall rule %s: %r is not a property the lab models" % (name, key))
        if isinstance(rule["Enabled"], bool):
            rule["Enabled"] = ENABLED if rule["Enabled"] else DISABLED
        if rule["Enabled"] not in (ENABLED, DISABLED):
            raise ValueError("firewall rule %s: Enabled is 1 (enabled) or 2 (disabled), not %r"
                             % (name, rule["Enabled"]))
        rules.append(rule)
        filters.append(port_filter)
    return {RULE_CLASS: rules, FILTER_CLASS: filters}


@dataclass(frozen=True)
class KmsRequest:
    """What a KMS client sends (docs/licensing-facts.md §10.2, 12288, and §12.8, 12290)."""

    cmid: str
    required: int  # the N-policy: 25 Windows clients, 5 servers and Office (docs/licensing-facts.md §7.2)
    fqdn: str
    client_time: datetime
    license_status: int
    time_to_expiration: int  # minutes
    activation_id: str
    kind: str  # "Windows" or "Office 2024" ...
    windows: tuple[str, str] | None  # the client's Windows release, for a Windows product
    ltsc_2024: bool = False


@dataclass(frozen=True)
class KmsAnswer:
    hresult: int | None  # None: activated
    count: int
    intervals: tuple[int, int]  # activation, renewal (minutes), handed to the client (docs/licensing-facts.md §12.1)


_KEY_LOCK = threading.Lock()  # the scenario's known keys are shared by every host


class KeyManagementService:
    """One host's KMS. Thread-safe: clients' requests arrive on their own hosts' threads."""

    def __init__(self, state: HostState, now: Callable[[], datetime], known_keys: dict[str, dict[str, Any]],
                 publish: Callable[[str, str, int], None] | None = None) -> None:
        self.state = state
        self.now = now
        self.known_keys = known_keys
        # publish(domain, target, port): register _vlmcs._tcp.<domain> in the lab's DNS (network.py)
        self.publish = publish
        self.lock = threading.RLock()
        # The settings the KMS read when it last started (None: not running).
        self.running: dict[str, Any] | None = None
        now_ = now()
        for entry in state.kms_clients:  # the scenario's seed: ages to moments on the host's clock
            if "time" not in entry:
                entry["time"] = now_ - timedelta(minutes=entry.pop("minutes_ago", 0))
        self.refresh()

    # -- what the host is ----------------------------------------------------------------------
    @property
    def service(self) -> dict[str, Any]:
        return self.state.services["SoftwareLicensingService"]

    def host_products(self) -> list[dict[str, Any]]:
        """The host SKUs holding a key."""
        return [p for p in self.state.products
                if p["class"] == "SoftwareLicensingProduct" and is_host_sku(p) and p.get("PartialProductKey")]

    def is_host(self) -> bool:
        """IsKeyManagementServiceMachine: a host key is installed. UNCONFIRMED
        (docs/licensing-facts.md §12.4: "whether an Office host SKU reports
        IsKeyManagementServiceMachine before it is activated"): the lab enables the KMS with the
        key, so an unactivated host answers 0xC004F041 (docs/licensing-facts.md §6, ERR-Win)."""
        return bool(self.host_products())

    def fqdn(self) -> str:
        return "%s.%s" % (self.state.name, self.state.dns_domain) if self.state.dns_domain else self.state.name

    def refresh(self) -> None:
        """After a key or licence change: the KMS starts with the first host key and stops with
        the last one."""
        with self.lock:
            if self.is_host() and self.running is None:
                self._start()
            elif not self.is_host():
                self.running = None

    def restart(self) -> None:
        """Restart of the Software Protection service (sppsvc): the KMS reads its settings again."""
        with self.lock:
            self.running = None
            self.refresh()

    def _start(self) -> None:
        service = self.service
        intervals = (int(service.get("VLActivationInterval") or 120), int(service.get("VLRenewalInterval") or 10080))
        self.running = {
            "port": int(service.get("KeyManagementServiceListeningPort") or 0) or KMS_PORT,
            "intervals": intervals,
            "publishing": bool(service.get("KeyManagementServiceDnsPublishing")),
            "low_priority": bool(service.get("KeyManagementServiceLowPriority")),  # its effect is not modelled
        }
        # "The host registers it every 24 hours unless DNS publishing is disabled"
        # (docs/licensing-facts.md §7.1): the lab publishes at each start (the 24-hour repeat is not
        # modelled). Disabling publishing removes nothing already in DNS: records are removed by the
        # DNS administrator (SUPP-KMSDNS, "remove unauthorized instances"). 12294 reports success
        # (docs/licensing-facts.md §12.8).
        # Its own domain, then each of DnsDomainPublishList ("The KMS home domain is always used",
        # TN-REG), at the start: DNS-Win, "restart the Software Licensing service. This operation
        # creates the SRV records" (docs/licensing-facts.md §12.2).
        if not self.running["publishing"] or self.publish is None:
            return
        targets = [(self.state.dns_domain, 0, 0)] if self.state.dns_domain else []
        targets += publish_list(self.state.registry_values.get(SPP_KEY, {}).get(PUBLISH_LIST))
        for domain, priority, weight in targets:
            self.publish(domain, self.fqdn(), self.running["port"], priority, weight)
            EventLog(self.state.events).dns_published(domain, now=self.now())

    # -- the network's view ----------------------------------------------------------------------
    def port(self) -> int | None:
        """The port the KMS listens on since it started, None when it does not run."""
        with self.lock:
            self.refresh()
            return None if self.running is None else self.running["port"]

    def accepting(self, port: int) -> bool:
        """Whether a connection to ``port`` gets through: the host is a KMS host, sppsvc runs (the
        ``licensing_service`` fault stops it), the KMS listens there, and an enabled inbound
        firewall rule allows TCP to that port (docs/licensing-facts.md §12.6; the built-in rule covers 1688 only)."""
        if self.state.faults.get("licensing_service"):
            return False
        return self.port() == port and self.firewall_allows(port)

    def firewall_allows(self, port: int) -> bool:
        """Windows Firewall's decision for inbound TCP to ``port`` (the firewall is taken as on in
        every profile; a Block rule wins over an Allow rule, AllowBypass aside)."""
        rules = self.state.firewall.get(RULE_CLASS, [])
        filters = {f["InstanceID"]: f for f in self.state.firewall.get(FILTER_CLASS, [])}

        def matches(rule: dict[str, Any]) -> bool:
            port_filter = filters.get(rule["InstanceID"]) or {}
            ports = [str(p).lower() for p in port_filter.get("LocalPort") or []]
            return (rule.get("Enabled") == ENABLED and rule.get("Direction") == INBOUND
                    and str(port_filter.get("Protocol", "")).upper() in ("TCP", "6")
                    and ("any" in ports or str(port) in ports))

        found = [r for r in rules if matches(r)]
        if any(r.get("Action") == BLOCK for r in found):
            return any(r.get("Action") == ALLOW_BYPASS for r in found)
        return any(r.get("Action") in (ALLOW, ALLOW_BYPASS) for r in found)

    # -- the count (docs/licensing-facts.md §12.7) ----------------------------------------------
    def count(self) -> int:
        with self.lock:
            return len(self._cache(self.now()))

    def _cache(self, now: datetime) -> list[dict[str, Any]]:
        """The cached contacts, most recent first, one per CMID, of the last 30 days, at most twice
        the highest N-policy among them and never more than 50 (this reading of "cache only
        twice the maximum license policy" keeps only that many contacts)."""
        recent = sorted((e for e in self.state.kms_clients if now - e["time"] < COUNT_WINDOW),
                        key=lambda e: e["time"], reverse=True)
        distinct: list[dict[str, Any]] = []
        seen: set[str] = set()
        for entry in recent:
            if entry["cmid"].lower() not in seen:
                seen.add(entry["cmid"].lower())
                distinct.append(entry)
        cap = min(COUNT_MAX, 2 * max((int(e.get("required", 5)) for e in distinct), default=0))
        self.state.kms_clients[:] = distinct[:cap]
        return self.state.kms_clients

    # -- a client's request ---------------------------------------------------------------------
    def request(self, request: KmsRequest) -> KmsAnswer:
        """The host's answer to one activation request, with its counters and its event 12290.
        In order: a request time off by more than the host accepts (0xC004F06C); no host key that
        covers the client's product (0xC004F042); a covering host key not activated (0xC004F041);
        else the CMID joins the count before the answer ("the host adds the machine ID to its count
        and then returns the current count value", KMSPLAN-Win), and a count below the client's
        N-policy is 0xC004F038. The host judges the N-policy itself, which is why 12290 carries it
        (docs/licensing-facts.md §12.8). Which requests add their CMID (the lab: only those the
        host can serve), and which count as "failed" (the lab: those refused for the timestamp or
        the host key), are UNCONFIRMED readings of docs/licensing-facts.md §12.1 and §12.7."""
        with self.lock:
            now = self.now()
            intervals = self.running["intervals"] if self.running else (120, 10080)
            skew = abs((request.client_time - now).total_seconds()) / 60
            covering = [p for p in self.host_products() if host_key_activates(host_key_of(p), request)]
            hresult: int | None = None
            failed = True
            if skew > MAX_CLOCK_SKEW_MINUTES:
                hresult = SL_E_VL_INVALID_TIMESTAMP
            elif not covering:
                hresult = SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH
            elif not any(p.get("LicenseStatus") == 1 for p in covering):
                hresult = SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED
            else:
                failed = False
                self.state.kms_clients[:] = [e for e in self.state.kms_clients
                                             if e["cmid"].lower() != request.cmid.lower()]
                self.state.kms_clients.insert(0, {"cmid": request.cmid, "time": now, "required": request.required,
                                                  "fqdn": request.fqdn})
                if len(self._cache(now)) < request.required:
                    hresult = SL_E_VL_NOT_ENOUGH_COUNT
            count = len(self._cache(now))
            self._counted(request, failed)
            EventLog(self.state.events).kms_host_request(
                hresult, required=request.required, fqdn=request.fqdn, cmid=request.cmid,
                sent=request.client_time, license_status=request.license_status,
                time_to_expiration=request.time_to_expiration, activation_id=request.activation_id, now=now)
            return KmsAnswer(hresult, count, intervals)

    def _counted(self, request: KmsRequest, failed: bool) -> None:
        """The request counters (docs/licensing-facts.md §12.1): every request in the total; a
        refused one in the failed requests; the others by the licence status the client sent
        (0 Unlicensed ... 5 Notification; a status without a counter, 6 ExtendedGrace, only in
        the total)."""
        service = self.service
        names = ["KeyManagementServiceTotalRequests"]
        by_status = {0: "Unlicensed", 1: "Licensed", 2: "OOBGrace", 3: "OOTGrace", 4: "NonGenuineGrace",
                     5: "Notification"}
        if failed:
            names.append("KeyManagementServiceFailedRequests")
        elif request.license_status in by_status:
            names.append("KeyManagementService%sRequests" % by_status[request.license_status])
        for name in names:
            service[name] = (int(service.get(name) or 0) + 1) & 0xFFFFFFFF

    # -- the host product's online activation (docs/licensing-facts.md §12.4) ---------------------
    def activate_online(self, product: dict[str, Any]) -> int | None:
        """Activate() on a host SKU: online activation with Microsoft, which succeeds unless the
        ``online_activation`` fault says otherwise ("unreachable": WINHTTP_NAME_NOT_RESOLVED; an
        HRESULT: Microsoft's answer, e.g. 0xC004C003 a blocked key), or the key has been activated
        10 times, or on six other machines (0xC004C008). Re-activating a licensed host key is
        allowed and spends one activation (slmgr /ato re-activates a licensed CSVLK, §12.3; whether
        Microsoft counts it is UNCONFIRMED, §12.4). Returns the HRESULT, None on success."""
        fault = self.state.faults.get("online_activation")
        if fault:
            return WINHTTP_NAME_NOT_RESOLVED if fault == "unreachable" else int(fault)
        key = self._known_key(product)
        with _KEY_LOCK:
            used = int(key.get("activations_used", 0))
            machines = key.setdefault("activated_on", [])
            new_machine = self.state.name not in machines
            if used >= CSVLK_ACTIVATIONS or (new_machine and len(machines) >= CSVLK_MACHINES):
                return SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED
            key["activations_used"] = used + 1
            if new_machine:
                machines.append(self.state.name)
        # Licensed for good: no expiry, no reason code (as a licensed MAK product reads in the lab).
        product.update(LicenseStatus=1, LicenseStatusReason=0, GracePeriodRemaining=0)
        self.refresh()
        return None

    def _known_key(self, product: dict[str, Any]) -> dict[str, Any]:
        partial = str(product.get("PartialProductKey") or "").upper()
        for key, entry in self.known_keys.items():
            if str(entry.get("ID", "")).lower() == str(product["ID"]).lower() \
                    and key.replace("-", "")[-5:] == partial:
                return entry
        raise NotEmulated("simlab: the key ending %s of %s is not among the scenario's known keys, so its "
                          "activations cannot be counted" % (partial, product.get("Name")))

    # -- the host members as CIM reads them (docs/licensing-facts.md §12.1) ----------------------
    def service_value(self, name: str) -> Any:
        """The service's KMS-host members that follow the host's state."""
        products = [p for p in self.host_products() if p.get("LicenseStatus") == 1] or self.host_products()
        return self._host_value(name, self.is_host(), products)

    def product_value(self, product: dict[str, Any], name: str) -> Any:
        """A host SKU's KMS-host members: those of the host while the SKU holds its key (a SKU
        without its key counts nothing)."""
        keyed = bool(product.get("PartialProductKey"))
        if name in self.COUNTERS and not keyed:
            return 0
        return self._host_value(name, keyed, [product])

    # The members _host_value answers, on the service and on a host SKU (docs/licensing-facts.md §12.1).
    LIVE = ("IsKeyManagementServiceMachine", "KeyManagementServiceCurrentCount", "RequiredClientCount",
            "KeyManagementServiceProductKeyID")
    COUNTERS = tuple("KeyManagementService%sRequests" % n for n in (
        "Total", "Failed", "Unlicensed", "Licensed", "OOBGrace", "OOTGrace", "NonGenuineGrace", "Notification"))

    def _host_value(self, name: str, host: bool, products: list[dict[str, Any]]) -> Any:
        if name in self.COUNTERS:  # one set for the machine (UNCONFIRMED, §12.1)
            return int(self.service.get(name) or 0)
        if name == "IsKeyManagementServiceMachine":
            return 1 if host else 0
        if name == "KeyManagementServiceCurrentCount":
            # "-1 indicates that the host is not enabled as a KMS" (TN-WMI-2012), as a uint32:
            # 4294967295 (UNCONFIRMED, §12.1); a host with no request yet shows 0 (KMSHOST-Office's
            # sample "Current count: 0").
            return self.count() if host else 0xFFFFFFFF
        if name == "RequiredClientCount":
            # The minimum count for the host's products (docs/licensing-facts.md §7.2): 25 once a Windows host key can
            # activate Windows clients, else 5 (Office and servers). UNCONFIRMED which value a
            # host reports; 0 on a machine that is no KMS host.
            if not host:
                return 0
            keys = [host_key_of(p) for p in products]
            return 25 if any(WINDOWS_CSVLKS.get(k, ((), ()))[1] for k in keys) else 5
        if name == "KeyManagementServiceProductKeyID":
            # The host's extended PID (docs/licensing-facts.md §12.1: UNCONFIRMED what the service
            # holds on a host): its host key's product ID.
            return products[0].get("ProductKeyID") if host and products else None
        raise KeyError(name)
