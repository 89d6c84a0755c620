# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms (documentation in
plugins/modules/office_kms.py): KMS client activation of Office's products and, with
``applications: [office, windows]``, of Windows itself, in the same calls.

options -> inspect (one remote call) -> plan -> apply (one remote call, only when the plan has
steps and not in check mode) -> outcome: KmsAction.run, in plugins/plugin_utils/kms_action.py.
"""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction


class ActionModule(KmsAction):
    MODULE = "office_kms"
