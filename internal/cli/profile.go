package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// Profile is one stored login.
type Profile struct {
	URL string `json:"url"`
	// Token is the bearer token: a session token (Kind "session") or an
	// API key or service credential (Kind "token").
	Token     string `json:"token"`
	Kind      string `json:"kind"`
	Email     string `json:"email,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	Tenant    string `json:"tenant,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// profilesFile is the stored file: every profile by name.
type profilesFile struct {
	Profiles map[string]Profile `json:"profiles"`
}

const profilesFileName = "profiles.json"

var profileNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ConfigDir is where profiles live: $XDG_CONFIG_HOME/gatehouse, or
// ~/.config/gatehouse.
func ConfigDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "gatehouse"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find the configuration directory: set XDG_CONFIG_HOME or HOME")
		}
		home = h
	}
	return filepath.Join(home, ".config", "gatehouse"), nil
}

// ProfilesPath is the file holding the profiles.
func ProfilesPath(getenv func(string) string) (string, error) {
	dir, err := ConfigDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, profilesFileName), nil
}

func readProfiles(getenv func(string) string) (profilesFile, string, error) {
	path, err := ProfilesPath(getenv)
	if err != nil {
		return profilesFile{}, "", err
	}
	f := profilesFile{Profiles: map[string]Profile{}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, path, nil
	}
	if err != nil {
		return f, path, fmt.Errorf("read profiles: %w", err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, path, fmt.Errorf("%s is not a Gatehouse profiles file (%v): fix or remove it", path, err)
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Profile{}
	}
	return f, path, nil
}

// writeProfiles replaces the file atomically, readable by its owner only.
func writeProfiles(path string, f profilesFile) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".profiles-*.json")
	if err != nil {
		return fmt.Errorf("write profiles: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write profiles: %w", err)
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write profiles: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write profiles: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write profiles: %w", err)
	}
	return nil
}

func validProfileName(name string) error {
	if !profileNameRE.MatchString(name) {
		return usagef("profile name %q: use letters, digits, '.', '_' or '-' (at most 64)", name)
	}
	return nil
}

func loadProfile(getenv func(string) string, name string) (Profile, error) {
	if err := validProfileName(name); err != nil {
		return Profile{}, err
	}
	f, _, err := readProfiles(getenv)
	if err != nil {
		return Profile{}, err
	}
	p, ok := f.Profiles[name]
	if !ok || p.Token == "" || p.URL == "" {
		return Profile{}, fmt.Errorf("not logged in (profile %q): run `gatehouse login --url URL --profile %s`", name, name)
	}
	return p, nil
}

func saveProfile(getenv func(string) string, name string, p Profile) (string, error) {
	f, path, err := readProfiles(getenv)
	if err != nil {
		return "", err
	}
	f.Profiles[name] = p
	return path, writeProfiles(path, f)
}

// removeProfile deletes a profile; it reports whether one existed.
func removeProfile(getenv func(string) string, name string) (bool, error) {
	f, path, err := readProfiles(getenv)
	if err != nil {
		return false, err
	}
	if _, ok := f.Profiles[name]; !ok {
		return false, nil
	}
	delete(f.Profiles, name)
	return true, writeProfiles(path, f)
}

func profileNames(f profilesFile) []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
