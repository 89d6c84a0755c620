"""pslint's rules (tests/pslint): each one reports its violation and passes clean code, and the
collection's PowerShell has no finding.

ansible-test's pslint (PSScriptAnalyzer under pwsh) cannot run where make test runs; the real
one runs in the pslint job of .github/workflows/windows.yml. Here every mirrored rule gets a
script that violates it (reported at the expected line: the rule can fail) and one that does
not; then the scripts ansible-test's pslint checks (every .ps1, .psm1 and .psd1 under plugins/)
and the Windows jobs' own scripts (tests/windows/*.ps1, also in the collection's tree that
ansible-test sees) must have no finding at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import ansible_test
import pytest

from tests.pslint import RULES, analyze, analyze_path, collection_scripts
from tests.pslint.rules import ALIASES, RULE_DOCS, SETTINGS, pluralize, singularize

ROOT = Path(__file__).resolve().parents[2]
PSLINT = Path(ansible_test.__file__).parent / "_util" / "controller" / "sanity" / "pslint"
SHIPPED = sorted(p for p in (ROOT / "plugins").rglob("*") if p.suffix in (".ps1", ".psm1", ".psd1"))
WINDOWS_TESTS = sorted((ROOT / "tests" / "windows").glob("*.ps1"))

# (rule, script that violates it, line of the finding, script that does not, file name)
CASES = [
    ("PSAvoidUsingCmdletAliases", "Get-Item -LiteralPath C:\\x\ngci -LiteralPath C:\\x\n", 2,
     "Get-ChildItem -LiteralPath C:\\x\n", None),
    ("PSAvoidUsingWMICmdlet", "$os = 1\nGet-WmiObject -Class Win32_OperatingSystem\n", 2,
     "Get-CimInstance -ClassName Win32_OperatingSystem\n", None),
    ("PSAvoidUsingInvokeExpression", "$text = 'Get-Date'\nInvoke-Expression -Command $text\n", 2,
     "$text = 'Get-Date'\n& $text\n", None),
    ("PSAvoidUsingEmptyCatchBlock", "try {\n    Get-Item -LiteralPath x\n}\ncatch {\n    # nothing\n}\n", 4,
     "try {\n    Get-Item -LiteralPath x\n}\ncatch {\n    throw\n}\n", None),
    ("PSAvoidGlobalVars", "$x = 1\n$global:Count = $x\n", 2,
     "$script:Count = 1\n$global:ErrorActionPreference\n", None),
    ("PSUseDeclaredVarsMoreThanAssignments",
     "function Get-Thing {\n    $unused = 1\n    $used = 2\n    $used = 3\n    $used\n}\n", 2,
     "$count = 1\n$count += 1\n$total = 0\nfunction Get-Total {\n    \"$total\"\n}\n", None),
    ("PSAvoidUsingWriteHost", "$x = 1\nWrite-Host $x\n", 2,
     "Write-Output 1\nfunction Show-Thing {\n    Write-Host 1\n}\n", None),
    ("PSAvoidAssignmentToAutomaticVariable", "$x = 1\n$input = $x\n", 2, "$inputs = 1\n", None),
    ("PSPossibleIncorrectComparisonWithNull", "$x = @(1)\nif ($x -eq $null) {\n    1\n}\n", 2,
     "$x = 1\nif ($null -eq $x) {\n    1\n}\nif ('a' -eq $null) {\n    1\n}\n", None),
    ("PSAvoidUsingPositionalParameters", "function Get-Sum($a, $b, $c) {\n    $a + $b + $c\n}\nGet-Sum 1 2 3\n", 4,
     "function Get-Sum($a, $b, $c) {\n    $a + $b + $c\n}\nGet-Sum -a 1 -b 2 -c 3\n"
     "New-Object Text.UTF8Encoding $false\n", None),
    ("PSUseApprovedVerbs", "function Get-Thing { }\nfunction Fetch-Thing { }\n", 2, "function Get-Thing { }\n", None),
    ("PSAvoidDefaultValueSwitchParameter",
     "function Get-Thing {\n    param([switch]$Force = $true)\n    $Force\n}\n", 2,
     "function Get-Thing {\n    param([switch]$Force)\n    $Force\n}\n", None),
    ("PSAvoidTrailingWhitespace", "$x = 1\n$y = 2 \n", 2, "$x = 1\n", None),
    ("PSAvoidLongLines", "$x = 1\n$y = '%s'\n" % ("a" * 160), 2, "$y = '%s'\n" % ("a" * 150), None),
    ("PSUseConsistentIndentation", "function Get-Thing {\n  Write-Output 1\n}\n", 2,
     "function Get-Thing {\n    Write-Output @(1,\n        2) |\n        Sort-Object\n    $x = 1\n}\n", None),
    ("PSPlaceOpenBrace", "if ($true)\n{\n    Write-Output 1\n}\n", 2,
     "if ($true) {\n    Write-Output 1\n}\n$x = if ($true) { 1 } else { 2 }\n", None),
    ("PSPlaceCloseBrace", "if ($true) {\n    Write-Output 1\n} else {\n    Write-Output 2\n}\n", 3,
     "if ($true) {\n    Write-Output 1\n}\nelse {\n    Write-Output 2\n}\ntry { 1 } catch { 2 }\n", None),
    ("PSUseConsistentWhitespace", "$x = 1\n$y=$x\n", 2, "$x = 1\n$y = @{ a = $x; b = @(-1, $x) }\n", None),
    ("PSAvoidSemicolonsAsLineTerminators", "$x = 1\n$y = 2;\n", 2, "$x = 1; $y = 2\n", None),
    ("PSMisleadingBacktick", "$x = 1\nWrite-Output $x  # `` \n", 2, "Write-Output `\n    1\n", None),
    ("PSUseSingularNouns", "function Get-Thing { }\nfunction Get-HostFacts { }\n", 2,
     "function Get-HostFact { }\nfunction Get-Data { }\nfunction Get-Status { }\n", None),
    ("PSCustomUseLiteralPath", "$path = 'C:\\x'\nRemove-Item $path -Force\n", 2,
     "$path = 'C:\\x'\nRemove-Item -LiteralPath $path\nNew-Item -Path $path\n", None),
    ("PSAvoidUsingComputerNameHardcoded", "$x = 1\nGet-CimInstance -ClassName Win32_Bios -ComputerName 'srv01'\n", 2,
     "Get-CimInstance -ClassName Win32_Bios -ComputerName localhost\n", None),
    ("PSAvoidUsingBrokenHashAlgorithms", "$x = 1\nGet-FileHash -LiteralPath $x -Algorithm MD5\n", 2,
     "Get-FileHash -LiteralPath x -Algorithm SHA256\n", None),
    ("PSAvoidGlobalAliases", "$x = 1\nNew-Alias -Name x -Value Get-Item -Scope Global\n", 2,
     "New-Alias -Name x -Value Get-Item -Scope Script\n", None),
    ("PSUseLiteralInitializerForHashtable", "$x = 1\n$h = New-Object Hashtable\n", 2, "$h = @{}\n", None),
    ("PSAvoidOverwritingBuiltInCmdlets", "function Get-Thing { }\nfunction Get-Item { }\n", 2,
     "function Get-Thing { }\n", None),
    ("PSAvoidGlobalFunctions", "function Get-Thing { }\nfunction global:Get-Other { }\n", 2,
     "function Get-Other { }\n", "module.psm1"),
    ("PSAvoidDefaultValueForMandatoryParameter",
     "function Get-Thing {\n    param(\n        [Parameter(Mandatory = $true)][string]$Name = 'x'\n    )\n"
     "    $Name\n}\n", 3,
     "function Get-Thing {\n    param([Parameter(Mandatory = $true)][string]$Name)\n    $Name\n}\n", None),
    ("PSReservedParams",
     "$x = 1\nfunction Get-Thing {\n    [CmdletBinding()]\n    param($Verbose)\n    $Verbose\n}\n", 2,
     "function Get-Thing {\n    [CmdletBinding()]\n    param($Detail)\n    $Detail\n}\n", None),
    ("PSReservedCmdletChar",
     "$x = 1\nfunction Get-Th%ing {\n    [CmdletBinding()]\n    param()\n}\nExport-ModuleMember -Function Get-Th%ing\n",
     2, "function Get-Thing {\n    [CmdletBinding()]\n    param()\n}\nExport-ModuleMember -Function Get-Thing\n", None),
    ("PSUsePSCredentialType", "$x = 1\nfunction Get-Thing {\n    param([string]$Credential)\n    $Credential\n}\n", 2,
     "function Get-Thing {\n    param([pscredential]$Credential)\n    $Credential\n}\n", None),
    ("PSAvoidMultipleTypeAttributes", "function Get-Thing {\n    param([int][string]$Name)\n    $Name\n}\n", 2,
     "function Get-Thing {\n    param([string]$Name)\n    $Name\n}\n", None),
    ("PSAvoidNullOrEmptyHelpMessageAttribute",
     "function Get-Thing {\n    param([Parameter(HelpMessage = '')][string]$Name)\n    $Name\n}\n", 2,
     "function Get-Thing {\n    param([Parameter(HelpMessage = 'The name')][string]$Name)\n    $Name\n}\n", None),
    ("PSUseProcessBlockForPipelineCommand",
     "function Get-Thing {\n    param([Parameter(ValueFromPipeline = $true)]$InputObject)\n    $InputObject\n}\n", 2,
     "function Get-Thing {\n    param([Parameter(ValueFromPipeline = $true)]$InputObject)\n"
     "    process {\n        $InputObject\n    }\n}\n", None),
    ("PSUseSupportsShouldProcess", "function Set-Thing {\n    param($WhatIf)\n    $WhatIf\n}\n", 2,
     "function Set-Thing {\n    param($What)\n    $What\n}\n", None),
    ("PSAvoidShouldContinueWithoutForce",
     "function Set-Thing {\n    param()\n    if ($PSCmdlet.ShouldContinue('q', 'c')) {\n        1\n    }\n}\n", 3,
     "function Set-Thing {\n    param([switch]$Force)\n    if ($Force -or $PSCmdlet.ShouldContinue('q', 'c')) {\n"
     "        1\n    }\n}\n", None),
    ("PSProvideCommentHelp", "$x = 1\nfunction Get-Thing { }\nExport-ModuleMember -Function Get-Thing\n", 2,
     "<#\n.SYNOPSIS\nA thing.\n#>\nfunction Get-Thing { }\nExport-ModuleMember -Function Get-Thing\n"
     "function Get-Other { }\n", None),
    ("PSPossibleIncorrectUsageOfAssignmentOperator", "$a = 1\n$b = 2\nif ($a = $b) {\n    1\n}\n", 3,
     "$a = 1\n$b = 2\nif ($a -eq $b) {\n    1\n}\nif ($c = Get-Thing) {\n    1\n}\n", None),
    ("PSPossibleIncorrectUsageOfRedirectionOperator", "$a = 1\nif ($a > 2) {\n    1\n}\n", 2,
     "$a = 1\nif ($a -gt 2) {\n    1\n}\n", None),
    ("PSAvoidInvokingEmptyMembers", "$x = 1\n$x.('Len' + 'gth')\n", 2, "$x = 1\n$x.Length\n$p = 'Length'\n$x.$p\n",
     None),
]


def findings(source: str, rule: str, name: str | None = None):
    return analyze(source, name or "case.ps1", rules=[rule])


def test_every_rule_has_cases():
    assert sorted(c[0] for c in CASES) == sorted(RULES)


@pytest.mark.parametrize(("rule", "bad", "line", "good", "name"), CASES, ids=[c[0] for c in CASES])
def test_rule_reports_its_violation(rule, bad, line, good, name):
    found = findings(bad, rule, name)
    assert [f.rule for f in found] and {f.rule for f in found} == {rule}, found
    assert line in [f.line for f in found], found
    assert all(f.message and f.column >= 1 for f in found)


@pytest.mark.parametrize(("rule", "bad", "line", "good", "name"), CASES, ids=[c[0] for c in CASES])
def test_rule_passes_clean_code(rule, bad, line, good, name):
    assert findings(good, rule, name) == []


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_docstring_cites_its_page(rule):
    doc = RULES[rule].__doc__ or ""
    page = "PSSA-PSCustomUseLiteralPath" if rule == "PSCustomUseLiteralPath" else rule.removeprefix("PS")
    assert page in doc and ("RULE_DOCS" in doc or rule == "PSCustomUseLiteralPath"), rule
    assert RULE_DOCS == "https://learn.microsoft.com/powershell/utility-modules/psscriptanalyzer/rules/"


# -- what each rule reports, in more detail --------------------------------------------------------

def test_finding_reads_like_ansible_test():
    (finding,) = findings("$x = 1\ngci -LiteralPath $x\n", "PSAvoidUsingCmdletAliases")
    assert str(finding) == ("case.ps1:2:1: PSAvoidUsingCmdletAliases: 'gci' is an alias of 'Get-ChildItem'. Alias can "
                            "introduce possible problems and make scripts hard to maintain. Please consider changing "
                            "alias to its full content.")


def test_columns_count_characters_not_bytes():
    (finding,) = findings("$x = '§'; Write-Host $x\n", "PSAvoidUsingWriteHost")
    assert (finding.line, finding.column) == (1, 11)


def test_missing_get_prefix_is_an_alias():
    (finding,) = findings("ChildItem -LiteralPath C:\\x\n", "PSAvoidUsingCmdletAliases")
    assert "missing the 'Get-' prefix" in finding.message
    assert findings("function ChildItem { }\nChildItem\n", "PSAvoidUsingCmdletAliases") == []


def test_positional_arguments_are_counted_as_pssa_counts_them():
    rule = "PSAvoidUsingPositionalParameters"
    assert findings("Join-Path a b c\n", rule)
    assert findings("Join-Path a b\n", rule) == []  # two are allowed
    assert findings("Join-Path -Path a b c\n", rule) == []  # a is -Path's value: b and c
    assert findings("Join-Path -Path a b c d\n", rule)
    assert findings("$p = @{}\nJoin-Path @p a b c\n", rule) == []  # splatting
    assert findings("Get-Thing a b c\n", rule) == []  # not a known command
    assert findings("$x | Join-Path a b\n", rule) == []  # not the first element of the pipeline
    assert [f.severity for f in findings("Join-Path a b c\n", rule)] == ["Information"]


def test_declared_vars_per_script_block():
    rule = "PSUseDeclaredVarsMoreThanAssignments"
    # A function's variable used only in another function is unused in its own.
    found = findings("function Get-A {\n    $a = 1\n}\nfunction Get-B {\n    $a\n}\n", rule)
    assert [(f.line, f.suppression_id) for f in found] == [(2, "a")]
    # Uses count in nested script blocks, strings and Get-Variable; automatic variables never count.
    assert findings("$a = 1\n$b = { $a }\n$b\n$c = 1\nGet-Variable c\n$ErrorActionPreference = 'Stop'\n", rule) == []
    # [type]$x = ... and $env: / $global: assignments are not tracked as PSScriptAnalyzer does.
    assert findings("$env:X = 1\n$global:Y = 1\n$script:Z = 1\n", rule) == []
    assert [f.line for f in findings("[string]$s = 'a'\n", rule)] == [1]


def test_comparison_with_null_inside_a_script_block_outside_functions_is_not_reported():
    rule = "PSPossibleIncorrectComparisonWithNull"
    assert findings("$x = { param($a) $a -eq $null }\n$x\n", rule) == []
    assert findings("function Get-A($a) {\n    @($a | Where-Object { $_.b -eq $null })\n}\n", rule)
    assert findings("if ($_ -eq $null) {\n    1\n}\n", rule) == []  # an automatic variable
    # Typed as PSScriptAnalyzer's variable analysis types them: only constants assigned, a scalar parameter.
    assert findings("$a = 3\nif ($a -eq $null) {\n    1\n}\n", rule) == []
    assert findings("function Get-A([int]$a) {\n    $a -eq $null\n}\n", rule) == []
    assert findings("function Get-A([int[]]$a) {\n    $a -eq $null\n}\n", rule)
    assert findings("if ('a', 'b' -eq $null) {\n    1\n}\n", rule)


def test_literal_path_rule_follows_ansible_tests_module():
    rule = "PSCustomUseLiteralPath"
    assert findings("Get-Item -Path 'C:\\x'\n", rule)
    assert findings("gci $path\n", rule)  # through an alias
    assert findings("$h = @{ Path = 'x' }\nGet-Item @h\n", rule)  # a splatted hashtable
    assert findings("Get-Item 'C:\\x'\n", rule) == []  # only a variable counts as positional
    assert findings("Remove-Item -Force $path\n", rule) == []  # $path is -Force's value
    assert findings("Split-Path -Path $p -Leaf\n", rule) == []  # -Leaf has no -LiteralPath set
    assert findings("& Get-Item -Path x\n", rule) == []  # invoked with &


def test_indentation_follows_pipelines_parens_and_continuations():
    rule = "PSUseConsistentIndentation"
    good = ("$rows = @(Get-ChildItem -LiteralPath x | Where-Object { $_ } |\n"
            "        ForEach-Object { $_ })\n"
            "$y = @{\n"
            "    a = (Get-Thing `\n"
            "            -Name x)\n"
            "}\n"
            "(Get-Thing).Count\n")
    assert findings(good, rule) == []
    assert [f.line for f in findings("Get-Thing |\nSort-Object\n", rule)] == [2]
    assert [(f.line, f.column) for f in findings("@(\n1,\n  2)\n", rule)] == [(2, 1), (3, 1)]


def test_braces_of_script_blocks_and_one_line_blocks_are_left_alone():
    for rule in ("PSPlaceOpenBrace", "PSPlaceCloseBrace"):
        assert findings("Get-Thing | Where-Object { $_ -and\n    $true }\n$s = { 1 }\n", rule) == [], rule
    assert [f.message for f in findings("if ($a) { # c\n    1\n}\n", "PSPlaceOpenBrace")] == \
        ["There is no new line after open brace."]
    assert [f.message for f in findings("$h = @{\n    a = 1 }\n", "PSPlaceCloseBrace")] == \
        ["Close brace is not on a new line."]


def test_whitespace_checks():
    rule = "PSUseConsistentWhitespace"
    cases = {
        "if ($true){\n}\n": ["Use space before open brace."],
        "if($true) {\n}\n": ["Use space before open parenthesis."],
        "$a = { $x}\n": ["Use space before closing brace."],
        "$a = {$x }\n": ["Use space after open brace."],
        "Get-Thing |Sort-Object\n": ["Use space after pipe."],
        "Get-Thing  |  Sort-Object\n": [],  # redundant whitespace around | is not checked
        "$x = @(1,2)\n": ["Use space after a comma."],
        "$x = @{ a = 1;b = 2 }\n": ["Use space after a semicolon."],
        "$h = @{\n    variable = 3\n    other    = 4\n}\n": [
            "Use space before and after binary and assignment operators."],
        "$x = $a +\n    $b\n": [],
        "(1..5).foreach{ $_ }\n": [],
        "$x = -1\n$y = ($a -band 1)\n": [],
    }
    for source, messages in cases.items():
        assert [f.message for f in findings(source, rule)] == messages, source


def test_singular_nouns_use_pluralize_net():
    assert (singularize("Facts"), pluralize("Facts")) == ("Fact", "Facts")
    assert (singularize("Status"), pluralize("Status")) == ("Status", "Statuses")
    assert singularize("Parameters") == "Parameter" and pluralize("Parameters") == "Parameters"
    assert singularize("Registry") == "Registry" and pluralize("Registry") == "Registries"
    assert singularize("Series") == "Series"  # uncountable: singular and plural
    assert findings("function Get-HResults { }\nfunction Get-CIM { }\n", "PSUseSingularNouns")[0].line == 1


def test_aliases_include_powershell_7s_and_windows_only_ones():
    assert ALIASES["gci"] == "Get-ChildItem" and ALIASES["%"] == "ForEach-Object"
    assert ALIASES["sort"] == "Sort-Object" and ALIASES["gcim"] == "Get-CimInstance"


def test_parse_errors_are_reported():
    (finding,) = analyze("if ($x -eq {", "broken.ps1")
    assert finding.rule == "ParseError"
    # The rules that read the text still run (the grammar cannot read an escaped space at a line's end).
    rules = [f.rule for f in analyze("Write-Output 1 ` \n")]
    assert rules == ["ParseError", "PSMisleadingBacktick", "PSAvoidTrailingWhitespace"]


# -- suppressions, as PSScriptAnalyzer applies them ---------------------------------------------------

SUPPRESSED = """function Get-Thing {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'test')]
    param()
    Write-Host 1
}
Write-Host 2
"""


def test_function_level_suppression():
    assert [f.line for f in findings(SUPPRESSED, "PSAvoidUsingWriteHost")] == [6]


def test_suppression_with_an_id_only_suppresses_that_id():
    source = ("function Get-Thing {\n"
              "    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', 'a')]\n"
              "    param()\n"
              "    $a = 1\n"
              "    $b = 1\n"
              "}\n")
    assert [f.suppression_id for f in findings(source, "PSUseDeclaredVarsMoreThanAssignments")] == ["b"]


def test_suppression_of_a_text_rule_covers_the_function_only():
    source = SUPPRESSED.replace("PSAvoidUsingWriteHost", "PSAvoidTrailingWhitespace").replace("Write-Host 1", "1 ") \
        .replace("Write-Host 2", "2 ")
    assert [f.line for f in findings(source, "PSAvoidTrailingWhitespace")] == [6]


def test_suppression_names_the_rule_exactly():
    source = SUPPRESSED.replace("'PSAvoidUsingWriteHost'", "'AvoidUsingWriteHost'")
    assert [f.line for f in findings(source, "PSAvoidUsingWriteHost")] == [4, 6]


def test_function_scope_suppression_from_an_outer_function():
    source = ("function Get-Outer {\n"
              "    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Scope = 'Function',"
              " Target = 'Get-In*')]\n"
              "    param()\n"
              "    function Get-Inner {\n"
              "        Write-Host 1\n"
              "    }\n"
              "    Write-Host 2\n"
              "}\n")
    assert [f.line for f in findings(source, "PSAvoidUsingWriteHost")] == [7]


# -- ansible-test's settings ----------------------------------------------------------------------------

def _settings_block(text: str, rule: str) -> dict[str, str]:
    block = re.search(rule + r"\s*=\s*@\{(.*?)\}", text, re.S).group(1)
    return {k: v.strip("'") for k, v in re.findall(r"(\w+)\s*=\s*(\S+)", block)}


def test_settings_are_ansible_tests():
    text = (PSLINT / "settings.psd1").read_text()
    psd1_bool = {"$true": True, "$false": False}
    for rule, mirrored in SETTINGS.items():
        actual = _settings_block(text, rule)
        assert actual.pop("Enable") == "$true", rule
        assert {k: psd1_bool.get(v, int(v) if v.isdigit() else v) for k, v in actual.items()} == mirrored, rule
    for rule in ("PSAvoidSemicolonsAsLineTerminators",):
        assert _settings_block(text, rule) == {"Enable": "$true"}
    excluded = set(re.findall(r"'(PS\w+)'", text.split("ExcludeRules", 1)[1]))
    assert "PSUseBOMForUnicodeEncodedFile" in excluded and not excluded & set(RULES)
    assert "PSSA-PSCustomUseLiteralPath" in (PSLINT / "pslint.ps1").read_text()


# -- the collection's scripts -------------------------------------------------------------------------

def test_scripts_found():
    assert {p.name for p in SHIPPED} >= {"kms_executor.ps1", "kms_bootstrap.ps1"}
    assert {p.name for p in WINDOWS_TESTS} >= {"licensing_classes.ps1", "powershell_events.ps1"}
    # ansible-test's pslint checks the collection's whole tree: no PowerShell file elsewhere.
    assert collection_scripts(ROOT) == sorted(SHIPPED + WINDOWS_TESTS)


@pytest.mark.parametrize("path", SHIPPED + WINDOWS_TESTS, ids=[p.name for p in SHIPPED + WINDOWS_TESTS])
def test_script_has_no_finding(path):
    found = analyze_path(path)
    assert found == [], "\n".join(str(f) for f in found)
