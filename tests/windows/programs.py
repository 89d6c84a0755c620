"""Our programs of host operations, run on a real Windows machine and compared with the lab.

.github/workflows/windows.yml runs this on GitHub's hosted Windows runners (Server 2022 and
2025 images); make test runs `write` and `compare` against the lab itself
(tests/unit/test_windows_programs.py), which is all this machine can do.

    python -m tests.windows.programs write OUT --listener-port N --closed-port M
        OUT/read.json: the inspect program of office_kms_info with Windows (read-only);
        OUT/tcp.json: tcp_connect to a local listener over IPv4 and IPv6, and to a closed port.
    python -m tests.windows.programs writes OUT --closed-port M
        from OUT/read.result.json, the reversible writes on the Windows product found there:
        OUT/set.json (set a per-product KMS host and port, read back), OUT/activate.json
        (KMS host 127.0.0.1 on the closed port, then Activate: expected 0xC004F074),
        OUT/clear.json (clear both, read back).
    python -m tests.windows.programs run OUT/NAME.json
        runs the executor on this machine as the collection does (the bootstrap's command line;
        the executor and the program on standard input): OUT/NAME.result.json.
    python -m tests.windows.programs compare OUT --lab-host srv2022-std
        runs the same programs against that host of the lab's windows scenario and compares
        them operation by operation; prints the differences and exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ansible_collections.volume_licensing.kms.plugins.plugin_utils import apply, hostops, hresult, inspection, licensing

from tests.simlab.lab import Lab
from tests.simlab.wsman import CommandRequest

KMS_HOST_SET = "kms-ci.invalid"  # a name that never resolves (RFC 2606): nothing is contacted
UNREACHABLE = "127.0.0.1"  # with the closed port: the KMS host "does not answer"
PROGRAMS = ("read", "tcp", "set", "activate", "clear")
# On the lab's side of tcp.json: its listening stand-in's addresses and its refusing one
# (scenarios/windows.yml), where the runner has its own listener and a closed port.
LAB_LISTENER = {"v4": "192.0.2.10", "v6": "2001:db8::10"}
LAB_CLOSED = "kms-old.campus.example"


def read_program() -> list[hostops.Operation]:
    return inspection.read_program(("office", "windows"), lookup_dns=False)


def tcp_program(listener: dict[str, str], port: int, closed: str, closed_port: int) -> list[hostops.Operation]:
    return [hostops.tcp_connect("v4", listener["v4"], port, 5000),
            hostops.tcp_connect("v6", listener["v6"], port, 5000),
            hostops.tcp_connect("closed", closed, closed_port, 5000)]


def results_of(document: dict[str, Any], program: list[hostops.Operation]) -> hostops.Results:
    """The executor's result document read as the collection reads it (hostops.run)."""
    text = json.dumps(document)
    return hostops.run(lambda *_a, **_k: {"stdout": text, "stderr": "", "rc": 0}, program, "compare")


def windows_product(document: dict[str, Any]) -> dict[str, Any]:
    """The Windows product with a KMS client key, from the read program's result."""
    found = [p for p in inspection.products(results_of(document, read_program()))
             if p["application_id"] == licensing.WINDOWS_APP_ID and p["kms_client"]]
    if not found:
        raise SystemExit("no Windows product with a KMS client key (GVLK) in the read result: nothing to write")
    return found[0]


def write_programs(product: dict[str, Any], closed_port: int) -> dict[str, list[hostops.Operation]]:
    """The reversible writes on ``product``, each followed by a read of it."""
    def steps(*pairs: tuple[str, Any]) -> list[hostops.Operation]:
        ops = apply.step_operations(product, [{"action": a, "value": v} for a, v in pairs])
        return ops + [hostops.cim_query("after", product["license_class"], inspection.PRODUCT_PROPERTIES,
                                        apply.by_id(product["sku_id"]))]
    return {
        "set": steps(("set_host", KMS_HOST_SET), ("set_port", 1688)),
        "activate": steps(("set_host", UNREACHABLE), ("set_port", closed_port), ("activate", None)),
        "clear": steps(("clear_host", None), ("clear_port", None)),
    }


def save(out: Path, name: str, program: list[hostops.Operation]) -> None:
    (out / ("%s.json" % name)).write_text(json.dumps(program, indent=1) + "\n", encoding="utf-8")


def load(out: Path, name: str) -> list[hostops.Operation]:
    return json.loads((out / ("%s.json" % name)).read_text(encoding="utf-8"))


def load_result(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / ("%s.result.json" % name)).read_text(encoding="utf-8"))


def run_on_this_machine(program: list[hostops.Operation]) -> dict[str, Any]:
    """The executor on this Windows machine, started as WinRM starts it for the collection."""
    argv = hostops.bootstrap_command().split(" ")
    proc = subprocess.run(argv, input=hostops.build_stdin(program), capture_output=True, timeout=600, check=False)
    stdout = proc.stdout.decode("utf-8", errors="replace")
    try:
        return hostops.parse_output(stdout)
    except ValueError:
        raise SystemExit("no result document (exit code %s): %s %s" % (
            proc.returncode, stdout[:2000], hostops.clixml_text(proc.stderr.decode("utf-8", errors="replace")))) \
            from None


def run_on_lab(lab: Lab, host: str, program: list[hostops.Operation]) -> dict[str, Any]:
    """The same program on the lab's emulated host, as its WinRM endpoint would run it."""
    argv = hostops.bootstrap_command().split(" ")
    result = lab.host(host)(CommandRequest(host, argv[0], argv[1:], hostops.build_stdin(program)))
    return hostops.parse_output(result.stdout.decode("utf-8"))


def shape(document: dict[str, Any]) -> dict[str, Any]:
    """What must match between Windows and the lab, per operation: its status, HRESULT, the
    names of its data and, for a query, of each instance's properties. Values (IDs, names,
    dates) belong to each machine."""
    found = {}
    for result in document.get("results") or []:
        data = result.get("data") or {}
        entry = {"status": result.get("status"), "hresult": result.get("hresult"), "data": sorted(data)}
        if isinstance(data.get("instances"), list):
            entry["properties"] = sorted({k for i in data["instances"] if isinstance(i, dict) for k in i})
        found[result.get("id")] = entry
    return found


def differences(windows: dict[str, Any], lab: dict[str, Any]) -> list[str]:
    mine, theirs = shape(windows), shape(lab)
    lines = []
    for op_id in sorted(set(mine) | set(theirs), key=str):
        a, b = mine.get(op_id), theirs.get(op_id)
        if a != b:
            lines.append("%s: Windows %s, lab %s" % (op_id, json.dumps(a), json.dumps(b)))
    return lines


def expectations(name: str, program: list[hostops.Operation], document: dict[str, Any]) -> list[str]:
    """What Windows must answer whatever the lab says (and the lab too)."""
    by_id = {r.get("id"): r for r in document.get("results") or []}
    problems = []
    if name == "tcp":
        for op_id, reachable in (("v4", True), ("v6", True), ("closed", False)):
            got = (by_id.get(op_id) or {}).get("data", {}).get("reachable")
            if got is not reachable:
                problems.append("tcp_connect %s: reachable %s, expected %s" % (op_id, got, reachable))
    if name == "activate":
        [activate] = [op["id"] for op in program if op.get("method") == "Activate"]
        got = hostops.code((by_id.get(activate) or {}).get("hresult"))
        if got != 0xC004F074:
            problems.append("Activate: expected 0xC004F074 (%s), got %s" % (
                hresult.describe(0xC004F074)["error_name"], "none" if got is None else "0x%08X" % got))
    if name in ("set", "clear"):
        after = ((by_id.get("after") or {}).get("data") or {}).get("instances") or [{}]
        wanted = KMS_HOST_SET if name == "set" else None
        if after[0].get("KeyManagementServiceMachine") != wanted:
            problems.append("%s: KeyManagementServiceMachine read back %r, expected %r" % (
                name, after[0].get("KeyManagementServiceMachine"), wanted))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.windows.programs", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write")
    write.add_argument("out", type=Path)
    write.add_argument("--listener-port", type=int, required=True)
    write.add_argument("--closed-port", type=int, required=True)
    writes = sub.add_parser("writes")
    writes.add_argument("out", type=Path)
    writes.add_argument("--closed-port", type=int, required=True)
    run = sub.add_parser("run")
    run.add_argument("program", type=Path)
    compare = sub.add_parser("compare")
    compare.add_argument("out", type=Path)
    compare.add_argument("--lab-host", required=True)
    args = parser.parse_args(argv)

    if args.command == "write":
        args.out.mkdir(parents=True, exist_ok=True)
        save(args.out, "read", read_program())
        save(args.out, "tcp", tcp_program({"v4": "127.0.0.1", "v6": "::1"}, args.listener_port,
                                          "127.0.0.1", args.closed_port))
        (args.out / "ports.json").write_text(json.dumps({"listener": args.listener_port, "closed": args.closed_port}))
    elif args.command == "writes":
        for name, program in write_programs(windows_product(load_result(args.out, "read")), args.closed_port).items():
            save(args.out, name, program)
    elif args.command == "run":
        document = run_on_this_machine(json.loads(args.program.read_text(encoding="utf-8")))
        args.program.with_suffix(".result.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
        print(json.dumps(shape(document), indent=1))
    else:
        return compare_with_lab(args.out, args.lab_host)
    return 0


def compare_with_lab(out: Path, lab_host: str) -> int:
    """Each program's Windows result against the lab's for the same program on ``lab_host``;
    the writes are generated from each side's own read, as the collection would."""
    ports = json.loads((out / "ports.json").read_text())
    with Lab.from_scenario("windows") as lab:
        lab_programs = {"read": read_program(),
                        "tcp": tcp_program(LAB_LISTENER, 1688, LAB_CLOSED, 1688)}
        lab_results = {name: run_on_lab(lab, lab_host, program) for name, program in lab_programs.items()}
        lab_programs.update(write_programs(windows_product(lab_results["read"]), ports["closed"]))
        for name in ("set", "activate", "clear"):
            lab_results[name] = run_on_lab(lab, lab_host, lab_programs[name])
    problems = []
    for name in PROGRAMS:
        windows = load_result(out, name)
        problems += ["%s: %s" % (name, p) for p in expectations(name, load(out, name), windows)]
        problems += ["%s (lab): %s" % (name, p) for p in expectations(name, lab_programs[name], lab_results[name])]
        problems += ["%s: %s" % (name, d) for d in differences(windows, lab_results[name])]
    agreed = "Windows and the lab (%s) agree on %s." % (lab_host, ", ".join(PROGRAMS))
    print("\n".join(problems) if problems else agreed)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
