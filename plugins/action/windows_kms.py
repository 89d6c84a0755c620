# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.windows_kms (documentation in
plugins/modules/windows_kms.py): KMS client activation of Windows itself.

options -> inspect (one remote call: the Windows product and how it was activated) -> plan
-> apply (one remote call, only when the plan has steps and not in check mode) -> outcome,
as office_kms does for Office. Office's products are never touched here.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.module_utils import inspection, options, outcome
from ansible_collections.volume_licensing.kms.plugins.module_utils.hostops import CallError

SPEC = options.SPECS["windows_kms"]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        host = (task_vars or {}).get("inventory_hostname", "the host")
        try:
            _, args = self.validate_argument_spec(argument_spec=SPEC)
            desired = options.windows_kms(args, given=self._task.args)
        except (AnsibleActionFail, ArithmeticError, ValueError) as exc:
            return dict(result, failed=True, msg=options.invalid_option(exc, SPEC, self._task.args, host))

        result.update(options.used(desired))  # what the host is sent, as checked
        result["remote_calls"] = 1
        try:
            facts = inspection.inspect_host(self._low_level_execute_command, None, desired.kms_port,
                                            desired.connect_timeout, include_windows=True, windows_only=True,
                                            **outcome.dns_reads(desired))
        except CallError as exc:
            return dict(result, **outcome.inspect_failure(host, exc))
        return outcome.converge(self._low_level_execute_command, host, facts, desired, task=self._task, result=result)
