import { useState } from 'preact/hooks';
import { all, allowed, del, get, patch, post } from '../api.js';
import { Link, navigate } from '../router.jsx';
import { Audit } from './Audit.jsx';
import { Loading, Modal, Notice, Problem, Secret, Select, Text, useAction, useLoad, when } from '../ui.jsx';

export function Workspaces({ session }) {
  const [scope, setScope] = useState('mine');
  const list = useLoad(() => all(`/v1/workspaces${scope === 'mine' ? '?mine=true' : ''}`), [scope]);
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <hgroup><h1>Workspaces</h1><p>Yours, or every workspace you can see (governance).</p></hgroup>
      <div class="toolbar">
        <div role="group" aria-label="Which workspaces">
          <button type="button" class={scope === 'mine' ? '' : 'outline'} aria-pressed={scope === 'mine'} onClick={() => setScope('mine')}>Mine</button>
          <button type="button" class={scope === 'all' ? '' : 'outline'} aria-pressed={scope === 'all'} onClick={() => setScope('all')}>All I can see</button>
        </div>
        {session.can.create_workspace ? <button type="button" onClick={() => setCreating(true)}>Create a workspace</button> : null}
      </div>
      {list.loading ? <Loading what="workspaces" /> : list.error ? <Problem error={list.error} /> : (
        <div class="overflow-auto">
          <table class="striped" data-testid="workspaces">
            <thead><tr><th>Name</th><th>Your role</th><th>Description</th><th>Created</th></tr></thead>
            <tbody>
              {list.data.map((w) => (
                <tr><td><Link href={`/workspaces/${w.id}`}>{w.name}</Link></td><td>{w.role || '—'}</td><td>{w.description}</td><td>{when(w.created_at)}</td></tr>
              ))}
            </tbody>
          </table>
          {list.data.length === 0 ? <p>No workspace here yet.</p> : null}
        </div>
      )}
      {creating ? <CreateWorkspace onClose={() => setCreating(false)} /> : null}
    </section>
  );
}

function CreateWorkspace({ onClose }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const a = useAction();
  const submit = (e) => {
    e.preventDefault();
    a.run(async () => {
      const w = await post('/v1/workspaces', { name, ...(description ? { description } : {}) });
      onClose();
      navigate(`/workspaces/${w.id}`);
    });
  };
  return (
    <Modal id="create-workspace" title="Create a workspace" onClose={onClose}>
      <form onSubmit={submit} aria-label="Create a workspace">
        <Text label="Name" name="name" value={name} onChange={setName} required />
        <Text label="Description" name="description" value={description} onChange={setDescription} />
        <small>You become its owner.</small>
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy}>Create</button>
      </form>
    </Modal>
  );
}

// The workspace permissions the screen asks about (POST /v1/check/bulk).
const WS_PERMS = ['update', 'delete', 'manage_members', 'manage_owners', 'whitelist_models', 'create_deployment',
  'create_api_key', 'manage_api_keys', 'view_resources', 'view_audit_logs'];

async function loadWorkspace(id, session) {
  const [w, checks] = await Promise.all([
    get(`/v1/workspaces/${id}`),
    post('/v1/check/bulk', { items: WS_PERMS.map((p) => ({ resource: { type: 'workspace', id }, permission: p })) }),
  ]);
  const can = {};
  WS_PERMS.forEach((p, i) => { can[p] = !!(checks.results[i] && checks.results[i].allowed); });
  const [members, users, groups] = await Promise.all([
    all(`/v1/workspaces/${id}/members`),
    session.can.manage_users ? all('/v1/users') : Promise.resolve([session.me]),
    session.can.manage_users ? all('/v1/groups') : Promise.resolve([]),
  ]);
  return { w, can, members, users, groups };
}

const OWNER_HINT = 'A workspace always keeps at least one owner: make another member owner (or transfer ownership) first.';

export function WorkspaceDetail({ id, session }) {
  const d = useLoad(() => loadWorkspace(id, session), [id]);
  const [tab, setTab] = useState('members');
  if (d.loading && !d.data) return <Loading what="the workspace" />;
  if (d.error) return <Problem error={d.error} />;
  const { w, can } = d.data;
  const tabs = [['members', 'Members'], ['settings', 'Settings']];
  if (can.view_resources) tabs.push(['models', 'Models'], ['deployments', 'Deployments'], ['keys', 'API keys']);
  if (can.view_audit_logs) tabs.push(['audit', 'Audit log']);
  return (
    <section>
      <hgroup><h1 data-testid="workspace-name">{w.name}</h1><p>{w.description || 'Workspace'}{w.role ? ` · your role: ${w.role}` : ''}</p></hgroup>
      <nav aria-label="Workspace sections">
        <ul>{tabs.map(([k, label]) => (
          <li><a href={`#${k}`} aria-current={tab === k ? 'page' : undefined} onClick={(e) => { e.preventDefault(); setTab(k); }}>{label}</a></li>
        ))}</ul>
      </nav>
      {tab === 'members' ? <Members d={d} session={session} /> : null}
      {tab === 'settings' ? <Settings d={d} /> : null}
      {tab === 'models' ? <Models d={d} session={session} /> : null}
      {tab === 'deployments' ? <Deployments d={d} /> : null}
      {tab === 'keys' ? <Keys d={d} session={session} /> : null}
      {tab === 'audit' ? <Audit session={session} workspaceId={w.id} /> : null}
    </section>
  );
}

function Members({ d, session }) {
  const { w, can, members, users, groups } = d.data;
  const byUser = Object.fromEntries(users.map((u) => [u.id, u]));
  const byGroup = Object.fromEntries(groups.map((g) => [g.id, g]));
  const a = useAction();
  const [notice, setNotice] = useState('');
  const [kind, setKind] = useState('user');
  const [who, setWho] = useState('');
  const [role, setRole] = useState('member');
  const [newOwner, setNewOwner] = useState('');
  const roles = can.manage_owners ? ['member', 'admin', 'owner'] : ['member', 'admin'];
  const memberIds = new Set(members.map((m) => m.user_id || m.group_id));
  const candidates = kind === 'user'
    ? users.filter((u) => !memberIds.has(u.id) && u.status !== 'deleted').map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }))
    : groups.filter((g) => !memberIds.has(g.id)).map((g) => ({ value: g.id, label: g.name }));
  const act = (fn, msg) => a.run(async () => { await fn(); setNotice(msg); d.reload(); });
  const label = (m) => (m.user_id ? (byUser[m.user_id] ? `${byUser[m.user_id].name} <${byUser[m.user_id].email}>` : (m.name || `user ${m.user_id}`))
    : `group ${byGroup[m.group_id] ? byGroup[m.group_id].name : (m.name || m.group_id)}`);
  const hint = a.error && a.error.code === 'last_owner' ? OWNER_HINT : '';
  const add = (e) => {
    e.preventDefault();
    const target = who || (candidates[0] && candidates[0].value);
    if (!target) return;
    act(() => post(`/v1/workspaces/${w.id}/members`, { [kind === 'user' ? 'user_id' : 'group_id']: target, role }), 'Member added.');
    setWho('');
  };
  return (
    <>
      <Notice>{notice}</Notice>
      <Problem error={a.error} hint={hint} />
      <div class="overflow-auto">
        <table class="striped" data-testid="members">
          <thead><tr><th>Member</th><th>Role</th>{can.manage_members ? <th>Actions</th> : null}</tr></thead>
          <tbody>
            {members.map((m) => (
              <tr>
                <td>{label(m)}</td>
                <td>{can.manage_members && (m.role !== 'owner' || can.manage_owners) ? (
                  <select aria-label={`Role of ${label(m)}`} value={m.role}
                    onChange={(e) => act(() => patch(`/v1/workspaces/${w.id}/members/${m.id}`, { role: e.currentTarget.value }), 'Role changed.')}>
                    {roles.map((r) => <option value={r}>{r}</option>)}
                  </select>
                ) : m.role}</td>
                {can.manage_members ? (
                  <td class="actions">{m.role !== 'owner' || can.manage_owners ? (
                    <button type="button" class="outline contrast" onClick={() => act(() => del(`/v1/workspaces/${w.id}/members/${m.id}`), 'Member removed.')}>Remove</button>
                  ) : null}</td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {can.manage_members ? (
        <form class="toolbar" onSubmit={add} aria-label="Add a member">
          <Select label="Add a" value={kind} onChange={(v) => { setKind(v); setWho(''); }} options={[{ value: 'user', label: 'user' }, { value: 'group', label: 'group' }]} />
          {candidates.length || kind === 'group' ? (
            <Select label={kind === 'user' ? 'User' : 'Group'} name="member" value={who} onChange={setWho} options={candidates.length ? candidates : [{ value: '', label: 'no group to add' }]} />
          ) : <Text label="User id" name="member" value={who} onChange={setWho} />}
          <Select label="Role" name="role" value={role} onChange={setRole} options={roles} />
          <button type="submit">Add member</button>
        </form>
      ) : null}
      {can.manage_owners ? (
        <form class="toolbar" aria-label="Transfer ownership"
          onSubmit={(e) => { e.preventDefault(); if (!newOwner) { a.setError(new Error('choose the user who becomes the owner')); return; } act(() => post(`/v1/workspaces/${w.id}/transfer-ownership`, { user_id: newOwner }), 'Ownership transferred.'); setNewOwner(''); }}>
          <Select label="Transfer ownership to" name="new-owner" value={newOwner} onChange={setNewOwner}
            help="They become an owner; if you are an owner, you become an admin."
            options={[{ value: '', label: 'choose a user' }, ...users.filter((u) => u.status === 'active' && u.id !== session.me.id).map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }))]} />
          <button type="submit" class="secondary">Transfer</button>
        </form>
      ) : null}
      <small>{OWNER_HINT}</small>
    </>
  );
}

function Settings({ d }) {
  const { w, can } = d.data;
  const [name, setName] = useState(w.name);
  const [description, setDescription] = useState(w.description || '');
  const a = useAction();
  const [notice, setNotice] = useState('');
  if (!can.update) return <p>Name: {w.name}<br />Description: {w.description || '—'}<br /><small>You may not change these settings.</small></p>;
  return (
    <>
      <form onSubmit={(e) => { e.preventDefault(); a.run(async () => { await patch(`/v1/workspaces/${w.id}`, { name, description }); setNotice('Saved.'); d.reload(); }); }} aria-label="Workspace settings">
        <Text label="Name" name="name" value={name} onChange={setName} required />
        <Text label="Description" name="description" value={description} onChange={setDescription} />
        <Notice>{notice}</Notice>
        <Problem error={a.error} />
        <button type="submit">Save</button>
      </form>
      {can.delete ? (
        <button type="button" class="contrast" onClick={() => confirm(`Delete workspace ${w.name}?`) && a.run(async () => { await del(`/v1/workspaces/${w.id}`); navigate('/workspaces'); })}>Delete workspace</button>
      ) : null}
    </>
  );
}

function Models({ d, session }) {
  const { w, can } = d.data;
  const list = useLoad(() => all(`/v1/workspaces/${w.id}/models`), [w.id]);
  const catalog = useLoad(() => (can.whitelist_models ? all('/v1/models') : Promise.resolve([])), [w.id]);
  const [pick, setPick] = useState('');
  const [name, setName] = useState('');
  const a = useAction();
  if (list.loading) return <Loading what="models" />;
  if (list.error) return <Problem error={list.error} />;
  const have = new Set(list.data.map((m) => m.id));
  const options = (catalog.data || []).filter((m) => !have.has(m.id)).map((m) => ({ value: m.id, label: `${m.name}${m.provider ? ` (${m.provider})` : ''}` }));
  return (
    <>
      <Problem error={a.error} />
      <table class="striped"><thead><tr><th>Whitelisted model</th><th>Provider</th>{can.whitelist_models ? <th>Actions</th> : null}</tr></thead>
        <tbody>{list.data.map((m) => (
          <tr><td>{m.name}</td><td>{m.provider}</td>{can.whitelist_models ? <td><button type="button" class="outline" onClick={() => a.run(async () => { await del(`/v1/workspaces/${w.id}/models/${m.id}`); list.reload(); catalog.reload(); })}>Remove</button></td> : null}</tr>
        ))}</tbody></table>
      {can.whitelist_models && options.length ? (
        <form class="toolbar" aria-label="Whitelist a model" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await post(`/v1/workspaces/${w.id}/models`, { model_id: pick || options[0].value }); setPick(''); list.reload(); catalog.reload(); }); }}>
          <Select label="Catalog model" value={pick} onChange={setPick} options={options} />
          <button type="submit">Whitelist</button>
        </form>
      ) : null}
      {session.can.manage_global_models ? (
        <form class="toolbar" aria-label="Add a catalog model" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await post('/v1/models', { name }); setName(''); catalog.reload(); }); }}>
          <Text label="New catalog model" name="model" value={name} onChange={setName} required />
          <button type="submit" class="secondary">Add to catalog</button>
        </form>
      ) : null}
    </>
  );
}

// loadDeployments lists the deployments with the caller's update and
// delete checks on each, and the whitelisted models to deploy.
async function loadDeployments(w, can) {
  const [items, models] = await Promise.all([all(`/v1/workspaces/${w.id}/deployments`), can.create_deployment ? all(`/v1/workspaces/${w.id}/models`) : Promise.resolve([])]);
  const ok = await allowed(items.flatMap((x) => ['update', 'delete'].map((permission) => ({ type: 'deployment', id: x.id, permission }))));
  return { items, models, ok };
}

function Deployments({ d }) {
  const { w, can } = d.data;
  const list = useLoad(() => loadDeployments(w, can), [w.id]);
  const [name, setName] = useState('');
  const [model, setModel] = useState('');
  const [renaming, setRenaming] = useState(null);
  const a = useAction();
  if (list.loading && !list.data) return <Loading what="deployments" />;
  if (list.error) return <Problem error={list.error} />;
  const { items, models, ok } = list.data;
  const mname = Object.fromEntries(models.map((m) => [m.id, m.name]));
  const may = (x, p) => ok.has(`deployment:${x.id}#${p}`);
  const anyActions = items.some((x) => may(x, 'update') || may(x, 'delete'));
  return (
    <>
      <Problem error={a.error} />
      <table class="striped" data-testid="deployments"><thead><tr><th>Deployment</th><th>Model</th><th>Created</th>{anyActions ? <th>Actions</th> : null}</tr></thead>
        <tbody>{items.map((x) => (
          <tr data-deployment={x.name}><td>{x.name}</td><td>{x.model_id ? (mname[x.model_id] || x.model_id) : '—'}</td><td>{when(x.created_at)}</td>
            {anyActions ? <td class="actions">
              {may(x, 'update') ? <button type="button" class="outline" onClick={() => setRenaming(x)}>Rename</button> : null}
              {may(x, 'delete') ? <button type="button" class="outline contrast" onClick={() => confirm(`Delete deployment ${x.name}?`) && a.run(async () => { await del(`/v1/workspaces/${w.id}/deployments/${x.id}`); list.reload(); })}>Delete</button> : null}
            </td> : null}</tr>
        ))}</tbody></table>
      {items.length === 0 ? <p>No deployment yet.</p> : null}
      {can.create_deployment ? (
        <form class="toolbar" aria-label="Create a deployment" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await post(`/v1/workspaces/${w.id}/deployments`, { name, ...(model ? { model_id: model } : {}) }); setName(''); list.reload(); }); }}>
          <Text label="New deployment" name="deployment" value={name} onChange={setName} required />
          <Select label="Model" name="deployment-model" value={model} onChange={setModel}
            options={[{ value: '', label: 'no model' }, ...models.map((m) => ({ value: m.id, label: m.name }))]} />
          <button type="submit">Create</button>
        </form>
      ) : null}
      {renaming ? (
        <RenameDeployment w={w} x={renaming} onClose={() => { setRenaming(null); list.reload(); }} />
      ) : null}
    </>
  );
}

function RenameDeployment({ w, x, onClose }) {
  const [name, setName] = useState(x.name);
  const a = useAction();
  return (
    <Modal id="rename-deployment" title={`Rename ${x.name}`} onClose={onClose}>
      <form aria-label="Rename the deployment" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await patch(`/v1/workspaces/${w.id}/deployments/${x.id}`, { name }); onClose(); }); }}>
        <Text label="Name" name="name" value={name} onChange={setName} required />
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy}>Save</button>
      </form>
    </Modal>
  );
}

const RANK = { member: 1, admin: 2, owner: 3 };

async function loadKeys(w) {
  const items = await all(`/v1/workspaces/${w.id}/api-keys`);
  const ok = await allowed(items.filter((k) => !k.revoked_at).map((k) => ({ type: 'apikey', id: k.id, permission: 'revoke' })));
  return { items, ok };
}

function Keys({ d, session }) {
  const { w, can } = d.data;
  const list = useLoad(() => loadKeys(w), [w.id]);
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [created, setCreated] = useState(null);
  const a = useAction();
  if (list.loading && !list.data) return <Loading what="API keys" />;
  if (list.error) return <Problem error={list.error} />;
  const { items, ok } = list.data;
  // A key's role is admin or member, never above its creator's (a
  // superadmin may pick either).
  const roles = ['member', 'admin'].filter((r) => session.can.super_admin || RANK[r] <= (RANK[w.role] || 0));
  return (
    <>
      <Problem error={a.error} />
      <table class="striped" data-testid="api-keys"><thead><tr><th>Key</th><th>Role</th><th>Prefix</th><th>Last used</th><th>Status</th><th>Actions</th></tr></thead>
        <tbody>{items.map((k) => (
          <tr data-key={k.name}><td>{k.name}</td><td>{k.role}</td><td><code>{k.prefix}…{k.last_four}</code></td><td>{when(k.last_used_at) || 'never'}</td><td>{k.revoked_at ? 'revoked' : 'active'}</td>
            <td>{!k.revoked_at && ok.has(`apikey:${k.id}#revoke`) ? <button type="button" class="outline" onClick={() => confirm(`Revoke key ${k.name}? Programs using it stop working.`) && a.run(async () => { await del(`/v1/workspaces/${w.id}/api-keys/${k.id}`); list.reload(); })}>Revoke</button> : null}</td></tr>
        ))}</tbody></table>
      {items.length === 0 ? <p>No API key yet.</p> : null}
      {can.create_api_key && roles.length ? (
        <form class="toolbar" aria-label="Create an API key" onSubmit={(e) => { e.preventDefault(); a.run(async () => { setCreated(await post(`/v1/workspaces/${w.id}/api-keys`, { name, role: roles.includes(role) ? role : roles[0] })); setName(''); list.reload(); }); }}>
          <Text label="New key name" name="key" value={name} onChange={setName} required />
          <Select label="Role" name="key-role" value={role} onChange={setRole} options={roles} help="At most your own role here." />
          <button type="submit">Create key</button>
        </form>
      ) : null}
      {created ? <Modal id="key-created" title={`API key ${created.name}`} onClose={() => setCreated(null)}><Secret label="Secret" value={created.key} testid="api-key-secret" /><footer><button type="button" onClick={() => setCreated(null)}>Done</button></footer></Modal> : null}
    </>
  );
}
