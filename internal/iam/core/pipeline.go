package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// DefaultDecisionCacheSize is the decision cache's bound when
// Config.DecisionCacheSize is 0.
const DefaultDecisionCacheSize = 100_000

// Config holds the rules that are configurable.
type Config struct {
	SessionTTL     time.Duration
	InvitationTTL  time.Duration
	PasswordPolicy auth.PasswordPolicy
	// PublicURL is where users reach Gatehouse (invitation links).
	PublicURL     string
	DefaultBranch string
	// TokenKey seals consistency tokens (shared by every replica).
	TokenKey string
	// DecisionCacheSize bounds the decision cache of POST /v1/check
	// (access/decision_cache.go): 0 means DefaultDecisionCacheSize, a negative
	// size turns the cache off.
	DecisionCacheSize int
	// AllowedCacheSize bounds the cache of allowed authorizations
	// (allowed.go): 0 means DefaultDecisionCacheSize, negative turns it
	// off. It is on by default: a miss costs what an uncached decision
	// does when the tenant writes (its token is new each time), and a
	// write's authorization then costs no SpiceDB call.
	AllowedCacheSize int
}

// Kernel is what every domain service shares: the stores, the
// projection, the configuration, and the write pipeline and authorization
// helpers built on them (this file and policy.go). Each domain service
// embeds it.
type Kernel struct {
	Store     *store.Store
	Projector *authz.Projector
	Checker   authz.Checker
	Config    Config
	Log       *slog.Logger
	// Wake, when set, is nudged when a write is left pending for the relay.
	Wake chan struct{}
	// Tokens seals the consistency tokens the API hands out and opens the
	// ones clients send back.
	Tokens authz.Tokens
	// Now is the clock (time.Now).
	Now func() time.Time
	// Caches hold what every request reads, when a cache bus feeds them
	// (UseBus; fresh.go).
	Caches Caches
	// Allowed replays the allowed answers authorizations got while no
	// change that may revoke has been applied (allowed.go); nil when
	// turned off.
	Allowed *AllowedCache

	flushed []func() // OnFlush
}

// NewKernel builds the kernel, filling in the defaults of cfg.
func NewKernel(st *store.Store, pr *authz.Projector, cfg Config, log *slog.Logger) *Kernel {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 24 * time.Hour
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = 72 * time.Hour
	}
	if cfg.PasswordPolicy.MinLength == 0 {
		cfg.PasswordPolicy.MinLength = 12
	}
	if cfg.DefaultBranch == "" {
		cfg.DefaultBranch = "main"
	}
	if cfg.DecisionCacheSize == 0 {
		cfg.DecisionCacheSize = DefaultDecisionCacheSize
	}
	if cfg.AllowedCacheSize == 0 {
		cfg.AllowedCacheSize = DefaultDecisionCacheSize
	}
	return &Kernel{
		Store: st, Projector: pr, Checker: authz.Checker{SpiceDB: pr.SpiceDB},
		Config: cfg, Log: log,
		Wake: make(chan struct{}, 1), Tokens: authz.NewTokens(cfg.TokenKey), Now: time.Now,
		Allowed: NewAllowedCache(cfg.AllowedCacheSize),
	}
}

// WriteResult is the outcome of a write: the consistency token of its
// SpiceDB write, or Pending when the write is stored durably but SpiceDB
// could not be reached (the relay applies it when SpiceDB returns).
type WriteResult struct {
	ConsistencyToken string
	Pending          bool
}

// Change is what a write's transaction produces.
type Change struct {
	TenantID    uuid.UUID
	WorkspaceID *uuid.UUID
	Target      string
	Facts       []authz.Fact // what changed; authz derives the units to re-project
	Details     map[string]any
}

// AuthorizedWrite is the pipeline every write uses:
//
//  1. authorize, before BEGIN: the SpiceDB decisions the write rests on
//     (and the reads on the pool they need). No transaction is open and no
//     connection is held while SpiceDB answers.
//  2. fn, in one transaction: re-validate under row locks what the
//     decision rests on (and the invariants: last owner, last
//     superadmin), store the fact; the same transaction stores the outbox
//     entry and the audit entry. fn never asks SpiceDB (a test walks the
//     packages and fails when it does).
//  3. the entry is applied to SpiceDB.
//
// A refused write (authorize's or fn's error) is audited as refused and
// stores nothing else.
func (s *Kernel) AuthorizedWrite(ctx context.Context, p *Principal, meta RequestMeta, action string, authorize func() error, fn func(tx pgx.Tx) (Change, error)) (WriteResult, error) {
	if authorize != nil {
		if err := authorize(); err != nil {
			return WriteResult{}, s.refused(ctx, p, meta, action, Change{}, err)
		}
	}
	return s.Write(ctx, p, meta, action, fn)
}

// Write is AuthorizedWrite for writes that need no SpiceDB decision (or
// whose authorization already happened, e.g. a login).
func (s *Kernel) Write(ctx context.Context, p *Principal, meta RequestMeta, action string, fn func(tx pgx.Tx) (Change, error)) (WriteResult, error) {
	var outboxID int64
	var ch Change
	err := s.Store.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		ch, err = fn(tx)
		if err != nil {
			return err
		}
		units, err := authz.UnitsOf(ctx, tx, ch.Facts)
		if err != nil {
			return err
		}
		raw, err := authz.EncodeUnits(units)
		if err != nil {
			return err
		}
		facts, err := authz.EncodeFacts(ch.Facts)
		if err != nil {
			return err
		}
		outboxID, err = store.InsertOutboxAudited(ctx, tx, ch.TenantID, raw, facts, s.auditEntry(p, meta, action, ch, "success"))
		return err
	})
	if err != nil {
		return WriteResult{}, s.refused(ctx, p, meta, action, ch, err)
	}
	token, err := s.Projector.ApplyFor(ctx, ch.TenantID, outboxID)
	var res WriteResult
	if err == nil {
		res.ConsistencyToken = s.Tokens.Seal(token)
	} else {
		s.Log.Warn("write stored, projection pending", "outbox", outboxID, "err", err)
		select {
		case s.Wake <- struct{}{}:
		default:
		}
		res.Pending = true
	}
	// The write (and the tenant's newest token, moved by the apply) is
	// committed: no replica answers from memory as if it were not.
	return res, s.Settle(ctx)
}

// InvalidToken is the refusal of a consistency token Gatehouse did not mint.
func InvalidToken(field string) error {
	return &Error{Kind: KindBadRequest, Code: "invalid_consistency_token", Field: field,
		Message: "is not a consistency token this Gatehouse returned (pass back consistency_token or checked_at unchanged)"}
}

// OpenToken verifies a client's consistency token and returns the
// ZedToken it seals; field names where it came from.
func (s *Kernel) OpenToken(field, token string) (string, error) {
	zed, err := s.Tokens.Open(token)
	if err != nil {
		return "", InvalidToken(field)
	}
	return zed, nil
}

// refused audits a write that did not happen and returns its error.
func (s *Kernel) refused(ctx context.Context, p *Principal, meta RequestMeta, action string, ch Change, err error) error {
	outcome := "error"
	switch KindOf(err) {
	case KindForbidden, KindNotFound, KindUnauthenticated:
		outcome = "denied"
	case KindInvalid, KindConflict, KindBadRequest:
		outcome = "refused"
	}
	if p != nil {
		ch.TenantID = p.TenantID
	}
	if aerr := store.InsertAudit(context.WithoutCancel(ctx), s.Store.Pool, s.auditEntry(p, meta, action, ch, outcome)); aerr != nil {
		s.Log.Warn("audit", "err", aerr)
	}
	return s.MapErr(err)
}

func (s *Kernel) auditEntry(p *Principal, meta RequestMeta, action string, ch Change, outcome string) store.AuditEntry {
	e := store.AuditEntry{
		Actor: "anonymous", Action: action, Target: ch.Target, Outcome: outcome,
		RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, Details: ch.Details,
		WorkspaceID: ch.WorkspaceID,
	}
	if p != nil {
		e.Actor = p.Actor()
	}
	if ch.TenantID != uuid.Nil {
		t := ch.TenantID
		e.TenantID = &t
	}
	return e
}

// MapErr turns store sentinels into domain errors where the use case did
// not already.
func (s *Kernel) MapErr(err error) error {
	if err == nil || KindOf(err) != 0 {
		return err
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return NotFound("object")
	case errors.Is(err, store.ErrConflict):
		return Conflict("duplicate", "already exists")
	case errors.Is(err, authz.ErrUnavailable):
		return Unavailable("the authorization service (SpiceDB) is unavailable; nothing was changed")
	case errors.Is(err, authz.ErrInvalidArgument):
		return &Error{Kind: KindInvalid, Code: "invalid_request", Message: "SpiceDB refused the request"}
	}
	return err
}

// Consistency picks the freshness of an authorization read: the request's
// token when given, else at least as fresh as the newest write answered for
// the tenant.
func (s *Kernel) Consistency(ctx context.Context, tenantID uuid.UUID, meta RequestMeta) (authz.Consistency, error) {
	token, err := s.TenantToken(ctx, tenantID)
	if err != nil {
		return authz.Consistency{}, err
	}
	return ConsistencyAt(token, meta), nil
}

// ConsistencyAt is Consistency given the tenant's newest token.
func ConsistencyAt(token string, meta RequestMeta) authz.Consistency {
	switch {
	case token == "":
		return authz.Consistency{FullyConsistent: true}
	case meta.ConsistencyToken != "" && meta.ConsistencyToken != token:
		// Tokens cannot be ordered here: a client's token may be older than
		// the tenant's newest write (a revocation), so read at head.
		return authz.Consistency{FullyConsistent: true}
	}
	return authz.Consistency{AtLeastAsFresh: token}
}

// allowed asks SpiceDB whether p may do permission on resource.
func (s *Kernel) allowed(ctx context.Context, p *Principal, tenantID uuid.UUID, meta RequestMeta, resource authz.Object, permission string) (bool, error) {
	cons, err := s.Consistency(ctx, tenantID, meta)
	if err != nil {
		return false, err
	}
	if p != nil && tenantID != p.TenantID {
		// The caller's own standing (say, a superadmin's) was written under
		// their tenant, whose token this is not: read at head.
		cons = authz.Consistency{FullyConsistent: true}
	}
	res, err := s.decide(ctx, []authz.CheckItem{{Resource: resource, Permission: permission, Subject: p.Subject()}}, cons)
	if err != nil {
		return false, err
	}
	return res[0], nil
}

// require fails with Forbidden unless p may do permission on resource.
func (s *Kernel) require(ctx context.Context, p *Principal, tenantID uuid.UUID, meta RequestMeta, resource authz.Object, permission string) error {
	ok, err := s.allowed(ctx, p, tenantID, meta, resource, permission)
	if err != nil {
		return err
	}
	if !ok {
		return Forbidden("%s may not %s on %s", p.Actor(), permission, resource.Type)
	}
	return nil
}

// requireVisible is require for an object the caller may not even see:
// without its "view" the object is not found (404), with it but without
// permission the answer is 403. One SpiceDB round trip.
func (s *Kernel) requireVisible(ctx context.Context, p *Principal, tenantID uuid.UUID, meta RequestMeta, resource authz.Object, permission, what string) error {
	cons, err := s.Consistency(ctx, tenantID, meta)
	if err != nil {
		return err
	}
	if tenantID != p.TenantID {
		cons = authz.Consistency{FullyConsistent: true}
	}
	res, err := s.decide(ctx, []authz.CheckItem{
		{Resource: resource, Permission: permission, Subject: p.Subject()},
		{Resource: resource, Permission: "view", Subject: p.Subject()},
	}, cons)
	if err != nil {
		return err
	}
	switch {
	case res[0]:
		return nil
	case !res[1]:
		return NotFound(what)
	}
	return Forbidden("%s may not %s on %s", p.Actor(), permission, resource.Type)
}

// Result exposes the write result of any answer that embeds it.
func (w WriteResult) Result() WriteResult { return w }
