package devstack

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func fakeBinary(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// SpiceDB is found without the Go toolchain: GATEHOUSE_SPICEDB_BIN, or
// spicedb on PATH; when neither is there (and no go to build it), one line
// says what to do.
func TestFindSpiceDBWithoutTheGoToolchain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := fakeBinary(t, t.TempDir(), "spicedb-custom")
	noGo := t.TempDir() // a PATH with neither go nor spicedb
	if p, err := FindSpiceDB(ctx, env(map[string]string{"GATEHOUSE_SPICEDB_BIN": bin, "PATH": noGo})); err != nil || p != bin {
		t.Errorf("GATEHOUSE_SPICEDB_BIN: %q, %v", p, err)
	}
	onPath := t.TempDir()
	want := fakeBinary(t, onPath, "spicedb")
	if p, err := FindSpiceDB(ctx, env(map[string]string{"PATH": noGo + string(os.PathListSeparator) + onPath})); err != nil || p != want {
		t.Errorf("spicedb on PATH: %q, %v", p, err)
	}
	// A directory or a file without the executable bit is not a binary.
	if err := os.WriteFile(filepath.Join(noGo, "spicedb"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := FindSpiceDB(ctx, env(map[string]string{"PATH": noGo}))
	if err == nil {
		t.Fatal("found a spicedb where there is none")
	}
	msg := err.Error()
	for _, w := range []string{"spicedb not found", "PATH", "GATEHOUSE_SPICEDB_BIN", "SPICEDB_ENDPOINT", PinnedSpiceDB} {
		if !strings.Contains(msg, w) {
			t.Errorf("the error does not name %s: %s", w, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("the error is not one line: %q", msg)
	}
	_, err = FindSpiceDB(ctx, env(map[string]string{"GATEHOUSE_SPICEDB_BIN": filepath.Join(noGo, "missing"), "PATH": onPath}))
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_SPICEDB_BIN="+filepath.Join(noGo, "missing")+": no such file") {
		t.Errorf("a missing GATEHOUSE_SPICEDB_BIN: %v", err)
	}
}

// PinnedSpiceDB is the version go.mod requires.
func TestPinnedSpiceDBIsGoMods(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/authzed/spicedb (v\S+)`).FindSubmatch(raw)
	if m == nil || string(m[1]) != PinnedSpiceDB {
		t.Fatalf("go.mod requires spicedb %s, PinnedSpiceDB is %s", m, PinnedSpiceDB)
	}
}
