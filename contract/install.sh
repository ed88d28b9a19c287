#!/usr/bin/env bash
# Installs contract/'s npm tools exactly as package-lock.json pins them (`npm ci`), only when
# node_modules is missing or was installed from another lock file (a stamp holds the lock
# file's sha256). Used by scripts/test.sh and tests/test_api_contract_tools.py.
set -euo pipefail
cd "$(dirname "$0")"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "contract/install.sh: '$tool' is missing: install Node.js >= 20.19 and npm" >&2
    exit 1
  fi
done
# @redocly/cli needs Node.js >= 20.19 (package.json "engines").
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "contract/install.sh: Node.js $(node --version) is too old: >= 20.19 is needed" >&2
  exit 1
fi
stamp="node_modules/.newsroom-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
