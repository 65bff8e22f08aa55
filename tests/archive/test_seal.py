"""Signed and timestamped snapshots as an archivist checks them: `snapshots verify` (in process) against a
real RFC 3161 TSA on loopback (`openssl ts -reply`, tests/tsa.py), with every kind of tampering named."""

import json
import re
import shutil
import subprocess
from datetime import date

import pytest

from archive import layout
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from newsarchive.config import Settings
from tests.archive.warcs import Page, page_html, row, write_warc
from tests.tsa import TestCA, write_key

DAY = date(2026, 11, 20)
URL = "https://www.enabbaladi.net/archives/2026/11/1"


@pytest.fixture
def sealed_env(tmp_path, tsa, monkeypatch):
    """A key and the TSA configured as an operator would: NEWSARCHIVE_* variables."""
    key = write_key(tmp_path / "signing.pem", "ed25519")
    env = {
        "NEWSARCHIVE_SIGNING_KEY": str(key),
        "NEWSARCHIVE_TSA_URL": tsa.url,
        "NEWSARCHIVE_TSA_CA": str(tsa.ca_pem),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _publish(tmp_path, settings: Settings | None = None):
    store = open_store(tmp_path / "archive")
    page = Page(
        URL,
        "<urn:uuid:00000000-0000-4000-8000-000000000001>",
        "2026-11-20T03:00:00Z",
        page_html("حلب", "نص"),
    )
    warc = write_warc(tmp_path / "e.warc.gz", [page], {page.record_id: "id0001"})
    ref, manifest = publish_snapshot(
        store,
        DAY,
        [row(1, page, "enabbaladi")],
        {"enabbaladi": warc},
        seal=(settings or Settings.from_env()).sealer(),
    )
    return store, ref, manifest


def _verify(tmp_path, capsys) -> tuple[int, str, str]:
    code = main(["snapshots", "verify", DAY.isoformat(), "--archive", str(tmp_path / "archive")])
    out = capsys.readouterr()
    return code, out.out, out.err


def _rev_objects(store, ref) -> dict[str, bytes]:
    return {i.key: store.get_bytes(i.key) for i in store.list(ref.prefix)}


def test_verify_reports_the_signer_and_the_time(tmp_path, tsa, sealed_env, capsys):
    store, ref, manifest = _publish(tmp_path)
    fingerprint = manifest.signing["key_sha256"]
    assert manifest.signing == {"algorithm": "ed25519", "key_sha256": fingerprint, "tsa": tsa.url}
    names = {k.removeprefix(ref.prefix) for k in _rev_objects(store, ref)}
    assert {"manifest.json", "manifest.sig.json", "manifest.tsr", "_SUCCESS"} <= names
    code, out, err = _verify(tmp_path, capsys)
    assert code == 0, err
    assert "0 problems" in out
    assert f"signed by ed25519 key SHA256:{fingerprint}" in out
    assert re.search(
        r"timestamped 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ by CN=Test TSA \(serial \d+\); TSA chain checked",
        out,
    )
    # the fingerprint is the one openssl gives for the operator's key
    der = subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            sealed_env["NEWSARCHIVE_SIGNING_KEY"],
            "-pubout",
            "-outform",
            "DER",
        ],
        capture_output=True,
        check=True,
    ).stdout
    import hashlib

    assert hashlib.sha256(der).hexdigest() == fingerprint
    # and nothing of the private key is in the archive
    secret = open(sealed_env["NEWSARCHIVE_SIGNING_KEY"], "rb").read()
    body = secret.split(b"-----")[2].strip()
    assert not any(body in data for data in _rev_objects(store, ref).values())


def test_an_ecdsa_key_with_its_certificate_names_the_signer(
    tmp_path, sealed_env, monkeypatch, capsys
):
    key = write_key(tmp_path / "p256.pem", "p256")
    ca = TestCA("Archive Signing Root")
    from tests.tsa import load_key, pem

    cert = ca.issue(load_key(key).public_key(), "archive.example.org")
    (tmp_path / "chain.pem").write_bytes(pem(cert) + pem(ca.cert))
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_KEY", str(key))
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_CERT", str(tmp_path / "chain.pem"))
    _publish(tmp_path)
    code, out, _ = _verify(tmp_path, capsys)
    assert code == 0
    assert "signed by CN=archive.example.org (ecdsa key SHA256:" in out


def test_a_tampered_manifest_signature_or_token_is_named(tmp_path, sealed_env, capsys):
    store, ref, _ = _publish(tmp_path)
    root = tmp_path / "archive" / ref.prefix
    original = {
        name: (root / name).read_bytes()
        for name in ("manifest.json", "_SUCCESS", "manifest.sig.json", "manifest.tsr")
    }

    # 1. the manifest changed and its _SUCCESS written to match: signature and token both say so
    changed = original["manifest.json"].replace(b'"archived": 1', b'"archived": 2')
    assert changed != original["manifest.json"]
    import hashlib

    (root / "manifest.json").write_bytes(changed)
    (root / "_SUCCESS").write_bytes(hashlib.sha256(changed).hexdigest().encode() + b"\n")
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1
    assert "manifest.sig.json: the signature does not match manifest.json" in err
    assert "manifest.tsr: its imprint is not the SHA-256 of the object it stamps" in err
    (root / "manifest.json").write_bytes(original["manifest.json"])
    (root / "_SUCCESS").write_bytes(original["_SUCCESS"])

    # 2. the signature altered
    record = json.loads(original["manifest.sig.json"])
    sig = bytearray(__import__("base64").b64decode(record["signature"]))
    sig[5] ^= 1
    record["signature"] = __import__("base64").b64encode(bytes(sig)).decode()
    (root / "manifest.sig.json").write_text(json.dumps(record))
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1 and "manifest.sig.json: the signature does not match manifest.json" in err
    (root / "manifest.sig.json").write_text("{not json")
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1 and "manifest.sig.json is damaged" in err
    (root / "manifest.sig.json").write_bytes(original["manifest.sig.json"])

    # 3. the token altered (a byte of its signature) or replaced by garbage
    token = bytearray(original["manifest.tsr"])
    token[-20] ^= 1
    (root / "manifest.tsr").write_bytes(bytes(token))
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1 and "manifest.tsr: its signature does not verify" in err
    (root / "manifest.tsr").write_bytes(b"garbage")
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1 and "manifest.tsr is not an RFC 3161 timestamp reply" in err

    # 4. signature and token removed: the manifest names both
    (root / "manifest.sig.json").unlink()
    (root / "manifest.tsr").unlink()
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1
    assert "manifest.sig.json: missing; the manifest names its signing key SHA256:" in err
    assert "manifest.tsr: missing; the manifest names the TSA http://127.0.0.1:" in err


def test_a_token_from_a_tsa_not_trusted_is_refused(tmp_path, sealed_env, monkeypatch, capsys):
    _publish(tmp_path)
    other = TestCA("Some Other Root").write(tmp_path / "other.pem")
    monkeypatch.setenv("NEWSARCHIVE_TSA_CA", str(other))
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1
    assert "manifest.tsr: the TSA's certificate does not chain to the trusted TSA root(s)" in err
    monkeypatch.delenv("NEWSARCHIVE_TSA_CA")  # no anchor: the imprint only, and verify says so
    code, out, _ = _verify(tmp_path, capsys)
    assert code == 0 and "TSA chain not checked: set NEWSARCHIVE_TSA_CA" in out


def test_a_tsa_outage_publishes_and_a_later_timestamp_is_a_sidecar(
    tmp_path, tsa, sealed_env, capsys, caplog
):
    tsa.down = True
    try:
        store, ref, manifest = _publish(tmp_path)
    finally:
        tsa.down = False
    assert store.exists(ref.prefix + layout.SUCCESS)  # published all the same, signed
    assert not store.exists(ref.prefix + layout.MANIFEST_TIMESTAMP)
    assert "NEWSARCHIVE_TSA_URL=" in caplog.text and "snapshots timestamp 2026-11-20" in caplog.text
    code, out, _ = _verify(tmp_path, capsys)
    assert code == 0
    assert "signed by ed25519 key" in out
    assert "timestamp pending: NEWSARCHIVE_TSA_URL=http://127.0.0.1:" in out and "HTTP 503" in out
    before = _rev_objects(store, ref)

    archive = str(tmp_path / "archive")
    assert main(["snapshots", "timestamp", DAY.isoformat(), "--archive", archive]) == 0
    assert "timestamp written to" in capsys.readouterr().out
    assert _rev_objects(store, ref) == before  # the published rev is never written again
    assert store.exists(layout.timestamp_sidecar_key(ref))
    code, out, _ = _verify(tmp_path, capsys)
    assert code == 0
    assert "added after publish (timestamps/date=2026-11-20/rev=1/manifest.tsr)" in out
    assert main(["snapshots", "timestamp", DAY.isoformat(), "--archive", archive]) == 0
    assert "already timestamped" in capsys.readouterr().out

    # `snapshots get` puts the signature and the token beside the manifest, to check by hand
    assert (
        main(
            [
                "snapshots",
                "get",
                DAY.isoformat(),
                "--archive",
                archive,
                "--dest",
                str(tmp_path / "got"),
            ]
        )
        == 0
    )
    got = tmp_path / "got"
    check = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            str(got / "manifest.tsr"),
            "-data",
            str(got / "manifest.json"),
            "-CAfile",
            str(tsa.ca_pem),
        ],
        capture_output=True,
        text=True,
    )
    assert "Verification: OK" in check.stdout, check.stderr


def test_timestamp_with_the_tsa_down_or_unset_is_one_line(
    tmp_path, tsa, sealed_env, monkeypatch, capsys
):
    monkeypatch.delenv("NEWSARCHIVE_TSA_URL")
    _publish(tmp_path)
    archive = str(tmp_path / "archive")
    assert main(["snapshots", "timestamp", DAY.isoformat(), "--archive", archive]) == 2
    err = capsys.readouterr().err
    assert "NEWSARCHIVE_TSA_URL is not set" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("NEWSARCHIVE_TSA_URL", "http://127.0.0.1:9/tsa")  # nothing listens there
    assert main(["snapshots", "timestamp", DAY.isoformat(), "--archive", archive]) == 2
    err = capsys.readouterr().err
    assert "NEWSARCHIVE_TSA_URL=http://127.0.0.1:9/tsa: no timestamp (it did not answer" in err
    assert len(err.strip().splitlines()) == 1


def test_unsigned_without_a_key_or_tsa(tmp_path, capsys, monkeypatch):
    for name in ("NEWSARCHIVE_SIGNING_KEY", "NEWSARCHIVE_TSA_URL", "NEWSARCHIVE_TSA_CA"):
        monkeypatch.delenv(name, raising=False)
    store, ref, manifest = _publish(tmp_path)
    assert "signing" not in json.loads(store.get_bytes(ref.prefix + layout.MANIFEST))
    code, out, _ = _verify(tmp_path, capsys)
    assert code == 0
    assert "unsigned: no signature and no timestamp" in out


@pytest.mark.parametrize(
    "setting, value, expected",
    [
        (
            "NEWSARCHIVE_SIGNING_KEY",
            "{tmp}/missing.pem",
            "NEWSARCHIVE_SIGNING_KEY='{tmp}/missing.pem': no such file",
        ),
        ("NEWSARCHIVE_SIGNING_KEY", "{tmp}", "is a directory"),
        ("NEWSARCHIVE_SIGNING_KEY", "{tmp}/garbage.pem", "is not a PEM private key"),
        ("NEWSARCHIVE_SIGNING_KEY", "{tmp}/rsa.pem", "is an RSA key"),
        ("NEWSARCHIVE_SIGNING_KEY", "{tmp}/encrypted.pem", "is encrypted"),
        (
            "NEWSARCHIVE_SIGNING_CERT",
            "{tmp}/garbage.pem",
            "NEWSARCHIVE_SIGNING_CERT='{tmp}/garbage.pem' holds no PEM certificate",
        ),
        (
            "NEWSARCHIVE_TSA_URL",
            "ftp://tsa",
            "NEWSARCHIVE_TSA_URL='ftp://tsa': give an absolute http(s) URL",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path, sealed_env, monkeypatch, capsys, setting, value, expected
):
    (tmp_path / "garbage.pem").write_text("not a key")
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            str(tmp_path / "rsa.pem"),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "ed25519",
            "-aes256",
            "-pass",
            "pass:x",
            "-out",
            str(tmp_path / "encrypted.pem"),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv(setting, value.format(tmp=tmp_path))
    # `newsarchive run` names it before crawling anything
    code = main(["run", "--archive", str(tmp_path / "archive"), "--date", DAY.isoformat()])
    err = capsys.readouterr().err
    assert code == 2
    assert expected.format(tmp=tmp_path) in err and len(err.strip().splitlines()) == 1
    assert "BEGIN" not in err
    assert not (tmp_path / "archive" / "staging").exists()


def test_a_seal_name_elsewhere_in_the_rev_is_not_bookkeeping(tmp_path, sealed_env, capsys):
    """Only the rev's own manifest.sig.json, manifest.tsr and _TIMESTAMP_PENDING are left out of the
    'not in its manifest' check: the same name in a subfolder is an unlisted file like any other."""
    store, ref, _ = _publish(tmp_path)
    store.put_bytes(ref.prefix + "warc/manifest.tsr", b"hidden")
    code, _, err = _verify(tmp_path, capsys)
    assert code == 1
    assert f"{ref.prefix}warc/manifest.tsr: in the snapshot's prefix but not in its manifest" in err


def _by_hand_block() -> list[str]:
    """The command lines of docs/integrity.md's "Checking a snapshot by hand, with OpenSSL" block."""
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "integrity.md").read_text(encoding="utf-8")
    block = text.split("**Checking a snapshot by hand, with OpenSSL.**", 1)[1]
    block = block.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_the_check_by_hand_with_openssl_in_the_docs_verifies_a_fetched_snapshot(
    tmp_path, tsa, sealed_env, monkeypatch, capsys, kind
):
    """docs/integrity.md's block, run line by line in the directory `snapshots get` fills: each
    signature line for its own key kind says so, the TSA's token verifies, the fingerprint is the
    manifest's."""
    key = write_key(tmp_path / f"{kind}.pem", kind)
    monkeypatch.setenv("NEWSARCHIVE_SIGNING_KEY", str(key))
    _, _, manifest = _publish(tmp_path)
    got = tmp_path / "got"
    argv = ["snapshots", "get", DAY.isoformat(), "--archive", str(tmp_path / "archive")]
    assert main([*argv, "--dest", str(got)]) == 0
    capsys.readouterr()
    (got / "tsa-root.pem").write_bytes(tsa.ca_pem.read_bytes())
    lines = _by_hand_block()
    assert lines[0] == "cd DIR"
    for line in lines[1:]:
        if ("# Ed25519" in line and kind != "ed25519") or ("# ECDSA" in line and kind != "p256"):
            continue  # the other key kind's line
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line], cwd=got, capture_output=True, text=True
        )
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        if line.startswith("openssl pkey "):  # the fingerprint line
            assert done.stdout.split()[0] == manifest.signing["key_sha256"]
        if "pkeyutl -verify" in line:
            assert "Signature Verified Successfully" in done.stdout
        if "dgst -sha256 -verify" in line:
            assert "Verified OK" in done.stdout
        if "ts -verify" in line:
            assert "Verification: OK" in done.stdout
