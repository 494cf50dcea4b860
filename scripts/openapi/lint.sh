#!/bin/sh
# Lints internal/httpapi/openapi.json with the OpenAPI linter pinned in
# package-lock.json (@redocly/cli, recommended-strict rules: redocly.yaml).
# The first run installs it with npm ci (node_modules/, git-ignored); after
# that it works offline. Run by make test.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
	echo "openapi lint: npm is needed (Node.js 20.19+ or 22.12+) to run the pinned @redocly/cli" >&2
	exit 1
fi
if [ ! -x node_modules/.bin/redocly ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "openapi lint: installing the pinned @redocly/cli (npm ci)..." >&2
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
exec node_modules/.bin/redocly lint --config redocly.yaml ../../internal/httpapi/openapi.json
