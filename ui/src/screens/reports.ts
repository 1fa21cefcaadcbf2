// The branch's money at a glance, for the manager and the accountant: the
// day-end close by payment mode (printable for the drawer), what customers
// still owe, by age, and the branch's reports over a range of days (revenue,
// GST, jobs pending, technicians, stock valuation, consumption), each shown
// as the API's table and saved as CSV or XLSX.

import { download, get } from '../api.js';
import { can, errorBox, register, section, state } from '../app.js';
import { h } from '../dom.js';
import { date, dateTime, isoToday, rupees } from '../format.js';
import { esc, printHtml } from '../print.js';
import { shopHead } from './intake.js';

interface DayEnd {
  date: string;
  by_mode: { mode: string; count: number; amount: string }[];
  collected: string;
  invoices: number;
  invoiced: string;
  credit_notes: number;
  credited: string;
  payments: { invoice_number: string | null; customer_name: string | null; amount: string; mode: string; reference: string | null; at: number }[];
}

interface Receivables {
  as_of: string;
  buckets: { bucket: string; count: number; amount: string }[];
  total: string;
  invoices: { invoice: string; number: string; date: string; customer_name: string; grand_total: string; due: string; days: number; bucket: string }[];
}

interface Table {
  name: string;
  title: string;
  columns: string[];
  kinds: ('text' | 'integer' | 'decimal' | 'money')[];
  rows: string[][];
}

interface TableAnswer {
  range: { from: string; to: string };
  table: Table;
}

/** A column's name in words, as the hub's dashboard and the workbook say. */
const HEADING: Record<string, string> = { gst: 'GST', gst_rate: 'GST rate (%)', cgst: 'CGST', sgst: 'SGST', igst: 'IGST', job_no: 'Job no.', sku: 'SKU', qty: 'Quantity', avg_turnaround_hours: 'Average turnaround (hours)' };

function heading(c: string): string {
  const w = HEADING[c] ?? c.replace(/_/g, ' ');
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function shown(kind: string, v: string): string {
  if (kind === 'money') return rupees(v);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? date(v) : v;
}

function tableView(t: Table): HTMLElement {
  const num = (i: number) => t.kinds[i] !== 'text';
  return h(
    'div.wide',
    {},
    h(
      'table#report-table',
      { 'data-report': t.name },
      h('thead', {}, h('tr', {}, t.columns.map((c, i) => h(num(i) ? 'th.num' : 'th', { 'data-column': c }, heading(c))))),
      h(
        'tbody',
        {},
        t.rows.map((r) => h(r[0] === 'Total' || r[0] === 'Net' ? 'tr.total' : 'tr', {}, r.map((v, i) => h(num(i) ? 'td.num' : 'td', {}, shown(t.kinds[i] ?? 'text', v))))),
      ),
    ),
  );
}

/** The range picker, the report's table, and its CSV and XLSX. */
async function branchReports(day: string, name: string, from: string, to: string): Promise<HTMLElement> {
  const list = await get<{ name: string; title: string }[]>('/api/reports');
  const pick = name || list[0].name;
  const q = new URLSearchParams();
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  const qs = q.toString() ? `?${q}` : '';
  const a = await get<TableAnswer>(`/api/reports/${pick}${qs}`);
  const show = () => {
    const v = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
    location.hash = `#/reports/${day}/${v('report-name')}/${v('report-from')}/${v('report-to')}`;
  };
  const note = h('span.note#report-saved');
  const save = (ext: string) => async () => {
    note.textContent = '';
    try {
      note.textContent = `Saved ${await download(`/api/reports/${pick}.${ext}?from=${a.range.from}&to=${a.range.to}`)}`;
    } catch (e) {
      note.replaceChildren(errorBox(e));
    }
  };
  return section(
    `${a.table.title} · ${date(a.range.from)} to ${date(a.range.to)}`,
    h(
      'div.toolbar',
      {},
      h('select#report-name', { 'aria-label': 'Report', onchange: show }, list.map((r) => h('option', { value: r.name, selected: r.name === pick }, r.title))),
      h('label', {}, 'From ', h('input#report-from', { type: 'date', value: a.range.from, onchange: show })),
      h('label', {}, 'To ', h('input#report-to', { type: 'date', value: a.range.to, onchange: show })),
      h('button#report-csv', { type: 'button', onclick: save('csv') }, 'Save CSV'),
      h('button#report-xlsx', { type: 'button', onclick: save('xlsx') }, 'Save XLSX'),
      note,
    ),
    tableView(a.table),
  );
}

const MODE: Record<string, string> = { cash: 'Cash', upi: 'UPI', card: 'Card', bank: 'Bank transfer' };

function closeHtml(d: DayEnd): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Day-end ${esc(date(d.date))}</title>
<style>@page{size:80mm auto;margin:4mm}body{font:12px/1.4 monospace;width:72mm;margin:0}h1{font-size:15px;margin:0}hr{border:0;border-top:1px dashed #000}table{width:100%;border-collapse:collapse}td:last-child{text-align:right}</style></head><body>
${shopHead(state.session?.shop)}<hr><div><b>Day-end close · ${esc(date(d.date))}</b></div><hr><table>
${d.by_mode.map((m) => `<tr><td>${esc(MODE[m.mode] ?? m.mode)} (${m.count})</td><td>${rupees(m.amount)}</td></tr>`).join('')}
<tr><td><b>Collected</b></td><td><b>${rupees(d.collected)}</b></td></tr></table><hr>
<div>Invoices: ${d.invoices} for ${rupees(d.invoiced)}</div><div>Credit notes: ${d.credit_notes} for ${rupees(d.credited)}</div><hr>
<div>Counted by ____________ · Checked by ____________</div></body></html>`;
}

register('reports', {
  name: 'reports',
  async render(root, [day, report = '', from = '', to = '']) {
    const on = day || isoToday();
    const [d, r] = await Promise.all([get<DayEnd>(`/api/reports/day-end?date=${on}`), get<Receivables>(`/api/reports/receivables?as_of=${on}`)]);
    const picker = h('input#day', { type: 'date', value: on, 'aria-label': 'Day', onchange: (e: Event) => (location.hash = `#/reports/${(e.target as HTMLInputElement).value}`) });
    root.append(
      h('div.toolbar', {}, h('h1', {}, 'Reports'), picker, h('button#print-close', { type: 'button', onclick: () => printHtml(closeHtml(d)) }, 'Print day-end close (80 mm)')),
      section(
        `Day-end close · ${date(d.date)}`,
        h(
          'table#day-end',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Mode'), h('th.num', {}, 'Payments'), h('th.num', {}, 'Amount'))),
          h(
            'tbody',
            {},
            d.by_mode.map((m) => h('tr', { 'data-mode': m.mode }, h('td', {}, MODE[m.mode] ?? m.mode), h('td.num', {}, String(m.count)), h('td.num', {}, rupees(m.amount)))),
            h('tr#collected', {}, h('th', {}, 'Collected'), h('td'), h('th.num', {}, rupees(d.collected))),
          ),
        ),
        h('p', {}, `Invoices: ${d.invoices} for ${rupees(d.invoiced)} · credit notes: ${d.credit_notes} for ${rupees(d.credited)}`),
        h(
          'details',
          {},
          h('summary', {}, `The day's ${d.payments.length} payments`),
          h('ul', {}, d.payments.map((p) => h('li', {}, `${dateTime(p.at)} · ${rupees(p.amount)} · ${MODE[p.mode] ?? p.mode}${p.reference ? ` (${p.reference})` : ''} · ${p.invoice_number ?? 'on a job'} · ${p.customer_name ?? ''}`))),
        ),
      ),
      section(
        `Owed to the shop as of ${date(r.as_of)} · ${rupees(r.total)}`,
        h(
          'table#ageing',
          {},
          h('thead', {}, h('tr', {}, r.buckets.map((b) => h('th.num', {}, b.bucket)))),
          h('tbody', {}, h('tr', {}, r.buckets.map((b) => h('td.num', {}, `${rupees(b.amount)} (${b.count})`)))),
        ),
        h(
          'table#receivables',
          {},
          h('thead', {}, h('tr', {}, ['Invoice', 'Date', 'Customer', 'Total', 'Owed', 'Days'].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            r.invoices.map((i) =>
              h('tr', {}, h('td', {}, h('a', { href: `#/invoices/doc/${i.invoice}` }, i.number)), h('td', {}, date(i.date)), h('td', {}, i.customer_name), h('td.num', {}, rupees(i.grand_total)), h('td.num', {}, rupees(i.due)), h('td.num', {}, String(i.days))),
            ),
          ),
        ),
      ),
    );
    if (can('view_reports')) root.append(await branchReports(on, report, from, to));
  },
});
