import { useRef, useState } from 'preact/hooks';
import { all, get, qs } from '../api.js';
import { Loading, Modal, Problem, Select, Text, useLoad, when } from '../ui.jsx';

const toISO = (v) => (v ? new Date(v).toISOString() : '');

// Audit is the audit log screen; with workspaceId, one workspace's log
// (for its owners and admins: workspace#view_audit_logs).
export function Audit({ session, workspaceId }) {
  const [f, setFState] = useState({ tenant: '', actor: '', action: '', target: '', workspace: workspaceId || '', since: '', until: '' });
  // The latest edits, whether or not rendered yet: Filter applies them
  // (a handler's closure holds the state of the last render, which may
  // predate the last keystroke or choice).
  const latest = useRef(f);
  const setF = (update) => { latest.current = update(latest.current); setFState(latest.current); };
  // The platform's superadmins read any tenant's log, and the entries of
  // no tenant (e.g. failed logins for unknown emails).
  const platform = session.can.platform && !workspaceId;
  const tenants = useLoad(() => (platform ? all('/v1/tenants') : Promise.resolve([])));
  const [applied, setApplied] = useState(f);
  const [cursors, setCursors] = useState(['']);
  const [open, setOpen] = useState(null);
  const cursor = cursors[cursors.length - 1];
  const workspaces = useLoad(() => (workspaceId ? Promise.resolve([]) : all('/v1/workspaces')));
  const page = useLoad(() => get(`/v1/audit-logs${qs({
    tenant_id: applied.tenant, actor: applied.actor, action: applied.action, target: applied.target, workspace: applied.workspace,
    since: toISO(applied.since), until: toISO(applied.until), limit: 25, cursor,
  })}`), [JSON.stringify(applied), cursor]);
  const set = (k) => (v) => setF((cur) => ({ ...cur, [k]: v }));
  return (
    <section>
      {workspaceId ? <p>Every change made in this workspace, newest first.</p>
        : <hgroup><h1>Audit log</h1><p>Every change made in {platform ? 'any tenant (yours unless you choose another)' : 'your tenant'}, newest first.</p></hgroup>}
      <form class="toolbar" aria-label="Filter the audit log" onSubmit={(e) => { e.preventDefault(); setApplied(latest.current); setCursors(['']); }}>
        {platform ? (
          <Select label="Tenant" name="tenant" value={f.tenant} onChange={(v) => setF((cur) => ({ ...cur, tenant: v, workspace: '' }))}
            options={[{ value: '', label: 'mine' }, ...(tenants.data || []).filter((t) => t.id !== session.me.tenant_id).map((t) => ({ value: t.id, label: t.name })), { value: 'none', label: 'no tenant (e.g. failed logins)' }]} />
        ) : null}
        <Text label="Actor" name="actor" value={f.actor} onChange={set('actor')} placeholder="user:…" />
        <Text label="Action" name="action" value={f.action} onChange={set('action')} placeholder="user.invite" />
        <Text label="Target" name="target" value={f.target} onChange={set('target')} />
        {workspaceId || f.tenant ? null : (
          <Select label="Workspace" value={f.workspace} onChange={set('workspace')}
            options={[{ value: '', label: 'any' }, ...(workspaces.data || []).map((w) => ({ value: w.id, label: w.name }))]} />
        )}
        <Text label="Since" type="datetime-local" name="since" value={f.since} onChange={set('since')} />
        <Text label="Until" type="datetime-local" name="until" value={f.until} onChange={set('until')} />
        <button type="submit">Filter</button>
      </form>
      {page.loading && !page.data ? <Loading what="entries" /> : page.error ? <Problem error={page.error} /> : (
        <>
          <div class="overflow-auto">
            <table class="striped" data-testid="audit">
              <thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Target</th><th>Outcome</th><th></th></tr></thead>
              <tbody>{page.data.items.map((x) => (
                <tr data-action={x.action}><td>{when(x.created_at)}</td><td><code>{x.actor}</code></td><td>{x.action}</td><td><code>{x.target}</code></td><td>{x.outcome}</td>
                  <td><button type="button" class="outline" onClick={() => setOpen(x)}>Details</button></td></tr>
              ))}</tbody>
            </table>
          </div>
          {page.data.items.length === 0 ? <p>No entry matches.</p> : null}
          <div class="actions">
            <button type="button" class="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
            <button type="button" class="secondary" disabled={!page.data.next_cursor} onClick={() => setCursors([...cursors, page.data.next_cursor])}>Older</button>
          </div>
        </>
      )}
      {open ? (
        <Modal id="audit-entry" title={`${open.action} · ${when(open.created_at)}`} onClose={() => setOpen(null)}>
          <dl>
            {['actor', 'action', 'target', 'outcome', 'workspace_id', 'tenant_id', 'request_id', 'client_addr'].map((k) => (
              open[k] ? <><dt><strong>{k}</strong></dt><dd><code>{open[k]}</code></dd></> : null
            ))}
          </dl>
          {open.details ? <pre class="json" data-testid="audit-details">{JSON.stringify(open.details, null, 2)}</pre> : null}
        </Modal>
      ) : null}
    </section>
  );
}
