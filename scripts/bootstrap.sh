#!/usr/bin/env bash
# Creates .venv (if missing), installs the pinned dependencies from the lock file, then the
# project itself (editable). Usage: scripts/bootstrap.sh [--dev]
#   requirements/lock.txt       what `make run` needs
#   requirements/dev-lock.txt   --dev: the same pins plus the test and benchmark tools
# Each step runs again only when its input changed (a stamp in .venv holds its sha256), so
# the usual run (every `make test` starts here) costs two checksums. Update the lock files
# with scripts/lock.sh (docs/development.md).
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
lock="requirements/lock.txt"
[ "${1:-}" = "--dev" ] && lock="requirements/dev-lock.txt"

# fresh STAMP FILE...: true when STAMP holds the sha256 of FILEs as they are now.
checksum() { sha256sum "$@" | sha256sum | cut -c1-64; }
fresh() { local stamp="$1"; shift; [ "$(cat "$stamp" 2>/dev/null)" = "$(checksum "$@")" ]; }

# The dev lock holds every pin of the base lock at the same version, so after a --dev
# install the base lock is satisfied too: its stamp is written as well.
stamp=".venv/.newsroom-$(basename "$lock" .txt).sha256"
if ! fresh "$stamp" "$lock"; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # --require-hashes: every file pip downloads must match a hash in the lock, and pip refuses
  # a dependency the lock does not pin (a lock that misses one fails here, not later).
  .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
  checksum "$lock" > "$stamp"
  [ "$lock" = requirements/dev-lock.txt ] && checksum requirements/lock.txt > .venv/.newsroom-lock.sha256
  rm -f .venv/.newsroom-project.sha256 # a new setuptools may install the project differently
fi

# The project itself, editable, without touching the pinned dependencies; setuptools comes
# from the lock (--no-build-isolation), so no unpinned build tools are fetched.
if ! fresh .venv/.newsroom-project.sha256 pyproject.toml; then
  # setuptools explains editable installs on every run; its output is shown only on failure.
  if ! log="$(.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>&1)"; then
    echo "$log" >&2
    exit 1
  fi
  checksum pyproject.toml > .venv/.newsroom-project.sha256
fi
