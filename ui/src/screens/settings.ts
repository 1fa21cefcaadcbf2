// This device: its identity, sync peers and their state, invoice-number
// leases held, the audit log and its verification, and sync on demand.

import { SyncStatus, get, post } from '../api.js';
import { act, go, register, section } from '../app.js';
import { h } from '../dom.js';
import { ago, dateTime } from '../format.js';

register('settings', {
  name: 'settings',
  async render(root) {
    const [health, sync, leases] = await Promise.all([
      get<Record<string, unknown>>('/health'),
      get<SyncStatus>('/api/sync/status'),
      get<Record<string, unknown>[]>('/api/leases').catch(() => []),
    ]);
    const verify = h('output#audit-result');
    root.append(
      h('h1', {}, 'Settings'),
      section('This device', h('pre', {}, JSON.stringify(health, null, 2))),
      section(
        'Sync',
        h(
          'table#peers',
          {},
          h('thead', {}, h('tr', {}, ['Peer', 'Kind', 'State', 'Last success', 'Waiting', 'Last error'].map((t) => h('th', {}, t)))),
          h('tbody', {}, sync.peers.map((p) => h('tr', {}, h('td', {}, p.url), h('td', {}, p.role), h('td', {}, p.online ? 'online' : 'offline'), h('td', {}, ago(p.last_ok_at)), h('td.num', {}, String(p.waiting_ops)), h('td', {}, p.last_error ?? '')))),
        ),
        h('p', {}, `Operations waiting for their causal past: ${sync.pending} · clock offset to the hub ${sync.clock_offset_ms} ms`),
        h('button#sync-now', { onclick: async () => { await act(() => post('/api/sync/now'), 'Synced', () => go('#/settings')); } }, 'Sync now'),
      ),
      section(
        'Invoice numbers held',
        leases.length
          ? h('table#leases', {}, h('tbody', {}, leases.map((l) => h('tr', {}, Object.entries(l).map(([k, v]) => h('td', {}, `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`))))))
          : h('p.muted', {}, 'This device holds no invoice numbers.'),
      ),
      section(
        'Audit log',
        h(
          'button#verify-audit',
          {
            onclick: async () => {
              const r = await act(() => get<Record<string, unknown>>('/api/audit/verify'));
              if (r) verify.textContent = JSON.stringify(r);
            },
          },
          'Verify the audit chain',
        ),
        verify,
        h('p.muted', {}, `Shown ${dateTime(Date.now())}.`),
      ),
    );
  },
});
