"""The Next.js frontend for tests: built once (reused while its sources are unchanged, see
``scripts/frontend.sh``) and started with its production server (``server.mjs``: Next.js's
request handler, as ``next start``) on a free port, pointed at a CMS."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.servers import free_port

REPO = Path(__file__).resolve().parents[1]
FRONTEND = REPO / "frontend"
_built = False


def build_frontend() -> None:
    """``npm ci`` + ``next build`` when needed (a no-op when the build is current)."""
    global _built
    if _built:
        return
    result = subprocess.run(
        [str(REPO / "scripts" / "frontend.sh"), "build"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    _built = True


@contextlib.contextmanager
def next_server(cms_url: str, **env: str) -> Iterator[str]:
    """The frontend's server on a free port reading the CMS at ``cms_url``; yields its base URL."""
    build_frontend()
    port = free_port()
    environment = {
        **os.environ,
        "NEXT_TELEMETRY_DISABLED": "1",
        "NEWSROOM_API_URL": f"{cms_url}/api/v3",
        "NEWSROOM_CMS_URL": cms_url,
        "NEWSROOM_FRONTEND_URL": f"http://127.0.0.1:{port}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **env,
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        ["node", "server.mjs"],
        cwd=FRONTEND,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, _tail(log)
            try:
                with urllib.request.urlopen(f"{base}/robots.txt", timeout=5) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            assert time.monotonic() < deadline, "the frontend did not answer within 180 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _tail(log) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-3000:]
