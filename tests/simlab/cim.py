"""The CIM provider of one simulated host: the classes of cim_classes.yml, served as Windows does.

    provider.query(class, properties, where)          -> instances with exactly those properties
    provider.invoke(class, where, method, arguments)  -> the method's return value (0)

Both raise CimError(hresult, message) with the error Windows gives (docs/licensing-facts.md §10.1):
- a namespace this Windows does not have (root/StandardCimv2 before Windows 8 / Server 2012):
  WBEM_E_INVALID_NAMESPACE 0x8004100E; a namespace the lab does not model fails loudly;
- a class that does not exist (in the namespace asked, root/cimv2 by default), or whose provider
  is not installed (osppsvc absent, or the ``licensing_service: missing`` fault: SppWmi.mof not
  registered): WBEM_E_INVALID_CLASS 0x80041010, "Invalid class ";
- a class whose service is disabled: 0x80070422 (HRESULT_FROM_WIN32(ERROR_SERVICE_DISABLED)),
  with Windows' text for error 1058. A merely stopped sppsvc/osppsvc is started on demand;
- a property the class lacks (in the property list or the condition), or a syntax error:
  WBEM_E_INVALID_QUERY 0x80041017;
- a condition that selects no instance for a method call: WBEM_E_NOT_FOUND 0x80041002;
- a method the class lacks: WBEM_E_INVALID_METHOD 0x8004102E;
- an argument name the method lacks, a missing or repeated one, or a wrong type:
  WBEM_E_INVALID_METHOD_PARAMETERS 0x8004102F;
- the ``access_denied`` fault: 0x80070005 E_ACCESSDENIED on every licensing class, or (given
  as "invoke") SL_E_LUA_ACCESSDENIED 0xC004F025 on licensing method calls only (docs/licensing-facts.md §6).
Methods change the state as Microsoft documents them (each handler cites facts). The
provider knows classes, instances and methods; nothing about what its callers intend. A host's
Key Management Service (a KMS host's count, host keys, settings and answers to other hosts'
requests) is tests/simlab/kmshost.py; a KMS client's request reaches the KMS host it would use
over the lab network (network.py): a stand-in, or a lab host that is a KMS host.
Every query and call goes to ``log`` (the host's CIM log), product keys masked.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from tests.simlab import kmshost, win32, wql
from tests.simlab.eventlog import EventLog
from tests.simlab.kmshost import (
    SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED,
    SL_E_VL_BINDING_SERVICE_NOT_ENABLED,
    SL_E_VL_INVALID_TIMESTAMP,
    SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH,
    SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED,
    SL_E_VL_NOT_ENOUGH_COUNT,
    WINHTTP_NAME_NOT_RESOLVED,
)
from tests.simlab.network import Network
from tests.simlab.scenario import HostState, simulated_pid

CLASSES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cim_classes.yml")

# WMI errors (docs/licensing-facts.md §10.1) and the texts the CIM cmdlets show for them.
WBEM_E_NOT_FOUND = 0x80041002
WBEM_E_INVALID_NAMESPACE = 0x8004100E
WBEM_E_INVALID_CLASS = 0x80041010
WBEM_E_INVALID_QUERY = 0x80041017
WBEM_E_INVALID_METHOD = 0x8004102E
WBEM_E_INVALID_METHOD_PARAMETERS = 0x8004102F
E_ACCESSDENIED = 0x80070005
E_INVALIDARG = 0x80070057
E_NOTIMPL = 0x80004001
ERROR_SERVICE_DISABLED = 0x80070422
# Licensing errors (docs/licensing-facts.md §6)
SL_E_PKEY_NOT_INSTALLED = 0xC004F014
SL_E_LUA_ACCESSDENIED = 0xC004F025
SL_E_INVALID_PRODUCT_KEY = 0xC004F050
SL_E_MISMATCHED_PRODUCT_SKU = 0xC004F069
SL_E_VL_BINDING_SERVICE_UNAVAILABLE = 0xC004F074
DNS_ERROR_RCODE_NAME_ERROR = 0x8007232B
SL_I_OOB_GRACE_PERIOD = 0x4004F00C
SL_E_VL_INFO_PRODUCT_USER_RIGHT = 0x4004F040

MESSAGES = {
    WBEM_E_NOT_FOUND: "Not found ",
    WBEM_E_INVALID_NAMESPACE: "Invalid namespace ",
    WBEM_E_INVALID_CLASS: "Invalid class ",
    WBEM_E_INVALID_QUERY: "Invalid query ",
    WBEM_E_INVALID_METHOD: "Invalid method ",
    WBEM_E_INVALID_METHOD_PARAMETERS: "Invalid method Parameter(s) ",
    E_ACCESSDENIED: "Access denied ",
    E_INVALIDARG: "The parameter is incorrect.",
    ERROR_SERVICE_DISABLED: "The service cannot be started, either because it is disabled or because it has "
                            "no enabled devices associated with it.",
    # slerror.h texts, abridged as in docs/licensing-facts.md §6
    SL_E_PKEY_NOT_INSTALLED: "The Software Licensing Service reported that the product key is not available.",
    SL_E_LUA_ACCESSDENIED: "The Software Licensing Service reported that the action requires administrator "
                           "privilege.",
    SL_E_INVALID_PRODUCT_KEY: "The Software Licensing Service determined that the specified product key is invalid.",
    SL_E_MISMATCHED_PRODUCT_SKU: "The Software Licensing Service reported that the product SKU is not found.",
    SL_E_VL_INVALID_TIMESTAMP: "The Software Licensing Service reported that the product could not be activated. "
                               "The Key Management Service (KMS) determined that the request timestamp is invalid.",
    SL_E_VL_BINDING_SERVICE_UNAVAILABLE: "The Software Licensing Service reported that the product could not be "
                                         "activated. No Key Management Service (KMS) could be contacted. Please see "
                                         "the Application Event Log for additional information.",
    DNS_ERROR_RCODE_NAME_ERROR: "DNS name does not exist.",
    SL_E_VL_NOT_ENOUGH_COUNT: "The Software Licensing Service reported that the product could not be activated. "
                              "The count reported by your Key Management Service (KMS) is insufficient.",
    SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH: "The Software Licensing Service determined that the specified "
                                                "Key Management Service (KMS) cannot be used.",
    SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED: "The Software Licensing Service determined that the Key "
                                                  "Management Service (KMS) is not activated. KMS needs to be "
                                                  "activated. Please contact system administrator.",
    SL_E_VL_BINDING_SERVICE_NOT_ENABLED: "The Software Licensing Service reported that the product could not be "
                                         "activated.  The Key Management Service (KMS) is not enabled.",
    SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED: "The activation server reported that the product key has exceeded its "
                                       "unlock limit.",
    WINHTTP_NAME_NOT_RESOLVED: "The server name or address could not be resolved",
}
KMS_PORT = 1688  # docs/licensing-facts.md §7.1; a port of 0 means it (docs/licensing-facts.md §1.3)
SRV_PORT = 1688  # what the lab's DNS publishes for a scenario's dns_kms_host (docs/licensing-facts.md §7.1)
KMS_VALIDITY_MINUTES = 259200  # 180 days (docs/licensing-facts.md §2.3)
OOB_GRACE_MINUTES = 43200  # 30 days of initial grace after a key is installed (docs/licensing-facts.md §2.3, Office)
# Larger skews: SL_E_VL_INVALID_TIMESTAMP (docs/licensing-facts.md §6).
MAX_CLOCK_SKEW_MINUTES = kmshost.MAX_CLOCK_SKEW_MINUTES
ACTIVATION_TIMEOUT_SECONDS = 2.0
# The count a client needs from the KMS host (docs/licensing-facts.md §7.2): "Clients activate if
# the count is 25 or higher. Servers and volume editions of Microsoft Office products activate if
# the count is five or greater." The client sends it as its N-policy (docs/licensing-facts.md §10.2,
# 12288).
WINDOWS_CLIENT_THRESHOLD = 25
SERVER_AND_OFFICE_THRESHOLD = 5
# "Office NN" in product names to the version a KMS host key covers (docs/licensing-facts.md §5.3, §7.4).
OFFICE_VERSIONS = {"14": "2010", "15": "2013", "16": "2016", "19": "2019", "21": "2021", "24": "2024"}
_OFFICE_MAJOR = re.compile(r"^Office (\d\d),")
# The product part of an Office name (Office 24, Office24ProPlus2024VL_... -> 24, ProPlus):
# installing a key replaces the key of the other SKUs of the same product.
_SLOT = re.compile(r"^Office (\d\d), Office(?:\d\d)?([A-Za-z]+?)(?:20\d\d)?(?:VL_|R_|-)")
WINDOWS_APPLICATION_ID = "55c92734-d682-4d71-983e-d6ec3f16059f"  # docs/licensing-facts.md §3
PRODUCT_CLASS_OF = {"SoftwareLicensingService": "SoftwareLicensingProduct",
                    "OfficeSoftwareProtectionService": "OfficeSoftwareProtectionProduct"}
LICENSING_PROVIDERS = ("sppsvc", "osppsvc")
LICENSING_SERVICE_FAULTS = ("disabled", "missing")
# The WMI namespaces the lab models, normalised (lower case, "/" for "\\"), and the Windows
# version that has each: root\StandardCimv2 is the Windows Firewall provider's, "Minimum supported
# client Windows 8, Minimum supported server Windows Server 2012" (docs/licensing-facts.md §12.6).
NAMESPACES = {"root/cimv2": (), "root/standardcimv2": (6, 2)}
DEFAULT_NAMESPACE = "root/cimv2"


def namespace_key(text: str) -> str:
    """A namespace as WMI compares it: case-insensitive, "\\" or "/" between the parts."""
    return text.replace("\\", "/").strip("/").lower()


class CimError(Exception):
    """A CIM operation failed; ``hresult`` is None when Windows gives no code."""

    def __init__(self, hresult: int | None, message: str | None = None) -> None:
        self.hresult = hresult
        self.message = message or MESSAGES.get(hresult or 0, "0x%08X" % (hresult or 0))
        # Windows' own text for the code (MESSAGES), which Windows writes in its display language;
        # a message the error was given (a fault's, the lab's own) is shown as given.
        self.windows_text = message is None and (hresult or 0) in MESSAGES
        self.error_data = True  # False: WMI gave no MSFT_WmiError, only its message ID
        super().__init__(self.message)

    def shown(self, translate: Callable[[str], str]) -> str:
        """The message as the host shows it: Windows' text through ``translate`` (a host's
        text(), tests/simlab/locales.py)."""
        return translate(self.message) if self.windows_text else self.message


def _same_slot(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two SKUs share one installed key: the SKUs of one Office product, or any two of
    Windows itself, which has one product key at a time (slmgr /ipk replaces it,
    docs/licensing-facts.md §4.2)."""
    if one["ApplicationID"].lower() == other["ApplicationID"].lower() == WINDOWS_APPLICATION_ID:
        return True
    first, second = _SLOT.match(one["Name"]), _SLOT.match(other["Name"])
    return bool(first and second and first.groups() == second.groups())


@dataclass(frozen=True)
class CimClass:
    name: str
    provider: str
    kind: str  # product | service | win32 | firewall
    key: str
    properties: dict[str, str]  # name -> CIM type
    methods: dict[str, dict[str, str]]  # name -> {argument: CIM type}
    since: dict[str, tuple[int, ...]] = field(default_factory=dict)  # lower-case member -> Windows version
    namespace: str = "ROOT/cimv2"  # as Windows writes it
    class_since: tuple[int, ...] = ()  # the Windows version that added the class

    def has(self, member: str, os_version: str) -> bool:
        """Whether a member the table lists exists on a host of this Windows version."""
        added = self.since.get(member.lower())
        return added is None or _version(os_version)[:len(added)] >= added

    @property
    def licensing(self) -> bool:
        return self.provider in LICENSING_PROVIDERS


@functools.cache
def classes() -> dict[str, CimClass]:
    """The class tables, by lower-case name (CIM names are case-insensitive)."""
    with open(CLASSES_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {
        name.lower(): CimClass(name, entry["provider"], entry["kind"], entry["key"], dict(entry["properties"]),
                               {m: dict(a or {}) for m, a in (entry["methods"] or {}).items()},
                               {m.lower(): _version(version) for version, members in (entry.get("since") or {}).items()
                                for m in members},
                               entry.get("namespace", "ROOT/cimv2"), _version(entry.get("class_since", "")))
        for name, entry in data.items()
    }


def _version(text: str) -> tuple[int, ...]:
    """"6.1.7601" -> (6, 1, 7601)."""
    return tuple(int(part) for part in str(text).split(".") if part.isdigit())


def _default(cim_type: str) -> Any:
    if cim_type.endswith("[]"):
        return None
    return 0 if cim_type.startswith(("uint", "sint")) else False if cim_type == "boolean" else None


def _lookup(names: dict[str, Any], name: str) -> str | None:
    return next((n for n in names if n.lower() == name.lower()), None)


# The KMS host settings slmgr /skms writes on the service when no Activation ID is given
# (docs/licensing-facts.md §11.1).
SERVICE_WIDE = ("KeyManagementServiceMachine", "KeyManagementServicePort")
# The members a host's Key Management Service answers (docs/licensing-facts.md §12.1): on the
# service; and, with the request counters, on a KMS host SKU.
KMS_SERVICE_MEMBERS = kmshost.KeyManagementService.LIVE
KMS_PRODUCT_MEMBERS = kmshost.KeyManagementService.LIVE + kmshost.KeyManagementService.COUNTERS


class CimProvider:
    def __init__(self, state: HostState, network: Network, known_keys: dict[str, dict[str, Any]],
                 now: Callable[[], datetime]) -> None:
        self.state = state
        self.network = network
        self.known_keys = known_keys
        self.now = now  # the host's clock
        self.log: list[dict[str, Any]] = []
        self._property_cache: dict[tuple[str, str, tuple[str, ...]], dict[str, str]] = {}
        # This host's Key Management Service: a KMS host once it holds a host key (kmshost.py).
        self.kms = kmshost.KeyManagementService(state, now, known_keys, publish=network.publish)
        self.handlers: dict[str, Callable[[CimClass, dict[str, Any], dict[str, Any]], int]] = {
            "Activate": self.activate,
            "UninstallProductKey": self.uninstall_product_key,
            "SetKeyManagementServiceMachine": self.set_kms_machine,
            "ClearKeyManagementServiceMachine": self.clear_kms_machine,
            "SetKeyManagementServicePort": self.set_kms_port,
            "ClearKeyManagementServicePort": self.clear_kms_port,
            "InstallProductKey": self.install_product_key,
            "RefreshLicenseStatus": lambda *_: 0,  # re-evaluates licences; no state the lab keeps changes
            "DisableKeyManagementServiceHostCaching": self.disable_host_caching,
            "SetVLActivationInterval": self.set_activation_interval,
            "SetVLRenewalInterval": self.set_renewal_interval,
            "SetKeyManagementServiceListeningPort": self.set_listening_port,
            "ClearKeyManagementServiceListeningPort": self.clear_listening_port,
            "DisableKeyManagementServiceDnsPublishing": self.disable_dns_publishing,
            "EnableKeyManagementServiceLowPriority": self.enable_low_priority,
            "Enable": self.enable_rule,
            "Disable": self.disable_rule,
        }

    # -- what the executor calls ----------------------------------------------------------------
    def query(self, class_name: str, properties: list[str], where: str | None,
              namespace: str = DEFAULT_NAMESPACE) -> list[dict[str, Any]]:
        """The instances' values of ``properties``, keyed as asked: the WQL query a script
        makes (console.py's ospp.vbs), run as execute_query runs it."""
        rows = self.execute_query(wql.select_text(class_name, properties, where), namespace)
        return [{asked: values[_lookup(values, asked)] for asked in properties}
                for _cls, values, _types, _instance in rows]

    def invoke(self, class_name: str, where: str | None, method: str, arguments: list[dict[str, Any]],
               namespace: str = DEFAULT_NAMESPACE) -> int:
        """A method call on the one instance ``where`` selects (or the service's instance), as a
        script does it through WMI (console.py's ospp.vbs); arguments as {"name", "value"}."""
        cls = self.cim_class(class_name, namespace)
        found = self._select(cls, where)
        if not found:
            self.log.append({"kind": "invoke", "class": class_name, "where": where, "method": method,
                             "arguments": {}, "hresult": WBEM_E_NOT_FOUND})
            raise CimError(WBEM_E_NOT_FOUND)
        return self.call_method(cls, found[0], method, {a["name"]: a.get("value") for a in arguments})

    # -- what the CIM cmdlets call (tests/simlab/powershell/commands.py) -----------------------
    def execute_query(self, text: str, namespace: str = DEFAULT_NAMESPACE
                      ) -> list[tuple[CimClass, dict[str, Any], dict[str, str], dict[str, Any]]]:
        """ExecQuery of a WQL SELECT in a namespace: per instance (class, the selected properties'
        values, their CIM types, the live instance). ``SELECT *`` selects every property this
        Windows has."""
        entry: dict[str, Any] = {"kind": "query", "wql": text}
        if namespace_key(namespace) != DEFAULT_NAMESPACE:
            entry["namespace"] = namespace
        try:
            try:
                properties, class_name, where = wql.parse_select(text)
            except wql.WqlError as exc:
                raise CimError(WBEM_E_INVALID_QUERY) from exc
            entry.update({"class": class_name, "properties": properties, "where": where})
            cls = self.cim_class(class_name, namespace)
            own = self._properties(cls)
            names = list(own) if properties == ["*"] else [self._property(cls, p) for p in properties]
            found = self._select(cls, where)
            rows = [(cls, {n: self._value(cls, inst, n) for n in names}, {n: own[n] for n in names}, inst)
                    for inst in found]
        except CimError as exc:
            self.log.append({**entry, "instances": 0, "hresult": exc.hresult})
            raise
        self.log.append({**entry, "instances": len(rows), "hresult": 0})
        return rows

    def enumerate_instances(self, class_name: str, condition: str | None, namespace: str = DEFAULT_NAMESPACE
                            ) -> list[tuple]:
        """Get-CimInstance -ClassName [-Filter]: SELECT * FROM <class> [WHERE <condition>]
        (CimGetInstance.cs builds that query)."""
        where = "" if condition is None else " WHERE " + condition
        return self.execute_query("SELECT * FROM %s%s" % (class_name, where), namespace)  # noqa: S608 - WQL, as the cmdlet builds it

    def method_parameters(self, cls: CimClass, method: str) -> dict[str, str] | None:
        """The method's [in] parameters as the class declares them on this Windows, in order
        (name -> CIM type), or None."""
        name = _lookup(cls.methods, method)
        if name is None or not cls.has(name, self.state.os["version"]):
            return None
        declared = dict(cls.methods[name])
        renamed = next((v for k, v in self.state.parameter_names.items()
                        if k.lower() == ("%s.%s" % (cls.name, name)).lower()), None)
        if renamed is None:
            return declared
        if len(renamed) != len(declared):
            raise ValueError("simlab: parameter_names of %s.%s must name %d parameters"
                             % (cls.name, name, len(declared)))
        return dict(zip(renamed, declared.values(), strict=True))

    def class_declaration(self, class_name: str, namespace: str = DEFAULT_NAMESPACE
                          ) -> tuple[CimClass, dict[str, str], dict[str, dict[str, str]]]:
        """GetClass (what Get-CimClass asks WMI for): the class, its properties and its methods'
        [in] parameters as this host's Windows declares them. An unregistered class (or one its
        service cannot serve) fails as a query on it does."""
        cls = self.cim_class(class_name, namespace)
        methods = {m: self.method_parameters(cls, m) for m in cls.methods if cls.has(m, self.state.os["version"])}
        return cls, dict(self._properties(cls)), {m: p for m, p in methods.items() if p is not None}

    def call_method(self, cls: CimClass, instance: dict[str, Any], method: str, values: dict[str, Any]) -> int:
        """ExecMethod on one instance: WMI's own checks (the method, each parameter's name and
        type, none missing), then the method as Microsoft documents it."""
        masked = {k: (str(v)[-5:] if k.lower() == "productkey" else v) for k, v in values.items()}
        key = instance.get(cls.key)
        entry: dict[str, Any] = {"kind": "invoke", "class": cls.name, "method": method, "arguments": masked,
                                 "where": None if key is None else "%s='%s'" % (cls.key, key)}
        try:
            current = self.cim_class(cls.name, cls.namespace)
            if not any(inst is instance for inst in self.instances(current)):
                raise CimError(WBEM_E_NOT_FOUND)
            name = _lookup(current.methods, method)
            if name is None or not current.has(name, self.state.os["version"]):
                raise CimError(WBEM_E_INVALID_METHOD)
            declared = self.method_parameters(current, name) or {}
            typed = self._typed_arguments(declared, values)
            # The handlers take the arguments by the table's names, position for position.
            args = {table: typed[own] for table, own in zip(current.methods[name], declared, strict=True)}
            if current.licensing and self.state.faults.get("access_denied") == "invoke":
                raise CimError(SL_E_LUA_ACCESSDENIED)
            handler = self.handlers.get(name)
            if handler is None:
                raise CimError(E_NOTIMPL, "simlab: %s.%s exists on Windows but the lab does not emulate it"
                               % (current.name, name))
            try:
                value = handler(current, instance, args)
            except kmshost.NotEmulated as exc:
                raise CimError(E_NOTIMPL, str(exc)) from None
        except CimError as exc:
            self.log.append({**entry, "hresult": exc.hresult})
            raise
        self.log.append({**entry, "hresult": 0, "return_value": value})
        return value

    @staticmethod
    def _typed_arguments(parameters: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
        """WMI's check of a call's arguments: known names, values of the declared types, every
        [in] parameter given (WBEM_E_INVALID_METHOD_PARAMETERS otherwise)."""
        given: dict[str, Any] = {}
        for raw, value in values.items():
            name = _lookup(parameters, raw)
            if name is None or name in given:
                raise CimError(WBEM_E_INVALID_METHOD_PARAMETERS)
            ok = {
                "string": isinstance(value, str),
                "uint32": isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFFFF,
                "boolean": isinstance(value, bool),
            }.get(parameters[name], False)
            if not ok:
                raise CimError(WBEM_E_INVALID_METHOD_PARAMETERS)
            given[name] = value
        if set(given) != set(parameters):
            raise CimError(WBEM_E_INVALID_METHOD_PARAMETERS)
        return given

    # -- classes and instances ------------------------------------------------------------------
    def cim_class(self, name: str, namespace: str | None = DEFAULT_NAMESPACE) -> CimClass:
        """The class, if it is registered in that namespace on this Windows and its service can
        serve it now (None: any namespace, for the lab's own callers)."""
        version = _version(self.state.os["version"])
        if namespace is not None:
            wanted = namespace_key(namespace)
            if wanted not in NAMESPACES:
                raise CimError(E_NOTIMPL, "simlab: the WMI namespace %s is not emulated" % namespace)
            if version[:len(NAMESPACES[wanted])] < NAMESPACES[wanted]:
                raise CimError(WBEM_E_INVALID_NAMESPACE)
        cls = classes().get(name.lower())
        if cls is None or version[:len(cls.class_since)] < cls.class_since \
                or (namespace is not None and namespace_key(cls.namespace) != namespace_key(namespace)):
            raise CimError(WBEM_E_INVALID_CLASS)
        faults = self.state.faults
        if cls.provider == "sppsvc":
            service = faults.get("licensing_service")
            if service and service not in LICENSING_SERVICE_FAULTS:
                raise ValueError("simlab: licensing_service fault must be disabled or missing, not %r" % service)
            if service == "missing":
                raise CimError(WBEM_E_INVALID_CLASS)
            if service == "disabled":
                raise CimError(ERROR_SERVICE_DISABLED)
        if cls.provider == "osppsvc":
            if self.state.ospp_service in (False, "unregistered"):
                raise CimError(WBEM_E_INVALID_CLASS)
            if self.state.ospp_service == "disabled":
                raise CimError(ERROR_SERVICE_DISABLED)
        if cls.licensing and faults.get("access_denied") is True:
            raise CimError(E_ACCESSDENIED)
        return cls

    def instances(self, cls: CimClass) -> list[dict[str, Any]]:
        """The live instance dicts of a class (products and services are the state itself)."""
        if cls.kind == "product":
            return [p for p in self.state.products if p["class"] == cls.name]
        if cls.kind == "service":
            return [self.state.services[cls.name]] if cls.name in self.state.services else []
        if cls.kind == "firewall":
            return list(self.state.firewall.get(cls.name, []))
        return win32.instances(cls.name, self.state, self.now())

    def _properties(self, cls: CimClass) -> dict[str, str]:
        """The class's properties as this host's Windows version has them."""
        version = self.state.os["version"]
        lacks = tuple(sorted(n.lower() for n in self.state.class_lacks.get(cls.name, [])))
        key = (cls.name, version, lacks)
        found = self._property_cache.get(key)
        if found is None:
            found = self._property_cache[key] = {n: t for n, t in cls.properties.items()
                                                 if cls.has(n, version) and n.lower() not in lacks}
        return found

    def _property(self, cls: CimClass, name: str) -> str:
        found = _lookup(self._properties(cls), name)
        if found is None:
            raise CimError(WBEM_E_INVALID_QUERY)
        return found

    def _value(self, cim_class: CimClass, instance: dict[str, Any], name: str) -> Any:
        """A property's value. A SoftwareLicensingProduct without a KMS host (port) of its own
        shows the service-wide one when the scenario says so (``product_shows_service_kms``):
        whether Windows does is UNCONFIRMED (docs/licensing-facts.md §11.1: slmgr /dlv prints the
        product's property after a service-wide /skms), so the lab can be either."""
        if cim_class.name == "SoftwareLicensingService" and name in KMS_SERVICE_MEMBERS:
            return self.kms.service_value(name)
        if cim_class.name == "SoftwareLicensingProduct" and name in KMS_PRODUCT_MEMBERS \
                and kmshost.is_host_sku(instance):
            return self.kms.product_value(instance, name)
        value = instance.get(name, _default(cim_class.properties[name]))
        if not value and name in SERVICE_WIDE and cim_class.name == "SoftwareLicensingProduct" \
                and self.state.product_shows_service_kms:
            return self.state.services["SoftwareLicensingService"].get(name, value) or value
        return value

    def _select(self, cls: CimClass, where: str | None) -> list[dict[str, Any]]:
        """Instances matching the condition (all of them for None)."""
        try:
            predicate = wql.parse(where, self._properties(cls)) if where is not None else None
        except wql.WqlError as exc:
            raise CimError(WBEM_E_INVALID_QUERY) from exc
        except wql.NotEmulated as exc:
            raise CimError(E_NOTIMPL, "simlab: %s" % exc) from exc
        return [inst for inst in self.instances(cls)
                if predicate is None or predicate(lambda n, i=inst: self._value(cls, i, n))]

    # -- methods (docs/licensing-facts.md §1.4, §1.5, §1.6) -----------------------------------------
    def set_kms_machine(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # "Sets the KMS hostname to use for volume activation" (docs/licensing-facts.md §1.4); on
        # the service, service-wide (docs/licensing-facts.md §1.5). An empty name is refused
        # (UNCONFIRMED: E_INVALIDARG assumed).
        if not args["MachineName"].strip():
            raise CimError(E_INVALIDARG)
        instance["KeyManagementServiceMachine"] = args["MachineName"]
        return 0

    def clear_kms_machine(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # "Returns null if ... not been called" (docs/licensing-facts.md §1.3)
        instance["KeyManagementServiceMachine"] = None
        return 0

    def set_kms_port(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # A TCP port; 0 or more than 65535 is refused (UNCONFIRMED: E_INVALIDARG assumed).
        if not 0 < args["PortNumber"] <= 0xFFFF:
            raise CimError(E_INVALIDARG)
        instance["KeyManagementServicePort"] = args["PortNumber"]
        return 0

    def clear_kms_port(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        instance["KeyManagementServicePort"] = 0  # "Returns 0 if ... not been called" (docs/licensing-facts.md §1.3)
        return 0

    def disable_host_caching(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        instance["KeyManagementServiceHostCaching"] = not args["DisableCaching"]
        return 0

    # -- a KMS host's methods (docs/licensing-facts.md §12.2) --------------------------------------
    def _kms_host_only(self) -> None:
        """"An error is returned if the method is called and the machine is not a key management
        service" (SetVLActivationInterval, SetVLRenewalInterval); the listening port methods "apply to
        KMS hosts only". Which error is UNCONFIRMED (docs/licensing-facts.md §12.2): the lab gives
        SL_E_VL_BINDING_SERVICE_NOT_ENABLED, "The Key Management Service (KMS) is not enabled", and
        refuses DNS publishing and priority on a non-host too (the lab may refuse what Windows
        accepts, never the reverse)."""
        if not self.kms.is_host():
            raise CimError(SL_E_VL_BINDING_SERVICE_NOT_ENABLED)

    def _interval(self, value: int) -> int:
        # "greater than or equal to 15 and less than or equal to 43200"; the error for a value
        # outside is UNCONFIRMED (E_INVALIDARG assumed).
        low, high = kmshost.INTERVAL_RANGE
        if not low <= value <= high:
            raise CimError(E_INVALIDARG)
        return value

    def set_activation_interval(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        self._kms_host_only()
        instance["VLActivationInterval"] = self._interval(args["ActivationInterval"])
        return 0  # handed to clients once the KMS restarts (kmshost.py)

    def set_renewal_interval(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        self._kms_host_only()
        instance["VLRenewalInterval"] = self._interval(args["RenewalInterval"])
        return 0

    def set_listening_port(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # Which port numbers are accepted is UNCONFIRMED (docs/licensing-facts.md §12.2): a TCP port
        # 1-65535 here, E_INVALIDARG otherwise. The KMS listens there after its next restart.
        self._kms_host_only()
        if not 0 < args["PortNumber"] <= 0xFFFF:
            raise CimError(E_INVALIDARG)
        instance["KeyManagementServiceListeningPort"] = args["PortNumber"]
        return 0

    def clear_listening_port(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # "Clears any previously specified listening port": back to 0, i.e. 1688.
        self._kms_host_only()
        instance["KeyManagementServiceListeningPort"] = 0
        return 0

    def disable_dns_publishing(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # DisablePublishing: 1 disables, 0 enables (slmgr /cdns, /sdns).
        self._kms_host_only()
        instance["KeyManagementServiceDnsPublishing"] = not args["DisablePublishing"]
        return 0

    def enable_low_priority(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        # EnableLowPriority: 1 low, 0 normal (slmgr /cpri, /spri).
        self._kms_host_only()
        instance["KeyManagementServiceLowPriority"] = bool(args["EnableLowPriority"])
        return 0

    # -- the Windows Firewall's rules (docs/licensing-facts.md §12.6) -----------------------------
    def enable_rule(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        instance["Enabled"] = kmshost.ENABLED  # "Enable this rule."
        return 0

    def disable_rule(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        instance["Enabled"] = kmshost.DISABLED  # "Disable this rule."
        return 0

    def uninstall_product_key(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        instance.update(PartialProductKey=None, ProductKeyID=None, LicenseStatus=0,
                        LicenseStatusReason=SL_E_PKEY_NOT_INSTALLED, GracePeriodRemaining=0)
        self.kms.refresh()  # without its last host key the machine is no KMS host
        return 0

    def install_product_key(self, cls: CimClass, instance: dict[str, Any], args: dict[str, Any]) -> int:
        """InstallProductKey is a service call (docs/licensing-facts.md §1.5, §4.2 /inpkey): the key
        lands on the SKU it belongs to, if that SKU's licence is installed; the other SKUs of the
        same product lose theirs ("replaces existing key", docs/licensing-facts.md §4.2)."""
        key = args["ProductKey"].strip().upper()
        known = self.known_keys.get(key)
        if known is None:
            raise CimError(SL_E_INVALID_PRODUCT_KEY)
        product_class = PRODUCT_CLASS_OF[cls.name]
        target = next((p for p in self.state.products if p["class"] == product_class
                       and p["ID"].lower() == known["ID"].lower()), None)
        if target is None:
            raise CimError(SL_E_MISMATCHED_PRODUCT_SKU)  # docs/licensing-facts.md §6: a key for a SKU not installed
        for product in self.state.products:
            if product is not target and product["class"] == product_class and _same_slot(product, target):
                product.update(PartialProductKey=None, ProductKeyID=None, LicenseStatus=0,
                               LicenseStatusReason=SL_E_PKEY_NOT_INSTALLED, GracePeriodRemaining=0)
        last5 = key.replace("-", "")[-5:]
        target.update(PartialProductKey=last5, ProductKeyID=simulated_pid(last5), LicenseStatus=2,
                      LicenseStatusReason=SL_I_OOB_GRACE_PERIOD, GracePeriodRemaining=OOB_GRACE_MINUTES)
        self.kms.refresh()  # a host key (CSVLK) enables the KMS (kmshost.py)
        return 0

    def activate(self, cls: CimClass, product: dict[str, Any], args: dict[str, Any]) -> int:
        """Activate (docs/licensing-facts.md §1.4). A KMS host SKU activates online with Microsoft
        (docs/licensing-facts.md §12.4, kmshost.py). A KMS client contacts the KMS host the product
        would use, over a real TCP connection, then takes the KMS host's answer: a stand-in's, or a
        lab KMS host's (kmshost.py). The client logs its request (12288) once it knows where to send
        it and the answer (12289) when one came (docs/licensing-facts.md §10.2). With several
        _vlmcs._tcp records the client tries them in turn until one connects (Windows picks at
        random, docs/licensing-facts.md §7.1: the lab's order is the records', an approximation)."""
        if not product.get("PartialProductKey"):
            raise CimError(SL_E_PKEY_NOT_INSTALLED)
        if kmshost.is_host_sku(product):
            if cls.name != "SoftwareLicensingProduct":
                raise CimError(E_NOTIMPL, "simlab: a KMS host SKU of %s is not emulated" % cls.name)
            error = self.kms.activate_online(product)
            if error:
                raise CimError(error)
            return 0
        candidates, discovered = self.kms_targets(cls, product)
        log = EventLog(self.state.events)
        required = self.threshold(product)
        stand_in, reached = None, None
        for host, port in candidates:
            # Server:Port as the client writes it: an IPv6 address in brackets (docs/licensing-facts.md §11.1)
            log.kms_request(cls.name, product, "%s:%d" % ("[%s]" % host if ":" in host else host, port),
                            cmid=self.client_machine_id(cls), required=required, now=self.now())
            stand_in, connected = self._contact(host, port)
            if connected:
                reached = (host, port)
                break
        if reached is None:
            raise CimError(SL_E_VL_BINDING_SERVICE_UNAVAILABLE)  # docs/licensing-facts.md §6: no KMS could be contacted
        if stand_in is not None and not stand_in.answers:
            # Connected, and no answer comes: the client gives up as it does when it reaches no
            # KMS host, with its 12288 and no 12289 (docs/licensing-facts.md §10.2). (Its wait is not emulated.)
            raise CimError(SL_E_VL_BINDING_SERVICE_UNAVAILABLE)
        error, count, intervals = self._answer(stand_in, cls, product, required)
        log.kms_response(cls.name, error, activated=error is None, count=count, now=self.now(), intervals=intervals)
        if error:
            raise CimError(error)
        product.update(LicenseStatus=1, LicenseStatusReason=SL_E_VL_INFO_PRODUCT_USER_RIGHT,
                       GracePeriodRemaining=KMS_VALIDITY_MINUTES)  # docs/licensing-facts.md §2.2, §2.3
        if getattr(stand_in, "service", None) is not None:
            # "the parameters /sai and /sri are passed to KMS clients after the KMS clients contact
            # the KMS host computer" (TOOLS-Office, docs/licensing-facts.md §12.1)
            product.update(VLActivationInterval=intervals[0], VLRenewalInterval=intervals[1])
        if cls.has("VLActivationType", self.state.os["version"]):
            # "last successful client activation: ... 2=KMS" (docs/licensing-facts.md §10.7)
            product["VLActivationType"] = 2
        if discovered:  # "Last discovered KMS host name/port through DNS" (docs/licensing-facts.md §1.3)
            product.update(DiscoveredKeyManagementServiceMachineName=reached[0],
                           DiscoveredKeyManagementServiceMachinePort=reached[1])
        return 0

    def _answer(self, stand_in: Any, cls: CimClass, product: dict[str, Any], required: int
                ) -> tuple[int | None, int, tuple[int, int]]:
        """(HRESULT or None, the count, the intervals) the KMS host that accepted answers with: a
        lab KMS host's model (kmshost.py), or a stand-in's settings (kms_answer)."""
        if getattr(stand_in, "service", None) is None:
            return self.kms_answer(stand_in, product, required), stand_in.current_count if stand_in else 0, (120, 10080)
        try:
            answer = stand_in.service.request(self.kms_request(cls, product, required))
        except kmshost.NotEmulated as exc:
            raise CimError(E_NOTIMPL, str(exc)) from None
        error = answer.hresult if answer.hresult is not None else product.get("activation_error")
        return error, answer.count, answer.intervals

    def _contact(self, host: str, port: int) -> tuple[Any, bool]:
        """(who accepted, whether a TCP connection to host:port got through), trying each address
        the host's resolver gives."""
        try:
            addresses = self.network.resolve(host, self.state.network.get("resolve"))
        except OSError:
            return None, False
        for address in addresses:
            try:
                return self.network.connect(address, port, ACTIVATION_TIMEOUT_SECONDS), True
            except OSError:
                continue
        return None, False

    def kms_request(self, cls: CimClass, product: dict[str, Any], required: int) -> kmshost.KmsRequest:
        """What this client sends a KMS host (docs/licensing-facts.md §10.2, §12.8)."""
        kind = self.kind(product)
        os_ = self.state.os
        fqdn = "%s.%s" % (self.state.name, self.state.dns_domain) if self.state.dns_domain else self.state.name
        windows = kmshost.windows_release(os_) if kind == "Windows" else None
        ltsc_2024 = windows == ("client", "11") and "ltsc" in str(os_.get("caption", "")).lower() \
            and kmshost.windows_build(os_) >= 26100
        return kmshost.KmsRequest(
            cmid=self.client_machine_id(cls) or "", required=required, fqdn=fqdn, client_time=self.now(),
            license_status=int(product.get("LicenseStatus") or 0),
            time_to_expiration=int(product.get("GracePeriodRemaining") or 0), activation_id=product["ID"],
            kind=kind, windows=windows, ltsc_2024=ltsc_2024)

    def kms_answer(self, stand_in: Any, product: dict[str, Any], required: int) -> int | None:
        """The HRESULT the KMS host answers with, None when it activates: a stand-in's injected
        error, then a product it holds no host key for (0xC004F042), a count below the client's
        threshold (0xC004F038), the product's injected error, a request time off by more than
        the KMS host accepts (0xC004F06C) (docs/licensing-facts.md §6, §7.2)."""
        if stand_in is not None and stand_in.activation_error:
            return stand_in.activation_error
        if stand_in is not None and stand_in.host_keys is not None and self.kind(product) not in stand_in.host_keys:
            return SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH
        if stand_in is not None and stand_in.current_count < required:
            return SL_E_VL_NOT_ENOUGH_COUNT
        if product.get("activation_error"):
            return product["activation_error"]
        if abs(self.state.clock_offset_minutes) > MAX_CLOCK_SKEW_MINUTES:
            return SL_E_VL_INVALID_TIMESTAMP
        return None

    @staticmethod
    def kind(product: dict[str, Any]) -> str:
        """What a KMS host needs a host key for to activate this product: "Windows", or the
        Office version ("Office 2024"), one key per version (docs/licensing-facts.md §7.4)."""
        if str(product.get("ApplicationID", "")).lower() == WINDOWS_APPLICATION_ID:
            return "Windows"
        match = _OFFICE_MAJOR.match(product.get("Name") or "")
        return "Office %s" % OFFICE_VERSIONS.get(match.group(1), "?") if match else "Office"

    def threshold(self, product: dict[str, Any]) -> int:
        """The client's N-policy (docs/licensing-facts.md §7.2): 25 for a Windows client, 5 for Windows
        Server and Office."""
        if self.kind(product) == "Windows" and "server" not in str(self.state.os.get("caption", "")).lower():
            return WINDOWS_CLIENT_THRESHOLD
        return SERVER_AND_OFFICE_THRESHOLD

    def client_machine_id(self, cls: CimClass) -> str | None:
        service = "OfficeSoftwareProtectionService" if cls.provider == "osppsvc" else "SoftwareLicensingService"
        return (self.state.services.get(service) or {}).get("ClientMachineID")

    def kms_targets(self, cls: CimClass, product: dict[str, Any]) -> tuple[list[tuple[str, int]], bool]:
        """([(host, port)], from DNS): the product's override, else (SoftwareLicensingProduct only)
        the service-wide setting (docs/licensing-facts.md §1.5; which wins is UNCONFIRMED there, the
        per-product one is taken as the more specific), else the _vlmcs._tcp SRV records of the
        first lookup domain that has any (docs/licensing-facts.md §7.1, §11.3)."""
        service = self.state.services.get("SoftwareLicensingService", {}) if cls.name == "SoftwareLicensingProduct" \
            else {}
        port = product.get("KeyManagementServicePort") or service.get("KeyManagementServicePort") or KMS_PORT
        for host in (product.get("KeyManagementServiceMachine"), service.get("KeyManagementServiceMachine")):
            if host:
                # slmgr.vbs writes an IPv6 literal as [addr] (docs/licensing-facts.md §11.1): the
                # brackets only delimit the address.
                bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
                return [(bare, port)], False
        for domain in self.lookup_domains(product, service):
            records = self.srv_records("_vlmcs._tcp." + domain.rstrip("."))
            if records:
                return [(r["target"], r["port"]) for r in records], True
        raise CimError(DNS_ERROR_RCODE_NAME_ERROR)  # docs/licensing-facts.md §10.3: no SRV record

    def srv_records(self, name: str) -> list[dict[str, Any]] | None:
        """The SRV records of ``name`` in this host's DNS, or None when the name does not exist:
        the scenario's dns_kms_host, published as _vlmcs._tcp.<dns_srv_domain, else dns_domain>,
        port 1688, then the records lab KMS hosts published there (network.py; docs/licensing-facts.md
        §7.1)."""
        key = name.lower().rstrip(".")
        records: list[dict[str, Any]] = []
        domain = self.state.dns_srv_domain or self.state.dns_domain
        if self.state.dns_kms_host and domain and key == ("_vlmcs._tcp." + domain).lower().rstrip("."):
            records.append({"target": self.state.dns_kms_host, "port": SRV_PORT, "priority": 0, "weight": 0})
        prefix = "_vlmcs._tcp."
        if key.startswith(prefix):
            for record in self.network.published(key[len(prefix):]):
                if all(record["target"].lower() != r["target"].lower() for r in records):
                    records.append(record)
        return records or None

    def lookup_domains(self, product: dict[str, Any], service: dict[str, Any]) -> list[str]:
        """Where a KMS client looks for _vlmcs._tcp (Microsoft's "Common troubleshooting
        procedures for KMS and DNS issues" and the slmgr options page,
        docs/licensing-facts.md §11.3): a lookup domain (KeyManagementServiceLookupDomain, slmgr
        /skms-domain: "ignore the DNS suffix search list and look for KMS host records in the
        specified DNS domain instead"), the product's before the service's; else the resolver's
        suffixes: a configured search list replaces the others, otherwise the primary suffix then
        each connection's suffix (DnsClient's DNS_SearchList policy text). Devolution is not
        modelled."""
        for owner in (product, service):
            if owner.get("KeyManagementServiceLookupDomain"):
                return [owner["KeyManagementServiceLookupDomain"]]
        if self.state.dns_search_list:
            return list(self.state.dns_search_list)
        return [d for d in [self.state.dns_domain, *self.state.dns_connection_suffixes] if d]
