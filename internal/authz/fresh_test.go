package authz_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// A user's new membership is applied without reading the pair back from
// SpiceDB (nothing of it can be there). But when another unapplied entry
// covers the pair (the removal of the user's earlier membership, in the
// same group commit or outside it), the pair is read back and what the
// earlier membership left is deleted: the re-added member is a member, not
// the admin they were.
func TestFreshMembershipSkipsTheReadUnlessAnotherEntryCoversIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	wsID := uuid.MustParse(env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "fresh"}).Str("id"))
	tenant := env.TenantOf(t, wsID)
	ws := authz.Obj("workspace", wsID)
	outbox := func(units ...authz.Unit) int64 {
		t.Helper()
		raw, err := authz.EncodeUnits(units)
		if err != nil {
			t.Fatal(err)
		}
		id, err := store.InsertOutbox(ctx, env.Store.Pool, tenant, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	apply := func(id int64) {
		t.Helper()
		if _, err := env.Projector.Apply(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	join := func(u uuid.UUID, role string) authz.Unit {
		t.Helper()
		if err := store.InsertMember(ctx, env.Store.Pool, tenant, store.Member{ID: uuid.New(), WorkspaceID: wsID, UserID: &u, Role: role}); err != nil {
			t.Fatal(err)
		}
		fresh := authz.Pair(ws, authz.Obj("user", u))
		fresh.Fresh = true
		return fresh
	}
	leave := func(u uuid.UUID) authz.Unit {
		t.Helper()
		if _, err := env.Store.Pool.Exec(ctx, `DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, wsID, u); err != nil {
			t.Fatal(err)
		}
		return authz.Pair(ws, authz.Obj("user", u))
	}
	noDrift := func(when string) {
		t.Helper()
		drift, err := env.Projector.Reconcile(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if !drift.Empty() {
			t.Fatalf("%s: SpiceDB differs from the projection: missing %v, extra %v", when, drift.Missing, drift.Extra)
		}
	}
	user := func(email string) uuid.UUID {
		id, _ := env.User(t, root, email, "member")
		return uuid.MustParse(id)
	}
	alone, grouped, outside := user("alone@example.com"), user("grouped@example.com"), user("outside@example.com")

	// Alone: no read.
	before := env.SpiceDBCallsOf(t, "ReadRelationships")
	apply(outbox(join(alone, "member")))
	if n := env.SpiceDBCallsOf(t, "ReadRelationships") - before; n != 0 {
		t.Errorf("a fresh membership alone was read back from SpiceDB %d times", n)
	}
	noDrift("a fresh membership alone")

	// The earlier membership's removal is in the same group commit.
	apply(outbox(join(grouped, "admin")))
	removal := outbox(leave(grouped))
	before = env.SpiceDBCallsOf(t, "ReadRelationships")
	apply(outbox(join(grouped, "member")))
	if n := env.SpiceDBCallsOf(t, "ReadRelationships") - before; n == 0 {
		t.Error("a fresh membership grouped with the removal of the same pair was not read back")
	}
	var applied bool
	if err := env.Store.Pool.QueryRow(ctx, `SELECT applied_at IS NOT NULL FROM outbox WHERE id = $1`, removal).Scan(&applied); err != nil || !applied {
		t.Fatalf("the removal was not taken along (applied %v, %v)", applied, err)
	}
	noDrift("re-added with the removal in the same group")

	// The removal is an import-sized entry, applied on its own: still
	// pending when the new membership is applied.
	apply(outbox(join(outside, "admin")))
	big := []authz.Unit{leave(outside)}
	for range 300 {
		big = append(big, authz.Pair(ws, authz.Obj("user", uuid.New())))
	}
	removal = outbox(big...)
	apply(outbox(join(outside, "member")))
	if err := env.Store.Pool.QueryRow(ctx, `SELECT applied_at IS NOT NULL FROM outbox WHERE id = $1`, removal).Scan(&applied); err != nil || applied {
		t.Fatalf("the import-sized removal was applied along (applied %v, %v)", applied, err)
	}
	noDrift("re-added with the removal pending outside the group")
	apply(removal)
	noDrift("after the removal's own apply")
}
