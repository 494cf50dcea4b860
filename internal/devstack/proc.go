package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is a child process that is killed when Gatehouse dies
// (Pdeathsig) and stopped gracefully by Stop.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProcess(name string, cmd *exec.Cmd, cred *syscall.Credential) (*process, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Pdeathsig:  syscall.SIGKILL,
		Setpgid:    true, // Ctrl-C in the terminal reaches Gatehouse only; it stops children in order
		Credential: cred,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the operating-system process id.
func (p *process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends sig, waits up to grace for the process to end, then kills its
// whole process group (the process leads one, see startProcess), so that
// no child of it (PostgreSQL's backends) outlives it either.
func (p *process) Stop(sig os.Signal, grace time.Duration) {
	if p == nil || p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitFor polls ready until it returns nil, the process exits, or ctx ends.
func waitFor(ctx context.Context, p *process, timeout time.Duration, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	backoff := 20 * time.Millisecond
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v (last probe: %v)", p.name, p.err, err)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w", p.name, timeout, errors.Join(ctx.Err(), err))
		case <-time.After(backoff):
		}
		if backoff < 200*time.Millisecond {
			backoff *= 2
		}
	}
}

// FreePort asks the kernel for an unused loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
