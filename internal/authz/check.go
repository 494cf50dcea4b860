package authz

import (
	"context"
	"errors"

	"io"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Consistency is the freshness a read asks for.
type Consistency struct {
	AtLeastAsFresh  string // a ZedToken
	FullyConsistent bool
	MinimizeLatency bool
}

func (c Consistency) proto() *v1.Consistency {
	switch {
	case c.FullyConsistent:
		return &v1.Consistency{Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true}}
	case c.AtLeastAsFresh != "":
		return &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: &v1.ZedToken{Token: c.AtLeastAsFresh}}}
	default:
		return &v1.Consistency{Requirement: &v1.Consistency_MinimizeLatency{MinimizeLatency: true}}
	}
}

// CheckItem is one question: may Subject do Permission on Resource?
type CheckItem struct {
	Resource   Object
	Permission string
	Subject    Object
}

// CheckResult is SpiceDB's answer.
type CheckResult struct {
	Allowed     bool
	Explanation string     // SpiceDB's debug trace as JSON, when asked
	Trace       *TraceNode // the same trace, to walk
	Err         error      // per-item error in bulk checks
}

// TraceNode is one step of SpiceDB's debug trace: a relation or permission
// of a resource, asked for the subject, and SpiceDB's answer.
type TraceNode struct {
	Resource   Object
	Permission string
	IsRelation bool
	Subject    Object
	Has        bool // HAS_PERMISSION (a conditional answer counts as not)
	Cached     bool // answered from SpiceDB's cache: no sub-steps recorded
	Children   []*TraceNode
}

func traceNode(t *v1.CheckDebugTrace) *TraceNode {
	if t == nil {
		return nil
	}
	n := &TraceNode{
		Resource:   Object{Type: t.Resource.GetObjectType(), ID: t.Resource.GetObjectId()},
		Permission: t.Permission,
		IsRelation: t.PermissionType == v1.CheckDebugTrace_PERMISSION_TYPE_RELATION,
		Subject:    Object{Type: t.Subject.GetObject().GetObjectType(), ID: t.Subject.GetObject().GetObjectId(), Relation: t.Subject.GetOptionalRelation()},
		Has:        t.Result == v1.CheckDebugTrace_PERMISSIONSHIP_HAS_PERMISSION,
		Cached:     t.GetWasCachedResult(),
	}
	for _, c := range t.GetSubProblems().GetTraces() {
		n.Children = append(n.Children, traceNode(c))
	}
	return n
}

// CheckBulkMax is the most items one CheckBulkPermissions request carries;
// CheckBulk splits longer lists.
const CheckBulkMax = 10000

// Checker asks SpiceDB.
type Checker struct{ SpiceDB *authzed.Client }

func subjectRef(o Object) *v1.SubjectReference {
	return &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: o.Type, ObjectId: o.ID}, OptionalRelation: o.Relation}
}

// Check answers one question and returns the token it was checked at.
func (c Checker) Check(ctx context.Context, item CheckItem, cons Consistency, explain bool) (CheckResult, string, error) {
	resp, err := c.SpiceDB.CheckPermission(ctx, &v1.CheckPermissionRequest{
		Consistency: cons.proto(),
		Resource:    &v1.ObjectReference{ObjectType: item.Resource.Type, ObjectId: item.Resource.ID},
		Permission:  item.Permission,
		Subject:     subjectRef(item.Subject),
		WithTracing: explain,
	})
	if err != nil {
		return CheckResult{}, "", wrap("check", err)
	}
	res := CheckResult{Allowed: resp.Permissionship == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION}
	if explain && resp.DebugTrace.GetCheck() != nil {
		// The trace only: DebugInformation also carries the whole schema.
		b, _ := protojson.Marshal(resp.DebugTrace.GetCheck())
		res.Explanation = string(b)
		res.Trace = traceNode(resp.DebugTrace.GetCheck())
	}
	return res, resp.CheckedAt.GetToken(), nil
}

// CheckBulk answers many questions in one call, in order (one call per
// CheckBulkMax items; the later calls are at least as fresh as the first).
func (c Checker) CheckBulk(ctx context.Context, items []CheckItem, cons Consistency) ([]CheckResult, string, error) {
	if len(items) <= CheckBulkMax {
		return c.checkBulk(ctx, items, cons)
	}
	var out []CheckResult
	first := ""
	for start := 0; start < len(items); start += CheckBulkMax {
		res, token, err := c.checkBulk(ctx, items[start:min(start+CheckBulkMax, len(items))], cons)
		if err != nil {
			return nil, "", err
		}
		if first == "" {
			first = token
			if !cons.FullyConsistent {
				cons = Consistency{AtLeastAsFresh: token}
			}
		}
		out = append(out, res...)
	}
	return out, first, nil
}

func (c Checker) checkBulk(ctx context.Context, items []CheckItem, cons Consistency) ([]CheckResult, string, error) {
	if len(items) == 0 {
		return nil, "", nil
	}
	req := &v1.CheckBulkPermissionsRequest{Consistency: cons.proto()}
	for _, it := range items {
		req.Items = append(req.Items, &v1.CheckBulkPermissionsRequestItem{
			Resource:   &v1.ObjectReference{ObjectType: it.Resource.Type, ObjectId: it.Resource.ID},
			Permission: it.Permission,
			Subject:    subjectRef(it.Subject),
		})
	}
	resp, err := c.SpiceDB.CheckBulkPermissions(ctx, req)
	if err != nil {
		return nil, "", wrap("bulk check", err)
	}
	out := make([]CheckResult, len(items))
	for i, pair := range resp.Pairs {
		switch r := pair.Response.(type) {
		case *v1.CheckBulkPermissionsPair_Item:
			out[i].Allowed = r.Item.Permissionship == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION
		case *v1.CheckBulkPermissionsPair_Error:
			out[i].Err = errors.New(r.Error.Message)
		}
	}
	return out, resp.CheckedAt.GetToken(), nil
}

// LookupResources lists the ids of resources of a type the subject has
// permission on.
func (c Checker) LookupResources(ctx context.Context, resourceType, permission string, subject Object, cons Consistency, limit int) ([]string, error) {
	stream, err := c.SpiceDB.LookupResources(ctx, &v1.LookupResourcesRequest{
		Consistency:        cons.proto(),
		ResourceObjectType: resourceType,
		Permission:         permission,
		Subject:            subjectRef(subject),
		OptionalLimit:      uint32(limit),
	})
	if err != nil {
		return nil, wrap("lookup resources", err)
	}
	var ids []string
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			return nil, wrap("lookup resources", err)
		}
		if msg.Permissionship == v1.LookupPermissionship_LOOKUP_PERMISSIONSHIP_HAS_PERMISSION {
			ids = append(ids, msg.ResourceObjectId)
		}
	}
}

// LookupSubjects lists the ids of subjects of a type that have permission.
func (c Checker) LookupSubjects(ctx context.Context, resource Object, permission, subjectType string, cons Consistency) ([]string, error) {
	stream, err := c.SpiceDB.LookupSubjects(ctx, &v1.LookupSubjectsRequest{
		Consistency:       cons.proto(),
		Resource:          &v1.ObjectReference{ObjectType: resource.Type, ObjectId: resource.ID},
		Permission:        permission,
		SubjectObjectType: subjectType,
	})
	if err != nil {
		return nil, wrap("lookup subjects", err)
	}
	var ids []string
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			return nil, wrap("lookup subjects", err)
		}
		if msg.Subject.Permissionship == v1.LookupPermissionship_LOOKUP_PERMISSIONSHIP_HAS_PERMISSION {
			ids = append(ids, msg.Subject.SubjectObjectId)
		}
	}
}

// Ping checks SpiceDB answers (readiness).
func (c Checker) Ping(ctx context.Context) error {
	_, err := c.SpiceDB.ReadSchema(ctx, &v1.ReadSchemaRequest{})
	if err != nil {
		return wrap("ping", err)
	}
	return nil
}
