"""Background work without a second process: a thread-pool backend for django-tasks.

Newsroom declares its background work (webhook deliveries, CDN purges, image renditions) as
django-tasks tasks (``@task``, the ``TASKS`` setting) and runs it on the ``"newsroom"`` alias.
This package is the backend that alias uses by default:
:class:`tasks.backends.BackgroundThreadBackend` runs each task on a small thread pool inside
the process that queued it, right away or at its ``run_after`` time, so ``make run`` needs no
worker, broker or scheduler next to the web server and a request never waits for a task.

Why not Celery (or RQ, Huey): each needs a broker and a worker process to deploy, watch and
keep in step with the code, which a small newsroom site should not need for a handful of
short tasks. Why not a backend that ships with django-tasks 0.12: it has only
``ImmediateBackend`` (runs the task inside the caller: a publish would wait for every
webhook POST, and cannot defer a retry) and ``DummyBackend`` (runs nothing);
its database backend is a separate package (django-tasks-db) whose tasks run only in its
own worker process. A site that wants that points ``NEWSROOM_TASK_BACKEND`` at it; the
tasks are plain functions of JSON arguments and run there unchanged.

What a thread pool cannot do is outlive its process: queued and deferred tasks die with it.
Work that must not be lost keeps its own durable record and a sweep that finishes it
(webhook deliveries: the delivery log and ``manage.py deliver_webhooks``).

Modules: ``backends`` (the backend, and :func:`tasks.backends.background_alias`), ``pool``
(the per-process pools, and what tests and commands use to wait for them). Nothing here
knows about Newsroom's apps.
"""
