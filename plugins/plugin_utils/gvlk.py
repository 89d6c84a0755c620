# Copyright: volume_licensing.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Private to volume_licensing.kms (controller-side code its action plugins share): not a public
# API, and it may change in any release without notice.
"""Microsoft's published KMS client setup keys (GVLKs) for Office, as data.

Copied from "GVLKs for KMS and Active Directory-based activation of Office, Project, and
Visio" (learn.microsoft.com/office/volume-license-activation/gvlks, ms.date 09/18/2024); see
docs/licensing-facts.md §5.1. These keys are public: they make a product a KMS client and
activate nothing by themselves.

Office 2013 and 2010 keys are left out on purpose: no Microsoft-hosted copy of their table
was found (docs/licensing-facts.md §5.1). For those, give product_key explicitly.

Keys are indexed by family, the product's name in the Office Deployment Tool's style
(licensing.parse_office_name): product, year, "Volume".
"""

from __future__ import annotations

import re

GVLKS: dict[str, str] = {
    # Office LTSC 2024
    "ProPlus2024Volume": "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB",
    "Standard2024Volume": "V28N4-JG22K-W66P8-VTMGK-H6HGR",
    "ProjectPro2024Volume": "FQQ23-N4YCY-73HQ3-FM9WC-76HF4",
    "ProjectStd2024Volume": "PD3TT-NTHQQ-VC7CY-MFXK3-G87F8",
    "VisioPro2024Volume": "B7TN8-FJ8V3-7QYCP-HQPMV-YY89G",
    "VisioStd2024Volume": "JMMVY-XFNQC-KK4HK-9H7R3-WQQTV",
    "Access2024Volume": "82FTR-NCHR7-W3944-MGRHM-JMCWD",
    "Excel2024Volume": "F4DYN-89BP2-WQTWJ-GR8YC-CKGJG",
    "Outlook2024Volume": "D2F8D-N3Q3B-J28PV-X27HD-RJWB9",
    "PowerPoint2024Volume": "CW94N-K6GJH-9CTXY-MG2VC-FYCWP",
    "SkypeForBusiness2024Volume": "4NKHF-9HBQF-Q3B6C-7YV34-F64P3",
    "Word2024Volume": "MQ84N-7VYDM-FXV7C-6K7CC-VFW9J",
    # Office LTSC 2021
    "ProPlus2021Volume": "FXYTK-NJJ8C-GB6DW-3DYQT-6F7TH",
    "Standard2021Volume": "KDX7X-BNVR8-TXXGX-4Q7Y8-78VT3",
    "ProjectPro2021Volume": "FTNWT-C6WBT-8HMGF-K9PRX-QV9H8",
    "ProjectStd2021Volume": "J2JDC-NJCYY-9RGQ4-YXWMH-T3D4T",
    "VisioPro2021Volume": "KNH8D-FGHT4-T8RK3-CTDYJ-K2HT4",
    "VisioStd2021Volume": "MJVNY-BYWPY-CWV6J-2RKRT-4M8QG",
    "Access2021Volume": "WM8YG-YNGDD-4JHDC-PG3F4-FC4T4",
    "Excel2021Volume": "NWG3X-87C9K-TC7YY-BC2G7-G6RVC",
    "Outlook2021Volume": "C9FM6-3N72F-HFJXB-TM3V9-T86R9",
    "PowerPoint2021Volume": "TY7XF-NFRBR-KJ44C-G83KF-GX27K",
    "Publisher2021Volume": "2MW9D-N4BXM-9VBPG-Q7W6M-KFBGQ",
    "SkypeForBusiness2021Volume": "HWCXN-K3WBT-WJBKY-R8BD9-XK29P",
    "Word2021Volume": "TN8H9-M34D3-Y64V9-TR72V-X79KV",
    # Office 2019
    "ProPlus2019Volume": "NMMKJ-6RK4F-KMJVX-8D9MJ-6MWKP",
    "Standard2019Volume": "6NWWJ-YQWMR-QKGCB-6TMB3-9D9HK",
    "ProjectPro2019Volume": "B4NPR-3FKK7-T2MBV-FRQ4W-PKD2B",
    "ProjectStd2019Volume": "C4F7P-NCP8C-6CQPT-MQHV9-JXD2M",
    "VisioPro2019Volume": "9BGNQ-K37YR-RQHF2-38RQ3-7VCBB",
    "VisioStd2019Volume": "7TQNQ-K3YQQ-3PFH7-CCPPM-X4VQ2",
    "Access2019Volume": "9N9PT-27V4Y-VJ2PD-YXFMF-YTFQT",
    "Excel2019Volume": "TMJWT-YYNMB-3BKTF-644FC-RVXBD",
    "Outlook2019Volume": "7HD7K-N4PVK-BHBCQ-YWQRW-XW4VK",
    "PowerPoint2019Volume": "RRNCX-C64HY-W2MM7-MCH9G-TJHMQ",
    "Publisher2019Volume": "G2KWX-3NW6P-PY93R-JXK2T-C9Y9V",
    "SkypeForBusiness2019Volume": "NCJ33-JHBBY-HTK98-MYCV8-HMKHJ",
    "Word2019Volume": "PBX3G-NWMT6-Q7XBW-PYJGG-WXD33",
    # Office 2016
    "ProPlus2016Volume": "XQNVK-8JYDB-WJ9W3-YJ8YR-WFG99",
    "Standard2016Volume": "JNRGM-WHDWX-FJJG3-K47QV-DRTFM",
    "ProjectPro2016Volume": "YG9NW-3K39V-2T3HJ-93F3Q-G83KT",
    "ProjectStd2016Volume": "GNFHQ-F6YQM-KQDGJ-327XX-KQBVC",
    "VisioPro2016Volume": "PD3PC-RHNGV-FXJ29-8JK7D-RJRJK",
    "VisioStd2016Volume": "7WHWN-4T7MP-G96JF-G33KR-W8GF4",
    "Access2016Volume": "GNH9Y-D2J4T-FJHGG-QRVH7-QPFDW",
    "Excel2016Volume": "9C2PK-NWTVB-JMPW8-BFT28-7FTBF",
    "OneNote2016Volume": "DR92N-9HTF2-97XKM-XW2WJ-XW3J6",
    "Outlook2016Volume": "R69KK-NTPKF-7M3Q4-QYBHW-6MT9B",
    "PowerPoint2016Volume": "J7MQP-HNJ4Y-WJ7YM-PFYGF-BY6C6",
    "Publisher2016Volume": "F47MM-N3XJP-TQXJ9-BP99D-8K837",
    "SkypeForBusiness2016Volume": "869NQ-FJ69K-466HW-QYCP2-DDBV6",
    "Word2016Volume": "WXY84-JN2Q9-RBCCQ-3Q3J3-3PFJ6",
}

_BY_LOWER = {family.lower(): key for family, key in GVLKS.items()}
_PUBLISHED = frozenset(GVLKS.values())
KEY_FORMAT = re.compile(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$")


def for_family(family: str | None) -> str | None:
    """The published GVLK for a family (case-insensitive), or None."""
    return _BY_LOWER.get((family or "").lower())


def is_published(key: str) -> bool:
    """True for a key Microsoft publishes (safe to show); other keys are secrets."""
    return key.upper() in _PUBLISHED


def last5(key: str) -> str:
    """The last five characters, as Windows reports an installed key (PartialProductKey)."""
    return key.replace("-", "")[-5:].upper()
