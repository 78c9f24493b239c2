#!/usr/bin/env bash
# Starts a throwaway PgBouncer (transaction mode) on 127.0.0.1:${PGBOUNCER_PORT:-6432} in front of the
# local PostgreSQL and prints its directory; `kill $(cat <dir>/pgbouncer.pid)` stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${PGBOUNCER_PORT:-6432}"
dir="$(mktemp -d /tmp/pgbouncer.XXXXXX)"
chmod 755 "$dir"
sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@PG_PORT@|${PG_PORT:-5432}|g" "$here/pgbouncer.ini.template" > "$dir/pgbouncer.ini"
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; user=(-u postgres); else user=(); fi
pgbouncer -d "${user[@]}" "$dir/pgbouncer.ini"
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$dir"; exit 0; fi
  sleep 0.1
done
echo "pgbouncer did not start; see $dir/pgbouncer.log" >&2
exit 1
