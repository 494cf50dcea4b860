import { useState } from 'preact/hooks';
import { all, del, post } from '../api.js';
import { Loading, Modal, Problem, Secret, Text, useAction, useLoad, when } from '../ui.jsx';

export function Services() {
  const list = useLoad(() => all('/v1/service-credentials'));
  const [name, setName] = useState('');
  const [created, setCreated] = useState(null);
  const a = useAction();
  return (
    <section>
      <hgroup><h1>Service credentials</h1><p>Credentials for platform services that check other subjects' permissions.</p></hgroup>
      <form class="toolbar" aria-label="Create a service credential" onSubmit={(e) => { e.preventDefault(); a.run(async () => { setCreated(await post('/v1/service-credentials', { name })); setName(''); list.reload(); }); }}>
        <Text label="New credential name" name="service" value={name} onChange={setName} required />
        <button type="submit">Create</button>
      </form>
      <Problem error={a.error} />
      {list.loading ? <Loading what="credentials" /> : list.error ? <Problem error={list.error} /> : (
        <table class="striped"><thead><tr><th>Name</th><th>Prefix</th><th>Created</th><th>Last used</th><th>Actions</th></tr></thead>
          <tbody>{list.data.map((s) => (
            <tr><td>{s.name}</td><td><code>{s.prefix}…{s.last_four}</code></td><td>{when(s.created_at)}</td><td>{when(s.last_used_at) || 'never'}</td>
              <td>{s.revoked_at ? 'revoked' : <button type="button" class="outline contrast" onClick={() => a.run(async () => { await del(`/v1/service-credentials/${s.id}`); list.reload(); })}>Revoke</button>}</td></tr>
          ))}</tbody>
        </table>
      )}
      {created ? <Modal id="service-created" title={`Credential ${created.name}`} onClose={() => setCreated(null)}><Secret label="Secret" value={created.key} testid="service-secret" /></Modal> : null}
    </section>
  );
}
