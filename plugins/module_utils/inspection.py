# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inspect step shared by office_kms_info and office_kms: one remote call, then the raw
values turned into the documented return values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.module_utils import licensing, remote, validation

INSPECT_SCRIPT = "office_kms_inspect"


class InspectError(Exception):
    """The host could not be inspected; the message is written for operators."""

    def __init__(self, message: str, step: str, code: int | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.code = code


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
    when ``kms_host`` is given, whether the host can open a TCP connection to it."""
    params = {
        "include_windows": include_windows,
        "kms_host": validation.kms_host(kms_host) if kms_host else None,
        "kms_port": kms_port,
        "connect_timeout_ms": round(connect_timeout * 1000),
    }
    try:
        doc = remote.run_script(execute, INSPECT_SCRIPT, params)
    except remote.RemoteError as exc:
        raise InspectError("could not read the licensing state: %s" % exc, step="inspect") from None
    now = datetime.now(timezone.utc)
    if not doc.get("ok"):
        code = doc.get("hresult")
        raise InspectError(
            "could not %s: %s" % (doc.get("step") or "inspect the host", doc.get("error") or "unknown error"),
            step=doc.get("step") or "inspect",
            code=int(code, 16) if isinstance(code, str) and code.lower().startswith("0x") else None,
        )
    return {
        "products": licensing.products(doc),
        "host": licensing.host_facts(doc, now),
        "office": licensing.office_installs(doc),
        "kms_reachability": licensing.reachability(doc, kms_host, kms_port, connect_timeout),
    }
