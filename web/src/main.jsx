import '@picocss/pico/css/pico.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, hasSession, setOnExpired } from './api.js';
import { Link, navigate, useRoute } from './router.jsx';
import { Loading, Problem } from './ui.jsx';
import { SignIn } from './screens/SignIn.jsx';
import { Invitation } from './screens/Invitation.jsx';
import { Users } from './screens/Users.jsx';
import { Workspaces, WorkspaceDetail } from './screens/Workspaces.jsx';
import { Roles } from './screens/Roles.jsx';
import { Groups } from './screens/Groups.jsx';
import { Kinds, ReportTable } from './screens/Kinds.jsx';
import { Branches } from './screens/Branches.jsx';
import { Tenants } from './screens/Tenants.jsx';
import { Services } from './screens/Services.jsx';
import { Audit } from './screens/Audit.jsx';
import { Why } from './screens/Why.jsx';

// The tenant's global permissions the console asks about, once per session,
// in one POST /v1/check/bulk: every screen offers only what they allow.
const GLOBAL = ['super_admin', 'manage_users', 'manage_permissions', 'view_system_roles', 'view_audit_logs',
  'manage_tenant', 'view_tenant', 'create_workspace', 'manage_global_models', 'merge_branch'];

// loadSession asks who the user is, what they may do in their tenant (the
// checks) and on each kind (the permission report of SPEC §2.3a, default
// branch); the screens offer exactly that.
async function loadSession() {
  const me = await get('/v1/me');
  const [r, report] = await Promise.all([
    post('/v1/check/bulk', {
      items: GLOBAL.map((p) => ({ resource: { type: 'tenant', id: me.tenant_id }, permission: p })),
    }),
    get('/v1/permissions/report?limit=500').catch(() => ({ items: [] })),
  ]);
  const can = {};
  GLOBAL.forEach((p, i) => { can[p] = !!(r.results[i] && r.results[i].allowed); });
  // Branches are managed with manage_permissions or merge_branch (the
  // schema's tenant#manage_branches).
  can.manage_branches = can.manage_permissions || can.merge_branch;
  // Tenants are the platform's: only the built-in superadmin role (the
  // platform's superadmins, SPEC §1.1) lists and creates them.
  can.platform = me.global_role === 'superadmin';
  const kinds = Object.fromEntries((report.items || []).map((x) => [x.kind, x]));
  return { me, can, kinds, report };
}

function Nav({ session, onSignOut, path }) {
  const { can, me } = session;
  // On a phone the menu folds behind a button (CSS shows it at any width
  // above 640 px).
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const items = [
    ['/workspaces', 'Workspaces', true],
    ['/users', 'Users', can.manage_users],
    ['/groups', 'Groups', can.manage_users],
    ['/roles', 'Roles', can.view_system_roles || can.manage_permissions],
    ['/kinds', 'Kinds', can.view_tenant],
    ['/branches', 'Branches', can.view_tenant],
    ['/tenants', can.platform ? 'Tenants' : 'Tenant', can.view_tenant],
    ['/services', 'Services', can.manage_tenant],
    ['/audit', 'Audit', can.view_audit_logs],
    ['/why', 'Why?', true],
  ];
  return (
    <header class="container">
      <nav aria-label="Main">
        <ul>
          <li><Link href="/" class="brand"><strong>Gatehouse</strong></Link></li>
          <li class="menu-toggle"><button type="button" class="outline secondary" aria-expanded={open} aria-controls="main-menu" onClick={() => setOpen(!open)}>Menu</button></li>
        </ul>
        <ul class={open ? 'menu open' : 'menu'} id="main-menu">
          {items.filter((x) => x[2]).map(([href, label]) => (
            <li><Link href={href} aria-current={path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>{label}</Link></li>
          ))}
        </ul>
        <ul>
          <li><small data-testid="whoami">{me.name || me.email} · {me.global_role}</small></li>
          <li><button type="button" class="outline secondary" onClick={onSignOut}>Sign out</button></li>
        </ul>
      </nav>
    </header>
  );
}

function Home({ session }) {
  const { me, report } = session;
  return (
    <section>
      <h1>Welcome, {me.name || me.email}</h1>
      <p>Global role: <strong>{me.global_role}</strong></p>
      <h2>Your workspaces</h2>
      {me.workspaces && me.workspaces.length ? (
        <ul>{me.workspaces.map((w) => <li><Link href={`/workspaces/${w.id}`}>{w.name}</Link> ({w.role})</li>)}</ul>
      ) : <p>You are not a member of any workspace yet.</p>}
      {report.items && report.items.length ? (
        <details>
          <summary>What you may do on each kind (the permission report, default branch)</summary>
          <ReportTable rows={report.items} />
        </details>
      ) : null}
    </section>
  );
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState(hasSession() ? undefined : null);
  const [error, setError] = useState(null);
  const [expired, setExpired] = useState('');
  const main = useRef(null);
  const first = useRef(true);

  const refresh = () => loadSession().then(setSession, (e) => { if (e.status === 401) setSession(null); else setError(e); });
  useEffect(() => {
    setOnExpired(() => { setSession(null); setExpired('Your session has ended or expired: sign in again.'); });
    if (session === undefined) refresh();
  }, []);
  // A new screen: move the keyboard focus to its main region, as a page
  // load would (not on the first load, which keeps the skip link first).
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    if (main.current) main.current.focus({ preventScroll: false });
  }, [route.path]);

  const skip = <a href="#main" class="skip-link" onClick={(e) => { e.preventDefault(); if (main.current) main.current.focus(); }}>Skip to content</a>;
  const page = (body, narrow) => (
    <>
      {skip}
      <main id="main" tabIndex={-1} ref={main} class={narrow ? 'container narrow' : 'container'}>{body}</main>
    </>
  );
  if (route.path === '/invitation') return page(<Invitation query={route.query} />, true);
  if (error) return page(<Problem error={error} />);
  if (session === undefined) return page(<Loading what="your session" />);
  if (session === null) {
    return page(
      <SignIn notice={expired} email={route.query.get('email') || ''}
        onSignedIn={() => { setExpired(''); setSession(undefined); refresh(); }} />, true,
    );
  }
  const signOut = async () => {
    try { await post('/v1/auth/logout'); } catch { /* the cookies are cleared either way */ }
    setSession(null);
    navigate('/');
  };
  const p = route.path;
  const { can } = session;
  let screen;
  const ws = p.match(/^\/workspaces\/([^/]+)$/);
  if (ws) screen = <WorkspaceDetail id={ws[1]} session={session} />;
  else if (p === '/workspaces') screen = <Workspaces session={session} />;
  else if (p === '/users' && can.manage_users) screen = <Users session={session} />;
  else if (p === '/groups' && can.manage_users) screen = <Groups session={session} />;
  else if (p === '/roles') screen = <Roles session={session} />;
  else if (p === '/kinds' && can.view_tenant) screen = <Kinds session={session} />;
  else if (p === '/branches' && can.view_tenant) screen = <Branches session={session} />;
  else if (p === '/tenants' && can.view_tenant) screen = <Tenants session={session} />;
  else if (p === '/services' && can.manage_tenant) screen = <Services session={session} />;
  else if (p === '/audit' && can.view_audit_logs) screen = <Audit session={session} />;
  else if (p === '/why') screen = <Why session={session} />;
  else screen = <Home session={session} />;
  return (
    <>
      {skip}
      <Nav session={session} onSignOut={signOut} path={p} />
      <main id="main" tabIndex={-1} ref={main} class="container">{screen}</main>
    </>
  );
}

render(<App />, document.getElementById('app'));
