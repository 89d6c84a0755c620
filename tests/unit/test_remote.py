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


CLIXML = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
          '<S S="Error">The term &apos;ConvertTo-Json&apos; is not recognized_x000D__x000A_</S>'
          '<S S="Error">At line:1 char:1_x000D__x000A_</S></Objs>')


def test_clixml_text_decodes_error_records_and_leaves_plain_text():
    assert remote.clixml_text(CLIXML) == "The term 'ConvertTo-Json' is not recognized\r\nAt line:1 char:1\r\n"
    assert remote.clixml_text("Access is denied.") == "Access is denied."


@pytest.mark.parametrize(
    ("result", "fragments", "hint"),
    [
        ({"rc": 1, "stdout": "", "stderr": CLIXML},
         ["PowerShell stopped before the office_kms_inspect script printed its result (exit code 1): "
          "The term 'ConvertTo-Json' is not recognized"], "PowerShell 3.0"),
        ({"rc": 0, "stdout": '{"ok":true,"computer_name":"PC', "stderr": ""},
         ["the host's reply was not the JSON document the office_kms_inspect script prints: it was cut short "
          "or garbled", "exit code 0", "30 characters"], "Run the task again"),
        # A nested object of a cut-short document parses, but it is not the script's document.
        ({"rc": 0, "stdout": '{"ok":true,"os":{"Caption":"Windows"}', "stderr": ""},
         ["cut short or garbled"], "WinRM connection"),
        ({"rc": 0, "stdout": "", "stderr": ""}, ["printed no output (exit code 0)"], "event log"),
    ],
)
def test_run_script_says_why_there_is_no_document_and_what_to_do(result, fragments, hint):
    with pytest.raises(remote.RemoteError) as caught:
        remote.run_script(FakeExecute(result), "office_kms_inspect", {})
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert caught.value.step == "run the office_kms_inspect script"
    assert caught.value.code is None
    assert hint in caught.value.hint
    failed = caught.value.result("Failed to inspect pc16")
    assert failed["msg"].startswith("Failed to inspect pc16 (step: run the office_kms_inspect script): ")
    assert (failed["error_code"], failed["error_name"], failed["error_hint"]) == (None, None, caught.value.hint)
    assert "_x000D_" not in failed["msg"] and "CLIXML" not in failed["msg"]


def test_run_script_raises_the_scripts_own_error_with_its_hresult():
    doc = {"ok": False, "step": "read licensing products", "error": "Access denied", "hresult": "0x80070005"}
    with pytest.raises(remote.RemoteError) as caught:
        remote.run_script(FakeExecute({"rc": 0, "stdout": json.dumps(doc), "stderr": ""}), "office_kms_inspect", {})
    assert (caught.value.step, caught.value.code, str(caught.value)) == (
        "read licensing products", 0x80070005, "Access denied")
    failed = caught.value.result("Failed to inspect pc16")
    assert failed["msg"].startswith("Failed to inspect pc16 (step: read licensing products): Access denied. "
                                    "0x80070005 E_ACCESSDENIED: access denied. Connect with an account that is a "
                                    "local administrator")
    assert (failed["error_code"], failed["error_name"]) == ("0x80070005", "E_ACCESSDENIED")
    assert failed["failed"] is True


def test_an_unknown_hresult_is_shown_as_such():
    failed = remote.RemoteError("Generic failure", step="read host facts", code=0x80041001).result("Failed to x")
    assert failed["msg"] == ("Failed to x (step: read host facts): Generic failure. 0x80041001 (a code this "
                             "collection has no description for; Microsoft's documentation of activation error "
                             "codes may list it).")
    assert (failed["error_code"], failed["error_name"], failed["error_hint"]) == ("0x80041001", None, None)
