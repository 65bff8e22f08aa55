"""A small archive for the search tests, built from the replica's stories (replica/catalog.py): the
100 articles of Catalog(per_outlet=20) over three days, plus a few made of replica paragraphs with a
sentence added for the words the stories lack (الأطفال with its clitics, دوماً, English text).

Day 2 is a gap day for `orient` (its crawl failed: no orient rows, status gap in the manifest); day 3
is published twice (rev 2 carries rev 1's rows and adds one article); one row is a duplicate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from archive.records import ArchivedRow, Gap, Manifest, OutletCounts
from archive.snapshot import SnapshotRef, claim_rev, write_snapshot
from archive.store import Store
from extract.models import article_id
from replica.catalog import Catalog, _paragraph_pool

DAYS = (date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20))
GAP_DAY, GAP_OUTLET = DAYS[1], "orient"
# the labelled query set: each query with the refs of the stories it should find
QUERIES = json.loads(Path(__file__).with_name("queries.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Story:
    ref: str  # "outlet/index": how the labelled query set names an article
    outlet: str
    title: str
    text: str
    language: str = "ar"


def _crafted() -> list[Story]:
    pool = _paragraph_pool()
    return [
        Story(
            "extra/1",
            "enabbaladi",
            "نقص الغذاء في الغوطة",
            pool[4] + "\nيعاني الأطفال في الغوطة الشرقية من نقص الغذاء.",
        ),
        Story(
            "extra/2",
            "orient",
            "قافلة مساعدات",
            pool[7] + "\nوصلت قافلة مساعدات للأطفال والنساء في المخيم.",
        ),
        Story(
            "extra/3",
            "zamanalwsl",
            "منظمة إغاثية",
            pool[12] + "\nتهتم المنظمة بالأطفال الذين فقدوا ذويهم.",
        ),
        Story(
            "extra/4",
            "euronews",
            "عائلات في المخيمات",
            pool[20] + "\nخرجت العائلات والأطفال سيراً على الأقدام.",
        ),
        Story(
            "extra/5",
            "anapress",
            "انتظار طويل",
            pool[26] + "\nيقول السكان إنهم دوماً ينتظرون الأخبار من المفاوضين.",
        ),
        Story(
            "extra/6",
            "euronews",
            "Talks on eastern Ghouta stall",
            "Negotiations between the rebels and Russian officers stalled on Friday. Children and their "
            "families waited at the crossing for buses that did not come.",
            "en",
        ),
        Story(
            "extra/7",
            "euronews",
            "Aid convoy reaches the camp",
            "The convoy brought food for children. The negotiator said an agreement was close.",
            "en",
        ),
    ]


def stories() -> list[Story]:
    catalog = Catalog(per_outlet=20)
    out = [
        Story(f"{a.outlet}/{a.index}", a.outlet, a.title, "\n".join(a.story_lines))
        for a in catalog.all()
    ]
    return out + _crafted()


def _row(story: Story, day: date, duplicate_of: str | None = None, suffix: str = "") -> ArchivedRow:
    url = f"https://www.{story.outlet}.test/{story.ref}{suffix}"
    return ArchivedRow(
        id=article_id(url, url, story.text),
        url=url,
        canonical_url=url,
        outlet=story.outlet,
        title=story.title,
        author=None,
        published=f"{day.isoformat()}T08:00:00+03:00",
        date_source="jsonld",
        modified=None,
        language=story.language,
        text=story.text,
        duplicate_of=duplicate_of,
        capture_id=f"<urn:uuid:{story.ref.replace('/', '-')}{suffix}>",
        fetched_at=f"{day.isoformat()}T09:00:00+00:00",
    )


def _publish(store: Store, day: date, rows: list[ArchivedRow], gaps: dict[str, Gap]) -> SnapshotRef:
    ref = claim_rev(store, day, f"test-{day}")
    outlets = {
        o: OutletCounts(archived=sum(r.outlet == o for r in rows)) for o in {r.outlet for r in rows}
    }
    outlets.update({o: OutletCounts(status="gap", gap=g) for o, g in gaps.items()})
    manifest = Manifest(
        day=ref.day,
        rev=ref.rev,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=f"test-{day}",
        software="tests",
        config_hash="",
        outlets=dict(sorted(outlets.items())),
        files=[],
        archived=len(rows),
    )
    write_snapshot(store, ref, rows, {}, manifest)
    return ref


@dataclass
class Corpus:
    ids: dict[str, str]  # story ref -> archived article id
    duplicate_id: str
    refs: list[SnapshotRef]  # every rev published, oldest first
    late_ref: str  # the article only day 3's rev 2 has


def publish_corpus(store: Store) -> Corpus:
    all_stories = stories()
    by_day: dict[date, list[Story]] = {d: [] for d in DAYS}
    for n, story in enumerate(all_stories):
        day = DAYS[n % 3]
        if day == GAP_DAY and story.outlet == GAP_OUTLET:
            day = DAYS[0]
        by_day[day].append(story)
    late = by_day[DAYS[2]].pop(0)  # a replica story (every one mentions دوما)
    ids, refs = {}, []
    for day, day_stories in by_day.items():
        rows = [_row(s, day) for s in day_stories]
        ids.update({s.ref: r.id for s, r in zip(day_stories, rows, strict=True)})
        if day == DAYS[0]:
            original = rows[0]
            duplicate = _row(day_stories[0], day, duplicate_of=original.id, suffix="-copy")
            rows.append(duplicate)
            duplicate_id = duplicate.id
        gaps = (
            {GAP_OUTLET: Gap("crawl", "http_500", "every discovery URL failed (http_500)")}
            if day == GAP_DAY
            else {}
        )
        refs.append(_publish(store, day, rows, gaps))
        if day == DAYS[2]:  # a rerun of the day: rev 2 holds rev 1's rows and one more
            late_row = _row(late, day)
            ids[late.ref] = late_row.id
            refs.append(_publish(store, day, [*rows, late_row], {}))
    return Corpus(ids, duplicate_id, refs, late.ref)
