"""One thread pool per backend alias and process, and the ways to wait for it.

A pool counts the work it has not finished (running, queued, or waiting for its time), so
tests, benchmarks and commands can wait until everything they caused is done
(:func:`wait_for_background_tasks`), and tests can throw the waiting work away as a process
exit would (:func:`discard_scheduled_tasks`).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)


class TaskPool:
    """A thread pool, a timer for deferred work, and a count of unfinished work.

    Deferred work waits in one heap served by one timer thread (not a thread per task: a
    webhook receiver down for hours can have hundreds of retries waiting).
    """

    def __init__(self, name: str, max_workers: int) -> None:
        self.name = name
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self.condition = threading.Condition()
        self.unfinished = 0
        self.scheduled: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._timer: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the timer thread in ``delay`` seconds."""
        with self.condition:
            heapq.heappush(self.scheduled, (time.monotonic() + delay, next(self._order), callback))
            if self._timer is None:
                self._timer = threading.Thread(
                    target=self._serve_timers, name=f"{self.name}-timer", daemon=True
                )
                self._timer.start()
            self.condition.notify_all()

    def _serve_timers(self) -> None:
        while True:
            with self.condition:
                while True:
                    if not self.scheduled:
                        self.condition.wait()
                        continue
                    remaining = self.scheduled[0][0] - time.monotonic()
                    if remaining <= 0:
                        callback = heapq.heappop(self.scheduled)[2]
                        break
                    self.condition.wait(remaining)
            try:
                callback()
            except Exception:  # one bad callback must not stop every later timer
                logger.exception("Scheduled background task could not start")

    def discard_scheduled(self) -> int:
        """Forget the deferred work (not what is running); returns how much there was."""
        with self.condition:
            dropped = len(self.scheduled)
            self.scheduled.clear()
            self.unfinished -= dropped
            self.condition.notify_all()
        return dropped

    def scheduled_count(self) -> int:
        with self.condition:
            return len(self.scheduled)

    def started(self) -> None:
        """Count one piece of work in (called when it is queued, before it runs)."""
        with self.condition:
            self.unfinished += 1

    def finished(self) -> None:
        with self.condition:
            self.unfinished -= 1
            self.condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: self.unfinished <= 0, timeout=timeout)


_pools: dict[str, TaskPool] = {}
_pools_lock = threading.Lock()


def _forget_pools_after_fork() -> None:
    # A forked worker (gunicorn --preload) must not share its parent's threads.
    _pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


def pool_for(alias: str, max_workers: int) -> TaskPool:
    """This process's pool for backend ``alias``, made on first use."""
    # Django makes one backend instance per thread; the pool must be one per process.
    with _pools_lock:
        pool = _pools.get(alias)
        if pool is None:
            pool = _pools[alias] = TaskPool(f"tasks-{alias}", max_workers)
        return pool


def wait_for_background_tasks(timeout: float = 10.0) -> bool:
    """Block until every in-process background task (and deferred task) has finished.

    For tests, benchmarks and commands that want their background work done before they
    exit. A task deferred further ahead than ``timeout`` makes this return False.
    """
    deadline = time.monotonic() + timeout
    for pool in list(_pools.values()):
        if not pool.wait_idle(max(0.0, deadline - time.monotonic())):
            return False
    return True


def scheduled_task_count() -> int:
    """How many deferred background tasks this process holds (waiting for their time)."""
    return sum(pool.scheduled_count() for pool in list(_pools.values()))


def discard_scheduled_tasks() -> int:
    """Drop this process's deferred background tasks (not those running); returns how many.

    What a process exit does to them, without exiting: tests use it to show that work with
    a durable record of its own (webhook deliveries) survives the process.
    """
    return sum(pool.discard_scheduled() for pool in list(_pools.values()))
