package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ---------------------------------------------------------------- processes

type proc struct {
	name   string
	cmd    *exec.Cmd
	done   chan struct{}
	stopSg syscall.Signal
}

var (
	procsMu sync.Mutex
	procs   []*proc
)

func startProc(name string, cmd *exec.Cmd, asPostgres bool, stopSignal syscall.Signal) (*proc, error) {
	f, err := os.Create(filepath.Join(outDir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if asPostgres {
		uid, gid, err := pgIDs()
		if err != nil {
			return nil, err
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), stopSg: stopSignal}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	procsMu.Lock()
	procs = append(procs, p)
	procsMu.Unlock()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.pid(), p.stopSg)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

// stopAll stops every process this program started, newest first (so
// PostgreSQL, started first, stops last).
func stopAll() {
	procsMu.Lock()
	ps := append([]*proc{}, procs...)
	procs = nil
	procsMu.Unlock()
	if len(ps) == 0 {
		return
	}
	// Everything but PostgreSQL (the first) at once, then PostgreSQL.
	var wg sync.WaitGroup
	for _, p := range ps[1:] {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
	ps[0].stop()
}

// killAll sends SIGKILL to every process group still registered.
func killAll() {
	procsMu.Lock()
	defer procsMu.Unlock()
	for _, p := range procs {
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	}
}

func pgIDs() (int, int, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("user postgres: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid, nil
}

func waitUntil(ctx context.Context, what string, p *proc, limit time.Duration, ok func(context.Context) error) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if p != nil {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited early; see %s", what, filepath.Join(outDir, p.name+".log"))
			default:
			}
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = ok(cctx)
		cancel()
		if last == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s: %v", what, limit, last)
}
