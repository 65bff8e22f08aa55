"""The running replica's control: its faults changed on the same port and process (`make fault`,
`make heal`), at http://127.0.0.1:PORT/_replica/faults, a host no outlet has:

    GET     the faults served now and, per outlet and mode, when the first was served and how many
    PUT     body `OUTLET:MODE[:PATH],...`: exactly these faults from now on (400 and one line if wrong)
    DELETE  no fault any more (the outlets healed)
"""

from __future__ import annotations

import json

from replica import faults

PATH = "/_replica/faults"
MAX_BODY = 64 * 1024


def handles(handler) -> bool:
    """A control request: the control path on a host that is not an outlet's."""
    host = handler.headers.get("Host", "")
    return handler.path.split("?")[0] == PATH and handler.server.replica.site_for(host) is None


def answer(handler, method: str) -> None:
    replica = handler.server.replica
    if method == "PUT":
        size = int(handler.headers.get("Content-Length") or 0)
        if not 0 <= size <= MAX_BODY:
            return _text(handler, 400, f"give at most {MAX_BODY} bytes of OUTLET:MODE[:PATH],...")
        body = handler.rfile.read(size).decode("utf-8", "replace")
        try:
            specs = faults.parse_specs(body, sorted(replica.catalog.articles))
        except faults.FaultSpecError as exc:
            return _text(handler, 400, str(exc))
        if not specs:
            return _text(
                handler, 400, "no fault given; write OUTLET:MODE[:PATH] (make heal clears)"
            )
        replica.faults.replace(specs)
        return _text(handler, 200, "\n".join(faults.describe(*s) for s in specs))
    if method == "DELETE":
        replica.faults.replace([])
        return _text(handler, 200, "healed: no fault is served")
    listing = [{"outlet": o, "mode": m, "path": p} for o, m, p in replica.faults.listing()]
    body = json.dumps({"faults": listing, "served": replica.faults.served()}, indent=1)
    handler.reply(200, "application/json", body.encode("utf-8"), compress=False)


def _text(handler, status: int, text: str) -> None:
    handler.reply(
        status, "text/plain; charset=utf-8", (text + "\n").encode("utf-8"), compress=False
    )
