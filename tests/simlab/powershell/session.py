"""One powershell.exe run: the command line's script, standard input, the streams that come
back, and command lookup (functions first, then cmdlets, about_Command_Precedence)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from tests.simlab.network import family_of, parse_address
from tests.simlab.powershell import commands, dotnet
from tests.simlab.powershell import runtime as rt
from tests.simlab.powershell.compiler import Frame, Scope, ScriptBlock, compile_script, evaluate_arguments
from tests.simlab.powershell.runtime import PSThrow, Unsupported


@dataclass
class Outcome:
    """What WinRS hands back for a run: stdout and stderr bytes and the exit code."""

    stdout: bytes
    stderr: bytes
    exit_code: int
    output: list[Any] = field(default_factory=list)  # the success stream's objects
    errors: list[rt.ErrorRecord] = field(default_factory=list)  # the error stream's records
    terminating: rt.ErrorRecord | None = None  # the terminating error the last statement ended with


class InputLines(rt.DotNet):
    """$input in a script run with redirected standard input: an enumerator of its lines
    (about_Automatic_Variables, $input)."""

    type_name = "System.Collections.ArrayList+ArrayListEnumeratorSimple"
    enumerable = True

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.used = False

    def enumerate(self) -> Iterator[str]:
        if self.used:  # an enumerator runs once
            return iter(())
        self.used = True
        return iter(self.lines)


class Run:
    """The state of one script run on one machine (see tests/simlab/powershell/__init__.py
    for what ``machine`` provides)."""

    def __init__(self, machine: Any, version: tuple[int, int]) -> None:
        self.machine = machine
        self.version = version
        self.try_depth = 0
        self.loaded_assemblies: set[str] = set()  # lower-case names the script loaded
        self.succeeded = True  # $?: whether the last statement ran without an error
        self.last_terminating: rt.ErrorRecord | None = None  # the last statement's terminating error
        self.caught: list[rt.ErrorRecord] = []
        self.errors: list[rt.ErrorRecord] = []  # the error stream, in order
        self.error_variable: list[rt.ErrorRecord] = []  # $Error
        self.members = dotnet.Members(self)
        # Output and input in the console's OEM code page (machine.oem_codec: 437 on an en-US Windows,
        # 950 on a Traditional Chinese one) until a script sets [Console]::OutputEncoding
        # (learn.microsoft.com/dotnet/api/system.console.outputencoding).
        self.output_encoding: Any = dotnet.Encoding(machine.oem_codec)
        self.input_encoding: Any = dotnet.Encoding(machine.oem_codec)
        self.global_scope = Scope(None)
        self.script_scope = self.global_scope
        self._env = {k.lower(): (k, v) for k, v in machine.environment().items()}
        variables = self.global_scope.variables
        variables.update({
            "erroractionpreference": "Continue", "progresspreference": "Continue",
            "psversiontable": self._version_table(), "error": self.error_variable, "ofs": None,
        })

    def _version_table(self) -> rt.Hashtable:
        table = rt.Hashtable()
        table.set("PSVersion", Version(self.machine.powershell_version))
        table.set("CLRVersion", Version(self.machine.clr_version))
        table.set("PSEdition", "Desktop")
        return table

    # -- environment and scopes -----------------------------------------------------------------
    def env(self, name: str) -> Any:
        found = self._env.get(name.lower())
        return None if found is None else found[1]

    def set_env(self, name: str, value: Any) -> None:
        self._env[name.lower()] = (name, rt.to_string(value))

    def scope_named(self, kind: str) -> Scope:
        return self.global_scope if kind == "global" else self.script_scope

    def set_output_encoding(self, encoding: Any) -> None:
        self.output_encoding = encoding

    # -- errors -----------------------------------------------------------------------------------
    def error_stream(self, record: rt.ErrorRecord, preference: str) -> None:
        """A non-terminating error (or a statement-terminating one the script goes on after)."""
        self.error_variable.insert(0, record)
        if preference.lower() not in ("silentlycontinue", "ignore"):
            self.errors.append(record)

    def write_error(self, frame: Frame, record: rt.ErrorRecord, action: str | None) -> None:
        """What a cmdlet's WriteError does under -ErrorAction / $ErrorActionPreference
        (about_CommonParameters, about_Preference_Variables)."""
        preference = (action or frame.preference()).lower()
        if preference == "stop":
            raise PSThrow(record)
        if preference == "inquire":
            raise Unsupported("-ErrorAction Inquire")
        if preference == "ignore":
            return
        self.error_stream(record, preference)

    def missing_type(self, name: str) -> PSThrow:
        return rt.runtime_error("Unable to find type [%s]. Make sure that the assembly that contains this type "
                                "is loaded." % name, "TypeNotFound")

    def parse_failure(self, what: str) -> PSThrow:
        return rt.runtime_error("Unexpected token '%s' in expression or statement." % what, "UnexpectedToken",
                                "ParserError")

    # -- commands ---------------------------------------------------------------------------------
    def call(self, frame: Frame, name: str, arguments: list, items: list | None, line: int) -> list:
        function = frame.scope.function(name.lower())
        if function is not None:
            switches = {p.name.lower() for p in function.parameters if p.switch}
            positional, named = evaluate_arguments(frame, arguments, switches)
            if items is not None:
                raise Unsupported("piping into the function %s" % name, line)
            return function.invoke(frame, positional, named)
        cmdlet = commands.find(name, self)
        if cmdlet is None and re.fullmatch(r"[-+]?[0-9][0-9.]*[A-Za-z]*", name):
            raise Unsupported("the literal %s (the grammar read it as a command name)" % name, line)
        if cmdlet is None:
            raise PSThrow(rt.error_record(dotnet.exception(
                "System.Management.Automation.CommandNotFoundException",
                self.machine.text(commands.TERM_NOT_RECOGNIZED) % name), "CommandNotFoundException", "ObjectNotFound",
                name), statement=True)
        return cmdlet.invoke(frame, arguments, items)

    def create_script_block(self, text: str) -> ScriptBlock:
        """[ScriptBlock]::Create: compiled, and logged as script block logging logs it (event 4104)."""
        self.machine.log_script_block(text)
        return compile_script(text)

    def host_addresses(self, host: str) -> list[Any]:
        """[Net.Dns]::GetHostAddresses (learn.microsoft.com/dotnet/api/system.net.dns.gethostaddresses):
        an IP literal is returned as is; a name through the host's resolver, or SocketException
        11001 "No such host is known"."""
        parsed = parse_address(host)
        if parsed is not None:
            return [dotnet.IPAddress(host, family_of(host))]
        if not host:
            raise dotnet.NetError(dotnet.exception("System.ArgumentException",
                                                   "Value cannot be empty.\r\nParameter name: hostNameOrAddress"))
        addresses = self.machine.resolve(host)
        if not addresses:
            raise dotnet.socket_error(11001, self.machine.text("No such host is known"))
        return [dotnet.IPAddress(a, family_of(a)) for a in addresses]


class Version(rt.DotNet):
    """System.Version ($PSVersionTable.PSVersion)."""

    type_name = "System.Version"

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts = [int(p) for p in text.split(".")]

    def members(self) -> dict[str, Any]:
        names = ("major", "minor", "build", "revision")
        return {n: (lambda i=i: self.parts[i] if i < len(self.parts) else -1) for i, n in enumerate(names)}

    def methods(self) -> dict[str, Any]:
        return {"tostring": lambda: self.text}

    def to_string(self) -> str:
        return self.text


def run_script(machine: Any, text: str, arguments: list[Any], stdin: str | None) -> Outcome:
    """Run a script (already decoded from -EncodedCommand) as powershell.exe does with
    -NoProfile -NonInteractive, and render what reaches WinRS: the success stream through
    Out-Default as console text, the error stream as CLIXML on stderr, and the exit code
    (1 when a terminating error ended the script or the last statement failed, else 0)."""
    version = machine.language_version()
    run = Run(machine, version)
    if stdin is not None:
        # TextReader.ReadLine's lines: split at \r\n, \r or \n only (learn.microsoft.com/dotnet/api/
        # system.io.textreader.readline); a final line break ends the last line, adds none
        lines = re.split(r"\r\n|\r|\n", stdin)
        if lines and lines[-1] == "":
            lines.pop()
        run.global_scope.variables["input"] = InputLines(lines)
    machine.log_script_block(text)
    block = compile_script(text)
    frame = Frame(run.global_scope, run)
    output: list[Any] = []
    exit_code = 0
    try:
        block.invoke(frame, list(arguments), own_scope=False, out=output)  # the script's scope is the global one
    except PSThrow as exc:
        run.errors.append(exc.record)
        run.last_terminating = exc.record
        exit_code = 1
    # -Command / -EncodedCommand: the exit code is 1 when the last statement failed ($? false)
    # or a terminating error ended the script (about_PowerShell_exe, -Command).
    if not run.succeeded:
        exit_code = 1
    return _render(run, output, exit_code)


def _render(run: Run, output: list[Any], exit_code: int) -> Outcome:
    lines = []
    for item in output:
        if item is None:
            continue
        if isinstance(item, (str, bool, int, float, rt.EnumValue)):
            lines.append(rt.to_string(item))
        else:
            raise Unsupported("console formatting (Out-Default) of a %s" % rt.type_name_of(item))
    text = "".join(line + "\r\n" for line in lines)
    stdout = text.encode(run.output_encoding.name, errors="replace")
    stderr = b""
    if run.errors:
        records = "".join('<S S="Error">%s_x000D__x000A_</S>' % escape(_error_text(r)) for r in run.errors)
        stderr = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
                  "%s</Objs>" % records).encode("utf-8")
    return Outcome(stdout, stderr, exit_code, output, list(run.errors), run.last_terminating)


def _error_text(record: rt.ErrorRecord) -> str:
    category = record.category
    return "%s\r\n    + CategoryInfo          : %s: (:) [], %s\r\n    + FullyQualifiedErrorId : %s" % (
        record.exception.message, category, record.exception.type_name.rsplit(".", 1)[-1],
        record.fully_qualified_error_id)
