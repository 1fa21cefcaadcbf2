// The job board: open job cards in columns by status, filtered by technician
// or by a search as you type; overdue cards stand out.

import { JobSummary, User, get, post } from '../api.js';
import { act, can, register, state } from '../app.js';
import { clear, h } from '../dom.js';
import { date, statusLabel } from '../format.js';

/** Cards drawn per column until asked for more: a column of 2,000 cards helps no one. */
const PER_COLUMN = 150;

const COLUMNS = ['received', 'diagnosed', 'estimate_shared', 'approved', 'rejected', 'in_repair', 'waiting_for_parts', 'ready'];

/** A job is overdue past its promised date, or after 3 days when none was promised. */
export function overdue(j: JobSummary, now = Date.now()): boolean {
  if (j.promised) return j.promised < new Date(now).toISOString().slice(0, 10);
  return now - j.opened_at > 3 * 86400_000;
}

/** For a manager: hand the job to a technician from the board. */
function assignFrom(j: JobSummary, techs: User[], done: () => void): HTMLElement {
  const sel = h(
    'select.assign',
    { 'aria-label': `Technician for ${j.job_no}`, 'data-action': 'assign_technicians', name: 'technician' },
    h('option', { value: '' }, 'unassigned'),
    techs.map((u) => h('option', { value: u.id }, u.name)),
  ) as HTMLSelectElement;
  sel.value = j.technician ?? '';
  sel.addEventListener('change', async () => {
    const r = await act(() => post(`/api/jobs/${j.id}/assign`, { technician: sel.value || null }), `${j.job_no} assigned`);
    if (r) done();
  });
  return sel;
}

function card(j: JobSummary, now: number): HTMLElement {
  return h(
    'a.job',
    {
      href: `#/job/${j.id}`,
      'data-job': j.job_no,
      class: `job${overdue(j, now) ? ' overdue' : ''}${j.status_conflicts ? ' conflicted' : ''}`,
    },
    h('b', {}, j.job_no),
    h('span', {}, `${j.customer_name} · ${j.customer_mobile}`),
    h('span.muted', {}, [j.device_type, j.brand, j.model].filter(Boolean).join(' ')),
    h('span.muted', {}, j.technician_name ? `Tech: ${j.technician_name}` : 'unassigned', j.promised ? ` · due ${date(j.promised)}` : ''),
  );
}

register('board', {
  name: 'job board',
  async render(root, args) {
    const t0 = performance.now();
    let [jobs, users] = await Promise.all([
      get<JobSummary[]>('/api/jobs?open=true&limit=10000'),
      get<User[]>('/api/users').catch(() => [] as User[]),
    ]);
    const techs = users.filter((u) => u.role === 'technician' && u.active);
    const assigns = can('assign_technicians');
    const mine = args[0] === 'mine' && state.session ? state.session.user : '';
    const search = h('input', { type: 'search', placeholder: 'Search job no, name, mobile or serial  ( / )', 'data-search': true, 'aria-label': 'Search jobs' }) as HTMLInputElement;
    const tech = h(
      'select',
      { 'aria-label': 'Technician', name: 'technician' },
      h('option', { value: '' }, 'All technicians'),
      h('option', { value: '-' }, 'Unassigned'),
      techs.map((u) => h('option', { value: u.id }, u.name)),
    ) as HTMLSelectElement;
    tech.value = mine;
    const board = h('div.board#board');
    const expanded = new Set<string>();
    const count = h('span.muted');
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const now = Date.now();
      const shown = jobs.filter(
        (j) =>
          (!tech.value || (tech.value === '-' ? !j.technician : j.technician === tech.value)) &&
          (!q || j.job_no.toLowerCase().includes(q) || j.customer_name.toLowerCase().includes(q) || j.customer_mobile.includes(q) || j.serial.toLowerCase().includes(q)),
      );
      clear(board);
      const frag = document.createDocumentFragment();
      for (const s of COLUMNS) {
        // Overdue first (oldest of them first: that customer has waited
        // longest), then the newest, so what just came in is in view.
        const col = shown
          .filter((j) => j.status === s)
          .map((j) => ({ j, late: overdue(j, now) }))
          .sort((a, b) => (a.late !== b.late ? (a.late ? -1 : 1) : a.late ? a.j.opened_at - b.j.opened_at : b.j.opened_at - a.j.opened_at))
          .map((x) => x.j);
        if (s === 'rejected' && col.length === 0) continue;
        const all = expanded.has(s);
        const cards = all ? col : col.slice(0, PER_COLUMN);
        const column = h(
          'div.column',
          { 'data-status': s, 'data-count': col.length },
          h('h3', {}, statusLabel(s), h('span.count', {}, String(col.length))),
          cards.map((j) => (assigns ? h('div.slot', {}, card(j, now), assignFrom(j, techs, () => void refresh())) : card(j, now))),
        );
        if (cards.length < col.length) {
          column.append(
            h('button.link.more', { onclick: () => { expanded.add(s); draw(); } }, `show all ${col.length} (or search to narrow)`),
          );
        }
        frag.append(column);
      }
      board.append(frag);
      count.textContent = `${shown.length} open job${shown.length === 1 ? '' : 's'}${shown.some((j) => overdue(j, now)) ? ` · ${shown.filter((j) => overdue(j, now)).length} overdue` : ''}`;
    };
    // Jobs opened or moved on other devices appear without a reload.
    const refresh = async () => {
      if (!root.isConnected || !board.isConnected) {
        window.removeEventListener('data-changed', refresh);
        return;
      }
      jobs = await get<JobSummary[]>('/api/jobs?open=true&limit=10000').catch(() => jobs);
      draw();
    };
    window.addEventListener('data-changed', refresh);
    search.addEventListener('input', draw);
    tech.addEventListener('change', draw);
    root.append(h('div.toolbar', {}, h('h1', {}, 'Job board'), search, tech, count), board);
    draw();
    // Measured by the UI benchmark (never asserted): fetch + render, and the
    // moment after the next frame is painted, from navigation start.
    root.dataset.renderMs = (performance.now() - t0).toFixed(1);
    requestAnimationFrame(() =>
      setTimeout(() => {
        root.dataset.paintedAt = performance.now().toFixed(1);
      }, 0),
    );
  },
});
