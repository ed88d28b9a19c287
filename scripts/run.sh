#!/usr/bin/env bash
# One command for a fresh machine: install, migrate, load the demo, create a local admin,
# then run the CMS (http://127.0.0.1:8000, admin at /admin/) and the Next.js frontend
# (http://127.0.0.1:3000; `npm ci` and `next build` only when its lock file or sources
# changed). The CMS's webhooks revalidate the frontend's pages. Ctrl-C stops both.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-cms.settings.dev}"
CMS_PORT="${CMS_PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-3000}"
export NEWSROOM_FRONTEND_URL="${NEWSROOM_FRONTEND_URL:-http://127.0.0.1:${FRONTEND_PORT}}"
export NEWSROOM_API_URL="${NEWSROOM_API_URL:-http://127.0.0.1:${CMS_PORT}/api/v3}"
# Publishing revalidates the frontend's pages through the signed webhook. The secret is
# generated once and kept in var/ (both processes read it from the environment).
mkdir -p var
[ -s var/webhook-secret.txt ] || .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > var/webhook-secret.txt
export NEWSROOM_WEBHOOK_SECRET="${NEWSROOM_WEBHOOK_SECRET:-$(cat var/webhook-secret.txt)}"
export NEWSROOM_WEBHOOK_URLS="${NEWSROOM_WEBHOOK_URLS:-${NEWSROOM_FRONTEND_URL}/api/revalidate/}"
scripts/frontend.sh build
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py ensure_admin
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
PORT="$FRONTEND_PORT" scripts/frontend.sh start &
pids+=($!)
echo "Frontend: http://127.0.0.1:${FRONTEND_PORT}/"
echo "CMS:      http://127.0.0.1:${CMS_PORT}/admin/  (API: http://127.0.0.1:${CMS_PORT}/api/v3/)"
.venv/bin/python manage.py runserver "127.0.0.1:${CMS_PORT}" &
pids+=($!)
wait -n "${pids[@]}"
