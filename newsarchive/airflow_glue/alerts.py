"""Alerts: a task that failed for good (an outlet's crawl or extraction, publish, the quality check) is
announced through Airflow's notifiers, the SMTP notifier of apache-airflow-providers-smtp and the Slack
webhook notifier of apache-airflow-providers-slack, each configured by an Airflow connection:

  NEWSARCHIVE_ALERT_SMTP_CONN_ID   an `smtp` connection (host, port, login, extra from_email ...)
  NEWSARCHIVE_ALERT_EMAIL_TO       recipients, comma separated (needed with the SMTP connection)
  NEWSARCHIVE_ALERT_SLACK_CONN_ID  a `slackwebhook` connection

Neither set: no alert (the task still fails, and the grid says why). The message names the outlet(s),
the cause (the task's error) and links to the run and the task's log. Text that comes from the web (an
error quoting a page or URL, a line the quality check found repeated across an outlet's articles) is
passed to the notifiers' templates as a value, never as a template, and each channel gets it escaped for
its own syntax in one place (common/escape.py): `subject` (one header line), `html` (the email body) and
`slack` (mrkdwn: no mention, link or formatting from the text survives; the cause in a code block).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from common import escape

if TYPE_CHECKING:
    from airflow.sdk.bases.notifier import BaseNotifier

logger = logging.getLogger(__name__)

SMTP_ENV, EMAIL_ENV, SLACK_ENV = (
    "NEWSARCHIVE_ALERT_SMTP_CONN_ID",
    "NEWSARCHIVE_ALERT_EMAIL_TO",
    "NEWSARCHIVE_ALERT_SLACK_CONN_ID",
)
CONTEXT_KEY = "newsarchive_alert"  # the notifiers' templates read the message from here
_OUTLET = re.compile(r"\boutlet ([a-z][a-z0-9_]{1,31})\b")
MAX_CAUSE = 4000


@dataclass(frozen=True)
class AlertConfig:
    smtp_conn_id: str | None = None
    email_to: tuple[str, ...] = ()
    slack_conn_id: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> AlertConfig:
        from newsarchive.variables import (
            BY_NAME,
        )  # each read by its declaration (a ConfigError if wrong)

        smtp, to, slack = (
            BY_NAME[n].parse(environ.get(n, "")) for n in (SMTP_ENV, EMAIL_ENV, SLACK_ENV)
        )
        return cls(smtp, to or (), slack)

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_conn_id or self.slack_conn_id)


@dataclass(frozen=True)
class Alert:
    dag_id: str
    run_id: str
    task: str  # task id, with the mapped task's label: per_outlet.crawl[euronews]
    outlets: tuple[str, ...]
    cause: str
    run_url: str
    log_url: str

    @property
    def subject(self) -> str:
        where = ", ".join(self.outlets) if self.outlets else "the run"
        first = (self.cause.splitlines() or [""])[0]
        return escape.header(f"[newsarchive] {self.task} failed for {where}: {first}")

    @property
    def slack(self) -> str:
        """The message in Slack's mrkdwn: every value escaped, the cause in a code block."""
        e = escape.slack
        return (
            f"{e(self.task)} failed in run {e(self.run_id)} of {e(self.dag_id)}.\n"
            f"Outlet: {e(', '.join(self.outlets) or '(none named)')}\nCause:\n```\n{e(self.cause)}\n```\n"
            f"Run: {e(self.run_url)}\nLog: {e(self.log_url)}\n"
        )

    @property
    def html(self) -> str:
        e = escape.html
        return (
            f"<p><b>{e(self.task)}</b> failed in run <code>{e(self.run_id)}</code> of {e(self.dag_id)}.</p>"
            f"<p>Outlet: <b>{e(', '.join(self.outlets) or '(none named)')}</b></p>"
            f"<p>Cause:</p><pre>{e(self.cause)}</pre>"
            f'<p><a href="{e(self.run_url)}">The run in Airflow</a> · <a href="{e(self.log_url)}">the task\'s log</a></p>'
        )


def describe(context: Mapping[str, Any], base_url: str) -> Alert:
    """The alert for a failed task, from its callback context: outlet (the mapped task's input, or every
    outlet the error names), cause (the error's text) and links."""
    ti = context["ti"]
    dag_id, run_id = ti.dag_id, ti.run_id
    cause = str(context.get("exception") or "failed (no error recorded)")[:MAX_CAUSE]
    mapped = None
    if (
        getattr(ti, "map_index", -1) >= 0
    ):  # a mapped task: its label (the outlet), set by the task or scheduler
        mapped = context.get("outlet_id") or getattr(ti, "rendered_map_index", None)
    named = [mapped] if isinstance(mapped, str) and _OUTLET.fullmatch(f"outlet {mapped}") else []
    outlets = tuple(dict.fromkeys(named + _OUTLET.findall(cause)))
    label = f"{ti.task_id}[{named[0]}]" if named else ti.task_id
    base = base_url.rstrip("/")
    run_url = f"{base}/dags/{quote(dag_id)}/runs/{quote(run_id)}"
    log_url = f"{run_url}/tasks/{quote(ti.task_id)}" + (
        f"/mapped/{ti.map_index}" if ti.map_index >= 0 else ""
    )
    return Alert(dag_id, run_id, label, outlets, cause, run_url, log_url)


def notifiers(config: AlertConfig) -> list[BaseNotifier]:
    """Airflow notifiers for the configured connections (imported only when a task failed)."""
    found: list[BaseNotifier] = []
    if config.smtp_conn_id:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        if not config.email_to:
            logger.error(
                "alert by email not sent: %s is set but %s names no recipient", SMTP_ENV, EMAIL_ENV
            )
        else:
            found.append(
                SmtpNotifier(
                    to=list(config.email_to),
                    smtp_conn_id=config.smtp_conn_id,
                    subject="{{ " + CONTEXT_KEY + ".subject }}",
                    html_content="{{ " + CONTEXT_KEY + ".html }}",
                )
            )
    if config.slack_conn_id:
        from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

        found.append(
            SlackWebhookNotifier(
                slack_webhook_conn_id=config.slack_conn_id,
                text="{{ " + CONTEXT_KEY + ".slack }}",
                unfurl_links=False,  # no preview fetched of a link the text carries
                unfurl_media=False,
            )
        )
    return found


def on_failure(context: Mapping[str, Any]) -> None:
    """on_failure_callback of the DAG's tasks: runs once a task failed for good (after its retries)."""
    config = AlertConfig.from_env()
    if not config.enabled:
        return
    from airflow.configuration import conf

    alert = describe(context, conf.get("api", "base_url", fallback="http://localhost:8080/"))
    logger.info("alert: %s", alert.subject)
    for notifier in notifiers(config):
        try:
            notifier({**context, CONTEXT_KEY: alert})
        except (
            Exception
        ):  # one channel down must not stop the other: each is tried and its failure logged
            logger.exception("alert through %s failed", type(notifier).__name__)
