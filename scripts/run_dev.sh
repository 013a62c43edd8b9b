#!/usr/bin/env bash
# `make run`: the development web server and the background worker together.
# Ctrl-C (or the end of either) stops both. The worker delivers notifications (the console mail
# backend prints them here) and runs long imports and exports; a loop runs send_reminders every
# minute, as cron does in production (docs/operations.md).
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-true}

if [ "${TASK_BACKEND:-database}" = "rq" ]; then
  "$PY" manage.py rqworker default --job-class django_tasks_rq.backend.Job &
else
  "$PY" manage.py db_worker --interval 1 --no-startup-delay &
fi
worker=$!
(while sleep 60; do "$PY" manage.py send_reminders >/dev/null 2>&1 || true; done) &
reminders=$!

stop() {
  trap - EXIT INT TERM
  kill "$worker" "$reminders" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

echo "Worker started (pid $worker). Portal: http://$HOST:$PORT/  (Ctrl-C stops both)"
"$PY" manage.py runserver "$HOST:$PORT"
