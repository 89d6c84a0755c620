"""PSScriptAnalyzer's rules as ansible-test's pslint runs them, over the tree-sitter PowerShell tree.

What pslint runs (ansible-test 2.19: ansible_test/_internal/commands/sanity/pslint.py,
_util/controller/sanity/pslint/pslint.ps1 and settings.psd1, _data/requirements/
sanity.pslint.ps1): PSScriptAnalyzer 1.21.0 under pwsh (PowerShell 7), on every .ps1, .psm1
and .psd1 file of the collection, with

- every built-in rule that is enabled by default, of every severity: ansible-test fails on an
  Information finding as on an Error; minus settings.psd1's ExcludeRules
  (PSUseOutputTypeCorrectly, PSUseShouldProcessForStateChangingFunctions,
  PSAvoidUsingPlainTextForPassword, PSAvoidUsingConvertToSecureStringWithPlainText,
  PSAvoidUsingUserNameAndPassWordParams, PSUseBOMForUnicodeEncodedFile,
  PSReviewUnusedParameter);
- the rules settings.psd1 enables, with its settings (SETTINGS below): PSAvoidLongLines,
  PSAvoidSemicolonsAsLineTerminators, PSPlaceOpenBrace, PSPlaceCloseBrace,
  PSUseConsistentIndentation, PSUseConsistentWhitespace;
- the custom rule PSCustomUseLiteralPath (PowerShell Gallery module
  PSSA-PSCustomUseLiteralPath 0.1.1, which pslint.ps1 passes as -CustomRulePath).

Each rule here is a function registered in RULES under PSScriptAnalyzer's rule name; its
docstring cites the rule's page (RULE_DOCS + the name without "PS") and says exactly what it
checks and what of PSScriptAnalyzer's behaviour it does not mirror. Where PSScriptAnalyzer
asks the PowerShell session it runs in (is this command an alias? a cmdlet?), the answer
comes from the tables at the end of this module: PowerShell 7's built-in aliases
(InitialSessionState.BuiltInAliases, with the Windows-only ones, and the CIM cmdlets'
aliases), the commands of PSScriptAnalyzer's own core-6.1.0-windows profile (the list
PSAvoidOverwritingBuiltInCmdlets uses), the approved verbs (Get-Verb), and the automatic
and preference variables of PSScriptAnalyzer's SpecialVars.

Rules pslint runs that are not mirrored here, and why:
- PSUseCmdletCorrectly (a known cmdlet called without its mandatory parameters) and
  PSShouldProcess (SupportsShouldProcess declared but ShouldProcess not called, and the
  reverse): they need each command's parameter metadata and a call graph;
- PSUseUsingScopeModifierInNewRunspaces: needs a variable flow analysis of script blocks
  given to Invoke-Command, Start-Job, ForEach-Object -Parallel and the like;
- PSUseCompatibleCmdlets: does nothing without a "compatibility" setting, which ansible-test
  does not give;
- the DSC rules (PSDSC*) apply to DSC resources, PSMissingModuleManifestField,
  PSAvoidUsingDeprecatedManifestFields and PSUseToExportFieldsInManifest to module
  manifests (.psd1), PSUseUTF8EncodingForHelpFile to about_*.help.txt: the collection has
  none of these;
- a script whose text the grammar cannot parse gets one finding, "ParseError", where
  PSScriptAnalyzer reports the parser's own error (its ErrorId as the rule name).

Suppression is PSScriptAnalyzer's own: [Diagnostics.CodeAnalysis.SuppressMessageAttribute(
'<rule>', '<RuleSuppressionID>')] on the param block of the script or of a function suppresses
that rule's findings inside the script or the function (only those whose suppression ID
matches, when one is given; Scope='Function' with Target='<name pattern>' on the script's
param block for the functions matching). The grammar cannot parse an attribute before a
script's own param block, so in practice only function-level suppressions can be used.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import tree_sitter
import tree_sitter_powershell

ROOT = Path(__file__).resolve().parents[2]
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
RULE_DOCS = "https://learn.microsoft.com/powershell/utility-modules/psscriptanalyzer/rules/"

# settings.psd1 of ansible-test's pslint, as far as the mirrored rules read it.
SETTINGS = {
    "PSAvoidLongLines": {"MaximumLineLength": 160},
    "PSPlaceOpenBrace": {"OnSameLine": True, "IgnoreOneLineBlock": True, "NewLineAfter": True},
    "PSPlaceCloseBrace": {"IgnoreOneLineBlock": True, "NewLineAfter": True, "NoEmptyLineBefore": False},
    "PSUseConsistentIndentation": {"IndentationSize": 4, "Kind": "space",
                                   "PipelineIndentation": "IncreaseIndentationForFirstPipeline"},
    "PSUseConsistentWhitespace": {"CheckInnerBrace": True, "CheckOpenBrace": True, "CheckOpenParen": True,
                                  "CheckOperator": True, "CheckPipe": True,
                                  "CheckPipeForRedundantWhitespace": False, "CheckSeparator": True,
                                  "CheckParameter": False, "IgnoreAssignmentOperatorInsideHashTable": False},
}

Node = tree_sitter.Node


@dataclasses.dataclass(frozen=True, order=True)
class Finding:
    """One diagnostic, as ansible-test prints pslint's: path:line:column: rule: message."""

    path: str
    line: int
    column: int
    rule: str
    message: str = dataclasses.field(compare=False)
    severity: str = dataclasses.field(default="Warning", compare=False)
    # PSScriptAnalyzer's RuleSuppressionID: what a suppression's second argument must equal.
    suppression_id: str | None = dataclasses.field(default=None, compare=False)
    end: int = dataclasses.field(default=-1, compare=False, repr=False)  # byte offset, for suppressions
    start: int = dataclasses.field(default=-1, compare=False, repr=False)

    def __str__(self) -> str:
        return "%s:%d:%d: %s: %s" % (self.path, self.line, self.column, self.rule, self.message)


# --- the script: text, positions, tokens ----------------------------------------------------------

@dataclasses.dataclass
class Token:
    """A token as PowerShell's tokenizer gives it, as far as the formatting rules look.

    kind is one of LCurly RCurly AtCurly LParen RParen DollarParen AtParen Pipe Comma Semi Dot
    NewLine LineContinuation Comment Keyword Operator Variable String Number Parameter
    EndOfInput Other; line and col are 1-based (col in UTF-16 units, as .NET counts).
    """

    kind: str
    text: str
    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int
    member: bool = False  # a member name (after . or ::)


KEYWORDS = frozenset("""begin break catch class continue data define do dynamicparam else elseif end
    enum exit filter finally for foreach from function hidden if in param process return static
    switch throw trap try until using var while workflow parallel sequence inlinescript
    configuration""".split())
BRANCH_KEYWORDS = frozenset({"else", "elseif", "catch", "finally"})
PAREN_KEYWORDS = frozenset({"if", "elseif", "switch", "for", "foreach", "while"})
# Assignment, additive and multiplicative operators, && and ||: what PSUseConsistentWhitespace
# checks (TokenFlags.AssignmentOperator, BinaryPrecedenceAdd, BinaryPrecedenceMultiply).
OPERATORS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "??=", "+", "-", "*", "/", "%", "&&", "||"})
PUNCTUATION = {"{": "LCurly", "}": "RCurly", "@{": "AtCurly", "(": "LParen", ")": "RParen",
               "$(": "DollarParen", "@(": "AtParen", "|": "Pipe", ",": "Comma", ";": "Semi",
               ".": "Dot", "::": "Dot"}
# Nodes that are one token to PowerShell's tokenizer (the nested tokens of an expandable
# string are not in the token list PSScriptAnalyzer's rules read).
ATOMIC = frozenset({"string_literal", "comment", "variable", "command_parameter", "integer_literal",
                    "real_literal", "generic_token", "command_name", "type_identifier", "simple_name",
                    "verbatim_command_argument", "path_command_name_token"})
# Expression wrappers the grammar nests around a single operand.
WRAPPERS = frozenset({"pipeline", "pipeline_chain", "logical_expression", "bitwise_expression",
                      "comparison_expression", "additive_expression", "multiplicative_expression",
                      "format_expression", "range_expression", "array_literal_expression",
                      "unary_expression", "left_assignment_expression", "argument_expression",
                      "logical_argument_expression", "bitwise_argument_expression",
                      "comparison_argument_expression", "additive_argument_expression",
                      "multiplicative_argument_expression", "format_argument_expression",
                      "range_argument_expression", "key_expression", "attribute_argument"})
SCOPES = frozenset({"function_statement", "script_block_expression", "class_method_definition"})


class Script:
    """One script: its bytes, tree-sitter tree, PowerShell-like tokens and syntax helpers."""

    def __init__(self, source: str | bytes, path: str | Path = "<script>") -> None:
        data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        self.data = data
        self.path = str(path)
        self.name = Path(self.path).name
        self.tree = PARSER.parse(data)
        self.root = self.tree.root_node
        self._line_starts = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]
        self._tokens: list[Token] | None = None
        self._commands: list[Command] | None = None
        self._functions: list[Function] | None = None

    # positions
    def point(self, offset: int) -> tuple[int, int]:
        """(line, column), 1-based, of a byte offset; the column counts UTF-16 units."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        prefix = self.data[self._line_starts[index]:offset].decode("utf-8", "replace")
        return index + 1, len(prefix.encode("utf-16-le")) // 2 + 1

    def offset(self, line: int, column: int) -> int:
        """Byte offset of a 1-based (line, column in UTF-16 units) position."""
        start = self._line_starts[min(line, len(self._line_starts)) - 1]
        text = self.data[start:].split(b"\n", 1)[0].decode("utf-8", "replace")
        prefix = text.encode("utf-16-le")[:2 * (column - 1)].decode("utf-16-le", "replace")
        return start + len(prefix.encode("utf-8"))

    def text_finding(self, rule: str, line: int, column: int, message: str) -> Finding:
        """A finding of a rule that reads lines, with its offset for suppressions."""
        offset = self.offset(line, column)
        return Finding(self.path, line, column, rule, message, start=offset, end=offset)

    def span(self, node: Node) -> tuple[int, int]:
        """Byte range of a node without the whitespace the grammar lets it start or end with."""
        start, end = node.start_byte, node.end_byte
        while start < end and self.data[start] in b" \t\r\n":
            start += 1
        while end > start and self.data[end - 1] in b" \t\r\n":
            end -= 1
        return start, end

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        start, end = self.span(node)
        return self.data[start:end].decode("utf-8", "replace")

    def lines(self) -> list[str]:
        """The script's lines, split as PSScriptAnalyzer splits them (\\r\\n, \\r or \\n)."""
        return re.split(r"\r\n|\r|\n", self.data.decode("utf-8", "replace"))

    def finding(self, rule: str, where: Node | Token | int, message: str, severity: str = "Warning", *,
                suppression_id: str | None = None, end: int | None = None) -> Finding:
        """A finding at a node's or token's start, or at a byte offset."""
        if isinstance(where, Token):
            start, stop = where.start, where.end
        elif isinstance(where, int):
            start, stop = where, where
        else:
            start, stop = self.span(where)
        line, column = self.point(start)
        return Finding(self.path, line, column, rule, message, severity, suppression_id,
                       end=stop if end is None else end, start=start)

    # tokens
    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = self._tokenize()
        return self._tokens

    def _token(self, kind: str, start: int, end: int, member: bool = False) -> Token:
        line, col = self.point(start)
        end_line, end_col = self.point(end)
        return Token(kind, self.data[start:end].decode("utf-8", "replace"), start, end, line, col,
                     end_line, end_col, member)

    def _gap(self, start: int, end: int) -> Iterator[Token]:
        """NewLine and LineContinuation tokens in text between two tokens."""
        data, i = self.data, start
        while i < end:
            c = data[i]
            if c == 0x60 and i + 1 < end and data[i + 1] in b"\r\n":  # backtick, then the newline
                stop = i + 1 + (2 if data[i + 1:i + 3] == b"\r\n" else 1)
                yield self._token("LineContinuation", i, stop)
                i = stop
            elif c in b"\r\n":
                stop = i + (2 if data[i:i + 2] == b"\r\n" else 1)
                yield self._token("NewLine", i, stop)
                i = stop
            elif c in b" \t\f\v":
                i += 1
            else:
                stop = i
                while stop < end and data[stop] not in b" \t\r\n":
                    stop += 1
                # Text no node covers, such as the ".foreach" of (1..5).foreach{ }: a member name.
                yield self._token("Other", i, stop, member=data[i:i + 1] == b".")
                i = stop

    def _tokenize(self) -> list[Token]:
        tokens: list[Token] = []
        position = 0
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.child_count and node.type not in ATOMIC:
                stack.extend(reversed(node.children))
                continue
            start, end = self.span(node)
            if start >= end or start < position:
                continue
            tokens.extend(self._gap(position, start))
            if node.is_named:
                kind = {"comment": "Comment", "variable": "Variable", "string_literal": "String",
                        "command_parameter": "Parameter", "integer_literal": "Number",
                        "real_literal": "Number"}.get(node.type, "Other")
            else:
                text = self.data[start:end].decode("utf-8", "replace")
                if text in PUNCTUATION:
                    kind = PUNCTUATION[text]
                elif text in OPERATORS:
                    kind = "Operator"
                elif text.lower() in KEYWORDS:
                    kind = "Keyword"
                else:
                    kind = "Other"
            member = node.parent is not None and node.parent.type == "member_name"
            tokens.append(self._token(kind, start, end, member))
            position = end
        tokens.extend(self._gap(position, len(self.data)))
        tokens.append(self._token("EndOfInput", len(self.data), len(self.data)))
        return tokens

    # the tree
    def walk(self, node: Node | None = None, nested: bool = True) -> Iterator[Node]:
        """Named descendants of node (the root by default), in source order; with nested
        false, not those inside a nested function or script block (the nested node itself is
        given)."""
        top = self.root if node is None else node
        stack = list(reversed(top.named_children))
        while stack:
            current = stack.pop()
            yield current
            if nested or current.type not in SCOPES:
                stack.extend(reversed(current.named_children))

    def of_type(self, *types: str, node: Node | None = None, nested: bool = True) -> list[Node]:
        return [n for n in self.walk(node, nested) if n.type in types]

    @property
    def commands(self) -> list[Command]:
        if self._commands is None:
            self._commands = [Command(self, n) for n in self.of_type("command")]
        return self._commands

    @property
    def functions(self) -> list[Function]:
        if self._functions is None:
            self._functions = [Function(self, n) for n in self.of_type("function_statement")]
        return self._functions

    def script_param_block(self) -> Node | None:
        return next((c for c in self.root.named_children if c.type == "param_block"), None)

    def parse_error(self) -> Node | None:
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.is_error or node.is_missing:
                return node
            stack.extend(reversed(node.children))
        return None


def unwrap(node: Node | None) -> Node | None:
    """The operand inside the grammar's single-operand wrappers."""
    while node is not None and node.type in WRAPPERS and len(node.children) == 1 and node.children[0].is_named:
        node = node.children[0]
    return node


def variable_path(text: str) -> tuple[str | None, str, bool]:
    """(scope or drive, name, splatted) of a variable's text: $global:x -> ('global', 'x')."""
    splatted = text.startswith("@")
    body = text[1:]
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    if ":" in body and not body.startswith(":"):
        prefix, name = body.split(":", 1)
        return prefix.lower(), name, splatted
    return None, body, splatted


@dataclasses.dataclass
class Element:
    """One element of a command after its name: a -Parameter (with an -P:value argument) or
    an argument."""

    node: Node
    parameter: str | None = None  # name without the dash, for a parameter
    attached: Node | None = None  # the value of -Parameter:value


class Command:
    """A command: its name (None when invoked by & or . on something not a name) and elements."""

    def __init__(self, script: Script, node: Node) -> None:
        self.script = script
        self.node = node
        self.invoked = any(c.type == "command_invokation_operator" for c in node.children)
        self.name_node: Node | None = None
        for child in node.named_children:
            if child.type == "command_name":
                self.name_node = child
            elif child.type == "command_name_expr":
                self.name_node = next((c for c in child.named_children if c.type == "command_name"), None)
        self.name = script.text(self.name_node) if self.name_node is not None else None
        self.elements: list[Element] = []
        elements = next((c for c in node.named_children if c.type == "command_elements"), None)
        children = list(elements.children) if elements is not None else []
        i = 0
        while i < len(children):
            child = children[i]
            if child.type == "command_parameter":
                element = Element(child, script.text(child)[1:].rstrip(":"))
                if i + 2 < len(children) and children[i + 1].type == "command_argument_sep" \
                        and script.text(children[i + 1]) == ":":
                    element.attached = children[i + 2]
                    i += 2
                self.elements.append(element)
            elif child.is_named and child.type not in ("command_argument_sep", "comment", "redirection",
                                                       "redirections"):
                self.elements.append(Element(unwrap(child)))
            i += 1

    @property
    def splatted(self) -> bool:
        return any(e.parameter is None and e.node.type == "variable" and self.script.text(e.node).startswith("@")
                   for e in self.elements)

    def pipeline(self) -> tuple[list[Node], int]:
        """The elements of the pipeline this command is in, and its index there."""
        parent = self.node.parent
        if parent is None or parent.type != "pipeline_chain":
            return [self.node], 0
        elements = pipeline_elements(parent)
        return elements, next((i for i, e in enumerate(elements) if e.id == self.node.id), 0)


def pipeline_elements(chain: Node) -> list[Node]:
    return [c for c in chain.named_children if c.type not in ("comment", "redirections", "redirection")]


@dataclasses.dataclass
class Attribute:
    """[Name(positional, Named = value)] or the type constraint [type]."""

    node: Node
    name: str
    is_type: bool
    positional: list[Node]
    named: dict[str, Node | None]  # lowercased name -> value node (None when omitted)


def attributes(script: Script, attribute_list: Node | None) -> list[Attribute]:
    result = []
    for node in attribute_list.named_children if attribute_list is not None else []:
        if node.type != "attribute":
            continue
        literal = next((c for c in node.named_children if c.type == "type_literal"), None)
        if literal is not None:
            spec = next((c for c in literal.named_children if c.type == "type_spec"), literal)
            result.append(Attribute(node, script.text(spec), True, [], {}))
            continue
        name = script.text(next((c for c in node.named_children if c.type == "attribute_name"), None))
        positional, named = [], {}
        arguments = next((c for c in node.named_children if c.type == "attribute_arguments"), None)
        for argument in arguments.named_children if arguments is not None else []:
            if argument.type != "attribute_argument":
                continue
            parts = argument.named_children
            has_equals = any(c.type == "=" for c in argument.children)
            if has_equals and parts:
                named[script.text(parts[0]).lower()] = parts[-1] if len(parts) > 1 else None
            elif len(parts) == 1 and parts[0].type == "simple_name":
                named[script.text(parts[0]).lower()] = None
            else:
                positional.append(argument)
        result.append(Attribute(node, name, False, positional, named))
    return result


@dataclasses.dataclass
class Parameter:
    node: Node
    variable: Node
    name: str
    attributes: list[Attribute]
    default: Node | None

    def has_type(self, *names: str) -> bool:
        wanted = {n.lower() for n in names}
        return any(a.is_type and a.name.lower() in wanted for a in self.attributes)

    def argument(self, attribute: str, argument: str) -> tuple[bool, Node | None]:
        """Whether [attribute(argument = ...)] is given, and its value node."""
        for a in self.attributes:
            if not a.is_type and a.name.lower() == attribute.lower() and argument.lower() in a.named:
                return True, a.named[argument.lower()]
        return False, None


def parameters(script: Script, parameter_list: Node | None) -> list[Parameter]:
    result = []
    for node in parameter_list.named_children if parameter_list is not None else []:
        if node.type != "script_parameter":
            continue
        variable = next((c for c in node.named_children if c.type == "variable"), None)
        if variable is None:
            continue
        default = next((c for c in node.named_children if c.type == "script_parameter_default"), None)
        value = default.named_children[-1] if default is not None and default.named_children else None
        result.append(Parameter(node, variable, variable_path(script.text(variable))[1],
                                attributes(script, next((c for c in node.named_children
                                                         if c.type == "attribute_list"), None)), value))
    return result


class Function:
    """function Name [(params)] { [attributes] param(...) ... }."""

    def __init__(self, script: Script, node: Node) -> None:
        self.script = script
        self.node = node
        self.name_node = next((c for c in node.named_children if c.type == "function_name"), node)
        self.name = script.text(self.name_node)
        self.body = next((c for c in node.named_children if c.type == "script_block"), None)
        self.param_block = next((c for c in self.body.named_children if c.type == "param_block"), None) \
            if self.body is not None else None
        self.block_attributes = attributes(script, next(
            (c for c in self.param_block.named_children if c.type == "attribute_list"), None)) \
            if self.param_block is not None else []
        declared = next((c for c in node.named_children if c.type == "function_parameter_declaration"), None)
        source = self.param_block if self.param_block is not None else declared
        self.parameters = parameters(script, next((c for c in source.named_children if c.type == "parameter_list"),
                                                  None)) if source is not None else []
        self.block_parameters = self.parameters if self.param_block is not None else []

    @property
    def unscoped_name(self) -> str:
        prefix, _colon, rest = self.name.partition(":")
        return rest if rest and prefix.lower() in ("global", "local", "script", "private") else self.name

    def has_cmdlet_binding(self) -> bool:
        names = ("cmdletbinding", "system.management.automation.cmdletbinding", "cmdletbindingattribute")
        return any(not a.is_type and a.name.lower() in names
                   for a in self.block_attributes)


# --- registry, analysis, suppressions ----------------------------------------------------------------

RULES: dict[str, Callable[[Script], Iterable[Finding]]] = {}
TEXT_RULES = frozenset({"PSAvoidTrailingWhitespace", "PSAvoidLongLines", "PSMisleadingBacktick"})


def rule(name: str) -> Callable[[Callable[[Script], Iterable[Finding]]], Callable[[Script], Iterable[Finding]]]:
    def register(function: Callable[[Script], Iterable[Finding]]) -> Callable[[Script], Iterable[Finding]]:
        RULES[name] = function
        function.rule_name = name  # type: ignore[attr-defined]
        return function
    return register


@dataclasses.dataclass
class Suppression:
    rule: str
    suppression_id: str
    start: int
    end: int


def _string_value(script: Script, node: Node | None) -> str | None:
    """The value of a constant string argument ('x' or "x" without $), else None."""
    node = unwrap(node)
    if node is None or node.type != "string_literal":
        return None
    text = script.text(node)
    if text[:1] == "'" and text[-1:] == "'":
        return text[1:-1].replace("''", "'")
    if text[:1] == '"' and text[-1:] == '"' and "$" not in text and "`" not in text:
        return text[1:-1]
    return None


def suppressions(script: Script) -> list[Suppression]:
    """SuppressMessageAttribute on the script's and the functions' param blocks
    (PSScriptAnalyzer's Helper.GetRuleSuppression and RuleSuppression)."""
    scopes: list[tuple[list[Attribute], int, int, Node]] = []
    block = script.script_param_block()
    if block is not None:
        scopes.append((attributes(script, next((c for c in block.named_children if c.type == "attribute_list"), None)),
                       0, len(script.data), script.root))
    for function in script.functions:
        scopes.append((function.block_attributes, function.node.start_byte, function.node.end_byte, function.node))
    result = []
    for attrs, start, end, scope in scopes:
        for a in attrs:
            if a.is_type or a.name.lower().removeprefix("system.") not in (
                    "diagnostics.codeanalysis.suppressmessageattribute", "diagnostics.codeanalysis.suppressmessage"):
                continue
            values = [_string_value(script, p) for p in a.positional]
            if any(v is None for v in values):
                continue  # PSScriptAnalyzer: an error, no suppression
            named = {k: _string_value(script, v) for k, v in a.named.items()}
            rule_name = values[0] if values else named.get("rulename")
            suppression_id = values[1] if len(values) > 1 else ""
            scope_kind = values[2] if len(values) > 2 else named.get("scope")
            target = values[3] if len(values) > 3 else named.get("target")
            if not rule_name:
                continue
            if scope_kind:
                pattern = re.compile("^%s$" % (target or "*").replace("*", ".*"), re.IGNORECASE)
                if scope_kind.lower() == "function":
                    for function in script.functions:
                        if function.node.start_byte >= scope.start_byte and function.node.end_byte <= scope.end_byte \
                                and pattern.match(function.name):
                            result.append(Suppression(rule_name, suppression_id or "", function.node.start_byte,
                                                      function.node.end_byte))
                continue
            result.append(Suppression(rule_name, suppression_id or "", start, end))
    return result


def is_suppressed(finding: Finding, applicable: list[Suppression]) -> bool:
    for s in applicable:
        if s.rule.lower() != finding.rule.lower():
            continue
        if finding.start >= 0 and (finding.start < s.start or finding.end > s.end):
            continue
        if s.suppression_id.strip() and (finding.suppression_id or "").lower() != s.suppression_id.lower():
            continue
        return True
    return False


def analyze(source: str | bytes, path: str | Path = "<script>", rules: Iterable[str] | None = None) -> list[Finding]:
    """pslint's findings for one script, suppressions applied, in file order."""
    script = Script(source, path)
    names = list(rules if rules is not None else RULES)
    error = script.parse_error()
    if error is not None:
        # Without a tree, only the rules that read the text run (PSScriptAnalyzer runs all of them
        # on what its parser recovered, and reports the parser's errors).
        findings = [script.finding("ParseError", error.start_byte, "The tree-sitter PowerShell grammar cannot "
                                   "parse this script near %r." % script.text(error)[:40], "ParseError")]
        for name in names:
            if name in TEXT_RULES:
                findings.extend(RULES[name](script))
        return sorted(findings)
    applicable = suppressions(script)
    findings = []
    for name in names:
        findings.extend(f for f in RULES[name](script) if not is_suppressed(f, applicable))
    return sorted(findings)


def analyze_path(path: str | Path) -> list[Finding]:
    path = Path(path)
    try:
        shown = path.resolve().relative_to(ROOT)
    except ValueError:
        shown = path
    return analyze(path.read_bytes(), shown)


def collection_scripts(root: Path = ROOT) -> list[Path]:
    """The files ansible-test's pslint checks: every .ps1, .psm1 and .psd1 of the collection's
    tree (what git tracks: plugins/ and tests/ alike), not those of the local environments
    (.venv, .sanity, the collections/ link...)."""
    found = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if path.suffix.lower() in (".ps1", ".psm1", ".psd1") and path.is_file() \
                and not any(part.startswith(".") or part in ("collections", "node_modules") for part in parts):
            found.append(path)
    return sorted(found)


# --- rules on commands ----------------------------------------------------------------------------------

@rule("PSAvoidUsingCmdletAliases")
def avoid_using_cmdlet_aliases(script: Script) -> Iterator[Finding]:
    """AvoidUsingCmdletAliases (RULE_DOCS + 'AvoidUsingCmdletAliases'): a command whose name is
    an alias (ALIASES, case-insensitive) is reported at its name, "'<alias>' is an alias of
    '<cmdlet>'..."; a command name that is neither a command nor a function of the script but is
    a known cmdlet with "Get-" in front (date for Get-Date) is reported as missing the prefix;
    a command with exactly two elements whose first is "=" (DSC's `Name = value`) is skipped.
    Suppression ID: the command name.
    Not mirrored: PSScriptAnalyzer asks the session it runs in, where an alias may be
    missing (pwsh on Linux has no ls, sort, sleep...: ALIASES flags them as Windows has them),
    and a native program of the name (date on Linux) stops the missing-prefix report.
    """
    declared = {f.unscoped_name.lower() for f in script.functions}
    for command in script.commands:
        name = command.name
        if name is None or command.name_node is None:
            continue
        if len(command.elements) == 2 and script.text(command.elements[0].node) == "=":
            continue
        target = ALIASES.get(name.lower())
        if target is not None:
            yield script.finding("PSAvoidUsingCmdletAliases", command.name_node,
                                 "'%s' is an alias of '%s'. Alias can introduce possible problems and make scripts "
                                 "hard to maintain. Please consider changing alias to its full content."
                                 % (name, target),
                                 suppression_id=name)
            continue
        lowered = name.lower()
        if "-" in name or lowered in declared or lowered in COMMANDS or lowered in APPLICATIONS:
            continue
        if ("get-" + lowered) in COMMANDS:
            yield script.finding("PSAvoidUsingCmdletAliases", command.name_node,
                                 "'%s' is implicitly aliasing 'Get-%s' because it is missing the 'Get-' prefix. This "
                                 "can introduce possible problems and make scripts hard to maintain. Please consider "
                                 "changing command to its full name." % (name, name), suppression_id=name)


def _command_named(script: Script, names: set[str]) -> Iterator[Command]:
    for command in script.commands:
        if command.name is None:
            continue
        lowered = command.name.lower()
        if lowered in names or ALIASES.get(lowered, "").lower() in names:
            yield command


def _requires_version(script: Script) -> int:
    match = re.search(rb"(?im)^\s*#requires\s+-version\s+(\d+)", script.data)
    return int(match.group(1)) if match else 0


@rule("PSAvoidUsingWMICmdlet")
def avoid_using_wmi_cmdlet(script: Script) -> Iterator[Finding]:
    """AvoidUsingWMICmdlet (RULE_DOCS + 'AvoidUsingWMICmdlet'): a command named Get-WmiObject,
    Remove-WmiObject, Invoke-WmiMethod, Register-WmiEvent or Set-WmiInstance (case-insensitive;
    by name, not through an alias, as PSScriptAnalyzer checks), unless the script says
    `#requires -Version` 1 or 2; reported at the command.
    """
    if 0 < _requires_version(script) < 3:
        return
    names = {"get-wmiobject", "remove-wmiobject", "invoke-wmimethod", "register-wmievent", "set-wmiinstance"}
    for command in script.commands:
        if command.name is not None and command.name.lower() in names:
            yield script.finding("PSAvoidUsingWMICmdlet", command.node,
                                 "File '%s' uses WMI cmdlet. For PowerShell 3.0 and above, use CIM cmdlet which "
                                 "perform the same tasks as the WMI cmdlets. The CIM cmdlets comply with WS-Management "
                                 "(WSMan) standards and with the Common Information Model (CIM) standard, which "
                                 "enables the cmdlets to use the same techniques to manage Windows computers and those "
                                 "running other operating systems." % script.name)


@rule("PSAvoidUsingInvokeExpression")
def avoid_using_invoke_expression(script: Script) -> Iterator[Finding]:
    """AvoidUsingInvokeExpression (RULE_DOCS + 'AvoidUsingInvokeExpression'): a command named
    Invoke-Expression or one of its aliases (iex), case-insensitive, reported at the command.
    """
    for command in _command_named(script, {"invoke-expression"}):
        yield script.finding("PSAvoidUsingInvokeExpression", command.node,
                             "Invoke-Expression is used. Please remove Invoke-Expression from script and find other "
                             "options instead.")


@rule("PSAvoidUsingWriteHost")
def avoid_using_write_host(script: Script) -> Iterator[Finding]:
    """AvoidUsingWriteHost (RULE_DOCS + 'AvoidUsingWriteHost'): a command named Write-Host
    (by name, not through an alias), and a call of a Write* method of a type whose name ends
    in "console" ([Console]::WriteLine(...)), outside functions whose name starts with "Show";
    reported at the command or the call.
    """
    show = [f.node for f in script.functions if f.name.lower().startswith("show")]

    def in_show(node: Node) -> bool:
        return any(s.start_byte <= node.start_byte and node.end_byte <= s.end_byte for s in show)

    for command in script.commands:
        if command.name is not None and command.name.lower() == "write-host" and not in_show(command.node):
            yield script.finding("PSAvoidUsingWriteHost", command.node,
                                 "File '%s' uses Write-Host. Avoid using Write-Host because it might not work in all "
                                 "hosts, does not work when there is no host, and (prior to PS 5.0) cannot be "
                                 "suppressed, captured, or redirected. Instead, use Write-Output, Write-Verbose, or "
                                 "Write-Information." % script.name)
    for call in script.of_type("invokation_expression"):
        children = call.named_children
        if len(children) < 2 or children[0].type != "type_literal" or in_show(call):
            continue
        member = next((c for c in children if c.type == "member_name"), None)
        if script.text(children[0]).strip("[]").lower().endswith("console") \
                and script.text(member).lower().startswith("write"):
            yield script.finding("PSAvoidUsingWriteHost", call,
                                 "File '%s' uses Console.'%s'. Using Console to write is not recommended because it "
                                 "may not work in all hosts or there may even be no hosts at all. Use Write-Output "
                                 "instead." % (script.name, script.text(member)))


def _positional_count(command: Command) -> int:
    """PSScriptAnalyzer's Helper.PositionalParameterUsed count: elements that are not a
    parameter and do not follow one, plus one when the command is not first in a pipeline."""
    count, previous_is_parameter = 0, False
    for element in command.elements:
        is_parameter = element.parameter is not None
        if not is_parameter and not previous_is_parameter:
            count += 1
        # -P:value is one element; a parameter's following element is its (possible) value
        previous_is_parameter = is_parameter and element.attached is None
    elements, index = command.pipeline()
    if len(elements) > 1 and index > 0:
        count += 1
    return count


@rule("PSAvoidUsingPositionalParameters")
def avoid_using_positional_parameters(script: Script) -> Iterator[Finding]:
    """AvoidUsingPositionalParameters (RULE_DOCS + 'AvoidUsingPositionalParameters'), severity
    Information: a call of a known cmdlet, alias (COMMANDS, ALIASES) or of a function the script
    defines, without splatting, with more than two arguments that are neither a -Parameter nor
    right after one (the second command of a pipeline counts its pipeline input as one), and
    that is not after the first element of a pipeline; the allow list is PSScriptAnalyzer's
    default, "az". Reported at the command; suppression ID: the command name.
    Not mirrored: "known" is asked of the session PSScriptAnalyzer runs in (cmdlets of modules
    installed there, external scripts); here COMMANDS and ALIASES stand for it.
    """
    declared = {f.name for f in script.functions}
    for command in script.commands:
        name = command.name
        if name is None or command.splatted:
            continue
        lowered = name.lower()
        if lowered not in COMMANDS and lowered not in ALIASES and name not in declared:
            continue
        if _positional_count(command) <= 2 or lowered == "az":
            continue
        elements, index = command.pipeline()
        if len(elements) > 1 and index != 0:
            continue
        yield script.finding("PSAvoidUsingPositionalParameters", command.node,
                             "Cmdlet '%s' has positional parameter. Please use named parameters instead of positional "
                             "parameters when calling a command." % name, "Information", suppression_id=name)


@rule("PSCustomUseLiteralPath")
def custom_use_literal_path(script: Script) -> Iterator[Finding]:  # noqa: PLR0912
    """PSCustomUseLiteralPath (ansible-test's custom rule, PowerShell Gallery module
    PSSA-PSCustomUseLiteralPath 0.1.1, Measure-UseLiteralPath; not a PSScriptAnalyzer page):
    a call, not by & or ., of a cmdlet (or an alias of one) that has both -Path and
    -LiteralPath (LITERAL_PATH_COMMANDS) that gives -Path by name (or a hashtable splat whose
    literal keys include Path), or a variable as its first positional argument where that is
    -Path, and neither -LiteralPath nor its aliases -PSPath, -LP: "Use the explicit
    -LiteralPath parameter name instead of -Path", at the command.
    As the module does, only a variable counts as a positional argument (a string does not),
    and a variable right after a -Parameter is taken as that parameter's value.
    Not mirrored: the module checks the other parameters given against the cmdlet's parameter
    sets (Split-Path -Path $p -Leaf is fine: -Leaf has no -LiteralPath set); here only the
    Split-Path ones are known (SPLIT_PATH_ONLY_PARAMETERS); array splats are not followed.
    """
    hashes: dict[str, set[str]] = {}
    for assignment in script.of_type("assignment_expression"):
        left = unwrap(next((c for c in assignment.named_children if c.type == "left_assignment_expression"), None))
        right = unwrap(assignment.named_children[-1])
        if left is not None and left.type == "variable" and right is not None \
                and right.type == "hash_literal_expression":
            keys = {script.text(k).strip("'\"").lower() for k in script.of_type("key_expression", node=right)
                    if k.parent.parent.id == right.named_children[0].id}
            hashes.setdefault(variable_path(script.text(left))[1].lower(), set()).update(keys)
    for command in script.commands:
        if command.name is None or command.invoked:
            continue
        cmdlet = ALIASES.get(command.name.lower(), command.name).lower()
        if cmdlet not in LITERAL_PATH_COMMANDS:
            continue
        used: list[str] = []
        value_next = False
        for element in command.elements:
            node = element.node
            if element.parameter is not None:
                used.append(element.parameter.lower())
                value_next = element.attached is None
            elif node.type == "variable" and script.text(node).startswith("@"):
                used.extend(sorted(hashes.get(variable_path(script.text(node))[1].lower(), ())))
            elif node.type == "variable":
                if value_next:
                    value_next = False
                else:
                    used.append("<position>")
        if any(p in ("literalpath", "pspath", "lp") for p in used):
            continue
        first_positional = used.index("<position>") == 0 if "<position>" in used else False
        path_by_position = first_positional and LITERAL_PATH_COMMANDS[cmdlet]
        if "path" not in used and not path_by_position:
            continue
        if cmdlet == "split-path" and any(p in SPLIT_PATH_ONLY_PARAMETERS for p in used):
            continue
        yield script.finding("PSCustomUseLiteralPath", command.node,
                             "Use the explicit -LiteralPath parameter name instead of -Path")


@rule("PSAvoidUsingComputerNameHardcoded")
def avoid_using_computer_name_hardcoded(script: Script) -> Iterator[Finding]:
    """AvoidUsingComputerNameHardcoded (RULE_DOCS + 'AvoidUsingComputerNameHardcoded'),
    severity Error: a command given -ComputerName (or -Cn) with a constant string that is not
    localhost, "." or ::1 (or 127.0.0.1); reported at the value.
    Not mirrored: PSScriptAnalyzer resolves the parameter through the command's metadata (an
    abbreviation such as -Comp counts there); only the full name and -Cn count here.
    """
    for command in script.commands:
        for i, element in enumerate(command.elements):
            if element.parameter is None or element.parameter.lower() not in ("computername", "cn"):
                continue
            value = element.attached
            if value is None and i + 1 < len(command.elements) and command.elements[i + 1].parameter is None:
                value = command.elements[i + 1].node
            text = _string_value(script, value) if value is not None else None
            if text is None and value is not None and unwrap(value).type == "generic_token":
                text = script.text(value)
            if text is not None and text.lower() not in ("localhost", ".", "::1", "127.0.0.1"):
                yield script.finding("PSAvoidUsingComputerNameHardcoded", value,
                                     "The ComputerName parameter of cmdlet '%s' is hardcoded. This will expose "
                                     "sensitive information about the system if the script is shared." % command.name,
                                     "Error")


@rule("PSAvoidUsingBrokenHashAlgorithms")
def avoid_using_broken_hash_algorithms(script: Script) -> Iterator[Finding]:
    """AvoidUsingBrokenHashAlgorithms (RULE_DOCS + 'AvoidUsingBrokenHashAlgorithms'): a command
    given -Algorithm MD5, SHA1 or RIPEMD160 (a constant, case-insensitive); reported at the
    command.
    """
    for command in script.commands:
        for i, element in enumerate(command.elements):
            if element.parameter is None or element.parameter.lower() != "algorithm":
                continue
            value = element.attached
            if value is None and i + 1 < len(command.elements):
                value = command.elements[i + 1].node
            text = (_string_value(script, value) or script.text(value)).strip("'\"") if value is not None else ""
            if text.lower() in ("md5", "sha1", "ripemd160"):
                yield script.finding("PSAvoidUsingBrokenHashAlgorithms", command.node,
                                     "The Algorithm parameter of cmdlet '%s' was used with the broken algorithm '%s'."
                                     % (command.name, text))


@rule("PSAvoidGlobalAliases")
def avoid_global_aliases(script: Script) -> Iterator[Finding]:
    """AvoidGlobalAliases (RULE_DOCS + 'AvoidGlobalAliases'): New-Alias or Set-Alias (or their
    aliases nal, sal) given -Scope Global; reported at the command.
    """
    for command in _command_named(script, {"new-alias", "set-alias"}):
        for i, element in enumerate(command.elements):
            if element.parameter is not None and element.parameter.lower() == "scope":
                value = element.attached or (command.elements[i + 1].node if i + 1 < len(command.elements) else None)
                if value is not None and script.text(value).strip("'\"").lower() == "global":
                    yield script.finding("PSAvoidGlobalAliases", command.node,
                                         "Avoid creating aliases with a Global scope.")


@rule("PSUseLiteralInitializerForHashtable")
def use_literal_initializer_for_hashtable(script: Script) -> Iterator[Finding]:
    """UseLiteralInitializerForHashtable (RULE_DOCS + 'UseLiteralInitializerForHashtable'):
    New-Object Hashtable or System.Collections.Hashtable (by -TypeName or first argument) with
    no argument list, and [hashtable]::new() without arguments; reported at the command or
    the call.
    """
    names = {"hashtable", "system.collections.hashtable"}
    for command in _command_named(script, {"new-object"}):
        type_name, arguments = None, False
        for i, element in enumerate(command.elements):
            if element.parameter is not None:
                lowered = element.parameter.lower()
                if lowered == "typename" and i + 1 < len(command.elements):
                    type_name = script.text(element.attached or command.elements[i + 1].node)
                elif lowered in ("argumentlist", "args"):
                    arguments = True
            elif type_name is None and (i == 0 or command.elements[i - 1].parameter is None):
                type_name = script.text(element.node)
        if type_name is not None and type_name.strip("'\"").lower() in names and not arguments:
            yield script.finding("PSUseLiteralInitializerForHashtable", command.node,
                                 "Create hashtables with literal initliazers")
    for call in script.of_type("invokation_expression"):
        children = call.named_children
        if len(children) >= 3 and children[0].type == "type_literal" \
                and script.text(children[0]).strip("[]").lower() in names \
                and script.text(children[1]).lower() == "new" \
                and not any(c.type == "argument_expression_list" for c in children[-1].named_children):
            yield script.finding("PSUseLiteralInitializerForHashtable", call,
                                 "Create hashtables with literal initliazers")


# --- rules on functions and parameters --------------------------------------------------------------

def _param_block_parameters(script: Script) -> Iterator[tuple[Function | None, Parameter]]:
    block = script.script_param_block()
    if block is not None:
        for p in parameters(script, next((c for c in block.named_children if c.type == "parameter_list"), None)):
            yield None, p
    for function in script.functions:
        for p in function.parameters:
            yield function, p
    for expression in script.of_type("script_block_expression"):
        body = next((c for c in expression.named_children if c.type == "script_block"), None)
        block = next((c for c in body.named_children if c.type == "param_block"), None) if body is not None else None
        if block is not None:
            for p in parameters(script, next((c for c in block.named_children if c.type == "parameter_list"), None)):
                yield None, p


@rule("PSUseApprovedVerbs")
def use_approved_verbs(script: Script) -> Iterator[Finding]:
    """UseApprovedVerbs (RULE_DOCS + 'UseApprovedVerbs'): a function whose name (without a
    scope: global:, script:...) has a "-" and whose part before the first "-" is not an
    approved verb (APPROVED_VERBS, Get-Verb's list, case-insensitive); reported at the name.
    """
    for function in script.functions:
        name = function.unscoped_name
        if "-" in name and name.split("-", 1)[0].lower() not in APPROVED_VERBS:
            yield script.finding("PSUseApprovedVerbs", function.name_node,
                                 "The cmdlet '%s' uses an unapproved verb." % name)


@rule("PSUseSingularNouns")
def use_singular_nouns(script: Script) -> Iterator[Finding]:
    """UseSingularNouns (RULE_DOCS + 'UseSingularNouns'): a function named Verb-Noun whose last
    CamelCase word of the noun (from the last capital letter; none when the name does not end
    in a lower-case letter) can only be plural, as PSScriptAnalyzer 1.21.0 on PowerShell 7
    decides it with Pluralize.NET 1.0.2 (not singular and plural: Singularize(w) != w and
    Pluralize(w) == w; ported below), except "Data"; reported at the name.
    """
    for function in script.functions:
        name = function.name
        if "-" not in name or not name[-1].islower():
            continue
        noun = None
        for i in range(len(name) - 1, -1, -1):
            if name[i] == "-":
                break
            if name[i].isupper():
                noun = name[i:]
                break
        if noun is None or noun.lower() == "data":
            continue
        if singularize(noun) != noun and pluralize(noun) == noun:
            yield script.finding("PSUseSingularNouns", function.name_node,
                                 "The cmdlet '%s' uses a plural noun. A singular noun should be used instead." % name)


@rule("PSAvoidOverwritingBuiltInCmdlets")
def avoid_overwriting_built_in_cmdlets(script: Script) -> Iterator[Finding]:
    """AvoidOverwritingBuiltInCmdlets (RULE_DOCS + 'AvoidOverwritingBuiltInCmdlets'): a function
    whose name (as written) is a command of PSScriptAnalyzer's core-6.1.0-windows profile (its
    default on PowerShell 7; COMMANDS), case-insensitive; reported at the function.
    """
    for function in script.functions:
        if function.name.lower() in COMMANDS:
            yield script.finding("PSAvoidOverwritingBuiltInCmdlets", function.node,
                                 "'%s' is a cmdlet that is included with PowerShell (version core-6.1.0-windows) whose "
                                 "definition should not be overridden" % function.name)


@rule("PSAvoidGlobalFunctions")
def avoid_global_functions(script: Script) -> Iterator[Finding]:
    """AvoidGlobalFunctions (RULE_DOCS + 'AvoidGlobalFunctions'): in a module (.psm1) only, a
    function whose name starts with "Global:"; reported at the name; suppression ID: the name.
    """
    if not script.path.lower().endswith(".psm1"):
        return
    for function in script.functions:
        if function.name.lower().startswith("global:"):
            yield script.finding("PSAvoidGlobalFunctions", function.name_node,
                                 "Avoid creating functions with a Global scope.", suppression_id=function.name)


@rule("PSAvoidDefaultValueSwitchParameter")
def avoid_default_value_switch_parameter(script: Script) -> Iterator[Finding]:
    """AvoidDefaultValueSwitchParameter (RULE_DOCS + 'AvoidDefaultValueSwitchParameter'): a
    parameter (of a script, function or script block) typed [switch] (or
    [System.Management.Automation.SwitchParameter]) whose default value is $true, as written
    (case-insensitive); reported at the parameter.
    """
    for _node, p in _param_block_parameters(script):
        if p.has_type("switch", "switchparameter", "system.management.automation.switchparameter",
                      "management.automation.switchparameter") \
                and p.default is not None and script.text(p.default).lower() == "$true":
            yield script.finding("PSAvoidDefaultValueSwitchParameter", p.node,
                                 "File '%s' has a switch parameter default to true." % script.name)


def _is_mandatory(script: Script, p: Parameter) -> bool:
    given, value = p.argument("Parameter", "Mandatory")
    if not given:
        return False
    if value is None:
        return True
    text = script.text(value)
    return text.lower() == "$true" or (text.lstrip("-").isdigit() and int(text) != 0)


@rule("PSAvoidDefaultValueForMandatoryParameter")
def avoid_default_value_for_mandatory_parameter(script: Script) -> Iterator[Finding]:
    """AvoidDefaultValueForMandatoryParameter (RULE_DOCS +
    'AvoidDefaultValueForMandatoryParameter'): in a function's param block, a parameter with
    [Parameter(Mandatory)] (omitted, $true or a non-zero number) and a default value; like
    PSScriptAnalyzer, the walk over a function's parameters stops at the first one that is not
    mandatory. Reported at the parameter's variable; suppression ID: its name.
    """
    for function in script.functions:
        for p in function.block_parameters:
            if not _is_mandatory(script, p):
                break
            if p.default is not None:
                yield script.finding("PSAvoidDefaultValueForMandatoryParameter", p.variable,
                                     "Mandatory Parameter '%s' is initialized in the Param block. To fix a violation "
                                     "of this rule, please leave it uninitialized." % p.name, suppression_id=p.name)


@rule("PSReservedParams")
def reserved_params(script: Script) -> Iterator[Finding]:
    """ReservedParams (RULE_DOCS + 'ReservedParams'), severity Error: an advanced function
    ([CmdletBinding()] on its param block) that declares a parameter named like a common
    parameter (COMMON_PARAMETERS, case-insensitive); reported at the function.
    """
    for function in script.functions:
        if not function.has_cmdlet_binding():
            continue
        for p in function.block_parameters:
            if p.name.lower() in COMMON_PARAMETERS:
                yield script.finding("PSReservedParams", function.node,
                                     "'%s' defines the reserved common parameter '%s'." % (function.name, p.name),
                                     "Error")


@rule("PSReservedCmdletChar")
def reserved_cmdlet_char(script: Script) -> Iterator[Finding]:
    """ReservedCmdletChar (RULE_DOCS + 'ReservedCmdletChar'), severity Error: an advanced
    function ([CmdletBinding()]) exported by Export-ModuleMember -Function whose name has one
    of the characters #,(){}[]&/\\$^;:"'<>|?@`*%+=~; reported at the function.
    """
    exported = _exported_functions(script)
    for function in script.functions:
        name = function.unscoped_name
        if function.has_cmdlet_binding() and set(name) & set("#,(){}[]&/\\$^;:\"'<>|?@`*%+=~") \
                and (function.name.lower() in exported or name.lower() in exported):
            yield script.finding("PSReservedCmdletChar", function.node,
                                 "The cmdlet '%s' uses a reserved char in its name." % function.name, "Error")


def _exported_functions(script: Script) -> set[str]:
    """Names given to Export-ModuleMember -Function (or as its first positional argument)."""
    result: set[str] = set()
    for command in _command_named(script, {"export-modulemember"}):
        for i, element in enumerate(command.elements):
            value = None
            if element.parameter is not None and "function".startswith(element.parameter.lower()):
                value = element.attached or (command.elements[i + 1].node if i + 1 < len(command.elements) else None)
            elif element.parameter is None and i == 0:
                value = element.node
            if value is not None:
                result.update(s.strip().strip("'\"").lower() for s in script.text(value).split(","))
    return result


@rule("PSUsePSCredentialType")
def use_ps_credential_type(script: Script) -> Iterator[Finding]:
    """UsePSCredentialType (RULE_DOCS + 'UsePSCredentialType'): a function or script parameter
    named Credential that is not typed [PSCredential] (or [pscredential[]], or
    [System.Management.Automation.PSCredential]); reported at the function (or parameter).
    """
    typed = ("pscredential", "system.management.automation.pscredential", "management.automation.pscredential",
             "pscredential[]", "system.management.automation.pscredential[]")
    for function, p in _param_block_parameters(script):
        if p.name.lower() == "credential" and not p.has_type(*typed):
            if function is not None:
                yield script.finding("PSUsePSCredentialType", function.node,
                                     "The Credential parameter in '%s' must be of type PSCredential. For PowerShell "
                                     "4.0 and earlier, please define a credential transformation attribute, e.g. "
                                     "[System.Management.Automation.Credential()], after the PSCredential type "
                                     "attribute." % function.name)
            else:
                yield script.finding("PSUsePSCredentialType", p.node,
                                     "The Credential parameter found in the script block must be of type PSCredential. "
                                     "For PowerShell 4.0 and earlier please define a credential transformation "
                                     "attribute, e.g. [System.Management.Automation.Credential()], after the "
                                     "PSCredential type attribute. ")


@rule("PSAvoidMultipleTypeAttributes")
def avoid_multiple_type_attributes(script: Script) -> Iterator[Finding]:
    """AvoidMultipleTypeAttributes (RULE_DOCS + 'AvoidMultipleTypeAttributes'): a parameter with
    more than one type constraint ([int][string]$x); reported at the parameter.
    """
    for _node, p in _param_block_parameters(script):
        if sum(1 for a in p.attributes if a.is_type) > 1:
            yield script.finding("PSAvoidMultipleTypeAttributes", p.node,
                                 "Parameter '%s' has more than one type specifier." % p.name)


@rule("PSAvoidNullOrEmptyHelpMessageAttribute")
def avoid_null_or_empty_help_message_attribute(script: Script) -> Iterator[Finding]:
    """AvoidNullOrEmptyHelpMessageAttribute (RULE_DOCS + 'AvoidNullOrEmptyHelpMessageAttribute'):
    a function parameter's [Parameter(HelpMessage = ...)] that is omitted, $null or an empty or
    blank string; reported at the parameter.
    """
    for function in script.functions:
        for p in function.parameters:
            given, value = p.argument("Parameter", "HelpMessage")
            if not given:
                continue
            text = _string_value(script, value) if value is not None else None
            if value is None or script.text(value).lower() == "$null" or (text is not None and not text.strip()):
                yield script.finding("PSAvoidNullOrEmptyHelpMessageAttribute", p.node,
                                     "HelpMessage parameter attribute should not be null or empty. To fix a violation "
                                     "of this rule, please set its value to a non-empty string.")


@rule("PSUseProcessBlockForPipelineCommand")
def use_process_block_for_pipeline_command(script: Script) -> Iterator[Finding]:
    """UseProcessBlockForPipelineCommand (RULE_DOCS + 'UseProcessBlockForPipelineCommand'): a
    function with a param block that has a parameter taking pipeline input
    ([Parameter(ValueFromPipeline)] or ValueFromPipelineByPropertyName, not = $false) and no
    begin/process/end blocks; reported at the param block.
    """
    for function in script.functions:
        if function.param_block is None or function.body is None:
            continue
        named = any(c.type == "named_block_list" for body in function.body.named_children
                    if body.type == "script_block_body" for c in body.named_children)
        for p in function.block_parameters:
            for argument in ("ValueFromPipeline", "ValueFromPipelineByPropertyName"):
                given, value = p.argument("Parameter", argument)
                if given and (value is None or script.text(value).lower() != "$false") and not named:
                    yield script.finding("PSUseProcessBlockForPipelineCommand", function.param_block,
                                         "Command accepts pipeline input but has not defined a process block.")
                    break
            else:
                continue
            break


@rule("PSUseSupportsShouldProcess")
def use_supports_should_process(script: Script) -> Iterator[Finding]:
    """UseSupportsShouldProcess (RULE_DOCS + 'UseSupportsShouldProcess'): a function that
    declares a parameter named WhatIf or Confirm itself; reported at the parameter.
    """
    for function in script.functions:
        for p in function.parameters:
            if p.name.lower() in ("whatif", "confirm"):
                yield script.finding("PSUseSupportsShouldProcess", p.node,
                                     "Whatif and/or Confirm manually defined in function %s. Instead, please use "
                                     "SupportsShouldProcess attribute." % function.name)


@rule("PSAvoidShouldContinueWithoutForce")
def avoid_should_continue_without_force(script: Script) -> Iterator[Finding]:
    """AvoidShouldContinueWithoutForce (RULE_DOCS + 'AvoidShouldContinueWithoutForce'): a
    function that calls $PSCmdlet.ShouldContinue(...) and has no parameter named Force typed
    [bool] or [switch]; reported at the call.
    """
    for function in script.functions:
        switches = ("bool", "boolean", "switch", "system.boolean", "switchparameter")
        forced = any(p.name.lower() == "force" and p.has_type(*switches) for p in function.parameters)
        if forced:
            continue
        for call in script.of_type("invokation_expression", node=function.node):
            children = call.named_children
            if len(children) >= 2 and script.text(children[0]).lower() == "$pscmdlet" \
                    and script.text(children[1]).lower() == "shouldcontinue":
                yield script.finding("PSAvoidShouldContinueWithoutForce", call,
                                     "Function '%s' in file '%s' uses ShouldContinue but does not have a boolean force "
                                     "parameter. The force parameter will allow users of the script to bypass "
                                     "ShouldContinue prompt" % (function.name, script.name))


@rule("PSProvideCommentHelp")
def provide_comment_help(script: Script) -> Iterator[Finding]:
    """ProvideCommentHelp (RULE_DOCS + 'ProvideCommentHelp'), severity Information: with its
    default ExportedOnly, a function exported by Export-ModuleMember -Function that has no
    comment-based help (a comment with a .SYNOPSIS/.DESCRIPTION/... keyword right before the
    function or at the start or end of its body); reported at the name.
    Not mirrored: PSScriptAnalyzer asks PowerShell for the help (GetHelpContent), which
    accepts more placements; a keyword line is what is looked for here.
    """
    exported = _exported_functions(script)
    help_keyword = re.compile(r"^\s*(#\s*|<#\s*)?\.(SYNOPSIS|DESCRIPTION|PARAMETER|EXAMPLE|INPUTS|OUTPUTS|NOTES|LINK)"
                              r"\b", re.IGNORECASE | re.MULTILINE)
    for function in script.functions:
        if function.name.lower() not in exported:
            continue
        tokens = [t for t in script.tokens if t.end <= function.node.start_byte]
        while tokens and tokens[-1].kind == "NewLine":
            tokens.pop()
        comments = [t.text for t in tokens[-1:] if t.kind == "Comment"]
        comments += [script.text(c) for c in script.of_type("comment", node=function.node)]
        if not any(help_keyword.search(c) for c in comments):
            yield script.finding("PSProvideCommentHelp", function.name_node,
                                 "The cmdlet '%s' does not have a help comment." % function.name, "Information")


# --- rules on variables, assignments and expressions -----------------------------------------------

def _variables(script: Script, node: Node | None = None) -> Iterator[Node]:
    for n in script.walk(node):
        if n.type == "variable":
            yield n


@rule("PSAvoidGlobalVars")
def avoid_global_vars(script: Script) -> Iterator[Finding]:
    """AvoidGlobalVars (RULE_DOCS + 'AvoidGlobalVars'): a variable written $global:name (or
    ${global:name}), anywhere, unless name is one of PowerShell's initialized variables
    (SPECIAL_VARIABLES); reported at the variable; suppression ID: global:name.
    """
    for variable in _variables(script):
        scope, name, _member = variable_path(script.text(variable))
        if scope == "global" and name.lower() not in SPECIAL_VARIABLES:
            yield script.finding("PSAvoidGlobalVars", variable, "Found global variable '%s'." %
                                 ("global:" + name), suppression_id="global:" + name)


def _assignments(script: Script, node: Node | None = None, nested: bool = True) -> Iterator[tuple[Node, Node, str]]:
    """(assignment, left side, operator) of each assignment statement."""
    for n in script.walk(node, nested):
        if n.type == "assignment_expression":
            left = next((c for c in n.named_children if c.type == "left_assignment_expression"), None)
            operator = next((c for c in n.named_children if c.type == "assignement_operator"), None)
            if left is not None:
                yield n, left, script.text(operator)


def _assigned_variable(script: Script, left: Node) -> Node | None:
    """The variable a left side assigns: $x, or [type]$x."""
    node = unwrap(left)
    if node is not None and node.type == "expression_with_unary_operator" and node.named_child_count == 1:
        node = node.named_children[0]
    if node is not None and node.type == "cast_expression":
        node = unwrap(node.named_children[-1])
    return node if node is not None and node.type == "variable" else None


@rule("PSAvoidAssignmentToAutomaticVariable")
def avoid_assignment_to_automatic_variable(script: Script) -> Iterator[Finding]:
    """AvoidAssignmentToAutomaticVariable (RULE_DOCS + 'AvoidAssignmentToAutomaticVariable'): an
    assignment to, or a parameter named as, a read-only automatic variable (severity Error:
    ?, true, false, Host, PSCulture, Error, ExecutionContext, Home, PID, PSEdition, PSHome,
    PSUICulture, PSVersionTable, ShellId; and, from PowerShell 6, IsCoreCLR, IsLinux, IsMacOS,
    IsWindows) or a writable one (Warning: _, AllNodes, Args, ConsoleFilename, Event,
    EventArgs, EventSubscriber, ForEach, Input, Matches, MyInvocation, NestedPromptLevel,
    Profile, PSBoundParameters, PsCmdlet, PSCommandPath, PSDebugContext, PSItem, PSScriptRoot,
    PSSenderInfo, Pwd, ReportErrorShow*, Sender, StackTrace, This); the name as written after
    $ (with a scope prefix it does not match), case-insensitive; reported at the variable.
    """
    for _assignment, left, _value in _assignments(script):
        node = unwrap(left)
        if node is not None and node.type == "variable":
            yield from _automatic(script, node)
    for _node, p in _param_block_parameters(script):
        yield from _automatic(script, p.variable)


def _automatic(script: Script, variable: Node) -> Iterator[Finding]:
    text = script.text(variable)[1:]
    name = text[1:-1] if text.startswith("{") else text
    lowered = name.lower()
    if lowered in READ_ONLY_AUTOMATIC:
        yield script.finding("PSAvoidAssignmentToAutomaticVariable", variable,
                             "The Variable '%s' cannot be assigned since it is a readonly automatic variable that is "
                             "built into PowerShell, please use a different name." % name, "Error")
    if lowered in READ_ONLY_AUTOMATIC_6:
        yield script.finding("PSAvoidAssignmentToAutomaticVariable", variable,
                             "Starting from PowerShell 6.0, the Variable '%s' cannot be assigned any more since it is "
                             "a readonly automatic variable that is built into PowerShell, please use a different name."
                             % name, "Error")
    if lowered in WRITABLE_AUTOMATIC:
        yield script.finding("PSAvoidAssignmentToAutomaticVariable", variable,
                             "The Variable '%s' is an automatic variable that is built into PowerShell, assigning to "
                             "it might have undesired side effects. If assignment is not by design, please use a "
                             "different name." % name)


def _scope_roots(script: Script) -> list[Node]:
    """The script blocks PSScriptAnalyzer analyzes one by one: the script, each function's
    body, each script block expression."""
    return [script.root] + script.of_type(*SCOPES)


@rule("PSUseDeclaredVarsMoreThanAssignments")
def use_declared_vars_more_than_assignments(script: Script) -> Iterator[Finding]:  # noqa: PLR0912
    """UseDeclaredVarsMoreThanAssignments (RULE_DOCS + 'UseDeclaredVarsMoreThanAssignments'):
    per script block (the script, each function, each { } script block), the variables assigned
    there by `$x = ...`, `$x += ...` or `[type]$x = ...` (not in a nested script block; not
    $global:, $env:, $script: or another drive; the first assignment of each name, names
    compared without a local:/private: scope and case-insensitively) of which no use is found
    anywhere in that script block, nested ones and strings "$x" included. Reassigning with
    `$x = ` is not a use; `$x += ` and a cast `[type]$x = ` are (as in PSScriptAnalyzer). A name
    given to Get-Variable (Get-Variable x, -Name x or an array of names) counts as used, and
    PowerShell's initialized variables never count. Reported at the first assignment's left
    side: "The variable 'x' is assigned but never used."; suppression ID: the name.
    """
    for root in _scope_roots(script):
        first: dict[str, tuple[Node, Node, Node]] = {}
        for assignment, left, _value in _assignments(script, root, nested=False):
            variable = _assigned_variable(script, left)
            if variable is None:
                continue
            scope, name, _member = variable_path(script.text(variable))
            if scope is not None and scope not in ("local", "private"):
                continue
            first.setdefault(name.lower(), (assignment, left, variable))
        if not first:
            continue
        for variable in _variables(script, root):
            _scope, name, _member = variable_path(script.text(variable))
            key = name.lower()
            if key not in first:
                continue
            assignment, left, logged = first[key]
            in_assignment = False
            parent_left = variable.parent
            while parent_left is not None and parent_left.type in WRAPPERS \
                    and parent_left.type != "left_assignment_expression":
                parent_left = parent_left.parent
            if parent_left is not None and parent_left.type == "left_assignment_expression" \
                    and unwrap(parent_left) is not None and unwrap(parent_left).id == variable.id:
                operator = script.text(next((c for c in parent_left.parent.named_children
                                             if c.type == "assignement_operator"), None))
                if operator == "=":
                    in_assignment = script.text(parent_left).lower() == script.text(left).lower()
            else:
                in_assignment = variable.id == logged.id
            if not in_assignment or key in SPECIAL_VARIABLES:
                del first[key]
        for command in _command_named(script, {"get-variable"}):
            if not (root.start_byte <= command.node.start_byte < root.end_byte) or not 1 <= len(command.elements) <= 2:
                continue
            if len(command.elements) == 2 and not (command.elements[0].parameter or "").lower().startswith("n"):
                continue
            value = command.elements[-1].node
            for part in script.text(value).split(","):
                first.pop(part.strip().strip("'\"").lower(), None)
        for _key, (_assignment, left, value) in first.items():
            name = variable_path(script.text(value))[1]
            yield script.finding("PSUseDeclaredVarsMoreThanAssignments", left,
                                 "The variable '%s' is assigned but never used." % name, suppression_id=name)


def _binary(node: Node) -> tuple[Node, str, Node] | None:
    """(left, operator, right) of a comparison expression."""
    if node.type != "comparison_expression" or node.named_child_count != 3:
        return None
    left, operator, right = node.named_children
    if operator.type != "comparison_operator":
        return None
    return left, operator.text.decode("utf-8", "replace").lower(), right


@rule("PSPossibleIncorrectComparisonWithNull")
def possible_incorrect_comparison_with_null(script: Script) -> Iterator[Finding]:
    """PossibleIncorrectComparisonWithNull (RULE_DOCS + 'PossibleIncorrectComparisonWithNull'):
    `<left> -eq $null`, -ne, -ieq, -ine, -ceq, -cne (the right side written $null,
    case-insensitive) where the left side may be a collection: a variable that is not one of
    PowerShell's initialized variables, an array @(...), or an expression PowerShell types as
    object (a member, an index, a call, a parenthesized pipeline); not a constant, a cast or a
    comparison. A variable is taken as typed, as PSScriptAnalyzer's variable analysis types
    it, when its function (or the script) only assigns it numbers or constant strings, or
    declares it as a parameter of a scalar type ([int]$x). Outside functions only the
    comparisons not inside a { } script block count, as in PSScriptAnalyzer. Reported at the
    comparison: "$null should be on the left side of equality comparisons."
    Not mirrored: the rest of that flow analysis (a variable typed by a cast or a method's
    return type is reported here).
    """
    in_functions = [f.node for f in script.functions]
    for node in script.walk():
        parts = _binary(node)
        if parts is None:
            continue
        left, operator, right = parts
        if operator not in ("-eq", "-ne", "-ieq", "-ine", "-ceq", "-cne") or script.text(right).lower() != "$null":
            continue
        inside_function = any(f.start_byte <= node.start_byte < f.end_byte for f in in_functions)
        if not inside_function:
            ancestor = node.parent
            while ancestor is not None and ancestor.type not in SCOPES:
                ancestor = ancestor.parent
            if ancestor is not None:
                continue
        operand = unwrap(left)
        if operand is None:
            continue
        if operand.type == "variable":
            name = variable_path(script.text(operand))[1].lower()
            flagged = name not in SPECIAL_VARIABLES and not _scalar_variable(script, operand, name)
        else:
            flagged = operand.type in ("array_expression", "member_access", "element_access", "invokation_expression",
                                       "parenthesized_expression", "sub_expression") \
                or (operand.type == "array_literal_expression" and operand.named_child_count > 1)
        if flagged:
            yield script.finding("PSPossibleIncorrectComparisonWithNull", node,
                                 "$null should be on the left side of equality comparisons.")


def _scalar_variable(script: Script, variable: Node, name: str) -> bool:
    """Whether the function around a variable (or the script) gives it a scalar type: only
    numbers and constant strings assigned, or a parameter with a scalar type constraint."""
    scope = variable.parent
    while scope is not None and scope.type != "function_statement":
        scope = scope.parent
    for function in script.functions:
        if scope is not None and function.node.id == scope.id:
            for p in function.parameters:
                if p.name.lower() == name:
                    types = [a.name.lower() for a in p.attributes if a.is_type]
                    return bool(types) and not any(t.endswith("]") or t in ("object", "psobject", "system.object")
                                                   for t in types)
    values = []
    for _assignment, left, operator in _assignments(script, scope, nested=False):
        assigned = _assigned_variable(script, left)
        if assigned is not None and variable_path(script.text(assigned))[1].lower() == name:
            right = unwrap(left.parent.named_children[-1])
            values.append(operator == "=" and right is not None and (
                right.type in ("integer_literal", "real_literal") or _string_value(script, right) is not None))
    return bool(values) and all(values)


def _conditions(script: Script) -> Iterator[tuple[str, Node]]:
    """The condition pipelines of if/elseif clauses and of while/do-while/do-until loops."""
    for node in script.walk():
        if node.type in ("if_statement", "elseif_clause"):
            yield "if", next((c for c in node.named_children if c.type == "pipeline"), node)
        elif node.type == "while_statement":
            condition = next((c for c in node.named_children if c.type == "while_condition"), None)
            if condition is not None:
                yield "while", condition
        elif node.type == "do_statement":
            condition = next((c for c in node.named_children if c.type == "while_condition"), None)
            if condition is not None:
                yield "while", condition


@rule("PSPossibleIncorrectUsageOfAssignmentOperator")
def possible_incorrect_usage_of_assignment_operator(script: Script) -> Iterator[Finding]:
    """PossibleIncorrectUsageOfAssignmentOperator (RULE_DOCS +
    'PossibleIncorrectUsageOfAssignmentOperator'): an assignment in the condition of an if,
    elseif, while or do-while/until (the first one, not inside a nested script block): Warning
    when the right side starts with "=" (==) or the left side is $null; Information when the
    right side has no command and no method call and the condition is not wrapped in an extra
    pair of parentheses (if (($x = $y))); reported at the operator.
    """
    for _node, condition in _conditions(script):
        assignment = next((n for n in script.walk(condition, nested=False) if n.type == "assignment_expression"), None)
        if assignment is None:
            continue
        left = next((c for c in assignment.named_children if c.type == "left_assignment_expression"), None)
        operator = next((c for c in assignment.named_children if c.type == "assignement_operator"), assignment)
        right = assignment.named_children[-1]
        message = "Did you mean to use the assignment operator '='? The equality operator in PowerShell is 'eq'."
        if script.text(right).startswith("=") or script.text(unwrap(left)).lower() == "$null":
            yield script.finding("PSPossibleIncorrectUsageOfAssignmentOperator", operator, message)
            continue
        has_call = any(n.type in ("command", "invokation_expression") for n in script.walk(right))
        wrapped = script.text(condition).startswith("(") and script.text(condition).endswith(")")
        if not has_call and not wrapped:
            yield script.finding("PSPossibleIncorrectUsageOfAssignmentOperator", operator, message, "Information")


@rule("PSPossibleIncorrectUsageOfRedirectionOperator")
def possible_incorrect_usage_of_redirection_operator(script: Script) -> Iterator[Finding]:
    """PossibleIncorrectUsageOfRedirectionOperator (RULE_DOCS +
    'PossibleIncorrectUsageOfRedirectionOperator'): a file redirection (>, >>, 2> ...) in the
    condition of an if or elseif (the first one); reported at the redirection.
    """
    for kind, condition in _conditions(script):
        if kind != "if":
            continue
        redirection = next((n for n in script.walk(condition, nested=False) if n.type == "redirection"
                            and any(c.type == "file_redirection_operator" for c in n.named_children)), None)
        if redirection is not None:
            yield script.finding("PSPossibleIncorrectUsageOfRedirectionOperator", redirection,
                                 "Did you mean to use the redirection operator '>'? The comparison operators in "
                                 "PowerShell are '-gt' (greater than) or '-ge' (greater or equal).")


@rule("PSAvoidUsingEmptyCatchBlock")
def avoid_using_empty_catch_block(script: Script) -> Iterator[Finding]:
    """AvoidUsingEmptyCatchBlock (RULE_DOCS + 'AvoidUsingEmptyCatchBlock'): a catch clause whose
    block has no statement (comments do not count); reported at the catch clause: "Empty catch
    block is used. Please use Write-Error or throw statements in catch blocks."
    """
    for clause in script.of_type("catch_clause"):
        block = next((c for c in clause.named_children if c.type == "statement_block"), None)
        statements = [c for c in block.named_children if c.type != "comment"] if block is not None else []
        if not statements:
            yield script.finding("PSAvoidUsingEmptyCatchBlock", clause,
                                 "Empty catch block is used. Please use Write-Error or throw statements in catch "
                                 "blocks.")


@rule("PSAvoidInvokingEmptyMembers")
def avoid_invoking_empty_members(script: Script) -> Iterator[Finding]:
    """AvoidInvokingEmptyMembers (RULE_DOCS + 'AvoidInvokingEmptyMembers'): a member access whose
    member is written with a "(" and holds a binary expression ($x.('a' + 'b')); reported at
    the member access.
    """
    binary = ("additive_expression", "multiplicative_expression", "comparison_expression", "logical_expression",
              "bitwise_expression", "format_expression", "range_expression")
    for access in script.of_type("member_access", "invokation_expression"):
        member = next((c for c in access.named_children if c.type == "member_name"), None)
        if member is None or "(" not in script.text(member):
            continue
        if any(n.type in binary and n.named_child_count > 1 for n in script.walk(member)):
            yield script.finding("PSAvoidInvokingEmptyMembers", access,
                                 "'%s' has non-constant members. Invoking non-constant members may cause bugs in the "
                                 "script." % script.text(member))


# --- rules on the text ------------------------------------------------------------------------------

def _line_offsets(script: Script) -> list[int]:
    offsets, position = [], 0
    for line in re.split(rb"(\r\n|\r|\n)", script.data)[::2]:
        offsets.append(position)
        position += len(line) + 1
    return offsets


@rule("PSAvoidTrailingWhitespace")
def avoid_trailing_whitespace(script: Script) -> Iterator[Finding]:
    """AvoidTrailingWhitespace (RULE_DOCS + 'AvoidTrailingWhitespace'): a line that ends in a
    space or a tab (anywhere: in strings and comments too); reported where the trailing
    whitespace starts (column 1 when it reaches back to the second character, as
    PSScriptAnalyzer counts).
    """
    for number, line in enumerate(script.lines(), 1):
        if not line or not line[-1].isspace():
            continue
        column = 1
        for i in range(len(line) - 2, 0, -1):
            if line[i] not in " \t":
                column = i + 2
                break
        yield script.text_finding("PSAvoidTrailingWhitespace", number, column, "Line has trailing whitespace")


@rule("PSAvoidLongLines")
def avoid_long_lines(script: Script) -> Iterator[Finding]:
    """AvoidLongLines (RULE_DOCS + 'AvoidLongLines'), enabled by ansible-test with
    MaximumLineLength 160: a line of more than 160 characters (UTF-16 units); reported at
    column 1.
    """
    limit = SETTINGS["PSAvoidLongLines"]["MaximumLineLength"]
    for number, line in enumerate(script.lines(), 1):
        if len(line.encode("utf-16-le")) // 2 > limit:
            yield script.text_finding("PSAvoidLongLines", number, 1,
                                      "Line exceeds the configured maximum length of %d characters" % limit)


@rule("PSMisleadingBacktick")
def misleading_backtick(script: Script) -> Iterator[Finding]:
    """MisleadingBacktick (RULE_DOCS + 'MisleadingBacktick'): a line that ends in a backtick
    followed by whitespace (`\\s+$: an escaped space, not a line continuation); reported at the
    backtick.
    """
    for number, line in enumerate(re.split(r"\r?\n", script.data.decode("utf-8", "replace")), 1):
        match = re.search(r"`\s+$", line)
        if match:
            yield script.text_finding("PSMisleadingBacktick", number, match.start() + 1,
                                      "This line has a backtick at the end trailed by a whitespace character. Did you "
                                      "mean for this to be a line continuation?")


# --- formatting rules on the tokens -------------------------------------------------------------

def _scriptblock_braces(script: Script) -> tuple[set[int], set[int]]:
    """Offsets of the { and } of every script block expression (PSScriptAnalyzer's
    TokenOperations.GetOpenBracesInCommandElements and GetCloseBracesInCommandElements)."""
    opens, closes = set(), set()
    for node in script.of_type("script_block_expression"):
        start, end = script.span(node)
        opens.add(start)
        closes.add(end - 1)
    return opens, closes


def _brace_pairs_on_one_line(script: Script) -> list[tuple[Token, Token]]:
    """TokenOperations.GetBracePairsOnSameLine: { } pairs (a hashtable's closing } pairs with
    nothing and pops nothing) that start and end on one line."""
    hashtable_ends = {script.span(n)[1] - 1 for n in script.of_type("hash_literal_expression")}
    stack, pairs = [], []
    for token in script.tokens:
        if token.kind == "LCurly":
            stack.append(token)
        elif token.kind == "RCurly" and stack and token.start not in hashtable_ends:
            opening = stack.pop()
            if opening.line == token.line:
                pairs.append((opening, token))
    return pairs


@rule("PSPlaceOpenBrace")
def place_open_brace(script: Script) -> Iterator[Finding]:
    """PlaceOpenBrace (RULE_DOCS + 'PlaceOpenBrace'), ansible-test's settings OnSameLine,
    NewLineAfter, IgnoreOneLineBlock: an open brace { (not @{) that is the first token of its
    line ("Open brace not on same line as preceding keyword. It should be on the same line."),
    or that is followed on its line by anything, a comment included ("There is no new line
    after open brace."); except the { of a script block expression ({ } given to a command,
    assigned, passed to a method...) and braces whose } is on the same line.
    """
    opens, _closes = _scriptblock_braces(script)
    ignored = opens | {pair[0].start for pair in _brace_pairs_on_one_line(script)}
    tokens = script.tokens
    for k, token in enumerate(tokens):
        if token.kind != "LCurly" or token.start in ignored:
            continue
        if k >= 2 and tokens[k - 1].kind == "NewLine":
            yield script.finding("PSPlaceOpenBrace", token,
                                 "Open brace not on same line as preceding keyword. It should be on the same line.")
        if k + 1 < len(tokens) and tokens[k + 1].kind not in ("NewLine", "EndOfInput"):
            yield script.finding("PSPlaceOpenBrace", token, "There is no new line after open brace.")


@rule("PSPlaceCloseBrace")
def place_close_brace(script: Script) -> Iterator[Finding]:
    """PlaceCloseBrace (RULE_DOCS + 'PlaceCloseBrace'), ansible-test's settings NewLineAfter,
    IgnoreOneLineBlock, not NoEmptyLineBefore: a close brace } (of a { block or a multi-line
    @{ hashtable) that is not the first token of its line ("Close brace is not on a new
    line."), or that is followed by else, elseif, catch or finally ("Close brace does not
    follow a new line.": } else { must be written on two lines); except the } of a script
    block expression, of a { } pair on one line and of a one-line hashtable.
    """
    _opens, closes = _scriptblock_braces(script)
    ignored = closes | {pair[1].start for pair in _brace_pairs_on_one_line(script)}
    tokens = script.tokens
    stack: list[Token] = []
    for k, token in enumerate(tokens):
        if token.kind in ("LCurly", "AtCurly"):
            stack.append(token)
            continue
        if token.kind != "RCurly":
            continue
        if not stack:
            break
        opening = stack.pop()
        if opening.kind == "AtCurly" and opening.line == token.line:
            continue
        if token.start in ignored:
            continue
        if tokens[k - 1].kind != "NewLine":
            yield script.finding("PSPlaceCloseBrace", token, "Close brace is not on a new line.")
        following = tokens[k + 1] if k + 1 < len(tokens) else None
        if following is not None and following.kind == "Keyword" and following.text.lower() in BRANCH_KEYWORDS:
            yield script.finding("PSPlaceCloseBrace", token, "Close brace does not follow a new line.")


def _extent(script: Script, node: Node) -> tuple[Token, Token] | None:
    """First and last token (comments left out) of a node."""
    start, end = script.span(node)
    skipped = ("Comment", "NewLine", "LineContinuation")
    inside = [t for t in script.tokens if start <= t.start < end and t.kind not in skipped]
    return (inside[0], inside[-1]) if inside else None


@rule("PSUseConsistentIndentation")
def use_consistent_indentation(script: Script) -> Iterator[Finding]:  # noqa: PLR0912, PLR0915
    """UseConsistentIndentation (RULE_DOCS + 'UseConsistentIndentation'), ansible-test's settings
    IndentationSize 4, Kind space, PipelineIndentation IncreaseIndentationForFirstPipeline:
    PSScriptAnalyzer's walk over the tokens, mirrored: the first token of each line (comments
    included; not inside here-strings or block comments) must start at 4 spaces per level. {,
    @{, @( and $( open a level, ( too unless it starts a line and more follows on that line, and
    the first | of a multi-line pipeline that ends a line (the pipe after the last element on
    the pipeline's first line) opens one that the pipeline's end closes; ), } close one; a line
    after a backtick continuation is one level deeper. Reported at column 1 of the line:
    "Indentation not consistent".
    """
    tokens = script.tokens
    size = SETTINGS["PSUseConsistentIndentation"]["IndentationSize"]
    pipelines = []
    for chain in script.of_type("pipeline_chain"):
        elements = pipeline_elements(chain)
        if len(elements) > 1:
            extents = [_extent(script, e) for e in elements]
            if all(extents):
                pipelines.append(extents)
    findings: list[Finding] = []
    state = {"level": 0, "new_line": True}

    def check(token: Token, level: int) -> None:
        if state["new_line"]:
            state["new_line"] = False
            if token.col - 1 != level * size:
                findings.append(Finding(script.path, token.line, 1, "PSUseConsistentIndentation",
                                        "Indentation not consistent", start=token.start, end=token.start))

    def next_ignoring_comments(index: int) -> Token | None:
        for t in tokens[index + 1:]:
            if t.kind != "Comment":
                return t
        return None

    def first_pipe(index: int) -> bool:
        before = tokens[index - 1]
        for extents in pipelines:
            first_start, first_end = extents[0]
            last = extents[0]
            for start, end in extents[1:]:
                if start.line in (first_start.line, first_end.end_line) or end.end_line == first_end.end_line:
                    last = (start, end)
            if (last[1].end_line, last[1].end_col) == (before.end_line, before.end_col):
                return True
        return False

    pipeline_increase = 0
    skipped: list[bool] = []
    for index, token in enumerate(tokens):
        kind = token.kind
        if kind == "EndOfInput":
            break
        if kind in ("AtCurly", "LCurly"):
            check(token, state["level"])
            state["level"] += 1
        elif kind in ("DollarParen", "AtParen"):
            skipped.append(False)
            check(token, state["level"])
            state["level"] += 1
        elif kind == "LParen":
            following = next_ignoring_comments(index)
            starts_line = index == 0 or tokens[index - 1].kind == "NewLine"
            if starts_line and (following is None or following.kind != "NewLine"):
                state["new_line"] = False
                skipped.append(True)
            else:
                skipped.append(False)
                check(token, state["level"])
                state["level"] += 1
        elif kind == "Pipe":
            following = next_ignoring_comments(index)
            if following is not None and following.kind in ("NewLine", "LineContinuation") and first_pipe(index):
                check(token, state["level"])
                state["level"] += 1
                pipeline_increase += 1
        elif kind == "RParen":
            if skipped and skipped.pop():
                state["new_line"] = False
            else:
                state["level"] = max(state["level"] - 1, 0)
                check(token, state["level"])
        elif kind == "RCurly":
            state["level"] = max(state["level"] - 1, 0)
            check(token, state["level"])
        elif kind in ("NewLine", "LineContinuation"):
            state["new_line"] = True
        elif state["new_line"]:
            level = state["level"]
            if index > 0 and tokens[index - 1].kind == "LineContinuation":
                level += 1
            if index > 2 and tokens[index - 1].kind == "NewLine" and tokens[index - 2].kind == "Comment":
                back = index - 2
                while back > 0 and tokens[back].kind == "Comment":
                    back -= 1
                if back >= 0 and tokens[back].kind == "LineContinuation":
                    level += 1
            check(token, level)
        # The end of a multi-line pipeline takes back what its first pipe added.
        for extents in pipelines:
            end = extents[-1][1]
            if end.end_line > token.end_line:
                break
            if (end.end_line, end.end_col) == (token.end_line, token.end_col):
                first, last = extents[0], extents[-1]
                if not (first[1].end_line == last[1].end_line or first[0].line == last[0].line):
                    state["level"] = max(state["level"] - pipeline_increase, 0)
                    pipeline_increase = 0
                break
    yield from findings


# What may follow a pipe on its line without a space (UseConsistentWhitespace's CheckPipe).
_PIPE_LINE_END = ("Pipe", "NewLine", "LineContinuation")


@rule("PSUseConsistentWhitespace")
def use_consistent_whitespace(script: Script) -> Iterator[Finding]:  # noqa: PLR0912
    """UseConsistentWhitespace (RULE_DOCS + 'UseConsistentWhitespace'), ansible-test's settings
    (CheckInnerBrace, CheckOpenBrace, CheckOpenParen, CheckOperator, CheckPipe, CheckSeparator;
    not CheckPipeForRedundantWhitespace, CheckParameter, IgnoreAssignmentOperatorInsideHashTable),
    on the tokens, one space meaning exactly one:
    - one space before {, unless { follows (, {, . or a member name or starts its line;
    - one space after { (not @{) unless a newline or } follows, and before } (of a block or a
      hashtable) unless it follows {, @{ or starts its line;
    - a space on each side of | when | is not at a line's end or start (more than one is fine);
    - one space between if, elseif, switch, for, foreach, while and (;
    - one space on each side of =, +=, -=, *=, /=, %=, +, -, *, /, %, &&, || (a newline after
      is fine; not the - of -$x right after "("; a - or + before a number is part of it);
    - one space after , and ; unless a newline follows.
    """
    tokens = script.tokens
    findings: list[Finding] = []

    def prev_same_line(i: int) -> bool:
        return tokens[i - 1].end_line == tokens[i].line

    def apart_before(i: int) -> tuple[bool, bool]:
        """(exactly one space, more than one) between tokens[i - 1] and tokens[i]."""
        if tokens[i].line != tokens[i - 1].line:
            return True, False
        gap = tokens[i].col - tokens[i - 1].end_col
        return gap == 1, gap > 1

    def apart_after(i: int) -> tuple[bool, bool]:
        gap = tokens[i + 1].col - tokens[i].end_col
        return gap == 1, gap > 1

    def add(token: Token, message: str) -> None:
        findings.append(script.finding("PSUseConsistentWhitespace", token, message))

    for i, token in enumerate(tokens):
        kind = token.kind
        previous = tokens[i - 1] if i > 0 else None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if kind == "LCurly":
            if previous is not None and prev_same_line(i) and previous.kind not in ("LCurly", "Dot") \
                    and not previous.member and not apart_before(i)[0] and previous.kind != "LParen":
                add(token, "Use space before open brace.")
            if following is not None and (previous is None or prev_same_line(i)) \
                    and following.kind not in ("NewLine", "LineContinuation", "RCurly") and not apart_after(i)[0]:
                add(token, "Use space after open brace.")
        elif kind == "RCurly":
            if previous is not None and prev_same_line(i) \
                    and previous.kind not in ("LCurly", "NewLine", "LineContinuation", "AtCurly") \
                    and not apart_before(i)[0]:
                add(token, "Use space before closing brace.")
        elif kind == "Pipe":
            if following is not None and prev_same_line(i) and following.kind not in _PIPE_LINE_END:
                exact, more = apart_after(i)
                if not exact and not more:
                    add(token, "Use space after pipe.")
            if previous is not None and prev_same_line(i) and previous.kind not in ("Pipe", "NewLine",
                                                                                    "LineContinuation"):
                exact, more = apart_before(i)
                if not exact and not more:
                    add(token, "Use space before pipe.")
        elif kind == "LParen":
            if previous is not None and prev_same_line(i) and previous.kind == "Keyword" \
                    and previous.text.lower() in PAREN_KEYWORDS and not apart_before(i)[0]:
                add(token, "Use space before open parenthesis.")
        elif kind == "Operator":
            if previous is None or following is None:
                continue
            if token.text in ("-", "+") and previous.kind == "LParen" and following.kind == "Variable":
                continue
            if token.text in ("-", "+") and following.kind == "Number" and following.start == token.end \
                    and previous.kind not in ("Number", "Variable", "RParen"):
                continue  # a signed number: one token to PowerShell
            before = prev_same_line(i) and apart_before(i)[0]
            after = following.kind == "NewLine" or (token.end_line == following.line and apart_before(i + 1)[0])
            if not before or not after:
                add(token, "Use space before and after binary and assignment operators.")
        elif kind in ("Comma", "Semi"):
            if following is not None and following.kind not in ("NewLine", "EndOfInput") and not apart_before(i + 1)[0]:
                add(token, "Use space after a comma." if kind == "Comma" else "Use space after a semicolon.")
    yield from findings


@rule("PSAvoidSemicolonsAsLineTerminators")
def avoid_semicolons_as_line_terminators(script: Script) -> Iterator[Finding]:
    """AvoidSemicolonsAsLineTerminators (RULE_DOCS + 'AvoidSemicolonsAsLineTerminators'),
    enabled by ansible-test: a ; (not in a string or comment) followed by the end of its line or
    of the script (a comment after it is not the end of the line); reported at the ;.
    Not mirrored: PSScriptAnalyzer also skips a ; whose offset + 1 is where an assignment
    statement ends, which its parser's extents never make true for `$a = 1;`.
    """
    tokens = script.tokens
    for i, token in enumerate(tokens):
        if token.kind == "Semi" and i + 1 < len(tokens) and tokens[i + 1].kind in ("NewLine", "EndOfInput"):
            yield script.finding("PSAvoidSemicolonsAsLineTerminators", token, "Line ends with a semicolon")


# --- Pluralize.NET 1.0.2 (PSScriptAnalyzer's PSUseSingularNouns on PowerShell 7), ported -------------
# github.com/sarathkcm/Pluralize.NET, tag v1.0.2 (MIT): Pluralizer, PluralizerBase and Rules/.

_IRREGULAR = [("I", "we"), ("me", "us"), ("he", "they"), ("she", "they"), ("them", "them"), ("myself", "ourselves"),
              ("yourself", "yourselves"), ("itself", "themselves"), ("herself", "themselves"),
              ("himself", "themselves"), ("themself", "themselves"), ("is", "are"), ("was", "were"), ("has", "have"),
              ("this", "these"), ("that", "those"), ("echo", "echoes"), ("dingo", "dingoes"),
              ("volcano", "volcanoes"), ("tornado", "tornadoes"), ("torpedo", "torpedoes"), ("genus", "genera"),
              ("viscus", "viscera"), ("stigma", "stigmata"), ("stoma", "stomata"), ("dogma", "dogmata"),
              ("lemma", "lemmata"), ("schema", "schemata"), ("anathema", "anathemata"), ("ox", "oxen"),
              ("axe", "axes"), ("die", "dice"), ("yes", "yeses"), ("foot", "feet"), ("eave", "eaves"),
              ("goose", "geese"), ("tooth", "teeth"), ("quiz", "quizzes"), ("human", "humans"), ("proof", "proofs"),
              ("carve", "carves"), ("valve", "valves"), ("looey", "looies"), ("thief", "thieves"),
              ("groove", "grooves"), ("pickaxe", "pickaxes"), ("passerby", "passersby"), ("cookie", "cookies"),
              ("whiskey", "whiskies")]
_IRREGULAR_SINGLES = {s.lower(): p for s, p in _IRREGULAR}
_IRREGULAR_PLURALS: dict[str, str] = {}
for _single, _plural in reversed(_IRREGULAR):
    _IRREGULAR_PLURALS.setdefault(_plural.lower(), _single)
_UNCOUNTABLES = frozenset("""adulthood advice agenda aid aircraft alcohol ammo anime athletics audio bison blood bream
    buffalo butter carp cash chassis chess clothing cod commerce cooperation corps debris diabetes digestion elk energy
    equipment excretion expertise firmware flounder fun gallows garbage graffiti headquarters health herpes highjinks
    homework housework information jeans justice kudos labour literature machinery mackerel mail media mews moose music
    mud manga news only pike plankton pliers police pollution premises rain research rice salmon scissors series
    sewage shambles shrimp species staff swine tennis traffic transportation trout tuna wealth welfare whiting
    wildebeest wildlife you""".split())
_PLURAL_RULES = [
    ("s?$", "s"), ("[^\u0000-\u007F]$", "$0"), ("(ax|test)is$", "$1es"),
    ("(alias|[^aou]us|t[lm]as|gas|ris)$", "$1es"), ("(e[mn]u)s?$", "$1s"),
    ("([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$", "$1"),
    ("(alumn|syllab|octop|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$", "$1i"),
    ("(alumn|alg|vertebr)(?:a|ae)$", "$1ae"), ("(seraph|cherub)(?:im)?$", "$1im"), ("(her|at|gr)o$", "$1oes"),
    ("(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor)"
     "(?:a|um)$", "$1a"),
    ("(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)(?:a|on)$", "$1a"),
    ("sis$", "ses"), ("(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$", "$1$2ves"), ("([^aeiouy]|qu)y$", "$1ies"),
    ("([^ch][ieo][ln])ey$", "$1ies"), ("(x|ch|ss|sh|zz)$", "$1es"),
    ("(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$", "$1ices"), (r"\b((?:tit)?m|l)(?:ice|ouse)$", "$1ice"),
    ("(pe)(?:rson|ople)$", "$1ople"), ("(child)(?:ren)?$", "$1ren"), ("eaux$", "$0"), ("m[ae]n$", "men"),
    ("^thou$", "you"), ("pox$", "$0"), ("ois$", "$0"), ("deer$", "$0"), ("fish$", "$0"), ("sheep$", "$0"),
    ("measles$/", "$0"), ("[^aeiou]ese$", "$0"),
]
_SINGULAR_RULES = [
    ("s$", ""), ("(ss)$", "$1"), (r"(wi|kni|(?:after|half|high|low|mid|non|night|[^\w]|^)li)ves$", "$1fe"),
    ("(ar|(?:wo|[ae])l|[eo][ao])ves$", "$1f"), ("ies$", "y"),
    (r"\b([pl]|zomb|(?:neck|cross)?t|coll|faer|food|gen|goon|group|lass|talk|goal|cut)ies$", "$1ie"),
    (r"\b(mon|smil)ies$", "$1ey"), (r"\b((?:tit)?m|l)ice$", "$1ouse"), ("(seraph|cherub)im$", "$1"),
    ("(x|ch|ss|sh|zz|tto|go|cho|alias|[^aou]us|t[lm]as|gas|(?:her|at|gr)o|ris)(?:es)?$", "$1"),
    ("(analy|ba|diagno|parenthe|progno|synop|the|empha|cri)(?:sis|ses)$", "$1sis"),
    ("(movie|twelve|abuse|e[mn]u)s$", "$1"), ("(test)(?:is|es)$", "$1is"),
    ("(alumn|syllab|octop|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$", "$1us"),
    ("(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|quor)a$",
     "$1um"),
    ("(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)a$", "$1on"),
    ("(alumn|alg|vertebr)ae$", "$1a"), ("(cod|mur|sil|vert|ind)ices$", "$1ex"), ("(matr|append)ices$", "$1ix"),
    ("(pe)(rson|ople)$", "$1rson"), ("(child)ren$", "$1"), ("(eau)x?$", "$1"), ("men$", "man"),
    ("[^aeiou]ese$", "$0"), ("deer$", "$0"), ("fish$", "$0"), ("measles$/", "$0"), ("o[iu]s$", "$0"), ("pox$", "$0"),
    ("sheep$", "$0"),
]
_COMPILED = {id(rules): [(re.compile(p, re.IGNORECASE), r) for p, r in rules]
             for rules in (_PLURAL_RULES, _SINGULAR_RULES)}


def _restore_case(original: str, new: str) -> str:
    if original == new:
        return new
    if original == original.lower():
        return new.lower()
    if original == original.upper():
        return new.upper()
    if original[:1] == original[:1].upper():
        return new[:1].upper() + new[1:]
    return new.lower()


def _apply_rules(word: str, rules: list[tuple[str, str]]) -> str:
    if not word or word.lower() in _UNCOUNTABLES:
        return word
    for pattern, replacement in reversed(_COMPILED[id(rules)]):
        match = pattern.search(word)
        if match is None:
            continue
        case_source = match.group(0) if match.group(0).strip() else word[match.start() - 1]

        def expand(m: re.Match[str], replacement: str = replacement, case_source: str = case_source) -> str:
            text = re.sub(r"\$(\d{1,2})", lambda g: m.group(int(g.group(1))) or "", replacement)
            return _restore_case(case_source, text)

        return pattern.sub(expand, word, count=1)
    return word


def _transform(word: str, replaceable: dict[str, str], keepable: dict[str, str], rules: list[tuple[str, str]]) -> str:
    if word.lower() in keepable:
        return word
    if word.lower() in replaceable:
        return _restore_case(word, replaceable[word.lower()])
    return _apply_rules(word, rules)


def pluralize(word: str) -> str:
    return _transform(word, _IRREGULAR_SINGLES, _IRREGULAR_PLURALS, _PLURAL_RULES)


def singularize(word: str) -> str:
    return _transform(word, _IRREGULAR_PLURALS, _IRREGULAR_SINGLES, _SINGULAR_RULES)


# --- reference tables --------------------------------------------------------------------------------

# PowerShell 7's built-in aliases (System.Management.Automation InitialSessionState.BuiltInAliases),
# those for Windows only (#if !UNIX) and Windows PowerShell's (#if !CORECLR) included, as the
# scripts run on Windows; and the aliases CimCmdlets and Microsoft.PowerShell.Utility export.
ALIASES = {alias.lower(): cmdlet for alias, cmdlet in (entry.split("=") for entry in """
    foreach=ForEach-Object %=ForEach-Object where=Where-Object ?=Where-Object clc=Clear-Content cli=Clear-Item
    clp=Clear-ItemProperty clv=Clear-Variable cpi=Copy-Item cvpa=Convert-Path dbp=Disable-PSBreakpoint
    ebp=Enable-PSBreakpoint epal=Export-Alias epcsv=Export-Csv fl=Format-List ft=Format-Table fw=Format-Wide
    gal=Get-Alias gbp=Get-PSBreakpoint gc=Get-Content gci=Get-ChildItem gcm=Get-Command gdr=Get-PSDrive
    gcs=Get-PSCallStack ghy=Get-History gi=Get-Item gl=Get-Location gm=Get-Member gmo=Get-Module gp=Get-ItemProperty
    gpv=Get-ItemPropertyValue gps=Get-Process group=Group-Object gu=Get-Unique gv=Get-Variable iex=Invoke-Expression
    ihy=Invoke-History ii=Invoke-Item ipmo=Import-Module ipal=Import-Alias ipcsv=Import-Csv measure=Measure-Object
    mi=Move-Item mp=Move-ItemProperty nal=New-Alias ndr=New-PSDrive ni=New-Item nv=New-Variable nmo=New-Module
    oh=Out-Host rbp=Remove-PSBreakpoint rdr=Remove-PSDrive ri=Remove-Item rni=Rename-Item rnp=Rename-ItemProperty
    rp=Remove-ItemProperty rmo=Remove-Module rv=Remove-Variable gerr=Get-Error rvpa=Resolve-Path sal=Set-Alias
    sbp=Set-PSBreakpoint select=Select-Object si=Set-Item sl=Set-Location sp=Set-ItemProperty saps=Start-Process
    spps=Stop-Process sv=Set-Variable irm=Invoke-RestMethod iwr=Invoke-WebRequest
    ac=Add-Content clear=Clear-Host compare=Compare-Object cpp=Copy-ItemProperty diff=Compare-Object gsv=Get-Service
    sleep=Start-Sleep sort=Sort-Object start=Start-Process sasv=Start-Service spsv=Stop-Service tee=Tee-Object
    write=Write-Output cat=Get-Content cp=Copy-Item ls=Get-ChildItem man=help mount=New-PSDrive mv=Move-Item
    ps=Get-Process rm=Remove-Item rmdir=Remove-Item cnsn=Connect-PSSession dnsn=Disconnect-PSSession
    ogv=Out-GridView shcm=Show-Command kill=Stop-Process
    cd=Set-Location dir=Get-ChildItem echo=Write-Output fc=Format-Custom pwd=Get-Location type=Get-Content
    gwmi=Get-WmiObject iwmi=Invoke-WMIMethod ise=powershell_ise.exe rwmi=Remove-WMIObject sc=Set-Content
    swmi=Set-WMIInstance trcm=Trace-Command
    h=Get-History history=Get-History md=mkdir popd=Pop-Location pushd=Push-Location r=Invoke-History cls=Clear-Host
    chdir=Set-Location copy=Copy-Item del=Remove-Item erase=Remove-Item move=Move-Item rd=Remove-Item ren=Rename-Item
    set=Set-Variable icm=Invoke-Command clhy=Clear-History gjb=Get-Job rcjb=Receive-Job rjb=Remove-Job sajb=Start-Job
    spjb=Stop-Job wjb=Wait-Job sujb=Suspend-Job rujb=Resume-Job npssc=New-PSSessionConfigurationFile
    ipsn=Import-PSSession epsn=Export-PSSession nsn=New-PSSession gsn=Get-PSSession rsn=Remove-PSSession
    etsn=Enter-PSSession rcsn=Receive-PSSession exsn=Exit-PSSession sls=Select-String
    gcai=Get-CimAssociatedInstance gcls=Get-CimClass gcim=Get-CimInstance gcms=Get-CimSession icim=Invoke-CimMethod
    ncim=New-CimInstance ncms=New-CimSession ncso=New-CimSessionOption rcie=Register-CimIndicationEvent
    rcim=Remove-CimInstance rcms=Remove-CimSession scim=Set-CimInstance
    fhx=Format-Hex gcb=Get-Clipboard scb=Set-Clipboard gin=Get-ComputerInfo gtz=Get-TimeZone stz=Set-TimeZone
    """.split())}

# The commands of PSScriptAnalyzer 1.21.0's Settings/core-6.1.0-windows.json (all its modules).
COMMANDS = frozenset(name.lower() for name in """
    Add-Content Add-History Add-Member Add-NodeKeys Add-Type AddDscResourceProperty
    AddDscResourcePropertyFromMetadata CheckResourceFound Clear-Content Clear-History Clear-Item
    Clear-ItemProperty Clear-Variable Compare-Object Compress-Archive Configuration
    Connect-PSSession Connect-WSMan Convert-Path ConvertFrom-Csv ConvertFrom-Json
    ConvertFrom-Markdown ConvertFrom-SddlString ConvertFrom-SecureString ConvertFrom-StringData
    ConvertTo-Csv ConvertTo-Html ConvertTo-Json ConvertTo-MOFInstance ConvertTo-SecureString
    ConvertTo-Xml Copy-Item Copy-ItemProperty Debug-Job Debug-Process Debug-Runspace
    Disable-PSBreakpoint Disable-PSRemoting Disable-PSSessionConfiguration Disable-PSTrace
    Disable-RunspaceDebug Disable-WSManCredSSP Disconnect-PSSession Disconnect-WSMan
    Enable-PSBreakpoint Enable-PSRemoting Enable-PSSessionConfiguration Enable-PSTrace
    Enable-RunspaceDebug Enable-WSManCredSSP Enter-PSHostProcess Enter-PSSession
    Exit-PSHostProcess Exit-PSSession Expand-Archive Export-Alias Export-Clixml Export-Csv
    Export-FormatData Export-ModuleMember Export-PSSession Find-Command Find-DscResource
    Find-Module Find-Package Find-PackageProvider Find-RoleCapability Find-Script ForEach-Object
    Format-Custom Format-Hex Format-List Format-Table Format-Wide Generate-VersionInfo Get-Acl
    Get-Alias Get-AuthenticodeSignature Get-ChildItem Get-CimAssociatedInstance Get-CimClass
    Get-CimInstance Get-CimSession Get-CmsMessage Get-Command
    Get-CompatibleVersionAddtionaPropertiesStr Get-ComplexResourceQualifier Get-ComputerInfo
    Get-ConfigurationErrorCount Get-Content Get-Credential Get-Culture Get-Date Get-DscResource
    Get-DSCResourceModules Get-EncryptedPassword Get-Event Get-EventSubscriber
    Get-ExecutionPolicy Get-ExperimentalFeature Get-FileHash Get-FormatData Get-Help Get-History
    Get-Host Get-InnerMostErrorRecord Get-InstalledModule Get-InstalledScript Get-Item
    Get-ItemProperty Get-ItemPropertyValue Get-Job Get-Location Get-LogProperties
    Get-MarkdownOption Get-Member Get-Module Get-MofInstanceName Get-MofInstanceText Get-Package
    Get-PackageProvider Get-PackageSource Get-PfxCertificate Get-PositionInfo Get-Process
    Get-PSBreakpoint Get-PSCallStack Get-PSCurrentConfigurationNode
    Get-PSDefaultConfigurationDocument Get-PSDrive Get-PSHostProcessInfo
    Get-PSMetaConfigDocumentInstVersionInfo Get-PSMetaConfigurationProcessed Get-PSProvider
    Get-PSReadLineKeyHandler Get-PSReadLineOption Get-PSRepository Get-PSSession
    Get-PSSessionCapability Get-PSSessionConfiguration Get-PSTopConfigurationName
    Get-PublicKeyFromFile Get-PublicKeyFromStore Get-Random Get-Runspace Get-RunspaceDebug
    Get-Service Get-TimeZone Get-TraceSource Get-TypeData Get-UICulture Get-Unique Get-Uptime
    Get-Variable Get-Verb Get-WinEvent Get-WSManCredSSP Get-WSManInstance GetCompositeResource
    GetImplementingModulePath GetModule GetPatterns GetResourceFromKeyword GetSyntax
    Group-Object Import-Alias Import-Clixml Import-Csv Import-LocalizedData Import-Module
    Import-PackageProvider Import-PowerShellDataFile Import-PSSession
    ImportCimAndScriptKeywordsFromModule ImportClassResourcesFromModule
    Initialize-ConfigurationRuntimeState Install-Module Install-Package Install-PackageProvider
    Install-Script Invoke-CimMethod Invoke-Command Invoke-Expression Invoke-History Invoke-Item
    Invoke-RestMethod Invoke-WebRequest Invoke-WSManAction IsHiddenResource IsPatternMatched
    Join-Path Measure-Command Measure-Object Move-Item Move-ItemProperty New-Alias
    New-CimInstance New-CimSession New-CimSessionOption New-DscChecksum New-Event
    New-FileCatalog New-Guid New-Item New-ItemProperty New-Module New-ModuleManifest New-Object
    New-PSDrive New-PSRoleCapabilityFile New-PSSession New-PSSessionConfigurationFile
    New-PSSessionOption New-PSTransportOption New-ScriptFileInfo New-Service New-TemporaryFile
    New-TimeSpan New-Variable New-WinEvent New-WSManInstance New-WSManSessionOption Node
    Out-Default Out-File Out-Host Out-Null Out-String Pop-Location Protect-CmsMessage
    PSConsoleHostReadLine Publish-Module Publish-Script Push-Location Read-Host
    ReadEnvironmentFile Receive-Job Receive-PSSession Register-ArgumentCompleter
    Register-CimIndicationEvent Register-EngineEvent Register-ObjectEvent Register-PackageSource
    Register-PSRepository Register-PSSessionConfiguration Remove-Alias Remove-CimInstance
    Remove-CimSession Remove-Event Remove-Item Remove-ItemProperty Remove-Job Remove-Module
    Remove-PSBreakpoint Remove-PSDrive Remove-PSReadLineKeyHandler Remove-PSSession
    Remove-Service Remove-TypeData Remove-Variable Remove-WSManInstance Rename-Computer
    Rename-Item Rename-ItemProperty Resolve-Path Restart-Computer Restart-Service Resume-Service
    Save-Help Save-Module Save-Package Save-Script Select-Object Select-String Select-Xml
    Send-MailMessage Set-Acl Set-Alias Set-AuthenticodeSignature Set-CimInstance Set-Content
    Set-Date Set-ExecutionPolicy Set-Item Set-ItemProperty Set-Location Set-LogProperties
    Set-MarkdownOption Set-NodeExclusiveResources Set-NodeManager Set-NodeResources
    Set-NodeResourceSource Set-PackageSource Set-PSBreakpoint Set-PSCurrentConfigurationNode
    Set-PSDebug Set-PSDefaultConfigurationDocument Set-PSMetaConfigDocInsProcessedBeforeMeta
    Set-PSMetaConfigVersionInfoV2 Set-PSReadLineKeyHandler Set-PSReadLineOption Set-PSRepository
    Set-PSSessionConfiguration Set-PSTopConfigurationName Set-Service Set-StrictMode
    Set-TimeZone Set-TraceSource Set-Variable Set-WSManInstance Set-WSManQuickConfig
    Show-Markdown Sort-Object Split-Path Start-Job Start-Process Start-Service Start-Sleep
    Start-ThreadJob Start-Transcript Stop-Computer Stop-Job Stop-Process Stop-Service
    Stop-Transcript StrongConnect Suspend-Service Tee-Object Test-ConflictingResources
    Test-Connection Test-FileCatalog Test-Json Test-ModuleManifest Test-ModuleReloadRequired
    Test-MofInstanceText Test-NodeManager Test-NodeResources Test-NodeResourceSource Test-Path
    Test-PSSessionConfigurationFile Test-ScriptFileInfo Test-WSMan ThrowError Trace-Command
    Unblock-File Uninstall-Module Uninstall-Package Uninstall-Script Unprotect-CmsMessage
    Unregister-Event Unregister-PackageSource Unregister-PSRepository
    Unregister-PSSessionConfiguration Update-ConfigurationDocumentRef
    Update-ConfigurationErrorCount Update-DependsOn Update-FormatData Update-Help
    Update-LocalConfigManager Update-Module Update-ModuleManifest Update-ModuleVersion
    Update-Script Update-ScriptFileInfo Update-TypeData ValidateNoCircleInNodeResources
    ValidateNodeExclusiveResources ValidateNodeManager ValidateNodeResources
    ValidateNodeResourceSource ValidateNoNameNodeResources ValidateUpdate-ConfigurationData
    Wait-Debugger Wait-Event Wait-Job Wait-Process Where-Object Write-Debug Write-Error
    Write-Host Write-Information Write-Log Write-MetaConfigFile Write-NodeMOFFile Write-Output
    Write-Progress Write-Verbose Write-Warning WriteFile
    """.split())

# Commands the session PSScriptAnalyzer runs in finds under these names (the help function;
# native programs of Linux, where pslint runs), so that they are not taken for a missing Get-.
APPLICATIONS = frozenset({"date", "host", "hostname", "uptime", "whoami", "help"})

# Cmdlets with both -Path and -LiteralPath (from the same profile), each with whether -Path is
# the first positional parameter of its default parameter set.
LITERAL_PATH_COMMANDS = {name.lower(): True for name in """
    Add-Content Clear-Content Clear-Item Clear-ItemProperty Compress-Archive Convert-Path Copy-Item
    Copy-ItemProperty Expand-Archive Export-Alias Export-Clixml Export-Csv Format-Hex Get-Acl Get-ChildItem
    Get-Content Get-FileHash Get-Item Get-ItemProperty Get-ItemPropertyValue Import-Alias Import-Clixml Import-Csv
    Invoke-Item Move-Item Move-ItemProperty New-ItemProperty Push-Location Remove-Item Remove-ItemProperty
    Rename-Item Rename-ItemProperty Resolve-Path Save-Module Save-Script Set-Acl Set-Content Set-Item
    Set-ItemProperty Set-Location Split-Path Test-Path Test-ScriptFileInfo Unblock-File""".split()}
LITERAL_PATH_COMMANDS.update({name.lower(): False for name in """
    Add-Type ConvertFrom-Markdown Export-FormatData Publish-Script Save-Package Select-String Select-Xml
    Show-Markdown""".split()})
SPLIT_PATH_ONLY_PARAMETERS = frozenset({"parent", "qualifier", "leaf", "leafbase", "extension", "noqualifier",
                                        "isabsolute"})

# Get-Verb (System.Management.Automation's Verbs* classes, PowerShell 7).
APPROVED_VERBS = frozenset(verb.lower() for verb in """
    Add Clear Close Copy Enter Exit Find Format Get Hide Join Lock Move New Open Optimize Pop Push Redo Remove Rename
    Reset Resize Search Select Set Show Skip Split Step Switch Undo Unlock Watch
    Connect Disconnect Read Receive Send Write
    Backup Checkpoint Compare Compress Convert ConvertFrom ConvertTo Dismount Edit Expand Export Group Import
    Initialize Limit Merge Mount Out Publish Restore Save Sync Unpublish Update
    Debug Measure Ping Repair Resolve Test Trace
    Approve Assert Build Complete Confirm Deny Deploy Disable Enable Install Invoke Register Request Restart Resume
    Start Stop Submit Suspend Uninstall Unregister Wait
    Block Grant Protect Revoke Unblock Unprotect
    Use""".split())

COMMON_PARAMETERS = frozenset(p.lower() for p in """Verbose Debug ErrorAction WarningAction InformationAction
    ErrorVariable WarningVariable InformationVariable OutVariable OutBuffer PipelineVariable WhatIf Confirm""".split())

# PSScriptAnalyzer's SpecialVars.InitializedVariables: automatic, preference and other
# initialized variables, never reported as unused or global.
SPECIAL_VARIABLES = frozenset(v.lower() for v in """foreach switch ? _ args this input PSCmdlet PSBoundParameters
    MyInvocation PSScriptRoot PSCommandPath ExecutionContext Matches PSVersionTable OFS FormatEnumerationLimit
    DebugPreference VerbosePreference ErrorActionPreference WhatIfPreference WarningPreference ConfirmPreference
    ProgressPreference InformationPreference Host MaximumHistoryCount OutputEncoding NestedPromptLevel StackTrace ^ $
    PSItem error env:PATHEXT PSEmailServer PSDefaultParameterValues PSModuleAutoLoadingPreference PWD null true false
    LastExitCode""".split())

# AvoidAssignmentToAutomaticVariable's lists.
READ_ONLY_AUTOMATIC = frozenset(v.lower() for v in """? true false Host PSCulture Error ExecutionContext Home PID
    PSEdition PSHome PSUICulture PSVersionTable ShellId""".split())
READ_ONLY_AUTOMATIC_6 = frozenset({"iscoreclr", "islinux", "ismacos", "iswindows"})
WRITABLE_AUTOMATIC = frozenset(v.lower() for v in """_ AllNodes Args ConsoleFilename Event EventArgs EventSubscriber
    ForEach Input Matches MyInvocation NestedPromptLevel Profile PSBoundParameters PsCmdlet PSCommandPath PSDebugContext
    PSItem PSScriptRoot PSSenderInfo Pwd ReportErrorShowExceptionClass ReportErrorShowInnerException
    ReportErrorShowSource ReportErrorShowStackTrace Sender StackTrace This""".split())
