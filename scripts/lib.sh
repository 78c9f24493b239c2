#!/usr/bin/env bash
# Shared by start.sh, stop.sh, status.sh and health-check.sh: where things run and how to reach them.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${DATA_DIR:-$ROOT/.data}"
RUN_DIR="${RUN_DIR:-$DATA_DIR/run}"
API_PORT="${API_PORT:-4005}"
WORKSPACE_PORT="${WORKSPACE_PORT:-3200}"
GATEWAY_PORT="${GATEWAY_PORT:-4006}"
COMPOSE_FILE="$ROOT/infra/compose/docker-compose.yml"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-120}"

# Components in start order (the database is started first by start.sh when Docker runs it).
COMPONENTS=(gateway tp-capital-api workspace)

port_of() {
  case "$1" in
    gateway) echo "$GATEWAY_PORT" ;;
    tp-capital-api) echo "$API_PORT" ;;
    workspace) echo "$WORKSPACE_PORT" ;;
  esac
}

have_docker() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
have_systemd() { command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl cat tp-capital-gateway.service >/dev/null 2>&1; }

# How a component runs here: docker | systemd | local.
mode_of() {
  case "$1" in
    gateway) if have_systemd; then echo systemd; else echo local; fi ;;
    *) if have_docker; then echo docker; else echo local; fi ;;
  esac
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

local_pid() {
  local file; file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  local pid; pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Prints the HTTP status of /health (000 when nothing answers).
health_status() {
  curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$(port_of "$1")/health" 2>/dev/null || true
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && { exec 3>&- 3<&-; return 0; }
  return 1
}
