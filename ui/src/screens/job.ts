// One job card: the whole story (timeline), diagnosis and notes, the
// estimate and the customer's decision, parts used from what this device
// holds, technician, status moves (with manager overrides and delivery by OTP
// or signature), the device password behind a logged reveal, and billing.

import { Document, Item, JobDetail, User, del, get, post, put } from '../api.js';
import { act, can, go, register, section, shopName, state } from '../app.js';
import { field, h, input, select, textarea } from '../dom.js';
import { dateTime, date, indian, rupees, statusLabel } from '../format.js';
import { sha256Hex } from '../sha256.js';
import { esc, printHtml } from '../print.js';
import { shopHead, slipHtml } from './intake.js';

// The next steps and the override targets come with the job card from the
// API (`next_steps`, `override_to`): the lifecycle has one definition, in
// the rule book.

function lineTotal(qty: string, price: string, discount: string): string {
  // Display only, in paise with integers: the invoice's figures come from the API.
  const paise = (s: string) => {
    const [i, f = ''] = s.split('.');
    return BigInt(i || '0') * 100n + BigInt((f + '00').slice(0, 2));
  };
  const [qi, qf = ''] = qty.split('.');
  const qMilli = BigInt(qi || '0') * 1000n + BigInt((qf + '000').slice(0, 3));
  const gross = (paise(price) * qMilli + 500n) / 1000n - paise(discount || '0');
  const neg = gross < 0n;
  const a = neg ? -gross : gross;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

/** A signature pad; the job records the SHA-256 of the drawing. */
function signaturePad(): { el: HTMLElement; digest(): string | null } {
  const canvas = h('canvas.signature', { width: 360, height: 120, 'aria-label': 'Customer signature' }) as HTMLCanvasElement;
  const ctx = canvas.getContext('2d')!;
  let drawn = false;
  let down = false;
  canvas.addEventListener('pointerdown', (e) => {
    down = true;
    ctx.beginPath();
    ctx.moveTo(e.offsetX, e.offsetY);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!down) return;
    ctx.lineTo(e.offsetX, e.offsetY);
    ctx.stroke();
    drawn = true;
  });
  canvas.addEventListener('pointerup', () => (down = false));
  const clearBtn = h('button.link', { type: 'button', onclick: () => { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; } }, 'clear');
  return {
    el: h('div', {}, canvas, clearBtn),
    digest() {
      if (!drawn) return null;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      return sha256Hex(new Uint8Array(data.buffer));
    },
  };
}

/** The estimate's totals, as the invoice will compute them. */
function estimateTotals(j: JobDetail): HTMLElement | null {
  const t = j.estimate_totals;
  if (!t) return null;
  const row = (k: string, v: string, id?: string) => h('tr', id ? { id } : {}, h('th', {}, k), h('td.num', {}, rupees(v)));
  return h(
    'table.totals#estimate-totals',
    {},
    row('Taxable value', t.taxable),
    t.igst !== '0' ? row('IGST', t.igst) : null,
    t.cgst !== '0' ? row('CGST', t.cgst) : null,
    t.sgst !== '0' ? row('SGST', t.sgst) : null,
    t.round_off !== '0' ? row('Round off', t.round_off) : null,
    row('Estimate total', t.grand_total, 'estimate-total'),
  );
}

/** The estimate as a page: printed for the customer, or sent on WhatsApp. */
function estimateHtml(j: JobDetail): string {
  const t = j.estimate_totals!;
  const live = j.estimate.filter((l) => !l.removed);
  const tr = (cells: string[]) => `<tr>${cells.map((c, i) => `<td${i ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Estimate ${esc(j.job_no)}</title>
<style>@page{size:A4;margin:14mm}body{font:12px/1.4 system-ui,sans-serif;margin:0;overflow-wrap:anywhere}h1{font-size:18px;margin:0}
table{width:100%;border-collapse:collapse;margin:8px 0}td,th{border:1px solid #999;padding:3px 5px;text-align:left}.num{text-align:right}</style></head><body>
${shopHead(state.session?.shop)}<h2>Estimate for job ${esc(j.job_no)}</h2>
<div>${esc(j.customer_name)} · ${esc(j.customer_mobile)} · ${esc([j.device_type, j.brand, j.model].filter(Boolean).join(' '))}</div>
<table><tr><th>Description</th><th>HSN/SAC</th><th class="num">Qty</th><th class="num">Rate</th><th class="num">GST %</th><th class="num">Taxable</th></tr>
${live.map((l) => tr([esc(l.description), esc(l.hsn_sac), `${esc(l.qty)} ${esc(l.unit)}`, rupees(l.unit_price), esc(l.gst_rate), rupees(lineTotal(l.qty, l.unit_price, l.discount))])).join('')}</table>
<table style="width:auto;margin-left:auto">${tr(['Taxable value', rupees(t.taxable)])}${t.igst !== '0' ? tr(['IGST', rupees(t.igst)]) : ''}${t.cgst !== '0' ? tr(['CGST', rupees(t.cgst)]) : ''}${t.sgst !== '0' ? tr(['SGST', rupees(t.sgst)]) : ''}${tr(['<b>Total</b>', `<b>${rupees(t.grand_total)}</b>`])}</table>
<p>This is an estimate, not a tax invoice. Prices hold for 7 days.</p></body></html>`;
}

function estimateActions(j: JobDetail): HTMLElement | null {
  if (!j.estimate_totals) return null;
  const text = `${shopName()}: estimate for job ${j.job_no} (${[j.brand, j.model].filter(Boolean).join(' ') || j.device_type}): ${rupees(j.estimate_totals.grand_total)} incl. GST. Reply YES to go ahead.`;
  return h(
    'div.actions',
    {},
    h('button#print-estimate', { type: 'button', onclick: () => printHtml(estimateHtml(j)) }, 'Print estimate'),
    h('a.button#share-estimate', { href: `https://wa.me/91${j.customer_mobile}?text=${encodeURIComponent(text)}`, target: '_blank', rel: 'noopener' }, 'Send on WhatsApp'),
  );
}

register('job', {
  name: 'job card',
  async render(root, [id]) {
    const [j, users, items, docs] = await Promise.all([
      get<JobDetail>(`/api/jobs/${id}`),
      get<User[]>('/api/users').catch(() => [] as User[]),
      get<Item[]>('/api/items').catch(() => [] as Item[]),
      get<Document[]>(`/api/documents?job=${id}`).catch(() => [] as Document[]),
    ]);
    const closed = j.status === 'delivered' || j.status === 'cancelled';
    const otpOut = h('b#new-otp-out.otp');
    const reload = () => go(`#/job/${id}`);

    const header = h(
      'div.job-head',
      {},
      h('h1', {}, `Job ${j.job_no} `, h('span.status#job-status', { 'data-status': j.status }, statusLabel(j.status))),
      h('p', {}, `${j.customer_name} · ${j.customer_mobile} · `, h('a', { href: `#/customer/${j.customer}` }, 'history')),
      h('p', {}, [j.device_type, j.brand, j.model].filter(Boolean).join(' '), j.serial ? ` · S/N ${j.serial}` : '', j.promised ? ` · promised ${date(j.promised)}` : ''),
      h('p.muted', {}, `Complaint: ${j.complaint}`),
      h('p.muted', {}, `Accessories: ${j.accessories.join(', ') || 'none'} · Condition: ${j.condition || '—'}`),
      j.field_conflicts.length
        ? h('p.warn#conflict-note', {}, 'Two people changed this job at once while offline; ', h('a', { href: '#/attention' }, 'review the conflict'), '.')
        : j.status_conflicts
          ? h(
              'p.warn#conflict-note',
              {},
              'Two people moved this job at once while offline; one move was kept, the other is ',
              h('button.link', { type: 'button', onclick: () => document.getElementById('timeline')?.scrollIntoView() }, 'in the timeline'),
              '.',
            )
          : null,
      closed ? h('p.muted', {}, 'This job is closed and can no longer be edited.') : null,
      h(
        'div.actions',
        {},
        h('button#reprint-slip', { type: 'button', onclick: () => printHtml(slipHtml(j, null, state.session?.shop)) }, 'Reprint slip'),
        !closed && can('create_jobs')
          ? h(
              'button#new-otp',
              {
                type: 'button',
                'data-action': 'create_jobs',
                onclick: async () => {
                  if (!confirm('Give the customer a new delivery OTP? The old one stops working.')) return;
                  const r = await act(() => post<{ job: JobDetail; otp: string }>(`/api/jobs/${id}/otp`), 'New OTP made; print the slip');
                  if (r) {
                    otpOut.textContent = `New delivery OTP: ${r.otp}`;
                    printHtml(slipHtml(r.job, r.otp, state.session?.shop));
                  }
                },
              },
              'New OTP and slip',
            )
          : null,
        otpOut,
      ),
    );

    // Status moves.
    const sig = signaturePad();
    const statusForm = h(
      'form#status-form',
      {
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const f = ev.target as HTMLFormElement;
          const to = (ev as SubmitEvent).submitter?.getAttribute('data-to') ?? field(f, 'override_to');
          const body: Record<string, unknown> = { to };
          const note = field(f, 'note');
          if (note) body.note = note;
          if ((ev as SubmitEvent).submitter?.id === 'override') body.override_reason = field(f, 'override_reason');
          if (to === 'approved' && field(f, 'approved_by')) {
            body.approval = { by: field(f, 'approved_by'), channel: field(f, 'approval_channel'), amount: field(f, 'approved_amount') };
          }
          if (to === 'delivered') {
            const otp = field(f, 'otp');
            const s = sig.digest();
            if (otp) body.otp = otp;
            else if (s) body.signature_sha256 = s;
            if (field(f, 'allow_balance_due')) body.allow_balance_due = true;
          }
          await act(() => post(`/api/jobs/${id}/status`, body), `Moved to ${statusLabel(to)}`, reload);
        },
      },
      h(
        'div.actions',
        {},
        j.next_steps.map((s) =>
          h('button', { type: 'submit', 'data-to': s, 'data-action': s === 'delivered' ? 'deliver_jobs' : s === 'cancelled' ? 'cancel_jobs' : 'update_job_status', class: s === 'cancelled' ? 'danger' : 'primary' }, statusLabel(s)),
        ),
      ),
      j.next_steps.length || j.override_to.length ? input('Note (optional; the reason when a manager allows delivery)', 'note') : null,
      j.next_steps.includes('approved')
        ? h(
            'fieldset#approval',
            {},
            h('legend', {}, 'The customer’s approval (recorded with the move to Approved)'),
            h(
              'div.grid2',
              {},
              input('Approved by', 'approved_by', { value: j.customer_name }),
              select('How', 'approval_channel', [['in_person', 'In person'], ['phone', 'Phone call'], ['whatsapp', 'WhatsApp']]),
              input('Amount approved ₹', 'approved_amount', { inputmode: 'decimal', value: j.estimate_totals?.grand_total ?? '' }),
            ),
          )
        : null,
      j.next_steps.includes('delivered')
        ? h(
            'fieldset',
            {},
            h('legend', {}, 'Delivery: the customer’s OTP, or their signature'),
            j.delivery_warnings.length ? h('ul.warn#delivery-warnings', {}, j.delivery_warnings.map((w) => h('li', {}, w))) : null,
            input('OTP', 'otp', { inputmode: 'numeric', autocomplete: 'off' }),
            sig.el,
            j.delivery_warnings.length && can('override_status')
              ? h('label.check', {}, h('input', { type: 'checkbox', name: 'allow_balance_due', 'data-action': 'override_status' }), 'Allow delivery anyway (the note is the reason, recorded)')
              : j.delivery_warnings.length
                ? h('p.muted', {}, 'A manager must allow this delivery.')
                : null,
          )
        : null,
      j.next_steps.length === 0 && j.override_to.length === 0 ? h('p.muted', {}, 'Nothing for you to move here; the counter or a manager takes it on.') : null,
      j.override_to.length
        ? h(
            'details',
            {},
            h('summary', {}, 'Manager override (skip steps)'),
            select('Move to', 'override_to', j.override_to.map((s) => [s, statusLabel(s)])),
            input('Reason (recorded)', 'override_reason'),
            h('button#override', { type: 'submit', 'data-action': 'override_status' }, 'Override'),
          )
        : null,
    );

    // Technician.
    const techs = users.filter((u) => u.role === 'technician' && (u.active || u.id === j.technician));
    const assign = can('assign_technicians') && !closed
      ? h(
          'form.inline#assign-form',
          {
            onsubmit: async (ev: Event) => {
              ev.preventDefault();
              const t = field(ev.target as HTMLFormElement, 'technician');
              await act(() => post(`/api/jobs/${id}/assign`, { technician: t || null }), 'Technician assigned', reload);
            },
          },
          select('Technician', 'technician', [['', 'unassigned'], ...techs.map((u): [string, string] => [u.id, u.name])], { value: j.technician ?? '' }),
          h('button', { type: 'submit', 'data-action': 'assign_technicians' }, 'Assign'),
        )
      : h('p', {}, `Technician: ${j.technician_name ?? 'unassigned'}`);

    // Diagnosis and notes: merged character by character across devices.
    const textForm = (name: 'diagnosis' | 'notes', label: string, value: string) =>
      h(
        `form.text#${name}-form`,
        {
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            const text = (ev.target as HTMLFormElement).elements.namedItem(name) as HTMLTextAreaElement;
            // The version this screen showed: the device merges the edit
            // from it, so words that arrived since are kept, not deleted.
            const version = name === 'diagnosis' ? j.diagnosis_version : j.notes_version;
            await act(() => put(`/api/jobs/${id}/${name}`, { text: text.value, version }), `${label} saved`, reload);
          },
        },
        textarea(label, name, { value, rows: 4, disabled: closed || !can('add_diagnosis') }),
        closed || !can('add_diagnosis') ? null : h('button', { type: 'submit', 'data-action': 'add_diagnosis' }, `Save ${label.toLowerCase()}`),
      );

    // Estimate.
    const live = j.estimate.filter((l) => !l.removed);
    const estimate = h(
      'table.lines#estimate',
      {},
      h('thead', {}, h('tr', {}, ['Description', 'HSN/SAC', 'Qty', 'Rate', 'Discount', 'GST %', 'Taxable', ''].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        live.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, l.description),
            h('td', {}, l.hsn_sac),
            h('td.num', {}, `${l.qty} ${l.unit}`),
            h('td.num', {}, indian(l.unit_price)),
            h('td.num', {}, indian(l.discount)),
            h('td.num', {}, l.gst_rate),
            h('td.num', {}, indian(lineTotal(l.qty, l.unit_price, l.discount))),
            h('td', {}, closed || !can('add_diagnosis') ? null : h('button.link', { 'data-action': 'add_diagnosis', onclick: async () => { await act(() => del(`/api/jobs/${id}/estimate/${l.id}`), 'Line removed', reload); } }, 'remove')),
          ),
        ),
      ),
    );
    const itemOpts: [string, string][] = [['', '— service / free text —'], ...items.map((i): [string, string] => [i.id, `${i.name} (${i.sku})`])];
    const lineForm = closed || !can('add_diagnosis')
      ? null
      : h(
          'form.grid4#line-form',
          {
            onsubmit: async (ev: Event) => {
              ev.preventDefault();
              const f = ev.target as HTMLFormElement;
              const item = field(f, 'item');
              const body = {
                kind: item ? 'part' : 'service',
                item: item || undefined,
                description: field(f, 'description'),
                hsn_sac: field(f, 'hsn_sac'),
                qty: field(f, 'qty'),
                unit: item ? items.find((i) => i.id === item)?.unit ?? 'nos' : 'nos',
                unit_price: field(f, 'unit_price'),
                discount: field(f, 'discount') || '0',
                gst_rate: field(f, 'gst_rate'),
              };
              await act(() => post(`/api/jobs/${id}/estimate`, body), 'Line added', reload);
            },
          },
          select('Item', 'item', itemOpts, {
            onchange: (ev: Event) => {
              const f = (ev.target as HTMLSelectElement).form!;
              const it = items.find((i) => i.id === (ev.target as HTMLSelectElement).value);
              const set = (n: string, v: string) => ((f.elements.namedItem(n) as HTMLInputElement).value = v);
              if (it) {
                set('description', it.name);
                set('hsn_sac', it.hsn_sac);
                set('unit_price', it.sale_price);
                set('gst_rate', it.gst_rate);
              }
            },
          }),
          input('Description', 'description', { required: true }),
          input('HSN/SAC', 'hsn_sac', { value: '998713', required: true }),
          input('Qty', 'qty', { value: '1', inputmode: 'decimal' }),
          input('Rate ₹', 'unit_price', { inputmode: 'decimal', required: true }),
          input('Discount ₹', 'discount', { value: '0', inputmode: 'decimal' }),
          input('GST %', 'gst_rate', { value: '18', inputmode: 'decimal' }),
          h('button', { type: 'submit', 'data-action': 'add_diagnosis' }, 'Add line'),
        );

    // Parts used: only from what this device holds.
    const held = items.filter((i) => !i.is_service && i.held_here !== '0');
    const parts = h(
      'div',
      {},
      h('ul#parts-used', {}, j.parts_used.map((p) => h('li', {}, `${p.qty} × ${(p as unknown as { item_name: string }).item_name ?? p.item} · ${dateTime(p.at)}`))),
      closed || !can('use_parts')
        ? null
        : held.length === 0
        ? h('p.muted', {}, 'This device holds no parts to use.')
        : h(
            'form.inline#use-form',
            {
              onsubmit: async (ev: Event) => {
                ev.preventDefault();
                const f = ev.target as HTMLFormElement;
                await act(() => post('/api/stock/uses', { job: id, item: field(f, 'item'), qty: field(f, 'qty') }), 'Part used', reload);
              },
            },
            select('Part', 'item', held.map((i): [string, string] => [i.id, `${i.name} (${i.held_here} here)`])),
            input('Qty', 'qty', { value: '1', inputmode: 'decimal' }),
            h('button', { type: 'submit', 'data-action': 'use_parts' }, 'Use on this job'),
          ),
    );

    // Device password: each reveal is a signed, audited operation.
    const pwOut = h('output#password-out.secret');
    const password = j.has_password
      ? h(
          'div',
          {},
          h('p', {}, `The customer gave a ${j.password_kind ?? 'password'}. Every reveal is logged.`),
          can('access_device_passwords') ? h(
            'form.inline#reveal-form',
            {
              onsubmit: async (ev: Event) => {
                ev.preventDefault();
                const purpose = field(ev.target as HTMLFormElement, 'purpose') || 'diagnosis';
                const r = await act(() => post<{ password: string }>(`/api/jobs/${id}/password/reveal`, { purpose }));
                if (r) pwOut.textContent = r.password;
              },
            },
            input('Purpose', 'purpose', { value: 'diagnosis' }),
            h('button', { type: 'submit', 'data-action': 'access_device_passwords' }, 'Reveal password'),
            pwOut,
          ) : h('p.muted', {}, 'A technician or manager opens it when the repair needs it.'),
          h('ul.muted', {}, j.password_reads.map((r) => h('li', {}, `${dateTime(r.at)} · ${(r as { reader_name?: string }).reader_name ?? ''} · ${r.purpose ?? ''}`))),
        )
      : h('p.muted', {}, 'No device password was given.');

    // Billing.
    const billing = h(
      'div',
      {},
      docs.length
        ? h(
            'ul#job-documents',
            {},
            docs.map((d) =>
              h('li', {}, h('a', { href: `#/invoices/doc/${d.id}` }, d.number), ` · ${date(d.date)} · ${rupees(d.grand_total)}${d.cancelled ? ' · cancelled' : ''} · due ${rupees(d.balance_due)}`),
            ),
          )
        : h('p.muted', {}, 'Not billed yet.'),
      j.status === 'cancelled' || !can('create_invoices')
        ? null
        : h(
            'button#make-invoice',
            {
              'data-action': 'create_invoices',
              onclick: async () => {
                const d = await act(() => post<{ id: string }>('/api/drafts', { job: id }), 'Draft invoice made');
                if (d) go(`#/invoices/draft/${d.id}`);
              },
            },
            'Make invoice from this job',
          ),
    );

    const timeline = h(
      'ol.timeline#timeline',
      {},
      j.timeline.map((t) =>
        h(
          'li',
          { class: t.on_path ? '' : 'losing' },
          h('b', {}, `${t.from ? statusLabel(t.from) + ' → ' : ''}${statusLabel(t.to)}`),
          ` · ${t.author_name} · ${dateTime(t.at)}`,
          t.is_override ? h('span.badge', {}, `override: ${t.reason ?? ''}`) : null,
          t.note ? h('div.muted', {}, t.note) : null,
          t.on_path ? null : h('div.warn', {}, 'a concurrent move that did not win; kept for review'),
        ),
      ),
    );

    const EVENTS: Record<string, string> = {
      job_opened: 'Job received',
      estimate_shared: 'Estimate',
      job_ready: 'Ready for pickup',
      invoice_finalized: 'Invoice',
      payment_received: 'Payment received',
    };
    const messages = j.messages.length
      ? h(
          'ul.messages#messages',
          {},
          j.messages.map((m) =>
            h(
              'li',
              { 'data-status': m.status },
              h('b', {}, EVENTS[m.event] ?? m.event),
              ` · ${m.to} · ${dateTime(m.at)} `,
              h('span.badge', {}, m.status.replace('_', ' ') + (m.channel ? ` (${m.channel})` : '')),
              m.resend_of ? h('span.muted', {}, ' resent') : null,
              m.reason ? h('div.muted', {}, m.reason) : null,
              ['not_sent', 'failed', 'unknown'].includes(m.status)
                ? h(
                    'div',
                    {},
                    h(
                      'button.link',
                      {
                        type: 'button',
                        onclick: async () => {
                          const r = await act(() => get<{ link: string }>(`/api/messages/${m.id}/chat-link`));
                          if (r) window.open(r.link, '_blank', 'noopener');
                        },
                      },
                      'Send on WhatsApp',
                    ),
                    ' · ',
                    h(
                      'button.link',
                      { type: 'button', onclick: () => act(() => post(`/api/messages/${m.id}/resend`, {}), 'Will be sent again', async () => reload()) },
                      'Resend',
                    ),
                  )
                : null,
            ),
          ),
        )
      : h('p.muted', {}, 'No messages yet.');

    root.append(
      header,
      h(
        'div.cols',
        {},
        h(
          'div',
          {},
          closed ? null : section('Status', statusForm),
          section('Diagnosis', textForm('diagnosis', 'Diagnosis', j.diagnosis), textForm('notes', 'Notes', j.notes)),
          section('Estimate', estimate, estimateTotals(j), estimateActions(j), lineForm),
          section('Parts used', parts),
        ),
        h('div', {}, section('Technician', assign), section('Device password', password), section('Billing', billing), section('Timeline', timeline), section('Messages to the customer', messages, j.rating ? h('p#rating', {}, h('b', {}, 'Customer’s rating: '), '★'.repeat(j.rating.stars) + '☆'.repeat(5 - j.rating.stars), j.rating.comment ? ` — “${j.rating.comment}”` : '') : null)),
      ),
    );
  },
});

register('customer', {
  name: 'customer',
  async render(root, [id]) {
    const r = await get<{ customer: { name: string; mobile: string }; jobs: JobDetail[] }>(`/api/customers/${id}/history`);
    root.append(
      h('h1', {}, `${r.customer.name} · ${r.customer.mobile}`),
      section(
        'Jobs at this branch',
        h('ul', {}, r.jobs.map((j) => h('li', {}, h('a', { href: `#/job/${j.id}` }, j.job_no), ` · ${statusLabel(j.status)} · ${date(j.opened_at)} · ${[j.brand, j.model].filter(Boolean).join(' ')}`))),
      ),
    );
  },
});
