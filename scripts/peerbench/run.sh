#!/usr/bin/env bash
# Gatehouse against its peers: `make bench-peers PEER_ARGS='...'`, or from
# anywhere in the checkout:  bash scripts/peerbench/run.sh [peerbench flags]
#
# Measures Gatehouse POST /v1/check against direct SpiceDB CheckPermission
# and OpenFGA Check (HTTP and gRPC), side by side in one run, on the data set
# of `make bench`: interleaved rounds at concurrency 1 and 16, then an 8 s
# profile phase per system (CPU profiles, SpiceDB calls and PostgreSQL
# statements per check, mean latency split), and a closing summary of the
# throughput ratios and Gatehouse's own CPU per check. Takes about 4-5
# minutes with the defaults on the 2-core machine (first time: + ~1 min to
# build Gatehouse, + ~5-8 min to build OpenFGA). Everything listens on
# 127.0.0.1:18480-18499 (-base-port) and is stopped at exit; the run is
# bounded by -timeout (default 14m).
#
# Useful flags (see main.go):
#   -rounds 2 -profile 4s -profile-concs 16      a shorter run
#   -profile 10s                 CPU profiles + SpiceDB calls + PostgreSQL statements per check
#   -systems gatehouse,gatehouse-ml,spicedb,spicedb-ml,pg-auth,healthz,openfga-http,openfga-grpc
#   -spicedb-variants 'nocache=--dispatch-cache-enabled=false;q30=--datastore-revision-quantization-interval=30s'
#       with -systems spicedb,v:nocache,v:q30 ...
#   -users 100000 -workspaces 10000 -members 50 -deployments 200000 -openfga=false -systems spicedb,gatehouse -analyze-phase
#       the large data set of `make bench-large`, with ANALYZE between two measurements
#
# Needs: Go, PostgreSQL 15 server binaries, root (PostgreSQL runs as the
# postgres user). CLONE is the Gatehouse checkout to measure (default: the
# one holding this script); BIN is where OpenFGA is kept between runs
# (default: a folder under the user's cache, shared with earlier runs of
# ../shared/perf); this checkout's builds go into $BIN/peerbench.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CLONE="$(cd "${CLONE:-$HERE/../..}" && pwd)"
BIN="${BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-peer-bench}"
OWN="$BIN/peerbench"
mkdir -p "$OWN"
[ -f "$CLONE/go.mod" ] && grep -q "gatehouse" "$CLONE/go.mod" || { echo "CLONE=$CLONE is not a Gatehouse checkout" >&2; exit 2; }

# Gatehouse, from the clone, with net/http/pprof added by an overlay (the
# source tree is untouched): served on GATEHOUSE_PPROF_ADDR when set.
cat > "$OWN/overlay.json" <<JSON
{"Replace": {"$CLONE/cmd/gatehouse/zz_pprof.go": "$HERE/overlay/pprof.go.txt"}}
JSON
echo "building Gatehouse (with the pprof overlay), the pinned SpiceDB and peerbench ..."
(cd "$CLONE" && go build -overlay "$OWN/overlay.json" -o "$OWN/gatehouse" ./cmd/gatehouse)
# SpiceDB: the module's pinned tool (built once, cached).
SPICEDB="$(cd "$CLONE" && go tool -n spicedb)"
# OpenFGA v1.22.1 (Go module proxy; ~5-8 min the first time on 2 busy cores).
if [ ! -x "$BIN/openfga" ]; then
	echo "installing OpenFGA v1.22.1 into $BIN (once; several minutes) ..."
	GOBIN="$BIN" go install github.com/openfga/openfga/cmd/openfga@v1.22.1
fi
(cd "$CLONE" && go build -o "$OWN/peerbench" ./scripts/peerbench)

echo "uptime before: $(uptime)"
exec "$OWN/peerbench" -clone "$CLONE" -gatehouse-bin "$OWN/gatehouse" -spicedb-bin "$SPICEDB" -openfga-bin "$BIN/openfga" "$@"
