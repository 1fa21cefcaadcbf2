// Billing: drafts (from a job or a counter sale) with their GST breakdown,
// finalizing (which takes the next number of this device's lease), the
// finalized documents with payments and balance due, printing on A4 or an
// 80 mm roll with the UPI QR, cancelling (the number is kept) and credit notes.

import { Document, Draft, Item, Payment, callText, del, get, post } from '../api.js';
import { act, can, go, register, section, state } from '../app.js';
import { append, field, h, input, select } from '../dom.js';
import { date, dateTime, indian, isoToday, rupees } from '../format.js';
import { esc, printHtml } from '../print.js';
import { shopHead } from './intake.js';

function totals(t: { taxable: string; cgst: string; sgst: string; igst: string; round_off: string; grand_total: string }): HTMLElement {
  const row = (k: string, v: string, id?: string) => h('tr', id ? { id } : {}, h('th', {}, k), h('td.num', {}, rupees(v)));
  return h(
    'table.totals',
    {},
    row('Taxable value', t.taxable),
    t.igst !== '0' ? row('IGST', t.igst) : null,
    t.cgst !== '0' ? row('CGST', t.cgst) : null,
    t.sgst !== '0' ? row('SGST', t.sgst) : null,
    row('Round off', t.round_off),
    row('Total', t.grand_total, 'grand-total'),
  );
}

function lines(ls: Draft['lines']): HTMLElement {
  return h(
    'table.lines',
    {},
    h('thead', {}, h('tr', {}, ['Description', 'HSN/SAC', 'Qty', 'Rate', 'Discount', 'GST %'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ls.map((l) => h('tr', {}, h('td', {}, l.description), h('td', {}, l.hsn_sac), h('td.num', {}, `${l.qty} ${l.unit}`), h('td.num', {}, indian(l.unit_price)), h('td.num', {}, indian(l.discount)), h('td.num', {}, l.gst_rate)))),
  );
}

async function printDoc(id: string, paper: 'a4' | '80mm'): Promise<void> {
  const html = await act(() => callText(`/api/documents/${id}/print?paper=${paper}`));
  if (html) printHtml(html);
}

register('invoices', {
  name: 'invoices',
  async render(root, [kind, id]) {
    if (kind === 'draft' && id) return draftScreen(root, id);
    if (kind === 'doc' && id) return docScreen(root, id);
    const [drafts, docs, items] = await Promise.all([get<Draft[]>('/api/drafts'), get<Document[]>('/api/documents'), get<Item[]>('/api/items').catch(() => [] as Item[])]);
    root.append(
      h('h1', {}, 'Invoices'),
      section(
        'Drafts (no number yet)',
        drafts.length
          ? h('ul#drafts', {}, drafts.map((d) => h('li', {}, h('a', { href: `#/invoices/draft/${d.id}` }, d.customer_name ?? 'walk-in'), ` · ${d.lines.length} line(s) · ${rupees(d.totals.grand_total)}`)))
          : h('p.muted', {}, 'No drafts.'),
        !can('create_invoices') ? null : h(
          'form.inline#counter-sale',
          {
            onsubmit: async (ev: Event) => {
              ev.preventDefault();
              const f = ev.target as HTMLFormElement;
              const it = items.find((i) => i.id === field(f, 'item'));
              const line = it
                ? { kind: it.is_service ? 'service' : 'part', item: it.id, description: it.name, hsn_sac: it.hsn_sac, qty: field(f, 'qty') || '1', unit: it.unit, unit_price: it.sale_price, gst_rate: it.gst_rate }
                : undefined;
              const body = { customer_name: field(f, 'customer_name') || undefined, customer_gstin: field(f, 'customer_gstin') || undefined, lines: line ? [line] : [] };
              const d = await act(() => post<{ id: string }>('/api/drafts', body), 'Draft made');
              if (d) go(`#/invoices/draft/${d.id}`);
            },
          },
          input('Counter sale for', 'customer_name', { placeholder: 'walk-in' }),
          input('GSTIN (B2B)', 'customer_gstin', { maxlength: 15 }),
          select('Item', 'item', items.map((i): [string, string] => [i.id, `${i.name} · ${rupees(i.sale_price)}`])),
          input('Qty', 'qty', { value: '1', inputmode: 'decimal', size: 4 }),
          h('button', { type: 'submit', 'data-action': 'create_invoices' }, 'New counter sale'),
        ),
      ),
      section(
        'Documents issued',
        h(
          'div.toolbar',
          {},
          h('input#doc-search', { type: 'search', placeholder: 'Number or customer', 'aria-label': 'Search documents', 'data-search': true, oninput: () => filterDocs() }),
          h('input#doc-from', { type: 'date', 'aria-label': 'From date', onchange: () => filterDocs() }),
          h('input#doc-to', { type: 'date', 'aria-label': 'To date', onchange: () => filterDocs() }),
          h('label.check', {}, h('input#doc-unpaid', { type: 'checkbox', onchange: () => filterDocs() }), 'Unpaid only'),
        ),
        h(
          'table#documents',
          {},
          h('thead', {}, h('tr', {}, ['Number', 'Date', 'Type', 'Customer', 'Total', 'Paid', 'Due', ''].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            docs.map((d) =>
              h(
                'tr',
                { class: d.cancelled ? 'cancelled' : '', 'data-number': d.number.toLowerCase(), 'data-customer': (d.customer_name ?? '').toLowerCase(), 'data-date': d.date, 'data-due': d.balance_due },
                h('td', {}, h('a', { href: `#/invoices/doc/${d.id}` }, d.number)),
                h('td', {}, date(d.date)),
                h('td', {}, d.doc_type === 'credit_note' ? 'credit note' : 'tax invoice'),
                h('td', {}, d.customer_name ?? ''),
                h('td.num', {}, rupees(d.grand_total)),
                h('td.num', {}, rupees(d.paid)),
                h('td.num', {}, rupees(d.balance_due)),
                h('td', {}, d.cancelled ? 'cancelled' : ''),
              ),
            ),
          ),
        ),
      ),
    );
  },
});

const MODE: Record<string, string> = { cash: 'Cash', upi: 'UPI', card: 'Card', bank: 'Bank transfer' };

/** Show the documents that match the search, the dates and "unpaid only". */
function filterDocs(): void {
  const v = (id: string) => (document.getElementById(id) as HTMLInputElement | null)?.value.trim().toLowerCase() ?? '';
  const q = v('doc-search');
  const [from, to] = [v('doc-from'), v('doc-to')];
  const unpaid = (document.getElementById('doc-unpaid') as HTMLInputElement | null)?.checked ?? false;
  for (const tr of document.querySelectorAll<HTMLTableRowElement>('#documents tbody tr')) {
    const d = tr.dataset;
    const show =
      (!q || (d.number ?? '').includes(q) || (d.customer ?? '').includes(q)) &&
      (!from || (d.date ?? '') >= from) &&
      (!to || (d.date ?? '') <= to) &&
      (!unpaid || !/^0(\.0+)?$/.test(d.due ?? '0'));
    tr.hidden = !show;
  }
}

/** A receipt for one payment, on the 80 mm roll. */
function receiptHtml(d: Document, p: Payment): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Receipt ${esc(d.number)}</title>
<style>@page{size:80mm auto;margin:4mm}body{font:12px/1.4 monospace;width:72mm;margin:0;overflow-wrap:anywhere}h1{font-size:15px;margin:0}hr{border:0;border-top:1px dashed #000}.amt{font-size:18px;font-weight:bold}</style></head><body>
${shopHead(state.session?.shop)}<hr><div><b>Payment receipt</b> · ${esc(dateTime(p.at))}</div>
<div>Against invoice ${esc(d.number)} (${esc(date(d.date))})</div><div>${esc(d.customer_name ?? 'walk-in')}</div><hr>
<div class="amt">${rupees(p.amount)}</div><div>${esc(MODE[p.mode] ?? p.mode)}${p.reference ? ` · ref ${esc(p.reference)}` : ''}</div>
<div>Invoice total ${rupees(d.grand_total)} · balance due ${rupees(d.balance_due)}</div><hr><div>Thank you.</div></body></html>`;
}

async function draftScreen(root: HTMLElement, id: string): Promise<void> {
  const drafts = await get<Draft[]>('/api/drafts');
  const d = drafts.find((x) => x.id === id);
  if (!d) {
    root.append(h('p', {}, 'This draft is gone (finalized or deleted). '), h('a', { href: '#/invoices' }, 'Back to invoices'));
    return;
  }
  const byRate = (d.totals as unknown as { by_rate?: Record<string, Record<string, string>> }).by_rate ?? {};
  root.append(
    h('h1', {}, `Draft invoice · ${d.customer_name ?? 'walk-in'}`),
    h('p.muted', {}, `Place of supply: ${d.place_of_supply_name ?? d.place_of_supply} (${d.place_of_supply}) · ${d.customer_gstin ? `B2B, GSTIN ${d.customer_gstin}` : 'B2C'}`),
    section('Lines', lines(d.lines)),
    section(
      'GST by rate',
      h(
        'table#gst-by-rate',
        {},
        h('thead', {}, h('tr', {}, ['Rate', 'Taxable', 'CGST', 'SGST', 'IGST'].map((t) => h('th', {}, t)))),
        h('tbody', {}, Object.entries(byRate).map(([rate, r]) => h('tr', {}, h('td', {}, `${rate} %`), ['taxable', 'cgst', 'sgst', 'igst'].map((k) => h('td.num', {}, indian(r[k] ?? '0')))))),
      ),
      totals(d.totals),
    ),
    h(
      'form.actions#finalize-form',
      {
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const doc = await act(() => post<Document>(`/api/drafts/${id}/finalize`, { date: field(ev.target as HTMLFormElement, 'date') || undefined }), 'Invoice finalized');
          if (doc) go(`#/invoices/doc/${doc.id}`);
        },
      },
      input('Invoice date', 'date', { type: 'date', value: isoToday() }),
      h('button.primary#finalize', { type: 'submit', 'data-action': 'create_invoices' }, 'Finalize (takes the next number)'),
      h('button.danger', { type: 'button', 'data-action': 'create_invoices', onclick: async () => { if (await act(() => del(`/api/drafts/${id}`), 'Draft deleted')) go('#/invoices'); } }, 'Delete draft'),
    ),
  );
}

async function docScreen(root: HTMLElement, id: string): Promise<void> {
  const [d, payments] = await Promise.all([get<Document>(`/api/documents/${id}`), get<Payment[]>(`/api/payments?invoice=${id}`)]);
  const reload = () => go(`#/invoices/doc/${id}`);
  const isInvoice = d.doc_type === 'tax_invoice';
  append(root, [
    h('h1', {}, `${isInvoice ? 'Tax invoice' : 'Credit note'} `, h('span#doc-number', {}, d.number), d.cancelled ? h('span.badge', {}, 'cancelled') : null),
    h('p', {}, `${date(d.date)} · ${d.customer_name ?? 'walk-in'}${d.customer_gstin ? ` · GSTIN ${d.customer_gstin}` : ''} · place of supply ${d.place_of_supply_name ?? d.place_of_supply} (${d.place_of_supply})`),
    d.job ? h('p', {}, h('a', { href: `#/job/${d.job}` }, 'Open the job card')) : null,
    section('Lines', lines(d.lines), totals(d)),
    h(
      'div.actions',
      {},
      h('button#print-a4', { onclick: () => printDoc(id, 'a4') }, 'Print A4'),
      h('button#print-80mm', { onclick: () => printDoc(id, '80mm') }, 'Print 80 mm'),
    ),
    isInvoice
      ? section(
          'Payments',
          h('p', {}, 'Paid ', h('b#paid', {}, rupees(d.paid)), ' · balance due ', h('b#balance-due', {}, rupees(d.balance_due))),
          h('ul#payments', {}, payments.map((p) => h('li', {}, `${rupees(p.amount)} · ${MODE[p.mode] ?? p.mode}${p.reference ? ` (${p.reference})` : ''} · ${dateTime(p.at)} `, h('button.link.receipt', { type: 'button', onclick: () => printHtml(receiptHtml(d, p)) }, 'receipt')))),
          d.cancelled || d.balance_due === '0' || !can('record_payments')
            ? null
            : h(
                'form.inline#payment-form',
                {
                  onsubmit: async (ev: Event) => {
                    ev.preventDefault();
                    const f = ev.target as HTMLFormElement;
                    const body = { invoice: id, job: d.job ?? undefined, amount: field(f, 'amount'), mode: field(f, 'mode'), reference: field(f, 'reference') || undefined };
                    await act(() => post('/api/payments', body), 'Payment recorded', reload);
                  },
                },
                input('Amount ₹', 'amount', { value: d.balance_due, inputmode: 'decimal' }),
                select('Mode', 'mode', [['cash', 'Cash'], ['upi', 'UPI'], ['card', 'Card'], ['bank', 'Bank transfer']]),
                input('Reference', 'reference', { placeholder: 'UPI ref / card slip' }),
                h('button.primary', { type: 'submit', 'data-action': 'record_payments' }, 'Record payment'),
              ),
        )
      : null,
    isInvoice && !d.cancelled && can('create_invoices')
      ? section(
          'Cancel or credit',
          h(
            'form.inline#cancel-form',
            {
              onsubmit: async (ev: Event) => {
                ev.preventDefault();
                await act(() => post(`/api/documents/${id}/cancel`, { reason: field(ev.target as HTMLFormElement, 'reason') }), 'Invoice cancelled; its number is kept', reload);
              },
            },
            input('Reason', 'reason'),
            h('button.danger', { type: 'submit', 'data-action': 'create_invoices' }, 'Cancel invoice'),
          ),
          h(
            'form.inline#credit-form',
            {
              onsubmit: async (ev: Event) => {
                ev.preventDefault();
                const cn = await act(() => post<Document>('/api/credit-notes', { invoice: id, reason: field(ev.target as HTMLFormElement, 'reason') }), 'Credit note issued');
                if (cn) go(`#/invoices/doc/${cn.id}`);
              },
            },
            input('Reason', 'reason'),
            h('button', { type: 'submit', 'data-action': 'create_invoices' }, 'Issue credit note (whole invoice)'),
          ),
        )
      : null,
  ]);
}
