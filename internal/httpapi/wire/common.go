// Package wire holds the HTTP API's request and response bodies: the only
// Go types with JSON tags, and the types the OpenAPI document is generated
// from (their Go names are its schema names, so renaming one changes the
// contract). Handlers decode a request into one, build the use case's input
// from it (ToIAM), and answer the use case's result converted field by
// field (From<Type>), so iam and store types can change without changing
// the contract.
package wire

import "github.com/gatehouse/gatehouse/internal/iam"

// WriteResult is what every write answers beside its object: how to read
// at least as fresh as the write, or that its projection is pending.
type WriteResult struct {
	ConsistencyToken string `json:"consistency_token,omitempty"`
	Pending          bool   `json:"projection_pending,omitempty"`
}

// Result marks an answer that carries a write's result (respond answers
// it with the consistency token header, or 202 while pending).
func (w WriteResult) Result() WriteResult { return w }

func FromWriteResult(v iam.WriteResult) WriteResult {
	return WriteResult{ConsistencyToken: v.ConsistencyToken, Pending: v.Pending}
}

// List is one page of a list answer.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// FromList converts a page of use case values into a page of wire values.
func FromList[T, W any](l iam.List[T], to func(T) W) List[W] {
	return List[W]{Items: ConvertAll(l.Items, to), NextCursor: l.NextCursor}
}

// ListOf answers a use case's page (or its error) as a wire page.
func ListOf[T, W any](l iam.List[T], err error, to func(T) W) (List[W], error) {
	if err != nil {
		return List[W]{}, err
	}
	return FromList(l, to), nil
}

// ConvertAll converts each of xs; nil stays nil (null, not []).
func ConvertAll[T, W any](xs []T, to func(T) W) []W {
	if xs == nil {
		return nil
	}
	out := make([]W, len(xs))
	for i, x := range xs {
		out[i] = to(x)
	}
	return out
}

// ConvertPtr converts *p; nil stays nil.
func ConvertPtr[T, W any](p *T, to func(T) W) *W {
	if p == nil {
		return nil
	}
	w := to(*p)
	return &w
}
