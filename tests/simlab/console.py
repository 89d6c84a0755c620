"""Console commands the lab answers for ``ansible.builtin.raw``: the benchmark's floor and the
source document's procedure done by hand (facts §4.2).

    hostname
    cscript //nologo "<Office folder>\\OSPP.VBS" /sethst:<host>   (also /setprt:<port>)
    cscript //nologo "<Office folder>\\OSPP.VBS" /act
    cscript //nologo "<Office folder>\\OSPP.VBS" /dstatus

The ospp.vbs verbs act on the host's emulated state as Microsoft's script does: /sethst and
/setprt on every Office product whose description contains KMS, /act on every Office product
with a key, and they print ospp.vbs-style console text. Anything else is not answered here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.simlab.emulator import HostEmulator

OSPP = re.compile(
    r'^cscript(?:\.exe)?\s+(?://nologo\s+)?"?(?P<path>[^"]*\\OSPP\.VBS)"?\s+/(?P<verb>sethst|setprt|act|dstatus)'
    r"(?::(?P<value>\S+))?$",
    re.IGNORECASE,
)
RULE = "-" * 39
PROCESSING = "---Processing--------------------------\r\n" + RULE + "\r\n"
EXITING = RULE + "\r\n---Exiting-----------------------------\r\n"
STATUS_TEXT = {0: "---UNLICENSED---", 1: "---LICENSED---", 2: "---OOB_GRACE---", 3: "---OOT_GRACE---",
               4: "---NON_GENUINE_GRACE---", 5: "---NOTIFICATIONS---", 6: "---EXTENDED GRACE---"}
ERROR_TEXT = {
    0xC004F074: "The Software Licensing Service reported that the product could not be activated. "
                "No Key Management Service (KMS) could be contacted. Please see the Application Event "
                "Log for additional information.",
    0xC004F06C: "The Software Licensing Service reported that the product could not be activated. "
                "The Key Management Service (KMS) determined that the request timestamp is invalid.",
}


def knows(script: str) -> bool:
    """Whether the lab answers this console command."""
    command = script.strip()
    return command.lower() == "hostname" or OSPP.match(command) is not None


def answer(emulator: HostEmulator, script: str) -> str | None:
    """Console output for a known command, or None when the lab does not know it."""
    command = script.strip()
    if command.lower() == "hostname":
        return emulator.state.computer_name + "\r\n"
    match = OSPP.match(command)
    if not match:
        return None
    verb, value = match.group("verb").lower(), match.group("value")
    if verb in ("sethst", "setprt"):
        return set_kms(emulator, verb, value)
    if verb == "act":
        return activate(emulator)
    return dstatus(emulator)


def _office(emulator: HostEmulator, keyed: bool) -> list[dict[str, Any]]:
    from tests.simlab.emulator import OFFICE14_APP, OFFICE_APP  # noqa: PLC0415 - avoid an import cycle

    return [p for p in emulator.state.products if p["ApplicationID"].lower() in (OFFICE_APP, OFFICE14_APP)
            and (p["PartialProductKey"] or not keyed)]


def set_kms(emulator: HostEmulator, verb: str, value: str | None) -> str:
    products = [p for p in _office(emulator, keyed=False) if "KMS" in p["Description"].upper()]
    if not products:
        return PROCESSING + "No Office KMS licenses were found on the system.\r\n" + EXITING
    for product in products:
        if verb == "sethst":
            product["KeyManagementServiceMachine"] = value
        else:
            product["KeyManagementServicePort"] = int(value or 1688)
    return PROCESSING + "Successfully applied setting.\r\n" + EXITING


def activate(emulator: HostEmulator) -> str:
    lines = [PROCESSING]
    for product in _office(emulator, keyed=True):
        lines.append(
            "Installed product key detected - attempting to activate the following product:\r\n"
            "SKU ID: %s\r\nLICENSE NAME: %s\r\nLICENSE DESCRIPTION: %s\r\n"
            "Last 5 characters of installed product key: %s\r\n"
            % (product["ID"], product["Name"], product["Description"], product["PartialProductKey"]))
        code = emulator.activate(product)
        if code:
            lines.append("ERROR CODE: 0x%08X\r\nERROR DESCRIPTION: %s\r\n" % (code, ERROR_TEXT.get(code, "")))
        else:
            lines.append("<Product activation successful>\r\n")
        lines.append(RULE + "\r\n")
    lines.append("---Exiting-----------------------------\r\n")
    return "".join(lines)


def dstatus(emulator: HostEmulator) -> str:
    lines = [PROCESSING]
    for product in _office(emulator, keyed=True):
        minutes = int(product["GracePeriodRemaining"] or 0)
        host = product["KeyManagementServiceMachine"]
        lines.append(
            "SKU ID: %s\r\nLICENSE NAME: %s\r\nLICENSE DESCRIPTION: %s\r\nLICENSE STATUS:  %s\r\n"
            "REMAINING GRACE: %d days  (%d minute(s) before expiring)\r\n"
            "Last 5 characters of installed product key: %s\r\n"
            % (product["ID"], product["Name"], product["Description"],
               STATUS_TEXT.get(product["LicenseStatus"], "---UNKNOWN---"), minutes // 1440, minutes,
               product["PartialProductKey"]))
        if host:
            lines.append("KMS machine registry override defined: %s:%d\r\n"
                         % (host, product["KeyManagementServicePort"] or 1688))
        lines.append(RULE + "\r\n")
    lines.append("---Exiting-----------------------------\r\n")
    return "".join(lines)
