"""kms_host and kms_host_info end to end: the organisation's KMS host (issue 24), through
ansible-playbook and WinRM against the lab's kms_host scenario (tests/simlab/scenarios/kms_host.yml:
kms01, a fresh Windows Server 2022 with the Office LTSC 2024 Volume License Pack; kms02, the same
without the pack; 20 lab PCs with Office LTSC 2024 that need a KMS host)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from ansible_collections.volume_licensing.kms.plugins.plugin_utils import gvlk
from ansible_collections.volume_licensing.kms.plugins.plugin_utils.options import SPECS

from tests.integration.conftest import calls, one_task, run_playbook
from tests.integration.test_docs import ansible_doc, check_documented
from tests.integration.test_secrets import forms, leaks
from tests.simlab.lab import Lab

KMS01, KMS02 = "kms01", "kms02"
# The scenario's made-up KMS host keys (never real ones): Windows Server 2022's CSVLK, and Office
# LTSC 2024's and LTSC 2021's host keys.
WINDOWS_KEY = "SIMUL-ATEDK-MSHST-WS22L-ABK01"
OFFICE_KEY = "SIMUL-ATEDK-MSHST-OFF24-ABK02"
OFFICE21_KEY = "SIMUL-ATEDK-MSHST-OFF21-ABK03"
KEYS = [WINDOWS_KEY, OFFICE_KEY]
OFFICE_HOST_SKU = "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f"
RULE = "SPPSVC-In-TCP"
ROLE_TASK = "Install and activate the host keys, set the KMS host's settings and firewall rule"
SUMMARY_TASK = "Summarise the KMS host in one line"
PCS = ["pc%02d" % n for n in range(1, 19)] + ["pc19-clone-a", "pc20-clone-b"]


@pytest.fixture
def role(kms_lab, tmp_path):
    """run(*args, keys=KEYS, **variables): playbooks/kms_host.yml against kms01 (or --limit), the
    host keys and variables from an extra-vars file (never the command line)."""
    def run(*args, keys=None, limit=KMS01, **variables):
        extra = tmp_path / "vars.yml"
        extra.write_text(yaml.safe_dump({"kms_host_keys": KEYS if keys is None else keys,
                                         "kms_host_office_versions": ["2024"], **variables}))
        return run_playbook(kms_lab, "playbooks/kms_host.yml", tmp_path, "--limit", limit, "-e", "@%s" % extra, *args)
    return run


def rule_enabled(lab: Lab, host: str = KMS01) -> int:
    [rule] = [r for r in lab.state(host).firewall["MSFT_NetFirewallRule"] if r["InstanceID"] == RULE]
    return rule["Enabled"]


def host_skus(lab: Lab, host: str = KMS01) -> dict[str, dict]:
    """The host SKUs with a key, by their key's last five characters."""
    return {p["PartialProductKey"]: p for p in lab.state(host).products
            if "VOLUME_KMS" in p["Description"] and "VOLUME_KMSCLIENT" not in p["Description"]
            and p["PartialProductKey"]}


def test_a_fresh_kms_host_is_set_up_by_the_role_then_a_second_run_changes_nothing(kms_lab, role):
    assert host_skus(kms_lab) == {} and rule_enabled(kms_lab) == 2
    first = role()
    assert first.rc == 0, first.stdout
    record = first.result(KMS01, ROLE_TASK)
    result = record["result"]
    assert (record["status"], result["changed"], result["remote_calls"]) == ("ok", True, 2)
    assert [(s["action"], s.get("key"), s["result"]) for s in result["steps"]] == [
        ("install_host_key", "ABK01", "ok"), ("activate_host", "ABK01", "ok"),
        ("install_host_key", "ABK02", "ok"), ("activate_host", "ABK02", "ok"),
        ("enable_firewall_rule", None, "ok"), ("restart_service", None, "ok")]
    assert result["steps"][-1]["service_status"] == "Running"
    # The host: both keys on their host SKUs, activated; the rule enabled; the KMS listening.
    skus = host_skus(kms_lab)
    assert sorted(skus) == ["ABK01", "ABK02"]
    assert skus["ABK02"]["ID"] == OFFICE_HOST_SKU
    assert all(p["LicenseStatus"] == 1 for p in skus.values())
    assert rule_enabled(kms_lab) == 1
    assert kms_lab.host(KMS01).cim.kms.port() == 1688
    # What the module returns is the host read again.
    assert result["is_kms_host"] is True and result["firewall"]["enabled"] is True
    assert sorted(p["partial_key"] for p in result["host_products"]) == ["ABK01", "ABK02"]
    assert result["office_volume_license_packs"]["2024"]["partial_key"] == "ABK02"
    # The summary line, once per host.
    line = first.result(KMS01, SUMMARY_TASK)["result"]["msg"]
    assert line.startswith("kms01: changed: install the KMS host key *****-ABK01"), line
    assert "Office LTSC 2024 host product (key ABK02, Licensed)" in line
    assert "firewall rule SPPSVC-In-TCP enabled" in line
    assert calls(kms_lab, KMS01) == ["read", "write"]

    second = role()
    record = second.result(KMS01, ROLE_TASK)
    assert (record["status"], record["result"]["changed"], record["result"]["remote_calls"]) == ("ok", False, 1)
    assert record["result"]["steps"] == []
    assert "changed=0" in second.stdout and "kms01: compliant: " in second.result(KMS01, SUMMARY_TASK)["result"]["msg"]
    assert calls(kms_lab, KMS01)[-1:] == ["read"]


def test_check_mode_changes_nothing_and_shows_what_would_change(kms_lab, role):
    before = (copy.deepcopy(kms_lab.state(KMS01).products), copy.deepcopy(kms_lab.state(KMS01).services),
              copy.deepcopy(kms_lab.state(KMS01).firewall))
    run = role("--check", "--diff")
    record = run.result(KMS01, ROLE_TASK)
    assert (record["status"], record["result"]["changed"]) == ("ok", True)
    assert {s["result"] for s in record["result"]["steps"]} == {"planned"}
    assert (kms_lab.state(KMS01).products, kms_lab.state(KMS01).services, kms_lab.state(KMS01).firewall) == before
    assert calls(kms_lab, KMS01) == ["read"]
    assert "firewall rule SPPSVC-In-TCP: disabled" in record["result"]["diff"]["before"]
    assert "firewall rule SPPSVC-In-TCP: enabled" in record["result"]["diff"]["after"]
    assert "host key ABK01" in record["result"]["diff"]["after"]
    assert "--- before" in run.stdout
    assert run.result(KMS01, SUMMARY_TASK)["result"]["msg"].startswith("kms01: would change: ")


def test_a_missing_volume_license_pack_fails_naming_the_version_and_download(kms_lab, role):
    """kms02 has no Office Volume License Pack: nothing is changed, and the message says which,
    where to get it and what to do (docs/licensing-facts.md §12.5)."""
    before = copy.deepcopy(kms_lab.state(KMS02).products)
    run = role(limit=KMS02)
    assert run.rc != 0
    record = run.result(KMS02, ROLE_TASK)
    assert record["status"] == "failed"
    message = record["result"]["msg"]
    for words in ("kms02", "Office LTSC 2024", "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f",
                  "https://www.microsoft.com/download/details.aspx?id=106246", "ansible.windows.win_package",
                  "Nothing was changed"):
        assert words in message, (words, message)
    assert kms_lab.state(KMS02).products == before and rule_enabled(kms_lab, KMS02) == 2
    assert calls(kms_lab, KMS02) == ["read"]
    assert run.result(KMS02, SUMMARY_TASK)["result"]["msg"].startswith("kms02: FAILED: Cannot configure kms02")


def test_an_office_key_without_its_pack_fails_at_its_step_and_the_rest_is_done(kms_lab, ansible):
    """Office LTSC 2021's host key on kms01, which has only the 2024 pack: InstallProductKey
    refuses it (0xC004F069), its activation is not run, the Windows key is installed."""
    playbook = one_task("kms_host", "kms", host_keys=json.dumps([WINDOWS_KEY, OFFICE21_KEY]))
    run = ansible(kms_lab, playbook, "--limit", KMS01)
    record = run.result(KMS01, "kms")
    assert record["status"] == "failed"
    result = record["result"]
    assert [(s["action"], s.get("key"), s["result"]) for s in result["steps"]] == [
        ("install_host_key", "ABK01", "ok"), ("activate_host", "ABK01", "ok"),
        ("install_host_key", "ABK03", "failed"), ("activate_host", "ABK03", "not run"),
        ("restart_service", None, "ok")]
    assert (result["error_code"], result["error_name"]) == ("0xC004F069", "SL_E_MISMATCHED_PRODUCT_SKU")
    assert "Volume License Pack" in result["error_hint"]
    assert "Failed to install the KMS host key *****-ABK03 on kms01 (step install_host_key)" in result["msg"]
    assert "Done: install the KMS host key *****-ABK01" in result["msg"]
    assert result["changed"] is True and sorted(host_skus(kms_lab)) == ["ABK01"]


def test_a_new_listening_port_takes_effect_after_the_restart(kms_lab, role, ansible):
    role()
    playbook = one_task("kms_host", "kms", listening_port=1700, renewal_interval=4320)
    run = ansible(kms_lab, playbook, "--limit", KMS01, "--diff")
    result = run.result(KMS01, "kms")["result"]
    assert [s["action"] for s in result["steps"]] == ["set_listening_port", "set_renewal_interval", "restart_service"]
    assert (result["listening_port"], result["renewal_interval"]) == (1700, 4320)
    assert kms_lab.host(KMS01).cim.kms.port() == 1700  # the KMS listens there since the restart
    assert "listening_port: 1688" in result["diff"]["before"] and "listening_port: 1700" in result["diff"]["after"]
    again = ansible(kms_lab, playbook, "--limit", KMS01).result(KMS01, "kms")["result"]
    assert (again["changed"], again["remote_calls"]) == (False, 1)


@pytest.mark.parametrize(("options", "words"), [
    ({"firewall": True, "listening_port": 1700}, "firewall: true enables Windows' built-in rule SPPSVC-In-TCP"),
    ({"renewal_interval": 10}, "renewal_interval must be a number of minutes from 15 to 43200"),
    ({"host_keys": json.dumps(["auto"])}, "host_keys has no auto"),
    ({"host_keys": json.dumps(["XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB"])}, "is a KMS client key Microsoft publishes"),
    ({"office_versions": json.dumps(["2013"])}, "office_versions"),
])
def test_a_bad_option_is_refused_before_anything_is_sent(kms_lab, ansible, options, words):
    run = ansible(kms_lab, one_task("kms_host", "kms", **options), "--limit", KMS01)
    record = run.result(KMS01, "kms")
    assert record["status"] == "failed"
    assert words in record["result"]["msg"], record["result"]["msg"]
    assert kms_lab.commands(KMS01) == []
    assert "GCVGB" not in record["result"]["msg"] or "XJ2XN" not in record["result"]["msg"]


@pytest.mark.parametrize("verbosity", ["", "-vvv", "-vvvvv"])
def test_host_keys_never_show_but_by_their_last_five_characters(kms_lab, role, verbosity):
    run = role(*[v for v in (verbosity,) if v])
    assert run.result(KMS01, ROLE_TASK)["status"] == "ok"
    traced = 'InstallProductKey(ProductKey="*****-ABK01")'
    assert (traced in run.stdout) == (verbosity != ""), verbosity
    assert any(WINDOWS_KEY in json.dumps(c["program"]) for c in kms_lab.commands(KMS01))  # it did travel
    haystacks = {"stdout": run.stdout.encode(), "stderr": run.stderr.encode(),
                 "results": json.dumps(run.records).encode()}
    for key in KEYS:
        assert leaks(haystacks, forms(key)) == [], key
        assert leaks(haystacks, {"without dashes": key.replace("-", "").encode()}) == []
        assert gvlk.last5(key).encode() in haystacks["stdout"]
    blocks = "\n".join(kms_lab.script_block_log(KMS01)) + "\n".join(kms_lab.module_log(KMS01))
    assert leaks({"PowerShell logs": blocks.encode()}, {**forms(WINDOWS_KEY), **forms(OFFICE_KEY)}) == []


def test_kms_host_info_shows_the_host_as_the_lab_has_it_after_clients_asked(kms_lab, role, ansible):
    """The role sets kms01 up; the 20 PCs activate Office against kms.campus.example (kms01,
    found by name); kms_host_info then reads what the lab's host has: its host products, settings,
    count against the thresholds, counters, firewall rule and the 12290 requests."""
    role()
    clients = ansible(kms_lab, one_task("office_kms", "kms", kms_host="kms.campus.example"), "--limit", ",".join(PCS),
                      "--forks", "1")
    assert {r["status"] for r in clients.records} <= {"ok", "failed"}
    run = ansible(kms_lab, one_task("kms_host_info", "info"), "--limit", KMS01)
    record = run.result(KMS01, "info")
    assert record["status"] == "ok"
    info = record["result"]
    service = kms_lab.state(KMS01).services["SoftwareLicensingService"]
    kms = kms_lab.host(KMS01).cim.kms
    assert info["changed"] is False and info["remote_calls"] == 1
    assert (info["is_kms_host"], info["kms_enabled"]) == (True, True)
    assert {p["partial_key"]: (p["sku_id"], p["license_status"]["code"]) for p in info["host_products"]} == {
        key: (p["ID"].lower(), p["LicenseStatus"]) for key, p in host_skus(kms_lab).items()}
    assert info["listening_port"] == (service.get("KeyManagementServiceListeningPort") or 1688)
    assert info["dns_publishing"] == bool(service["KeyManagementServiceDnsPublishing"])
    assert (info["activation_interval"], info["renewal_interval"]) == (service["VLActivationInterval"],
                                                                       service["VLRenewalInterval"])
    assert info["current_count"] == kms.count() >= 5
    assert (info["activates_office"], info["activates_windows_server"], info["activates_windows_clients"]) == (
        True, kms.count() >= 5, kms.count() >= 25)
    office = next(p for p in info["host_products"] if p["office_version"] == "2024")
    assert office["current_count"] == kms.count() and office["required_client_count"] == 5
    assert office["requests"]["total"] == service["KeyManagementServiceTotalRequests"] == len(PCS)
    assert info["firewall"] == {"rule": RULE, "available": True, "found": True, "enabled": True,
                                "display_name": "Key Management Service (TCP-In)", "profiles": ["Any"]}
    logged = [e for e in kms_lab.state(KMS01).events if e["id"] == 12290]
    assert len(info["kms_requests"]) == len(logged) == len(PCS)
    summary = info["kms_request_summary"]
    assert (summary["read"], summary["events"], summary["distinct_clients"]) == (True, 20, 19)  # two clones, one CMID
    assert sum(r["count"] for r in summary["by_result"]) == 20
    results = {r["hresult"]: r for r in summary["by_result"]}
    # The first four Office requests were below Office's threshold of 5 (docs/licensing-facts.md §12.7).
    assert results["0xC004F038"]["count"] == 4 and results["0xC004F038"]["error_name"] == "SL_E_VL_NOT_ENOUGH_COUNT"
    assert "5 for Office" in results["0xC004F038"]["error_hint"]
    assert results["0x00000000"]["count"] == 16
    newest = info["kms_requests"][0]
    assert newest["client"].endswith(".campus.example") and newest["required_count"] == 5
    assert newest["activation_id"] == "8d368fc1-9470-4be2-8d66-90e836cbb051"


def test_every_return_value_is_documented(kms_lab, role, ansible, tmp_path):
    playbook = """
- hosts: kms01
  gather_facts: false
  tasks:
    - name: check
      volume_licensing.kms.kms_host:
        host_keys: %s
        firewall: true
      check_mode: true
      diff: true
    - name: good
      volume_licensing.kms.kms_host:
        host_keys: %s
        firewall: true
      diff: true
    - name: failing
      volume_licensing.kms.kms_host:
        host_keys: ["%s"]
      ignore_errors: true
    - name: info
      volume_licensing.kms.kms_host_info:
""" % (json.dumps(KEYS), json.dumps(KEYS), OFFICE21_KEY)
    run = ansible(kms_lab, playbook, "--limit", KMS01)
    assert {r["status"] for r in run.records} == {"ok", "failed"}
    module = [r for r in run.records if r["task"] != "info"]
    assert check_documented(ansible_doc("volume_licensing.kms.kms_host")["return"], module) > 5
    info = [r for r in run.records if r["task"] == "info"]
    # host, two host products, firewall, kms_request_summary
    assert check_documented(ansible_doc("volume_licensing.kms.kms_host_info")["return"], info) >= 5


def test_ansible_doc_shows_every_option():
    for module in ("kms_host", "kms_host_info"):
        doc = ansible_doc("volume_licensing.kms.%s" % module)
        options = doc["doc"].get("options") or {}
        assert set(options) == set(SPECS[module])
        for name, spec in SPECS[module].items():
            assert options[name]["type"] == spec["type"], name
            assert options[name].get("default") == spec.get("default"), name
            assert options[name].get("choices") == spec.get("choices"), name
            for sub, sub_spec in (spec.get("options") or {}).items():
                assert options[name]["suboptions"][sub]["type"] == sub_spec["type"], (name, sub)
                assert options[name]["suboptions"][sub].get("default") == sub_spec.get("default"), (name, sub)
        assert doc["doc"]["version_added"] == "0.2.0"
        assert "volume_licensing.kms.%s:" % module in doc["examples"]
    role = ansible_doc("volume_licensing.kms.kms_host", "role")
    variables = role["entry_points"]["main"]["options"]
    assert variables["kms_host_keys"]["no_log"] is True
    assert set(variables) == {"kms_host_keys", "kms_host_activate", "kms_host_listening_port",
                              "kms_host_dns_publishing", "kms_host_dns_publishing_domains", "kms_host_low_priority",
                              "kms_host_activation_interval", "kms_host_renewal_interval", "kms_host_firewall",
                              "kms_host_office_versions"}


def test_a_lost_reply_is_read_again_and_reported_as_what_the_host_shows(kms_lab, ansible):
    """The apply call's reply is lost after the host ran it: the module reads the host again
    (a third call) and reports each step by what it shows; the restart, which no read can
    tell, is unknown and said so. The next run has nothing left to do."""
    kms_lab.state(KMS01).faults["reply_lost"] = "invoke"
    playbook = one_task("kms_host", "kms", host_keys=json.dumps(KEYS), firewall="true")
    record = ansible(kms_lab, playbook, "--limit", KMS01).result(KMS01, "kms")
    result = record["result"]
    assert record["status"] == "ok" and result["changed"] is True, result
    assert result["remote_calls"] == 3 and calls(kms_lab, KMS01) == ["read", "write", "read"]
    assert [s["result"] for s in result["steps"]] == ["ok"] * 5 + ["unknown"]
    assert result["left_undone"] == []
    assert any("shows every step done" in w for w in result["warnings"]), result["warnings"]
    assert any("Restart-Service sppsvc" in w for w in result["warnings"])
    kms_lab.state(KMS01).faults.clear()
    again = ansible(kms_lab, playbook, "--limit", KMS01).result(KMS01, "kms")["result"]
    assert (again["changed"], again["remote_calls"]) == (False, 1)


def test_the_role_with_another_port_leaves_the_firewall_to_the_operator(kms_lab, role):
    """kms_host_firewall: null leaves the rule alone (the built-in rule opens 1688 only); with
    true and another port the role refuses before anything is sent."""
    refused = role(kms_host_listening_port=1700)
    record = refused.result(KMS01, ROLE_TASK)
    assert record["status"] == "failed" and "Invalid option: firewall: true" in record["result"]["msg"]
    assert kms_lab.commands(KMS01) == []
    run = role(kms_host_listening_port="1700", kms_host_firewall=None)
    result = run.result(KMS01, ROLE_TASK)["result"]
    assert result["listening_port"] == 1700 and kms_lab.host(KMS01).cim.kms.port() == 1700
    assert "enable_firewall_rule" not in [s["action"] for s in result["steps"]] and rule_enabled(kms_lab) == 2


def test_publishing_domains_are_written_published_at_the_restart_and_removed(kms_lab, role):
    """dns_publishing_domains through the role: DnsDomainPublishList written under
    SoftwareProtectionPlatform (TN-REG, docs/licensing-facts.md §12.2), the Software Protection
    service restarted, the host's SRV record then in each domain with its priority and weight;
    the same list in another order changes nothing; [] removes the value."""
    spp = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform"
    wanted = [{"domain": "Labs.Example.EDU"}, {"domain": "dorms.example.edu", "priority": 10, "weight": 100}]
    check = role("--check", kms_host_dns_publishing_domains=wanted)
    assert check.result(KMS01, ROLE_TASK)["result"]["dns_publishing_domains"] == [
        {"domain": "labs.example.edu", "priority": 0, "weight": 0},
        {"domain": "dorms.example.edu", "priority": 10, "weight": 100}]
    assert "DnsDomainPublishList" not in kms_lab.host(KMS01).registry_key(spp)["values"]
    first = role(kms_host_dns_publishing_domains=wanted)
    result = first.result(KMS01, ROLE_TASK)["result"]
    assert [s["action"] for s in result["steps"]][-3:] == [
        "set_dns_publishing_domains", "enable_firewall_rule", "restart_service"]
    assert kms_lab.host(KMS01).registry_key(spp)["values"]["DnsDomainPublishList"] == [
        "labs.example.edu", "dorms.example.edu, 10, 100"]
    assert result["dns_publishing_domains"] == check.result(KMS01, ROLE_TASK)["result"]["dns_publishing_domains"]
    assert "DNS publishing on (also in labs.example.edu, dorms.example.edu (priority 10, weight 100))" in result["msg"]
    pc = kms_lab.host("pc01")
    assert pc.srv_records("_vlmcs._tcp.labs.example.edu") == [
        {"target": "kms01.campus.example", "port": 1688, "priority": 0, "weight": 0}]
    assert pc.srv_records("_vlmcs._tcp.dorms.example.edu") == [
        {"target": "kms01.campus.example", "port": 1688, "priority": 10, "weight": 100}]
    again = role(kms_host_dns_publishing_domains=list(reversed(wanted)))
    assert again.result(KMS01, ROLE_TASK)["result"]["changed"] is False
    cleared = role(kms_host_dns_publishing_domains=[]).result(KMS01, ROLE_TASK)["result"]
    assert [s["action"] for s in cleared["steps"]] == ["set_dns_publishing_domains", "restart_service"]
    assert cleared["dns_publishing_domains"] == []
    assert "DnsDomainPublishList" not in kms_lab.host(KMS01).registry_key(spp)["values"]


def test_publishing_domains_with_publishing_off_is_refused_before_anything_is_sent(kms_lab, role):
    run = role(kms_host_dns_publishing=False, kms_host_dns_publishing_domains=[{"domain": "labs.example.edu"}])
    record = run.result(KMS01, ROLE_TASK)
    assert record["status"] == "failed"
    assert "dns_publishing is false, which stops all publishing" in record["result"]["msg"]
    assert kms_lab.commands(KMS01) == []
