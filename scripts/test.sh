#!/usr/bin/env bash
# The whole test suite. Installs what it needs (venv + dev dependencies; Debian's chromium
# for the browser tests when it is missing and we are root), then runs ruff and pytest.
# DATABASE_URL selects the database (default: SQLite); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "note: /usr/bin/chromium is missing; install Debian's chromium for the browser tests" >&2
  fi
fi
.venv/bin/ruff check .
# The Next.js frontend, installed from its lock file and built when its sources changed; its
# type check, lint, unit tests and stale-types check run inside pytest (tests/test_frontend.py).
scripts/frontend.sh build
exec .venv/bin/pytest "$@"
