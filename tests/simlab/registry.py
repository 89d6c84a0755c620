"""The registry of a simulated host, as far as the executor may read it.

Derived from the scenario's ``office`` installs, as Office writes it:
- Click-to-Run: ``HKLM:\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration`` with
  VersionToReport, Platform (x86/x64) and ProductReleaseIds (comma-separated);
- MSI: an Uninstall subkey per product named like ``Office16.PROPLUS``, with DisplayName and
  DisplayVersion; a 32-bit Office on 64-bit Windows registers under WOW6432Node
  (https://learn.microsoft.com/windows/win32/winprog64/shared-registry-keys);
- the licensing services' keys (docs/licensing-facts.md §1.5 TN-REG, §1.6):
  SoftwareProtectionPlatform with KeyManagementServiceName / KeyManagementServicePort (REG_SZ) once
  the service-wide KMS host or port is set; OfficeSoftwareProtectionPlatform when osppsvc is
  installed.
A scenario's ``registry: {<key>: {values: {...}, subkeys: {<name>: {values: {...}}}}}``
replaces a derived key (``<key>: null`` removes it).

A key is {"values": {name: value}, "subkeys": {name: {"values": {...}}}}.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.simlab.kmshost import SPP_KEY
from tests.simlab.powershell.runtime import Unsupported
from tests.simlab.scenario import OSPP_INSTALLED, HostState

C2R = "HKLM:\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration"
UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_WOW = "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
OSPP = "HKLM:\\SOFTWARE\\Microsoft\\OfficeSoftwareProtectionPlatform"
SPP = SPP_KEY
# The keys the lab's Windows has content in; their parent keys exist too (HKLM:\SOFTWARE ...).
MODELLED_KEYS = (C2R, UNINSTALL, UNINSTALL_WOW, OSPP, SPP)


def _key(values: dict[str, Any] | None = None, subkeys: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"values": values or {}, "subkeys": subkeys or {}}


def build(state: HostState) -> dict[str, dict[str, Any]]:
    """Every modelled key of the host now, by its path (case as in MODELLED_KEYS)."""
    wow64 = "64" in state.os.get("architecture", "")
    keys: dict[str, dict[str, Any]] = {
        # Windows always has the Uninstall key; a non-Office entry keeps a subkey filter honest.
        UNINSTALL: _key(subkeys={"Microsoft Edge": {"values": {"DisplayName": "Microsoft Edge",
                                                               "DisplayVersion": "131.0.2903.70"}}}),
    }
    if wow64:
        keys[UNINSTALL_WOW] = _key()
    for install in state.office:
        if install["type"] == "ClickToRun":
            keys[C2R] = _key({
                "VersionToReport": install["version"],
                "Platform": install["bitness"],
                "ProductReleaseIds": ",".join(install["product_ids"]),
            })
        else:
            target = UNINSTALL_WOW if install["bitness"] == "x86" and wow64 else UNINSTALL
            keys[target]["subkeys"][install["key"]] = {
                "values": {"DisplayName": install["name"], "DisplayVersion": install["version"]},
            }
    spp_service = state.services.get("SoftwareLicensingService", {})
    spp_values: dict[str, Any] = {}
    if spp_service.get("KeyManagementServiceMachine"):
        spp_values["KeyManagementServiceName"] = spp_service["KeyManagementServiceMachine"]
    if spp_service.get("KeyManagementServicePort"):
        spp_values["KeyManagementServicePort"] = str(spp_service["KeyManagementServicePort"])
    keys[SPP] = _key(spp_values)
    # A product's own KMS host and port (SetKeyManagementServiceMachine / Port on the product):
    # "If you specify both App-ID and SKU-ID, this is created in a subkey
    # ...\SoftwareProtectionPlatform\APPID_GUID\SKUID_GUID\KeyManagementServiceName"
    # (docs/licensing-facts.md §1.5, TN-REG).
    for product in state.products:
        own = {name: str(product[prop]) for name, prop in (("KeyManagementServiceName", "KeyManagementServiceMachine"),
                                                           ("KeyManagementServicePort", "KeyManagementServicePort"))
               if product["class"] == "SoftwareLicensingProduct" and product.get(prop)}
        if own:
            app = keys.setdefault("%s\\%s" % (SPP, str(product["ApplicationID"]).lower()), _key())
            app["subkeys"][str(product["ID"]).lower()] = {"values": own}
    if state.ospp_service in OSPP_INSTALLED:
        keys[OSPP] = _key()
    for path, override in state.registry.items():
        canonical = next((k for k in MODELLED_KEYS if k.lower() == path.lower()), path)
        if override is None:
            keys.pop(canonical, None)
        else:
            keys[canonical] = _key(copy.deepcopy(override.get("values")), copy.deepcopy(override.get("subkeys")))
    return _written(keys, state)


def _written(keys: dict[str, dict[str, Any]], state: HostState) -> dict[str, dict[str, Any]]:
    """The keys with the values written on the host (set_value) over the derived ones."""
    for path, values in state.registry_values.items():
        if path in keys:
            keys[path]["values"].update(copy.deepcopy(values))
    return keys


def set_value(state: HostState, path: str, name: str, value: Any) -> bool:
    """Create or change a value of a modelled key (what Set-ItemProperty does through the
    registry provider); False when the host has no such key. The lab writes only to the
    modelled keys themselves, not to their subkeys or parents."""
    canonical = next((k for k in build(state) if k.lower() == path.rstrip("\\").lower()), None)
    if canonical is None:
        if key(state, path) is None:
            return False
        raise Unsupported("writing a value under %s (the lab writes only to the keys it models)" % path)
    values = state.registry_values.setdefault(canonical, {})
    for existing in [n for n in values if n.lower() == name.lower()]:
        del values[existing]
    values[name] = value
    return True


def remove_value(state: HostState, path: str, name: str) -> None:
    """Delete a value written on the host (what Remove-ItemProperty does). The lab deletes only
    values written through set_value; the derived ones are the scenario's."""
    canonical = next((k for k in state.registry_values if k.lower() == path.rstrip("\\").lower()), None)
    values = state.registry_values.get(canonical or "", {})
    found = [n for n in values if n.lower() == name.lower()]
    if not found:
        raise Unsupported("Remove-ItemProperty of %s, which was not written on this host" % name)
    del values[found[0]]


def key(state: HostState, path: str) -> dict[str, Any] | None:
    """The key at a registry provider path (HKLM:\\..., case-insensitive), or None when the
    host has no such key: a modelled key, one of its subkeys, or a parent of one (empty)."""
    wanted = path.rstrip("\\").lower()
    keys = build(state)
    for name, found in keys.items():
        lowered = name.lower()
        if lowered == wanted:
            return found
        if wanted.startswith(lowered + "\\"):
            rest = path.rstrip("\\")[len(name) + 1:]
            sub = next((v for k, v in found["subkeys"].items() if k.lower() == rest.lower()), None)
            if sub is not None and "\\" not in rest:
                return {"values": dict(sub.get("values") or {}), "subkeys": {}}
    children = {name[len(wanted) + 1:].split("\\", 1)[0] for name in keys if name.lower().startswith(wanted + "\\")}
    if children:
        return {"values": {}, "subkeys": {child: {"values": {}} for child in children}}
    return None
