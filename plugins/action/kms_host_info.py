# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.kms_host_info (documentation in
plugins/modules/kms_host_info.py): read-only, one remote call to the organisation's KMS host."""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction, read_host


class ActionModule(KmsAction):
    MODULE = "kms_host_info"

    def phases(self, host, desired, result):
        """Only the read (host_inspection): kms_host_info has no options."""
        result.update(read_host(self.execute, host, result, changes=False))
        return result
