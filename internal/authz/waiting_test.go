package authz_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// Writers of one tenant waiting at one replica's gate while another
// replica's group commit applies their entries learn their tokens from the
// read of the first of them to pass the gate, not from a read each; an
// entry still pending is not told.
func TestWritersWaitingOnAnotherReplicasApplyLearnFromOneRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	wsID := uuid.MustParse(env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "waiting"}).Str("id"))
	tenant := env.TenantOf(t, wsID)
	// The users first: creating one is a write, whose apply would take
	// the entries along.
	var users []uuid.UUID
	for i := range 5 {
		uid, _ := env.User(t, root, fmt.Sprintf("w%d@example.com", i), "member")
		users = append(users, uuid.MustParse(uid))
	}
	entry := func(u uuid.UUID) int64 {
		if err := store.InsertMember(ctx, env.Store.Pool, tenant, store.Member{ID: uuid.New(), WorkspaceID: wsID, UserID: &u, Role: "member"}); err != nil {
			t.Fatal(err)
		}
		raw, _ := authz.EncodeUnits([]authz.Unit{authz.Pair(authz.Obj("workspace", wsID), authz.Obj("user", u))})
		id, err := store.InsertOutbox(ctx, env.Store.Pool, tenant, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	var ids []int64
	for _, u := range users[:4] {
		ids = append(ids, entry(u))
	}
	// Replica B's writers of ids[1:] wait at its gate (ids[0]'s holds it).
	replica := &authz.Projector{Store: env.Store, SpiceDB: env.SpiceDB, Log: env.Log}
	var taken []func() string
	for _, id := range ids[1:] {
		taken = append(taken, replica.AwaitForTest(tenant, id))
	}
	// Replica A applies them all in one write.
	token, err := env.Projector.Apply(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	pending := entry(users[4])
	stillPending := replica.AwaitForTest(tenant, pending)

	if got := replica.ReadAppliedForTest(ctx, tenant, ids[0]); got != token {
		t.Fatalf("the writer passing the gate read token %q, want %q", got, token)
	}
	for i, take := range taken {
		if got := take(); got != token {
			t.Fatalf("waiting writer of entry %d was handed %q, want %q", ids[i+1], got, token)
		}
	}
	if got := stillPending(); got != "" {
		t.Fatalf("the writer of a pending entry was handed %q", got)
	}
	if _, err := replica.ApplyFor(ctx, tenant, pending); err != nil {
		t.Fatal(err)
	}
	drift, err := env.Projector.Reconcile(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !drift.Empty() {
		t.Fatalf("drift after the applies: %+v", drift)
	}
}
