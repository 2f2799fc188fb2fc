#!/usr/bin/env bash
# Starts a throw-away PostgreSQL on 127.0.0.1:$PGPORT as the postgres OS
# user and prints the DSN for AFTERSALES_TEST_PG. Used by .ci/run and by
# developers who want to run the suite against PostgreSQL locally.
set -euo pipefail
PGPORT=${PGPORT:-55432}
PGDIR=${PGDIR:-/tmp/aftersales-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
if [ ! -s "$PGDIR/PG_VERSION" ]; then
  mkdir -p "$PGDIR"
  chown postgres:postgres "$PGDIR"
  su postgres -c "$bin/initdb -D $PGDIR -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
fi
if ! su postgres -c "$bin/pg_ctl -D $PGDIR status" >/dev/null 2>&1; then
  su postgres -c "$bin/pg_ctl -D $PGDIR -l $PGDIR/server.log -w start -o '-h 127.0.0.1 -p $PGPORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300'" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
