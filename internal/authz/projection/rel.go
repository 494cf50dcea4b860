// Package projection is the vocabulary and the rules of Gatehouse's
// SpiceDB projection, with no SpiceDB client: objects, relationships and
// units (rel.go); the typed facts use cases record and the units each
// touches (facts.go); and the projection functions that compute, from
// PostgreSQL alone, the relationships a unit or a resource type must hold
// (projection.go). Package authz applies it to SpiceDB and re-exports
// what the rest of Gatehouse uses.
package projection

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
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

// Tuple is the relationship without its expiry: SpiceDB stores one of
// each.
func (r Rel) Tuple() string {
	return r.Resource.String() + "#" + r.Relation + "@" + r.Subject.String()
}

// Unit is a unit of projection: every relationship whose resource is
// Resource (and, when Subject is set, whose subject object is Subject).
// A unit's relationships are a pure function of PostgreSQL state, so
// applying a unit is idempotent and convergent.
type Unit struct {
	Resource Object  `json:"res"`
	Subject  *Object `json:"sub,omitempty"`
	// Fresh: the write that named the unit created the only fact its
	// relationships follow from (a user's new membership: no row before
	// it, and a row is the only source of the pair's relationships). The
	// projection of the unit was empty before the write, so SpiceDB holds
	// none of its relationships, or (an apply that saw the write already)
	// exactly those it should: an apply need not read them back, as long
	// as no other unapplied entry covers the unit (Projector.apply checks).
	Fresh bool `json:"fresh,omitempty"`
}

// Overlaps reports whether u and o share relationships: the same resource,
// and the same subject or no subject on either (by type and id, as
// matches decides what a unit covers).
func (u Unit) Overlaps(o Unit) bool {
	if u.Resource.Type != o.Resource.Type || u.Resource.ID != o.Resource.ID {
		return false
	}
	return u.Subject == nil || o.Subject == nil || (u.Subject.Type == o.Subject.Type && u.Subject.ID == o.Subject.ID)
}

// mergeUnits drops repeats of the same unit; a repeat is fresh only if
// every occurrence is.
func mergeUnits(units []Unit) []Unit {
	at := make(map[string]int, len(units))
	out := make([]Unit, 0, len(units))
	for _, u := range units {
		k := u.String()
		if i, ok := at[k]; ok {
			out[i].Fresh = out[i].Fresh && u.Fresh
			continue
		}
		at[k] = len(out)
		out = append(out, u)
	}
	return out
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
	out := mergeUnits(units)
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

// SplitKindID reads back the id of a KindObject.
func SplitKindID(id string) (tenant, namespace, name string, ok bool) {
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

// SplitBranchID reads back the id of a BranchObject.
func SplitBranchID(id string) (tenant, name string, ok bool) {
	tenant, escaped, ok := strings.Cut(id, "/")
	return tenant, strings.ReplaceAll(escaped, "=2E", "."), ok && escaped != ""
}
