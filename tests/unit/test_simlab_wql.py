"""The simulated lab's WQL subset (tests/simlab/wql.py): operators, NULL, quoting, precedence,
and WBEM_E_INVALID_QUERY (0x80041017, docs/licensing-facts.md §10.1) for anything else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simlab import wql

PROPERTIES = {"ID": "string", "Name": "string", "LicenseStatus": "uint32", "PartialProductKey": "string",
              "LicenseIsAddon": "boolean", "KeyManagementServicePort": "uint32"}
PRODUCT = {"ID": "8d368fc1-9470-4be2-8d66-90e836cbb051",
           "Name": "Office 24, Office24ProPlus2024VL_KMS_Client_AE edition",
           "LicenseStatus": 1, "PartialProductKey": "GCVGB", "LicenseIsAddon": False, "KeyManagementServicePort": 0}
NO_KEY = dict(PRODUCT, PartialProductKey=None, LicenseStatus=0)


def holds(condition: str, instance: dict[str, Any] | None = None) -> bool:
    return wql.matches(wql.parse(condition, PROPERTIES), PRODUCT if instance is None else instance)


@pytest.mark.parametrize(("condition", "expected"), [
    ("LicenseStatus = 1", True),
    ("LicenseStatus <> 1", False),
    ("LicenseStatus != 0", True),
    ("LicenseStatus < 2", True),
    ("LicenseStatus > 1", False),
    ("LicenseStatus <= 1", True),
    ("LicenseStatus >= 2", False),
    ("LicenseStatus = 0x1", True),
    ("KeyManagementServicePort = 0", True),
    ("LicenseIsAddon = FALSE", True),
    ("LicenseIsAddon = TRUE", False),
    ("2 > LicenseStatus", True),  # a constant on the left
])
def test_comparison_operators(condition: str, expected: bool) -> None:
    assert holds(condition) is expected


def test_strings_compare_without_case_and_names_are_case_insensitive() -> None:
    assert holds("id = '8D368FC1-9470-4BE2-8D66-90E836CBB051'")
    assert holds('partialproductkey = "gcvgb"')
    assert holds("NAME <> 'x' and licensestatus = 1 Or not LicenseIsAddon = false")


def test_quoting_and_backslash_escapes() -> None:
    instance = dict(PRODUCT, Name="it's C:\\Office \"16\"")
    assert holds("Name = 'it\\'s C:\\\\Office \"16\"'", instance)
    assert holds('Name = "it\'s C:\\\\Office \\"16\\""', instance)


@pytest.mark.parametrize(("condition", "with_key", "without_key"), [
    ("PartialProductKey IS NULL", False, True),
    ("PartialProductKey IS NOT NULL", True, False),
    ("PartialProductKey = NULL", False, True),
    ("PartialProductKey <> NULL", True, False),
    # A comparison with a NULL value is never true (SQL's unknown), in either direction.
    ("PartialProductKey <> 'XXXXX'", True, False),
    ("NOT PartialProductKey = 'XXXXX'", True, True),
])
def test_null(condition: str, with_key: bool, without_key: bool) -> None:
    assert holds(condition, PRODUCT) is with_key
    assert holds(condition, NO_KEY) is without_key


def test_precedence_not_then_and_then_or() -> None:
    # AND binds tighter than OR: false AND false OR true -> true
    assert holds("LicenseStatus = 5 AND LicenseStatus = 6 OR LicenseStatus = 1")
    # parentheses change it: false AND (false OR true) -> false
    assert not holds("LicenseStatus = 5 AND (LicenseStatus = 6 OR LicenseStatus = 1)")
    # NOT binds tightest: (NOT true) OR true -> true
    assert holds("NOT LicenseStatus = 1 OR LicenseStatus = 1")
    assert not holds("NOT (LicenseStatus = 1 OR LicenseStatus = 2)")
    assert holds("ID = '8d368fc1-9470-4be2-8d66-90e836cbb051' AND PartialProductKey <> NULL")


@pytest.mark.parametrize("condition", [
    "LicenseState = 1",               # a property the class lacks
    "Foo IS NULL",
    "LicenseStatus = 'one'",          # a constant that is not of the property's type
    "LicenseIsAddon = 'maybe'",
    "LicenseStatus =",                # syntax errors
    "LicenseStatus 1",
    "= 1",
    "(LicenseStatus = 1",
    "LicenseStatus = 1)",
    "LicenseStatus = 1 AND",
    "ID = 'unterminated",
    "LicenseStatus < NULL",
    "PartialProductKey IS 5",
    "ID LIKE 'x%'",                   # outside the subset
    "",
    "LicenseStatus = 1; DROP",
])
def test_invalid_query(condition: str) -> None:
    with pytest.raises(wql.WqlError) as caught:
        wql.parse(condition, PROPERTIES)
    assert caught.value.hresult == 0x80041017


def test_select_text_for_the_log() -> None:
    assert wql.select_text("SoftwareLicensingProduct", ["ID", "Name"], "LicenseStatus = 1") == \
        "SELECT ID,Name FROM SoftwareLicensingProduct WHERE LicenseStatus = 1"
    assert wql.select_text("Win32_Service", ["Name"], None) == "SELECT Name FROM Win32_Service"
