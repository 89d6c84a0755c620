"""Start a simulated lab from a scenario and write the matching inventory.

    python -m tests.simlab [--scenario default] [--inventory PATH] [--port-base N]
                           [--transport basic|basic-https|ntlm|ntlm-https|kerberos|kerberos-https]
                           [-- COMMAND ...]

With a COMMAND (e.g. ``-- ansible-playbook playbooks/report.yml``) the lab runs for as long as
the command does and the exit code is the command's; without one it serves until interrupted.
The inventory goes to .simlab/inventory.yml (git-ignored) unless --inventory names a file: the
lab never rewrites a tracked file unless asked (make demo asks for inventory/simlab.yml).
The Kerberos transports also start a throw-away MIT Kerberos realm (tests/simlab/kdc.py: needs
krb5-kdc, krb5-admin-server and krb5-user) and give COMMAND its krb5.conf in KRB5_CONFIG.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from contextlib import ExitStack

from tests.simlab import scenario as scenario_mod
from tests.simlab.kdc import Kdc
from tests.simlab.lab import TRANSPORTS, Lab

DEFAULT_INVENTORY = ".simlab/inventory.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.simlab", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default", help="scenario name or YAML path (default: default)")
    parser.add_argument("--inventory", default=DEFAULT_INVENTORY,
                        help="where to write the inventory (default: %s, git-ignored)" % DEFAULT_INVENTORY)
    parser.add_argument("--port-base", type=int, default=0,
                        help="first WinRM port, one per host in order (default: 0, ephemeral ports)")
    parser.add_argument("--transport", default="basic", choices=list(TRANSPORTS),
                        help="how the WinRM endpoints are reached (default: basic, Basic auth over HTTP)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run while the lab is up")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    with ExitStack() as stack:
        kdc = stack.enter_context(Kdc()) if TRANSPORTS[args.transport][0] == "kerberos" else None
        lab = stack.enter_context(Lab(scenario_mod.load(args.scenario), port_base=args.port_base,
                                      transport=args.transport, kdc=kdc))
        return serve(lab, kdc, args, command)


def serve(lab: Lab, kdc: Kdc | None, args: argparse.Namespace, command: list[str]) -> int:
    """Write the inventory, report the lab, then run COMMAND (or serve until interrupted)."""
    os.makedirs(os.path.dirname(os.path.abspath(args.inventory)), exist_ok=True)
    lab.write_inventory(args.inventory)
    ports = sorted(lab.ports.values())
    print("simlab: %d hosts on %s ports %d-%d; inventory %s"
          % (len(ports), lab.bind_address, ports[0], ports[-1], args.inventory), flush=True)
    if args.transport != "basic":
        print("simlab: transport %s (%s over %s)%s" % (
            args.transport, lab.auth, lab.scheme,
            "; lab CA %s" % lab.certs.ca_path if lab.certs else ""), flush=True)
    if kdc is not None:
        os.environ["KRB5_CONFIG"] = str(kdc.krb5_conf)
        print("simlab: Kerberos realm %s, KDC on 127.0.0.1:%d; KRB5_CONFIG=%s" % (kdc.realm, kdc.port, kdc.krb5_conf),
              flush=True)
    for (name, port), stand_in in lab.network.kms.items():
        state = "listening" if stand_in.listening else "refusing connections"
        print("simlab: KMS stand-in %s:%d at %s (%s)" % (name, port, ", ".join(stand_in.addresses), state),
              flush=True)
    for machine, listener in lab.network.machines.items():
        names = sorted(n for n, m in lab.network.served_by.items() if m == machine)
        port = listener.port
        state = "KMS host listening on %d" % port if port else "not a KMS host yet"
        print("simlab: lab host %s as %s at %s (%s)" % (listener.machine, ", ".join(names),
                                                        ", ".join(listener.addresses), state), flush=True)
    if command:
        return subprocess.call(command)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
