// Package provision is bulk provisioning (`gatehouse import`): users,
// account groups and workspaces of one tenant, with their memberships,
// stored at once. It is the write pipeline at scale: every row, one outbox
// entry (the Imported fact) and one audit entry in one PostgreSQL
// transaction, then the entry applied to SpiceDB under the tenant's
// projection lock like any other, where its size makes the projector diff
// per resource type and bulk-import the new relationships. If Gatehouse
// stops between the commit and the projection, the relay applies the entry
// like any pending write.
//
// What it refuses, so that nothing partial is ever stored: an email that is
// invalid, repeated, or already a live user's of the tenant; a role that is
// not admin or member (a superadmin is made by a superadmin, one at a
// time); a workspace without an owner or with a member listed twice; a
// reference to a user that is neither in the import nor in the tenant.
// Groups that exist are joined, not recreated. Imported users are active
// and have no password: they sign in with SSO, or a password is set for
// them later.
package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Set is what to provision. Line, where set, is where an item came from
// (errors name it).
type Set struct {
	Users      []User
	Groups     []Group
	Workspaces []Workspace
}

// User is a user to create.
type User struct {
	Line  int
	Email string
	Name  string
	Role  string // admin or member (default member)
}

// Group is an account group to create, or to join when one of that name
// exists; Members are emails.
type Group struct {
	Line    int
	Name    string
	Members []string
}

// Workspace is a workspace to create, with its owner (an email) and
// members.
type Workspace struct {
	Line        int
	Name        string
	Description string
	Owner       string
	Members     []Member
}

// Member is a workspace member: an email and owner, admin or member.
type Member struct {
	Email string
	Role  string
}

// Result counts what was stored.
type Result struct {
	Users, Groups, JoinedGroups, GroupMembers, Workspaces, Members int
	// Applied is false when the rows are stored but their projection
	// failed (Pending says why): the relay applies them when it can.
	Applied bool
	Pending error
	// Stored and Projected are how long each step took.
	Stored, Projected time.Duration
}

// Invalid is a refusal of the set: nothing was stored.
type Invalid struct{ Problems []string }

func (e *Invalid) Error() string {
	const show = 20
	msg := strings.Join(e.Problems[:min(len(e.Problems), show)], "\n  ")
	if len(e.Problems) > show {
		msg += fmt.Sprintf("\n  ... and %d more", len(e.Problems)-show)
	}
	return fmt.Sprintf("import refused, nothing stored (%d problems):\n  %s", len(e.Problems), msg)
}

// Importer provisions sets.
type Importer struct {
	Store     *store.Store
	Projector *authz.Projector
	Log       *slog.Logger
}

// Limits of one import.
const (
	MaxItems   = 1_000_000
	maxNameLen = 200
)

// Import stores set in the tenant named tenant and projects it. actor is
// who ran it (audited).
func (im *Importer) Import(ctx context.Context, tenant, actor string, set Set) (Result, error) {
	ctx = authz.LongCall(ctx)
	t, err := store.TenantByName(ctx, im.Store.Pool, tenant)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, &Invalid{Problems: []string{fmt.Sprintf("no tenant named %q", tenant)}}
	}
	if err != nil {
		return Result{}, err
	}
	var res Result
	var outboxID int64
	start := time.Now()
	err = im.Store.Tx(ctx, func(tx pgx.Tx) error {
		if err := store.AllowIdleTransaction(ctx, tx); err != nil {
			return err
		}
		rows, fact, err := resolve(ctx, tx, t.ID, set)
		if err != nil {
			return err
		}
		if err := store.CopyImport(ctx, tx, rows); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &Invalid{Problems: []string{"an email or group name was taken by a concurrent write: " + err.Error()}}
			}
			return err
		}
		units, err := authz.UnitsOf(ctx, tx, []authz.Fact{fact})
		if err != nil {
			return err
		}
		rawUnits, err := authz.EncodeUnits(units)
		if err != nil {
			return err
		}
		rawFacts, err := authz.EncodeFacts([]authz.Fact{fact})
		if err != nil {
			return err
		}
		if outboxID, err = store.InsertOutbox(ctx, tx, t.ID, rawUnits, rawFacts); err != nil {
			return err
		}
		res = Result{
			Users: len(rows.Users), Groups: len(rows.Groups), JoinedGroups: len(set.Groups) - len(rows.Groups),
			GroupMembers: len(rows.GroupMembers), Workspaces: len(rows.Workspaces), Members: len(rows.Members),
		}
		tid := t.ID
		return store.InsertAudit(ctx, tx, store.AuditEntry{
			TenantID: &tid, Actor: actor, Action: "import", Target: "tenant:" + t.ID.String(), Outcome: "success",
			Details: map[string]any{
				"users": res.Users, "groups": res.Groups, "joined_groups": res.JoinedGroups,
				"group_members": res.GroupMembers, "workspaces": res.Workspaces, "members": res.Members,
			},
		})
	})
	if err != nil {
		return Result{}, err
	}
	res.Stored = time.Since(start)
	start = time.Now()
	if _, err := im.Projector.ApplyFor(ctx, t.ID, outboxID); err != nil {
		im.Log.Warn("import stored, projection pending (the relay applies it)", "outbox", outboxID, "err", err)
		res.Pending = err
		return res, nil
	}
	res.Applied = true
	// Statistics of freshly loaded rows (SPEC: the cost of a check does
	// not grow with the data).
	if im.Projector.Analyze != nil && res.Users+res.Members+res.GroupMembers >= 10_000 {
		if err := im.Projector.Analyze(ctx); err != nil {
			im.Log.Warn("import: analyze", "err", err)
		}
	}
	res.Projected = time.Since(start)
	return res, nil
}

// resolve validates set against the tenant and turns it into rows and the
// fact they make.
func resolve(ctx context.Context, q store.Q, tenant uuid.UUID, set Set) (store.ImportSet, authz.Imported, error) {
	var problems []string
	bad := func(line int, format string, args ...any) {
		where := ""
		if line > 0 {
			where = fmt.Sprintf("line %d: ", line)
		}
		problems = append(problems, where+fmt.Sprintf(format, args...))
	}
	if n := len(set.Users) + len(set.Groups) + len(set.Workspaces); n > MaxItems {
		return store.ImportSet{}, authz.Imported{}, &Invalid{Problems: []string{fmt.Sprintf("%d items; at most %d per import", n, MaxItems)}}
	}

	rows := store.ImportSet{TenantID: tenant}
	fact := authz.Imported{Tenant: tenant}
	byEmail := map[string]uuid.UUID{} // lower-cased email -> user id, new and existing
	isNew := map[uuid.UUID]bool{}

	// Only well-formed text is looked up (PostgreSQL refuses NUL and
	// invalid UTF-8); the rest is refused below.
	var emails []string
	lookup := func(e string) {
		if validEmail(e) {
			emails = append(emails, e)
		}
	}
	for _, u := range set.Users {
		lookup(u.Email)
	}
	for _, g := range set.Groups {
		for _, e := range g.Members {
			lookup(e)
		}
	}
	for _, w := range set.Workspaces {
		lookup(w.Owner)
		for _, m := range w.Members {
			lookup(m.Email)
		}
	}
	existing, err := store.LiveUsersByEmail(ctx, q, tenant, emails)
	if err != nil {
		return rows, fact, err
	}
	for k, u := range existing {
		byEmail[k] = u.ID
	}

	for _, u := range set.Users {
		key := strings.ToLower(u.Email)
		role := u.Role
		if role == "" {
			role = "member"
		}
		switch {
		case !validEmail(u.Email):
			bad(u.Line, "user %q: not a valid email address", u.Email)
			continue
		case len(u.Name) > maxNameLen || !cleanText(u.Name):
			bad(u.Line, "user %q: a name of at most %d characters, without control characters, is required", u.Email, maxNameLen)
			continue
		case role != "admin" && role != "member":
			bad(u.Line, "user %q: role %q is not admin or member", u.Email, u.Role)
			continue
		}
		if _, ok := existing[key]; ok {
			bad(u.Line, "user %q: a user of the tenant already has this email", u.Email)
			continue
		}
		if _, ok := byEmail[key]; ok {
			bad(u.Line, "user %q: listed twice", u.Email)
			continue
		}
		id := uuid.New()
		byEmail[key], isNew[id] = id, true
		rows.Users = append(rows.Users, store.User{ID: id, TenantID: tenant, Email: u.Email, Name: u.Name, GlobalRole: role, Status: store.StatusActive})
		fact.Users = append(fact.Users, id)
	}
	userOf := func(line int, what, email string) (uuid.UUID, bool) {
		id, ok := byEmail[strings.ToLower(email)]
		if !ok {
			bad(line, "%s: %q is neither a user of this import nor of the tenant", what, email)
		}
		return id, ok
	}

	var names []string
	for _, g := range set.Groups {
		if cleanText(g.Name) {
			names = append(names, g.Name)
		}
	}
	groups, err := store.GroupsByName(ctx, q, tenant, names)
	if err != nil {
		return rows, fact, err
	}
	seenGroup := map[string]bool{}
	for _, g := range set.Groups {
		key := strings.ToLower(g.Name)
		switch {
		case strings.TrimSpace(g.Name) == "" || len(g.Name) > maxNameLen || !cleanText(g.Name):
			bad(g.Line, "group %q: a name of 1 to %d characters is required", g.Name, maxNameLen)
			continue
		case seenGroup[key]:
			bad(g.Line, "group %q: listed twice", g.Name)
			continue
		}
		seenGroup[key] = true
		id := groups[key].ID
		if _, ok := groups[key]; ok {
			fact.Joined = append(fact.Joined, id)
		} else {
			id = uuid.New()
			rows.Groups = append(rows.Groups, store.Group{ID: id, TenantID: tenant, Name: g.Name})
			fact.Groups = append(fact.Groups, id)
		}
		seenMember := map[uuid.UUID]bool{}
		for _, email := range g.Members {
			user, ok := userOf(g.Line, fmt.Sprintf("group %q", g.Name), email)
			if !ok || seenMember[user] {
				continue
			}
			seenMember[user] = true
			pair := [2]uuid.UUID{id, user}
			rows.GroupMembers = append(rows.GroupMembers, pair)
			if !isNew[user] {
				fact.Existing = append(fact.Existing, pair)
			}
		}
	}

	for _, w := range set.Workspaces {
		what := fmt.Sprintf("workspace %q", w.Name)
		if strings.TrimSpace(w.Name) == "" || len(w.Name) > maxNameLen || len(w.Description) > 4*maxNameLen || !cleanText(w.Name) || !cleanText(w.Description) {
			bad(w.Line, "%s: a name of 1 to %d characters (and a description of at most %d) is required", what, maxNameLen, 4*maxNameLen)
			continue
		}
		if w.Owner == "" {
			bad(w.Line, "%s: an owner is required", what)
			continue
		}
		owner, ok := userOf(w.Line, what+" owner", w.Owner)
		if !ok {
			continue
		}
		id := uuid.New()
		rows.Workspaces = append(rows.Workspaces, store.Workspace{ID: id, TenantID: tenant, Name: w.Name, Description: w.Description, CreatedBy: owner})
		fact.Workspaces = append(fact.Workspaces, id)
		members := []store.Member{{ID: uuid.New(), WorkspaceID: id, UserID: &owner, Role: "owner"}}
		seen := map[uuid.UUID]bool{owner: true}
		for _, m := range w.Members {
			user, ok := userOf(w.Line, what, m.Email)
			if !ok {
				continue
			}
			role := m.Role
			if role == "" {
				role = "member"
			}
			switch {
			case role != "owner" && role != "admin" && role != "member":
				bad(w.Line, "%s: member %q: role %q is not owner, admin or member", what, m.Email, m.Role)
				continue
			case seen[user]:
				bad(w.Line, "%s: %q is listed twice (the owner is a member already)", what, m.Email)
				continue
			}
			seen[user] = true
			members = append(members, store.Member{ID: uuid.New(), WorkspaceID: id, UserID: &user, Role: role})
		}
		rows.Members = append(rows.Members, members...)
	}
	if len(problems) > 0 {
		return rows, fact, &Invalid{Problems: problems}
	}
	return rows, fact, nil
}

// cleanText: valid UTF-8 without control characters.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func validEmail(s string) bool {
	if len(s) > 254 || !cleanText(s) || strings.ContainsRune(s, ' ') {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s, "@")
}
