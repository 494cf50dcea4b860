package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
)

// SPEC §2.3a: manage_accounts is Infrahub's name of manage_users — one
// permission with two identifiers — and the catalog has
// review_proposed_change and override_context.
func TestManageAccountsIsManageUsers(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	_, tok := w.holder(t, []string{"global:manage_accounts:allow_all"})
	if !w.global(t, tok, "manage_users") || !w.global(t, tok, "manage_accounts") {
		t.Fatal("manage_accounts does not allow manage_users")
	}
	// Deny by one name refuses the other: one relation in SpiceDB.
	id, tok2 := w.holder(t, []string{"global:manage_users:allow_all"})
	role := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("deny"), "permissions": []string{"global:manage_accounts:deny"}})
	if perms := role.Body["permissions"].([]any); len(perms) != 1 || perms[0] != "global:manage_users:deny" {
		t.Fatalf("stored as %v, want the canonical identifier", perms)
	}
	w.env.Must(t, 200, "PUT", "/v1/roles/"+role.Str("id")+"/assignments/user:"+id, w.root, nil)
	if w.global(t, tok2, "manage_users") || w.global(t, tok2, "manage_accounts") {
		t.Error("a manage_accounts deny did not refuse manage_users")
	}
	// Both identifiers in one role are one permission.
	both := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("both"), "permissions": []string{"global:manage_accounts:allow_all", "global:manage_users:allow_all"}})
	if n := len(both.Body["permissions"].([]any)); n != 1 {
		t.Errorf("two identifiers of one permission kept as %d", n)
	}
	// An admin holds manage_users, so may mint manage_accounts.
	_, admin := w.env.User(t, w.root, uniq("adm")+"@example.com", "admin")
	w.env.Must(t, 201, "POST", "/v1/roles", admin, map[string]any{"name": uniq("acc"), "permissions": []string{"global:manage_accounts:allow_all"}})
	cat := w.env.Must(t, 200, "GET", "/v1/permissions", tok, nil)
	for _, want := range []string{`"review_proposed_change"`, `"override_context"`, `"manage_accounts"`} {
		if !strings.Contains(string(cat.Raw), want) {
			t.Errorf("catalog lacks %s", want)
		}
	}
	_, reviewer := w.holder(t, []string{"global:review_proposed_change:allow_all"})
	if !w.global(t, reviewer, "review_proposed_change") || w.global(t, reviewer, "override_context") {
		t.Error("review_proposed_change alone")
	}
}

// On a merged or need_rebase branch every kind action but view is denied,
// super_admin included; reopened, deleted and never-registered branches
// are open; the default branch is always open.
func TestMergedBranchDeniesCreateToSuperAdminAllowsView(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	_, super := w.holder(t, []string{"global:super_admin:allow_all"})
	_, other := w.holder(t, []string{"object:*:*:any:allow_other"})
	_, merger := w.holder(t, []string{"global:merge_branch:allow_all"})
	_, nobody := w.holder(t)

	w.env.Must(t, 201, "POST", "/v1/branches", merger, map[string]string{"name": "feat/x.1"})
	w.env.Must(t, 409, "POST", "/v1/branches", merger, map[string]string{"name": "feat/x.1"})
	w.env.Must(t, 403, "POST", "/v1/branches", nobody, map[string]string{"name": "nope"})
	path := "/v1/branches/" + url.PathEscape("feat/x.1")
	w.env.Must(t, 403, "PATCH", path, nobody, map[string]string{"status": "merged"})
	w.expect(t, super, "Builtin:Tag", "create", "feat/x.1", true, "allow")

	w.env.Must(t, 200, "PATCH", path, merger, map[string]string{"status": "merged"})
	for _, a := range []string{"create", "update", "delete"} {
		w.expect(t, super, "Builtin:Tag", a, "feat/x.1", false, "deny")
		w.expect(t, other, "Builtin:Tag", a, "feat/x.1", false, "deny")
	}
	w.expect(t, super, "Builtin:Tag", "view", "feat/x.1", true, "allow")
	w.expect(t, other, "Builtin:Tag", "view", "feat/x.1", true, "allow")
	w.expect(t, super, "Builtin:Tag", "create", "main", true, "allow")
	w.expect(t, super, "Builtin:Tag", "create", "", true, "allow")
	w.expect(t, other, "Builtin:Tag", "create", "never-registered", true, "allow")

	list := w.env.Must(t, 200, "GET", "/v1/branches?limit=10", merger, nil)
	items := list.Body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["status"] != "merged" || items[0].(map[string]any)["name"] != "feat/x.1" {
		t.Errorf("list: %s", list.Raw)
	}

	w.env.Must(t, 200, "PATCH", path, merger, map[string]string{"status": "need_rebase"})
	w.expect(t, super, "Builtin:Tag", "update", "feat/x.1", false, "deny")
	tok := w.env.Must(t, 200, "PATCH", path, merger, map[string]string{"status": "open"}).Str("consistency_token")
	res := w.env.Must(t, 200, "POST", "/v1/check", super, map[string]any{"resource": map[string]string{"type": "kind", "id": "Builtin:Tag"},
		"permission": "update", "branch": "feat/x.1", "consistency": map[string]string{"at_least_as_fresh": tok}})
	if res.Body["allowed"] != true {
		t.Errorf("reopened branch still denies: %s", res.Raw)
	}
	w.env.Must(t, 200, "PATCH", path, merger, map[string]string{"status": "merged"})
	w.env.Must(t, 200, "DELETE", path, merger, nil)
	w.env.Must(t, 404, "DELETE", path, merger, nil)
	w.expect(t, other, "Builtin:Tag", "create", "feat/x.1", true, "allow")

	// Bulk checks see the branch too.
	w.env.Must(t, 201, "POST", "/v1/branches", merger, map[string]string{"name": "done"})
	w.env.Must(t, 200, "PATCH", "/v1/branches/done", merger, map[string]string{"status": "merged"})
	bulk := w.env.Must(t, 200, "POST", "/v1/check/bulk", super, map[string]any{"items": []any{
		map[string]any{"resource": map[string]string{"type": "kind", "id": "Infra:Device"}, "permission": "create", "branch": "done"},
		map[string]any{"resource": map[string]string{"type": "kind", "id": "Infra:Device"}, "permission": "view", "branch": "done"},
	}})
	r := bulk.Body["results"].([]any)
	if r[0].(map[string]any)["allowed"] != false || r[0].(map[string]any)["decision"] != "deny" || r[1].(map[string]any)["allowed"] != true {
		t.Errorf("bulk on a merged branch: %s", bulk.Raw)
	}
	drift, err := w.env.Projector.Reconcile(t.Context(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift: %v %v", drift, err)
	}
}

// A kind guarded by a global permission (here inherited from a generic)
// is decided for every action but view by that permission alone.
func TestGuardedRepositoryKindInheritsFromGeneric(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GenericRepository", "generic": true, "guarded_by": "manage_repositories"})
	k := w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GitRepository", "inherit_from": []string{"Core:GenericRepository"}})
	if k.Str("id") != "Core:GitRepository" {
		t.Fatalf("kind: %s", k.Raw)
	}
	_, objects := w.holder(t, []string{"object:*:*:any:allow_all"})
	w.expect(t, objects, "Core:GitRepository", "update", "", false, "deny")
	w.expect(t, objects, "Core:GitRepository", "create", "feat", false, "deny")
	w.expect(t, objects, "Core:GitRepository", "view", "", true, "allow")
	w.expect(t, objects, "Core:GenericRepository", "delete", "", false, "deny")
	w.expect(t, objects, "Builtin:Tag", "update", "", true, "allow")

	_, repos := w.holder(t, []string{"global:manage_repositories:allow_all"})
	w.expect(t, repos, "Core:GitRepository", "update", "", true, "allow")
	w.expect(t, repos, "Core:GitRepository", "delete", "feat", true, "allow")
	w.expect(t, repos, "Core:GitRepository", "view", "", false, "deny")
	w.expect(t, repos, "Builtin:Tag", "update", "", false, "deny")

	// A deny of the guard refuses, whatever object permissions say.
	_, denied := w.holder(t, []string{"global:manage_repositories:allow_all", "object:Core:GitRepository:any:allow_all"}, []string{"global:manage_repositories:deny"})
	w.expect(t, denied, "Core:GitRepository", "create", "", false, "deny")

	// Infrahub's own: account kinds by manage_accounts (= manage_users).
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GenericAccount", "generic": true, "guarded_by": "manage_accounts"})
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Internal", "name": "Account", "inherit_from": []string{"Core:GenericAccount"}})
	_, admin := w.env.User(t, w.root, uniq("admin")+"@example.com", "admin")
	w.expect(t, admin, "Internal:Account", "update", "", true, "allow")
	w.expect(t, objects, "Internal:Account", "update", "", false, "deny")
	drift, err := w.env.Projector.Reconcile(t.Context(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift: %v %v", drift, err)
	}
}

// A kind registered under an existing guarded generic is guarded for a
// check at the write's consistency token.
func TestRegisterKindUnderExistingGenericTakesEffectWithToken(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	_, objects := w.holder(t, []string{"object:*:*:any:allow_all"})
	_, schema := w.holder(t, []string{"global:manage_schema:allow_all"})
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Schema", "name": "Generic", "generic": true, "guarded_by": "manage_schema"})
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Schema", "name": "Node", "generic": true, "inherit_from": []string{"Schema:Generic"}})
	tok := w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Schema", "name": "Attribute", "inherit_from": []string{"Schema:Node"}}).Str("consistency_token")
	at := map[string]string{"at_least_as_fresh": tok}
	for tk, want := range map[string]bool{objects: false, schema: true} {
		r := w.env.Must(t, 200, "POST", "/v1/check", tk, map[string]any{"resource": map[string]string{"type": "kind", "id": "Schema:Attribute"}, "permission": "update", "consistency": at})
		if r.Body["allowed"] != want {
			t.Errorf("update Schema:Attribute at the write's token: %s, want %v", r.Raw, want)
		}
	}
	list := w.env.Must(t, 200, "GET", "/v1/kinds?limit=1000", w.root, nil)
	if !strings.Contains(string(list.Raw), `"inherit_from":["Schema:Node"]`) {
		t.Errorf("kinds list lacks the inheritance: %s", truncate(list.Raw))
	}
}

func TestBranchAndKindBadInput422(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Ok", "name": "Generic", "generic": true, "guarded_by": "manage_schema"})
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Other", "name": "Generic", "generic": true, "guarded_by": "merge_branch"})
	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"namespace": "A", "name": "B", "guarded_by": "fly"}, "guarded_by"},
		{map[string]any{"namespace": "A", "name": "B", "guarded_by": "view"}, "guarded_by"},
		{map[string]any{"namespace": "A", "name": "B", "inherit_from": []string{"No:Such"}}, "inherit_from[0]"},
		{map[string]any{"namespace": "A", "name": "B", "inherit_from": []string{"Builtin:Tag"}}, "inherit_from[0]"},
		{map[string]any{"namespace": "A", "name": "B", "inherit_from": []string{"not a kind"}}, "inherit_from[0]"},
		{map[string]any{"namespace": "A", "name": "B", "generic": true, "inherit_from": []string{"A:B"}}, "inherit_from[0]"},
		{map[string]any{"namespace": "A", "name": "B", "inherit_from": []string{"Ok:Generic", "Other:Generic"}}, "inherit_from[1]"},
		{map[string]any{"namespace": "A", "name": "B", "guarded_by": "manage_users", "inherit_from": []string{"Ok:Generic"}}, "guarded_by"},
	}
	for _, b := range bad {
		r := w.env.Do(t, "POST", "/v1/kinds", w.root, b.body)
		if r.Status != 422 || r.Str("field") != b.field {
			t.Errorf("%v: %d %s, want 422 naming %s", b.body, r.Status, r.Raw, b.field)
		}
	}
	list := w.env.Must(t, 200, "GET", "/v1/kinds?limit=1000", w.root, nil)
	if strings.Contains(string(list.Raw), `"A:B"`) {
		t.Error("a refused kind was stored")
	}
	for _, name := range []string{"", "-x", "a b", "main", strings.Repeat("x", 256), "ü"} {
		if r := w.env.Do(t, "POST", "/v1/branches", w.root, map[string]string{"name": name}); r.Status != 422 || r.Str("field") != "name" {
			t.Errorf("branch %q: %d %s", name, r.Status, r.Raw)
		}
	}
	w.env.Must(t, 201, "POST", "/v1/branches", w.root, map[string]string{"name": "b1"})
	if r := w.env.Do(t, "PATCH", "/v1/branches/b1", w.root, map[string]string{"status": "closed"}); r.Status != 422 || r.Str("field") != "status" {
		t.Errorf("status closed: %d %s", r.Status, r.Raw)
	}
	w.env.Must(t, 404, "PATCH", "/v1/branches/unknown", w.root, map[string]string{"status": "merged"})
	if r := w.env.Do(t, "POST", "/v1/check", w.root, map[string]any{"resource": map[string]string{"type": "kind", "id": "Builtin:Tag"}, "permission": "view", "branch": "a b"}); r.Status != 422 || r.Str("field") != "branch" {
		t.Errorf("check on branch 'a b': %d %s", r.Status, r.Raw)
	}
	if list := w.env.Must(t, 200, "GET", "/v1/branches", w.root, nil); strings.Count(string(list.Raw), `"name"`) != 1 {
		t.Errorf("branches: %s", list.Raw)
	}
}

// The report equals one /v1/check per cell, for the caller and for
// another subject asked by a superadmin, on the default branch, another
// branch and a merged one; it pages over kinds.
func TestPermissionReportEqualsChecks(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GenericRepository", "generic": true, "guarded_by": "manage_repositories"})
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GitRepository", "inherit_from": []string{"Core:GenericRepository"}})
	w.env.Must(t, 201, "POST", "/v1/branches", w.root, map[string]string{"name": "merged1"})
	w.env.Must(t, 200, "PATCH", "/v1/branches/merged1", w.root, map[string]string{"status": "merged"})
	id, tok := w.holder(t, []string{"object:*:*:view:allow_all", "object:*:*:create:allow_other", "object:Builtin:Tag:update:deny", "object:*:*:update:allow_default", "object:Infra:*:any:allow_all"},
		[]string{"global:manage_repositories:allow_all", "object:Core:*:delete:deny"})
	kinds := w.env.Must(t, 200, "GET", "/v1/kinds?limit=1000", w.root, nil).Body["items"].([]any)
	for _, branch := range []string{"", "feat", "merged1"} {
		for _, asker := range []struct{ token, subject string }{{tok, ""}, {w.root, "user:" + id}} {
			rows := map[string]map[string]any{}
			cursor := ""
			for pages := 0; ; pages++ {
				q := url.Values{"limit": {"4"}, "branch": {branch}, "subject": {asker.subject}, "cursor": {cursor}}
				r := w.env.Must(t, 200, "GET", "/v1/permissions/report?"+q.Encode(), asker.token, nil)
				for _, it := range r.Body["items"].([]any) {
					row := it.(map[string]any)
					rows[row["kind"].(string)] = row
				}
				cursor = r.Str("next_cursor")
				if cursor == "" {
					break
				}
				if pages > 10 {
					t.Fatal("report does not end")
				}
			}
			if len(rows) != len(kinds) {
				t.Fatalf("report has %d kinds, the tenant %d", len(rows), len(kinds))
			}
			for kind, row := range rows {
				for _, a := range []string{"view", "create", "update", "delete"} {
					body := map[string]any{"resource": map[string]string{"type": "kind", "id": kind}, "permission": a, "branch": branch}
					if asker.subject != "" {
						body["subject"] = map[string]string{"type": "user", "id": id}
					}
					c := w.env.Must(t, 200, "POST", "/v1/check", asker.token, body)
					if c.Str("decision") != row[a] {
						t.Errorf("branch %q %s %s: report %v, check %s", branch, kind, a, row[a], c.Str("decision"))
					}
				}
			}
			if branch == "" && (rows["Builtin:Tag"]["update"] != "deny" || rows["Builtin:Tag"]["create"] != "allow_other" || rows["Core:GitRepository"]["update"] != "allow") {
				t.Errorf("report rows: %v %v", rows["Builtin:Tag"], rows["Core:GitRepository"])
			}
		}
	}
	_, member := w.env.User(t, w.root, uniq("m")+"@example.com", "member")
	w.env.Must(t, 403, "GET", "/v1/permissions/report?subject=user:"+id, member, nil)
	w.env.Must(t, 422, "GET", "/v1/permissions/report?branch=a%20b", member, nil)
}

// explain: true answers SpiceDB's decision in words, with its trace.
func TestExplanationInWords(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	id, tok := w.env.User(t, w.root, "alice@example.com", "member")
	w.env.Must(t, 200, "PATCH", "/v1/users/"+id, w.root, map[string]string{"name": "alice"})
	g := w.env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": "eng"}).Str("id")
	w.env.Must(t, 200, "PUT", "/v1/groups/"+g+"/members/"+id, w.root, nil)
	auditor := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": "Auditor", "permissions": []string{"object:*:*:view:allow_all"}}).Str("id")
	w.env.Must(t, 200, "PUT", "/v1/roles/"+auditor+"/assignments/group:"+g, w.root, nil)
	noTag := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": "NoTags", "permissions": []string{"object:Builtin:Tag:view:deny"}}).Str("id")
	w.env.Must(t, 200, "PUT", "/v1/roles/"+noTag+"/assignments/user:"+id, w.root, nil)

	explain := func(kind, action, branch string) (bool, string, map[string]any) {
		t.Helper()
		r := w.env.Must(t, 200, "POST", "/v1/check", tok, map[string]any{"resource": map[string]string{"type": "kind", "id": kind}, "permission": action, "branch": branch, "explain": true})
		ex, _ := r.Body["explanation"].(map[string]any)
		if ex == nil || ex["trace"] == nil {
			t.Fatalf("no explanation with a trace: %s", r.Raw)
		}
		if strings.Contains(string(r.Raw), "schemaUsed") || strings.Contains(string(r.Raw), "definition user") {
			t.Error("the explanation carries the schema")
		}
		text, _ := ex["text"].(string)
		return r.Body["allowed"] == true, text, ex
	}
	allowed, text, _ := explain("Infra:Device", "view", "")
	for _, want := range []string{"alice is a member of group eng", "eng holds role Auditor", "Auditor's object:*:*:view:allow_all is the most specific match (specificity 1)", "so view Infra:Device is allowed"} {
		if !allowed || !strings.Contains(text, want) {
			t.Errorf("allowed=%v, text %q lacks %q", allowed, text, want)
		}
	}
	allowed, text, _ = explain("Builtin:Tag", "view", "")
	for _, want := range []string{"NoTags's object:Builtin:Tag:view:deny is the most specific match (specificity 4)", "so view Builtin:Tag is denied"} {
		if allowed || !strings.Contains(text, want) {
			t.Errorf("allowed=%v, text %q lacks %q", allowed, text, want)
		}
	}
	allowed, text, _ = explain("Infra:Device", "update", "")
	if allowed || !strings.Contains(text, "holds nothing that grants it") || !strings.Contains(text, "so update Infra:Device is denied") {
		t.Errorf("nothing held: allowed=%v %q", allowed, text)
	}
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GenericRepository", "generic": true, "guarded_by": "manage_repositories"})
	w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]any{"namespace": "Core", "name": "GitRepository", "inherit_from": []string{"Core:GenericRepository"}})
	allowed, text, _ = explain("Core:GitRepository", "update", "")
	if allowed || !strings.Contains(text, "guarded by the global permission manage_repositories") {
		t.Errorf("guarded: allowed=%v %q", allowed, text)
	}

	// A workspace role, and the cap that stops it.
	owner, ownerTok := w.env.User(t, w.root, "oscar@example.com", "member")
	ws := w.env.Must(t, 201, "POST", "/v1/workspaces", ownerTok, map[string]string{"name": "capped"}).Str("id")
	r := w.env.Must(t, 200, "POST", "/v1/check", ownerTok, map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "delete", "explain": true})
	if text := r.Body["explanation"].(map[string]any)["text"].(string); !strings.Contains(text, "is owner of workspace capped") || !strings.Contains(text, "is allowed") {
		t.Errorf("owner: %q", text)
	}
	// view_resources reads the role-agnostic workspace#holder: the words
	// still name the role (from the projection), here through a group.
	bob, bobTok := w.env.User(t, w.root, "bob@example.com", "member")
	ops := w.env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": "ops"}).Str("id")
	w.env.Must(t, 200, "PUT", "/v1/groups/"+ops+"/members/"+bob, w.root, nil)
	w.env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", ownerTok, map[string]string{"group_id": ops, "role": "admin"})
	r = w.env.Must(t, 200, "POST", "/v1/check", bobTok, map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources", "explain": true})
	if text := r.Body["explanation"].(map[string]any)["text"].(string); r.Body["allowed"] != true || !strings.Contains(text, "group ops is admin of workspace capped") {
		t.Errorf("holder through a group: allowed=%v %q", r.Body["allowed"], text)
	}
	capRole := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": "NoWsDelete", "permissions": []string{"object:Core:Workspace:delete:deny"}}).Str("id")
	w.env.Must(t, 200, "PUT", "/v1/roles/"+capRole+"/assignments/user:"+owner, w.root, nil)
	r = w.env.Must(t, 200, "POST", "/v1/check", ownerTok, map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "delete", "explain": true})
	text = r.Body["explanation"].(map[string]any)["text"].(string)
	for _, want := range []string{"is owner of workspace capped", "NoWsDelete's object:Core:Workspace:delete:deny is the most specific match (specificity 4)", "caps the workspace role", "is denied"} {
		if r.Body["allowed"] != false || !strings.Contains(text, want) {
			t.Errorf("capped owner: %q lacks %q", text, want)
		}
	}
}
