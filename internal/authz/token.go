package authz

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// ErrInvalidToken means a consistency token was not minted by Gatehouse
// (forged, altered, truncated, or sealed under another key).
var ErrInvalidToken = errors.New("not a consistency token minted by this Gatehouse")

// Tokens seals SpiceDB ZedTokens into Gatehouse's own consistency tokens
// and opens them again. A token is "gh1." + base64url(ZedToken) + "." +
// base64url(HMAC-SHA256(key, ZedToken)), so nothing a client invents can
// reach SpiceDB: SpiceDB v1.56.2 exits on a ZedToken whose revision does
// not fit an int64, and only ZedTokens SpiceDB itself returned are sealed.
// Every replica must share the key.
type Tokens struct{ key []byte }

const tokenPrefix = "gh1."

// maxTokenLen bounds what Open looks at (real ones are ~60 bytes).
const maxTokenLen = 512

// NewTokens derives the sealing key from a secret.
func NewTokens(secret string) Tokens {
	m := hmac.New(sha256.New, []byte("gatehouse consistency token v1"))
	m.Write([]byte(secret))
	return Tokens{key: m.Sum(nil)}
}

func (t Tokens) mac(zed string) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(zed))
	return m.Sum(nil)
}

// Seal turns a ZedToken into a consistency token ("" stays "").
func (t Tokens) Seal(zed string) string {
	if zed == "" {
		return ""
	}
	enc := base64.RawURLEncoding
	return tokenPrefix + enc.EncodeToString([]byte(zed)) + "." + enc.EncodeToString(t.mac(zed))
}

// Open returns the ZedToken a consistency token seals, or ErrInvalidToken.
func (t Tokens) Open(token string) (string, error) {
	if len(t.key) == 0 || len(token) > maxTokenLen {
		return "", ErrInvalidToken
	}
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", ErrInvalidToken
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return "", ErrInvalidToken
	}
	enc := base64.RawURLEncoding
	zed, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || len(zed) == 0 || !hmac.Equal(mac, t.mac(string(zed))) {
		return "", ErrInvalidToken
	}
	return string(zed), nil
}
