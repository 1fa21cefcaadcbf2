// What needs a person: operations the hub refused (with its reason, never
// dropped), and fields two people changed at once (the losing values kept),
// which a manager settles by choosing the value to keep.

import { get, post } from '../api.js';
import { JobSummary } from '../api.js';
import { act, can, go, register, section } from '../app.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';

interface Attention {
  device: string;
  seq: number;
  kind: string;
  reason: string;
  at: number;
  resolved: boolean;
}

interface Version {
  op: { device: string; seq: number };
  at: number;
  value: { t: string; v?: unknown };
}

interface Conflict {
  record: string;
  kind: string;
  field: string;
  winner: Version;
  losers: Version[];
}

function show(v: Version['value']): string {
  return v.v === undefined || v.v === null ? '(empty)' : String(v.v);
}

register('attention', {
  name: 'needs attention',
  async render(root) {
    const [refused, conflicts, jobs] = await Promise.all([
      get<Attention[]>('/api/needs-attention'),
      get<Conflict[]>('/api/conflicts'),
      get<JobSummary[]>('/api/jobs?limit=10000').catch(() => [] as JobSummary[]),
    ]);
    const manager = can('resolve_conflicts');
    const moved = jobs.filter((j) => j.status_conflicts > 0);
    root.append(
      h('h1', {}, 'Needs attention'),
      section(
        'Refused by the hub',
        refused.length
          ? h('ul#refused', {}, refused.map((r) => h('li', { class: r.resolved ? 'muted' : '' }, h('b', {}, r.kind), ` · ${dateTime(r.at)} · `, r.reason)))
          : h('p.muted', {}, 'Nothing was refused.'),
      ),
      section(
        'Conflicts to review',
        conflicts.length
          ? h(
              'div#conflicts',
              {},
              conflicts.map((c) =>
                h(
                  'div.conflict',
                  {},
                  h('p', {}, h('b', {}, `${c.kind} · ${c.field}`), ' ', c.kind === 'job' ? h('a', { href: `#/job/${c.record}` }, 'open job') : null),
                  h(
                    'ul',
                    {},
                    [c.winner, ...c.losers].map((v, i) =>
                      h(
                        'li',
                        {},
                        `${i === 0 ? 'shown: ' : 'also written: '}“${show(v.value)}” · ${dateTime(v.at)} `,
                        manager
                          ? h('button', { 'data-action': 'resolve_conflicts', onclick: async () => { await act(() => post('/api/conflicts/resolve', { record: c.record, field: c.field, value: v.value }), 'Conflict settled', () => go('#/attention')); } }, 'Keep this')
                          : null,
                      ),
                    ),
                  ),
                ),
              ),
            )
          : h('p.muted', {}, 'No fields in conflict.'),
      ),
      section(
        'Jobs moved at once on two devices',
        moved.length
          ? h(
              'ul#status-conflicts',
              {},
              moved.map((j) => h('li', {}, h('a', { href: `#/job/${j.id}` }, j.job_no), ` · ${j.customer_name} · one move was kept; the other is on the job’s timeline`)),
            )
          : h('p.muted', {}, 'None.'),
      ),
    );
  },
});
