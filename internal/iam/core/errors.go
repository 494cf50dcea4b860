package core

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Kind is what went wrong, independent of the wire; httpapi maps each kind
// to a status in one place.
type Kind int

const (
	KindInvalid         Kind = iota + 1 // a field is invalid (422)
	KindBadRequest                      // the request is malformed (400)
	KindUnauthenticated                 // no or bad credentials (401)
	KindForbidden                       // authenticated, not allowed (403)
	KindNotFound                        // absent or not visible (404)
	KindConflict                        // breaks a rule or duplicates (409)
	KindRateLimited                     // too many attempts (429)
	KindUnavailable                     // a dependency is down (503)
)

// Error is a domain error with a stable machine code.
type Error struct {
	Kind    Kind
	Code    string
	Field   string // the offending field, for KindInvalid
	Message string
	// RetryAfterSeconds is set for KindRateLimited.
	RetryAfterSeconds int
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Invalid reports an invalid field.
func Invalid(field, format string, args ...any) error {
	return &Error{Kind: KindInvalid, Code: "invalid_field", Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports an absent or invisible object.
func NotFound(what string) error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: what + " not found"}
}

// Forbidden reports a denied action.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a broken rule or duplicate.
func Conflict(code, format string, args ...any) error {
	return &Error{Kind: KindConflict, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated reports missing or bad credentials.
func Unauthenticated(format string, args ...any) error {
	return &Error{Kind: KindUnauthenticated, Code: "unauthenticated", Message: fmt.Sprintf(format, args...)}
}

// Unavailable reports a dependency that is down.
func Unavailable(format string, args ...any) error {
	return &Error{Kind: KindUnavailable, Code: "unavailable", Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err (0 for unexpected errors). A failed
// dependency is KindUnavailable whatever a use case concluded from it
// (errors.Join(err, NotFound("user"))): a read that failed did not find
// the object missing, and a client told 404 would believe it gone.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		if e.Kind != KindUnavailable && DependencyFailed(err) {
			return KindUnavailable
		}
		return e.Kind
	}
	return 0
}

// DependencyFailed reports whether err comes from PostgreSQL or SpiceDB
// being unreachable (as opposed to a refused or failed statement).
func DependencyFailed(err error) bool {
	return store.IsUnavailable(err) || errors.Is(err, authz.ErrUnavailable)
}

// Missing is the error of a read that did not produce its row: NotFound
// when the row does not exist, the failure itself otherwise.
func Missing(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(what)
	}
	return err
}
