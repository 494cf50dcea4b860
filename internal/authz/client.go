package authz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/authzed/grpcutil"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// ClientConfig says how to reach SpiceDB.
type ClientConfig struct {
	Endpoint string
	Key      string
	// Insecure sends the key without TLS (loopback and in-cluster only).
	Insecure bool
}

// Dial opens a SpiceDB client (it connects lazily; see Ping).
func Dial(cfg ClientConfig) (*authzed.Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("SpiceDB endpoint is empty: set SPICEDB_ENDPOINT")
	}
	if cfg.Key == "" {
		return nil, errors.New("SpiceDB preshared key is empty: set SPICEDB_KEY (the key SpiceDB was started with)")
	}
	opts := []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler())}
	if cfg.Insecure {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()), grpcutil.WithInsecureBearerToken(cfg.Key))
	} else {
		certs, err := grpcutil.WithSystemCerts(grpcutil.VerifyCA)
		if err != nil {
			return nil, fmt.Errorf("SpiceDB TLS: %w", err)
		}
		opts = append(opts, certs, grpcutil.WithBearerToken(cfg.Key))
	}
	c, err := authzed.NewClient(cfg.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("SpiceDB client for %s: %w", cfg.Endpoint, err)
	}
	return c, nil
}

// ErrUnavailable means SpiceDB could not be reached; callers fail closed.
var ErrUnavailable = errors.New("SpiceDB is unavailable")

// ErrInvalidArgument means SpiceDB refused the request itself (e.g. a
// consistency token it cannot read).
var ErrInvalidArgument = errors.New("SpiceDB refused the request")

// wrap classifies a SpiceDB error.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unauthenticated, codes.ResourceExhausted:
		return fmt.Errorf("%s: %w: %v", op, ErrUnavailable, err)
	case codes.InvalidArgument:
		return fmt.Errorf("%s: %w: %s", op, ErrInvalidArgument, status.Convert(err).Message())
	}
	return fmt.Errorf("%s: %w", op, err)
}

// WriteSchema writes the schema. SpiceDB itself refuses a schema that
// would orphan stored relationships (a removed relation or definition
// still in use); the error says which.
func WriteSchema(ctx context.Context, c *authzed.Client, schema string) (string, error) {
	resp, err := c.WriteSchema(ctx, &v1.WriteSchemaRequest{Schema: schema})
	if err != nil {
		if status.Code(err) == codes.FailedPrecondition || status.Code(err) == codes.InvalidArgument {
			return "", fmt.Errorf("SpiceDB refused the schema (it would orphan stored relationships or is invalid): %s", status.Convert(err).Message())
		}
		return "", wrap("write schema", err)
	}
	return resp.WrittenAt.GetToken(), nil
}

// ReadSchema returns the schema SpiceDB holds ("" when none).
func ReadSchema(ctx context.Context, c *authzed.Client) (string, error) {
	resp, err := c.ReadSchema(ctx, &v1.ReadSchemaRequest{})
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", wrap("read schema", err)
	}
	return resp.SchemaText, nil
}

// readRels reads every relationship matching filter, fully consistent.
func readRels(ctx context.Context, c *authzed.Client, filter *v1.RelationshipFilter) ([]Rel, error) {
	stream, err := c.ReadRelationships(ctx, &v1.ReadRelationshipsRequest{
		Consistency:        &v1.Consistency{Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true}},
		RelationshipFilter: filter,
	})
	if err != nil {
		return nil, wrap("read relationships", err)
	}
	var rels []Rel
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return rels, nil
		}
		if err != nil {
			if strings.Contains(err.Error(), "object definition") && status.Code(err) == codes.FailedPrecondition {
				return rels, nil // type not in the schema: nothing stored
			}
			return nil, wrap("read relationships", err)
		}
		rels = append(rels, relFromProto(msg.Relationship))
	}
}

func unitFilter(u Unit) *v1.RelationshipFilter {
	f := &v1.RelationshipFilter{ResourceType: u.Resource.Type, OptionalResourceId: u.Resource.ID}
	if u.Subject != nil {
		f.OptionalSubjectFilter = &v1.SubjectFilter{SubjectType: u.Subject.Type, OptionalSubjectId: u.Subject.ID}
	}
	return f
}

// writeRels applies updates in chunks and returns the last token.
func writeRels(ctx context.Context, c *authzed.Client, updates []*v1.RelationshipUpdate) (string, error) {
	const chunk = 1000
	var token string
	for start := 0; start < len(updates); start += chunk {
		end := min(start+chunk, len(updates))
		resp, err := c.WriteRelationships(ctx, &v1.WriteRelationshipsRequest{Updates: updates[start:end]})
		if err != nil {
			return "", wrap("write relationships", err)
		}
		token = resp.WrittenAt.GetToken()
	}
	return token, nil
}

// headToken returns a token at least as fresh as every completed write.
func headToken(ctx context.Context, c *authzed.Client) (string, error) {
	resp, err := c.ReadSchema(ctx, &v1.ReadSchemaRequest{})
	if err != nil {
		return "", wrap("read schema", err)
	}
	return resp.ReadAt.GetToken(), nil
}
