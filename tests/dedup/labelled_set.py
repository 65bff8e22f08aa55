"""A labelled near-duplicate set built from the five seed stories (five different articles on one event).

Each seed gets variants that ARE the same article (tracking/AMP URLs, syndicated copies, orthographic
variants, a paragraph added or removed, a sentence edited) and hard negatives that are NOT (a different
story that shares only the seed's lead paragraph). `group` is the ground truth: documents with the same
group are duplicates of each other; every hard negative is a group of its own.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "replica" / "seed_articles.json"
ADDED = (
    "وفي سياق متصل، قال مصدر محلي إن الأهالي ما زالوا ينتظرون وصول المساعدات الإنسانية إلى المنطقة، "
    "وسط مخاوف من تدهور الأوضاع المعيشية مع اقتراب فصل الشتاء وانقطاع الطرق الرئيسية المؤدية إليها."
)


@dataclass(frozen=True)
class Labelled:
    id: str
    url: str
    text: str
    group: str
    kind: str

    def to_input(self) -> dict:
        return {"id": self.id, "url": self.url, "text": self.text}


def seed_stories() -> list[tuple[str, str, list[str]]]:
    """(outlet, url, paragraphs) of each seed story."""
    stories = []
    for seed in json.loads(SEEDS.read_text(encoding="utf-8")):
        paragraphs = [b["text"] for b in seed["blocks"] if b["kind"] in ("p", "h2", "quote")]
        stories.append(
            (seed["outlet"], f"https://{seed['outlet']}.example/news/{seed['key']}", paragraphs)
        )
    return stories


def _orthographic(text: str, rng: random.Random) -> str:
    """Same words, other spelling habits: tashkeel, tatweel, hamza-less alef, ه for ة, ی, Arabic-Indic
    digits, bidi marks, other punctuation and spacing."""
    out = []
    for ch in text:
        if ch in "أإآ" and rng.random() < 0.7:
            ch = "ا"
        elif ch == "ة" and rng.random() < 0.5:
            ch = "ه"
        elif ch.isdigit() and ch.isascii():
            ch = "٠١٢٣٤٥٦٧٨٩"[int(ch)]
        elif ch == "ي" and rng.random() < 0.1:
            ch = "ى"
        out.append(ch)
        if "\u0621" <= ch <= "\u064a" and rng.random() < 0.05:
            out.append(rng.choice("\u064e\u064f\u0650\u0651\u0640"))
    return "\u200f" + "".join(out).replace("،", " ، ").replace(".", " .") + "\u200f"


def _edit_sentence(paragraphs: list[str], rng: random.Random) -> list[str]:
    edited = list(paragraphs)
    i = max(range(len(edited)), key=lambda k: len(edited[k]))
    words = edited[i].split()
    for k in rng.sample(range(len(words)), min(4, len(words))):
        words[k] = rng.choice(["أمس", "اليوم", "حسب", "مصادر", "محلية", "الجمعة"])
    edited[i] = " ".join(words)
    return edited


def labelled_set() -> list[Labelled]:
    rng = random.Random(20261121)
    stories = seed_stories()
    docs: list[Labelled] = []
    for n, (outlet, url, paragraphs) in enumerate(stories):
        g = f"story{n}"
        text = "\n".join(paragraphs)
        longest = max(range(len(paragraphs)), key=lambda k: len(paragraphs[k]))
        variants = [
            ("original", url, text),
            ("tracking-url", f"{url}?utm_source=facebook&utm_medium=social&fbclid=IwAR{n}", text),
            ("amp-url", url.replace("https://", "https://m.") + "/amp/", text),
            (
                "syndicated",
                f"https://aggregator.example/world/{n}-{rng.randrange(10**6)}",
                text + "\nالمصدر: " + outlet,
            ),
            (
                "syndicated-credit-first",
                f"https://other-outlet.example/{rng.randrange(10**6)}",
                f"({outlet}) - " + text,
            ),
            ("orthographic", f"https://mirror.example/{n}", _orthographic(text, rng)),
            ("paragraph-added", f"https://copy.example/{n}/a", "\n".join(paragraphs + [ADDED])),
            (
                "paragraph-removed",
                f"https://copy.example/{n}/b",
                "\n".join(p for k, p in enumerate(paragraphs) if k != longest),
            ),
            (
                "sentence-edited",
                f"https://copy.example/{n}/c",
                "\n".join(_edit_sentence(paragraphs, rng)),
            ),
        ]
        docs += [Labelled(f"s{n}-{kind}", u, t, g, kind) for kind, u, t in variants]
    # hard negatives: the lead paragraph of one story over the body of the others (one paragraph from each)
    for n, (_, _, paragraphs) in enumerate(stories):
        for m in range(2):
            others = [
                p for k, (_, _, ps) in enumerate(stories) if k != n for p in rng.sample(ps[1:], 1)
            ]
            rng.shuffle(others)
            text = "\n".join([paragraphs[0], *others])
            docs.append(
                Labelled(
                    f"s{n}-negative{m}",
                    f"https://elsewhere.example/{n}/{m}",
                    text,
                    f"negative{n}-{m}",
                    "shared-lead",
                )
            )
    return docs
