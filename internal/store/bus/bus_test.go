package bus_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store/bus"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Barrier calls made while a barrier is under way share the next one, and
// are not released by the one under way (it was sent before they were
// called). Another replica, played by the test, acknowledges each barrier
// when the test decides.
func TestConcurrentBarriersShareTheNextOne(t *testing.T) {
	env := testenv.New(t)
	ctx := t.Context()
	b := env.Bus
	other := uuid.New()
	if _, err := env.Store.Pool.Exec(ctx, `INSERT INTO cache_replicas (id, lease_until, since) VALUES ($1, now() + interval '1 hour', now() - interval '1 minute')`, other); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // or the stack's last writes would wait for it
		_, _ = env.Store.Pool.Exec(context.Background(), `DELETE FROM cache_replicas WHERE id = $1`, other)
	})
	conn, err := pgx.Connect(ctx, env.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN gatehouse_cache`); err != nil {
		t.Fatal(err)
	}
	// nextBarrier waits for the next barrier sent; ack acknowledges one as
	// the other replica.
	nextBarrier := func() string {
		t.Helper()
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if seq, ok := strings.CutPrefix(n.Payload, "barrier "); ok {
				return seq
			}
		}
	}
	ack := func(seq string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `SELECT pg_notify('gatehouse_cache_ack', $1)`, other.String()+" "+seq); err != nil {
			t.Fatal(err)
		}
	}

	var returned atomic.Int32
	errs := make(chan error, 100)
	call := func(wg *sync.WaitGroup) {
		wg.Go(func() {
			errs <- b.Barrier(ctx)
			returned.Add(1)
		})
	}
	var first, rest sync.WaitGroup
	call(&first)
	one := nextBarrier()
	const n = 20
	for range n {
		call(&rest)
	}
	for bus.NextBatch(b) != n {
		runtime.Gosched()
	}
	ack(one)
	first.Wait()
	if got := returned.Load(); got != 1 {
		t.Fatalf("%d calls returned after the first barrier; only the call it was sent for may", got)
	}
	two := nextBarrier()
	ack(two)
	rest.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if last := bus.LastBarrier(b); one == two || two != last {
		t.Errorf("barriers %s and %s; the last barrier is %s: the %d waiting calls did not share one", one, two, last, n)
	}
}
