package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/iam/provision"
)

// importLine is one line of an import file: exactly one of its fields.
type importLine struct {
	User *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	} `json:"user"`
	Group *struct {
		Name    string   `json:"name"`
		Members []string `json:"members"`
	} `json:"group"`
	Workspace *struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Owner       string `json:"owner"`
		Members     []struct {
			Email string `json:"email"`
			Role  string `json:"role"`
		} `json:"members"`
	} `json:"workspace"`
}

const importHelp = `Provision users, account groups and workspaces of one tenant in bulk, from
JSON Lines (a file, or - for standard input), one object per line:

  {"user": {"email": "ada@example.com", "name": "Ada", "role": "member"}}
  {"group": {"name": "engineering", "members": ["ada@example.com"]}}
  {"workspace": {"name": "research", "owner": "ada@example.com",
                 "members": [{"email": "bob@example.com", "role": "admin"}]}}

Users are created active, without a password (they sign in with SSO); role
is admin or member (default member). A group that exists is joined; members
and owners are emails of users of the file or of the tenant. Everything is
stored in one transaction, or nothing is: every problem is reported with its
line. The relationships are then bulk-imported into SpiceDB (if SpiceDB is
unreachable they are applied when it returns, like any pending write).`

func importCommand(ctx context.Context, withStack func(func(config.Config, *Stack) error) error, stdout io.Writer) *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Provision users, groups and workspaces of a tenant in bulk from JSON Lines",
		Long:  importHelp,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(c, "gatehouse import takes one file (or - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if tenant == "" {
				return usageError(cmd, "--tenant is required")
			}
			in := io.Reader(os.Stdin)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			set, err := readImport(in)
			if err != nil {
				return err
			}
			return withStack(func(_ config.Config, st *Stack) error {
				if err := st.checkMigrated(ctx); err != nil {
					return err
				}
				im := provision.Importer{Store: st.Store, Projector: st.Projector, Log: st.Log}
				res, err := im.Import(ctx, tenant, "operator:gatehouse-import", set)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "imported into %s: %d users, %d groups (%d joined), %d group memberships, %d workspaces, %d workspace memberships; stored in %s\n",
					tenant, res.Users, res.Groups, res.JoinedGroups, res.GroupMembers, res.Workspaces, res.Members, res.Stored.Round(1e6))
				if res.Applied {
					fmt.Fprintf(stdout, "projected into SpiceDB in %s\n", res.Projected.Round(1e6))
				} else {
					fmt.Fprintf(stdout, "stored; the projection into SpiceDB is pending (the relay applies it when it can): %v\n", res.Pending)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "name of the tenant to import into (required)")
	return cmd
}

// readImport parses an import file; every malformed line is reported.
func readImport(r io.Reader) (provision.Set, error) {
	var set provision.Set
	var problems []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 || raw[0] == '#' {
			continue
		}
		if len(set.Users)+len(set.Groups)+len(set.Workspaces) >= provision.MaxItems {
			return set, fmt.Errorf("line %d: more than %d items in one import", n, provision.MaxItems)
		}
		var l importLine
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", n, err))
			continue
		}
		if dec.More() {
			problems = append(problems, fmt.Sprintf("line %d: one JSON object per line", n))
			continue
		}
		count := 0
		if l.User != nil {
			count++
			set.Users = append(set.Users, provision.User{Line: n, Email: l.User.Email, Name: l.User.Name, Role: l.User.Role})
		}
		if l.Group != nil {
			count++
			set.Groups = append(set.Groups, provision.Group{Line: n, Name: l.Group.Name, Members: l.Group.Members})
		}
		if l.Workspace != nil {
			count++
			w := provision.Workspace{Line: n, Name: l.Workspace.Name, Description: l.Workspace.Description, Owner: l.Workspace.Owner}
			for _, m := range l.Workspace.Members {
				w.Members = append(w.Members, provision.Member{Email: m.Email, Role: m.Role})
			}
			set.Workspaces = append(set.Workspaces, w)
		}
		if count != 1 {
			problems = append(problems, fmt.Sprintf("line %d: exactly one of \"user\", \"group\" or \"workspace\" is expected", n))
		}
	}
	if err := sc.Err(); err != nil {
		return set, fmt.Errorf("line %d: %w", n+1, err)
	}
	if len(problems) > 0 {
		return set, &provision.Invalid{Problems: problems}
	}
	return set, nil
}
