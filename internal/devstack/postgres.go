package devstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions configures a throwaway cluster.
type PostgresOptions struct {
	// Dir holds the cluster; an existing cluster there is reused.
	Dir  string
	Port int
	// Install lets Start install the server binaries with apt-get when they
	// are missing (root only).
	Install bool
	Log     io.Writer
	// Args are more server arguments (e.g. "-c", "shared_preload_libraries=pg_stat_statements").
	Args []string
}

// Postgres is a running cluster, reachable as superuser "postgres" without
// a password on 127.0.0.1:Port.
type Postgres struct {
	Dir  string
	Port int
	proc *process
}

// URL returns a connection URL for database db.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// StartPostgres initialises (if needed) and starts a cluster in opts.Dir.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	bin, err := postgresBinDir(ctx, opts.Install, opts.Log)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	cred, uid, gid, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("postgres data dir: %w", err)
	}
	if cred != nil {
		if err := os.Chown(opts.Dir, uid, gid); err != nil {
			return nil, fmt.Errorf("postgres data dir: chown to postgres: %w", err)
		}
		if err := os.Chmod(opts.Dir, 0o700); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", opts.Dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			as := ""
			if cred != nil {
				as = " (as user postgres)"
			}
			return nil, fmt.Errorf("initdb -D %s%s: %w: %s", opts.Dir, as, err, lastLines(out, 3))
		}
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		// TCP only: no Unix socket, whose path is limited to about 100
		// bytes (a long data directory would make the server refuse to start).
		"-D", opts.Dir, "-p", strconv.Itoa(opts.Port), "-c", "unix_socket_directories=",
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=400",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=256MB",
		"-c", "log_min_messages=warning")
	cmd.Args = append(cmd.Args, opts.Args...)
	cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
	proc, err := startProcess("postgres", cmd, cred)
	if err != nil {
		return nil, err
	}
	pg := &Postgres{Dir: opts.Dir, Port: opts.Port, proc: proc}
	err = waitFor(ctx, proc, 60*time.Second, func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, pg.URL("postgres"))
		if err != nil {
			return err
		}
		return conn.Close(ctx)
	})
	if err != nil {
		pg.Stop()
		return nil, err
	}
	return pg, nil
}

// CreateDatabase creates database name (if missing).
func (p *Postgres) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// PID is the postmaster's process id.
func (p *Postgres) PID() int { return p.proc.PID() }

// Stop shuts the cluster down (fast shutdown) and returns once the
// postmaster has exited, which it does after all its children have: only
// then may the data directory be removed. A cluster that does not stop
// within 30s is killed, with its children.
func (p *Postgres) Stop() {
	if p != nil {
		p.proc.Stop(syscall.SIGINT, 30*time.Second)
	}
}

// Restart stops and starts the same cluster (for reliability tests).
func (p *Postgres) Restart(ctx context.Context) error {
	p.Stop()
	np, err := StartPostgres(ctx, PostgresOptions{Dir: p.Dir, Port: p.Port})
	if err != nil {
		return err
	}
	p.proc = np.proc
	return nil
}

// ClusterDir returns the directory that holds the cluster kept for the data
// directory dataDir (which must exist), and a line to tell the user when it
// is not dataDir/postgres.
//
// PostgreSQL refuses to run as root. When Gatehouse runs as root, the
// cluster therefore runs as the "postgres" user, in dataDir/postgres owned
// by postgres (mode 0700, as PostgreSQL requires), and postgres must be able
// to search every directory on the way there. dataDir is the user's, of any
// mode (`mktemp -d` makes 0700), so it gets the one search bit postgres
// lacks (for a root-owned directory, o+x: others may then enter it by exact
// name but still not list it). Its ancestors are not ours to change: when
// one of them is closed to postgres (a data directory under /root, say),
// the cluster is relocated to postgres's home directory, under a name
// derived from dataDir's path, so that it is still kept between runs.
func ClusterDir(dataDir string) (dir, note string, err error) {
	abs, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		return "", "", err
	}
	abs, err = filepath.Abs(abs)
	if err != nil {
		return "", "", err
	}
	if os.Geteuid() != 0 {
		return filepath.Join(abs, "postgres"), "", nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return "", "", errRootNoPostgresUser
	}
	uid, _ := strconv.Atoi(u.Uid)
	gids := map[int]bool{}
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			n, _ := strconv.Atoi(g)
			gids[n] = true
		}
	}
	gid, _ := strconv.Atoi(u.Gid)
	gids[gid] = true
	if err := letSearch(abs, uid, gids); err != nil {
		return "", "", fmt.Errorf("data directory %s: %w", abs, err)
	}
	blocker, mode := unsearchable(abs, uid, gids)
	if blocker == "" {
		return filepath.Join(abs, "postgres"), "", nil
	}
	home := u.HomeDir
	homeBlocker, _ := unsearchable(home, uid, gids)
	if st, err := os.Stat(home); err != nil || !st.IsDir() || homeBlocker != "" {
		return "", "", fmt.Errorf("PostgreSQL runs as user postgres (Gatehouse runs as root), which cannot enter %s (mode %04o) on the way to %s, nor use its home directory %q: choose a data directory it can reach (e.g. under /var/tmp) or run as a normal user", blocker, mode, abs, home)
	}
	sum := sha256.Sum256([]byte(abs))
	dir = filepath.Join(home, "gatehouse-dev", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", "", err
	}
	note = fmt.Sprintf("PostgreSQL runs as user postgres, which cannot enter %s (mode %04o): the cluster of %s lives in %s", blocker, mode, abs, dir)
	return dir, note, nil
}

// searchBit is the permission bit that lets uid (with groups gids) search a
// directory with this owner and group: POSIX uses the owner's bits for the
// owner, else the group's for a member, else the others'.
func searchBit(st os.FileInfo, uid int, gids map[int]bool) os.FileMode {
	sys, ok := st.Sys().(*syscall.Stat_t)
	switch {
	case !ok:
		return 0o001
	case int(sys.Uid) == uid:
		return 0o100
	case gids[int(sys.Gid)]:
		return 0o010
	default:
		return 0o001
	}
}

// letSearch adds to dir the search bit uid lacks, if it lacks one.
func letSearch(dir string, uid int, gids map[int]bool) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	bit := searchBit(st, uid, gids)
	if st.Mode().Perm()&bit != 0 {
		return nil
	}
	return os.Chmod(dir, st.Mode().Perm()|bit)
}

// unsearchable returns the first directory from / down to dir (inclusive)
// that uid cannot search, with its mode; "" when there is none.
func unsearchable(dir string, uid int, gids map[int]bool) (string, os.FileMode) {
	var chain []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		chain = append(chain, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		st, err := os.Stat(chain[i])
		if err != nil {
			return chain[i], 0
		}
		if st.Mode().Perm()&searchBit(st, uid, gids) == 0 {
			return chain[i], st.Mode().Perm()
		}
	}
	return "", 0
}

// lastLines returns the last n non-empty lines of out, joined with " | ".
func lastLines(out []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

var errRootNoPostgresUser = errors.New("running as root, and PostgreSQL refuses root: create a 'postgres' system user (apt-get install postgresql does) or run as a normal user")

// postgresCredential returns the credential to run the server with: the
// "postgres" user when running as root (PostgreSQL refuses root).
func postgresCredential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, errRootNoPostgresUser
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

// postgresBinDir finds initdb and postgres: on PATH, or in Debian's
// /usr/lib/postgresql/<version>/bin; installs them with apt when allowed.
func postgresBinDir(ctx context.Context, install bool, log io.Writer) (string, error) {
	find := func() string {
		if p, err := exec.LookPath("initdb"); err == nil {
			if _, err := exec.LookPath("postgres"); err == nil {
				return filepath.Dir(p)
			}
		}
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		if len(matches) > 0 {
			return filepath.Dir(matches[len(matches)-1])
		}
		return ""
	}
	if dir := find(); dir != "" {
		return dir, nil
	}
	const hint = "PostgreSQL server binaries (initdb, postgres) not found: install them (Debian/Ubuntu: sudo apt-get install -y postgresql) or set DATABASE_URL to an existing server"
	if !install || os.Geteuid() != 0 {
		return "", errors.New(hint)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New(hint)
	}
	if log == nil {
		log = io.Discard
	}
	fmt.Fprintln(log, "installing PostgreSQL server binaries with apt-get ...")
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("apt-get %v: %w (%s)", args, err, hint)
		}
	}
	if dir := find(); dir != "" {
		return dir, nil
	}
	return "", errors.New(hint)
}
