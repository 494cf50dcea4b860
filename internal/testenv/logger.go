package testenv

import (
	"bytes"
	"log/slog"
	"os"
	"sync"
	"testing"
)

// logKeep bounds what a test keeps of Gatehouse's log (the newest bytes).
const logKeep = 64 << 10

// Logger returns a logger for the Gatehouse of one test: its warnings and
// errors are printed into the test's output when the test fails (and as
// they happen with -v), so a failed run shows what Gatehouse saw (a
// dependency that refused, a write left pending) without a rerun.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	tail := &tailBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			if s := tail.String(); s != "" {
				t.Logf("--- Gatehouse log, warnings and errors (newest %d KiB):\n%s", logKeep>>10, s)
			}
		}
	})
	return slog.New(slog.NewTextHandler(tail, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// tailBuffer keeps the newest logKeep bytes written to it. Writes may come
// after the test ended (a background loop stopping): they only fill the
// buffer, never the test's log.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - logKeep; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
