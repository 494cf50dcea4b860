package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/cli/output"
)

func (g *globals) loginCmd() *cobra.Command {
	var apiURL, email, password, token, tenant string
	var passwordStdin bool
	c := g.leaf("login --url URL", "Log in and store a profile (email and password, or --token for an API key or service credential)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			name := g.profileName()
			if err := validProfileName(name); err != nil {
				return err
			}
			apiURL = strings.TrimRight(strings.TrimSpace(apiURL), "/")
			if apiURL == "" {
				return usagef("--url is required (the Gatehouse API, e.g. http://127.0.0.1:8080)")
			}
			if !strings.HasPrefix(apiURL, "http://") && !strings.HasPrefix(apiURL, "https://") {
				return usagef("--url must start with http:// or https://, not %q", apiURL)
			}
			if token != "" && (email != "" || password != "" || passwordStdin) {
				return usagef("give either --token or an email and password, not both")
			}
			if token != "" {
				return g.loginToken(cmd, name, apiURL, token)
			}
			if email == "" {
				line, err := g.prompt("Email: ")
				if err != nil {
					return err
				}
				email = line
			}
			switch {
			case passwordStdin:
				line, err := g.readLine()
				if err != nil {
					return fmt.Errorf("read the password from stdin: %w", err)
				}
				password = line
			case password == "":
				p, err := g.promptPassword("Password: ")
				if err != nil {
					return err
				}
				password = p
			}
			if email == "" || password == "" {
				return usagef("an email and a password are needed (or --token)")
			}
			body := map[string]string{"email": email, "password": password}
			if tenant != "" {
				body["tenant"] = tenant
			}
			var out struct {
				Token     string `json:"token"`
				ExpiresAt string `json:"expires_at"`
				User      struct {
					ID       string `json:"id"`
					Email    string `json:"email"`
					TenantID string `json:"tenant_id"`
				} `json:"user"`
			}
			if err := client.New(apiURL, "").Do(cmd.Context(), http.MethodPost, "/v1/auth/login", body, &out); err != nil {
				return err
			}
			if out.Token == "" {
				return errors.New("the API answered the login without a token")
			}
			p := Profile{URL: apiURL, Token: out.Token, Kind: "session", Email: out.User.Email, UserID: out.User.ID, Tenant: out.User.TenantID, ExpiresAt: out.ExpiresAt}
			return g.storeLogin(name, p)
		})
	f := c.Flags()
	f.StringVar(&apiURL, "url", "", "the Gatehouse API's base URL")
	f.StringVar(&email, "email", "", "email (prompted when missing)")
	f.StringVar(&password, "password", "", "password (prompted when missing; prefer --password-stdin in scripts)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.StringVar(&tenant, "tenant", "", "tenant id or name, when the email has accounts in several tenants")
	f.StringVar(&token, "token", "", "store this API key or service credential instead of logging in")
	return g.top(c)
}

// loginToken stores an API key or service credential after checking that
// the API accepts it.
func (g *globals) loginToken(cmd *cobra.Command, name, apiURL, token string) error {
	p := Profile{URL: apiURL, Token: token, Kind: "token"}
	var me struct {
		ID       string `json:"id"`
		Email    string `json:"email"`
		TenantID string `json:"tenant_id"`
	}
	err := client.New(apiURL, token).Do(cmd.Context(), http.MethodGet, "/v1/me", nil, &me)
	var ae *client.Error
	switch {
	case err == nil:
		p.Email, p.UserID, p.Tenant = me.Email, me.ID, me.TenantID
	case errors.As(err, &ae) && ae.Status != http.StatusUnauthorized:
		// The credential authenticates but has no profile (a service
		// credential): keep it.
	default:
		return err
	}
	return g.storeLogin(name, p)
}

func (g *globals) storeLogin(name string, p Profile) error {
	path, err := saveProfile(g.getenv, name, p)
	if err != nil {
		return err
	}
	if g.format() == outputJSON {
		raw, _ := json.Marshal(map[string]string{"profile": name, "url": p.URL, "kind": p.Kind, "email": p.Email, "user_id": p.UserID, "tenant_id": p.Tenant, "expires_at": p.ExpiresAt, "file": path})
		return output.JSON(g.stdout, raw)
	}
	who := p.Email
	if who == "" {
		who = "a " + p.Kind
	}
	fmt.Fprintf(g.stdout, "logged in to %s as %s (profile %q, stored in %s)\n", p.URL, who, name, path)
	return nil
}

func (g *globals) logoutCmd() *cobra.Command {
	c := g.leaf("logout", "End the profile's session and remove the profile", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			name := g.profileName()
			if err := validProfileName(name); err != nil {
				return err
			}
			f, _, err := readProfiles(g.getenv)
			if err != nil {
				return err
			}
			p, ok := f.Profiles[name]
			if !ok {
				return fmt.Errorf("no profile %q (profiles: %s)", name, strings.Join(profileNames(f), ", "))
			}
			if p.Kind == "session" {
				err := client.New(p.URL, p.Token).Do(cmd.Context(), http.MethodPost, "/v1/auth/logout", nil, nil)
				var ae *client.Error
				if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusUnauthorized) {
					return fmt.Errorf("logout: %s (the profile is kept; retry, or remove it from the profiles file)", message(err))
				}
			}
			if _, err := removeProfile(g.getenv, name); err != nil {
				return err
			}
			return g.emitDone(json.RawMessage(fmt.Sprintf(`{"profile":%q,"logged_out":true}`, name)), fmt.Sprintf("logged out (profile %q removed)", name))
		})
	return g.top(c)
}

func (g *globals) reader() *bufio.Reader {
	if g.in == nil {
		g.in = bufio.NewReader(g.stdin)
	}
	return g.in
}

func (g *globals) readLine() (string, error) {
	line, err := g.reader().ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (g *globals) prompt(label string) (string, error) {
	fmt.Fprint(g.stderr, label)
	line, err := g.readLine()
	if err != nil {
		return "", fmt.Errorf("read %s: %w", strings.TrimSuffix(strings.ToLower(label), ": "), err)
	}
	return strings.TrimSpace(line), nil
}

func (g *globals) promptPassword(label string) (string, error) {
	if f, ok := g.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(g.stderr, label)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(b), nil
	}
	return g.prompt(label)
}
