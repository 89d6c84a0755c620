# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The action base of the modules that read and change Windows hosts, and the phases in the
order a task runs them:

    options -> inspect -> (requirements) -> plan -> (check mode stops) -> apply
            -> (read again when the reply was lost or broken) -> outcome

options.py checks every option before anything is sent; inspection.py reads the host (one
remote call for every application the task manages); plan.py decides; apply.py writes (one
more call, only when the plan has steps and not in check mode); outcome.py only builds the
result and its messages. A compliant host costs one remote call and contacts no KMS host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    apply,
    host_apply,
    host_inspection,
    host_outcome,
    hostops,
    inspection,
    options,
    outcome,
    requirements,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.host_plan import plan_kms_host
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired, KmsHostDesired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import PlanError, plan_host

Execute = Callable[..., dict[str, Any]]


class Stop(Exception):
    """The task ends here with this result."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg"))
        self.result = result


class KmsAction(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    MODULE = ""  # the key of options.SPECS, and of the options.<MODULE>() check
    CHECK = ""  # the options.<CHECK>() check, where it is not options.<MODULE>()

    def run(self, tmp=None, task_vars=None):
        """The options phase, then the module's phases (phases)."""
        result = super().run(tmp, task_vars)
        try:
            host, wanted = self.checked(result, task_vars)
            return self.phases(host, wanted, result)
        except Stop as stop:
            return stop.result

    def phases(self, host: str, desired: Any, result: dict[str, Any]) -> dict[str, Any]:
        """What runs after the options phase: for office_kms and windows_kms, every phase in
        order (manage). A module that only reads overrides it; it may raise Stop."""
        return manage(self.execute, host, desired, result, check_mode=bool(self._task.check_mode),
                      diff=bool(self._task.diff))

    def checked(self, result: dict[str, Any], task_vars: dict[str, Any] | None) -> tuple[str, Any]:
        """The options phase: (host, the checked options: a Desired or a dict). Raises Stop with
        the failed result when an option is refused: nothing has been sent."""
        result["changed"] = False
        host = (task_vars or {}).get("inventory_hostname", "the host")
        spec = options.SPECS[self.MODULE]
        check: Callable[..., Any] = getattr(options, self.CHECK or self.MODULE)
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

    def execute(self, command: str, in_data: bytes | None = None, sudoable: bool = False) -> dict[str, Any]:
        """What hostops.run sends a program through: ``_low_level_execute_command``, with the
        command in the form this task's connection plugin runs unchanged (hostops.command_for)."""
        command = hostops.command_for(command, getattr(self._connection, "transport", None))
        return self._low_level_execute_command(command, in_data=in_data, sudoable=sudoable)


def read(execute: Execute, host: str, result: dict[str, Any], *args: Any, changes: bool = True,
         **kwargs: Any) -> dict[str, Any]:
    """The inspect phase: one remote call (inspection.inspect_host's arguments). Raises Stop with
    the failed (or unreachable) result when the host cannot be read; ``changes``: the module
    would have changed it, so the message says nothing was."""
    try:
        return inspection.inspect_host(execute, *args, host=host, **kwargs)
    except CallError as exc:
        raise Stop(dict(result, **outcome.inspect_failure(host, exc, changes=changes))) from None


def manage(execute: Execute, host: str, desired: Desired, result: dict[str, Any], *, check_mode: bool,
           diff: bool) -> dict[str, Any]:
    """inspect -> requirements -> plan -> (check mode stops) -> apply -> (read again) -> outcome,
    for the options already checked. ``execute`` sends a command to the host (KmsAction.execute),
    ``result`` is the result so far."""
    try:
        # Licences installed without a key are read only when Office's products are named. The
        # read resolves kms_host on the host (outcome.reach_read) but contacts no KMS host.
        facts = read(execute, host, result, desired.applications, outcome.reach_read(desired), desired.kms_port,
                     desired.connect_timeout, connect=False,
                     keyless_office=bool(desired.products) and desired.state != "absent",
                     **outcome.dns_reads(desired))
        below_requirements(host, facts, desired, result)
    except Stop as stop:
        return stop.result

    try:
        host_plan = plan_host(facts["products"], desired, facts["host"])
    except PlanError as exc:
        return dict(result, failed=True, msg="Cannot plan %s: %s. Nothing was changed." % (host, exc))
    if host_plan.warnings:
        result.setdefault("warnings", []).extend("%s: %s" % (host, w) for w in host_plan.warnings)
    stopped = (outcome.no_dns_kms_host(host, desired, host_plan, facts)
               or outcome.not_reachable(host, desired, host_plan, facts))
    if stopped:
        return dict(result, dns_discovery=facts.get("dns_discovery"), **stopped)
    if check_mode or not host_plan.changes:
        done = outcome.report(host, host_plan, None, check_mode)
        return dict(result, **outcome.finish(done, facts, desired, check_mode=check_mode, diff=diff))

    result["remote_calls"] = 2
    try:
        results = apply.apply_plan(execute, host_plan, desired, host)
    except CallError as exc:
        if not exc.may_have_run:  # the executor refused the program: nothing ran
            return dict(result, **outcome.apply_failure(host, exc))
        try:
            again = apply.read_again(execute, host_plan, host)
        except CallError as second:
            return dict(result, **outcome.state_unknown(host, host_plan, exc, second))
        done = outcome.lost_reply(host, host_plan, exc, again)
        result.setdefault("warnings", []).extend(done.pop("warnings", []))
        return dict(result, **outcome.finish(done, facts, desired, check_mode=False, diff=False))
    stopped = outcome.unreachable(host, desired, host_plan, results)
    if stopped:
        return dict(result, **stopped)
    done = outcome.report(host, host_plan, results, False)
    return dict(result, **outcome.finish(done, facts, desired, check_mode=False, diff=diff))


def below_requirements(host: str, facts: dict[str, Any], desired: Desired, result: dict[str, Any]) -> None:
    """Check the host against its Office version's system requirements, from the facts just
    read (no extra remote call): the verdict in ``result``, a warning, or Stop (enforced)."""
    if desired.requirements == "skip" or desired.state == "absent" or "office" not in desired.applications:
        return
    verdict = requirements.verdict(facts["products"], facts["office"], facts["host"], desired.requirement_overrides)
    result["requirements"] = verdict
    if not verdict["shortfalls"] and not verdict["unknown"]:
        return
    # Unknown facts are reported, not failed, unless the operator asked for strict.
    enforced = desired.requirements == "strict" or (desired.requirements == "enforce" and bool(verdict["shortfalls"]))
    message = outcome.below_requirements(host, verdict, enforced)
    if not enforced:
        result.setdefault("warnings", []).append(message)
        return
    raise Stop(dict(result, failed=True, msg=message))


def read_host(execute: Execute, host: str, result: dict[str, Any], *, changes: bool = True,
              requests: bool = True) -> dict[str, Any]:
    """The inspect phase of the KMS host modules: one remote call (host_inspection.inspect;
    ``requests``: with the requests the host processed). Raises Stop with the failed (or
    unreachable) result when the host cannot be read."""
    try:
        return host_inspection.inspect(execute, host=host, requests=requests)
    except CallError as exc:
        raise Stop(dict(result, **outcome.inspect_failure(host, exc, changes=changes))) from None


def manage_host(execute: Execute, host: str, desired: KmsHostDesired, result: dict[str, Any], *, check_mode: bool,
                diff: bool) -> dict[str, Any]:
    """kms_host's phases: inspect -> plan -> (check mode stops) -> apply -> (read again) ->
    outcome, for the options already checked (host_*.py beside the client modules' phases)."""
    try:
        before = read_host(execute, host, result, requests=False)
    except Stop as stop:
        return stop.result
    try:
        plan = plan_kms_host(before, desired)
    except PlanError as exc:
        return dict(result, failed=True,
                    msg="Cannot configure %s as a KMS host: %s. Nothing was changed." % (host, exc))
    if check_mode or not plan.changes:
        return dict(result, **host_outcome.report(host, plan, before, None, check_mode=check_mode, diff=diff))
    result["remote_calls"] = 2
    try:
        results = host_apply.apply_plan(execute, plan, host)
    except CallError as exc:
        if not exc.may_have_run:  # the executor refused the program: nothing ran
            return dict(result, **outcome.apply_failure(host, exc))
        try:
            again = host_apply.read_again(execute, host)
        except CallError as second:
            return dict(result, **host_outcome.state_unknown(host, plan, exc, second))
        return dict(result, **host_outcome.lost_reply(host, plan, before, exc, again, diff=diff))
    return dict(result, **host_outcome.report(host, plan, before, results, check_mode=False, diff=diff))
