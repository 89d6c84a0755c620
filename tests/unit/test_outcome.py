"""Unit tests for plugins/plugin_utils/outcome.py: the per-host result of office_kms, from the
plan and what the apply call reported."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import apply, hresult, licensing, outcome, steps
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import HostPlan, ProductPlan, plan_host

from tests.unit.factories import (
    GVLK_2024,
    HOST,
    KMS_2024,
    KMS_SKU,
    MAK_2024,
    MAK_SKU,
    SECRET,
    VISIO_2019,
    VISIO_SKU,
    answer,
    error,
    ok,
    raw_product,
    results,
    skipped,
)

PC = "pc01.example.org"
SPP = "SoftwareLicensingProduct"
AFTER = apply.AFTER + SPP
UNAVAILABLE = hresult.lookup(0xC004F074)


def raw(kind, **kw):
    return raw_product(*kind, **kw)


def product(kind, **kw):
    return licensing.product(raw(kind, **kw), SPP)


def step(action, value=None):
    return {"action": action, "value": value}


def applied(host_plan, desired, after, errors=None):
    """What the apply call of ``host_plan`` reports: ``after`` re-read, ``errors`` by op id."""
    return answer(apply.program(host_plan, desired), data={AFTER: {"instances": after}}, errors=errors)


def op_id(sku, index):
    return "sku:%s:%d" % (sku, index)


# --- steps.shown / steps.predict (the table of step kinds) ----------------------------------------

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
    assert steps.shown(planned) == shown


@pytest.mark.parametrize(
    ("planned", "changes"),
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
def test_predict(planned, changes):
    before = product(MAK_2024, key="7HJ3K", status=5, days=0, host="old.example.org", port=1689)
    kept = dict(before)
    assert steps.predict(before, planned) == dict(before, **changes)
    assert before == kept  # the inspected product is not modified


# --- report: check mode --------------------------------------------------------------------------

def test_report_check_mode():
    desired = Desired(kms_host=HOST, product_key=SECRET)
    mak = product(MAK_2024, key="7HJ3K", status=1, days=None)
    host_plan = plan_host([mak], desired)
    result = outcome.report(PC, host_plan, None, True)
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
    result = outcome.report(PC, host_plan, None, False)
    assert result["changed"] is False
    assert not result.get("failed")
    assert result["products"][0]["steps"] == []
    assert result["diff"] == {"before": "", "after": ""}


# --- report: after the apply call ----------------------------------------------------------------

def test_report_all_steps_ok():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0)], desired)
    result = outcome.report(PC, host_plan, applied(host_plan, desired, [raw(KMS_2024, status=1, days=180,
                                                                            host=HOST)]), False)
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
    reported = applied(host_plan, desired, [raw(KMS_2024, status=5, days=0, host=HOST)],
                       errors={op_id(KMS_SKU, 1): (0xC004F074, "No KMS could be contacted")})
    result = outcome.report(PC, host_plan, reported, False)
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
    reported = applied(host_plan, desired,
                       [raw(KMS_2024, status=1, days=180, host=HOST),
                        raw(VISIO_2019, key="7VCBB", status=5, days=0, host=HOST)],
                       errors={op_id(VISIO_SKU, 0): (0xC004F038, None)})
    result = outcome.report(PC, host_plan, reported, False)
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
    reported = applied(host_plan, desired, [raw(MAK_2024, key="7HJ3K", status=1, days=None)],
                       errors={op_id(MAK_SKU, 0): (0xC004F050, "The product key is invalid")})
    result = outcome.report(PC, host_plan, reported, False)
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


def test_report_failure_midway():
    """The steps before the failure were done (the product changed); the later ones did not run."""
    desired = Desired(kms_host=HOST, kms_port=1689)
    host_plan = plan_host([product(KMS_2024, status=5, days=0)], desired)
    [plan] = host_plan.plans
    assert [s["action"] for s in plan.steps] == ["set_host", "set_port", "activate"]
    reported = results(
        ok(apply.REACH, "tcp_connect", reachable=True),
        ok(op_id(KMS_SKU, 0), "cim_invoke", return_value=0),
        error(op_id(KMS_SKU, 1), 0x8004102F, "Invalid method Parameter(s)"),
        skipped(op_id(KMS_SKU, 2)),
        skipped(op_id(KMS_SKU, 2) + ":refresh"),
        ok(AFTER, instances=[raw(KMS_2024, status=5, days=0, host=HOST)]),
    )
    result = outcome.report(PC, host_plan, reported, False)
    [entry] = result["products"]
    assert [(s["action"], s["result"]) for s in entry["steps"]] == [
        ("set_host", "ok"), ("set_port", "failed"), ("activate", "not run")]
    assert entry["steps"][1]["error_code"] == "0x8004102F"
    assert "error_code" not in entry["steps"][2]
    assert entry["changed"] is True and entry["failed"] is True
    assert result["changed"] is True and result["failed"] is True
    assert entry["kms_host"] == HOST  # as re-read
    assert "set the KMS port of ProPlus2024Volume" in result["msg"]
    assert "0x8004102F" in result["msg"]
    assert result["error_code"] == "0x8004102F"


@pytest.mark.parametrize("message", ["Generic failure", None])
def test_report_error_without_hresult_is_a_failure(message):
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0, host=HOST)], desired)
    reported = results(ok(apply.REACH, "tcp_connect", reachable=True), error(op_id(KMS_SKU, 0), None, message),
                       skipped(op_id(KMS_SKU, 0) + ":refresh"),
                       ok(AFTER, instances=[raw(KMS_2024, status=5, days=0, host=HOST)]))
    result = outcome.report(PC, host_plan, reported, False)
    [entry] = result["products"]
    assert entry["steps"] == [{"action": "activate", "result": "failed", "error_code": None, "error_name": None}]
    assert entry["failed"] is True and result["failed"] is True
    assert result["changed"] is False
    assert "Windows reported an error without an error code" in result["msg"]
    assert (message or "no message") in result["msg"]
    assert result["msg"].startswith("Failed to activate ProPlus2024Volume on %s: " % PC)
    assert (result["error_code"], result["error_name"], result["error_hint"]) == (None, None, None)


def test_report_refresh_failed_after_activate():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0, host=HOST)], desired)
    reported = applied(host_plan, desired, [raw(KMS_2024, status=1, days=180, host=HOST)],
                       errors={op_id(KMS_SKU, 0) + ":refresh": (0x80070005, "Access denied")})
    result = outcome.report(PC, host_plan, reported, False)
    assert result["products"][0]["steps"][0]["result"] == "failed"
    assert result["failed"] is True
    assert result["error_name"] == "E_ACCESSDENIED"
    # Activate itself went through: the host changed, and the message says what failed.
    assert result["changed"] is True and result["products"][0]["changed"] is True
    assert result["msg"].startswith("Failed to refresh the licence status after the attempt to activate "
                                    "ProPlus2024Volume on %s: 0x80070005" % PC)


def test_report_skipped_steps_are_not_run():
    """The reachability test stopped the program: nothing ran, nothing changed."""
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0)], desired)
    reported = applied(host_plan, desired, [], errors={apply.REACH: (0x8007274D, "refused")})
    assert all(r.status == "skipped" for key, r in reported.items() if key != apply.REACH)
    result = outcome.report(PC, host_plan, reported, False)
    [entry] = result["products"]
    assert [s["result"] for s in entry["steps"]] == ["not run", "not run"]
    assert all("error_code" not in s for s in entry["steps"])
    assert entry["changed"] is False and entry["failed"] is False
    assert entry["kms_host"] is None  # not re-read: as before
    assert result["changed"] is False


def test_report_install_key_moved_the_product():
    desired = Desired(kms_host=HOST, product_key="auto")
    host_plan = plan_host([product(MAK_2024, key="7HJ3K", status=1, days=None)], desired)
    reported = applied(host_plan, desired, [raw(MAK_2024, key=None, status=0, days=None),
                                            raw(KMS_2024, key="GCVGB", status=1, days=180, host=HOST)])
    result = outcome.report(PC, host_plan, reported, False)
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
    ("port", "data", "message", "shown"),
    [
        (1688, {"reachable": False, "error": "No such host is known"}, "Cannot connect", "No such host is known"),
        (1689, {"reachable": False, "error": "timed out"}, None, "timed out"),
        (1688, {"reachable": False, "error": None}, "Cannot connect to kms:1688: ", "Cannot connect to kms:1688"),
        (1688, {}, None, "no answer"),
    ],
)
def test_unreachable(port, data, message, shown):
    """The required reachability test failed: the program stopped before changing anything."""
    reported = results(error(apply.REACH, 0x8007274D, message, op="tcp_connect", **data),
                       skipped(op_id(KMS_SKU, 0)), skipped(AFTER, "cim_query"))
    activating = HostPlan([ProductPlan(product(KMS_2024), [step("activate")])], [], [])
    result = outcome.unreachable(PC, Desired(kms_host=HOST, kms_port=port), activating, reported)
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["error_code"] == "0xC004F074"
    assert result["error_name"] == "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"
    for part in (PC, "%s:%d" % (HOST, port), shown, "Nothing was changed", "0xC004F074", "VPN"):
        assert part in result["msg"]


@pytest.mark.parametrize(
    "reported",
    [
        results(),
        results(ok(apply.REACH, "tcp_connect", reachable=True)),
        results(skipped(apply.REACH, "tcp_connect")),
        results(error(op_id(KMS_SKU, 0), 0xC004F074)),
    ],
)
def test_reachable_or_not_tested(reported):
    assert outcome.unreachable(PC, Desired(kms_host=HOST), HostPlan([], [], []), reported) is None


# --- failures of a whole call --------------------------------------------------------------------

def test_inspect_failure():
    failed = outcome.inspect_failure(PC, CallError("Access denied", step="read the host", code=0x80070005))
    assert failed["msg"].startswith("Failed to inspect %s (step: read the host): Access denied. 0x80070005" % PC)
    assert failed["msg"].endswith(" Nothing was changed.")
    assert (failed["failed"], failed["error_name"]) == (True, "E_ACCESSDENIED")


def test_apply_failure():
    failed = outcome.apply_failure(PC, CallError("the host printed no output (exit code 1)", step="apply the plan",
                                                 hint="Run the task again."))
    assert failed["msg"].startswith("Failed to apply the plan on %s (step: apply the plan): the host printed no "
                                    "output (exit code 1). Run the task again." % PC)
    assert failed["msg"].endswith("Nothing was changed.")
    assert (failed["failed"], failed["error_code"], failed["error_hint"]) == (True, None, "Run the task again.")


# --- summary -------------------------------------------------------------------------------------

def test_summary():
    host_plan = HostPlan([ProductPlan(product(KMS_2024), [step("activate")]), ProductPlan(product(VISIO_2019))],
                         [{"sku_id": MAK_SKU, "family": None}], [])
    done = outcome.report(PC, host_plan, None, True)
    assert outcome.summary(done["products"], done["untouched"], [], True) == (
        "would change: ProPlus2024Volume; compliant: VisioPro2019Volume; left alone: %s" % MAK_SKU)
    assert outcome.summary(done["products"], done["untouched"], [], False).startswith("changed: ProPlus2024Volume; ")


@pytest.mark.parametrize(
    ("installs", "words"),
    [
        ([], "Office is not installed"),
        ([{"subscription": True, "name": None, "product_ids": ["O365ProPlusRetail"]}], "Microsoft 365 Apps"),
        ([{"subscription": False, "name": None, "product_ids": ["ProPlusRetail"]}], "(ProPlusRetail)"),
    ],
)
def test_nothing_to_do(installs, words):
    assert words in outcome.summary([], [], installs, False)
