package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os/exec"
	"sort"
	"strings"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// dataset is scripts/bench's, generated the same way.
type dataset struct {
	users       []uuid.UUID
	workspaces  []uuid.UUID
	owners      []uuid.UUID
	members     map[uuid.UUID][]int
	deployments [][]uuid.UUID
	sessions    map[uuid.UUID]string
	sampled     []uuid.UUID
}

// load writes the data set straight into Gatehouse's PostgreSQL with COPY,
// exactly as scripts/bench's load() does (same PCG(42,42) draws).
func (st *stack) load(ctx context.Context) error {
	t0 := time.Now()
	conn, err := pgx.Connect(ctx, st.pgURL("gatehouse"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT id FROM tenants ORDER BY created_at LIMIT 1`).Scan(&st.tenant); err != nil {
		return fmt.Errorf("bootstrap tenant: %w", err)
	}
	tenant := st.tenant
	r := mrand.New(mrand.NewPCG(42, 42))
	ds := &dataset{members: map[uuid.UUID][]int{}, sessions: map[uuid.UUID]string{}}
	now := time.Now()
	var userRows [][]any
	for i := range *nUsers {
		id := uuid.New()
		ds.users = append(ds.users, id)
		userRows = append(userRows, []any{id, tenant, fmt.Sprintf("u%d@bench.local", i), fmt.Sprintf("User %d", i), "member", "active", now, now})
	}
	var wsRows, memberRows, depRows [][]any
	for w := range *nWorkspaces {
		id := uuid.New()
		owner := ds.users[r.IntN(len(ds.users))]
		ds.workspaces = append(ds.workspaces, id)
		ds.owners = append(ds.owners, owner)
		wsRows = append(wsRows, []any{id, tenant, fmt.Sprintf("ws-%d", w), owner, now, now})
		memberRows = append(memberRows, []any{uuid.New(), tenant, id, owner, "owner", now, now})
		ds.members[owner] = append(ds.members[owner], w)
		seen := map[uuid.UUID]bool{owner: true}
		for len(seen) < *perWS+1 {
			u := ds.users[r.IntN(len(ds.users))]
			if seen[u] {
				continue
			}
			seen[u] = true
			memberRows = append(memberRows, []any{uuid.New(), tenant, id, u, "member", now, now})
			ds.members[u] = append(ds.members[u], w)
		}
	}
	ds.deployments = make([][]uuid.UUID, len(ds.workspaces))
	for i := range *nDeploys {
		w := i % len(ds.workspaces)
		id := uuid.New()
		ds.deployments[w] = append(ds.deployments[w], id)
		depRows = append(depRows, []any{id, tenant, ds.workspaces[w], fmt.Sprintf("dep-%d", i), ds.owners[w], now, now})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"users", []string{"id", "tenant_id", "email", "name", "global_role", "status", "created_at", "updated_at"}, userRows},
		{"workspaces", []string{"id", "tenant_id", "name", "created_by", "created_at", "updated_at"}, wsRows},
		{"workspace_members", []string{"id", "tenant_id", "workspace_id", "user_id", "role", "created_at", "updated_at"}, memberRows},
		{"deployments", []string{"id", "tenant_id", "workspace_id", "name", "created_by", "created_at", "updated_at"}, depRows},
	} {
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	// 200 sampled users with a session each (auth.NewToken / HashToken).
	for i := 0; i < 200 && i < len(ds.users); i++ {
		u := ds.users[i*len(ds.users)/200]
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		tok := "ghs_" + base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(tok))
		if _, err := conn.Exec(ctx, `INSERT INTO sessions (id, tenant_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			uuid.New(), tenant, u, h[:], time.Now().Add(24*time.Hour)); err != nil {
			return err
		}
		ds.sessions[u] = tok
		ds.sampled = append(ds.sampled, u)
	}
	st.ds = ds
	logf("loaded into Gatehouse's PostgreSQL: %d users, %d workspaces, %d memberships, %d deployments, 200 sessions in %s",
		len(userRows), len(wsRows), len(memberRows), len(depRows), time.Since(t0).Round(time.Millisecond))
	return nil
}

// project puts Gatehouse's projection of PostgreSQL into SpiceDB: `gatehouse
// reconcile --dry-run` lists every missing relationship, which are
// bulk-imported (5,000 a call, as Projector.ImportAll does).
func (st *stack) project(ctx context.Context, export bool) error {
	t0 := time.Now()
	missing, extra, err := st.reconcileDryRun(ctx)
	if err != nil {
		return err
	}
	tr := time.Since(t0)
	t1 := time.Now()
	const batch = 5000
	for i := 0; i < len(missing); i += batch {
		stream, err := st.spiceCli.ImportBulkRelationships(ctx)
		if err != nil {
			return err
		}
		end := min(i+batch, len(missing))
		if err := stream.Send(&v1.ImportBulkRelationshipsRequest{Relationships: missing[i:end]}); err != nil {
			return err
		}
		resp, err := stream.CloseAndRecv()
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		if int(resp.NumLoaded) != end-i {
			return fmt.Errorf("import: loaded %d of %d", resp.NumLoaded, end-i)
		}
	}
	ti := time.Since(t1)
	rs, err := st.spiceCli.ReadSchema(ctx, &v1.ReadSchemaRequest{})
	if err != nil {
		return err
	}
	st.token = rs.ReadAt.GetToken()
	conn, err := pgx.Connect(ctx, st.pgURL("gatehouse"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO projection_tokens (tenant_id, zed_token) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET zed_token = excluded.zed_token, updated_at = now()`, st.tenant, st.token); err != nil {
		return err
	}
	logf("projected: `gatehouse reconcile --dry-run` listed %d missing (%d extra) in %s; SpiceDB bulk import %s; tenant token set to the head token",
		len(missing), extra, tr.Round(time.Millisecond), ti.Round(time.Millisecond))
	if *flagVerify {
		t2 := time.Now()
		m2, e2, err := st.reconcileDryRun(ctx)
		if err != nil {
			return err
		}
		if len(m2) != 0 || e2 != 0 {
			return fmt.Errorf("after the import, reconcile still reports %d missing and %d extra", len(m2), e2)
		}
		logf("verified: `gatehouse reconcile --dry-run` says no drift (%s)", time.Since(t2).Round(time.Millisecond))
	}
	if !export {
		return nil
	}
	// Every relationship SpiceDB holds (for OpenFGA).
	st.rels = nil
	var cursor *v1.Cursor
	for {
		stream, err := st.spiceCli.ExportBulkRelationships(ctx, &v1.ExportBulkRelationshipsRequest{
			Consistency:    &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: &v1.ZedToken{Token: st.token}}},
			OptionalLimit:  10000,
			OptionalCursor: cursor,
		})
		if err != nil {
			return err
		}
		n := 0
		for {
			msg, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			st.rels = append(st.rels, msg.Relationships...)
			n += len(msg.Relationships)
			cursor = msg.AfterResultCursor
		}
		if n < 10000 {
			break
		}
	}
	counts := map[string]int{}
	for _, r := range st.rels {
		counts[r.Resource.ObjectType+"#"+r.Relation+"@"+r.Subject.Object.ObjectType+subRel(r.Subject)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	logf("SpiceDB holds %d relationships: %s", len(st.rels), strings.Join(parts, ", "))
	return nil
}

func subRel(s *v1.SubjectReference) string {
	if s.OptionalRelation != "" {
		return "#" + s.OptionalRelation
	}
	return ""
}

func (st *stack) reconcileDryRun(ctx context.Context) ([]*v1.Relationship, int, error) {
	cmd := exec.CommandContext(ctx, *flagGatehouse, "reconcile", "--dry-run")
	cmd.Env = st.gateEnv
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	var rels []*v1.Relationship
	extra, noDrift := 0, false
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var perr error
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "missing in SpiceDB: "):
			r, err := parseRel(strings.TrimPrefix(line, "missing in SpiceDB: "))
			if err != nil && perr == nil {
				perr = err
			}
			rels = append(rels, r)
		case strings.HasPrefix(line, "extra in SpiceDB:"):
			extra++
		case line == "no drift":
			noDrift = true
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, 0, fmt.Errorf("gatehouse reconcile --dry-run: %w: %s", err, stderr.String())
	}
	if perr != nil {
		return nil, 0, perr
	}
	_ = noDrift
	return rels, extra, nil
}

// parseRel reads authz.Rel's String(): type:id#relation@type:id[#relation].
func parseRel(s string) (*v1.Relationship, error) {
	if strings.Contains(s, "[") {
		return nil, fmt.Errorf("relationship with expiry not supported here: %s", s)
	}
	res, sub, ok := strings.Cut(s, "@")
	if !ok {
		return nil, fmt.Errorf("bad relationship %q", s)
	}
	h := strings.LastIndex(res, "#")
	if h < 0 {
		return nil, fmt.Errorf("bad relationship %q", s)
	}
	rel := res[h+1:]
	rt, rid, ok1 := strings.Cut(res[:h], ":")
	stype, rest, ok2 := strings.Cut(sub, ":")
	sid, srel, _ := strings.Cut(rest, "#")
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("bad relationship %q", s)
	}
	return &v1.Relationship{
		Resource: &v1.ObjectReference{ObjectType: rt, ObjectId: rid},
		Relation: rel,
		Subject:  &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: stype, ObjectId: sid}, OptionalRelation: srel},
	}, nil
}
