// Stock: what the branch and this device hold, low stock at the reorder
// level, receipts, adjustments, issue to a technician and return, transfers
// to another branch (sent, received with variance), and each item's ledger.

import { Device, Item, Transfer, User, get, post } from '../api.js';
import { act, can, go, register, section, state } from '../app.js';
import { clear, field, h, input, select } from '../dom.js';
import { dateTime, rupees } from '../format.js';

/** The action of the matrix each stock form needs. */
const FORM_ACTION: Record<string, string> = {
  'receipt-form': 'manage_inventory',
  'issue-form': 'manage_inventory',
  'return-form': 'use_parts',
  'adjust-form': 'manual_stock_adjust',
  'transfer-form': 'manage_inventory',
  'item-form': 'manage_inventory',
};

register('inventory', {
  name: 'inventory',
  async render(root, args) {
    const [items, devices, users, transfers, health] = await Promise.all([
      get<Item[]>(`/api/items${args[0] === 'low' ? '?low=true' : ''}`),
      get<Device[]>('/api/devices'),
      get<User[]>('/api/users').catch(() => [] as User[]),
      get<Transfer[]>('/api/transfers').catch(() => [] as Transfer[]),
      get<{ device: string }>('/health'),
    ]);
    const me = devices.find((d) => d.id === health.device);
    const myBranch = me?.branch ?? state.session?.branch;
    const reload = () => go(location.hash);
    const itemOpts = items.filter((i) => !i.is_service).map((i): [string, string] => [i.id, `${i.name} (${i.sku})`]);
    const itemName = (id: string) => items.find((i) => i.id === id)?.name ?? id.slice(0, 8);
    const form = (id: string, title: string, fields: HTMLElement[], send: (f: HTMLFormElement) => Promise<unknown>, ok: string) =>
      h(
        `form.card.small#${id}`,
        {
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            await act(() => send(ev.target as HTMLFormElement), ok, reload);
          },
        },
        h('h3', {}, title),
        ...fields,
        h('button', { type: 'submit', 'data-action': FORM_ACTION[id] }, title),
      );

    const ledger = h('div#ledger');
    const table = h(
      'table.stock#stock',
      {},
      h('thead', {}, h('tr', {}, ['SKU', 'Item', 'HSN/SAC', 'GST %', 'Price', 'Store', 'Branch', 'This device', 'In transit', 'Reorder at'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        items.map((i) =>
          h(
            'tr',
            { class: i.low_stock ? 'low' : '', 'data-sku': i.sku },
            h('td', {}, h('button.link', { onclick: () => showLedger(ledger, i) }, i.sku)),
            h('td', {}, i.name, i.low_stock ? h('span.badge', {}, 'low') : null),
            h('td', {}, i.hsn_sac),
            h('td.num', {}, i.gst_rate),
            h('td.num', {}, rupees(i.sale_price)),
            h('td.num', {}, i.in_store),
            h('td.num', {}, i.in_branch),
            h('td.num', {}, i.held_here),
            h('td.num', {}, i.in_transit),
            h('td.num', {}, i.reorder_level),
          ),
        ),
      ),
    );
    const myDevices = devices.filter((d) => d.branch === myBranch && !d.revoked && d.label !== 'hub');
    const otherStores = devices.filter((d) => d.branch !== myBranch && d.holds_store && !d.revoked);
    const techs = users.filter((u) => (u.role === 'technician' || u.role === 'manager') && u.active);
    root.append(
      h(
        'div.toolbar',
        {},
        h('h1', {}, 'Inventory'),
        h('a', { href: args[0] === 'low' ? '#/inventory' : '#/inventory/low', class: 'button' }, args[0] === 'low' ? 'All items' : 'Low stock only'),
        h('span.muted', {}, me?.holds_store ? 'This device keeps the branch store.' : 'This device holds only what was issued to it.'),
      ),
      table,
      ledger,
      h(
        'div.forms',
        {},
        can('manage_inventory') && form('receipt-form', 'Receive stock', [select('Item', 'item', itemOpts), input('Qty', 'qty', { inputmode: 'decimal' }), input('Supplier', 'supplier'), input('Bill / reference', 'reference')],
          (f) => post('/api/stock/receipts', { item: field(f, 'item'), qty: field(f, 'qty'), supplier: field(f, 'supplier'), reference: field(f, 'reference') || undefined }), 'Stock received'),
        can('manage_inventory') && form('issue-form', 'Issue to technician', [
          select('Item', 'item', itemOpts),
          input('Qty', 'qty', { inputmode: 'decimal' }),
          select('Technician', 'technician', techs.map((u): [string, string] => [u.id, u.name])),
          select('Their device', 'to_device', myDevices.filter((d) => !d.holds_store).map((d): [string, string] => [d.id, d.label])),
        ], (f) => post('/api/stock/issues', { item: field(f, 'item'), qty: field(f, 'qty'), technician: field(f, 'technician'), to_device: field(f, 'to_device') }), 'Issued'),
        can('use_parts') && form('return-form', 'Return to store', [select('Item', 'item', itemOpts), input('Qty', 'qty', { inputmode: 'decimal' })],
          (f) => post('/api/stock/returns', { item: field(f, 'item'), qty: field(f, 'qty') }), 'Returned'),
        can('manual_stock_adjust') && form('adjust-form', 'Adjust stock', [select('Item', 'item', itemOpts), input('Change (+/−)', 'delta', { placeholder: '-1' }), input('Reason', 'reason')],
          (f) => post('/api/stock/adjustments', { item: field(f, 'item'), delta: field(f, 'delta'), reason: field(f, 'reason') }), 'Adjusted'),
        can('manage_inventory') && form('transfer-form', 'Send to another branch', [
          select('Item', 'item', itemOpts),
          input('Qty', 'qty', { inputmode: 'decimal' }),
          select('To', 'to_device', otherStores.map((d): [string, string] => [d.id, d.label])),
          input('Value per unit ₹ (to another GSTIN; default: cost)', 'unit_value', { inputmode: 'decimal' }),
          input('E-way bill no. (goods above ₹50,000.00)', 'eway_bill', { inputmode: 'numeric' }),
        ], (f) => {
          const d = otherStores.find((s) => s.id === field(f, 'to_device'));
          return post('/api/transfers', {
            item: field(f, 'item'), qty: field(f, 'qty'), to_branch: d?.branch, to_device: d?.id,
            unit_value: field(f, 'unit_value') || undefined, eway_bill: field(f, 'eway_bill') || undefined,
          });
        }, 'Transfer sent'),
        can('manage_inventory') && form('item-form', 'New item', [
          input('SKU', 'sku'), input('Name', 'name'), input('HSN/SAC', 'hsn_sac'), input('GST %', 'gst_rate', { value: '18' }),
          input('Unit', 'unit', { value: 'pcs' }), input('Sale price ₹', 'sale_price'), input('Cost ₹', 'cost'), input('Reorder level', 'reorder_level', { value: '2' }),
        ], (f) => post('/api/items', {
          sku: field(f, 'sku'), name: field(f, 'name'), hsn_sac: field(f, 'hsn_sac'), gst_rate: field(f, 'gst_rate'), unit: field(f, 'unit') || undefined,
          sale_price: field(f, 'sale_price'), cost: field(f, 'cost') || undefined, reorder_level: field(f, 'reorder_level') || undefined,
        }), 'Item added'),
      ),
      section(
        'Transfers',
        h(
          'table#transfers',
          {},
          h('thead', {}, h('tr', {}, ['Item', 'Direction', 'Sent', 'Received', 'Variance', 'When', ''].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            transfers.map((t) => {
              const incoming = t.to_branch === myBranch;
              return h(
                'tr',
                {},
                h('td', {}, itemName(t.item)),
                h('td', {}, incoming ? 'incoming' : 'outgoing'),
                h('td.num', {}, t.sent, t.invoice ? h('div.muted', {}, t.invoice) : null),
                h('td.num', {}, t.received ?? 'in transit'),
                h('td.num', {}, t.variance && t.variance !== '0' ? h('span.warn', {}, `short ${t.variance}`) : t.variance ?? ''),
                h('td', {}, dateTime(t.received_at ?? t.sent_at)),
                h(
                  'td',
                  {},
                  incoming && t.received === null && t.receiver === health.device && can('manage_inventory')
                    ? h(
                        'form.inline',
                        {
                          onsubmit: async (ev: Event) => {
                            ev.preventDefault();
                            await act(() => post(`/api/transfers/${t.id}/receive`, { received: field(ev.target as HTMLFormElement, 'received') }), 'Transfer received', reload);
                          },
                        },
                        input('Received', 'received', { value: t.sent, size: 4 }),
                        h('button', { type: 'submit', 'data-action': 'manage_inventory' }, 'Receive'),
                      )
                    : null,
                ),
              );
            }),
          ),
        ),
      ),
    );
  },
});

const KIND: Record<string, string> = {
  receipt: 'Receipt',
  issue_to_technician: 'Issued',
  return_to_store: 'Returned',
  use_on_job: 'Used on a job',
  adjustment: 'Adjustment',
  transfer_out: 'Sent',
  transfer_in: 'Received',
};

async function showLedger(box: HTMLElement, i: Item): Promise<void> {
  clear(box);
  const rows = await get<Record<string, unknown>[]>(`/api/items/${i.id}/ledger`).catch(() => []);
  box.append(
    section(
      `Ledger: ${i.name}`,
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ['When', 'Movement', 'Qty', 'Detail'].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h('tr', {}, h('td', {}, dateTime(Number(r.at))), h('td', {}, KIND[String(r.kind)] ?? String(r.kind ?? '')), h('td.num', {}, String(r.qty ?? '')), h('td', {}, String(r.what ?? ''))),
          ),
        ),
      ),
    ),
  );
}
