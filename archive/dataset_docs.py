"""The dataset card and the Croissant file written together from one summary of the manifests (the publish
hook and `newsarchive dataset card`), and checked against what they would be now (`--check`)."""

from __future__ import annotations

from archive import croissant, layout
from archive.dataset_card import DatasetInfo, decode_card, render_card, summarise
from archive.snapshot import DamagedObject
from archive.store import ObjectNotFound, Store


def _location(store: Store) -> str | None:
    """The bucket's URL for the card's S3 recipes (a local directory's path is not written)."""
    return store.url if store.url.startswith("s3://") else None


def expected(store: Store, info: DatasetInfo) -> dict[str, bytes]:
    """The card and the Croissant file as the manifests have them now (key -> bytes)."""
    summary = summarise(store)
    return {
        layout.DATASET_CARD: render_card(summary, info, _location(store)).encode("utf-8"),
        layout.CROISSANT: croissant.to_bytes(croissant.build(summary, info)),
    }


def write_dataset_docs(store: Store, info: DatasetInfo) -> dict[str, int]:
    """Write both (derived, rewritten whole: never locked); key -> size."""
    written = {}
    for key, body in expected(store, info).items():
        store.put_bytes(key, body, overwrite=True)
        written[key] = len(body)
    return written


def check(store: Store, info: DatasetInfo) -> list[str]:
    """What is wrong with the stored card and Croissant file: missing, damaged (their decoders), or not
    what the manifests give now (a publish that died before its hook, an archive from before them)."""
    problems = []
    decoders = {layout.DATASET_CARD: decode_card, layout.CROISSANT: croissant.decode}
    for key, body in expected(store, info).items():
        try:
            stored = store.get_bytes(key)
            decoders[key](stored)
        except ObjectNotFound:
            problems.append(f"{key}: missing")
            continue
        except DamagedObject as exc:
            problems.append(str(exc))
            continue
        if stored != body:
            problems.append(f"{key}: not what the snapshots' manifests give now")
    return problems
