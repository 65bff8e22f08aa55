"""newsarchive/cli/dedup_file.py: a researcher's own JSON Lines corpus in, one decision per input line out,
in input order; a bad line gets an error record naming its line and reason there (and on stderr), the
rest is processed, and the exit code is 1."""

from __future__ import annotations

import io
import json

from newsarchive.cli.dedup_file import dedup_file
from newsarchive.cli.main import main
from tests.dedup.labelled_set import seed_stories

STORY = "\n".join(seed_stories()[0][2])


def _dedup(tmp_path, capsys, lines: list[str]) -> tuple[int, list[dict], list[str]]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    code = dedup_file(source, out=out)
    return (
        code,
        [json.loads(line) for line in out.getvalue().splitlines()],
        capsys.readouterr().err.splitlines(),
    )


def test_bad_lines_are_reported_by_number_and_the_rest_processed(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    text = "\n".join(seed_stories()[0][2])
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": text}),
                "{not json",
                json.dumps({"id": "b"}),
                json.dumps(["x"]),
                json.dumps({"id": "c", "text": text, "url": "https://x.example/c"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert main(["dedup", str(source)]) == 1
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [o.get("id") or o["line"] for o in out] == ["a", 2, 3, 4, "c"]
    assert out[4]["duplicate_of"] == "a"
    assert "in.jsonl:2: not JSON" in captured.err and "in.jsonl:3: no text" in captured.err


def test_a_decision_per_document_in_input_order_with_its_reason(tmp_path, capsys):
    url = "https://www.enabbaladi.net/archives/1"
    code, out, err = _dedup(
        tmp_path,
        capsys,
        [
            json.dumps({"id": 1, "text": STORY, "url": url}),
            "",  # a blank line is no document, and no error
            json.dumps({"id": "2", "text": "نص آخر مختلف تماما " * 30}),
            # the page's declared canonical URL is its key (by content alone: exact_content)
            json.dumps(
                {
                    "id": "3",
                    "text": STORY,
                    "url": "https://www.enabbaladi.net/?p=1",
                    "canonical_url": url,
                }
            ),
            json.dumps({"id": "4", "text": STORY + "\nتحديث: سطر جديد.", "url": url + "?amp=1"}),
        ],
    )
    assert (code, err) == (0, [])
    assert [(o["id"], o["duplicate_of"], o["revision_of"], o["reason"]) for o in out] == [
        ("1", None, None, None),
        ("2", None, None, None),
        ("3", "1", None, "canonical_url"),
        ("4", None, "3", "revision"),  # of the newest page with its URL key
    ]
    assert out[2]["similarity"] == 1.0 and out[3]["similarity"] > 0.5
    assert out[0].keys() == {"id", "duplicate_of", "revision_of", "reason", "similarity"}


def test_each_kind_of_bad_line_is_named_with_its_line_and_what_to_do(tmp_path, capsys):
    code, out, err = _dedup(
        tmp_path,
        capsys,
        [
            json.dumps({"id": True, "text": "x"}),
            json.dumps({"id": "t", "text": 5}),
            json.dumps({"id": "u", "text": "x", "url": ["https://x.example/"]}),
            json.dumps({"id": "v", "text": "x", "canonical_url": "http://x.example:99999/"}),
            json.dumps({"id": "w", "text": "x", "url": "http://[::1"}),
            "[" * 100_000,  # nested past what json can read
            json.dumps({"id": "", "text": ""}),
            json.dumps({"id": "ok", "text": STORY}),
        ],
    )
    assert code == 1
    assert [(o.get("line"), o.get("error")) for o in out] == [
        (1, "wrong-type"),
        (2, "wrong-type"),
        (3, "wrong-type"),
        (4, "bad-url"),
        (5, "bad-url"),
        (6, "not-json"),
        (7, "missing-field"),
        (None, None),
    ]
    assert out[-1]["id"] == "ok"
    assert [o["detail"] for o in out[:-1]] == [e.removeprefix("newsarchive dedup: ") for e in err]
    assert err[0].endswith("in.jsonl:1: id must be a string or number, text a string")
    assert err[2].endswith("in.jsonl:3: url and canonical_url must be strings")
    assert err[3].endswith(
        "in.jsonl:4: 'http://x.example:99999/' is not a URL; fix it or leave the field out"
    )
    assert "in.jsonl:6: not usable JSON (RecursionError" in err[5]
    assert err[6].endswith("in.jsonl:7: no id and no text")


def test_bytes_that_are_not_utf8_cost_only_their_line(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b'{"id": "a", "text": "\xe9t\xe9"}\n'
        + json.dumps({"id": "b", "text": STORY}).encode()
        + b"\n"
    )
    out = io.StringIO()
    assert dedup_file(source, out=out) == 1
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert records[0] == {
        "line": 1,
        "error": "not-utf8",
        "detail": f"{source}:1: not UTF-8 text (byte 22)",
    }
    assert records[1]["id"] == "b"
