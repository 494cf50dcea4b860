import '@picocss/pico/css/pico.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, hasSession, setOnExpired } from './api.js';
import { Link, navigate, useRoute } from './router.jsx';
import { Loading, Problem } from './ui.jsx';
import { SignIn } from './screens/SignIn.jsx';
import { Invitation } from './screens/Invitation.jsx';
import { Users } from './screens/Users.jsx';
import { Workspaces, WorkspaceDetail } from './screens/Workspaces.jsx';
import { Roles } from './screens/Roles.jsx';
import { Groups } from './screens/Groups.jsx';
import { Kinds } from './screens/Kinds.jsx';
import { Services } from './screens/Services.jsx';
import { Audit } from './screens/Audit.jsx';
import { Why } from './screens/Why.jsx';

// The tenant's global permissions the console asks about, once per session,
// in one POST /v1/check/bulk: every screen offers only what they allow.
const GLOBAL = ['super_admin', 'manage_users', 'manage_permissions', 'view_system_roles', 'view_audit_logs',
  'manage_tenant', 'view_tenant', 'create_workspace', 'manage_global_models'];

async function loadSession() {
  const me = await get('/v1/me');
  const r = await post('/v1/check/bulk', {
    items: GLOBAL.map((p) => ({ resource: { type: 'tenant', id: me.tenant_id }, permission: p })),
  });
  const can = {};
  GLOBAL.forEach((p, i) => { can[p] = !!(r.results[i] && r.results[i].allowed); });
  return { me, can };
}

function Nav({ session, onSignOut }) {
  const { can, me } = session;
  const items = [
    ['/workspaces', 'Workspaces', true],
    ['/users', 'Users', can.manage_users],
    ['/groups', 'Groups', can.manage_users],
    ['/roles', 'Roles', can.view_system_roles || can.manage_permissions],
    ['/kinds', 'Kinds', can.view_tenant],
    ['/services', 'Service credentials', can.manage_tenant],
    ['/audit', 'Audit log', can.view_audit_logs],
    ['/why', 'Why?', true],
  ];
  return (
    <header class="container">
      <nav aria-label="Main">
        <ul><li><strong>Gatehouse</strong></li></ul>
        <ul class="menu">
          {items.filter((x) => x[2]).map(([href, label]) => <li><Link href={href}>{label}</Link></li>)}
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
  const { me } = session;
  return (
    <section>
      <h1>Welcome, {me.name || me.email}</h1>
      <p>Global role: <strong>{me.global_role}</strong></p>
      <h2>Your workspaces</h2>
      {me.workspaces && me.workspaces.length ? (
        <ul>{me.workspaces.map((w) => <li><Link href={`/workspaces/${w.id}`}>{w.name}</Link> ({w.role})</li>)}</ul>
      ) : <p>You are not a member of any workspace yet.</p>}
    </section>
  );
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState(hasSession() ? undefined : null);
  const [error, setError] = useState(null);
  const [expired, setExpired] = useState('');

  const refresh = () => loadSession().then(setSession, (e) => { if (e.status === 401) setSession(null); else setError(e); });
  useEffect(() => {
    setOnExpired(() => { setSession(null); setExpired('Your session has ended or expired: sign in again.'); });
    if (session === undefined) refresh();
  }, []);

  if (route.path === '/invitation') return <main class="container narrow"><Invitation query={route.query} /></main>;
  if (error) return <main class="container"><Problem error={error} /></main>;
  if (session === undefined) return <main class="container"><Loading what="your session" /></main>;
  if (session === null) {
    return (
      <main class="container narrow">
        <SignIn notice={expired} email={route.query.get('email') || ''}
          onSignedIn={() => { setExpired(''); setSession(undefined); refresh(); }} />
      </main>
    );
  }
  const signOut = async () => {
    try { await post('/v1/auth/logout'); } catch { /* the cookies are cleared either way */ }
    setSession(null);
    navigate('/');
  };
  const p = route.path;
  let screen;
  const ws = p.match(/^\/workspaces\/([^/]+)$/);
  if (ws) screen = <WorkspaceDetail id={ws[1]} session={session} />;
  else if (p === '/workspaces') screen = <Workspaces session={session} />;
  else if (p === '/users' && session.can.manage_users) screen = <Users session={session} />;
  else if (p === '/groups' && session.can.manage_users) screen = <Groups session={session} />;
  else if (p === '/roles') screen = <Roles session={session} />;
  else if (p === '/kinds') screen = <Kinds session={session} />;
  else if (p === '/services' && session.can.manage_tenant) screen = <Services session={session} />;
  else if (p === '/audit' && session.can.view_audit_logs) screen = <Audit session={session} />;
  else if (p === '/why') screen = <Why session={session} />;
  else screen = <Home session={session} />;
  return (
    <>
      <Nav session={session} onSignOut={signOut} />
      <main class="container">{screen}</main>
    </>
  );
}

render(<App />, document.getElementById('app'));
