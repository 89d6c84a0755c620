"""Unit tests for plugins/plugin_utils/inspection.py: the read program, and its results turned
into products, host facts, Office installations and reachability."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    hostops,
    hresult,
    inspection,
    licensing,
    outcome,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError

from tests.unit.factories import KMS_2010, KMS_2024, KMS_SKU, O14_SKU, answer, ospp_raw_product, raw_product, skipped

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
GIB = 1024 ** 3
WIN32 = {"Win32_OperatingSystem", "Win32_Processor", "Win32_PhysicalMemory", "Win32_LogicalDisk"}
OSPP_STEP = "read Office licensing products (Office Software Protection service, osppsvc)"
SPP_STEP = "read licensing products (Software Protection service)"


def queries(program):
    return {op["id"]: op for op in program if op["op"] == "cim_query"}


# --- read_program --------------------------------------------------------------------------------

@pytest.mark.parametrize("applications", [("office",), ("windows",), ("office", "windows")])
@pytest.mark.parametrize("kms_host", [None, "kms.example.edu"])
def test_read_program_names_every_property(applications, kms_host):
    """The licensing provider is slow: only named properties, never ``*``, are asked for."""
    program = inspection.read_program(applications, kms_host)
    assert "*" not in json.dumps([op.get("properties") for op in program])
    for query in queries(program).values():
        assert query["properties"], query["id"]
        assert all(name.isidentifier() for name in query["properties"]), query
    ids = [op["id"] for op in program]
    assert len(set(ids)) == len(ids)


def test_read_program_classes():
    found = queries(inspection.read_program())
    assert {q["class"] for q in found.values()} == WIN32 | {
        "SoftwareLicensingService", "SoftwareLicensingProduct", "OfficeSoftwareProtectionService",
        "OfficeSoftwareProtectionProduct"}
    # The SPP's products with how they were activated, where this Windows has those properties.
    assert found["spp_products"]["properties"] == list(inspection.PRODUCT_PROPERTIES + inspection.ACTIVATION_PROPERTIES)
    assert found["spp_products"]["optional_properties"] == list(inspection.ACTIVATION_PROPERTIES)
    assert found["ospp_products"]["properties"] == list(inspection.PRODUCT_PROPERTIES)
    # osppsvc's classes are read only where that service is installed.
    assert {q["id"] for q in found.values() if q.get("if_service")} == {"ospp_service", "ospp_products"}
    assert {q["if_service"] for q in found.values() if q.get("if_service")} == {"osppsvc"}
    assert found["disks"]["where"] == "DriveType = 3"
    assert "SystemDrive" in found["os"]["properties"]


def test_read_program_only_osppsvc_is_optional():
    """The osppsvc classes exist only where that service is installed; everything else must be
    there."""
    optional = {q["class"] for q in queries(inspection.read_program()).values() if q["optional"]}
    assert optional == {"OfficeSoftwareProtectionService", "OfficeSoftwareProtectionProduct"}


@pytest.mark.parametrize(
    ("applications", "spp_apps"),
    [
        (("office",), [licensing.OFFICE_APP_ID]),
        (("office", "windows"), [licensing.OFFICE_APP_ID, licensing.WINDOWS_APP_ID]),
    ],
)
def test_read_program_keyed_products_of_the_applications(applications, spp_apps):
    found = queries(inspection.read_program(applications))
    assert found["spp_products"]["where"] == "(%s) AND PartialProductKey IS NOT NULL" % " OR ".join(
        "ApplicationID='%s'" % app for app in spp_apps)
    # osppsvc holds Office 2010 (its own ApplicationID) and Office 2013/2016 on Windows 7; never Windows.
    assert found["ospp_products"]["where"] == (
        "(ApplicationID='%s' OR ApplicationID='%s') AND PartialProductKey IS NOT NULL"
        % (licensing.OFFICE_APP_ID, licensing.OFFICE14_APP_ID))


def test_read_program_tcp_connect_only_with_kms_host():
    for kms_host in (None, ""):
        assert [op for op in inspection.read_program(kms_host=kms_host) if op["op"] == "tcp_connect"] == []
    program = inspection.read_program(kms_host="2001:db8::10", kms_port=1700, connect_timeout_ms=2500)
    reach = [op for op in program if op["op"] == "tcp_connect"]
    # Not reachable is a result of the read, not an error that stops it.
    assert reach == [{"id": "reach", "op": "tcp_connect", "host": "2001:db8::10", "port": 1700, "timeout_ms": 2500,
                      "require": False}]


def test_read_program_registry():
    reads = {op["id"]: op for op in inspection.read_program() if op["op"] == "registry_read"}
    assert reads["c2r"]["key"] == inspection.C2R_KEY
    assert reads["c2r"]["subkeys"] is None
    assert {reads[k]["key"] for k in ("msi", "msi_wow")} == set(inspection.UNINSTALL_KEYS.values())
    assert reads["msi"]["subkeys"] == reads["msi_wow"]["subkeys"] == inspection.MSI_SUBKEY


def test_inspect_host_sends_the_read_program():
    sent = []

    def execute(command, in_data, sudoable):
        sent.append(in_data)
        program = json.loads(base64.b64decode(in_data.partition(b"\0\0\0\0")[2]))["operations"]
        doc = {"executor": 1, "results": [{"id": op["id"], "op": op["op"], "status": "ok", "data": {}}
                                          for op in program]}
        return {"rc": 0, "stdout": json.dumps(doc), "stderr": ""}

    got = inspection.inspect_host(execute, ("office", "windows"), "kms.example.edu", 1689, 0.5)
    assert sent == [hostops.build_stdin(inspection.read_program(("office", "windows"), "kms.example.edu", 1689, 500))]
    assert got["products"] == []
    assert got["kms_reachability"]["reachable"] is False


# --- interpret -----------------------------------------------------------------------------------

SPP_RAW = raw_product(*KMS_2024)
OSPP_RAW = ospp_raw_product(*KMS_2010)
DATA = {
    "facts": {"computer_name": "LAB-PC01", "utc_now": "2025-03-01T12:00:05Z", "powershell_version": "5.1"},
    "os": {"instances": [{"Caption": "Microsoft Windows 7 Professional", "Version": "6.1.7601",
                          "BuildNumber": "7601", "OSArchitecture": "64-bit", "SystemDrive": "C:"}]},
    "cpu": {"instances": [{"MaxClockSpeed": 2400, "NumberOfCores": 4}]},
    "memory": {"instances": [{"Capacity": 8 * GIB}, {"Capacity": 4 * GIB}]},
    "disks": {"instances": [{"DeviceID": "D:", "FreeSpace": 1 * GIB}, {"DeviceID": "C:", "FreeSpace": 20 * GIB}]},
    "spp_service": {"instances": [{"ClientMachineID": "spp-cmid"}]},
    "spp_products": {"instances": [SPP_RAW]},
    "ospp_service": {"instances": [{"ClientMachineID": "ospp-cmid"}]},
    "ospp_products": {"instances": [OSPP_RAW]},
    "c2r": {"exists": False, "values": {}},
    "msi": {"exists": True, "values": {}, "subkeys": [
        {"name": "Office14.PROPLUS", "values": {"DisplayName": "Microsoft Office Professional Plus 2010",
                                                "DisplayVersion": "14.0.7015.1000"}}]},
    "msi_wow": {"exists": True, "values": {}, "subkeys": []},
    "reach": {"reachable": False, "addresses": [], "connected": None, "error": "No such host is known",
              "hresult": "0x80072AF9"},
}


def read(data=None, errors=None, kms_host="kms.example.edu"):
    """interpret() of the read program's results, as a host answering ``data`` gives them."""
    merged = dict(DATA, **(data or {}))
    program = inspection.read_program(("office",), kms_host, 1688, 5000)
    return inspection.interpret(answer(program, merged, errors), kms_host, 1688, 5.0, now=NOW)


def test_interpret():
    got = read()
    assert [(p["sku_id"], p["license_class"]) for p in got["products"]] == [
        (KMS_SKU, "SoftwareLicensingProduct"), (O14_SKU, "OfficeSoftwareProtectionProduct")]
    assert got["products"][1]["family"] == "ProPlus2010Volume"
    host = got["host"]
    assert (host["computer_name"], host["os_build"], host["clock_skew_seconds"]) == ("LAB-PC01", "7601", 5)
    assert (host["client_machine_id"], host["ospp_client_machine_id"]) == ("spp-cmid", "ospp-cmid")
    assert (host["cpu_cores"], host["cpu_max_clock_mhz"]) == (4, 2400)
    assert [(i["type"], i["product_ids"], i["bitness"]) for i in got["office"]] == [
        ("MSI", ["Office14.PROPLUS"], "x64")]
    assert got["kms_reachability"] == {"kms_host": "kms.example.edu", "kms_port": 1688, "connect_timeout": 5.0,
                                       "reachable": False, "error": "No such host is known", "address": None,
                                       "source": "kms_host"}


def test_interpret_absent_osppsvc_gives_no_ospp_products():
    absent = {"absent": True, "instances": []}
    got = read({"ospp_service": absent, "ospp_products": absent})
    assert [p["license_class"] for p in got["products"]] == ["SoftwareLicensingProduct"]
    assert got["host"]["ospp_client_machine_id"] is None


@pytest.mark.parametrize("op_id", ["ospp_products", "ospp_service"])
@pytest.mark.parametrize(("code", "message"), [
    (0x80070422, "The service cannot be started, either because it is disabled or because it has no enabled "
                 "devices associated with it."),
    (0x80041003, "Access denied"),
    (0x80041013, "Provider load failure"),
])
def test_interpret_osppsvc_error_raises(op_id, code, message):
    """Only an absent class means "no osppsvc here": Office products never silently vanish."""
    with pytest.raises(CallError) as caught:
        read(errors={op_id: (code, message)})
    assert caught.value.step == OSPP_STEP
    assert "osppsvc" in caught.value.step
    assert caught.value.code == code
    assert str(caught.value) == hostops.sentence(message)
    failed = outcome.call_failure("Failed to inspect pc01", caught.value)
    assert failed["msg"].startswith("Failed to inspect pc01 (step: %s): %s" % (OSPP_STEP, message))
    assert failed["error_code"] == hresult.to_hex(code)


@pytest.mark.parametrize("op_id", ["spp_products", "spp_service"])
def test_interpret_spp_error_raises(op_id):
    with pytest.raises(CallError) as caught:
        read(errors={op_id: (0x80070005, "Access is denied")})
    assert (caught.value.step, caught.value.code) == (SPP_STEP, 0x80070005)


def test_interpret_an_absent_spp_class_is_an_error():
    """SoftwareLicensingProduct is not optional: WBEM_E_INVALID_CLASS there is a failure."""
    with pytest.raises(CallError) as caught:
        read(errors={"spp_products": (0x80041010, "Invalid class")})
    assert (caught.value.step, caught.value.code) == (SPP_STEP, 0x80041010)


@pytest.mark.parametrize(
    ("op_id", "step"),
    [("facts", "read host facts"), ("os", "read host facts"), ("memory", "read host facts"),
     ("c2r", "read Office installations"), ("msi_wow", "read Office installations")],
)
def test_interpret_any_read_error_raises(op_id, step):
    with pytest.raises(CallError) as caught:
        read(errors={op_id: (0x80041001, "Generic failure")})
    assert (caught.value.step, caught.value.code) == (step, 0x80041001)


@pytest.mark.parametrize("op_id", ["spp_products", "ospp_products", "os"])
def test_interpret_a_read_that_did_not_run_raises(op_id):
    """A skipped read must not look like one that found nothing."""
    program = inspection.read_program(("office",), None, 1688, 5000)
    reported = answer(program, DATA)
    reported[op_id] = skipped(op_id, op="cim_query")
    with pytest.raises(CallError) as caught:
        inspection.interpret(reported, None, 1688, 5.0, now=NOW)
    assert caught.value.step == inspection.STEPS[op_id]
    assert "did not run" in str(caught.value)


@pytest.mark.parametrize("message", ["Generic failure", None])
def test_interpret_error_without_code_raises(message):
    with pytest.raises(CallError) as caught:
        read(errors={"ospp_products": (None, message)})
    assert caught.value.code is None
    assert "Windows gave no error code" in caught.value.hint
    assert str(caught.value) == (message + "." if message else "Windows reported an error without a message.")
    failed = outcome.call_failure("Failed to inspect pc01", caught.value)
    assert (failed["error_code"], failed["error_hint"]) == (None, caught.value.hint)


def test_interpret_first_failed_step_is_named():
    with pytest.raises(CallError) as caught:
        read(errors={"ospp_products": (0x80070422, "disabled"), "spp_products": (0x80070005, "denied")})
    assert caught.value.step == SPP_STEP


def test_interpret_unreachable_kms_is_not_an_error():
    got = read({"reach": {"reachable": True, "connected": "192.0.2.10", "error": None}})
    assert got["kms_reachability"]["reachable"] is True
    assert got["kms_reachability"]["address"] == "192.0.2.10"
    assert read(kms_host=None)["kms_reachability"] is None


@pytest.mark.parametrize(
    ("system_drive", "device", "free_mb"),
    [
        ("C:", "C:", 20 * 1024),
        ("D:", "D:", 1024),
        ("d:", "D:", 1024),  # drive letters are case-insensitive
        (None, "C:", 20 * 1024),  # no SystemDrive reported: C:
        ("E:", None, None),  # not a local fixed disk: no figure rather than another disk's
    ],
)
def test_interpret_disk_is_the_system_drive(system_drive, device, free_mb):
    os_info = dict(DATA["os"]["instances"][0], SystemDrive=system_drive)
    host = read({"os": {"instances": [os_info]}})["host"]
    assert (host["system_drive"], host["system_drive_free_mb"]) == (device, free_mb)


@pytest.mark.parametrize(
    ("dimms", "memory_mb"),
    [
        ([{"Capacity": 8 * GIB}, {"Capacity": 4 * GIB}], 12 * 1024),
        ({"Capacity": 16 * GIB}, 16 * 1024),  # one element, written as itself
        ([{"Capacity": str(8 * GIB)}, {"Capacity": 8 * GIB}], 16 * 1024),  # uint64 as a string
        ([{"Capacity": 8 * GIB}, {"Capacity": None}], 8 * 1024),
        ([], None),
    ],
)
def test_interpret_memory_is_summed(dimms, memory_mb):
    assert read({"memory": {"instances": dimms}})["host"]["memory_mb"] == memory_mb


def test_interpret_click_to_run_and_msi_wow():
    c2r = {"exists": True, "values": {"VersionToReport": "16.0.17932.20162", "Platform": "x64",
                                      "ProductReleaseIds": "ProPlus2024Volume"}}
    wow = {"exists": True, "values": {}, "subkeys": {"name": "Office15.PROPLUS", "values": {
        "DisplayName": "Microsoft Office Professional Plus 2013", "DisplayVersion": "15.0.4569.1506"}}}
    office = read({"c2r": c2r, "msi_wow": wow})["office"]
    assert [(i["type"], i["product_ids"], i["bitness"]) for i in office] == [
        ("ClickToRun", ["ProPlus2024Volume"], "x64"), ("MSI", ["Office14.PROPLUS"], "x64"),
        ("MSI", ["Office15.PROPLUS"], "x86")]


def test_interpret_click_to_run_key_absent():
    office = read({"c2r": {"exists": False, "values": {"VersionToReport": None}}, "msi": {"exists": False}})["office"]
    assert office == []


def test_products_spp_then_ospp():
    """Products of a whole read, Windows SPP first, then osppsvc (was licensing.products)."""
    program = inspection.read_program()
    got = answer(program, {"spp_products": {"instances": [dict(SPP_RAW, ID="A-SPP-1"), dict(SPP_RAW, ID="A-SPP-2")]},
                           "ospp_products": {"instances": [dict(OSPP_RAW, ID="B-OSPP")]}})
    assert [(p["sku_id"], p["license_class"]) for p in inspection.products(got)] == [
        ("a-spp-1", "SoftwareLicensingProduct"),
        ("a-spp-2", "SoftwareLicensingProduct"),
        ("b-ospp", "OfficeSoftwareProtectionProduct"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # ConvertTo-Json writes a one-element array as the element itself.
        ({"spp_products": {"instances": dict(SPP_RAW, ID="ONE")}, "ospp_products": {"instances": None}},
         [("one", "SoftwareLicensingProduct")]),
        ({"spp_products": {"instances": []}, "ospp_products": {"instances": dict(OSPP_RAW, ID="TWO")}},
         [("two", "OfficeSoftwareProtectionProduct")]),
        ({"spp_products": {"instances": []}, "ospp_products": {"absent": True, "instances": []}}, []),
        ({"spp_products": {}, "ospp_products": {}}, []),
    ],
)
def test_products_single_or_missing(data, expected):
    got = answer(inspection.read_program(), data)
    assert [(p["sku_id"], p["license_class"]) for p in inspection.products(got)] == expected


def test_read_program_reads_keyless_office_licences_only_when_asked():
    plain = inspection.read_program(("office",), None, 1688, 5000)
    assert not [op for op in plain if "PartialProductKey IS NULL" in (op.get("where") or "")]
    asked = inspection.read_program(("office",), None, 1688, 5000, keyless_office=True)
    keyless = {op["id"]: op for op in asked if "PartialProductKey IS NULL" in (op.get("where") or "")}
    assert set(keyless) == {"spp_keyless", "ospp_keyless"}
    for op in keyless.values():
        assert "*" not in op["properties"] and len(op["properties"]) < len(inspection.PRODUCT_PROPERTIES)
        assert "ApplicationID=" in op["where"]
    assert keyless["ospp_keyless"]["optional"] is True and keyless["spp_keyless"]["optional"] is False
