"""RFC 3161 timestamps: asking the operator's time-stamping authority for a token over some bytes, and
checking a token (rfc3161-client: the CMS signature, the TSA certificate's critical timeStamping usage,
its chain to the configured trust anchor at the token's time, and the imprint: the bytes' SHA-256).

What is stored is the TSA's whole reply (a DER TimeStampResp), so `openssl ts -reply -in X -text` shows it
and `openssl ts -verify -in X -data FILE -CAfile ROOT` checks it by hand.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from archive.signing import read_pem
from common.errors import ConfigError, NewsArchiveError

TSA_TIMEOUT_S = (
    10.0  # a TSA that has not answered by then is down: publish goes on without its token
)
MAX_REPLY_BYTES = 1 << 20
QUERY_TYPE = "application/timestamp-query"
_IMPRINT = {
    "2.16.840.1.101.3.4.2.1": hashlib.sha256,
    "2.16.840.1.101.3.4.2.2": hashlib.sha384,
    "2.16.840.1.101.3.4.2.3": hashlib.sha512,
}


class TsaUnavailable(NewsArchiveError):
    """The TSA could not be reached or refused the request; a later `snapshots timestamp` can ask again."""

    reason = "tsa_unavailable"


class TimestampInvalid(NewsArchiveError):
    """A token that does not check out; the message names it and why."""

    reason = "timestamp_invalid"
    retryable = False


@dataclass(frozen=True)
class Timestamp:
    """What a checked token says: when, by whom, and whether its chain was checked against an anchor."""

    time: datetime
    tsa: str
    serial: int
    chain_checked: bool

    def describe(self) -> str:
        return (
            f"{self.time.isoformat().replace('+00:00', 'Z')} by {self.tsa} (serial {self.serial})"
        )


def load_anchors(path: str, setting: str) -> tuple[x509.Certificate, ...]:
    what = "give a PEM file with the root certificate(s) of the TSA you trust"
    try:
        return tuple(x509.load_pem_x509_certificates(read_pem(path, setting, what)))
    except ValueError:
        raise ConfigError(f"{setting}={path!r} holds no PEM certificate; {what}") from None


@dataclass(frozen=True)
class TsaClient:
    """The operator's TSA: its URL, the setting that named it (for messages) and the trust anchors."""

    url: str
    setting: str
    anchors: tuple[x509.Certificate, ...] = ()
    timeout_s: float = TSA_TIMEOUT_S

    def stamp(self, data: bytes) -> bytes:
        """The TSA's reply (DER) for a token over `data`'s SHA-256, checked before it is kept."""
        query = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
        request = urllib.request.Request(
            self.url, data=query.as_bytes(), headers={"Content-Type": QUERY_TYPE}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                reply: bytes = answer.read(MAX_REPLY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise self._down(f"it answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise self._down(f"it did not answer: {reason}") from None
        if len(reply) > MAX_REPLY_BYTES:
            raise self._down("its answer is larger than any timestamp reply")
        try:
            check_token(reply, data, self.anchors, "the TSA's reply")
        except TimestampInvalid as exc:
            raise self._down(str(exc)) from None
        if decode_timestamp_response(reply).tst_info.nonce != query.nonce:
            raise self._down("its reply does not carry the request's nonce")
        return reply

    def _down(self, why: str) -> TsaUnavailable:
        return TsaUnavailable(f"{self.setting}={self.url}: no timestamp ({why})")


def _leaf(response: TimeStampResponse) -> x509.Certificate | None:
    certs = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    for info in response.signed_data.signer_infos:
        for cert in certs:
            if cert.serial_number == info.serial_number:
                return cert
    return None


def check_token(
    reply: bytes, data: bytes, anchors: tuple[x509.Certificate, ...], where: str
) -> Timestamp:
    """The timestamp a reply gives `data`; without anchors only its imprint is checked (`chain_checked`
    False: anyone could have made it)."""
    try:
        response = decode_timestamp_response(reply)
    except ValueError as exc:
        raise TimestampInvalid(f"{where} is not an RFC 3161 timestamp reply ({exc})") from None
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampInvalid(
            f"{where}: the TSA refused the request (status {response.status}: "
            f"{'; '.join(response.status_string) or 'no reason given'})"
        )
    try:
        return _checked(response, data, anchors, where)
    except (ValueError, VerificationError) as exc:  # a certificate or a field that does not parse
        raise TimestampInvalid(f"{where}: {_why(str(exc))}") from None


def _checked(
    response: TimeStampResponse, data: bytes, anchors: tuple[x509.Certificate, ...], where: str
) -> Timestamp:
    info = response.tst_info
    digest = _IMPRINT.get(info.message_imprint.hash_algorithm.dotted_string)
    if digest is None or digest(data).digest() != info.message_imprint.message:
        raise TimestampInvalid(
            f"{where}: its imprint is not the SHA-256 of the object it stamps; "
            "the object changed since it was timestamped, or the token is for another object"
        )
    if anchors:
        builder = VerifierBuilder()
        for anchor in anchors:
            builder = builder.add_root_certificate(anchor)
        try:
            builder.build().verify_message(response, data)
        except VerificationError as exc:
            raise TimestampInvalid(f"{where}: {_why(str(exc))}") from None
    leaf = _leaf(response)
    tsa = leaf.subject.rfc4514_string() if leaf is not None else str(info.name or "an unnamed TSA")
    return Timestamp(info.gen_time, tsa, info.serial_number, chain_checked=bool(anchors))


def _why(message: str) -> str:
    """rfc3161-client's error (an OpenSSL error stack) as one readable reason."""
    if "unable to get local issuer" in message or "self-signed certificate" in message:
        return "the TSA's certificate does not chain to the trusted TSA root(s)"
    if "signature failure" in message or "digest failure" in message:
        return "its signature does not verify: the token was altered"
    if "expired" in message or "not yet valid" in message:
        return "the TSA's certificate was not valid at the token's time"
    if "EKU" in message:
        return f"the signing certificate is not a TSA's ({message})"
    return message.split(": ErrorStack", 1)[0]
