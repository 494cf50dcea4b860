package provision_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/provision"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func importer(t *testing.T, env *testenv.Env) (*provision.Importer, string) {
	t.Helper()
	tenants, err := store.ListTenants(context.Background(), env.Store.Pool, nil, [16]byte{}, 10)
	if err != nil || len(tenants) != 1 {
		t.Fatalf("tenants: %v %v", tenants, err)
	}
	return &provision.Importer{Store: env.Store, Projector: env.Projector, Log: testenv.Logger(t)}, tenants[0].Name
}

func noDrift(t *testing.T, env *testenv.Env) {
	t.Helper()
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !drift.Empty() {
		t.Fatalf("drift after import: %d missing (first %v), %d extra", len(drift.Missing), first(drift.Missing), len(drift.Extra))
	}
}

func first(rels []authz.Rel) any {
	if len(rels) == 0 {
		return nil
	}
	return rels[0]
}

func allowed(t *testing.T, env *testenv.Env, resource authz.Object, permission, userID string) bool {
	t.Helper()
	res, err := env.SpiceDB.CheckPermission(context.Background(), &v1.CheckPermissionRequest{
		Consistency: &v1.Consistency{Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true}},
		Resource:    &v1.ObjectReference{ObjectType: resource.Type, ObjectId: resource.ID},
		Permission:  permission,
		Subject:     &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: userID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Permissionship == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION
}

// A set large enough to take the by-type path (more units than the
// projector diffs one by one): its rows and its whole projection land, the
// members it names may act and others may not.
func TestImportStoresAndProjectsASet(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	existingID, _ := env.User(t, root, "existing@example.com", "member")
	env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": "Existing Group"})
	im, tenant := importer(t, env)

	set := provision.Set{}
	var emails []string
	for i := range 300 {
		e := fmt.Sprintf("user%d@example.com", i)
		emails = append(emails, e)
		set.Users = append(set.Users, provision.User{Email: e, Name: fmt.Sprintf("User %d", i)})
	}
	set.Users[0].Role = "admin"
	set.Groups = []provision.Group{
		{Name: "existing group", Members: append([]string{"existing@example.com"}, emails[:50]...)},
		{Name: "New Group", Members: emails[50:100]},
	}
	set.Workspaces = []provision.Workspace{
		{Name: "Research", Owner: emails[0], Members: []provision.Member{{Email: emails[1], Role: "admin"}, {Email: "existing@example.com"}}},
		{Name: "Ops", Owner: "existing@example.com", Members: []provision.Member{{Email: emails[2]}}},
	}
	res, err := im.Import(context.Background(), tenant, "test", set)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Applied || res.Users != 300 || res.Groups != 1 || res.JoinedGroups != 1 || res.GroupMembers != 101 || res.Workspaces != 2 || res.Members != 5 {
		t.Fatalf("result %+v", res)
	}
	noDrift(t, env)

	users := env.Must(t, 200, "GET", "/v1/users?limit=500", root, nil)
	if n := len(users.Body["items"].([]any)); n != 302 { // root, existing, 300 imported
		t.Fatalf("%d users listed, want 302", n)
	}
	list := env.Must(t, 200, "GET", "/v1/workspaces?limit=100", root, nil).Body["items"].([]any)
	ws := map[string]string{}
	for _, it := range list {
		m := it.(map[string]any)
		ws[m["name"].(string)] = m["id"].(string)
	}
	byEmail := map[string]string{}
	for _, it := range users.Body["items"].([]any) {
		m := it.(map[string]any)
		byEmail[m["email"].(string)] = m["id"].(string)
	}
	research := authz.Object{Type: "workspace", ID: ws["Research"]}
	ops := authz.Object{Type: "workspace", ID: ws["Ops"]}
	for _, c := range []struct {
		ws     authz.Object
		perm   string
		user   string
		expect bool
	}{
		{research, "delete", byEmail[emails[0]], true},          // owner
		{research, "manage_members", byEmail[emails[1]], true},  // admin
		{research, "view_resources", existingID, true},          // member
		{research, "manage_members", existingID, false},         // only a member
		{research, "view_resources", byEmail[emails[2]], false}, // not a member
		{ops, "delete", existingID, true},                       // existing user owns a new workspace
		{ops, "view_resources", byEmail[emails[2]], true},       // member
		{ops, "view_resources", byEmail[emails[3]], false},      // not a member
	} {
		if got := allowed(t, env, c.ws, c.perm, c.user); got != c.expect {
			t.Errorf("%s %s by %s: %v, want %v", c.ws, c.perm, c.user, got, c.expect)
		}
	}
	audit := env.Must(t, 200, "GET", "/v1/audit-logs?action=import", root, nil).Body["items"].([]any)
	if len(audit) != 1 {
		t.Fatalf("audit entries of the import: %v", audit)
	}
}

// Nothing is stored when any item is refused, and every problem is named.
func TestImportRefusesTheWholeSet(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	env.User(t, root, "taken@example.com", "member")
	im, tenant := importer(t, env)
	count := func() int {
		var n int
		if err := env.Store.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM workspaces) + (SELECT count(*) FROM account_groups) + (SELECT count(*) FROM outbox)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	_, err := im.Import(context.Background(), tenant, "test", provision.Set{
		Users: []provision.User{
			{Line: 1, Email: "ok@example.com"},
			{Line: 2, Email: "taken@example.com"},
			{Line: 3, Email: "ok@example.com"},
			{Line: 4, Email: "not an email"},
			{Line: 5, Email: "boss@example.com", Role: "superadmin"},
			{Line: 6, Email: "x@example.com\x00"},
		},
		Groups: []provision.Group{{Line: 7, Name: "g", Members: []string{"nobody@example.com"}}, {Line: 8, Name: "G"}},
		Workspaces: []provision.Workspace{
			{Line: 9, Name: "w"},
			{Line: 10, Name: "w2", Owner: "ok@example.com", Members: []provision.Member{{Email: "ok@example.com"}}},
			{Line: 11, Name: "w3", Owner: "ok@example.com", Members: []provision.Member{{Email: "taken@example.com", Role: "root"}}},
		},
	})
	var inv *provision.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want a refusal, got %v", err)
	}
	if len(inv.Problems) != 10 {
		t.Errorf("want 10 problems (one per line from 2 to 11), got %d:\n%v", len(inv.Problems), err)
	}
	if after := count(); after != before {
		t.Fatalf("rows stored by a refused import: %d before, %d after", before, after)
	}
	if _, err := im.Import(context.Background(), "no such tenant", "test", provision.Set{}); !errors.As(err, &inv) {
		t.Fatalf("unknown tenant: %v", err)
	}
}

// An import whose projection was cut off halfway (some relationships
// imported, the entry not marked applied) is completed by applying its
// entry again: only what is missing is created.
func TestAnInterruptedImportIsCompletedByItsEntry(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	im, tenant := importer(t, env)
	set := provision.Set{}
	for i := range 400 {
		set.Users = append(set.Users, provision.User{Email: fmt.Sprintf("u%d@example.com", i)})
	}
	set.Workspaces = []provision.Workspace{{Name: "w", Owner: "u0@example.com", Members: []provision.Member{{Email: "u1@example.com"}}}}
	if _, err := im.Import(context.Background(), tenant, "test", set); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var id int64
	if err := env.Store.Pool.QueryRow(ctx, `SELECT max(id) FROM outbox`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Cut off: half of the users' relationships gone, the entry pending.
	deleted := 0
	for i := range 200 {
		var uid string
		if err := env.Store.Pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, fmt.Sprintf("u%d@example.com", i)).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		resp, err := env.SpiceDB.DeleteRelationships(ctx, &v1.DeleteRelationshipsRequest{RelationshipFilter: &v1.RelationshipFilter{ResourceType: "user", OptionalResourceId: uid}})
		if err != nil {
			t.Fatal(err)
		}
		deleted += int(resp.RelationshipsDeletedCount)
	}
	if deleted == 0 {
		t.Fatal("the fixture deleted nothing")
	}
	if _, err := env.Store.Pool.Exec(ctx, `UPDATE outbox SET applied_at = NULL WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if drift, err := env.Projector.Reconcile(ctx, false); err != nil || len(drift.Missing) != deleted {
		t.Fatalf("drift before re-apply: %d missing, want %d (%v)", len(drift.Missing), deleted, err)
	}
	if _, err := env.Projector.Apply(ctx, id); err != nil {
		t.Fatal(err)
	}
	noDrift(t, env)
}
