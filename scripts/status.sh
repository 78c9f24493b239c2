#!/usr/bin/env bash
# One line per component: how it runs, whether it is up, and its /health answer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for c in "${COMPONENTS[@]}"; do
  mode="$(mode_of "$c")"
  status="$(health_status "$c")"
  case "$mode" in
    local) if pid="$(local_pid "$c")"; then run="running, pid $pid"; else run="stopped"; fi ;;
    systemd) run="$(systemctl is-active tp-capital-gateway.service 2>/dev/null)" ;;
    docker) run="$(docker compose -f "$COMPOSE_FILE" ps --format '{{.State}}' "$c" 2>/dev/null || echo unknown)" ;;
  esac
  printf '%-14s %-8s %-22s /health %s\n' "$c" "$mode" "$run" "$status"
done
