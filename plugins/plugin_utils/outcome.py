# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The outcome phase of office_kms and windows_kms: the per-host result, its messages,
``changed`` and a section per application.

Pure functions: the plan, and what the apply call reported (or nothing, in check mode or
when the host was compliant; or what a read again found after a lost reply), in; the
documented return values out. The remote calls are made by the action base (kms_action.py)
and apply.py, never here. Product keys appear only as their last five characters.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    apply,
    evidence,
    hostops,
    hresult,
    inspection,
    licensing,
    steps,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import (
    CallError,
    Results,
    TransportError,
    sentence,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import HostPlan, ProductPlan

UNAVAILABLE = 0xC004F074  # SL_E_VL_BINDING_SERVICE_UNAVAILABLE: what activation would end in
# DNS_ERROR_RCODE_NAME_ERROR: what a KMS client reports without one (docs/licensing-facts.md §10.3)
NO_SRV_RECORD = 0x8007232B
BEFORE_KEYS = ("sku_id", "kms_host", "kms_port", "partial_key", "license_status", "remaining_days")


def call_failure(what: str, exc: CallError) -> dict[str, Any]:
    """``failed``, ``msg`` ("<what> (step: ...): cause. HRESULT or hint") and the error_code /
    error_name / error_hint return values of a call or read that failed."""
    explanation = hresult.explain(exc.code) if exc.code is not None else (exc.hint or "")
    msg = "%s (step: %s): %s %s" % (what, exc.step, sentence(str(exc)), explanation)
    described = hresult.describe(exc.code)
    if described["error_hint"] is None:
        described["error_hint"] = exc.hint
    return dict(failed=True, msg=msg.strip(), **described)


def transport_failure(what: str, exc: TransportError) -> dict[str, Any]:
    """A connection that failed, classified one way for every module (hostops.TRANSPORT_FAILURES):
    ``unreachable`` when the host never answered (Ansible counts it UNREACHABLE), else failed;
    the connection's own text in ``transport_detail``, never in the message."""
    result = dict(msg="%s (step: %s): %s. %s" % (what, exc.step, exc, exc.hint), error_code=None, error_name=None,
                  error_hint=exc.hint, transport_error=exc.kind, transport_detail=exc.detail)
    result["unreachable" if exc.unreachable else "failed"] = True
    return result


def inspect_failure(host: str, exc: CallError, changes: bool = True) -> dict[str, Any]:
    """The failed result of a host that could not be read: nothing was changed, since reads
    change nothing (``changes``: the module would have changed the host, so the message says so)."""
    if isinstance(exc, TransportError):
        failed = transport_failure("Cannot read %s" % host, exc)
    else:
        failed = call_failure("Failed to inspect %s" % host, exc)
    if changes:
        failed["msg"] += " Nothing was changed."
    return failed


def apply_failure(host: str, exc: CallError) -> dict[str, Any]:
    """The failed result of a host whose apply program did not run (the executor refused it,
    or PowerShell stopped before running anything)."""
    result = call_failure("Failed to apply the plan on %s" % host, exc)
    result["msg"] += " Nothing was changed."
    return result


def state_unknown(host: str, host_plan: HostPlan, exc: CallError, second: CallError) -> dict[str, Any]:
    """The apply call did not come back whole and reading the host again failed too: some
    steps may have run, and what the host now shows is not known."""
    products = [dict(plan.product, steps=step_results(plan, None, False), changed=None, failed=True,
                     left_undone=[s["action"] for s in plan.steps]) for plan in host_plan.plans if plan.steps]
    return dict(unknown_state(host, exc, second), products=products)


def unknown_state(host: str, exc: CallError, second: CallError) -> dict[str, Any]:
    """What every module's result says when the apply call did not come back whole and the read
    after it failed too (office_kms, windows_kms and kms_host add what they were changing)."""
    return dict(failed=True, changed=True, state_unknown=True, remote_calls=3,
                transport_error=exc.kind if isinstance(exc, TransportError) else None, error_code=None,
                error_name=None, error_hint=exc.hint,
                msg="%s. Reading %s again failed too (%s): its state is unknown and some steps may have been "
                    "done. Run the task again: it reads the host afresh and finishes the job."
                    % (lost_head(host, exc), host, sentence(str(second)).rstrip(".")))


def lost_head(host: str, exc: CallError) -> str:
    """The first sentence of a lost or broken apply call's message."""
    if isinstance(exc, TransportError):
        cause = "the apply call failed: %s" % exc
    else:
        cause = "the apply call gave no usable reply: %s" % sentence(str(exc)).rstrip(".")
    return "Could not confirm the plan on %s (step: %s): %s" % (host, exc.step, cause)


def lost_reply(host: str, host_plan: HostPlan, exc: CallError, again: Results) -> dict[str, Any]:
    """The apply call did not come back whole (its reply lost, cut short or garbled, or the
    connection failed meanwhile), and ``again`` is the host read again (apply.read_again):
    per product what the host now shows done (``changed``) and what was left undone."""
    head = lost_head(host, exc)
    after_by_sku = apply.products_after(host_plan, again)
    exchanges = apply.exchanges_after(again)
    products, done, undone = [], [], []
    for plan in host_plan.plans:
        after = after_by_sku[plan.product["sku_id"]]
        seen = [steps.observed(s, plan.product, after) for s in plan.steps]
        outcomes = [{"status": "ok" if ok else "not run"} for ok in seen]
        entry = product_report(host, plan, after, outcomes, False, exchanges=exchanges)
        entry["left_undone"] = [s["action"] for s, ok in zip(plan.steps, seen, strict=True) if not ok]
        entry["failed"] = bool(entry["left_undone"])
        products.append(entry)
        label = licensing.label(plan.product)
        if any(seen):
            done.append("%s: done %s" % (label, ", ".join(s["action"] for s, ok in zip(plan.steps, seen, strict=True)
                                                          if ok)))
        if entry["left_undone"]:
            undone.append("%s: %s" % (label, ", ".join(entry["left_undone"])))
    result: dict[str, Any] = {"changed": any(p["changed"] for p in products), "products": products,
                              "untouched": host_plan.untouched, "kms_exchanges": exchanges,
                              "remote_calls": 3, "state_unknown": False,
                              "transport_error": exc.kind if isinstance(exc, TransportError) else None}
    seen_text = "; ".join(done) or "nothing was changed"
    if undone:
        result.update(failed=True, error_code=None, error_name=None, error_hint=exc.hint,
                      msg="%s. Read again afterwards, the host shows: %s. Left undone: %s. Run the task again: it "
                          "does only what is still needed." % (head, seen_text, "; ".join(undone)))
    else:
        result["warnings"] = ["%s. Read again afterwards, the host shows every step done: %s." % (head, seen_text)]
    return result


def below_requirements(host: str, verdict: dict[str, Any], enforced: bool) -> str:
    """Why a host falls short of its Office version's system requirements, or which facts the
    check could not use (``unknown``, never a shortfall: only requirements: strict fails on
    them), and what to do. ``enforced``: the host stops here."""
    shortfalls = "; ".join(verdict["shortfalls"])
    unknown = "; ".join(verdict.get("unknown") or [])
    if not shortfalls:
        if not enforced:
            return ("%s: %s's system requirements could not all be checked: %s. An unknown fact is not a "
                    "shortfall: carrying on (requirements: strict would fail the host)."
                    % (host, verdict["name"], unknown))
        # An Office version without a requirements table (unknown_versions) is not a fact Windows
        # failed to report: the advice differs.
        facts_unknown = len(verdict.get("unknown") or []) > len(verdict.get("unknown_versions") or [])
        advice = ("Find out why Windows does not report them (Get-CimInstance on the class named), or, to check "
                  "only the facts that are known," if facts_unknown else
                  "Check the host against Microsoft's requirements for that Office version yourself, or, to go on "
                  "without them,")
        return ("%s: %s's system requirements could not all be checked: %s. Nothing was changed on it "
                "(requirements: strict fails a host whose facts are unknown). %s "
                "set requirements: enforce (in the role: office_kms_requirements: enforce in this host's "
                "host_vars, or -e office_kms_requirements=enforce with --limit)."
                % (host, verdict["name"], unknown, advice))
    also = " Unknown, so not checked: %s." % unknown if unknown else ""
    if not enforced:
        return ("%s is below %s's system requirements: %s.%s Activating anyway (requirements: warn)."
                % (host, verdict["name"], shortfalls, also))
    return ("%s is below %s's system requirements: %s.%s Nothing was changed on it. Raise the hardware (or "
            "upgrade Windows), or, to activate anyway, set requirements: warn (in the role: "
            "office_kms_requirements: warn in this host's host_vars, or -e office_kms_requirements=warn "
            "with --limit)." % (host, verdict["name"], shortfalls, also))


def summary_line(product: dict[str, Any]) -> str:
    """One product's KMS host, port, key and status, for --diff."""
    return "%s (%s): kms_host=%s kms_port=%s key=%s status=%s\n" % (
        licensing.label(product), product["sku_id"], product.get("kms_host") or "-",
        product.get("kms_port") or "-", product.get("partial_key") or "-", product["license_status"]["name"],
    )


def failure_message(host: str, plan: ProductPlan, step: dict[str, Any], outcome: dict[str, Any], *,
                    exchange: dict[str, Any] | None = None, connected: bool = False) -> str:
    """Why a step failed and what to do; a failed activation ends with the product's last KMS
    exchange as the host's licensing events recorded it (evidence.py). ``connected``: the host
    opened a TCP connection to the KMS host just before, so 0xC004F074 means a KMS host that
    does not answer, not one out of reach."""
    what = "%s %s" % (steps.kind(step).words, licensing.label(plan.product))
    if outcome.get("done"):  # the call succeeded; the licence status refresh after it did not
        what = "refresh the licence status after the attempt to " + what
    code = outcome.get("hresult")
    if code is None:
        message = ("Failed to %s on %s: Windows reported an error without an error code (%s). Run the task again; "
                   "if it persists, check the licensing service on the host."
                   % (what, host, outcome.get("message") or "no message"))
    elif code == UNAVAILABLE and connected and step["action"] == "activate":
        message = "Failed to %s on %s: %s SL_E_VL_BINDING_SERVICE_UNAVAILABLE: %s." % (
            what, host, hresult.to_hex(code), evidence.SILENT_KMS_HOST)
        if exchange is not None and not exchange.get("answered"):
            exchange = None  # the sentence above already says what its unanswered request means
    elif hresult.lookup(code):
        message = "Failed to %s on %s: %s" % (what, host, hresult.explain(code))
    else:
        message = "Failed to %s on %s: %s (%s)." % (what, host, hresult.to_hex(code),
                                                    outcome.get("message") or "no message")
    if step["action"] == "activate" and exchange is not None:
        sentence_ = evidence.describe(exchange, plan.product["application"])
        message = "%s %s%s." % (message, sentence_[0].upper(), sentence_[1:])
    return message


def step_results(plan: ProductPlan, outcomes: list[dict[str, Any]] | None, check_mode: bool) -> list[dict[str, Any]]:
    """Each planned step with its result: ok / failed (with the HRESULT) / not run after a
    failure; "planned" in check mode."""
    if outcomes is None:
        return [dict(steps.shown(s), result="planned" if check_mode else "not run") for s in plan.steps]
    found = []
    for planned, outcome in zip(plan.steps, outcomes, strict=True):
        entry = dict(steps.shown(planned), result=outcome["status"])
        if outcome["status"] != "not run":
            code = outcome.get("hresult")
            entry.update(error_code=hresult.to_hex(code), error_name=hresult.name_of(code))
        found.append(entry)
    return found


def product_report(host: str, plan: ProductPlan, after: dict[str, Any], outcomes: list[dict[str, Any]] | None,
                   check_mode: bool, *, exchanges: list[dict[str, Any]] | None = None,
                   connected: bool = False) -> dict[str, Any]:
    """One product's entry: its state after, before, reasons, steps and outcome. ``exchanges``:
    the KMS exchanges the host logged, when the apply call read them."""
    entry = dict(after)
    if exchanges is not None:
        entry["last_kms_exchange"] = (evidence.last_exchange(exchanges, after.get("sku_id"))
                                      or evidence.last_exchange(exchanges, plan.product["sku_id"])
                                      or plan.product.get("last_kms_exchange"))
        entry["licensed_through"] = licensing.licensed_through(after, exchanges) or after.get("licensed_through")
    entry["before"] = {k: plan.product.get(k) for k in BEFORE_KEYS}
    entry["reasons"] = plan.reasons
    entry["steps"] = step_results(plan, outcomes, check_mode)
    entry["changed"] = (any(s["result"] in ("ok", "planned") for s in entry["steps"])
                        or any(o.get("done") for o in outcomes or []))
    done = zip(plan.steps, outcomes or [], strict=False)
    failed = next(((step, o) for step, o in done if o["status"] == "failed"), None)
    entry["failed"] = failed is not None
    if failed:
        entry.update(hresult.describe(failed[1].get("hresult")))
        entry["msg"] = failure_message(host, plan, *failed, exchange=entry.get("last_kms_exchange"),
                                       connected=connected)
    return entry


def report(host: str, host_plan: HostPlan, results: Results | None, check_mode: bool) -> dict[str, Any]:
    """The documented result: per product before/after, steps and their results; the task's
    changed/failed, msg and, on failure, error_code / error_name / error_hint. ``results`` is
    what the apply call reported, None when nothing was applied (compliant, or check mode)."""
    after_by_sku = apply.products_after(host_plan, results) if results is not None else {}
    exchanges = apply.exchanges_after(results) if results is not None else None
    connected = results is not None and bool(results.data(apply.REACH).get("reachable"))
    products, diff_before, diff_after = [], "", ""
    for plan in host_plan.plans:
        if results is None:
            after, outcomes = steps.predict(plan.product, plan.steps), None
        else:
            after, outcomes = after_by_sku[plan.product["sku_id"]], apply.step_outcomes(plan, results)
        products.append(product_report(host, plan, after, outcomes, check_mode, exchanges=exchanges,
                                       connected=connected))
        if plan.steps:
            diff_before += summary_line(plan.product)
            diff_after += summary_line(after)
    result: dict[str, Any] = {
        "changed": any(p["changed"] for p in products),
        "products": products,
        "kms_exchanges": exchanges,
        "untouched": host_plan.untouched,
        "diff": {"before": diff_before, "after": diff_after},
    }
    failures = [p for p in products if p["failed"]]
    if failures:
        result.update(failed=True, msg=" | ".join(f["msg"] for f in failures),
                      **{k: failures[0][k] for k in ("error_code", "error_name", "error_hint")})
    return result


def unreachable(host: str, desired: Desired, host_plan: HostPlan, results: Results) -> dict[str, Any] | None:
    """The early failure when the host cannot open a TCP connection to the KMS host (the
    apply program then stopped before changing anything), or None."""
    reach = results.get(apply.REACH)
    if reach is None or reach.status != "error":
        return None
    return cannot_connect(host, desired, host_plan, reach.data.get("error") or reach.message)


def not_reachable(host: str, desired: Desired, host_plan: HostPlan, facts: dict[str, Any]) -> dict[str, Any] | None:
    """The early failure, before any apply call, when the read already showed that kms_host
    does not resolve on the host and something would be activated against it."""
    reach = facts.get("kms_reachability")
    if not reach or reach.get("source") != "kms_host" or reach.get("reachable") is not False or \
            not any(p.activates for p in host_plan.plans):
        return None
    return cannot_connect(host, desired, host_plan, reach.get("error"))


def cannot_connect(host: str, desired: Desired, host_plan: HostPlan, error: str | None) -> dict[str, Any]:
    activating = [a for a in desired.applications if any(p.activates and p.product["application"] == a
                                                         for p in host_plan.plans)]
    return dict(
        failed=True,
        changed=False,
        msg="Cannot activate %s on %s: it cannot open a TCP connection to the KMS host %s:%d (%s). "
            "Nothing was changed. %s" % (" and ".join(a.capitalize() for a in activating or desired.applications),
                                         host, desired.kms_host, desired.kms_port, error or "no answer",
                                         hresult.explain(UNAVAILABLE)),
        **hresult.describe(UNAVAILABLE),
    )


def reach_read(desired: Desired) -> str | None:
    """The KMS host whose name the inspect call resolves on the host (with connect=False: a
    compliant host contacts no KMS host): kms_host, when the task may activate against it and
    check_reachable is on. A name that does not resolve stops the task before any apply call
    (not_reachable); the apply program tests the connection itself."""
    return desired.kms_host if desired.check_reachable and desired.state == "activated" else None


def dns_reads(desired: Desired) -> dict[str, bool]:
    """What the inspect call reads of DNS: without kms_host the products find their KMS host
    through DNS (docs/licensing-facts.md §7.1), so read what it publishes and, with check_reachable, test it."""
    return {"lookup_dns": not desired.kms_host, "test_dns": not desired.kms_host and desired.check_reachable}


def uses_dns(product: dict[str, Any], host: dict[str, Any]) -> bool:
    """Whether activating this product will look its KMS host up in DNS: it has no KMS host of
    its own and, for the Windows SPP, none is set service-wide (docs/licensing-facts.md §1.5, §7.1)."""
    if product.get("kms_host"):
        return False
    return not (product["license_class"] == inspection.SPP_PRODUCT and host.get("service_kms_host"))


def no_dns_kms_host(host: str, desired: Desired, host_plan: HostPlan, facts: dict[str, Any]) -> dict[str, Any] | None:
    """The early failure when products would find their KMS host through DNS and the host's
    DNS publishes none (0x8007232B), or none that accepts a connection (0xC004F074): checked
    before anything is changed, with check_reachable. None when DNS answers or cannot tell."""
    found = facts.get("dns_discovery")
    if not desired.check_reachable or desired.kms_host or not found or found["status"] == "unknown":
        return None
    using = [p.product for p in host_plan.plans if p.activates and uses_dns(p.product, facts["host"])]
    if not using:
        return None
    if found["status"] == "published" and any(r["reachable"] is not False for r in found["records"]):
        return None
    code = UNAVAILABLE if found["status"] == "published" else (
        hostops.code(found["error_code"]) if found["status"] == "failed" and found.get("error_code") else NO_SRV_RECORD)
    return dict(
        failed=True,
        changed=False,
        msg="Cannot activate %s on %s: kms_host is not set and %s. Nothing was changed. %s" % (
            ", ".join(licensing.label(p) for p in using), host, evidence.dns_sentence(found), hresult.explain(code)),
        **hresult.describe(code),
    )


def summary(products: list[dict[str, Any]], untouched: list[dict[str, Any]], installs: list[dict[str, Any]],
            check_mode: bool, application: str = "office") -> str:
    """The one-line message of one application of a host that did not fail."""
    verb = "would change" if check_mode else "changed"
    changed = [licensing.label(p) for p in products if p["changed"]]
    compliant = [licensing.label(p) for p in products if not p["changed"]]
    parts = []
    if changed:
        parts.append("%s: %s" % (verb, ", ".join(changed)))
    if compliant:
        parts.append("compliant: %s" % ", ".join(compliant))
    if untouched:
        parts.append("left alone: %s" % ", ".join(licensing.label(u) for u in untouched))
    if parts:
        return "; ".join(parts)
    if application == "windows":
        return "Windows reports no product with a key installed: nothing to activate"
    return nothing_to_do(installs)


def nothing_to_do(installs: list[dict[str, Any]]) -> str:
    """Why a host without any Office product to manage is fine as it is."""
    if not installs:
        return "Office is not installed on this host: nothing to activate"
    if all(i["subscription"] for i in installs):
        return "only Microsoft 365 Apps (subscription) are installed: KMS does not manage them, nothing to do"
    return ("Office is installed (%s) but has no volume licence with a product key: nothing to activate"
            % ", ".join(i.get("name") or ", ".join(i["product_ids"]) for i in installs))


def sections(done: dict[str, Any], desired: Desired, installs: list[dict[str, Any]],
             check_mode: bool) -> dict[str, dict[str, Any]]:
    """The result's section per application the task manages: its own changed, failed, one-line
    msg and, when it failed, the error of its first failed product (or the task's)."""
    found: dict[str, dict[str, Any]] = {}
    for application in desired.applications:
        mine = [p for p in done["products"] if p.get("application") == application]
        untouched = [u for u in done.get("untouched") or [] if u.get("application") == application]
        failures = [p for p in mine if p.get("failed")]
        section: dict[str, Any] = {"changed": any(p.get("changed") for p in mine), "failed": bool(failures),
                                   "error_code": None, "error_name": None, "error_hint": None}
        if failures:
            worded = [p for p in failures if p.get("msg")]
            section["msg"] = " | ".join(p["msg"] for p in worded) if worded else done.get("msg")
            source = worded[0] if worded else done
            section.update({k: source.get(k) for k in ("error_code", "error_name", "error_hint")})
        else:
            section["msg"] = summary(mine, untouched, installs, check_mode, application)
        found[application] = section
    return found


def finish(done: dict[str, Any], facts: dict[str, Any], desired: Desired, *, check_mode: bool,
           diff: bool) -> dict[str, Any]:
    """The task's result from report() or lost_reply(): the evidence read before, a section
    per application and the one-line message of a host that did not fail."""
    if done.get("kms_exchanges") is None:  # nothing activated: the exchanges read before
        done["kms_exchanges"] = facts.get("kms_exchanges", [])
    done["dns_discovery"] = facts.get("dns_discovery")
    if "windows" in desired.applications:  # Windows' own rearms left (docs/licensing-facts.md §10.6), for imaging teams
        done["remaining_windows_rearm_count"] = facts["host"].get("remaining_windows_rearm_count")
    done["applications"] = sections(done, desired, facts["office"], check_mode)
    if not done.get("failed"):
        parts = done["applications"]
        done["msg"] = (parts[desired.applications[0]]["msg"] if len(parts) == 1 else
                       " | ".join("%s: %s" % (a.capitalize(), parts[a]["msg"]) for a in desired.applications))
    if not diff:
        done.pop("diff", None)
    return done
