"""`newsarchive settings`: every NEWSARCHIVE_* variable with its value and where it came from, checked.

- `settings [--json]`: one row per variable of the settings model (newsarchive/variables.py): its value
  (the environment's, checked, or the default) and what it accepts. Internal ones are left out.
- `settings --shell NAME ...`: the checked values of these variables as `NAME=value` lines (quoted for
  bash), defaults filled in: scripts/cluster.sh and scripts/airflow.sh `eval` them before they start
  anything, so a wrong value stops them in one line and the defaults are written once, in the model.

Like every command, it checks the whole environment first (newsarchive/cli/main.py)."""

from __future__ import annotations

import argparse
import json
import os
import shlex

from common.errors import ConfigError
from common.variables import PREFIX
from newsarchive.cli.args import Subcommands


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "settings", help="every NEWSARCHIVE_* setting: its value, where it came from, what it takes"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per setting")
    p.add_argument(
        "--shell",
        nargs="+",
        metavar="NAME",
        help="print NAME=value lines (checked, defaults filled in) for a script to eval",
    )
    p.set_defaults(func=settings_command)


def settings_command(args: argparse.Namespace) -> int:
    from newsarchive.variables import BY_NAME, VARIABLES, environment

    values = environment()
    if args.shell:
        for name in args.shell:
            variable = BY_NAME.get(name)
            if variable is None or variable.internal or not name.startswith(PREFIX):
                raise ConfigError(
                    f"{name!r} is not a newsarchive setting (see newsarchive settings)"
                )
            print(f"{name}={shlex.quote(variable.text(values[name]))}")
        return 0
    for variable in VARIABLES:
        if variable.internal:
            continue
        source = "environment" if os.environ.get(variable.name, "") != "" else "default"
        if variable.empty_is_value and variable.name in os.environ:
            source = "environment"
        value = values[variable.name]
        text = variable.text(value) if source == "environment" else variable.shown_default
        text = text or "(empty)"
        if args.json:
            row = {"name": variable.name, "value": text, "source": source}
            print(json.dumps({**row, "accepts": variable.kind.accepts}, ensure_ascii=False))
        else:
            print(f"{variable.name:<38} {text:<40} ({source})")
    return 0
