"""The CLI as the search tests call it: in process, through `main()`, as the shell would."""

from __future__ import annotations

import json

from newsarchive.cli.main import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refused an argument
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def hits(capsys, archive: str, query: str, *extra: str) -> list[dict]:
    code, out, err = cli(capsys, "search", query, "--archive", archive, "--json", *extra)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]
