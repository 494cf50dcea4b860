// Package auth holds the credential primitives: argon2id password hashes,
// opaque high-entropy tokens stored only as hashes, and the password policy.
package auth
