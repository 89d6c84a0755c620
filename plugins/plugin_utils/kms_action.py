# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""What the action plugins that read a Windows host share: check the options before anything
is sent (options.py), then the one read call (inspection.py), with every failure worded by
outcome.py. Each plugin says which module's options it takes and what to read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, inspection, options, outcome
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError


class KmsAction(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    MODULE = ""  # the key of options.SPECS, and of the options.<MODULE>() check

    def checked(self, result: dict[str, Any], task_vars: dict[str, Any] | None) -> tuple[str, Any]:
        """(host, the checked options: a Desired or a dict). Raises _Stop with the failed
        result when an option is refused: nothing has been sent."""
        result["changed"] = False
        host = (task_vars or {}).get("inventory_hostname", "the host")
        spec = options.SPECS[self.MODULE]
        check: Callable[..., Any] = getattr(options, self.MODULE)
        try:
            # Numbers first, as written: Ansible's int and float types take "1e1" and other
            # scripts' digits, and refuse "5;calc" naming a Python type, not the form wanted.
            options.numbers(self.MODULE, self._task.args)
            _unused, args = self.validate_argument_spec(argument_spec=spec)
            wanted = check(args, given=self._task.args)
        except (AnsibleActionFail, ArithmeticError, ValueError) as exc:
            raise Stop(dict(result, failed=True, msg=options.invalid_option(exc, spec, self._task.args, host))) \
                from None
        result.update(options.used(wanted))  # what the host is sent, as checked
        result["remote_calls"] = 1
        return host, wanted

    def read(self, result: dict[str, Any], host: str, *args: Any, changes: bool = True,
             **kwargs: Any) -> dict[str, Any]:
        """The one read call (inspection.inspect_host's arguments). Raises Stop with the failed
        (or unreachable) result when the host cannot be read; ``changes``: the module would
        have changed it, so the message says nothing was."""
        try:
            return inspection.inspect_host(self.execute, *args, **kwargs)
        except CallError as exc:
            raise Stop(dict(result, **outcome.inspect_failure(host, exc, changes=changes))) from None

    def execute(self, command: str, in_data: bytes | None = None, sudoable: bool = False) -> dict[str, Any]:
        """What hostops.run sends a program through: ``_low_level_execute_command``, with the
        command in the form this task's connection plugin runs unchanged (hostops.command_for)."""
        command = hostops.command_for(command, getattr(self._connection, "transport", None))
        return self._low_level_execute_command(command, in_data=in_data, sudoable=sudoable)


class Stop(Exception):
    """The task ends here with this result."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg"))
        self.result = result
