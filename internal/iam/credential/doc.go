// Package credential owns the machine credentials: workspace API keys and
// tenant service credentials — issuing, listing, revoking, and turning a
// presented secret into a Principal. Both are secrets handed to programs
// rather than people, hashed at rest and revoked rather than edited, which
// is why they live together and apart from user sessions (identity).
package credential
