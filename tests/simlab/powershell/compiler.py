"""PowerShell text to Python closures, once per distinct text.

The text is parsed with the tree-sitter PowerShell grammar (the one tests/unit uses); each
node the emulation implements becomes a closure, everything else is Unsupported at compile
time, naming the node kind and its line: a script the emulation cannot run fails before it
runs anything, never with a plausible result. A syntax error is PowerShell's ParseException.

Semantics, cited where implemented (about_X: reference/5.1/Microsoft.PowerShell.Core/About
of MicrosoftDocs/PowerShell-Docs):
- about_Scopes: a function or script block call runs in a new child scope of the caller's
  (dynamic scoping); reads walk up the chain, assignments create the variable locally.
- about_Functions, about_Return: everything a function's statements write that is not
  captured is its output; `return x` writes x and leaves.
- about_Pipelines, about_Arrays: output written to a pipeline is enumerated; a pipeline's
  value is $null for nothing, the object for one, object[] for more; @() always an array.
- about_Try_Catch_Finally, about_Throw, about_Preference_Variables: terminating errors go to
  the nearest catch; $_ there is the ErrorRecord; finally always runs; non-terminating errors
  follow -ErrorAction / $ErrorActionPreference; a statement-terminating error outside any
  try, with a preference other than Stop, is written and the script goes on.
- about_Switch, about_Foreach, about_If, about_Break, about_Continue: loops, with break and
  continue acting on the innermost loop or switch.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tree_sitter
import tree_sitter_powershell as tsp

from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell.runtime import PSThrow, Unsupported

PARSER = tree_sitter.Parser(tree_sitter.Language(tsp.language()))

Expr = Callable[["Frame"], Any]
Stmt = Callable[["Frame", list], None]


# -- control flow ---------------------------------------------------------------------------------
class ReturnSignal(Exception):
    pass


class BreakSignal(Exception):
    def __init__(self, label: str | None = None) -> None:
        self.label = label


class ContinueSignal(Exception):
    def __init__(self, label: str | None = None) -> None:
        self.label = label


# -- scopes and frames ----------------------------------------------------------------------------
class Scope:
    __slots__ = ("variables", "functions", "parent")

    def __init__(self, parent: Scope | None) -> None:
        self.variables: dict[str, Any] = {}
        self.functions: dict[str, Any] = {}
        self.parent = parent

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return True, scope.variables[name]
            scope = scope.parent
        return False, None

    def function(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            found = scope.functions.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None


class Frame:
    """Where a closure runs: the current scope and the run it belongs to (session.Run)."""

    __slots__ = ("scope", "run")

    def __init__(self, scope: Scope, run: Any) -> None:
        self.scope = scope
        self.run = run

    def get(self, name: str) -> Any:
        return self.scope.lookup(name)[1]

    def set(self, name: str, value: Any) -> None:
        self.scope.variables[name] = value

    def child(self) -> Frame:
        return Frame(Scope(self.scope), self.run)

    def preference(self) -> str:
        return rt.to_string(self.get("erroractionpreference") or "Continue")


@dataclass
class Parameter:
    name: str
    type: str | None
    default: Expr | None = None
    switch: bool = False


@dataclass
class ScriptBlock(rt.DotNet):
    """A compiled script block (System.Management.Automation.ScriptBlock)."""

    parameters: list[Parameter]
    body: Stmt
    text: str
    type_name: str = "System.Management.Automation.ScriptBlock"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_string(self) -> str:
        return self.text

    def invoke(self, frame: Frame, positional: list[Any], named: dict[str, Any] | None = None,
               own_scope: bool = True, out: list[Any] | None = None) -> list[Any]:
        """Run in a child scope of ``frame`` (or in it, for ForEach-Object and Where-Object's
        dot-sourced blocks) and return what it wrote (into ``out`` when given: what was
        written before a terminating error stays written)."""
        inner = frame.child() if own_scope else frame
        bind(inner, self.parameters, positional, named or {})
        out = [] if out is None else out
        try:
            self.body(inner, out)
        except ReturnSignal:
            pass
        return out


def loop_body(body: Stmt, frame: Frame, out: list) -> bool:
    """One pass of a loop's body; False when `break` ended the loop, `continue` ends only the
    pass (about_Break, about_Continue; labelled ones are not emulated)."""
    try:
        body(frame, out)
    except BreakSignal:
        return False
    except ContinueSignal:
        pass
    return True


def bind(frame: Frame, parameters: list[Parameter], positional: list[Any], named: dict[str, Any]) -> None:
    """Function parameter binding (about_Functions, "Functions with parameters"): named by
    full or unambiguous partial name, then positionally in declaration order; unbound
    parameters get their default or the typed conversion of $null; extra values go to $args."""
    values: dict[str, Any] = {}
    for given, value in named.items():
        matches = [p for p in parameters if p.name.lower() == given.lower()] or \
                  [p for p in parameters if p.name.lower().startswith(given.lower())]
        if len(matches) != 1:
            raise PSThrow(rt.error_record(rt.dotnet_exception(
                "System.Management.Automation.ParameterBindingException",
                "A parameter cannot be found that matches parameter name '%s'." % given),
                "NamedParameterNotFound", "InvalidArgument"), statement=True)
        values[matches[0].name.lower()] = value
    rest = list(positional)
    for parameter in parameters:
        key = parameter.name.lower()
        if key in values:
            continue
        if parameter.switch:
            values[key] = False
            continue
        if rest:
            values[key] = rest.pop(0)
    for parameter in parameters:
        key = parameter.name.lower()
        if key in values:
            value = values[key]
        elif parameter.default is not None:
            value = parameter.default(frame)
        else:
            value = None if parameter.type is None else rt.convert(None, parameter.type) \
                if parameter.type != "System.Object" else None
        if parameter.type is not None and parameter.type != "System.Object" and (key in values or value is not None):
            try:
                value = rt.convert(value, parameter.type)
            except PSThrow as exc:
                raise PSThrow(rt.error_record(rt.dotnet_exception(
                    "System.Management.Automation.ParameterBindingArgumentTransformationException",
                    "Cannot process argument transformation on parameter '%s'. %s"
                    % (parameter.name, exc.record.exception.message)),
                    "ParameterArgumentTransformationError", "InvalidData"), statement=True) from None
        frame.set(key, value)
    frame.set("args", rest)


# -- compile ----------------------------------------------------------------------------------------
# Statement coverage of every script compiled in this process, by its text: (the lines that
# hold a statement, the lines whose statement ran). tests/integration/test_executor_as_text.py
# reads it to show that end-to-end runs reach every statement of the executor and bootstrap.
COVERAGE: dict[str, tuple[set[int], set[int]]] = {}
# The lab's hosts run their commands in threads: without the lock, hosts that receive a new
# script at once would each compile it, the cache keeping one block and COVERAGE another's
# hits (that block never runs again: its statements would count as never reached).
_COMPILING = threading.Lock()


def compile_script(text: str) -> ScriptBlock:
    """The script text as a ScriptBlock; parsed and compiled once per distinct text."""
    with _COMPILING:
        return _compile_script(text)


@functools.lru_cache(maxsize=64)
def _compile_script(text: str) -> ScriptBlock:
    source = text.encode("utf-8")
    tree = PARSER.parse(source)
    if tree.root_node.has_error:
        # The grammar is not PowerShell's parser: what it cannot read may be valid PowerShell,
        # so it is refused, never reported as PowerShell's ParseException.
        line, message = _first_error(tree.root_node, source)
        raise Unsupported("text the PowerShell grammar cannot parse: %s" % message, line)
    compiler = Compiler(source)
    if text in COVERAGE:  # compiled again after the cache let it go: its runs count with the earlier ones
        compiler.hits = COVERAGE[text][1]
    block = compiler.script(tree.root_node)
    COVERAGE[text] = (compiler.lines, compiler.hits)
    return block


def _first_error(root: Any, source: bytes) -> tuple[int, str]:
    """(line, what) of the first node the grammar could not read."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            line = node.start_point[0]
            lines = source.splitlines()
            text = lines[line].decode("utf-8", "replace").strip() if line < len(lines) else ""
            return line + 1, "At line:%d char:%d + %s Unexpected token or missing element." % (
                line + 1, node.start_point[1] + 1, text)
        stack.extend(reversed(node.children))
    return 1, "The script has a syntax error."


# Nodes that wrap one expression when they have a single child.
WRAPPERS = {
    "logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
    "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
    "unary_expression", "logical_argument_expression", "bitwise_argument_expression",
    "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
    "format_argument_expression", "range_argument_expression", "argument_expression", "pipeline",
    "pipeline_chain", "statement_list", "script_block_body", "expression", "primary_expression",
    "integer_literal", "value", "left_assignment_expression", "member_name", "type_spec",
}
BINARY = {"logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
          "multiplicative_expression", "format_expression", "range_expression",
          "logical_argument_expression", "bitwise_argument_expression", "comparison_argument_expression",
          "additive_argument_expression", "multiplicative_argument_expression", "format_argument_expression",
          "range_argument_expression"}
COMPARISON = re.compile(r"^-([ci]?)(eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|"
                        r"replace|split)$", re.IGNORECASE)
FILTERS = {"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch"}
ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
SINCE_3 = (3, 0)
# Statement kinds and the Compiler method that compiles each.
STATEMENTS = {"if_statement": "if_statement", "foreach_statement": "foreach_statement",
              "while_statement": "while_statement", "for_statement": "for_statement",
              "switch_statement": "switch_statement", "try_statement": "try_statement",
              "function_statement": "function_statement", "flow_control_statement": "flow_control"}


class Compiler:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self.lines: set[int] = set()  # lines holding a statement
        self.hits: set[int] = set()  # lines whose statement ran

    # -- helpers --------------------------------------------------------------------------------
    def text(self, node: Any) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8")

    @staticmethod
    def line(node: Any) -> int:
        return node.start_point[0] + 1

    def unsupported(self, node: Any, what: str | None = None) -> Unsupported:
        return Unsupported(what or "%s %r" % (node.type, self.text(node)[:60]), self.line(node))

    @staticmethod
    def named(node: Any) -> list[Any]:
        return [c for c in node.children if c.is_named and c.type != "comment"]

    def unwrap(self, node: Any) -> Any:
        while node.type in WRAPPERS:
            kids = self.named(node)
            if len(kids) != 1 or len([c for c in node.children if c.type != "comment"]) != 1:
                break
            node = kids[0]
        return node

    # -- scripts and blocks --------------------------------------------------------------------
    def script(self, root: Any) -> ScriptBlock:
        parameters, statements = self.block_parts(self.named(root))
        return ScriptBlock(parameters, self.statements(statements), self.text(root))

    def block_parts(self, nodes: list[Any]) -> tuple[list[Parameter], list[Any]]:
        """A script's, function's or script block's parameters (its param block) and statement
        nodes; the grammar may wrap them in a script_block node."""
        parameters: list[Parameter] = []
        statements: list[Any] = []
        for node in nodes:
            if node.type == "param_block":
                parameters.extend(self.param_block(node))
            elif node.type == "script_block":
                inner = self.block_parts(self.named(node))
                parameters.extend(inner[0])
                statements.extend(inner[1])
            else:
                statements.append(node)
        return parameters, statements

    def param_block(self, node: Any) -> list[Parameter]:
        found = []
        for child in self.named(node):
            if child.type in ("script_parameter", "parameter_list"):
                found.extend(self.parameters(child))
            elif child.type == "attribute_list":
                raise self.unsupported(child, "attributes on a param block")
            else:
                raise self.unsupported(child)
        return found

    def parameters(self, node: Any) -> list[Parameter]:
        if node.type == "parameter_list":
            return [p for child in self.named(node) for p in self.parameters(child)]
        if node.type == "variable":
            return [Parameter(self.variable_name(node), None)]
        if node.type != "script_parameter":
            raise self.unsupported(node)
        name, type_name, default = None, None, None
        for child in self.named(node):
            if child.type == "variable":
                name = self.variable_name(child)
            elif child.type == "type_literal":
                type_name = rt.canonical_type(self.type_text(child))
            elif child.type == "attribute_list":
                for attribute in self.named(child):
                    kids = self.named(attribute)
                    if attribute.type != "attribute" or len(kids) != 1 or kids[0].type != "type_literal" \
                            or type_name is not None:
                        raise self.unsupported(attribute, "parameter attributes other than one type")
                    type_name = rt.canonical_type(self.type_text(kids[0]))
            elif child.type == "script_parameter_default":
                default = self.expression(self.named(child)[0])
            else:
                raise self.unsupported(child)
        if name is None:
            raise self.unsupported(node)
        if type_name == "System.Management.Automation.SwitchParameter":
            return [Parameter(name, None, default, switch=True)]
        return [Parameter(name, type_name, default)]

    def statements(self, nodes: list[Any]) -> Stmt:
        compiled: list[tuple[Stmt, int]] = []
        for node in nodes:
            for statement in self.flatten(node):
                try:
                    compiled.append((self.statement(statement), self.line(statement)))
                except Unsupported as exc:
                    if exc.line is None:
                        exc.line = self.line(statement)
                    raise
        if not compiled:
            return lambda frame, out: None
        hits = self.hits
        self.lines.update(line for _statement, line in compiled)

        def run(frame: Frame, out: list) -> None:
            for statement, line in compiled:
                hits.add(line)
                errors = len(frame.run.errors)
                try:
                    statement(frame, out)
                    frame.run.succeeded = len(frame.run.errors) == errors  # $? (about_Automatic_Variables)
                    frame.run.last_terminating = None
                except PSThrow as exc:
                    preference = frame.preference().lower()
                    if frame.run.try_depth or preference == "stop" or (
                            not exc.statement and preference not in ("silentlycontinue", "ignore")):
                        raise
                    # a statement-terminating error is written and the script goes on; with
                    # SilentlyContinue or Ignore even `throw` does not propagate (about_Throw)
                    frame.run.error_stream(exc.record, preference)
                    frame.run.succeeded = False
                    frame.run.last_terminating = exc.record
                except Unsupported as exc:
                    if exc.line is None:
                        exc.line = line
                    raise
        return run

    def flatten(self, node: Any) -> list[Any]:
        """The statements of a statement list (nested lists, separators and comments dropped)."""
        if node.type in ("statement_list", "script_block_body"):
            found = []
            for child in self.named(node):
                found.extend(self.flatten(child))
            return found
        if node.type in ("empty_statement", "comment"):
            return []
        return [node]

    def block(self, node: Any) -> Stmt:
        """A statement_block / script_block's statements."""
        if node.type not in ("statement_block", "script_block", "script_block_body", "statement_list"):
            raise self.unsupported(node)
        kids = [c for c in self.named(node) if c.type != "param_block"]
        if any(c.type == "param_block" for c in self.named(node)):
            raise self.unsupported(node, "a param block inside a statement block")
        return self.statements(kids)

    # -- statements -----------------------------------------------------------------------------
    def statement(self, node: Any) -> Stmt:
        node = self.unwrap(node)
        while node.type == "expression_with_unary_operator" and len(node.children) == 1:
            node = self.unwrap(node.children[0])
        kind = node.type
        if kind == "assignment_expression":
            assign = self.assignment(node)
            return lambda frame, out: assign(frame)
        if kind in STATEMENTS:
            return getattr(self, STATEMENTS[kind])(node)
        if kind in ("throw", "return", "break", "continue"):  # the grammar's bare keywords
            return self.flow_control(node, keyword_only=True)
        if kind in ("pipeline", "pipeline_chain", "command"):
            pipeline = self.pipeline(node)
            return lambda frame, out: out.extend(pipeline(frame))
        if kind in ("post_increment_expression", "post_decrement_expression", "pre_increment_expression",
                    "pre_decrement_expression") or (kind == "expression_with_unary_operator"
                                                    and node.children[0].type in ("++", "--")):
            step = self.expression(node)
            return lambda frame, out: (step(frame), None)[1]  # as a statement, ++ writes nothing
        if kind in ("trap_statement", "data_statement", "do_statement", "class_statement",
                    "enum_statement", "filter_statement", "workflow_statement"):
            raise self.unsupported(node, "the %s" % kind.replace("_", " "))
        if kind == "invokation_expression":
            expression = self.x_invokation_expression(node, keep_void=True)
        elif kind == "variable":
            expression = self.x_variable(node, raw=True)
        else:
            expression = self.expression(node)

        def write(frame: Frame, out: list) -> None:
            value = expression(frame)
            if value is rt.VOID or value is rt.NOTHING:
                return
            if rt.is_enumerable(value):
                out.extend(rt.enumerate_value(value))
            else:
                out.append(value)
        return write

    def if_statement(self, node: Any) -> Stmt:
        branches: list[tuple[Expr, Stmt]] = []
        otherwise: Stmt | None = None
        condition: Expr | None = None
        for child in node.children:
            if child.type == "statement_block" and condition is not None:
                branches.append((condition, self.block(child)))
                condition = None
                continue
            if child.type in ("if", "(", ")", "comment"):
                continue
            if child.type == "elseif_clauses":
                for clause in self.named(child):
                    branches.append(self.elseif(clause))
                continue
            if child.type == "elseif_clause":
                branches.append(self.elseif(child))
                continue
            if child.type == "else_clause":
                otherwise = self.block(self.named(child)[-1])
                continue
            if condition is None and child.is_named:
                condition = self.condition(child)
                continue
            raise self.unsupported(child, "if clause %s" % child.type)

        def run(frame: Frame, out: list) -> None:
            for test, body in branches:
                if rt.is_true(test(frame)):
                    body(frame, out)
                    return
            if otherwise is not None:
                otherwise(frame, out)
        return run

    def elseif(self, clause: Any) -> tuple[Expr, Stmt]:
        kids = self.named(clause)
        return self.condition(kids[0]), self.block(kids[-1])

    def condition(self, node: Any) -> Expr:
        """An if/while condition: a pipeline, whose output's truth decides."""
        return self.value(node)

    def foreach_statement(self, node: Any) -> Stmt:
        kids = self.named(node)
        if len(kids) != 3 or kids[0].type != "variable":
            raise self.unsupported(node, "this form of foreach")
        name = self.variable_name(kids[0])
        collection = self.value(kids[1])
        body = self.block(kids[2])

        def run(frame: Frame, out: list) -> None:
            value = collection(frame)
            if value is None and frame.run.version < SINCE_3:
                items: Any = [None]  # PowerShell 2.0 iterates once over $null (about_Foreach)
            else:
                items = rt.iterate(value)
            for item in items:
                frame.set(name, item)
                if not loop_body(body, frame, out):
                    break
        return run

    def for_statement(self, node: Any) -> Stmt:
        """for (init; condition; iterator) { } (about_For)."""
        parts: dict[str, Any] = {}
        body = None
        for index, child in enumerate(node.children):
            field_name = node.field_name_for_child(index)
            if field_name in ("for_initializer", "for_condition", "for_iterator"):
                parts[field_name] = child
            elif child.type == "statement_block":
                body = self.block(child)
        if body is None:
            raise self.unsupported(node)
        for field_name, part in list(parts.items()):
            inner = self.named(part)  # each part wraps one pipeline
            if len(inner) != 1:
                raise self.unsupported(part)
            parts[field_name] = inner[0]
        init = self.statement(parts["for_initializer"]) if "for_initializer" in parts else None
        condition = self.value(parts["for_condition"]) if "for_condition" in parts else None
        iterator = self.statement(parts["for_iterator"]) if "for_iterator" in parts else None

        def run(frame: Frame, out: list) -> None:
            if init is not None:
                init(frame, out)
            while condition is None or rt.is_true(condition(frame)):
                if not loop_body(body, frame, out):
                    break
                if iterator is not None:
                    iterator(frame, out)
        return run

    def while_statement(self, node: Any) -> Stmt:
        condition, body = None, None
        for child in self.named(node):
            if child.type == "while_condition":
                condition = self.condition(self.named(child)[0])
            elif child.type == "statement_block":
                body = self.block(child)
            elif condition is None:
                condition = self.condition(child)
            else:
                raise self.unsupported(child)
        if condition is None or body is None:
            raise self.unsupported(node)

        def run(frame: Frame, out: list) -> None:
            while rt.is_true(condition(frame)):
                if not loop_body(body, frame, out):
                    break
        return run

    def switch_statement(self, node: Any) -> Stmt:
        """about_Switch: each value of the subject (an array runs per element) is tested against
        every clause; all matching clauses run; default when none matched; `break` leaves the
        switch, `continue` goes on with the next value. Strings compare case-insensitively
        unless -CaseSensitive; -Wildcard and -Regex change how a clause's value matches."""
        subject: Expr | None = None
        clauses: list[tuple[str, Any, Stmt]] = []
        mode = "exact"
        case_sensitive = False
        for child in self.named(node):
            if child.type in ("switch_parameters", "switch_parameter"):
                for flag in (child.children if child.type == "switch_parameters" else [child]):
                    text = self.text(flag).lower().lstrip("-")
                    if text in ("regex", "wildcard", "exact"):
                        mode = text
                    elif text == "casesensitive":
                        case_sensitive = True
                    else:
                        raise self.unsupported(flag, "the switch parameter -%s" % text)
            elif child.type == "switch_condition":
                subject = self.value(self.named(child)[0])
            elif child.type == "switch_body":
                for holder in self.named(child):
                    for clause in (self.named(holder) if holder.type == "switch_clauses" else [holder]):
                        clauses.append(self.switch_clause(clause))
            else:
                raise self.unsupported(child)
        if subject is None:
            raise self.unsupported(node)

        def hit(frame: Frame, kind: str, test: Any, item: Any) -> bool:
            if kind == "block":
                return rt.is_true(rt.collapse(test.invoke(frame, [], own_scope=False)))
            pattern = test(frame)
            if mode == "regex":
                found = rt.regex(rt.to_string(pattern), case_sensitive).search(rt.to_string(item))
                if found:
                    set_matches(frame, found)
                return bool(found)
            if mode == "wildcard":
                return bool(rt.wildcard(rt.to_string(pattern), case_sensitive).match(rt.to_string(item)))
            if isinstance(pattern, str) or isinstance(item, str):
                return rt.equals(rt.to_string(item), rt.to_string(pattern), case_sensitive) \
                    if item is not None else pattern is None
            return rt.equals(item, pattern, case_sensitive)

        def run(frame: Frame, out: list) -> None:
            value = subject(frame)
            items = rt.enumerate_value(value) if rt.is_enumerable(value) else [value]
            saved = frame.scope.lookup("_")
            try:
                for item in items:
                    frame.set("_", item)
                    try:
                        matched = False
                        for kind, test, body in clauses:
                            if kind != "default" and hit(frame, kind, test, item):
                                matched = True
                                frame.set("_", item)
                                body(frame, out)
                        if not matched:
                            for kind, _test, body in clauses:
                                if kind == "default":
                                    body(frame, out)
                    except ContinueSignal as signal:
                        if signal.label:
                            raise
            except BreakSignal as signal:
                if signal.label:
                    raise
            finally:
                if saved[0]:
                    frame.set("_", saved[1])
        return run

    def switch_clause(self, clause: Any) -> tuple[str, Any, Stmt]:
        kids = self.named(clause)
        if clause.type != "switch_clause" or len(kids) != 2:
            raise self.unsupported(clause, "this switch clause")
        condition, body = kids
        text = self.text(condition).strip()
        inner = self.named(condition)
        target = self.unwrap(inner[0]) if inner else condition
        if text.lower() == "default":
            return "default", None, self.block(body)
        if target.type == "script_block_expression":
            return "block", self.script_block(target), self.block(body)
        if target.type in ("string_literal", "expandable_string_literal", "variable", "decimal_integer_literal"):
            return "value", self.expression(target), self.block(body)
        if text.startswith("'") and text.endswith("'"):
            constant = text[1:-1].replace("''", "'")
            return "value", (lambda frame: constant), self.block(body)
        if text.startswith('"') and text.endswith('"') and "$" not in text and "`" not in text:
            constant = text[1:-1].replace('""', '"')
            return "value", (lambda frame: constant), self.block(body)
        if re.fullmatch(r"-?\d+", text):
            number = int(text)
            return "value", (lambda frame: number), self.block(body)
        if re.fullmatch(r"[A-Za-z_][\w.*?-]*", text):
            return "value", (lambda frame: text), self.block(body)  # a bareword is a string (about_Switch)
        raise self.unsupported(condition, "the switch clause condition %r" % text)

    def try_statement(self, node: Any) -> Stmt:
        body: Stmt | None = None
        catches: list[tuple[list[str], Stmt]] = []
        final: Stmt | None = None
        for child in self.named(node):
            if child.type == "statement_block" and body is None:
                body = self.block(child)
            elif child.type == "catch_clauses":
                for clause in self.named(child):
                    catches.append(self.catch_clause(clause))
            elif child.type == "catch_clause":
                catches.append(self.catch_clause(child))
            elif child.type == "finally_clause":
                final = self.block(self.named(child)[-1])
            else:
                raise self.unsupported(child)
        if body is None:
            raise self.unsupported(node)

        def run(frame: Frame, out: list) -> None:
            try:
                frame.run.try_depth += 1
                try:
                    body(frame, out)
                finally:
                    frame.run.try_depth -= 1
            except PSThrow as exc:
                for types, handler in catches:
                    if not types or any(_catches(exc.record.exception, t) for t in types):
                        saved = frame.scope.lookup("_")
                        frame.set("_", exc.record)
                        frame.run.caught.append(exc.record)
                        try:
                            handler(frame, out)
                        finally:
                            frame.run.caught.pop()
                            if saved[0]:
                                frame.set("_", saved[1])
                        break
                else:
                    raise
            finally:
                if final is not None:
                    final(frame, out)
        return run

    def catch_clause(self, clause: Any) -> tuple[list[str], Stmt]:
        types: list[str] = []
        body = None
        for child in self.named(clause):
            if child.type == "catch_type_list":
                types.extend(rt.canonical_type(self.type_text(t)) for t in self.named(child))
            elif child.type == "type_literal":
                types.append(rt.canonical_type(self.type_text(child)))
            elif child.type == "statement_block":
                body = self.block(child)
            else:
                raise self.unsupported(child)
        if body is None:
            raise self.unsupported(clause)
        return types, body

    def function_statement(self, node: Any) -> Stmt:
        name, parameters, body = None, [], None
        for child in self.named(node):
            if child.type == "function_name":
                name = self.text(child)
            elif child.type == "function_parameter_declaration":
                for part in self.named(child):
                    parameters.extend(self.parameters(part))
            elif child.type in ("script_block", "param_block"):
                found, statements = self.block_parts([child])
                parameters.extend(found)
                body = self.statements(statements) if statements else body
            else:
                raise self.unsupported(child)
        keyword = self.text(node.children[0]).lower()
        if keyword != "function" or name is None:
            raise self.unsupported(node, "a %s definition" % keyword)
        block = ScriptBlock(parameters, body or (lambda frame, out: None), self.text(node))
        key = name.lower()

        def define(frame: Frame, out: list) -> None:
            frame.scope.functions[key] = block
        return define

    def flow_control(self, node: Any, keyword_only: bool = False) -> Stmt:
        keyword = (node.type if keyword_only else node.children[0].type).lower()
        kids = [] if keyword_only else self.named(node)[0:]
        kids = [k for k in kids if k.type not in ("return", "throw", "break", "continue", "exit")]
        if keyword == "return":
            pipeline = self.pipeline(kids[0]) if kids else None

            def run_return(frame: Frame, out: list) -> None:
                if pipeline is not None:
                    out.extend(pipeline(frame))
                raise ReturnSignal()
            return run_return
        if keyword == "throw":
            value = self.value(kids[0]) if kids else None

            def run_throw(frame: Frame, out: list) -> None:
                if value is None:
                    if frame.run.caught:  # a bare throw in a catch block rethrows (about_Throw)
                        raise PSThrow(frame.run.caught[-1])
                    raise PSThrow(rt.error_record(rt.dotnet_exception(
                        "System.Management.Automation.RuntimeException", "ScriptHalted"), "ScriptHalted",
                        "OperationStopped"))
                raise PSThrow(thrown(value(frame)))
            return run_throw
        if keyword in ("break", "continue"):
            if kids:
                raise self.unsupported(node, "a labelled %s" % keyword)
            signal = BreakSignal if keyword == "break" else ContinueSignal

            def run_loop(frame: Frame, out: list) -> None:
                raise signal()
            return run_loop
        raise self.unsupported(node, "the %s statement" % keyword)

    # -- assignment -----------------------------------------------------------------------------
    def assignment(self, node: Any) -> Callable[[Frame], None]:
        target_node = self.unwrap(node.children[0])
        operator = self.text(node.children[1]).strip()
        value_node = node.child_by_field_name("value") or node.children[2]
        to_variable = operator == "=" and self.unwrap(node.children[0]).type == "variable"
        value = self.value(value_node, keep_nothing=to_variable)
        if operator not in ("=", "+=", "-=", "*=", "/=", "%="):
            raise self.unsupported(node.children[1], "the assignment operator %s" % operator)
        arithmetic = None if operator == "=" else operator[0]
        kind = target_node.type
        if kind == "variable":
            name = self.variable_name(target_node)
            scope_kind = self.variable_scope(target_node)
            if name in ("null", "true", "false"):
                if name == "null" and operator == "=":
                    return lambda frame: (value(frame), None)[1]  # $null = ... discards (about_Automatic_Variables)
                raise self.unsupported(target_node, "assigning $%s" % name)

            def assign_variable(frame: Frame) -> None:
                new = value(frame)
                if arithmetic is not None:
                    # compound assignment does not use dynamic scoping: the current scope's
                    # variable, or $null (about_Assignment_Operators)
                    current = frame.scope.variables.get(name)
                    new = rt.arithmetic(arithmetic, None if current is rt.NOTHING else current, new)
                if scope_kind == "env":
                    frame.run.set_env(name, new)
                elif scope_kind in ("script", "global"):
                    frame.run.scope_named(scope_kind).variables[name] = new
                else:
                    frame.set(name, new)
            return assign_variable
        if kind == "member_access":
            owner, member, static = self.member_parts(target_node)

            def assign_member(frame: Frame) -> None:
                obj = owner(frame)
                name = member(frame)
                new = value(frame)
                if arithmetic is not None:
                    new = rt.arithmetic(arithmetic, frame.run.members.get(obj, name, static), new)
                frame.run.members.set(obj, name, new, static)
            return assign_member
        if kind == "element_access":
            owner_node, index_node = self.named(target_node)[0], self.named(target_node)[1]
            owner_expr = self.expression(owner_node)
            index_expr = self.value(index_node)

            def assign_element(frame: Frame) -> None:
                obj = owner_expr(frame)
                index = index_expr(frame)
                new = value(frame)
                if arithmetic is not None:
                    new = rt.arithmetic(arithmetic, frame.run.members.index(obj, index), new)
                frame.run.members.set_index(obj, index, new)
            return assign_element
        raise self.unsupported(target_node, "assignment to %s" % kind)

    # -- pipelines and commands --------------------------------------------------------------------
    def pipeline(self, node: Any) -> Callable[[Frame], list]:
        """A pipeline as a closure returning its output objects."""
        node = self.unwrap(node) if node.type != "command" else node
        if node.type in ("pipeline_chain", "pipeline"):
            stages = list(self.named(node))
            if any(c.type in ("&&", "||") for c in node.children):
                raise self.unsupported(node, "a pipeline chain (&&, ||: PowerShell 7)")
        else:
            stages = [node]
        compiled = []
        for index, raw in enumerate(stages):
            stage = self.unwrap(raw) if raw.type != "command" else raw
            if stage.type == "command":
                compiled.append(("command", self.command(stage)))
            elif index == 0:
                compiled.append(("expression", self.x_variable(stage, raw=True) if stage.type == "variable"
                                 else self.expression(stage)))
            else:
                raise self.unsupported(stage, "an expression after a pipe")
        if len(compiled) == 1 and compiled[0][0] == "expression":
            expression = compiled[0][1]

            def single(frame: Frame) -> list:
                value = expression(frame)
                if value is rt.NOTHING:
                    return []
                return list(rt.enumerate_value(value)) if rt.is_enumerable(value) else [value]
            return single

        def run(frame: Frame) -> list:
            items: list | None = None
            for kind, stage in compiled:
                if kind == "expression":
                    value = stage(frame)
                    items = [] if value is rt.NOTHING else \
                        list(rt.enumerate_value(value)) if rt.is_enumerable(value) else [value]
                else:
                    items = stage(frame, items)
            return items or []
        return run

    def command(self, node: Any) -> Callable[[Frame, list | None], list]:
        name_node = node.child_by_field_name("command_name")
        elements = node.child_by_field_name("command_elements")
        invocation = self.text(node.children[0]) if node.children and \
            node.children[0].type in ("command_invokation_operator", ".") else None
        if invocation == "." and name_node is not None and self.unwrap(name_node).type == "script_block_expression":
            block = self.script_block(self.unwrap(name_node))
            if elements is not None:
                raise self.unsupported(node, "arguments to a dot-sourced script block")
            # dot-sourcing runs the block in the current scope (about_Scopes, "Dot source notation")
            return lambda frame, items: block.invoke(frame, [], own_scope=False)
        arguments = self.command_arguments(elements) if elements is not None else []
        if invocation == "&":
            target_node = self.named(name_node)[0] if name_node.type == "command_name_expr" else name_node
            if target_node.type == "path_command_name":
                kids = self.named(target_node)
                if len(kids) != 1 or kids[0].type != "variable":
                    raise self.unsupported(target_node, "invoking a command by path")
                target_node = kids[0]
            target = self.expression(target_node)

            def call_block(frame: Frame, items: list | None) -> list:
                block = target(frame)
                if isinstance(block, str):
                    return frame.run.call(frame, block, arguments, items, self.line(node))
                if not isinstance(block, ScriptBlock):
                    raise rt.runtime_error("The expression after '&' in a pipeline element produced an object "
                                           "that was not valid. It must result in a command name, a script "
                                           "block, or a CommandInfo object.", "BadExpression")
                positional, named = evaluate_arguments(frame, arguments, None)
                if items is not None:
                    raise self.unsupported(node, "piping into an invoked script block")
                return block.invoke(frame, positional, named)
            return call_block
        if invocation == ".":
            raise self.unsupported(node, "dot-sourcing")
        if name_node is None or name_node.type != "command_name":
            raise self.unsupported(node, "this command form")
        name = self.text(name_node)
        if re.fullmatch(r"-?\d+\.\.-?\d+", name) and (elements is None or not self.named(elements) or all(
                c.type == "command_argument_sep" for c in self.named(elements))):
            # the grammar reads a literal range (0..9) in some positions as a command name
            low, high = (int(x) for x in re.fullmatch(r"(-?\d+)\.\.(-?\d+)", name).groups())
            return lambda frame, items: rt.range_of(low, high)
        line = self.line(node)

        def call(frame: Frame, items: list | None) -> list:
            return frame.run.call(frame, name, arguments, items, line)
        return call

    def command_arguments(self, elements: Any) -> list[tuple[str, Any, Any]]:
        """("param", name, value-or-None) and ("arg", closure, None), in order. A member access
        written against a parenthesised argument list is a method call (argument mode)."""
        kids = [c for c in elements.children if c.type != "comment" and (
            c.type != "command_argument_sep" or self.text(c).strip() == ":")]
        found: list[tuple[str, Any, Any]] = []
        index = 0
        while index < len(kids):
            child = kids[index]
            following = kids[index + 1] if index + 1 < len(kids) else None
            if child.type == "command_parameter":
                text = self.text(child)
                if following is not None and self.text(following) == ":" and index + 2 < len(kids):
                    # -Name:value binds the value to the parameter, a switch too (about_Parameters)
                    found.append(("param", text[1:], None))
                    found.append(("colon", self.expression(kids[index + 2]), None))
                    index += 3
                    continue
                if text.endswith(":"):
                    raise self.unsupported(child, "a -Parameter: argument")
                found.append(("param", text[1:], None))
            elif child.type == "redirection" or child.type.endswith("redirection"):
                raise self.unsupported(child, "redirection")
            elif child.type == "generic_token":
                found.append(("arg", self.bareword(child), None))
            elif child.type == "argument_list":
                found.append(("arg", self.argument_list_value(child), None))
            elif following is not None and following.type == "argument_list" and \
                    following.start_byte == child.end_byte and self.unwrap(child).type == "member_access":
                owner, member, static = self.member_parts(self.unwrap(child))
                arguments = self.argument_values(following)
                found.append(("arg", self.method_call(owner, member, static, arguments, child), None))
                index += 2
                continue
            else:
                expression = self.expression(child)
                found.append(("arg", expression, None))
            index += 1
        return found

    def bareword(self, node: Any) -> Expr:
        """A generic token argument is a string (about_Parsing, argument mode)."""
        text = self.text(node)
        if any(c in text for c in "$`\"'@"):
            raise self.unsupported(node, "the argument-mode token %r" % text)
        return lambda frame: text

    def argument_list_value(self, node: Any) -> Expr:
        values = self.argument_values(node)

        def value(frame: Frame) -> Any:
            found = [v(frame) for v in values]
            return found[0] if len(found) == 1 else found
        return value

    # -- expressions ------------------------------------------------------------------------------
    def value(self, node: Any, keep_nothing: bool = False) -> Expr:
        """What a pipeline in value position gives (an assignment's right side, a condition):
        a command pipeline collapses to $null, one object, or object[] (about_Pipelines); with
        ``keep_nothing`` (an assignment) no output at all is AutomationNull."""
        inner = self.unwrap(node)
        if inner.type in ("command", "pipeline", "pipeline_chain") or (
                node.type in ("pipeline", "pipeline_chain") and len(self.named(node)) > 1):
            pipeline = self.pipeline(node)
            if keep_nothing:
                def collapse_or_nothing(frame: Frame) -> Any:
                    found = pipeline(frame)
                    return rt.collapse(found) if found else rt.NOTHING
                return collapse_or_nothing
            return lambda frame: rt.collapse(pipeline(frame))
        if inner.type in ("assignment_expression",):
            raise self.unsupported(inner, "an assignment used as a value")
        if inner.type in ("switch_statement", "foreach_statement", "if_statement", "while_statement", "for_statement",
                          "try_statement"):
            # a statement on the right of = gives what it writes (about_Assignment_Operators)
            statement = self.statement(inner)

            def run(frame: Frame) -> Any:
                out: list = []
                statement(frame, out)
                return rt.collapse(out) if out else rt.NOTHING if keep_nothing else None
            return run
        return self.expression(inner)

    def expression(self, node: Any) -> Expr:
        node = self.unwrap(node)
        kind = node.type
        method = getattr(self, "x_" + ("variable" if kind == "$_" else kind), None)  # $_ is a variable node
        if method is None:
            if kind in BINARY:
                return self.binary(node)
            if kind in ("command", "pipeline", "pipeline_chain"):
                return self.value(node)
            raise self.unsupported(node)
        return method(node)

    # literals
    def x_decimal_integer_literal(self, node: Any) -> Expr:
        text = self.text(node)
        if not text.isdigit():
            raise self.unsupported(node, "the numeric literal %s (suffixes)" % text)
        number = int(text)
        # about_Numeric_Literals: the smallest of Int32, Int64, Decimal, Double that holds it.
        value: Any = number if number <= rt.INT32[1] else rt.Int64(number) if number < 2**63 else float(number)
        return lambda frame: value

    def x_hexadecimal_integer_literal(self, node: Any) -> Expr:
        text = self.text(node)
        digits = text[2:]
        if not re.fullmatch(r"[0-9a-fA-F]+", digits):
            raise self.unsupported(node, "the numeric literal %s (suffixes)" % text)
        number = int(digits, 16)
        # about_Numeric_Literals (5.1): a hex literal of up to 8 digits is an Int32, so
        # 0xFFFFFFFF is -1; up to 16 digits an Int64.
        if number <= 0xFFFFFFFF:
            value: Any = number - 2**32 if number > rt.INT32[1] else number
        elif number <= 0xFFFFFFFFFFFFFFFF:
            value = rt.Int64(number - 2**64 if number >= 2**63 else number)
        else:
            raise self.unsupported(node, "a hex literal wider than 64 bits")
        return lambda frame: value

    def x_real_literal(self, node: Any) -> Expr:
        text = self.text(node)
        try:
            value = float(text)
        except ValueError:
            raise self.unsupported(node, "the numeric literal %s" % text) from None
        return lambda frame: value

    def x_string_literal(self, node: Any) -> Expr:
        kids = self.named(node)
        if kids and kids[0].type == "expandable_string_literal":
            return self.x_expandable_string_literal(kids[0])
        if kids and kids[0].type in ("expandable_here_string_literal", "verbatim_here_string_characters"):
            raise self.unsupported(node, "here-strings")
        text = self.text(node)
        if text.startswith("@"):
            raise self.unsupported(node, "here-strings")
        if not (text.startswith("'") and text.endswith("'")):
            raise self.unsupported(node)
        value = text[1:-1].replace("''", "'")  # about_Quoting_Rules: two single quotes are one
        return lambda frame: value

    def x_verbatim_string_characters(self, node: Any) -> Expr:
        return self.x_string_literal(node)

    def x_expandable_string_literal(self, node: Any) -> Expr:
        """about_Quoting_Rules: variables and $() expand; `x escapes; "" is one quote."""
        text = self.text(node)
        if not (text.startswith('"') and text.endswith('"')):
            raise self.unsupported(node, "here-strings")
        parts: list[Any] = []
        position = node.start_byte + 1
        end = node.end_byte - 1
        for child in node.children:
            if child.start_byte < position or child.end_byte > end:
                continue
            if child.start_byte > position:
                parts.append(self.escapes(self.source[position:child.start_byte].decode("utf-8"), child))
            if child.type == '""':
                parts.append('"')
            elif child.type == "variable":
                parts.append(self.string_variable(child))
            elif child.type == "sub_expression":
                parts.append(self.x_sub_expression(child))
            else:
                raise self.unsupported(child, "%s inside a string" % child.type)
            position = child.end_byte
        if position < end:
            parts.append(self.escapes(self.source[position:end].decode("utf-8"), node))
        if all(isinstance(p, str) for p in parts):
            constant = "".join(parts)
            return lambda frame: constant

        def expand(frame: Frame) -> str:
            ofs = frame.get("ofs")
            separator = " " if ofs is None else rt.to_string(ofs)
            return "".join(p if isinstance(p, str) else rt.to_string(p(frame), separator) for p in parts)
        return expand

    def string_variable(self, node: Any) -> Expr:
        text = self.text(node)
        if text.endswith(":"):
            raise self.unsupported(node, "the string text %r (a ':' after a variable name)" % text)
        return self.x_variable(node)

    def escapes(self, text: str, node: Any) -> str:
        out = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "`" and index + 1 < len(text):
                following = text[index + 1]
                if following == "u" and text[index + 2:index + 3] == "{":
                    raise self.unsupported(node, "`u{} (PowerShell 6)")
                out.append(ESCAPES.get(following, following))
                index += 2
                continue
            if char == '"' and text[index + 1:index + 2] == '"':
                out.append('"')
                index += 2
                continue
            if char == "$" and index + 1 < len(text) and (text[index + 1].isalnum() or text[index + 1] in "_{(?"):
                raise self.unsupported(node, "the string text %r" % text)
            out.append(char)
            index += 1
        return "".join(out)

    # variables
    def variable_name(self, node: Any) -> str:
        text = self.text(node)
        if text.startswith("${"):
            raise self.unsupported(node, "${...} variable names")
        if text.startswith("@"):
            raise self.unsupported(node, "splatting")
        name = text[1:]
        if ":" in name:
            name = name.split(":", 1)[1]
        return name.lower()

    def variable_scope(self, node: Any) -> str | None:
        text = self.text(node)[1:]
        if ":" not in text:
            return None
        prefix = text.split(":", 1)[0].lower()
        if prefix not in ("env", "script", "global", "local"):
            raise self.unsupported(node, "the variable %s" % self.text(node))
        return None if prefix == "local" else prefix

    def x_variable(self, node: Any, raw: bool = False) -> Expr:
        name = self.variable_name(node)
        scope = self.variable_scope(node)
        if scope == "env":
            return lambda frame: frame.run.env(name)
        if scope in ("script", "global"):
            return lambda frame: frame.run.scope_named(scope).variables.get(name)
        if name == "null":
            return lambda frame: None
        if name == "true":
            return lambda frame: True
        if name == "false":
            return lambda frame: False
        if name in ("?", "^", "$", "lastexitcode", "myinvocation", "foreach", "switch", "this", "event", "pscmdlet",
                    "psboundparameters", "host", "executioncontext", "pwd", "pshome", "profile", "stacktrace",
                    "psscriptroot", "pscommandpath"):
            raise self.unsupported(node, "the automatic variable $%s" % name)
        if name == "psitem":
            name = "_"

        def read(frame: Frame) -> Any:
            scope_: Scope | None = frame.scope
            while scope_ is not None:
                variables = scope_.variables
                if name in variables:
                    found = variables[name]
                    return None if found is rt.NOTHING else found
                scope_ = scope_.parent
            return None
        if raw:
            def read_raw(frame: Frame) -> Any:
                return frame.scope.lookup(name)[1]
            return read_raw
        return read

    # grouping
    def x_parenthesized_expression(self, node: Any) -> Expr:
        kids = self.named(node)
        if len(kids) != 1:
            raise self.unsupported(node)
        inner = self.unwrap(kids[0])
        if inner.type == "assignment_expression":
            raise self.unsupported(inner, "an assignment used as a value")
        return self.value(kids[0])

    def x_sub_expression(self, node: Any) -> Expr:
        body = self.statements(self.named(node))

        def run(frame: Frame) -> Any:
            out: list = []
            body(frame, out)
            return rt.collapse(out)
        return run

    def x_array_expression(self, node: Any) -> Expr:
        body = self.statements(self.named(node))

        def run(frame: Frame) -> list:
            out: list = []
            body(frame, out)
            return out
        return run

    def x_hash_literal_expression(self, node: Any) -> Expr:
        entries: list[tuple[Expr, Expr]] = []
        for child in self.named(node):
            holders = self.named(child) if child.type == "hash_literal_body" else [child]
            for entry in holders:
                if entry.type != "hash_entry":
                    raise self.unsupported(entry)
                kids = self.named(entry)
                key_node, value_node = kids[0], kids[-1]
                entries.append((self.hash_key(key_node), self.value(value_node)))
        return self.make_hashtable(entries, ordered=False)

    @staticmethod
    def make_hashtable(entries: list[tuple[Expr, Expr]], ordered: bool) -> Expr:
        def build(frame: Frame) -> rt.Hashtable:
            table = rt.Hashtable(ordered)
            for key, value in entries:
                table.add(key(frame), value(frame))
            return table
        return build

    def hash_key(self, node: Any) -> Expr:
        node = self.unwrap(node)
        if node.type == "key_expression":
            kids = self.named(node)
            if len(kids) == 1:
                return self.hash_key(kids[0])
        if node.type in ("simple_name", "generic_token"):
            text = self.text(node)
            return lambda frame: text
        return self.expression(node)

    def x_script_block_expression(self, node: Any) -> Expr:
        block = self.script_block(node)
        return lambda frame: block

    def script_block(self, node: Any) -> ScriptBlock:
        parameters, statements = self.block_parts(self.named(node))
        return ScriptBlock(parameters, self.statements(statements), self.text(node)[1:-1])

    # types
    def type_text(self, node: Any) -> str:
        text = self.text(node).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1].strip()
        if "," in text or "`" in text:
            raise self.unsupported(node, "the type name %s" % text)
        return text

    def x_type_literal(self, node: Any) -> Expr:
        from tests.simlab.powershell import dotnet
        full = rt.canonical_type(self.type_text(node))
        value = dotnet.TypeRef(full)
        return lambda frame: value

    def x_cast_expression(self, node: Any) -> Expr:
        kids = self.named(node)
        if len(kids) != 2 or kids[0].type != "type_literal":
            raise self.unsupported(node)
        name = self.type_text(kids[0])
        operand_node = self.unwrap(kids[1])
        if name.lower() == "ordered":
            if operand_node.type != "hash_literal_expression":
                raise self.unsupported(node, "[ordered] on something other than a hash literal")
            inner = self.x_hash_literal_expression(operand_node)

            def ordered(frame: Frame) -> rt.Hashtable:
                if frame.run.version < SINCE_3:
                    raise frame.run.missing_type("ordered")
                table = inner(frame)
                table.ordered = True
                return table
            return ordered
        target = rt.canonical_type(name)
        operand = self.expression(operand_node)
        if target == "System.Void":
            return lambda frame: (operand(frame), rt.VOID)[1]  # a void value writes nothing
        if target == "System.String":
            def to_text(frame: Frame) -> str:
                ofs = frame.get("ofs")  # $OFS joins an array's elements (about_Preference_Variables)
                return rt.to_string(operand(frame), " " if ofs is None else rt.to_string(ofs))
            return to_text
        return lambda frame: rt.convert(operand(frame), target)

    # members
    def member_parts(self, node: Any) -> tuple[Expr, Expr, bool]:
        """(owner, member name, static) of a member_access / invokation_expression."""
        kids = [c for c in node.children if c.type != "comment"]
        owner = kids[0]
        operator = kids[1].type
        name_node = kids[2]
        if operator not in (".", "::"):
            raise self.unsupported(node, "the member operator %s" % operator)
        static = operator == "::"
        owner_expr = self.expression(owner)
        inner = self.unwrap(name_node)
        if inner.type in ("simple_name", "member_name", "generic_token"):
            text = self.text(inner)

            def member(frame: Frame) -> str:
                return text
        elif inner.type in ("variable", "string_literal", "expandable_string_literal", "parenthesized_expression",
                            "sub_expression"):
            dynamic = self.expression(inner)

            def member(frame: Frame) -> str:
                return rt.to_string(dynamic(frame))
        else:
            raise self.unsupported(name_node, "the member name %s" % inner.type)
        return owner_expr, member, static

    def x_member_access(self, node: Any) -> Expr:
        if any(c.type == "script_block_expression" for c in node.children[3:]):
            raise self.unsupported(node, "the .Where{} / .ForEach{} intrinsic methods")
        owner, member, static = self.member_parts(node)

        def read(frame: Frame) -> Any:
            return frame.run.members.get(owner(frame), member(frame), static)
        return read

    def argument_values(self, node: Any) -> list[Expr]:
        values: list[Expr] = []
        for child in self.named(node):
            if child.type == "argument_expression_list":
                values.extend(self.expression(c) for c in self.named(child))
            else:
                values.append(self.expression(child))
        return values

    def x_invokation_expression(self, node: Any, keep_void: bool = False) -> Expr:
        kids = [c for c in node.children if c.type != "comment"]
        if len(kids) < 4 or kids[-1].type != "argument_list":
            raise self.unsupported(node)
        owner, member, static = self.member_parts(node)
        return self.method_call(owner, member, static, self.argument_values(kids[-1]), node, keep_void)

    def method_call(self, owner: Expr, member: Expr, static: bool, arguments: list[Expr], node: Any,
                    keep_void: bool = False) -> Expr:
        """A method call; a void method's VOID stays only for a statement to drop."""
        def call(frame: Frame) -> Any:
            target = owner(frame)
            name = member(frame)
            values = [a(frame) for a in arguments]
            result = frame.run.members.call(target, name, values, static)
            return None if result is rt.VOID and not keep_void else result
        return call

    def x_element_access(self, node: Any) -> Expr:
        kids = self.named(node)
        if len(kids) != 2:
            raise self.unsupported(node)
        owner = self.expression(kids[0])
        index = self.value(kids[1])
        return lambda frame: frame.run.members.index(owner(frame), index(frame))

    # ++ and -- (about_Assignment_Operators, "The increment and decrement operators")
    def x_post_increment_expression(self, node: Any) -> Expr:
        return self.step(node, 1, post=True)

    def x_post_decrement_expression(self, node: Any) -> Expr:
        return self.step(node, -1, post=True)

    def x_pre_increment_expression(self, node: Any) -> Expr:
        return self.step(node, 1, post=False)

    def x_pre_decrement_expression(self, node: Any) -> Expr:
        return self.step(node, -1, post=False)

    def step(self, node: Any, delta: int, post: bool) -> Expr:
        kids = self.named(node)
        if len(kids) != 1 or self.unwrap(kids[0]).type != "variable" or self.variable_scope(self.unwrap(kids[0])):
            raise self.unsupported(node, "++/-- on something other than a variable")
        name = self.variable_name(self.unwrap(kids[0]))

        def run(frame: Frame) -> Any:
            old = frame.get(name)
            old = None if old is rt.NOTHING else old
            new = rt.arithmetic("+", 0 if old is None else old, delta)
            frame.set(name, new)
            return old if post else new
        return run

    # operators
    def x_expression_with_unary_operator(self, node: Any) -> Expr:
        if len(node.children) == 1:
            return self.expression(node.children[0])
        operator = node.children[0].type.lower()
        if operator in ("++", "--"):
            return self.step(node, 1 if operator == "++" else -1, post=False)
        operand = self.expression(node.children[1]) if len(node.children) == 2 else None
        if operand is None:
            raise self.unsupported(node)
        if operator in ("-not", "!"):
            return lambda frame: not rt.is_true(operand(frame))
        if operator == "-":
            def negate(frame: Frame) -> Any:
                value = operand(frame)
                return -value if isinstance(value, float) else rt.arithmetic("-", 0, value)
            return negate
        if operator == "+":
            return lambda frame: rt.to_number(operand(frame))
        if operator == ",":
            return lambda frame: [operand(frame)]
        if operator == "-join":  # unary -join: the elements with nothing between (about_Join)
            def join(frame: Frame) -> str:
                value = operand(frame)
                return "" if value is None else "".join(rt.to_string(i) for i in rt.enumerate_value(value))
            return join
        if operator == "-bnot":
            return lambda frame: ~int(rt.to_number(operand(frame)))
        raise self.unsupported(node, "the unary operator %s" % operator)

    def x_array_literal_expression(self, node: Any) -> Expr:
        kids = self.named(node)
        if len(kids) == 1 and any(c.type == "," for c in node.children):
            element = self.expression(kids[0])
            return lambda frame: [element(frame)]
        elements = [self.expression(c) for c in kids]
        return lambda frame: [e(frame) for e in elements]

    def binary(self, node: Any) -> Expr:
        kids = [c for c in node.children if c.type != "comment"]
        if len(kids) == 1:
            return self.expression(kids[0])
        if node.type in ("array_literal_expression",):
            return self.x_array_literal_expression(node)
        if len(kids) % 2 == 0:
            raise self.unsupported(node)
        result = self.expression(kids[0])
        for index in range(1, len(kids), 2):
            operator = kids[index]
            right = self.expression(kids[index + 1])
            result = self.operator(operator, result, right, kids[index + 1])
        return result

    def operator(self, node: Any, left: Expr, right: Expr, right_node: Any) -> Expr:
        op = self.text(node).lower()
        if op == "-and":
            return lambda frame: rt.is_true(left(frame)) and rt.is_true(right(frame))
        if op == "-or":
            return lambda frame: rt.is_true(left(frame)) or rt.is_true(right(frame))
        if op == "-xor":
            return lambda frame: rt.is_true(left(frame)) != rt.is_true(right(frame))
        if op in ("+", "-", "*", "/", "%"):
            return lambda frame: rt.arithmetic(op, left(frame), right(frame))
        if op == "..":
            return lambda frame: rt.range_of(left(frame), right(frame))
        if op in ("-band", "-bor", "-bxor"):
            return lambda frame: rt.bitwise(op, left(frame), right(frame))
        if op == "-f":
            return lambda frame: rt.format_operator(left(frame), right(frame))
        if op == "-join":
            def join(frame: Frame) -> str:
                items = left(frame)
                separator = rt.to_string(right(frame))
                return separator.join(rt.to_string(i) for i in rt.enumerate_value(items)) if items is not None \
                    else ""
            return join
        if op in ("-is", "-isnot", "-as"):
            negate = op == "-isnot"

            def typed(frame: Frame) -> Any:
                from tests.simlab.powershell import dotnet
                target = right(frame)
                full = target.full_name if isinstance(target, dotnet.TypeRef) else rt.canonical_type(
                    rt.to_string(target))
                value = left(frame)
                if op == "-as":
                    return rt.try_convert(value, full)
                return rt.is_instance(value, full) != negate
            return typed
        match = COMPARISON.match(op)
        if not match:
            raise self.unsupported(node, "the operator %s" % op)
        case_sensitive = match.group(1) == "c"
        name = match.group(2)
        if name == "replace":
            def replace(frame: Frame) -> Any:
                value, spec = left(frame), right(frame)
                parts = rt.enumerate_value(spec) if isinstance(spec, list) else [spec]
                if len(parts) > 2:
                    raise Unsupported("-replace with %d operands" % len(parts))
                pattern = rt.regex(rt.to_string(parts[0]), case_sensitive)
                text = rt.to_string(parts[1]) if len(parts) == 2 else ""
                items = value if isinstance(value, list) else [value]
                done = [pattern.sub(lambda m: _substitute(m, text), rt.to_string(i)) for i in items]
                return done if isinstance(value, list) else done[0]
            return replace
        if name == "split":
            def split(frame: Frame) -> Any:
                value, spec = left(frame), right(frame)
                if isinstance(spec, list):
                    raise Unsupported("-split with a count or options")
                pattern = rt.regex(rt.to_string(spec), case_sensitive)
                found: list[str] = []
                for item in (value if isinstance(value, list) else [value]):
                    found.extend(pattern.split(rt.to_string(item)) if pattern.groups == 0 else
                                 [p for p in pattern.split(rt.to_string(item)) if p is not None])
                return found
            return split
        return self.comparison(name, case_sensitive, left, right)

    @staticmethod
    def comparison(name: str, case_sensitive: bool, left: Expr, right: Expr) -> Expr:
        def scalar(frame: Frame, value: Any, other: Any, scalar_left: bool) -> bool:
            if name == "eq":
                return rt.equals(value, other, case_sensitive)
            if name == "ne":
                return not rt.equals(value, other, case_sensitive)
            if name in ("gt", "ge", "lt", "le"):
                if value is None and other is None:
                    return name in ("ge", "le")
                order = rt.compare(value, other, case_sensitive)
                return {"gt": order > 0, "ge": order >= 0, "lt": order < 0, "le": order <= 0}[name]
            if name in ("match", "notmatch"):
                found = rt.regex(rt.to_string(other), case_sensitive).search(rt.to_string(value))
                if found and scalar_left:
                    set_matches(frame, found)
                return bool(found) == (name == "match")
            if name in ("like", "notlike"):
                hit = bool(rt.wildcard(rt.to_string(other), case_sensitive).match(rt.to_string(value)))
                return hit == (name == "like")
            raise Unsupported("the comparison -%s" % name)

        if name in ("contains", "notcontains"):
            return lambda frame: rt.contains(left(frame), right(frame), case_sensitive) == (name == "contains")
        if name in ("in", "notin"):
            def within(frame: Frame) -> bool:
                if frame.run.version < SINCE_3:
                    raise frame.run.parse_failure("-%s" % name)
                return rt.contains(right(frame), left(frame), case_sensitive) == (name == "in")
            return within

        def compare(frame: Frame) -> Any:
            value = left(frame)
            other = right(frame)
            if isinstance(value, list):  # an array on the left filters (about_Comparison_Operators)
                return [item for item in value if scalar(frame, item, other, False)]
            return scalar(frame, value, other, True)
        return compare


def set_matches(frame: Frame, found: re.Match[str]) -> None:
    """$Matches after a successful -match or switch -Regex (about_Automatic_Variables): the
    match as key 0, each group that took part by its number."""
    table = rt.Hashtable()
    table.set(0, found.group(0))
    for number, group in enumerate(found.groups(), start=1):
        if group is not None:
            table.set(number, group)
    frame.set("matches", table)


def _substitute(match: re.Match[str], text: str) -> str:
    """A .NET replacement pattern: $n and ${n} groups, $& the match, $$ a dollar; other $ text
    as is (learn.microsoft.com/dotnet/standard/base-types/substitutions-in-regular-expressions)."""
    out = []
    index = 0
    while index < len(text):
        found = re.match(r"\$(?:(\d+)|\{(\w+)\}|(&)|(\$))", text[index:])
        if not found:
            out.append(text[index])
            index += 1
            continue
        number, name, whole, dollar = found.groups()
        if dollar:
            out.append("$")
        elif whole:
            out.append(match.group(0))
        else:
            key = number or name
            if not key.isdigit():
                raise Unsupported("the named substitution ${%s} in -replace" % key)
            if int(key) > (match.re.groups or 0):
                out.append(found.group(0))
            else:
                out.append(match.group(int(key)) or "")
        index += len(found.group(0))
    return "".join(out)


def _catches(exception: Any, type_name: str) -> bool:
    """catch [T] matches the error's exception or, for PowerShell's RuntimeException wrappers,
    an inner one (about_Try_Catch_Finally; TryCatch.Tests.ps1, "Catch by type")."""
    while exception is not None:
        if rt.is_instance(exception, type_name):
            return True
        if not rt.is_instance(exception, "System.Management.Automation.RuntimeException"):
            return False
        exception = exception.inner
    return False


def thrown(value: Any) -> rt.ErrorRecord:
    """The ErrorRecord `throw <value>` raises (about_Throw): an ErrorRecord as is; an
    exception in a new record; anything else a RuntimeException with its text as message."""
    if isinstance(value, rt.ErrorRecord):
        return value
    if isinstance(value, rt.DotNetException):
        return rt.error_record(value, value.message, "OperationStopped", None)
    text = rt.to_string(value)
    return rt.error_record(rt.dotnet_exception("System.Management.Automation.RuntimeException", text), text,
                           "OperationStopped", value)


def evaluate_arguments(frame: Frame, arguments: list[tuple[str, Any, Any]],
                       switches: set[str] | None) -> tuple[list[Any], dict[str, Any]]:
    """Positional values and named ones for a function or script block: a -Name followed by
    an argument binds that value, unless it names a switch (``switches``, lower-case)."""
    positional: list[Any] = []
    named: dict[str, Any] = {}
    index = 0
    while index < len(arguments):
        kind, payload, _unused = arguments[index]
        if kind == "param" and index + 1 < len(arguments) and arguments[index + 1][0] == "colon":
            named[payload] = arguments[index + 1][1](frame)
            index += 2
            continue
        if kind == "param":
            is_switch = switches is not None and any(s.startswith(payload.lower()) for s in switches)
            if not is_switch and index + 1 < len(arguments) and arguments[index + 1][0] == "arg":
                named[payload] = arguments[index + 1][1](frame)
                index += 2
                continue
            named[payload] = True
        else:
            positional.append(payload(frame))
        index += 1
    return positional, named
