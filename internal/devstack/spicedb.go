package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// SpiceDBOptions configures a SpiceDB process.
type SpiceDBOptions struct {
	// Bin is the spicedb binary; empty means SpiceDBBinary.
	Bin  string
	Addr string // gRPC listen address, host:port
	Key  string // preshared key (serve mode)
	// DatastoreURI selects `spicedb serve` on PostgreSQL (migrated to head
	// first); empty selects `spicedb serve-testing`, where every bearer
	// token has its own empty in-memory datastore.
	DatastoreURI string
	// Args are further flags, after Gatehouse's (a later flag wins): e.g.
	// the benchmark's --metrics-enabled for SpiceDB's /debug/pprof.
	Args []string
	Log  io.Writer
}

// SpiceDBDatastoreURI is uri with default_query_exec_mode=cache_statement
// unless it names a mode already. SpiceDB's PostgreSQL datastore defaults
// to pgx's exec mode, which parses and plans every statement anew: on the
// benchmark's checks that is two thirds of PostgreSQL's CPU (2.9 ms per
// check with it, 1.0 ms with prepared statements). cache_statement is
// wrong only behind a pooler in transaction mode (PgBouncer), where a
// connection's prepared statements do not follow it; give the mode
// explicitly there.
func SpiceDBDatastoreURI(uri string) string {
	if uri == "" || strings.Contains(uri, "default_query_exec_mode=") {
		return uri
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + "default_query_exec_mode=cache_statement"
}

// SpiceDB is a running SpiceDB.
type SpiceDB struct {
	Addr string
	Key  string
	opts SpiceDBOptions

	mu   sync.Mutex
	proc *process // the current process; replaced by a restart
	// quit ends supervision (closed by Stop); supervised is closed when the
	// supervisor has returned (nil when not supervised).
	quit       chan struct{}
	quitOnce   sync.Once
	supervised chan struct{}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// SpiceDBBinary finds the pinned spicedb: $GATEHOUSE_SPICEDB_BIN, else the
// module's tool (`go tool -n spicedb` builds it once and prints its path;
// only where Go and the Gatehouse checkout are), else spicedb on PATH. The
// Go toolchain is not needed when either of the others is there; when none
// is, the error says so in one line.
func SpiceDBBinary(ctx context.Context) (string, error) {
	binOnce.Do(func() { binPath, binErr = FindSpiceDB(ctx, os.Getenv) })
	return binPath, binErr
}

// FindSpiceDB is SpiceDBBinary without the cache, reading GATEHOUSE_SPICEDB_BIN
// and PATH from getenv.
func FindSpiceDB(ctx context.Context, getenv func(string) string) (string, error) {
	if p := getenv("GATEHOUSE_SPICEDB_BIN"); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("GATEHOUSE_SPICEDB_BIN=%s: %v: give the path of a spicedb binary", p, err)
		}
		return p, nil
	}
	path := getenv("PATH")
	var toolErr string
	if goBin, ok := lookPath("go", path); ok {
		cmd := exec.CommandContext(ctx, goBin, "tool", "-n", "spicedb")
		cmd.Env = append(os.Environ(), "PATH="+path)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if p := strings.TrimSpace(string(out)); err == nil && p != "" {
			return p, nil
		}
		toolErr = firstLine(stderr.String())
		if toolErr == "" && err != nil {
			toolErr = err.Error()
		}
	}
	if p, ok := lookPath("spicedb", path); ok {
		return p, nil
	}
	msg := "spicedb not found: put a spicedb binary (" + PinnedSpiceDB + ") on PATH or set GATEHOUSE_SPICEDB_BIN to one (or set SPICEDB_ENDPOINT to a running SpiceDB); in the Gatehouse checkout with Go, `go tool spicedb` builds the pinned one"
	if toolErr != "" {
		msg += " (go tool -n spicedb: " + toolErr + ")"
	}
	return "", errors.New(msg)
}

// PinnedSpiceDB is the SpiceDB version go.mod requires (a test keeps them
// equal): the one `go tool spicedb` builds and the tests run.
const PinnedSpiceDB = "v1.56.2"

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// lookPath is exec.LookPath over the given PATH.
func lookPath(name, path string) (string, bool) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, true
		}
	}
	return "", false
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return errors.New("no such file")
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

// StartSpiceDB starts SpiceDB and waits until it serves gRPC.
func StartSpiceDB(ctx context.Context, opts SpiceDBOptions) (*SpiceDB, error) {
	if opts.Bin == "" {
		bin, err := SpiceDBBinary(ctx)
		if err != nil {
			return nil, err
		}
		opts.Bin = bin
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.DatastoreURI != "" {
		cmd := exec.CommandContext(ctx, opts.Bin, "migrate", "head",
			"--datastore-engine", "postgres", "--datastore-conn-uri", opts.DatastoreURI,
			"--skip-release-check", "--log-level", "warn")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("spicedb migrate head: %w: %s", err, out)
		}
	}
	s := &SpiceDB{Addr: opts.Addr, Key: opts.Key, opts: opts, quit: make(chan struct{})}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// PID is the process id of the current SpiceDB process.
func (s *SpiceDB) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc.PID()
}

func (s *SpiceDB) current() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Supervise restarts SpiceDB (same address, key and datastore) whenever it
// exits without Stop having been called, telling say about each exit and
// restart, until Stop or ctx ends. A restart that fails is retried, with a
// backoff of up to 10s. Call it once, before Stop.
func (s *SpiceDB) Supervise(ctx context.Context, say func(format string, args ...any)) {
	s.supervised = make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-s.quit:
		case <-ctx.Done():
		}
		cancel()
	}()
	go func() {
		defer close(s.supervised)
		defer cancel()
		for {
			p := s.current()
			select {
			case <-p.done:
			case <-ctx.Done():
				return
			}
			if ctx.Err() != nil {
				return // stopping: the exit was asked for
			}
			say("SpiceDB (pid %d) exited unexpectedly (%v): restarting it on %s ...", p.PID(), p.err, s.Addr)
			backoff := time.Second
			for {
				err := s.start(ctx)
				if ctx.Err() != nil {
					return
				}
				if err == nil {
					say("SpiceDB restarted on %s (pid %d)", s.Addr, s.PID())
					break
				}
				say("SpiceDB restart failed (retrying in %s): %v", backoff, err)
				t := time.NewTimer(backoff)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
				backoff = min(2*backoff, 10*time.Second)
			}
		}
	}()
}

// SpiceDBRuntimeEnv is the Go runtime's configuration of a SpiceDB on
// PostgreSQL, as Compose and the Kubernetes manifests give it too: its
// garbage collector runs a quarter as often as by default (GOGC=400), within
// a memory limit (GOMEMLIMIT; SpiceDB also sizes its caches from it, and
// in a container derives it from the container's limit). A third of
// SpiceDB's CPU under membership writes was its collector; with these,
// its CPU per write fell about a quarter (README, "Writes at scale").
var SpiceDBRuntimeEnv = []string{"GOGC=400", "GOMEMLIMIT=2GiB"}

// start starts a SpiceDB process and waits until it serves; it becomes the
// current process only then (a process that does not get there is stopped).
func (s *SpiceDB) start(ctx context.Context) error {
	o := s.opts
	var args []string
	if o.DatastoreURI != "" {
		args = []string{"serve",
			"--grpc-preshared-key", o.Key,
			"--datastore-engine", "postgres", "--datastore-conn-uri", SpiceDBDatastoreURI(o.DatastoreURI),
			"--metrics-enabled=false", "--telemetry-endpoint=",
			"--write-relationships-max-updates-per-call", "10000",
		}
	} else {
		args = []string{"serve-testing", "--readonly-grpc-enabled=false"}
	}
	args = append(args, "--grpc-addr", o.Addr, "--http-enabled=false", "--skip-release-check", "--log-level", "warn")
	args = append(args, o.Args...)
	cmd := exec.Command(o.Bin, args...)
	if o.DatastoreURI != "" {
		cmd.Env = append(os.Environ(), SpiceDBRuntimeEnv...)
	}
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	proc, err := startProcess("spicedb", cmd, nil)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(o.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		proc.Stop(syscall.SIGKILL, time.Second)
		return err
	}
	defer conn.Close()
	err = waitFor(ctx, proc, 60*time.Second, func(ctx context.Context) error {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "authzed.api.v1.SchemaService"})
		if err != nil {
			return err
		}
		if resp.Status != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("status %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		proc.Stop(syscall.SIGTERM, 10*time.Second)
		return err
	}
	s.mu.Lock()
	s.proc = proc
	s.mu.Unlock()
	return nil
}

// Stop ends supervision (waiting for a restart in progress to give up, so
// that no process is started after Stop), then terminates SpiceDB and
// waits for it to exit.
func (s *SpiceDB) Stop() {
	if s == nil {
		return
	}
	s.quitOnce.Do(func() { close(s.quit) })
	if s.supervised != nil {
		<-s.supervised
	}
	s.current().Stop(syscall.SIGTERM, 10*time.Second)
}

// Kill ends SpiceDB at once (for failure tests).
func (s *SpiceDB) Kill() {
	if s != nil {
		s.current().Stop(syscall.SIGKILL, time.Second)
	}
}

// Restart starts a stopped (or killed) SpiceDB again on the same address
// and datastore. Not for a supervised SpiceDB.
func (s *SpiceDB) Restart(ctx context.Context) error {
	s.current().Stop(syscall.SIGTERM, 10*time.Second)
	return s.start(ctx)
}
