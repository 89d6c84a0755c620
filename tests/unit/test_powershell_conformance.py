"""The PowerShell emulation (tests/simlab/powershell) against what Microsoft documents.

Each case of powershell_conformance.yml is a snippet with the output its cited source (an
about_* page of MicrosoftDocs/PowerShell-Docs, a cmdlet page, or a Pester test of
PowerShell/PowerShell) gives for it. Every case runs on each emulated Windows PowerShell
version it applies to; where ``pwsh`` is on PATH (the workflow's Linux job), the cases tagged
for PowerShell 7 run against it too, through the same output rule, so the table is checked
against the real language wherever one exists.

The output rule: each object the snippet writes, rendered as [string] renders it, $null as
null; ``error`` names the exception type of the terminating error the snippet ends with.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.simlab import scenario as scenario_mod
from tests.simlab.host import WindowsHost
from tests.simlab.network import Network
from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell import session
from tests.simlab.powershell.runtime import Unsupported

TABLE = Path(__file__).with_name("powershell_conformance.yml")
CASES: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
EMULATED = ("3.0", "4.0", "5.1")
DEFAULT_VERSIONS = ("3.0", "4.0", "5.1", "7")
FULL = {"2.0": "2.0", "3.0": "3.0", "4.0": "4.0", "5.1": "5.1.19041.4522"}


class BareMachine:
    """A Windows with nothing on it but PowerShell: what a snippet needs and no more."""

    computer_name = "PC01"
    primary_dns_suffix = None
    has_dns_client = True

    def __init__(self, version: str) -> None:
        self.version = version
        self.powershell_version = FULL[version]
        self.clr_version = "2.0.50727.8806" if version == "2.0" else "4.0.30319.42000"
        self.logged: list[str] = []

    def language_version(self) -> tuple[int, int]:
        major, minor = self.version.split(".")
        return int(major), int(minor)

    def environment(self) -> dict[str, str]:
        return {"COMPUTERNAME": self.computer_name}

    def log_script_block(self, text: str) -> None:
        self.logged.append(text)

    def log_pipeline_execution(self, lines: list[str]) -> None:
        pass

    console_encoding_settable = True
    oem_codec = "cp437"  # an en-US Windows (tests/simlab/locales.py)

    @staticmethod
    def text(message: str) -> str:
        return message  # en-US: Windows' messages as the lab writes them

    def now(self) -> datetime:
        return datetime(2026, 12, 7, 10, 0, 0, tzinfo=timezone.utc)


# The lab Windows hosts a case may run on (``machine``): a case about the CIM cmdlets needs a CIM
# provider, which only a lab host (tests/simlab/host.py) has.
LAB_MACHINES = {
    "windows-server-2022": {"caption": "Microsoft Windows Server 2022 Standard", "version": "10.0.20348",
                            "build": "20348", "architecture": "64-bit"},
    "windows-7": {"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601", "build": "7601",
                  "architecture": "64-bit"},
}


@contextmanager
def lab_machine(kind: str, version: str) -> Iterator[WindowsHost]:
    """A lab Windows host of that kind with that Windows PowerShell, and nothing else on it."""
    data = {"hosts": [{"name": "conformance", "username": "Administrator", "password": "x", "os": LAB_MACHINES[kind],
                       "cpu": {"mhz": 2000, "cores": 2}, "memory_mb": 4096, "system_drive_free_mb": 50000,
                       "client_machine_id": "c0nf0000-0000-4000-8000-000000000001", "powershell": version}]}
    scenario = scenario_mod.parse(data)
    network = Network(scenario.kms_hosts)
    try:
        yield WindowsHost(scenario.hosts[0], network, scenario.known_keys)
    finally:
        network.close()


def emulate(script: str, version: str = "5.1", machine: str | None = None) -> tuple[list[Any], str | None]:
    """(rendered outputs, type of the terminating error the snippet's last statement ended
    with, or None) of a snippet run as a script (on a bare machine, or the lab host ``machine``)."""
    if machine is None:
        outcome = session.run_script(BareMachine(version), script, [], None)
    else:
        with lab_machine(machine, version) as host:
            outcome = session.run_script(host, script, [], None)
    rendered = [None if o is None else rt.to_string(o) for o in outcome.output]
    return rendered, outcome.terminating.exception.type_name if outcome.terminating else None


# Cases of the table whose constructs the emulation does not implement (the executor and the
# bootstrap use none of them): each must be refused as Unsupported, never answered. When the
# emulation learns one, its case moves out of this list and must then match.
REFUSED = {
    'typed-string-array-variable-keeps-array': 'assignment to expression_with_unary_operator',
    'member-enumeration-on-list-items': 'assignment to expression_with_unary_operator',
    'where-method-filters': 'text the PowerShell grammar cannot parse: At line:1 char:8 + (0..9).Wh',
    'foreach-method': 'text the PowerShell grammar cannot parse: At line:2 char:1 + $a.ForEac',
    'typed-int-array-converts-strings': 'assignment to expression_with_unary_operator',
    'typed-int-array-rejects-non-numeric': 'assignment to expression_with_unary_operator',
    'clear-typed-int-array-sets-default': 'assignment to expression_with_unary_operator',
    'multiple-assignment': 'assignment to array_literal_expression',
    'hashtable-newline-separated-entries-and-int-keys': 'the member name decimal_integer_literal',
    'ordered-dictionary-integer-index-is-position': 'the member name decimal_integer_literal',
    'ordered-iteration-over-keys-and-enumerator': 'the method Hashtable.GetEnumerator',
    'pscustomobject-literal-preserves-order': 'the property Name of System.Management.Automation.PSMemberInfoIntegrat',
    'pscustomobject-is-reference-type': 'the method System.Management.Automation.PSObject.Copy',
    'convertto-json-enum-as-number': 'the type [System.Management.Automation.ActionPreference]',
    'braces-delimit-variable-name': '${...} variable names',
    'here-strings': 'here-strings',
    'format-operator-basics': 'the format string {0:00} for System.Int32',
    'match-named-captures': "the .NET regular expression construct in 'was (?<domain>.+)\\\\\\\\(?<user",
    'replace-named-groups': "the .NET regular expression construct in '^(?<DomainName>[\\\\w-.]+)\\\\\\\\",
    'split-operator': 'the unary operator -split',
    'is-on-collection-tests-the-collection': 'the type [System.Collections.IList]',
    'as-operator': 'the type [System.Diagnostics.Process]',
    'integer-division-yields-double': 'assignment to expression_with_unary_operator',
    'math-rounding-helpers': 'the type [MidpointRounding]',
    'result-type-widening': 'the literal 512MB (the grammar read it as a command name)',
    'integer-literal-types': 'the numeric literal 100l (suffixes)',
    'numeric-multiplier-suffixes': 'the numeric literal 1kb (suffixes)',
    'bitwise-operators': 'the operator -shl',
    'first-value-type-drives-compound-assignment': 'assignment to expression_with_unary_operator',
    'typed-variable-rejects-incompatible-assignment': 'assignment to expression_with_unary_operator',
    'grouped-assignment-passes-value-through': 'an assignment used as a value',
    'logical-operators-short-circuit': 'an assignment used as a value',
    'cast-string-to-int': 'assignment to expression_with_unary_operator',
    'null-converted-to-value-type-defaults': 'assignment to expression_with_unary_operator',
    'switch-result-assigned-to-variable': 'text the PowerShell grammar cannot parse: At line:12 char:31 + $result',
    'labeled-break-exits-outer-loop': 'text the PowerShell grammar cannot parse: At line:3 char:25 + if ($j -',
    'foreach-enumerator-variable': 'the automatic variable $foreach',
    'function-returning-collection-is-unrolled': 'the cmdlet Measure-Object',
    'string-typed-parameter-is-never-null': 'text the PowerShell grammar cannot parse: At line:10 char:1 + Do-Somet',
    'process-block-runs-per-pipeline-object': 'named_block_list \'process {"The value is: $_"}\'',
    'begin-process-end-blocks': "named_block_list 'begin { $retValue = 0 }\\n\\n    process {\\n        if",
    'dot-sourced-function-runs-in-current-scope': 'dot-sourcing',
    'errorrecord-tostring-is-thrown-value': 'dot-sourcing',
    'rethrow-with-bare-throw': 'the static method [System.Object]::ReferenceEquals with 2 argument(s)',
    'nested-try-catch-finally': 'the type [OutOfMemoryException]',
    'missing-method-fails': 'the method String.DoesNotExist with 0 argument(s)',
    'regex-escape': 'the static method [System.Text.RegularExpressions.Regex]::Escape with ',
    'new-object-with-argument': 'the type [System.Version]',
    'new-object-utf8encoding-without-bom': 'the method System.Text.UTF8Encoding.GetPreamble',
    'new-object-runtimeexception-message': 'the static method [System.Object]::ReferenceEquals with 2 argument(s)',
    'new-object-psobject-with-property': 'the parameter -Property of New-Object',
    'new-object-array-argument-wrapped-in-comma': 'the type [System.Collections.Generic.HashSet[string]]',
    'foreach-object-begin-process-end': 'ForEach-Object with the positional argument " \'process\' "',
    'where-object-scriptblock-and-simplified': 'the parameter -GT of Where-Object',
    'sort-object-strings-case-insensitive': 'the parameter -Unique of Sort-Object',
    'out-string-accumulates-into-one-string': 'the type [Environment]',
    'measure-object-count': 'the cmdlet Measure-Object',
    'argument-mode-vs-expression-mode': 'text the PowerShell grammar cannot parse: At line:4 char:16 + Write-Ou',
    'end-of-parameters-token': 'text the PowerShell grammar cannot parse: At line:1 char:1 + Write-Out',
}


# Each construct the bootstrap and the executor use, and the cases that pin its semantics
# (the cmdlets and .NET calls bound to the host are exercised end to end instead:
# tests/integration/test_executor_as_text.py reaches every statement of both scripts).
EXECUTOR_CONSTRUCTS = {
    "param([string]$X) and typed parameters": [
        "parenthesized-typed-parameters", "string-typed-parameter-joins-array", "named-and-positional-parameters"
    ],
    "functions: uncaptured output, return": [
        "function-all-uncaptured-output-is-returned", "bare-return-after-output", "return-exits-function-early",
        "function-called-in-expression"
    ],
    "scopes: functions read the script's variables": [
        "child-scope-reads-parent-variable", "function-assignment-does-not-change-caller"
    ],
    "$ErrorActionPreference and -ErrorAction": [
        "erroractionpreference-stop-escalates-write-error", "erroraction-silentlycontinue-suppresses",
        "erroractionpreference-stop-applies-in-child-scope"
    ],
    "try/catch/finally, throw, rethrow, $_": [
        "try-catch-finally-order", "catch-variable-is-errorrecord-with-runtimeexception",
        "uncaught-throw-exception-object", "rethrow-uncaught", "finally-runs-when-function-returns"
    ],
    ".NET method exceptions": [
        "dotnet-method-exception-is-statement-terminating"
    ],
    "[Diagnostics.Stopwatch]::StartNew() and ElapsedMilliseconds (each operation's ms)": [
        "stopwatch-startnew-elapsedmilliseconds"
    ],
    "switch on strings with default, return inside": [
        "switch-string-match-is-case-insensitive", "switch-default-clause"
    ],
    "foreach, for, break, continue, while": [
        "foreach-over-array", "foreach-over-null-does-not-iterate", "foreach-break", "loop-continue-skips-iteration",
        "for-and-while-loops"
    ],
    "if / else and truth": [
        "if-elseif-else", "boolean-scalar-conversion", "boolean-collection-conversion", "not-count-idiom"
    ],
    "@() and single results": [
        "array-subexpression-of-null-has-one-element", "array-subexpression-empty-count-0",
        "pipeline-single-result-assigned-is-scalar", "array-subexpression-always-array"
    ],
    "array + and +=": [
        "array-plus-array-concatenates", "array-plus-hashtable-adds-one-element", "array-plus-equals-appends"
    ],
    "hashtables: literal, index, member, ContainsKey": [
        "hashtable-literal-index-and-member-access", "hashtable-assignment-adds-key",
        "hashtable-containskey-contains-containsvalue", "hashtable-missing-key-is-null"
    ],
    "PSCustomObject from ConvertFrom-Json, .PSObject.Properties": [
        "convertfrom-json-sample-values", "convertfrom-json-missing-property-is-null", "psobject-properties-indexer"
    ],
    "ConvertTo-Json -Depth -Compress": [
        "convertto-json-compress-hashtable", "convertto-json-nested-arrays",
        "convertto-json-escapes-html-chars-in-windows-powershell", "convertto-json-depth-limit-stringifies"
    ],
    "expandable strings and $()": [
        "double-quoted-variable-expansion", "member-access-in-string-needs-subexpression",
        "null-in-string-is-empty", "newline-escape-inserts-line-breaks"
    ],
    "-eq/-ne, $null on the left, -contains/-notcontains": [
        "eq-strings-case-insensitive-ceq-sensitive", "null-left-comparison-idiom-on-values",
        "contains-and-notcontains"
    ],
    "-match, -notmatch and $Matches": [
        "match-sets-matches-groups", "notmatch-and-match-vs-like"
    ],
    "-as, -is, casts": [
        "type-operators-is-isnot", "int-cast-rounds-to-even", "cast-to-string-array-and-int-array",
        "boolean-numeric-and-string-casts"
    ],
    "-band, -f with X8, hex literals": [
        "format-operator-hex", "hex-ffffffff-is-int32-minus-one"
    ],
    "-join, -ge/-le": [
        "join-operator-variants", "relational-operators-on-numbers"
    ],
    "static members": [
        "datetime-utcnow-kind", "base64-of-utf8-text", "utf8-getbytes-getstring", "static-members-of-numeric-types"
    ],
    "string methods (Split, Trim, TrimEnd, ToUpper)": [
        "string-instance-methods", "string-split-method-on-pipeline"
    ],
    "New-Object and Exception.Data": [
        "exception-data-dictionary"
    ],
    "ForEach-Object, Where-Object, Sort-Object, Out-String": [
        "foreach-object-process-block", "sort-object-by-property", "foreach-object-runs-for-null-input"
    ],
    "[regex]::Replace with a script block, -f {0:x4}": [
        "regex-replace-with-scriptblock-evaluator", "regex-replace-escapes-non-ascii-per-utf16-unit"
    ],
    "JavaScriptSerializer after LoadWithPartialName, dot notation on its dictionaries": [
        "javascriptserializer-deserializeobject"
    ],
    "& <script block> <argument>": [
        "call-operator-scriptblock-runs-in-child-scope", "call-operator-runs-scriptblock-and-string-command"
    ],
}


def test_every_construct_of_the_executor_has_answered_cases() -> None:
    names = {c["name"] for c in CASES}
    for construct, cases in EXECUTOR_CONSTRUCTS.items():
        assert set(cases) <= names, (construct, set(cases) - names)
        assert not set(cases) & set(REFUSED), (construct, set(cases) & set(REFUSED))


def _params() -> list[Any]:
    found = []
    for case in CASES:
        versions = [str(v) for v in case.get("versions") or DEFAULT_VERSIONS]
        for version in versions:
            if version in EMULATED:
                found.append(pytest.param(case, version, id="%s@%s" % (case["name"], version)))
    return found


def test_the_table_is_large_and_every_case_cites_its_source() -> None:
    assert len(CASES) - len(REFUSED) >= 80  # cases the emulation answers
    assert set(REFUSED) <= {c["name"] for c in CASES}
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    for case in CASES:
        assert set(case) <= {"name", "source", "script", "output", "versions", "error", "machine"}, case["name"]
        assert case.get("machine") in (None, *LAB_MACHINES), case["name"]
        # A lab host's cases need its CIM provider: never run them against pwsh on Linux.
        assert "machine" not in case or "7" not in [str(v) for v in case.get("versions") or DEFAULT_VERSIONS]
        assert len(case.get("source") or "") >= 20, case["name"]
        assert isinstance(case.get("output"), list), case["name"]


@pytest.mark.parametrize(("case", "version"), _params())
def test_emulation_matches_the_documented_output(case: dict[str, Any], version: str) -> None:
    if case["name"] in REFUSED:
        with pytest.raises(Unsupported):
            emulate(case["script"], version, case.get("machine"))
        return
    output, error = emulate(case["script"], version, case.get("machine"))
    assert output == case["output"], case["source"]
    assert error == case.get("error"), case["source"]


PWSH = shutil.which("pwsh")
# The snippet's statements run at the top level of a script (-File), each output rendered by
# the caller; the last statement's terminating error is named, as the emulation names it.
WRAPPER = """
. ([ScriptBlock]::Create([IO.File]::ReadAllText($args[0]))) | ForEach-Object {
    if ($null -eq $_) { '<<null>>' } else { '<<out>>' + [string]$_ } }
if (-not $? -and $Error.Count) { '<<error>>' + $Error[0].Exception.GetType().FullName }
"""


if PWSH is not None:  # the workflow's Linux job has pwsh; this machine has none (no skips counted here)
    SEVEN = [c for c in CASES if "7" in [str(v) for v in c.get("versions") or DEFAULT_VERSIONS]]

    @pytest.mark.parametrize("case", SEVEN, ids=lambda c: c["name"])
    def test_real_powershell_7_gives_the_documented_output(case: dict[str, Any], tmp_path: Path) -> None:
        (tmp_path / "case.ps1").write_text(case["script"], encoding="utf-8")
        (tmp_path / "run.ps1").write_text(WRAPPER, encoding="utf-8")
        completed = subprocess.run([PWSH, "-NoProfile", "-NonInteractive", "-File", str(tmp_path / "run.ps1"),
                                    str(tmp_path / "case.ps1")], capture_output=True, text=True, timeout=60,
                                   check=False)
        output: list[Any] = []
        error = None
        for line in completed.stdout.splitlines():
            if line.startswith("<<out>>"):
                output.append(line[len("<<out>>"):])
            elif line == "<<null>>":
                output.append(None)
            elif line.startswith("<<error>>"):
                error = line[len("<<error>>"):]
        assert output == case["output"], case["source"]
        assert error == case.get("error"), case["source"]


# -- what the emulation refuses ------------------------------------------------------------------------
@pytest.mark.parametrize("script", [
    "class Foo { }",                                   # PowerShell 5 classes
    "$a = 1 -shl 3",                                   # shift operators
    "[int]$typed = 1",                                 # type-constrained variables
    "$x = -split 'a b'",                               # unary -split
    "Get-Process",                                     # a cmdlet the emulation lacks
    "[System.IO.File]::ReadAllText('x')",             # a .NET type it lacks
    "'abc'.Normalize()",                               # a .NET member it lacks
    "$h = @{}; $h.GetEnumerator()",
    "switch -File ('a') { 'a' { 1 } }",
    "trap { 'x' }; 1",
    "1 > $null",
])
def test_outside_the_subset_is_an_error_naming_the_construct(script: str) -> None:
    with pytest.raises(Unsupported) as raised:
        session.run_script(BareMachine("5.1"), script, [], None)
    assert "not emulated" in str(raised.value)
    assert raised.value.line == 1, str(raised.value)


def test_text_the_grammar_cannot_parse_is_refused_before_anything_runs() -> None:
    machine = BareMachine("5.1")
    with pytest.raises(Unsupported) as raised:
        session.run_script(machine, "'ran'\nif ($x -eq { ", [], None)
    assert "cannot parse" in str(raised.value) and raised.value.line == 2


# -- versions --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("script", "version", "expected"), [
    ("'{\"a\":1}' | ConvertFrom-Json | ForEach-Object { $_.a }", "3.0", (["1"], None)),
    ("$o = [ordered]@{ b = 1; a = 2 }; $o.Keys -join ','", "3.0", (["b,a"], None)),
    ("@(1, 2).Length", "2.0", (["2"], None)),
])
def test_what_a_version_has(script: str, version: str, expected: tuple[list[str], None]) -> None:
    assert emulate(script, version) == expected


@pytest.mark.parametrize(("script", "error"), [
    ("'{\"a\":1}' | ConvertFrom-Json", "System.Management.Automation.CommandNotFoundException"),
    ("$ErrorActionPreference = 'Stop'; @{ a = 1 } | ConvertTo-Json",
     "System.Management.Automation.CommandNotFoundException"),
    ("$ErrorActionPreference = 'Stop'; Get-CimInstance -ClassName Win32_OperatingSystem",
     "System.Management.Automation.CommandNotFoundException"),
])
def test_what_powershell_2_lacks_fails_as_it_would(script: str, error: str) -> None:
    output, raised = emulate(script, "2.0")
    assert raised == error and output == []


def test_member_enumeration_and_count_of_a_scalar_are_powershell_3() -> None:
    assert emulate("$a = @(@{ n = 1 }, @{ n = 2 }); $a.n -join ','; (5).Count", "3.0") == (["1,2", "1"], None)
    assert emulate("$a = @(@{ n = 1 }, @{ n = 2 }); $null -eq $a.n; $null -eq (5).Count", "2.0") == \
        (["True", "True"], None)


def test_exception_hresult_is_not_public_before_dotnet_4_5() -> None:
    script = "$e = New-Object Management.Automation.RuntimeException 'm'; $null -eq $e.PSObject.Properties['HResult']"
    assert emulate(script, "3.0") == (["True"], None)
    assert emulate(script, "4.0") == (["False"], None)


def test_input_holds_standard_inputs_lines_as_textreader_reads_them() -> None:
    """about_Automatic_Variables, $input: powershell.exe with redirected standard input hands
    the script its lines (TextReader.ReadLine: \\r\\n, \\r or \\n end a line; a vertical tab
    does not); the enumerator runs once."""
    outcome = session.run_script(BareMachine("5.1"), "$input | ForEach-Object { $_.Length }; @($input).Count", [],
                                 "a\r\nb\x0bc\rd\nlast\r\n")
    assert [rt.to_string(o) for o in outcome.output] == ["1", "3", "1", "4", "0"]
