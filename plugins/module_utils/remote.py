# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send one of the collection's PowerShell scripts to a Windows host and read its JSON.

This module decides nothing about licensing: it turns (script name, parameters) into one
command over the task's own connection and returns the one JSON document the script printed,
or raises RemoteError saying, for an operator, why there is none or what the script reported.

How a script travels (see shared/reference/winrm-wire.md):

* The command line is a fixed bootstrap, ``PowerShell -NoProfile -NonInteractive
  -ExecutionPolicy Unrestricted -EncodedCommand <BOOTSTRAP>``, which the winrm plugin sends
  unchanged, psrp runs in its runspace and ssh passes to the remote shell. The bootstrap reads
  standard input and runs it as a script block.
* Standard input carries the parameters as data, ``$ParamsB64 = '<base64 of UTF-8 JSON>'``,
  then the script file exactly as shipped. Base64 has no quote, so no parameter value can
  end the string literal: user input never becomes PowerShell code.
* Standard input avoids cmd.exe's 8,191-character command line (our scripts are longer once
  UTF-16LE and base64 encoded) and keeps parameters out of the command line that
  ``-vvvvv`` logs.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Callable
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.module_utils import hresult

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))

# The fixed one-line bootstrap (office_kms_bootstrap.ps1) runs what arrives on stdin.
BOOTSTRAP_SCRIPT = "office_kms_bootstrap"
POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "
_CLIXML_ERROR = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)
_CLIXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class RemoteError(Exception):
    """A script could not be run, did not print the JSON document it promises, or printed
    ``ok: false``. The message (the cause) is written for operators; ``step`` is where it
    happened, ``code`` the HRESULT when Windows gave one, ``hint`` what to do when no HRESULT
    tells it."""

    def __init__(self, message: str, step: str, *, code: int | None = None, hint: str | None = None,
                 rc: int | None = None, stdout: str = "", stderr: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.code = code
        self.hint = hint
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def result(self, what: str) -> dict[str, Any]:
        """``failed``, ``msg`` ("<what> (step: ...): cause. HRESULT or hint") and the
        error_code / error_name / error_hint return values."""
        explanation = hresult.explain(self.code) if self.code is not None else (self.hint or "")
        msg = "%s (step: %s): %s %s" % (what, self.step, _sentence(str(self)), explanation)
        described = hresult.describe(self.code)
        if described["error_hint"] is None:
            described["error_hint"] = self.hint
        return dict(failed=True, msg=msg.strip(), **described)


def encode_powershell(script: str) -> str:
    """The ``-EncodedCommand`` form of a script: base64 of its UTF-16LE text."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def bootstrap_command() -> str:
    """The fixed command line that runs the script sent on standard input."""
    return POWERSHELL_PREFIX + encode_powershell(load_script(BOOTSTRAP_SCRIPT).strip())


def load_script(name: str) -> str:
    """Text of a shipped script, e.g. ``office_kms_inspect``."""
    with open(os.path.join(SCRIPT_DIR, name + ".ps1"), encoding="utf-8") as handle:
        return handle.read()


def params_line(params: dict[str, Any]) -> str:
    """The first line of the script: the parameters as base64 of compact UTF-8 JSON."""
    data = json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return "$ParamsB64 = '%s'" % base64.b64encode(data).decode("ascii")


def build_stdin(name: str, params: dict[str, Any]) -> bytes:
    """Standard input for the bootstrap: the parameter line, then the script as shipped."""
    return (params_line(params) + "\n" + load_script(name)).encode("utf-8")


def parse_output(stdout: str) -> dict[str, Any]:
    """The one JSON object a script printed; lines before it (banners, profile noise) skipped."""
    text = stdout.strip()
    start = text.find("{")
    while start != -1:
        try:
            value = json.loads(text[start:])
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        break
    raise ValueError("no JSON document in the script's output")


def run_script(
    execute: Callable[..., dict[str, Any]], name: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Run a shipped script through ``execute`` (an action plugin's
    ``_low_level_execute_command``) and return its JSON document; raise RemoteError when
    there is none, or when the script reports ``ok: false``.

    Decisions are taken on the JSON, not on the exit code: exit codes differ per connection
    plugin (psrp returns 1 after any error record).
    """
    result = execute(bootstrap_command(), in_data=build_stdin(name, params), sudoable=False)
    stdout = result.get("stdout", "") or ""
    stderr = result.get("stderr", "") or ""
    rc = result.get("rc")
    try:
        doc = parse_output(stdout)
        if "ok" not in doc:
            raise ValueError("a JSON object, but not the script's document (it has no 'ok')")
    except ValueError:
        message, hint = _no_json(name, rc, stdout, stderr)
        raise RemoteError(message, step="run the %s script" % name, hint=hint, rc=rc, stdout=stdout,
                          stderr=stderr) from None
    if not doc["ok"]:
        raise RemoteError(doc.get("error") or "the script reported an error without a message",
                          step=doc.get("step") or "run the %s script" % name, code=_code(doc.get("hresult")),
                          rc=rc, stdout=stdout, stderr=stderr)
    return doc


def _code(text: Any) -> int | None:
    """The HRESULT a script reported ("0x80070005"), or None."""
    try:
        return hresult.from_hex(text) if isinstance(text, str) and text.strip() else None
    except ValueError:
        return None


def _no_json(name: str, rc: int | None, stdout: str, stderr: str) -> tuple[str, str]:
    """Why there is no JSON document, and what to do: (cause, hint)."""
    error = _first_line(clixml_text(stderr))
    if error and "{" not in stdout:
        return ("PowerShell stopped before the %s script printed its result (exit code %s): %s"
                % (name, rc, error),
                "Fix what PowerShell reports on the host (these scripts need PowerShell 3.0 or later; "
                "Windows 7 needs WMF 3.0 or later installed), then run the task again.")
    if stdout.strip():
        return ("the host's reply was not the JSON document the %s script prints: it was cut short or "
                "garbled (exit code %s, %d characters, starting %s)"
                % (name, rc, len(stdout), _shown(stdout)),
                "Run the task again: it re-reads the host. If it keeps happening, check the WinRM "
                "connection (a proxy or security software that alters or cuts replies) and what else "
                "writes to the console on the host (logon scripts, console code page settings).")
    return ("the %s script printed no output (exit code %s)" % (name, rc),
            "Run the task again. If it keeps happening, look in the host's Windows PowerShell event "
            "log for what stopped PowerShell.")


def clixml_text(stderr: str) -> str:
    """Error text from PowerShell's CLIXML stream (``#< CLIXML`` then ``<S S="Error">`` lines,
    newlines escaped as _x000D__x000A_); other text unchanged. The winrm plugin decodes it
    already; other connections may not."""
    if not stderr.lstrip().startswith("#< CLIXML"):
        return stderr
    lines = []
    for match in _CLIXML_ERROR.finditer(stderr):
        text = _CLIXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), match.group(1))
        lines.append(html.unescape(text))
    return "".join(lines)


def _sentence(text: str) -> str:
    """The text as one sentence ending in a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _shown(text: str, limit: int = 80) -> str:
    """The start of a garbled reply, printable: control characters shown escaped."""
    start = text.strip()[:limit]
    return repr(start) + ("..." if len(text.strip()) > limit else "")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
