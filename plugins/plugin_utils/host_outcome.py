# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The outcome phase of kms_host: the result, its messages and ``changed``. Pure functions: the
plan, the state read before, and what the apply call reported (or nothing, in check mode or
when nothing was to be done; or the state read again after a lost reply) in; the documented
return values out. Host keys appear only as their last five characters.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    host_apply,
    host_inspection,
    host_steps,
    hresult,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.host_plan import KmsHostPlan, label, shown
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import (
    CallError,
    Results,
    sentence,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.outcome import lost_head, unknown_state

# What activation of a host key needs when it fails with a code this collection cannot explain
# (docs/licensing-facts.md §12.4: online, or by phone).
ONLINE_ACTIVATION = ("Activating a KMS host key needs Internet access from the host to Microsoft's activation "
                     "servers; without it, activate by phone: slmgr /dti <Activation ID>, slui 4, then slmgr /atp "
                     "<Confirmation ID> <Activation ID>.")
# The state's keys the result returns (kms_host_info's, without the host facts and the requests).
STATE_KEYS = ("is_kms_host", "kms_enabled", "host_products", "office_volume_license_packs", "listening_port",
              "dns_publishing", "low_priority", "activation_interval", "renewal_interval", "current_count",
              "activates_office", "activates_windows_server", "activates_windows_clients", "firewall",
              "dns_publishing_domains")


def step_results(plan: KmsHostPlan, outcomes: list[dict[str, Any]] | None, check_mode: bool) -> list[dict[str, Any]]:
    """Each planned step with why and its result: ok / failed (with the HRESULT) / not run /
    unknown (after a lost reply, what a read cannot tell); "planned" in check mode."""
    found = []
    for index, (step, reason) in enumerate(zip(plan.steps, plan.reasons, strict=True)):
        entry = dict(host_steps.shown(step), reason=reason)
        outcome = outcomes[index] if outcomes is not None else {"status": "planned" if check_mode else "not run"}
        entry["result"] = outcome["status"]
        if outcome["status"] == "failed":
            code = outcome.get("hresult")
            entry.update(error_code=hresult.to_hex(code), error_name=hresult.name_of(code))
        if "service_status" in outcome:
            entry["service_status"] = outcome["service_status"]
        found.append(entry)
    return found


def failure_message(host: str, step: dict[str, Any], outcome: dict[str, Any]) -> str:
    """Why a step failed, with the host, what it was about, the step, the HRESULT and what to do."""
    what = host_steps.words(step)
    if outcome.get("done"):  # the call succeeded; the licence status refresh after it did not
        what = "refresh the licence status after the attempt to " + what
    where = "%s (step %s)" % (host, step["action"])
    code = outcome.get("hresult")
    if code is None:
        message = ("Failed to %s on %s: Windows reported an error without an error code (%s). Run the task again; "
                   "if it persists, check the Software Protection service on the host."
                   % (what, where, sentence(outcome.get("message") or "no message").rstrip(".")))
    elif hresult.lookup(code):
        message = "Failed to %s on %s: %s" % (what, where, hresult.explain(code, host_side=True))
    else:
        message = "Failed to %s on %s: %s (%s)." % (what, where, hresult.to_hex(code),
                                                    sentence(outcome.get("message") or "no message").rstrip("."))
    if step["action"] == "activate_host" and not (code is not None and hresult.lookup(code)):
        message += " " + ONLINE_ACTIVATION
    return message


def status_line(state: dict[str, Any]) -> str:
    """The KMS host in one line: host products, settings, firewall, count."""
    def yes(flag: Any) -> str:
        return "yes" if flag else "no"

    products = ", ".join("%s (key %s, %s)" % (label(p), p.get("partial_key"), p["license_status"]["name"])
                         for p in state["host_products"]) or "no host key installed"
    rule = state["firewall"]
    firewall = ("rule %s %s" % (rule["rule"], {True: "enabled", False: "disabled"}.get(rule["enabled"], "unknown"))
                if rule["found"] else "no rule %s" % rule["rule"])
    publishing = {True: "on", False: "off"}.get(state["dns_publishing"], "unknown")
    if state.get("dns_publishing_domains"):
        publishing += " (also in %s)" % host_steps.domains_words(state["dns_publishing_domains"])
    return ("%s; port %s, DNS publishing %s, priority %s, firewall %s; count %s: activates Office %s, Windows Server "
            "%s, Windows clients %s"
            % (products, state["listening_port"], publishing,
               {True: "low", False: "normal"}.get(state["low_priority"], "unknown"), firewall,
               "unknown" if state["current_count"] is None else state["current_count"],
               yes(state["activates_office"]), yes(state["activates_windows_server"]),
               yes(state["activates_windows_clients"])))


def diff_text(state: dict[str, Any]) -> str:
    """The state's managed values, one per line, for --diff."""
    lines = ["host key %s: %s, %s" % (p.get("partial_key"), label(p), p["license_status"]["name"])
             for p in state["host_products"]]
    lines += ["%s: %s" % (name, shown(state[name])) for name in ("listening_port", "dns_publishing", "low_priority",
                                                                 "activation_interval", "renewal_interval")]
    lines.append("dns_publishing_domains: %s" % host_steps.domains_words(state["dns_publishing_domains"]))
    rule = state["firewall"]
    found = {True: "enabled", False: "disabled"}.get(rule["enabled"], "not found")
    lines.append("firewall rule %s: %s" % (rule["rule"], found))
    return "".join(line + "\n" for line in lines)


def _finish(host: str, plan: KmsHostPlan, before: dict[str, Any], after: dict[str, Any],
            outcomes: list[dict[str, Any]] | None, *, check_mode: bool, diff: bool,
            warnings: list[str]) -> dict[str, Any]:
    steps = step_results(plan, outcomes, check_mode)
    changed = any(s["result"] in ("ok", "planned", "unknown") for s in steps) or \
        any(o.get("done") for o in outcomes or [])
    result: dict[str, Any] = {"changed": changed, "steps": steps, **{k: after[k] for k in STATE_KEYS}}
    failures = [(step, o) for step, o in zip(plan.steps, outcomes or [], strict=False) if o["status"] == "failed"]
    if failures:
        done = [host_steps.words(s) for s, o in zip(plan.steps, outcomes or [], strict=False) if o["status"] == "ok"]
        undone = [host_steps.words(s) for s, o in zip(plan.steps, outcomes or [], strict=False)
                  if o["status"] == "not run"]
        msg = " | ".join(failure_message(host, step, o) for step, o in failures)
        if done:
            msg += " Done: %s." % "; ".join(done)
        if undone:
            msg += " Not run: %s." % "; ".join(undone)
        result.update(failed=True, msg=msg, **hresult.describe(failures[0][1].get("hresult"), host_side=True))
    else:
        verb = "would change" if check_mode else "changed"
        head = "%s: %s; " % (verb, "; ".join(host_steps.words(s) for s in plan.steps)) if plan.steps else "compliant: "
        result["msg"] = head + status_line(after)
    if warnings:
        result["warnings"] = ["%s: %s" % (host, w) for w in warnings]
    if diff:
        result["diff"] = {"before": diff_text(before), "after": diff_text(after)}
    return result


def report(host: str, plan: KmsHostPlan, before: dict[str, Any], results: Results | None, *, check_mode: bool,
           diff: bool) -> dict[str, Any]:
    """The documented result. ``results`` is what the apply call reported, None when nothing was
    applied (nothing to do, or check mode: the state then is the one predicted)."""
    warnings = list(plan.warnings)
    if results is None:
        return _finish(host, plan, before, host_steps.predict(before, plan.steps) if check_mode else before, None,
                       check_mode=check_mode, diff=diff, warnings=warnings)
    outcomes = host_apply.step_outcomes(plan, results)
    done = [step for step, o in zip(plan.steps, outcomes, strict=True) if o["status"] == "ok"]
    try:
        after = host_inspection.state(results, host_apply.AFTER)
    except CallError as exc:
        after = host_steps.predict(before, done)
        warnings.append("the KMS host could not be read again after the steps (step: %s: %s); the state returned is "
                        "what the steps that succeeded predict" % (exc.step, sentence(str(exc)).rstrip(".")))
    else:
        for step in done:
            if host_steps.observed(step, after) is False:
                warnings.append("%s succeeded, but the host read again does not show it done" % host_steps.words(step))
    return _finish(host, plan, before, after, outcomes, check_mode=False, diff=diff, warnings=warnings)


def lost_reply(host: str, plan: KmsHostPlan, before: dict[str, Any], exc: CallError, again: dict[str, Any], *,
               diff: bool) -> dict[str, Any]:
    """The apply call did not come back whole, and ``again`` is the state read again
    (host_apply.read_again): each step is ok when the host shows it done, not run when it does
    not, unknown when a read cannot tell (the restart). The task fails when a step is left undone."""
    outcomes = []
    for step in plan.steps:
        seen = host_steps.observed(step, again)
        outcomes.append({"status": {True: "ok", False: "not run", None: "unknown"}[seen]})
    undone = [host_steps.words(s) for s, o in zip(plan.steps, outcomes, strict=True) if o["status"] == "not run"]
    unknown = [host_steps.words(s) for s, o in zip(plan.steps, outcomes, strict=True) if o["status"] == "unknown"]
    head = lost_head(host, exc)
    warnings = list(plan.warnings)
    if unknown:
        warnings.append("whether the host did %s is not known: restart the Software Protection service yourself "
                        "(Restart-Service sppsvc) for new settings to take effect" % " and ".join(unknown))
    result = _finish(host, plan, before, again, outcomes, check_mode=False, diff=diff, warnings=warnings)
    result["remote_calls"] = 3
    result["left_undone"] = [s["action"] for s, o in zip(plan.steps, outcomes, strict=True) if o["status"] == "not run"]
    if undone:
        result.update(failed=True, error_code=None, error_name=None, error_hint=exc.hint,
                      msg="%s. Read again, %s does not show these done: %s. Run the task again: it reads the host "
                          "afresh and does only what is still needed." % (head, host, "; ".join(undone)))
    else:
        result.setdefault("warnings", []).append("%s. Read again afterwards, the host shows every step done." % head)
    return result


def state_unknown(host: str, plan: KmsHostPlan, exc: CallError, second: CallError) -> dict[str, Any]:
    """The apply call did not come back whole and reading the host again failed too."""
    steps = step_results(plan, [{"status": "unknown"} for _step in plan.steps], False)
    return dict(unknown_state(host, exc, second), steps=steps)
