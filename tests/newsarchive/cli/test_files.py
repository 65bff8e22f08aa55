"""newsarchive/cli/files.py: `newsarchive extract` and `newsarchive dedup` on the user's own files, no
archive involved: their options reach the extractor and the deduplicator, and what cannot be read is
refused in one line (the batches themselves: test_extract_files.py, test_dedup_file.py)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from newsarchive.cli.main import main
from replica.server import Replica

STORY = "قال ناشطون إن خمسة عشر شخصا قتلوا في قصف على ريف إدلب الجنوبي صباح اليوم وأضافوا أن "


def test_a_threshold_outside_0_1_is_refused_with_what_to_give(tmp_path, capsys):
    from common.errors import ConfigError
    from newsarchive.config import Settings

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["dedup", str(source), "--threshold", "2"])
    assert exit_info.value.code == 2
    assert "give a number more than 0 and at most 1" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="NEWSARCHIVE_DEDUP_THRESHOLD='abc': give a number more"):
        Settings.from_env({"NEWSARCHIVE_DEDUP_THRESHOLD": "abc"})


def test_a_dedup_input_that_is_not_there_is_one_line(tmp_path, capsys):
    assert main(["dedup", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"newsarchive: error: dedup input {tmp_path / 'missing.jsonl'} does not exist; "
        "give a JSON Lines file (or - for stdin)\n"
    )


def _pair() -> str:
    """Two texts whose estimated similarity is between 0.5 (the default threshold) and 0.9."""
    words = [f"{STORY}{n}" for n in range(40)]
    first = " ".join(words)
    second = " ".join(words[:28] + [f"كلمة مختلفة {n}" for n in range(12)])
    return "".join(
        json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
        for i, t in (("a", first), ("b", second))
    )


def test_dedup_reads_stdin_and_takes_its_threshold(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_pair().encode("utf-8"))))
    assert main(["dedup", "-"]) == 0
    default = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert default[1]["reason"] == "near_duplicate" and default[1]["duplicate_of"] == "a"
    assert 0.5 <= default[1]["similarity"] < 0.9
    (tmp_path / "pair.jsonl").write_text(_pair(), encoding="utf-8")
    assert main(["dedup", str(tmp_path / "pair.jsonl"), "--threshold", "0.9"]) == 0
    strict = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert strict[1]["duplicate_of"] is None and strict[1]["reason"] is None


def test_extract_applies_the_outlet_of_the_registry_given(tmp_path, capsys):
    """`--outlets FILE --outlet ID`: that registry's entry (its rules and time zone) is the one used."""
    site = next(s for s in Replica(per_outlet=1).sites.values() if s.outlet == "euronews")
    article = site.articles[0]
    page = tmp_path / "page.html"
    page.write_text(site.article_html(article), encoding="utf-8")
    registry = tmp_path / "outlets.toml"
    registry.write_text(
        '[[outlet]]\nid = "mine"\nname = "Mine"\nlanguage = "ar"\ntimezone = "Asia/Damascus"\n'
        'domains = ["arabic.euronews.com"]\nsections = ["https://arabic.euronews.com/"]\n'
        'article_pattern = "a"\n',
        encoding="utf-8",
    )
    argv = ["extract", str(page), "--url", site.url(article), "--outlet", "mine"]
    assert main([*argv, "--outlets", str(registry)]) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (record["outlet"], record["url"], record["title"]) == (
        "mine",
        site.url(article),
        article.title,
    )
    assert main(argv) == 2  # not in the default registry
    assert "unknown outlet 'mine'" in capsys.readouterr().err
