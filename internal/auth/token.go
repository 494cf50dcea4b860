package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
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

// APIKeyPrefix starts every API key: ghk_<public id>_<secret>.
const APIKeyPrefix = "ghk_"

// NewAPIKey returns a key, its public id and its secret.
func NewAPIKey() (key, publicID, secret string) { return NewCredential(APIKeyPrefix) }

// NewCredential returns prefix<public id>_<secret>: the public id finds the
// stored hash, the secret (256 bits) is verified against it.
func NewCredential(prefix string) (token, publicID, secret string) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	publicID = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	secret = NewToken("")
	return prefix + publicID + "_" + secret, publicID, secret
}

// SplitAPIKey returns the public id and secret of a key.
func SplitAPIKey(key string) (publicID, secret string, ok bool) {
	return SplitSecret(key, APIKeyPrefix)
}

// ServicePrefix starts every service credential: ghsvc_<public id>_<secret>.
const ServicePrefix = "ghsvc_"

// SplitSecret splits prefix<public id>_<secret>.
func SplitSecret(token, prefix string) (publicID, secret string, ok bool) {
	rest, found := strings.CutPrefix(token, prefix)
	if !found {
		return "", "", false
	}
	publicID, secret, ok = strings.Cut(rest, "_")
	return publicID, secret, ok && len(publicID) == 16 && len(secret) >= 32
}
