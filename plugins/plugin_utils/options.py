# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""Every option of every module, checked on the controller before anything reaches a host.

The argument specs (types and defaults, which Ansible checks first), then our own checks of
the values, then the desired state built from them. Each check returns the value to use or
raises OptionError with a message that says what is wrong and what a valid value looks like.
"""

from __future__ import annotations

import decimal
import ipaddress
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ansible.errors import AnsibleError
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    gvlk,
    gvlk_windows,
    i18n,
    licensing,
    requirements,
)

# idna (requirements.txt; pywinrm pulls it in through requests) checks internationalised KMS
# host names. Imported as ansible-core asks plugins to import a library it does not ship
# (docs/docsite/rst/dev_guide/testing/sanity/import.rst): without it this module still imports
# (ansible-test's import test, ansible-doc) and plain ASCII names are still checked; a name
# that needs it fails the task with the message of _require_idna(), not a traceback.
try:
    import idna
except ImportError as _exc:
    idna = None
    IDNA_IMPORT_ERROR: ImportError | None = _exc
else:
    IDNA_IMPORT_ERROR = None

STATES = ("activated", "configured", "absent")
# What a task manages (the applications option): Office's products, Windows itself, or both.
APPLICATIONS = ("office", "windows")
REQUIREMENT_CHECKS = ("enforce", "strict", "warn", "skip")  # strict: enforce, and fail on unknown facts
# office_kms option -> requirements.check_overrides key
REQUIREMENT_OPTIONS = {"min_cpu_mhz": "cpu_mhz", "min_cpu_cores": "cpu_cores", "min_memory_mb": "memory_mb",
                       "min_free_disk_mb": "free_disk_mb", "min_os_version": "min_os_version"}
KMS_VALIDITY_DAYS = 180  # docs/licensing-facts.md §2.3
DEFAULT_EXPIRING_DAYS = 30  # office_kms_report
DEFAULT_MAX_CLOCK_SKEW_SECONDS = 3600  # office_kms_report
HOST_EXAMPLE = "a DNS name such as kms.example.edu or an IP address such as 192.0.2.10 or 2001:db8::10"
_SHOWN = 80  # characters of a rejected value shown back in an error message
_IDNA_INPUT = 1024  # the longest name the idna package maps (its own limit); no DNS name is near it
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_FAMILY = re.compile(
    r"^(ProPlus|Standard|ProjectPro|ProjectStd|VisioPro|VisioStd|VisioPrem|Access|Excel|Outlook|PowerPoint|"
    r"Publisher|SkypeForBusiness|Word|OneNote|InfoPath|Lync|Groove|SharePointWorkspace)"
    r"(2010|2013|2016|2019|2021|2024)Volume$",
    # ASCII: under a Unicode IGNORECASE the long s (U+017F) and the Kelvin sign match s and k.
    re.IGNORECASE | re.ASCII,
)
# Numbers written as text: ASCII digits only (int() and float() also take other scripts'
# digits, "+", "_" and exponents, which would make "1e3" port 1000; Ansible's int type takes
# them all, through decimal.Decimal). One rule for every whole-number option: whole_number.
_WHOLE_TEXT = re.compile(r"[0-9]{1,10}")
_SECONDS_TEXT = re.compile(r"[0-9]{1,10}(\.[0-9]{0,10})?|\.[0-9]{1,10}")
MIN_CONNECT_TIMEOUT = 0.1  # seconds: below this a test connection fails for no reason but the wait
# kms_host's internationalised names: UTS #46 (Unicode IDNA Compatibility Processing,
# https://www.unicode.org/reports/tr46/) maps what was typed, nontransitional and with
# UseSTD3ASCIIRules; then IDNA 2008 decides what is valid: RFC 5891 (protocol: hyphens,
# leading combining marks, label length), RFC 5892 (code points: PVALID, CONTEXTJ, CONTEXTO)
# and RFC 5893 (the bidi rule). kms_host() says what is added on top and why.
#
# The four UTS #46 deviations: transitional processing (IDNA 2003) writes them as "ss", "ss",
# "σ" and nothing, nontransitional processing (IDNA 2008) keeps them. Browsers (the WHATWG URL
# Standard) and DNS registries (DENIC registers ß) are nontransitional, and UTS #46 deprecated
# transitional processing in Unicode 15.1 (idna 3.21 ignores transitional=True). Windows' own
# IdnToAscii, what Windows programs convert a typed name with, is not: it "continues to map the
# deviation characters to the IDNA2003 forms" (Shawn Steele, Microsoft, "How does IE handle the
# IDN2008 RFCs?", blogs.msdn.com/b/shawnste, 2013), still so on Windows 10 (dotnet/runtime#30086:
# .NET Framework's IdnMapping, which calls it, writes faß.de as fass.de). So one typed name names
# two hosts: a label with a deviation is refused, with both forms, and taken only as the A-label
# the organisation's DNS lists (an A-label is unambiguous).
_DEVIATIONS = {"\u00df": "ss", "\u03c2": "\u03c3", "\u200c": "", "\u200d": ""}  # ß, ς, ZWNJ, ZWJ
# The four label separators of UTS #46 (and RFC 3490 3.1): full stop, ideographic full stop,
# full-width full stop, half-width ideographic full stop.
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
# The IDNA 2008 rule an idna error code names, for the message.
_IDNA_RULES = {"contextj": "RFC 5892 CONTEXTJ", "contexto": "RFC 5892 CONTEXTO", "disallowed_codepoint": "RFC 5892",
               "leading_combiner": "RFC 5891 4.2.3.2", "hyphen_3_4": "RFC 5891 4.2.3.1",
               "hyphen_start_end": "RFC 5891 4.2.3.1", "label_too_long": "RFC 5891 4.2.4",
               "uts46_std3": "UTS #46 UseSTD3ASCIIRules: letters, digits and hyphens"}
# Scripts one label may mix (UTS #39 "highly restrictive"): Latin with the scripts written
# together in Japanese, Chinese or Korean. Any other mix is how a name passes for another.
# IDNA 2008 does not refuse such a label: Latin a and Cyrillic а are both PVALID, and RFC 5891
# 4.4 leaves confusables to registries' policies, which an organisation's own DNS need not have.
_SCRIPT_MIXES = ({"Latin", "Han", "Hiragana", "Katakana"}, {"Latin", "Han", "Bopomofo"}, {"Latin", "Han", "Hangul"})
# A character's script is the first word of its Unicode name ("CYRILLIC SMALL LETTER A"),
# except for these words.
_SCRIPT_WORDS = {"CJK": "Han", "IDEOGRAPHIC": "Han", "ARABIC-INDIC": "Arabic", "EXTENDED": "Arabic",
                 "HENTAIGANA": "Hiragana", "KATAKANA-HIRAGANA": None}

_CONNECTION = {
    "kms_host": {"type": "str"},
    "kms_port": {"type": "int", "default": licensing.DEFAULT_KMS_PORT},
    "connect_timeout": {"type": "float", "default": 5.0},
}
SPECS: dict[str, dict[str, dict[str, Any]]] = {
    "office_kms_info": {
        **_CONNECTION,
        "applications": {"type": "list", "elements": "str", "choices": list(APPLICATIONS), "default": ["office"]},
        "include_windows": {"type": "bool", "default": False},
    },
    "office_kms": {
        **_CONNECTION,
        "applications": {"type": "list", "elements": "str", "choices": list(APPLICATIONS), "default": ["office"]},
        "state": {"type": "str", "default": "activated", "choices": list(STATES)},
        "products": {"type": "list", "elements": "str"},
        "product_key": {"type": "str", "no_log": True},
        "windows_product_key": {"type": "str", "no_log": True},
        "renew_below_days": {"type": "int", "default": 30},
        "force": {"type": "bool", "default": False},
        "check_reachable": {"type": "bool", "default": True},
        "requirements": {"type": "str", "default": "skip", "choices": list(REQUIREMENT_CHECKS)},
        "min_cpu_mhz": {"type": "int"},
        "min_cpu_cores": {"type": "int"},
        "min_memory_mb": {"type": "int"},
        "min_free_disk_mb": {"type": "int"},
        "min_os_version": {"type": "str"},
    },
    "windows_kms": {
        **_CONNECTION,
        "state": {"type": "str", "default": "activated", "choices": list(STATES)},
        "product_key": {"type": "str", "no_log": True},
        "renew_below_days": {"type": "int", "default": 30},
        "force": {"type": "bool", "default": False},
        "check_reachable": {"type": "bool", "default": True},
    },
    "kms_host_info": {},
    "kms_host": {
        "host_keys": {"type": "list", "elements": "str", "no_log": True, "default": []},
        "activate": {"type": "bool", "default": True},
        "listening_port": {"type": "int", "default": licensing.DEFAULT_KMS_PORT},
        "dns_publishing": {"type": "bool"},
        "dns_publishing_domains": {"type": "list", "elements": "dict", "options": {
            "domain": {"type": "str", "required": True},
            "priority": {"type": "int", "default": 0},
            "weight": {"type": "int", "default": 0},
        }},
        "low_priority": {"type": "bool"},
        "activation_interval": {"type": "int"},
        "renewal_interval": {"type": "int"},
        "firewall": {"type": "bool"},
        "office_versions": {"type": "list", "elements": "str", "choices": list(licensing.OFFICE_VERSIONS),
                            "default": []},
    },
    "office_kms_report": {
        "results": {"type": "dict", "required": True},
        "hosts": {"type": "list", "elements": "str"},
        "dest": {"type": "path"},
        "expiring_days": {"type": "int", "default": DEFAULT_EXPIRING_DAYS},
        "max_clock_skew_seconds": {"type": "int", "default": DEFAULT_MAX_CLOCK_SKEW_SECONDS},
        "kms_host": {"type": "str"},
        "kms_hosts": {"type": "dict", "default": {}},
        "kms_host_names": {"type": "dict", "default": {}},
        "language": {"type": "str", "default": i18n.DEFAULT, "choices": list(i18n.LANGUAGES)},
    },
}


class OptionError(ValueError):
    """An option value that cannot be used; nothing was sent to any host."""


# Every whole-number option of every module: (lowest, highest or None, what it is, why the
# bounds). The role's variable is named beside the requirement thresholds, as
# requirements.OVERRIDE_VARS names them.
WHOLE_NUMBERS: dict[str, tuple[int, int | None, str, str]] = {
    "kms_port": (1, 65535, "a TCP port number", ""),
    "renew_below_days": (0, KMS_VALIDITY_DAYS, "a number of days", " (a KMS activation lasts 180 days)"),
    "min_cpu_mhz": (0, None, "a processor speed in MHz", ""),
    "min_cpu_cores": (0, None, "a number of processor cores", ""),
    "min_memory_mb": (0, None, "a memory size in MB", ""),
    "min_free_disk_mb": (0, None, "a free disk space in MB", ""),
    "expiring_days": (0, KMS_VALIDITY_DAYS, "a number of days", " (a KMS activation lasts 180 days)"),
    "max_clock_skew_seconds": (0, None, "a number of seconds", ""),
    "listening_port": (1, 65535, "a TCP port number", ""),
    # SetVLActivationInterval / SetVLRenewalInterval take 15 to 43200 (docs/licensing-facts.md §12.2).
    "activation_interval": (15, 43200, "a number of minutes", " (the licensing service takes 15 minutes to 30 days)"),
    "renewal_interval": (15, 43200, "a number of minutes", " (the licensing service takes 15 minutes to 30 days)"),
}
# The numbers of an SRV record (RFC 2782: 16-bit priority and weight), kms_host's
# dns_publishing_domains' priority and weight.
SRV_NUMBER = (0, 65535, "a 16-bit SRV record number", " (RFC 2782)")
ROLE_VARIABLES = {option: "office_kms_" + option for option in REQUIREMENT_OPTIONS}


def option_name(option: str, module: str | None = None) -> str:
    """An option as messages name it: a requirement threshold of office_kms with the role's
    variable (requirements.OVERRIDE_VARS), any other as it is."""
    if module == "office_kms" and option in ROLE_VARIABLES:
        return "%s (the role's %s)" % (option, ROLE_VARIABLES[option])
    return option


def numbers(module: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """Every number option of ``module`` the task gives (not null), checked as written, before
    Ansible's int and float types (which take "1e1", full-width digits and more, and name a
    Python type when they refuse): {option: the number}. Raises OptionError naming the option,
    the value given and the form accepted."""
    checked: dict[str, Any] = {}
    for option, spec in SPECS[module].items():
        value = (given or {}).get(option)
        if value is None:
            continue
        if spec.get("type") == "float":
            checked[option] = timeout_seconds(value, option=option_name(option, module))
        elif spec.get("type") == "int":
            checked[option] = whole_number(value, option_name(option, module), WHOLE_NUMBERS[option])
    return checked


@dataclass
class Desired:
    """What office_kms (or windows_kms) is asked to make true on each host."""

    applications: tuple[str, ...] = ("office",)  # what the task manages, in APPLICATIONS order
    state: str = "activated"
    kms_host: str | None = None
    kms_port: int = licensing.DEFAULT_KMS_PORT
    products: list[str] | None = None  # Office's products to manage (None: every one)
    product_key: str | None = None  # for Office's products
    windows_product_key: str | None = None  # for the Windows product
    windows_key_option: str = "windows_product_key"  # its name in messages (windows_kms: product_key)
    renew_below_days: int = 30
    force: bool = False
    check_reachable: bool = True
    connect_timeout: float = 5.0
    # Office's system requirements for the version installed: strict, enforce, warn or skip, and
    # figures that replace Microsoft's (requirements.check_overrides keys).
    requirements: str = "skip"
    requirement_overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def connect_timeout_ms(self) -> int:
        return round(self.connect_timeout * 1000)

    def key_for(self, application: str) -> str | None:
        """The product key option's value that applies to a product of this application."""
        return self.windows_product_key if application == "windows" else self.product_key

    def key_option(self, application: str) -> str:
        """The name of that option, for messages."""
        return self.windows_key_option if application == "windows" else "product_key"


# -- the modules' options --------------------------------------------------------------------
CONNECTION = tuple(_CONNECTION)


def connection(args: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    """kms_host, kms_port and connect_timeout, as every module that contacts hosts has them,
    in the one form that is both checked and sent to the host.

    ``given`` is the task's arguments as written (after templating, before Ansible's type
    conversion): kms_port and connect_timeout are checked as written where the task gives
    them (numbers), since Ansible's int and float types would turn "1e3" or full-width digits
    into a number no one typed."""
    values = dict(args, **{name: given[name] for name in CONNECTION if (given or {}).get(name) is not None})
    return dict(args, kms_host=kms_host(args["kms_host"]) if args.get("kms_host") is not None else None,
                kms_port=tcp_port(values["kms_port"]), connect_timeout=timeout_seconds(values["connect_timeout"]))


def used(values: dict[str, Any] | Desired | KmsHostDesired) -> dict[str, Any]:
    """kms_host, kms_port and connect_timeout as checked, which is what the host was sent: the
    modules that have them return them (the kms_host modules have none)."""
    if isinstance(values, Desired):
        return {name: getattr(values, name) for name in CONNECTION}
    if isinstance(values, dict):
        return {name: values[name] for name in CONNECTION if name in values}
    return {}


def applications(value: list[str] | None, include_windows: bool = False) -> tuple[str, ...]:
    """The applications a task manages, once each, in APPLICATIONS order (the choices were
    checked by the argument spec); ``include_windows``: office_kms_info's older form of
    adding windows."""
    chosen = set(value or []) | ({"windows"} if include_windows else set())
    if not chosen:
        raise OptionError("applications must name at least one of %s; got an empty list" % ", ".join(APPLICATIONS))
    return tuple(a for a in APPLICATIONS if a in chosen)


def office_kms_info(args: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    return dict(connection(args, given), applications=applications(args.get("applications", ["office"]),
                                                                   bool(args.get("include_windows"))))


def windows_kms(args: dict[str, Any], given: dict[str, Any] | None = None) -> Desired:
    """The desired state of windows_kms from its validated arguments (``given``: see connection):
    office_kms's with applications: [windows], its product_key being the Windows key."""
    return office_kms(dict(args, applications=["windows"], products=None, product_key=None,
                           windows_product_key=args.get("product_key")), given=given, module="windows_kms")


def office_kms(args: dict[str, Any], given: dict[str, Any] | None = None, module: str = "office_kms") -> Desired:
    """The desired state of office_kms (or windows_kms, ``module``) from its validated
    arguments (``given``: see connection)."""
    args = dict(connection(args, given), **numbers(module, given))
    if args["state"] not in STATES:
        raise OptionError("state must be one of %s; got %r" % (", ".join(STATES), args["state"]))
    apps = applications(args.get("applications", ["office"]))
    days = whole_number(args["renew_below_days"], option_name("renew_below_days", "office_kms"),
                        WHOLE_NUMBERS["renew_below_days"])
    key = product_key(args.get("product_key"))
    # windows_kms's product_key is the Windows key, and named so in messages.
    windows_key = product_key(args.get("windows_product_key"),
                              "product_key" if module == "windows_kms" else "windows_product_key")
    if "office" not in apps and (key or args.get("products")):
        raise OptionError("%s applies to Office's products, but applications does not include office"
                          % ("product_key" if key else "products"))
    if "windows" not in apps and windows_key:
        raise OptionError("windows_product_key applies to Windows, but applications does not include windows")
    if args["state"] == "configured" and not args["kms_host"] and not key and not windows_key:
        raise OptionError("state: configured needs kms_host (or product_key): there is nothing else to configure")
    try:
        overrides = requirements.check_overrides({key: args.get(option) for option, key in REQUIREMENT_OPTIONS.items()})
    except ValueError as exc:
        raise OptionError(str(exc)) from None
    return Desired(applications=apps, state=args["state"], kms_host=args["kms_host"], kms_port=args["kms_port"],
                   products=products(args.get("products")), product_key=key, windows_product_key=windows_key,
                   windows_key_option="product_key" if module == "windows_kms" else "windows_product_key",
                   renew_below_days=days, force=args["force"], check_reachable=args["check_reachable"],
                   connect_timeout=args["connect_timeout"], requirements=args.get("requirements") or "skip",
                   requirement_overrides={k: v for k, v in overrides.items() if v is not None})


@dataclass
class KmsHostDesired:
    """What kms_host is asked to make true on a KMS host; None: leave that setting as it is."""

    host_keys: tuple[str, ...] = ()  # KMS host keys (CSVLKs), upper case; secrets
    activate: bool = True
    listening_port: int = licensing.DEFAULT_KMS_PORT
    dns_publishing: bool | None = None
    # The other DNS domains the host publishes in, each (domain, priority, weight); () none, None:
    # leave DnsDomainPublishList as it is.
    dns_publishing_domains: tuple[tuple[str, int, int], ...] | None = None
    low_priority: bool | None = None
    activation_interval: int | None = None  # minutes
    renewal_interval: int | None = None  # minutes
    firewall: bool | None = None  # True: enable the built-in rule, False: disable it
    office_versions: tuple[str, ...] = ()  # whose Office Volume License Pack must be installed


def kms_host_info(args: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    """kms_host_info has no options."""
    return {}


def kms_host_options(args: dict[str, Any], given: dict[str, Any] | None = None) -> KmsHostDesired:
    """The desired state of kms_host from its validated arguments (``given``: the task's
    arguments as written, see numbers). Named so because options.kms_host checks a host name."""
    args = dict(args, **numbers("kms_host", given))
    port = whole_number(args["listening_port"], "listening_port", WHOLE_NUMBERS["listening_port"])
    intervals = {name: None if args.get(name) is None else whole_number(args[name], name, WHOLE_NUMBERS[name])
                 for name in ("activation_interval", "renewal_interval")}
    if args.get("firewall") and port != licensing.DEFAULT_KMS_PORT:
        raise OptionError(
            "firewall: true enables Windows' built-in rule SPPSVC-In-TCP, which lets in TCP port 1688 only, but "
            "listening_port is %d: open that port with a firewall rule of your own (for example "
            "community.windows.win_firewall_rule) and leave firewall unset" % port)
    versions: list[str] = []
    for version in args.get("office_versions") or []:
        if str(version) not in licensing.OFFICE_VERSIONS:  # the argument spec's choices check it first
            raise OptionError("office_versions: %s is not one of %s"
                              % (_given(version), ", ".join(licensing.OFFICE_VERSIONS)))
        if str(version) not in versions:
            versions.append(str(version))
    domains = publishing_domains(args.get("dns_publishing_domains"), (given or {}).get("dns_publishing_domains"))
    if domains and args.get("dns_publishing") is False:
        raise OptionError("dns_publishing_domains lists domains to publish in, but dns_publishing is false, which "
                          "stops all publishing: leave dns_publishing unset or true, or dns_publishing_domains empty")
    return KmsHostDesired(host_keys=host_keys(args.get("host_keys")), activate=bool(args["activate"]),
                          listening_port=port, dns_publishing=args.get("dns_publishing"),
                          dns_publishing_domains=domains, low_priority=args.get("low_priority"),
                          firewall=args.get("firewall"), office_versions=tuple(versions), **intervals)


def publishing_domains(entries: list[Any] | None, given: Any = None) -> tuple[tuple[str, int, int], ...] | None:
    """kms_host's dns_publishing_domains: each entry's domain as a DNS name in its ASCII form,
    lower case, without a final dot (an IP address is no domain), its priority and weight
    0-65535 (checked as written where ``given`` has them, see numbers); no domain twice."""
    if entries is None:
        return None
    written = given if isinstance(given, list) and len(given) == len(entries) else [{}] * len(entries)
    found: list[tuple[str, int, int]] = []
    for number, (entry, as_written) in enumerate(zip(entries, written, strict=True), 1):
        option = "dns_publishing_domains[%d]" % number
        value = entry.get("domain")
        if isinstance(value, str) and _ip_address(value, option + ".domain") is not None:
            raise OptionError("%s.domain %s is an IP address, not a DNS domain such as labs.example.edu"
                              % (option, _shown(value)))
        domain = kms_host(value, option + ".domain").rstrip(".").lower()
        raw = as_written if isinstance(as_written, dict) else {}
        numbers_ = [whole_number(entry.get(name) if raw.get(name) is None else raw[name], "%s.%s" % (option, name),
                                 SRV_NUMBER) for name in ("priority", "weight")]
        if any(domain == other for other, _p, _w in found):
            raise OptionError("dns_publishing_domains: %s is listed twice; give each domain once" % domain)
        found.append((domain, numbers_[0], numbers_[1]))
    return tuple(found)


def host_keys(entries: list[Any] | None) -> tuple[str, ...]:
    """KMS host keys (CSVLKs): each a product key in the 5x5 form, upper case, none of them a
    published KMS client key (GVLK), no two with the same last five characters (which is all
    Windows shows of an installed key). Messages show a key only by its last five characters."""
    found: list[str] = []
    for number, entry in enumerate(entries or [], 1):
        key = entry.strip() if isinstance(entry, str) else ""
        if key.lower() == "auto":
            raise OptionError("host_keys has no auto: Microsoft publishes no KMS host keys; give your organisation's "
                              "KMS host key (CSVLK) from the Volume Licensing Service Center")
        # isascii() first: str.upper() turns some other letters into ASCII ones (long s into S).
        if not (key.isascii() and gvlk.KEY_FORMAT.match(key.upper())):
            raise OptionError(
                "host_keys: entry %d is not a product key of five groups of five letters and digits separated by "
                "hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)%s" % (number, " (it ends in %r)" % key[-5:] if key else ""))
        key = key.upper()
        if gvlk.is_published(key) or gvlk_windows.is_published(key):
            raise OptionError("host_keys: entry %d (ending in %s) is a KMS client key Microsoft publishes (a GVLK), "
                              "not a KMS host key (CSVLK): installing it would make the host a KMS client. Give the "
                              "host key from the Volume Licensing Service Center" % (number, gvlk.last5(key)))
        if any(gvlk.last5(key) == gvlk.last5(other) for other in found):
            raise OptionError("host_keys: two keys end in %s; Windows tells installed keys apart by their last five "
                              "characters only, so give each key once" % gvlk.last5(key))
        found.append(key)
    return tuple(found)


def office_kms_report(args: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    """office_kms_report's options (``given``: the task's arguments as written, see numbers)."""
    args = dict(args, **numbers("office_kms_report", given))
    for option in ("expiring_days", "max_clock_skew_seconds"):
        args[option] = whole_number(args[option], option, WHOLE_NUMBERS[option])
    for name, aliases in (args.get("kms_host_names") or {}).items():
        if isinstance(aliases, str) or not isinstance(aliases, (list, tuple)) or \
                not all(isinstance(a, str) and a for a in aliases):
            raise OptionError("kms_host_names must map each KMS host to a list of the names its clients use; "
                              "got %s for %s" % (_shown(repr(aliases)), _shown(str(name))))
    return args


def invalid_option(exc: Exception, spec: dict[str, dict[str, Any]], args: dict[str, Any], host: str) -> str:
    """The message for options refused on the controller, by Ansible's type checks or ours.
    ansible-core's int check raises OverflowError on an infinity ("inf", "-Infinity") instead
    of refusing it; those options are named here."""
    if isinstance(exc, ArithmeticError):
        names = [name for name, option in spec.items()
                 if option.get("type") == "int" and isinstance(args.get(name), str) and _is_infinite(args[name])]
        problem = "%s must be a whole number, not an infinity" % (" and ".join(names) or "an integer option")
    else:
        problem = str(exc).rstrip(".")
    return "Invalid option: %s. Nothing was sent to %s." % (problem, host)


def _is_infinite(text: str) -> bool:
    try:
        return decimal.Decimal(text).is_infinite()
    except decimal.InvalidOperation:
        return False


# -- single values ---------------------------------------------------------------------------
def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def _given(value: Any) -> str:
    """Any rejected value, shown shortened."""
    if isinstance(value, str):
        return _shown(value)
    try:
        shown = repr(value)
    except ValueError:  # an integer of more digits than Python will print
        return "a number too long to show"
    return shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "..."


def kms_host(value: str, option: str = "kms_host") -> str:
    """A KMS host given as a DNS name (internationalised names allowed), IPv4 or IPv6 address,
    returned in the form the host is sent, which is the form checked here.

    An IP address is returned in its canonical form (an IPv6 literal lower case, compressed,
    without the brackets a URL or slmgr.vbs puts around it); apply.py sends it to the
    licensing service bracketed, as slmgr.vbs does (docs/licensing-facts.md §11.1). A DNS name is returned in its
    ASCII form. ASCII labels are returned as given (letters, digits, hyphens, underscores), an
    A-label (xn--...) only if it is a valid IDNA 2008 one. Every other label is mapped as UTS #46
    maps it (nontransitional, UseSTD3ASCIIRules: case folded, full-width letters and digits,
    ligatures and circled digits written plainly, invisible default-ignorable characters
    dropped, the full stops of other scripts taken as dots) and returned as the A-label of
    that, once IDNA 2008 finds it valid (RFC 5891, RFC 5892 with its CONTEXTJ and CONTEXTO
    rules, RFC 5893's bidi rule, which in a name with a right-to-left label every label keeps).
    Refused on top of IDNA 2008, each with the reason: a label that mixes scripts
    (_SCRIPT_MIXES), a label with a UTS #46 deviation (_DEVIATIONS), a character this Python's
    Unicode tables do not have (IDNA 2008's rules need them), and an IP address written with
    characters UTS #46 maps (it is not a domain name). Plain ASCII names need no idna package.
    """
    if not isinstance(value, str) or not value:
        raise OptionError("%s must be %s; got an empty value" % (option, HOST_EXAMPLE))
    address = _ip_address(value, option)
    if address is not None:
        return address
    labels = _DOTS.split(value)
    if not value.isascii() or any(label[:4].lower() == "xn--" for label in labels):
        _require_idna()
    refused = sorted({c for c in value if not _host_character(c)})
    if refused:
        raise _characters_refused(value, option, refused)
    if len(value) > _IDNA_INPUT:
        raise OptionError("%s %s is longer than the 253 characters a DNS name may have" % (option, _shown(value)))
    forms = [_label(label, value, option) for label in labels]
    ascii_name = ".".join(ascii_label for ascii_label, _unicode in forms)
    _bidi_name([unicode for _ascii, unicode in forms], value, option)
    name = ascii_name[:-1] if ascii_name.endswith(".") else ascii_name
    if not value.isascii():
        try:
            ipaddress.ip_address(name)
        except ValueError:
            pass
        else:  # "１９２．０．２．１": UTS #46 maps domain names, and an address is none
            raise _characters_refused(value, option, sorted({c for c in value if not c.isascii()}))
    if name.rsplit(".", 1)[-1].isdigit():
        # Neither an IPv4 address nor a host name (RFC 1123 2.1): Windows would read it as
        # an address (010.0.0.1 is 8.0.0.1), not as the name the operator meant.
        raise OptionError("%s %s is not %s: it looks like an IPv4 address but is not a valid one"
                          % (option, _shown(value), HOST_EXAMPLE))
    if len(name) > 253:
        raise OptionError("%s %s is longer than the 253 characters a DNS name may have" % (option, _shown(value)))
    for label in name.split("."):
        if not _LABEL.match(label):
            raise OptionError(
                "%s %s is not %s: the label %s must be 1-63 letters, digits or hyphens, "
                "not starting or ending with a hyphen" % (option, _shown(value), HOST_EXAMPLE, _shown(label))
            )
    return ascii_name


def _ip_address(value: str, option: str) -> str | None:
    """An IP address (an IPv6 literal in brackets or not) in its canonical form: lower case,
    compressed; None when the value is none."""
    candidate = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return None
    # An IPv6 zone (fe80::1%12) is an interface index or name on Windows, nothing else.
    zone = candidate.partition("%")[2]
    if "%" in candidate and not (zone.isascii() and zone.replace("-", "").replace("_", "").isalnum()):
        raise OptionError("%s %s is not %s: the IPv6 zone %s must be an interface number or name"
                          % (option, _shown(value), HOST_EXAMPLE, _shown(zone)))
    return str(ipaddress.ip_address(candidate))


def _require_idna() -> None:
    """Fail the task, naming the package and where it is listed, when idna is not installed."""
    if IDNA_IMPORT_ERROR is not None:
        raise AnsibleError(
            "Failed to import the required Python library (idna) on the controller's Python %s. This is required "
            "to check a KMS host name that is not plain ASCII or has an A-label (xn--...). Install the "
            "collection's Python requirements on the controller: pip install -r requirements.txt, from the "
            "collection's root directory (ansible_collections/volume_licensing/kms)." % sys.executable
        ) from IDNA_IMPORT_ERROR


def _remap(text: str) -> str:
    """UTS #46 mapping, nontransitional (see _DEVIATIONS), with UseSTD3ASCIIRules: a host name
    holds letters, digits and hyphens, whatever it was written with."""
    return idna.uts46_remap(text, std3_rules=True, transitional=False)


def _host_character(char: str) -> bool:
    """Whether a DNS name may hold this character as written: an ASCII letter, digit, dot,
    hyphen or underscore (underscores only in ASCII labels, as Windows names have them), or a
    character UTS #46 keeps or maps to something a host name may hold."""
    if char.isascii():
        return char.isalnum() or char in ".-_"
    try:
        _remap(char)
    except idna.IDNAError:
        return False
    return True


def _characters_refused(value: str, option: str, chars: list[str]) -> OptionError:
    """The error for characters a DNS name cannot hold: compatibility characters (what NFKC
    changes) with the name to write instead where there is one, else the characters."""
    odd = [c for c in chars if unicodedata.normalize("NFKC", c) != c]
    if odd:
        standard = unicodedata.normalize("NFKC", value)
        instead = "; write it as %s" % _shown(standard) if all(c.isalnum() or c in ".-_" for c in standard) else ""
        return OptionError("%s %s is not %s: it contains compatibility characters (%s) that a DNS name does not use%s"
                           % (option, _shown(value), HOST_EXAMPLE, ", ".join(repr(c) for c in odd[:5]), instead))
    return OptionError("%s %s is not %s: it contains %s"
                       % (option, _shown(value), HOST_EXAMPLE, ", ".join(repr(c) for c in chars[:5])))


def _label(label: str, value: str, option: str) -> tuple[str, str]:
    """One label of a DNS name: (its ASCII form, the form RFC 5893's bidi rule reads). An ASCII
    label as given (an A-label must be valid), any other as the IDNA 2008 A-label of what
    UTS #46 maps it to."""
    if label.isascii():
        return label, _u_label(label, value, option) if label[:4].lower() == "xn--" else label
    try:
        mapped = _remap(label)
    except idna.IDNAError as exc:  # an underscore: ASCII labels only (UseSTD3ASCIIRules)
        raise _idna_refused(exc, label, value, option) from None
    if mapped.isascii():  # "ｋｍｓ" is kms; an A-label (or nothing: ignorables only) is checked as one
        return mapped, _u_label(mapped, value, option) if mapped[:4] == "xn--" else mapped
    _known(mapped, value, option)
    try:
        a_label = idna.alabel(mapped).decode("ascii")
    except idna.IDNAError as exc:
        raise _idna_refused(exc, label, value, option) from None
    _one_script(mapped, value, option)
    _no_deviation(label, mapped, a_label, value, option)
    return a_label, mapped


def _u_label(label: str, value: str, option: str) -> str:
    """The U-label of an A-label, which must be what IDNA 2008 would write for it: Punycode of
    a valid, UTS #46 mapped label (RFC 5891 5.3, UTS #46 4.1), in one script."""
    try:
        _known(label[4:].lower().encode("ascii").decode("punycode"), value, option)
    except UnicodeError:
        pass  # idna.ulabel says what is wrong
    try:
        unicode = idna.ulabel(label)
        if _remap(unicode) != unicode:
            raise idna.IDNAError("not in the form UTS #46 maps a label to")
    except idna.IDNAError as exc:
        raise OptionError("%s %s is not %s: the label %s is not a valid IDNA A-label (xn--...): %s"
                          % (option, _shown(value), HOST_EXAMPLE, _shown(label), _reason(exc))) from None
    _one_script(unicode, value, option)
    return unicode


def _known(label: str, value: str, option: str) -> None:
    """Refuse characters this Python's Unicode tables do not have: IDNA 2008's rules read their
    properties (bidi class, combining class, normalisation), which are then unknown."""
    unknown = sorted({c for c in label if unicodedata.category(c) == "Cn"})
    if unknown:
        raise OptionError("%s %s contains %s, which the Unicode %s tables of the controller's Python do not have: "
                          "the IDNA 2008 rules cannot be checked for it"
                          % (option, _shown(value), ", ".join("U+%04X" % ord(c) for c in unknown[:5]),
                             unicodedata.unidata_version))


def _reason(exc: Exception) -> str:
    """An idna error shown shortened, with the IDNA 2008 rule it applies (idna 3.21 codes)."""
    code = getattr(exc, "code", None) or ""
    rule = "RFC 5893 bidi rule" if code.startswith("bidi") else _IDNA_RULES.get(code)
    text = str(exc) if len(str(exc)) <= _SHOWN else str(exc)[:_SHOWN] + "..."
    return "%s; %s" % (text, rule) if rule else text


def _idna_refused(exc: Exception, label: str, value: str, option: str) -> OptionError:
    codepoint = getattr(exc, "codepoint", None)
    if getattr(exc, "code", None) == "disallowed_codepoint" and codepoint is not None:
        return _characters_refused(value, option, [chr(codepoint)])
    return OptionError("%s %s is not a valid internationalised DNS name: the label %s cannot be written in "
                       "IDNA 2008 (%s)" % (option, _shown(value), _shown(label), _reason(exc)))


def _bidi_name(labels: list[str], value: str, option: str) -> None:
    """RFC 5893 section 2 (UTS #46 4.1, CheckBidi): in a name with a right-to-left label (one
    with an R, AL or AN character), every label keeps the bidi rule, its ASCII labels too.
    idna checks one label at a time, so not this."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for label in labels for c in label):
        return
    for label in labels:
        try:
            if label:
                idna.check_bidi(label, check_ltr=True)
        except idna.IDNAError as exc:
            raise OptionError("%s %s is not a valid internationalised DNS name: the label %s breaks the bidi rule "
                              "every label of a name with right-to-left labels keeps (%s)"
                              % (option, _shown(value), _shown(label), _reason(exc))) from None


def _no_deviation(label: str, mapped: str, a_label: str, value: str, option: str) -> None:
    """Refuse a label that IDNA 2008 and IDNA 2003 (Windows) write differently (_DEVIATIONS)."""
    found = sorted({c for c in label if set(_remap(c)) & set(_DEVIATIONS)})
    if not found:
        return
    transitional = unicodedata.normalize("NFC", "".join(_DEVIATIONS.get(c, c) for c in mapped))
    try:
        old = _shown(idna.alabel(transitional).decode("ascii")) + " under IDNA 2003 (Windows)"
    except idna.IDNAError:
        old = "nothing valid under IDNA 2003 (Windows)"
    raise OptionError("%s %s contains %s, which the two IDNA standards encode differently: give that label "
                      "in its A-label form (xn--...) as your DNS server lists it, or in ASCII: %s under IDNA 2008 "
                      "(browsers, DNS registries), %s"
                      % (option, _shown(value), ", ".join(repr(c) for c in found), _shown(a_label), old))


def _script(char: str) -> str | None:
    """The script of a character of a DNS label; None for ASCII digits, hyphen and underscore,
    combining marks (they take their letter's), the marks Japanese shares between its scripts,
    and what is neither letter nor digit: the joiners and the punctuation IDNA 2008 allows in
    context (CONTEXTJ, CONTEXTO: Catalan's middle dot, the Greek keraia, the Hebrew geresh)."""
    if (char.isascii() and not char.isalpha()) or unicodedata.category(char)[0] not in "LN":
        return None
    word = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_WORDS[word] if word in _SCRIPT_WORDS else word.title()


def _one_script(label: str, value: str, option: str) -> None:
    """Refuse a label that mixes scripts (Latin a with Cyrillic а): one name passing for another."""
    scripts = {s for s in map(_script, label) if s}
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_MIXES):
        raise OptionError("%s %s mixes %s letters in the label %s, as names made to pass for others do: write "
                          "each label in one script (Latin may go with Chinese, Japanese or Korean)"
                          % (option, _shown(value), " and ".join(sorted(scripts)), _shown(label)))


def whole_number(value: Any, option: str, rule: tuple[int, int | None, str, str] = (0, None, "a whole number", "")
                 ) -> int:
    """The one rule for every whole-number option: an integer (not a bool), or text of 1 to 10
    ASCII digits and nothing else (no sign, space, exponent, underscore, decimal point or
    other script's digits), from ``minimum`` to ``maximum`` (None: no upper bound); ``rule``
    is (minimum, maximum, what the number is, why the bounds), as in WHOLE_NUMBERS."""
    minimum, maximum, what, why = rule
    number = int(value) if isinstance(value, str) and _WHOLE_TEXT.fullmatch(value) else value
    if (isinstance(number, bool) or not isinstance(number, int) or number < minimum
            or (maximum is not None and number > maximum)):
        bounds = "of %d or more" % minimum
        if maximum is not None:
            bounds = "from %d to %d" % (minimum, maximum)
        raise OptionError("%s must be %s %s%s, as a whole number or ASCII digits; got %s"
                          % (option, what, bounds, why, _given(value)))
    return int(number)


def tcp_port(value: int | str, option: str = "kms_port") -> int:
    """A TCP port number, 1-65535, given as an integer or as ASCII digits."""
    return whole_number(value, option, WHOLE_NUMBERS["kms_port"])


def timeout_seconds(value: float | int | str, option: str = "connect_timeout", maximum: float = 300,
                    minimum: float = MIN_CONNECT_TIMEOUT) -> float:
    """A number of seconds from ``minimum`` to ``maximum``, given as a number or as ASCII
    digits with an optional decimal point. Returned in whole milliseconds, as the host is
    sent it (a ``timeout_ms``)."""
    number = float(value) if isinstance(value, str) and _SECONDS_TEXT.fullmatch(value) else value
    seconds = None
    if not isinstance(number, bool) and isinstance(number, (int, float)) and -1e9 < number < 1e9:
        seconds = round(number * 1000) / 1000  # NaN fails the comparison above
    if seconds is None or not minimum <= seconds <= maximum:
        raise OptionError("%s must be a number of seconds from %s to %s (whole milliseconds), as a number or "
                          "ASCII digits with an optional decimal point, like 5 or 2.5; got %s"
                          % (option, minimum, maximum, _given(value)))
    return seconds


def products(entries: list[str] | None) -> list[str] | None:
    """Each entry is an Office volume family (ProPlus2024Volume) or a SKU ID."""
    for entry in entries or []:
        # fullmatch: "$" alone would let a trailing newline through.
        if not isinstance(entry, str) or not (_FAMILY.fullmatch(entry) or _GUID.fullmatch(entry)):
            raise OptionError(
                "products: %r is not an Office volume product family (such as ProPlus2024Volume, "
                "VisioPro2024Volume, ProjectPro2021Volume) or a SKU ID (a GUID)" % (entry,)
            )
    return entries


def product_key(value: str | None, option: str = "product_key") -> str | None:
    """``auto``, or a product key in the 5x5 form; returned upper-case."""
    if value is None or value == "auto":
        return value
    key = value.strip()
    # isascii() first: str.upper() turns some other letters into ASCII ones (long s into S).
    if not (key.isascii() and gvlk.KEY_FORMAT.match(key.upper())):
        raise OptionError(
            "%s must be 'auto' or a product key of five groups of five letters and digits "
            "separated by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX); the value given is not "
            "(it ends in %r)" % (option, key[-5:])
        )
    return key.upper()


def is_guid(value: str) -> bool:
    return bool(_GUID.fullmatch(value))
