"""The WQL subset the lab understands: the WHERE condition of ``SELECT <props> FROM <class>``.

Grammar (WQL operators: https://learn.microsoft.com/windows/win32/wmisdk/wql-operators, WHERE
clause: https://learn.microsoft.com/windows/win32/wmisdk/where-clause):

    condition  := or
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" not | "(" condition ")" | comparison
    comparison := name op literal | literal op name | name "IS" ["NOT"] "NULL"
    op         := "=" | "<>" | "!=" | "<" | ">" | "<=" | ">="
    literal    := 'string' | "string" (backslash escapes) | integer (decimal, 0x hex) |
                  TRUE | FALSE | NULL

``= NULL`` and ``<> NULL`` mean IS NULL / IS NOT NULL, as WQL allows. Keywords and property
names are case-insensitive; string comparisons are too (WQL compares strings without regard
to case). A comparison with a NULL property value is false (SQL's unknown), so
``PartialProductKey <> 'X'`` does not select a product without a key.
Any syntax error, or a property the class does not have, is WBEM_E_INVALID_QUERY 0x80041017
(docs/licensing-facts.md §10.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

WBEM_E_INVALID_QUERY = 0x80041017


class WqlError(Exception):
    """WBEM_E_INVALID_QUERY: the condition is not valid for the class (docs/licensing-facts.md §10.1)."""

    hresult = WBEM_E_INVALID_QUERY


class NotEmulated(Exception):
    """A condition the lab does not evaluate (on an array property, e.g. a firewall port
    filter's LocalPort): the query fails loudly rather than answer as WMI might not."""


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>-?0[xX][0-9A-Fa-f]+|-?\d+)
    | (?P<op><>|!=|<=|>=|=|<|>)
    | (?P<paren>[()])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.VERBOSE)
KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE"}
FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "<>": "<>", "!=": "!="}
_NULL = object()  # the NULL literal


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, paren, word, keyword
    value: Any


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise WqlError("unexpected text at %d: %r" % (position, text[position:position + 20]))
        position = match.end()
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "string":
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "number":
            tokens.append(Token("number", int(raw, 16) if "x" in raw.lower() else int(raw, 10)))
        elif kind == "word" and raw.upper() in KEYWORDS:
            tokens.append(Token("keyword", raw.upper()))
        else:
            tokens.append(Token(kind, raw))
    return tokens


# A parsed condition is a function of an instance's property lookup.
Predicate = Callable[[Callable[[str], Any]], bool]


class _Parser:
    def __init__(self, tokens: list[Token], resolve: Callable[[str], tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0
        self.resolve = resolve  # property name as written -> (canonical name, CIM type)

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise WqlError("the condition ends too early")
        self.index += 1
        return token

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind and (value is None or token.value == value):
            self.index += 1
            return True
        return False

    def condition(self) -> Predicate:
        left = self.conjunction()
        while self.accept("keyword", "OR"):
            right = self.conjunction()
            left = _either(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while self.accept("keyword", "AND"):
            right = self.negation()
            left = _both(left, right)
        return left

    def negation(self) -> Predicate:
        if self.accept("keyword", "NOT"):
            inner = self.negation()
            return lambda get: not inner(get)
        if self.accept("paren", "("):
            inner = self.condition()
            if not self.accept("paren", ")"):
                raise WqlError("missing )")
            return inner
        return self.comparison()

    def literal(self) -> Any:
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "keyword" and token.value in ("TRUE", "FALSE"):
            return token.value == "TRUE"
        if token.kind == "keyword" and token.value == "NULL":
            return _NULL
        raise WqlError("expected a constant, found %r" % (token.value,))

    def comparison(self) -> Predicate:
        token = self.peek()
        if token is not None and token.kind == "word":
            self.index += 1
            name, cim_type = self.resolve(token.value)
            _scalar(name, cim_type)
            if self.accept("keyword", "IS"):
                negate = self.accept("keyword", "NOT")
                if not self.accept("keyword", "NULL"):
                    raise WqlError("IS must be followed by [NOT] NULL")
                return _null_test(name, negate)
            op = self.take()
            if op.kind != "op":
                raise WqlError("expected an operator after %s" % name)
            return _compare(name, cim_type, op.value, self.literal())
        value = self.literal()  # a constant on the left: 'x' = Name
        op = self.take()
        if op.kind != "op":
            raise WqlError("expected an operator")
        word = self.take()
        if word.kind != "word":
            raise WqlError("a comparison needs a property name")
        name, cim_type = self.resolve(word.value)
        _scalar(name, cim_type)
        return _compare(name, cim_type, FLIP[op.value], value)


def _scalar(name: str, cim_type: str) -> None:
    if cim_type.endswith("[]"):
        raise NotEmulated("a WQL condition on the array property %s" % name)


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda get: a(get) or b(get)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda get: a(get) and b(get)


def _null_test(name: str, negate: bool) -> Predicate:
    return lambda get: (get(name) is not None) if negate else (get(name) is None)


def _coerce(cim_type: str, value: Any) -> Any:
    """The literal as a value of the property's type (WMI converts constants to the
    property's type; a constant that cannot be converted makes the query invalid)."""
    if cim_type in ("uint32", "uint64", "uint16", "sint32"):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value, 0)
            except ValueError:
                raise WqlError("%r is not a number" % value) from None
        return value
    if cim_type == "boolean":
        if isinstance(value, str) and value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if isinstance(value, int):
            return bool(value)
        raise WqlError("%r is not a boolean" % (value,))
    return str(value).lower() if not isinstance(value, bool) else str(value).upper()


def _compare(name: str, cim_type: str, op: str, literal: Any) -> Predicate:
    if literal is _NULL:
        if op == "=":
            return _null_test(name, negate=False)
        if op in ("<>", "!="):
            return _null_test(name, negate=True)
        raise WqlError("NULL can only be compared with = or <>")
    wanted = _coerce(cim_type, literal)

    def test(get: Callable[[str], Any]) -> bool:
        actual = get(name)
        if actual is None:
            return False
        if isinstance(wanted, str):
            actual = str(actual).lower() if not isinstance(actual, bool) else str(actual).upper()
        return _OPS[op](actual, wanted)

    return test


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def resolver(properties: Mapping[str, str]) -> Callable[[str], tuple[str, str]]:
    """Case-insensitive lookup of a property name in {canonical name: CIM type}."""
    by_lower = {name.lower(): (name, cim_type) for name, cim_type in properties.items()}

    def resolve(name: str) -> tuple[str, str]:
        try:
            return by_lower[name.lower()]
        except KeyError:
            raise WqlError("the class has no property %r" % name) from None

    return resolve


def parse(condition: str, properties: Mapping[str, str]) -> Predicate:
    """The condition as a predicate over an instance, checked against the class's
    properties ({name: CIM type}); raises WqlError."""
    tokens = tokenize(condition)
    if not tokens:
        raise WqlError("empty condition")
    parser = _Parser(tokens, resolver(properties))
    predicate = parser.condition()
    if parser.peek() is not None:
        raise WqlError("unexpected %r after the condition" % (parser.peek().value,))  # type: ignore[union-attr]
    return predicate


def select_text(cim_class: str, properties: list[str], where: str | None) -> str:
    """The WQL statement that selects ``properties`` (none: not a valid statement)."""
    text = "SELECT %s FROM %s" % (",".join(properties), cim_class)  # noqa: S608 - WQL for the lab's own provider
    return text + (" WHERE " + where if where else "")


def matches(predicate: Predicate | None, instance: Mapping[str, Any]) -> bool:
    return predicate is None or bool(predicate(instance.get))


_SELECT = re.compile(r"^\s*SELECT\s+(?P<properties>.+?)\s+FROM\s+(?P<class>[A-Za-z_][A-Za-z0-9_]*)"
                     r"(?:\s+WHERE\s+(?P<where>.+?))?\s*$", re.IGNORECASE | re.DOTALL)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_select(text: str) -> tuple[list[str], str, str | None]:
    """A WQL data query, SELECT <properties> | * FROM <class> [WHERE <condition>]
    (https://learn.microsoft.com/windows/win32/wmisdk/select-statement-for-data-queries):
    (property names, or ["*"]; class; condition or None). Raises WqlError."""
    match = _SELECT.match(text)
    if not match:
        raise WqlError("not a SELECT statement: %r" % text)
    properties = [p.strip() for p in match.group("properties").split(",")]
    if properties != ["*"] and not all(_NAME.match(p) for p in properties):
        raise WqlError("bad property list %r" % match.group("properties"))
    return properties, match.group("class"), match.group("where")


def class_of(text: str) -> str | None:
    """The class a WQL query names, or None when it is not a valid SELECT."""
    try:
        return parse_select(text)[1]
    except WqlError:
        return None
