"""Certificates for the simulated lab's HTTPS listeners, generated when a lab starts.

HTTPS (WinRM's port 5986 on a real host) in the lab: ``LabCertificates`` makes a lab CA and a
server certificate signed by it for ``127.0.0.1`` / ``localhost`` (SAN IP 127.0.0.1 and DNS
localhost, plus the bind address), writes them as PEM files into a temporary directory and
hands the server an ``ssl.SSLContext``. Clients trust the lab by pointing at the CA file:

    ansible_winrm_scheme: https
    ansible_winrm_server_cert_validation: validate
    ansible_winrm_ca_trust_path: <lab.certs.ca_path>

(``ignore`` skips the check; never do that against a real lab.) ``untrusted_ca_path()``
writes a second, unrelated CA for "wrong CA" tests: validation against it must fail with
"certificate verify failed". Keys are ECDSA P-256 (fast to generate, and a signature hash of
SHA-256, which is also what the NTLM channel binding hash below uses).

NTLM over HTTPS binds the authentication to the TLS channel (RFC 5929 ``tls-server-end-point``,
what requests-ntlm sends and Windows checks with CbtHardeningLevel): ``channel_bindings()``
gives the value the server side expects.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import shutil
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from spnego.channel_bindings import GssChannelBindings

VALID_DAYS = 365


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "volume_licensing.kms simlab"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(days=1), now + datetime.timedelta(days=VALID_DAYS)


def new_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed CA certificate and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    not_before, not_after = _validity()
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_server_cert(ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, dns_names: list[str],
                      ip_addresses: list[str]) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A TLS server certificate for the given names and addresses, signed by the CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    not_before, not_after = _validity()
    public = key.public_key()
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0] if dns_names else ip_addresses[0]))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class LabCertificates:
    """A lab CA and one server certificate, as PEM files in a temporary directory."""

    def __init__(self, bind_address: str = "127.0.0.1") -> None:
        self.directory = tempfile.mkdtemp(prefix="simlab-tls-")
        try:
            addresses = ["127.0.0.1"]
            try:
                if bind_address not in addresses and not ipaddress.ip_address(bind_address).is_unspecified:
                    addresses.append(bind_address)
            except ValueError:
                pass  # a host name: localhost is in the certificate already
            self.ca_cert, ca_key = new_ca("simlab lab CA")
            self.cert, key = issue_server_cert(self.ca_cert, ca_key, ["localhost"], addresses)
            self.ca_path = self._write("lab-ca.pem", _pem(self.ca_cert))
            self.cert_path = self._write("server.pem", _pem(self.cert))  # the leaf only, as WinRM's listener sends
            self.key_path = self._write("server.key", key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            self._untrusted: str | None = None
        except BaseException:
            self.cleanup()
            raise

    def server_context(self) -> ssl.SSLContext:
        """What the listeners wrap accepted connections with (TLS 1.2+, no client certificates)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def channel_bindings(self) -> GssChannelBindings:
        """RFC 5929 tls-server-end-point bindings for this server certificate: the certificate's
        signature hash (SHA-256 when that is MD5 or SHA-1) over its DER form, as requests-ntlm
        computes them."""
        algorithm = self.cert.signature_hash_algorithm
        name = algorithm.name if algorithm and algorithm.name not in ("md5", "sha1") else "sha256"
        digest = hashlib.new(name, self.cert.public_bytes(serialization.Encoding.DER)).digest()
        return GssChannelBindings(application_data=b"tls-server-end-point:" + digest)

    def untrusted_ca_path(self) -> str:
        """PEM of a second CA that signed nothing here: validating the lab against it must fail."""
        if self._untrusted is None:
            cert, _unused = new_ca("simlab unrelated CA")
            self._untrusted = self._write("unrelated-ca.pem", _pem(cert))
        return self._untrusted

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def _write(self, name: str, data: bytes) -> str:
        path = os.path.join(self.directory, name)
        with open(path, "wb") as handle:
            handle.write(data)
        return path
