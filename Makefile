# Gatehouse. `make dev` runs it on the embedded default; `make test` runs every test.
.PHONY: dev test bench bench-peers bench-large build schema openapi clean

# `dev` builds the binary and execs it, rather than `go run`: `go run` exits 1
# whenever its child does not exit 0, and a SIGTERM kills it without reaching
# the child, which is left running. With exec, make's child is Gatehouse
# itself: SIGINT/SIGTERM reach it, it stops everything it started, and its
# exit status is the recipe's.
dev: ## run Gatehouse with a throwaway PostgreSQL and the pinned SpiceDB
	@./scripts/ensure-deps.sh
	@echo "building bin/gatehouse (go build; the first time compiles its dependencies: a minute or so) ..."
	@go build -buildvcs=auto -o bin/gatehouse ./cmd/gatehouse
	exec ./bin/gatehouse dev

test: ## gofmt, go vet, the OpenAPI lint and every test (with -race) against real PostgreSQL and SpiceDB
	@./scripts/ensure-deps.sh
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt: the files above need formatting"; exit 1; }
	go vet ./...
	./scripts/openapi/lint.sh
	GATEHOUSE_SPICEDB_BIN="$$(go tool -n spicedb)" go test -race -count=1 -timeout 75m ./...

bench: ## load the benchmark data set and print Gatehouse vs direct SpiceDB figures, then the peer comparison (bench-peers)
	@./scripts/ensure-deps.sh
	GATEHOUSE_SPICEDB_BIN="$$(go tool -n spicedb)" go run ./scripts/bench $(BENCH_ARGS)
	bash scripts/peerbench/run.sh $(PEER_ARGS)

bench-peers: ## Gatehouse vs direct SpiceDB and OpenFGA v1.22.1, side by side, with a profile phase (PEER_ARGS: its flags)
	@./scripts/ensure-deps.sh
	bash scripts/peerbench/run.sh $(PEER_ARGS)

bench-large: ## the benchmark over 100,000 users and about a million relationships
	@./scripts/ensure-deps.sh
	GATEHOUSE_SPICEDB_BIN="$$(go tool -n spicedb)" go run ./scripts/bench -users 100000 -workspaces 10000 -members 50 -deployments 200000 -lookup-workspaces 20000 $(BENCH_ARGS)

build:
	go build -buildvcs=auto -o bin/gatehouse ./cmd/gatehouse

schema: ## regenerate schema/schema.zed from schema/generate.go, and schema/names_gen.go from it
	go run ./scripts/genschema

openapi: ## regenerate internal/httpapi/openapi.json from the route table and Go types, and lint it
	go run ./scripts/openapi
	./scripts/openapi/lint.sh

clean:
	rm -rf bin .data
