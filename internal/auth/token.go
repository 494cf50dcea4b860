package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token prefixes tell what a bearer token is.
const (
	SessionPrefix    = "ghs_"
	InvitationPrefix = "ghi_"
)

// NewToken returns prefix + 256 random bits, URL-safe.
func NewToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what is stored for a token: SHA-256 (tokens are high-entropy,
// so a fast hash is enough and lookups stay indexable).
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// HasPrefix reports a token's kind.
func HasPrefix(token, prefix string) bool { return strings.HasPrefix(token, prefix) }
