"""Unit tests for plugins/module_utils/plan.py: desired state and products in, ordered steps out."""

from __future__ import annotations

import re

import pytest
from ansible_collections.volume_licensing.kms.plugins.module_utils import licensing
from ansible_collections.volume_licensing.kms.plugins.module_utils.plan import (
    Desired,
    PlanError,
    check_desired,
    check_product_key,
    check_products_option,
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
    """A documented product dict, built from a raw one as the inspect script reports it."""
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


# --- check_desired -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("desired", "option"),
    [
        (Desired(state="present"), "state"),
        (Desired(state=""), "state"),
        (Desired(renew_below_days=-1), "renew_below_days"),
        (Desired(renew_below_days=181), "renew_below_days"),
        (Desired(state="configured"), "kms_host"),
        (Desired(state="configured", kms_host=""), "kms_host"),
        (Desired(products=["Fooo"]), "products"),
        (Desired(product_key="nope"), "product_key"),
    ],
)
def test_check_desired_rejects(desired, option):
    with pytest.raises(PlanError, match=re.escape(option)):
        check_desired(desired)


@pytest.mark.parametrize(
    "desired",
    [
        Desired(),
        Desired(renew_below_days=0),
        Desired(renew_below_days=180),
        Desired(state="configured", kms_host=HOST),
        Desired(state="configured", product_key="auto"),
        Desired(state="absent"),
        Desired(kms_host=HOST, products=["ProPlus2024Volume", KMS_SKU], product_key="auto", force=True),
    ],
)
def test_check_desired_accepts(desired):
    assert check_desired(desired) is desired


def test_check_desired_upper_cases_the_key():
    assert check_desired(Desired(product_key=SECRET.lower())).product_key == SECRET


# --- check_products_option -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "products",
    [
        None,
        [],
        ["ProPlus2024Volume"],
        ["visiopro2019volume"],
        ["SkypeForBusiness2021Volume"],
        ["ProPlus2010Volume"],
        [KMS_SKU],
        ["{8D368FC1-9470-4BE2-8D66-90E836CBB051}"],
        ["ProjectPro2021Volume", VISIO_SKU],
    ],
)
def test_products_option_accepted(products):
    assert check_products_option(products) == products


@pytest.mark.parametrize("entry", ["ProPlus2099Volume", "Fooo", "ProPlus2024", "", 5, "8d368fc1-9470-4be2-8d66"])
def test_products_option_rejected(entry):
    with pytest.raises(PlanError) as exc:
        check_products_option(["ProPlus2024Volume", entry])
    assert repr(entry) in str(exc.value)
    assert "products" in str(exc.value)


# --- check_product_key ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        (SECRET, SECRET),
        (SECRET.lower(), SECRET),
        ("xj2xn-fw8rk-p4hmp-dkdbv-gcvgb", GVLK_2024),
        ("  %s " % SECRET, SECRET),
    ],
)
def test_product_key_accepted(given, expected):
    assert check_product_key(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "ABCDE-FGHIJ-KLMNO-PQRST",  # four groups
        "ABCDEF-FGHIJ-KLMNO-PQRST-VWXYZ",  # a six-character group
        "ABCDE\u2013FGHIJ\u2013KLMNO\u2013PQRST\u2013VWXYZ",  # en dashes
        "ABCDE-FGHIJ-KLM O-PQRST-VWXYZ",  # a space inside
        "ABCDE FGHIJ KLMNO PQRST VWXYZ",
        "ABCDEFGHIJKLMNOPQRSTVWXYZ",
        "abcde-fghij-klmno-pqrst-vwxy!",
    ],
)
def test_product_key_rejected_without_showing_it(given):
    with pytest.raises(PlanError) as exc:
        check_product_key(given)
    msg = str(exc.value)
    assert "product_key" in msg
    for shown in (given, given.upper()):
        assert shown not in msg
        assert shown[:-5] not in msg  # at most the last five characters


def test_product_key_empty_rejected():
    with pytest.raises(PlanError, match="product_key"):
        check_product_key("")


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
    got, _, _ = select([windows(), mak2024(), kms2024()], desired)
    assert sorted(ids(got)) == sorted(selected)
    assert WIN_SKU not in ids(got)


def test_select_leaves_mak_alone_by_default_with_a_reason():
    _, untouched, warnings = select([windows(), mak2024(), kms2024()], Desired())
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
                          "reason": "not selected by the products option"}]
    assert warnings == []


@pytest.mark.parametrize("missing", ["VisioPro2024Volume", "00000000-0000-0000-0000-000000000000"])
def test_select_warns_for_a_filter_entry_matching_nothing(missing):
    selected, _, warnings = select([kms2024(), visio2019()], Desired(products=["ProPlus2024Volume", missing]))
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
    selected, _, _ = select([subscription()], Desired(product_key=key))
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
