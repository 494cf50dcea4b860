package wire

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

func FromServiceCredential(v iam.ServiceCredential) ServiceCredential {
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

func (v ServiceInput) ToIAM() iam.ServiceInput {
	return iam.ServiceInput{Name: v.Name}
}

// ServiceView is a service credential; key (the secret) only when created.
type ServiceView struct {
	ServiceCredential
	Key string `json:"key,omitempty"`
	WriteResult
}

func FromServiceView(v iam.ServiceView) ServiceView {
	return ServiceView{ServiceCredential: FromServiceCredential(v.ServiceCredential), Key: v.Key, WriteResult: FromWriteResult(v.WriteResult)}
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

func (v CheckInput) ToIAM() iam.CheckInput {
	return iam.CheckInput{
		Subject:     ConvertPtr(v.Subject, Ref.ToIAM),
		Resource:    v.Resource.ToIAM(),
		Permission:  v.Permission,
		Branch:      v.Branch,
		Consistency: ConvertPtr(v.Consistency, ConsistencyInput.ToIAM),
		Explain:     v.Explain,
	}
}

// Ref is a reference to an object or subject.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (v Ref) ToIAM() iam.Ref {
	return iam.Ref{Type: v.Type, ID: v.ID}
}

// ConsistencyInput is how fresh a decision must be (at most one of the fields).
type ConsistencyInput struct {
	AtLeastAsFresh  string `json:"at_least_as_fresh,omitempty"`
	FullyConsistent bool   `json:"fully_consistent,omitempty"`
	MinimizeLatency bool   `json:"minimize_latency,omitempty"`
}

func (v ConsistencyInput) ToIAM() iam.ConsistencyInput {
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

func FromCheckOutput(v iam.CheckOutput) CheckOutput {
	return CheckOutput{
		Allowed:     v.Allowed,
		Decision:    v.Decision,
		CheckedAt:   v.CheckedAt,
		Explanation: ConvertPtr(v.Explanation, FromExplanation),
		Error:       ConvertPtr(v.Error, FromItemError),
	}
}

// Explanation is the decision told in words, with SpiceDB's trace.
type Explanation struct {
	Text  string          `json:"text"`
	Trace json.RawMessage `json:"trace,omitempty"`
}

func FromExplanation(v iam.Explanation) Explanation {
	return Explanation{Text: v.Text, Trace: v.Trace}
}

// ItemError is why a bulk item could not be checked.
type ItemError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func FromItemError(v iam.ItemError) ItemError {
	return ItemError{Code: v.Code, Field: v.Field, Message: v.Message}
}

// BulkInput holds up to 1000 checks.
type BulkInput struct {
	Items       []CheckInput      `json:"items"`
	Consistency *ConsistencyInput `json:"consistency,omitempty"`
}

func (v BulkInput) ToIAM() iam.BulkInput {
	return iam.BulkInput{Items: ConvertAll(v.Items, CheckInput.ToIAM), Consistency: ConvertPtr(v.Consistency, ConsistencyInput.ToIAM)}
}

// BulkOutput holds the decisions, in the order asked.
type BulkOutput struct {
	Results   []CheckOutput `json:"results"`
	CheckedAt string        `json:"checked_at"`
}

func FromBulkOutput(v iam.BulkOutput) BulkOutput {
	return BulkOutput{Results: ConvertAll(v.Results, FromCheckOutput), CheckedAt: v.CheckedAt}
}

// LookupResult holds the ids found.
type LookupResult struct {
	Items     []string `json:"items"`
	CheckedAt string   `json:"checked_at,omitempty"`
}

func FromLookupResult(v iam.LookupResult) LookupResult {
	return LookupResult{Items: v.Items, CheckedAt: v.CheckedAt}
}
