"""The benchmark's settings of the simulated lab (scenario.Latency): a network round trip for
every HTTP exchange and new connection, and a cost per CIM query or method call."""

from __future__ import annotations

import pytest

from tests.simlab.lab import Lab
from tests.simlab.scenario import Latency, ScenarioError, parse

HOST = {"name": "pc01", "client_machine_id": "00000000-0000-4000-8000-000000000001", "username": "Administrator",
        "password": "Lab-Passw0rd!", "memory_mb": 8192, "system_drive_free_mb": 50000,
        "cpu": {"mhz": 2400, "cores": 4, "sockets": 1},
        "os": {"caption": "Microsoft Windows 11 Education", "version": "10.0.22631", "build": "22631",
               "architecture": "64-bit"}}


def test_a_scenario_sets_the_latency_and_a_lab_may_override_it():
    scenario = parse({"latency": {"rtt_ms": 20, "cim_ms": 2.5}, "hosts": [HOST]})
    assert scenario.latency == Latency(rtt_ms=20, cim_ms=2.5)
    assert parse({"hosts": [HOST]}).latency == Latency(0, 0)
    for latency, rtt, cim in ((None, 0.02, 0.0025), (Latency(rtt_ms=80), 0.08, 0.0)):
        lab = Lab(scenario, latency=latency)
        try:
            assert lab.server._handler.settings.rtt_seconds == pytest.approx(rtt)
            assert lab.host("pc01").cim_seconds == pytest.approx(cim)
        finally:
            lab.stop()


@pytest.mark.parametrize("latency", [{"rtt_ms": -1}, {"rtt_ms": "20"}, {"cim_ms": True}, {"rtt_ms": 60_001},
                                     {"rtt": 20}])
def test_a_latency_that_is_not_milliseconds_is_refused(latency):
    with pytest.raises(ScenarioError, match="latency"):
        parse({"latency": latency, "hosts": [HOST]})
