#!/usr/bin/env bash
# Starts a hot standby of the .ci/pg.sh server on 127.0.0.1:$REPLICA_PORT
# (streaming replication, made with pg_basebackup) and prints its DSN for
# AFTERSALES_TEST_PG_REPLICA: the read-replica tests read from it.
# It tries three times (a fresh base backup each time) and prints the
# standby's log to stderr when it cannot start one, so a failure is never
# an empty DSN.
set -euo pipefail
PGPORT=${PGPORT:-55432}
REPLICA_PORT=${REPLICA_PORT:-55433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/aftersales-pg-replica}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg-replica.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

running() { su postgres -c "$bin/pg_ctl -D $REPLICA_DIR status" >/dev/null 2>&1; }
standby() { # the standby answers, is in recovery and streams from this primary
  [ "$(su postgres -c "$bin/psql -h 127.0.0.1 -p $REPLICA_PORT -U postgres -d postgres -XAtc \"select pg_is_in_recovery() and exists (select from pg_stat_wal_receiver where status = 'streaming' and sender_port = $PGPORT)\"" 2>/dev/null)" = t ]
}

for attempt in 1 2 3; do
  if running && standby; then
    echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres?sslmode=disable"
    exit 0
  fi
  if running; then
    su postgres -c "$bin/pg_ctl -D $REPLICA_DIR -m immediate stop" >/dev/null 2>&1 || true
  fi
  if [ "$attempt" -gt 1 ] || [ ! -s "$REPLICA_DIR/PG_VERSION" ]; then
    # A fresh base backup (a leftover directory may belong to another primary).
    rm -rf "$REPLICA_DIR"
    mkdir -p "$REPLICA_DIR"
    chown postgres:postgres "$REPLICA_DIR"
    chmod 700 "$REPLICA_DIR"
    if ! su postgres -c "$bin/pg_basebackup -h 127.0.0.1 -p $PGPORT -U postgres -D $REPLICA_DIR -R -X stream --checkpoint=fast" >&2; then
      echo "pg-replica.sh: pg_basebackup failed (attempt $attempt)" >&2
      sleep 2
      continue
    fi
  fi
  if ! su postgres -c "$bin/pg_ctl -D $REPLICA_DIR -l $REPLICA_DIR/server.log -w -t 120 start -o '-h 127.0.0.1 -p $REPLICA_PORT -k /tmp -c max_connections=300 -c hot_standby=on -c fsync=off'" >/dev/null; then
    echo "pg-replica.sh: the standby did not start (attempt $attempt); its log:" >&2
    tail -n 30 "$REPLICA_DIR/server.log" >&2 || true
    sleep 2
    continue
  fi
  for _ in $(seq 1 30); do
    standby && break
    sleep 1
  done
done
if running && standby; then
  echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres?sslmode=disable"
  exit 0
fi
echo "pg-replica.sh: no hot standby on 127.0.0.1:$REPLICA_PORT after 3 attempts; its log:" >&2
tail -n 50 "$REPLICA_DIR/server.log" >&2 2>/dev/null || true
exit 1
