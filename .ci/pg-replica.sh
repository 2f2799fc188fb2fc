#!/usr/bin/env bash
# Starts a hot standby of the .ci/pg.sh server on 127.0.0.1:$REPLICA_PORT
# (streaming replication, made with pg_basebackup) and prints its DSN for
# AFTERSALES_TEST_PG_REPLICA: the read-replica tests read from it.
set -euo pipefail
PGPORT=${PGPORT:-55432}
REPLICA_PORT=${REPLICA_PORT:-55433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/aftersales-pg-replica}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg-replica.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
if [ ! -s "$REPLICA_DIR/PG_VERSION" ]; then
  rm -rf "$REPLICA_DIR"
  mkdir -p "$REPLICA_DIR"
  chown postgres:postgres "$REPLICA_DIR"
  chmod 700 "$REPLICA_DIR"
  su postgres -c "$bin/pg_basebackup -h 127.0.0.1 -p $PGPORT -U postgres -D $REPLICA_DIR -R -X stream" >/dev/null
fi
if ! su postgres -c "$bin/pg_ctl -D $REPLICA_DIR status" >/dev/null 2>&1; then
  su postgres -c "$bin/pg_ctl -D $REPLICA_DIR -l $REPLICA_DIR/server.log -w start -o '-h 127.0.0.1 -p $REPLICA_PORT -k /tmp -c max_connections=300 -c hot_standby=on -c fsync=off'" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres?sslmode=disable"
