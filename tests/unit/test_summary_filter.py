"""Unit tests for the office_kms_summary filter."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.filter.office_kms_summary import (
    FilterModule,
    office_kms_summary,
)

HOST = {"os_caption": "Microsoft Windows 11 Education", "os_build": "22631"}
KMS_PRODUCT = {
    "application": "office", "family": "ProPlus2024Volume",
    "name": "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
    "license_status": {"code": 1, "name": "Licensed"}, "remaining_days": 179, "kms_client": True,
    "channel": "VOLUME_KMSCLIENT", "kms_host": "kms.example.edu", "kms_port": None,
}
MAK_PRODUCT = {
    "application": "office", "family": "Standard2024Volume", "license_status": {"code": 1, "name": "Licensed"},
    "remaining_days": None, "kms_client": False, "channel": "RETAIL(MAK)", "kms_host": None,
}
WINDOWS_PRODUCT = {
    "application": "windows", "family": None, "name": "Windows(R), Education edition",
    "license_status": {"code": 1, "name": "Licensed"}, "kms_client": True, "kms_host": None,
}
M365 = {"type": "ClickToRun", "product_ids": ["O365ProPlusRetail"], "subscription": True, "kms_managed": False}
MSI = {"type": "MSI", "product_ids": ["Office16.PROPLUS"], "subscription": False, "kms_managed": None}


@pytest.mark.parametrize(
    ("result", "present", "absent"),
    [
        pytest.param(
            {"host": HOST, "products": [KMS_PRODUCT, WINDOWS_PRODUCT], "office": [], "kms_reachability": None},
            ["Windows 11 Education 22631 | ", "ProPlus2024Volume Licensed 179d via kms.example.edu:1688"],
            ["Microsoft Windows", "Windows(R)", "KMS kms", "no Office"],
            id="kms-activated",
        ),
        pytest.param(
            {"host": HOST, "products": [dict(KMS_PRODUCT, kms_port=1700, remaining_days=0,
                                             license_status={"name": "OOTGrace"})]},
            ["ProPlus2024Volume OOTGrace 0d via kms.example.edu:1700"], [],
            id="kms-port-and-zero-days",
        ),
        pytest.param(
            {"host": HOST, "products": [MAK_PRODUCT]},
            ["Standard2024Volume Licensed (RETAIL(MAK), not KMS)"], [" via ", "Licensed 0d"],
            id="mak",
        ),
        pytest.param(
            {"host": HOST, "products": [WINDOWS_PRODUCT], "office": [M365]},
            ["Microsoft 365 Apps (subscription, not managed by KMS)"], ["no Office"],
            id="microsoft-365-apps",
        ),
        pytest.param(
            {"host": HOST, "products": [WINDOWS_PRODUCT], "office": []},
            ["Windows 11 Education 22631 | no Office installed"], ["Microsoft 365"],
            id="no-office",
        ),
        pytest.param(
            {"host": HOST, "products": [], "office": [MSI]},
            ["no Office product key installed"], ["no Office installed"],
            id="msi-without-key",
        ),
        pytest.param(
            {"failed": True, "msg": "could not read the licensing state: access denied", "host": HOST},
            ["FAILED: could not read the licensing state: access denied"], ["22631"],
            id="failed",
        ),
        pytest.param(
            {"unreachable": True, "msg": "ntlm: the specified credentials were rejected"},
            ["FAILED: ntlm: the specified credentials were rejected"], [],
            id="unreachable",
        ),
        pytest.param(
            {"host": HOST, "products": [KMS_PRODUCT], "kms_reachability": {
                "kms_host": "kms.example.edu", "kms_port": 1688, "reachable": False, "error": "timed out"}},
            ["KMS kms.example.edu:1688 NOT reachable (timed out)"], [" reachable |"],
            id="kms-not-reachable",
        ),
        pytest.param(
            {"host": HOST, "products": [KMS_PRODUCT], "kms_reachability": {
                "kms_host": "192.0.2.10", "kms_port": 1700, "reachable": True, "error": None}},
            ["| KMS 192.0.2.10:1700 reachable"], ["NOT"],
            id="kms-reachable",
        ),
    ],
)
def test_office_kms_summary(result, present, absent):
    line = office_kms_summary(result)
    assert "\n" not in line
    for fragment in present:
        assert fragment in line, line
    for fragment in absent:
        assert fragment not in line, line


def test_filter_is_registered():
    assert FilterModule().filters()["office_kms_summary"] is office_kms_summary


def test_a_refusal_and_an_unanswered_request_say_so():
    refused = dict(KMS_PRODUCT, license_status={"code": 2, "name": "OOBGrace"}, last_kms_exchange={
        "kms_host": "kms-new.example.edu", "answered": True, "activated": False, "hresult": "0xC004F038",
        "error_name": "SL_E_VL_NOT_ENOUGH_COUNT", "kms_count": 3, "required_count": 5})
    line = office_kms_summary({"host": HOST, "products": [refused], "office": [], "kms_reachability": {
        "kms_host": None, "kms_port": None, "reachable": False, "error": "no KMS host is published in DNS"}})
    assert "(refused by kms-new.example.edu: 0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT, count 3 of 5)" in line
    assert line.endswith("KMS from DNS NOT reachable (no KMS host is published in DNS)")
    silent = dict(refused, last_kms_exchange={"kms_host": "kms.example.edu", "answered": False})
    assert "(last KMS request to kms.example.edu unanswered)" in office_kms_summary(
        {"host": HOST, "products": [silent], "office": []})
    assert "refused" not in office_kms_summary({"host": HOST, "products": [dict(refused, license_status={
        "code": 1, "name": "Licensed"})], "office": []})


def test_office_kms_summary_in_traditional_chinese_from_codes():
    refused = {"application": "office", "family": "ProPlus2024Volume", "kms_client": True, "remaining_days": 25,
               "license_status": {"code": 5, "name": "Notification"},
               "last_kms_exchange": {"answered": True, "activated": False, "kms_host": "kms.example.edu",
                                     "hresult": "0xC004F038", "error_name": "SL_E_VL_NOT_ENOUGH_COUNT",
                                     "kms_count": 3, "required_count": 5}}
    line = office_kms_summary({"host": HOST, "products": [refused], "office": []}, language="zh-TW")
    assert "ProPlus2024Volume 通知模式" in line and "剩餘 25 天" in line
    assert "（遭 kms.example.edu 拒絕：0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT，計數 3，需要 5）" in line
    failed = office_kms_summary({"failed": True, "msg": "Failed to inspect pc (step: x): Access denied",
                                 "error_code": "0x80070005"}, language="zh-TW")
    assert failed.startswith("失敗：0x80070005 E_ACCESSDENIED：") and "Access denied" not in failed
    assert office_kms_summary({"host": HOST, "products": [refused], "office": []}) == office_kms_summary(
        {"host": HOST, "products": [refused], "office": []}, language="en")
