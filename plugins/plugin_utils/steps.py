# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The one table of step kinds: what each step a plan may hold is on the host, in words, in a
prediction and in an observation. plan.py decides which steps a product needs, apply.py turns
them into method calls, outcome.py words them, predicts them (check mode) and recognises them
done on a product read again. A step is ``{"action": <kind>, "value": <its argument or None>}``.

Which class, method and argument each kind is follows Microsoft's own scripts
(docs/licensing-facts.md §4.2 for ospp.vbs, §1.5 and §9 for slmgr.vbs):

    install_key  InstallProductKey(ProductKey) on the product's service; on the Windows SPP
                 then SoftwareLicensingService.RefreshLicenseStatus() as slmgr.vbs does. The
                 OSPP service has no RefreshLicenseStatus (docs/licensing-facts.md §1.6) and
                 ospp.vbs never calls it.
    set_host     SetKeyManagementServiceMachine(MachineName) on the product itself
    set_port     SetKeyManagementServicePort(PortNumber as uint32) on the product
    clear_host   ClearKeyManagementServiceMachine() on the product
    clear_port   ClearKeyManagementServicePort() on the product
    activate     Activate() on the product; on the SPP then RefreshLicenseStatus() (slmgr.vbs)

A product's steps run in the order of ORDER.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, licensing

Product = dict[str, Any]


@dataclass(frozen=True)
class StepKind:
    name: str
    on: str  # "service": the product's licensing service class; "product": the product itself
    method: str
    argument: tuple[str, str] | None  # (parameter name, CIM type), or None for no argument
    refresh: bool  # on the Windows SPP, RefreshLicenseStatus() follows it (slmgr.vbs)
    secret: bool  # its value is a product key: shown only by its last five characters
    words: str  # "install the product key for" <product>
    predict: Callable[[Product, Any], None]  # sets, on a copy of the product, what the step changes
    observed: Callable[[Product, Product, Any], bool]  # (before, after, value): the host shows it done

    def wire(self, value: Any) -> Any:
        """The argument as the method is given it: an IPv6 KMS host in brackets, as slmgr.vbs
        /skms writes one ([addr], docs/licensing-facts.md §11.1), since the licensing service reads
        its KMS host setting as host[:port]."""
        if self.name == "set_host" and ":" in value and not value.startswith("["):
            return "[%s]" % value
        return value

    def shown(self, value: Any) -> dict[str, Any]:
        """The step as it may appear in output: a key reduced to its last five characters."""
        if self.secret:
            return {"action": self.name, "key": gvlk.last5(value)}
        return {"action": self.name} if value is None else {"action": self.name, "value": value}

    def reason(self, value: Any) -> str:
        """The step as a plan's reason ("set host kms.example.edu")."""
        words = self.name.replace("_", " ")
        return words if value is None else "%s %s" % (words, value)


def _set(field: str, value_of: Callable[[Any], Any] = lambda value: value) -> Callable[[Product, Any], None]:
    def predict(after: Product, value: Any) -> None:
        after[field] = value_of(value)
    return predict


def _cleared(field: str) -> Callable[[Product, Product, Any], bool]:
    """Cleared: the product shows no setting of its own (a service-wide one it may show is not
    its own, inspection.kms_sources)."""
    return lambda before, after, value: not after.get(field) or after.get(field + "_source") == "service"


def _licensed(after: Product, value: Any) -> None:
    after["license_status"] = {"code": licensing.LICENSED, "name": licensing.license_status_name(licensing.LICENSED)}


def _activated(before: Product, after: Product, value: Any) -> bool:
    """Licensed now, and it was not, or its validity was renewed."""
    return after["license_status"]["code"] == licensing.LICENSED and (
        before["license_status"]["code"] != licensing.LICENSED
        or (after.get("remaining_minutes") or 0) > (before.get("remaining_minutes") or 0))


KINDS: dict[str, StepKind] = {kind.name: kind for kind in (
    StepKind("install_key", "service", "InstallProductKey", ("ProductKey", "string"), True, True,
             "install the product key for", _set("partial_key", gvlk.last5),
             lambda before, after, value: gvlk.last5(value) == (after.get("partial_key") or "").upper()),
    StepKind("set_host", "product", "SetKeyManagementServiceMachine", ("MachineName", "string"), False, False,
             "set the KMS host of", _set("kms_host"),
             lambda before, after, value: licensing.same_host(after.get("kms_host"), value) is True),
    StepKind("set_port", "product", "SetKeyManagementServicePort", ("PortNumber", "uint32"), False, False,
             "set the KMS port of", _set("kms_port"),
             lambda before, after, value: (after.get("kms_port") or licensing.DEFAULT_KMS_PORT) == value),
    StepKind("clear_host", "product", "ClearKeyManagementServiceMachine", None, False, False,
             "clear the KMS host of", _set("kms_host", lambda value: None), _cleared("kms_host")),
    StepKind("clear_port", "product", "ClearKeyManagementServicePort", None, False, False,
             "clear the KMS port of", _set("kms_port", lambda value: None), _cleared("kms_port")),
    StepKind("activate", "product", "Activate", None, True, False,
             "activate", _licensed, _activated),
)}
ORDER = tuple(KINDS)  # the order a product's steps run in


def kind(step: dict[str, Any]) -> StepKind:
    return KINDS[step["action"]]


def step(name: str, value: Any = None) -> dict[str, Any]:
    """A step of a plan."""
    return {"action": KINDS[name].name, "value": value}


def shown(step_: dict[str, Any]) -> dict[str, Any]:
    return kind(step_).shown(step_["value"])


def predict(product: Product, steps: list[dict[str, Any]]) -> Product:
    """The product as it would be after the steps (check mode)."""
    after = dict(product)
    for step_ in steps:
        kind(step_).predict(after, step_["value"])
    return after


def observed(step_: dict[str, Any], before: Product, after: Product) -> bool:
    """Whether the host, read again, shows this step done."""
    return kind(step_).observed(before, after, step_["value"])
