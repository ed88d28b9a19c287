#!/usr/bin/env bash
# Creates .venv (if missing) and installs the dependencies declared in pyproject.toml.
# Usage: scripts/bootstrap.sh [--dev]   (--dev adds the test and benchmark tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# cairosvg (raster renditions of SVG images, docs/images.md) needs Debian's libcairo2.
if ! ldconfig -p 2>/dev/null | grep -q 'libcairo\.so\.2'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcairo2) >/dev/null
  else
    echo "note: libcairo2 is missing (apt-get install libcairo2): SVG images get no raster renditions" >&2
  fi
fi
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
