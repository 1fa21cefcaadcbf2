// Intake at the counter: find the customer by mobile as you type (or enter a
// new one), the device, complaint, accessories received, condition and the
// customer's device password or pattern; saving opens the job card and shows
// the intake slip with the delivery OTP, ready for the 80 mm printer.

import { Customer, JobDetail, Shop, User, get, post } from '../api.js';
import { act, go, register, section, state } from '../app.js';
import { clear, field, h, input, select, textarea } from '../dom.js';
import { date, dateTime } from '../format.js';
import { esc, printHtml } from '../print.js';

const ACCESSORIES = ['Charger', 'Power cable', 'Battery', 'Bag', 'Mouse', 'Keyboard', 'HDD/SSD', 'Pen drive'];
const DEVICE_TYPES = ['Laptop', 'Desktop', 'All-in-one', 'Printer', 'Monitor', 'Tablet', 'Phone', 'Other'];

/** A 3×3 pattern lock: clicking dots in order records "1-5-9". */
function patternPad(onChange: (p: string) => void): HTMLElement {
  const seq: number[] = [];
  const shown = h('span.pattern-value', {}, '');
  const pad = h('div.pattern', { role: 'group', 'aria-label': 'Pattern lock' });
  for (let i = 1; i <= 9; i++) {
    const dot = h('button.dot', { type: 'button', 'data-dot': i, 'aria-label': `dot ${i}` }, String(i));
    dot.addEventListener('click', () => {
      if (seq.includes(i)) return;
      seq.push(i);
      dot.classList.add('on');
      shown.textContent = seq.join('-');
      onChange(seq.join('-'));
    });
    pad.append(dot);
  }
  const reset = h('button.link', {
    type: 'button',
    onclick: () => {
      seq.length = 0;
      shown.textContent = '';
      onChange('');
      pad.querySelectorAll('.dot').forEach((d) => d.classList.remove('on'));
    },
  }, 'clear');
  return h('div', {}, pad, shown, ' ', reset);
}

/** The shop's identity at the head of every print: name, address, GSTIN. */
export function shopHead(shop: Shop | undefined): string {
  if (!shop) return '<h1>Repair Desk</h1>';
  return `<h1>${esc(shop.name)}</h1><div>${esc(shop.address)}</div><div>GSTIN ${esc(shop.gstin)}</div>`;
}

/** The intake slip for the 80 mm roll; `otp` null on a reprint that keeps
 *  the customer's first OTP. Fits 72 mm of printable width. */
export function slipHtml(j: JobDetail, otp: string | null, shop: Shop | undefined): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Intake slip ${esc(j.job_no)}</title>
<style>@page{size:80mm auto;margin:4mm}body{font:12px/1.35 monospace;width:72mm;margin:0;overflow-wrap:anywhere}h1{font-size:15px;margin:0 0 2px}
.otp{font-size:20px;font-weight:bold;letter-spacing:3px;border:1px dashed #000;padding:4px;text-align:center;margin:6px 0}
table{width:100%;border-collapse:collapse;table-layout:fixed}td{vertical-align:top;padding:1px 2px}td:first-child{width:24mm}hr{border:0;border-top:1px dashed #000}</style></head><body>
<div class="page">${shopHead(shop)}<hr><div>Intake slip · ${esc(dateTime(j.opened_at))}${otp === null ? ' · reprint' : ''}</div><hr>
<table><tr><td>Job</td><td><b>${esc(j.job_no)}</b></td></tr>
<tr><td>Customer</td><td>${esc(j.customer_name)}<br>${esc(j.customer_mobile)}</td></tr>
<tr><td>Device</td><td>${esc([j.device_type, j.brand, j.model].filter(Boolean).join(' '))}</td></tr>
<tr><td>Serial</td><td>${esc(j.serial)}</td></tr>
<tr><td>Complaint</td><td>${esc(j.complaint)}</td></tr>
<tr><td>Accessories</td><td>${esc(j.accessories.join(', ') || 'none')}</td></tr>
<tr><td>Condition</td><td>${esc(j.condition)}</td></tr>
${j.technician_name ? `<tr><td>Technician</td><td>${esc(j.technician_name)}</td></tr>` : ''}
${j.promised ? `<tr><td>Promised</td><td>${esc(date(j.promised))}</td></tr>` : ''}</table><hr>
${otp === null ? '<div>Delivery OTP: as on your first slip (ask the counter for a new one if it is lost).</div>' : `<div>Delivery OTP — show this at pick-up:</div><div class="otp">${esc(otp)}</div>`}
<div>We are not responsible for data loss. Devices not collected within 90 days may be disposed of.</div>
<br><div>Customer signature ____________________</div></div></body></html>`;
}

register('intake', {
  name: 'intake',
  async render(root) {
    const techs = (await get<User[]>('/api/users').catch(() => [] as User[])).filter((u) => u.role === 'technician' && u.active);
    let chosen: Customer | null = null;
    let pattern = '';
    const matches = h('div.matches#customer-matches', { role: 'listbox' });
    const chosenBox = h('div.chosen');
    const newCustomer = h(
      'div.grid2#new-customer',
      {},
      input('Customer name', 'customer_name', { autocomplete: 'off' }),
      input('Email (optional)', 'customer_email', { type: 'email' }),
      input('GSTIN (B2B, optional)', 'customer_gstin', { maxlength: 15 }),
      input('Address (optional)', 'customer_address'),
    );
    const choose = (c: Customer | null) => {
      chosen = c;
      clear(chosenBox);
      clear(matches);
      newCustomer.hidden = !!c;
      if (c) {
        chosenBox.append(
          h('span', {}, `✔ ${c.name} · ${c.mobile}`),
          ' ',
          h('button.link', { type: 'button', onclick: () => choose(null) }, 'change'),
        );
      }
    };
    let seq = 0;
    const mobile = h('input', {
      name: 'mobile',
      inputmode: 'tel',
      maxlength: 20,
      autocomplete: 'off',
      required: true,
      'data-search': true,
      placeholder: '10-digit mobile (+91 is fine)',
    }) as HTMLInputElement;
    mobile.addEventListener('input', async () => {
      const typed = mobile.value.trim();
      // "+91 98765 43211" and "098765 43211" search as the 10 digits kept.
      const digits = typed.replace(/[\s-]/g, '').replace(/^\+?91(?=\d{10}$)/, '').replace(/^0(?=\d{10}$)/, '');
      const q = /^\+?[\d\s-]+$/.test(typed) ? digits : typed;
      const mine = ++seq;
      if (chosen && chosen.mobile !== q) choose(null);
      if (q.length < 3) {
        clear(matches);
        return;
      }
      const found = await get<Customer[]>(`/api/customers?q=${encodeURIComponent(q)}`).catch(() => []);
      if (mine !== seq) return; // a newer keystroke won
      clear(matches);
      for (const c of found.slice(0, 8)) {
        matches.append(
          h('button.match', { type: 'button', role: 'option', onclick: () => { mobile.value = c.mobile; choose(c); } }, `${c.name} · ${c.mobile}`),
        );
      }
    });
    mobile.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowDown') {
        (matches.querySelector('button') as HTMLElement | null)?.focus();
        ev.preventDefault();
      }
    });
    const pwKind = h(
      'select',
      { name: 'password_kind', 'aria-label': 'Device password kind' },
      h('option', { value: '' }, 'No password'),
      h('option', { value: 'pin' }, 'PIN'),
      h('option', { value: 'text' }, 'Password'),
      h('option', { value: 'pattern' }, 'Pattern'),
    ) as HTMLSelectElement;
    const pwValue = h('input', { name: 'password_value', type: 'text', autocomplete: 'off', placeholder: 'as the customer gives it', hidden: true }) as HTMLInputElement;
    const pad = patternPad((p) => (pattern = p));
    pad.hidden = true;
    pwKind.addEventListener('change', () => {
      pwValue.hidden = pwKind.value === '' || pwKind.value === 'pattern';
      pad.hidden = pwKind.value !== 'pattern';
    });

    const form = h(
      'form#intake-form',
      {
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const f = ev.target as HTMLFormElement;
          const accessories = ACCESSORIES.filter((a) => (f.elements.namedItem(`acc-${a}`) as HTMLInputElement).checked);
          const other = field(f, 'accessory_other');
          if (other) accessories.push(other);
          const kind = pwKind.value;
          const value = kind === 'pattern' ? pattern : pwValue.value;
          const opt = (s: string) => (s ? s : undefined);
          const body = {
            customer: chosen?.id,
            new_customer: chosen
              ? undefined
              : {
                  name: field(f, 'customer_name'),
                  mobile: mobile.value.trim(),
                  email: opt(field(f, 'customer_email')),
                  gstin: opt(field(f, 'customer_gstin')),
                  address: opt(field(f, 'customer_address')),
                },
            device_type: field(f, 'device_type'),
            brand: field(f, 'brand'),
            model: field(f, 'model'),
            serial: field(f, 'serial'),
            complaint: field(f, 'complaint'),
            accessories,
            condition: field(f, 'condition'),
            password: kind ? { kind, value } : undefined,
            promised: opt(field(f, 'promised')),
            technician: opt(field(f, 'technician')),
          };
          const r = await act(() => post<{ job: JobDetail; otp: string }>('/api/jobs', body), 'Job card opened');
          if (r) showSlip(root, r.job, r.otp);
        },
      },
      section(
        'Customer',
        h('label.field', {}, h('span', {}, 'Mobile'), mobile),
        matches,
        chosenBox,
        newCustomer,
      ),
      section(
        'Device',
        h(
          'div.grid2',
          {},
          select('Device type', 'device_type', DEVICE_TYPES.map((t) => [t, t])),
          input('Brand', 'brand'),
          input('Model', 'model'),
          input('Serial / IMEI', 'serial'),
          input('Promised by', 'promised', { type: 'date' }),
          select('Technician', 'technician', [['', 'decide later'], ...techs.map((u): [string, string] => [u.id, u.name])]),
        ),
        textarea('Complaint', 'complaint', { required: true }),
        h(
          'fieldset.accessories',
          {},
          h('legend', {}, 'Accessories received'),
          ACCESSORIES.map((a) => h('label.check', {}, h('input', { type: 'checkbox', name: `acc-${a}` }), a)),
          h('input', { name: 'accessory_other', placeholder: 'other…', 'aria-label': 'Other accessory' }),
        ),
        textarea('Condition (scratches, dents, missing keys…)', 'condition'),
        h('div.field', {}, h('span', {}, 'Device password'), pwKind, pwValue, pad),
      ),
      h('div.actions', {}, h('button.primary#open-job', { type: 'submit' }, 'Open job card'), h('span.muted', {}, 'Alt+N from anywhere')),
    );
    root.append(h('h1', {}, 'New job card'), form);
    mobile.focus();
  },
});

function showSlip(root: HTMLElement, j: JobDetail, otp: string): void {
  clear(root);
  root.append(
    h('h1', {}, `Job ${j.job_no} opened`),
    section(
      'Intake slip',
      h('p', {}, `${j.customer_name} · ${j.customer_mobile} · ${[j.device_type, j.brand, j.model].filter(Boolean).join(' ')}`),
      h('p', {}, 'Delivery OTP: ', h('b#otp.otp', {}, otp)),
      h('p.muted', {}, 'Only the OTP’s hash is kept: print the slip now. If the customer loses it, the job card gives a new OTP and slip.'),
      h(
        'div.actions',
        {},
        h('button.primary#print-slip', { onclick: () => printHtml(slipHtml(j, otp, state.session?.shop)) }, 'Print slip (80 mm)'),
        h('a.button#to-job', { href: `#/job/${j.id}` }, 'Open the job card'),
        h('button', { onclick: () => go('#/intake') }, 'Next customer'),
      ),
    ),
  );
}
