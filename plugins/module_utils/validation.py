# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on option values, done on the controller before anything reaches a host.

Each check returns the value to use or raises ValueError with a message that says what is
wrong and what a valid value looks like.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_SHOWN = 80  # characters of a rejected value shown back in an error message

HOST_EXAMPLE = "a DNS name such as kms.example.edu or an IP address such as 192.0.2.10 or 2001:db8::10"


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def kms_host(value: str, option: str = "kms_host") -> str:
    """A KMS host given as a DNS name (internationalised names allowed), IPv4 or IPv6 address.

    The value is returned unchanged (an IPv6 literal loses its brackets): what the operator
    typed is what the host is asked to contact.
    """
    if not isinstance(value, str) or not value:
        raise ValueError("%s must be %s; got an empty value" % (option, HOST_EXAMPLE))
    candidate = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        pass
    else:
        # An IPv6 zone (fe80::1%12) is an interface index or name on Windows, nothing else.
        zone = candidate.partition("%")[2]
        if "%" in candidate and not (zone.isascii() and zone.replace("-", "").replace("_", "").isalnum()):
            raise ValueError("%s %s is not %s: the IPv6 zone %s must be an interface number or name"
                             % (option, _shown(value), HOST_EXAMPLE, _shown(zone)))
        return candidate
    bad = sorted({c for c in value if not (c.isalnum() or c in ".-_")})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise ValueError("%s %s is not %s: it contains %s" % (option, _shown(value), HOST_EXAMPLE, shown))
    try:
        ascii_name = value.encode("idna").decode("ascii") if not value.isascii() else value
    except UnicodeError:
        raise ValueError("%s %s is not a valid internationalised DNS name (IDNA)" % (option, _shown(value))) from None
    name = ascii_name[:-1] if ascii_name.endswith(".") else ascii_name
    if name.rsplit(".", 1)[-1].isdigit():
        # Neither an IPv4 address nor a host name (RFC 1123 2.1): Windows would read it as
        # an address (010.0.0.1 is 8.0.0.1), not as the name the operator meant.
        raise ValueError("%s %s is not %s: it looks like an IPv4 address but is not a valid one"
                         % (option, _shown(value), HOST_EXAMPLE))
    if len(name) > 253:
        raise ValueError("%s %s is longer than the 253 characters a DNS name may have" % (option, _shown(value)))
    for label in name.split("."):
        if not _LABEL.match(label):
            raise ValueError(
                "%s %s is not %s: the label %s must be 1-63 letters, digits or hyphens, "
                "not starting or ending with a hyphen" % (option, _shown(value), HOST_EXAMPLE, _shown(label))
            )
    return value


def tcp_port(value: int, option: str = "kms_port") -> int:
    """A TCP port number, 1-65535."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError("%s must be a TCP port number from 1 to 65535; got %r" % (option, value))
    return value


def timeout_seconds(value: float, option: str = "connect_timeout", maximum: float = 300) -> float:
    """A positive number of seconds, at most ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= maximum:
        raise ValueError("%s must be a number of seconds above 0 and at most %s; got %r" % (option, maximum, value))
    return value
