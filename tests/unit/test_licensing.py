"""Unit tests for plugins/plugin_utils/licensing.py (names: docs/licensing-facts.md)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import licensing

OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
CONTROLLER_NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", ("ProPlus2024Volume", "2024")),
        ("Office 24, Office24VisioPro2024VL_KMS_Client_AE edition", ("VisioPro2024Volume", "2024")),
        ("Office 21, Office21ProPlus2021VL_KMS_Client_AE edition", ("ProPlus2021Volume", "2021")),
        ("Office 19, Office19ProPlus2019VL_KMS_Client_AE edition", ("ProPlus2019Volume", "2019")),
        ("Office 19, Office19VisioPro2019VL_KMS_Client_AE edition", ("VisioPro2019Volume", "2019")),
        ("Office 16, Office16ProPlusVL_KMS_Client edition", ("ProPlus2016Volume", "2016")),
        ("Office 16, Office16VisioProVL_KMS_Client edition", ("VisioPro2016Volume", "2016")),
        ("Office 15, OfficeProPlusVL_KMS_Client edition", ("ProPlus2013Volume", "2013")),
        ("Office 14, OfficeProPlus-KMS_Client edition", ("ProPlus2010Volume", "2010")),
        ("Office 24, Office24Standard2024VL_MAK_AE1 edition", ("Standard2024Volume", "2024")),
        ("Office 16, Office16O365ProPlusR_Subscription1 edition", ("O365ProPlusRetail", "2016")),
        ("Windows(R), Education edition", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_office_name(name, expected):
    assert licensing.parse_office_name(name) == expected


@pytest.mark.parametrize(
    ("description", "channel", "kms_client"),
    [
        ("Office 24, VOLUME_KMSCLIENT channel", "VOLUME_KMSCLIENT", True),
        ("Office 24, RETAIL(MAK) channel", "RETAIL(MAK)", False),
        ("Windows(R) Operating System, VOLUME_KMSCLIENT channel", "VOLUME_KMSCLIENT", True),
        ("Windows(R) Operating System, VOLUME_MAK channel", "VOLUME_MAK", False),
        (None, None, False),
    ],
)
def test_parse_channel_and_is_kms_client(description, channel, kms_client):
    assert licensing.parse_channel(description) == channel
    assert licensing.is_kms_client(description) is kms_client


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0, "Unlicensed"),
        (1, "Licensed"),
        (2, "OOBGrace"),
        (3, "OOTGrace"),
        (4, "NonGenuineGrace"),
        (5, "Notification"),
        (6, "ExtendedGrace"),
        (7, "Unknown(7)"),
        (None, "Unknown"),
    ],
)
def test_license_status_name(code, name):
    assert licensing.license_status_name(code) == name


@pytest.mark.parametrize(
    ("status", "minutes", "days"),
    [
        (1, 0, None),  # licensed, nothing expires (MAK, retail)
        (1, 259200, 180),
        (1, 14400, 10),
        (1, 1439, 0),
        (1, None, None),
        (0, 0, 0),  # unlicensed: no time left
        (3, 43200, 30),
    ],
)
def test_remaining_days(status, minutes, days):
    assert licensing.remaining_days(status, minutes) == days


def _raw_product(**overrides):
    raw = {
        "ID": "8D368FC1-9470-4BE2-8D66-90E836CBB051",
        "Name": "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
        "Description": "Office 24, VOLUME_KMSCLIENT channel",
        "ApplicationId": OFFICE_APP.upper(),  # OSPP's spelling, upper-case value
        "PartialProductKey": "XHR2K",
        "LicenseStatus": 1,
        "LicenseStatusReason": 0x4004F040,
        "GracePeriodRemaining": 259147,
        "KeyManagementServiceMachine": "kms.example.edu",
        "keymanagementserviceport": 0,
        "DiscoveredKeyManagementServiceMachineName": "kms2.example.edu",
        "DISCOVEREDKEYMANAGEMENTSERVICEMACHINEPORT": 1688,
    }
    raw.update(overrides)
    return raw


def test_product_all_keys():
    p = licensing.product(_raw_product(), "SoftwareLicensingProduct")
    assert p == {
        "sku_id": "8d368fc1-9470-4be2-8d66-90e836cbb051",
        "name": "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
        "description": "Office 24, VOLUME_KMSCLIENT channel",
        "application": "office",
        "application_id": OFFICE_APP,
        "license_class": "SoftwareLicensingProduct",
        "family": "ProPlus2024Volume",
        "version": "2024",
        "channel": "VOLUME_KMSCLIENT",
        "kms_client": True,
        "partial_key": "XHR2K",
        "license_status": {"code": 1, "name": "Licensed"},
        "license_status_reason": {"code": "0x4004F040", "name": "SL_E_VL_INFO_PRODUCT_USER_RIGHT"},
        "remaining_minutes": 259147,
        "remaining_days": 179,
        "kms_host": "kms.example.edu",
        "kms_port": None,  # 0 means "not set": the client uses 1688
        "discovered_kms_host": "kms2.example.edu",
        "discovered_kms_port": 1688,
        "rearm_count": {"app": None, "sku": None},
        "last_kms_exchange": None,
        "licensed_through": None,
        "kms_lookup_domain": None,
        "kms_host_source": "product",
        "kms_port_source": None,
    }


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        # LicenseStatusReason is uint32 in CIM; some hosts hand it over as a signed int.
        ({"LicenseStatusReason": 0xC004F074 - 2**32}, "license_status_reason",
         {"code": "0xC004F074", "name": "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"}),
        ({"LicenseStatusReason": -1073418124}, "license_status_reason",
         {"code": "0xC004F074", "name": "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"}),
        ({"LicenseStatusReason": 0xC004F074}, "license_status_reason",
         {"code": "0xC004F074", "name": "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"}),
        ({"LicenseStatusReason": 0x12345678}, "license_status_reason", {"code": "0x12345678", "name": None}),
        ({"LicenseStatusReason": None}, "license_status_reason", {"code": None, "name": None}),
        ({"keymanagementserviceport": 1700}, "kms_port", 1700),
        ({"KeyManagementServiceMachine": ""}, "kms_host", None),
        ({"KeyManagementServiceMachine": None}, "kms_host", None),
        ({"DISCOVEREDKEYMANAGEMENTSERVICEMACHINEPORT": 0}, "discovered_kms_port", None),
        ({"DiscoveredKeyManagementServiceMachineName": ""}, "discovered_kms_host", None),
        ({"LicenseStatus": 5}, "license_status", {"code": 5, "name": "Notification"}),
        ({"LicenseStatus": None}, "license_status", {"code": None, "name": "Unknown"}),
        ({"GracePeriodRemaining": None}, "remaining_days", None),
        ({"GracePeriodRemaining": 0}, "remaining_days", None),
        ({"Description": "Office 24, RETAIL(MAK) channel"}, "kms_client", False),
        ({"Description": "Office 24, RETAIL(MAK) channel"}, "channel", "RETAIL(MAK)"),
        ({"ApplicationId": "59A52881-A989-479D-AF46-F275C6370663",
          "Name": "Office 14, OfficeProPlus-KMS_Client edition"}, "family", "ProPlus2010Volume"),
        ({"ApplicationId": "55c92734-d682-4d71-983e-d6ec3f16059f"}, "application", "windows"),
        ({"ApplicationId": "55c92734-d682-4d71-983e-d6ec3f16059f"}, "family", None),
        ({"ApplicationId": "00000000-0000-0000-0000-000000000000"}, "application", "other"),
        ({"ApplicationId": None}, "application", "other"),
    ],
)
def test_product_fields(overrides, key, expected):
    assert licensing.product(_raw_product(**overrides), "OfficeSoftwareProtectionProduct")[key] == expected


# Products of a whole read (SPP first, then osppsvc) are in test_inspection.py.


C2R_LTSC = {"VersionToReport": "16.0.17932.20162", "Platform": "x64",
            "ProductReleaseIds": "ProPlus2024Volume,VisioPro2024Volume"}
C2R_M365 = {"versiontoreport": "16.0.18129.20158", "platform": "x86", "productreleaseids": "O365ProPlusRetail"}


@pytest.mark.parametrize(
    ("c2r", "ids", "subscription", "kms_managed"),
    [
        (C2R_LTSC, ["ProPlus2024Volume", "VisioPro2024Volume"], False, True),
        (C2R_M365, ["O365ProPlusRetail"], True, False),
        ({"ProductReleaseIds": " ProPlus2021Volume , O365BusinessRetail "},
         ["ProPlus2021Volume", "O365BusinessRetail"], True, True),
        ({"ProductReleaseIds": None}, [], False, False),
    ],
)
def test_office_installs_click_to_run(c2r, ids, subscription, kms_managed):
    (install,) = licensing.office_installs({"c2r": c2r})
    assert install["type"] == "ClickToRun"
    assert install["product_ids"] == ids
    assert install["subscription"] is subscription
    assert install["kms_managed"] is kms_managed
    assert install["version"] == (c2r.get("VersionToReport") or c2r.get("versiontoreport"))
    assert install["bitness"] == (c2r.get("Platform") or c2r.get("platform"))


@pytest.mark.parametrize(
    ("os_arch", "wow", "bitness"),
    [
        ("64-bit", True, "x86"),
        ("64-bit", False, "x64"),
        ("64 bits", False, "x64"),  # localised OSArchitecture (French)
        ("32-bit", False, "x86"),
    ],
)
def test_office_installs_msi_bitness(os_arch, wow, bitness):
    msi = {"PSChildName": "Office16.PROPLUS", "DisplayName": "Microsoft Office Professional Plus 2016",
           "DisplayVersion": "16.0.4266.1001", "Wow": wow}
    (install,) = licensing.office_installs({"msi": msi, "os": {"OSArchitecture": os_arch}})
    assert install == {
        "type": "MSI",
        "name": "Microsoft Office Professional Plus 2016",
        "version": "16.0.4266.1001",
        "bitness": bitness,
        "product_ids": ["Office16.PROPLUS"],
        "subscription": False,
        "kms_managed": None,
    }


def test_office_installs_click_to_run_first():
    doc = {
        "msi": [{"PSChildName": "Office15.PROPLUS", "Wow": False}, {"PSChildName": "Office14.PROPLUS", "Wow": True}],
        "c2r": C2R_LTSC,
        "os": {"OSArchitecture": "64-bit"},
    }
    got = [(i["type"], i["product_ids"]) for i in licensing.office_installs(doc)]
    assert got == [
        ("ClickToRun", ["ProPlus2024Volume", "VisioPro2024Volume"]),
        ("MSI", ["Office15.PROPLUS"]),
        ("MSI", ["Office14.PROPLUS"]),
    ]


@pytest.mark.parametrize("doc", [{}, {"c2r": None, "msi": []}, {"c2r": {}, "msi": None}])
def test_office_installs_none(doc):
    assert licensing.office_installs(doc) == []


def _host_doc(**overrides):
    doc = {
        "computer_name": "LAB-PC01",
        "utc_now": "2025-03-01T17:00:00Z",
        "os": {"Caption": "Microsoft Windows 11 Education", "Version": "10.0.22631",
               "BuildNumber": "22631", "OSArchitecture": "64-bit", "ProductType": 1},
        "cpu": [{"MaxClockSpeed": 2400, "NumberOfCores": 8}, {"MaxClockSpeed": 3100, "NumberOfCores": 4}],
        "memory_bytes": 17179869184,
        "disk": {"DeviceID": "C:", "FreeSpace": 53687091200 + 1048575},
        "spp_service": {"ClientMachineID": "b1d2c3e4-0000-4000-8000-000000000001", "RemainingWindowsReArmCount": 0,
                        "KeyManagementServiceMachine": None},
        "ospp_cmid": None,
    }
    doc.update(overrides)
    return doc


def test_host_facts():
    assert licensing.host_facts(_host_doc(), CONTROLLER_NOW) == {
        "computer_name": "LAB-PC01",
        "os_caption": "Microsoft Windows 11 Education",
        "os_version": "10.0.22631",
        "os_build": "22631",
        "os_architecture": "64-bit",
        "os_product_type": 1,
        "cpu_max_clock_mhz": 3100,
        "cpu_cores": 12,
        "memory_mb": 16384,
        "system_drive": "C:",
        "system_drive_free_mb": 51200,
        "utc_now": "2025-03-01T17:00:00Z",
        "clock_skew_seconds": 5 * 3600,
        "client_machine_id": "b1d2c3e4-0000-4000-8000-000000000001",
        "remaining_windows_rearm_count": 0,
        "service_kms_host": None,
        "ospp_client_machine_id": None,
    }


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        ({"utc_now": "2025-03-01T11:55:00Z"}, "clock_skew_seconds", -300),
        ({"utc_now": "2025-03-01T12:00:00Z"}, "clock_skew_seconds", 0),
        ({"utc_now": "01/03/2025 12:00:00"}, "clock_skew_seconds", None),
        ({"utc_now": "not a date"}, "clock_skew_seconds", None),
        ({"utc_now": None}, "clock_skew_seconds", None),
        ({"cpu": {"MaxClockSpeed": 2900, "NumberOfCores": 6}}, "cpu_max_clock_mhz", 2900),
        ({"cpu": {"MaxClockSpeed": 2900, "NumberOfCores": 6}}, "cpu_cores", 6),
        ({"cpu": []}, "cpu_cores", None),
        ({"cpu": []}, "cpu_max_clock_mhz", None),
        ({"memory_bytes": 8589934592}, "memory_mb", 8192),
        ({"memory_bytes": None}, "memory_mb", None),
        ({"disk": None}, "system_drive_free_mb", None),
        ({"os": {"BuildNumber": 19045}}, "os_build", "19045"),
        ({"os": None}, "os_build", None),
    ],
)
def test_host_facts_fields(overrides, key, expected):
    assert licensing.host_facts(_host_doc(**overrides), CONTROLLER_NOW)[key] == expected


@pytest.mark.parametrize("skew", [timedelta(hours=5), timedelta(seconds=-42), timedelta(days=-3)])
def test_host_facts_clock_skew_follows_controller(skew):
    controller = datetime(2024, 12, 31, 23, 59, 30, tzinfo=timezone.utc)
    host = (controller + skew).strftime("%Y-%m-%dT%H:%M:%SZ")
    got = licensing.host_facts(_host_doc(utc_now=host), controller)["clock_skew_seconds"]
    assert got == int(skew.total_seconds())


@pytest.mark.parametrize("kms_host", [None, ""])
def test_reachability_not_asked(kms_host):
    assert licensing.reachability({"reachable": True}, kms_host, 1688, 3.0) is None


@pytest.mark.parametrize(
    ("data", "reachable", "error", "address"),
    [
        ({"reachable": True, "error": None, "connected": "192.0.2.10"}, True, None, "192.0.2.10"),
        # An earlier address failed before one answered: reachable, so no error.
        ({"reachable": True, "error": "timed out", "connected": "2001:db8::10"}, True, None, "2001:db8::10"),
        ({"reachable": False, "error": "timed out", "hresult": "0x8007274C", "connected": None}, False, "timed out",
         None),
        ({"reachable": False, "error": None}, False, "no answer", None),
        ({"reachable": False}, False, "no answer", None),
        ({}, False, "no answer", None),  # the test did not run (no data): never reachable
    ],
)
def test_reachability(data, reachable, error, address):
    """From the tcp_connect operation's data."""
    assert licensing.reachability(data, "kms.example.edu", 1700, 2.5) == {
        "kms_host": "kms.example.edu",
        "kms_port": 1700,
        "connect_timeout": 2.5,
        "reachable": reachable,
        "error": error,
        "address": address,
        "source": "kms_host",
    }


# Windows can leave a numeric CIM property null (MaxClockSpeed on some virtual machines):
# unknown stays unknown (None), never 0; a value that is not a number is kept as sent, for the
# requirement check to name (tests/unit/test_requirements.py).
@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        ({"cpu": [{"MaxClockSpeed": None, "NumberOfCores": 4}]}, "cpu_max_clock_mhz", None),
        ({"cpu": [{"MaxClockSpeed": None, "NumberOfCores": 4}]}, "cpu_cores", 4),
        ({"cpu": [{"MaxClockSpeed": 2900, "NumberOfCores": None}]}, "cpu_cores", None),
        ({"cpu": [{"MaxClockSpeed": 2900}, {"MaxClockSpeed": None}]}, "cpu_max_clock_mhz", None),
        ({"cpu": [{"NumberOfCores": 4}, {"NumberOfCores": None}]}, "cpu_cores", None),
        ({"cpu": [{"MaxClockSpeed": 0, "NumberOfCores": 4}]}, "cpu_max_clock_mhz", 0),
        ({"cpu": [{"MaxClockSpeed": "2.9 GHz", "NumberOfCores": 4}]}, "cpu_max_clock_mhz", "2.9 GHz"),
        ({"cpu": [{"MaxClockSpeed": "2900", "NumberOfCores": "4"}]}, "cpu_max_clock_mhz", 2900),
        ({"cpu": [{"MaxClockSpeed": 2900.0, "NumberOfCores": True}]}, "cpu_cores", True),
        ({"cpu": [{"MaxClockSpeed": 2900.0, "NumberOfCores": 4}]}, "cpu_max_clock_mhz", 2900),
        ({"memory_bytes": [8589934592, 8589934592]}, "memory_mb", 16384),
        ({"memory_bytes": [8589934592, "8 GB"]}, "memory_mb", "8 GB"),
        ({"memory_bytes": "17179869184"}, "memory_mb", 16384),
        ({"disk": {"DeviceID": "C:", "FreeSpace": None}}, "system_drive_free_mb", None),
        ({"disk": {"DeviceID": "C:", "FreeSpace": "lots"}}, "system_drive_free_mb", "lots"),
        ({"os": {"Version": ""}}, "os_version", ""),
    ],
)
def test_host_facts_keep_unknown_and_odd_values(overrides, key, expected):
    assert licensing.host_facts(_host_doc(**overrides), CONTROLLER_NOW)[key] == expected


@pytest.mark.parametrize("text", ["\u00b2", "\u0661\u0662"])
def test_host_facts_take_ascii_digits_only(text):
    facts = licensing.host_facts(_host_doc(cpu=[{"MaxClockSpeed": text, "NumberOfCores": 4}]), CONTROLLER_NOW)
    assert facts["cpu_max_clock_mhz"] == text
