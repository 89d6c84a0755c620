"""The benchmark's settings of the simulated lab (scenario.Latency): a network round trip for
every HTTP exchange and new connection, a PowerShell start per WinRM command that runs
PowerShell, and a cost per CIM query or method call, by class (the licensing classes' own, else
the default)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from tests.simlab import host as host_module
from tests.simlab.host import WindowsHost
from tests.simlab.lab import Lab
from tests.simlab.network import Network
from tests.simlab.scenario import LATENCY_SETTINGS, LICENSING_CLASSES, Latency, ScenarioError, parse
from tests.simlab.wsman import CommandRequest

HOST = {"name": "pc01", "client_machine_id": "00000000-0000-4000-8000-000000000001", "username": "Administrator",
        "password": "Lab-Passw0rd!", "memory_mb": 8192, "system_drive_free_mb": 50000,
        "cpu": {"mhz": 2400, "cores": 4, "sockets": 1},
        "os": {"caption": "Microsoft Windows 11 Education", "version": "10.0.22631", "build": "22631",
               "architecture": "64-bit"}}
# Two queries (a licensing class, a Win32 class) and a method call on a licensing class.
SCRIPT = ("$s = Get-CimInstance -ClassName SoftwareLicensingService\n"
          "$o = Get-CimInstance -ClassName Win32_OperatingSystem\n"
          "$r = Invoke-CimMethod -InputObject $s -MethodName RefreshLicenseStatus\n"
          "'done'\n")


def powershell(script: str, executable: str = "PowerShell") -> CommandRequest:
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    return CommandRequest("pc01", executable, ["-NoProfile -NonInteractive -EncodedCommand " + encoded], b"")


def test_a_scenario_sets_the_latency_and_a_lab_may_override_it():
    scenario = parse({"latency": {"rtt_ms": 20, "cim_ms": 2.5, "cim_licensing_ms": 250, "powershell_start_ms": 300},
                      "hosts": [HOST]})
    assert scenario.latency == Latency(rtt_ms=20, cim_ms=2.5, cim_licensing_ms=250, powershell_start_ms=300)
    assert parse({"hosts": [HOST]}).latency == Latency(0, 0, None, 0)
    licensing = {name.lower(): 0.25 for name in LICENSING_CLASSES}
    for latency, rtt, cim, by_class, start in ((None, 0.02, 0.0025, licensing, 0.3),
                                               (Latency(rtt_ms=80), 0.08, 0.0, {}, 0.0)):
        lab = Lab(scenario, latency=latency)
        try:
            assert lab.server._handler.settings.rtt_seconds == pytest.approx(rtt)
            windows = lab.host("pc01")
            assert windows.cim_seconds == pytest.approx(cim)
            assert windows.cim_seconds_by_class == pytest.approx(by_class)
            assert windows.powershell_start_seconds == pytest.approx(start)
        finally:
            lab.stop()


def test_the_licensing_classes_cost_their_own_or_the_default():
    assert set(LATENCY_SETTINGS) == {"rtt_ms", "cim_ms", "cim_licensing_ms", "powershell_start_ms"}
    assert Latency(cim_ms=20).cim_ms_by_class() == {}  # every class costs cim_ms
    assert Latency(cim_ms=20, cim_licensing_ms=0).cim_ms_by_class() == dict.fromkeys(LICENSING_CLASSES, 0)
    assert set(Latency(cim_licensing_ms=250).cim_ms_by_class()) == {
        "SoftwareLicensingProduct", "SoftwareLicensingService", "OfficeSoftwareProtectionProduct",
        "OfficeSoftwareProtectionService"}


@pytest.mark.parametrize("latency", [
    {"rtt_ms": -1}, {"rtt_ms": "20"}, {"cim_ms": True}, {"rtt_ms": 60_001}, {"cim_ms": None},
    {"powershell_start_ms": -300}, {"powershell_start_ms": "300"}, {"powershell_start_ms": None},
    {"powershell_start_ms": 60_001}, {"cim_licensing_ms": -1}, {"cim_licensing_ms": "250"},
    {"cim_licensing_ms": False}, {"cim_licensing_ms": [250]}, {"cim_licensing_ms": float("nan")},
])
def test_a_latency_that_is_not_milliseconds_is_refused(latency):
    with pytest.raises(ScenarioError, match="latency.%s must be a number of milliseconds" % next(iter(latency))):
        parse({"latency": latency, "hosts": [HOST]})


@pytest.mark.parametrize("latency, words", [
    ({"rtt": 20}, "unknown setting(s) rtt"),
    ({"cim_licensing": 250}, "unknown setting(s) cim_licensing"),
    ({"powershell_ms": 300, "cim_ms_by_class": {}}, "unknown setting(s) cim_ms_by_class, powershell_ms"),
    ([20], "latency must be a mapping"),
])
def test_an_unknown_latency_setting_is_refused_with_the_known_ones(latency, words):
    with pytest.raises(ScenarioError) as refused:
        parse({"latency": latency, "hosts": [HOST]})
    assert words in str(refused.value)
    assert "rtt_ms, cim_ms, cim_licensing_ms, powershell_start_ms" in str(refused.value)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The host's waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(host_module.time, "sleep", waits.append)
    return waits


@pytest.fixture
def windows() -> Iterator[WindowsHost]:
    scenario = parse({"hosts": [HOST]})
    network = Network(scenario.kms_hosts)
    try:
        yield WindowsHost(scenario.hosts[0], network, scenario.known_keys, cim_seconds=0.02,
                          cim_seconds_by_class=dict.fromkeys(LICENSING_CLASSES, 0.25), powershell_start_seconds=0.3)
    finally:
        network.close()


def test_a_command_pays_one_powershell_start_and_each_cim_call_its_class_cost(windows, sleeps):
    result = windows(powershell(SCRIPT))
    assert (result.exit_code, result.stdout.strip()) == (0, b"done"), result.stderr
    assert [(e["kind"], e["class"]) for e in windows.cim_log] == [
        ("query", "SoftwareLicensingService"), ("query", "Win32_OperatingSystem"),
        ("invoke", "SoftwareLicensingService")]
    assert sleeps == [0.3, 0.25, 0.02, 0.25]  # the start, then each call in order
    sleeps.clear()
    windows(powershell("'no CIM'"))
    assert sleeps == [0.3]  # per command, whatever it does


def test_a_command_that_starts_no_powershell_pays_no_start(windows, sleeps):
    assert windows(CommandRequest("pc01", "cmd.exe", ["/c", "dir"], b"")).exit_code == 1
    assert sleeps == []


def test_without_costs_the_host_does_not_wait(sleeps):
    scenario = parse({"hosts": [HOST]})
    network = Network(scenario.kms_hosts)
    try:
        windows = WindowsHost(scenario.hosts[0], network, scenario.known_keys)
        assert windows(powershell(SCRIPT)).exit_code == 0
    finally:
        network.close()
    assert sleeps == []


def test_a_waiting_host_holds_nothing_another_host_needs(monkeypatch):
    """The waits are sleeps of the thread serving that host's connection, holding no lock of the
    lab's: while one host starts PowerShell (outside even its own lock), another runs a command."""
    scenario = parse({"hosts": [HOST, dict(HOST, name="pc02", client_machine_id="c-2")]})
    network = Network(scenario.kms_hosts)
    first = WindowsHost(scenario.hosts[0], network, scenario.known_keys, cim_seconds=0.02,
                        cim_seconds_by_class=dict.fromkeys(LICENSING_CLASSES, 0.25), powershell_start_seconds=0.3)
    second = WindowsHost(scenario.hosts[1], network, scenario.known_keys)
    during: list[tuple[float, bool, int]] = []

    def sleep(seconds: float) -> None:
        if not during:  # the first host's first wait: the second host's whole command, meanwhile
            during.append((seconds, first.lock.locked(), second(powershell("'no CIM'", "powershell.exe")).exit_code))

    monkeypatch.setattr(host_module.time, "sleep", sleep)
    try:
        assert first(powershell(SCRIPT)).exit_code == 0
    finally:
        network.close()
    assert during == [(0.3, False, 0)]
