package deploy_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Every shell block of the README parses (bash -n), and the zed blocks
// run as written: no <placeholder> (a redirection in a shell), a context
// set before the first command that needs one, and nothing that waits at
// a keyring prompt on a headless machine.
func TestREADMEShellBlocksRunAsWritten(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash not found: the README's shell blocks are bash")
	}
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	blocks := regexp.MustCompile("(?ms)^```(?:sh|bash|shell)\n(.*?)^```").FindAllStringSubmatchIndex(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("no shell blocks in the README")
	}
	zedBlocks := 0
	for _, b := range blocks {
		line := strings.Count(readme[:b[0]], "\n") + 1
		body := readme[b[2]:b[3]]
		cmd := exec.Command(bash, "-n")
		cmd.Stdin = strings.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README.md:%d: the shell block does not parse: %v\n%s", line, err, out)
		}
		if !regexp.MustCompile(`(?m)^\s*zed `).MatchString(body) {
			continue
		}
		zedBlocks++
		if ph := regexp.MustCompile(`<[A-Za-z][^>\n]*>`).FindString(body); ph != "" {
			t.Errorf("README.md:%d: zed block has the placeholder %s: use a shell variable", line, ph)
		}
		// The first zed command that talks to SpiceDB comes after a
		// context is set, or carries its own endpoint and token.
		for _, l := range strings.Split(body, "\n") {
			l = strings.TrimSpace(l)
			if !strings.HasPrefix(l, "zed ") || strings.HasPrefix(l, "zed validate ") {
				continue
			}
			if strings.HasPrefix(l, "zed context set ") {
				if !strings.Contains(body[:strings.Index(body, l)], "ZED_KEYRING_PASSWORD") {
					t.Errorf("README.md:%d: `zed context set` without ZED_KEYRING_PASSWORD stops at a keyring prompt on a headless machine", line)
				}
				break
			}
			if !(strings.Contains(l, "--endpoint") && strings.Contains(l, "--token")) && !strings.Contains(readme[:b[0]], "zed context set ") {
				t.Errorf("README.md:%d: %q runs before any `zed context set`", line, l)
			}
			break
		}
	}
	if zedBlocks == 0 {
		t.Error("the README has no zed block")
	}
}
