import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

// Problem shows what the API said when it refused (its problem detail).
export function Problem({ error, hint }) {
  if (!error) return null;
  return (
    <p class="problem" role="alert" data-testid="problem">
      <strong>{error.status ? `Refused (${error.status}${error.code ? ` ${error.code}` : ''}): ` : 'Error: '}</strong>
      {error.detail || String(error.message || error)}
      {hint ? <><br /><small>{hint}</small></> : null}
    </p>
  );
}

export function Notice({ children }) {
  if (!children) return null;
  return <p class="notice" role="status">{children}</p>;
}

// useLoad runs an async loader and re-runs it on reload() or when deps change.
export function useLoad(fn, deps = []) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then((data) => live && setState({ loading: false, data, error: null }),
      (error) => live && setState({ loading: false, data: null, error }));
    return () => { live = false; };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

// useAction wraps a user action: busy flag, the refusal, a done message.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = useCallback(async (fn) => {
    setBusy(true); setError(null);
    try { return await fn(); } catch (e) { setError(e); return undefined; } finally { setBusy(false); }
  }, []);
  return { busy, error, setError, run };
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

// Modal is Pico's <dialog>, opened modal (the rest of the page is inert):
// focus moves into it, Tab and Shift+Tab stay inside it, Escape closes it,
// and closing gives the focus back to the control that opened it.
export function Modal({ title, onClose, children, id }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement;
    if (d && !d.open) d.showModal();
    const f = d && d.querySelector('input:not([readonly]), select, textarea, input, button:not([rel=prev])');
    if (f) f.focus();
    return () => { if (opener && opener.isConnected && opener.focus) opener.focus(); };
  }, []);
  const onKeyDown = (e) => {
    if (e.key !== 'Tab') return;
    const els = [...ref.current.querySelectorAll(FOCUSABLE)].filter((x) => x.offsetParent !== null);
    if (!els.length) return;
    const firstEl = els[0];
    const lastEl = els[els.length - 1];
    if (e.shiftKey && document.activeElement === firstEl) { e.preventDefault(); lastEl.focus(); }
    else if (!e.shiftKey && document.activeElement === lastEl) { e.preventDefault(); firstEl.focus(); }
  };
  return (
    <dialog ref={ref} id={id} onCancel={(e) => { e.preventDefault(); onClose(); }} onKeyDown={onKeyDown} aria-labelledby={`${id}-title`}>
      <article>
        <header>
          <button aria-label="Close" rel="prev" type="button" onClick={onClose}></button>
          <h2 id={`${id}-title`} class="dialog-title">{title}</h2>
        </header>
        {children}
      </article>
    </dialog>
  );
}

export function Field({ label, children, help }) {
  return (
    <label>
      {label}
      {children}
      {help ? <small>{help}</small> : null}
    </label>
  );
}

export function Select({ label, value, onChange, options, name, required, help }) {
  return (
    <Field label={label} help={help}>
      <select name={name} value={value} required={required} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => (typeof o === 'string'
          ? <option value={o}>{o}</option>
          : <option value={o.value}>{o.label}</option>))}
      </select>
    </Field>
  );
}

export function Text({ label, value, onChange, name, type = 'text', required, help, placeholder, autocomplete }) {
  return (
    <Field label={label} help={help}>
      <input type={type} name={name} value={value} required={required} placeholder={placeholder}
        autocomplete={autocomplete} onInput={(e) => onChange(e.currentTarget.value)} />
    </Field>
  );
}

export function Check({ label, checked, onChange, name, help }) {
  return (
    <label>
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      {label}
      {help ? <><br /><small>{help}</small></> : null}
    </label>
  );
}

// Secret shows a value the API answers only once.
export function Secret({ label, value, testid }) {
  return (
    <div class="secret">
      <Field label={label} help="Shown this once: copy it now.">
        <input readonly value={value} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
      </Field>
    </div>
  );
}

export function when(d) {
  if (!d) return '';
  const t = new Date(d);
  return Number.isNaN(t.getTime()) ? String(d) : t.toLocaleString();
}

export function Loading({ what }) {
  return <p aria-busy="true">Loading {what}…</p>;
}
