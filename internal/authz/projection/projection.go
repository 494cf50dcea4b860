package projection

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
	reads "github.com/gatehouse/gatehouse/internal/store/projection"
)

// The projection: the one place that turns PostgreSQL facts into
// relationships. For every SpiceDB resource type it computes the
// relationships that must exist, for one object (id) or for all (nil), and
// optionally only those with one subject object.
type projectFn func(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, subject *Object) ([]Rel, error)

// ProjectedTypes lists the resource types the projection owns, in the
// order reconcile walks them.
var ProjectedTypes = []string{"platform", "tenant", "kind", "branch", "user", "group", "role", "workspace", "model", "deployment", "apikey"}

func projector(resourceType string) projectFn {
	switch resourceType {
	case "platform":
		return projectPlatform
	case "tenant":
		return projectTenant
	case "kind":
		return projectKind
	case "branch":
		return projectBranch
	case "user":
		return projectUser
	case "group":
		return projectGroup
	case "role":
		return projectRole
	case "workspace":
		return projectWorkspace
	case "deployment":
		return projectDeployment
	case "model":
		return projectModel
	case "apikey":
		return projectAPIKey
	}
	return nil
}

// Desired computes the relationships a unit must hold now.
func Desired(ctx context.Context, q store.Q, u Unit) ([]Rel, error) {
	fn := projector(u.Resource.Type)
	if fn == nil {
		return nil, fmt.Errorf("projection: unknown resource type %q", u.Resource.Type)
	}
	var id *uuid.UUID
	if parsed, err := uuid.Parse(u.Resource.ID); err == nil {
		id = &parsed
	}
	rels, err := fn(ctx, q, id, u.Resource.ID, u.Subject)
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", u, err)
	}
	out := rels[:0]
	for _, r := range rels {
		if u.matches(r) {
			out = append(out, r)
		}
	}
	return dedupe(out), nil
}

// DesiredAll computes every relationship of a resource type (reconcile).
func DesiredAll(ctx context.Context, q store.Q, resourceType string) ([]Rel, error) {
	rels, err := projector(resourceType)(ctx, q, nil, "", nil)
	return dedupe(rels), err
}

// dedupe drops repeats: two permissions of one role can materialise as
// the same relationship.
func dedupe(rels []Rel) []Rel {
	seen := make(map[string]bool, len(rels))
	out := rels[:0]
	for _, r := range rels {
		if k := r.Key(); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// subjectUUID returns the subject's id when it is of type typ.
func subjectUUID(subject *Object, typ string) (id *uuid.UUID, other bool) {
	if subject == nil {
		return nil, false
	}
	if subject.Type != typ {
		return nil, true
	}
	parsed, err := uuid.Parse(subject.ID)
	if err != nil {
		return nil, true
	}
	return &parsed, false
}

func userObj(id uuid.UUID) Object { return Obj("user", id) }

// AnyUser is the wildcard subject user:*. On a resource it marks a fact
// about the resource itself (a role carries a permission, a user holds a
// built-in role), used by exclusions such as user#administer.
var AnyUser = Object{Type: "user", ID: "*"}

func tenantObj(id uuid.UUID) Object { return Obj("tenant", id) }

// platform:gatehouse#superadmin@user — active superadmins.
func projectPlatform(ctx context.Context, q store.Q, _ *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	if rawID != "" && rawID != PlatformObject.ID {
		return nil, nil
	}
	userID, other := subjectUUID(subject, "user")
	if other {
		return nil, nil
	}
	facts, err := reads.ActiveUserRoles(ctx, q, nil, userID, string(perm.RoleSuperadmin))
	if err != nil {
		return nil, err
	}
	rels := make([]Rel, 0, len(facts))
	for _, f := range facts {
		rels = append(rels, Rel{PlatformObject, "superadmin", userObj(f.UserID), nil})
	}
	return rels, nil
}

// tenant: its platform, its users' built-in roles, its built-in kinds.
func projectTenant(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	tenants, err := reads.TenantIDs(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var rels []Rel
	for _, t := range tenants {
		if subject == nil || *subject == PlatformObject {
			rels = append(rels, Rel{tenantObj(t), "platform", PlatformObject, nil})
		}
	}
	if userID, other := subjectUUID(subject, "user"); !other {
		facts, err := reads.ActiveUserRoles(ctx, q, id, userID, "")
		if err != nil {
			return nil, err
		}
		for _, f := range facts {
			if f.Role == string(perm.RoleAdmin) || f.Role == string(perm.RoleMember) {
				rels = append(rels, Rel{tenantObj(f.TenantID), f.Role, userObj(f.UserID), nil})
			}
		}
	}
	if serviceID, other := subjectUUID(subject, "service"); !other {
		services, err := reads.LiveServices(ctx, q, id, serviceID)
		if err != nil {
			return nil, err
		}
		for _, sc := range services {
			rels = append(rels, Rel{tenantObj(sc.TenantID), "service", Obj("service", sc.ID), nil})
		}
	}
	if roleID, other := subjectUUID(subject, "role"); !other {
		perms, err := reads.RolePermissions(ctx, q, id, roleID)
		if err != nil {
			return nil, err
		}
		for _, f := range perms {
			p, err := perm.Parse(f.Identifier)
			if err != nil || !p.Global {
				continue
			}
			rel := p.Action + "_allow"
			if p.Decision == perm.Deny {
				rel = p.Action + "_deny"
			}
			rels = append(rels, Rel{tenantObj(f.TenantID), rel, roleHolder(f.RoleID), nil})
		}
	}
	if subject == nil || subject.Type == "kind" {
		kinds, err := store.Kinds(ctx, q, id, "", "")
		if err != nil {
			return nil, err
		}
		for _, k := range kinds {
			if k.Builtin && k.Namespace == "Core" {
				rels = append(rels, Rel{tenantObj(k.TenantID), "core_" + strings.ToLower(k.Name), KindObject(k.TenantID, k.Namespace, k.Name), nil})
			}
		}
	}
	return rels, nil
}

// kind: its tenant, the generics it inherits from, its guard, and the
// object permissions of roles that match it. A guarded kind (its own guard
// or one inherited from its generics) is decided for every action but view
// by the guard alone: only the view relations of object permissions are
// materialised on it.
func projectKind(ctx context.Context, q store.Q, _ *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	var tenantID *uuid.UUID
	var ns, name string
	if rawID != "" {
		t, n, nm, ok := SplitKindID(rawID)
		parsed, err := uuid.Parse(t)
		if !ok || err != nil {
			return nil, nil
		}
		tenantID, ns, name = &parsed, n, nm
	}
	kinds, err := store.Kinds(ctx, q, tenantID, ns, name)
	if err != nil {
		return nil, err
	}
	all := kinds
	if rawID != "" && len(kinds) > 0 && len(kinds[0].InheritsFrom) > 0 {
		if all, err = store.Kinds(ctx, q, tenantID, "", ""); err != nil {
			return nil, err
		}
	}
	guarded := guardedKinds(all)
	var rels []Rel
	for _, k := range kinds {
		obj := KindObject(k.TenantID, k.Namespace, k.Name)
		rels = append(rels, Rel{obj, "tenant", tenantObj(k.TenantID), nil})
		for _, parent := range k.InheritsFrom {
			if pns, pname, ok := strings.Cut(parent, ":"); ok {
				rels = append(rels, Rel{obj, "inherits", KindObject(k.TenantID, pns, pname), nil})
			}
		}
		if k.GuardedBy != "" {
			rels = append(rels, Rel{obj, "guard_" + k.GuardedBy, tenantObj(k.TenantID), nil})
		}
	}
	// Object permissions of roles, materialised on every kind they match.
	roleID, other := subjectUUID(subject, "role")
	if other || len(kinds) == 0 {
		return rels, nil
	}
	perms, err := reads.RolePermissions(ctx, q, tenantID, roleID)
	if err != nil {
		return nil, err
	}
	byTenant := map[uuid.UUID][]reads.RolePermissionFact{}
	for _, f := range perms {
		byTenant[f.TenantID] = append(byTenant[f.TenantID], f)
	}
	for _, k := range kinds {
		obj := KindObject(k.TenantID, k.Namespace, k.Name)
		isGuarded := guarded[kindKey(k.TenantID, k.Namespace+":"+k.Name)]
		for _, f := range byTenant[k.TenantID] {
			p, err := perm.Parse(f.Identifier)
			if err != nil {
				continue
			}
			for _, rel := range p.KindRelations(perm.Kind{Namespace: k.Namespace, Name: k.Name}) {
				if isGuarded && !strings.HasPrefix(rel, perm.ActionView+"_") {
					continue
				}
				rels = append(rels, Rel{obj, rel, roleHolder(f.RoleID), nil})
			}
		}
	}
	return rels, nil
}

func kindKey(tenantID uuid.UUID, id string) string { return tenantID.String() + "/" + id }

// guardedKinds marks the kinds that are guarded, by their own guard or
// one of an ancestor generic (the kinds given must include the ancestors).
func guardedKinds(kinds []store.KindFact) map[string]bool {
	byKey := make(map[string]store.KindFact, len(kinds))
	for _, k := range kinds {
		byKey[kindKey(k.TenantID, k.Namespace+":"+k.Name)] = k
	}
	memo := map[string]bool{}
	var visit func(key string, depth int) bool
	visit = func(key string, depth int) bool {
		if g, ok := memo[key]; ok {
			return g
		}
		k, ok := byKey[key]
		if !ok || depth > 64 {
			return false
		}
		g := k.GuardedBy != ""
		for _, parent := range k.InheritsFrom {
			g = visit(kindKey(k.TenantID, parent), depth+1) || g
		}
		memo[key] = g
		return g
	}
	out := map[string]bool{}
	for key := range byKey {
		out[key] = visit(key, 0)
	}
	return out
}

// branch: its tenant, and its status when it is not open.
func projectBranch(ctx context.Context, q store.Q, _ *uuid.UUID, rawID string, _ *Object) ([]Rel, error) {
	var tenantID *uuid.UUID
	var name string
	if rawID != "" {
		t, n, ok := SplitBranchID(rawID)
		parsed, err := uuid.Parse(t)
		if !ok || err != nil {
			return nil, nil
		}
		tenantID, name = &parsed, n
	}
	branches, err := store.Branches(ctx, q, tenantID, name, "", 0)
	if err != nil {
		return nil, err
	}
	var rels []Rel
	for _, b := range branches {
		obj := BranchObject(b.TenantID, b.Name)
		rels = append(rels, Rel{obj, "tenant", tenantObj(b.TenantID), nil})
		if b.Status == "merged" || b.Status == "need_rebase" {
			rels = append(rels, Rel{obj, b.Status, tenantObj(b.TenantID), nil})
		}
	}
	return rels, nil
}

// roleHolder is the subject set of a role's holders.
func roleHolder(id uuid.UUID) Object {
	return Object{Type: "role", ID: id.String(), Relation: "holder"}
}

// role: its tenant and its assignees (active users, groups).
func projectRole(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	roles, err := reads.RoleFacts(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var rels []Rel
	for _, r := range roles {
		rels = append(rels, Rel{Obj("role", r.ID), "tenant", tenantObj(r.TenantID), nil})
	}
	if subject == nil || *subject == AnyUser {
		// What the role carries, whoever holds it (user#holds_*, group#manage_membership).
		perms, err := reads.RolePermissions(ctx, q, nil, id)
		if err != nil {
			return nil, err
		}
		for _, f := range perms {
			p, err := perm.Parse(f.Identifier)
			if err != nil || !p.Global {
				continue
			}
			rel := "grants_" + p.Action
			if p.Decision == perm.Deny {
				rel = "denies_" + p.Action
			}
			rels = append(rels, Rel{Obj("role", f.RoleID), rel, AnyUser, nil})
		}
	}
	userID, groupID, none := userOrGroup(subject)
	if none {
		return rels, nil
	}
	assignments, err := reads.ActiveRoleAssignments(ctx, q, id, userID, groupID)
	if err != nil {
		return nil, err
	}
	for _, a := range assignments {
		rels = append(rels, Rel{Obj("role", a.ParentID), "assignee", memberSubject(a), nil})
	}
	return rels, nil
}

// group: its tenant and its active members.
func projectGroup(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	groups, err := store.Groups(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var rels []Rel
	for _, g := range groups {
		rels = append(rels, Rel{Obj("group", g.ID), "tenant", tenantObj(g.TenantID), nil})
		if subject == nil || *subject == AnyUser {
			// The gate of group#manage_membership (fails closed until projected).
			rels = append(rels, Rel{Obj("group", g.ID), "anyone", AnyUser, nil})
		}
	}
	if userID, other := subjectUUID(subject, "user"); !other {
		members, err := reads.ActiveGroupMembers(ctx, q, id, userID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			rels = append(rels, Rel{Obj("group", m.ParentID), "member", userObj(*m.UserID), nil})
		}
	}
	// What the group holds, for group#manage_membership: its custom roles and
	// its workspace roles.
	if roleID, other := subjectUUID(subject, "role"); !other {
		links, err := reads.GroupRoleLinks(ctx, q, id, roleID)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			rels = append(rels, Rel{Obj("group", l.From), "custom_role", Obj("role", l.To), nil})
		}
	}
	if workspaceID, other := subjectUUID(subject, "workspace"); !other {
		members, err := reads.LiveWorkspaceMembers(ctx, q, workspaceID, nil, id)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if m.GroupID == nil {
				continue
			}
			rels = append(rels, Rel{Obj("group", *m.GroupID), "role_in", Obj("workspace", m.ParentID), nil})
			if m.Role == "owner" {
				rels = append(rels, Rel{Obj("group", *m.GroupID), "owner_in", Obj("workspace", m.ParentID), nil})
			}
		}
	}
	return rels, nil
}

// user (as a resource): what the user holds whatever their status, for
// user#administer — their tenant, their built-in role, their custom roles
// and their groups. Deleted users hold nothing.
func projectUser(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	var rels []Rel
	if subject == nil || subject.Type == "tenant" || *subject == AnyUser {
		users, err := reads.UndeletedUsers(ctx, q, id)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			rels = append(rels, Rel{userObj(u.ID), "tenant", tenantObj(u.TenantID), nil})
			if perm.Role(u.Role).Valid() {
				rels = append(rels, Rel{userObj(u.ID), "builtin_" + u.Role, AnyUser, nil})
			}
		}
	}
	if roleID, other := subjectUUID(subject, "role"); !other {
		links, err := reads.UserRoleLinks(ctx, q, id, roleID)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			rels = append(rels, Rel{userObj(l.From), "custom_role", Obj("role", l.To), nil})
		}
	}
	if groupID, other := subjectUUID(subject, "group"); !other {
		links, err := reads.UserGroupLinks(ctx, q, id, groupID)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			rels = append(rels, Rel{userObj(l.From), "in_group", Obj("group", l.To), nil})
		}
	}
	return rels, nil
}

// workspace: its tenant; owners, admins and members (active users, groups).
func projectWorkspace(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, subject *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	var rels []Rel
	// The workspace's own relationships (tenant, anyone) have a tenant or
	// user:* subject: a unit about one user, group or key needs none.
	var workspaces []store.OwnedFact
	if subject == nil || *subject == AnyUser || (subject.Type != "user" && subject.Type != "group" && subject.Type != "apikey") {
		var err error
		if workspaces, err = reads.LiveWorkspaces(ctx, q, id); err != nil {
			return nil, err
		}
	}
	for _, w := range workspaces {
		rels = append(rels, Rel{Obj("workspace", w.ID), "tenant", tenantObj(w.TenantID), nil})
		if subject == nil || *subject == AnyUser {
			// The universe that workspace#lacks_* excludes from.
			rels = append(rels, Rel{Obj("workspace", w.ID), "anyone", AnyUser, nil})
		}
	}
	if subject == nil || subject.Type == "apikey" {
		keyID, _ := subjectUUID(subject, "apikey")
		if subject == nil || keyID != nil {
			keys, err := keyRelationships(ctx, q, keyID, id)
			if err != nil {
				return nil, err
			}
			rels = append(rels, keys...)
		}
	}
	userID, groupID, none := userOrGroup(subject)
	if none {
		return rels, nil
	}
	members, err := reads.LiveWorkspaceMembers(ctx, q, id, userID, groupID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		rels = append(rels, Rel{Obj("workspace", m.ParentID), m.Role, memberSubject(m), nil},
			Rel{Obj("workspace", m.ParentID), "holder", memberSubject(m), nil})
	}
	return rels, nil
}

// deployment: its workspace and its creator (while active).
func projectDeployment(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, _ *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	facts, err := store.LiveDeployments(ctx, q, id)
	if err != nil {
		return nil, err
	}
	rels := make([]Rel, 0, 2*len(facts))
	for _, d := range facts {
		rels = append(rels, Rel{Obj("deployment", d.ID), "workspace", Obj("workspace", d.WorkspaceID), nil})
		if d.CreatedBy != nil {
			rels = append(rels, Rel{Obj("deployment", d.ID), "creator", userObj(*d.CreatedBy), nil})
		}
	}
	return rels, nil
}

var roleRank = map[string]int{"member": 1, "admin": 2, "owner": 3}

// keyRelationships: an API key acts in its workspace with its role, capped
// at its creator's current role there (a superadmin creator counts as
// owner), while the key is not revoked, its creator is active, and until
// it expires (relationship expiration: SpiceDB ends it on time).
func keyRelationships(ctx context.Context, q store.Q, keyID, workspaceID *uuid.UUID) ([]Rel, error) {
	facts, err := reads.APIKeyFacts(ctx, q, keyID, workspaceID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var rels []Rel
	for _, k := range facts {
		if !k.Live || !k.CreatorActive || (k.ExpiresAt != nil && !k.ExpiresAt.After(now)) {
			continue
		}
		creator := roleRank[k.CreatorRole]
		if k.CreatorSuperadmin {
			creator = roleRank["owner"]
		}
		eff := min(roleRank[k.Role], creator)
		if eff == 0 {
			continue
		}
		rel := "key_member"
		if eff >= roleRank["admin"] {
			rel = "key_admin"
		}
		var exp *time.Time
		if k.ExpiresAt != nil {
			t := k.ExpiresAt.UTC().Truncate(time.Second)
			exp = &t
		}
		rels = append(rels, Rel{Obj("workspace", k.WorkspaceID), rel, Obj("apikey", k.ID), exp},
			Rel{Obj("workspace", k.WorkspaceID), "holder", Obj("apikey", k.ID), exp})
	}
	return rels, nil
}

// apikey: its workspace and its creator (while active and not revoked).
func projectAPIKey(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, _ *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	facts, err := reads.APIKeyFacts(ctx, q, id, nil)
	if err != nil {
		return nil, err
	}
	var rels []Rel
	for _, k := range facts {
		if !k.Live {
			continue
		}
		rels = append(rels, Rel{Obj("apikey", k.ID), "workspace", Obj("workspace", k.WorkspaceID), nil})
		if k.CreatorActive {
			rels = append(rels, Rel{Obj("apikey", k.ID), "creator", userObj(k.CreatedBy), nil})
		}
	}
	return rels, nil
}

// model: its tenant and the live workspaces that whitelisted it.
func projectModel(ctx context.Context, q store.Q, id *uuid.UUID, rawID string, _ *Object) ([]Rel, error) {
	if id == nil && rawID != "" {
		return nil, nil
	}
	facts, err := reads.LiveModels(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var rels []Rel
	for _, m := range facts {
		rels = append(rels, Rel{Obj("model", m.ID), "tenant", tenantObj(m.TenantID), nil})
		for _, w := range m.Workspaces {
			rels = append(rels, Rel{Obj("model", m.ID), "whitelisted_in", Obj("workspace", w), nil})
		}
	}
	return rels, nil
}

// userOrGroup narrows a subject filter to a user or a group id; none means
// the filter names some other type, so no membership matches.
func userOrGroup(subject *Object) (userID, groupID *uuid.UUID, none bool) {
	if subject == nil {
		return nil, nil, false
	}
	switch subject.Type {
	case "user":
		userID, _ = subjectUUID(subject, "user")
	case "group":
		groupID, _ = subjectUUID(subject, "group")
	}
	return userID, groupID, userID == nil && groupID == nil
}

// memberSubject is a membership's subject: a user, or every member of a group.
func memberSubject(m reads.MemberFact) Object {
	if m.UserID != nil {
		return userObj(*m.UserID)
	}
	return Object{Type: "group", ID: m.GroupID.String(), Relation: "member"}
}
