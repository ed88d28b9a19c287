"""The webhook package and the task backend keep their layout: small modules, one-way imports.

Read from the source (every import, including those inside functions), so a cycle cannot come
back through a lazy import: the webhooks never import the publishing pipeline, the task
package imports no Newsroom app, and registering the delivery model loads neither the
sending code nor the admin. Also the system check for URLs without a signing secret.
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from news.webhooks.checks import check_webhook_settings
from tests.servers import PYTHON, REPO

WEBHOOKS = REPO / "news" / "webhooks"
TASKS = REPO / "tasks"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # ``from news import publishing`` imports news.publishing.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _modules(folder: Path) -> list[Path]:
    modules = sorted(folder.glob("*.py"))
    assert modules, folder
    return modules


@pytest.mark.parametrize("path", _modules(WEBHOOKS), ids=lambda p: p.name)
def test_webhook_modules_never_import_the_publishing_pipeline_or_the_project(path):
    # The pipeline calls the webhooks, never the other way round (an event is duck-typed:
    # news.webhooks.delivery.WebhookEvent). news.events, news.change and news.fan_out are
    # the change-event bus's modules.
    pipeline = ("news.publishing", "news.events", "news.change", "news.fan_out", "cms")
    for module in imported_modules(path):
        assert not module.startswith(pipeline), (path, module)


@pytest.mark.parametrize("path", _modules(TASKS), ids=lambda p: p.name)
def test_the_task_package_imports_no_newsroom_app(path):
    for module in imported_modules(path):
        assert module.split(".")[0] not in {"news", "home", "search", "cms"}, (path, module)


@pytest.mark.parametrize("path", [*_modules(WEBHOOKS), *_modules(TASKS)], ids=lambda p: p.name)
def test_modules_and_functions_stay_small(path):
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{path} has no docstring"
    assert len(path.read_text().splitlines()) < 400
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno - node.lineno < 80, (path, node.name)


def test_registering_the_model_loads_neither_sending_nor_the_admin():
    # A fresh interpreter: django.setup() imports every app's models (and runs ready()).
    code = (
        "import sys, django; django.setup(); "
        "print(sorted(m for m in sys.modules if m.startswith('news.webhooks')))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(ast.literal_eval(result.stdout.strip().splitlines()[-1]))
    assert "news.webhooks.models" in loaded
    assert not loaded & {"news.webhooks.admin"}, loaded


@override_settings(NEWSROOM_WEBHOOK_URLS=["https://frontend.example/api/revalidate"])
def test_urls_without_a_secret_are_a_warning():
    with override_settings(NEWSROOM_WEBHOOK_SECRET=""):
        assert [message.id for message in check_webhook_settings()] == ["newsroom.W002"]
    with override_settings(NEWSROOM_WEBHOOK_SECRET="s3cret"):
        assert check_webhook_settings() == []


@override_settings(NEWSROOM_WEBHOOK_URLS=[], NEWSROOM_WEBHOOK_SECRET="")
def test_no_urls_no_warning():
    assert check_webhook_settings() == []
