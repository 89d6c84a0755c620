# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms_info (documentation in
plugins/modules/office_kms_info.py): read-only, one remote call per host."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.module_utils import hresult, inspection

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
        _, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            inspection.check_options(args["kms_host"], args["kms_port"], args["connect_timeout"])
        except ValueError as exc:
            return dict(result, failed=True, msg="Invalid option: %s. Nothing was sent to the host." % exc)

        try:
            facts = inspection.inspect_host(
                self._low_level_execute_command,
                args["kms_host"],
                args["kms_port"],
                args["connect_timeout"],
                args["include_windows"],
            )
        except inspection.InspectError as exc:
            host = task_vars.get("inventory_hostname") if task_vars else None
            return dict(
                result,
                failed=True,
                msg="Failed to inspect %s (step: %s): %s" % (host, exc.step, exc),
                remote_calls=1,
                **hresult.describe(exc.code),
            )
        result.update(facts)
        result["remote_calls"] = 1
        return result
