#!/bin/sh
# scripts/postgis.sh start|stop - a throwaway PostgreSQL + PostGIS server on
# 127.0.0.1:54329 (database, user and password "minewatch") for the ledger
# tests.  Installs the Debian packages when they are missing.
set -eu
PGVER=15
PORT=54329
DIR=${MW_PG_DIR:-/tmp/minewatch-pg}
BIN=/usr/lib/postgresql/$PGVER/bin
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
as_postgres() { $SUDO runuser -u postgres -- "$@"; }

case "${1:-}" in
start)
  if [ ! -x $BIN/pg_ctl ] || [ ! -f /usr/share/postgresql/$PGVER/extension/postgis.control ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      postgresql-$PGVER postgresql-$PGVER-postgis-3 >/dev/null
  fi
  [ ! -f "$DIR/data/postmaster.pid" ] || as_postgres $BIN/pg_ctl -D "$DIR/data" -m fast stop || true
  $SUDO rm -rf "$DIR"
  $SUDO mkdir -p "$DIR"
  $SUDO chown postgres "$DIR"
  as_postgres $BIN/initdb -D "$DIR/data" -A trust -U postgres >/dev/null
  as_postgres $BIN/pg_ctl -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
  psql="psql -q -h 127.0.0.1 -p $PORT -U postgres -v ON_ERROR_STOP=1"
  $psql -c "CREATE ROLE minewatch LOGIN PASSWORD 'minewatch'" \
        -c "CREATE DATABASE minewatch OWNER minewatch"
  $psql -d minewatch -c "CREATE EXTENSION postgis"
  echo "postgis.sh: PostgreSQL $PGVER + PostGIS on 127.0.0.1:$PORT"
  ;;
stop)
  [ ! -f "$DIR/data/postmaster.pid" ] || as_postgres $BIN/pg_ctl -D "$DIR/data" -m fast stop >/dev/null
  $SUDO rm -rf "$DIR"
  ;;
*)
  echo "usage: scripts/postgis.sh start|stop" >&2
  exit 2
  ;;
esac
