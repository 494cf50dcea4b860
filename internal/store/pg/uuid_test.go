package pg_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store/pg"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// uuid.UUID values, pointers to them (nil is NULL), slices of them and
// their text form all reach PostgreSQL and come back as what they were.
func TestUUIDsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := pg.Open(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	a, b := uuid.New(), uuid.New()
	var none *uuid.UUID
	var gotA, gotNull uuid.UUID
	var gotPtr, gotNilPtr *uuid.UUID
	var gotSlice []uuid.UUID
	var text string
	var isNull bool
	err = st.Pool.QueryRow(ctx, `SELECT $1::uuid, NULL::uuid, $2::uuid, $3::uuid, $3::uuid IS NULL, $4::uuid[], $1::uuid::text`, a, &b, none, []uuid.UUID{a, b}).
		Scan(&gotA, &gotNull, &gotPtr, &gotNilPtr, &isNull, &gotSlice, &text)
	if err != nil {
		t.Fatal(err)
	}
	if gotA != a || gotNull != uuid.Nil || gotPtr == nil || *gotPtr != b || gotNilPtr != nil || !isNull {
		t.Errorf("got %v %v %v %v null=%v, want %v, nil uuid, %v, nil, true", gotA, gotNull, gotPtr, gotNilPtr, isNull, a, b)
	}
	if len(gotSlice) != 2 || gotSlice[0] != a || gotSlice[1] != b {
		t.Errorf("slice: %v, want [%v %v]", gotSlice, a, b)
	}
	if text != a.String() {
		t.Errorf("text: %q, want %q", text, a.String())
	}
	var fromText uuid.UUID
	if err := st.Pool.QueryRow(ctx, `SELECT $1::text::uuid`, b.String()).Scan(&fromText); err != nil || fromText != b {
		t.Errorf("a uuid given as text: %v %v, want %v", fromText, err, b)
	}
	var s string
	if err := st.Pool.QueryRow(ctx, `SELECT $1::uuid`, a.String()).Scan(&s); err != nil || s != a.String() {
		t.Errorf("a uuid column scanned into a string: %q %v, want %q", s, err, a.String())
	}
}
