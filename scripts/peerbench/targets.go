package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ---------------------------------------------------------------- checks

type query struct {
	user, dep uuid.UUID
	token     string
	tokHash   []byte
	ghBody    string
	ghBodyML  string
	fgaBody   string
}

// queries pre-generates the check mix of scripts/bench's pick(): a sampled
// user, a deployment of one of that user's workspaces one time in five,
// else of a random workspace. Every system gets the same list.
func (st *stack) queries(n int) []query {
	ds := st.ds
	r := mrand.New(mrand.NewPCG(7, 11))
	qs := make([]query, n)
	for i := range qs {
		u := ds.sampled[r.IntN(len(ds.sampled))]
		var ws int
		if mine := ds.members[u]; len(mine) > 0 && r.IntN(5) == 0 {
			ws = mine[r.IntN(len(mine))]
		} else {
			ws = r.IntN(len(ds.workspaces))
		}
		d := ds.deployments[ws][r.IntN(len(ds.deployments[ws]))]
		tok := ds.sessions[u]
		h := sha256.Sum256([]byte(tok))
		qs[i] = query{user: u, dep: d, token: tok, tokHash: h[:],
			ghBody:   fmt.Sprintf(`{"resource":{"type":"deployment","id":%q},"permission":"invoke"}`, d),
			ghBodyML: fmt.Sprintf(`{"resource":{"type":"deployment","id":%q},"permission":"invoke","consistency":{"minimize_latency":true}}`, d),
			fgaBody:  fmt.Sprintf(`{"tuple_key":{"user":"user:%s","relation":"invoke","object":"deployment:%s"},"authorization_model_id":%q}`, u, d, st.fgaModel),
		}
	}
	return qs
}

type target struct {
	name  string
	check func(ctx context.Context, q *query) (bool, error)
}

func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64, IdleConnTimeout: time.Minute}}
}

func doAllowed(ctx context.Context, c *http.Client, method, url, bearer, body string) (bool, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, rd)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, err
	}
	if resp.StatusCode != 200 {
		return false, fmt.Errorf("%s: %d %s", url, resp.StatusCode, raw)
	}
	if method == http.MethodGet {
		return true, nil
	}
	var out struct {
		Allowed bool `json:"allowed"`
	}
	err = json.Unmarshal(raw, &out)
	return out.Allowed, err
}

func spiceCheck(cli *authzed.Client, cons func() *v1.Consistency) func(context.Context, *query) (bool, error) {
	return func(ctx context.Context, q *query) (bool, error) {
		resp, err := cli.CheckPermission(ctx, &v1.CheckPermissionRequest{
			Consistency: cons(),
			Resource:    &v1.ObjectReference{ObjectType: "deployment", ObjectId: q.dep.String()},
			Permission:  "invoke",
			Subject:     &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: q.user.String()}},
		})
		if err != nil {
			return false, err
		}
		return resp.Permissionship == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION, nil
	}
}

// The two queries Gatehouse runs per check (store.SessionUser and
// store.TenantToken), verbatim.
const (
	sqlSessionUser = `SELECT s.id, s.tenant_id, s.user_id, s.expires_at, u.id, u.tenant_id, u.email, u.name, u.global_role, u.status, coalesce(u.password_hash, ''), u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`
	sqlTenantToken = `SELECT zed_token FROM projection_tokens WHERE tenant_id = $1`
)

func (st *stack) targets(names []string) ([]target, error) {
	fresh := func() *v1.Consistency {
		return &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: &v1.ZedToken{Token: st.token}}}
	}
	minLat := func() *v1.Consistency {
		return &v1.Consistency{Requirement: &v1.Consistency_MinimizeLatency{MinimizeLatency: true}}
	}
	full := func() *v1.Consistency {
		return &v1.Consistency{Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true}}
	}
	var out []target
	for _, name := range names {
		name = strings.TrimSpace(name)
		var fn func(context.Context, *query) (bool, error)
		switch {
		case name == "gatehouse" || name == "gatehouse-ml":
			c := newHTTPClient()
			url, ml := st.gateBase+"/v1/check", name == "gatehouse-ml"
			fn = func(ctx context.Context, q *query) (bool, error) {
				body := q.ghBody
				if ml {
					body = q.ghBodyML
				}
				return doAllowed(ctx, c, http.MethodPost, url, q.token, body)
			}
		case name == "healthz":
			c := newHTTPClient()
			fn = func(ctx context.Context, q *query) (bool, error) {
				_, err := doAllowed(ctx, c, http.MethodGet, st.gateBase+"/healthz", "", "")
				return false, err
			}
		case name == "spicedb":
			fn = spiceCheck(st.spiceCli, fresh)
		case name == "spicedb-ml":
			fn = spiceCheck(st.spiceCli, minLat)
		case name == "spicedb-fc":
			fn = spiceCheck(st.spiceCli, full)
		case strings.HasPrefix(name, "v:"):
			vn, ml := strings.TrimPrefix(name, "v:"), false
			if strings.HasSuffix(vn, "-ml") {
				vn, ml = strings.TrimSuffix(vn, "-ml"), true
			}
			var v *variant
			for _, x := range st.variants {
				if x.name == vn {
					v = x
				}
			}
			if v == nil {
				return nil, fmt.Errorf("target %s: no -spicedb-variants named %s", name, vn)
			}
			if ml {
				fn = spiceCheck(v.cli, minLat)
			} else {
				fn = spiceCheck(v.cli, fresh)
			}
		case name == "openfga-http":
			c := newHTTPClient()
			url := fmt.Sprintf("http://127.0.0.1:%d/stores/%s/check", port(pFGAHTTP), st.fgaStore)
			fn = func(ctx context.Context, q *query) (bool, error) {
				return doAllowed(ctx, c, http.MethodPost, url, "", q.fgaBody)
			}
		case name == "openfga-grpc":
			fn = st.fgaCheck
		case name == "pg-auth":
			cfg, err := pgxpool.ParseConfig(st.pgURL("gatehouse"))
			if err != nil {
				return nil, err
			}
			cfg.MaxConns = 16 // as store.Open
			pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
			if err != nil {
				return nil, err
			}
			tenant := st.tenant
			fn = func(ctx context.Context, q *query) (bool, error) {
				var a, b, c uuid.UUID
				var d, e2, f time.Time
				var s1, s2, s3, s4, s5 string
				var u2, t2 uuid.UUID
				if err := pool.QueryRow(ctx, sqlSessionUser, q.tokHash).Scan(&a, &b, &c, &d, &u2, &t2, &s1, &s2, &s3, &s4, &s5, &e2, &f); err != nil {
					return false, err
				}
				var tok string
				if err := pool.QueryRow(ctx, sqlTenantToken, tenant).Scan(&tok); err != nil {
					return false, err
				}
				return false, nil
			}
		default:
			return nil, fmt.Errorf("unknown target %q", name)
		}
		out = append(out, target{name: name, check: fn})
	}
	return out, nil
}

// agreement asks every deciding system the same questions one by one and
// counts the answers that differ from the first system's.
func agreement(ctx context.Context, targets []target, qs []query) error {
	var deciding []target
	for _, t := range targets {
		if t.name != "pg-auth" && t.name != "healthz" {
			deciding = append(deciding, t)
		}
	}
	if len(deciding) == 0 {
		return nil
	}
	answers := make([][]bool, len(deciding))
	for i, t := range deciding {
		for j := range qs {
			ok, err := t.check(ctx, &qs[j])
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			answers[i] = append(answers[i], ok)
		}
	}
	pos := 0
	for _, a := range answers[0] {
		if a {
			pos++
		}
	}
	var parts []string
	for i := 1; i < len(deciding); i++ {
		diff := 0
		for j := range qs {
			if answers[i][j] != answers[0][j] {
				diff++
			}
		}
		parts = append(parts, fmt.Sprintf("%s %d", deciding[i].name, diff))
	}
	logf("agreement on the first %d queries: %s says allowed to %d (%.1f%%); answers differing from it: %s",
		len(qs), deciding[0].name, pos, 100*float64(pos)/float64(len(qs)), strings.Join(parts, ", "))
	for i := 1; i < len(deciding); i++ {
		for j := range qs {
			if answers[i][j] != answers[0][j] {
				return fmt.Errorf("%s and %s disagree on query %d (user %s deployment %s)", deciding[0].name, deciding[i].name, j, qs[j].user, qs[j].dep)
			}
		}
	}
	return nil
}
