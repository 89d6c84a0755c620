# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inspect step shared by office_kms_info and office_kms: one remote call, then the raw
values turned into the documented return values."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.module_utils import licensing, remote, validation

INSPECT_SCRIPT = "office_kms_inspect"


def failure(host: str, exc: remote.RemoteError) -> dict[str, Any]:
    """The failed result of a host that could not be inspected: nothing was changed on it."""
    return exc.result("Failed to inspect %s" % host)


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


def check_options(kms_host: str | None, kms_port: int, connect_timeout: float) -> None:
    """Validate the connection options every task shares; raises ValueError."""
    if kms_host is not None:
        validation.kms_host(kms_host)
    validation.tcp_port(kms_port)
    validation.timeout_seconds(connect_timeout)


def inspect_host(
    execute: Callable[..., dict[str, Any]],
    kms_host: str | None,
    kms_port: int,
    connect_timeout: float,
    include_windows: bool,
) -> dict[str, Any]:
    """Run the inspect script once and return products, host facts, Office installs and,
    when ``kms_host`` is given, whether the host can open a TCP connection to it. Raises
    remote.RemoteError when the host cannot be inspected."""
    params = {
        "include_windows": include_windows,
        "kms_host": validation.kms_host(kms_host) if kms_host else None,
        "kms_port": kms_port,
        "connect_timeout_ms": round(connect_timeout * 1000),
    }
    doc = remote.run_script(execute, INSPECT_SCRIPT, params)
    now = datetime.now(timezone.utc)
    return {
        "products": licensing.products(doc),
        "host": licensing.host_facts(doc, now),
        "office": licensing.office_installs(doc),
        "kms_reachability": licensing.reachability(doc, kms_host, kms_port, connect_timeout),
    }
