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


def canonical_url(url: str, declared: str | None = None) -> str:
    """The URL key of a page: its <link rel=canonical> when it declares one, normalised.

    Normalised: https, lower-case host without www./m./amp. and default port, no fragment, no tracking or
    AMP parameters (the rest sorted), no /amp path suffix, no trailing slash, one percent-encoding of the path.
    """
    if declared and declared.strip():
        url = urljoin(url, declared.strip())
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
