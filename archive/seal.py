"""A snapshot's seal: the operator's signature of its manifest and an RFC 3161 timestamp of it.

Publishing (`write_snapshot`) writes, after manifest.json and before _SUCCESS, so that _SUCCESS stays the
one commit point and nothing is written into a complete rev:

    manifest.sig.json     SignatureRecord: the public key, its fingerprint, the signature (with a key)
    manifest.tsr          the TSA's reply over manifest.json's SHA-256 (with a TSA that answered), or
    _TIMESTAMP_PENDING    why the TSA gave none: the snapshot is published all the same, and
                          `newsarchive snapshots timestamp D` adds timestamps/date=D/rev=N/manifest.tsr later

The manifest itself names its key's fingerprint and the TSA (`signing`), so a verifier notices a
signature or token that was removed. `check_seal` reads all of it back for `snapshots verify`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from cryptography import x509

from archive import layout
from archive.records import Manifest
from archive.signing import SignatureInvalid, SignatureRecord, SigningKey
from archive.store import ObjectExists, ObjectNotFound, Store
from archive.timestamp import Timestamp, TimestampInvalid, TsaClient, TsaUnavailable, check_token

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sealer:
    """What the operator configured: a signing key (and its certificate chain), a TSA; either may be None."""

    key: SigningKey | None = None
    chain: tuple[x509.Certificate, ...] = ()
    tsa: TsaClient | None = None

    def manifest_entry(self) -> dict[str, str]:
        """What the manifest records of its seal."""
        entry: dict[str, str] = {}
        if self.key is not None:
            entry.update(algorithm=self.key.algorithm, key_sha256=self.key.fingerprint)
        if self.tsa is not None:
            entry["tsa"] = self.tsa.url
        return entry


def _prefix(ref: layout.Rev) -> str:
    return layout.snapshot_prefix(date.fromisoformat(ref.day), ref.rev)


def seal_manifest(store: Store, ref: layout.Rev, body: bytes, sealer: Sealer) -> None:
    """The signature and the timestamp of a rev's manifest (`body`), just written; a TSA that does not
    answer costs only the token (one warning line naming the setting, and _TIMESTAMP_PENDING)."""
    prefix = _prefix(ref)
    if sealer.key is not None:
        record = SignatureRecord.make(sealer.key, layout.MANIFEST, body, sealer.chain)
        store.put_bytes(prefix + layout.MANIFEST_SIGNATURE, record.to_bytes(), publish=True)
    if sealer.tsa is None:
        return
    try:
        reply = sealer.tsa.stamp(body)
    except TsaUnavailable as exc:
        logger.warning(
            "snapshot %s rev %d published without its timestamp: %s; "
            "`newsarchive snapshots timestamp %s --rev %d` adds it later",
            ref.day,
            ref.rev,
            exc,
            ref.day,
            ref.rev,
        )
        store.put_bytes(prefix + layout.TIMESTAMP_PENDING, str(exc).encode() + b"\n", publish=True)
        return
    store.put_bytes(prefix + layout.MANIFEST_TIMESTAMP, reply, publish=True)


@dataclass
class SealReport:
    """What `snapshots verify` says of a seal. Problems are damage; notes are what is absent by design."""

    signer: str | None = None
    timestamp: Timestamp | None = None
    timestamp_key: str | None = None
    pending: str | None = None  # why the TSA gave no token at publish
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def sealed(self) -> bool:
        return self.signer is not None or self.timestamp is not None


def token_key(store: Store, ref: layout.Rev) -> str | None:
    """Where the manifest's timestamp is: in the rev, or in its sidecar; None: nowhere."""
    for key in (_prefix(ref) + layout.MANIFEST_TIMESTAMP, layout.timestamp_sidecar_key(ref)):
        if store.exists(key):
            return key
    return None


def check_seal(
    store: Store,
    ref: layout.Rev,
    body: bytes,
    manifest: Manifest,
    anchors: tuple[x509.Certificate, ...] = (),
) -> SealReport:
    """The manifest's signature and timestamp checked against `body` (its bytes, already checked against
    _SUCCESS), the token's chain against `anchors` (none: only its imprint)."""
    report, prefix = SealReport(), _prefix(ref)
    expected = manifest.signing
    where = f"{store.url}/{prefix}{layout.MANIFEST_SIGNATURE}"
    try:
        record = SignatureRecord.from_bytes(
            store.get_bytes(prefix + layout.MANIFEST_SIGNATURE), where
        )
    except ObjectNotFound:
        if expected.get("key_sha256"):
            report.problems.append(
                f"{where}: missing; the manifest names its signing key SHA256:{expected['key_sha256']}"
            )
        else:
            report.notes.append("not signed")
    except SignatureInvalid as exc:
        report.problems.append(str(exc))
    else:
        _check_record(record, body, expected, where, report)
    key = token_key(store, ref)
    if key is None:
        try:
            report.pending = (
                store.get_bytes(prefix + layout.TIMESTAMP_PENDING)
                .decode("utf-8", "replace")
                .strip()
            )
        except ObjectNotFound:
            if expected.get("tsa"):
                report.problems.append(
                    f"{store.url}/{prefix}{layout.MANIFEST_TIMESTAMP}: missing; the manifest names the TSA "
                    f"{expected['tsa']}"
                )
            else:
                report.notes.append("not timestamped")
        return report
    try:
        report.timestamp = check_token(store.get_bytes(key), body, anchors, f"{store.url}/{key}")
        report.timestamp_key = key
    except TimestampInvalid as exc:
        report.problems.append(str(exc))
    return report


def _check_record(
    record: SignatureRecord, body: bytes, expected: dict[str, str], where: str, report: SealReport
) -> None:
    if record.object != layout.MANIFEST:
        report.problems.append(f"{where}: it signs {record.object!r}, not {layout.MANIFEST}")
    elif expected.get("key_sha256") and record.key_sha256 != expected["key_sha256"]:
        report.problems.append(
            f"{where}: signed with key SHA256:{record.key_sha256}, but the manifest names key "
            f"SHA256:{expected['key_sha256']}"
        )
    elif not record.check(body):
        report.problems.append(
            f"{where}: the signature does not match {layout.MANIFEST} (key SHA256:{record.key_sha256}): "
            "the manifest or the signature was changed after signing"
        )
    else:
        report.signer = record.signer()


def timestamp_later(store: Store, ref: layout.Rev, body: bytes, tsa: TsaClient) -> tuple[str, bool]:
    """A token for a published manifest (`body`, checked against _SUCCESS) that has none, as the
    create-only sidecar; (its key, True if made now). One the rev or its sidecar has is kept as it is."""
    existing = token_key(store, ref)
    if existing is not None:
        return existing, False
    sidecar = layout.timestamp_sidecar_key(ref)
    reply = tsa.stamp(body)
    try:
        store.put_bytes(sidecar, reply, publish=True)
    except ObjectExists:
        return sidecar, False  # another `snapshots timestamp` was first
    return sidecar, True
