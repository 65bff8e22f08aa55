"""A TCP proxy on loopback between a client and a server, for faults a real network has: it can hold a
request that contains a given byte string (the client waits, as on a stalled connection) until released."""

from __future__ import annotations

import re
import socket
import threading


class FaultProxy:
    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.hold_pattern: re.Pattern[bytes] | None = None
        self.held = threading.Event()  # set once a request matching the pattern arrived
        self.release = threading.Event()
        self.drop = (
            False  # on release, drop the held request instead of sending it (its client died)
        )
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold(self, pattern: bytes) -> None:
        """Hold the first request whose bytes match the regular expression `pattern`."""
        self.hold_pattern, self.held, self.release, self.drop = (
            re.compile(pattern),
            threading.Event(),
            threading.Event(),
            False,
        )

    def let_go(self, *, drop: bool) -> None:
        self.hold_pattern, self.drop = None, drop
        self.release.set()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while data := src.recv(65536):
                if upstream and self.hold_pattern and self.hold_pattern.search(data):
                    self.held.set()
                    self.release.wait()
                    if self.drop:
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self._closing = True
        self.release.set()
        self.listener.close()
