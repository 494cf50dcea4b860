import { useState } from 'preact/hooks';
import { all, patch, post } from '../api.js';
import { Loading, Modal, Notice, Problem, Secret, Text, useAction, useLoad, when } from '../ui.jsx';

// Tenants: the platform's superadmins list every tenant and create new
// ones (each with its first admin, invited); everyone else sees their own
// tenant, and renames it with manage_tenant.
export function Tenants({ session }) {
  const { can, me } = session;
  const list = useLoad(() => all('/v1/tenants'));
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState(null);
  const [notice, setNotice] = useState('');
  const mayRename = (t) => can.platform || (t.id === me.tenant_id && can.manage_tenant);
  return (
    <section>
      <hgroup>
        <h1>{can.platform ? 'Tenants' : 'Your tenant'}</h1>
        <p>{can.platform ? 'Every organisation on this Gatehouse: you are a platform superadmin.' : 'The organisation you belong to.'}</p>
      </hgroup>
      {can.platform ? <button type="button" onClick={() => setCreating(true)}>Create a tenant</button> : null}
      <Notice>{notice}</Notice>
      {list.loading ? <Loading what="tenants" /> : list.error ? <Problem error={list.error} /> : (
        <div class="overflow-auto">
          <table class="striped" data-testid="tenants">
            <thead><tr><th>Name</th><th>Id</th><th>Created</th><th>Actions</th></tr></thead>
            <tbody>{list.data.map((t) => (
              <tr data-tenant={t.name}>
                <td>{t.name} {t.id === me.tenant_id ? <span class="tag">yours</span> : null}</td>
                <td><code>{t.id}</code></td><td>{when(t.created_at)}</td>
                <td class="actions">{mayRename(t) ? <button type="button" class="outline" onClick={() => setRenaming(t)}>Rename</button> : null}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
      {creating ? <CreateTenant onClose={() => { setCreating(false); list.reload(); }} /> : null}
      {renaming ? <RenameTenant tenant={renaming} onClose={(msg) => { setRenaming(null); if (msg) setNotice(msg); list.reload(); }} /> : null}
    </section>
  );
}

function CreateTenant({ onClose }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [admin, setAdmin] = useState('');
  const [done, setDone] = useState(null);
  const a = useAction();
  const submit = (e) => {
    e.preventDefault();
    a.run(async () => setDone(await post('/v1/tenants', { name, admin: { email, ...(admin ? { name: admin } : {}) } })));
  };
  return (
    <Modal id="create-tenant" title="Create a tenant" onClose={onClose}>
      {done ? (
        <>
          <p>Tenant <strong>{done.name}</strong> exists. Send this one-time link to its first admin, <strong>{done.admin.email}</strong>.</p>
          <Secret label="Admin invitation link" value={done.admin.invitation_url} testid="tenant-invitation-url" />
          <footer><button type="button" onClick={onClose}>Done</button></footer>
        </>
      ) : (
        <form onSubmit={submit} aria-label="Create a tenant">
          <Text label="Tenant name" name="name" value={name} onChange={setName} required />
          <Text label="First admin's email" type="email" name="admin-email" value={email} onChange={setEmail} required />
          <Text label="First admin's name" name="admin-name" value={admin} onChange={setAdmin} />
          <Problem error={a.error} />
          <button type="submit" aria-busy={a.busy}>Create tenant</button>
        </form>
      )}
    </Modal>
  );
}

function RenameTenant({ tenant, onClose }) {
  const [name, setName] = useState(tenant.name);
  const a = useAction();
  return (
    <Modal id="rename-tenant" title={`Rename ${tenant.name}`} onClose={() => onClose('')}>
      <form aria-label="Rename the tenant" onSubmit={(e) => { e.preventDefault(); a.run(async () => { await patch(`/v1/tenants/${tenant.id}`, { name }); onClose(`Tenant renamed to ${name}.`); }); }}>
        <Text label="Name" name="name" value={name} onChange={setName} required />
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy}>Save</button>
      </form>
    </Modal>
  );
}
