package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protowire"
)

// fgaModelJSON is the part of schema/schema.zed that deployment#invoke
// reaches, as an OpenFGA authorization model: the same relations, the same
// unions, the same exclusion on the super_admin path. It is the JSON that
// OpenFGA's language transformer (github.com/openfga/language) makes of the
// DSL below, stored so that this program needs no OpenFGA module; edit both
// together (`fga model transform` regenerates the JSON).
//
//	model
//	  schema 1.1
//
//	type user
//
//	type platform
//	  relations
//	    define superadmin: [user]
//
//	type group
//	  relations
//	    define member: [user]
//
//	type role
//	  relations
//	    define assignee: [user, group#member]
//	    define holder: assignee
//
//	type tenant
//	  relations
//	    define platform: [platform]
//	    define admin: [user]
//	    define member: [user]
//	    define super_admin_allow: [role#holder]
//	    define super_admin_deny: [role#holder]
//	    define super_admin: (superadmin from platform or super_admin_allow) but not super_admin_deny
//
//	type apikey
//	  relations
//	    define workspace: [workspace]
//	    define creator: [user]
//
//	type workspace
//	  relations
//	    define tenant: [tenant]
//	    define owner: [user, group#member]
//	    define admin: [user, group#member]
//	    define member: [user, group#member]
//	    define key_admin: [apikey]
//	    define key_member: [apikey]
//	    define super_admin: super_admin from tenant
//	    define role_member: owner or admin or member or key_admin or key_member
//	    define invoke: super_admin or role_member
//
//	type deployment
//	  relations
//	    define workspace: [workspace]
//	    define creator: [user]
//	    define invoke: invoke from workspace
//
//go:embed openfga_model.json
var fgaModelJSON string

// fgaAllowed lists the relationships the model above can hold.
var fgaAllowed = map[string]bool{
	"platform#superadmin@user": true, "group#member@user": true,
	"role#assignee@user": true, "role#assignee@group#member": true,
	"tenant#platform@platform": true, "tenant#admin@user": true, "tenant#member@user": true,
	"tenant#super_admin_allow@role#holder": true, "tenant#super_admin_deny@role#holder": true,
	"apikey#workspace@workspace": true, "apikey#creator@user": true,
	"workspace#tenant@tenant": true,
	"workspace#owner@user":    true, "workspace#admin@user": true, "workspace#member@user": true,
	"workspace#owner@group#member": true, "workspace#admin@group#member": true, "workspace#member@group#member": true,
	"workspace#key_admin@apikey": true, "workspace#key_member@apikey": true,
	"deployment#workspace@workspace": true, "deployment#creator@user": true,
}

func (st *stack) startOpenFGA(ctx context.Context) error {
	uri := st.pgURL("openfga")
	mig := exec.CommandContext(ctx, *flagOpenFGA, "migrate", "--datastore-engine", "postgres", "--datastore-uri", uri)
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("openfga migrate: %w: %s", err, out)
	}
	args := []string{"run",
		"--datastore-engine", "postgres", "--datastore-uri", uri,
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", port(pFGAHTTP)),
		"--grpc-addr", fmt.Sprintf("127.0.0.1:%d", port(pFGAGRPC)),
		"--playground-enabled=false",
		"--metrics-enabled=true", "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port(pFGAMetrics)),
		"--profiler-enabled", "--profiler-addr", fmt.Sprintf("127.0.0.1:%d", port(pFGAProfiler)),
		"--log-level", "warn",
		"--max-tuples-per-write", strconv.Itoa(*flagFGABatch),
	}
	p, err := startProc("openfga", exec.Command(*flagOpenFGA, args...), false, syscall.SIGTERM)
	if err != nil {
		return err
	}
	st.fga = p
	base := fmt.Sprintf("http://127.0.0.1:%d", port(pFGAHTTP))
	if err := waitUntil(ctx, "openfga", p, 60*time.Second, func(ctx context.Context) error { return httpOK(ctx, base+"/healthz") }); err != nil {
		return err
	}
	t0 := time.Now()
	var storeResp struct {
		ID string `json:"id"`
	}
	if err := postJSON(ctx, http.DefaultClient, base+"/stores", `{"name":"gatehouse-bench"}`, &storeResp); err != nil {
		return err
	}
	st.fgaStore = storeResp.ID
	var modelResp struct {
		ID string `json:"authorization_model_id"`
	}
	if err := postJSON(ctx, http.DefaultClient, base+"/stores/"+st.fgaStore+"/authorization-models", fgaModelJSON, &modelResp); err != nil {
		return err
	}
	st.fgaModel = modelResp.ID
	type tk struct {
		User     string `json:"user"`
		Relation string `json:"relation"`
		Object   string `json:"object"`
	}
	var tuples []tk
	skipped := map[string]int{}
	for _, r := range st.rels {
		key := r.Resource.ObjectType + "#" + r.Relation + "@" + r.Subject.Object.ObjectType + subRel(r.Subject)
		if !fgaAllowed[key] {
			skipped[key]++
			continue
		}
		tuples = append(tuples, tk{User: r.Subject.Object.ObjectType + ":" + r.Subject.Object.ObjectId + subRel(r.Subject), Relation: r.Relation, Object: r.Resource.ObjectType + ":" + r.Resource.ObjectId})
	}
	// Four writers in parallel, *flagFGABatch tuples a call.
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(int64(*flagFGABatch))) - *flagFGABatch
				if i >= len(tuples) || ctx.Err() != nil {
					return
				}
				end := min(i+*flagFGABatch, len(tuples))
				body, _ := json.Marshal(map[string]any{"writes": map[string]any{"tuple_keys": tuples[i:end]}, "authorization_model_id": st.fgaModel})
				if err := postJSON(ctx, http.DefaultClient, base+"/stores/"+st.fgaStore+"/write", string(body), nil); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return fmt.Errorf("openfga write: %w", err)
	default:
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port(pFGAGRPC)), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	st.fgaGRPC = conn
	var sk []string
	for k, n := range skipped {
		sk = append(sk, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(sk)
	logf("OpenFGA on %s (gRPC %d): store %s, model %s, %d tuples written in %s (not in the model, skipped: %s)",
		base, port(pFGAGRPC), st.fgaStore, st.fgaModel, len(tuples), time.Since(t0).Round(time.Millisecond), strings.Join(sk, ", "))
	return nil
}

func postJSON(ctx context.Context, c *http.Client, url, body string, out any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// OpenFGA's gRPC Check, without OpenFGA's generated client: the request
// and the response are encoded with protowire by their field numbers in
// openfga/v1 (github.com/openfga/api), and sent as raw bytes under the
// "proto" content subtype, which is what the generated client sends.
const fgaCheckMethod = "/openfga.v1.OpenFGAService/Check"

// rawCodec passes pre-encoded protobuf messages (*[]byte) through.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append((*v.(*[]byte))[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// fgaCheckRequest encodes openfga.v1.CheckRequest{store_id = 1, tuple_key =
// 2 (CheckRequestTupleKey{user = 1, relation = 2, object = 3}),
// authorization_model_id = 4}.
func fgaCheckRequest(store, model, user, relation, object string) []byte {
	var tk []byte
	tk = protowire.AppendTag(tk, 1, protowire.BytesType)
	tk = protowire.AppendString(tk, user)
	tk = protowire.AppendTag(tk, 2, protowire.BytesType)
	tk = protowire.AppendString(tk, relation)
	tk = protowire.AppendTag(tk, 3, protowire.BytesType)
	tk = protowire.AppendString(tk, object)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, store)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, tk)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendString(b, model)
	return b
}

// fgaCheckAllowed decodes openfga.v1.CheckResponse's allowed (field 1).
func fgaCheckAllowed(b []byte) (bool, error) {
	allowed := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false, fmt.Errorf("openfga CheckResponse: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if num == 1 && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false, fmt.Errorf("openfga CheckResponse: %w", protowire.ParseError(n))
			}
			allowed, b = v != 0, b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return false, fmt.Errorf("openfga CheckResponse: %w", protowire.ParseError(n))
		}
		b = b[n:]
	}
	return allowed, nil
}

// fgaCheck is OpenFGAService.Check over st.fgaGRPC.
func (st *stack) fgaCheck(ctx context.Context, q *query) (bool, error) {
	req := fgaCheckRequest(st.fgaStore, st.fgaModel, "user:"+q.user.String(), "invoke", "deployment:"+q.dep.String())
	var resp []byte
	if err := st.fgaGRPC.Invoke(ctx, fgaCheckMethod, &req, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
		return false, err
	}
	return fgaCheckAllowed(resp)
}
