# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The languages the fleet report and the role's summary speak: English (the messages as
written in the code) and Traditional Chinese as used in Taiwan (zh-TW), from a gettext catalog.

The catalog's source is ``locale/zh_TW/LC_MESSAGES/volume_licensing_kms.po`` in the collection;
``make locale`` compiles it to the ``.mo`` file beside it, which the collection's build ships and
this module reads with Python's own gettext (no third-party package at run time). ``make
locale-extract`` gathers every message marked in the code (``_()``, ``N_()``, ``ngettext()``)
into ``locale/volume_licensing_kms.pot`` and merges it into the ``.po`` (Babel, a development
requirement). Messages use named placeholders (``%(host)s``) so that a translation may put
them in another order.

Module ``msg`` values stay English, as Ansible modules' messages do: only what a reader of the
report or the summary sees is translated.
"""

from __future__ import annotations

import gettext
import os
from datetime import datetime

DOMAIN = "volume_licensing_kms"
LANGUAGES = ("en", "zh-TW")
DEFAULT = LANGUAGES[0]
# The language's catalog folder (gettext's locale names: an underscore, the region in capitals).
CATALOGS = {"zh-TW": "zh_TW"}
# plugins/plugin_utils/i18n.py -> the collection's root -> locale/
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "locale")


class CatalogError(RuntimeError):
    """A language whose compiled catalog is not there (a checkout where ``make locale`` has not run)."""


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation, translate later"
    """Marks a message for extraction where it is defined (a table); it is translated where it
    is shown, with the translator of the reader's language."""
    return message


def catalog_path(language: str) -> str:
    return os.path.join(LOCALE_DIR, CATALOGS[language], "LC_MESSAGES", DOMAIN + ".mo")


_CACHE: dict[str, gettext.NullTranslations] = {}


def translator(language: str | None = None) -> gettext.NullTranslations:
    """The translations of ``language`` (one of LANGUAGES; None is English). English needs no
    catalog: its messages are the code's own. Raises ValueError for another language and
    CatalogError when the compiled catalog is missing."""
    language = language or DEFAULT
    if language not in LANGUAGES:
        raise ValueError("language must be one of %s; got %r" % (", ".join(LANGUAGES), language))
    if language == DEFAULT:
        return gettext.NullTranslations()
    if language not in _CACHE:
        path = catalog_path(language)
        try:
            with open(path, "rb") as handle:
                _CACHE[language] = gettext.GNUTranslations(handle)
        except OSError as exc:
            raise CatalogError(
                "the %s message catalog is not compiled (%s is missing): in a checkout of the collection run "
                "make locale (it compiles locale/*/LC_MESSAGES/%s.po); an installed collection built with "
                "make build ships it" % (language, path, DOMAIN)) from exc
    return _CACHE[language]


def format_time(when: datetime, language: str | gettext.NullTranslations | None = None) -> str:
    """A UTC moment as the reader writes dates (``language``: a language or its translator):
    2026-12-07 21:05 UTC in English, 2026年12月7日 21:05 (UTC) in Traditional Chinese."""
    found = language if isinstance(language, gettext.NullTranslations) else translator(language)
    return found.gettext("%(year)d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d UTC") % {
        "year": when.year, "month": when.month, "day": when.day, "hour": when.hour, "minute": when.minute}
