package authz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/authzed/grpcutil"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gatehouse/gatehouse/internal/store"
)

// ClientConfig says how to reach SpiceDB.
type ClientConfig struct {
	Endpoint string
	Key      string
	// Insecure sends the key without TLS (loopback and in-cluster only).
	Insecure bool
	// CA, when set, is a PEM file (or a directory of them) of the CA that
	// signed SpiceDB's certificate: TLS is verified against it instead of
	// the system CAs.
	CA string
	// Timeout bounds every call that has no nearer deadline of its own
	// (0: none): a frozen SpiceDB yields ErrUnavailable within it.
	Timeout time.Duration
	// Tracing instruments every call (otelgrpc: a span, and the caller's
	// trace context sent on); only when traces are exported.
	Tracing bool
	// Observe, when set, is told every call: its method, gRPC code and
	// duration (streams: until they are opened).
	Observe func(method string, code codes.Code, d time.Duration)
}

// observed reports every call to observe.
func observed(observe func(string, codes.Code, time.Duration)) []grpc.DialOption {
	if observe == nil {
		return nil
	}
	unary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		start := time.Now()
		err := invoker(ctx, method, req, reply, cc, opts...)
		observe(method, status.Code(err), time.Since(start))
		return err
	}
	stream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		start := time.Now()
		s, err := streamer(ctx, desc, cc, method, opts...)
		observe(method, status.Code(err), time.Since(start))
		return s, err
	}
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(unary), grpc.WithChainStreamInterceptor(stream)}
}

// deadlines gives every SpiceDB call a deadline unless the caller set a
// nearer one.
func deadlines(d time.Duration) []grpc.DialOption {
	if d <= 0 {
		return nil
	}
	bound := func(ctx context.Context) (context.Context, context.CancelFunc) {
		if dl, ok := ctx.Deadline(); (ok && time.Until(dl) <= d) || ctx.Value(longCall{}) != nil {
			return ctx, func() {}
		}
		return context.WithTimeout(ctx, d)
	}
	unary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx, cancel := bound(ctx)
		defer cancel()
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	stream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		ctx, cancel := bound(ctx)
		s, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			cancel()
			return nil, err
		}
		return &boundStream{ClientStream: s, cancel: cancel}, nil
	}
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(unary), grpc.WithChainStreamInterceptor(stream)}
}

type longCall struct{}

// LongCall marks ctx as a bulk operation (reconcile, import, schema write)
// whose SpiceDB calls and PostgreSQL statements are bounded by ctx alone,
// not by the per-call deadlines of requests.
func LongCall(ctx context.Context) context.Context {
	return context.WithValue(store.WithoutDeadline(ctx), longCall{}, true)
}

// boundStream releases its deadline when the stream ends.
type boundStream struct {
	grpc.ClientStream
	cancel context.CancelFunc
}

func (s *boundStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err != nil {
		s.cancel()
	}
	return err
}

// Dial opens a SpiceDB client (it connects lazily; see Ping).
func Dial(cfg ClientConfig) (*authzed.Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("SpiceDB endpoint is empty: set SPICEDB_ENDPOINT")
	}
	if cfg.Key == "" {
		return nil, errors.New("SpiceDB preshared key is empty: set SPICEDB_KEY (the key SpiceDB was started with)")
	}
	opts := []grpc.DialOption{
		// Reconnect quickly once SpiceDB is back (gRPC's default backoff
		// grows to 120 s): Gatehouse serves again within a second.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           grpcbackoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: 2 * time.Second,
		}),
	}
	if cfg.Tracing {
		opts = append(opts, grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	}
	opts = append(opts, observed(cfg.Observe)...)
	opts = append(opts, deadlines(cfg.Timeout)...)
	if cfg.Insecure {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()), grpcutil.WithInsecureBearerToken(cfg.Key))
	} else {
		certs, err := grpcutil.WithSystemCerts(grpcutil.VerifyCA)
		if cfg.CA != "" {
			certs, err = grpcutil.WithCustomCerts(grpcutil.VerifyCA, cfg.CA)
		}
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
	// Internal, Unknown and Aborted are what SpiceDB answers while its own
	// datastore is restarting (stale connections): the dependency is
	// unavailable, not Gatehouse broken.
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unauthenticated, codes.ResourceExhausted,
		codes.Internal, codes.Unknown, codes.Aborted:
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
	ctx = LongCall(ctx)
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

// relProto is r in SpiceDB's terms; its expiry is truncated to the second.
func relProto(r Rel) *v1.Relationship {
	p := &v1.Relationship{
		Resource: &v1.ObjectReference{ObjectType: r.Resource.Type, ObjectId: r.Resource.ID},
		Relation: r.Relation,
		Subject: &v1.SubjectReference{
			Object:           &v1.ObjectReference{ObjectType: r.Subject.Type, ObjectId: r.Subject.ID},
			OptionalRelation: r.Subject.Relation,
		},
	}
	if r.ExpiresAt != nil {
		p.OptionalExpiresAt = timestamppb.New(r.ExpiresAt.UTC().Truncate(time.Second))
	}
	return p
}

// relFromProto is the relationship SpiceDB returned.
func relFromProto(p *v1.Relationship) Rel {
	r := Rel{
		Resource: Object{Type: p.Resource.ObjectType, ID: p.Resource.ObjectId},
		Relation: p.Relation,
		Subject:  Object{Type: p.Subject.Object.ObjectType, ID: p.Subject.Object.ObjectId, Relation: p.Subject.OptionalRelation},
	}
	if p.OptionalExpiresAt != nil {
		t := p.OptionalExpiresAt.AsTime().UTC()
		r.ExpiresAt = &t
	}
	return r
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
