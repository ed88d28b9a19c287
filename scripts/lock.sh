#!/usr/bin/env bash
# Updates the lock files from pyproject.toml (docs/development.md):
#   requirements/dev-lock.txt   the project's dependencies, the `dev` extra and the build backend
#   requirements/lock.txt       the same without `dev`, pinned to the versions of dev-lock.txt
# Both are compiled by pip-tools with every file's sha256, for Python 3.11, through this
# machine's pip configuration (its indexes are not written into the files).
# Usage: scripts/lock.sh                          add/remove what pyproject.toml changed, keep
#                                                 every other pin
#        scripts/lock.sh --upgrade                newest versions pyproject.toml allows
#        scripts/lock.sh --upgrade-package NAME   upgrade one package (repeatable)
# Then run scripts/bootstrap.sh --dev (it installs the new lock) and commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# pip-tools runs from a venv of its own, so the project's venv is never its resolver.
tools=".venv-lock"
if [ ! -x "$tools/bin/pip-compile" ]; then
  "$PYTHON" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet "pip-tools==7.7.0"
fi
# The files name this script as the command that made them.
export CUSTOM_COMPILE_COMMAND="scripts/lock.sh"
common=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url
  --no-emit-find-links --build-deps-for editable --newline lf)
# The superset first; the base lock is then constrained to it, so both agree on every pin.
"$tools/bin/pip-compile" "${common[@]}" --extra dev "$@" \
  -o requirements/dev-lock.txt pyproject.toml
"$tools/bin/pip-compile" "${common[@]}" -c requirements/dev-lock.txt \
  -o requirements/lock.txt pyproject.toml
echo "requirements/lock.txt and requirements/dev-lock.txt updated; commit them."
