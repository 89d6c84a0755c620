# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.windows_kms (documentation in
plugins/modules/windows_kms.py): KMS client activation of Windows itself, the Windows-only
entry point over office_kms's code (office_kms with ``applications: [windows]``, its
product_key being the Windows key). Office's products are never touched here.
"""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.kms_action import KmsAction


class ActionModule(KmsAction):
    MODULE = "windows_kms"
