# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms (documentation in
plugins/modules/office_kms.py).

inspect (one remote call) -> plan (pure Python) -> apply (one remote call, only when the
plan has steps and not in check mode). A compliant host costs one call and no KMS contact.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.module_utils import apply, inspection, plan, remote

ARGUMENT_SPEC = {
    "kms_host": {"type": "str"},
    "kms_port": {"type": "int", "default": 1688},
    "state": {"type": "str", "default": "activated", "choices": list(plan.STATES)},
    "products": {"type": "list", "elements": "str"},
    "product_key": {"type": "str", "no_log": True},
    "renew_below_days": {"type": "int", "default": 30},
    "force": {"type": "bool", "default": False},
    "check_reachable": {"type": "bool", "default": True},
    "connect_timeout": {"type": "float", "default": 5.0},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        host = (task_vars or {}).get("inventory_hostname", "the host")
        try:
            _, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
            desired = self._desired(args)
        except (AnsibleActionFail, ArithmeticError, ValueError) as exc:
            return dict(result, changed=False, failed=True,
                        msg=inspection.invalid_option(exc, ARGUMENT_SPEC, self._task.args, host))

        remote_calls = 1
        try:
            facts = inspection.inspect_host(self._low_level_execute_command, None, desired.kms_port,
                                            args["connect_timeout"], include_windows=False)
            host_plan = plan.plan_host(facts["products"], desired)
        except remote.RemoteError as exc:
            failed = inspection.failure(host, exc)
            failed["msg"] += " Nothing was changed."
            return dict(result, changed=False, remote_calls=remote_calls, **failed)
        except plan.PlanError as exc:
            return dict(result, changed=False, failed=True, remote_calls=remote_calls,
                        msg="Cannot plan %s: %s. Nothing was changed." % (host, exc))

        doc = None
        if host_plan.changes and not self._task.check_mode:
            remote_calls += 1
            try:
                doc = apply.apply_plan(self._low_level_execute_command, host_plan, desired,
                                       args["check_reachable"], args["connect_timeout"])
            except remote.RemoteError as exc:
                return dict(result, changed=False, remote_calls=remote_calls, **apply.failure(host, exc))
            reach = doc.get("reach")
            if reach and not reach.get("reachable"):
                return dict(result, changed=False, remote_calls=remote_calls, **apply.unreachable(host, desired, reach))

        outcome = apply.report(host, host_plan, doc, self._task.check_mode)
        if host_plan.warnings:
            for warning in host_plan.warnings:
                self._display.warning("%s: %s" % (host, warning))
        if not outcome.get("failed"):
            outcome["msg"] = self._summary(outcome, facts["office"])
        if not self._task.diff:
            outcome.pop("diff")
        result.update(outcome)
        result["remote_calls"] = remote_calls
        return result

    @staticmethod
    def _desired(args: dict) -> plan.Desired:
        inspection.check_options(args["kms_host"], args["kms_port"], args["connect_timeout"])
        return plan.check_desired(plan.Desired(
            state=args["state"],
            kms_host=args["kms_host"],
            kms_port=args["kms_port"],
            products=args["products"],
            product_key=args["product_key"],
            renew_below_days=args["renew_below_days"],
            force=args["force"],
        ))

    def _summary(self, outcome: dict, installs: list[dict]) -> str:
        verb = "would change" if self._task.check_mode else "changed"
        changed = [p.get("family") or p["sku_id"] for p in outcome["products"] if p["changed"]]
        compliant = [p.get("family") or p["sku_id"] for p in outcome["products"] if not p["changed"]]
        parts = []
        if changed:
            parts.append("%s: %s" % (verb, ", ".join(changed)))
        if compliant:
            parts.append("compliant: %s" % ", ".join(compliant))
        if outcome["untouched"]:
            parts.append("left alone: %s" % ", ".join(u.get("family") or u["sku_id"] for u in outcome["untouched"]))
        return "; ".join(parts) or self._nothing_to_do(installs)

    @staticmethod
    def _nothing_to_do(installs: list[dict]) -> str:
        """Why a host without any Office product to manage is fine as it is."""
        if not installs:
            return "Office is not installed on this host: nothing to activate"
        if all(i["subscription"] for i in installs):
            return "only Microsoft 365 Apps (subscription) are installed: KMS does not manage them, nothing to do"
        return ("Office is installed (%s) but has no volume licence with a product key: nothing to activate"
                % ", ".join(i.get("name") or ", ".join(i["product_ids"]) for i in installs))
