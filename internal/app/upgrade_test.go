package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

// beforeHolder is the schema of the release before workspace#holder: its
// permissions read the five role relations themselves.
func beforeHolder(t *testing.T) string {
	t.Helper()
	old := schema.Text
	for _, r := range []struct{ from, to string }{
		{"\trelation holder: user | group#member | apikey | apikey with expiration\n", ""},
		{"permission role_member = holder\n", "permission role_member = owner + admin + member + key_admin + key_member\n"},
		{"permission invoke = tenant->super_admin + holder\n", "permission invoke = tenant->super_admin + owner + admin + member + key_admin + key_member\n"},
	} {
		if !strings.Contains(old, r.from) {
			t.Fatalf("schema.Text no longer holds %q: update this test", r.from)
		}
		old = strings.Replace(old, r.from, r.to, 1)
	}
	return old
}

// The transition schema keeps the current permissions and adds the
// relations the next schema adds; a schema that adds none needs none.
func TestTransitionSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	text, types, err := authz.TransitionSchema(ctx, beforeHolder(t), schema.Text)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(types, []string{"workspace"}) {
		t.Fatalf("types that gained relations: %v", types)
	}
	for _, want := range []string{"relation holder: user | group#member | apikey | apikey with expiration", "permission role_member = owner + admin + member + key_admin + key_member", "use expiration"} {
		if !strings.Contains(text, want) {
			t.Errorf("the transition schema lacks %q:\n%s", want, text)
		}
	}
	if text, types, err := authz.TransitionSchema(ctx, schema.Text, schema.Text); err != nil || types != nil || text != "" {
		t.Fatalf("the same schema: %v %v %q", err, types, text)
	}
	// A relation both hold takes next's allowed types; a new definition
	// comes with its relations only.
	cur := "definition user {}\ndefinition group {\n\trelation member: user\n}\ndefinition doc {\n\trelation reader: user\n\tpermission read = reader\n}"
	next := "definition user {}\ndefinition group {\n\trelation member: user\n}\ndefinition doc {\n\trelation reader: user | group#member\n\tpermission read = reader\n}\ndefinition folder {\n\trelation doc: doc\n\tpermission read = doc->read\n}"
	text, types, err = authz.TransitionSchema(ctx, cur, next)
	if err != nil || !slices.Equal(types, []string{"doc", "folder"}) || !strings.Contains(text, "relation reader: user | group#member") || strings.Contains(text, "doc->read") {
		t.Fatalf("widening: %v %v\n%s", err, types, text)
	}
}

// An upgrade whose schema adds a relation its permissions read: migrate
// fills it from the existing facts before those permissions take over, so
// a member keeps access across the upgrade and SpiceDB ends equal to the
// projection; also when an earlier migrate stopped right after writing the
// transition schema (it had not filled anything yet).
func TestMigrateFillsTheRelationsASchemaAdds(t *testing.T) {
	t.Parallel()
	transition, _, err := authz.TransitionSchema(context.Background(), beforeHolder(t), schema.Text)
	if err != nil {
		t.Fatal(err)
	}
	for name, before := range map[string]string{"from the release before": beforeHolder(t), "after a stopped transition": transition} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			migrateFrom(t, before)
		})
	}
}

func migrateFrom(t *testing.T, before string) {
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	bob, _ := env.User(t, root, "bob@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "upgraded"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": bob, "role": "member"})
	view := func() bool {
		t.Helper()
		r := env.Must(t, 200, "POST", "/v1/check", root, map[string]any{
			"subject": map[string]string{"type": "user", "id": bob}, "resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources",
		})
		return r.Body["allowed"] == true
	}

	// SpiceDB as the release before holder left it: no holders.
	want, err := authz.DesiredAll(ctx, env.Store.Pool, "workspace")
	if err != nil {
		t.Fatal(err)
	}
	var holders []authz.Rel
	for _, r := range want {
		if r.Relation == "holder" {
			holders = append(holders, r)
		}
	}
	if len(holders) == 0 {
		t.Fatal("the projection writes no workspace#holder")
	}
	if err := authz.WriteForTest(ctx, env.SpiceDB, nil, holders); err != nil {
		t.Fatal(err)
	}
	if _, err := authz.WriteSchema(ctx, env.SpiceDB, before); err != nil {
		t.Fatal(err)
	}
	if !view() {
		t.Fatal("before the upgrade: the member cannot view")
	}
	drift, err := env.Projector.Reconcile(ctx, false)
	if err != nil || len(drift.Missing) != len(holders) {
		t.Fatalf("before the upgrade, the holders are missing: %v, %v", err, drift.Missing)
	}

	if err := env.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	noDrift(t, env)
	if !view() {
		t.Fatal("after the upgrade: the member cannot view")
	}
	if got, err := authz.ReadSchema(ctx, env.SpiceDB); err != nil || !strings.Contains(got, "permission role_member = holder") {
		t.Fatalf("after migrate SpiceDB holds another schema (%v)", err)
	}
}

// Applies are classified additive only while SpiceDB holds this release's
// schema: SchemaHeld recognises it as SpiceDB writes it back, and not the
// schema of the release before.
func TestSchemaHeldRecognisesTheSchemaSpiceDBHolds(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Config(t))
	held, err := authz.ReadSchema(t.Context(), env.SpiceDB)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, held string
		want       bool
	}{
		{"as SpiceDB holds it", held, true},
		{"the release before", beforeHolder(t), false},
		{"none", "", false},
	} {
		got, err := authz.SchemaHeld(c.held, schema.Text)
		if err != nil || got != c.want {
			t.Errorf("%s: SchemaHeld = %v (%v), want %v", c.name, got, err, c.want)
		}
	}
}
