"""The Windows scenario (tests/simlab/scenarios/windows.yml): it loads, its Windows products
agree with Microsoft's published GVLKs as gvlk_windows maps them, and a lab runs from it."""

from __future__ import annotations

from typing import Any

import pytest

from plugins.plugin_utils import gvlk_windows
from tests.simlab import scenario as scenario_mod
from tests.simlab.cim import WBEM_E_INVALID_QUERY, CimError
from tests.simlab.lab import Lab
from tests.simlab.scenario import HostState

WINDOWS_APP = gvlk_windows.WINDOWS_APPLICATION_ID
KMS_HOSTS = {"win7-pro", "win81-pro", "win10-ent", "win11-edu", "srv2012r2-std", "srv2019-dc", "srv2022-std",
             "srv2025-std"}
ALL_HOSTS = KMS_HOSTS | {"win10-activated", "win11-mak", "win11-ad", "win11-office"}
AD_DN = "CN=Windows-KMS-Campus,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=campus,DC=example"


@pytest.fixture(scope="module")
def scenario() -> scenario_mod.Scenario:
    return scenario_mod.load("windows")


def _hosts(scenario: scenario_mod.Scenario) -> dict[str, HostState]:
    return {h.name: h for h in scenario.hosts}


def _windows(state: HostState) -> list[dict[str, Any]]:
    return [p for p in state.products if p["ApplicationID"] == WINDOWS_APP]


def _kms_client(state: HostState) -> dict[str, Any]:
    (product,) = [p for p in _windows(state) if "VOLUME_KMSCLIENT" in p["Description"]]
    return product


def test_scenario_loads_with_the_hosts_asked_for(scenario: scenario_mod.Scenario) -> None:
    hosts = _hosts(scenario)
    assert set(hosts) == ALL_HOSTS
    ids = [h.client_machine_id for h in scenario.hosts]
    assert len(set(ids)) == len(ids)
    assert {k.name for k in scenario.kms_hosts} == {"kms.campus.example", "kms-old.campus.example",
                                                    "kms-v6.campus.example"}
    for state in scenario.hosts:
        assert state.username == "Administrator"
        assert state.password == "Lab-Passw0rd!"
        assert bool(state.office) == (state.name == "win11-office")
        assert len([p for p in _windows(state) if "VOLUME_KMSCLIENT" in p["Description"]]) == 1


@pytest.mark.parametrize("name", sorted(ALL_HOSTS))
def test_windows_kms_client_matches_the_published_gvlk(scenario: scenario_mod.Scenario, name: str) -> None:
    state = _hosts(scenario)[name]
    product = _kms_client(state)
    assert gvlk_windows.edition_id(product["Name"]) is not None
    entry = gvlk_windows.for_windows(product["Name"], state.os["version"], state.os["caption"])
    assert entry is not None, (product["Name"], state.os)
    # The catalogue's full key is that GVLK, and the lab recognises it as this SKU's.
    assert scenario.known_keys[entry.key]["ID"] == product["ID"]
    assert product["ProductKey"] == entry.key
    if product["PartialProductKey"] is not None:
        assert product["PartialProductKey"] == entry.key[-5:]
    else:
        assert name == "win11-mak"


def test_fresh_kms_clients_are_not_activated(scenario: scenario_mod.Scenario) -> None:
    for name in KMS_HOSTS | {"win11-office"}:
        product = _kms_client(_hosts(scenario)[name])
        assert product["LicenseStatus"] == 2
        assert product["LicenseStatusReason"] == 0x4004F00C
        assert product["GracePeriodRemaining"] == 43200
        assert product["KeyManagementServiceMachine"] is None
        assert product["KeyManagementServicePort"] == 0


def test_mak_host_keeps_its_mak_and_has_the_kms_licence_without_a_key(scenario: scenario_mod.Scenario) -> None:
    state = _hosts(scenario)["win11-mak"]
    (mak,) = [p for p in _windows(state) if "VOLUME_MAK" in p["Description"]]
    assert mak["LicenseStatus"] == 1
    assert mak["PartialProductKey"] == "M4K11"
    assert not gvlk_windows.is_published(mak["ProductKey"])
    kms = _kms_client(state)
    assert (kms["PartialProductKey"], kms["LicenseStatus"], kms["LicenseStatusReason"]) == (None, 0, 0xC004F014)


def test_ad_activated_host(scenario: scenario_mod.Scenario) -> None:
    product = _kms_client(_hosts(scenario)["win11-ad"])
    assert product["VLActivationType"] == 1
    assert product["LicenseStatus"] == 1
    assert product["GracePeriodRemaining"] == 259200
    assert product["ADActivationObjectDN"] == AD_DN


def test_lab_serves_the_scenario() -> None:
    with Lab.from_scenario("windows") as lab:
        assert set(lab.host_names) == ALL_HOSTS
        rows = lab.host("win11-ad").cim.query("SoftwareLicensingProduct", ["ID", "VLActivationType"], None)
        assert [r["VLActivationType"] for r in rows] == [1]
        # Windows 7 has no VLActivationType (added in Windows 8, cim_classes.yml since "6.2").
        with pytest.raises(CimError) as raised:
            lab.host("win7-pro").cim.query("SoftwareLicensingProduct", ["ID", "VLActivationType"], None)
        assert raised.value.hresult == WBEM_E_INVALID_QUERY == 0x80041017
        # The Office product sits beside the Windows one on the mixed host.
        rows = lab.host("win11-office").cim.query("SoftwareLicensingProduct", ["ApplicationID", "PartialProductKey"],
                                                  None)
        assert sorted(r["PartialProductKey"] for r in rows) == ["GCVGB", "VCFB2"]


def test_gvlk_lands_on_the_kms_sku_and_activates() -> None:
    with Lab.from_scenario("windows") as lab:
        cim = lab.host("win11-mak").cim
        key = gvlk_windows.for_windows("Windows(R), Professional edition", "10.0.22631", "Microsoft Windows 11 Pro")
        assert key is not None
        cim.invoke("SoftwareLicensingService", None, "InstallProductKey",
                   [{"name": "ProductKey", "type": "string", "value": key.key}])
        kms = _kms_client(lab.state("win11-mak"))
        assert (kms["PartialProductKey"], kms["LicenseStatus"]) == ("T83GX", 2)
        where = "ID='%s'" % kms["ID"]
        cim.invoke("SoftwareLicensingProduct", where, "SetKeyManagementServiceMachine",
                   [{"name": "MachineName", "type": "string", "value": "kms.campus.example"}])
        cim.invoke("SoftwareLicensingProduct", where, "SetKeyManagementServicePort",
                   [{"name": "PortNumber", "type": "uint32", "value": 1688}])
        cim.invoke("SoftwareLicensingProduct", where, "Activate", [])
        assert (kms["LicenseStatus"], kms["GracePeriodRemaining"]) == (1, 259200)
