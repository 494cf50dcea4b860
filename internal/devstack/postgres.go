package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
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
			return nil, fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", opts.Dir, "-p", strconv.Itoa(opts.Port), "-k", opts.Dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=400",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=256MB",
		"-c", "log_min_messages=warning")
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

// Stop shuts the cluster down (fast shutdown).
func (p *Postgres) Stop() {
	if p != nil {
		p.proc.Stop(syscall.SIGINT, 15*time.Second)
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

// postgresCredential returns the credential to run the server with: the
// "postgres" user when running as root (PostgreSQL refuses root).
func postgresCredential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, errors.New("running as root, and PostgreSQL refuses root: create a 'postgres' system user (apt-get install postgresql does) or run as a normal user")
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
