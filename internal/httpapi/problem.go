package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

var statusOf = map[iam.Kind]int{
	iam.KindInvalid:         http.StatusUnprocessableEntity,
	iam.KindBadRequest:      http.StatusBadRequest,
	iam.KindUnauthenticated: http.StatusUnauthorized,
	iam.KindForbidden:       http.StatusForbidden,
	iam.KindNotFound:        http.StatusNotFound,
	iam.KindConflict:        http.StatusConflict,
	iam.KindRateLimited:     http.StatusTooManyRequests,
	iam.KindUnavailable:     http.StatusServiceUnavailable,
}

// fail writes err as problem+json: the one place errors become statuses.
// Unexpected errors are logged and answered 500 without internals.
func fail(c *gin.Context, log *slog.Logger, err error) {
	var e *iam.Error
	switch {
	case errors.As(err, &e) && iam.KindOf(err) == e.Kind:
	case iam.IsUnavailable(err):
		// Also when a use case concluded something else from it
		// (iam.KindOf: a failed read is not a missing object).
		log.Warn("dependency unavailable", "err", err, "path", c.FullPath(), "request_id", requestID(c))
		e = &iam.Error{Kind: iam.KindUnavailable, Code: "unavailable", Message: "a dependency (PostgreSQL or SpiceDB) is unavailable; try again"}
	default:
		log.Error("internal error", "err", err, "path", c.FullPath(), "request_id", requestID(c))
		e = &iam.Error{Code: "internal", Message: "internal error; see the server log with the request id"}
	}
	status, ok := statusOf[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	switch {
	case e.RetryAfterSeconds > 0:
		c.Header("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	case status == http.StatusServiceUnavailable:
		// Gatehouse reconnects within a second of a dependency's return.
		c.Header("Retry-After", "1")
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="gatehouse"`)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(status, wire.Problem{
		Type:      "https://gatehouse.dev/problems/" + e.Code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    e.Error(),
		Code:      e.Code,
		Field:     e.Field,
		RequestID: requestID(c),
	})
}
