import { useState } from 'preact/hooks';
import { all, get, post, qs } from '../api.js';
import { Check, Loading, Notice, Problem, Select, Text, useAction, useLoad } from '../ui.jsx';

const ACTIONS = ['view', 'create', 'update', 'delete'];
const WORDS = {
  allow: 'allowed', deny: 'denied', allow_default: 'default branch only', allow_other: 'other branches only',
};

// ReportTable shows rows of GET /v1/permissions/report: the branch-relative
// decision of each object action on each kind (SPEC §2.3a).
export function ReportTable({ rows }) {
  return (
    <div class="overflow-auto">
      <table class="striped" data-testid="report">
        <thead><tr><th>Kind</th>{ACTIONS.map((a) => <th>{a}</th>)}</tr></thead>
        <tbody>{rows.map((r) => (
          <tr data-kind={r.kind}><td><code>{r.kind}</code></td>
            {ACTIONS.map((a) => <td class={`decision-${r[a]}`} data-action={a} title={r[a]}>{WORDS[r[a]] || r[a]}</td>)}</tr>
        ))}</tbody>
      </table>
    </div>
  );
}

export function Kinds({ session }) {
  const { can } = session;
  const list = useLoad(() => all('/v1/kinds'));
  const cat = useLoad(() => get('/v1/permissions'));
  const branches = useLoad(() => all('/v1/branches'));
  const users = useLoad(() => (can.super_admin && can.manage_users ? all('/v1/users') : Promise.resolve([])));
  const [namespace, setNamespace] = useState('');
  const [name, setName] = useState('');
  const [guard, setGuard] = useState('');
  const [generic, setGeneric] = useState(false);
  const [inherit, setInherit] = useState([]);
  const [branch, setBranch] = useState('');
  const [subject, setSubject] = useState('');
  const [notice, setNotice] = useState('');
  const a = useAction();
  const report = useLoad(() => get(`/v1/permissions/report${qs({ branch, subject, limit: 500 })}`), [branch, subject]);
  if (list.loading || cat.loading) return <Loading what="kinds" />;
  if (list.error || cat.error) return <Problem error={list.error || cat.error} />;
  const generics = list.data.filter((k) => k.generic);
  const register = (e) => {
    e.preventDefault();
    a.run(async () => {
      const body = { namespace, name };
      if (guard) body.guarded_by = guard;
      if (generic) body.generic = true;
      if (inherit.length) body.inherit_from = inherit;
      const k = await post('/v1/kinds', body);
      setNotice(`Kind ${k.id} registered.`);
      setName(''); setGuard(''); setGeneric(false); setInherit([]);
      list.reload(); report.reload();
    });
  };
  return (
    <section>
      <hgroup><h1>Kinds</h1><p>Object kinds (namespace and name) that object permissions apply to.</p></hgroup>
      {can.manage_permissions ? (
        <form aria-label="Register a kind" onSubmit={register}>
          <div class="toolbar">
            <Text label="Namespace" name="namespace" value={namespace} onChange={setNamespace} required placeholder="Builtin" />
            <Text label="Name" name="name" value={name} onChange={setName} required placeholder="Tag" />
            <Select label="Guarded by" name="guarded_by" value={guard} onChange={setGuard}
              options={[{ value: '', label: 'no guard (object permissions decide)' }, ...cat.data.global_actions.map((x) => ({ value: x.name, label: x.name }))]}
              help="A global action that alone decides every action but view." />
          </div>
          <Check label="Generic kind (others may inherit its guard)" name="generic" checked={generic} onChange={setGeneric} />
          {generics.length ? (
            <fieldset class="checks">
              <legend>Inherits the guard of</legend>
              {generics.map((g) => (
                <Check label={g.id} name={`inherit-${g.id}`} checked={inherit.includes(g.id)}
                  onChange={(on) => setInherit(on ? [...inherit, g.id] : inherit.filter((x) => x !== g.id))} />
              ))}
            </fieldset>
          ) : null}
          <button type="submit" aria-busy={a.busy}>Register kind</button>
        </form>
      ) : null}
      <Notice>{notice}</Notice>
      <Problem error={a.error} />
      <div class="overflow-auto">
        <table class="striped" data-testid="kinds">
          <thead><tr><th>Kind</th><th>Guarded by</th><th>Inherits from</th><th></th></tr></thead>
          <tbody>{list.data.map((k) => (
            <tr data-kind={k.id}><td><code>{k.id}</code></td><td>{k.guarded_by ? <code>{k.guarded_by}</code> : '—'}</td>
              <td>{(k.inherit_from || []).join(', ') || '—'}</td>
              <td>{k.builtin ? <span class="tag">built-in</span> : null} {k.generic ? <span class="tag">generic</span> : null}</td></tr>
          ))}</tbody>
        </table>
      </div>
      <h2>What {subject ? 'this subject' : 'you'} may do on each kind</h2>
      <form class="toolbar" aria-label="Permission report" onSubmit={(e) => e.preventDefault()}>
        <Select label="Branch" name="report-branch" value={branch} onChange={setBranch}
          options={[{ value: '', label: 'default branch' }, ...(branches.data || []).map((b) => ({ value: b.name, label: `${b.name} (${b.status})` }))]} />
        {can.super_admin && users.data && users.data.length ? (
          <Select label="Subject" name="report-subject" value={subject} onChange={setSubject}
            options={[{ value: '', label: 'me' }, ...users.data.filter((u) => u.id !== session.me.id).map((u) => ({ value: `user:${u.id}`, label: `${u.name} <${u.email}>` }))]} />
        ) : null}
      </form>
      {report.loading && !report.data ? <Loading what="the report" /> : report.error ? <Problem error={report.error} />
        : <ReportTable rows={report.data.items} />}
      <small>The permission report (<code>GET /v1/permissions/report</code>): object permissions and guards, branch-relative.</small>
    </section>
  );
}
