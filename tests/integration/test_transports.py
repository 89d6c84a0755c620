"""The lab's transports (HTTPS, NTLM with message encryption, NTLM over HTTPS), each driven by
the unchanged Ansible winrm plugin and pywinrm. See tests/simlab/wsman.py and certs.py."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

import pytest
import winrm
import xmltodict
import yaml
from cryptography import x509
from requests_ntlm import requests_ntlm
from winrm.exceptions import InvalidCredentialsError

from tests.integration.conftest import ROOT, run_playbook
from tests.integration.test_office_kms_info import INFO_PLAYBOOK
from tests.simlab.certs import LabCertificates
from tests.simlab.lab import Lab
from tests.simlab.scenario import load
from tests.simlab.wsman import CommandRequest, CommandResult, WsmanServer

TRANSPORTS = ["basic-https", "ntlm", "ntlm-https"]
HOSTS = [h.name for h in load("default").hosts]
ONE_CALL = ["Create", "Command", "Send", "Receive", "Signal", "Delete"]
USER, PASSWORD = "Administrator", "Lab-Passw0rd!"
SPNEGO_PROTOCOL = 'protocol="application/HTTP-SPNEGO-session-encrypted"'


def stable(result):
    """What office_kms_info reports, without the fields that follow the clock."""
    host = {k: v for k, v in result["host"].items() if k not in ("utc_now", "clock_skew_seconds")}
    return {"products": result["products"], "office": result["office"], "host": host}


def fatal_line(run, host):
    lines = [line for line in run.stdout.splitlines() if line.startswith("fatal: [%s]" % host)]
    assert len(lines) == 1, run.stdout
    return lines[0]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The default lab over Basic/HTTP: what every other transport must report too."""
    with Lab.from_scenario("default") as lab:
        return run_playbook(lab, INFO_PLAYBOOK, tmp_path_factory.mktemp("basic"))


@pytest.fixture(scope="module", params=TRANSPORTS)
def transport_run(request, tmp_path_factory):
    with Lab.from_scenario("default", transport=request.param) as lab:
        yield request.param, lab, run_playbook(lab, INFO_PLAYBOOK, tmp_path_factory.mktemp(request.param))


def test_every_host_reports_the_same_over_each_transport(transport_run, baseline):
    transport, _unused, run = transport_run
    assert run.rc == 0, run.stdout + run.stderr
    for host in HOSTS:
        record = run.result(host, "info")
        assert record["status"] == "ok", (transport, record)
        assert stable(record["result"]) == stable(baseline.result(host, "info")["result"]), (transport, host)


def test_the_wire_matches_the_transport(transport_run):
    transport, lab, _unused = transport_run
    https, ntlm = transport.endswith("-https"), transport.startswith("ntlm")
    for host in HOSTS:
        assert lab.requests(host) == ONE_CALL, host  # the same actions whatever the transport
        wire = lab.server.wire_log(host)
        soap = [w for w in wire if w.action]
        assert [w.action for w in soap] == ONE_CALL
        assert all(w.status == 200 for w in soap)
        assert all(w.tls is https for w in wire), wire
        if ntlm:
            # One handshake per task (one connection), then the context authenticates the rest.
            assert [w.status for w in wire if w.auth == "ntlm-token"] == [401, 200], wire
            assert all(w.auth == "ntlm-session" for w in soap[1:])
            # MS-WSMV 2.2.9.1.1 sealing over HTTP only; over HTTPS TLS protects the messages.
            assert all(w.sealed is (transport == "ntlm") for w in soap), wire
        else:
            assert all(w.auth == "basic" and not w.sealed for w in wire), wire


@pytest.mark.parametrize("transport", ["basic-https", "ntlm-https"])
def test_https_certificate_validation(tmp_path, transport):
    with Lab.from_scenario("default", transport=transport) as lab:
        assert lab.inventory()["all"]["vars"]["ansible_winrm_server_cert_validation"] == "validate"
        wrong_ca = lab.certs.untrusted_ca_path()
        run = run_playbook(lab, INFO_PLAYBOOK, tmp_path, host_vars={
            "pc02-ltsc2021": {"ansible_winrm_ca_trust_path": wrong_ca},
            "pc16-lab": {"ansible_winrm_ca_trust_path": wrong_ca, "ansible_winrm_server_cert_validation": "ignore"},
        })
        bad = run.result("pc02-ltsc2021", "info")
        assert bad["status"] == "unreachable", bad
        line = fatal_line(run, "pc02-ltsc2021")
        assert "UNREACHABLE" in line and "certificate verify failed" in line, line
        assert lab.requests("pc02-ltsc2021") == [] and lab.server.wire_log("pc02-ltsc2021") == []
        # ignore: the wrong CA does not matter; every other host validates against the lab CA.
        for host in HOSTS:
            if host != "pc02-ltsc2021":
                assert run.result(host, "info")["status"] == "ok", host
        assert run.rc == 4


@pytest.mark.parametrize("transport", ["ntlm", "ntlm-https"])
def test_ntlm_wrong_password_is_unreachable(tmp_path, transport):
    with Lab.from_scenario("default", transport=transport) as lab:
        run = run_playbook(lab, INFO_PLAYBOOK, tmp_path, "--limit", "pc01-ltsc2024-visio,pc02-ltsc2021,pc16-lab",
                           host_vars={"pc02-ltsc2021": {"ansible_password": "not-the-password"}})
        bad = run.result("pc02-ltsc2021", "info")
        assert bad["status"] == "unreachable"
        assert "credentials were rejected" in fatal_line(run, "pc02-ltsc2021")
        assert lab.commands("pc02-ltsc2021") == []
        assert lab.requests("pc02-ltsc2021") == ["Unauthorized"]
        assert [w.status for w in lab.server.wire_log("pc02-ltsc2021")] == [401, 401, 401]
        assert run.result("pc01-ltsc2024-visio", "info")["status"] == "ok"
        assert run.result("pc16-lab", "info")["status"] == "ok"
        assert run.rc == 4


def test_ntlm_local_account_name_forms(tmp_path):
    """A local account over NTLM: "user", ".\\user" and "COMPUTERNAME\\user" (any case) are the
    same account; another domain is not."""
    with Lab.from_scenario("default", transport="ntlm") as lab:
        computer = lab.state("pc02-ltsc2021").computer_name
        run = run_playbook(lab, INFO_PLAYBOOK, tmp_path, "--limit",
                           "pc01-ltsc2024-visio,pc02-ltsc2021,pc07-activated,pc16-lab", host_vars={
                               "pc01-ltsc2024-visio": {"ansible_user": ".\\Administrator"},
                               "pc02-ltsc2021": {"ansible_user": "%s\\Administrator" % computer.lower()},
                               "pc07-activated": {"ansible_user": "administrator"},
                               "pc16-lab": {"ansible_user": "CAMPUS\\Administrator"},
                           })
        for host in ("pc01-ltsc2024-visio", "pc02-ltsc2021", "pc07-activated"):
            assert run.result(host, "info")["status"] == "ok", host
        assert run.result("pc16-lab", "info")["status"] == "unreachable"
        assert "credentials were rejected" in fatal_line(run, "pc16-lab")


# -- pywinrm directly, to see the bytes a client sends and receives ------------------------------

def recorder(calls):
    def run(request: CommandRequest) -> CommandResult:
        calls.append(request)
        return CommandResult(b"lab\\administrator\r\n")
    return run


@pytest.fixture
def ntlm_server():
    server = WsmanServer(auth="ntlm")
    server.start()
    yield server
    server.stop()


def test_ntlm_over_http_seals_every_message_both_ways(ntlm_server):
    calls = []
    port = ntlm_server.add_host("win01", USER, PASSWORD, recorder(calls))
    client = winrm.Protocol("http://127.0.0.1:%d/wsman" % port, transport="ntlm", username=USER, password=PASSWORD,
                            server_cert_validation="ignore")
    session = client.transport.build_session()  # runs the handshake (pywinrm's setup_encryption)
    seen = []
    session.hooks["response"].append(lambda r, **_: seen.append(r))

    shell = client.open_shell(codepage=65001)
    command = client.run_command(shell, "whoami")
    output = client.get_command_output(shell, command)
    client.cleanup_command(shell, command)
    client.close_shell(shell)

    assert output == (b"lab\\administrator\r\n", b"", 0)
    assert [c.command for c in calls] == ["whoami"]
    assert len(seen) == 5
    for response in seen:  # what went over the socket, as the client saw it
        assert response.status_code == 200
        assert response.request.body.startswith(b"--Encrypted Boundary\r\n")
        assert b"Envelope" not in response.request.body and b"whoami" not in response.request.body
        assert SPNEGO_PROTOCOL in response.headers["Content-Type"]
        assert response.content.startswith(b"--Encrypted Boundary\r\n") and b"Envelope" not in response.content
        assert response.content.endswith(b"--Encrypted Boundary--\r\n")
    assert ntlm_server.requests("win01") == ["Create", "Command", "Receive", "Signal", "Delete"]


def test_ntlm_tampered_sealed_message_is_refused(ntlm_server):
    calls = []
    port = ntlm_server.add_host("win01", USER, PASSWORD, recorder(calls))
    endpoint = "http://127.0.0.1:%d/wsman" % port
    client = winrm.Protocol(endpoint, transport="ntlm", username=USER, password=PASSWORD,
                            server_cert_validation="ignore")
    shell = client.open_shell()
    message = client.build_wsman_header(
        action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
        resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd", shell_id=shell)
    body = {"env:Envelope": dict(message, **{"env:Body": {"rsp:CommandLine": {"rsp:Command": "whoami"}}})}
    session = client.transport.session
    prepared = client.transport.encryption.prepare_encrypted_request(
        session, endpoint, xmltodict.unparse(body).encode())
    sealed = bytearray(prepared.body)
    sealed[-40] ^= 0x01  # one bit of the sealed SOAP message
    prepared.body = bytes(sealed)
    assert session.send(prepared).status_code == 400
    assert calls == [] and ntlm_server.requests("win01") == ["Create"]


def test_ntlm_over_https_checks_the_channel_binding(monkeypatch):
    certs = LabCertificates()
    server = WsmanServer(auth="ntlm", ssl_context=certs.server_context(), channel_bindings=certs.channel_bindings())
    try:
        server.start()
        calls = []
        port = server.add_host("win01", USER, PASSWORD, recorder(calls))

        def session():
            return winrm.Session("https://127.0.0.1:%d/wsman" % port, auth=(USER, PASSWORD), transport="ntlm",
                                 server_cert_validation="validate", ca_trust_path=certs.ca_path)

        assert session().run_cmd("whoami").std_out == b"lab\\administrator\r\n"
        # A client bound to another certificate (a TLS-intercepting proxy) is refused.
        monkeypatch.setattr(requests_ntlm, "_get_certificate_hash", lambda der: hashlib.sha256(b"proxy").digest())
        with pytest.raises(InvalidCredentialsError):
            session().run_cmd("whoami")
        assert [c.command for c in calls] == ["whoami"]
        assert server.requests("win01")[-1] == "Unauthorized"
    finally:
        server.stop()
        certs.cleanup()


def test_lab_certificate_names_and_cleanup():
    certs = LabCertificates()
    certs.cleanup()
    names = certs.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert certs.cert.issuer == certs.ca_cert.subject
    assert not os.path.exists(certs.directory)


def test_lab_rejects_an_unknown_transport():
    with pytest.raises(ValueError, match="transport must be one of basic, basic-https, ntlm, ntlm-https, kerberos, "
                                         "kerberos-https, not 'credssp'"):
        Lab.from_scenario("default", transport="credssp")


def test_lab_needs_a_kdc_for_kerberos_and_only_for_it():
    with pytest.raises(ValueError, match="a KDC is needed by the Kerberos transports, and only by them"):
        Lab.from_scenario("default", transport="kerberos")


def test_simlab_command_line_serves_the_transport(tmp_path):
    playbook = tmp_path / "info.yml"
    playbook.write_text(INFO_PLAYBOOK)
    inventory = tmp_path / "simlab.yml"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"))
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run(
        [sys.executable, "-m", "tests.simlab", "--transport", "ntlm-https", "--inventory", str(inventory),
         "--", binary, "-i", str(inventory), str(playbook), "--limit", "pc16-lab"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^pc16-lab\s+: ok=1\s+changed=0\s+unreachable=0\s+failed=0", proc.stdout, re.M), proc.stdout
    variables = yaml.safe_load(inventory.read_text())["all"]["vars"]
    assert {k: v for k, v in variables.items() if k.startswith("ansible_winrm_")} == {
        "ansible_winrm_scheme": "https",
        "ansible_winrm_transport": "ntlm",
        "ansible_winrm_server_cert_validation": "validate",
        "ansible_winrm_ca_trust_path": variables["ansible_winrm_ca_trust_path"],
    }
    assert "simlab: transport ntlm-https (ntlm over https); lab CA %s" % variables["ansible_winrm_ca_trust_path"] \
        in proc.stdout
    assert not os.path.exists(variables["ansible_winrm_ca_trust_path"])  # removed when the lab stopped


def test_no_ntlm_password_file_outlives_a_killed_lab(tmp_path):
    """The NTLM acceptor's accounts never reach a named file: while the lab serves NTLM and
    after it is killed with SIGKILL (no cleanup runs), no file in its temporary directory
    holds a password."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    inventory = tmp_path / "simlab.yml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.simlab", "--transport", "ntlm", "--inventory", str(inventory)],
        cwd=ROOT, env=dict(os.environ, TMPDIR=str(scratch)), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)
    try:
        assert proc.stdout.readline().startswith("simlab: ")  # printed once the lab listens
        variables = yaml.safe_load(inventory.read_text())["all"]
        password = variables["vars"]["ansible_password"].encode()
        port = variables["children"]["simlab"]["hosts"]["pc16-lab"]["ansible_port"]
        client = winrm.Protocol("http://127.0.0.1:%d/wsman" % port, transport="ntlm",
                                username=variables["vars"]["ansible_user"], password=password.decode())
        client.close_shell(client.open_shell())  # the acceptor has checked the NTLM response

        def holding_the_password():
            return [p for p in scratch.rglob("*") if p.is_file() and password in p.read_bytes()]

        assert holding_the_password() == []
    finally:
        proc.kill()  # SIGKILL: no atexit, no signal handler, no finally runs in the lab
        proc.wait(timeout=30)
    assert proc.returncode == -9
    assert holding_the_password() == []


def test_simlab_command_line_leaves_tracked_files_alone(tmp_path):
    """Without --inventory the lab writes its inventory to the git-ignored .simlab/, never
    over the tracked inventory/simlab.yml (ephemeral ports would change it)."""
    tracked = ROOT / "inventory" / "simlab.yml"
    before = tracked.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "tests.simlab", "--", "true"], cwd=ROOT,
                          env=dict(os.environ, ANSIBLE_LOCAL_TEMP=str(tmp_path)), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "inventory .simlab/inventory.yml" in proc.stdout
    assert tracked.read_bytes() == before
    written = yaml.safe_load((ROOT / ".simlab" / "inventory.yml").read_text())
    assert "pc01-ltsc2024-visio" in written["all"]["children"]["simlab"]["hosts"]
    ignored = subprocess.run(["git", "check-ignore", "-q", ".simlab/inventory.yml"], cwd=ROOT, check=False)
    assert ignored.returncode == 0  # git-ignored: a clean checkout stays clean
