package access

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ReportRow is one kind of the permission report: the branch-relative
// decision (SPEC §2.3) of each object action.
type ReportRow struct {
	Kind   string
	View   string
	Create string
	Update string
	Delete string
}

// ReportInput is GET /v1/permissions/report.
type ReportInput struct {
	Branch  string
	Subject string // "type:id"; empty: the caller
	Page    core.Page
}

// Report is one page of the report.
type Report struct {
	core.List[ReportRow]
	Branch    string
	CheckedAt string
}

// PermissionReport answers, for every kind of the subject's tenant (one
// page of them), the four object actions as branch-relative decisions, in
// one SpiceDB bulk check. The subject is resolved exactly as a check's.
func (s *Service) PermissionReport(ctx context.Context, p *core.Principal, meta core.RequestMeta, in ReportInput) (Report, error) {
	probe := CheckInput{Resource: Ref{Type: "kind", ID: perm.KindWorkspace.String()}, Permission: perm.ActionView, Branch: in.Branch}
	if in.Subject != "" {
		typ, id, ok := strings.Cut(in.Subject, ":")
		if !ok {
			return Report{}, core.Invalid("subject", "must be <type>:<id>, e.g. user:<uuid>")
		}
		probe.Subject = &Ref{Type: typ, ID: id}
	}
	rc, err := s.resolveCheck(ctx, p, meta, probe)
	if err != nil {
		return Report{}, err
	}
	kinds, err := store.Kinds(ctx, s.Store.Pool, &rc.tenantID, "", "")
	if err != nil {
		return Report{}, s.MapErr(err)
	}
	pg, err := core.PageBy(kinds, in.Page, func(k store.KindFact) string { return k.Namespace + ":" + k.Name })
	if err != nil {
		return Report{}, err
	}
	var items []authz.CheckItem
	type cell struct{ start, n int }
	cells := make([][4]cell, len(pg.Items))
	for i, k := range pg.Items {
		for j, a := range perm.ObjectActions {
			its := s.kindItems(rc.tenantID, rc.subject, perm.Kind{Namespace: k.Namespace, Name: k.Name}, a, in.Branch)
			cells[i][j] = cell{len(items), len(its)}
			items = append(items, its...)
		}
	}
	cons, err := s.Consistency(ctx, rc.tenantID, meta)
	if err != nil {
		return Report{}, err
	}
	res, token, err := s.Checker.CheckBulk(ctx, items, cons)
	if err != nil {
		return Report{}, s.MapErr(err)
	}
	for _, r := range res {
		if r.Err != nil {
			return Report{}, s.MapErr(fmt.Errorf("%w: %v", authz.ErrUnavailable, r.Err))
		}
	}
	out := Report{Branch: in.Branch, List: core.List[ReportRow]{Items: make([]ReportRow, len(pg.Items)), NextCursor: pg.NextCursor}}
	if token != "" {
		out.CheckedAt = s.Tokens.Seal(token)
	}
	for i, k := range pg.Items {
		var d [4]string
		for j := range perm.ObjectActions {
			c := cells[i][j]
			d[j] = kindDecision(res[c.start:c.start+c.n], rc.branch).Decision
		}
		out.Items[i] = ReportRow{Kind: k.Namespace + ":" + k.Name, View: d[0], Create: d[1], Update: d[2], Delete: d[3]}
	}
	return out, nil
}
