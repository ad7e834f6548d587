"""report.json against docs/report.schema.json: the published format is the one written.

The suite validates every report.json it writes (tests/conftest.py); this
module finds them and says, for an invalid one, which file, where in it and
what is wrong.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"


@functools.cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: Any) -> list[str]:
    """Each way the document breaks the schema, as "at $.path: message"; empty when it is valid."""
    errors = sorted(validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"at {error.json_path}: {error.message}" for error in errors]


def report_problems(path: Path) -> list[str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"not readable JSON: {error}"]
    return schema_errors(document)


def invalid_reports(folder: Path, already_checked: set[Path]) -> list[str]:
    """report.json files under folder not checked before, each checked once: one line per invalid file."""
    failures = []
    for path in sorted(folder.rglob("report.json")):
        path = path.resolve()
        if path in already_checked or not path.is_file():
            continue
        already_checked.add(path)
        problems = report_problems(path)
        if problems:
            shown = problems[:5] + ([f"... and {len(problems) - 5} more"] if len(problems) > 5 else [])
            failures.append(f"{path} does not match {SCHEMA.name}:\n    " + "\n    ".join(shown))
    return failures
