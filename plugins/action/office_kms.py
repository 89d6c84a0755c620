# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms (documentation in
plugins/modules/office_kms.py).

options -> inspect (one remote call) -> plan (pure Python) -> apply (one remote call, only
when the plan has steps and not in check mode) -> outcome. A compliant host costs one call
and no KMS contact.
"""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import options, outcome, requirements
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction, Stop


class ActionModule(KmsAction):
    MODULE = "office_kms"

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            host, desired = self.checked(result, task_vars)
            # Licences installed without a key are read only when products are named.
            facts = self.read(result, host, outcome.reach_read(desired), desired.kms_port, desired.connect_timeout,
                              include_windows=False, connect=False,
                              keyless_office=bool(desired.products) and desired.state != "absent",
                              **outcome.dns_reads(desired))
        except Stop as stop:
            return stop.result

        if self._below_requirements(host, facts, desired, result):
            return result

        return outcome.converge(self.execute, host, facts, desired, task=self._task, result=result)

    @staticmethod
    def _below_requirements(host: str, facts: dict, desired: options.Desired, result: dict) -> bool:
        """Check the host against its Office version's system requirements, from the facts
        just read (no extra remote call). True when that stops the task (enforce)."""
        if desired.requirements == "skip" or desired.state == "absent":
            return False
        verdict = requirements.verdict(facts["products"], facts["office"], facts["host"], desired.requirement_overrides)
        result["requirements"] = verdict
        if not verdict["shortfalls"] and not verdict["unknown"]:
            return False
        # Unknown facts are reported, not failed, unless the operator asked for strict.
        enforced = desired.requirements == "strict" or (desired.requirements == "enforce"
                                                        and bool(verdict["shortfalls"]))
        message = outcome.below_requirements(host, verdict, enforced)
        if enforced:
            result.update(failed=True, msg=message)
        else:
            result.setdefault("warnings", []).append(message)
        return enforced
