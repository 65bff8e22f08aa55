"""The canary's rules on hand-made figures (typed, as publish hands them over), and the figures'
record read back from a manifest."""

import pytest

from archive.records import ArchivedRow, CrawlReport, Gap, Manifest, OutletCounts
from newsarchive.config import QualityRules
from newsarchive.run import quality
from newsarchive.run.quality import QualityCheckFailed, QualityFigures, quality_figures
from newsarchive.run.staged import StagedRecordError
from outlets.registry import load_registry

STORY = "قالت مصادر محلية إن القصف استهدف الأحياء السكنية في المدينة صباح اليوم وأسفر عن إصابات بين المدنيين"


def _rows(outlet: str, n: int, extra_line: str | None = None) -> list[ArchivedRow]:
    rows = []
    for i in range(n):
        lines = [
            f"{STORY} ({outlet} {i})",
            f"وأضافت المصادر أن فرق الإنقاذ عملت لساعات في الموقع رقم {i} دون توقف",
        ]
        if extra_line:
            lines.append(extra_line)
        url = f"https://{outlet}.example/a/{i}"
        rows.append(
            ArchivedRow(
                f"{outlet}{i}",
                url,
                url,
                outlet,
                "t",
                None,
                None,
                None,
                None,
                "ar",
                "\n".join(lines),
            )
        )
    return rows


def _outlets(**archived: int) -> dict[str, OutletCounts]:
    return {
        o: OutletCounts(crawl=CrawlReport(o, "finished", n, n, n), extracted=n, archived=n)
        for o, n in archived.items()
    }


def test_a_healthy_run_passes_with_its_figures():
    figures = quality_figures(
        load_registry(),
        _outlets(anapress=10, orient=8),
        _rows("anapress", 10) + _rows("orient", 8),
        {"anapress": [9, 11, 10]},
    )
    assert figures.problems == []
    assert figures.to_dict()["outlets"]["anapress"] == {
        "new": 10,
        "recent_median": 10,
        "recent_days": 3,
        "furniture_lines": 0,
        "furniture_examples": [],
        "repeated_lines": [],
    }
    assert figures.outlets["orient"].recent_median is None  # fewer than 3 days of history
    assert quality.check(figures, "2026-11-21 rev 1").startswith(
        "quality check of snapshot 2026-11-21 rev 1 passed"
    )


def test_zero_yield_a_drop_below_the_median_and_furniture_are_each_named():
    outlets = _outlets(anapress=0, orient=3, euronews=6)
    outlets["anapress"].crawl = CrawlReport(
        "anapress", "finished", 20, skipped={"seen": 20}, not_modified=2
    )
    rows = _rows("orient", 3) + _rows("euronews", 6, extra_line="الأكثر قراءة")
    figures = quality_figures(
        load_registry(), outlets, rows, {"orient": [10, 12, 9, 11]}, QualityRules(min_share=0.5)
    )
    problems = "\n".join(figures.problems)
    assert (
        "outlet anapress: 0 new articles on the day (nothing new: 20 already archived" in problems
    )
    assert (
        "outlet orient: 3 new articles, below 50% of its median of 10.5 over the last 4 days"
        in problems
    )
    assert (
        "outlet euronews: 6 archived lines are known page furniture, e.g. ['الأكثر قراءة']"
        in problems
    )
    assert figures.outlets["euronews"].furniture_lines == 6
    with pytest.raises(
        QualityCheckFailed, match="(?s)snapshot D failed:.*anapress.*orient.*euronews"
    ):
        quality.check(figures, "D")


def test_a_line_on_most_articles_is_reported_as_furniture_without_a_rule():
    rows = _rows("zamanalwsl", 6, extra_line="حمّل تطبيق زمان الوصل الآن")
    figures = quality_figures(load_registry(), _outlets(zamanalwsl=6), rows, {})
    assert figures.outlets["zamanalwsl"].repeated_lines == ["حمّل تطبيق زمان الوصل الآن"]
    assert "furniture without a rule" in figures.problems[0]


def test_a_gap_is_a_problem_even_when_the_day_holds_the_outlets_articles():
    gap = Gap("crawl", "http_500", "outlet euronews: every discovery URL failed (3x http_500)")
    outlets = {"euronews": OutletCounts(status="gap", gap=gap)}
    assert quality_figures(load_registry(), outlets, [], {}).problems == [
        "outlet euronews: 0 new articles this run (outlet euronews: every discovery URL failed "
        "(3x http_500))"
    ]
    held = quality_figures(load_registry(), outlets, _rows("euronews", 4), {})
    assert held.outlets["euronews"].new == 4 and len(held.problems) == 1
    assert "4 of the day's articles are held from earlier revs" in held.problems[0]


def test_an_outlet_not_run_or_gone_from_the_registry_is_not_judged():
    outlets = {"orient": OutletCounts(status="not_run"), "bbc": OutletCounts()}
    figures = quality_figures(load_registry(), outlets, _rows("orient", 3), {})
    assert figures.outlets == {} and figures.problems == []


def test_the_figures_read_back_from_a_manifest_are_checked_field_by_field():
    figures = quality_figures(load_registry(), _outlets(orient=3), _rows("orient", 3), {})
    manifest = Manifest("2026-11-21", 1, "", "r", "", "", {}, [], quality=figures.to_dict())
    assert QualityFigures.of(manifest) == figures
    assert QualityFigures.of(Manifest("2026-11-21", 1, "", "r", "", "", {}, [])).problems == []
    manifest.quality["outlets"]["orient"]["new"] = (
        "3"  # a figure of the wrong type is never read as 0
    )
    with pytest.raises(StagedRecordError, match=r"outlets\['orient'\]\.new: expected int"):
        QualityFigures.of(manifest)
