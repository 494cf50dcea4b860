package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

type call struct {
	ctx  context.Context
	p    *iam.Principal
	meta iam.RequestMeta
	c    *gin.Context
}

func (s *server) call(c *gin.Context) call {
	p, _ := c.Get(ctxPrincipal)
	pr, _ := p.(*iam.Principal)
	return call{ctx: c.Request.Context(), p: pr, meta: s.meta(c), c: c}
}

// respond writes out with status, or the error as problem+json. Answers
// that carry a write result get the consistency token header, and 202 when
// the write's projection is pending.
func (s *server) respond(c *gin.Context, status int, out any, err error) {
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	if r, ok := out.(interface{ Result() iam.WriteResult }); ok {
		written(c, status, r.Result(), out)
		return
	}
	if status == http.StatusNoContent {
		c.Status(status)
		return
	}
	c.JSON(status, out)
}

// writeAnswer answers a write that returns only its result.
type writeAnswer struct {
	iam.WriteResult
}

func page(c *gin.Context) (iam.Page, error) {
	limit, err := limitParam(c)
	if err != nil {
		return iam.Page{}, err
	}
	cursor := c.Query("cursor")
	if len(cursor) > 200 {
		return iam.Page{}, iam.Invalid("cursor", "is not a cursor from this API")
	}
	return iam.Page{Cursor: cursor, Limit: limit}, nil
}

// paged answers one page of a fully loaded list (?limit=&cursor=).
func paged[T any](k call, items []T, err error, key func(T) string) (iam.List[T], error) {
	if err != nil {
		return iam.List[T]{}, err
	}
	pg, err := page(k.c)
	if err != nil {
		return iam.List[T]{}, err
	}
	return iam.PageBy(items, pg, key)
}

func modelKey(m store.Model) string { return m.ID.String() }
