"""Unit tests for plugins/module_utils/remote.py: how a script and its parameters travel."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from ansible.plugins.shell.powershell import ShellModule
from ansible_collections.volume_licensing.kms.plugins.module_utils import remote

SCRIPTS = Path(__file__).resolve().parents[2] / "plugins" / "module_utils"
PARAMS_LINE = re.compile(r"^\$ParamsB64 = '([A-Za-z0-9+/=]*)'$")

HOSTILE = [
    "it's", 'say "hi"', "back`tick", "$(Remove-Item C:\\ -Recurse)", "a; calc.exe", "a | Out-File x",
    "line1\nline2", "cr\rlf\r\n", "nul\x00byte", "Grüße ☃ 😀 キー.例え.jp", "'; exit 1; '", "x" * 10_000,
    "@'\n'@", "#> <#", "\u2018smart\u2019 \u201cquotes\u201d",
]


def _decode_ps(encoded: str) -> str:
    return base64.b64decode(encoded, validate=True).decode("utf-16-le")


def _script_text(name: str) -> str:
    # Bytes as shipped, no newline translation.
    return (SCRIPTS / (name + ".ps1")).read_bytes().decode("utf-8")


@pytest.mark.parametrize("script", ["", "Write-Output 1", "Write-Output 'Grüße ☃ 😀'\r\n$x = \"é\"", "\x00\t"])
def test_encode_powershell_round_trip(script):
    encoded = remote.encode_powershell(script)
    assert re.fullmatch(r"[A-Za-z0-9+/=]*", encoded)
    assert _decode_ps(encoded) == script


def test_bootstrap_command_prefix_matches_ansible_powershell_shell():
    # The winrm plugin sends a command unchanged only when it already has this prefix.
    prefix = ShellModule()._encode_script("", as_list=False, strict_mode=False, preserve_rc=False)
    command = remote.bootstrap_command()
    assert prefix.endswith("-EncodedCommand ")
    assert command.startswith(prefix)
    assert _decode_ps(command[len(prefix):]) == _script_text("office_kms_bootstrap").strip()


def _split_stdin(data: bytes) -> tuple[str, str]:
    assert isinstance(data, bytes)
    first, rest = data.decode("utf-8").split("\n", 1)
    return first, rest


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_build_stdin_parameters_are_data(value):
    params = {"kms_host": value, value[:50]: [value, None, True, 1688], "kms_port": 1688}
    first, rest = _split_stdin(remote.build_stdin("office_kms_inspect", params))
    match = PARAMS_LINE.fullmatch(first)
    assert match, first[:200]
    assert json.loads(base64.b64decode(match.group(1), validate=True).decode("utf-8")) == params
    assert rest == _script_text("office_kms_inspect")


@pytest.mark.parametrize("name", ["office_kms_inspect", "office_kms_bootstrap"])
def test_build_stdin_script_is_sent_as_shipped(name):
    first, rest = _split_stdin(remote.build_stdin(name, {}))
    assert PARAMS_LINE.fullmatch(first)
    assert rest == _script_text(name)


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        ('{"ok": true}', {"ok": True}),
        ('Windows PowerShell\r\nCopyright (C) Microsoft Corporation.\r\n{"ok": true, "n": [1]}',
         {"ok": True, "n": [1]}),
        ('{"ok": false, "step": "read parameters"}\r\n\r\n', {"ok": False, "step": "read parameters"}),
        ('Profile {loaded} in 12 ms\n{"reach": {"reachable": true}}\n', {"reach": {"reachable": True}}),
        ('{ banner\n{"a": "{not the start"}', {"a": "{not the start"}),
    ],
)
def test_parse_output(stdout, expected):
    assert remote.parse_output(stdout) == expected


@pytest.mark.parametrize(
    "stdout", ["", "   \r\n", "Access is denied.", "[1, 2]", '[{"ok": true}]', "{ not json }", '"{}"']
)
def test_parse_output_rejects(stdout):
    with pytest.raises(ValueError, match="no JSON"):
        remote.parse_output(stdout)


class FakeExecute:
    """Stands in for _low_level_execute_command; records each call."""

    def __init__(self, result):
        self.result = result
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.result


def test_run_script_calls_execute_once():
    params = {"kms_host": "kms.example.edu", "kms_port": 1688, "note": "it's $(x)"}
    execute = FakeExecute({"rc": 0, "stdout": 'banner\r\n{"ok": true, "cmid": "x"}\r\n', "stderr": ""})
    assert remote.run_script(execute, "office_kms_inspect", params) == {"ok": True, "cmid": "x"}
    assert len(execute.calls) == 1
    (args, kwargs) = execute.calls[0]
    assert set(kwargs) == {"in_data", "sudoable"}
    assert kwargs["sudoable"] is False
    assert len(args) == 1
    prefix = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "
    assert args[0].startswith(prefix)
    assert _decode_ps(args[0][len(prefix):]) == _script_text("office_kms_bootstrap").strip()
    first, rest = _split_stdin(kwargs["in_data"])
    assert json.loads(base64.b64decode(PARAMS_LINE.fullmatch(first).group(1))) == params
    assert rest == _script_text("office_kms_inspect")


@pytest.mark.parametrize(
    ("result", "fragments"),
    [
        ({"rc": 1, "stdout": "", "stderr": "\r\n  Access is denied.  \r\nAt line:1 char:1"},
         ["office_kms_inspect", "exit code 1", "Access is denied."]),
        ({"rc": 5, "stdout": "The term 'Get-CimInstance' is not recognized\r\n", "stderr": None},
         ["office_kms_inspect", "exit code 5", "The term 'Get-CimInstance' is not recognized"]),
        ({"rc": None}, ["office_kms_inspect", "exit code None", "no output"]),
    ],
)
def test_run_script_no_json(result, fragments):
    with pytest.raises(remote.RemoteError) as caught:
        remote.run_script(FakeExecute(result), "office_kms_inspect", {})
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    assert "At line:1" not in message  # only the first line
    assert caught.value.rc == result.get("rc")
    assert caught.value.stdout == (result.get("stdout") or "")
    assert caught.value.stderr == (result.get("stderr") or "")
