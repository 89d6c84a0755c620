r"""The event logs of a simulated host: the licensing events a KMS client writes (Application log)
and those a KMS host writes (its Key Management Service log, and the Application log).

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
- §12.8, the KMS host: 12290 "An activation request has been processed.%nInfo:%n%1" for every
  request it processes, in Applications and Services Logs > Key Management Service (TN-EVENTS);
  the Info fields in order: HRESULT, N-policy (the client's minimum count needed), client FQDN,
  CMID, client time, VM info, licensing status, time to expiration, Activation ID (VA2-OPS). Like
  12288 and 12289 the lab writes them as one comma-separated insertion string (UNCONFIRMED there
  too). 12294 "Publishing the Key Management Service (KMS) to DNS in the '%1' domain is
  successful." in the Application log. Which provider writes them today is UNCONFIRMED (§12.8 there:
  TN-EVENTS names Microsoft-Windows-Security-Licensing-SLC, a third-party catalogue
  Microsoft-Windows-Security-SPP writing to "Application" and "Key Management Service"): the lab
  writes them as Microsoft-Windows-Security-SPP; read them by log name and event ID.
Each log numbers its own records (EventRecord.RecordId). The lab writes the values it knows
(status flags 0x0, VM info 0); Windows' own status flag bits are not documented.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

SPP_PROVIDER = "Microsoft-Windows-Security-SPP"
OSPP_PROVIDER = "Office Software Protection Platform Service"
KMS_REQUEST = 12288
KMS_RESPONSE = 12289
KMS_HOST_REQUEST = 12290
DNS_PUBLISHED = 12294
APPLICATION = "Application"
KMS_LOG = "Key Management Service"
LOGS = (APPLICATION, KMS_LOG)  # the logs the lab's Windows has (others are not emulated)
PROVIDERS = (SPP_PROVIDER, OSPP_PROVIDER)
# Who writes for which licensing class (osppsvc for its own products, docs/licensing-facts.md §1.1).
PROVIDER_OF = {"SoftwareLicensingProduct": SPP_PROVIDER, "OfficeSoftwareProtectionProduct": OSPP_PROVIDER}


def _hex(code: int | None) -> str:
    return "0x%X" % ((code or 0) & 0xFFFFFFFF)


def client_time(now: datetime) -> str:
    return now.strftime("%Y/%m/%d %H:%M")


def log_of(event: dict[str, Any]) -> str:
    return event.get("log") or APPLICATION


class EventLog:
    """The host's event logs, every event oldest first (``events`` is HostState.events; an
    event without a ``log`` is in the Application log)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def write(self, provider: str, event_id: int, data: list[str], now: datetime, log: str = APPLICATION) -> None:
        record = 1 + max((e["record_id"] for e in self.events if log_of(e) == log), default=0)
        self.events.append({"id": event_id, "record_id": record, "provider": provider, "log": log,
                            "time_created": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": list(data)})

    def select(self, providers: list[str] | None, ids: list[int] | None,
               logs: list[str] | None = None) -> list[dict[str, Any]]:
        """Get-WinEvent's order: newest first, of the given logs, providers and IDs (None: any)."""
        wanted = None if providers is None else {p.lower() for p in providers}
        in_logs = None if not logs else {log.lower() for log in logs}
        return [dict(e) for e in reversed(self.events)
                if (wanted is None or e["provider"].lower() in wanted) and (ids is None or e["id"] in ids)
                and (in_logs is None or log_of(e).lower() in in_logs)]

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

    def kms_host_request(self, hresult: int | None, *, required: int, fqdn: str, cmid: str, sent: datetime,
                         license_status: int, time_to_expiration: int, activation_id: str, now: datetime) -> None:
        """12290, on the KMS host (docs/licensing-facts.md §12.8); ``sent`` is the client's time."""
        info = [_hex(hresult), str(required), fqdn, cmid, client_time(sent), "0", str(license_status),
                str(time_to_expiration), activation_id]
        self.write(SPP_PROVIDER, KMS_HOST_REQUEST, [", ".join(info)], now, log=KMS_LOG)

    def dns_published(self, domain: str, *, now: datetime) -> None:
        """12294, on the KMS host: its SRV record is in DNS (docs/licensing-facts.md §12.8)."""
        self.write(SPP_PROVIDER, DNS_PUBLISHED, [domain], now)
