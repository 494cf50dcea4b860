// Package authz is the only place that talks to SpiceDB: the client, the
// schema migration, the projection of PostgreSQL facts into relationships,
// the outbox relay that applies it, checks and lookups, and reconcile.
package authz

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Object is a SpiceDB object reference (type:id), optionally a subject
// relation (type:id#relation).
type Object struct {
	Type     string `json:"t"`
	ID       string `json:"i"`
	Relation string `json:"r,omitempty"`
}

func (o Object) String() string {
	s := o.Type + ":" + o.ID
	if o.Relation != "" {
		s += "#" + o.Relation
	}
	return s
}

// Obj builds an object reference.
func Obj(typ string, id fmt.Stringer) Object { return Object{Type: typ, ID: id.String()} }

// Rel is one relationship, with an optional expiry.
type Rel struct {
	Resource  Object
	Relation  string
	Subject   Object
	ExpiresAt *time.Time
}

// Key identifies the relationship including its expiry, for diffing.
func (r Rel) Key() string {
	k := r.Resource.String() + "#" + r.Relation + "@" + r.Subject.String()
	if r.ExpiresAt != nil {
		k += "[expiration:" + r.ExpiresAt.UTC().Format(time.RFC3339) + "]"
	}
	return k
}

func (r Rel) String() string { return r.Key() }

// tuple is the relationship without its expiry: SpiceDB stores one of each.
func (r Rel) tuple() string {
	return r.Resource.String() + "#" + r.Relation + "@" + r.Subject.String()
}

func (r Rel) proto() *v1.Relationship {
	p := &v1.Relationship{
		Resource: &v1.ObjectReference{ObjectType: r.Resource.Type, ObjectId: r.Resource.ID},
		Relation: r.Relation,
		Subject: &v1.SubjectReference{
			Object:           &v1.ObjectReference{ObjectType: r.Subject.Type, ObjectId: r.Subject.ID},
			OptionalRelation: r.Subject.Relation,
		},
	}
	if r.ExpiresAt != nil {
		p.OptionalExpiresAt = timestamppb.New(r.ExpiresAt.UTC().Truncate(time.Second))
	}
	return p
}

func relFromProto(p *v1.Relationship) Rel {
	r := Rel{
		Resource: Object{Type: p.Resource.ObjectType, ID: p.Resource.ObjectId},
		Relation: p.Relation,
		Subject:  Object{Type: p.Subject.Object.ObjectType, ID: p.Subject.Object.ObjectId, Relation: p.Subject.OptionalRelation},
	}
	if p.OptionalExpiresAt != nil {
		t := p.OptionalExpiresAt.AsTime().UTC()
		r.ExpiresAt = &t
	}
	return r
}

// Unit is a unit of projection: every relationship whose resource is
// Resource (and, when Subject is set, whose subject object is Subject).
// A unit's relationships are a pure function of PostgreSQL state, so
// applying a unit is idempotent and convergent.
type Unit struct {
	Resource Object  `json:"res"`
	Subject  *Object `json:"sub,omitempty"`
}

func (u Unit) String() string {
	if u.Subject == nil {
		return u.Resource.String()
	}
	return u.Resource.String() + "@" + u.Subject.String()
}

// Whole is the unit of all relationships of a resource.
func Whole(resource Object) Unit { return Unit{Resource: resource} }

// Pair is the unit of the relationships between a resource and a subject.
func Pair(resource, subject Object) Unit { return Unit{Resource: resource, Subject: &subject} }

// EncodeUnits serialises units for the outbox, without duplicates.
func EncodeUnits(units []Unit) (json.RawMessage, error) {
	seen := map[string]bool{}
	out := make([]Unit, 0, len(units))
	for _, u := range units {
		if !seen[u.String()] {
			seen[u.String()] = true
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return json.Marshal(out)
}

// DecodeUnits reads units from the outbox.
func DecodeUnits(raw []byte) ([]Unit, error) {
	var units []Unit
	err := json.Unmarshal(raw, &units)
	return units, err
}

// Covers reports whether relationship r belongs to unit u: re-projecting u
// writes or deletes r.
func (u Unit) Covers(r Rel) bool { return u.matches(r) }

// matches reports whether r belongs to unit u.
func (u Unit) matches(r Rel) bool {
	if r.Resource.Type != u.Resource.Type || r.Resource.ID != u.Resource.ID {
		return false
	}
	return u.Subject == nil || (r.Subject.Type == u.Subject.Type && r.Subject.ID == u.Subject.ID)
}

// SpiceDB object ids for tenant kinds: <tenant>/<Namespace>/<Name>.
func kindObjectID(tenantID, namespace, name string) string {
	return tenantID + "/" + namespace + "/" + name
}

// KindObject is the SpiceDB object of a tenant's kind.
func KindObject(tenantID fmt.Stringer, namespace, name string) Object {
	return Object{Type: "kind", ID: kindObjectID(tenantID.String(), namespace, name)}
}

func splitKindID(id string) (tenant, namespace, name string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// PlatformObject is the one platform object.
var PlatformObject = Object{Type: "platform", ID: "gatehouse"}

// BranchObject is the SpiceDB object of a tenant's branch:
// <tenant>/<name>, with '.' (not allowed in SpiceDB ids) written as '=2E'
// ('=' never appears in a branch name, so the id reads back unambiguously).
func BranchObject(tenantID fmt.Stringer, name string) Object {
	return Object{Type: "branch", ID: tenantID.String() + "/" + strings.ReplaceAll(name, ".", "=2E")}
}

func splitBranchID(id string) (tenant, name string, ok bool) {
	tenant, escaped, ok := strings.Cut(id, "/")
	return tenant, strings.ReplaceAll(escaped, "=2E", "."), ok && escaped != ""
}
