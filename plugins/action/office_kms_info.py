# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms_info (documentation in
plugins/modules/office_kms_info.py): read-only, one remote call per host."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.module_utils import inspection, remote

ARGUMENT_SPEC = {
    "kms_host": {"type": "str"},
    "kms_port": {"type": "int", "default": 1688},
    "connect_timeout": {"type": "float", "default": 5.0},
    "include_windows": {"type": "bool", "default": False},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        host = (task_vars or {}).get("inventory_hostname", "the host")
        try:
            _, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
            inspection.check_options(args["kms_host"], args["kms_port"], args["connect_timeout"])
        except (AnsibleActionFail, ArithmeticError, ValueError) as exc:
            return dict(result, failed=True, msg=inspection.invalid_option(exc, ARGUMENT_SPEC, self._task.args, host))

        try:
            facts = inspection.inspect_host(
                self._low_level_execute_command,
                args["kms_host"],
                args["kms_port"],
                args["connect_timeout"],
                args["include_windows"],
            )
        except remote.RemoteError as exc:
            return dict(result, remote_calls=1, **inspection.failure(host, exc))
        result.update(facts)
        result["remote_calls"] = 1
        return result
