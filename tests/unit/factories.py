"""Products as the executor reports them (CIM property names), and Results as hostops.run()
returns them, for unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import licensing
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import Operation, Result, Results

EXECUTOR_FILE = Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "kms_executor.ps1"
GVLK_2024 = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"
SECRET = "ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ"  # not a published key: must never be shown
HOST = "kms.example.org"
KMS_SKU = "8d368fc1-9470-4be2-8d66-90e836cbb051"
MAK_SKU = "11111111-2222-3333-4444-555555555555"
VISIO_SKU = "5b5cf08f-b81a-431d-b080-3450d8620565"
O14_SKU = "6f327760-8c5c-417c-9b61-836a98287e0c"

KMS_2024 = ("Office 24, Office24ProPlus2024VL_KMS_Client_AE edition", "Office 24, VOLUME_KMSCLIENT channel", KMS_SKU)
MAK_2024 = ("Office 24, Office24ProPlus2024VL_MAK_AE edition", "Office 24, RETAIL(MAK) channel", MAK_SKU)
VISIO_2019 = ("Office 19, Office19VisioPro2019VL_KMS_Client_AE edition", "Office 19, VOLUME_KMSCLIENT channel",
              VISIO_SKU)
KMS_2010 = ("Office 14, OfficeProPlus-KMS_Client edition", "Office 14, VOLUME_KMSCLIENT channel", O14_SKU)


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


def ospp_raw_product(name, description, sku, **kw):
    """An osppsvc product (Office 2010): its own ApplicationID."""
    kw.setdefault("app", licensing.OFFICE14_APP_ID)
    kw.setdefault("key", "H3GVB")
    return raw_product(name, description, sku, **kw)


def ok(op_id: str, op: str = "cim_query", **data: Any) -> Result:
    return Result(op_id, op, "ok", data)


def error(op_id: str, code: int | None, message: str | None = "failed", op: str = "cim_invoke",
          **data: Any) -> Result:
    return Result(op_id, op, "error", data, code, message)


def skipped(op_id: str, op: str = "cim_invoke") -> Result:
    return Result(op_id, op, "skipped")


def results(*entries: Result) -> Results:
    found = Results()
    for entry in entries:
        found[entry.id] = entry
    return found


def answer(program: list[Operation], data: dict[str, dict[str, Any]] | None = None,
           errors: dict[str, tuple[int | None, str | None]] | None = None) -> Results:
    """The Results a host following docs/host-operations.md gives for ``program``: the
    operations named in ``errors`` fail with (hresult, message), later operations of the same
    group are skipped, everything after a failed ``on_error: stop`` operation is skipped; the
    others succeed with ``data`` (by operation id; cim_invoke gets return_value 0)."""
    data, errors = data or {}, errors or {}
    found = Results()
    failed_groups: set[str] = set()
    stopped = False
    for op in program:
        if stopped or op.get("group") in failed_groups:
            found[op["id"]] = Result(op["id"], op["op"], "skipped")
            continue
        if op["id"] in errors:
            code, message = errors[op["id"]]
            found[op["id"]] = Result(op["id"], op["op"], "error", dict(data.get(op["id"], {})), code, message)
            if op.get("group"):
                failed_groups.add(op["group"])
            stopped = stopped or op.get("on_error") == "stop"
            continue
        default = {"return_value": 0} if op["op"] == "cim_invoke" else {}
        found[op["id"]] = Result(op["id"], op["op"], "ok", dict(data.get(op["id"], default)))
    return found


def executor_code() -> str:
    """The executor file's code lines in order, without indentation, blank or comment lines:
    what may become a script block on the host, and nothing else."""
    lines = [line.strip() for line in EXECUTOR_FILE.read_text(encoding="utf-8").splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("#"))
