"""Headless Chromium driven over the DevTools protocol: open a page, wait for its fonts and images, read
what the browser computed (styles, an image's natural size, whether a web font loaded) and take a
screenshot. Debian's chromium, a profile of its own, loopback only."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1200,900",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


def chromium_or_skip() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian package chromium is not installed (.ci/run installs it)")
    return chromium


class Browser:
    """One headless Chromium and one tab of it (a context manager)."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.process: subprocess.Popen[bytes] | None = None
        self._ids = itertools.count(1)

    def __enter__(self) -> Browser:
        self.process = subprocess.Popen(
            [chromium_or_skip(), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = port_file.read_text().split("\n")[0].strip()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            tab = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = connect(tab["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.call("Page.enable")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.ws.close()
        finally:
            if self.process is not None:
                self.process.terminate()
                self.process.wait(30)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=120))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    def open(self, url: str) -> None:
        """Load the page and wait until its fonts are ready and every image has settled."""
        self.call("Page.navigate", url=url)
        self.evaluate(
            "new Promise(done => { const check = () => document.readyState === 'complete' ? "
            "done(true) : setTimeout(check, 50); check(); })"
        )
        self.evaluate(
            "document.fonts.ready.then(() => Promise.all([...document.images].map(i => i.complete "
            "? true : new Promise(r => { i.onload = i.onerror = r; })))).then(() => true)"
        )

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Screenshot:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return Screenshot.decode(data)


class Screenshot:
    """A PNG screenshot's pixels (8-bit RGB or RGBA, not interlaced: what Chromium writes)."""

    def __init__(self, width: int, height: int, rows: list[bytes], channels: int) -> None:
        self.width, self.height, self.rows, self.channels = width, height, rows, channels

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        row, i = self.rows[y], x * self.channels
        return row[i], row[i + 1], row[i + 2]

    def share(self, colour: tuple[int, int, int], tolerance: int = 8) -> float:
        """The share of the pixels within `tolerance` of `colour` (each channel)."""
        hits = sum(
            1
            for y in range(0, self.height, 2)
            for x in range(0, self.width, 2)
            if all(abs(a - b) <= tolerance for a, b in zip(self.pixel(x, y), colour, strict=True))
        )
        return hits / (((self.height + 1) // 2) * ((self.width + 1) // 2))

    @classmethod
    def decode(cls, data: bytes) -> Screenshot:
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        pos, idat, header = 8, b"", b""
        while pos < len(data):
            (size,) = struct.unpack(">I", data[pos : pos + 4])
            kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
            pos += 12 + size
            if kind == b"IHDR":
                header = body
            elif kind == b"IDAT":
                idat += body
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
        assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
        channels = 3 if colour == 2 else 4
        raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytes(width * 4)
        for y in range(height):
            kind, line = (
                raw[y * (stride + 1)],
                bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
            )
            previous = previous[:stride]
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                up, corner = previous[i], previous[i - channels] if i >= channels else 0
                if kind == 1:
                    line[i] = (line[i] + left) & 0xFF
                elif kind == 2:
                    line[i] = (line[i] + up) & 0xFF
                elif kind == 3:
                    line[i] = (line[i] + (left + up) // 2) & 0xFF
                elif kind == 4:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    line[i] = (
                        line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                    ) & 0xFF
            rows.append(bytes(line))
            previous = bytes(line)
        return cls(width, height, rows, channels)
