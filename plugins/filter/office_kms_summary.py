# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""office_kms_summary: one line a help-desk reader understands, from an office_kms_info result."""

from __future__ import annotations

from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import i18n, report, words

DOCUMENTATION = r"""
name: office_kms_summary
short_description: One-line summary of an office_kms_info result
version_added: 0.2.0
description:
  - Turns the registered result of M(volume_licensing.kms.office_kms_info) into one line with
    the Windows edition and build, each Office product with its status and days left, Microsoft
    365 Apps installs (not managed by KMS), why a product is not activated when the host's last
    KMS exchange says it (the KMS host that refused, the HRESULT, its count and the count
    needed), and KMS reachability when it was tested.
  - With O(language=zh-TW) the line is in Traditional Chinese, composed from the result's codes
    and figures (licence status, days, the KMS exchange's HRESULT and counts, the failure's
    HRESULT or connection failure), never from the module's English C(msg).
options:
  _input:
    description: The registered result of M(volume_licensing.kms.office_kms_info).
    type: dict
    required: true
  language:
    description: The line's language, V(en) or V(zh-TW) (C(playbooks/report.yml) passes C(office_kms_report_language)).
    type: str
    default: en
    choices: [en, zh-TW]
author:
  - volume_licensing.kms contributors
"""

EXAMPLES = r"""
- name: Print one line per host
  ansible.builtin.debug:
    msg: "{{ licensing | volume_licensing.kms.office_kms_summary }}"
"""

RETURN = r"""
_value:
  description: The summary line.
  type: str
  sample: "Windows 11 Education 22631 | ProPlus2024Volume Licensed 179d via kms.example.edu:1688"
"""


def _product(p: dict[str, Any]) -> str:
    name = p.get("family") or p.get("name") or p.get("sku_id")
    status = (p.get("license_status") or {}).get("name", "Unknown")
    text = "%s %s" % (name, status)
    if p.get("remaining_days") is not None:
        text += " %dd" % p["remaining_days"]
    if not p.get("kms_client"):
        text += " (%s, not KMS)" % (p.get("channel") or "other channel")
    elif p.get("kms_host"):
        text += " via %s:%s" % (p["kms_host"], p.get("kms_port") or 1688)
    exchange = p.get("last_kms_exchange") or None
    if p.get("kms_client") and status != "Licensed" and exchange and not exchange.get("activated"):
        if not exchange.get("answered"):
            text += " (last KMS request to %s unanswered)" % exchange.get("kms_host")
        else:
            text += " (refused by %s: %s %s, count %s of %s)" % (
                exchange.get("kms_host"), exchange.get("hresult"), exchange.get("error_name") or "",
                exchange.get("kms_count"), exchange.get("required_count"))
    return text


def _status_words(product: dict[str, Any], t: Any) -> str:
    """Windows' LicenseStatus names (docs/licensing-facts.md §2.1) in the reader's words: report.py's."""
    return report.status_label((product.get("license_status") or {}).get("code"), t)


def _translated_product(p: dict[str, Any], t: Any) -> str:
    name = p.get("family") or p.get("name") or p.get("sku_id")
    text = "%s %s" % (name, _status_words(p, t))
    if p.get("remaining_days") is not None:
        text += t.gettext(" %(days)d days") % {"days": p["remaining_days"]}
    if not p.get("kms_client"):
        text += t.gettext(" (%(channel)s, not KMS)") % {"channel": p.get("channel") or t.gettext("other channel")}
    elif p.get("kms_host"):
        text += t.gettext(" via %(host)s:%(port)s") % {"host": p["kms_host"], "port": p.get("kms_port") or 1688}
    exchange = p.get("last_kms_exchange") or None
    licensed = (p.get("license_status") or {}).get("code") == 1
    if p.get("kms_client") and not licensed and exchange and not exchange.get("activated"):
        if not exchange.get("answered"):
            text += t.gettext(" (last KMS request to %(host)s unanswered)") % {"host": exchange.get("kms_host")}
        else:
            text += t.gettext(" (refused by %(host)s: %(code)s %(name)s, count %(count)s of %(required)s)") % {
                "host": exchange.get("kms_host"), "code": exchange.get("hresult"),
                "name": exchange.get("error_name") or "", "count": exchange.get("kms_count"),
                "required": exchange.get("required_count")}
    return text


def _translated(result: dict[str, Any], t: Any) -> str:
    """The line in the reader's language, from the result's codes and figures."""
    if result.get("failed") or result.get("unreachable"):
        return t.gettext("FAILED: %(cause)s") % {"cause": words.failure_cause(result, t)}
    host = result.get("host") or {}
    caption = (host.get("os_caption") or "Windows").replace("Microsoft ", "")
    parts = ["%s %s" % (caption, host.get("os_build") or "")]
    office = [p for p in result.get("products") or [] if p.get("application") == "office"]
    parts += [_translated_product(p, t) for p in office]
    if any(i.get("subscription") for i in result.get("office") or []):
        parts.append(t.gettext("Microsoft 365 Apps (subscription, not managed by KMS)"))
    if not office and not any(i.get("subscription") for i in result.get("office") or []):
        parts.append(t.gettext("Office is installed but has no product key installed") if result.get("office")
                     else t.gettext("no Office installed"))
    reach = result.get("kms_reachability")
    if reach:
        where = "%s:%s" % (reach["kms_host"], reach.get("kms_port")) if reach.get("kms_host") else t.gettext("from DNS")
        if reach.get("reachable"):
            parts.append(t.gettext("KMS %(where)s reachable") % {"where": where})
        else:  # the reason is Windows' own text, in the host's language
            parts.append(t.gettext("KMS %(where)s NOT reachable (%(why)s)") % {
                "where": where, "why": reach.get("error") or t.gettext("no connection")})
    return t.gettext(" | ").join(parts)


def office_kms_summary(result: dict[str, Any], language: str = i18n.DEFAULT) -> str:
    if language != i18n.DEFAULT:
        return _translated(result, i18n.translator(language))
    if result.get("failed") or result.get("unreachable"):
        return "FAILED: %s" % result.get("msg", "no message")
    host = result.get("host") or {}
    caption = (host.get("os_caption") or "Windows").replace("Microsoft ", "")
    parts = ["%s %s" % (caption, host.get("os_build") or "")]
    office = [p for p in result.get("products") or [] if p.get("application") == "office"]
    parts += [_product(p) for p in office]
    for install in result.get("office") or []:
        if install.get("subscription"):
            parts.append("Microsoft 365 Apps (subscription, not managed by KMS)")
    if not office and not any(i.get("subscription") for i in result.get("office") or []):
        parts.append("no Office product key installed" if result.get("office") else "no Office installed")
    reach = result.get("kms_reachability")
    if reach:
        state = "reachable" if reach.get("reachable") else "NOT reachable (%s)" % reach.get("error")
        where = "%s:%s" % (reach["kms_host"], reach.get("kms_port")) if reach.get("kms_host") else "from DNS"
        parts.append("KMS %s %s" % (where, state))
    return " | ".join(parts)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"office_kms_summary": office_kms_summary}
