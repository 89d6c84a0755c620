# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The apply step of office_kms, and the per-product report of what was (or would be) done.

apply_plan() sends the planned steps in one remote call (office_kms_apply.ps1). report()
turns plan, results and the re-read products into the documented return values. Product
keys never leave this module in clear: steps show a key as its last five characters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.module_utils import gvlk, hresult, licensing, remote
from ansible_collections.volume_licensing.kms.plugins.module_utils.plan import Desired, HostPlan, ProductPlan

APPLY_SCRIPT = "office_kms_apply"
UNAVAILABLE = 0xC004F074  # SL_E_VL_BINDING_SERVICE_UNAVAILABLE: what activation would end in
BEFORE_KEYS = ("sku_id", "kms_host", "kms_port", "partial_key", "license_status", "remaining_days")
STEP_WORDS = {
    "install_key": "install the product key for",
    "set_host": "set the KMS host of",
    "set_port": "set the KMS port of",
    "clear_host": "clear the KMS host of",
    "clear_port": "clear the KMS port of",
    "activate": "activate",
}


def params(host_plan: HostPlan, desired: Desired, check_reachable: bool,
           connect_timeout: float) -> dict[str, Any]:
    """The apply script's parameters. Reachability is tested only when something activates
    and the KMS host is named (with DNS auto-discovery the host is not known here)."""
    activates = any(p.activates for p in host_plan.plans)
    return {
        "check_reachable": bool(check_reachable and activates and desired.kms_host),
        "kms_host": desired.kms_host,
        "kms_port": desired.kms_port,
        "connect_timeout_ms": round(connect_timeout * 1000),
        "jobs": [
            {"class": p.product["license_class"], "id": p.product["sku_id"], "steps": p.steps}
            for p in host_plan.plans if p.steps
        ],
    }


def apply_plan(execute: Callable[..., dict[str, Any]], host_plan: HostPlan, desired: Desired,
               check_reachable: bool, connect_timeout: float) -> dict[str, Any]:
    """Run the plan on the host; returns the script's document. Raises remote.RemoteError
    when the call itself failed (no JSON, script error): nothing can then be said per product."""
    return remote.run_script(execute, APPLY_SCRIPT, params(host_plan, desired, check_reachable, connect_timeout))


def failure(host: str, exc: remote.RemoteError) -> dict[str, Any]:
    """The failed result of a host whose apply call failed. Some steps may have run before it
    did; the next run inspects again and plans only what is still needed."""
    result = exc.result("Failed to apply the plan on %s" % host)
    result["msg"] += (" Some steps may have been done before this happened; the next run reads the host "
                      "afresh and does only what is still needed.")
    return result


def shown_step(step: dict[str, Any]) -> dict[str, Any]:
    """A step as it may appear in output: keys reduced to their last five characters."""
    shown = {"action": step["action"]}
    if step["action"] == "install_key":
        shown["key"] = gvlk.last5(step["value"])
    elif step["value"] is not None:
        shown["value"] = step["value"]
    return shown


def predict(product: dict[str, Any], steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The product as it would be after the steps (check mode)."""
    after = dict(product)
    for step in steps:
        action = step["action"]
        if action == "install_key":
            after["partial_key"] = gvlk.last5(step["value"])
        elif action == "set_host":
            after["kms_host"] = step["value"]
        elif action == "set_port":
            after["kms_port"] = step["value"]
        elif action == "clear_host":
            after["kms_host"] = None
        elif action == "clear_port":
            after["kms_port"] = None
        elif action == "activate":
            after["license_status"] = {"code": licensing.LICENSED, "name": licensing.license_status_name(1)}
    return after


def summary_line(product: dict[str, Any]) -> str:
    """One product's KMS host, port, key and status, for --diff."""
    return "%s (%s): kms_host=%s kms_port=%s key=%s status=%s\n" % (
        product.get("family") or product.get("name"), product["sku_id"], product.get("kms_host") or "-",
        product.get("kms_port") or "-", product.get("partial_key") or "-", product["license_status"]["name"],
    )


def failure_message(host: str, plan: ProductPlan, step: dict[str, Any]) -> str:
    code = hresult.from_hex(step["hresult"])
    what = "%s %s" % (STEP_WORDS.get(step["action"], step["action"]),
                      plan.product.get("family") or plan.product["sku_id"])
    if hresult.lookup(code):
        return "Failed to %s on %s: %s" % (what, host, hresult.explain(code))
    return "Failed to %s on %s: %s (%s)." % (what, host, hresult.to_hex(code), step.get("error") or "no message")


def step_results(plan: ProductPlan, done: list[dict[str, Any]] | None, check_mode: bool) -> list[dict[str, Any]]:
    """Each planned step with its result: ok / failed (with the HRESULT) / not run after a
    failure; "planned" in check mode. ``done`` is what the apply script recorded, in order;
    it stops at the first failure."""
    if done is None:
        return [dict(shown_step(s), result="planned" if check_mode else "not run") for s in plan.steps]
    steps = []
    for index, planned in enumerate(plan.steps):
        if index >= len(done):
            steps.append(dict(shown_step(planned), result="not run"))
            continue
        code = hresult.from_hex(done[index]["hresult"]) if done[index].get("hresult") else None
        steps.append(dict(shown_step(planned), result="failed" if code else "ok", error_code=hresult.to_hex(code),
                          error_name=hresult.name_of(code)))
    return steps


def product_report(host: str, plan: ProductPlan, after: dict[str, Any], done: list[dict[str, Any]] | None,
                   check_mode: bool) -> dict[str, Any]:
    """One product's entry: its state after, before, reasons, steps and outcome."""
    entry = dict(after)
    entry["before"] = {k: plan.product.get(k) for k in BEFORE_KEYS}
    entry["reasons"] = plan.reasons
    entry["steps"] = step_results(plan, done, check_mode)
    entry["changed"] = any(s["result"] in ("ok", "planned") for s in entry["steps"])
    failed = next((r for r in done or [] if r.get("hresult")), None)
    entry["failed"] = failed is not None
    if failed:
        entry.update(hresult.describe(hresult.from_hex(failed["hresult"])))
        entry["msg"] = failure_message(host, plan, failed)
    return entry


def report(host: str, host_plan: HostPlan, doc: dict[str, Any] | None, check_mode: bool) -> dict[str, Any]:
    """The documented result: per product before/after, steps and their results; the task's
    changed/failed, msg and, on failure, error_code / error_name / error_hint. ``doc`` is the
    apply script's document, None when nothing was applied (compliant, or check mode)."""
    after_by_id = {p["sku_id"]: p for p in licensing.products(doc)} if doc else {}
    moved = {j["id"].lower(): (j.get("id_after") or j["id"]).lower() for j in (doc or {}).get("jobs") or []}
    products, diff_before, diff_after = [], "", ""
    for plan in host_plan.plans:
        sku = plan.product["sku_id"]
        if doc is None:
            after, done = predict(plan.product, plan.steps), None
        else:
            after = after_by_id.get(moved.get(sku, sku)) or plan.product
            done = [s for s in doc.get("steps") or [] if (s.get("id") or "").lower() == sku]
        products.append(product_report(host, plan, after, done, check_mode))
        if plan.steps:
            diff_before += summary_line(plan.product)
            diff_after += summary_line(after)
    result: dict[str, Any] = {
        "changed": any(p["changed"] for p in products),
        "products": products,
        "untouched": host_plan.untouched,
        "diff": {"before": diff_before, "after": diff_after},
    }
    failures = [p for p in products if p["failed"]]
    if failures:
        result.update(failed=True, msg=" | ".join(f["msg"] for f in failures),
                      **{k: failures[0][k] for k in ("error_code", "error_name", "error_hint")})
    return result


def unreachable(host: str, desired: Desired, reach: dict[str, Any]) -> dict[str, Any]:
    """The early failure when the host cannot open a TCP connection to the KMS host."""
    return dict(
        failed=True,
        msg="Cannot activate Office on %s: it cannot open a TCP connection to the KMS host %s:%d (%s). "
            "Nothing was changed. %s" % (host, desired.kms_host, desired.kms_port, reach.get("error") or "no answer",
                                         hresult.explain(UNAVAILABLE)),
        **hresult.describe(UNAVAILABLE),
    )
