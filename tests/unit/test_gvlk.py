"""Unit tests for plugins/plugin_utils/gvlk.py (keys: docs/licensing-facts.md §5.1)."""

from __future__ import annotations

import pytest
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk

# Copied by hand from docs/licensing-facts.md §5.1 (Microsoft's GVLK page, ms.date 09/18/2024).
FACTS_5_1 = [
    ("ProPlus2024Volume", "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"),
    ("VisioPro2024Volume", "B7TN8-FJ8V3-7QYCP-HQPMV-YY89G"),
    ("ProjectStd2024Volume", "PD3TT-NTHQQ-VC7CY-MFXK3-G87F8"),
    ("SkypeForBusiness2024Volume", "4NKHF-9HBQF-Q3B6C-7YV34-F64P3"),
    ("ProPlus2021Volume", "FXYTK-NJJ8C-GB6DW-3DYQT-6F7TH"),
    ("VisioStd2021Volume", "MJVNY-BYWPY-CWV6J-2RKRT-4M8QG"),
    ("ProjectPro2021Volume", "FTNWT-C6WBT-8HMGF-K9PRX-QV9H8"),
    ("Publisher2021Volume", "2MW9D-N4BXM-9VBPG-Q7W6M-KFBGQ"),
    ("Standard2019Volume", "6NWWJ-YQWMR-QKGCB-6TMB3-9D9HK"),
    ("VisioPro2019Volume", "9BGNQ-K37YR-RQHF2-38RQ3-7VCBB"),
    ("ProjectStd2019Volume", "C4F7P-NCP8C-6CQPT-MQHV9-JXD2M"),
    ("ProPlus2016Volume", "XQNVK-8JYDB-WJ9W3-YJ8YR-WFG99"),
    ("VisioStd2016Volume", "7WHWN-4T7MP-G96JF-G33KR-W8GF4"),
    ("ProjectPro2016Volume", "YG9NW-3K39V-2T3HJ-93F3Q-G83KT"),
    ("OneNote2016Volume", "DR92N-9HTF2-97XKM-XW2WJ-XW3J6"),
]


@pytest.mark.parametrize(("family", "key"), FACTS_5_1)
def test_table_matches_facts(family, key):
    assert gvlk.GVLKS[family] == key


@pytest.mark.parametrize("family", ["ProPlus2024Volume", "proplus2024volume", "PROPLUS2024VOLUME", "proPlus2024Volume"])
def test_for_family_is_case_insensitive(family):
    assert gvlk.for_family(family) == "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"


@pytest.mark.parametrize(
    "family", [None, "", "ProPlus2010Volume", "ProPlus2013Volume", "ProPlus2024", "O365ProPlusRetail"]
)
def test_for_family_unknown(family):
    assert gvlk.for_family(family) is None


@pytest.mark.parametrize(("family", "key"), sorted(gvlk.GVLKS.items()))
def test_every_key_has_the_key_format(family, key):
    assert gvlk.KEY_FORMAT.match(key), family


def test_no_duplicate_keys():
    keys = list(gvlk.GVLKS.values())
    assert len(keys) == len(set(keys))


def test_no_office_2010_or_2013_keys():
    assert not [f for f in gvlk.GVLKS if "2010" in f or "2013" in f]


@pytest.mark.parametrize(
    ("key", "last5"),
    [
        ("XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB", "GCVGB"),
        ("xj2xn-fw8rk-p4hmp-dkdbv-gcvgb", "GCVGB"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXY", "UVWXY"),
    ],
)
def test_last5(key, last5):
    assert gvlk.last5(key) == last5


@pytest.mark.parametrize(
    ("key", "published"),
    [
        ("XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB", True),
        ("xj2xn-fw8rk-p4hmp-dkdbv-gcvgb", True),
        ("WXY84-JN2Q9-RBCCQ-3Q3J3-3PFJ6", True),
        ("VYBBJ-TRJPB-QFQRF-QFT4D-H3GVB", False),  # Office 2010: not in the table (no Microsoft source)
        ("ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ", False),
        ("", False),
    ],
)
def test_is_published(key, published):
    assert gvlk.is_published(key) is published
