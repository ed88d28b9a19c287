#!/usr/bin/env bash
# The Next.js frontend: install it from its lock file and build it, each only when needed.
#   scripts/frontend.sh install   npm ci when package-lock.json changed since the last install
#   scripts/frontend.sh build     install, then `next build` when a source file changed
#   scripts/frontend.sh start     build, then serve it (server.mjs: Next.js's handler; HOST, PORT
#                                 default 127.0.0.1:3000; NEWSROOM_API_URL)
set -euo pipefail
cd "$(dirname "$0")/../frontend"
export NEXT_TELEMETRY_DISABLED=1

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

install() {
  local want have
  want="$(hash_of package-lock.json)"
  have="$(cat node_modules/.newsroom-lock-hash 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > node_modules/.newsroom-lock-hash
  fi
}

source_hash() {
  # Every file that goes into the build (sources, config, lock file), in a stable order.
  find . -path ./node_modules -prune -o -path ./.next -prune -o -type f -print \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
}

build() {
  install
  local want
  want="$(source_hash)"
  if [ "$want" != "$(cat .next/.newsroom-source-hash 2>/dev/null || true)" ]; then
    echo "Building the frontend (sources changed)…" >&2
    # The CMS is not needed at build time: nothing is prerendered from the API.
    NEWSROOM_API_URL="http://127.0.0.1:9/api/v3" node_modules/.bin/next build >/tmp/newsroom-next-build.$$.log 2>&1 || { cat /tmp/newsroom-next-build.$$.log >&2; exit 1; }
    rm -f /tmp/newsroom-next-build.$$.log
    echo "$want" > .next/.newsroom-source-hash
  fi
}

case "${1:-build}" in
  install) install ;;
  build) build ;;
  start)
    build
    HOST="${HOST:-127.0.0.1}" PORT="${PORT:-3000}" exec node server.mjs
    ;;
  *) echo "usage: $0 install|build|start" >&2; exit 2 ;;
esac
