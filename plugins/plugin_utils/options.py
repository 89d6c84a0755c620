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
import encodings.idna
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, licensing, requirements

STATES = ("activated", "configured", "absent")
# What a task manages (the applications option): Office's products, Windows itself, or both.
APPLICATIONS = ("office", "windows")
REQUIREMENT_CHECKS = ("enforce", "strict", "warn", "skip")  # strict: enforce, and fail on unknown facts
# office_kms option -> requirements.check_overrides key
REQUIREMENT_OPTIONS = {"min_cpu_mhz": "cpu_mhz", "min_cpu_cores": "cpu_cores", "min_memory_mb": "memory_mb",
                       "min_free_disk_mb": "free_disk_mb", "min_os_version": "min_os_version"}
KMS_VALIDITY_DAYS = 180  # facts §2.3
DEFAULT_EXPIRING_DAYS = 30  # office_kms_report
DEFAULT_MAX_CLOCK_SKEW_SECONDS = 3600  # office_kms_report
HOST_EXAMPLE = "a DNS name such as kms.example.edu or an IP address such as 192.0.2.10 or 2001:db8::10"
_SHOWN = 80  # characters of a rejected value shown back in an error message
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
# Letters that IDNA 2003 (Python's codec) and IDNA 2008 (Windows, DNS registries) encode
# differently (UTS #46 deviations): the A-label sent could name another host.
_IDNA_DEVIATIONS = "\u00df\u1e9e\u03c2"  # sharp s, capital sharp s, final sigma
# Scripts one label may mix (UTS #39 "highly restrictive"): Latin with the scripts written
# together in Japanese, Chinese or Korean. Any other mix is how a name passes for another.
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
    "office_kms_report": {
        "results": {"type": "dict", "required": True},
        "hosts": {"type": "list", "elements": "str"},
        "dest": {"type": "path"},
        "expiring_days": {"type": "int", "default": DEFAULT_EXPIRING_DAYS},
        "max_clock_skew_seconds": {"type": "int", "default": DEFAULT_MAX_CLOCK_SKEW_SECONDS},
        "kms_host": {"type": "str"},
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
}
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


def used(values: dict[str, Any] | Desired) -> dict[str, Any]:
    """kms_host, kms_port and connect_timeout as checked, which is what the host was sent: the
    modules return them."""
    if isinstance(values, Desired):
        return {name: getattr(values, name) for name in CONNECTION}
    return {name: values[name] for name in CONNECTION}


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


def office_kms_report(args: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    """office_kms_report's options (``given``: the task's arguments as written, see numbers)."""
    args = dict(args, **numbers("office_kms_report", given))
    for option in ("expiring_days", "max_clock_skew_seconds"):
        args[option] = whole_number(args[option], option, WHOLE_NUMBERS[option])
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
    licensing service bracketed, as slmgr.vbs does (facts §11.1). A DNS name is returned in its
    ASCII form: ASCII labels as given, other
    labels as IDNA A-labels (xn--...). Compatibility characters (full-width letters and
    digits, ligatures, circled digits: what NFKC changes) are refused, not mapped, with the
    form to write instead; so is a label that mixes scripts.
    """
    if not isinstance(value, str) or not value:
        raise OptionError("%s must be %s; got an empty value" % (option, HOST_EXAMPLE))
    candidate = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        pass
    else:
        # An IPv6 zone (fe80::1%12) is an interface index or name on Windows, nothing else.
        zone = candidate.partition("%")[2]
        if "%" in candidate and not (zone.isascii() and zone.replace("-", "").replace("_", "").isalnum()):
            raise OptionError("%s %s is not %s: the IPv6 zone %s must be an interface number or name"
                              % (option, _shown(value), HOST_EXAMPLE, _shown(zone)))
        return str(ipaddress.ip_address(candidate))  # canonical: lower case, compressed
    standard = unicodedata.normalize("NFKC", value)
    if standard != value:
        odd = sorted({c for c in value if unicodedata.normalize("NFKC", c) != c})
        instead = "; write it as %s" % _shown(standard) if all(c.isalnum() or c in ".-_" for c in standard) else ""
        raise OptionError("%s %s is not %s: it contains compatibility characters (%s) that a DNS name does not "
                          "use%s" % (option, _shown(value), HOST_EXAMPLE, ", ".join(repr(c) for c in odd[:5]), instead))
    bad = sorted({c for c in value if not (c.isalnum() or c in ".-_")})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise OptionError("%s %s is not %s: it contains %s" % (option, _shown(value), HOST_EXAMPLE, shown))
    deviations = sorted({c for c in value if c in _IDNA_DEVIATIONS})
    if deviations:
        raise OptionError("%s %s contains %s, which the two IDNA standards encode differently: give that label "
                          "in its A-label form (xn--...) as your DNS server lists it"
                          % (option, _shown(value), ", ".join(repr(c) for c in deviations)))
    ascii_name = ".".join(_a_label(label, value, option) for label in value.split("."))
    name = ascii_name[:-1] if ascii_name.endswith(".") else ascii_name
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


def _a_label(label: str, value: str, option: str) -> str:
    """One label of a DNS name in its ASCII form, after checking its scripts: an ASCII label as
    given (an A-label must decode), any other as its IDNA A-label."""
    if label.isascii():
        if label[:4].lower() == "xn--":
            try:
                unicode = label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                unicode = ""
            # What a label may hold once IDNA 2003 has encoded it: letters, digits, hyphens and
            # underscores, and the combining marks it may leave (İ is i and a dot above).
            if unicode.isascii() or not all(unicodedata.category(c)[0] in "LNM" or c in "-_" for c in unicode):
                raise OptionError("%s %s is not %s: the label %s is not a valid IDNA A-label (xn--...)"
                                  % (option, _shown(value), HOST_EXAMPLE, _shown(label)))
            _one_script(unicode, value, option)
        return label
    _one_script(label, value, option)
    # Python's IDNA 2003 codec maps with Unicode 3.2's tables: a later letter would be encoded
    # unmapped (not lower-cased), unlike the name a DNS server lists.
    newer = sorted({c for c in label if unicodedata.ucd_3_2_0.category(c) == "Cn"})
    if newer:
        raise OptionError("%s %s contains %s, newer than the IDNA tables Python encodes with (Unicode 3.2): "
                          "give the label %s in its A-label form (xn--...) as your DNS server lists it"
                          % (option, _shown(value), ", ".join(repr(c) for c in newer[:5]), _shown(label)))
    try:
        return encodings.idna.ToASCII(label).decode("ascii")
    except UnicodeError as exc:
        raise OptionError("%s %s is not a valid internationalised DNS name: the label %s cannot be written in "
                          "IDNA (%s)" % (option, _shown(value), _shown(label), exc)) from None


def _script(char: str) -> str | None:
    """The script of a character of a DNS label; None for ASCII digits, hyphen and underscore,
    combining marks (they take their letter's) and the marks Japanese shares between its scripts."""
    if (char.isascii() and not char.isalpha()) or unicodedata.category(char).startswith("M"):
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
