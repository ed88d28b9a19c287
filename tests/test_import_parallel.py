"""Posts parsed in a pool of processes (``import_jekyll --jobs``) come back as parsing them
here gives them: the same posts, the same errors with the same messages, in the same order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from news.importers import jekyll
from news.importers.jekyll import ParsedPost, find_posts, parse_posts

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "jekyll"
FOLDERS = [FIXTURES / "broken", FIXTURES / "posts", FIXTURES / "versions", FIXTURES / "seed"]


def _comparable(outcome: ParsedPost | Exception) -> object:
    if isinstance(outcome, ParsedPost):
        return outcome
    return (getattr(outcome, "type_name", type(outcome).__name__), str(outcome))


def test_a_pool_parses_as_this_process_does() -> None:
    found = find_posts(FOLDERS)
    assert len(found) >= jekyll.POOL_MIN_FILES
    here = parse_posts(found, jobs=1)
    pooled = parse_posts(found, jobs=2)
    assert [(p, k, e) for p, k, e, _o in pooled] == [(p, k, e) for p, k, e, _o in here]
    assert [_comparable(o) for *_rest, o in pooled] == [_comparable(o) for *_rest, o in here]
    kinds = {type(o).__name__ for *_rest, o in pooled}
    assert {"ParsedPost", "PostError", "NotAPost"} <= kinds


def test_the_pool_runs_in_other_processes(monkeypatch) -> None:
    original = jekyll.parse_post

    def parse_and_note_process(path, **options):
        post = original(path, **options)
        post.warnings.append(f"parsed by {os.getpid()}")
        return post

    monkeypatch.setattr(jekyll, "parse_post", parse_and_note_process)
    found = [item for item in find_posts(FOLDERS) if item[0].suffix == ".md"]
    pooled = parse_posts(found, jobs=2)
    pids = {
        int(w.split()[-1])
        for *_rest, o in pooled
        if isinstance(o, ParsedPost)
        for w in o.warnings
        if w.startswith("parsed by")
    }
    assert pids and os.getpid() not in pids


def test_an_unexpected_error_in_the_pool_names_the_file_and_the_problem(monkeypatch) -> None:
    original = jekyll.parse_post

    def fail_on_one(path, **options):
        if path.name == "2024-01-07-good.md":
            raise ValueError("the parser tripped")
        return original(path, **options)

    monkeypatch.setattr(jekyll, "parse_post", fail_on_one)
    found = find_posts(FOLDERS)
    outcomes = {key: o for _p, key, _e, o in parse_posts(found, jobs=2)}
    failure = outcomes["2024-01-07-good.md"]
    assert (failure.type_name, str(failure)) == ("ValueError", "the parser tripped")
    assert isinstance(outcomes["2024-03-05-quillworks-joins.md"], ParsedPost)


@pytest.mark.parametrize("jobs", [1, 2])
def test_few_files_or_one_job_parse_here(jobs: int, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(jekyll, "ProcessPoolExecutor", lambda *a, **k: calls.append(a))
    found = find_posts([FIXTURES / "posts"])
    assert len(found) < jekyll.POOL_MIN_FILES
    outcomes = parse_posts(found, jobs=jobs)
    assert all(isinstance(o, ParsedPost) for *_rest, o in outcomes)
    assert calls == []
