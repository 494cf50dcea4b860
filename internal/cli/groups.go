package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

var groupColumns = output.Cols("ID", "id", "NAME", "name", "CREATED_AT", "created_at")

func (g *globals) groupsCmd() *cobra.Command {
	var pg paging
	list := addPaging(g.leaf("list", "List the tenant's groups", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			return g.list(cmd, "/v1/groups", url.Values{}, pg, groupColumns)
		}), &pg)

	create := g.leaf("create NAME", "Create a group", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodPost, "/v1/groups", map[string]string{"name": args[0]})
			if err != nil {
				return err
			}
			return g.emitObject(raw, "id", "name")
		})

	get := g.leaf("get GROUP_ID", "Show a group and its members", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodGet, "/v1/groups/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			if g.format() == outputJSON {
				return output.JSON(g.stdout, raw)
			}
			o, err := output.Decode(raw)
			if err != nil {
				return err
			}
			if err := output.Fields(g.stdout, o, []string{"id", "name", "tenant_id", "created_at"}, "members"); err != nil {
				return err
			}
			ms, _ := o["members"].([]any)
			fmt.Fprintf(g.stdout, "members: %d\n", len(ms))
			if len(ms) == 0 {
				return nil
			}
			items := make([]output.Object, 0, len(ms))
			for _, m := range ms {
				if mo, ok := m.(map[string]any); ok {
					items = append(items, output.Object(mo))
				}
			}
			return output.Table(g.stdout, userColumns, items)
		})

	del := g.leaf("delete GROUP_ID", "Delete a group", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodDelete, "/v1/groups/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitDone(raw, "deleted group "+args[0])
		})

	member := func(use, short, method, done string) *cobra.Command {
		return g.leaf(use+" GROUP_ID USER_ID", short, cobra.ExactArgs(2),
			func(cmd *cobra.Command, args []string) error {
				raw, err := g.call(cmd, method, "/v1/groups/"+pathID(args[0])+"/members/"+pathID(args[1]), nil)
				if err != nil {
					return err
				}
				return g.emitDone(raw, fmt.Sprintf(done, args[1], args[0]))
			})
	}

	return g.family("groups", "Groups: list, create, get, delete, add-member, remove-member", []string{"group"},
		list, create, get, del,
		member("add-member", "Add a user to a group", http.MethodPut, "added user %s to group %s"),
		member("remove-member", "Remove a user from a group", http.MethodDelete, "removed user %s from group %s"),
	)
}

var roleColumns = []output.Column{
	output.Col("ID", "id"), output.Col("NAME", "name"), output.Col("BUILTIN", "builtin"),
	{Header: "PERMISSIONS", Value: func(o output.Object) string {
		ps, _ := o["permissions"].([]any)
		return fmt.Sprint(len(ps))
	}},
	output.Col("DESCRIPTION", "description"),
}

func (g *globals) printRole(raw json.RawMessage) error {
	if g.format() == outputJSON {
		return output.JSON(g.stdout, raw)
	}
	o, err := output.Decode(raw)
	if err != nil {
		return err
	}
	if err := output.Fields(g.stdout, o, []string{"id", "name", "builtin", "description", "tenant_id"}, "permissions"); err != nil {
		return err
	}
	ps, _ := o["permissions"].([]any)
	fmt.Fprintf(g.stdout, "permissions: %d\n", len(ps))
	for _, p := range ps {
		fmt.Fprintf(g.stdout, "  %s\n", output.Cell(p))
	}
	return nil
}

// holder checks an assignment holder: user:ID or group:ID.
func holder(s string) (string, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || (typ != "user" && typ != "group") {
		return "", usagef("the holder must be user:ID or group:ID, not %q", s)
	}
	return s, nil
}

func (g *globals) rolesCmd() *cobra.Command {
	var pg paging
	list := addPaging(g.leaf("list", "List roles: the built-in ones and the tenant's custom roles", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			return g.list(cmd, "/v1/roles", url.Values{}, pg, roleColumns)
		}), &pg)

	get := g.leaf("get ROLE_ID", "Show a role and its permissions", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodGet, "/v1/roles/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.printRole(raw)
		})

	var description string
	var perms []string
	create := g.leaf("create NAME --permission PERMISSION...", "Create a custom role", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			body := map[string]any{"name": args[0], "permissions": append([]string{}, perms...)}
			if description != "" {
				body["description"] = description
			}
			raw, err := g.call(cmd, http.MethodPost, "/v1/roles", body)
			if err != nil {
				return err
			}
			return g.printRole(raw)
		})
	create.Flags().StringVar(&description, "description", "", "description")
	create.Flags().StringArrayVarP(&perms, "permission", "p", nil, `a permission, e.g. "object:*:*:view:allow_all" (repeat for several)`)

	var newName, newDescription string
	var setPerms, addPerms, removePerms []string
	var clearPerms bool
	edit := g.leaf("edit ROLE_ID", "Rename a custom role or change its permissions", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			path := "/v1/roles/" + pathID(args[0])
			patch := map[string]any{}
			if f.Changed("name") {
				patch["name"] = newName
			}
			if f.Changed("description") {
				patch["description"] = newDescription
			}
			if f.Changed("permission") || clearPerms {
				if clearPerms && len(setPerms) > 0 {
					return usagef("give --permission or --clear-permissions, not both")
				}
				patch["permissions"] = append([]string{}, setPerms...)
			}
			if len(patch) == 0 && len(addPerms) == 0 && len(removePerms) == 0 {
				return usagef("nothing to change: give --name, --description, --permission (replaces the set), --clear-permissions, --add or --remove")
			}
			var raw json.RawMessage
			var err error
			if len(patch) > 0 {
				if raw, err = g.call(cmd, http.MethodPatch, path, patch); err != nil {
					return err
				}
			}
			for _, p := range addPerms {
				if raw, err = g.call(cmd, http.MethodPost, path+"/permissions", map[string]string{"permission": p}); err != nil {
					return err
				}
			}
			for _, p := range removePerms {
				if raw, err = g.call(cmd, http.MethodDelete, path+"/permissions/"+pathID(p), nil); err != nil {
					return err
				}
			}
			return g.printRole(raw)
		})
	ef := edit.Flags()
	ef.StringVar(&newName, "name", "", "new name")
	ef.StringVar(&newDescription, "description", "", "new description")
	ef.StringArrayVarP(&setPerms, "permission", "p", nil, "replace the permissions with these (repeat for several)")
	ef.BoolVar(&clearPerms, "clear-permissions", false, "remove every permission")
	ef.StringArrayVar(&addPerms, "add", nil, "add a permission (repeat for several)")
	ef.StringArrayVar(&removePerms, "remove", nil, "remove a permission (repeat for several)")

	del := g.leaf("delete ROLE_ID", "Delete a custom role (and its assignments)", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodDelete, "/v1/roles/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitDone(raw, "deleted role "+args[0])
		})

	assign := func(use, short, method, done string) *cobra.Command {
		return g.leaf(use+" ROLE_ID user:ID|group:ID", short, cobra.ExactArgs(2),
			func(cmd *cobra.Command, args []string) error {
				h, err := holder(args[1])
				if err != nil {
					return err
				}
				raw, err := g.call(cmd, method, "/v1/roles/"+pathID(args[0])+"/assignments/"+pathID(h), nil)
				if err != nil {
					return err
				}
				return g.emitDone(raw, fmt.Sprintf(done, args[0], h))
			})
	}

	return g.family("roles", "Custom roles: list, get, create, edit, delete, assign, unassign", []string{"role"},
		list, get, create, edit, del,
		assign("assign", "Assign a role to a user or a group", http.MethodPut, "assigned role %s to %s"),
		assign("unassign", "Take a role back from a user or a group", http.MethodDelete, "unassigned role %s from %s"),
	)
}

var kindColumns = output.Cols("ID", "id", "NAMESPACE", "namespace", "NAME", "name", "BUILTIN", "builtin")

func (g *globals) kindsCmd() *cobra.Command {
	var pg paging
	list := addPaging(g.leaf("list", "List the tenant's object kinds", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			return g.list(cmd, "/v1/kinds", url.Values{}, pg, kindColumns)
		}), &pg)
	register := g.leaf("register Namespace:Name", "Register an object kind (also: register NAMESPACE NAME)", cobra.RangeArgs(1, 2),
		func(cmd *cobra.Command, args []string) error {
			ns, name := "", ""
			if len(args) == 2 {
				ns, name = args[0], args[1]
			} else {
				var ok bool
				if ns, name, ok = strings.Cut(args[0], ":"); !ok {
					return usagef("the kind must be Namespace:Name, not %q", args[0])
				}
			}
			raw, err := g.call(cmd, http.MethodPost, "/v1/kinds", map[string]string{"namespace": ns, "name": name})
			if err != nil {
				return err
			}
			return g.emitObject(raw, "id", "namespace", "name", "builtin")
		})
	return g.family("kinds", "Object kinds: list, register", []string{"kind"}, list, register)
}
