"""Kerberos, as the README tells domain-joined labs to use it, against a real MIT KDC
(tests/simlab/kdc.py): ansible_winrm_transport: kerberos, pywinrm's kerberos extra, the realm's
krb5.conf, a ticket from the password in the inventory (Ansible's managed kinit) or from kinit
run beforehand, each PC named for Kerberos by ansible_winrm_kerberos_hostname_override. The
lab's endpoint accepts the tickets with each host's own key (wsman.py), over HTTP with every
message sealed and over HTTPS."""

from __future__ import annotations

import copy
import time

import pytest

from tests.integration.conftest import ROOT, calls, kms_playbook
from tests.integration.test_office_kms_info import INFO_PLAYBOOK
from tests.simlab.kdc import Kdc
from tests.simlab.lab import Lab
from tests.simlab.scenario import load

HOSTS = ["pc01-ltsc2024-visio", "pc07-activated", "pc16-lab"]
LIMIT = ",".join(HOSTS)
ONE_CALL = ["Create", "Command", "Send", "Receive", "Signal", "Delete"]
KMS = "kms.campus.example"


@pytest.fixture(scope="module")
def kdc():
    """One realm for the module; krb5kdc runs until the module's tests are done. Not skipped
    when the Kerberos programs are missing: make test installs them (test-deps)."""
    with Kdc() as running:
        yield running


@pytest.fixture
def krb_env(kdc, tmp_path):
    """The controller's environment: the realm's krb5.conf, and a ticket cache of its own."""
    return {"KRB5_CONFIG": str(kdc.krb5_conf), "KRB5CCNAME": "FILE:%s" % (tmp_path / "ccache")}


def lab_for(kdc, transport):
    return Lab(load("default"), transport=transport, kdc=kdc)


def fatal_line(run, host):
    lines = [line for line in run.stdout.splitlines() if line.startswith("fatal: [%s]" % host)]
    assert len(lines) == 1, run.stdout
    return lines[0]


def stable(result):
    host = {k: v for k, v in result["host"].items() if k not in ("utc_now", "clock_skew_seconds")}
    return {"products": result["products"], "office": result["office"], "host": host}


@pytest.mark.parametrize("transport", ["kerberos", "kerberos-https"])
def test_office_kms_info_and_office_kms_over_kerberos(kdc, krb_env, ansible, transport):
    """The password in the inventory: Ansible gets the ticket (managed kinit), asks the KDC for
    HTTP/<each PC's name>, and the PC accepts it with its own key; over HTTP every message is
    sealed with the Kerberos context, over HTTPS TLS protects them. What the hosts report is
    what they report over Basic; office_kms activates as it does over Basic."""
    with Lab.from_scenario("default") as basic:
        baseline = ansible(basic, INFO_PLAYBOOK, "--limit", LIMIT)
    with lab_for(kdc, transport) as lab:
        variables = lab.inventory()["all"]["vars"]
        assert variables["ansible_winrm_transport"] == "kerberos"
        assert variables["ansible_user"] == "Administrator@LAB.EXAMPLE"
        run = ansible(lab, INFO_PLAYBOOK, "--limit", LIMIT, "-vvvv", env=krb_env)
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "calling kinit for principal Administrator@LAB.EXAMPLE" in run.stdout  # managed kinit ran
        password = lab.state("pc01-ltsc2024-visio").password
        assert password not in run.stdout and password not in run.stderr
        for host in HOSTS:
            assert stable(run.result(host, "info")["result"]) == stable(baseline.result(host, "info")["result"])
            assert lab.requests(host) == ONE_CALL
            wire = lab.server.wire_log(host)
            # The first request carries the AP-REQ (accepted: 200); the context vouches for the rest.
            assert wire[0].auth == "kerberos-token" and wire[0].status == 200, wire
            assert all(w.auth == "kerberos-session" for w in wire[1:]), wire
            assert all(w.tls is (transport == "kerberos-https") for w in wire)
            soap = [w for w in wire if w.action]
            assert soap and all(w.sealed is (transport == "kerberos") for w in soap), wire

        before = copy.deepcopy(lab.state("pc16-lab").products)
        act = ansible(lab, kms_playbook(kms_host=KMS), "--limit", "pc16-lab", env=krb_env)
        result = act.result("pc16-lab", "kms")["result"]
        assert result["changed"] is True, act.stdout[-3000:]
        assert calls(lab, "pc16-lab") == ["read", "read", "write"]  # office_kms_info's, then office_kms's two
        office = [p for p in lab.state("pc16-lab").products
                  if p["PartialProductKey"] and p["Name"].startswith("Office")]
        assert office and all(p["LicenseStatus"] == 1 for p in office), office
        assert lab.state("pc16-lab").products != before
        assert lab.kms(KMS).contacts >= 1


def test_a_wrong_password_fails_that_host_before_anything_is_sent(kdc, krb_env, ansible):
    with lab_for(kdc, "kerberos") as lab:
        run = ansible(lab, INFO_PLAYBOOK, "--limit", LIMIT, "-vvvv", env=krb_env,
                      host_vars={"pc07-activated": {"ansible_password": "Not-The-Passw0rd!"}})
        bad = run.result("pc07-activated", "info")
        assert bad["status"] == "unreachable", bad
        message = bad["result"]["msg"]
        assert "Kerberos refused the account: kinit could not get a ticket: Password incorrect" in message
        assert "Check ansible_user (user@REALM" in message
        assert lab.server.wire_log("pc07-activated") == []  # kinit failed: the host saw nothing
        for host in ("pc01-ltsc2024-visio", "pc16-lab"):
            assert run.result(host, "info")["status"] == "ok", host
        for secret in ("Not-The-Passw0rd!", lab.state("pc01-ltsc2024-visio").password):
            assert secret not in run.stdout and secret not in run.stderr


def manual(host_vars_hosts):
    """No password in the inventory: Ansible uses the ticket the operator got with kinit."""
    return {host: {"ansible_password": "", "ansible_winrm_kinit_mode": "manual"} for host in host_vars_hosts}


def test_a_ticket_from_kinit_works_and_an_expired_one_is_named(kdc, krb_env, ansible):
    with lab_for(kdc, "kerberos") as lab:
        password = lab.state("pc01-ltsc2024-visio").password
        ccache = krb_env["KRB5CCNAME"]
        kdc.kinit("Administrator", password, ccache)
        good = ansible(lab, INFO_PLAYBOOK, "--limit", "pc01-ltsc2024-visio", env=krb_env,
                       host_vars=manual(["pc01-ltsc2024-visio"]))
        assert good.result("pc01-ltsc2024-visio", "info")["status"] == "ok", good.stdout[-3000:]

        kdc.kinit("Administrator", password, ccache, lifetime="2s")
        time.sleep(3)
        run = ansible(lab, INFO_PLAYBOOK, "--limit", "pc01-ltsc2024-visio", env=krb_env,
                      host_vars=manual(["pc01-ltsc2024-visio"]))
        bad = run.result("pc01-ltsc2024-visio", "info")
        assert bad["status"] == "unreachable", bad
        assert "the Kerberos ticket has expired" in bad["result"]["msg"]
        assert "Run kinit again" in bad["result"]["msg"]
        assert lab.commands("pc01-ltsc2024-visio") == lab.commands("pc01-ltsc2024-visio")[:1]  # only the good run's


def test_no_ticket_at_all_is_named(kdc, krb_env, ansible):
    with lab_for(kdc, "kerberos") as lab:
        run = ansible(lab, INFO_PLAYBOOK, "--limit", "pc01-ltsc2024-visio", env=krb_env,
                      host_vars=manual(["pc01-ltsc2024-visio"]))
        bad = run.result("pc01-ltsc2024-visio", "info")
        assert bad["status"] == "unreachable", bad
        assert "there is no Kerberos ticket for the account on the controller" in bad["result"]["msg"]
        assert lab.commands("pc01-ltsc2024-visio") == []


def test_a_host_without_its_service_principal_is_named(kdc, krb_env, ansible):
    """The KDC knows no HTTP/<name> for pc16 (a PC renamed, or reached by a name AD does not
    know): the controller cannot get a ticket for it; the other hosts are unaffected."""
    with lab_for(kdc, "kerberos") as lab:
        kdc.delete("HTTP/%s" % lab.fqdn("pc16-lab"))
        run = ansible(lab, INFO_PLAYBOOK, "--limit", LIMIT, env=krb_env)
        bad = run.result("pc16-lab", "info")
        assert bad["status"] == "unreachable", bad
        message = bad["result"]["msg"]
        assert "the KDC has no service principal for this host" in message
        assert "ansible_winrm_kerberos_hostname_override" in message
        assert lab.commands("pc16-lab") == []
        for host in ("pc01-ltsc2024-visio", "pc07-activated"):
            assert run.result(host, "info")["status"] == "ok", host


def test_a_ticket_for_another_host_is_refused(kdc, krb_env, ansible):
    """pc07 is asked for with pc01's name: the KDC issues a ticket for HTTP/pc01..., which pc07
    cannot decrypt with its own key; it answers 401, as a Windows host would."""
    with lab_for(kdc, "kerberos") as lab:
        run = ansible(lab, INFO_PLAYBOOK, "--limit", "pc07-activated", env=krb_env, host_vars={
            "pc07-activated": {"ansible_winrm_kerberos_hostname_override": lab.fqdn("pc01-ltsc2024-visio")}})
        bad = run.result("pc07-activated", "info")
        assert bad["status"] == "unreachable", bad
        assert "credentials were rejected" in bad["result"]["msg"], bad
        assert lab.commands("pc07-activated") == []
        assert 401 in [w.status for w in lab.server.wire_log("pc07-activated")]


def test_the_readme_s_kerberos_row_is_what_these_tests_do(kdc):
    """Every connection variable the Kerberos lab's inventory sets is named in the README's
    Kerberos row, with the requirement file these tests install."""
    readme = (ROOT / "README.md").read_text()
    [row] = [line for line in readme.splitlines() if line.startswith("| Domain-joined PCs |")]
    lab = lab_for(kdc, "kerberos")
    try:
        inventory = lab.inventory()
    finally:
        lab.stop()
    variables = dict(inventory["all"]["vars"], **inventory["all"]["children"]["simlab"]["hosts"]["pc16-lab"])
    names = [name for name in variables if name.startswith("ansible_winrm_")]
    assert "ansible_winrm_kerberos_hostname_override" in names and "ansible_winrm_kinit_env_vars" in names
    for name in names:
        assert "`%s" % name in row, name
    assert "`ansible_winrm_transport: kerberos`" in row
    assert "ansible_password" in row and "kinit" in row
    assert "`pip install -r requirements-kerberos.txt`" in row
    pins = (ROOT / "requirements-kerberos.txt").read_text()
    assert "pywinrm[kerberos]==" in pins and "pykerberos==" in pins
    assert "-r requirements-kerberos.txt" in (ROOT / "requirements-kerberos-lab.txt").read_text()
