"""The Windows workflow's probe (tests/windows/office_probe.py), run here against the lab over
plain pywinrm: its module phases (kms_action.manage, as KmsAction.run calls it) and its cost
measurement, so that what the workflow runs on real Windows is known to work before it does."""

from __future__ import annotations

from tests.integration.conftest import winrm_execute
from tests.simlab import scenario
from tests.simlab.lab import Lab
from tests.simlab.scenario import Latency
from tests.windows import office_probe

HOST = "pc16-lab"  # Office LTSC 2024 (ProPlus2024Volume, KMS client) and Windows 11 Education


def test_the_probe_s_module_phases_find_what_they_expect(lab):
    record, problems = office_probe.modules(winrm_execute(lab, HOST))
    assert problems == []
    assert record["office_kms configured"]["remote_calls"] == 2
    assert record["office_kms configured again"]["remote_calls"] == 1


def test_the_probe_measures_the_costs_the_lab_was_given():
    """The lab spends 60 ms starting PowerShell per command and 40 ms per licensing query: the
    probe's figures must show at least that (it measures; it does not know the settings)."""
    costs = Latency(powershell_start_ms=60, cim_licensing_ms=40)
    with Lab(scenario.load("default"), latency=costs) as lab:
        record, problems = office_probe.costs(winrm_execute(lab, HOST), runs=2)
    assert problems == []
    assert len(record["command_round_trip_ms"]) == 2
    assert record["median_command_round_trip_ms"] >= 60
    measured = record["median_query_ms_by_class"]
    assert measured["SoftwareLicensingProduct"] >= 40 and measured["SoftwareLicensingService"] >= 40
    assert measured["Win32_OperatingSystem"] < 40  # Win32 classes: no licensing cost


def test_the_probe_s_kms_host_members_on_a_pc_that_is_no_kms_host(lab):
    """The kms-host probe on a lab PC: kms_host_info's read, the host setting methods with
    Windows' defaults, DnsDomainPublishList written, read back and removed as kms_host writes it."""
    record, problems = office_probe.kms_host_probe(winrm_execute(lab, HOST), dict)
    assert problems == []
    assert record["kms_host_info"]["is_kms_host"] is False
    assert record["kms_host_info"]["host"]["os_product_type"] == 1  # Windows 11: a Work Station
    assert set(record["methods"]) == {m for m, *_rest in office_probe.HOST_DEFAULTS}
    assert record["publish_list"]["read"]["data"]["values"] == {"DnsDomainPublishList": office_probe.PUBLISH_PROBE}
