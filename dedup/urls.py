"""Canonical URL keys: the same story under tracking, AMP/mobile, case, port and encoding variants."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "ito",
        "at_medium",
        "at_campaign",
        "amp",
        "outputtype",
        "s_cid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")
MOBILE_HOST_PREFIXES = ("m.", "mobile.", "amp.", "www.")
_AMP_PATH = re.compile(r"(/amp)+/?$|^/amp(?=/)", re.IGNORECASE)
# characters left as they are in a path; everything else (Arabic included) is percent-encoded, upper-case hex
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
# a URL that parsing would leave as it is but for the steps below: http(s), a lower-case host name, no
# port, user, query, fragment, percent sign or space, a path of unreserved characters (the common case;
# canonical_url's tests check it gives what the whole parse gives)
_PLAIN = re.compile(r"https?://([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/[A-Za-z0-9._~/-]*)?")


def canonical_url(url: str, declared: str | None = None) -> str:
    """The URL key of a page: its <link rel=canonical> when it declares one, normalised.

    Normalised: https, lower-case host without www./m./amp. and default port, no fragment, no tracking or
    AMP parameters (the rest sorted), no /amp path suffix, no trailing slash, one percent-encoding of the path.
    """
    if declared and declared.strip():
        url = urljoin(url, declared.strip())
    plain = _PLAIN.fullmatch(url)
    if plain is None:
        return parsed_canonical_url(url)
    host, path = plain.group(1), plain.group(2) or ""
    for prefix in MOBILE_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    return f"https://{host}{_AMP_PATH.sub('', path).rstrip('/') or '/'}"


def parsed_canonical_url(url: str) -> str:
    """canonical_url of any URL (no declared canonical), by parsing it whole."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in MOBILE_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE)
    path = _AMP_PATH.sub("", path).rstrip("/") or "/"
    query = urlencode(
        sorted(
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
        )
    )
    return urlunsplit(("https", netloc, path, query, ""))
