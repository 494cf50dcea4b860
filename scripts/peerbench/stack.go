package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/authzed/grpcutil"
	"github.com/gatehouse/gatehouse/internal/devstack"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// stack is everything the run starts and the handles to it.
type stack struct {
	pg       *proc
	pgURL    func(db string) string
	admin    *pgx.Conn
	spice    *proc
	spiceCli *authzed.Client
	gate     *proc
	gateBase string
	gateEnv  []string
	fga      *proc
	fgaStore string
	fgaModel string
	fgaGRPC  *grpc.ClientConn
	variants []*variant
	token    string
	tenant   uuid.UUID
	ds       *dataset
	rels     []*v1.Relationship
}

type variant struct {
	name  string
	flags []string
	proc  *proc
	cli   *authzed.Client
	mport int
}

func (st *stack) startPostgres(ctx context.Context) error {
	dir := filepath.Join(workDir, "pg")
	uid, gid, err := pgIDs()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return err
	}
	bin := "/usr/lib/postgresql/15/bin"
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		bin = filepath.Dir(mustLook("initdb"))
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	pp := port(pPG)
	// The settings of Gatehouse's devstack (what `make bench` runs on),
	// plus the two statistics extensions.
	args := []string{"-D", dir, "-p", strconv.Itoa(pp), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=400",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=256MB",
		"-c", "log_min_messages=warning",
		"-c", "shared_preload_libraries=pg_stat_statements,auto_explain",
		"-c", "pg_stat_statements.max=10000", "-c", "pg_stat_statements.track=all",
		"-c", "autovacuum=" + map[bool]string{true: "on", false: "off"}[*flagAutovac],
	}
	if *flagExplain >= 0 {
		args = append(args, "-c", fmt.Sprintf("auto_explain.log_min_duration=%d", flagExplain.Milliseconds()),
			// Plans with the planner's estimates only: log_analyze would
			// instrument every statement, slow or not.
			"-c", "auto_explain.log_analyze=off",
			"-c", "auto_explain.log_nested_statements=on", "-c", "log_min_messages=log")
	}
	p, err := startProc("postgres", exec.Command(filepath.Join(bin, "postgres"), args...), true, syscall.SIGINT)
	if err != nil {
		return err
	}
	st.pg = p
	st.pgURL = func(db string) string {
		return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pp, db)
	}
	if err := waitUntil(ctx, "postgres", p, 60*time.Second, func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, st.pgURL("postgres"))
		if err == nil {
			c.Close(ctx)
		}
		return err
	}); err != nil {
		return err
	}
	st.admin, err = pgx.Connect(ctx, st.pgURL("postgres"))
	if err != nil {
		return err
	}
	for _, q := range []string{"CREATE DATABASE gatehouse", "CREATE DATABASE spicedb", "CREATE DATABASE openfga", "CREATE EXTENSION pg_stat_statements"} {
		if _, err := st.admin.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	logf("PostgreSQL 15 on 127.0.0.1:%d (data %s, as user postgres)", pp, dir)
	return nil
}

func mustLook(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return "/usr/bin/" + name
	}
	return p
}

// ---------------------------------------------------------------- SpiceDB

func spiceArgs(grpcPort, metricsPort int, extra []string, uri string) []string {
	// The flags of Gatehouse's devstack (internal/devstack: its datastore
	// URI, with prepared statements, and its serve flags), with the metrics
	// server (which also serves /debug/pprof) on loopback.
	args := []string{"serve",
		"--grpc-preshared-key", spiceKey,
		"--datastore-engine", "postgres", "--datastore-conn-uri", devstack.SpiceDBDatastoreURI(uri),
		"--metrics-enabled=true", "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", metricsPort),
		"--telemetry-endpoint=",
		"--write-relationships-max-updates-per-call", "10000",
		"--grpc-addr", fmt.Sprintf("127.0.0.1:%d", grpcPort), "--http-enabled=false",
		"--dispatch-cluster-enabled=false",
		"--skip-release-check", "--log-level", "warn",
	}
	return append(args, extra...)
}

func spiceClient(addr string) (*authzed.Client, error) {
	return authzed.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpcutil.WithInsecureBearerToken(spiceKey))
}

func waitSpice(ctx context.Context, name string, p *proc, addr string) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	return waitUntil(ctx, name, p, 90*time.Second, func(ctx context.Context) error {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "authzed.api.v1.SchemaService"})
		if err != nil {
			return err
		}
		if resp.Status != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("status %s", resp.Status)
		}
		return nil
	})
}

func (st *stack) startSpiceDB(ctx context.Context) error {
	uri := st.pgURL("spicedb")
	mig := exec.CommandContext(ctx, *flagSpiceDB, "migrate", "head", "--datastore-engine", "postgres", "--datastore-conn-uri", uri, "--skip-release-check", "--log-level", "warn")
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("spicedb migrate head: %w: %s", err, out)
	}
	extra := strings.Fields(*flagSpiceFlags)
	p, err := startProc("spicedb", exec.Command(*flagSpiceDB, spiceArgs(port(pSpiceGRPC), port(pSpiceMetrics), extra, uri)...), false, syscall.SIGTERM)
	if err != nil {
		return err
	}
	st.spice = p
	addr := fmt.Sprintf("127.0.0.1:%d", port(pSpiceGRPC))
	if err := waitSpice(ctx, "spicedb", p, addr); err != nil {
		return err
	}
	st.spiceCli, err = spiceClient(addr)
	if err != nil {
		return err
	}
	logf("SpiceDB on %s (metrics and pprof on 127.0.0.1:%d; datastore %s) extra flags %q", addr, port(pSpiceMetrics), devstack.SpiceDBDatastoreURI(uri), *flagSpiceFlags)
	return nil
}

func (st *stack) startVariants(ctx context.Context) error {
	if strings.TrimSpace(*flagVariants) == "" {
		return nil
	}
	specs := strings.Split(*flagVariants, ";")
	if len(specs) > 4 {
		return errors.New("at most 4 -spicedb-variants")
	}
	for i, spec := range specs {
		name, flags, ok := strings.Cut(strings.TrimSpace(spec), "=")
		if !ok || name == "" {
			return fmt.Errorf("variant %q: want name=--flags", spec)
		}
		v := &variant{name: name, flags: strings.Fields(flags), mport: port(pVariant0 + 2*i + 1)}
		gp := port(pVariant0 + 2*i)
		p, err := startProc("spicedb-"+name, exec.Command(*flagSpiceDB, spiceArgs(gp, v.mport, v.flags, st.pgURL("spicedb"))...), false, syscall.SIGTERM)
		if err != nil {
			return err
		}
		v.proc = p
		addr := fmt.Sprintf("127.0.0.1:%d", gp)
		if err := waitSpice(ctx, "spicedb-"+name, p, addr); err != nil {
			return err
		}
		if v.cli, err = spiceClient(addr); err != nil {
			return err
		}
		st.variants = append(st.variants, v)
		logf("SpiceDB variant %s on %s: %s", name, addr, strings.Join(v.flags, " "))
	}
	return nil
}

// ---------------------------------------------------------------- Gatehouse

func (st *stack) startGatehouse(ctx context.Context) error {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GATEHOUSE_") || strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "SPICEDB_") || k == "DATABASE_URL" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"GATEHOUSE_HTTP_ADDR="+fmt.Sprintf("127.0.0.1:%d", port(pGateHTTP)),
		"DATABASE_URL="+st.pgURL("gatehouse"),
		"SPICEDB_ENDPOINT="+fmt.Sprintf("127.0.0.1:%d", port(pSpiceGRPC)),
		"SPICEDB_KEY="+spiceKey,
		"GATEHOUSE_BOOTSTRAP_EMAIL=root@bench.local",
		"GATEHOUSE_BOOTSTRAP_PASSWORD=root-password-123",
		"GATEHOUSE_LOG_LEVEL=warn",
		"GATEHOUSE_PPROF_ADDR="+fmt.Sprintf("127.0.0.1:%d", port(pGatePprof)),
		// Gatehouse serves /metrics on its management address only.
		"GATEHOUSE_MANAGEMENT_ADDR="+fmt.Sprintf("127.0.0.1:%d", port(pGateMgmt)),
	)
	st.gateEnv = env
	mig := exec.CommandContext(ctx, *flagGatehouse, "migrate")
	mig.Env = env
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("gatehouse migrate: %w: %s", err, out)
	}
	cmd := exec.Command(*flagGatehouse, "serve")
	cmd.Env = env
	p, err := startProc("gatehouse", cmd, false, syscall.SIGTERM)
	if err != nil {
		return err
	}
	st.gate = p
	st.gateBase = fmt.Sprintf("http://127.0.0.1:%d", port(pGateHTTP))
	if err := waitUntil(ctx, "gatehouse", p, 60*time.Second, func(ctx context.Context) error {
		return httpOK(ctx, st.gateBase+"/readyz")
	}); err != nil {
		return err
	}
	logf("Gatehouse serve on %s (pprof on 127.0.0.1:%d, /metrics on 127.0.0.1:%d)", st.gateBase, port(pGatePprof), port(pGateMgmt))
	return nil
}

func httpOK(ctx context.Context, url string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d", url, resp.StatusCode)
	}
	return nil
}
