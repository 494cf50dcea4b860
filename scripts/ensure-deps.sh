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

# The admin console (web/ -> internal/console/dist, embedded in the binary):
# npm ci from the committed lockfile, then a Vite build (a few seconds). The
# build output is committed too, so `go build` works without Node; this
# keeps it in step with web/src.
if command -v npm >/dev/null; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "installing the console's npm packages (npm ci) ..."
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd web && npm run --silent build -- --logLevel warn)
else
  echo "npm not found: serving the console build committed in internal/console/dist (install Node.js 20+ to rebuild it)"
fi

# The console's browser test drives Debian's chromium (chromedp).
if [ "${GATEHOUSE_SKIP_BROWSER:-}" = "" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium with apt-get (for the console's browser test) ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "chromium is missing (sudo apt-get install -y chromium): the console's browser test will be skipped"
  fi
fi
