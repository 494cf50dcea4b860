package authz

import (
	"strings"
	"testing"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
)

func TestAdditivityFollowsSigns(t *testing.T) {
	a, err := AnalyzeAdditivity(`use expiration
definition user {}
definition team {
	relation member: user | team#member
	relation banned: user
	permission active = member - banned
}
definition doc {
	relation viewer: user | team#member
	relation blocked: user
	relation unblocked: user
	relation editor: user with expiration
	relation part_of: team
	relation gate: team
	relation either: team
	relation locked_by: user
	permission view = viewer - (blocked - unblocked)
	permission edit = editor & part_of->active
	permission strict = gate.all(active)
	permission loose = either.any(member)
	permission locked = locked_by
}`, "doc#locked")
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{
		"doc#viewer":    false,
		"doc#blocked":   true,  // subtracted
		"doc#unblocked": false, // subtracted from what is subtracted
		"doc#editor":    false, // intersection only grows with its operands
		"doc#part_of":   false,
		"team#member":   false, // reached positively only: active, loose, doc#viewer's userset
		"team#banned":   true,  // subtracted in active
		"doc#gate":      true,  // a new gate team may lack active
		"doc#either":    false,
		"doc#locked_by": true, // code reads doc#locked negated
		"doc#nothing":   true, // unknown to the schema
	} {
		typ, r, _ := strings.Cut(rel, "#")
		if got := a.Revoking(typ, r); got != want {
			t.Errorf("Revoking(%s) = %v, want %v", rel, got, want)
		}
	}
	if !a.Expiring("user") || a.Expiring("team") {
		t.Errorf("Expiring: user %v team %v, want true false", a.Expiring("user"), a.Expiring("team"))
	}
}

func TestAdditivityOfGatehousesSchema(t *testing.T) {
	a, err := SchemaAdditivity()
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{
		"workspace#member":        false, // adding a member only grants
		"workspace#holder":        false,
		"deployment#workspace":    true, // moving a deployment loses the old workspace's grants... and caps
		"workspace#owner":         true, // lacks_manage_owners = anyone - manage_owners (group management)
		"group#member":            true,
		"tenant#view_tenant_deny": true,
		"platform#superadmin":     true, // administer subtracts what the target holds
	} {
		typ, r, _ := strings.Cut(rel, "#")
		if got := a.Revoking(typ, r); got != want {
			t.Errorf("Revoking(%s) = %v, want %v", rel, got, want)
		}
	}
	if !a.Expiring("apikey") || a.Expiring("user") {
		t.Errorf("Expiring: apikey %v user %v, want true false", a.Expiring("apikey"), a.Expiring("user"))
	}
	member := func(op v1.RelationshipUpdate_Operation, relation string) *v1.RelationshipUpdate {
		return &v1.RelationshipUpdate{Operation: op, Relationship: relProto(Rel{Resource: Object{Type: "workspace", ID: "w1"}, Relation: relation, Subject: Object{Type: "user", ID: "u1"}})}
	}
	touch, del := v1.RelationshipUpdate_OPERATION_TOUCH, v1.RelationshipUpdate_OPERATION_DELETE
	if !a.AdditiveUpdates(nil, nil, []*v1.RelationshipUpdate{member(touch, "member"), member(touch, "holder")}) {
		t.Error("a new member and holder: not additive")
	}
	if a.AdditiveUpdates(nil, nil, []*v1.RelationshipUpdate{member(touch, "member"), member(del, "admin")}) {
		t.Error("a delete: additive")
	}
	if a.AdditiveUpdates(map[string]bool{"workspace:w1#holder@user:u1": true}, nil, []*v1.RelationshipUpdate{member(touch, "holder")}) {
		t.Error("a rewrite of a held relationship (its expiry may shorten): additive")
	}
	if a.AdditiveUpdates(nil, nil, []*v1.RelationshipUpdate{member(touch, "owner")}) {
		t.Error("a new owner: additive")
	}
	if _, err := AnalyzeAdditivity("definition user {}", "user#nothing"); err == nil {
		t.Error("a negated permission the schema lacks: no error")
	}
	var none *Additivity
	if none.AdditiveUpdates(nil, nil, nil) {
		t.Error("no analysis: additive")
	}
}
