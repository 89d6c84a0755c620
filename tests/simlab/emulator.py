"""The Windows licensing emulation behind one simulated host.

It recognises the collection's PowerShell scripts by their exact text, read from the same
files the plugins send (plugins/module_utils/*.ps1), and applies each script's documented
semantics to the host's emulated state. Anything else gets the error PowerShell would give,
so a script the lab does not know can never pass by accident.

The wire format it expects (plugins/module_utils/remote.py):
  command  = PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted
             -EncodedCommand <UTF-16LE base64 of office_kms_bootstrap.ps1>
  stdin    = "$ParamsB64 = '<base64 of UTF-8 JSON>'\n" + <script file text>
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

from tests.simlab.network import Network, ResolveError
from tests.simlab.scenario import HostState
from tests.simlab.wsman import CommandRequest, CommandResult

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT_DIR = os.path.join(ROOT, "plugins", "module_utils")
POWERSHELL_ARGS = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted", "-EncodedCommand"]
PARAMS_LINE = re.compile(r"^\$ParamsB64 = '(?P<b64>[A-Za-z0-9+/=]*)'$")

OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
OFFICE14_APP = "59a52881-a989-479d-af46-f275c6370663"
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"

# .NET SocketException messages as Windows words them.
REFUSED = "No connection could be made because the target machine actively refused it"
NOT_FOUND = "No such host is known"


def read_script(name: str) -> str:
    with open(os.path.join(SCRIPT_DIR, name + ".ps1"), encoding="utf-8") as handle:
        return handle.read()


def powershell_error(message: str) -> CommandResult:
    """A failed PowerShell run as it reaches WinRM: CLIXML error record on stderr, exit 1."""
    clixml = (
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<S S="Error">%s_x000D__x000A_</S></Objs>' % escape(message)
    )
    return CommandResult(stdout=b"", stderr=clixml.encode("utf-8"), exit_code=1)


class HostEmulator:
    """Runs commands for one host against its state; keeps the log tests read."""

    def __init__(self, state: HostState, network: Network) -> None:
        self.state = state
        self.network = network
        self.commands: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.bootstrap = read_script("office_kms_bootstrap").strip()
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "office_kms_inspect": self.inspect,
        }
        self.scripts = {read_script(name): name for name in self.handlers}

    # -- recognising what arrives ---------------------------------------------------------
    def __call__(self, request: CommandRequest) -> CommandResult:
        name, params, problem = self._recognise(request)
        with self.lock:
            self.commands.append({
                "script": name,
                "params": params,
                "command": request.command,
                "arguments": list(request.arguments),
                "stdin_bytes": len(request.stdin),
            })
            if problem:
                return powershell_error(problem)
            document = self.handlers[name](params)
        return CommandResult(stdout=(json.dumps(document, separators=(",", ":")) + "\r\n").encode("utf-8"))

    def _recognise(self, request: CommandRequest) -> tuple[str | None, dict[str, Any] | None, str | None]:
        # The clients send all arguments as one space-joined rsp:Arguments element.
        arguments = " ".join(request.arguments).split()
        if request.command.lower() != "powershell" or arguments[:-1] != POWERSHELL_ARGS:
            return None, None, "The term '%s' is not recognized as the name of a cmdlet, function, " \
                "script file, or operable program." % request.command
        try:
            script = base64.b64decode(arguments[-1]).decode("utf-16-le")
        except (binascii.Error, UnicodeDecodeError):
            return None, None, "Cannot process the command because the value specified with " \
                "-EncodedCommand is not properly encoded."
        if script.strip() != self.bootstrap:
            first = script.strip().splitlines()[0] if script.strip() else ""
            return None, None, "simlab: unknown PowerShell command: %s" % first[:200]
        text = request.stdin.decode("utf-8", errors="replace")
        first_line, _, body = text.partition("\n")
        match = PARAMS_LINE.match(first_line.rstrip("\r"))
        if not match:
            return None, None, "simlab: the script on stdin does not start with the parameter line"
        name = self.scripts.get(body)
        if name is None:
            return None, None, "simlab: unknown script on stdin (not one of %s)" % ", ".join(sorted(self.handlers))
        try:
            params = json.loads(base64.b64decode(match.group("b64")).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            return name, None, "ConvertFrom-Json : Invalid JSON primitive: %s" % exc
        return name, params, None

    # -- office_kms_inspect.ps1 ---------------------------------------------------------------
    def inspect(self, params: dict[str, Any]) -> dict[str, Any]:
        """What office_kms_inspect.ps1 prints for this host's state."""
        state = self.state
        win7 = state.os["version"].startswith("6.1.")
        spp_apps = ([] if win7 else [OFFICE_APP]) + ([WINDOWS_APP] if params.get("include_windows") else [])
        doc: dict[str, Any] = {
            "ok": True,
            "computer_name": state.computer_name,
            "utc_now": self.host_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "os": {
                "Caption": state.os["caption"],
                "Version": state.os["version"],
                "BuildNumber": str(state.os["build"]),
                "OSArchitecture": state.os["architecture"],
            },
            "cpu": [
                {"MaxClockSpeed": state.cpu["mhz"], "NumberOfCores": state.cpu["cores"] // state.cpu.get("sockets", 1)}
                for _ in range(state.cpu.get("sockets", 1))
            ],
            "memory_bytes": state.memory_mb * 1024 * 1024,
            "disk": {"DeviceID": "C:", "FreeSpace": state.system_drive_free_mb * 1024 * 1024},
            "cmid": state.client_machine_id,
            "spp": self._keyed("SoftwareLicensingProduct", spp_apps),
            "ospp": None,
            "c2r": None,
            "msi": [],
            "reach": None,
        }
        if state.ospp_service:
            doc["ospp_cmid"] = state.ospp_client_machine_id
            doc["ospp"] = self._keyed("OfficeSoftwareProtectionProduct", [OFFICE_APP, OFFICE14_APP])
        for install in state.office:
            if install["type"] == "ClickToRun":
                doc["c2r"] = {
                    "VersionToReport": install["version"],
                    "Platform": install["bitness"],
                    "ProductReleaseIds": ",".join(install["product_ids"]),
                }
            else:
                doc["msi"].append({
                    "PSChildName": install["key"],
                    "DisplayName": install["name"],
                    "DisplayVersion": install["version"],
                    "Wow": install["bitness"] == "x86" and "64" in state.os["architecture"],
                })
        if params.get("kms_host"):
            doc["reach"] = self.reach(params["kms_host"], int(params["kms_port"]), int(params["connect_timeout_ms"]))
        return doc

    def _keyed(self, cim_class: str, apps: list[str]) -> list[dict[str, Any]]:
        """Products of one class with a key installed, for the given ApplicationIDs."""
        return [
            {k: v for k, v in p.items() if k != "class"}
            for p in self.state.products
            if p["class"] == cim_class and p["ApplicationID"].lower() in apps and p["PartialProductKey"]
        ]

    def reach(self, host: str, port: int, timeout_ms: int) -> dict[str, Any]:
        """A real TCP connect through the emulated network, as TcpClient.BeginConnect does."""
        try:
            self.network.connect(host, port, timeout_ms / 1000.0)
        except ResolveError:
            return {"reachable": False, "error": NOT_FOUND}
        except TimeoutError:
            return {"reachable": False, "error": "timed out"}
        except ConnectionRefusedError:
            return {"reachable": False, "error": REFUSED}
        except OSError as exc:
            return {"reachable": False, "error": exc.strerror or str(exc)}
        return {"reachable": True, "error": None}

    def host_now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(minutes=self.state.clock_offset_minutes)
