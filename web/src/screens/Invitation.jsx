import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { BASE } from '../router.jsx';
import { Loading, Problem, Text, useAction, useLoad, when } from '../ui.jsx';

// The page behind an invitation_url: shows the invitation, sets a password.
export function Invitation({ query }) {
  const token = query.get('token') || '';
  const info = useLoad(() => get(`/v1/invitations/accept?token=${encodeURIComponent(token)}`), [token]);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [name, setName] = useState('');
  const [done, setDone] = useState(null);
  const a = useAction();
  if (info.loading) return <Loading what="your invitation" />;
  if (info.error) {
    return (
      <article>
        <header><h1>Invitation</h1></header>
        <Problem error={info.error} hint="Ask an administrator of your organisation for a new invitation." />
      </article>
    );
  }
  const inv = info.data;
  if (done) {
    return (
      <article>
        <header><h1>Welcome, {done.name || done.email}</h1></header>
        <p data-testid="invitation-accepted">Your account is active. You can now sign in with your email and the password you chose.</p>
        <a role="button" href={`${BASE}/?email=${encodeURIComponent(done.email)}`}>Sign in</a>
      </article>
    );
  }
  const submit = (e) => {
    e.preventDefault();
    if (password !== again) { a.setError(new Error('the two passwords differ')); return; }
    a.run(async () => {
      const r = await post('/v1/invitations/accept', { token, password, ...(name ? { name } : {}) });
      setDone(r.user || { email: inv.email });
    });
  };
  return (
    <article>
      <header>
        <h1>Join {inv.tenant}</h1>
        <p>You were invited as <strong>{inv.email}</strong>. The invitation expires {when(inv.expires_at)}.</p>
      </header>
      <form onSubmit={submit} aria-label="Accept the invitation">
        <Text label="Your name" name="name" value={name} onChange={setName} placeholder={inv.name} autocomplete="name" />
        <Text label="Choose a password" type="password" name="password" value={password} onChange={setPassword} required autocomplete="new-password" />
        <Text label="Repeat the password" type="password" name="password2" value={again} onChange={setAgain} required autocomplete="new-password" />
        <Problem error={a.error} />
        <button type="submit" aria-busy={a.busy} disabled={a.busy}>Set password and activate</button>
      </form>
    </article>
  );
}
