"""The thread-pool task backend, and which alias background work should use."""

from __future__ import annotations

import logging
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import InvalidTaskBackendError
from django_tasks.utils import get_random_id

from tasks.pool import TaskPool, pool_for

logger = logging.getLogger(__name__)

# The TASKS alias for work that must not hold up a request; "default" when not configured.
BACKGROUND_ALIAS = "newsroom"


def background_alias() -> str:
    """The alias to queue background work on: ``"newsroom"`` when configured, else default."""
    try:
        task_backends[BACKGROUND_ALIAS]
    except InvalidTaskBackendError:
        return "default"
    return BACKGROUND_ALIAS


class BackgroundThreadBackend(ImmediateBackend):
    """Runs tasks on a thread pool of this process, right away or after ``run_after``.

    For development and small sites: nothing else to run, and the caller never waits. Tasks
    queued in memory die with the process (see the package's docstring). Results are not
    stored (``get_result`` is not supported). OPTIONS: ``MAX_WORKERS`` (default 4).
    """

    supports_defer = True
    supports_async_task = False

    def _pool(self) -> TaskPool:
        return pool_for(self.alias, int(self.options.get("MAX_WORKERS", 4)))

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        pool = self._pool()
        pool.started()
        delay = (task.run_after - timezone.now()).total_seconds() if task.run_after else 0
        if delay > 0:
            pool.schedule(delay, lambda: self._submit(pool, result))
        else:
            self._submit(pool, result)
        return result

    def _submit(self, pool: TaskPool, result: TaskResult) -> None:
        try:
            pool.executor.submit(self._run, pool, result)
        except RuntimeError:  # interpreter shutting down
            pool.finished()

    def _run(self, pool: TaskPool, result: TaskResult) -> None:
        close_old_connections()
        try:
            self._execute_task(result)
            if result.status == TaskResultStatus.FAILED and result.errors:
                logger.error(
                    "Background task %s failed:\n%s",
                    result.task.module_path,
                    result.errors[-1].traceback,
                )
        finally:
            # This thread's connections: pool threads live long, connections should not.
            connections.close_all()
            pool.finished()
