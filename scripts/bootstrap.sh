#!/usr/bin/env bash
# Creates .venv (if missing) and installs the dependencies declared in pyproject.toml.
# Usage: scripts/bootstrap.sh [--dev]   (--dev adds the test and benchmark tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
extras=""
[ "${1:-}" = "--dev" ] && extras="dev"
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=".venv/.installed-${extras:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python - "$extras" <<'PY' > .venv/requirements.txt
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
requirements = list(project["dependencies"])
if sys.argv[1]:
    requirements += project["optional-dependencies"][sys.argv[1]]
print("\n".join(requirements))
PY
  .venv/bin/python -m pip install --quiet -r .venv/requirements.txt
  touch "$stamp"
fi
