# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The table of kms_host's step kinds, the KMS host's sibling of steps.py: what each step is on
the host (class, method, argument), in words, in a prediction (check mode) and in an
observation (the host read again). host_plan.py decides the steps, host_apply.py turns them into
operations, host_outcome.py words, predicts and recognises them. A step is
``{"action": <kind>, "value": <its argument>}``; the state is host_inspection.state()'s.

Which class and method each kind is follows Microsoft's slmgr.vbs (docs/licensing-facts.md
§12.2, §12.3) and the firewall's CIM provider (§12.6):

    install_host_key         SoftwareLicensingService.InstallProductKey(ProductKey), then
                             RefreshLicenseStatus() (slmgr /ipk)
    activate_host            SoftwareLicensingProduct.Activate() on the host product, then
                             RefreshLicenseStatus() (slmgr /ato <ActID>); never on a product that
                             is already licensed: it would spend one of the key's activations (§12.4)
    set_listening_port       SoftwareLicensingService.SetKeyManagementServiceListeningPort(PortNumber uint32) (/sprt)
    set_dns_publishing       SoftwareLicensingService.DisableKeyManagementServiceDnsPublishing(DisablePublishing
                             boolean): the value given is the inverse of publishing (/sdns, /cdns)
    set_low_priority         SoftwareLicensingService.EnableKeyManagementServiceLowPriority(EnableLowPriority
                             boolean) (/cpri, /spri)
    set_activation_interval  SoftwareLicensingService.SetVLActivationInterval(ActivationInterval uint32) (/sai)
    set_renewal_interval     SoftwareLicensingService.SetVLRenewalInterval(RenewalInterval uint32) (/sri)
    set_dns_publishing_domains  registry_write of DnsDomainPublishList (REG_MULTI_SZ) under
                             SoftwareProtectionPlatform, or its removal for none: no WMI member sets
                             the other domains a host publishes in (TN-REG, §12.2)
    enable_firewall_rule     MSFT_NetFirewallRule.Enable() on SPPSVC-In-TCP, in root/StandardCimv2
    disable_firewall_rule    MSFT_NetFirewallRule.Disable() on SPPSVC-In-TCP
    restart_service          service_restart of sppsvc: after a host key or a setting, which slmgr.vbs
                             says needs "a KMS reboot" and Microsoft's guides a restart of the
                             Software Protection service to take effect (§12.2)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, licensing

State = dict[str, Any]
SERVICE_NAME = "sppsvc"


@dataclass(frozen=True)
class HostStepKind:
    name: str
    on: str  # service | product (a host product) | firewall (the rule) | registry | restart (the service sppsvc)
    method: str | None
    argument: tuple[str, str] | None  # (parameter name, CIM type), or None for no argument
    refresh: bool  # RefreshLicenseStatus() follows it (slmgr.vbs)
    restart: bool  # takes effect once sppsvc restarts (docs/licensing-facts.md §12.2)
    secret: bool  # its value is a product key: shown only by its last five characters
    words: Callable[[Any], str]  # the step in words, for messages and msg
    predict: Callable[[State, Any], None]  # sets, on a copy of the state, what the step changes
    observed: Callable[[State, Any], bool | None]  # (state after, value): done; None when a read cannot tell
    wire: Callable[[Any], Any] = lambda value: value  # the argument as the method is given it

    def shown(self, value: Any) -> dict[str, Any]:
        """The step as it may appear in output: a key by its last five characters only."""
        if self.secret:
            return {"action": self.name, "key": gvlk.last5(value)}
        if self.name == "activate_host":
            return {"action": self.name, "sku_id": value["sku_id"], "key": value["partial_key"]}
        return {"action": self.name} if value is None else {"action": self.name, "value": value}


def masked(key: str) -> str:
    return "*****-" + gvlk.last5(key)


def find(state: State, target: dict[str, Any]) -> dict[str, Any] | None:
    """The host product an activate_host step is about: by SKU ID, else by the key on it."""
    for product in state.get("host_products") or []:
        if target.get("sku_id") and product["sku_id"] == target["sku_id"]:
            return product
        if not target.get("sku_id") and (product.get("partial_key") or "").upper() == target["partial_key"]:
            return product
    return None


def _installed(state: State, key: str) -> None:
    state["is_kms_host"] = True
    state["host_products"] = list(state.get("host_products") or []) + [{
        "sku_id": None, "name": None, "description": None, "application": "other", "office_version": None,
        "license_family": None, "channel": None, "partial_key": gvlk.last5(key),
        "license_status": {"code": 0, "name": licensing.license_status_name(0)},
        "license_status_reason": {"code": None, "name": None}, "activated": False, "kms_enabled": None,
        "current_count": None, "required_client_count": None, "requests": {}, "activates": None}]


def _activated(state: State, target: dict[str, Any]) -> None:
    product = find(state, target)
    if product is not None:
        product.update(activated=True, license_status={"code": licensing.LICENSED,
                                                       "name": licensing.license_status_name(licensing.LICENSED)})


def _set(field: str) -> Callable[[State, Any], None]:
    def predict(state: State, value: Any) -> None:
        state[field] = value
    return predict


def _shows(field: str) -> Callable[[State, Any], bool]:
    return lambda state, value: state.get(field) == value


def _rule(enabled: bool) -> Callable[[State, Any], None]:
    def predict(state: State, value: Any) -> None:
        state["firewall"] = dict(state["firewall"], enabled=enabled)
    return predict


def domains_words(domains: list[dict[str, Any]]) -> str:
    """Publishing domains in words: each domain, with its SRV priority and weight when not 0."""
    if not domains:
        return "none"
    return ", ".join(d["domain"] if not (d["priority"] or d["weight"]) else
                     "%s (priority %s, weight %s)" % (d["domain"], d["priority"], d["weight"]) for d in domains)


def _same_domains(state: State, value: Any) -> bool:
    def key(d: dict[str, Any]) -> tuple[str, Any, Any]:
        return (d["domain"], d["priority"], d["weight"])
    return sorted(map(key, state.get("dns_publishing_domains") or []), key=str) == sorted(map(key, value), key=str)


def _nothing(state: State, value: Any) -> None:
    return None


KINDS: dict[str, HostStepKind] = {kind.name: kind for kind in (
    HostStepKind("install_host_key", "service", "InstallProductKey", ("ProductKey", "string"), True, True, True,
                 lambda key: "install the KMS host key %s" % masked(key), _installed,
                 lambda state, key: any((p.get("partial_key") or "").upper() == gvlk.last5(key)
                                        for p in state.get("host_products") or [])),
    HostStepKind("activate_host", "product", "Activate", None, True, False, False,
                 lambda target: "activate %s" % target["label"], _activated,
                 lambda state, target: bool((find(state, target) or {}).get("activated"))),
    HostStepKind("set_listening_port", "service", "SetKeyManagementServiceListeningPort", ("PortNumber", "uint32"),
                 False, True, False, lambda port: "set the listening port to %d" % port,
                 _set("listening_port"), _shows("listening_port")),
    HostStepKind("set_dns_publishing", "service", "DisableKeyManagementServiceDnsPublishing",
                 ("DisablePublishing", "boolean"), False, True, False,
                 lambda on: "turn DNS publishing %s" % ("on" if on else "off"), _set("dns_publishing"),
                 _shows("dns_publishing"), lambda on: not on),
    HostStepKind("set_low_priority", "service", "EnableKeyManagementServiceLowPriority",
                 ("EnableLowPriority", "boolean"), False, True, False,
                 lambda low: "set the KMS priority to %s" % ("low" if low else "normal"), _set("low_priority"),
                 _shows("low_priority")),
    HostStepKind("set_activation_interval", "service", "SetVLActivationInterval", ("ActivationInterval", "uint32"),
                 False, True, False, lambda minutes: "set the activation interval to %d minutes" % minutes,
                 _set("activation_interval"), _shows("activation_interval")),
    HostStepKind("set_renewal_interval", "service", "SetVLRenewalInterval", ("RenewalInterval", "uint32"),
                 False, True, False, lambda minutes: "set the renewal interval to %d minutes" % minutes,
                 _set("renewal_interval"), _shows("renewal_interval")),
    HostStepKind("set_dns_publishing_domains", "registry", None, None, False, True, False,
                 lambda domains: "set the other DNS domains the host publishes in to %s" % domains_words(domains),
                 _set("dns_publishing_domains"), _same_domains),
    HostStepKind("enable_firewall_rule", "firewall", "Enable", None, False, False, False,
                 lambda rule: "enable the firewall rule %s" % rule, _rule(True),
                 lambda state, rule: state["firewall"].get("enabled") is True),
    HostStepKind("disable_firewall_rule", "firewall", "Disable", None, False, False, False,
                 lambda rule: "disable the firewall rule %s" % rule, _rule(False),
                 lambda state, rule: state["firewall"].get("enabled") is False),
    HostStepKind("restart_service", "restart", None, None, False, False, False,
                 lambda name: "restart the Software Protection service (%s)" % name, _nothing,
                 lambda state, name: None),
)}


def kind(step: dict[str, Any]) -> HostStepKind:
    return KINDS[step["action"]]


def step(name: str, value: Any = None) -> dict[str, Any]:
    """A step of a plan."""
    return {"action": KINDS[name].name, "value": value}


def shown(step_: dict[str, Any]) -> dict[str, Any]:
    return kind(step_).shown(step_["value"])


def words(step_: dict[str, Any]) -> str:
    return kind(step_).words(step_["value"])


def predict(state: State, planned: list[dict[str, Any]]) -> State:
    """The state as it would be after the steps (check mode)."""
    after = copy.deepcopy(state)
    for step_ in planned:
        kind(step_).predict(after, step_["value"])
    return after


def observed(step_: dict[str, Any], after: State) -> bool | None:
    """Whether the host, read again, shows this step done; None when a read cannot tell."""
    return kind(step_).observed(after, step_["value"])
