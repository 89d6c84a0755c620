# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""Licensing HRESULTs as data: symbolic name, what it means, what to do.

Names and meanings follow docs/licensing-facts.md §6 (the Windows SDK's
slerror.h and Microsoft's "Resolving common activation error codes"). Hints are written for a
help-desk reader: what to check next. Meanings and hints are marked for translation (N_): the
report shows them in the reader's language (i18n.py); modules' messages keep them in English.
"""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.volume_licensing.kms.plugins.plugin_utils.i18n import N_


class HResult(NamedTuple):
    name: str
    meaning: str
    hint: str


HRESULTS: dict[int, HResult] = {
    0xC004F074: HResult(
        "SL_E_VL_BINDING_SERVICE_UNAVAILABLE",
        N_("no Key Management Service (KMS) host could be contacted"),
        N_("Check that the host is on the organisation's network (VPN connected off campus), that "
           "the KMS host name resolves in DNS, and that TCP port 1688 (or the configured port) is "
           "open from the host to the KMS host. Event ID 12288 in the Application log has details."),
    ),
    0xC004F038: HResult(
        "SL_E_VL_NOT_ENOUGH_COUNT",
        N_("the count reported by the KMS host is insufficient"),
        N_("The KMS host activates Office only after 5 distinct clients have asked (Windows clients: "
           "25). Add clients, and make sure cloned machines have distinct ClientMachineIDs "
           "(sysprep /generalize the image)."),
    ),
    0xC004F039: HResult(
        "SL_E_VL_BINDING_SERVICE_NOT_ENABLED",
        N_("the Key Management Service (KMS) is not enabled"),
        N_("The KMS host did not answer the request: check that TCP 1688 is not blocked and that "
           "the KMS service runs on the KMS host."),
    ),
    0xC004F041: HResult(
        "SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED",
        N_("the KMS host itself is not activated"),
        N_("Ask the KMS host's administrator to activate its host key (online or by phone)."),
    ),
    0xC004F042: HResult(
        "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH",
        N_("the KMS host contacted cannot activate this product"),
        N_("Point the product at the KMS host that carries this Office version's host key, or ask "
           "its administrator to install that version's Office Volume License Pack and host key."),
    ),
    0xC004F06C: HResult(
        "SL_E_VL_INVALID_TIMESTAMP",
        N_("the KMS host found the request timestamp invalid (client clock too far off)"),
        N_("Synchronise the host's clock (NTP or the domain); KMS compares UTC times."),
    ),
    0xC004F050: HResult(
        "SL_E_INVALID_PRODUCT_KEY",
        N_("the product key is invalid"),
        N_("Check the key for typos (and dashes pasted as en or em dashes); use the GVLK that "
           "matches the installed product."),
    ),
    0xC004F069: HResult(
        "SL_E_MISMATCHED_PRODUCT_SKU",
        N_("the product SKU for this key is not found"),
        N_("The key belongs to a product whose licence is not installed: use the key of the "
           "installed product."),
    ),
    0xC004C008: HResult(
        "SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED",
        N_("the product key has exceeded its unlock limit"),
        N_("Its owner (the organisation's licensing contact) must ask the Microsoft Activation Center for more "
           "activations."),
    ),
    0xC004C003: HResult(
        "SL_E_CHPA_PRODUCT_KEY_BLOCKED",
        N_("the product key has been blocked"),
        N_("Obtain a new key from the volume licensing portal."),
    ),
    0xC004F015: HResult(
        "SL_E_PRODUCT_SKU_NOT_INSTALLED",
        N_("the licence is not installed"),
        N_("Repair or reinstall the Office product so that its licence is installed."),
    ),
    0xC004E015: HResult(
        "SL_E_EUL_CONSUMPTION_FAILED",
        N_("licence consumption failed"),
        N_("Repair the Office installation; if it persists, reinstall the product key."),
    ),
    0xC004F056: HResult(
        "SL_E_VL_MACHINE_NOT_BOUND",
        N_("the product could not be activated using the KMS"),
        N_("Activate again against a reachable KMS host."),
    ),
    0xC004F014: HResult(
        "SL_E_PKEY_NOT_INSTALLED",
        N_("no product key is installed"),
        N_("Install the product's KMS client key (GVLK), e.g. with product_key: auto."),
    ),
    0xC004F025: HResult(
        "SL_E_LUA_ACCESSDENIED",
        N_("the action requires administrator privilege"),
        N_("Connect with an account that is a local administrator on the host (for local accounts "
           "over WinRM, remote UAC filtering applies: LocalAccountTokenFilterPolicy)."),
    ),
    0x8007232B: HResult(
        "DNS_ERROR_RCODE_NAME_ERROR",
        N_("DNS name does not exist (no _vlmcs._tcp SRV record found)"),
        N_("Give kms_host explicitly, or ask the DNS administrator to publish the KMS host's "
           "_vlmcs._tcp SRV record."),
    ),
    0x8007232A: HResult(
        "DNS_ERROR_RCODE_SERVER_FAILURE",
        N_("DNS server failure"),
        N_("Troubleshoot the host's network and DNS servers."),
    ),
    0x8007251D: HResult(
        "DNS_INFO_NO_RECORDS",
        N_("no records found for the DNS query"),
        N_("Give kms_host explicitly, or publish the _vlmcs._tcp SRV record."),
    ),
    0x8007007B: HResult(
        "ERROR_INVALID_NAME",
        N_("DNS name does not exist"),
        N_("Give kms_host explicitly; check the host's primary DNS suffix."),
    ),
    0x80070005: HResult(
        "E_ACCESSDENIED",
        N_("access denied"),
        N_("Connect with an account that is a local administrator on the host (for local accounts "
           "over WinRM, remote UAC filtering applies: LocalAccountTokenFilterPolicy)."),
    ),
    0x800706BA: HResult(
        "RPC_S_SERVER_UNAVAILABLE",
        N_("the RPC server is unavailable"),
        N_("Check that the KMS host's firewall lets TCP 1688 in, and remove stale _vlmcs SRV records."),
    ),
    0xC004F009: HResult(
        "SL_E_GRACE_TIME_EXPIRED",
        N_("the grace period expired"),
        N_("Activate the product against the KMS host."),
    ),
    0xC004F00F: HResult(
        "SL_E_OUT_OF_TOLERANCE",
        N_("the hardware ID binding is beyond the level of tolerance"),
        N_("Activate again; a restart of the host may be needed first."),
    ),
    # Not licensing codes: how reading the licensing classes fails when the licensing service
    # cannot run or its classes are not there. Names and texts are Windows' own (winerror.h:
    # ERROR_SERVICE_DISABLED is Win32 error 1058; wbemcli.h: WBEM_E_INVALID_CLASS). That a
    # disabled Software Protection service surfaces as 0x80070422 is inference (slmgr.vbs
    # reports it so); the fixes are inference from docs/licensing-facts.md §1.1 (SppWmi.mof, ospp.vbs /regmof).
    0x80070422: HResult(
        "ERROR_SERVICE_DISABLED",
        N_("the licensing service cannot be started because it is disabled"),
        N_("The Software Protection service (sppsvc), which licenses Windows and Office, is disabled "
           "on the host. Set its start type back to the default, Automatic (Delayed Start) (registry "
           "HKLM\\SYSTEM\\CurrentControlSet\\Services\\sppsvc, Start=2), and find the policy or "
           "hardening script that disabled it."),
    ),
    0x80041010: HResult(
        "WBEM_E_INVALID_CLASS",
        N_("the licensing WMI class is not registered (invalid class)"),
        N_("Re-register the licensing classes as an administrator: mofcomp "
           "%WinDir%\\System32\\wbem\\sppwmi.mof (Office 2010, or Office on Windows 7: cscript "
           "ospp.vbs /regmof), or repair Windows (DISM /Online /Cleanup-Image /RestoreHealth, then "
           "sfc /scannow)."),
    ),
    0x4004F00C: HResult("SL_I_OOB_GRACE_PERIOD", N_("initial grace period"), N_("Activate the product.")),
    0x4004F00D: HResult(
        "SL_I_OOT_GRACE_PERIOD", N_("out-of-tolerance grace period (KMS activation lapsed)"),
        N_("Activate the product against the KMS host."),
    ),
    0x4004F040: HResult(
        "SL_E_VL_INFO_PRODUCT_USER_RIGHT",
        N_("licensed through KMS (informational)"),
        N_("Nothing to do."),
    ),
    0x4004F065: HResult(
        "SL_I_NONGENUINE_GRACE_PERIOD", N_("non-genuine grace period"), N_("Reinstall a genuine key."),
    ),
}


# What to do when a code is met on the KMS host itself (the kms_host modules: installing and
# activating its host keys, or in the 12290 events of the requests it processed), where the
# table's hint is written for a client. docs/licensing-facts.md §6, §7.3, §12.4, §12.5, §12.7.
HOST_HINTS: dict[int, str] = {
    0xC004F041: N_("This KMS host's host key is installed but not activated, so it refuses every request: activate "
                   "it (kms_host with activate: true, which needs Internet access to Microsoft's activation "
                   "servers), or by phone: slmgr /dti <Activation ID>, slui 4, then slmgr /atp <Confirmation ID> "
                   "<Activation ID>."),
    0xC004F042: N_("A client asked for a product this KMS host holds no host key for: install that version's "
                   "Office Volume License Pack and its host key (CSVLK) on the host (kms_host office_versions and "
                   "host_keys), or point the client at the KMS host that has it."),
    0xC004F038: N_("The host has counted fewer distinct clients in the last 30 days than the product needs (5 for "
                   "Office and Windows Server, 25 for Windows clients): the count rises as clients ask; machines "
                   "cloned without sysprep /generalize share a machine ID and count once."),
    0xC004C003: N_("Microsoft's activation servers blocked this host key: get a new KMS host key (CSVLK) from the "
                   "Volume Licensing Service Center (or the Microsoft 365 admin center) and give it in host_keys."),
    0xC004C008: N_("This host key has been activated as often as Microsoft allows (up to 10 times on up to six "
                   "different computers): call the Microsoft Activation Center (slui 4 shows the number) "
                   "to have the limit raised, or use another host key."),
    0xC004F069: N_("The licence this key belongs to is not installed on the host: for an Office host key, install "
                   "that version's Office Volume License Pack first (office_versions names the download); for a "
                   "Windows host key, use a CSVLK this Windows Server version can host (Microsoft's KMS "
                   "activation planning tables)."),
    0xC004F050: N_("The key is not a valid product key: check it against the Volume Licensing Service Center "
                   "(no typos, no en or em dashes), and that it is a KMS host key (CSVLK), not a client key."),
    0xC004F015: N_("The licence of the key's product is not installed: install that Office version's Volume "
                   "License Pack on the host, then install the host key again."),
}


def to_hex(code: int | None) -> str | None:
    """0xC004F074 form of an HRESULT given as a signed or unsigned 32-bit integer."""
    if code is None:
        return None
    return "0x%08X" % (int(code) & 0xFFFFFFFF)


def from_hex(text: str) -> int:
    """Parse "0xC004F074" (or a decimal string) to its unsigned value."""
    return int(text, 16) & 0xFFFFFFFF if text.lower().startswith("0x") else int(text) & 0xFFFFFFFF


def lookup(code: int | None) -> HResult | None:
    """The table entry for an HRESULT, or None when it is not a known licensing code."""
    if code is None:
        return None
    return HRESULTS.get(int(code) & 0xFFFFFFFF)


def name_of(code: int | None) -> str | None:
    """The symbolic name of an HRESULT, or None when it is not in the table."""
    entry = lookup(code)
    return entry.name if entry else None


def hint_of(code: int | None, host_side: bool = False) -> str | None:
    """What to do about an HRESULT; ``host_side``: met on the KMS host itself (HOST_HINTS)."""
    entry = lookup(code)
    if entry is None:
        return None
    return HOST_HINTS.get(int(code) & 0xFFFFFFFF, entry.hint) if host_side else entry.hint


def explain(code: int, host_side: bool = False) -> str:
    """The HRESULT in words for a message: code, name, meaning, then what to do."""
    entry = lookup(code)
    if entry is None:
        return "%s (a code this collection has no description for; Microsoft's documentation of " \
               "activation error codes may list it)." % to_hex(code)
    return "%s %s: %s. %s" % (to_hex(code), entry.name, entry.meaning, hint_of(code, host_side))


def describe(code: int | None, host_side: bool = False) -> dict[str, str | None]:
    """error_code / error_name / error_hint for a result dictionary."""
    entry = lookup(code)
    return {
        "error_code": to_hex(code),
        "error_name": entry.name if entry else None,
        "error_hint": hint_of(code, host_side),
    }
