import { useState } from 'preact/hooks';
import { all, del, get, patch, post, put, qs } from '../api.js';
import { Loading, Modal, Notice, Problem, Secret, Select, Text, useAction, useLoad } from '../ui.jsx';

export const GLOBAL_ROLES = ['member', 'admin', 'superadmin'];

export function Users({ session }) {
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState({ q: '', role: '', status: '' });
  const list = useLoad(() => all(`/v1/users${qs(search)}`), [search.q, search.role, search.status]);
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState(null);
  const [groupsOf, setGroupsOf] = useState(null);
  const [notice, setNotice] = useState('');
  const a = useAction();
  const roles = session.can.super_admin ? GLOBAL_ROLES : GLOBAL_ROLES.filter((r) => r !== 'superadmin');

  const act = (fn, msg) => a.run(async () => { await fn(); setNotice(msg); list.reload(); });
  return (
    <section>
      <hgroup><h1>Users</h1><p>Everyone in your tenant, and their global roles.</p></hgroup>
      <form class="toolbar" role="search" aria-label="Search users"
        onSubmit={(e) => { e.preventDefault(); setSearch({ q, role, status }); }}>
        <Text label="Search" name="q" value={q} onChange={setQ} placeholder="name or email" />
        <Select label="Role" name="role" value={role} onChange={setRole} options={[{ value: '', label: 'any role' }, ...GLOBAL_ROLES]} />
        <Select label="Status" name="status" value={status} onChange={setStatus}
          options={[{ value: '', label: 'any status' }, 'invited', 'active', 'disabled']} />
        <button type="submit" class="secondary">Search</button>
        <button type="button" onClick={() => setInviting(true)}>Invite a user</button>
      </form>
      <Notice>{notice}</Notice>
      <Problem error={a.error} />
      {list.loading ? <Loading what="users" /> : list.error ? <Problem error={list.error} /> : (
        <div class="overflow-auto">
          <table class="striped" data-testid="users">
            <thead><tr><th>Name</th><th>Email</th><th>Global role</th><th>Status</th><th>Actions</th></tr></thead>
            <tbody>
              {list.data.map((u) => { const mine = u.id === session.me.id; const locked = u.global_role === 'superadmin' && !session.can.super_admin; return (
                <tr data-email={u.email}>
                  <td>{u.name}</td><td>{u.email}</td>
                  <td>
                    <select aria-label={`Global role of ${u.email}`} value={u.global_role} disabled={mine || locked}
                      onChange={(e) => act(() => put(`/v1/users/${u.id}/global-role`, { role: e.currentTarget.value }), `${u.email} is now ${e.currentTarget.value}.`)}>
                      {(roles.includes(u.global_role) ? roles : [u.global_role, ...roles]).map((r) => <option value={r}>{r}</option>)}
                    </select>
                  </td>
                  <td><span class="tag">{u.status}</span></td>
                  <td class="actions">{locked ? <small>Only a superadmin acts on a superadmin.</small> : <>
                    <button type="button" class="outline" onClick={() => setEditing(u)}>Edit</button>
                    <button type="button" class="outline" onClick={() => setGroupsOf(u)}>Groups</button>
                    {u.status === 'disabled'
                      ? <button type="button" class="outline" onClick={() => act(() => post(`/v1/users/${u.id}/enable`), `${u.email} enabled.`)}>Enable</button>
                      : u.status === 'active' && u.id !== session.me.id
                        ? <button type="button" class="outline" onClick={() => act(() => post(`/v1/users/${u.id}/disable`), `${u.email} disabled: their sessions ended.`)}>Disable</button>
                        : null}
                    {u.status === 'invited' ? <button type="button" class="outline" onClick={() => a.run(async () => { const r = await post(`/v1/users/${u.id}/invitation`); setInviting({ resent: r }); })}>Re-send invitation</button> : null}
                    {u.status === 'invited' ? <button type="button" class="outline" onClick={() => act(() => del(`/v1/users/${u.id}/invitation`), `The invitation of ${u.email} is revoked.`)}>Revoke invitation</button> : null}
                    {u.id !== session.me.id ? (
                      <button type="button" class="outline contrast"
                        onClick={() => confirm(`Delete ${u.email}? Their sessions end and their API keys are revoked.`) && act(() => del(`/v1/users/${u.id}`), `${u.email} deleted.`)}>Delete</button>
                    ) : null}
                  </>}</td>
                </tr>
              ); })}
            </tbody>
          </table>
          {list.data.length === 0 ? <p>No user matches.</p> : null}
        </div>
      )}
      {inviting ? <Invite roles={roles} resent={inviting.resent} onClose={() => { setInviting(false); list.reload(); }} /> : null}
      {editing ? <EditUser user={editing} onClose={() => { setEditing(null); list.reload(); }} /> : null}
      {groupsOf ? <UserGroups user={groupsOf} onClose={() => setGroupsOf(null)} /> : null}
    </section>
  );
}

function Invite({ roles, onClose, resent }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [done, setDone] = useState(resent || null);
  const a = useAction();
  const submit = (e) => {
    e.preventDefault();
    a.run(async () => setDone(await post('/v1/users', { email, name, global_role: role })));
  };
  return (
    <Modal id="invite" title="Invite a user" onClose={onClose}>
      {done ? (
        <>
          <p>Send this one-time link to <strong>{done.email}</strong>; it lets them choose a password.</p>
          <Secret label="Invitation link" value={done.invitation_url} testid="invitation-url" />
          <footer><button type="button" onClick={onClose}>Done</button></footer>
        </>
      ) : (
        <form onSubmit={submit} aria-label="Invite a user">
          <Text label="Email" type="email" name="email" value={email} onChange={setEmail} required />
          <Text label="Name" name="name" value={name} onChange={setName} required />
          <Select label="Global role" value={role} onChange={setRole} options={roles} help="At most your own role." />
          <Problem error={a.error} />
          <button type="submit" aria-busy={a.busy}>Invite</button>
        </form>
      )}
    </Modal>
  );
}

function EditUser({ user, onClose }) {
  const [email, setEmail] = useState(user.email);
  const [name, setName] = useState(user.name);
  const a = useAction();
  const submit = (e) => {
    e.preventDefault();
    const body = {};
    if (email !== user.email) body.email = email;
    if (name !== user.name) body.name = name;
    a.run(async () => { await patch(`/v1/users/${user.id}`, body); onClose(); });
  };
  return (
    <Modal id="edit-user" title={`Edit ${user.email}`} onClose={onClose}>
      <form onSubmit={submit} aria-label="Edit user">
        <Text label="Email" type="email" name="email" value={email} onChange={setEmail} required />
        <Text label="Name" name="name" value={name} onChange={setName} required />
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy}>Save</button>
      </form>
    </Modal>
  );
}

function UserGroups({ user, onClose }) {
  const gs = useLoad(() => get(`/v1/users/${user.id}/groups?limit=1000`));
  return (
    <Modal id="user-groups" title={`Groups of ${user.email}`} onClose={onClose}>
      {gs.loading ? <Loading what="groups" /> : gs.error ? <Problem error={gs.error} />
        : gs.data.items.length ? <ul>{gs.data.items.map((g) => <li>{g.name}</li>)}</ul> : <p>In no group.</p>}
    </Modal>
  );
}
