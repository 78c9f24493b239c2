#!/usr/bin/env bash
# Stops the stack in reverse order: API containers → gateway (lets its publish in flight finish, within PUBLISH_TIMEOUT_MS) → database.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for ((i=${#COMPONENTS[@]}-1; i>=0; i--)); do
  c="${COMPONENTS[$i]}"
  case "$(mode_of "$c")" in
    systemd) sudo systemctl stop tp-capital-gateway.service && echo "■ $c stopped (systemd)" ;;
    docker) docker compose -f "$COMPOSE_FILE" stop "$c" >/dev/null && echo "■ $c stopped (docker)" ;;
    local)
      if pid="$(local_pid "$c")"; then
        kill -TERM "$pid"
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "■ $c stopped (local, pid $pid)"
      else
        echo "■ $c not running"
      fi
      rm -f "$(pid_file "$c")"
      ;;
  esac
done
if pid="$(local_pid postgres)"; then
  # SIGTERM to the embedded server's supervisor stops PostgreSQL (fast shutdown) before it exits.
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  echo "■ database stopped (embedded PostgreSQL, pid $pid)"
  rm -f "$(pid_file postgres)"
fi
if have_docker; then docker compose -f "$COMPOSE_FILE" stop pgbouncer timescaledb >/dev/null && echo "■ database stopped (docker)"; fi
exit 0
