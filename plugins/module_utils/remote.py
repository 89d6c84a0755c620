# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send one of the collection's PowerShell scripts to a Windows host and read its JSON.

This module decides nothing: it turns (script name, parameters) into one command over the
task's own connection and returns the one JSON document the script printed.

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
import json
import os
from collections.abc import Callable
from typing import Any

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))

# The fixed one-line bootstrap (office_kms_bootstrap.ps1) runs what arrives on stdin.
BOOTSTRAP_SCRIPT = "office_kms_bootstrap"
POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "


class RemoteError(Exception):
    """A script could not be run, or did not print the JSON document it promises."""

    def __init__(self, message: str, rc: int | None = None, stdout: str = "", stderr: str = "") -> None:
        super().__init__(message)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


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
    ``_low_level_execute_command``) and return its JSON document.

    Decisions are taken on the JSON, not on the exit code: exit codes differ per connection
    plugin (psrp returns 1 after any error record).
    """
    result = execute(bootstrap_command(), in_data=build_stdin(name, params), sudoable=False)
    stdout = result.get("stdout", "") or ""
    stderr = result.get("stderr", "") or ""
    rc = result.get("rc")
    try:
        return parse_output(stdout)
    except ValueError:
        detail = _first_line(stderr) or _first_line(stdout) or "no output"
        raise RemoteError(
            "the %s script did not return a JSON result (exit code %s): %s" % (name, rc, detail),
            rc=rc,
            stdout=stdout,
            stderr=stderr,
        ) from None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
