"""Unit tests for plugins/plugin_utils/plan.py: desired state and products in, ordered steps out."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import (
    PlanError,
    activation_reasons,
    host_steps,
    key_step,
    plan_host,
    plan_product,
    select,
)

from tests.unit.factories import GVLK_2024, HOST, KMS_SKU, MAK_SKU, SECRET, VISIO_SKU, raw_product

O14_SKU = "6f327760-8c5c-417c-9b61-836a98287e0c"
WIN_SKU = "e0c42288-980c-4788-a014-c080d2e1926e"
SUB_SKU = "149dbce7-a48e-44db-8364-a53386cd4580"


def product(name, description, sku, *, cim="SoftwareLicensingProduct", **kw):
    """A documented product dict, built from a raw one as the executor reports it."""
    return licensing.product(raw_product(name, description, sku, **kw), cim)


def kms2024(**kw):
    return product("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", "Office 24, VOLUME_KMSCLIENT channel",
                   KMS_SKU, **kw)


def mak2024(**kw):
    kw.setdefault("key", "7HJ3K")
    kw.setdefault("days", None)
    return product("Office 24, Office24ProPlus2024VL_MAK_AE edition", "Office 24, RETAIL(MAK) channel", MAK_SKU, **kw)


def visio2019(**kw):
    kw.setdefault("key", "7VCBB")
    return product("Office 19, Office19VisioPro2019VL_KMS_Client_AE edition", "Office 19, VOLUME_KMSCLIENT channel",
                   VISIO_SKU, **kw)


def office2010_mak(**kw):
    kw.setdefault("key", "Q3B8K")
    kw.setdefault("days", None)
    return product("Office 14, OfficeProPlus-MAK edition", "Office 14, VOLUME_MAK channel", O14_SKU,
                   app=licensing.OFFICE14_APP_ID, cim="OfficeSoftwareProtectionProduct", **kw)


def office2010_kms(**kw):
    kw.setdefault("key", "H3GVB")
    return product("Office 14, OfficeProPlus-KMS_Client edition", "Office 14, VOLUME_KMSCLIENT channel", O14_SKU,
                   app=licensing.OFFICE14_APP_ID, cim="OfficeSoftwareProtectionProduct", **kw)


def windows(**kw):
    return product("Windows(R), Education edition", "Windows(R) Operating System, VOLUME_KMSCLIENT channel", WIN_SKU,
                   app=licensing.WINDOWS_APP_ID, **kw)


def subscription(**kw):
    kw.setdefault("days", None)
    return product("Office 16, Office16O365ProPlusR_Subscription1 edition", "Office 16, TIMEBASED_SUB channel",
                   SUB_SKU, **kw)


def actions(steps):
    return [s["action"] for s in steps]


# Option checks (state, renew_below_days, products, product_key) are in test_options.py.


# --- select --------------------------------------------------------------------------------------

def ids(products):
    return [p["sku_id"] for p in products]


@pytest.mark.parametrize(
    ("desired", "selected"),
    [
        (Desired(), [KMS_SKU]),
        (Desired(product_key="auto"), [KMS_SKU, MAK_SKU]),
        (Desired(state="configured", product_key="auto"), [KMS_SKU, MAK_SKU]),
        (Desired(product_key=SECRET, products=[MAK_SKU]), [MAK_SKU]),
        (Desired(state="absent"), [KMS_SKU]),
        (Desired(state="absent", product_key="auto"), [KMS_SKU]),
        (Desired(state="absent", product_key=SECRET), [KMS_SKU]),
        (Desired(products=[WIN_SKU]), []),
        (Desired(products=[WIN_SKU], product_key="auto"), []),
    ],
)
def test_select(desired, selected):
    got, _unused, _unused = select([windows(), mak2024(), kms2024()], desired)
    assert sorted(ids(got)) == sorted(selected)
    assert WIN_SKU not in ids(got)


def test_select_leaves_mak_alone_by_default_with_a_reason():
    _unused, untouched, warnings = select([windows(), mak2024(), kms2024()], Desired())
    assert [u["sku_id"] for u in untouched] == [MAK_SKU]
    assert "product_key: auto" in untouched[0]["reason"]
    assert "RETAIL(MAK)" in untouched[0]["reason"]
    assert warnings == []


@pytest.mark.parametrize(
    "wanted",
    [["proplus2024volume"], ["PROPLUS2024VOLUME"], [KMS_SKU], [KMS_SKU.upper()], ["{%s}" % KMS_SKU.upper()]],
)
def test_select_products_filter(wanted):
    selected, untouched, warnings = select([kms2024(), visio2019()], Desired(products=wanted))
    assert ids(selected) == [KMS_SKU]
    assert untouched == [{"sku_id": VISIO_SKU, "family": "VisioPro2019Volume",
                          "name": "Office 19, Office19VisioPro2019VL_KMS_Client_AE edition",
                          "application": "office", "reason": "not selected by the products option"}]
    assert warnings == []


@pytest.mark.parametrize("missing", ["VisioPro2024Volume", "00000000-0000-0000-0000-000000000000"])
def test_select_warns_for_a_filter_entry_matching_nothing(missing):
    selected, _unused, warnings = select([kms2024(), visio2019()], Desired(products=["ProPlus2024Volume", missing]))
    assert ids(selected) == [KMS_SKU]
    assert len(warnings) == 1
    assert missing in warnings[0]


def test_select_one_explicit_key_for_two_products():
    with pytest.raises(PlanError) as exc:
        select([kms2024(), visio2019()], Desired(product_key=SECRET))
    assert "ProPlus2024Volume" in str(exc.value)
    assert "VisioPro2019Volume" in str(exc.value)
    assert SECRET not in str(exc.value)


@pytest.mark.parametrize("key", ["auto", SECRET])
def test_select_never_selects_subscription_products(key):
    selected, _unused, _unused = select([subscription()], Desired(product_key=key))
    assert selected == []


# --- key_step ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("product", "key", "expected"),
    [
        (kms2024(), None, None),
        (mak2024(), None, None),
        (kms2024(), "auto", None),
        (kms2024(key="ZZZZZ"), "auto", None),  # any KMS client key is fine with auto
        (mak2024(), "auto", {"action": "install_key", "value": GVLK_2024}),
        (mak2024(key=None), "auto", {"action": "install_key", "value": GVLK_2024}),
        (kms2024(key="VWXYZ"), SECRET, None),
        (kms2024(key="vwxyz"), SECRET, None),
        (kms2024(key="GCVGB"), SECRET, {"action": "install_key", "value": SECRET}),
        (mak2024(), SECRET, {"action": "install_key", "value": SECRET}),
        (kms2024(key=None), GVLK_2024, {"action": "install_key", "value": GVLK_2024}),
    ],
)
def test_key_step(product, key, expected):
    assert key_step(product, Desired(product_key=key)) == expected


def test_key_step_auto_without_published_key():
    with pytest.raises(PlanError) as exc:
        key_step(office2010_mak(), Desired(product_key="auto"))
    assert "ProPlus2010Volume" in str(exc.value)
    assert "product_key" in str(exc.value)


# --- host_steps ----------------------------------------------------------------------------------

SET_HOST = {"action": "set_host", "value": HOST}
CLEAR_HOST = {"action": "clear_host", "value": None}
CLEAR_PORT = {"action": "clear_port", "value": None}


@pytest.mark.parametrize(
    ("product", "desired", "expected"),
    [
        (kms2024(host=HOST), Desired(kms_host=HOST), []),
        (kms2024(host="KMS.Example.ORG"), Desired(kms_host=HOST), []),
        (kms2024(host=HOST + "."), Desired(kms_host=HOST), []),
        (kms2024(host=HOST), Desired(kms_host=HOST.upper() + "."), []),
        (kms2024(host="old.example.org"), Desired(kms_host=HOST), [SET_HOST]),
        (kms2024(), Desired(kms_host=HOST), [SET_HOST]),
        (kms2024(host=HOST, port=None), Desired(kms_host=HOST, kms_port=1688), []),
        (kms2024(host=HOST, port=1688), Desired(kms_host=HOST, kms_port=1688), []),
        (kms2024(host=HOST, port=None), Desired(kms_host=HOST, kms_port=1689),
         [{"action": "set_port", "value": 1689}]),
        (kms2024(host=HOST, port=1689), Desired(kms_host=HOST, kms_port=1688),
         [{"action": "set_port", "value": 1688}]),
        (kms2024(host="old", port=1689), Desired(kms_host=HOST, kms_port=1690),
         [SET_HOST, {"action": "set_port", "value": 1690}]),
        (kms2024(host="old.example.org", port=1689), Desired(), []),
        (kms2024(host="old.example.org", port=1689), Desired(state="configured", product_key="auto"), []),
        (kms2024(host=HOST, port=1689), Desired(state="absent"), [CLEAR_HOST, CLEAR_PORT]),
        (kms2024(host=HOST, port=1689), Desired(state="absent", kms_host=HOST), [CLEAR_HOST, CLEAR_PORT]),
        (kms2024(host=HOST), Desired(state="absent"), [CLEAR_HOST]),
        (kms2024(port=1689), Desired(state="absent"), [CLEAR_PORT]),
        (kms2024(), Desired(state="absent"), []),
    ],
)
def test_host_steps(product, desired, expected):
    assert host_steps(product, desired) == expected


# --- activation_reasons / plan_product ----------------------------------------------------------

ACTIVATE = "activate"


@pytest.mark.parametrize(
    ("product", "desired", "expected", "reason"),
    [
        (kms2024(status=2, days=25, host=HOST), Desired(kms_host=HOST), [ACTIVATE], "not activated (OOBGrace)"),
        (kms2024(status=5, days=0), Desired(), [ACTIVATE], "not activated (Notification)"),
        (kms2024(status=1, days=10, host=HOST), Desired(kms_host=HOST, renew_below_days=30), [ACTIVATE],
         "expires in 10 days (renew below 30)"),
        (kms2024(status=1, days=10, host=HOST), Desired(kms_host=HOST, renew_below_days=5), [], None),
        (kms2024(status=1, days=10, host=HOST), Desired(kms_host=HOST, renew_below_days=10), [], None),
        (kms2024(status=1, days=179, host=HOST), Desired(kms_host=HOST), [], None),
        (kms2024(status=1, days=179), Desired(), [], None),
        (kms2024(status=1, days=179, host=HOST), Desired(kms_host=HOST, force=True), [ACTIVATE], "force"),
        (kms2024(status=1, days=179, host="old.example.org"), Desired(kms_host=HOST), ["set_host", ACTIVATE],
         "KMS settings or key changed: activate against them"),
        (kms2024(status=1, days=179, host=HOST), Desired(kms_host=HOST, kms_port=1689), ["set_port", ACTIVATE],
         "set port 1689"),
        (kms2024(status=1, days=179), Desired(kms_host=HOST), ["set_host", ACTIVATE], "set host " + HOST),
        (kms2024(status=5, days=0), Desired(state="configured", kms_host=HOST), ["set_host"], "set host " + HOST),
        (kms2024(status=5, days=0, host=HOST), Desired(state="configured", kms_host=HOST, force=True), [], None),
        (mak2024(), Desired(state="configured", product_key="auto"), ["install_key"],
         "install the published KMS client key"),
        (mak2024(), Desired(state="configured", kms_host=HOST, product_key="auto"), ["install_key", "set_host"],
         None),
        (mak2024(), Desired(product_key=SECRET), ["install_key", ACTIVATE], "install the given key"),
        (mak2024(status=1), Desired(kms_host=HOST, kms_port=1689, product_key="auto"),
         ["install_key", "set_host", "set_port", ACTIVATE], None),
        (kms2024(status=0, days=0, host=HOST, port=1689), Desired(state="absent", force=True),
         ["clear_host", "clear_port"], "clear host"),
        (kms2024(status=0, days=0), Desired(state="absent"), [], None),
        (office2010_kms(status=1, days=3, host=HOST), Desired(kms_host=HOST), [ACTIVATE],
         "expires in 3 days (renew below 30)"),
    ],
)
def test_plan_product(product, desired, expected, reason):
    plan = plan_product(product, desired)
    assert actions(plan.steps) == expected
    assert plan.activates is (ACTIVATE in expected)
    assert plan.product is product
    if reason:
        assert reason in plan.reasons
    if not expected:
        assert plan.reasons == []


def test_plan_product_activate_has_one_reason():
    plan = plan_product(kms2024(status=2, days=3), Desired(force=True))
    assert plan.reasons == ["not activated (OOBGrace)"]
    assert plan.steps == [{"action": "activate", "value": None}]


def test_plan_product_absent_leaves_the_key_alone():
    plan = plan_product(kms2024(key="GCVGB", host=HOST), Desired(state="absent", product_key=SECRET))
    assert actions(plan.steps) == ["clear_host"]


# --- plan_host -----------------------------------------------------------------------------------

def test_plan_host_compliant():
    compliant = kms2024(status=1, days=179, host=HOST)
    host_plan = plan_host([windows(status=0), mak2024(), compliant], Desired(kms_host=HOST, products=None))
    assert host_plan.changes is False
    assert [p.product for p in host_plan.plans] == [compliant]
    assert [p.steps for p in host_plan.plans] == [[]]
    assert [u["sku_id"] for u in host_plan.untouched] == [MAK_SKU]
    assert host_plan.warnings == []


@pytest.mark.parametrize(
    "products",
    [
        [kms2024(status=1, days=10, host=HOST)],
        [kms2024(status=1, days=179, host=HOST), visio2019(status=5, days=0, host=HOST)],
        [kms2024(status=1, days=179, host="old.example.org")],
    ],
)
def test_plan_host_changes(products):
    assert plan_host(products, Desired(kms_host=HOST)).changes is True


def test_plan_host_carries_untouched_and_warnings():
    desired = Desired(kms_host=HOST, products=["ProPlus2024Volume", "VisioPro2024Volume"])
    host_plan = plan_host([kms2024(status=1, days=179, host=HOST), visio2019(status=0)], desired)
    assert host_plan.changes is False
    assert [u["sku_id"] for u in host_plan.untouched] == [VISIO_SKU]
    assert len(host_plan.warnings) == 1
    assert "VisioPro2024Volume" in host_plan.warnings[0]


def test_plan_host_raises_before_planning():
    with pytest.raises(PlanError, match="ProPlus2010Volume"):
        plan_host([kms2024(), office2010_mak()], Desired(product_key="auto"))


CHANGED = "KMS settings or key changed: activate against them"


@pytest.mark.parametrize(
    ("product", "desired", "changed", "expected"),
    [
        (kms2024(status=5, days=0), Desired(state="configured"), True, []),
        (kms2024(status=5, days=0), Desired(state="absent", force=True), True, []),
        (kms2024(status=1, days=179), Desired(), True, [CHANGED]),
        (kms2024(status=1, days=179), Desired(force=True), False, ["force"]),
        (kms2024(status=1, days=179), Desired(force=True), True, [CHANGED]),
        (kms2024(status=0, days=0), Desired(force=True), True, ["not activated (Unlicensed)"]),
        (kms2024(status=1, days=None), Desired(renew_below_days=180), False, []),  # nothing expires
    ],
)
def test_activation_reasons(product, desired, changed, expected):
    assert activation_reasons(product, desired, changed) == expected


@pytest.mark.parametrize("connection", [{"check_reachable": False}, {"connect_timeout": 0.5}, {"kms_port": 1688}])
def test_plan_does_not_depend_on_how_the_kms_host_is_contacted(connection):
    products = [kms2024(status=2, days=3), mak2024(), visio2019(status=1, days=179, host=HOST)]
    base = Desired(kms_host=HOST, product_key="auto")
    other = Desired(kms_host=HOST, product_key="auto", **connection)
    assert plan_host(products, other) == plan_host(products, base)


# -- licences installed without a key (read only when products are named) --------------------
PROJECT_SKU = "f510af75-8ab7-4426-a236-1bfb95c34ff8"


def keyless_project():
    return product("Office 24, Office24ProjectPro2024VL_KMS_Client_AE edition", "Office 24, VOLUME_KMSCLIENT channel",
                   PROJECT_SKU, key=None, status=0, days=None)


@pytest.mark.parametrize(("desired", "steps"), [
    (Desired(kms_host=HOST, products=["ProjectPro2024Volume"], product_key="auto"),
     ["install_key", "set_host", "activate"]),
    (Desired(kms_host=HOST, products=[PROJECT_SKU], product_key=SECRET), ["install_key", "set_host", "activate"]),
    (Desired(state="configured", kms_host=HOST, products=["ProjectPro2024Volume"], product_key="auto"),
     ["install_key", "set_host"]),
])
def test_a_named_keyless_licence_with_a_key_is_installed_and_activated(desired, steps):
    host_plan = plan_host([kms2024(), keyless_project()], desired)
    [project_plan] = host_plan.plans
    assert [s["action"] for s in project_plan.steps] == steps
    assert project_plan.steps[0]["value"] == ("FQQ23-N4YCY-73HQ3-FM9WC-76HF4" if desired.product_key == "auto"
                                              else SECRET)
    assert host_plan.warnings == []


def test_a_named_keyless_licence_without_a_key_is_said_so():
    host_plan = plan_host([kms2024(), keyless_project()], Desired(kms_host=HOST, products=["ProjectPro2024Volume"]))
    assert host_plan.plans == []
    [reason] = [u["reason"] for u in host_plan.untouched if u["sku_id"] == PROJECT_SKU]
    assert reason.startswith("licence installed without a key; give product_key: auto")
    assert host_plan.warnings == ["ProjectPro2024Volume: " + reason]


@pytest.mark.parametrize("desired", [
    Desired(kms_host=HOST, product_key="auto"),  # not named
    Desired(kms_host=HOST, products=["ProPlus2024Volume"], product_key="auto"),  # another family named
    Desired(state="absent", products=["ProjectPro2024Volume"], product_key="auto"),
])
def test_an_unnamed_keyless_licence_is_none_of_the_task_s_business(desired):
    host_plan = plan_host([kms2024(), keyless_project()], desired)
    assert PROJECT_SKU not in [p.product["sku_id"] for p in host_plan.plans]
    assert PROJECT_SKU not in [u["sku_id"] for u in host_plan.untouched]


def test_a_keyless_kms_licence_beside_a_keyed_sku_of_its_family_is_reached_through_it():
    """A MAK install: the published key installed on the MAK SKU lands on the KMS one."""
    keyless_kms = kms2024(key=None, status=0, days=None)
    host_plan = plan_host([mak2024(), keyless_kms], Desired(kms_host=HOST, products=["ProPlus2024Volume"],
                                                            product_key="auto"))
    assert [p.product["sku_id"] for p in host_plan.plans] == [MAK_SKU]


# --- applications: Office and Windows in one plan ------------------------------------------------

def test_applications_select_only_the_products_of_the_applications_managed():
    products = [windows(status=0), kms2024(status=0)]
    for applications, expected in ((("office",), [KMS_SKU]), (("windows",), [WIN_SKU]),
                                   (("office", "windows"), [WIN_SKU, KMS_SKU])):
        selected, _unused, _unused = select(products, Desired(applications=applications))
        assert ids(selected) == expected


def test_products_names_office_products_only_and_never_leaves_windows_out():
    selected, untouched, _unused = select([windows(status=0), kms2024(), visio2019()],
                                          Desired(applications=("office", "windows"), products=["ProPlus2024Volume"]))
    assert ids(selected) == [WIN_SKU, KMS_SKU]
    assert [u["sku_id"] for u in untouched] == [VISIO_SKU]


def test_each_application_gets_its_own_key():
    """product_key goes to Office's products, windows_product_key to Windows: one key each, and
    one given key per application is checked against that application's products only."""
    desired = Desired(applications=("office", "windows"), product_key=SECRET, windows_product_key="auto",
                      products=["ProPlus2024Volume"])
    assert key_step(mak2024(), desired) == {"action": "install_key", "value": SECRET}
    assert key_step(kms2024(), desired)["value"] == SECRET
    assert key_step(windows(), desired) is None  # a KMS client key already: auto keeps it
    only_windows = Desired(applications=("office", "windows"), windows_product_key=SECRET)
    assert key_step(kms2024(), only_windows) is None
    assert key_step(windows(key="ABCDE"), only_windows) == {"action": "install_key", "value": SECRET}


def test_a_given_windows_key_names_its_option_in_the_error():
    desired = Desired(applications=("office", "windows"), windows_product_key=SECRET)
    second = windows(status=0)
    second["sku_id"] = "0" * 8 + "-0000-0000-0000-" + "0" * 12
    with pytest.raises(PlanError, match=r"^windows_product_key is one key, but 2 products are selected"):
        select([windows(status=0), second, kms2024()], desired)
    windows_kms = Desired(applications=("windows",), windows_product_key=SECRET, windows_key_option="product_key")
    with pytest.raises(PlanError, match=r"^product_key is one key"):
        select([windows(status=0), second], windows_kms)
