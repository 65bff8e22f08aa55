"""WACZ signatures per Webrecorder's "WACZ Signing and Verification" 0.1.0: the `signedData` of
`datapackage-digest.json`, over the `hash` of datapackage.json ("sha256:<hex>", signed as ASCII text).

- **Domain identity + timestamp** (what authsign makes and `wacz validate --verify-auth` checks): with an
  ECDSA P-256 key, its certificate chain (NEWSARCHIVE_SIGNING_CERT) and a TSA that answers. `signature` is
  the key's ECDSA/SHA-256 signature (DER, base64) of `hash`; `timeSignature` the TSA's whole RFC 3161 reply
  (DER, base64) over the SHA-256 of `signature`'s base64 text; `domainCert` and `timestampCert` the two
  chains, leaf first, root last (verifiers match the root's fingerprint against the roots they trust).
- **Anonymous**: an ECDSA P-256 key without a certificate (or while the TSA is down): `signature` and
  `publicKey` (base64 DER SubjectPublicKeyInfo), checked with the key the operator publishes.

An Ed25519 key signs manifests but not WACZ files: the spec's signatures are ECDSA.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from rfc3161_client import decode_timestamp_response

from archive.seal import Sealer
from archive.signing import ECDSA_P256, chain_pem
from archive.timestamp import TsaUnavailable, check_token

SPEC_VERSION = "0.1.0"
AUTHSIGN_CERT_DAYS = (
    7  # authsign's verifier takes a domain certificate issued at most this long before
)


@dataclass(frozen=True)
class WaczSignature:
    """What went into a WACZ's datapackage-digest.json (`signed_data` None: unsigned) and a line saying so."""

    signed_data: dict[str, Any] | None
    how: str


def sign_package(
    sealer: Sealer | None, package_hash: str, created: str, software: str
) -> WaczSignature:
    """The spec's `signedData` for a datapackage.json whose digest is `package_hash` and whose `created`
    is `created` (the same string, as validators compare them)."""
    key = sealer.key if sealer is not None else None
    if sealer is None or key is None:
        return WaczSignature(None, "unsigned (no NEWSARCHIVE_SIGNING_KEY)")
    if key.algorithm != ECDSA_P256:
        return WaczSignature(
            None,
            "unsigned: the WACZ signing spec takes an ECDSA P-256 key, NEWSARCHIVE_SIGNING_KEY is "
            f"{key.algorithm} (it still signs the manifests)",
        )
    signature = base64.b64encode(key.sign(package_hash.encode("ascii"))).decode("ascii")
    data: dict[str, Any] = {
        "hash": package_hash,
        "created": created,
        "software": software,
        "version": SPEC_VERSION,
        "signature": signature,
    }
    why_anonymous = "no NEWSARCHIVE_SIGNING_CERT"
    tsa_chain: tuple[x509.Certificate, ...] = ()
    reply, stamp = b"", None
    if sealer.chain and sealer.tsa is None:
        why_anonymous = "no NEWSARCHIVE_TSA_URL for the domain signature's timestamp"
    elif sealer.chain and sealer.tsa is not None:
        try:
            reply = sealer.tsa.stamp(signature.encode("ascii"))
        except TsaUnavailable as exc:
            why_anonymous = str(exc)
        else:
            stamp = check_token(
                reply, signature.encode("ascii"), sealer.tsa.anchors, "the TSA's reply"
            )
            tsa_chain = _tsa_chain(reply, sealer.tsa.anchors)
            why_anonymous = "the TSA's reply carries no certificate for timestampCert"
        if tsa_chain:
            domain = _domain(sealer.chain[0])
            data.update(
                domain=domain,
                domainCert=chain_pem(sealer.chain),
                timeSignature=base64.b64encode(reply).decode("ascii"),
                timestampCert=chain_pem(tsa_chain),
            )
            return WaczSignature(
                data,
                f"signed by {domain}, timestamped {stamp.describe() if stamp else '?'}"
                + _age_note(sealer.chain[0], created),
            )
    data["publicKey"] = base64.b64encode(key.spki_der).decode("ascii")
    return WaczSignature(
        data, f"anonymous signature, key SHA256:{key.fingerprint} ({why_anonymous})"
    )


def _domain(cert: x509.Certificate) -> str:
    """The name verifiers compare `domain` with: the subject's CN, else the first DNS name."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        return str(names[0].value)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return str(san.get_values_for_type(x509.DNSName)[0])
    except (x509.ExtensionNotFound, IndexError):
        return ""


def _tsa_chain(reply: bytes, anchors: tuple[x509.Certificate, ...]) -> tuple[x509.Certificate, ...]:
    """The TSA's certificate, then each issuer (from the token, then the trusted roots) up to a root."""
    response = decode_timestamp_response(reply)
    pool = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates] + list(
        anchors
    )
    serials = {info.serial_number for info in response.signed_data.signer_infos}
    leaf = next((c for c in pool if c.serial_number in serials), None)
    if leaf is None:
        return ()
    chain = [leaf]
    while chain[-1].issuer != chain[-1].subject:
        issuer = next((c for c in pool if c.subject == chain[-1].issuer and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
    return tuple(chain)


def _age_note(cert: x509.Certificate, created: str) -> str:
    made = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if made - cert.not_valid_before_utc > timedelta(days=AUTHSIGN_CERT_DAYS):
        return (
            f"; note: its certificate was issued on {cert.not_valid_before_utc:%Y-%m-%d}, more than "
            f"{AUTHSIGN_CERT_DAYS} days before, which authsign's verifier refuses"
        )
    return ""
