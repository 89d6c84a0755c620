"""A running simulated lab: WinRM endpoints, licensing emulation and KMS stand-ins.

    with Lab.from_scenario("default") as lab:
        lab.write_inventory("inventory.yml")
        ...                     # run ansible-playbook against it
        lab.host("pc01-ltsc2024-visio").state.products   # the emulated state
        lab.commands("pc01-ltsc2024-visio")              # the commands it received
"""

from __future__ import annotations

from typing import Any

import yaml

from tests.simlab import scenario as scenario_mod
from tests.simlab.emulator import HostEmulator
from tests.simlab.network import KmsStandIn, Network
from tests.simlab.scenario import HostState, Scenario
from tests.simlab.wsman import WsmanServer

# The KMS host name the bundled inventory points the collection at.
DEFAULT_KMS_HOST = "kms.campus.example"


class Lab:
    def __init__(self, scenario: Scenario, port_base: int = 0, bind_address: str = "127.0.0.1") -> None:
        self.scenario = scenario
        self.bind_address = bind_address
        self.port_base = port_base
        self.network = Network(scenario.kms_hosts, bind_address)
        self.server = WsmanServer(bind_address)
        self.emulators: dict[str, HostEmulator] = {}
        self.ports: dict[str, int] = {}
        for index, state in enumerate(scenario.hosts):
            emulator = HostEmulator(state, self.network, scenario.known_keys)
            port = port_base + index if port_base else 0
            self.ports[state.name] = self.server.add_host(state.name, state.username, state.password, emulator, port)
            self.emulators[state.name] = emulator

    @classmethod
    def from_scenario(cls, name_or_path: str = "default", port_base: int = 0) -> Lab:
        return cls(scenario_mod.load(name_or_path), port_base=port_base)

    def start(self) -> Lab:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.network.close()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- what tests read ----------------------------------------------------------------------
    @property
    def host_names(self) -> list[str]:
        return [h.name for h in self.scenario.hosts]

    def host(self, name: str) -> HostEmulator:
        return self.emulators[name]

    def state(self, name: str) -> HostState:
        return self.emulators[name].state

    def commands(self, name: str) -> list[dict[str, Any]]:
        """Commands the host received, oldest first (script name and parameters)."""
        with self.emulators[name].lock:
            return list(self.emulators[name].commands)

    def requests(self, name: str) -> list[str]:
        """WS-Man actions the host's endpoint received (Create, Command, Send, ...)."""
        return self.server.requests(name)

    def kms(self, name: str = DEFAULT_KMS_HOST, port: int = 1688) -> KmsStandIn:
        return self.network.stand_in(name, port)

    # -- inventory ---------------------------------------------------------------------------
    def inventory(self, kms_host: str = DEFAULT_KMS_HOST) -> dict[str, Any]:
        """An Ansible inventory for this lab: Basic auth over HTTP on loopback."""
        defaults = self.scenario.hosts[0] if self.scenario.hosts else None
        hosts: dict[str, Any] = {}
        for state in self.scenario.hosts:
            hosts[state.name] = {"ansible_port": self.ports[state.name], **state.inventory_vars}
            if (state.username, state.password) != (defaults.username, defaults.password):
                hosts[state.name].update(ansible_user=state.username, ansible_password=state.password)
        return {
            "all": {
                "vars": {
                    "ansible_connection": "winrm",
                    "ansible_host": self.bind_address,
                    "ansible_winrm_scheme": "http",
                    "ansible_winrm_transport": "basic",
                    "ansible_user": defaults.username if defaults else "Administrator",
                    "ansible_password": defaults.password if defaults else "",
                    "office_kms_host": kms_host,
                },
                "children": {"simlab": {"hosts": hosts}},
            }
        }

    def write_inventory(self, path: str, kms_host: str = DEFAULT_KMS_HOST) -> str:
        header = (
            "# A simulated lab (tests/simlab), as written by python -m tests.simlab --inventory.\n"
            "# Basic auth over plain HTTP on loopback: fine for the simulation, never for a real lab\n"
            "# (see inventory/example.yml).\n"
        )
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(header)
            yaml.safe_dump(self.inventory(kms_host), handle, sort_keys=False, default_flow_style=False)
        return path
