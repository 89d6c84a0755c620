# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The fleet report: what the registered office_kms_info results of a whole play say.

Pure functions, no I/O, no Ansible imports: classify each host into exactly one outcome,
find what needs attention across hosts (flags), and render the JSON document, the CSV table
and the self-contained HTML page. docs/report.md documents the schema these produce.

Every word a reader sees is in the document's ``language`` (i18n.py: English, or Traditional
Chinese from the gettext catalog), and every reason is composed here from the results'
structured fields (outcome, HRESULT, transport failure, licence status, the last KMS exchange,
flags), never from a module's English ``msg``, which stays in ``message`` as the detail. The
JSON keys, the CSV columns and the codes (``outcome``, ``error_code``, flag names) do not change
with the language.

Licensing facts are cited by their section in docs/licensing-facts.md.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import evidence, hostops, hresult, i18n, licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.i18n import N_
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import (
    DEFAULT_EXPIRING_DAYS,
    DEFAULT_MAX_CLOCK_SKEW_SECONDS,
    KMS_VALIDITY_DAYS,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.words import (
    Translator,
    error_words,
    hint_words,
    translator_of,
    transport_words,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.words import sentence as _sentence

# Bump when a key of the JSON document is renamed, removed or changes meaning; adding a key
# keeps the number.
SCHEMA = 1

# One per host, first match wins (see classify()).
OUTCOMES = ("activated", "expiring", "not_activated", "unreachable", "failed", "no_kms_office")
OUTCOME_LABELS = {
    "activated": N_("Activated"),
    "expiring": N_("Expiring within %(days)d days"),
    "not_activated": N_("Not activated"),
    "unreachable": N_("Unreachable"),
    "failed": N_("Failed"),
    "no_kms_office": N_("No Office KMS product"),
}
# Across hosts, independent of the outcome.
FLAGS = ("shared_client_machine_id", "clock_skew", "expiring", "kms_unreachable", "kms_count_low",
         "kms_host_lacks_key", "no_dns_record", "rearms_exhausted")
FLAG_TITLES = {
    "shared_client_machine_id": N_("Hosts sharing a ClientMachineID"),
    "clock_skew": N_("Clock off the controller's"),
    "expiring": N_("Activation lapsing soon"),
    "kms_unreachable": N_("KMS host not reachable from the host"),
    "kms_count_low": N_("KMS host counts too few clients"),
    "kms_host_lacks_key": N_("KMS host cannot activate the product"),
    "no_dns_record": N_("No KMS host published in DNS"),
    "rearms_exhausted": N_("No rearms left"),
}
FLAG_LABELS = {
    "shared_client_machine_id": N_("shared CMID"),
    "clock_skew": N_("clock skew"),
    "expiring": N_("expiring"),
    "kms_unreachable": N_("KMS unreachable"),
    "kms_count_low": N_("KMS count low"),
    "kms_host_lacks_key": N_("KMS lacks key"),
    "no_dns_record": N_("no DNS record"),
    "rearms_exhausted": N_("no rearms"),
}
FLAG_ADVICE = {
    "shared_client_machine_id": N_(
        "Cloned without sysprep: the KMS host counts these machines as one client, so a small pilot "
        "stays below the activation threshold (0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT). Generalise the "
        "image with sysprep before cloning; on machines already cloned, re-arm the licensing service "
        "(slmgr.vbs /rearm; OSPPREARM.EXE for Office 2010) and restart to get a new ClientMachineID."
    ),
    "clock_skew": N_(
        "KMS refuses clients whose clock is more than four hours off the KMS host's "
        "(0xC004F06C SL_E_VL_INVALID_TIMESTAMP). Synchronise the clock (NTP or the domain hierarchy, "
        "w32tm /resync)."
    ),
    "expiring": N_(
        "A KMS activation lasts 180 days and renews itself while the host can reach the KMS host. "
        "Run playbooks/activate.yml, or check why the host has not renewed (VPN, DNS, TCP 1688)."
    ),
    "kms_unreachable": N_(
        "The host could not open a TCP connection to the KMS host: check the VPN, DNS and TCP port "
        "1688 from the host."
    ),
    "kms_count_low": N_(
        "The KMS host answered but refused (0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT): it activates Office and "
        "Windows Server only once it counts 5 distinct clients, Windows clients from 25, counting the last "
        "30 days. Clients keep retrying every two hours; add clients, or check that cloned machines have "
        "distinct ClientMachineIDs and that clients are not spread over several KMS hosts."
    ),
    "kms_host_lacks_key": N_(
        "The KMS host answered but cannot activate this product (0xC004F042 "
        "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH): it holds no host key for it. Install that Office "
        "version's Volume License Pack and host key on the KMS host, or point the product at a KMS host "
        "that has it."
    ),
    "no_dns_record": N_(
        "The host's DNS publishes no _vlmcs._tcp record (0x8007232B DNS_ERROR_RCODE_NAME_ERROR), so "
        "clients without a configured KMS host find none. Publish the SRV record in that DNS domain "
        "(the KMS host does so itself unless publishing is disabled), or set kms_host."
    ),
    "rearms_exhausted": N_(
        "The rearm count is 0: this installation cannot be rearmed again, so its licensing state cannot be "
        "reset for a new image. Imaging teams: do not capture an image from it; rebuild the reference "
        "machine from media. For Office, activating against a KMS host allows one more rearm."
    ),
}
KMS_COUNT_LOW = 0xC004F038  # docs/licensing-facts.md §6
KMS_LACKS_KEY = 0xC004F042

KMS_MAX_CLOCK_SKEW_SECONDS = 4 * 3600  # docs/licensing-facts.md §6, 0xC004F06C
LICENSED = 1
CHART_EDGES = (0, 7, 30, 60, 90, 120, 150)

CSV_COLUMNS = (
    "host", "outcome", "flags", "reason", "computer_name", "os", "client_machine_id",
    "clock_skew_seconds", "kms_reachable", "application", "family", "product_name", "sku_id",
    "channel", "kms_client", "license_status", "remaining_days", "kms_host", "kms_port", "message",
    "why_not_activated", "last_error_code", "last_error_name", "kms_answered_by", "kms_count", "activation_type",
    "rearms_left", "outcome_label", "last_error_hint",
)
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection, OWASP's
# list: = + - @ tab and carriage return), and some (Excel under input methods and locales that
# map full-width forms) the full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20) too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


# -- one host ---------------------------------------------------------------------------------
def kms_office_products(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Office products of a host that are KMS clients: the ones this report is about."""
    return [p for p in result.get("products") or [] if p.get("application") == "office" and p.get("kms_client")]


# A licence status in words (docs/licensing-facts.md §2.1): Windows' own names in English (as
# slmgr and the licensing classes' documentation give them), described in other languages.
STATUS_LABELS = {
    0: N_("Unlicensed"),
    1: N_("Licensed"),
    2: N_("OOBGrace"),
    3: N_("OOTGrace"),
    4: N_("NonGenuineGrace"),
    5: N_("Notification"),
    6: N_("ExtendedGrace"),
}
# The statuses whose RemainingGracePeriod is a grace period (docs/licensing-facts.md §2.1): not
# Unlicensed or Notification, where it is 0, nor Licensed, where it is the activation's days.
GRACE = (2, 3, 4, 6)


def _product_label(product: Mapping[str, Any]) -> str:
    return product.get("family") or product.get("name") or product.get("sku_id") or "?"


def _status(product: Mapping[str, Any]) -> tuple[int | None, str]:
    status = product.get("license_status") or {}
    return status.get("code"), status.get("name") or "Unknown"


def status_label(code: int | None, translator: Translator | None = None) -> str:
    """A LicenseStatus value in the reader's words; an unknown value keeps its number."""
    t = translator_of(translator)
    if code is None:
        return t.gettext("Unknown")
    if code in STATUS_LABELS:
        return t.gettext(STATUS_LABELS[code])
    return t.gettext("Unknown(%(code)s)") % {"code": code}


def outcome_label(outcome: str, expiring_days: int, translator: Translator | None = None) -> str:
    label = translator_of(translator).gettext(OUTCOME_LABELS[outcome])
    return label % {"days": expiring_days} if outcome == "expiring" else label


def _failure_reason(result: Mapping[str, Any], translator: Translator, unreachable: bool) -> str:
    """Why the info task has no answer for this host, from its codes: the HRESULT, else the
    kind of connection failure (hostops.TRANSPORT_FAILURES), else that it failed or was not
    reached. The module's own English message is the entry's ``message``."""
    t = translator
    code = hostops.code(result.get("error_code"))
    if code is not None:
        return t.gettext("the info task failed on the host with %(error)s") % {"error": error_words(code, t)}
    transport = transport_words(result.get("transport_error"), t)
    if transport is not None:
        return transport
    if unreachable:
        return t.gettext("the host could not be reached (Ansible could not connect to it; see the message)")
    return t.gettext("the info task failed on the host without an error code (see the message)")


def _no_kms_office_reason(result: Mapping[str, Any], translator: Translator) -> str:
    t = translator
    installs = result.get("office") or []
    office = [p for p in result.get("products") or [] if p.get("application") == "office"]
    if office:
        channels = sorted({p.get("channel") or "?" for p in office})
        return t.gettext("Office is licensed through another channel (%(channels)s), not KMS") % {
            "channels": ", ".join(channels)}
    if any(i.get("subscription") for i in installs):
        return t.gettext("Microsoft 365 Apps only (subscription, not managed by KMS)")
    if installs:
        return t.gettext("Office is installed but has no product key installed")
    return t.gettext("no Office installed")


def classify(result: Mapping[str, Any] | None, expiring_days: int = DEFAULT_EXPIRING_DAYS,
             translator: Translator | None = None) -> tuple[str, str]:
    """(outcome, reason) for one host's registered office_kms_info result; None means that no
    result was recorded for the host. The reason is in ``translator``'s language (English by
    default), composed from the result's codes.

    First match wins: unreachable (no connection, or no result at all); failed (the info task
    failed or was skipped); no_kms_office (no Office product that is a KMS client: no Office,
    Microsoft 365 Apps only, MAK or retail only); not_activated (an Office KMS product is not
    Licensed: grace, notification, unlicensed); expiring (every Office KMS product is Licensed
    and one has fewer than ``expiring_days`` whole days left, the rule office_kms applies with
    renew_below_days); activated.
    """
    t = translator_of(translator)
    if result is None:
        return "unreachable", t.gettext("no result was recorded for this host (it left the play before the report)")
    if result.get("unreachable"):
        return "unreachable", _failure_reason(result, t, unreachable=True)
    if result.get("failed"):
        return "failed", _failure_reason(result, t, unreachable=False)
    if result.get("skipped"):
        return "failed", t.gettext("the info task was skipped on this host, so nothing is known about it")
    products = kms_office_products(result)
    if not products:
        return "no_kms_office", _no_kms_office_reason(result, t)
    pending = [p for p in products if _status(p)[0] != LICENSED]
    if pending:
        return "not_activated", t.gettext("; ").join(
            (t.gettext("%(product)s is %(status)s (%(days)d days of grace left): %(why)s")
             if p.get("remaining_days") is not None and _status(p)[0] in GRACE
             else t.gettext("%(product)s is %(status)s: %(why)s")) % {
                "product": _product_label(p), "status": status_label(_status(p)[0], t),
                "days": p.get("remaining_days") or 0,
                "why": why_not_activated(p, result.get("kms_reachability"), t)}
            for p in pending
        )
    lapsing = [p for p in products if p.get("remaining_days") is not None and p["remaining_days"] < expiring_days]
    if lapsing:
        return "expiring", t.gettext("; ").join(
            t.gettext("%(product)s activation lapses in %(days)d days") % {
                "product": _product_label(p), "days": p["remaining_days"]} for p in lapsing
        )
    return "activated", t.gettext("; ").join(
        (t.gettext("%(product)s Licensed, %(days)d days left") if p.get("remaining_days") is not None
         else t.gettext("%(product)s Licensed")) % {"product": _product_label(p), "days": p.get("remaining_days")}
        for p in products
    )


def last_error(product: Mapping[str, Any]) -> int | None:
    """The HRESULT of the product's last KMS exchange when it failed: the KMS host's answer, or
    0xC004F074 when no answer came (docs/licensing-facts.md §10.2, §6)."""
    exchange = product.get("last_kms_exchange") or None
    if exchange is None or exchange.get("activated"):
        return None
    if not exchange.get("answered"):
        return 0xC004F074
    return hostops.code(exchange.get("hresult")) or None


def _when(value: Any, translator: Translator) -> str:
    """An event's time (UTC, as the executor gives it) in the reader's date format."""
    try:
        when = datetime.strptime(str(value)[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return translator.gettext("at an unknown time")
    return i18n.format_time(when, translator)


def _exchange_words(exchange: Mapping[str, Any], application: str, connected: bool, translator: Translator) -> str:
    """One KMS exchange in the reader's words (evidence.describe's facts): when, with which KMS
    host, and what it answered (the HRESULT, the count and the count needed)."""
    t = translator
    where = exchange.get("kms_host") or t.gettext("an unknown KMS host")
    if exchange.get("kms_port"):
        where = "%s:%d" % ("[%s]" % where if ":" in where else where, exchange["kms_port"])
    facts = {"when": _when(exchange.get("time"), t), "where": where}
    if not exchange.get("answered"):
        if connected:
            return t.gettext("the last KMS request, %(when)s to %(where)s, got no answer (event 12288 without 12289) "
                             "although the host can open a TCP connection to it: %(what)s") % dict(
                facts, what=t.gettext(evidence.SILENT_KMS_HOST))
        return t.gettext("the last KMS request, %(when)s to %(where)s, got no answer (event 12288 without 12289: the "
                         "KMS host was not reached or did not answer)") % facts
    code = hostops.code(exchange.get("hresult"))
    answer = "%s %s" % (hresult.to_hex(code), hresult.name_of(code) or "") if code else t.gettext("not activated")
    if exchange.get("kms_count") is not None and exchange.get("required_count") is not None:
        counted = t.gettext("the KMS host counts %(count)d clients and activates %(what)s from %(required)d") % {
            "count": exchange["kms_count"], "required": exchange["required_count"],
            "what": "Windows" if application == "windows" else "Office"}
    elif exchange.get("kms_count") is not None:
        counted = t.gettext("the KMS host counts %(count)d clients") % {"count": exchange["kms_count"]}
    else:
        counted = t.gettext("the KMS host sent no count")
    return t.gettext("the last KMS exchange, %(when)s with %(where)s: %(answer)s, %(counted)s") % dict(
        facts, answer=answer.strip(), counted=counted)


def why_not_activated(product: Mapping[str, Any], reachability: Mapping[str, Any] | None = None,
                      translator: Translator | None = None) -> str:
    """Why a KMS client product is not Licensed, from the host's own evidence: its last KMS
    exchange with the HRESULT's meaning and what to do, else what its status says. A request
    that got no answer from a KMS host the host can connect to (``reachability``, the info
    task's TCP test) is a KMS host that does not answer, not a network problem."""
    t = translator_of(translator)
    exchange = product.get("last_kms_exchange") or None
    application = product.get("application") or "office"
    if exchange is not None and not exchange.get("activated"):
        if connected_to(exchange, reachability):
            return _exchange_words(exchange, application, True, t)
        code = last_error(product)
        entry = hresult.lookup(code)
        words = _exchange_words(exchange, application, False, t)
        if entry is None:
            return words
        return t.gettext("%(exchange)s (%(meaning)s; %(hint)s)") % {
            "exchange": words, "meaning": t.gettext(entry.meaning), "hint": hint_words(code, t)}
    reason = (product.get("license_status_reason") or {})
    if reason.get("name") and reason.get("code"):
        return t.gettext("no failed KMS exchange in the host's event log; status reason %(code)s %(name)s") % {
            "code": reason["code"], "name": reason["name"]}
    return t.gettext("no KMS exchange in the host's event log yet")


def connected_to(exchange: Mapping[str, Any], reachability: Mapping[str, Any] | None) -> bool:
    """Whether an unanswered request went to a KMS host the host's TCP test reached."""
    if exchange.get("answered") or not reachability or not reachability.get("reachable"):
        return False
    return licensing.same_host(exchange.get("kms_host"), reachability.get("kms_host")) is not False


def _product_entry(product: Mapping[str, Any], reachability: Mapping[str, Any] | None = None,
                   translator: Translator | None = None) -> dict[str, Any]:
    t = translator_of(translator)
    code, _name = _status(product)
    exchange = product.get("last_kms_exchange") or None
    error = last_error(product)
    described = hresult.describe(error)
    hint = hint_words(error, t)
    if exchange and connected_to(exchange, reachability):  # reached, and not answered: not the network
        hint = t.gettext("%(sentence)s.") % {"sentence": _sentence(t.gettext(evidence.SILENT_KMS_HOST))}
    answered = exchange if exchange and exchange.get("answered") else None
    return {
        "sku_id": product.get("sku_id"),
        "application": product.get("application"),
        "family": product.get("family"),
        "name": product.get("name"),
        "version": product.get("version"),
        "channel": product.get("channel"),
        "kms_client": bool(product.get("kms_client")),
        "license_status": status_label(code, t),
        "license_status_code": code,
        "license_status_reason": (product.get("license_status_reason") or {}).get("code"),
        "remaining_days": product.get("remaining_days"),
        "kms_host": product.get("kms_host"),
        "kms_port": product.get("kms_port"),
        "discovered_kms_host": product.get("discovered_kms_host"),
        "activation_type": product.get("activation_type"),
        "ad_activation_object": product.get("ad_activation_object"),
        "rearm_count": product.get("rearm_count") or {"app": None, "sku": None},
        "last_kms_exchange": exchange,
        "last_error": {"code": described["error_code"], "name": described["error_name"],
                       "hint": hint} if error else None,
        "kms_answered_by": {"kms_host": answered.get("kms_host"), "kms_port": answered.get("kms_port"),
                            "kms_count": answered.get("kms_count")} if answered else None,
        "why_not_activated": why_not_activated(product, reachability, t)
        if product.get("kms_client") and code != LICENSED else None,
    }


def host_entry(name: str, result: Mapping[str, Any] | None,
               expiring_days: int = DEFAULT_EXPIRING_DAYS, translator: Translator | None = None) -> dict[str, Any]:
    """The report's record of one host (flags are filled in by find_flags())."""
    t = translator_of(translator)
    outcome, reason = classify(result, expiring_days, t)
    result = result or {}
    facts = result.get("host") or {}
    reach = result.get("kms_reachability") or {}
    kms_days = [p["remaining_days"] for p in kms_office_products(result)
                if _status(p)[0] == LICENSED and p.get("remaining_days") is not None]
    error = outcome in ("unreachable", "failed")
    return {
        "host": name,
        "outcome": outcome,
        "outcome_label": outcome_label(outcome, expiring_days, t),
        "reason": reason,
        "flags": [],
        "message": (result.get("msg") or reason) if error else None,
        "error_code": result.get("error_code") if error else None,
        "computer_name": facts.get("computer_name"),
        "os_caption": facts.get("os_caption"),
        "os_product_type": facts.get("os_product_type"),
        "os_build": facts.get("os_build"),
        "client_machine_id": facts.get("client_machine_id"),
        "ospp_client_machine_id": facts.get("ospp_client_machine_id"),
        "clock_skew_seconds": facts.get("clock_skew_seconds"),
        "kms_reachable": reach.get("reachable") if reach else None,
        "kms_reachability_error": reach.get("error") if reach else None,
        "dns_discovery": {k: (result.get("dns_discovery") or {}).get(k) for k in ("status", "query", "error")}
        if result.get("dns_discovery") else None,
        "remaining_windows_rearm_count": facts.get("remaining_windows_rearm_count"),
        "remaining_days": min(kms_days) if kms_days else None,
        "office": [
            {
                "type": i.get("type"),
                "version": i.get("version"),
                "product_ids": list(i.get("product_ids") or []),
                "subscription": bool(i.get("subscription")),
            }
            for i in result.get("office") or []
        ],
        "products": [_product_entry(p, reach, t) for p in result.get("products") or []],
    }


# -- the organisation's KMS hosts ---------------------------------------------------------------
# What a KMS host's answer to a client means for the fleet (docs/licensing-facts.md §6, §12.7):
# the reason's key, and the words, {n} clients of {product} and the host's own figures filled in.
TRACED_REASONS = {
    0xC004F038: ("count_low", N_("%(n)d %(product)s client(s) refused: %(host)s counted %(told)s clients, needs "
                                 "%(required)d")),
    0xC004F042: ("no_host_key", N_("%(n)d %(product)s client(s) refused: %(host)s has no %(product)s host key")),
    0xC004F041: ("host_not_activated", N_("%(n)d %(product)s client(s) refused: %(host)s's host key is not "
                                          "activated")),
    0xC004F06C: ("clock_skew", N_("%(n)d %(product)s client(s) refused: their clock is more than four hours off "
                                  "%(host)s's")),
}
TRACED_OTHER = N_("%(n)d %(product)s client(s) refused by %(host)s with %(name)s")


def _product_words(product: Mapping[str, Any]) -> str:
    """"Office 2024" or "Windows", for the traced failures' words."""
    if product.get("application") == "office":
        return "Office %s" % product["version"] if product.get("version") else "Office"
    return "Windows" if product.get("application") == "windows" else (product.get("name") or "other")


def _kms_names(name: str, result: Mapping[str, Any], aliases: Iterable[str]) -> set[str]:
    """The names clients may know a KMS host by: its inventory name, its computer name and the
    aliases the inventory gives (kms_host_names), lower case, without a port."""
    computer = (result.get("host") or {}).get("computer_name")
    return {n.lower().rstrip(".") for n in (name, computer, *aliases) if n}


def _served_by(product: Mapping[str, Any], names: set[str]) -> bool:
    """Whether the product's last KMS exchange went to a host of these names."""
    exchange = product.get("last_kms_exchange") or {}
    target = (exchange.get("kms_host") or "").lower().rstrip(".")
    return bool(target) and (target in names or target.split(".", 1)[0] in names)


def _is_server(entry: Mapping[str, Any]) -> bool:
    """Whether a host runs Windows Server: Win32_OperatingSystem.ProductType 2 or 3 (a code),
    else "Server" in its caption (Windows Server's captions are not localised)."""
    if entry.get("os_product_type") in (1, 2, 3):
        return entry["os_product_type"] != 1
    return "server" in str(entry.get("os_caption") or "").lower()


def traced_failures(name: str, result: Mapping[str, Any], entries: list[dict[str, Any]],
                    aliases: Iterable[str] = (), translator: Translator | None = None) -> list[dict[str, Any]]:
    """The clients' failures this KMS host explains: each client product not activated whose
    last refusal came from this host (its own 12290 record of the client's machine ID, else the
    client's record of the host's name), grouped by reason and product."""
    seen = {str(r.get("cmid") or "").lower() for r in result.get("kms_requests") or [] if r.get("cmid")}
    names = _kms_names(name, result, aliases)
    groups: dict[tuple[int, str], list[str]] = {}
    told: dict[tuple[int, str], set[int]] = {}  # the counts the host answered these clients with
    for entry in entries:
        cmid = str(entry.get("client_machine_id") or "").lower()
        for product in entry["products"]:
            error = (product.get("last_error") or {}).get("code")
            code = hostops.code(error)
            if not product["kms_client"] or product["license_status_code"] == LICENSED or code is None:
                continue
            if not ((cmid and cmid in seen) or _served_by(product, names)):
                continue
            key = (code, _product_words(product))
            if entry["host"] not in groups.setdefault(key, []):
                groups[key].append(entry["host"])
            answered = (product.get("kms_answered_by") or {}).get("kms_count")
            if isinstance(answered, int):
                told.setdefault(key, set()).add(answered)
    traced = []
    count = result.get("current_count")
    for key, clients in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        code, product = key
        reason, words = TRACED_REASONS.get(code, ("refused", TRACED_OTHER))
        described = hresult.describe(code)
        required = licensing.THRESHOLDS["windows_clients"] if product == "Windows" and any(
            not _is_server(e) for e in entries if e["host"] in clients) else licensing.THRESHOLDS["office"]
        counts = sorted(told.get(key, ()))
        t = translator_of(translator)
        text = t.gettext(words) % {
            "n": len(clients), "product": product, "host": name, "required": required,
            "told": "-".join(str(c) for c in sorted({counts[0], counts[-1]})) if counts else t.gettext("too few"),
            "name": described["error_name"] or described["error_code"]}
        if reason == "count_low" and count is not None:
            # The host's count now: a client refused for the count activates at its next attempt
            # once the host has counted enough (docs/licensing-facts.md §12.7).
            text += (t.gettext("; it counts %(count)d now, enough: they activate at their next attempt")
                     if count >= required else t.gettext("; it counts %(count)d now")) % {"count": count}
        traced.append({
            "reason": reason, "error_code": described["error_code"], "error_name": described["error_name"],
            "product": product, "clients": sorted(clients), "text": text,
        })
    return traced


def kms_host_entry(name: str, result: Mapping[str, Any] | None, entries: list[dict[str, Any]],
                   aliases: Iterable[str] = (), translator: Translator | None = None) -> dict[str, Any]:
    """The report's record of one of the organisation's KMS hosts (a kms_host_info result)
    beside its clients: what it can activate, its count against each threshold, its settings,
    its request counters, and the clients' failures it explains."""
    result = result or {}
    if not result or result.get("unreachable") or result.get("failed") or "is_kms_host" not in result:
        outcome = "unreachable" if not result or result.get("unreachable") else "failed"
        return {"host": name, "outcome": outcome,
                "reason": _failure_reason(result, translator_of(translator), outcome == "unreachable"),
                "message": result.get("msg") or "no result (not reached)",
                "error_code": result.get("error_code"), "traced_failures": []}
    products = result.get("host_products") or []
    firewall = result.get("firewall") or {}
    requests: dict[str, int] = {}
    for product in products:
        for counter, value in (product.get("requests") or {}).items():
            requests[counter] = max(requests.get(counter, 0), value or 0)
    return {
        "host": name,
        "outcome": "ok",
        "message": None,
        "error_code": None,
        "computer_name": (result.get("host") or {}).get("computer_name"),
        "is_kms_host": bool(result.get("is_kms_host")),
        "host_keys": [{"application": p.get("application"), "office_version": p.get("office_version"),
                       "name": p.get("name"), "partial_key": p.get("partial_key"),
                       "activated": bool(p.get("activated"))} for p in products],
        "office_volume_license_packs": {version: bool(pack.get("installed")) for version, pack
                                        in sorted((result.get("office_volume_license_packs") or {}).items())},
        "current_count": result.get("current_count"),
        "activates": {"office": bool(result.get("activates_office")),
                      "windows_server": bool(result.get("activates_windows_server")),
                      "windows_clients": bool(result.get("activates_windows_clients"))},
        "listening_port": result.get("listening_port"),
        "dns_publishing": result.get("dns_publishing"),
        "firewall_open": firewall.get("enabled"),
        "requests": requests,
        "clients_seen": (result.get("kms_request_summary") or {}).get("distinct_clients"),
        "traced_failures": traced_failures(name, result, entries, aliases, translator),
    }


# -- across hosts -----------------------------------------------------------------------------
def shared_client_machine_ids(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups of hosts reporting the same ClientMachineID, per licensing service (spp for
    Windows and Office 2013+, ospp for Office 2010 and Office on Windows 7)."""
    groups = []
    for service, key in (("spp", "client_machine_id"), ("ospp", "ospp_client_machine_id")):
        owners: dict[str, list[str]] = {}
        for entry in entries:
            if entry.get(key):
                owners.setdefault(entry[key].lower(), []).append(entry["host"])
        groups += [{"client_machine_id": cmid, "service": service, "hosts": sorted(hosts)}
                   for cmid, hosts in sorted(owners.items()) if len(hosts) > 1]
    return groups


def lapsing_products(entry: Mapping[str, Any], expiring_days: int) -> list[dict[str, Any]]:
    """The host's Licensed Office KMS products with fewer than ``expiring_days`` days left."""
    return [
        {
            "host": entry["host"],
            "product": p["family"] or p["name"] or p["sku_id"],
            "sku_id": p["sku_id"],
            "remaining_days": p["remaining_days"],
        }
        for p in entry["products"]
        if p["application"] == "office" and p["kms_client"] and p["license_status_code"] == LICENSED
        and p["remaining_days"] is not None and p["remaining_days"] < expiring_days
    ]


def exhausted_rearms(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Windows (RemainingWindowsReArmCount) and Office products (RemainingAppReArmCount) with
    no rearm left (docs/licensing-facts.md §10.6)."""
    found = []
    if entry.get("remaining_windows_rearm_count") == 0:
        found.append({"host": entry["host"], "product": "Windows", "count": "RemainingWindowsReArmCount"})
    found += [{"host": entry["host"], "product": p["family"] or p["name"] or p["sku_id"],
               "count": "RemainingAppReArmCount"}
              for p in entry["products"]
              if p["application"] == "office" and (p.get("rearm_count") or {}).get("app") == 0]
    return found


def sites_without_kms_record(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per DNS name asked (one per site's DNS domain), the hosts whose DNS publishes no KMS host."""
    sites: dict[str, list[str]] = {}
    for entry in entries:
        dns = entry.get("dns_discovery") or {}
        if dns.get("status") == "not_published":
            sites.setdefault(dns.get("query") or evidence.SRV_NAME, []).append(entry["host"])
    return [{"query": query, "hosts": sorted(hosts)} for query, hosts in sorted(sites.items())]


def find_flags(entries: list[dict[str, Any]], expiring_days: int = DEFAULT_EXPIRING_DAYS,
               max_clock_skew_seconds: int = DEFAULT_MAX_CLOCK_SKEW_SECONDS) -> dict[str, list[dict[str, Any]]]:
    """What needs attention across the fleet; also appends each flag's name to the flags of the
    host entries concerned. Hosts without a result (unreachable, failed) raise no flag."""
    flags: dict[str, list[dict[str, Any]]] = {kind: [] for kind in FLAGS}
    flags["shared_client_machine_id"] = shared_client_machine_ids(entries)
    for entry in entries:
        skew = entry.get("clock_skew_seconds")
        if skew is not None and abs(skew) > max_clock_skew_seconds:
            flags["clock_skew"].append({
                "host": entry["host"],
                "clock_skew_seconds": skew,
                "refused_by_kms": abs(skew) > KMS_MAX_CLOCK_SKEW_SECONDS,
            })
        # A host whose DNS publishes no KMS host is flagged for that (no_dns_record), not twice.
        if entry.get("kms_reachable") is False and (entry.get("dns_discovery") or {}).get("status") != "not_published":
            flags["kms_unreachable"].append({"host": entry["host"], "error": entry.get("kms_reachability_error")})
        flags["expiring"] += lapsing_products(entry, expiring_days)
        for p in entry["products"]:
            exchange = p.get("last_kms_exchange") or {}
            error = last_error(p)
            item = {"host": entry["host"], "product": p["family"] or p["name"] or p["sku_id"], "sku_id": p["sku_id"],
                    "kms_host": exchange.get("kms_host"), "kms_port": exchange.get("kms_port")}
            if error == KMS_COUNT_LOW and p["license_status_code"] != LICENSED:
                flags["kms_count_low"].append(dict(item, kms_count=exchange.get("kms_count"),
                                                   required_count=exchange.get("required_count")))
            elif error == KMS_LACKS_KEY and p["license_status_code"] != LICENSED:
                flags["kms_host_lacks_key"].append(item)
        flags["rearms_exhausted"] += exhausted_rearms(entry)
    flags["no_dns_record"] = sites_without_kms_record(entries)

    by_host = {e["host"]: e for e in entries}
    for kind, items in flags.items():
        for host in sorted({h for item in items for h in item.get("hosts", [item.get("host")])}):
            by_host[host]["flags"].append(kind)
    return flags


def build_report(results: Mapping[str, Mapping[str, Any] | None], *, hosts: Iterable[str] | None = None,
                 expiring_days: int = DEFAULT_EXPIRING_DAYS,
                 max_clock_skew_seconds: int = DEFAULT_MAX_CLOCK_SKEW_SECONDS,
                 kms_host: str | None = None, generated_at: datetime | None = None,
                 kms_hosts: Mapping[str, Mapping[str, Any] | None] | None = None,
                 kms_host_names: Mapping[str, Iterable[str]] | None = None,
                 language: str = i18n.DEFAULT) -> dict[str, Any]:
    """The report document for ``hosts`` (default: every host of ``results``); a host missing
    from ``results`` is reported unreachable, never dropped. ``kms_hosts``: the organisation's
    KMS hosts' kms_host_info results by inventory name, reported beside their clients, with
    the names clients know each by (``kms_host_names``)."""
    if expiring_days < 0:
        raise ValueError("expiring_days must be 0 or more; got %r" % expiring_days)
    if max_clock_skew_seconds < 0:
        raise ValueError("max_clock_skew_seconds must be 0 or more; got %r" % max_clock_skew_seconds)
    t = i18n.translator(language)
    names = sorted(set(hosts if hosts is not None else []) | set(results))
    entries = [host_entry(name, results.get(name), expiring_days, t) for name in names]
    flags = find_flags(entries, expiring_days, max_clock_skew_seconds)
    servers = [kms_host_entry(name, (kms_hosts or {}).get(name), entries, (kms_host_names or {}).get(name) or (), t)
               for name in sorted(kms_hosts or {})]
    when = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "schema": SCHEMA,
        "generator": "volume_licensing.kms.office_kms_report",
        "generated_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": language,
        "settings": {
            "expiring_days": expiring_days,
            "max_clock_skew_seconds": max_clock_skew_seconds,
            "kms_host": kms_host,
        },
        "summary": {**summarise(entries, flags), "kms_hosts": len(servers)},
        "flags": flags,
        "kms_hosts": servers,
        "hosts": entries,
    }


def summarise(entries: list[dict[str, Any]], flags: Mapping[str, list[Any]]) -> dict[str, Any]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for entry in entries:
        counts[entry["outcome"]] += 1
    return {
        "hosts": len(entries),
        "outcomes": counts,
        "flagged": {kind: sum(1 for e in entries if kind in e["flags"]) for kind in flags},
        "failed_hosts": [e["host"] for e in entries if e["outcome"] == "failed"],
        "unreachable_hosts": [e["host"] for e in entries if e["outcome"] == "unreachable"],
    }


def fingerprint(document: Mapping[str, Any]) -> dict[str, Any]:
    """What decides ``changed``: the fleet's state as the report classifies it. Leaves out the
    generation time and the raw clock skew, which moves by a second between two reads of an
    unchanged host (whether it is over the threshold stays in, as a flag)."""
    return {
        "schema": document.get("schema"),
        "language": document.get("language"),
        "settings": document.get("settings"),
        "flags": {kind: [{k: v for k, v in item.items() if k != "clock_skew_seconds"} for item in items]
                  for kind, items in (document.get("flags") or {}).items()},
        "hosts": [{k: v for k, v in entry.items() if k != "clock_skew_seconds"}
                  for entry in document.get("hosts") or []],
        "kms_hosts": document.get("kms_hosts") or [],
    }


def stats(document: Mapping[str, Any]) -> dict[str, Any]:
    """The fleet summary for ansible.builtin.set_stats (shown on the AWX job)."""
    summary = document["summary"]
    return {
        "hosts": summary["hosts"],
        **summary["outcomes"],
        "failed_hosts": summary["failed_hosts"],
        "unreachable_hosts": summary["unreachable_hosts"],
        "flagged": summary["flagged"],
    }


# -- CSV --------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    # A text cell is shown as text, not run as a formula: prefix an apostrophe (OWASP).
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(document: Mapping[str, Any]) -> list[list[str]]:
    """Header, then one row per host and product; a host without products gets one row."""
    rows = [list(CSV_COLUMNS)]
    for entry in document["hosts"]:
        host = [
            entry["host"], entry["outcome"], ";".join(entry["flags"]), entry["reason"], entry["computer_name"],
            " ".join(filter(None, (entry["os_caption"], entry["os_build"]))) or None, entry["client_machine_id"],
            entry["clock_skew_seconds"], entry["kms_reachable"],
        ]
        for p in entry["products"] or [None]:
            product = [None] * 10 if p is None else [
                p["application"], p["family"], p["name"], p["sku_id"], p["channel"], p["kms_client"],
                p["license_status"], p["remaining_days"], p["kms_host"], p["kms_port"],
            ]
            answered = (p or {}).get("kms_answered_by") or {}
            error = (p or {}).get("last_error") or {}
            rearms = (p or {}).get("rearm_count") or {}
            why = [None] * 7 if p is None else [
                p.get("why_not_activated"), error.get("code"), error.get("name"),
                "%s:%s" % (answered["kms_host"], answered["kms_port"]) if answered else None, answered.get("kms_count"),
                p.get("activation_type"),
                rearms.get("app") if p["application"] == "office" else entry.get("remaining_windows_rearm_count"),
            ]
            rows.append([_cell(v) for v in [*host, *product, entry["message"], *why, entry.get("outcome_label"),
                                            error.get("hint")]])
    return rows


def to_csv(document: Mapping[str, Any]) -> str:
    """RFC 4180 text: CRLF line ends, fields quoted when they hold a comma, quote or line end."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(csv_rows(document))
    return out.getvalue()


# -- HTML -------------------------------------------------------------------------------------
def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _document_translator(document: Mapping[str, Any]) -> Translator:
    return i18n.translator(document.get("language"))


def chart_buckets(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Hosts with Office KMS products by days of activation left (their lowest product):
    a "not activated" bar, then day ranges; ranges below expiring_days are marked."""
    t = _document_translator(document)
    expiring_days = document["settings"]["expiring_days"]
    edges = sorted({e for e in (*CHART_EDGES, expiring_days) if 0 <= e <= KMS_VALIDITY_DAYS})
    buckets = [{"label": t.gettext("Not activated"), "count": 0, "kind": "not_activated"}]
    for index, low in enumerate(edges):
        high = edges[index + 1] - 1 if index + 1 < len(edges) else None
        buckets.append({
            "label": t.gettext("%(low)d-%(high)d d") % {"low": low, "high": high} if high is not None
            else t.gettext("%(low)d+ d") % {"low": low},
            "low": low, "high": high, "count": 0,
            "kind": "expiring" if low < expiring_days else "activated",
        })
    for entry in document["hosts"]:
        if entry["outcome"] == "not_activated":
            buckets[0]["count"] += 1
        elif entry["outcome"] in ("activated", "expiring") and entry["remaining_days"] is not None:
            for bucket in buckets[1:]:
                if entry["remaining_days"] >= bucket["low"] and (bucket["high"] is None
                                                                 or entry["remaining_days"] <= bucket["high"]):
                    bucket["count"] += 1
                    break
    return buckets


def chart_svg(document: Mapping[str, Any]) -> str:
    t = _document_translator(document)
    buckets = chart_buckets(document)
    width, height, top, bottom, left = 720, 240, 24, 40, 40
    plot = height - top - bottom
    peak = max([b["count"] for b in buckets] + [1])
    slot = (width - left) / len(buckets)
    bar_width = slot * 0.7
    parts = [
        '<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 %d %d" width="%d" height="%d" '
        'xmlns="http://www.w3.org/2000/svg">' % (width, height, width, height),
        '<title id="chart-title">%s</title>' % _e(t.gettext("Hosts by days of Office activation left")),
        '<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>' % (left, top + plot, width, top + plot),
    ]
    for index, bucket in enumerate(buckets):
        hosts = t.ngettext("%(label)s: %(count)d host", "%(label)s: %(count)d hosts", bucket["count"]) % {
            "label": bucket["label"], "count": bucket["count"]}
        h = plot * bucket["count"] / peak
        x = left + index * slot + (slot - bar_width) / 2
        y = top + plot - h
        parts.append(
            '<g class="bar bar-%s"><title>%s</title>'
            '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>'
            '<text class="value" x="%.1f" y="%.1f">%d</text>'
            '<text class="label" x="%.1f" y="%d">%s</text></g>' % (
                _e(bucket["kind"]), _e(hosts), x, y, bar_width, h,
                x + bar_width / 2, y - 6, bucket["count"], x + bar_width / 2, top + plot + 18, _e(bucket["label"]))
        )
    parts.append("</svg>")
    return "".join(parts)


_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Microsoft JhengHei","PingFang TC","Noto Sans CJK TC",
sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#57606a;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;padding:10px 16px;min-width:130px}
.card .count{display:block;font-size:30px;font-weight:700}
.card .label{color:#57606a}
.o-activated{border-left-color:#1a7f37}.o-expiring{border-left-color:#bf8700}
.o-not_activated{border-left-color:#cf222e}.o-unreachable{border-left-color:#8250df}
.o-failed{border-left-color:#a40e26}.o-no_kms_office{border-left-color:#8c959f}
.flag{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;margin:8px 0;background:#fff8c5}
.flag h3{font-size:15px;margin:0 0 4px}.flag p{margin:4px 0;color:#57606a}
.flag ul{margin:4px 0;padding-left:20px}
.none{color:#57606a}
svg.chart{max-width:100%;height:auto}
svg .axis{stroke:#8c959f}
svg .bar rect{fill:#1a7f37}svg .bar-expiring rect{fill:#bf8700}svg .bar-not_activated rect{fill:#cf222e}
svg text{font-size:12px;text-anchor:middle;fill:#1b1f24}
table{border-collapse:collapse;width:100%;margin-top:8px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
th button{all:unset;cursor:pointer;font-weight:600;display:block;width:100%}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.num{text-align:right}td.host{white-space:nowrap}td.details,td.why{min-width:16em;overflow-wrap:anywhere}
tr.o-unreachable td,tr.o-failed td{background:#fff5f5}
.badge{display:inline-block;white-space:nowrap;border-radius:10px;padding:0 8px;font-size:12px}
.badge{color:#fff;background:#8c959f}
.b-activated{background:#1a7f37}.b-expiring{background:#9a6700}.b-not_activated{background:#cf222e}
.b-unreachable{background:#8250df}.b-failed{background:#a40e26}
"""

# Sort the table by the clicked column; numbers by value, empty cells last.
_SCRIPT = """
(function () {
  var table = document.getElementById("hosts");
  var heads = table.tHead.rows[0].cells;
  function key(row, index, numeric) {
    var cell = row.cells[index];
    var text = cell.getAttribute("data-sort");
    if (text === null) { text = cell.textContent.trim(); }
    if (!numeric) { return text.toLowerCase(); }
    return text === "" ? null : parseFloat(text);
  }
  function sortBy(index) {
    var head = heads[index];
    var numeric = head.getAttribute("data-type") === "number";
    var ascending = head.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index, numeric), y = key(b, index, numeric);
      if (x === y) { return 0; }
      if (x === null || x === "") { return 1; }
      if (y === null || y === "") { return -1; }
      return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(heads, function (head, index) {
    head.querySelector("button").addEventListener("click", function () { sortBy(index); });
  });
  table.setAttribute("data-sortable", "ready");
})();
"""

TABLE_COLUMNS = (
    (N_("Host"), "text"), (N_("Outcome"), "text"), (N_("Product"), "text"), (N_("Status"), "text"),
    (N_("Days left"), "number"), (N_("KMS host"), "text"), (N_("Clock skew (s)"), "number"), (N_("Flags"), "text"),
    (N_("Why not activated"), "text"), (N_("Details"), "text"),
)
KMS_COLUMNS = (N_("Host"), N_("Host keys"), N_("Count"), N_("Activates"), N_("Port"), N_("In DNS"), N_("Firewall"))
# The HTML page's language attribute (BCP 47; Traditional Chinese script, Taiwan).
HTML_LANG = {"en": "en", "zh-TW": "zh-Hant-TW"}


def _csp_hash(text: str) -> str:
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _table_rows(document: Mapping[str, Any]) -> list[str]:
    t = _document_translator(document)
    rows = []
    for entry in document["hosts"]:
        outcome = entry["outcome"]
        for p in entry["products"] or [None]:
            days = p["remaining_days"] if p else None
            kms = None
            if p and p["kms_host"]:
                kms = "%s:%s" % (p["kms_host"], p["kms_port"] or 1688)
            elif p and p["kms_client"]:
                kms = t.gettext("%(host)s (DNS)") % {"host": p["discovered_kms_host"]} if p["discovered_kms_host"] \
                    else t.gettext("(DNS)")
            product = (p["family"] or p["name"] or p["sku_id"]) if p else None
            if p and not p["kms_client"]:
                product = t.gettext("%(product)s (%(channel)s, not KMS)") % {
                    "product": product, "channel": p["channel"] or t.gettext("other channel")}
            cells = [
                '<td class="host">%s</td>' % _e(entry["host"]),
                '<td data-sort="%d"><span class="badge b-%s">%s</span></td>' % (
                    OUTCOMES.index(outcome), _e(outcome), _e(entry.get("outcome_label") or outcome)),
                "<td>%s</td>" % _e(product),
                "<td>%s</td>" % _e(p["license_status"] if p else None),
                '<td class="num">%s</td>' % _e(days),
                "<td>%s</td>" % _e(kms),
                '<td class="num">%s</td>' % _e(entry["clock_skew_seconds"]),
                "<td>%s</td>" % _e(t.gettext(", ").join(t.gettext(FLAG_LABELS[f]) for f in entry["flags"])),
                '<td class="why">%s</td>' % _e(p.get("why_not_activated") if p else None),
                '<td class="details">%s%s</td>' % (
                    _e(entry["reason"]), "" if entry["message"] in (None, entry["reason"])
                    else '<br><small lang="en">%s</small>' % _e(entry["message"])),
            ]
            rows.append('<tr class="o-%s">%s</tr>' % (_e(outcome), "".join(cells)))
    return rows


def _where(item: Mapping[str, Any], t: Translator) -> str:
    return "%s:%s" % (item.get("kms_host") or t.gettext("unknown"), item.get("kms_port") or 1688)


def _flag_items(kind: str, items: list[dict[str, Any]], t: Translator) -> list[str]:
    """The flag's items in the reader's words, escaped."""
    def words(message: str, **values: Any) -> str:
        return _e(t.gettext(message) % values)

    if kind == "shared_client_machine_id":
        return [words(N_("%(cmid)s (%(service)s): %(hosts)s"), cmid=i["client_machine_id"], service=i["service"],
                      hosts=t.gettext(", ").join(i["hosts"])) for i in items]
    if kind == "clock_skew":
        return [words(N_("%(host)s: %(seconds)+d s (%(hours).1f h), KMS refuses it") if i["refused_by_kms"]
                      else N_("%(host)s: %(seconds)+d s (%(hours).1f h)"), host=i["host"],
                      seconds=i["clock_skew_seconds"], hours=i["clock_skew_seconds"] / 3600) for i in items]
    if kind == "expiring":
        return [words(N_("%(host)s: %(product)s, %(days)d days left"), host=i["host"], product=i["product"],
                      days=i["remaining_days"]) for i in items]
    if kind == "kms_count_low":
        return [words(N_("%(host)s: %(product)s, KMS host %(kms)s counts %(count)s clients (needs %(required)s)"),
                      host=i["host"], product=i["product"], kms=_where(i, t),
                      count="?" if i["kms_count"] is None else i["kms_count"],
                      required="?" if i["required_count"] is None else i["required_count"]) for i in items]
    if kind == "kms_host_lacks_key":
        return [words(N_("%(host)s: %(product)s, KMS host %(kms)s"), host=i["host"], product=i["product"],
                      kms=_where(i, t)) for i in items]
    if kind == "no_dns_record":
        return [words(N_("%(query)s: %(hosts)s"), query=i["query"], hosts=t.gettext(", ").join(i["hosts"]))
                for i in items]
    if kind == "rearms_exhausted":
        return [words(N_("%(host)s: %(product)s (%(count)s is 0)"), host=i["host"], product=i["product"],
                      count=i["count"])
                for i in items]
    return [words(N_("%(host)s: %(error)s"), host=i["host"], error=i.get("error") or t.gettext("not reachable"))
            for i in items]


def _host_key_words(key: Mapping[str, Any], t: Translator) -> str:
    """"Office 2024 (ABK02, activated)" for one host key of a KMS host."""
    what = key.get("office_version") or key.get("name") or "Windows"
    return t.gettext("%(product)s (%(key)s, %(state)s)") % {
        "product": ("Office %s" if key["application"] == "office" else "%s") % what,
        "key": key.get("partial_key") or t.gettext("no key"),
        "state": t.gettext("activated") if key["activated"] else t.gettext("not activated")}


def _kms_host_rows(document: Mapping[str, Any]) -> list[str]:
    """One table row per KMS host, and the clients' failures it explains below it."""
    t = _document_translator(document)
    rows = []
    for server in document.get("kms_hosts") or []:
        if server["outcome"] != "ok":
            rows.append('<tr data-kms-host="%s"><td>%s</td><td colspan="6">%s: %s</td></tr>' % (
                _e(server["host"]), _e(server["host"]), _e(outcome_label(server["outcome"], 0, t)),
                _e(server.get("reason") or server["message"])))
            continue
        keys = t.gettext(", ").join(_host_key_words(k, t) for k in server["host_keys"]) or t.gettext("none")
        activates = server["activates"]
        firewall = {True: t.gettext("open"), False: t.gettext("closed")}.get(server["firewall_open"]) or t.gettext(
            "unknown")
        reach = t.gettext(", ").join(t.gettext(name) for name, on in (
            (N_("Office"), activates["office"]), (N_("Windows Server"), activates["windows_server"]),
            (N_("Windows clients"), activates["windows_clients"])) if on)
        rows.append(
            '<tr data-kms-host="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
            "<td>%s</td></tr>" % (
                _e(server["host"]), _e(server["host"]), _e(keys),
                _e(t.gettext("unknown") if server["current_count"] is None else server["current_count"]),
                _e(reach or t.gettext("nothing yet")), _e(server["listening_port"]),
                _e(t.gettext("yes") if server["dns_publishing"] else t.gettext("no")),
                _e(firewall)))
        for failure in server["traced_failures"]:
            rows.append('<tr class="traced" data-reason="%s"><td></td><td colspan="6">%s</td></tr>' % (
                _e(failure["reason"]), _e(t.gettext("%(text)s (%(code)s %(name)s): %(clients)s") % {
                    "text": failure["text"], "code": failure["error_code"], "name": failure["error_name"],
                    "clients": t.gettext(", ").join(failure["clients"])})))
    return rows


def to_html(document: Mapping[str, Any]) -> str:
    """One self-contained page in the document's language: no external asset, works offline;
    every value escaped."""
    t = _document_translator(document)
    settings = document["settings"]
    summary = document["summary"]
    expiring_days = settings["expiring_days"]
    cards = "".join(
        '<div class="card o-%s"><span class="count" data-outcome="%s">%d</span>'
        '<span class="label">%s</span></div>' % (
            outcome, outcome, summary["outcomes"][outcome], _e(outcome_label(outcome, expiring_days, t)))
        for outcome in OUTCOMES
    )
    flag_blocks = []
    for kind in FLAGS:
        items = document["flags"].get(kind) or []
        if not items:
            continue
        flag_blocks.append(
            '<div class="flag" data-flag="%s"><h3>%s (%d)</h3><p>%s</p><ul>%s</ul></div>' % (
                kind, _e(t.gettext(FLAG_TITLES[kind])), len(items), _e(t.gettext(FLAG_ADVICE[kind])),
                "".join("<li>%s</li>" % item for item in _flag_items(kind, items, t)))
        )
    heads = "".join(
        '<th data-type="%s"><button type="button">%s</button></th>' % (kind, _e(t.gettext(name)))
        for name, kind in TABLE_COLUMNS
    )
    kms_section = ""
    if document.get("kms_hosts"):
        kms_section = (
            '<section id="kms-hosts"><h2>%s</h2><table id="kms"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
            "</section>" % (_e(t.gettext("KMS hosts")), "".join("<th>%s</th>" % _e(t.gettext(c)) for c in KMS_COLUMNS),
                            "".join(_kms_host_rows(document))))
    csp = "default-src 'none'; style-src %s; script-src %s; img-src data:" % (_csp_hash(_STYLE), _csp_hash(_SCRIPT))
    generated = datetime.strptime(document["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
    facts = {"when": i18n.format_time(generated, t), "hosts": summary["hosts"], "kms": settings.get("kms_host"),
             "days": expiring_days, "seconds": settings["max_clock_skew_seconds"]}
    meta = (t.ngettext("Generated %(when)s for %(hosts)d host; KMS host %(kms)s.",
                       "Generated %(when)s for %(hosts)d hosts; KMS host %(kms)s.", summary["hosts"])
            if settings.get("kms_host") else
            t.ngettext("Generated %(when)s for %(hosts)d host.", "Generated %(when)s for %(hosts)d hosts.",
                       summary["hosts"])) % facts
    meta = t.gettext("%(generated)s %(thresholds)s") % {"generated": meta, "thresholds": t.gettext(
        "Expiring: fewer than %(days)d days left. Clock flagged beyond %(seconds)d s.") % facts}
    title = t.gettext("Office volume activation report")
    return "".join([
        '<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8">' % HTML_LANG.get(document.get("language"), "en"),
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _e(csp),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title><style>%s</style></head><body>" % (_e(title), _STYLE),
        "<h1>%s</h1>" % _e(title),
        '<p class="meta">%s</p>' % _e(meta),
        '<section id="summary"><h2>%s</h2><div class="cards">%s</div></section>' % (_e(t.gettext("Summary")), cards),
        '<section id="flags"><h2>%s</h2>%s</section>' % (
            _e(t.gettext("Needs attention")),
            "".join(flag_blocks) or '<p class="none">%s</p>' % _e(t.gettext("Nothing flagged."))),
        kms_section,
        '<section id="chart"><h2>%s</h2>%s<p class="meta">%s</p></section>' % (
            _e(t.gettext("Days of activation left")), chart_svg(document),
            _e(t.gettext("Hosts with an Office KMS product, by their product with the fewest days left; a KMS "
                         "activation lasts %(days)d days.") % {"days": KMS_VALIDITY_DAYS})),
        '<section id="table"><h2>%s</h2><p class="meta">%s</p>'
        '<table id="hosts"><thead><tr>%s</tr></thead><tbody>%s</tbody></table></section>' % (
            _e(t.gettext("Hosts and products")), _e(t.gettext("Click a column heading to sort.")), heads,
            "".join(_table_rows(document))),
        "<script>%s</script></body></html>\n" % _SCRIPT,
    ])
