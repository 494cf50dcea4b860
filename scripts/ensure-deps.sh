#!/usr/bin/env bash
# Makes sure what `make dev` and `make test` need is here: Go modules, the
# pinned SpiceDB (built once by `go tool`), and PostgreSQL server binaries
# (installed with apt-get when missing and we are root).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "Go is required: https://go.dev/dl/ (go.mod names the version)"; exit 1; }

# Go modules: silent when they are cached; on a cold cache (a minute or two)
# one line, then a count as they arrive, from `go mod download -x`.
go mod download -x 2>&1 | awk '
  /^# get / && !said { print "downloading Go modules (go mod download; the first time only) ..."; said = 1; fflush() }
  /^# get .*\.zip: 200 / { if (++n % 25 == 0) { printf "  %d modules downloaded ...\n", n; fflush() } ; next }
  /^# get / { next }
  { print; fflush() }
  END { if (said) printf "  %d modules downloaded\n", n }
'

# apt_install PACKAGE CHECK: installs PACKAGE unless CHECK (a command)
# succeeds once this script holds its lock, so that two runs at once (CI
# running the tests twice on a fresh machine) take turns rather than
# failing on apt's own lock; apt waits for a lock someone else holds.
apt_install() {
  (
    command -v flock >/dev/null && flock 9
    if eval "$2"; then exit 0; fi
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$1" >/dev/null
  ) 9>/var/lock/gatehouse-apt.lock
}

have_pg() {
  command -v initdb >/dev/null && command -v postgres >/dev/null && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if [ -z "${DATABASE_URL:-}" ] && ! have_pg; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL server binaries with apt-get ..."
    apt_install postgresql have_pg
  else
    echo "PostgreSQL server binaries (initdb, postgres) are missing: sudo apt-get install -y postgresql, or set DATABASE_URL"
    exit 1
  fi
fi

# The pinned SpiceDB, built by `go tool` (cached: a few seconds after the
# first time, which takes a minute or two): a line once it takes more than
# 5 s, then one every 15 s while the build goes on.
if [ -z "${SPICEDB_ENDPOINT:-}" ]; then
  log=$(mktemp)
  go tool -n spicedb >"$log" 2>&1 &
  pid=$!
  start=$SECONDS
  said=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    elapsed=$((SECONDS - start))
    if [ "$said" = 0 ] && [ "$elapsed" -ge 5 ]; then
      echo "getting the pinned SpiceDB $(go list -m -f '{{.Version}}' github.com/authzed/spicedb) (go tool spicedb builds it the first time: a minute or two) ..."
      said=$elapsed
    elif [ "$said" != 0 ] && [ $((elapsed - said)) -ge 15 ]; then
      echo "  still building SpiceDB (${elapsed}s) ..."
      said=$elapsed
    fi
  done
  if ! wait "$pid"; then
    cat "$log" >&2
    rm -f "$log"
    echo "building SpiceDB failed (go tool -n spicedb)" >&2
    exit 1
  fi
  [ "$said" = 0 ] || echo "  SpiceDB ready after $((SECONDS - start))s: $(tail -n1 "$log")"
  rm -f "$log"
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
    apt_install chromium "command -v chromium >/dev/null"
  else
    echo "chromium is missing (sudo apt-get install -y chromium): the console's browser test will be skipped"
  fi
fi
