package wire

import (
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// RoleView is a built-in or custom role.
type RoleView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Builtin     bool     `json:"builtin"`
	TenantID    string   `json:"tenant_id,omitempty"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
}

func FromRoleView(v iam.RoleView) RoleView {
	return RoleView{
		ID:          v.ID,
		Name:        v.Name,
		Builtin:     v.Builtin,
		TenantID:    v.TenantID,
		Description: v.Description,
		Permissions: v.Permissions,
	}
}

// RoleInput is a new custom role.
type RoleInput struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
}

func (v RoleInput) ToIAM() iam.RoleInput {
	return iam.RoleInput{Name: v.Name, Description: v.Description, Permissions: v.Permissions}
}

// RoleResult is the changed role.
type RoleResult struct {
	RoleView
	WriteResult
}

func FromRoleResult(v iam.RoleResult) RoleResult {
	return RoleResult{RoleView: FromRoleView(v.RoleView), WriteResult: FromWriteResult(v.WriteResult)}
}

// RolePatch holds the custom role fields to change.
type RolePatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

func (v RolePatch) ToIAM() iam.RolePatch {
	return iam.RolePatch{Name: v.Name, Description: v.Description, Permissions: v.Permissions}
}

// Assignment is a role held by a user or a group.
type Assignment struct {
	ID        uuid.UUID  `json:"id"`
	RoleID    uuid.UUID  `json:"role_id"`
	UserID    *uuid.UUID `json:"user_id,omitempty"`
	GroupID   *uuid.UUID `json:"group_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func FromAssignment(v iam.Assignment) Assignment {
	return Assignment{
		ID:        v.ID,
		RoleID:    v.RoleID,
		UserID:    v.UserID,
		GroupID:   v.GroupID,
		CreatedAt: v.CreatedAt,
	}
}

// AssignmentResult is the changed assignment.
type AssignmentResult struct {
	Assignment
	WriteResult
}

func FromAssignmentResult(v iam.AssignmentResult) AssignmentResult {
	return AssignmentResult{Assignment: FromAssignment(v.Assignment), WriteResult: FromWriteResult(v.WriteResult)}
}

// Catalog tells what permission identifiers are made of.
type Catalog struct {
	GlobalActions []CatalogAction   `json:"global_actions"`
	ObjectActions []string          `json:"object_actions"`
	Decisions     []CatalogDecision `json:"decisions"`
	Formats       map[string]string `json:"formats"`
}

func FromCatalog(v iam.Catalog) Catalog {
	return Catalog{
		GlobalActions: ConvertAll(v.GlobalActions, FromCatalogAction),
		ObjectActions: v.ObjectActions,
		Decisions:     ConvertAll(v.Decisions, FromCatalogDecision),
		Formats:       v.Formats,
	}
}

// CatalogAction is a global action.
type CatalogAction struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Builtin     []string `json:"builtin_roles"`
	Aliases     []string `json:"aliases,omitempty"`
}

func FromCatalogAction(v iam.CatalogAction) CatalogAction {
	return CatalogAction{
		Name:        v.Name,
		Description: v.Description,
		Builtin:     v.Builtin,
		Aliases:     v.Aliases,
	}
}

// CatalogDecision is a decision a permission identifier can carry.
type CatalogDecision struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
}

func FromCatalogDecision(v iam.CatalogDecision) CatalogDecision {
	return CatalogDecision{Name: v.Name, Value: v.Value}
}

// KindView is an object kind.
type KindView struct {
	ID          string     `json:"id"`
	Namespace   string     `json:"namespace"`
	Name        string     `json:"name"`
	Builtin     bool       `json:"builtin"`
	GuardedBy   string     `json:"guarded_by,omitempty"`
	Generic     bool       `json:"generic"`
	InheritFrom []string   `json:"inherit_from"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	WriteResult
}

func FromKindView(v iam.KindView) KindView {
	return KindView{
		ID:          v.ID,
		Namespace:   v.Namespace,
		Name:        v.Name,
		Builtin:     v.Builtin,
		GuardedBy:   v.GuardedBy,
		Generic:     v.Generic,
		InheritFrom: v.InheritFrom,
		CreatedAt:   v.CreatedAt,
		WriteResult: FromWriteResult(v.WriteResult),
	}
}

// KindInput is a kind to register.
type KindInput struct {
	Namespace   string   `json:"namespace"`
	Name        string   `json:"name"`
	GuardedBy   string   `json:"guarded_by,omitempty"`
	InheritFrom []string `json:"inherit_from,omitempty"`
	Generic     bool     `json:"generic,omitempty"`
}

func (v KindInput) ToIAM() iam.KindInput {
	return iam.KindInput{
		Namespace:   v.Namespace,
		Name:        v.Name,
		GuardedBy:   v.GuardedBy,
		InheritFrom: v.InheritFrom,
		Generic:     v.Generic,
	}
}

// Report is one page of the permission report.
type Report struct {
	List[ReportRow]
	Branch    string `json:"branch"`
	CheckedAt string `json:"checked_at"`
}

func FromReport(v iam.Report) Report {
	return Report{List: FromList(v.List, FromReportRow), Branch: v.Branch, CheckedAt: v.CheckedAt}
}

// ReportRow is a kind's four object actions as decisions.
type ReportRow struct {
	Kind   string `json:"kind"`
	View   string `json:"view"`
	Create string `json:"create"`
	Update string `json:"update"`
	Delete string `json:"delete"`
}

func FromReportRow(v iam.ReportRow) ReportRow {
	return ReportRow{
		Kind:   v.Kind,
		View:   v.View,
		Create: v.Create,
		Update: v.Update,
		Delete: v.Delete,
	}
}

// Branch is a registered branch.
type Branch struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func FromBranch(v iam.Branch) Branch {
	return Branch{
		TenantID:  v.TenantID,
		Name:      v.Name,
		Status:    v.Status,
		CreatedAt: v.CreatedAt,
		UpdatedAt: v.UpdatedAt,
	}
}

// BranchInput is a branch to register.
type BranchInput struct {
	Name string `json:"name"`
}

func (v BranchInput) ToIAM() iam.BranchInput {
	return iam.BranchInput{Name: v.Name}
}

// BranchView is the changed branch.
type BranchView struct {
	Branch
	WriteResult
}

func FromBranchView(v iam.BranchView) BranchView {
	return BranchView{Branch: FromBranch(v.Branch), WriteResult: FromWriteResult(v.WriteResult)}
}

// BranchPatch holds a branch's new status.
type BranchPatch struct {
	Status string `json:"status"`
}

func (v BranchPatch) ToIAM() iam.BranchPatch {
	return iam.BranchPatch{Status: v.Status}
}

// AuditEntry is one audit log entry.
type AuditEntry struct {
	ID          int64          `json:"id"`
	TenantID    *uuid.UUID     `json:"tenant_id,omitempty"`
	WorkspaceID *uuid.UUID     `json:"workspace_id,omitempty"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"`
	Target      string         `json:"target"`
	Outcome     string         `json:"outcome"`
	RequestID   string         `json:"request_id"`
	ClientAddr  string         `json:"client_addr"`
	Details     map[string]any `json:"details,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
}

func FromAuditEntry(v iam.AuditEntry) AuditEntry {
	return AuditEntry{
		ID:          v.ID,
		TenantID:    v.TenantID,
		WorkspaceID: v.WorkspaceID,
		Actor:       v.Actor,
		Action:      v.Action,
		Target:      v.Target,
		Outcome:     v.Outcome,
		RequestID:   v.RequestID,
		ClientAddr:  v.ClientAddr,
		Details:     v.Details,
		CreatedAt:   v.CreatedAt,
	}
}
