"""PowerShell's values and the rules that act on them: conversion, truth, comparison,
arithmetic, member access, errors.

Sources, cited per rule below ("about_X" is the Windows PowerShell 5.1 page
reference/5.1/Microsoft.PowerShell.Core/About/about_X.md of MicrosoftDocs/PowerShell-Docs;
"LanguagePrimitives" is src/System.Management.Automation/engine/LanguagePrimitives.cs of
PowerShell/PowerShell). Each rule has a case in tests/unit/powershell_conformance.yml.

Representation: $null is None; [bool] bool; [int] int (Int32 when it fits, else Int64, as a
numeric literal's type is chosen, about_Numeric_Literals); UInt32/Int64/UInt64/Byte are int
subclasses made by casts; [double] float; [string] str; object[] list; byte[] bytes;
Hashtable and PSCustomObject the classes below; .NET objects DotNet subclasses
(dotnet.py). Anything else met at run time is Unsupported: the emulation never guesses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any


class _Void:
    """What a void .NET method returns: nothing is written to the pipeline (a method that
    returns null writes $null). As a value it is $null."""

    def __repr__(self) -> str:
        return "VOID"


VOID = _Void()


class _AutomationNull:
    """What a variable holds after `$x = <a command that wrote nothing>`: $null when read,
    but nothing at all when enumerated (`@($x).Count` is 0, `$x | ...` runs nothing), unlike
    $null itself (about_Automatic_Variables; everything-about-null, "Enumerable null")."""

    def __repr__(self) -> str:
        return "AutomationNull"


NOTHING = _AutomationNull()


class Unsupported(Exception):
    """The script used something the emulation does not implement. Never caught by a
    script's try/catch: it ends the run and fails the test that caused it."""

    def __init__(self, what: str, line: int | None = None) -> None:
        self.what = what
        self.line = line
        super().__init__(what)

    def __str__(self) -> str:
        return "simlab PowerShell: not emulated: %s%s" % (self.what, "" if self.line is None else
                                                          " (line %d)" % self.line)


# -- typed numbers -------------------------------------------------------------------------------
class Int64(int):
    type_name = "System.Int64"


class UInt32(int):
    type_name = "System.UInt32"


class UInt64(int):
    type_name = "System.UInt64"


class Byte(int):
    type_name = "System.Byte"


class Int32(int):
    """An int made by an [int] cast or a typed parameter (plain ints are typed by range)."""

    type_name = "System.Int32"


class Char(str):
    """System.Char: one UTF-16 code unit; a string everywhere PowerShell converts it to one."""

    type_name = "System.Char"


INT32 = (-2**31, 2**31 - 1)
RANGES = {"System.Int32": INT32, "System.Int64": (-2**63, 2**63 - 1), "System.UInt32": (0, 2**32 - 1),
          "System.UInt64": (0, 2**64 - 1), "System.Byte": (0, 255)}
NUMBER_CLASSES = {"System.Int32": Int32, "System.Int64": Int64, "System.UInt32": UInt32, "System.UInt64": UInt64,
                  "System.Byte": Byte}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- collections ----------------------------------------------------------------------------------
class Hashtable:
    """System.Collections.Hashtable (keys compared case-insensitively, about_Hash_Tables) or,
    from [ordered], System.Collections.Specialized.OrderedDictionary. Both keep insertion order
    here; a plain Hashtable's order is unspecified on Windows, so nothing may rely on it."""

    __slots__ = ("items", "ordered")

    def __init__(self, ordered: bool = False) -> None:
        self.items: dict[Any, list[Any]] = {}  # folded key -> [key, value]
        self.ordered = ordered

    @property
    def type_name(self) -> str:
        return "System.Collections.Specialized.OrderedDictionary" if self.ordered else "System.Collections.Hashtable"

    @staticmethod
    def fold(key: Any) -> Any:
        if key is None:
            raise PSThrow(error_record(dotnet_exception("System.ArgumentNullException", "Key cannot be null."),
                                       "ArgumentNullException"))
        return key.lower() if isinstance(key, str) else key

    def get(self, key: Any) -> Any:
        entry = self.items.get(self.fold(key))
        return None if entry is None else entry[1]

    def set(self, key: Any, value: Any) -> None:
        folded = self.fold(key)
        entry = self.items.get(folded)
        if entry is None:
            self.items[folded] = [key, value]
        else:
            entry[1] = value

    def add(self, key: Any, value: Any) -> Any:
        if self.fold(key) in self.items:
            raise PSThrow(error_record(dotnet_exception(
                "System.ArgumentException",
                "Item has already been added. Key in dictionary: '%s'  Key being added: '%s'" % (key, key)),
                "DuplicateKeyInHashLiteral"))
        self.set(key, value)
        return VOID

    def contains(self, key: Any) -> bool:
        return self.fold(key) in self.items

    def keys(self) -> list[Any]:
        return [k for k, _v in self.items.values()]

    def values(self) -> list[Any]:
        return [v for _k, v in self.items.values()]

    def pairs(self) -> list[tuple[Any, Any]]:
        return [(entry[0], entry[1]) for entry in self.items.values()]

    def __len__(self) -> int:
        return len(self.items)


class PSCustomObject:
    """System.Management.Automation.PSCustomObject: note properties by name, case-insensitive."""

    __slots__ = ("props",)
    type_name = "System.Management.Automation.PSCustomObject"

    def __init__(self) -> None:
        self.props: dict[str, list[Any]] = {}

    def get(self, name: str) -> tuple[bool, Any]:
        entry = self.props.get(name.lower())
        return (False, None) if entry is None else (True, entry[1])

    def set(self, name: str, value: Any) -> None:
        entry = self.props.get(name.lower())
        if entry is None:
            self.props[name.lower()] = [name, value]
        else:
            entry[1] = value

    def names(self) -> list[str]:
        return [n for n, _v in self.props.values()]


class TypedArray(list):
    """An array cast to an element type ([int[]], [string[]]): still enumerated like object[]."""

    def __init__(self, items: list[Any], element: str) -> None:
        super().__init__(items)
        self.element = element

    @property
    def type_name(self) -> str:
        return self.element + "[]"


def is_enumerable(value: Any) -> bool:
    """What the pipeline enumerates (about_Pipelines): arrays and other collections, never a
    string or a hashtable (LanguagePrimitives.GetEnumerable)."""
    return isinstance(value, (list, bytes)) or getattr(value, "enumerable", False)


def enumerate_value(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, bytes):
        return [Byte(b) for b in value]
    if getattr(value, "enumerable", False):
        return list(value.enumerate())
    return [value]


def collapse(items: list[Any]) -> Any:
    """A pipeline's output as a value: nothing is $null, one object is that object, more
    are an object[] (about_Pipelines; about_Arrays, "Array subexpression operator")."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)


# -- errors ---------------------------------------------------------------------------------------
class DotNet:
    """Base of emulated .NET objects: ``type_name``, ``bases``, properties and methods by
    lower-case name. Members the emulation does not list are Unsupported, not absent."""

    type_name = "System.Object"
    bases: tuple[str, ...] = ()
    enumerable = False

    def members(self) -> dict[str, Callable[[], Any]]:
        return {}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {}

    def setters(self) -> dict[str, Callable[[Any], None]]:
        return {}

    def to_string(self) -> str:
        return self.type_name


class DotNetException(DotNet):
    """A .NET exception: Message, InnerException, Data (an IDictionary), HResult and the
    extra properties of its type (ErrorCode, NativeErrorCode, ErrorData, MessageId ...)."""

    def __init__(self, type_name: str, message: str, *, bases: tuple[str, ...] = (), inner: Any = None,
                 hresult: int = -2146233088, extra: dict[str, Any] | None = None) -> None:
        self.type_name = type_name
        self.bases = bases + ("System.Exception",)
        self.message = message
        self.inner = inner
        self.hresult = hresult
        self.data = Hashtable()
        self.extra = dict(extra or {})

    def members(self) -> dict[str, Callable[[], Any]]:
        # HResult is read through Members, which knows whether this .NET has it public.
        found: dict[str, Callable[[], Any]] = {
            "message": lambda: self.message, "innerexception": lambda: self.inner,
            "data": lambda: ExceptionData(self.data), "source": lambda: None, "stacktrace": lambda: None,
            "hresult": lambda: self.hresult,
        }
        for name, value in self.extra.items():
            found[name.lower()] = lambda value=value: value
        return found

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"tostring": lambda: "%s: %s" % (self.type_name, self.message),
                "getbaseexception": self._innermost}

    def _innermost(self) -> DotNetException:
        exc = self
        while isinstance(exc.inner, DotNetException):
            exc = exc.inner
        return exc

    def to_string(self) -> str:
        return "%s: %s" % (self.type_name, self.message)


class ExceptionData(DotNet):
    """Exception.Data: System.Collections.ListDictionaryInternal (an IDictionary)."""

    type_name = "System.Collections.ListDictionaryInternal"

    def __init__(self, table: Hashtable) -> None:
        self.table = table

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"count": self.table.__len__, "keys": self.table.keys}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"contains": self.table.contains, "add": self.table.add}

    def index(self, key: Any) -> Any:
        return self.table.get(key)

    def set_index(self, key: Any, value: Any) -> None:
        self.table.set(key, value)


def dotnet_exception(type_name: str, message: str, **kwargs: Any) -> DotNetException:
    from tests.simlab.powershell import dotnet  # the hierarchy of exception types lives there
    return dotnet.exception(type_name, message, **kwargs)


class ErrorRecord(DotNet):
    """System.Management.Automation.ErrorRecord: what a catch block's $_ is (about_Try_Catch_Finally)."""

    type_name = "System.Management.Automation.ErrorRecord"

    def __init__(self, exception: DotNetException, error_id: str, category: str = "NotSpecified",
                 target: Any = None, command: str | None = None) -> None:
        self.exception = exception
        self.error_id = error_id
        self.command = command
        self.category = category
        self.target = target

    @property
    def fully_qualified_error_id(self) -> str:
        return self.error_id if not self.command else "%s,%s" % (self.error_id, self.command)

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"exception": lambda: self.exception, "fullyqualifiederrorid": lambda: self.fully_qualified_error_id,
                "targetobject": lambda: self.target, "categoryinfo": lambda: CategoryInfo(self),
                "errordetails": lambda: None, "invocationinfo": lambda: None}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"tostring": self.to_string}

    def to_string(self) -> str:
        return self.exception.message


class CategoryInfo(DotNet):
    type_name = "System.Management.Automation.ErrorCategoryInfo"

    def __init__(self, record: ErrorRecord) -> None:
        self.record = record

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"category": lambda: self.record.category,
                "reason": lambda: self.record.exception.type_name.split(".")[-1]}

    def to_string(self) -> str:
        return "%s: (:) [], %s" % (self.record.category, self.record.exception.type_name.split(".")[-1])


def error_record(exception: DotNetException, error_id: str, category: str = "NotSpecified", target: Any = None,
                 command: str | None = None) -> ErrorRecord:
    return ErrorRecord(exception, error_id, category, target, command)


class PSThrow(Exception):
    """A terminating error in flight. ``statement`` marks a statement-terminating one (a .NET
    method's exception, a parameter binding error), which a script without try/catch and
    with $ErrorActionPreference other than Stop survives (about_Preference_Variables)."""

    def __init__(self, record: ErrorRecord, statement: bool = False) -> None:
        super().__init__(record.exception.message)
        self.record = record
        self.statement = statement


def runtime_error(message: str, error_id: str, category: str = "InvalidOperation",
                  type_name: str = "System.Management.Automation.RuntimeException", target: Any = None) -> PSThrow:
    return PSThrow(error_record(dotnet_exception(type_name, message), error_id, category, target), statement=True)


# -- type names -----------------------------------------------------------------------------------
# Type accelerators (about_Type_Accelerators) and the namespaces PowerShell tries for a short
# name ("System." is prefixed when the name alone does not resolve).
ACCELERATORS = {
    "int": "System.Int32", "int32": "System.Int32", "long": "System.Int64", "int64": "System.Int64",
    "uint32": "System.UInt32", "uint64": "System.UInt64", "byte": "System.Byte", "double": "System.Double",
    "string": "System.String", "bool": "System.Boolean", "boolean": "System.Boolean", "char": "System.Char",
    "object": "System.Object", "array": "System.Array", "hashtable": "System.Collections.Hashtable",
    "ordered": "System.Collections.Specialized.OrderedDictionary",
    "scriptblock": "System.Management.Automation.ScriptBlock",
    "datetime": "System.DateTime", "pscustomobject": "System.Management.Automation.PSCustomObject",
    "psobject": "System.Management.Automation.PSObject", "regex": "System.Text.RegularExpressions.Regex",
    "ipaddress": "System.Net.IPAddress", "void": "System.Void", "decimal": "System.Decimal",
    "float": "System.Single", "single": "System.Single", "version": "System.Version",
}


def canonical_type(name: str) -> str:
    """The full name of a type literal's name ([int] -> System.Int32, [Net.Dns] -> System.Net.Dns)."""
    text = name.strip()
    suffix = ""
    while text.endswith("[]"):
        text, suffix = text[:-2].strip(), suffix + "[]"
    lowered = text.lower()
    full = ACCELERATORS.get(lowered)
    if full is None:
        from tests.simlab.powershell import dotnet
        full = dotnet.resolve_type_name(text)
    return full + suffix


def type_name_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        explicit = getattr(value, "type_name", None)
        if explicit:
            return explicit
        return "System.Int32" if INT32[0] <= value <= INT32[1] else "System.Int64"
    if isinstance(value, float):
        return "System.Double"
    if isinstance(value, str):
        return getattr(value, "type_name", "System.String")
    if isinstance(value, bytes):
        return "System.Byte[]"
    if isinstance(value, TypedArray):
        return value.type_name
    if isinstance(value, list):
        return "System.Object[]"
    return value.type_name


NUMERIC_BASES = ("System.ValueType", "System.Object")


def is_instance(value: Any, full_name: str) -> bool:
    """-is (about_Type_Operators): the value's type or one of its bases."""
    if value is None:
        return False
    own = type_name_of(value)
    if own.lower() == full_name.lower() or full_name == "System.Object":
        return True
    bases: tuple[str, ...] = getattr(value, "bases", ())
    if isinstance(value, list):
        bases = ("System.Array",)
    if isinstance(value, (int, float)) or isinstance(value, bool):
        bases = NUMERIC_BASES
    if isinstance(value, Hashtable):
        bases = ("System.Collections.IDictionary",)
    if isinstance(value, PSCustomObject):
        bases = ("System.Management.Automation.PSObject",)  # [pscustomobject] is [psobject] (about_PSCustomObject)
    return any(b.lower() == full_name.lower() for b in bases)


# -- conversion (LanguagePrimitives.ConvertTo; about_Type_Operators, "-as") ----------------------------
_INT_TEXT = re.compile(r"^\s*([+-]?)(?:0x([0-9a-f]+)|([0-9]+))\s*$", re.IGNORECASE)
_REAL_TEXT = re.compile(r"^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?\s*$", re.IGNORECASE)


def cast_error(value: Any, target: str, reason: str) -> PSThrow:
    """A failed conversion: the script sees a RuntimeException whose InnerException is the
    PSInvalidCastException (Set-StrictMode page's example: "InvalidArgument: (:) [],
    RuntimeException")."""
    composite = isinstance(value, (list, DotNet, Hashtable, PSCustomObject))
    shown = type_name_of(value) if composite else to_string(value)
    message = 'Cannot convert value "%s" to type "%s". Error: "%s"' % (shown, target, reason)
    if value is None:
        message = 'Cannot convert null to type "%s".' % target
    inner = dotnet_exception("System.Management.Automation.PSInvalidCastException", message)
    return PSThrow(error_record(dotnet_exception("System.Management.Automation.RuntimeException", message, inner=inner),
                                "InvalidCastParseTargetInvocation", "InvalidArgument"), statement=True)


def parse_number(text: str) -> int | float | None:
    """A string's number, as PowerShell parses one for a conversion (hex with 0x, decimal,
    real), or None."""
    match = _INT_TEXT.match(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        if match.group(2):
            return sign * int(match.group(2), 16)
        return sign * int(match.group(3))
    if _REAL_TEXT.match(text):
        return float(text)
    return None


def to_integer(value: Any, target: str) -> int:
    low, high = RANGES[target]
    if value is None:
        result: Any = 0
    elif isinstance(value, bool):
        result = int(value)
    elif isinstance(value, int):
        result = int(value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise cast_error(value, target, "Value was either too large or too small for %s." % target.split(".")[1])
        result = round(value)  # banker's rounding, as [int]2.5 is 2 (about_Type_Operators)
    elif isinstance(value, Char):
        result = ord(value)  # [int][char]'a' is 97
    elif isinstance(value, str):
        if not value.strip():
            result = 0
        else:
            number = parse_number(value)
            if number is None:
                raise cast_error(value, target, "Input string was not in a correct format.")
            result = round(number) if isinstance(number, float) else number
    elif isinstance(value, EnumValue):
        result = value.value
    else:
        raise cast_error(value, target, "Invalid cast.")
    if not low <= result <= high:
        raise cast_error(value, target, "Value was either too large or too small for %s." % target.split(".")[1])
    return NUMBER_CLASSES[target](result)


def to_double(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        number = parse_number(value) if value.strip() else 0
        if number is None:
            raise cast_error(value, "System.Double", "Input string was not in a correct format.")
        return float(number)
    raise cast_error(value, "System.Double", "Invalid cast.")


def to_number(value: Any) -> int | float:
    """An arithmetic operand as a number (about_Arithmetic_Operators: the right operand is
    converted to the left's type; strings that hold numbers convert)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, EnumValue):
        return value.value
    if isinstance(value, str):
        number = parse_number(value) if value.strip() else 0
        if number is None:
            raise cast_error(value, "System.Int32", "Input string was not in a correct format.")
        return number
    raise runtime_error("Method invocation failed because [%s] does not contain a method named 'op_Addition'."
                        % type_name_of(value), "MethodNotFound")


def format_double(value: float) -> str:
    """A double as .NET's ToString() ("R"-like round trip, E notation from 1E+15)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return "%sE%s%02d" % (mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa, sign,
                              int(exponent.lstrip("+-")))
    return text


def to_string(value: Any, ofs: str = " ") -> str:
    """[string] (LanguagePrimitives.ConvertTo string; about_Special_Characters for $OFS):
    arrays joined with spaces, $null empty, numbers in the invariant culture."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, (list, bytes)):
        return ofs.join(to_string(v) for v in enumerate_value(value))
    if isinstance(value, Hashtable):
        return value.type_name
    if isinstance(value, PSCustomObject):
        return "@{" + "; ".join("%s=%s" % (n, to_string(v)) for n, v in value.props.values()) + "}"
    if isinstance(value, DotNet):
        return value.to_string()
    raise Unsupported("string conversion of a Python %s" % type(value).__name__)


def is_true(value: Any) -> bool:
    """LanguagePrimitives.IsTrue (about_Booleans): $null, 0, '' and empty arrays are false; a
    one-element array is its element's truth; longer arrays are true; objects are true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        if not value:
            return False
        if len(value) == 1:
            return is_true(value[0]) if not isinstance(value[0], list) else len(value[0]) > 0
        return True
    if isinstance(value, EnumValue):
        return value.value != 0
    return True


class EnumValue(DotNet):
    """A .NET enum value: its name is its string ([StringSplitOptions]::None, AddressFamily)."""

    def __init__(self, type_name: str, name: str, value: int) -> None:
        self.type_name = type_name
        self.name = name
        self.value = value
        self.bases = ("System.Enum", "System.ValueType")

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"tostring": lambda *_a: self.name}

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"value__": lambda: self.value}

    def to_string(self) -> str:
        return self.name


def convert(value: Any, target: str) -> Any:
    """A cast [T]value; raises the PSInvalidCastException PowerShell raises."""
    if target == "System.Char[]" and isinstance(value, str):
        return TypedArray([Char(c) for c in value], "System.Char")  # a string is its characters
    if target.endswith("[]"):
        element = target[:-2]
        return TypedArray([convert(v, element) for v in enumerate_value(value)] if value is not None else [],
                          element)
    if target in RANGES:
        return to_integer(value, target)
    if target == "System.String":
        return to_string(value)
    if target == "System.Char":  # [char]60 is '<'; a one-character string converts too
        if isinstance(value, str) and len(value) == 1:
            return Char(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
            return Char(chr(value))
        raise cast_error(value, target, "String must be exactly one character long."
                         if isinstance(value, str) else "Invalid cast.")
    if target == "System.Boolean":
        return is_true(value)
    if target == "System.Double":
        return to_double(value)
    if target == "System.Object":
        return value
    if target in ("System.Array",):
        return enumerate_value(value) if value is not None else None
    if target == "System.Collections.Hashtable":
        if isinstance(value, Hashtable):
            return value
        raise cast_error(value, target, "Invalid cast.")
    if target == "System.Management.Automation.PSObject":
        return value  # [psobject] wraps without changing the object
    if target == "System.Management.Automation.PSCustomObject":
        if isinstance(value, Hashtable):  # [pscustomobject]@{...} (about_PSCustomObject)
            made = PSCustomObject()
            for key, item in value.pairs():
                made.set(to_string(key), item)
            return made
        return value
    if value is not None and is_instance(value, target):
        return value
    from tests.simlab.powershell import dotnet
    return dotnet.convert(value, target)


def try_convert(value: Any, target: str) -> Any:
    """-as: the conversion, or $null when it fails (about_Type_Operators)."""
    try:
        return convert(value, target)
    except PSThrow:
        return None


# -- comparison (about_Comparison_Operators) --------------------------------------------------------
def _as_left_type(left: Any, right: Any) -> Any:
    """The right operand converted to the left operand's type, or a marker when it cannot be."""
    if isinstance(left, bool):
        return is_true(right)
    if isinstance(left, (int, float)):
        if isinstance(right, (int, float)) and not isinstance(right, bool):
            return right
        try:
            return to_number(right) if not isinstance(right, bool) else int(right)
        except PSThrow:
            return _NO
    if isinstance(left, str):
        try:
            return to_string(right)
        except Unsupported:
            return _NO
    return right


_NO = object()


def equals(left: Any, right: Any, case_sensitive: bool = False) -> bool:
    """Scalar -eq: the right operand converted to the left's type; strings ignore case
    unless -ceq; $null equals only $null."""
    if left is None or right is None:
        return left is None and right is None
    converted = _as_left_type(left, right)
    if converted is _NO:
        return False
    if isinstance(left, str):
        return left == converted if case_sensitive else left.lower() == converted.lower()
    if isinstance(left, (bool, int, float)):
        return left == converted
    if isinstance(left, EnumValue):
        if isinstance(right, str):
            return left.name.lower() == right.lower()
        if isinstance(right, EnumValue):
            return left.value == right.value and left.type_name == right.type_name
        return left.value == right
    return left is right or left == right


def compare(left: Any, right: Any, case_sensitive: bool = False) -> int:
    """-lt/-gt ordering; raises when the operands cannot be ordered."""
    if left is None:
        left = "" if isinstance(right, str) else 0 if is_number(right) else None
    if right is None:
        right = "" if isinstance(left, str) else 0
    converted = _as_left_type(left, right)
    if converted is _NO or left is None:
        raise runtime_error('Cannot compare "%s" to "%s".' % (to_string(left), to_string(right)), "ComparisonFailure")
    if isinstance(left, str):
        a, b = (left, converted) if case_sensitive else (left.lower(), converted.lower())
    elif isinstance(left, (int, float)):
        a, b = left, converted
    else:
        raise Unsupported("ordering comparison of %s" % type_name_of(left))
    return (a > b) - (a < b)


def contains(collection: Any, item: Any, case_sensitive: bool = False) -> bool:
    return any(equals(element, item, case_sensitive) for element in enumerate_value(collection))


# -- regular expressions (about_Regular_Expressions: .NET syntax, case-insensitive -match) ------------
_REGEX_CACHE: dict[tuple[str, bool], re.Pattern[str]] = {}
_NET_ONLY = re.compile(r"\(\?<[A-Za-z_]|\\[pPkG]|\(\?[imnsx]*-|\(\?>|\\Z")


def regex(pattern: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """A .NET pattern as a Python one: \\z is Python's \\Z; constructs whose meaning differs
    between the two engines are Unsupported."""
    key = (pattern, case_sensitive)
    found = _REGEX_CACHE.get(key)
    if found is None:
        if _NET_ONLY.search(pattern):
            raise Unsupported("the .NET regular expression construct in %r" % pattern)
        translated = pattern.replace("\\z", "\\Z")
        try:
            found = re.compile(translated, 0 if case_sensitive else re.IGNORECASE)
        except re.error as exc:
            raise PSThrow(error_record(dotnet_exception(
                "System.ArgumentException", 'parsing "%s" - %s.' % (pattern, exc)),
                "InvalidRegularExpression", "InvalidOperation"), statement=True) from None
        _REGEX_CACHE[key] = found
    return found


def wildcard(pattern: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """-like (about_Wildcards): * ? and [...]; ` escapes."""
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "`" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", index)
            if end < 0:
                raise Unsupported("an unterminated [ in the wildcard pattern %r" % pattern)
            out.append("[" + pattern[index + 1:end].replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("^" + "".join(out) + "\\Z", re.DOTALL | (0 if case_sensitive else re.IGNORECASE))


# -- arithmetic (about_Arithmetic_Operators) ----------------------------------------------------
def _numeric_result(value: int | float, *operands: Any) -> int | float:
    """An integer result in the operands' widest type (Int32, else Int64); one that does not
    fit becomes a Double ([int]::MaxValue + 1 is a Double, about_Arithmetic_Operators)."""
    if isinstance(value, float):
        return value
    wide = any(type_name_of(o) in ("System.Int64", "System.UInt32", "System.UInt64") for o in operands
               if isinstance(o, int) and not isinstance(o, bool))
    if INT32[0] <= value <= INT32[1] and not wide:
        return value
    if wide and RANGES["System.Int64"][0] <= value <= RANGES["System.Int64"][1]:
        return Int64(value)
    return float(value)


def add(left: Any, right: Any) -> Any:
    if left is None:
        return list(enumerate_value(right)) if isinstance(right, list) else right
    if isinstance(left, list):
        return left + (list(enumerate_value(right)) if isinstance(right, list) else [right])
    if isinstance(left, str):
        return left + to_string(right)
    if isinstance(left, Hashtable):
        if not isinstance(right, Hashtable):
            raise runtime_error("A hash table can only be added to another hash table.", "AddHashTableToNonHashTable")
        merged = Hashtable(left.ordered)
        for key, value in left.pairs() + right.pairs():
            merged.add(key, value)
        return merged
    if isinstance(left, (bool, int, float)) or isinstance(left, EnumValue):
        a = left.value if isinstance(left, EnumValue) else int(left) if isinstance(left, bool) else left
        b = to_number(right)
        return _numeric_result(a + b, left, b)
    raise runtime_error("Method invocation failed because [%s] does not contain a method named 'op_Addition'."
                        % type_name_of(left), "MethodNotFound")


def arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        return add(left, right)
    if left is None and op == "*":
        return None  # $null * 5 is $null (everything-about-null, "In numeric equation")
    if op == "*" and isinstance(left, str):
        return left * int(to_number(right))
    if op == "*" and isinstance(left, list):
        return left * int(to_number(right))
    a = to_number(left)
    b = to_number(right)
    if op == "-":
        return _numeric_result(a - b, a, b)
    if op == "*":
        return _numeric_result(a * b, a, b)
    if op in ("/", "%") and b == 0:  # a RuntimeException around .NET's DivideByZeroException
        inner = dotnet_exception("System.DivideByZeroException", "Attempted to divide by zero.")
        raise PSThrow(error_record(dotnet_exception("System.Management.Automation.RuntimeException",
                                                    "Attempted to divide by zero.", inner=inner), "RuntimeException"),
                      statement=True)
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return _numeric_result(a // b, a, b)
        return a / b
    if op == "%":
        return _numeric_result(math.fmod(a, b) if isinstance(a, float) or isinstance(b, float)
                               else int(math.fmod(a, b)))
    raise Unsupported("the arithmetic operator " + op)


def bitwise(op: str, left: Any, right: Any) -> Any:
    """-band/-bor/-bxor on integers (about_Arithmetic_Operators, "Bitwise operators")."""
    a, b = to_number(left), to_number(right)
    if isinstance(a, float) or isinstance(b, float):
        a, b = round(a), round(b)
    result = {"-band": a & b, "-bor": a | b, "-bxor": a ^ b}[op]
    return _numeric_result(result, a, b)


# -- the -f operator (about_Operators, "Format operator"; .NET composite formatting) -----------------
_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def format_value(value: Any, spec: str | None) -> str:
    if not spec:
        return to_string(value)
    match = re.fullmatch(r"([XxDdNnFfGg])(\d*)", spec)
    if not match or not (is_number(value) or isinstance(value, bool)):
        raise Unsupported("the format string {0:%s} for %s" % (spec, type_name_of(value)))
    kind, digits = match.group(1), match.group(2)
    number = value
    if kind in "Xx":
        if not isinstance(number, int):
            raise PSThrow(error_record(dotnet_exception("System.FormatException",
                                                        "Format specifier was invalid."), "FormatException"),
                          statement=True)
        if number < 0:  # two's complement of the value's own width
            number += 2**64 if type_name_of(value) in ("System.Int64",) else 2**32
        text = "%X" % number if kind == "X" else "%x" % number
        return text.zfill(int(digits or 0))
    if kind in "Dd":
        if not isinstance(number, int):
            raise PSThrow(error_record(dotnet_exception("System.FormatException",
                                                        "Format specifier was invalid."), "FormatException"),
                          statement=True)
        sign = "-" if number < 0 else ""
        return sign + str(abs(number)).zfill(int(digits or 0))
    if kind in "Ff":
        return "%.*f" % (int(digits) if digits else 2, number)
    if kind in "Nn":
        return "{:,.{}f}".format(number, int(digits) if digits else 2)
    return to_string(value)


def format_operator(template: Any, arguments: Any) -> str:
    items = enumerate_value(arguments) if isinstance(arguments, list) else [arguments]
    text = to_string(template)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        index = int(match.group(1))
        if index >= len(items):
            raise PSThrow(error_record(dotnet_exception(
                "System.FormatException", "Index (zero based) must be greater than or equal to zero and less than "
                                          "the size of the argument list."), "FormatError"), statement=True)
        out = format_value(items[index], match.group(3))
        width = match.group(2)
        if width:
            out = out.rjust(int(width)) if int(width) > 0 else out.ljust(-int(width))
        return out

    return _ITEM.sub(replace, text)


def iterate(value: Any) -> Iterator[Any]:
    """What foreach walks: nothing for $null (PowerShell 3.0 and later), a collection's
    elements, or the one object (about_Foreach)."""
    if value is None:
        return iter(())
    return iter(enumerate_value(value))


def range_of(left: Any, right: Any) -> list[int]:
    """a..b: the integers from a to b, either way (about_Operators, "Range operator")."""
    start, end = to_integer(left, "System.Int32"), to_integer(right, "System.Int32")
    if abs(end - start) > 50_000_000:
        raise Unsupported("a range of %d elements" % abs(end - start))
    step = 1 if end >= start else -1
    return list(range(int(start), int(end) + step, step))
