"""Unit tests for plugins/plugin_utils/hostops.py: how a program of host operations travels, and
what comes back (docs/host-operations.md)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import requests
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader
from ansible.plugins.shell.powershell import ShellModule
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hostops, outcome
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError, Result, Results
from urllib3.exceptions import NewConnectionError, ProtocolError
from winrm.exceptions import WinRMTransportError, WSManFaultError

from tests.unit.factories import executor_code

SCRIPTS = Path(__file__).resolve().parents[2] / "plugins" / "module_utils"
SEPARATOR = b"\0\0\0\0"
BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")

HOSTILE = [
    "it's", 'say "hi"', "back`tick", "$(Remove-Item C:\\ -Recurse)", "a; calc.exe", "a | Out-File x",
    "line1\nline2", "cr\rlf\r\n", "nul\x00byte", "Grüße ☃ 😀 キー.例え.jp", "'; exit 1; '", "x" * 10_000,
    "@'\n'@", "#> <#", "\u2018smart\u2019 \u201cquotes\u201d", "\0\0\0\0", "`0`0`0`0", "a\0\0\0\0b",
    "ID='x' OR 1=1", "\\'", "}; Stop-Computer; {",
]


def _decode_ps(encoded: str) -> str:
    return base64.b64decode(encoded, validate=True).decode("utf-16-le")


def _script_bytes(name: str) -> bytes:
    # Bytes as shipped, no newline translation.
    return (SCRIPTS / (name + ".ps1")).read_bytes()


def _executor_code() -> bytes:
    return executor_code().encode("utf-8")


def _split_stdin(data: bytes) -> tuple[bytes, dict]:
    """What the bootstrap does with standard input: the script block text before the first
    four NULs, the program (base64 of UTF-8 JSON) after them."""
    assert isinstance(data, bytes)
    script, sep, program = data.partition(SEPARATOR)
    assert sep == SEPARATOR
    assert BASE64.fullmatch(program), program[:200]
    return script, json.loads(base64.b64decode(program, validate=True).decode("utf-8"))


# --- the command line ----------------------------------------------------------------------------

@pytest.mark.parametrize("script", ["", "Write-Output 1", "Write-Output 'Grüße ☃ 😀'\r\n$x = \"é\"", "\x00\t"])
def test_encode_powershell_round_trip(script):
    encoded = hostops.encode_powershell(script)
    assert re.fullmatch(r"[A-Za-z0-9+/=]*", encoded)
    assert _decode_ps(encoded) == script


def test_bootstrap_command_prefix_matches_ansible_powershell_shell():
    # The winrm plugin sends a command unchanged only when it already has this prefix.
    prefix = ShellModule()._encode_script("", as_list=False, strict_mode=False, preserve_rc=False)
    command = hostops.bootstrap_command()
    assert prefix.endswith("-EncodedCommand ")
    assert command.startswith(prefix)
    assert _decode_ps(command[len(prefix):]) == _script_bytes("kms_bootstrap").decode("utf-8").strip()


def winrm_sends(command: str) -> list[str]:
    """The command and arguments this ansible-core's winrm connection plugin sends to the host
    for ``command`` (its exec_command, stopped where it would send the Command request)."""
    connection = connection_loader.get("winrm", PlayContext())
    connection._connected = True  # no host to connect to
    sent: list[list[str]] = []
    connection._winrm_exec = lambda command, args, **kw: sent.append([command, *args]) or (0, b"", b"")
    connection.exec_command(command, in_data=b"stdin", sudoable=False)
    return sent[0]


def test_the_winrm_plugin_sends_the_bootstrap_command_line():
    """Given what command_for hands it, this ansible-core's winrm plugin sends exactly the
    bootstrap's command line (WinRS joins command and arguments with spaces), whichever
    of its rules (2.17: always wrap; 2.19: unless prefixed; 2.20: unless -EncodedCommand)."""
    given = hostops.command_for(hostops.bootstrap_command(), "winrm")
    sent = winrm_sends(given)
    expected = hostops.bootstrap_command().split(" ")
    assert sent[0].lower() == expected[0].lower() == "powershell"
    assert sent[1:] == expected[1:]
    assert _decode_ps(sent[-1]) == _script_bytes("kms_bootstrap").decode("utf-8").strip()


@pytest.mark.parametrize("connection", ["psrp", "ssh", None])
def test_other_connections_get_the_whole_command_line(connection):
    assert hostops.command_for(hostops.bootstrap_command(), connection) == hostops.bootstrap_command()
    assert hostops.command_for("Get-Date", "winrm") == "Get-Date"


def test_bootstrap_splits_at_the_separator_hostops_writes():
    """The bootstrap's split string is PowerShell's `0 (NUL) as many times as SEPARATOR has."""
    bootstrap = _script_bytes("kms_bootstrap").decode("utf-8").strip()
    assert "\n" not in bootstrap
    literals = re.findall(r'"((?:`0)+)"', bootstrap)
    assert literals == ["`0" * len(hostops.SEPARATOR)]
    assert hostops.SEPARATOR == SEPARATOR.decode("ascii")
    # Only the first part becomes a script block; the second is its argument.
    assert "[ScriptBlock]::Create($p[0])" in bootstrap
    assert bootstrap.endswith("$p[1].Trim()")


def test_executor_has_no_separator_of_its_own():
    executor = _script_bytes("kms_executor")
    assert b"\0" not in executor
    assert not executor.startswith(b"\xef\xbb\xbf")  # no BOM inside the script block text


# --- standard input ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "operations",
    [
        [],
        [hostops.host_facts("facts")],
        [hostops.host_facts("facts"), hostops.cim_query("os", "Win32_OperatingSystem", ["Caption"]),
         hostops.tcp_connect("reach", "kms.example.edu", 1688, 5000, require=True)],
    ],
)
def test_build_stdin_is_executor_separator_program(operations):
    data = hostops.build_stdin(operations)
    executor = _executor_code()
    program = json.dumps({"version": 1, "operations": operations}, separators=(",", ":"), ensure_ascii=False)
    assert data == executor + SEPARATOR + base64.b64encode(program.encode("utf-8"))
    script, doc = _split_stdin(data)
    assert script == executor
    assert doc == {"version": hostops.PROGRAM_VERSION, "operations": operations}


def test_encode_program_is_compact_utf8_json():
    ops = [hostops.tcp_connect("reach", "キー.例え.jp", 1688, 5000)]
    text = base64.b64decode(hostops.encode_program(ops)).decode("utf-8")
    assert text == json.dumps({"version": 1, "operations": ops}, separators=(",", ":"), ensure_ascii=False)
    assert "キー.例え.jp" in text


def hostile_operations(value: str) -> list[hostops.Operation]:
    return [
        hostops.host_facts(value),
        hostops.cim_query("q", "SoftwareLicensingProduct", ["ID", value], where="ID=%s" % hostops.wql_string(value),
                          optional=True),
        hostops.cim_invoke("i", "SoftwareLicensingService", "InstallProductKey", group=value,
                           arguments=[("ProductKey", "string", value), (value, "uint32", 1688)]),
        hostops.registry_read("r", value, [value], subkeys=value),
        hostops.tcp_connect("t", value, 1688, 5000, require=True),
    ]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_travel_as_data(value):
    operations = hostile_operations(value)
    data = hostops.build_stdin(operations)
    script, doc = _split_stdin(data)
    # The script block text is the executor as shipped, whatever the operations hold: no value
    # is in it, and the first four NULs are the separator (the value's own NULs are in base64).
    assert script == _executor_code()
    assert data.count(SEPARATOR) == 1
    # ... and the host reads back exactly what was sent.
    assert doc["operations"] == operations
    assert doc["operations"][4]["host"] == value
    assert doc["operations"][2]["arguments"][0]["value"] == value
    # Nothing of it is on the command line either.
    assert value not in hostops.bootstrap_command()


# --- operations ----------------------------------------------------------------------------------

def test_operation_shapes():
    assert hostops.host_facts("f") == {"id": "f", "op": "host_facts"}
    assert hostops.cim_query("q", "Win32_LogicalDisk", ("DeviceID", "FreeSpace"), "DriveType = 3") == {
        "id": "q", "op": "cim_query", "class": "Win32_LogicalDisk", "properties": ["DeviceID", "FreeSpace"],
        "where": "DriveType = 3", "optional": False}
    assert hostops.cim_invoke("i", "SoftwareLicensingProduct", "SetKeyManagementServicePort", where="ID='x'",
                              arguments=[("PortNumber", "uint32", 1689)], group="g") == {
        "id": "i", "op": "cim_invoke", "class": "SoftwareLicensingProduct", "where": "ID='x'",
        "method": "SetKeyManagementServicePort", "arguments": [{"name": "PortNumber", "type": "uint32",
                                                                "value": 1689}], "group": "g"}
    ungrouped = hostops.cim_invoke("i", "SoftwareLicensingService", "RefreshLicenseStatus")
    assert ungrouped == {"id": "i", "op": "cim_invoke", "class": "SoftwareLicensingService", "where": None,
                         "method": "RefreshLicenseStatus", "arguments": []}
    assert hostops.registry_read("r", "HKLM:\\X", ["A"]) == {"id": "r", "op": "registry_read", "key": "HKLM:\\X",
                                                             "values": ["A"], "subkeys": None}


def test_tcp_connect_require_stops_the_program():
    assert hostops.tcp_connect("t", "kms", 1688, 500) == {
        "id": "t", "op": "tcp_connect", "host": "kms", "port": 1688, "timeout_ms": 500, "require": False}
    assert hostops.tcp_connect("t", "kms", 1688, 500, require=True) == {
        "id": "t", "op": "tcp_connect", "host": "kms", "port": 1688, "timeout_ms": 500, "require": True,
        "on_error": "stop"}


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("8d368fc1-9470-4be2-8d66-90e836cbb051", "'8d368fc1-9470-4be2-8d66-90e836cbb051'"),
        ("it's", "'it\\'s'"),
        ("a\\b", "'a\\\\b'"),
        ("\\'", "'\\\\\\''"),
        ("", "''"),
    ],
)
def test_wql_string(value, literal):
    assert hostops.wql_string(value) == literal


# --- parse_output --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        ('{"ok": true}', {"ok": True}),
        ('Windows PowerShell\r\nCopyright (C) Microsoft Corporation.\r\n{"ok": true, "n": [1]}',
         {"ok": True, "n": [1]}),
        ('{"executor": 1, "results": []}\r\n\r\n', {"executor": 1, "results": []}),
        ('Profile {loaded} in 12 ms\n{"executor": 1, "error": "x"}\n', {"executor": 1, "error": "x"}),
        ('{ banner\n{"a": "{not the start"}', {"a": "{not the start"}),
    ],
)
def test_parse_output(stdout, expected):
    assert hostops.parse_output(stdout) == expected


@pytest.mark.parametrize(
    "stdout", ["", "   \r\n", "Access is denied.", "[1, 2]", '[{"ok": true}]', "{ not json }", '"{}"']
)
def test_parse_output_rejects(stdout):
    with pytest.raises(ValueError, match="no JSON"):
        hostops.parse_output(stdout)


# --- run -----------------------------------------------------------------------------------------

class FakeExecute:
    """Stands in for _low_level_execute_command; records each call."""

    def __init__(self, result):
        self.result = result
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.result


PROGRAM = [
    hostops.host_facts("facts"),
    hostops.cim_query("os", "Win32_OperatingSystem", ["Caption"]),
    hostops.cim_invoke("sku:1:0", "SoftwareLicensingProduct", "Activate", where="ID='1'", group="sku:1"),
    hostops.cim_invoke("sku:1:0:refresh", "SoftwareLicensingService", "RefreshLicenseStatus", group="sku:1"),
]
GOOD = {"executor": 1, "results": [
    {"id": "facts", "op": "host_facts", "status": "ok", "data": {"computer_name": "PC01"}},
    {"id": "os", "op": "cim_query", "status": "ok", "data": {"instances": {"Caption": "Windows 11"}}},
    {"id": "sku:1:0", "op": "cim_invoke", "status": "error", "hresult": "0xC004F074",
     "message": "No KMS could be contacted"},
    {"id": "sku:1:0:refresh", "op": "cim_invoke", "status": "skipped"},
]}


def reply(doc, rc=0, banner="", stderr=""):
    return {"rc": rc, "stdout": banner + json.dumps(doc) + "\r\n", "stderr": stderr}


def test_run_calls_execute_once_with_the_bootstrap_and_the_program():
    execute = FakeExecute(reply(GOOD, banner="Windows PowerShell\r\n"))
    hostops.run(execute, PROGRAM, "read the host")
    assert len(execute.calls) == 1
    (args, kwargs) = execute.calls[0]
    assert set(kwargs) == {"in_data", "sudoable"}
    assert kwargs["sudoable"] is False
    assert args == (hostops.bootstrap_command(),)
    assert kwargs["in_data"] == hostops.build_stdin(PROGRAM)
    script, doc = _split_stdin(kwargs["in_data"])
    assert script == _executor_code()
    assert doc["operations"] == PROGRAM


def test_run_returns_results_by_operation_id():
    results = hostops.run(FakeExecute(reply(GOOD)), PROGRAM, "read the host")
    assert isinstance(results, Results)
    assert list(results) == ["facts", "os", "sku:1:0", "sku:1:0:refresh"]
    assert results["facts"] == Result("facts", "host_facts", "ok", {"computer_name": "PC01"})
    assert results["facts"].ok
    assert results.data("facts") == {"computer_name": "PC01"}
    # ConvertTo-Json writes a one-element array as the element itself.
    assert results.instances("os") == [{"Caption": "Windows 11"}]
    failed = results["sku:1:0"]
    assert (failed.status, failed.hresult, failed.message, failed.ok) == ("error", 0xC004F074,
                                                                          "No KMS could be contacted", False)
    assert results.data("sku:1:0") == {}
    skipped = results["sku:1:0:refresh"]
    assert (skipped.status, skipped.ok, skipped.data, skipped.hresult) == ("skipped", False, {}, None)
    assert results.data("absent") == {} and results.instances("absent") == []


def test_run_error_without_hresult_stays_an_error_without_code():
    doc = {"executor": 1, "results": [{"id": "facts", "op": "host_facts", "status": "ok", "data": {}},
                                      {"id": "os", "op": "cim_query", "status": "error", "hresult": None,
                                       "message": "Generic failure"},
                                      {"id": "sku:1:0", "op": "cim_invoke", "status": "error", "hresult": "",
                                       "message": None},
                                      {"id": "sku:1:0:refresh", "op": "cim_invoke", "status": "error",
                                       "hresult": "not a code", "message": "x"}]}
    results = hostops.run(FakeExecute(reply(doc)), PROGRAM, "read the host")
    for op_id in ("os", "sku:1:0", "sku:1:0:refresh"):
        assert results[op_id].status == "error"
        assert results[op_id].hresult is None
        assert not results[op_id].ok


@pytest.mark.parametrize("status", [None, "", "OK", "success", "done", 0, True])
def test_run_an_unknown_status_is_an_error_never_success(status):
    doc = json.loads(json.dumps(GOOD))
    doc["results"][1]["status"] = status
    results = hostops.run(FakeExecute(reply(doc)), PROGRAM, "read the host")
    assert results["os"].status == "error"
    assert results.instances("os") == []


def test_run_data_that_is_not_an_object_is_no_data():
    doc = json.loads(json.dumps(GOOD))
    doc["results"][1]["data"] = [{"Caption": "x"}]
    assert hostops.run(FakeExecute(reply(doc)), PROGRAM, "read the host")["os"].data == {}


@pytest.mark.parametrize(
    ("result", "fragments"),
    [
        ({"rc": 1, "stdout": "", "stderr": "\r\n  Access is denied.  \r\nAt line:1 char:1"},
         ["PowerShell stopped before it printed a result", "exit code 1", "Access is denied."]),
        ({"rc": 5, "stdout": "The term 'Get-CimInstance' is not recognized\r\n", "stderr": None},
         ["not the JSON document the executor prints", "exit code 5",
          "The term 'Get-CimInstance' is not recognized"]),
        ({"rc": None}, ["exit code None", "no output"]),
    ],
)
def test_run_no_json(result, fragments):
    with pytest.raises(CallError) as caught:
        hostops.run(FakeExecute(result), PROGRAM, "read the host")
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    assert "At line:1" not in message  # only the first line
    assert caught.value.step == "read the host"
    assert caught.value.rc == result.get("rc")
    assert caught.value.stdout == (result.get("stdout") or "")
    assert caught.value.stderr == (result.get("stderr") or "")


CLIXML = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
          '<S S="Error">The term &apos;ConvertTo-Json&apos; is not recognized_x000D__x000A_</S>'
          '<S S="Error">At line:1 char:1_x000D__x000A_</S></Objs>')


def test_clixml_text_decodes_error_records_and_leaves_plain_text():
    assert hostops.clixml_text(CLIXML) == "The term 'ConvertTo-Json' is not recognized\r\nAt line:1 char:1\r\n"
    assert hostops.clixml_text("Access is denied.") == "Access is denied."


CUT_SHORT = '{"executor":1,"results":[{"id":"facts","op":"host_facts","status":"ok","data":{"computer_name":"PC'
# A nested object of a cut-short document parses, but it is not the executor's document.
CUT_AFTER_AN_OBJECT = '{"executor":1,"results":[{"id":"os","op":"cim_query","status":"ok","data":{"instances":[]}}'


@pytest.mark.parametrize(
    ("result", "fragments", "hint"),
    [
        ({"rc": 1, "stdout": "", "stderr": CLIXML},
         ["PowerShell stopped before it printed a result (exit code 1): "
          "The term 'ConvertTo-Json' is not recognized"], "PowerShell 3.0"),
        ({"rc": 0, "stdout": CUT_SHORT, "stderr": ""},
         ["the host's reply was not the JSON document the executor prints: it was cut short or garbled",
          "exit code 0", "%d characters" % len(CUT_SHORT)], "Run the task again"),
        ({"rc": 0, "stdout": CUT_AFTER_AN_OBJECT, "stderr": ""}, ["cut short or garbled"], "WinRM connection"),
        ({"rc": 0, "stdout": '{"ok": true}', "stderr": ""}, ["cut short or garbled"], "WinRM connection"),
        ({"rc": 0, "stdout": "\x1b[2J\x00garbage", "stderr": ""}, ["cut short or garbled", "\\x1b[2J\\x00"],
         "console"),
        ({"rc": 0, "stdout": "", "stderr": ""}, ["printed no output (exit code 0)"], "event log"),
    ],
)
def test_run_says_why_there_is_no_document_and_what_to_do(result, fragments, hint):
    with pytest.raises(CallError) as caught:
        hostops.run(FakeExecute(result), PROGRAM, "read the host")
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert caught.value.step == "read the host"
    assert caught.value.code is None
    assert hint in caught.value.hint
    failed = outcome.call_failure("Failed to inspect pc16", caught.value)
    assert failed["msg"].startswith("Failed to inspect pc16 (step: read the host): ")
    assert failed["msg"].endswith(caught.value.hint)
    assert (failed["error_code"], failed["error_name"], failed["error_hint"]) == (None, None, caught.value.hint)
    assert "_x000D_" not in failed["msg"] and "CLIXML" not in failed["msg"]
    assert "\x1b" not in failed["msg"] and "\x00" not in failed["msg"]


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"executor": 1, "error": "program refused: class Win32_Foo may not be read"},
         "the host's executor did not run the operations: program refused: class Win32_Foo may not be read"),
        ({"executor": 1, "error": "Invalid JSON primitive", "results": []}, "Invalid JSON primitive"),
        ({"executor": 1}, "its reply has no results"),
        ({"executor": 1, "results": {"id": "facts"}}, "its reply has no results"),
    ],
)
def test_run_executor_error(doc, fragment):
    with pytest.raises(CallError) as caught:
        hostops.run(FakeExecute(reply(doc)), PROGRAM, "apply the plan")
    assert fragment in str(caught.value)
    assert caught.value.step == "apply the plan"
    assert caught.value.code is None
    assert "reinstall the collection" in caught.value.hint
    failed = outcome.call_failure("Failed to apply the plan on pc16", caught.value)
    assert failed["failed"] is True
    assert failed["msg"].startswith("Failed to apply the plan on pc16 (step: apply the plan): the host's executor")


@pytest.mark.parametrize("missing", [0, 1, 3])
def test_run_results_missing_an_operation(missing):
    doc = json.loads(json.dumps(GOOD))
    dropped = doc["results"].pop(missing)
    with pytest.raises(CallError) as caught:
        hostops.run(FakeExecute(reply(doc)), PROGRAM, "read the host")
    assert "lacks the results of 1 operations (%s)" % dropped["id"] in str(caught.value)
    assert caught.value.step == "read the host"
    assert "Run the task again" in caught.value.hint


def test_run_results_of_other_ids_do_not_stand_in_for_missing_ones():
    doc = json.loads(json.dumps(GOOD))
    doc["results"][1]["id"] = "something else"
    with pytest.raises(CallError, match=r"lacks the results of 1 operations \(os\)"):
        hostops.run(FakeExecute(reply(doc)), PROGRAM, "read the host")


# --- CallError.result ----------------------------------------------------------------------------

def test_call_error_with_hresult():
    error = CallError("Access denied", step="read licensing products", code=0x80070005)
    failed = outcome.call_failure("Failed to inspect pc16", error)
    assert failed["msg"].startswith("Failed to inspect pc16 (step: read licensing products): Access denied. "
                                    "0x80070005 E_ACCESSDENIED: access denied. Connect with an account that is a "
                                    "local administrator")
    assert (failed["error_code"], failed["error_name"]) == ("0x80070005", "E_ACCESSDENIED")
    assert failed["failed"] is True


def test_an_unknown_hresult_is_shown_as_such():
    failed = outcome.call_failure("Failed to x", CallError("Generic failure", step="read host facts", code=0x80041001))
    assert failed["msg"] == ("Failed to x (step: read host facts): Generic failure. 0x80041001 (a code this "
                             "collection has no description for; Microsoft's documentation of activation error "
                             "codes may list it).")
    assert (failed["error_code"], failed["error_name"], failed["error_hint"]) == ("0x80041001", None, None)


@pytest.mark.parametrize(
    ("text", "code"),
    [("0x80070005", 0x80070005), ("0xc004f074", 0xC004F074), (None, None),
     ("", None), ("  ", None), ("zz", None), (5, None), ("0xZZ", None)],
)
def test_code(text, code):
    assert hostops.code(text) == code


# -- transport failures: one classification (issue 11) -------------------------------------------
def _caused(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


def _transport_cases():
    refused = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /wsman (Caused by "
        "NewConnectionError('<urllib3.connection.HTTPConnection object>: Failed to establish a new connection: "
        "[Errno 111] Connection refused'))")
    dropped = requests.exceptions.ConnectionError(ProtocolError(
        "Connection aborted.", ConnectionResetError("Remote end closed connection without response")))
    return [
        (AnsibleConnectionFailure("basic: the specified credentials were rejected by the server"), "credentials", True),
        (WinRMTransportError("http", 401, "Bad HTTP response returned from server. Code 401"), "credentials", True),
        (AnsibleConnectionFailure("basic: %s" % refused), "refused", True),
        (refused, "refused", True),
        (_caused(RuntimeError("wrapped"), NewConnectionError(None, "[Errno 111] Connection refused")), "refused",
         True),
        (AnsibleError("the connection attempt timed out"), "timeout", True),
        (requests.exceptions.ReadTimeout("HTTPConnectionPool(host='127.0.0.1', port=5985): Read timed out. "
                                         "(read timeout=3)"), "timeout", True),
        (dropped, "dropped", True),
        (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed "
                                             "connection without response'))"), "dropped", True),
        (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "tls", True),
        (requests.exceptions.ConnectionError("Failed to resolve 'pc99.example.edu' ([Errno -2] Name or service not "
                                             "known)"), "name", True),
        (WSManFaultError(500, "fault", "<x/>", "Access to the WinRM plug-in is denied."), "winrm_fault", False),
        (ValueError("something nobody foresaw"), "other", True),
        # Kerberos, in MIT Kerberos' words as Ansible's winrm plugin and pykerberos pass them on.
        (AnsibleConnectionFailure("Kerberos auth failure for principal Administrator@LAB.EXAMPLE with subprocess: "
                                  "kinit: Password incorrect while getting initial credentials"), "kerberos_account",
         True),
        (AnsibleConnectionFailure("kerberos: authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may "
                                  "provide more information', 851968), ('Ticket expired', -1765328352))"),
         "kerberos_expired", True),
        (AnsibleConnectionFailure("kerberos: authGSSClientInit() failed: (('No credentials were supplied, or the "
                                  "credentials were unavailable or inaccessible', 458752), (\"Can't find client "
                                  "principal Administrator@LAB.EXAMPLE in cache collection\", -1765328243))"),
         "kerberos_no_ticket", True),
        (AnsibleConnectionFailure("kerberos: authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may "
                                  "provide more information', 851968), ('Server not found in Kerberos database', "
                                  "-1765328377))"), "kerberos_spn", True),
        (AnsibleConnectionFailure("kerberos: authGSSClientStep() failed: (('Unspecified GSS failure.', 851968), "
                                  "(\"Cannot contact any KDC for realm 'LAB.EXAMPLE'\", -1765328228))"), "kerberos_kdc",
         True),
        (AnsibleError("WinRM Kerberos authentication requested but the python kerberos library is not installed. "
                      "Please install the pykerberos library"), "kerberos_library", True),
        (AnsibleConnectionFailure("kerberos: authGSSClientStep() failed: (('Unspecified GSS failure.', 851968), "
                                  "('Decrypt integrity check failed', -1765328353))"), "kerberos", True),
    ]


@pytest.mark.parametrize("index", range(len(_transport_cases())))
def test_transport_failures_are_classified_one_way(index):
    exc, kind, unreachable = _transport_cases()[index]

    def execute(*args, **kwargs):
        raise exc

    with pytest.raises(hostops.TransportError) as caught:
        hostops.run(execute, [hostops.host_facts("facts")], "read the host")
    error = caught.value
    assert (error.kind, error.unreachable, error.step, error.may_have_run) == (kind, unreachable, "read the host", True)
    assert str(error).startswith(hostops.TRANSPORT_FAILURES[kind][0])
    assert error.hint == hostops.TRANSPORT_FAILURES[kind][1]
    if kind == "winrm_fault":
        assert str(error).endswith(": Access to the WinRM plug-in is denied")
    reasons = {"kerberos_account": "Password incorrect", "kerberos_expired": "Ticket expired",
               "kerberos_spn": "Server not found in Kerberos database", "kerberos_kdc": "Cannot contact any KDC"}
    if kind in reasons:  # Kerberos' own words for the cause follow ours
        assert str(error) == "%s: %s" % (hostops.TRANSPORT_FAILURES[kind][0], reasons[kind])
    result = outcome.inspect_failure("pc01", error)
    assert result.get("unreachable" if unreachable else "failed") is True
    assert result["transport_error"] == kind and "HTTPConnectionPool" not in result["msg"]
    assert result["msg"].startswith("Cannot read pc01 (step: read the host): ")
    assert result["msg"].endswith("Nothing was changed.")


def test_a_call_that_refused_or_never_started_did_not_run():
    refused = CallError("x", "apply the plan", stdout='{"executor": 1, "error": "program refused"}')
    refused.refused = True
    assert not refused.may_have_run
    # an error record or no output may follow CIM calls that ran (a process ended by a quota)
    assert CallError("PowerShell stopped", "apply the plan", stdout="").may_have_run
    assert CallError("garbled", "apply the plan", stdout='{"executor": 1, "res').may_have_run


# --- the trace (-vvv, -vvvvv) --------------------------------------------------------------------

class Recorder:
    """Stands in for Ansible's Display at -vvvvv: what run() shows at each verbosity, and for
    which host."""

    verbosity = 5

    def __init__(self):
        self.lines = []

    def vvv(self, msg, host=None):
        self.lines.append((3, msg, host))

    def vvvvv(self, msg, host=None):
        self.lines.append((5, msg, host))

    def at(self, level):
        return [msg for shown, msg, _unused in self.lines if shown == level]


KEY = "WQ7ZP-K3YNX-TLXAK-9X2VB-J4MRT"
TRACED = [
    hostops.host_facts("facts"),
    hostops.cim_query("os", "Win32_OperatingSystem", ["Caption", "Version"]),
    hostops.cim_invoke("key", "SoftwareLicensingService", "InstallProductKey",
                       arguments=[("ProductKey", "string", KEY)], group="sku:1"),
    hostops.cim_invoke("host", "SoftwareLicensingProduct", "SetKeyManagementServiceMachine", where="ID='1'",
                       arguments=[("MachineName", "string", "kms.campus.example")], group="sku:1"),
    hostops.cim_invoke("activate", "SoftwareLicensingProduct", "Activate", where="ID='1'", group="sku:1"),
    hostops.cim_invoke("refresh", "SoftwareLicensingService", "RefreshLicenseStatus", group="sku:1"),
    hostops.tcp_connect("reach", "kms.campus.example", 1688, 5000),
]
TRACED_REPLY = {"executor": 1, "results": [
    {"id": "facts", "op": "host_facts", "status": "ok", "data": {"computer_name": "PC01"}, "ms": 3},
    {"id": "os", "op": "cim_query", "status": "ok", "data": {"instances": []}, "ms": 41},
    {"id": "key", "op": "cim_invoke", "status": "ok", "data": {"return_value": 0}, "ms": 1250},
    {"id": "host", "op": "cim_invoke", "status": "ok", "data": {"return_value": 0}, "ms": 17},
    {"id": "activate", "op": "cim_invoke", "status": "error", "hresult": "0xC004F074",
     "message": "Activate returned\r\n 0xC004F074.", "ms": 2031},
    {"id": "refresh", "op": "cim_invoke", "status": "skipped"},
    {"id": "reach", "op": "tcp_connect", "status": "ok", "ms": 9,
     "data": {"reachable": False, "hresult": "0x8007274D", "error": "refused"}},
]}


@pytest.fixture
def trace(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(hostops, "display", recorder)
    return recorder


def test_vvv_shows_each_operation_with_secret_arguments_masked(trace):
    execute = FakeExecute(reply(TRACED_REPLY))
    hostops.run(execute, TRACED, "apply the plan", host="pc01")
    lines = trace.at(3)
    assert all(host == "pc01" for _unused, _msg, host in trace.lines)
    sent = lines[1:1 + len(TRACED)]
    assert [line.split(":")[0].split(". ")[1] for line in sent] == [op["id"] for op in TRACED]
    assert sent[2].endswith('key: cim_invoke SoftwareLicensingService.InstallProductKey(ProductKey="*****-J4MRT") '
                            "on the first instance")
    assert 'SetKeyManagementServiceMachine(MachineName="kms.campus.example") where ID=\'1\'' in sent[3]
    assert "Win32_OperatingSystem, 2 properties, every instance" in sent[1]
    assert "kms.campus.example port 1688, 5000 ms" in sent[6]
    # ... and what the host was sent is the key itself: the trace masks a copy
    assert KEY in json.dumps(_split_stdin(execute.calls[0][1]["in_data"])[1])


def test_vvv_shows_each_result_with_its_hresult_and_the_time_the_host_measured(trace):
    hostops.run(FakeExecute(reply(TRACED_REPLY)), TRACED, "apply the plan", host="pc01")
    results = trace.at(3)[-len(TRACED):]
    assert trace.at(3)[-len(TRACED) - 1].startswith("volume_licensing.kms, apply the plan: 7 results, ")
    assert results == [
        "  1. facts: ok, 3 ms",
        "  2. os: ok, 41 ms",
        "  3. key: ok, 1250 ms",
        "  4. host: ok, 17 ms",
        "  5. activate: error, 0xC004F074 SL_E_VL_BINDING_SERVICE_UNAVAILABLE, 2031 ms: Activate returned 0xC004F074.",
        "  6. refresh: skipped",
        "  7. reach: ok, reports 0x8007274D, 9 ms",
    ]


def test_vvvvv_shows_the_program_masked_and_the_reply(trace):
    answered = reply(TRACED_REPLY, banner="Windows PowerShell\r\n")
    hostops.run(FakeExecute(answered), TRACED, "read the host")
    program, answer = trace.at(5)
    assert program.startswith("volume_licensing.kms, read the host (host not named): the program: ")
    shown = json.loads(program.split("the program: ", 1)[1])
    expected = json.loads(json.dumps(TRACED))
    expected[2]["arguments"][0]["value"] = "*****-J4MRT"
    assert shown == {"version": 1, "operations": expected}
    assert answer == ("volume_licensing.kms, read the host (host not named): the reply (exit code 0): "
                      + answered["stdout"].strip())
    assert TRACED[2]["arguments"][0]["value"] == KEY  # the program itself is untouched


def test_no_form_of_a_secret_argument_is_traced(trace):
    lower = [hostops.cim_invoke("k%d" % i, "SoftwareLicensingService", "InstallProductKey",
                                arguments=[(name, "string", KEY)])
             for i, name in enumerate(("productkey", "PRODUCTKEY"))]
    doc = {"executor": 1, "results": [{"id": op["id"], "op": "cim_invoke", "status": "ok", "ms": 1} for op in lower]}
    hostops.run(FakeExecute(reply(doc)), lower, "apply the plan", host="pc01")
    text = "\n".join(msg for _unused, msg, _host in trace.lines)
    assert text.count("*****-J4MRT") == 4  # each call, at -vvv and in the JSON at -vvvvv
    for form in (KEY, KEY.replace("-", ""), KEY[:-6], base64.b64encode(KEY.encode()).decode()):
        assert form not in text


@pytest.mark.parametrize(("value", "shown"), [
    (KEY, "*****-J4MRT"), (KEY.replace("-", "").lower(), "*****-j4mrt"), ("short-key", "*****"), ("", "*****"),
    (None, "*****"), (12345, "*****"),
])
def test_masked_shows_at_most_the_last_five_of_a_long_value(value, shown):
    assert hostops.masked(value) == shown


def test_the_trace_is_shown_only_from_vvv_and_the_json_only_at_vvvvv(capsys):
    display = hostops.display
    saved = display.verbosity
    try:
        printed = {}
        for verbosity in (0, 2, 3, 4, 5):
            display.verbosity = verbosity
            hostops.run(FakeExecute(reply(TRACED_REPLY)), TRACED, "apply the plan", host="pc01")
            captured = capsys.readouterr()
            printed[verbosity] = captured.out + captured.err
    finally:
        display.verbosity = saved
    assert printed[0] == printed[2] == ""
    for verbosity in (3, 4, 5):
        assert '<pc01>   3. key: cim_invoke SoftwareLicensingService.InstallProductKey(ProductKey="*****-J4MRT")' \
            in printed[verbosity]
        assert "<pc01>   5. activate: error, 0xC004F074 SL_E_VL_BINDING_SERVICE_UNAVAILABLE, 2031 ms" \
            in printed[verbosity]
        assert ("the program: " in printed[verbosity]) == (verbosity == 5)
        assert ("the reply (exit code 0): " in printed[verbosity]) == (verbosity == 5)
        assert KEY not in printed[verbosity]
