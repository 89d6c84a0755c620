# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.kms_host (documentation in plugins/modules/kms_host.py):
the organisation's KMS host, its host keys, their activation, its settings and firewall rule.

options -> inspect (one remote call) -> plan -> apply (one remote call, only when the plan has
steps and not in check mode) -> outcome: KmsAction.run with kms_action.manage_host.
"""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction, manage_host


class ActionModule(KmsAction):
    MODULE = "kms_host"
    CHECK = "kms_host_options"  # options.kms_host checks a KMS host name

    def phases(self, host, desired, result):
        return manage_host(self.execute, host, desired, result, check_mode=bool(self._task.check_mode),
                           diff=bool(self._task.diff))
