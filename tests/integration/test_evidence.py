"""The host's own evidence end to end, through WinRM, on tests/simlab/scenarios/evidence.yml:
the KMS exchanges its licensing events record (docs/licensing-facts.md §10.2), what its DNS
publishes (docs/licensing-facts.md §7.1, §10.3), rearms left (docs/licensing-facts.md §10.6) and
AD-based activation (docs/licensing-facts.md §10.7)."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import BIN, ROOT, calls, invoked, kms_playbook, one_task, run_playbook
from tests.integration.test_report import browse
from tests.simlab.lab import Lab

INFO = "info"
PROPLUS = "8d368fc1-9470-4be2-8d66-90e836cbb051"
O14 = "6f327760-8c5c-417c-9b61-836a98287e0c"
SPP = "Microsoft-Windows-Security-SPP"


@pytest.fixture
def lab():
    with Lab.from_scenario("evidence") as running:
        yield running


def info(lab, ansible, host, **options):
    options.setdefault("include_windows", "true")
    run = ansible(lab, one_task("office_kms_info", INFO, **options), "--limit", host)
    record = run.result(host, INFO)
    assert record["status"] == "ok", record
    return record["result"]


def office(result, sku=PROPLUS):
    [found] = [p for p in result["products"] if p["sku_id"] == sku]
    return found


def events(lab, host):
    return [(e["provider"], e["id"]) for e in lab.state(host).events]


def test_kms_host_below_its_count(lab, ansible):
    run = ansible(lab, kms_playbook(), "--limit", "ev-count-low")
    record = run.result("ev-count-low", "kms")
    assert record["status"] == "failed"
    result = record["result"]
    assert result["error_code"] == "0xC004F038"
    # The lab wrote what Windows writes: the request and the KMS host's answer.
    assert events(lab, "ev-count-low") == [(SPP, 12288), (SPP, 12289)]
    when = lab.state("ev-count-low").events[0]["time_created"].replace("T", " ")[:16]
    assert result["msg"].endswith(
        "Last KMS exchange %s with kms-new.campus.example:1688: 0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT, the KMS host "
        "counts 3 clients and activates Office from 5." % when), result["msg"]
    exchange = office(result)["last_kms_exchange"]
    assert (exchange["kms_count"], exchange["required_count"], exchange["activated"]) == (3, 5, False)

    read = info(lab, ansible, "ev-count-low")
    [seen] = read["kms_exchanges"]
    assert (seen["kms_host"], seen["kms_port"], seen["hresult"], seen["error_name"], seen["activation_id"]) == (
        "kms-new.campus.example", 1688, "0xC004F038", "SL_E_VL_NOT_ENOUGH_COUNT", PROPLUS)
    assert office(read)["last_kms_exchange"] == seen
    assert calls(lab, "ev-count-low") == ["read", "write", "read"]  # the events cost no call of their own
    reads = [op for op in lab.commands("ev-count-low")[-1]["program"]["operations"] if op["op"] == "event_log"]
    assert [(op["provider"], op["ids"], op["newest"]) for op in reads] == [  # bounded: newest 40 per provider
        (SPP, [12288, 12289], 40), ("Office Software Protection Platform Service", [12288, 12289], 40)]


def test_kms_host_without_the_office_host_key(lab, ansible):
    run = ansible(lab, kms_playbook(), "--limit", "ev-no-host-key")
    result = run.result("ev-no-host-key", "kms")["result"]
    assert result["error_code"] == "0xC004F042"
    assert "Last KMS exchange" in result["msg"]
    assert result["msg"].endswith("with kms-win.campus.example:1688: 0xC004F042 "
                                  "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH, the KMS host counts 50 clients and "
                                  "activates Office from 5."), result["msg"]
    # The same KMS host activates Windows, for which it holds a key.
    lab.state("ev-no-host-key").products[0].update(LicenseStatus=2, GracePeriodRemaining=43200)
    win = ansible(lab, one_task("windows_kms", "win", kms_host="kms-win.campus.example"), "--limit", "ev-no-host-key")
    [done] = win.result("ev-no-host-key", "win")["result"]["products"]
    assert done["license_status"]["name"] == "Licensed"
    assert done["last_kms_exchange"]["activated"] is True


def test_no_srv_record_fails_early_and_changes_nothing(lab, ansible):
    before = copy.deepcopy(lab.state("ev-no-dns").products)
    run = ansible(lab, kms_playbook(), "--limit", "ev-no-dns")
    record = run.result("ev-no-dns", "kms")
    result = record["result"]
    assert record["status"] == "failed" and result["changed"] is False
    assert (result["error_code"], result["error_name"]) == ("0x8007232B", "DNS_ERROR_RCODE_NAME_ERROR")
    assert result["msg"].startswith(
        "Cannot activate ProPlus2024Volume on ev-no-dns: kms_host is not set and no KMS host is published in DNS "
        "(_vlmcs._tcp.annex.campus.example: _vlmcs._tcp.annex.campus.example : DNS name does not exist). Nothing "
        "was changed."), result["msg"]
    assert lab.state("ev-no-dns").products == before
    assert invoked(lab, "ev-no-dns") == [] and calls(lab, "ev-no-dns") == ["read"]
    assert lab.state("ev-no-dns").events == []  # no request was ever sent

    read = info(lab, ansible, "ev-no-dns")
    assert read["dns_discovery"]["status"] == "not_published"
    assert read["dns_discovery"]["query"] == "_vlmcs._tcp.annex.campus.example"
    reach = read["kms_reachability"]
    assert (reach["source"], reach["reachable"], reach["kms_host"]) == ("dns", False, None)


def test_srv_record_of_a_dead_host(lab, ansible):
    run = ansible(lab, kms_playbook(), "--limit", "ev-dead-dns")
    record = run.result("ev-dead-dns", "kms")
    result = record["result"]
    assert record["status"] == "failed" and result["changed"] is False
    assert result["error_code"] == "0xC004F074"
    # (SocketException's message ends with the end point that refused)
    assert re.search(r"DNS publishes kms-old\.campus\.example:1688 \(No connection could be made because the target "
                     r"machine actively refused it [^)]*:1688\), but none of them accepts a TCP connection from the "
                     r"host", result["msg"]), result["msg"]
    assert invoked(lab, "ev-dead-dns") == []
    # check_reachable: false lets Windows try, and its events show the request went unanswered.
    tried = ansible(lab, kms_playbook(check_reachable="false"), "--limit", "ev-dead-dns")
    result = tried.result("ev-dead-dns", "kms")["result"]
    assert result["error_code"] == "0xC004F074"
    assert events(lab, "ev-dead-dns") == [(SPP, 12288)]
    assert "Last KMS request" in result["msg"] and "got no answer (event 12288 without 12289" in result["msg"]

    read = info(lab, ansible, "ev-dead-dns")
    [record] = read["dns_discovery"]["records"]
    assert (record["kms_host"], record["kms_port"], record["reachable"]) == ("kms-old.campus.example", 1688, False)
    assert read["kms_exchanges"][0]["answered"] is False


def test_windows_7_has_no_resolve_dnsname(lab, ansible):
    read = info(lab, ansible, "ev-win7")
    assert read["dns_discovery"]["status"] == "unknown"
    assert "Resolve-DnsName is not available" in read["dns_discovery"]["error"]
    assert read["kms_reachability"] is None
    # DNS cannot be judged here, so office_kms lets Windows find its KMS host, and osppsvc logs the exchange.
    run = ansible(lab, kms_playbook(), "--limit", "ev-win7")
    result = run.result("ev-win7", "kms")["result"]
    assert run.result("ev-win7", "kms")["status"] == "ok" and result["changed"] is True, result
    assert events(lab, "ev-win7") == [("Office Software Protection Platform Service", 12288),
                                      ("Office Software Protection Platform Service", 12289)]
    exchange = office(result, O14)["last_kms_exchange"]
    assert (exchange["kms_host"], exchange["activated"], exchange["kms_count"]) == ("kms.campus.example", True, 50)
    assert office(info(lab, ansible, "ev-win7"), O14)["last_kms_exchange"]["activated"] is True


def test_rearm_counts(lab, ansible):
    read = info(lab, ansible, "ev-no-rearms")
    assert read["host"]["remaining_windows_rearm_count"] == 0
    assert office(read)["rearm_count"] == {"app": 0, "sku": 0}
    fresh = info(lab, ansible, "ev-count-low")
    assert fresh["host"]["remaining_windows_rearm_count"] == 1001
    assert office(fresh)["rearm_count"] == {"app": 5, "sku": 5}
    win = ansible(lab, one_task("windows_kms", "win", state="configured", kms_host="kms.campus.example"),
                  "--limit", "ev-no-rearms", "--check")
    result = win.result("ev-no-rearms", "win")["result"]
    assert result["remaining_windows_rearm_count"] == 0
    assert result["products"][0]["rearm_count"] == {"app": 1001, "sku": 0}
    # Windows 7 has no product rearm counts to read: unknown, not zero.
    assert office(info(lab, ansible, "ev-win7"), O14)["rearm_count"] == {"app": None, "sku": None}


def test_ad_activated_host(lab, ansible):
    read = info(lab, ansible, "ev-adba")
    kinds = {p["application"]: (p["activation_type"], p["ad_activation_object"]) for p in read["products"]}
    assert kinds == {"windows": ("ActiveDirectory", "Windows Volume Activation"),
                     "office": ("ActiveDirectory", "Office LTSC 2024 Activation")}


# -- the fleet report says why ----------------------------------------------------------------
REPORT = "playbooks/report.yml"


@pytest.fixture(scope="module")
def evidence_report(tmp_path_factory):
    """The refusals happen first (office_kms logs the exchanges on the hosts), then the
    report reads every host of the evidence lab."""
    workdir = tmp_path_factory.mktemp("evidence-report")
    reports = workdir / "reports"
    with Lab.from_scenario("evidence") as running:
        tried = run_playbook(running, kms_playbook(), workdir, "--limit", "ev-count-low,ev-no-host-key")
        assert tried.rc == 2, tried.stdout  # both refused by their KMS host
        # No office_kms_host: each PC finds its KMS host through its own DNS, as at a site without one set.
        run = run_playbook(running, REPORT, workdir, "-e", "office_kms_report_dir=%s" % reports,
                           "-e", '{"office_kms_host": null}')
        assert run.rc == 0, run.stdout + run.stderr
        yield running, run, reports


def test_report_json_says_why_and_flags(evidence_report):
    _unused, _unused, reports = evidence_report
    document = json.loads((reports / "kms-report.json").read_text())
    flags = document["flags"]
    assert [(f["host"], f["kms_host"], f["kms_count"], f["required_count"]) for f in flags["kms_count_low"]] == [
        ("ev-count-low", "kms-new.campus.example", 3, 5)]
    assert [(f["host"], f["kms_host"]) for f in flags["kms_host_lacks_key"]] == [
        ("ev-no-host-key", "kms-win.campus.example")]
    assert flags["no_dns_record"] == [{"query": "_vlmcs._tcp.annex.campus.example", "hosts": ["ev-no-dns"]}]
    assert {(f["host"], f["product"]) for f in flags["rearms_exhausted"]} == {
        ("ev-no-rearms", "Windows"), ("ev-no-rearms", "ProPlus2024Volume")}
    assert [f["host"] for f in flags["kms_unreachable"]] == ["ev-dead-dns"]
    by_host = {h["host"]: h for h in document["hosts"]}
    low = by_host["ev-count-low"]
    assert low["outcome"] == "not_activated"
    assert "0xC004F038 SL_E_VL_NOT_ENOUGH_COUNT, the KMS host counts 3 clients and activates Office from 5" \
        in low["reason"]
    [proplus] = [p for p in low["products"] if p["sku_id"] == PROPLUS]
    assert proplus["last_error"]["code"] == "0xC004F038"
    assert proplus["kms_answered_by"] == {"kms_host": "kms-new.campus.example", "kms_port": 1688, "kms_count": 3}
    assert by_host["ev-win7"]["dns_discovery"]["status"] == "unknown"
    assert "ev-win7" not in {h for f in flags["no_dns_record"] for h in f["hosts"]}
    adba = {p["application"]: p["activation_type"] for p in by_host["ev-adba"]["products"]}
    assert adba == {"office": "ActiveDirectory"}  # the report reads Office only
    assert by_host["ev-adba"]["outcome"] == "activated"
    assert by_host["ev-no-rearms"]["remaining_windows_rearm_count"] == 0


class FlagBoxes(HTMLParser):
    """Each flag box Chromium rendered (data-flag) with its number of items, and the
    "Why not activated" cells."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: dict[str, int] = {}
        self.why: list[str] = []
        self._box: str | None = None
        self._why: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("class") == "flag":
            self._box = a.get("data-flag")
            self.boxes[self._box] = 0
        elif tag == "li" and self._box:
            self.boxes[self._box] += 1
        elif tag == "td" and a.get("class") == "why":
            self._why = ""

    def handle_endtag(self, tag):
        if tag == "div":
            self._box = None
        elif tag == "td" and self._why is not None:
            self.why.append(self._why)
            self._why = None

    def handle_data(self, data):
        if self._why is not None:
            self._why += data


def test_report_page_shows_the_json_flags_in_chromium(evidence_report, tmp_path):
    _unused, _unused, reports = evidence_report
    document = json.loads((reports / "kms-report.json").read_text())
    page = FlagBoxes()
    page.feed(browse(reports / "kms-report.html", tmp_path / "profile", "--dump-dom").stdout)
    assert page.boxes == {kind: len(items) for kind, items in document["flags"].items() if items}
    assert {"kms_count_low", "kms_host_lacks_key", "no_dns_record", "rearms_exhausted"} <= set(page.boxes)
    whys = sorted(w for w in page.why if w)
    expected = sorted(p["why_not_activated"] for h in document["hosts"] for p in h["products"]
                      if p["why_not_activated"])
    assert whys == expected and any("SL_E_VL_NOT_ENOUGH_COUNT" in w for w in whys)


def test_report_of_an_installed_collection_is_written_where_it_is_run(tmp_path):
    """Built and installed as a user installs it; run from a directory outside the repository,
    with no ansible.cfg of ours: the files land there, never in the collection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_HOST_KEY_CHECKING="False")

    def run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc

    run(str(BIN / "ansible-galaxy"), "collection", "build", str(ROOT), "--output-path", str(tmp_path / "dist"),
        cwd=tmp_path)
    [tarball] = (tmp_path / "dist").glob("*.tar.gz")
    run(str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(tmp_path / "collections"),
        cwd=tmp_path)
    installed = tmp_path / "collections" / "ansible_collections" / "volume_licensing" / "kms"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with Lab.from_scenario("evidence") as running:
        (elsewhere / "inventory.yml").write_text(yaml.safe_dump(running.inventory(), sort_keys=False))
        run(str(BIN / "ansible-playbook"), "-i", "inventory.yml", "volume_licensing.kms.report", "--limit",
            "ev-count-low,ev-no-dns", cwd=elsewhere)
    document = json.loads((elsewhere / "reports" / "kms-report.json").read_text())
    assert [h["host"] for h in document["hosts"]] == ["ev-count-low", "ev-no-dns"]
    assert {p.name for p in (elsewhere / "reports").iterdir()} == {"kms-report.json", "kms-report.csv",
                                                                   "kms-report.html"}
    assert not (installed / "reports").exists()
    assert not list(installed.rglob("kms-report.*"))
