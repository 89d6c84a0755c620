"""The .NET types the emulation knows, and member access on every value.

Only the members listed here exist in the emulation; any other member of a .NET type is
Unsupported (it may well exist on Windows: the emulation refuses rather than guess). Each
type cites Microsoft's .NET reference (learn.microsoft.com/dotnet/api/<full type name>).
Exceptions carry the type, message, HResult and properties Windows gives them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell.runtime import DotNet, DotNetException, PSThrow, Unsupported

# -- exception types: base classes (learn.microsoft.com/dotnet/api/<type>, "Inheritance") ----------
EXCEPTION_BASES: dict[str, tuple[str, ...]] = {
    "System.Exception": (),
    "System.SystemException": (),
    "System.ArgumentException": ("System.SystemException",),
    "System.ArgumentNullException": ("System.ArgumentException", "System.SystemException"),
    "System.ArgumentOutOfRangeException": ("System.ArgumentException", "System.SystemException"),
    "System.FormatException": ("System.SystemException",),
    "System.InvalidOperationException": ("System.SystemException",),
    "System.NotSupportedException": ("System.SystemException",),
    "System.ObjectDisposedException": ("System.InvalidOperationException", "System.SystemException"),
    "System.Management.Automation.RuntimeException": ("System.SystemException",),
    "System.Management.Automation.MethodException": (
        "System.Management.Automation.RuntimeException", "System.SystemException"),
    "System.Management.Automation.MethodInvocationException": (
        "System.Management.Automation.MethodException", "System.Management.Automation.RuntimeException",
        "System.SystemException"),
    "System.Management.Automation.PSInvalidCastException": ("System.InvalidCastException", "System.SystemException"),
    "System.InvalidCastException": ("System.SystemException",),
    "System.ArithmeticException": ("System.SystemException",),
    "System.OverflowException": ("System.ArithmeticException", "System.SystemException"),
    "System.DivideByZeroException": ("System.ArithmeticException", "System.SystemException"),
    "System.Management.Automation.SessionStateException": ("System.Management.Automation.RuntimeException",
                                                           "System.SystemException"),
    "System.Management.Automation.ParameterBindingException": (
        "System.Management.Automation.RuntimeException", "System.SystemException"),
    "System.Management.Automation.ParameterBindingArgumentTransformationException": (
        "System.Management.Automation.ParameterBindingException", "System.Management.Automation.RuntimeException",
        "System.SystemException"),
    "System.Management.Automation.CommandNotFoundException": ("System.Management.Automation.RuntimeException",
                                                              "System.SystemException"),
    "System.Management.Automation.ItemNotFoundException": ("System.Management.Automation.SessionStateException",
                                                           "System.Management.Automation.RuntimeException",
                                                           "System.SystemException"),
    "System.Management.Automation.ActionPreferenceStopException": (
        "System.Management.Automation.RuntimeException", "System.SystemException"),
    "Microsoft.PowerShell.Commands.WriteErrorException": ("System.SystemException",),
    "System.ComponentModel.Win32Exception": ("System.Runtime.InteropServices.ExternalException",
                                             "System.SystemException"),
    "System.Net.Sockets.SocketException": ("System.ComponentModel.Win32Exception",
                                           "System.Runtime.InteropServices.ExternalException",
                                           "System.SystemException"),
    "Microsoft.Management.Infrastructure.CimException": ("System.SystemException",),
    "System.Diagnostics.Eventing.Reader.EventLogException": ("System.SystemException",),
    "Microsoft.PowerShell.Commands.ServiceCommandException": ("System.SystemException",),
    "System.IO.IOException": ("System.SystemException",),
    "System.Management.Automation.SetValueException": ("System.Management.Automation.RuntimeException",
                                                       "System.SystemException"),
    "System.Management.Automation.SetValueInvocationException": (
        "System.Management.Automation.SetValueException", "System.Management.Automation.RuntimeException",
        "System.SystemException"),
}
# Exception.HResult defaults (learn.microsoft.com/dotnet/api/system.exception.hresult): COR_E_*
DEFAULT_HRESULTS = {"System.OverflowException": -2146233066, "System.InvalidCastException": -2147467262,
                    "System.ArgumentException": -2147024809, "System.FormatException": -2146233033,
                    "System.InvalidOperationException": -2146233079, "System.NotSupportedException": -2146233067,
                    "System.ArgumentNullException": -2147467261}


def exception(type_name: str, message: str, *, inner: Any = None, hresult: int | None = None,
              extra: dict[str, Any] | None = None) -> DotNetException:
    if type_name not in EXCEPTION_BASES:
        raise Unsupported("the exception type %s" % type_name)
    return DotNetException(type_name, message, bases=EXCEPTION_BASES[type_name], inner=inner,
                           hresult=hresult if hresult is not None else DEFAULT_HRESULTS.get(type_name, -2146233088),
                           extra=extra)


class NetError(Exception):
    """A .NET method threw; member access wraps it as PowerShell does (MethodInvocationException)."""

    def __init__(self, exc: DotNetException) -> None:
        super().__init__(exc.message)
        self.exception = exc


def method_exception(machine: Any, method: str, count: int, message: str) -> str:
    """A MethodInvocationException's message (PowerShell's ExtendedTypeSystem resources), in the
    machine's display language."""
    template = machine.text('Exception calling "%(method)s" with "%(count)d" argument(s): "%(message)s"')
    return template % {"method": method, "count": count, "message": message}


def socket_error(code: int, message: str) -> NetError:
    """System.Net.Sockets.SocketException: ErrorCode and NativeErrorCode are the Winsock code
    (learn.microsoft.com/dotnet/api/system.net.sockets.socketexception.errorcode)."""
    names = {10061: "ConnectionRefused", 10060: "TimedOut", 11001: "HostNotFound", 10047: "AddressFamilyNotSupported",
             11004: "NoData"}
    return NetError(exception("System.Net.Sockets.SocketException", message, hresult=-2147467259,
                              extra={"ErrorCode": code, "NativeErrorCode": code,
                                     "SocketErrorCode": rt.EnumValue("System.Net.Sockets.SocketError",
                                                                     names.get(code, "SocketError"), code)}))


# -- values of .NET types ---------------------------------------------------------------------------
class TypeRef(DotNet):
    """A type literal's value ([int], [Net.Dns]): System.RuntimeType."""

    type_name = "System.RuntimeType"

    def __init__(self, full_name: str) -> None:
        self.full_name = full_name

    def __eq__(self, other: object) -> bool:  # one RuntimeType per type
        return isinstance(other, TypeRef) and other.full_name.lower() == self.full_name.lower()

    def __hash__(self) -> int:
        return hash(self.full_name.lower())

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"fullname": lambda: self.full_name, "name": lambda: self.full_name.rsplit(".", 1)[-1]}

    def to_string(self) -> str:
        return self.full_name


class DateTime(DotNet):
    """System.DateTime: a moment and its Kind (Utc, Local)."""

    type_name = "System.DateTime"
    bases = ("System.ValueType",)

    def __init__(self, moment: datetime, kind: str) -> None:
        self.moment = moment
        self.kind = kind

    def members(self) -> dict[str, Callable[[], Any]]:
        kind = rt.EnumValue("System.DateTimeKind", self.kind, {"Utc": 1, "Local": 2}.get(self.kind, 0))
        return {"kind": lambda: kind,
                "year": lambda: self.moment.year, "month": lambda: self.moment.month, "day": lambda: self.moment.day,
                "ticks": self.ticks}

    def ticks(self) -> int:
        elapsed = self.moment.replace(tzinfo=None) - datetime(1, 1, 1)
        return rt.Int64(int(elapsed.total_seconds() * 10**7))

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"tostring": self.format, "touniversaltime": lambda: DateTime(self.moment, "Utc"),
                "tolocaltime": lambda: DateTime(self.moment, "Local")}

    def format(self, spec: Any = None) -> str:
        # "s": the sortable pattern yyyy-MM-ddTHH:mm:ss (learn.microsoft.com/dotnet/standard/base-types/
        # standard-date-and-time-format-strings); "o": round trip.
        if spec == "s":
            return self.moment.strftime("%Y-%m-%dT%H:%M:%S")
        if spec == "o":
            suffix = "Z" if self.kind == "Utc" else "+00:00" if self.kind == "Local" else ""
            return self.moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0" + suffix
        if spec is None:
            return self.moment.strftime("%m/%d/%Y %H:%M:%S").lstrip("0")  # en-US
        raise Unsupported("DateTime.ToString(%r)" % spec)

    def to_string(self) -> str:
        return self.format()


class Encoding(DotNet):
    """System.Text.Encoding (UTF8, and UTF8Encoding objects)."""

    def __init__(self, name: str, bom: bool = True) -> None:
        self.name = name
        self.bom = bom
        self.type_name = {"utf-8": "System.Text.UTF8Encoding", "ascii": "System.Text.ASCIIEncoding",
                          "utf-16-le": "System.Text.UnicodeEncoding"}.get(name, "System.Text.Encoding")
        self.bases = ("System.Text.Encoding",)

    def members(self) -> dict[str, Callable[[], Any]]:
        # The OEM code pages' names and numbers: 437 "IBM437", 950 "big5" (learn.microsoft.com/windows/
        # win32/intl/code-page-identifiers).
        names = {"utf-16-le": "utf-16", "cp437": "IBM437", "cp950": "big5"}
        numbers = {"utf-8": 65001, "ascii": 20127, "utf-16-le": 1200, "cp437": 437, "cp950": 950}
        return {"webname": lambda: names.get(self.name, self.name), "codepage": lambda: numbers.get(self.name, 0)}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"getstring": self.get_string, "getbytes": self.get_bytes}

    def get_string(self, data: Any) -> str:
        raw = bytes(data) if isinstance(data, (bytes, list)) else None
        if raw is None:
            raise NetError(exception("System.ArgumentNullException", "Array cannot be null.\r\nParameter name: bytes"))
        return raw.decode(self.name, errors="replace")  # invalid sequences become U+FFFD, as .NET's decoder does

    def get_bytes(self, text: Any) -> bytes:
        return rt.to_string(text).encode(self.name, errors="replace")


class IPAddress(DotNet):
    """System.Net.IPAddress: AddressFamily and ToString()."""

    type_name = "System.Net.IPAddress"

    def __init__(self, text: str, family: str) -> None:
        self.text = text
        self.family = family

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"addressfamily": lambda: address_family(self.family), "isipv6linklocal": lambda: False}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"tostring": lambda: self.text}

    def to_string(self) -> str:
        return self.text


def address_family(name: str) -> rt.EnumValue:
    return rt.EnumValue("System.Net.Sockets.AddressFamily", name, {"InterNetwork": 2, "InterNetworkV6": 23}[name])


class PSObjectView(DotNet):
    """The intrinsic .PSObject member: its Properties (about_Intrinsic_Members)."""

    type_name = "System.Management.Automation.PSObject"

    def __init__(self, target: Any, members: Members) -> None:
        self.target = target
        self.accessor = members

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"properties": lambda: PropertyCollection(self.target, self.accessor),
                "typenames": lambda: [rt.type_name_of(self.target)], "baseobject": lambda: self.target}


class HashtableBase(DotNet):
    """$hashtable.psbase: the Hashtable's own properties (about_Hash_Tables)."""

    type_name = "System.Collections.Hashtable"

    def __init__(self, table: rt.Hashtable) -> None:
        self.table = table

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"keys": self.table.keys, "values": self.table.values, "count": self.table.__len__}


class PropertyCollection(DotNet):
    """PSObject.Properties: indexed by name, $null for a property the object does not have."""

    type_name = ("System.Management.Automation.PSMemberInfoIntegratingCollection`1"
                 "[[System.Management.Automation.PSPropertyInfo]]")
    enumerable = True

    def __init__(self, target: Any, members: Members) -> None:
        self.target = target
        self.accessor = members

    def names(self) -> list[str]:
        target = self.target
        if isinstance(target, rt.PSCustomObject):
            return target.names()
        if isinstance(target, DotNet):
            return list(self.accessor.property_names(target))
        if isinstance(target, rt.Hashtable):
            return ["IsReadOnly", "IsFixedSize", "IsSynchronized", "Keys", "Values", "SyncRoot", "Count"]
        if isinstance(target, str):
            return ["Length"]
        return []

    def enumerate(self) -> list[Any]:
        return [PSProperty(n, self.accessor.get(self.target, n, False)) for n in self.names()]

    def index(self, key: Any) -> Any:
        wanted = rt.to_string(key).lower()
        for name in self.names():
            if name.lower() == wanted:
                return PSProperty(name, self.accessor.get(self.target, name, False))
        return None

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"count": lambda: len(self.names())}


class PSProperty(DotNet):
    type_name = "System.Management.Automation.PSNoteProperty"

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.name, "value": lambda: self.value}

    def to_string(self) -> str:
        return "%s=%s" % (self.name, rt.to_string(self.value))


class AsyncResult(DotNet):
    """IAsyncResult of TcpClient.BeginConnect, with its AsyncWaitHandle."""

    type_name = "System.Net.Sockets.Socket+MultipleAddressConnectAsyncResult"

    def __init__(self, client: TcpClient, address: IPAddress, port: int) -> None:
        self.client = client
        self.address = address
        self.port = port
        self.done = False
        self.error: NetError | None = None

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"asyncwaithandle": lambda: WaitHandle(self), "iscompleted": lambda: self.done}


class WaitHandle(DotNet):
    type_name = "System.Threading.ManualResetEvent"

    def __init__(self, result: AsyncResult) -> None:
        self.result = result

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"waitone": self.wait_one}

    def wait_one(self, milliseconds: Any = -1) -> bool:
        """True once the attempt finished (connected or failed), False when the time ran out
        (learn.microsoft.com/dotnet/api/system.threading.waithandle.waitone)."""
        result = self.result
        machine = result.client.machine
        if not result.done:
            timeout = rt.to_integer(milliseconds, "System.Int32")
            outcome = machine.connect(result.address.text, result.port, None if timeout < 0 else timeout / 1000.0)
            if outcome == "timeout":
                return False
            result.done = True
            # The system's message for the code, in the machine's display language.
            if outcome == "refused":  # the message ends with the end point (SocketException.Message)
                endpoint = ("[%s]:%d" if result.address.family == "InterNetworkV6" else "%s:%d") % (
                    result.address.text, result.port)
                result.error = socket_error(10061, machine.text("No connection could be made because the target "
                                                                "machine actively refused it") + " " + endpoint)
            elif outcome != "connected":
                result.error = socket_error(10047, machine.text("An address incompatible with the requested "
                                                                "protocol was used"))
        return True


class TcpClient(DotNet):
    """System.Net.Sockets.TcpClient: the constructor's address family fixes the socket's;
    connecting to an address of another family fails (learn.microsoft.com/dotnet/api/
    system.net.sockets.tcpclient.-ctor; .NET Framework's parameterless one is IPv4 only)."""

    type_name = "System.Net.Sockets.TcpClient"

    def __init__(self, machine: Any, family: str) -> None:
        self.machine = machine
        self.family = family
        self.connected = False
        self.closed = False

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"connected": lambda: self.connected}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"beginconnect": self.begin_connect, "endconnect": self.end_connect, "close": self.close,
                "dispose": self.close}

    def begin_connect(self, address: Any, port: Any, callback: Any = None, state: Any = None) -> AsyncResult:
        if not isinstance(address, IPAddress):
            raise Unsupported("TcpClient.BeginConnect with a %s" % rt.type_name_of(address))
        number = rt.to_integer(port, "System.Int32")
        if not 0 <= number <= 65535:
            raise NetError(exception("System.ArgumentOutOfRangeException",
                                     "Specified argument was out of the range of valid values.\r\n"
                                     "Parameter name: port"))
        if address.family != self.family:
            raise NetError(exception("System.NotSupportedException",
                                     "This protocol version is not supported."))
        return AsyncResult(self, address, number)

    def end_connect(self, result: Any) -> Any:
        if not isinstance(result, AsyncResult) or not result.done:
            raise Unsupported("TcpClient.EndConnect before the attempt finished")
        if result.error is not None:
            raise result.error
        self.connected = True
        return rt.VOID

    def close(self) -> Any:
        self.closed = True
        return rt.VOID


# -- static members --------------------------------------------------------------------------------
def _from_base64(text: Any) -> bytes:
    # learn.microsoft.com/dotnet/api/system.convert.frombase64string: white space is ignored;
    # anything else outside the alphabet is a FormatException.
    cleaned = "".join(rt.to_string(text).split())
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise NetError(exception("System.FormatException",
                                 "The input is not a valid Base-64 string as it contains a non-base 64 character, "
                                 "more than two padding characters, or an illegal character among the padding "
                                 "characters. ")) from None


def _string_join(separator: Any, *values: Any) -> str:
    items = rt.enumerate_value(values[0]) if len(values) == 1 and isinstance(values[0], list) else list(values)
    return rt.to_string(separator).join(rt.to_string(v) for v in items)


JAVASCRIPT_SERIALIZER = "System.Web.Script.Serialization.JavaScriptSerializer"
# The assembly each type lives in, for the types powershell.exe does not load at start-up:
# usable once the script loads it ([Reflection.Assembly]::LoadWithPartialName or Add-Type).
ASSEMBLY_OF = {JAVASCRIPT_SERIALIZER: "System.Web.Extensions"}


class GenericDictionary(rt.Hashtable):
    """System.Collections.Generic.Dictionary[string,object], as JavaScriptSerializer's
    DeserializeObject makes JSON objects (learn.microsoft.com/dotnet/api/
    system.web.script.serialization.javascriptserializer.deserializeobject): keys compared with
    case, its default comparer. PowerShell reads a key with dot notation as it does a
    hashtable's, and a key it lacks gives $null (a key wins over a property of the same name)."""

    __slots__ = ()

    @property
    def type_name(self) -> str:
        return "System.Collections.Generic.Dictionary`2[[System.String],[System.Object]]"

    @staticmethod
    def fold(key: Any) -> Any:
        if key is None:
            return rt.Hashtable.fold(key)
        return key


class Assembly(DotNet):
    type_name = "System.Reflection.RuntimeAssembly"

    def __init__(self, name: str) -> None:
        self.name = name

    def to_string(self) -> str:
        return "%s, Version=4.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35" % self.name


class JavaScriptSerializer(DotNet):
    """System.Web.Script.Serialization.JavaScriptSerializer (System.Web.Extensions, .NET
    Framework 3.5 and later; learn.microsoft.com/dotnet/api/system.web.script.serialization.
    javascriptserializer): DeserializeObject turns a JSON object into a Dictionary[string,object],
    an array into object[], an integer into Int32, then Int64, a string into String, true/false
    into Boolean, null into null. MaxJsonLength (default 2097152 characters) is enforced: a
    longer input is an ArgumentException."""

    type_name = JAVASCRIPT_SERIALIZER

    def __init__(self) -> None:
        self.max_length = 2097152

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"maxjsonlength": lambda: rt.Int32(self.max_length)}

    def setters(self) -> dict[str, Callable[[Any], None]]:
        return {"maxjsonlength": self._set_max}

    def _set_max(self, value: Any) -> None:
        number = rt.to_integer(value, "System.Int32")
        if number < 1:
            raise NetError(exception("System.ArgumentOutOfRangeException", "Specified argument was out of the "
                                     "range of valid values.\r\nParameter name: value"))
        self.max_length = number

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"deserializeobject": self.deserialize}

    def deserialize(self, text: Any) -> Any:
        if text is None:
            raise NetError(exception("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: input"))
        text = rt.to_string(text)
        if len(text) > self.max_length:
            raise NetError(exception("System.ArgumentException", "Error during serialization or deserialization "
                                     "using the JSON JavaScriptSerializer. The length of the string exceeds the "
                                     "value set on the maxJsonLength property.\r\nParameter name: input"))
        try:
            return json.loads(text, object_pairs_hook=_dictionary, parse_int=_json_integer,
                              parse_float=_json_float, parse_constant=_no_constant)
        except ValueError:
            raise NetError(exception("System.ArgumentException", "Invalid JSON primitive: %s." % text.strip()[:40])) \
                from None


def _dictionary(pairs: list[tuple[str, Any]]) -> GenericDictionary:
    made = GenericDictionary()
    for key, value in pairs:
        made.set(key, value)  # a repeated key: the last value wins (Dictionary's indexer)
    return made


def _json_integer(text: str) -> Any:
    number = int(text)
    if rt.INT32[0] <= number <= rt.INT32[1]:
        return rt.Int32(number)
    if -(2 ** 63) <= number < 2 ** 63:
        return rt.Int64(number)
    raise Unsupported("a JSON number beyond Int64 (JavaScriptSerializer gives Decimal)")


def _json_float(text: str) -> Any:
    raise Unsupported("a JSON number with a fraction (JavaScriptSerializer gives Decimal)")


def _no_constant(text: str) -> Any:
    raise ValueError(text)


KNOWN_TYPES = {
    "System.DateTime", "System.Convert", "System.Text.Encoding", "System.Text.UTF8Encoding",
    "System.StringSplitOptions",
    "System.Management.Automation.ScriptBlock", "System.Console", "System.Net.Dns",
    "System.Net.NetworkInformation.IPGlobalProperties", "System.Net.Sockets.TcpClient",
    "System.Net.Sockets.SocketException", "System.Net.Sockets.AddressFamily", "System.String", "System.Int32",
    "System.Int64", "System.UInt32", "System.Math", "System.Management.Automation.RuntimeException",
    "Microsoft.Management.Infrastructure.CimException", "System.ComponentModel.Win32Exception",
    "System.Net.IPAddress", "System.Exception", "System.Object", "System.Boolean", "System.Double",
    "System.Collections.Hashtable", "System.Array", "System.Management.Automation.ErrorRecord",
    "System.Management.Automation.PSCustomObject", "System.Management.Automation.PSObject",
    "System.Collections.IDictionary", "System.ValueType", "System.Enum", "System.Byte",
    "System.Management.Automation.SwitchParameter", "System.Collections.Specialized.OrderedDictionary",
    "System.DateTimeKind", "System.UInt64", "System.Char", "System.Reflection.Assembly",
    "System.Text.RegularExpressions.Regex", "System.Net.NetworkInformation.NetworkInterface",
    "System.Diagnostics.Stopwatch", JAVASCRIPT_SERIALIZER,
} | set(EXCEPTION_BASES)


def resolve_type_name(text: str) -> str:
    """A type name as PowerShell resolves it: the full name, or with "System." in front."""
    lowered = text.lower()
    for candidate in (text, "System." + text):
        for known in KNOWN_TYPES:
            if known.lower() == candidate.lower():
                return known
    if lowered == "switch":
        return "System.Management.Automation.SwitchParameter"
    raise Unsupported("the type [%s]" % text)


def static_member(run: Any, type_name: str, name: str) -> Any:
    key = name.lower()
    if type_name == "System.DateTime":
        if key == "utcnow":
            return DateTime(run.machine.now().replace(tzinfo=None), "Utc")
        if key == "now":
            return DateTime(run.machine.now().replace(tzinfo=None), "Local")  # the lab's hosts run on UTC
    if type_name == "System.Text.Encoding":
        found = {"utf8": "utf-8", "ascii": "ascii", "unicode": "utf-16-le"}.get(key)
        if found:
            return Encoding(found)
    if type_name == "System.StringSplitOptions" and key in ("none", "removeemptyentries"):
        return rt.EnumValue(type_name, "None" if key == "none" else "RemoveEmptyEntries", 0 if key == "none" else 1)
    if type_name == "System.Net.Sockets.AddressFamily" and key in ("internetwork", "internetworkv6"):
        return address_family("InterNetwork" if key == "internetwork" else "InterNetworkV6")
    if type_name == "System.Console":
        if key == "outputencoding":
            return run.output_encoding
        if key == "inputencoding":
            return run.input_encoding
    if type_name in rt.RANGES and key in ("maxvalue", "minvalue"):
        low, high = rt.RANGES[type_name]
        return rt.NUMBER_CLASSES[type_name](high if key == "maxvalue" else low)
    if type_name == "System.DateTimeKind" and key in ("utc", "local", "unspecified"):
        name_ = {"utc": "Utc", "local": "Local", "unspecified": "Unspecified"}[key]
        return rt.EnumValue(type_name, name_, {"Unspecified": 0, "Utc": 1, "Local": 2}[name_])
    if type_name == "System.String" and key == "empty":
        return ""
    raise Unsupported("the static member [%s]::%s" % (type_name, name))


def set_static_member(run: Any, type_name: str, name: str, value: Any) -> None:
    if type_name == "System.Console" and name.lower() == "outputencoding":
        if not run.machine.console_encoding_settable:
            # Setting it reopens the console's output handle; where the process has no console
            # handle of its own that fails: IOException "The handle is invalid." (Console.
            # OutputEncoding, learn.microsoft.com/dotnet/api/system.console.outputencoding:
            # "IOException: An I/O error occurred"), wrapped as an ExceptionWhenSetting error.
            # (Both messages in the machine's display language.)
            inner = exception("System.IO.IOException", run.machine.text("The handle is invalid."),
                              hresult=-2147024890)
            setting = run.machine.text('Exception setting "%(property)s": "%(message)s"')
            wrapper = exception("System.Management.Automation.SetValueInvocationException",
                                setting % {"property": "OutputEncoding", "message": inner.message}, inner=inner)
            raise PSThrow(rt.error_record(wrapper, "ExceptionWhenSetting"), statement=True)
        if not isinstance(value, Encoding):
            raise PSThrow(rt.error_record(exception("System.ArgumentNullException", "Value cannot be null."),
                                          "ExceptionWhenSetting"), statement=True)
        run.set_output_encoding(value)
        return
    raise Unsupported("setting [%s]::%s" % (type_name, name))


def static_method(run: Any, type_name: str, name: str, arguments: list[Any]) -> Any:
    key = name.lower()
    if type_name == "System.Convert":
        if key == "frombase64string" and len(arguments) == 1:
            return _from_base64(arguments[0])
        if key == "tobase64string" and len(arguments) == 1:
            return base64.b64encode(bytes(rt.enumerate_value(arguments[0]))).decode("ascii")
    if type_name == "System.Text.RegularExpressions.Regex" and key == "replace" and len(arguments) == 3:
        return _regex_replace(run, *arguments)
    if type_name == "System.Reflection.Assembly" and key == "loadwithpartialname" and len(arguments) == 1:
        # learn.microsoft.com/dotnet/api/system.reflection.assembly.loadwithpartialname: the
        # assembly, or null when it is not found. The emulation knows the GAC's System.* ones.
        name = rt.to_string(arguments[0])
        if name.lower() not in {a.lower() for a in ASSEMBLY_OF.values()}:
            raise Unsupported("loading the assembly %s" % name)
        run.loaded_assemblies.add(name.lower())
        return Assembly(name)
    if type_name == "System.Diagnostics.Stopwatch" and key == "startnew" and not arguments:
        stopwatch = Stopwatch()
        stopwatch.start()
        return stopwatch
    if type_name == "System.Management.Automation.ScriptBlock" and key == "create" and len(arguments) == 1:
        return run.create_script_block(rt.to_string(arguments[0]))
    if type_name == "System.Net.Dns" and key == "gethostaddresses" and len(arguments) == 1:
        return run.host_addresses(rt.to_string(arguments[0]))
    if type_name == "System.Net.NetworkInformation.NetworkInterface" and key == "getallnetworkinterfaces" \
            and not arguments:
        # learn.microsoft.com/dotnet/api/system.net.networkinformation.networkinterface.
        # getallnetworkinterfaces: the host's adapters (one per connection), then the loopback
        # interface, whose DNS suffix is empty.
        suffixes = list(run.machine.connection_suffixes) or [""]
        return rt.TypedArray([NetworkAdapter("Ethernet %d" % (i + 1), s) for i, s in enumerate(suffixes)]
                             + [NetworkAdapter("Loopback Pseudo-Interface 1", "")],
                             "System.Net.NetworkInformation.NetworkInterface")
    if type_name == "System.Net.NetworkInformation.IPGlobalProperties" and key == "getipglobalproperties":
        return GlobalProperties(run.machine.primary_dns_suffix or "", run.machine.computer_name)
    if type_name in rt.RANGES and key == "parse" and len(arguments) == 1:
        text = rt.to_string(arguments[0]).strip()
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise NetError(exception("System.FormatException", "Input string was not in a correct format."))
        low, high = rt.RANGES[type_name]
        if not low <= int(text) <= high:
            raise NetError(exception("System.OverflowException", "Value was either too large or too small for "
                                     "an %s." % type_name.split(".")[1]))
        return rt.NUMBER_CLASSES[type_name](int(text))
    if type_name == "System.Boolean" and key == "parse" and len(arguments) == 1:
        text = rt.to_string(arguments[0]).strip().lower()
        if text not in ("true", "false"):
            raise NetError(exception("System.FormatException", "String was not recognized as a valid Boolean."))
        return text == "true"
    if type_name == "System.String":
        if key == "concat" and arguments:
            return "".join(rt.to_string(a) for a in arguments)
        if key == "join" and arguments:
            return _string_join(*arguments)
        if key == "isnullorempty" and len(arguments) == 1:
            return arguments[0] is None or rt.to_string(arguments[0]) == ""
    if type_name == "System.Math" and key in ("max", "min") and len(arguments) == 2:
        a, b = rt.to_number(arguments[0]), rt.to_number(arguments[1])
        return max(a, b) if key == "max" else min(a, b)
    raise Unsupported("the static method [%s]::%s with %d argument(s)" % (type_name, name, len(arguments)))


class RegexMatch(DotNet):
    """System.Text.RegularExpressions.Match: Value, Index, Length (in UTF-16 code units)."""

    type_name = "System.Text.RegularExpressions.Match"

    def __init__(self, value: str, index: int) -> None:
        self.value = value
        self.index = index

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"value": lambda: self.value, "index": lambda: rt.Int32(self.index),
                "length": lambda: rt.Int32(len(self.value)), "success": lambda: True}

    def to_string(self) -> str:
        return self.value


def _regex_replace(run: Any, text: Any, pattern: Any, evaluator: Any) -> str:
    """[regex]::Replace(input, pattern, MatchEvaluator) (learn.microsoft.com/dotnet/api/
    system.text.regularexpressions.regex.replace): each match is replaced by what the evaluator
    returns for it. PowerShell converts a script block to the MatchEvaluator delegate; it runs
    with the Match as its argument, and its output, as a string, is the replacement
    (about_Script_Blocks; LanguagePrimitives' script block to delegate conversion). A .NET
    string is UTF-16: a character beyond U+FFFF is two code units, and a pattern sees each."""
    from tests.simlab.powershell.compiler import Frame, ScriptBlock
    if not isinstance(evaluator, ScriptBlock):
        raise Unsupported("[regex]::Replace with a %s as its third argument" % rt.type_name_of(evaluator))
    units = rt.to_string(text)
    if not units.isascii() and max(map(ord, units)) > 0xFFFF:  # beyond the BMP: its surrogate pair
        data = units.encode("utf-16-le", "surrogatepass")
        units = "".join(chr(int.from_bytes(data[i:i + 2], "little")) for i in range(0, len(data), 2))
    compiled = rt.regex(rt.to_string(pattern), case_sensitive=True)
    frame = Frame(run.script_scope, run)

    def replace(match: re.Match[str]) -> str:
        out = evaluator.invoke(frame, [RegexMatch(match.group(0), match.start())])
        return "".join(rt.to_string(item) for item in out if item is not None)

    replaced = compiled.sub(replace, units)
    return replaced.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


class NetworkAdapter(DotNet):
    """A NetworkInterface: Name, and GetIPProperties() whose DnsSuffix is the connection's own
    DNS suffix (learn.microsoft.com/dotnet/api/system.net.networkinformation.
    ipinterfaceproperties.dnssuffix)."""

    type_name = "System.Net.NetworkInformation.SystemNetworkInterface"

    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.suffix = suffix

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"name": lambda: self.name}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"getipproperties": lambda: InterfaceProperties(self.suffix)}


class InterfaceProperties(DotNet):
    type_name = "System.Net.NetworkInformation.SystemIPInterfaceProperties"

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"dnssuffix": lambda: self.suffix}


class GlobalProperties(DotNet):
    """IPGlobalProperties: DomainName is the primary DNS suffix (learn.microsoft.com/dotnet/api/
    system.net.networkinformation.ipglobalproperties.domainname)."""

    type_name = "System.Net.NetworkInformation.SystemIPGlobalProperties"

    def __init__(self, domain: str, host: str) -> None:
        self.domain = domain
        self.host = host

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"domainname": lambda: self.domain, "hostname": lambda: self.host}


class Stopwatch(DotNet):
    """System.Diagnostics.Stopwatch (System.dll, .NET Framework 2.0 and later;
    learn.microsoft.com/dotnet/api/system.diagnostics.stopwatch): StartNew() "initializes a new
    Stopwatch instance, sets the elapsed time property to zero, and starts measuring elapsed
    time"; ElapsedMilliseconds is "the total elapsed time measured by the current instance, in
    milliseconds", an Int64 (whole milliseconds: the elapsed ticks divided by 10,000, truncated);
    IsRunning is true while it measures; Stop() "stops measuring elapsed time for an interval".
    It reads the performance counter, a monotonic clock: here Python's, so what the lab's
    latency model sleeps (scenario.Latency) is measured as real time passes."""

    type_name = "System.Diagnostics.Stopwatch"

    def __init__(self) -> None:
        self.elapsed = 0.0  # seconds of the intervals already stopped
        self.started: float | None = None

    def start(self) -> Any:
        if self.started is None:
            self.started = time.perf_counter()
        return rt.VOID

    def stop(self) -> Any:
        if self.started is not None:
            self.elapsed += time.perf_counter() - self.started
            self.started = None
        return rt.VOID

    def seconds(self) -> float:
        running = time.perf_counter() - self.started if self.started is not None else 0.0
        return self.elapsed + running

    def members(self) -> dict[str, Callable[[], Any]]:
        return {"elapsedmilliseconds": lambda: rt.Int64(int(self.seconds() * 1000)),
                "isrunning": lambda: self.started is not None}

    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"stop": self.stop}


class TypeNotLoaded(Exception):
    """A type whose assembly the script has not loaded: New-Object cannot find it."""


def construct(run: Any, type_name: str, arguments: list[Any]) -> Any:
    """New-Object <type> <arguments> (learn.microsoft.com/powershell/module/microsoft.powershell.utility/new-object)."""
    if type_name == "System.Text.UTF8Encoding":
        return Encoding("utf-8", bom=rt.is_true(arguments[0]) if arguments else False)
    if type_name in EXCEPTION_BASES and len(arguments) <= 1:
        return exception(type_name, rt.to_string(arguments[0]) if arguments else
                         "Exception of type '%s' was thrown." % type_name)
    assembly = ASSEMBLY_OF.get(type_name)
    if assembly is not None and assembly.lower() not in run.loaded_assemblies:
        raise TypeNotLoaded(type_name)
    if type_name == JAVASCRIPT_SERIALIZER and not arguments:
        return JavaScriptSerializer()
    if type_name == "System.Net.Sockets.TcpClient":
        if not arguments:
            return TcpClient(run.machine, "InterNetwork")
        family = arguments[0]
        name = family.name if isinstance(family, rt.EnumValue) else rt.to_string(family)
        if name not in ("InterNetwork", "InterNetworkV6"):
            raise NetError(exception("System.ArgumentException", "'%s' Client can only accept InterNetwork or "
                                     "InterNetworkV6 addresses.\r\nParameter name: family" % name))
        return TcpClient(run.machine, name)
    raise Unsupported("New-Object %s with %d argument(s)" % (type_name, len(arguments)))


def convert(value: Any, target: str) -> Any:
    """Casts to the .NET types PowerShell converts strings to (LanguagePrimitives)."""
    if target == "System.Net.IPAddress" and isinstance(value, str):
        from tests.simlab.network import parse_address
        parsed = parse_address(value)
        if parsed is None:
            raise rt.cast_error(value, target, "An invalid IP address was specified.")
        return IPAddress(str(parsed), "InterNetworkV6" if parsed.version == 6 else "InterNetwork")
    if target == "System.Management.Automation.ScriptBlock":
        raise rt.cast_error(value, target, "Invalid cast.")
    if target in KNOWN_TYPES:
        raise rt.cast_error(value, target, "Invalid cast.")
    raise Unsupported("a conversion to [%s]" % target)


# -- member access -----------------------------------------------------------------------------------
STRING_METHODS: dict[str, Callable[..., Any]] = {}


def _split(text: str, separators: Any = None, count: Any = None, options: Any = None) -> list[str]:
    """String.Split(string[], int, StringSplitOptions) and Split(char[]) (learn.microsoft.com/
    dotnet/api/system.string.split)."""
    remove_empty = isinstance(options, rt.EnumValue) and options.name == "RemoveEmptyEntries"
    if isinstance(count, rt.EnumValue):
        count, options = None, count
        remove_empty = count is None and options.name == "RemoveEmptyEntries"
    seps = [rt.to_string(s) for s in rt.enumerate_value(separators)] if separators is not None else []
    if isinstance(separators, str) and options is None and count is None:
        seps = list(separators)  # Split(params char[]) receives a string as its characters
    limit = rt.to_integer(count, "System.Int32") if count is not None else None
    if limit is not None and limit < 0:
        raise NetError(exception("System.ArgumentOutOfRangeException", "Count cannot be less than zero."))
    if not seps:
        seps = [" ", "\t", "\n", "\r", "\v", "\f"]
    if limit == 0:
        return rt.TypedArray([], "System.String")
    seps = [sep for sep in seps if sep]
    pattern = re.compile("|".join(re.escape(sep) for sep in sorted(seps, key=len, reverse=True))) if seps else None
    parts = pattern.split(text, maxsplit=0 if limit is None else limit - 1) if pattern else [text]
    if remove_empty:
        parts = [p for p in parts if p]
    return rt.TypedArray(parts, "System.String")


def _trim_chars(chars: tuple[Any, ...]) -> str | None:
    if not chars:
        return None
    found = "".join(rt.to_string(c) for c in (rt.enumerate_value(chars[0]) if len(chars) == 1 else chars))
    return found


def _string_method(text: str, name: str, arguments: list[Any]) -> Any:
    key = name.lower()
    if key == "split":
        return _split(text, *arguments)
    if key in ("trim", "trimend", "trimstart"):
        chars = _trim_chars(tuple(arguments))
        strip = {"trim": str.strip, "trimend": str.rstrip, "trimstart": str.lstrip}[key]
        return strip(text, chars) if chars is not None else strip(text)
    if key == "toupper" and not arguments:
        return text.upper()
    if key == "tolower" and not arguments:
        return text.lower()
    if key == "tostring" and not arguments:
        return text
    if key == "contains" and len(arguments) == 1:
        return rt.to_string(arguments[0]) in text
    if key == "startswith" and len(arguments) == 1:
        return text.startswith(rt.to_string(arguments[0]))
    if key == "endswith" and len(arguments) == 1:
        return text.endswith(rt.to_string(arguments[0]))
    if key == "replace" and len(arguments) == 2:
        return text.replace(rt.to_string(arguments[0]), rt.to_string(arguments[1]))
    if key == "substring" and 1 <= len(arguments) <= 2:
        start = rt.to_integer(arguments[0], "System.Int32")
        length = rt.to_integer(arguments[1], "System.Int32") if len(arguments) == 2 else len(text) - start
        if start < 0 or length < 0 or start + length > len(text):
            raise NetError(exception("System.ArgumentOutOfRangeException",
                                     "Index and length must refer to a location within the string."))
        return text[start:start + length]
    if key == "indexof" and len(arguments) == 1:
        return text.find(rt.to_string(arguments[0]))
    if key == "padleft" and len(arguments) in (1, 2):
        fill = rt.to_string(arguments[1]) if len(arguments) == 2 else " "
        return text.rjust(rt.to_integer(arguments[0], "System.Int32"), fill)
    if key == "equals" and len(arguments) == 1:
        return isinstance(arguments[0], str) and text == arguments[0]
    if key == "gettype" and not arguments:
        return TypeRef("System.String")
    raise Unsupported("the method String.%s with %d argument(s)" % (name, len(arguments)))


class Members:
    """Member access for one run (PowerShell's adapters: about_Properties, about_Methods,
    about_Hash_Tables, about_Intrinsic_Members; member enumeration and .Count on any
    object are PowerShell 3.0's, about_Arrays "Member enumeration")."""

    def __init__(self, run: Any) -> None:
        self.run = run
        # Exception.HResult's getter is public from .NET Framework 4.5 (learn.microsoft.com/dotnet/
        # api/system.exception.hresult); Windows PowerShell 3.0 runs on .NET 4.0, 4.0 and later on 4.5+.
        self.hresult_public = run.version >= (4, 0)

    # properties
    def get(self, obj: Any, name: str, static: bool) -> Any:
        key = name.lower()
        if static:
            if not isinstance(obj, TypeRef):
                raise Unsupported("the static member access ::%s on a %s" % (name, rt.type_name_of(obj)))
            return static_member(self.run, obj.full_name, name)
        if obj is None:
            if key in ("count", "length") and self.run.version >= (3, 0):
                return 0
            return None
        if key == "psobject":
            return PSObjectView(obj, self)
        if key == "psbase" and isinstance(obj, rt.Hashtable):
            return HashtableBase(obj)  # the dictionary's own members, never its keys
        if isinstance(obj, rt.Hashtable):
            if obj.contains(name):
                return obj.get(name)
            if key == "count":
                return len(obj)
            if key == "keys":
                return obj.keys()
            if key == "values":
                return obj.values()
            return None
        if isinstance(obj, rt.PSCustomObject):
            found, value = obj.get(name)
            # Windows PowerShell's PSCustomObject has no Count or Length (about_PSCustomObject, Notes)
            return value if found else None
        if isinstance(obj, list):
            if key in ("count", "length", "longlength"):
                return len(obj)
            if key == "rank":
                return 1
            if self.run.version < (3, 0):
                return None
            # member enumeration (about_Member-Access_Enumeration): each element's member; an
            # element that is a PSCustomObject or dictionary without it gives $null
            flat: list[Any] = []
            for item in obj:
                value = self.get(item, name, False)
                if rt.is_enumerable(value):
                    flat.extend(rt.enumerate_value(value))
                elif value is not None or isinstance(item, (rt.PSCustomObject, rt.Hashtable)):
                    flat.append(value)
            return rt.collapse(flat)
        if isinstance(obj, bytes):
            return len(obj) if key in ("count", "length") else None
        if isinstance(obj, str):
            if key == "length":
                return len(obj)
            return self._scalar_count(key)
        if isinstance(obj, (bool, int, float)):
            return self._scalar_count(key)
        if isinstance(obj, DotNet):
            if key == "hresult" and isinstance(obj, DotNetException) and not self.hresult_public:
                return self._scalar_count(key)
            getter = obj.members().get(key)
            if getter is not None:
                return getter()
            if isinstance(obj, (DotNetException, rt.ErrorRecord)) or getattr(obj, "complete", False):
                return self._scalar_count(key)
            if key in ("count", "length") and self.run.version >= (3, 0):
                return 1
            raise Unsupported("the property %s of %s" % (name, obj.type_name))
        raise Unsupported("member access on a Python %s" % type(obj).__name__)

    def _scalar_count(self, key: str) -> Any:
        if key in ("count", "length") and self.run.version >= (3, 0):
            return 1
        return None

    def property_names(self, obj: DotNet) -> list[str]:
        names = getattr(obj, "property_names", None)
        if callable(names):
            return names()
        if isinstance(obj, DotNetException):
            base = ["Message", "Data", "InnerException", "TargetSite", "StackTrace", "HelpLink", "Source"]
            if self.hresult_public:
                base.append("HResult")
            return list(obj.extra) + base
        return list(obj.members())

    def set(self, obj: Any, name: str, value: Any, static: bool) -> None:
        if static:
            if not isinstance(obj, TypeRef):
                raise Unsupported("the static member ::%s" % name)
            set_static_member(self.run, obj.full_name, name, value)
            return
        if isinstance(obj, rt.Hashtable):
            obj.set(name, value)
            return
        if isinstance(obj, rt.PSCustomObject):
            found, _old = obj.get(name)
            if not found:
                raise rt.runtime_error("The property '%s' cannot be found on this object. Verify that the property "
                                       "exists and can be set." % name, "PropertyNotFound")
            obj.set(name, value)
            return
        if obj is None:
            raise rt.runtime_error("The property '%s' cannot be found on this object. Verify that the property "
                                   "exists and can be set." % name, "PropertyAssignmentException")
        if isinstance(obj, DotNet):
            setter = obj.setters().get(name.lower())
            if setter is not None:
                setter(value)
                return
        raise Unsupported("setting the property %s of %s" % (name, rt.type_name_of(obj)))

    # methods
    def call(self, obj: Any, name: str, arguments: list[Any], static: bool) -> Any:
        try:
            return self._call(obj, name, arguments, static)
        except NetError as error:
            inner = error.exception
            wrapper = exception("System.Management.Automation.MethodInvocationException",
                                method_exception(self.run.machine, name, len(arguments), inner.message), inner=inner)
            record = rt.error_record(wrapper, inner.type_name.rsplit(".", 1)[-1], "NotSpecified")
            raise PSThrow(record, statement=True) from None

    def _call(self, obj: Any, name: str, arguments: list[Any], static: bool) -> Any:
        key = name.lower()
        if static:
            if not isinstance(obj, TypeRef):
                raise Unsupported("the static method ::%s on a %s" % (name, rt.type_name_of(obj)))
            return static_method(self.run, obj.full_name, name, arguments)
        if obj is None:
            raise rt.runtime_error("You cannot call a method on a null-valued expression.", "InvokeMethodOnNull")
        if key == "gettype" and not arguments:
            return TypeRef(rt.type_name_of(obj))
        if isinstance(obj, str):
            return _string_method(obj, name, arguments)
        if isinstance(obj, rt.Hashtable):
            return self._hashtable_method(obj, key, name, arguments)
        if isinstance(obj, (bool, int, float)):
            if key == "tostring":
                if not arguments:
                    return rt.to_string(obj)
                if len(arguments) == 1 and not isinstance(obj, bool):
                    return rt.format_value(obj, rt.to_string(arguments[0]))
            if key == "equals" and len(arguments) == 1:
                return rt.equals(obj, arguments[0])
            raise Unsupported("the method %s.%s" % (rt.type_name_of(obj), name))
        if isinstance(obj, list):
            if key == "contains" and len(arguments) == 1:
                return any(rt.equals(item, arguments[0]) for item in obj)
            if key == "indexof" and len(arguments) == 1:
                return next((i for i, item in enumerate(obj) if rt.equals(item, arguments[0])), -1)
            if self.run.version >= (3, 0) and key not in ("add", "remove", "clear", "insert"):
                found = [self.call(item, name, arguments, False) for item in obj]  # method enumeration
                return rt.collapse([f for f in found if f is not None])
            if key == "add":  # Object[] is fixed size (about_Arrays)
                raise NetError(exception("System.NotSupportedException", "Collection was of a fixed size."))
            raise Unsupported("the method Object[].%s" % name)
        if isinstance(obj, rt.PSCustomObject):
            if key == "tostring" and not arguments:
                return ""
            raise Unsupported("the method PSCustomObject.%s" % name)
        if isinstance(obj, DotNet):
            method = obj.methods().get(key)
            if method is None:
                if key == "tostring" and not arguments:
                    return obj.to_string()
                raise Unsupported("the method %s.%s" % (obj.type_name, name))
            try:
                return method(*arguments)
            except TypeError as exc:
                raise Unsupported("%s.%s with %d argument(s) (%s)" % (obj.type_name, name, len(arguments), exc)) \
                    from None
        raise Unsupported("a method call on a Python %s" % type(obj).__name__)

    @staticmethod
    def _hashtable_method(table: rt.Hashtable, key: str, name: str, arguments: list[Any]) -> Any:
        if key in ("containskey", "contains") and len(arguments) == 1:
            return table.contains(arguments[0])
        if key == "add" and len(arguments) == 2:
            return table.add(arguments[0], arguments[1])
        if key == "remove" and len(arguments) == 1:
            table.items.pop(table.fold(arguments[0]), None)
            return rt.VOID
        if key == "containsvalue" and len(arguments) == 1:
            return any(rt.equals(v, arguments[0]) for v in table.values())
        if key == "clear" and not arguments:
            table.items.clear()
            return rt.VOID
        if key == "tostring" and not arguments:
            return table.type_name
        raise Unsupported("the method Hashtable.%s" % name)

    # indexing (about_Arrays, about_Hash_Tables)
    def index(self, obj: Any, index: Any) -> Any:
        if obj is None:
            raise rt.runtime_error("Cannot index into a null array.", "NullArray")
        if isinstance(obj, rt.Hashtable):
            if isinstance(index, list):
                return [obj.get(i) for i in index]
            return obj.get(index)
        if isinstance(obj, (list, bytes, str)):
            items: Any = rt.enumerate_value(obj) if not isinstance(obj, str) else obj
            if isinstance(index, list):
                return [self.index(obj, i) for i in index]
            position = rt.to_integer(index, "System.Int32")
            if position < 0:
                position += len(items)
            if not 0 <= position < len(items):
                return None
            return items[position]
        if isinstance(obj, DotNet):
            getter = getattr(obj, "index", None)
            if getter is not None:
                return getter(index)
        if isinstance(obj, (int, float, bool, rt.PSCustomObject, DotNet)):
            if rt.equals(index, 0) or rt.equals(index, -1):
                return obj  # a scalar indexes as a one-element array (about_Operators, "Index operator")
            return None
        raise Unsupported("indexing into %s" % rt.type_name_of(obj))

    def set_index(self, obj: Any, index: Any, value: Any) -> None:
        if isinstance(obj, rt.Hashtable):
            obj.set(index, value)
            return
        if isinstance(obj, list):
            position = rt.to_integer(index, "System.Int32")
            if position < 0:
                position += len(obj)
            if not 0 <= position < len(obj):
                raise rt.runtime_error("Index was outside the bounds of the array.", "IndexOutOfRange")
            obj[position] = value
            return
        if obj is None:
            raise rt.runtime_error("Cannot index into a null array.", "NullArray")
        if isinstance(obj, DotNet):
            setter = getattr(obj, "set_index", None)
            if setter is not None:
                setter(index, value)
                return
        raise Unsupported("assigning through an index into %s" % rt.type_name_of(obj))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment


def from_iso(text: str) -> DateTime:
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return DateTime(moment, "Local")


EPOCH = datetime(1970, 1, 1)


def json_date(value: DateTime) -> str:
    """A DateTime as Windows PowerShell 5.1's ConvertTo-Json writes it: \\/Date(ms)\\/ ."""
    moment = value.moment.replace(tzinfo=None)
    return "\\/Date(%d)\\/" % int((moment - EPOCH) / timedelta(milliseconds=1))
