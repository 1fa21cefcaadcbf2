// The shell around every screen: who is logged in, the navigation, the sync
// bar that is always visible, keyboard shortcuts, and the hash router
// (`#/board`, `#/job/<id>`, …) that picks a screen.

import { ApiError, Session, SyncStatus, get, post, setToken, token } from './api.js';
import { $, Child, append, clear, h, toast } from './dom.js';
import { ago, roleLabel } from './format.js';

export interface Screen {
  /** Shown in the title and reported to the desktop shell. */
  name: string;
  render(root: HTMLElement, args: string[]): Promise<void> | void;
}

export const state: { session: Session | null } = { session: null };

const screens = new Map<string, Screen>();

export function register(route: string, s: Screen): void {
  screens.set(route, s);
}

/** Show `hash`; to the same screen, it is drawn again (with fresh data) and
 *  the promise settles once it is. */
export function go(hash: string): Promise<void> {
  if (location.hash === hash) return route();
  location.hash = hash;
  return Promise.resolve();
}

/** May this session take `action` (a key of the role matrix: `create_jobs`)?
 *  The API's answer (`/api/me` → `may`) is the only copy the UI has. */
export function can(...actions: string[]): boolean {
  const may = state.session?.may ?? [];
  return actions.some((a) => may.includes(a));
}

/** The screens, and the actions of which a session needs one to see each
 *  (none: everyone). */
const NAV: [string, string, string, string[]][] = [
  ['#/board', 'Job board', 'b', []],
  ['#/intake', 'New job', 'n', ['create_jobs']],
  ['#/inventory', 'Inventory', 'i', []],
  ['#/invoices', 'Invoices', 'v', ['create_invoices', 'record_payments', 'view_reports']],
  ['#/reports', 'Reports', 'r', ['view_reports', 'record_payments']],
  ['#/attention', 'Needs attention', 'a', []],
  ['#/settings', 'Settings', 's', []],
];

/** The shop's name, as the brand of every screen. */
export function shopName(): string {
  return state.session?.shop?.name ?? 'Repair Desk';
}

/** Tell the desktop shell (Tauri), when there is one, which screen is up. */
function announce(name: string): void {
  document.title = `${shopName()} · ${name}`;
  const tauri = (window as unknown as { __TAURI__?: { core?: { invoke?: (c: string, a: unknown) => Promise<unknown> } } }).__TAURI__;
  // After the screen is painted, so that what the shell reports is on screen.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      tauri?.core?.invoke?.('screen_shown', { screen: name })?.catch(() => undefined);
    }),
  );
}

function nav(): HTMLElement {
  return h(
    'nav#nav',
    {},
    NAV.filter(([, , , needs]) => needs.length === 0 || can(...needs)).map(([href, label, key]) =>
      h('a', { href, 'data-key': key, title: `Alt+${key.toUpperCase()}` }, label),
    ),
  );
}

export async function route(): Promise<void> {
  const main = $('#main');
  const [path, ...args] = location.hash.replace(/^#\/?/, '').split('/');
  if (!token() || !state.session) {
    try {
      if (token()) state.session = await get<Session>('/api/me');
    } catch {
      setToken(null);
    }
  }
  let key = state.session ? path || 'board' : 'login';
  const needs = NAV.find(([href]) => href === `#/${key}`)?.[3] ?? [];
  if (needs.length && !can(...needs)) key = 'board';
  const s = screens.get(key) ?? screens.get('board')!;
  renderChrome();
  clear(main);
  main.dataset.screen = s.name;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === `#/${key}`);
  }
  try {
    await s.render(main, args.map(decodeURIComponent));
  } catch (e) {
    main.append(errorBox(e));
  }
  announce(s.name);
}

function renderChrome(): void {
  const top = $('#top');
  clear(top);
  top.append(h('span.brand', {}, shopName()));
  if (state.session) {
    top.append(
      nav(),
      h('span#syncbar.sync', { role: 'status', 'aria-live': 'polite' }, 'sync: …'),
      h(
        'span.who',
        {},
        `${state.session.name} · ${roleLabel(state.session.role)}`,
        h('button.link#logout', { onclick: logout, title: 'Log out' }, 'Log out'),
      ),
    );
    void refreshSync();
  }
}

async function logout(): Promise<void> {
  try {
    await post('/api/logout');
  } catch {
    /* the session may already be gone */
  }
  setToken(null);
  state.session = null;
  go('#/login');
}

let lastLsn = -1;

/** The always-visible sync state: online or offline, ops waiting, last sync. */
export async function refreshSync(): Promise<void> {
  const bar = document.getElementById('syncbar');
  if (!bar || !state.session) return;
  try {
    const s = await get<SyncStatus>('/api/sync/status');
    if (s.last_lsn !== lastLsn) {
      const first = lastLsn < 0;
      lastLsn = s.last_lsn;
      // Something was written here or arrived from another device.
      if (!first) window.dispatchEvent(new CustomEvent('data-changed'));
    }
    const hub = s.peers.find((p) => p.role === 'hub');
    const lan = s.peers.filter((p) => p.role === 'lan');
    const waiting = Math.max(0, ...s.peers.map((p) => p.waiting_ops));
    const online = s.peers.length > 0 && s.peers.some((p) => p.online);
    const last = Math.max(0, ...s.peers.map((p) => p.last_ok_at ?? 0));
    clear(bar);
    bar.className = `sync ${s.peers.length === 0 ? 'standalone' : online ? (hub?.online ? 'online' : 'lan') : 'offline'}`;
    bar.dataset.waiting = String(waiting);
    bar.dataset.online = hub?.online ? 'hub' : online ? 'lan' : 'no';
    const label =
      s.peers.length === 0
        ? 'standalone'
        : hub?.online
          ? 'online'
          : hub && hub.held > 0 && !hub.last_error
            ? `hub holds ${hub.held} of ours waiting for a gap`
            : lan.some((p) => p.online)
              ? 'hub offline · LAN ok'
              : 'offline';
    append(bar, [
      h('b', {}, label),
      ` · ${waiting} waiting · last sync ${ago(last || null)}`,
      s.needs_attention ? h('a.badge', { href: '#/attention' }, `${s.needs_attention} need attention`) : null,
    ]);
    bar.title = s.peers.map((p) => `${p.role} ${p.url}: ${p.online ? 'ok' : p.last_error ?? 'not yet'}`).join('\n');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      setToken(null);
      state.session = null;
      go('#/login');
    } else {
      bar.textContent = 'sync: unknown';
    }
  }
}

export function errorBox(e: unknown): HTMLElement {
  const msg = e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e);
  return h('div.error', { role: 'alert' }, msg);
}

/** Run an action from a form or button: show the refusal, never lose it. */
/** Run an API call for the user: on success `then` (typically redrawing the
 *  screen) runs first and the `ok` message shows once it is done, so what
 *  the message says is already on the screen; on failure the error shows
 *  and the field it names is marked. */
export async function act<T>(what: () => Promise<T>, ok?: string, then?: () => Promise<void>): Promise<T | undefined> {
  try {
    const r = await what();
    if (then && r) await then();
    if (ok) toast(ok);
    void refreshSync();
    return r;
  } catch (e) {
    toast(e instanceof Error ? e.message : String(e), 'error');
    if (e instanceof ApiError && e.body.field) {
      const el = document.querySelector(`[name="${CSS.escape(e.body.field)}"]`);
      if (el instanceof HTMLElement) {
        el.classList.add('invalid');
        el.focus();
      }
    }
    return undefined;
  }
}

export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  return h('section.card', {}, h('h2', {}, title), ...children);
}

export function start(): void {
  window.addEventListener('hashchange', () => void route());
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      const a = document.querySelector<HTMLAnchorElement>(`#nav a[data-key="${ev.key.toLowerCase()}"]`);
      if (a) {
        ev.preventDefault();
        go(a.getAttribute('href')!);
      }
    }
    if (ev.key === '/' && !(ev.target instanceof HTMLInputElement || ev.target instanceof HTMLTextAreaElement)) {
      const search = document.querySelector<HTMLInputElement>('[data-search]');
      if (search) {
        ev.preventDefault();
        search.focus();
      }
    }
  });
  document.addEventListener('input', (ev) => {
    if (ev.target instanceof HTMLElement) ev.target.classList.remove('invalid');
  });
  setInterval(() => void refreshSync(), 3000);
  void route();
}
