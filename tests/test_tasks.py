"""The thread-pool task backend (``tasks``): runs off the caller's thread, defers, forgets.

Real threads, real django-tasks tasks; no database. What the webhooks rely on: a task runs
in the background and the caller does not wait; a task with ``run_after`` waits in the
process (counted by ``scheduled_task_count``); ``wait_for_background_tasks`` returns once
everything has run; ``discard_scheduled_tasks`` drops deferred work as a process exit would;
a failing task does not stop the pool.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import task, task_backends

from tasks.backends import BACKGROUND_ALIAS, BackgroundThreadBackend, background_alias
from tasks.pool import discard_scheduled_tasks, scheduled_task_count, wait_for_background_tasks

# What the tasks below did, in order: (name, thread name).
ran: list[tuple[str, str]] = []
gate = threading.Event()


@task()
def note(name: str) -> str:
    ran.append((name, threading.current_thread().name))
    return name


@task()
def wait_for_gate(name: str) -> None:
    # Holds its worker until the test opens the gate: the caller must not be held with it.
    assert gate.wait(10)
    ran.append((name, threading.current_thread().name))


@task()
def explode() -> None:
    raise RuntimeError("this task fails on purpose")


@pytest.fixture(autouse=True)
def clean_pool():
    discard_scheduled_tasks()
    assert wait_for_background_tasks(10)
    ran.clear()
    gate.clear()
    yield
    gate.set()
    discard_scheduled_tasks()
    assert wait_for_background_tasks(10)


def test_background_work_goes_to_the_thread_pool_backend():
    assert background_alias() == BACKGROUND_ALIAS == "newsroom"
    assert isinstance(task_backends[BACKGROUND_ALIAS], BackgroundThreadBackend)


def test_a_task_runs_on_a_pool_thread_and_the_caller_does_not_wait():
    result = wait_for_gate.using(backend=BACKGROUND_ALIAS).enqueue("slow")
    # The task is blocked on the gate, yet enqueue has returned and the pool is busy.
    assert result.backend == BACKGROUND_ALIAS
    assert ran == []
    assert not wait_for_background_tasks(0.2)
    gate.set()
    assert wait_for_background_tasks(10)
    assert [name for name, _ in ran] == ["slow"]
    assert ran[0][1].startswith(f"tasks-{BACKGROUND_ALIAS}")
    assert ran[0][1] != threading.current_thread().name


def test_a_deferred_task_waits_in_the_process_then_runs():
    later = note.using(backend=BACKGROUND_ALIAS, run_after=timezone.now() + timedelta(seconds=0.3))
    later.enqueue("later")
    note.using(backend=BACKGROUND_ALIAS).enqueue("now")
    assert scheduled_task_count() == 1
    assert wait_for_background_tasks(10)
    assert [name for name, _ in ran] == ["now", "later"]
    assert scheduled_task_count() == 0


def test_discarding_deferred_tasks_is_what_a_process_exit_does():
    an_hour = timezone.now() + timedelta(hours=1)
    for name in ("a", "b", "c"):
        note.using(backend=BACKGROUND_ALIAS, run_after=an_hour).enqueue(name)
    assert scheduled_task_count() == 3
    # Waiting cannot succeed while an hour-long wait is pending...
    assert not wait_for_background_tasks(0.2)
    # ...dropping it leaves nothing unfinished, and the tasks never run.
    assert discard_scheduled_tasks() == 3
    assert scheduled_task_count() == 0
    assert wait_for_background_tasks(1)
    assert ran == []


def test_a_failing_task_is_logged_and_the_pool_keeps_working(caplog):
    explode.using(backend=BACKGROUND_ALIAS).enqueue()
    note.using(backend=BACKGROUND_ALIAS).enqueue("after")
    assert wait_for_background_tasks(10)
    assert [name for name, _ in ran] == ["after"]
    failures = [r for r in caplog.records if r.name == "tasks.backends"]
    assert failures and "this task fails on purpose" in failures[0].getMessage()
