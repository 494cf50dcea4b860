package cli

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

var userColumns = output.Cols("ID", "id", "EMAIL", "email", "NAME", "name", "ROLE", "global_role", "STATUS", "status")

var userFields = []string{"id", "email", "name", "global_role", "status", "tenant_id"}

func (g *globals) usersCmd() *cobra.Command {
	var q, role, status, tenantID string
	var pg paging
	list := g.leaf("list", "List the tenant's users (--q searches email and name)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			v := url.Values{}
			setIf(v, "q", q)
			setIf(v, "role", role)
			setIf(v, "status", status)
			setIf(v, "tenant_id", tenantID)
			return g.list(cmd, "/v1/users", v, pg, userColumns)
		})
	list.Flags().StringVar(&q, "q", "", "search email and name")
	list.Flags().StringVar(&role, "role", "", "only this global role: superadmin, admin or member")
	list.Flags().StringVar(&status, "status", "", "only this status: invited, active, disabled or deleted")
	list.Flags().StringVar(&tenantID, "tenant-id", "", "another tenant (superadmins)")
	addPaging(list, &pg)

	get := g.leaf("get USER_ID", "Show a user", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodGet, "/v1/users/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitObject(raw, userFields...)
		})

	var name, inviteRole, inviteTenant string
	invite := g.leaf("invite EMAIL", "Invite a user: prints the one-time invitation token and URL", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			n := name
			if n == "" {
				n = args[0]
			}
			body := map[string]string{"email": args[0], "name": n, "global_role": inviteRole}
			if inviteTenant != "" {
				body["tenant_id"] = inviteTenant
			}
			raw, err := g.call(cmd, http.MethodPost, "/v1/users", body)
			if err != nil {
				return err
			}
			return g.emitObject(raw, append(userFields, "invitation_token", "invitation_url", "invitation_expires_at")...)
		})
	invite.Flags().StringVar(&name, "name", "", "display name (default: the email)")
	invite.Flags().StringVar(&inviteRole, "role", "member", "global role: superadmin, admin or member")
	invite.Flags().StringVar(&inviteTenant, "tenant-id", "", "invite into another tenant (superadmins)")

	action := func(use, short, method, suffix, done string) *cobra.Command {
		return g.leaf(use+" USER_ID", short, cobra.ExactArgs(1),
			func(cmd *cobra.Command, args []string) error {
				raw, err := g.call(cmd, method, "/v1/users/"+pathID(args[0])+suffix, nil)
				if err != nil {
					return err
				}
				if done == "" {
					return g.emitObject(raw, userFields...)
				}
				return g.emitDone(raw, fmt.Sprintf(done, args[0]))
			})
	}

	setRole := g.leaf("set-role USER_ID ROLE", "Set a user's global role (superadmin, admin or member)", cobra.ExactArgs(2),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodPut, "/v1/users/"+pathID(args[0])+"/global-role", map[string]string{"role": args[1]})
			if err != nil {
				return err
			}
			return g.emitObject(raw, userFields...)
		})

	return g.family("users", "Users: list, get, invite, disable, enable, delete, set-role", []string{"user"},
		list, get, invite,
		action("disable", "Disable a user (their sessions and keys stop working)", http.MethodPost, "/disable", ""),
		action("enable", "Enable a disabled user", http.MethodPost, "/enable", ""),
		action("delete", "Delete a user", http.MethodDelete, "", "deleted user %s"),
		setRole,
	)
}
