"""The CMS served by a live server thread on the test database (admin, API, media, static
files), for the browser and frontend tests. Real commits: use with
``pytest.mark.django_db(transaction=True)`` and the ``committed_db`` fixture."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer as DjangoWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread


class SerialWSGIServer(DjangoWSGIServer):
    """One request at a time: needed when requests share the test's in-memory SQLite."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


class CMSServerThread(LiveServerThread):
    def _create_server(self, connections_override=None):
        if connections_override:
            return SerialWSGIServer(
                (self.host, self.port),
                _quiet_handler(),
                allow_reuse_address=False,
                connections_override=connections_override,
            )
        return super()._create_server(connections_override)


def _quiet_handler():
    from django.test.testcases import QuietWSGIRequestHandler

    return QuietWSGIRequestHandler


@contextlib.contextmanager
def live_cms(django_db_blocker) -> Iterator[str]:
    """The CMS (admin, API, media, static files) on a free port, on the test database."""
    with django_db_blocker.unblock():
        shared = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        for conn in shared.values():
            conn.inc_thread_sharing()
        thread = CMSServerThread("127.0.0.1", StaticFilesHandler, shared, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()
