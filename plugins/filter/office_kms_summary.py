# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""office_kms_summary: one line a help-desk reader understands, from an office_kms_info result."""

from __future__ import annotations

from typing import Any

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
options:
  _input:
    description: The registered result of M(volume_licensing.kms.office_kms_info).
    type: dict
    required: true
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


def office_kms_summary(result: dict[str, Any]) -> str:
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
