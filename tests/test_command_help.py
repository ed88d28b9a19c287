"""Every management command of the project answers ``--help`` (a ``%`` in a help text once
made ``import_jekyll --help`` crash with a traceback)."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

PROJECT_APPS = ("news", "home", "search", "cms")

COMMANDS = sorted(
    (app, name) for name, app in get_commands().items() if app.split(".")[0] in PROJECT_APPS
)


def test_the_project_has_commands() -> None:
    assert ("news", "import_jekyll") in COMMANDS


@pytest.mark.parametrize(("app", "name"), COMMANDS, ids=[name for _app, name in COMMANDS])
def test_help_is_printed(app: str, name: str) -> None:
    parser = load_command_class(app, name).create_parser("manage.py", name)
    text = parser.format_help()
    assert text.startswith("usage: manage.py " + name)
    for action in parser._actions:
        if action.help and action.help != "==SUPPRESS==":
            assert action.option_strings[0] in text if action.option_strings else True
