package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// MaxBody bounds every request body.
const MaxBody = wire.MaxBody

// decode reads exactly one JSON object into v (wire.Decode): unknown
// fields, wrong types, trailing data, invalid UTF-8, NUL characters and
// oversized bodies are refused with an error that names the field.
func decode(c *gin.Context, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &iam.Error{Kind: iam.KindBadRequest, Code: "body_too_large", Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		}
		return &iam.Error{Kind: iam.KindBadRequest, Code: "malformed_body", Message: "could not read the request body"}
	}
	return wire.Decode(body, v)
}
