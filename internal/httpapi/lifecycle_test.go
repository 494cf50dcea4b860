package httpapi_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

func asRoot(t *testing.T, env *testenv.Env, root, subject, typ, id, permission string) bool {
	t.Helper()
	r := env.Must(t, 200, "POST", "/v1/check", root, map[string]any{
		"subject": map[string]string{"type": "user", "id": subject}, "resource": map[string]string{"type": typ, "id": id}, "permission": permission,
	})
	return r.Body["allowed"] == true
}

// invited → active → disabled (sessions end, checks deny at once,
// memberships kept) → enabled (memberships back) → deleted (email free,
// relationships gone).
func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	tenant := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("tenant_id")
	_, owner := env.User(t, root, "owner@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "life"}).Str("id")

	inv := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "bob@example.com", "name": "Bob", "global_role": "member"})
	bob := inv.Str("id")
	if inv.Str("status") != "invited" || inv.Str("invitation_url") == "" {
		t.Fatalf("invite: %s", inv.Raw)
	}
	// Invited users can be added to a workspace but hold no relationships.
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"user_id": bob, "role": "admin"})
	if asRoot(t, env, root, bob, "workspace", ws, "view") || asRoot(t, env, root, bob, "tenant", tenant, "view_tenant") {
		t.Fatal("an invited user is allowed something")
	}
	env.Must(t, 401, "POST", "/v1/auth/login", "", map[string]string{"email": "bob@example.com", "password": ""})
	if info := env.Must(t, 200, "GET", "/v1/invitations/accept?token="+url.QueryEscape(inv.Str("invitation_token")), "", nil); info.Str("email") != "bob@example.com" {
		t.Fatalf("invitation info: %s", info.Raw)
	}
	env.Must(t, 422, "GET", "/v1/invitations/accept?token=ghi_unknown", "", nil)
	env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.Str("invitation_token"), "password": "bob-password-1"})
	if r := env.Do(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.Str("invitation_token"), "password": "bob-password-2"}); r.Status != 409 || r.Str("code") != "invitation_used" {
		t.Fatalf("reused invitation: %d %s", r.Status, r.Raw)
	}
	env.Must(t, 409, "GET", "/v1/invitations/accept?token="+url.QueryEscape(inv.Str("invitation_token")), "", nil)
	bobTok := env.Login(t, "bob@example.com", "bob-password-1")
	if !asRoot(t, env, root, bob, "workspace", ws, "manage_members") {
		t.Fatal("active admin member not allowed")
	}

	env.Must(t, 200, "POST", "/v1/users/"+bob+"/disable", root, nil)
	env.Must(t, 401, "GET", "/v1/me", bobTok, nil)
	env.Must(t, 401, "POST", "/v1/auth/login", "", map[string]string{"email": "bob@example.com", "password": "bob-password-1"})
	if asRoot(t, env, root, bob, "workspace", ws, "view") || asRoot(t, env, root, bob, "tenant", tenant, "create_workspace") {
		t.Fatal("a disabled user is allowed something")
	}

	env.Must(t, 200, "POST", "/v1/users/"+bob+"/enable", root, nil)
	if !asRoot(t, env, root, bob, "workspace", ws, "manage_members") {
		t.Fatal("membership did not come back on enable")
	}
	env.Login(t, "bob@example.com", "bob-password-1")

	env.Must(t, 200, "DELETE", "/v1/users/"+bob, root, nil)
	if asRoot(t, env, root, bob, "workspace", ws, "view") {
		t.Fatal("a deleted user is allowed")
	}
	env.Must(t, 404, "POST", "/v1/users/"+bob+"/enable", root, nil)
	if got := env.Must(t, 200, "GET", "/v1/users/"+bob, root, nil).Str("status"); got != "deleted" {
		t.Fatalf("deleted user status %q", got)
	}
	// The email is free again.
	env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "bob@example.com", "name": "Bob again"})
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift after lifecycle: %+v %v", drift, err)
	}
}

func TestLastOwnerAndLastSuperadminAreKept(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	rootID := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("id")
	for _, call := range [][3]string{{"PUT", "/global-role", `{"role":"admin"}`}, {"POST", "/disable", ""}, {"DELETE", "", ""}} {
		var body any
		if call[2] != "" {
			body = call[2]
		}
		r := env.Do(t, call[0], "/v1/users/"+rootID+call[1], root, body)
		if r.Status != 409 || r.Str("code") != "last_superadmin" {
			t.Errorf("%s %s on the last superadmin: %d %s", call[0], call[1], r.Status, r.Raw)
		}
	}
	ownerID, owner := env.User(t, root, "owner@example.com", "member")
	env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "mine"})
	if r := env.Do(t, "DELETE", "/v1/users/"+ownerID, root, nil); r.Status != 409 || r.Str("code") != "last_owner" {
		t.Fatalf("deleting the last owner: %d %s", r.Status, r.Raw)
	}
	// With a second superadmin, the first can step down.
	second, _ := env.User(t, root, "second@example.com", "superadmin")
	_ = second
	env.Must(t, 200, "PUT", "/v1/users/"+rootID+"/global-role", root, map[string]string{"role": "admin"})
}

func TestExpiredInvitationIsRefused(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	inv := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "late@example.com", "name": "Late"})
	if _, err := env.Store.Pool.Exec(context.Background(), `UPDATE invitations SET expires_at = $1 WHERE user_id = $2`, time.Now().Add(-time.Minute), inv.Str("id")); err != nil {
		t.Fatal(err)
	}
	r := env.Do(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.Str("invitation_token"), "password": "long-enough-pw"})
	if r.Status != 409 || r.Str("code") != "invitation_expired" {
		t.Fatalf("expired invitation: %d %s", r.Status, r.Raw)
	}
	re := env.Must(t, 201, "POST", "/v1/users/"+inv.Str("id")+"/invitation", root, nil)
	env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": re.Str("invitation_token"), "password": "long-enough-pw"})
}

// A group's workspace membership follows the group at once.
func TestGroupMembershipTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	carolID, carol := env.User(t, root, "carol@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "g"}).Str("id")
	g := env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": "ml-team"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"group_id": g, "role": "admin"})
	if r := check(t, env, carol, "workspace", ws, "update", nil); r.Body["allowed"] != false {
		t.Fatal("carol allowed before joining the group")
	}
	env.Must(t, 200, "PUT", "/v1/groups/"+g+"/members/"+carolID, root, nil)
	if r := check(t, env, carol, "workspace", ws, "update", nil); r.Body["allowed"] != true {
		t.Fatalf("carol not allowed after joining the group: %s", r.Raw)
	}
	me := env.Must(t, 200, "GET", "/v1/me", carol, nil)
	if wss := me.Body["workspaces"].([]any); len(wss) != 1 || wss[0].(map[string]any)["role"] != "admin" {
		t.Fatalf("/v1/me through a group: %s", me.Raw)
	}
	env.Must(t, 200, "DELETE", "/v1/groups/"+g+"/members/"+carolID, root, nil)
	if r := check(t, env, carol, "workspace", ws, "update", nil); r.Body["allowed"] != false {
		t.Fatal("carol still allowed after leaving the group")
	}
	env.Must(t, 200, "DELETE", "/v1/groups/"+g, root, nil)
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift: %+v %v", drift, err)
	}
}

func TestAuditLogRecordsCallsAndFilters(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, member := env.User(t, root, "m@example.com", "member")
	env.Do(t, "POST", "/v1/groups", member, map[string]string{"name": "nope"})
	env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": "yes"})
	r := env.Must(t, 200, "GET", "/v1/audit-logs?action=group.create", root, nil)
	items := r.Body["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("want a denied and a successful group.create, got %s", r.Raw)
	}
	outcomes := map[any]bool{}
	for _, it := range items {
		e := it.(map[string]any)
		outcomes[e["outcome"]] = true
		if e["request_id"] == "" || e["client_addr"] == "" || e["actor"] == "" {
			t.Errorf("audit entry lacks request id, client or actor: %v", e)
		}
	}
	if !outcomes["denied"] || !outcomes["success"] {
		t.Fatalf("outcomes: %v", outcomes)
	}
	page := env.Must(t, 200, "GET", "/v1/audit-logs?limit=1", root, nil)
	next := page.Str("next_cursor")
	if next == "" {
		t.Fatal("no next cursor")
	}
	page2 := env.Must(t, 200, "GET", "/v1/audit-logs?limit=1&cursor="+next, root, nil)
	if page2.Body["items"].([]any)[0].(map[string]any)["id"] == page.Body["items"].([]any)[0].(map[string]any)["id"] {
		t.Fatal("cursor did not advance")
	}
	env.Must(t, 422, "GET", "/v1/audit-logs?since=yesterday", root, nil)
}
