"""Key material for the bodies' PAdES signatures (SPEC §5).

Layout of ``settings.FENGQIAO_PKI_DIR``::

    ca.cert.pem                 trust anchor(s); may be a PEM bundle (root and intermediates)
    ca.key.pem                  development only: the dev CA's key, issues body certificates
    trust/*.pem                 optional: more trusted roots (e.g. the previous CA after rotation)
    bodies/<body_id>.key.pem    the body's private key (unencrypted PEM, mode 0600)
    bodies/<body_id>.cert.pem   the body's certificate

Development and tests: ``manage.py make_dev_pki`` creates a development root CA ("Fengqiao
Development CA") and one ECDSA P-256 certificate per mediation body; with
``FENGQIAO_PKI_AUTO_CREATE`` (default: ``DEBUG``) missing material is created on first use.

Production: set ``FENGQIAO_PKI_DIR`` to a directory holding the centre's own material in the same
layout — ``ca.cert.pem`` with the issuing CA certificate(s) (self-signed ones become trust
anchors, the others are embedded in signatures as intermediates) and ``bodies/<id>.key.pem`` +
``bodies/<id>.cert.pem`` per body — no ``ca.key.pem``, and ``FENGQIAO_PKI_AUTO_CREATE`` off. Nothing
here ever overwrites an existing file, so pointing it at real material is safe.
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
import threading
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)

CA_KEY = "ca.key.pem"
CA_CERT = "ca.cert.pem"
BODIES_DIR = "bodies"
TRUST_DIR = "trust"
COMMAND = "python manage.py make_dev_pki"

DEV_CA_NAME = "Fengqiao Development CA"
DEV_CA_ORG = "枫桥 (development)"
CA_VALIDITY = datetime.timedelta(days=20 * 365)
BODY_VALIDITY = datetime.timedelta(days=10 * 365)
# RFC 9336 id-kp-documentSigning; emailProtection is listed too for older validators.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CN_MAX_BYTES = 64  # cryptography refuses common names longer than 64 bytes of UTF-8

_lock = threading.RLock()
_signers: dict[int, tuple[tuple, signers.SimpleSigner]] = {}
_roots: dict[str, tuple[tuple, tuple[list, list]]] = {}


# --- paths ---------------------------------------------------------------------------------------


def pki_dir() -> Path:
    return Path(settings.FENGQIAO_PKI_DIR)


def ca_paths() -> tuple[Path, Path]:
    """(key path, certificate path) of the issuing CA."""
    base = pki_dir()
    return base / CA_KEY, base / CA_CERT


def body_signer_paths(body_id: int) -> tuple[Path, Path]:
    """(key path, certificate path) of a body's signing certificate."""
    base = pki_dir() / BODIES_DIR
    return base / f"{int(body_id)}.key.pem", base / f"{int(body_id)}.cert.pem"


def auto_create_enabled() -> bool:
    return bool(getattr(settings, "FENGQIAO_PKI_AUTO_CREATE", settings.DEBUG))


# --- writing -------------------------------------------------------------------------------------


def _publish(path: Path, data: bytes, mode: int) -> bool:
    """Write ``data`` to ``path`` unless it exists; True if this call created it.

    The file is written under a temporary name and hard-linked into place, so readers never see
    a half-written file and a concurrent writer never overwrites (the loser's copy is dropped).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system: exclusive create instead
            try:
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            except FileExistsError:
                return False
            with os.fdopen(out, "wb") as fh:
                fh.write(data)
        return True
    finally:
        os.unlink(tmp)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_pem_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _key_for(path: Path) -> tuple[object, bool]:
    """The private key stored at ``path``, created (0600) if missing; (key, created)."""
    if path.exists():
        return _load_pem_key(path), False
    key = _new_key()
    if _publish(path, _key_pem(key), 0o600):
        return key, True
    return _load_pem_key(path), False  # another process won the race: use its key


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _ski(public_key) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _ca_certificate(key) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEV_CA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_CA_ORG),
        ]
    )
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + CA_VALIDITY)
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
        .add_extension(_ski(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _subject_name(body_id: int, body_name: str) -> str:
    return (body_name or "").strip() or f"Mediation body {int(body_id)}"


def common_name_for(body_id: int, body_name: str) -> str:
    """The certificate CN for a body: its name, cut to 64 bytes of UTF-8 (21 Chinese characters)
    because cryptography enforces that bound; the organisation (O) always holds the full name."""
    name = _subject_name(body_id, body_name)
    while len(name.encode()) > CN_MAX_BYTES:
        name = name[:-1]
    return name


def _body_subject(body_id: int, body_name: str) -> x509.Name:
    name = _subject_name(body_id, body_name)
    return x509.Name(
        [
            # cryptography writes these as UTF8String, so Chinese names survive as they are.
            x509.NameAttribute(NameOID.COMMON_NAME, common_name_for(body_id, name)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"FQ-BODY-{int(body_id)}"),
        ]
    )


def _body_certificate(
    body_id: int, body_name: str, public_key, ca_cert: x509.Certificate, ca_key
) -> x509.Certificate:
    now = _now()
    not_after = min(now + BODY_VALIDITY, ca_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(_body_subject(body_id, body_name))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation: pyHanko requires it by default
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(_ski(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def ensure_dev_ca() -> list[Path]:
    """Create the development CA's key and certificate where missing; never overwrites.

    Returns the files this call created (empty when everything already existed).
    """
    key_path, cert_path = ca_paths()
    created: list[Path] = []
    with _lock:
        if cert_path.exists() and key_path.exists():
            return created
        if cert_path.exists():
            # A CA certificate without its key is production's layout: nothing to create here.
            return created
        key, key_created = _key_for(key_path)
        if key_created:
            created.append(key_path)
        if _publish(
            cert_path, _ca_certificate(key).public_bytes(serialization.Encoding.PEM), 0o644
        ):
            created.append(cert_path)
    for path in created:
        logger.info("PKI: created %s", path)
    return created


def _issuing_ca() -> tuple[x509.Certificate, object]:
    key_path, cert_path = ca_paths()
    if not key_path.exists() or not cert_path.exists():
        missing = key_path if not key_path.exists() else cert_path
        raise ImproperlyConfigured(
            f"Cannot issue a body certificate: {missing} is missing. In development run "
            f"`{COMMAND}`; in production install the body's key and certificate yourself."
        )
    ca_cert = x509.load_pem_x509_certificates(cert_path.read_bytes())[0]
    ca_key = _load_pem_key(key_path)
    if ca_cert.public_key().public_numbers() != ca_key.public_key().public_numbers():
        raise ImproperlyConfigured(f"{key_path} does not belong to the certificate {cert_path}.")
    return ca_cert, ca_key


def ensure_body_certificate(body_id: int, body_name: str) -> list[Path]:
    """Create the body's key and a certificate issued by the dev CA where missing.

    Never overwrites: an existing certificate is kept even if the body was renamed since.
    Creates the dev CA first if it is missing. Returns the files this call created.
    """
    key_path, cert_path = body_signer_paths(body_id)
    created: list[Path] = []
    with _lock:
        if key_path.exists() and cert_path.exists():
            return created
        if cert_path.exists():
            raise ImproperlyConfigured(
                f"{cert_path} exists but its key {key_path} is missing; restore the key or "
                f"remove the certificate and run `{COMMAND} --body {int(body_id)}`."
            )
        ca_created = ensure_dev_ca()
        ca_cert, ca_key = _issuing_ca()
        key, key_created = _key_for(key_path)
        if key_created:
            created.append(key_path)
        cert = _body_certificate(body_id, body_name, key.public_key(), ca_cert, ca_key)
        if _publish(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644):
            created.append(cert_path)
    for path in created:
        logger.info("PKI: created %s", path)
    return ca_created + created


# --- reading -------------------------------------------------------------------------------------


def _stamp(*paths: Path) -> tuple:
    """Identity of the files' current versions, for cache invalidation."""
    out = []
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            out.append((str(path), None))
        else:
            out.append((str(path), st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(out)


def _is_self_signed(cert: asn1_x509.Certificate) -> bool:
    return cert.self_signed in ("yes", "maybe")


def _trust_files() -> list[Path]:
    files = [ca_paths()[1]]
    trust = pki_dir() / TRUST_DIR
    if trust.is_dir():
        files += sorted(p for p in trust.iterdir() if p.suffix in (".pem", ".crt", ".cer"))
    return files


def _ca_material() -> tuple[list[asn1_x509.Certificate], list[asn1_x509.Certificate]]:
    """(trust roots, intermediates) from ca.cert.pem and trust/*, cached by file versions."""
    files = _trust_files()
    stamp = _stamp(*files)
    key = str(pki_dir())
    with _lock:
        cached = _roots.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        roots: list[asn1_x509.Certificate] = []
        others: list[asn1_x509.Certificate] = []
        for path in files:
            if not path.exists():
                continue
            for cert in load_certs_from_pemder_data(path.read_bytes()):
                (roots if _is_self_signed(cert) else others).append(cert)
        _roots[key] = (stamp, (roots, others))
        return roots, others


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates signatures must chain to: the self-signed certificates in ``ca.cert.pem``
    and ``trust/*.pem`` (asn1crypto objects, as pyHanko's ValidationContext takes them).

    Empty (and logged) when no CA certificate is installed: every signature is then untrusted.
    """
    roots, _ = _ca_material()
    if not roots:
        logger.warning("PKI: no trust roots in %s; run `%s`.", pki_dir(), COMMAND)
    return list(roots)


def intermediate_certificates() -> list[asn1_x509.Certificate]:
    """Non-self-signed CA certificates from ``ca.cert.pem`` (production intermediates)."""
    return list(_ca_material()[1])


def load_signer(body_id: int, body_name: str, *, create_if_missing: bool) -> signers.SimpleSigner:
    """A pyHanko signer holding the body's key, with the CA chain in its certificate registry.

    Missing files are created first when ``create_if_missing`` is true (dev CA and body
    certificate); otherwise ImproperlyConfigured names the missing file and the command to run.
    Signers are cached per body and reloaded when a key or certificate file changes.
    """
    key_path, cert_path = body_signer_paths(body_id)
    if not (key_path.exists() and cert_path.exists()):
        if not create_if_missing:
            missing = key_path if not key_path.exists() else cert_path
            raise ImproperlyConfigured(
                f"The signing key material of mediation body {int(body_id)} is missing: "
                f"{missing}. Run `{COMMAND} --body {int(body_id)}` (development) or install the "
                f"body's key and certificate there (production)."
            )
        ensure_body_certificate(body_id, body_name)
    stamp = _stamp(key_path, cert_path, *_trust_files())
    with _lock:
        cached = _signers.get(int(body_id))
        if cached is not None and cached[0] == stamp:
            return cached[1]
    signer = _build_signer(key_path, cert_path)
    with _lock:
        _signers[int(body_id)] = (stamp, signer)
    return signer


def _build_signer(key_path: Path, cert_path: Path) -> signers.SimpleSigner:
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        certs = x509.load_pem_x509_certificates(cert_path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"Cannot read {key_path} or {cert_path}: {exc}") from exc
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, spki) != certs[
        0
    ].public_key().public_bytes(serialization.Encoding.DER, spki):
        raise ImproperlyConfigured(f"{key_path} does not belong to the certificate {cert_path}.")
    cert, *chain = (translate_pyca_cryptography_cert_to_asn1(c) for c in certs)
    # Everything in the registry is embedded in each signature: the body's chain and the issuing
    # CA certificate(s) from ca.cert.pem, not the extra roots kept in trust/.
    ca_file = ca_paths()[1]
    issuers = list(load_certs_from_pemder_data(ca_file.read_bytes())) if ca_file.exists() else []
    registry = SimpleCertificateStore()
    registry.register_multiple([*chain, *issuers])
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=registry,
    )


def clear_caches() -> None:
    """Forget loaded signers and trust roots (tests switch PKI directories)."""
    with _lock:
        _signers.clear()
        _roots.clear()
