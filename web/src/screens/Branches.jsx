import { useState } from 'preact/hooks';
import { all, del, patch, post } from '../api.js';
import { Loading, Notice, Problem, Text, useAction, useLoad, when } from '../ui.jsx';

const STATUSES = ['open', 'merged', 'need_rebase'];

// Branches of the tenant (SPEC §2.2, §2.3a): on a merged or need_rebase
// branch every action but view is denied. Registering, setting the status
// and removing need manage_permissions or merge_branch.
export function Branches({ session }) {
  const may = session.can.manage_branches;
  const list = useLoad(() => all('/v1/branches'));
  const [name, setName] = useState('');
  const [notice, setNotice] = useState('');
  const a = useAction();
  const act = (fn, msg) => a.run(async () => { await fn(); setNotice(msg); list.reload(); });
  const path = (b) => `/v1/branches/${encodeURIComponent(b.name)}`;
  return (
    <section>
      <hgroup><h1>Branches</h1><p>Registered branches and their status. The default branch is always open; a name never registered is an open branch.</p></hgroup>
      {may ? (
        <form class="toolbar" aria-label="Register a branch" onSubmit={(e) => { e.preventDefault(); act(() => post('/v1/branches', { name }), `Branch ${name} registered.`); setName(''); }}>
          <Text label="New branch" name="branch" value={name} onChange={setName} required placeholder="feature-x" />
          <button type="submit">Register branch</button>
        </form>
      ) : null}
      <Notice>{notice}</Notice>
      <Problem error={a.error} />
      {list.loading ? <Loading what="branches" /> : list.error ? <Problem error={list.error} /> : (
        <div class="overflow-auto">
          <table class="striped" data-testid="branches">
            <thead><tr><th>Branch</th><th>Status</th><th>Changed</th>{may ? <th>Actions</th> : null}</tr></thead>
            <tbody>{list.data.map((b) => (
              <tr data-branch={b.name}>
                <td><code>{b.name}</code></td>
                <td>{may ? (
                  <select aria-label={`Status of ${b.name}`} value={b.status}
                    onChange={(e) => { const s = e.currentTarget.value; act(() => patch(path(b), { status: s }), `Branch ${b.name} is now ${s}.`); }}>
                    {STATUSES.map((s) => <option value={s}>{s}</option>)}
                  </select>
                ) : <span class="tag">{b.status}</span>}</td>
                <td>{when(b.updated_at)}</td>
                {may ? (
                  <td class="actions"><button type="button" class="outline contrast"
                    onClick={() => confirm(`Remove the registration of ${b.name}? It becomes an open branch again.`) && act(() => del(path(b)), `Branch ${b.name} removed.`)}>Remove</button></td>
                ) : null}
              </tr>
            ))}</tbody>
          </table>
          {list.data.length === 0 ? <p>No branch is registered: every branch is open.</p> : null}
        </div>
      )}
    </section>
  );
}
