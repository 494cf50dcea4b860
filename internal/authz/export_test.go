package authz

import (
	"context"

	"github.com/google/uuid"
)

// AwaitForTest registers a writer of outboxID as waiting at this process's
// gate of tenant (as ApplyFor does while the gate is taken).
func (p *Projector) AwaitForTest(tenant uuid.UUID, outboxID int64) (taken func() string) {
	return p.await(tenant, outboxID)
}

// ReadAppliedForTest is what a writer does when it passes the gate after
// waiting.
func (p *Projector) ReadAppliedForTest(ctx context.Context, tenant uuid.UUID, outboxID int64) string {
	return p.readApplied(ctx, tenant, outboxID)
}
