package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

var keyColumns = output.Cols("ID", "id", "NAME", "name", "ROLE", "role", "PREFIX", "prefix", "LAST_FOUR", "last_four",
	"EXPIRES_AT", "expires_at", "REVOKED_AT", "revoked_at", "LAST_USED_AT", "last_used_at")

var serviceColumns = output.Cols("ID", "id", "NAME", "name", "PREFIX", "prefix", "LAST_FOUR", "last_four",
	"REVOKED_AT", "revoked_at", "LAST_USED_AT", "last_used_at")

// emitSecret prints a created credential; its secret `key` is shown this
// once (the API never shows it again).
func (g *globals) emitSecret(raw json.RawMessage, first ...string) error {
	if g.format() == outputJSON {
		return output.JSON(g.stdout, raw)
	}
	o, err := output.Decode(raw)
	if err != nil {
		return err
	}
	if err := output.Fields(g.stdout, o, first, "key"); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nkey: %s\n(the secret is shown this once: store it now)\n", o.Str("key"))
	return nil
}

func (g *globals) keysCmd() *cobra.Command {
	var workspace string
	base := func() (string, error) {
		if workspace == "" {
			return "", usagef("--workspace WORKSPACE_ID is required")
		}
		return "/v1/workspaces/" + pathID(workspace) + "/api-keys", nil
	}
	var pg paging
	list := addPaging(g.leaf("list", "List a workspace's API keys (never their secrets)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			return g.list(cmd, path, url.Values{}, pg, keyColumns)
		}), &pg)

	var name, role, expiresAt string
	var expiresIn time.Duration
	create := g.leaf("create --name NAME [--role ROLE]", "Create an API key: prints its secret once", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("--name is required")
			}
			body := map[string]string{"name": name, "role": role}
			switch {
			case expiresAt != "" && expiresIn != 0:
				return usagef("give --expires-at or --expires-in, not both")
			case expiresAt != "":
				t, err := time.Parse(time.RFC3339, expiresAt)
				if err != nil {
					return usagef("--expires-at must be an RFC 3339 time, e.g. 2030-01-02T15:04:05Z")
				}
				body["expires_at"] = t.Format(time.RFC3339)
			case expiresIn < 0:
				return usagef("--expires-in must be positive")
			case expiresIn > 0:
				body["expires_at"] = time.Now().Add(expiresIn).UTC().Format(time.RFC3339)
			}
			raw, err := g.call(cmd, http.MethodPost, path, body)
			if err != nil {
				return err
			}
			return g.emitSecret(raw, "id", "name", "role", "workspace_id", "prefix", "expires_at")
		})
	create.Flags().StringVar(&name, "name", "", "the key's name")
	create.Flags().StringVar(&role, "role", "member", "the key's workspace role: admin or member")
	create.Flags().StringVar(&expiresAt, "expires-at", "", "expiry, RFC 3339")
	create.Flags().DurationVar(&expiresIn, "expires-in", 0, "expiry from now, e.g. 720h")

	revoke := g.leaf("revoke KEY_ID", "Revoke an API key", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			raw, err := g.call(cmd, http.MethodDelete, path+"/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitDone(raw, "revoked API key "+args[0])
		})

	c := g.family("keys", "Workspace API keys (--workspace ID): list, create, revoke", []string{"api-keys", "key"}, list, create, revoke)
	c.PersistentFlags().StringVarP(&workspace, "workspace", "w", "", "the workspace's id")
	return c
}

func (g *globals) servicesCmd() *cobra.Command {
	var pg paging
	list := addPaging(g.leaf("list", "List the tenant's service credentials (never their secrets)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			return g.list(cmd, "/v1/service-credentials", url.Values{}, pg, serviceColumns)
		}), &pg)
	create := g.leaf("create NAME", "Create a service credential: prints its secret once", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodPost, "/v1/service-credentials", map[string]string{"name": args[0]})
			if err != nil {
				return err
			}
			return g.emitSecret(raw, "id", "name", "prefix")
		})
	revoke := g.leaf("revoke SERVICE_ID", "Revoke a service credential", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodDelete, "/v1/service-credentials/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitDone(raw, "revoked service credential "+args[0])
		})
	return g.family("service-credentials", "Service credentials: list, create, revoke", []string{"services", "service-credential"}, list, create, revoke)
}
