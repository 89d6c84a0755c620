# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The plan phase of office_kms and windows_kms: desired state and inspected products in,
ordered steps out, for every application the task manages (Office's products, Windows).

Pure functions, no I/O and no Ansible imports: every decision the modules take is here and
is unit-tested here. A product's steps run in the order of steps.ORDER:

    install_key -> set_host -> set_port -> clear_host -> clear_port -> activate

Products are the documented dictionaries of licensing.product().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, gvlk_windows, licensing, steps
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired


class PlanError(ValueError):
    """The desired state cannot be planned on this host (no published key, ...)."""


@dataclass
class ProductPlan:
    """What to do with one product, and why."""

    product: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def activates(self) -> bool:
        return any(s["action"] == "activate" for s in self.steps)


@dataclass
class HostPlan:
    plans: list[ProductPlan]
    untouched: list[dict[str, Any]]
    warnings: list[str]

    @property
    def changes(self) -> bool:
        return any(p.steps for p in self.plans)


def _matches(product: dict[str, Any], wanted: str) -> bool:
    wanted = wanted.strip("{}").lower()
    return wanted in ((product.get("family") or "").lower(), product.get("sku_id"))


def select(products: list[dict[str, Any]], desired: Desired) -> tuple[list, list, list]:
    """(selected, untouched with reasons, warnings). Only products of the task's applications;
    MAK and retail products only when a product key is given for their application;
    subscription products never; AD-activated ones only when forced."""
    selected, untouched, warnings = [], [], []
    # Families that have a keyed SKU: a key installed on it reaches the family's KMS client
    # SKU, so that SKU's keyless licence needs no plan of its own.
    keyed_families = {p.get("family") for p in products if p.get("partial_key")}
    for product in products:
        if product["application"] not in desired.applications:
            continue
        if not product.get("partial_key"):
            verdict = _keyless(product, desired, keyed_families)
            if verdict == "select":
                selected.append(product)
            elif verdict:
                untouched.append(_note(product, verdict))
                warnings.append("%s: %s" % (licensing.label(product), verdict))
            continue
        reason = _left_alone(product, desired)
        if reason:
            untouched.append(_note(product, reason))
        else:
            selected.append(product)
    for wanted in desired.products or []:
        if not any(_matches(p, wanted) for p in products):
            warnings.append("no product %s is installed on this host" % wanted)
    for application in desired.applications:
        mine = [p for p in selected if p["application"] == application]
        option = desired.key_option(application)
        if desired.key_for(application) not in (None, "auto") and len(mine) > 1:
            raise PlanError(
                "%s is one key, but %d products are selected (%s): %s, or use %s: auto"
                % (option, len(mine), ", ".join(licensing.label(p) for p in mine),
                   "select the product it belongs to with the products option" if application == "office"
                   else "Windows reports more than one product with a key installed", option))
    return selected, untouched, warnings


def _left_alone(product: dict[str, Any], desired: Desired) -> str | None:
    """Why a keyed product is not this task's to change, or None to select it."""
    if desired.products and product["application"] == "office" and not any(_matches(product, w)
                                                                           for w in desired.products):
        return "not selected by the products option"
    if licensing.is_subscription(product):
        return "Microsoft 365 Apps (subscription): not managed by KMS"
    if product.get("activation_type") == "ActiveDirectory" and not (desired.force or desired.product_key):
        # AD-based activation (docs/licensing-facts.md §10.7) renews itself from the domain: KMS
        # settings would not be used, and changing them would only confuse the next reader.
        return ("activated by Active Directory (%s): left alone; force or product_key would move it to KMS"
                % (product.get("ad_activation_object") or "an activation object"))
    if product["kms_client"] or (desired.key_for(product["application"]) and desired.state != "absent"):
        return None
    return ("%s channel: not a KMS client (product_key: auto converts it to KMS)"
            % (product.get("channel") or "other"))


def _keyless(product: dict[str, Any], desired: Desired, keyed_families: set) -> str | None:
    """A KMS client licence installed without a key (a leftover SKU, a repaired install; read
    only when products are named): "select" when it is named and a key is given (what
    ``ospp.vbs /inpkey`` then ``/act`` would do), why it is left alone when no key is
    given, None when it is not this task's business."""
    named = desired.products and any(_matches(product, w) for w in desired.products)
    if not named or not product["kms_client"] or desired.state == "absent" or product.get("family") in keyed_families:
        return None
    if desired.key_for(product["application"]):
        return "select"
    return "licence installed without a key; give %s: auto (or its key) to install and activate it" % (
        desired.key_option(product["application"]))


def _note(product: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"sku_id": product["sku_id"], "family": product.get("family"), "name": product.get("name"),
            "application": product["application"], "reason": reason}


def published_key(product: dict[str, Any], host: dict[str, Any] | None) -> str | None:
    """Microsoft's GVLK for the product: Office's by family (gvlk.py), Windows' by edition and
    Windows version (gvlk_windows.py)."""
    if product["application"] == "windows":
        found = gvlk_windows.for_windows(product.get("name"), (host or {}).get("os_version"),
                                         (host or {}).get("os_caption"))
        return found.key if found else None
    return gvlk.for_family(product.get("family"))


def key_step(product: dict[str, Any], desired: Desired, host: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """install_key when the wanted key is not the installed one. ``host``: the host facts, for
    Windows' published keys (which depend on the Windows version)."""
    wanted, option = desired.key_for(product["application"]), desired.key_option(product["application"])
    if wanted is None or desired.state == "absent":
        return None
    if wanted == "auto":
        if product["kms_client"] and product.get("partial_key"):
            return None
        key = published_key(product, host)
        if key is None:
            raise PlanError(
                "%s: auto has no published KMS client key (GVLK) for %s (%s%s); give the "
                "key with %s%s"
                % (option, licensing.label(product), product.get("name"),
                   ", %s" % (host or {}).get("os_caption") if product["application"] == "windows" else "", option,
                   ", or leave this product out with the products option" if product["application"] == "office"
                   else "")
            )
    else:
        key = wanted
    if gvlk.last5(key) == (product.get("partial_key") or "").upper():
        return None
    return steps.step("install_key", key)


def host_steps(product: dict[str, Any], desired: Desired) -> list[dict[str, Any]]:
    """set/clear the per-product KMS host and port."""
    if desired.state == "absent":
        # Only the product's own setting: one it shows from the service-wide setting (slmgr
        # /skms without an Activation ID, a GPO) is not the product's to clear, and clearing it
        # would change nothing it shows (inspection.kms_sources).
        found = []
        if product.get("kms_host") and product.get("kms_host_source", "product") == "product":
            found.append(steps.step("clear_host"))
        if product.get("kms_port") and product.get("kms_port_source", "product") == "product":
            found.append(steps.step("clear_port"))
        return found
    if not desired.kms_host:
        return []  # DNS auto-discovery: leave the product's settings alone
    found = []
    if not licensing.same_host(product.get("kms_host"), desired.kms_host):
        found.append(steps.step("set_host", desired.kms_host))
    if (product.get("kms_port") or licensing.DEFAULT_KMS_PORT) != desired.kms_port:
        found.append(steps.step("set_port", desired.kms_port))
    return found


def activation_reasons(product: dict[str, Any], desired: Desired, changed_settings: bool) -> list[str]:
    """Why the product must be activated now; empty when it is compliant."""
    if desired.state != "activated":
        return []
    status = product["license_status"]["name"]
    days = product.get("remaining_days")
    reasons = []
    if not product.get("partial_key"):
        reasons.append("no key was installed")
    elif product["license_status"]["code"] != licensing.LICENSED:
        reasons.append("not activated (%s)" % status)
    elif days is not None and days < desired.renew_below_days:
        reasons.append("expires in %d days (renew below %d)" % (days, desired.renew_below_days))
    elif elsewhere(product, desired):
        reasons.append("licensed through another KMS host (%s, from its %s), not %s"
                       % (product["licensed_through"]["kms_host"],
                          "licensing events" if product["licensed_through"]["source"] == "events" else "DNS discovery",
                          desired.kms_host))
    if changed_settings and not reasons:
        reasons.append("KMS settings or key changed: activate against them")
    if desired.force and not reasons:
        reasons.append("force")
    return reasons


def elsewhere(product: dict[str, Any], desired: Desired) -> bool:
    """Whether a Licensed product was activated through another KMS host than kms_host, so that
    it has not yet been activated against the one the task sets (a run whose activation was
    left undone, or a host moved to a new KMS host). False when the names cannot tell (an
    address against a DNS name): that must not re-activate on every run."""
    through = product.get("licensed_through")
    if not desired.kms_host or not through:
        return False
    return licensing.same_host(through["kms_host"], desired.kms_host) is False


def plan_product(product: dict[str, Any], desired: Desired, host: dict[str, Any] | None = None) -> ProductPlan:
    plan = ProductPlan(product)
    key = key_step(product, desired, host)
    if key:
        plan.steps.append(key)
        plan.reasons.append("install the %s key" % ("published KMS client" if gvlk.is_published(key["value"])
                                                    else "given"))
    settings = host_steps(product, desired)
    plan.steps += settings
    plan.reasons += [steps.kind(s).reason(s["value"]) for s in settings]
    reasons = activation_reasons(product, desired, bool(key or settings))
    if reasons:
        plan.steps.append(steps.step("activate"))
        plan.reasons += reasons
    return plan


def plan_host(products: list[dict[str, Any]], desired: Desired, host: dict[str, Any] | None = None) -> HostPlan:
    """The whole host's plan. Raises PlanError before anything is changed."""
    selected, untouched, warnings = select(products, desired)
    return HostPlan([plan_product(p, desired, host) for p in selected], untouched, warnings)
