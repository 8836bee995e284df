#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 for the ledger tests and prints its DATABASE_URL on
# stdout (everything else goes to stderr). Installs Debian's `postgresql` when no server binaries
# are found (apt-get, as root). The cluster lives in a temp dir, owned by the postgres user when run
# as root. The cluster's directory is also written to $SMARTCHECK_PG_STATE (default
# /tmp/smartcheck-pg.last); `scripts/ci-postgres.sh stop [dir]` stops it. Usage in CI:
#   export DATABASE_URL="$(scripts/ci-postgres.sh)"
set -euo pipefail
log() { echo "[ci-postgres] $*" >&2; }

state="${SMARTCHECK_PG_STATE:-/tmp/smartcheck-pg.last}"
if [ "${1:-}" = "stop" ]; then
  set -- stop "${2:-$(cat "$state")}"
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$bindir/pg_ctl -D '$2/data' stop -m fast" >&2; else "$bindir/pg_ctl" -D "$2/data" stop -m fast >&2; fi
  exit 0
fi

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  if [ "$(id -u)" != 0 ]; then log "PostgreSQL is not installed and this is not root: install Debian's postgresql"; exit 1; fi
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

# A free port: ask the kernel for one.
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
dir="$(mktemp -d /tmp/smartcheck-pg.XXXXXX)"
chmod 755 "$dir"
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; user=postgres; else user="$(id -un)"; fi
log "initdb in $dir (port $port, $($bindir/postgres --version))"
as_pg "$bindir/initdb -D '$dir/data' -U '$user' --auth=trust --no-sync -E UTF8 >'$dir/initdb.log' 2>&1"
# Test settings: loopback only, a socket in the temp dir, room for two bank processes.
as_pg "$bindir/pg_ctl -D '$dir/data' -l '$dir/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c max_connections=100 -c shared_buffers=128MB\" start >&2"
as_pg "$bindir/createdb -h 127.0.0.1 -p $port -U '$user' smartcheck"
echo "$dir" > "$state"
log "running; stop with: scripts/ci-postgres.sh stop $dir"
echo "postgres://$user@127.0.0.1:$port/smartcheck"
