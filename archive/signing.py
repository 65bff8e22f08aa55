"""Signatures: the operator's key (Ed25519 or ECDSA P-256, a PEM file), its certificate chain, and the
signature record published beside a manifest (`manifest.sig.json`, one decoder: `SignatureRecord`).

The private key is read once, held in memory and never logged, printed or written anywhere; only its
public key and the public key's fingerprint (SHA-256 of its DER SubjectPublicKeyInfo, as
`openssl pkey -pubin -outform DER | sha256sum` prints it) leave this module. What is signed is the
object's exact bytes: Ed25519 over the bytes, ECDSA P-256 over their SHA-256 (DER signature), so
`openssl pkeyutl -verify -rawin` and `openssl dgst -sha256 -verify` check them by hand (docs/integrity.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from common.errors import ConfigError, NewsArchiveError

ED25519 = "ed25519"
ECDSA_P256 = "ecdsa-p256-sha256"
SIGNATURE_FORMAT = "newsarchive-signature/1"
MAX_PEM_BYTES = 1 << 20  # a key or a certificate chain: far below this
_GIVE_KEY = "give the path of an unencrypted PEM private key (Ed25519 or ECDSA P-256), e.g. one made by `openssl genpkey -algorithm ed25519`"

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


class SignatureInvalid(NewsArchiveError):
    """A signature or a signature record does not check out; the message names the object and why."""

    reason = "signature_invalid"
    retryable = False


@dataclass(frozen=True)
class SigningKey:
    """The operator's private key with what may be shown of it. `repr` never shows the key."""

    algorithm: str
    public_pem: str
    fingerprint: str  # SHA-256 of the public key's DER SubjectPublicKeyInfo, hex
    _key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

    def __repr__(self) -> str:
        return f"SigningKey({self.algorithm}, SHA256:{self.fingerprint})"

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    @property
    def public_key(self) -> PublicKey:
        return _public_key(self.public_pem.encode())

    @property
    def spki_der(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def read_pem(path: str, setting: str, what: str) -> bytes:
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_PEM_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{setting}={path!r}: no such file; {what}") from None
    except IsADirectoryError:
        raise ConfigError(f"{setting}={path!r} is a directory; {what}") from None
    except OSError as exc:
        raise ConfigError(f"{setting}={path!r} cannot be read ({exc.strerror}); {what}") from None
    if len(data) > MAX_PEM_BYTES:
        raise ConfigError(f"{setting}={path!r} is larger than a PEM file would be; {what}")
    return data


def load_signing_key(path: str, setting: str) -> SigningKey:
    """The private key in `path`; a missing, unreadable, encrypted or unsupported key is a ConfigError
    naming `setting` (the key's bytes never appear in a message)."""
    data = read_pem(path, setting, _GIVE_KEY)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigError(
            f"{setting}={path!r} is encrypted; give an unencrypted key file readable only by the "
            "archive's user (e.g. `openssl pkey -in KEY -out PLAIN`)"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(f"{setting}={path!r} is not a PEM private key; {_GIVE_KEY}") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        algorithm = ED25519
    elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = ECDSA_P256
    else:
        kind = (
            f"ECDSA {key.curve.name}"
            if isinstance(key, ec.EllipticCurvePrivateKey)
            else type(key).__name__.removesuffix("PrivateKey")
        )
        raise ConfigError(f"{setting}={path!r} is an {kind} key; {_GIVE_KEY}")
    public = key.public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return SigningKey(algorithm, pem, fingerprint(public), key)


def fingerprint(public: PublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def load_chain(
    path: str, setting: str, key: SigningKey | None = None
) -> tuple[x509.Certificate, ...]:
    """A PEM certificate chain, leaf first; with `key`, the leaf must certify that key."""
    what = "give a PEM file with the key's certificate first, then its issuers up to the root"
    data = read_pem(path, setting, what)
    try:
        chain = tuple(x509.load_pem_x509_certificates(data))
    except ValueError:
        raise ConfigError(f"{setting}={path!r} holds no PEM certificate; {what}") from None
    if key is not None and fingerprint(_certified_key(chain[0])) != key.fingerprint:
        raise ConfigError(
            f"{setting}={path!r}: its first certificate ({chain[0].subject.rfc4514_string()}) is not "
            f"for the signing key (SHA256:{key.fingerprint}); {what}"
        )
    return chain


def _certified_key(cert: x509.Certificate) -> PublicKey:
    public = cert.public_key()
    if not isinstance(public, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise ConfigError(
            f"certificate {cert.subject.rfc4514_string()} is not for an Ed25519 or ECDSA key"
        )
    return public


def _public_key(pem: bytes) -> PublicKey:
    public = serialization.load_pem_public_key(pem)
    if not isinstance(public, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise ValueError(f"a {type(public).__name__} key, not Ed25519 or ECDSA")
    return public


def verify_signature(public: PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
        else:
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def chain_pem(chain: tuple[x509.Certificate, ...]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain)


def subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


# -- the signature record beside a manifest -------------------------------------------------------------
@dataclass(frozen=True)
class SignatureRecord:
    """`manifest.sig.json`: who signed which bytes. `certificates` (PEM, leaf first) only when the operator
    configured the key's certificate chain; it names the signer but is not checked against a root here."""

    object: str  # the signed object's name under the snapshot prefix
    sha256: str  # of its bytes
    algorithm: str
    public_key: str  # PEM SubjectPublicKeyInfo
    key_sha256: str
    signature: bytes
    certificates: str = ""

    @classmethod
    def make(
        cls, key: SigningKey, name: str, data: bytes, chain: tuple[x509.Certificate, ...] = ()
    ) -> SignatureRecord:
        return cls(
            name,
            hashlib.sha256(data).hexdigest(),
            key.algorithm,
            key.public_pem,
            key.fingerprint,
            key.sign(data),
            chain_pem(chain),
        )

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "format": SIGNATURE_FORMAT,
            "object": self.object,
            "sha256": self.sha256,
            "algorithm": self.algorithm,
            "public_key": self.public_key,
            "key_sha256": self.key_sha256,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }
        if self.certificates:
            body["certificates"] = self.certificates
        return json.dumps(body, indent=1, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> SignatureRecord:
        """The record, every field checked (the public key parses and matches its fingerprint)."""
        try:
            raw = json.loads(data)
            if not isinstance(raw, dict) or raw.get("format") != SIGNATURE_FORMAT:
                raise ValueError(f"not a {SIGNATURE_FORMAT} record")
            fields = {
                k: raw[k] for k in ("object", "sha256", "algorithm", "public_key", "key_sha256")
            }
            if not all(isinstance(v, str) for v in fields.values()):
                raise ValueError("a field is not a string")
            if fields["algorithm"] not in (ED25519, ECDSA_P256):
                raise ValueError(f"unknown algorithm {fields['algorithm']!r}")
            signature = base64.b64decode(raw["signature"], validate=True)
            public = _public_key(fields["public_key"].encode("ascii"))
            if fingerprint(public) != fields["key_sha256"]:
                raise ValueError("its public key does not match its key_sha256")
            certificates = raw.get("certificates", "")
            if not isinstance(certificates, str):
                raise ValueError("certificates is not PEM text")
            return cls(**fields, signature=signature, certificates=certificates)
        except (
            ValueError,
            KeyError,
            TypeError,
            UnicodeError,
            binascii.Error,
            UnsupportedAlgorithm,
        ) as exc:
            raise SignatureInvalid(f"{where} is damaged: {exc}") from None

    def signer(self) -> str:
        """`ed25519 key SHA256:<hex>`, with the certificate's subject when there is one."""
        label = f"{self.algorithm.split('-')[0]} key SHA256:{self.key_sha256}"
        if self.certificates:
            try:
                return f"{subject(x509.load_pem_x509_certificates(self.certificates.encode())[0])} ({label})"
            except ValueError:
                return f"{label} (its certificates do not parse)"
        return label

    def check(self, data: bytes) -> bool:
        """The signature is the record's key's signature of exactly `data`."""
        return hashlib.sha256(data).hexdigest() == self.sha256 and verify_signature(
            _public_key(self.public_key.encode("ascii")), self.signature, data
        )
