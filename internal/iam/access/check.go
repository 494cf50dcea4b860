package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/schema"
)

// Ref is a {type, id} reference on the wire.
type Ref struct {
	Type string
	ID   string
}

// ConsistencyInput is the wire form of a consistency requirement.
type ConsistencyInput struct {
	AtLeastAsFresh  string
	FullyConsistent bool
	MinimizeLatency bool
}

// CheckInput is POST /v1/check (and one item of a bulk check).
type CheckInput struct {
	Subject     *Ref
	Resource    Ref
	Permission  string
	Branch      string
	Consistency *ConsistencyInput
	Explain     bool
}

// CheckOutput is the answer of a check.
type CheckOutput struct {
	Allowed     bool
	Decision    string
	CheckedAt   string
	Explanation *Explanation
	Error       *ItemError
}

// ItemError is a per-item error of a bulk check.
type ItemError struct {
	Code    string
	Field   string
	Message string
}

// checkable lists the permissions the check API accepts per resource type:
// generated names (schema/names_gen.go), so each is one the schema has.
var checkable = func() map[string]map[string]bool {
	m := map[string]map[string]bool{
		"workspace": core.SetOf(schema.Workspace.View, schema.Workspace.ViewResources, schema.Workspace.Update, schema.Workspace.Delete,
			schema.Workspace.ManageMembers, schema.Workspace.ManageOwners, schema.Workspace.WhitelistModels, schema.Workspace.CreateDeployment,
			schema.Workspace.CreateAPIKey, schema.Workspace.ManageAPIKeys, schema.Workspace.ViewAuditLogs),
		"model":      core.SetOf(schema.Model.View, schema.Model.Update, schema.Model.Delete),
		"deployment": core.SetOf(schema.Deployment.View, schema.Deployment.Invoke, schema.Deployment.Update, schema.Deployment.Delete),
		"apikey":     core.SetOf(schema.Apikey.View, schema.Apikey.Revoke),
		"kind":       core.SetOf(perm.ObjectActions...),
		"tenant":     {},
	}
	for _, a := range perm.GlobalActions {
		m["tenant"][a.Name] = true
	}
	for alias := range perm.Aliases {
		m["tenant"][alias] = true
	}
	return m
}()

// subjectTypes maps a wire subject type to its SpiceDB form.
var subjectTypes = map[string]string{"user": "", "apikey": "", "group": "member", "service": ""}

// resolvedCheck is a validated check.
type resolvedCheck struct {
	subject  authz.Object
	tenantID uuid.UUID // the subject's tenant
	items    []authz.CheckItem
	kind     bool // kind checks answer a branch-relative decision
	branch   bool // the check is on another branch
}

// Check answers "may subject do permission on resource?" from SpiceDB.
func (s *Service) Check(ctx context.Context, p *core.Principal, meta core.RequestMeta, in CheckInput) (CheckOutput, error) {
	rc, err := s.resolveCheck(ctx, p, meta, in)
	if err != nil {
		return CheckOutput{}, err
	}
	if in.Explain && !rc.kind {
		// The trace names the resource's tenant and relations: another
		// tenant's objects are not explained (as if they did not exist).
		t, ok, err := s.resourceTenant(ctx, rc.items[0].Resource)
		if err != nil {
			return CheckOutput{}, err
		}
		if !ok || t != rc.tenantID {
			if sup, err := s.Superadmin(ctx, p, meta); err != nil || !sup {
				return CheckOutput{}, errors.Join(err, core.NotFound(in.Resource.Type))
			}
		}
	}
	if s.cacheable(rc, in) {
		return s.checkThroughCache(ctx, rc, meta, in.Consistency)
	}
	cons, err := s.checkConsistency(ctx, p, rc.tenantID, meta, in.Consistency)
	if err != nil {
		return CheckOutput{}, err
	}
	out, _, err := s.answer(ctx, rc, cons, in)
	return out, err
}

// cacheable tells whether a check may be answered from (and fill) the
// decision cache: never an explained check, never one asked
// fully_consistent, never one whose subject's relationships may expire (an
// API key's, as the schema says: authz.Additivity.Expiring; SpiceDB ends
// them on time, not through the outbox, so no epoch would move).
func (s *Service) cacheable(rc resolvedCheck, in CheckInput) bool {
	return s.Decisions != nil && !in.Explain && !s.Projector.Additivity.Expiring(rc.subject.Type) &&
		(in.Consistency == nil || !in.Consistency.FullyConsistent)
}

// checkThroughCache answers a cacheable check.
//
// Freshness by default: the tenant's newest token T and the projection
// epoch E are read in one statement, before anything else. An entry stored
// at exactly (T, E) is replayed. Otherwise SpiceDB is asked
// fully_consistent and its answer stored at (T, E). Why no replay can be
// stale: every change of what SpiceDB holds moves E after its SpiceDB write
// and before it is reported applied (store.MarkOutboxApplied, and
// MarkOutboxFailed, SetTenantToken, schema writes). An answer stored at E
// was computed at SpiceDB's head after E was read, so it includes every
// change that had moved the epoch up to E, of any tenant (platform-wide
// ones too); a change applied since has moved E, and the entry is no
// longer looked at. (Asking at_least_as_fresh T would not do: T covers only
// the tenant's own writes, and SpiceDB may answer at an older revision than
// another tenant's newest change, which E counts.)
//
// An allowed answer is also replayed after changes that only added
// (T and the additions epoch moved, E did not: store.Freshness), as long as
// the token it answers with (its own checked_at) satisfies the request: no
// additive change takes a permission away (authz.Additivity).
//
// minimize_latency and at_least_as_fresh: an entry is replayed when (T, E)
// is still current (the same one statement, read only when an entry might
// serve) and, for at_least_as_fresh, the client's token is T or the
// entry's own checked_at, which the entry is at least as fresh as.
// Otherwise SpiceDB is asked as the client asked, and nothing is stored.
func (s *Service) checkThroughCache(ctx context.Context, rc resolvedCheck, meta core.RequestMeta, in *ConsistencyInput) (CheckOutput, error) {
	c, key := s.Decisions, decisionKey(rc)
	if in == nil {
		fresh, err := s.Freshness(ctx, rc.tenantID)
		if err != nil {
			return CheckOutput{}, err
		}
		// The header's token, when given, is satisfied by the same rule as
		// at_least_as_fresh; a miss reads at head, fresher than any.
		if e, ok := c.get(key); ok && (e.fresh == fresh &&
			(meta.ConsistencyToken == "" || meta.ConsistencyToken == fresh.Token || meta.ConsistencyToken == e.checkedAt) ||
			e.stillAllowed(fresh) && (meta.ConsistencyToken == "" || meta.ConsistencyToken == e.checkedAt)) {
			c.Hits.Add(1)
			return e.output(), nil
		}
		c.Misses.Add(1)
		out, token, err := s.answer(ctx, rc, authz.Consistency{FullyConsistent: true}, CheckInput{})
		if err != nil || token == "" {
			return out, err
		}
		c.put(key, decisionEntry{fresh: fresh, checkedAt: token, sealed: out.CheckedAt, allowed: out.Allowed, decision: out.Decision})
		return out, nil
	}
	cons, err := s.checkConsistency(ctx, nil, rc.tenantID, meta, in)
	if err != nil {
		return CheckOutput{}, err
	}
	if e, ok := c.get(key); ok && (cons.MinimizeLatency || cons.AtLeastAsFresh == e.fresh.Token || cons.AtLeastAsFresh == e.checkedAt) {
		fresh, err := s.Freshness(ctx, rc.tenantID)
		if err != nil {
			return CheckOutput{}, err
		}
		if e.fresh == fresh || e.stillAllowed(fresh) {
			c.Hits.Add(1)
			return e.output(), nil
		}
	}
	c.Misses.Add(1)
	out, _, err := s.answer(ctx, rc, cons, CheckInput{})
	return out, err
}

// answer asks SpiceDB a resolved check at cons; it returns the raw token it
// was checked at besides the answer (which holds it sealed).
func (s *Service) answer(ctx context.Context, rc resolvedCheck, cons authz.Consistency, in CheckInput) (CheckOutput, string, error) {
	if !rc.kind {
		res, token, err := s.Checker.Check(ctx, rc.items[0], cons, in.Explain)
		if err != nil {
			return CheckOutput{}, "", s.MapErr(err)
		}
		out := CheckOutput{Allowed: res.Allowed, Decision: "deny", CheckedAt: s.Tokens.Seal(token)}
		if res.Allowed {
			out.Decision = "allow"
		}
		if in.Explain {
			out.Explanation = s.explain(ctx, res, rc.subject, in, res.Allowed, false)
		}
		return out, token, nil
	}
	res, token, err := s.Checker.CheckBulk(ctx, rc.items, cons)
	if err != nil {
		return CheckOutput{}, "", s.MapErr(err)
	}
	for _, r := range res {
		if r.Err != nil {
			return CheckOutput{}, "", s.MapErr(fmt.Errorf("%w: %v", authz.ErrUnavailable, r.Err))
		}
	}
	out := kindDecision(res, rc.branch)
	out.CheckedAt = s.Tokens.Seal(token)
	if in.Explain {
		// The trace of the question that decided: the action on the branch
		// asked, at the revision the decision was made.
		idx := 0
		if rc.branch {
			idx = 1
		}
		ex, _, err := s.Checker.Check(ctx, rc.items[idx], authz.Consistency{AtLeastAsFresh: token}, true)
		if err != nil {
			return CheckOutput{}, "", s.MapErr(err)
		}
		frozen := len(res) > 2 && res[2].Allowed
		out.Explanation = s.explain(ctx, ex, rc.subject, in, out.Allowed, frozen)
	}
	return out, token, nil
}

// kindItems are the SpiceDB questions of a kind check: the action on the
// default branch and on other branches and, on another branch for an
// action other than view, whether that branch is frozen (merged or
// need_rebase; a name never registered holds nothing, so it is open).
func (s *Service) kindItems(tenantID uuid.UUID, subject authz.Object, k perm.Kind, action, branch string) []authz.CheckItem {
	obj := authz.KindObject(tenantID, k.Namespace, k.Name)
	items := []authz.CheckItem{
		{Resource: obj, Permission: action, Subject: subject},
		{Resource: obj, Permission: action + "_on_branch", Subject: subject},
	}
	if !s.isDefaultBranch(branch) && action != perm.ActionView {
		items = append(items, authz.CheckItem{Resource: authz.BranchObject(tenantID, branch), Permission: schema.Branch.Frozen, Subject: authz.Obj("tenant", tenantID)})
	}
	return items
}

// kindDecision reports the branch-relative outcome (Infrahub's
// BranchRelativePermissionDecision, SPEC §2.3) from the default-branch and
// other-branch answers: "allow" exactly when allowed on the branch asked;
// otherwise "allow_default" when only the default branch would be allowed,
// "allow_other" when only other branches would, "deny" when neither.
//
// A third answer, when present, is branch#frozen: SpiceDB says the branch
// is merged or need_rebase, so the action is denied there.
func kindDecision(res []authz.CheckResult, otherBranch bool) CheckOutput {
	if len(res) > 2 && res[2].Allowed {
		return CheckOutput{Decision: "deny"}
	}
	def, oth := res[0].Allowed, res[1].Allowed
	out := CheckOutput{Allowed: (otherBranch && oth) || (!otherBranch && def)}
	switch {
	case out.Allowed:
		out.Decision = "allow"
	case def:
		out.Decision = "allow_default"
	case oth:
		out.Decision = "allow_other"
	default:
		out.Decision = "deny"
	}
	return out
}

// BulkInput is POST /v1/check/bulk.
type BulkInput struct {
	Items       []CheckInput
	Consistency *ConsistencyInput
}

// BulkOutput answers every item in order.
type BulkOutput struct {
	Results   []CheckOutput
	CheckedAt string
}

// MaxBulkItems bounds a bulk check.
const MaxBulkItems = 1000

// CheckBulk answers many checks in one SpiceDB call. An invalid item gets
// an error in its place; the others are answered.
func (s *Service) CheckBulk(ctx context.Context, p *core.Principal, meta core.RequestMeta, in BulkInput) (BulkOutput, error) {
	if len(in.Items) == 0 {
		return BulkOutput{}, core.Invalid("items", "must hold at least one item")
	}
	if len(in.Items) > MaxBulkItems {
		return BulkOutput{}, core.Invalid("items", "at most %d items (got %d)", MaxBulkItems, len(in.Items))
	}
	out := BulkOutput{Results: make([]CheckOutput, len(in.Items))}
	slots := make([]*bulkSlot, len(in.Items))
	var items []authz.CheckItem
	tenant := p.TenantID
	grants, err := s.resolveSubjects(ctx, p, meta, in.Items)
	if err != nil {
		return BulkOutput{}, err
	}
	for i, it := range in.Items {
		if it.Consistency != nil {
			if tok := it.Consistency.AtLeastAsFresh; tok != "" {
				if _, err := s.OpenToken(fmt.Sprintf("items[%d].consistency.at_least_as_fresh", i), tok); err != nil {
					return BulkOutput{}, err
				}
			}
			out.Results[i] = CheckOutput{Decision: "deny", Error: &ItemError{Code: "invalid_field", Field: fmt.Sprintf("items[%d].consistency", i), Message: "consistency applies to the whole bulk check: set it beside items"}}
			continue
		}
		rc, err := s.resolveCheckWith(ctx, p, meta, it, grants)
		if err != nil {
			var e *core.Error
			if errors.As(err, &e) && e.Kind != core.KindUnavailable {
				out.Results[i].Error = &ItemError{Code: e.Code, Field: fmt.Sprintf("items[%d].%s", i, e.Field), Message: e.Message}
				out.Results[i].Decision = "deny"
				continue
			}
			return BulkOutput{}, err
		}
		slots[i] = &bulkSlot{rc: rc, start: len(items)}
		items = append(items, rc.items...)
		tenant = rc.tenantID
	}
	if in.Consistency == nil && meta.ConsistencyToken == "" && s.bulkCacheable(in.Items, slots) {
		return out, s.bulkThroughCache(ctx, slots, &out)
	}
	cons, err := s.checkConsistency(ctx, p, tenant, meta, in.Consistency)
	if err != nil {
		return BulkOutput{}, err
	}
	res, token, err := s.Checker.CheckBulk(ctx, items, cons)
	if err != nil {
		return BulkOutput{}, s.MapErr(err)
	}
	out.CheckedAt = s.Tokens.Seal(token)
	for i, sl := range slots {
		if sl != nil {
			out.Results[i] = sl.decision(res[sl.start : sl.start+len(sl.rc.items)])
		}
	}
	return out, nil
}

// bulkSlot is a resolved item of a bulk check: its SpiceDB questions are
// items[start : start+len(rc.items)] of the call.
type bulkSlot struct {
	rc    resolvedCheck
	start int
}

// decision is the item's answer from the answers to its questions.
func (sl *bulkSlot) decision(r []authz.CheckResult) CheckOutput {
	for _, one := range r {
		if one.Err != nil {
			return CheckOutput{Decision: "deny", Error: &ItemError{Code: "check_failed", Message: one.Err.Error()}}
		}
	}
	if sl.rc.kind {
		return kindDecision(r, sl.rc.branch)
	}
	return CheckOutput{Allowed: r[0].Allowed, Decision: map[bool]string{true: "allow", false: "deny"}[r[0].Allowed]}
}

// bulkCacheable: every resolved item of a bulk check may be answered from
// the decision cache (as cacheable says of one check).
func (s *Service) bulkCacheable(items []CheckInput, slots []*bulkSlot) bool {
	if s.Decisions == nil {
		return false
	}
	n := 0
	for i, sl := range slots {
		if sl == nil {
			continue
		}
		if !s.cacheable(sl.rc, items[i]) {
			return false
		}
		n++
	}
	return n > 0
}

// bulkThroughCache answers a bulk check at default consistency through the
// decision cache, by checkThroughCache's rule for entries at exactly the
// current freshness of their tenant: those are replayed, the others asked
// of SpiceDB in one fully consistent call and stored. checked_at is that
// call's token, or when every item was replayed, the token of one of the
// entries: they were all computed while no change was applied (the
// epochs they were stored at are the current ones), so every answer holds
// at it.
func (s *Service) bulkThroughCache(ctx context.Context, slots []*bulkSlot, out *BulkOutput) error {
	c := s.Decisions
	fresh := map[uuid.UUID]store.Freshness{}
	var asked []authz.CheckItem
	var missed []int
	keys := make([]string, len(slots))
	for i, sl := range slots {
		if sl == nil {
			continue
		}
		f, ok := fresh[sl.rc.tenantID]
		if !ok {
			var err error
			if f, err = s.Freshness(ctx, sl.rc.tenantID); err != nil {
				return err
			}
			fresh[sl.rc.tenantID] = f
		}
		keys[i] = decisionKey(sl.rc)
		if e, ok := c.get(keys[i]); ok && e.fresh == f {
			out.Results[i] = CheckOutput{Allowed: e.allowed, Decision: e.decision}
			if out.CheckedAt == "" {
				out.CheckedAt = e.sealed
			}
			continue
		}
		missed = append(missed, i)
		sl.start = len(asked)
		asked = append(asked, sl.rc.items...)
	}
	hits := 0
	for _, sl := range slots {
		if sl != nil {
			hits++
		}
	}
	c.Hits.Add(uint64(hits - len(missed)))
	c.Misses.Add(uint64(len(missed)))
	if len(missed) == 0 {
		return nil
	}
	res, token, err := s.Checker.CheckBulk(ctx, asked, authz.Consistency{FullyConsistent: true})
	if err != nil {
		return s.MapErr(err)
	}
	out.CheckedAt = s.Tokens.Seal(token)
	for _, i := range missed {
		sl := slots[i]
		d := sl.decision(res[sl.start : sl.start+len(sl.rc.items)])
		out.Results[i] = d
		if d.Error == nil && token != "" {
			c.put(keys[i], decisionEntry{fresh: fresh[sl.rc.tenantID], checkedAt: token, sealed: out.CheckedAt, allowed: d.Allowed, decision: d.Decision})
		}
	}
	return nil
}

func (s *Service) checkConsistency(ctx context.Context, p *core.Principal, tenantID uuid.UUID, meta core.RequestMeta, in *ConsistencyInput) (authz.Consistency, error) {
	if in == nil {
		if token, ok := p.KnownTenantToken(); ok && p.TenantID == tenantID {
			return core.ConsistencyAt(token, meta), nil
		}
		return s.Consistency(ctx, tenantID, meta)
	}
	n := 0
	if in.AtLeastAsFresh != "" {
		n++
	}
	if in.FullyConsistent {
		n++
	}
	if in.MinimizeLatency {
		n++
	}
	if n != 1 {
		return authz.Consistency{}, core.Invalid("consistency", "give exactly one of at_least_as_fresh, fully_consistent, minimize_latency")
	}
	zed := ""
	if in.AtLeastAsFresh != "" {
		var err error
		if zed, err = s.OpenToken("consistency.at_least_as_fresh", in.AtLeastAsFresh); err != nil {
			return authz.Consistency{}, err
		}
	}
	return authz.Consistency{AtLeastAsFresh: zed, FullyConsistent: in.FullyConsistent, MinimizeLatency: in.MinimizeLatency}, nil
}

// resolveCheck validates a check and decides whether the caller may ask it.
func (s *Service) resolveCheck(ctx context.Context, p *core.Principal, meta core.RequestMeta, in CheckInput) (resolvedCheck, error) {
	return s.resolveCheckWith(ctx, p, meta, in, nil)
}

// subjectGrants is what a bulk check resolves once for all its items: the
// tenant of every subject named, and on which tenants the caller may check
// other subjects (check_subjects).
type subjectGrants struct {
	tenants  map[string]uuid.UUID // "type:id" of subjects that exist
	mayCheck map[uuid.UUID]bool
}

// resolveSubjects looks up, for the items naming another subject than the
// caller, every subject's tenant (one statement per subject type) and the
// caller's check_subjects on those tenants and its own (one SpiceDB call).
func (s *Service) resolveSubjects(ctx context.Context, p *core.Principal, meta core.RequestMeta, items []CheckInput) (*subjectGrants, error) {
	g := &subjectGrants{tenants: map[string]uuid.UUID{}, mayCheck: map[uuid.UUID]bool{}}
	byType := map[string][]uuid.UUID{}
	for _, it := range items {
		if it.Subject == nil || (it.Subject.Type == p.Kind && it.Subject.ID == p.ID.String()) {
			continue
		}
		if _, ok := subjectTypes[it.Subject.Type]; !ok {
			continue
		}
		if id, err := uuid.Parse(it.Subject.ID); err == nil && len(it.Subject.ID) == 36 {
			byType[it.Subject.Type] = append(byType[it.Subject.Type], id)
		}
	}
	if len(byType) == 0 {
		return g, nil
	}
	tenants := []uuid.UUID{p.TenantID}
	for typ, ids := range byType {
		found, err := s.SubjectTenants(ctx, typ, ids)
		if err != nil {
			return nil, s.MapErr(err)
		}
		for id, t := range found {
			g.tenants[typ+":"+id.String()] = t
			if _, seen := g.mayCheck[t]; !seen {
				g.mayCheck[t] = false
				if t != p.TenantID {
					tenants = append(tenants, t)
				}
			}
		}
	}
	checks := make([]authz.CheckItem, len(tenants))
	for i, t := range tenants {
		var err error
		if checks[i], err = s.RuleCheck(p, "check.other_subject", t); err != nil {
			return nil, err
		}
	}
	// Read at the caller's tenant's freshness; with other tenants named,
	// at head (AllowedAll reads at head for a tenant not the caller's).
	at := p.TenantID
	if len(tenants) > 1 {
		at = tenants[1]
	}
	ok, err := s.AllowedAll(ctx, p, at, meta, checks)
	if err != nil {
		return nil, err
	}
	for i, t := range tenants {
		g.mayCheck[t] = ok[i]
	}
	return g, nil
}

func (s *Service) resolveCheckWith(ctx context.Context, p *core.Principal, meta core.RequestMeta, in CheckInput, grants *subjectGrants) (resolvedCheck, error) {
	var rc resolvedCheck
	perms, ok := checkable[in.Resource.Type]
	if !ok {
		return rc, core.Invalid("resource.type", "unknown resource type %q (want tenant, workspace, model, deployment, apikey or kind)", core.Truncate(in.Resource.Type))
	}
	if !perms[in.Permission] {
		return rc, core.Invalid("permission", "%q is not a permission of %s", core.Truncate(in.Permission), in.Resource.Type)
	}
	if len(in.Branch) > 255 {
		return rc, core.Invalid("branch", "must be at most 255 characters")
	}
	// The subject: the caller unless another is named.
	rc.subject, rc.tenantID = p.Subject(), p.TenantID
	if in.Subject != nil && !(in.Subject.Type == p.Kind && in.Subject.ID == p.ID.String()) {
		rel, ok := subjectTypes[in.Subject.Type]
		if !ok {
			return rc, core.Invalid("subject.type", "unknown subject type %q (want user, apikey, group or service)", core.Truncate(in.Subject.Type))
		}
		id, err := core.ParseID("subject.id", in.Subject.ID)
		if err != nil {
			return rc, err
		}
		var tenant uuid.UUID
		var found bool
		if grants != nil {
			tenant, found = grants.tenants[in.Subject.Type+":"+id.String()]
		} else {
			if tenant, found, err = s.subjectTenant(ctx, in.Subject.Type, id); err != nil {
				return rc, err
			}
		}
		ok = false
		if found {
			if grants != nil {
				ok = grants.mayCheck[tenant]
			} else if ok, err = s.May(ctx, p, meta, "check.other_subject", tenant, tenant); err != nil {
				return rc, err
			}
		}
		if !ok {
			// Unknown and invisible subjects look the same to the caller.
			var mayCheck bool
			if grants != nil {
				mayCheck = grants.mayCheck[p.TenantID]
			} else if mayCheck, err = s.May(ctx, p, meta, "check.other_subject", p.TenantID, p.TenantID); err != nil {
				return rc, err
			}
			if mayCheck {
				return rc, core.NotFound("subject")
			}
			return rc, core.Forbidden("checking another subject needs a service credential or super_admin")
		}
		rc.subject = authz.Object{Type: in.Subject.Type, ID: id.String(), Relation: rel}
		rc.tenantID = tenant
	}
	item := authz.CheckItem{Permission: in.Permission, Subject: rc.subject}
	if in.Resource.Type == "tenant" {
		item.Permission = perm.CanonicalGlobalAction(in.Permission)
	}
	switch in.Resource.Type {
	case "kind":
		k, err := perm.ParseKind(in.Resource.ID)
		if err != nil {
			return rc, core.Invalid("resource.id", "%v", err)
		}
		if err := s.validBranch("branch", in.Branch); err != nil {
			return rc, err
		}
		rc.kind = true
		rc.branch = !s.isDefaultBranch(in.Branch)
		rc.items = s.kindItems(rc.tenantID, rc.subject, k, in.Permission, in.Branch)
		return rc, nil
	default:
		id, err := core.ParseID("resource.id", in.Resource.ID)
		if err != nil {
			return rc, err
		}
		item.Resource = authz.Obj(in.Resource.Type, id)
	}
	rc.items = []authz.CheckItem{item}
	return rc, nil
}

// subjectTenant finds the tenant a subject belongs to (found false: no
// such subject; an error: PostgreSQL did not answer).
func (s *Service) subjectTenant(ctx context.Context, typ string, id uuid.UUID) (uuid.UUID, bool, error) {
	found, err := s.SubjectTenants(ctx, typ, []uuid.UUID{id})
	if err != nil {
		return uuid.Nil, false, s.MapErr(err)
	}
	t, ok := found[id]
	return t, ok, nil
}
