# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The host's own evidence, read in the same call as its products: the KMS exchanges its
licensing events record, and what its DNS publishes for KMS. Pure functions, no I/O.

Events (docs/licensing-facts.md §10.2, Microsoft's Volume Activation Technical Reference, Table 11,
and "Guidelines for troubleshooting KMS"): a KMS client logs, in the Application log,

* **12288** when it sends an activation request. Fields in order: HRESULT, status flags,
  Server:Port, CMID, client time, VM info, licensing status, time to expiration, ActID (the
  product's Activation ID), N-policy (the count the client needs from the KMS host);
* **12289** when it has processed the KMS host's answer. Fields in order: HRESULT, status
  flags, fBound (1 activated, 0 not), unused, count (the KMS host's current count),
  activation interval, renewal interval, client time.

"If you see only event ID 12288 without a corresponding event ID 12289", the KMS host was not
reached or did not answer. Provider Microsoft-Windows-Security-SPP (Windows 7 and later);
for osppsvc (Office on Windows 7, Office 2010) the event source "Office Software Protection
Platform Service" and the same IDs are UNCONFIRMED (third-party sources only).

A KMS host logs **12290** for each request it processed, in its own "Key Management Service" log
(docs/licensing-facts.md §12.8; kms_requests below), read by log name and event ID.

Parsed defensively: Microsoft's example shows the fields as one comma-separated "Info" text;
whether Windows stores them as one insertion string or several is UNCONFIRMED, so the
strings are joined and split at commas either way, and a field that does not parse is None.
That a 12289 answers the 12288 logged just before it by the same provider (12289 carries no
ActID) is our reading of the troubleshooting guide, not a documented rule.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, hresult
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import as_list
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.i18n import N_

SPP_PROVIDER = "Microsoft-Windows-Security-SPP"
OSPP_PROVIDER = "Office Software Protection Platform Service"
KMS_REQUEST = 12288
KMS_RESPONSE = 12289
EVENT_IDS = (KMS_REQUEST, KMS_RESPONSE)
KMS_HOST_REQUEST = 12290  # a KMS host's record of a request it processed (docs/licensing-facts.md §12.8)
# Newest events read per provider: about 20 exchanges, enough for the last weeks of renewals
# of Windows and several Office products, and a bounded reply.
NEWEST_EVENTS = 40
SRV_NAME = "_vlmcs._tcp"  # docs/licensing-facts.md §7.1
# What "no KMS host published" looks like (docs/licensing-facts.md §10.3): the name does not exist,
# or it exists without SRV records (DNS_INFO_NO_RECORDS, 9501).
NOT_PUBLISHED = (0x8007232B, 0x8007251D)


def _fields(event: dict[str, Any]) -> list[str]:
    text = ",".join(str(d) for d in as_list(event.get("data")) if d is not None)
    return [part.strip() for part in text.split(",")] if text else []


def _field(fields: list[str], index: int) -> str | None:
    return fields[index] if index < len(fields) and fields[index] != "" else None


def _number(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def split_server(text: str | None) -> tuple[str | None, int | None]:
    """"kms.campus.example:1688" or "[2001:db8::10]:1688" to (host, port)."""
    if not text:
        return None, None
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or (":" in host and not host.startswith("[")):
        return text, None  # no port, or a bare IPv6 address
    return host.strip("[]"), int(port)


def _request(event: dict[str, Any]) -> dict[str, Any]:
    fields = _fields(event)
    host, port = split_server(_field(fields, 2))
    return {
        "time": event.get("time_created"),
        "provider": event.get("provider"),
        "kms_host": host,
        "kms_port": port,
        "activation_id": (_field(fields, 8) or "").strip("{}").lower() or None,
        "required_count": _number(_field(fields, 9)),
        "answered": False,
        "hresult": None,
        "error_name": None,
        "activated": None,
        "kms_count": None,
    }


def _answer(exchange: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    fields = _fields(event)
    code = hostops.code(_field(fields, 0))
    bound = _field(fields, 2)
    exchange.update(
        answered=True,
        answered_at=event.get("time_created"),
        hresult=hresult.to_hex(code),
        error_name=hresult.name_of(code) if code else None,
        activated=bound == "1" if bound in ("0", "1") else None,
        kms_count=_number(_field(fields, 4)),
    )
    return exchange


def exchanges(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The KMS exchanges the events record, newest first: each request (12288) with the
    answer (12289) that followed it from the same provider, or ``answered: false``."""
    done: list[dict[str, Any]] = []
    pending: dict[str, dict[str, Any]] = {}
    ordered = sorted((e for e in events if isinstance(e, dict)),
                     key=lambda e: (str(e.get("time_created") or ""), _number(str(e.get("record_id"))) or 0))
    for event in ordered:
        provider = str(event.get("provider") or "")
        if event.get("id") == KMS_REQUEST:
            if provider in pending:
                done.append(pending.pop(provider))
            pending[provider] = _request(event)
        elif event.get("id") == KMS_RESPONSE and provider in pending:
            done.append(_answer(pending.pop(provider), event))
    done += pending.values()
    return sorted(done, key=lambda x: str(x.get("time") or ""), reverse=True)


def last_exchange(found: list[dict[str, Any]], sku_id: str | None) -> dict[str, Any] | None:
    """The newest exchange about this product (by its Activation ID)."""
    return next((x for x in found if sku_id and x.get("activation_id") == sku_id.lower()), None)


def kms_requests(events: list[Any]) -> list[dict[str, Any]]:
    """The requests a KMS host processed, newest first: its event 12290, one per request, in its
    own "Key Management Service" log (docs/licensing-facts.md §12.8, VA2-OPS). Fields in order:
    HRESULT, N-policy (the count the client's product needs, not the host's count), the client's
    FQDN, its CMID, the client's time, VM info (1: a virtual machine), the client's licensing
    status (a LicenseStatus code, docs/licensing-facts.md §2.1), minutes to expiration in that
    status, and the client's Activation ID. Parsed as the client events are (one Info text or one
    string per field, UNCONFIRMED); a field that does not parse is None."""
    found = []
    for event in as_list(events):
        if not isinstance(event, dict) or event.get("id") != KMS_HOST_REQUEST:
            continue
        fields = _fields(event)
        code = hostops.code(_field(fields, 0))
        found.append({
            "time": event.get("time_created"),
            "hresult": hresult.to_hex(code),
            "error_name": hresult.name_of(code) if code else None,
            "required_count": _number(_field(fields, 1)),
            "client": _field(fields, 2),
            "cmid": (_field(fields, 3) or "").strip("{}").lower() or None,
            "client_time": _field(fields, 4),
            "virtual_machine": {"1": True, "0": False}.get(_field(fields, 5) or ""),
            "license_status": _number(_field(fields, 6)),
            "minutes_to_expiration": _number(_field(fields, 7)),
            "activation_id": (_field(fields, 8) or "").strip("{}").lower() or None,
        })
    return sorted(found, key=lambda x: str(x.get("time") or ""), reverse=True)


# What an unanswered request means when the host did open a TCP connection to the KMS host:
# the port listens, the KMS service behind it does not answer (docs/licensing-facts.md §10.2: 12288
# without 12289).
SILENT_KMS_HOST = N_("the KMS host accepted the TCP connection but did not answer the activation request: check on "
                     "the KMS host that the Software Protection service is running and that it is a KMS host (slmgr "
                     "/dlv shows its KMS host key installed and activated), and that nothing in between (a proxy, or "
                     "a firewall or IPS that inspects RPC traffic) drops the request")


def describe(exchange: dict[str, Any], application: str = "office") -> str:
    """One exchange in words, e.g. "last KMS exchange 2026-11-30 10:02 with
    kms.campus.example:1688: 0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT, the KMS host counts 3
    clients and activates Office from 5"."""
    when = str(exchange.get("time") or "at an unknown time").replace("T", " ")[:16]
    where = exchange.get("kms_host") or "an unknown KMS host"
    if exchange.get("kms_port"):
        where = "%s:%d" % ("[%s]" % where if ":" in where else where, exchange["kms_port"])
    if not exchange.get("answered"):
        return ("last KMS request %s to %s got no answer (event 12288 without 12289: the KMS host was not "
                "reached or did not answer)" % (when, where))
    count = exchange.get("kms_count")
    counted = "the KMS host counts %d clients" % count if count is not None else "the KMS host sent no count"
    if exchange.get("required_count") is not None:
        counted += " and activates %s from %d" % ("Windows" if application == "windows" else "Office",
                                                  exchange["required_count"])
    outcome = "activated" if exchange.get("activated") else " ".join(
        x for x in (exchange.get("hresult"), exchange.get("error_name")) if x) or "not activated"
    return "last KMS exchange %s with %s: %s, %s" % (when, where, outcome, counted)


def discovery(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the host's DNS publishes under _vlmcs._tcp (the dns_srv operation's data):
    ``status`` ``published`` / ``not_published`` / ``failed`` (the lookup itself failed) /
    ``unknown`` (the host has no Resolve-DnsName, e.g. Windows 7); ``query`` the name that
    answered (or the last one asked), ``tried`` the names asked before it without an answer,
    in the order a KMS client asks them (its lookup domain, else its DNS suffixes)."""
    if not data:
        return None
    found = {"query": data.get("query"), "status": "published", "records": [], "error_code": None,
             "error_name": None, "error": None,
             "tried": [{"query": t.get("query"), "error_code": hresult.to_hex(hostops.code(t.get("hresult"))),
                        "error": t.get("error")} for t in as_list(data.get("tried")) if isinstance(t, dict)]}
    if data.get("available") is False:
        found.update(status="unknown", error="Resolve-DnsName is not available on this host (it needs Windows 8 / "
                                             "Server 2012 or later): whether DNS publishes a KMS host is unknown")
        return found
    code = hostops.code(data.get("hresult"))
    for record in as_list(data.get("records")):
        reach = record.get("reach") or None
        found["records"].append({
            "kms_host": record.get("target"), "kms_port": record.get("port"),
            "priority": record.get("priority"), "weight": record.get("weight"),
            "reachable": bool(reach.get("reachable")) if reach else None,
            "error": (reach.get("error") or "no answer") if reach and not reach.get("reachable") else None,
        })
    if not found["records"]:
        found.update(status="not_published" if code in NOT_PUBLISHED or code is None else "failed",
                     error_code=hresult.to_hex(code), error_name=hresult.name_of(code),
                     error=data.get("error") or "no SRV record")
    return found


def dns_sentence(found: dict[str, Any]) -> str:
    """Why DNS gives no usable KMS host, in words."""
    query = found.get("query") or SRV_NAME
    if found["status"] == "not_published":
        asked = [t["query"] for t in found.get("tried") or [] if t.get("query")] + [query]
        return "no KMS host is published in DNS (%s: %s)" % (
            ", ".join(asked), found.get("error") or "no record")
    if found["status"] == "failed":
        return "the DNS lookup of %s failed (%s)" % (query, found.get("error"))
    targets = ", ".join("%s:%s (%s)" % (r["kms_host"], r["kms_port"], r.get("error") or "no answer")
                        for r in found["records"])
    return "DNS publishes %s, but none of them accepts a TCP connection from the host" % targets
