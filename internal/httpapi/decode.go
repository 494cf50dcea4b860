package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// MaxBody bounds every request body.
const MaxBody = 1 << 20

// decode reads exactly one JSON object into v: unknown fields, wrong types,
// trailing data, invalid UTF-8, NUL characters and oversized bodies are
// refused with an error that names the field.
func decode(c *gin.Context, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &iam.Error{Kind: iam.KindBadRequest, Code: "body_too_large", Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		}
		return &iam.Error{Kind: iam.KindBadRequest, Code: "malformed_body", Message: "could not read the request body"}
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	bad := func(field, format string, args ...any) error {
		return &iam.Error{Kind: iam.KindBadRequest, Code: "malformed_json", Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return bad("", "request body must be a JSON object")
	}
	if !utf8.Valid(body) {
		return bad("", "request body is not valid UTF-8")
	}
	if bytes.Contains(body, []byte(`\u0000`)) {
		return bad("", "NUL characters are not allowed")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return bad("", "malformed JSON at byte %d: %v", syn.Offset, syn)
		case errors.As(err, &typ):
			return bad(typ.Field, "field %q must be %s, not %s", typ.Field, typ.Type.String(), typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return bad(field, "unknown field %q", field)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return bad("", "malformed JSON: unexpected end of body")
		}
		return bad("", "malformed JSON: %v", err)
	}
	if dec.More() {
		return bad("", "request body must hold exactly one JSON object")
	}
	var rest json.RawMessage
	if err := dec.Decode(&rest); err != io.EOF {
		return bad("", "request body must hold exactly one JSON object")
	}
	return nil
}
