import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

function current() {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return { path: p === '' ? '/' : p, query: new URLSearchParams(location.search) };
}

export function navigate(to) {
  history.pushState(null, '', BASE + to);
  dispatchEvent(new Event('gatehouse:navigate'));
}

export function useRoute() {
  const [r, setR] = useState(current());
  useEffect(() => {
    const f = () => setR(current());
    addEventListener('popstate', f);
    addEventListener('gatehouse:navigate', f);
    return () => { removeEventListener('popstate', f); removeEventListener('gatehouse:navigate', f); };
  }, []);
  return r;
}

export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={BASE + href} onClick={onClick} {...rest}>{children}</a>;
}
