"""The Windows licensing emulation behind one simulated host.

It recognises the collection's PowerShell scripts by their exact text, read from the same
files the plugins send (plugins/module_utils/*.ps1), and applies each script's documented
semantics to the host's emulated state. Anything else gets the error PowerShell would give,
so a script the lab does not know can never pass by accident.

The wire format it expects (plugins/module_utils/remote.py):
  command  = PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted
             -EncodedCommand <UTF-16LE base64 of office_kms_bootstrap.ps1>
  stdin    = "$ParamsB64 = '<base64 of UTF-8 JSON>'\n" + <script file text>

Script-level faults, read live from HostState.faults (a test may set or clear one between
runs). A fault given as ``true`` strikes every script; given as a script name
(``office_kms_apply``) or a list of names, only those:
  malformed_json   the script runs, but its output reaches the controller garbled (here: the
                   JSON in UTF-16LE, as a console code-page mismatch would deliver it)
  truncated_json   the script runs, but only the first half of its JSON arrives
  clixml_error     PowerShell stops before the script prints anything: exit code 1, the error
                   record as CLIXML on stderr (here the error Windows PowerShell 2.0 gives, which
                   has no ConvertTo-Json), no JSON on stdout; nothing is changed
  access_denied    the account is not an administrator: reading the licensing products fails
                   with E_ACCESSDENIED (0x80070005) as a CIM query does; the licensing methods
                   of the apply script answer SL_E_LUA_ACCESSDENIED (0xC004F025), as slmgr /ato
                   does in a non-elevated prompt (facts §6). Aimed at office_kms_apply only, it
                   is an account that may read licensing data but not change it.
  licensing_service  "disabled" or "missing": the inspect script's query of the licensing
                   classes fails (see LICENSING_SERVICE_FAULTS)
A product may carry ``activation_error`` (an HRESULT, simlab only, never reported): the KMS
host answers that product's activation with it.
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

from tests.simlab import console
from tests.simlab.network import Network, ResolveError
from tests.simlab.scenario import PRODUCT_PROPERTIES, HostState
from tests.simlab.wsman import CommandRequest, CommandResult

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT_DIR = os.path.join(ROOT, "plugins", "module_utils")
CONSOLE = "console"  # raw console commands the lab answers (tests/simlab/console.py)
POWERSHELL_ARGS = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted", "-EncodedCommand"]
PARAMS_LINE = re.compile(r"^\$ParamsB64 = '(?P<b64>[A-Za-z0-9+/=]*)'$")

OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
OFFICE14_APP = "59a52881-a989-479d-af46-f275c6370663"
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"

# HRESULTs the emulation answers with (facts §6).
S_OK = 0
SL_E_VL_BINDING_SERVICE_UNAVAILABLE = 0xC004F074
SL_E_VL_INVALID_TIMESTAMP = 0xC004F06C
SL_E_INVALID_PRODUCT_KEY = 0xC004F050
SL_E_MISMATCHED_PRODUCT_SKU = 0xC004F069
SL_E_PKEY_NOT_INSTALLED = 0xC004F014
SL_E_LUA_ACCESSDENIED = 0xC004F025
DNS_ERROR_RCODE_NAME_ERROR = 0x8007232B
ERROR_NOT_FOUND = 0x80070490
E_ACCESSDENIED = 0x80070005
KMS_VALIDITY_MINUTES = 259200  # 180 days (facts §2.3)
MAX_CLOCK_SKEW_MINUTES = 4 * 60  # KMS refuses larger skews (facts §6, 0xC004F06C)
SERVICE_OF = {"SoftwareLicensingProduct": "spp", "OfficeSoftwareProtectionProduct": "ospp"}
# The product part of an Office name (Office 24, Office24ProPlus2024VL_... -> 24, ProPlus):
# installing a key replaces the key of the other SKUs of the same product.
_SLOT = re.compile(r"^Office (\d\d), Office(?:\d\d)?([A-Za-z]+?)(?:20\d\d)?(?:VL_|R_|-)")

# .NET SocketException messages as Windows words them.
REFUSED = "No connection could be made because the target machine actively refused it"
NOT_FOUND = "No such host is known"

# How the inspect script's query of the licensing classes fails (the error text and HRESULT
# its catch block reports). A merely stopped Software Protection service (sppsvc) is started
# on demand by the query, so only a disabled one fails: Win32 error 1058, which slmgr.vbs
# reports as 0x80070422 (inference from slmgr output, no Microsoft page names it for CIM).
# Classes that are not registered (SppWmi.mof not compiled, a damaged WMI repository) give
# WBEM_E_INVALID_CLASS with CIM's own text "Invalid class".
LICENSING_SERVICE_FAULTS = {
    "disabled": ("The service cannot be started, either because it is disabled or because it has "
                 "no enabled devices associated with it.", 0x80070422),
    "missing": ("Invalid class ", 0x80041010),
}
# What Windows PowerShell 2.0 says when a script reaches ConvertTo-Json (PowerShell 3.0+).
NO_CONVERTTO_JSON = ("The term 'ConvertTo-Json' is not recognized as the name of a cmdlet, function, "
                     "script file, or operable program. Check the spelling of the name, or if a path "
                     "was included, verify that the path is correct and try again.")


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

    def __init__(self, state: HostState, network: Network, known_keys: dict[str, dict[str, Any]] | None = None) -> None:
        self.state = state
        self.network = network
        self.known_keys = known_keys or {}
        self.commands: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.bootstrap = read_script("office_kms_bootstrap").strip()
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "office_kms_inspect": self.inspect,
            "office_kms_apply": self.apply,
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
            if name == CONSOLE:
                return CommandResult(stdout=console.answer(self, params["command"]).encode("utf-8"))
            if self.fault("clixml_error", name):
                return powershell_error(NO_CONVERTTO_JSON)
            document = self.handlers[name](params)
        text = json.dumps(document, separators=(",", ":"))
        if self.fault("truncated_json", name):
            return CommandResult(stdout=text[:len(text) // 2].encode("utf-8"))
        if self.fault("malformed_json", name):
            return CommandResult(stdout=(text + "\r\n").encode("utf-16-le"))
        return CommandResult(stdout=(text + "\r\n").encode("utf-8"))

    def fault(self, name: str, script: str) -> bool:
        """Whether the fault ``name`` strikes ``script`` now (see the module's docstring)."""
        value = self.state.faults.get(name)
        if isinstance(value, str):
            return value == script
        if isinstance(value, list):
            return script in value
        return bool(value)

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
        if script.strip() != self.bootstrap and console.knows(script):
            return CONSOLE, {"command": script.strip()}, None
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
        failure = self._licensing_read_failure()
        if failure:
            message, code = failure
            return {"ok": False, "step": "read licensing products", "error": message, "hresult": "0x%08X" % code}
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

    def _licensing_read_failure(self) -> tuple[str, int] | None:
        """(message, HRESULT) when the inspect script cannot read the licensing classes."""
        service = self.state.faults.get("licensing_service")
        if service:
            if service not in LICENSING_SERVICE_FAULTS:
                raise ValueError("simlab: licensing_service fault must be one of %s, not %r"
                                 % (", ".join(LICENSING_SERVICE_FAULTS), service))
            return LICENSING_SERVICE_FAULTS[service]
        if self.fault("access_denied", "office_kms_inspect"):
            return "Access denied", E_ACCESSDENIED
        return None

    def _keyed(self, cim_class: str, apps: list[str]) -> list[dict[str, Any]]:
        """Products of one class with a key installed, for the given ApplicationIDs."""
        return [
            {k: p[k] for k in PRODUCT_PROPERTIES}
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

    # -- office_kms_apply.ps1 -----------------------------------------------------------------
    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        """What office_kms_apply.ps1 does to this host's state, and what it prints."""
        doc: dict[str, Any] = {"ok": True, "reach": None, "steps": [], "jobs": [], "spp": [], "ospp": []}
        if params.get("check_reachable"):
            doc["reach"] = self.reach(params["kms_host"], int(params["kms_port"]), int(params["connect_timeout_ms"]))
        jobs = [] if doc["reach"] and not doc["reach"]["reachable"] else list(params.get("jobs") or [])
        for job in jobs:
            sku = job["id"].lower()
            for step in job["steps"]:
                code, sku = self.run_step(job["class"], sku, step)
                doc["steps"].append({
                    "id": job["id"], "action": step["action"],
                    "hresult": "0x%08X" % code if code else None,
                    "error": "%s failed" % step["action"] if code else None,
                })
                if code:
                    break
            doc["jobs"].append({"id": job["id"], "id_after": sku})
        for cim_class in sorted({job["class"] for job in jobs}):
            doc[SERVICE_OF[cim_class]] = self._keyed(cim_class, [OFFICE_APP, OFFICE14_APP])
        return doc

    def _office_product(self, cim_class: str, sku: str) -> dict[str, Any] | None:
        for p in self.state.products:
            if p["class"] == cim_class and p["ApplicationID"].lower() in (OFFICE_APP, OFFICE14_APP) \
                    and p["ID"].lower() == sku:
                return p
        return None

    def run_step(self, cim_class: str, sku: str, step: dict[str, Any]) -> tuple[int, str]:
        """One step's HRESULT (0 for success) and the SKU the job now follows."""
        action, value = step["action"], step.get("value")
        if self.fault("access_denied", "office_kms_apply"):
            return SL_E_LUA_ACCESSDENIED, sku
        if action == "install_key":
            return self.install_key(cim_class, sku, str(value))
        product = self._office_product(cim_class, sku)
        if product is None:
            return ERROR_NOT_FOUND, sku
        if action == "set_host":
            product["KeyManagementServiceMachine"] = str(value)
        elif action == "set_port":
            product["KeyManagementServicePort"] = int(value) & 0xFFFFFFFF
        elif action == "clear_host":
            product["KeyManagementServiceMachine"] = None
        elif action == "clear_port":
            product["KeyManagementServicePort"] = 0
        elif action == "activate":
            return self.activate(product), sku
        else:
            return 0x80070057, sku
        return S_OK, sku

    def install_key(self, cim_class: str, sku: str, key: str) -> tuple[int, str]:
        """InstallProductKey: the key lands on the SKU it belongs to, if that licence is
        installed; the other SKUs of the same product lose theirs."""
        known = self.known_keys.get(key.upper())
        if known is None:
            return SL_E_INVALID_PRODUCT_KEY, sku
        target = self._office_product(cim_class, known["ID"].lower())
        if target is None:
            return SL_E_MISMATCHED_PRODUCT_SKU, sku
        slot = _SLOT.match(target["Name"])
        for p in self.state.products:
            other = _SLOT.match(p["Name"]) if p is not target else None
            if other and slot and other.groups() == slot.groups() and p["class"] == cim_class:
                p.update(PartialProductKey=None, LicenseStatus=0, LicenseStatusReason=SL_E_PKEY_NOT_INSTALLED,
                         GracePeriodRemaining=0)
        target.update(PartialProductKey=key.replace("-", "")[-5:].upper(), LicenseStatus=2,
                      LicenseStatusReason=0x4004F00C, GracePeriodRemaining=43200)
        return S_OK, target["ID"].lower()

    def activate(self, product: dict[str, Any]) -> int:
        """Activate: a real TCP connection to the product's KMS host (or the one DNS
        publishes), then the KMS host's answer as the scenario sets it."""
        if not product["PartialProductKey"]:
            return SL_E_PKEY_NOT_INSTALLED
        host = product["KeyManagementServiceMachine"] or self.state.dns_kms_host
        if not host:
            return DNS_ERROR_RCODE_NAME_ERROR
        port = product["KeyManagementServicePort"] or 1688
        try:
            stand_in = self.network.connect(host, port, timeout=5.0)
        except OSError:
            return SL_E_VL_BINDING_SERVICE_UNAVAILABLE
        if stand_in is not None and stand_in.activation_error:
            return stand_in.activation_error
        if product.get("activation_error"):
            return product["activation_error"]
        if abs(self.state.clock_offset_minutes) > MAX_CLOCK_SKEW_MINUTES:
            return SL_E_VL_INVALID_TIMESTAMP
        product.update(LicenseStatus=1, LicenseStatusReason=0x4004F040, GracePeriodRemaining=KMS_VALIDITY_MINUTES,
                       DiscoveredKeyManagementServiceMachineName=host, DiscoveredKeyManagementServiceMachinePort=port)
        return S_OK
