"""Products as the inspect and apply scripts print them (CIM property names), for unit tests."""

from __future__ import annotations

from ansible_collections.volume_licensing.kms.plugins.module_utils import licensing

GVLK_2024 = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"
SECRET = "ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ"  # not a published key: must never be shown
HOST = "kms.example.org"
KMS_SKU = "8d368fc1-9470-4be2-8d66-90e836cbb051"
MAK_SKU = "11111111-2222-3333-4444-555555555555"
VISIO_SKU = "5b5cf08f-b81a-431d-b080-3450d8620565"


def raw_product(name, description, sku, *, app=licensing.OFFICE_APP_ID, key="GCVGB", status=1, days=179,
                host=None, port=None):
    """One raw product; ``days`` None means no grace period (GracePeriodRemaining 0)."""
    return {
        "ID": sku, "Name": name, "Description": description, "ApplicationID": app,
        "PartialProductKey": key, "LicenseStatus": status, "LicenseStatusReason": 0,
        "GracePeriodRemaining": days * 1440 if days is not None else 0,
        "KeyManagementServiceMachine": host or "", "KeyManagementServicePort": port or 0,
        "DiscoveredKeyManagementServiceMachineName": "", "DiscoveredKeyManagementServiceMachinePort": 0,
    }
