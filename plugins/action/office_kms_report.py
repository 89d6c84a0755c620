# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for volume_licensing.kms.office_kms_report (documentation in
plugins/modules/office_kms_report.py): turns the registered office_kms_info results of a play
into kms-report.json, .csv and .html on the controller. Contacts no Windows host."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import i18n, options, report

SPEC = options.SPECS["office_kms_report"]
BASENAME = "kms-report"
DEFAULT_DIR = "reports"
RENDERERS = {
    "json": lambda document: json.dumps(document, indent=2, sort_keys=False) + "\n",
    "csv": report.to_csv,
    "html": report.to_html,
}
# UTF-8 with a byte order mark for the CSV, so Excel does not read it as the ANSI code page.
ENCODINGS = {"json": "utf-8", "csv": "utf-8-sig", "html": "utf-8"}


def plain(value: Any) -> Any:
    """The registered results as plain JSON types (templating may hand over subclasses)."""
    return json.loads(json.dumps(value, default=str))


def previous_fingerprint(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return report.fingerprint(json.load(handle))
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def write_atomically(path: str, text: str, encoding: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            # Numbers as written first (options.numbers): before Ansible's int type.
            options.numbers("office_kms_report", self._task.args)
            _unused, args = self.validate_argument_spec(argument_spec=SPEC)
            args = options.office_kms_report(args, given=self._task.args)
        except options.OptionError as exc:
            return dict(result, failed=True, msg="Invalid option: %s. Nothing was written." % exc)

        # An empty or missing result means the host never answered: build_report() reports it
        # unreachable.
        results = {host: plain(r) for host, r in args["results"].items() if isinstance(r, Mapping) and r}
        try:
            i18n.translator(args["language"])
        except i18n.CatalogError as exc:
            return dict(result, failed=True, msg="Cannot write the report in %s: %s. Nothing was written."
                        % (args["language"], exc))
        document = report.build_report(
            results,
            hosts=list(args["hosts"] or []) + list(args["results"]),
            expiring_days=args["expiring_days"],
            max_clock_skew_seconds=args["max_clock_skew_seconds"],
            kms_host=args["kms_host"],
            kms_hosts={host: plain(r) if isinstance(r, Mapping) else None for host, r in args["kms_hosts"].items()},
            kms_host_names={host: list(names) for host, names in args["kms_host_names"].items()},
            language=args["language"],
        )
        # Where the user runs ansible-playbook, not the playbook's folder: a playbook of an
        # installed collection must not write into the collection (read-only in an AWX
        # execution environment).
        dest = os.path.abspath(args["dest"] or DEFAULT_DIR)
        paths = {kind: os.path.join(dest, "%s.%s" % (BASENAME, kind)) for kind in RENDERERS}
        changed = (not all(os.path.exists(p) for p in paths.values())
                   or previous_fingerprint(paths["json"]) != report.fingerprint(document))

        if not self._task.check_mode:
            try:
                os.makedirs(dest, exist_ok=True)
                for kind, render in RENDERERS.items():
                    write_atomically(paths[kind], render(document), ENCODINGS[kind])
            except OSError as exc:
                return dict(result, failed=True, msg="Failed to write the report under %s: %s. Check that the "
                            "directory is writable by the user running ansible-playbook." % (dest, exc))

        return dict(
            result,
            changed=changed,
            dest=dest,
            paths=paths,
            schema=report.SCHEMA,
            summary=document["summary"],
            flags=document["flags"],
            kms_hosts=document["kms_hosts"],
            stats=report.stats(document),
        )
