#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on a unix socket, for tests, benchmarks and `make team`.
#   tools/pg.sh start DIR [PORT]   initdb into DIR (when empty) and start; prints the base URI
#   tools/pg.sh stop DIR           stop it (idempotent)
# As root the cluster runs as the `postgres` user (initdb refuses root); its log is DIR/log.
set -euo pipefail
cmd=${1:?start|stop}; dir=$(realpath -m "${2:?DIR}"); port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/pg_ctl" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir" -A trust -U msreview -E UTF8 --locale=C.UTF-8 >"$dir/../$(basename "$dir").initdb.log" 2>&1 \
      || { cat "$dir/../$(basename "$dir").initdb.log" >&2; exit 1; }
  fi
  # Already running (a run before this one left it up): use it as it is.
  if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w -o "-k $dir -c listen_addresses='' -p $port -c fsync=on -c max_connections=100" start >/dev/null
  fi
  echo "postgresql:///msreview?host=$dir&port=$port&user=msreview"
  ;;
stop)
  [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*) echo "usage: tools/pg.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
