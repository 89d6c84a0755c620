"""A throw-away MIT Kerberos realm for the simulated lab: a real KDC (Debian's krb5-kdc) on
loopback, its database, the lab's domain account and one ``HTTP/<host>`` service principal per
simulated PC, whose keys go into a keytab the lab's WinRM endpoint accepts tickets with.
Everything lives in a temporary directory that ``stop()`` removes.

    with Kdc() as kdc:                          # krb5kdc runs until the block ends
        kdc.add_user("Administrator", "...")    # Administrator@LAB.EXAMPLE
        kdc.add_service("pc01.lab.example")     # HTTP/pc01.lab.example@LAB.EXAMPLE, in its own keytab
        env = kdc.environment()                 # KRB5_CONFIG for clients, KRB5_KDC_PROFILE

This is not Active Directory: an AD domain controller is a KDC too, and WinRM on a
domain-joined PC accepts tickets for ``HTTP/<its FQDN>`` (the host's own key: AD maps the
HTTP service class to the computer account). What matters to the client stack (pywinrm,
pykerberos, the KDC exchange, the AP-REQ and AP-REP, GSS wrap for message encryption) is the
same MIT Kerberos protocol either way.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REALM = "LAB.EXAMPLE"
DOMAIN = "lab.example"
# Debian's packages: krb5-kdc (krb5kdc), krb5-admin-server (kadmin.local, kdb5_util: in
# krb5-kdc on Debian 12), krb5-user (kinit, klist, kdestroy).
SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def tool(name: str) -> str:
    """The path of a Kerberos program, or FileNotFoundError naming the package to install."""
    found = shutil.which(name) or next((os.path.join(d, name) for d in SBIN if os.path.exists(os.path.join(d, name))),
                                       None)
    if not found:
        raise FileNotFoundError("%s not found: install krb5-kdc, krb5-admin-server and krb5-user (make test-deps "
                                "does, as root)" % name)
    return found


def available() -> bool:
    try:
        for name in ("krb5kdc", "kdb5_util", "kadmin.local", "kinit"):
            tool(name)
    except FileNotFoundError:
        return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Kdc:
    """A realm on 127.0.0.1 (TCP and UDP on one free port) with AES keys only."""

    def __init__(self, realm: str = REALM, domain: str = DOMAIN) -> None:
        self.realm = realm
        self.domain = domain
        self.directory = Path(tempfile.mkdtemp(prefix="simlab-kdc-"))
        self.port = _free_port()
        self.krb5_conf = self.directory / "krb5.conf"
        self.kdc_conf = self.directory / "kdc.conf"
        self.process: subprocess.Popen[bytes] | None = None
        self._write_config()

    def _write_config(self) -> None:
        d = self.directory
        # rdns/dns_canonicalize_hostname off: the client asks for HTTP/<the name it was given>,
        # as pywinrm's kerberos_hostname_override intends, without DNS lookups.
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            "    default_realm = %(realm)s\n"
            "    dns_lookup_kdc = false\n"
            "    dns_lookup_realm = false\n"
            "    rdns = false\n"
            "    dns_canonicalize_hostname = false\n"
            "    ignore_acceptor_hostname = true\n"
            "[realms]\n"
            "    %(realm)s = {\n"
            "        kdc = 127.0.0.1:%(port)d\n"
            "    }\n"
            "[domain_realm]\n"
            "    .%(domain)s = %(realm)s\n"
            "    %(domain)s = %(realm)s\n"
            % {"realm": self.realm, "domain": self.domain, "port": self.port})
        self.kdc_conf.write_text(
            "[kdcdefaults]\n"
            "    kdc_listen = 127.0.0.1:%(port)d\n"
            "    kdc_tcp_listen = 127.0.0.1:%(port)d\n"
            "[realms]\n"
            "    %(realm)s = {\n"
            "        database_name = %(d)s/principal\n"
            "        key_stash_file = %(d)s/stash\n"
            "        acl_file = %(d)s/kadm5.acl\n"
            "        max_life = 10h\n"
            "        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
            "    }\n"
            "[logging]\n"
            "    kdc = FILE:%(d)s/kdc.log\n"
            % {"realm": self.realm, "port": self.port, "d": d})
        (d / "kadm5.acl").write_text("")

    def environment(self) -> dict[str, str]:
        """What a process needs to use this realm: its krb5.conf, and the KDC's own profile."""
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5_KDC_PROFILE": str(self.kdc_conf)}

    def _run(self, *argv: str, stdin: str | None = None) -> str:
        env = dict(os.environ, **self.environment())
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, check=False, timeout=60)
        if done.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(argv[:2]), done.returncode,
                                                       (done.stderr or done.stdout).strip()))
        return done.stdout

    def kadmin(self, query: str) -> str:
        return self._run(tool("kadmin.local"), "-r", self.realm, "-q", query)

    def start(self) -> Kdc:
        master = secrets.token_urlsafe(24)
        self._run(tool("kdb5_util"), "create", "-s", "-r", self.realm, "-P", master)
        env = dict(os.environ, **self.environment())
        # -n: stay in the foreground (a child we stop), -r: this realm only.
        self.process = subprocess.Popen([tool("krb5kdc"), "-n", "-r", self.realm], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                    self.stop()
                    raise RuntimeError("krb5kdc did not start: %s" % stderr.strip()) from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Kdc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- principals -----------------------------------------------------------------------------
    def principal(self, name: str) -> str:
        return name if "@" in name else "%s@%s" % (name, self.realm)

    def exists(self, name: str) -> bool:
        return self.principal(name) in self.kadmin("listprincs").split()

    def add_user(self, name: str, password: str) -> str:
        """A user principal with this password, made or reset (kadmin.local reads the password
        twice from stdin)."""
        principal = self.principal(name)
        query = "%s %s" % ("cpw" if self.exists(principal) else "addprinc", principal)
        self._run(tool("kadmin.local"), "-r", self.realm, "-q", query, stdin="%s\n%s\n" % (password, password))
        return principal

    def add_service(self, host: str) -> str:
        """``HTTP/<host>`` with a random key, exported to a keytab of its own (as each computer
        account has its own key); returns the keytab's path, for that host's acceptor."""
        principal = self.principal("HTTP/%s" % host)
        keytab = self.directory / ("%s.keytab" % host)
        if not self.exists(principal):
            self.kadmin("addprinc -randkey %s" % principal)
        self.kadmin("ktadd -k %s %s" % (keytab, principal))  # new random keys, written to the keytab
        return str(keytab)

    def delete(self, name: str) -> None:
        self.kadmin("delprinc -force %s" % self.principal(name))

    def kinit(self, name: str, password: str, ccache: str, lifetime: str | None = None) -> None:
        """A ticket-granting ticket for ``name`` in ``ccache`` (``lifetime``: kinit's -l, e.g. 2s)."""
        argv = [tool("kinit"), "-c", ccache] + (["-l", lifetime] if lifetime else []) + [self.principal(name)]
        self._run(*argv, stdin=password + "\n")
