import { useState } from 'preact/hooks';
import { all, del, get, patch, post, put } from '../api.js';
import { Loading, Modal, Notice, Problem, Select, Text, useAction, useLoad } from '../ui.jsx';

export function Groups() {
  const list = useLoad(() => all('/v1/groups'));
  const [name, setName] = useState('');
  const [open, setOpen] = useState(null);
  const [notice, setNotice] = useState('');
  const a = useAction();
  return (
    <section>
      <hgroup><h1>Groups</h1><p>Account groups: their members hold the roles given to the group.</p></hgroup>
      <form class="toolbar" aria-label="Create a group" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await post('/v1/groups', { name }); setNotice(`Group ${name} created.`); setName(''); list.reload(); }); }}>
        <Text label="New group" name="group" value={name} onChange={setName} required />
        <button type="submit">Create group</button>
      </form>
      <Notice>{notice}</Notice>
      <Problem error={a.error} />
      {list.loading ? <Loading what="groups" /> : list.error ? <Problem error={list.error} /> : (
        <table class="striped" data-testid="groups">
          <thead><tr><th>Group</th><th>Actions</th></tr></thead>
          <tbody>{list.data.map((g) => (
            <tr><td>{g.name}</td><td class="actions">
              <button type="button" class="outline" onClick={() => setOpen(g)}>Members</button>
              <button type="button" class="outline" onClick={() => { const n = prompt('New name', g.name); if (n) a.run(async () => { await patch(`/v1/groups/${g.id}`, { name: n }); list.reload(); }); }}>Rename</button>
              <button type="button" class="outline contrast" onClick={() => confirm(`Delete group ${g.name}?`) && a.run(async () => { await del(`/v1/groups/${g.id}`); list.reload(); })}>Delete</button>
            </td></tr>
          ))}</tbody>
        </table>
      )}
      {open ? <GroupMembers group={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

function GroupMembers({ group, onClose }) {
  const d = useLoad(() => Promise.all([get(`/v1/groups/${group.id}`), all('/v1/users')]));
  const [who, setWho] = useState('');
  const a = useAction();
  const body = () => {
    if (d.loading && !d.data) return <Loading what="members" />;
    if (d.error) return <Problem error={d.error} />;
    const [g, users] = d.data;
    const members = g.members || [];
    const ids = new Set(members.map((m) => m.id));
    const options = users.filter((u) => !ids.has(u.id) && u.status !== 'deleted').map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }));
    return (
      <>
        <Problem error={a.error} />
        <ul>{members.map((m) => (
          <li>{m.name} &lt;{m.email}&gt; <button type="button" class="outline secondary" onClick={() => a.run(async () => { await del(`/v1/groups/${group.id}/members/${m.id}`); d.reload(); })}>Remove</button></li>
        ))}</ul>
        {members.length === 0 ? <p>No members yet.</p> : null}
        {options.length ? (
          <form class="toolbar" aria-label="Add a group member" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await put(`/v1/groups/${group.id}/members/${who || options[0].value}`); setWho(''); d.reload(); }); }}>
            <Select label="User" value={who} onChange={setWho} options={options} />
            <button type="submit">Add</button>
          </form>
        ) : null}
      </>
    );
  };
  return <Modal id="group-members" title={`Members of ${group.name}`} onClose={onClose}>{body()}</Modal>;
}
