"""Unit tests for plugins/plugin_utils/apply.py: the write program built from a plan, and what
came back per step."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import apply, inspection, licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import Desired
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.plan import HostPlan, ProductPlan, plan_host

from tests.unit.factories import (
    GVLK_2024,
    HOST,
    KMS_2010,
    KMS_2024,
    KMS_SKU,
    MAK_2024,
    MAK_SKU,
    O14_SKU,
    SECRET,
    VISIO_2019,
    VISIO_SKU,
    answer,
    error,
    ok,
    ospp_raw_product,
    raw_product,
    results,
    skipped,
)

SPP, SPP_SERVICE = "SoftwareLicensingProduct", "SoftwareLicensingService"
OSPP, OSPP_SERVICE = "OfficeSoftwareProtectionProduct", "OfficeSoftwareProtectionService"
OFFICE = licensing.OFFICE_APP_ID
OFFICE14 = licensing.OFFICE14_APP_ID


def product(kind, **kw):
    return licensing.product(raw_product(*kind, **kw), SPP)


def ospp_product(kind=KMS_2010, **kw):
    return licensing.product(ospp_raw_product(*kind, **kw), OSPP)


def step(action, value=None):
    return {"action": action, "value": value}


def calls(program):
    """(id, class, method, where, arguments, group) of each method call."""
    return [(op["id"], op["class"], op["method"], op["where"],
             [(a["name"], a["type"], a["value"]) for a in op["arguments"]], op.get("group"))
            for op in program if op["op"] == "cim_invoke"]


def by_id(sku):
    return "ID='%s'" % sku


def by_key(app, last5):
    return "ApplicationID='%s' AND PartialProductKey='%s'" % (app, last5)


# --- program: the method calls -------------------------------------------------------------------

def test_program_spp_product_every_step():
    """A MAK product converted to KMS: the key on the service (then a refresh, as slmgr.vbs does),
    then the product it landed on, found by its key."""
    desired = Desired(kms_host=HOST, kms_port=1689, product_key="auto")
    host_plan = plan_host([product(MAK_2024, key="7HJ3K", days=None)], desired)
    [plan] = host_plan.plans
    assert [s["action"] for s in plan.steps] == ["install_key", "set_host", "set_port", "activate"]
    group = "sku:" + MAK_SKU
    landed = by_key(OFFICE, "GCVGB")
    assert calls(apply.program(host_plan, desired)) == [
        (group + ":0", SPP_SERVICE, "InstallProductKey", None, [("ProductKey", "string", GVLK_2024)], group),
        (group + ":0:refresh", SPP_SERVICE, "RefreshLicenseStatus", None, [], group),
        (group + ":1", SPP, "SetKeyManagementServiceMachine", landed, [("MachineName", "string", HOST)], group),
        (group + ":2", SPP, "SetKeyManagementServicePort", landed, [("PortNumber", "uint32", 1689)], group),
        (group + ":3", SPP, "Activate", landed, [], group),
        (group + ":3:refresh", SPP_SERVICE, "RefreshLicenseStatus", None, [], group),
    ]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([step("set_host", HOST), step("activate")],
         [(SPP, "SetKeyManagementServiceMachine", by_id(KMS_SKU), [("MachineName", "string", HOST)]),
          (SPP, "Activate", by_id(KMS_SKU), []),
          (SPP_SERVICE, "RefreshLicenseStatus", None, [])]),
        ([step("set_port", 1688)],
         [(SPP, "SetKeyManagementServicePort", by_id(KMS_SKU), [("PortNumber", "uint32", 1688)])]),
        ([step("clear_host"), step("clear_port")],
         [(SPP, "ClearKeyManagementServiceMachine", by_id(KMS_SKU), []),
          (SPP, "ClearKeyManagementServicePort", by_id(KMS_SKU), [])]),
        ([step("install_key", SECRET)],
         [(SPP_SERVICE, "InstallProductKey", None, [("ProductKey", "string", SECRET)]),
          (SPP_SERVICE, "RefreshLicenseStatus", None, [])]),
        ([step("install_key", SECRET), step("activate")],
         [(SPP_SERVICE, "InstallProductKey", None, [("ProductKey", "string", SECRET)]),
          (SPP_SERVICE, "RefreshLicenseStatus", None, []),
          (SPP, "Activate", by_key(OFFICE, "VWXYZ"), []),
          (SPP_SERVICE, "RefreshLicenseStatus", None, [])]),
    ],
)
def test_program_spp_steps(steps, expected):
    host_plan = HostPlan([ProductPlan(product(KMS_2024), steps)], [], [])
    got = calls(apply.program(host_plan, Desired(check_reachable=False)))
    assert [(c[1], c[2], c[3], c[4]) for c in got] == expected
    assert {c[5] for c in got} == {"sku:" + KMS_SKU}


def test_program_ospp_product_never_refreshes():
    """OfficeSoftwareProtectionService has no RefreshLicenseStatus (docs/licensing-facts.md §1.6);
    ospp.vbs never calls it, and calling a method the class lacks fails the step."""
    desired = Desired(kms_host=HOST, kms_port=1689, product_key=SECRET)
    host_plan = plan_host([ospp_product(status=5, days=0)], desired)
    [plan] = host_plan.plans
    assert [s["action"] for s in plan.steps] == ["install_key", "set_host", "set_port", "activate"]
    group = "sku:" + O14_SKU
    landed = by_key(OFFICE14, "VWXYZ")
    assert calls(apply.program(host_plan, desired)) == [
        (group + ":0", OSPP_SERVICE, "InstallProductKey", None, [("ProductKey", "string", SECRET)], group),
        (group + ":1", OSPP, "SetKeyManagementServiceMachine", landed, [("MachineName", "string", HOST)], group),
        (group + ":2", OSPP, "SetKeyManagementServicePort", landed, [("PortNumber", "uint32", 1689)], group),
        (group + ":3", OSPP, "Activate", landed, [], group),
    ]


@pytest.mark.parametrize(
    "steps",
    [
        [step("activate")],
        [step("install_key", GVLK_2024)],
        [step("install_key", SECRET), step("set_host", HOST), step("set_port", 1690), step("activate")],
        [step("clear_host"), step("clear_port")],
    ],
)
def test_program_no_refresh_for_ospp_anywhere(steps):
    """Not on the OSPP service, not on any class, whatever the steps; the SPP product of the
    same host still gets its refreshes."""
    host_plan = HostPlan([ProductPlan(ospp_product(), steps), ProductPlan(product(KMS_2024), [step("activate")])],
                         [], [])
    program = apply.program(host_plan, Desired(kms_host=HOST))
    ospp_calls = [op for op in program if op.get("group") == "sku:" + O14_SKU]
    assert len(ospp_calls) == len(steps)
    assert all(op["method"] != "RefreshLicenseStatus" for op in ospp_calls)
    assert all(op["class"] in (OSPP, OSPP_SERVICE) for op in ospp_calls)
    refreshes = [op for op in program if op.get("method") == "RefreshLicenseStatus"]
    assert [(op["class"], op["group"]) for op in refreshes] == [(SPP_SERVICE, "sku:" + KMS_SKU)]
    assert not any(op.get("class") == OSPP_SERVICE and op.get("method") != "InstallProductKey" for op in program)


def test_program_one_group_per_product_in_plan_order():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0), product(VISIO_2019, key="7VCBB", status=5, days=0),
                           ospp_product(status=5, days=0)], desired)
    program = apply.program(host_plan, desired)
    groups = [op["group"] for op in program if op["op"] == "cim_invoke"]
    assert groups == ["sku:" + KMS_SKU] * 3 + ["sku:" + VISIO_SKU] * 3 + ["sku:" + O14_SKU] * 2
    invoke_ids = [op["id"] for op in program if op["op"] == "cim_invoke"]
    assert len(set(invoke_ids)) == len(invoke_ids)
    assert len({op["id"] for op in program}) == len(program)


def test_program_only_products_with_steps():
    compliant = product(KMS_2024, status=1, days=179, host=HOST)
    needs_work = product(VISIO_2019, status=5, days=0)
    desired = Desired(kms_host=HOST)
    program = apply.program(plan_host([compliant, needs_work], desired), desired)
    assert {op.get("group") for op in program if op["op"] == "cim_invoke"} == {"sku:" + VISIO_SKU}
    assert KMS_SKU not in repr(program)


def test_program_nothing_to_do_is_empty():
    desired = Desired(kms_host=HOST)
    assert apply.program(plan_host([product(KMS_2024, status=1, days=179, host=HOST)], desired), desired) == []


# --- program: reachability first -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("steps", "kms_host", "check_reachable", "expected"),
    [
        ([step("activate")], HOST, True, True),
        ([step("set_host", HOST), step("activate")], HOST, True, True),
        ([step("activate")], HOST, False, False),
        ([step("activate")], None, True, False),
        ([step("set_host", HOST)], HOST, True, False),
        ([step("install_key", SECRET)], HOST, True, False),
        ([step("clear_host")], None, True, False),
        ([], HOST, True, False),
    ],
)
def test_program_reachability(steps, kms_host, check_reachable, expected):
    host_plan = HostPlan([ProductPlan(product(KMS_2024), steps)], [], [])
    desired = Desired(kms_host=kms_host, check_reachable=check_reachable)
    program = apply.program(host_plan, desired)
    reach = [op for op in program if op["op"] == "tcp_connect"]
    if expected:
        assert program[0] == {"id": apply.REACH, "op": "tcp_connect", "host": HOST, "port": 1688, "timeout_ms": 5000,
                              "require": True, "on_error": "stop"}
        assert reach == [program[0]]
    else:
        assert reach == []


def test_program_reachability_once_with_the_desired_port_and_timeout():
    desired = Desired(kms_host="2001:db8::10", kms_port=1690, connect_timeout=2.5)
    host_plan = HostPlan([ProductPlan(product(KMS_2024), [step("activate")]),
                          ProductPlan(product(VISIO_2019), [step("activate")])], [], [])
    program = apply.program(host_plan, desired)
    reach = [op for op in program if op["op"] == "tcp_connect"]
    assert reach == [program[0]]
    assert (reach[0]["host"], reach[0]["port"], reach[0]["timeout_ms"]) == ("2001:db8::10", 1690, 2500)


# --- program: the re-read ------------------------------------------------------------------------

def rereads(program):
    """The re-reads of the products touched."""
    return [op for op in program if op["op"] == "cim_query" and op["id"].startswith(apply.AFTER)]


def test_program_rereads_the_products_touched_last():
    desired = Desired(kms_host=HOST, product_key="auto")
    host_plan = plan_host([product(MAK_2024, key="7HJ3K", days=None), product(VISIO_2019, status=5, days=0)],
                          desired)
    program = apply.program(host_plan, desired)
    [query] = rereads(program)
    # Last come the re-read, with how the SPP products touched are now activated, and the
    # KMS exchanges the activation logged (the SPP's events: no osppsvc product is touched).
    assert program[-2] is query
    assert program[-1] == {"id": "events_spp", "op": "event_log", "provider": "Microsoft-Windows-Security-SPP",
                           "ids": [12288, 12289], "newest": 40}
    assert query == {
        "id": apply.AFTER + SPP, "op": "cim_query", "class": SPP,
        "properties": list(inspection.PRODUCT_PROPERTIES + inspection.ACTIVATION_PROPERTIES),
        "where": "%s OR (%s) OR %s" % (by_id(MAK_SKU), by_key(OFFICE, "GCVGB"), by_id(VISIO_SKU)),
        "optional": False, "optional_properties": list(inspection.ACTIVATION_PROPERTIES),
    }


def test_a_clear_rereads_whose_kms_settings_the_product_shows():
    """After clearing an SPP product's KMS host, the service and the registry are read again
    with it, to tell a product that now shows the service-wide host (inspection.kms_sources)."""
    host_plan = plan_host([product(KMS_2024, status=1, days=170, host=HOST)], Desired(state="absent"))
    program = apply.program(host_plan, Desired(state="absent"))
    assert program[-3:] == [inspection.service_read(), *inspection.own_kms_reads([OFFICE])]
    assert [s["action"] for s in host_plan.plans[0].steps] == ["clear_host"]


def test_program_rereads_one_query_per_class():
    desired = Desired(kms_host=HOST)
    host_plan = plan_host([product(KMS_2024, status=5, days=0), ospp_product(status=5, days=0),
                           product(VISIO_2019, status=1, days=179, host=HOST)], desired)
    queries = rereads(apply.program(host_plan, desired))
    assert [(q["id"], q["class"], q["where"]) for q in queries] == [
        (apply.AFTER + SPP, SPP, by_id(KMS_SKU)),
        (apply.AFTER + OSPP, OSPP, by_id(O14_SKU)),
    ]
    for query in queries:
        # The SPP's with how its products are activated, where this Windows has those properties.
        activation = inspection.ACTIVATION_PROPERTIES if query["class"] == SPP else ()
        assert query["properties"] == list(inspection.PRODUCT_PROPERTIES + activation)
        assert query.get("optional_properties", []) == list(activation)
        assert "*" not in query["properties"]
        assert query["optional"] is False
        assert "group" not in query  # a product's failure does not hide the others' state


# --- step_outcomes -------------------------------------------------------------------------------

GROUP = "sku:" + KMS_SKU
PLAN = ProductPlan(product(KMS_2024, status=5, days=0), [step("set_host", HOST), step("set_port", 1689),
                                                         step("activate")])


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ((ok(GROUP + ":0"), ok(GROUP + ":1"), ok(GROUP + ":2"), ok(GROUP + ":2:refresh")),
         [{"status": "ok"}] * 3),
        # A failure midway: the earlier steps stay done, the later ones did not run.
        ((ok(GROUP + ":0"), error(GROUP + ":1", 0x8004102F, "Invalid method Parameter(s)"), skipped(GROUP + ":2"),
          skipped(GROUP + ":2:refresh")),
         [{"status": "ok"}, {"status": "failed", "hresult": 0x8004102F, "message": "Invalid method Parameter(s)",
                             "done": False},
          {"status": "not run"}, ]),
        # No error code is a failure all the same, never success.
        ((ok(GROUP + ":0"), ok(GROUP + ":1"), error(GROUP + ":2", None, "Generic failure"),
          skipped(GROUP + ":2:refresh")),
         [{"status": "ok"}, {"status": "ok"}, {"status": "failed", "hresult": None, "message": "Generic failure",
                                               "done": False}]),
        # The refresh after a step belongs to it: when only the refresh failed, the step's own
        # call was done (the host changed).
        ((ok(GROUP + ":0"), ok(GROUP + ":1"), ok(GROUP + ":2"), error(GROUP + ":2:refresh", 0x80070005, "denied")),
         [{"status": "ok"}, {"status": "ok"}, {"status": "failed", "hresult": 0x80070005, "message": "denied",
                                               "done": True}]),
        ((ok(GROUP + ":0"), ok(GROUP + ":1"), ok(GROUP + ":2"), skipped(GROUP + ":2:refresh")),
         [{"status": "ok"}, {"status": "ok"}, {"status": "ok"}]),
        # Stopped before anything ran (reachability), or not reported at all.
        ((skipped(GROUP + ":0"), skipped(GROUP + ":1"), skipped(GROUP + ":2"), skipped(GROUP + ":2:refresh")),
         [{"status": "not run"}] * 3),
        ((), [{"status": "not run"}] * 3),
    ],
)
def test_step_outcomes(reported, expected):
    assert apply.step_outcomes(PLAN, results(*reported)) == expected


def test_step_outcomes_of_a_program_run():
    desired = Desired(kms_host=HOST, kms_port=1689)
    host_plan = HostPlan([PLAN], [], [])
    program = apply.program(host_plan, desired)
    got = answer(program, errors={GROUP + ":1": (0xC004F074, "x")})
    assert [got[op["id"]].status for op in program] == ["ok", "ok", "error", "skipped", "skipped", "ok", "ok"]
    assert [o["status"] for o in apply.step_outcomes(PLAN, got)] == ["ok", "failed", "not run"]
    stopped = answer(program, errors={apply.REACH: (0x8007274D, "refused")})
    assert [o["status"] for o in apply.step_outcomes(PLAN, stopped)] == ["not run"] * 3


# --- products_after ------------------------------------------------------------------------------

def test_products_after_by_id():
    host_plan = HostPlan([PLAN], [], [])
    after = raw_product(*KMS_2024, status=1, days=180, host=HOST, port=1689)
    found = apply.products_after(host_plan, results(ok(apply.AFTER + SPP, instances=[after])))
    assert found == {KMS_SKU: licensing.product(after, SPP)}


def test_products_after_by_installed_key():
    """A MAK SKU's published KMS key lands on the KMS client SKU: the product is found by it."""
    desired = Desired(kms_host=HOST, product_key="auto")
    host_plan = plan_host([product(MAK_2024, key="7HJ3K", days=None)], desired)
    mak_after = raw_product(*MAK_2024, key=None, days=None)
    kms_after = raw_product(*KMS_2024, key="GCVGB", status=1, days=180, host=HOST)
    found = apply.products_after(host_plan, results(ok(apply.AFTER + SPP, instances=[mak_after, kms_after])))
    assert found[MAK_SKU]["sku_id"] == KMS_SKU
    assert found[MAK_SKU]["partial_key"] == "GCVGB"


def test_products_after_each_class_its_own():
    spp, ospp = product(KMS_2024, status=5, days=0), ospp_product(status=5, days=0)
    host_plan = HostPlan([ProductPlan(spp, [step("activate")]), ProductPlan(ospp, [step("activate")])], [], [])
    got = results(ok(apply.AFTER + SPP, instances=[raw_product(*KMS_2024, status=1, days=180)]),
                  ok(apply.AFTER + OSPP, instances=[ospp_raw_product(*KMS_2010, status=1, days=180)]))
    found = apply.products_after(host_plan, got)
    assert (found[KMS_SKU]["license_class"], found[KMS_SKU]["license_status"]["code"]) == (SPP, 1)
    assert (found[O14_SKU]["license_class"], found[O14_SKU]["license_status"]["code"]) == (OSPP, 1)


@pytest.mark.parametrize("reread", [skipped(apply.AFTER + SPP, "cim_query"),
                                    error(apply.AFTER + SPP, 0x80041010, op="cim_query"),
                                    ok(apply.AFTER + SPP, instances=[])])
def test_products_after_not_reread_stays_as_before(reread):
    host_plan = HostPlan([PLAN], [], [])
    assert apply.products_after(host_plan, results(reread)) == {KMS_SKU: PLAN.product}
