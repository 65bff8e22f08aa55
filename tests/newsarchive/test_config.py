"""Settings.from_env: every NEWSARCHIVE_* variable read once, typed and bounded; overrides win."""

import pytest

from common.errors import ConfigError
from newsarchive.config import DEFAULT_ARCHIVE, Settings


def test_no_variables_give_the_documented_defaults():
    assert Settings.from_env({}) == Settings()
    assert Settings().archive == DEFAULT_ARCHIVE


def test_each_variable_sets_its_field():
    settings = Settings.from_env(
        {
            "NEWSARCHIVE_ARCHIVE": "s3://news-archive/ar",
            "NEWSARCHIVE_OUTLETS": "/etc/outlets.toml",
            "NEWSARCHIVE_HOST_MAP": '{"WWW.Example.com": "127.0.0.1:8080"}',
            "NEWSARCHIVE_USER_AGENT": "test/1 (+https://x.test)",
            "NEWSARCHIVE_MAX_ARTICLES": " 20 ",
            "NEWSARCHIVE_DEDUP_WINDOW_DAYS": "0",
            "NEWSARCHIVE_REVISIT_DAYS": "2,14",
            "NEWSARCHIVE_QUALITY_HISTORY_DAYS": "7",
            "NEWSARCHIVE_EXTRACT_WORKERS": "3",
            "NEWSARCHIVE_DEDUP_THRESHOLD": "0.9",
            "NEWSARCHIVE_QUALITY_MIN_SHARE": "0",
            "NEWSARCHIVE_EXTRACT_TIMEOUT_S": "2.5",
            "NEWSARCHIVE_REFETCH": "Yes",
            "NEWSARCHIVE_RETENTION_DAYS": "30",
            "NEWSARCHIVE_REPLAY_URL": "https://replay.example.org/news/",
            "NEWSARCHIVE_DATASET_NAME": "Syrian news, archived",
            "NEWSARCHIVE_DATASET_TERMS": " For research only. ",
            "UNRELATED": "ignored",
        }
    )
    assert settings == Settings(
        archive="s3://news-archive/ar",
        outlets_path="/etc/outlets.toml",
        host_map={"www.example.com": "127.0.0.1:8080"},
        user_agent="test/1 (+https://x.test)",
        max_articles=20,
        dedup_window_days=0,
        revisit_days=(2, 14),
        quality_history_days=7,
        extract_workers=3,
        dedup_threshold=0.9,
        quality_min_share=0.0,
        extract_timeout_s=2.5,
        refetch=True,
        retention_days=30,
        replay_url="https://replay.example.org/news",
        dataset_name="Syrian news, archived",
        dataset_terms="For research only.",
    )


def test_overrides_win_over_the_environment_and_none_is_no_override():
    env = {"NEWSARCHIVE_ARCHIVE": "/tmp/a", "NEWSARCHIVE_MAX_ARTICLES": "5"}
    settings = Settings.from_env(env, archive="/tmp/b", max_articles=None)
    assert (settings.archive, settings.max_articles) == ("/tmp/b", 5)


def test_empty_variables_are_unset():
    assert (
        Settings.from_env({"NEWSARCHIVE_ARCHIVE": "", "NEWSARCHIVE_MAX_ARTICLES": ""}) == Settings()
    )


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("NEWSARCHIVE_MAX_ARTICLES", "0", "NEWSARCHIVE_MAX_ARTICLES='0': give a whole number"),
        ("NEWSARCHIVE_MAX_ARTICLES", "²", "whole number of articles per outlet per run"),
        ("NEWSARCHIVE_EXTRACT_WORKERS", "-1", "worker processes"),
        ("NEWSARCHIVE_DEDUP_THRESHOLD", "1.5", "NEWSARCHIVE_DEDUP_THRESHOLD"),
        ("NEWSARCHIVE_QUALITY_MIN_SHARE", "nan", "give a number from 0 to 1"),
        ("NEWSARCHIVE_EXTRACT_TIMEOUT_S", "0", "a number of seconds more than 0 and at most 3600"),
        ("NEWSARCHIVE_REFETCH", "maybe", "give 1, true, yes or on"),
        ("NEWSARCHIVE_RETENTION_DAYS", "-3", "whole number of days"),
        ("NEWSARCHIVE_HOST_MAP", "[1]", "give a JSON object of host names"),
        ("NEWSARCHIVE_HOST_MAP", '{"x.test": "127.0.0.1:99999"}', "address:port"),
        ("NEWSARCHIVE_USER_AGENT", "two\nlines", "one line of printable text"),
        ("NEWSARCHIVE_ARCHIVE", "s3://Bad_Bucket", "NEWSARCHIVE_ARCHIVE='s3://Bad_Bucket': give"),
        ("NEWSARCHIVE_OUTLETS", "a\x00b", "NEWSARCHIVE_OUTLETS='a\\x00b': give the path of"),
        ("NEWSARCHIVE_MAX_SECTION_PAGES", "abc", "NEWSARCHIVE_MAX_SECTION_PAGES='abc': give"),
        ("NEWSARCHIVE_SCHEDULE", "not a cron", "NEWSARCHIVE_SCHEDULE='not a cron': give a cron"),
        ("NEWSARCHIVE_RETENTION_DAYS", "\u00b2", "whole number of days from 0 to 36500"),
        (
            "NEWSARCHIVE_MAX_ARTICLE",
            "5",
            "not a newsarchive setting (did you mean NEWSARCHIVE_MAX_ARTICLES?",
        ),
        ("NEWSARCHIVE_RUN_DAY", "2026-01-01", "set by the crawl stage for each crawl"),
        ("NEWSARCHIVE_REPLAY_URL", "javascript:alert(1)", "give the http(s) URL of a replay"),
        ("NEWSARCHIVE_REPLAY_URL", "https://x.test/a?b=1", "NEWSARCHIVE_REPLAY_URL="),
        ("NEWSARCHIVE_DATASET_NAME", "a\x1b[31m", "one line of printable text"),
        ("NEWSARCHIVE_DATASET_TERMS", "x" * 5000, "at most 4000 characters"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_variable(name, value, says):
    with pytest.raises(ConfigError, match=None) as caught:
        Settings.from_env({name: value})
    assert says in str(caught.value)


def test_a_bad_override_names_the_option():
    with pytest.raises(ConfigError, match="--archive"):
        Settings.from_env({}, archive="s3://")


def test_settings_are_frozen_and_changed_by_copy():
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.archive = "/x"  # type: ignore[misc]
    assert settings.with_(max_articles=3).max_articles == 3 and settings.max_articles != 3
