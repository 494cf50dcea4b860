package httpapi

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// ServiceCredential is a service credential (never its secret).
type ServiceCredential struct {
	ID         uuid.UUID  `json:"id"`
	TenantID   uuid.UUID  `json:"tenant_id"`
	Name       string     `json:"name"`
	PublicID   string     `json:"prefix"`
	LastFour   string     `json:"last_four"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func toServiceCredential(v iam.ServiceCredential) ServiceCredential {
	return ServiceCredential{
		ID:         v.ID,
		TenantID:   v.TenantID,
		Name:       v.Name,
		PublicID:   v.PublicID,
		LastFour:   v.LastFour,
		CreatedAt:  v.CreatedAt,
		RevokedAt:  v.RevokedAt,
		LastUsedAt: v.LastUsedAt,
	}
}

// ServiceInput is a new service credential.
type ServiceInput struct {
	Name string `json:"name"`
}

func (v ServiceInput) toIAM() iam.ServiceInput {
	return iam.ServiceInput{Name: v.Name}
}

// ServiceView is a service credential; key (the secret) only when created.
type ServiceView struct {
	ServiceCredential
	Key string `json:"key,omitempty"`
	WriteResult
}

func toServiceView(v iam.ServiceView) ServiceView {
	return ServiceView{ServiceCredential: toServiceCredential(v.ServiceCredential), Key: v.Key, WriteResult: toWriteResult(v.WriteResult)}
}

// CheckInput is one permission check.
type CheckInput struct {
	Subject     *Ref              `json:"subject,omitempty"`
	Resource    Ref               `json:"resource"`
	Permission  string            `json:"permission"`
	Branch      string            `json:"branch,omitempty"`
	Consistency *ConsistencyInput `json:"consistency,omitempty"`
	Explain     bool              `json:"explain,omitempty"`
}

func (v CheckInput) toIAM() iam.CheckInput {
	return iam.CheckInput{
		Subject:     convertPtr(v.Subject, Ref.toIAM),
		Resource:    v.Resource.toIAM(),
		Permission:  v.Permission,
		Branch:      v.Branch,
		Consistency: convertPtr(v.Consistency, ConsistencyInput.toIAM),
		Explain:     v.Explain,
	}
}

// Ref is a reference to an object or subject.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (v Ref) toIAM() iam.Ref {
	return iam.Ref{Type: v.Type, ID: v.ID}
}

// ConsistencyInput is how fresh a decision must be (at most one of the fields).
type ConsistencyInput struct {
	AtLeastAsFresh  string `json:"at_least_as_fresh,omitempty"`
	FullyConsistent bool   `json:"fully_consistent,omitempty"`
	MinimizeLatency bool   `json:"minimize_latency,omitempty"`
}

func (v ConsistencyInput) toIAM() iam.ConsistencyInput {
	return iam.ConsistencyInput{AtLeastAsFresh: v.AtLeastAsFresh, FullyConsistent: v.FullyConsistent, MinimizeLatency: v.MinimizeLatency}
}

// CheckOutput is a check's decision.
type CheckOutput struct {
	Allowed     bool         `json:"allowed"`
	Decision    string       `json:"decision"`
	CheckedAt   string       `json:"checked_at,omitempty"`
	Explanation *Explanation `json:"explanation,omitempty"`
	Error       *ItemError   `json:"error,omitempty"`
}

func toCheckOutput(v iam.CheckOutput) CheckOutput {
	return CheckOutput{
		Allowed:     v.Allowed,
		Decision:    v.Decision,
		CheckedAt:   v.CheckedAt,
		Explanation: convertPtr(v.Explanation, toExplanation),
		Error:       convertPtr(v.Error, toItemError),
	}
}

// Explanation is the decision told in words, with SpiceDB's trace.
type Explanation struct {
	Text  string          `json:"text"`
	Trace json.RawMessage `json:"trace,omitempty"`
}

func toExplanation(v iam.Explanation) Explanation {
	return Explanation{Text: v.Text, Trace: v.Trace}
}

// ItemError is why a bulk item could not be checked.
type ItemError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func toItemError(v iam.ItemError) ItemError {
	return ItemError{Code: v.Code, Field: v.Field, Message: v.Message}
}

// BulkInput holds up to 1000 checks.
type BulkInput struct {
	Items       []CheckInput      `json:"items"`
	Consistency *ConsistencyInput `json:"consistency,omitempty"`
}

func (v BulkInput) toIAM() iam.BulkInput {
	return iam.BulkInput{Items: convertAll(v.Items, CheckInput.toIAM), Consistency: convertPtr(v.Consistency, ConsistencyInput.toIAM)}
}

// BulkOutput holds the decisions, in the order asked.
type BulkOutput struct {
	Results   []CheckOutput `json:"results"`
	CheckedAt string        `json:"checked_at"`
}

func toBulkOutput(v iam.BulkOutput) BulkOutput {
	return BulkOutput{Results: convertAll(v.Results, toCheckOutput), CheckedAt: v.CheckedAt}
}

// LookupResult holds the ids found.
type LookupResult struct {
	Items     []string `json:"items"`
	CheckedAt string   `json:"checked_at,omitempty"`
}

func toLookupResult(v iam.LookupResult) LookupResult {
	return LookupResult{Items: v.Items, CheckedAt: v.CheckedAt}
}
