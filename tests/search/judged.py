"""The judged Arabic query set the stemmer was chosen on (bench/bench_stemmers.py), kept in
tests/search/judged.json, and the archive it is judged on.

The documents are the archive's own texts at their finest grain: every title, paragraph, subheading,
quotation and headline of the five seed stories (replica/seed_articles.json, made from ../shared/seeds,
the sentences bench/synthetic_archive.py draws its articles from), one article each: 88 articles, so a
word is in a few of them and recall@10 and precision@10 can tell stemmers apart.

How it was judged: the corpus's words were listed (diacritics dropped) grouped by root and by shared
letters, and for each query a person wrote down, by hand, which of those words are the query's word
(the same lexeme: its clitics, dual and plural, sound or broken, gender of an adjective, possessive
suffixes, the accusative ending; for a verb, its conjugations) and which are near misses (another
word that shares its letters or its root: a derivation such as الحكومة "government" / الحكومية
"governmental", روسيا / الروسي, a verbal noun beside its verb, or an unrelated word such as المناطق
"regions" / الناطق "spokesman"). The relevant articles are those holding one of the query's words,
found by plain regular expressions over the original text (proclitics و، ف، ب، ك، ل، ال، لل allowed
in front); nothing of search/ is used, so the labels do not depend on the system under test. An
article is relevant or not as a whole; near-miss articles hold a near-miss word and none of the
query's words.

    .venv/bin/python -m tests.search.judged      # writes tests/search/judged.json
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

OUT = Path(__file__).with_name("judged.json")
DAY = date(2026, 10, 1)
_MARKS = re.compile(r"[\u064c-\u0652\u0670\u0640]")  # tashkeel but tanween fath, tatweel
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
CLITICS = r"(?:[وف]?(?:[بك]?ال|لل|[بلك])?)"
_WORD = re.compile(r"[\u0621-\u064a\u064b]+")

# (query as a researcher types it, its words, near misses): forms without clitics, as the corpus has them
QUERIES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("الحكومة", ("حكومة", "حكومات", "حكومتها"), ("حكومية", "حكومي")),
    ("الحكومية", ("حكومي", "حكومية", "حكوميين", "حكوميون"), ("حكومة", "حكومات")),
    ("المفاوضات", ("مفاوضات", "مفاوضة"), ("مفاوض", "تفاوض", "تفاوضية")),
    ("التفاوض", ("تفاوض",), ("تفاوضية", "مفاوضات", "مفاوضة", "مفاوض")),
    ("روسيا", ("روسيا",), ("روسي", "روسية", "روس")),
    ("الروسية", ("روسي", "روسية", "روس"), ("روسيا",)),
    ("سوريا", ("سوريا",), ("سوري", "سورية", "سوريين")),
    ("السوريين", ("سوري", "سورية", "سوريين", "سوريون"), ("سوريا",)),
    ("المدينة", ("مدينة", "مدن", "مدينتهم", "مدينتين"), ("مدني", "مدنيين", "مدنيون")),
    ("المدنيين", ("مدني", "مدنيين", "مدنيون"), ("مدينة", "مدن", "مدينتهم")),
    ("بالغوطة", ("غوطة",), ()),
    ("الشرقية", ("شرقي", "شرقية"), ("شرق",)),
    ("الاتفاق", ("اتفاق", "اتفاقا", "اتفاقاً", "اتفاقين", "اتفاقات"), ("اتفق", "اتفقت")),
    ("الخروج", ("خروج", "خروجه"), ("خرج", "خرجوا", "خرجتم", "خارجية", "خارجين")),
    ("خرجوا", ("خرج", "خرجوا", "خرجتم", "يخرج", "يخرجون"), ("خروج", "خروجه", "خارجية")),
    ("المعارضة", ("معارضة",), ("معارض", "يعارض", "تعرضت", "معرض")),
    ("تسليم", ("تسليم", "تسليمها"), ("إسلام", "سلمي", "سلمية", "سلوم")),
    ("الإسلام", ("إسلام",), ("تسليم", "تسليمها", "سلمي", "سلمية")),
    ("الجماعة", ("جماعة", "جماعات", "جماعته"), ("جمعة", "اجتماع", "مجموعات", "تجميع")),
    ("الجمعة", ("جمعة",), ("جماعة", "جماعات", "جماعته", "اجتماع")),
    ("اجتماع", ("اجتماع", "اجتماعات"), ("جماعة", "جمعة", "مجموعات")),
    ("الفصائل", ("فصيل", "فصائل", "فصيلي", "فصيله"), ("مفصلة", "منفصل", "تفصيلا")),
    ("القوات", ("قوات", "قوة"), ()),
    ("العمليات", ("عملية", "عمليات"), ("عمل", "أعمال", "عملها")),
    ("النظام", ("نظام", "أنظمة"), ("منظومة", "منظمة", "تنظيم")),
    ("الأسد", ("أسد",), ()),
    ("المسلحين", ("مسلح", "مسلحة", "مسلحين", "مسلحون", "مسلحي"), ("سلاح", "أسلحة", "أسلحته")),
    (
        "السلاح",
        ("سلاح", "سلاحهم", "أسلحة", "أسلحته", "أسلحتها", "أسلحتهم"),
        ("مسلح", "مسلحة", "مسلحين", "مسلحي"),
    ),
    ("الجانب", ("جانب", "جانبه", "جوانب"), ("جنوب", "يجنبهم")),
    ("الجنوب", ("جنوب",), ("جانب", "جانبه")),
    (
        "المقاتلين",
        ("مقاتل", "مقاتلين", "مقاتلون", "مقاتلي", "مقاتليه"),
        ("قتال", "مقتل", "قتلى", "مقاتلة"),
    ),
    ("القتال", ("قتال",), ("مقاتل", "مقاتلين", "مقاتلي", "مقتل", "قتلى")),
    ("البقاء", ("بقاء", "بقاءهم"), ()),
    ("العسكرية", ("عسكري", "عسكرية", "عسكريا", "عسكريين"), ()),
    ("دمشق", ("دمشق",), ()),
    ("التهجير", ("تهجير",), ("هجر", "هجرة", "مهجري", "هجوم")),
    ("السيطرة", ("سيطرة",), ("تسيطر",)),
    ("الإعلام", ("إعلام",), ("إعلامية", "إعلاميي", "عالمية", "أعلن", "إعلان")),
    ("الميليشيات", ("ميليشيا", "ميليشيات", "ميلشيا", "مليشيات", "مليشياته"), ()),
    ("الشروط", ("شرط", "شروط", "شروطها", "شروطا"), ("شرطة",)),
    ("الشرطة", ("شرطة",), ("شرط", "شروط", "شروطها", "شروطا")),
    ("السكان", ("سكان", "سكانها"), ("سكانية",)),
    ("المغادرة", ("مغادرة",), ("غادر", "غادروا", "غادرت")),
    ("الوكالة", ("وكالة", "وكالات"), ()),
    ("الدفاع", ("دفاع",), ("مدفعية", "مدافع", "ندافع", "سيدافعون")),
    ("الانسحاب", ("انسحاب",), ("ينسحب", "سحب")),
    ("المسؤول", ("مسؤول", "مسؤولين", "مسؤولون", "مسؤولة"), ("مسألة",)),
    ("التشكيلات", ("تشكيل", "تشكيلات"), ("شكل",)),
    ("الخميس", ("خميس",), ("خمسة",)),
    ("الإنساني", ("إنساني", "إنسانية"), ("إنسان",)),
    ("قرار", ("قرار", "قرارا", "قرارنا", "قرارات"), ("مقرر", "قرر")),
    ("موقف", ("موقف", "موقفه", "موقفنا", "مواقف"), ("وقف", "مواقع")),
    ("التصريحات", ("تصريح", "تصريحات"), ()),
    ("الأركان", ("أركان",), ()),
    ("القسري", ("قسري", "قسرية", "قسريا"), ()),
    ("الإرهابيين", ("إرهابي", "إرهابية", "إرهابيين"), ("إرهاب",)),
    ("الإرهاب", ("إرهاب",), ("إرهابي", "إرهابية", "إرهابيين")),
    ("العاصمة", ("عاصمة",), ("عصام",)),
    ("المعركة", ("معركة", "معارك"), ()),
    ("المؤسسات", ("مؤسسة", "مؤسسات"), ()),
    ("الأطفال", ("طفل", "أطفال", "طفلا"), ()),
    ("الدبابات", ("دبابة", "دبابات", "دبابتين"), ()),
    ("الطرفين", ("طرف", "طرفين", "أطراف"), ()),
    ("المصادر", ("مصدر", "مصادر"), ()),
    ("الدمار", ("دمار",), ("تدمير",)),
    ("اللجنة", ("لجنة", "لجان"), ()),
    ("المرحلة", ("مرحلة",), ("رحيل",)),
    ("المتحدث", ("متحدث", "متحدثة"), ("تحدثت", "حديث", "حدث")),
    ("الوزارة", ("وزارة",), ("وزير", "وزراء")),
    ("الثورة", ("ثورة",), ("ثوار", "ثوري", "ثورية")),
    ("المناطق", ("منطقة", "مناطق"), ("ناطق",)),
    ("الناطق", ("ناطق",), ("منطقة", "مناطق")),
    ("التوصل", ("توصل",), ("توصلت", "تتوصل", "وصلت", "وصول", "مواصلة")),
    ("مساعدة", ("مساعدة", "مساعدات"), ("مستعدون", "تستعد", "استعدادها")),
    ("البيان", ("بيان", "بيانات"), ("بين", "بينهم", "بينها", "بينما")),
]


@dataclass(frozen=True)
class Doc:
    ref: str  # outlet/t (title), outlet/pN (story block N), outlet/hN (headline N)
    outlet: str
    text: str


def documents() -> list[Doc]:
    from replica.catalog import _seeds

    docs = []
    for seed in _seeds():
        outlet = seed["outlet"]
        docs.append(Doc(f"{outlet}/t", outlet, seed["title"]))
        docs += [Doc(f"{outlet}/p{n}", outlet, b["text"]) for n, b in enumerate(seed["blocks"])]
        headlines = [*seed["ticker"], *seed["related"], *seed["more_topics"]]
        docs += [Doc(f"{outlet}/h{n}", outlet, text) for n, text in enumerate(headlines)]
    return docs


def normal(text: str) -> str:
    """The judge's own spelling normalisation (not search/'s): marks but tanween fath dropped, hamza
    carriers of alef, ى and ة folded; tanween fath moved to the end of its word."""
    text = _MARKS.sub("", text).translate(_LETTERS)
    return re.sub(r"(\w*)\u064b(\w*)", lambda m: m.group(1) + m.group(2) + "\u064b", text)


def words_of(forms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(sorted({re.escape(normal(f)) for f in forms}, key=len, reverse=True))
    return re.compile(rf"^{CLITICS}(?:{alternatives})$")


def judge() -> list[dict]:
    docs = documents()
    tokens = {d.ref: set(_WORD.findall(normal(d.text))) for d in docs}
    out = []
    for query, relevant, near in QUERIES:
        rel, miss = words_of(relevant), words_of(near) if near else None
        expected = sorted(r for r, ws in tokens.items() if any(rel.match(w) for w in ws))
        near_docs = sorted(
            r
            for r, ws in tokens.items()
            if r not in expected and miss and any(miss.match(w) for w in ws)
        )
        out.append(
            {
                "query": query,
                "relevant_words": list(relevant),
                "near_miss_words": list(near),
                "expected": expected,
                "near_misses": near_docs,
            }
        )
    return out


def publish_documents(store):  # -> dict[str, str]: doc ref -> article id
    """The judged documents as one day's snapshot (one article each, no title: the text is the
    paragraph); the article ids by doc ref."""
    from archive.records import ArchivedRow, Manifest, OutletCounts
    from archive.snapshot import claim_rev, write_snapshot
    from extract.models import article_id

    rows, ids = [], {}
    for doc in documents():
        url = f"https://www.{doc.outlet}.test/judged/{doc.ref}"
        row = ArchivedRow(
            id=article_id(url, url, doc.text),
            url=url,
            canonical_url=url,
            outlet=doc.outlet,
            title="",
            author=None,
            published=f"{DAY.isoformat()}T08:00:00+03:00",
            date_source="jsonld",
            modified=None,
            language="ar",
            text=doc.text,
            capture_id=f"<urn:uuid:judged-{doc.ref.replace('/', '-')}>",
            fetched_at=f"{DAY.isoformat()}T09:00:00+00:00",
        )
        rows.append(row)
        ids[doc.ref] = row.id
    ref = claim_rev(store, DAY, "judged")
    outlets = {
        o: OutletCounts(archived=sum(r.outlet == o for r in rows))
        for o in sorted({r.outlet for r in rows})
    }
    manifest = Manifest(
        day=ref.day,
        rev=ref.rev,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id="judged",
        software="tests",
        config_hash="",
        outlets=outlets,
        files=[],
        archived=len(rows),
    )
    write_snapshot(store, ref, rows, {}, manifest)
    return ids


def main() -> None:
    judged = judge()
    for case in judged:
        print(
            f"{case['query']}: {len(case['expected'])} relevant, {len(case['near_misses'])} near misses"
        )
    empty = [c["query"] for c in judged if not c["expected"]]
    if empty:
        raise SystemExit(f"queries with no relevant article: {empty}")
    OUT.write_text(json.dumps(judged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(judged)} queries over {len(documents())} articles -> {OUT}")


if __name__ == "__main__":
    main()
