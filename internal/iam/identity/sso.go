package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// SSO is the OIDC login's configuration.
//
// Rules (SPEC §1.4, and where it is silent):
//   - A provider identity is (issuer, subject). A login finds its user by
//     that link; failing that, it links the live user of the SSO tenant with
//     the same email when the provider says the email is verified (an
//     invited user becomes active); failing that, it provisions a new
//     ACTIVE user without a password in the SSO tenant. A user has at most
//     one identity per issuer. Email and name are taken at provisioning and
//     left to administrators afterwards.
//   - A linked user who is disabled or deleted gets the same 401 as a bad
//     password login; the link stays, so a deleted user stays out.
//   - RoleClaim, when set, maps to the global role at every login: the
//     strongest of superadmin, admin, member among the claim's values
//     (a string or an array of strings), member when absent or unknown. So
//     superadmin comes from SSO only when the claim says superadmin. The last
//     active superadmin keeps the role (as everywhere). When RoleClaim is
//     not set, SSO never changes roles and new users are members.
//   - GroupsClaim, when set, syncs account groups at every login: groups
//     named in the claim (case-insensitive) are created in the tenant when
//     missing (marked managed_by_sso) and the user is added to each named
//     group; the user is removed from the SSO-managed groups the claim does
//     not name (an absent claim names none). Groups created by
//     administrators never lose members through SSO.
//   - AllowedClaim/AllowedValues, when set, admit only logins whose claim
//     holds one of the values (403 sso_not_allowed).
type SSO struct {
	Client        *auth.OIDC
	RoleClaim     string
	GroupsClaim   string
	AllowedClaim  string
	AllowedValues []string
	// TenantID is where new SSO users go; uuid.Nil means the oldest tenant.
	TenantID uuid.UUID
	// SecureCookie marks the login-state cookie Secure (https redirect URL).
	SecureCookie bool
}

// SSOLoginTTL is how long a started SSO login may take.
const SSOLoginTTL = 10 * time.Minute

// SSOStart is a started login: send the browser to RedirectURL and bind
// State to it (a cookie the callback checks).
type SSOStart struct {
	RedirectURL string
	State       string
	ExpiresAt   time.Time
}

// SSOCallback is what the provider sent back, with the state bound to the
// browser that started the login.
type SSOCallback struct {
	State, Code, Error, ErrorDescription string
	BoundState                           string
}

var (
	errSSOOff     = &core.Error{Kind: core.KindNotFound, Code: "sso_not_configured", Message: "SSO is not configured on this server"}
	errSSORefused = &core.Error{Kind: core.KindUnauthenticated, Code: "invalid_credentials", Message: "invalid credentials"}
)

func ssoBadState(msg string) error {
	return &core.Error{Kind: core.KindBadRequest, Code: "sso_invalid_state", Message: msg + "; start again at /v1/auth/oidc/login"}
}

// StartSSO begins an authorization-code login: state, nonce and PKCE
// verifier are stored server-side (single use, SSOLoginTTL), so any replica
// can finish it.
func (s *Service) StartSSO(ctx context.Context, meta core.RequestMeta) (SSOStart, error) {
	if s.SSO == nil {
		return SSOStart{}, errSSOOff
	}
	state, nonce, verifier := auth.NewToken(""), auth.NewToken(""), auth.NewPKCEVerifier()
	exp := s.Now().UTC().Add(SSOLoginTTL).Truncate(time.Second)
	if err := store.InsertOIDCLoginState(ctx, s.Store.Pool, auth.HashToken(state), store.OIDCLoginState{Nonce: nonce, PKCEVerifier: verifier, ExpiresAt: exp}); err != nil {
		return SSOStart{}, err
	}
	return SSOStart{RedirectURL: s.SSO.Client.AuthCodeURL(state, nonce, verifier), State: state, ExpiresAt: exp}, nil
}

// FinishSSO completes a login at the callback: it checks and consumes the
// state, redeems the code with the PKCE verifier, verifies the ID token and
// its nonce, provisions or syncs the user in one write, and opens a session
// exactly like a password login.
func (s *Service) FinishSSO(ctx context.Context, meta core.RequestMeta, in SSOCallback) (LoginResult, error) {
	if s.SSO == nil {
		return LoginResult{}, errSSOOff
	}
	id, err := s.ssoIdentity(ctx, in)
	if err != nil {
		tenant, _ := s.ssoTenant(ctx, s.Store.Pool)
		_ = store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: "anonymous", Action: "auth.sso_login", Outcome: "denied", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(tenant), Details: map[string]any{"reason": err.Error()}})
		return LoginResult{}, err
	}
	var u store.User
	if _, err := s.Write(ctx, nil, meta, "auth.sso_login", func(tx pgx.Tx) (core.Change, error) {
		ch, synced, err := s.ssoSync(ctx, tx, id)
		u = synced
		return ch, err
	}); err != nil {
		return LoginResult{}, err
	}
	now := s.Now()
	token := auth.NewToken(auth.SessionPrefix)
	sess := store.Session{ID: uuid.Must(uuid.NewV7()), TenantID: u.TenantID, UserID: u.ID, ExpiresAt: now.Add(s.Config.SessionTTL).UTC().Truncate(time.Second)}
	if err := store.InsertSession(ctx, s.Store.Pool, sess, auth.HashToken(token)); err != nil {
		return LoginResult{}, err
	}
	_ = store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: "user:" + u.ID.String(), Action: "auth.login", Target: "user:" + u.ID.String(), Outcome: "success", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(u.TenantID), Details: map[string]any{"method": "sso"}})
	return LoginResult{Token: token, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// ssoIdentity checks the state and turns the code into a verified identity.
func (s *Service) ssoIdentity(ctx context.Context, in SSOCallback) (auth.OIDCIdentity, error) {
	if in.State == "" {
		return auth.OIDCIdentity{}, ssoBadState("the callback carries no state")
	}
	if len(in.State) > 512 || subtle.ConstantTimeCompare([]byte(in.State), []byte(in.BoundState)) != 1 {
		return auth.OIDCIdentity{}, ssoBadState("the state does not match the login started in this browser")
	}
	st, err := store.ConsumeOIDCLoginState(ctx, s.Store.Pool, auth.HashToken(in.State))
	if errors.Is(err, store.ErrNotFound) {
		return auth.OIDCIdentity{}, ssoBadState("unknown or already used login state")
	}
	if err != nil {
		return auth.OIDCIdentity{}, err
	}
	if !s.Now().Before(st.ExpiresAt) {
		return auth.OIDCIdentity{}, ssoBadState("the login expired")
	}
	if in.Error != "" {
		msg := in.Error
		if in.ErrorDescription != "" {
			msg += ": " + in.ErrorDescription
		}
		return auth.OIDCIdentity{}, &core.Error{Kind: core.KindUnauthenticated, Code: "sso_failed", Message: "the identity provider refused the login (" + core.Truncate(msg) + ")"}
	}
	if in.Code == "" {
		return auth.OIDCIdentity{}, &core.Error{Kind: core.KindBadRequest, Code: "sso_failed", Message: "the callback carries no authorization code"}
	}
	id, err := s.SSO.Client.Exchange(ctx, in.Code, st.PKCEVerifier, st.Nonce, s.SSO.RoleClaim, s.SSO.GroupsClaim, s.SSO.AllowedClaim)
	switch {
	case errors.Is(err, auth.ErrOIDCRejected):
		return id, &core.Error{Kind: core.KindUnauthenticated, Code: "sso_failed", Message: err.Error()}
	case errors.Is(err, auth.ErrOIDCUnavailable):
		s.Log.Warn("sso", "err", err)
		return id, core.Unavailable("the identity provider is unavailable; try again later")
	case err != nil:
		return id, err
	}
	return id, nil
}

// ssoSync finds, links or provisions the user of a verified identity and
// applies the role and groups claims; it returns the write's change and the
// user as it ends up.
func (s *Service) ssoSync(ctx context.Context, tx pgx.Tx, id auth.OIDCIdentity) (core.Change, store.User, error) {
	ch := core.Change{Target: "oidc:" + core.Truncate(id.Subject), Details: map[string]any{"issuer": id.Issuer, "subject": id.Subject}}
	if err := store.LockExternalIdentity(ctx, tx, id.Issuer, id.Subject); err != nil {
		return ch, store.User{}, err
	}
	tenant, err := s.ssoTenant(ctx, tx)
	if err != nil {
		return ch, store.User{}, err
	}
	ch.TenantID = tenant
	if s.SSO.AllowedClaim != "" && !intersects(auth.ClaimValues(id.Claims, s.SSO.AllowedClaim), s.SSO.AllowedValues) {
		return ch, store.User{}, &core.Error{Kind: core.KindForbidden, Code: "sso_not_allowed", Message: "this account is not allowed to log in to Gatehouse (claim " + s.SSO.AllowedClaim + ")"}
	}
	role, roleManaged := s.ssoRole(id.Claims)
	u, how, err := s.ssoUser(ctx, tx, id, role)
	if u.TenantID != uuid.Nil {
		ch.TenantID, ch.Target = u.TenantID, "user:"+u.ID.String()
	}
	if err != nil {
		return ch, u, err
	}
	ch.Details["user"] = how
	var facts []authz.Fact
	if u.Status == store.StatusInvited {
		if err := store.SetUserStatus(ctx, tx, u.ID, store.StatusActive); err != nil {
			return ch, u, err
		}
		if _, err := store.RevokeUserInvitations(ctx, tx, u.ID); err != nil {
			return ch, u, err
		}
	}
	if roleManaged && string(role) != u.GlobalRole {
		keep := u.GlobalRole == string(perm.RoleSuperadmin) && u.Status == store.StatusActive
		if keep {
			if err := keepLastSuperadmin(ctx, tx, u); err == nil {
				keep = false
			} else if core.KindOf(err) != core.KindConflict {
				return ch, u, err
			}
		}
		if keep {
			s.Log.Warn("sso: the role claim would demote the last active superadmin; the role is kept", "user", u.ID, "claim_role", role)
			ch.Details["role_kept"] = u.GlobalRole
		} else {
			if err := store.SetUserRole(ctx, tx, u.ID, string(role)); err != nil {
				return ch, u, err
			}
			ch.Details["role"] = map[string]any{"from": u.GlobalRole, "to": role}
		}
	}
	if s.SSO.GroupsClaim != "" {
		more, err := s.ssoGroups(ctx, tx, u, auth.ClaimValues(id.Claims, s.SSO.GroupsClaim), ch.Details)
		if err != nil {
			return ch, u, err
		}
		facts = append(facts, more...)
	}
	if err := store.TouchExternalIdentity(ctx, tx, id.Issuer, id.Subject, id.Email); err != nil {
		return ch, u, err
	}
	u, err = store.GetUser(ctx, tx, u.ID)
	if err != nil {
		return ch, u, err
	}
	ch.Facts = append(facts, authz.UserChanged{User: u.ID})
	return ch, u, nil
}

// ssoUser finds the identity's user, links an existing one by verified
// email, or provisions one; how tells which ("linked", "matched_email",
// "provisioned").
func (s *Service) ssoUser(ctx context.Context, tx pgx.Tx, id auth.OIDCIdentity, role perm.Role) (store.User, string, error) {
	link, err := store.ExternalIdentityFor(ctx, tx, id.Issuer, id.Subject)
	if err == nil {
		u, err := store.GetUserForUpdate(ctx, tx, link.UserID)
		if err != nil {
			return u, "", err
		}
		if u.Status == store.StatusDisabled || u.Status == store.StatusDeleted {
			return u, "", errSSORefused
		}
		return u, "linked", nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, "", err
	}
	tenant, err := s.ssoTenant(ctx, tx)
	if err != nil {
		return store.User{}, "", err
	}
	email := strings.TrimSpace(id.Email)
	if email == "" || core.ValidEmail(email) != nil {
		return store.User{}, "", &core.Error{Kind: core.KindForbidden, Code: "sso_email_required", Message: "the identity provider gave no valid email address for this account; Gatehouse needs one to create the user"}
	}
	linkTo := func(u store.User) error {
		err := store.InsertExternalIdentity(ctx, tx, store.ExternalIdentity{Issuer: id.Issuer, Subject: id.Subject, TenantID: u.TenantID, UserID: u.ID, Email: email})
		if errors.Is(err, store.ErrConflict) {
			return core.Conflict("sso_identity_conflict", "the user with this email is already linked to another account of this identity provider")
		}
		return err
	}
	// Emails are unique within a tenant: only the SSO tenant's users are
	// matched, and another tenant's user with the same email is no obstacle.
	u, err := store.GetLiveUserByEmail(ctx, tx, tenant, email)
	switch {
	case err == nil:
		if !id.EmailVerified {
			return u, "", core.Conflict("sso_email_unverified", "a user with this email exists, but the identity provider does not say the email is verified, so the account is not linked")
		}
		if u.Status == store.StatusDisabled {
			return u, "", errSSORefused
		}
		if u, err = store.GetUserForUpdate(ctx, tx, u.ID); err != nil {
			return u, "", err
		}
		return u, "matched_email", linkTo(u)
	case !errors.Is(err, store.ErrNotFound):
		return u, "", err
	}
	name := id.Name
	if core.ValidName("name", name, 200) != nil {
		name = email
	}
	u = store.User{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, Email: email, Name: name, GlobalRole: string(role), Status: store.StatusActive}
	if err := store.InsertUser(ctx, tx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return u, "", core.Conflict("email_taken", "a user with this email already exists in this tenant")
		}
		return u, "", err
	}
	return u, "provisioned", linkTo(u)
}

// ssoTenant is the tenant SSO users are provisioned into.
func (s *Service) ssoTenant(ctx context.Context, q store.Q) (uuid.UUID, error) {
	if s.SSO.TenantID == uuid.Nil {
		return store.OldestTenant(ctx, q)
	}
	if _, err := store.GetTenant(ctx, q, s.SSO.TenantID); err != nil {
		return uuid.Nil, fmt.Errorf("GATEHOUSE_OIDC_TENANT=%s: %w (no such tenant?)", s.SSO.TenantID, err)
	}
	return s.SSO.TenantID, nil
}

// ssoRole maps the role claim; managed is false when no claim is configured.
func (s *Service) ssoRole(claims map[string]any) (role perm.Role, managed bool) {
	role = perm.RoleMember
	if s.SSO.RoleClaim == "" {
		return role, false
	}
	for _, v := range auth.ClaimValues(claims, s.SSO.RoleClaim) {
		if r := perm.Role(strings.ToLower(strings.TrimSpace(v))); r.Valid() && r.Rank() > role.Rank() {
			role = r
		}
	}
	return role, true
}

// ssoGroups syncs the user's account groups with the claim's names.
func (s *Service) ssoGroups(ctx context.Context, tx pgx.Tx, u store.User, names []string, details map[string]any) ([]authz.Fact, error) {
	var facts []authz.Fact
	want := map[string]bool{}
	var added, removed, created []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if core.ValidName("group", n, 200) != nil {
			s.Log.Warn("sso: group name in the groups claim ignored", "claim", s.SSO.GroupsClaim, "name", core.Truncate(n))
			continue
		}
		if want[strings.ToLower(n)] {
			continue
		}
		want[strings.ToLower(n)] = true
		g, isNew, err := store.EnsureSSOGroup(ctx, tx, store.Group{ID: uuid.Must(uuid.NewV7()), TenantID: u.TenantID, Name: n})
		if err != nil {
			return nil, err
		}
		if isNew {
			facts = append(facts, authz.GroupCreated{Group: g.ID})
			created = append(created, g.Name)
		}
		joined, err := store.AddGroupMember(ctx, tx, u.TenantID, g.ID, u.ID)
		if err != nil {
			return nil, err
		}
		if joined {
			facts = append(facts, authz.GroupMembershipChanged{Group: g.ID, User: u.ID})
			added = append(added, g.Name)
		}
	}
	managed, err := store.SSOGroupsOf(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range managed {
		if want[strings.ToLower(g.Name)] {
			continue
		}
		if _, err := store.RemoveGroupMember(ctx, tx, g.ID, u.ID); err != nil {
			return nil, err
		}
		facts = append(facts, authz.GroupMembershipChanged{Group: g.ID, User: u.ID})
		removed = append(removed, g.Name)
	}
	for k, v := range map[string][]string{"groups_created": created, "groups_added": added, "groups_removed": removed} {
		if len(v) > 0 {
			sort.Strings(v)
			details[k] = v
		}
	}
	return facts, nil
}

func intersects(have, allowed []string) bool {
	for _, h := range have {
		for _, a := range allowed {
			if h == a {
				return true
			}
		}
	}
	return false
}
