package app

import (
	"context"
	"errors"
	"path"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

type pipelineMetrics struct {
	applies       *prometheus.HistogramVec
	spicedbErrors prometheus.Counter
}

func newPipelineMetrics(reg *prometheus.Registry, st *store.Store) *pipelineMetrics {
	m := &pipelineMetrics{
		applies: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gatehouse_projection_apply_seconds", Help: "Time to apply one outbox entry to SpiceDB.",
			Buckets: prometheus.DefBuckets,
		}, []string{"outcome"}),
		spicedbErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_spicedb_errors_total", Help: "Projection applies that failed because SpiceDB was unavailable.",
		}),
	}
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gatehouse_outbox_lag_seconds", Help: "Age of the oldest outbox entry not yet applied to SpiceDB.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, oldest, err := store.OutboxStats(ctx, st.Pool)
		if err != nil {
			return -1
		}
		return oldest.Seconds()
	})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gatehouse_outbox_pending", Help: "Outbox entries not yet applied to SpiceDB.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, _, err := store.OutboxStats(ctx, st.Pool)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(m.applies, m.spicedbErrors, lag, pending)
	return m
}

// newSpiceDBMetrics registers the SpiceDB client's call latency and
// outcome per RPC, and the count of PostgreSQL statements, and returns the
// observer the SpiceDB client reports to.
func newSpiceDBMetrics(reg *prometheus.Registry, st *store.Store) func(string, codes.Code, time.Duration) {
	calls := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gatehouse_spicedb_call_seconds", Help: "SpiceDB calls by method and gRPC code (streams: until opened).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "code"})
	statements := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "gatehouse_postgres_statements_total", Help: "Statements Gatehouse sent to PostgreSQL.",
	}, func() float64 { return float64(st.Statements()) })
	reg.MustRegister(calls, statements)
	return func(method string, code codes.Code, d time.Duration) {
		calls.WithLabelValues(path.Base(method), code.String()).Observe(d.Seconds())
	}
}

func (m *pipelineMetrics) observeApply(err error, d time.Duration) {
	outcome := "applied"
	if err != nil {
		outcome = "failed"
		if errors.Is(err, authz.ErrUnavailable) {
			m.spicedbErrors.Inc()
		}
	}
	m.applies.WithLabelValues(outcome).Observe(d.Seconds())
}
