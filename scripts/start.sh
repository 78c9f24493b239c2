#!/usr/bin/env bash
# Starts the stack in order — database → gateway → API containers — waits for each to be healthy and
# prints one line per component. Uses Docker for the containers and systemd for the gateway where
# they are available; otherwise runs the built services as local processes on one embedded
# PostgreSQL server (unless DATABASE_URL is set).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# $DATA_DIR is traversable (not listable) so the embedded server can run as the `postgres` user under root.
mkdir -p "$RUN_DIR" && chmod 711 "$DATA_DIR" && chmod 700 "$RUN_DIR" 2>/dev/null

# Refuse to start on ports something else already holds.
conflicts=0
for c in "${COMPONENTS[@]}"; do
  if [ "$(mode_of "$c")" = local ] && ! local_pid "$c" >/dev/null && port_in_use "$(port_of "$c")"; then
    echo "✗ $c: port $(port_of "$c") is already in use by another process; stop it or set the port variable" >&2
    conflicts=1
  fi
done
[ "$conflicts" = 0 ] || exit 1

# One gateway↔API secret for every start path: generated once into $DATA_DIR/gateway-token (never
# committed), given to a local gateway as API_SECRET_TOKEN and to the API, local or in compose, as
# GATEWAY_SECRET_TOKEN (the shell's value wins over compose's .env).
token_file="$DATA_DIR/gateway-token"
[ -f "$token_file" ] || (umask 077 && openssl rand -hex 32 > "$token_file")
TOKEN="$(cat "$token_file")"
export GATEWAY_SECRET_TOKEN="$TOKEN"

if have_docker; then
  docker compose -f "$COMPOSE_FILE" up -d timescaledb pgbouncer >/dev/null || { echo "✗ database: docker compose failed" >&2; exit 1; }
  echo "✔ database      timescaledb + pgbouncer (docker)"
fi


need_build=0
for c in "${COMPONENTS[@]}"; do
  [ "$(mode_of "$c")" = local ] && [ ! -f "$ROOT/dist/apps/$c/main.js" ] && need_build=1
done
if [ "$need_build" = 1 ]; then
  (cd "$ROOT" && npx nx run-many -t build -p gateway tp-capital-api workspace >/dev/null) || { echo "✗ build failed" >&2; exit 1; }
fi

# Without DATABASE_URL, the local services share one embedded PostgreSQL server under $DATA_DIR/postgres.
embedded_postgres() { (cd "$ROOT" && node -r @swc-node/register tools/dev/embedded-postgres.ts --data-dir "$DATA_DIR/postgres" "$@"); }
if [ -z "${DATABASE_URL:-}" ] && { [ "$(mode_of tp-capital-api)" = local ] || [ "$(mode_of workspace)" = local ]; }; then
  if ! local_pid postgres >/dev/null; then
    nohup bash -c "cd '$ROOT' && exec node -r @swc-node/register tools/dev/embedded-postgres.ts --data-dir '$DATA_DIR/postgres' serve" >>"$RUN_DIR/postgres.log" 2>&1 &
    echo $! > "$(pid_file postgres)"
  fi
  for _ in $(seq 1 "$HEALTH_TIMEOUT"); do
    grep -q '"status":"ready"' "$RUN_DIR/postgres.log" 2>/dev/null && DATABASE_URL="$(embedded_postgres url 2>/dev/null)" && break
    local_pid postgres >/dev/null || break
    sleep 0.5
  done
  if [ -z "${DATABASE_URL:-}" ]; then echo "✗ database: embedded PostgreSQL did not start (log $RUN_DIR/postgres.log)" >&2; exit 1; fi
  echo "✔ database      embedded PostgreSQL (local, pid $(local_pid postgres))"
fi

database_env() { echo "DATABASE_URL=$DATABASE_URL"; }

start_local() {
  local c="$1" port; port="$(port_of "$c")"
  if local_pid "$c" >/dev/null; then return 0; fi
  local -a env=(PATH="$PATH" LOG_LEVEL="${LOG_LEVEL:-info}")
  case "$c" in
    gateway) env+=(GATEWAY_PORT="$port" API_SECRET_TOKEN="$TOKEN" API_ENDPOINTS="http://127.0.0.1:$API_PORT" OUTBOX_DIR="$DATA_DIR/gateway/outbox" SESSION_DIR="$DATA_DIR/gateway/session") ;;
    tp-capital-api) env+=(PORT="$port" HOST=127.0.0.1 GATEWAY_SECRET_TOKEN="$TOKEN" "$(database_env "$c")") ;;
    workspace) env+=(PORT="$port" HOST=127.0.0.1 "$(database_env "$c")") ;;
  esac
  for var in TELEGRAM_INGESTION_BOT_TOKEN TELEGRAM_API_ROOT TELEGRAM_API_ID TELEGRAM_API_HASH TELEGRAM_SOURCE_CHANNEL_IDS API_KEY; do
    [ -n "${!var:-}" ] && env+=("$var=${!var}")
  done
  nohup env -i "${env[@]}" node "$ROOT/dist/apps/$c/main.js" >>"$RUN_DIR/$c.log" 2>&1 &
  echo $! > "$(pid_file "$c")"
}

failed=0
for c in "${COMPONENTS[@]}"; do
  mode="$(mode_of "$c")"
  case "$mode" in
    systemd) sudo systemctl start tp-capital-gateway.service ;;
    docker) docker compose -f "$COMPOSE_FILE" up -d "$c" >/dev/null ;;
    local) start_local "$c" ;;
  esac
  status=000
  for _ in $(seq 1 "$HEALTH_TIMEOUT"); do
    status="$(health_status "$c")"
    [ "$status" = 200 ] && break
    if [ "$mode" = local ] && ! local_pid "$c" >/dev/null; then break; fi
    sleep 1
  done
  if [ "$status" = 200 ]; then
    printf '✔ %-14s http://127.0.0.1:%s  healthy (%s%s)\n' "$c" "$(port_of "$c")" "$mode" "$( [ "$mode" = local ] && echo ", pid $(local_pid "$c")")"
  else
    printf '✗ %-14s http://127.0.0.1:%s  not healthy (%s, /health %s; log %s)\n' "$c" "$(port_of "$c")" "$mode" "$status" "$RUN_DIR/$c.log"
    failed=1
  fi
done
exit "$failed"
