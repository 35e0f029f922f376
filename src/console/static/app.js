import { h, fill, toast, errorToast, problemBanner } from './lib.js';
import { api, session, whenSignedOut } from './api.js';
import { SCREENS } from './screens.js';

const root = document.getElementById('root');
let generation = 0;

/** Is the screen rendered by generation `g` still the one on display? (Polls stop when not.) */
export const live = (g) => () => g === generation;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || 'overview', args: parts.slice(1), query: new URLSearchParams(query) };
}

function visible(screen) {
  const r = screen.requires;
  if (!r) return 'ok';
  if (session.can(r)) return 'ok';
  if (!session.exists(r)) return 'missing';
  return 'forbidden';
}

function loginScreen(message) {
  let mode = 'password';
  const name = h('input', { name: 'name', autocomplete: 'username', placeholder: 'user name', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: 'password', required: true });
  const key = h('input', { name: 'apiKey', type: 'password', autocomplete: 'off', placeholder: 'oo_…' });
  const fields = h('div.grid');
  const error = h('div');
  const submit = h('button.primary', { type: 'submit' }, 'Sign in');
  const tabs = h('div.tabs');
  const draw = () => {
    fill(tabs, 
      h('button', { type: 'button', class: mode === 'password' ? 'active' : '', onclick: () => { mode = 'password'; draw(); } }, 'Password'),
      h('button', { type: 'button', class: mode === 'key' ? 'active' : '', onclick: () => { mode = 'key'; draw(); } }, 'API key'),
    );
    name.required = password.required = mode === 'password';
    key.required = mode === 'key';
    fill(fields, ...(mode === 'password'
      ? [h('label.field', 'User name', name), h('label.field', 'Password', password)]
      : [h('label.field', 'API key', key)]));
  };
  draw();
  const form = h('form', {
    async onsubmit(e) {
      e.preventDefault();
      submit.disabled = true;
      fill(error, );
      try {
        const s = await api('POST', '/v1/session', mode === 'password' ? { name: name.value.trim(), password: password.value } : { apiKey: key.value.trim() }, { quiet401: true });
        session.set(s);
        if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
        render();
      } catch (err) {
        fill(error, problemBanner(err));
        submit.disabled = false;
      }
    },
  },
  h('div.title', h('img', { src: '/console/favicon.svg', width: 28, height: 28, alt: '' }), 'omniops', h('span.muted', 'operations console')),
  message ? h('div.banner.warn', message) : null,
  tabs, fields, error, submit,
  h('div.hint', 'Sign in with your omniops user name and password (set with ', h('code', 'omniops users password'), ') or an API key. The session ends after a period of time or when you sign out.'));
  fill(root, h('div.login', form));
  (mode === 'password' ? name : key).focus();
}

async function signOut() {
  try {
    await api('DELETE', '/v1/session');
  } catch (err) {
    if (err.status !== 401) errorToast(err, 'Sign-out failed');
  }
  session.clear();
  generation++;
  // replaceState fires no hashchange: the sign-in form keeps its "signed out" note.
  history.replaceState(null, '', '#/login');
  loginScreen('You are signed out.');
}

function shell(current) {
  const groups = [];
  for (const s of SCREENS) {
    if (s.hidden) continue;
    const v = visible(s);
    if (v === 'forbidden') continue;
    let g = groups.find((x) => x.name === s.group);
    if (!g) groups.push((g = { name: s.group, items: [] }));
    g.items.push(h('a', { href: `#/${s.name}`, class: [s.name === current ? 'active' : '', v === 'missing' ? 'na' : ''].join(' ').trim() || undefined, dataset: { screen: s.name }, title: v === 'missing' ? 'not available in this version' : undefined }, s.title, v === 'missing' ? h('span.badge', 'n/a') : null));
  }
  const title = h('h1');
  const sub = h('div.sub');
  const actions = h('div.row');
  const content = h('div.content');
  const page = h('div.shell',
    h('aside.side',
      h('div.brand', h('img', { src: '/console/favicon.svg', width: 20, height: 20, alt: '' }), 'omniops', h('small', 'ops console')),
      h('nav.nav', groups.map((g) => [h('div.group', g.name), g.items])),
      h('div.who', h('div', h('strong.user-name', session.user.name)), h('div.role', session.user.role.replace(/_/g, ' ')), h('button.signout', { onclick: signOut }, 'Sign out')),
    ),
    h('main.main', h('header.top', h('div', title, sub), actions), content),
  );
  fill(root, page);
  return { title, sub, actions, content };
}

async function render() {
  const g = ++generation;
  if (!session.user) {
    try {
      session.set(await api('GET', '/v1/session', undefined, { quiet401: true }));
    } catch (err) {
      if (err.status !== 401) toast('error', 'Cannot reach omniops', err.detail, err.code);
      return loginScreen();
    }
  }
  if (g !== generation) return;
  const route = parseHash();
  if (route.name === 'login') {
    location.hash = '#/overview';
    return;
  }
  let screen = SCREENS.find((s) => s.name === route.name) ?? SCREENS[0];
  // A role without the overview (a service agent, the warehouse) lands on its first screen instead.
  if (visible(screen) === 'forbidden' && route.name === 'overview') screen = SCREENS.find((s) => visible(s) === 'ok') ?? screen;
  const frame = shell(screen.nav ?? screen.name);
  frame.title.textContent = screen.title;
  const v = visible(screen);
  try {
    await screen.render({ ...frame, args: route.args, query: route.query, live: live(g), availability: v, rerender: () => g === generation && render() });
  } catch (err) {
    if (g !== generation) return;
    fill(frame.content, problemBanner(err));
    if (err.status !== 401) errorToast(err);
  }
}

whenSignedOut(() => loginScreen('Your session has ended. Please sign in again.'));
window.addEventListener('hashchange', () => render());
render();
