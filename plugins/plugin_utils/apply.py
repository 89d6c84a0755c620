# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The apply phase of office_kms and windows_kms: the write program built from the plan's
steps (one remote call), the read again after a reply that was lost or broken, and what came
back per step.

Which class, method and argument each step becomes is the table of step kinds (steps.py).
The KMS host and port are set per product, never service-wide, so Windows' own activation
settings stay untouched. A product's steps form one group: once one fails, the rest of that
product's steps are skipped, and the other products go on. Product keys never leave this
module in clear except inside the program itself (no_log on the option keeps it out of logs).

Licensing facts are cited by their section in docs/licensing-facts.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, hostops, inspection, licensing, steps
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import Results, cim_invoke, wql_string
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import HostPlan, ProductPlan

REACH = "reach"
AFTER = "after:"  # re-read of the products touched, per class (the SPP's with how they are activated)


def _group(product: dict[str, Any]) -> str:
    return "sku:%s" % product["sku_id"]


def by_id(sku_id: str) -> str:
    return "ID=%s" % wql_string(sku_id)


def by_key(product: dict[str, Any], key: str) -> str:
    """The product of the same application whose installed key is ``key``: where an installed
    key lands (a MAK SKU's published KMS key lands on the KMS client SKU of the product)."""
    return "ApplicationID=%s AND PartialProductKey=%s" % (wql_string(product["application_id"]),
                                                          wql_string(gvlk.last5(key)))


def step_operations(product: dict[str, Any], planned: list[dict[str, Any]]) -> list[hostops.Operation]:
    """One product's steps as method calls, in order, in one group."""
    cls = product["license_class"]
    service = inspection.SERVICE_OF[cls]
    group = _group(product)
    target = by_id(product["sku_id"])
    ops = []
    for index, step in enumerate(planned):
        op_id = "%s:%d" % (group, index)
        kind = steps.kind(step)
        arguments = [(*kind.argument, kind.wire(step["value"]))] if kind.argument else []
        if kind.on == "service":
            ops.append(cim_invoke(op_id, service, kind.method, arguments=arguments, group=group))
        else:
            ops.append(cim_invoke(op_id, cls, kind.method, where=target, arguments=arguments, group=group))
        if kind.secret:  # a key installed: the product is now the one that holds it
            target = by_key(product, step["value"])
        if cls == inspection.SPP_PRODUCT and kind.refresh:
            ops.append(cim_invoke(op_id + ":refresh", service, "RefreshLicenseStatus", group=group))
    return ops


def reread_operations(host_plan: HostPlan) -> list[hostops.Operation]:
    """One query per class touched, for exactly the products touched (by ID, or by the key
    installed on them), with the properties the inspect phase reads."""
    conditions: dict[str, list[str]] = {}
    for plan in host_plan.plans:
        if not plan.steps:
            continue
        found = conditions.setdefault(plan.product["license_class"], [])
        found.append(by_id(plan.product["sku_id"]))
        found += ["(%s)" % by_key(plan.product, s["value"]) for s in plan.steps if s["action"] == "install_key"]
    ops = [inspection.spp_products(AFTER + cls, " OR ".join(found)) if cls == inspection.SPP_PRODUCT
           else hostops.cim_query(AFTER + cls, cls, inspection.PRODUCT_PROPERTIES, " OR ".join(found))
           for cls, found in conditions.items()]
    # After clearing an SPP product's KMS settings: whose settings it shows now, its own or the
    # service-wide ones (inspection.kms_sources), for outcome.observed.
    apps = sorted({p.product["application_id"] for p in host_plan.plans
                   if p.product["license_class"] == inspection.SPP_PRODUCT
                   and any(s["action"] in ("clear_host", "clear_port") for s in p.steps)})
    if apps:
        ops += [inspection.service_read()] + inspection.own_kms_reads(apps)
    return ops


def program(host_plan: HostPlan, desired: Desired) -> list[hostops.Operation]:
    """The write program. Reachability is tested first, and stops everything when it fails,
    only when something activates and the KMS host is named (with DNS auto-discovery the
    host is not known here): activation could only end in 0xC004F074 (docs/licensing-facts.md §6, §7.1)."""
    ops = []
    if desired.check_reachable and desired.kms_host and any(p.activates for p in host_plan.plans):
        ops.append(hostops.tcp_connect(REACH, desired.kms_host, desired.kms_port, desired.connect_timeout_ms,
                                       require=True))
    for plan in host_plan.plans:
        if plan.steps:
            ops += step_operations(plan.product, plan.steps)
    return ops + after_operations(host_plan)


def after_operations(host_plan: HostPlan) -> list[hostops.Operation]:
    """What the apply program reads last (and a read after a lost reply reads alone): the
    products touched, and when something activates, the KMS exchanges the activations logged
    (docs/licensing-facts.md §10.2), for failure messages."""
    activating = [p.product for p in host_plan.plans if p.activates]
    if not activating:
        return reread_operations(host_plan)
    return reread_operations(host_plan) + inspection.evidence_operations(
        any(p["license_class"] == inspection.OSPP_PRODUCT for p in activating), False, None)


def exchanges_after(results: Results) -> list[dict[str, Any]] | None:
    """The KMS exchanges after_operations read, newest first; None when it read none."""
    return inspection.host_evidence(results)["kms_exchanges"] if "events_spp" in results else None


def apply_plan(execute: Callable[..., dict[str, Any]], host_plan: HostPlan, desired: Desired,
               host: str | None = None) -> Results:
    """Run the plan on the host (the second remote call). Raises hostops.CallError when the
    call itself gave no results."""
    return hostops.run(execute, program(host_plan, desired), "apply the plan", host=host)


def read_again(execute: Callable[..., dict[str, Any]], host_plan: HostPlan, host: str | None = None) -> Results:
    """After an apply call whose reply was lost or broken: read the planned products again
    (one more remote call), as the apply program would have read them last. Raises
    hostops.CallError when that read fails too, including a product query that failed, which
    would read as "nothing done": that is not known either."""
    program = after_operations(host_plan)
    again = hostops.run(execute, program, "read the host again after the apply call failed", host=host)
    inspection.first_error(again, [op["id"] for op in program if op["id"].startswith(AFTER)])
    return again


def step_outcomes(plan: ProductPlan, results: Results) -> list[dict[str, Any]]:
    """Per planned step: status ``ok`` / ``failed`` / ``not run``, with the HRESULT and message
    of a failure. A step's method call and the status refresh after it count as one step;
    ``done`` marks a failed step whose method call succeeded (only the refresh failed): the
    host was changed."""
    group = _group(plan.product)
    outcomes = []
    for index in range(len(plan.steps)):
        op_id = "%s:%d" % (group, index)
        call, refresh = results.get(op_id), results.get(op_id + ":refresh")
        if call is None or call.status == "skipped":
            outcomes.append({"status": "not run"})
        elif call.status == "error":
            outcomes.append({"status": "failed", "hresult": call.hresult, "message": call.message, "done": False})
        elif refresh is not None and refresh.status == "error":
            outcomes.append({"status": "failed", "hresult": refresh.hresult, "message": refresh.message,
                             "done": True})
        else:
            outcomes.append({"status": "ok"})
    return outcomes


def products_after(host_plan: HostPlan, results: Results) -> dict[str, dict[str, Any]]:
    """Each planned product as re-read after the steps, by its SKU ID before them. A product
    whose key moved it to another SKU (MAK to KMS client) is found by that key."""
    after = inspection.kms_sources(inspection.with_activation_types(
        [licensing.product(raw, cls) for cls in inspection.SERVICE_OF for raw in results.instances(AFTER + cls)],
        results, AFTER + inspection.SPP_PRODUCT), results)
    found = {}
    for plan in host_plan.plans:
        sku = plan.product["sku_id"]
        keys = [gvlk.last5(s["value"]) for s in plan.steps if s["action"] == "install_key"]
        match = None
        if keys:
            match = next((p for p in after if (p.get("partial_key") or "").upper() == keys[-1]
                          and p["license_class"] == plan.product["license_class"]), None)
        found[sku] = match or next((p for p in after if p["sku_id"] == sku), None) or plan.product
    return found
