"""The bucket's Croissant metadata (`croissant.json`, MLCommons Croissant 1.0): the current-articles table
as one FileSet (`current/articles/*.parquet`) and one RecordSet `articles` whose fields are the schema
contract's columns (archive/schema.py: name, meaning, type), so `mlcroissant` validates the file and
loads the table's records, and a reader learns every column from it. Written beside the dataset card
(archive/dataset_card.py) at every publish; `decode` is the one way it is read back.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from archive import layout
from archive.dataset_card import TABLE_GLOB, DatasetInfo, DatasetSummary
from archive.schema import COLUMNS, INSTANT, SCHEMA_VERSION
from archive.snapshot import DamagedObject
from common.escape import json_text

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
FILE_SET = "current-articles"
RECORD_SET = "articles"
MAX_BYTES = 4 << 20
CONTEXT: dict[str, Any] = {  # the Croissant 1.0 context, as its specification gives it
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
DATA_TYPES = {
    INSTANT: "sc:DateTime",
    pa.date32(): "sc:Date",
    pa.int32(): "sc:Integer",
    pa.int64(): "sc:Integer",
    pa.float64(): "sc:Float",
    pa.bool_(): "sc:Boolean",
    pa.string(): "sc:Text",
}


def build(summary: DatasetSummary, info: DatasetInfo) -> dict[str, Any]:
    """The Croissant document of the archive as the summary has it."""
    days = summary.days
    span = f"{days[0]} to {days[-1]}" if days else "no days yet"
    fields = [
        {
            "@type": "cr:Field",
            "@id": f"{RECORD_SET}/{c.name}",
            "name": c.name,
            "description": c.meaning,
            "dataType": DATA_TYPES[c.type],
            "source": {"fileSet": {"@id": FILE_SET}, "extract": {"column": c.name}},
        }
        for c in COLUMNS
    ]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": info.name,
        "description": (
            f"News articles archived daily from {len(summary.outlets)} outlets ({span}): "
            f"{summary.articles} current articles on {len(days)} days, duplicates flagged apart "
            f"(is_duplicate). Schema version {SCHEMA_VERSION}; the dataset card is {layout.DATASET_CARD}."
        ),
        "conformsTo": CONFORMS_TO,
        "version": f"{SCHEMA_VERSION}.0",
        "license": info.terms,
        "citeAs": f"{info.name}, newsarchive snapshots {span}, schema version {SCHEMA_VERSION}",
        "inLanguage": sorted(summary.languages) or ["ar"],
        "keywords": ["news", "web archive", "Arabic", "WARC"],
        "distribution": [
            {
                "@type": "cr:FileSet",
                "@id": FILE_SET,
                "name": FILE_SET,
                "description": "the current-articles table: one Parquet file per day, the day's "
                "newest complete snapshot",
                "encodingFormat": "application/x-parquet",
                "includes": TABLE_GLOB,
            }
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": RECORD_SET,
                "name": RECORD_SET,
                "description": "one row per archived article (the current articles: NOT is_duplicate)",
                "field": fields,
            }
        ],
    }
    if days:
        document["temporalCoverage"] = f"{days[0]}/{days[-1]}"
        document["datePublished"] = days[0]
        document["dateModified"] = days[-1]
    return document


def to_bytes(document: dict[str, Any]) -> bytes:
    return (json_text(document, indent=1) + "\n").encode("utf-8")


def decode(data: bytes) -> dict[str, Any]:
    """The Croissant document: bounded JSON that conforms to Croissant 1.0, with the table's FileSet and
    a RecordSet of the schema's columns; anything else is a DamagedObject naming it and the repair."""
    where = layout.CROISSANT
    try:
        if len(data) > MAX_BYTES:
            raise ValueError(f"{len(data):,} bytes, more than this file ever holds")
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("conformsTo") != CONFORMS_TO:
            raise ValueError(f"not Croissant metadata conforming to {CONFORMS_TO}")
        files = {d.get("@id"): d for d in document.get("distribution", []) if isinstance(d, dict)}
        if files.get(FILE_SET, {}).get("includes") != TABLE_GLOB:
            raise ValueError(f"no FileSet {FILE_SET} of {TABLE_GLOB}")
        records = [r for r in document.get("recordSet", []) if isinstance(r, dict)]
        names = [f.get("name") for r in records for f in r.get("field", []) if isinstance(f, dict)]
        if not names or any(not isinstance(n, str) for n in names):
            raise ValueError("its RecordSet has no fields")
    except (ValueError, UnicodeDecodeError, RecursionError, AttributeError) as exc:
        raise DamagedObject(
            f"{where}: damaged ({exc}); `newsarchive dataset card` writes it again"
        ) from None
    return document
