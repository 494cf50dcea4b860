package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

func (s *server) createService() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.ServiceInput) (iam.ServiceView, error) {
		return s.IAM.CreateService(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) listServices() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.ServiceCredential], error) {
		cs, err := s.IAM.ListServices(k.ctx, k.p, k.meta)
		return paged(k, cs, err, func(x store.ServiceCredential) string { return x.ID.String() })
	})
}

func (s *server) revokeService() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.RevokeService(k.ctx, k.p, k.meta, k.c.Param("service_id"))
		return writeAnswer{wr}, err
	})
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

func (s *server) lookupResources() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.LookupResult, error) {
		return s.IAM.LookupResources(k.ctx, k.p, k.meta, iam.LookupResourcesInput{
			Subject: k.c.Query("subject"), ResourceType: k.c.Query("resource_type"), Permission: k.c.Query("permission"), Consistency: consistencyQuery(k.c),
		})
	})
}

func (s *server) lookupSubjects() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.LookupResult, error) {
		return s.IAM.LookupSubjects(k.ctx, k.p, k.meta, iam.LookupSubjectsInput{
			Resource: k.c.Query("resource"), Permission: k.c.Query("permission"), SubjectType: k.c.Query("subject_type"), Consistency: consistencyQuery(k.c),
		})
	})
}
