"""The alert's content (outlet, cause, links) and its configuration; the email itself is received on a
local SMTP server in tests/dags/test_news_archive.py."""

from __future__ import annotations

from types import SimpleNamespace

from newsarchive.airflow_glue.alerts import AlertConfig, describe


def _ti(task_id: str, map_index: int = -1, label: str | None = None) -> SimpleNamespace:
    """The attributes of Airflow's runtime task instance that an alert reads."""
    return SimpleNamespace(
        dag_id="news_archive",
        run_id="scheduled__2026-11-21T03:00:00+00:00",
        task_id=task_id,
        map_index=map_index,
        rendered_map_index=label,
    )


def test_a_failed_crawl_names_its_outlet_the_cause_and_links_to_the_run():
    cause = "outlet euronews: every discovery URL failed (3x http_500); is the site reachable from this machine?"
    alert = describe(
        {"ti": _ti("per_outlet.crawl", 2, "euronews"), "exception": cause},
        "http://af.example:8080/",
    )
    assert alert.outlets == ("euronews",)
    assert alert.subject == f"[newsarchive] per_outlet.crawl[euronews] failed for euronews: {cause}"
    assert (
        alert.run_url
        == "http://af.example:8080/dags/news_archive/runs/scheduled__2026-11-21T03%3A00%3A00%2B00%3A00"
    )
    assert alert.log_url == alert.run_url + "/tasks/per_outlet.crawl/mapped/2"
    assert cause in alert.slack and alert.run_url in alert.html


def test_a_failed_quality_check_names_every_outlet_it_lists():
    cause = (
        "quality check of snapshot 2026-11-21 rev 1 failed:\n- outlet euronews: 0 new articles this run (x)\n"
        "- outlet orient: 2 archived lines are known page furniture"
    )
    alert = describe({"ti": _ti("quality"), "exception": cause}, "http://af.example:8080")
    assert alert.outlets == ("euronews", "orient") and alert.task == "quality"
    assert (
        alert.subject
        == "[newsarchive] quality failed for euronews, orient: quality check of snapshot 2026-11-21 rev 1 failed:"
    )


def test_text_from_the_web_is_escaped_in_the_html_body():
    cause = "outlet enabbaladi: <script>alert(1)</script> {{ 7*7 }}"
    alert = describe(
        {"ti": _ti("per_outlet.extract", 3, "enabbaladi"), "exception": cause}, "http://af"
    )
    assert "<script>" not in alert.html and "&lt;script&gt;" in alert.html
    assert "{{ 7*7 }}" in alert.slack  # a value for the notifiers' templates, never rendered itself


def test_alerts_are_configured_by_connection_ids():
    assert not AlertConfig.from_env({}).enabled
    config = AlertConfig.from_env(
        {
            "NEWSARCHIVE_ALERT_SMTP_CONN_ID": "smtp_ops",
            "NEWSARCHIVE_ALERT_EMAIL_TO": "a@example.org, b@example.org,",
            "NEWSARCHIVE_ALERT_SLACK_CONN_ID": "slack_ops",
        }
    )
    assert (
        config == AlertConfig("smtp_ops", ("a@example.org", "b@example.org"), "slack_ops")
        and config.enabled
    )
