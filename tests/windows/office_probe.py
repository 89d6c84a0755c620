"""Office LTSC 2024 on a real Windows runner, through our executor over WinRM.

.github/workflows/windows.yml (job office) runs this on GitHub's hosted Windows runners after
installing Office LTSC 2024 Professional Plus (volume licence, KMS client key) with the
Office Deployment Tool. Each command writes OUT/<command>.json with what it saw, prints it,
and exits 1 when Windows did not answer as expected (licensing facts: docs/licensing-facts.md,
by section). Programs are built with the collection's own Python
(inspection, apply, hostops) and sent with --winrm as Ansible's winrm plugin sends them
(winrm_call.py), else run as a local process.

    python -m tests.windows.office_probe wait-office OUT [--winrm] [--deadline 900]
        polls the read program until a ProPlus2024Volume KMS client product is in
        SoftwareLicensingProduct (docs/licensing-facts.md §1.1: Office 2013+ on Windows 8+ lives in the SPP).
    python -m tests.windows.office_probe modules OUT [--winrm]
        the modules' phases (kms_action.manage, what KmsAction.run calls): office_kms_info,
        office_kms state=configured then absent (each twice: changed, then ok in one call),
        windows_kms in check mode (reads, plans, writes nothing).
    python -m tests.windows.office_probe writes OUT [--winrm]
        per-product set / read back / clear of the Office product's KMS host and port; one
        Activate against 192.0.2.1:1688 (TEST-NET, never answers: 0xC004F074); the KMS host
        set on the SERVICE only, then the service and both products read
        (docs/licensing-facts.md §11.1) and the service's values put back; the
        SoftwareProtectionPlatform registry key after each write (docs/licensing-facts.md §1.5,
        §1.6).
    python -m tests.windows.office_probe kms-host OUT [--winrm]
        what a runner that is no KMS host shows of the KMS host members (docs/licensing-facts.md
        §12.1, §12.2, UNCONFIRMED there): kms_host_info's read; each host setting method called
        with Windows' default value (SetVLActivationInterval 120, SetVLRenewalInterval 10080,
        DisableKeyManagementServiceDnsPublishing false, EnableKeyManagementServiceLowPriority
        false), recording its result and the SoftwareProtectionPlatform key before and after
        (recorded, not expected); then kms_host's registry_write of DnsDomainPublishList set,
        read back and removed, as kms_host writes it (expected exactly).
    python -m tests.windows.office_probe logging OUT [--winrm]
        with PowerShell module logging (4103) and script block logging (4104) on
        (docs/licensing-facts.md §11.4), sends a program installing a made-up key, and fails if the
        key or the program appears in any 4103/4104 event since; OUT/powershell-events.json holds
        the events.
    python -m tests.windows.office_probe costs OUT [--winrm]
        what this PC spends, for the lab's cost settings (benchmarks/README.md): the round trip
        of a WinRM command running one trivial operation (PowerShell's start, the transport),
        and the milliseconds the executor measured for each CIM query of the read, by class.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import (
    apply,
    host_inspection,
    hostops,
    hresult,
    inspection,
    kms_action,
    options,
)
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.hostops import CallError, cim_invoke, cim_query

Execute = Callable[..., dict[str, Any]]
HERE = Path(__file__).resolve().parent
FAMILY = "ProPlus2024Volume"
KMS_HOST_SET = "kms.invalid.example"  # never resolves (RFC 2606): set, read back, cleared; never contacted
SERVICE_HOST_SET = "kms-service.invalid.example"
SERVICE_PORT_SET = 1699  # unlike any default, to tell the service's value apart
UNREACHABLE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): nothing answers, so Activate fails with 0xC004F074
# Made up, and not even of the product key alphabet (no A, E, I, O, S, 0): Windows refuses it.
FAKE_KEY = "KMSCI-PROBE-NOTAK-EYAAA-00000"
SPP_KEY = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform"
POLICIES = r"SOFTWARE\Policies\Microsoft\Windows\PowerShell"
# about_Logging_Windows: module logging for every module (4103), script block logging (4104).
LOGGING_POLICY = (
    (POLICIES + r"\ModuleLogging", "EnableModuleLogging", "dword", 1),
    (POLICIES + r"\ModuleLogging\ModuleNames", "*", "string", "*"),
    (POLICIES + r"\ScriptBlockLogging", "EnableScriptBlockLogging", "dword", 1),
)
SERVICE_KMS = ("KeyManagementServiceMachine", "KeyManagementServicePort", "KeyManagementServiceLookupDomain")
PRODUCT_KMS = ("ID", "Name", *SERVICE_KMS, "DiscoveredKeyManagementServiceMachineName")
_PRODUCT_KEY = re.compile(r"\b(?:[A-Z0-9]{5}-){4}([A-Z0-9]{5})\b", re.IGNORECASE)
POLL_SECONDS = 5.0  # between two looks at a condition that has a deadline


# -- sending ----------------------------------------------------------------------------------
def local_execute(command: str, in_data: bytes | None = None, sudoable: bool = False) -> dict[str, Any]:
    """The bootstrap as a local process on this machine (no WinRM)."""
    proc = subprocess.run(command.split(" "), input=in_data, capture_output=True, timeout=900, check=False)
    return {"rc": proc.returncode, "stdout": proc.stdout.decode("utf-8", errors="replace"),
            "stderr": hostops.clixml_text(proc.stderr.decode("utf-8", errors="replace"))}


def summary(results: hostops.Results) -> dict[str, Any]:
    """Each operation's status, HRESULT (with its name) and data, for the record."""
    def described(code: int | None) -> str | None:
        return None if code is None else "%s %s" % (hresult.to_hex(code), hresult.describe(code)["error_name"])
    return {op_id: {"status": r.status, "hresult": described(r.hresult), "message": r.message, "data": r.data}
            for op_id, r in results.items()}


def until(condition: Callable[[], Any], deadline_s: float, what: str) -> Any:
    """``condition()`` until it returns something true, or TimeoutError after ``deadline_s``."""
    end = time.monotonic() + deadline_s
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > end:
            raise TimeoutError("%s: not within %d s" % (what, deadline_s))
        time.sleep(POLL_SECONDS)


# -- what the collection reads -----------------------------------------------------------------
def read_products(execute: Execute, include_windows: bool = True) -> list[dict[str, Any]]:
    applications = ("office", "windows") if include_windows else ("office",)
    facts = inspection.inspect_host(execute, applications, None, 1688, 5.0, lookup_dns=False, test_dns=False)
    return facts["products"]


def office_product(products: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((p for p in products if p["application"] == "office" and p["family"] == FAMILY
                 and p["kms_client"] and p["partial_key"]), None)


def windows_product(products: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((p for p in products if p["application"] == "windows" and p["partial_key"]), None)


def kms_values(execute: Execute, sku_ids: list[str]) -> dict[str, Any]:
    """The service's KMS host, port and lookup domain and each product's
    (docs/licensing-facts.md §1.3, §1.5); the lookup domain is dropped where this Windows lacks it
    (the result's "dropped" says so)."""
    where = " OR ".join(apply.by_id(s) for s in sku_ids)
    results = hostops.run(execute, [
        cim_query("service", inspection.SPP_SERVICE, SERVICE_KMS,
                  optional_properties=["KeyManagementServiceLookupDomain"]),
        cim_query("products", inspection.SPP_PRODUCT, PRODUCT_KMS, where,
                  optional_properties=["KeyManagementServiceLookupDomain"]),
    ], "read the KMS settings")
    inspection.first_error(results, ["service", "products"])
    return {"service": (results.instances("service") or [{}])[0],
            "products": {str(i.get("ID")).lower(): i for i in results.instances("products")},
            "dropped": {k: results.data(k).get("dropped") for k in ("service", "products")}}


# -- the modules' phases (plugins/action/*.py run(), without the connection plugin) ----------
def module_args(module: str, given: dict[str, Any]) -> dict[str, Any]:
    """The task's arguments with the spec's defaults, as validate_argument_spec gives them."""
    args = {name: spec.get("default") for name, spec in options.SPECS[module].items()}
    args.update(given)
    return args


def office_kms_info(execute: Execute, **given: Any) -> dict[str, Any]:
    args = options.office_kms_info(module_args("office_kms_info", given), given=given)
    facts = inspection.inspect_host(execute, args["applications"], args["kms_host"], args["kms_port"],
                                    args["connect_timeout"])
    return {"changed": False, "remote_calls": 1, **facts}


def converge(module: str, execute: Execute, check_mode: bool = False, **given: Any) -> dict[str, Any]:
    """office_kms or windows_kms: options -> inspect -> plan -> apply -> outcome, as KmsAction.run
    does (kms_action.manage) after its options phase."""
    desired = getattr(options, module)(module_args(module, given), given=given)
    result = {"changed": False, "remote_calls": 1, **options.used(desired)}
    return kms_action.manage(execute, "runner", desired, result, check_mode=check_mode, diff=False)


def family_host(result: dict[str, Any], family: str = FAMILY) -> tuple[bool, Any]:
    """(found, kms_host) of the product of ``family`` in a module's result."""
    for product in result.get("products") or []:
        if product.get("family") == family:
            return True, product.get("kms_host")
    return False, None


def modules(execute: Execute) -> tuple[dict[str, Any], list[str]]:
    record: dict[str, Any] = {}
    problems: list[str] = []

    def expect(name: str, result: dict[str, Any], changed: bool | None, calls: int | None, host: Any = ...) -> None:
        record[name] = result
        if result.get("failed"):
            problems.append("%s failed: %s" % (name, result.get("msg")))
            return
        if changed is not None and bool(result.get("changed")) is not changed:
            problems.append("%s: changed %s, expected %s" % (name, result.get("changed"), changed))
        if calls is not None and result.get("remote_calls") != calls:
            problems.append("%s: %s remote calls, expected %s" % (name, result.get("remote_calls"), calls))
        if host is not ...:
            found, kms_host = family_host(result)
            if not found or kms_host != host:
                problems.append("%s: %s kms_host %r, expected %r"
                                % (name, FAMILY, kms_host if found else "absent", host))

    info = office_kms_info(execute, include_windows=True)
    expect("office_kms_info", info, False, 1)
    if not family_host(info)[0]:
        problems.append("office_kms_info: no %s product" % FAMILY)
    windows_before = windows_product(info.get("products") or [])
    configured = {"kms_host": KMS_HOST_SET, "state": "configured", "products": [FAMILY]}
    expect("office_kms configured", converge("office_kms", execute, **configured), True, 2, KMS_HOST_SET)
    expect("office_kms configured again", converge("office_kms", execute, **configured), False, 1, KMS_HOST_SET)
    absent = {"state": "absent", "products": [FAMILY]}
    expect("office_kms absent", converge("office_kms", execute, **absent), True, 2, None)
    expect("office_kms absent again", converge("office_kms", execute, **absent), False, 1, None)
    # windows_kms in check mode: plans, sends no write; the Windows product's host is unchanged.
    expect("windows_kms check mode", converge("windows_kms", execute, check_mode=True, kms_host=KMS_HOST_SET,
                                              state="configured"), None, 1)
    windows_after = windows_product(read_products(execute))
    if windows_before and windows_after and windows_before["kms_host"] != windows_after["kms_host"]:
        problems.append("windows_kms in check mode changed the Windows product's KMS host: %r -> %r"
                        % (windows_before["kms_host"], windows_after["kms_host"]))
    return record, problems


# -- the writes, one program each, with what Windows shows after -----------------------------
def steps(product: dict[str, Any], *pairs: tuple[str, Any]) -> list[hostops.Operation]:
    ops = apply.step_operations(product, [{"action": a, "value": v} for a, v in pairs])
    return ops + [cim_query("after", product["license_class"], PRODUCT_KMS, apply.by_id(product["sku_id"]),
                            optional_properties=["KeyManagementServiceLookupDomain"])]


def after(results: hostops.Results) -> dict[str, Any]:
    return (results.instances("after") or [{}])[0]


def service_call(op_id: str, method: str, *arguments: tuple[str, str, Any]) -> hostops.Operation:
    """A method of the service (slmgr /skms without an Activation ID, docs/licensing-facts.md §11.1)."""
    return cim_invoke(op_id, inspection.SPP_SERVICE, method, arguments=list(arguments))


def restore_service(before: dict[str, Any]) -> list[hostops.Operation]:
    """The service's KMS host and port as they were (set again, or cleared if there were none)."""
    host, port = before.get("KeyManagementServiceMachine"), before.get("KeyManagementServicePort")
    return [service_call("restore_host", "SetKeyManagementServiceMachine", ("MachineName", "string", host))
            if host else service_call("restore_host", "ClearKeyManagementServiceMachine"),
            service_call("restore_port", "SetKeyManagementServicePort", ("PortNumber", "uint32", int(port)))
            if port else service_call("restore_port", "ClearKeyManagementServicePort")]


def writes(execute: Execute, registry: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    products = read_products(execute)
    office, windows = office_product(products), windows_product(products)
    record: dict[str, Any] = {"office_product": office, "windows_product": windows, "registry": {}}
    if office is None:
        return record, ["no %s KMS client product in SoftwareLicensingProduct" % FAMILY]
    skus = [office["sku_id"]] + ([windows["sku_id"]] if windows else [])
    record["registry"]["before"] = registry()
    record["kms_before"] = kms_values(execute, skus)

    def run(name: str, program: list[hostops.Operation]) -> hostops.Results:
        results = hostops.run(execute, program, name)
        record[name] = summary(results)
        return results

    def expect_host(name: str, results: hostops.Results, host: Any, port: Any) -> None:
        got = after(results)
        if (got.get("KeyManagementServiceMachine"), got.get("KeyManagementServicePort")) != (host, port):
            problems.append("%s: read back %r:%r, expected %r:%r" % (
                name, got.get("KeyManagementServiceMachine"), got.get("KeyManagementServicePort"), host, port))

    # Per product (ospp.vbs /sethst on Windows 8+, docs/licensing-facts.md §1.6): set, read back, clear.
    try:
        expect_host("per-product set", run("per_product_set", steps(office, ("set_host", KMS_HOST_SET),
                                                                    ("set_port", 1688))), KMS_HOST_SET, 1688)
        record["registry"]["after_per_product_set"] = registry()
        record["kms_after_per_product_set"] = kms_values(execute, skus)
        # Activate against a KMS host that never answers: 0xC004F074 (docs/licensing-facts.md §6).
        program = steps(office, ("set_host", UNREACHABLE), ("set_port", 1688), ("activate", None))
        [activate_id] = [op["id"] for op in program if op.get("method") == "Activate"]
        code = run("activate", program)[activate_id].hresult
        if code != 0xC004F074:
            problems.append("Activate against %s:1688: expected 0xC004F074 (%s), got %s" % (
                UNREACHABLE, hresult.describe(0xC004F074)["error_name"], hresult.to_hex(code) if code else "none"))
    finally:
        expect_host("per-product clear", run("per_product_clear", steps(office, ("clear_host", None),
                                                                        ("clear_port", None))), None, 0)
        record["registry"]["after_per_product_clear"] = registry()

    # Service-wide only (slmgr /skms without an Activation ID): do the products' properties show
    # it? (docs/licensing-facts.md §11.1, UNCONFIRMED: recorded, not expected.) Then the service is put back.
    service_before = record["kms_before"]["service"]
    try:
        run("service_set", [service_call("set_host", "SetKeyManagementServiceMachine",
                                         ("MachineName", "string", SERVICE_HOST_SET)),
                            service_call("set_port", "SetKeyManagementServicePort",
                                         ("PortNumber", "uint32", SERVICE_PORT_SET))])
        record["kms_after_service_set"] = seen = kms_values(execute, skus)
        record["registry"]["after_service_set"] = registry()
        got = (seen["service"].get("KeyManagementServiceMachine"), seen["service"].get("KeyManagementServicePort"))
        if got != (SERVICE_HOST_SET, SERVICE_PORT_SET):
            problems.append("service-wide set: service read back %r:%r" % got)
        record["fact_11_1"] = {sku: {k: p.get(k) for k in SERVICE_KMS} for sku, p in seen["products"].items()}
    finally:
        run("service_restore", restore_service(service_before))
        record["kms_after_service_restore"] = restored = kms_values(execute, skus)
        record["registry"]["after_service_restore"] = registry()
        for name in ("KeyManagementServiceMachine", "KeyManagementServicePort"):
            if restored["service"].get(name) != service_before.get(name):
                problems.append("service %s not put back: %r, was %r" % (
                    name, restored["service"].get(name), service_before.get(name)))
    return record, problems


# -- a KMS host's members on a machine that is no KMS host (docs/licensing-facts.md §12) ----------
# Each host setting with Windows' default (docs/licensing-facts.md §12.1, §2.3), so that whatever a
# call writes on a machine that is no KMS host leaves it as it was.
HOST_DEFAULTS = (("SetVLActivationInterval", "ActivationInterval", "uint32", 120),
                 ("SetVLRenewalInterval", "RenewalInterval", "uint32", 10080),
                 ("DisableKeyManagementServiceDnsPublishing", "DisablePublishing", "boolean", False),
                 ("EnableKeyManagementServiceLowPriority", "EnableLowPriority", "boolean", False))
# Made up under .invalid (RFC 2606): written, read back and removed, never published.
PUBLISH_PROBE = ["probe.invalid", "probe-2.invalid, 10, 20"]


def kms_host_probe(execute: Execute, registry: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    record: dict[str, Any] = {"kms_host_info": host_inspection.inspect(execute), "methods": {}}
    if record["kms_host_info"]["is_kms_host"]:
        return record, ["this machine is a KMS host: the probe is for one that is not"]
    for method, parameter, kind, value in HOST_DEFAULTS:
        before = registry()
        results = hostops.run(execute, [service_call("call", method, (parameter, kind, value))], method)
        record["methods"][method] = {"argument": value, "result": summary(results)["call"], "registry_before": before,
                                     "registry_after": registry()}
    key, name = host_inspection.SPP_KEY, host_inspection.PUBLISH_LIST
    program = [hostops.registry_write("set", key, name, PUBLISH_PROBE), hostops.registry_read("read", key, [name]),
               hostops.registry_write("remove", key, name, None), hostops.registry_read("gone", key, [name]),
               hostops.registry_write("remove-again", key, name, None)]
    results = hostops.run(execute, program, "DnsDomainPublishList")
    record["publish_list"] = summary(results)
    expected = {"set": PUBLISH_PROBE, "read": PUBLISH_PROBE, "remove": None, "gone": None, "remove-again": None}
    for op_id, value in expected.items():
        got = results[op_id].data.get("values", {}).get(name) if results[op_id].ok else "error"
        if got != value:
            problems.append("DnsDomainPublishList %s: %r, expected %r" % (op_id, got, value))
    again = host_inspection.inspect(execute)
    if again["dns_publishing_domains"] != record["kms_host_info"]["dns_publishing_domains"]:
        problems.append("the publishing domains read %r after the probe, %r before" % (
            again["dns_publishing_domains"], record["kms_host_info"]["dns_publishing_domains"]))
    return record, problems


# -- PowerShell logging (docs/licensing-facts.md §11.4) --------------------------------------------
def leak_markers(program: list[hostops.Operation], key: str) -> dict[str, str]:
    """What must never appear in a PowerShell log: the key (as typed, and without dashes), the
    program as it travels (base64), and the part of that base64 that encodes the key (what a
    log that cuts a long value short would still show)."""
    encoded = hostops.encode_program(program)
    raw = base64.b64decode(encoded)
    start = raw.index(key.encode("ascii"))
    first, last = -(-start // 3), (start + len(key)) // 3  # whole base64 groups inside the key
    return {"key": key, "key without dashes": key.replace("-", ""), "program (base64)": encoded,
            "the key inside the program (base64)": encoded[first * 4:last * 4]}


def leaks(events: list[dict[str, Any]], markers: dict[str, str]) -> list[str]:
    found = []
    for event in events:
        text = "\n".join([str(event.get("message") or "")] + [str(d) for d in hostops.as_list(event.get("data"))])
        for name, marker in markers.items():
            hit = marker.upper() in text.upper() if name.startswith("key") else marker in text
            if hit:
                found.append("event %s (record %s, %s) shows %s"
                             % (event.get("id"), event.get("record_id"), event.get("time_created"), name))
    return found


def logging_probe(execute: Execute, read_events: Callable[[datetime], list[dict[str, Any]]],
                  policy: Callable[[], contextlib.AbstractContextManager[Any]],
                  deadline_s: float = 120) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    program = [service_call("install_made_up_key", "InstallProductKey", ("ProductKey", "string", FAKE_KEY))]
    markers = leak_markers(program, FAKE_KEY)
    problems = []
    since = datetime.now(timezone.utc) - timedelta(seconds=2)
    with policy():
        results = hostops.run(execute, program, "install a made-up key")

        def logged() -> list[dict[str, Any]] | None:
            # The run is in the log once its Invoke-CimMethod is (4103, module CimCmdlets).
            found = read_events(since)
            return found if any(e.get("id") == 4103 and "Invoke-CimMethod" in json.dumps(e) for e in found) else None

        try:
            events = until(logged, deadline_s, "a 4103 event for the executor's Invoke-CimMethod")
        except TimeoutError as exc:
            events = read_events(since)
            problems.append("module logging recorded nothing of the executor, so the check saw nothing: %s" % exc)
    record = {"result": summary(results), "since": since.isoformat(), "events": len(events),
              "by_id": {str(i): sum(1 for e in events if e.get("id") == i) for i in (4103, 4104)},
              "markers_searched": sorted(markers)}
    if results["install_made_up_key"].ok:
        problems.append("InstallProductKey accepted the made-up key %s" % FAKE_KEY)
    problems += leaks(events, markers)
    return record, problems, events


# -- Windows-only helpers ----------------------------------------------------------------------
def registry_tree(path: str = SPP_KEY) -> dict[str, Any]:
    """HKLM\\<path> and its subkeys (e.g. <AppID>\\<SkuID>, docs/licensing-facts.md §1.5): values
    with their types; anything shaped like a product key shown by its last five characters only,
    binary data by its length."""
    import winreg  # noqa: PLC0415 - Windows only

    kinds = {winreg.REG_SZ: "REG_SZ", winreg.REG_EXPAND_SZ: "REG_EXPAND_SZ", winreg.REG_BINARY: "REG_BINARY",
             winreg.REG_DWORD: "REG_DWORD", winreg.REG_MULTI_SZ: "REG_MULTI_SZ", winreg.REG_QWORD: "REG_QWORD"}

    def shown(data: Any, kind: int) -> Any:
        if isinstance(data, bytes):
            return "<%d bytes>" % len(data)
        if isinstance(data, str):
            return redact(data)
        if isinstance(data, list):
            return [redact(str(d)) for d in data]
        return data

    def walk(sub: str) -> dict[str, Any]:
        try:
            key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, sub, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)
        except OSError as exc:
            return {"error": str(exc)}
        with key:
            subkeys, values = winreg.QueryInfoKey(key)[:2]
            node: dict[str, Any] = {"values": {}, "subkeys": {}}
            for i in range(values):
                name, data, kind = winreg.EnumValue(key, i)
                node["values"][name] = {"type": kinds.get(kind, kind), "value": shown(data, kind)}
            for name in [winreg.EnumKey(key, i) for i in range(subkeys)]:
                node["subkeys"][name] = walk(sub + "\\" + name)
        return node

    return walk(path)


def redact(text: str) -> str:
    return _PRODUCT_KEY.sub(lambda m: "XXXXX-XXXXX-XXXXX-XXXXX-" + m.group(1), text)


@contextlib.contextmanager
def logging_policy() -> Iterator[None]:
    """LOGGING_POLICY set in HKLM for the block's duration, then put back as it was. New
    PowerShell processes read it when they start: no gpupdate needed."""
    import winreg  # noqa: PLC0415 - Windows only

    access = winreg.KEY_ALL_ACCESS | winreg.KEY_WOW64_64KEY
    kinds = {"dword": winreg.REG_DWORD, "string": winreg.REG_SZ}

    def exists(path: str) -> bool:
        try:
            winreg.CloseKey(winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path, 0, access))
        except OSError:
            return False
        return True

    created = [path for path in dict.fromkeys([POLICIES] + [p[0] for p in LOGGING_POLICY]) if not exists(path)]
    previous = []
    try:
        for path, name, kind, value in LOGGING_POLICY:
            with winreg.CreateKeyEx(winreg.HKEY_LOCAL_MACHINE, path, 0, access) as key:
                try:
                    previous.append((path, name, winreg.QueryValueEx(key, name)))
                except OSError:
                    previous.append((path, name, None))
                winreg.SetValueEx(key, name, 0, kinds[kind], value)
        yield
    finally:
        for path, name, old in reversed(previous):
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path, 0, access) as key:
                if old is None:
                    winreg.DeleteValue(key, name)
                else:
                    winreg.SetValueEx(key, name, 0, old[1], old[0])
        for path in sorted(created, key=len, reverse=True):  # the deepest first
            winreg.DeleteKeyEx(winreg.HKEY_LOCAL_MACHINE, path, winreg.KEY_WOW64_64KEY, 0)


def powershell_events(since: datetime) -> list[dict[str, Any]]:
    """4103 and 4104 events since ``since`` (powershell_events.ps1; the key is never on its
    command line, so reading the log cannot put it there)."""
    proc = subprocess.run(["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                           "-File", str(HERE / "powershell_events.ps1"), "-Since", since.isoformat()],
                          capture_output=True, timeout=300, check=True)
    text = proc.stdout.decode("utf-8", errors="replace").strip()
    return hostops.as_list(json.loads(text)) if text else []


# -- command line -------------------------------------------------------------------------------
def costs(execute: Execute, runs: int = 5) -> tuple[dict[str, Any], list[str]]:
    """What this PC spends, for the lab's cost settings (benchmarks/README.md): the round trip
    of a WinRM command that runs one trivial operation (starting PowerShell, the bootstrap and
    the executor, and the transport), and the milliseconds the executor measured for each CIM
    query of the modules' read program (Office and Windows), by class. ``runs`` of each; the
    median is what the README quotes."""
    trivial = [hostops.host_facts("facts")]
    read = inspection.read_program(("office", "windows"), lookup_dns=False)
    classes = {op["id"]: op["class"] for op in read if op["op"] == "cim_query"}
    round_trips: list[float] = []
    by_class: dict[str, list[int]] = {}
    problems: list[str] = []
    for _unused in range(runs):
        start = time.monotonic()
        execute(hostops.bootstrap_command(), in_data=hostops.build_stdin(trivial), sudoable=False)
        round_trips.append(round((time.monotonic() - start) * 1000, 1))
        reply = execute(hostops.bootstrap_command(), in_data=hostops.build_stdin(read), sudoable=False)
        for result in hostops.parse_output(reply.get("stdout") or "").get("results") or []:
            if result.get("id") in classes and isinstance(result.get("ms"), int):
                by_class.setdefault(classes[result["id"]], []).append(result["ms"])
    if not by_class:
        problems.append("no query reported the milliseconds it took")

    def median(values: list[Any]) -> Any:
        return sorted(values)[len(values) // 2] if values else None

    return {"runs": runs, "command_round_trip_ms": round_trips, "median_command_round_trip_ms": median(round_trips),
            "query_ms_by_class": by_class,
            "median_query_ms_by_class": {cls: median(found) for cls, found in sorted(by_class.items())}}, problems


def save(out: Path, name: str, record: Any) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / ("%s.json" % name)).write_text(json.dumps(record, indent=1, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.windows.office_probe", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("wait-office", "modules", "writes", "kms-host", "logging", "costs"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--winrm", action="store_true",
                        help="send over WinRM (WINRM_USER, WINRM_PASSWORD, WINRM_ENDPOINT, WINRM_TRANSPORT)")
    parser.add_argument("--deadline", type=float, default=900, help="wait-office: seconds to wait for Office")
    args = parser.parse_args(argv)
    if args.winrm:
        from tests.windows.winrm_call import WinrmCaller  # noqa: PLC0415 - pywinrm only when asked

        execute: Execute = WinrmCaller.from_environment().execute
    else:
        execute = local_execute

    record: Any
    problems: list[str] = []
    try:
        if args.command == "wait-office":
            found = until(lambda: office_product(read_products(execute, include_windows=False)), args.deadline,
                          "%s in SoftwareLicensingProduct" % FAMILY)
            record = {"office_product": found}
        elif args.command == "modules":
            record, problems = modules(execute)
        elif args.command == "writes":
            record, problems = writes(execute, registry_tree if os.name == "nt" else dict)
        elif args.command == "kms-host":
            record, problems = kms_host_probe(execute, registry_tree if os.name == "nt" else dict)
        elif args.command == "costs":
            record, problems = costs(execute)
        else:
            record, problems, events = logging_probe(execute, powershell_events, logging_policy)
            save(args.out, "powershell-events", events)
    except (CallError, TimeoutError, subprocess.CalledProcessError) as exc:
        record = {"error": str(exc), "hint": getattr(exc, "hint", None), "stdout": getattr(exc, "stdout", None),
                  "stderr": getattr(exc, "stderr", None)}
        problems.append("%s: %s" % (args.command, exc))
    record = {"problems": problems, **(record if isinstance(record, dict) else {"record": record})}
    save(args.out, args.command, record)
    print(json.dumps(record, indent=1, default=str))
    print("\n".join(["%s: %d problem(s):" % (args.command, len(problems))] + problems) if problems
          else "%s: as expected." % args.command)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
