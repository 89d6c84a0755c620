"""Unit tests for plugins/plugin_utils/hresult.py (names from docs/licensing-facts.md §2.2 and §6)."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import hresult

# docs/licensing-facts.md §6 table and its informational list: (code, slerror.h / winerror.h symbolic name)
FACTS_6 = [
    (0xC004F074, "SL_E_VL_BINDING_SERVICE_UNAVAILABLE"),
    (0xC004F038, "SL_E_VL_NOT_ENOUGH_COUNT"),
    (0xC004F039, "SL_E_VL_BINDING_SERVICE_NOT_ENABLED"),
    (0xC004F041, "SL_E_VL_KEY_MANAGEMENT_SERVICE_NOT_ACTIVATED"),
    (0xC004F042, "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH"),
    (0xC004F06C, "SL_E_VL_INVALID_TIMESTAMP"),
    (0xC004F050, "SL_E_INVALID_PRODUCT_KEY"),
    (0xC004F069, "SL_E_MISMATCHED_PRODUCT_SKU"),
    (0xC004C008, "SL_E_CHPA_MAXIMUM_UNLOCK_EXCEEDED"),
    (0xC004C003, "SL_E_CHPA_PRODUCT_KEY_BLOCKED"),
    (0xC004F015, "SL_E_PRODUCT_SKU_NOT_INSTALLED"),
    (0xC004E015, "SL_E_EUL_CONSUMPTION_FAILED"),
    (0xC004F056, "SL_E_VL_MACHINE_NOT_BOUND"),
    (0xC004F014, "SL_E_PKEY_NOT_INSTALLED"),
    (0xC004F025, "SL_E_LUA_ACCESSDENIED"),
    (0x8007232B, "DNS_ERROR_RCODE_NAME_ERROR"),
    (0x8007232A, "DNS_ERROR_RCODE_SERVER_FAILURE"),
    (0x8007251D, "DNS_INFO_NO_RECORDS"),
    (0x8007007B, "ERROR_INVALID_NAME"),
    (0x80070005, "E_ACCESSDENIED"),
    (0x800706BA, "RPC_S_SERVER_UNAVAILABLE"),
    (0xC004F009, "SL_E_GRACE_TIME_EXPIRED"),
    (0xC004F00F, "SL_E_OUT_OF_TOLERANCE"),
    (0x4004F00C, "SL_I_OOB_GRACE_PERIOD"),
    (0x4004F00D, "SL_I_OOT_GRACE_PERIOD"),
    (0x4004F040, "SL_E_VL_INFO_PRODUCT_USER_RIGHT"),
    (0x4004F065, "SL_I_NONGENUINE_GRACE_PERIOD"),
]


def _signed(code: int) -> int:
    return code - 2**32 if code >= 2**31 else code


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0xC004F074, "0xC004F074"),
        (-1073418124, "0xC004F074"),
        (_signed(0x80070005), "0x80070005"),
        (0x4004F040, "0x4004F040"),
        (0, "0x00000000"),
        (None, None),
    ],
)
def test_to_hex(code, text):
    assert hresult.to_hex(code) == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0xc004f074", 0xC004F074),
        ("0XC004F074", 0xC004F074),
        ("0x4004F040", 0x4004F040),
        ("3221549172", 0xC004F074),
        ("-1073418124", 0xC004F074),
    ],
)
def test_from_hex(text, code):
    assert hresult.from_hex(text) == code


@pytest.mark.parametrize(("code", "name"), FACTS_6, ids=[hex(c) for c, _unused in FACTS_6])
def test_lookup_facts_table(code, name):
    for given in (code, _signed(code)):
        entry = hresult.lookup(given)
        assert entry is not None, hex(code)
        assert entry.name == name
        assert entry.meaning and entry.hint
    assert hresult.describe(_signed(code)) == {
        "error_code": "0x%08X" % code,
        "error_name": name,
        "error_hint": hresult.HRESULTS[code].hint,
    }


def test_describe_none():
    assert hresult.describe(None) == {"error_code": None, "error_name": None, "error_hint": None}
    assert hresult.lookup(None) is None


@pytest.mark.parametrize("code", [0x80004005, 0xC004F0FF, 0, _signed(0x80004005)])
def test_describe_unknown(code):
    assert hresult.lookup(code) is None
    expected = {"error_code": "0x%08X" % (code & 0xFFFFFFFF), "error_name": None, "error_hint": None}
    assert hresult.describe(code) == expected
