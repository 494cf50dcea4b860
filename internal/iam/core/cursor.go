package core

import (
	"encoding/base64"
	"sort"
	"strconv"

	"github.com/google/uuid"
)

// Page bounds a list: an opaque cursor from the previous page and a limit.
type Page struct {
	Cursor string
	Limit  int
}

// Size is the page's limit: 100 when unset or above 1000.
func (p Page) Size() int {
	if p.Limit <= 0 || p.Limit > 1000 {
		return 100
	}
	return p.Limit
}

// AfterID decodes an id cursor (uuid.Nil when none).
func (p Page) AfterID() (uuid.UUID, error) {
	if p.Cursor == "" {
		return uuid.Nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return uuid.Nil, Invalid("cursor", "is not a cursor from this API")
	}
	id, err := uuid.FromBytes(raw)
	if err != nil {
		return uuid.Nil, Invalid("cursor", "is not a cursor from this API")
	}
	return id, nil
}

// IDCursor is the cursor of the page after id (see AfterID).
func IDCursor(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// BeforeSeq decodes a sequence cursor (0 when none).
func (p Page) BeforeSeq() (int64, error) {
	if p.Cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	n, err2 := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || err2 != nil || n <= 0 {
		return 0, Invalid("cursor", "is not a cursor from this API")
	}
	return n, nil
}

// SeqCursor is the cursor of the page before sequence n (see BeforeSeq).
func SeqCursor(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10)))
}

// List is one page of results.
type List[T any] struct {
	Items      []T
	NextCursor string
}

// PageOf cuts a result fetched with limit+1 rows into a page.
func PageOf[T any](items []T, limit int, cursor func(T) string) List[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) > limit {
		return List[T]{Items: items[:limit], NextCursor: cursor(items[limit-1])}
	}
	return List[T]{Items: items}
}

// PageBy pages a fully loaded list ordered by key: items after the
// cursor's key, at most the page's limit.
func PageBy[T any](items []T, p Page, key func(T) string) (List[T], error) {
	after := ""
	if p.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
		if err != nil {
			return List[T]{}, Invalid("cursor", "is not a cursor from this API")
		}
		after = string(raw)
	}
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	if after == "" {
		start = 0
	}
	rest := items[start:]
	limit := p.Size()
	if len(rest) > limit {
		return List[T]{Items: rest[:limit], NextCursor: base64.RawURLEncoding.EncodeToString([]byte(key(rest[limit-1])))}, nil
	}
	if rest == nil {
		rest = []T{}
	}
	return List[T]{Items: rest}, nil
}
