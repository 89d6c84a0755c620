"""The Application event log of a simulated host: the licensing events a KMS client writes.

Sources (sections of docs/licensing-facts.md):
- §10.2: a KMS client logs event 12288 when it sends an activation request and 12289 when
  it has processed the KMS host's answer, both in the Application log; 12288 alone means the
  KMS host was not reached or did not answer. Provider Microsoft-Windows-Security-SPP (event
  source "Software Protection Platform Service"); osppsvc's source "Office Software
  Protection Platform Service" is UNCONFIRMED (third-party sources only).
- §10.2, Table 11 of Microsoft's Volume Activation reference, for the fields, in order:
  12288: HRESULT, status flags, Server:Port, CMID, client time, VM info, licensing status,
  time to expiration, ActID, N-policy; 12289: HRESULT, status flags, fBound (activated),
  unused, count (the KMS host's current count), activation interval, renewal interval,
  client time. The example "0x0, 0x4000008, 0, 0, 4, 120, 10080, ..." shows them as one
  comma-separated Info text: the lab writes them as one insertion string so. Whether Windows
  splits them into several insertion strings is UNCONFIRMED; the executor returns whatever
  strings the event has.
The lab writes the values it knows (status flags 0x0, VM info 0); Windows' own status flag
bits are not documented.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

SPP_PROVIDER = "Microsoft-Windows-Security-SPP"
OSPP_PROVIDER = "Office Software Protection Platform Service"
KMS_REQUEST = 12288
KMS_RESPONSE = 12289
PROVIDERS = (SPP_PROVIDER, OSPP_PROVIDER)
# Who writes for which licensing class (osppsvc for its own products, docs/licensing-facts.md §1.1).
PROVIDER_OF = {"SoftwareLicensingProduct": SPP_PROVIDER, "OfficeSoftwareProtectionProduct": OSPP_PROVIDER}


def _hex(code: int | None) -> str:
    return "0x%X" % ((code or 0) & 0xFFFFFFFF)


def client_time(now: datetime) -> str:
    return now.strftime("%Y/%m/%d %H:%M")


class EventLog:
    """The host's Application log, oldest first (``events`` is HostState.events)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def write(self, provider: str, event_id: int, data: list[str], now: datetime) -> None:
        record = (self.events[-1]["record_id"] + 1) if self.events else 1
        self.events.append({"id": event_id, "record_id": record, "provider": provider,
                            "time_created": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": list(data)})

    def select(self, providers: list[str] | None, ids: list[int] | None) -> list[dict[str, Any]]:
        """Get-WinEvent's order: newest first, of the given providers and IDs (None: any)."""
        wanted = None if providers is None else {p.lower() for p in providers}
        return [dict(e) for e in reversed(self.events)
                if (wanted is None or e["provider"].lower() in wanted) and (ids is None or e["id"] in ids)]

    def kms_request(self, cim_class: str, product: dict[str, Any], server: str, *, cmid: str | None,
                    required: int, now: datetime) -> None:
        info = [_hex(0), _hex(0), server, cmid or "", client_time(now), "0", str(product.get("LicenseStatus") or 0),
                str(product.get("GracePeriodRemaining") or 0), product["ID"], str(required)]
        self.write(PROVIDER_OF[cim_class], KMS_REQUEST, [", ".join(info)], now)

    def kms_response(self, cim_class: str, hresult: int | None, *, activated: bool, count: int, now: datetime,
                     intervals: tuple[int, int] = (120, 10080)) -> None:
        info = [_hex(hresult), _hex(0), "1" if activated else "0", "0", str(count), str(intervals[0]),
                str(intervals[1]), client_time(now)]
        self.write(PROVIDER_OF[cim_class], KMS_RESPONSE, [", ".join(info)], now)
