# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms_info (documentation in
plugins/modules/office_kms_info.py): read-only, one remote call per host."""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction, read


class ActionModule(KmsAction):
    MODULE = "office_kms_info"

    def phases(self, host, desired, result):
        """Only the read (inspection): ``desired`` is the checked options, as a dict."""
        result.update(read(self.execute, host, result, desired["applications"], desired["kms_host"],
                           desired["kms_port"], desired["connect_timeout"], changes=False))
        return result
