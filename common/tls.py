"""A certificate authority and a server certificate for local HTTPS (stage04 on).

The load balancer terminates TLS with a certificate that the project makes for itself: no
public CA can certify ``localhost``. ``make_certificates(DIR)`` writes

* ``ca.pem``     the local CA's certificate: what a browser or a test client trusts;
* ``server.pem`` the server certificate (for localhost, 127.0.0.1, ::1 and any extra names),
  followed by the CA's, as nginx's ``ssl_certificate`` wants the chain;
* ``server.key`` its private key (mode 0600); the CA's own key is not kept at all, so a copy
  of the directory cannot mint certificates for other names.

ECDSA P-256 keys (fast handshakes), SHA-256 signatures, with the ``cryptography`` library.
Everything stays in the directory given (a compose volume, natively the run directory),
never in git.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
CA_FILE, CERT_FILE, KEY_FILE = "ca.pem", "server.pem", "server.key"
SERVER_DAYS = 365
RENEW_WITHIN_DAYS = 30


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path
    created: bool  # False: valid ones were already there


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shop Evolution (local)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def still_valid(directory: Path, hosts: Iterable[str] = DEFAULT_HOSTS) -> bool:
    """The directory holds a certificate for every host, valid for a while yet."""
    paths = [directory / name for name in (CA_FILE, CERT_FILE, KEY_FILE)]
    if not all(path.is_file() for path in paths):
        return False
    try:
        cert = x509.load_pem_x509_certificate(paths[1].read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    renew_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=RENEW_WITHIN_DAYS)
    wanted = set(_san(hosts))
    return cert.not_valid_after_utc > renew_at and wanted <= set(san)


def make_certificates(
    directory: Path, hosts: Iterable[str] = DEFAULT_HOSTS, *, if_missing: bool = False
) -> Certificates:
    hosts = list(dict.fromkeys([*DEFAULT_HOSTS, *hosts]))
    paths = Certificates(directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE, True)
    if if_missing and still_valid(directory, hosts):
        return Certificates(paths.ca, paths.cert, paths.key, created=False)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Shop Evolution local CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS + 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    key_bytes = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(paths.key, key_bytes, mode=0o600)
    _write(paths.cert, cert.public_bytes(pem) + ca.public_bytes(pem), mode=0o644)
    _write(paths.ca, ca.public_bytes(pem), mode=0o644)
    return paths


def _write(path: Path, data: bytes, *, mode: int) -> None:
    """Written whole under a temporary name, then renamed: a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def ca_file_in(run_dir: str | os.PathLike[str]) -> Path | None:
    """The CA a natively run stage made (its certificate job writes into a volume)."""
    found = sorted(Path(run_dir).glob(f"volumes/*/{CA_FILE}"))
    return found[0] if found else None


def client_context(ca_file: Path | None) -> ssl.SSLContext:
    """A client context that verifies certificates as usual and also trusts ``ca_file``."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context
