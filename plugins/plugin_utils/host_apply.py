# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The apply phase of kms_host: the write program built from the plan's steps (one remote
call), ending with the KMS host's state read again; the read again after a reply that was lost
or broken; and what came back per step.

Which class, method and argument each step becomes is the table of host step kinds
(host_steps.py). A host key's installation and its product's activation form one group: when
the installation fails its activation is skipped. Every other step stands alone: a setting that
fails does not stop the next one, and the restart of the Software Protection service runs after
whatever was done, so that what was done takes effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    gvlk,
    host_inspection,
    host_steps,
    hostops,
    inspection,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.host_plan import KmsHostPlan
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import Results, cim_invoke, wql_string

AFTER = host_inspection.AFTER


def op_id(index: int) -> str:
    return "step:%d" % index


def group_of(step: dict[str, Any]) -> str | None:
    """A host key and the activation of its product, or an existing product's activation and
    its refresh, form a group; other steps stand alone."""
    if step["action"] == "install_host_key":
        return "key:%s" % gvlk.last5(step["value"])
    if step["action"] == "activate_host":
        target = step["value"]
        return "sku:%s" % target["sku_id"] if target["sku_id"] else "key:%s" % target["partial_key"]
    return None


def target_of(value: dict[str, Any]) -> str:
    """The host product an activation is for: by its SKU ID, or (a key installed by the same
    program) by the key's last five characters, which Windows shows as PartialProductKey."""
    if value["sku_id"]:
        return "ID=%s" % wql_string(value["sku_id"])
    return "PartialProductKey=%s" % wql_string(value["partial_key"])


def step_operations(plan: KmsHostPlan) -> list[hostops.Operation]:
    """The plan's steps as operations, in order."""
    ops: list[hostops.Operation] = []
    for index, step in enumerate(plan.steps):
        kind = host_steps.kind(step)
        group = group_of(step)
        arguments = [(*kind.argument, kind.wire(step["value"]))] if kind.argument else []
        if kind.on == "service":
            ops.append(cim_invoke(op_id(index), inspection.SPP_SERVICE, kind.method, arguments=arguments, group=group))
        elif kind.on == "product":
            ops.append(cim_invoke(op_id(index), inspection.SPP_PRODUCT, kind.method, where=target_of(step["value"]),
                                  group=group))
        elif kind.on == "registry":
            entries = [host_inspection.publish_entry(d["domain"], d["priority"], d["weight"]) for d in step["value"]]
            ops.append(hostops.registry_write(op_id(index), host_inspection.SPP_KEY, host_inspection.PUBLISH_LIST,
                                              entries or None))
        elif kind.on == "firewall":
            ops.append(cim_invoke(op_id(index), host_inspection.FIREWALL_CLASS, kind.method,
                                  where=host_inspection.FIREWALL_WHERE, namespace=host_inspection.FIREWALL_NAMESPACE))
        else:
            ops.append(hostops.service_restart(op_id(index), step["value"]))
        if kind.refresh:
            ops.append(cim_invoke(op_id(index) + ":refresh", inspection.SPP_SERVICE, "RefreshLicenseStatus",
                                  group=group))
    return ops


def program(plan: KmsHostPlan) -> list[hostops.Operation]:
    """The write program: the steps, then the state read again."""
    return step_operations(plan) + host_inspection.state_reads(AFTER)


def apply_plan(execute: Callable[..., dict[str, Any]], plan: KmsHostPlan, host: str | None = None) -> Results:
    """Run the plan on the host (the second remote call). Raises hostops.CallError when the
    call itself gave no results."""
    return hostops.run(execute, program(plan), "apply the plan", host=host)


def read_again(execute: Callable[..., dict[str, Any]], host: str | None = None) -> dict[str, Any]:
    """After an apply call whose reply was lost or broken: the state read again (one more
    remote call). Raises hostops.CallError when that read fails too."""
    again = hostops.run(execute, host_inspection.state_reads(AFTER),
                        "read the host again after the apply call failed", host=host)
    return host_inspection.state(again, AFTER)


def step_outcomes(plan: KmsHostPlan, results: Results) -> list[dict[str, Any]]:
    """Per planned step: ``ok`` / ``failed`` / ``not run``, with the HRESULT and message of a
    failure; a method call and the licence status refresh after it count as one step, and
    ``done`` marks a failed step whose call succeeded (only the refresh failed). A restart's
    ``status`` is the service's state after it."""
    outcomes = []
    for index in range(len(plan.steps)):
        call, refresh = results.get(op_id(index)), results.get(op_id(index) + ":refresh")
        if call is None or call.status == "skipped":
            outcomes.append({"status": "not run"})
        elif call.status == "error":
            outcomes.append({"status": "failed", "hresult": call.hresult, "message": call.message, "done": False})
        elif refresh is not None and refresh.status == "error":
            outcomes.append({"status": "failed", "hresult": refresh.hresult, "message": refresh.message, "done": True})
        else:
            outcome: dict[str, Any] = {"status": "ok"}
            if call.op == "service_restart":
                outcome["service_status"] = call.data.get("status")
            outcomes.append(outcome)
    return outcomes
