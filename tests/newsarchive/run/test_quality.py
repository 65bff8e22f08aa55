"""The canary's rules on hand-made figures, and its figures in a real run's manifest."""

import pytest

from newsarchive.config import QualityRules
from newsarchive.run import quality
from newsarchive.run.quality import QualityCheckFailed, quality_figures
from outlets.registry import load_registry

STORY = "قالت مصادر محلية إن القصف استهدف الأحياء السكنية في المدينة صباح اليوم وأسفر عن إصابات بين المدنيين"


def _rows(outlet: str, n: int, extra_line: str | None = None) -> list[dict]:
    rows = []
    for i in range(n):
        lines = [
            f"{STORY} ({outlet} {i})",
            f"وأضافت المصادر أن فرق الإنقاذ عملت لساعات في الموقع رقم {i} دون توقف",
        ]
        if extra_line:
            lines.append(extra_line)
        rows.append({"outlet": outlet, "text": "\n".join(lines), "duplicate_of": None})
    return rows


def _outlets(**archived) -> dict:
    return {o: {"archived": n, "duplicates": 0, "fetched": n} for o, n in archived.items()}


def test_a_healthy_run_passes_with_its_figures():
    figures = quality_figures(
        load_registry(),
        _outlets(anapress=10, orient=8),
        _rows("anapress", 10) + _rows("orient", 8),
        {"anapress": [9, 11, 10]},
    )
    assert figures["problems"] == []
    assert figures["outlets"]["anapress"] == {
        "new": 10,
        "recent_median": 10,
        "recent_days": 3,
        "furniture_lines": 0,
        "furniture_examples": [],
        "repeated_lines": [],
    }
    assert figures["outlets"]["orient"]["recent_median"] is None  # fewer than 3 days of history
    assert quality.check(figures, "2026-11-21 rev 1").startswith(
        "quality check of snapshot 2026-11-21 rev 1 passed"
    )


def test_zero_yield_a_drop_below_the_median_and_furniture_are_each_named():
    outlets = _outlets(anapress=0, orient=3, euronews=6)
    outlets["anapress"].update(fetched=0, skipped={"seen": 20}, not_modified=2)
    rows = _rows("orient", 3) + _rows("euronews", 6, extra_line="الأكثر قراءة")
    figures = quality_figures(
        load_registry(), outlets, rows, {"orient": [10, 12, 9, 11]}, QualityRules(min_share=0.5)
    )
    problems = "\n".join(figures["problems"])
    assert "outlet anapress: 0 new articles this run (nothing new: 20 already archived" in problems
    assert (
        "outlet orient: 3 new articles, below 50% of its median of 10.5 over the last 4 days"
        in problems
    )
    assert (
        "outlet euronews: 6 archived lines are known page furniture, e.g. ['الأكثر قراءة']"
        in problems
    )
    assert figures["outlets"]["euronews"]["furniture_lines"] == 6
    with pytest.raises(
        QualityCheckFailed, match="(?s)snapshot D failed:.*anapress.*orient.*euronews"
    ):
        quality.check(figures, "D")


def test_a_line_on_most_articles_is_reported_as_furniture_without_a_rule():
    rows = _rows("zamanalwsl", 6, extra_line="حمّل تطبيق زمان الوصل الآن")
    figures = quality_figures(load_registry(), _outlets(zamanalwsl=6), rows, {})
    assert figures["outlets"]["zamanalwsl"]["repeated_lines"] == ["حمّل تطبيق زمان الوصل الآن"]
    assert "furniture without a rule" in figures["problems"][0]


def test_a_gap_is_a_zero_yield():
    outlets = {
        "euronews": {
            "gap": "no euronews.crawl.json in staging: the outlet's crawl or extraction failed",
            "archived": 0,
            "duplicates": 0,
        }
    }
    figures = quality_figures(load_registry(), outlets, [], {})
    assert figures["problems"] == [
        "outlet euronews: 0 new articles this run (no euronews.crawl.json in staging: "
        "the outlet's crawl or extraction failed)"
    ]
