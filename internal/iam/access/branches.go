package access

import (
	"context"
	"errors"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Branch statuses (SPEC §2.3a): on a merged or need_rebase branch every
// kind action but view is denied.
const (
	BranchOpen       = "open"
	BranchMerged     = "merged"
	BranchNeedRebase = "need_rebase"
)

var branchName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$`)

// BranchView is a registered branch.
type BranchView struct {
	store.Branch
	core.WriteResult
}

// BranchInput is POST /v1/branches.
type BranchInput struct {
	Name string
}

// BranchPatch is PATCH /v1/branches/{name}.
type BranchPatch struct {
	Status string
}

// isDefaultBranch: no name, the configured default branch, or -global-.
func (s *Service) isDefaultBranch(name string) bool {
	return name == "" || name == s.Config.DefaultBranch || name == "-global-"
}

// validBranch checks a branch name a check or a report names: the default
// branch names, or a name a branch may be registered under.
func (s *Service) validBranch(field, name string) error {
	if s.isDefaultBranch(name) || branchName.MatchString(name) {
		return nil
	}
	return core.Invalid(field, "must match [A-Za-z0-9][A-Za-z0-9._/-]{0,254} (or be %s or -global-)", s.Config.DefaultBranch)
}

func (s *Service) validRegisteredBranch(field, name string) error {
	if !branchName.MatchString(name) {
		return core.Invalid(field, "must match [A-Za-z0-9][A-Za-z0-9._/-]{0,254}")
	}
	if s.isDefaultBranch(name) {
		return core.Invalid(field, "%q is the default branch: it is always open and is not registered", name)
	}
	return nil
}

// ListBranches lists the caller's tenant's registered branches.
func (s *Service) ListBranches(ctx context.Context, p *core.Principal, meta core.RequestMeta) ([]store.Branch, error) {
	if err := s.Authorize(ctx, p, meta, "branch.list", p.TenantID, p.TenantID); err != nil {
		return nil, err
	}
	bs, err := store.Branches(ctx, s.Store.Pool, &p.TenantID, "", "", 0)
	return bs, s.MapErr(err)
}

// RegisterBranch registers an open branch of the caller's tenant.
func (s *Service) RegisterBranch(ctx context.Context, p *core.Principal, meta core.RequestMeta, in BranchInput) (BranchView, error) {
	if err := s.validRegisteredBranch("name", in.Name); err != nil {
		return BranchView{}, err
	}
	var out BranchView
	wr, err := s.AuthorizedWrite(ctx, p, meta, "branch.register", func() error {
		return s.Authorize(ctx, p, meta, "branch.manage", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (core.Change, error) {
		b, err := store.InsertBranch(ctx, tx, p.TenantID, in.Name)
		if errors.Is(err, store.ErrConflict) {
			return core.Change{}, core.Conflict("branch_exists", "branch %s is already registered", in.Name)
		}
		out.Branch = b
		return core.Change{TenantID: p.TenantID, Target: "branch:" + in.Name, Facts: []authz.Fact{authz.BranchChanged{Tenant: p.TenantID, Name: in.Name}}}, err
	})
	out.WriteResult = wr
	return out, err
}

// SetBranchStatus sets a registered branch's status (manage_permissions or
// merge_branch).
func (s *Service) SetBranchStatus(ctx context.Context, p *core.Principal, meta core.RequestMeta, name string, in BranchPatch) (BranchView, error) {
	if err := s.validRegisteredBranch("name", name); err != nil {
		return BranchView{}, err
	}
	switch in.Status {
	case BranchOpen, BranchMerged, BranchNeedRebase:
	default:
		return BranchView{}, core.Invalid("status", "must be open, merged or need_rebase")
	}
	var out BranchView
	wr, err := s.AuthorizedWrite(ctx, p, meta, "branch.set_status", func() error {
		return s.Authorize(ctx, p, meta, "branch.manage", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (core.Change, error) {
		b, err := store.SetBranchStatus(ctx, tx, p.TenantID, name, in.Status)
		if errors.Is(err, store.ErrNotFound) {
			return core.Change{}, core.NotFound("branch")
		}
		out.Branch = b
		return core.Change{TenantID: p.TenantID, Target: "branch:" + name, Details: map[string]any{"status": in.Status},
			Facts: []authz.Fact{authz.BranchChanged{Tenant: p.TenantID, Name: name}}}, err
	})
	out.WriteResult = wr
	return out, err
}

// DeleteBranch removes a registration: the name is an open branch again.
func (s *Service) DeleteBranch(ctx context.Context, p *core.Principal, meta core.RequestMeta, name string) (core.WriteResult, error) {
	if err := s.validRegisteredBranch("name", name); err != nil {
		return core.WriteResult{}, err
	}
	return s.AuthorizedWrite(ctx, p, meta, "branch.delete", func() error {
		return s.Authorize(ctx, p, meta, "branch.manage", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (core.Change, error) {
		err := store.DeleteBranch(ctx, tx, p.TenantID, name)
		if errors.Is(err, store.ErrNotFound) {
			return core.Change{}, core.NotFound("branch")
		}
		return core.Change{TenantID: p.TenantID, Target: "branch:" + name, Facts: []authz.Fact{authz.BranchChanged{Tenant: p.TenantID, Name: name}}}, err
	})
}
