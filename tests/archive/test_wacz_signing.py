"""`snapshots get --format wacz` signs each WACZ per the WACZ signing spec with the operator's key: checked
by authsign (Webrecorder's verifier, run here against the test roots), by `wacz validate --verify-auth`
through a local authsign server, and an anonymous signature by openssl by hand."""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from datetime import date

import pytest
import yaml
from wacz.main import main as wacz_main

from newsarchive.cli.main import main
from tests.archive.warcs import ONE_PAGE_DAY, one_page_snapshot
from tests.tsa import TestCA, load_key, pem, write_key

DAY = date.fromisoformat(ONE_PAGE_DAY)  # the day one_page_snapshot publishes
DOMAIN = "archive.example.org"


@pytest.fixture
def archive(tmp_path, monkeypatch):
    for name in ("NEWSARCHIVE_SIGNING_KEY", "NEWSARCHIVE_SIGNING_CERT", "NEWSARCHIVE_TSA_URL"):
        monkeypatch.delenv(name, raising=False)
    one_page_snapshot(tmp_path)
    return str(tmp_path / "archive")


@pytest.fixture
def domain_signer(tmp_path, tsa, monkeypatch):
    """An ECDSA P-256 key with a certificate for DOMAIN from a signing root, and the TSA: env and roots."""
    key = write_key(tmp_path / "p256.pem", "p256")
    ca = TestCA("Archive Domain Root")
    cert = ca.issue(load_key(key).public_key(), DOMAIN)
    (tmp_path / "chain.pem").write_bytes(pem(cert) + pem(ca.cert))
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_KEY", str(key))
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_CERT", str(tmp_path / "chain.pem"))
    monkeypatch.setenv("NEWSARCHIVE_TSA_URL", tsa.url)
    monkeypatch.setenv("NEWSARCHIVE_TSA_CA", str(tsa.ca_pem))
    roots = tmp_path / "roots.yaml"
    roots.write_text(
        yaml.safe_dump(
            {
                "domain_cert_roots": [ca.cert.fingerprint(_sha256()).hex()],
                "timestamp_cert_roots": [tsa.ca.cert.fingerprint(_sha256()).hex()],
            }
        )
    )
    return roots


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def _get_wacz(archive, dest, capsys) -> tuple[str, dict]:
    assert (
        main(
            [
                "snapshots",
                "get",
                DAY.isoformat(),
                "--archive",
                archive,
                "--format",
                "wacz",
                "--dest",
                str(dest),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    (path,) = dest.glob("*.wacz")
    with zipfile.ZipFile(path) as z:
        digest = json.loads(z.read("datapackage-digest.json"))
    return out, digest


def test_a_domain_signed_wacz_passes_authsign(archive, tmp_path, domain_signer, capsys):
    from authsign.verifier import Verifier

    out, digest = _get_wacz(archive, tmp_path / "out", capsys)
    assert f"signed by {DOMAIN}, timestamped 20" in out and "by CN=Test TSA" in out
    signed = digest["signedData"]
    assert (
        signed["hash"] == digest["hash"]
        and signed["domain"] == DOMAIN
        and "publicKey" not in signed
    )
    (path,) = (tmp_path / "out").glob("*.wacz")
    assert (
        wacz_main(["validate", "-f", str(path)]) == 0
    )  # hashes, and signedData.created == created
    result = Verifier(str(domain_signer))(dict(signed))
    assert result.observer == DOMAIN and result.timestamp.startswith("20")

    # a signature of another package, or by another key, does not pass
    forged = dict(signed, hash="sha256:" + "0" * 64)
    with pytest.raises(AssertionError):  # authsign's log_assert
        Verifier(str(domain_signer))(forged)
    bad = bytearray(base64.b64decode(signed["timeSignature"]))
    bad[-20] ^= 1
    with pytest.raises(AssertionError):  # authsign's log_assert
        Verifier(str(domain_signer))(
            dict(signed, timeSignature=base64.b64encode(bytes(bad)).decode())
        )


def test_an_ecdsa_key_without_a_certificate_signs_anonymously(
    archive, tmp_path, monkeypatch, capsys
):
    key = write_key(tmp_path / "p256.pem", "p256")
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_KEY", str(key))
    out, digest = _get_wacz(archive, tmp_path / "out", capsys)
    assert "anonymous signature, key SHA256:" in out and "no NEWSARCHIVE_SIGNING_CERT" in out
    signed = digest["signedData"]
    assert set(signed) == {"hash", "created", "software", "version", "signature", "publicKey"}
    # checked by hand as the spec says: the signature of `hash` with `publicKey`
    (tmp_path / "pub.der").write_bytes(base64.b64decode(signed["publicKey"]))
    (tmp_path / "sig.der").write_bytes(base64.b64decode(signed["signature"]))
    (tmp_path / "hash.txt").write_text(signed["hash"])
    check = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.der"),
            "-keyform",
            "DER",
            "-signature",
            str(tmp_path / "sig.der"),
            str(tmp_path / "hash.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == "Verified OK", check.stderr
    last = signed["hash"][-1]
    (tmp_path / "hash.txt").write_text(signed["hash"][:-1] + ("1" if last == "0" else "0"))
    check = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.der"),
            "-keyform",
            "DER",
            "-signature",
            str(tmp_path / "sig.der"),
            str(tmp_path / "hash.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert "Verification failure" in check.stdout


def test_without_a_key_or_with_an_ed25519_key_the_wacz_is_unsigned(
    archive, tmp_path, monkeypatch, capsys
):
    out, digest = _get_wacz(archive, tmp_path / "plain", capsys)
    assert "unsigned (no NEWSARCHIVE_SIGNING_KEY)" in out and "signedData" not in digest
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_KEY", str(write_key(tmp_path / "ed.pem", "ed25519")))
    out, digest = _get_wacz(archive, tmp_path / "ed", capsys)
    assert "the WACZ signing spec takes an ECDSA P-256 key" in out and "signedData" not in digest


@pytest.mark.slow
def test_wacz_validate_verify_auth_passes_through_a_local_authsign(
    archive, tmp_path, domain_signer, tsa, capsys
):
    """The archivist's own check: `wacz validate --verify-auth`, asking an authsign server (run here on
    loopback with the test roots, as an archive with its own roots would run it) to verify."""
    out, _ = _get_wacz(archive, tmp_path / "out", capsys)
    (path,) = (tmp_path / "out").glob("*.wacz")
    data = tmp_path / "authsign-data"  # authsign starts only with a signing certificate of its own
    data.mkdir()
    key = write_key(tmp_path / "authsign.pem", "p256")
    ca = TestCA("Authsign Own Root")
    (data / "cert.pem").write_bytes(pem(ca.issue(load_key(key).public_key(), "authsign.test")))
    from cryptography.hazmat.primitives import serialization

    (data / "private-key.pem").write_bytes(
        load_key(key).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),  # authsign's own fixed passphrase
        )
    )
    config = tmp_path / "authsign.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "signing": {
                    "domain": "authsign.test",
                    "email": "archive@authsign.test",  # ACME only: never used, its certificate is here
                    "port": 80,
                    "output": str(data),
                    "timestamping": [{"url": tsa.url}],
                },
                "trusted_roots": str(domain_signer),
            }
        )
    )
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "authsign.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, "CONFIG": str(config), "NO_RENEW": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        server.stdout.read().decode() if server.stdout else "authsign did not start"
                    ) from None
                time.sleep(0.3)
        wacz = [os.path.join(os.path.dirname(sys.executable), "wacz")]
        checked = subprocess.run(
            [
                *wacz,
                "validate",
                "--verify-auth",
                "--verifier-url",
                f"http://127.0.0.1:{port}/verify",
                "-f",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "Successfully verified signature" in checked.stdout
        # the same WACZ with its package changed fails
        bad = tmp_path / "bad.wacz"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
            for info in src.infolist():
                data_bytes = src.read(info)
                if info.filename == "datapackage-digest.json":
                    digest = json.loads(data_bytes)
                    digest["signedData"]["signature"] = base64.b64encode(
                        b"\x30\x06\x02\x01\x01\x02\x01\x01"
                    ).decode()
                    data_bytes = json.dumps(digest).encode()
                dst.writestr(info, data_bytes)
        checked = subprocess.run(
            [
                *wacz,
                "validate",
                "--verify-auth",
                "--verifier-url",
                f"http://127.0.0.1:{port}/verify",
                "-f",
                str(bad),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode != 0 and "Signature not verified" in checked.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
