"""Unit tests for plugins/module_utils/apply.py: the apply script's parameters and the report."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.module_utils import apply, hresult, licensing
from ansible_collections.volume_licensing.kms.plugins.module_utils.plan import (
    Desired,
    HostPlan,
    ProductPlan,
    plan_host,
)

from tests.unit.factories import GVLK_2024, HOST, KMS_SKU, MAK_SKU, SECRET, VISIO_SKU, raw_product

PC = "pc01.example.org"
UNAVAILABLE = hresult.lookup(0xC004F074)

KMS_2024 = ("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", "Office 24, VOLUME_KMSCLIENT channel", KMS_SKU)
MAK_2024 = ("Office 24, Office24ProPlus2024VL_MAK_AE edition", "Office 24, RETAIL(MAK) channel", MAK_SKU)
VISIO_2019 = ("Office 19, Office19VisioPro2019VL_KMS_Client_AE edition", "Office 19, VOLUME_KMSCLIENT channel",
              VISIO_SKU)


def raw(kind, **kw):
    return raw_product(*kind, **kw)


def product(kind, **kw):
    return licensing.product(raw(kind, **kw), "SoftwareLicensingProduct")


def step(action, value=None):
    return {"action": action, "value": value}


def done(sku, action, code=None, error=None):
    return {"id": sku, "action": action, "hresult": code, "error": error}


def apply_doc(steps, spp, jobs):
    return {"ok": True, "reach": None, "steps": steps, "jobs": jobs, "spp": spp, "ospp": []}


# --- params --------------------------------------------------------------------------------------

def test_params_jobs_only_for_products_with_steps():
    compliant = product(KMS_2024, status=1, days=179, host=HOST)
    needs_work = product(VISIO_2019, status=5, days=0)
    desired = Desired(kms_host=HOST)
    got = apply.params(plan_host([compliant, needs_work], desired), desired, True, 5)
    assert got == {
        "check_reachable": True,
        "kms_host": HOST,
        "kms_port": 1688,
        "connect_timeout_ms": 5000,
        "jobs": [{"class": "SoftwareLicensingProduct", "id": VISIO_SKU,
                  "steps": [step("set_host", HOST), step("activate")]}],
    }


@pytest.mark.parametrize(
    ("steps", "kms_host", "option", "expected"),
    [
        ([step("activate")], HOST, True, True),
        ([step("set_host", HOST), step("activate")], HOST, True, True),
        ([step("activate")], HOST, False, False),
        ([step("activate")], None, True, False),
        ([step("set_host", HOST)], HOST, True, False),
        ([step("clear_host")], None, True, False),
        ([], HOST, True, False),
    ],
)
def test_params_check_reachable(steps, kms_host, option, expected):
    host_plan = HostPlan([ProductPlan(product(KMS_2024), steps)], [], [])
    assert apply.params(host_plan, Desired(kms_host=kms_host), option, 5)["check_reachable"] is expected


@pytest.mark.parametrize(
    ("seconds", "ms"),
    [
        (5, 5000),
        (0.5, 500),
        (2.5, 2500),
        (0.1, 100),
        (300, 300000),
        (1.005, 1005),  # rounded, not truncated
    ],
)
def test_params_connect_timeout_ms(seconds, ms):
    host_plan = HostPlan([], [], [])
    assert apply.params(host_plan, Desired(kms_host=HOST), True, seconds)["connect_timeout_ms"] == ms


# --- shown_step / predict ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("planned", "shown"),
    [
        (step("install_key", SECRET), {"action": "install_key", "key": "VWXYZ"}),
        (step("install_key", GVLK_2024), {"action": "install_key", "key": "GCVGB"}),
        (step("set_host", HOST), {"action": "set_host", "value": HOST}),
        (step("set_port", 1689), {"action": "set_port", "value": 1689}),
        (step("clear_host"), {"action": "clear_host"}),
        (step("clear_port"), {"action": "clear_port"}),
        (step("activate"), {"action": "activate"}),
    ],
)
def test_shown_step(planned, shown):
    assert apply.shown_step(planned) == shown


@pytest.mark.parametrize(
    ("steps", "changes"),
    [
        ([], {}),
        ([step("install_key", SECRET)], {"partial_key": "VWXYZ"}),
        ([step("set_host", HOST)], {"kms_host": HOST}),
        ([step("set_port", 1690)], {"kms_port": 1690}),
        ([step("clear_host")], {"kms_host": None}),
        ([step("clear_port")], {"kms_port": None}),
        ([step("activate")], {"license_status": {"code": 1, "name": "Licensed"}}),
        ([step("install_key", GVLK_2024), step("set_host", HOST), step("activate")],
         {"partial_key": "GCVGB", "kms_host": HOST, "license_status": {"code": 1, "name": "Licensed"}}),
    ],
)
def test_predict(steps, changes):
    before = product(MAK_2024, key="7HJ3K", status=5, days=0, host="old.example.org", port=1689)
    kept = dict(before)
    assert apply.predict(before, steps) == dict(before, **changes)
    assert before == kept  # the inspected product is not modified


# --- report: check mode --------------------------------------------------------------------------

def test_report_check_mode():
    desired = Desired(kms_host=HOST, product_key=SECRET)
    mak = product(MAK_2024, key="7HJ3K", status=1, days=None)
    host_plan = plan_host([mak], desired)
    result = apply.report(PC, host_plan, None, True)
    assert result["changed"] is True
    assert not result.get("failed")
    [entry] = result["products"]
    assert entry["steps"] == [
        {"action": "install_key", "key": "VWXYZ", "result": "planned"},
        {"action": "set_host", "value": HOST, "result": "planned"},
        {"action": "activate", "result": "planned"},
    ]
    assert entry["kms_host"] == HOST
    assert entry["partial_key"] == "VWXYZ"
    assert entry["before"]["kms_host"] is None
    assert entry["before"]["partial_key"] == "7HJ3K"
    assert "kms_host=-" in result["diff"]["before"]
    assert "kms_host=%s" % HOST in result["diff"]["after"]
    assert "key=VWXYZ" in result["diff"]["after"]
    shown = repr(result)
    assert SECRET not in shown
    assert SECRET.replace("-", "") not in shown
    assert "ABCDE" not in shown


def test_report_compliant_host():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=1, days=179, host=HOST)], desired)
    result = apply.report(PC, host_plan, None, False)
    assert result["changed"] is False
    assert not result.get("failed")
    assert result["products"][0]["steps"] == []
    assert result["diff"] == {"before": "", "after": ""}


# --- report: after the apply call ----------------------------------------------------------------

def test_report_all_steps_ok():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0)], desired)
    doc = apply_doc(
        [done(KMS_SKU, "set_host"), done(KMS_SKU, "activate")],
        [raw(KMS_2024, status=1, days=180, host=HOST)],
        [{"id": KMS_SKU, "id_after": KMS_SKU}],
    )
    result = apply.report(PC, host_plan, doc, False)
    assert result["changed"] is True
    assert not result.get("failed")
    [entry] = result["products"]
    assert entry["failed"] is False
    assert entry["license_status"] == {"code": 1, "name": "Licensed"}
    assert entry["remaining_days"] == 180
    assert entry["kms_host"] == HOST
    assert entry["before"]["license_status"] == {"code": 5, "name": "Notification"}
    assert entry["before"]["kms_host"] is None
    assert [(s["action"], s["result"]) for s in entry["steps"]] == [("set_host", "ok"), ("activate", "ok")]
    assert "status=Licensed" in result["diff"]["after"]
    assert "status=Notification" in result["diff"]["before"]


def test_report_activate_failed():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0)], desired)
    doc = apply_doc(
        [done(KMS_SKU, "set_host"), done(KMS_SKU, "activate", "0xC004F074", "No KMS could be contacted")],
        [raw(KMS_2024, status=5, days=0, host=HOST)],
        [{"id": KMS_SKU, "id_after": KMS_SKU}],
    )
    result = apply.report(PC, host_plan, doc, False)
    [entry] = result["products"]
    assert entry["failed"] is True
    assert entry["steps"] == [
        {"action": "set_host", "value": HOST, "result": "ok", "error_code": None, "error_name": None},
        {"action": "activate", "result": "failed", "error_code": "0xC004F074",
         "error_name": "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"},
    ]
    assert result["failed"] is True
    assert result["changed"] is True  # the host was set
    assert result["error_code"] == "0xC004F074"
    assert result["error_name"] == "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"
    assert result["error_hint"] == UNAVAILABLE.hint
    for part in (PC, "ProPlus2024Volume", "activate", "0xC004F074", UNAVAILABLE.hint):
        assert part in result["msg"]


def test_report_two_products_one_failed():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0, host=HOST),
                           product(VISIO_2019, key="7VCBB", status=5, days=0, host=HOST)], desired)
    doc = apply_doc(
        [done(KMS_SKU, "activate"), done(VISIO_SKU, "activate", "0xC004F038")],
        [raw(KMS_2024, status=1, days=180, host=HOST), raw(VISIO_2019, key="7VCBB", status=5, days=0, host=HOST)],
        [{"id": KMS_SKU, "id_after": KMS_SKU}, {"id": VISIO_SKU, "id_after": VISIO_SKU}],
    )
    result = apply.report(PC, host_plan, doc, False)
    assert [(p["sku_id"], p["failed"], p["changed"]) for p in result["products"]] == [
        (KMS_SKU, False, True), (VISIO_SKU, True, False)]
    assert result["products"][0]["license_status"]["code"] == 1
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["error_name"] == "SL_E_VL_NOT_ENOUGH_COUNT"
    assert "VisioPro2019Volume" in result["msg"]
    assert "ProPlus2024Volume" not in result["msg"]


def test_report_first_step_failed_later_steps_not_run():
    desired = Desired(kms_host=HOST, product_key=SECRET)
    mak = product(MAK_2024, key="7HJ3K", status=1, days=None)
    host_plan = plan_host([mak], desired)
    doc = apply_doc(
        [done(MAK_SKU, "install_key", "0xC004F050", "The product key is invalid")],
        [raw(MAK_2024, key="7HJ3K", status=1, days=None)],
        [{"id": MAK_SKU, "id_after": MAK_SKU}],
    )
    result = apply.report(PC, host_plan, doc, False)
    [entry] = result["products"]
    assert [(s["action"], s["result"]) for s in entry["steps"]] == [
        ("install_key", "failed"), ("set_host", "not run"), ("activate", "not run")]
    assert entry["steps"][0]["error_name"] == "SL_E_INVALID_PRODUCT_KEY"
    assert entry["changed"] is False
    assert result["changed"] is False
    assert result["failed"] is True
    assert "install the product key for ProPlus2024Volume" in result["msg"]
    assert SECRET not in repr(result)
    assert "ABCDE" not in repr(result)


def test_report_install_key_moved_the_product():
    desired = Desired(kms_host=HOST, product_key="auto")
    host_plan = plan_host([product(MAK_2024, key="7HJ3K", status=1, days=None)], desired)
    doc = apply_doc(
        [done(MAK_SKU, "install_key"), done(MAK_SKU, "set_host"), done(MAK_SKU, "activate")],
        [raw(KMS_2024, key="GCVGB", status=1, days=180, host=HOST)],
        [{"id": MAK_SKU, "id_after": KMS_SKU.upper()}],
    )
    result = apply.report(PC, host_plan, doc, False)
    [entry] = result["products"]
    assert entry["sku_id"] == KMS_SKU
    assert entry["channel"] == "VOLUME_KMSCLIENT"
    assert entry["partial_key"] == "GCVGB"
    assert entry["license_status"]["code"] == 1
    assert entry["before"]["sku_id"] == MAK_SKU
    assert entry["before"]["partial_key"] == "7HJ3K"
    assert [s["result"] for s in entry["steps"]] == ["ok", "ok", "ok"]
    assert entry["steps"][0] == {"action": "install_key", "key": "GCVGB", "result": "ok", "error_code": None,
                                 "error_name": None}
    assert KMS_SKU in result["diff"]["after"]
    assert MAK_SKU in result["diff"]["before"]


# --- unreachable ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("port", "reach", "error"),
    [
        (1688, {"reachable": False, "error": "No such host is known"}, "No such host is known"),
        (1689, {"reachable": False, "error": "timed out"}, "timed out"),
        (1688, {"reachable": False, "error": None}, "no answer"),
    ],
)
def test_unreachable(port, reach, error):
    result = apply.unreachable(PC, Desired(kms_host=HOST, kms_port=port), reach)
    assert result["failed"] is True
    assert result["error_code"] == "0xC004F074"
    assert result["error_name"] == "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"
    for part in (PC, "%s:%d" % (HOST, port), error, "Nothing was changed", "0xC004F074", "VPN"):
        assert part in result["msg"]
