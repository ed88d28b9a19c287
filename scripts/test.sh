#!/usr/bin/env bash
# The whole test suite. Installs what it needs (venv + the pinned dev dependencies from
# requirements/dev-lock.txt; Debian's chromium for the browser tests and Debian's nodejs/npm for
# the OpenAPI contract tools when they are missing and we are root; contract/'s npm tools from
# its lock file), then runs ruff and pytest.
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
# Node.js and npm run contract/'s tools (docs/contract.md); their npm packages come from
# contract/package-lock.json, installed again only when the lock file changed.
missing=""
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    # shellcheck disable=SC2086
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null
  else
    echo "note:$missing missing; install Node.js >= 20.19 and npm for the contract tests" >&2
  fi
fi
if command -v node >/dev/null && command -v npm >/dev/null; then
  contract/install.sh || echo "note: contract/install.sh failed (see above); the contract tests will fail" >&2
fi
.venv/bin/ruff check .
# The Next.js frontend, installed from its lock file and built when its sources changed; its
# type check, lint, unit tests and stale-types check run inside pytest (tests/test_frontend.py).
scripts/frontend.sh build
exec .venv/bin/pytest "$@"
