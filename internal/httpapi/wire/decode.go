package wire

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// MaxBody bounds every request body.
const MaxBody = 1 << 20

// Decode reads body, exactly one JSON object, into v: unknown fields,
// wrong types, trailing data, invalid UTF-8 and NUL characters are refused
// with a malformed_json error that names the field.
func Decode(body []byte, v any) error {
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
			return bad(typ.Field, "field %q must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
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

// jsonKind names what a Go type decodes from, in JSON's words (never a Go
// type name).
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "a string" // ids, times
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}
