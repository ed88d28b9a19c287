#!/usr/bin/env bash
# One command for a fresh machine: install, migrate, load the demo, create a local admin,
# then run the CMS (http://127.0.0.1:8000, admin at /admin/) and the reference frontend
# (http://127.0.0.1:3000). Ctrl-C stops both. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-cms.settings.dev}"
CMS_PORT="${CMS_PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-3000}"
export NEWSROOM_FRONTEND_URL="${NEWSROOM_FRONTEND_URL:-http://127.0.0.1:${FRONTEND_PORT}}"
export NEWSROOM_API_URL="${NEWSROOM_API_URL:-http://127.0.0.1:${CMS_PORT}/api/v3}"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py ensure_admin
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if [ -f frontend/serve.py ]; then
  .venv/bin/python frontend/serve.py --host 127.0.0.1 --port "$FRONTEND_PORT" &
  pids+=($!)
  echo "Frontend: http://127.0.0.1:${FRONTEND_PORT}/"
fi
echo "CMS:      http://127.0.0.1:${CMS_PORT}/admin/  (API: http://127.0.0.1:${CMS_PORT}/api/v3/)"
.venv/bin/python manage.py runserver "127.0.0.1:${CMS_PORT}" &
pids+=($!)
wait -n "${pids[@]}"
