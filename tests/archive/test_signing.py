"""archive/signing.py: the operator's key (Ed25519 or ECDSA P-256, a PEM file), its certificate chain and
the signature record beside a manifest. A key that is missing, unreadable, encrypted, of another kind or
not a key at all is one ConfigError naming the setting, never showing the key; what is signed is the
object's exact bytes; a record that does not check out is a SignatureInvalid naming it and why."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from archive.signing import (
    ECDSA_P256,
    ED25519,
    MAX_PEM_BYTES,
    SignatureInvalid,
    SignatureRecord,
    load_chain,
    load_signing_key,
    verify_signature,
)
from common.errors import ConfigError
from tests.tsa import TestCA, pem, write_key

SETTING = "NEWSARCHIVE_SIGNING_KEY"
DATA = "بيان الأرشيف".encode()


@pytest.mark.parametrize("kind, algorithm", [("ed25519", ED25519), ("p256", ECDSA_P256)])
def test_a_key_signs_the_exact_bytes_and_shows_only_its_public_part(tmp_path, kind, algorithm):
    path = write_key(tmp_path / "key.pem", kind)
    key = load_signing_key(str(path), SETTING)
    assert key.algorithm == algorithm
    der = subprocess.run(
        ["openssl", "pkey", "-in", str(path), "-pubout", "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout
    assert key.fingerprint == hashlib.sha256(der).hexdigest() and key.spki_der == der
    assert repr(key) == f"SigningKey({algorithm}, SHA256:{key.fingerprint})"
    assert "PRIVATE" not in repr(key) + key.public_pem
    signature = key.sign(DATA)
    assert verify_signature(key.public_key, signature, DATA)
    assert not verify_signature(key.public_key, signature, DATA + b" ")


def test_a_key_that_is_not_one_we_sign_with_is_one_line_naming_the_setting(tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    other_curve = tmp_path / "p384.pem"
    other_curve.write_bytes(_private_pem(ec.generate_private_key(ec.SECP384R1())))
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(_private_pem(rsa.generate_private_key(65537, 1024)))
    huge = tmp_path / "huge.pem"
    huge.write_bytes(b"x" * (MAX_PEM_BYTES + 1))
    cases = [
        (tmp_path / "none.pem", "none.pem': no such file; give the path of an unencrypted PEM"),
        (tmp_path, "is a directory; give the path"),
        (garbage, "is not a PEM private key; give"),
        (encrypted, "is encrypted; give an unencrypted key file"),
        (other_curve, "is an ECDSA secp384r1 key; give"),
        (rsa_key, "is an RSA key; give"),
        (huge, "is larger than a PEM file would be"),
    ]
    for path, message in cases:
        with pytest.raises(ConfigError) as caught:
            load_signing_key(str(path), SETTING)
        text = str(caught.value)
        assert text.startswith(f"{SETTING}=") and message in text, text
        assert "\n" not in text and "BEGIN" not in text


def _private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_a_certificate_chain_must_certify_the_signing_key(tmp_path):
    key = load_signing_key(str(write_key(tmp_path / "key.pem", "p256")), SETTING)
    ca = TestCA("Archive Root")
    leaf = ca.issue(key.public_key, "archive.example.org")
    chain_file = tmp_path / "chain.pem"
    chain_file.write_bytes(pem(leaf) + pem(ca.cert))
    chain = load_chain(str(chain_file), "NEWSARCHIVE_SIGNING_CHAIN", key)
    assert [c.subject.rfc4514_string() for c in chain] == [
        "CN=archive.example.org",
        "CN=Archive Root",
    ]
    other = load_signing_key(str(write_key(tmp_path / "other.pem", "ed25519")), SETTING)
    with pytest.raises(
        ConfigError, match=r"its first certificate \(CN=archive.example.org\) is not"
    ):
        load_chain(str(chain_file), "NEWSARCHIVE_SIGNING_CHAIN", other)
    with pytest.raises(ConfigError, match="NEWSARCHIVE_SIGNING_CHAIN=.* holds no PEM certificate"):
        load_chain(str(tmp_path / "key.pem"), "NEWSARCHIVE_SIGNING_CHAIN")


def test_a_signature_record_round_trips_and_checks_exactly_the_signed_bytes(tmp_path):
    key = load_signing_key(str(write_key(tmp_path / "key.pem", "ed25519")), SETTING)
    record = SignatureRecord.make(key, "manifest.json", DATA)
    again = SignatureRecord.from_bytes(record.to_bytes(), "manifest.sig.json")
    assert again == record and again.check(DATA) and not again.check(DATA + b"\n")
    assert again.sha256 == hashlib.sha256(DATA).hexdigest()
    assert again.signer() == f"ed25519 key SHA256:{key.fingerprint}"
    p256 = load_signing_key(str(write_key(tmp_path / "p256.pem", "p256")), SETTING)
    ca = TestCA("Archive Root")
    chain = (ca.issue(p256.public_key, "archive.example.org"), ca.cert)
    signed = SignatureRecord.from_bytes(
        SignatureRecord.make(p256, "manifest.json", DATA, chain).to_bytes(), "x"
    )
    assert signed.check(DATA)
    assert signed.signer() == f"CN=archive.example.org (ecdsa key SHA256:{p256.fingerprint})"


@pytest.mark.parametrize(
    "change, why",
    [
        (lambda r: r.update(format="newsarchive-signature/9"), "not a newsarchive-signature/1"),
        (lambda r: r.pop("sha256"), "sha256"),
        (lambda r: r.update(algorithm="rsa"), "unknown algorithm 'rsa'"),
        (lambda r: r.update(signature="not base64!"), "damaged"),
        (lambda r: r.update(key_sha256="0" * 64), "its public key does not match its key_sha256"),
        (lambda r: r.update(public_key="-----BEGIN PUBLIC KEY-----\nAAAA\n"), "damaged"),
        (lambda r: r.update(certificates=["x"]), "certificates is not PEM text"),
        (lambda r: r.update(object=5), "a field is not a string"),
    ],
)
def test_a_damaged_signature_record_is_named(tmp_path, change, why):
    key = load_signing_key(str(write_key(tmp_path / "key.pem", "ed25519")), SETTING)
    raw = json.loads(SignatureRecord.make(key, "manifest.json", DATA).to_bytes())
    change(raw)
    with pytest.raises(
        SignatureInvalid, match="^snapshots/x/manifest.sig.json is damaged: "
    ) as caught:
        SignatureRecord.from_bytes(json.dumps(raw).encode(), "snapshots/x/manifest.sig.json")
    assert why in str(caught.value)
    with pytest.raises(SignatureInvalid, match="is damaged"):
        SignatureRecord.from_bytes(b"\xff\xfe", "manifest.sig.json")
