"""A running simulated lab: WinRM endpoints, emulated Windows hosts and KMS stand-ins.

    with Lab.from_scenario("default") as lab:
        lab.write_inventory("inventory.yml")
        ...                     # run ansible-playbook against it
        lab.host("pc01-ltsc2024-visio").state.products   # the emulated state
        lab.commands("pc01-ltsc2024-visio")              # the commands it received (with programs)
        lab.cim_log("pc01-ltsc2024-visio")               # every CIM query and method call
        lab.script_block_log("pc01-ltsc2024-visio")      # what PowerShell's event 4104 would log
        lab.state("pc02-ltsc2021").faults["slow"] = 30   # a wire fault, read live (wsman.py)

``transport`` picks how the WinRM endpoints are reached (wsman.py and certs.py describe each;
``inventory()`` writes the matching connection variables):

    basic         Basic auth over HTTP (the default; the demo)
    basic-https   Basic auth over HTTPS with a certificate from a CA the lab makes at start
    ntlm          NTLM over HTTP, every message sealed (MS-WSMV 2.2.9.1.1)
    ntlm-https    NTLM over HTTPS, bound to the TLS channel
    kerberos      Kerberos over HTTP, every message sealed; needs ``kdc=`` (kdc.py's realm)
    kerberos-https  Kerberos over HTTPS

With Kerberos each PC is ``<name>.<realm's DNS domain>`` (``HTTP/<that name>`` is registered in
the KDC, its key in the host's own keytab) and the scenario's account is a principal of the
realm; the inventory names the PC for Kerberos with ``ansible_winrm_kerberos_hostname_override``
(the endpoint stays on loopback), as a real inventory does for a PC reached by address.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Any

import yaml

from tests.simlab import kmshost
from tests.simlab import scenario as scenario_mod
from tests.simlab.certs import LabCertificates
from tests.simlab.host import WindowsHost
from tests.simlab.kdc import Kdc
from tests.simlab.network import KmsStandIn, MachineListener, Network
from tests.simlab.scenario import HostState, Latency, Scenario
from tests.simlab.wsman import WsmanServer

# The KMS host name the bundled inventory points the collection at.
DEFAULT_KMS_HOST = "kms.campus.example"
# transport -> (ansible_winrm_transport, ansible_winrm_scheme)
TRANSPORTS = {
    "basic": ("basic", "http"),
    "basic-https": ("basic", "https"),
    "ntlm": ("ntlm", "http"),
    "ntlm-https": ("ntlm", "https"),
    "kerberos": ("kerberos", "http"),
    "kerberos-https": ("kerberos", "https"),
}


def sent_program(stdin: str | None) -> dict[str, Any] | None:
    """The program a command's standard input carries (docs/host-operations.md, "How a call
    travels"), or None when it carries none."""
    if not stdin or "\0\0\0\0" not in stdin:
        return None
    try:
        program = json.loads(base64.b64decode(stdin.partition("\0\0\0\0")[2].strip()).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return program if isinstance(program, dict) else None


def attach_machines(network: Network, hosts: dict[str, WindowsHost]) -> None:
    """Put on the KMS network each lab host a ``kms_hosts`` entry names (``machine:``) or that has
    a KMS host SKU (it can become a KMS host, kmshost.py): its names resolve to it, its own FQDN
    too, and its Key Management Service decides what gets through (network.py)."""
    for name, host in hosts.items():
        named = name.lower() in network.machines
        if named or any(kmshost.is_host_sku(p) for p in host.state.products):
            network.attach(name, host.cim.kms, host.cim.kms.fqdn() if host.state.dns_domain else None)


class Lab:
    def __init__(self, scenario: Scenario, port_base: int = 0, bind_address: str = "127.0.0.1",
                 transport: str = "basic", latency: Latency | None = None, *, kdc: Kdc | None = None) -> None:
        """``latency`` overrides the scenario's (scenario.Latency: round trip, PowerShell start, CIM
        costs); ``kdc`` is the running realm the Kerberos transports register the lab's principals
        in."""
        if transport not in TRANSPORTS:
            raise ValueError("transport must be one of %s, not %r" % (", ".join(TRANSPORTS), transport))
        if (TRANSPORTS[transport][0] == "kerberos") != (kdc is not None):
            raise ValueError("a KDC is needed by the Kerberos transports, and only by them")
        self.kdc = kdc
        self.scenario = scenario
        self.latency = latency if latency is not None else scenario.latency
        self.bind_address = bind_address
        self.port_base = port_base
        self.transport = transport
        self.auth, self.scheme = TRANSPORTS[transport]
        self.certs: LabCertificates | None = None
        self.network = Network(scenario.kms_hosts, bind_address)
        try:
            if self.scheme == "https":
                self.certs = LabCertificates(bind_address)
            self.server = WsmanServer(
                bind_address, auth=self.auth,
                ssl_context=self.certs.server_context() if self.certs else None,
                channel_bindings=self.certs.channel_bindings() if self.certs else None,
                rtt_seconds=self.latency.rtt_ms / 1000.0,
            )
            self.windows_hosts: dict[str, WindowsHost] = {}
            self.ports: dict[str, int] = {}
            self.keytabs: dict[str, str] = {}
            if kdc is not None:
                for state in {s.username.lower(): s for s in scenario.hosts}.values():
                    kdc.add_user(state.username, state.password)  # the domain account
            for index, state in enumerate(scenario.hosts):
                if kdc is not None:
                    self.keytabs[state.name] = kdc.add_service(self.fqdn(state.name))
                windows_host = WindowsHost(
                    state, self.network, scenario.known_keys, cim_seconds=self.latency.cim_ms / 1000.0,
                    cim_seconds_by_class={name: ms / 1000.0 for name, ms in self.latency.cim_ms_by_class().items()},
                    powershell_start_seconds=self.latency.powershell_start_ms / 1000.0)
                port = port_base + index if port_base else 0
                self.ports[state.name] = self.server.add_host(
                    state.name, state.username, state.password, windows_host, port,
                    # read state.faults on every request, even if a test assigns a new dict
                    faults=functools.partial(getattr, state, "faults"),
                    computer_name=state.computer_name, keytab=self.keytabs.get(state.name),
                )
                self.windows_hosts[state.name] = windows_host
            attach_machines(self.network, self.windows_hosts)
        except BaseException:
            self._close()
            raise

    @classmethod
    def from_scenario(cls, name_or_path: str = "default", port_base: int = 0, transport: str = "basic") -> Lab:
        return cls(scenario_mod.load(name_or_path), port_base=port_base, transport=transport)

    def start(self) -> Lab:
        self.server.start()
        return self

    def stop(self) -> None:
        self._close()

    def _close(self) -> None:
        if getattr(self, "server", None) is not None:
            self.server.stop()
        self.network.close()
        if self.certs is not None:
            self.certs.cleanup()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        gaps = self.emulation_errors()
        if gaps and exc[0] is None:
            # a script went beyond the PowerShell emulation: the test that sent it fails, even
            # when it expected that host to fail (tests/simlab/powershell)
            raise AssertionError("the lab's PowerShell emulation could not run what it was sent:\n"
                                 + "\n".join(gaps))

    def emulation_errors(self) -> list[str]:
        """What the hosts' PowerShell emulation refused to run (Unsupported), by host."""
        return ["%s: %s" % (name, text) for name, host in self.windows_hosts.items()
                for text in host.emulation_errors]

    # -- what tests read ----------------------------------------------------------------------
    @property
    def host_names(self) -> list[str]:
        return [h.name for h in self.scenario.hosts]

    def host(self, name: str) -> WindowsHost:
        return self.windows_hosts[name]

    def state(self, name: str) -> HostState:
        return self.windows_hosts[name].state

    def commands(self, name: str) -> list[dict[str, Any]]:
        """Commands the host received, oldest first: command, arguments, stdin_bytes, script
        (the -EncodedCommand text), stdin, and for tests to read, program: standard input read
        as docs/host-operations.md says the collection frames it (the decoded JSON after four
        NULs), or None. The emulated host itself never reads it: its PowerShell runs the text."""
        with self.windows_hosts[name].lock:
            return [dict(record, program=sent_program(record.get("stdin")))
                    for record in self.windows_hosts[name].commands]

    def cim_log(self, name: str) -> list[dict[str, Any]]:
        """The host's CIM queries and method calls, oldest first (cim.py; keys masked)."""
        with self.windows_hosts[name].lock:
            return list(self.windows_hosts[name].cim_log)

    def script_block_log(self, name: str) -> list[str]:
        """The script blocks the host's PowerShell compiled (event 4104): the bootstrap and the
        text before the NULs on stdin, never the program."""
        with self.windows_hosts[name].lock:
            return list(self.windows_hosts[name].script_block_log)

    def module_log(self, name: str) -> list[str]:
        """What module logging (event 4103, every module) recorded on the host: each cmdlet
        invocation, its parameter bindings and its pipeline input, as text."""
        with self.windows_hosts[name].lock:
            return list(self.windows_hosts[name].module_log)

    def requests(self, name: str) -> list[str]:
        """WS-Man actions the host's endpoint received (Create, Command, Send, ...)."""
        return self.server.requests(name)

    def kms(self, name: str = DEFAULT_KMS_HOST, port: int = 1688) -> KmsStandIn | MachineListener:
        """The stand-in for a KMS host name and port, or the listener of the lab host that serves
        the name (its ``service`` is the host's Key Management Service, kmshost.py)."""
        return self.network.stand_in(name, port)

    def restart_service(self, name: str, service: str = "sppsvc") -> str:
        """Restart a service of a lab host, as Restart-Service does (host.py): for sppsvc, the
        host's KMS reads its settings again (its listening port takes effect)."""
        with self.windows_hosts[name].lock:
            return self.windows_hosts[name].restart_service(service)

    def fqdn(self, name: str) -> str:
        """The PC's DNS name in the Kerberos realm's domain."""
        return "%s.%s" % (name, self.kdc.domain) if self.kdc else name

    # -- inventory ---------------------------------------------------------------------------
    def inventory(self, kms_host: str = DEFAULT_KMS_HOST) -> dict[str, Any]:
        """An Ansible inventory for this lab on loopback, with the transport's variables."""
        defaults = self.scenario.hosts[0] if self.scenario.hosts else None
        hosts: dict[str, Any] = {}
        groups: dict[str, dict[str, Any]] = {}
        for state in self.scenario.hosts:
            hosts[state.name] = {"ansible_port": self.ports[state.name], **state.inventory_vars}
            if (state.username, state.password) != (defaults.username, defaults.password):
                hosts[state.name].update(ansible_user=state.username, ansible_password=state.password)
            for group in state.groups:  # the scenario's other groups (host variables stay in simlab)
                groups.setdefault(group, {"hosts": {}})["hosts"][state.name] = None
        connection: dict[str, Any] = {
            "ansible_connection": "winrm",
            "ansible_host": self.bind_address,
            "ansible_winrm_scheme": self.scheme,
            "ansible_winrm_transport": self.auth,
        }
        if self.certs is not None:  # validate against the lab's own CA (certs.py)
            connection["ansible_winrm_server_cert_validation"] = "validate"
            connection["ansible_winrm_ca_trust_path"] = self.certs.ca_path
        if self.kdc is not None:
            for state in self.scenario.hosts:
                hosts[state.name]["ansible_winrm_kerberos_hostname_override"] = self.fqdn(state.name)
                if "ansible_user" in hosts[state.name]:
                    hosts[state.name]["ansible_user"] = self.kdc.principal(state.username)
            # pywinrm's managed kinit runs with an empty environment unless told which variables
            # to keep: the realm's krb5.conf is named by KRB5_CONFIG here, not in /etc.
            connection["ansible_winrm_kinit_env_vars"] = ["KRB5_CONFIG"]
        # NTLM takes the same local account name ("user"; ".\\user" and "COMPUTERNAME\\user" work too).
        user = defaults.username if defaults else "Administrator"
        return {
            "all": {
                "vars": {
                    **connection,
                    "ansible_user": self.kdc.principal(user) if self.kdc else user,
                    "ansible_password": defaults.password if defaults else "",
                    "office_kms_host": kms_host,
                },
                "children": {"simlab": {"hosts": hosts}, **groups},
            }
        }

    def write_inventory(self, path: str, kms_host: str = DEFAULT_KMS_HOST) -> str:
        if self.transport == "basic":
            header = (
                "# A simulated lab (tests/simlab), as written by python -m tests.simlab --inventory.\n"
                "# Basic auth over plain HTTP on loopback: fine for the simulation, never for a real lab\n"
                "# (see inventory/example.yml).\n"
            )
        else:
            header = (
                "# A simulated lab (tests/simlab), as written by python -m tests.simlab --inventory\n"
                "# --transport %s.%s\n" % (self.transport, " The lab's CA file exists while the lab runs."
                                           if self.certs else "")
            )
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(header)
            yaml.safe_dump(self.inventory(kms_host), handle, sort_keys=False, default_flow_style=False)
        return path
