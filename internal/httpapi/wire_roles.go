package httpapi

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

func toRoleView(v iam.RoleView) RoleView {
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

func (v RoleInput) toIAM() iam.RoleInput {
	return iam.RoleInput{Name: v.Name, Description: v.Description, Permissions: v.Permissions}
}

// RoleResult is the changed role.
type RoleResult struct {
	RoleView
	WriteResult
}

func toRoleResult(v iam.RoleResult) RoleResult {
	return RoleResult{RoleView: toRoleView(v.RoleView), WriteResult: toWriteResult(v.WriteResult)}
}

// RolePatch holds the custom role fields to change.
type RolePatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

func (v RolePatch) toIAM() iam.RolePatch {
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

func toAssignment(v iam.Assignment) Assignment {
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

func toAssignmentResult(v iam.AssignmentResult) AssignmentResult {
	return AssignmentResult{Assignment: toAssignment(v.Assignment), WriteResult: toWriteResult(v.WriteResult)}
}

// Catalog tells what permission identifiers are made of.
type Catalog struct {
	GlobalActions []CatalogAction   `json:"global_actions"`
	ObjectActions []string          `json:"object_actions"`
	Decisions     []CatalogDecision `json:"decisions"`
	Formats       map[string]string `json:"formats"`
}

func toCatalog(v iam.Catalog) Catalog {
	return Catalog{
		GlobalActions: convertAll(v.GlobalActions, toCatalogAction),
		ObjectActions: v.ObjectActions,
		Decisions:     convertAll(v.Decisions, toCatalogDecision),
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

func toCatalogAction(v iam.CatalogAction) CatalogAction {
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

func toCatalogDecision(v iam.CatalogDecision) CatalogDecision {
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

func toKindView(v iam.KindView) KindView {
	return KindView{
		ID:          v.ID,
		Namespace:   v.Namespace,
		Name:        v.Name,
		Builtin:     v.Builtin,
		GuardedBy:   v.GuardedBy,
		Generic:     v.Generic,
		InheritFrom: v.InheritFrom,
		CreatedAt:   v.CreatedAt,
		WriteResult: toWriteResult(v.WriteResult),
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

func (v KindInput) toIAM() iam.KindInput {
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

func toReport(v iam.Report) Report {
	return Report{List: toList(v.List, toReportRow), Branch: v.Branch, CheckedAt: v.CheckedAt}
}

// ReportRow is a kind's four object actions as decisions.
type ReportRow struct {
	Kind   string `json:"kind"`
	View   string `json:"view"`
	Create string `json:"create"`
	Update string `json:"update"`
	Delete string `json:"delete"`
}

func toReportRow(v iam.ReportRow) ReportRow {
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

func toBranch(v iam.Branch) Branch {
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

func (v BranchInput) toIAM() iam.BranchInput {
	return iam.BranchInput{Name: v.Name}
}

// BranchView is the changed branch.
type BranchView struct {
	Branch
	WriteResult
}

func toBranchView(v iam.BranchView) BranchView {
	return BranchView{Branch: toBranch(v.Branch), WriteResult: toWriteResult(v.WriteResult)}
}

// BranchPatch holds a branch's new status.
type BranchPatch struct {
	Status string `json:"status"`
}

func (v BranchPatch) toIAM() iam.BranchPatch {
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

func toAuditEntry(v iam.AuditEntry) AuditEntry {
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
