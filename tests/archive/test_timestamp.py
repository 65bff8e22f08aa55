"""archive/timestamp.py: RFC 3161 timestamps from the operator's TSA (a real one on loopback, `openssl ts
-reply`, tests/tsa.py). A reply is checked before it is kept; a token says when and by whom, and whether
its chain was checked against a trusted root; a token for other bytes, from an untrusted TSA, altered, or
a refusal is named; a TSA that is down is a TsaUnavailable naming the setting."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from archive.timestamp import (
    TimestampInvalid,
    TsaClient,
    TsaUnavailable,
    check_token,
    load_anchors,
)
from common.errors import ConfigError
from tests.tsa import TestCA

SETTING = "NEWSARCHIVE_TSA_URL"
DATA = b'{"snapshot": {"date": "2026-11-21", "rev": 1}}'


def test_a_token_says_when_and_by_whom_and_whether_its_chain_was_checked(tsa):
    roots = load_anchors(str(tsa.ca_pem), "NEWSARCHIVE_TSA_CA")
    reply = TsaClient(tsa.url, SETTING, roots).stamp(DATA)
    stamp = check_token(reply, DATA, roots, "manifest.tsr")
    assert stamp.chain_checked and stamp.tsa == "CN=Test TSA"
    assert abs(stamp.time - datetime.now(UTC)) < timedelta(minutes=5)
    assert stamp.describe() == (
        f"{stamp.time.isoformat().replace('+00:00', 'Z')} by CN=Test TSA (serial {stamp.serial})"
    )
    unchecked = check_token(reply, DATA, (), "manifest.tsr")  # its imprint only: anyone could
    assert not unchecked.chain_checked and unchecked.time == stamp.time


def test_a_token_that_does_not_check_out_is_named_and_why(tsa):
    reply = TsaClient(tsa.url, SETTING).stamp(DATA)
    roots = (tsa.ca.cert,)
    altered = bytearray(reply)
    altered[-5] ^= 1  # inside the signature
    cases = [
        (reply, DATA + b" ", roots, "its imprint is not the SHA-256 of the object it stamps"),
        (reply, DATA, (TestCA("Other Root").cert,), "does not chain to the trusted TSA root"),
        (bytes(altered), DATA, roots, "its signature does not verify: the token was altered"),
        (b"not DER", DATA, (), "is not an RFC 3161 timestamp reply"),
    ]
    for token, data, anchors, why in cases:
        with pytest.raises(TimestampInvalid) as caught:
            check_token(token, data, anchors, "snapshots/x/manifest.tsr")
        message = str(caught.value)
        assert message.startswith("snapshots/x/manifest.tsr") and why in message, message


def test_a_refusal_by_the_tsa_is_named_with_its_reason(tsa, tmp_path):
    (tmp_path / "data").write_bytes(DATA)
    query = subprocess.run(  # SHA-1: a digest this TSA does not accept
        ["openssl", "ts", "-query", "-data", str(tmp_path / "data"), "-sha1", "-cert"],
        capture_output=True,
        check=True,
    ).stdout
    with pytest.raises(TimestampInvalid, match=r"the TSA refused the request \(status 2: Message"):
        check_token(tsa.reply(query), DATA, (), "manifest.tsr")


def test_a_tsa_that_is_down_or_not_there_is_unavailable_naming_the_setting(tsa):
    tsa.down = True
    try:
        with pytest.raises(
            TsaUnavailable, match=rf"^{SETTING}={tsa.url}: no timestamp \(it answered HTTP 503\)"
        ):
            TsaClient(tsa.url, SETTING).stamp(DATA)
    finally:
        tsa.down = False
    with pytest.raises(TsaUnavailable, match=r"no timestamp \(it did not answer"):
        TsaClient("http://127.0.0.1:9/tsa", SETTING, timeout_s=2).stamp(DATA)
    # a TSA whose token does not chain to the roots the operator trusts is no TSA of ours
    with pytest.raises(TsaUnavailable, match="does not chain to the trusted TSA root"):
        TsaClient(tsa.url, SETTING, (TestCA("Other Root").cert,)).stamp(DATA)


def test_trusted_roots_are_pem_certificates(tmp_path):
    (tmp_path / "empty.pem").write_text("no certificate here")
    with pytest.raises(
        ConfigError, match=r"NEWSARCHIVE_TSA_CA=.*empty.pem' holds no PEM certificate"
    ):
        load_anchors(str(tmp_path / "empty.pem"), "NEWSARCHIVE_TSA_CA")
    with pytest.raises(ConfigError, match="no such file; give a PEM file with the root"):
        load_anchors(str(tmp_path / "none.pem"), "NEWSARCHIVE_TSA_CA")
    two = tmp_path / "roots.pem"
    two.write_bytes(TestCA("A").write(tmp_path / "a.pem").read_bytes() * 2)
    assert len(load_anchors(str(two), "NEWSARCHIVE_TSA_CA")) == 2
