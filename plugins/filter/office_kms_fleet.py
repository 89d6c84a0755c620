# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""office_kms_fleet: the office_kms role's summary of a play, a line per host and the counts
it publishes with set_stats, from every host's registered office_kms result gathered once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, i18n, licensing, words
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.i18n import N_

DOCUMENTATION = r"""
name: office_kms_fleet
short_description: A play's office_kms outcome, a line per host and the counts for set_stats
version_added: 0.2.0
description:
  - Turns the registered results of M(volume_licensing.kms.office_kms), one per host of the
    play, into what the C(volume_licensing.kms.office_kms) role prints and publishes once per
    play, in one pass over the hosts.
  - "C(lines): one line per host of O(hosts), in that order. A host still in the play (in
    O(active)) gets its outcome (C(pc07: compliant: ProPlus2024Volume)), followed by the
    shortfalls of a host below its Office version's system requirements that was activated
    anyway (C((WARNING: below Office LTSC 2021 requirements: ...))) and the facts that could
    not be checked (C((NOT CHECKED: ...))); with Windows managed too, C( | Windows: ) and
    Windows' outcome, from the result's C(applications) sections. A host that left the play
    gets C(UNREACHABLE: ) or C(FAILED: ) and the reason its task gave (with Windows managed
    and both sections there, each application's outcome, C(Office: ... | Windows: ...)), or
    C(FAILED before office_kms ran (see the failed task above)) when it registered nothing
    (a role variable refused by the argument check). A message's line breaks become spaces."
  - "C(stats): the fleet summary for M(ansible.builtin.set_stats): C(state) (when O(state) is
    given), C(hosts), C(changed), C(ok), C(failed), C(failed_hosts) and C(changed_hosts). A
    host that failed after changing something (a lost reply, a later product refused) is
    counted as failed and also as changed: no change goes unreported."
  - The filter reads only its input; gather the results with one pass over C(hostvars), as
    in the example, so that each host's variables are computed once.
  - "With O(language=zh-TW) every line is in Traditional Chinese, composed from each result's
    codes - its products and what was done to each, the HRESULT of a failure with what it means
    and what to do, the kind of connection failure, the system requirement shortfalls as data
    (C(requirements.shortfall_facts), C(requirements.unknown_facts)) - never from the
    module's English C(msg). In English (the default) the lines are the modules' own
    messages."
options:
  _input:
    description:
      - Each host's registered office_kms result by host name. A host without one (it never
        ran the task) may be missing or map to an empty dict.
    type: dict
    required: true
  hosts:
    description: Every host of the play (C(ansible_play_hosts_all)), in the order of the lines.
    type: list
    elements: str
    required: true
  active:
    description:
      - The hosts still in the play (C(ansible_play_hosts)); the others failed or were
        unreachable.
    type: list
    elements: str
    required: true
  state:
    description: The C(state) the task was given, repeated in C(stats) as C(state).
    type: str
  language:
    description: The language of the lines, V(en) or V(zh-TW) (the role's C(office_kms_report_language)).
    type: str
    default: en
    choices: [en, zh-TW]
  check_mode:
    description: Whether the task ran in check mode (C(ansible_check_mode)), so that a change is worded as one
      that would be made.
    type: bool
    default: false
author:
  - volume_licensing.kms contributors
"""

EXAMPLES = r"""
- name: Gather every host's result once and summarise the fleet
  ansible.builtin.set_fact:
    fleet: >-
      {{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all
                                           | map('extract', hostvars, 'office_kms_result')
                                           | map('default', {})))
         | volume_licensing.kms.office_kms_fleet(ansible_play_hosts_all, ansible_play_hosts,
                                                 state='activated') }}
  run_once: true

- name: Print a line per host
  ansible.builtin.debug:
    msg: "{{ fleet.lines }}"
  run_once: true

- name: Publish the counts on the job (AWX artifacts)
  ansible.builtin.set_stats:
    data:
      office_kms: "{{ fleet.stats }}"
    aggregate: false
  run_once: true
"""

RETURN = r"""
_value:
  description: The lines and the counts.
  type: dict
  contains:
    lines:
      description: One line per host of O(hosts), in that order.
      type: list
      elements: str
      sample:
        - "pc07: compliant: ProPlus2024Volume"
        - "pc16: changed: ProPlus2024Volume | Windows: compliant: Windows(R), Education edition"
        - "pc10: FAILED: pc10 is below Office LTSC 2021's system requirements: 1 CPU core, needs 2 ..."
        - "pc21: UNREACHABLE: Cannot read pc21 (step: connect): ..."
    stats:
      description: The fleet summary, for M(ansible.builtin.set_stats).
      type: dict
      sample: {state: activated, hosts: 4, changed: 1, ok: 1, failed: 2, failed_hosts: [pc10, pc21],
               changed_hosts: [pc16]}
"""

BEFORE = " before office_kms ran (see the failed task above)"
NO_RESULT = "office_kms did not run on this host"


def _text(value: Any) -> str:
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _requirements(result: Mapping[str, Any]) -> str:
    """What an activated host's requirement check left to say: its shortfalls (requirements:
    warn) and the facts it could not check."""
    reqs = result.get("requirements") or {}
    text = ""
    if reqs.get("shortfalls"):
        text += " (WARNING: below %s requirements: %s)" % (reqs.get("name"), "; ".join(map(str, reqs["shortfalls"])))
    if reqs.get("unknown"):
        text += " (NOT CHECKED: %s)" % "; ".join(map(str, reqs["unknown"]))
    return _text(text)


def _sections(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The result's section per application with a message, Office's first."""
    found = {name: section for name, section in (result.get("applications") or {}).items()
             if isinstance(section, Mapping) and section.get("msg") is not None}
    return dict(sorted(found.items(), key=lambda item: item[0] != "office"))


def _labelled(sections: Mapping[str, Mapping[str, Any]]) -> str:
    return " | ".join("%s: %s" % (name.capitalize(), _text(section["msg"])) for name, section in sections.items())


def _active_line(host: str, result: Mapping[str, Any]) -> str:
    sections = _sections(result)
    office = sections.pop("office", None)
    if office is not None:
        line = "%s: %s%s" % (host, _text(office["msg"]), _requirements(result))
        return line + " | " + _labelled(sections) if sections else line
    if sections:  # Windows only (not the role's way)
        return "%s: %s" % (host, _labelled(sections))
    if result.get("msg") is not None:
        return "%s: %s%s" % (host, _text(result["msg"]), _requirements(result))
    return "%s: %s" % (host, NO_RESULT)


def _left_line(host: str, result: Mapping[str, Any]) -> str:
    word = "UNREACHABLE" if result.get("unreachable") else "FAILED"
    sections = _sections(result)
    if len(sections) > 1:
        return "%s: %s: %s" % (host, word, _labelled(sections))
    if result.get("msg") is None:
        return "%s: %s%s" % (host, word, BEFORE)
    return "%s: %s: %s" % (host, word, _text(result["msg"]))


# The applications of a result, in the reader's words.
APPLICATION_WORDS = {"office": N_("Office"), "windows": N_("Windows")}


def _names(items: Iterable[Mapping[str, Any]], t: Any) -> str:
    return t.gettext(", ").join(licensing.label(item) for item in items)


def _section_words(result: Mapping[str, Any], application: str, section: Mapping[str, Any], t: Any,
                   check_mode: bool) -> str:
    """One application's outcome from its products, what was done to each and its error code."""
    mine = [p for p in result.get("products") or [] if p.get("application") == application]
    if section.get("failed"):
        failed = [p for p in mine if p.get("failed")]
        cause = words.error_words(hostops.code(section.get("error_code")), t) or \
            t.gettext("a step failed without an error code (see the task's message)")
        return t.gettext("%(products)s failed: %(cause)s") % {"products": _names(failed, t) or
                                                              t.gettext(APPLICATION_WORDS[application]), "cause": cause}
    untouched = [u for u in result.get("untouched") or [] if u.get("application") == application]
    parts = []
    changed = [p for p in mine if p.get("changed")]
    if changed:
        parts.append((t.gettext("would change: %(products)s") if check_mode else
                      t.gettext("changed: %(products)s")) % {"products": _names(changed, t)})
    compliant = [p for p in mine if not p.get("changed")]
    if compliant:
        parts.append(t.gettext("compliant: %(products)s") % {"products": _names(compliant, t)})
    if untouched:
        parts.append(t.gettext("left alone: %(products)s") % {"products": _names(untouched, t)})
    if parts:
        return t.gettext("; ").join(parts)
    if application == "windows":
        return t.gettext("Windows reports no product with a key installed: nothing to activate")
    return t.gettext("no Office volume licence with a product key on this host: nothing to activate")


def _requirement_words(result: Mapping[str, Any], t: Any) -> str:
    """A host activated although below its system requirements (requirements: warn), and the
    facts that could not be checked."""
    reqs = result.get("requirements") or {}
    text = ""
    if reqs.get("shortfall_facts"):
        text += t.gettext(" (WARNING: below %(name)s requirements: %(shortfalls)s)") % {
            "name": reqs.get("name"), "shortfalls": t.gettext("; ").join(
                words.shortfall_words(f, t) for f in reqs["shortfall_facts"])}
    unknown = [words.unknown_words(f, t) for f in reqs.get("unknown_facts") or []]
    unknown += [t.gettext("Office %(version)s not checked: this collection has no system requirements table for "
                          "it") % {"version": v} for v in reqs.get("unknown_versions") or []]
    if unknown:
        text += t.gettext(" (NOT CHECKED: %(facts)s)") % {"facts": t.gettext("; ").join(unknown)}
    return text


def _translated_line(host: str, result: Mapping[str, Any], active: bool, t: Any, check_mode: bool) -> str:
    """A host's line in the reader's language, from the result's codes (see DOCUMENTATION)."""
    sections = {name: s for name, s in (result.get("applications") or {}).items() if isinstance(s, Mapping)}
    ordered = sorted(sections, key=lambda name: name != "office")
    if ordered == ["office"]:  # Office alone (the role's way without office_kms_windows): no label
        labelled = _section_words(result, "office", sections["office"], t, check_mode)
    else:
        labelled = t.gettext(" | ").join(
            t.gettext("%(application)s: %(outcome)s") % {
                "application": t.gettext(APPLICATION_WORDS.get(name, name)),
                "outcome": _section_words(result, name, sections[name], t, check_mode)} for name in ordered)
    if active:
        if not result:
            return t.gettext("%(host)s: office_kms did not run on this host") % {"host": host}
        return "%s%s" % (t.gettext("%(host)s: %(outcome)s") % {
            "host": host, "outcome": labelled or t.gettext("nothing to report")}, _requirement_words(result, t))
    word = t.gettext("UNREACHABLE") if result.get("unreachable") else t.gettext("FAILED")
    if not result:
        return t.gettext("%(host)s: %(word)s before office_kms ran (see the failed task above)") % {
            "host": host, "word": word}
    reqs = result.get("requirements") or {}
    if not sections and reqs.get("shortfall_facts"):
        cause = t.gettext("below %(name)s's system requirements: %(shortfalls)s") % {
            "name": reqs.get("name"), "shortfalls": t.gettext("; ").join(
                words.shortfall_words(f, t) for f in reqs["shortfall_facts"])}
    elif sections:
        cause = labelled
    else:
        cause = words.failure_cause(result, t)
    return t.gettext("%(host)s: %(word)s: %(cause)s") % {"host": host, "word": word, "cause": cause}


def office_kms_fleet(results: Mapping[str, Any] | None, hosts: Iterable[str], active: Iterable[str],
                     state: str | None = None, *, language: str = i18n.DEFAULT, check_mode: bool = False
                     ) -> dict[str, Any]:
    """A line per host and the set_stats counts (see DOCUMENTATION), in one pass over ``hosts``."""
    t = None if language == i18n.DEFAULT else i18n.translator(language)
    results = results or {}
    still = set(active)
    lines: list[str] = []
    ok = 0
    failed: list[str] = []
    changed: list[str] = []
    for host in map(str, hosts):
        result = results.get(host)
        if not isinstance(result, Mapping):
            result = {}
        if t is not None:
            lines.append(_text(_translated_line(host, result, host in still, t, check_mode)))
        elif host in still:
            lines.append(_active_line(host, result))
        else:
            lines.append(_left_line(host, result))
        if host in still:
            ok += not result.get("changed")
        else:
            failed.append(host)
        if result.get("changed"):
            changed.append(host)
    stats: dict[str, Any] = {} if state is None else {"state": state}
    stats.update(hosts=len(lines), changed=len(changed), ok=ok, failed=len(failed), failed_hosts=sorted(failed),
                 changed_hosts=sorted(changed))
    return {"lines": lines, "stats": stats}


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"office_kms_fleet": office_kms_fleet}
