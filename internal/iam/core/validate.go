package core

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// SetOf is the set of xs.
func SetOf(xs ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// ValidEmail checks an email address: one plain address with a dotted
// domain (or .local), at most 254 characters.
func ValidEmail(email string) error {
	if len(email) > 254 {
		return fmt.Errorf("must be at most 254 characters")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") && !strings.HasSuffix(email, ".local") {
		return fmt.Errorf("%q is not a valid email address", Truncate(email))
	}
	return nil
}

// ValidName checks a display name: 1..max runes, printable, no control
// characters.
func ValidName(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return Invalid(field, "must not be empty")
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "must be at most %d characters (got %d)", max, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Invalid(field, "must not contain control characters")
		}
	}
	return nil
}

// ParseID reads an object id; a bad id is reported on field.
func ParseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, Invalid(field, "%q is not a valid id (want a UUID)", Truncate(s))
	}
	return id, nil
}

// Truncate cuts s to 40 bytes for an error message.
func Truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
