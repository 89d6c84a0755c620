"""Console commands the lab answers for ``ansible.builtin.raw``: the benchmark's floor and the
source document's procedure done by hand (docs/licensing-facts.md §4.2).

    hostname
    cscript //nologo "<Office folder>\\OSPP.VBS" /sethst:<host>   (also /setprt:<port>)
    cscript //nologo "<Office folder>\\OSPP.VBS" /act
    cscript //nologo "<Office folder>\\OSPP.VBS" /dstatus

The ospp.vbs verbs run on the host's CIM provider the way Microsoft's script does
(docs/licensing-facts.md §4.1, §4.2): the product class by OS version (6.1:
OfficeSoftwareProtectionProduct, else SoftwareLicensingProduct, docs/licensing-facts.md §1.1), only
ApplicationId 0ff1ce15-... (docs/licensing-facts.md §3); /sethst and /setprt call
SetKeyManagementServiceMachine / SetKeyManagementServicePort on every instance whose Description
contains KMS (no key filter); /act calls Activate on every instance with PartialProductKey <> NULL;
/dstatus lists instances with a ProductKeyID. They print ospp.vbs-style console text. Anything else
is not answered here.

That text is the same on a host in any display language (HostState.locale): ospp.vbs's messages
are English constants in the script, and its ERROR DESCRIPTION is read from the slerror.xml beside
it, not from Windows (Microsoft's ospp.vbs: MSG_ERRDESC, getResource on currentDir & "slerror.xml";
tests/simlab/locales.py cites it); the source document shows that English output on a Traditional
Chinese Windows. Only the banner of cscript (not printed with //nologo) is in Windows' language.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.simlab.cim import MESSAGES, CimError

if TYPE_CHECKING:
    from tests.simlab.host import WindowsHost

OSPP = re.compile(
    r'^cscript(?:\.exe)?\s+(?://nologo\s+)?"?(?P<path>[^"]*\\OSPP\.VBS)"?\s+/(?P<verb>sethst|setprt|act|dstatus)'
    r"(?::(?P<value>\S+))?$",
    re.IGNORECASE,
)
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"  # ospp.vbs's OfficeAppId (docs/licensing-facts.md §3)
RULE = "-" * 39
PROCESSING = "---Processing--------------------------\r\n" + RULE + "\r\n"
EXITING = RULE + "\r\n---Exiting-----------------------------\r\n"
STATUS_TEXT = {0: "---UNLICENSED---", 1: "---LICENSED---", 2: "---OOB_GRACE---", 3: "---OOT_GRACE---",
               4: "---NON_GENUINE_GRACE---", 5: "---NOTIFICATIONS---", 6: "---EXTENDED GRACE---"}
NOT_INSTALLED = "Error: The Software Protection Platform service is not installed.\r\n"


def knows(script: str) -> bool:
    """Whether the lab answers this console command."""
    command = script.strip()
    return command.lower() == "hostname" or OSPP.match(command) is not None


def answer(host: WindowsHost, script: str) -> str | None:
    """Console output for a known command, or None when the lab does not know it."""
    command = script.strip()
    if command.lower() == "hostname":
        return host.state.computer_name + "\r\n"
    match = OSPP.match(command)
    if not match:
        return None
    verb, value = match.group("verb").lower(), match.group("value")
    product_class = "OfficeSoftwareProtectionProduct" if host.state.os["version"].startswith("6.1.") \
        else "SoftwareLicensingProduct"  # setWinOS()/setWmiClasses() (docs/licensing-facts.md §1.1)
    try:
        if verb in ("sethst", "setprt"):
            return set_kms(host, product_class, verb, value)
        if verb == "act":
            return activate(host, product_class)
        return dstatus(host, product_class)
    except CimError as exc:
        if exc.hresult == 0x80041010:
            return NOT_INSTALLED
        return PROCESSING + _error(exc) + EXITING


def _error(exc: CimError) -> str:
    return "ERROR CODE: 0x%08X\r\nERROR DESCRIPTION: %s\r\n" % (exc.hresult or 0, MESSAGES.get(exc.hresult or 0, ""))


def _query(host: WindowsHost, product_class: str, properties: list[str], extra: str = "") -> list[dict[str, Any]]:
    return host.cim.query(product_class, properties, "ApplicationId = '%s'%s" % (OFFICE_APP, extra))


def set_kms(host: WindowsHost, product_class: str, verb: str, value: str | None) -> str:
    products = [p for p in _query(host, product_class, ["ID", "Description", "PartialProductKey", "ApplicationId"])
                if "KMS" in (p["Description"] or "").upper()]
    if not products:
        return PROCESSING + "No Office KMS licenses were found on the system.\r\n" + EXITING
    for product in products:
        where = "ID = '%s'" % product["ID"]
        if verb == "sethst":
            host.cim.invoke(product_class, where, "SetKeyManagementServiceMachine",
                            [{"name": "MachineName", "type": "string", "value": value or ""}])
        else:
            host.cim.invoke(product_class, where, "SetKeyManagementServicePort",
                            [{"name": "PortNumber", "type": "uint32", "value": int(value or 1688)}])
    return PROCESSING + "Successfully applied setting.\r\n" + EXITING


def activate(host: WindowsHost, product_class: str) -> str:
    lines = [PROCESSING]
    for product in _query(host, product_class, ["ID", "ApplicationId", "PartialProductKey", "Description", "Name"],
                          " AND PartialProductKey <> NULL"):
        lines.append(
            "Installed product key detected - attempting to activate the following product:\r\n"
            "SKU ID: %s\r\nLICENSE NAME: %s\r\nLICENSE DESCRIPTION: %s\r\n"
            "Last 5 characters of installed product key: %s\r\n"
            % (product["ID"], product["Name"], product["Description"], product["PartialProductKey"]))
        try:
            host.cim.invoke(product_class, "ID = '%s'" % product["ID"], "Activate", [])
        except CimError as exc:
            lines.append(_error(exc))
        else:
            lines.append("<Product activation successful>\r\n")
        lines.append(RULE + "\r\n")
    lines.append("---Exiting-----------------------------\r\n")
    return "".join(lines)


def dstatus(host: WindowsHost, product_class: str) -> str:
    lines = [PROCESSING]
    properties = ["ID", "ApplicationId", "PartialProductKey", "Description", "Name", "LicenseStatus",
                  "LicenseStatusReason", "GracePeriodRemaining", "KeyManagementServiceMachine",
                  "KeyManagementServicePort", "ProductKeyID"]
    for product in _query(host, product_class, properties):
        if not product["ProductKeyID"]:  # VBScript: Null <> "" is not True
            continue
        minutes = int(product["GracePeriodRemaining"] or 0)
        kms_host = product["KeyManagementServiceMachine"]
        lines.append(
            "SKU ID: %s\r\nLICENSE NAME: %s\r\nLICENSE DESCRIPTION: %s\r\nLICENSE STATUS:  %s\r\n"
            "REMAINING GRACE: %d days  (%d minute(s) before expiring)\r\n"
            "Last 5 characters of installed product key: %s\r\n"
            % (product["ID"], product["Name"], product["Description"],
               STATUS_TEXT.get(product["LicenseStatus"], "---UNKNOWN---"), minutes // 1440, minutes,
               product["PartialProductKey"]))
        if kms_host:
            lines.append("KMS machine registry override defined: %s:%d\r\n"
                         % (kms_host, product["KeyManagementServicePort"] or 1688))
        lines.append(RULE + "\r\n")
    lines.append("---Exiting-----------------------------\r\n")
    return "".join(lines)
