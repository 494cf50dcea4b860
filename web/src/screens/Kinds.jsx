import { useState } from 'preact/hooks';
import { all, post } from '../api.js';
import { Loading, Notice, Problem, Text, useAction, useLoad } from '../ui.jsx';

export function Kinds({ session }) {
  const list = useLoad(() => all('/v1/kinds'));
  const [namespace, setNamespace] = useState('');
  const [name, setName] = useState('');
  const [notice, setNotice] = useState('');
  const a = useAction();
  return (
    <section>
      <hgroup><h1>Kinds</h1><p>Object kinds (namespace and name) that object permissions apply to.</p></hgroup>
      {session.can.manage_permissions ? (
        <form class="toolbar" aria-label="Register a kind" onSubmit={(e) => { e.preventDefault(); a.run(async () => { const k = await post('/v1/kinds', { namespace, name }); setNotice(`Kind ${k.id} registered.`); setName(''); list.reload(); }); }}>
          <Text label="Namespace" name="namespace" value={namespace} onChange={setNamespace} required placeholder="Builtin" />
          <Text label="Name" name="name" value={name} onChange={setName} required placeholder="Tag" />
          <button type="submit">Register kind</button>
        </form>
      ) : null}
      <Notice>{notice}</Notice>
      <Problem error={a.error} />
      {list.loading ? <Loading what="kinds" /> : list.error ? <Problem error={list.error} /> : (
        <table class="striped"><thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th></th></tr></thead>
          <tbody>{list.data.map((k) => <tr><td><code>{k.id}</code></td><td>{k.namespace}</td><td>{k.name}</td><td>{k.builtin ? <span class="tag">built-in</span> : null}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
