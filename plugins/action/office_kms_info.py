# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms_info (documentation in
plugins/modules/office_kms_info.py): read-only, one remote call per host."""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction, Stop, read


class ActionModule(KmsAction):
    MODULE = "office_kms_info"

    def run(self, tmp=None, task_vars=None):
        result = super(KmsAction, self).run(tmp, task_vars)  # ActionBase's: only the read below
        try:
            host, args = self.checked(result, task_vars)
            facts = read(self.execute, host, result, args["applications"], args["kms_host"], args["kms_port"],
                         args["connect_timeout"], changes=False)
        except Stop as stop:
            return stop.result
        result.update(facts)
        return result
