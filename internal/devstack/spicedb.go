package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
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
	Log          io.Writer
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
// module's tool (`go tool -n spicedb` builds it once and prints its path),
// else spicedb on PATH.
func SpiceDBBinary(ctx context.Context) (string, error) {
	binOnce.Do(func() {
		if p := os.Getenv("GATEHOUSE_SPICEDB_BIN"); p != "" {
			binPath = p
			return
		}
		if _, err := exec.LookPath("go"); err == nil {
			out, err := exec.CommandContext(ctx, "go", "tool", "-n", "spicedb").Output()
			if err == nil {
				binPath = strings.TrimSpace(string(out))
				return
			}
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				binErr = fmt.Errorf("go tool -n spicedb: %w: %s", err, ee.Stderr)
			}
		}
		if p, err := exec.LookPath("spicedb"); err == nil {
			binPath, binErr = p, nil
			return
		}
		if binErr == nil {
			binErr = errors.New("spicedb binary not found: run from the Gatehouse checkout (go tool spicedb), set GATEHOUSE_SPICEDB_BIN, or set SPICEDB_ENDPOINT to a running SpiceDB")
		}
	})
	return binPath, binErr
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

// start starts a SpiceDB process and waits until it serves; it becomes the
// current process only then (a process that does not get there is stopped).
func (s *SpiceDB) start(ctx context.Context) error {
	o := s.opts
	var args []string
	if o.DatastoreURI != "" {
		args = []string{"serve",
			"--grpc-preshared-key", o.Key,
			"--datastore-engine", "postgres", "--datastore-conn-uri", o.DatastoreURI,
			"--metrics-enabled=false", "--telemetry-endpoint=",
			"--write-relationships-max-updates-per-call", "10000",
		}
	} else {
		args = []string{"serve-testing", "--readonly-grpc-enabled=false"}
	}
	args = append(args, "--grpc-addr", o.Addr, "--http-enabled=false", "--skip-release-check", "--log-level", "warn")
	cmd := exec.Command(o.Bin, args...)
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
