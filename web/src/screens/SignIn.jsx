import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { Notice, Problem, Text, useAction } from '../ui.jsx';

const ssoEnabled = () => {
  const m = document.querySelector('meta[name=gatehouse-sso]');
  return m && m.content === 'sso-enabled';
};

export function SignIn({ onSignedIn, notice, email: initial }) {
  const [email, setEmail] = useState(initial);
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const a = useAction();
  const submit = (e) => {
    e.preventDefault();
    a.run(async () => {
      // ?cookie=1: the session goes into an HttpOnly cookie, never to script.
      await post('/v1/auth/login?cookie=1', { email, password, ...(tenant ? { tenant } : {}) });
      onSignedIn();
    });
  };
  return (
    <article>
      <header><h1>Sign in to Gatehouse</h1></header>
      <Notice>{notice}</Notice>
      <form onSubmit={submit} aria-label="Sign in">
        <Text label="Email" type="email" name="email" value={email} onChange={setEmail} required autocomplete="username" />
        <Text label="Password" type="password" name="password" value={password} onChange={setPassword} required autocomplete="current-password" />
        <details>
          <summary>More options</summary>
          <Text label="Tenant (id or slug)" name="tenant" value={tenant} onChange={setTenant}
            help="Only needed when this email has accounts in several tenants." />
        </details>
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy} disabled={a.busy}>Sign in</button>
      </form>
      {ssoEnabled() ? (
        <footer><a role="button" class="secondary" href="/v1/auth/oidc/login?console=1">Sign in with SSO</a></footer>
      ) : null}
    </article>
  );
}
