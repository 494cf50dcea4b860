package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/devstack"
)

// Every wait below is for a condition, bounded by a generous deadline so
// that a loaded 2-core machine passes; no test asserts how long anything
// takes.
const devDeadline = 4 * time.Minute

// signalWriter collects output and closes ready when it sees a marker.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	ready  chan struct{}
	once   sync.Once
}

func newSignalWriter() *signalWriter {
	return &signalWriter{marker: "Press Ctrl-C to stop.", ready: make(chan struct{})}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.once.Do(func() { close(w.ready) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// devEnv is the environment of one dev run on free addresses.
func devEnv(t *testing.T, key string) map[string]string {
	t.Helper()
	httpPort, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	spicePort, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"GATEHOUSE_HTTP_ADDR":          fmt.Sprintf("127.0.0.1:%d", httpPort),
		"GATEHOUSE_SPICEDB_ADDR":       fmt.Sprintf("127.0.0.1:%d", spicePort),
		"GATEHOUSE_SPICEDB_KEY":        key,
		"GATEHOUSE_BOOTSTRAP_EMAIL":    "dev@example.com",
		"GATEHOUSE_BOOTSTRAP_PASSWORD": "dev-password-123",
		"GATEHOUSE_LOG_LEVEL":          "warn",
	}
}

// inProcessDev runs `gatehouse dev` in this process until it is up; stop
// cancels it (what SIGINT does in main) and returns its error.
type inProcessDev struct {
	out    *signalWriter
	cancel context.CancelFunc
	done   chan error
}

func startDev(t *testing.T, env map[string]string) *inProcessDev {
	t.Helper()
	d := &inProcessDev{out: newSignalWriter(), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.done <- app.Run(ctx, []string{"dev"}, func(k string) string { return env[k] }, d.out, d.out) }()
	t.Cleanup(func() { _ = d.stop(t) })
	select {
	case <-d.out.ready:
	case err := <-d.done:
		d.done <- err
		t.Fatalf("dev stopped before it was up: %v\n%s", err, d.out)
	case <-time.After(devDeadline):
		t.Fatalf("dev not up within %s:\n%s", devDeadline, d.out)
	}
	return d
}

func (d *inProcessDev) stop(t *testing.T) error {
	t.Helper()
	d.cancel()
	select {
	case err := <-d.done:
		d.done <- err // stop may be called again (Cleanup)
		return err
	case <-time.After(devDeadline):
		t.Fatalf("dev did not stop within %s:\n%s", devDeadline, d.out)
		return nil
	}
}

// eventually polls cond until it holds, failing after devDeadline with the
// last reason it gave.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(devDeadline)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not the case after %s: %v", what, devDeadline, err)
		}
		time.Sleep(50 * time.Millisecond) // poll interval, not an assertion
	}
}

func readyz(addr string) error {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s", resp.Status)
	}
	return nil
}

// schemaReadable is what `zed schema read` with the printed key does.
func schemaReadable(addr, key string) error {
	spice, err := authz.Dial(authz.ClientConfig{Endpoint: addr, Key: key, Insecure: true})
	if err != nil {
		return err
	}
	defer spice.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	text, err := authz.ReadSchema(ctx, spice)
	if err != nil {
		return err
	}
	if !strings.Contains(text, "definition workspace") {
		return fmt.Errorf("unexpected schema %.200q", text)
	}
	return nil
}

var (
	pgUpRe    = regexp.MustCompile(`PostgreSQL is up on 127\.0\.0\.1:(\d+) \(pid (\d+)\)`)
	spiceUpRe = regexp.MustCompile(`SpiceDB is up on \S+ \(pid (\d+)\)`)
	restartRe = regexp.MustCompile(`SpiceDB restarted on \S+ \(pid (\d+)\)`)
	pgDirRe   = regexp.MustCompile(`starting PostgreSQL in (\S+) \.\.\.`)
)

func submatch(t *testing.T, re *regexp.Regexp, out string, i int) string {
	t.Helper()
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output has no %q:\n%s", re, out)
	}
	return m[i]
}

// proc identifies one running process: pid plus start time, so that a
// reused pid is not mistaken for it.
type proc struct {
	pid   int
	start string
	name  string
}

// procStat returns a process's parent pid, state and start time.
func procStat(pid int) (ppid int, state, start string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", "", false
	}
	s := string(b)
	// comm (field 2) may contain spaces: fields are counted after its ')'.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return 0, "", "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0], f[19], true
}

func processOf(t *testing.T, pid int, name string) proc {
	t.Helper()
	_, _, start, ok := procStat(pid)
	if !ok {
		t.Fatalf("%s (pid %d) is not running", name, pid)
	}
	return proc{pid: pid, start: start, name: name}
}

// childrenOf lists the processes whose parent is pid (PostgreSQL's
// backends and background workers for the postmaster).
func childrenOf(t *testing.T, pid int) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []proc
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, start, ok := procStat(n); ok && ppid == pid {
			out = append(out, proc{pid: n, start: start, name: fmt.Sprintf("child %d of %d", n, pid)})
		}
	}
	return out
}

func (p proc) running() bool {
	_, state, start, ok := procStat(p.pid)
	return ok && start == p.start && state != "Z"
}

// assertGone checks that none of procs runs and that no addr answers.
func assertGone(t *testing.T, procs []proc, addrs ...string) {
	t.Helper()
	for _, p := range procs {
		if p.running() {
			t.Errorf("%s (pid %d) still runs after dev stopped", p.name, p.pid)
		}
	}
	for _, addr := range addrs {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still answers after dev stopped", addr)
		}
	}
}

// The run command: a throwaway PostgreSQL and a real SpiceDB on it, the
// API ready, the schema readable with the printed key, and nothing left
// running after it stops.
func TestDevRunsTheStackAndStopsClean(t *testing.T) {
	t.Parallel()
	env := devEnv(t, "dev-test-key")
	d := startDev(t, env)
	printed := d.out.String()
	for _, want := range []string{"http://" + env["GATEHOUSE_HTTP_ADDR"], env["GATEHOUSE_SPICEDB_ADDR"], "dev-test-key", "dev@example.com", "zed schema read --endpoint " + env["GATEHOUSE_SPICEDB_ADDR"] + " --token dev-test-key --insecure"} {
		if !strings.Contains(printed, want) {
			t.Errorf("dev did not print %q:\n%s", want, printed)
		}
	}
	if err := readyz(env["GATEHOUSE_HTTP_ADDR"]); err != nil {
		t.Fatal(err)
	}
	if err := schemaReadable(env["GATEHOUSE_SPICEDB_ADDR"], "dev-test-key"); err != nil {
		t.Fatalf("zed schema read equivalent: %v", err)
	}
	pgPort := submatch(t, pgUpRe, printed, 1)
	pgDir := submatch(t, pgDirRe, printed, 1)
	// SpiceDB runs with the runtime configuration Compose and Kubernetes
	// give it too.
	environ, err := os.ReadFile("/proc/" + submatch(t, spiceUpRe, printed, 1) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range devstack.SpiceDBRuntimeEnv {
		if !slices.Contains(strings.Split(string(environ), "\x00"), want) {
			t.Errorf("dev's SpiceDB runs without %s", want)
		}
	}

	if err := d.stop(t); err != nil {
		t.Fatalf("dev stopped with %v", err)
	}
	assertGone(t, nil, env["GATEHOUSE_HTTP_ADDR"], env["GATEHOUSE_SPICEDB_ADDR"], "127.0.0.1:"+pgPort)
	if strings.Contains(d.out.String(), "PANIC") {
		t.Errorf("PostgreSQL panicked:\n%s", d.out)
	}
	if _, err := os.Stat(pgDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary cluster %s is still there after dev stopped (%v)", pgDir, err)
	}
}

// SIGINT (Ctrl-C, sent to the process group as a terminal does) and
// SIGTERM stop the real binary with exit status 0: PostgreSQL shut down
// before its directory is removed (no PANIC), no process left behind. The
// SIGTERM run keeps its cluster in a data directory of mode 0700, as
// `mktemp -d` makes them, and the cluster is still there afterwards.
func TestDevStopsCleanOnSignals(t *testing.T) {
	t.Parallel()
	bin := gatehouseBinary(t)
	for _, tc := range []struct {
		name    string
		sig     syscall.Signal
		dataDir bool
	}{
		{"SIGINT with the temporary data directory", syscall.SIGINT, false},
		{"SIGTERM with a 0700 data directory", syscall.SIGTERM, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := devEnv(t, "dev-signal-key")
			var dataDir string
			if tc.dataDir {
				dir, err := os.MkdirTemp("", "gatehouse-devtest-data-") // what mktemp -d does
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
				if err := os.Chmod(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				dataDir = dir
				env["GATEHOUSE_DATA_DIR"] = dir
			}
			out := newSignalWriter()
			cmd := exec.Command(bin, "dev")
			cmd.Env = append(os.Environ(), "GATEHOUSE_SPICEDB_BIN="+spicedbBin(t))
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			cmd.Stdout, cmd.Stderr = out, out
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			waited := make(chan struct{})
			go func() {
				exited <- cmd.Wait()
				close(waited)
			}()
			t.Cleanup(func() {
				select {
				case <-waited:
				default: // the test failed with dev still running
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					<-waited
				}
			})
			select {
			case <-out.ready:
			case err := <-exited:
				t.Fatalf("dev stopped before it was up: %v\n%s", err, out)
			case <-time.After(devDeadline):
				t.Fatalf("dev not up within %s:\n%s", devDeadline, out)
			}
			if err := readyz(env["GATEHOUSE_HTTP_ADDR"]); err != nil {
				t.Fatal(err)
			}
			printed := out.String()
			pgPort := submatch(t, pgUpRe, printed, 1)
			pgPID, _ := strconv.Atoi(submatch(t, pgUpRe, printed, 2))
			spicePID, _ := strconv.Atoi(submatch(t, spiceUpRe, printed, 1))
			pgDir := submatch(t, pgDirRe, printed, 1)
			procs := append([]proc{processOf(t, pgPID, "postmaster"), processOf(t, spicePID, "spicedb")}, childrenOf(t, pgPID)...)

			// The whole group, as a terminal's Ctrl-C; SIGTERM likewise (the
			// children lead groups of their own, so only Gatehouse gets it).
			if err := syscall.Kill(-cmd.Process.Pid, tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("dev exited with %v (want status 0):\n%s", err, out)
				}
			case <-time.After(devDeadline):
				t.Fatalf("dev did not stop within %s:\n%s", devDeadline, out)
			}
			if s := out.String(); strings.Contains(s, "PANIC") {
				t.Errorf("PostgreSQL panicked:\n%s", s)
			}
			assertGone(t, procs, env["GATEHOUSE_HTTP_ADDR"], env["GATEHOUSE_SPICEDB_ADDR"], "127.0.0.1:"+pgPort)
			if tc.dataDir {
				if !strings.HasPrefix(pgDir, dataDir) {
					t.Errorf("cluster in %s, not in the data directory %s", pgDir, dataDir)
				}
				if _, err := os.Stat(filepath.Join(pgDir, "PG_VERSION")); err != nil {
					t.Errorf("the cluster in the data directory was not kept: %v", err)
				}
			} else if _, err := os.Stat(pgDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the temporary cluster %s is still there after dev stopped (%v)", pgDir, err)
			}
		})
	}
}

func spicedbBin(t *testing.T) string {
	t.Helper()
	bin, err := devstack.SpiceDBBinary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// A second dev next to a running one is refused in one line before it
// starts or writes anything, whichever of the addresses or the data
// directory it shares; the first one is unharmed. The first one's data
// directory is a t.TempDir(), whose parent is 0700: as root, PostgreSQL
// (running as postgres) cannot enter it and the cluster is relocated.
func TestDevRefusesASecondInstance(t *testing.T) {
	t.Parallel()
	env := devEnv(t, "dev-first-key")
	dataDir := t.TempDir()
	env["GATEHOUSE_DATA_DIR"] = dataDir
	first := startDev(t, env)
	if pgDir := submatch(t, pgDirRe, first.out.String(), 1); !strings.HasPrefix(pgDir, dataDir) {
		// Relocated (see devstack.ClusterDir): ours to remove, once stopped.
		t.Cleanup(func() {
			_ = first.stop(t)
			os.RemoveAll(pgDir)
		})
	}

	other := devEnv(t, "dev-second-key")
	fresh := filepath.Join(t.TempDir(), "never-created")
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"same addresses and data directory", mergeEnv(env, map[string]string{"GATEHOUSE_SPICEDB_KEY": "dev-second-key"}), "already in use"},
		{"same addresses, another data directory", mergeEnv(env, map[string]string{"GATEHOUSE_SPICEDB_KEY": "dev-second-key", "GATEHOUSE_DATA_DIR": fresh}), "already in use"},
		{"same data directory, other addresses", mergeEnv(other, map[string]string{"GATEHOUSE_DATA_DIR": dataDir}), "GATEHOUSE_DATA_DIR=" + dataDir + " is in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), devDeadline)
			defer cancel()
			err := app.Run(ctx, []string{"dev"}, func(k string) string { return tc.env[k] }, &out, &out)
			if err == nil {
				t.Fatalf("second dev ran:\n%s", &out)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, tc.want) {
				t.Errorf("refusal is not one line saying %q: %q", tc.want, msg)
			}
			if out.Len() != 0 {
				t.Errorf("second dev printed (so started) something before refusing:\n%s", &out)
			}
			if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("second dev created its data directory %s before refusing", fresh)
			}
			for _, addr := range []string{other["GATEHOUSE_HTTP_ADDR"], other["GATEHOUSE_SPICEDB_ADDR"]} {
				if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
					c.Close()
					t.Errorf("second dev serves %s", addr)
				}
			}
		})
	}
	// The first one still works, with its own key.
	if err := readyz(env["GATEHOUSE_HTTP_ADDR"]); err != nil {
		t.Errorf("first dev after the refusals: %v", err)
	}
	if err := schemaReadable(env["GATEHOUSE_SPICEDB_ADDR"], "dev-first-key"); err != nil {
		t.Errorf("first dev's SpiceDB after the refusals: %v", err)
	}
	if err := first.stop(t); err != nil {
		t.Fatalf("first dev stopped with %v", err)
	}
	// Its data directory is free again once it has stopped.
	if _, err := os.Stat(filepath.Join(dataDir, "gatehouse-dev.lock")); err != nil {
		t.Errorf("no lock file in the data directory: %v", err)
	}
}

func mergeEnv(base, over map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// The SpiceDB that dev started is restarted when it dies (killed here by
// its real pid), and dev says so; the API and the zed endpoint work again.
func TestDevRestartsAKilledSpiceDB(t *testing.T) {
	t.Parallel()
	env := devEnv(t, "dev-restart-key")
	d := startDev(t, env)
	addr, key := env["GATEHOUSE_SPICEDB_ADDR"], env["GATEHOUSE_SPICEDB_KEY"]
	if err := schemaReadable(addr, key); err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(submatch(t, spiceUpRe, d.out.String(), 1))
	old := processOf(t, pid, "the first spicedb")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dev says it restarted SpiceDB", func() error {
		if !restartRe.MatchString(d.out.String()) {
			return errors.New("no restart line yet")
		}
		return nil
	})
	printed := d.out.String()
	if !strings.Contains(printed, fmt.Sprintf("SpiceDB (pid %d) exited unexpectedly", pid)) {
		t.Errorf("dev did not say SpiceDB %d exited:\n%s", pid, printed)
	}
	newPID, _ := strconv.Atoi(submatch(t, restartRe, printed, 1))
	if newPID == pid || old.running() {
		t.Fatalf("SpiceDB was not replaced: pid %d, then %d", pid, newPID)
	}
	restarted := processOf(t, newPID, "the restarted spicedb")
	eventually(t, "zed schema read works again", func() error { return schemaReadable(addr, key) })
	eventually(t, "readyz is 200 again", func() error { return readyz(env["GATEHOUSE_HTTP_ADDR"]) })

	if err := d.stop(t); err != nil {
		t.Fatalf("dev stopped with %v", err)
	}
	assertGone(t, []proc{restarted}, env["GATEHOUSE_HTTP_ADDR"], addr)
}

// `gatehouse version` names the commit the binary was built from (build
// info), not "dev".
func TestVersionPrintsTheCommit(t *testing.T) {
	t.Parallel()
	bin := gatehouseBinary(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v: %s", err, out)
	}
	head, gitErr := exec.Command("git", "rev-parse", "HEAD").Output()
	if gitErr != nil {
		t.Fatalf("not in a git checkout (%v): the test needs the commit the binary is built from", gitErr)
	}
	if !strings.Contains(string(out), "commit "+strings.TrimSpace(string(head))) {
		t.Fatalf("version printed %q, want the commit %s", out, head)
	}
}

// The binary runs without the Go toolchain: with only spicedb on PATH (no
// go, no GATEHOUSE_SPICEDB_BIN) `gatehouse dev` starts, serves and stops
// clean; with neither, it says so in one line before starting anything.
func TestDevWithoutTheGoToolchain(t *testing.T) {
	t.Parallel()
	bin := gatehouseBinary(t)
	onlySpiceDB := t.TempDir()
	if err := os.Symlink(spicedbBin(t), filepath.Join(onlySpiceDB, "spicedb")); err != nil {
		t.Fatal(err)
	}
	environ := func(path string, env map[string]string) []string {
		out := []string{"PATH=" + path, "HOME=" + t.TempDir(), "TMPDIR=" + os.TempDir()}
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}

	t.Run("neither spicedb on PATH nor GATEHOUSE_SPICEDB_BIN", func(t *testing.T) {
		cmd := exec.Command(bin, "dev")
		cmd.Env = environ(t.TempDir(), devEnv(t, "dev-nogo-key"))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("dev without spicedb: %v (want exit status 1)\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "spicedb not found") || !strings.Contains(lines[0], "GATEHOUSE_SPICEDB_BIN") {
			t.Fatalf("want one line saying spicedb is not found and what to do, got:\n%s", out)
		}
	})

	t.Run("spicedb on PATH", func(t *testing.T) {
		env := devEnv(t, "dev-path-key")
		out := newSignalWriter()
		cmd := exec.Command(bin, "dev")
		cmd.Env = environ(onlySpiceDB, env)
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		stopped := false
		t.Cleanup(func() {
			if !stopped {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		})
		select {
		case <-out.ready:
		case err := <-exited:
			stopped = true
			t.Fatalf("dev stopped before it was up: %v\n%s", err, out)
		case <-time.After(devDeadline):
			t.Fatalf("dev not up within %s:\n%s", devDeadline, out)
		}
		if !strings.Contains(out.String(), "starting SpiceDB "+filepath.Join(onlySpiceDB, "spicedb")) {
			t.Errorf("dev did not run the spicedb on PATH:\n%s", out)
		}
		if err := readyz(env["GATEHOUSE_HTTP_ADDR"]); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			stopped = true
			if err != nil {
				t.Fatalf("dev exited with %v (want status 0):\n%s", err, out)
			}
		case <-time.After(devDeadline):
			t.Fatalf("dev did not stop within %s:\n%s", devDeadline, out)
		}
	})
}
