# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.windows_kms (documentation in
plugins/modules/windows_kms.py): KMS client activation of Windows itself.

options -> inspect (one remote call: the Windows product and how it was activated) -> plan
-> apply (one remote call, only when the plan has steps and not in check mode) -> outcome,
as office_kms does for Office. Office's products are never touched here.
"""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import outcome
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction, Stop


class ActionModule(KmsAction):
    MODULE = "windows_kms"

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            host, desired = self.checked(result, task_vars)
            facts = self.read(result, host, outcome.reach_read(desired), desired.kms_port, desired.connect_timeout,
                              include_windows=True, connect=False,
                              windows_only=True, **outcome.dns_reads(desired))
        except Stop as stop:
            return stop.result
        return outcome.converge(self.execute, host, facts, desired, task=self._task, result=result)
