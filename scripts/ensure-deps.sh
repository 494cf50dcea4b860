#!/usr/bin/env bash
# Makes sure what `make dev` and `make test` need is here: Go modules, the
# pinned SpiceDB (built once by `go tool`), and PostgreSQL server binaries
# (installed with apt-get when missing and we are root).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "Go is required: https://go.dev/dl/ (go.mod names the version)"; exit 1; }
go mod download

have_pg() {
  command -v initdb >/dev/null && command -v postgres >/dev/null && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if [ -z "${DATABASE_URL:-}" ] && ! have_pg; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL server binaries with apt-get ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "PostgreSQL server binaries (initdb, postgres) are missing: sudo apt-get install -y postgresql, or set DATABASE_URL"
    exit 1
  fi
fi

if [ -z "${SPICEDB_ENDPOINT:-}" ]; then
  echo "building the pinned SpiceDB (go tool spicedb; cached after the first time) ..."
  go tool -n spicedb >/dev/null
fi
