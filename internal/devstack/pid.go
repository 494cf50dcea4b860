package devstack

// PID returns the process id of the running SpiceDB (0 when it is not
// running), for fault tests that signal it themselves (SIGSTOP, SIGCONT).
func (s *SpiceDB) PID() int {
	if s == nil || s.proc == nil || s.proc.Exited() {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// PID returns the process id of the postmaster (0 when it is not running).
func (p *Postgres) PID() int {
	if p == nil || p.proc == nil || p.proc.Exited() {
		return 0
	}
	return p.proc.cmd.Process.Pid
}
