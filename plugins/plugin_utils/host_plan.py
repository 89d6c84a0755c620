# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""The plan phase of kms_host: the KMS host's state (host_inspection.state) and the desired
state (options.KmsHostDesired) in, ordered steps (host_steps.py) out, or PlanError before
anything is changed. Pure functions, no I/O.

The order of the steps: the host products that have a key but are not activated are activated
first; then each host key not yet installed is installed and its product activated; then the
service's settings, the firewall rule, and last one restart of the Software Protection service
when a key or a setting changed (docs/licensing-facts.md §12.2). A licensed host product is never
activated again: that would spend one of its key's limited activations (§12.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk, host_inspection, host_steps, licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import KmsHostDesired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import PlanError

# The service's settings kms_host manages: (option and the state's field, step kind, in words).
SETTINGS = (
    ("listening_port", "set_listening_port", "the listening port"),
    ("dns_publishing", "set_dns_publishing", "DNS publishing"),
    ("low_priority", "set_low_priority", "low priority"),
    ("activation_interval", "set_activation_interval", "the activation interval"),
    ("renewal_interval", "set_renewal_interval", "the renewal interval"),
)


@dataclass
class KmsHostPlan:
    steps: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why each step, in the same order
    warnings: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.steps)

    def add(self, step: dict[str, Any], reason: str) -> None:
        self.steps.append(step)
        self.reasons.append(reason)


def label(product: dict[str, Any]) -> str:
    """A host product as messages name it: its Office version's host, else Windows and its
    channel, else its name or SKU ID."""
    version = licensing.OFFICE_HOST_SKUS.get(product.get("office_version") or "")
    if version:
        return "%s host product" % version[0]
    if product.get("application") == "windows":
        return "Windows host product %s" % (product.get("channel") or product.get("name"))
    named = product.get("name") or product.get("sku_id") or "of key %s" % product.get("partial_key")
    return "host product %s" % named


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def missing_packs(state: dict[str, Any], versions: tuple[str, ...]) -> list[str]:
    """Each Office version whose Volume License Pack is not installed, in words with its
    download and what to do (docs/licensing-facts.md §12.5)."""
    found = []
    for version in versions:
        pack = state["office_volume_license_packs"][version]
        if not pack["installed"]:
            found.append("the Office Volume License Pack of %s is not installed (the host has no licence with its "
                         "host Activation ID %s): download it from %s, install it on the host (for example with "
                         "ansible.windows.win_package), then run this task again with its host key in host_keys"
                         % (pack["name"], pack["activation_id"], pack["download"]))
    return found


def plan_kms_host(state: dict[str, Any], desired: KmsHostDesired) -> KmsHostPlan:
    """The KMS host's plan. Raises PlanError, before anything is changed, when an Office
    Volume License Pack is missing, when the host would be no KMS host, or when the firewall
    rule cannot be managed."""
    missing = missing_packs(state, desired.office_versions)
    if missing:
        raise PlanError("; ".join(missing))
    plan = KmsHostPlan()
    installs = [key for key in desired.host_keys
                if not any((p["partial_key"] or "").upper() == gvlk.last5(key) for p in state["host_products"])]
    if not state["is_kms_host"] and not installs:
        raise PlanError("it is not a KMS host: no licence with a VOLUME_KMS channel has a key installed. Give its KMS "
                        "host key (CSVLK, from the Volume Licensing Service Center) in host_keys")
    key_steps(plan, state, desired, installs)
    for option, kind, what in SETTINGS:
        wanted, now = getattr(desired, option), state[option]
        if wanted is not None and wanted != now:
            plan.add(host_steps.step(kind, wanted), "%s is %s, not %s" % (what, shown(now), shown(wanted)))
    domains_step(plan, state, desired.dns_publishing_domains)
    firewall_step(plan, state["firewall"], desired.firewall)
    if any(host_steps.kind(s).restart for s in plan.steps):
        plan.add(host_steps.step("restart_service", host_steps.SERVICE_NAME),
                 "a new host key or setting takes effect once the Software Protection service restarts")
    for version in desired.office_versions:
        pack = state["office_volume_license_packs"][version]
        if not pack["partial_key"] and not installs:
            plan.warnings.append("the Office Volume License Pack of %s is installed, but not its host key: give it in "
                                 "host_keys" % pack["name"])
    return plan


def key_steps(plan: KmsHostPlan, state: dict[str, Any], desired: KmsHostDesired, installs: list[str]) -> None:
    """Activate the host products that have a key but are not activated (never one that is),
    then install each new host key and activate its product."""
    for product in state["host_products"]:
        if product["activated"]:
            continue
        if desired.activate:
            plan.add(host_steps.step("activate_host", {"sku_id": product["sku_id"],
                                                       "partial_key": product["partial_key"].upper(),
                                                       "label": "the " + label(product)}),
                     "the %s is not activated (%s)" % (label(product), product["license_status"]["name"]))
        else:
            plan.warnings.append("the %s is not activated (%s) and activate is false: it activates no client until it "
                                 "is (0xC004F041)" % (label(product), product["license_status"]["name"]))
    for key in installs:
        plan.add(host_steps.step("install_host_key", key), "host key %s is not installed" % host_steps.masked(key))
        if desired.activate:
            plan.add(host_steps.step("activate_host", {"sku_id": None, "partial_key": gvlk.last5(key),
                                                       "label": "the host product of key %s" % host_steps.masked(key)}),
                     "host key %s is newly installed" % host_steps.masked(key))


def domains_step(plan: KmsHostPlan, state: dict[str, Any], wanted: tuple[tuple[str, int, int], ...] | None) -> None:
    """Write DnsDomainPublishList when its domains, priorities or weights differ from those
    asked (in any order); PlanError on Windows Server 2008 R2 and older, for which Microsoft
    says the format differs without documenting it (docs/licensing-facts.md §12.2)."""
    if wanted is None:
        return
    domains = [{"domain": d, "priority": p, "weight": w} for d, p, w in wanted]
    if host_steps.KINDS["set_dns_publishing_domains"].observed(state, domains):
        return
    version = str((state.get("host") or {}).get("os_version") or "")
    major, _dot, rest = version.partition(".")
    if major == "6" and rest.partition(".")[0] in ("0", "1"):
        raise PlanError("dns_publishing_domains: Windows %s (Windows Server 2008 R2 or older) reads "
                        "DnsDomainPublishList in another format, which Microsoft does not document: set it on that "
                        "host yourself, or leave dns_publishing_domains unset" % version)
    plan.add(host_steps.step("set_dns_publishing_domains", domains),
             "the other DNS domains the host publishes in are %s, not %s"
             % (host_steps.domains_words(state["dns_publishing_domains"]), host_steps.domains_words(domains)))


def firewall_step(plan: KmsHostPlan, rule: dict[str, Any], wanted: bool | None) -> None:
    """Enable (or disable) the rule SPPSVC-In-TCP when it is not so; PlanError when the host
    has no such rule or no firewall CIM class (docs/licensing-facts.md §12.6)."""
    if wanted is None:
        return
    name = host_inspection.FIREWALL_RULE
    if not rule["available"]:
        raise PlanError("firewall: the class %s (%s) is not registered on the host (it needs Windows Server 2012 or "
                        "later): manage the rule %s yourself, or leave firewall unset"
                        % (host_inspection.FIREWALL_CLASS, host_inspection.FIREWALL_NAMESPACE, name))
    if not rule["found"]:
        raise PlanError("firewall: the host has no firewall rule %s (Windows' built-in Key Management Service rule): "
                        "open TCP %d with a rule of your own, or leave firewall unset"
                        % (name, licensing.DEFAULT_KMS_PORT))
    if rule["enabled"] is not wanted:
        now = {True: "enabled", False: "disabled"}.get(rule["enabled"], "in an unknown state")
        plan.add(host_steps.step("enable_firewall_rule" if wanted else "disable_firewall_rule", name),
                 "the firewall rule %s is %s" % (name, now))
