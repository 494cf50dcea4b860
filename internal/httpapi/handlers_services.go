package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

func (s *server) createService() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.ServiceInput) (wire.ServiceView, error) {
		sv, err := s.IAM.CreateService(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromServiceView(sv), err
	}).
		Doc("Create a service credential", "Creates a service credential, which may check and look up any subject of the tenant; the secret (key) is in this answer only.")
}

func (s *server) listServices() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.ServiceCredential], error) {
		cs, err := s.IAM.ListServices(k.ctx, k.p, k.meta)
		return paged(k, cs, err, wire.FromServiceCredential, func(x wire.ServiceCredential) string { return x.ID.String() })
	}).
		Doc("List service credentials", "The tenant's service credentials, paged. The secret is never shown again.").
		Params(paging...)
}

func (s *server) revokeService() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.RevokeService(k.ctx, k.p, k.meta, k.c.Param("service_id")))
	}).
		Doc("Revoke a service credential", "Revokes a service credential at once.")
}

// consistencyQuery reads ?consistency=fully_consistent|minimize_latency or
// ?at_least_as_fresh=<token>.
func consistencyQuery(c *gin.Context) *iam.ConsistencyInput {
	switch {
	case c.Query("at_least_as_fresh") != "":
		return &iam.ConsistencyInput{AtLeastAsFresh: c.Query("at_least_as_fresh")}
	case c.Query("consistency") == "fully_consistent":
		return &iam.ConsistencyInput{FullyConsistent: true}
	case c.Query("consistency") == "minimize_latency":
		return &iam.ConsistencyInput{MinimizeLatency: true}
	}
	return nil
}

func (s *server) lookupResources() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.LookupResult, error) {
		r, err := s.IAM.LookupResources(k.ctx, k.p, k.meta, iam.LookupResourcesInput{
			Subject: k.c.Query("subject"), ResourceType: k.c.Query("resource_type"), Permission: k.c.Query("permission"), Consistency: consistencyQuery(k.c),
		})
		return wire.FromLookupResult(r), err
	}).
		Doc("Look up resources", "The ids of the resources of resource_type on which the subject (default: the caller) has permission.").
		Params(str("subject", "The subject as type:id (default: the caller)."), str("resource_type", "The type of resource to look up (e.g. workspace)."), str("permission", "The permission the subject must have (e.g. view).")).Params(consistencyParams...)
}

func (s *server) lookupSubjects() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.LookupResult, error) {
		r, err := s.IAM.LookupSubjects(k.ctx, k.p, k.meta, iam.LookupSubjectsInput{
			Resource: k.c.Query("resource"), Permission: k.c.Query("permission"), SubjectType: k.c.Query("subject_type"), Consistency: consistencyQuery(k.c),
		})
		return wire.FromLookupResult(r), err
	}).
		Doc("Look up subjects", "The ids of the subjects of subject_type that have permission on resource.").
		Params(str("resource", "The resource as type:id."), str("permission", "The permission the subjects must have (e.g. view)."), str("subject_type", "The type of subject to look up (default: user).")).Params(consistencyParams...)
}
