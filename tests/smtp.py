"""A local SMTP server (aiosmtpd on 127.0.0.1, a free port) that keeps every message it receives."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from email.message import Message

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        with self.changed:
            self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
            self.changed.notify_all()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    def __init__(self) -> None:
        self.handler = _Keep()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def alert_env(self, to: str, conn_id: str = "newsarchive_smtp") -> dict[str, str]:
        """The Airflow connection (as an AIRFLOW_CONN_ variable) and the settings that name it."""
        conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": self.port, "login": "", "password": "",
                "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "newsarchive@example.org",
                          "timeout": 10, "retry_limit": 1}}
        return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn), "NEWSARCHIVE_ALERT_SMTP_CONN_ID": conn_id,
                "NEWSARCHIVE_ALERT_EMAIL_TO": to}

    def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            while len(self.handler.messages) < count and time.monotonic() < deadline:
                self.handler.changed.wait(0.5)
            return list(self.handler.messages)

    @staticmethod
    def html(message: Message) -> str:
        """The text of every text part of a multipart message, decoded."""
        parts = [p.get_payload(decode=True) for p in message.walk() if p.get_content_maintype() == "text"]
        return "\n".join(p.decode(errors="replace") for p in parts if isinstance(p, bytes))
