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
            self.messages.append(
                email.message_from_bytes(envelope.original_content or envelope.content)
            )
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
        conn = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": self.port,
            "login": "",
            "password": "",
            "extra": {
                "disable_ssl": True,
                "disable_tls": True,
                "from_email": "newsarchive@example.org",
                "timeout": 10,
                "retry_limit": 1,
            },
        }
        return {
            f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn),
            "NEWSARCHIVE_ALERT_SMTP_CONN_ID": conn_id,
            "NEWSARCHIVE_ALERT_EMAIL_TO": to,
        }

    def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            while len(self.handler.messages) < count and time.monotonic() < deadline:
                self.handler.changed.wait(0.5)
            return list(self.handler.messages)

    @staticmethod
    def html(message: Message) -> str:
        """The text of every text part of a multipart message, decoded."""
        parts = [
            p.get_payload(decode=True) for p in message.walk() if p.get_content_maintype() == "text"
        ]
        return "\n".join(p.decode(errors="replace") for p in parts if isinstance(p, bytes))


class WebhookSink:
    """A local HTTP server standing in for a Slack incoming webhook: keeps each POSTed JSON body."""

    def __init__(self) -> None:
        import http.server

        sink = self
        self.bodies: list[dict] = []
        self.changed = threading.Condition()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.changed:
                    sink.bodies.append(json.loads(body or b"{}"))
                    sink.changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def alert_env(self, conn_id: str = "newsarchive_slack") -> dict[str, str]:
        url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/XXXX"
        conn = {"conn_type": "slackwebhook", "password": url, "extra": {"timeout": 10}}
        return {
            f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn),
            "NEWSARCHIVE_ALERT_SLACK_CONN_ID": conn_id,
        }

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.bodies) < count and time.monotonic() < deadline:
                self.changed.wait(0.5)
            return list(self.bodies)
