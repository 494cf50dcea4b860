package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
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
	if r, ok := out.(interface{ Result() wire.WriteResult }); ok {
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
	wire.WriteResult
}

// wrote answers a write's result (or its error).
func wrote(wr iam.WriteResult, err error) (writeAnswer, error) {
	return writeAnswer{wire.FromWriteResult(wr)}, err
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

// paged answers one page of a fully loaded list (?limit=&cursor=), its
// items converted by to and ordered by key.
func paged[T, W any](k call, items []T, err error, to func(T) W, key func(W) string) (wire.List[W], error) {
	if err != nil {
		return wire.List[W]{}, err
	}
	pg, err := page(k.c)
	if err != nil {
		return wire.List[W]{}, err
	}
	l, err := iam.PageBy(wire.ConvertAll(items, to), pg, key)
	return wire.List[W]{Items: l.Items, NextCursor: l.NextCursor}, err
}

func modelKey(m wire.Model) string { return m.ID.String() }
