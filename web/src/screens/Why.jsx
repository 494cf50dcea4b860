import { useState } from 'preact/hooks';
import { all, get, post } from '../api.js';
import { Loading, Problem, Select, Text, useAction, useLoad } from '../ui.jsx';

// What POST /v1/check accepts per resource type (SPEC §4); tenant
// permissions come from the catalog (GET /v1/permissions).
const PERMS = {
  workspace: ['view', 'view_resources', 'update', 'delete', 'manage_members', 'manage_owners', 'whitelist_models',
    'create_deployment', 'create_api_key', 'manage_api_keys', 'view_audit_logs'],
  model: ['view', 'update', 'delete'],
  deployment: ['view', 'invoke', 'update', 'delete'],
  apikey: ['view', 'revoke'],
  kind: ['view', 'create', 'update', 'delete'],
};

const RESULT = {
  PERMISSIONSHIP_HAS_PERMISSION: 'has it',
  PERMISSIONSHIP_NO_PERMISSION: 'does not have it',
  PERMISSIONSHIP_CONDITIONAL_PERMISSION: 'has it if a condition holds',
};

// findTrace returns the first SpiceDB CheckDebugTrace in the explanation.
function findTrace(v) {
  if (!v || typeof v !== 'object') return null;
  if (v.resource && v.permission) return v;
  for (const k of ['trace', 'check', 'debug_trace', 'debugTrace']) { const t = findTrace(v[k]); if (t) return t; }
  for (const x of Object.values(v)) { if (x && typeof x === 'object') { const t = findTrace(x); if (t) return t; } }
  return null;
}

function TraceNode({ t }) {
  const r = t.resource || {};
  const subs = (t.subProblems && t.subProblems.traces) || (t.sub_problems && t.sub_problems.traces) || [];
  const res = RESULT[t.result] || (t.result || '').toLowerCase().replace('permissionship_', '').replace(/_/g, ' ');
  const ok = t.result === 'PERMISSIONSHIP_HAS_PERMISSION';
  const direct = t.directFoundSubjects ? ' (direct relationship)' : '';
  return (
    <li>
      <span class={ok ? 'allowed' : 'denied'}>{ok ? '✓' : '✗'}</span>{' '}
      <code>{r.objectType || r.object_type}:{r.objectId || r.object_id}</code> <strong>{t.permission}</strong>
      {t.permissionType === 'PERMISSION_TYPE_RELATION' ? ' (relation)' : ''}: {res}{direct}{t.wasCachedResult ? ' · cached' : ''}
      {subs.length ? <ul>{subs.map((s) => <TraceNode t={s} />)}</ul> : null}
    </li>
  );
}

const ref = (t) => { const r = t.resource || {}; return `${r.objectType || r.object_type}:${r.objectId || r.object_id}#${t.permission}`; };
const has = (t) => t.result === 'PERMISSIONSHIP_HAS_PERMISSION';
const subsOf = (t) => (t.subProblems && t.subProblems.traces) || [];

// inWords summarises a trace: the path that granted, or what was tried.
function inWords(t) {
  if (has(t)) {
    const path = [];
    for (let n = t; n; n = subsOf(n).find(has)) path.push(ref(n));
    return `Allowed through ${path.join(' ← ')}.`;
  }
  const tried = subsOf(t).map(ref);
  return `Denied: no path grants ${ref(t)}${tried.length ? `; it was tried through ${tried.join(', ')}, and none holds` : ''}.`;
}

export function Explanation({ ex }) {
  if (!ex) return <p>No explanation was given.</p>;
  const text = typeof ex === 'string' ? ex : ex.text || ex.words || ex.summary;
  const trace = typeof ex === 'object' ? findTrace(ex) : null;
  return (
    <>
      {text ? (Array.isArray(text) ? <ul data-testid="explanation-text">{text.map((l) => <li>{l}</li>)}</ul> : <p data-testid="explanation-text">{text}</p>) : null}
      {trace && !text ? <p data-testid="explanation-words">{inWords(trace)}</p> : null}
      {trace ? (
        <details open={!text}>
          <summary>How SpiceDB decided (trace)</summary>
          <ul class="trace" data-testid="trace"><TraceNode t={trace} /></ul>
        </details>
      ) : null}
      {!text && !trace ? <pre class="json">{JSON.stringify(ex, null, 2)}</pre> : null}
    </>
  );
}

async function loadChoices(session) {
  const [cat, workspaces, kinds, users, groups, branches] = await Promise.all([
    get('/v1/permissions'),
    all('/v1/workspaces'),
    session.can.view_tenant ? all('/v1/kinds') : Promise.resolve([]),
    session.can.manage_users ? all('/v1/users') : Promise.resolve([]),
    session.can.manage_users ? all('/v1/groups') : Promise.resolve([]),
    session.can.view_tenant ? all('/v1/branches') : Promise.resolve([]),
  ]);
  return { cat, workspaces, kinds, users, groups, branches };
}

export function Why({ session }) {
  const { me, can } = session;
  const choices = useLoad(() => loadChoices(session));
  const [subjectType, setSubjectType] = useState('user');
  const [subjectId, setSubjectId] = useState(me.id);
  const [resType, setResType] = useState('workspace');
  const [resId, setResId] = useState('');
  const [permission, setPermission] = useState('');
  const [branch, setBranch] = useState('');
  const [answer, setAnswer] = useState(null);
  const a = useAction();
  if (choices.loading) return <Loading what="the question form" />;
  if (choices.error) return <Problem error={choices.error} />;
  const { cat, workspaces, kinds, users, groups, branches } = choices.data;
  // Checking another subject needs super_admin (or a service credential).
  const others = can.super_admin;
  const perms = resType === 'tenant' ? cat.global_actions.map((x) => x.name) : PERMS[resType];
  const perm = perms.includes(permission) ? permission : perms[0];
  const resOptions = resType === 'workspace' ? workspaces.map((w) => ({ value: w.id, label: w.name }))
    : resType === 'kind' ? kinds.map((k) => ({ value: k.id, label: k.id })) : null;
  const resource = resType === 'tenant' ? me.tenant_id : (resId || (resOptions && resOptions[0] ? resOptions[0].value : ''));
  const subjectOptions = subjectType === 'user' ? users.map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }))
    : subjectType === 'group' ? groups.map((g) => ({ value: g.id, label: g.name })) : null;
  const ask = (e) => {
    e.preventDefault();
    a.run(async () => {
      setAnswer(null);
      const body = { resource: { type: resType, id: resource }, permission: perm, explain: true };
      if (others && !(subjectType === 'user' && subjectId === me.id)) body.subject = { type: subjectType, id: subjectId || (subjectOptions && subjectOptions[0] ? subjectOptions[0].value : '') };
      if (resType === 'kind' && branch) body.branch = branch;
      const r = await post('/v1/check', body);
      const name = (opts, id) => ((opts || []).find((o) => o.value === id) || {}).label;
      const subjectLabel = body.subject ? (name(subjectOptions, body.subject.id) || `${body.subject.type}:${body.subject.id}`) : `you (${me.email})`;
      const resourceLabel = `${resType} ${resType === 'tenant' ? '' : (name(resOptions, resource) || resource)}`.trim();
      setAnswer({ ...r, question: body, subjectLabel, resourceLabel });
    });
  };
  return (
    <section>
      <hgroup><h1>Why?</h1><p>Ask Gatehouse whether a subject may do something, and why.</p></hgroup>
      <form onSubmit={ask} aria-label="Ask why">
        <fieldset class="toolbar">
          <legend>Subject</legend>
          {others ? (
            <>
              <Select label="Subject type" name="subject-type" value={subjectType} onChange={(v) => { setSubjectType(v); setSubjectId(v === 'user' ? me.id : ''); }}
                options={['user', 'group', 'apikey']} />
              {subjectOptions && subjectOptions.length
                ? <Select label="Subject" name="subject" value={subjectId} onChange={setSubjectId} options={subjectOptions} />
                : <Text label="Subject id" name="subject" value={subjectId} onChange={setSubjectId} required />}
            </>
          ) : <p>You ({me.email}) — checking another subject needs <code>super_admin</code>.</p>}
        </fieldset>
        <fieldset class="toolbar">
          <legend>Resource and permission</legend>
          <Select label="Resource type" name="resource-type" value={resType} onChange={(v) => { setResType(v); setResId(''); setPermission(''); }}
            options={['tenant', 'workspace', 'model', 'deployment', 'apikey', 'kind']} />
          {resType === 'tenant' ? <Text label="Tenant" name="resource" value={me.tenant_id} onChange={() => {}} />
            : resOptions ? <Select label="Resource" name="resource" value={resource} onChange={setResId} options={resOptions.length ? resOptions : [{ value: '', label: 'none visible' }]} />
              : <Text label="Resource id" name="resource" value={resId} onChange={setResId} required />}
          <Select label="Permission" name="permission" value={perm} onChange={setPermission} options={perms} />
          {resType === 'kind' ? (
            <label>
              Branch
              <input name="branch" list="why-branches" value={branch} placeholder="default branch" onInput={(e) => setBranch(e.currentTarget.value)} />
              <datalist id="why-branches">{branches.map((b) => <option value={b.name}>{b.status}</option>)}</datalist>
              <small>Empty for the default branch; a registered branch or any other name.</small>
            </label>
          ) : null}
        </fieldset>
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy}>Ask</button>
      </form>
      {answer ? (
        <article data-testid="why-answer">
          <header>
            <h2 class={answer.allowed ? 'allowed' : 'denied'} data-testid="why-decision">
              {answer.allowed ? 'Allowed' : 'Denied'} <small>({answer.decision})</small>
            </h2>
            <small>{answer.question.branch ? <>on branch <code>{answer.question.branch}</code> · </> : null}<strong>{answer.subjectLabel}</strong> → <code>{answer.question.permission}</code> on <strong>{answer.resourceLabel}</strong></small>
          </header>
          <Explanation ex={answer.explanation} />
        </article>
      ) : null}
    </section>
  );
}
