// This device: its identity, sync peers and their state, invoice-number
// leases held, the audit log and its verification, and sync on demand.

import { SyncStatus, get, post } from '../api.js';
import { act, go, register, section, state } from '../app.js';
import { h } from '../dom.js';
import { ago, dateTime } from '../format.js';

interface Holding {
  doc_type: string;
  prefix: string;
  fy: number;
  leases: { first: number; last: number }[];
  used_up_to: number;
  remaining: number;
  next: string | null;
}

register('settings', {
  name: 'settings',
  async render(root) {
    const [health, sync, leases] = await Promise.all([
      get<{ device: string; branch: string }>('/health'),
      get<SyncStatus>('/api/sync/status'),
      get<Holding[]>('/api/leases').catch(() => [] as Holding[]),
    ]);
    const verify = h('output#audit-result');
    root.append(
      h('h1', {}, 'Settings'),
      section(
        'This device',
        h(
          'table#device',
          {},
          h(
            'tbody',
            {},
            h('tr', {}, h('th', {}, 'Shop'), h('td', {}, state.session?.shop.name ?? '')),
            h('tr', {}, h('th', {}, 'Address'), h('td', {}, state.session?.shop.address ?? '')),
            h('tr', {}, h('th', {}, 'Phone'), h('td', {}, state.session?.shop.phone ?? '—')),
            h('tr', {}, h('th', {}, 'GSTIN'), h('td', {}, state.session?.shop.gstin ?? '')),
            h('tr', {}, h('th', {}, 'UPI id'), h('td', {}, state.session?.shop.upi_id ?? '—')),
            h('tr', {}, h('th', {}, 'Device id'), h('td', {}, h('code', {}, health.device))),
          ),
        ),
      ),
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
          ? h(
              'table#leases',
              {},
              h('thead', {}, h('tr', {}, ['Series', 'Financial year', 'Blocks', 'Used up to', 'Left', 'Next number'].map((t) => h('th', {}, t)))),
              h(
                'tbody',
                {},
                leases.map((l) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, `${l.doc_type === 'tax_invoice' ? 'Tax invoices' : 'Credit notes'} ${l.prefix}`),
                    h('td', {}, `${l.fy}-${String((l.fy + 1) % 100).padStart(2, '0')}`),
                    h('td', {}, l.leases.map((b) => `${b.first}–${b.last}`).join(', ')),
                    h('td.num', {}, String(l.used_up_to)),
                    h('td.num', {}, String(l.remaining)),
                    h('td', {}, l.next ?? 'none left'),
                  ),
                ),
              ),
            )
          : h('p.muted', {}, 'This device holds no invoice numbers.'),
      ),
      section(
        'Audit log',
        h(
          'button#verify-audit',
          {
            onclick: async () => {
              const r = await act(() => get<{ entries: number; ok: boolean; broken_at: number | null; problem: string | null }>('/api/audit/verify'));
              if (r) verify.textContent = r.ok ? `The chain of ${r.entries} entries is intact.` : `Broken at entry ${r.broken_at}: ${r.problem ?? ''}`;
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
