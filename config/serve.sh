#!/usr/bin/env bash
# `make serve`: Fengqiao as it is deployed, on this one machine (docs/deploy.md).
#
#   PostgreSQL (Debian's; a local cluster, role and database unless DATABASE_URL is set),
#   Redis (unless CELERY_BROKER_URL is set), a Celery worker and Celery beat, and gunicorn
#   with WORKERS workers on HOST:PORT, with config.production and static files by WhiteNoise.
#
# Plain HTTP on 127.0.0.1: HTTPS redirects and secure cookies are turned off here, and only
# here. Behind a TLS terminator leave them on (their default). Ctrl-C stops everything this
# script started. Logs: JSON lines on the terminal (gunicorn and Django), var/serve/*.log.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${WORKERS:-4}
STATE=var/serve
mkdir -p "$STATE"
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- Debian packages ---------------------------------------------------------------------------
need=()
[ -n "${DATABASE_URL:-}" ] || command -v pg_ctlcluster >/dev/null || need+=(postgresql)
[ -n "${CELERY_BROKER_URL:-}" ] || command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing: ${need[*]}"
    apt-get install -y -qq "${need[@]}" >/dev/null \
      || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
  else
    echo "missing: ${need[*]} (apt-get install ${need[*]}), or set DATABASE_URL / CELERY_BROKER_URL"
    exit 1
  fi
fi

# --- PostgreSQL --------------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$" \
    || pg_createcluster "$version" main >/dev/null
  pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fengqiao') THEN
    CREATE ROLE fengqiao LOGIN PASSWORD 'fengqiao' CREATEDB;
  END IF;
END $$;
SQL
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname = 'fengqiao'\"" | grep -q 1 \
    || su postgres -c "createdb -O fengqiao fengqiao"
  export DATABASE_URL="postgres://fengqiao:fengqiao@127.0.0.1:5432/fengqiao"
  say "PostgreSQL $version: database fengqiao on 127.0.0.1:5432"
fi

# --- Redis -------------------------------------------------------------------------------------
started_redis=""
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes \
      --pidfile "$PWD/$STATE/redis.pid" --dir "$PWD/$STATE" --logfile "$PWD/$STATE/redis.log"
    started_redis=yes
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  export CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
  export REDIS_URL="redis://127.0.0.1:6379/1"
  say "Redis on 127.0.0.1:6379 (broker db 0, cache and sessions db 1)"
fi

# --- settings ----------------------------------------------------------------------------------
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  [ -s "$STATE/secret_key" ] || (umask 077 && "$PY" -c \
    'import secrets; print(secrets.token_urlsafe(50))' > "$STATE/secret_key")
  DJANGO_SECRET_KEY=$(cat "$STATE/secret_key")
  export DJANGO_SECRET_KEY
fi
# The ID numbers' encryption and search keys (parties/crypto.py), made once and kept beside the
# secret key. Losing them loses the ID numbers: a real deployment keeps them in its secret store.
if [ -z "${FENGQIAO_FIELD_KEYS:-}" ]; then
  [ -s "$STATE/field_keys" ] || (umask 077 && "$PY" -c \
    'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > "$STATE/field_keys")
  FENGQIAO_FIELD_KEYS=$(cat "$STATE/field_keys")
  export FENGQIAO_FIELD_KEYS
fi
if [ -z "${FENGQIAO_SEARCH_KEY:-}" ]; then
  [ -s "$STATE/search_key" ] || (umask 077 && "$PY" -c \
    'import secrets; print(secrets.token_urlsafe(32))' > "$STATE/search_key")
  FENGQIAO_SEARCH_KEY=$(cat "$STATE/search_key")
  export FENGQIAO_SEARCH_KEY
fi
export DJANGO_SETTINGS_MODULE=config.production
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-$HOST,127.0.0.1,localhost}
export DJANGO_SECURE_SSL_REDIRECT=${DJANGO_SECURE_SSL_REDIRECT:-0}
export DJANGO_SECURE_COOKIES=${DJANGO_SECURE_COOKIES:-0}
export FENGQIAO_PUBLIC_URL=${FENGQIAO_PUBLIC_URL:-http://$HOST:$PORT}
say "plain HTTP on $HOST:$PORT: HTTPS redirect and secure cookies are off (on behind TLS)"

"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py collectstatic --no-input -v 0
if [ "${SEED:-1}" != 0 ]; then
  "$PY" manage.py seed_demo
  # Development certificates for the demo's bodies; a real centre installs its own PKI.
  "$PY" manage.py make_dev_pki >/dev/null 2>&1
fi

# --- Celery worker and beat, then gunicorn -----------------------------------------------------
pids=()
stop() {
  trap - EXIT INT TERM
  say "stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$started_redis" ] && [ -s "$STATE/redis.pid" ]; then
    kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
  fi
}
trap stop EXIT INT TERM

.venv/bin/celery -A config worker --loglevel INFO --concurrency 2 \
  --logfile "$STATE/celery-worker.log" &
pids+=($!)
.venv/bin/celery -A config beat --loglevel INFO --schedule "$STATE/celerybeat-schedule" \
  --logfile "$STATE/celery-beat.log" &
pids+=($!)
say "Celery worker and beat started (logs in $STATE/)"

say "gunicorn, $WORKERS workers: http://$HOST:$PORT/ (health: http://$HOST:$PORT/health/)"
.venv/bin/gunicorn config.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" \
  --access-logfile - --forwarded-allow-ips '127.0.0.1' --graceful-timeout 20 &
pids+=($!)
wait "${pids[-1]}"
