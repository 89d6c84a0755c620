# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""What the results hold as codes, in the reader's words (i18n.py): an HRESULT with what it
means and what to do, a connection failure, a system requirement the host falls short of or
could not be checked against. The fleet report (report.py) and the role's summary
(plugins/filter/office_kms_fleet.py) word their reasons with these, never with a module's
English ``msg``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, hresult, i18n
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.i18n import N_

Translator = Any  # gettext.NullTranslations: gettext() and ngettext()

# Why a fact could not be checked (requirements.WHY_UNKNOWN's codes).
WHY_UNKNOWN = {
    "not_reported": N_("not reported"),
    "empty": N_("reported empty"),
    "zero": N_("reported as 0"),
    "not_a_number": N_("reported as %(reported)s, not usable"),
}
# A shortfall of each fact (requirements.check_facts), and what it needs when unknown.
SHORTFALLS = {
    "cpu_max_clock_mhz": N_("CPU %(value)d MHz, needs %(needed)d MHz"),
    "memory_mb": N_("%(value)d MB of memory, needs %(needed)d MB"),
    "system_drive_free_mb": N_("%(value)d MB free on %(drive)s, needs %(needed)d MB"),
}
NEEDS = {
    "cpu_max_clock_mhz": N_("%(needed)d MHz"),
    "cpu_cores": N_("%(needed)d CPU cores"),
    "memory_mb": N_("%(needed)d MB of memory"),
    "system_drive_free_mb": N_("%(needed)d MB free"),
}


def translator_of(translator: Translator | None) -> Translator:
    return translator if translator is not None else i18n.translator(None)


def sentence(text: str) -> str:
    """A clause as the start of a sentence (a capital first letter, where the script has one)."""
    return text[:1].upper() + text[1:]


def hint_words(code: int | None, translator: Translator | None = None, host_side: bool = False) -> str | None:
    hint = hresult.hint_of(code, host_side)
    return translator_of(translator).gettext(hint) if hint else None


def error_words(code: int | None, translator: Translator | None = None, host_side: bool = False) -> str | None:
    """"0xC004F074 SL_E_VL_BINDING_SERVICE_UNAVAILABLE: what it means. What to do." in the
    reader's words, from the HRESULT alone (hresult.py's table); None for no code."""
    if code is None:
        return None
    t = translator_of(translator)
    entry = hresult.lookup(code)
    if entry is None:
        return t.gettext("%(code)s (an error code this collection does not know)") % {"code": hresult.to_hex(code)}
    hint = hint_words(code, t, host_side)
    facts = {"code": hresult.to_hex(code), "name": entry.name, "meaning": t.gettext(entry.meaning), "hint": hint}
    return (t.gettext("%(code)s %(name)s: %(meaning)s. %(hint)s") if hint
            else t.gettext("%(code)s %(name)s: %(meaning)s.")) % facts


def transport_words(kind: str | None, translator: Translator | None = None) -> str | None:
    """A connection failure (hostops.TRANSPORT_FAILURES) and what to do; None for another kind."""
    if kind not in hostops.TRANSPORT_FAILURES:
        return None
    t = translator_of(translator)
    what, hint, _unreachable = hostops.TRANSPORT_FAILURES[kind]
    return t.gettext("%(what)s. %(hint)s") % {"what": sentence(t.gettext(what)), "hint": t.gettext(hint)}


def failure_words(result: Mapping[str, Any], translator: Translator | None = None) -> str | None:
    """A failed result's cause from its codes: its HRESULT, else its connection failure; None
    when it has neither."""
    code = hostops.code(result.get("error_code"))
    if code is not None:
        return error_words(code, translator)
    return transport_words(result.get("transport_error"), translator)


def failure_cause(result: Mapping[str, Any], translator: Translator | None = None) -> str:
    """failure_words, else that the host could not be reached or that the task failed without
    a code (the task's own message says more): what the role's and the report playbook's lines
    say of a failed or unreachable host."""
    t = translator_of(translator)
    return failure_words(result, t) or (
        t.gettext("the host could not be reached (see the task's message)") if result.get("unreachable")
        else t.gettext("the task failed without an error code (see the task's message)"))


def _needed_windows(needed: Mapping[str, Any], t: Translator) -> str:
    version = t.gettext("Windows %(version)s or later") % {"version": needed.get("version")}
    return "%s (%s)" % (version, needed["name"]) if needed.get("name") else version


def shortfall_words(fact: Mapping[str, Any], translator: Translator | None = None) -> str:
    """One entry of requirements' shortfall_facts in words."""
    t = translator_of(translator)
    name = fact.get("fact")
    if name == "cpu_cores":
        return t.ngettext("%(value)d CPU core, needs %(needed)d", "%(value)d CPU cores, needs %(needed)d",
                          fact["value"]) % fact
    if name == "os_version":
        return t.gettext("Windows %(value)s (%(caption)s), needs %(needed)s for %(office)s") % {
            "value": fact.get("value"), "caption": fact.get("caption") or t.gettext("unknown edition"),
            "needed": _needed_windows(fact.get("needed") or {}, t), "office": fact.get("office")}
    if name in SHORTFALLS:
        return t.gettext(SHORTFALLS[name]) % dict(fact, drive=fact.get("drive") or t.gettext("the system drive"))
    return t.gettext("%(fact)s below the requirement") % {"fact": name}


def unknown_words(fact: Mapping[str, Any], translator: Translator | None = None) -> str:
    """One entry of requirements' unknown_facts in words: which fact, from where, why, and what
    the requirement needs."""
    t = translator_of(translator)
    needed = fact.get("needed")
    if isinstance(needed, Mapping):
        needed_words = _needed_windows(needed, t)
    elif fact.get("fact") in NEEDS and isinstance(needed, int):
        needed_words = t.gettext(NEEDS[fact["fact"]]) % {"needed": needed}
    else:
        needed_words = str(needed)
    why = WHY_UNKNOWN.get(fact.get("why"), WHY_UNKNOWN["not_reported"])
    return t.gettext("%(fact)s unknown (%(source)s %(why)s), needs %(needed)s") % {
        "fact": fact.get("fact"), "source": fact.get("source"),
        "why": t.gettext(why) % {"reported": fact.get("reported")}, "needed": needed_words}
