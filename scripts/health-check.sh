#!/usr/bin/env bash
# Exits non-zero when any component is unhealthy; prints one line per component either way.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unhealthy=0
for c in "${COMPONENTS[@]}"; do
  status="$(health_status "$c")"
  if [ "$status" = 200 ]; then
    printf '✔ %-14s healthy\n' "$c"
  else
    printf '✗ %-14s unhealthy (/health %s)\n' "$c" "$status"
    unhealthy=1
  fi
done
exit "$unhealthy"
