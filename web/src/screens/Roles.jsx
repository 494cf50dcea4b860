import { useState } from 'preact/hooks';
import { all, del, get, patch, post, put } from '../api.js';
import { Loading, Modal, Notice, Problem, Select, Text, useAction, useLoad } from '../ui.jsx';

const PART = /^([A-Z][A-Za-z0-9]{0,63}|\*)$/;

// validate checks an identifier against the catalog (the API validates too).
export function validate(id, cat) {
  const p = id.split(':');
  const decisions = cat.decisions.map((d) => d.name);
  if (p[0] === 'global') {
    if (p.length !== 3) return 'global permissions are global:<action>:<decision>';
    if (!cat.global_actions.some((a) => a.name === p[1]) && p[1] !== 'manage_accounts') return `unknown global action ${p[1]}`;
    if (!decisions.includes(p[2])) return `unknown decision ${p[2]}`;
    return '';
  }
  if (p[0] === 'object') {
    if (p.length !== 5) return 'object permissions are object:<namespace>:<name>:<action>:<decision>';
    if (!PART.test(p[1]) || !PART.test(p[2])) return 'namespace and name are [A-Z][A-Za-z0-9]* or *';
    if (!cat.object_actions.includes(p[3])) return `unknown object action ${p[3]}`;
    if (!decisions.includes(p[4])) return `unknown decision ${p[4]}`;
    return '';
  }
  return 'identifiers start with global: or object:';
}

const BITS = { deny: 1, allow_default: 2, allow_other: 4, allow_all: 6 };
const NAMES = { 1: 'deny', 2: 'allow_default', 4: 'allow_other', 6: 'allow_all', 0: '—' };

// grants resolves the role's object permissions on one kind and action
// (SPEC §2.3: the most specific match wins; allows at equal specificity add up).
export function grants(perms, ns, name, action) {
  let best = -1; let result = 0;
  for (const id of perms) {
    const p = id.split(':');
    if (p[0] !== 'object' || p.length !== 5) continue;
    if ((p[1] !== '*' && p[1] !== ns) || (p[2] !== '*' && p[2] !== name) || (p[3] !== 'any' && p[3] !== action)) continue;
    const s = (p[1] !== '*') + (p[2] !== '*') + (p[3] !== 'any') + (p[4] === 'deny' ? 1 : 0);
    const d = BITS[p[4]] || 0;
    if (s > best) { result = d; best = s; } else if (s === best && p[4] !== 'deny') result |= d;
  }
  if (best >= 0 && (result & 6)) result &= 6;
  return NAMES[result] || String(result);
}

export function Roles({ session }) {
  const roles = useLoad(() => all('/v1/roles'));
  const cat = useLoad(() => get('/v1/permissions'));
  const kinds = useLoad(() => (session.can.view_tenant ? all('/v1/kinds') : Promise.resolve([])));
  const [editing, setEditing] = useState(null);
  const [assigning, setAssigning] = useState(null);
  const [notice, setNotice] = useState('');
  const a = useAction();
  const can = session.can.manage_permissions;
  if (roles.loading || cat.loading || kinds.loading) return <Loading what="roles" />;
  if (roles.error || cat.error || kinds.error) return <Problem error={roles.error || cat.error || kinds.error} />;
  return (
    <section>
      <hgroup><h1>Roles</h1><p>Built-in roles (read-only) and the tenant's custom roles: bundles of permissions.</p></hgroup>
      {can ? <button type="button" onClick={() => setEditing({ name: '', description: '', permissions: [] })}>Create a custom role</button> : null}
      <Notice>{notice}</Notice>
      <Problem error={a.error} />
      <div class="overflow-auto">
        <table class="striped" data-testid="roles">
          <thead><tr><th>Role</th><th>Permissions</th>{can ? <th>Actions</th> : null}</tr></thead>
          <tbody>{roles.data.map((r) => (
            <tr data-role={r.name}>
              <td>{r.name} {r.builtin ? <span class="tag">built-in</span> : null}<br /><small>{r.description}</small></td>
              <td><ul>{r.permissions.map((p) => <li><code>{p}</code></li>)}</ul></td>
              {can ? (
                <td class="actions">{r.builtin ? null : (
                  <>
                    <button type="button" class="outline" onClick={() => setEditing(r)}>Edit</button>
                    <button type="button" class="outline" onClick={() => setAssigning(r)}>Assignments</button>
                    <button type="button" class="outline contrast" onClick={() => confirm(`Delete role ${r.name}? Its assignments go too.`) && a.run(async () => { await del(`/v1/roles/${r.id}`); setNotice(`Role ${r.name} deleted.`); roles.reload(); })}>Delete</button>
                  </>
                )}</td>
              ) : null}
            </tr>
          ))}</tbody>
        </table>
      </div>
      {editing ? <RoleEditor role={editing} cat={cat.data} kinds={kinds.data} onClose={(msg) => { setEditing(null); if (msg) setNotice(msg); roles.reload(); }} /> : null}
      {assigning ? <Assignments role={assigning} session={session} onClose={() => setAssigning(null)} /> : null}
    </section>
  );
}

function RoleEditor({ role, cat, kinds, onClose }) {
  const [name, setName] = useState(role.name);
  const [description, setDescription] = useState(role.description || '');
  const [perms, setPerms] = useState(role.permissions || []);
  const decisions = cat.decisions.map((d) => d.name);
  const [gAction, setGAction] = useState(cat.global_actions[0].name);
  const [gDecision, setGDecision] = useState('allow_all');
  const namespaces = ['*', ...new Set(kinds.map((k) => k.namespace))];
  const [ns, setNs] = useState('*');
  const [kname, setKname] = useState('*');
  const [oAction, setOAction] = useState('view');
  const [oDecision, setODecision] = useState('allow_all');
  const [raw, setRaw] = useState('');
  const [bad, setBad] = useState('');
  const a = useAction();
  const names = ['*', ...new Set(kinds.filter((k) => ns === '*' || k.namespace === ns).map((k) => k.name))];
  const addPerm = (id) => {
    const why = validate(id, cat);
    if (why) { setBad(`${id}: ${why}`); return; }
    setBad('');
    if (!perms.includes(id)) setPerms([...perms, id]);
  };
  const save = (e) => {
    e.preventDefault();
    a.run(async () => {
      if (role.id) await patch(`/v1/roles/${role.id}`, { name, description, permissions: perms });
      else await post('/v1/roles', { name, ...(description ? { description } : {}), permissions: perms });
      onClose(`Role ${name} saved.`);
    });
  };
  return (
    <Modal id="role-editor" title={role.id ? `Edit role ${role.name}` : 'Create a custom role'} onClose={() => onClose('')}>
      <form onSubmit={save} aria-label="Role">
        <Text label="Name" name="name" value={name} onChange={setName} required />
        <Text label="Description" name="description" value={description} onChange={setDescription} />
        <fieldset>
          <legend>Permissions</legend>
          {perms.length ? (
            <ul data-testid="role-permissions">{perms.map((p) => (
              <li><code>{p}</code> <button type="button" class="outline secondary" aria-label={`Remove ${p}`} onClick={() => setPerms(perms.filter((x) => x !== p))}>×</button></li>
            ))}</ul>
          ) : <p><small>None yet: add some below.</small></p>}
        </fieldset>
        <fieldset class="toolbar" aria-label="Add a global permission">
          <Select label="Global action" name="global-action" value={gAction} onChange={setGAction}
            options={cat.global_actions.map((x) => ({ value: x.name, label: x.name }))} help={(cat.global_actions.find((x) => x.name === gAction) || {}).description} />
          <Select label="Decision" name="global-decision" value={gDecision} onChange={setGDecision} options={decisions} />
          <button type="button" class="secondary" onClick={() => addPerm(`global:${gAction}:${gDecision}`)}>Add global</button>
        </fieldset>
        <fieldset class="toolbar" aria-label="Add an object permission">
          <Select label="Namespace" name="object-namespace" value={ns} onChange={(v) => { setNs(v); setKname('*'); }} options={namespaces} />
          <Select label="Name" name="object-name" value={kname} onChange={setKname} options={names} />
          <Select label="Action" name="object-action" value={oAction} onChange={setOAction} options={cat.object_actions} />
          <Select label="Decision" name="object-decision" value={oDecision} onChange={setODecision} options={decisions} />
          <button type="button" class="secondary" onClick={() => addPerm(`object:${ns}:${kname}:${oAction}:${oDecision}`)}>Add object</button>
        </fieldset>
        <div class="toolbar">
          <Text label="Or type an identifier" name="raw" value={raw} onChange={setRaw} placeholder="object:Builtin:Tag:update:deny" />
          <button type="button" class="secondary" onClick={() => { addPerm(raw.trim()); setRaw(''); }}>Add</button>
        </div>
        {bad ? <p class="problem" role="alert">{bad}</p> : null}
        <details>
          <summary>What this role grants on each kind (default branch / other branches)</summary>
          <div class="overflow-auto"><table>
            <thead><tr><th>Kind</th><th>view</th><th>create</th><th>update</th><th>delete</th></tr></thead>
            <tbody>{kinds.map((k) => (
              <tr><td>{k.namespace}:{k.name}</td>{['view', 'create', 'update', 'delete'].map((act) => <td>{grants(perms, k.namespace, k.name, act)}</td>)}</tr>
            ))}</tbody>
          </table></div>
          <small>Object permissions only, resolved as SPEC §2.3 (the most specific match wins); a global super_admin allows everything.</small>
        </details>
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy}>Save role</button>
      </form>
    </Modal>
  );
}

function Assignments({ role, session, onClose }) {
  const d = useLoad(() => Promise.all([
    all(`/v1/roles/${role.id}/assignments`),
    session.can.manage_users ? all('/v1/users') : Promise.resolve([]),
    session.can.manage_users ? all('/v1/groups') : Promise.resolve([]),
  ]));
  const [holder, setHolder] = useState('');
  const a = useAction();
  if (d.loading && !d.data) return <Modal id="assignments" title={`Holders of ${role.name}`} onClose={onClose}><Loading what="assignments" /></Modal>;
  if (d.error) return <Modal id="assignments" title={`Holders of ${role.name}`} onClose={onClose}><Problem error={d.error} /></Modal>;
  const [items, users, groups] = d.data;
  const uname = Object.fromEntries(users.map((u) => [u.id, `${u.name} <${u.email}>`]));
  const gname = Object.fromEntries(groups.map((g) => [g.id, `group ${g.name}`]));
  const options = [
    ...users.filter((u) => u.status === 'active' || u.status === 'invited').map((u) => ({ value: `user:${u.id}`, label: `${u.name} <${u.email}>` })),
    ...groups.map((g) => ({ value: `group:${g.id}`, label: `group ${g.name}` })),
  ];
  const h = (x) => (x.user_id ? `user:${x.user_id}` : `group:${x.group_id}`);
  return (
    <Modal id="assignments" title={`Holders of ${role.name}`} onClose={onClose}>
      <Problem error={a.error} />
      <ul data-testid="assignments">{items.map((x) => (
        <li>{x.user_id ? (uname[x.user_id] || `user ${x.user_id}`) : (gname[x.group_id] || `group ${x.group_id}`)}{' '}
          <button type="button" class="outline secondary" onClick={() => a.run(async () => { await del(`/v1/roles/${role.id}/assignments/${h(x)}`); d.reload(); })}>Unassign</button></li>
      ))}</ul>
      {items.length === 0 ? <p>Nobody holds this role yet.</p> : null}
      <form class="toolbar" aria-label="Assign the role" onSubmit={(e) => { e.preventDefault(); const v = holder || (options[0] && options[0].value); if (v) a.run(async () => { await put(`/v1/roles/${role.id}/assignments/${v}`); setHolder(''); d.reload(); }); }}>
        <Select label="Assign to" name="holder" value={holder} onChange={setHolder} options={options} />
        <button type="submit">Assign</button>
      </form>
    </Modal>
  );
}
