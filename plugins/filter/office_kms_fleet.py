# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""office_kms_fleet: the office_kms role's summary of a play, a line per host and the counts
it publishes with set_stats, from every host's registered office_kms result gathered once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def office_kms_fleet(results: Mapping[str, Any] | None, hosts: Iterable[str], active: Iterable[str],
                     state: str | None = None) -> dict[str, Any]:
    """A line per host and the set_stats counts (see DOCUMENTATION), in one pass over ``hosts``."""
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
        if host in still:
            lines.append(_active_line(host, result))
            ok += not result.get("changed")
        else:
            lines.append(_left_line(host, result))
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
