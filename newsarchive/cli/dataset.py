"""`newsarchive dataset card|schema`: the bucket as a dataset (its card README.md and croissant.json, written
at every publish) and the schema contract's data dictionary."""

from __future__ import annotations

import argparse

from newsarchive.cli.args import Subcommands, archive_options, settings_of


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "dataset", help="the dataset card and Croissant file in the archive; the data dictionary"
    )
    archive_options(p)
    dsub = p.add_subparsers(dest="action", required=True)
    d = dsub.add_parser(
        "card",
        help="write README.md and croissant.json again from the manifests (--check: exit 1 if they "
        "are missing, damaged or behind)",
    )
    archive_options(d, nested=True)
    d.add_argument("--check", action="store_true", help="only check them; write nothing")
    dsub.add_parser("schema", help="the data dictionary of the articles' schema (Markdown)")
    p.set_defaults(func=dataset)


def dataset(args: argparse.Namespace) -> int:
    if args.action == "schema":
        from archive.schema import dictionary_markdown

        print(dictionary_markdown(), end="")
        return 0
    from archive.dataset_docs import check, write_dataset_docs
    from archive.store import open_store
    from common.escape import terminal
    from newsarchive.run.dataset_docs import dataset_info

    settings = settings_of(args)
    store = open_store(settings.archive, create=False)
    info = dataset_info(settings)
    if args.check:
        problems = check(store, info)
        for problem in problems:
            print(f"PROBLEM {terminal(problem)}")
        print(
            f"dataset card and Croissant file: {len(problems)} problems"
            + ("; `newsarchive dataset card` writes them again" if problems else "")
        )
        return 1 if problems else 0
    for key, size in write_dataset_docs(store, info).items():
        print(f"{store.url}/{key}: {size:,} bytes")
    return 0
