"""The cmdlets the emulation has, bound to the machine (tests/simlab/powershell/__init__.py).

Each cmdlet cites its Windows PowerShell 5.1 page (learn.microsoft.com/powershell/module/
<module>/<cmdlet>?view=powershell-5.1, in MicrosoftDocs/PowerShell-Docs under reference/5.1)
and, for the client-side checks of the CIM cmdlets, PowerShell's source
(src/Microsoft.Management.Infrastructure.CimCmdlets of PowerShell/PowerShell). Parameters
not listed are refused as Unsupported, not ignored. Errors carry the exception type,
FullyQualifiedErrorId (<id>,<cmdlet class>) and category Windows gives them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.simlab.powershell import dotnet
from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell.runtime import DotNet, PSThrow, Unsupported

ERROR_ACTIONS = ("stop", "continue", "silentlycontinue", "ignore", "inquire")
V2, V3 = (2, 0), (3, 0)


@dataclass
class Param:
    name: str
    position: int | None = None
    switch: bool = False
    pipeline: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class Call:
    """One invocation: bound parameters (lower-case names), pipeline input, -ErrorAction."""

    cmdlet: Cmdlet
    frame: Any
    params: dict[str, Any]
    items: list | None
    action: str | None

    @property
    def run(self) -> Any:
        return self.frame.run

    @property
    def machine(self) -> Any:
        return self.frame.run.machine

    def has(self, name: str) -> bool:
        return name in self.params

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def error(self, exception: rt.DotNetException, error_id: str, category: str, target: Any = None) -> None:
        """WriteError: non-terminating unless -ErrorAction or the preference says Stop."""
        record = rt.error_record(exception, error_id, category, target, self.cmdlet.class_name)
        self.run.write_error(self.frame, record, self.action)

    def terminate(self, exception: rt.DotNetException, error_id: str, category: str, target: Any = None) -> PSThrow:
        """ThrowTerminatingError."""
        return PSThrow(rt.error_record(exception, error_id, category, target, self.cmdlet.class_name))


@dataclass
class Cmdlet:
    name: str
    class_name: str
    run: Callable[[Call], list]
    params: list[Param]
    since: tuple[int, int] = (1, 0)
    aliases: tuple[str, ...] = ()
    available: Callable[[Any], bool] | None = None  # the machine has the module
    lookup: dict[str, Param] = field(default_factory=dict)

    def invoke(self, frame: Any, arguments: list, items: list | None) -> list:
        params, action = self.bind(frame, arguments)
        frame.run.machine.log_pipeline_execution(self.logged(params, items))
        return self.run(Call(self, frame, params, items, action))

    def logged(self, params: dict[str, Any], items: list | None) -> list[str]:
        """What module logging writes for this invocation (event 4103, when the policy lists the
        cmdlet's module; "*" lists them all): the command, then each bound parameter and each
        pipeline input object (PowerShell's MshCommandRuntime.cs and ParameterBinderBase.cs)."""
        lines = ['CommandInvocation(%s): "%s"' % (self.name, self.name)]
        names = {p.name.lower(): p.name for p in self.params}
        for key, value in params.items():
            lines.append('ParameterBinding(%s): name="%s"; value="%s"'
                         % (self.name, names.get(key, key), logged_value(value)))
        pipeline = next((p.name for p in self.params if p.pipeline), "InputObject")
        for item in items or []:
            lines.append('ParameterBinding(%s): name="%s"; value="%s"' % (self.name, pipeline, logged_value(item)))
        return lines

    def bind(self, frame: Any, arguments: list) -> tuple[dict[str, Any], str | None]:
        """Parameter binding (about_Parameters): names, aliases and unambiguous prefixes;
        then positions; -ErrorAction among the common parameters."""
        names = {p.name.lower(): p for p in self.params}
        for p in self.params:
            for alias in p.aliases:
                names[alias.lower()] = p
        common = {"erroraction": "erroraction", "ea": "erroraction"}
        bound: dict[str, Any] = {}
        positional: list[Any] = []
        index = 0
        while index < len(arguments):
            kind, payload, _unused = arguments[index]
            index += 1
            if kind == "arg":
                positional.append(payload(frame))
                continue
            given = payload.lower()
            target = names.get(given) or (None if given in common else self._prefix(given, names))
            if target is None:
                name = common.get(given) or next(
                    (v for k, v in common.items() if k.startswith(given) and len(given) > 2), None)
                if name is None:
                    others = ("errorvariable", "ev", "warningaction", "verbose", "debug", "outvariable",
                              "outbuffer", "pipelinevariable", "informationaction", "whatif", "confirm")
                    if any(given == c or c.startswith(given) for c in others):
                        raise Unsupported("the common parameter -%s" % payload)
                    # the emulation lists only the parameters it implements: Windows may have this one
                    raise Unsupported("the parameter -%s of %s" % (payload, self.name))
                if index >= len(arguments) or arguments[index][0] != "arg":
                    raise self._binding_error(frame, "Missing an argument for parameter '%s'. Specify a parameter "
                                                     "of type 'System.Management.Automation.ActionPreference' and "
                                                     "try again." % payload, "MissingArgument")
                value = arguments[index][1](frame)
                index += 1
                text = rt.to_string(value).lower()
                if text not in ERROR_ACTIONS:
                    raise self._binding_error(frame, "Cannot bind parameter 'ErrorAction'. Cannot convert value "
                                                     "\"%s\" to type \"System.Management.Automation."
                                                     "ActionPreference\"." % rt.to_string(value),
                                              "CannotConvertArgumentNoMessage")
                bound["erroraction"] = text
                continue
            if target.switch:
                bound[target.name.lower()] = True
                continue
            if index >= len(arguments) or arguments[index][0] != "arg":
                raise self._binding_error(frame, "Missing an argument for parameter '%s'. Specify a parameter of "
                                                 "type 'System.Object' and try again." % target.name,
                                          "MissingArgument")
            bound[target.name.lower()] = arguments[index][1](frame)
            index += 1
        free = sorted((p for p in self.params if p.position is not None and p.name.lower() not in bound),
                      key=lambda p: p.position or 0)
        for value in positional:
            if not free:
                raise Unsupported("%s with the positional argument %r" % (self.name, rt.to_string(value)))
            bound[free.pop(0).name.lower()] = value
        action = bound.pop("erroraction", None)
        return bound, action

    @staticmethod
    def _prefix(given: str, names: dict[str, Param]) -> Param | None:
        found = {p.name for n, p in names.items() if n.startswith(given)}
        if len(found) == 1:
            return next(p for n, p in names.items() if n.startswith(given))
        return None

    def _binding_error(self, frame: Any, message: str, error_id: str) -> PSThrow:
        return PSThrow(rt.error_record(dotnet.exception("System.Management.Automation.ParameterBindingException",
                                                        message), error_id, "InvalidArgument", None,
                                       self.class_name), statement=True)


def logged_value(value: Any) -> str:
    """A bound value as module logging writes it (ParameterBinderBase.cs): a collection element
    by element, joined with ", " (strings and dictionaries are not collections here); anything
    else as its ToString(): a hashtable as its type name, a PSCustomObject as @{name=value; ...},
    a string whole. (PowerShell 7 cuts the text at 256 characters; whether 5.1 does is
    UNCONFIRMED, so nothing is cut here.)"""
    if rt.is_enumerable(value):
        return ", ".join(rt.to_string(v) for v in rt.enumerate_value(value))
    return rt.to_string(value)


REGISTRY: dict[str, Cmdlet] = {}
# CommandNotFoundException's message (PowerShell's DiscoveryExceptions resources); every message
# below is in the machine's display language (machine.text, tests/simlab/locales.py).
TERM_NOT_RECOGNIZED = ("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                       "operable program. Check the spelling of the name, or if a path was included, verify that "
                       "the path is correct and try again.")


def cmdlet(name: str, class_name: str, params: list[Param], since: tuple[int, int] = (1, 0),
           aliases: tuple[str, ...] = (), available: Callable[[Any], bool] | None = None) -> Callable:
    def register(function: Callable[[Call], list]) -> Callable[[Call], list]:
        entry = Cmdlet(name, class_name, function, params, since, aliases, available)
        REGISTRY[name.lower()] = entry
        for alias in aliases:
            REGISTRY[alias.lower()] = entry
        return function
    return register


def find(name: str, run: Any) -> Cmdlet | None:
    """The cmdlet, if this machine's PowerShell has it (its version, its modules)."""
    entry = REGISTRY.get(name.lower())
    if entry is None:
        if "-" in name and name.split("-", maxsplit=1)[0].lower() in KNOWN_VERBS:
            raise Unsupported("the cmdlet %s" % name)
        return None
    if run.version < entry.since:
        return None
    if entry.available is not None and not entry.available(run.machine):
        return None
    return entry


KNOWN_VERBS = {"get", "set", "new", "remove", "add", "clear", "invoke", "start", "stop", "test", "write", "out",
               "convertto", "convertfrom", "select", "measure", "format", "import", "export", "resolve", "register",
               "enable", "disable", "restart", "join", "split", "update", "read", "wait", "group", "compare", "copy",
               "move", "rename", "foreach", "where", "sort", "tee", "send", "receive", "show", "use", "push", "pop"}


def _enumerated(items: list | None, value: Any) -> list:
    if items is not None:
        return items
    return list(rt.enumerate_value(value)) if rt.is_enumerable(value) else [value]


# -- Microsoft.PowerShell.Core and Utility -----------------------------------------------------------
@cmdlet("ForEach-Object", "Microsoft.PowerShell.Commands.ForEachObjectCommand",
        [Param("Process", 0), Param("InputObject", pipeline=True)], aliases=("%", "foreach"))
def foreach_object(call: Call) -> list:
    """Runs the block once per input object with $_ set, in the caller's scope
    (about_Pipelines; ForEach-Object page). `return` ends that object's run only."""
    from tests.simlab.powershell.compiler import ReturnSignal, ScriptBlock
    block = call.get("process")
    if not isinstance(block, ScriptBlock):
        raise Unsupported("ForEach-Object without a -Process script block")
    items = call.items if call.items is not None else _enumerated(None, call.get("inputobject"))
    return _per_item(call.frame, block, items, ReturnSignal, keep=lambda out, _item: out)


def _per_item(frame: Any, block: Any, items: list, signal: type, keep: Callable[[list, Any], list]) -> list:
    found: list[Any] = []
    saved = frame.scope.lookup("_")
    try:
        for item in items:
            frame.set("_", item)
            out: list[Any] = []
            try:
                block.body(frame, out)
            except signal:
                pass
            found.extend(keep(out, item))
    finally:
        if saved[0]:
            frame.set("_", saved[1])
    return found


@cmdlet("Where-Object", "Microsoft.PowerShell.Commands.WhereObjectCommand",
        [Param("FilterScript", 0), Param("InputObject", pipeline=True)], aliases=("?", "where"))
def where_object(call: Call) -> list:
    """Passes on the objects for which the block's output is true (Where-Object page)."""
    from tests.simlab.powershell.compiler import ReturnSignal, ScriptBlock
    block = call.get("filterscript")
    if not isinstance(block, ScriptBlock):
        raise Unsupported("Where-Object without a script block (the comparison statement form)")
    items = call.items if call.items is not None else _enumerated(None, call.get("inputobject"))
    return _per_item(call.frame, block, items, ReturnSignal,
                     keep=lambda out, item: [item] if rt.is_true(rt.collapse(out)) else [])


@cmdlet("Sort-Object", "Microsoft.PowerShell.Commands.SortObjectCommand",
        [Param("Property", 0), Param("Descending", switch=True), Param("InputObject", pipeline=True)],
        aliases=("sort",))
def sort_object(call: Call) -> list:
    """Sorts by the named properties, or the objects themselves (Sort-Object page). Windows
    PowerShell 5.1's sort is not stable; this one is, so equal keys keep their order."""
    import functools
    items = list(call.items or [])
    properties = [rt.to_string(p) for p in rt.enumerate_value(call.get("property"))] if call.has("property") else []
    members = call.run.members

    def key(item: Any) -> list[Any]:
        return [members.get(item, p, False) for p in properties] if properties else [item]

    def order(a: Any, b: Any) -> int:
        for x, y in zip(key(a), key(b), strict=True):
            if x is None and y is None:
                continue
            if x is None:
                return -1
            if y is None:
                return 1
            result = rt.compare(x, y)
            if result:
                return result
        return 0
    items.sort(key=functools.cmp_to_key(order), reverse=bool(call.get("descending")))
    return items


@cmdlet("Out-String", "Microsoft.PowerShell.Commands.OutStringCommand",
        [Param("InputObject", pipeline=True), Param("Width")])
def out_string(call: Call) -> list:
    """The input as console text, one string: each string, and each number or Boolean as
    its text, followed by a new line (Out-String page). Other objects would go through the
    formatting system, which the emulation does not have."""
    items = call.items if call.items is not None else _enumerated(None, call.get("inputobject"))
    lines = []
    for item in items:
        if item is None:
            continue
        if not isinstance(item, (str, int, float, bool)):
            raise Unsupported("Out-String of a %s (the formatting system)" % rt.type_name_of(item))
        lines.append(rt.to_string(item) + "\r\n")
    return ["".join(lines)]


@cmdlet("Write-Output", "Microsoft.PowerShell.Commands.WriteOutputCommand", [Param("InputObject", 0, pipeline=True)],
        aliases=("echo",))
def write_output(call: Call) -> list:
    if call.items is not None:
        return call.items
    return _enumerated(None, call.get("inputobject"))


@cmdlet("Write-Error", "Microsoft.PowerShell.Commands.WriteErrorCommand", [Param("Message", 0)])
def write_error(call: Call) -> list:
    """A non-terminating error with a WriteErrorException (Write-Error page)."""
    message = rt.to_string(call.get("message"))
    record = rt.error_record(dotnet.exception("Microsoft.PowerShell.Commands.WriteErrorException", message),
                             "Microsoft.PowerShell.Commands.WriteErrorException", "NotSpecified")
    call.run.write_error(call.frame, record, call.action)
    return []


@cmdlet("Write-Host", "Microsoft.PowerShell.Commands.WriteHostCommand", [Param("Object", 0)])
def write_host(call: Call) -> list:
    return []  # the host's console, not the success stream (Write-Host page)


@cmdlet("New-Object", "Microsoft.PowerShell.Commands.NewObjectCommand",
        [Param("TypeName", 0), Param("ArgumentList", 1)])
def new_object(call: Call) -> list:
    """New-Object <type> [<arguments>] (New-Object page); an array of arguments is the
    constructor's argument list."""
    name = rt.canonical_type(rt.to_string(call.get("typename")))
    arguments = call.get("argumentlist")
    values = [] if not call.has("argumentlist") else (arguments if isinstance(arguments, list) else [arguments])
    try:
        return [dotnet.construct(call.run, name, values)]
    except dotnet.TypeNotLoaded:
        raise call.terminate(dotnet.exception(
            "System.Management.Automation.PSArgumentException",
            "Cannot find type [%s]: verify that the assembly containing this type is loaded."
            % rt.to_string(call.get("typename"))), "TypeNotFound", "InvalidType") from None
    except dotnet.NetError as error:
        inner = error.exception
        wrapper = dotnet.exception("System.Management.Automation.MethodInvocationException",
                                   dotnet.method_exception(call.machine, ".ctor", len(values), inner.message),
                                   inner=inner)
        raise call.terminate(wrapper, "ConstructorInvokedThrowException", "InvalidOperation") from None


class CommandInfo(DotNet):
    type_name = "System.Management.Automation.CmdletInfo"
    complete = True

    def __init__(self, name: str) -> None:
        self.name = name

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.name, "commandtype": lambda: rt.EnumValue(
            "System.Management.Automation.CommandTypes", "Cmdlet", 8)}

    def to_string(self) -> str:
        return self.name


@cmdlet("Get-Command", "Microsoft.PowerShell.Commands.GetCommandCommand", [Param("Name", 0)])
def get_command(call: Call) -> list:
    """The command's CommandInfo, or CommandNotFoundException when this PowerShell has no such
    command (Get-Command page)."""
    found = []
    for name in rt.enumerate_value(call.get("name")):
        text = rt.to_string(name)
        if call.frame.scope.function(text.lower()) is not None or find(text, call.run) is not None:
            found.append(CommandInfo(REGISTRY[text.lower()].name if text.lower() in REGISTRY else text))
        else:
            call.error(dotnet.exception("System.Management.Automation.CommandNotFoundException",
                                        call.machine.text(TERM_NOT_RECOGNIZED) % text),
                       "CommandNotFoundException", "ObjectNotFound", text)
    return found


# -- JSON (ConvertFrom-Json / ConvertTo-Json, PowerShell 3.0) ---------------------------------------------
@cmdlet("ConvertFrom-Json", "Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
        [Param("InputObject", 0, pipeline=True)], since=V3)
def convert_from_json(call: Call) -> list:
    """ConvertFrom-Json page (5.1): objects become PSCustomObject, arrays object[]; the input
    strings are joined with new lines; a JSON array is written as one object (5.1 does not
    enumerate it). Invalid JSON is a terminating ArgumentException."""
    items = call.items if call.items is not None else [call.get("inputobject")]
    text = "\n".join(rt.to_string(i) for i in items)
    if not text.strip():
        return []  # an empty string gives no output (ConvertFrom-Json page, -InputObject)
    try:
        value = json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int,
                           parse_constant=_refuse_constant)
    except (ValueError, _DuplicateKey) as exc:
        message = str(exc) if isinstance(exc, _DuplicateKey) else "Invalid JSON primitive: %s." % text.strip()[:40]
        raise call.terminate(dotnet.exception("System.ArgumentException", message),
                             "System.ArgumentException", "NotSpecified") from None
    return [value]


class _DuplicateKey(Exception):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> rt.PSCustomObject:
    made = rt.PSCustomObject()
    for key, value in pairs:
        found, _old = made.get(key)
        if found:
            raise _DuplicateKey("Cannot convert the JSON string because a dictionary that was converted from the "
                                "string contains the duplicated keys '%s' and '%s'."
                                % (made.props[key.lower()][0], key))
        made.set(key, value)
    return made


def _json_int(text: str) -> int:
    number = int(text)
    return number if rt.INT32[0] <= number <= rt.INT32[1] else rt.Int64(number)


def _refuse_constant(text: str) -> Any:
    raise ValueError(text)


@cmdlet("ConvertTo-Json", "Microsoft.PowerShell.Commands.ConvertToJsonCommand",
        [Param("InputObject", 0, pipeline=True), Param("Depth"), Param("Compress", switch=True)], since=V3)
def convert_to_json(call: Call) -> list:
    """ConvertTo-Json page (5.1): -Depth (default 2) levels, deeper objects as their text;
    several piped objects form one array, one piped object is itself."""
    depth = rt.to_integer(call.get("depth", 2), "System.Int32")
    if call.items is not None:
        value: Any = call.items[0] if len(call.items) == 1 else list(call.items)
    else:
        value = call.get("inputobject")
    if value is None and call.run.version < (6, 0):
        return []  # Windows PowerShell writes nothing for $null (ConvertTo-Json page, -InputObject)
    compress = bool(call.get("compress"))
    return [_json(call, value, depth, 0, compress)]


# Windows PowerShell 5.1 serialises with JavaScriptSerializer, which escapes < > & ' as \uXXXX
# besides the quote, the backslash and control characters, and leaves other non-ASCII
# characters as they are; PowerShell 7 (Newtonsoft) does not escape < > & '.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


# (and U+0085, U+2028, U+2029: HttpEncoder.JavaScriptStringEncode, microsoft/referencesource)
_TO_ESCAPE = {True: re.compile("[\"\\\\\x00-\x1f<>&'\u0085\u2028\u2029]"),
              False: re.compile("[\"\\\\\x00-\x1f]")}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or "\\u%04x" % ord(char)


def _json_string(text: str, version: tuple[int, int]) -> str:
    return '"' + _TO_ESCAPE[version < (6, 0)].sub(_escape, text) + '"'


def _json(call: Call, value: Any, depth: int, level: int, compress: bool) -> str:
    version = call.run.version
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return rt.format_double(value)
    if isinstance(value, str):
        return _json_string(value, version)
    if isinstance(value, rt.EnumValue):
        return str(value.value)  # 5.1 writes an enum as its number
    if isinstance(value, dotnet.DateTime):
        return '"%s"' % dotnet.json_date(value)
    if isinstance(value, (list, bytes)):
        if level > depth:
            return _json_string(rt.to_string(value), version)
        items = [_json(call, v, depth, level + 1, compress) for v in rt.enumerate_value(value)]
        return _layout("[", "]", items, level, compress)
    if isinstance(value, (rt.Hashtable, rt.PSCustomObject)):
        if level >= depth + 1:
            return _json_string(rt.to_string(value), version)
        pairs = value.pairs() if isinstance(value, rt.Hashtable) else list(value.props.values())
        separator = ":" if compress else ":  "
        items = [_json_string(rt.to_string(k), version) + separator + _json(call, v, depth, level + 1, compress)
                 for k, v in pairs]
        return _layout("{", "}", items, level, compress)
    raise Unsupported("ConvertTo-Json of a %s" % rt.type_name_of(value))


def _layout(opening: str, closing: str, items: list[str], level: int, compress: bool) -> str:
    if compress:
        return opening + ",".join(items) + closing
    if not items:
        return opening + "\r\n\r\n" + "    " * level + closing if opening == "{" else opening + "\r\n\r\n" + \
            "    " * level + closing
    inner = "    " * (level + 1)
    return opening + "\r\n" + ",\r\n".join(inner + i for i in items) + "\r\n" + "    " * level + closing


# -- CIM (CimCmdlets module, PowerShell 3.0) ---------------------------------------------------------------
class CimProperty(DotNet):
    """Microsoft.Management.Infrastructure.CimProperty: Name, Value, CimType."""

    type_name = "Microsoft.Management.Infrastructure.Internal.Data.CimPropertyStandalone"
    complete = True

    def __init__(self, name: str, value: Any, cim_type: str) -> None:
        self.name = name
        self.value = value
        self.cim_type = cim_type

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.name, "value": lambda: self.value, "cimtype": lambda: _cim_type(self.cim_type)}


class CimKeyed(DotNet):
    """A keyed collection of PowerShell/MMI (CimInstance.CimInstanceProperties, and the
    CimReadOnlyKeyedCollection<T> of a CimClass's declarations): enumerable, indexed by name
    without regard to case, $null for a name it lacks."""

    enumerable = True
    complete = True

    def __init__(self, type_name: str, items: dict[str, Any]) -> None:
        self.type_name = type_name
        self.items = items

    def index(self, key: Any) -> Any:
        return self.items.get(rt.to_string(key).lower())

    def enumerate(self) -> list[Any]:
        return list(self.items.values())

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"count": lambda: len(self.items)}


def declarations(item_type: str, items: dict[str, Any]) -> CimKeyed:
    """CimReadOnlyKeyedCollection<item_type>, the collections a CimClass's declarations come in."""
    return CimKeyed("Microsoft.Management.Infrastructure.Generic.CimReadOnlyKeyedCollection`1[%s]" % item_type, items)


class CimInstance(DotNet):
    """Microsoft.Management.Infrastructure.CimInstance as the CIM cmdlets return it: its
    properties through PowerShell's CIM adapter (case-insensitive names), CimClass, and a
    reference to the instance it came from (what Invoke-CimMethod -InputObject calls on)."""

    type_name = "Microsoft.Management.Infrastructure.CimInstance"
    complete = True

    def __init__(self, class_name: str, values: dict[str, Any], types: dict[str, str], source: Any = None,
                 schema: Any = None, computer: str | None = None) -> None:
        self.class_name = class_name
        self.values = {k.lower(): (k, v) for k, v in values.items()}
        self.types = {k.lower(): t for k, t in types.items()}
        self.source = source
        self.schema = schema
        self.computer = computer

    def members(self) -> dict[str, Callable[[], Any]]:
        found: dict[str, Callable[[], Any]] = {k: (lambda v=v: v) for k, (_n, v) in self.values.items()}
        found["cimclass"] = lambda: CimClassInfo(self.class_name, self.schema)
        found["ciminstanceproperties"] = lambda: CimKeyed(
            "Microsoft.Management.Infrastructure.Internal.Data.CimPropertiesCollection",
            {k: CimProperty(n, v, self.types.get(k, "string")) for k, (n, v) in self.values.items()})
        found["pscomputername"] = lambda: self.computer
        return found

    def property_names(self) -> list[str]:
        return [n for n, _v in self.values.values()] + ["PSComputerName"]

    def to_string(self) -> str:
        return self.class_name


class CimClassInfo(DotNet):
    """Microsoft.Management.Infrastructure.CimClass: its name and, when the declaration was
    read (Get-CimClass), CimClassProperties and CimClassMethods (PowerShell/MMI CimClass.cs)."""

    type_name = "Microsoft.Management.Infrastructure.CimClass"
    complete = True

    def __init__(self, name: str, schema: Any, properties: dict[str, str] | None = None,
                 methods: dict[str, dict[str, str]] | None = None) -> None:
        self.name = name
        self.schema = schema
        self.properties = properties
        self.methods = methods

    def members(self) -> dict[str, Callable[[], Any]]:
        found: dict[str, Callable[[], Any]] = {"cimclassname": lambda: self.name}
        if self.properties is not None and self.methods is not None:
            key = self.schema.key.lower()
            found["cimclassproperties"] = lambda: declarations("CimPropertyDeclaration", {
                n.lower(): CimDeclaration("CimPropertyDeclaration", n, t, {"key": True} if n.lower() == key else {})
                for n, t in self.properties.items()})
            found["cimclassmethods"] = lambda: declarations("CimMethodDeclaration", {
                m.lower(): CimMethod(m, p) for m, p in self.methods.items()})
        return found

    def to_string(self) -> str:
        namespace = getattr(self.schema, "namespace", None) or "ROOT/cimv2"
        return "%s:%s" % (namespace, self.name)


# Microsoft.Management.Infrastructure.CimType (PowerShell/MMI CimType.cs): name and value.
CIM_TYPES = {"string": ("String", 14), "uint32": ("UInt32", 6), "uint64": ("UInt64", 8), "boolean": ("Boolean", 1),
             "datetime": ("DateTime", 13), "sint32": ("SInt32", 7), "uint16": ("UInt16", 4),
             "string[]": ("StringArray", 30), "uint16[]": ("UInt16Array", 20)}
# The .NET element type of a CIM array property's value.
CIM_ARRAY_ELEMENTS = {"string[]": "System.String", "uint16[]": "System.UInt16"}


def _instance_value(value: Any, cim_type: str) -> Any:
    """A property's value as the CimInstance holds it: an array property's a typed array of its
    own (a script changing it leaves the host's instance alone)."""
    if cim_type.endswith("[]") and value is not None:
        if cim_type not in CIM_ARRAY_ELEMENTS:
            raise Unsupported("a CIM property of type %s" % cim_type)
        return rt.TypedArray(list(value), CIM_ARRAY_ELEMENTS[cim_type])
    return value


def _cim_type(cim_type: str) -> rt.EnumValue:
    name, value = CIM_TYPES[cim_type]
    return rt.EnumValue("Microsoft.Management.Infrastructure.CimType", name, value)


class CimQualifier(DotNet):
    type_name = "Microsoft.Management.Infrastructure.CimQualifier"
    complete = True

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value

    def members(self) -> dict[str, Callable[[], Any]]:
        cim_type = "boolean" if isinstance(self.value, bool) else "sint32"
        return {"name": lambda: self.name, "value": lambda: self.value, "cimtype": lambda: _cim_type(cim_type)}


class CimDeclaration(DotNet):
    """A CimPropertyDeclaration or CimMethodParameterDeclaration: Name, CimType, Qualifiers.
    mofcomp gives each method parameter an ID qualifier, its position (WMI's "Standard
    Qualifiers": "ID ... Specifies the position of a parameter in a method's parameter list"),
    and an [in] parameter the In qualifier; a class's key property has Key."""

    complete = True

    def __init__(self, kind: str, name: str, cim_type: str, qualifiers: dict[str, Any]) -> None:
        self.type_name = "Microsoft.Management.Infrastructure.%s" % kind
        self.name = name
        self.cim_type = cim_type
        self.qualifiers = qualifiers

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.name, "cimtype": lambda: _cim_type(self.cim_type),
                "qualifiers": lambda: declarations("CimQualifier", {
                    n.lower(): CimQualifier(n[0].upper() + n[1:], v) for n, v in self.qualifiers.items()}),
                "referenceclassname": lambda: None}

    def to_string(self) -> str:
        return "%s : %s" % (self.name, CIM_TYPES[self.cim_type][0])


class CimMethod(DotNet):
    """CimMethodDeclaration: Name, ReturnType (uint32 for the licensing methods), Parameters."""

    type_name = "Microsoft.Management.Infrastructure.CimMethodDeclaration"
    complete = True

    def __init__(self, name: str, parameters: dict[str, str]) -> None:
        self.name = name
        self.parameters = parameters

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.name, "returntype": lambda: _cim_type("uint32"),
                "parameters": lambda: declarations("CimMethodParameterDeclaration", {
                    n.lower(): CimDeclaration("CimMethodParameterDeclaration", n, t, {"ID": rt.Int32(i), "In": True})
                    for i, (n, t) in enumerate(self.parameters.items())})}

    def to_string(self) -> str:
        return self.name


class CimMethodResult(DotNet):
    """What Invoke-CimMethod writes: ReturnValue and the out parameters (CimMethodResult)."""

    type_name = "Microsoft.Management.Infrastructure.CimMethodResult"
    complete = True

    def __init__(self, value: Any, computer: str | None) -> None:
        self.value = value
        self.computer = computer

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"returnvalue": lambda: self.value, "pscomputername": lambda: self.computer}


def cim_exception(hresult: int | None, message: str, error_data: bool = True) -> rt.DotNetException:
    """A CimException for a WMI error (docs/licensing-facts.md §10.1 of the project's reference;
    MI's mapping of WBEM codes to NativeErrorCode,
    learn.microsoft.com/windows/win32/api/mi/ne-mi-mi_result): ErrorData is the MSFT_WmiError
    instance whose error_Code is the HRESULT; MessageId "HRESULT 0x...". A CimException's own
    HResult is never set (0x80131500). Without ``error_data`` it carries the message ID only (the
    lab's ``error_data: false`` fault)."""
    native = NATIVE_ERRORS.get(hresult or 0, ("Failed", 1))
    message_id = None if hresult is None else "HRESULT 0x%08x" % (hresult & 0xFFFFFFFF)
    extra: dict[str, Any] = {
        "NativeErrorCode": rt.EnumValue("Microsoft.Management.Infrastructure.NativeErrorCode", native[0], native[1]),
        "StatusCode": native[1],
        "MessageId": message_id,
        "ErrorData": None if message_id is None or not error_data else CimInstance(
            "MSFT_WmiError", {"error_Code": rt.UInt32(hresult & 0xFFFFFFFF), "Message": message,
                              "MessageID": message_id, "error_Type": "HRESULT"},
            {"error_Code": "uint32", "Message": "string", "MessageID": "string", "error_Type": "string"}),
    }
    return dotnet.exception("Microsoft.Management.Infrastructure.CimException", message, extra=extra)


NATIVE_ERRORS = {0x80070005: ("AccessDenied", 2), 0x80041010: ("InvalidClass", 5), 0x80041002: ("NotFound", 6),
                 0x8004100E: ("InvalidNamespace", 3),
                 0x80041017: ("InvalidQuery", 15), 0x8004102E: ("MethodNotFound", 17),
                 0x8004102F: ("InvalidParameter", 4), 0x80041008: ("InvalidParameter", 4)}
# ConvertCimNativeErrorCodeToErrorCategory (PowerShell's CimCmdlets, ErrorToErrorRecord).
CIM_CATEGORY = {"AccessDenied": "PermissionDenied", "InvalidClass": "MetadataError", "NotFound": "ObjectNotFound",
                "InvalidNamespace": "MetadataError",
                "InvalidQuery": "InvalidArgument", "MethodNotFound": "MetadataError",
                "InvalidParameter": "InvalidArgument"}


def _cim_error(call: Call, error: Any) -> None:
    exception = cim_exception(error.hresult, error.shown(call.machine.text), error.error_data)
    native = exception.extra["NativeErrorCode"].name
    error_id = exception.extra["MessageId"] or native
    call.error(exception, error_id, CIM_CATEGORY.get(native, "NotSpecified"))


def _cim_namespace(call: Call) -> str:
    """-Namespace: "The default namespace is root/CIMV2" (the CIM cmdlets' pages). WMI compares
    namespaces without regard to case, with "/" or "\\" between the parts. A namespace the lab does
    not model is not emulated; one it models that this Windows lacks fails in WMI (0x8004100E)."""
    namespace = call.get("namespace")
    if namespace is None:
        return "root/cimv2"
    text = rt.to_string(namespace)
    if text.replace("\\", "/").strip("/").lower() not in call.machine.cim_namespaces:
        raise Unsupported("the CIM namespace %s" % text)
    return text


@cmdlet("Get-CimInstance", "Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand",
        [Param("ClassName", 0), Param("Filter"), Param("Query"), Param("Namespace")], since=V3)
def get_cim_instance(call: Call) -> list:
    """Get-CimInstance page: -Query runs a WQL query, -ClassName [-Filter] enumerates a class
    (a condition is a WQL WHERE clause). WMI's errors are non-terminating CimExceptions."""
    namespace = _cim_namespace(call)
    machine = call.machine
    try:
        if call.has("query"):
            if call.has("classname") or call.has("filter"):
                message = "Parameter set cannot be resolved using the specified named parameters."
                raise call.cmdlet._binding_error(call.frame, message, "AmbiguousParameterSet")
            found = machine.exec_query(rt.to_string(call.get("query")), namespace)
        else:
            if not call.has("classname"):
                raise Unsupported("Get-CimInstance without -ClassName or -Query")
            condition = call.get("filter")
            found = machine.enumerate_instances(
                rt.to_string(call.get("classname")), None if condition is None else rt.to_string(condition), namespace)
    except machine.CimError as error:
        _cim_error(call, error)
        return []
    return [CimInstance(cls.name, {k: _instance_value(v, types[k]) for k, v in values.items()}, types, source, cls,
                        machine.computer_name)
            for cls, values, types, source in found]


@cmdlet("Get-CimClass", "Microsoft.Management.Infrastructure.CimCmdlets.GetCimClassCommand",
        [Param("ClassName", 0), Param("Namespace", 1)], since=V3)
def get_cim_class(call: Call) -> list:
    """Get-CimClass -ClassName (Get-CimClass page): the class's declaration, as this Windows
    registers it. WMI's errors (an unregistered class: 0x80041010) are non-terminating
    CimExceptions, as Get-CimInstance's are. Wildcards in the name are not emulated."""
    namespace = _cim_namespace(call)
    name = rt.to_string(call.get("classname"))
    if not call.has("classname") or any(c in name for c in "*?["):
        raise Unsupported("Get-CimClass without a plain -ClassName")
    machine = call.machine
    try:
        cls, properties, methods = machine.get_class(name, namespace)
    except machine.CimError as error:
        _cim_error(call, error)
        return []
    return [CimClassInfo(cls.name, cls, properties, methods)]


@cmdlet("Invoke-CimMethod", "Microsoft.Management.Infrastructure.CimCmdlets.InvokeCimMethodCommand",
        [Param("InputObject", pipeline=True), Param("MethodName", 1), Param("Arguments", 2), Param("ClassName", 0),
         Param("Namespace")], since=V3)
def invoke_cim_method(call: Call) -> list:
    """Invoke-CimMethod -InputObject -MethodName -Arguments (Invoke-CimMethod page; the method runs
    in the instance's own namespace), with the
    client-side steps of CimInvokeCimMethod.cs (CreateParametersCollection, PowerShell/PowerShell):
    no arguments, no check; otherwise the method's declaration is looked up in the instance's
    CimClass: when the class declares the method, an argument name it lacks is an
    ArgumentException ("Can not find Parameter '{0}' in method '{1}' of class '{2}'.") and each
    value is converted to the parameter's CIM type as CimPropertyStandalone does
    (Convert.ToUInt32 etc., PowerShell/MMI); when it does not, the arguments go untyped and WMI
    decides. Those client exceptions end the statement (CmdletInvocationException, error id
    the exception's type name). WMI's own errors are non-terminating CimExceptions."""
    machine = call.machine
    target = call.get("inputobject") if call.items is None else rt.collapse(call.items)
    if call.has("classname") or not isinstance(target, CimInstance):
        raise Unsupported("Invoke-CimMethod without -InputObject <CimInstance>")
    if call.has("namespace"):
        # -Namespace is in the ClassName, ResourceUri and Query parameter sets, not in the
        # CimInstance ones (Invoke-CimMethod page, SYNTAX): the instance carries its namespace.
        if call.items is not None:
            raise Unsupported("Invoke-CimMethod -Namespace with pipeline input")
        message = "Parameter set cannot be resolved using the specified named parameters."
        raise call.cmdlet._binding_error(call.frame, message, "AmbiguousParameterSet")
    name = rt.to_string(call.get("methodname"))
    arguments = call.get("arguments")
    if arguments is not None and not isinstance(arguments, rt.Hashtable):
        raise Unsupported("Invoke-CimMethod -Arguments of a %s" % rt.type_name_of(arguments))
    values: dict[str, Any] = {}
    pairs = arguments.pairs() if arguments is not None else []
    declared = machine.method_parameters(target.schema, name) if pairs else None
    for key, value in pairs:
        text = rt.to_string(key)
        if declared is None:
            values[text] = value  # untyped: CimType from the .NET value
            continue
        parameter = next((p for p in declared if p.lower() == text.lower()), None)
        if parameter is None:
            raise _client_error(call, dotnet.exception(
                "System.ArgumentException", "Can not find Parameter '%s' in method '%s' of class '%s'."
                % (text, name, target.class_name)))
        values[parameter] = _cim_value(call, value, declared[parameter])
    try:
        result = machine.exec_method(target.schema, target.source, name, values)
    except machine.CimError as error:
        _cim_error(call, error)
        return []
    return [CimMethodResult(rt.UInt32(result) if isinstance(result, int) else result, machine.computer_name)]


def _client_error(call: Call, exception: rt.DotNetException) -> PSThrow:
    """An exception out of a cmdlet's ProcessRecord: statement-terminating, error id the
    exception's full type name (CommandProcessorBase.ManageInvocationException)."""
    return PSThrow(rt.error_record(exception, exception.type_name, "NotSpecified", None, call.cmdlet.class_name),
                   statement=True)


def _cim_value(call: Call, value: Any, cim_type: str) -> Any:
    """CimPropertyStandalone's conversion: Convert.ToUInt32 / ToString / ToBoolean with the
    invariant culture (learn.microsoft.com/dotnet/api/system.convert); a FormatException or
    InvalidCastException becomes an ArgumentException ("...\r\nParameter name: value"), an
    OverflowException is not caught."""
    if value is None:
        return None
    try:
        if cim_type == "string":
            return rt.to_string(value)
        if cim_type == "boolean":
            if isinstance(value, str):
                text = value.strip().lower()
                if text not in ("true", "false"):
                    raise _Format("String was not recognized as a valid Boolean.")
                return text == "true"
            return rt.is_true(value) if isinstance(value, (bool, int, float)) else _invalid(value, cim_type)
        if cim_type in ("uint32", "uint64", "sint32"):
            target = {"uint32": "System.UInt32", "uint64": "System.UInt64", "sint32": "System.Int32"}[cim_type]
            if isinstance(value, str):
                text = value.strip()
                if not re.fullmatch(r"[+-]?[0-9]+", text):
                    raise _Format("Input string was not in a correct format.")
                number: Any = int(text)
            elif isinstance(value, (bool, int)):
                number = int(value)
            elif isinstance(value, float):
                number = round(value)
            else:
                return _invalid(value, cim_type)
            low, high = rt.RANGES[target]
            if not low <= number <= high:
                raise _client_error(call, dotnet.exception(
                    "System.OverflowException", "Value was either too large or too small for a %s."
                    % target.split(".")[1]))
            return rt.NUMBER_CLASSES[target](number)
    except _Format as exc:
        raise _client_error(call, dotnet.exception("System.ArgumentException",
                                                   "%s\r\nParameter name: value" % exc)) from None
    raise Unsupported("a CIM argument of type %s" % cim_type)


class _Format(Exception):
    pass


def _invalid(value: Any, cim_type: str) -> Any:
    raise _Format("Invalid cast from '%s' to '%s'." % (rt.type_name_of(value), cim_type))


# -- services, registry, events, DNS --------------------------------------------------------------------
class ServiceController(DotNet):
    type_name = "System.ServiceProcess.ServiceController"
    complete = True

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.entry["Name"], "servicename": lambda: self.entry["Name"],
                "displayname": lambda: self.entry["DisplayName"],
                "status": lambda: rt.EnumValue("System.ServiceProcess.ServiceControllerStatus", self.entry["State"],
                                               {"Stopped": 1, "Running": 4}.get(self.entry["State"], 0))}

    def to_string(self) -> str:
        return self.type_name


@cmdlet("Get-Service", "Microsoft.PowerShell.Commands.GetServiceCommand", [Param("Name", 0)])
def get_service(call: Call) -> list:
    """Get-Service -Name (Get-Service page): the services of that name, in any state; a name
    with no service is a non-terminating ServiceCommandException."""
    found = []
    services = call.machine.services()
    for name in rt.enumerate_value(call.get("name")):
        text = rt.to_string(name)
        if any(c in text for c in "*?["):
            raise Unsupported("Get-Service with a wildcard")
        match = [s for s in services if s["Name"].lower() == text.lower()]
        if not match:
            call.error(dotnet.exception("Microsoft.PowerShell.Commands.ServiceCommandException",
                                        call.machine.text("Cannot find any service with service name '%s'.") % text),
                       "NoServiceFoundForGivenName", "ObjectNotFound", text)
        found.extend(ServiceController(s) for s in match)
    return found


@cmdlet("Restart-Service", "Microsoft.PowerShell.Commands.RestartServiceCommand",
        [Param("Name", 0), Param("Force", switch=True), Param("PassThru", switch=True)])
def restart_service(call: Call) -> list:
    """Restart-Service [-Name] <String[]> [-Force] [-PassThru] (Restart-Service page: "stops and
    then starts one or more services"; -PassThru "Returns an object that represents the service").
    A name with no service is the non-terminating ServiceCommandException Get-Service writes; a
    disabled service cannot start ("Service '<display name> (<name>)' cannot be started due to the
    following error: Cannot start service <name> on computer '.'.", ServiceCommandException,
    CouldNotStartService, OpenError). Which services the lab can restart is the machine's."""
    found = []
    for name in rt.enumerate_value(call.get("name")):
        text = rt.to_string(name)
        if any(c in text for c in "*?["):
            raise Unsupported("Restart-Service with a wildcard")
        outcome = call.machine.restart_service(text)
        if outcome == "not_found":
            call.error(dotnet.exception("Microsoft.PowerShell.Commands.ServiceCommandException",
                                        call.machine.text("Cannot find any service with service name '%s'.") % text),
                       "NoServiceFoundForGivenName", "ObjectNotFound", text)
            continue
        entry = next(s for s in call.machine.services() if s["Name"].lower() == text.lower())
        if outcome == "cannot_start":
            template = call.machine.text("Service '%(display)s (%(name)s)' cannot be started due to the following "
                                         "error: Cannot start service %(name)s on computer '.'.")
            message = template % {"display": entry["DisplayName"], "name": entry["Name"]}
            call.error(dotnet.exception("Microsoft.PowerShell.Commands.ServiceCommandException", message),
                       "CouldNotStartService", "OpenError", text)
            continue
        if call.get("passthru"):
            found.append(ServiceController(entry))
    return found


class RegistryKey(DotNet):
    """Microsoft.Win32.RegistryKey as the registry provider returns it: GetValue(name) is the
    value or $null (learn.microsoft.com/dotnet/api/microsoft.win32.registrykey.getvalue), a
    REG_MULTI_SZ value as String[] (RegistryValueKind.MultiString, "an array of null-terminated
    strings", learn.microsoft.com/dotnet/api/microsoft.win32.registryvaluekind), PSChildName the key's own name."""

    type_name = "Microsoft.Win32.RegistryKey"
    complete = True

    def __init__(self, path: str, key: dict[str, Any]) -> None:
        self.path = path
        self.key = {"values": key.get("values") or {}, "subkeys": key.get("subkeys") or {}}

    def members(self) -> dict[str, Callable[[], Any]]:
        native = "HKEY_LOCAL_MACHINE" + self.path[len("HKLM:"):]
        return {"pschildname": lambda: self.path.rsplit("\\", 1)[-1], "name": lambda: native,
                "pspath": lambda: "Microsoft.PowerShell.Core\\Registry::" + native,
                "property": lambda: list(self.key["values"]), "subkeycount": lambda: len(self.key["subkeys"]),
                "valuecount": lambda: len(self.key["values"])}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"getvalue": self.get_value, "getvaluenames": lambda: list(self.key["values"]),
                "getsubkeynames": lambda: list(self.key["subkeys"])}

    def get_value(self, name: Any, default: Any = None) -> Any:
        wanted = rt.to_string(name).lower()
        for value_name, value in self.key["values"].items():
            if value_name.lower() == wanted:
                return rt.TypedArray(list(value), "System.String") if isinstance(value, list) else value
        return default

    def to_string(self) -> str:
        return "HKEY_LOCAL_MACHINE" + self.path[len("HKLM:"):]


def _registry_path(call: Call) -> str:
    if call.has("path"):
        text = rt.to_string(call.get("path"))
        if any(c in text for c in "*?["):
            raise Unsupported("a wildcard registry path")
    elif call.has("literalpath"):
        text = rt.to_string(call.get("literalpath"))
    else:
        raise Unsupported("%s without a path" % call.cmdlet.name)
    if not text.lower().startswith("hklm:\\"):
        raise Unsupported("the provider path %s (only HKLM: is emulated)" % text)
    return text.rstrip("\\")


def _path_missing(call: Call, path: str) -> None:
    call.error(dotnet.exception("System.Management.Automation.ItemNotFoundException",
                                call.machine.text("Cannot find path '%s' because it does not exist.") % path),
               "PathNotFound", "ObjectNotFound", path)


@cmdlet("Test-Path", "Microsoft.PowerShell.Commands.TestPathCommand", [Param("Path", 0), Param("LiteralPath")])
def test_path(call: Call) -> list:
    return [call.machine.registry_key(_registry_path(call)) is not None]


@cmdlet("Get-Item", "Microsoft.PowerShell.Commands.GetItemCommand", [Param("Path", 0), Param("LiteralPath")])
def get_item(call: Call) -> list:
    path = _registry_path(call)
    key = call.machine.registry_key(path)
    if key is None:
        _path_missing(call, path)
        return []
    return [RegistryKey(path, key)]


@cmdlet("Get-ChildItem", "Microsoft.PowerShell.Commands.GetChildItemCommand", [Param("Path", 0), Param("LiteralPath")],
        aliases=("dir", "gci", "ls"))
def get_child_item(call: Call) -> list:
    path = _registry_path(call)
    key = call.machine.registry_key(path)
    if key is None:
        _path_missing(call, path)
        return []
    children = sorted(key["subkeys"].items(), key=lambda item: item[0].lower())
    return [RegistryKey(path + "\\" + name, sub) for name, sub in children]


# The registry value kinds of -Type (Set-ItemProperty) the lab writes: MultiString "Specifies an
# array of null-terminated strings terminated by two null characters. Equivalent to REG_MULTI_SZ"
# (New-ItemProperty page, -PropertyType; Set-ItemProperty's -Type takes the same values). Its data
# is the value converted to String[] (what RegistryKey.GetValue returns for it).
REGISTRY_KINDS = ("multistring",)


@cmdlet("Set-ItemProperty", "Microsoft.PowerShell.Commands.SetItemPropertyCommand",
        [Param("Path", 0), Param("LiteralPath"), Param("Name", 1), Param("Value", 2), Param("Type")])
def set_item_property(call: Call) -> list:
    """Set-ItemProperty -LiteralPath <key> -Name <value> -Value <data> -Type <kind> (Set-ItemProperty
    page: "You also use Set-ItemProperty to create and change registry values and data"; -Type is
    the registry provider's dynamic parameter). A key that does not exist is the non-terminating
    ItemNotFoundException of the other provider cmdlets. No output without -PassThru."""
    path = _registry_path(call)
    kind = rt.to_string(call.get("type")).lower() if call.has("type") else None
    if kind not in REGISTRY_KINDS:
        raise Unsupported("Set-ItemProperty -Type %s (the lab writes %s)" % (kind, ", ".join(REGISTRY_KINDS)))
    data = [rt.to_string(item) for item in rt.enumerate_value(call.get("value"))]
    if not call.machine.registry_set(path, rt.to_string(call.get("name")), data):
        _path_missing(call, path)
    return []


@cmdlet("Remove-ItemProperty", "Microsoft.PowerShell.Commands.RemoveItemPropertyCommand",
        [Param("Path", 0), Param("LiteralPath"), Param("Name", 1)])
def remove_item_property(call: Call) -> list:
    """Remove-ItemProperty -LiteralPath <key> -Name <value> (its page: "deletes a property and its
    value from an item ... to delete registry values"). No output."""
    path = _registry_path(call)
    if call.machine.registry_key(path) is None:
        _path_missing(call, path)
        return []
    call.machine.registry_remove(path, rt.to_string(call.get("name")))
    return []


class EventProperty(DotNet):
    type_name = "System.Diagnostics.Eventing.Reader.EventProperty"
    complete = True

    def __init__(self, value: Any) -> None:
        self.value = value

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"value": lambda: self.value}


class EventRecord(DotNet):
    """System.Diagnostics.Eventing.Reader.EventLogRecord: Id, RecordId, ProviderName,
    TimeCreated (local time), Properties (the insertion strings)."""

    type_name = "System.Diagnostics.Eventing.Reader.EventLogRecord"
    complete = True

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event

    def members(self) -> dict[str, Callable[[], Any]]:
        event = self.event
        return {"id": lambda: event["id"], "recordid": lambda: rt.Int64(event["record_id"]),
                "providername": lambda: event["provider"], "logname": lambda: event.get("log") or "Application",
                "timecreated": lambda: dotnet.from_iso(event["time_created"]),
                "properties": lambda: [EventProperty(v) for v in event["data"]]}


FILTER_KEYS = ("logname", "providername", "id", "level", "starttime", "endtime", "keywords", "userid", "data", "path")


@cmdlet("Get-WinEvent", "Microsoft.PowerShell.Commands.GetWinEventCommand",
        [Param("FilterHashtable", 0), Param("MaxEvents")], since=V2)
def get_win_event(call: Call) -> list:
    """Get-WinEvent -FilterHashtable (Get-WinEvent page): newest first; no match is the error
    NoMatchingEventsFound, an unregistered provider NoMatchingProvidersFound."""
    table = call.get("filterhashtable")
    if not isinstance(table, rt.Hashtable):
        raise Unsupported("Get-WinEvent without -FilterHashtable")
    keys = {rt.to_string(k).lower(): v for k, v in table.pairs()}
    if set(keys) - {"logname", "providername", "id"}:
        raise Unsupported("the Get-WinEvent filter keys %s" % sorted(set(keys) - {"logname", "providername", "id"}))
    newest = rt.to_integer(call.get("maxevents"), "System.Int64") if call.has("maxevents") else None
    if newest is not None and newest < 1:
        raise PSThrow(rt.error_record(dotnet.exception(
            "System.Management.Automation.ParameterBindingException",
            "Cannot validate argument on parameter 'MaxEvents'. The %d argument is less than the minimum allowed "
            "range of 1." % newest), "ParameterArgumentValidationError", "InvalidData", None,
            call.cmdlet.class_name), statement=True)
    providers = [rt.to_string(p) for p in rt.enumerate_value(keys.get("providername"))] if "providername" in keys \
        else None
    ids = [rt.to_integer(i, "System.Int32") for i in rt.enumerate_value(keys["id"])] if "id" in keys else None
    logs = [rt.to_string(log) for log in rt.enumerate_value(keys.get("logname"))] if "logname" in keys else []
    registered = call.machine.event_providers()
    for provider in providers or []:
        if provider.lower() not in {p.lower() for p in registered}:
            message = call.machine.text('There is not an event provider on the localhost computer that matches "%s".')
            call.error(dotnet.exception("System.Exception", message % provider), "NoMatchingProvidersFound",
                       "ObjectNotFound", provider)
            return []
    try:
        found = call.machine.events(logs, providers, ids)
    except OSError as exc:
        # the reader's EventLogException ends the statement (CommandProcessorBase wraps what
        # ProcessRecord throws); its HResult as HRESULT_FROM_WIN32 of the Win32 code is UNCONFIRMED
        raise _client_error(call, dotnet.exception(
            "System.Diagnostics.Eventing.Reader.EventLogException", exc.strerror or str(exc),
            hresult=-2147024896 + (exc.errno or 0))) from None
    if newest is not None:
        found = found[:newest]
    if not found:
        message = call.machine.text("No events were found that match the specified selection criteria.")
        call.error(dotnet.exception("System.Exception", message), "NoMatchingEventsFound", "ObjectNotFound")
        return []
    return [EventRecord(e) for e in found]


class DnsRecord(DotNet):
    """Resolve-DnsName's answer records (DnsRecord_SRV: NameTarget, Port, Priority, Weight;
    DnsRecord_A / _AAAA in the additional section: IPAddress)."""

    complete = True

    def __init__(self, fields: dict[str, Any], type_name: str) -> None:
        self.fields = {k.lower(): v for k, v in fields.items()}
        self.type_name = type_name

    def members(self) -> dict[str, Callable[[], Any]]:
        return {k: (lambda v=v: v) for k, v in self.fields.items()}


@cmdlet("Get-DnsClientGlobalSetting", "Get-DnsClientGlobalSetting", [], since=V3,
        available=lambda machine: machine.has_dns_client)
def get_dns_client_global_setting(call: Call) -> list:
    """Get-DnsClientGlobalSetting (DnsClient module, Windows 8 / Server 2012 and later): the
    MSFT_DNSClientGlobalSetting instance; SuffixSearchList is the configured DNS suffix search
    list (an empty array when none is set: then the resolver uses the primary and each
    connection's suffix)."""
    found = call.machine.dns_search_list
    return [DnsRecord({"SuffixSearchList": rt.TypedArray(list(found), "System.String"),
                       "UseSuffixSearchList": True, "UseDevolution": True},
                      "Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_DNSClientGlobalSetting")]


@cmdlet("Resolve-DnsName", "Microsoft.DnsClient.Commands.ResolveDnsName",
        [Param("Name", 0), Param("Type", 1), Param("DnsOnly", switch=True)], since=V3,
        available=lambda machine: machine.has_dns_client)
def resolve_dns_name(call: Call) -> list:
    """Resolve-DnsName -Name -Type SRV -DnsOnly (DnsClient module, Windows 8 / Server 2012 and
    later): the SRV answers, then the targets' addresses in the additional section; a name
    that does not exist is a Win32Exception with NativeErrorCode 9003
    (DNS_ERROR_RCODE_NAME_ERROR)."""
    name = rt.to_string(call.get("name"))
    kind = rt.to_string(call.get("type", "A_AAAA")).upper()
    if kind != "SRV":
        raise Unsupported("Resolve-DnsName -Type %s" % kind)
    records = call.machine.srv_records(name)
    if records is None:
        call.error(dotnet.exception("System.ComponentModel.Win32Exception",
                                    call.machine.text("%s : DNS name does not exist") % name,
                                    hresult=-2147467259, extra={"NativeErrorCode": 9003, "ErrorCode": -2147467259}),
                   "DNS_ERROR_RCODE_NAME_ERROR", "ResourceUnavailable", name)
        return []
    answers: list[Any] = [DnsRecord({"Name": name, "Type": rt.EnumValue("Microsoft.DnsClient.Commands.RecordType",
                                                                        "SRV", 33),
                                     "Section": "Answer", "NameTarget": r["target"], "Port": r["port"],
                                     "Priority": r["priority"], "Weight": r["weight"]},
                                    "Microsoft.DnsClient.Commands.DnsRecord_SRV") for r in records]
    for record in records:
        for address in call.machine.resolve(record["target"]):
            six = ":" in address
            answers.append(DnsRecord({"Name": record["target"], "Section": "Additional",
                                      "IPAddress": address, "IP6Address" if six else "IP4Address": address},
                                     "Microsoft.DnsClient.Commands.DnsRecord_%s" % ("AAAA" if six else "A")))
    return answers
