package cli

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

var workspaceColumns = output.Cols("ID", "id", "NAME", "name", "ROLE", "role", "DESCRIPTION", "description")

var workspaceFields = []string{"id", "name", "description", "role", "tenant_id", "created_by", "created_at"}

func (g *globals) workspacesCmd() *cobra.Command {
	var mine bool
	var pg paging
	list := g.leaf("list", "List the workspaces you can see", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			v := url.Values{}
			if mine {
				v.Set("mine", "true")
			}
			return g.list(cmd, "/v1/workspaces", v, pg, workspaceColumns)
		})
	list.Flags().BoolVar(&mine, "mine", false, "only workspaces you are a member of")
	addPaging(list, &pg)

	var description string
	create := g.leaf("create NAME", "Create a workspace (you become its owner)", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			body := map[string]string{"name": args[0]}
			if description != "" {
				body["description"] = description
			}
			raw, err := g.call(cmd, http.MethodPost, "/v1/workspaces", body)
			if err != nil {
				return err
			}
			return g.emitObject(raw, workspaceFields...)
		})
	create.Flags().StringVar(&description, "description", "", "description")

	get := g.leaf("get WORKSPACE_ID", "Show a workspace", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodGet, "/v1/workspaces/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitObject(raw, workspaceFields...)
		})

	del := g.leaf("delete WORKSPACE_ID", "Delete a workspace", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			raw, err := g.call(cmd, http.MethodDelete, "/v1/workspaces/"+pathID(args[0]), nil)
			if err != nil {
				return err
			}
			return g.emitDone(raw, "deleted workspace "+args[0])
		})

	return g.family("workspaces", "Workspaces: list, create, get, delete", []string{"workspace", "ws"}, list, create, get, del)
}

var memberColumns = output.Cols("ID", "id", "USER_ID", "user_id", "GROUP_ID", "group_id", "ROLE", "role", "EFFECTIVE_ROLE", "effective_role")

var memberFields = []string{"id", "workspace_id", "user_id", "group_id", "role"}

func (g *globals) membersCmd() *cobra.Command {
	var workspace string
	base := func() (string, error) {
		if workspace == "" {
			return "", usagef("--workspace WORKSPACE_ID is required")
		}
		return "/v1/workspaces/" + pathID(workspace) + "/members", nil
	}
	var pg paging
	list := g.leaf("list", "List a workspace's direct user and group members", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			return g.list(cmd, path, url.Values{}, pg, memberColumns)
		})
	addPaging(list, &pg)

	var userID, groupID, role string
	add := g.leaf("add (--user USER_ID | --group GROUP_ID) [--role ROLE]", "Add a user or a group to a workspace", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			if (userID == "") == (groupID == "") {
				return usagef("give exactly one of --user or --group")
			}
			body := map[string]string{"role": role}
			if userID != "" {
				body["user_id"] = userID
			} else {
				body["group_id"] = groupID
			}
			raw, err := g.call(cmd, http.MethodPost, path, body)
			if err != nil {
				return err
			}
			return g.emitObject(raw, memberFields...)
		})
	add.Flags().StringVar(&userID, "user", "", "the user's id")
	add.Flags().StringVar(&groupID, "group", "", "the group's id")
	add.Flags().StringVar(&role, "role", "member", "workspace role: owner, admin or member")

	// membership finds the membership id: the argument, or the direct
	// membership of --user / --group.
	var byUser, byGroup string
	membership := func(cmd *cobra.Command, path string, args []string, want int) (string, []string, error) {
		if byUser == "" && byGroup == "" {
			if len(args) != want+1 {
				return "", nil, usagef("give MEMBER_ID (from members list), or --user or --group")
			}
			return args[0], args[1:], nil
		}
		if (byUser != "") == (byGroup != "") || len(args) != want {
			return "", nil, usagef("give MEMBER_ID, or exactly one of --user or --group instead of it")
		}
		page, err := g.fetchList(cmd, path, url.Values{}, paging{all: true})
		if err != nil {
			return "", nil, err
		}
		for _, raw := range page.Items {
			o, err := output.Decode(raw)
			if err != nil {
				return "", nil, err
			}
			if (byUser != "" && o.Str("user_id") == byUser) || (byGroup != "" && o.Str("group_id") == byGroup) {
				return o.Str("id"), args, nil
			}
		}
		return "", nil, fmt.Errorf("no direct membership of %s in workspace %s", byUser+byGroup, workspace)
	}
	memberFlags := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&byUser, "user", "", "the member user's id (instead of MEMBER_ID)")
		c.Flags().StringVar(&byGroup, "group", "", "the member group's id (instead of MEMBER_ID)")
		return c
	}

	setRole := memberFlags(g.leaf("set-role (MEMBER_ID | --user ID | --group ID) ROLE", "Change a membership's role (owner, admin or member)", cobra.RangeArgs(1, 2),
		func(cmd *cobra.Command, args []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			id, rest, err := membership(cmd, path, args, 1)
			if err != nil {
				return err
			}
			raw, err := g.call(cmd, http.MethodPatch, path+"/"+pathID(id), map[string]string{"role": rest[0]})
			if err != nil {
				return err
			}
			return g.emitObject(raw, memberFields...)
		}))

	remove := memberFlags(g.leaf("remove (MEMBER_ID | --user ID | --group ID)", "Remove a membership", cobra.RangeArgs(0, 1),
		func(cmd *cobra.Command, args []string) error {
			path, err := base()
			if err != nil {
				return err
			}
			id, _, err := membership(cmd, path, args, 0)
			if err != nil {
				return err
			}
			raw, err := g.call(cmd, http.MethodDelete, path+"/"+pathID(id), nil)
			if err != nil {
				return err
			}
			return g.emitDone(raw, fmt.Sprintf("removed membership %s from workspace %s", id, workspace))
		}))

	c := g.family("members", "Workspace members (--workspace ID): list, add, set-role, remove", []string{"member"}, list, add, setRole, remove)
	c.PersistentFlags().StringVarP(&workspace, "workspace", "w", "", "the workspace's id")
	return c
}
