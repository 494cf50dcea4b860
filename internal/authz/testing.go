package authz

import (
	"context"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
)

// WriteForTest writes and deletes relationships directly, bypassing the
// projection: tests use it to create drift.
func WriteForTest(ctx context.Context, c *authzed.Client, touch, del []Rel) error {
	var updates []*v1.RelationshipUpdate
	for _, r := range touch {
		updates = append(updates, &v1.RelationshipUpdate{Operation: v1.RelationshipUpdate_OPERATION_TOUCH, Relationship: relProto(r)})
	}
	for _, r := range del {
		updates = append(updates, &v1.RelationshipUpdate{Operation: v1.RelationshipUpdate_OPERATION_DELETE, Relationship: relProto(r)})
	}
	_, err := writeRels(ctx, c, updates)
	return err
}
