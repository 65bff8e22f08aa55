"""Keys, a test CA and an RFC 3161 time-stamping authority on loopback, for the signing tests.

`TestCA` makes a self-signed root with `cryptography` and issues certificates from it (a TSA's, with the
critical extended key usage timeStamping RFC 3161 asks for; a signer's, for a domain). `LocalTSA` answers
`application/timestamp-query` POSTs on 127.0.0.1 with responses made by `openssl ts -reply` from its
CA-issued certificate; `down = True` makes it answer 503, as an outage would. Nothing leaves loopback.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def write_key(path: Path, kind: str = "ed25519") -> Path:
    """A new unencrypted PKCS#8 PEM private key: `ed25519` or `p256`."""
    key = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else ec.generate_private_key(ec.SECP256R1())
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def load_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), None)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class TestCA:
    """A self-signed root (ECDSA P-256) that issues certificates."""

    __test__ = False  # not a test class

    def __init__(self, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
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
            .sign(self.key, hashes.SHA256())
        )

    def issue(
        self,
        public_key,
        common_name: str,
        *,
        timestamping: bool = False,
        not_before: datetime | None = None,
    ) -> x509.Certificate:
        start = not_before or datetime.now(UTC) - timedelta(hours=1)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if timestamping:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False
            )
        return builder.sign(self.key, hashes.SHA256())

    def write(self, path: Path) -> Path:
        path.write_bytes(pem(self.cert))
        return path


_OPENSSL_TSA = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LocalTSA:
    """An RFC 3161 TSA on 127.0.0.1 (port 0): `url`, `ca` (its root), `ca_pem` (a file with the root),
    `requests` (how many queries it answered), `down` (answer 503)."""

    def __init__(self, name: str = "Test TSA"):
        self._dir = tempfile.TemporaryDirectory(prefix="newsarchive-tsa-")
        self.dir = Path(self._dir.name)
        self.ca = TestCA(f"{name} Root")
        key = ec.generate_private_key(ec.SECP256R1())
        self.cert = self.ca.issue(key.public_key(), name, timestamping=True)
        (self.dir / "tsa.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (self.dir / "tsa.pem").write_bytes(pem(self.cert))
        (self.dir / "serial").write_text("01\n")
        (self.dir / "tsa.cnf").write_text(_OPENSSL_TSA.format(dir=self.dir))
        self.ca_pem = self.ca.write(self.dir / "root.pem")
        self.down = False
        self.requests = 0
        self._lock = threading.Lock()
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if tsa.down:
                    self.send_error(503, "down for the test")
                    return
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415, "send application/timestamp-query")
                    return
                reply = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reply(self, query: bytes) -> bytes:
        with self._lock, tempfile.TemporaryDirectory(dir=self.dir) as tmp:
            (Path(tmp) / "q.tsq").write_bytes(query)
            subprocess.run(
                [
                    "openssl",
                    "ts",
                    "-reply",
                    "-config",
                    str(self.dir / "tsa.cnf"),
                    "-queryfile",
                    str(Path(tmp) / "q.tsq"),
                    "-out",
                    str(Path(tmp) / "r.tsr"),
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            self.requests += 1
            return (Path(tmp) / "r.tsr").read_bytes()

    def __enter__(self) -> LocalTSA:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._dir.cleanup()
