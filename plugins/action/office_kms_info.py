# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms_info (documentation in
plugins/modules/office_kms_info.py): read-only, one remote call per host."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.module_utils import inspection, options, outcome
from ansible_collections.volume_licensing.kms.plugins.module_utils.hostops import CallError

SPEC = options.SPECS["office_kms_info"]


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
            args = options.office_kms_info(args, given=self._task.args)
        except (AnsibleActionFail, ArithmeticError, ValueError) as exc:
            return dict(result, failed=True, msg=options.invalid_option(exc, SPEC, self._task.args, host))

        result.update(options.used(args))  # what the host is sent, as checked
        result["remote_calls"] = 1
        try:
            facts = inspection.inspect_host(self._low_level_execute_command, args["kms_host"], args["kms_port"],
                                            args["connect_timeout"], args["include_windows"])
        except CallError as exc:
            return dict(result, **outcome.inspect_failure(host, exc, changes=False))
        result.update(facts)
        return result
