// Package access answers permission questions other services ask: single
// and bulk checks (with the decision cache and explanations), lookups of
// resources and subjects, the permission report, and the branches a check
// may name (registered branches and their status freeze kind actions).
// It writes nothing but branches; every answer is a SpiceDB decision.
package access
